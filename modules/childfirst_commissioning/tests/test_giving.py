# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The awarded grants in the 360Giving Data Standard: a data package that
validates against the vendored schema, field by field; a broken record is
refused with the JSON path and the reason; the monthly range of the
Specified Information Order; officers only."""
import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, bid_on, count_queries, make_tender, publish_tender, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction

DATA = __import__('pathlib').Path(__file__).parent.parent / 'data'


def schema_errors(package):
    """Return the errors of package against the vendored 360Giving schema,
    checked by jsonschema's own formats"""
    schemas = [json.loads((DATA / n).read_text()) for n in [
            '360-giving-package-schema.json', '360-giving-schema.json']]
    registry = Registry().with_resources(
        (s['$id'], DRAFT202012.create_resource(s)) for s in schemas)
    return list(Draft202012Validator(
            schemas[0], registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
            ).iter_errors(package))


def as_grant(tender):
    """Return the awarded tender as a grant round: its kind is fixed once
    designed, so it is changed in the table"""
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.kind], ['grant'], where=table.id == tender.id))
    Transaction().cache.clear()
    return Tender(tender.id)


def identify(tender):
    """Give the winning organisation of tender a charity number and the
    funder an address in Leeds"""
    pool = Pool()
    Identifier = pool.get('party.identifier')
    Address = pool.get('party.address')
    Country = pool.get('country.country')
    Identifier.create([{
                'party': tender.winning_bid.provider.id,
                'code': 'GB-CHC-1234567',
                }])
    country, = Country.create([{'name': "United Kingdom", 'code': 'GB'}])
    Address.create([{
                'party': tender.company.party.id,
                'city': "Leeds", 'postal_code': "LS1 1UR",
                'country': country.id,
                }])


@pytest.fixture
def worked_grant(awarded):
    "The awarded tender of the worked example, as a grant round"
    awarded.tender = as_grant(awarded.tender)
    identify(awarded.tender)
    return awarded


@pytest.fixture
def grant(officer, finance, bidders):
    """A grant round published, bid on by Northside, closed and awarded to
    it today (the award written as the Approve Award button writes it; the
    whole lifecycle is test_package_fields')"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    tender = publish_tender(officer, finance, kind='grant')
    (_, user), _ = bidders
    bid = bid_on(tender, user, 140000)
    with as_user(user):
        submit_bids([bid])
    table = Tender.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.state, table.winning_bid, table.award_date,
                table.standstill_end],
            ['awarded', bid.id, dt.date.today(), dt.date.today()],
            where=table.id == tender.id))
    Transaction().cache.clear()
    tender = Tender(tender.id)
    identify(tender)
    return SimpleNamespace(tender=tender, officer=officer)


def package_of(tenders, user, **range_):
    Tender = Pool().get('commissioning.tender')
    with as_user(user):
        return Tender.giving_package(
            Tender.browse([t.id for t in tenders]), **range_)


def test_package_fields(worked_grant):
    "The package validates and carries each field of the awarded grant"
    grant = worked_grant
    tender = grant.tender
    bid = tender.winning_bid
    funder = tender.company.party
    package = package_of([tender], grant.officer)
    assert schema_errors(package) == []
    assert json.loads(json.dumps(package)) == package
    assert package['version'] == '1.4'
    assert package['publisher'] == {
        'name': funder.name, 'identifier': '360G-childfirst-ORG-%s' % (
            funder.code)}
    assert package['license'].startswith(
        'https://www.nationalarchives.gov.uk/doc/open-government-licence')
    item, = package['grants']
    assert item['id'] == '360G-childfirst-%s' % tender.id
    assert item['title'] == tender.name
    assert item['description'] == tender.description
    assert item['currency'] == tender.currency.code.upper() == 'USD'
    assert item['amountAwarded'] == float(bid.price) == 250000.0
    assert item['awardDate'] == tender.award_date.isoformat()
    assert item['fromOpenCall'] == 'Yes'
    assert item['recipientOrganization'] == [{
            'id': 'GB-CHC-1234567',
            'name': "Provider B",
            'charityNumber': '1234567',
            }]
    assert item['fundingOrganization'] == [{
            'id': '360G-childfirst-ORG-%s' % funder.code,
            'name': funder.name,
            'postalCode': "LS1 1UR",
            'addressLocality': "Leeds",
            'addressCountry': "United Kingdom",
            }]
    assert item['plannedDates'] == [{
            'startDate': tender.contract_start.isoformat(),
            'endDate': tender.contract_end.isoformat(),
            'duration': 24,
            }]
    assert item['beneficiaryLocation'] == [
        {'name': "Leeds", 'countryCode': 'GB'}]


def test_contracted_grant_amount(grant):
    "Once contracted, the grant is the contract's value and dates"
    Tender = Pool().get('commissioning.tender')
    tender = grant.tender
    table = Tender.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.standstill_end], [dt.date.today() - dt.timedelta(1)],
            where=table.id == tender.id))
    Transaction().cache.clear()
    with as_user(grant.officer):
        Tender.create_contract([Tender(tender.id)])
    tender = Tender(tender.id)
    assert tender.state == 'contracted'
    item, = package_of([tender], grant.officer)['grants']
    assert item['amountAwarded'] == float(tender.contract.value)
    assert item['plannedDates'][0]['startDate'] == (
        tender.contract.start_date.isoformat())


def test_configured_prefix(grant):
    "The identifiers take the configured prefix; a wrong one is refused"
    Configuration = Pool().get('commissioning.configuration')
    configuration = Configuration(1)
    with pytest.raises(UserError) as info:
        Configuration.write([configuration], {'giving_prefix': 'pcc'})
    assert 'The 360Giving prefix "pcc" is not one' in str(info.value)
    Configuration.write([configuration], {'giving_prefix': '360G-pcc'})
    item, = package_of([grant.tender], grant.officer)['grants']
    assert item['id'] == '360G-pcc-%s' % grant.tender.id


def test_missing_amount_refused(grant):
    """A winning bid without a price is refused with the JSON path and the
    reason, and no package is returned"""
    Bid = Pool().get('commissioning.bid')
    table = Bid.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.price], [None],
            where=table.id == grant.tender.winning_bid.id))
    Transaction().cache.clear()
    with pytest.raises(UserError) as info:
        package_of([grant.tender], grant.officer)
    message = str(info.value)
    assert "does not follow the 360Giving standard" in message
    assert "at $.grants[0].amountAwarded: None is not of type 'number'" in (
        message)


def test_missing_description_refused(grant):
    "A grant without a description is refused at its path"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.description], [None], where=table.id == grant.tender.id))
    Transaction().cache.clear()
    with pytest.raises(UserError) as info:
        package_of([grant.tender], grant.officer)
    assert "at $.grants[0].description: None is not of type 'string'" in (
        str(info.value))


def test_only_awarded_grants(grant, published):
    """A contract tender and a grant round not awarded are left out; with
    nothing to export the officer is told"""
    tender = grant.tender
    package = package_of([tender, published], grant.officer)
    assert [g['id'] for g in package['grants']] == [
        '360G-childfirst-%s' % tender.id]
    with pytest.raises(UserError) as info:
        package_of([published, as_grant(published)], grant.officer)
    assert "No awarded grant to export" in str(info.value)


def test_monthly_range(grant):
    "The grants awarded in a range of dates, as the monthly file needs"
    award = grant.tender.award_date
    first = award.replace(day=1)
    package = package_of([grant.tender], grant.officer,
        start=first, end=award)
    assert len(package['grants']) == 1
    with pytest.raises(UserError) as info:
        package_of([grant.tender], grant.officer,
            start=award + dt.timedelta(1), end=award + dt.timedelta(30))
    assert "No awarded grant to export" in str(info.value)
    with pytest.raises(UserError) as info:
        package_of([grant.tender], grant.officer,
            start=award, end=award - dt.timedelta(1))
    assert "has its start after its end" in str(info.value)


def test_officers_only(grant, finance, provider):
    "Finance and providers may not export; the officer may"
    for user in [finance, provider]:
        with pytest.raises(AccessError):
            package_of([grant.tender], user)
    assert package_of([grant.tender], grant.officer)['grants']


def test_export_wizard(grant):
    "The wizard gives the officer the package as a JSON file"
    Wizard = Pool().get('commissioning.tender.giving_export', type='wizard')
    tender = grant.tender
    with as_user(grant.officer), Transaction().set_context(
            active_model='commissioning.tender', active_id=tender.id,
            active_ids=[tender.id]):
        session_id, _, _ = Wizard.create()
        Wizard.execute(session_id, {}, 'start')
        result = Wizard.execute(session_id, {'start': {
                    'start_date': None, 'end_date': None}}, 'export')
        Wizard.delete(session_id)
    values = result['view']['defaults']
    assert values['filename'].startswith('grants-')
    data = json.loads(bytes(values['file']).decode('utf-8'))
    assert data['grants'] == package_of([tender], grant.officer)['grants']


def test_queries_do_not_grow(grant):
    "The package of 20 grants takes as many queries as that of 2"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    model = grant.tender
    counts = []
    for size in (2, 20):
        tenders = [make_tender(kind='grant', name="Grant %s" % i)
            for i in range(size)]
        Transaction().connection.cursor().execute(*table.update(
                [table.state, table.award_date, table.winning_bid],
                ['awarded', model.award_date, model.winning_bid.id],
                where=table.id.in_([t.id for t in tenders])))
        Transaction().cache.clear()
        with count_queries() as queries:
            package = package_of(tenders, grant.officer)
        assert len(package['grants']) == size
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 3, counts


def test_amount_is_decimal_free(grant):
    "Every value of the package is JSON: no Decimal, no date"
    package = package_of([grant.tender], grant.officer)

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert not isinstance(value, (Decimal, dt.date)), value
    walk(package)


def test_publish_command(grant, tmp_path):
    """The publishing command writes the 360Giving data package of the
    awarded grants beside the OCDS files; with --since, only the grants
    awarded since then, and no file when there are none"""
    from trytond.modules.childfirst_commissioning import publish
    out = tmp_path / 'site'
    assert publish.publish(str(out), stdout=None, stderr=None) == 0
    package = json.loads((out / '360giving' / 'grants.json').read_text())
    assert schema_errors(package) == []
    item, = package['grants']
    assert item['id'] == '360G-childfirst-%s' % grant.tender.id
    later = tmp_path / 'later'
    assert publish.publish(str(later), dt.date.today() + dt.timedelta(1),
        stdout=None, stderr=None) == 0
    assert not (later / '360giving').exists()


def test_publish_spreadsheet(grant, tmp_path):
    """With --spreadsheet the command also writes the grants in 360Giving's
    spreadsheet layout: a sheet of grants with the standard's column
    titles, and a sheet per list"""
    import openpyxl

    from trytond.modules.childfirst_commissioning import publish
    out = tmp_path / 'site'
    assert publish.publish(str(out), stdout=None, stderr=None,
        sheets=True) == 0
    book = openpyxl.load_workbook(out / '360giving' / 'grants.xlsx')
    rows = list(book['grants'].iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row))
    assert values['Identifier'] == '360G-childfirst-%s' % grant.tender.id
    assert values['Title'] == grant.tender.name
    assert values['Amount Awarded'] == float(
        grant.tender.winning_bid.price)
    assert values['Currency'] == grant.tender.currency.code.upper()
    assert len(rows) == 2
    # One row per grant, as 360Giving's template: the organisations and
    # dates rolled up into it
    assert values['Recipient Org:Name'] == (
        grant.tender.winning_bid.provider.name)
    assert values['Funding Org:Name'] == grant.tender.company.party.name
    assert values['Planned Dates:Start Date'] == (
        grant.tender.contract_start.isoformat())
    assert {'Recipient Org', 'Funding Org'} <= set(book.sheetnames)
    # Without grants, no spreadsheet either
    later = tmp_path / 'later'
    assert publish.publish(str(later), dt.date.today() + dt.timedelta(1),
        stdout=None, stderr=None, sheets=True) == 0
    assert not (later / '360giving').exists()
