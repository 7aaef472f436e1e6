# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The KPI library: the youth justice set installed with the module, edited
by administrators only, loaded into a draft tender's criteria and a draft
contract's KPIs, never into a published tender or an active contract."""
import pytest

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, LockedError, as_user, count_queries, criterion, draft_contract,
    make_tender, make_user)
from trytond.pool import Pool
from trytond.transaction import Transaction

YJB = [
    "Suitable accommodation", "Education, training and employment",
    "Special educational needs and disabilities",
    "Mental health care and emotional wellbeing", "Substance misuse",
    "Out-of-court disposals", "Management board attendance",
    "Wider services", "Serious violence", "Victims",
    "First-time entrants", "Reoffending", "Use of custody"]


def library(*names):
    Library = Pool().get('commissioning.kpi.library')
    entries = {e.name: e for e in Library.search([])}
    return [entries[n] for n in names]


def test_youth_justice_set_installed(company):
    "The ten YJB KPIs and the three national indicators come with the module"
    Library = Pool().get('commissioning.kpi.library')
    entries = Library.search([])
    assert [e.name for e in entries] == YJB
    assert len({e.code for e in entries}) == 13
    for entry in entries:
        assert entry.definition and entry.direction and entry.unit
        # The body sets its own targets
        assert entry.target is None
    fte, custody, reoffending = library(
        "First-time entrants", "Use of custody", "Reoffending")
    assert {fte.direction, custody.direction, reoffending.direction} == {
        'lower'}
    assert fte.category == 'offence_contact'
    accommodation, = library("Suitable accommodation")
    assert accommodation.direction == 'higher'
    assert set(accommodation.breakdowns) == {
        'ethnicity', 'sex', 'care_experience', 'send'}
    # Ethnicity and care experience are monitoring groups: disaggregated
    assert accommodation.monitored
    board, = library("Management board attendance")
    assert not board.breakdowns and not board.monitored


def test_only_administrators_edit(company, officer):
    Library = Pool().get('commissioning.kpi.library')
    admin = make_user('kpiadmin', 'group_commissioning_admin')
    entry, = library("Suitable accommodation")
    with as_user(officer):
        assert Library.search([('code', '=', 'YJ01')]) == [entry]
        with pytest.raises(AccessError):
            Library.write([Library(entry.id)], {'name': "Changed"})
        with pytest.raises(AccessError):
            Library.create([{
                        'code': 'X1', 'name': "X", 'category': 'process',
                        'direction': 'higher'}])
    with as_user(admin):
        Library.write([Library(entry.id)], {'target': 90})
    assert Library(entry.id).target == 90
    provider = make_user('kpiprovider', 'group_commissioning_provider')
    with as_user(provider), pytest.raises(AccessError):
        Library.search([])


def test_load_into_criteria_of_draft_tender(company, officer):
    "Loading adds KPI templates once, with the breakdowns mapped"
    Library = Pool().get('commissioning.kpi.library')
    Template = Pool().get('commissioning.kpi.template')
    with as_user(officer):
        tender = make_tender()
        target = criterion(tender, CF[1])
        before = len(target.kpi_templates)
        entries = library("Education, training and employment", "Victims")
        Library.load_into_criteria(entries, [target])
        Library.load_into_criteria(entries, [target])
        templates = Template.search([('criterion', '=', target.id)])
    assert len(templates) == before + 2
    ete, = [t for t in templates
        if t.name == "Education, training and employment"]
    victims, = [t for t in templates if t.name == "Victims"]
    assert ete.disaggregate and not victims.disaggregate
    assert ete.direction == 'higher' and ete.category == 'positive_outcome'
    assert ete.target is None


def test_load_refused_on_published_tender(published, officer):
    Library = Pool().get('commissioning.kpi.library')
    target = criterion(published, CF[0])
    with as_user(officer), pytest.raises(LockedError):
        Library.load_into_criteria(library("Victims"), [target])


def test_load_into_draft_contract(company, officer):
    pool = Pool()
    Library = pool.get('commissioning.kpi.library')
    Contract = pool.get('commissioning.contract')
    Party = pool.get('party.party')
    party, = Party.create([{'name': "Eastside Trust"}])
    contract = draft_contract(officer, party)
    before = len(contract.kpis)
    with as_user(officer):
        Library.load_into_contracts(
            library("Use of custody", "Wider services"), [contract])
    contract = Contract(contract.id)
    assert len(contract.kpis) == before + 2
    custody, = [k for k in contract.kpis if k.name == "Use of custody"]
    assert custody.tenet == 'diversion' and custody.direction == 'lower'
    assert custody.additive


def test_load_refused_on_active_contract(company, officer, finance):
    pool = Pool()
    Library = pool.get('commissioning.kpi.library')
    Contract = pool.get('commissioning.contract')
    Party = pool.get('party.party')
    party, = Party.create([{'name': "Eastside Trust"}])
    contract = draft_contract(officer, party)
    with Transaction().set_user(finance.id):
        Contract.activate([contract])
    with as_user(officer), pytest.raises(LockedError):
        Library.load_into_contracts(library("Victims"), [contract])


def test_wizard_loads_for_officer(company, officer):
    pool = Pool()
    Wizard = pool.get('commissioning.kpi.library.load', type='wizard')
    Template = pool.get('commissioning.kpi.template')
    with as_user(officer):
        tender = make_tender()
        target = criterion(tender, CF[3])
        entry, = library("Out-of-court disposals")
        session_id, _, _ = Wizard.create()
        with Transaction().set_context(
                active_model='commissioning.tender.criterion',
                active_id=target.id, active_ids=[target.id]):
            Wizard.execute(session_id, {
                    'start': {'entries': [entry.id]}}, 'load')
        Wizard.delete(session_id)
        assert Template.search([
                ('criterion', '=', target.id),
                ('name', '=', "Out-of-court disposals")])


def load_queries(officer, party, size):
    "Return the queries of loading the whole library into size contracts"
    Library = Pool().get('commissioning.kpi.library')
    Contract = Pool().get('commissioning.contract')
    contracts = Contract.browse(
        [draft_contract(officer, party) for _ in range(size)])
    entries = library(*YJB)
    Transaction().cache.clear()
    with as_user(officer), count_queries() as queries:
        Library.load_into_contracts(entries, contracts)
    assert all(len(c.kpis) == 5 + len(YJB)
        for c in Contract.browse(contracts))
    return len([q for q in map(str, queries)
            if not q.startswith('INSERT INTO')])


def test_load_queries_do_not_grow(company, officer):
    "Loading into n or 10n contracts takes the same number of queries"
    Party = Pool().get('party.party')
    party, = Party.create([{'name': "Eastside Trust"}])
    small, large = (load_queries(officer, party, n) for n in (2, 20))
    assert large <= small + 3, (small, large)
