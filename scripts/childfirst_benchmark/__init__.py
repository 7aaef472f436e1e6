# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The query counts of Child First commissioning at scale.

- operations: every button, gate, transition and scheduled task on n and
  on 10n records (the scenarios of the module's tests/test_scale.py);
- lifecycle: a tender from design to paid contract at a number of bids.

Query counts leave out the INSERTs of new records (on SQLite trytond
inserts one statement per record), as the tests count them; the lifecycle
gives every statement too. The database is the one TRYTOND_DATABASE_URI
names (SQLite in memory by default; on PostgreSQL, DB_NAME names the
database, dropped and created anew).

    .venv/bin/python scripts/childfirst_benchmark [--sizes 10 100]
        [--bids 10 500]

scripts/benchmark.py may call run_operations(sizes) and
run_lifecycle(bids_list), which print their tables.
"""
import os

os.environ.setdefault('TRYTOND_DATABASE_URI', 'sqlite://')
if os.environ['TRYTOND_DATABASE_URI'].startswith('sqlite'):
    os.environ.setdefault('DB_NAME', ':memory:')

# The definition of the counted queries, printed with every table
COUNTED = ("Queries: every SQL statement but the INSERTs of new records "
    "(on SQLite trytond inserts one statement per record), as "
    "tests/test_scale.py counts them.")


def run_operations(sizes=(10, 100)):
    "Print the queries and times of every operation at the sizes"
    from .operations import run_operations
    return run_operations(sizes)


def run_lifecycle(bids_list=(10, 500)):
    "Print the queries and times of the lifecycle at each number of bids"
    from .lifecycle import run_lifecycle
    return run_lifecycle(bids_list)
