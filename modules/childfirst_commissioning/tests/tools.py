# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"Tools the tests and the benchmark share."
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction


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


def publish_tender(**values):
    """Return a tender designed by an officer, approved by finance and
    published, with the officer and the finance approver"""
    Tender = Pool().get('commissioning.tender')
    officer = make_user('officer', 'group_commissioning')
    finance = make_user('finance', 'group_commissioning_finance')
    with Transaction().set_user(officer.id):
        tender = make_tender(**values)
        Tender.request_approval([tender])
    with Transaction().set_user(finance.id):
        Tender.approve([tender])
    with Transaction().set_user(officer.id):
        Tender.publish([tender])
    return Tender(tender.id), officer, finance


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


def assert_writes_refused(test, users, attacks):
    """Assert that each user's write of each (Model, record, values) of
    attacks is refused and changes nothing"""
    from trytond.model.exceptions import AccessError
    for user in users:
        for Model, record, values in attacks:
            name, = values
            before = Model.read([record.id], [name])[0][name]
            with test.subTest(
                    user=user.login, model=Model.__name__, field=name):
                with as_user(user), test.assertRaises(AccessError):
                    Model.write([Model(record.id)], values)
                test.assertEqual(
                    Model.read([record.id], [name])[0][name], before)
