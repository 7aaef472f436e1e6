# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The lots of a tender: parts of the service, each judged on its own
subset of the tender's criteria within its own budget.

A tender without lots is bid for, ranked and awarded as a whole."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import award, contract, design, notification, report_assessment
from .access import AccessMixin
from .common import CENT, add_workflow, number
from .exceptions import (
    AwardError, ContractError, LockedError, RelationError,
    TenderValidationError)
from .gate import check, check_gate, checklist_text, message
from .states import EVALUATED_STATES, TENDER_STATES
from .validation import InputMixin

LOT_STATES = [
    ('open', "Open"),
    ('award_pending', "Award Pending"),
    ('awarded', "Awarded"),
    ('contracted', "Contracted"),
    ('cancelled', "Cancelled"),
    ]
# The fields the workflow of the award writes itself
WORKFLOW_FIELDS = {
    'state', 'winning_bid', 'award_requested_by', 'award_requested_at',
    'award_date', 'standstill_end', 'cancelled_by', 'cancelled_at'}
# The fields of the award an officer sets while the tender is moderated
AWARD_FIELDS = {'winning_bid', 'award_reason', 'cancellation_reason'}
# The lots whose tender may move on: decided, or no longer to award
DECIDED_STATES = {'awarded', 'contracted', 'cancelled'}
TRANSITIONS = [
    ('open', 'award_pending'),
    ('award_pending', 'awarded'),
    ('awarded', 'contracted'),
    ('award_pending', 'open'),
    ('open', 'cancelled'),
    ]
BUTTONS = [
    ('recommend_award', ['open'], 'tryton-forward'),
    ('approve_award', ['award_pending'], 'tryton-ok'),
    ('reject', ['award_pending'], 'tryton-back'),
    ('create_contract', ['awarded'], 'tryton-forward'),
    ('cancel', ['open'], 'tryton-cancel'),
    ]


class Lot(InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.lot'
    __string__ = "Tender Lot"
    _history = True
    _states = {
        'readonly': Eval('tender_state', 'draft') != 'draft',
        }

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='CASCADE',
        states=_states,
        help="The tender this lot is part of.")
    sequence = fields.Integer("Sequence", states=_states)
    name = fields.Char(
        "Name", required=True, states=_states,
        help="What this part of the service is, as providers see it.")
    description = fields.Text(
        "Description", states=_states,
        help="What is commissioned in this lot, for which children.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    budget = Monetary(
        "Budget", currency='currency', digits='currency', required=True,
        states=_states,
        help="The most the commissioner will pay for this lot; the budgets "
        "of the lots add up to no more than the tender's.")
    criteria = fields.Many2Many(
        'commissioning.tender.lot-commissioning.tender.criterion',
        'lot', 'criterion', "Criteria",
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ],
        states=_states,
        help="The criteria of the tender that bids for this lot answer and "
        "are judged on: each Child First tenet, enough Child First weight "
        "and the evidence of collaboration with children.")
    ranking = fields.One2Many(
        'commissioning.bid-commissioning.tender.lot', 'lot', "Ranking",
        readonly=True,
        help="The bids for this lot with their scores and rank once the "
        "evaluation completes; until the tender closes, only your own.")
    tender_state = fields.Function(
        fields.Selection(TENDER_STATES, "Tender State"),
        'on_change_with_tender_state')
    winning_bid = fields.Many2One(
        'commissioning.bid', "Winning Bid", ondelete='RESTRICT',
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ('lots', '=', Eval('id', -1)),
            ],
        states={
            'readonly': (Eval('tender_state') != 'moderated')
            | (Eval('state') != 'open'),
            'invisible': ~Eval('tender_state').in_(EVALUATED_STATES),
            },
        help="The bid the lot is awarded to: by default the eligible bid "
        "ranked first for the lot.")
    award_reason = fields.Text(
        "Award Reason",
        states={
            'readonly': (Eval('tender_state') != 'moderated')
            | (Eval('state') != 'open'),
            'invisible': ~Eval('tender_state').in_(EVALUATED_STATES),
            },
        help="Why the lot is awarded to a bid other than the one ranked "
        "first; finance reads it before approving.")
    award_requested_by = fields.Many2One(
        'res.user', "Award Requested By", readonly=True,
        help="The officer who recommended the award; they cannot approve "
        "it themselves.")
    award_requested_at = fields.DateTime("Award Requested At", readonly=True)
    award_date = fields.Date("Award Date", readonly=True)
    standstill_end = fields.Date(
        "Standstill End", readonly=True,
        help="The contract of the lot can be created after this date.")
    cancellation_reason = fields.Text(
        "Cancellation Reason",
        states={
            'readonly': (Eval('tender_state') != 'moderated')
            | (Eval('state') != 'open'),
            'invisible': ~Eval('tender_state').in_(EVALUATED_STATES),
            },
        help="Why the lot is not awarded (no eligible bid, the need has "
        "gone): required to cancel it.")
    cancelled_by = fields.Many2One(
        'res.user', "Cancelled By", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    cancelled_at = fields.DateTime(
        "Cancelled At", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    contract = fields.Function(
        fields.Many2One('commissioning.contract', "Contract",
            help="The contract made with the lot's winning provider."),
        'get_contract')
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    state = fields.Selection(
        LOT_STATES, "State", readonly=True, required=True, sort=False,
        help="Open until its award is recommended; then award pending, "
        "awarded once finance approves, and contracted; or cancelled "
        "without an award.")
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.tender, Index.Range())))
        cls._order = [
            ('tender', 'ASC'), ('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]
        add_workflow(cls, TRANSITIONS, BUTTONS)
        # An award is recommended once the evaluation of the tender is
        # complete
        for name in ['recommend_award', 'cancel']:
            button = cls._buttons[name]
            button['invisible'] |= Eval('tender_state') != 'moderated'
            button['depends'] = button['depends'] + ['tender_state']

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_budget(cls):
        return Decimal(0)

    @fields.depends('tender', '_parent_tender.currency')
    def on_change_with_currency(self, name=None):
        if self.tender and self.tender.currency:
            return self.tender.currency.id

    @fields.depends('tender', '_parent_tender.state')
    def on_change_with_tender_state(self, name=None):
        if self.tender:
            return self.tender.state

    @classmethod
    def validate_fields(cls, lots, field_names):
        super().validate_fields(lots, field_names)
        for lot in lots:
            if lot.budget is not None and lot.budget < 0:
                raise TenderValidationError(message(
                        'msg_lot_budget_negative', lot=lot.rec_name))
        if not field_names or field_names & {'tender', 'criteria'}:
            for lot in lots:
                for criterion in lot.criteria:
                    if criterion.tender != lot.tender:
                        raise RelationError(gettext(
                                'childfirst_commissioning'
                                '.msg_input_lot_criterion',
                                criterion=criterion.rec_name,
                                lot=lot.rec_name,
                                tender=lot.tender.rec_name))

    @classmethod
    def check_modification(cls, mode, lots, values=None, external=False):
        super().check_modification(
            mode, lots, values=values, external=external)
        if mode == 'create':
            return
        names = set(values or {})
        if mode == 'write' and names and names <= (
                WORKFLOW_FIELDS | AWARD_FIELDS):
            for lot in lots:
                if external and (names - AWARD_FIELDS or (
                            lot.tender.state != 'moderated'
                            or lot.state != 'open')):
                    raise LockedError(message(
                            'msg_lot_award_locked', lot=lot.rec_name))
            return
        for lot in lots:
            lot.check_editable()

    @classmethod
    def copy(cls, lots, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        for name in (WORKFLOW_FIELDS | AWARD_FIELDS) - {'state'}:
            default.setdefault(name)
        default.setdefault('ranking')
        default.setdefault('signoffs')
        return super().copy(lots, default=default)

    @classmethod
    def get_contract(cls, lots, name):
        Contract = Pool().get('commissioning.contract')
        result = {lot.id: None for lot in lots}
        for record in Contract.search([
                    ('lot', 'in', [lot.id for lot in lots]),
                    ], order=[('id', 'ASC')]):
            result[record.lot.id] = record.id
        return result

    # The award of the lot

    @classmethod
    def rankings(cls, lots):
        """Return {lot id: the bids' ranking for the lot} of the lots, read
        together"""
        BidLot = Pool().get('commissioning.bid-commissioning.tender.lot')
        result = {lot.id: [] for lot in lots}
        if result:
            for link in BidLot.search([('lot', 'in', list(result))]):
                result[link.lot.id].append(link)
        return result

    def top_ranked(self, ranking=None):
        "Return the ranking of the eligible bid ranked first for the lot"
        ranking = self.ranking if ranking is None else ranking
        ranked = [link for link in ranking if link.eligible and link.rank]
        return min(ranked, key=lambda link: link.rank) if ranked else None

    def award_checks(self, ranking=None):
        """Return the checks of the award of the lot, ranking the bids'
        ranking for it: the tender is evaluated, the recommended bid is
        eligible for the lot and any departure from the lot's ranking is
        explained"""
        ranking = self.ranking if ranking is None else ranking
        top = self.top_ranked(ranking)
        link = ({link.bid: link for link in ranking}.get(self.winning_bid)
            if self.winning_bid else top)
        top_bid = top.bid if top else None
        if self.tender.state != 'moderated':
            failures = [message('msg_lot_award_tender',
                    tender=self.tender.rec_name,
                    state=self.tender.state_string)]
        elif not link:
            failures = [message('msg_award_no_bid')]
        elif not link.eligible:
            failures = [message('msg_award_ineligible',
                    bid=link.bid.rec_name,
                    reason=link.exclusion_reason or '')]
        elif link.bid != top_bid and not (self.award_reason or '').strip():
            failures = [message('msg_award_reason',
                    bid=link.bid.rec_name,
                    top=top_bid.rec_name if top_bid else '')]
        else:
            failures = []
        return [check('msg_award_label', failures)]

    @property
    def company(self):
        "The company of the lot's tender, which finance signs off for"
        return self.tender.company

    def standstill_over(self, date=None):
        "Whether the contract of the lot may be created on date"
        return award.standstill_over(self, date)

    def price_share(self, bid=None):
        """Return the part of the price of bid (the winning bid by default)
        for the lot: its price shared among its lots in proportion to their
        budgets"""
        bid = bid or self.winning_bid
        total = sum((lot.budget or 0 for lot in bid.lots), Decimal(0))
        if not total:
            return bid.price
        return (bid.price * (self.budget or 0) / total).quantize(CENT)

    @classmethod
    @ModelView.button
    @Workflow.transition('award_pending')
    def recommend_award(cls, lots):
        "Recommend the winning bids of the lots, by default the top-ranked"
        rankings = cls.rankings(lots)
        for lot in lots:
            check_gate(AwardError, 'msg_lot_award_gate',
                lot.award_checks(rankings[lot.id]), lot=lot.rec_name)
        award.store_winning_bids(lots, {
                lot.id: lot.top_ranked(rankings[lot.id]).bid.id
                for lot in lots if not lot.winning_bid}, Model=cls)
        cls.write(lots, {
                'award_requested_by': Transaction().user,
                'award_requested_at': dt.datetime.now(),
                })
        notification.approval_requested(lots, 'award')

    @classmethod
    @ModelView.button
    @Workflow.transition('awarded')
    def approve_award(cls, lots):
        "Finance approves the award of the lots, never the recommender"
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        today = pool.get('ir.date').today()
        rankings = cls.rankings(lots)
        signoffs = []
        for lot in lots:
            checks = lot.award_checks(rankings[lot.id])
            check_gate(AwardError, 'msg_lot_award_gate', checks,
                lot=lot.rec_name)
            link, = [x for x in rankings[lot.id] if x.bid == lot.winning_bid]
            signoffs.append(Signoff.decide(
                    lot, 'award', 'approved',
                    checklist_text(checks).splitlines() + [
                        message('msg_award_signoff_bid',
                            bid=link.bid.rec_name, total=link.total_score,
                            rank=link.rank or '—')],
                    requested_by=lot.award_requested_by,
                    comment=lot.award_reason))
        Signoff.record(signoffs)
        # One write per end of standstill
        ends, tender_ends = {}, {}
        for lot in lots:
            tender = lot.tender
            if tender not in tender_ends:
                tender_ends[tender] = award.standstill_end(tender, today)
            ends.setdefault(tender_ends[tender], []).append(lot)
        args = []
        for end, records in ends.items():
            args.extend([records, {
                        'award_date': today, 'standstill_end': end}])
        if args:
            cls.write(*args)
        award_tenders(lots, 'awarded')
        if lots:
            cls.__queue__.send_assessment_summaries(lots)

    @classmethod
    def send_assessment_summaries(cls, lots):
        """Attach to each assessed bid for the awarded lots its assessment
        summary for the lot, for its bidder (run from the queue)"""
        for lot in lots:
            report_assessment.send_summaries(
                [link.bid for link in lot.ranking], lot=lot)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, lots):
        """Close the lots without an award, with the officer's reason; the
        tender moves on once its other lots are decided"""
        for lot in lots:
            check_gate(AwardError, 'msg_lot_cancel_gate',
                lot.cancel_checks(lots), lot=lot.rec_name)
        cls.write(lots, {
                'cancelled_by': Transaction().user,
                'cancelled_at': dt.datetime.now(),
                })
        award_tenders(lots, 'cancelled')
        contract_tenders(lots, 'cancelled')

    def cancel_checks(self, lots):
        """Return the checks of cancelling the lot with lots: the tender is
        evaluated, the reason is given and a lot of the tender stays to
        award"""
        failures = []
        if self.tender.state != 'moderated':
            failures.append(message('msg_lot_cancel_tender',
                    tender=self.tender.rec_name,
                    state=self.tender.state_string))
        if not (self.cancellation_reason or '').strip():
            failures.append(message('msg_lot_cancel_reason'))
        if all(lot.state == 'cancelled' or lot in lots
                for lot in self.tender.lots):
            failures.append(message('msg_lot_cancel_last',
                    tender=self.tender.rec_name))
        return [check('msg_lot_cancel_label', failures)]

    @classmethod
    @ModelView.button_action('childfirst_commissioning.wizard_lot_reject')
    def reject(cls, lots):
        pass

    @classmethod
    def reject_with(cls, lots, comment):
        """Send the recommended award of the lots back to the officer with
        the comment of finance: the lots are open again"""
        award.check_reject_comment(comment)
        # Who may reject is checked by the button and the wizard's groups
        with without_check_access():
            cls._reject_award(
                [lot for lot in lots if lot.state == 'award_pending'],
                comment)

    @classmethod
    @Workflow.transition('open')
    def _reject_award(cls, lots, comment):
        award.reject(lots, comment)

    @classmethod
    @ModelView.button
    @Workflow.transition('contracted')
    def create_contract(cls, lots):
        "Create the draft contract of each lot with its winning provider"
        Contract = Pool().get('commissioning.contract')
        for lot in lots:
            check_gate(ContractError, 'msg_lot_contract_gate',
                award.standstill_checks(lot), lot=lot.rec_name)
        Contract.save([contract.lot_contract(lot) for lot in lots])
        contract_tenders(lots, 'contracted')

    @classmethod
    def create(cls, vlist):
        Tender = Pool().get('commissioning.tender')
        cls.check_input(vlist)
        for tender in Tender.browse(
                list({v['tender'] for v in vlist if v.get('tender')})):
            check_tender_draft(tender)
        return super().create(vlist)

    def check_editable(self):
        "Raise unless the lot's tender is a draft"
        check_tender_draft(self.tender)


class LotCriterion(InputMixin, AccessMixin, ModelSQL):
    __name__ = 'commissioning.tender.lot-commissioning.tender.criterion'
    __string__ = "Tender Lot Criterion"

    lot = fields.Many2One(
        'commissioning.tender.lot', "Lot", required=True, ondelete='CASCADE')
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.lot, Index.Range())))

    @classmethod
    def check_modification(cls, mode, links, values=None, external=False):
        super().check_modification(
            mode, links, values=values, external=external)
        if mode != 'create':
            for link in links:
                link.lot.check_editable()

    @classmethod
    def create(cls, vlist):
        Lot = Pool().get('commissioning.tender.lot')
        cls.check_input(vlist)
        for lot in Lot.browse(list({v['lot'] for v in vlist if v.get('lot')})):
            lot.check_editable()
        return super().create(vlist)


def check_tender_draft(tender):
    "Raise unless the lots of tender may change: it is a draft"
    if tender.state != 'draft':
        raise LockedError(message('msg_lot_locked',
                tender=tender.rec_name, state=tender.state_string))


def lot_failures(tender):
    """Return the failures of the lots of tender: each has a name, a
    budget and its criteria pass the Child First checks of the design;
    their budgets add up to no more than the tender's"""
    Configuration = Pool().get('commissioning.configuration')
    minimum = Configuration(1).minimum_child_first_weight
    lots = list(tender.lots or [])
    failures = []
    for lot in lots:
        name = (lot.name or '').strip() or '#%s' % (lot.sequence or lot.id)
        lot_failures = []
        if not (lot.name or '').strip():
            lot_failures.append(message('msg_check_lot_name'))
        if not lot.budget or lot.budget <= 0:
            lot_failures.append(message('msg_check_lot_budget'))
        criteria = list(lot.criteria or [])
        lot_failures += design.tenet_failures(criteria)
        lot_failures += design.child_first_failures(criteria, minimum)
        lot_failures += design.evidence_criterion_failures(criteria)
        failures += [message('msg_check_lot', lot=name, failure=f)
            for f in lot_failures]
    total = sum((lot.budget or 0 for lot in lots), Decimal(0))
    if lots and tender.budget is not None and total > tender.budget:
        failures.append(message('msg_check_lots_budget',
                total=number(total), budget=number(tender.budget)))
    return failures


def lot_states(tender, lots, state):
    "Return the states of the lots of tender once lots are in state"
    return [state if lot in lots else lot.state for lot in tender.lots]


def award_tenders(lots, state):
    """Award the tenders of lots, which move to state, once each of their
    lots is decided: the bids that won a lot are awarded, the others
    unsuccessful"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    tenders = Tender.browse(list({lot.tender.id for lot in lots}))
    # The transition writes the state of lots once the button is done
    states = {t: lot_states(t, lots, state) for t in tenders}
    done = [t for t in tenders if t.state == 'moderated'
        and set(states[t]) <= DECIDED_STATES]
    if not done:
        return
    awarded = {t: [lot for lot, lot_state in zip(t.lots, states[t])
                if lot_state != 'cancelled']
        for t in done}
    winners = {lot.winning_bid for t in done for lot in awarded[t]}
    # One write per award date and end of standstill
    dates = {}
    for tender in done:
        key = (max(lot.award_date for lot in awarded[tender]),
            max(lot.standstill_end for lot in awarded[tender]))
        dates.setdefault(key, []).append(tender)
    args = []
    for (date, end), records in dates.items():
        args.extend([records, {
                    'state': 'awarded', 'award_date': date,
                    'standstill_end': end}])
    Tender.write(*args)
    Bid.award(list(winners))
    Bid.lose([b for t in done for b in t.bids
            if b.state == 'submitted' and b not in winners])


def contract_tenders(lots, state):
    """Mark contracted the tenders of lots, which move to state, once each
    of their lots is contracted or cancelled"""
    Tender = Pool().get('commissioning.tender')
    tenders = Tender.browse(list({lot.tender.id for lot in lots}))
    done = [t for t in tenders if t.state == 'awarded'
        and set(lot_states(t, lots, state)) <= {'contracted', 'cancelled'}]
    if done:
        Tender.write(done, {'state': 'contracted'})
