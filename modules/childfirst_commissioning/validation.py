# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The checks every value goes through before it is stored: types, sizes,
ranges and the records it names, with a message that names the field and
the fix."""
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Model, ModelSQL, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice, is_instance_method
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .common import number
from .exceptions import (
    InputError, InputRangeError, MissingRecordError, RelationError)

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
# The check of each type of field
_CHECKS = {
    'boolean': 'boolean',
    'integer': 'integer',
    'numeric': 'number',
    'float': 'number',
    'char': 'text',
    'text': 'text',
    'selection': 'selection',
    'date': 'date',
    'datetime': 'date',
    'many2one': 'many2one',
    'reference': 'reference',
    'one2many': 'xmany',
    'many2many': 'xmany',
    }
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


def _is_number(value):
    return (not isinstance(value, bool)
        and isinstance(value, (int, float, Decimal)) and _finite(value))


def _storable(value):
    "Whether the text can be stored: UTF-8 without a null character"
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return '\x00' not in value


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
            elif (field._type == 'datetime'
                    and isinstance(value, dt.datetime) and value.microsecond):
                # The clients show and send times to the second: a stored
                # fraction would make every form that shows it modified
                values[name] = value.replace(microsecond=0)
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
        """Raise InputError when value does not fit field; return the
        (model, id) of the records it names"""
        type_ = field._type
        if isinstance(field, fields.Function):
            if not field.setter:
                raise cls._input_error('msg_input_computed', name, value)
            return []
        empty = value is None or (type_ == 'reference' and value == '')
        if empty and type_ not in {'one2many', 'many2many'}:
            if field.required and (
                    mode == 'write' or name not in cls._defaults):
                # Refused before any rule on the field is tested
                raise cls._input_error('msg_input_required', name, value)
            return []
        check = getattr(cls, '_check_%s' % _CHECKS.get(type_, 'nothing'))
        return check(name, field, value, selections) or []

    @classmethod
    def _check_nothing(cls, name, field, value, selections):
        pass

    @classmethod
    def _check_boolean(cls, name, field, value, selections):
        # SQLite gives booleans back as 0 and 1
        if not isinstance(value, bool) and not (
                type(value) is int and value in {0, 1}):
            raise cls._input_error('msg_input_boolean', name, value)

    @classmethod
    def _check_integer(cls, name, field, value, selections):
        if not _is_number(value):
            raise cls._input_error('msg_input_integer', name, value)
        # Before int(), which would build 1E+999999999 in memory
        if _magnitude(value) > INTEGER_MAX:
            raise cls._input_error(
                'msg_input_number_range', name, value,
                highest=format(INTEGER_MAX, ','))
        if value != int(value):
            raise cls._input_error('msg_input_integer', name, value)

    @classmethod
    def _check_number(cls, name, field, value, selections):
        if not _is_number(value):
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

    @classmethod
    def _check_text(cls, name, field, value, selections):
        if not isinstance(value, str):
            raise cls._input_error('msg_input_text', name, value)
        if not _storable(value):
            raise cls._input_error('msg_input_text_character', name, value)
        # Tryton checks the size too, after the write, but shows the whole
        # text in its message
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

    @classmethod
    def _check_selection(cls, name, field, value, selections):
        keys = cls._selection_keys(name, field, selections)
        if not isinstance(value, str) or (
                keys is not None and value not in keys
                and not (value == '' and None in keys)):
            raise cls._input_error(
                'msg_input_selection', name, value,
                options=cls._options(keys or []))

    @classmethod
    def _check_date(cls, name, field, value, selections):
        type_ = field._type
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

    @classmethod
    def _check_many2one(cls, name, field, value, selections):
        if isinstance(value, Model):
            valid = value.__name__ == field.model_name
        else:
            valid = _is_id(value)
        if not valid:
            raise cls._input_error(
                'msg_input_record', name, value,
                target=cls._target_name(field.model_name))
        if not isinstance(value, Model):
            return [(field.model_name, value)]

    @classmethod
    def _target_name(cls, model):
        return Pool().get(model).__names__()['model']

    @classmethod
    def _check_reference(cls, name, field, value, selections):
        "Raise InputError unless value is a record of the selection"
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
    def _check_xmany(cls, name, field, value, selections):
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
