# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Every button, gate, transition and scheduled task on n and on 10n
records: the scenarios of the module's tests/test_scale.py, each size in a
transaction of its own on a fresh database."""
import sys

from trytond.modules.childfirst_commissioning.tests.test_scale import (
    SCENARIOS, measure_scenario)

from . import COUNTED
from .database import fresh_database, seconds

HEADER = ("operation", "queries n", "queries 10n", "time n", "time 10n")


def measure_operations(sizes):
    """Return rows (operation, queries at n, queries at 10n, time at n, time
    at 10n) of every operation, sizes being (n, 10n)"""
    database = fresh_database()
    rows = []
    for scenario in SCENARIOS:
        small, large = (measure_scenario(database, scenario, size)
            for size in sizes)
        for (label, n), (_, ten_n) in zip(small, large):
            rows.append((label, n.queries, ten_n.queries,
                    n.seconds, ten_n.seconds))
    return rows


def table(rows, sizes):
    "Return the rows as an aligned table"
    header = (HEADER[0], "queries %s" % sizes[0], "queries %s" % sizes[1],
        "time %s" % sizes[0], "time %s" % sizes[1])
    cells = [header] + [(label, str(a), str(b), seconds(c), seconds(d))
        for label, a, b, c, d in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(5)]
    lines = []
    for row in cells:
        lines.append("  ".join([row[0].ljust(widths[0])]
                + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_operations(sizes=(10, 100)):
    """Print the queries and times of every operation at the two sizes;
    return the rows"""
    sizes = tuple(sizes)
    rows = measure_operations(sizes)
    print("Operations on n = %s and 10n = %s records" % sizes)
    print(COUNTED)
    print(table(rows, sizes))
    sys.stdout.flush()
    return rows
