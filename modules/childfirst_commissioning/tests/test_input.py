# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Bad input, as a user scripting JSON-RPC or proteus sends it, is refused
with a message that names the field, and changes nothing.

The property tests draw bad values for every field a user writes, of the
wrong type or out of range, and send them as the user of the right role with
access checks on; each call runs in a transaction of its own that is rolled
back as the RPC dispatcher does, and the record is read again from the
database. The same tests draw valid values, which are stored as given."""
import datetime as dt
import re
import unittest
from decimal import Decimal
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings, strategies as st

from trytond import backend
from trytond.cache import Cache
from trytond.exceptions import UserError
from trytond.model.exceptions import DomainValidationError, ForeignKeyError
from trytond.modules.childfirst_commissioning.common import (
    CHAR_SIZE, INTEGER_MAX, NUMBER_MAX, TEXT_SIZE, InputMixin)
from trytond.modules.childfirst_commissioning.exceptions import (
    InputError, LockedError, MissingRecordError, RelationError, ScoreError)
from trytond.modules.childfirst_commissioning.tests.tools import (
    GOOD_KPIS, as_user, complete_collaboration, count_queries, make_tender,
    make_user, publish_tender)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction, TransactionError

TODAY = dt.date.today()
NOW = dt.datetime.now().replace(microsecond=0)
# A contract that started a year ago, brought into the system
START = TODAY - dt.timedelta(days=365)
END = START + relativedelta(years=2, days=-1)
FIRST, LAST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
CENT = Decimal('0.01')
# An id no record of the fixture has
DANGLING = 10 ** 8


# The KPIs of a contract without an offence/contact KPI
KPIS = GOOD_KPIS[:4]


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


TENETS = ['as_children', 'pro_social', 'collaboration', 'diversion']
KPI_FIELDS = {
    'name': (bad_text(CHAR_SIZE, char=True, required=True), good_char()),
    'unit': (bad_text(CHAR_SIZE, char=True), good_char()),
    'category': (
        bad_selection({'positive_outcome', 'child_experience', 'process',
                'offence_contact'}, required=True),
        good_selection({'positive_outcome', 'child_experience', 'process',
                'offence_contact'})),
    'direction': (
        bad_selection({'higher', 'lower'}, required=True),
        good_selection({'higher', 'lower'})),
    'target': (bad_number(0), good_number(0, 10 ** 6)),
    'tolerance': (bad_integer(0, 100), good_integer(0, 100)),
    'disaggregate': (bad_boolean(), st.booleans()),
    }
CRITERION_FIELDS = {
    'name': (bad_text(CHAR_SIZE, char=True, required=True), good_char()),
    'description': (bad_text(TEXT_SIZE), good_text()),
    'sequence': (bad_integer(), good_integer(-10 ** 6, 10 ** 6)),
    'tenet': (bad_selection(set(TENETS) | {None}), good_selection(TENETS)),
    'method': (
        bad_selection({'scored', 'pass_fail', 'price'}, required=True),
        good_selection({'scored', 'price'})),
    'weight': (bad_number(0, 100), good_number(0, 100)),
    'minimum_score': (bad_number(0, 5), good_number(0, 5)),
    'evidence_required': (bad_boolean(), st.booleans()),
    }

# What each property test writes: the model, the user who writes it, the
# record of the fixture written (or created with the values of the
# fixture), and per field the bad and the valid values
TARGETS = {
    'score': {
        'model': 'commissioning.score', 'user': 'specialist',
        'record': 'score',
        'fields': {
            'score': (bad_integer(0, 5, required=True), good_integer(0, 5)),
            'justification': (
                bad_text(TEXT_SIZE, required=True), good_text(True)),
            'response': (bad_many2one(required=True), None),
            'evaluator': (bad_many2one(required=True), None),
            },
        },
    'bid': {
        'model': 'commissioning.bid', 'user': 'provider_a',
        'record': 'bid2',
        'fields': {
            'price': (bad_number(CENT), good_number(CENT, NUMBER_MAX)),
            'provider': (bad_many2one(required=True), None),
            'tender': (bad_many2one(required=True), None),
            },
        },
    'response': {
        'model': 'commissioning.bid.response', 'user': 'provider_a',
        'record': 'response2',
        'fields': {
            'response': (bad_text(TEXT_SIZE), good_text()),
            'passed': (bad_boolean(), None),
            'bid': (bad_many2one(required=True), None),
            'criterion': (bad_many2one(required=True), None),
            },
        },
    'tender': {
        'model': 'commissioning.tender', 'user': 'officer',
        'record': 'tender_draft',
        'fields': {
            'name': (bad_text(CHAR_SIZE, char=True, required=True),
                good_char()),
            'description': (bad_text(TEXT_SIZE), good_text()),
            'budget': (bad_number(0, required=True),
                good_number(0, NUMBER_MAX)),
            'kind': (bad_selection({'contract', 'grant'}, required=True),
                good_selection({'contract', 'grant'})),
            'submission_deadline': (bad_datetime(), good_datetime(
                    dt.datetime(2000, 1, 1), NOW + dt.timedelta(days=60))),
            'contract_start': (bad_date(), good_date(
                    TODAY + dt.timedelta(days=32),
                    TODAY + dt.timedelta(days=800))),
            'contract_end': (bad_date(), good_date(
                    TODAY + dt.timedelta(days=91), LAST)),
            'company': (bad_many2one(required=True), None),
            'currency': (bad_many2one(required=True), None),
            },
        },
    'criterion': {
        'model': 'commissioning.tender.criterion', 'user': 'officer',
        'record': 'criterion_draft',
        'fields': dict(CRITERION_FIELDS,
            tender=(bad_many2one(required=True), None)),
        },
    'kpi_template': {
        'model': 'commissioning.kpi.template', 'user': 'officer',
        'record': 'kpi_template_draft',
        'fields': dict(KPI_FIELDS,
            criterion=(bad_many2one(required=True), None)),
        },
    'contract_kpi': {
        'model': 'commissioning.contract.kpi', 'user': 'officer',
        'record': 'kpi_draft',
        'fields': dict(KPI_FIELDS,
            tenet=(bad_selection(set(TENETS) | {None}),
                good_selection(TENETS)),
            baseline=(bad_number(0), good_number(0, NUMBER_MAX)),
            additive=(bad_boolean(), st.booleans()),
            sequence=(bad_integer(), good_integer(0, 10 ** 6)),
            contract=(bad_many2one(required=True), None)),
        },
    'contract': {
        'model': 'commissioning.contract', 'user': 'officer',
        'record': 'contract_draft',
        'fields': {
            'name': (bad_text(CHAR_SIZE, char=True, required=True),
                good_char()),
            'value': (bad_number(CENT, required=True),
                good_number(CENT, NUMBER_MAX)),
            'start_date': (bad_date(required=True),
                good_date(FIRST, END - dt.timedelta(days=1))),
            'end_date': (bad_date(required=True),
                good_date(START + dt.timedelta(days=1), LAST)),
            'frequency': (
                bad_selection({'monthly', 'quarterly', 'biannual',
                        'annual'}, required=True),
                good_selection({'monthly', 'quarterly', 'biannual',
                        'annual'})),
            'provider': (bad_many2one(required=True), None),
            'currency': (bad_many2one(required=True), None),
            'company': (bad_many2one(required=True), None),
            },
        },
    'return': {
        'model': 'commissioning.monitoring.return', 'user': 'provider_a',
        'record': 'return_draft',
        'fields': {
            'narrative': (bad_text(TEXT_SIZE), good_text()),
            'safeguarding_concerns': (
                bad_integer(0, 10 ** 6), good_integer(0, 10 ** 6)),
            },
        },
    'return_line': {
        'model': 'commissioning.monitoring.return.line',
        'user': 'provider_a', 'record': 'line_draft',
        'fields': {
            'value': (bad_number(0), good_number(0, NUMBER_MAX)),
            'unavailable_reason': (bad_text(TEXT_SIZE), good_text()),
            'return_': (bad_many2one(required=True), None),
            'kpi': (bad_many2one(required=True), None),
            },
        },
    'breakdown': {
        'model': 'commissioning.monitoring.return.breakdown',
        'user': 'provider_a', 'create': 'breakdown_values',
        'parent': ('commissioning.monitoring.return.line',
            'line_disaggregated', 'breakdowns'),
        'fields': {
            'value': (bad_number(0, required=True),
                good_number(0, NUMBER_MAX)),
            'group': (bad_many2one(required=True), None),
            'line': (bad_many2one(required=True), None),
            },
        },
    'payment': {
        'model': 'commissioning.contract.payment', 'user': 'officer',
        'record': 'payment_draft',
        'fields': {
            'amount': (bad_number(CENT, required=True),
                good_number(CENT, NUMBER_MAX)),
            'planned_date': (bad_date(required=True),
                good_date(FIRST, LAST)),
            'period': (bad_many2one(), None),
            'contract': (bad_many2one(required=True), None),
            },
        },
    'collaboration': {
        'model': 'commissioning.collaboration', 'user': 'officer',
        'record': 'collaboration_draft',
        'fields': {
            'date': (bad_date(), good_date(FIRST, TODAY)),
            'method': (
                bad_selection({None, 'youth_panel', 'co_design', 'survey',
                        'focus_group', 'peer_research', 'interviews',
                        'advisory_board', 'other'}),
                good_selection({'youth_panel', 'co_design', 'other'})),
            'children_count': (
                bad_integer(0, 10 ** 6), good_integer(0, 10 ** 6)),
            'space': (bad_text(TEXT_SIZE), good_text()),
            'voice': (bad_text(TEXT_SIZE), good_text()),
            'audience': (bad_text(TEXT_SIZE), good_text()),
            'influence': (bad_text(TEXT_SIZE), good_text()),
            'feedback_to_children': (bad_text(TEXT_SIZE), good_text()),
            'consent_confirmed': (bad_boolean(), st.booleans()),
            'origin': (bad_reference('commissioning.tender'), None),
            },
        },
    'evaluator': {
        'model': 'commissioning.tender.evaluator', 'user': 'officer',
        'record': 'ev_panel',
        'fields': {
            'role': (
                bad_selection({'officer', 'specialist', 'children_panel'},
                    required=True),
                good_selection({'officer', 'specialist',
                        'children_panel'})),
            'user': (bad_many2one(required=True), None),
            'tender': (bad_many2one(required=True), None),
            'criteria': (bad_xmany(), None),
            },
        },
    'configuration': {
        'model': 'commissioning.configuration', 'user': 'admin',
        'record': 'configuration',
        'fields': {
            'minimum_child_first_weight': (
                bad_integer(0, 100, required=True), good_integer(0, 100)),
            'score_max': (bad_integer(1, 100, required=True),
                good_integer(1, 100)),
            'moderation_spread': (
                bad_integer(1, 100, required=True), good_integer(1, 100)),
            'child_first_threshold': (
                bad_integer(0, 100, required=True), good_integer(0, 100)),
            'standstill_days': (
                bad_integer(0, 60, required=True), good_integer(0, 60)),
            'require_children_panel': (bad_boolean(), st.booleans()),
            'default_tolerance': (
                bad_integer(0, 100, required=True), good_integer(0, 100)),
            'return_due_days': (
                bad_integer(0, 365, required=True), good_integer(0, 365)),
            },
        },
    'language_term': {
        'model': 'commissioning.language.term', 'user': 'admin',
        'record': 'term',
        'fields': {
            'term': (bad_text(CHAR_SIZE, char=True, required=True),
                good_char().map(lambda t: t + " (test)")),
            'suggestion': (bad_text(CHAR_SIZE, char=True, required=True),
                good_char()),
            'blocking': (bad_boolean(), st.booleans()),
            },
        },
    'library_criterion': {
        'model': 'commissioning.library.criterion', 'user': 'admin',
        'record': 'library_criterion',
        'fields': CRITERION_FIELDS,
        },
    }

REFUSALS = settings(
    max_examples=20, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])
ACCEPTANCES = settings(
    max_examples=6, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])


def refusals(target):
    "Return the property test that target's bad values are refused"
    @REFUSALS
    @given(st.data())
    def test(self, data):
        self.check_refused(target, data)
    test.__doc__ = "Bad values for a %s are refused" % target
    return test


def acceptances(target):
    "Return the property test that target's valid values are stored"
    @ACCEPTANCES
    @given(st.data())
    def test(self, data):
        self.check_accepted(target, data)
    test.__doc__ = "Valid values for a %s are stored" % target
    return test


def provider(name, login):
    pool = Pool()
    Party = pool.get('party.party')
    User = pool.get('res.user')
    party, = Party.create([{'name': name}])
    user = make_user(login, 'group_commissioning_provider')
    User.write([user], {'commissioning_parties': [('add', [party.id])]})
    return party, user


def bid_on(tender, user, price):
    "Return a complete draft bid of user on tender"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    with as_user(user):
        bid, = Bid.create([{'tender': tender.id}])
        Response.write(list(bid.responses), {'response': "Our answer."})
        Bid.write([bid], {'price': Decimal(price)})
        Collaboration.create([complete_collaboration(origin=str(bid))])
    return Bid(bid.id)


def close(tender):
    "Close tender as its deadline had passed"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.submission_deadline],
            [dt.datetime.now() - dt.timedelta(minutes=1)],
            where=table.id == tender.id))
    Transaction().cache.clear()
    Tender.close([Tender(tender.id)])


def build_fixture():
    """Return the ids of a tender in evaluation with a score, a published
    tender with a draft bid, a draft tender, two active contracts with
    their returns (the first one accepted), a draft contract and the users
    who act on them"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Evaluator = pool.get('commissioning.tender.evaluator')
    Score = pool.get('commissioning.score')
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Breakdown = pool.get('commissioning.monitoring.return.breakdown')
    Group = pool.get('commissioning.monitoring.group')
    Collaboration = pool.get('commissioning.collaboration')
    Term = pool.get('commissioning.language.term')
    Library = pool.get('commissioning.library.criterion')

    company = create_company()
    ids = {'company': company.id, 'configuration': 1}
    with set_company(company):
        # A tender in evaluation, scored by a specialist and a panel
        officer = make_user('officer', 'group_commissioning')
        finance = make_user('finance', 'group_commissioning_finance')
        tender = publish_tender(officer, finance)
        admin = make_user('cadmin', 'group_commissioning_admin')
        party_a, provider_a = provider("Provider A", 'providera')
        party_b, provider_b = provider("Provider B", 'providerb')
        bid_a = bid_on(tender, provider_a, 200000)
        bid_b = bid_on(tender, provider_b, 250000)
        with as_user(provider_a):
            Bid.submit([bid_a])
        with as_user(provider_b):
            Bid.submit([bid_b])
        with Transaction().set_user(officer.id):
            close(tender)
        tender = Tender(tender.id)
        scored = [c for c in tender.criteria if c.method == 'scored']
        child_first = [c for c in scored if c.tenet]
        specialist = make_user('specialist', 'group_commissioning_evaluator')
        panel = make_user('panel', 'group_commissioning_evaluator')
        with as_user(officer):
            ev_specialist, ev_panel = Evaluator.create([{
                        'tender': tender.id, 'user': specialist.id,
                        'role': 'specialist',
                        'criteria': [('add', [c.id for c in scored])],
                        }, {
                        'tender': tender.id, 'user': panel.id,
                        'role': 'children_panel',
                        'criteria': [('add', [c.id for c in child_first])],
                        }])
        for user, evaluator in [
                (specialist, ev_specialist), (panel, ev_panel)]:
            with as_user(user):
                Evaluator.declare_no_conflict([evaluator])
        with as_user(officer):
            Response.write([r for b in [bid_a, bid_b]
                    for r in Bid(b.id).responses
                    if r.criterion.method == 'pass_fail'],
                {'passed': True})
            Tender.start_evaluation([tender])
        responses = {(r.bid.id, r.criterion.id): r
            for b in [bid_a, bid_b] for r in Bid(b.id).responses}
        with as_user(specialist):
            score, = Score.create([{
                        'response': responses[
                            bid_a.id, child_first[0].id].id,
                        'evaluator': ev_specialist.id, 'score': 3,
                        'justification': "Sound."}])

        # A published tender with a draft bid of provider A
        with Transaction().set_user(officer.id):
            published = make_tender(name="Second tender")
            Tender.request_approval([published])
        with Transaction().set_user(finance.id):
            Tender.approve([published])
        with Transaction().set_user(officer.id):
            Tender.publish([published])
            draft = make_tender(name="Draft tender")
        with as_user(provider_a):
            bid2, = Bid.create([{'tender': published.id}])
        response2 = [r for r in bid2.responses
            if r.criterion.method != 'price'][0]
        criterion_draft = [c for c in draft.criteria
            if c.method == 'scored' and c.kpi_templates][0]

        # Contracts: two active ones and a draft
        contracts = []
        with Transaction().set_user(officer.id):
            for name in ["Active one", "Active two", "Draft"]:
                contracts.append(Contract.create([{
                                'name': name, 'provider': party_a.id,
                                'value': Decimal(100000),
                                'start_date': START, 'end_date': END,
                                'frequency': 'quarterly',
                                'kpis': [('create', KPIS)],
                                'payments': [('create', [{
                                                'amount': Decimal(25000),
                                                'planned_date': (START
                                                    + dt.timedelta(
                                                        days=100 * i)),
                                                } for i in range(1, 5)])],
                                }])[0])
        with Transaction().set_user(finance.id):
            Contract.activate(contracts[:2])
        active, other, draft_contract = [
            Contract(c.id) for c in contracts]
        returns = Return.search([('contract', '=', active.id)],
            order=[('period.start_date', 'ASC')])
        groups = Group.search([])
        by_dimension = {}
        for group in groups:
            by_dimension.setdefault(group.dimension, []).append(group)
        accepted = returns[0]
        with as_user(provider_a):
            for line in accepted.lines:
                Line.write([line], {'value': Decimal(85)})
                if line.kpi.disaggregate:
                    Breakdown.create([{
                                'line': line.id, 'group': g.id,
                                'value': 85 if i == 0 else 0}
                            for members in by_dimension.values()
                            for i, g in enumerate(members)])
            Collaboration.create([complete_collaboration(
                        origin=str(accepted),
                        date=accepted.period.start_date
                        + dt.timedelta(days=10))])
            Return.submit([accepted])
        with as_user(officer):
            Return.accept([Return(accepted.id)])
        draft_return = returns[1]
        lines = {l.kpi.disaggregate: l for l in draft_return.lines}

        with Transaction().set_user(admin.id):
            term, = Term.create([{
                        'term': "input test term", 'suggestion': "child",
                        'blocking': False}])
            library_criterion, = Library.create([{
                        'name': "Trusted adults", 'method': 'scored',
                        'weight': Decimal(10)}])

        ids.update(
            officer=officer.id, finance=finance.id, admin=admin.id,
            provider_a=provider_a.id, provider_b=provider_b.id,
            specialist=specialist.id, panel=panel.id,
            tender_eval=tender.id, tender_pub=published.id,
            tender_draft=draft.id, criterion_draft=criterion_draft.id,
            kpi_template_draft=criterion_draft.kpi_templates[0].id,
            collaboration_draft=draft.collaborations[0].id,
            bid_a=bid_a.id, bid_b=bid_b.id, bid2=bid2.id,
            response2=response2.id, score=score.id,
            response_a_scored=responses[bid_a.id, child_first[0].id].id,
            response_b_scored=responses[bid_b.id, child_first[0].id].id,
            response_a_pass_fail=[r for r in responses.values()
                if r.bid == bid_a
                and r.criterion.method == 'pass_fail'][0].id,
            ev_specialist=ev_specialist.id, ev_panel=ev_panel.id,
            contract_active=active.id, contract_other=other.id,
            contract_draft=draft_contract.id,
            kpi_draft=draft_contract.kpis[0].id,
            payment_draft=draft_contract.payments[0].id,
            payment_active=active.payments[0].id,
            return_accepted=accepted.id, return_draft=draft_return.id,
            line_draft=lines[False].id, line_disaggregated=lines[True].id,
            group=groups[0].id, term=term.id,
            library_criterion=library_criterion.id)
    return ids


class InputTestCase(unittest.TestCase):
    "Test that bad input is refused with a message and changes nothing"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('childfirst_commissioning')
        with Transaction().start(DB_NAME, 1) as transaction:
            cls.ids = build_fixture()
            transaction.commit()
        cls.snapshots = {}
        for name, target in TARGETS.items():
            cls.snapshots[name] = cls.read(target)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    # Helpers

    def run_as(self, user, function):
        """Call function as user with access checks on, in a transaction
        rolled back at the end as the RPC dispatcher rolls back a failed
        call; return the user error raised, if any"""
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 0, **extras) as transaction:
                try:
                    # None is the system, with access checks off
                    with transaction.set_user(
                                self.ids[user] if user else 0), \
                            transaction.set_context(
                                _check_access=bool(user),
                                company=self.ids['company']):
                        function(Pool())
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                except UserError as error:
                    return error
                finally:
                    transaction.rollback()
                    Cache.drop(DB_NAME)
                return None

    @classmethod
    def read(cls, target):
        "Return the values of the record of target, read from the database"
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                if 'parent' in target:
                    model, key, names = target['parent']
                    names = [names]
                else:
                    model, key = target['model'], target['record']
                    names = sorted(target['fields'])
                Model = Pool().get(model)
                return Model.read([cls.ids[key]], names)[0]
            finally:
                transaction.rollback()

    def label(self, model, name):
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                Model = Pool().get(model)
                return Model.fields_get([name])[name]['string']
            finally:
                transaction.rollback()

    def assertNamesField(self, message, label):
        "Assert message names the field of label, its unit aside"
        names = {label, re.sub(r'\s*\(.*\)$', '', label)}
        self.assertTrue(
            any(n.lower() in message.lower() for n in names),
            msg="%r does not name %r" % (message, label))

    def write_or_create(self, target, name, value):
        "Return the function that writes value for name as target says"
        def function(pool):
            Model = pool.get(target['model'])
            if 'create' in target:
                values = getattr(self, target['create'])()
                values[name] = value
                Model.create([values])
            else:
                Model.write(
                    [Model(self.ids[target['record']])], {name: value})
        return function

    def breakdown_values(self):
        "The values of a breakdown of the disaggregated line"
        return {
            'line': self.ids['line_disaggregated'],
            'group': self.ids['group'],
            'value': Decimal(1),
            }

    def check_refused(self, key, data):
        target = TARGETS[key]
        name = data.draw(st.sampled_from(sorted(target['fields'])))
        bad, _ = target['fields'][name]
        value = data.draw(bad, label=name)
        error = self.run_as(
            target['user'], self.write_or_create(target, name, value))
        self.assertIsNotNone(error, msg="%s=%r was stored" % (name, value))
        self.assertTrue(error.message)
        self.assertNamesField(
            error.message, self.label(target['model'], name))
        self.assertEqual(self.read(target), self.snapshots[key])

    def check_accepted(self, key, data):
        target = TARGETS[key]
        names = sorted(n for n, (_, good) in target['fields'].items()
            if good is not None)
        name = data.draw(st.sampled_from(names))
        _, good = target['fields'][name]
        value = data.draw(good, label=name)
        result = []

        def function(pool):
            Model = pool.get(target['model'])
            self.write_or_create(target, name, value)(pool)
            if 'create' in target:
                record, = Model.search([], order=[('id', 'DESC')], limit=1)
            else:
                record = Model(self.ids[target['record']])
            with Transaction().set_context(_check_access=False):
                result.append(Model.read([record.id], [name])[0][name])
        error = self.run_as(target['user'], function)
        self.assertIsNone(error, msg="%s=%r: %s" % (
                name, value, error and error.message))
        self.assertEqual(result, [self.expected(target, name, value)])

    def expected(self, target, name, value):
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                Model = Pool().get(target['model'])
                return stored(Model._fields[name], value)
            finally:
                transaction.rollback()

    # Property tests: bad values refused, valid values stored

    test_score_refused = refusals('score')
    test_score_accepted = acceptances('score')
    test_bid_refused = refusals('bid')
    test_bid_accepted = acceptances('bid')
    test_response_refused = refusals('response')
    test_response_accepted = acceptances('response')
    test_tender_refused = refusals('tender')
    test_tender_accepted = acceptances('tender')
    test_criterion_refused = refusals('criterion')
    test_criterion_accepted = acceptances('criterion')
    test_kpi_template_refused = refusals('kpi_template')
    test_kpi_template_accepted = acceptances('kpi_template')
    test_contract_kpi_refused = refusals('contract_kpi')
    test_contract_kpi_accepted = acceptances('contract_kpi')
    test_contract_refused = refusals('contract')
    test_contract_accepted = acceptances('contract')
    test_return_refused = refusals('return')
    test_return_accepted = acceptances('return')
    test_return_line_refused = refusals('return_line')
    test_return_line_accepted = acceptances('return_line')
    test_breakdown_refused = refusals('breakdown')
    test_breakdown_accepted = acceptances('breakdown')
    test_payment_refused = refusals('payment')
    test_payment_accepted = acceptances('payment')
    test_collaboration_refused = refusals('collaboration')
    test_collaboration_accepted = acceptances('collaboration')
    test_evaluator_refused = refusals('evaluator')
    test_evaluator_accepted = acceptances('evaluator')
    test_configuration_refused = refusals('configuration')
    test_configuration_accepted = acceptances('configuration')
    test_language_term_refused = refusals('language_term')
    test_language_term_accepted = acceptances('language_term')
    test_library_criterion_refused = refusals('library_criterion')
    test_library_criterion_accepted = acceptances('library_criterion')

    # One test per rule

    def assertRefused(self, error, exception, *fragments):
        self.assertIsInstance(error, exception)
        for fragment in fragments:
            self.assertIn(fragment, error.message)

    def test_score_moved(self):
        "A score is checked where it moves to, not where it was"
        def move(response):
            def function(pool):
                Score = pool.get('commissioning.score')
                Score.write([Score(self.ids['score'])], {
                        'response': self.ids[response]})
            return function
        # response2 is on another tender
        for user in [None, 'specialist']:
            with self.subTest(user=user):
                self.assertRefused(
                    self.run_as(user, move('response2')), ScoreError,
                    "different tenders")
                self.assertRefused(
                    self.run_as(user, move('response_a_pass_fail')),
                    ScoreError, "You are not assigned to the criterion")
                self.assertIsNone(
                    self.run_as(user, move('response_b_scored')))
        self.assertEqual(
            self.read({'model': 'commissioning.score', 'record': 'score',
                    'fields': {'response': None}}),
            {'id': self.ids['score'],
                'response': self.ids['response_a_scored']})

    def test_score_evaluator_moved(self):
        "A score cannot move to the evaluator of another tender's criteria"
        def function(pool):
            Score = pool.get('commissioning.score')
            Evaluator = pool.get('commissioning.tender.evaluator')
            other, = Evaluator.create([{
                        'tender': self.ids['tender_pub'],
                        'user': self.ids['panel'], 'role': 'specialist'}])
            Score.write([Score(self.ids['score'])], {'evaluator': other.id})
        self.assertRefused(
            self.run_as(None, function), ScoreError, "different tenders")

    def test_response_fixed(self):
        "A response stays with its bid and criterion"
        def write(name, value):
            def function(pool):
                Response = pool.get('commissioning.bid.response')
                Response.write(
                    [Response(self.ids['response2'])], {name: value})
            return function
        for name, value in [
                ('criterion', self.ids['criterion_draft']),
                ('bid', self.ids['bid_a'])]:
            with self.subTest(name=name):
                self.assertRefused(
                    self.run_as('provider_a', write(name, value)),
                    RelationError, "cannot change")
        self.assertIsNone(self.run_as(
                'provider_a', write('response', "Our new answer.")))

    def test_response_one_per_criterion(self):
        "A bid has one response per criterion"
        def create(pool):
            Response = pool.get('commissioning.bid.response')
            response = Response(self.ids['response2'])
            Response.create([{
                        'bid': response.bid.id,
                        'criterion': response.criterion.id,
                        }])
        self.assertRefused(
            self.run_as('provider_a', create), RelationError,
            "already has a response")

    def test_response_criterion_of_tender(self):
        "A response answers a criterion of its bid's tender"
        def create(pool):
            Response = pool.get('commissioning.bid.response')
            Response.create([{
                        'bid': self.ids['bid2'],
                        'criterion': self.ids['criterion_draft'],
                        }])
        self.assertIsInstance(
            self.run_as('provider_a', create), DomainValidationError)

    def test_bid_company(self):
        "A bid belongs to the company of its tender"
        def write(company):
            def function(pool):
                Bid = pool.get('commissioning.bid')
                Company = pool.get('company.company')
                Party = pool.get('party.party')
                bid = Bid(self.ids['bid2'])
                if company is None:
                    party, = Party.create([{'name': "Other Body"}])
                    other, = Company.create([{
                                'party': party.id,
                                'currency': bid.tender.currency.id}])
                    Bid.write([bid], {'company': other.id})
                else:
                    Bid.write([bid], {'company': company})
            return function
        self.assertRefused(
            self.run_as(None, write(None)), RelationError,
            "belongs to the company of its tender")
        self.assertIsNone(self.run_as(None, write(self.ids['company'])))

    def test_contract_bid(self):
        "A contract is made from a bid on its own tender"
        def write(bid):
            def function(pool):
                Contract = pool.get('commissioning.contract')
                Contract.write([Contract(self.ids['contract_draft'])], {
                        'tender': self.ids['tender_eval'],
                        'bid': self.ids[bid]})
            return function
        self.assertRefused(
            self.run_as(None, write('bid2')), RelationError,
            "is not a bid on its tender")
        self.assertIsNone(self.run_as(None, write('bid_a')))

    def test_line_fixed(self):
        "A KPI value cannot move to another return or KPI"
        def write(name, value):
            def function(pool):
                Line = pool.get('commissioning.monitoring.return.line')
                Line.write([Line(self.ids['line_draft'])], {name: value})
            return function

        def other_kpi(pool):
            Kpi = pool.get('commissioning.contract.kpi')
            kpi, = Kpi.search([
                    ('contract', '=', self.ids['contract_other'])], limit=1)
            return kpi.id
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                kpi = other_kpi(Pool())
            finally:
                transaction.rollback()
        for name, value in [
                ('return_', self.ids['return_accepted']),
                ('kpi', kpi)]:
            with self.subTest(name=name):
                self.assertRefused(
                    self.run_as('provider_a', write(name, value)),
                    RelationError, "cannot change")

    def test_line_kpi_of_contract(self):
        "A return holds values for its own contract's KPIs"
        def create(contract):
            def function(pool):
                Line = pool.get('commissioning.monitoring.return.line')
                Kpi = pool.get('commissioning.contract.kpi')
                kpi, = Kpi.search([
                        ('contract', '=', self.ids[contract])], limit=1)
                Line.create([{
                            'return_': self.ids['return_draft'],
                            'kpi': kpi.id}])
            return function
        self.assertRefused(
            self.run_as(None, create('contract_other')), RelationError,
            "is not a KPI of contract")
        self.assertIsNone(self.run_as(None, create('contract_active')))

    def test_breakdown_rules(self):
        """A breakdown is of a disaggregated KPI value, by an active group,
        and stays with its line"""
        def create(line='line_disaggregated', group=None):
            def function(pool):
                Breakdown = pool.get(
                    'commissioning.monitoring.return.breakdown')
                Group = pool.get('commissioning.monitoring.group')
                if group is None:
                    group_id = self.ids['group']
                else:
                    with Transaction().set_user(0), \
                            Transaction().set_context(_check_access=False):
                        group_id, = Group.create([{
                                    'name': "Retired", 'dimension': 'other',
                                    'active': group}])
                        group_id = group_id.id
                Breakdown.create([{
                            'line': self.ids[line], 'group': group_id,
                            'value': Decimal(1)}])
            return function

        def move(pool):
            Breakdown = pool.get('commissioning.monitoring.return.breakdown')
            breakdown, = Breakdown.create([{
                        'line': self.ids['line_disaggregated'],
                        'group': self.ids['group'], 'value': Decimal(1)}])
            Breakdown.write([breakdown], {'line': self.ids['line_draft']})
        self.assertRefused(
            self.run_as('provider_a', create(group=False)), RelationError,
            "is no longer used")
        self.assertRefused(
            self.run_as('provider_a', create(line='line_draft')),
            RelationError, "is not disaggregated")
        self.assertRefused(
            self.run_as('provider_a', move), RelationError, "cannot change")
        self.assertIsNone(self.run_as('provider_a', create(group=True)))

    def test_payment_period(self):
        "A payment is released by a period of its own contract"
        def write(contract):
            def function(pool):
                Payment = pool.get('commissioning.contract.payment')
                Period = pool.get('commissioning.monitoring.period')
                period, = Period.search([
                        ('contract', '=', self.ids[contract])], limit=1)
                Payment.write([Payment(self.ids['payment_active'])], {
                        'period': period.id})
            return function
        self.assertIsInstance(
            self.run_as('officer', write('contract_other')),
            DomainValidationError)
        self.assertIsNone(self.run_as('officer', write('contract_active')))

    def test_payment_contract(self):
        "A planned payment moves only to another draft contract"
        def move(contract):
            def function(pool):
                Payment = pool.get('commissioning.contract.payment')
                Contract = pool.get('commissioning.contract')
                if contract is None:
                    with Transaction().set_user(0), \
                            Transaction().set_context(_check_access=False):
                        target, = Contract.copy(
                            [Contract(self.ids['contract_draft'])])
                    target = target.id
                else:
                    target = self.ids[contract]
                Payment.write([Payment(self.ids['payment_draft'])], {
                        'contract': target})
            return function
        self.assertRefused(
            self.run_as('officer', move('contract_active')), LockedError,
            "Only a draft contract can be edited")
        self.assertIsNone(self.run_as('officer', move(None)))

    def test_evaluator_links(self):
        """An evaluator scores criteria and declares conflicts on bids of
        their own tender, however the link is made"""
        def criterion_of(tender):
            def function(pool):
                Evaluator = pool.get('commissioning.tender.evaluator')
                Criterion = pool.get('commissioning.tender.criterion')
                criterion, = Criterion.search([
                        ('tender', '=', self.ids[tender]),
                        ('method', '=', 'scored'),
                        ('tenet', '=', None)], limit=1)
                Evaluator.write([Evaluator(self.ids['ev_panel'])], {
                        'criteria': [('add', [criterion.id])]})
            return function

        def link(pool):
            Link = pool.get('commissioning.tender.evaluator-criterion')
            Criterion = pool.get('commissioning.tender.criterion')
            criterion, = Criterion.search([
                    ('tender', '=', self.ids['tender_pub'])], limit=1)
            Link.create([{
                        'evaluator': self.ids['ev_panel'],
                        'criterion': criterion.id}])

        def conflict(bid):
            def function(pool):
                Evaluator = pool.get('commissioning.tender.evaluator')
                Evaluator.write([Evaluator(self.ids['ev_panel'])], {
                        'conflicted_bids': [('add', [self.ids[bid]])]})
            return function
        self.assertRefused(
            self.run_as('officer', criterion_of('tender_pub')),
            RelationError, "is not a scored criterion of tender")
        self.assertRefused(
            self.run_as(None, link), RelationError,
            "is not a scored criterion of tender")
        self.assertRefused(
            self.run_as('panel', conflict('bid2')), RelationError,
            "is not a bid on tender")
        self.assertIsNone(
            self.run_as('officer', criterion_of('tender_eval')))
        self.assertIsNone(self.run_as('panel', conflict('bid_b')))

    def test_collaboration_origin(self):
        "Evidence belongs to an existing tender, bid or return"
        def create(origin):
            def function(pool):
                Collaboration = pool.get('commissioning.collaboration')
                Collaboration.create([complete_collaboration(origin=origin)])
            return function
        tender = 'commissioning.tender,%s' % self.ids['tender_draft']
        for origin, exception in [
                ('res.user,%s' % self.ids['officer'], InputError),
                ('commissioning.tender,%s' % DANGLING, MissingRecordError),
                ('commissioning.tender', InputError),
                (['commissioning.tender'], InputError)]:
            with self.subTest(origin=origin):
                error = self.run_as('officer', create(origin))
                self.assertIsInstance(error, exception)
                self.assertIn("Origin", error.message)
        self.assertIsNone(self.run_as('officer', create(tender)))

    def test_numbers_normalised(self):
        "Whole numbers and floats are stored as the numbers they show"
        result = {}

        def function(pool):
            Score = pool.get('commissioning.score')
            Bid = pool.get('commissioning.bid')
            Criterion = pool.get('commissioning.tender.criterion')
            Score.write([Score(self.ids['score'])], {'score': 4.0})
            Bid.write([Bid(self.ids['bid2'])], {'price': 0.1})
            Criterion.write([Criterion(self.ids['criterion_draft'])], {
                    'evidence_required': 1})
            with Transaction().set_context(_check_access=False):
                result['score'] = Score(self.ids['score']).score
                result['price'] = Bid(self.ids['bid2']).price
                result['evidence'] = Criterion(
                    self.ids['criterion_draft']).evidence_required
        # as the system: a provider cannot read a score
        self.assertIsNone(self.run_as(None, function))
        self.assertEqual(result['score'], 4)
        self.assertEqual(result['price'], Decimal('0.1'))
        self.assertIs(bool(result['evidence']), True)

    def test_text_size(self):
        "Names are at most 256 characters, texts 100,000"
        def write(model, key, name, size):
            def function(pool):
                Model = pool.get(model)
                Model.write([Model(self.ids[key])], {name: 'c' * size})
            return function
        for model, key, name, size in [
                ('commissioning.tender', 'tender_draft', 'name', CHAR_SIZE),
                ('commissioning.monitoring.return', 'return_draft',
                    'narrative', TEXT_SIZE)]:
            user = 'officer' if key == 'tender_draft' else 'provider_a'
            with self.subTest(name=name):
                self.assertIsNone(
                    self.run_as(user, write(model, key, name, size)))
                error = self.run_as(user, write(model, key, name, size + 1))
                self.assertRefused(
                    error, InputError, "shorten it to %s" % size)

    def test_unknown_and_computed_fields(self):
        "Values for no field or for a computed field are refused"
        def write(values):
            def function(pool):
                Collaboration = pool.get('commissioning.collaboration')
                Collaboration.write(
                    [Collaboration(self.ids['collaboration_draft'])], values)
            return function

        def create(pool):
            Collaboration = pool.get('commissioning.collaboration')
            Collaboration.create([5])
        self.assertRefused(
            self.run_as('officer', write({'garbage': 1})), InputError,
            'has no field "garbage"')
        self.assertRefused(
            self.run_as('officer', write({'complete': True})), InputError,
            "is computed")
        self.assertRefused(
            self.run_as('officer', create), InputError, "set of field values")

    def test_dangling_id_foreign_key(self):
        """Without the check, PostgreSQL's foreign key refuses a dangling id
        and trytond turns its error into a message naming the field"""
        if backend.name != 'postgresql':
            raise unittest.SkipTest("SQLite has no foreign keys")

        def function(pool):
            Score = pool.get('commissioning.score')
            Score.write(
                [Score(self.ids['score'])], {'evaluator': DANGLING})
        with patch.object(
                InputMixin, '_check_ids_exist',
                classmethod(lambda cls, ids: None)):
            error = self.run_as(None, function)
        self.assertIsInstance(error, ForeignKeyError)
        self.assertIn("Evaluator", error.message)
        self.assertIsInstance(self.run_as(None, function), MissingRecordError)

    def test_check_input_queries(self):
        "The values of many records are checked in a fixed number of queries"
        counts = []
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                Payment = Pool().get('commissioning.contract.payment')
                for size in [5, 50]:
                    contracts = [self.ids[k] for k in [
                            'contract_draft', 'contract_active',
                            'contract_other']]
                    vlist = [{
                            'contract': contracts[i % 3],
                            'period': None,
                            'amount': Decimal(i + 1),
                            'planned_date': TODAY,
                            } for i in range(size)]
                    with count_queries() as queries:
                        Payment.check_input(vlist)
                    counts.append(len(queries))
            finally:
                transaction.rollback()
        self.assertEqual(counts[0], counts[1])
