# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The evaluation report of a tender: criteria, scores, moderation, bids,
ranking and sign-offs."""
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from trytond.pool import Pool

from .report import (
    DASH, WIDTH, CommissioningReport, facts, label, labels, message,
    rank_key, response_values, selection, table)
from .states import ASSESSED_STATES


class TenderEvaluationReport(CommissioningReport):
    "The evaluation of a tender: criteria, scores, moderation and ranking"
    __name__ = 'commissioning.tender.evaluation_report'

    @classmethod
    def browse_records(cls, ids):
        Tender = Pool().get('commissioning.tender')
        return Tender.browse(ids)

    @classmethod
    def tender(cls, record):
        return record

    @classmethod
    def story(cls, tender, action, lang):
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        bids = [b for b in tender.bids if b.state in ASSESSED_STATES]
        responses = response_values(bids)
        bids.sort(key=rank_key)
        winner = tender.winning_bid
        story = cls.heading(action, tender, [
                ('tender', tender.rec_name),
                ('organisation', tender.company.rec_name),
                ('state', selection(Tender, 'state')[tender.state]),
                ('budget', cls.amount(tender.budget, tender.currency, lang)),
                ('bids_assessed', str(len(bids))),
                ('winning_bid',
                    winner.provider.rec_name if winner else None),
                ('published_at',
                    cls.format_datetime_short(tender.published_at, lang)),
                ('deadline', cls.format_datetime_short(
                        tender.submission_deadline, lang)),
                ('closed_at',
                    cls.format_datetime_short(tender.closed_at, lang)),
                ('evaluation_started', cls.by_at(
                        tender.evaluation_started_by,
                        tender.evaluation_started_at, lang)),
                ('evaluation_completed', cls.by_at(
                        tender.evaluation_completed_by,
                        tender.evaluation_completed_at, lang)),
                ('award_recommended', cls.by_at(
                        tender.award_requested_by,
                        tender.award_requested_at, lang)),
                ('award_date', cls.format_date(tender.award_date, lang)),
                ('standstill_end',
                    cls.format_date(tender.standstill_end, lang)),
                ])
        story += cls.criteria_section(tender, lang)
        story += cls.questions_section(tender, lang)
        story += cls.evaluators_section(tender)
        story += cls.pass_fail_section(tender, bids, lang)
        story += cls.scores_section(tender, bids, responses, lang)
        story += cls.evaluator_scores_section(tender, bids)
        story += cls.moderation_section(tender, bids, lang)
        if tender.lots:
            story += cls.lots_section(tender, lang)
        else:
            story += cls.bids_section(tender, bids, lang)
            story += cls.ranking_section(bids, lang)
            story += cls.recommendation_section(
                tender, tender.winning_bid.rank if tender.winning_bid
                else None, lang)
        story += cls.signoffs_section(tender, lang)
        return story

    @classmethod
    def by_at(cls, user, when, lang):
        "Return who did a step and when, as a report shows it"
        if not user and not when:
            return None
        return label('by_at',
            user=user.rec_name if user else DASH,
            date=cls.format_datetime_short(when, lang) or DASH)

    @classmethod
    def pass_fail_section(cls, tender, bids, lang):
        "Each pass/fail answer: its assessment, who assessed it and when"
        Response = Pool().get('commissioning.bid.response')
        assessments = selection(Response, 'assessment')
        criteria = [c for c in tender.criteria if c.method == 'pass_fail']
        rows = []
        for bid in bids:
            for response in bid.responses:
                if response.criterion not in criteria:
                    continue
                rows.append([
                        response.criterion.name, bid.provider.rec_name,
                        assessments.get(response.assessment) or DASH,
                        cls.by_at(response.assessed_by, response.assessed_at,
                            lang)])
        result = [
            message('pass_fail', 'heading'),
            message('pass_fail_note', 'note'),
            ]
        if not rows:
            return result + [message('no_pass_fail')]
        result.append(table(
                [labels('criterion', 'bid', 'assessment', 'assessed_by')],
                rows, [52 * mm, 40 * mm, 24 * mm, WIDTH - 116 * mm]))
        return result

    @classmethod
    def recommendation_section(cls, record, rank, lang, heading=True):
        """The bid recommended for the tender or the lot record (ranked
        rank), by whom, why, and finance's decision on it"""
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        decisions = selection(Signoff, 'decision')
        result = [message('recommendation', 'heading')] if heading else []
        winner = record.winning_bid
        if not winner:
            return result + [message('no_recommendation')]
        reason = record.award_reason
        if not reason and rank == 1:
            reason = label('recommended_top')
        pairs = [
            (label('recommended_bid'), label('recommended_rank',
                    bid=winner.provider.rec_name, rank=rank or DASH)),
            (label('recommended_by'), cls.by_at(
                    record.award_requested_by, record.award_requested_at,
                    lang)),
            (label('recommendation_reason'), reason),
            ]
        for signoff in sorted(
                (s for s in record.signoffs if s.gate == 'award'),
                key=lambda s: (s.decided_at, s.id)):
            pairs.append((label('finance_decision'), label(
                        'decision_by', decision=decisions[signoff.decision],
                        user=signoff.user.rec_name,
                        date=cls.format_datetime_short(
                            signoff.decided_at, lang),
                        comment=signoff.comment or '')))
        result.append(facts(pairs))
        return result

    @classmethod
    def questions_section(cls, tender, lang):
        """The clarification questions and their answers, as providers read
        them: without who asked"""
        Question = Pool().get('commissioning.tender.question')
        states = selection(Question, 'state')
        rows = [[
                q.question, q.answer or DASH, states[q.state],
                cls.format_datetime_short(q.published_at, lang)]
            for q in tender.questions]
        result = [
            message('questions', 'heading'),
            message('questions_note', 'note'),
            ]
        if not rows:
            result.append(message('no_questions'))
            return result
        result.append(table(
                [labels('question', 'answer', 'state', 'published_at')],
                rows, [60 * mm, 70 * mm, 20 * mm, WIDTH - 150 * mm]))
        return result

    @classmethod
    def criteria_section(cls, tender, lang):
        pool = Pool()
        Criterion = pool.get('commissioning.tender.criterion')
        tenets = selection(Criterion, 'tenet')
        methods = selection(Criterion, 'method')
        rows = []
        for criterion in tender.criteria:
            weighted = criterion.method != 'pass_fail'
            rows.append([
                    criterion.name,
                    tenets.get(criterion.tenet) or DASH,
                    methods[criterion.method],
                    cls.score(criterion.weight, lang) if weighted else DASH,
                    cls.score(criterion.minimum_score, lang)])
        return [
            message('criteria', 'heading'),
            table(
                [labels('criterion', 'child_first_tenet', 'method', 'weight',
                        'minimum_score')],
                rows,
                [62 * mm, 48 * mm, 22 * mm, 18 * mm, WIDTH - 150 * mm],
                numbers={3, 4}),
            ]

    @classmethod
    def evaluators_section(cls, tender):
        "Who evaluated, in which role, on which criteria, with what conflict"
        Evaluator = Pool().get('commissioning.tender.evaluator')
        roles = selection(Evaluator, 'role')
        rows = []
        for evaluator in tender.evaluators:
            if evaluator.conflict_state == 'declared':
                conflict = label('conflict_declared',
                    bids=", ".join(b.provider.rec_name
                        for b in evaluator.conflicted_bids),
                    note=evaluator.conflict_note or '')
            else:
                conflict = label('conflict_%s' % evaluator.conflict_state)
            rows.append([
                    evaluator.user.rec_name, roles[evaluator.role],
                    ", ".join(c.name for c in evaluator.criteria) or DASH,
                    conflict])
        result = [
            message('evaluators', 'heading'),
            message('evaluators_note', 'note'),
            ]
        if rows:
            result.append(table(
                    [labels('evaluator', 'role', 'assigned', 'conflicts')],
                    rows,
                    [36 * mm, 26 * mm, 56 * mm, WIDTH - 118 * mm]))
        return result

    @classmethod
    def evaluator_scores_section(cls, tender, bids):
        """Every score of every evaluator with its justification, by
        criterion and bid in the order of the ranking"""
        Score = Pool().get('commissioning.score')
        order = {b.id: i for i, b in enumerate(bids)}
        criteria = {c.id: i for i, c in enumerate(tender.criteria)}
        scores = Score.search([
                ('response.bid', 'in', list(order)),
                ]) if order else []
        scores.sort(key=lambda s: (
                criteria.get(s.response.criterion.id, 0),
                order[s.response.bid.id], s.evaluator.user.rec_name))
        result = [
            message('evaluator_scores', 'heading'),
            message('evaluator_scores_note', 'note'),
            ]
        if not scores:
            result.append(message('no_evaluator_scores'))
            return result
        rows = [[
                s.response.criterion.name, s.response.bid.provider.rec_name,
                s.evaluator.user.rec_name, str(s.score), s.justification]
            for s in scores]
        result.append(table(
                [labels('criterion', 'bid', 'evaluator', 'score',
                        'justification')],
                rows,
                [40 * mm, 32 * mm, 30 * mm, 13 * mm, WIDTH - 115 * mm],
                numbers={3}))
        return result

    @classmethod
    def scores_section(cls, tender, bids, responses, lang):
        "The final score of each bid on each scored criterion"
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        scored = [c for c in tender.criteria if c.method == 'scored']
        result = [
            message('scores', 'heading'),
            message('scores_note', 'note',
                score_max=Configuration(1).score_max),
            ]
        if bids and scored:
            rows = []
            for bid in bids:
                rows.append([bid.provider.rec_name] + [
                        cls.score(responses.get(
                                (bid.id, c.id), {}).get('final'), lang)
                        for c in scored])
            first = 44 * mm
            other = (WIDTH - first) / len(scored)
            result.append(table(
                    [labels('bid') + [c.name for c in scored]], rows,
                    [first] + [other] * len(scored),
                    numbers=set(range(1, len(scored) + 1))))
        return result

    @classmethod
    def moderation_section(cls, tender, bids, lang):
        "The scores agreed at moderation, who recorded them and why"
        rows = []
        for bid in bids:
            for response in bid.responses:
                if response.moderated_score is None:
                    continue
                rows.append([
                        bid.provider.rec_name, response.criterion.name,
                        cls.score(response.mean_score, lang),
                        str(response.spread)
                        if response.spread is not None else DASH,
                        cls.score(response.moderated_score, lang),
                        cls.by_at(response.moderated_by,
                            response.moderated_at, lang),
                        response.moderation_rationale])
        result = [message('moderation', 'heading')]
        if rows:
            result.append(table(
                    [labels('bid', 'criterion', 'mean', 'spread',
                            'moderated', 'moderated_by', 'rationale')],
                    rows,
                    [28 * mm, 30 * mm, 13 * mm, 14 * mm, 21 * mm, 28 * mm,
                        WIDTH - 134 * mm],
                    numbers={2, 3, 4}))
        else:
            result.append(message('no_moderation'))
        return result

    @classmethod
    def bids_section(cls, tender, bids, lang):
        "The scores, price, eligibility and rank of each bid"
        result = [message('bids', 'heading')]
        if not bids:
            return result
        rows = []
        for bid in bids:
            rows.append([
                    bid.provider.rec_name,
                    cls.amount(bid.price, tender.currency, lang),
                    cls.score(bid.child_first_score, lang),
                    cls.score(bid.price_score, lang),
                    cls.score(bid.total_score, lang),
                    str(bid.rank) if bid.rank else DASH,
                    cls.yes_no(bid.eligible)])
        result.append(table(
                [labels('bid', 'price', 'child_first', 'price_score',
                        'total', 'rank', 'eligible')],
                rows,
                [44 * mm, 30 * mm, 20 * mm, 21 * mm, 18 * mm, 13 * mm,
                    WIDTH - 146 * mm],
                numbers={1, 2, 3, 4, 5}))
        excluded = [
            [b.provider.rec_name, b.exclusion_reason]
            for b in bids if not b.eligible]
        if excluded:
            result.append(Spacer(0, 2 * mm))
            result.append(message('excluded'))
            result.append(table(
                    [labels('bid', 'reason')], excluded,
                    [44 * mm, WIDTH - 44 * mm]))
        return result

    @classmethod
    def ranking_section(cls, bids, lang):
        "The eligible bids in the order of their rank"
        rows = []
        for bid in bids:
            if bid.rank:
                rows.append([
                        str(bid.rank), bid.provider.rec_name,
                        cls.score(bid.total_score, lang),
                        cls.score(bid.child_first_score, lang),
                        cls.score(bid.price_score, lang)])
        result = [message('ranking', 'heading')]
        if rows:
            result.append(table(
                    [labels('rank', 'bid', 'total', 'child_first',
                            'price_score')],
                    rows,
                    [13 * mm, 71 * mm, 30 * mm, 30 * mm, WIDTH - 144 * mm],
                    numbers={0, 2, 3, 4}))
        else:
            result.append(message('no_ranking'))
        return [KeepTogether(result)]

    @classmethod
    def lots_section(cls, tender, lang):
        """Each lot of a tender in lots: its budget and criteria, the
        ranking of the bids for it with the reasons a bid is not eligible,
        the recommendation and finance's decision, the award and
        standstill"""
        pool = Pool()
        Lot = pool.get('commissioning.tender.lot')
        states = selection(Lot, 'state')
        result = [message('lots', 'heading'), message('lots_note', 'note')]
        for lot in tender.lots:
            links = sorted(lot.ranking, key=lambda x: (
                    x.rank is None, x.rank or 0, x.bid.provider.rec_name,
                    x.id))
            result.append(message('lot_heading', 'subheading',
                    lot=lot.rec_name))
            result.append(facts([
                        (label('state'), states[lot.state]),
                        (label('budget'), cls.amount(
                                lot.budget, tender.currency, lang)),
                        (label('lot_criteria'), ", ".join(
                                c.name for c in tender.criteria
                                if c in lot.criteria)),
                        (label('award_date'),
                            cls.format_date(lot.award_date, lang)),
                        (label('standstill_end'),
                            cls.format_date(lot.standstill_end, lang)),
                        ] + ([(label('lot_cancelled'), cls.by_at(
                                    lot.cancelled_by, lot.cancelled_at,
                                    lang)),
                            (label('reason'), lot.cancellation_reason)]
                        if lot.state == 'cancelled' else [])))
            result += cls.lot_ranking(lot, links, lang)
            winner = [x for x in links if x.bid == lot.winning_bid]
            result += cls.recommendation_section(
                lot, winner[0].rank if winner else None, lang,
                heading=False)
        return result

    @classmethod
    def lot_ranking(cls, lot, links, lang):
        "The bids for the lot in the order of their rank, and the excluded"
        currency = lot.tender.currency
        rows = [[
                str(x.rank) if x.rank else DASH, x.bid.provider.rec_name,
                cls.amount(lot.price_share(x.bid), currency, lang),
                cls.score(x.child_first_score, lang),
                cls.score(x.price_score, lang),
                cls.score(x.total_score, lang),
                cls.yes_no(x.eligible)]
            for x in links if x.bid.state in ASSESSED_STATES]
        if not rows:
            return [message('no_ranking')]
        result = [Spacer(0, 2 * mm), table(
                [labels('rank', 'bid', 'lot_price', 'child_first',
                        'price_score', 'total', 'eligible')],
                rows,
                [13 * mm, 48 * mm, 30 * mm, 20 * mm, 21 * mm, 18 * mm,
                    WIDTH - 150 * mm],
                numbers={0, 2, 3, 4, 5})]
        excluded = [[x.bid.provider.rec_name, x.exclusion_reason]
            for x in links
            if not x.eligible and x.bid.state in ASSESSED_STATES]
        if excluded:
            result += [Spacer(0, 2 * mm), message('excluded'), table(
                    [labels('bid', 'reason')], excluded,
                    [44 * mm, WIDTH - 44 * mm])]
        result.append(Spacer(0, 2 * mm))
        return result
