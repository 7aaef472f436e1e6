# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""What holds when users act at once: the rules a Python check cannot keep
against another transaction are kept by the database."""
import datetime as dt
import threading
from types import SimpleNamespace

import pytest

from trytond import backend
from trytond.exceptions import UserError
from trytond.model.exceptions import SQLConstraintError
from trytond.modules.childfirst_commissioning import bid as bid_module
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, bid_on, make_provider, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction


@pytest.mark.skipif(backend.name != 'postgresql',
    reason="PostgreSQL keeps the constraint; SQLite writes one at a time")
def test_second_live_bid_refused_by_constraint(
        published, bidders, monkeypatch):
    """Past the Python checks, the database refuses a second live bid of an
    organisation on a tender, and allows one once the first is dead"""
    Bid = Pool().get('commissioning.bid')
    _, user = bidders[0]
    # As if each transaction saw no other bid
    monkeypatch.setattr(Bid, 'check_live_values', classmethod(
            lambda cls, vlist: None))
    monkeypatch.setattr(Bid, 'check_live', classmethod(
            lambda cls, bids: None))
    with as_user(user):
        Bid.create([{'tender': published.id}])
        with pytest.raises(SQLConstraintError) as error:
            Bid.create([{'tender': published.id}])
    assert "one live bid per tender" in error.value.message


def test_dead_bid_allows_a_new_one(published, bidders):
    "A withdrawn bid does not count against the organisation's new bid"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    _, user = bidders[0]
    with as_user(user):
        first, = Bid.create([{'tender': published.id}])
    Bid.write([first], {'state': 'withdrawn'})
    with as_user(user):
        second, = Bid.create([{'tender': published.id}])
    assert second.state == 'draft'


@pytest.mark.skipif(backend.name != 'postgresql',
    reason="concurrent transactions need PostgreSQL")
def test_concurrent_bids_one_live(committed):
    """Two transactions of one organisation create a bid on a tender at
    once: one is stored, the other refused with the constraint's message"""
    database = committed.database
    with Transaction().start(database, 0) as transaction:
        with transaction.set_context(company=committed.ids['company']):
            party, user = make_provider("Concurrent Trust", 'concurrent')
        transaction.commit()
    ids = {'tender': committed.ids['tender_pub'], 'user': user.id,
        'party': party.id}
    barrier = threading.Barrier(2)
    results = [None, None]

    def create(i):
        with Transaction().start(database, 0) as transaction:
            Bid = Pool().get('commissioning.bid')
            try:
                with transaction.set_user(ids['user']), \
                        transaction.set_context(_check_access=True,
                            company=committed.ids['company']):
                    # Both snapshots are taken before either bid exists
                    Bid.search([('tender', '=', ids['tender'])])
                    barrier.wait(timeout=30)
                    Bid.create([{'tender': ids['tender']}])
                transaction.commit()
                results[i] = 'created'
            except UserError as error:
                transaction.rollback()
                results[i] = error.message
    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count('created') == 1, results
    refused, = [r for r in results if r != 'created']
    assert "one live bid per tender" in refused, results
    with Transaction().start(database, 0):
        Bid = Pool().get('commissioning.bid')
        assert Bid.search_count([
                ('tender', '=', ids['tender']),
                ('provider', '=', ids['party']),
                ('state', 'in', ['draft', 'submitted']),
                ]) == 1


def test_submission_time_is_checked_time(published, bidders, monkeypatch):
    """The submission time stored is the time the deadline was checked at,
    to the second"""
    Bid = Pool().get('commissioning.bid')
    _, user = bidders[0]
    bid = bid_on(published, user, 200000)
    checked = []
    deadline = published.submission_deadline
    now = deadline - dt.timedelta(microseconds=400000)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return now

    monkeypatch.setattr(bid_module, 'dt', SimpleNamespace(
            datetime=Clock, timedelta=dt.timedelta, date=dt.date))
    original = Bid.open_failures

    def open_failures(self, now=None):
        checked.append(now)
        return original(self, now)
    monkeypatch.setattr(Bid, 'open_failures', open_failures)
    with as_user(user):
        submit_bids([bid])
    assert Bid(bid.id).submitted_at == checked[0]
    assert Bid(bid.id).submitted_at <= deadline
