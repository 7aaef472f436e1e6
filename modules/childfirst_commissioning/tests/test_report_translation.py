# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""An authority translates the reports: every label is an ir.message and
every selection value a translated selection string, so a language added
and translated as the client is translated prints the reports in it."""

import pytest

from trytond.modules.childfirst_commissioning.tests.tools import (
    EvaluationIncompleteError, pdf_text, print_report)
from trytond.pool import Pool
from trytond.transaction import Transaction

MODULE = 'childfirst_commissioning'
WELSH = 'cy'

# The labels of each report translated into Welsh: message id, English,
# Welsh
EVALUATION_LABELS = [
    ('msg_report_criteria', "Award criteria", "Meini prawf dyfarnu"),
    ('msg_report_ranking', "Ranking", "Safle"),
    ('msg_report_signoffs', "Sign-offs", "Cymeradwyaethau"),
    ('msg_report_bids_assessed', "Bids assessed", "Cynigion a aseswyd"),
    ('msg_report_minimum_score', "Minimum score", "Sgôr isaf"),
    ('msg_report_rationale', "Rationale", "Rhesymeg"),
    ('msg_report_page', "Page", "Tudalen %(page)s"),
    ('msg_report_printed', "Printed on",
        "Argraffwyd ar %(date)s gan %(user)s"),
    ]
SUMMARY_LABELS = [
    ('msg_report_this_bid', "This bid", "Y cynnig hwn"),
    ('msg_report_top_ranked_bid', "Top-ranked bid", "Y cynnig uchaf"),
    ('msg_report_summary_criteria', "Scores by criterion",
        "Sgoriau fesul maen prawf"),
    ('msg_report_total_score', "Total score", "Cyfanswm y sgôr"),
    ('msg_report_contracting_authority', "Contracting authority",
        "Awdurdod contractio"),
    ('msg_report_summary_intro_top', "This summary sets out",
        "Mae'r crynodeb hwn yn dangos sut yr aseswyd cynnig %(provider)s "
        "ar gyfer tendr \"%(tender)s\", ochr yn ochr â chynnig %(other)s."),
    ]
PERFORMANCE_LABELS = [
    ('msg_report_values', "KPI values by period",
        "Gwerthoedd DPA fesul cyfnod"),
    ('msg_report_trends', "Trends against the targets",
        "Tueddiadau yn erbyn y targedau"),
    ('msg_report_period_ending', "Period ending", "Cyfnod yn gorffen"),
    ('msg_report_payments', "Payments", "Taliadau"),
    ('msg_report_returns_count', "2 reported, 2 accepted",
        "%(reported)s wedi'u hadrodd, %(accepted)s wedi'u derbyn, "
        "%(overdue)s yn hwyr"),
    ('msg_report_collaboration', "Collaboration with children",
        "Cydweithio â phlant"),
    ]


def add_welsh():
    "Add Welsh as a translatable language, as an administrator does"
    Lang = Pool().get('ir.lang')
    english, = Lang.search([('code', '=', 'en')])
    Lang.copy([english], {
            'name': "Cymraeg", 'code': WELSH, 'translatable': True,
            'date': '%d/%m/%Y',
            })


def translate(labels):
    """Translate the messages into Welsh as an administrator does, with a
    translation of the text of each message (the Translations menu, or a
    locale file of the module)"""
    pool = Pool()
    Message = pool.get('ir.message')
    ModelData = pool.get('ir.model.data')
    Translation = pool.get('ir.translation')
    to_create = []
    for xml_id, _, welsh in labels:
        message = Message(ModelData.get_id(MODULE, xml_id))
        to_create.append({
                'name': 'ir.message,text', 'type': 'model',
                'res_id': message.id, 'lang': WELSH, 'src': message.text,
                'value': welsh, 'module': MODULE,
                })
    Translation.create(to_create)


def translate_action(xml_id, welsh):
    "Translate the name of the report action xml_id into Welsh"
    pool = Pool()
    ActionReport = pool.get('ir.action.report')
    ModelData = pool.get('ir.model.data')
    Translation = pool.get('ir.translation')
    action = ActionReport(ModelData.get_id(MODULE, xml_id))
    Translation.create([{
                'name': 'ir.action,name', 'type': 'model',
                'res_id': action.action.id, 'lang': WELSH,
                'src': action.name, 'value': welsh, 'module': MODULE,
                }])


def translate_selection(model, field, english, welsh):
    "Translate the selection value english of the field of model"
    Translation = Pool().get('ir.translation')
    Translation.create([{
                'name': '%s,%s' % (model, field), 'type': 'selection',
                'lang': WELSH, 'src': english, 'value': welsh,
                'module': MODULE, 'res_id': -1,
                }])


def print_welsh(xml_id, records, user):
    "Return the text of the report printed in Welsh"
    with Transaction().set_context(language=WELSH):
        oext, content, _, _ = print_report(xml_id, records, user)
    assert oext == 'pdf'
    return pdf_text(content)


def check_translated(text, labels):
    "The Welsh labels are in the text, the English ones are not"
    for _, english, welsh in labels:
        assert english not in text
        assert welsh.split('%')[0].strip() in text


def test_evaluation_report_welsh(moderated):
    "The evaluation report prints its labels and states in Welsh"
    tender, officer = moderated.tender, moderated.officer
    add_welsh()
    translate(EVALUATION_LABELS)
    translate_selection(
        'commissioning.tender', 'state', "Moderated", "Wedi'i gymedroli")
    text = print_welsh('report_tender_evaluation', [tender], officer)
    check_translated(text, EVALUATION_LABELS)
    assert "Tudalen 1" in text
    assert "Wedi'i gymedroli" in text
    # What is not translated stays in English, the data as entered
    assert "Moderation" in text
    assert "Provider B" in text
    # English readers still read English
    _, content, _, _ = print_report(
        'report_tender_evaluation', [tender], officer)
    english = pdf_text(content)
    assert "Award criteria" in english
    assert "Meini prawf dyfarnu" not in english


def test_assessment_summary_welsh(moderated):
    "The assessment summary prints its labels and introduction in Welsh"
    add_welsh()
    translate(SUMMARY_LABELS)
    text = print_welsh('report_bid_assessment_summary',
        [moderated.bids['A']], moderated.officer)
    check_translated(text, SUMMARY_LABELS)
    assert "Y cynnig hwn Provider A" in text
    assert "Y cynnig uchaf Provider B" in text
    assert "ochr yn ochr â chynnig Provider B" in text


def test_performance_report_welsh(reported_contract, officer, provider):
    """The performance report prints its labels, chart labels and ratings
    in Welsh"""
    contract = reported_contract
    add_welsh()
    translate(PERFORMANCE_LABELS)
    translate_selection('commissioning.monitoring.return.line',
        'rating', "Inadequate", "Annigonol")
    # The reported contract's KPI rated inadequate twice is a performance
    # failure, whose kind is translated like the ratings
    translate_selection('commissioning.contract.failure',
        'kind', "Inadequate KPI", "DPA annigonol")
    text = print_welsh('report_contract_performance', [contract], officer)
    check_translated(text, PERFORMANCE_LABELS)
    assert "2 wedi'u hadrodd, 2 wedi'u derbyn" in text
    assert "Annigonol" in text
    assert "DPA annigonol" in text
    assert "Inadequate" not in text
    # The dates follow the reader's language: Welsh writes day first
    start = contract.start_date
    assert "%s –" % start.strftime('%d/%m/%Y') in text


def test_refusal_welsh(in_evaluation):
    "A report refused before the evaluation completes says so in Welsh"
    add_welsh()
    translate([
            ('msg_report_gate', "cannot be printed yet",
                "Ni ellir argraffu \"%(report)s\" eto:\n%(failures)s"),
            ('msg_report_evaluation_incomplete', "is available once",
                "Mae \"%(report)s\" ar gael pan fydd gwerthuso tendr "
                "\"%(tender)s\" wedi'i gwblhau."),
            ])
    translate_action('report_tender_evaluation', "Adroddiad Gwerthuso")
    with Transaction().set_context(language=WELSH):
        with pytest.raises(EvaluationIncompleteError) as info:
            print_report('report_tender_evaluation',
                [in_evaluation.tender], in_evaluation.officer)
    message = info.value.message
    assert 'Ni ellir argraffu "Adroddiad Gwerthuso" eto' in message
    assert "wedi'i gwblhau" in message
    assert "is available once" not in message
