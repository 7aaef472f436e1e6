# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The configuration of commissioning and the library of Child First criteria"
from decimal import Decimal

import pytest

from trytond.model.exceptions import ValidationError
from trytond.modules.childfirst_commissioning.tests.tools import (
    criterion, make_tender)
from trytond.pool import Pool


def test_configuration_defaults(transaction):
    "The configuration has the defaults of the design"
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    assert (config.minimum_child_first_weight, config.score_max,
        config.moderation_spread, config.child_first_threshold,
        config.standstill_days, config.require_children_panel,
        config.default_tolerance) == (30, 5, 2, 50, 8, True, 10)


def test_configuration_range(transaction):
    "A setting out of its range is refused"
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    config.minimum_child_first_weight = 120
    with pytest.raises(ValidationError) as info:
        config.save()
    assert "between 0 and 100" in info.value.message


def test_library_passes_gate(company):
    "The criteria library alone designs a tender that passes the gate"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    assert len(tender.criteria) == 7
    assert tender.total_weight == Decimal(100)
    assert tender.child_first_weight == Decimal(50)
    assert tender.design_ready
    assert "✗" not in tender.design_checklist
    Tender.request_approval([tender])
    assert Tender(tender.id).state == 'pending_approval'


def test_load_criteria_twice(company):
    "Loading the library twice does not duplicate criteria"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    Tender.load_child_first_criteria([tender])
    assert len(Tender(tender.id).criteria) == 7
    kpis = criterion(tender, "Diverting from stigma").kpi_templates
    assert len(kpis) == 2
    assert kpis[0].tenet == 'diversion'


def test_uk_english(company):
    """The module sets up UK English: dates day first, pounds, the texts of
    English; a user may choose it"""
    import datetime as dt

    from trytond.i18n import gettext
    from trytond.transaction import Transaction
    pool = Pool()
    Lang = pool.get('ir.lang')
    User = pool.get('res.user')
    Currency = pool.get('currency.currency')
    lang, = Lang.search([('code', '=', 'en_GB')])
    assert (lang.parent, lang.translatable) == ('en', True)
    assert lang.strftime(dt.date(2026, 3, 31)) == '31/03/2026'
    pound, = Currency.create([{'name': "Pound", 'code': 'XGB',
                'symbol': "£", 'digits': 2}])
    assert lang.currency(
        Decimal('1234.5'), pound, grouping=True) == '£1,234.50'
    user, = User.create([{'name': "UK", 'login': 'uk',
                'language': lang.id}])
    with Transaction().set_context(language='en_GB'):
        assert gettext('childfirst_commissioning.msg_report_summary_file',
            bid="B", ext='pdf') == "Assessment summary - B.pdf"


def test_new_users_uk_english(company):
    "A new user works in UK English unless they choose another language"
    pool = Pool()
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    english, = Lang.search([('code', '=', 'en')])
    user, chosen = User.create([
            {'name': "New", 'login': 'newcomer'},
            {'name': "Chosen", 'login': 'chosen', 'language': english.id}])
    assert user.language.code == 'en_GB'
    assert chosen.language.code == 'en'


def test_new_users_open_my_work(company):
    """A user given a commissioning group opens My Work at login; others,
    and users who open another action, are left as they are"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    ActWindow = pool.get('ir.action.act_window')
    my_work, other = [ActWindow(ModelData.get_id(
                'childfirst_commissioning', a)).action.id
        for a in ['act_work', 'act_tender_form']]
    officer = ModelData.get_id(
        'childfirst_commissioning', 'group_commissioning')
    new, plain, chosen = User.create([
            {'name': "New", 'login': 'new', 'groups': [('add', [officer])]},
            {'name': "Plain", 'login': 'plain'},
            {'name': "Chosen", 'login': 'chosen',
                'groups': [('add', [officer])],
                'actions': [('add', [other])]}])
    assert [a.id for a in new.actions] == [my_work]
    assert not plain.actions
    assert [a.id for a in chosen.actions] == [other]
    User.write([plain], {'groups': [('add', [officer])]})
    assert [a.id for a in User(plain.id).actions] == [my_work]
