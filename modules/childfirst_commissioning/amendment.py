# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Amendments of a published tender: the only way its deadline, its
criteria's texts or weights change once providers are bidding. An amendment
that changes what bidders answer or how it is weighted is signed off by
finance first; applying it leaves bidders the configured minimum time and
asks the providers who submitted to confirm their bids again."""
import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from . import design, notification
from .access import AccessMixin
from .common import add_workflow, number
from .exceptions import AmendmentError, LockedError, RelationError
from .gate import check, check_gate, checklist_text, message
from .states import LIVE_STATES
from .validation import InputMixin

# The tender fields and the criterion fields an amendment changes, while it
# is being applied (never through a user's write)
TENDER_FIELDS = {'submission_deadline'}
CRITERION_FIELDS = {'description', 'weight'}
_applying = ContextVar('childfirst_amendment_applying', default=False)


def applying():
    "Whether an amendment is being applied: its changes pass the locks"
    return _applying.get()


@contextmanager
def _apply():
    token = _applying.set(True)
    try:
        yield
    finally:
        _applying.reset(token)


class Amendment(InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.amendment'
    __string__ = "Tender Amendment"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='CASCADE',
        domain=[
            If(Eval('state') == 'draft',
                ('state', '=', 'published'),
                ()),
            ],
        states={
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            },
        help="The published tender this amendment changes.")
    reason = fields.Text(
        "Reason", required=True, states=_states,
        help="Why the tender changes; told to every provider who bids.")
    description = fields.Text(
        "Description", states=_states,
        help="What changes, in words providers understand.")
    new_deadline = fields.DateTime(
        "New Submission Deadline", states=_states,
        help="Left empty, the deadline stays. A new deadline leaves bidders "
        "at least the configured minimum time.")
    requires_reapproval = fields.Boolean(
        "Requires Re-approval", states=_states,
        help="Ticked when the amendment changes what bidders must answer or "
        "how it is weighted: finance signs it off before it applies, and "
        "bidders get at least the configured minimum time.")
    lines = fields.One2Many(
        'commissioning.tender.amendment.line', 'amendment',
        "Criteria Changes", states=_states,
        help="The new texts and weights of criteria of the tender.")
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True,
        states={
            'invisible': ~Eval('requires_reapproval'),
            })
    applied_by = fields.Many2One('res.user', "Applied By", readonly=True)
    applied_at = fields.DateTime("Applied At", readonly=True)
    apply_checklist = fields.Function(
        fields.Text("Checklist",
            help="What the amendment still needs before it applies."),
        'get_apply_checklist')
    state = fields.Selection([
            ('draft', "Draft"),
            ('applied', "Applied"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        add_workflow(cls, [('draft', 'applied')], [
                ('approve', ['draft'], 'tryton-ok'),
                ('apply', ['draft'], 'tryton-forward'),
                ])
        cls._buttons['approve']['invisible'] |= (
            ~Eval('requires_reapproval') | Eval('approved_by'))
        cls._buttons['approve']['depends'] += [
            'requires_reapproval', 'approved_by']

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_requires_reapproval(cls):
        return False

    @fields.depends('lines', 'requires_reapproval')
    def on_change_lines(self):
        if self.lines:
            self.requires_reapproval = True

    @property
    def needs_signoff(self):
        "Whether the amendment changes what bidders answer or its weights"
        return bool(self.requires_reapproval or self.lines)

    def get_rec_name(self, name):
        return gettext('childfirst_commissioning.msg_amendment_rec_name',
            tender=self.tender.rec_name, number=self.id)

    @classmethod
    def validate_fields(cls, amendments, field_names):
        super().validate_fields(amendments, field_names)
        for amendment in amendments:
            if amendment.lines and not amendment.requires_reapproval:
                raise AmendmentError(message(
                        'msg_amendment_lines_reapproval',
                        amendment=amendment.rec_name))

    @classmethod
    def check_modification(cls, mode, amendments, values=None,
            external=False):
        super().check_modification(
            mode, amendments, values=values, external=external)
        names = set(values or {}) - {
            'state', 'approved_by', 'applied_by', 'applied_at'}
        if mode == 'write' and names and 'requires_reapproval' in names:
            # A sign-off stands for the amendment as it was signed
            names |= {'approved_by'}
        for amendment in amendments:
            if amendment.state != 'draft' and (names or mode == 'delete'):
                raise LockedError(message('msg_amendment_locked',
                        amendment=amendment.rec_name))
            if amendment.approved_by and names and mode == 'write':
                raise LockedError(message('msg_amendment_signed',
                        amendment=amendment.rec_name))

    # The gate

    def apply_checks(self, now=None):
        "Return the checks of applying the amendment at now"
        Configuration = Pool().get('commissioning.configuration')
        now = now or dt.datetime.now()
        days = Configuration(1).amendment_minimum_days
        if days is None:
            days = Configuration.default_amendment_minimum_days()
        tender = self.tender
        return [
            check('msg_amendment_label_published',
                [] if tender.state == 'published'
                else [message('msg_amendment_not_published',
                        tender=tender.rec_name,
                        state=tender.state_string)]),
            check('msg_amendment_label_signoff',
                [message('msg_amendment_signoff_missing')]
                if self.needs_signoff and not self.approved_by
                else []),
            check('msg_amendment_label_deadline',
                self.deadline_failures(now, days), days=days),
            check('msg_amendment_label_weights', self.weight_failures()),
            ]

    def deadline_failures(self, now, days):
        """The deadline, new or kept, leaves bidders the minimum time when
        it moves or the amendment changes what they answer; it stays after
        the questions deadline and before the contract start"""
        tender = self.tender
        deadline = self.new_deadline or tender.submission_deadline
        failures = []
        earliest = (now + dt.timedelta(days=days)).replace(microsecond=0)
        if (self.new_deadline or self.needs_signoff) and (
                not deadline or deadline < earliest):
            failures.append(message('msg_amendment_deadline_short',
                    days=days, earliest=earliest))
        if deadline and tender.questions_deadline and (
                tender.questions_deadline >= deadline):
            failures.append(message('msg_amendment_deadline_questions',
                    questions=tender.questions_deadline))
        if deadline and tender.contract_start and (
                deadline.date() >= tender.contract_start):
            failures.append(message('msg_amendment_deadline_start',
                    start=tender.contract_start))
        return failures

    def weight_failures(self):
        "The weights, changed as the lines say, still add up to 100"
        if not any(l.weight is not None for l in self.lines):
            return []
        new = {l.criterion: l.weight for l in self.lines
            if l.weight is not None}
        criteria = [
            Criterion(method=c.method, weight=new.get(c, c.weight))
            for c in self.tender.criteria]
        return design.weight_failures(criteria)

    @classmethod
    def get_apply_checklist(cls, amendments, name):
        return {a.id: checklist_text(a.apply_checks())
            if a.state == 'draft' else None for a in amendments}

    # Buttons

    @classmethod
    @ModelView.button
    def approve(cls, amendments):
        "Finance signs off the amendments that change what bidders answer"
        Signoff = Pool().get('commissioning.signoff')
        amendments = [a for a in amendments
            if a.state == 'draft' and a.needs_signoff
            and not a.approved_by]
        Signoff.record([Signoff.decide(
                    a, 'amendment', 'approved',
                    [a.reason or ''] + [
                        "%s: %s" % (l.criterion.name, l.rec_name)
                        for l in a.lines],
                    requested_by=a.create_uid)
                for a in amendments])
        cls.write(amendments, {'approved_by': Transaction().user})

    @classmethod
    @ModelView.button
    @Workflow.transition('applied')
    def apply(cls, amendments):
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Criterion = pool.get('commissioning.tender.criterion')
        Bid = pool.get('commissioning.bid')
        now = dt.datetime.now()
        for amendment in amendments:
            check_gate(AmendmentError, 'msg_amendment_apply_gate',
                amendment.apply_checks(now),
                amendment=amendment.rec_name)
        tender_args, criterion_args = [], []
        for amendment in amendments:
            if amendment.new_deadline:
                tender_args.extend([[amendment.tender],
                        {'submission_deadline': amendment.new_deadline}])
            for line in amendment.lines:
                values = line.criterion_values()
                if values:
                    criterion_args.extend([[line.criterion], values])
        with _apply():
            if tender_args:
                Tender.write(*tender_args)
            if criterion_args:
                Criterion.write(*criterion_args)
        bids = Bid.search([
                ('tender', 'in', [a.tender.id for a in amendments]),
                ('state', 'in', LIVE_STATES),
                ], order=[('id', 'ASC')])
        Bid.ask_reconfirmation([b for b in bids if b.state == 'submitted'])
        cls.write(amendments, {
                'applied_by': Transaction().user,
                'applied_at': now,
                })
        notification.tender_amended(amendments, bids)


class Criterion:
    "A criterion as an amendment would leave it, for the weight check"
    __slots__ = ('method', 'weight')

    def __init__(self, method, weight):
        self.method, self.weight = method, weight


class AmendmentLine(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.amendment.line'
    __string__ = "Tender Amendment Criterion Change"

    amendment = fields.Many2One(
        'commissioning.tender.amendment', "Amendment", required=True,
        ondelete='CASCADE')
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE',
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ])
    tender = fields.Function(
        fields.Many2One('commissioning.tender', "Tender"),
        'on_change_with_tender')
    description = fields.Text(
        "New Description",
        help="The criterion's new text; left empty, the text stays.")
    weight = fields.Numeric(
        "New Weight", digits=(16, 2),
        help="The criterion's new weight; left empty, the weight stays. "
        "A new weight needs finance's sign-off.")

    @fields.depends('amendment', '_parent_amendment.tender')
    def on_change_with_tender(self, name=None):
        if self.amendment and self.amendment.tender:
            return self.amendment.tender.id

    def get_rec_name(self, name):
        parts = []
        if self.weight is not None:
            parts.append(gettext(
                    'childfirst_commissioning.msg_amendment_line_weight',
                    weight=number(self.weight)))
        if self.description:
            parts.append(gettext(
                    'childfirst_commissioning.msg_amendment_line_text'))
        return ", ".join(parts)

    def criterion_values(self):
        "Return the values the line writes on its criterion"
        values = {}
        if self.description:
            values['description'] = self.description
        if self.weight is not None:
            values['weight'] = self.weight
        return values

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.criterion.tender != line.amendment.tender:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_amendment_line_tender',
                        criterion=line.criterion.name,
                        tender=line.amendment.tender.rec_name))
            if line.weight is not None and not (
                    Decimal(0) <= line.weight <= 100):
                raise AmendmentError(gettext(
                        'childfirst_commissioning.msg_amendment_line_range',
                        criterion=line.criterion.name,
                        weight=number(line.weight)))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Amendment = pool.get('commissioning.tender.amendment')
        super().check_modification(
            mode, lines, values=values, external=external)
        amendments = {l.amendment for l in lines}
        if mode == 'write' and values and values.get('amendment'):
            amendments.add(Amendment(values['amendment']))
        for amendment in amendments:
            if amendment.state != 'draft' or amendment.approved_by:
                raise LockedError(message(
                        'msg_amendment_locked'
                        if amendment.state != 'draft'
                        else 'msg_amendment_signed',
                        amendment=amendment.rec_name))
