# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The performance failures of contracts: a KPI rated inadequate for two
periods running, a monitoring return overdue beyond the configured limit,
or another failure an officer records.

The failures are detected every day and when a return is accepted. The
officer writes the improvement plan and its deadline, may hold the
contract's payments while the failure is open, then resolves the failure
or escalates it with its outcome. A provider's past failures are shown to
the evaluators of its future bids once the bids are unsealed."""
import datetime as dt
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import notification
from .access import AccessMixin
from .common import add_workflow
from .exceptions import FailureError, FailureValidationError, LockedError
from .gate import check, check_gate, date_text, message
from .validation import InputMixin

FAILURE_KINDS = [
    ('inadequate_kpi', "Inadequate KPI"),
    ('overdue_return', "Overdue Return"),
    ('other', "Other"),
    ]
FAILURE_STATES = [
    ('open', "Open"),
    ('resolved', "Resolved"),
    ('escalated', "Escalated"),
    ]
# What the workflow writes
WORKFLOW_FIELDS = {'state', 'decided_by', 'decided_at'}
# What the failure is about, fixed once it is recorded
IDENTITY_FIELDS = {'contract', 'kind', 'kpi', 'period', 'return_'}

FAILURE_TRANSITIONS = [
    ('open', 'resolved'),
    ('open', 'escalated'),
    ]
FAILURE_BUTTONS = [
    ('resolve', ['open'], 'tryton-ok'),
    ('escalate', ['open'], 'tryton-forward'),
    ]


class Failure(InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.contract.failure'
    __string__ = "Contract Performance Failure"
    _history = True
    _states = {
        'readonly': Eval('state') != 'open',
        }
    _fixed = {
        'readonly': Eval('id', -1) >= 0,
        }

    contract = fields.Many2One(
        'commissioning.contract', "Contract", required=True,
        ondelete='RESTRICT', states=_fixed,
        domain=[If(Eval('id', -1) < 0, ('state', '=', 'active'), ())],
        help="The contract whose performance failed.")
    kind = fields.Selection(
        FAILURE_KINDS, "Kind", required=True, sort=False, states=_fixed,
        help="What failed: a KPI rated inadequate for two periods running "
        "and a return overdue beyond the limit of the configuration are "
        "recorded automatically; officers record the others.")
    kpi = fields.Many2One(
        'commissioning.contract.kpi', "KPI", ondelete='RESTRICT',
        # The KPIs of the contract to choose from while the failure is new;
        # validate_fields checks every failure's KPI and period in one pass
        domain=[If(Eval('id', -1) < 0,
                ('contract', '=', Eval('contract', -1)),
                ())],
        states={
            'readonly': Eval('id', -1) >= 0,
            'required': Eval('kind') == 'inadequate_kpi',
            'invisible': Eval('kind') == 'overdue_return',
            },
        help="The KPI that was rated inadequate.")
    period = fields.Many2One(
        'commissioning.monitoring.period', "Period", ondelete='RESTRICT',
        domain=[If(Eval('id', -1) < 0,
                ('contract', '=', Eval('contract', -1)),
                ())],
        states=_fixed,
        help="The monitoring period the failure was found in: the second "
        "of the two inadequate periods, or the period of the overdue "
        "return.")
    return_ = fields.Many2One(
        'commissioning.monitoring.return', "Return", ondelete='RESTRICT',
        readonly=True,
        states={
            'invisible': Eval('kind') != 'overdue_return',
            },
        help="The overdue monitoring return.")
    description = fields.Text(
        "Description", required=True, states=_states,
        help="What failed, in plain words.")
    improvement_plan = fields.Text(
        "Improvement Plan", states=_states,
        help="What the provider agreed to do to put the failure right; "
        "required to resolve it.")
    deadline = fields.Date(
        "Deadline", states=_states,
        help="The date by which the improvement plan is to be met.")
    hold_payments = fields.Boolean(
        "Hold Payments", states=_states,
        help="While the failure is open, no payment of the contract can be "
        "requested nor approved.")
    outcome = fields.Text(
        "Outcome", states=_states,
        help="What was decided: how the improvement plan was met, or why "
        "the failure is escalated. Required to resolve or escalate.")
    decided_by = fields.Many2One(
        'res.user', "Decided By", readonly=True,
        help="The officer who resolved or escalated the failure.")
    decided_at = fields.DateTime("Decided At", readonly=True)
    state = fields.Selection(
        FAILURE_STATES, "State", readonly=True, required=True, sort=False,
        help="Open until an officer resolves it, the improvement plan met, "
        "or escalates it.")
    state_string = state.translated('state')
    kind_string = kind.translated('kind')

    del _states, _fixed

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.contract, Index.Range())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        add_workflow(cls, FAILURE_TRANSITIONS, FAILURE_BUTTONS)

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_kind(cls):
        return 'other'

    @classmethod
    def default_hold_payments(cls):
        return False

    def get_rec_name(self, name):
        what = self.kpi.rec_name if self.kpi else self.kind_string
        return "%s: %s" % (self.contract.rec_name, what)

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            [('contract.rec_name',) + tuple(clause[1:])],
            [('kpi.rec_name',) + tuple(clause[1:])],
            ]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('state') == 'open', 'danger', '')),
            ]

    @classmethod
    def validate_fields(cls, failures, field_names):
        super().validate_fields(failures, field_names)
        if field_names and not (
                set(field_names) & {'contract', 'kind', 'kpi', 'period'}):
            return
        for failure in failures:
            if failure.kind == 'inadequate_kpi' and not failure.kpi:
                raise FailureValidationError(gettext(
                        'childfirst_commissioning.msg_failure_kpi',
                        failure=failure.rec_name))
            for name in ['kpi', 'period']:
                value = getattr(failure, name)
                if value and value.contract != failure.contract:
                    raise FailureValidationError(gettext(
                            'childfirst_commissioning.msg_failure_contract',
                            failure=failure.rec_name,
                            field=cls.fields_get([name])[name]['string'],
                            value=value.rec_name,
                            contract=failure.contract.rec_name))

    @classmethod
    def check_modification(cls, mode, failures, values=None,
            external=False):
        super().check_modification(
            mode, failures, values=values, external=external)
        values = values or {}
        if mode == 'delete' or (
                mode == 'write' and set(values) & IDENTITY_FIELDS):
            for failure in failures:
                raise LockedError(gettext(
                        'childfirst_commissioning.msg_failure_fixed',
                        failure=failure.rec_name))
        if mode == 'write' and set(values) - WORKFLOW_FIELDS:
            for failure in failures:
                if failure.state != 'open':
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_failure_locked',
                            failure=failure.rec_name,
                            state=failure.state_string))

    # The workflow

    def decision_checks(self, resolve=True):
        """Return the checks of resolving (or escalating) the failure: the
        outcome, and to resolve it the improvement plan, are written"""
        checks = [
            check('msg_check_failure_outcome_label',
                [] if (self.outcome or '').strip()
                else [message('msg_check_failure_outcome')]),
            ]
        if resolve:
            checks.insert(0, check('msg_check_failure_plan_label',
                    [] if (self.improvement_plan or '').strip()
                    else [message('msg_check_failure_plan')]))
        return checks

    @classmethod
    @ModelView.button
    @Workflow.transition('resolved')
    def resolve(cls, failures):
        for failure in failures:
            check_gate(FailureError, 'msg_failure_resolve_gate',
                failure.decision_checks(), failure=failure.rec_name)
        cls.write(failures, {
                'decided_by': Transaction().user,
                'decided_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('escalated')
    def escalate(cls, failures):
        for failure in failures:
            check_gate(FailureError, 'msg_failure_escalate_gate',
                failure.decision_checks(resolve=False),
                failure=failure.rec_name)
        cls.write(failures, {
                'decided_by': Transaction().user,
                'decided_at': dt.datetime.now(),
                })

    # The payments

    @classmethod
    def hold_failures(cls, contract):
        """Return the texts of the open failures of contract that hold its
        payments, for the gate of its payments"""
        return [message('msg_check_payment_failure', failure=f.rec_name)
            for f in contract.failures
            if f.state == 'open' and f.hold_payments]

    # Detection

    @classmethod
    def create(cls, vlist):
        failures = super().create(vlist)
        notification.failure_recorded(failures)
        return failures

    @classmethod
    def detect(cls, contracts=None, date=None, accepted=()):
        """Record the failures of the active contracts, or of contracts:
        each KPI rated inadequate in two periods running and each return
        overdue beyond the configured limit, unless the same failure is
        open, or was recorded for a period that is not before the periods
        found. The returns accepted are being accepted.

        A fixed number of queries, whatever the number of contracts."""
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('commissioning.configuration')
        date = date or Date.today()
        if contracts is not None:
            contracts = [c.id for c in contracts]
            if not contracts:
                return []
        limit = Configuration(1).failure_overdue_days
        found = (cls.inadequate_found(contracts, {r.id for r in accepted})
            + cls.overdue_found(contracts, date, limit))
        if not found:
            return []
        open_, last = cls.recorded(contracts)
        vlist = []
        for values in found:
            since = values.pop('since')
            key = (values['contract'], values['kind'], values.get('kpi'))
            if key in open_ or (key in last and since <= last[key]):
                continue
            open_.add(key)
            vlist.append(values)
        if not vlist:
            return []
        # The server records what it found, whoever triggers it
        with without_check_access():
            return cls.create(vlist)

    @classmethod
    def _slices(cls, contracts):
        "Yield the slices of the contract ids, or None for every contract"
        if contracts is None:
            yield None
        else:
            for sub_ids in grouped_slice(contracts, backend.MAX_QUERY_PARAMS):
                yield list(sub_ids)

    @classmethod
    def _where(cls, contract, sub_ids):
        "Return the condition on the contract table for a slice"
        where = contract.state == 'active'
        if sub_ids is not None:
            where &= contract.id.in_(sub_ids)
        return where

    @classmethod
    def inadequate_found(cls, contracts, accepted=()):
        """Return the values of the failures of the KPIs rated inadequate
        in the accepted returns of two periods running, the returns
        accepted counting as accepted"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Period = pool.get('commissioning.monitoring.period')
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        Kpi = pool.get('commissioning.contract.kpi')
        contract = Contract.__table__()
        period = Period.__table__()
        return_ = Return.__table__()
        line = Line.__table__()
        kpi = Kpi.__table__()
        cursor = Transaction().connection.cursor()
        previous, dates, inadequate = {}, {}, {}
        for sub_ids in cls._slices(contracts):
            cursor.execute(*period.join(
                    contract, condition=period.contract == contract.id
                    ).select(
                    period.contract, period.id, period.start_date,
                    period.end_date,
                    where=cls._where(contract, sub_ids),
                    order_by=[period.contract, period.start_date]))
            last = {}
            for contract_id, period_id, start, end in cursor:
                previous[period_id] = last.get(contract_id)
                last[contract_id] = period_id
                dates[period_id] = (start, end)
            cursor.execute(*line.join(
                    return_, condition=line.return_ == return_.id
                    ).join(contract,
                    condition=return_.contract == contract.id
                    ).join(kpi, condition=line.kpi == kpi.id
                    ).select(
                    return_.contract, line.kpi, return_.period, kpi.name,
                    return_.id, return_.state,
                    where=cls._where(contract, sub_ids)
                    & return_.state.in_(['submitted', 'accepted'])
                    & (line.rating == 'inadequate')))
            for contract_id, kpi_id, period_id, name, id_, state in cursor:
                if state == 'accepted' or id_ in accepted:
                    inadequate[(kpi_id, period_id)] = (contract_id, name)
        latest = {}
        for (kpi_id, period_id), (contract_id, name) in inadequate.items():
            before = previous.get(period_id)
            if before is None or (kpi_id, before) not in inadequate:
                continue
            # The latest two periods running of each KPI
            if (kpi_id in latest and _date(dates[latest[kpi_id]['period']][0])
                    > _date(dates[period_id][0])):
                continue
            latest[kpi_id] = {
                'contract': contract_id,
                'kind': 'inadequate_kpi',
                'kpi': kpi_id,
                'period': period_id,
                'since': _date(dates[before][0]),
                'description': message('msg_failure_inadequate',
                    kpi=name, previous=period_text(*dates[before]),
                    period=period_text(*dates[period_id])),
                }
        return sorted(latest.values(),
            key=lambda v: (v['contract'], v['kpi']))

    @classmethod
    def overdue_found(cls, contracts, date, limit):
        """Return the values of the failures of the returns still a draft
        more than limit days after their due date"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Period = pool.get('commissioning.monitoring.period')
        Return = pool.get('commissioning.monitoring.return')
        contract = Contract.__table__()
        period = Period.__table__()
        return_ = Return.__table__()
        cursor = Transaction().connection.cursor()
        cutoff = date - dt.timedelta(days=limit)
        latest = {}
        for sub_ids in cls._slices(contracts):
            cursor.execute(*return_.join(
                    period, condition=return_.period == period.id
                    ).join(contract,
                    condition=return_.contract == contract.id
                    ).select(
                    return_.contract, return_.id, period.id,
                    period.start_date, period.end_date, period.due_date,
                    where=cls._where(contract, sub_ids)
                    & (return_.state == 'draft')
                    & (period.due_date < cutoff),
                    order_by=[return_.contract, period.start_date]))
            for row in cursor:
                # The latest overdue return of each contract
                latest[row[0]] = row
        result = []
        for contract_id, return_id, period_id, start, end, due in sorted(
                latest.values(), key=lambda r: r[0]):
            due = _date(due)
            result.append({
                    'contract': contract_id,
                    'kind': 'overdue_return',
                    'period': period_id,
                    'return_': return_id,
                    'since': _date(start),
                    'description': message('msg_failure_overdue',
                        period=period_text(start, end), due=due,
                        days=(date - due).days),
                    })
        return result

    @classmethod
    def recorded(cls, contracts):
        """Return the keys (contract, kind, KPI) of the open failures, and
        {key: the start of the latest period a failure of the key was
        recorded for}"""
        Period = Pool().get('commissioning.monitoring.period')
        table = cls.__table__()
        period = Period.__table__()
        cursor = Transaction().connection.cursor()
        open_, last = set(), {}
        for sub_ids in cls._slices(contracts):
            where = table.kind != 'other'
            if sub_ids is not None:
                where &= table.contract.in_(sub_ids)
            cursor.execute(*table.join(period, 'LEFT',
                    condition=table.period == period.id
                    ).select(
                    table.contract, table.kind, table.kpi, table.state,
                    period.start_date, where=where))
            for contract, kind, kpi, state, start in cursor:
                key = (contract, kind, kpi)
                if state == 'open':
                    open_.add(key)
                start = _date(start)
                if start and (key not in last or start > last[key]):
                    last[key] = start
        return open_, last

    # Past performance

    @classmethod
    def past_performance(cls, parties):
        """Return {party id: (count, summary)} of the failures recorded on
        the contracts of the parties, in one query per slice of parties"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Kpi = pool.get('commissioning.contract.kpi')
        contract = Contract.__table__()
        table = cls.__table__()
        kpi = Kpi.__table__()
        cursor = Transaction().connection.cursor()
        kinds = dict(cls.fields_get(['kind'])['kind']['selection'])
        states = dict(cls.fields_get(['state'])['state']['selection'])
        rows = defaultdict(list)
        party_ids = list({p for p in parties if p is not None})
        for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.join(
                    contract, condition=table.contract == contract.id
                    ).join(kpi, 'LEFT', condition=table.kpi == kpi.id
                    ).select(
                    contract.provider, contract.name, table.kind, kpi.name,
                    table.state, table.create_date, table.outcome,
                    where=contract.provider.in_(list(sub_ids)),
                    order_by=[table.create_date.desc, table.id.desc]))
            for party, *row in cursor:
                rows[party].append(row)
        result = {}
        for party in party_ids:
            lines = []
            for name, kind, kpi_name, state, created, outcome in rows[party]:
                lines.append(message('msg_failure_past_line',
                        contract=name,
                        kind=kinds[kind] if not kpi_name
                        else "%s (%s)" % (kinds[kind], kpi_name),
                        state=states[state],
                        date=_date(created)))
                if outcome:
                    lines.append("    " + outcome.strip())
            if lines:
                lines.insert(0, message('msg_failure_past_summary',
                        count=len(rows[party])))
            else:
                lines = [message('msg_failure_past_none')]
            result[party] = (len(rows[party]), "\n".join(lines))
        return result


def period_text(start, end):
    "Return the period from start to end as the user's language writes it"
    return "%s – %s" % (date_text(_date(start)), date_text(_date(end)))


def _date(value):
    "Return a date read from the database (SQLite gives text)"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value
