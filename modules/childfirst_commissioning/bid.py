# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The bids of providers: sealed until their tender closes, submitted
through a gate, ranked once evaluated."""
import datetime as dt

from sql import Cast, Column, Literal, Select, Values
from sql.aggregate import Count
from sql.functions import CurrentTimestamp, Function
from sql.operators import Equal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Exclude, Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .access import AccessMixin
from .collaboration import CollaborationOriginMixin
from .common import add_workflow
from .exceptions import (
    BidSubmissionError, BidValidationError, LockedError, RelationError,
    WithdrawError)
from .gate import check, check_gate, checklist_text, confirm, message
from .ranking import RANKING_FIELDS
from .states import (
    BID_STATES, CLOSED_STATES, DEAD_STATES, LIVE_STATES, TENDER_STATES)
from .validation import InputMixin

# The bids stored per statement: 7 parameters each, below the 32,766 of
# SQLite and the 65,535 of PostgreSQL
RANKING_CHUNK = 4000


def is_provider_user():
    "Whether the current user acts for provider organisations"
    User = Pool().get('res.user')
    return bool(User.get_commissioning_parties())


# The workflow of the bid: its transitions, and its buttons with the
# states they show in and their icon
BID_TRANSITIONS = [
    ('draft', 'submitted'),
    ('submitted', 'withdrawn'),
    ('draft', 'void'),
    ('submitted', 'void'),
    ('submitted', 'awarded'),
    ('submitted', 'unsuccessful'),
    ]
BID_BUTTONS = [
    ('submit', ['draft'], 'tryton-forward'),
    ('withdraw', ['submitted'], 'tryton-back'),
    ]


class Unnest(Function):
    "The rows of arrays of PostgreSQL"
    __slots__ = ()
    _function = 'UNNEST'


class RankingStoreMixin:
    "Store a ranking computed by the server on many records at once"
    __slots__ = ()

    @classmethod
    def set_ranking(cls, bids, name, ranking):
        """Store ranking, {bid id: values of RANKING_FIELDS}, in one UPDATE
        from a list of values per RANKING_CHUNK bids (bids are records or
        ids), with the write date and user"""
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        ids = [i for i in map(int, bids) if i in ranking]
        for sub_ids in grouped_slice(ids, RANKING_CHUNK):
            values = cls._ranking_values(list(sub_ids), ranking)
            cursor.execute(*table.update(
                    [Column(table, n) for n in RANKING_FIELDS]
                    + [table.write_uid, table.write_date],
                    [cls._ranking_column(values, i, n)
                        for i, n in enumerate(RANKING_FIELDS, 2)]
                    + [transaction.user, CurrentTimestamp()],
                    from_=[values],
                    where=table.id == Column(values, 'column1')))

    @classmethod
    def _ranking_values(cls, ids, ranking):
        """Return the rows (id, values of RANKING_FIELDS) of the bids as a
        table of columns column1, column2...: on PostgreSQL, one array per
        column (a handful of parameters, not one per value)"""
        fields_ = [cls._fields[n] for n in RANKING_FIELDS]
        columns = [ids] + [[f.sql_format(ranking[i][f.name]) for i in ids]
            for f in fields_]
        if backend.name != 'postgresql':
            return Values([list(row) for row in zip(*columns)])
        types = ['INTEGER'] + [f.sql_type().base for f in fields_]
        return Select([
                Unnest(Cast(Literal(c), '%s[]' % t)).as_('column%s' % i)
                for i, (c, t) in enumerate(zip(columns, types), 1)])

    @classmethod
    def store_ranking(cls, ranking):
        """Store ranking, {bid id: values of RANKING_FIELDS}, as a write
        would, without instantiating or validating the bids: the values
        are the module's own computation, not input. The history keeps
        them and the caches of the transaction forget the bids."""
        transaction = Transaction()
        ids = list(ranking)
        cls.set_ranking(ids, 'ranking', ranking)
        cls._insert_history(ids)
        transaction.counter += 1
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                for id_ in ids:
                    cache[cls.__name__].pop(id_, None)

    @classmethod
    def _ranking_column(cls, values, index, name):
        column = Column(values, 'column%s' % index)
        if backend.name == 'postgresql':
            # A column of NULLs only would be text
            column = Cast(column, cls._fields[name].sql_type().base)
        return column


class Bid(
        RankingStoreMixin, InputMixin, AccessMixin, CollaborationOriginMixin,
        Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.bid'
    __string__ = "Bid"
    _collaboration_none_message = 'msg_bid_check_evidence_none'
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='RESTRICT',
        domain=[
            If(Eval('state') == 'draft',
                ('state', '=', 'published'),
                ()),
            ],
        states={
            'readonly': (Eval('state') != 'draft') | Eval('responses', [0]),
            },
        help="The published tender this bid answers.")
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    provider = fields.Many2One(
        'party.party', "Provider", required=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states=_states,
        help="The organisation that bids.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    # Lazy: evaluators may not read it (field access), and a client that
    # reads a bid's eager fields must not fail for them
    price = Monetary(
        "Price", currency='currency', digits='currency', states=_states,
        loading='lazy',
        help="The total price over the contract. Sealed until the tender "
        "closes.")
    lots = fields.Many2Many(
        'commissioning.bid-commissioning.tender.lot', 'bid', 'lot', "Lots",
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ],
        states=_states,
        help="The lots of the tender this bid is for, when the tender has "
        "lots: at least one, at most the tender's limit. The bid answers "
        "the criteria of its lots. Sealed until the tender closes.")
    responses = fields.One2Many(
        'commissioning.bid.response', 'bid', "Responses", states=_states,
        help="Your answer to each criterion of the tender. Every criterion "
        "except the price needs an answer.")
    collaborations = fields.One2Many(
        'commissioning.collaboration', 'origin',
        "Collaboration with Children", states=_states,
        help="Evidence that children shaped this bid or the bidder's "
        "services.")
    needs_reconfirmation = fields.Boolean(
        "Needs Re-confirmation", readonly=True,
        help="The tender was amended after this bid was submitted: confirm "
        "the bid stands before the deadline, or it is void at close.")
    submitted_at = fields.DateTime("Submitted At", readonly=True,
        help="When the bid was submitted, to the second; it must be before "
        "the deadline.")
    eligible = fields.Boolean("Eligible", readonly=True,
        help="Whether the bid passed every pass/fail requirement and minimum"
        " score; only eligible bids are ranked.")
    exclusion_reason = fields.Text("Exclusion Reason", readonly=True,
        help="Why the bid is not eligible, one reason a line.")
    child_first_score = fields.Numeric(
        "Child First Score", digits=(16, 2), readonly=True,
        help="The weighted score of the Child First criteria.")
    price_score = fields.Numeric("Price Score", digits=(16, 2), readonly=True,
        help="The score of the price: the lowest price gets the price "
        "criterion's full weight, the others in proportion.")
    total_score = fields.Numeric("Total Score", digits=(16, 2), readonly=True,
        help="The weighted scores of every criterion and the price, out of "
        "100.")
    rank = fields.Integer("Rank", readonly=True,
        help="The bid's place among the eligible bids, 1 being the best; "
        "empty when the bid is not eligible.")
    submission_checklist = fields.Function(
        fields.Text("Submission Checklist",
            help="What the bid still needs before it can be submitted, "
            "checked as you edit."), 'get_submission_checklist')
    # The ranking of the tender's bids, written for all of them at once
    ranking = fields.Function(
        fields.Dict(None, "Ranking"), 'get_ranking', setter='set_ranking')
    tender_state = fields.Function(
        fields.Selection(TENDER_STATES, "Tender State"),
        'on_change_with_tender_state')
    language_notes = fields.Function(
        fields.Text("Child First Language",
            help="Words in your answers that label children, with the Child "
            "First wording to use instead."), 'get_language_notes')
    past_failures = fields.Function(
        fields.Integer("Past Performance Failures",
            help="The performance failures recorded on the bidder's "
            "contracts. Shown once the tender closes."),
        'get_past_performance')
    past_performance = fields.Function(
        fields.Text("Past Performance",
            help="The performance failures recorded on the bidder's "
            "contracts, with their state and outcome. Shown once the "
            "tender closes."),
        'get_past_performance')
    state = fields.Selection(
        BID_STATES, "State", readonly=True, required=True, sort=False,
        help="Draft until you submit it; then submitted, and awarded or "
        "unsuccessful once the tender is awarded. A withdrawn or void "
        "bid is not evaluated.")
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # One live bid per organisation and tender, kept by PostgreSQL:
        # check_live cannot see the bid another transaction is creating.
        # SQLite writes one transaction at a time and cannot keep the
        # constraint itself (trytond would check it with a clause per bid,
        # too deep for SQLite's parser at a few hundred bids).
        if backend.name == 'postgresql':
            cls._sql_constraints += [
                ('live_unique',
                    Exclude(t, (t.tender, Equal), (t.provider, Equal),
                        where=t.state.in_(LIVE_STATES)),
                    'childfirst_commissioning.msg_bid_live_unique'),
                ]
        cls._sql_indexes.update({
                Index(t, (t.tender, Index.Range())),
                Index(
                    t,
                    (t.tender, Index.Range()),
                    (t.provider, Index.Range()),
                    where=t.state.in_(LIVE_STATES)),
                })
        cls._order = [('submitted_at', 'ASC NULLS LAST'), ('id', 'ASC')]
        add_workflow(cls, BID_TRANSITIONS, BID_BUTTONS)
        cls._buttons['reconfirm'] = {
            'invisible': (Eval('state') != 'submitted')
            | ~Eval('needs_reconfirmation'),
            'icon': 'tryton-ok',
            'depends': ['state', 'needs_reconfirmation'],
            }

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_needs_reconfirmation(cls):
        return False

    @classmethod
    def default_provider(cls):
        User = Pool().get('res.user')
        parties = User.get_commissioning_parties()
        if len(parties) == 1:
            return parties[0]

    @fields.depends('tender', '_parent_tender.currency')
    def on_change_with_currency(self, name=None):
        if self.tender and self.tender.currency:
            return self.tender.currency.id

    @fields.depends('tender', '_parent_tender.state')
    def on_change_with_tender_state(self, name=None):
        if self.tender:
            return self.tender.state

    def get_rec_name(self, name):
        tender = self.tender.rec_name if self.tender else ''
        provider = self.provider.rec_name if self.provider else ''
        return "%s — %s" % (tender, provider)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('tender.rec_name', *clause[1:]),
            ('provider.rec_name', *clause[1:]),
            ]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state').in_(DEAD_STATES),
                    'muted', '')),
            ]

    # Creation: the company and one response per criterion

    @classmethod
    def create(cls, vlist):
        # Before the values are read below
        cls.check_input(vlist)
        vlist = [v.copy() for v in vlist]
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        cls.set_tender_defaults(vlist)
        for values in vlist:
            if not values.get('provider'):
                values['provider'] = cls.default_provider()
        if transaction.user and transaction.check_access:
            parties = User.get_commissioning_parties()
            if parties and any(
                    v.get('provider') not in parties for v in vlist):
                raise AccessError(gettext(
                        'childfirst_commissioning.msg_bid_provider'))
        cls.check_live_values(vlist)
        bids = super().create(vlist)
        cls.sync_lot_responses(bids)
        return cls.browse([b.id for b in bids])

    @classmethod
    def write(cls, *args):
        super().write(*args)
        bids = [b for r, v in zip(args[::2], args[1::2]) if 'lots' in v
            for b in r]
        if bids:
            cls.sync_lot_responses(cls.browse(bids))

    @classmethod
    def sync_lot_responses(cls, bids):
        """Give the draft bids for the lots of a tender a response per
        criterion of their lots, and none to the other criteria"""
        Response = Pool().get('commissioning.bid.response')
        to_create, to_delete = [], []
        for bid in bids:
            if bid.state != 'draft' or not bid.tender.lots:
                continue
            wanted = bid.expected_criteria()
            answered = {r.criterion for r in bid.responses}
            to_create.extend({'bid': bid.id, 'criterion': c.id}
                for c in wanted if c not in answered)
            to_delete.extend(
                r for r in bid.responses if r.criterion not in wanted)
        # The bidder changes the lots of the bid; the responses follow
        with without_check_access():
            if to_delete:
                Response.delete(to_delete)
            if to_create:
                Response.create(to_create)

    def expected_criteria(self):
        """Return the criteria the bid answers, in the order of the
        tender: those of its lots when its tender has lots"""
        criteria = list(self.tender.criteria)
        if self.tender.lots:
            chosen = {c for lot in self.lots for c in lot.criteria}
            criteria = [c for c in criteria if c in chosen]
        return criteria

    @classmethod
    def set_tender_defaults(cls, vlist):
        """Set the company of the tender and a response per criterion on the
        values of new bids, reading the tenders of all of them together"""
        Tender = Pool().get('commissioning.tender')
        tenders = {t.id: t for t in Tender.browse(list(
                    {v['tender'] for v in vlist if v.get('tender')}))}
        for values in vlist:
            tender = tenders.get(values.get('tender'))
            if not tender:
                continue
            values.setdefault('company', tender.company.id)
            # The responses of a bid for lots follow its lots
            if not values.get('responses') and not tender.lots:
                values['responses'] = [('create', [
                            {'criterion': c.id} for c in tender.criteria])]

    @classmethod
    def check_live_values(cls, vlist):
        "Refuse new bids where the organisation has a live bid already"
        pool = Pool()
        Party = pool.get('party.party')
        Tender = pool.get('commissioning.tender')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        wanted = {(v.get('tender'), v.get('provider')) for v in vlist
            if v.get('state', 'draft') in LIVE_STATES
            and v.get('tender') and v.get('provider')}
        if not wanted:
            return
        cursor.execute(*table.select(
                table.tender, table.provider,
                where=table.state.in_(LIVE_STATES)
                & table.tender.in_(list({t for t, _ in wanted}))))
        for tender, provider in set(cursor) & wanted:
            raise BidValidationError(gettext(
                    'childfirst_commissioning.msg_bid_live',
                    provider=Party(provider).rec_name,
                    tender=Tender(tender).rec_name))

    @classmethod
    def validate_fields(cls, bids, field_names):
        super().validate_fields(bids, field_names)
        if not field_names or field_names & {'tender', 'company'}:
            for bid in bids:
                if bid.company != bid.tender.company:
                    raise RelationError(gettext(
                            'childfirst_commissioning.msg_input_bid_company',
                            bid=bid.rec_name, tender=bid.tender.rec_name))
        if not field_names or field_names & {'tender', 'lots'}:
            for bid in bids:
                for lot in bid.lots:
                    if lot.tender != bid.tender:
                        raise RelationError(gettext(
                                'childfirst_commissioning.msg_input_bid_lot',
                                bid=bid.rec_name, lot=lot.rec_name,
                                tender=bid.tender.rec_name))
        if field_names and not (field_names & {'price'}):
            return
        for bid in bids:
            if bid.price is not None and bid.price <= 0:
                raise BidValidationError(gettext(
                        'childfirst_commissioning.msg_bid_price',
                        bid=bid.rec_name))

    @classmethod
    def validate(cls, bids):
        super().validate(bids)
        cls.check_live(bids)

    @classmethod
    def check_live(cls, bids):
        "A provider has at most one live bid per tender"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        live = [b for b in bids if b.state in LIVE_STATES]
        if not live:
            return
        cursor.execute(*table.select(
                table.tender, table.provider,
                where=table.state.in_(LIVE_STATES)
                & table.tender.in_(list({b.tender.id for b in live})),
                group_by=[table.tender, table.provider],
                having=Count(table.id) > 1))
        duplicates = set(cursor)
        for bid in live:
            if (bid.tender.id, bid.provider.id) in duplicates:
                raise BidValidationError(gettext(
                        'childfirst_commissioning.msg_bid_live',
                        provider=bid.provider.rec_name,
                        tender=bid.tender.rec_name))

    # Sealing is the record rules of bid.xml: until the tender closes, a bid
    # and everything beneath it exist only for the bidding organisation.

    @classmethod
    def get_past_performance(cls, bids, names):
        """Return the past performance of the bidders of the bids whose
        tender is closed: a sealed bid shows nothing"""
        Failure = Pool().get('commissioning.contract.failure')
        unsealed = [b for b in bids if b.tender.state in CLOSED_STATES]
        past = Failure.past_performance([b.provider.id for b in unsealed])
        result = {n: {b.id: None for b in bids} for n in names}
        for bid in unsealed:
            count, summary = past[bid.provider.id]
            if 'past_failures' in result:
                result['past_failures'][bid.id] = count
            if 'past_performance' in result:
                result['past_performance'][bid.id] = summary
        return result

    def get_language_notes(self, name):
        pool = Pool()
        Term = pool.get('commissioning.language.term')
        texts = [
            (r.criterion.name, r.response) for r in self.responses]
        return "\n".join(Term.format_findings(Term.find_in(texts)))

    # Modification

    @classmethod
    def check_modification(cls, mode, bids, values=None, external=False):
        super().check_modification(
            mode, bids, values=values, external=external)
        if mode == 'write' and set(values or {}) - cls._workflow_fields():
            for bid in bids:
                bid.check_evidence_editable()
        elif mode == 'delete':
            for bid in bids:
                if bid.state != 'draft':
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_bid_delete',
                            bid=bid.rec_name))

    @classmethod
    def _workflow_fields(cls):
        "The fields the workflow and the evaluation write themselves"
        return {'state', 'submitted_at', 'ranking', 'needs_reconfirmation'
            } | set(RANKING_FIELDS)

    @classmethod
    def get_ranking(cls, bids, name):
        return {b.id: None for b in bids}

    def check_evidence_editable(self):
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_bid_locked',
                    bid=self.rec_name, state=self.state_string))

    @classmethod
    def copy(cls, bids, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        for name in ['submitted_at', 'needs_reconfirmation'] + RANKING_FIELDS:
            default.setdefault(name)
        return super().copy(bids, default=default)

    # The bid submission gate

    def submission_checks(self, now=None):
        """Return the checks of the bid submission gate, the deadline's at
        now"""
        tender = self.tender
        criteria = self.expected_criteria()
        checks = [
            check('msg_bid_label_open', self.open_failures(now)),
            ]
        if tender.lots:
            checks.append(check('msg_bid_label_lots', self.lot_failures()))
        checks += [
            check('msg_bid_label_answers', [
                    message('msg_bid_check_answer', criterion=c.name)
                    for c in criteria
                    if c.method != 'price' and c not in self.answered()]),
            check('msg_bid_label_price', [] if self.price and self.price > 0
                else [message('msg_bid_check_price')]),
            ]
        evidence = [c for c in criteria if c.evidence_required]
        if evidence:
            checks.append(check('msg_bid_label_evidence', [
                        message('msg_bid_check_evidence',
                            criterion=evidence[0].name, failure=failure)
                        for failure in self.collaboration_evidence_checks()]))
        return checks

    def lot_failures(self):
        """The bid is for at least one lot of its tender, and for no more
        lots than the tender allows"""
        tender, lots = self.tender, list(self.lots)
        failures = []
        if not lots:
            failures.append(message('msg_bid_check_lots_none'))
        if tender.max_lots_per_bid and len(lots) > tender.max_lots_per_bid:
            failures.append(message('msg_bid_check_lots_max',
                    count=len(lots), maximum=tender.max_lots_per_bid))
        failures.extend(message('msg_bid_check_lot_tender', lot=lot.rec_name)
            for lot in lots if lot.tender != tender)
        return failures

    def open_failures(self, now=None):
        "The tender is published and its deadline has not passed at now"
        tender, now = self.tender, now or dt.datetime.now()
        if tender.state != 'published':
            return [message('msg_bid_check_published', tender=tender.rec_name)]
        elif tender.submission_deadline and tender.submission_deadline <= now:
            return [message('msg_bid_check_deadline', tender=tender.rec_name,
                    deadline=tender.submission_deadline.replace(
                        microsecond=0))]
        return []

    def answered(self):
        "Return the criteria this bid answers"
        return {r.criterion for r in self.responses
            if r.response and r.response.strip()}

    @classmethod
    def get_submission_checklist(cls, bids, name):
        return {b.id: checklist_text(b.submission_checks())
            if b.state == 'draft' else None for b in bids}

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, bids):
        # The time stored is the time checked against the deadline, to the
        # second as it is stored
        now = dt.datetime.now().replace(microsecond=0)
        for bid in bids:
            check_gate(BidSubmissionError, 'msg_bid_submission_gate',
                bid.submission_checks(now), bid=bid.rec_name)
        confirm('msg_bid_submit_confirm', bids,
            bids=", ".join(b.rec_name for b in bids))
        cls.write(bids, {'submitted_at': now})

    @classmethod
    @ModelView.button
    @Workflow.transition('withdrawn')
    def withdraw(cls, bids):
        for bid in bids:
            failures = [message('msg_bid_withdraw_closed')
                ] if bid.open_failures() else []
            check_gate(WithdrawError, 'msg_bid_withdraw_gate', [
                    check('msg_bid_label_withdrawable', failures)],
                bid=bid.rec_name)
        confirm('msg_bid_withdraw_confirm', bids,
            bids=", ".join(b.rec_name for b in bids))

    @classmethod
    @Workflow.transition('void')
    def void(cls, bids):
        """Void the bids still in draft when their tender closes, and the
        submitted bids not confirmed again after an amendment"""
        pass

    @classmethod
    def ask_reconfirmation(cls, bids):
        "Ask the bidders of the submitted bids to confirm them again"
        if bids:
            cls.write(bids, {'needs_reconfirmation': True})

    @classmethod
    @ModelView.button
    def reconfirm(cls, bids):
        "The bidder confirms the bid stands after the tender was amended"
        for bid in bids:
            failures = bid.open_failures()
            check_gate(BidSubmissionError, 'msg_bid_reconfirm_gate', [
                    check('msg_bid_label_open', failures)],
                bid=bid.rec_name)
        bids = [b for b in bids
            if b.state == 'submitted' and b.needs_reconfirmation]
        if bids:
            cls.write(bids, {'needs_reconfirmation': False})

    @classmethod
    @Workflow.transition('awarded')
    def award(cls, bids):
        "The bids that won their tender once finance approved the award"
        pass

    @classmethod
    @Workflow.transition('unsuccessful')
    def lose(cls, bids):
        "The other submitted bids of an awarded tender"
        pass


class BidLot(
        RankingStoreMixin, InputMixin, AccessMixin, ModelSQL, ModelView):
    """The lots a bid is for, with the bid's ranking for each once the
    evaluation completes: sealed with the bid until its tender closes"""
    __name__ = 'commissioning.bid-commissioning.tender.lot'
    __string__ = "Bid Lot"

    bid = fields.Many2One(
        'commissioning.bid', "Bid", required=True, ondelete='CASCADE',
        readonly=True)
    lot = fields.Many2One(
        'commissioning.tender.lot', "Lot", required=True, ondelete='CASCADE',
        readonly=True)
    eligible = fields.Boolean("Eligible", readonly=True,
        help="Whether the bid passed every pass/fail requirement and minimum"
        " score of the lot's criteria; only eligible bids are ranked.")
    exclusion_reason = fields.Text("Exclusion Reason", readonly=True,
        help="Why the bid is not eligible for the lot, one reason a line.")
    child_first_score = fields.Numeric(
        "Child First Score", digits=(16, 2), readonly=True,
        help="The weighted score of the lot's Child First criteria.")
    price_score = fields.Numeric("Price Score", digits=(16, 2), readonly=True,
        help="The score of the bid's price for the lot: the price shared "
        "among the bid's lots in proportion to their budgets.")
    total_score = fields.Numeric("Total Score", digits=(16, 2), readonly=True,
        help="The weighted scores of the lot's criteria and the price.")
    rank = fields.Integer("Rank", readonly=True,
        help="The bid's place among the eligible bids for the lot, 1 being "
        "the best; empty when the bid is not eligible for it.")

    def get_rec_name(self, name):
        return "%s — %s" % (self.lot.rec_name, self.bid.rec_name)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.bid, Index.Range())),
                Index(t, (t.lot, Index.Range())),
                })

    @classmethod
    def check_modification(cls, mode, links, values=None, external=False):
        super().check_modification(
            mode, links, values=values, external=external)
        if set(values or {}) & set(RANKING_FIELDS):
            # Computed by the server when the evaluation completes
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_bid_lot_ranking'))
        if mode != 'create':
            for link in links:
                link.bid.check_evidence_editable()

    @classmethod
    def create(cls, vlist):
        Bid = Pool().get('commissioning.bid')
        cls.check_input(vlist)
        if any(set(v) & set(RANKING_FIELDS) for v in vlist):
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_bid_lot_ranking'))
        for bid in Bid.browse(list({v['bid'] for v in vlist if v.get('bid')})):
            bid.check_evidence_editable()
        return super().create(vlist)
