# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The fixtures the tests of Child First commissioning share.

The module is activated once for the session on the database that
TRYTOND_DATABASE_URI and DB_NAME name. Each test runs in a transaction of
the admin user that is rolled back at its end, as trytond's
``with_transaction`` does, so the database stays as the activation left it.

The scenarios (proteus) and Tryton's ``ModuleTestCase`` create and drop the
database themselves: the scenarios run first and ``ModuleTestCase`` last;
the tests of bad input, which commit their records, run just before it."""
import datetime as dt
import pathlib
from decimal import Decimal
from types import SimpleNamespace

import pytest

from trytond import config
from trytond.modules.childfirst_commissioning.tests.committed import Committed
from trytond.modules.childfirst_commissioning.tests.tools import (
    CF, add_evaluators, as_user, assess, bid_on, confirmed, declare,
    draft_contract, fill_return, make_provider, make_user, publish_tender,
    response_of, rolled_back, score_all, set_deadline, submit_bids)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, activate_module, drop_db)

MODULE = 'childfirst_commissioning'
HERE = pathlib.Path(__file__).parent

# SQLite in memory has one connection that every transaction shares. Every
# clean_timeout seconds (300 by default) the start of a transaction
# synchronises the caches through an autocommit connection, which turns
# autocommit on for that shared connection: the test that starts then would
# commit everything it writes instead of rolling it back, and the tests after
# it would meet its users. The caches of one process need no synchronisation.
if DB_NAME == ':memory:':
    config.set('cache', 'clean_timeout', str(10 ** 9))


# The order of the tests

def pytest_collection_modifyitems(items):
    """Run the scenarios first, then the tests that share the database, the
    tests that commit and the module's generic tests last"""
    ours = [i for i, item in enumerate(items) if item.path.parent == HERE]
    ordered = sorted((items[i] for i in ours), key=_rank)
    for i, item in zip(ours, ordered):
        items[i] = item


def _rank(item):
    if isinstance(item, pytest.DoctestItem):
        return 0
    if issubclass(getattr(item, 'cls', None) or object, ModuleTestCase):
        return 3
    if 'committed' in getattr(item, 'fixturenames', ()):
        return 2
    return 1


# The database and the transaction

class ModuleDatabase:
    "The database with the module activated that the tests share"

    def __init__(self):
        self.clean = False

    def activate(self):
        """Return the name of the database, activating the module on a new
        one if a test case dropped it or a test committed"""
        if not self.clean or DB_NAME not in Pool.database_list():
            drop_db()
            activate_module(MODULE)
            self.clean = True
        return DB_NAME

    def drop(self):
        drop_db()
        self.clean = False


@pytest.fixture(scope='session')
def module_database():
    database = ModuleDatabase()
    yield database
    if database.clean:
        database.drop()


@pytest.fixture
def database(module_database):
    "The name of the database with the module activated"
    return module_database.activate()


@pytest.fixture
def transaction(database):
    """A transaction of the admin user, rolled back at the end of the test
    with the caches dropped"""
    with rolled_back(database) as transaction:
        yield transaction


@pytest.fixture
def company(transaction):
    "The company, the admin user's current one"
    company = create_company()
    with set_company(company):
        yield company


@pytest.fixture(scope='session')
def committed(module_database):
    """The records of the tests of bad input, committed on a new database
    that is dropped once they are done"""
    committed = Committed(module_database.activate())
    module_database.clean = False
    yield committed
    module_database.drop()


# The users of each role

@pytest.fixture
def officer(company):
    "A commissioning officer"
    return make_user('officer', 'group_commissioning')


@pytest.fixture
def finance(company):
    "A finance approver"
    return make_user('finance', 'group_commissioning_finance')


@pytest.fixture
def evaluator(company):
    "An evaluator assigned to no tender"
    return make_user('evaluator', 'group_commissioning_evaluator')


@pytest.fixture
def provider(company):
    "A provider's user who acts for no organisation yet"
    return make_user('provider', 'group_commissioning_provider')


@pytest.fixture
def provider_party(provider):
    "The organisation the provider's user acts for"
    pool = Pool()
    Party = pool.get('party.party')
    User = pool.get('res.user')
    party, = Party.create([{'name': "Northside Youth Trust"}])
    User.write([provider], {'commissioning_parties': [('add', [party.id])]})
    return party


# Tenders and bids

@pytest.fixture
def published(officer, finance):
    "A tender designed by the officer, approved by finance and published"
    return publish_tender(officer, finance)


@pytest.fixture
def bidders(company):
    "Two provider organisations, each with a user"
    return [make_provider(name, name.split()[0].lower())
        for name in ["Northside Youth Trust", "Riverside Mentoring"]]


# The worked example of the evaluation: the bids of Providers A, B and C

@pytest.fixture
def closed(officer, finance):
    """The closed tender of the worked example with the submitted bids of
    Providers A, B and C: tender, officer, bids and criteria by name"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Bid = pool.get('commissioning.bid')
    tender = publish_tender(officer, finance)
    bids = {}
    for key, price in [('A', 200000), ('B', 250000), ('C', 150000)]:
        _, user = make_provider(
            "Provider %s" % key, 'provider%s' % key.lower())
        bid = bid_on(tender, user, price)
        with as_user(user):
            submit_bids([bid])
        bids[key] = Bid(bid.id)
    set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
    with as_user(officer):
        confirmed('close', [Tender(tender.id)])
    tender = Tender(tender.id)
    criteria = {c.name: c for c in tender.criteria}
    return SimpleNamespace(
        tender=tender, officer=officer, bids=bids, criteria=criteria)


@pytest.fixture
def assigned(closed):
    """The closed tender with its evaluators: a specialist, a children's
    panel and a finance lead"""
    closed.evaluators, closed.users = add_evaluators(
        closed.tender, closed.criteria)
    return closed


@pytest.fixture
def in_evaluation(assigned):
    """The tender in evaluation: conflicts declared (the finance lead's on
    C), the evidence assessed (C fails)"""
    Tender = Pool().get('commissioning.tender')
    example = assigned
    declare(example.evaluators, example.users, example.bids)
    assess(example.officer, example.bids, example.criteria)
    with as_user(example.officer):
        Tender.start_evaluation([Tender(example.tender.id)])
    example.tender = Tender(example.tender.id)
    return example


@pytest.fixture
def moderated(in_evaluation):
    """The tender scored as the README's worked example, the spread on B
    moderated and the evaluation complete"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    Response = pool.get('commissioning.bid.response')
    example = in_evaluation
    score_all(example.bids, example.criteria, example.evaluators,
        example.users)
    with as_user(example.officer):
        Response.write([response_of(
                    example.bids['B'], example.criteria[CF[0]])], {
                'moderated_score': 4,
                'moderation_rationale': "Agreed at moderation.",
                })
        Tender.complete_evaluation([example.tender])
    example.tender = Tender(example.tender.id)
    return example


@pytest.fixture
def awarded(moderated):
    """The tender awarded to B: recommended by the officer, approved by a
    second finance user"""
    Tender = Pool().get('commissioning.tender')
    example = moderated
    finance = make_user('finance2', 'group_commissioning_finance')
    with as_user(example.officer):
        Tender.recommend_award([example.tender])
    with as_user(finance):
        Tender.approve_award([Tender(example.tender.id)])
    example.tender = Tender(example.tender.id)
    return example


# Contracts

@pytest.fixture
def active_contract(officer, finance, provider_party):
    "A contract with the provider that finance has activated"
    Contract = Pool().get('commissioning.contract')
    contract = draft_contract(officer, provider_party)
    with as_user(finance):
        Contract.activate([contract])
    return Contract(contract.id)


@pytest.fixture
def reported_contract(active_contract, officer, provider):
    """The active contract with its first two returns reported by the
    provider and accepted by the officer, the second below its target"""
    Return = Pool().get('commissioning.monitoring.return')
    returns = Return.search([('contract', '=', active_contract.id)],
        order=[('period.start_date', 'ASC')])
    for record, value in zip(returns[:2], [Decimal(85), Decimal(60)]):
        fill_return(provider, record, {
                "Children in education, training or work": value})
        with as_user(provider):
            Return.submit([record])
        with as_user(officer):
            Return.accept([record])
    return active_contract
