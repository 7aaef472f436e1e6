# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Clarification questions: a provider asks while the tender is open to
questions, the officer answers and publishes the answer to every provider,
without saying who asked."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import notification
from .access import AnonymousMixin
from .common import add_workflow
from .exceptions import LockedError, QuestionError
from .gate import check, check_gate, message
from .validation import InputMixin

QUESTION_STATES = [
    ('asked', "Asked"),
    ('answered', "Answered"),
    ('published', "Published"),
    ]
# The fields the workflow writes itself
WORKFLOW_FIELDS = {'state', 'answered_by', 'answered_at', 'published_at'}


def questions_close(tender):
    """Return when the tender stops taking questions: its questions
    deadline, or its submission deadline without one"""
    return tender.questions_deadline or tender.submission_deadline


class Question(InputMixin, AnonymousMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.question'
    __string__ = "Clarification Question"
    _history = True

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='CASCADE',
        domain=[
            If(Eval('state') == 'asked',
                ('state', '=', 'published'),
                ()),
            ],
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The published tender the question is about.")
    # Lazy, as who created the question: providers may not read them, and
    # a client that reads a question's eager fields must not fail for them
    party = fields.Many2One(
        'party.party', "Asked For", required=True, ondelete='RESTRICT',
        loading='lazy',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The organisation that asked. Only the commissioner sees it: "
        "the published answer does not say who asked.")
    question = fields.Text(
        "Question", required=True,
        states={
            'readonly': Eval('state') != 'asked',
            },
        help="Ask about the tender, not about your bid: the question and "
        "its answer are published to every provider.")
    answer = fields.Text(
        "Answer",
        states={
            'readonly': Eval('state') == 'published',
            },
        help="Written by the commissioner; published to every provider.")
    answered_by = fields.Many2One('res.user', "Answered By", readonly=True)
    answered_at = fields.DateTime("Answered At", readonly=True)
    published_at = fields.DateTime("Published At", readonly=True)
    state = fields.Selection(
        QUESTION_STATES, "State", readonly=True, required=True, sort=False,
        help="Asked, answered (the answer is not published yet) or "
        "published to every provider.")
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.create_uid.loading = 'lazy'
        cls.write_uid.loading = 'lazy'
        cls._order = [('id', 'ASC')]
        add_workflow(cls, [
                ('asked', 'answered'),
                ('answered', 'published'),
                ], [
                ('answer_question', ['asked'], 'tryton-ok'),
                ('publish', ['answered'], 'tryton-launch'),
                ])

    @classmethod
    def default_state(cls):
        return 'asked'

    @classmethod
    def default_party(cls):
        User = Pool().get('res.user')
        parties = User.get_commissioning_parties()
        if len(parties) == 1:
            return parties[0]

    def get_rec_name(self, name):
        return gettext('childfirst_commissioning.msg_question_rec_name',
            tender=self.tender.rec_name, number=self.id)

    # Asking

    @classmethod
    def create(cls, vlist):
        """Create the questions, the organisation being the asker's own.

        Providers may neither read nor write who asked: the access of the
        user is checked here, on the values they give, and the question is
        created with the organisation as the server."""
        pool = Pool()
        User = pool.get('res.user')
        ModelAccess = pool.get('ir.model.access')
        FieldAccess = pool.get('ir.model.field.access')
        # Before the values are read below
        cls.check_input(vlist)
        vlist = [v.copy() for v in vlist]
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            ModelAccess.check(cls.__name__, 'create')
            FieldAccess.check(cls.__name__,
                {k for v in vlist for k in v} - {'party'}, 'write')
            parties = User.get_commissioning_parties()
            for values in vlist:
                if parties and not values.get('party'):
                    values['party'] = cls.default_party()
                if parties and values.get('party') not in parties:
                    raise AccessError(gettext(
                            'childfirst_commissioning.msg_question_party'))
        cls.check_asking(vlist)
        with without_check_access():
            return super().create(vlist)

    @classmethod
    def check_asking(cls, vlist):
        """Raise unless the tenders of the new questions are published and
        open to questions, reading them together"""
        Tender = Pool().get('commissioning.tender')
        now = dt.datetime.now()
        for tender in Tender.browse(list(
                    {v['tender'] for v in vlist if v.get('tender')})):
            check_gate(QuestionError, 'msg_question_ask_gate',
                asking_checks(tender, now), tender=tender.rec_name)

    @classmethod
    def check_modification(cls, mode, questions, values=None,
            external=False):
        super().check_modification(
            mode, questions, values=values, external=external)
        names = set(values or {}) - WORKFLOW_FIELDS
        if mode == 'delete':
            names = {'question'}
        for question in questions:
            if (question.state == 'published' and names) or (
                    mode == 'write' and names & {'tender', 'party'}):
                raise LockedError(message('msg_question_locked',
                        question=question.rec_name))
            if 'question' in names and question.state != 'asked':
                raise LockedError(message('msg_question_answered',
                        question=question.rec_name))

    # Buttons

    # The button 'answer' of the design shares its name with the field: it
    # is 'answer_question' (a model cannot have both under one name)
    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer_question(cls, questions):
        for question in questions:
            check_gate(QuestionError, 'msg_question_answer_gate', [
                    check('msg_question_label_answer',
                        [] if (question.answer or '').strip()
                        else [message('msg_question_answer_missing')])],
                question=question.rec_name)
        cls.write(questions, {
                'answered_by': Transaction().user,
                'answered_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, questions):
        cls.write(questions, {'published_at': dt.datetime.now()})
        notification.answers_published(questions)


def asking_checks(tender, now=None):
    "Return the checks of asking a question on tender at now"
    now = now or dt.datetime.now()
    failures = []
    close = questions_close(tender)
    if tender.state != 'published':
        failures.append(message('msg_question_tender_not_published',
                tender=tender.rec_name))
    elif close and close <= now:
        failures.append(message('msg_question_deadline_passed',
                deadline=close.replace(microsecond=0)))
    return [check('msg_question_label_open', failures)]
