# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The buttons, gates, transitions and scheduled tasks work on a whole list
of records in a number of queries that does not grow with the list: each
operation is counted on n and on 10n records.

Each scenario below builds its records at a size, as the users would, and
yields the steps to count one after the other; scripts/childfirst_benchmark
runs the same scenarios."""
import datetime as dt
import time
from collections import namedtuple
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

import pytest
from sql import Column

from trytond.cache import Cache
from trytond.modules.childfirst_commissioning.tests.tools import (
    CommissioningWarning, as_user, complete_collaboration, confirmed,
    count_queries, draft_contract, fill_return, make_provider, make_tender,
    make_user, rolled_back, score_all, submit_bids)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.transaction import Transaction

# How many more queries 10n records may take than n (the first record of a
# kind read or created sometimes costs one more statement)
SLACK = 3
# The sizes n and 10n
SIZES = (2, 20)

# A step to count: its label, the user who acts (None: the scheduler, as
# the admin), the function called on records and the context to add
Step = namedtuple('Step', ['label', 'user', 'function', 'records', 'context'],
    defaults=[None])
# What a step took: the queries but the INSERT of each new record, every
# statement, and the seconds
Measure = namedtuple('Measure', ['queries', 'statements', 'seconds'])


def measure(function, records):
    """Return the Measure of function called on records, caches cold (the
    transaction's and the server's, so that n and 10n start alike).

    trytond creates records one INSERT each: the queries leave out every
    statement that starts with INSERT INTO."""
    transaction = Transaction()
    transaction.cache.clear()
    Cache.drop(transaction.database.name)
    with count_queries() as queries:
        start = time.perf_counter()
        function(records)
        seconds = time.perf_counter() - start
    statements = [str(q) for q in queries]
    return Measure(
        len([q for q in statements if not q.startswith('INSERT INTO')]),
        len(statements), seconds)


def run(scenario, people, size):
    "Run scenario at size; return [(label, Measure)] of its steps"
    results = []
    for step in scenario(people, size):
        with (as_user(step.user) if step.user else nullcontext()), \
                Transaction().set_context(step.context or {}):
            results.append((step.label, measure(step.function, step.records)))
    return results


def measure_scenario(database, scenario, size):
    "Return [(label, Measure)] of the steps of scenario at size"
    with scenario_transaction(database) as people:
        return run(scenario, people, size)


def assert_flat(small, large, what):
    assert large <= small + SLACK, (
        "%s takes %s queries on 10n records against %s on n" % (
            what, large, small))


def fresh(records):
    "Return the records read anew, as the next button press does"
    if not records:
        return records
    return records[0].__class__.browse([r.id for r in records])


def make_people():
    """Return the users of the scenarios: an officer, finance, an
    evaluator and the users of two providers, with their organisations"""
    provider_party, provider = make_provider(
        "Northside Youth Trust", 'northside')
    other_party, other = make_provider("Riverside Mentoring", 'riverside')
    return SimpleNamespace(
        officer=make_user('officer', 'group_commissioning'),
        finance=make_user('finance', 'group_commissioning_finance'),
        evaluator=make_user('evaluator', 'group_commissioning_evaluator'),
        provider=provider, provider_party=provider_party,
        other_provider=other, other_party=other_party)


@contextmanager
def scenario_transaction(database):
    """Yield the users of make_people in a new company, in a transaction
    of their own that is rolled back at the end: each size of a scenario
    starts alike"""
    with rolled_back(database):
        with set_company(create_company()):
            yield make_people()


# The records of the scenarios, built a batch at a time

def tenders(officer, count):
    "Return count tenders designed by the officer"
    Tender = Pool().get('commissioning.tender')
    with as_user(officer):
        return Tender.browse([make_tender(name="Tender %s" % i).id
                for i in range(count)])


def pending_tenders(people, count):
    "Return count tenders waiting for the approval of finance"
    Tender = Pool().get('commissioning.tender')
    records = tenders(people.officer, count)
    with as_user(people.officer):
        Tender.request_approval(records)
    return fresh(records)


def published_tenders(people, count):
    "Return count tenders approved by finance and published"
    Tender = Pool().get('commissioning.tender')
    records = pending_tenders(people, count)
    with as_user(people.finance):
        Tender.approve(records)
    with as_user(people.officer):
        Tender.publish(fresh(records))
    return fresh(records)


def draft_bids(provider, records):
    "Return the complete draft bids of the provider on the tenders"
    Bid = Pool().get('commissioning.bid')
    with as_user(provider):
        bids = Bid.create([{'tender': t.id} for t in records])
        complete_bids(bids)
    return fresh(bids)


def complete_bids(bids):
    "Answer, price and give the evidence of the bids"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    Response.write([r for b in bids for r in b.responses],
        {'response': "Our answer."})
    Bid.write(bids, {'price': Decimal(200000)})
    Collaboration.create([complete_collaboration(origin=str(b))
            for b in bids])


def submitted_bids(provider, records):
    "Return the bids the provider submitted on the tenders"
    bids = draft_bids(provider, records)
    with as_user(provider):
        submit_bids(bids)
    return fresh(bids)


def move(Model, ids, column='id', **values):
    """Set values on the records of Model whose column is in ids, in SQL,
    as time would; a value may be a function of the table"""
    table = Model.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [Column(table, n) for n in values],
            [v(table) if callable(v) else v for v in values.values()],
            where=Column(table, column).in_(list(ids))))
    Transaction().cache.clear()


def pass_deadlines(records):
    "Move the deadline of the tenders a minute back, as time would"
    move(Pool().get('commissioning.tender'), [t.id for t in records],
        submission_deadline=dt.datetime.now() - dt.timedelta(minutes=1))


def assign_evaluator(evaluator, records):
    """Return the evaluator of the user on each tender, a children's panel
    scoring every scored criterion"""
    Evaluator = Pool().get('commissioning.tender.evaluator')
    return Evaluator.create([{
                'tender': t.id, 'user': evaluator.id,
                'role': 'children_panel',
                'criteria': [('add', [c.id for c in t.criteria
                            if c.method == 'scored'])],
                } for t in records])


def responses(bids, method):
    "Return the responses of the bids to the criteria of method"
    Response = Pool().get('commissioning.bid.response')
    return Response.search([
            ('bid', 'in', [b.id for b in bids]),
            ('criterion.method', '=', method),
            ], order=[('id', 'ASC')])


def end_standstill(records):
    "End the standstill of the awarded tenders, as time would"
    move(Pool().get('commissioning.tender'), [t.id for t in records],
        standstill_end=lambda table: table.award_date)


def active_contracts(people, count):
    "Return count contracts finance activated"
    Contract = Pool().get('commissioning.contract')
    contracts = [draft_contract(people.officer, people.provider_party)
        for _ in range(count)]
    with as_user(people.finance):
        Contract.activate(contracts)
    return fresh(contracts)


def ended_returns(contracts):
    "Return the returns of the contracts' periods that have ended"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    today = pool.get('ir.date').today()
    return Return.search([
            ('contract', 'in', [c.id for c in contracts]),
            ('period.end_date', '<', today),
            ], order=[('id', 'ASC')])


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
    Transaction().cache.clear()


def clear_overdue(contracts):
    "Clear the overdue flags of the returns of the contracts"
    move(Pool().get('commissioning.monitoring.return'),
        [c.id for c in contracts], 'contract', overdue=False)


def current_periods(contracts):
    "Return the periods of the contracts that run today"
    pool = Pool()
    Period = pool.get('commissioning.monitoring.period')
    today = pool.get('ir.date').today()
    return Period.search([
            ('contract', 'in', [c.id for c in contracts]),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ])


def payments_of(returns):
    """Return a payment of each return's contract, planned on the period of
    the return"""
    Payment = Pool().get('commissioning.contract.payment')
    by_contract = {}
    for record in returns:
        by_contract.setdefault(record.contract, []).append(record.period)
    payments = []
    for contract, periods in by_contract.items():
        planned = sorted(contract.payments, key=lambda p: p.planned_date)
        for payment, period in zip(planned, sorted(
                    periods, key=lambda p: p.start_date)):
            Payment.write([payment], {'period': period.id})
            payments.append(payment)
    return fresh(payments)


def approve_warned(payments):
    "Approve the payments, which asks finance to confirm their ratings"
    Payment = Pool().get('commissioning.contract.payment')
    with pytest.raises(CommissioningWarning):
        Payment.approve(payments)


# The scenarios: each builds its records at a size and yields the steps to
# count

def tender_design(people, size):
    "A tender's design, approval and publication"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Criterion = pool.get('commissioning.tender.criterion')
    records = tenders(people.officer, size)
    Criterion.delete(Criterion.search([('tender', 'in', records)]))
    yield Step("Load Child First criteria", people.officer,
        Tender.load_child_first_criteria, fresh(records))
    yield Step("Request tender approval", people.officer,
        Tender.request_approval, fresh(records))
    yield Step("Approve tenders", people.finance,
        Tender.approve, fresh(records))
    yield Step("Publish tenders", people.officer,
        Tender.publish, fresh(records))


def tender_rejection(people, size):
    "Finance sends tenders back to their officer"
    Tender = Pool().get('commissioning.tender')
    records = pending_tenders(people, size)
    yield Step("Reject tender approval", people.finance,
        lambda r: Tender.reject_with(r, "Rework the budget."),
        fresh(records))


def tender_cancel(people, size):
    "The officer cancels published tenders"
    Tender = Pool().get('commissioning.tender')
    records = published_tenders(people, size)
    yield Step("Cancel tenders", people.officer, Tender.cancel, records)


def tender_close_overdue(people, size):
    "The scheduled task closes the tenders past their deadline"
    Tender = Pool().get('commissioning.tender')
    records = published_tenders(people, size)
    draft_bids(people.provider, records)
    pass_deadlines(records)
    yield Step("Close overdue tenders (scheduled)", None,
        lambda _: Tender.close_overdue(), None)


def bidding(people, size):
    "A provider bids on tenders, submits and withdraws the bids"
    Bid = Pool().get('commissioning.bid')
    records = published_tenders(people, size)
    yield Step("Create bids", people.provider,
        Bid.create, [{'tender': t.id} for t in records])
    bids = Bid.search([('tender', 'in', [t.id for t in records])])
    with as_user(people.provider):
        complete_bids(fresh(bids))
    yield Step("Submit bids", people.provider, submit_bids, fresh(bids))
    yield Step("Withdraw bids", people.provider, Bid.withdraw, fresh(bids))


def evaluation(people, size):
    """Tenders closed with a submitted bid each (and another provider's
    draft bid), evaluated, awarded and contracted"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Evaluator = pool.get('commissioning.tender.evaluator')
    Response = pool.get('commissioning.bid.response')
    Score = pool.get('commissioning.score')
    records = published_tenders(people, size)
    bids = submitted_bids(people.provider, records)
    draft_bids(people.other_provider, records)
    pass_deadlines(records)
    yield Step("Close tenders", people.officer,
        partial(confirmed, 'close'), fresh(records))
    evaluators = assign_evaluator(people.evaluator, fresh(records))
    yield Step("Declare no conflict", people.evaluator,
        Evaluator.declare_no_conflict, fresh(evaluators))
    yield Step("Assess pass/fail answers", people.officer,
        lambda r: Response.write(r, {'assessment': 'passed'}),
        responses(bids, 'pass_fail'))
    yield Step("Start evaluation", people.officer,
        Tender.start_evaluation, fresh(records))
    scored = responses(bids, 'scored')
    by_tender = {e.tender.id: e.id for e in evaluators}
    yield Step("Enter scores", people.evaluator, Score.create, [{
                'response': r.id, 'evaluator': by_tender[r.bid.tender.id],
                'score': 4, 'justification': "Clear plans with children.",
                } for r in scored])
    yield Step("Moderate scores", people.officer,
        lambda r: Response.write(r, {
                'moderated_score': Decimal(4),
                'moderation_rationale': "Agreed at moderation.",
                }), fresh(scored))
    yield Step("Complete evaluation", people.officer,
        Tender.complete_evaluation, fresh(records))
    yield from award(people, records)


def award(people, records):
    "The award of the moderated tenders, and their contracts"
    Tender = Pool().get('commissioning.tender')
    yield Step("Recommend award", people.officer,
        Tender.recommend_award, fresh(records))
    yield Step("Reject award", people.finance,
        lambda r: Tender.reject_with(r, "Explain the choice."),
        fresh(records))
    with as_user(people.officer):
        Tender.recommend_award(fresh(records))
    yield Step("Approve award", people.finance,
        Tender.approve_award, fresh(records))
    end_standstill(records)
    yield Step("Create contracts", people.officer,
        Tender.create_contract, fresh(records))


def monitoring(people, size):
    """Contracts activated, their returns created, started, submitted,
    sent back, accepted and paid for: a contract per two records"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    contracts = [draft_contract(people.officer, people.provider_party)
        for _ in range(size // 2)]
    yield Step("Activate contracts", people.finance,
        Contract.activate, fresh(contracts))
    remove_returns(contracts)
    yield Step("Create due returns (scheduled)", None,
        lambda _: Return.create_due(), None)
    clear_overdue(contracts)
    yield Step("Flag overdue returns (scheduled)", None,
        lambda _: Return.flag_overdue(), None)
    yield Step("Start returns", people.provider, Return.create, [{
                'contract': p.contract.id, 'period': p.id,
                } for p in current_periods(contracts)])
    yield from review(people, ended_returns(contracts))


def review(people, returns):
    "The provider reports the returns, the officer reviews them"
    Return = Pool().get('commissioning.monitoring.return')
    for record in returns:
        # A KPI rated inadequate: finance confirms the payments
        fill_return(people.provider, record, {
                "Children diverted from formal processing": Decimal(50)})
    yield Step("Submit returns", people.provider, Return.submit,
        fresh(returns))
    with as_user(people.officer):
        Return.write(fresh(returns), {'review_comment': "Add the groups."})
    yield Step("Send back returns", people.officer, Return.send_back,
        fresh(returns))
    with as_user(people.provider):
        Return.submit(fresh(returns))
    yield Step("Accept returns", people.officer, Return.accept,
        fresh(returns))
    yield from payment(people, payments_of(fresh(returns)))


def payment(people, payments):
    "The officer requests the payments, finance approves and pays them"
    Payment = Pool().get('commissioning.contract.payment')
    yield Step("Request payments", people.officer, Payment.request,
        payments)
    yield Step("Approve payments: confirm inadequate ratings",
        people.finance, approve_warned, fresh(payments))
    yield Step("Approve payments", people.finance, Payment.approve,
        fresh(payments), {'_skip_warnings': True})
    yield Step("Mark payments paid", people.finance, Payment.pay,
        fresh(payments))


def contract_end(people, size):
    "The officer closes ended contracts and terminates others"
    Contract = Pool().get('commissioning.contract')
    contracts = active_contracts(people, 2 * size)
    ended, terminated = contracts[:size], contracts[size:]
    move(Contract, [c.id for c in ended],
        end_date=dt.date.today() - dt.timedelta(days=1))
    yield Step("Close contracts", people.officer, Contract.close,
        fresh(ended))
    with as_user(people.officer):
        Contract.write(fresh(terminated),
            {'termination_reason': "The service stopped."})
    yield Step("Terminate contracts", people.officer, Contract.terminate,
        fresh(terminated))


def signoffs(people, size):
    "Finance's sign-offs of a button, recorded together"
    Signoff = Pool().get('commissioning.signoff')
    records = pending_tenders(people, size)
    with as_user(people.finance):
        decisions = [Signoff.decide(t, 'tender_budget', 'approved',
                ["✓ The design is complete"], requested_by=t.requested_by)
            for t in records]
    yield Step("Record sign-offs", people.finance, Signoff.record, decisions)


SCENARIOS = [
    tender_design, tender_rejection, tender_cancel, tender_close_overdue,
    bidding, evaluation, monitoring, contract_end, signoffs]


@pytest.mark.parametrize('scenario', SCENARIOS, ids=lambda s: s.__name__)
def test_flat(database, scenario):
    "Every step of the scenario takes the same queries on n and 10n records"
    small, large = (measure_scenario(database, scenario, size)
        for size in SIZES)
    assert [label for label, _ in small] == [label for label, _ in large]
    for (label, n), (_, ten_n) in zip(small, large):
        assert_flat(n.queries, ten_n.queries, label)


def test_enter_scores(in_evaluation):
    "An evaluator entering one score, then ten at once"
    from trytond.modules.childfirst_commissioning.tests.tools import (
        CF, DELIVERY, response_of)
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
        one = measure(Score.create, values[:1]).queries
        ten = measure(Score.create, values[1:11]).queries
    assert_flat(one, ten, "Enter scores")


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
