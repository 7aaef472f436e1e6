# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import unittest
from contextlib import nullcontext
from io import BytesIO

from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.exceptions import (
    EvaluationIncompleteError)
from trytond.modules.childfirst_commissioning.tests import (
    test_evaluation as evaluation)
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, count_queries, make_user)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)

CF = evaluation.CF
DELIVERY = evaluation.DELIVERY
EVIDENCE = evaluation.EVIDENCE


class WorkedExampleMixin:
    """The worked example of the evaluation tests: a tender with the bids
    of Providers A, B and C, scored and moderated.

    Only the fixtures: subclassing EvaluationTestCase, or naming it here,
    would run its tests a second time."""
    setup_closed = evaluation.EvaluationTestCase.setup_closed
    add_evaluators = evaluation.EvaluationTestCase.add_evaluators
    declare = evaluation.EvaluationTestCase.declare
    assess = evaluation.EvaluationTestCase.assess
    response = evaluation.EvaluationTestCase.response
    score = evaluation.EvaluationTestCase.score
    start = evaluation.EvaluationTestCase.start
    score_all = evaluation.EvaluationTestCase.score_all
    moderated = evaluation.EvaluationTestCase.moderated


def pdf_text(content):
    "Return the text of the PDF content, its white space collapsed"
    reader = PdfReader(BytesIO(content))
    return " ".join(
        " ".join(page.extract_text() or '' for page in reader.pages).split())


class ReportTestCase(WorkedExampleMixin, unittest.TestCase):
    "Test the evaluation report and the assessment summary"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('childfirst_commissioning')

    def print_(self, xml_id, records, user=None):
        """Print the report of records as the client does, as user with
        access checks on; return its type, content, direct print and name"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ActionReport = pool.get('ir.action.report')
        action = ActionReport(
            ModelData.get_id('childfirst_commissioning', xml_id))
        Report = pool.get(action.report_name, type='report')
        ids = [r.id for r in records]
        with as_user(user) if user else nullcontext():
            return Report.execute(ids, {
                    'model': action.model,
                    'id': ids[0],
                    'ids': ids,
                    'action_id': action.id,
                    })

    def print_text(self, xml_id, records, user=None):
        oext, content, direct_print, name = self.print_(
            xml_id, records, user)
        self.assertEqual(oext, 'pdf')
        self.assertTrue(content.startswith(b'%PDF'))
        self.assertFalse(direct_print)
        return pdf_text(content), name

    @with_transaction()
    def test_evaluation_report(self):
        "The evaluation report shows criteria, scores, moderation, ranking"
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            text, name = self.print_text(
                'report_tender_evaluation', [tender], officer)
        self.assertEqual(
            name, "Tender Evaluation Report-%s" % tender.rec_name)
        self.assertIn("Tender Evaluation Report", text)
        self.assertIn(tender.name, text)
        self.assertIn("Moderated", text)
        self.assertIn("250,000.00", text)
        for criterion in CF + [DELIVERY, EVIDENCE, "Price"]:
            self.assertIn(criterion, text)
        for provider in ["Provider A", "Provider B", "Provider C"]:
            self.assertIn(provider, text)
        self.assertIn("86.00", text)
        self.assertIn("91.00", text)
        self.assertIn("Agreed at moderation.", text)
        self.assertIn('Did not pass "%s".' % EVIDENCE, text)
        # The ranking: B first, then A; C is not ranked
        ranking = text[text.index("Ranking"):text.index("Sign-offs")]
        self.assertIn("1 Provider B 91.00 47.00 24.00", ranking)
        self.assertIn("2 Provider A 86.00 40.00 30.00", ranking)
        self.assertNotIn("Provider C", ranking)
        # The sign-off of the budget approval
        signoffs = text[text.index("Sign-offs"):]
        self.assertIn("Tender Budget", signoffs)
        self.assertIn("Approved", signoffs)
        self.assertIn("Finance", signoffs)

    @with_transaction()
    def test_evaluation_report_queries(self):
        "The report reads the bids, responses and scores in batches"
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            with count_queries() as queries:
                self.print_('report_tender_evaluation', [tender], officer)
        queries = list(map(str, queries))

        def on(table):
            return len([q for q in queries if 'FROM "%s" AS' % table in q])
        # Not a query per bid: the responses of every bid are searched and
        # read together, then each lazily loaded moderation field once for
        # all (four queries; reading bid by bid would take four per bid),
        # and the scores of every response aggregated in one query
        self.assertLessEqual(on('commissioning_bid_response'), 4)
        self.assertEqual(on('commissioning_score'), 1)

    @with_transaction()
    def test_assessment_summary(self):
        "A provider's summary shows its scores beside the winning bid's"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            provider_a, = User.search([('login', '=', 'providera')])
            finance, = User.search([('login', '=', 'finance')])
            # Before the award, officers compare with the top-ranked bid
            text, name = self.print_text(
                'report_bid_assessment_summary', [bids['A']], officer)
            self.assertIn("This bid Provider A", text)
            self.assertIn("Top-ranked bid Provider B", text)
            # The bidder learns how it compares once the award is decided
            with as_user(officer):
                Tender.recommend_award([tender])
            with self.assertRaises(EvaluationIncompleteError) as cm:
                self.print_(
                    'report_bid_assessment_summary', [bids['A']], provider_a)
            self.assertIn("once the tender is awarded", cm.exception.message)
            with as_user(finance):
                Tender.approve_award([Tender(tender.id)])
            text, name = self.print_text(
                'report_bid_assessment_summary', [bids['A']], provider_a)
        self.assertEqual(
            name, "Assessment Summary-%s" % bids['A'].rec_name)
        self.assertIn("Procurement Act 2023", text)
        self.assertIn("Winning bid Provider B", text)
        # Criterion by criterion: score and weighted score of A, then B
        self.assertIn("%s Scored 15.00 4.00 12.00 4.00 12.00" % CF[0], text)
        self.assertIn("%s Scored 15.00 4.00 12.00 5.00 15.00" % CF[1], text)
        self.assertIn("%s Scored 20.00 4.00 16.00 5.00 20.00" % DELIVERY,
            text)
        self.assertIn("Price Price 30.00 — 30.00 — 24.00", text)
        self.assertIn("Total 100.00 — 86.00 — 91.00", text)
        self.assertIn("Child First score 40.00 47.00", text)
        self.assertIn("Rank 2 1", text)
        # Nothing of the other bidders
        self.assertNotIn("Provider C", text)

    @with_transaction()
    def test_assessment_summary_excluded(self):
        "The summary of an ineligible bid gives the reason"
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            text, name = self.print_text(
                'report_bid_assessment_summary', [bids['C']], officer)
        self.assertIn("Eligible No", text)
        self.assertIn('Did not pass "%s".' % EVIDENCE, text)
        self.assertIn("Fail", text)
        self.assertIn("Top-ranked bid Provider B", text)

    @with_transaction()
    def test_refused_before_evaluation_complete(self):
        "Both reports wait for the evaluation to complete"
        company = create_company()
        with set_company(company):
            tender, officer, bids, criteria, evaluators, users = (
                self.start())
            with self.assertRaises(EvaluationIncompleteError) as cm:
                self.print_('report_tender_evaluation', [tender], officer)
            self.assertIn("is available once the evaluation of tender "
                '"%s" is complete' % tender.rec_name, cm.exception.message)
            self.assertIn('"Evaluation"', cm.exception.message)
            with self.assertRaises(EvaluationIncompleteError):
                self.print_(
                    'report_bid_assessment_summary', [bids['A']], officer)

    @with_transaction()
    def test_provider_prints_own_summary_only(self):
        "A provider prints the summary of its own bid, not another's"
        pool = Pool()
        User = pool.get('res.user')
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            provider_a, = User.search([('login', '=', 'providera')])
            finance, = User.search([('login', '=', 'finance')])
            with as_user(officer):
                Tender.recommend_award([tender])
            with as_user(finance):
                Tender.approve_award([Tender(tender.id)])
            # The record rules refuse the bid of another provider
            with self.assertRaises(AccessError) as cm:
                self.print_(
                    'report_bid_assessment_summary', [bids['B']], provider_a)
            self.assertNotIn("execute report", cm.exception.message)
            with self.assertRaises(AccessError):
                self.print_(
                    'report_bid_assessment_summary',
                    [bids['A'], bids['B']], provider_a)
            with self.assertRaises(AccessError):
                self.print_(
                    'report_tender_evaluation', [tender], provider_a)
            text, _ = self.print_text(
                'report_bid_assessment_summary', [bids['A']], provider_a)
        self.assertIn("This bid Provider A", text)

    @with_transaction()
    def test_evaluator_cannot_print_evaluation(self):
        "Evaluators cannot print the evaluation report"
        User = Pool().get('res.user')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.moderated()
            specialist, = User.search([('login', '=', 'specialist')])
            with self.assertRaises(AccessError) as cm:
                self.print_(
                    'report_tender_evaluation', [tender], specialist)
            self.assertIn(
                "not allowed to execute report", cm.exception.message)
            with self.assertRaises(AccessError):
                self.print_(
                    'report_bid_assessment_summary', [bids['A']],
                    specialist)
            finance = make_user('finance2', 'group_commissioning_finance')
            self.print_text('report_tender_evaluation', [tender], finance)

    @with_transaction()
    def test_print_menu(self):
        "The reports are in the Print menu of the groups that may print"
        pool = Pool()
        Keyword = pool.get('ir.action.keyword')
        company = create_company()

        def printable(user, model):
            with as_user(user):
                return {a['report_name'] for a in Keyword.get_keyword(
                        'form_print', (model, -1))}
        with set_company(company):
            officer = make_user('officer', 'group_commissioning')
            evaluator = make_user(
                'evaluator', 'group_commissioning_evaluator')
            provider = make_user('provider', 'group_commissioning_provider')
            self.assertIn('commissioning.tender.evaluation_report',
                printable(officer, 'commissioning.tender'))
            self.assertIn('commissioning.bid.assessment_summary',
                printable(officer, 'commissioning.bid'))
            self.assertNotIn('commissioning.tender.evaluation_report',
                printable(evaluator, 'commissioning.tender'))
            self.assertNotIn('commissioning.tender.evaluation_report',
                printable(provider, 'commissioning.tender'))
            self.assertIn('commissioning.bid.assessment_summary',
                printable(provider, 'commissioning.bid'))
