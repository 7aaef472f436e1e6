# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 4, evaluation: the officer assigns a specialist to every scored
criterion and the children's panel to the Child First criteria, the
evaluators declare no conflict, the officer assesses the pass/fail answers
and starts the evaluation, then each evaluator scores"""

JUSTIFICATIONS = {
    5: "is excellent, with evidence from children",
    4: "is good and backed by evidence",
    3: "is satisfactory but thin on evidence",
    }


def evaluate(session, tender, bids, marks):
    """Evaluate the closed tender: bids is the bid of each provider login,
    marks the specialist's and the panel's mark of each login"""
    scored, child_first = assign_evaluators(session, tender)
    for login in ['evaluator2', 'evaluator']:
        Evaluator = session.model('commissioning.tender.evaluator', login)
        mine, = Evaluator.find([('tender', '=', tender.id)])
        mine.click('declare_no_conflict')
    assess_pass_fail(session, bids)
    Tender = session.model('commissioning.tender', 'officer')
    Tender(tender.id).click('start_evaluation')

    # The scores: the specialist's on all, the panel's on Child First
    for login, (_, specialist, panel) in marks.items():
        for criterion in scored:
            score(session, 'evaluator2', bids[login], criterion, specialist)
            if panel is not None and criterion.tenet:
                mark = panel if criterion == child_first[0] else specialist
                score(session, 'evaluator', bids[login], criterion, mark)


def assign_evaluators(session, tender):
    """Assign the specialist on every scored criterion of the tender and
    the children's panel on its Child First criteria, as the officer;
    return the scored and the Child First criteria"""
    Tender = session.model('commissioning.tender', 'officer')
    User = session.model('res.user', 'officer')
    Criterion = session.model('commissioning.tender.criterion', 'officer')
    tender = Tender(tender.id)
    scored = Criterion.find([
            ('tender', '=', tender.id), ('method', '=', 'scored')])
    child_first = [c for c in scored if c.tenet]
    for login, role, criteria in [
            ('evaluator2', 'specialist', scored),
            ('evaluator', 'children_panel', child_first)]:
        evaluator = tender.evaluators.new()
        evaluator.user, = User.find([('login', '=', login)])
        evaluator.role = role
        evaluator.criteria.extend([Criterion(c.id) for c in criteria])
    tender.save()
    return scored, child_first


def assess_pass_fail(session, bids):
    """Assess the pass/fail answer of each bid as the officer: Eastgate's
    (provider3) evidence of collaboration does not pass"""
    Response = session.model('commissioning.bid.response', 'officer')
    for login, bid in bids.items():
        answer, = Response.find([('bid', '=', bid.id),
                ('criterion.method', '=', 'pass_fail')])
        answer.assessment = 'failed' if login == 'provider3' else 'passed'
        answer.save()


def score(session, login, bid, criterion, mark):
    "Score the answer of bid to criterion as the evaluator login"
    Evaluator = session.model('commissioning.tender.evaluator', login)
    Response = session.model('commissioning.bid.response', login)
    Score = session.model('commissioning.score', login)
    evaluator, = Evaluator.find([('tender', '=', bid.tender.id)])
    response, = Response.find([
            ('bid', '=', bid.id), ('criterion', '=', criterion.id)])
    score = Score(response=response, evaluator=evaluator, score=mark)
    score.justification = "Scored %s: the answer %s." % (
        mark, JUSTIFICATIONS.get(mark, "falls short"))
    score.save()
