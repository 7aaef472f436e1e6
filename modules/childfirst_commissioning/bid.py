# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .access import AccessMixin
from .collaboration import CollaborationOriginMixin
from .common import InputMixin, check_fixed
from .exceptions import (
    BidSubmissionError, LockedError, RelationError, WithdrawError)
from .gate import bullets
from .tender import STATES as TENDER_STATES

BID_STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('withdrawn', "Withdrawn"),
    ('void', "Void"),
    ('awarded', "Awarded"),
    ('unsuccessful', "Unsuccessful"),
    ]
# A provider has at most one live bid per tender
LIVE_STATES = ['draft', 'submitted']
# The tender states in which bids are no longer sealed (bid.xml's rules)
UNSEALED_STATES = [
    'closed', 'evaluation', 'moderated', 'award_pending', 'awarded',
    'contracted']


def is_provider_user():
    "Whether the current user acts for provider organisations"
    User = Pool().get('res.user')
    return bool(User.get_commissioning_parties())


class Bid(
        InputMixin, AccessMixin, CollaborationOriginMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commissioning.bid'
    __string__ = "Bid"
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
            })
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
    responses = fields.One2Many(
        'commissioning.bid.response', 'bid', "Responses", states=_states)
    collaborations = fields.One2Many(
        'commissioning.collaboration', 'origin',
        "Collaboration with Children", states=_states,
        help="Evidence that children shaped this bid or the bidder's "
        "services.")
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    eligible = fields.Boolean("Eligible", readonly=True)
    exclusion_reason = fields.Text("Exclusion Reason", readonly=True)
    child_first_score = fields.Numeric(
        "Child First Score", digits=(16, 2), readonly=True)
    price_score = fields.Numeric("Price Score", digits=(16, 2), readonly=True)
    total_score = fields.Numeric("Total Score", digits=(16, 2), readonly=True)
    rank = fields.Integer("Rank", readonly=True)
    tender_state = fields.Function(
        fields.Selection(TENDER_STATES, "Tender State"),
        'on_change_with_tender_state')
    language_notes = fields.Function(
        fields.Text("Child First Language"), 'get_language_notes')
    state = fields.Selection(
        BID_STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.tender, Index.Range())),
                Index(
                    t,
                    (t.tender, Index.Range()),
                    (t.provider, Index.Range()),
                    where=t.state.in_(LIVE_STATES)),
                })
        cls._order = [('submitted_at', 'ASC NULLS LAST'), ('id', 'ASC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'withdrawn'),
            ('draft', 'void'),
            ('submitted', 'awarded'),
            ('submitted', 'unsuccessful'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'withdraw': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

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
                If(Eval('state').in_(['withdrawn', 'void', 'unsuccessful']),
                    'muted', '')),
            ]

    # Creation: the company and one response per criterion

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('tender'):
            tender = Tender(values['tender'])
            values.setdefault('company', tender.company.id)
            if not values.get('responses'):
                values['responses'] = [('create', [
                            {'criterion': c.id} for c in tender.criteria])]
        return values

    @classmethod
    def create(cls, vlist):
        # Before the values are read below
        cls.check_input(vlist)
        vlist = [v.copy() for v in vlist]
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
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
        return super().create(vlist)

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
            raise BidSubmissionError(gettext(
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
        if field_names and not (field_names & {'price'}):
            return
        for bid in bids:
            if bid.price is not None and bid.price <= 0:
                raise BidSubmissionError(gettext(
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
                raise BidSubmissionError(gettext(
                        'childfirst_commissioning.msg_bid_live',
                        provider=bid.provider.rec_name,
                        tender=bid.tender.rec_name))

    # Sealing is the record rules of bid.xml: until the tender closes, a bid
    # and everything beneath it exist only for the bidding organisation.

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
        return {
            'state', 'submitted_at', 'eligible', 'exclusion_reason',
            'child_first_score', 'price_score', 'total_score', 'rank'}

    def check_evidence_editable(self):
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_bid_locked',
                    bid=self.rec_name, state=self.state_string))

    @classmethod
    def copy(cls, bids, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        for name in ['submitted_at', 'eligible', 'exclusion_reason',
                'child_first_score', 'price_score', 'total_score', 'rank']:
            default.setdefault(name)
        return super().copy(bids, default=default)

    # The bid submission gate

    def submission_checks(self):
        """Return the failing checks of the bid submission gate, each a
        sentence the provider can act on"""
        failures = []
        tender = self.tender
        now = dt.datetime.now()
        if tender.state != 'published':
            failures.append(gettext(
                    'childfirst_commissioning.msg_bid_check_published',
                    tender=tender.rec_name))
        elif tender.submission_deadline and tender.submission_deadline <= now:
            failures.append(gettext(
                    'childfirst_commissioning.msg_bid_check_deadline',
                    tender=tender.rec_name,
                    deadline=tender.submission_deadline.replace(
                        microsecond=0)))
        answered = {r.criterion.id for r in self.responses
            if r.response and r.response.strip()}
        for criterion in tender.criteria:
            if criterion.method == 'price':
                continue
            if criterion.id not in answered:
                failures.append(gettext(
                        'childfirst_commissioning.msg_bid_check_answer',
                        criterion=criterion.name))
        if not self.price or self.price <= 0:
            failures.append(gettext(
                    'childfirst_commissioning.msg_bid_check_price'))
        evidence = [c for c in tender.criteria if c.evidence_required]
        if evidence:
            for failure in self.collaboration_evidence_checks():
                failures.append(gettext(
                        'childfirst_commissioning.msg_bid_check_evidence',
                        criterion=evidence[0].name, failure=failure))
        return failures

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, bids):
        for bid in bids:
            failures = bid.submission_checks()
            if failures:
                raise BidSubmissionError(gettext(
                        'childfirst_commissioning.msg_bid_submission_gate',
                        bid=bid.rec_name,
                        failures=bullets(failures)))
        cls.write(bids, {'submitted_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('withdrawn')
    def withdraw(cls, bids):
        now = dt.datetime.now()
        for bid in bids:
            deadline = bid.tender.submission_deadline
            if (bid.tender.state != 'published'
                    or (deadline and deadline <= now)):
                raise WithdrawError(gettext(
                        'childfirst_commissioning.msg_bid_withdraw',
                        bid=bid.rec_name))

    @classmethod
    @Workflow.transition('void')
    def void(cls, bids):
        "Void the bids still in draft when their tender closes"
        pass


class BidResponse(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.bid.response'
    __string__ = "Bid Response"

    bid = fields.Many2One(
        'commissioning.bid', "Bid", required=True, ondelete='CASCADE')
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE', readonly=True,
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ])
    tender = fields.Function(
        fields.Many2One('commissioning.tender', "Tender"),
        'on_change_with_tender')
    method = fields.Function(
        fields.Selection('get_methods', "Method"), 'on_change_with_method')
    response = fields.Text(
        "Response",
        states={
            'readonly': Eval('bid_state', 'draft') != 'draft',
            'invisible': Eval('method') == 'price',
            })
    passed = fields.Boolean(
        "Passed",
        states={
            'invisible': Eval('method') != 'pass_fail',
            },
        help="Set by an officer when assessing a pass/fail criterion.")
    bid_state = fields.Function(
        fields.Selection(BID_STATES, "Bid State"),
        'on_change_with_bid_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.bid, Index.Range())))
        cls._order = [('criterion.sequence', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def get_methods(cls):
        Criterion = Pool().get('commissioning.tender.criterion')
        return Criterion.fields_get(['method'])['method']['selection']

    @fields.depends('bid', '_parent_bid.tender')
    def on_change_with_tender(self, name=None):
        if self.bid and self.bid.tender:
            return self.bid.tender.id

    @fields.depends('criterion', '_parent_criterion.method')
    def on_change_with_method(self, name=None):
        if self.criterion:
            return self.criterion.method

    @fields.depends('bid', '_parent_bid.state')
    def on_change_with_bid_state(self, name=None):
        if self.bid:
            return self.bid.state

    def get_rec_name(self, name):
        return self.criterion.rec_name if self.criterion else str(self.id)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            # A response answers one criterion of one bid
            check_fixed(
                cls, values, ['bid', 'criterion'], 'msg_input_response_fixed')
        return values

    @classmethod
    def validate_fields(cls, responses, field_names):
        super().validate_fields(responses, field_names)
        if field_names and not (field_names & {'bid', 'criterion'}):
            return
        cls.check_one_per_criterion(responses)

    @classmethod
    def check_one_per_criterion(cls, responses):
        "A bid has one response per criterion: one query for all responses"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Criterion = pool.get('commissioning.tender.criterion')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        bid_ids = list({r.bid.id for r in responses})
        if not bid_ids:
            return
        cursor.execute(*table.select(
                table.bid, table.criterion,
                where=fields.SQL_OPERATORS['in'](table.bid, bid_ids),
                group_by=[table.bid, table.criterion],
                having=Count(table.id) > 1))
        for bid, criterion in cursor:
            raise RelationError(gettext(
                    'childfirst_commissioning.msg_input_response_duplicate',
                    bid=Bid(bid).rec_name,
                    criterion=Criterion(criterion).name))

    @classmethod
    def check_modification(cls, mode, responses, values=None,
            external=False):
        super().check_modification(
            mode, responses, values=values, external=external)
        if mode == 'create':
            return
        fields_ = set(values or {})
        moderation = {'moderated_score', 'moderation_rationale'}
        officer_fields = {'passed', 'assessment'} | moderation
        if mode == 'write' and fields_ and fields_ <= officer_fields:
            # The bidder answers; officers assess pass/fail answers and
            # moderate scores
            if external and is_provider_user():
                raise LockedError(gettext(
                        'childfirst_commissioning.msg_response_assess'))
            for response in responses:
                if fields_ & {'passed', 'assessment'}:
                    response.check_assessable()
                if fields_ & moderation:
                    response.check_moderatable()
            return
        if mode == 'write' and external and fields_ & officer_fields:
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_assess'))
        for response in responses:
            response.bid.check_evidence_editable()

    def check_assessable(self):
        "Pass/fail answers are assessed once the tender has closed"
        if (self.method != 'pass_fail'
                or self.bid.tender.state not in {'closed', 'evaluation'}):
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_not_assessable',
                    response=self.rec_name, bid=self.bid.rec_name))
