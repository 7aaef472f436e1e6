# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import ocds
from .access import AccessMixin
from .common import TENETS, CompanyCurrencyMixin, add_workflow, number
from .criterion import KpiMixin
from .exceptions import (
    ContractError, ContractValidationError, LockedError, RelationError)
from .gate import check, check_gate, checklist_text, confirm, message
from .validation import NUMBER_MAX, InputMixin, check_ranges

FREQUENCIES = [
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ('biannual', "Every Six Months"),
    ('annual', "Annual"),
    ]
FREQUENCY_MONTHS = {
    'monthly': 1,
    'quarterly': 3,
    'biannual': 6,
    'annual': 12,
    }
RATINGS = [
    ('good', "Good"),
    ('approaching', "Approaching Target"),
    ('requires_improvement', "Requires Improvement"),
    ('inadequate', "Inadequate"),
    ]


def rate(value, target, tolerance, direction):
    """Return the Procurement Act 2023 rating of value against target.

    tolerance is a percentage of the target."""
    if value is None or target is None:
        return None
    value, target = Decimal(value), Decimal(target)
    tol = Decimal(tolerance or 0) / 100
    if direction == 'lower':
        bounds = [target, target * (1 + tol), target * (1 + 2 * tol)]
        passes = [value <= b for b in bounds]
    else:
        bounds = [target, target * (1 - tol), target * (1 - 2 * tol)]
        passes = [value >= b for b in bounds]
    for rating, passed in zip(
            ['good', 'approaching', 'requires_improvement'], passes):
        if passed:
            return rating
    return 'inadequate'


def monitoring_periods(start, end, frequency):
    "Return the (start, end) of each monitoring period from start to end"
    months = FREQUENCY_MONTHS[frequency]
    periods = []
    index = 0
    while True:
        period_start = start + relativedelta(months=months * index)
        if period_start > end:
            break
        period_end = min(
            start + relativedelta(months=months * (index + 1))
            - relativedelta(days=1), end)
        periods.append((period_start, period_end))
        index += 1
    return periods


# How long after its end a contract may still pay
PAYMENT_GRACE = relativedelta(months=3)
# The contract fields an approved contract change writes, while it is
# being applied (never through a user's write)
CHANGE_FIELDS = {'value', 'end_date'}
_changing = ContextVar('childfirst_contract_changing', default=False)


def changing():
    """Whether an approved contract change is being applied: its new value,
    end date and payment schedule pass the locks of the active contract"""
    return _changing.get()


@contextmanager
def apply_changes():
    "Let the approved contract changes through the locks while applying"
    token = _changing.set(True)
    try:
        yield
    finally:
        _changing.reset(token)


# The workflow of the contract: its transitions, and its buttons with the
# states they show in and their icon
CONTRACT_TRANSITIONS = [
    ('draft', 'active'),
    ('active', 'closed'),
    ('active', 'terminated'),
    ]
CONTRACT_BUTTONS = [
    ('activate', ['draft'], 'tryton-ok'),
    ('close', ['active'], 'tryton-lock'),
    ('terminate', ['active'], 'tryton-cancel'),
    ]


def rating_visual(name):
    """Return the visual of the list column of the rating field name:
    good in green, approaching in the default colour, requires
    improvement in amber and inadequate in red"""
    return If(Eval(name) == 'good', 'success',
        If(Eval(name) == 'inadequate', 'danger',
            If(Eval(name) == 'requires_improvement', 'warning', '')))


class Contract(
        InputMixin, AccessMixin, CompanyCurrencyMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commissioning.contract'
    __string__ = "Contract"
    _history = True
    _rec_name = 'reference'
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    reference = fields.Char("Reference", readonly=True)
    name = fields.Char("Name", required=True, states=_states)
    tender = fields.Many2One(
        'commissioning.tender', "Tender", readonly=True, ondelete='RESTRICT')
    bid = fields.Many2One(
        'commissioning.bid', "Bid", readonly=True, ondelete='RESTRICT')
    lot = fields.Many2One(
        'commissioning.tender.lot', "Lot", readonly=True, ondelete='RESTRICT',
        help="The lot of the tender this contract was awarded for.")
    provider = fields.Many2One(
        'party.party', "Provider", required=True, ondelete='RESTRICT',
        states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    value = Monetary(
        "Value", currency='currency', digits='currency', required=True,
        states=_states,
        help="What the contract pays over its term; the payment schedule "
        "adds up to it.")
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        help="May be in the past for a contract brought into the system.")
    end_date = fields.Date("End Date", required=True, states=_states)
    frequency = fields.Selection(
        FREQUENCIES, "Monitoring Frequency", required=True, states=_states,
        help="How often the provider sends a monitoring return.")
    kpis = fields.One2Many(
        'commissioning.contract.kpi', 'contract', "KPIs", states=_states)
    periods = fields.One2Many(
        'commissioning.monitoring.period', 'contract', "Periods",
        readonly=True)
    returns = fields.One2Many(
        'commissioning.monitoring.return', 'contract', "Returns",
        readonly=True)
    payments = fields.One2Many(
        'commissioning.contract.payment', 'contract', "Payments",
        states=_states,
        help="The payment schedule: the planned payments add up to the "
        "value.")
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    changes = fields.One2Many(
        'commissioning.contract.change', 'contract', "Changes",
        readonly=True,
        help="The changes of value, end date and payment schedule of the "
        "active contract: requested by an officer, approved or rejected by "
        "finance.")
    termination_reason = fields.Text(
        "Termination Reason",
        states={
            'readonly': Eval('state') != 'active',
            'invisible': ~Eval('state').in_(['active', 'terminated']),
            },
        help="Why the contract ends early; required to terminate it.")
    performance_narrative = fields.Text(
        "Performance Narrative",
        states={
            'readonly': ~Eval('state').in_(['draft', 'active']),
            },
        help="The officer's overall account of how the contract performs: "
        "it opens the contract performance report and the annual contract "
        "performance notice.")
    activated_by = fields.Many2One('res.user', "Activated By", readonly=True)
    activation_checklist = fields.Function(
        fields.Text("Activation Checklist"), 'get_activation_checklist')
    overdue_returns = fields.Function(
        fields.Integer("Overdue Returns"), 'get_overdue_returns')
    performance_notices = fields.One2Many(
        'commissioning.contract.performance_notice', 'contract',
        "Performance Notices", readonly=True,
        help="The contract performance notices (UK9): one at least every "
        "12 months while the contract is active.")
    failures = fields.One2Many(
        'commissioning.contract.failure', 'contract',
        "Performance Failures", readonly=True,
        help="The KPIs rated inadequate for two periods running, the "
        "returns overdue and the other failures recorded by officers, "
        "with their improvement plans.")
    performance_notice_due = fields.Function(
        fields.Boolean("Performance Notice Due",
            help="Twelve months have passed since the contract started or "
            "since the end of its last published performance notice."),
        'get_performance_notice_due',
        searcher='search_performance_notice_due')
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('closed', "Closed"),
            ('terminated', "Terminated"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        add_workflow(cls, CONTRACT_TRANSITIONS, CONTRACT_BUTTONS)
        cls.__rpc__['ocds_release_package'] = RPC(readonly=True, instantiate=0)

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_frequency(cls):
        return 'quarterly'

    def get_rec_name(self, name):
        reference = self.reference or "(%s)" % self.id
        return "%s %s" % (reference, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('reference', operator, value),
            ('name', operator, value),
            ]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'terminated', 'danger',
                    If(Eval('state') == 'closed', 'muted', ''))),
            ]

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        sequence = Sequence(ModelData.get_id(
                'childfirst_commissioning', 'sequence_contract'))
        vlist = [v.copy() for v in vlist]
        unnumbered = [v for v in vlist if not v.get('reference')]
        if unnumbered:
            # The references of all the contracts taken together
            for values, reference in zip(
                    unnumbered, sequence.get_many(len(unnumbered))):
                values['reference'] = reference
        return super().create(vlist)

    # Bad input

    @classmethod
    def validate_fields(cls, contracts, field_names):
        super().validate_fields(contracts, field_names)
        if not field_names or field_names & {'tender', 'lot'}:
            for contract in contracts:
                if contract.lot and contract.lot.tender != contract.tender:
                    raise RelationError(gettext(
                            'childfirst_commissioning'
                            '.msg_input_contract_lot',
                            contract=contract.rec_name,
                            lot=contract.lot.rec_name,
                            tender=(contract.tender.rec_name
                                if contract.tender else "—")))
        if not field_names or field_names & {'tender', 'bid'}:
            for contract in contracts:
                if contract.bid and contract.bid.tender != contract.tender:
                    raise RelationError(gettext(
                            'childfirst_commissioning'
                            '.msg_input_contract_bid',
                            contract=contract.rec_name,
                            bid=contract.bid.rec_name,
                            tender=(contract.tender.rec_name
                                if contract.tender else "—")))
        if field_names and not (
                field_names & {'value', 'start_date', 'end_date'}):
            return
        for contract in contracts:
            if contract.value is not None and contract.value <= 0:
                raise ContractValidationError(gettext(
                        'childfirst_commissioning.msg_contract_value',
                        contract=contract.rec_name,
                        value=number(contract.value)))
            if (contract.start_date and contract.end_date
                    and contract.end_date <= contract.start_date):
                raise ContractValidationError(gettext(
                        'childfirst_commissioning.msg_contract_dates',
                        contract=contract.rec_name,
                        start=contract.start_date, end=contract.end_date))

    @classmethod
    def check_modification(cls, mode, contracts, values=None,
            external=False):
        super().check_modification(
            mode, contracts, values=values, external=external)
        names = set(values or {})
        if changing():
            names -= CHANGE_FIELDS
        if mode == 'write' and (names - {
                    'state', 'termination_reason', 'activated_by',
                    'reference', 'performance_narrative'}):
            for contract in contracts:
                contract.check_draft()
        elif mode == 'write' and 'termination_reason' in (values or {}):
            for contract in contracts:
                if contract.state != 'active':
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_contract_locked',
                            contract=contract.rec_name,
                            state=contract.state_string))
        elif mode == 'write' and 'performance_narrative' in (values or {}):
            for contract in contracts:
                if contract.state not in {'draft', 'active'}:
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_contract_locked',
                            contract=contract.rec_name,
                            state=contract.state_string))
        elif mode == 'delete':
            for contract in contracts:
                contract.check_draft()

    def check_draft(self):
        "Raise unless the contract is still a draft"
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_contract_locked',
                    contract=self.rec_name, state=self.state_string))

    def check_schedule(self):
        """Raise unless the payment schedule (or the KPI targets) of the
        contract may change: the contract is a draft, or active while an
        approved change applies"""
        if not (changing() and self.state == 'active'):
            self.check_draft()

    # The activation gate

    def activation_checks(self):
        "Return the checks of the contract activation gate"
        kpis = list(self.kpis or [])
        return [
            check('msg_check_kpi_count_label', [] if len(kpis) >= 3
                else [message('msg_check_kpi_count', count=len(kpis))]),
            check('msg_check_kpi_tenet_label', tenet_failures(kpis)),
            check('msg_check_kpi_child_experience_label', [] if any(
                        k.category == 'child_experience' for k in kpis)
                else [message('msg_check_kpi_child_experience')]),
            check('msg_check_kpi_positive_label', balance_failures(kpis)),
            check('msg_check_kpi_disaggregate_label', [] if any(
                        k.disaggregate for k in kpis)
                else [message('msg_check_kpi_disaggregate')]),
            check('msg_check_payment_label', self.payment_failures()),
            ]

    def payment_failures(self):
        """The payments add up to the value, within the contract and three
        months after"""
        payments = list(self.payments or [])
        scheduled = sum((p.amount or 0 for p in payments), Decimal(0))
        failures = []
        if not payments:
            failures.append(message('msg_check_payment_none'))
        elif scheduled != (self.value or 0):
            failures.append(message('msg_check_payment_total',
                    scheduled=number(scheduled), value=number(self.value)))
        for payment in payments:
            if (payment.planned_date and self.start_date and self.end_date
                    and not (self.start_date <= payment.planned_date
                        <= self.end_date + PAYMENT_GRACE)):
                failures.append(message('msg_check_payment_date',
                        date=payment.planned_date))
        return failures

    @classmethod
    def get_activation_checklist(cls, contracts, name):
        return {c.id: checklist_text(c.activation_checks())
            for c in contracts}

    @classmethod
    def get_overdue_returns(cls, contracts, name):
        "The overdue returns of every contract, in one query"
        Return = Pool().get('commissioning.monitoring.return')
        table = Return.__table__()
        cursor = Transaction().connection.cursor()
        result = {c.id: 0 for c in contracts}
        for sub_ids in grouped_slice([c.id for c in contracts],
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.contract, Count(table.id),
                    where=table.contract.in_(list(sub_ids))
                    & (table.overdue == Literal(True)),
                    group_by=table.contract))
            result.update(dict(cursor))
        return result

    @classmethod
    def ocds_release_package(cls, contracts):
        """Return the OCDS release package (a dict) of every public release
        of the contracts, validated; for officers and administrators"""
        ocds.check_export(cls, contracts)
        return ocds.contract_package(contracts)

    @classmethod
    def get_performance_notice_due(cls, contracts, name):
        pool = Pool()
        Notice = pool.get('commissioning.contract.performance_notice')
        today = pool.get('ir.date').today()
        return {i: bool(due and due <= today)
            for i, due in Notice.due_dates(contracts).items()}

    @classmethod
    def search_performance_notice_due(cls, name, clause):
        Notice = Pool().get('commissioning.contract.performance_notice')
        return Notice.search_due(clause)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, contracts):
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        Period = pool.get('commissioning.monitoring.period')
        Return = pool.get('commissioning.monitoring.return')
        signoffs = []
        for contract in contracts:
            checks = contract.activation_checks()
            check_gate(ContractError, 'msg_activation_gate', checks,
                contract=contract.rec_name)
            signoffs.append(Signoff.decide(
                    contract, 'contract_activation', 'approved',
                    checklist_text(checks).splitlines(),
                    requested_by=contract.create_uid))
        Signoff.record(signoffs)
        cls.write(contracts, {'activated_by': Transaction().user})
        Period.create_for(contracts)
        Return.create_due(contracts=contracts)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, contracts):
        Date = Pool().get('ir.date')
        today = Date.today()
        for contract in contracts:
            early = contract.end_date and contract.end_date > today
            check_gate(ContractError, 'msg_contract_close_gate', [
                    check('msg_contract_label_ended', [message(
                                'msg_contract_close_early',
                                end=contract.end_date)] if early else [])],
                contract=contract.rec_name)

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, contracts):
        for contract in contracts:
            reason = (contract.termination_reason or '').strip()
            check_gate(ContractError, 'msg_contract_terminate_gate', [
                    check('msg_contract_label_reason', [] if reason
                        else [message('msg_contract_terminate')])],
                contract=contract.rec_name)
        confirm('msg_contract_terminate_confirm', contracts,
            contracts=", ".join(c.rec_name for c in contracts))


class ContractKpi(AccessMixin, KpiMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.kpi'
    __string__ = "Contract KPI"

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    tenet = fields.Selection(
        [(None, "")] + TENETS, "Child First Tenet",
        help="The Child First tenet this KPI measures, if any.")
    baseline = fields.Numeric(
        "Baseline", digits=(16, 2),
        help="The value before the contract started, where known.")
    additive = fields.Boolean(
        "Groups Add Up",
        states={
            'invisible': ~Eval('disaggregate'),
            },
        help="Ticked for counts: the values of the groups add up to the "
        "total. Unticked for rates and averages: the total lies between "
        "the lowest and the highest group value.")
    latest_value = fields.Function(
        fields.Numeric("Latest Value", digits=(16, 2)), 'get_latest')
    latest_rating = fields.Function(
        fields.Selection([(None, "")] + RATINGS, "Latest Rating"),
        'get_latest')
    latest_period = fields.Function(
        fields.Many2One('commissioning.monitoring.period', "Latest Period"),
        'get_latest')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS LAST'))

    @classmethod
    def default_additive(cls):
        return True

    @fields.depends('unit', 'additive')
    def on_change_unit(self):
        if self.unit and '%' in self.unit:
            self.additive = False

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="latest_rating"]', 'visual',
                rating_visual('latest_rating')),
            ]

    @classmethod
    def get_latest(cls, kpis, names):
        """The value and rating of each KPI in its latest submitted or
        accepted return, for all KPIs in one query"""
        pool = Pool()
        Line = pool.get('commissioning.monitoring.return.line')
        Return = pool.get('commissioning.monitoring.return')
        Period = pool.get('commissioning.monitoring.period')
        line = Line.__table__()
        return_ = Return.__table__()
        period = Period.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {k.id: None for k in kpis} for n in names}
        for sub_ids in grouped_slice([k.id for k in kpis],
                backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            cursor.execute(*line.join(
                    return_, condition=line.return_ == return_.id
                    ).join(period, condition=return_.period == period.id
                    ).select(
                    line.kpi, line.value, line.rating, period.id,
                    where=line.kpi.in_(sub_ids)
                    & return_.state.in_(['submitted', 'accepted'])
                    & (line.value != Null),
                    order_by=[line.kpi, period.end_date.desc]))
            seen = set()
            for kpi, value, rating, period_id in cursor:
                if kpi in seen:
                    continue
                seen.add(kpi)
                if 'latest_value' in result:
                    result['latest_value'][kpi] = (
                        Decimal(str(value)) if value is not None else None)
                if 'latest_rating' in result:
                    result['latest_rating'][kpi] = rating
                if 'latest_period' in result:
                    result['latest_period'][kpi] = period_id
        return result

    @classmethod
    def check_modification(cls, mode, kpis, values=None, external=False):
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        super().check_modification(
            mode, kpis, values=values, external=external)
        retarget = mode == 'write' and set(values or {}) == {'target'}
        for kpi in kpis:
            if retarget:
                # An approved contract change gives an active contract's
                # KPIs their new targets
                kpi.contract.check_schedule()
            else:
                kpi.contract.check_draft()
        if mode == 'write' and values and values.get('contract'):
            Contract(values['contract']).check_draft()

    @classmethod
    def create(cls, vlist):
        # Before the values are read below
        cls.check_input(vlist)
        check_drafts(vlist)
        return super().create(vlist)

    @classmethod
    def validate_fields(cls, kpis, field_names):
        super().validate_fields(kpis, field_names)
        check_ranges(cls, kpis, field_names, baseline=(0, NUMBER_MAX))


def check_drafts(vlist, method='check_draft'):
    """Raise unless the contracts of the values of new records are drafts
    (or pass the check method), reading them together"""
    Contract = Pool().get('commissioning.contract')
    for contract in Contract.browse(list(
                {v['contract'] for v in vlist if v.get('contract')})):
        getattr(contract, method)()


def tenet_failures(kpis):
    "Each tenet has a KPI"
    covered = {k.tenet for k in kpis}
    return [message('msg_check_kpi_tenet', tenet=tenet)
        for key, tenet in TENETS if key not in covered]


def balance_failures(kpis):
    """Positive outcomes outnumber offence and contact measures, and no
    tenet is measured by offence and contact alone"""
    count = defaultdict(int)
    by_tenet = defaultdict(set)
    for kpi in kpis:
        count[kpi.category] += 1
        if kpi.tenet:
            by_tenet[kpi.tenet].add(kpi.category)
    failures = []
    if count['positive_outcome'] < count['offence_contact']:
        failures.append(message('msg_check_kpi_positive',
                positive=count['positive_outcome'],
                offence=count['offence_contact']))
    tenets = dict(TENETS)
    for key, categories in sorted(by_tenet.items()):
        if categories == {'offence_contact'}:
            failures.append(message('msg_check_kpi_tenet_offence',
                    tenet=tenets[key]))
    return failures


def tender_contracts(tenders):
    "Return {tender id: contract id} of the tenders, None without contract"
    Contract = Pool().get('commissioning.contract')
    result = {t.id: None for t in tenders}
    for record in Contract.search([
                ('tender', 'in', [t.id for t in tenders]),
                ], order=[('id', 'ASC')]):
        result[record.tender.id] = record.id
    return result


def contracts_for(tenders):
    """Return the draft contracts of the awarded tenders, with the KPIs of
    their criteria's templates"""
    Contract = Pool().get('commissioning.contract')
    return [Contract(
            name=t.name, tender=t, bid=t.winning_bid,
            provider=t.winning_bid.provider, company=t.company,
            currency=t.currency, value=t.winning_bid.price,
            start_date=t.contract_start, end_date=t.contract_end,
            kpis=contract_kpis(t))
        for t in tenders]


def lot_contract(lot):
    """Return the draft contract of the awarded lot, with the KPIs of its
    criteria's templates"""
    Contract = Pool().get('commissioning.contract')
    tender = lot.tender
    return Contract(
        name="%s — %s" % (tender.name, lot.name), tender=tender, lot=lot,
        bid=lot.winning_bid, provider=lot.winning_bid.provider,
        company=tender.company, currency=tender.currency,
        value=lot.price_share(), start_date=tender.contract_start,
        end_date=tender.contract_end,
        kpis=contract_kpis(tender, lot.criteria))


def contract_kpis(tender, criteria=None):
    """Return the KPIs of the contract of tender, from the KPI templates
    of its criteria (by default all of them)"""
    Kpi = Pool().get('commissioning.contract.kpi')
    kpis = []
    for criterion in (tender.criteria if criteria is None else criteria):
        for template in criterion.kpi_templates:
            kpis.append(Kpi(
                    sequence=len(kpis) + 1, tenet=criterion.tenet,
                    additive=not (template.unit and '%' in template.unit),
                    **template.kpi_values()))
    return kpis
