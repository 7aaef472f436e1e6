# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
from collections import defaultdict

from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import notification
from .access import AccessMixin
from .bid import is_provider_user
from .collaboration import CollaborationOriginMixin
from .common import BREAKDOWNS, add_workflow
from .contract import monitoring_periods
from .exceptions import (
    LockedError, RelationError, ReturnError, ReturnValidationError,
    SegregationError)
from .gate import check, check_gate, checklist_text, date_text, message
from .validation import COUNT_MAX, InputMixin, check_ranges

# The policy names ethnicity and care experience (the groups installed);
# an administrator may add groups of the others
DIMENSIONS = BREAKDOWNS + [('other', "Other")]
# What the review of a submitted return may still write
REVIEW_FIELDS = {
    'state', 'review_comment', 'reviewed_by', 'submitted_at',
    'submitted_by', 'overdue'}


class MonitoringGroup(InputMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.group'
    __string__ = "Monitoring Group"

    name = fields.Char("Name", required=True, translate=True)
    dimension = fields.Selection(
        DIMENSIONS, "Dimension", required=True,
        help="Groups of one dimension together cover every child once.")
    sequence = fields.Integer("Sequence")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('dimension', 'ASC'), ('sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]


class Period(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.period'
    __string__ = "Monitoring Period"

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='CASCADE', readonly=True)
    start_date = fields.Date("Start Date", required=True, readonly=True)
    end_date = fields.Date("End Date", required=True, readonly=True)
    due_date = fields.Date(
        "Due Date", required=True, readonly=True,
        help="The provider's return for this period is due by this date.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('contract', 'ASC'), ('start_date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.contract, Index.Range()),
                (t.end_date, Index.Range())))

    def get_rec_name(self, name):
        return "%s – %s" % (
            date_text(self.start_date), date_text(self.end_date))

    @classmethod
    def create_for(cls, contracts):
        "Create the monitoring periods of the contracts"
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        days = Configuration(1).return_due_days
        periods = []
        for contract in contracts:
            if contract.periods:
                continue
            for start, end in monitoring_periods(
                    contract.start_date, contract.end_date,
                    contract.frequency):
                periods.append(cls(
                        contract=contract, start_date=start, end_date=end,
                        due_date=end + dt.timedelta(days=days)))
        cls.save(periods)
        return periods

    @classmethod
    def fit_to_term(cls, contracts):
        """Fit the monitoring periods of the active contracts to their term
        after a change of end date.

        The periods that have a return stay as they are, and so do those
        before them. After them, the periods follow the frequency of the
        contract up to its new end: a period that starts on the same day as
        one of them stays (its end and due date moved if they change), the
        others are deleted, and the planned payments they would release wait
        for the officer to choose another period. A fixed number of queries
        for all the contracts, and a write per new end date."""
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        Return = pool.get('commissioning.monitoring.return')
        Payment = pool.get('commissioning.contract.payment')
        if not contracts:
            return
        due_days = dt.timedelta(days=Configuration(1).return_due_days)
        contract_ids = [c.id for c in contracts]
        reported = {r.period.id for r in Return.search([
                    ('contract', 'in', contract_ids),
                    ])}
        existing = defaultdict(list)
        for period in cls.search([
                    ('contract', 'in', contract_ids),
                    ], order=[('start_date', 'ASC'), ('id', 'ASC')]):
            existing[period.contract.id].append(period)
        to_create, to_delete = [], []
        moved = defaultdict(list)
        for contract in contracts:
            periods = existing[contract.id]
            ends = [p.end_date for p in periods if p.id in reported]
            start = (max(ends) + dt.timedelta(days=1) if ends
                else contract.start_date)
            wanted = {max(s, start): e for s, e in monitoring_periods(
                    contract.start_date, contract.end_date,
                    contract.frequency) if e >= start}
            for period in periods:
                if period.end_date < start:
                    continue
                end = wanted.pop(period.start_date, None)
                if end is None:
                    to_delete.append(period)
                elif end != period.end_date:
                    moved[end].append(period)
            to_create.extend(cls(
                    contract=contract, start_date=s, end_date=e,
                    due_date=e + due_days)
                for s, e in sorted(wanted.items()))
        if moved:
            cls.write(*[a for end, periods in moved.items()
                    for a in (periods, {
                            'end_date': end,
                            'due_date': end + due_days,
                            })])
        if to_delete:
            payments = Payment.search([('period', 'in', to_delete)])
            if payments:
                Payment.write(payments, {'period': None})
            cls.delete(to_delete)
        cls.save(to_create)


# The workflow of the return: its transitions, and its buttons with the
# states they show in and their icon
RETURN_TRANSITIONS = [
    ('draft', 'submitted'),
    ('submitted', 'accepted'),
    ('submitted', 'draft'),
    ]
RETURN_BUTTONS = [
    ('submit', ['draft'], 'tryton-forward'),
    ('accept', ['submitted'], 'tryton-ok'),
    ('send_back', ['submitted'], 'tryton-back'),
    ]


class Return(
        InputMixin, AccessMixin, CollaborationOriginMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commissioning.monitoring.return'
    __string__ = "Monitoring Return"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The contract this return reports on.")
    period = fields.Many2One(
        'commissioning.monitoring.period', "Period", required=True,
        ondelete='RESTRICT',
        # The periods of the contract to choose from while the return is
        # new; validate_fields checks every return's period in one pass
        domain=[If(Eval('id', -1) < 0,
                ('contract', '=', Eval('contract', -1)),
                ())],
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The period of the contract the return covers; it can be "
        "submitted once the period has ended.")
    provider = fields.Function(
        fields.Many2One('party.party', "Provider"), 'get_contract_field',
        searcher='search_contract_field')
    due_date = fields.Function(
        fields.Date("Due Date",
            help="The date the return is due; after it, a return not yet "
            "submitted is overdue."), 'get_period_field')
    period_end = fields.Function(
        fields.Date("Period End"), 'get_period_field')
    lines = fields.One2Many(
        'commissioning.monitoring.return.line', 'return_', "KPI Values",
        states=_states,
        help="The value of each KPI for the period, broken down by the "
        "groups of children the KPI asks for, or why it is unavailable.")
    narrative = fields.Text(
        "Narrative", states=_states,
        help="What happened in the period, in the provider's words.")
    collaborations = fields.One2Many(
        'commissioning.collaboration', 'origin',
        "Collaboration with Children", states=_states,
        help="How children were involved in the service in this period.")
    safeguarding_concerns = fields.Integer(
        "Safeguarding Concerns", states=_states,
        help="The number of safeguarding concerns raised in the period.")
    overdue = fields.Boolean(
        "Overdue", readonly=True,
        help="Still a draft after its due date.")
    submitted_at = fields.DateTime("Submitted At", readonly=True,
        help="When the provider submitted the return.")
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True,
        help="Who submitted the return for the provider.")
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True,
        help="The officer who accepted the return or sent it back.")
    review_comment = fields.Text(
        "Review Comment",
        states={
            'readonly': Eval('state') != 'submitted',
            },
        help="Required to send the return back to the provider.")
    language_notes = fields.Function(
        fields.Text("Language Notes",
            help="Words in the return that label children, with the Child "
            "First wording to use instead."), 'get_language_notes')
    submission_checklist = fields.Function(
        fields.Text("Submission Checklist",
            help="What the return still needs before it can be submitted, "
            "checked as you edit."), 'get_submission_checklist')
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('accepted', "Accepted"),
            ], "State", readonly=True, required=True, sort=False,
        help="Draft while the provider fills it in; submitted for review; "
        "accepted, or sent back to be corrected.")
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('period_unique', Unique(t, t.period),
                'childfirst_commissioning.msg_return_period_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.contract, Index.Range())),
                Index(t, (t.overdue, Index.Equality(cardinality='low')),
                    where=t.overdue == Literal(True)),
                })
        cls._order = [
            ('contract', 'ASC'), ('period', 'ASC'), ('id', 'ASC')]
        add_workflow(cls, RETURN_TRANSITIONS, RETURN_BUTTONS)

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_overdue(cls):
        return False

    @classmethod
    def default_safeguarding_concerns(cls):
        return 0

    def get_rec_name(self, name):
        return "%s (%s)" % (self.contract.rec_name, self.period.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contract.rec_name',) + tuple(clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('overdue'), 'danger', '')),
            ]

    def get_contract_field(self, name):
        value = getattr(self.contract, name)
        return value.id if value else None

    @classmethod
    def search_contract_field(cls, name, clause):
        nested = clause[0][len(name):]
        return [('contract.' + name + nested, *clause[1:])]

    def get_period_field(self, name):
        return {
            'due_date': self.period.due_date,
            'period_end': self.period.end_date,
            }[name]

    @classmethod
    def get_language_notes(cls, returns, name):
        LanguageTerm = Pool().get('commissioning.language.term')
        result = {}
        for record in returns:
            texts = [(gettext('childfirst_commissioning.msg_return_narrative'),
                    record.narrative or '')]
            texts += [(line.kpi.name, line.unavailable_reason)
                for line in record.lines if line.unavailable_reason]
            result[record.id] = "\n".join(LanguageTerm.format_findings(
                    LanguageTerm.find_in(texts))) or None
        return result

    # Editing

    @classmethod
    def check_modification(cls, mode, returns, values=None, external=False):
        super().check_modification(
            mode, returns, values=values, external=external)
        if mode == 'delete':
            for record in returns:
                raise LockedError(gettext(
                        'childfirst_commissioning.msg_return_delete',
                        return_=record.rec_name))
        if mode == 'write':
            changed = set(values or {})
            if changed & {'contract', 'period'}:
                for record in returns:
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_return_locked',
                            return_=record.rec_name,
                            state=record.state_string))
            for record in returns:
                if record.state == 'accepted':
                    record.check_editable()
                elif record.state == 'submitted' and (
                        changed - REVIEW_FIELDS):
                    record.check_editable()

    def check_editable(self):
        "Raise unless the return is a draft the provider can still edit"
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_return_locked',
                    return_=self.rec_name, state=self.state_string))

    def check_evidence_editable(self):
        self.check_editable()

    # The submission gate

    @classmethod
    def monitoring_dimensions(cls):
        """Return the active monitoring groups by dimension, and the names
        of the dimensions"""
        Group = Pool().get('commissioning.monitoring.group')
        dimensions = defaultdict(list)
        for group in Group.search([]):
            dimensions[group.dimension].append(group)
        names = dict(Group.fields_get(['dimension'])['dimension'][
                'selection'])
        return dimensions, names

    def submission_checks(self, dimensions=None):
        """Return the checks of the return submission gate.

        dimensions is the result of monitoring_dimensions, read once for
        many returns."""
        dimensions, names = dimensions or self.monitoring_dimensions()
        return [
            check('msg_check_return_period_label', self.period_failures()),
            check('msg_check_return_value_label', [
                    message('msg_check_return_value', kpi=line.kpi.name)
                    for line in self.lines if line.value is None
                    and not (line.unavailable_reason or '').strip()]),
            check('msg_check_return_breakdown_label', [
                    f for line in self.lines
                    if line.kpi.disaggregate and line.value is not None
                    for f in line.breakdown_failures(dimensions, names)]),
            check('msg_check_return_evidence_label',
                self.evidence_failures()),
            check('msg_check_return_safeguarding_label',
                [message('msg_check_return_safeguarding')]
                if self.safeguarding_concerns is None else []),
            ]

    def period_failures(self):
        "The period has ended"
        Date = Pool().get('ir.date')
        if self.period and Date.today() <= self.period.end_date:
            return [message('msg_check_return_period',
                    end=self.period.end_date)]
        return []

    def evidence_failures(self):
        "A complete collaboration record is dated within the period"
        period = self.period
        records = [c for c in (self.collaborations or [])
            if period and c.date
            and period.start_date <= c.date <= period.end_date]
        if any(c.complete for c in records):
            return []
        if not self.collaborations:
            return [message('msg_check_return_evidence_none',
                    start=period.start_date, end=period.end_date)]
        failures = []
        for record in self.collaborations:
            if record not in records:
                failures.append(message('msg_check_return_evidence_outside',
                        date=record.date or "—",
                        start=period.start_date, end=period.end_date))
            elif not record.complete:
                failures.append(message('msg_check_evidence_incomplete',
                        date=record.date or "—",
                        missing=", ".join(record.missing_labels())))
        return failures

    @classmethod
    def get_submission_checklist(cls, returns, name):
        dimensions = cls.monitoring_dimensions()
        return {r.id: checklist_text(r.submission_checks(dimensions))
            if r.state == 'draft' else None for r in returns}

    @classmethod
    def create(cls, vlist):
        """Create the returns, each with a line per KPI of its contract.

        Providers may start the return of the current period early; it can
        be submitted once the period has ended."""
        # Before the values are read below
        cls.check_input(vlist)
        pool = Pool()
        vlist = [v.copy() for v in vlist]
        # The returns the system creates at activation or on schedule are
        # checked by their callers
        if Transaction().check_access:
            check_gate(ReturnError, 'msg_return_create_gate', [
                    check('msg_return_label_startable',
                        cls.start_failures(vlist))])
        returns = super().create(vlist)
        # One line per KPI, whoever starts the return
        Line = pool.get('commissioning.monitoring.return.line')
        with without_check_access():
            Line.create([{'return_': r.id, 'kpi': k.id}
                    for r, values in zip(returns, vlist)
                    if 'lines' not in values
                    for k in r.contract.kpis])
        return returns

    @classmethod
    def start_failures(cls, vlist):
        """Return a failure for each of the values that starts a return
        before its period began or on a contract not active"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Period = pool.get('commissioning.monitoring.period')
        today = pool.get('ir.date').today()
        # Refused as a required field without contract or period
        vlist = [v for v in vlist if v.get('contract') and v.get('period')]
        # Read together
        contracts = Contract.browse([v['contract'] for v in vlist])
        periods = Period.browse([v['period'] for v in vlist])
        failures = []
        for contract, period in zip(contracts, periods):
            if (contract.state != 'active' or period.contract != contract
                    or period.start_date > today):
                failures.append(message('msg_return_create',
                        contract=contract.rec_name, period=period.rec_name))
        return failures

    @classmethod
    def validate_fields(cls, returns, field_names):
        super().validate_fields(returns, field_names)
        if not field_names or field_names & {'contract', 'period'}:
            for record in returns:
                if record.period.contract != record.contract:
                    raise RelationError(gettext(
                            'childfirst_commissioning.msg_input_return_period',
                            period=record.period.rec_name,
                            contract=record.contract.rec_name))
        if field_names and 'safeguarding_concerns' not in field_names:
            return
        for record in returns:
            if (record.safeguarding_concerns is not None
                    and record.safeguarding_concerns < 0):
                raise ReturnValidationError(gettext(
                        'childfirst_commissioning.msg_return_safeguarding',
                        count=record.safeguarding_concerns))
        check_ranges(cls, returns, field_names,
            safeguarding_concerns=(0, COUNT_MAX))

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, returns):
        User = Pool().get('res.user')
        parties = set(User.get_commissioning_parties())
        provider_user = is_provider_user()
        dimensions = cls.monitoring_dimensions()
        for record in returns:
            checks = record.submission_checks(dimensions)
            if provider_user and record.contract.provider.id not in parties:
                checks.insert(0, check('msg_return_label_provider', [
                            message('msg_return_other_provider')]))
            check_gate(ReturnError, 'msg_return_gate', checks,
                return_=record.rec_name)
        cls.write(returns, {
                'submitted_at': dt.datetime.now(),
                'submitted_by': Transaction().user,
                'overdue': False,
                })

    def check_reviewer(self):
        if self.submitted_by and self.submitted_by.id == Transaction().user:
            raise SegregationError(gettext(
                    'childfirst_commissioning.msg_return_own_review',
                    return_=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, returns):
        Failure = Pool().get('commissioning.contract.failure')
        for record in returns:
            record.check_reviewer()
        cls.write(returns, {'reviewed_by': Transaction().user})
        # A KPI now inadequate for two periods running is a failure; the
        # workflow writes the state of the returns once this is done
        Failure.detect(list({r.contract for r in returns}), accepted=returns)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def send_back(cls, returns):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for record in returns:
            record.check_reviewer()
            commented = bool((record.review_comment or '').strip())
            check_gate(ReturnError, 'msg_return_send_back_gate', [
                    check('msg_return_label_comment', [] if commented
                        else [message('msg_return_send_back')])],
                return_=record.rec_name)
        # Written together, grouped by the overdue flag
        late = {r.id for r in returns if r.period.due_date < today}
        args = []
        for overdue in [True, False]:
            records = [r for r in returns if (r.id in late) == overdue]
            if records:
                args.extend([records, {
                            'reviewed_by': Transaction().user,
                            'overdue': overdue,
                            }])
        if args:
            cls.write(*args)
        notification.return_sent_back(returns)

    # Creation of the due returns and the overdue flags

    @classmethod
    def create_due(cls, date=None, contracts=None):
        """Create a return, with a line per KPI, for every period of an
        active contract (or of the contracts given) that has ended, and
        flag the overdue returns.

        A fixed number of queries, whatever the number of contracts."""
        pool = Pool()
        Date = pool.get('ir.date')
        Period = pool.get('commissioning.monitoring.period')
        Contract = pool.get('commissioning.contract')
        date = date or Date.today()
        if contracts is not None and not contracts:
            return
        period = Period.__table__()
        contract = Contract.__table__()
        return_ = cls.__table__()
        cursor = Transaction().connection.cursor()

        cursor.execute(*period.join(
                contract, condition=period.contract == contract.id
                ).join(return_, 'LEFT',
                    condition=return_.period == period.id
                ).select(
                period.id, period.contract,
                where=((contract.state == 'active') if contracts is None
                    else contract.id.in_([c.id for c in contracts]))
                & (period.end_date < date)
                & (return_.id == Null),
                order_by=[period.contract, period.start_date]))
        missing = cursor.fetchall()
        if missing:
            cls.create([{
                        'contract': contract_id,
                        'period': period_id,
                        } for period_id, contract_id in missing])
        cls.flag_overdue(date)

    @classmethod
    def flag_overdue(cls, date=None):
        """Flag the draft returns past their due date as overdue, and clear
        the flag of the others: two searches and one write"""
        Date = Pool().get('ir.date')
        date = date or Date.today()
        late = [('state', '=', 'draft'), ('period.due_date', '<', date)]
        to_flag = cls.search(late + [('overdue', '=', False)])
        to_clear = cls.search([
                ('overdue', '=', True),
                ('state', 'in', ['draft', 'submitted']),
                ['OR',
                    ('state', '!=', 'draft'),
                    ('period.due_date', '>=', date),
                    ],
                ])
        args = []
        for records, overdue in [(to_flag, True), (to_clear, False)]:
            if records:
                args.extend([records, {'overdue': overdue}])
        if args:
            # The system keeps the flag, whoever triggers it
            with without_check_access():
                cls.write(*args)
