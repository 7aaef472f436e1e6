# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The load run and the fault run: build, serve, load, audit, report."""
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from . import audit
from .client import Client, server
from .load import Load
from .services import (
    ROOT, Deployment, PrivateCluster, clean_environ, write_config)

DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
WRITES = [
    'bid.create', 'bid.submit', 'monitoring.return.write',
    'monitoring.return.submit', 'monitoring.return.accept',
    'contract.payment.write', 'contract.payment.request',
    'contract.payment.approve', 'tender.approve']
READ = 'model.res.user.get_preferences'


def percentile(values, fraction):
    values = sorted(values)
    if not values:
        return float('nan')
    return values[min(len(values) - 1, int(fraction * len(values)))]


def build(directory, uri, database, args):
    "Build the load database in a subprocess; return its config and state"
    config = write_config(os.path.join(directory, 'trytond.conf'), uri)
    output = os.path.join(directory, 'state.json')
    print("Building %s on %s" % (database, uri), flush=True)
    started = time.monotonic()
    subprocess.run([sys.executable,
            os.path.join(ROOT, 'scripts', 'loadtest.py'), 'build',
            '-c', config, '-d', database, '-o', output,
            '--providers', str(args.users), '--rounds', str(args.rounds),
            '--approvals', str(args.approvals)],
        env=clean_environ(), check=True, stdout=subprocess.DEVNULL)
    print("Built in %.0f s" % (time.monotonic() - started), flush=True)
    with open(output) as f:
        return config, json.load(f)


def drop(uri, database):
    with audit.connect(uri, 'template1') as connection:
        connection.execute(
            'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)


class Faults:
    """During the load: SIGKILL a gunicorn worker while every worker is
    busy, then restart PostgreSQL; measure how long until a request
    succeeds again"""

    def __init__(self, deployment, cluster, kill_after=3, restart_after=8):
        self.deployment = deployment
        self.cluster = cluster
        self.kill_after = kill_after
        self.restart_after = restart_after
        self.report = {}

    def __call__(self, load):
        time.sleep(self.kill_after)
        self.report['killed worker'] = self.deployment.kill_worker()
        time.sleep(self.restart_after - self.kill_after)
        probe = Client(load.server, load.logins[0],
            load.state['passwords'][load.logins[0]])
        started = time.monotonic()
        self.report['postgresql down (s)'] = round(
            self.cluster.restart(), 2)
        while True:
            try:
                probe.call('model.res.user.get_preferences', True)
                break
            except Exception:
                time.sleep(0.1)
        self.report['first success after restart began (s)'] = round(
            time.monotonic() - started, 2)


def main(args):
    directory = tempfile.mkdtemp(prefix='cfload-')
    cluster = deployment = None
    uri = os.environ.get('TRYTOND_DATABASE_URI') or DEFAULT_URI
    database = None
    try:
        if args.faults:
            cluster = PrivateCluster().init().start()
            uri = cluster.uri
        if not uri.startswith('postgresql'):
            sys.exit("the load run needs PostgreSQL")
        if args.url:
            with open(args.state) as f:
                state = json.load(f)
            url = args.url
        else:
            database = 'cfload_%s' % secrets.token_hex(4)
            config, state = build(directory, uri, database, args)
            deployment = Deployment(config, database, directory,
                workers=args.workers).start()
            url = deployment.url
        return run(args, uri, state, url, deployment, cluster)
    finally:
        if deployment:
            deployment.stop()
        if database and not args.keep:
            drop(uri, database)
        if cluster:
            cluster.destroy()
        if args.keep:
            print("Logs in %s" % directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def run(args, uri, state, url, deployment, cluster):
    load = Load(server(url, state['database']), state, args.users,
        args.rounds, retries=8 if args.faults else 0)
    faults = Faults(deployment, cluster) if args.faults else None
    print("Load: %s providers x %s rounds, %s gunicorn workers on %s cores"
        % (len(load.logins), load.rounds, args.workers, os.cpu_count()),
        flush=True)
    seconds = load.run(faults)
    found = audit.audit(uri, state['database'], load.recorder.done)
    report(load, seconds, found, faults, audit.counts(
            uri, state['database']))
    bad = [k for k, v in found.items() if v] + load.recorder.errors
    return 1 if bad else 0


def report(load, seconds, found, faults, counts):
    recorder = load.recorder
    print("\nDone in %.1f s; %s calls" % (
            seconds, sum(len(v) for v in recorder.times.values())))
    print("\n%-34s %6s %8s %8s %8s" % (
            "operation", "calls", "p50 ms", "p95 ms", "failed"))
    for name in sorted(recorder.times, key=lambda n: (
                n.replace('model.', '') not in WRITES, n)):
        times = recorder.times[name]
        print("%-34s %6d %8.0f %8.0f %8d" % (name.replace('model.', ''),
                len(times), 1000 * percentile(times, 0.5),
                1000 * percentile(times, 0.95), recorder.failures[name]))
    reads = recorder.times.get(READ.replace('model.commissioning.', ''), [])
    writes = [t for n in WRITES for t in recorder.times.get(n, [])]
    read_p95 = percentile(reads, 0.95)
    worst = max((percentile(recorder.times[n], 0.95), n) for n in WRITES
        if recorder.times.get(n))
    print("\nread p95 %.0f ms; all writes p95 %.0f ms (ratio %.1f); "
        "worst write p95 %.0f ms, %s (ratio %.1f)" % (
            1000 * read_p95, 1000 * percentile(writes, 0.95),
            percentile(writes, 0.95) / read_p95, 1000 * worst[0], worst[1],
            worst[0] / read_p95))
    errors = [e for c in load.clients for e in c.errors]
    retried = sum(c.retried for c in load.clients)
    print("errors seen by clients: %s (retried: %s); errors left after "
        "retries: %s" % (len(errors), retried, len(recorder.errors)))
    for who, error in recorder.errors[:10]:
        print("    %s: %s" % (who, str(error)[:300]))
    kinds = {}
    for error in errors:
        kind = type(error).__name__ + ' ' + getattr(error, 'kind', '')
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, count in sorted(kinds.items()):
        print("    %-40s %s" % (kind, count))
    print("\nseen done: %s" % {k: len(v) for k, v in recorder.done.items()})
    print("rows: %s" % counts)
    for check, ids in found.items():
        print("%-75s %s" % (check, len(ids) if not ids else ids[:10]))
    if faults:
        print("\nfaults: %s" % faults.report)
