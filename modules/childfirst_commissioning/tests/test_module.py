# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.exceptions import (
    LockedError, PublishError, SegregationError, SignoffError,
    TenderDesignError)
from trytond.modules.childfirst_commissioning.language import term_pattern
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, complete_collaboration, count_queries, make_tender, make_user)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class ChildFirstCommissioningTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Child First commissioning module"
    module = 'childfirst_commissioning'

    def make_tender(self, **values):
        return make_tender(**values)

    def criterion(self, tender, name):
        for criterion in tender.criteria:
            if criterion.name == name:
                return criterion
        raise KeyError(name)

    def assertGateRefuses(self, tender, *fragments):
        "Assert the design gate refuses the tender naming every fragment"
        Tender = Pool().get('commissioning.tender')
        with self.assertRaises(TenderDesignError) as cm:
            Tender.request_approval([tender])
        for fragment in fragments:
            self.assertIn(fragment, cm.exception.message)
        self.assertEqual(Tender(tender.id).state, 'draft')
        return cm.exception.message

    def assertGatePasses(self, tender):
        Tender = Pool().get('commissioning.tender')
        Tender.request_approval([tender])
        self.assertEqual(Tender(tender.id).state, 'pending_approval')

    # Configuration and library

    @with_transaction()
    def test_configuration_defaults(self):
        "The configuration has the defaults of the design"
        Configuration = Pool().get('commissioning.configuration')
        config = Configuration(1)
        self.assertEqual(
            (config.minimum_child_first_weight, config.score_max,
                config.moderation_spread, config.child_first_threshold,
                config.standstill_days, config.require_children_panel,
                config.default_tolerance),
            (30, 5, 2, 50, 8, True, 10))

    @with_transaction()
    def test_configuration_range(self):
        "A setting out of its range is refused"
        Configuration = Pool().get('commissioning.configuration')
        config = Configuration(1)
        config.minimum_child_first_weight = 120
        with self.assertRaises(ValidationError) as cm:
            config.save()
        self.assertIn("between 0 and 100", cm.exception.message)

    @with_transaction()
    def test_library_passes_gate(self):
        "The criteria library alone designs a tender that passes the gate"
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            self.assertEqual(len(tender.criteria), 7)
            self.assertEqual(tender.total_weight, Decimal(100))
            self.assertEqual(tender.child_first_weight, Decimal(50))
            self.assertTrue(tender.design_ready)
            self.assertNotIn("✗", tender.design_checklist)
            self.assertGatePasses(tender)

    @with_transaction()
    def test_load_criteria_twice(self):
        "Loading the library twice does not duplicate criteria"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            Tender.load_child_first_criteria([tender])
            self.assertEqual(len(Tender(tender.id).criteria), 7)
            kpis = self.criterion(
                tender, "Diverting from stigma").kpi_templates
            self.assertEqual(len(kpis), 2)
            self.assertEqual(kpis[0].tenet, 'diversion')

    # The tender design gate, check by check

    @with_transaction()
    def test_gate_lists_every_failure(self):
        "An empty tender is refused with every check at once"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, = Tender.create([{
                        'name': "Empty", 'budget': Decimal(0)}])
            message = self.assertGateRefuses(
                tender, "add up to 0, not 100",
                "Treating children as children", "Diverting from stigma",
                "weigh 0 in all", "mandatory pass/fail",
                "No record shows that children helped design",
                "The budget must be more than 0",
                "Set the Submission Deadline")
            self.assertFalse(tender.design_ready)
            self.assertEqual(tender.design_checklist.count("✗"), 6)
            self.assertTrue(message.startswith('Tender "Empty"'))

    @with_transaction()
    def test_gate_weights(self):
        "Weights of scored and price criteria must add up to exactly 100"
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            price = self.criterion(tender, "Price")
            price.weight = Decimal('20')
            price.save()
            self.assertGateRefuses(tender, "add up to 90, not 100")
            price.weight = Decimal('30')
            price.save()
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_tenets(self):
        "Each tenet needs a scored criterion"
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            diversion = self.criterion(tender, "Diverting from stigma")
            diversion.tenet = None
            diversion.save()
            self.assertGateRefuses(tender, '"Diverting from stigma"')
            diversion.tenet = 'diversion'
            diversion.save()
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_child_first_weight(self):
        "The Child First criteria must weigh at least the minimum"
        Configuration = Pool().get('commissioning.configuration')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            config = Configuration(1)
            config.minimum_child_first_weight = 60
            config.save()
            self.assertGateRefuses(
                tender, "weigh 50 in all; they must weigh at least 60")
            config.minimum_child_first_weight = 50
            config.save()
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_evidence_criterion(self):
        "A mandatory pass/fail criterion must require evidence"
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            evidence = self.criterion(
                tender, "Evidence of collaboration with children")
            evidence.evidence_required = False
            evidence.save()
            self.assertGateRefuses(tender, "mandatory pass/fail criterion")
            evidence.evidence_required = True
            evidence.save()
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_co_design(self):
        "The tender needs a complete record that children helped design it"
        pool = Pool()
        Collaboration = pool.get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            tender = self.make_tender(collaborations=[])
            self.assertGateRefuses(
                tender, "No record shows that children helped design")
            record, = Collaboration.create([complete_collaboration(
                        origin=str(tender), voice=None,
                        consent_confirmed=False)])
            self.assertFalse(record.complete)
            self.assertGateRefuses(
                tender, "incomplete; it lacks: Voice, "
                "Consent and Safeguarding Confirmed")
            record.voice = "Children wrote their own criteria."
            record.consent_confirmed = True
            record.save()
            self.assertTrue(record.complete)
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_kpi_templates(self):
        "Every Child First criterion needs a KPI template"
        pool = Pool()
        KpiTemplate = pool.get('commissioning.kpi.template')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            pro_social = self.criterion(tender, "Building pro-social identity")
            KpiTemplate.delete(list(pro_social.kpi_templates))
            self.assertGateRefuses(
                tender, 'criterion "Building pro-social identity" has no KPI')
            KpiTemplate.create([{
                        'criterion': pro_social.id,
                        'name': "Children in education or training",
                        'category': 'positive_outcome',
                        'direction': 'higher',
                        'target': Decimal(70),
                        }])
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_language(self):
        "A blocking term stops the gate; a note does not"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender = self.make_tender(
                description="Support for young offenders and service users.")
            self.assertGateRefuses(
                tender, '"young offenders"',
                'write "child who has offended" instead')
            self.assertIn("service users", tender.language_notes)
            tender.description = "Support for children; service users too."
            tender.save()
            tender = Tender(tender.id)
            self.assertIn('consider "child"', tender.language_notes)
            self.assertGatePasses(tender)

    @with_transaction()
    def test_gate_budget_dates(self):
        "Budget above 0 and the dates are required"
        company = create_company()
        with set_company(company):
            tender = self.make_tender(budget=Decimal(0), contract_end=None)
            self.assertGateRefuses(
                tender, "The budget must be more than 0",
                "Set the Contract End")
            tender.budget = Decimal(1000)
            tender.contract_end = tender.contract_start + dt.timedelta(30)
            tender.save()
            self.assertGatePasses(tender)

    # Bad input

    @with_transaction()
    def test_bad_tender_input(self):
        "Negative budget and dates in the wrong order are refused"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            start = self.make_tender().contract_start
            for values, fragment in [
                    ({'budget': Decimal(-1)}, "cannot be negative"),
                    ({'submission_deadline': dt.datetime.combine(
                                start, dt.time(12))},
                        "deadline"),
                    ({'contract_end': start}, "must be after its start"),
                    ]:
                with self.subTest(values=values):
                    tender = self.make_tender()
                    with self.assertRaises(ValidationError) as cm:
                        Tender.write([tender], values)
                    self.assertIn(fragment, cm.exception.message)

    @with_transaction()
    def test_bad_criterion_input(self):
        "Weights outside 0..100 and weight on pass/fail are refused"
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            price = self.criterion(tender, "Price")
            for weight in [Decimal(-5), Decimal(120)]:
                price.weight = weight
                with self.assertRaises(ValidationError) as cm:
                    price.save()
                self.assertIn("between 0 and 100", cm.exception.message)
            evidence = self.criterion(
                tender, "Evidence of collaboration with children")
            evidence.weight = Decimal(10)
            with self.assertRaises(ValidationError) as cm:
                evidence.save()
            self.assertIn("pass/fail", cm.exception.message)

    @with_transaction()
    def test_bad_collaboration_input(self):
        "A negative number of children or a future date is refused"
        Collaboration = Pool().get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            for values in [
                    {'children_count': -1},
                    {'date': dt.date.today() + dt.timedelta(days=1)}]:
                with self.assertRaises(ValidationError):
                    Collaboration.create([complete_collaboration(
                                origin=str(tender), **values)])

    @with_transaction()
    def test_approved_tender_frozen(self):
        "An approved tender's criteria, KPIs, evidence and fields are frozen"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Criterion = pool.get('commissioning.tender.criterion')
        KpiTemplate = pool.get('commissioning.kpi.template')
        Collaboration = pool.get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            finance = make_user('finance', 'group_commissioning_finance')
            Tender.request_approval([tender])
            with Transaction().set_user(finance.id):
                Tender.approve([tender])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'approved')
            price = self.criterion(tender, "Price")
            with self.assertRaises(LockedError) as cm:
                Criterion.write([price], {'weight': Decimal(40)})
            self.assertIn("frozen", cm.exception.message)
            with self.assertRaises(LockedError):
                Criterion.delete([price])
            with self.assertRaises(LockedError):
                Criterion.create([{
                            'tender': tender.id, 'name': "Extra",
                            'method': 'scored', 'weight': Decimal(0)}])
            kpi = self.criterion(tender, "Diverting from stigma"
                ).kpi_templates[0]
            with self.assertRaises(LockedError):
                KpiTemplate.write([kpi], {'target': Decimal(1)})
            with self.assertRaises(LockedError):
                Collaboration.write(
                    list(tender.collaborations), {'children_count': 1})
            with self.assertRaises(LockedError):
                Tender.write([tender], {'budget': Decimal(1)})
            with self.assertRaises(LockedError):
                Tender.delete([tender])
            self.assertEqual(
                self.criterion(Tender(tender.id), "Price").weight,
                Decimal(30))

    # Finance approval and sign-offs

    @with_transaction()
    def test_requester_cannot_approve(self):
        "The user who requested approval cannot approve or reject"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            officer = make_user(
                'officer', 'group_commissioning',
                'group_commissioning_finance')
            with Transaction().set_user(officer.id):
                Tender.request_approval([tender])
                with self.assertRaises(SegregationError) as cm:
                    Tender.approve([tender])
                self.assertIn("another finance approver", cm.exception.message)
                with self.assertRaises(SegregationError):
                    Tender.reject_with([tender], "Not good enough")
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'pending_approval')
            self.assertEqual(tender.signoffs, ())

    @with_transaction()
    def test_approval_signoff(self):
        "Finance approval is kept as an immutable sign-off with the checks"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Signoff = pool.get('commissioning.signoff')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            officer = make_user('officer', 'group_commissioning')
            finance = make_user('finance', 'group_commissioning_finance')
            with Transaction().set_user(officer.id):
                Tender.request_approval([tender])
            with Transaction().set_user(finance.id):
                Tender.approve([tender])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'approved')
            self.assertEqual(tender.approved_by, finance)
            signoff, = tender.signoffs
            self.assertEqual(
                (signoff.gate, signoff.decision, signoff.user,
                    signoff.requested_by),
                ('tender_budget', 'approved', finance, officer))
            self.assertIn("✓ Children were involved", signoff.checks)
            with self.assertRaises(SignoffError):
                Signoff.write([signoff], {'comment': "changed"})
            with self.assertRaises(SignoffError):
                Signoff.delete([signoff])

    @with_transaction()
    def test_reject_needs_comment(self):
        "Rejection needs a comment, records it and returns to draft"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            finance = make_user('finance', 'group_commissioning_finance')
            Tender.request_approval([tender])
            with Transaction().set_user(finance.id):
                with self.assertRaises(UserError) as cm:
                    Tender.reject_with([tender], "  ")
                self.assertIn("Say why", cm.exception.message)
                self.assertEqual(
                    Tender(tender.id).state, 'pending_approval')
                Tender.reject_with([tender], "Budget too low for two years.")
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'draft')
            signoff, = tender.signoffs
            self.assertEqual(signoff.decision, 'rejected')
            self.assertEqual(signoff.comment, "Budget too low for two years.")
            self.assertIsNone(tender.requested_by)

    # Publish

    @with_transaction()
    def test_publish_deadline(self):
        "A tender whose deadline has passed cannot be published"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender = self.make_tender()
            finance = make_user('finance', 'group_commissioning_finance')
            Tender.request_approval([tender])
            with Transaction().set_user(finance.id):
                Tender.approve([tender])
            # Time passes: the deadline goes by while waiting to publish
            table = Tender.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.submission_deadline],
                    [dt.datetime.now() - dt.timedelta(hours=1)],
                    where=table.id == tender.id))
            tender = Tender(tender.id)
            with self.assertRaises(PublishError) as cm:
                Tender.publish([tender])
            self.assertIn("has passed", cm.exception.message)
            self.assertEqual(Tender(tender.id).state, 'approved')
            other = self.make_tender(name="On time")
            Tender.request_approval([other])
            with Transaction().set_user(finance.id):
                Tender.approve([other])
            Tender.publish([other])
            tender = Tender(other.id)
            self.assertEqual(tender.state, 'published')
            self.assertTrue(tender.published_at)

    # Performance

    @with_transaction()
    def test_weights_one_query(self):
        "The weights of any number of tenders are read in one query"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tenders = [self.make_tender(name="Tender %s" % i)
                for i in range(12)]
            counts = []
            for size in [2, 12]:
                records = Tender.browse([t.id for t in tenders[:size]])
                with count_queries() as queries:
                    values = Tender.get_weights(
                        records, ['total_weight', 'child_first_weight'])
                counts.append(len(queries))
                self.assertEqual(
                    set(values['total_weight'].values()), {Decimal(100)})
                self.assertEqual(
                    set(values['child_first_weight'].values()),
                    {Decimal(50)})
            self.assertEqual(counts, [1, 1])

    # Access, as the user who would try

    @with_transaction()
    def test_access_by_role(self):
        "Who may press which button and read which tender"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Criterion = pool.get('commissioning.tender.criterion')
        company = create_company()
        with set_company(company):
            officer = make_user('officer', 'group_commissioning')
            finance = make_user('finance', 'group_commissioning_finance')
            evaluator = make_user(
                'evaluator', 'group_commissioning_evaluator')
            provider = make_user('provider', 'group_commissioning_provider')
            with as_user(officer):
                draft = self.make_tender(name="Draft")
                tender = self.make_tender(name="Pending")
                Tender.request_approval([tender])
                with self.assertRaises(AccessButtonError):
                    Tender.approve([tender])
            with as_user(evaluator):
                with self.assertRaises(AccessButtonError):
                    Tender.approve([tender])
                with self.assertRaises(AccessButtonError):
                    Tender.publish([draft])
                with self.assertRaises(AccessError):
                    Tender.write([draft], {'name': "Renamed"})
            with as_user(provider):
                self.assertEqual(Tender.search([]), [])
                self.assertEqual(Criterion.search([]), [])
                with self.assertRaises(AccessError):
                    Tender.read([draft.id], ['name'])
            with as_user(finance):
                with self.assertRaises(AccessError):
                    Tender.write([draft], {'name': "Renamed"})
                Tender.approve([tender])
            with as_user(officer):
                Tender.publish([tender])
            with as_user(provider):
                self.assertEqual(Tender.search([]), [tender])
                self.assertEqual(
                    len(Criterion.search([])), len(tender.criteria))
            self.assertEqual(Tender(draft.id).name, "Draft")

    # Child First language

    @with_transaction()
    def test_language_find(self):
        "Terms are found as whole words, in any case, singular or plural"
        Term = Pool().get('commissioning.language.term')
        findings = Term.find(
            "Young Offenders and a juvenile met GANG-MEMBERS; "
            "juvenileness and thuggery are not terms.")
        self.assertEqual(
            [(f['found'], f['suggestion'], f['blocking']) for f in findings],
            [("Young Offenders", "child who has offended", True),
                ("juvenile", "child", True),
                ("GANG-MEMBERS", "child at risk of exploitation", True)])
        self.assertEqual(Term.find(None), [])
        self.assertEqual(Term.find("Children and families"), [])

    @with_transaction()
    def test_language_terms_editable(self):
        "Administrators may add terms; the check uses them at once"
        Term = Pool().get('commissioning.language.term')
        self.assertEqual(Term.find("a hoodie"), [])
        Term.create([{'term': "hoodie", 'suggestion': "child"}])
        finding, = Term.find("Two hoodies")
        self.assertEqual(finding['found'], "hoodies")
        with self.assertRaises(UserError):
            Term.create([{'term': "hoodie", 'suggestion': "child"}])

    def test_term_pattern(self):
        "Plurals of words ending in y and multi-word terms"
        import re
        pattern = re.compile(term_pattern("risky party"), re.IGNORECASE)
        self.assertTrue(pattern.search("two risky parties"))
        self.assertTrue(pattern.search("a Risky-Party"))
        self.assertFalse(pattern.search("riskyparty"))


del ModuleTestCase
