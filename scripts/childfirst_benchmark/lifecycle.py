# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The whole lifecycle of a tender at a number of bids, through the
module's models as the users drive it, each step the batch its user
works on:

the officer designs the tender and asks for approval, finance approves,
the officer publishes it and assigns three evaluators; the providers bid
(all but one through a user who acts for all their organisations, in one
batch, and the last one alone); the scheduled task closes the tender; the
evaluators declare their conflicts, the officer assesses the pass/fail
answers and starts the evaluation; each evaluator enters their scores at
once, the officer moderates the spread answers and completes the
evaluation, recommends the award, which finance approves; the officer
creates the contract and plans its payments, finance activates it, the
provider reports the returns of the periods that have ended, the officer
accepts them and requests the payments, which finance approves.

Only time is moved, in SQL and not counted: the deadline, the standstill
and the dates of the contract (a year back, so that returns are due)."""
import datetime as dt
import random
import sys
import time
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.childfirst_commissioning.tests.test_scale import (
    Measure, move, scenario_transaction)
from trytond.modules.childfirst_commissioning.tests.tools import (
    END, START, as_user, complete_collaboration, count_queries, fill_return,
    make_provider, make_tender, make_user)
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import COUNTED
from .database import fresh_database, seconds

# The scores evaluators give: mostly satisfactory to excellent
MARKS = [1, 2, 3, 3, 3, 4, 4, 4, 5, 5]


class Recorder:
    "The measures of the phases of a lifecycle, in order"

    def __init__(self):
        self.phases = []

    @contextmanager
    def phase(self, label):
        """Count the statements and the time of the phase label; the
        caches stay as the previous phases left them, as on a server"""
        with count_queries() as queries:
            start = time.perf_counter()
            yield
            elapsed = time.perf_counter() - start
        statements = [str(q) for q in queries]
        self.phases.append((label, Measure(
                    len([q for q in statements
                            if not q.startswith('INSERT INTO')]),
                    len(statements), elapsed)))


def pool_get(*names):
    "Return the models of the names"
    pool = Pool()
    return [pool.get(n) for n in names]


def users(staff, bids):
    """Return the users of the lifecycle: the officer and finance of staff
    (make_people of tests/test_scale.py), three evaluators, a user acting
    for the organisations of all the bids but one, and the provider of the
    last bid alone"""
    Party, User = pool_get('party.party', 'res.user')
    people = {
        'officer': staff.officer,
        'finance': staff.finance,
        'evaluators': [make_user('evaluator%s' % i,
                'group_commissioning_evaluator') for i in range(3)],
        }
    parties = Party.create([{'name': "Provider %05d" % i}
            for i in range(bids - 1)])
    people['bidders'] = make_user('bidders', 'group_commissioning_provider')
    User.write([people['bidders']], {
            'commissioning_parties': [('add', [p.id for p in parties])]})
    people['parties'] = parties
    people['alone_party'], people['alone'] = make_provider(
        "Provider alone", 'alone')
    return people


def lifecycle(staff, bids, seed=0):
    """Return [(phase, Measure)] of the lifecycle of a tender with bids
    bids, staff its officer and finance"""
    recorder = Recorder()
    people = users(staff, bids)
    rng = random.Random(seed)
    tender = design(recorder, people)
    bid_ids = bidding(recorder, people, tender, rng)
    evaluate(recorder, people, tender, bid_ids, rng)
    contract = award(recorder, people, tender)
    monitor(recorder, people, contract)
    return recorder.phases


def design(recorder, people):
    "The officer designs the tender, finance approves it, it is published"
    Tender, Evaluator = pool_get(
        'commissioning.tender', 'commissioning.tender.evaluator')
    with recorder.phase("Officer designs the tender, asks for approval"):
        with as_user(people['officer']):
            tender = make_tender()
            Tender.request_approval([tender])
    with recorder.phase("Finance approves the tender"):
        with as_user(people['finance']):
            Tender.approve([Tender(tender.id)])
    with recorder.phase("Officer publishes, assigns 3 evaluators"):
        with as_user(people['officer']):
            tender = Tender(tender.id)
            Tender.publish([tender])
            scored = [c.id for c in tender.criteria if c.method == 'scored']
            Evaluator.create([{
                        'tender': tender.id, 'user': u.id,
                        'role': 'children_panel' if i == 0 else 'specialist',
                        'criteria': [('add', scored)],
                        } for i, u in enumerate(people['evaluators'])])
    return Tender(tender.id)


def bid_batch(user, tender, parties, rng):
    """Create, answer, price, evidence and submit the bids of the parties
    on tender as user; return their ids"""
    Bid, Response, Collaboration = pool_get(
        'commissioning.bid', 'commissioning.bid.response',
        'commissioning.collaboration')
    with as_user(user):
        bids = Bid.create([{'tender': tender.id, 'provider': p.id}
                for p in parties])
        Response.write([r for b in bids for r in b.responses
                if r.criterion.method != 'price'],
            {'response': "How we work with children."})
        prices = {}
        for bid in bids:
            prices.setdefault(
                Decimal(rng.randrange(200, 250)) * 1000, []).append(bid)
        args = []
        for price, records in prices.items():
            args.extend([records, {'price': price}])
        Bid.write(*args)
        Collaboration.create([complete_collaboration(origin=str(b))
                for b in bids])
        with Transaction().set_context(_skip_warnings=True):
            Bid.submit(Bid.browse([b.id for b in bids]))
    return [b.id for b in bids]


def bidding(recorder, people, tender, rng):
    "The providers bid: all but one in a batch, the last one alone"
    Tender, = pool_get('commissioning.tender')
    ids = []
    if people['parties']:
        with recorder.phase("%s providers bid and submit (one batch)"
                % len(people['parties'])):
            ids += bid_batch(people['bidders'], tender, people['parties'],
                rng)
    with recorder.phase("One provider alone bids and submits"):
        ids += bid_batch(people['alone'], tender, [people['alone_party']],
            rng)
    move(Tender, [tender.id],
        submission_deadline=dt.datetime.now() - dt.timedelta(minutes=1))
    with recorder.phase("Scheduled task closes the tender"):
        Tender.close_overdue()
    return ids


def evaluate(recorder, people, tender, bid_ids, rng):
    """The evaluators declare, the officer assesses and starts, the
    evaluators score, the officer moderates and completes"""
    Tender, Evaluator, Response, Score, Configuration = pool_get(
        'commissioning.tender', 'commissioning.tender.evaluator',
        'commissioning.bid.response', 'commissioning.score',
        'commissioning.configuration')
    evaluators = Evaluator.search([('tender', '=', tender.id)],
        order=[('id', 'ASC')])
    with recorder.phase("3 evaluators declare no conflict"):
        for evaluator in evaluators:
            with as_user(evaluator.user):
                Evaluator.declare_no_conflict([Evaluator(evaluator.id)])
    with recorder.phase("Officer assesses the pass/fail answers, starts"):
        with as_user(people['officer']):
            answers = Response.search([
                    ('bid', 'in', bid_ids),
                    ('criterion.method', '=', 'pass_fail'),
                    ])
            # One bid in twenty fails
            failed = answers[::20]
            Response.write(
                [r for r in answers if r not in failed],
                {'assessment': 'passed'},
                failed, {'assessment': 'failed'})
            Tender.start_evaluation([Tender(tender.id)])
    scored = Response.search([
            ('bid', 'in', bid_ids), ('criterion.method', '=', 'scored')])
    with recorder.phase("3 evaluators enter their scores"):
        for evaluator in evaluators:
            with as_user(evaluator.user):
                Score.create([{
                            'response': r.id, 'evaluator': evaluator.id,
                            'score': rng.choice(MARKS),
                            'justification': "As the answer shows.",
                            } for r in scored])
    with recorder.phase("Officer moderates the spread answers, completes"):
        with as_user(people['officer']):
            moderate(scored, Configuration(1).moderation_spread)
            Tender.complete_evaluation([Tender(tender.id)])


def moderate(scored, spread):
    """Moderate the answers whose scores differ by spread or more to
    their rounded mean, as the officer reads them in the list"""
    Response, = pool_get('commissioning.bid.response')
    by_score = {}
    for response in Response.browse([r.id for r in scored]):
        if response.spread is not None and response.spread >= spread:
            by_score.setdefault(round(response.mean_score), []).append(
                response)
    args = []
    for value, records in by_score.items():
        args.extend([records, {
                    'moderated_score': Decimal(value),
                    'moderation_rationale': "Agreed at moderation.",
                    }])
    if args:
        Response.write(*args)


def award(recorder, people, tender):
    """The officer recommends the award, finance approves it, the officer
    creates the contract and plans its payments, finance activates it"""
    Tender, Contract, Payment = pool_get(
        'commissioning.tender', 'commissioning.contract',
        'commissioning.contract.payment')
    with recorder.phase("Officer recommends the award"):
        with as_user(people['officer']):
            Tender.recommend_award([Tender(tender.id)])
    with recorder.phase("Finance approves the award"):
        with as_user(people['finance']):
            Tender.approve_award([Tender(tender.id)])
    tender = Tender(tender.id)
    move(Tender, [tender.id], standstill_end=tender.award_date)
    with recorder.phase("Officer creates the contract"):
        with as_user(people['officer']):
            Tender.create_contract([Tender(tender.id)])
    contract, = Contract.search([('tender', '=', tender.id)])
    # The contract began a year ago
    move(Contract, [contract.id], start_date=START, end_date=END)
    with recorder.phase("Officer plans 4 payments"):
        with as_user(people['officer']):
            amount = Contract(contract.id).value / 4
            Payment.create([{
                        'contract': contract.id, 'amount': amount,
                        'planned_date': START + dt.timedelta(days=100 * i),
                        } for i in range(1, 5)])
    with recorder.phase("Finance activates the contract"):
        with as_user(people['finance']):
            Contract.activate([Contract(contract.id)])
    return Contract(contract.id)


def monitor(recorder, people, contract):
    """The provider reports the returns of the ended periods, the officer
    accepts them and requests the payments, finance approves them"""
    Return, Payment = pool_get(
        'commissioning.monitoring.return', 'commissioning.contract.payment')
    provider = (people['alone'] if contract.provider == people['alone_party']
        else people['bidders'])
    returns = Return.search([('contract', '=', contract.id)],
        order=[('id', 'ASC')])
    with recorder.phase("Provider reports %s returns" % len(returns)):
        for record in returns:
            fill_return(provider, record)
        with as_user(provider):
            Return.submit(Return.browse([r.id for r in returns]))
    with recorder.phase("Officer accepts them, requests the payments"):
        with as_user(people['officer']):
            Return.accept(Return.browse([r.id for r in returns]))
            payments = plan_payments(contract, returns)
            Payment.request(payments)
    with recorder.phase("Finance approves the payments"):
        with as_user(people['finance']):
            Payment.approve(Payment.browse([p.id for p in payments]))


def plan_payments(contract, returns):
    "Return the payments of the contract, each on a period of the returns"
    Payment, = pool_get('commissioning.contract.payment')
    periods = sorted((r.period for r in returns), key=lambda p: p.start_date)
    payments = sorted(contract.payments, key=lambda p: p.planned_date)
    args = []
    for payment, period in zip(payments, periods):
        args.extend([[payment], {'period': period.id}])
    Payment.write(*args)
    return Payment.browse([p.id for p, _ in zip(payments, periods)])


def measure_lifecycle(database, bids):
    "Return [(phase, Measure)] of the lifecycle at bids, rolled back"
    with scenario_transaction(database) as staff:
        with Transaction().set_context(_skip_warnings=True):
            return lifecycle(staff, bids)


def totals(phases):
    "Return the sums of the queries, statements and seconds of phases"
    return tuple(sum(m[i] for _, m in phases) for i in range(3))


def table(runs):
    """Return the phases of runs, {bids: phases}, side by side as an
    aligned table, with the totals"""
    sizes = list(runs)
    header = ["phase"]
    for size in sizes:
        header += ["queries %s" % size, "all %s" % size, "time %s" % size]
    labels = [label for label, _ in runs[sizes[0]]]
    rows = []
    for i, label in enumerate(labels):
        row = [label]
        for size in sizes:
            measure = runs[size][i][1]
            row += [str(measure.queries), str(measure.statements),
                seconds(measure.seconds)]
        rows.append(row)
    total = ["Total"]
    for size in sizes:
        queries, statements, elapsed = totals(runs[size])
        total += [str(queries), str(statements), seconds(elapsed)]
    cells = [header] + rows + [total]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = ["  ".join([c[0].ljust(widths[0])]
            + [v.rjust(w) for v, w in zip(c[1:], widths[1:])])
        for c in cells]
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([lines[0], rule] + lines[1:-1] + [rule, lines[-1]])


def run_lifecycle(bids_list=(10, 500)):
    """Print the lifecycle at each number of bids of bids_list, and the
    ratio of the queries of the largest to the smallest; return {bids:
    phases}"""
    database = fresh_database()
    runs = {bids: measure_lifecycle(database, bids) for bids in bids_list}
    # The batch of the providers names its size: one label for all runs
    for bids, phases in runs.items():
        runs[bids] = [(label if " providers bid" not in label
                else "Providers bid and submit (one batch)", measure)
            for label, measure in phases]
    print("Lifecycle of a tender at %s bids" % ", ".join(
            map(str, bids_list)))
    print(COUNTED + " 'all' counts every statement.")
    print(table(runs))
    small, large = min(bids_list), max(bids_list)
    ratio = totals(runs[large])[0] / totals(runs[small])[0]
    print("Queries at %s bids / at %s bids: %.2fx (at most 2x)" % (
            large, small, ratio))
    sys.stdout.flush()
    return runs
