# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The lots of a tender: parts of the service, each judged on its own
subset of the tender's criteria within its own budget.

A tender without lots is bid for, ranked and awarded as a whole."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval

from . import design
from .access import AccessMixin
from .common import number
from .exceptions import LockedError, RelationError, TenderValidationError
from .gate import message
from .states import TENDER_STATES
from .validation import InputMixin


class Lot(InputMixin, AccessMixin, ModelSQL, ModelView):
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

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.tender, Index.Range())))
        cls._order = [
            ('tender', 'ASC'), ('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]

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
        for lot in lots:
            lot.check_editable()

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
