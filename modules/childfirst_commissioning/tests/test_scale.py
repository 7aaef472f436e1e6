# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The buttons and gates work on a whole list of records in a number of
queries that does not grow with the list: each operation is counted on n
and on 10n records."""
from decimal import Decimal

from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, as_user, complete_collaboration, count_queries,
    draft_contract, fill_return, make_tender, publish_tender, response_of,
    score_all)
from trytond.pool import Pool
from trytond.transaction import Transaction

# How many more queries 10n records may take than n (the first record of a
# kind read or created sometimes costs one more statement)
SLACK = 3


def counted(function, records):
    """Return the number of queries function takes on records, caches cold,
    but the INSERT of each new record (trytond creates records one INSERT
    each)"""
    Transaction().cache.clear()
    with count_queries() as queries:
        function(records)
    return len([q for q in map(str, queries)
            if not q.startswith('INSERT INTO')])


def tenders(officer, count):
    "Return count tenders designed by the officer"
    Tender = Pool().get('commissioning.tender')
    with Transaction().set_user(officer.id):
        return Tender.browse([make_tender(name="Tender %s" % i).id
                for i in range(count)])


def assert_flat(small, large, what):
    assert large <= small + SLACK, (
        "%s takes %s queries on 10n records against %s on n" % (
            what, large, small))


def test_request_approval_and_approve(officer, finance):
    "Requesting and giving the approval of tenders"
    Tender = Pool().get('commissioning.tender')
    counts = {}
    for size in [2, 20]:
        records = tenders(officer, size)
        with Transaction().set_user(officer.id):
            requested = counted(Tender.request_approval, records)
        records = Tender.browse([t.id for t in records])
        with Transaction().set_user(finance.id):
            approved = counted(Tender.approve, records)
        counts[size] = (requested, approved)
    assert_flat(counts[2][0], counts[20][0], "Request approval")
    assert_flat(counts[2][1], counts[20][1], "Approve")


def reported_contracts(officer, finance, provider, party, count):
    """Return count active contracts whose returns the provider reported
    and the officer accepted"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    Return = pool.get('commissioning.monitoring.return')
    returns = filled_returns(officer, finance, provider, party, count)
    contracts = list({r.contract for r in returns})
    with as_user(provider):
        Return.submit(returns)
    with as_user(officer):
        Return.accept(returns)
        for contract in Contract.browse([c.id for c in contracts]):
            periods = sorted(contract.periods, key=lambda p: p.start_date)
            for payment, period in zip(contract.payments, periods):
                Payment.write([payment], {'period': period.id})
    return Contract.browse([c.id for c in contracts])


def test_request_and_approve_payments(
        officer, finance, provider, provider_party):
    "Requesting and approving the payments of accepted returns"
    Payment = Pool().get('commissioning.contract.payment')
    counts = {}
    for size, contracts in [(2, 1), (20, 5)]:
        payments = [p for c in reported_contracts(
                    officer, finance, provider, provider_party, contracts)
            for p in c.payments][:size]
        with Transaction().set_user(officer.id):
            requested = counted(Payment.request, payments)
        payments = Payment.browse([p.id for p in payments])
        # Finance confirms the inadequate ratings, as the client does
        with Transaction().set_user(finance.id), \
                Transaction().set_context(_skip_warnings=True):
            approved = counted(Payment.approve, payments)
        counts[size] = (requested, approved)
    assert_flat(counts[2][0], counts[20][0], "Request payment")
    assert_flat(counts[2][1], counts[20][1], "Approve payment")


def filled_returns(officer, finance, provider, party, contracts):
    "Return the returns of new active contracts, filled by the provider"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    records = [draft_contract(officer, party) for _ in range(contracts)]
    with as_user(finance):
        Contract.activate(records)
    returns = Return.search([('contract', 'in', [c.id for c in records])])
    for record in returns:
        fill_return(provider, record)
    return Return.browse([r.id for r in returns])


def test_submit_and_accept_returns(
        officer, finance, provider, provider_party):
    "Submitting monitoring returns and accepting them"
    Return = Pool().get('commissioning.monitoring.return')
    counts = {}
    for size, contracts in [(2, 1), (20, 5)]:
        returns = filled_returns(
            officer, finance, provider, provider_party, contracts)[:size]
        with Transaction().set_user(provider.id):
            submitted = counted(Return.submit, returns)
        returns = Return.browse([r.id for r in returns])
        with Transaction().set_user(officer.id):
            accepted = counted(Return.accept, returns)
        counts[size] = (submitted, accepted)
    assert_flat(counts[2][0], counts[20][0], "Submit return")
    assert_flat(counts[2][1], counts[20][1], "Accept return")


def test_create_and_submit_bids(officer, finance, bidders):
    "A provider bidding on many tenders at once, then submitting the bids"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    (_, user), _ = bidders
    counts = {}
    for size in [2, 20]:
        published = [publish_tender(officer, finance, name="Tender %s" % i)
            for i in range(size)]
        with as_user(user):
            Transaction().cache.clear()
            with count_queries() as queries:
                bids = Bid.create([{'tender': t.id} for t in published])
            created = len([q for q in map(str, queries)
                    if not q.startswith('INSERT INTO')])
            Response.write([r for b in bids for r in b.responses],
                {'response': "Our answer."})
            Bid.write(bids, {'price': Decimal(200000)})
            Collaboration.create([complete_collaboration(origin=str(b))
                    for b in bids])
            submitted = counted(Bid.submit, Bid.browse([b.id for b in bids]))
        counts[size] = (created, submitted)
    assert_flat(counts[2][0], counts[20][0], "Create bids")
    assert_flat(counts[2][1], counts[20][1], "Submit bids")


def test_enter_scores(in_evaluation):
    "An evaluator entering one score, then ten at once"
    Score = Pool().get('commissioning.score')
    example = in_evaluation
    user = example.users['specialist']
    evaluator = example.evaluators['specialist']
    criteria = [example.criteria[n] for n in CF + [DELIVERY]]
    values = [{
            'response': response_of(example.bids[key], criterion).id,
            'evaluator': evaluator.id, 'score': 4,
            'justification': "Clear plans with children.",
            } for key in ['A', 'B', 'C'] for criterion in criteria]
    with as_user(user):
        one = counted(Score.create, values[:1])
        ten = counted(Score.create, values[1:11])
    assert_flat(one, ten, "Enter scores")


def test_activate_contracts(officer, finance, provider_party):
    """Activating contracts creates their periods and the returns of the
    periods that have ended"""
    Contract = Pool().get('commissioning.contract')
    counts = {}
    for size in [2, 20]:
        contracts = Contract.browse([
                draft_contract(officer, provider_party).id
                for _ in range(size)])
        with Transaction().set_user(finance.id):
            counts[size] = counted(Contract.activate, contracts)
    assert_flat(counts[2], counts[20], "Activate contracts")


def remove_returns(contracts):
    "Remove the returns of the contracts and their values"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    return_, line = Return.__table__(), Line.__table__()
    ids = [c.id for c in contracts]
    cursor = Transaction().connection.cursor()
    cursor.execute(*line.delete(where=line.return_.in_(
                return_.select(return_.id,
                    where=return_.contract.in_(ids)))))
    cursor.execute(*return_.delete(where=return_.contract.in_(ids)))


def test_create_due_returns(officer, finance, provider_party):
    "The scheduled creation of the returns of ended periods"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    counts = {}
    for size in [2, 20]:
        contracts = [draft_contract(officer, provider_party)
            for _ in range(size)]
        with Transaction().set_user(finance.id):
            Contract.activate(contracts)
        # The returns as if the scheduled task had not run yet: removed in
        # SQL, since nobody may delete a return
        remove_returns(contracts)
        counts[size] = counted(
            lambda records: Return.create_due(contracts=records),
            Contract.browse([c.id for c in contracts]))
    assert_flat(counts[2], counts[20], "Create due returns")


def test_complete_evaluation_checks(in_evaluation):
    """The complete evaluation gate reads the missing scores and the
    answers to moderate in SQL: the same queries whether every score is
    missing or none"""
    example = in_evaluation
    tender = example.tender
    # Once, for the messages of the failures to be read (then cached)
    tender.complete_evaluation_checks()
    Transaction().cache.clear()
    with count_queries() as before:
        checks = tender.complete_evaluation_checks()
    assert len(checks[0][1]) > 20
    score_all(example.bids, example.criteria, example.evaluators,
        example.users)
    Transaction().cache.clear()
    with count_queries() as after:
        checks = tender.complete_evaluation_checks()
    assert not checks[0][1]
    # Naming the evaluators and providers of the failures takes a query
    # for each kind
    assert_flat(len(after), len(before), "Complete evaluation checks")
    assert len(before) <= 10
