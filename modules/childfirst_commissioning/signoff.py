# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import notification
from .access import AccessMixin
from .exceptions import SegregationError, SignoffError
from .validation import InputMixin

GATES = [
    ('tender_budget', "Tender Budget"),
    ('award', "Award"),
    ('contract_activation', "Contract Activation"),
    ('payment_release', "Payment Release"),
    ('amendment', "Tender Amendment"),
    ('contract_change', "Contract Change"),
    ]


class Signoff(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.signoff'
    __string__ = "Sign-off"

    origin = fields.Reference(
        "Origin", selection='get_origins', required=True, readonly=True)
    gate = fields.Selection(GATES, "Gate", required=True, readonly=True)
    decision = fields.Selection([
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "Decision", required=True, readonly=True)
    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='RESTRICT')
    requested_by = fields.Many2One(
        'res.user', "Requested By", readonly=True, ondelete='RESTRICT',
        help="The user who asked for this sign-off.")
    comment = fields.Text("Comment", readonly=True)
    checks = fields.Text(
        "Checks", readonly=True,
        help="The checklist of the gate as it stood when the decision was "
        "given.")
    decided_at = fields.Function(fields.DateTime(
            "Decided At",
            help="When the decision was given, to the second."),
        'get_decided_at')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    def get_decided_at(self, name):
        return self.create_date.replace(microsecond=0)

    @classmethod
    def get_origins(cls):
        Model = Pool().get('ir.model')
        return [(None, '')] + [
            (m, Model.get_name(m)) for m in cls._get_origins()]

    @classmethod
    def _get_origins(cls):
        return [
            'commissioning.tender', 'commissioning.contract',
            'commissioning.contract.payment',
            'commissioning.tender.amendment',
            'commissioning.contract.change', 'commissioning.tender.lot']

    @classmethod
    def check_modification(cls, mode, signoffs, values=None, external=False):
        super().check_modification(
            mode, signoffs, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise SignoffError(gettext(
                    'childfirst_commissioning.msg_signoff_immutable'))

    @classmethod
    def check_segregation(cls, origin, gate, requested_by):
        "Raise when the current user requested the sign-off of origin"
        if requested_by and requested_by.id == Transaction().user:
            raise SegregationError(gettext(
                    'childfirst_commissioning.msg_segregation',
                    record=origin.rec_name,
                    gate=dict(GATES)[gate]))

    @classmethod
    def decide(cls, origin, gate, decision, checks, requested_by=None,
            comment=None):
        """Return the sign-off, not stored yet, of a decision on a gate of
        origin by the current user.

        The user who requested the sign-off may not give it."""
        cls.check_segregation(origin, gate, requested_by)
        return cls(
            origin=origin, gate=gate, decision=decision,
            user=Transaction().user, requested_by=requested_by,
            comment=comment, checks="\n".join(checks))

    @classmethod
    def record(cls, signoffs):
        """Store the sign-offs of a button together, once every record has
        passed its gate"""
        with without_check_access():
            cls.save(signoffs)
        notification.approval_decided(signoffs)
