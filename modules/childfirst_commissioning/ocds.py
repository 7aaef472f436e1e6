# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Publication in the Open Contracting Data Standard (OCDS) 1.1, with the
notices of the Procurement Act 2023 that the Central Digital Platform
publishes in England (the UK extension's noticeType).

Every published step of a tender becomes a release of its contracting
process, whose OCID is the configured prefix and the tender's id:

=============  ===============================  ======  =======================
step           public once                      notice  release id
=============  ===============================  ======  =======================
tender         published                        UK4     <ocid>-tender-<t>
amendment      an amendment applied             UK4     <ocid>-amendment-<a>
enquiries      answers to questions published           <ocid>-enquiries-<t>
award          the award approved               UK6     <ocid>-award-<t>
contract       the contract activated           UK7     <ocid>-contract-<c>
change         a contract change approved       UK10    <ocid>-change-<x>
monitoring     a monitoring return accepted             <ocid>-monitoring-<p>
performance    a performance notice published   UK9     <ocid>-performance-<n>
end            the contract closed or ended     UK11    <ocid>-end-<c>
cancellation   cancelled after publication      UK12    <ocid>-cancellation-<t>
=============  ===============================  ======  =======================

(t: the tender, a: the amendment, c: the contract, x: the contract
change, p: the monitoring period, n: the annual contract performance
notice. The contract notice gives the value and term the contract was
signed with; each approved change gives the new ones with its reason. A
changed tender notice is a UK4 again; the answers to clarification
questions and each accepted monitoring return are updates that no UK
notice stands for: the return is an implementation update with its KPI
values, breakdowns and payments, and the contract performance notice
(UK9) gives every KPI's rating for its period with the officer's
narrative. UK11 is the contract termination notice, which the
Procurement Act asks for whenever a contract ends, UK12 the procurement
termination notice.)

Nothing else is exported: no draft, no tender waiting for approval, no bid
before the award (sealed until the close, evaluated until the award), no
return before it is accepted, no unpaid payment. Children's personal data
is never stored; the Child First extension carries counts and descriptions.

A contract without a tender (brought into the system) has its own OCID:
the prefix, "contract-" and its id.

Everything is read in a fixed number of queries whatever the number of
records (``collect``); a package that does not validate against the
shipped schemas raises ``OcdsError`` naming the JSON path and the reason."""
import datetime as dt
import json
import mimetypes
import uuid
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import ocds_schema
from .exceptions import OcdsError
from .gate import bullets, message
from .states import ASSESSED_STATES, PUBLIC_STATES

# The ratings of the Procurement Act 2023 as the UK extension classifies an
# observation's measure
MEASURE_CLASSIFICATION = {
    'good': 'met',
    'approaching': 'slightlyBelow',
    'requires_improvement': 'below',
    'inadequate': 'significantlyBelow',
    }
# The UK notice of each step: its noticeType, OCDS documentType and tag;
# the steps that no notice stands for have no noticeType
NOTICES = {
    'tender': ('UK4', 'tenderNotice', 'tender'),
    'amendment': ('UK4', 'tenderNotice', 'tenderAmendment'),
    'enquiries': (None, None, 'tenderUpdate'),
    'award': ('UK6', 'awardNotice', 'award'),
    'contract': ('UK7', 'contractNotice', 'contract'),
    'change': ('UK10', 'contractAmendmentNotice', 'contractAmendment'),
    'monitoring': (None, 'physicalProgressReport', 'implementationUpdate'),
    'performance': ('UK9', 'implementationNotice', 'implementation'),
    'end': ('UK11', 'contractTerminationNotice', 'contractTermination'),
    'cancellation': (
        'UK12', 'tenderCancellationNotice', 'tenderCancellation'),
    }
# The contracts whose contract release is public
SIGNED_STATES = ['active', 'closed', 'terminated']
ENDED_STATES = ['closed', 'terminated']
# The groups that export
EXPORT_GROUPS = ['group_commissioning', 'group_commissioning_admin']
# The most errors a refused export lists
ERRORS_MAX = 10


# Access

def check_export(Model, records):
    """Raise AccessError unless the user exports: a commissioning officer
    or administrator who may read the records"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    ModelAccess = pool.get('ir.model.access')
    Rule = pool.get('ir.rule')
    User = pool.get('res.user')
    transaction = Transaction()
    if not transaction.user or not transaction.check_access:
        return
    groups = set(User.get_groups())
    allowed = {ModelData.get_id('childfirst_commissioning', g)
        for g in EXPORT_GROUPS}
    if not groups & allowed:
        raise AccessError(message('msg_ocds_export_access'))
    ModelAccess.check(Model.__name__, 'read')
    Rule.check(Model.__name__, [r.id for r in records], mode='read')


# Identifiers and values

def ocid_prefix():
    Configuration = Pool().get('commissioning.configuration')
    return Configuration(1).ocid_prefix or Configuration.default_ocid_prefix()


def tender_ocid(prefix, tender_id):
    return '%s-%s' % (prefix, tender_id)


def contract_ocid(prefix, contract):
    if contract.tender:
        return tender_ocid(prefix, contract.tender.id)
    return '%s-contract-%s' % (prefix, contract.id)


def moment(value, end=False):
    """Return the date or naive UTC datetime value as an OCDS date-time; a
    date ending a period stands for the end of its day"""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(
            value, dt.time(23, 59, 59) if end else dt.time())
    return value.replace(microsecond=0).isoformat() + 'Z'


def amount(value):
    "Return the Decimal value as a JSON number"
    value = Decimal(value or 0)
    return int(value) if value == value.to_integral_value() else float(value)


def money(value, currency):
    # ISO 4217 codes are upper case
    return {'amount': amount(value), 'currency': (currency.code or '').upper()}


def period(start, end):
    return _clean({
            'startDate': moment(start), 'endDate': moment(end, end=True)})


def party_id(party):
    return 'party-%s' % (party.code or party.id)


def organization(party):
    return {'id': party_id(party), 'name': party.name}


def _clean(values):
    "Return values without the keys whose value is None or empty"
    return {k: v for k, v in values.items() if v not in (None, '', [], {})}


def _changed(record):
    return record.write_date or record.create_date


# Reading everything at once

def collect(tenders, contracts):
    """Return what the releases of the tenders and the contracts need,
    each model read with one search whatever the number of records"""
    pool = Pool()
    Criterion = pool.get('commissioning.tender.criterion')
    Collaboration = pool.get('commissioning.collaboration')
    Bid = pool.get('commissioning.bid')
    Signoff = pool.get('commissioning.signoff')
    Attachment = pool.get('ir.attachment')
    Contract = pool.get('commissioning.contract')
    Kpi = pool.get('commissioning.contract.kpi')
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Breakdown = pool.get('commissioning.monitoring.return.breakdown')
    Payment = pool.get('commissioning.contract.payment')
    Configuration = pool.get('commissioning.configuration')
    Question = pool.get('commissioning.tender.question')
    Amendment = pool.get('commissioning.tender.amendment')
    Notice = pool.get('commissioning.contract.performance_notice')
    NoticeLine = pool.get('commissioning.contract.performance_notice.line')
    Change = pool.get('commissioning.contract.change')
    Lot = pool.get('commissioning.tender.lot')
    BidLot = pool.get('commissioning.bid-commissioning.tender.lot')

    data = SimpleNamespace(
        prefix=ocid_prefix(), configuration=Configuration(1),
        criteria=defaultdict(list), collaborations=defaultdict(list),
        bids=defaultdict(list), signoffs={}, attachments=defaultdict(list),
        contracts=defaultdict(list), kpis=defaultdict(list),
        returns=defaultdict(list), lines=defaultdict(list),
        breakdowns=defaultdict(list), payments=defaultdict(list),
        questions=defaultdict(list), amendments=defaultdict(list),
        notices=defaultdict(list), notice_lines=defaultdict(list),
        changes=defaultdict(list), lots=defaultdict(list),
        bid_lots=defaultdict(list))
    tender_ids = [t.id for t in tenders]
    contracts = list(contracts)
    if tender_ids:
        for record in Criterion.search(
                [('tender', 'in', tender_ids)],
                order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]):
            data.criteria[record.tender.id].append(record)
        for record in Bid.search([
                    ('tender', 'in', tender_ids),
                    ('state', 'in', ASSESSED_STATES),
                    ], order=[('id', 'ASC')]):
            data.bids[record.tender.id].append(record)
        for record in Attachment.search([
                    ('resource', 'in',
                        ['commissioning.tender,%s' % i for i in tender_ids]),
                    ], order=[('id', 'ASC')]):
            data.attachments[record.resource.id].append(record)
        lots = Lot.search([('tender', 'in', tender_ids)],
            order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')])
        for record in lots:
            data.lots[record.tender.id].append(record)
        lot_ids = [l.id for l in lots]
        if lot_ids:
            for record in BidLot.search([
                        ('lot', 'in', lot_ids),
                        ('bid.state', 'in', ASSESSED_STATES),
                        ], order=[('bid', 'ASC')]):
                data.bid_lots[record.lot.id].append(record)
        for record in Question.search([
                    ('tender', 'in', tender_ids),
                    ('state', '=', 'published'),
                    ], order=[('published_at', 'ASC'), ('id', 'ASC')]):
            data.questions[record.tender.id].append(record)
        for record in Amendment.search([
                    ('tender', 'in', tender_ids),
                    ('state', '=', 'applied'),
                    ], order=[('applied_at', 'ASC'), ('id', 'ASC')]):
            data.amendments[record.tender.id].append(record)
        known = {c.id for c in contracts}
        contracts += [c for c in Contract.search([
                    ('tender', 'in', tender_ids),
                    ('state', 'in', SIGNED_STATES),
                    ], order=[('id', 'ASC')]) if c.id not in known]
    for contract in contracts:
        if contract.tender:
            data.contracts[contract.tender.id].append(contract)
    data.all_contracts = contracts
    contract_ids = [c.id for c in contracts]
    returns = []
    if contract_ids:
        for record in Kpi.search([('contract', 'in', contract_ids)],
                order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]):
            data.kpis[record.contract.id].append(record)
        returns = Return.search([
                ('contract', 'in', contract_ids),
                ('state', '=', 'accepted'),
                ], order=[('period.start_date', 'ASC'), ('id', 'ASC')])
        for record in returns:
            data.returns[record.contract.id].append(record)
        for record in Payment.search([
                    ('contract', 'in', contract_ids),
                    ('state', '=', 'paid'),
                    ], order=[('paid_date', 'ASC'), ('id', 'ASC')]):
            data.payments[(record.contract.id, record.period.id
                    if record.period else None)].append(record)
    return_ids = [r.id for r in returns]
    if return_ids:
        lines = Line.search([('return_', 'in', return_ids)],
            order=[('id', 'ASC')])
        for record in lines:
            data.lines[record.return_.id].append(record)
        line_ids = [l.id for l in lines]
        if line_ids:
            for record in Breakdown.search([('line', 'in', line_ids)],
                    order=[('id', 'ASC')]):
                data.breakdowns[record.line.id].append(record)
    origins = (['commissioning.tender,%s' % i for i in tender_ids]
        + ['commissioning.monitoring.return,%s' % i for i in return_ids])
    if origins:
        for record in Collaboration.search(
                [('origin', 'in', origins)],
                order=[('date', 'ASC NULLS LAST'), ('id', 'ASC')]):
            data.collaborations[str(record.origin)].append(record)
    signed = (['commissioning.tender,%s' % i for i in tender_ids]
        + ['commissioning.contract,%s' % i for i in contract_ids])
    if signed:
        for record in Signoff.search([
                    ('origin', 'in', signed),
                    ('decision', '=', 'approved'),
                    ('gate', 'in', ['award', 'contract_activation']),
                    ], order=[('id', 'ASC')]):
            data.signoffs[(str(record.origin), record.gate)] = record
    if contract_ids:
        notices = Notice.search([
                ('contract', 'in', contract_ids),
                ('state', '=', 'published'),
                ], order=[('period_start', 'ASC'), ('id', 'ASC')])
        for record in notices:
            data.notices[record.contract.id].append(record)
        for record in Change.search([
                    ('contract', 'in', contract_ids),
                    ('state', '=', 'approved'),
                    ], order=[('decided_at', 'ASC'), ('id', 'ASC')]):
            data.changes[record.contract.id].append(record)
        notice_ids = [n.id for n in notices]
        if notice_ids:
            for record in NoticeLine.search([('notice', 'in', notice_ids)],
                    order=[('id', 'ASC')]):
                data.notice_lines[record.notice.id].append(record)
    return data


# The Child First extension

def collaboration(records):
    "Return the aggregated evidence of collaboration of the records"
    if not records:
        return None
    return _clean({
            'activities': len(records),
            'childrenInvolved': sum(r.children_count or 0 for r in records),
            'methods': sorted({r.method for r in records if r.method}),
            'records': [_clean({
                        'date': r.date.isoformat() if r.date else None,
                        'method': r.method,
                        'childrenInvolved': r.children_count,
                        'space': r.space,
                        'voice': r.voice,
                        'audience': r.audience,
                        'influence': r.influence,
                        'feedbackToChildren': r.feedback_to_children,
                        'consentConfirmed': bool(r.consent_confirmed),
                        }) for r in records],
            })


def child_first_tender(tender, data):
    weights = defaultdict(Decimal)
    for criterion in data.criteria[tender.id]:
        if criterion.tenet and criterion.method == 'scored':
            weights[criterion.tenet] += criterion.weight or 0
    return _clean({
            'criteriaWeights': [
                {'tenet': k, 'weight': amount(weights[k])}
                for k in sorted(weights)],
            'childFirstWeight': amount(sum(weights.values())),
            'childFirstThreshold': amount(
                data.configuration.child_first_threshold),
            'collaboration': collaboration(
                data.collaborations[str(tender)]),
            })


# The notices

def notice(step, record_id, date, description=None):
    "Return the document of the UK notice the release of step stands for"
    notice_type, document_type, _ = NOTICES[step]
    return _clean({
            'id': '%s-%s' % (notice_type or step, record_id),
            'documentType': document_type,
            'noticeType': notice_type,
            'title': message('msg_ocds_notice_%s' % step),
            'description': description,
            'datePublished': moment(date),
            })


def release(ocid, step, record_id, date, parties, **values):
    _, _, tag = NOTICES[step]
    return _clean({
            'ocid': ocid,
            'id': '%s-%s-%s' % (ocid, step, record_id),
            'date': moment(date),
            'tag': [tag],
            'initiationType': 'tender',
            'language': 'en',
            'parties': _parties(parties),
            **values,
            })


def _parties(parties):
    "Return the parties of (party, role) pairs, each once with its roles"
    result = {}
    for party, role in parties:
        entry = result.setdefault(party.id, dict(
                organization(party), roles=[]))
        if role not in entry['roles']:
            entry['roles'].append(role)
    return list(result.values())


def _buyer(record):
    return record.company.party


# The releases of a tender

def tender_releases(tender, data):
    "Return the public releases of the tender's lifecycle"
    if not tender.published_at:
        return []
    ocid = tender_ocid(data.prefix, tender.id)
    releases = [tender_release(tender, ocid, data)]
    releases += [amendment_release(tender, a, ocid)
        for a in data.amendments[tender.id]]
    if data.questions[tender.id]:
        releases.append(enquiries_release(tender, ocid, data))
    if tender.state in {'awarded', 'contracted'} and tender.winning_bid:
        releases.append(award_release(tender, ocid, data))
    releases += [lot_award_release(tender, lot, ocid, data)
        for lot in data.lots[tender.id]
        if lot.state in {'awarded', 'contracted'} and lot.winning_bid]
    if tender.state == 'cancelled':
        date = _changed(tender)
        releases.append(release(ocid, 'cancellation', tender.id, date,
                [(_buyer(tender), 'buyer')],
                tender={
                    'id': str(tender.id),
                    'status': 'cancelled',
                    'documents': [notice('cancellation', tender.id, date)],
                    }))
    for contract in data.contracts[tender.id]:
        releases.extend(contract_releases(contract, data))
    return releases


def tender_release(tender, ocid, data):
    criteria = data.criteria[tender.id]
    buyer = _buyer(tender)
    currency = tender.currency
    scored = [c for c in criteria if c.method in {'scored', 'price'}]
    pass_fail = [c for c in criteria if c.method == 'pass_fail']
    contract_period = period(tender.contract_start, tender.contract_end)
    documents = [notice('tender', tender.id, tender.published_at)]
    documents += [_clean({
                'id': 'attachment-%s' % a.id,
                'documentType': 'biddingDocuments',
                'title': a.name,
                'description': a.description,
                'format': _format(a.name),
                'url': a.link if a.type == 'link' else None,
                'datePublished': moment(tender.published_at),
                }) for a in data.attachments[tender.id]]
    return release(ocid, 'tender', tender.id, tender.published_at,
        [(buyer, 'buyer')],
        buyer=organization(buyer),
        tender=_clean({
            'id': str(tender.id),
            'title': tender.name,
            'description': tender.description,
            'status': 'active',
            'value': money(tender.budget, currency),
            'procurementMethod': 'open',
            'procurementMethodDetails': message(
                'msg_ocds_method_%s' % tender.kind),
            'mainProcurementCategory': 'services',
            'awardCriteria': 'ratedCriteria',
            'eligibilityCriteria': "\n".join(
                ("%s: %s" % (c.name, c.description)) if c.description
                else c.name for c in pass_fail),
            'submissionMethod': ['electronicSubmission'],
            'tenderPeriod': period(
                tender.published_at, tender.submission_deadline),
            'contractPeriod': contract_period,
            'lots': tender_lots(tender, scored, data),
            'lotDetails': _clean({
                    'maximumLotsBidPerSupplier': (
                        tender.max_lots_per_bid or None),
                    }) if data.lots[tender.id] else None,
            'documents': documents,
            'childFirst': child_first_tender(tender, data),
            }))


def amendment_release(tender, amendment, ocid):
    """Return the changed tender notice of the applied amendment: the
    tender period it leaves and the amendment with its reason"""
    date = amendment.applied_at
    release_id = '%s-amendment-%s' % (ocid, amendment.id)
    return release(ocid, 'amendment', amendment.id, date,
        [(_buyer(tender), 'buyer')],
        tender=_clean({
            'id': str(tender.id),
            'status': 'active',
            'tenderPeriod': period(
                tender.published_at, amendment.new_deadline),
            'amendments': [_clean({
                        'id': str(amendment.id),
                        'date': moment(date),
                        'rationale': amendment.reason,
                        'description': amendment.description,
                        'amendsReleaseID': '%s-tender-%s' % (
                            ocid, tender.id),
                        'releaseID': release_id,
                        })],
            'documents': [notice('amendment', 'amendment-%s' % amendment.id,
                    date, amendment.reason)],
            }))


def enquiries_release(tender, ocid, data):
    """Return the update of the tender with the published answers to the
    clarification questions; who asked is never published"""
    questions = data.questions[tender.id]
    date = max(q.published_at for q in questions)
    return release(ocid, 'enquiries', tender.id, date,
        [(_buyer(tender), 'buyer')],
        tender=_clean({
            'id': str(tender.id),
            'hasEnquiries': True,
            'enquiryPeriod': period(tender.published_at,
                tender.questions_deadline or tender.submission_deadline),
            'enquiries': [_clean({
                        'id': str(q.id),
                        'date': moment(q.create_date),
                        'description': q.question,
                        'answer': q.answer,
                        'dateAnswered': moment(q.published_at),
                        }) for q in questions],
            }))


def tender_lots(tender, scored, data):
    """Return the OCDS lots of the tender: each of its lots with its budget
    and criteria, or one lot "1" of the whole tender"""
    currency = tender.currency
    contract_period = period(tender.contract_start, tender.contract_end)
    lots = [(str(l.id), l.name, l.description, l.budget,
            [c for c in l.criteria if c.method in {'scored', 'price'}],
            'cancelled' if l.state == 'cancelled' else 'active')
        for l in data.lots[tender.id]]
    if not lots:
        lots = [('1', tender.name, None, tender.budget, scored, 'active')]
    return [_clean({
                'id': id_,
                'title': title,
                'description': description,
                'status': status,
                'value': money(budget, currency),
                'contractPeriod': contract_period,
                'awardCriteria': _clean({
                        'criteria': [
                            _award_criterion(c, data) for c in criteria],
                        }),
                })
        for id_, title, description, budget, criteria, status in lots]


def lot_award_release(tender, lot, ocid, data):
    """Return the contract award notice (UK6) of an awarded lot: the bids
    for the lot, the winner with its share of the price, the standstill"""
    links = data.bid_lots[lot.id]
    winner = lot.winning_bid
    buyer = _buyer(tender)
    date = lot.award_date
    details = [_clean({
                'id': '%s-lot-%s' % (l.bid.id, lot.id),
                'date': moment(l.bid.submitted_at),
                'status': 'valid' if l.eligible else 'disqualified',
                'tenderers': [organization(l.bid.provider)],
                'value': money(l.bid.price, tender.currency),
                }) for l in links]
    return release(ocid, 'award', 'lot-%s' % lot.id, date,
        [(buyer, 'buyer')] + [(l.bid.provider, 'tenderer') for l in links]
        + [(winner.provider, 'supplier')],
        buyer=organization(buyer),
        tender=_clean({
            'id': str(tender.id),
            'status': ('complete'
                if tender.state in {'awarded', 'contracted'} else None),
            'lots': [{'id': str(lot.id), 'status': 'complete'}],
            }),
        bids={'details': details},
        awards=[_clean({
                    'id': lot_award_id(lot),
                    'title': '%s - %s' % (tender.name, lot.name),
                    'status': 'active',
                    'date': moment(date),
                    'value': money(lot.price_share(), tender.currency),
                    'suppliers': [organization(winner.provider)],
                    'contractPeriod': period(
                        tender.contract_start, tender.contract_end),
                    'standstillPeriod': period(date, lot.standstill_end),
                    'relatedBid': '%s-lot-%s' % (winner.id, lot.id),
                    'relatedLots': [str(lot.id)],
                    'mainProcurementCategory': 'services',
                    'documents': [notice('award', 'lot-%s' % lot.id, date)],
                    })])


def lot_award_id(lot):
    return 'award-lot-%s' % lot.id


def _award_criterion(criterion, data):
    numbers = [{'number': amount(criterion.weight),
            'weight': 'percentageExact'}]
    if criterion.minimum_score:
        numbers.append({'number': amount(criterion.minimum_score),
                'threshold': 'minimumScore'})
    return _clean({
            'type': 'price' if criterion.method == 'price' else 'quality',
            'name': criterion.name,
            'description': criterion.description,
            'numbers': numbers,
            })


def _format(name):
    return mimetypes.guess_type(name or '')[0]


def award_id(tender):
    return 'award-%s' % tender.id


def award_release(tender, ocid, data):
    bids = data.bids[tender.id]
    winner = tender.winning_bid
    buyer = _buyer(tender)
    # The time finance signed the award off, on the award's date
    signoff = data.signoffs.get((str(tender), 'award'))
    date = tender.award_date
    if signoff and signoff.create_date.date() == date:
        date = signoff.create_date
    details = []
    for bid in bids:
        detail = {
            'id': str(bid.id),
            'date': moment(bid.submitted_at),
            'status': 'valid' if bid.eligible else 'disqualified',
            'tenderers': [organization(bid.provider)],
            'value': money(bid.price, tender.currency),
            }
        if bid.id == winner.id:
            detail['childFirstScore'] = amount(bid.child_first_score)
            weight = child_first_tender(tender, data).get('childFirstWeight')
            if weight:
                detail['childFirstPercentage'] = amount(
                    Decimal(bid.child_first_score or 0) * 100
                    / Decimal(weight))
        details.append(_clean(detail))
    disqualified = sum(1 for b in bids if not b.eligible)
    return release(ocid, 'award', tender.id, date,
        [(buyer, 'buyer')] + [(b.provider, 'tenderer') for b in bids]
        + [(winner.provider, 'supplier')],
        buyer=organization(buyer),
        tender={
            'id': str(tender.id),
            'status': 'complete',
            'numberOfTenderers': len(bids),
            'lots': [{'id': '1', 'status': 'complete'}],
            },
        bids={
            'statistics': [
                {'id': 'bids', 'measure': 'bids', 'value': len(bids)},
                {'id': 'disqualifiedBids', 'measure': 'disqualifiedBids',
                    'value': disqualified},
                ],
            'details': details,
            },
        awards=[_clean({
                    'id': award_id(tender),
                    'title': tender.name,
                    'status': 'active',
                    'date': moment(date),
                    'value': money(winner.price, tender.currency),
                    'suppliers': [organization(winner.provider)],
                    'contractPeriod': period(
                        tender.contract_start, tender.contract_end),
                    'standstillPeriod': period(
                        tender.award_date, tender.standstill_end),
                    'assessmentSummariesDateSent': moment(date),
                    'relatedBid': str(winner.id),
                    'relatedLots': ['1'],
                    'mainProcurementCategory': 'services',
                    'documents': [notice('award', tender.id, date)],
                    })])


# The releases of a contract

def contract_id(contract):
    return contract.reference or str(contract.id)


def contract_award_id(contract):
    if contract.lot:
        return lot_award_id(contract.lot)
    if contract.tender:
        return award_id(contract.tender)
    return 'direct-%s' % contract.id


def contract_releases(contract, data):
    """Return the public releases of the contract: signed, changed,
    monitored, its performance notices, ended"""
    if contract.state not in SIGNED_STATES:
        return []
    ocid = contract_ocid(data.prefix, contract)
    releases = [contract_release(contract, ocid, data)]
    releases += [change_release(contract, c, ocid)
        for c in data.changes[contract.id]]
    releases += [monitoring_release(contract, r, ocid, data)
        for r in data.returns[contract.id]]
    releases += [performance_release(contract, n, ocid, data)
        for n in data.notices[contract.id]]
    if contract.state in ENDED_STATES:
        releases.append(end_release(contract, ocid))
    return releases


def contract_release(contract, ocid, data):
    buyer, supplier = _buyer(contract), contract.provider
    signoff = data.signoffs.get((str(contract), 'contract_activation'))
    date = signoff.create_date if signoff else _changed(contract)
    value, end = signed_terms(contract, data)
    # The targets as signed: before the first change of each
    targets = {}
    for change in reversed(data.changes[contract.id]):
        targets.update({l.kpi.id: l.old_target for l in change.kpis})
    values = {}
    if not contract.tender:
        # A contract brought into the system: its award is the contract's
        values['awards'] = [_clean({
                    'id': contract_award_id(contract),
                    'title': contract.name,
                    'status': 'active',
                    'value': money(value, contract.currency),
                    'suppliers': [organization(supplier)],
                    'contractPeriod': period(
                        contract.start_date, end),
                    })]
    return release(ocid, 'contract', contract.id, date,
        [(buyer, 'buyer'), (supplier, 'supplier')],
        buyer=organization(buyer),
        contracts=[_clean({
                    'id': contract_id(contract),
                    'awardID': contract_award_id(contract),
                    'title': contract.name,
                    'status': 'active',
                    'period': period(contract.start_date, end),
                    'value': money(value, contract.currency),
                    'dateSigned': moment(date),
                    'agreedMetrics': [
                        _agreed_metric(k, targets.get(k.id))
                        for k in data.kpis[contract.id]],
                    'documents': [notice('contract', contract.id, date)],
                    })],
        **values)


def signed_terms(contract, data):
    """Return the value and the end date the contract was signed with:
    those before its first approved change"""
    changes = data.changes[contract.id]
    if changes:
        return changes[0].old_value, changes[0].old_end_date
    return contract.value, contract.end_date


def change_release(contract, change, ocid):
    """Return the contract change notice (UK10) of the approved change: the
    value and term from then on, the KPIs' new targets, and the amendment
    with its reason"""
    date = change.decided_at
    value = (change.new_value if change.new_value is not None
        else change.old_value)
    end = change.new_end_date or change.old_end_date
    release_id = '%s-change-%s' % (ocid, change.id)
    return release(ocid, 'change', change.id, date,
        [(_buyer(contract), 'buyer'), (contract.provider, 'supplier')],
        contracts=[_clean({
                    'id': contract_id(contract),
                    'awardID': contract_award_id(contract),
                    'value': money(value, contract.currency),
                    'period': period(contract.start_date, end),
                    'agreedMetrics': [{
                            'id': str(l.kpi.id),
                            'title': l.kpi.name,
                            'observations': [_clean({
                                        'id': 'target',
                                        'measure': amount(l.new_target),
                                        'unit': _unit(l.kpi),
                                        })],
                            } for l in change.kpis],
                    'amendments': [_clean({
                                'id': str(change.id),
                                'date': moment(date),
                                'rationale': change.reason,
                                'description': change.description,
                                'amendsReleaseID': '%s-contract-%s' % (
                                    ocid, contract.id),
                                'releaseID': release_id,
                                })],
                    'documents': [notice('change', 'change-%s' % change.id,
                            date, change.reason)],
                    })])


def _unit(kpi):
    return {'name': kpi.unit} if kpi.unit else None


def _agreed_metric(kpi, target=None):
    "Return the agreed metric of the KPI, with target (or its own)"
    if target is None:
        target = kpi.target
    observations = [_clean({
                'id': 'target',
                'measure': amount(target) if target is not None else None,
                'unit': _unit(kpi),
                })]
    if kpi.baseline is not None:
        observations.append(_clean({
                    'id': 'baseline',
                    'measure': amount(kpi.baseline),
                    'unit': _unit(kpi),
                    }))
    return _clean({
            'id': str(kpi.id),
            'title': kpi.name,
            'observations': [o for o in observations if 'measure' in o],
            'childFirst': _clean({
                    'tenet': kpi.tenet,
                    'category': kpi.category,
                    'direction': kpi.direction,
                    'tolerance': kpi.tolerance,
                    'disaggregated': bool(kpi.disaggregate),
                    }),
            })


def monitoring_release(contract, record, ocid, data):
    """Return the implementation update of the accepted return: each KPI's
    value for the period with its rating and its breakdowns, the period's
    paid payments and the evidence that children were involved"""
    buyer, supplier = _buyer(contract), contract.provider
    start, end = record.period.start_date, record.period.end_date
    payments = data.payments[(contract.id, record.period.id)]
    date = max([_changed(record)] + [_changed(p) for p in payments])
    key = 'period-%s' % record.period.id
    metrics = []
    counts = defaultdict(int)
    for line in data.lines[record.id]:
        kpi = line.kpi
        if line.rating:
            counts[line.rating] += 1
        if line.value is not None:
            observations = [_observation(
                    key, line.value, kpi, start, end, rating=line.rating)]
        else:
            observations = [_clean({
                        'id': key,
                        'period': period(start, end),
                        'notes': line.unavailable_reason,
                        })]
        for breakdown in data.breakdowns[line.id]:
            group = breakdown.group
            observations.append(_observation(
                    '%s-group-%s' % (key, group.id),
                    breakdown.value, kpi, start, end,
                    dimensions={_camel(group.dimension): group.name}))
        metrics.append({
                'id': str(kpi.id),
                'title': kpi.name,
                'observations': observations,
                })
    transactions = [_clean({
                'id': str(p.id),
                'date': moment(p.paid_date),
                'value': money(p.amount, contract.currency),
                'payer': organization(buyer),
                'payee': organization(supplier),
                }) for p in payments]
    return release(ocid, 'monitoring', record.period.id, date,
        [(buyer, 'buyer'), (supplier, 'supplier')],
        contracts=[{
                'id': contract_id(contract),
                'awardID': contract_award_id(contract),
                'implementation': _clean({
                        'metrics': metrics,
                        'transactions': transactions,
                        'documents': [notice('monitoring', key, date,
                                record.narrative)],
                        'childFirst': _clean({
                                'period': period(start, end),
                                'ratings': dict(counts),
                                'collaboration': collaboration(
                                    data.collaborations[str(record)]),
                                }),
                        }),
                }])


def performance_release(contract, record, ocid, data):
    """Return the contract performance notice (UK9) of the published
    annual notice: every KPI's rating for its period, the value it rests
    on, or why it has none, and the officer's narrative"""
    buyer, supplier = _buyer(contract), contract.provider
    start, end = record.period_start, record.period_end
    date = record.published_at
    key = 'notice-%s' % record.id
    metrics = []
    counts = defaultdict(int)
    for line in data.notice_lines[record.id]:
        kpi = line.kpi
        if line.rating:
            counts[line.rating] += 1
        observation = _observation(key, line.value, kpi, start, end,
            rating=line.rating)
        if not line.rating:
            observation['notes'] = line.unrated_reason
        metrics.append({
                'id': str(kpi.id),
                'title': kpi.name,
                'observations': [_clean(observation)],
                })
    return release(ocid, 'performance', record.id, date,
        [(buyer, 'buyer'), (supplier, 'supplier')],
        contracts=[{
                'id': contract_id(contract),
                'awardID': contract_award_id(contract),
                'implementation': _clean({
                        'metrics': metrics,
                        'documents': [notice('performance', key, date,
                                record.narrative)],
                        'childFirst': _clean({
                                'period': period(start, end),
                                'ratings': dict(counts),
                                }),
                        }),
                }])


def _camel(name):
    first, *rest = name.split('_')
    return first + ''.join(r.title() for r in rest)


def _observation(id_, value, kpi, start, end, rating=None, dimensions=None):
    result = {
        'id': id_,
        'period': period(start, end),
        'measure': amount(value) if value is not None else None,
        'unit': _unit(kpi),
        'dimensions': dimensions,
        }
    if rating:
        result['measureClassification'] = {
            'id': MEASURE_CLASSIFICATION[rating],
            'description': message('msg_ocds_rating_%s' % rating),
            }
    return _clean(result)


def end_release(contract, ocid):
    date = _changed(contract)
    terminated = contract.state == 'terminated'
    description = (contract.termination_reason if terminated
        else message('msg_ocds_contract_completed'))
    return release(ocid, 'end', contract.id, date,
        [(_buyer(contract), 'buyer')],
        contracts=[{
                'id': contract_id(contract),
                'awardID': contract_award_id(contract),
                'status': 'terminated',
                'documents': [notice('end', contract.id, date, description)],
                }])


# Packages and records

def package(releases, companies):
    """Return the release package of the releases, published by the
    companies; its URI and date depend only on its releases"""
    ids = sorted(r['id'] for r in releases)
    return {
        'uri': uuid.uuid5(uuid.NAMESPACE_URL, ' '.join(ids)).urn,
        'version': ocds_schema.VERSION,
        'extensions': ocds_schema.extension_urls(),
        'publishedDate': max((r['date'] for r in releases), default=None),
        'publisher': {'name': _publisher(companies)},
        'releases': releases,
        }


def _publisher(companies):
    return "; ".join(sorted({c.party.name for c in companies}))


def compile_release(releases):
    """Return the compiled release of the releases of one contracting
    process, merged as OCDS 1.1 merges them: objects field by field, arrays
    of objects with an id by id unless the schema merges them whole (
    wholeListMerge), other arrays replaced. The releases are
    merged in the order of the lifecycle they come in (the order of their
    dates, except that records written in one transaction share a date)"""
    compiled = {}
    for item in releases:
        compiled = _merge(compiled, {
                k: v for k, v in item.items() if k not in {'id', 'tag'}})
    compiled['id'] = '%s-compiled' % compiled['ocid']
    compiled['tag'] = ['compiled']
    compiled['date'] = max(r['date'] for r in releases)
    return compiled


def _merge(old, new, key=None):
    if isinstance(old, dict) and isinstance(new, dict):
        result = dict(old)
        for name, value in new.items():
            result[name] = _merge(old.get(name), value, name)
        return result
    if (isinstance(old, list) and isinstance(new, list)
            and key not in ocds_schema.whole_list_fields()
            and _identified(old) and _identified(new)):
        result = {item['id']: item for item in old}
        for item in new:
            result[item['id']] = _merge(result.get(item['id']), item)
        return list(result.values())
    return new


def _identified(items):
    return all(isinstance(i, dict) and 'id' in i for i in items)


def record_package(releases, companies):
    "Return the record package of the releases, a record per OCID"
    by_ocid = defaultdict(list)
    for item in releases:
        by_ocid[item['ocid']].append(item)
    records = [{
            'ocid': ocid,
            'releases': items,
            'compiledRelease': compile_release(items),
            } for ocid, items in sorted(by_ocid.items())]
    head = package(releases, companies)
    del head['releases']
    return dict(head, records=records)


def validate(data, records, kind='release-package'):
    """Raise OcdsError naming the records unless the package data
    validates against the shipped schema"""
    found = ocds_schema.errors(data, kind)
    if found:
        raise OcdsError(message('msg_ocds_invalid',
                records=", ".join(r.rec_name for r in records),
                errors=bullets("%s: %s" % (path, reason)
                    for path, reason in found[:ERRORS_MAX])))


def refuse_empty(releases, records):
    if not releases:
        raise OcdsError(message('msg_ocds_nothing_public',
                records=", ".join(r.rec_name for r in records)))


# The entry points

def tender_package(tenders):
    """Return the validated release package of every public release of
    the tenders"""
    with without_check_access():
        data = collect(tenders, [])
        releases = [r for t in tenders for r in tender_releases(t, data)]
        refuse_empty(releases, tenders)
        result = package(releases, [t.company for t in tenders])
        validate(result, tenders)
    return result


def contract_package(contracts):
    """Return the validated release package of every public release of
    the contracts"""
    with without_check_access():
        data = collect([], contracts)
        releases = [r for c in contracts for r in contract_releases(c, data)]
        refuse_empty(releases, contracts)
        result = package(releases, [c.company for c in contracts])
        validate(result, contracts)
    return result


def publications(tenders, contracts):
    """Return {OCID: release package} of the tenders and of the contracts
    without a tender, and the record package of them all, validated; each
    tender and contract without a public release is left out"""
    with without_check_access():
        data = collect(tenders, contracts)
        by_ocid = {}
        for tender in tenders:
            releases = tender_releases(tender, data)
            if releases:
                by_ocid[tender_ocid(data.prefix, tender.id)] = (
                    releases, [tender])
        for contract in contracts:
            releases = contract_releases(contract, data)
            if not contract.tender and releases:
                by_ocid[contract_ocid(data.prefix, contract)] = (
                    releases, [contract])
        packages = {}
        for ocid, (releases, records) in by_ocid.items():
            packages[ocid] = package(releases, [r.company for r in records])
            validate(packages[ocid], records)
        every = [r for releases, _ in by_ocid.values() for r in releases]
        owners = [r for _, records in by_ocid.values() for r in records]
        records = None
        if every:
            records = record_package(every, [r.company for r in owners])
            validate(records, owners, 'record-package')
    return packages, records


def published(since=None):
    """Return the tenders that have public releases and the contracts
    without a tender that have some; with since (a date), only those that
    changed since that day"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Contract = pool.get('commissioning.contract')
    with without_check_access():
        tender_domain = ['OR',
            ('state', 'in', PUBLIC_STATES),
            [('state', '=', 'cancelled'), ('published_at', '!=', None)],
            ]
        contract_domain = [
            ('tender', '=', None),
            ('state', 'in', SIGNED_STATES),
            ]
        if since is not None:
            tender_ids, contract_ids = changed_since(since)
            tender_domain = [tender_domain, ('id', 'in', tender_ids)]
            contract_domain.append(('id', 'in', contract_ids))
        order = [('id', 'ASC')]
        return (Tender.search(tender_domain, order=order),
            Contract.search(contract_domain, order=order))


def changed_since(since):
    """Return the ids of the tenders and of the contracts that changed, or
    anything beneath them changed, since the day since"""
    pool = Pool()
    moment_ = dt.datetime.combine(since, dt.time())
    changed = ['OR',
        ('write_date', '>=', moment_),
        ('create_date', '>=', moment_),
        ]

    def ids(model, path):
        Model = pool.get(model)
        return {_walk(r, path) for r in Model.search(changed)}

    tenders = ids('commissioning.tender', 'id')
    tenders |= ids('commissioning.tender.criterion', 'tender.id')
    tenders |= ids('commissioning.bid', 'tender.id')
    tenders |= ids('commissioning.tender.question', 'tender.id')
    tenders |= ids('commissioning.tender.amendment', 'tender.id')
    contracts = ids('commissioning.contract', 'id')
    contracts |= ids('commissioning.contract.kpi', 'contract.id')
    contracts |= ids('commissioning.contract.payment', 'contract.id')
    contracts |= ids('commissioning.monitoring.return', 'contract.id')
    contracts |= ids(
        'commissioning.contract.performance_notice', 'contract.id')
    contracts |= ids('commissioning.contract.change', 'contract.id')
    contracts |= ids(
        'commissioning.monitoring.return.line', 'return_.contract.id')
    contracts |= ids(
        'commissioning.monitoring.return.breakdown',
        'line.return_.contract.id')
    returns = set()
    by_model = {
        'commissioning.tender': tenders,
        'commissioning.contract': contracts,
        'commissioning.monitoring.return': returns,
        }
    # The records of the tenders, contracts and returns, by their origin
    for model, field in [
            ('commissioning.collaboration', 'origin'),
            ('commissioning.signoff', 'origin'),
            ('ir.attachment', 'resource'),
            ]:
        Model = pool.get(model)
        for record in Model.search(
                [changed, (field, 'like', 'commissioning.%')]):
            name, _, id_ = str(getattr(record, field)).partition(',')
            if name in by_model and id_.isdigit():
                by_model[name].add(int(id_))
    if returns:
        Return = pool.get('commissioning.monitoring.return')
        contracts |= {r.contract.id for r in Return.browse(list(returns))}
    if contracts:
        Contract = pool.get('commissioning.contract')
        tenders |= {c.tender.id for c in Contract.browse(list(contracts))
            if c.tender}
    return sorted(tenders), sorted(contracts)


def _walk(record, path):
    for name in path.split('.'):
        record = getattr(record, name)
    return record


class OcdsExportResult(ModelView):
    __name__ = 'commissioning.ocds.export.result'
    __string__ = "Open Contracting Data"

    file = fields.Binary(
        "File", filename='filename', readonly=True,
        help="The release package in the Open Contracting Data Standard "
        "1.1, validated: save it to publish it.")
    filename = fields.Char("File Name", readonly=True)


class OcdsExport(Wizard):
    "Export the public releases of tenders or contracts as a JSON file"
    __name__ = 'commissioning.ocds.export'
    __string__ = "Export OCDS"
    start = StateTransition()
    result = StateView(
        'commissioning.ocds.export.result',
        'childfirst_commissioning.ocds_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_start(self):
        return 'result'

    def default_result(self, fields):
        result = self.model.ocds_release_package(self.records)
        ocids = sorted({r['ocid'] for r in result['releases']})
        name = ocids[0] if len(ocids) == 1 else 'release-package'
        return {
            'file': json.dumps(
                result, indent=2, ensure_ascii=False).encode('utf-8'),
            'filename': '%s.json' % name,
            }
