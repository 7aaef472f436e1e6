# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The tender design gate: what a tender needs before finance sees it, and
the weights of its criteria."""
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond.model import fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import CENT, TENET_KEYS, TENETS, number, numeric
from .gate import check, message

WEIGHTED_METHODS = {'scored', 'price'}


def design_checks(tender):
    """Return the checks of the design gate of tender, in the order the
    checklist shows them"""
    Configuration = Pool().get('commissioning.configuration')
    minimum = Configuration(1).minimum_child_first_weight
    criteria = list(tender.criteria or [])
    return [
        check('msg_check_label_weights', weight_failures(criteria)),
        check('msg_check_label_tenets', tenet_failures(criteria)),
        check('msg_check_label_child_first_weight',
            child_first_failures(criteria, minimum), minimum=minimum),
        check('msg_check_label_evidence_criterion',
            evidence_criterion_failures(criteria)),
        check('msg_check_label_co_design',
            tender.collaboration_evidence_checks()),
        check('msg_check_label_kpi_templates', kpi_failures(criteria)),
        check('msg_check_label_language', language_failures(tender)),
        check('msg_check_label_budget_dates', budget_date_failures(tender)),
        ] + lot_checks(tender)


def lot_checks(tender):
    "Return the check of the lots of tender, none when it has no lots"
    from .lot import lot_failures
    if not tender.lots:
        return []
    return [check('msg_check_label_lots', lot_failures(tender))]


def weight_failures(criteria):
    "The weights of the scored and price criteria add up to 100"
    total = sum(
        (c.weight or 0 for c in criteria if c.method in WEIGHTED_METHODS),
        Decimal(0))
    if total != 100:
        return [message('msg_check_weights', total=number(total))]
    return []


def tenet_failures(criteria):
    "Each tenet has a scored criterion"
    covered = {c.tenet for c in criteria if c.tenet and c.method == 'scored'}
    names = dict(TENETS)
    return [message('msg_check_tenet', tenet=names[t])
        for t in TENET_KEYS if t not in covered]


def child_first_failures(criteria, minimum):
    "The Child First criteria carry at least the minimum weight"
    weight = sum(
        (c.weight or 0 for c in criteria if c.child_first), Decimal(0))
    if weight < minimum:
        return [message('msg_check_child_first_weight',
                weight=number(weight), minimum=minimum)]
    return []


def evidence_criterion_failures(criteria):
    """A mandatory pass/fail criterion requires evidence of collaboration
    with children"""
    if not any(c.method == 'pass_fail' and c.tenet == 'collaboration'
            and c.evidence_required for c in criteria):
        return [message('msg_check_evidence_criterion')]
    return []


def kpi_failures(criteria):
    "Every Child First criterion feeds the contract's KPIs"
    return [message('msg_check_kpi_templates', criterion=c.name)
        for c in criteria if c.child_first and not c.kpi_templates]


def language_failures(tender):
    "The texts of the tender use no blocking term of the language list"
    return [text for blocking, text in language_lines(tender) if blocking]


def language_lines(tender):
    """Return (blocking, line) pairs of the Child First language findings
    in the texts of tender"""
    Term = Pool().get('commissioning.language.term')
    findings = Term.find_in(language_texts(tender))
    return list(zip(
            [f['blocking'] for f in findings],
            Term.format_findings(findings)))


def language_texts(tender):
    "Return the (label, text) pairs of the texts of tender"
    labels = tender.fields_get(['name', 'description'])
    texts = [
        (labels['name']['string'], tender.name),
        (labels['description']['string'], tender.description),
        ]
    for criterion in tender.criteria or []:
        texts.append((criterion.name, criterion.name))
        texts.append((criterion.name, criterion.description))
        for kpi in criterion.kpi_templates or []:
            texts.append((criterion.name, kpi.name))
    return texts


def budget_date_failures(tender):
    "The budget is positive and the dates follow each other"
    failures = []
    if not tender.budget or tender.budget <= 0:
        failures.append(message('msg_check_budget'))
    for name in ['submission_deadline', 'contract_start', 'contract_end']:
        if not getattr(tender, name):
            failures.append(message('msg_check_date_missing',
                    field=tender.__names__(name)['field']))
    if (tender.submission_deadline and tender.contract_start
            and tender.submission_deadline.date() >= tender.contract_start):
        failures.append(message('msg_check_deadline_start'))
    if (tender.contract_start and tender.contract_end
            and tender.contract_start >= tender.contract_end):
        failures.append(message('msg_check_start_end'))
    if questions_after_deadline(tender):
        failures.append(message('msg_check_questions_deadline'))
    return failures


def questions_after_deadline(tender):
    "Whether the questions deadline is not before the submission deadline"
    return bool(tender.questions_deadline and tender.submission_deadline
        and tender.questions_deadline >= tender.submission_deadline)


def budget_date_error(tender):
    """Return the message of what is wrong with the budget and the dates of
    tender, whatever its state"""
    deadline, start, end = (
        tender.submission_deadline, tender.contract_start,
        tender.contract_end)
    if tender.budget is not None and tender.budget < 0:
        return 'msg_tender_budget_negative'
    elif deadline and start and deadline.date() >= start:
        return 'msg_tender_deadline_start'
    elif start and end and start >= end:
        return 'msg_tender_start_end'
    elif questions_after_deadline(tender):
        return 'msg_tender_questions_deadline'


def weights(tenders, names):
    """Return {name: {tender id: weight}} with the total and the Child First
    weights of the criteria of the tenders, in one query"""
    Criterion = Pool().get('commissioning.tender.criterion')
    criterion = Criterion.__table__()
    cursor = Transaction().connection.cursor()
    result = {n: {t.id: Decimal(0) for t in tenders} for n in names}
    if not tenders:
        return result
    weight = Coalesce(numeric(criterion.weight), 0)
    total = Sum(Case(
            (criterion.method.in_(list(WEIGHTED_METHODS)), weight),
            else_=0))
    child_first = Sum(Case(
            ((criterion.method == 'scored')
                & (criterion.tenet != None),  # noqa: E711
                weight), else_=0))
    cursor.execute(*criterion.select(
            criterion.tender, total, child_first,
            where=fields.SQL_OPERATORS['in'](
                criterion.tender, [t.id for t in tenders]),
            group_by=criterion.tender))
    for tender_id, *sums in cursor:
        for name, value in zip(['total_weight', 'child_first_weight'], sums):
            if name in result:
                result[name][tender_id] = Decimal(
                    str(value or 0)).quantize(CENT)
    return result
