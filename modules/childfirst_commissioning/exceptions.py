# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class GateError(UserError):
    "A gate refused a transition; the message lists every failing check."


class TenderDesignError(GateError):
    pass


class ApprovalError(GateError):
    pass


class PublishError(GateError):
    pass


class SegregationError(GateError):
    "The user who requested a sign-off tried to give it."


class TenderValidationError(ValidationError):
    pass


class CriterionValidationError(ValidationError):
    pass


class CollaborationValidationError(ValidationError):
    pass


class ConfigurationValidationError(ValidationError):
    pass


class LockedError(AccessError):
    "A record is frozen by the state of the record it belongs to."


class SignoffError(AccessError):
    "Sign-offs are kept as they were given."


class CommissioningWarning(UserWarning):
    pass


class BidSubmissionError(GateError):
    pass


class BidValidationError(BidSubmissionError, ValidationError):
    """A value of a bid keeps it from being submitted: its price, or a
    second live bid of the same organisation."""


class WithdrawError(GateError):
    pass


class CloseError(GateError):
    pass


class EvaluationError(GateError):
    pass


class ScoreError(ValidationError):
    pass


class AwardError(GateError):
    pass


class ContractError(GateError):
    pass


class ContractValidationError(ValidationError):
    pass


class ReturnError(GateError):
    pass


class ReturnValidationError(ValidationError):
    pass


class PaymentError(GateError):
    pass


class InputError(ValidationError):
    "A value does not fit its field: wrong type, size or range."


class InputRangeError(InputError):
    "A number or a count is outside what its field allows."


class MissingRecordError(InputError):
    "A value names a record that does not exist."


class RelationError(InputError):
    "A value names a record of another tender, bid, contract or return."


class EvaluationIncompleteError(GateError):
    "A report was asked for before the evaluation of its tender completed."


class OcdsError(UserError):
    "An open contracting export does not validate or has nothing public."


class QuestionError(GateError):
    "A clarification question asked, answered or published out of turn."


class AmendmentError(GateError):
    "An amendment applied out of turn or without its sign-off."


class ContractChangeError(GateError):
    "A contract change requested, approved or rejected out of turn."


class PerformanceNoticeError(GateError):
    "A contract performance notice cannot be gathered or published."


class FailureError(GateError):
    "A performance failure cannot be resolved or escalated."


class FailureValidationError(ValidationError):
    pass


class GivingError(UserError):
    "A 360Giving data package does not validate against the standard."
