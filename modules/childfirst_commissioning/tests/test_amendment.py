# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Amendments of a published tender: the apply gate check by check, the
finance sign-off of a change to what bidders answer, the minimum time left
to bidders, the re-confirmation of submitted bids (void at close without
it) and who may do what."""
import datetime as dt
from decimal import Decimal

import pytest

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.exceptions import AmendmentError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, BidSubmissionError, LockedError, SegregationError, as_user,
    bid_on, close, count_queries, criterion, make_provider, make_user,
    set_deadline, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction


def amend(officer, tender, **values):
    Amendment = Pool().get('commissioning.tender.amendment')
    values.setdefault('reason', "The service now covers weekends.")
    with as_user(officer):
        amendment, = Amendment.create([{'tender': tender.id, **values}])
    return Amendment(amendment.id)


def apply(officer, amendments):
    Amendment = Pool().get('commissioning.tender.amendment')
    with as_user(officer):
        Amendment.apply(Amendment.browse(amendments))


def later(days=20):
    return (dt.datetime.now() + dt.timedelta(days=days)).replace(
        microsecond=0)


@pytest.fixture
def bids(published, company):
    "A submitted and a draft bid of two providers on the published tender"
    (north, north_user), (river, river_user) = [
        make_provider(n, n.split()[0].lower())
        for n in ["Northside Youth Trust", "Riverside Mentoring"]]
    submitted = bid_on(published, north_user, 240000)
    with as_user(north_user):
        submit_bids([submitted])
    draft = bid_on(published, river_user, 230000)
    Bid = Pool().get('commissioning.bid')
    return Bid(submitted.id), Bid(draft.id), north_user, river_user


# The gate, check by check

def test_new_deadline_moves_deadline_and_asks_reconfirmation(
        published, bids, officer):
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    Notification = pool.get('commissioning.notification')
    submitted, draft, north_user, river_user = bids
    deadline = later()
    amendment = amend(officer, published, new_deadline=deadline)
    apply(officer, [amendment])
    amendment = amendment.__class__(amendment.id)
    assert amendment.state == 'applied'
    assert amendment.applied_by.id == officer.id and amendment.applied_at
    assert Tender(published.id).submission_deadline == deadline
    assert Bid(submitted.id).needs_reconfirmation
    assert not Bid(draft.id).needs_reconfirmation
    told = {n.recipient.id for n in Notification.search([
                ('event', '=', 'tender_amended')])}
    assert told == {north_user.id, river_user.id}


def test_deadline_too_soon_refused(published, officer):
    "A new deadline leaves bidders less than the minimum time: refused"
    Tender = Pool().get('commissioning.tender')
    before = Tender(published.id).submission_deadline
    amendment = amend(officer, published, new_deadline=later(2))
    with pytest.raises(AmendmentError) as info:
        apply(officer, [amendment])
    assert "at least 5 days" in info.value.message
    assert amendment.__class__(amendment.id).state == 'draft'
    assert Tender(published.id).submission_deadline == before


def test_minimum_days_configurable(published, officer):
    Configuration = Pool().get('commissioning.configuration')
    Configuration.write([Configuration(1)], {'amendment_minimum_days': 1})
    amendment = amend(officer, published, new_deadline=later(2))
    apply(officer, [amendment])
    assert amendment.__class__(amendment.id).state == 'applied'


def test_deadline_after_contract_start_refused(published, officer):
    amendment = amend(officer, published, new_deadline=later(200))
    with pytest.raises(AmendmentError) as info:
        apply(officer, [amendment])
    assert "before the contract start" in info.value.message


def test_apply_refused_after_close(published, officer):
    Tender = Pool().get('commissioning.tender')
    amendment = amend(officer, published, description="Clarified.")
    close(published)
    assert Tender(published.id).state == 'closed'
    with pytest.raises(AmendmentError) as info:
        apply(officer, [amendment])
    assert "only a published tender is amended" in info.value.message


def test_reapproval_needs_finance_signoff(published, officer, finance):
    "Changing what bidders answer: refused without, applied with sign-off"
    pool = Pool()
    Amendment = pool.get('commissioning.tender.amendment')
    Criterion = pool.get('commissioning.tender.criterion')
    target = criterion(published, CF[0])
    amendment = amend(officer, published, requires_reapproval=True,
        new_deadline=later(), lines=[('create', [{
                        'criterion': target.id,
                        'description': "Describe your trauma-informed "
                        "practice at weekends."}])])
    with pytest.raises(AmendmentError) as info:
        apply(officer, [amendment])
    assert "must press Sign Off first" in info.value.message
    # The officer who wrote it may not sign it off
    with as_user(officer), pytest.raises(AccessButtonError):
        Amendment.approve([Amendment(amendment.id)])
    with as_user(finance):
        Amendment.approve([Amendment(amendment.id)])
    amendment = Amendment(amendment.id)
    assert amendment.approved_by.id == finance.id
    signoff, = amendment.signoffs
    assert signoff.gate == 'amendment' and signoff.decision == 'approved'
    apply(officer, [amendment])
    assert Criterion(target.id).description.startswith(
        "Describe your trauma-informed")


def test_signoff_segregation(published, officer, finance):
    "A finance approver who wrote the amendment cannot sign it off"
    Amendment = Pool().get('commissioning.tender.amendment')
    both = make_user('both', 'group_commissioning',
        'group_commissioning_finance')
    amendment = amend(both, published, requires_reapproval=True,
        new_deadline=later())
    with as_user(both), pytest.raises(SegregationError):
        Amendment.approve([Amendment(amendment.id)])
    assert not Amendment(amendment.id).approved_by


def test_reapproval_gives_minimum_time(published, officer, finance):
    "A change to what bidders answer also leaves them the minimum time"
    Amendment = Pool().get('commissioning.tender.amendment')
    tender = set_deadline(published, later(2))
    amendment = amend(officer, tender, requires_reapproval=True)
    with as_user(finance):
        Amendment.approve([Amendment(amendment.id)])
    with pytest.raises(AmendmentError) as info:
        apply(officer, [amendment])
    assert "New Submission Deadline" in info.value.message


def test_weights_must_add_up(published, officer, finance):
    pool = Pool()
    Amendment = pool.get('commissioning.tender.amendment')
    Criterion = pool.get('commissioning.tender.criterion')
    delivery = criterion(published, DELIVERY)
    wrong = amend(officer, published, requires_reapproval=True,
        new_deadline=later(), lines=[('create', [{
                        'criterion': delivery.id,
                        'weight': Decimal(25)}])])
    with as_user(finance):
        Amendment.approve([Amendment(wrong.id)])
    with pytest.raises(AmendmentError) as info:
        apply(officer, [wrong])
    assert "add up to 105" in info.value.message
    price = criterion(published, "Price")
    right = amend(officer, published, requires_reapproval=True,
        new_deadline=later(), lines=[('create', [
                    {'criterion': delivery.id, 'weight': Decimal(25)},
                    {'criterion': price.id, 'weight': Decimal(25)},
                    ])])
    with as_user(finance):
        Amendment.approve([Amendment(right.id)])
    apply(officer, [right])
    assert Criterion(delivery.id).weight == 25
    assert Criterion(price.id).weight == 25


def test_lines_need_reapproval_ticked(published, officer):
    delivery = criterion(published, DELIVERY)
    with pytest.raises(AmendmentError):
        amend(officer, published, lines=[('create', [{
                            'criterion': delivery.id,
                            'description': "New text"}])])


# Criteria change only through an applied amendment

def test_criteria_locked_while_published(published, officer):
    Criterion = Pool().get('commissioning.tender.criterion')
    Tender = Pool().get('commissioning.tender')
    target = criterion(published, CF[0])
    with as_user(officer):
        with pytest.raises(LockedError):
            Criterion.write([Criterion(target.id)], {'description': "X"})
        with pytest.raises(LockedError):
            Tender.write([Tender(published.id)], {
                    'submission_deadline': later()})


def test_applied_amendment_locked(published, officer):
    Amendment = Pool().get('commissioning.tender.amendment')
    amendment = amend(officer, published, new_deadline=later())
    apply(officer, [amendment])
    with as_user(officer):
        with pytest.raises(LockedError):
            Amendment.write([Amendment(amendment.id)], {'reason': "Other"})
        with pytest.raises(LockedError):
            Amendment.delete([Amendment(amendment.id)])


# Re-confirmation of bids

def test_unconfirmed_bid_void_at_close(published, bids, officer):
    Bid = Pool().get('commissioning.bid')
    submitted, _, _, _ = bids
    apply(officer, [amend(officer, published, new_deadline=later())])
    close(published)
    assert Bid(submitted.id).state == 'void'


def test_reconfirmed_bid_stays_at_close(published, bids, officer):
    Bid = Pool().get('commissioning.bid')
    submitted, _, north_user, _ = bids
    apply(officer, [amend(officer, published, new_deadline=later())])
    with as_user(north_user):
        Bid.reconfirm([Bid(submitted.id)])
    assert not Bid(submitted.id).needs_reconfirmation
    close(published)
    assert Bid(submitted.id).state == 'submitted'


def test_reconfirm_refused_after_deadline(published, bids, officer):
    Bid = Pool().get('commissioning.bid')
    submitted, _, north_user, _ = bids
    apply(officer, [amend(officer, published, new_deadline=later())])
    set_deadline(published, dt.datetime.now() - dt.timedelta(minutes=1))
    with as_user(north_user), pytest.raises(BidSubmissionError):
        Bid.reconfirm([Bid(submitted.id)])
    assert Bid(submitted.id).needs_reconfirmation


def test_reconfirmation_not_writable(published, bids, officer):
    "Nobody clears the flag by a write, only the bidder's button"
    Bid = Pool().get('commissioning.bid')
    submitted, _, north_user, river_user = bids
    apply(officer, [amend(officer, published, new_deadline=later())])
    for user in [north_user, officer]:
        with as_user(user), pytest.raises(AccessError):
            Bid.write([Bid(submitted.id)], {'needs_reconfirmation': False})
    # Another provider cannot press the button on the bid
    with as_user(river_user), pytest.raises(AccessError):
        Bid.reconfirm([Bid(submitted.id)])
    assert Bid(submitted.id).needs_reconfirmation


# Who may do what

def test_provider_cannot_amend(published, bids):
    Amendment = Pool().get('commissioning.tender.amendment')
    _, _, north_user, _ = bids
    with as_user(north_user), pytest.raises(AccessError):
        Amendment.create([{'tender': published.id, 'reason': "Mine"}])


def test_provider_sees_applied_amendments_only(published, bids, officer):
    Amendment = Pool().get('commissioning.tender.amendment')
    _, _, north_user, _ = bids
    draft = amend(officer, published, description="Not yet")
    applied = amend(officer, published, new_deadline=later())
    apply(officer, [applied])
    with as_user(north_user):
        assert Amendment.search([]) == [applied]
        # The form reads its changes; the sign-offs are closed
        assert Amendment.read([applied.id], ['lines', 'reason'])
        view = Amendment.fields_view_get(view_type='form')
        assert 'signoffs' not in view['fields']
        with pytest.raises(AccessError):
            Amendment.read([draft.id], ['reason'])
        with pytest.raises(AccessError):
            Amendment.write([Amendment(applied.id)], {'reason': "X"})


def test_state_not_writable(published, officer):
    Amendment = Pool().get('commissioning.tender.amendment')
    amendment = amend(officer, published)
    with as_user(officer):
        for values in [{'state': 'applied'}, {'approved_by': officer.id}]:
            with pytest.raises(AccessError):
                Amendment.write([Amendment(amendment.id)], values)
    assert Amendment(amendment.id).state == 'draft'


# Scale

def apply_queries(officer, tenders, size):
    Amendment = Pool().get('commissioning.tender.amendment')
    amendments = [amend(officer, tenders[i % len(tenders)],
            new_deadline=later(20 + i)) for i in range(size)]
    Transaction().cache.clear()
    with as_user(officer), count_queries() as queries:
        Amendment.apply(Amendment.browse(amendments))
    return len([q for q in map(str, queries)
            if not q.startswith('INSERT INTO')])


def test_apply_queries_do_not_grow(published, bids, officer):
    small = apply_queries(officer, [published], 2)
    large = apply_queries(officer, [published], 20)
    assert large <= small + 3, (small, large)
