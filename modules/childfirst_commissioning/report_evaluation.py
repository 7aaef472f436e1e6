# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The evaluation report of a tender: criteria, scores, moderation, bids,
ranking and sign-offs."""
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from trytond.pool import Pool

from .report import (
    DASH, WIDTH, CommissioningReport, labels, message, rank_key,
    response_values, selection, table)
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
                ])
        story += cls.criteria_section(tender, lang)
        story += cls.scores_section(tender, bids, responses, lang)
        story += cls.moderation_section(tender, bids, responses, lang)
        story += cls.bids_section(tender, bids, lang)
        story += cls.ranking_section(bids, lang)
        story += cls.signoffs_section(tender, lang)
        return story

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
    def moderation_section(cls, tender, bids, responses, lang):
        "The scores agreed at moderation and why"
        rows = []
        for bid in bids:
            for criterion in tender.criteria:
                values = responses.get((bid.id, criterion.id))
                if not values or values['moderated'] is None:
                    continue
                rows.append([
                        bid.provider.rec_name, criterion.name,
                        cls.score(values['mean'], lang),
                        str(values['spread'])
                        if values['spread'] is not None else DASH,
                        cls.score(values['moderated'], lang),
                        values['rationale']])
        result = [message('moderation', 'heading')]
        if rows:
            result.append(table(
                    [labels('bid', 'criterion', 'mean', 'spread',
                            'moderated', 'rationale')],
                    rows,
                    [30 * mm, 36 * mm, 15 * mm, 16 * mm, 23 * mm,
                        WIDTH - 120 * mm],
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
