# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The users of the load run, each a thread with its own session: the
providers bid and report, the officers accept the returns and request the
payments, finance approves tenders and payments, the readers make a
trivial authenticated call all along. Every call is timed."""
import threading
import time
from collections import defaultdict

from . import operations as ops
from .client import Client, RpcError

OFFICERS = 3
FINANCE = 2
READERS = 4


class Recorder:
    "The time of every call by method, and what the users saw done"

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.failures = defaultdict(int)
        self.done = defaultdict(set)
        self.errors = []

    def timed(self, client):
        "Make client record the time of each of its calls"
        call = client.call

        def timed_call(method, *params):
            started = time.monotonic()
            ok = False
            try:
                result = call(method, *params)
                ok = True
                return result
            finally:
                self.add(method, time.monotonic() - started, ok)
        client.call = timed_call
        return client

    def add(self, method, seconds, ok):
        name = method.replace('model.commissioning.', '')
        with self.lock:
            if ok:
                self.times[name].append(seconds)
            else:
                self.failures[name] += 1

    def saw(self, kind, record):
        with self.lock:
            self.done[kind].add(record)

    def error(self, who, error):
        with self.lock:
            self.errors.append((who, error))


class Load:
    "The load run against server with the database described by state"

    def __init__(self, server, state, users, rounds, retries=0):
        self.server = server
        self.state = state
        self.rounds = min(rounds, len(state['bidding']))
        self.logins = state['providers'][:users]
        self.retries = retries
        self.recorder = Recorder()
        self.providers_done = threading.Event()
        self.officers_done = threading.Event()
        self.stopped = threading.Event()
        self.clients = []

    def client(self, login):
        client = Client(self.server, login, self.state['passwords'][login],
            retries=self.retries)
        self.clients.append(client)
        return self.recorder.timed(client)

    def step(self, client, function):
        "Run function with the client's retries; record a final error"
        try:
            return client.with_retries(function)
        except (OSError, RpcError) as error:
            self.recorder.error(client.login, error)

    # The users

    def provider(self, login):
        client = self.client(login)
        tenders = self.state['bidding'][:self.rounds]
        prepared = self.step(client, lambda: (
                {t: ops.criteria(client, t) for t in tenders},
                ops.groups(client),
                ops.draft_returns(client, self.rounds)))
        if prepared:
            self.bid_and_report(client, *prepared)

    def bid_and_report(self, client, criteria, dimensions, returns):
        for i in range(self.rounds):
            tender = self.state['bidding'][i]
            bid = self.step(client, lambda: ops.bid_step(
                    client, tender, 300000 + i, criteria[tender]))
            if bid:
                self.recorder.saw('bid', bid)
            if i < len(returns):
                record = returns[i]
                if self.step(client, lambda: ops.return_step(
                            client, record, dimensions)):
                    self.recorder.saw('return', record)

    def officer(self, index):
        client = self.client('officer')
        while True:
            last = self.providers_done.is_set()
            # Each officer reviews the returns of its own contracts: two
            # would request the same next payment of a contract
            mine = [r['id'] for r in self.step(client,
                    lambda: ops.search(client, ops.RETURN,
                        [('state', '=', 'submitted')], ['contract'])) or []
                if r['contract'] % OFFICERS == index]
            for record in mine:
                self.review(client, record)
            if last and not mine:
                break
            time.sleep(0.2)

    def review(self, client, record):
        "Accept the return and request the payment of its period"
        def accept():
            values, = client.call(
                ops.RETURN + '.read', [record], ['state', 'contract'])
            if values['state'] == 'submitted':
                ops.accept_return(client, record)
            return values['contract']
        contract = self.step(client, accept)
        if not contract:
            return
        self.recorder.saw('accepted', record)
        payment = self.step(client,
            lambda: ops.request_payment(client, contract))
        if payment:
            self.recorder.saw('requested', payment)

    def finance(self, index):
        client = self.client('finance')
        for tender in self.state['pending'][index::FINANCE]:
            if self.step(client, lambda: transition(client, ops.TENDER,
                        tender, 'pending_approval', ops.approve_tender)):
                self.recorder.saw('tender', tender)
        while True:
            last = self.officers_done.is_set()
            mine = [p for p in self.step(client,
                    lambda: ops.requested_payments(client)) or []
                if p % FINANCE == index]
            for payment in mine:
                if self.step(client, lambda: transition(client, ops.PAYMENT,
                            payment, 'requested', ops.approve_payment)):
                    self.recorder.saw('payment', payment)
            if last and not mine:
                break
            time.sleep(0.2)

    def reader(self, login):
        client = self.client(login)
        while not self.stopped.is_set():
            self.step(client, lambda: ops.read_preferences(client))
            time.sleep(0.05)

    # The run

    def run(self, faults=None):
        """Run every user at once; return the seconds it took. faults, if
        given, is called in a thread of its own with this load"""
        started = time.monotonic()
        threads = {
            'providers': [threading.Thread(target=self.provider, args=(l,))
                for l in self.logins],
            'officers': [threading.Thread(target=self.officer, args=(i,))
                for i in range(OFFICERS)],
            'finance': [threading.Thread(target=self.finance, args=(i,))
                for i in range(FINANCE)],
            'readers': [threading.Thread(target=self.reader,
                    args=(self.logins[i % len(self.logins)],))
                for i in range(READERS)],
            }
        if faults:
            threads['faults'] = [threading.Thread(
                    target=faults, args=(self,))]
        for group in threads.values():
            for thread in group:
                thread.start()
        join(threads['providers'])
        self.providers_done.set()
        join(threads['officers'])
        self.officers_done.set()
        join(threads['finance'])
        self.stopped.set()
        join(threads['readers'] + threads.get('faults', []))
        return time.monotonic() - started


def transition(client, model, record, source, function):
    """Call function(client, record) unless the record left the source
    state already (a retry after a cut connection); return True"""
    if ops.state(client, model, record) == source:
        function(client, record)
    return True


def join(threads):
    for thread in threads:
        thread.join()
