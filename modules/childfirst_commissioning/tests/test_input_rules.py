# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Bad input breaking one rule, sent as a user scripting JSON-RPC sends it,
is refused with a clear message and changes nothing: one test per rule."""
from decimal import Decimal
from unittest.mock import patch

import pytest

from trytond import backend
from trytond.model.exceptions import DomainValidationError, ForeignKeyError
from trytond.modules.childfirst_commissioning.tests.strategies import (
    DANGLING)
from trytond.modules.childfirst_commissioning.tests.tools import (
    CHAR_SIZE, TEXT_SIZE, TODAY, InputError, InputMixin, LockedError,
    MissingRecordError, RelationError, ScoreError, complete_collaboration,
    count_queries)
from trytond.transaction import Transaction


def assert_refused(error, exception, *fragments):
    assert isinstance(error, exception), error
    for fragment in fragments:
        assert fragment in error.message


def write(model, key, name, value):
    "Return the function that writes value for name on the record of key"
    def function(pool):
        Model = pool.get(model)
        Model.write([Model(key)], {name: value})
    return function


def move_score(ids, response):
    def function(pool):
        Score = pool.get('commissioning.score')
        Score.write([Score(ids['score'])], {'response': ids[response]})
    return function


@pytest.mark.parametrize('user', [None, 'specialist'])
def test_score_moved(committed, user):
    "A score is checked where it moves to, not where it was"
    ids = committed.ids
    # response2 is on another tender
    assert_refused(
        committed.run_as(user, move_score(ids, 'response2')), ScoreError,
        "different tenders")
    assert_refused(
        committed.run_as(user, move_score(ids, 'response_a_pass_fail')),
        ScoreError, "You are not assigned to the criterion")
    assert committed.run_as(
        user, move_score(ids, 'response_b_scored')) is None
    assert committed.read('commissioning.score', 'score', ['response']) == {
        'id': ids['score'], 'response': ids['response_a_scored']}


def test_score_evaluator_moved(committed):
    "A score cannot move to the evaluator of another tender's criteria"
    ids = committed.ids

    def function(pool):
        Score = pool.get('commissioning.score')
        Evaluator = pool.get('commissioning.tender.evaluator')
        other, = Evaluator.create([{
                    'tender': ids['tender_pub'],
                    'user': ids['panel'], 'role': 'specialist'}])
        Score.write([Score(ids['score'])], {'evaluator': other.id})
    assert_refused(
        committed.run_as(None, function), ScoreError, "different tenders")


@pytest.mark.parametrize('name, key', [
        ('criterion', 'criterion_draft'), ('bid', 'bid_a')])
def test_response_fixed(committed, name, key):
    "A response stays with its bid and criterion"
    ids = committed.ids
    response = ids['response2']
    assert_refused(
        committed.run_as('provider_a', write(
                'commissioning.bid.response', response, name, ids[key])),
        RelationError, "cannot change")
    assert committed.run_as('provider_a', write(
            'commissioning.bid.response', response, 'response',
            "Our new answer.")) is None


def test_response_one_per_criterion(committed):
    "A bid has one response per criterion"
    def create(pool):
        Response = pool.get('commissioning.bid.response')
        response = Response(committed.ids['response2'])
        Response.create([{
                    'bid': response.bid.id,
                    'criterion': response.criterion.id,
                    }])
    assert_refused(
        committed.run_as('provider_a', create), RelationError,
        "already has a response")


def test_response_criterion_of_tender(committed):
    "A response answers a criterion of its bid's tender"
    def create(pool):
        Response = pool.get('commissioning.bid.response')
        Response.create([{
                    'bid': committed.ids['bid2'],
                    'criterion': committed.ids['criterion_draft'],
                    }])
    assert_refused(
        committed.run_as('provider_a', create), RelationError,
        "is not a criterion of tender")


def test_bid_company(committed):
    "A bid belongs to the company of its tender"
    ids = committed.ids

    def other_company(pool):
        Bid = pool.get('commissioning.bid')
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        bid = Bid(ids['bid2'])
        party, = Party.create([{'name': "Other Body"}])
        other, = Company.create([{
                    'party': party.id, 'currency': bid.tender.currency.id}])
        Bid.write([bid], {'company': other.id})
    assert_refused(
        committed.run_as(None, other_company), RelationError,
        "belongs to the company of its tender")
    assert committed.run_as(None, write(
            'commissioning.bid', ids['bid2'], 'company',
            ids['company'])) is None


def test_contract_bid(committed):
    "A contract is made from a bid on its own tender"
    ids = committed.ids

    def write_bid(bid):
        def function(pool):
            Contract = pool.get('commissioning.contract')
            Contract.write([Contract(ids['contract_draft'])], {
                    'tender': ids['tender_eval'], 'bid': ids[bid]})
        return function
    assert_refused(
        committed.run_as(None, write_bid('bid2')), RelationError,
        "is not a bid on its tender")
    assert committed.run_as(None, write_bid('bid_a')) is None


def kpi_of(pool, contract):
    "Return the first KPI of contract"
    Kpi = pool.get('commissioning.contract.kpi')
    kpi, = Kpi.search([('contract', '=', contract)], limit=1)
    return kpi


@pytest.mark.parametrize('name', ['return_', 'kpi'])
def test_line_fixed(committed, name):
    "A KPI value cannot move to another return or KPI"
    ids = committed.ids
    with committed.transaction() as pool:
        values = {
            'return_': ids['return_accepted'],
            'kpi': kpi_of(pool, ids['contract_other']).id,
            }
    assert_refused(
        committed.run_as('provider_a', write(
                'commissioning.monitoring.return.line', ids['line_draft'],
                name, values[name])),
        RelationError, "cannot change")


def test_line_kpi_of_contract(committed):
    "A return holds values for its own contract's KPIs"
    ids = committed.ids

    def create(contract):
        def function(pool):
            Line = pool.get('commissioning.monitoring.return.line')
            Line.create([{
                        'return_': ids['return_draft'],
                        'kpi': kpi_of(pool, ids[contract]).id}])
        return function
    assert_refused(
        committed.run_as(None, create('contract_other')), RelationError,
        "is not a KPI of contract")
    assert committed.run_as(None, create('contract_active')) is None


def create_breakdown(ids, line='line_disaggregated', group=None):
    """Return the function that creates a breakdown of line by the group of
    the records or, if group is a boolean, by a new group active or not"""
    def function(pool):
        Breakdown = pool.get('commissioning.monitoring.return.breakdown')
        Group = pool.get('commissioning.monitoring.group')
        if group is None:
            group_id = ids['group']
        else:
            with Transaction().set_user(0), \
                    Transaction().set_context(_check_access=False):
                group_id, = Group.create([{
                            'name': "Retired", 'dimension': 'other',
                            'active': group}])
                group_id = group_id.id
        Breakdown.create([{
                    'line': ids[line], 'group': group_id,
                    'value': Decimal(1)}])
    return function


def test_breakdown_rules(committed):
    """A breakdown is of a disaggregated KPI value, by an active group,
    and stays with its line"""
    ids = committed.ids

    def move(pool):
        Breakdown = pool.get('commissioning.monitoring.return.breakdown')
        breakdown, = Breakdown.create([{
                    'line': ids['line_disaggregated'],
                    'group': ids['group'], 'value': Decimal(1)}])
        Breakdown.write([breakdown], {'line': ids['line_draft']})
    assert_refused(
        committed.run_as('provider_a', create_breakdown(ids, group=False)),
        RelationError, "is no longer used")
    assert_refused(
        committed.run_as(
            'provider_a', create_breakdown(ids, line='line_draft')),
        RelationError, "is not disaggregated")
    assert_refused(
        committed.run_as('provider_a', move), RelationError, "cannot change")
    assert committed.run_as(
        'provider_a', create_breakdown(ids, group=True)) is None


def test_payment_period(committed):
    "A payment is released by a period of its own contract"
    ids = committed.ids

    def write_period(contract):
        def function(pool):
            Payment = pool.get('commissioning.contract.payment')
            Period = pool.get('commissioning.monitoring.period')
            period, = Period.search([
                    ('contract', '=', ids[contract])], limit=1)
            Payment.write([Payment(ids['payment_active'])], {
                    'period': period.id})
        return function
    assert isinstance(
        committed.run_as('officer', write_period('contract_other')),
        DomainValidationError)
    assert committed.run_as(
        'officer', write_period('contract_active')) is None


def test_payment_contract(committed):
    "A planned payment moves only to another draft contract"
    ids = committed.ids

    def move(contract):
        def function(pool):
            Payment = pool.get('commissioning.contract.payment')
            Contract = pool.get('commissioning.contract')
            if contract is None:
                with Transaction().set_user(0), \
                        Transaction().set_context(_check_access=False):
                    target, = Contract.copy(
                        [Contract(ids['contract_draft'])])
                target = target.id
            else:
                target = ids[contract]
            Payment.write([Payment(ids['payment_draft'])], {
                    'contract': target})
        return function
    assert_refused(
        committed.run_as('officer', move('contract_active')), LockedError,
        "Only a draft contract can be edited")
    assert committed.run_as('officer', move(None)) is None


def test_evaluator_links(committed):
    """An evaluator scores criteria and declares conflicts on bids of
    their own tender, however the link is made"""
    ids = committed.ids

    def criterion_of(tender):
        def function(pool):
            Evaluator = pool.get('commissioning.tender.evaluator')
            Criterion = pool.get('commissioning.tender.criterion')
            criterion, = Criterion.search([
                    ('tender', '=', ids[tender]),
                    ('method', '=', 'scored'),
                    ('tenet', '=', None)], limit=1)
            Evaluator.write([Evaluator(ids['ev_panel'])], {
                    'criteria': [('add', [criterion.id])]})
        return function

    def link(pool):
        Link = pool.get('commissioning.tender.evaluator-criterion')
        Criterion = pool.get('commissioning.tender.criterion')
        criterion, = Criterion.search([
                ('tender', '=', ids['tender_pub'])], limit=1)
        Link.create([{
                    'evaluator': ids['ev_panel'],
                    'criterion': criterion.id}])

    def conflict(bid):
        return write(
            'commissioning.tender.evaluator', ids['ev_panel'],
            'conflicted_bids', [('add', [ids[bid]])])
    assert_refused(
        committed.run_as('officer', criterion_of('tender_pub')),
        RelationError, "is not a scored criterion of tender")
    assert_refused(
        committed.run_as(None, link), RelationError,
        "is not a scored criterion of tender")
    assert_refused(
        committed.run_as('panel', conflict('bid2')), RelationError,
        "is not a bid on tender")
    assert committed.run_as('officer', criterion_of('tender_eval')) is None
    assert committed.run_as('panel', conflict('bid_b')) is None


def create_collaboration(origin):
    def function(pool):
        Collaboration = pool.get('commissioning.collaboration')
        Collaboration.create([complete_collaboration(origin=origin)])
    return function


@pytest.mark.parametrize('origin, exception', [
        ('res.user,{officer}', InputError),
        ('commissioning.tender,%s' % DANGLING, MissingRecordError),
        ('commissioning.tender', InputError),
        (['commissioning.tender'], InputError)])
def test_collaboration_origin(committed, origin, exception):
    "Evidence belongs to an existing tender, bid or return"
    ids = committed.ids
    if isinstance(origin, str):
        origin = origin.format(**ids)
    error = committed.run_as('officer', create_collaboration(origin))
    assert isinstance(error, exception), error
    assert "Origin" in error.message
    tender = 'commissioning.tender,%s' % ids['tender_draft']
    assert committed.run_as('officer', create_collaboration(tender)) is None


def test_numbers_normalised(committed):
    "Whole numbers and floats are stored as the numbers they show"
    ids = committed.ids
    result = {}

    def function(pool):
        Score = pool.get('commissioning.score')
        Bid = pool.get('commissioning.bid')
        Criterion = pool.get('commissioning.tender.criterion')
        Score.write([Score(ids['score'])], {'score': 4.0})
        Bid.write([Bid(ids['bid2'])], {'price': 0.1})
        Criterion.write([Criterion(ids['criterion_draft'])], {
                'evidence_required': 1})
        with Transaction().set_context(_check_access=False):
            result['score'] = Score(ids['score']).score
            result['price'] = Bid(ids['bid2']).price
            result['evidence'] = Criterion(
                ids['criterion_draft']).evidence_required
    # as the system: a provider cannot read a score
    assert committed.run_as(None, function) is None
    assert result['score'] == 4
    assert result['price'] == Decimal('0.1')
    assert bool(result['evidence']) is True


@pytest.mark.parametrize('user, model, key, name, size', [
        ('officer', 'commissioning.tender', 'tender_draft', 'name',
            CHAR_SIZE),
        ('provider_a', 'commissioning.monitoring.return', 'return_draft',
            'narrative', TEXT_SIZE)])
def test_text_size(committed, user, model, key, name, size):
    "Names are at most 256 characters, texts 100,000"
    record = committed.ids[key]
    assert committed.run_as(
        user, write(model, record, name, 'c' * size)) is None
    error = committed.run_as(
        user, write(model, record, name, 'c' * (size + 1)))
    assert_refused(error, InputError, "shorten it to %s" % size)


def test_unknown_and_computed_fields(committed):
    "Values for no field or for a computed field are refused"
    record = committed.ids['collaboration_draft']

    def write_values(values):
        def function(pool):
            Collaboration = pool.get('commissioning.collaboration')
            Collaboration.write([Collaboration(record)], values)
        return function

    def create(pool):
        Collaboration = pool.get('commissioning.collaboration')
        Collaboration.create([5])
    assert_refused(
        committed.run_as('officer', write_values({'garbage': 1})),
        InputError, 'has no field "garbage"')
    assert_refused(
        committed.run_as('officer', write_values({'complete': True})),
        InputError, "is computed")
    assert_refused(
        committed.run_as('officer', create), InputError,
        "set of field values")


@pytest.mark.skipif(
    backend.name != 'postgresql', reason="SQLite has no foreign keys")
def test_dangling_id_foreign_key(committed):
    """Without the check, PostgreSQL's foreign key refuses a dangling id
    and trytond turns its error into a message naming the field"""
    function = write(
        'commissioning.score', committed.ids['score'], 'evaluator', DANGLING)
    with patch.object(
            InputMixin, '_check_ids_exist',
            classmethod(lambda cls, ids: None)):
        error = committed.run_as(None, function)
    assert isinstance(error, ForeignKeyError), error
    assert "Evaluator" in error.message
    assert isinstance(committed.run_as(None, function), MissingRecordError)


def test_check_input_queries(committed):
    "The values of many records are checked in a fixed number of queries"
    ids = committed.ids
    contracts = [ids[k] for k in [
            'contract_draft', 'contract_active', 'contract_other']]
    counts = []
    with committed.transaction() as pool:
        Payment = pool.get('commissioning.contract.payment')
        for size in [5, 50]:
            vlist = [{
                    'contract': contracts[i % 3],
                    'period': None,
                    'amount': Decimal(i + 1),
                    'planned_date': TODAY,
                    } for i in range(size)]
            with count_queries() as queries:
                Payment.check_input(vlist)
            counts.append(len(queries))
    assert counts[0] == counts[1]
