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
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trytond.modules.childfirst_commissioning.tests.strategies import (
    CENT, FIRST, LAST, bad_boolean, bad_date, bad_datetime, bad_integer,
    bad_many2one, bad_number, bad_reference, bad_selection, bad_text,
    bad_xmany, good_char, good_date, good_datetime, good_integer,
    good_number, good_selection, good_text, stored)
from trytond.modules.childfirst_commissioning.tests.tools import (
    CHAR_SIZE, END, NUMBER_MAX, START, TEXT_SIZE, TODAY)
from trytond.transaction import Transaction

NOW = dt.datetime.now().replace(microsecond=0)


def breakdown_values(ids):
    "The values of a breakdown of the disaggregated line"
    return {
        'line': ids['line_disaggregated'],
        'group': ids['group'],
        'value': Decimal(1),
        }


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
        'user': 'provider_a', 'create': breakdown_values,
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


@pytest.fixture(scope='module')
def snapshots(committed):
    "The values of the record of each target before any test"
    return {key: read(committed, target) for key, target in TARGETS.items()}


def read(committed, target):
    "Return the values of the record of target, read from the database"
    if 'parent' in target:
        model, key, name = target['parent']
        return committed.read(model, key, [name])
    return committed.read(
        target['model'], target['record'], sorted(target['fields']))


def write_or_create(committed, target, name, value):
    "Return the function that writes value for name as target says"
    def function(pool):
        Model = pool.get(target['model'])
        if 'create' in target:
            values = target['create'](committed.ids)
            values[name] = value
            Model.create([values])
        else:
            Model.write(
                [Model(committed.ids[target['record']])], {name: value})
    return function


def assert_names_field(message, label):
    "Assert message names the field of label, its unit aside"
    names = {label, re.sub(r'\s*\(.*\)$', '', label)}
    assert any(n.lower() in message.lower() for n in names), (
        "%r does not name %r" % (message, label))


@pytest.mark.parametrize('key', TARGETS)
@REFUSALS
@given(data=st.data())
def test_refused(committed, snapshots, key, data):
    "Bad values for each field are refused and change nothing"
    target = TARGETS[key]
    name = data.draw(st.sampled_from(sorted(target['fields'])))
    bad, _ = target['fields'][name]
    value = data.draw(bad, label=name)
    error = committed.run_as(
        target['user'], write_or_create(committed, target, name, value))
    assert error is not None, "%s=%r was stored" % (name, value)
    assert error.message
    assert_names_field(
        error.message, committed.label(target['model'], name))
    assert read(committed, target) == snapshots[key]


@pytest.mark.parametrize('key', TARGETS)
@ACCEPTANCES
@given(data=st.data())
def test_accepted(committed, key, data):
    "Valid values for each field are stored"
    target = TARGETS[key]
    names = sorted(n for n, (_, good) in target['fields'].items()
        if good is not None)
    name = data.draw(st.sampled_from(names))
    _, good = target['fields'][name]
    value = data.draw(good, label=name)
    result = []

    def function(pool):
        Model = pool.get(target['model'])
        write_or_create(committed, target, name, value)(pool)
        if 'create' in target:
            record, = Model.search([], order=[('id', 'DESC')], limit=1)
        else:
            record = Model(committed.ids[target['record']])
        with Transaction().set_context(_check_access=False):
            result.append(Model.read([record.id], [name])[0][name])
    error = committed.run_as(target['user'], function)
    assert error is None, "%s=%r: %s" % (name, value, error and error.message)
    with committed.transaction() as pool:
        field = pool.get(target['model'])._fields[name]
        assert result == [stored(field, value)]
