# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"Tools the tests and the benchmark share."
from contextlib import contextmanager

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
