# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The performance report of a contract: KPI values and ratings per period,
trends against the targets, breakdowns by group, children's involvement,
returns, payments and sign-offs."""
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Table, TableStyle

from trytond.pool import Pool

from .report import (
    DASH, HEADER_BACKGROUND, MUTED, WIDTH, CommissioningReport, fonts, label,
    labels, message, selection, table, text)
from .states import REPORTED_STATES

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
CHART_WIDTH, CHART_HEIGHT = WIDTH / 2 - 4 * mm, 46 * mm


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

    @classmethod
    def facts(cls, contract, returns, reported, lang):
        "Return the facts of the contract as (label name, value)"
        Contract = Pool().get('commissioning.contract')
        return [
            ('provider', contract.provider.rec_name),
            ('commissioner', contract.company.rec_name),
            ('tender', contract.tender.rec_name if contract.tender else None),
            ('value', cls.amount(contract.value, contract.currency, lang)),
            ('term', label('term_dates',
                    start=lang.strftime(contract.start_date),
                    end=lang.strftime(contract.end_date))),
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

    @staticmethod
    def period_label(period, lang):
        "Return the month of the end of the period, as the axis shows it"
        return lang.strftime(period.end_date, '%b %Y')

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
            message('latest_rating', 'heading'),
            message('latest_rating_note', 'note'),
            table([labels(
                        'kpi', 'tenet', 'category', 'target', 'unit',
                        'latest', 'rating')], rows,
                [55 * mm, 27 * mm, 24 * mm, 15 * mm, 17 * mm, 15 * mm,
                    WIDTH - 153 * mm],
                numbers=(3, 5), style=style),
            ]
        if counts:
            result.append(message('latest_ratings', 'note',
                    ratings=", ".join(
                        label('rating_count', count=counts[k],
                            rating=ratings[k])
                        for k in RATING_COLORS if k in counts)))
        return result

    @classmethod
    def values_section(cls, kpis, reported, values, ratings, lang):
        "A row per KPI and a column per reported period, coloured by rating"
        result = [message('values', 'heading')]
        if not reported:
            return result + [message('no_return_submitted')]
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
                [labels('kpi')
                    + [cls.period_label(r.period, lang) for r in periods]],
                rows, [62 * mm] + [width] * len(periods),
                numbers=tuple(range(1, len(periods) + 1)), style=style))
        result.append(message('values_note', 'note',
                ratings=", ".join(ratings[k] for k in RATING_COLORS)))
        return result

    @classmethod
    def trend_section(cls, kpis, reported, values, lang):
        "A chart per KPI of its values against its target"
        result = [message('trends', 'heading')]
        charts = [cls.chart(kpi, reported, values, lang) for kpi in kpis]
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
        result.append(message('trends_note', 'note'))
        return result

    @classmethod
    def chart(cls, kpi, reported, values, lang):
        "Return the drawing of the values of kpi against its target"
        regular, bold = fonts()
        points = []
        for index, record in enumerate(reported):
            line = values.get((kpi.id, record.id))
            if line is not None and line.value is not None:
                points.append((index, float(line.value)))
        drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
        drawing.add(String(0, CHART_HEIGHT - 9, kpi.name[:62],
                fontName=bold, fontSize=7.5))
        if not points or kpi.target is None:
            drawing.add(String(0, CHART_HEIGHT / 2, label('no_values'),
                    fontName=regular, fontSize=7.5))
            return drawing
        plot = cls.plot(kpi, reported, points, lang)
        drawing.add(plot)
        last = max(len(reported) - 1, 1)
        top = plot.yValueAxis.valueMax
        for index, y in points:
            line = values.get((kpi.id, reported[index].id))
            if line.rating:
                drawing.add(Circle(
                        plot.x + plot.width * index / last,
                        plot.y + plot.height * y / top, 2.2,
                        fillColor=RATING_LINES[line.rating],
                        strokeColor=None))
        drawing.add(String(CHART_WIDTH - 2, CHART_HEIGHT - 18,
                label('chart_target', target=cls.score(kpi.target, lang),
                    unit=kpi.unit or ''),
                fontName=regular, fontSize=6.5, textAnchor='end',
                fillColor=MUTED))
        return drawing

    @classmethod
    def plot(cls, kpi, reported, points, lang):
        "Return the line plot of the points and of the target of kpi"
        regular, _ = fonts()
        target = float(kpi.target)
        top = max([target] + [y for _, y in points]) * 1.15 or 1
        plot = LinePlot()
        plot.x, plot.y = 22, 14
        plot.width, plot.height = CHART_WIDTH - 30, CHART_HEIGHT - 30
        last = max(len(reported) - 1, 1)
        plot.data = [points, [(0, target), (last, target)]]
        plot.lines[0].strokeColor = colors.HexColor('#1f4e79')
        plot.lines[0].strokeWidth = 1.4
        plot.lines[1].strokeColor = colors.HexColor('#888888')
        plot.lines[1].strokeDashArray = [3, 2]
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
        plot.xValueAxis.valueSteps = list(range(len(reported)))
        plot.xValueAxis.labelTextFormat = (
            lambda i: cls.period_label(reported[int(i)].period, lang)
            if 0 <= int(i) < len(reported) else '')
        plot.xValueAxis.labels.fontName = regular
        plot.xValueAxis.labels.fontSize = 5.5
        plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, top
        plot.yValueAxis.labels.fontName = regular
        plot.yValueAxis.labels.fontSize = 6
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
        width = (WIDTH - 60 * mm) / len(shown)
        result.append(table([labels('group') + [k.name for k in shown]],
                rows, [60 * mm] + [width] * len(shown),
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
                        cls.format_date(evidence.date, lang),
                        methods.get(evidence.method) or DASH,
                        str(evidence.children_count or 0),
                        evidence.influence,
                        cls.yes_no(evidence.complete)])
        result = [message('collaboration', 'heading')]
        if not rows:
            return result + [message('no_collaboration')]
        result.append(message('collaboration_note', 'note',
                records=len(rows), children=children))
        result.append(table(
                [labels('period', 'date', 'method', 'children', 'influence',
                        'complete')], rows,
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
        result = [message('monitoring_returns', 'heading')]
        if not rows:
            return result + [message('no_return_due')]
        result.append(table(
                [labels('period', 'due', 'state', 'submitted', 'reviewed_by',
                        'overdue')], rows,
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
                    cls.format_date(payment.paid_date, lang)])
        result = [message('payments', 'heading')]
        if not rows:
            return result + [message('no_payment')]
        result.append(table(
                [labels('planned', 'period', 'amount', 'state',
                        'approved_by', 'paid')], rows,
                [22 * mm, 38 * mm, 28 * mm, 20 * mm, WIDTH - 130 * mm,
                    22 * mm], numbers=(2,)))
        result.append(text(", ".join(
                    label('payment_total', state=states[k],
                        amount=cls.amount(totals[k], contract.currency, lang))
                    for k in ['planned', 'requested', 'approved', 'paid']
                    if k in totals), 'note'))
        return result
