# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The lots of a tender: their design gate, their bids, their ranking and
their award"""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.exceptions import ApprovalError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, EVIDENCE, AwardError, BidSubmissionError, ContractError,
    LockedError, SegregationError, TenderDesignError, add_evaluators, as_user,
    assess, blank_pages, close, complete_collaboration, count_queries,
    criterion, make_provider, make_tender, make_user, pdf_text, score,
    split_words, submit_bids)
from trytond.modules.childfirst_commissioning.tests.test_work import queue
from trytond.pool import Pool
from trytond.transaction import Transaction

PRICE = "Price"


def add_lots(tender, *lots):
    """Add lots to tender, each (name, budget, criterion names), all the
    tender's criteria when names is None; return the tender"""
    pool = Pool()
    Lot = pool.get('commissioning.tender.lot')
    Tender = pool.get('commissioning.tender')
    names = [c.name for c in tender.criteria]
    Lot.create([{
                'tender': tender.id,
                'name': name,
                'budget': Decimal(budget),
                'criteria': [('add', [criterion(tender, n).id
                            for n in (names if wanted is None else wanted)])],
                } for name, budget, wanted in lots])
    return Tender(tender.id)


def design_failures(tender):
    "Return the message of the design gate of tender, None when it passes"
    Tender = Pool().get('commissioning.tender')
    try:
        Tender.check_design([Tender(tender.id)])
    except TenderDesignError as error:
        return error.message
    return None


# The design gate

def test_lots_pass_design(officer):
    "Lots with every Child First criterion within the budget pass"
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(max_lots_per_bid=1),
            ("North", 100000, None), ("South", 150000, None))
        assert design_failures(tender) is None
        assert tender.design_ready
        assert "lot" in tender.design_checklist.splitlines()[-1].lower()


def test_tender_without_lots_unchanged(officer):
    "A tender without lots has the checklist it always had"
    with Transaction().set_user(officer.id):
        tender = make_tender()
        assert not tender.lots
        assert tender.design_ready
        assert "lot" not in tender.design_checklist.lower()


def test_lot_missing_tenet_refused(officer):
    "A lot without a scored criterion of a tenet is refused, by name"
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(),
            ("North", 100000, None),
            ("South", 100000, [CF[0], CF[1], CF[2], DELIVERY, EVIDENCE,
                    PRICE]))
        failures = design_failures(tender)
    assert 'Lot "South"' in failures
    assert "Diverting from stigma" in failures
    assert 'Lot "North"' not in failures


def test_lot_child_first_weight_refused(officer):
    "A lot whose Child First criteria weigh less than the minimum fails"
    Configuration = Pool().get('commissioning.configuration')
    Configuration.write([Configuration(1)], {'minimum_child_first_weight': 45})
    with Transaction().set_user(officer.id):
        tender = make_tender()
        Criterion = Pool().get('commissioning.tender.criterion')
        Criterion.write([criterion(tender, CF[3])], {'weight': Decimal(0)})
        Criterion.write([criterion(tender, DELIVERY)], {'weight': Decimal(30)})
        tender = add_lots(tender, ("North", 100000, None))
        failures = design_failures(tender)
    assert 'Lot "North"' in failures
    assert "at least 45" in failures


def test_lot_evidence_criterion_refused(officer):
    "A lot without the evidence of collaboration requirement is refused"
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(),
            ("North", 100000, CF + [DELIVERY, PRICE]))
        failures = design_failures(tender)
    assert 'Lot "North"' in failures
    assert "Evidence of collaboration with children" in failures


def test_lot_budget_refused(officer):
    "A lot without a budget, and lots over the tender's budget, fail"
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(),
            ("North", 0, None), ("South", 260000, None))
        failures = design_failures(tender)
    assert 'Lot "North": Its budget must be more than 0' in failures
    assert "add up to 260000, more than the tender's budget of 250000" in (
        failures)


def test_lot_failures_listed_at_once(officer):
    "Every failing check of every lot is listed in one message"
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(),
            ("North", 0, CF), ("South", 300000, [EVIDENCE]))
        failures = design_failures(tender)
    lines = [line for line in failures.splitlines() if 'Lot "' in line]
    # North: budget, evidence; South: four tenets, weight
    assert len(lines) == 2 + 5
    assert "add up to 300000" in failures


def test_lot_criterion_of_other_tender_refused(officer):
    "A lot uses only the criteria of its own tender"
    from trytond.model.exceptions import ValidationError
    Lot = Pool().get('commissioning.tender.lot')
    with Transaction().set_user(officer.id):
        tender, other = make_tender(), make_tender()
        lot, = add_lots(tender, ("North", 1000, [])).lots
        with pytest.raises(ValidationError):
            Lot.write([lot], {
                    'criteria': [('add', [other.criteria[0].id])]})


def test_lot_budget_negative_refused(officer):
    "A negative budget is refused"
    from trytond.model.exceptions import ValidationError
    with Transaction().set_user(officer.id):
        tender = make_tender()
        with pytest.raises(ValidationError):
            add_lots(tender, ("North", -1, None))


def test_max_lots_negative_refused(officer):
    "The maximum of lots per bid is 0 or more"
    from trytond.model.exceptions import ValidationError
    with Transaction().set_user(officer.id):
        with pytest.raises(ValidationError):
            make_tender(max_lots_per_bid=-1)


def test_lots_locked_after_draft(officer, finance):
    "Once the tender leaves draft its lots do not change"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(), ("North", 100000, None))
        Tender.request_approval([tender])
    lot, = Tender(tender.id).lots
    with as_user(officer):
        for values in [{'budget': Decimal(1)},
                {'criteria': [('remove', [lot.criteria[0].id])]}]:
            with pytest.raises(LockedError):
                Lot.write([Lot(lot.id)], values)
        with pytest.raises(LockedError):
            Lot.create([{'tender': tender.id, 'name': "South",
                        'budget': Decimal(1)}])
        with pytest.raises(LockedError):
            Lot.delete([Lot(lot.id)])
    assert Lot(lot.id).budget == Decimal(100000)


def test_lots_access(officer, finance, provider, provider_party):
    """Providers read the lots of published tenders only and never change
    them; officers design them"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    with as_user(officer):
        tender = add_lots(make_tender(), ("North", 100000, None))
        lot, = tender.lots
    with as_user(provider):
        assert Lot.search([]) == []
        with pytest.raises(AccessError):
            Lot.create([{'tender': tender.id, 'name': "Mine",
                        'budget': Decimal(1)}])
    with Transaction().set_user(officer.id):
        Tender.request_approval([Tender(tender.id)])
    with Transaction().set_user(finance.id):
        Tender.approve([Tender(tender.id)])
    with Transaction().set_user(officer.id):
        Tender.publish([Tender(tender.id)])
    with as_user(provider):
        assert Lot.search([]) == [lot]
        assert len(Lot(lot.id).criteria) == len(tender.criteria)
        with pytest.raises(AccessError):
            Lot.write([Lot(lot.id)], {'name': "Renamed"})


def _gate_queries(officer, count):
    Tender = Pool().get('commissioning.tender')
    with Transaction().set_user(officer.id):
        tender = make_tender(budget=Decimal(count * 1000))
        tender = add_lots(tender, *[
                ("Lot %s" % i, 1000, None) for i in range(count)])
        Transaction().cache.clear()
        tender = Tender(tender.id)
        with count_queries() as queries:
            Tender.request_approval([tender])
    assert Tender(tender.id).state == 'pending_approval'
    return len(queries)


def test_lot_gate_queries(officer):
    "The design gate reads n and 10n lots in the same number of queries"
    Transaction().cache.clear()
    small = _gate_queries(officer, 3)
    large = _gate_queries(officer, 30)
    assert large <= small + 2, (small, large)


# Bids for lots

def publish_lots_tender(officer, finance, lots, **values):
    """Return a tender with lots, designed by the officer, approved by
    finance and published"""
    Tender = Pool().get('commissioning.tender')
    with Transaction().set_user(officer.id):
        tender = add_lots(make_tender(**values), *lots)
        Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    with Transaction().set_user(officer.id):
        Tender.publish([tender])
    return Tender(tender.id)


# North is judged without the service delivery criterion
NORTH = CF + [EVIDENCE, PRICE]
TWO_LOTS = [("North", 100000, NORTH), ("South", 150000, None)]


def lot(tender, name):
    "Return the lot of tender named name"
    lot, = [lot for lot in tender.lots if lot.name == name]
    return lot


def bid_for(tender, user, price, *names):
    "Return a complete draft bid of user for the lots names of tender"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    with as_user(user):
        bid, = Bid.create([{
                    'tender': tender.id,
                    'lots': [('add', [lot(tender, n).id for n in names])],
                    }])
        Response.write(list(bid.responses), {'response': "Our answer."})
        Bid.write([bid], {'price': Decimal(price)})
        Collaboration.create([complete_collaboration(origin=str(bid))])
    return Bid(bid.id)


@pytest.fixture
def lots_tender(officer, finance):
    "A published tender of two lots, North and South; one lot per bid"
    return publish_lots_tender(officer, finance, TWO_LOTS, max_lots_per_bid=1)


def test_bid_answers_criteria_of_its_lots(lots_tender, bidders):
    "The responses of a bid follow its lots"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000, "North")
    assert {r.criterion.name for r in bid.responses} == set(NORTH)
    with as_user(user):
        Bid.write([bid], {'lots': [('add', [lot(lots_tender, "South").id])]})
    bid = Bid(bid.id)
    assert {r.criterion.name for r in bid.responses} == set(NORTH) | {
        DELIVERY}
    with as_user(user):
        Bid.write([bid], {
                'lots': [('remove', [lot(lots_tender, "North").id])]})
    bid = Bid(bid.id)
    assert {r.criterion.name for r in bid.responses} == {
        c.name for c in lots_tender.criteria}
    assert len(bid.responses) == len(lots_tender.criteria)


def test_bid_submitted_for_a_lot(lots_tender, bidders):
    "A bid for one lot answering its criteria is submitted"
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000, "North")
    with as_user(user):
        submit_bids([bid])
    assert bid.__class__(bid.id).state == 'submitted'


def test_bid_without_lot_refused(lots_tender, bidders):
    "A bid on a tender with lots must be for one lot at least"
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000)
    with as_user(user), pytest.raises(BidSubmissionError) as error:
        submit_bids([bid])
    assert "choose at least one in Lots" in error.value.message
    assert bid.__class__(bid.id).state == 'draft'


def test_bid_over_lot_limit_refused(lots_tender, bidders):
    "A bid for more lots than the tender allows is refused"
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000, "North", "South")
    with as_user(user), pytest.raises(BidSubmissionError) as error:
        submit_bids([bid])
    assert "at most 1 per bid" in error.value.message
    assert bid.__class__(bid.id).state == 'draft'


def test_bid_for_several_lots_without_limit(officer, finance, bidders):
    "Without a limit a bid may be for every lot"
    tender = publish_lots_tender(officer, finance, TWO_LOTS)
    (_, user), _ = bidders
    bid = bid_for(tender, user, 240000, "North", "South")
    with as_user(user):
        submit_bids([bid])
    assert bid.__class__(bid.id).state == 'submitted'


def test_bid_lot_of_other_tender_refused(lots_tender, officer, finance,
        bidders):
    "A bid is only for lots of its own tender"
    from trytond.model.exceptions import ValidationError
    Bid = Pool().get('commissioning.bid')
    other = publish_lots_tender(officer, finance, TWO_LOTS)
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000, "North")
    with as_user(user), pytest.raises(ValidationError):
        Bid.write([bid], {'lots': [('add', [lot(other, "South").id])]})


def test_bid_lots_locked_once_submitted(lots_tender, bidders):
    "The lots of a submitted bid do not change"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    BidLot = pool.get('commissioning.bid-commissioning.tender.lot')
    (_, user), _ = bidders
    bid = bid_for(lots_tender, user, 90000, "North")
    with as_user(user):
        submit_bids([bid])
        with pytest.raises(LockedError):
            Bid.write([Bid(bid.id)], {
                    'lots': [('add', [lot(lots_tender, "South").id])]})
        with pytest.raises(LockedError):
            BidLot.create([{
                        'bid': bid.id,
                        'lot': lot(lots_tender, "South").id}])
        link, = BidLot.search([('bid', '=', bid.id)])
        with pytest.raises(LockedError):
            BidLot.delete([link])
    assert [lot.name for lot in Bid(bid.id).lots] == ["North"]


def test_bid_lots_sealed(lots_tender, officer, bidders):
    """Until the tender closes, nobody but the bidder learns who bid for
    which lot: not another provider, not the officer"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    BidLot = pool.get('commissioning.bid-commissioning.tender.lot')
    (_, first), (_, second) = bidders
    north = lot(lots_tender, "North")
    bid = bid_for(lots_tender, first, 90000, "North")
    with as_user(first):
        submit_bids([bid])
        assert Tender.search([('bids.lots', '=', north.id)]) == [
            lots_tender]
        link, = BidLot.search([])
    for user in [second, officer]:
        with as_user(user):
            assert Tender.search([('bids.lots', '=', north.id)]) == []
            assert Tender.search_count([('bids.lots', '=', north.id)]) == 0
            assert Tender.search_count(
                [('bids.lots.name', '=', "North")]) == 0
            assert Bid.search([('lots', '=', north.id)]) == []
            assert BidLot.search([]) == []
            assert BidLot.search_count([('lot', '=', north.id)]) == 0
            with pytest.raises(AccessError):
                BidLot.read([link.id], ['bid'])
            with pytest.raises(AccessError):
                Bid.read([bid.id], ['lots'])
            rows = Tender.export_data(
                [Tender(lots_tender.id)], ['bids/lots/name'])
            assert "North" not in str(rows), rows
    close(lots_tender)
    with as_user(officer):
        assert Bid.search([('lots', '=', north.id)]) == [bid]
        assert len(BidLot.search([])) == 1
    with as_user(second):
        assert Tender.search([('bids.lots', '=', north.id)]) == []
        assert BidLot.search([]) == []


# Ranking per lot

def lots_plan(officer, finance, bidders_count=3):
    """A tender of two lots, North (without the service delivery criterion)
    and South, the service delivery needing 3 at least; A bids for North,
    B for South, C for both; closed"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Criterion = pool.get('commissioning.tender.criterion')
    with Transaction().set_user(officer.id):
        tender = make_tender()
        Criterion.write([criterion(tender, DELIVERY)], {
                'minimum_score': Decimal(3)})
        tender = add_lots(tender, *TWO_LOTS)
        Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    with Transaction().set_user(officer.id):
        Tender.publish([tender])
    tender = Tender(tender.id)
    bids = {}
    for key, price, lots in [
            ('A', 90000, ["North"]),
            ('B', 140000, ["South"]),
            ('C', 240000, ["North", "South"])]:
        _, user = make_provider("Provider %s" % key, 'lots%s' % key.lower())
        bid = bid_for(tender, user, price, *lots)
        with as_user(user):
            submit_bids([bid])
        bids[key] = bid
    close(tender)
    return Tender(tender.id), bids


@pytest.fixture
def lots_moderated(officer, finance):
    """The tender of two lots scored: A 4 on every criterion, B 4, C 5 on
    the Child First criteria and 2 on the service delivery; evaluation
    complete"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    tender, bids = lots_plan(officer, finance)
    criteria = {c.name: c for c in tender.criteria}
    evaluators, users = add_evaluators(tender, criteria)
    Evaluator = pool.get('commissioning.tender.evaluator')
    for key in evaluators:
        with as_user(users[key]):
            Evaluator.declare_no_conflict([evaluators[key]])
    assess(officer, bids, criteria, failing=())
    with as_user(officer):
        Tender.start_evaluation([Tender(tender.id)])
    plan = {'A': (4, 4), 'B': (4, 4), 'C': (5, 2)}
    for key, bid in bids.items():
        bid = Bid(bid.id)
        child_first, delivery = plan[key]
        for response in bid.responses:
            name = response.criterion.name
            if response.criterion.method != 'scored':
                continue
            for role, evaluator in evaluators.items():
                if response.criterion in evaluator.criteria:
                    score(users[role], evaluator, bid, response.criterion,
                        delivery if name == DELIVERY else child_first)
    with as_user(officer):
        Tender.complete_evaluation([Tender(tender.id)])
    return SimpleNamespace(
        tender=Tender(tender.id), bids={k: Bid(b.id) for k, b in bids.items()},
        officer=officer, finance=finance)


def ranking_of(tender, name):
    "Return {bid key: link} of the lot name of tender"
    return {link.bid.provider.name[-1]: link
        for link in lot(tender, name).ranking}


def test_lot_ranking(lots_moderated):
    """Each lot ranks the bids for it on its own criteria: C leads North,
    and is excluded from South for its service delivery score"""
    tender = lots_moderated.tender
    north = ranking_of(tender, "North")
    assert set(north) == {'A', 'C'}
    assert (north['C'].rank, north['A'].rank) == (1, 2)
    assert north['C'].eligible and north['A'].eligible
    # 50 points of Child First criteria out of 50
    assert north['C'].child_first_score == Decimal('50.00')
    # C's price for North: 240,000 shared as the budgets, 96,000
    assert north['A'].price_score == Decimal('30.00')
    assert north['C'].price_score == Decimal('28.12')
    assert north['C'].total_score == Decimal('78.12')
    south = ranking_of(tender, "South")
    assert set(south) == {'B', 'C'}
    assert south['B'].rank == 1 and south['B'].eligible
    assert not south['C'].eligible and south['C'].rank is None
    assert DELIVERY in south['C'].exclusion_reason
    assert "North" not in (north['C'].exclusion_reason or '')
    # The tender is not ranked as a whole
    assert all(b.rank is None for b in lots_moderated.bids.values())


def test_lot_ranking_read_only(lots_moderated, bidders):
    "Nobody writes the ranking of a lot"
    BidLot = Pool().get('commissioning.bid-commissioning.tender.lot')
    link = ranking_of(lots_moderated.tender, "South")['B']
    for user in [lots_moderated.officer, lots_moderated.finance]:
        for values in [{'rank': 1}, {'eligible': True}, {'total_score': 99}]:
            with as_user(user), pytest.raises(AccessError):
                BidLot.write([BidLot(link.id)], values)
    assert BidLot(link.id).rank == 1
    with pytest.raises(LockedError):
        BidLot.write([BidLot(link.id)], {'rank': 2})


def test_lot_ranking_sealed(lots_moderated):
    "Another provider does not read a lot's ranking of other bids"
    BidLot = Pool().get('commissioning.bid-commissioning.tender.lot')
    tender = lots_moderated.tender
    _, user = make_provider("Provider D", 'lotsd')
    with as_user(user):
        assert BidLot.search([]) == []
        assert len(BidLot.search([('lot', '=', lot(tender, "North").id)])
            ) == 0


def _ranking_queries(officer, finance, count):
    "Count the queries of the ranking of count bids for two lots"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    Party = pool.get('party.party')
    tender = publish_lots_tender(officer, finance, TWO_LOTS)
    parties = Party.create([{'name': "Provider %s" % i}
            for i in range(count)])
    bids = Bid.create([{
                'tender': tender.id, 'provider': p.id, 'price': 1000 + i,
                'lots': [('add', [x.id for x in tender.lots][:1 + i % 2])],
                } for i, p in enumerate(parties)])
    Bid.write(bids, {'state': 'submitted',
            'submitted_at': dt.datetime.now()})
    BidLot = pool.get('commissioning.bid-commissioning.tender.lot')
    Transaction().cache.clear()
    with count_queries() as queries:
        Tender.store_ranking([Tender(tender.id)])
    # Every bid is ranked for each of its lots (none is eligible: no
    # evidence was assessed)
    assert BidLot.search_count([
            ('bid', 'in', [b.id for b in bids]),
            ('eligible', '=', False),
            ('exclusion_reason', '!=', None),
            ]) == count + count // 2
    return len(queries)


def test_lot_ranking_queries(officer, finance):
    "The ranking of 10n bids for lots takes the queries of n"
    small = _ranking_queries(officer, finance, 4)
    large = _ranking_queries(officer, finance, 40)
    assert large <= small + 2, (small, large)


# The award of each lot

def end_standstill(lots):
    "Move the award of lots three weeks back, as the passing of time would"
    Lot = Pool().get('commissioning.tender.lot')
    table = Lot.__table__()
    cursor = Transaction().connection.cursor()
    today = dt.date.today()
    cursor.execute(*table.update(
            [table.award_date, table.standstill_end],
            [today - dt.timedelta(days=21), today - dt.timedelta(days=1)],
            where=table.id.in_([lot.id for lot in lots])))
    Transaction().cache.clear()


def test_lots_awarded_to_two_providers(lots_moderated):
    """North is awarded to C and South to B, each recommended by the
    officer and approved by finance; after the standstill each lot has its
    contract"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    Bid = pool.get('commissioning.bid')
    Contract = pool.get('commissioning.contract')
    ex = lots_moderated
    lots = list(ex.tender.lots)
    with as_user(ex.officer):
        Lot.recommend_award(lots)
    north, south = (lot(Tender(ex.tender.id), n) for n in ["North", "South"])
    assert (north.state, south.state) == ('award_pending', 'award_pending')
    assert north.winning_bid == ex.bids['C']
    assert south.winning_bid == ex.bids['B']
    assert north.award_requested_by == ex.officer
    with as_user(ex.finance):
        Lot.approve_award([north])
    assert Tender(ex.tender.id).state == 'moderated'
    with as_user(ex.finance):
        Lot.approve_award([Lot(south.id)])
    tender = Tender(ex.tender.id)
    assert tender.state == 'awarded'
    assert {k: Bid(b.id).state for k, b in ex.bids.items()} == {
        'A': 'unsuccessful', 'B': 'awarded', 'C': 'awarded'}
    signoff, = Lot(north.id).signoffs
    assert signoff.gate == 'award' and signoff.user == ex.finance
    assert signoff.requested_by == ex.officer
    with as_user(ex.officer), pytest.raises(ContractError) as error:
        Lot.create_contract([Lot(north.id)])
    assert "standstill" in error.value.message.lower()
    end_standstill(lots)
    with as_user(ex.officer):
        Lot.create_contract([Lot(north.id), Lot(south.id)])
    assert Tender(ex.tender.id).state == 'contracted'
    contracts = Contract.search([('tender', '=', ex.tender.id)])
    assert len(contracts) == 2
    by_lot = {c.lot.name: c for c in contracts}
    assert by_lot['North'].provider == ex.bids['C'].provider
    assert by_lot['North'].value == Decimal(96000)
    assert by_lot['South'].provider == ex.bids['B'].provider
    assert by_lot['South'].value == Decimal(140000)
    assert Lot(north.id).contract == by_lot['North']
    # The KPIs of the templates of the lot's criteria
    for name, contract in by_lot.items():
        assert sorted(k.name for k in contract.kpis) == sorted(
            t.name for c in lot(tender, name).criteria
            for t in c.kpi_templates)


def test_lot_award_ineligible_refused(lots_moderated):
    "A lot is not awarded to a bid not eligible for it"
    pool = Pool()
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    south = lot(ex.tender, "South")
    with as_user(ex.officer):
        Lot.write([south], {'winning_bid': ex.bids['C'].id})
        with pytest.raises(AwardError) as error:
            Lot.recommend_award([Lot(south.id)])
    assert DELIVERY in error.value.message
    assert Lot(south.id).state == 'open'


def test_lot_award_other_bid_needs_reason(lots_moderated):
    "Awarding a lot to a bid not ranked first needs a reason"
    pool = Pool()
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    north = lot(ex.tender, "North")
    with as_user(ex.officer):
        Lot.write([north], {'winning_bid': ex.bids['A'].id})
        with pytest.raises(AwardError):
            Lot.recommend_award([Lot(north.id)])
        Lot.write([Lot(north.id)], {'award_reason': "Local presence."})
        Lot.recommend_award([Lot(north.id)])
    assert Lot(north.id).winning_bid == ex.bids['A']


def test_lot_award_segregation(lots_moderated):
    "Who recommended the award of a lot does not approve it"
    pool = Pool()
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    both = make_user(
        'officerfinance', 'group_commissioning', 'group_commissioning_finance')
    north = lot(ex.tender, "North")
    with as_user(both):
        Lot.recommend_award([north])
        with pytest.raises(SegregationError):
            Lot.approve_award([Lot(north.id)])
    with as_user(ex.officer), pytest.raises(AccessButtonError):
        Lot.approve_award([Lot(north.id)])
    assert Lot(north.id).state == 'award_pending'


def reject_lots(user, lots, comment):
    """Run the Reject Award wizard on lots as user, as the client does after
    the button"""
    Wizard = Pool().get('commissioning.tender.reject', type='wizard')
    ids = [x.id for x in lots]
    with as_user(user), Transaction().set_context(
            active_model='commissioning.tender.lot', active_id=ids[0],
            active_ids=ids):
        session_id, _, _ = Wizard.create()
        Wizard.execute(session_id, {}, 'start')
        try:
            Wizard.execute(
                session_id, {'start': {'comment': comment}}, 'reject')
        finally:
            Wizard.delete(session_id)


def test_lot_award_rejected(lots_moderated):
    """Finance sends the recommended award of a lot back with a comment
    (required): the lot is open again without a winning bid, the officer is
    told, and recommends again; the officer may not reject"""
    pool = Pool()
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    north = lot(ex.tender, "North")
    with as_user(ex.officer):
        Lot.recommend_award([north])
    with pytest.raises(ApprovalError) as info:
        reject_lots(ex.finance, [north], "  ")
    assert "comment" in info.value.message.lower()
    assert Lot(north.id).state == 'award_pending'
    with as_user(ex.officer), pytest.raises(AccessButtonError):
        Lot.reject([Lot(north.id)])
    reject_lots(ex.finance, [north], "Check C's price for the lot.")
    north = Lot(north.id)
    assert (north.state, north.winning_bid) == ('open', None)
    assert north.award_requested_by is None
    signoff, = north.signoffs
    assert (signoff.gate, signoff.decision, signoff.comment) == (
        'award', 'rejected', "Check C's price for the lot.")
    assert signoff.requested_by == ex.officer
    # The officer recommends A with a reason; finance approves
    with as_user(ex.officer):
        Lot.write([north], {'winning_bid': ex.bids['A'].id,
                'award_reason': "C's price for the lot is not sustainable."})
        Lot.recommend_award([north])
    with as_user(ex.finance):
        Lot.approve_award([Lot(north.id)])
    assert Lot(north.id).winning_bid == ex.bids['A']


def test_lot_cancelled(lots_moderated):
    """The officer cancels a lot that will not be awarded, with a reason
    (required); the tender is awarded once its other lot is, the bids for
    the cancelled lot alone are unsuccessful, and it is contracted once the
    other lot is; the open contracting data publishes the lot cancelled"""
    from trytond.modules.childfirst_commissioning import ocds_schema
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    Bid = pool.get('commissioning.bid')
    ex = lots_moderated
    north, south = (lot(ex.tender, n) for n in ["North", "South"])
    with as_user(ex.officer), pytest.raises(AwardError) as info:
        Lot.cancel([south])
    assert "Write the Cancellation Reason" in info.value.message
    assert Lot(south.id).state == 'open'
    with as_user(ex.finance), pytest.raises(AccessButtonError):
        Lot.cancel([south])
    with as_user(ex.officer):
        Lot.write([south], {'cancellation_reason': "The service is now "
                "provided by the council's own youth team."})
        Lot.cancel([Lot(south.id)])
        Lot.recommend_award([north])
    south = Lot(south.id)
    assert (south.state, south.cancelled_by) == ('cancelled', ex.officer)
    assert south.cancelled_at
    assert Tender(ex.tender.id).state == 'moderated'
    with as_user(ex.finance):
        Lot.approve_award([Lot(north.id)])
    tender = Tender(ex.tender.id)
    assert tender.state == 'awarded'
    assert tender.award_date == Lot(north.id).award_date
    assert {k: Bid(b.id).state for k, b in ex.bids.items()} == {
        'A': 'unsuccessful', 'B': 'unsuccessful', 'C': 'awarded'}
    with as_user(ex.officer):
        package = Tender.ocds_release_package([tender])
    assert ocds_schema.errors(package) == []
    statuses = {l['id']: l['status'] for r in package['releases']
        if 'tender' in r.get('tag', [])
        for l in r['tender'].get('lots', [])}
    assert statuses == {str(north.id): 'active', str(south.id): 'cancelled'}
    # B bid for the cancelled lot only: its summary says so
    Summary = pool.get('commissioning.bid.assessment_summary', type='report')
    with as_user(ex.bids['B'].create_uid):
        _, content, _, _ = Summary.execute([ex.bids['B'].id], {})
    assert "No lot this bid was for has been awarded" in pdf_text(content)
    end_standstill([north])
    with as_user(ex.officer):
        Lot.create_contract([Lot(north.id)])
    assert Tender(ex.tender.id).state == 'contracted'


def test_last_lot_not_cancelled(lots_moderated):
    "Cancelling every lot is refused: the tender is cancelled instead"
    Lot = Pool().get('commissioning.tender.lot')
    ex = lots_moderated
    lots = list(ex.tender.lots)
    with as_user(ex.officer):
        Lot.write(lots, {'cancellation_reason': "No longer needed."})
        with pytest.raises(AwardError) as info:
            Lot.cancel(Lot.browse(lots))
    assert "cancel the tender instead" in info.value.message
    assert {x.state for x in Lot.browse(lots)} == {'open'}


def test_lot_award_before_evaluation_refused(officer, finance):
    "A lot is not recommended before the tender's evaluation is complete"
    Lot = Pool().get('commissioning.tender.lot')
    tender = publish_lots_tender(officer, finance, TWO_LOTS)
    with as_user(officer), pytest.raises(AccessButtonError):
        Lot.recommend_award([lot(tender, "North")])
    with pytest.raises(AwardError):
        Lot.recommend_award([lot(tender, "North")])


def summaries_of_task(method='send_assessment_summaries'):
    """Run the queued tasks of the summaries and return {(bid key, lot):
    text} of the summaries they attached"""
    pool = Pool()
    Queue = pool.get('ir.queue')
    Attachment = pool.get('ir.attachment')
    before = {a.id for a in Attachment.search([])}
    tasks = [t for t in Queue.search([]) if t.data['method'] == method]
    for task in tasks:
        task.run()
        Queue.delete([task])
    result = {}
    for attachment in Attachment.search([('id', 'not in', list(before))]):
        assert attachment.data[:5] == b'%PDF-'
        name = attachment.name
        assert name.startswith("Assessment summary - ")
        lot_name = name.rsplit(" - ", 1)[1].rsplit('.', 1)[0]
        key = attachment.resource.provider.name[-1]
        result[key, lot_name] = pdf_text(attachment.data)
    return len(tasks), result


def test_lot_assessment_summaries(lots_moderated):
    """The award of a lot attaches to each bid for it its summary for the
    lot: the lot's criteria only, the bid's and the lot winner's scores
    and reasons, its rank and eligibility for the lot, the lot's budget and
    standstill; a bid for two lots has one summary per lot"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    with as_user(ex.officer):
        Lot.recommend_award(list(ex.tender.lots))
    north, south = (lot(Tender(ex.tender.id), n) for n in ["North", "South"])
    with as_user(ex.finance):
        Lot.approve_award([north])
    tasks, texts = summaries_of_task()
    assert tasks == 1 and set(texts) == {('A', "North"), ('C', "North")}
    standstill = "runs from %s to %s" % (
        Lot(north.id).award_date.strftime('%d/%m/%Y'),
        Lot(north.id).standstill_end.strftime('%d/%m/%Y'))
    text = texts['A', "North"]
    assert "Lot North" in text
    assert '"%s, lot North"' % ex.tender.rec_name in text
    assert "beside the scores of the winning bid, that of Provider C" in text
    assert DELIVERY not in text
    assert "Rank 2" in text and "shared among them" in text
    assert "budget of usd100,000.00 is not eligible" in text
    assert standstill in text
    text = texts['C', "North"]
    assert "It is the winning bid" in text
    # 240,000 shared as the budgets of North and South
    assert "Price for this lot usd96,000.00" in text
    with as_user(ex.finance):
        Lot.approve_award([Lot(south.id)])
    tasks, texts = summaries_of_task()
    assert tasks == 1 and set(texts) == {('B', "South"), ('C', "South")}
    text = texts['C', "South"]
    assert DELIVERY in text and "Why this bid is not eligible" in text
    assert "that of Provider B" in text
    # Printed by the bidder of both lots: one part per lot
    Summary = pool.get('commissioning.bid.assessment_summary', type='report')
    with as_user(ex.bids['C'].create_uid):
        _, content, _, _ = Summary.execute([ex.bids['C'].id], {})
    text = pdf_text(content)
    assert "lot North" in text and "lot South" in text


def test_lot_evaluation_report(lots_moderated):
    """The evaluation report of a tender in lots has a part per lot: its
    budget and criteria, the ranking of the bids for it with the prices
    for the lot, the reasons a bid is not eligible for it, the
    recommendation and finance's decision"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    Report = pool.get('commissioning.tender.evaluation_report', type='report')
    ex = lots_moderated
    with as_user(ex.officer):
        Lot.recommend_award(list(ex.tender.lots))
    with as_user(ex.finance):
        Lot.approve_award([lot(Tender(ex.tender.id), "North")])
    with as_user(ex.officer):
        _, content, _, _ = Report.execute([ex.tender.id], {})
    text = pdf_text(content)
    assert "Lots: ranking, recommendation and decision" in text
    north = text[text.index("Lot North"):text.index("Lot South")]
    south = text[text.index("Lot South"):]
    assert "Budget usd100,000.00" in north
    assert DELIVERY not in north.split("Rank")[0]
    # C first for North, at its share of 96,000; A second
    assert "1 Provider C usd96,000.00 50.00 28.12 78.12 Yes" in north
    assert "2 Provider A usd90,000.00" in north
    assert "Provider C (rank 1)" in north and "Approved by Finance" in north
    assert "Provider B (rank 1)" in south
    assert "Bids that are not eligible" in south and DELIVERY in south
    assert "there is no ranking" not in text
    assert not split_words(content) and not blank_pages(content)


def test_lots_in_my_work(lots_moderated):
    """The officer is asked to recommend each lot's award, not the
    tender's; finance (not the recommender) to approve each lot's; after
    the standstill the officer to create each lot's contract"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    ex = lots_moderated
    lots = {x.name: x for x in ex.tender.lots}
    items = {name: 'commissioning.tender.lot,%s' % x.id
        for name, x in lots.items()}
    officer = queue(ex.officer)
    assert {('recommend_award', r) for r in items.values()} <= officer
    assert ('recommend_award', 'commissioning.tender,%s' % ex.tender.id
        ) not in officer
    with as_user(ex.officer):
        Lot.recommend_award(list(lots.values()))
    assert {('approve_award', r) for r in items.values()} <= queue(
        ex.finance)
    assert not {a for a, r in queue(ex.officer) if r in items.values()}
    with as_user(ex.finance):
        Lot.approve_award([Lot(lots["North"].id)])
    end_standstill([lots["North"]])
    assert ('create_contract', items["North"]) in queue(ex.officer)
    assert ('approve_award', items["North"]) not in queue(ex.finance)
    assert ('create_contract', 'commissioning.tender,%s' % ex.tender.id
        ) not in queue(ex.officer)
    assert Tender(ex.tender.id).state == 'moderated'


def test_tender_with_lots_awarded_by_lot(lots_moderated):
    "A tender with lots is not awarded as a whole"
    Tender = Pool().get('commissioning.tender')
    ex = lots_moderated
    with as_user(ex.officer), pytest.raises(AwardError) as error:
        Tender.recommend_award([ex.tender])
    assert "each lot" in error.value.message


def test_lot_workflow_fields_read_only(lots_moderated):
    "Nobody writes the state or the award of a lot directly"
    Lot = Pool().get('commissioning.tender.lot')
    ex = lots_moderated
    north = lot(ex.tender, "North")
    for user in [ex.officer, ex.finance]:
        for values in [{'state': 'awarded'},
                {'award_date': dt.date.today()},
                {'standstill_end': dt.date.today()},
                {'award_requested_by': user.id}]:
            with as_user(user), pytest.raises(AccessError):
                Lot.write([Lot(north.id)], values)
    assert Lot(north.id).state == 'open'
    with as_user(ex.officer):
        Lot.recommend_award([north])
        with pytest.raises(AccessError):
            Lot.write([Lot(north.id)], {'winning_bid': ex.bids['A'].id})
    assert Lot(north.id).winning_bid == ex.bids['C']


def _moderated_lots(officer, finance, count):
    """Return a moderated tender of count lots, each ranked with one
    eligible bid, the bid and the ids of the lots"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    BidLot = pool.get('commissioning.bid-commissioning.tender.lot')
    Party = pool.get('party.party')
    tender = publish_lots_tender(officer, finance, [
            ("Lot %s" % i, 1000, None) for i in range(count)],
        budget=Decimal(count * 1000))
    party, = Party.create([{'name': "Provider"}])
    bid, = Bid.create([{
                'tender': tender.id, 'provider': party.id,
                'price': Decimal(count * 900),
                'lots': [('add', [x.id for x in tender.lots])],
                }])
    Bid.write([bid], {'state': 'submitted',
            'submitted_at': dt.datetime.now()})
    BidLot.store_ranking({link.id: {
                'eligible': True, 'exclusion_reason': None,
                'child_first_score': Decimal(50), 'price_score': Decimal(30),
                'total_score': Decimal(80), 'rank': 1}
            for link in BidLot.search([('bid', '=', bid.id)])})
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.state], ['moderated'], where=table.id == tender.id))
    Transaction().cache.clear()
    return Tender(tender.id), bid, [x.id for x in tender.lots]


def _award_queries(officer, finance, count):
    """Count the queries of the recommendation and the approval of the
    award of count lots, each ranked with one eligible bid"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    tender, bid, ids = _moderated_lots(officer, finance, count)
    with Transaction().set_user(officer.id), count_queries() as recommend:
        Lot.recommend_award(Lot.browse(ids))
    Transaction().cache.clear()
    with Transaction().set_user(finance.id), count_queries() as approve:
        Lot.approve_award(Lot.browse(ids))
    assert Tender(tender.id).state == 'awarded'
    assert all(x.winning_bid == bid for x in Lot.browse(ids))
    # But the INSERT of each new record, sign-off and notification
    # (trytond creates records one INSERT each)
    return tuple(len([q for q in map(str, queries)
                if not q.startswith('INSERT INTO')])
        for queries in [recommend, approve])


def _cancel_queries(officer, finance, count):
    "Count the queries of cancelling count lots of count + 1"
    Lot = Pool().get('commissioning.tender.lot')
    tender, _, ids = _moderated_lots(officer, finance, count + 1)
    with Transaction().set_user(officer.id):
        Lot.write(Lot.browse(ids[:count]), {
                'cancellation_reason': "No longer needed."})
    Transaction().cache.clear()
    with Transaction().set_user(officer.id), count_queries() as queries:
        Lot.cancel(Lot.browse(ids[:count]))
    assert [x.state for x in Lot.browse(ids)] == (
        ['cancelled'] * count + ['open'])
    return len(queries)


def test_lot_cancel_queries(officer, finance):
    "Cancelling 10n lots takes the queries of n lots"
    small = _cancel_queries(officer, finance, 3)
    large = _cancel_queries(officer, finance, 30)
    assert large <= small + 2, (small, large)


def test_lot_award_queries(officer, finance):
    "The award of 10n lots takes the queries of n lots"
    small = _award_queries(officer, finance, 3)
    large = _award_queries(officer, finance, 30)
    assert large[0] <= small[0] + 2, (small, large)
    assert large[1] <= small[1] + 2, (small, large)
