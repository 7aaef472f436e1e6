# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from . import notification
from .access import AccessMixin
from .common import add_workflow, number
from .contract import changing, check_drafts
from .exceptions import (
    CommissioningWarning, ContractValidationError, LockedError, PaymentError)
from .gate import check, check_gate, checklist_text, date_text, message
from .validation import InputMixin

# What the workflow writes once a payment has left planned
WORKFLOW_FIELDS = {
    'state', 'requested_by', 'approved_by', 'paid_date'}


def signoff_lines(checks, inadequate):
    """Return the lines finance signs off for a payment: its checks and the
    KPIs rated inadequate it approves anyway"""
    lines = checklist_text(checks).splitlines()
    if inadequate:
        lines.append(message('msg_payment_inadequate_ok',
                kpis=", ".join(inadequate)))
    return lines


# The workflow of the payment: its transitions, and its buttons with the
# states they show in and their icon
PAYMENT_TRANSITIONS = [
    ('planned', 'requested'),
    ('requested', 'approved'),
    ('approved', 'paid'),
    ]
PAYMENT_BUTTONS = [
    ('request', ['planned'], 'tryton-forward'),
    ('approve', ['requested'], 'tryton-ok'),
    ('pay', ['approved'], 'tryton-ok'),
    ]


class Payment(InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.payment'
    __string__ = "Contract Payment"
    _history = True
    _states = {
        'readonly': (Eval('state') != 'planned')
        | (Eval('contract_state') != 'draft'),
        }

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='CASCADE', states=_states,
        help="The contract this payment is due under.")
    period = fields.Many2One(
        'commissioning.monitoring.period', "Period", ondelete='RESTRICT',
        domain=[('contract', '=', Eval('contract', -1))],
        states={
            'readonly': Eval('state') != 'planned',
            },
        help="The monitoring period whose accepted return releases this "
        "payment. The periods exist once the contract is active.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states)
    planned_date = fields.Date("Planned Date", required=True, states=_states,
        help="When the payment is planned, as agreed in the contract.")
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True,
        help="The officer who requested the payment; another person in "
        "finance approves it.")
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True,
        help="The finance approver who released the payment.")
    paid_date = fields.Date("Paid Date", readonly=True,
        help="When the payment was made.")
    contract_state = fields.Function(
        fields.Selection('get_contract_states', "Contract State"),
        'on_change_with_contract_state')
    state = fields.Selection([
            ('planned', "Planned"),
            ('requested', "Requested"),
            ('approved', "Approved"),
            ('paid', "Paid"),
            ], "State", readonly=True, required=True, sort=False,
        help="Planned, requested, approved, then paid. A payment waits for "
        "the accepted return of its period.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.contract, Index.Range())))
        cls._order = [('contract', 'ASC'), ('planned_date', 'ASC'),
            ('id', 'ASC')]
        add_workflow(cls, PAYMENT_TRANSITIONS, PAYMENT_BUTTONS)

    @classmethod
    def default_state(cls):
        return 'planned'

    @fields.depends('contract', '_parent_contract.currency')
    def on_change_with_currency(self, name=None):
        return self.contract.currency if self.contract else None

    @classmethod
    def get_contract_states(cls):
        Contract = Pool().get('commissioning.contract')
        return Contract.fields_get(['state'])['state']['selection']

    @fields.depends('contract', '_parent_contract.state')
    def on_change_with_contract_state(self, name=None):
        return self.contract.state if self.contract else None

    def get_rec_name(self, name):
        return "%s %s" % (
            self.contract.rec_name, date_text(self.planned_date))

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('state') == 'paid', 'muted', '')),
            ]

    @classmethod
    def validate_fields(cls, payments, field_names):
        super().validate_fields(payments, field_names)
        for payment in payments:
            if payment.amount is not None and payment.amount <= 0:
                raise ContractValidationError(gettext(
                        'childfirst_commissioning.msg_payment_amount',
                        amount=number(payment.amount)))
        if not field_names or 'contract' in field_names:
            # The contract it is planned on or moved to: check_modification
            # sees the payment before the write
            for payment in payments:
                payment.contract.check_schedule()

    @classmethod
    def check_modification(cls, mode, payments, values=None,
            external=False):
        super().check_modification(
            mode, payments, values=values, external=external)
        changed = set(values or {}) - WORKFLOW_FIELDS - {'period'}
        for payment in payments:
            if mode == 'delete' or changed:
                if payment.state != 'planned' or not (
                        payment.contract.state == 'draft'
                        or changing()
                        and payment.contract.state == 'active'):
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_payment_locked',
                            payment=payment.rec_name))
            elif mode == 'write' and 'period' in (values or {}):
                if payment.state != 'planned':
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_payment_locked',
                            payment=payment.rec_name))

    @classmethod
    def create(cls, vlist):
        # Before the values are read below
        cls.check_input(vlist)
        check_drafts(vlist, 'check_schedule')
        return super().create(vlist)

    # The gates

    def request_checks(self):
        "Return the checks of the payment request and its approval"
        Failure = Pool().get('commissioning.contract.failure')
        return [
            check('msg_check_payment_return_label', self.return_failures()),
            check('msg_check_payment_overdue_label', [
                    message('msg_check_payment_overdue',
                        period=r.period.rec_name, due=r.period.due_date)
                    for r in self.contract.returns if r.overdue]),
            check('msg_check_payment_failure_label',
                Failure.hold_failures(self.contract)),
            ]

    def return_failures(self):
        "The contract is active and the return of the period is accepted"
        contract = self.contract
        failures = []
        if contract.state != 'active':
            failures.append(message('msg_check_payment_contract',
                    contract=contract.rec_name, state=contract.state_string))
        if not self.period:
            failures.append(message('msg_check_payment_period'))
        elif not any(r.period == self.period and r.state == 'accepted'
                for r in contract.returns):
            failures.append(message('msg_check_payment_return',
                    period=self.period.rec_name))
        return failures

    @classmethod
    def confirm_inadequate(cls, inadequate):
        """Ask finance once to confirm the payments whose period rated KPIs
        inadequate, inadequate being {payment: [KPI name]}"""
        Warning = Pool().get('res.user.warning')
        payments = [p for p, kpis in inadequate.items() if kpis]
        key = Warning.format('payment_inadequate', payments)
        if payments and Warning.check(key):
            raise CommissioningWarning(key, "\n".join(
                    message('msg_payment_inadequate', payment=p.rec_name,
                        kpis=", ".join(inadequate[p]))
                    for p in payments))

    def inadequate_kpis(self):
        "Return the KPIs the return of the payment's period rated inadequate"
        return [line.kpi.name
            for record in self.contract.returns
            if record.period == self.period
            for line in record.lines if line.rating == 'inadequate']

    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, payments):
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Return.flag_overdue()
        for payment in payments:
            checks = payment.request_checks()
            check_gate(PaymentError, 'msg_payment_request_gate', checks,
                payment=payment.rec_name)
        cls.write(payments, {'requested_by': Transaction().user})
        notification.approval_requested(payments, 'payment_release')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, payments):
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        Return = pool.get('commissioning.monitoring.return')
        Return.flag_overdue()
        for payment in payments:
            Signoff.check_segregation(
                payment, 'payment_release', payment.requested_by)
        checks = {p: p.request_checks() for p in payments}
        for payment in payments:
            check_gate(PaymentError, 'msg_payment_approve_gate',
                checks[payment], payment=payment.rec_name)
        inadequate = {p: p.inadequate_kpis() for p in payments}
        cls.confirm_inadequate(inadequate)
        Signoff.record([Signoff.decide(
                    p, 'payment_release', 'approved',
                    signoff_lines(checks[p], inadequate[p]),
                    requested_by=p.requested_by)
                for p in payments])
        cls.write(payments, {'approved_by': Transaction().user})
        notification.payment_approved(payments)

    @classmethod
    @ModelView.button
    @Workflow.transition('paid')
    def pay(cls, payments):
        Date = Pool().get('ir.date')
        cls.write(payments, {'paid_date': Date.today()})
