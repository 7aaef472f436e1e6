# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 5, award and contract: the officer moderates the criteria where the
scores differ widely, completes the evaluation and recommends the award,
finance approves it; once the standstill has ended (moved a year back) the
officer creates the contract with its payment schedule and finance
activates it"""
import datetime as dt
from decimal import Decimal

MODERATION_RATIONALE = (
    "The panel explained that the children found the service's response "
    "times too slow; the specialist agreed at moderation.")


def award(session, tender):
    """Moderate the wide spreads of the tender in evaluation, complete the
    evaluation, recommend the award as the officer and approve it as
    finance"""
    Response = session.model('commissioning.bid.response', 'officer')
    for response in Response.find([('bid.tender', '=', tender.id)]):
        if (response.spread or 0) >= 2:
            response.moderated_score = Decimal(4)
            response.moderation_rationale = MODERATION_RATIONALE
            response.save()
    Tender = session.model('commissioning.tender', 'officer')
    tender = Tender(tender.id)
    tender.click('complete_evaluation')
    tender.click('recommend_award')
    Tender = session.model('commissioning.tender', 'finance')
    Tender(tender.id).click('approve_award')


def date_grant(session, tender):
    """Move the closing of the awarded grant round back to its deadline,
    the day before its award"""
    Tender = session.model('commissioning.tender', 'officer')
    tender = Tender(tender.id)
    session.move_tender_dates(tender.id,
        closed_at=tender.submission_deadline + dt.timedelta(minutes=5))


def create_contract(session, values):
    """Return the active contract of the awarded tender of values, brought
    into the system a year after the service began, or None when the
    tender is not awarded (its contract exists already)"""
    from dateutil.relativedelta import relativedelta
    Tender = session.model('commissioning.tender', 'officer')
    tender, = Tender.find([('name', '=', values['name'])])
    if tender.state != 'awarded':
        return None
    start = dt.date.today().replace(day=1) - relativedelta(months=13)
    end = start + relativedelta(years=2, days=-1)
    move_timeline(session, tender.id, start, end)
    tender = Tender(tender.id)
    tender.click('create_contract')
    Contract = session.model('commissioning.contract', 'officer')
    contract = Contract(Tender(tender.id).contract.id)
    contract.start_date = start
    contract.end_date = end
    plan_payments(contract, start)
    contract.save()
    Contract = session.model('commissioning.contract', 'finance')
    contract = Contract(contract.id)
    contract.click('activate')
    return contract


def plan_payments(contract, start):
    "Plan eight quarterly payments that add up to the contract's value"
    from dateutil.relativedelta import relativedelta
    instalment = (contract.value / 8).quantize(Decimal('0.01'))
    for i in range(8):
        payment = contract.payments.new()
        payment.amount = (contract.value - 7 * instalment if i == 7
            else instalment)
        payment.planned_date = start + relativedelta(
            months=3 * (i + 1), days=30)


def move_timeline(session, tender_id, start, end):
    """Move the tender's dates back to before its contract's start: the
    demo's stand-in for a contract tendered and awarded before the service
    began, a year ago. Published five months before the start, bids in a
    month later, the award six weeks before the start after its
    standstill."""
    from dateutil.relativedelta import relativedelta
    noon = dt.time(12)
    deadline = dt.datetime.combine(start - relativedelta(months=4), noon)
    award = start - dt.timedelta(days=45)
    closed = deadline + dt.timedelta(hours=1)
    published = deadline - relativedelta(months=1)
    recommended = dt.datetime.combine(award - dt.timedelta(days=7), noon)
    session.move_tender_dates(tender_id,
        published_at=published,
        submission_deadline=deadline,
        closed_at=closed,
        bids=deadline - dt.timedelta(days=3),
        evaluation_started_at=closed + dt.timedelta(days=2),
        responses={
            'assessed_at': closed + dt.timedelta(days=1),
            'moderated_at': recommended - dt.timedelta(days=1),
            },
        evaluation_completed_at=recommended - dt.timedelta(hours=2),
        award_requested_at=recommended,
        signoffs={
            'tender_budget': published - dt.timedelta(days=7),
            'award': dt.datetime.combine(award, noon),
            },
        award_date=award, standstill_end=award + dt.timedelta(days=12),
        contract_start=start, contract_end=end)
