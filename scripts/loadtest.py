#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Load and fault runs of Child First commissioning deployed as in
production: gunicorn with several workers, trytond-cron and trytond-worker
on PostgreSQL (deploy/, doc/deployment.rst).

    .venv/bin/python scripts/loadtest.py [--users 50] [--workers 4]
    .venv/bin/python scripts/loadtest.py --faults

The load run builds its own database (cfload_<random>) on the PostgreSQL of
TRYTOND_DATABASE_URI (default postgresql://postgres@127.0.0.1:5432/),
starts the deployment on a free port and runs, all at once: provider users
who create and submit bids and fill and submit monitoring returns,
officers who accept the returns and request payments, finance who approves
tenders and payments, and readers of a trivial authenticated call. It
prints p50/p95 per operation, the ratio of the p95 of the writes to the p95
of the read, the errors and the rows counted afterwards (lost, duplicated,
half-written). With --url it runs against a deployment already serving a
database built by "loadtest.py build".

The fault run (--faults) starts a private PostgreSQL cluster (never the
shared server), and during the load SIGKILLs a gunicorn worker in the middle
of a request and restarts PostgreSQL; clients retry what was cut off, and
the audit checks that nothing is half-written.

    .venv/bin/python scripts/loadtest.py build -c CONF -d DB -o state.json
builds the load database only (tests/test_deployment.py uses it).
"""
import sys

from childfirst_deploy.cli import main

if __name__ == '__main__':
    sys.exit(main())
