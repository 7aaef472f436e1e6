# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from sql import Null

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.childfirst_commissioning.exceptions import (
    EvaluationError, LockedError, ScoreError)
from trytond.modules.childfirst_commissioning.tests.test_bid import (
    set_deadline)
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, complete_collaboration, count_queries, make_user,
    publish_tender)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

CF = [
    "Treating children as children", "Building pro-social identity",
    "Collaborating with children", "Diverting from stigma"]
DELIVERY = "Service delivery and value"
EVIDENCE = "Evidence of collaboration with children"


class EvaluationTestCase(unittest.TestCase):
    "Test evaluation: conflicts, scores, moderation, ranking"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('childfirst_commissioning')

    def setup_closed(self):
        """Return a closed tender with three submitted bids (A, B, C),
        its officer and criteria by name"""
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Bid = pool.get('commissioning.bid')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Response = pool.get('commissioning.bid.response')
        Collaboration = pool.get('commissioning.collaboration')
        tender, officer, finance = publish_tender()
        bids = {}
        for key, price in [('A', 200000), ('B', 250000), ('C', 150000)]:
            party, = Party.create([{'name': "Provider %s" % key}])
            user = make_user('provider%s' % key.lower(),
                'group_commissioning_provider')
            User.write([user], {'commissioning_parties': [
                        ('add', [party.id])]})
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                for response in bid.responses:
                    Response.write([response], {'response': "Our answer."})
                Bid.write([bid], {'price': Decimal(price)})
                Collaboration.create(
                    [complete_collaboration(origin=str(bid))])
                Bid.submit([bid])
            bids[key] = Bid(bid.id)
        set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
        with as_user(officer):
            Tender.close([Tender(tender.id)])
        tender = Tender(tender.id)
        criteria = {c.name: c for c in tender.criteria}
        return tender, officer, bids, criteria

    def add_evaluators(self, tender, criteria):
        "Add a specialist, a children's panel and a conflicted evaluator"
        Evaluator = Pool().get('commissioning.tender.evaluator')
        users = {
            'specialist': make_user(
                'specialist', 'group_commissioning_evaluator'),
            'panel': make_user('panel', 'group_commissioning_evaluator'),
            'finance_lead': make_user(
                'financelead', 'group_commissioning_evaluator'),
            }
        specialist, panel, finance_lead = Evaluator.create([{
                    'tender': tender.id, 'user': users['specialist'].id,
                    'role': 'specialist',
                    'criteria': [('add', [
                                criteria[n].id for n in CF + [DELIVERY]])],
                    }, {
                    'tender': tender.id, 'user': users['panel'].id,
                    'role': 'children_panel',
                    'criteria': [('add', [criteria[n].id for n in CF])],
                    }, {
                    'tender': tender.id, 'user': users['finance_lead'].id,
                    'role': 'officer',
                    'criteria': [('add', [criteria[DELIVERY].id])],
                    }])
        return {'specialist': specialist, 'panel': panel,
            'finance_lead': finance_lead}, users

    def declare(self, evaluators, users, bids):
        Evaluator = Pool().get('commissioning.tender.evaluator')
        with as_user(users['specialist']):
            Evaluator.declare_no_conflict([evaluators['specialist']])
        with as_user(users['panel']):
            Evaluator.declare_no_conflict([evaluators['panel']])
        with as_user(users['finance_lead']):
            Evaluator.write([evaluators['finance_lead']], {
                    'conflicted_bids': [('add', [bids['C'].id])],
                    'conflict_note': "Trustee of Provider C.",
                    })
            Evaluator.declare_conflict([evaluators['finance_lead']])

    def assess(self, officer, bids, criteria, failing=('C',)):
        Response = Pool().get('commissioning.bid.response')
        with as_user(officer):
            for key, bid in bids.items():
                response, = [r for r in bid.responses
                    if r.criterion == criteria[EVIDENCE]]
                Response.write([response], {'passed': key not in failing})

    def response(self, bid, criterion):
        response, = [r for r in bid.responses if r.criterion == criterion]
        return response

    def score(self, user, evaluator, bid, criterion, score):
        Score = Pool().get('commissioning.score')
        with as_user(user):
            return Score.create([{
                        'response': self.response(bid, criterion).id,
                        'evaluator': evaluator.id,
                        'score': score,
                        'justification': "Scored %s because ..." % score,
                        }])[0]

    def start(self):
        "Return a tender in evaluation with its actors"
        Tender = Pool().get('commissioning.tender')
        tender, officer, bids, criteria = self.setup_closed()
        evaluators, users = self.add_evaluators(tender, criteria)
        self.declare(evaluators, users, bids)
        self.assess(officer, bids, criteria)
        with as_user(officer):
            Tender.start_evaluation([Tender(tender.id)])
        return Tender(tender.id), officer, bids, criteria, evaluators, users

    def score_all(self, bids, criteria, evaluators, users):
        "The scores of the worked example of the README"
        plan = {
            # bid: (specialist on all, panel on CF, finance lead delivery)
            'A': (4, {n: 4 for n in CF}, 4),
            'B': (5, {CF[0]: 3, CF[1]: 5, CF[2]: 5, CF[3]: 5}, 5),
            'C': (3, {n: 3 for n in CF}, None),
            }
        for key, (specialist, panel, lead) in plan.items():
            for name in CF + [DELIVERY]:
                self.score(users['specialist'], evaluators['specialist'],
                    bids[key], criteria[name], specialist)
            for name, value in panel.items():
                self.score(users['panel'], evaluators['panel'],
                    bids[key], criteria[name], value)
            if lead is not None:
                self.score(users['finance_lead'],
                    evaluators['finance_lead'], bids[key],
                    criteria[DELIVERY], lead)

    # Start evaluation gate

    @with_transaction()
    def test_start_evaluation_gate(self):
        "Starting lists every missing piece, then passes"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria = self.setup_closed()
            with as_user(officer):
                with self.assertRaises(EvaluationError) as cm:
                    Tender.start_evaluation([tender])
            message = cm.exception.message
            self.assertIn('No evaluator is assigned to the criterion '
                '"Treating children as children"', message)
            self.assertIn('The answer of Provider A to "%s" has not been '
                'assessed' % EVIDENCE, message)
            self.assertIn("No children's panel", message)
            evaluators, users = self.add_evaluators(tender, criteria)
            with as_user(officer):
                with self.assertRaises(EvaluationError) as cm:
                    Tender.start_evaluation([Tender(tender.id)])
            self.assertIn("Panel has not declared", cm.exception.message)
            self.assertNotIn("No evaluator is assigned", cm.exception.message)
            self.declare(evaluators, users, bids)
            self.assess(officer, bids, criteria)
            with as_user(officer):
                Tender.start_evaluation([Tender(tender.id)])
            self.assertEqual(Tender(tender.id).state, 'evaluation')

    @with_transaction()
    def test_children_panel_optional(self):
        "The children's panel rule follows the configuration"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Configuration = pool.get('commissioning.configuration')
        Evaluator = pool.get('commissioning.tender.evaluator')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria = self.setup_closed()
            evaluators, users = self.add_evaluators(tender, criteria)
            Evaluator.write([evaluators['panel']], {'role': 'specialist'})
            self.declare(evaluators, users, bids)
            self.assess(officer, bids, criteria)
            with as_user(officer):
                with self.assertRaises(EvaluationError) as cm:
                    Tender.start_evaluation([Tender(tender.id)])
            self.assertIn("No children's panel", cm.exception.message)
            config = Configuration(1)
            config.require_children_panel = False
            config.save()
            with as_user(officer):
                Tender.start_evaluation([Tender(tender.id)])

    # Conflicts and scores

    @with_transaction()
    def test_declarations(self):
        "Only evaluators declare their own conflicts, with the bids named"
        Evaluator = Pool().get('commissioning.tender.evaluator')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria = self.setup_closed()
            evaluators, users = self.add_evaluators(tender, criteria)
            with as_user(users['panel']):
                with self.assertRaises(AccessError):
                    Evaluator.declare_no_conflict(
                        [evaluators['specialist']])
                with self.assertRaises(ScoreError) as cm:
                    Evaluator.declare_conflict([evaluators['panel']])
                self.assertIn("list the bids", cm.exception.message)
            self.assertEqual(
                Evaluator(evaluators['specialist'].id).conflict_state,
                'pending')

    @with_transaction()
    def test_assignment_officers_only(self):
        "Evaluators cannot assign themselves criteria or change their role"
        pool = Pool()
        Evaluator = pool.get('commissioning.tender.evaluator')
        EvaluatorCriterion = pool.get(
            'commissioning.tender.evaluator-criterion')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria = self.setup_closed()
            evaluators, users = self.add_evaluators(tender, criteria)
            panel = evaluators['panel']
            attacks = [
                {'criteria': [('add', [criteria[DELIVERY].id])]},
                {'role': 'specialist'},
                {'user': users['specialist'].id},
                ]
            with as_user(users['panel']):
                for values in attacks:
                    with self.subTest(values=values):
                        with self.assertRaises(AccessError):
                            Evaluator.write([panel], values)
                with self.assertRaises(AccessError):
                    EvaluatorCriterion.create([{
                                'evaluator': panel.id,
                                'criterion': criteria[DELIVERY].id}])
                # Their own declaration is theirs
                Evaluator.write([panel], {'conflict_note': "None."})
            panel = Evaluator(panel.id)
            self.assertEqual(panel.role, 'children_panel')
            self.assertNotIn(criteria[DELIVERY], panel.criteria)
            with as_user(officer):
                Evaluator.write([panel], {
                        'criteria': [('add', [criteria[DELIVERY].id])]})

    @with_transaction()
    def test_score_refusals(self):
        "Bad scores are refused with a clear message"
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            specialist, panel = users['specialist'], users['panel']
            for value, name in [(-1, CF[0]), (6, CF[1])]:
                with self.assertRaises(ScoreError) as cm:
                    self.score(specialist, evaluators['specialist'],
                        bids['A'], criteria[name], value)
                self.assertIn("from 0 to 5", cm.exception.message)
            with self.assertRaises(ScoreError) as cm:
                self.score(users['finance_lead'],
                    evaluators['finance_lead'], bids['C'],
                    criteria[DELIVERY], 3)
            self.assertIn("conflict of interest", cm.exception.message)
            with self.assertRaises(ScoreError) as cm:
                self.score(panel, evaluators['panel'], bids['A'],
                    criteria[DELIVERY], 3)
            self.assertIn("not assigned", cm.exception.message)
            with self.assertRaises(AccessError) as cm:
                self.score(panel, evaluators['specialist'], bids['A'],
                    criteria[CF[2]], 3)
            self.assertIn("Own scores", cm.exception.message)

    @with_transaction()
    def test_justification_required(self):
        "A score needs a justification"
        Score = Pool().get('commissioning.score')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            with as_user(users['specialist']):
                with self.assertRaises(Exception):
                    Score.create([{
                                'response': self.response(
                                    bids['A'], criteria[CF[0]]).id,
                                'evaluator': evaluators['specialist'].id,
                                'score': 3,
                                'justification': "   ",
                                }])

    @with_transaction()
    def test_independent_scores(self):
        "Evaluators see only their own scores until evaluation completes"
        pool = Pool()
        Score = pool.get('commissioning.score')
        Response = pool.get('commissioning.bid.response')
        Bid = pool.get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            mine = self.score(users['specialist'], evaluators['specialist'],
                bids['A'], criteria[CF[0]], 4)
            theirs = self.score(users['panel'], evaluators['panel'],
                bids['A'], criteria[CF[0]], 2)
            response = self.response(bids['A'], criteria[CF[0]])
            aggregates = ['mean_score', 'spread', 'final_score',
                'weighted_score']
            with as_user(users['specialist']):
                self.assertEqual(Score.search([]), [mine])
                with self.assertRaises(AccessError):
                    Score.read([theirs.id], ['score'])
                with self.assertRaises(AccessError):
                    Score.export_data([theirs], ['score'])
                # Nor through what is computed from every score
                values, = Response.read([response.id], aggregates)
                self.assertEqual(
                    [values[n] for n in aggregates], [None] * 4)
                # Nor through where the officers moderated
                with self.assertRaises(AccessError):
                    Response.read([response.id], ['moderated_score'])
                # Nor by counting
                for value in range(6):
                    self.assertEqual(Response.search_count([
                                ('id', '=', response.id),
                                ('scores.score', '=', value),
                                ]), 1 if value == 4 else 0, value)
                    self.assertEqual(Score.search_count([
                                ('response', '=', response.id),
                                ('score', '=', value),
                                ]), 1 if value == 4 else 0, value)
                # An export lists the scores it may read, as a read does
                self.assertEqual(
                    Response.export_data([response], ['scores/score']),
                    [[4]])
                self.assertEqual(
                    Score.export_data([mine], ['response/rec_name', 'score']),
                    [[response.rec_name, 4]])
                # The answers of their criteria, without the price
                self.assertEqual(Response.search_count([
                            ('bid.tender', '=', tender.id),
                            ('criterion', 'not in', [
                                    criteria[n].id
                                    for n in CF + [DELIVERY]]),
                            ]), 0)
                with self.assertRaises(AccessError):
                    Bid.read([bids['A'].id], ['price'])
            with as_user(users['panel']):
                self.assertEqual(Response.search_count([
                            ('bid.tender', '=', tender.id),
                            ('criterion', '=', criteria[DELIVERY].id),
                            ]), 0)
            with as_user(officer):
                self.assertEqual(len(Score.search([])), 2)
                values, = Response.read([response.id], aggregates)
                self.assertEqual(values['mean_score'], Decimal(3))
                self.assertEqual(values['spread'], 2)

    # Complete evaluation gate and ranking

    @with_transaction()
    def test_complete_evaluation_gate(self):
        "Completing needs every score and the moderation of wide spreads"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Response = pool.get('commissioning.bid.response')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            self.score(users['specialist'], evaluators['specialist'],
                bids['A'], criteria[CF[0]], 4)
            with as_user(officer):
                with self.assertRaises(EvaluationError) as cm:
                    Tender.complete_evaluation([tender])
            self.assertIn('Panel has not scored Provider A on '
                '"Treating children as children"', cm.exception.message)
            self.assertNotIn("Financelead has not scored Provider C",
                cm.exception.message)
            self.score_all_but(bids, criteria, evaluators, users)
            with as_user(officer):
                with self.assertRaises(EvaluationError) as cm:
                    Tender.complete_evaluation([Tender(tender.id)])
            self.assertIn('The scores of Provider B on "%s" differ by 2 '
                'points' % CF[0], cm.exception.message)
            response = self.response(bids['B'], criteria[CF[0]])
            self.assertEqual(response.spread, 2)
            self.assertEqual(response.mean_score, Decimal('4.00'))
            with as_user(officer):
                with self.assertRaises(ValidationError):
                    Response.write([response], {'moderated_score': 4})
                Response.write([response], {
                        'moderated_score': 4,
                        'moderation_rationale': "The panel's concern about "
                        "response times was shared at moderation.",
                        })
                Tender.complete_evaluation([Tender(tender.id)])
            self.assertEqual(Tender(tender.id).state, 'moderated')

    def score_all_but(self, bids, criteria, evaluators, users):
        "Every score of the worked example but the one already given"
        Score = Pool().get('commissioning.score')
        Score.delete(Score.search([]))
        self.score_all(bids, criteria, evaluators, users)

    @with_transaction()
    def test_ranking(self):
        "The worked example: scores, eligibility, price score and rank"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            self.score_all(bids, criteria, evaluators, users)
            with as_user(officer):
                Response.write([self.response(bids['B'], criteria[CF[0]])], {
                        'moderated_score': 4,
                        'moderation_rationale': "Agreed at moderation.",
                        })
                Tender.complete_evaluation([tender])
            a, b, c = [Bid(bids[k].id) for k in 'ABC']
            # A: 4/5 of 50 Child First + 4/5 of 20 + price 30 (lowest)
            self.assertEqual(
                (a.child_first_score, a.price_score, a.total_score, a.rank),
                (Decimal('40.00'), Decimal('30.00'), Decimal('86.00'), 2))
            # B: 12 + 15 + 10 + 10 Child First, 20, price 200/250 x 30
            self.assertEqual(
                (b.child_first_score, b.price_score, b.total_score, b.rank),
                (Decimal('47.00'), Decimal('24.00'), Decimal('91.00'), 1))
            self.assertTrue(a.eligible and b.eligible)
            self.assertFalse(c.eligible)
            self.assertIsNone(c.rank)
            self.assertIn('Did not pass "%s"' % EVIDENCE, c.exclusion_reason)
            self.assertEqual(
                Bid.search([('tender', '=', tender.id)],
                    order=[('rank', 'ASC NULLS LAST')]), [b, a, c])

    @with_transaction()
    def test_ranking_queries(self):
        "The ranking takes a fixed number of queries, whatever the bids"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            self.score_all(bids, criteria, evaluators, users)
            with count_queries() as queries:
                ranking = Tender.compute_ranking([tender])
            self.assertEqual(len(ranking), 3)
            # One query for the bids, one aggregating their scores and one
            # for the reasons of the bids that fail a criterion (Provider C)
            on_bids = [q for q in map(str, queries)
                if 'commissioning_bid' in q or 'commissioning_score' in q]
            self.assertEqual(len(on_bids), 3)
            self.assertLessEqual(len(queries), 10)

    @with_transaction()
    def test_ineligible_reasons(self):
        "Budget, minimum score and Child First threshold give reasons"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Bid = pool.get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            plan = {'A': 1, 'B': 5, 'C': 5}
            for key, value in plan.items():
                for name in CF + [DELIVERY]:
                    self.score(users['specialist'], evaluators['specialist'],
                        bids[key], criteria[name], value)
                for name in CF:
                    self.score(users['panel'], evaluators['panel'],
                        bids[key], criteria[name], value)
                if key != 'C':
                    self.score(users['finance_lead'],
                        evaluators['finance_lead'], bids[key],
                        criteria[DELIVERY], value)
            ranking = Tender.compute_ranking([tender])
            reasons = ranking[bids['A'].id]['exclusion_reason']
            self.assertIn("below its minimum of 2.00", reasons)
            self.assertIn("20.00% of the Child First score, below the "
                "threshold of 50%", reasons)
            self.assertFalse(ranking[bids['A'].id]['eligible'])
            self.assertTrue(ranking[bids['B'].id]['eligible'])
            # A price above the budget
            table = Bid.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.price], [Decimal(300001)],
                    where=table.id == bids['B'].id))
            ranking = Tender.compute_ranking([tender])
            self.assertIn("above the budget",
                ranking[bids['B'].id]['exclusion_reason'])

    @with_transaction()
    def test_unscored_response_below_minimum(self):
        "A criterion nobody scored counts 0 and fails its minimum"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            for name in CF[1:] + [DELIVERY]:
                self.score(users['specialist'], evaluators['specialist'],
                    bids['B'], criteria[name], 5)
            ranking = Tender.compute_ranking([tender])
            b = ranking[bids['B'].id]
            self.assertFalse(b['eligible'])
            self.assertIn('Scored 0.00 on "%s", below its minimum of 2.00'
                % CF[0], b['exclusion_reason'])
            # Bids with no score at all fail every minimum
            self.assertIn('Scored 0.00 on "%s"' % CF[0],
                ranking[bids['A'].id]['exclusion_reason'])

    @with_transaction()
    def test_store_ranking_statements(self):
        "The ranking is stored in one UPDATE and kept in the bid history"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Bid = pool.get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            self.score_all(bids, criteria, evaluators, users)
            with count_queries() as queries:
                Tender.store_ranking([tender])
            updates = [q for q in map(str, queries)
                if q.startswith('UPDATE "commissioning_bid"')]
            self.assertEqual(len(updates), 1)
            b = Bid(bids['B'].id)
            self.assertEqual((b.rank, b.eligible), (1, True))
            history = Bid.__table_history__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*history.select(history.rank,
                    where=(history.id == b.id) & (history.rank != Null)))
            self.assertEqual([r for r, in cursor], [1])

    @with_transaction()
    def test_scores_locked_outside_evaluation(self):
        "No score before evaluation starts"
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria = self.setup_closed()
            evaluators, users = self.add_evaluators(tender, criteria)
            self.declare(evaluators, users, bids)
            with self.assertRaises(LockedError):
                self.score(users['specialist'], evaluators['specialist'],
                    bids['A'], criteria[CF[0]], 3)

    # Award

    def moderated(self):
        "Return a moderated tender of the worked example with its actors"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Response = pool.get('commissioning.bid.response')
        tender, officer, bids, criteria, evaluators, users = self.start()
        self.score_all(bids, criteria, evaluators, users)
        with as_user(officer):
            Response.write([self.response(bids['B'], criteria[CF[0]])], {
                    'moderated_score': 4,
                    'moderation_rationale': "Agreed at moderation.",
                    })
            Tender.complete_evaluation([tender])
        return Tender(tender.id), officer, bids

    @with_transaction()
    def test_award(self):
        "The top-ranked bid is recommended and finance approves it"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Bid = pool.get('commissioning.bid')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            finance = make_user('finance2', 'group_commissioning_finance')
            with as_user(officer):
                Tender.recommend_award([tender])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'award_pending')
            self.assertEqual(tender.winning_bid, bids['B'])
            with as_user(finance):
                Tender.approve_award([tender])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'awarded')
            self.assertEqual(tender.award_date, Date.today())
            working_days = sum(
                1 for i in range(1, (tender.standstill_end
                        - tender.award_date).days + 1)
                if (tender.award_date + dt.timedelta(i)).weekday() < 5)
            self.assertEqual(working_days, 8)
            self.assertLess(tender.standstill_end.weekday(), 5)
            self.assertFalse(tender.standstill_over())
            self.assertTrue(tender.standstill_over(
                    tender.standstill_end + dt.timedelta(days=1)))
            self.assertEqual(
                [Bid(bids[k].id).state for k in 'ABC'],
                ['unsuccessful', 'awarded', 'unsuccessful'])
            signoff = tender.signoffs[0]
            self.assertEqual((signoff.gate, signoff.decision),
                ('award', 'approved'))
            self.assertIn("Winning bid", signoff.checks)

    @with_transaction()
    def test_award_other_bid_needs_reason(self):
        "Recommending another bid than the top one needs a reason"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            with as_user(officer):
                Tender.write([tender], {'winning_bid': bids['A'].id})
                with self.assertRaises(Exception) as cm:
                    Tender.recommend_award([Tender(tender.id)])
                self.assertIn("not the top-ranked bid",
                    cm.exception.message)
                Tender.write([tender], {
                        'award_reason': "Provider B cannot start in time."})
                Tender.recommend_award([Tender(tender.id)])
            self.assertEqual(Tender(tender.id).winning_bid, bids['A'])
            with as_user(officer), self.assertRaises(Exception):
                Tender.write([tender], {'winning_bid': bids['C'].id})

    @with_transaction()
    def test_award_segregation(self):
        "The user who recommended the award cannot approve it"
        from trytond.modules.childfirst_commissioning.exceptions import (
            SegregationError)
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            User.write([officer], {'groups': [('add', [ModelData.get_id(
                                'childfirst_commissioning',
                                'group_commissioning_finance')])]})
            with as_user(officer):
                Tender.recommend_award([tender])
                with self.assertRaises(SegregationError):
                    Tender.approve_award([Tender(tender.id)])
            self.assertEqual(Tender(tender.id).state, 'award_pending')

    @with_transaction()
    def test_award_rejected(self):
        "Finance sends an award back to moderation with a comment"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            finance = make_user('finance2', 'group_commissioning_finance')
            with as_user(officer):
                Tender.recommend_award([tender])
            with as_user(finance):
                Tender.reject_with([Tender(tender.id)], "Check B's price.")
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'moderated')
            self.assertIsNone(tender.winning_bid)
            self.assertEqual(
                (tender.signoffs[0].gate, tender.signoffs[0].decision),
                ('award', 'rejected'))

    @with_transaction()
    def test_grant_no_standstill(self):
        "Grants have no standstill: the contract may follow the same day"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            table = Tender.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.kind], ['grant'],
                    where=table.id == tender.id))
            Transaction().cache.clear()
            finance = make_user('finance2', 'group_commissioning_finance')
            with as_user(officer):
                Tender.recommend_award([Tender(tender.id)])
            with as_user(finance):
                Tender.approve_award([Tender(tender.id)])
            tender = Tender(tender.id)
            self.assertEqual(tender.standstill_end, tender.award_date)
            self.assertTrue(tender.standstill_over())
