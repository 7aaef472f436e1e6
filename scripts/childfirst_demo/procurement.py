# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 3, while a tender is open: providers ask clarification questions,
the officer answers and publishes them to every provider without saying
who asked, and amends the tender with a reason"""
import datetime as dt

from .tenders import TENDERS

# The tender open for bids
OPEN_TENDER = TENDERS[0]['name']
# (asker, question, answer or None while the officer has not answered)
QUESTIONS = [
    ('provider',
        "Can the trusted adult meet children at weekends and in the "
        "evenings, when they are out of school?",
        "Yes. Children on the Youth Voice Panel asked for it: describe in "
        "your bid when your service "
        "will be open."),
    ('provider3',
        "May a consortium of two local charities bid together?",
        None),
    ]
AMENDMENT = {
    'reason': (
        "Providers asked for more time to involve children in designing "
        "their bids, as the tender asks them to."),
    'description': "The closing date moves one week later.",
    'days': 7,
    }


def clarify(session):
    """Ask the demo questions as the providers, answer and publish the
    first as the officer, and apply the amendment, unless done"""
    Tender = session.model('commissioning.tender', 'officer')
    tender, = Tender.find([('name', '=', OPEN_TENDER)])
    Question = session.model('commissioning.tender.question', 'officer')
    if not Question.find([('tender', '=', tender.id)]):
        for login, text, answer in QUESTIONS:
            ask(session, login, tender, text, answer)
    Amendment = session.model('commissioning.tender.amendment', 'officer')
    if not Amendment.find([('tender', '=', tender.id)]):
        amend(session, tender)


def ask(session, login, tender, text, answer):
    Question = session.model('commissioning.tender.question', login)
    question = Question(tender=tender.id, question=text)
    question.save()
    if answer:
        Question = session.model('commissioning.tender.question', 'officer')
        question = Question(question.id)
        question.answer = answer
        question.save()
        question.click('answer_question')
        question.click('publish')


def amend(session, tender):
    Amendment = session.model('commissioning.tender.amendment', 'officer')
    deadline = tender.submission_deadline + dt.timedelta(
        days=AMENDMENT['days'])
    amendment = Amendment(tender=tender.id, reason=AMENDMENT['reason'],
        description=AMENDMENT['description'], new_deadline=deadline)
    amendment.save()
    amendment.click('apply')
