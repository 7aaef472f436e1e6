# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The evaluation of the worked example: conflicts, independent scores,
moderation, eligibility and ranking"""
from decimal import Decimal

import pytest
from sql import Null

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, EVIDENCE, EvaluationError, LockedError, ScoreError,
    add_evaluators, as_user, assess, count_queries, declare, response_of,
    score, score_all)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction


# Start evaluation gate

def test_start_evaluation_gate(closed):
    "Starting lists every missing piece, then passes"
    Tender = Pool().get('commissioning.tender')
    tender, officer = closed.tender, closed.officer
    with as_user(officer), pytest.raises(EvaluationError) as info:
        Tender.start_evaluation([tender])
    message = info.value.message
    assert ('No evaluator is assigned to the criterion '
        '"Treating children as children"') in message
    assert ('The answer of Provider A to "%s" has not been '
        'assessed' % EVIDENCE) in message
    assert "No children's panel" in message
    evaluators, users = add_evaluators(tender, closed.criteria)
    with as_user(officer), pytest.raises(EvaluationError) as info:
        Tender.start_evaluation([Tender(tender.id)])
    assert "Panel has not declared" in info.value.message
    assert "No evaluator is assigned" not in info.value.message
    declare(evaluators, users, closed.bids)
    assess(officer, closed.bids, closed.criteria)
    with as_user(officer):
        Tender.start_evaluation([Tender(tender.id)])
    assert Tender(tender.id).state == 'evaluation'


def test_children_panel_optional(assigned):
    "The children's panel rule follows the configuration"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Configuration = pool.get('commissioning.configuration')
    Evaluator = pool.get('commissioning.tender.evaluator')
    ex = assigned
    Evaluator.write([ex.evaluators['panel']], {'role': 'specialist'})
    declare(ex.evaluators, ex.users, ex.bids)
    assess(ex.officer, ex.bids, ex.criteria)
    with as_user(ex.officer), pytest.raises(EvaluationError) as info:
        Tender.start_evaluation([Tender(ex.tender.id)])
    assert "No children's panel" in info.value.message
    config = Configuration(1)
    config.require_children_panel = False
    config.save()
    with as_user(ex.officer):
        Tender.start_evaluation([Tender(ex.tender.id)])


# Conflicts and scores

def test_declarations(assigned):
    "Only evaluators declare their own conflicts, with the bids named"
    Evaluator = Pool().get('commissioning.tender.evaluator')
    evaluators = assigned.evaluators
    with as_user(assigned.users['panel']):
        with pytest.raises(AccessError):
            Evaluator.declare_no_conflict([evaluators['specialist']])
        with pytest.raises(ScoreError) as info:
            Evaluator.declare_conflict([evaluators['panel']])
        assert "list the bids" in info.value.message
    assert Evaluator(evaluators['specialist'].id).conflict_state == 'pending'


def test_assignment_officers_only(assigned):
    "Evaluators cannot assign themselves criteria or change their role"
    pool = Pool()
    Evaluator = pool.get('commissioning.tender.evaluator')
    EvaluatorCriterion = pool.get('commissioning.tender.evaluator-criterion')
    criteria, users = assigned.criteria, assigned.users
    panel = assigned.evaluators['panel']
    attacks = [
        {'criteria': [('add', [criteria[DELIVERY].id])]},
        {'role': 'specialist'},
        {'user': users['specialist'].id},
        ]
    with as_user(users['panel']):
        for values in attacks:
            with pytest.raises(AccessError):
                Evaluator.write([panel], values)
        with pytest.raises(AccessError):
            EvaluatorCriterion.create([{
                        'evaluator': panel.id,
                        'criterion': criteria[DELIVERY].id}])
        # Their own declaration is theirs
        Evaluator.write([panel], {'conflict_note': "None."})
    panel = Evaluator(panel.id)
    assert panel.role == 'children_panel'
    assert criteria[DELIVERY] not in panel.criteria
    with as_user(assigned.officer):
        Evaluator.write([panel], {
                'criteria': [('add', [criteria[DELIVERY].id])]})


def test_score_refusals(in_evaluation):
    "Bad scores are refused with a clear message"
    ex = in_evaluation
    panel, bids, criteria = ex.users['panel'], ex.bids, ex.criteria
    for value, name in [(-1, CF[0]), (6, CF[1])]:
        with pytest.raises(ScoreError) as info:
            score(ex.users['specialist'], ex.evaluators['specialist'],
                bids['A'], criteria[name], value)
        assert "from 0 to 5" in info.value.message
    with pytest.raises(ScoreError) as info:
        score(ex.users['finance_lead'], ex.evaluators['finance_lead'],
            bids['C'], criteria[DELIVERY], 3)
    assert "conflict of interest" in info.value.message
    with pytest.raises(ScoreError) as info:
        score(panel, ex.evaluators['panel'], bids['A'],
            criteria[DELIVERY], 3)
    assert "not assigned" in info.value.message
    with pytest.raises(AccessError) as info:
        score(panel, ex.evaluators['specialist'], bids['A'],
            criteria[CF[2]], 3)
    assert "Own scores" in info.value.message


def test_justification_required(in_evaluation):
    "A score needs a justification"
    Score = Pool().get('commissioning.score')
    ex = in_evaluation
    with as_user(ex.users['specialist']), pytest.raises(Exception):
        Score.create([{
                    'response': response_of(
                        ex.bids['A'], ex.criteria[CF[0]]).id,
                    'evaluator': ex.evaluators['specialist'].id,
                    'score': 3,
                    'justification': "   ",
                    }])


def test_scores_locked_outside_evaluation(assigned):
    "No score before evaluation starts"
    ex = assigned
    declare(ex.evaluators, ex.users, ex.bids)
    with pytest.raises(LockedError):
        score(ex.users['specialist'], ex.evaluators['specialist'],
            ex.bids['A'], ex.criteria[CF[0]], 3)


def test_independent_scores(in_evaluation):
    "Evaluators see only their own scores until evaluation completes"
    pool = Pool()
    Score = pool.get('commissioning.score')
    Response = pool.get('commissioning.bid.response')
    ex = in_evaluation
    mine = score(ex.users['specialist'], ex.evaluators['specialist'],
        ex.bids['A'], ex.criteria[CF[0]], 4)
    theirs = score(ex.users['panel'], ex.evaluators['panel'],
        ex.bids['A'], ex.criteria[CF[0]], 2)
    response = response_of(ex.bids['A'], ex.criteria[CF[0]])
    aggregates = ['mean_score', 'spread', 'final_score', 'weighted_score']
    with as_user(ex.users['specialist']):
        assert Score.search([]) == [mine]
        with pytest.raises(AccessError):
            Score.read([theirs.id], ['score'])
        with pytest.raises(AccessError):
            Score.export_data([theirs], ['score'])
        # Nor through what is computed from every score
        values, = Response.read([response.id], aggregates)
        assert [values[n] for n in aggregates] == [None] * 4
        # Nor through where the officers moderated
        with pytest.raises(AccessError):
            Response.read([response.id], ['moderated_score'])
        assert_counts_own_score(response, 4)
        # An export lists the scores it may read, as a read does
        assert Response.export_data([response], ['scores/score']) == [[4]]
        assert Score.export_data(
            [mine], ['response/rec_name', 'score']) == [
            [response.rec_name, 4]]
    assert_answers_of_own_criteria(ex)
    with as_user(ex.officer):
        assert len(Score.search([])) == 2
        values, = Response.read([response.id], aggregates)
        assert values['mean_score'] == Decimal(3)
        assert values['spread'] == 2


def assert_counts_own_score(response, own):
    "Assert counting by score value finds only the user's own score"
    pool = Pool()
    Score = pool.get('commissioning.score')
    Response = pool.get('commissioning.bid.response')
    for value in range(6):
        assert Response.search_count([
                ('id', '=', response.id),
                ('scores.score', '=', value),
                ]) == (1 if value == own else 0), value
        assert Score.search_count([
                ('response', '=', response.id),
                ('score', '=', value),
                ]) == (1 if value == own else 0), value


def assert_answers_of_own_criteria(ex):
    """Assert the evaluators find the answers to their criteria only, and
    not the price"""
    pool = Pool()
    Response = pool.get('commissioning.bid.response')
    Bid = pool.get('commissioning.bid')
    tender, criteria = ex.tender, ex.criteria
    with as_user(ex.users['specialist']):
        assert Response.search_count([
                ('bid.tender', '=', tender.id),
                ('criterion', 'not in', [
                        criteria[n].id for n in CF + [DELIVERY]]),
                ]) == 0
        with pytest.raises(AccessError):
            Bid.read([ex.bids['A'].id], ['price'])
    with as_user(ex.users['panel']):
        assert Response.search_count([
                ('bid.tender', '=', tender.id),
                ('criterion', '=', criteria[DELIVERY].id),
                ]) == 0


# Scoring from the evaluator's own assignments

def test_assignments_listed(in_evaluation):
    """Each evaluator lists the answers they are to score, with provider,
    bid and criterion, and none they declared a conflict with"""
    Assignment = Pool().get('commissioning.evaluation.assignment')
    ex = in_evaluation
    expected = {'specialist': 15, 'panel': 12, 'finance_lead': 2}
    for key, count in expected.items():
        with as_user(ex.users[key]):
            assignments = Assignment.search([])
            assert len(assignments) == count, key
            assert Assignment.search_count(
                [('state', '=', 'to_score')]) == count
            assert {a.evaluator for a in assignments} == {
                ex.evaluators[key]}
            rows = Assignment.read([a.id for a in assignments], [
                    'provider.rec_name', 'bid.rec_name', 'criterion.rec_name',
                    'answer', 'rec_name'])
            assert all(r['provider.']['rec_name'] for r in rows)
    with as_user(ex.users['finance_lead']):
        assert ex.bids['C'] not in {
            a.bid for a in Assignment.search([])}
    with as_user(ex.officer):
        assert Assignment.search_count([]) == sum(expected.values())


def test_assignment_scored(in_evaluation):
    """The evaluator enters a score and its justification on an assignment:
    it is their own score, changed by entering again"""
    pool = Pool()
    Assignment = pool.get('commissioning.evaluation.assignment')
    Score = pool.get('commissioning.score')
    ex = in_evaluation
    with as_user(ex.users['panel']):
        assignment, = Assignment.search([
                ('bid', '=', ex.bids['A'].id),
                ('criterion', '=', ex.criteria[CF[0]].id),
                ])
        Assignment.write([assignment], {
                'score_value': 4, 'justification': "Children shaped it."})
        assignment, = Assignment.search([('state', '=', 'scored')])
        assert assignment.score_value == 4
        score_, = Score.search([])
        assert score_.evaluator == ex.evaluators['panel']
        assert score_.response == response_of(
            ex.bids['A'], ex.criteria[CF[0]])
        Assignment.write([assignment], {'score_value': 3})
        assert Score(score_.id).score == 3
        assert Assignment.search_count([('state', '=', 'to_score')]) == 11


def test_assignment_refusals(in_evaluation, provider):
    """An assignment needs both a score and a justification, takes nothing
    else, and is the evaluator's own"""
    Assignment = Pool().get('commissioning.evaluation.assignment')
    ex = in_evaluation
    with as_user(ex.users['panel']):
        assignment = Assignment.search([])[0]
        with pytest.raises(ScoreError) as info:
            Assignment.write([assignment], {'score_value': 4})
        assert "justification" in info.value.message
        assert assignment.rec_name in info.value.message
        with pytest.raises(AccessError):
            Assignment.write([assignment], {'evaluator': ex.evaluators[
                        'specialist'].id})
        assert Assignment.search_count([('state', '=', 'scored')]) == 0
        # The score's own checks apply (the request's transaction is then
        # rolled back)
        with pytest.raises(ScoreError) as info:
            Assignment.write([assignment], {
                    'score_value': 9, 'justification': "Too high."})
        assert "from 0 to 5" in info.value.message
    with as_user(ex.users['specialist']):
        # The panel's assignments are not the specialist's, whatever the
        # domain
        assert Assignment.search_count(
            [('user', '=', ex.users['panel'].id)]) == 0
        with pytest.raises(AccessError):
            Assignment.read([assignment.id], ['score_value'])
        with pytest.raises(AccessError):
            Assignment.write([Assignment(assignment.id)], {
                    'score_value': 4, 'justification': "Not mine."})
        # Nor is the sealed price found through the assignment's bid
        for price in [Decimal(1), Decimal(10 ** 9)]:
            with pytest.raises(AccessError):
                Assignment.search_count([('bid.price', '<', price)])
    with as_user(provider), pytest.raises(AccessError):
        Assignment.search([])
    with as_user(ex.officer), pytest.raises(AccessError):
        Assignment.write([Assignment(assignment.id)], {
                'score_value': 4, 'justification': "Not the officer's."})


def test_assignment_queries(in_evaluation):
    "The assignments are read together, whatever their number"
    pool = Pool()
    Assignment = pool.get('commissioning.evaluation.assignment')
    ex = in_evaluation
    names = list(Assignment.fields_view_get(view_type='tree')['fields'])
    counts = []
    with as_user(ex.users['specialist']):
        for limit in [1, 15]:
            ids = [a.id for a in Assignment.search([], limit=limit)]
            Transaction().cache.clear()
            with count_queries() as queries:
                Assignment.read(ids, names)
            counts.append(len(queries))
    assert counts[1] <= counts[0] + 1, counts


def test_scores_list_after_evaluation(moderated):
    """Once the evaluation completes, each evaluator's Scores list reads
    every score it shows, with its evaluator and answer"""
    Score = Pool().get('commissioning.score')
    ex = moderated
    for key in ['specialist', 'panel', 'finance_lead']:
        with as_user(ex.users[key]):
            names = list(Score.fields_view_get(view_type='tree')['fields'])
            scores = Score.search([])
            assert scores, key
            rows = Score.read([s.id for s in scores], names + [
                    'evaluator.rec_name', 'response.rec_name'])
            assert all(r['evaluator.']['rec_name'] for r in rows)
    with as_user(ex.users['panel']):
        # Only the scores of the criteria the panel evaluates
        assert not Score.search([
                ('response.criterion', '=', ex.criteria[DELIVERY].id)])


# Complete evaluation gate and ranking

def test_complete_evaluation_gate(in_evaluation):
    "Completing needs every score and the moderation of wide spreads"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Response = pool.get('commissioning.bid.response')
    Score = pool.get('commissioning.score')
    ex = in_evaluation
    score(ex.users['specialist'], ex.evaluators['specialist'],
        ex.bids['A'], ex.criteria[CF[0]], 4)
    with as_user(ex.officer), pytest.raises(EvaluationError) as info:
        Tender.complete_evaluation([ex.tender])
    assert ('Panel has not scored Provider A on '
        '"Treating children as children"') in info.value.message
    # An answer nobody has scored yet
    assert ('Panel has not scored Provider B on '
        '"Treating children as children"') in info.value.message
    assert ("Financelead has not scored Provider C"
        not in info.value.message)
    # Every score of the worked example but the one already given
    Score.delete(Score.search([]))
    score_all(ex.bids, ex.criteria, ex.evaluators, ex.users)
    with as_user(ex.officer), pytest.raises(EvaluationError) as info:
        Tender.complete_evaluation([Tender(ex.tender.id)])
    assert ('The scores of Provider B on "%s" differ by 2 '
        'points' % CF[0]) in info.value.message
    response = response_of(ex.bids['B'], ex.criteria[CF[0]])
    assert response.spread == 2
    assert response.mean_score == Decimal('4.00')
    with as_user(ex.officer):
        with pytest.raises(ValidationError):
            Response.write([response], {'moderated_score': 4})
        Response.write([response], {
                'moderated_score': 4,
                'moderation_rationale': "The panel's concern about "
                "response times was shared at moderation.",
                })
        Tender.complete_evaluation([Tender(ex.tender.id)])
    assert Tender(ex.tender.id).state == 'moderated'


def test_ranking(moderated):
    "The worked example: scores, eligibility, price score and rank"
    Bid = Pool().get('commissioning.bid')
    a, b, c = [Bid(moderated.bids[k].id) for k in 'ABC']
    # A: 4/5 of 50 Child First + 4/5 of 20 + price 30 (lowest)
    assert (a.child_first_score, a.price_score, a.total_score, a.rank) == (
        Decimal('40.00'), Decimal('30.00'), Decimal('86.00'), 2)
    # B: 12 + 15 + 10 + 10 Child First, 20, price 200/250 x 30
    assert (b.child_first_score, b.price_score, b.total_score, b.rank) == (
        Decimal('47.00'), Decimal('24.00'), Decimal('91.00'), 1)
    assert a.eligible and b.eligible
    assert not c.eligible
    assert c.rank is None
    assert 'Did not pass "%s"' % EVIDENCE in c.exclusion_reason
    assert Bid.search([('tender', '=', moderated.tender.id)],
        order=[('rank', 'ASC NULLS LAST')]) == [b, a, c]


def test_ranking_list(moderated):
    """The Bid Ranking lists the eligible bids first in rank order, then
    the ineligible ones with their reason, on every database"""
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    value, = ActWindow.read([ModelData.get_id(
                'childfirst_commissioning', 'act_bid_ranking')],
        ['pyson_domain', 'pyson_order'])
    domain = PYSONDecoder({}).decode(value['pyson_domain'])
    order = PYSONDecoder({}).decode(value['pyson_order'])
    with as_user(moderated.officer):
        bids = Bid.search(domain, order=order)
        names = Bid.fields_view_get(
            view_id=ModelData.get_id(
                'childfirst_commissioning', 'bid_view_list_ranking'),
            view_type='tree')['fields']
        rows = Bid.read([b.id for b in bids], list(names))
    assert bids == [moderated.bids[k] for k in 'BAC']
    rows = {r['id']: r for r in rows}
    assert [rows[b.id]['rank'] for b in bids] == [1, 2, None]
    assert rows[bids[-1].id]['exclusion_reason']


def test_ranking_queries(in_evaluation):
    "The ranking takes a fixed number of queries, whatever the bids"
    Tender = Pool().get('commissioning.tender')
    ex = in_evaluation
    score_all(ex.bids, ex.criteria, ex.evaluators, ex.users)
    with count_queries() as queries:
        ranking = Tender.compute_ranking([ex.tender])
    assert len(ranking) == 3
    # One query for the bids, one aggregating their scores and one for the
    # reasons of the bids that fail a criterion (Provider C)
    on_bids = [q for q in map(str, queries)
        if 'commissioning_bid' in q or 'commissioning_score' in q]
    assert len(on_bids) == 3
    assert len(queries) <= 10


def test_ineligible_reasons(in_evaluation):
    "Budget, minimum score and Child First threshold give reasons"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    ex = in_evaluation
    users, evaluators, bids = ex.users, ex.evaluators, ex.bids
    for key, value in {'A': 1, 'B': 5, 'C': 5}.items():
        for name in CF + [DELIVERY]:
            score(users['specialist'], evaluators['specialist'],
                bids[key], ex.criteria[name], value)
        for name in CF:
            score(users['panel'], evaluators['panel'],
                bids[key], ex.criteria[name], value)
        if key != 'C':
            score(users['finance_lead'], evaluators['finance_lead'],
                bids[key], ex.criteria[DELIVERY], value)
    ranking = Tender.compute_ranking([ex.tender])
    reasons = ranking[bids['A'].id]['exclusion_reason']
    assert "below its minimum of 2.00" in reasons
    assert ("20.00% of the Child First score, below the "
        "threshold of 50%") in reasons
    assert not ranking[bids['A'].id]['eligible']
    assert ranking[bids['B'].id]['eligible']
    # A price above the budget
    table = Bid.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.price], [Decimal(300001)],
            where=table.id == bids['B'].id))
    ranking = Tender.compute_ranking([ex.tender])
    assert "above the budget" in ranking[bids['B'].id]['exclusion_reason']


def test_unscored_response_below_minimum(in_evaluation):
    "A criterion nobody scored counts 0 and fails its minimum"
    Tender = Pool().get('commissioning.tender')
    ex = in_evaluation
    for name in CF[1:] + [DELIVERY]:
        score(ex.users['specialist'], ex.evaluators['specialist'],
            ex.bids['B'], ex.criteria[name], 5)
    ranking = Tender.compute_ranking([ex.tender])
    b = ranking[ex.bids['B'].id]
    assert not b['eligible']
    assert ('Scored 0.00 on "%s", below its minimum of 2.00'
        % CF[0]) in b['exclusion_reason']
    # Bids with no score at all fail every minimum
    assert ('Scored 0.00 on "%s"' % CF[0]
        in ranking[ex.bids['A'].id]['exclusion_reason'])


def test_store_ranking_statements(in_evaluation):
    """The ranking is stored in one UPDATE of the bids from a list of
    values, whatever the number of bids, with the write date and user, and
    kept in the bid history"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    ex = in_evaluation
    score_all(ex.bids, ex.criteria, ex.evaluators, ex.users)
    with count_queries() as queries:
        Tender.store_ranking([ex.tender])
    updates = [q for q in map(str, queries)
        if q.startswith('UPDATE "commissioning_bid"')]
    assert len(updates) == 1
    # A list of values; on PostgreSQL an array per column
    assert 'FROM (VALUES' in updates[0] or 'UNNEST(' in updates[0]
    b = Bid(ex.bids['B'].id)
    assert (b.rank, b.eligible) == (1, True)
    assert b.write_date and b.write_uid.id == Transaction().user
    history = Bid.__table_history__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*history.select(history.rank,
            where=(history.id == b.id) & (history.rank != Null)))
    assert [r for r, in cursor] == [1]
