# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import re

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields

from .exceptions import ConfigurationValidationError
from .notification import EVENTS
from .validation import InputMixin

# The range each setting may take: (field, lowest, highest)
_RANGES = [
    ('minimum_child_first_weight', 0, 100),
    ('score_max', 1, 100),
    ('moderation_spread', 1, 100),
    ('child_first_threshold', 0, 100),
    ('standstill_days', 0, 60),
    ('default_tolerance', 0, 100),
    ('return_due_days', 0, 365),
    ('document_size_max', 1, 500),
    ('notification_closing_days', 1, 60),
    ('notification_due_days', 1, 60),
    ('amendment_minimum_days', 0, 60),
    ('failure_overdue_days', 0, 365),
    ]
# The documents commissioning records take by default: the files of
# public-sector documents
DOCUMENT_TYPES = (
    "pdf, doc, docx, odt, rtf, txt, csv, xls, xlsx, ods, ppt, pptx, odp, "
    "png, jpg, jpeg, gif")
# A file extension: letters and digits, without the dot
_EXTENSION = re.compile(r'[a-z0-9]{1,16}')
# The prefix of the OCIDs: letters, digits and hyphens
_OCID_PREFIX = re.compile(r'[A-Za-z0-9][A-Za-z0-9-]{0,49}')


def extensions(text):
    """Return the extensions of the text as a user writes them: separated
    by commas or spaces, with or without their dot, in any case"""
    return [e.lstrip('.').lower() for e in re.split(r'[\s,;]+', text or '')
        if e.strip()]


class Configuration(InputMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'commissioning.configuration'
    __string__ = "Commissioning Configuration"

    minimum_child_first_weight = fields.Integer(
        "Minimum Child First Weight", required=True,
        help="The least total weight that the Child First criteria of a "
        "tender must carry (out of 100).")
    score_max = fields.Integer(
        "Maximum Score", required=True,
        help="Evaluators score each criterion from 0 to this value.")
    moderation_spread = fields.Integer(
        "Moderation Spread", required=True,
        help="When evaluators' scores for a bid and criterion differ by at "
        "least this many points, a moderated score is required.")
    child_first_threshold = fields.Integer(
        "Child First Threshold (%)", required=True,
        help="The Child First percentage a bid must reach to be eligible.")
    standstill_days = fields.Integer(
        "Standstill (working days)", required=True,
        help="Working days between award and contract. "
        "Use 0 for light-touch contracts and grants.")
    require_children_panel = fields.Boolean(
        "Require Children's Panel",
        help="A children's panel must score at least one Child First "
        "criterion before evaluation can start.")
    default_tolerance = fields.Integer(
        "Default KPI Tolerance (%)", required=True,
        help="The tolerance new KPI templates get, as a percentage of the "
        "target.")
    return_due_days = fields.Integer(
        "Return Due (days)", required=True,
        help="Days after the end of a monitoring period by which the "
        "provider's return is due.")
    failure_overdue_days = fields.Integer(
        "Overdue Return Failure (days)", required=True,
        help="Days after its due date that a return not yet submitted is "
        "recorded as a performance failure of the contract.")
    document_size_max = fields.Integer(
        "Maximum Document Size (MB)", required=True,
        help="The largest file users may attach to a tender, a bid, a "
        "monitoring return or another commissioning record.")
    document_types = fields.Char(
        "Allowed Document Types", required=True,
        help="The extensions of the files users may attach to "
        "commissioning records, separated by commas, such as "
        "\"pdf, docx, odt\".")
    amendment_minimum_days = fields.Integer(
        "Minimum Time after an Amendment (days)", required=True,
        help="The least time, in days, an amendment that moves the deadline "
        "or changes what bidders answer leaves them before the tender "
        "closes.")
    # Notifications
    notification_email = fields.Boolean(
        "Send E-mails",
        help="Users with an e-mail address are also told by e-mail; "
        "everyone is told in the client.")
    notification_events = fields.MultiSelection(
        EVENTS, "Notified Events",
        help="The events users are told of.")
    notification_closing_days = fields.Integer(
        "Closing Reminder (days)", required=True,
        help="Days before a tender closes that the providers with a draft "
        "bid are reminded.")
    notification_due_days = fields.Integer(
        "Return Reminder (days)", required=True,
        help="Days before a return is due that the provider is reminded.")
    # Publication
    giving_prefix = fields.Char(
        "360Giving Prefix", required=True,
        help="The prefix 360Giving registered for the organisation: it "
        "starts the identifiers of its grants in the 360Giving data.")

    # Publication
    ocid_prefix = fields.Char(
        "OCID Prefix", required=True,
        help="The prefix of the open contracting identifiers (OCIDs) of "
        "the published tenders, such as \"ocds-a1b2c3\": register one "
        "with the Open Contracting Partnership. Each tender's OCID is the "
        "prefix followed by its number.")

    @classmethod
    def default_minimum_child_first_weight(cls):
        return 30

    @classmethod
    def default_score_max(cls):
        return 5

    @classmethod
    def default_moderation_spread(cls):
        return 2

    @classmethod
    def default_child_first_threshold(cls):
        return 50

    @classmethod
    def default_standstill_days(cls):
        return 8

    @classmethod
    def default_require_children_panel(cls):
        return True

    @classmethod
    def default_default_tolerance(cls):
        return 10

    @classmethod
    def default_return_due_days(cls):
        return 20

    @classmethod
    def default_failure_overdue_days(cls):
        return 30

    @classmethod
    def default_amendment_minimum_days(cls):
        return 5

    @classmethod
    def default_document_size_max(cls):
        return 20

    @classmethod
    def default_document_types(cls):
        return DOCUMENT_TYPES

    def allowed_document_types(self):
        "Return the extensions of the files users may attach"
        return extensions(self.document_types)

    @classmethod
    def default_notification_email(cls):
        return True

    @classmethod
    def default_notification_events(cls):
        return [e for e, _ in EVENTS]

    @classmethod
    def default_notification_closing_days(cls):
        return 3

    @classmethod
    def default_notification_due_days(cls):
        return 5

    @classmethod
    def default_ocid_prefix(cls):
        return 'ocds-childfirst'

    @classmethod
    def default_giving_prefix(cls):
        return '360G-childfirst'

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for name, lowest, highest in _RANGES:
            if field_names and name not in field_names:
                continue
            for record in records:
                value = getattr(record, name)
                if value is not None and not (lowest <= value <= highest):
                    raise ConfigurationValidationError(gettext(
                            'childfirst_commissioning.msg_configuration_range',
                            field=cls.fields_get([name])[name]['string'],
                            value=value, lowest=lowest, highest=highest))
        if not field_names or 'document_types' in field_names:
            cls.check_document_types(records)
        if not field_names or 'ocid_prefix' in field_names:
            cls.check_ocid_prefix(records)
        if not field_names or 'giving_prefix' in field_names:
            for record in records:
                if not re.fullmatch(
                        r'360G-[A-Za-z0-9_.-]+', record.giving_prefix or ''):
                    raise ConfigurationValidationError(gettext(
                            'childfirst_commissioning'
                            '.msg_configuration_giving_prefix',
                            prefix=record.giving_prefix))

    @classmethod
    def check_ocid_prefix(cls, records):
        "Raise unless the OCID prefix is letters, digits and hyphens"
        for record in records:
            if not _OCID_PREFIX.fullmatch(record.ocid_prefix or ''):
                raise ConfigurationValidationError(gettext(
                        'childfirst_commissioning'
                        '.msg_configuration_ocid_prefix',
                        field=cls.fields_get(
                            ['ocid_prefix'])['ocid_prefix']['string'],
                        value=record.ocid_prefix or ''))

    @classmethod
    def check_document_types(cls, records):
        "Raise unless the document types are a list of file extensions"
        for record in records:
            types = extensions(record.document_types)
            wrong = [e for e in types if not _EXTENSION.fullmatch(e)]
            if wrong or not types:
                raise ConfigurationValidationError(gettext(
                        'childfirst_commissioning'
                        '.msg_configuration_document_types',
                        field=cls.fields_get(
                            ['document_types'])['document_types']['string'],
                        value=wrong[0] if wrong else record.document_types))
