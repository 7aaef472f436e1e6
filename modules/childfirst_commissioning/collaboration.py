# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .access import AccessMixin
from .exceptions import CollaborationValidationError
from .validation import COUNT_MAX, InputMixin, check_ranges

METHODS = [
    ('youth_panel', "Youth Panel"),
    ('co_design', "Co-design Workshop"),
    ('survey', "Survey"),
    ('focus_group', "Focus Group"),
    ('peer_research', "Peer Research"),
    ('interviews', "Interviews"),
    ('advisory_board', "Advisory Board"),
    ('other', "Other"),
    ]

# The Lundy model of participation and the facts that make a record of
# collaboration with children complete.
LUNDY_FIELDS = ['space', 'voice', 'audience', 'influence']
COMPLETE_FIELDS = [
    'date', 'method', 'children_count', *LUNDY_FIELDS, 'feedback_to_children',
    'consent_confirmed']


class Collaboration(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.collaboration'
    __string__ = "Collaboration with Children"

    origin = fields.Reference(
        "Origin", selection='get_origins', required=True,
        help="The tender, bid or monitoring return this evidence is for.")
    date = fields.Date("Date", help="When the children took part.")
    method = fields.Selection(
        [(None, "")] + METHODS, "Method",
        help="How the children took part.")
    children_count = fields.Integer(
        "Children Involved",
        help="How many children took part. Record no names or other "
        "personal data of children.")
    space = fields.Text(
        "Space",
        help="The safe, inclusive opportunity the children had to take part.")
    voice = fields.Text(
        "Voice", help="How the children expressed their views.")
    audience = fields.Text(
        "Audience",
        help="Who, with the power to decide, listened to the children.")
    influence = fields.Text(
        "Influence", help="What changed as a result of the children's views.")
    feedback_to_children = fields.Text(
        "Feedback to Children",
        help="How the children were told what happened to their views.")
    consent_confirmed = fields.Boolean(
        "Consent and Safeguarding Confirmed",
        help="Consent and safeguarding arrangements were in place.")
    complete = fields.Function(
        fields.Boolean("Complete"), 'get_complete', searcher='search_complete')
    missing = fields.Function(
        fields.Char("Missing"), 'get_missing')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC NULLS FIRST'))

    @classmethod
    def get_origins(cls):
        "Return the models a collaboration record may belong to"
        pool = Pool()
        Model = pool.get('ir.model')
        models = cls._get_origins()
        return [(None, '')] + [
            (m, Model.get_name(m)) for m in models]

    @classmethod
    def _get_origins(cls):
        return [
            'commissioning.tender', 'commissioning.bid',
            'commissioning.monitoring.return']

    @classmethod
    def default_consent_confirmed(cls):
        return False

    def missing_fields(self):
        "Return the names of the facts this record lacks"
        missing = []
        for name in COMPLETE_FIELDS:
            value = getattr(self, name, None)
            if name == 'consent_confirmed':
                if not value:
                    missing.append(name)
            elif name == 'children_count':
                if not value or value <= 0:
                    missing.append(name)
            elif isinstance(value, str):
                if not value.strip():
                    missing.append(name)
            elif value is None:
                missing.append(name)
        return missing

    def missing_labels(self):
        "Return the labels of the facts this record lacks"
        labels = self.fields_get(COMPLETE_FIELDS)
        return [labels[n]['string'] for n in self.missing_fields()]

    @classmethod
    def get_complete(cls, records, name):
        return {r.id: not r.missing_fields() for r in records}

    @classmethod
    def get_missing(cls, records, name):
        return {r.id: ", ".join(r.missing_labels()) for r in records}

    @classmethod
    def search_complete(cls, name, clause):
        _, operator, value = clause[:3]
        complete = [
            ('date', '!=', None),
            ('method', '!=', None),
            ('children_count', '>', 0),
            ('consent_confirmed', '=', True),
            ] + [(f, 'not in', [None, '']) for f in
                LUNDY_FIELDS + ['feedback_to_children']]
        wanted = bool(value) if operator == '=' else not bool(value)
        if wanted:
            return complete
        return ['OR'] + [_negate(c) for c in complete]

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names and not (field_names & {'children_count', 'date'}):
            return
        today = Pool().get('ir.date').today()
        for record in records:
            if record.children_count is not None and record.children_count < 0:
                raise CollaborationValidationError(gettext(
                        'childfirst_commissioning.msg_collaboration_count',
                        count=record.children_count))
            if record.date and record.date > today:
                raise CollaborationValidationError(gettext(
                        'childfirst_commissioning.msg_collaboration_future',
                        date=record.date))
        check_ranges(cls, records, field_names, children_count=(0, COUNT_MAX))

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        pool = Pool()
        super().check_modification(
            mode, records, values=values, external=external)
        origins = [r.origin for r in records]
        if mode == 'write' and values and values.get('origin'):
            origin = values['origin']
            if isinstance(origin, str):
                origin = origin.split(',')
            model, id_ = origin
            origins.append(pool.get(model)(int(id_)))
        for origin in set(filter(None, origins)):
            if hasattr(origin, 'check_evidence_editable'):
                origin.check_evidence_editable()


def _negate(clause):
    name, operator, value = clause
    return (name, {
            '!=': '=', '=': '!=', '>': '<=', 'not in': 'in',
            }[operator], value)


class CollaborationOriginMixin:
    "Add the collaboration evidence of an origin record"
    __slots__ = ()

    def check_evidence_editable(self):
        "Raise when the evidence of this record may no longer change"
        pass

    # The message of a record without any collaboration record
    _collaboration_none_message = 'msg_check_evidence_none'

    def collaboration_evidence_checks(self):
        """Return the failing checks of this record's evidence.

        The record needs at least one complete collaboration record; each
        incomplete record is named with what it lacks."""
        failures = []
        records = list(getattr(self, 'collaborations', None) or [])
        if any(c.complete for c in records):
            return failures
        if not records:
            failures.append(gettext(
                    'childfirst_commissioning.%s'
                    % self._collaboration_none_message))
        for record in records:
            failures.append(gettext(
                    'childfirst_commissioning.msg_check_evidence_incomplete',
                    date=record.date or "—",
                    missing=", ".join(record.missing_labels())))
        return failures
