# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The reports: the evaluation report and the assessment summary of the
worked example, and the performance report of a contract"""
import os
from io import BytesIO

import pytest
from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, DELIVERY, EVIDENCE, EvaluationIncompleteError, LockedError, as_user,
    blank_pages, count_queries, make_provider, make_user, pdf_text,
    print_report, response_of, split_words)
from trytond.pool import Pool


def print_text(xml_id, records, user=None):
    "Print the report as user; return its text and its name"
    oext, content, direct_print, name = print_report(xml_id, records, user)
    assert oext == 'pdf'
    assert content.startswith(b'%PDF')
    assert not direct_print
    return pdf_text(content), name


def find_user(login):
    User = Pool().get('res.user')
    user, = User.search([('login', '=', login)])
    return user


def test_evaluation_report(moderated):
    "The evaluation report shows criteria, scores, moderation, ranking"
    tender = moderated.tender
    text, name = print_text(
        'report_tender_evaluation', [tender], moderated.officer)
    assert name == "Tender Evaluation Report-%s" % tender.rec_name
    assert "Tender Evaluation Report" in text
    assert tender.name in text
    assert "Moderated" in text
    assert "250,000.00" in text
    for criterion in CF + [DELIVERY, EVIDENCE, "Price"]:
        assert criterion in text
    for provider in ["Provider A", "Provider B", "Provider C"]:
        assert provider in text
    assert "86.00" in text
    assert "91.00" in text
    assert "Agreed at moderation." in text
    assert 'Did not pass "%s".' % EVIDENCE in text
    # The ranking: B first, then A; C is not ranked
    ranking = text[text.index("Ranking"):text.index("Sign-offs")]
    assert "1 Provider B 91.00 47.00 24.00" in ranking
    assert "2 Provider A 86.00 40.00 30.00" in ranking
    assert "Provider C" not in ranking
    # The audit record: key dates, the evaluators with their roles and
    # conflicts, and every score with its justification
    assert tender.published_at.strftime('%m/%d/%Y') in text
    evaluators = text[text.index("Evaluators and conflicts of interest"):
        text.index("Scores by evaluator")]
    for login, role in [('specialist', "Specialist"),
            ('panel', "Children's Panel"), ('financelead', "Officer")]:
        assert moderated.users[login.replace('financelead', 'finance_lead')
            ].rec_name in evaluators
        assert role in evaluators
    assert "Declared with Provider C: did not score them." in evaluators
    assert "Trustee of Provider C." in evaluators
    assert "None declared" in evaluators
    scores = text[text.index("Scores by evaluator"):text.index("Moderation")]
    assert scores.count("Scored 4 because ...") >= 3
    assert "Scored 3 because ..." in scores
    # The sign-off of the budget approval
    signoffs = text[text.index("Sign-offs"):]
    assert "Tender Budget" in signoffs
    assert "Approved" in signoffs
    assert "Finance" in signoffs


def test_evaluation_report_audit(awarded):
    """The evaluation report records who did each step and when: the
    evaluation started and completed, the pass/fail assessments, the
    moderation, the recommendation with its reason and finance's decision"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Response = pool.get('commissioning.bid.response')
    tender = Tender(awarded.tender.id)
    officer = awarded.officer.rec_name
    text, _ = print_text(
        'report_tender_evaluation', [tender], awarded.officer)

    def day(value):
        return value.strftime('%m/%d/%Y')
    assert tender.evaluation_started_by == awarded.officer
    assert "Evaluation started %s, %s" % (
        officer, day(tender.evaluation_started_at)) in text
    assert "Evaluation completed %s, %s" % (
        officer, day(tender.evaluation_completed_at)) in text
    assert "Award recommended %s, %s" % (
        officer, day(tender.award_requested_at)) in text
    # Every pass/fail answer with its result and who assessed it
    assessments = text[text.index("Pass/fail assessments"):
        text.index("Scores by bid and criterion")]
    evidence = response_of(awarded.bids['C'], awarded.criteria[EVIDENCE])
    evidence = Response(evidence.id)
    assert evidence.assessed_by == awarded.officer
    for provider, result in [("Provider A", "Passed"),
            ("Provider B", "Passed"), ("Provider C", "Failed")]:
        assert "%s %s %s %s, %s" % (EVIDENCE, provider, result, officer,
            day(evidence.assessed_at)) in assessments
    # The moderation with who recorded it
    start = text.index("Moderation Bid Criterion")
    moderation = text[start:text.index("Bids ", start)]
    assert "Moderated by" in moderation
    assert "%s, " % officer in moderation
    assert "Agreed at moderation." in moderation
    # The recommendation, its author and reason, and finance's decision
    recommendation = text[text.index("Award recommendation and decision"):
        text.index("Sign-offs")]
    assert "Recommended bid Provider B (rank 1)" in recommendation
    assert "Recommended by %s" % officer in recommendation
    assert "Reason The top-ranked eligible bid." in recommendation
    assert "Finance decision Approved by %s on %s" % (
        find_user('finance2').rec_name, day(tender.award_date)
        ) in recommendation


def test_moderator_closed_to_evaluators(moderated):
    """Evaluators and bidders read neither who moderated nor when, not even
    through a dotted name; officers do"""
    Response = Pool().get('commissioning.bid.response')
    response = response_of(moderated.bids['B'], moderated.criteria[CF[0]])
    specialist = moderated.users['specialist']
    for names in [['moderated_by'], ['moderated_by.rec_name'],
            ['moderated_by.login'], ['moderated_at']]:
        with as_user(specialist), pytest.raises(AccessError):
            Response.read([response.id], names)
    with as_user(moderated.officer):
        values, = Response.read([response.id], ['moderated_by.rec_name'])
    assert values['moderated_by.']['rec_name'] == moderated.officer.rec_name


def test_recommendation_reason_other_bid(moderated):
    "A bid other than the top-ranked one is recommended with its reason"
    Tender = Pool().get('commissioning.tender')
    tender = moderated.tender
    with as_user(moderated.officer):
        Tender.write([tender], {
                'winning_bid': moderated.bids['A'].id,
                'award_reason': "Provider A's plan for the panel.",
                })
        Tender.recommend_award([tender])
    text, _ = print_text(
        'report_tender_evaluation', [tender], moderated.officer)
    recommendation = text[text.index("Award recommendation and decision"):
        text.index("Sign-offs")]
    assert "Recommended bid Provider A (rank 2)" in recommendation
    assert "Reason Provider A's plan for the panel." in recommendation
    assert "Finance decision" not in recommendation


def test_reports_layout(awarded):
    """The evaluation report and the assessment summaries split no word
    across lines and have no blank page"""
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    tender = awarded.tender
    _, content, _, _ = print_report(
        'report_tender_evaluation', [tender], awarded.officer)
    assert not split_words(content)
    assert not blank_pages(content)
    for bid in Bid.browse([b.id for b in awarded.bids.values()]):
        _, content, _, _ = print_report(
            'report_bid_assessment_summary', [bid], awarded.officer)
        assert not split_words(content)
        assert not blank_pages(content)


def test_performance_narrative(active_contract, officer, provider):
    """The officer writes the narrative while the contract is active; the
    provider cannot, and nobody once it has ended"""
    Contract = Pool().get('commissioning.contract')
    contract = active_contract
    with as_user(provider):
        with pytest.raises(AccessError):
            Contract.write([contract], {'performance_narrative': "Mine."})
    with as_user(officer):
        Contract.write([contract], {'performance_narrative': "On track."})
    assert Contract(contract.id).performance_narrative == "On track."
    Contract.write([contract], {'state': 'closed'})
    with as_user(officer):
        with pytest.raises(LockedError):
            Contract.write([contract], {'performance_narrative': "Late."})
    assert Contract(contract.id).performance_narrative == "On track."


def test_evaluation_report_queries(moderated):
    "The report reads the bids, responses and scores in batches"
    with count_queries() as queries:
        print_report(
            'report_tender_evaluation', [moderated.tender],
            moderated.officer)
    queries = list(map(str, queries))

    def on(table):
        return len([q for q in queries if 'FROM "%s" AS' % table in q])
    # Not a query per bid: the responses of every bid are searched and read
    # together, then each lazily loaded moderation field (score, rationale,
    # who and when) once for all (reading bid by bid would take six per
    # bid), and the scores of every response aggregated in one query
    assert on('commissioning_bid_response') <= 7
    # and the scores by evaluator searched and read once
    assert on('commissioning_score') <= 3


def test_assessment_summary(moderated):
    "A provider's summary shows its scores beside the winning bid's"
    Tender = Pool().get('commissioning.tender')
    tender, officer, bids = (
        moderated.tender, moderated.officer, moderated.bids)
    provider_a, finance = find_user('providera'), find_user('finance')
    # Before the award, officers compare with the top-ranked bid
    text, name = print_text(
        'report_bid_assessment_summary', [bids['A']], officer)
    assert "This bid Provider A" in text
    assert "Top-ranked bid Provider B" in text
    # The bidder learns how it compares once the award is decided
    with as_user(officer):
        Tender.recommend_award([tender])
    with pytest.raises(EvaluationIncompleteError) as info:
        print_report('report_bid_assessment_summary', [bids['A']], provider_a)
    assert "once the tender is awarded" in info.value.message
    with as_user(finance):
        Tender.approve_award([Tender(tender.id)])
    text, name = print_text(
        'report_bid_assessment_summary', [bids['A']], provider_a)
    assert name == "Assessment Summary-%s" % bids['A'].rec_name
    assert "Procurement Act 2023" in text
    assert "Winning bid Provider B" in text
    # Criterion by criterion: score and weighted score of A, then B
    assert "%s Scored 15.00 4.00 12.00 4.00 12.00" % CF[0] in text
    assert "%s Scored 15.00 4.00 12.00 5.00 15.00" % CF[1] in text
    assert "%s Scored 20.00 4.00 16.00 5.00 20.00" % DELIVERY in text
    assert "Price Price 30.00 — 30.00 — 24.00" in text
    assert "Total 100.00 — 86.00 — 91.00" in text
    assert "Child First score 40.00 47.00" in text
    assert "Rank 2 1" in text
    # With reasons: A's evaluators' justifications, and B's moderation
    # rationale where its scores were moderated
    reasons = text[text.index("Reasons for the scores"):
        text.index("Child First score 40.00")]
    assert "Scored 4 because ..." in reasons
    assert "Agreed at moderation." in reasons
    # How price was scored, the standstill and whom to ask
    assert "the lowest price of the eligible bids earns the whole weight" in (
        text)
    assert "A price above the budget of " in text
    assert "250,000.00 is not eligible." in text
    tender = Tender(tender.id)
    assert "the standstill period runs from %s to %s" % (
        tender.award_date.strftime('%m/%d/%Y'),
        tender.standstill_end.strftime('%m/%d/%Y')) in text
    assert ("write to %s before then" % tender.company.rec_name) in text
    # Nothing of the other bidders
    assert "Provider C" not in text


def test_assessment_summary_excluded(moderated):
    "The summary of an ineligible bid gives the reason"
    text, name = print_text(
        'report_bid_assessment_summary', [moderated.bids['C']],
        moderated.officer)
    assert "Eligible No" in text
    assert 'Did not pass "%s".' % EVIDENCE in text
    assert "Fail" in text
    assert "Top-ranked bid Provider B" in text


def test_refused_before_evaluation_complete(in_evaluation):
    "Both reports wait for the evaluation to complete"
    tender, officer = in_evaluation.tender, in_evaluation.officer
    with pytest.raises(EvaluationIncompleteError) as info:
        print_report('report_tender_evaluation', [tender], officer)
    assert ("is available once the evaluation of tender "
        '"%s" is complete' % tender.rec_name) in info.value.message
    assert '"Evaluation"' in info.value.message
    with pytest.raises(EvaluationIncompleteError):
        print_report(
            'report_bid_assessment_summary', [in_evaluation.bids['A']],
            officer)


def test_provider_prints_own_summary_only(moderated):
    "A provider prints the summary of its own bid, not another's"
    Tender = Pool().get('commissioning.tender')
    tender, bids = moderated.tender, moderated.bids
    provider_a, finance = find_user('providera'), find_user('finance')
    with as_user(moderated.officer):
        Tender.recommend_award([tender])
    with as_user(finance):
        Tender.approve_award([Tender(tender.id)])
    # The record rules refuse the bid of another provider
    with pytest.raises(AccessError) as info:
        print_report('report_bid_assessment_summary', [bids['B']], provider_a)
    assert "execute report" not in info.value.message
    with pytest.raises(AccessError):
        print_report(
            'report_bid_assessment_summary', [bids['A'], bids['B']],
            provider_a)
    with pytest.raises(AccessError):
        print_report('report_tender_evaluation', [tender], provider_a)
    text, _ = print_text(
        'report_bid_assessment_summary', [bids['A']], provider_a)
    assert "This bid Provider A" in text


def test_evaluator_cannot_print_evaluation(moderated):
    "Evaluators cannot print the evaluation report"
    tender, bids = moderated.tender, moderated.bids
    specialist = find_user('specialist')
    with pytest.raises(AccessError) as info:
        print_report('report_tender_evaluation', [tender], specialist)
    assert "not allowed to execute report" in info.value.message
    with pytest.raises(AccessError):
        print_report(
            'report_bid_assessment_summary', [bids['A']], specialist)
    finance = make_user('finance2', 'group_commissioning_finance')
    print_text('report_tender_evaluation', [tender], finance)


def test_print_menu(officer, evaluator, provider):
    "The reports are in the Print menu of the groups that may print"
    Keyword = Pool().get('ir.action.keyword')

    def printable(user, model):
        with as_user(user):
            return {a['report_name'] for a in Keyword.get_keyword(
                    'form_print', (model, -1))}
    assert 'commissioning.tender.evaluation_report' in printable(
        officer, 'commissioning.tender')
    assert 'commissioning.bid.assessment_summary' in printable(
        officer, 'commissioning.bid')
    assert 'commissioning.tender.evaluation_report' not in printable(
        evaluator, 'commissioning.tender')
    assert 'commissioning.tender.evaluation_report' not in printable(
        provider, 'commissioning.tender')
    assert 'commissioning.bid.assessment_summary' in printable(
        provider, 'commissioning.bid')


# The contract performance report

def test_performance_report(reported_contract, officer, provider):
    """The report holds the ratings, values by period, trends,
    breakdowns, children's involvement, returns and payments; another
    provider cannot print it"""
    Contract = Pool().get('commissioning.contract')
    contract = reported_contract
    with as_user(officer):
        Contract.write([contract], {
                'performance_narrative': "A steady first half year.",
                })
    with count_queries() as queries:
        oext, content, _, name = print_report(
            'report_contract_performance', [contract], officer)
    assert oext == 'pdf'
    assert len(PdfReader(BytesIO(content)).pages) >= 2
    pdf = pdf_text(content)
    periods = sorted(contract.periods, key=lambda p: p.start_date)
    for expected in [
            "Contract Performance Report",
            "Assessment period %s – %s" % (
                periods[0].start_date.strftime('%m/%d/%Y'),
                periods[1].end_date.strftime('%m/%d/%Y')),
            "Overall performance A steady first half year.",
            "Latest rating of each KPI", "KPI values by period",
            "Trends against the targets", "Breakdown by group",
            "Collaboration with children", "Monitoring returns",
            "Review comments", "Payments",
            "Children in education, training or work",
            "◆ Inadequate", "● Good", "Care-experienced",
            "Ratings: ● Good ▲ Approaching Target ■ Requires Improvement "
            "◆ Inadequate",
            "2 reported, 2 accepted", "Contract Activation",
            "Period ending",
            ]:
        assert expected in pdf, expected
    assert not split_words(content)
    assert not blank_pages(content)
    # A bounded number of queries: no query per value
    assert len(queries) < 200
    _, intruder = make_provider("Riverside Partnership", 'intruder')
    with pytest.raises(AccessError):
        print_report('report_contract_performance', [contract], intruder)
    # The provider prints its own
    oext, content, _, _ = print_report(
        'report_contract_performance', [contract], provider)
    assert oext == 'pdf'
    if os.environ.get('CHILDFIRST_REPORT_DIR'):
        with open(os.path.join(os.environ['CHILDFIRST_REPORT_DIR'],
                    'contract-performance.pdf'), 'wb') as f:
            f.write(content)
