# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.operators import Not

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .access import AccessMixin
from .bid import is_provider_user
from .collaboration import CollaborationOriginMixin
from .common import (
    COUNT_MAX, InputMixin, check_fixed, check_ranges, number)
from .contract import RATINGS, monitoring_periods, rate
from .exceptions import (
    LockedError, RelationError, ReturnError, ReturnValidationError,
    SegregationError)
from .gate import check_gate, checklist_text

DIMENSIONS = [
    ('ethnicity', "Ethnicity"),
    ('care_experience', "Care Experience"),
    ('other', "Other"),
    ]
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
        return "%s – %s" % (self.start_date, self.end_date)

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
            })
    period = fields.Many2One(
        'commissioning.monitoring.period', "Period", required=True,
        ondelete='RESTRICT',
        domain=[('contract', '=', Eval('contract', -1))],
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    provider = fields.Function(
        fields.Many2One('party.party', "Provider"), 'get_contract_field',
        searcher='search_contract_field')
    due_date = fields.Function(
        fields.Date("Due Date"), 'get_period_field')
    period_end = fields.Function(
        fields.Date("Period End"), 'get_period_field')
    lines = fields.One2Many(
        'commissioning.monitoring.return.line', 'return_', "KPI Values",
        states=_states)
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
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True)
    review_comment = fields.Text(
        "Review Comment",
        states={
            'readonly': Eval('state') != 'submitted',
            },
        help="Required to send the return back to the provider.")
    language_notes = fields.Function(
        fields.Text("Language Notes"), 'get_language_notes')
    submission_checklist = fields.Function(
        fields.Text("Submission Checklist"), 'get_submission_checklist')
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('accepted', "Accepted"),
            ], "State", readonly=True, required=True, sort=False)
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
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'accepted'),
            ('submitted', 'draft'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'send_back': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

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
        """Return [(label, failures)] of the return submission gate.

        dimensions is the result of monitoring_dimensions, read once for
        many returns."""
        Date = Pool().get('ir.date')
        today = Date.today()
        dimensions, names = dimensions or self.monitoring_dimensions()

        def label(name, **values):
            return gettext('childfirst_commissioning.' + name, **values)
        checks = []

        failures = []
        if self.period and today <= self.period.end_date:
            failures.append(label('msg_check_return_period',
                    end=self.period.end_date))
        checks.append((label('msg_check_return_period_label'), failures))

        failures = []
        for line in self.lines:
            if line.value is None and not (
                    line.unavailable_reason or '').strip():
                failures.append(label('msg_check_return_value',
                        kpi=line.kpi.name))
        checks.append((label('msg_check_return_value_label'), failures))

        failures = []
        for line in self.lines:
            if not line.kpi.disaggregate or line.value is None:
                continue
            failures.extend(line.breakdown_failures(dimensions, names))
        checks.append((label('msg_check_return_breakdown_label'), failures))

        failures = []
        records = [c for c in (self.collaborations or [])
            if self.period and c.date
            and self.period.start_date <= c.date <= self.period.end_date]
        if not any(c.complete for c in records):
            if not self.collaborations:
                failures.append(label('msg_check_return_evidence_none',
                        start=self.period.start_date,
                        end=self.period.end_date))
            for record in self.collaborations or []:
                if record not in records:
                    failures.append(label(
                            'msg_check_return_evidence_outside',
                            date=record.date or "—",
                            start=self.period.start_date,
                            end=self.period.end_date))
                elif not record.complete:
                    failures.append(label(
                            'msg_check_evidence_incomplete',
                            date=record.date or "—",
                            missing=", ".join(record.missing_labels())))
        checks.append((label('msg_check_return_evidence_label'), failures))

        failures = []
        if self.safeguarding_concerns is None:
            failures.append(label('msg_check_return_safeguarding'))
        checks.append((label('msg_check_return_safeguarding_label'),
                failures))
        return checks

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
        Contract = pool.get('commissioning.contract')
        Period = pool.get('commissioning.monitoring.period')
        Date = pool.get('ir.date')
        today = Date.today()
        # The returns the system creates at activation or on schedule are
        # checked by their callers
        external = Transaction().check_access
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('contract') or not values.get('period'):
                # Refused as a required field
                continue
            contract = Contract(values['contract'])
            period = Period(values['period'])
            if external and (contract.state != 'active'
                    or period.contract != contract
                    or period.start_date > today):
                raise ReturnError(gettext(
                        'childfirst_commissioning.msg_return_create',
                        contract=contract.rec_name,
                        period=period.rec_name))
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
    def validate_fields(cls, returns, field_names):
        super().validate_fields(returns, field_names)
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
        for record in returns:
            if provider_user and record.contract.provider.id not in parties:
                raise ReturnError(gettext(
                        'childfirst_commissioning.msg_return_other_provider',
                        return_=record.rec_name))
            checks = record.submission_checks()
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
        for record in returns:
            record.check_reviewer()
        cls.write(returns, {'reviewed_by': Transaction().user})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def send_back(cls, returns):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for record in returns:
            record.check_reviewer()
            if not (record.review_comment or '').strip():
                raise ReturnError(gettext(
                        'childfirst_commissioning.msg_return_send_back',
                        return_=record.rec_name))
        for record in returns:
            cls.write([record], {
                    'reviewed_by': Transaction().user,
                    'overdue': record.period.due_date < today,
                    })

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
        "Set the overdue flag of every return in two statements"
        pool = Pool()
        Date = pool.get('ir.date')
        Period = pool.get('commissioning.monitoring.period')
        date = date or Date.today()
        period = Period.__table__()
        return_ = cls.__table__()
        cursor = Transaction().connection.cursor()
        late = return_.period.in_(period.select(
                period.id, where=period.due_date < date))
        is_overdue = (return_.state == 'draft') & late
        cursor.execute(*return_.update(
                [return_.overdue], [Literal(True)],
                where=is_overdue & (
                    (return_.overdue == Null)
                    | (return_.overdue == Literal(False)))))
        cursor.execute(*return_.update(
                [return_.overdue], [Literal(False)],
                where=Not(is_overdue) & (return_.overdue == Literal(True))))


class ReturnLine(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.return.line'
    __string__ = "Monitoring Return Line"
    _states = {
        'readonly': Eval('return_state') != 'draft',
        }

    return_ = fields.Many2One(
        'commissioning.monitoring.return', "Return", required=True,
        ondelete='CASCADE', readonly=True)
    kpi = fields.Many2One(
        'commissioning.contract.kpi', "KPI", required=True,
        ondelete='RESTRICT', readonly=True)
    value = fields.Numeric(
        "Value", digits=(16, 2), states=_states,
        help="Leave empty only with the reason the value is unavailable.")
    unavailable_reason = fields.Text(
        "Unavailable Reason", states=_states,
        help="Why the value cannot be given for this period.")
    rating = fields.Selection(
        [(None, "")] + RATINGS, "Rating", readonly=True,
        help="The rating of the value against the target, on the scale of "
        "the Procurement Act 2023 contract performance notices.")
    breakdowns = fields.One2Many(
        'commissioning.monitoring.return.breakdown', 'line', "Breakdown",
        states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('disaggregate'),
            })
    target = fields.Function(
        fields.Numeric("Target", digits=(16, 2)), 'get_kpi_field')
    unit = fields.Function(fields.Char("Unit"), 'get_kpi_field')
    disaggregate = fields.Function(
        fields.Boolean("Disaggregated"), 'get_kpi_field')
    contract = fields.Function(
        fields.Many2One('commissioning.contract', "Contract"),
        'get_return_field', searcher='search_return_field')
    date = fields.Function(
        fields.Date("Period End"), 'get_return_field')
    return_state = fields.Function(
        fields.Selection('get_return_states', "Return State"),
        'on_change_with_return_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.return_, Index.Range())),
                Index(t, (t.kpi, Index.Range())),
                })
        cls._order = [('return_', 'ASC'), ('kpi.sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.kpi.rec_name

    @classmethod
    def get_return_states(cls):
        Return = Pool().get('commissioning.monitoring.return')
        return Return.fields_get(['state'])['state']['selection']

    @fields.depends('return_', '_parent_return_.state')
    def on_change_with_return_state(self, name=None):
        return self.return_.state if self.return_ else None

    def get_kpi_field(self, name):
        return getattr(self.kpi, name)

    def get_return_field(self, name):
        if name == 'date':
            return self.return_.period.end_date
        return self.return_.contract.id

    @classmethod
    def search_return_field(cls, name, clause):
        nested = clause[0][len(name):]
        return [('return_.' + name + nested, *clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="rating"]', 'visual',
                If(Eval('rating') == 'good', 'success',
                    If(Eval('rating') == 'inadequate', 'danger',
                        If(Eval('rating') == 'requires_improvement',
                            'warning', '')))),
            ]

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or 'value' in field_names:
            rating = rate(self.value, self.kpi.target, self.kpi.tolerance,
                self.kpi.direction)
            if rating != self.rating:
                values['rating'] = rating
        return values

    def breakdown_failures(self, dimensions, names):
        "Return why the breakdown of this line contradicts its value"
        failures = []
        given = defaultdict(list)
        for breakdown in self.breakdowns:
            if breakdown.value is not None:
                given[breakdown.group.dimension].append(breakdown.value)
        for dimension in dimensions:
            values = given.get(dimension)
            name = names[dimension]
            if not values:
                failures.append(gettext(
                        'childfirst_commissioning.msg_check_breakdown_missing',
                        kpi=self.kpi.name, dimension=name))
            elif self.kpi.additive:
                total = sum(values, Decimal(0))
                if total != self.value:
                    failures.append(gettext(
                            'childfirst_commissioning'
                            '.msg_check_breakdown_sum',
                            kpi=self.kpi.name, dimension=name,
                            total=number(total), value=number(self.value)))
            elif not (min(values) <= self.value <= max(values)):
                failures.append(gettext(
                        'childfirst_commissioning.msg_check_breakdown_range',
                        kpi=self.kpi.name, dimension=name,
                        low=number(min(values)), high=number(max(values)),
                        value=number(self.value)))
        return failures

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            # A value is for one KPI in one return: it cannot move
            check_fixed(
                cls, values, ['return_', 'kpi'], 'msg_input_line_fixed')
        return values

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if not field_names or field_names & {'return_', 'kpi'}:
            for line in lines:
                if line.kpi.contract != line.return_.contract:
                    raise RelationError(gettext(
                            'childfirst_commissioning.msg_input_line_kpi',
                            kpi=line.kpi.name,
                            contract=line.return_.contract.rec_name,
                            return_=line.return_.rec_name))
        if field_names and 'value' not in field_names:
            return
        for line in lines:
            if line.value is not None and line.value < 0:
                raise ReturnValidationError(gettext(
                        'childfirst_commissioning.msg_return_line_negative',
                        kpi=line.kpi.name, value=number(line.value)))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'} and (
                mode == 'delete' or set(values or {}) - {'rating'}):
            for line in lines:
                line.return_.check_editable()


class Breakdown(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.return.breakdown'
    __string__ = "Monitoring Breakdown"

    line = fields.Many2One(
        'commissioning.monitoring.return.line', "Line", required=True,
        ondelete='CASCADE')
    group = fields.Many2One(
        'commissioning.monitoring.group', "Group", required=True,
        ondelete='RESTRICT')
    value = fields.Numeric("Value", digits=(16, 2), required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('group_unique', Unique(t, t.line, t.group),
                'childfirst_commissioning.msg_breakdown_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.line, Index.Range())))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            check_fixed(cls, values, ['line'], 'msg_input_breakdown_fixed')
        return values

    @classmethod
    def validate_fields(cls, breakdowns, field_names):
        super().validate_fields(breakdowns, field_names)
        for breakdown in breakdowns:
            if breakdown.value is not None and breakdown.value < 0:
                raise ReturnValidationError(gettext(
                        'childfirst_commissioning.msg_return_line_negative',
                        kpi=breakdown.line.kpi.name,
                        value=number(breakdown.value)))
        if field_names and not (field_names & {'line', 'group'}):
            return
        for breakdown in breakdowns:
            line, group = breakdown.line, breakdown.group
            if not line.kpi.disaggregate:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_input_breakdown_line',
                        line=line.rec_name))
            if not group.active:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_input_breakdown_group',
                        group=group.rec_name, line=line.rec_name))

    @classmethod
    def check_modification(cls, mode, breakdowns, values=None,
            external=False):
        super().check_modification(
            mode, breakdowns, values=values, external=external)
        for breakdown in breakdowns:
            breakdown.line.return_.check_editable()

    @classmethod
    def create(cls, vlist):
        Line = Pool().get('commissioning.monitoring.return.line')
        # Before the values are read below
        cls.check_input(vlist)
        for values in vlist:
            if values.get('line'):
                Line(values['line']).return_.check_editable()
        return super().create(vlist)


class Collaboration(metaclass=PoolMeta):
    __name__ = 'commissioning.collaboration'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['commissioning.monitoring.return']


class Signoff(metaclass=PoolMeta):
    __name__ = 'commissioning.signoff'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + [
            'commissioning.contract', 'commissioning.contract.payment']


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('commissioning.monitoring.return|create_due',
                "Create Due Monitoring Returns and Flag Overdue Ones"))
