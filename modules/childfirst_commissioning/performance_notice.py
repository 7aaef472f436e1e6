# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The contract performance notice (UK9): how a contract performs against
its KPIs, published at least every 12 months while it is active.

The officer gathers a notice for a period with the wizard on the contract:
each KPI's rating is the latest rated value of the accepted returns of the
period. The officer writes the narrative and publishes it through a gate;
a published notice is kept as it was published."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Null
from sql.aggregate import Max
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from .access import AccessMixin
from .common import add_workflow
from .contract import RATINGS, rating_visual
from .exceptions import LockedError, PerformanceNoticeError
from .gate import check, check_gate, date_text, message
from .validation import InputMixin

# A notice covers at most this many months
NOTICE_MONTHS = 12
# What the workflow writes
WORKFLOW_FIELDS = {'state', 'published_at', 'published_by'}

NOTICE_TRANSITIONS = [
    ('draft', 'published'),
    ]
NOTICE_BUTTONS = [
    ('publish', ['draft'], 'tryton-ok'),
    ]


def months_later(date, months=NOTICE_MONTHS):
    "Return the last day of the months starting on date"
    return date + relativedelta(months=months, days=-1)


class PerformanceNotice(
        InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.performance_notice'
    __string__ = "Contract Performance Notice"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='RESTRICT', readonly=True,
        help="The contract whose performance the notice publishes.")
    period_start = fields.Date(
        "Period Start", required=True, states=_states,
        domain=[If(Eval('period_end'),
                ('period_start', '<=', Eval('period_end')), ())],
        help="The first day the notice covers.")
    period_end = fields.Date(
        "Period End", required=True, states=_states,
        domain=[If(Eval('period_start'),
                ('period_end', '>=', Eval('period_start')), ())],
        help="The last day the notice covers: at most 12 months after its "
        "start, within the contract term.")
    narrative = fields.Text(
        "Narrative", states=_states,
        help="How the contract performed in the period, in plain words "
        "for the public.")
    lines = fields.One2Many(
        'commissioning.contract.performance_notice.line', 'notice',
        "KPI Ratings", states=_states,
        help="Each KPI of the contract with its rating in the period.")
    published_at = fields.DateTime("Published At", readonly=True)
    published_by = fields.Many2One('res.user', "Published By", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('published', "Published"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.contract, Index.Range())))
        cls._order = [('period_end', 'DESC'), ('id', 'DESC')]
        add_workflow(cls, NOTICE_TRANSITIONS, NOTICE_BUTTONS)

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return "%s %s – %s" % (self.contract.rec_name,
            date_text(self.period_start), date_text(self.period_end))

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('state') == 'draft', 'muted', '')),
            ]

    @classmethod
    def check_modification(cls, mode, notices, values=None, external=False):
        super().check_modification(
            mode, notices, values=values, external=external)
        if mode == 'delete' or (
                mode == 'write' and set(values or {}) - WORKFLOW_FIELDS):
            for notice in notices:
                notice.check_draft()

    def check_draft(self):
        "Raise unless the notice is still a draft"
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_performance_notice_locked',
                    notice=self.rec_name))

    # Gathering

    @classmethod
    def next_period(cls, contract):
        """Return the default (start, end) of the next notice of contract:
        from the end of its last published notice or its start, 12 months
        ending at the latest today or at the contract's end"""
        Date = Pool().get('ir.date')
        last = cls.last_published([contract])[contract.id]
        start = last + dt.timedelta(days=1) if last else contract.start_date
        end = min(months_later(start), Date.today(), contract.end_date)
        return start, max(start, end)

    @classmethod
    def last_published(cls, contracts):
        """Return {contract id: end of its last published notice, or None},
        in one query per slice of contracts"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {c.id: None for c in contracts}
        for sub_ids in grouped_slice(
                [c.id for c in contracts], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.contract, Max(table.period_end),
                    where=table.contract.in_(list(sub_ids))
                    & (table.state == 'published'),
                    group_by=table.contract))
            for contract, end in cursor:
                result[contract] = _date(end)
        return result

    @classmethod
    def gather(cls, contract, start, end, narrative=None):
        """Create the draft notice of contract for the period from start to
        end, with each KPI's latest rated value in the accepted returns of
        the period"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'create')
        if contract.state != 'active':
            raise PerformanceNoticeError(gettext(
                    'childfirst_commissioning'
                    '.msg_performance_notice_contract_active',
                    contract=contract.rec_name))
        latest = cls.rated_values([contract], start, end)
        lines = []
        for kpi in contract.kpis:
            value, rating = latest.get(kpi.id, (None, None))
            lines.append({
                    'kpi': kpi.id,
                    'value': value,
                    'target': kpi.target,
                    'rating': rating,
                    })
        # The contract and the values are the server's to write
        with without_check_access():
            notice, = cls.create([{
                        'contract': contract.id,
                        'period_start': start,
                        'period_end': end,
                        'narrative': narrative,
                        'lines': [('create', lines)],
                        }])
        return notice

    @classmethod
    def rated_values(cls, contracts, start, end):
        """Return {KPI id: (value, rating)} of the latest rated line of the
        accepted returns of the contracts whose period ends from start to
        end, in one query"""
        pool = Pool()
        Line = pool.get('commissioning.monitoring.return.line')
        Return = pool.get('commissioning.monitoring.return')
        Period = pool.get('commissioning.monitoring.period')
        line = Line.__table__()
        return_ = Return.__table__()
        period = Period.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        ids = [c.id for c in contracts]
        if not ids:
            return result
        cursor.execute(*line.join(
                return_, condition=line.return_ == return_.id
                ).join(period, condition=return_.period == period.id
                ).select(
                line.kpi, line.value, line.rating,
                where=return_.contract.in_(ids)
                & (return_.state == 'accepted')
                & (line.rating != Null)
                & (period.end_date >= start) & (period.end_date <= end),
                order_by=[line.kpi, period.end_date.desc]))
        for kpi, value, rating in cursor:
            if kpi not in result:
                result[kpi] = (
                    Decimal(str(value)) if value is not None else None,
                    rating)
        return result

    # Due notices

    @classmethod
    def due_dates(cls, contracts):
        """Return {contract id: the date its next notice was due, or None}:
        an active contract owes a notice 12 months after its start or the
        end of its last published notice"""
        last = cls.last_published(contracts)
        result = {}
        for contract in contracts:
            since = last[contract.id] or contract.start_date
            result[contract.id] = (
                since + relativedelta(months=NOTICE_MONTHS)
                if contract.state == 'active' and since else None)
        return result

    @classmethod
    def due_query(cls):
        """Return the query of the ids of the active contracts whose notice
        is due today"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Date = pool.get('ir.date')
        contract = Contract.__table__()
        notice = cls.__table__()
        cutoff = Date.today() - relativedelta(months=NOTICE_MONTHS)
        last = notice.select(
            notice.contract, Max(notice.period_end).as_('period_end'),
            where=notice.state == 'published',
            group_by=notice.contract)
        return contract.join(last, 'LEFT',
            condition=last.contract == contract.id
            ).select(contract.id,
            where=(contract.state == 'active')
            & (Coalesce(last.period_end, contract.start_date) <= cutoff))

    @classmethod
    def search_due(cls, clause):
        "Return the domain of the contracts matching clause on the due flag"
        _, operator, value = clause[:3]
        if operator not in {'=', '!='}:
            return [('id', '=', None)]
        due = (operator == '=') == bool(value)
        return [('id', 'in' if due else 'not in', cls.due_query())]

    # Publication

    def publish_checks(self, published=()):
        """Return the checks of the publication gate, published being the
        published notices of the contract"""
        return [
            check('msg_check_notice_narrative_label',
                [] if (self.narrative or '').strip()
                else [message('msg_check_notice_narrative')]),
            check('msg_check_notice_ratings_label', self.rating_failures()),
            check('msg_check_notice_period_label', self.period_failures()),
            check('msg_check_notice_overlap_label',
                self.overlap_failures(published)),
            ]

    def rating_failures(self):
        "Every KPI of the contract has a rating or the reason it has none"
        lines = {line.kpi: line for line in self.lines}
        failures = []
        for kpi in self.contract.kpis:
            line = lines.get(kpi)
            if line is None:
                failures.append(message(
                        'msg_check_notice_kpi_missing', kpi=kpi.rec_name))
            elif not line.rating and not (line.unrated_reason or '').strip():
                failures.append(message(
                        'msg_check_notice_kpi_rating', kpi=kpi.rec_name))
        return failures

    def period_failures(self):
        "At most 12 months, within the contract term"
        contract = self.contract
        failures = []
        if self.period_end > months_later(self.period_start):
            failures.append(message('msg_check_notice_period_length',
                    start=self.period_start, end=self.period_end,
                    latest=months_later(self.period_start)))
        if (self.period_start < contract.start_date
                or self.period_end > contract.end_date):
            failures.append(message('msg_check_notice_period_term',
                    start=contract.start_date, end=contract.end_date))
        return failures

    def overlap_failures(self, published):
        "No other published notice of the contract overlaps the period"
        return [message('msg_check_notice_overlap', notice=other.rec_name)
            for other in published
            if other != self and other.contract == self.contract
            and other.period_start <= self.period_end
            and other.period_end >= self.period_start]

    @classmethod
    def published_of(cls, notices):
        "Return the published notices of the notices' contracts, in a search"
        if not notices:
            return []
        with without_check_access():
            return cls.search([
                    ('contract', 'in',
                        list({n.contract.id for n in notices})),
                    ('state', '=', 'published'),
                    ], order=[('period_start', 'ASC')])

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, notices):
        published = cls.published_of(notices)
        for notice in notices:
            check_gate(PerformanceNoticeError,
                'msg_performance_notice_publish_gate',
                notice.publish_checks(published), notice=notice.rec_name)
            # Two notices of a contract published together may not overlap
            published.append(notice)
        cls.write(notices, {
                'published_at': dt.datetime.now(),
                'published_by': Transaction().user,
                })


def _date(value):
    "Return a date read from the database (SQLite gives text)"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


class PerformanceNoticeLine(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.performance_notice.line'
    __string__ = "Contract Performance Notice Line"
    _history = True
    _states = {
        'readonly': Eval('notice_state') != 'draft',
        }

    notice = fields.Many2One(
        'commissioning.contract.performance_notice', "Notice",
        required=True, ondelete='CASCADE', readonly=True)
    kpi = fields.Many2One(
        'commissioning.contract.kpi', "KPI", required=True,
        ondelete='RESTRICT', readonly=True)
    value = fields.Numeric(
        "Latest Value", digits=(16, 2), readonly=True,
        help="The KPI's latest rated value in the accepted returns of the "
        "period.")
    target = fields.Numeric(
        "Target", digits=(16, 2), readonly=True,
        help="The target agreed in the contract.")
    rating = fields.Selection(
        [(None, "")] + RATINGS, "Rating", states=_states,
        help="The rating published for the period, on the Procurement Act "
        "2023 scale; gathered from the latest rated value.")
    unrated_reason = fields.Text(
        "Reason Without Rating", states=_states,
        help="Why the KPI has no rating for the period.")
    notice_state = fields.Function(
        fields.Selection('get_notice_states', "Notice State"),
        'on_change_with_notice_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.notice, Index.Range())))
        cls._order = [('notice', 'ASC'), ('kpi.sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.kpi.rec_name

    @classmethod
    def get_notice_states(cls):
        Notice = Pool().get('commissioning.contract.performance_notice')
        return Notice.fields_get(['state'])['state']['selection']

    @fields.depends('notice', '_parent_notice.state')
    def on_change_with_notice_state(self, name=None):
        return self.notice.state if self.notice else None

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="rating"]', 'visual',
                rating_visual('rating')),
            ]

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        for line in lines:
            line.notice.check_draft()

    @classmethod
    def create(cls, vlist):
        Notice = Pool().get('commissioning.contract.performance_notice')
        for notice in Notice.browse(list(
                    {v['notice'] for v in vlist if v.get('notice')})):
            notice.check_draft()
        return super().create(vlist)


class CreatePerformanceNoticeStart(ModelView):
    __name__ = 'commissioning.contract.performance_notice.create.start'
    __string__ = "Contract Performance Notice"

    contract = fields.Many2One(
        'commissioning.contract', "Contract", readonly=True)
    period_start = fields.Date(
        "Period Start", required=True,
        domain=[If(Eval('period_end'),
                ('period_start', '<=', Eval('period_end')), ())])
    period_end = fields.Date(
        "Period End", required=True,
        domain=[If(Eval('period_start'),
                ('period_end', '>=', Eval('period_start')), ())])
    narrative = fields.Text(
        "Narrative",
        help="How the contract performed in the period, in plain words for "
        "the public. It can be written later, before the notice is "
        "published.")


class CreatePerformanceNotice(Wizard):
    __name__ = 'commissioning.contract.performance_notice.create'
    __string__ = "Contract Performance Notice"
    start = StateView(
        'commissioning.contract.performance_notice.create.start',
        'childfirst_commissioning'
        '.performance_notice_create_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction(
        'childfirst_commissioning.act_performance_notice_form')

    def default_start(self, fields):
        Notice = Pool().get('commissioning.contract.performance_notice')
        start, end = Notice.next_period(self.record)
        return {
            'contract': self.record.id,
            'period_start': start,
            'period_end': end,
            }

    def do_create_(self, action):
        Notice = Pool().get('commissioning.contract.performance_notice')
        notice = Notice.gather(self.record, self.start.period_start,
            self.start.period_end, self.start.narrative)
        action['views'].reverse()
        return action, {'res_id': [notice.id]}
