# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Changes of an active contract: the only way its value, its end date and
its payment schedule change once it runs. An officer drafts the change with
its reason and asks for it; finance, never the officer who asked, approves
it (the contract then takes the new values, its monitoring periods follow
the new term and the new schedule replaces the planned payments) or rejects
it with a reason. The old values stay on the change for the history."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import notification
from .access import AccessMixin
from .common import add_workflow, number
from .contract import PAYMENT_GRACE, apply_changes
from .exceptions import (
    ContractChangeError, ContractValidationError, LockedError, RelationError)
from .gate import check, check_gate, checklist_text, message
from .validation import NUMBER_MAX, InputMixin, check_ranges

# The payments that are no longer only planned: what the contract owes
COMMITTED_STATES = ['requested', 'approved', 'paid']
# The fields the workflow writes itself
WORKFLOW_FIELDS = {
    'state', 'requested_by', 'requested_at', 'decided_by', 'decided_at',
    'old_value', 'old_end_date'}

CHANGE_TRANSITIONS = [
    ('draft', 'requested'),
    ('requested', 'approved'),
    ('requested', 'rejected'),
    ]
CHANGE_BUTTONS = [
    ('request', ['draft'], 'tryton-forward'),
    ('approve', ['requested'], 'tryton-ok'),
    ('reject', ['requested'], 'tryton-cancel'),
    ]


class ContractChange(InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.change'
    __string__ = "Contract Change"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='RESTRICT',
        domain=[
            If(Eval('state') == 'draft',
                ('state', '=', 'active'),
                ()),
            ],
        states={
            'readonly': (Eval('state') != 'draft') | Eval('payments', [0]),
            },
        help="The active contract this change applies to.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    reason = fields.Text(
        "Reason", required=True, states=_states,
        help="Why the contract changes: finance reads it before approving, "
        "and it stays in the contract's history.")
    description = fields.Text(
        "Description", states=_states,
        help="What changes in the service, in words the provider "
        "understands.")
    new_value = Monetary(
        "New Value", currency='currency', digits='currency', states=_states,
        help="What the contract pays over its whole term after the change; "
        "left empty, the value stays. It may not fall below what is "
        "already requested, approved or paid.")
    new_end_date = fields.Date(
        "New End Date", states=_states,
        help="The new end of the contract; left empty, the end stays. The "
        "monitoring periods follow it; it may not fall before the end of a "
        "period that already has a return.")
    payments = fields.One2Many(
        'commissioning.contract.change.payment', 'change',
        "New Payment Schedule", states=_states,
        help="Left empty, the planned payments stay as they are. Otherwise, "
        "every payment still to plan: on approval they replace the "
        "contract's planned payments. With the payments already requested, "
        "approved or paid they add up to the value.")
    kpis = fields.One2Many(
        'commissioning.contract.change.kpi', 'change', "New KPI Targets",
        states=_states,
        help="The KPIs of the contract whose target changes, with the new "
        "target; on approval the contract's KPIs take them.")
    old_value = Monetary(
        "Old Value", currency='currency', digits='currency', readonly=True,
        help="The contract's value before the change.")
    old_end_date = fields.Date(
        "Old End Date", readonly=True,
        help="The contract's end date before the change.")
    requested_by = fields.Many2One(
        'res.user', "Requested By", readonly=True,
        help="The officer who asked for the change; another person in "
        "finance decides it.")
    requested_at = fields.DateTime("Requested At", readonly=True)
    decided_by = fields.Many2One(
        'res.user', "Decided By", readonly=True,
        help="The finance approver who approved or rejected the change.")
    decided_at = fields.DateTime("Decided At", readonly=True)
    rejection_reason = fields.Text(
        "Rejection Reason",
        states={
            'readonly': Eval('state') != 'requested',
            'invisible': ~Eval('state').in_(['requested', 'rejected']),
            },
        help="Why finance rejects the change; required to reject it.")
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    request_checklist = fields.Function(
        fields.Text("Checklist",
            help="What the change still needs before it can be requested "
            "and approved, checked as you edit."),
        'get_request_checklist')
    state = fields.Selection([
            ('draft', "Draft"),
            ('requested', "Requested"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "State", readonly=True, required=True, sort=False,
        help="Drafted by an officer, requested, then approved (the contract "
        "changes) or rejected by finance.")
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        add_workflow(cls, CHANGE_TRANSITIONS, CHANGE_BUTTONS)

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('contract', '_parent_contract.currency')
    def on_change_with_currency(self, name=None):
        return self.contract.currency if self.contract else None

    def get_rec_name(self, name):
        return gettext(
            'childfirst_commissioning.msg_contract_change_rec_name',
            contract=self.contract.rec_name, number=self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contract.rec_name',) + tuple(clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'rejected', 'muted', '')),
            ]

    # Editing

    @classmethod
    def validate_fields(cls, changes, field_names):
        super().validate_fields(changes, field_names)
        if field_names and 'new_value' not in field_names:
            return
        for change in changes:
            if change.new_value is not None and change.new_value <= 0:
                raise ContractValidationError(message(
                        'msg_contract_change_value',
                        change=change.rec_name,
                        value=number(change.new_value)))
        check_ranges(cls, changes, field_names, new_value=(0, NUMBER_MAX))

    @classmethod
    def check_modification(cls, mode, changes, values=None, external=False):
        super().check_modification(
            mode, changes, values=values, external=external)
        names = set(values or {}) - WORKFLOW_FIELDS
        for change in changes:
            if mode == 'delete' or names - {'rejection_reason'}:
                change.check_draft()
            elif names:
                # The reason finance gives while it decides
                if change.state != 'requested':
                    raise LockedError(message('msg_contract_change_locked',
                            change=change.rec_name,
                            state=change.state_string))

    @classmethod
    def copy(cls, changes, default=None):
        default = default.copy() if default is not None else {}
        # A copy is a new draft: it passes the gate and the sign-off again
        default.setdefault('state', cls.default_state())
        for name in (WORKFLOW_FIELDS - {'state'}) | {'rejection_reason'}:
            default.setdefault(name, None)
        default.setdefault('signoffs')
        return super().copy(changes, default=default)

    def check_draft(self):
        "Raise unless the change is still a draft"
        if self.state != 'draft':
            raise LockedError(message('msg_contract_change_locked',
                    change=self.rec_name, state=self.state_string))

    # The gate

    def request_checks(self, committed):
        """Return the checks of the change, as requested and as approved;
        committed is what the contract already owes (requested, approved or
        paid), by contract"""
        contract = self.contract
        value = self.value
        return [
            check('msg_contract_change_label_active',
                [] if contract.state == 'active'
                else [message('msg_contract_change_not_active',
                        contract=contract.rec_name,
                        state=contract.state_string)]),
            check('msg_contract_change_label_reason',
                [] if (self.reason or '').strip()
                else [message('msg_contract_change_reason')]),
            check('msg_contract_change_label_changes',
                [] if self.changes_anything()
                else [message('msg_contract_change_nothing',
                        value=number(contract.value),
                        end=contract.end_date)]),
            check('msg_contract_change_label_end_date',
                self.end_date_failures()),
            check('msg_contract_change_label_value',
                [] if value >= committed
                else [message('msg_contract_change_committed',
                        value=number(value), committed=number(committed))]),
            check('msg_contract_change_label_schedule',
                self.schedule_failures(committed)),
            ]

    @property
    def value(self):
        "The value of the contract after the change"
        if self.new_value is not None:
            return self.new_value
        return self.contract.value

    @property
    def end_date(self):
        "The end date of the contract after the change"
        return self.new_end_date or self.contract.end_date

    def changes_anything(self):
        """Whether the change changes the value, the end date, the schedule
        or a KPI's target"""
        contract = self.contract
        return bool(
            (self.new_value is not None and self.new_value != contract.value)
            or (self.new_end_date and self.new_end_date != contract.end_date)
            or self.payments
            or any(l.new_target != l.kpi.target for l in self.kpis))

    def end_date_failures(self):
        """The end date stays after the start and covers every period that
        already has a return"""
        contract = self.contract
        end = self.end_date
        failures = []
        if not self.new_end_date:
            return failures
        if end <= contract.start_date:
            failures.append(message('msg_contract_change_end_start',
                    end=end, start=contract.start_date))
        returned = [r.period for r in contract.returns]
        if returned:
            last = max(returned, key=lambda p: p.end_date)
            if end < last.end_date:
                failures.append(message('msg_contract_change_end_reported',
                        end=end, period=last.rec_name,
                        earliest=last.end_date))
        return failures

    def schedule_failures(self, committed):
        """With the payments already requested, approved or paid, the
        planned payments after the change add up to the value, within the
        term and the three months after it"""
        contract = self.contract
        if self.payments:
            planned = [(p.planned_date, p.amount) for p in self.payments]
        else:
            planned = [(p.planned_date, p.amount) for p in contract.payments
                if p.state == 'planned']
        total = sum((a or 0 for _, a in planned), Decimal(0))
        failures = []
        if committed + total != self.value:
            failures.append(message('msg_contract_change_schedule_total',
                    committed=number(committed), planned=number(total),
                    scheduled=number(committed + total),
                    value=number(self.value)))
        last = self.end_date + PAYMENT_GRACE
        for date, _ in planned:
            if date and not (contract.start_date <= date <= last):
                failures.append(message('msg_contract_change_schedule_date',
                        date=date, start=contract.start_date, last=last))
        return failures

    @classmethod
    def committed(cls, changes):
        """Return {contract id: the amount of its payments requested,
        approved or paid} of the contracts of the changes, in one search"""
        Payment = Pool().get('commissioning.contract.payment')
        contract_ids = list({c.contract.id for c in changes})
        result = defaultdict(Decimal)
        if contract_ids:
            for payment in Payment.search([
                        ('contract', 'in', contract_ids),
                        ('state', 'in', COMMITTED_STATES),
                        ]):
                result[payment.contract.id] += payment.amount
        return result

    def checks(self, committed):
        return self.request_checks(committed[self.contract.id])

    @classmethod
    def get_request_checklist(cls, changes, name):
        drafts = [c for c in changes if c.state in {'draft', 'requested'}]
        committed = cls.committed(drafts)
        result = {c.id: None for c in changes}
        result.update({c.id: checklist_text(c.checks(committed))
                for c in drafts})
        return result

    # Buttons

    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, changes):
        committed = cls.committed(changes)
        for change in changes:
            check_gate(ContractChangeError, 'msg_contract_change_request_gate',
                change.checks(committed), change=change.rec_name)
        cls.keep_old_values(changes)
        cls.write(changes, {
                'requested_by': Transaction().user,
                'requested_at': dt.datetime.now().replace(microsecond=0),
                })
        notification.approval_requested(changes, 'contract_change')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, changes):
        "Finance approves the changes and the contracts take them"
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        for change in changes:
            Signoff.check_segregation(
                change, 'contract_change', change.requested_by)
        # Two changes of the same contract apply one after the other, each
        # checked against the contract as the one before left it
        for batch in one_per_contract(changes):
            cls._approve(batch)

    @classmethod
    def _approve(cls, changes):
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        committed = cls.committed(changes)
        checks = {}
        for change in changes:
            checks[change] = change.checks(committed)
            check_gate(ContractChangeError, 'msg_contract_change_approve_gate',
                checks[change], change=change.rec_name)
        Signoff.record([Signoff.decide(
                    c, 'contract_change', 'approved',
                    [c.reason or ''] + checklist_text(
                        checks[c]).splitlines(),
                    requested_by=c.requested_by)
                for c in changes])
        cls.keep_old_values(changes)
        cls.write(changes, {
                'decided_by': Transaction().user,
                'decided_at': dt.datetime.now().replace(microsecond=0),
                })
        cls.apply(changes)

    @classmethod
    def keep_old_values(cls, changes):
        """Copy the value and the end date of their contracts on the
        changes, in one query (the write that follows keeps them in the
        history)"""
        Contract = Pool().get('commissioning.contract')
        table = cls.__table__()
        contract = Contract.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                [c.id for c in changes], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update(
                    [table.old_value, table.old_end_date],
                    [contract.select(contract.value,
                            where=contract.id == table.contract),
                        contract.select(contract.end_date,
                            where=contract.id == table.contract)],
                    where=table.id.in_(list(sub_ids))))

    @classmethod
    def apply(cls, changes):
        """Write the new values of the approved changes on their contracts,
        replace the planned payments by the new schedules and fit the
        monitoring periods to the new terms"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Payment = pool.get('commissioning.contract.payment')
        Period = pool.get('commissioning.monitoring.period')
        Return = pool.get('commissioning.monitoring.return')
        Kpi = pool.get('commissioning.contract.kpi')
        ChangeKpi = pool.get('commissioning.contract.change.kpi')
        values = defaultdict(list)
        for change in changes:
            new = {}
            if change.new_value is not None:
                new['value'] = change.new_value
            if change.new_end_date:
                new['end_date'] = change.new_end_date
            if new:
                values[tuple(sorted(new.items()))].append(change.contract)
        rescheduled = [c for c in changes if c.payments]
        with apply_changes():
            if values:
                Contract.write(*[a for new, contracts in values.items()
                        for a in (contracts, dict(new))])
            if rescheduled:
                Payment.delete([p for c in rescheduled
                        for p in c.contract.payments
                        if p.state == 'planned'])
                Payment.create([p.payment_values() for c in rescheduled
                        for p in c.payments])
            retargeted = [l for c in changes for l in c.kpis]
            if retargeted:
                ChangeKpi.write(*[a for l in retargeted
                        for a in ([l], {'old_target': l.kpi.target})])
                Kpi.write(*[a for l in retargeted
                        for a in ([l.kpi], {'target': l.new_target})])
        contracts = Contract.browse(list({
                    c.contract.id for c in changes if c.new_end_date}))
        Period.fit_to_term(contracts)
        Return.create_due(contracts=contracts)

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, changes):
        Signoff = Pool().get('commissioning.signoff')
        signoffs = []
        for change in changes:
            reason = (change.rejection_reason or '').strip()
            check_gate(ContractChangeError,
                'msg_contract_change_reject_gate', [
                    check('msg_contract_change_label_rejection',
                        [] if reason
                        else [message('msg_contract_change_rejection')]),
                    ], change=change.rec_name)
            signoffs.append(Signoff.decide(
                    change, 'contract_change', 'rejected', [change.reason],
                    requested_by=change.requested_by, comment=reason))
        Signoff.record(signoffs)
        now = dt.datetime.now().replace(microsecond=0)
        cls.write(changes, {
                'decided_by': Transaction().user,
                'decided_at': now,
                })


def one_per_contract(changes):
    """Split the changes into batches with one change per contract at most,
    in their order"""
    batches = []
    for change in changes:
        for batch in batches:
            if all(c.contract != change.contract for c in batch):
                batch.append(change)
                break
        else:
            batches.append([change])
    return batches


class ChangeLineMixin(InputMixin, AccessMixin):
    """A line of a contract change: written with its change while it is a
    draft, locked with it afterwards, except the fields the server keeps
    (_kept_fields) when the change is approved"""
    __slots__ = ()
    _kept_fields = set()

    change = fields.Many2One(
        'commissioning.contract.change', "Change", required=True,
        ondelete='CASCADE')
    contract = fields.Function(
        fields.Many2One('commissioning.contract', "Contract"),
        'on_change_with_contract')

    @fields.depends('change', '_parent_change.contract')
    def on_change_with_contract(self, name=None):
        if self.change and self.change.contract:
            return self.change.contract.id

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Change = pool.get('commissioning.contract.change')
        super().check_modification(
            mode, lines, values=values, external=external)
        if (mode == 'write' and values
                and set(values) <= cls._kept_fields):
            return
        changes = {l.change for l in lines}
        if mode == 'write' and values and values.get('change'):
            changes.add(Change(values['change']))
        for change in changes:
            change.check_draft()

    @classmethod
    def create(cls, vlist):
        Change = Pool().get('commissioning.contract.change')
        # Before the values are read below
        cls.check_input(vlist)
        for change in Change.browse(list(
                    {v['change'] for v in vlist if v.get('change')})):
            change.check_draft()
        cls.check_lines(vlist)
        return super().create(vlist)

    @classmethod
    def check_lines(cls, vlist):
        "Raise unless the values of the new lines fit their change"


class ContractChangePayment(ChangeLineMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.change.payment'
    __string__ = "Contract Change Payment"

    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    planned_date = fields.Date(
        "Planned Date", required=True,
        help="When the payment is planned, within the new term or the "
        "three months after it.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)
    period = fields.Many2One(
        'commissioning.monitoring.period', "Period", ondelete='SET NULL',
        domain=[('contract', '=', Eval('contract', -1))],
        help="The monitoring period whose accepted return releases the "
        "payment; it can also be chosen on the payment later.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('planned_date', 'ASC'), ('id', 'ASC')]

    @fields.depends('change', '_parent_change.currency')
    def on_change_with_currency(self, name=None):
        if self.change and self.change.currency:
            return self.change.currency.id

    def payment_values(self):
        "Return the values of the planned payment the line becomes"
        return {
            'contract': self.change.contract.id,
            'planned_date': self.planned_date,
            'amount': self.amount,
            'period': self.period.id if self.period else None,
            }

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.amount is not None and line.amount <= 0:
                raise ContractValidationError(gettext(
                        'childfirst_commissioning.msg_payment_amount',
                        amount=number(line.amount)))
        check_ranges(cls, lines, field_names, amount=(0, NUMBER_MAX))
        for line in lines:
            if line.period and line.period.contract != line.change.contract:
                raise RelationError(message(
                        'msg_contract_change_payment_period',
                        period=line.period.rec_name,
                        contract=line.change.contract.rec_name))


class ContractChangeKpi(ChangeLineMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.change.kpi'
    __string__ = "Contract Change KPI Target"
    # The old target is kept by the server on approval
    _kept_fields = {'old_target'}

    kpi = fields.Many2One(
        'commissioning.contract.kpi', "KPI", required=True,
        ondelete='CASCADE',
        domain=[('contract', '=', Eval('contract', -1))],
        help="The KPI of the contract whose target changes.")
    new_target = fields.Numeric(
        "New Target", digits=(16, 2), required=True,
        help="The target the KPI takes when finance approves the change.")
    old_target = fields.Numeric(
        "Old Target", digits=(16, 2), readonly=True,
        help="The KPI's target before the change.")

    @classmethod
    def check_lines(cls, vlist):
        """Raise unless the KPI of each new line is one of its change's
        contract, before the domain would refuse it in general terms"""
        pool = Pool()
        Change = pool.get('commissioning.contract.change')
        Kpi = pool.get('commissioning.contract.kpi')
        changes = {c.id: c for c in Change.browse(list(
                    {v['change'] for v in vlist if v.get('change')}))}
        kpis = {k.id: k for k in Kpi.browse(list(
                    {v['kpi'] for v in vlist if v.get('kpi')}))}
        for values in vlist:
            change = changes.get(values.get('change'))
            kpi = kpis.get(values.get('kpi'))
            if change and kpi and kpi.contract != change.contract:
                raise RelationError(message(
                        'msg_contract_change_kpi_contract',
                        kpi=kpi.rec_name, contract=change.contract.rec_name))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if not (0 <= line.new_target <= NUMBER_MAX):
                raise ContractValidationError(message(
                        'msg_contract_change_kpi_target',
                        kpi=line.kpi.rec_name,
                        target=number(line.new_target)))

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for lines, values in zip(actions, actions):
            if 'kpi' in values or 'change' in values:
                cls.check_lines([{
                            'change': values.get('change', l.change.id),
                            'kpi': values.get('kpi', l.kpi.id),
                            } for l in lines])
        super().write(*args)
