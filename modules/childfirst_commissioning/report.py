# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""What the PDF reports of commissioning share: fonts, styles, tables,
paragraphs, the footer and the base report.

The reports are PDF documents built with reportlab: no template and no
office suite. The base Report.execute finds the action, checks that the user
is in its groups and may read the records (record rules included), names the
file and calls _execute, which renders the PDF. Every label is an ir.message
(report_message.xml) read in the language of the context, the selection
values are the translated selection strings and the dates, numbers and
amounts follow the reader's ir.lang.

One module per report: report_evaluation.py, report_assessment.py and
report_performance.py."""
import contextvars
import functools
import re
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape, unescape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    CondPageBreak, PageBreak, Paragraph, SimpleDocTemplate,
    Spacer, Table, TableStyle)

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

from .exceptions import EvaluationIncompleteError
from .gate import check, check_gate
from .states import EVALUATED_STATES

MODULE = 'childfirst_commissioning'

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_BACKGROUND = colors.HexColor('#e4ebf2')
RULE_COLOR = colors.HexColor('#9aa7b4')
MUTED = colors.HexColor('#555f69')
DASH = "—"
# The cell padding of the tables, left and right
PADDING = 4
# The height left on a page under which a heading starts the next page, so
# that no heading stands alone at the bottom of a page
HEADING_ROOM = 40 * mm
# The labels of the report being printed, read once for all its pages
_LABELS = contextvars.ContextVar('childfirst_report_labels', default=None)


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
            leading=16, spaceBefore=12, spaceAfter=5, keepWithNext=1),
        'chart_title': ParagraphStyle(
            'chart_title', parent=body, fontName=bold, fontSize=8,
            leading=10, spaceAfter=0),
        'subheading': ParagraphStyle(
            'subheading', parent=body, fontName=bold, fontSize=10,
            leading=13, spaceBefore=6, spaceAfter=3, keepWithNext=1),
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


def label(name, **values):
    """Return the label name of the reports (the message msg_report_<name>
    of the module) in the language of the context"""
    texts = _LABELS.get()
    if texts is None or name not in texts:
        return gettext('%s.msg_report_%s' % (MODULE, name), **values)
    return texts[name] % values if values else texts[name]


def read_labels():
    """Return {name: text} of every label of the reports in the language of
    the context, read in a fixed number of queries.

    gettext would read each label on its own the first time (its id, then
    its text); a report prints about a hundred."""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Message = pool.get('ir.message')
    prefix = 'msg_report_'
    names = {d.db_id: d.fs_id[len(prefix):] for d in ModelData.search([
                ('module', '=', MODULE),
                ('model', '=', Message.__name__),
                ('fs_id', 'like', prefix + '%'),
                ])}
    return {names[m.id]: m.text for m in Message.browse(list(names))}


def labels(*names):
    "Return the labels of names, as the headings of a table"
    return [label(n) for n in names]


def message(name, style='body', **values):
    "Return the label name as a paragraph"
    return text(label(name, **values), style)


def words(paragraph):
    """Return the words of the paragraph, its markup removed: what is
    between the spaces and line breaks where the lines may break (not at a
    no-break space)"""
    return [w for w in re.split(r'[ \t\n]+',
            unescape(re.sub(r'<[^>]*>', ' ', paragraph.text))) if w]


def word_width(paragraph):
    "Return the width of the widest word of the paragraph"
    style = paragraph.style
    return max((pdfmetrics.stringWidth(w, style.fontName, style.fontSize)
            for w in words(paragraph)), default=0)


def fit_widths(data, widths):
    """Return the widths of the columns, each widened to its widest word
    (taking the room from the columns that have room to spare), so that no
    word is ever split across lines"""
    # A point more than the word: the lines break on rounded widths
    needed = [max((word_width(row[i]) + 2 * PADDING + 1
                for row in data if isinstance(row[i], Paragraph)),
            default=0) for i in range(len(widths))]
    widths = list(widths)
    short = sum(max(n - w, 0) for n, w in zip(needed, widths))
    spare = [max(w - n, 0) for n, w in zip(needed, widths)]
    if not short or sum(spare) < short:
        return widths
    return [max(n, w - short * s / sum(spare))
        for n, w, s in zip(needed, widths, spare)]


def table(header, rows, widths, numbers=(), header_rows=1, style=()):
    """Return a table of header and rows of text.

    The columns whose index is in numbers are aligned right; the widths are
    widened where a word would not fit."""
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
        data, colWidths=fit_widths(data, widths), repeatRows=header_rows,
        hAlign='LEFT')
    result.setStyle(TableStyle([
                ('BACKGROUND', (0, 0), (-1, header_rows - 1),
                    HEADER_BACKGROUND),
                ('LINEBELOW', (0, header_rows - 1), (-1, header_rows - 1),
                    0.8, RULE_COLOR),
                ('LINEBELOW', (0, header_rows), (-1, -1), 0.3, RULE_COLOR),
                ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                ('TOPPADDING', (0, 0), (-1, -1), 3),
                ('BOTTOMPADDING', (0, 0), (-1, -1), 3),
                ('LEFTPADDING', (0, 0), (-1, -1), PADDING),
                ('RIGHTPADDING', (0, 0), (-1, -1), PADDING),
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


def keep_headings(story):
    """Return the story with a conditional page break before each heading:
    a heading starts a new page when too little room is left for it and
    the start of its section"""
    result = []
    for flowable in story:
        if (isinstance(flowable, Paragraph)
                and flowable.style.name == 'heading'):
            result.append(CondPageBreak(HEADING_ROOM))
        result.append(flowable)
    return result


def selection(Model, name):
    "Return the translated labels of the selection field name of Model"
    return dict(Model.fields_get([name])[name]['selection'])


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
        "Refuse the records that fail a check of print_checks"
        check_gate(EvaluationIncompleteError, 'msg_report_gate',
            cls.print_checks(records, action), report=action.name)

    @classmethod
    def print_checks(cls, records, action):
        """Return the checks the records pass before the report prints:
        the tender of each record has completed its evaluation"""
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        states = selection(Tender, 'state')
        failures = []
        for record in records:
            tender = cls.tender(record)
            if tender.state not in EVALUATED_STATES:
                failures.append(label('evaluation_incomplete',
                        report=action.name, tender=tender.rec_name,
                        state=states[tender.state]))
        return [check('msg_report_check_evaluated', failures)]

    @classmethod
    def render_pdf(cls, records, action):
        "Return the PDF of the records as bytes"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        lang = Lang.get()
        user = User(Transaction().user)
        token = _LABELS.set(read_labels())
        try:
            story = []
            for i, record in enumerate(records):
                if i:
                    story.append(PageBreak())
                story.extend(keep_headings(cls.story(record, action, lang)))
            footer = cls.footer(label(
                    'printed', date=cls.format_now(lang),
                    user=user.rec_name))
        finally:
            _LABELS.reset(token)
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
    def footer(cls, printed):
        "Return the function that draws the footer of each page"
        regular, _ = fonts()

        def footer(canvas, document):
            canvas.saveState()
            canvas.setFont(regular, 7.5)
            canvas.setFillColor(MUTED)
            canvas.drawString(MARGIN, 10 * mm, printed)
            canvas.drawRightString(
                PAGE_WIDTH - MARGIN, 10 * mm,
                label('page', page=document.page))
            canvas.restoreState()
        return footer

    @classmethod
    def story(cls, record, action, lang):
        "Return the flowables of the record"
        raise NotImplementedError

    @classmethod
    def heading(cls, action, record, pairs):
        "Return the title, the subtitle and the facts of the record"
        return [
            text(action.name, 'title'),
            text(record.rec_name, 'subtitle'),
            facts([(label(n), v) for n, v in pairs]),
            ]

    @classmethod
    def format_now(cls, lang):
        pool = Pool()
        Date = pool.get('ir.date')
        return lang.strftime(Date.today())

    @classmethod
    def format_date(cls, value, lang):
        return lang.strftime(value) if value else None

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
        return label('yes' if value else 'no')

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
        result = [message('signoffs', 'heading')]
        if rows:
            result.append(table(
                    [labels('date', 'signoff_gate', 'decision', 'user',
                            'comment')],
                    rows,
                    [32 * mm, 30 * mm, 20 * mm, 28 * mm, WIDTH - 110 * mm]))
        else:
            result.append(message('no_signoffs'))
        return result
