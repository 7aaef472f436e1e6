# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The ranking of the submitted bids of tenders once their evaluation
completes: their scores, their eligibility with the reasons of the bids
that are not, and their rank.

A fixed number of queries whatever the number of bids, responses and
scores: the rows are read in SQL, scored and ordered in Python, and stored
on the bids in one write."""
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Avg, Count, Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Exists

from trytond.model import fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import CENT, last_nulls, numeric, quantize, to_decimal
from .gate import message

RANKING_FIELDS = [
    'eligible', 'exclusion_reason', 'child_first_score', 'price_score',
    'total_score', 'rank']


def store(tenders):
    """Store the ranking of the bids of the tenders on the bids, so that
    lists sort by it, with their history"""
    Bid = Pool().get('commissioning.bid')
    ranking = compute(tenders)
    if ranking:
        Bid.store_ranking(ranking)


def compute(tenders):
    """Return {bid id: values} with the scores, eligibility and rank of
    the submitted bids of the tenders"""
    if not tenders:
        return {}
    tender_ids = [t.id for t in tenders]
    bids = submitted_bids(tender_ids)
    if not bids:
        return {}
    criteria = tender_criteria(tender_ids)
    sums = score_sums(tender_ids)
    reasons = Reasons()
    failing = response_failures(
        tender_ids, below_candidates(bids, sums, criteria), reasons)
    budgets = {t.id: t.budget for t in tenders}
    score(bids, sums, criteria, failing, budgets, reasons)
    rank(bids, criteria)
    return {b['id']: ranking_values(b) for b in bids}


class Reasons:
    "Format the reasons of exclusion, translating each message once"

    def __init__(self):
        self.templates = {}

    def __call__(self, name, **values):
        if name not in self.templates:
            self.templates[name] = message(
                name, **{k: '{%s}' % k for k in values})
        return self.templates[name].format(**values)


# Reading

def tables():
    pool = Pool()
    return [pool.get(n).__table__() for n in [
            'commissioning.bid', 'commissioning.bid.response',
            'commissioning.tender.criterion', 'commissioning.score']]


def submitted_bids(tender_ids):
    """Return the submitted bids of the tenders as dicts, in the order of
    submission so that the position breaks the last ties"""
    bid, _, _, _ = tables()
    lot, _, _ = lot_tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*bid.select(
            bid.id, bid.tender, numeric(bid.price),
            where=bid.tender.in_(tender_ids) & (bid.state == 'submitted')
            # The bids for the lots of a tender are ranked per lot
            & ~Exists(lot.select(lot.id, where=lot.tender == bid.tender)),
            order_by=[bid.submitted_at.asc, bid.id.asc]))
    return [{'id': id_, 'tender': tender, 'price': to_decimal(price),
            'position': position, 'reasons': []}
        for position, (id_, tender, price) in enumerate(cursor)]


def tender_criteria(tender_ids):
    """Return per tender the number of scored criteria and the weights of
    the Child First and price criteria"""
    _, _, criterion, _ = tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*criterion.select(
            criterion.tender, criterion.tenet, criterion.method,
            criterion.weight, where=criterion.tender.in_(tender_ids)))
    result = defaultdict(lambda: {
            'scored': 0, 'tenet_weight': Decimal(0),
            'price_weight': Decimal(0)})
    for tender, tenet, method, weight in cursor:
        weight = Decimal(str(weight or 0))
        if method == 'scored':
            result[tender]['scored'] += 1
            if tenet:
                result[tender]['tenet_weight'] += weight
        elif method == 'price':
            result[tender]['price_weight'] += weight
    return result


def final_score(response, score, per_response=False):
    """Return the final score of a response: its moderated score, else the
    mean of its scores"""
    if per_response:
        mean = score.select(
            Avg(score.score), where=score.response == response.id)
        return Coalesce(numeric(response.moderated_score), mean, 0)
    return Coalesce(numeric(response.moderated_score), score.mean)


def score_sums(tender_ids):
    """Return {bid id: (points, Child First points, count below minimum,
    count of scored responses)} aggregated over the scored responses.

    A response without any score counts 0 and makes the count of scored
    responses of its bid fall short."""
    _, response, criterion, score = tables()
    means = tender_means(tender_ids)
    final = final_score(response, means)
    points = final * Coalesce(numeric(criterion.weight), 0)
    below = ((criterion.minimum_score != Null)
        & (final < numeric(criterion.minimum_score)))
    cursor = Transaction().connection.cursor()
    cursor.execute(*means.join(
            response, condition=means.response == response.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).select(
            response.bid, Sum(points),
            Sum(Case((criterion.tenet != Null, points), else_=0)),
            Sum(Case((below, 1), else_=0)), Count(response.id),
            where=criterion.tender.in_(tender_ids)
            & (criterion.method == 'scored'),
            group_by=response.bid))
    return {bid: tuple(values) for bid, *values in cursor}


def tender_means(tender_ids):
    """Return the query of the mean score of each scored answer of the
    tenders: the scores of other tenders are not read"""
    _, response, criterion, score = tables()
    return score.join(response, condition=score.response == response.id
        ).join(criterion, condition=response.criterion == criterion.id
        ).select(
        score.response.as_('response'), Avg(score.score).as_('mean'),
        where=criterion.tender.in_(tender_ids)
        & (criterion.method == 'scored'),
        group_by=score.response)


def below_candidates(bids, sums, criteria):
    """Return the ids of the bids that may score below a minimum: those
    that do, and those that lack a score"""
    return [b['id'] for b in bids
        if b['id'] not in sums or sums[b['id']][2]
        or sums[b['id']][3] < criteria[b['tender']]['scored']]


def response_failures(tender_ids, below, reasons):
    """Return {bid id: [reason]} for every pass/fail answer not passed and
    every score below its minimum of the bids below"""
    rows = failed_answers(tender_ids)
    if below:
        rows += scores_below(below)
    result = defaultdict(list)
    # In the order of the bids and of the criteria on the tender
    for bid, _, _, name, method, value, minimum in sorted(rows):
        if method == 'pass_fail':
            result[bid].append(reasons(
                    'msg_exclusion_pass_fail', criterion=name))
        else:
            result[bid].append(reasons(
                    'msg_exclusion_minimum', criterion=name,
                    score=quantize(value or 0), minimum=quantize(minimum)))
    return result


def failed_answers(tender_ids):
    """Return the rows of the pass/fail answers not passed, found from
    the criteria (an index on the answers' criterion)"""
    _, response, criterion, _ = tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*criterion.join(
            response, condition=response.criterion == criterion.id
            ).select(
            response.bid, last_nulls(criterion.sequence), criterion.id,
            criterion.name, criterion.method, Literal(None), Literal(None),
            where=criterion.tender.in_(tender_ids)
            & (criterion.method == 'pass_fail')
            & (Coalesce(response.passed, False) == Literal(False))))
    return list(cursor)


def scores_below(below):
    """Return the rows of the scores below their minimum of the bids
    below, found from the bids (an index on the answers' bid)"""
    _, response, criterion, score = tables()
    final = final_score(response, score, per_response=True)
    cursor = Transaction().connection.cursor()
    cursor.execute(*response.join(
            criterion, condition=response.criterion == criterion.id
            ).select(
            response.bid, last_nulls(criterion.sequence), criterion.id,
            criterion.name, criterion.method, final,
            numeric(criterion.minimum_score),
            where=fields.SQL_OPERATORS['in'](response.bid, below)
            & (criterion.method == 'scored')
            & (criterion.minimum_score != Null)
            & (final < numeric(criterion.minimum_score))))
    return list(cursor)


# Scoring and ordering

def score(bids, sums, criteria, failing, budgets, reasons):
    """Set the weighted and Child First scores and the reasons of
    exclusion of each bid"""
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    score_max = Decimal(config.score_max)
    threshold = Decimal(config.child_first_threshold)
    for bid in bids:
        points, child_first, _, _ = sums.get(bid['id'], (0, 0, 0, 0))
        bid['weighted'] = to_decimal(points) / score_max
        bid['child_first'] = to_decimal(child_first) / score_max
        bid['reasons'] = failing.get(bid['id'], [])
        budget = budgets[bid['tender']]
        if budget is not None and bid['price'] > budget:
            bid['reasons'].append(reasons('msg_exclusion_budget',
                    price=bid['price'], budget=budget))
        weight = criteria[bid['tender']]['tenet_weight']
        percentage = bid['child_first'] / weight * 100 if weight else 0
        if percentage < threshold:
            bid['reasons'].append(reasons('msg_exclusion_child_first',
                    percentage=quantize(percentage), threshold=threshold))


def price_scores(bids, criteria):
    """Set the price score and the total of each bid.

    The lowest eligible price gets the whole price weight; an ineligible
    bid cheaper than that gets no more than the whole weight."""
    lowest = {}
    for bid in bids:
        if not bid['reasons'] and bid['price'] > 0:
            tender = bid['tender']
            lowest[tender] = min(lowest.get(tender, bid['price']),
                bid['price'])
    for bid in bids:
        tender, price = bid['tender'], bid['price']
        bid['price_score'] = Decimal(0)
        if tender in lowest and price > 0:
            weight = criteria[tender]['price_weight']
            bid['price_score'] = min(lowest[tender] / price * weight, weight)
        bid['total'] = bid['weighted'] + bid['price_score']


def rank(bids, criteria):
    """Rank the eligible bids of each tender: the highest total first, then
    the highest Child First score, the lowest price, the first submitted"""
    price_scores(bids, criteria)
    eligible = sorted((b for b in bids if not b['reasons']),
        key=lambda b: (b['tender'], -b['total'], -b['child_first'],
            b['price'], b['position']))
    previous, position = None, 0
    for bid in eligible:
        position = position + 1 if bid['tender'] == previous else 1
        previous = bid['tender']
        bid['rank'] = position


def ranking_values(bid):
    "Return the values stored on the bid"
    return {
        'eligible': not bid['reasons'],
        'exclusion_reason': "\n".join(bid['reasons']) or None,
        'child_first_score': bid['child_first'].quantize(CENT),
        'price_score': bid['price_score'].quantize(CENT),
        'total_score': bid['total'].quantize(CENT),
        'rank': bid.get('rank'),
        }


# The ranking of each lot: the bids for the lot, judged on its criteria

def lot_tables():
    pool = Pool()
    return [pool.get(n).__table__() for n in [
            'commissioning.tender.lot',
            'commissioning.tender.lot-commissioning.tender.criterion',
            'commissioning.bid-commissioning.tender.lot']]


def store_lots(tenders):
    """Store the ranking of the bids for each lot of the tenders on the
    bids' lots"""
    BidLot = Pool().get('commissioning.bid-commissioning.tender.lot')
    ranking = compute_lots(tenders)
    if ranking:
        BidLot.store_ranking(ranking)


def compute_lots(tenders):
    """Return {bid lot id: values} with the scores, eligibility and rank of
    the submitted bids for each lot of the tenders: the same computation
    as a tender's, each lot in place of its tender, on the lot's criteria
    and budget"""
    lot, _, _ = lot_tables()
    if not tenders:
        return {}
    tender_ids = [t.id for t in tenders]
    cursor = Transaction().connection.cursor()
    cursor.execute(*lot.select(lot.id, numeric(lot.budget),
            where=lot.tender.in_(tender_ids)))
    budgets = {id_: to_decimal(budget) for id_, budget in cursor}
    if not budgets:
        return {}
    lot_ids = list(budgets)
    bids = lot_bids(lot_ids, budgets)
    if not bids:
        return {}
    criteria = lot_criteria(lot_ids)
    sums = lot_score_sums(tender_ids, lot_ids)
    reasons = Reasons()
    failing = lot_response_failures(lot_ids, reasons)
    score(bids, sums, criteria, failing, budgets, reasons)
    rank(bids, criteria)
    return {b['link']: ranking_values(b) for b in bids}


def lot_bids(lot_ids, budgets):
    """Return a dict per submitted bid and lot it is for, its 'tender' the
    lot: in the order of submission, with the share of its price the lot's
    budget takes among the budgets of the bid's lots"""
    bid, _, _, _ = tables()
    _, _, bid_lot = lot_tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*bid_lot.join(bid, condition=bid_lot.bid == bid.id
            ).select(
            bid_lot.id, bid.id, bid_lot.lot, numeric(bid.price),
            where=bid_lot.lot.in_(lot_ids) & (bid.state == 'submitted'),
            order_by=[bid.submitted_at.asc, bid.id.asc, bid_lot.lot.asc]))
    rows = list(cursor)
    totals = defaultdict(Decimal)
    for _, bid_id, lot_id, _ in rows:
        totals[bid_id] += budgets[lot_id]
    positions = {}
    result = []
    for link, bid_id, lot_id, price in rows:
        positions.setdefault(bid_id, len(positions))
        price = to_decimal(price)
        if totals[bid_id] > 0:
            price = (price * budgets[lot_id] / totals[bid_id]).quantize(CENT)
        result.append({
                'id': (bid_id, lot_id), 'link': link, 'tender': lot_id,
                'price': price, 'position': positions[bid_id],
                'reasons': []})
    return result


def lot_criteria(lot_ids):
    """Return per lot the number of scored criteria and the weights of
    the Child First and price criteria"""
    _, _, criterion, _ = tables()
    _, lot_criterion, _ = lot_tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*lot_criterion.join(
            criterion, condition=lot_criterion.criterion == criterion.id
            ).select(
            lot_criterion.lot, criterion.tenet, criterion.method,
            criterion.weight, where=lot_criterion.lot.in_(lot_ids)))
    result = defaultdict(lambda: {
            'scored': 0, 'tenet_weight': Decimal(0),
            'price_weight': Decimal(0)})
    for lot, tenet, method, weight in cursor:
        weight = Decimal(str(weight or 0))
        if method == 'scored':
            result[lot]['scored'] += 1
            if tenet:
                result[lot]['tenet_weight'] += weight
        elif method == 'price':
            result[lot]['price_weight'] += weight
    return result


def lot_score_sums(tender_ids, lot_ids):
    """Return {(bid id, lot id): (points, Child First points, count below
    minimum, count of scored responses)} over the answers of each bid to
    the scored criteria of each lot it is for"""
    _, response, criterion, _ = tables()
    _, lot_criterion, bid_lot = lot_tables()
    means = tender_means(tender_ids)
    final = final_score(response, means)
    points = final * Coalesce(numeric(criterion.weight), 0)
    below = ((criterion.minimum_score != Null)
        & (final < numeric(criterion.minimum_score)))
    cursor = Transaction().connection.cursor()
    cursor.execute(*means.join(
            response, condition=means.response == response.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).join(lot_criterion,
            condition=lot_criterion.criterion == criterion.id
            ).join(bid_lot,
            condition=(bid_lot.bid == response.bid)
            & (bid_lot.lot == lot_criterion.lot)
            ).select(
            response.bid, bid_lot.lot, Sum(points),
            Sum(Case((criterion.tenet != Null, points), else_=0)),
            Sum(Case((below, 1), else_=0)), Count(response.id),
            where=bid_lot.lot.in_(lot_ids)
            & (criterion.method == 'scored'),
            group_by=[response.bid, bid_lot.lot]))
    return {(bid, lot): tuple(values) for bid, lot, *values in cursor}


def lot_response_failures(lot_ids, reasons):
    """Return {(bid id, lot id): [reason]} for every pass/fail answer not
    passed and every score below its minimum, on the criteria of each lot
    of the bids"""
    _, response, criterion, score = tables()
    _, lot_criterion, bid_lot = lot_tables()
    final = final_score(response, score, per_response=True)
    failed = ((criterion.method == 'pass_fail')
        & (Coalesce(response.passed, False) == Literal(False)))
    below = ((criterion.method == 'scored')
        & (criterion.minimum_score != Null)
        & (final < numeric(criterion.minimum_score)))
    cursor = Transaction().connection.cursor()
    cursor.execute(*bid_lot.join(
            lot_criterion, condition=lot_criterion.lot == bid_lot.lot
            ).join(criterion,
            condition=lot_criterion.criterion == criterion.id
            ).join(response,
            condition=(response.bid == bid_lot.bid)
            & (response.criterion == criterion.id)
            ).select(
            response.bid, bid_lot.lot, last_nulls(criterion.sequence),
            criterion.id, criterion.name, criterion.method,
            Case((criterion.method == 'scored', final), else_=Null),
            numeric(criterion.minimum_score),
            where=bid_lot.lot.in_(lot_ids) & (failed | below)))
    result = defaultdict(list)
    for bid, lot, _, _, name, method, value, minimum in sorted(
            cursor, key=lambda r: r[:4]):
        if method == 'pass_fail':
            result[bid, lot].append(reasons(
                    'msg_exclusion_pass_fail', criterion=name))
        else:
            result[bid, lot].append(reasons(
                    'msg_exclusion_minimum', criterion=name,
                    score=quantize(value or 0), minimum=quantize(minimum)))
    return result
