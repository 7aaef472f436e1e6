# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The work queue of each role: what waits for the user, with counts, and
nothing the user may not read"""
from decimal import Decimal

import pytest

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, as_user, bid_on, count_queries, make_provider,
    make_tender, make_user, score, submit_bids)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction

READ = ['kind', 'action', 'record', 'record.rec_name', 'tender',
    'tender.rec_name', 'bid',
    'bid.rec_name', 'due_date', 'deadline']


def queue(user, domain=None):
    "Return the work of user as {(action, record)}, read as the client does"
    Work = Pool().get('commissioning.work')
    with as_user(user):
        works = Work.search(domain or [])
        rows = Work.read([w.id for w in works], READ)
    return {(r['action'], r['record']) for r in rows}


def counts(user):
    "Return the number of items of each tab of My Work of user"
    pool = Pool()
    Work = pool.get('commissioning.work')
    ModelData = pool.get('ir.model.data')
    ActWindow = pool.get('ir.action.act_window')
    action = ActWindow(ModelData.get_id(
            'childfirst_commissioning', 'act_work'))
    result = {}
    with as_user(user):
        for tab in action.act_window_domains:
            result[tab.name] = Work.search_count(tab_domain(tab))
    return result


def tab_domain(tab):
    return PYSONDecoder({}).decode(tab.domain) if tab.domain else []


def draft_tender(officer):
    with as_user(officer):
        return make_tender()


# The officer

def test_officer_tenders_to_progress(closed, officer):
    "The officer sees the closed tender to evaluate and a new draft"
    tender = closed.tender
    draft = draft_tender(officer)
    work = queue(officer)
    assert ('start_evaluation', str(tender)) in work
    assert ('request_approval', str(draft)) in work
    assert counts(officer)['Tenders'] == 2


def test_finance_signoffs_not_own(officer, finance):
    "Finance sees the approval another user requested, not their own"
    Tender = Pool().get('commissioning.tender')
    tender = draft_tender(officer)
    with as_user(officer):
        Tender.request_approval([tender])
    assert queue(finance) == {('approve_budget', str(tender))}
    other = make_user('finance3', 'group_commissioning_finance',
        'group_commissioning')
    with as_user(other):
        own = make_tender()
        Tender.request_approval([own])
    assert ('approve_budget', str(own)) in queue(finance)
    assert ('approve_budget', str(own)) not in queue(other)
    assert ('approve_budget', str(tender)) in queue(other)


def test_finance_award_and_payment(awarded, finance):
    "Finance no longer sees the award once approved"
    assert not any(a == 'approve_award' for a, _ in queue(finance))


# The evaluators

def test_evaluator_conflicts_own(assigned):
    "Each evaluator sees their own undeclared conflicts, nobody else's"
    Evaluator = Pool().get('commissioning.tender.evaluator')
    users, evaluators = assigned.users, assigned.evaluators
    for key, user in users.items():
        assert queue(user) == {
            ('declare_conflicts', str(evaluators[key]))}
    with as_user(users['specialist']):
        Evaluator.declare_no_conflict([evaluators['specialist']])
    assert queue(users['specialist']) == set()
    assert counts(users['panel'])['Conflicts'] == 1


def scoring(user):
    "Return the (bid, criterion) of each answer user has to score"
    Assignment = Pool().get('commissioning.evaluation.assignment')
    result = set()
    for action, record in queue(user, [('kind', '=', 'score')]):
        assert action == 'score'
        model, id_ = record.split(',')
        assert model == 'commissioning.evaluation.assignment'
        assignment = Assignment(int(id_))
        result.add((assignment.bid, assignment.criterion))
    return result


def test_evaluator_scores_to_give(in_evaluation):
    """The scores to give: assigned criteria of the submitted bids but the
    conflicted one, until scored"""
    ex = in_evaluation
    users, evaluators = ex.users, ex.evaluators
    expected = {(ex.bids[b], ex.criteria[n])
        for b in 'ABC' for n in CF + [DELIVERY]}
    assert scoring(users['specialist']) == expected
    # The lead declared a conflict on C
    assert scoring(users['finance_lead']) == {
        (ex.bids[b], ex.criteria[DELIVERY]) for b in 'AB'}
    score(users['specialist'], evaluators['specialist'], ex.bids['A'],
        ex.criteria[DELIVERY], 4)
    assert counts(users['specialist'])['Scores'] == len(expected) - 1
    assert (ex.bids['A'], ex.criteria[DELIVERY]) not in scoring(
        users['specialist'])
    # Another evaluator's score changes nothing of the panel's
    before = counts(users['panel'])
    score(users['finance_lead'], evaluators['finance_lead'], ex.bids['A'],
        ex.criteria[DELIVERY], 4)
    assert counts(users['panel']) == before


def test_evaluator_sealed_bids(published, company):
    """Before the tender closes, the evaluator sees the conflicts to
    declare but nothing of the bids"""
    Evaluator = Pool().get('commissioning.tender.evaluator')
    user = make_user('sealed', 'group_commissioning_evaluator')
    evaluator, = Evaluator.create([{
                'tender': published.id, 'user': user.id,
                'criteria': [('add', [c.id for c in published.criteria
                            if c.method == 'scored'])],
                }])
    domains = [
        [('tender.bids.provider', '!=', None)],
        [('tender.bids.provider', '=', None)],
        [('tender.bids', '=', None)],
        [('bid', '!=', None)],
        ]
    before = counts(user), [queue(user, d) for d in domains]
    _, bidder = make_provider("Provider Z", 'providerz')
    bid_on(published, bidder, 200000)
    assert (counts(user), [queue(user, d) for d in domains]) == before
    assert queue(user) == {('declare_conflicts', str(evaluator))}
    with pytest.raises(AccessError):
        queue(user, [('tender.bids.price', '>', 0)])


def test_evaluator_other_tender(in_evaluation, company):
    "An evaluator of no tender sees no bid and no score to give"
    user = make_user('outsider', 'group_commissioning_evaluator')
    assert queue(user) == set()
    assert set(counts(user).values()) == {0}


# The providers

def test_provider_open_tender_and_draft_bid(published, bidders, officer):
    """A provider sees the published tender until they bid on it; the
    other provider's bid and the unpublished tenders change nothing"""
    (_, first), (_, second) = bidders
    assert queue(first) == {('bid', str(published))}
    before = counts(second)
    draft_tender(officer)
    bid = bid_on(published, first, 200000)
    assert queue(first) == {('submit_bid', str(bid))}
    assert queue(second) == {('bid', str(published))}
    assert counts(second) == before
    with as_user(first):
        submit_bids([bid])
    assert queue(first) == set()


def test_provider_attacks(published, bidders):
    "Domains on the other provider's bid tell the provider nothing"
    (_, first), (_, second) = bidders
    bid_on(published, first, 200000)
    for domain in [
            [('tender.bids.price', '=', Decimal(200000))],
            [('tender.bids.provider.name', '=', "Northside Youth Trust")],
            [('bid', '!=', None)],
            [('bid.price', '>', 0)],
            ]:
        assert queue(second, domain) == set(), domain
    # Tryton searches a reference's relations as the server: refused
    for domain in [
            [('record.bids.price', '>', 0, 'commissioning.tender')],
            ['OR', ('kind', '=', 'bid'),
                ('record.name', '=', "x", 'commissioning.tender')],
            ]:
        with pytest.raises(AccessError) as info:
            queue(second, domain)
        assert 'search an item\'s record by its name only' in str(
            info.value)
    assert queue(second, [('record.rec_name', 'ilike', '%exploitation%',
                'commissioning.tender')]) == {('bid', str(published))}


def test_provider_returns(active_contract, provider, provider_party,
        officer, bidders):
    "The provider's returns due and sent back; none of another provider"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    (_, other), _ = bidders
    returns = Return.search([('contract', '=', active_contract.id)])
    due = {r for r in returns if r.state == 'draft'}
    assert due
    assert queue(provider) == {('submit_return', str(r)) for r in due}
    assert queue(other) == set()
    assert counts(other)['Returns'] == 0


def test_return_sent_back_and_review(reported_contract, provider, officer):
    "A return sent back waits for the provider again; review for officer"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Payment = pool.get('commissioning.contract.payment')
    record, = Return.search([
            ('contract', '=', reported_contract.id),
            ('state', '=', 'accepted'),
            ], limit=1)
    work = queue(officer)
    payments = Payment.search([
            ('contract', '=', reported_contract.id),
            ('state', '=', 'planned'),
            ('period', '!=', None),
            ])
    assert {('request_payment', str(p)) for p in payments
        if any(r.state == 'accepted' and r.period == p.period
            for r in reported_contract.returns)} <= work


# The queue as a whole

def test_rules_in_query(published, bidders):
    "Called by the server for the provider, the rules still apply"
    Work = Pool().get('commissioning.work')
    (_, first), (_, second) = bidders
    bid_on(published, first, 200000)
    with Transaction().set_user(second.id):
        works = Work.search([])
        assert {w.action for w in works} == {'bid'}


def test_roles_without_work(company):
    "A user of no commissioning group has an empty queue"
    user = make_user('nobody')
    Work = Pool().get('commissioning.work')
    with Transaction().set_user(user.id):
        assert Work.search([]) == []


@pytest.mark.parametrize('size', [3])
def test_queries_flat(officer, size):
    "Reading the queue takes as many queries for n items as for 10n"
    pool = Pool()
    Work = pool.get('commissioning.work')

    def read():
        Transaction().cache.clear()
        with as_user(officer), count_queries() as queries:
            works = Work.search([])
            Work.read([w.id for w in works], READ)
            Work.search_count([('kind', '=', 'tender')])
        return len(works), len(queries)
    with as_user(officer):
        for _ in range(size):
            make_tender()
    small = read()
    with as_user(officer):
        for _ in range(9 * size):
            make_tender()
    large = read()
    assert (small[0], large[0]) == (size, 10 * size)
    assert large[1] <= small[1] + 1, (small, large)


def test_tabs_are_kinds(transaction):
    "Every tab of My Work but All shows a kind of item"
    pool = Pool()
    Work = pool.get('commissioning.work')
    ModelData = pool.get('ir.model.data')
    ActWindow = pool.get('ir.action.act_window')
    action = ActWindow(ModelData.get_id(
            'childfirst_commissioning', 'act_work'))
    kinds = set()
    for tab in action.act_window_domains:
        assert tab.count
        domain = tab_domain(tab)
        kinds.update(value for _, _, value in domain)
    assert kinds == {k for k, _ in Work.kind.selection}


def test_record_models_readable(officer, provider):
    """The record of an item offers only the models the user may read, as
    the clients hide a reference to a model the user may not read"""
    Work = Pool().get('commissioning.work')
    for user, hidden in [
            (officer, set()),
            (provider, {'commissioning.tender.evaluator'}),
            ]:
        with as_user(user):
            models = {m for m, _ in Work.get_records()}
            view = Work.fields_view_get(view_type='tree')
        assert not (models & hidden)
        assert 'record' in view['fields'], user.login
    assert 'commissioning.tender.evaluator' in {
        m for m, _ in Work.get_records()}


def test_menu_first(transaction):
    "My Work is the first entry of the Commissioning menu"
    pool = Pool()
    Menu = pool.get('ir.ui.menu')
    ModelData = pool.get('ir.model.data')
    parent = ModelData.get_id('childfirst_commissioning', 'menu_commissioning')
    first = Menu.search([('parent', '=', parent)], limit=1)[0]
    assert first.id == ModelData.get_id(
        'childfirst_commissioning', 'menu_work')
