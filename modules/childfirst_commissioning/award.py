# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The award of a tender: the recommendation of the winning bid, its
approval by finance and the standstill before the contract."""
import datetime as dt

from sql import Column, Values

from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import ApprovalError
from .gate import check, check_gate, checklist_text, message

# The tenders whose winning bid is stored per statement: 2 parameters each
WINNING_CHUNK = 4000


def add_working_days(date, days):
    "Return the date days working days (Monday to Friday) after date"
    while days > 0:
        date += dt.timedelta(days=1)
        if date.weekday() < 5:
            days -= 1
    return date


def top_ranked_bid(tender):
    "Return the eligible bid of tender ranked first"
    return top_ranked_bids([tender])[tender.id]


def top_ranked_bids(tenders):
    """Return {tender id: the eligible bid ranked first, or None} of the
    tenders, in one search"""
    Bid = Pool().get('commissioning.bid')
    result = {t.id: None for t in tenders}
    if not tenders:
        return result
    for bid in Bid.search([
                ('tender', 'in', [t.id for t in tenders]),
                ('eligible', '=', True),
                ('rank', '!=', None),
                ], order=[('tender', 'ASC'), ('rank', 'ASC')]):
        if result[bid.tender.id] is None:
            result[bid.tender.id] = bid
    return result


def award_checks(tender, top):
    """Return the checks of the award of tender, top its top-ranked bid:
    the recommended bid is eligible, and any departure from the ranking is
    explained"""
    bid = tender.winning_bid or top
    if tender.lots:
        # Each lot is awarded on its own
        failures = [message('msg_award_lots')]
    elif not bid:
        failures = [message('msg_award_no_bid')]
    elif not bid.eligible:
        failures = [message('msg_award_ineligible',
                bid=bid.rec_name, reason=bid.exclusion_reason or '')]
    elif bid != top and not (tender.award_reason or '').strip():
        failures = [message('msg_award_reason',
                bid=bid.rec_name, top=top.rec_name if top else '')]
    else:
        failures = []
    return [check('msg_award_label', failures)]


def signoff_lines(tender, checks):
    "Return the lines finance signs off for the award of tender"
    bid = tender.winning_bid
    return checklist_text(checks).splitlines() + [
        message('msg_award_signoff_bid',
            bid=bid.rec_name, total=bid.total_score, rank=bid.rank or '—')]


def standstill_end(tender, date):
    """Return the end of the standstill of tender awarded on date: none for
    a grant"""
    Configuration = Pool().get('commissioning.configuration')
    days = 0 if tender.kind == 'grant' else Configuration(1).standstill_days
    return add_working_days(date, days)


def standstill_over(tender, date=None):
    "Whether the contract of tender may be created on date (by default today)"
    Date = Pool().get('ir.date')
    date = date or Date.today()
    if not tender.award_date:
        return False
    if tender.standstill_end == tender.award_date:
        return True
    return date > tender.standstill_end


def store_winning_bids(tenders, bids, Model=None):
    """Store bids, {tender id: bid id}, as the winning bids of the tenders
    (or of the records of Model, lots): one UPDATE from a list of values
    per WINNING_CHUNK tenders.

    The caller writes the tenders through the ORM afterwards, which stamps
    them, keeps their history and clears the cache."""
    Tender = Model or Pool().get('commissioning.tender')
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    ids = [t.id for t in tenders if t.id in bids]
    for sub_ids in grouped_slice(ids, WINNING_CHUNK):
        values = Values([[i, bids[i]] for i in sub_ids])
        cursor.execute(*table.update(
                [table.winning_bid], [Column(values, 'column2')],
                from_=[values],
                where=table.id == Column(values, 'column1')))


def award_values(tenders, date):
    """Return the arguments of the write that awards the tenders on date:
    the tenders grouped by the end of their standstill"""
    groups = {}
    for tender in tenders:
        groups.setdefault(standstill_end(tender, date), []).append(tender)
    args = []
    for end, records in groups.items():
        args.extend([records, {'award_date': date, 'standstill_end': end}])
    return args


def losing_bids(tender):
    "Return the other submitted bids of tender"
    return [b for b in tender.bids
        if b.state == 'submitted' and b != tender.winning_bid]


def standstill_checks(tender):
    "Return the checks of the contract creation: the standstill is over"
    if getattr(tender, 'lots', None):
        # Each lot has its own contract
        failures = [message('msg_contract_lots')]
    elif tender.standstill_over():
        failures = []
    else:
        failures = [message('msg_standstill', end=tender.standstill_end)]
    return [check('msg_standstill_label', failures)]


def check_reject_comment(comment):
    "Raise unless finance gives the comment of a rejection"
    failures = [] if comment and comment.strip() else [
        message('msg_reject_comment')]
    check_gate(ApprovalError, 'msg_reject_gate',
        [check('msg_reject_label_comment', failures)])


def reject(records, comment):
    """Record finance's rejection of the recommended award of the records
    (tenders or lots) with the comment, and clear the recommendation: the
    officer recommends again"""
    if not records:
        return
    Signoff = Pool().get('commissioning.signoff')
    Signoff.record([Signoff.decide(
                r, 'award', 'rejected',
                [r.winning_bid.rec_name if r.winning_bid else ''],
                requested_by=r.award_requested_by, comment=comment)
            for r in records])
    records[0].__class__.write(records, {
            'award_requested_by': None, 'award_requested_at': None,
            'winning_bid': None})
