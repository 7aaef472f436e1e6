# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Tools the tests and the benchmark share.

The tests import the module's own names (its errors, limits and pure
functions) from here, so that they are imported in one place."""
import datetime as dt
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from io import BytesIO

from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from trytond.cache import Cache
from trytond.modules.childfirst_commissioning.contract import (
    monitoring_periods, rate)
from trytond.modules.childfirst_commissioning.exceptions import (
    AwardError, BidSubmissionError, CloseError, CommissioningWarning,
    ContractError, ContractValidationError, EvaluationError,
    EvaluationIncompleteError, InputError, LockedError, MissingRecordError,
    PaymentError, PublishError, RelationError, ReturnError,
    ReturnValidationError, ScoreError, SegregationError, SignoffError,
    TenderDesignError, WithdrawError)
from trytond.modules.childfirst_commissioning.language import term_pattern
from trytond.modules.childfirst_commissioning.validation import (
    CHAR_SIZE, INTEGER_MAX, NUMBER_MAX, TEXT_SIZE, InputMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, USER
from trytond.transaction import Transaction, without_check_access

__all__ = [
    'CHAR_SIZE', 'INTEGER_MAX', 'NUMBER_MAX', 'TEXT_SIZE', 'InputMixin',
    'monitoring_periods', 'rate', 'term_pattern',
    'AwardError', 'BidSubmissionError', 'CloseError', 'CommissioningWarning',
    'ContractError', 'ContractValidationError', 'EvaluationError',
    'EvaluationIncompleteError', 'InputError', 'LockedError',
    'MissingRecordError', 'PaymentError', 'PublishError', 'RelationError',
    'ReturnError', 'ReturnValidationError', 'ScoreError', 'SegregationError',
    'SignoffError', 'TenderDesignError', 'WithdrawError',
    ]

TODAY = dt.date.today()
# A contract that started a year ago, brought into the system
START = TODAY - dt.timedelta(days=365)
END = START + relativedelta(years=2, days=-1)

# The criteria of the library by name
CF = [
    "Treating children as children", "Building pro-social identity",
    "Collaborating with children", "Diverting from stigma"]
DELIVERY = "Service delivery and value"
EVIDENCE = "Evidence of collaboration with children"


class _CountingCursor:
    def __init__(self, cursor, counter):
        self._cursor = cursor
        self._counter = counter

    def execute(self, *args, **kwargs):
        self._counter.append(args[0] if args else None)
        return self._cursor.execute(*args, **kwargs)

    def __iter__(self):
        return iter(self._cursor)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        close = getattr(self._cursor, 'close', None)
        if close:
            close()

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class _CountingConnection:
    def __init__(self, connection, counter):
        self._connection = connection
        self._counter = counter

    def cursor(self, *args, **kwargs):
        return _CountingCursor(
            self._connection.cursor(*args, **kwargs), self._counter)

    def __getattr__(self, name):
        return getattr(self._connection, name)


@contextmanager
def count_queries():
    """Count the SQL statements the current transaction executes.

    Yields the list the statements are appended to."""
    transaction = Transaction()
    queries = []
    connection = transaction.connection
    transaction.connection = _CountingConnection(connection, queries)
    try:
        yield queries
    finally:
        transaction.connection = connection


@contextmanager
def rolled_back(database):
    """Yield a transaction of the admin user on database, rolled back at
    the end with the caches dropped, as trytond's ``with_transaction``
    does"""
    with Transaction().start(database, USER, context=CONTEXT) as transaction:
        # with_transaction runs a test again with the table locked from the
        # start when it asks for a lock (a singleton's first save): here the
        # lock is taken at once, as trytond does while it loads the modules
        transaction.lock_table = lambda table: transaction.database.lock(
            transaction.connection, table)
        transaction.lock_records = (
            lambda table, ids: transaction.database.lock_records(
                transaction.connection, table, ids))
        try:
            yield transaction
        finally:
            transaction.rollback()
            transaction.tasks.clear()
            Cache.drop(database)


def complete_collaboration(**values):
    "Return the values of a complete record of collaboration with children"
    result = {
        'date': dt.date.today() - dt.timedelta(days=30),
        'method': 'co_design',
        'children_count': 12,
        'space': "Evening sessions at the youth centre the children chose.",
        'voice': "Children drew and wrote what good support looks like.",
        'audience': "The head of commissioning attended both sessions.",
        'influence': "Criteria on trusted adults were added at their request.",
        'feedback_to_children': "A letter and a follow-up session.",
        'consent_confirmed': True,
        }
    result.update(values)
    return result


# Users

def make_user(login, *groups):
    "Create a user of the current company in the groups given by XML id"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    company = Transaction().context.get('company')
    user, = User.create([{
                'name': login.title(),
                'login': login,
                'companies': [('add', [company])],
                'company': company,
                'groups': [('add', [
                            ModelData.get_id('childfirst_commissioning', g)
                            for g in groups])],
                }])
    return user


def make_provider(name, login):
    "Return a provider organisation and a user who acts for it"
    pool = Pool()
    Party = pool.get('party.party')
    User = pool.get('res.user')
    party, = Party.create([{'name': name}])
    user = make_user(login, 'group_commissioning_provider')
    User.write([user], {'commissioning_parties': [('add', [party.id])]})
    return party, user


def as_user(user):
    "Return a context manager acting as user with access checks on"
    transaction = Transaction()

    class _User:
        def __enter__(self):
            self._user = transaction.set_user(user.id)
            self._user.__enter__()
            self._context = transaction.set_context(
                _check_access=True, company=user.company.id)
            self._context.__enter__()

        def __exit__(self, *args):
            self._context.__exit__(*args)
            self._user.__exit__(*args)
    return _User()


def assert_writes_refused(users, attacks):
    """Assert that each user's write of each (Model, record, values) of
    attacks is refused and changes nothing"""
    from trytond.model.exceptions import AccessError
    failures = []
    for user in users:
        for Model, record, values in attacks:
            name, = values
            before = Model.read([record.id], [name])[0][name]
            try:
                with as_user(user):
                    Model.write([Model(record.id)], values)
            except AccessError:
                pass
            else:
                failures.append((user.login, Model.__name__, name))
            assert Model.read([record.id], [name])[0][name] == before, (
                user.login, Model.__name__, name)
    assert not failures, "Written: %s" % failures


# Tenders

def make_tender(**values):
    """Create a tender designed as a commissioning officer would: the
    criteria library, a complete co-design record, budget and dates"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    now = dt.datetime.now()
    tender_values = {
        'name': "Community support for children at risk of exploitation",
        'description': "Mentoring and diversion for children.",
        'budget': Decimal('250000'),
        'submission_deadline': now + dt.timedelta(days=30),
        'contract_start': (now + dt.timedelta(days=90)).date(),
        'contract_end': (now + dt.timedelta(days=90 + 730)).date(),
        'collaborations': [('create', [complete_collaboration()])],
        }
    tender_values.update(values)
    tender, = Tender.create([tender_values])
    Tender.load_child_first_criteria([tender])
    return Tender(tender.id)


def criterion(tender, name):
    "Return the criterion of tender named name"
    for criterion in tender.criteria:
        if criterion.name == name:
            return criterion
    raise KeyError(name)


def publish_tender(officer, finance, **values):
    """Return a tender designed by the officer, approved by finance and
    published"""
    Tender = Pool().get('commissioning.tender')
    with Transaction().set_user(officer.id):
        tender = make_tender(**values)
        Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    with Transaction().set_user(officer.id):
        Tender.publish([tender])
    return Tender(tender.id)


def set_deadline(tender, deadline):
    "Move a tender's deadline, as the passing of time would"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.submission_deadline], [deadline],
            where=table.id == tender.id))
    Transaction().cache.clear()
    return Tender(tender.id)


def close(tender):
    "Close tender as its deadline had passed"
    Tender = Pool().get('commissioning.tender')
    set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
    confirmed('close', [Tender(tender.id)])


# Bids

def complete_bid(bid, price=Decimal('240000')):
    "Answer every criterion, price the bid and attach evidence"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    for response in bid.responses:
        if response.criterion.method != 'price':
            Response.write([response], {
                    'response': "How we meet %s." % response.criterion.name,
                    })
    Bid.write([bid], {'price': price})
    Collaboration.create([complete_collaboration(origin=str(bid))])
    return Bid(bid.id)


def confirmed(button, records):
    """Press the button (a method of the records' model) on records,
    confirming as the user does in the client's warning dialog"""
    with Transaction().set_context(_skip_warnings=True):
        getattr(records[0].__class__, button)(records)


def submit_bids(bids):
    "Submit the bids, confirming as the bidder does"
    confirmed('submit', bids)


def bid_on(tender, user, price):
    "Return a complete draft bid of user on tender"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    with as_user(user):
        bid, = Bid.create([{'tender': tender.id}])
        Response.write(list(bid.responses), {'response': "Our answer."})
        Bid.write([bid], {'price': Decimal(price)})
        Collaboration.create([complete_collaboration(origin=str(bid))])
    return Bid(bid.id)


# The worked example of the evaluation: Providers A, B and C

def add_evaluators(tender, criteria):
    """Add a specialist, a children's panel and a conflicted evaluator;
    return the evaluators and their users by key"""
    Evaluator = Pool().get('commissioning.tender.evaluator')
    users = {
        'specialist': make_user(
            'specialist', 'group_commissioning_evaluator'),
        'panel': make_user('panel', 'group_commissioning_evaluator'),
        'finance_lead': make_user(
            'financelead', 'group_commissioning_evaluator'),
        }
    specialist, panel, finance_lead = Evaluator.create([{
                'tender': tender.id, 'user': users['specialist'].id,
                'role': 'specialist',
                'criteria': [('add', [
                            criteria[n].id for n in CF + [DELIVERY]])],
                }, {
                'tender': tender.id, 'user': users['panel'].id,
                'role': 'children_panel',
                'criteria': [('add', [criteria[n].id for n in CF])],
                }, {
                'tender': tender.id, 'user': users['finance_lead'].id,
                'role': 'officer',
                'criteria': [('add', [criteria[DELIVERY].id])],
                }])
    return {'specialist': specialist, 'panel': panel,
        'finance_lead': finance_lead}, users


def declare(evaluators, users, bids):
    "The specialist and the panel have no conflict; the lead has one on C"
    Evaluator = Pool().get('commissioning.tender.evaluator')
    with as_user(users['specialist']):
        Evaluator.declare_no_conflict([evaluators['specialist']])
    with as_user(users['panel']):
        Evaluator.declare_no_conflict([evaluators['panel']])
    with as_user(users['finance_lead']):
        Evaluator.write([evaluators['finance_lead']], {
                'conflicted_bids': [('add', [bids['C'].id])],
                'conflict_note': "Trustee of Provider C.",
                })
        Evaluator.declare_conflict([evaluators['finance_lead']])


def assess(officer, bids, criteria, failing=('C',)):
    "The officer assesses the evidence of each bid: the failing ones fail"
    Response = Pool().get('commissioning.bid.response')
    with as_user(officer):
        for key, bid in bids.items():
            response = response_of(bid, criteria[EVIDENCE])
            Response.write([response], {'passed': key not in failing})


def response_of(bid, criterion):
    "Return the response of bid to criterion"
    response, = [r for r in bid.responses if r.criterion == criterion]
    return response


def score(user, evaluator, bid, criterion, value):
    "Return the score of value that user gives as evaluator"
    Score = Pool().get('commissioning.score')
    with as_user(user):
        return Score.create([{
                    'response': response_of(bid, criterion).id,
                    'evaluator': evaluator.id,
                    'score': value,
                    'justification': "Scored %s because ..." % value,
                    }])[0]


def score_all(bids, criteria, evaluators, users):
    "The scores of the worked example of the README"
    plan = {
        # bid: (specialist on all, panel on CF, finance lead delivery)
        'A': (4, {n: 4 for n in CF}, 4),
        'B': (5, {CF[0]: 3, CF[1]: 5, CF[2]: 5, CF[3]: 5}, 5),
        'C': (3, {n: 3 for n in CF}, None),
        }
    for key, (specialist, panel, lead) in plan.items():
        for name in CF + [DELIVERY]:
            score(users['specialist'], evaluators['specialist'],
                bids[key], criteria[name], specialist)
        for name, value in panel.items():
            score(users['panel'], evaluators['panel'],
                bids[key], criteria[name], value)
        if lead is not None:
            score(users['finance_lead'], evaluators['finance_lead'],
                bids[key], criteria[DELIVERY], lead)


# Contracts and monitoring

def kpi(name, tenet, category='positive_outcome', **values):
    result = {
        'name': name, 'tenet': tenet, 'category': category,
        'unit': 'children', 'direction': 'higher', 'target': Decimal(80),
        'tolerance': 10,
        }
    result.update(values)
    return result


# KPIs that pass the activation gate: each tenet, a child experience KPI,
# positive outcomes before offence/contact, one disaggregated
GOOD_KPIS = [
    kpi("Children who say staff treat them as children", 'as_children',
        'child_experience', unit='%', additive=False),
    kpi("Children in education, training or work", 'pro_social',
        disaggregate=True),
    kpi("Children who helped shape their plan", 'collaboration', 'process'),
    kpi("Children diverted from formal processing", 'diversion'),
    kpi("Children arrested again within 12 months", 'diversion',
        'offence_contact', direction='lower', target=Decimal(10)),
    ]


def draft_contract(officer, party, kpis=None, payments=None):
    "Return a draft contract created by the officer"
    Contract = Pool().get('commissioning.contract')
    if payments is None:
        payments = [
            {'amount': Decimal(25000),
                'planned_date': START + dt.timedelta(days=100 * i)}
            for i in range(1, 5)]
    # As the officer's Create Contract button does: nobody creates a
    # contract directly
    with as_user(officer), without_check_access():
        contract, = Contract.create([{
                    'name': "Trusted adults for children",
                    'provider': party.id,
                    'value': Decimal(100000),
                    'start_date': START, 'end_date': END,
                    'frequency': 'quarterly',
                    'kpis': [('create', GOOD_KPIS if kpis is None
                            else kpis)],
                    'payments': [('create', payments)],
                    }])
    return contract


def first_return(contract):
    "Return the return of the contract's first period"
    Return = Pool().get('commissioning.monitoring.return')
    return Return.search([('contract', '=', contract.id)],
        order=[('period.start_date', 'ASC')])[0]


def fill_return(provider, record, values=None, evidence=True):
    """Fill every line of the return as the provider, with breakdowns that
    add up, and evidence from the period"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Collaboration = pool.get('commissioning.collaboration')
    values = values or {}
    with as_user(provider):
        record = Return(record.id)
        for line in record.lines:
            value = values.get(line.kpi.name, Decimal(85))
            Line.write([line], {'value': value})
            if line.kpi.disaggregate:
                add_breakdowns(line, value)
        if evidence:
            Collaboration.create([complete_collaboration(
                        origin=str(record),
                        date=record.period.start_date
                        + dt.timedelta(days=10))])
        Return.write([record], {'narrative': "A good quarter."})
    return Return(record.id)


def add_breakdowns(line, value):
    """Break the value of line down by each dimension: all of it in the
    first group of the dimension"""
    pool = Pool()
    Breakdown = pool.get('commissioning.monitoring.return.breakdown')
    Group = pool.get('commissioning.monitoring.group')
    by_dimension = {}
    for group in Group.search([]):
        by_dimension.setdefault(group.dimension, []).append(group)
    for members in by_dimension.values():
        Breakdown.create([{
                    'line': line.id, 'group': g.id,
                    'value': value if i == 0 else 0,
                    } for i, g in enumerate(members)])


# Reports

def pdf_text(content):
    "Return the text of the PDF content, its white space collapsed"
    reader = PdfReader(BytesIO(content))
    return " ".join(
        " ".join(page.extract_text() or '' for page in reader.pages).split())


def pdf_lines(content):
    "Return the lines of text of each page of the PDF content"
    reader = PdfReader(BytesIO(content))
    return [(page.extract_text() or '').splitlines() for page in reader.pages]


def split_words(content):
    """Return the words of the PDF content split across two lines: a line
    that ends in letters and a next line that starts in lower-case letters
    which, joined, make a word the document writes whole elsewhere"""
    lines = [line.split() for page in pdf_lines(content) for line in page]
    whole = {w.strip('(),.:;') for line in lines for w in line}
    result = []
    for line, following in zip(lines, lines[1:]):
        if not line or not following:
            continue
        head, tail = line[-1], following[0]
        if (head[-1:].isalpha() and tail[:1].islower()
                and (head + tail).strip('(),.:;') in whole):
            result.append(head + '|' + tail)
    return result


def blank_pages(content, footer=0.06, ink=0.002):
    """Return the numbers of the pages of the PDF content that have (nearly)
    no ink above their footer, rendered as a reader sees them"""
    import pypdfium2
    result = []
    document = pypdfium2.PdfDocument(content)
    for number, page in enumerate(document, 1):
        bitmap = page.render(scale=0.5, grayscale=True)
        pixels = bytes(bitmap.buffer)
        height = int(bitmap.height * (1 - footer))
        dark = sum(
            1 for y in range(height)
            for value in pixels[y * bitmap.stride:
                y * bitmap.stride + bitmap.width]
            if value < 200)
        if dark < ink * bitmap.width * height:
            result.append(number)
    return result


def print_report(xml_id, records, user=None):
    """Print the report of records as the client does, as user with access
    checks on; return its type, content, direct print and name"""
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
