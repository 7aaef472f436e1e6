# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Publication in the Open Contracting Data Standard 1.1 with the UK
notices: every public step of a tender's lifecycle, validated against the
shipped schemas, and nothing that is not public"""
import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning import ocds, ocds_schema
from trytond.modules.childfirst_commissioning.exceptions import OcdsError
from trytond.modules.childfirst_commissioning.tests.test_lot import (  # noqa: F401,E501
    lots_moderated)
from trytond.modules.childfirst_commissioning.tests.test_scale import (
    SIZES, assert_flat, fresh, measure, published_tenders,
    scenario_transaction)
from trytond.modules.childfirst_commissioning.tests.tools import (
    START, TODAY, as_user, bid_on, close, confirmed, draft_contract,
    fill_return, first_return, make_user, publish_tender, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction


def find_user(login):
    User = Pool().get('res.user')
    user, = User.search([('login', '=', login)])
    return user


def accept(record, provider, officer, values=None):
    "Fill the return as the provider, submit it and accept it as officer"
    Return = Pool().get('commissioning.monitoring.return')
    record = fill_return(provider, record, values)
    with as_user(provider):
        Return.submit([record])
    with as_user(officer):
        Return.accept([Return(record.id)])
    return Return(record.id)


@pytest.fixture
def lifecycle(awarded, finance):
    """The worked example's tender awarded to B, contracted after the
    standstill, the contract activated a year back with two returns
    accepted (the second rating education inadequate) and a payment paid"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    Return = pool.get('commissioning.monitoring.return')
    example = awarded
    officer = example.officer
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.standstill_end],
            [TODAY - dt.timedelta(days=1)],
            where=table.id == example.tender.id))
    Transaction().cache.clear()
    with as_user(officer):
        Tender.create_contract([Tender(example.tender.id)])
    tender = Tender(example.tender.id)
    contract = tender.contract
    value = contract.value
    with as_user(officer):
        Contract.write([contract], {
                'start_date': START,
                'end_date': START + dt.timedelta(days=729),
                'payments': [('create', [{
                                'amount': value / 4,
                                'planned_date': START + dt.timedelta(
                                    days=100 * i)}
                            for i in range(1, 5)])],
                })
    with as_user(finance):
        Contract.activate([Contract(contract.id)])
    contract = Contract(contract.id)
    provider = find_user('providerb')
    returns = Return.search([('contract', '=', contract.id)],
        order=[('period.start_date', 'ASC')])
    # The second period rates the first higher-is-better KPI inadequate
    weak = [k for k in contract.kpis if k.direction == 'higher'][0]
    accepted = [accept(r, provider, officer,
            {weak.name: Decimal(0)} if i == 1 else None)
        for i, r in enumerate(returns)]
    first = accepted[0]
    payment = Contract(contract.id).payments[0]
    with as_user(officer):
        Payment.write([payment], {'period': first.period.id})
        Payment.request([payment])
    with as_user(finance), Transaction().set_context(_skip_warnings=True):
        Payment.approve([payment])
        Payment.pay([payment])
    return SimpleNamespace(
        tender=Tender(tender.id), contract=Contract(contract.id),
        officer=officer, finance=finance, provider=provider,
        bids=example.bids, returns=accepted, weak=weak,
        payment=Payment(payment.id))


def releases_by_step(package):
    "Return {step: [release]} of the package, the step read in its id"
    result = {}
    for item in package['releases']:
        step = item['id'][len(item['ocid']) + 1:].split('-')[0]
        result.setdefault(step, []).append(item)
    return result


def notice_types(package):
    "Return the noticeType of each release of the package, in order"
    types = []
    for item in package['releases']:
        documents = list(item.get('tender', {}).get('documents', []))
        for key in ['awards', 'contracts']:
            for block in item.get(key, []):
                documents += block.get('documents', [])
                documents += block.get('implementation', {}).get(
                    'documents', [])
        types.append([d['noticeType'] for d in documents
                if d.get('noticeType')])
    return types


# The mapping

def test_lifecycle_mapping(lifecycle):
    """Every public step of the lifecycle is a release carrying its UK
    notice, mapped field by field, and the package validates"""
    Tender = Pool().get('commissioning.tender')
    tender, contract = lifecycle.tender, lifecycle.contract
    with as_user(lifecycle.officer):
        package = Tender.ocds_release_package([tender])
    assert ocds_schema.errors(package) == []
    ocid = 'ocds-childfirst-%s' % tender.id
    assert {r['ocid'] for r in package['releases']} == {ocid}
    steps = releases_by_step(package)
    assert list(steps) == ['tender', 'award', 'contract', 'monitoring']
    assert len(steps['monitoring']) == len(lifecycle.returns)
    # An accepted return is an implementation update, not a UK notice
    assert notice_types(package) == [['UK4'], ['UK6'], ['UK7']] + [
        []] * len(lifecycle.returns)
    assert [r['tag'] for r in package['releases']] == [
        ['tender'], ['award'], ['contract']] + [
        ['implementationUpdate']] * len(lifecycle.returns)
    assert package['version'] == '1.1'
    assert package['publisher']['name'] == tender.company.party.name

    # The tender
    release, = steps['tender']
    assert release['id'] == '%s-tender-%s' % (ocid, tender.id)
    block = release['tender']
    assert block['title'] == tender.name
    assert block['description'] == tender.description
    assert block['value'] == {'amount': 250000, 'currency': 'USD'}
    assert block['tenderPeriod']['endDate'] == ocds.moment(
        tender.submission_deadline)
    assert block['contractPeriod']['startDate'] == (
        tender.contract_start.isoformat() + 'T00:00:00Z')
    criteria = block['lots'][0]['awardCriteria']['criteria']
    weighed = {c.name: c.weight for c in tender.criteria
        if c.method != 'pass_fail'}
    assert {c['name']: Decimal(c['numbers'][0]['number'])
        for c in criteria} == weighed
    assert {c['name'] for c in criteria if c['type'] == 'price'} == {
        "Price"}
    assert "Evidence of collaboration with children" in block[
        'eligibilityCriteria']
    child_first = block['childFirst']
    assert child_first['childFirstWeight'] == tender.child_first_weight
    assert {w['tenet'] for w in child_first['criteriaWeights']} == {
        'as_children', 'pro_social', 'collaboration', 'diversion'}
    evidence = child_first['collaboration']
    assert evidence['childrenInvolved'] == 12
    assert evidence['records'][0]['influence'] == (
        "Criteria on trusted adults were added at their request.")

    # The award: the winning and unsuccessful bids, the standstill
    release, = steps['award']
    bids = lifecycle.bids
    details = {d['id']: d for d in release['bids']['details']}
    assert set(details) == {str(b.id) for b in bids.values()}
    assert details[str(bids['B'].id)]['status'] == 'valid'
    assert details[str(bids['C'].id)]['status'] == 'disqualified'
    assert details[str(bids['A'].id)]['value']['amount'] == 200000
    assert release['tender']['status'] == 'complete'
    assert release['tender']['numberOfTenderers'] == 3
    award, = release['awards']
    assert award['relatedBid'] == str(bids['B'].id)
    assert award['suppliers'] == [ocds.organization(bids['B'].provider)]
    assert award['value']['amount'] == 250000
    assert award['standstillPeriod'] == {
        'startDate': ocds.moment(tender.award_date),
        'endDate': ocds.moment(tender.standstill_end, end=True)}
    assert [p['roles'] for p in release['parties']
        if p['name'] == "Provider B"] == [['tenderer', 'supplier']]

    # The contract and its KPIs as agreed metrics
    release, = steps['contract']
    block, = release['contracts']
    assert block['id'] == contract.reference
    assert block['awardID'] == award['id']
    assert block['value']['amount'] == 250000
    assert block['status'] == 'active'
    metrics = {m['title']: m for m in block['agreedMetrics']}
    assert set(metrics) == {k.name for k in contract.kpis}
    for kpi in contract.kpis:
        target, = metrics[kpi.name]['observations']
        assert Decimal(target['measure']) == kpi.target
        assert metrics[kpi.name]['childFirst']['tenet'] == kpi.tenet

    # Monitoring: the KPI values rated, the breakdowns, the payment
    first, second = steps['monitoring'][:2]
    assert first['id'] == '%s-monitoring-%s' % (
        ocid, lifecycle.returns[0].period.id)
    implementation = first['contracts'][0]['implementation']
    transaction, = implementation['transactions']
    assert transaction['value']['amount'] == float(lifecycle.payment.amount)
    assert transaction['date'] == ocds.moment(lifecycle.payment.paid_date)
    education = "Children in education, training or work"
    classifications = {}
    for number, item in enumerate([first, second]):
        implementation = item['contracts'][0]['implementation']
        for metric in implementation['metrics']:
            total = metric['observations'][0]
            classifications[number, metric['title']] = total.get(
                'measureClassification', {}).get('id')
    line = [l for r in lifecycle.returns[:2] for l in r.lines]
    rated = {l.rating for l in line}
    assert rated >= {'good'}
    for number, record in enumerate(lifecycle.returns[:2]):
        for line in record.lines:
            if line.rating:
                assert classifications[number, line.kpi.name] == (
                    ocds.MEASURE_CLASSIFICATION[line.rating])
    disaggregated = [l for l in lifecycle.returns[0].lines
        if l.kpi.disaggregate]
    metric = [m for m in first['contracts'][0]['implementation']['metrics']
        if m['id'] == str(disaggregated[0].kpi.id)][0]
    dimensions = [o['dimensions'] for o in metric['observations'][1:]]
    assert {next(iter(d)) for d in dimensions} == {
        'ethnicity', 'careExperience', 'other'} & {
        next(iter(d)) for d in dimensions}
    assert len(dimensions) == len(disaggregated[0].breakdowns)
    documents = first['contracts'][0]['implementation']['documents']
    assert documents[0]['description'] == "A good quarter."
    assert documents[0]['documentType'] == 'physicalProgressReport'
    assert education not in json.dumps(first['parties'])

    # The same data, the same package
    with as_user(lifecycle.officer):
        assert Tender.ocds_release_package([tender]) == package


def test_ratings_classified(lifecycle):
    """Each KPI value carries its rating as the UK measure classification:
    the value rated inadequate is significantlyBelow, the good one met"""
    Tender = Pool().get('commissioning.tender')
    with as_user(lifecycle.officer):
        package = Tender.ocds_release_package([lifecycle.tender])
    first, second = releases_by_step(package)['monitoring'][:2]

    def classification(item, kpi):
        metric, = [m for m in item['contracts'][0]['implementation'][
                'metrics'] if m['id'] == str(kpi.id)]
        return metric['observations'][0]['measureClassification']

    weak = lifecycle.weak
    assert classification(first, weak) == {'id': 'met', 'description': "Good"}
    assert classification(second, weak) == {
        'id': 'significantlyBelow', 'description': "Inadequate"}
    for item, record in zip(
            releases_by_step(package)['monitoring'], lifecycle.returns):
        for line in record.lines:
            assert classification(item, line.kpi)['id'] == (
                ocds.MEASURE_CLASSIFICATION[line.rating])
    assert ocds.MEASURE_CLASSIFICATION == {
        'good': 'met', 'approaching': 'slightlyBelow',
        'requires_improvement': 'below', 'inadequate': 'significantlyBelow'}
    ratings = second['contracts'][0]['implementation']['childFirst'][
        'ratings']
    assert ratings['inadequate'] >= 1


def test_compiled_record(lifecycle):
    """The record package compiles the lifecycle: the latest status, every
    period's observations, and it validates"""
    packages, records = ocds.publications([lifecycle.tender], [])
    assert ocds_schema.errors(records, 'record-package') == []
    record, = records['records']
    compiled = record['compiledRelease']
    assert compiled['tag'] == ['compiled']
    assert compiled['tender']['status'] == 'complete'
    assert compiled['tender']['title'] == lifecycle.tender.name
    assert compiled['awards'][0]['status'] == 'active'
    metrics = compiled['contracts'][0]['implementation']['metrics']
    periods = {o['id'].split('-group-')[0]
        for m in metrics for o in m['observations']}
    assert periods == {'period-%s' % r.period.id for r in lifecycle.returns}
    assert compiled['contracts'][0]['agreedMetrics']
    assert len(record['releases']) == len(
        packages[record['ocid']]['releases'])


# Nothing that is not public

def test_sealed_price_never_before_award(officer, finance, bidders):
    """A submitted bid's price is in no export while the tender is open,
    nor once it closed before the award"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    tender = publish_tender(officer, finance)
    _, user = bidders[0]
    bid = bid_on(tender, user, Decimal('123456.78'))
    with as_user(user):
        submit_bids([bid])
    with as_user(officer):
        package = Tender.ocds_release_package([tender])
    text = json.dumps(package)
    assert '123456' not in text
    assert str(bid.provider.name) not in text
    assert 'bids' not in package['releases'][0]
    assert [r['tag'] for r in package['releases']] == [['tender']]
    with as_user(officer):
        close(tender)
        package = Tender.ocds_release_package([Tender(tender.id)])
    assert '123456' not in json.dumps(package)
    packages, records = ocds.publications([Tender(tender.id)], [])
    assert '123456' not in json.dumps([packages, records])


def test_draft_and_pending_not_exported(officer, finance):
    """A draft and a tender waiting for approval are refused with the
    message and left out of the published files"""
    from trytond.modules.childfirst_commissioning.tests.tools import (
        make_tender)
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    with Transaction().set_user(officer.id):
        draft = make_tender(name="Draft tender for children")
        pending = make_tender(name="Pending tender for children")
        Tender.request_approval([pending])
    for record in [draft, pending]:
        with as_user(officer), pytest.raises(OcdsError) as info:
            Tender.ocds_release_package([Tender(record.id)])
        assert "Nothing of %s is public yet" % record.rec_name in (
            info.value.message)
    tenders, contracts = ocds.published()
    assert not {draft.id, pending.id} & {t.id for t in tenders}
    # Published with a draft: only the published one is exported
    published = publish_tender(officer, finance)
    with as_user(officer):
        package = Tender.ocds_release_package([published, Tender(draft.id)])
    assert {r['ocid'] for r in package['releases']} == {
        'ocds-childfirst-%s' % published.id}
    assert "Draft tender" not in json.dumps(package)


def test_draft_contract_not_exported(officer, provider_party):
    "A draft contract has nothing public"
    Contract = Pool().get('commissioning.contract')
    contract = draft_contract(officer, provider_party)
    with as_user(officer), pytest.raises(OcdsError):
        Contract.ocds_release_package([contract])


# Who exports

def test_rpc_access(lifecycle, evaluator, bidders):
    """Officers export over RPC; a provider, even the supplier, an
    evaluator and finance cannot call it"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Contract = pool.get('commissioning.contract')
    assert 'ocds_release_package' in Tender.__rpc__
    assert 'ocds_release_package' in Contract.__rpc__
    _, other = bidders[0]
    for user in [lifecycle.provider, other, evaluator, lifecycle.finance]:
        with as_user(user), pytest.raises(AccessError):
            Tender.ocds_release_package([lifecycle.tender])
        with as_user(user), pytest.raises(AccessError):
            Contract.ocds_release_package([lifecycle.contract])
    with as_user(lifecycle.officer):
        assert Contract.ocds_release_package([lifecycle.contract])


def test_other_company_refused(lifecycle):
    "An officer of another company cannot export the company's tenders"
    pool = Pool()
    User = pool.get('res.user')
    Tender = pool.get('commissioning.tender')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    party, = Party.create([{'name': "Elsewhere Council"}])
    company, = Company.create([{
                'party': party.id, 'currency': lifecycle.tender.currency.id}])
    stranger = make_user('stranger', 'group_commissioning')
    User.write([stranger], {
            'companies': [
                ('remove', [stranger.company.id]), ('add', [company.id])],
            'company': company.id})
    stranger = User(stranger.id)
    with as_user(stranger), pytest.raises(AccessError):
        Tender.ocds_release_package([lifecycle.tender])
    with as_user(lifecycle.officer):
        assert Tender.ocds_release_package([lifecycle.tender])


# Bad data

def make_bad_currency(tender):
    """Give the tender a currency whose code is not ISO 4217, as a record
    brought in by a script could"""
    pool = Pool()
    Currency = pool.get('currency.currency')
    Tender = pool.get('commissioning.tender')
    currency, = Currency.create([{
                'name': "Zed", 'code': 'ZZZ', 'symbol': 'Z'}])
    table = Tender.__table__()
    Transaction().connection.cursor().execute(*table.update(
            [table.currency], [currency.id], where=table.id == tender.id))
    Transaction().cache.clear()


def test_invalid_export_refused(lifecycle, tmp_path):
    """A value the schema refuses: the export names the JSON path and the
    reason, and the command exits 1 writing nothing"""
    from trytond.modules.childfirst_commissioning import publish
    Tender = Pool().get('commissioning.tender')
    make_bad_currency(lifecycle.tender)
    with as_user(lifecycle.officer), pytest.raises(OcdsError) as info:
        Tender.ocds_release_package([Tender(lifecycle.tender.id)])
    text = info.value.message
    assert "does not validate" in text
    assert "$.releases[0].tender.value.currency: 'ZZZ' is not one of" in text
    assert lifecycle.tender.rec_name in text
    out = tmp_path / 'site'
    errors = []

    class Err:
        write = errors.append
    assert publish.publish(str(out), stdout=Err, stderr=Err) == 1
    assert not out.exists()
    assert "'ZZZ' is not one of" in "".join(errors)


# The command and the client

def test_publish_command(lifecycle, active_contract, tmp_path):
    """The command writes a release package per OCID and the record
    package, all valid; --since leaves out what did not change"""
    from trytond.modules.childfirst_commissioning import publish
    out = tmp_path / 'site'
    assert publish.publish(str(out), stdout=None, stderr=None) == 0
    tender_ocid = 'ocds-childfirst-%s' % lifecycle.tender.id
    direct_ocid = 'ocds-childfirst-contract-%s' % active_contract.id
    files = sorted(p.name for p in (out / 'ocds').iterdir())
    assert files == sorted([
            '%s.json' % tender_ocid, '%s.json' % direct_ocid,
            'records.json'])
    package = json.loads((out / 'ocds' / ('%s.json' % tender_ocid))
        .read_text())
    assert ocds_schema.errors(package) == []
    assert notice_types(package)[:3] == [['UK4'], ['UK6'], ['UK7']]
    direct = json.loads((out / 'ocds' / ('%s.json' % direct_ocid))
        .read_text())
    assert direct['releases'][0]['awards'][0]['id'] == (
        'direct-%s' % active_contract.id)
    records = json.loads((out / 'ocds' / 'records.json').read_text())
    assert ocds_schema.errors(records, 'record-package') == []
    assert {r['ocid'] for r in records['records']} == {
        tender_ocid, direct_ocid}
    # Nothing changed since tomorrow; everything since today
    later = tmp_path / 'later'
    assert publish.publish(str(later), TODAY + dt.timedelta(days=1),
        stdout=None, stderr=None) == 0
    assert not later.exists()
    tenders, contracts = ocds.published(TODAY)
    assert lifecycle.tender in tenders
    assert active_contract in contracts


def test_since_follows_records_beneath(lifecycle):
    """A tender counts as changed when a record beneath it changed: here
    the payment of its contract"""
    Payment = Pool().get('commissioning.contract.payment')
    table = Payment.__table__()
    old = dt.datetime.now() - dt.timedelta(days=30)
    for Model in ['commissioning.tender', 'commissioning.tender.criterion',
            'commissioning.bid', 'commissioning.contract',
            'commissioning.contract.kpi', 'commissioning.contract.payment',
            'commissioning.monitoring.return',
            'commissioning.monitoring.return.line',
            'commissioning.monitoring.return.breakdown',
            'commissioning.collaboration', 'commissioning.signoff',
            'ir.attachment']:
        model = Pool().get(Model).__table__()
        Transaction().connection.cursor().execute(*model.update(
                [model.create_date, model.write_date], [old, old]))
    Transaction().cache.clear()
    since = (old + dt.timedelta(days=1)).date()
    assert ocds.published(since) == ([], [])
    Transaction().connection.cursor().execute(*table.update(
            [table.write_date], [dt.datetime.now()],
            where=table.id == lifecycle.payment.id))
    Transaction().cache.clear()
    tenders, contracts = ocds.published(since)
    assert tenders == [lifecycle.tender]


def test_command_arguments():
    "The command reads its options; a wrong date is refused"
    from trytond.modules.childfirst_commissioning import publish
    options = publish.parser().parse_args([
            '-c', 'trytond.conf', '-d', 'db', '--out', 'site',
            '--since', '2026-01-31'])
    assert (options.config, options.database, options.out,
        options.since) == (['trytond.conf'], 'db', 'site',
        dt.date(2026, 1, 31))
    # Several configuration files, as trytond and trytond-admin take them
    options = publish.parser().parse_args([
            '-c', 'trytond.conf', 'local.conf', '-d', 'db', '--out', 'site'])
    assert options.config == ['trytond.conf', 'local.conf']
    assert options.spreadsheet is False
    options = publish.parser().parse_args([
            '-c', 'c', '-d', 'db', '--out', 'o', '--spreadsheet'])
    assert options.spreadsheet is True
    with pytest.raises(SystemExit):
        publish.parser().parse_args([
                '-c', 'c', '-d', 'db', '--out', 'o', '--since', '31/01/2026'])
    assert 'ocds_files' in [e.__name__ for e in publish.EXPORTS]


def test_export_wizard(lifecycle):
    "The officer's Export OCDS gives the JSON file of the package"
    pool = Pool()
    Export = pool.get('commissioning.ocds.export', type='wizard')
    for record in [lifecycle.tender, lifecycle.contract]:
        with as_user(lifecycle.officer):
            session_id, _, _ = Export.create()
            with Transaction().set_context(
                    active_model=record.__name__, active_id=record.id,
                    active_ids=[record.id]):
                result = Export.execute(session_id, {}, 'start')
            Export.delete(session_id)
        defaults = result['view']['defaults']
        assert defaults['filename'] == 'ocds-childfirst-%s.json' % (
            lifecycle.tender.id)
        package = json.loads(bytes(defaults['file']).decode('utf-8'))
        assert ocds_schema.errors(package) == []


def test_ocid_prefix(lifecycle):
    """The configured prefix makes the OCIDs; a prefix with spaces is
    refused, naming the field"""
    from trytond.model.exceptions import ValidationError
    pool = Pool()
    Configuration = pool.get('commissioning.configuration')
    Tender = pool.get('commissioning.tender')
    config = Configuration(1)
    config.ocid_prefix = 'ocds-a1b2c3'
    config.save()
    with as_user(lifecycle.officer):
        package = Tender.ocds_release_package([lifecycle.tender])
    assert {r['ocid'] for r in package['releases']} == {
        'ocds-a1b2c3-%s' % lifecycle.tender.id}
    assert package['releases'][0]['id'] == 'ocds-a1b2c3-%s-tender-%s' % (
        lifecycle.tender.id, lifecycle.tender.id)
    config = Configuration(1)
    config.ocid_prefix = 'my prefix'
    with pytest.raises(ValidationError) as info:
        config.save()
    assert '"my prefix" is not an OCID prefix for "OCID Prefix"' in (
        info.value.message)


# The end of a contract and of a procurement

def test_contract_end_and_direct_contract(active_contract, officer):
    """A contract without a tender has its own OCID and award; its
    termination is a UK11 contract termination notice with the reason"""
    Contract = Pool().get('commissioning.contract')
    contract = active_contract
    with as_user(officer):
        Contract.write([contract], {
                'termination_reason': "The provider closed its service."})
        confirmed('terminate', [contract])
        package = Contract.ocds_release_package([Contract(contract.id)])
    assert ocds_schema.errors(package) == []
    steps = releases_by_step(package)
    assert list(steps) == ['contract', 'end']
    end, = steps['end']
    assert end['tag'] == ['contractTermination']
    block, = end['contracts']
    assert block['status'] == 'terminated'
    notice, = block['documents']
    assert (notice['noticeType'], notice['documentType'],
        notice['description']) == (
        'UK11', 'contractTerminationNotice',
        "The provider closed its service.")
    assert steps['contract'][0]['awards'][0]['suppliers'][0]['name'] == (
        contract.provider.name)


def test_cancelled_after_publication(officer, finance):
    """A tender cancelled after publication is a UK12 procurement
    termination notice; one cancelled in draft has nothing public"""
    Tender = Pool().get('commissioning.tender')
    tender = publish_tender(officer, finance)
    with as_user(officer):
        Tender.cancel([tender])
        package = Tender.ocds_release_package([Tender(tender.id)])
    assert ocds_schema.errors(package) == []
    assert notice_types(package) == [['UK4'], ['UK12']]
    assert package['releases'][1]['tag'] == ['tenderCancellation']
    assert package['releases'][1]['tender']['status'] == 'cancelled'


# Performance

def exported_records(people, size):
    """Return size published tenders and size active contracts, each with
    an accepted return and a published performance notice of its period"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Notice = pool.get('commissioning.contract.performance_notice')
    tenders = published_tenders(people, size)
    contracts = [draft_contract(people.officer, people.provider_party)
        for _ in range(size)]
    with as_user(people.finance):
        Contract.activate(contracts)
    notices = []
    for contract in contracts:
        record = accept(first_return(contract), people.provider,
            people.officer)
        with as_user(people.officer):
            notices.append(Notice.gather(Contract(contract.id),
                    record.period.start_date, record.period.end_date,
                    "The first quarter."))
    with as_user(people.officer):
        Notice.publish(notices)
    return tenders, fresh(contracts)


def test_queries_flat(database):
    """The export of 10n tenders and contracts takes the queries of n"""
    counts = []
    for size in SIZES:
        with scenario_transaction(database) as people:
            tenders, contracts = exported_records(people, size)
            packages, records = ocds.publications(tenders, contracts)
            assert len(packages) == 2 * size
            assert sum(1 for p in packages.values() for r in p['releases']
                if '-performance-' in r['id']) == size
            counts.append(measure(
                    lambda r: ocds.publications(*r),
                    (tenders, contracts)).queries)
    assert_flat(*counts, "The OCDS export")


def test_lots_queries_flat(officer, finance):
    """The export of a tender of 10n awarded lots, each with its award
    notice and the winner's share of the price, takes the queries of n"""
    from trytond.modules.childfirst_commissioning.tests.test_lot import (
        _moderated_lots)
    Lot = Pool().get('commissioning.tender.lot')
    counts = []
    for size in (3, 30):
        tender, _, ids = _moderated_lots(officer, finance, size)
        with as_user(officer):
            Lot.recommend_award(Lot.browse(ids))
        with as_user(finance):
            Lot.approve_award(Lot.browse(ids))
        tender = fresh([tender])[0]
        packages, _ = ocds.publications([tender], [])
        package, = packages.values()
        assert sum(1 for r in package['releases']
            if '-award-lot-' in r['id']) == size
        counts.append(measure(
                lambda r: ocds.publications(r, []), [tender]).queries)
    assert_flat(*counts, "The OCDS export of a tender in lots")


# The contract performance notice (UK9)

def published_notice(lifecycle, narrative="The service met most targets."):
    """Gather the contract's performance notice for its first 12 months as
    the officer, say why each unrated KPI has no rating, and publish it"""
    Notice = Pool().get('commissioning.contract.performance_notice')
    contract = lifecycle.contract
    end = min(START + dt.timedelta(days=364), TODAY)
    with as_user(lifecycle.officer):
        notice = Notice.gather(contract, START, end, narrative)
        Notice.write([notice], {
                'lines': [('write',
                        [l.id for l in notice.lines if not l.rating],
                        {'unrated_reason': "Not measured this year."})],
                })
        Notice.publish([Notice(notice.id)])
    return Notice(notice.id)


def test_performance_notice_release(lifecycle):
    """A published contract performance notice is the contract's UK9
    release: its period, the officer's narrative, and every KPI's rating
    (as the UK measure classification) or why it has none"""
    Contract = Pool().get('commissioning.contract')
    notice = published_notice(lifecycle)
    with as_user(lifecycle.officer):
        package = Contract.ocds_release_package([lifecycle.contract])
    assert ocds_schema.errors(package) == []
    release, = releases_by_step(package)['performance']
    ocid = 'ocds-childfirst-%s' % lifecycle.tender.id
    assert release['id'] == '%s-performance-%s' % (ocid, notice.id)
    assert release['tag'] == ['implementation']
    assert release['date'] == ocds.moment(notice.published_at)
    implementation = release['contracts'][0]['implementation']
    document, = implementation['documents']
    assert (document['noticeType'], document['description']) == (
        'UK9', "The service met most targets.")
    expected_period = {
        'startDate': ocds.moment(notice.period_start),
        'endDate': ocds.moment(notice.period_end, end=True)}
    assert implementation['childFirst']['period'] == expected_period
    metrics = {m['id']: m for m in implementation['metrics']}
    assert set(metrics) == {str(k.id) for k in lifecycle.contract.kpis}
    assert len(notice.lines) == len(lifecycle.contract.kpis)
    for line in notice.lines:
        observation, = metrics[str(line.kpi.id)]['observations']
        assert observation['id'] == 'notice-%s' % notice.id
        assert observation['period'] == expected_period
        if line.rating:
            assert observation['measureClassification']['id'] == (
                ocds.MEASURE_CLASSIFICATION[line.rating])
            assert Decimal(str(observation['measure'])) == line.value
        else:
            assert observation['notes'] == "Not measured this year."
    ratings = implementation['childFirst']['ratings']
    assert sum(ratings.values()) == len(
        [l for l in notice.lines if l.rating])
    assert ratings.get('inadequate', 0) >= 1
    assert notice_types(package) == [['UK7']] + [[]] * len(
        lifecycle.returns) + [['UK9']]


def test_draft_performance_notice_not_exported(lifecycle):
    "A notice the officer has not published is no release"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Notice = pool.get('commissioning.contract.performance_notice')
    with as_user(lifecycle.officer):
        Notice.gather(lifecycle.contract, START, START + dt.timedelta(
                days=90), "Draft.")
        package = Contract.ocds_release_package([lifecycle.contract])
    assert 'performance' not in releases_by_step(package)
    assert "Draft." not in json.dumps(package)


# Questions and amendments of a published tender

def test_amendment_and_enquiries(published, officer, bidders):
    """An applied amendment is a changed tender notice (UK4) with its reason
    and the new tender period; the published answers to questions are an
    update of the tender without who asked; nothing unpublished leaves"""
    from trytond.modules.childfirst_commissioning.tests.test_amendment import (
        amend, apply, later)
    from trytond.modules.childfirst_commissioning.tests.test_question import (
        answer_and_publish, ask)
    Tender = Pool().get('commissioning.tender')
    Question = Pool().get('commissioning.tender.question')
    (north, north_user), (river, river_user) = bidders
    asked = ask(north_user, published, "Can the service run at weekends?")
    answer_and_publish(officer, [asked.id], "Yes, on Saturdays.")
    pending = ask(river_user, published, "Is travel paid?")
    with as_user(officer):
        Question.write([pending], {'answer': "Not yet decided."})
    deadline = later()
    amendment = amend(officer, published, new_deadline=deadline,
        description="The closing date moves by a week.")
    apply(officer, [amendment.id])
    tender = Tender(published.id)
    with as_user(officer):
        package = Tender.ocds_release_package([tender])
    assert ocds_schema.errors(package) == []
    steps = releases_by_step(package)
    assert list(steps) == ['tender', 'amendment', 'enquiries']
    ocid = 'ocds-childfirst-%s' % tender.id
    release, = steps['amendment']
    assert release['tag'] == ['tenderAmendment']
    assert release['id'] == '%s-amendment-%s' % (ocid, amendment.id)
    block = release['tender']
    assert block['tenderPeriod']['endDate'] == ocds.moment(deadline)
    change, = block['amendments']
    assert change['rationale'] == "The service now covers weekends."
    assert change['description'] == "The closing date moves by a week."
    assert change['amendsReleaseID'] == '%s-tender-%s' % (ocid, tender.id)
    assert change['releaseID'] == release['id']
    assert [d['noticeType'] for d in block['documents']] == ['UK4']
    release, = steps['enquiries']
    assert release['tag'] == ['tenderUpdate']
    block = release['tender']
    assert block['hasEnquiries'] is True
    # Without a deadline for questions, they may be asked until the close
    assert tender.questions_deadline is None
    assert block['enquiryPeriod']['endDate'] == ocds.moment(
        tender.submission_deadline)
    enquiry, = block['enquiries']
    assert (enquiry['description'], enquiry['answer']) == (
        "Can the service run at weekends?", "Yes, on Saturdays.")
    assert 'author' not in enquiry
    text = json.dumps(package)
    for secret in [north.name, river.name, "Is travel paid?",
            "Not yet decided."]:
        assert secret not in text
    assert [p['roles'] for p in release['parties']] == [['buyer']]


# Contract changes (UK10)

def test_contract_change_release(lifecycle):
    """An approved contract change is a contract change notice (UK10) with
    the new value and term and its reason; the contract notice keeps the
    terms signed, and the compiled record has the new ones"""
    from trytond.modules.childfirst_commissioning.tests.test_contract_change import (  # noqa: E501
        draft_change, press, schedule)
    Contract = Pool().get('commissioning.contract')
    contract = lifecycle.contract
    signed_value, signed_end = contract.value, contract.end_date
    paid = lifecycle.payment.amount
    new_value = signed_value + Decimal(50000)
    new_end = signed_end + dt.timedelta(days=91)
    rest = (new_value - paid) / 2
    kpi = contract.kpis[0]
    signed_target = kpi.target
    change = draft_change(lifecycle.officer, contract,
        new_value=new_value, new_end_date=new_end,
        description="Holiday sessions the children asked for.",
        payments=schedule((500, rest), (600, rest)),
        kpis=[('create', [{'kpi': kpi.id,
                        'new_target': signed_target + 5}])])
    refused = draft_change(lifecycle.officer, contract,
        new_end_date=new_end + dt.timedelta(days=30))
    press(lifecycle.officer, 'request', [change.id, refused.id])
    press(lifecycle.finance, 'approve', [change.id])
    with as_user(lifecycle.officer):
        package = Contract.ocds_release_package([Contract(contract.id)])
    assert ocds_schema.errors(package) == []
    steps = releases_by_step(package)
    assert list(steps)[:3] == ['contract', 'change', 'monitoring']
    ocid = 'ocds-childfirst-%s' % lifecycle.tender.id
    signed, = steps['contract'][0]['contracts']
    assert signed['value']['amount'] == float(signed_value)
    assert signed['period']['endDate'] == ocds.moment(signed_end, end=True)
    release, = steps['change']
    change = change.__class__(change.id)
    assert release['id'] == '%s-change-%s' % (ocid, change.id)
    assert release['tag'] == ['contractAmendment']
    assert release['date'] == ocds.moment(change.decided_at)
    block, = release['contracts']
    assert block['value']['amount'] == float(new_value)
    assert block['period']['endDate'] == ocds.moment(new_end, end=True)
    amendment, = block['amendments']
    assert (amendment['rationale'], amendment['description']) == (
        "The service now covers the school holidays.",
        "Holiday sessions the children asked for.")
    assert amendment['amendsReleaseID'] == '%s-contract-%s' % (
        ocid, contract.id)
    assert [d['noticeType'] for d in block['documents']] == ['UK10']
    # The KPI's new target, and its target as signed in the UK7
    metric, = block['agreedMetrics']
    assert (metric['id'], metric['observations'][0]['measure']) == (
        str(kpi.id), float(signed_target + 5))
    signed_metric, = [m for m in signed['agreedMetrics']
        if m['id'] == str(kpi.id)]
    assert signed_metric['observations'][0]['measure'] == float(
        signed_target)
    # The change waiting for finance is not public
    assert len(steps['change']) == 1
    _, records = ocds.publications([lifecycle.tender], [])
    compiled = records['records'][0]['compiledRelease']['contracts'][0]
    assert compiled['value']['amount'] == float(new_value)
    compiled_metric, = [m for m in compiled['agreedMetrics']
        if m['id'] == str(kpi.id)]
    assert compiled_metric['observations'][0]['measure'] == float(
        signed_target + 5)
    assert compiled['period']['endDate'] == ocds.moment(new_end, end=True)


# Lots

def test_lots_releases(lots_moderated):  # noqa: F811
    """A tender in lots publishes each lot with its budget and criteria,
    and each awarded lot as its own award notice (UK6) with the bids for
    it, the winner's share of its price and the lot's standstill"""
    from trytond.modules.childfirst_commissioning.tests.test_lot import (
        end_standstill)
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Lot = pool.get('commissioning.tender.lot')
    Contract = pool.get('commissioning.contract')
    ex = lots_moderated
    lots = list(ex.tender.lots)
    with as_user(ex.officer):
        Lot.recommend_award(lots)
    with as_user(ex.finance):
        Lot.approve_award(Lot.browse(lots))
    end_standstill(lots)
    with as_user(ex.officer):
        Lot.create_contract(Lot.browse(lots))
        package = Tender.ocds_release_package([Tender(ex.tender.id)])
    assert ocds_schema.errors(package) == []
    ocid = 'ocds-childfirst-%s' % ex.tender.id
    steps = releases_by_step(package)
    assert list(steps) == ['tender', 'award']
    published = {l['id']: l for l in steps['tender'][0]['tender']['lots']}
    lots = Lot.browse(lots)
    assert set(published) == {str(l.id) for l in lots}
    for lot_ in lots:
        entry = published[str(lot_.id)]
        assert entry['title'] == lot_.name
        assert entry['value']['amount'] == float(lot_.budget)
        assert sorted(c['name'] for c in entry['awardCriteria'][
                'criteria']) == sorted(c.name for c in lot_.criteria
            if c.method in {'scored', 'price'})
    awards = {r['id']: r for r in steps['award']}
    assert set(awards) == {'%s-award-lot-%s' % (ocid, l.id) for l in lots}
    for lot_ in lots:
        release = awards['%s-award-lot-%s' % (ocid, lot_.id)]
        award, = release['awards']
        assert award['relatedLots'] == [str(lot_.id)]
        assert award['value']['amount'] == float(lot_.price_share())
        assert award['suppliers'] == [
            ocds.organization(lot_.winning_bid.provider)]
        assert award['standstillPeriod']['endDate'] == ocds.moment(
            lot_.standstill_end, end=True)
        assert award['relatedBid'] == '%s-lot-%s' % (
            lot_.winning_bid.id, lot_.id)
        assert {d['id'] for d in release['bids']['details']} == {
            '%s-lot-%s' % (l.bid.id, lot_.id) for l in lot_.ranking}
        assert [d['noticeType'] for d in award['documents']] == ['UK6']
    # Each lot's contract refers to its lot's award
    for contract in Contract.search([('tender', '=', ex.tender.id)]):
        assert ocds.contract_award_id(contract) == 'award-lot-%s' % (
            contract.lot.id)
