# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""What waits for the user: the work queue each role opens at login.

A row is an item to act on, read from the model it belongs to by that
model's own search as the user: the record rules and the model access of
the user apply to every part of the queue, so it shows and counts nothing
the user may not read. Each role adds its parts; a part is one query of the
UNION, whatever the number of items."""
import datetime as dt

from sql import Cast, Expression, Literal, Union
from sql.operators import Concat, Exists

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction, check_access

from .access import AccessMixin
from .states import ASSIGNMENT_STATES, LIVE_STATES

MODULE = 'childfirst_commissioning'
KINDS = [
    ('tender', "Tender"),
    ('signoff', "Sign-off"),
    ('conflict', "Conflicts"),
    ('score', "Score"),
    ('open_tender', "Open Tender"),
    ('bid', "Bid"),
    ('return', "Monitoring Return"),
    ('payment', "Payment"),
    ('performance_notice', "Performance Notice"),
    ('question', "Question"),
    ('lot', "Lot"),
    ('failure', "Performance Failure"),
    ]
ACTIONS = [
    ('request_approval', "Complete the design and request approval"),
    ('publish', "Publish"),
    ('start_evaluation', "Start the evaluation"),
    ('complete_evaluation', "Complete the evaluation"),
    ('recommend_award', "Recommend the award"),
    ('create_contract', "Create the contract"),
    ('review_return', "Review the return"),
    ('request_payment', "Request the payment"),
    ('approve_budget', "Sign off the tender budget"),
    ('approve_award', "Sign off the award"),
    ('activate_contract', "Sign off the contract activation"),
    ('approve_payment', "Sign off the payment release"),
    ('declare_conflicts', "Declare your conflicts of interest"),
    ('score', "Score with a justification"),
    ('bid', "Prepare a bid"),
    ('submit_bid', "Complete and submit the bid"),
    ('submit_return', "Complete and submit the return"),
    ('revise_return', "Revise the return sent back and submit it again"),
    ('performance_notice', "Publish the contract performance notice"),
    ('answer_question', "Answer the question and publish the answer"),
    ('approve_change', "Sign off the contract change"),
    ('follow_failure',
        "Follow the improvement plan and decide the outcome"),
    ]
# What an officer does next with a tender in each state
TENDER_ACTIONS = [
    ('draft', 'request_approval'),
    ('approved', 'publish'),
    ('closed', 'start_evaluation'),
    ('evaluation', 'complete_evaluation'),
    ('moderated', 'recommend_award'),
    ('awarded', 'create_contract'),
    ]
# The states in which a tender in lots waits for its lots, not itself
LOTS_STATES = {'moderated', 'awarded'}
# The parts of each role: the group XML id and the method adding its parts
ROLES = [
    ('group_commissioning', '_officer_parts'),
    ('group_commissioning_finance', '_finance_parts'),
    ('group_commissioning_evaluator', '_evaluator_parts'),
    ('group_commissioning_provider', '_provider_parts'),
    ]
# The models of the records of the items
RECORDS = [
    'commissioning.tender', 'commissioning.bid',
    'commissioning.evaluation.assignment', 'commissioning.tender.evaluator',
    'commissioning.contract', 'commissioning.monitoring.return',
    'commissioning.contract.payment', 'commissioning.tender.question',
    'commissioning.tender.lot', 'commissioning.contract.change',
    'commissioning.contract.failure']
# The rows of a part are numbered id * PARTS + the part's number
PARTS = 100
# The columns of the rows and their SQL types
COLUMNS = [
    ('create_uid', 'INTEGER'),
    ('create_date', 'TIMESTAMP'),
    ('write_uid', 'INTEGER'),
    ('write_date', 'TIMESTAMP'),
    ('kind', 'VARCHAR'),
    ('action', 'VARCHAR'),
    ('record', 'VARCHAR'),
    ('tender', 'INTEGER'),
    ('bid', 'INTEGER'),
    ('due_date', 'DATE'),
    ('deadline', 'TIMESTAMP'),
    ]


def check_record_domain(domain):
    """Refuse a domain on a field of the record of an item but its name:
    Tryton searches the record's relations as the server, which would tell
    the user of records they may not read"""
    if domain in ('AND', 'OR'):
        return
    if not is_leaf(domain):
        for clause in domain:
            check_record_domain(clause)
        return
    name = domain[0]
    if name.startswith('record.') and name != 'record.rec_name':
        raise AccessError(gettext(
                'childfirst_commissioning.msg_work_record_search',
                field=name))


class Work(AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.work'
    __string__ = "Work Item"

    kind = fields.Selection(KINDS, "Kind", readonly=True)
    action = fields.Selection(ACTIONS, "To Do", readonly=True)
    record = fields.Reference(
        "Record", selection='get_records', readonly=True,
        help="The record to act on: click to open it.")
    tender = fields.Many2One('commissioning.tender', "Tender", readonly=True)
    bid = fields.Many2One('commissioning.bid', "Bid", readonly=True)
    due_date = fields.Date("Due Date", readonly=True)
    deadline = fields.DateTime("Deadline", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('due_date', 'ASC NULLS LAST'),
            ('deadline', 'ASC NULLS LAST'),
            ('id', 'ASC'),
            ]

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        check_record_domain(domain)
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @classmethod
    def get_records(cls):
        """The models of the items the user may read: the clients hide a
        reference to a model the user may not read"""
        pool = Pool()
        Model = pool.get('ir.model')
        ModelAccess = pool.get('ir.model.access')
        return [(None, '')] + [(m, Model.get_name(m)) for m in RECORDS
            if ModelAccess.check(m, 'read', raise_exception=False)]

    @classmethod
    def table_query(cls):
        transaction = Transaction()
        if transaction.user:
            # The user's record rules, even when called by the server
            with check_access():
                parts = cls._parts()
        else:
            parts = cls._parts()
        if not parts:
            return cls._empty()
        if len(parts) == 1:
            return parts[0]
        return Union(*parts, all_=True)

    @classmethod
    def _parts(cls):
        "Return the queries of the parts of the current user's roles"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        groups = set(User.get_groups())
        parts = []
        for group, method in ROLES:
            if ModelData.get_id(MODULE, group) in groups:
                parts.extend(getattr(cls, method)())
        return parts

    @classmethod
    def _empty(cls):
        table = Pool().get('commissioning.tender').__table__()
        return cls._select(table, 0, '', '', Literal(False))

    @classmethod
    def _select(cls, table, number, kind, action, where, record=None,
            from_=None, **columns):
        """Return the select of the rows of a part from table (or the join
        from_ of table), numbered number, the record being table's of the
        model record"""
        Database = Transaction().database

        def typed(value, type_):
            "A constant of the type of the column, as the union needs"
            if isinstance(value, Expression):
                return value
            return Cast(Literal(value), Database.sql_type(type_).base)
        if record:
            record = Concat(record + ',', Cast(
                    table.id, Database.sql_type('VARCHAR').base))
        values = dict(kind=kind, action=action, record=record, **columns)
        return (table if from_ is None else from_).select(
            (table.id * PARTS + number).as_('id'),
            *(typed(values.get(c), t).as_(c) for c, t in COLUMNS),
            where=where)

    @classmethod
    def _search(cls, model, domain):
        """Return the table of model and the condition of its records the
        user may read that match domain; None when the user may not read
        model at all"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Model = pool.get(model)
        if not ModelAccess.check(model, 'read', raise_exception=False):
            return None, None
        table = Model.__table__()
        return table, table.id.in_(
            Model.search(domain, order=[], query=True))

    @classmethod
    def _part(cls, number, model, domain, kind, action, **columns):
        """Return the parts of the records of model matching domain, the
        columns being functions of the model's table"""
        table, where = cls._search(model, domain)
        if table is None:
            return []
        return [cls._select(table, number, kind, action, where, model,
                **{k: f(table) for k, f in columns.items()})]

    # The parts of each role

    @classmethod
    def _officer_parts(cls):
        uid = Transaction().user
        parts = []
        for number, (state, action) in enumerate(TENDER_ACTIONS, 1):
            domain = [('state', '=', state)]
            if state in LOTS_STATES:
                domain.append(('lots', '=', None))
            parts += cls._part(number, 'commissioning.tender', domain,
                'tender', action,
                tender=lambda t: t.id,
                due_date=lambda t: t.standstill_end,
                deadline=lambda t: t.submission_deadline)
        parts += cls._returns(10, [
                ('state', '=', 'submitted'),
                ['OR',
                    ('submitted_by', '=', None),
                    ('submitted_by', '!=', uid)],
                ], 'review_return')
        parts += cls._payments_to_request(11)
        parts += cls._part(12, 'commissioning.tender.question', [
                ('state', 'in', ['asked', 'answered']),
                ('tender.state', '=', 'published'),
                ], 'question', 'answer_question',
            tender=lambda q: q.tender)
        parts += cls._part(13, 'commissioning.tender.lot', [
                ('state', '=', 'open'),
                ('tender.state', '=', 'moderated'),
                ], 'lot', 'recommend_award',
            tender=lambda t: t.tender)
        parts += cls._part(14, 'commissioning.tender.lot', [
                ('state', '=', 'awarded'),
                ], 'lot', 'create_contract',
            tender=lambda t: t.tender,
            bid=lambda t: t.winning_bid,
            due_date=lambda t: t.standstill_end)
        parts += cls._part(15, 'commissioning.contract.failure', [
                ('state', '=', 'open'),
                ], 'failure', 'follow_failure',
            due_date=lambda t: t.deadline)
        parts += cls._part(20, 'commissioning.contract', [
                ('performance_notice_due', '=', True),
                ], 'performance_notice', 'performance_notice')
        return parts

    @classmethod
    def _payments_to_request(cls, number):
        "The planned payments of active contracts whose return is accepted"
        table, where = cls._search('commissioning.contract.payment', [
                ('state', '=', 'planned'),
                ('contract.state', '=', 'active'),
                ])
        return_, accepted = cls._search('commissioning.monitoring.return', [
                ('state', '=', 'accepted'),
                ])
        if table is None or return_ is None:
            return []
        where &= Exists(return_.select(Literal(1),
                where=accepted & (return_.period == table.period)))
        return [cls._select(table, number, 'payment', 'request_payment',
                where, 'commissioning.contract.payment',
                due_date=table.planned_date)]

    @classmethod
    def _finance_parts(cls):
        "What waits for the user's sign-off: not what they requested"
        uid = Transaction().user

        def not_mine(field):
            return ['OR', (field, '=', None), (field, '!=', uid)]
        return (
            cls._part(20, 'commissioning.tender', [
                    ('state', '=', 'pending_approval'),
                    not_mine('requested_by'),
                    ], 'signoff', 'approve_budget',
                tender=lambda t: t.id,
                deadline=lambda t: t.submission_deadline)
            + cls._part(21, 'commissioning.tender', [
                    ('state', '=', 'award_pending'),
                    not_mine('award_requested_by'),
                    ], 'signoff', 'approve_award',
                tender=lambda t: t.id,
                bid=lambda t: t.winning_bid)
            + cls._part(22, 'commissioning.contract', [
                    ('state', '=', 'draft'),
                    not_mine('create_uid'),
                    ], 'signoff', 'activate_contract',
                tender=lambda t: t.tender,
                due_date=lambda t: t.start_date)
            + cls._part(23, 'commissioning.contract.payment', [
                    ('state', '=', 'requested'),
                    not_mine('requested_by'),
                    ], 'signoff', 'approve_payment',
                due_date=lambda t: t.planned_date)
            + cls._part(24, 'commissioning.tender.lot', [
                    ('state', '=', 'award_pending'),
                    not_mine('award_requested_by'),
                    ], 'signoff', 'approve_award',
                tender=lambda t: t.tender,
                bid=lambda t: t.winning_bid)
            + cls._part(25, 'commissioning.contract.change', [
                    ('state', '=', 'requested'),
                    not_mine('requested_by'),
                    ], 'signoff', 'approve_change'))

    @classmethod
    def _evaluator_parts(cls):
        uid = Transaction().user
        return (
            cls._part(30, 'commissioning.tender.evaluator', [
                    ('user', '=', uid),
                    ('conflict_state', '=', 'pending'),
                    ('tender.state', 'in',
                        ASSIGNMENT_STATES + ['evaluation']),
                    ], 'conflict', 'declare_conflicts',
                tender=lambda t: t.tender)
            # The answers to score: of the submitted bids of the tenders in
            # evaluation to a criterion assigned to the user, but on the
            # bids the user declared a conflict on
            + cls._part(31, 'commissioning.evaluation.assignment', [
                    ('user', '=', uid),
                    ('state', '=', 'to_score'),
                    ], 'score', 'score',
                tender=lambda t: t.tender,
                bid=lambda t: t.bid))

    @classmethod
    def _provider_parts(cls):
        return (cls._open_tenders(40)
            + cls._part(41, 'commissioning.bid', [
                    ('state', '=', 'draft'),
                    ], 'bid', 'submit_bid',
                tender=lambda t: t.tender,
                bid=lambda t: t.id)
            + cls._returns(42, [
                    ('state', '=', 'draft'),
                    ('review_comment', '=', None),
                    ], 'submit_return')
            + cls._returns(43, [
                    ('state', '=', 'draft'),
                    ('review_comment', '!=', None),
                    ], 'revise_return'))

    @classmethod
    def _returns(cls, number, domain, action):
        "The returns matching domain, due at the due date of their period"
        Period = Pool().get('commissioning.monitoring.period')
        table, where = cls._search('commissioning.monitoring.return', domain)
        if table is None:
            return []
        period = Period.__table__()
        query = table.join(period, condition=period.id == table.period)
        return [cls._select(table, number, 'return', action, where,
                'commissioning.monitoring.return', from_=query,
                due_date=period.due_date)]

    @classmethod
    def _open_tenders(cls, number):
        """The published tenders still open that none of the user's
        organisations has a live bid on"""
        table, where = cls._search('commissioning.tender', [
                ('state', '=', 'published'),
                ('submission_deadline', '>', dt.datetime.now()),
                ])
        bid, live = cls._search('commissioning.bid', [
                ('state', 'in', LIVE_STATES),
                ])
        if table is None:
            return []
        if bid is not None:
            where &= ~Exists(bid.select(Literal(1),
                    where=live & (bid.tender == table.id)))
        return [cls._select(table, number, 'open_tender', 'bid', where,
                'commissioning.tender', tender=table.id,
                deadline=table.submission_deadline)]
