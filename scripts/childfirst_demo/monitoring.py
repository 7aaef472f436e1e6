# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 6, monitoring and payments: the provider fills and submits a year
of quarterly returns, the officer accepts three and sends the last back
after its due date (so it is overdue), and the payments are paid, approved,
requested and planned; then a contract change that finance approves adds
six months and the money to run them, and the officer records a
performance failure with the provider's improvement plan"""
import datetime as dt
from decimal import Decimal

from . import tenders

# The provider of the demo contract
PROVIDER = 'provider2'

# The value of each KPI of the demo contract in each quarter, as a factor of
# its target, in the order of the KPIs: every rating appears (for the
# offence KPI, lower is better)
QUARTER_FACTORS = [
    [1.02, 0.95, 0.85, 0.70, 1.10, 1.00, 0.92, 1.30],
    [1.00, 0.97, 0.90, 0.82, 1.20, 0.95, 1.00, 1.15],
    [1.05, 1.00, 0.95, 0.88, 1.25, 1.02, 1.03, 1.05],
    [1.06, 1.01, 0.99, 0.92, 1.30, 1.05, 1.05, 0.95],
    ]
# How each group's value spreads around the total, by dimension
SPREADS = {
    'ethnicity': [1.0, 0.88, 0.95, 1.04, 0.9, 1.0],
    'care_experience': [0.85, 1.03, 1.0],
    }
# The finance steps of the payments of the first three quarters
PAYMENT_STEPS = [['approve', 'pay'], ['approve'], []]
NARRATIVE = (
    "Thirty-one children had a trusted adult this quarter. The Youth Voice "
    "Panel reviewed the drop-in sessions and asked for later opening on "
    "Fridays, which started in the last month.")
REVIEW_COMMENT = (
    "Please add the breakdown of the justice outcomes by ethnicity from "
    "the police data, and what the Youth Voice Panel said about the new "
    "drop-in.")


NARRATIVE = (
    "In its first year the service met its targets for children feeling "
    "safe and listened to, and for children shaping the service: the "
    "Youth Voice Panel met every quarter and changed how mentors are "
    "matched. Positive outcomes and the goals children set themselves "
    "are improving but remain below target; the provider's improvement "
    "plan focuses on education and training places. New contact with the "
    "justice system fell each quarter and is now within the tolerance of "
    "its target. The fourth return was sent back for the breakdown of "
    "justice outcomes by ethnicity.")


def monitor(session, contract):
    "Run a year of monitoring and payments of the active contract"
    Return = session.model('commissioning.monitoring.return', PROVIDER)
    returns = Return.find([('contract', '=', contract.id)],
        order=[('period', 'ASC')])
    for record, factors in zip(returns, QUARTER_FACTORS):
        fill_return(session, record, factors)
        record.click('submit')
    Return = session.model('commissioning.monitoring.return', 'officer')
    for record in returns[:3]:
        Return(record.id).click('accept')
    pay(session, contract, returns)

    # The last quarter's return is sent back after its due date
    last = Return(returns[3].id)
    last.review_comment = REVIEW_COMMENT
    last.save()
    last.click('send_back')

    # The officer's account of the year, which opens the contract
    # performance report
    Contract = session.model('commissioning.contract', 'officer')
    contract = Contract(contract.id)
    contract.performance_narrative = NARRATIVE
    contract.save()


def fill_return(session, record, factors):
    """Fill the return as the provider: each KPI's value its target times
    the factor, the groups around it, and the youth panel's work in the
    period"""
    Group = session.model('commissioning.monitoring.group', PROVIDER)
    groups = Group.find([])
    for line, factor in zip(record.lines, factors):
        value = (line.kpi.target * Decimal(str(factor))).quantize(
            Decimal('0.1'))
        line.value = value
        if line.kpi.disaggregate:
            add_breakdowns(line, groups, value)
    record.safeguarding_concerns = 2
    record.narrative = NARRATIVE
    tenders.collaboration(record.collaborations, record.period.end_date)
    record.save()


def add_breakdowns(line, groups, value):
    "Add to the return line a value for each group, spread around value"
    seen = {}
    for group in groups:
        index = seen.setdefault(group.dimension, 0)
        seen[group.dimension] += 1
        spread = SPREADS[group.dimension]
        breakdown = line.breakdowns.new()
        breakdown.group = group
        breakdown.value = min(Decimal(100), (value * Decimal(
                    str(spread[index % len(spread)]))).quantize(
                Decimal('0.1')))


def pay(session, contract, returns):
    """Request as the officer the payment of each of the first three
    quarters and take it through its finance steps (finance confirms the
    ratings)"""
    Contract = session.model('commissioning.contract', 'finance')
    Return = session.model('commissioning.monitoring.return', 'officer')
    Payment = session.model('commissioning.contract.payment', 'officer')
    Finance = session.model('commissioning.contract.payment', 'finance')
    payments = Contract(contract.id).payments
    config = session.config('finance')
    for payment, record, steps in zip(payments, returns, PAYMENT_STEPS):
        payment = Payment(payment.id)
        payment.period = Return(record.id).period
        payment.save()
        payment.click('request')
        config.skip_warning = True
        try:
            for step in steps:
                Finance(payment.id).click(step)
        finally:
            config.skip_warning = False


NOTICE_NARRATIVE = (
    "In its first year the service gave 118 children a trusted adult. "
    "Most KPIs met or approached their targets; the justice outcomes "
    "improved over the year. The Youth Voice Panel's review led to later "
    "opening on Fridays.")
NOTICE_UNRATED = "No accepted return rated this KPI in the year."


def publish_notice(session, contract):
    """Gather the contract performance notice of the contract's first year
    with the wizard as the officer, and publish it"""
    from proteus import Wizard
    config = session.config('officer')
    Contract = session.model('commissioning.contract', 'officer')
    contract = Contract(contract.id)
    if contract.performance_notices:
        return
    wizard = Wizard('commissioning.contract.performance_notice.create',
        [contract], config=config)
    wizard.form.narrative = NOTICE_NARRATIVE
    wizard.execute('create_')
    Notice = session.model(
        'commissioning.contract.performance_notice', 'officer')
    notice, = Notice.find([('contract', '=', contract.id)])
    for line in notice.lines:
        if not line.rating:
            line.unrated_reason = NOTICE_UNRATED
    notice.save()
    notice.click('publish')


CHANGE_REASON = (
    "The Youth Voice Panel asked for sessions in the school holidays and a "
    "Friday evening drop-in; the council funds six more months of the "
    "service to run them.")
CHANGE_DESCRIPTION = (
    "Holiday sessions and a Friday evening drop-in, and six more months of "
    "the service.")
# What the change adds to the value and the term of the demo contract
CHANGE_VALUE = Decimal('60000')
CHANGE_MONTHS = 6


def change_contract(session, contract):
    """Extend the active contract by six months with more money: the
    officer asks for the change with the payments still to plan, finance
    approves it"""
    from dateutil.relativedelta import relativedelta
    Contract = session.model('commissioning.contract', 'officer')
    Change = session.model('commissioning.contract.change', 'officer')
    contract = Contract(contract.id)
    if contract.changes:
        return
    value = contract.value + CHANGE_VALUE
    end = contract.end_date + relativedelta(months=CHANGE_MONTHS)
    committed = sum(p.amount for p in contract.payments
        if p.state != 'planned')
    # Quarterly payments from the first one still planned to the new end
    first = min(p.planned_date for p in contract.payments
        if p.state == 'planned')
    dates = []
    while first <= end:
        dates.append(first)
        first += relativedelta(months=3)
    instalment = ((value - committed) / len(dates)).quantize(
        Decimal('0.01'))
    change = Change(contract=contract, new_value=value, new_end_date=end,
        reason=CHANGE_REASON, description=CHANGE_DESCRIPTION)
    for i, date in enumerate(dates):
        payment = change.payments.new()
        payment.planned_date = date
        payment.amount = (value - committed - instalment * (len(dates) - 1)
            if i == len(dates) - 1 else instalment)
    change.save()
    change.click('request')
    Change = session.model('commissioning.contract.change', 'finance')
    Change(change.id).click('approve')


FAILURE_DESCRIPTION = (
    "%s: the first quarter's value was inadequate and the next two stayed "
    "below the target.")
FAILURE_PLAN = (
    "Each mentor agrees three goals with every child at the first meeting "
    "and reviews them monthly; progress is discussed at the monthly "
    "contract meeting.")


def record_failure(session, contract):
    """Record as the officer a performance failure of the KPI the first
    accepted return rated inadequate, open with the provider's improvement
    plan; it does not hold the payments"""
    Return = session.model('commissioning.monitoring.return', 'officer')
    Failure = session.model('commissioning.contract.failure', 'officer')
    if Failure.find([('contract', '=', contract.id)]):
        return
    first = Return.find([
            ('contract', '=', contract.id), ('state', '=', 'accepted'),
            ], order=[('period', 'ASC')])[0]
    line = [r for r in first.lines
        if r.rating == 'inadequate' and r.kpi.direction == 'higher'][0]
    failure = Failure()
    failure.contract = first.contract
    failure.kind = 'inadequate_kpi'
    failure.kpi = line.kpi
    failure.period = first.period
    failure.description = FAILURE_DESCRIPTION % line.kpi.name
    failure.improvement_plan = FAILURE_PLAN
    failure.deadline = dt.date.today() + dt.timedelta(days=60)
    failure.save()
