#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Measure the ranking of bids and the reading of the bid list.

For each size N it builds, in a fresh database, a tender with N submitted
bids x 10 criteria x 3 evaluators (every evaluator scores every scored
criterion of every bid) and prints, measured in the same run:

- the ranking (Tender.compute_ranking): time and SQL queries, and the time
  of a hand-written SQL aggregate of the same scores;
- reading the list of 1,000 bids with total, rank and eligibility through
  the ORM (as the client does, access checks on): time and SQL queries,
  the time of reading the same list without the evaluation columns, and
  the time of reading the stored columns with plain SQL.

Query counts are stable on a noisy machine; times are not, so compare the
ratios of one run. The database is the one TRYTOND_DATABASE_URI names
(default: SQLite in memory).

    .venv/bin/python scripts/benchmark.py [--sizes 100 1000 5000]
"""
import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault('TRYTOND_DATABASE_URI', 'sqlite://')
if os.environ['TRYTOND_DATABASE_URI'].startswith('sqlite'):
    os.environ.setdefault('DB_NAME', ':memory:')
else:
    os.environ.pop('DB_NAME', None)

from sql import Literal  # noqa: E402
from sql.aggregate import Avg, Sum  # noqa: E402
from sql.conditionals import Coalesce  # noqa: E402

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, activate_module, drop_db)
from trytond.transaction import Transaction  # noqa: E402

EXTRA_CRITERIA = ["Mobilisation", "Workforce", "Partnerships"]


def timed(function, repeat=3):
    "Return the best time of repeat calls and the last result"
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def build(size):
    """Build a tender in evaluation with size bids and return it.

    The tender, its criteria and evaluators go through the ORM; the bulk of
    bids, responses and scores is inserted with SQL to keep the set-up
    short (it is not what is measured)."""
    pool = Pool()
    Company = pool.get('company.company')
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    User = pool.get('res.user')
    Tender = pool.get('commissioning.tender')
    Criterion = pool.get('commissioning.tender.criterion')
    Evaluator = pool.get('commissioning.tender.evaluator')
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Score = pool.get('commissioning.score')
    from trytond.modules.childfirst_commissioning.tests.tools import (
        complete_collaboration)
    transaction = Transaction()
    cursor = transaction.connection.cursor()

    currency, = Currency.create([{'name': "Pound", 'code': 'GBP',
                'symbol': "£"}])
    party, = Party.create([{'name': "Commissioner"}])
    company, = Company.create([{'party': party.id, 'currency': currency.id}])
    User.write([User(transaction.user)], {
            'companies': [('add', [company.id])], 'company': company.id})
    now = dt.datetime.now()
    with transaction.set_context(company=company.id):
        tender, = Tender.create([{
                    'name': "Benchmark tender", 'budget': Decimal(10 ** 7),
                    'submission_deadline': now + dt.timedelta(days=1),
                    'contract_start': (now + dt.timedelta(days=30)).date(),
                    'contract_end': (now + dt.timedelta(days=400)).date(),
                    'collaborations': [('create', [
                                complete_collaboration()])],
                    }])
        Tender.load_child_first_criteria([tender])
        delivery, = Criterion.search([
                ('tender', '=', tender.id),
                ('name', '=', "Service delivery and value")])
        Criterion.write([delivery], {'weight': Decimal(5)})
        Criterion.create([{
                    'tender': tender.id, 'name': name, 'method': 'scored',
                    'weight': Decimal(5)} for name in EXTRA_CRITERIA])
        tender = Tender(tender.id)
        assert len(tender.criteria) == 10
        # The officer requests approval and finance, another user,
        # approves: the gate refuses the same user, and a sign-off names
        # a real user (not root)
        officer, finance = User.create([{
                    'name': name, 'login': 'bench_%s' % name.lower(),
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    } for name in ["Officer", "Finance"]])
        with transaction.set_user(officer.id):
            Tender.request_approval([tender])
        with transaction.set_user(finance.id):
            Tender.approve([tender])
        with transaction.set_user(officer.id):
            Tender.publish([tender])
        scored = [c for c in tender.criteria if c.method == 'scored']
        users = User.create([{'name': "Evaluator %s" % i,
                    'login': 'bench%s' % i} for i in range(3)])
        evaluators = Evaluator.create([{
                    'tender': tender.id, 'user': u.id,
                    'role': 'children_panel' if i == 0 else 'specialist',
                    'criteria': [('add', [c.id for c in scored])],
                    'conflict_state': 'none',
                    } for i, u in enumerate(users)])

        providers = Party.create([{'name': "Provider %05d" % i}
                for i in range(size)])
        bid = Bid.__table__()
        response = Response.__table__()
        score = Score.__table__()
        rng = random.Random(size)
        for chunk in range(0, size, 500):
            rows = [[tender.id, company.id, p.id,
                    Decimal(rng.randrange(200000, 900000)), 'submitted',
                    now - dt.timedelta(seconds=i + chunk), 0, now]
                for i, p in enumerate(providers[chunk:chunk + 500])]
            cursor.execute(*bid.insert(
                    [bid.tender, bid.company, bid.provider, bid.price,
                        bid.state, bid.submitted_at, bid.create_uid,
                        bid.create_date], rows))
        cursor.execute(*bid.select(bid.id, where=bid.tender == tender.id))
        bid_ids = [i for i, in cursor]
        rows = []
        for bid_id in bid_ids:
            for criterion in tender.criteria:
                # Most bids pass; one in twenty fails the evidence
                passed = (rng.random() > 0.05
                    if criterion.method == 'pass_fail' else None)
                assessment = None
                if passed is not None:
                    assessment = 'passed' if passed else 'failed'
                rows.append([bid_id, criterion.id, "Answer", passed,
                        assessment, 0, now])
        for chunk in range(0, len(rows), 2000):
            cursor.execute(*response.insert(
                    [response.bid, response.criterion, response.response,
                        response.passed, response.assessment,
                        response.create_uid, response.create_date],
                    rows[chunk:chunk + 2000]))
        scored_ids = [c.id for c in scored]
        cursor.execute(*response.select(response.id,
                where=response.criterion.in_(scored_ids)))
        response_ids = [i for i, in cursor]
        # Scores as evaluators give them: mostly satisfactory to excellent
        marks = [1, 2, 3, 3, 3, 4, 4, 4, 5, 5]
        rows = [[r, e.id, rng.choice(marks), "Justified", 0, now]
            for r in response_ids for e in evaluators]
        for chunk in range(0, len(rows), 2000):
            cursor.execute(*score.insert(
                    [score.response, score.evaluator, score.score,
                        score.justification, score.create_uid,
                        score.create_date], rows[chunk:chunk + 2000]))
        table = Tender.__table__()
        cursor.execute(*table.update([table.state], ['evaluation'],
                where=table.id == tender.id))
    transaction.cache.clear()
    return Tender(tender.id), company


def hand_written_aggregate(tender):
    "The weighted totals of the bids in one SQL statement"
    pool = Pool()
    Response = pool.get('commissioning.bid.response')
    Criterion = pool.get('commissioning.tender.criterion')
    Score = pool.get('commissioning.score')
    response = Response.__table__()
    criterion = Criterion.__table__()
    score = Score.__table__()
    cursor = Transaction().connection.cursor()
    means = score.select(score.response.as_('response'),
        Avg(score.score).as_('mean'), group_by=score.response)
    query = response.join(criterion,
        condition=response.criterion == criterion.id
        ).join(means, condition=means.response == response.id
        ).select(response.bid,
            Sum(Coalesce(response.moderated_score, means.mean)
                * criterion.weight / Literal(5)),
            where=criterion.tender == tender.id,
            group_by=response.bid)
    cursor.execute(*query)
    return cursor.fetchall()


def measure(size, list_size=1000):
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    from trytond.modules.childfirst_commissioning.tests.tools import (
        count_queries)
    transaction = Transaction()
    start = time.perf_counter()
    tender, company = build(size)
    built = time.perf_counter() - start

    with count_queries() as queries:
        ranking_time, ranking = timed(
            lambda: Tender.compute_ranking([tender]))
    ranking_queries = len(queries) // 3
    aggregate_time, totals = timed(lambda: hand_written_aggregate(tender))
    assert len(ranking) == len(totals) == size
    Tender.store_ranking([tender])
    table = Tender.__table__()
    cursor = transaction.connection.cursor()
    cursor.execute(*table.update([table.state], ['moderated'],
            where=table.id == tender.id))
    transaction.cache.clear()

    bids = Bid.search([('tender', '=', tender.id)],
        order=[('rank', 'ASC NULLS LAST')], limit=list_size)
    ids = [b.id for b in bids]
    names = ['provider', 'price', 'total_score', 'rank', 'eligible', 'state']

    def orm_read():
        transaction.cache.clear()
        with transaction.set_context(_check_access=True,
                company=company.id):
            return Bid.read(ids, names + ['provider.rec_name'])
    with count_queries() as queries:
        read_time, rows = timed(orm_read)
    read_queries = len(queries) // 3

    def orm_read_plain():
        "The same list without the evaluation columns"
        transaction.cache.clear()
        with transaction.set_context(_check_access=True,
                company=company.id):
            return Bid.read(ids, ['provider', 'state', 'submitted_at',
                    'provider.rec_name'])
    plain_time, _ = timed(orm_read_plain)
    bid = Bid.__table__()

    def sql_read():
        cursor.execute(*bid.select(bid.id, bid.provider, bid.price,
                bid.total_score, bid.rank, bid.eligible, bid.state,
                where=bid.id.in_(ids)))
        return cursor.fetchall()
    stored_time, stored = timed(sql_read)
    assert len(rows) == len(stored) == len(ids)
    return {
        'size': size, 'built': built,
        'ranking': ranking_time, 'ranking_queries': ranking_queries,
        'aggregate': aggregate_time,
        'read': read_time, 'read_queries': read_queries,
        'stored': stored_time, 'list': len(ids), 'plain': plain_time,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+',
        default=[100, 1000, 5000])
    args = parser.parse_args()
    backend = os.environ['TRYTOND_DATABASE_URI'].split(':')[0]
    print("Database: %s" % backend)
    print("%6s %9s %7s %9s %6s | %5s %9s %7s %9s %6s %9s" % (
            "bids", "ranking", "queries", "SQL agg", "ratio",
            "list", "ORM read", "queries", "no scores", "ratio",
            "SQL read"))
    for size in args.sizes:
        drop_db()
        activate_module('childfirst_commissioning')
        with Transaction().start(DB_NAME, 0, readonly=False) as transaction:
            try:
                r = measure(size)
            finally:
                transaction.rollback()
        print("%6d %8.3fs %7d %8.3fs %5.2fx | %5d %8.3fs %7d %8.3fs "
            "%5.2fx %8.3fs" % (
                r['size'], r['ranking'], r['ranking_queries'],
                r['aggregate'], r['ranking'] / r['aggregate'],
                r['list'], r['read'], r['read_queries'], r['plain'],
                r['read'] / r['plain'], r['stored']))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
