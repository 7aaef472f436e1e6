# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Tenders: the design gate check by check, bad input, the approval by
finance with its sign-off, publishing and who may do what."""
import datetime as dt
from decimal import Decimal

import pytest

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.tests.tools import (
    LockedError, PublishError, SegregationError, SignoffError,
    TenderDesignError, as_user, complete_collaboration, count_queries,
    criterion, make_tender, make_user)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction


def assert_gate_refuses(tender, *fragments):
    "Assert the design gate refuses the tender naming every fragment"
    Tender = Pool().get('commissioning.tender')
    with pytest.raises(TenderDesignError) as info:
        Tender.request_approval([tender])
    for fragment in fragments:
        assert fragment in info.value.message
    assert Tender(tender.id).state == 'draft'
    return info.value.message


def assert_gate_passes(tender):
    Tender = Pool().get('commissioning.tender')
    Tender.request_approval([tender])
    assert Tender(tender.id).state == 'pending_approval'


def approve(tender, finance):
    "Request the approval of tender and approve it as finance"
    Tender = Pool().get('commissioning.tender')
    Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    return Tender(tender.id)


# The design gate, check by check

def test_gate_lists_every_failure(company):
    "An empty tender is refused with every check at once"
    Tender = Pool().get('commissioning.tender')
    tender, = Tender.create([{'name': "Empty", 'budget': Decimal(0)}])
    message = assert_gate_refuses(
        tender, "add up to 0, not 100",
        "Treating children as children", "Diverting from stigma",
        "weigh 0 in all", "mandatory pass/fail",
        "No record shows that children helped design",
        "The budget must be more than 0",
        "Set the Submission Deadline")
    assert not tender.design_ready
    assert tender.design_checklist.count("✗") == 6
    assert message.startswith('Tender "Empty"')


def test_gate_weights(company):
    "Weights of scored and price criteria must add up to exactly 100"
    tender = make_tender()
    price = criterion(tender, "Price")
    price.weight = Decimal('20')
    price.save()
    assert_gate_refuses(tender, "add up to 90, not 100")
    price.weight = Decimal('30')
    price.save()
    assert_gate_passes(tender)


def test_gate_tenets(company):
    "Each tenet needs a scored criterion"
    tender = make_tender()
    diversion = criterion(tender, "Diverting from stigma")
    diversion.tenet = None
    diversion.save()
    assert_gate_refuses(tender, '"Diverting from stigma"')
    diversion.tenet = 'diversion'
    diversion.save()
    assert_gate_passes(tender)


def test_gate_child_first_weight(company):
    "The Child First criteria must weigh at least the minimum"
    Configuration = Pool().get('commissioning.configuration')
    tender = make_tender()
    config = Configuration(1)
    config.minimum_child_first_weight = 60
    config.save()
    assert_gate_refuses(
        tender, "weigh 50 in all; they must weigh at least 60")
    config.minimum_child_first_weight = 50
    config.save()
    assert_gate_passes(tender)


def test_gate_evidence_criterion(company):
    "A mandatory pass/fail criterion must require evidence"
    tender = make_tender()
    evidence = criterion(tender, "Evidence of collaboration with children")
    evidence.evidence_required = False
    evidence.save()
    assert_gate_refuses(tender, "mandatory pass/fail criterion")
    evidence.evidence_required = True
    evidence.save()
    assert_gate_passes(tender)


def test_gate_co_design(company):
    "The tender needs a complete record that children helped design it"
    Collaboration = Pool().get('commissioning.collaboration')
    tender = make_tender(collaborations=[])
    assert_gate_refuses(
        tender, "No record shows that children helped design")
    record, = Collaboration.create([complete_collaboration(
                origin=str(tender), voice=None, consent_confirmed=False)])
    assert not record.complete
    assert_gate_refuses(
        tender, "incomplete; it lacks: Voice, "
        "Consent and Safeguarding Confirmed")
    record.voice = "Children wrote their own criteria."
    record.consent_confirmed = True
    record.save()
    assert record.complete
    assert_gate_passes(tender)


def test_gate_kpi_templates(company):
    "Every Child First criterion needs a KPI template"
    KpiTemplate = Pool().get('commissioning.kpi.template')
    tender = make_tender()
    pro_social = criterion(tender, "Building pro-social identity")
    KpiTemplate.delete(list(pro_social.kpi_templates))
    assert_gate_refuses(
        tender, 'criterion "Building pro-social identity" has no KPI')
    KpiTemplate.create([{
                'criterion': pro_social.id,
                'name': "Children in education or training",
                'category': 'positive_outcome',
                'direction': 'higher',
                'target': Decimal(70),
                }])
    assert_gate_passes(tender)


def test_gate_language(company):
    "A blocking term stops the gate; a note does not"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender(
        description="Support for young offenders and service users.")
    assert_gate_refuses(
        tender, '"young offenders"', 'write "child who has offended" instead')
    assert "service users" in tender.language_notes
    tender.description = "Support for children; service users too."
    tender.save()
    tender = Tender(tender.id)
    assert 'consider "child"' in tender.language_notes
    assert_gate_passes(tender)


def test_gate_budget_dates(company):
    "Budget above 0 and the dates are required"
    tender = make_tender(budget=Decimal(0), contract_end=None)
    assert_gate_refuses(
        tender, "The budget must be more than 0", "Set the Contract End")
    tender.budget = Decimal(1000)
    tender.contract_end = tender.contract_start + dt.timedelta(30)
    tender.save()
    assert_gate_passes(tender)


# Bad input

@pytest.mark.parametrize('name, fragment', [
        ('budget', "cannot be negative"),
        ('submission_deadline', "deadline"),
        ('contract_end', "must be after its start"),
        ])
def test_bad_tender_input(company, name, fragment):
    "Negative budget and dates in the wrong order are refused"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    start = tender.contract_start
    value = {
        'budget': Decimal(-1),
        'submission_deadline': dt.datetime.combine(start, dt.time(12)),
        'contract_end': start,
        }[name]
    with pytest.raises(ValidationError) as info:
        Tender.write([tender], {name: value})
    assert fragment in info.value.message


def test_bad_criterion_input(company):
    "Weights outside 0..100 and weight on pass/fail are refused"
    tender = make_tender()
    price = criterion(tender, "Price")
    for weight in [Decimal(-5), Decimal(120)]:
        price.weight = weight
        with pytest.raises(ValidationError) as info:
            price.save()
        assert "between 0 and 100" in info.value.message
    evidence = criterion(tender, "Evidence of collaboration with children")
    evidence.weight = Decimal(10)
    with pytest.raises(ValidationError) as info:
        evidence.save()
    assert "pass/fail" in info.value.message


@pytest.mark.parametrize('values', [
        {'children_count': -1},
        {'date': dt.date.today() + dt.timedelta(days=1)},
        ])
def test_bad_collaboration_input(company, values):
    "A negative number of children or a future date is refused"
    Collaboration = Pool().get('commissioning.collaboration')
    tender = make_tender()
    with pytest.raises(ValidationError):
        Collaboration.create([complete_collaboration(
                    origin=str(tender), **values)])


def test_approved_tender_frozen(company, finance):
    "An approved tender's criteria, KPIs, evidence and fields are frozen"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Criterion = pool.get('commissioning.tender.criterion')
    KpiTemplate = pool.get('commissioning.kpi.template')
    Collaboration = pool.get('commissioning.collaboration')
    tender = approve(make_tender(), finance)
    assert tender.state == 'approved'
    price = criterion(tender, "Price")
    with pytest.raises(LockedError) as info:
        Criterion.write([price], {'weight': Decimal(40)})
    assert "frozen" in info.value.message
    with pytest.raises(LockedError):
        Criterion.delete([price])
    with pytest.raises(LockedError):
        Criterion.create([{
                    'tender': tender.id, 'name': "Extra",
                    'method': 'scored', 'weight': Decimal(0)}])
    kpi = criterion(tender, "Diverting from stigma").kpi_templates[0]
    with pytest.raises(LockedError):
        KpiTemplate.write([kpi], {'target': Decimal(1)})
    with pytest.raises(LockedError):
        Collaboration.write(
            list(tender.collaborations), {'children_count': 1})
    with pytest.raises(LockedError):
        Tender.write([tender], {'budget': Decimal(1)})
    with pytest.raises(LockedError):
        Tender.delete([tender])
    assert criterion(Tender(tender.id), "Price").weight == Decimal(30)


# Finance approval and sign-offs

def test_requester_cannot_approve(company):
    "The user who requested approval cannot approve or reject"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    officer = make_user(
        'officer', 'group_commissioning', 'group_commissioning_finance')
    with Transaction().set_user(officer.id):
        Tender.request_approval([tender])
        with pytest.raises(SegregationError) as info:
            Tender.approve([tender])
        assert "another finance approver" in info.value.message
        with pytest.raises(SegregationError):
            Tender.reject_with([tender], "Not good enough")
    tender = Tender(tender.id)
    assert tender.state == 'pending_approval'
    assert tender.signoffs == ()


def test_approval_signoff(officer, finance):
    "Finance approval is kept as an immutable sign-off with the checks"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Signoff = pool.get('commissioning.signoff')
    tender = make_tender()
    with Transaction().set_user(officer.id):
        Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    tender = Tender(tender.id)
    assert tender.state == 'approved'
    assert tender.approved_by == finance
    signoff, = tender.signoffs
    assert (signoff.gate, signoff.decision, signoff.user,
        signoff.requested_by) == (
        'tender_budget', 'approved', finance, officer)
    assert "✓ Children were involved" in signoff.checks
    with pytest.raises(SignoffError):
        Signoff.write([signoff], {'comment': "changed"})
    with pytest.raises(SignoffError):
        Signoff.delete([signoff])


def test_reject_needs_comment(company, finance):
    "Rejection needs a comment, records it and returns to draft"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        with pytest.raises(UserError) as info:
            Tender.reject_with([tender], "  ")
        assert "Say why" in info.value.message
        assert Tender(tender.id).state == 'pending_approval'
        Tender.reject_with([tender], "Budget too low for two years.")
    tender = Tender(tender.id)
    assert tender.state == 'draft'
    signoff, = tender.signoffs
    assert signoff.decision == 'rejected'
    assert signoff.comment == "Budget too low for two years."
    assert tender.requested_by is None


# Publish

def test_publish_deadline(company, finance):
    "A tender whose deadline has passed cannot be published"
    Tender = Pool().get('commissioning.tender')
    tender = approve(make_tender(), finance)
    # Time passes: the deadline goes by while waiting to publish
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.submission_deadline],
            [dt.datetime.now() - dt.timedelta(hours=1)],
            where=table.id == tender.id))
    tender = Tender(tender.id)
    with pytest.raises(PublishError) as info:
        Tender.publish([tender])
    assert "has passed" in info.value.message
    assert Tender(tender.id).state == 'approved'
    other = approve(make_tender(name="On time"), finance)
    Tender.publish([other])
    tender = Tender(other.id)
    assert tender.state == 'published'
    assert tender.published_at


# Performance

def test_weights_one_query(company):
    "The weights of any number of tenders are read in one query"
    Tender = Pool().get('commissioning.tender')
    tenders = [make_tender(name="Tender %s" % i) for i in range(12)]
    counts = []
    for size in [2, 12]:
        records = Tender.browse([t.id for t in tenders[:size]])
        with count_queries() as queries:
            values = Tender.get_weights(
                records, ['total_weight', 'child_first_weight'])
        counts.append(len(queries))
        assert set(values['total_weight'].values()) == {Decimal(100)}
        assert set(values['child_first_weight'].values()) == {Decimal(50)}
    assert counts == [1, 1]


# Access, as the user who would try

def test_access_by_role(officer, finance, evaluator, provider):
    "Who may press which button and read which tender"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Criterion = pool.get('commissioning.tender.criterion')
    with as_user(officer):
        draft = make_tender(name="Draft")
        tender = make_tender(name="Pending")
        Tender.request_approval([tender])
        with pytest.raises(AccessButtonError):
            Tender.approve([tender])
    with as_user(evaluator):
        with pytest.raises(AccessButtonError):
            Tender.approve([tender])
        with pytest.raises(AccessButtonError):
            Tender.publish([draft])
        with pytest.raises(AccessError):
            Tender.write([draft], {'name': "Renamed"})
    with as_user(provider):
        assert Tender.search([]) == []
        assert Criterion.search([]) == []
        with pytest.raises(AccessError):
            Tender.read([draft.id], ['name'])
    with as_user(finance):
        with pytest.raises(AccessError):
            Tender.write([draft], {'name': "Renamed"})
        Tender.approve([tender])
    with as_user(officer):
        Tender.publish([tender])
    with as_user(provider):
        assert Tender.search([]) == [tender]
        assert len(Criterion.search([])) == len(tender.criteria)
    assert Tender(draft.id).name == "Draft"


def test_times_to_the_second(published, officer):
    """Times are stored to the second, as the clients show and send them:
    a form showing a stored fraction of a second would read as modified"""
    Tender = Pool().get('commissioning.tender')
    deadline = (dt.datetime.now() + dt.timedelta(days=10)).replace(
        microsecond=123456)
    with as_user(officer):
        tender = make_tender(submission_deadline=deadline)
        assert Tender(tender.id).submission_deadline == deadline.replace(
            microsecond=0)
    published = Tender(published.id)
    assert published.published_at.microsecond == 0


def test_tabs_for_every_state(officer, finance, evaluator, provider):
    """The lists have a tab for each step of the lifecycle, with their
    counts, and every tab's search works for every role that opens it"""
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    ModelAccess = pool.get('ir.model.access')
    ModelData = pool.get('ir.model.data')
    tabs = {
        'act_tender_form': {
            "Draft", "Pending Approval", "Approved", "Published",
            "Evaluation", "Award", "Contracted", "All"},
        'act_bid_form': {
            "Draft", "Submitted", "Awarded", "Unsuccessful", "All"},
        'act_contract_form': {"Draft", "Active", "Ended", "All"},
        'act_monitoring_return_form': {
            "Draft", "Overdue", "Submitted", "Accepted", "All"},
        'act_contract_payment_form': {
            "Planned", "Requested", "Approved", "Paid", "All"},
        }
    for xml_id, names in tabs.items():
        action = ActWindow(ModelData.get_id(
                'childfirst_commissioning', xml_id))
        assert {d.name for d in action.act_window_domains} == names, xml_id
        Model = pool.get(action.res_model)
        for user in [officer, finance, evaluator, provider]:
            with as_user(user):
                if not ModelAccess.check(
                        Model.__name__, 'read', raise_exception=False):
                    continue
                for tab in action.act_window_domains:
                    Model.search_count(
                        PYSONDecoder({}).decode(tab.domain or '[]'))
