# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The values a user scripting JSON-RPC or proteus may send for a field, as
hypothesis strategies: bad ones, of the wrong type or out of range, and
valid ones."""
import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from trytond.modules.childfirst_commissioning.tests.tools import (
    INTEGER_MAX, NUMBER_MAX)

FIRST, LAST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
CENT = Decimal('0.01')
# An id no record of the committed records has
DANGLING = 10 ** 8


# Values of the wrong type or out of range

def not_finite():
    return st.sampled_from([
            float('nan'), float('inf'), float('-inf'), Decimal('NaN'),
            Decimal('sNaN'), Decimal('Infinity'), Decimal('-Infinity'),
            # Finite, but neither storable nor convertible
            Decimal('1E+999999999'), Decimal('-1E+999999999')])


def junk():
    "Values of no field's type"
    return st.one_of(
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.sampled_from(['id', 'a']), st.integers(),
            max_size=1),
        st.binary(max_size=3),
        st.timedeltas(max_value=dt.timedelta(days=9)),
        )


def dates_out_of_window():
    return st.one_of(
        st.dates(max_value=FIRST - dt.timedelta(days=1)),
        st.dates(min_value=LAST + dt.timedelta(days=1)))


def not_iso(text):
    for kind in [dt.date, dt.datetime]:
        try:
            kind.fromisoformat(text)
            return False
        except ValueError:
            pass
    return True


def bad_integer(lowest=None, highest=None, required=False):
    strategies = [
        st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda f: f != int(f)),
        st.decimals(allow_nan=False, allow_infinity=False, places=2).filter(
            lambda d: d != d.to_integral_value()),
        st.booleans(), st.integers().map(str), st.text(max_size=4),
        st.integers(min_value=INTEGER_MAX + 1, max_value=2 ** 62),
        st.integers(min_value=-2 ** 62, max_value=-INTEGER_MAX - 1),
        not_finite(), junk(), st.dates(),
        ]
    if lowest is not None:
        strategies.append(st.integers(-INTEGER_MAX, lowest - 1))
    if highest is not None:
        strategies.append(st.integers(highest + 1, INTEGER_MAX))
    if required:
        strategies.append(st.none())
    return st.one_of(strategies)


def bad_number(lowest=None, highest=None, required=False):
    limit = int(NUMBER_MAX)
    strategies = [
        st.booleans(), st.text(max_size=4), st.integers().map(str),
        not_finite(), junk(), st.dates(),
        st.integers(min_value=limit + 1), st.integers(max_value=-limit - 1),
        st.floats(min_value=limit * 1.01, allow_infinity=False),
        st.decimals(min_value=limit + 1, max_value=Decimal('1e40'),
            places=0),
        # More decimals than the field keeps
        st.decimals(min_value=lowest or 0, max_value=highest or 1000,
            places=4).filter(lambda d: d != d.quantize(CENT)),
        st.sampled_from([Decimal('1E-999999999'), 1e-300, Decimal('1E-17')]),
        ]
    if lowest is not None:
        strategies.append(st.decimals(
                min_value=-limit, max_value=lowest - CENT, places=2))
    if highest is not None and highest < limit:
        strategies.append(st.decimals(
                min_value=highest + CENT, max_value=limit, places=2))
    if required:
        strategies.append(st.none())
    return st.one_of(strategies)


def bad_boolean():
    return st.one_of(
        st.integers().filter(lambda i: i not in {0, 1}), st.text(max_size=4),
        st.floats(), st.decimals(allow_nan=False), junk(), st.dates())


def bad_text(size, char=False, required=False):
    strategies = [
        st.integers(), st.floats(), st.booleans(),
        st.decimals(allow_nan=False), junk(), st.dates(),
        st.text(max_size=5).map(lambda t: t + '\x00'),
        st.sampled_from(['\ud800', 'ab\udfff']),
        st.integers(size + 1, size + 40).map(lambda n: 'y' * n),
        ]
    if char:
        # The characters Tryton forbids in a Char
        strategies.append(st.sampled_from(['a\tb', 'a\nb', 'a\rb']))
    if required:
        strategies.append(st.sampled_from([None, '', '   ']))
    return st.one_of(strategies)


def bad_selection(keys, required=False):
    strategies = [
        st.text(max_size=12).filter(
            lambda t: t not in keys and not (t == '' and None in keys)),
        st.integers(), st.booleans(), junk(),
        ]
    if required and None not in keys:
        strategies.append(st.sampled_from([None, '']))
    return st.one_of(strategies)


def bad_date(required=False):
    strategies = [
        dates_out_of_window(),
        dates_out_of_window().map(dt.date.isoformat),
        st.datetimes(
            min_value=dt.datetime(2000, 1, 1),
            max_value=dt.datetime(2100, 1, 1)),
        st.text(max_size=10).filter(not_iso),
        st.integers(), st.booleans(), junk(),
        ]
    if required:
        strategies.append(st.none())
    return st.one_of(strategies)


def bad_datetime():
    return st.one_of(
        st.datetimes(max_value=dt.datetime(1999, 12, 31, 23, 59)),
        st.datetimes(min_value=dt.datetime(2101, 1, 1)),
        st.dates(min_value=FIRST, max_value=LAST),
        st.text(max_size=10).filter(not_iso),
        st.integers(), st.booleans(), junk())


def bad_many2one(required=False):
    strategies = [
        st.integers(DANGLING, INTEGER_MAX),
        st.integers(INTEGER_MAX + 1, 2 ** 62),
        st.integers(-10 ** 6, 0), st.booleans(), st.text(max_size=4),
        st.floats(), st.decimals(allow_nan=False), junk(), st.dates(),
        ]
    if required:
        strategies.append(st.none())
    return st.one_of(strategies)


def bad_reference(model):
    return st.one_of(
        st.text(max_size=20).filter(lambda t: ',' not in t),
        st.sampled_from([
                '%s,%s' % (model, DANGLING), '%s,abc' % model,
                '%s,-1' % model, '%s,0' % model, 'res.user,1',
                'ir.model,1', (model, 'x'), (model, DANGLING), ',1']),
        st.integers(), st.booleans(), junk())


def bad_xmany():
    return st.one_of(
        st.integers(), st.text(max_size=4), st.booleans(),
        st.sampled_from([
                [['add']], [['add', [DANGLING]]], [['add', ['x']]],
                [['add', [True]]], [['garbage', [1]]], [['create', [5]]],
                [['write', [1]]], [['remove', 1]], ['add'], [[]], [None],
                [['copy', [1], 5]], {'add': [1]}]))


# Valid values

def good_char():
    return st.text(
        alphabet=st.characters(blacklist_categories=('Cs', 'Cc')),
        min_size=1, max_size=40).filter(lambda t: t.strip())


def good_text(required=False):
    text = st.text(
        alphabet=st.characters(
            blacklist_categories=('Cs',), blacklist_characters='\x00'),
        max_size=60)
    if required:
        text = text.filter(lambda t: t.strip())
    return text


def good_integer(lowest, highest):
    return st.one_of(
        st.integers(lowest, highest),
        # Whole numbers written as 3.0 are stored as 3
        st.integers(lowest, highest).map(float))


def good_number(lowest, highest):
    return st.decimals(
        min_value=lowest, max_value=highest, places=2,
        allow_nan=False, allow_infinity=False)


def good_date(lowest, highest):
    dates = st.dates(min_value=lowest, max_value=highest)
    return st.one_of(dates, dates.map(dt.date.isoformat))


def good_datetime(lowest, highest):
    return st.datetimes(min_value=lowest, max_value=highest).map(
        lambda d: d.replace(microsecond=0))


def good_selection(keys):
    return st.sampled_from(sorted(k for k in keys if k))


def stored(field, value):
    "Return what the database keeps of value for field"
    if field._type == 'char' and isinstance(value, str):
        return value.strip()
    if field._type == 'integer':
        return int(value)
    if field._type == 'numeric':
        return Decimal(value)
    if field._type == 'date' and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value
