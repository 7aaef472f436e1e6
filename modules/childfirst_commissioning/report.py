# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The evaluation report of a tender and the assessment summary of a bid.

Both are PDF documents built with reportlab: no template and no office
suite. The base Report.execute finds the action, checks that the user is
in its groups and may read the records (record rules included), names the
file and calls _execute, which renders the PDF."""
import functools
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table,
    TableStyle)

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

from .bid import is_provider_user
from .exceptions import EvaluationIncompleteError

# The tender states in which the evaluation is complete
COMPLETE_STATES = ['moderated', 'award_pending', 'awarded', 'contracted']
# The states of the bids that were assessed
ASSESSED_STATES = ['submitted', 'awarded', 'unsuccessful']

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_BACKGROUND = colors.HexColor('#e4ebf2')
RULE_COLOR = colors.HexColor('#9aa7b4')
MUTED = colors.HexColor('#555f69')
DASH = "—"


@functools.cache
def fonts():
    """Return the names of the regular and bold fonts.

    DejaVu Sans where the system has it (it covers Welsh and most
    languages), else the Vera fonts reportlab ships."""
    for name, regular, bold in [
            ('DejaVuSans', 'DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'),
            ('Vera', 'Vera.ttf', 'VeraBd.ttf')]:
        try:
            pdfmetrics.registerFont(TTFont(name, regular))
            pdfmetrics.registerFont(TTFont(name + '-Bold', bold))
        except TTFError:
            continue
        pdfmetrics.registerFontFamily(
            name, normal=name, bold=name + '-Bold', italic=name,
            boldItalic=name + '-Bold')
        return name, name + '-Bold'
    return 'Helvetica', 'Helvetica-Bold'


@functools.cache
def styles():
    "Return the paragraph styles of the reports by name"
    regular, bold = fonts()
    body = ParagraphStyle(
        'body', fontName=regular, fontSize=9.5, leading=12.5,
        spaceAfter=4)
    return {
        'title': ParagraphStyle(
            'title', parent=body, fontName=bold, fontSize=17, leading=21,
            spaceAfter=2),
        'subtitle': ParagraphStyle(
            'subtitle', parent=body, fontSize=11.5, leading=15,
            textColor=MUTED, spaceAfter=10),
        'heading': ParagraphStyle(
            'heading', parent=body, fontName=bold, fontSize=12.5,
            leading=16, spaceBefore=12, spaceAfter=5),
        'body': body,
        'note': ParagraphStyle(
            'note', parent=body, fontSize=8.5, leading=11, textColor=MUTED),
        'cell': ParagraphStyle(
            'cell', parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        'number': ParagraphStyle(
            'number', parent=body, fontSize=8.5, leading=10.5, spaceAfter=0,
            alignment=TA_RIGHT),
        'head': ParagraphStyle(
            'head', parent=body, fontName=bold, fontSize=8.5, leading=10.5,
            spaceAfter=0),
        'head_number': ParagraphStyle(
            'head_number', parent=body, fontName=bold, fontSize=8.5,
            leading=10.5, spaceAfter=0, alignment=TA_RIGHT),
        }


def text(value, style='cell'):
    "Return value as a paragraph, escaped, its line breaks kept"
    if value is None:
        value = DASH
    value = escape(str(value)).replace('\n', '<br/>')
    return Paragraph(value, styles()[style])


def message(name, style='body', **values):
    "Return the text of the message name as a paragraph"
    return text(gettext(name, **values), style)


def table(header, rows, widths, numbers=(), header_rows=1, style=()):
    """Return a table of header and rows of text.

    The columns whose index is in numbers are aligned right."""
    data = []
    for row in header:
        data.append([
                text(c, 'head_number' if i in numbers else 'head')
                if isinstance(c, str) else c
                for i, c in enumerate(row)])
    for row in rows:
        data.append([
                text(c, 'number' if i in numbers else 'cell')
                if not isinstance(c, Paragraph) else c
                for i, c in enumerate(row)])
    result = Table(
        data, colWidths=widths, repeatRows=header_rows, hAlign='LEFT')
    result.setStyle(TableStyle([
                ('BACKGROUND', (0, 0), (-1, header_rows - 1),
                    HEADER_BACKGROUND),
                ('LINEBELOW', (0, header_rows - 1), (-1, header_rows - 1),
                    0.8, RULE_COLOR),
                ('LINEBELOW', (0, header_rows), (-1, -1), 0.3, RULE_COLOR),
                ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                ('TOPPADDING', (0, 0), (-1, -1), 3),
                ('BOTTOMPADDING', (0, 0), (-1, -1), 3),
                ('LEFTPADDING', (0, 0), (-1, -1), 4),
                ('RIGHTPADDING', (0, 0), (-1, -1), 4),
                *style]))
    return result


def facts(pairs):
    "Return a two-column table of labels and values"
    result = Table(
        [[text(label, 'head'), text(value)] for label, value in pairs],
        colWidths=[42 * mm, WIDTH - 42 * mm], hAlign='LEFT')
    result.setStyle(TableStyle([
                ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                ('TOPPADDING', (0, 0), (-1, -1), 1.5),
                ('BOTTOMPADDING', (0, 0), (-1, -1), 1.5),
                ('LEFTPADDING', (0, 0), (-1, -1), 0),
                ]))
    return result


class CommissioningReport(Report):
    "A PDF report on records whose tender has completed its evaluation"

    @classmethod
    def _execute(cls, records, header, data, action):
        # Report.execute has checked the groups of the action and that the
        # user may read the records; browse them as the report's records.
        records = cls.browse_records([r.id for r in records])
        cls.check_complete(records, action)
        return 'pdf', cls.render_pdf(records, action)

    @classmethod
    def browse_records(cls, ids):
        raise NotImplementedError

    @classmethod
    def tender(cls, record):
        "Return the tender of the record"
        raise NotImplementedError

    @classmethod
    def check_complete(cls, records, action):
        "Refuse records whose tender has not completed its evaluation"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        states = selection(Tender, 'state')
        for record in records:
            tender = cls.tender(record)
            if tender.state not in COMPLETE_STATES:
                raise EvaluationIncompleteError(gettext(
                        'childfirst_commissioning'
                        '.msg_report_evaluation_incomplete',
                        report=action.name,
                        tender=tender.rec_name,
                        state=states[tender.state]))

    @classmethod
    def render_pdf(cls, records, action):
        "Return the PDF of the records as bytes"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        lang = Lang.get()
        user = User(Transaction().user)
        story = []
        for i, record in enumerate(records):
            if i:
                story.append(PageBreak())
            story.extend(cls.story(record, action, lang))
        printed = gettext(
            'childfirst_commissioning.msg_report_printed',
            date=cls.format_now(lang), user=user.rec_name)
        regular, _ = fonts()

        def footer(canvas, document):
            canvas.saveState()
            canvas.setFont(regular, 7.5)
            canvas.setFillColor(MUTED)
            canvas.drawString(MARGIN, 10 * mm, printed)
            canvas.drawRightString(
                PAGE_WIDTH - MARGIN, 10 * mm,
                gettext('childfirst_commissioning.msg_report_page',
                    page=document.page))
            canvas.restoreState()

        content = BytesIO()
        document = SimpleDocTemplate(
            content, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
            title=action.name, author=user.rec_name,
            subject=", ".join(r.rec_name for r in records[:5]))
        document.build(story or [Spacer(0, 0)],
            onFirstPage=footer, onLaterPages=footer)
        return content.getvalue()

    @classmethod
    def story(cls, record, action, lang):
        "Return the flowables of the record"
        raise NotImplementedError

    @classmethod
    def format_now(cls, lang):
        pool = Pool()
        Date = pool.get('ir.date')
        return lang.strftime(Date.today())

    @classmethod
    def format_datetime_short(cls, value, lang):
        if not value:
            return None
        timezone = Transaction().context.get('timezone')
        return cls.format_datetime(
            value, lang, format=lang.date + ' %H:%M', timezone=timezone)

    @classmethod
    def score(cls, value, lang):
        "Return a score as text with two digits"
        if value is None:
            return DASH
        return lang.format_number(Decimal(value), digits=2)

    @classmethod
    def amount(cls, value, currency, lang):
        if value is None:
            return DASH
        return lang.currency(value, currency, grouping=True)

    @classmethod
    def yes_no(cls, value):
        return gettext('childfirst_commissioning.msg_report_yes'
            if value else 'childfirst_commissioning.msg_report_no')

    @classmethod
    def signoffs_section(cls, record, lang):
        "Who signed off which gate of the record, when"
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        gates = selection(Signoff, 'gate')
        decisions = selection(Signoff, 'decision')
        rows = []
        for signoff in sorted(
                record.signoffs, key=lambda s: (s.create_date, s.id)):
            rows.append([
                    cls.format_datetime_short(signoff.create_date, lang),
                    gates[signoff.gate], decisions[signoff.decision],
                    signoff.user.rec_name, signoff.comment])
        result = [message(
            'childfirst_commissioning.msg_report_signoffs', 'heading')]
        if rows:
            result.append(table(
                    [["Date", "Gate", "Decision", "User", "Comment"]],
                    rows,
                    [32 * mm, 30 * mm, 20 * mm, 28 * mm, WIDTH - 110 * mm]))
        else:
            result.append(message(
                    'childfirst_commissioning.msg_report_no_signoffs'))
        return result


def selection(Model, name):
    "Return the translated labels of the selection field name of Model"
    return dict(Model.fields_get([name])[name]['selection'])


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
        story = [
            text(action.name, 'title'),
            text(tender.rec_name, 'subtitle'),
            facts([
                    ("Tender", tender.rec_name),
                    ("Organisation", tender.company.rec_name),
                    ("State", selection(Tender, 'state')[tender.state]),
                    ("Budget", cls.amount(
                            tender.budget, tender.currency, lang)),
                    ("Bids assessed", str(len(bids))),
                    ("Winning bid",
                        winner.provider.rec_name if winner else None),
                    ]),
            ]
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
            message(
                'childfirst_commissioning.msg_report_criteria', 'heading'),
            table(
                [["Criterion", "Child First tenet", "Method", "Weight",
                    "Minimum score"]],
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
            message(
                'childfirst_commissioning.msg_report_scores', 'heading'),
            message(
                'childfirst_commissioning.msg_report_scores_note', 'note',
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
                    [["Bid"] + [c.name for c in scored]], rows,
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
        result = [message(
            'childfirst_commissioning.msg_report_moderation', 'heading')]
        if rows:
            result.append(table(
                    [["Bid", "Criterion", "Mean", "Spread", "Moderated",
                        "Rationale"]],
                    rows,
                    [30 * mm, 36 * mm, 15 * mm, 16 * mm, 23 * mm,
                        WIDTH - 120 * mm],
                    numbers={2, 3, 4}))
        else:
            result.append(message(
                    'childfirst_commissioning.msg_report_no_moderation'))
        return result

    @classmethod
    def bids_section(cls, tender, bids, lang):
        "The scores, price, eligibility and rank of each bid"
        result = [message(
            'childfirst_commissioning.msg_report_bids', 'heading')]
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
                [["Bid", "Price", "Child First", "Price score", "Total",
                    "Rank", "Eligible"]],
                rows,
                [44 * mm, 30 * mm, 20 * mm, 21 * mm, 18 * mm, 13 * mm,
                    WIDTH - 146 * mm],
                numbers={1, 2, 3, 4, 5}))
        excluded = [
            [b.provider.rec_name, b.exclusion_reason]
            for b in bids if not b.eligible]
        if excluded:
            result.append(Spacer(0, 2 * mm))
            result.append(message(
                    'childfirst_commissioning.msg_report_excluded'))
            result.append(table(
                    [["Bid", "Reason"]], excluded,
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
        result = [message(
            'childfirst_commissioning.msg_report_ranking', 'heading')]
        if rows:
            result.append(table(
                    [["Rank", "Bid", "Total", "Child First",
                        "Price score"]],
                    rows,
                    [13 * mm, 71 * mm, 30 * mm, 30 * mm, WIDTH - 144 * mm],
                    numbers={0, 2, 3, 4}))
        else:
            result.append(message(
                    'childfirst_commissioning.msg_report_no_ranking'))
        return [KeepTogether(result)]


def response_values(bids):
    """Return {(bid id, criterion id): values} of the responses of the bids.

    The bids must be browsed together and given in the order they were
    read: the ORM then reads the responses of every bid in one go, and
    their scores in one call of the getter, whatever the number of bids."""
    result = {}
    for bid in bids:
        for response in bid.responses:
            result[bid.id, response.criterion.id] = {
                'final': response.final_score,
                'weighted': response.weighted_score,
                'mean': response.mean_score,
                'spread': response.spread,
                'moderated': response.moderated_score,
                'rationale': response.moderation_rationale,
                'passed': response.passed,
                }
    return result


def rank_key(bid):
    "Sort bids by rank, the ineligible last by provider"
    return (bid.rank is None, bid.rank or 0, bid.provider.rec_name, bid.id)


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
    def check_complete(cls, bids, action):
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        super().check_complete(bids, action)
        states = selection(Bid, 'state')
        for bid in bids:
            # Providers learn how they compare once the award is decided
            if (is_provider_user()
                    and bid.tender.state not in {'awarded', 'contracted'}):
                raise EvaluationIncompleteError(gettext(
                        'childfirst_commissioning.msg_report_not_awarded',
                        bid=bid.rec_name))
            if bid.state not in ASSESSED_STATES:
                raise EvaluationIncompleteError(gettext(
                        'childfirst_commissioning.msg_report_not_assessed',
                        bid=bid.rec_name, state=states[bid.state]))

    @classmethod
    def comparison(cls, bid):
        """Return the bid to compare bid with and whether it won: the
        winning bid, else the top-ranked bid, else None"""
        tender = bid.tender
        if tender.winning_bid:
            return tender.winning_bid, True
        ranked = sorted(
            (b for b in tender.bids
                if b.rank and b.state in ASSESSED_STATES),
            key=rank_key)
        return (ranked[0] if ranked else None), False

    @classmethod
    def story(cls, bid, action, lang):
        tender = bid.tender
        other, winning = cls.comparison(bid)
        if other == bid:
            intro = ('childfirst_commissioning.msg_report_summary_winner'
                if winning
                else 'childfirst_commissioning.msg_report_summary_top')
            other = None
        elif other is None:
            intro = 'childfirst_commissioning.msg_report_summary_alone'
        else:
            intro = (
                'childfirst_commissioning.msg_report_summary_intro_winning'
                if winning
                else 'childfirst_commissioning.msg_report_summary_intro_top')
        # The bids compared, side by side
        columns = [(bid, "This bid")]
        if other:
            columns.append(
                (other, "Winning bid" if winning else "Top-ranked bid"))

        story = [
            text(action.name, 'title'),
            text(bid.rec_name, 'subtitle'),
            facts([
                    ("Tender", tender.rec_name),
                    ("Contracting authority", tender.company.rec_name),
                    ("Provider", bid.provider.rec_name),
                    ("Submitted", cls.format_datetime_short(
                            bid.submitted_at, lang)),
                    ("Price", cls.amount(bid.price, tender.currency, lang)),
                    ("Eligible", cls.yes_no(bid.eligible)),
                    ("Rank", str(bid.rank) if bid.rank else DASH),
                    ]),
            Spacer(0, 3 * mm),
            message(intro,
                provider=bid.provider.rec_name, tender=tender.rec_name,
                other=other.provider.rec_name if other else ''),
            ]
        story += cls.criteria_section(tender, columns, lang)
        story += cls.totals_section(columns, lang)
        if not bid.eligible:
            story.append(message(
                    'childfirst_commissioning.msg_report_summary_excluded',
                    'heading'))
            story.append(text(bid.exclusion_reason, 'body'))
        return story

    @classmethod
    def criteria_section(cls, tender, columns, lang):
        "The score and weighted score of each bid, criterion by criterion"
        pool = Pool()
        Criterion = pool.get('commissioning.tender.criterion')
        Configuration = pool.get('commissioning.configuration')
        Bid = pool.get('commissioning.bid')
        methods = selection(Criterion, 'method')
        bids = [b for b, _ in columns]
        responses = response_values(Bid.browse(bids))

        def cells(bid, criterion):
            values = responses.get((bid.id, criterion.id), {})
            if criterion.method == 'pass_fail':
                passed = values.get('passed')
                return [gettext('childfirst_commissioning.msg_report_pass'
                        if passed
                        else 'childfirst_commissioning.msg_report_fail'),
                    DASH]
            elif criterion.method == 'price':
                return [DASH, cls.score(bid.price_score, lang)]
            return [
                cls.score(values.get('final'), lang),
                cls.score(values.get('weighted'), lang)]

        rows = []
        total_weight = 0
        for criterion in tender.criteria:
            weighted = criterion.method != 'pass_fail'
            row = [
                criterion.name, methods[criterion.method],
                cls.score(criterion.weight, lang) if weighted else DASH]
            for bid in bids:
                row += cells(bid, criterion)
            rows.append(row)
            if weighted:
                total_weight += criterion.weight or 0
        total = ["Total", "", cls.score(total_weight, lang)]
        for bid in bids:
            total += [DASH, cls.score(bid.total_score, lang)]
        rows.append(total)

        header = [["", "", ""], ["Criterion", "Method", "Weight"]]
        for bid, label in columns:
            header[0] += ["%s\n%s" % (label, bid.provider.rec_name), ""]
            header[1] += ["Score", "Weighted"]
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
            message(
                'childfirst_commissioning.msg_report_summary_criteria',
                'heading'),
            message(
                'childfirst_commissioning.msg_report_summary_note', 'note',
                score_max=Configuration(1).score_max),
            table(header, rows, widths,
                numbers=set(range(2, 3 + 2 * len(bids))),
                header_rows=2, style=style),
            ]

    @classmethod
    def totals_section(cls, columns, lang):
        "The totals, rank and eligibility of each bid"
        bids = [b for b, _ in columns]
        rows = [
            ["Child First score"]
            + [cls.score(b.child_first_score, lang) for b in bids],
            ["Price score"] + [cls.score(b.price_score, lang) for b in bids],
            ["Total score"] + [cls.score(b.total_score, lang) for b in bids],
            ["Rank"] + [str(b.rank) if b.rank else DASH for b in bids],
            ["Eligible"] + [cls.yes_no(b.eligible) for b in bids],
            ]
        header = [[""] + [
                "%s\n%s" % (label, bid.provider.rec_name)
                for bid, label in columns]]
        return [
            message(
                'childfirst_commissioning.msg_report_summary_totals',
                'heading'),
            table(header, rows,
                [WIDTH - 50 * mm * len(bids)] + [50 * mm] * len(bids),
                numbers=set(range(1, 1 + len(bids)))),
            ]


RATING_COLORS = {
    'good': colors.HexColor('#cfe8cf'),
    'approaching': colors.HexColor('#fff0bf'),
    'requires_improvement': colors.HexColor('#fbd5a8'),
    'inadequate': colors.HexColor('#f4bcbc'),
    }
RATING_LINES = {
    'good': colors.HexColor('#2e7d32'),
    'approaching': colors.HexColor('#b08900'),
    'requires_improvement': colors.HexColor('#d46a00'),
    'inadequate': colors.HexColor('#c62828'),
    }
RETURN_STATES = ['submitted', 'accepted']


class ContractPerformanceReport(CommissioningReport):
    """The performance of a contract: KPI values and ratings per period,
    trends against the targets, breakdowns by group, children's
    involvement, returns and payments. The basis of the annual contract
    performance notice."""
    __name__ = 'commissioning.contract.performance_report'

    @classmethod
    def browse_records(cls, ids):
        Contract = Pool().get('commissioning.contract')
        return Contract.browse(ids)

    @classmethod
    def check_complete(cls, records, action):
        pass

    @classmethod
    def story(cls, contract, action, lang):
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Line = pool.get('commissioning.monitoring.return.line')
        ratings = selection(Line, 'rating')
        returns = sorted(contract.returns, key=lambda r: r.period.start_date)
        reported = [r for r in returns if r.state in RETURN_STATES]
        kpis = list(contract.kpis)
        values = {}
        for record in reported:
            for line in record.lines:
                values[(line.kpi.id, record.id)] = line
        story = [
            text(action.name, 'title'),
            text(contract.rec_name, 'subtitle'),
            facts([
                    ("Provider", contract.provider.rec_name),
                    ("Commissioner", contract.company.rec_name),
                    ("Tender", contract.tender.rec_name
                        if contract.tender else None),
                    ("Value", cls.amount(
                            contract.value, contract.currency, lang)),
                    ("Term", "%s – %s" % (
                            lang.strftime(contract.start_date),
                            lang.strftime(contract.end_date))),
                    ("Monitoring", selection(Contract, 'frequency')[
                            contract.frequency]),
                    ("State", selection(Contract, 'state')[contract.state]),
                    ("Returns", "%s reported, %s accepted, %s overdue" % (
                            len(reported),
                            len([r for r in returns
                                if r.state == 'accepted']),
                            len([r for r in returns if r.overdue]))),
                    ("Safeguarding concerns", str(sum(
                                r.safeguarding_concerns or 0
                                for r in reported))),
                    ]),
            ]
        story += cls.summary_section(kpis, ratings, lang)
        story += cls.values_section(kpis, reported, values, ratings, lang)
        story.append(PageBreak())
        story += cls.trend_section(kpis, reported, values, lang)
        story += cls.breakdown_section(kpis, reported, values, lang)
        story += cls.collaboration_section(returns, lang)
        story += cls.returns_section(returns, lang)
        story += cls.payments_section(contract, lang)
        story += cls.signoffs_section(contract, lang)
        return story

    @staticmethod
    def period_label(period):
        return period.end_date.strftime('%b %Y')

    @classmethod
    def rating_cell(cls, rating, ratings):
        return text(ratings.get(rating) if rating else None)

    @classmethod
    def summary_section(cls, kpis, ratings, lang):
        "The latest value and rating of each KPI, with a count of ratings"
        pool = Pool()
        Kpi = pool.get('commissioning.contract.kpi')
        tenets = selection(Kpi, 'tenet')
        categories = selection(Kpi, 'category')
        rows, style, counts = [], [], {}
        for i, kpi in enumerate(kpis, 1):
            rows.append([
                    kpi.name, tenets.get(kpi.tenet) or DASH,
                    categories[kpi.category],
                    cls.score(kpi.target, lang), kpi.unit or '',
                    cls.score(kpi.latest_value, lang),
                    ratings.get(kpi.latest_rating) or DASH])
            if kpi.latest_rating:
                counts[kpi.latest_rating] = counts.get(
                    kpi.latest_rating, 0) + 1
                style.append(('BACKGROUND', (6, i), (6, i),
                        RATING_COLORS[kpi.latest_rating]))
        result = [
            text("Latest rating of each KPI", 'heading'),
            text("Each value is rated against its target on the scale of "
                "the Procurement Act 2023 contract performance notices: "
                "good (the target is met), approaching (within the "
                "tolerance), requires improvement (within twice the "
                "tolerance), inadequate.", 'note'),
            table([[
                        "KPI", "Tenet", "Category", "Target", "Unit",
                        "Latest", "Rating"]], rows,
                [55 * mm, 27 * mm, 24 * mm, 15 * mm, 17 * mm, 15 * mm,
                    WIDTH - 153 * mm],
                numbers=(3, 5), style=style),
            ]
        if counts:
            result.append(text("Latest ratings: " + ", ".join(
                        "%s %s" % (counts[k], ratings[k])
                        for k in RATING_COLORS if k in counts), 'note'))
        return result

    @classmethod
    def values_section(cls, kpis, reported, values, ratings, lang):
        "A row per KPI and a column per reported period, coloured by rating"
        result = [text("KPI values by period", 'heading')]
        if not reported:
            return result + [text("No return has been submitted yet.")]
        periods = reported[-8:]
        width = (WIDTH - 62 * mm) / len(periods)
        rows, style = [], []
        for i, kpi in enumerate(kpis, 1):
            row = [kpi.name]
            for j, record in enumerate(periods, 1):
                line = values.get((kpi.id, record.id))
                if line is None or line.value is None:
                    row.append(DASH)
                    continue
                row.append(cls.score(line.value, lang))
                if line.rating:
                    style.append(('BACKGROUND', (j, i), (j, i),
                            RATING_COLORS[line.rating]))
            rows.append(row)
        result.append(table(
                [["KPI"] + [cls.period_label(r.period) for r in periods]],
                rows, [62 * mm] + [width] * len(periods),
                numbers=tuple(range(1, len(periods) + 1)), style=style))
        result.append(text("Colours: " + ", ".join(
                    ratings[k] for k in RATING_COLORS)
                + " (green, yellow, orange, red). Earlier periods are in "
                "the returns.", 'note'))
        return result

    @classmethod
    def trend_section(cls, kpis, reported, values, lang):
        "A chart per KPI of its values against its target"
        from reportlab.graphics.charts.lineplots import LinePlot
        from reportlab.graphics.shapes import Circle, Drawing, String
        regular, bold = fonts()
        result = [text("Trends against the targets", 'heading')]
        charts = []
        chart_width, chart_height = WIDTH / 2 - 4 * mm, 46 * mm
        for kpi in kpis:
            points = []
            for index, record in enumerate(reported):
                line = values.get((kpi.id, record.id))
                if line is not None and line.value is not None:
                    points.append((index, float(line.value)))
            drawing = Drawing(chart_width, chart_height)
            drawing.add(String(0, chart_height - 9, kpi.name[:62],
                    fontName=bold, fontSize=7.5))
            if not points or kpi.target is None:
                drawing.add(String(0, chart_height / 2,
                        "No values yet.", fontName=regular, fontSize=7.5))
                charts.append(drawing)
                continue
            target = float(kpi.target)
            top = max([target] + [y for _, y in points]) * 1.15 or 1
            plot = LinePlot()
            plot.x, plot.y = 22, 14
            plot.width, plot.height = chart_width - 30, chart_height - 30
            last = max(len(reported) - 1, 1)
            plot.data = [points, [(0, target), (last, target)]]
            plot.lines[0].strokeColor = colors.HexColor('#1f4e79')
            plot.lines[0].strokeWidth = 1.4
            plot.lines[1].strokeColor = colors.HexColor('#888888')
            plot.lines[1].strokeDashArray = [3, 2]
            plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
            plot.xValueAxis.valueSteps = list(range(len(reported)))
            plot.xValueAxis.labelTextFormat = (
                lambda i: cls.period_label(reported[int(i)].period)
                if 0 <= int(i) < len(reported) else '')
            plot.xValueAxis.labels.fontName = regular
            plot.xValueAxis.labels.fontSize = 5.5
            plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, top
            plot.yValueAxis.labels.fontName = regular
            plot.yValueAxis.labels.fontSize = 6
            drawing.add(plot)
            for index, y in points:
                line = values.get((kpi.id, reported[index].id))
                if line.rating:
                    drawing.add(Circle(
                            plot.x + plot.width * index / last,
                            plot.y + plot.height * y / top, 2.2,
                            fillColor=RATING_LINES[line.rating],
                            strokeColor=None))
            drawing.add(String(chart_width - 2, chart_height - 18,
                    "target %s %s" % (cls.score(kpi.target, lang),
                        kpi.unit or ''), fontName=regular, fontSize=6.5,
                    textAnchor='end', fillColor=MUTED))
            charts.append(drawing)
        rows = [charts[i:i + 2] for i in range(0, len(charts), 2)]
        if rows and len(rows[-1]) == 1:
            rows[-1].append('')
        if rows:
            grid = Table(rows, colWidths=[WIDTH / 2] * 2, hAlign='LEFT')
            grid.setStyle(TableStyle([
                        ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                        ('BOTTOMPADDING', (0, 0), (-1, -1), 6),
                        ]))
            result.append(grid)
        result.append(text("Blue: the value per period, its dots coloured "
                "by rating. Grey dashes: the target.", 'note'))
        return result

    @classmethod
    def breakdown_section(cls, kpis, reported, values, lang):
        """The groups of the disaggregated KPIs in the latest reported
        period"""
        pool = Pool()
        Group = pool.get('commissioning.monitoring.group')
        result = [text("Breakdown by group", 'heading')]
        disaggregated = [k for k in kpis if k.disaggregate]
        if not reported or not disaggregated:
            return result + [text(
                    "No disaggregated value has been reported yet.")]
        record = reported[-1]
        result.append(text("The over-represented groups the policy names, "
                "in the return for %s." % record.period.rec_name, 'note'))
        groups = Group.search([])
        dimensions = selection(Group, 'dimension')
        shown = disaggregated[:5]
        header = ["Group"] + [k.name for k in shown]
        rows = [["Total"] + [cls.score(getattr(
                        values.get((k.id, record.id)), 'value', None),
                    lang) for k in shown]]
        for group in groups:
            row = ["%s: %s" % (dimensions[group.dimension], group.name)]
            for kpi in shown:
                line = values.get((kpi.id, record.id))
                found = [b.value for b in (line.breakdowns if line else [])
                    if b.group == group]
                row.append(cls.score(found[0], lang) if found else DASH)
            rows.append(row)
        width = (WIDTH - 60 * mm) / len(shown)
        result.append(table([header], rows,
                [60 * mm] + [width] * len(shown),
                numbers=tuple(range(1, len(shown) + 1)),
                style=[('BACKGROUND', (0, 1), (-1, 1), HEADER_BACKGROUND)]))
        return result

    @classmethod
    def collaboration_section(cls, returns, lang):
        "How children were involved, period by period"
        pool = Pool()
        Collaboration = pool.get('commissioning.collaboration')
        methods = selection(Collaboration, 'method')
        rows = []
        children = 0
        for record in returns:
            for evidence in record.collaborations:
                children += evidence.children_count or 0
                rows.append([
                        record.period.rec_name,
                        lang.strftime(evidence.date) if evidence.date
                        else None,
                        methods.get(evidence.method) or DASH,
                        str(evidence.children_count or 0),
                        evidence.influence,
                        cls.yes_no(evidence.complete)])
        result = [text("Collaboration with children", 'heading')]
        if not rows:
            return result + [text("No involvement of children recorded.")]
        result.append(text("%s records, %s children taking part in all." % (
                    len(rows), children), 'note'))
        result.append(table(
                [[
                        "Period", "Date", "Method", "Children", "Influence",
                        "Complete"]], rows,
                [34 * mm, 22 * mm, 24 * mm, 17 * mm, WIDTH - 115 * mm,
                    18 * mm], numbers=(3,)))
        return result

    @classmethod
    def returns_section(cls, returns, lang):
        "Each return: due, state, submitted, reviewed, overdue"
        Return = Pool().get('commissioning.monitoring.return')
        states = selection(Return, 'state')
        rows, style = [], []
        for i, record in enumerate(returns, 1):
            rows.append([
                    record.period.rec_name,
                    lang.strftime(record.period.due_date),
                    states[record.state],
                    cls.format_datetime_short(record.submitted_at, lang),
                    record.reviewed_by.rec_name if record.reviewed_by
                    else None,
                    cls.yes_no(record.overdue)])
            if record.overdue:
                style.append(('BACKGROUND', (5, i), (5, i),
                        RATING_COLORS['inadequate']))
        result = [text("Monitoring returns", 'heading')]
        if not rows:
            return result + [text("No return is due yet.")]
        result.append(table(
                [[
                        "Period", "Due", "State", "Submitted", "Reviewed by",
                        "Overdue"]], rows,
                [38 * mm, 22 * mm, 20 * mm, 30 * mm, WIDTH - 128 * mm,
                    18 * mm], style=style))
        return result

    @classmethod
    def payments_section(cls, contract, lang):
        "The payment schedule and where each payment stands"
        Payment = Pool().get('commissioning.contract.payment')
        states = selection(Payment, 'state')
        rows = []
        totals = {}
        for payment in contract.payments:
            totals[payment.state] = totals.get(payment.state, 0) + (
                payment.amount or 0)
            rows.append([
                    lang.strftime(payment.planned_date),
                    payment.period.rec_name if payment.period else None,
                    cls.amount(payment.amount, contract.currency, lang),
                    states[payment.state],
                    payment.approved_by.rec_name if payment.approved_by
                    else None,
                    lang.strftime(payment.paid_date) if payment.paid_date
                    else None])
        result = [text("Payments", 'heading')]
        if not rows:
            return result + [text("No payment is scheduled.")]
        result.append(table(
                [[
                        "Planned", "Period", "Amount", "State", "Approved by",
                        "Paid"]], rows,
                [22 * mm, 38 * mm, 28 * mm, 20 * mm, WIDTH - 130 * mm,
                    22 * mm], numbers=(2,)))
        result.append(text(", ".join(
                    "%s: %s" % (states[k], cls.amount(
                            totals[k], contract.currency, lang))
                    for k in ['planned', 'requested', 'approved', 'paid']
                    if k in totals), 'note'))
        return result
