# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The fields criteria and KPIs share wherever they are kept, and the checks
every value goes through before it is stored."""
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from sql import Cast

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Model, ModelSQL, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, is_instance_method
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .exceptions import (
    CriterionValidationError, InputError, InputRangeError,
    MissingRecordError, RelationError)

TENETS = [
    ('as_children', "Treating children as children"),
    ('pro_social', "Building pro-social identity"),
    ('collaboration', "Collaborating with children"),
    ('diversion', "Diverting from stigma"),
    ]
TENET_KEYS = [k for k, _ in TENETS]
METHODS = [
    ('scored', "Scored"),
    ('pass_fail', "Pass/Fail"),
    ('price', "Price"),
    ]
KPI_CATEGORIES = [
    ('positive_outcome', "Positive Outcome"),
    ('child_experience', "Child Experience"),
    ('process', "Process"),
    ('offence_contact', "Offence/Contact"),
    ]
DIRECTIONS = [
    ('higher', "Higher is better"),
    ('lower', "Lower is better"),
    ]


# The bounds of what a user may enter
NUMBER_MAX = Decimal('1e12')  # any number, amounts of money included
INTEGER_MAX = 2 ** 31 - 1  # what an INTEGER column holds
PLACES_MAX = 16  # the decimals of a number whose field has no fixed digits
COUNT_MAX = 1_000_000  # a count of children, concerns, ...
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates
CHAR_SIZE = 256  # names, units, terms
TEXT_SIZE = 100_000  # descriptions, responses, narratives
# The keys Tryton drops from the values it is given
_IGNORED_KEYS = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
# The actions of One2Many and Many2Many values, with the number of
# arguments each takes
_XMANY_ACTIONS = {
    'create': (1, 1),
    'write': (2, None),
    'delete': (1, 1),
    'add': (1, 1),
    'remove': (1, 1),
    'copy': (1, 2),
    }


def numeric(column):
    "Return the column of a Numeric field as a number in SQL expressions"
    if backend.name == 'sqlite':
        # SQLite stores Decimal as bytes
        return Cast(column, 'NUMERIC')
    return column


def number(value):
    "Return value as text without trailing zeros, as a user would write it"
    value = Decimal(value or 0).normalize()
    return format(value, 'f')


def _shown(value):
    "Return value as a user would recognise it in a message, shortened"
    if isinstance(value, str):
        text = value
    elif isinstance(value, (Decimal, dt.date)):
        text = str(value)
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _finite(value):
    if isinstance(value, Decimal):
        return value.is_finite()
    return math.isfinite(value)


def _magnitude(value):
    "Return the absolute value of value, without rounding a Decimal"
    if isinstance(value, Decimal):
        return value.copy_abs()
    return abs(value)


def _places(value):
    "Return the number of decimals of value as it is written"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return max(0, -value.as_tuple().exponent)
    return 0


def _is_id(value):
    return (isinstance(value, int) and not isinstance(value, bool)
        and value > 0)


def check_fixed(Model, values, names, message):
    """Raise the message of the module naming the first of the fields names
    that the values of a write change: they are set when the record is
    created and never move"""
    for name in names:
        if name in values:
            raise RelationError(gettext(
                    'childfirst_commissioning.' + message,
                    field=Model.__names__(name)['field']))


class InputMixin:
    """Refuse, with a message naming the field, every value that does not fit
    its field before Tryton converts and stores it.

    Tryton converts what it is given: 3.5 becomes 3 in an Integer field,
    true becomes 1 in a Numeric field, SQLite keeps an id that names no
    record, and what cannot be converted ends in an internal error. The
    values of a create or a write are checked here as they arrive, over RPC
    or from code, for all the records at once; what a value means for its
    record (ranges, records of the same tender) is checked after the write
    by each model's validate_fields."""
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Every text has a size that Tryton checks
        for name in dir(cls):
            if name.startswith('_'):
                continue
            field = getattr(cls, name)
            if isinstance(field, fields.Char) and field.size is None:
                field.size = (
                    TEXT_SIZE if isinstance(field, fields.Text)
                    else CHAR_SIZE)

    @classmethod
    def create(cls, vlist):
        cls.check_input(vlist)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        cls.check_input(args[1::2], mode='write')
        return super().write(*args)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # A whole number given as 3.0 is stored as 3 and a float as the
        # number it shows (0.1, not 0.1000000000000000055...)
        for name, value in values.items():
            field = cls._fields.get(name)
            if field is None or isinstance(value, bool):
                continue
            if field._type == 'boolean' and type(value) is int:
                values[name] = bool(value)
            elif field._type == 'integer' and isinstance(
                    value, (float, Decimal)):
                values[name] = int(value)
            elif field._type == 'numeric' and isinstance(value, float):
                values[name] = Decimal(repr(value))
        return values

    @classmethod
    def check_input(cls, vlist, mode='create'):
        """Raise InputError for the first value of vlist, a list of values
        to create or to write as mode says, that does not fit its field.

        The ids the values name are checked to exist with one query per
        model they belong to."""
        ids = defaultdict(set)
        selections = {}
        for values in vlist:
            if not isinstance(values, dict):
                raise InputError(gettext(
                        'childfirst_commissioning.msg_input_values',
                        model=cls.__names__()['model'],
                        value=_shown(values)))
            for name, value in values.items():
                if name in _IGNORED_KEYS:
                    continue
                field = cls._fields.get(name)
                if field is None:
                    raise InputError(gettext(
                            'childfirst_commissioning.msg_input_field',
                            model=cls.__names__()['model'],
                            field=_shown(name)))
                for model, id_ in cls._check_value(
                        mode, name, field, value, selections):
                    ids[model, name].add(id_)
        cls._check_ids_exist(ids)

    @classmethod
    def _input_error(cls, message, name, value, error=InputError, **values):
        names = cls.__names__(name)
        return error(gettext(
                'childfirst_commissioning.' + message,
                field=names['field'], model=names['model'],
                value=_shown(value), **values))

    @classmethod
    def _selection_keys(cls, name, field, selections):
        "Return the keys of the selection of field, None when per record"
        if name not in selections:
            selection = field.selection
            if isinstance(selection, (list, tuple)):
                keys = dict(selection)
            elif is_instance_method(cls, selection):
                keys = None
            else:
                keys = dict(getattr(cls, selection)())
            selections[name] = keys
        return selections[name]

    @classmethod
    def _options(cls, keys):
        return ", ".join('"%s"' % k for k in keys if k)

    @classmethod
    def _check_value(cls, mode, name, field, value, selections):
        """Raise InputError when value does not fit field; yield the
        (model, id) of the records it names"""
        type_ = field._type
        if isinstance(field, fields.Function):
            if not field.setter:
                raise cls._input_error('msg_input_computed', name, value)
            return
        empty = value is None or (type_ == 'reference' and value == '')
        if empty and type_ not in {'one2many', 'many2many'}:
            if field.required and (
                    mode == 'write' or name not in cls._defaults):
                # Refused before any rule on the field is tested
                raise cls._input_error('msg_input_required', name, value)
            return
        if type_ == 'boolean':
            # SQLite gives booleans back as 0 and 1
            if not isinstance(value, bool) and not (
                    type(value) is int and value in {0, 1}):
                raise cls._input_error('msg_input_boolean', name, value)
        elif type_ == 'integer':
            if (isinstance(value, bool)
                    or not isinstance(value, (int, float, Decimal))
                    or not _finite(value)):
                raise cls._input_error('msg_input_integer', name, value)
            # Before int(), which would build 1E+999999999 in memory
            if _magnitude(value) > INTEGER_MAX:
                raise cls._input_error(
                    'msg_input_number_range', name, value,
                    highest=format(INTEGER_MAX, ','))
            if value != int(value):
                raise cls._input_error('msg_input_integer', name, value)
        elif type_ in {'numeric', 'float'}:
            if (isinstance(value, bool)
                    or not isinstance(value, (int, float, Decimal))
                    or not _finite(value)):
                raise cls._input_error('msg_input_number', name, value)
            if _magnitude(value) > NUMBER_MAX:
                raise cls._input_error(
                    'msg_input_number_range', name, value,
                    highest=format(int(NUMBER_MAX), ','))
            # The decimals the field keeps, when they do not depend on the
            # record, else as many as any amount needs
            digits = field.digits if isinstance(field.digits, tuple) else ()
            places = digits[1] if digits and digits[1] is not None else (
                PLACES_MAX)
            if _places(value) > places:
                raise cls._input_error(
                    'msg_input_places', name, value, places=places)
        elif type_ in {'char', 'text'}:
            if not isinstance(value, str):
                raise cls._input_error('msg_input_text', name, value)
            try:
                value.encode('utf-8')
            except UnicodeEncodeError:
                valid = False
            else:
                valid = '\x00' not in value
            if not valid:
                raise cls._input_error(
                    'msg_input_text_character', name, value)
            # Tryton checks the size too, after the write, but shows the
            # whole text in its message
            if field.strip:
                value = getattr(value, {
                        True: 'strip',
                        'leading': 'lstrip',
                        'trailing': 'rstrip',
                        }[field.strip])()
            if field.size is not None and len(value) > field.size:
                raise cls._input_error(
                    'msg_input_size', name, value, size=len(value),
                    max_size=field.size)
        elif type_ == 'selection':
            keys = cls._selection_keys(name, field, selections)
            if not isinstance(value, str) or (
                    keys is not None and value not in keys
                    and not (value == '' and None in keys)):
                raise cls._input_error(
                    'msg_input_selection', name, value,
                    options=cls._options(keys or []))
        elif type_ in {'date', 'datetime'}:
            kind = dt.datetime if type_ == 'datetime' else dt.date
            date = value
            if isinstance(value, str):
                try:
                    date = kind.fromisoformat(value)
                except ValueError:
                    pass
            if (not isinstance(date, kind)
                    or (type_ == 'date' and isinstance(date, dt.datetime))):
                raise cls._input_error('msg_input_%s' % type_, name, value)
            if not (FIRST_YEAR <= date.year <= LAST_YEAR):
                raise cls._input_error(
                    'msg_input_date_range', name, date,
                    first=FIRST_YEAR, last=LAST_YEAR)
        elif type_ == 'many2one':
            if isinstance(value, Model):
                if value.__name__ != field.model_name:
                    raise cls._input_error(
                        'msg_input_record', name, value,
                        target=cls._target_name(field.model_name))
            elif not _is_id(value):
                raise cls._input_error(
                    'msg_input_record', name, value,
                    target=cls._target_name(field.model_name))
            else:
                yield field.model_name, value
        elif type_ == 'reference':
            yield from cls._check_reference(name, field, value, selections)
        elif type_ in {'one2many', 'many2many'}:
            yield from cls._check_xmany(name, field, value)

    @classmethod
    def _target_name(cls, model):
        return Pool().get(model).__names__()['model']

    @classmethod
    def _check_reference(cls, name, field, value, selections):
        keys = cls._selection_keys(name, field, selections)
        if isinstance(value, Model):
            model, id_ = value.__name__, value.id
        elif isinstance(value, str) and ',' in value:
            model, id_ = value.split(',', 1)
            try:
                id_ = int(id_)
            except ValueError:
                id_ = None
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            model, id_ = value
        else:
            model, id_ = None, None
        if keys is None:
            # The selection depends on the record: Tryton checks it after
            # the write, the model must exist to look the id up
            keys = {m for m, _ in Pool().iterobject()}
        if (not isinstance(model, str) or model not in keys
                or not _is_id(id_)):
            raise cls._input_error(
                'msg_input_reference', name, value,
                options=cls._options(keys))
        if not isinstance(value, Model):
            yield model, id_

    @classmethod
    def _check_xmany(cls, name, field, value):
        if field._type == 'many2many':
            target = field.get_target().__name__
        else:
            target = field.model_name

        def error():
            return cls._input_error('msg_input_xmany', name, value)

        if not isinstance(value, (list, tuple)):
            raise error()
        for action in value:
            if (not isinstance(action, (list, tuple)) or not action
                    or action[0] not in _XMANY_ACTIONS):
                raise error()
            kind, *arguments = action
            least, most = _XMANY_ACTIONS[kind]
            if (len(arguments) < least
                    or (most is not None and len(arguments) > most)
                    or not all(isinstance(a, (list, tuple, dict))
                        for a in arguments)):
                raise error()
            if kind == 'create':
                if not all(isinstance(v, dict) for v in arguments[0]):
                    raise error()
                continue
            if kind == 'write':
                if len(arguments) % 2:
                    raise error()
                id_lists = arguments[::2]
                if not all(isinstance(v, dict) for v in arguments[1::2]):
                    raise error()
            else:
                id_lists = arguments[:1]
                if kind == 'copy' and len(arguments) == 2 and not isinstance(
                        arguments[1], dict):
                    raise error()
            for ids in id_lists:
                if not isinstance(ids, (list, tuple)) or not all(
                        _is_id(i) for i in ids):
                    raise error()
                for id_ in ids:
                    yield target, id_

    @classmethod
    def _check_ids_exist(cls, ids):
        """Raise MissingRecordError when an id of ids, {(model, field name):
        ids}, names no record: one query per model"""
        pool = Pool()
        by_model = defaultdict(set)
        for (model, _), model_ids in ids.items():
            by_model[model] |= model_ids
        for model, model_ids in by_model.items():
            Target = pool.get(model)
            found = _existing_ids(Target, model_ids)
            for (model_, name), field_ids in sorted(ids.items()):
                missing = field_ids - found
                if model_ == model and missing:
                    raise cls._input_error(
                        'msg_input_missing', name, min(missing),
                        error=MissingRecordError,
                        target=Target.__names__()['model'])


def _existing_ids(Model, ids):
    "Return the ids among ids of the records of Model, active or not"
    if (issubclass(Model, ModelSQL)
            and not callable(getattr(Model, 'table_query', None))):
        table = Model.__table__()
        cursor = Transaction().connection.cursor()
        found = set()
        for sub_ids in grouped_slice(list(ids), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.id,
                    where=fields.SQL_OPERATORS['in'](table.id, list(sub_ids))))
            found.update(i for i, in cursor)
        return found
    with inactive_records(), without_check_access():
        return {r.id for r in Model.search([('id', 'in', list(ids))])}


def check_ranges(Model, records, field_names, **ranges):
    """Raise InputRangeError for the first record whose value is out of the
    range of its field: ranges maps field names to (lowest, highest)"""
    for name, (lowest, highest) in ranges.items():
        if field_names and name not in field_names:
            continue
        for record in records:
            value = getattr(record, name)
            if value is not None and not (lowest <= value <= highest):
                names = Model.__names__(name, record)
                raise InputRangeError(gettext(
                        'childfirst_commissioning.msg_input_range',
                        field=names['field'], record=names['record'],
                        value=number(value), lowest=number(lowest),
                        highest=number(highest)))


class CompanyCurrencyMixin:
    "A record of the user's company, in the company's currency by default"
    __slots__ = ()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_currency(cls):
        Company = Pool().get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @fields.depends('company')
    def on_change_company(self):
        if self.company:
            self.currency = self.company.currency


class CriterionMixin(InputMixin):
    "The definition of an award criterion"
    __slots__ = ()

    name = fields.Char("Name", required=True)
    description = fields.Text(
        "Description", help="What bidders are asked and how it is judged.")
    sequence = fields.Integer("Sequence")
    tenet = fields.Selection(
        [(None, "")] + TENETS, "Child First Tenet",
        help="The Child First tenet this criterion assesses, if any.")
    method = fields.Selection(
        METHODS, "Method", required=True,
        help="Scored: evaluators score it. Pass/Fail: a bid must pass it. "
        "Price: scored from the bid price.")
    weight = fields.Numeric(
        "Weight", digits=(16, 2),
        states={
            'invisible': Eval('method') == 'pass_fail',
            },
        help="Out of 100 for scored and price criteria together.")
    minimum_score = fields.Numeric(
        "Minimum Score", digits=(16, 2),
        states={
            'invisible': Eval('method') != 'scored',
            },
        help="A bid scoring less than this on the criterion is not "
        "eligible.")
    evidence_required = fields.Boolean(
        "Evidence of Collaboration Required",
        help="Bidders must attach a complete record of collaboration with "
        "children.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS LAST'))

    @classmethod
    def default_method(cls):
        return 'scored'

    @classmethod
    def default_weight(cls):
        return Decimal(0)

    @classmethod
    def default_evidence_required(cls):
        return False

    @fields.depends('method', 'weight')
    def on_change_method(self):
        if self.method == 'pass_fail':
            self.weight = Decimal(0)

    @property
    def child_first(self):
        "A scored criterion assessing a Child First tenet"
        return bool(self.tenet) and self.method == 'scored'

    @classmethod
    def validate_fields(cls, criteria, field_names):
        super().validate_fields(criteria, field_names)
        if field_names and not (
                field_names & {'weight', 'minimum_score', 'method'}):
            return
        Configuration = Pool().get('commissioning.configuration')
        score_max = Configuration(1).score_max
        for criterion in criteria:
            weight = criterion.weight or 0
            if not (0 <= weight <= 100):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_criterion_weight',
                        criterion=criterion.name, weight=number(weight)))
            if criterion.method == 'pass_fail' and weight:
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning'
                        '.msg_criterion_pass_fail_weight',
                        criterion=criterion.name, weight=number(weight)))
            minimum = criterion.minimum_score
            if minimum is not None and not (0 <= minimum <= score_max):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_criterion_minimum',
                        criterion=criterion.name, minimum=number(minimum),
                        score_max=score_max))


class KpiMixin(InputMixin):
    "The definition of a key performance indicator"
    __slots__ = ()

    name = fields.Char("Name", required=True)
    category = fields.Selection(
        KPI_CATEGORIES, "Category", required=True,
        help="Positive outcome and child experience KPIs come before "
        "offence or contact targets.")
    unit = fields.Char("Unit", help="For example %, children, days.")
    direction = fields.Selection(DIRECTIONS, "Direction", required=True)
    target = fields.Numeric("Target", digits=(16, 2))
    tolerance = fields.Integer(
        "Tolerance (%)",
        help="How far from the target, as a percentage of it, a value is "
        "still rated approaching.")
    disaggregate = fields.Boolean(
        "Disaggregated",
        help="Values are broken down by ethnicity and care experience, the "
        "groups the policy names as over-represented.")

    @classmethod
    def default_category(cls):
        return 'positive_outcome'

    @classmethod
    def default_direction(cls):
        return 'higher'

    @classmethod
    def default_tolerance(cls):
        Configuration = Pool().get('commissioning.configuration')
        return Configuration(1).default_tolerance

    @classmethod
    def default_disaggregate(cls):
        return False

    @classmethod
    def validate_fields(cls, kpis, field_names):
        super().validate_fields(kpis, field_names)
        if field_names and not (field_names & {'tolerance', 'target'}):
            return
        for kpi in kpis:
            if kpi.tolerance is not None and not (0 <= kpi.tolerance <= 100):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_kpi_tolerance',
                        kpi=kpi.name, tolerance=kpi.tolerance))
            if kpi.target is not None and kpi.target < 0:
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_kpi_target',
                        kpi=kpi.name, target=number(kpi.target)))

    def kpi_values(self):
        "Return the values to copy this KPI definition elsewhere"
        return {
            'name': self.name,
            'category': self.category,
            'unit': self.unit,
            'direction': self.direction,
            'target': self.target,
            'tolerance': self.tolerance,
            'disaggregate': self.disaggregate,
            }
