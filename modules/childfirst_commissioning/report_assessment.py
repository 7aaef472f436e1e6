# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The assessment summary of a bid (Procurement Act 2023): its scores beside
those of the winning bid, criterion by criterion."""
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .bid import is_provider_user
from .gate import check
from .report import (
    DASH, HEADER_BACKGROUND, RULE_COLOR, WIDTH, CommissioningReport, label,
    labels, message, response_values, selection, table, text)
from .states import ASSESSED_STATES

# A bidder compares its bid with the others once the award is decided
BIDDER_STATES = {'awarded', 'contracted'}
# The context key of the lot a summary is for (the award of a lot)
LOT_KEY = 'assessment_summary_lot'


class Competition:
    """What the bids compete for: a tender, or a lot of a tender in lots.

    A bid's result (scores, rank, eligibility and its reason) is the bid's
    own for a tender, its ranking for the lot for a lot."""

    def __init__(self, tender, lot=None):
        self.tender = tender
        self.lot = lot
        if lot:
            self.results = {link.bid: link for link in lot.ranking}
            self.criteria = [c for c in tender.criteria if c in lot.criteria]
            self.name = label('tender_lot',
                tender=tender.rec_name, lot=lot.rec_name)
        else:
            self.results = {b: b for b in tender.bids}
            self.criteria = list(tender.criteria)
            self.name = tender.rec_name
        # The award of the lot or of the tender
        record = lot or tender
        self.winning_bid = record.winning_bid
        self.award_date = record.award_date
        self.standstill_end = record.standstill_end
        self.budget = record.budget

    def result(self, bid):
        return self.results[bid]

    def comparison(self):
        """Return the bid to compare with and whether it won: the winning
        bid, else the top-ranked bid, else None"""
        if self.winning_bid:
            return self.winning_bid, True
        ranked = sorted(
            (b for b, r in self.results.items()
                if r.rank and b.state in ASSESSED_STATES),
            key=lambda b: (self.results[b].rank, b.provider.rec_name, b.id))
        return (ranked[0] if ranked else None), False


class BidAssessmentSummary(CommissioningReport):
    """The assessment summary of a bid (Procurement Act 2023): its scores
    beside those of the winning bid, criterion by criterion"""
    __name__ = 'commissioning.bid.assessment_summary'

    @classmethod
    def browse_records(cls, ids):
        Bid = Pool().get('commissioning.bid')
        return Bid.browse(ids)

    @classmethod
    def tender(cls, record):
        return record.tender

    @classmethod
    def print_checks(cls, bids, action):
        """The evaluation is complete, the bidder waits for the award and
        the bid was assessed"""
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        states = selection(Bid, 'state')
        provider = is_provider_user()
        return super().print_checks(bids, action) + [
            check('msg_report_check_awarded', [
                    label('not_awarded', bid=b.rec_name) for b in bids
                    if provider and b.tender.state not in BIDDER_STATES]),
            check('msg_report_check_assessed', [
                    label('not_assessed', bid=b.rec_name,
                        state=states[b.state])
                    for b in bids if b.state not in ASSESSED_STATES]),
            ]

    @classmethod
    def introduction(cls, bid, other, winning):
        "Return the introduction, the bid compared or None"
        if other == bid:
            return ('summary_winner' if winning else 'summary_top'), None
        elif other is None:
            return 'summary_alone', None
        return ('summary_intro_winning' if winning
            else 'summary_intro_top'), other

    @classmethod
    def story(cls, bid, action, lang):
        """The assessment of the bid for its tender, or for each lot of a
        tender in lots it was for (the lot of the context only, at the
        award of a lot)"""
        tender = bid.tender
        if not tender.lots:
            return cls.assessment(bid, Competition(tender), action, lang)
        story = []
        for lot in cls.lots(bid):
            if story:
                story.append(PageBreak())
            story += cls.assessment(
                bid, Competition(tender, lot), action, lang)
        if not story:
            story = cls.heading(action, bid, [
                    ('tender', tender.rec_name),
                    ('provider', bid.provider.rec_name)])
            story.append(message('summary_no_lot', 'body'))
        return story

    @classmethod
    def lots(cls, bid):
        """Return the lots of the bid the summary is for: the lot of the
        context, else those the bidder may compare (awarded), else all"""
        lot_id = Transaction().context.get(LOT_KEY)
        lots = [lot for lot in bid.lots
            if lot_id is None or lot.id == lot_id]
        if is_provider_user():
            lots = [lot for lot in lots if lot.state in BIDDER_STATES]
        return lots

    @classmethod
    def assessment(cls, bid, competition, action, lang):
        "The assessment of the bid in the competition"
        tender = bid.tender
        result = competition.result(bid)
        other, winning = competition.comparison()
        intro, other = cls.introduction(bid, other, winning)
        # The bids compared, side by side
        columns = [(bid, result, label('this_bid'))]
        if other:
            columns.append((other, competition.result(other), label(
                        'winning_bid' if winning else 'top_ranked_bid')))
        pairs = [('tender', tender.rec_name)]
        if competition.lot:
            pairs.append(('lot', competition.lot.rec_name))
        pairs += [
            ('contracting_authority', tender.company.rec_name),
            ('provider', bid.provider.rec_name),
            ('submitted', cls.format_datetime_short(bid.submitted_at, lang)),
            ('price', cls.amount(bid.price, tender.currency, lang)),
            ]
        if competition.lot:
            pairs.append(('lot_price', cls.amount(
                        competition.lot.price_share(bid), tender.currency,
                        lang)))
        pairs += [
            ('eligible', cls.yes_no(result.eligible)),
            ('rank', str(result.rank) if result.rank else DASH),
            ('award_date', cls.format_date(competition.award_date, lang)),
            ('standstill_end',
                cls.format_date(competition.standstill_end, lang)),
            ]
        story = cls.heading(action, bid, pairs)
        story += [
            Spacer(0, 3 * mm),
            message(intro,
                provider=bid.provider.rec_name, tender=competition.name,
                other=other.provider.rec_name if other else ''),
            ]
        if competition.lot:
            story.append(message('summary_lot_price', 'note'))
        story += cls.criteria_section(competition, columns, lang)
        story += cls.reasons_section(competition, columns)
        story += cls.totals_section(columns, lang)
        story += cls.price_method(competition, lang)
        if competition.standstill_end:
            story.append(message('summary_standstill', 'body',
                    start=cls.format_date(competition.award_date, lang),
                    end=cls.format_date(competition.standstill_end, lang),
                    authority=tender.company.rec_name))
        if not result.eligible:
            story.append(message('summary_excluded', 'heading'))
            story.append(text(result.exclusion_reason, 'body'))
        return story

    @classmethod
    def cells(cls, bid, result, criterion, responses, lang):
        "Return the score and the weighted score of the bid on criterion"
        values = responses.get((bid.id, criterion.id), {})
        if criterion.method == 'pass_fail':
            return [label('pass' if values.get('passed') else 'fail'), DASH]
        elif criterion.method == 'price':
            return [DASH, cls.score(result.price_score, lang)]
        return [
            cls.score(values.get('final'), lang),
            cls.score(values.get('weighted'), lang)]

    @classmethod
    def criteria_rows(cls, competition, columns, lang):
        "Return a row per criterion and the row of the totals"
        pool = Pool()
        Criterion = pool.get('commissioning.tender.criterion')
        Bid = pool.get('commissioning.bid')
        methods = selection(Criterion, 'method')
        responses = response_values(Bid.browse([b for b, _, _ in columns]))
        rows = []
        total_weight = 0
        for criterion in competition.criteria:
            weighted = criterion.method != 'pass_fail'
            row = [
                criterion.name, methods[criterion.method],
                cls.score(criterion.weight, lang) if weighted else DASH]
            for bid, result, _ in columns:
                row += cls.cells(bid, result, criterion, responses, lang)
            rows.append(row)
            if weighted:
                total_weight += criterion.weight or 0
        total = [label('total'), "", cls.score(total_weight, lang)]
        for _, result, _ in columns:
            total += [DASH, cls.score(result.total_score, lang)]
        rows.append(total)
        return rows

    @classmethod
    def criteria_section(cls, competition, columns, lang):
        "The score and weighted score of each bid, criterion by criterion"
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        bids = [b for b, _, _ in columns]
        rows = cls.criteria_rows(competition, columns, lang)
        header = [["", "", ""], labels('criterion', 'method', 'weight')]
        for bid, _, title in columns:
            header[0] += ["%s\n%s" % (title, bid.provider.rec_name), ""]
            header[1] += labels('score', 'weighted')
        pair = 21 * mm
        widths = [WIDTH - 40 * mm - 2 * pair * len(bids), 22 * mm, 18 * mm]
        widths += [pair] * 2 * len(bids)
        style = [('SPAN', (3 + 2 * i, 0), (4 + 2 * i, 0))
            for i in range(len(bids))]
        style += [
            ('LINEABOVE', (0, -1), (-1, -1), 0.8, RULE_COLOR),
            ('BACKGROUND', (0, -1), (-1, -1), HEADER_BACKGROUND),
            ]
        return [
            message('summary_criteria', 'heading'),
            message('summary_note', 'note',
                score_max=Configuration(1).score_max),
            table(header, rows, widths,
                numbers=set(range(2, 3 + 2 * len(bids))),
                header_rows=2, style=style),
            ]

    @classmethod
    def reasons_section(cls, competition, columns):
        """The reasons for each bid's score on each scored criterion: the
        moderation rationale, or the evaluators' justifications"""
        Score = Pool().get('commissioning.score')
        bids = [b for b, _, _ in columns]
        justifications = {}
        # The bidder reads the reasons of its own scores and of the bid it
        # is compared with, as the Procurement Act requires, not the scores
        with without_check_access():
            for score in Score.search([
                        ('response.bid', 'in', [b.id for b in bids]),
                        ], order=[('id', 'ASC')]):
                key = (score.response.bid.id, score.response.criterion.id)
                justifications.setdefault(key, []).append(
                    score.justification)
        rows = []
        for criterion in competition.criteria:
            if criterion.method != 'scored':
                continue
            row = [criterion.name]
            for bid in bids:
                response, = [r for r in bid.responses
                    if r.criterion == criterion] or [None]
                if response and response.moderated_score is not None:
                    row.append(response.moderation_rationale)
                else:
                    row.append("\n".join(justifications.get(
                                (bid.id, criterion.id), [])) or DASH)
            rows.append(row)
        header = [labels('criterion') + [
                "%s\n%s" % (title, bid.provider.rec_name)
                for bid, _, title in columns]]
        other = (WIDTH - 40 * mm) / len(bids)
        return [
            message('summary_reasons', 'heading'),
            message('summary_reasons_note', 'note'),
            table(header, rows, [40 * mm] + [other] * len(bids)),
            ]

    @classmethod
    def price_method(cls, competition, lang):
        "How price was scored, in words"
        weight = sum(c.weight or 0 for c in competition.criteria
            if c.method == 'price')
        if not weight:
            return []
        result = [Spacer(0, 2 * mm), message('summary_price_method', 'note',
                weight=cls.score(weight, lang))]
        if competition.budget:
            result.append(message('summary_price_cap', 'note',
                    budget=cls.amount(competition.budget,
                        competition.tender.currency, lang)))
        return result

    @classmethod
    def totals_section(cls, columns, lang):
        "The totals, rank and eligibility of each bid"
        bids = [b for b, _, _ in columns]
        results = [r for _, r, _ in columns]
        rows = [
            [label('child_first_score')]
            + [cls.score(r.child_first_score, lang) for r in results],
            [label('price_score')]
            + [cls.score(r.price_score, lang) for r in results],
            [label('total_score')]
            + [cls.score(r.total_score, lang) for r in results],
            [label('rank')]
            + [str(r.rank) if r.rank else DASH for r in results],
            [label('eligible')] + [cls.yes_no(r.eligible) for r in results],
            ]
        header = [[""] + [
                "%s\n%s" % (title, bid.provider.rec_name)
                for bid, _, title in columns]]
        return [
            message('summary_totals', 'heading'),
            table(header, rows,
                [WIDTH - 50 * mm * len(bids)] + [50 * mm] * len(bids),
                numbers=set(range(1, 1 + len(bids)))),
            ]


def attach_summaries(bids, lot=None):
    """Render the assessment summary of each bid (for lot only, if given)
    and attach it to the bid, where its bidder reads it.

    One PDF per bid: a tender with hundreds of bids takes minutes, so the
    award pushes this to Tryton's queue (a worker runs it, or the server
    right after the request when none is configured)."""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    Summary = pool.get('commissioning.bid.assessment_summary', type='report')
    attachments = []
    with Transaction().set_context({LOT_KEY: lot.id if lot else None}):
        for bid in bids:
            ext, content, _, name = Summary.execute([bid.id], {})
            if lot:
                name = label('summary_file_lot',
                    bid=bid.rec_name, lot=lot.rec_name, ext=ext)
            else:
                name = label('summary_file', bid=bid.rec_name, ext=ext)
            attachments.append(Attachment(
                    resource=bid, type='data', data=content, name=name))
    Attachment.save(attachments)
    return attachments


def send_summaries(bids, lot=None):
    """Attach their assessment summaries to the assessed bids, in the
    language of the user who pushed the work to the queue"""
    User = Pool().get('res.user')
    language = User(Transaction().user).language
    with Transaction().set_context(
            language=language.code if language else None):
        attach_summaries(
            [b for b in bids if b.state in ASSESSED_STATES], lot=lot)
