# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The performance report of a contract, the basis of its annual contract
performance notice: the assessment period and the officer's narrative, each
KPI's latest rating, the values per period, trends against the targets,
breakdowns by group, children's involvement, returns with their review
comments and safeguarding concerns, the approved changes of value and
term, payments, performance failures and sign-offs."""
import math

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import (
    Circle, Drawing, Polygon, Rect, String)
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Table, TableStyle

from trytond.pool import Pool

from .report import (
    DASH, HEADER_BACKGROUND, MUTED, WIDTH, CommissioningReport, fonts, label,
    labels, message, selection, table, text)
from .states import REPORTED_STATES

# The Okabe-Ito palette, which readers with any colour vision tell apart,
# and a marker shape per rating so that the rating never rests on colour
RATING_COLORS = {
    'good': colors.HexColor('#009e73'),
    'approaching': colors.HexColor('#e69f00'),
    'requires_improvement': colors.HexColor('#d55e00'),
    'inadequate': colors.HexColor('#cc79a7'),
    }
RATING_TINTS = {
    'good': colors.HexColor('#cdebe1'),
    'approaching': colors.HexColor('#fbe8c2'),
    'requires_improvement': colors.HexColor('#f5d2b8'),
    'inadequate': colors.HexColor('#f2dcea'),
    }
RATING_MARKERS = {
    'good': "●",
    'approaching': "▲",
    'requires_improvement': "■",
    'inadequate': "◆",
    }
VALUE_COLOR = colors.HexColor('#0072b2')
TARGET_COLOR = colors.HexColor('#555555')
CHARTS_PER_ROW = 3
CHART_WIDTH = WIDTH / CHARTS_PER_ROW - 2 * mm
CHART_HEIGHT = 40 * mm
# The periods the table of values shows, the latest ones
PERIODS_SHOWN = 8


def nice_range(low, high):
    """Return (minimum, maximum, step) of a value axis that holds low and
    high with a little room, on round numbers, from zero only when the
    values are near it"""
    if high == low:
        high, low = high + 1, low - 1
    room = (high - low) * 0.15
    low, high = low - room, high + room
    if low > 0 and low < (high - low) * 0.5:
        low = 0
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in [1, 2, 2.5, 5, 10]
        if m * magnitude >= raw)
    return (math.floor(low / step) * step, math.ceil(high / step) * step,
        step)


def marker(rating, x, y, size=2.6):
    "Return the shape of the marker of rating centred on x, y"
    fill = RATING_COLORS[rating]
    if rating == 'good':
        return Circle(x, y, size, fillColor=fill, strokeColor=None)
    if rating == 'approaching':
        return Polygon([x - size, y - size, x + size, y - size, x, y + size],
            fillColor=fill, strokeColor=None)
    if rating == 'requires_improvement':
        return Rect(x - size * 0.9, y - size * 0.9, size * 1.8, size * 1.8,
            fillColor=fill, strokeColor=None)
    return Polygon([x, y - size * 1.2, x + size, y, x, y + size * 1.2,
            x - size, y], fillColor=fill, strokeColor=None)


class ContractPerformanceReport(CommissioningReport):
    """The performance of a contract over its assessment period: the basis
    of the annual contract performance notice"""
    __name__ = 'commissioning.contract.performance_report'

    @classmethod
    def browse_records(cls, ids):
        Contract = Pool().get('commissioning.contract')
        return Contract.browse(ids)

    @classmethod
    def print_checks(cls, records, action):
        return []

    @classmethod
    def story(cls, contract, action, lang):
        pool = Pool()
        Line = pool.get('commissioning.monitoring.return.line')
        ratings = selection(Line, 'rating')
        returns = sorted(contract.returns, key=lambda r: r.period.start_date)
        reported = [r for r in returns if r.state in REPORTED_STATES]
        kpis = list(contract.kpis)
        values = {}
        for record in reported:
            for line in record.lines:
                values[(line.kpi.id, record.id)] = line
        story = cls.heading(
            action, contract, cls.facts(contract, returns, reported, lang))
        story += cls.narrative_section(contract)
        story += cls.summary_section(kpis, ratings, lang)
        story += cls.values_section(kpis, reported, values, ratings, lang)
        story += cls.trend_section(kpis, reported, values, ratings, lang)
        story += cls.breakdown_section(kpis, reported, values, lang)
        story += cls.collaboration_section(returns, lang)
        story += cls.returns_section(returns, lang)
        story += cls.changes_section(contract, lang)
        story += cls.payments_section(contract, lang)
        story += cls.failures_section(contract, lang)
        story += cls.signoffs_section(contract, lang)
        return story

    @classmethod
    def assessment_period(cls, contract, reported):
        """Return the first and last days of the periods reported in the
        twelve months up to the latest one, or None"""
        if not reported:
            return None
        end = reported[-1].period.end_date
        year = [r for r in reported
            if (end - r.period.start_date).days < 366]
        return year[0].period.start_date, end

    @classmethod
    def facts(cls, contract, returns, reported, lang):
        "Return the facts of the contract as (label name, value)"
        Contract = Pool().get('commissioning.contract')
        period = cls.assessment_period(contract, reported)
        return [
            ('provider', contract.provider.rec_name),
            ('commissioner', contract.company.rec_name),
            ('tender', contract.tender.rec_name if contract.tender else None),
            ('value', cls.amount(contract.value, contract.currency, lang)),
            ('term', label('term_dates',
                    start=lang.strftime(contract.start_date),
                    end=lang.strftime(contract.end_date))),
            ('assessment_period', label('term_dates',
                    start=lang.strftime(period[0]),
                    end=lang.strftime(period[1])) if period else None),
            ('monitoring',
                selection(Contract, 'frequency')[contract.frequency]),
            ('state', selection(Contract, 'state')[contract.state]),
            ('returns', label('returns_count',
                    reported=len(reported),
                    accepted=len([r for r in returns
                            if r.state == 'accepted']),
                    overdue=len([r for r in returns if r.overdue]))),
            ('safeguarding_concerns', str(sum(
                        r.safeguarding_concerns or 0 for r in reported))),
            ]

    @classmethod
    def narrative_section(cls, contract):
        "The officer's overall account of the contract's performance"
        result = [message('narrative', 'heading')]
        if not (contract.performance_narrative or '').strip():
            return result + [message('no_narrative', 'note')]
        return result + [text(contract.performance_narrative, 'body')]

    @staticmethod
    def period_label(period, lang):
        "Return the month of the end of the period, as the axis shows it"
        return lang.strftime(period.end_date, '%b %Y')

    @classmethod
    def rating_text(cls, rating, ratings):
        "Return the marker and the wording of rating"
        if not rating:
            return DASH
        return "%s %s" % (RATING_MARKERS[rating], ratings[rating])

    @classmethod
    def legend(cls, ratings):
        "Return the markers of the ratings with their wording, as a note"
        return message('ratings_legend', 'note', ratings="   ".join(
                cls.rating_text(k, ratings) for k in RATING_MARKERS))

    @classmethod
    def summary_section(cls, kpis, ratings, lang):
        "The latest value and rating of each KPI, with a count of ratings"
        Kpi = Pool().get('commissioning.contract.kpi')
        tenets = selection(Kpi, 'tenet')
        rows, style, counts = [], [], {}
        for i, kpi in enumerate(kpis, 1):
            rating = kpi.latest_rating
            rows.append([
                    kpi.name, tenets.get(kpi.tenet) or DASH,
                    cls.measure(kpi.target, kpi.unit, lang),
                    cls.measure(kpi.latest_value, kpi.unit, lang),
                    cls.period_label(kpi.latest_period, lang)
                    if kpi.latest_period else DASH,
                    cls.rating_text(rating, ratings)])
            if rating:
                counts[rating] = counts.get(rating, 0) + 1
                style.append(
                    ('BACKGROUND', (5, i), (5, i), RATING_TINTS[rating]))
        result = [
            message('latest_rating', 'heading'),
            message('latest_rating_note', 'note'),
            table([labels(
                        'kpi', 'tenet', 'target', 'latest', 'period',
                        'rating')], rows,
                [60 * mm, 30 * mm, 19 * mm, 19 * mm, 17 * mm,
                    WIDTH - 145 * mm],
                numbers=(2, 3), style=style),
            ]
        if counts:
            result.append(message('latest_ratings', 'note',
                    ratings=", ".join(
                        label('rating_count', count=counts[k],
                            rating=ratings[k])
                        for k in RATING_MARKERS if k in counts)))
        return result

    @classmethod
    def measure(cls, value, unit, lang):
        "Return value with its unit"
        if value is None:
            return DASH
        return ("%s %s" % (cls.score(value, lang), unit or '')).strip()

    @classmethod
    def values_section(cls, kpis, reported, values, ratings, lang):
        "A row per KPI and a column per reported period, marked by rating"
        result = [message('values', 'heading')]
        if not reported:
            return result + [message('no_return_submitted')]
        periods = reported[-PERIODS_SHOWN:]
        first = 60 * mm
        width = (WIDTH - first) / len(periods)
        rows, style = [], []
        for i, kpi in enumerate(kpis, 1):
            row = [kpi.name]
            for j, record in enumerate(periods, 1):
                line = values.get((kpi.id, record.id))
                if line is None or line.value is None:
                    row.append(DASH)
                    continue
                value = cls.score(line.value, lang)
                if line.rating:
                    value = "%s %s" % (value, RATING_MARKERS[line.rating])
                    style.append(('BACKGROUND', (j, i), (j, i),
                            RATING_TINTS[line.rating]))
                row.append(value)
            rows.append(row)
        result.append(table(
                [labels('kpi')
                    + [cls.period_label(r.period, lang) for r in periods]],
                rows, [first] + [width] * len(periods),
                numbers=tuple(range(1, len(periods) + 1)), style=style))
        result.append(cls.legend(ratings))
        if len(reported) > PERIODS_SHOWN:
            result.append(message('values_earlier', 'note'))
        return result

    @classmethod
    def trend_section(cls, kpis, reported, values, ratings, lang):
        "A chart per KPI of its values against its target"
        result = [
            message('trends', 'heading'),
            message('trends_note', 'note'),
            cls.legend(ratings),
            ]
        for i in range(0, len(kpis), CHARTS_PER_ROW):
            shown = kpis[i:i + CHARTS_PER_ROW]
            blank = [''] * (CHARTS_PER_ROW - len(shown))
            # The titles of a row above its charts, so that the charts line
            # up whatever the length of their titles
            grid = Table([
                    [text(k.name, 'chart_title') for k in shown] + blank,
                    [cls.chart(k, reported, values, lang)
                        for k in shown] + blank,
                    ], colWidths=[WIDTH / CHARTS_PER_ROW] * CHARTS_PER_ROW,
                hAlign='LEFT')
            grid.setStyle(TableStyle([
                        ('VALIGN', (0, 0), (-1, 0), 'BOTTOM'),
                        ('LEFTPADDING', (0, 0), (-1, -1), 0),
                        ('RIGHTPADDING', (0, 0), (-1, -1), 6),
                        ('BOTTOMPADDING', (0, 1), (-1, 1), 8),
                        ]))
            result.append(KeepTogether([grid]))
        return result

    @classmethod
    def chart(cls, kpi, reported, values, lang):
        "Return the drawing of the values of kpi against its target"
        regular, _ = fonts()
        points, marks = [], []
        for index, record in enumerate(reported):
            line = values.get((kpi.id, record.id))
            if line is not None and line.value is not None:
                points.append((index, float(line.value)))
                marks.append(line.rating)
        drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
        if not points:
            drawing.add(String(4, CHART_HEIGHT / 2, label('no_values'),
                    fontName=regular, fontSize=7))
            return drawing
        plot = cls.plot(kpi, reported, points, lang)
        drawing.add(plot)
        low, high = plot.yValueAxis.valueMin, plot.yValueAxis.valueMax
        last = max(len(reported) - 1, 1)
        for (index, y), rating in zip(points, marks):
            if rating:
                drawing.add(marker(rating,
                        plot.x + plot.width * index / last,
                        plot.y + plot.height * (y - low) / (high - low)))
        # The axis titles: the unit up the value axis, the period across
        drawing.add(String(0, plot.y + plot.height + 4,
                kpi.unit or label('value'), fontName=regular, fontSize=6,
                fillColor=MUTED))
        drawing.add(String(plot.x + plot.width, 0, label('period_ending'),
                fontName=regular, fontSize=6, textAnchor='end',
                fillColor=MUTED))
        return drawing

    @classmethod
    def plot(cls, kpi, reported, points, lang):
        "Return the line plot of the points and of the target of kpi"
        regular, _ = fonts()
        data = [y for _, y in points]
        if kpi.target is not None:
            data.append(float(kpi.target))
        low, high, step = nice_range(min(data), max(data))
        plot = LinePlot()
        plot.x, plot.y = 24, 20
        plot.width = CHART_WIDTH - plot.x - 8
        plot.height = CHART_HEIGHT - plot.y - 12
        last = max(len(reported) - 1, 1)
        plot.data = [points]
        plot.lines[0].strokeColor = VALUE_COLOR
        plot.lines[0].strokeWidth = 1.4
        if kpi.target is not None:
            plot.data.append(
                [(0, float(kpi.target)), (last, float(kpi.target))])
            plot.lines[1].strokeColor = TARGET_COLOR
            plot.lines[1].strokeWidth = 0.8
            plot.lines[1].strokeDashArray = [3, 2]
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
        # At most four period labels, so that they never run together
        every = max(1, math.ceil(len(reported) / 4))
        plot.xValueAxis.valueSteps = [
            i for i in range(len(reported)) if (last - i) % every == 0]
        plot.xValueAxis.labelTextFormat = (
            lambda i: cls.period_label(reported[int(i)].period, lang)
            if 0 <= int(i) < len(reported) else '')
        plot.xValueAxis.labels.fontName = regular
        plot.xValueAxis.labels.fontSize = 5.5
        plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = low, high
        plot.yValueAxis.valueStep = step
        plot.yValueAxis.labelTextFormat = (
            lambda v: lang.format_number(v, digits=0 if step >= 1 else 1))
        plot.yValueAxis.labels.fontName = regular
        plot.yValueAxis.labels.fontSize = 5.5
        plot.yValueAxis.visibleGrid = True
        plot.yValueAxis.gridStrokeColor = colors.HexColor('#e3e3e3')
        plot.yValueAxis.gridStrokeWidth = 0.4
        return plot

    @classmethod
    def breakdown_section(cls, kpis, reported, values, lang):
        """The groups of the disaggregated KPIs in the latest reported
        period"""
        pool = Pool()
        Group = pool.get('commissioning.monitoring.group')
        result = [message('breakdown', 'heading')]
        disaggregated = [k for k in kpis if k.disaggregate]
        if not reported or not disaggregated:
            return result + [message('no_breakdown')]
        record = reported[-1]
        result.append(message('breakdown_note', 'note',
                period=record.period.rec_name))
        groups = Group.search([])
        dimensions = selection(Group, 'dimension')
        shown = disaggregated[:5]
        rows = [[label('total')] + [cls.score(getattr(
                        values.get((k.id, record.id)), 'value', None),
                    lang) for k in shown]]
        for group in groups:
            row = [label('group_name',
                    dimension=dimensions[group.dimension], group=group.name)]
            for kpi in shown:
                line = values.get((kpi.id, record.id))
                found = [b.value for b in (line.breakdowns if line else [])
                    if b.group == group]
                row.append(cls.score(found[0], lang) if found else DASH)
            rows.append(row)
        width = (WIDTH - 56 * mm) / len(shown)
        result.append(table([labels('group') + [k.name for k in shown]],
                rows, [56 * mm] + [width] * len(shown),
                numbers=tuple(range(1, len(shown) + 1)),
                style=[('BACKGROUND', (0, 1), (-1, 1), HEADER_BACKGROUND)]))
        return result

    @classmethod
    def collaboration_section(cls, returns, lang):
        "How children were involved, period by period, and what changed"
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
                        cls.format_date(evidence.date, lang),
                        methods.get(evidence.method) or DASH,
                        str(evidence.children_count or 0),
                        evidence.influence,
                        evidence.feedback_to_children])
        result = [message('collaboration', 'heading')]
        if not rows:
            return result + [message('no_collaboration')]
        result.append(message('collaboration_note', 'note',
                records=len(rows), children=children))
        result.append(table(
                [labels('period', 'date', 'method', 'children', 'influence',
                        'feedback_to_children')], rows,
                [26 * mm, 18 * mm, 20 * mm, 16 * mm, 48 * mm,
                    WIDTH - 128 * mm], numbers=(3,)))
        return result

    @classmethod
    def returns_section(cls, returns, lang):
        """Each return: due, state, submitted, reviewed, safeguarding
        concerns, overdue; then the officers' review comments"""
        Return = Pool().get('commissioning.monitoring.return')
        states = selection(Return, 'state')
        rows, style, comments = [], [], []
        for i, record in enumerate(returns, 1):
            rows.append([
                    record.period.rec_name,
                    lang.strftime(record.period.due_date),
                    states[record.state],
                    cls.format_date(record.submitted_at.date()
                        if record.submitted_at else None, lang),
                    record.reviewed_by.rec_name if record.reviewed_by
                    else None,
                    str(record.safeguarding_concerns)
                    if record.safeguarding_concerns is not None else DASH,
                    cls.yes_no(record.overdue)])
            if record.overdue:
                style.append(('BACKGROUND', (6, i), (6, i),
                        RATING_TINTS['inadequate']))
            if (record.review_comment or '').strip():
                comments.append([record.period.rec_name,
                        record.reviewed_by.rec_name if record.reviewed_by
                        else None, record.review_comment])
        result = [message('monitoring_returns', 'heading')]
        if not rows:
            return result + [message('no_return_due')]
        result.append(table(
                [labels('period', 'due', 'state', 'submitted', 'reviewed_by',
                        'concerns', 'overdue')], rows,
                [38 * mm, 20 * mm, 20 * mm, 20 * mm, WIDTH - 132 * mm,
                    18 * mm, 16 * mm], numbers=(5,), style=style))
        result.append(message('review_comments', 'subheading'))
        if comments:
            result.append(table(
                    [labels('period', 'reviewed_by', 'comment')], comments,
                    [38 * mm, 30 * mm, WIDTH - 68 * mm]))
        else:
            result.append(message('no_review_comment', 'note'))
        return result

    @classmethod
    def changes_section(cls, contract, lang):
        """The approved changes of the contract's value and end date, with
        their reason and who approved them"""
        rows = []
        for change in sorted(
                (c for c in contract.changes if c.state == 'approved'),
                key=lambda c: (c.decided_at, c.id)):
            value = end = None
            if change.new_value is not None:
                value = label('change_from_to',
                    old=cls.amount(change.old_value, contract.currency, lang),
                    new=cls.amount(change.new_value, contract.currency, lang))
            if change.new_end_date:
                end = label('change_from_to',
                    old=cls.format_date(change.old_end_date, lang),
                    new=cls.format_date(change.new_end_date, lang))
            rows.append([
                    cls.format_date(change.decided_at.date(), lang),
                    value, end, change.reason,
                    change.decided_by.rec_name if change.decided_by
                    else None])
        result = [message('contract_changes', 'heading')]
        if not rows:
            return result + [message('no_contract_change')]
        result.append(table(
                [labels('date', 'value', 'term', 'reason', 'approved_by')],
                rows,
                [20 * mm, 40 * mm, 36 * mm, WIDTH - 126 * mm, 30 * mm]))
        return result

    @classmethod
    def failures_section(cls, contract, lang):
        """The performance failures of the contract the reader may read,
        with their improvement plan and outcome"""
        pool = Pool()
        Failure = pool.get('commissioning.contract.failure')
        ModelAccess = pool.get('ir.model.access')
        if not ModelAccess.check(
                Failure.__name__, 'read', raise_exception=False):
            return []
        kinds = selection(Failure, 'kind')
        states = selection(Failure, 'state')
        failures = Failure.search([('contract', '=', contract.id)],
            order=[('create_date', 'ASC'), ('id', 'ASC')])
        rows = [[
                kinds[f.kind] + (" – " + f.kpi.name if f.kpi else ""),
                f.description, f.improvement_plan,
                cls.format_date(f.deadline, lang), states[f.state],
                f.outcome] for f in failures]
        result = [message('failures', 'heading'),
            message('failures_note', 'note')]
        if not rows:
            return result + [message('no_failure')]
        result.append(table(
                [labels('failure_kind', 'failure_description',
                        'improvement_plan', 'failure_deadline', 'state',
                        'outcome')], rows,
                [28 * mm, 38 * mm, 42 * mm, 19 * mm, 17 * mm,
                    WIDTH - 144 * mm]))
        return result

    @classmethod
    def payments_section(cls, contract, lang):
        """The payment schedule and where each payment stands, with who
        requested and who signed it off"""
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
                    payment.requested_by.rec_name if payment.requested_by
                    else None,
                    payment.approved_by.rec_name if payment.approved_by
                    else None,
                    cls.format_date(payment.paid_date, lang)])
        result = [message('payments', 'heading')]
        if not rows:
            return result + [message('no_payment')]
        result.append(table(
                [labels('planned', 'period', 'amount', 'state',
                        'requested_by', 'approved_by', 'paid')], rows,
                [20 * mm, 36 * mm, 24 * mm, 20 * mm, 25 * mm, 25 * mm,
                    WIDTH - 150 * mm], numbers=(2,)))
        result.append(text(", ".join(
                    label('payment_total', state=states[k],
                        amount=cls.amount(totals[k], contract.currency, lang))
                    for k in ['planned', 'requested', 'approved', 'paid']
                    if k in totals), 'note'))
        return result

    @classmethod
    def signoffs_section(cls, contract, lang):
        """The sign-offs of the contract, of its changes and of its
        payments, for the readers who may read sign-offs"""
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        ModelAccess = pool.get('ir.model.access')
        if not ModelAccess.check(
                Signoff.__name__, 'read', raise_exception=False):
            return []
        gates = selection(Signoff, 'gate')
        decisions = selection(Signoff, 'decision')
        payments = {str(p): p for p in contract.payments}
        changes = {str(c): c for c in contract.changes}
        signoffs = Signoff.search([
                ('origin', 'in',
                    [str(contract)] + list(payments) + list(changes)),
                ], order=[('create_date', 'ASC'), ('id', 'ASC')])
        rows = []
        for signoff in signoffs:
            payment = payments.get(str(signoff.origin))
            change = changes.get(str(signoff.origin))
            if payment:
                what = cls.amount(payment.amount, contract.currency, lang)
            elif change:
                what = change.rec_name
            else:
                what = contract.rec_name
            rows.append([
                    cls.format_datetime_short(signoff.decided_at, lang),
                    gates[signoff.gate], what,
                    decisions[signoff.decision], signoff.user.rec_name,
                    signoff.requested_by.rec_name if signoff.requested_by
                    else None,
                    signoff.comment])
        result = [message('signoffs', 'heading')]
        if not rows:
            return result + [message('no_signoffs')]
        result.append(table(
                [labels('date', 'signoff_gate', 'signed_off', 'decision',
                        'user', 'requested_by', 'comment')],
                rows,
                [26 * mm, 24 * mm, 24 * mm, 18 * mm, 24 * mm, 24 * mm,
                    WIDTH - 140 * mm]))
        return result
