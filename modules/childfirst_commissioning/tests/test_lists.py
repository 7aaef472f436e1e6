# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Every list of the module reads its rows together: the columns of its
list view, computed ones included, take as many queries for 10n rows as
for n, read as the officer who opens the list."""
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, bid_on, close, count_queries, draft_contract, fill_return,
    make_provider, make_tender, publish_tender, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction

# How many more queries 10n rows may take than n
SLACK = 3

# The models whose lists grow with the records added below
MODELS = [
    'commissioning.tender', 'commissioning.tender.criterion',
    'commissioning.collaboration', 'commissioning.bid',
    'commissioning.bid.response', 'commissioning.contract',
    'commissioning.contract.kpi', 'commissioning.contract.payment',
    'commissioning.monitoring.period', 'commissioning.monitoring.return',
    'commissioning.monitoring.return.line',
    'commissioning.monitoring.return.breakdown', 'commissioning.signoff',
    ]


def add_records(officer, finance, provider, party, count):
    """Add count tenders, a closed tender with count submitted bids and
    count active contracts with their first return reported and
    accepted"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    with Transaction().set_user(officer.id):
        for i in range(count):
            make_tender(name="Listed tender %s" % i)
    tender = publish_tender(officer, finance)
    for i in range(count):
        _, user = make_provider("Bidder %s" % i, 'bidder%s-%s' % (
                count, i))
        bid = bid_on(tender, user, 200000 + i)
        with as_user(user):
            submit_bids([bid])
    with Transaction().set_user(officer.id):
        close(tender)
    contracts = [draft_contract(officer, party) for _ in range(count)]
    with as_user(finance):
        Contract.activate(contracts)
    returns = [Return.search([('contract', '=', c.id)],
            order=[('period.start_date', 'ASC')])[0] for c in contracts]
    for record in returns:
        fill_return(provider, record)
    with as_user(provider):
        Return.submit(returns)
    with as_user(officer):
        Return.accept(returns)


def list_queries(user):
    """Return {model: (rows, queries)} of reading every row of each list
    with the columns of its list view, as the user"""
    pool = Pool()
    transaction = Transaction()
    result = {}
    for name in MODELS:
        Model = pool.get(name)
        with as_user(user):
            names = list(Model.fields_view_get(view_type='tree')['fields'])
            ids = [r.id for r in Model.search([])]
            transaction.cache.clear()
            with count_queries() as queries:
                Model.read(ids, names)
        result[name] = (len(ids), len(queries))
    return result


def test_lists_read_rows_together(
        officer, finance, provider, provider_party):
    "The lists read their rows in a number of queries that does not grow"
    counts = []
    for count in [2, 18]:
        add_records(officer, finance, provider, provider_party, count)
        counts.append(list_queries(officer))
    small, large = counts
    for name in MODELS:
        (rows, queries), (more_rows, more_queries) = small[name], large[name]
        assert more_rows >= 5 * rows > 0, (name, rows, more_rows)
        assert more_queries <= queries + SLACK, (
            "The list of %s takes %s queries for %s rows against %s for %s"
            % (name, more_queries, more_rows, queries, rows))


def test_list_columns_the_web_client_draws(transaction):
    """Every column of the module's lists is one the web client can draw:
    sao has no list column for a date and time, so such a field is shown
    with the date (or the time) widget"""
    from lxml import etree
    pool = Pool()
    View = pool.get('ir.ui.view')
    failures = []
    for view in View.search([
                ('module', '=', 'childfirst_commissioning'),
                ('type', '=', 'tree'),
                ]):
        Model = pool.get(view.model)
        for node in etree.fromstring(view.arch).iter('field'):
            field = Model._fields.get(node.get('name'))
            if (field is not None and field._type == 'datetime'
                    and node.get('widget') not in {'date', 'time'}):
                failures.append('%s: %s' % (view.name, node.get('name')))
    assert not failures
