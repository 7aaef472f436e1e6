# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The tests share one database: what a test writes is rolled back at its
end, however long the tests before it took."""
import datetime as dt

from trytond.cache import MemoryCache
from trytond.modules.childfirst_commissioning.tests.tools import rolled_back
from trytond.pool import Pool


def _users(login):
    return Pool().get('res.user').search_count([('login', '=', login)])


def test_rolled_back_after_clean_timeout(database, monkeypatch):
    """A transaction that starts once the caches' clean timeout has passed
    (the caches are synchronised then) still rolls back what it wrote"""
    later = dt.datetime.now() - dt.timedelta(seconds=301)
    monkeypatch.setattr(MemoryCache, '_clean_last', later)
    with rolled_back(database):
        Pool().get('res.user').create([{
                    'name': "Isolation", 'login': 'isolation'}])
        assert _users('isolation') == 1
    with rolled_back(database):
        assert _users('isolation') == 0
