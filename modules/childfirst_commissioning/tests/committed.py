# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The records the tests of bad input commit, and the calls on them as a
user scripting JSON-RPC makes them: each call in a transaction of its own,
rolled back at its end as the RPC dispatcher rolls back a failed call."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.cache import Cache
from trytond.exceptions import UserError
from trytond.modules.childfirst_commissioning.tests.tools import (
    END, GOOD_KPIS, START, as_user, bid_on, close, fill_return, make_provider,
    make_tender, make_user, publish_tender, submit_bids)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

# The KPIs of a contract without an offence/contact KPI
KPIS = GOOD_KPIS[:4]


class Committed:
    "The committed records by key and calls on them"

    def __init__(self, database):
        self.database = database
        with Transaction().start(database, 1) as transaction:
            self.ids = build()
            transaction.commit()

    @contextmanager
    def transaction(self):
        "Yield the pool in a transaction of root, rolled back at its end"
        with Transaction().start(self.database, 0) as transaction:
            try:
                yield Pool()
            finally:
                transaction.rollback()

    def run_as(self, key, function):
        """Call function with the pool as the user of key with access checks
        on (or the system if key is None), in a transaction rolled back at
        the end; return the user error raised, if any"""
        extras = {}
        while True:
            with Transaction().start(
                    self.database, 0, **extras) as transaction:
                try:
                    with transaction.set_user(
                                self.ids[key] if key else 0), \
                            transaction.set_context(
                                _check_access=bool(key),
                                company=self.ids['company']):
                        function(Pool())
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                except UserError as error:
                    return error
                finally:
                    transaction.rollback()
                    Cache.drop(self.database)
                return None

    def read(self, model, key, names):
        "Return the values of names of the record of key"
        with self.transaction() as pool:
            return pool.get(model).read([self.ids[key]], names)[0]

    def label(self, model, name):
        "Return the label of the field"
        with self.transaction() as pool:
            return pool.get(model).fields_get([name])[name]['string']


def build():
    """Return the ids of a tender in evaluation with a score, a published
    tender with a draft bid, a draft tender, two active contracts with
    their returns (the first one accepted), a draft contract and the users
    who act on them"""
    company = create_company()
    ids = {'company': company.id, 'configuration': 1}
    with set_company(company):
        users = {
            'officer': make_user('officer', 'group_commissioning'),
            'finance': make_user('finance', 'group_commissioning_finance'),
            }
        tender = publish_tender(users['officer'], users['finance'])
        users['admin'] = make_user('cadmin', 'group_commissioning_admin')
        party_a, users['provider_a'] = make_provider(
            "Provider A", 'providera')
        _, users['provider_b'] = make_provider("Provider B", 'providerb')
        ids.update(evaluation(tender, users))
        ids.update(tenders(users))
        ids.update(contracts(party_a, users))
        ids.update(library(users['admin']))
        ids.update({k: u.id for k, u in users.items()})
    return ids


def evaluation(tender, users):
    """Bids of providers A and B on tender, which is then in evaluation by a
    specialist who scored A and a children's panel"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Evaluator = pool.get('commissioning.tender.evaluator')
    Score = pool.get('commissioning.score')
    officer = users['officer']
    bid_a = bid_on(tender, users['provider_a'], 200000)
    bid_b = bid_on(tender, users['provider_b'], 250000)
    with as_user(users['provider_a']):
        submit_bids([bid_a])
    with as_user(users['provider_b']):
        submit_bids([bid_b])
    with Transaction().set_user(officer.id):
        close(tender)
    tender = Tender(tender.id)
    scored = [c for c in tender.criteria if c.method == 'scored']
    child_first = [c for c in scored if c.tenet]
    specialist = users['specialist'] = make_user(
        'specialist', 'group_commissioning_evaluator')
    panel = users['panel'] = make_user(
        'panel', 'group_commissioning_evaluator')
    with as_user(officer):
        ev_specialist, ev_panel = Evaluator.create([{
                    'tender': tender.id, 'user': specialist.id,
                    'role': 'specialist',
                    'criteria': [('add', [c.id for c in scored])],
                    }, {
                    'tender': tender.id, 'user': panel.id,
                    'role': 'children_panel',
                    'criteria': [('add', [c.id for c in child_first])],
                    }])
    for user, evaluator in [(specialist, ev_specialist), (panel, ev_panel)]:
        with as_user(user):
            Evaluator.declare_no_conflict([evaluator])
    with as_user(officer):
        Response.write([r for b in [bid_a, bid_b]
                for r in Bid(b.id).responses
                if r.criterion.method == 'pass_fail'],
            {'passed': True})
        Tender.start_evaluation([tender])
    responses = {(r.bid.id, r.criterion.id): r
        for b in [bid_a, bid_b] for r in Bid(b.id).responses}
    with as_user(specialist):
        score, = Score.create([{
                    'response': responses[bid_a.id, child_first[0].id].id,
                    'evaluator': ev_specialist.id, 'score': 3,
                    'justification': "Sound."}])
    return dict(
        tender_eval=tender.id, bid_a=bid_a.id, bid_b=bid_b.id,
        score=score.id,
        response_a_scored=responses[bid_a.id, child_first[0].id].id,
        response_b_scored=responses[bid_b.id, child_first[0].id].id,
        response_a_pass_fail=[r for r in responses.values()
            if r.bid == bid_a and r.criterion.method == 'pass_fail'][0].id,
        ev_specialist=ev_specialist.id, ev_panel=ev_panel.id)


def tenders(users):
    "A published tender with a draft bid of provider A and a draft tender"
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    with Transaction().set_user(users['officer'].id):
        published = make_tender(name="Second tender")
        Tender.request_approval([published])
    with Transaction().set_user(users['finance'].id):
        Tender.approve([published])
    with Transaction().set_user(users['officer'].id):
        Tender.publish([published])
        draft = make_tender(name="Draft tender")
    with as_user(users['provider_a']):
        bid2, = Bid.create([{'tender': published.id}])
    response2 = [r for r in bid2.responses
        if r.criterion.method != 'price'][0]
    criterion_draft = [c for c in draft.criteria
        if c.method == 'scored' and c.kpi_templates][0]
    return dict(
        tender_pub=published.id, tender_draft=draft.id,
        criterion_draft=criterion_draft.id,
        kpi_template_draft=criterion_draft.kpi_templates[0].id,
        collaboration_draft=draft.collaborations[0].id,
        bid2=bid2.id, response2=response2.id)


def contracts(party, users):
    """Two active contracts with the party, the first return of the first
    one accepted, and a draft contract"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    Group = pool.get('commissioning.monitoring.group')
    contracts = []
    with Transaction().set_user(users['officer'].id):
        for name in ["Active one", "Active two", "Draft"]:
            contracts.append(Contract.create([{
                            'name': name, 'provider': party.id,
                            'value': Decimal(100000),
                            'start_date': START, 'end_date': END,
                            'frequency': 'quarterly',
                            'kpis': [('create', KPIS)],
                            'payments': [('create', [{
                                            'amount': Decimal(25000),
                                            'planned_date': (START
                                                + dt.timedelta(
                                                    days=100 * i)),
                                            } for i in range(1, 5)])],
                            }])[0])
    with Transaction().set_user(users['finance'].id):
        Contract.activate(contracts[:2])
    active, other, draft = [Contract(c.id) for c in contracts]
    accepted, draft_return = Return.search(
        [('contract', '=', active.id)],
        order=[('period.start_date', 'ASC')])[:2]
    accept(accepted, users)
    lines = {l.kpi.disaggregate: l for l in draft_return.lines}
    return dict(
        contract_active=active.id, contract_other=other.id,
        contract_draft=draft.id, kpi_draft=draft.kpis[0].id,
        payment_draft=draft.payments[0].id,
        payment_active=active.payments[0].id,
        return_accepted=accepted.id, return_draft=draft_return.id,
        line_draft=lines[False].id, line_disaggregated=lines[True].id,
        group=Group.search([])[0].id)


def accept(record, users):
    "Fill the return as provider A, submit it and accept it as the officer"
    Return = Pool().get('commissioning.monitoring.return')
    record = fill_return(users['provider_a'], record)
    with as_user(users['provider_a']):
        Return.submit([record])
    with as_user(users['officer']):
        Return.accept([Return(record.id)])


def library(admin):
    "A term of the language check and a criterion of the library"
    pool = Pool()
    Term = pool.get('commissioning.language.term')
    Library = pool.get('commissioning.library.criterion')
    with Transaction().set_user(admin.id):
        term, = Term.create([{
                    'term': "input test term", 'suggestion': "child",
                    'blocking': False}])
        library_criterion, = Library.create([{
                    'name': "Trusted adults", 'method': 'scored',
                    'weight': Decimal(10)}])
    return dict(term=term.id, library_criterion=library_criterion.id)
