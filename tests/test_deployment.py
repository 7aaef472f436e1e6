# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The production deployment of deploy/ at work: gunicorn with three
workers, trytond-cron and trytond-worker on PostgreSQL.

A database of its own (cfload_<random>) is built through the module by
scripts/loadtest.py build (the demo's office and users, six load providers
each with an active monthly contract, tenders open for bids and one waiting
for finance); the three services then run as subprocesses on a free port,
and the tests use them over JSON-RPC, many users at once:

- requests are served by several workers, concurrently;
- concurrent bids and returns of several providers are all stored once;
  the same bid submitted twice at once, or the same tender approved twice
  at once, ends in one transition with one sign-off;
- bids submitted across the deadline are either accepted on time or
  refused with the deadline message;
- trytond-cron runs the module's scheduled task and trytond-worker runs a
  task of Tryton's queue;
- a worker killed in the middle of a request: the client gets an error it
  can retry, gunicorn replaces the worker, the retry succeeds and nothing
  is half-written.

PostgreSQL only (TRYTOND_DATABASE_URI=postgresql://...): SQLite serves one
process. The load benchmark and the fault run with a PostgreSQL restart are
scripts/loadtest.py.
"""
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from conftest import ROOT, postgresql_uri

sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from childfirst_deploy import operations as ops  # noqa: E402
from childfirst_deploy.client import Client, RpcError, server  # noqa: E402
from childfirst_deploy.services import Deployment, write_config  # noqa: E402

pytestmark = pytest.mark.skipif(
    not postgresql_uri(),
    reason="the deployment test needs PostgreSQL "
    "(TRYTOND_DATABASE_URI=postgresql://...): SQLite serves one process")

PROVIDERS = 6
WORKERS = 3
CRON_METHOD = 'commissioning.monitoring.return|create_due'
DEADLINE_MESSAGE = "The submission deadline of tender"


def connect(uri, database):
    import psycopg
    conninfo = urllib.parse.urlparse(uri)._replace(
        path='/' + database).geturl()
    return psycopg.connect(conninfo, autocommit=True)


def sql(uri, database, query, params=()):
    "Execute query on the database; return its rows"
    with connect(uri, database) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def drop_database(uri, database):
    with connect(uri, 'template1') as connection:
        connection.execute(
            'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)


def run_together(functions):
    """Run the functions at once, each in a thread; return the result or
    the exception of each"""
    results = [None] * len(functions)
    barrier = threading.Barrier(len(functions))

    def run(i):
        barrier.wait()
        try:
            results[i] = functions[i]()
        except Exception as error:
            results[i] = error
    threads = [threading.Thread(target=run, args=(i,))
        for i in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class Deployed:
    "The running deployment, its database and its users"

    def __init__(self, deployment, uri, state, config):
        self.deployment = deployment
        self.uri = uri
        self.state = state
        self.config = config
        self.database = state['database']
        self.server = server(deployment.url, self.database)

    def client(self, login, retries=0):
        return Client(self.server, login, self.state['passwords'][login],
            retries=retries)

    def sql(self, query, params=()):
        return sql(self.uri, self.database, query, params)


def build(tmp, uri, database):
    "Build the database with scripts/loadtest.py build; return its state"
    config = write_config(str(tmp / 'trytond.conf'), uri)
    output = tmp / 'state.json'
    result = subprocess.run([sys.executable,
            os.path.join(ROOT, 'scripts', 'loadtest.py'), 'build',
            '-c', config, '-d', database, '-o', str(output),
            '--providers', str(PROVIDERS), '--rounds', '1',
            '--approvals', '1'],
        env={k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND_')},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        "the load database was not built:\n%s\n%s"
        % (result.stdout[-3000:], result.stderr[-3000:]))
    return config, json.loads(output.read_text())


def prepare_cron(uri, database, contract):
    """Leave work for the scheduled task, as time passing would: the last
    due return of the contract is missing, the one before is past its due
    date, and the task is due now. Return their periods"""
    (missing, period_missing), (late, period_late) = sql(uri, database,
        'SELECT r.id, r.period FROM commissioning_monitoring_return r '
        'JOIN commissioning_monitoring_period p ON p.id = r.period '
        'WHERE r.contract = %s ORDER BY p.start_date DESC LIMIT 2',
        (contract,))
    sql(uri, database,
        'DELETE FROM commissioning_monitoring_return WHERE id = %s',
        (missing,))
    sql(uri, database, 'UPDATE commissioning_monitoring_period '
        "SET due_date = CURRENT_DATE - 1 WHERE id = %s", (period_late,))
    sql(uri, database, "UPDATE ir_cron SET next_call = "
        "now() - interval '1 minute' WHERE method = %s", (CRON_METHOD,))
    return period_missing, late


@pytest.fixture(scope='module')
def deployed(tmp_path_factory):
    """The database built by scripts/loadtest.py, served by gunicorn (three
    workers), trytond-cron and trytond-worker; everything stopped and
    dropped at the end, even on failure"""
    uri = postgresql_uri()
    tmp = tmp_path_factory.mktemp('deployment')
    database = 'cfload_%s' % secrets.token_hex(4)
    deployment = None
    try:
        config, state = build(tmp, uri, database)
        state['cron'] = prepare_cron(
            uri, database, state['contracts']['provider'])
        deployment = Deployment(config, database, str(tmp), workers=WORKERS)
        deployment.start()
        yield Deployed(deployment, uri, state, config)
    finally:
        if deployment:
            deployment.stop()
        drop_database(uri, database)


def test_several_workers(deployed):
    """Requests sent at once are served concurrently by several gunicorn
    workers"""
    deployment = deployed.deployment
    pids = deployment.worker_pids()
    assert len(pids) == WORKERS
    clients = [deployed.client(login)
        for login in deployed.state['providers']]
    before = len(deployment.served_by())
    for _ in range(3):
        results = run_together([lambda c=c: ops.search(c,
                    'model.commissioning.tender', [], ['name'])
                for c in clients])
        assert all(isinstance(r, list) for r in results), results
    # The access log names the worker of each request
    wait_for(lambda: len(deployment.served_by()) >= before + 3 * len(clients),
        "the access log lacks requests")
    served = deployment.served_by()[before:]
    assert len(set(served) & set(pids)) >= 2, served


def test_concurrent_bids_and_returns(deployed):
    """Every provider creates and submits a bid and fills and submits a
    return, all at once: each is stored once, complete"""
    state = deployed.state
    tender = state['bidding'][0]
    clients = [deployed.client(login) for login in state['providers']]
    tender_criteria = ops.criteria(clients[0], tender)
    dimensions = ops.groups(clients[0])

    def work(client, price):
        bid = ops.create_bid(client, tender, price, tender_criteria)
        ops.submit_bid(client, bid)
        record = ops.draft_returns(client, 1)[0]
        ops.fill_return(client, record, dimensions)
        ops.submit_return(client, record)
        return bid, record
    results = run_together([lambda c=c, i=i: work(c, 300000 + i)
            for i, c in enumerate(clients)])
    assert not [r for r in results if isinstance(r, Exception)], results
    bids = deployed.sql('SELECT provider, state, submitted_at, '
        '(SELECT count(*) FROM commissioning_bid_response r '
        'WHERE r.bid = b.id) FROM commissioning_bid b WHERE tender = %s',
        (tender,))
    assert len(bids) == PROVIDERS
    assert len({b[0] for b in bids}) == PROVIDERS
    assert all(b[1] == 'submitted' and b[2] for b in bids), bids
    assert {b[3] for b in bids} == {len(tender_criteria)}
    returns = [r for _, r in results]
    rows = deployed.sql('SELECT r.id, r.state, r.submitted_at, '
        'count(l.id), count(l.value) FROM commissioning_monitoring_return r '
        'JOIN commissioning_monitoring_return_line l ON l.return_ = r.id '
        'WHERE r.id = ANY(%s) GROUP BY r.id', (returns,))
    assert len(rows) == PROVIDERS
    assert all(r[1] == 'submitted' and r[2] and r[3] == r[4] for r in rows)


def test_live_bid_created_twice_at_once(deployed):
    """Two sessions of one provider create a bid on the same tender at
    once: one live bid, the other refused"""
    state = deployed.state
    tender = state['deadline']
    login = state['providers'][0]
    first, second = deployed.client(login), deployed.client(login)
    tender_criteria = ops.criteria(first, tender)

    def create(client):
        return client.call(ops.BID + '.create', [{
                    'tender': tender, 'price': 250000,
                    'responses': [('create', [{'criterion': c['id']}
                                for c in tender_criteria])],
                    }])
    results = run_together([lambda: create(first), lambda: create(second)])
    live = deployed.sql("SELECT id FROM commissioning_bid WHERE tender = %s "
        "AND state IN ('draft', 'submitted') AND provider = (SELECT "
        "provider FROM commissioning_bid WHERE id = %s)",
        (tender, [r for r in results if isinstance(r, list)][0][0]))
    assert len(live) == 1, results
    refused = [r for r in results if isinstance(r, RpcError)]
    assert len(refused) == 1, results
    assert "one live bid per tender" in refused[0].message, refused[0]
    # Leave the tender to the deadline test
    first.call(ops.BID + '.delete', [i for i, in live])


def test_same_bid_submitted_twice_at_once(deployed):
    """Two sessions of a provider submit the same bid at once: it is
    submitted once, with one submission time in its history"""
    state = deployed.state
    tender = state['bidding'][0]
    login = 'provider3'
    first, second = deployed.client(login), deployed.client(login)
    bid = ops.create_bid(first, tender, 280000, ops.criteria(first, tender))
    results = run_together([lambda: ops.submit_bid(first, bid),
            lambda: ops.submit_bid(second, bid)])
    assert any(r is None for r in results), results
    history = deployed.sql("SELECT count(*), count(DISTINCT submitted_at) "
        "FROM commissioning_bid__history WHERE id = %s "
        "AND state = 'submitted'", (bid,))
    assert history == [(1, 1)], (history, results)
    assert deployed.sql(
        'SELECT state FROM commissioning_bid WHERE id = %s', (bid,)) \
        == [('submitted',)]


def test_tender_approved_twice_at_once(deployed):
    """Two finance sessions approve the same tender at once: one approval,
    one sign-off"""
    tender = deployed.state['pending'][0]
    first, second = deployed.client('finance'), deployed.client('finance')
    results = run_together([lambda: ops.approve_tender(first, tender),
            lambda: ops.approve_tender(second, tender)])
    assert any(r is None for r in results), results
    signoffs = deployed.sql("SELECT decision FROM commissioning_signoff "
        "WHERE origin = %s", ('commissioning.tender,%s' % tender,))
    assert signoffs == [('approved',)], (signoffs, results)
    assert deployed.sql('SELECT state FROM commissioning_tender '
        'WHERE id = %s', (tender,)) == [('approved',)]


def test_bids_across_the_deadline(deployed):
    """Providers submit at once while the deadline passes: each bid is
    either submitted by the deadline or refused with the deadline message,
    never submitted after it"""
    state = deployed.state
    tender = state['deadline']
    clients = [deployed.client(login) for login in state['providers']]
    tender_criteria = ops.criteria(clients[0], tender)
    bids = [ops.create_bid(c, tender, 260000 + i, tender_criteria)
        for i, c in enumerate(clients)]
    # The deadline, to the second as it is stored, in 2 to 3 seconds
    deadline = dt.datetime.now().replace(microsecond=0) \
        + dt.timedelta(seconds=3)
    deployed.sql('UPDATE commissioning_tender SET submission_deadline = %s '
        'WHERE id = %s', (deadline, tender))

    def submit(client, bid, offset):
        "Submit the bid offset seconds from the deadline"
        time.sleep(max(0, (deadline - dt.datetime.now()).total_seconds()
                + offset))
        ops.submit_bid(client, bid)
    results = run_together([
            lambda c=c, b=b, i=i: submit(c, b, -0.45 + 0.15 * i)
            for i, (c, b) in enumerate(zip(clients, bids))])
    rows = dict((r[0], r[1:]) for r in deployed.sql(
            'SELECT id, state, submitted_at FROM commissioning_bid '
            'WHERE id = ANY(%s)', (bids,)))
    accepted = refused = 0
    for bid, result in zip(bids, results):
        bid_state, submitted_at = rows[bid]
        if result is None:
            accepted += 1
            assert bid_state == 'submitted'
            assert submitted_at <= deadline, (submitted_at, deadline)
        else:
            refused += 1
            assert isinstance(result, RpcError), result
            assert DEADLINE_MESSAGE in result.message, result.message
            assert (bid_state, submitted_at) == ('draft', None)
    assert accepted and refused, results


def test_cron_and_queue(deployed):
    """trytond-cron runs the module's due task (the missing return is
    created, the late one flagged overdue); trytond-worker runs a task of
    Tryton's queue"""
    period_missing, late = deployed.state['cron']
    wait_for(lambda: deployed.sql(
            'SELECT 1 FROM commissioning_monitoring_return '
            'WHERE period = %s', (period_missing,)),
        "trytond-cron created no return for the missing period:\n%s"
        % deployed.deployment.read_log('cron'))
    wait_for(lambda: deployed.sql(
            'SELECT 1 FROM commissioning_monitoring_return '
            'WHERE id = %s AND overdue', (late,)),
        "trytond-cron flagged no overdue return")

    deployed.sql('DELETE FROM commissioning_monitoring_return '
        'WHERE period = %s', (period_missing,))
    queue_cron(deployed.config, deployed.database)
    wait_for(lambda: deployed.sql('SELECT 1 FROM ir_queue '
            'WHERE finished_at IS NOT NULL'),
        "trytond-worker ran no task:\n%s"
        % deployed.deployment.read_log('worker'))
    assert deployed.sql('SELECT 1 FROM commissioning_monitoring_return '
        'WHERE period = %s', (period_missing,))


def queue_cron(config, database):
    """Push to Tryton's queue the run of the due returns' scheduled task,
    as the Resolve button of a failed task does
    (Cron.__queue__.run_once)"""
    code = (
        "from trytond.pool import Pool\n"
        "from trytond.transaction import Transaction\n"
        "Pool(%r).init()\n"
        "with Transaction().start(%r, 0) as transaction:\n"
        "    Cron = Pool().get('ir.cron')\n"
        "    Cron.__queue__.run_once(Cron.search(\n"
        "        [('method', '=', %r)]))\n"
        "    transaction.commit()\n" % (database, database, CRON_METHOD))
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_')}
    env['TRYTOND_CONFIG'] = config
    subprocess.run([sys.executable, '-c', code], env=env, check=True,
        timeout=60)


def wait_for(condition, message, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


def test_worker_killed_mid_request(deployed):
    """A worker is killed while every worker is busy with the providers'
    returns: the client whose request was cut off gets an error it can
    retry, gunicorn starts a new worker, the retry succeeds and every
    return is whole (submitted with all its values) or untouched (draft)"""
    deployment = deployed.deployment
    clients = [deployed.client(login, retries=5)
        for login in deployed.state['providers']]
    dimensions = ops.groups(clients[0])
    records = {c.login: ops.draft_returns(c, 3) for c in clients}
    killed = []

    def kill():
        time.sleep(0.6)
        killed.append(deployment.kill_worker())

    def work(client):
        for record in records[client.login]:
            client.with_retries(
                lambda: ops.return_step(client, record, dimensions))
    results = run_together([kill] + [lambda c=c: work(c) for c in clients])
    assert not [r for r in results if isinstance(r, Exception)], results
    errors = [e for c in clients for e in c.errors]
    assert errors, "no request was cut off"
    assert all(isinstance(e, OSError) for e in errors), errors
    wait_for(lambda: len(deployment.worker_pids()) == WORKERS
        and killed[0] not in deployment.worker_pids(),
        "gunicorn did not replace the killed worker")
    submitted = [r for rs in records.values() for r in rs]
    rows = deployed.sql('SELECT r.state, r.submitted_at, count(l.id), '
        'count(l.value) FROM commissioning_monitoring_return r '
        'JOIN commissioning_monitoring_return_line l ON l.return_ = r.id '
        'WHERE r.id = ANY(%s) GROUP BY r.id', (submitted,))
    assert len(rows) == len(submitted)
    for state, submitted_at, lines, values in rows:
        assert state == 'submitted' and submitted_at, rows
        assert lines == values, rows
