#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Measure Child First commissioning at scale, in one run.

1. Evaluation: for each size N, a tender with N submitted bids x 10
   criteria x 3 evaluators (every evaluator scores every scored criterion
   of every bid). The ranking, starting and completing the evaluation are
   timed against hand-written SQL over the same scores, taken in turn so
   that both meet the same load: the ranking and the start against one
   aggregate of the weighted totals, the completion against the same work
   hand-written (the answers lacking a score or moderation, one UPDATE of
   the bids from the aggregate, their history). Reading the list of 1,000
   bids through the ORM, access checks on, is timed against the same list
   without the evaluation columns.
2. Operations: the queries of every button, gate, transition and scheduled
   task on n and on 10n records (scripts/childfirst_benchmark).
3. Lifecycle: the queries of a tender from design to paid contract at a
   number of bids.

Query counts are stable on a noisy machine; times are not, so compare the
ratios of one run. The database is the one TRYTOND_DATABASE_URI names
(default: SQLite in memory).

    .venv/bin/python scripts/benchmark.py [--sizes 100 1000 5000]
        [--operations 10 100] [--bids 10 500]
        [--skip evaluation|operations|lifecycle]
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

from sql import Literal, Null  # noqa: E402
from sql.aggregate import Avg, Count, Max, Min, Sum  # noqa: E402
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
        # Scores as evaluators give them: mostly satisfactory to excellent,
        # the evaluators of an answer within a point of each other (wider
        # spreads are moderated before the evaluation completes)
        marks = [1, 2, 3, 3, 3, 4, 4, 4, 5, 5]
        rows = []
        for r in response_ids:
            mark = rng.choice(marks)
            rows.extend([r, e.id, min(mark + rng.randrange(2), 5),
                    "Justified", 0, now] for e in evaluators)
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


def score_tables():
    pool = Pool()
    return [pool.get(n).__table__() for n in [
            'commissioning.bid', 'commissioning.bid.response',
            'commissioning.tender.criterion', 'commissioning.score']]


def tender_scores(tender, columns):
    """Return the query of the columns(score table) of the scores of the
    tender grouped by answer, as a hand-written query reads them (not
    those of the other tenders)"""
    _, response, criterion, score = score_tables()
    return score.join(response, condition=score.response == response.id
        ).join(criterion, condition=response.criterion == criterion.id
        ).select(score.response.as_('response'), *columns(score),
        where=criterion.tender == tender.id, group_by=score.response)


def weighted_totals(tender):
    "Return the query of the weighted totals of the bids of the tender"
    _, response, criterion, _ = score_tables()
    means = tender_scores(tender, lambda s: [Avg(s.score).as_('mean')])
    return response.join(criterion,
        condition=response.criterion == criterion.id
        ).join(means, condition=means.response == response.id
        ).select(response.bid.as_('bid'),
            Sum(Coalesce(response.moderated_score, means.mean)
                * criterion.weight / Literal(5)).as_('total'),
            where=criterion.tender == tender.id,
            group_by=response.bid)


def hand_written_aggregate(tender):
    "The weighted totals of the bids in one SQL statement"
    cursor = Transaction().connection.cursor()
    cursor.execute(*weighted_totals(tender))
    return cursor.fetchall()


def hand_written_completion(tender, spread):
    """What completing the evaluation does, hand-written: one query for the
    answers that lack a score or need moderation, one UPDATE of the bids
    from the aggregate of their scores, and their history"""
    bid, response, criterion, _ = score_tables()
    Bid = Pool().get('commissioning.bid')
    cursor = Transaction().connection.cursor()
    stats = tender_scores(tender, lambda s: [Count(s.id).as_('count'),
            (Max(s.score) - Min(s.score)).as_('spread')])
    cursor.execute(*response.join(criterion,
            condition=response.criterion == criterion.id
            ).join(stats, condition=stats.response == response.id
            ).select(response.id,
            where=(criterion.tender == tender.id)
            & ((stats.count < 3) | ((response.moderated_score == Null)
                    & (stats.spread >= spread)))))
    failing = cursor.fetchall()
    totals = weighted_totals(tender)
    cursor.execute(*bid.update([bid.total_score], [totals.total],
            from_=[totals], where=bid.id == totals.bid))
    history = Bid.__table_history__()
    cursor.execute(*history.insert([history.id, history.total_score],
            bid.select(bid.id, bid.total_score,
                where=bid.tender == tender.id)))
    return failing


def compare(function, floor, repeat=7):
    """Return the best times of function and of floor over repeat calls
    taken in turn, so that both meet the same load"""
    best, best_floor = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        middle = time.perf_counter()
        floor()
        end = time.perf_counter()
        best = min(best or middle - start, middle - start)
        best_floor = min(best_floor or end - middle, end - middle)
    return best, best_floor


def set_state(tender, state):
    "Put the tender back in state, as the measured transition left it"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    transaction = Transaction()
    transaction.connection.cursor().execute(*table.update(
            [table.state], [state], where=table.id == tender.id))
    transaction.cache.clear()


def queries_of(function):
    "Return the number of SQL statements function executes"
    from trytond.modules.childfirst_commissioning.tests.tools import (
        count_queries)
    with count_queries() as queries:
        function()
    return len(queries)


def measure_evaluation(tender, company):
    """Measure ranking, starting and completing the evaluation of tender
    against hand-written SQL in the same run"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Configuration = pool.get('commissioning.configuration')
    spread = Configuration(1).moderation_spread
    transaction = Transaction()

    def ranking():
        return Tender.compute_ranking([tender])

    def aggregate():
        return hand_written_aggregate(tender)

    def start():
        set_state(tender, 'closed')
        with transaction.set_context(company=company.id):
            Tender.start_evaluation(Tender.browse([tender.id]))

    def complete():
        set_state(tender, 'evaluation')
        with transaction.set_context(company=company.id):
            Tender.complete_evaluation(Tender.browse([tender.id]))

    def completion_floor():
        return hand_written_completion(tender, spread)

    assert len(ranking()) == len(aggregate())
    result = {}
    for name, function, floor in [
            ('ranking', ranking, aggregate),
            ('start', start, aggregate),
            ('complete', complete, completion_floor),
            ]:
        result[name + '_queries'] = queries_of(function)
        result[name], result[name + '_floor'] = compare(function, floor)
    # Completing against the aggregate alone too
    _, result['complete_aggregate'] = compare(complete, aggregate)
    return result


def measure_list(tender, company, list_size=1000):
    """Measure reading the bid list with its evaluation columns against
    the same list without them and against plain SQL"""
    Bid = Pool().get('commissioning.bid')
    transaction = Transaction()
    bids = Bid.search([('tender', '=', tender.id)],
        order=[('rank', 'ASC NULLS LAST')], limit=list_size)
    ids = [b.id for b in bids]
    names = ['provider', 'price', 'total_score', 'rank', 'eligible', 'state']

    def orm_read(fields_):
        transaction.cache.clear()
        with transaction.set_context(_check_access=True,
                company=company.id):
            return Bid.read(ids, fields_ + ['provider.rec_name'])
    bid = Bid.__table__()
    cursor = transaction.connection.cursor()

    def sql_read():
        cursor.execute(*bid.select(bid.id, bid.provider, bid.price,
                bid.total_score, bid.rank, bid.eligible, bid.state,
                where=bid.id.in_(ids)))
        return cursor.fetchall()
    read_queries = queries_of(lambda: orm_read(names))
    read, plain = compare(lambda: orm_read(names),
        lambda: orm_read(['provider', 'state', 'submitted_at']))
    stored, _ = timed(sql_read)
    return {'list': len(ids), 'read': read, 'read_queries': read_queries,
        'plain': plain, 'stored': stored}


def measure(size):
    start = time.perf_counter()
    tender, company = build(size)
    result = {'size': size, 'built': time.perf_counter() - start}
    result.update(measure_evaluation(tender, company))
    result.update(measure_list(tender, company))
    return result


def print_evaluation(results):
    print("Evaluation against hand-written SQL in the same run (best of 7, "
        "taken in turn)")
    print("%6s | %9s %4s %6s | %9s %4s %6s | %9s %4s %9s %6s %6s" % (
            "bids", "ranking", "q", "/agg", "start", "q", "/agg",
            "complete", "q", "SQL same", "/same", "/agg"))
    for r in results:
        print("%6d | %8.3fs %4d %5.2fx | %8.3fs %4d %5.2fx | %8.3fs %4d "
            "%8.3fs %5.2fx %5.2fx" % (
                r['size'], r['ranking'], r['ranking_queries'],
                r['ranking'] / r['ranking_floor'],
                r['start'], r['start_queries'],
                r['start'] / r['start_floor'],
                r['complete'], r['complete_queries'], r['complete_floor'],
                r['complete'] / r['complete_floor'],
                r['complete'] / r['complete_aggregate']))
    print("agg: one SQL aggregate of the weighted totals; SQL same: the "
        "completion hand-written (one query for the answers lacking a "
        "score or moderation, one UPDATE of the bids from the aggregate)")
    print()
    print("Reading the bid list (ORM with access checks)")
    print("%6s %5s %9s %4s %9s %6s %9s" % (
            "bids", "list", "ORM read", "q", "no scores", "ratio",
            "SQL read"))
    for r in results:
        print("%6d %5d %8.3fs %4d %8.3fs %5.2fx %8.3fs" % (
                r['size'], r['list'], r['read'], r['read_queries'],
                r['plain'], r['read'] / r['plain'], r['stored']))


def run_evaluation(sizes):
    "Print the evaluation at each number of bids"
    results = []
    for size in sizes:
        drop_db()
        activate_module('childfirst_commissioning')
        with Transaction().start(DB_NAME, 0, readonly=False) as transaction:
            try:
                results.append(measure(size))
            finally:
                transaction.rollback()
    print_evaluation(results)
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+',
        default=[100, 1000, 5000], help="the bids of the evaluation")
    parser.add_argument('--operations', type=int, nargs=2,
        default=[10, 100], metavar=('N', 'TEN_N'),
        help="the two batch sizes of the operations")
    parser.add_argument('--bids', type=int, nargs='+', default=[10, 500],
        help="the bids of the lifecycle")
    parser.add_argument('--skip', action='append', default=[],
        choices=['evaluation', 'operations', 'lifecycle'])
    args = parser.parse_args()
    backend = os.environ['TRYTOND_DATABASE_URI'].split(':')[0]
    print("Database: %s" % backend)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from childfirst_benchmark import run_lifecycle, run_operations
    if 'evaluation' not in args.skip:
        run_evaluation(args.sizes)
        print()
    if 'operations' not in args.skip:
        run_operations(args.operations)
        print()
    if 'lifecycle' not in args.skip:
        run_lifecycle(args.bids)


if __name__ == '__main__':
    main()
