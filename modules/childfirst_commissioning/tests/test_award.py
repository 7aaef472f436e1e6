# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The award of the worked example: recommended by the officer, approved by
finance, then the standstill"""
import datetime as dt

import pytest

from trytond.modules.childfirst_commissioning.tests.tools import (
    SegregationError, as_user, make_user, pdf_text)
from trytond.pool import Pool
from trytond.transaction import Transaction


@pytest.fixture
def finance2(moderated):
    "A finance user who did not approve the budget"
    return make_user('finance2', 'group_commissioning_finance')


def working_days(start, end):
    "Return the number of working days after start up to end"
    return sum(1 for i in range(1, (end - start).days + 1)
        if (start + dt.timedelta(i)).weekday() < 5)


def test_award(moderated, finance2):
    "The top-ranked bid is recommended and finance approves it"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    Date = pool.get('ir.date')
    tender, bids = moderated.tender, moderated.bids
    with as_user(moderated.officer):
        Tender.recommend_award([tender])
    tender = Tender(tender.id)
    assert tender.state == 'award_pending'
    assert tender.winning_bid == bids['B']
    with as_user(finance2):
        Tender.approve_award([tender])
    tender = Tender(tender.id)
    assert tender.state == 'awarded'
    assert tender.award_date == Date.today()
    assert working_days(tender.award_date, tender.standstill_end) == 8
    assert tender.standstill_end.weekday() < 5
    assert not tender.standstill_over()
    assert tender.standstill_over(
        tender.standstill_end + dt.timedelta(days=1))
    assert [Bid(bids[k].id).state for k in 'ABC'] == [
        'unsuccessful', 'awarded', 'unsuccessful']
    signoff = tender.signoffs[0]
    assert (signoff.gate, signoff.decision) == ('award', 'approved')
    assert "Winning bid" in signoff.checks


def test_award_other_bid_needs_reason(moderated):
    "Recommending another bid than the top one needs a reason"
    Tender = Pool().get('commissioning.tender')
    tender, bids = moderated.tender, moderated.bids
    with as_user(moderated.officer):
        Tender.write([tender], {'winning_bid': bids['A'].id})
        with pytest.raises(Exception) as info:
            Tender.recommend_award([Tender(tender.id)])
        assert "not the top-ranked bid" in info.value.message
        Tender.write([tender], {
                'award_reason': "Provider B cannot start in time."})
        Tender.recommend_award([Tender(tender.id)])
    assert Tender(tender.id).winning_bid == bids['A']
    with as_user(moderated.officer), pytest.raises(Exception):
        Tender.write([tender], {'winning_bid': bids['C'].id})


def test_award_segregation(moderated):
    "The user who recommended the award cannot approve it"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    tender, officer = moderated.tender, moderated.officer
    User.write([officer], {'groups': [('add', [ModelData.get_id(
                        'childfirst_commissioning',
                        'group_commissioning_finance')])]})
    with as_user(officer):
        Tender.recommend_award([tender])
        with pytest.raises(SegregationError):
            Tender.approve_award([Tender(tender.id)])
    assert Tender(tender.id).state == 'award_pending'


def test_award_rejected(moderated, finance2):
    "Finance sends an award back to moderation with a comment"
    Tender = Pool().get('commissioning.tender')
    tender = moderated.tender
    with as_user(moderated.officer):
        Tender.recommend_award([tender])
    with as_user(finance2):
        Tender.reject_with([Tender(tender.id)], "Check B's price.")
    tender = Tender(tender.id)
    assert tender.state == 'moderated'
    assert tender.winning_bid is None
    assert (tender.signoffs[0].gate, tender.signoffs[0].decision) == (
        'award', 'rejected')


def test_grant_no_standstill(moderated, finance2):
    "Grants have no standstill: the contract may follow the same day"
    Tender = Pool().get('commissioning.tender')
    tender = moderated.tender
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.kind], ['grant'],
            where=table.id == tender.id))
    Transaction().cache.clear()
    with as_user(moderated.officer):
        Tender.recommend_award([Tender(tender.id)])
    with as_user(finance2):
        Tender.approve_award([Tender(tender.id)])
    tender = Tender(tender.id)
    assert tender.standstill_end == tender.award_date
    assert tender.standstill_over()


def test_assessment_summaries_queued(awarded):
    """Approving the award pushes one task to Tryton's queue; run (by a
    worker, or by the server after the request), it attaches each bidder's
    assessment summary to its bid: the bidder reads its own, not another's"""
    pool = Pool()
    Queue = pool.get('ir.queue')
    Attachment = pool.get('ir.attachment')
    User = pool.get('res.user')
    bids = awarded.bids
    tasks = [t for t in Queue.search([])
        if t.data['method'] == 'send_assessment_summaries']
    assert len(tasks) == 1
    assert not Attachment.search([])
    tasks[0].run()
    attachments = Attachment.search([], order=[('name', 'ASC')])
    assert sorted(a.resource for a in attachments) == sorted(bids.values())
    for attachment in attachments:
        assert attachment.name.startswith("Assessment summary - ")
        assert attachment.data[:5] == b'%PDF-'
    user_a, = User.search([('login', '=', 'providera')])
    with as_user(user_a):
        own = Attachment.search([])
    assert [a.resource for a in own] == [bids['A']]
    # Rendered in the language of the approver who pushed the task: UK
    # English, dates day first
    submitted = bids['A'].submitted_at.strftime('%d/%m/%Y')
    text = pdf_text([a for a in attachments if a.resource == bids['A']][0]
        .data)
    assert submitted in text
