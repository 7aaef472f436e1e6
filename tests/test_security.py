# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Attacks on the demo server over JSON-RPC, as each demo role.

The tests use the session-scoped ``server`` of conftest.py (the demo built
by scripts/demo.py, served by trytond) and call JSON-RPC exactly as the web
client does, logged in as admin, commadmin, officer, finance, evaluator (the
children's panel facilitator), evaluator2 (a specialist), provider,
provider2 and provider3. They assert the access model the product must
have:

1. sealing: until its tender closes a bid and all beneath it (responses,
   evidence of collaboration, attachments, notes, price, totals) exist only
   for the bidding organisation's users; nothing reads, searches, counts,
   sorts or exports them, and no search is an oracle on them;
2. providers are isolated from each other's bids, contracts and monitoring;
3. evaluators are independent: no one sees another's scores before
   moderation, nor responses of criteria not assigned to them, nor prices;
4. workflow and sign-off fields move only through their buttons;
5. the records only a step creates (contracts, monitoring periods,
   sign-offs) cannot be created over RPC, and sign-offs never change;
6. bad input gets a user error, never an internal error.

Every refusal is checked as a refusal (a JSON-RPC user error, or nothing
returned for reads) AND as no change, re-read by a user who can read the
record; every family has positive controls (the right user can), so that a
broken server does not pass. Records are looked up by name through RPC,
never by hard-coded id. What a test creates is removed, and what the server
wrongly lets an attacker change is put back (directly in the database when
no RPC call can undo it), so that the tests of test_demo_server.py, which
share the server, see the demo as built.
"""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest

ROLES = ['admin', 'commadmin', 'officer', 'finance', 'evaluator',
    'evaluator2', 'provider', 'provider2', 'provider3']
PROVIDERS = {
    'provider': "Northside Youth Trust",
    'provider2': "Riverside Community Partnership",
    'provider3': "Eastgate Sports Foundation",
    }
PUBLISHED = "Youth Diversion and Prevention Service 2026-2029"
APPROVED = "Mentoring for Children in Care"
PENDING = "Community Sport and Arts Grants 2026"
DRAFT = "Support After Arrest"
CONTRACTED = "Trusted Adults for Children at Risk 2026-2028"
EVALUATION = "Holiday Activities Shaped by Children 2026"
# Short names of the demo tenders for test ids
TENDER_LABELS = {
    PUBLISHED: 'published_tender', APPROVED: 'approved_tender',
    PENDING: 'pending_tender', DRAFT: 'draft_tender',
    CONTRACTED: 'contracted_tender', EVALUATION: 'evaluation_tender',
    }
UNSEALED_STATES = ['closed', 'evaluation', 'moderated', 'award_pending',
    'awarded', 'contracted']

# The bids the tests place on the published tender, sealed: a draft of
# provider and a submitted bid of provider2. Each carries values found
# nowhere else so that a leak is recognised wherever it shows.
SEALED = {
    'provider': {
        'price': Decimal('543210.98'),
        'marker': 'SEALED-NORTHSIDE-ANSWER',
        'voice': 'SEALED-NORTHSIDE-VOICE',
        'children': 7,
        'attachment': b'SEALED-NORTHSIDE-ATTACHMENT',
        'note': 'SEALED-NORTHSIDE-NOTE',
        'submit': False,
        },
    'provider2': {
        'price': Decimal('987654.32'),
        'marker': 'SEALED-RIVERSIDE-ANSWER',
        'voice': 'SEALED-RIVERSIDE-VOICE',
        'children': 17,
        'attachment': b'SEALED-RIVERSIDE-ATTACHMENT',
        'note': 'SEALED-RIVERSIDE-NOTE',
        'submit': True,
        },
    }
SEALED_CASES = [pytest.param(owner, viewer, id='bid_of_%s-as_%s' % (
            owner, viewer))
    for owner in SEALED for viewer in ROLES if viewer != owner]

# The workflow and sign-off fields that only buttons write
WORKFLOW_FIELDS = {
    'commissioning.tender': ['state', 'requested_by', 'approved_by',
        'published_at', 'closed_at', 'award_requested_by', 'award_date',
        'standstill_end'],
    'commissioning.bid': ['state', 'submitted_at', 'eligible',
        'exclusion_reason', 'child_first_score', 'price_score',
        'total_score', 'rank'],
    'commissioning.tender.evaluator': ['conflict_state'],
    'commissioning.contract': ['state', 'activated_by', 'tender', 'bid',
        'reference'],
    'commissioning.monitoring.return': ['state', 'submitted_at',
        'submitted_by', 'reviewed_by', 'overdue'],
    'commissioning.monitoring.return.line': ['rating'],
    'commissioning.contract.payment': ['state', 'requested_by',
        'approved_by', 'paid_date'],
    'commissioning.tender.question': ['state', 'answered_by', 'answered_at',
        'published_at'],
    'commissioning.tender.amendment': ['state', 'applied_by', 'applied_at',
        'approved_by'],
    'commissioning.contract.performance_notice': ['state', 'published_at',
        'published_by'],
    }
# The state each attack prefers to write, the first that differs
PREFERRED_STATES = {
    'commissioning.tender': ['published', 'closed', 'approved'],
    'commissioning.bid': ['submitted', 'awarded'],
    'commissioning.tender.evaluator': ['declared', 'pending', 'none'],
    'commissioning.contract': ['draft', 'closed'],
    'commissioning.monitoring.return': ['accepted', 'submitted'],
    'commissioning.monitoring.return.line': ['good', 'inadequate'],
    'commissioning.contract.payment': ['paid', 'approved'],
    'commissioning.tender.question': ['published', 'answered'],
    'commissioning.tender.amendment': ['draft', 'applied'],
    'commissioning.contract.performance_notice': ['draft', 'published'],
    }


# The models with a history table (_history = True)
HISTORY_MODELS = {'commissioning.tender', 'commissioning.bid'}
# What a copied or imported tender or contract may bring along
TENDER_ROWS = ['commissioning.kpi.template', 'commissioning.tender.criterion',
    'commissioning.collaboration', 'commissioning.tender.evaluator',
    'commissioning.signoff', 'commissioning.tender']
CONTRACT_ROWS = ['commissioning.monitoring.return.breakdown',
    'commissioning.monitoring.return.line', 'commissioning.monitoring.return',
    'commissioning.monitoring.period', 'commissioning.contract.payment',
    'commissioning.contract.kpi', 'commissioning.signoff',
    'commissioning.contract']


# JSON-RPC as the web client calls it

class RPC:
    "Call model methods over JSON-RPC as the demo users"

    def __init__(self, server):
        self.server = server
        self.contexts = {}

    def context(self, login):
        """The context the web client sends with every call: the user's
        preferences (company, language...), read once at login"""
        if login not in self.contexts:
            response = self.server.call(
                self.server.session(login),
                'model.res.user.get_preferences', True, {})
            assert 'result' in response, (
                "cannot read the preferences of %s: %s" % (login, response))
            self.contexts[login] = response['result']
        return self.contexts[login]

    def __call__(self, login, model, method, *args, context=None):
        call_context = dict(self.context(login))
        call_context.update(context or {})
        params = list(args)
        response = self.server.call(
            self.server.session(login), 'model.%s.%s' % (model, method),
            *params, call_context)
        response['_call'] = "as %s: %s.%s(%s%s)" % (
            login, model, method, ", ".join(_short(a) for a in params),
            ", context=%r" % context if context else '')
        return response

    def search(self, login, model, domain, order=None, context=None):
        return self(login, model, 'search', domain, 0, None, order,
            context=context)

    def count(self, login, model, domain):
        return self(login, model, 'search_count', domain, 0, None)

    def search_read(self, login, model, domain, fields, order=None):
        return self(login, model, 'search_read', domain, 0, None, order,
            fields)

    def read(self, login, model, ids, fields, context=None):
        return self(login, model, 'read', ids, fields, context=context)

    def write(self, login, model, ids, values):
        return self(login, model, 'write', ids, values)

    def create(self, login, model, vlist):
        return self(login, model, 'create', vlist)

    def delete(self, login, model, ids):
        return self(login, model, 'delete', ids)

    def export(self, login, model, ids, paths):
        return self(login, model, 'export_data', ids, paths)

    def wizard(self, login, name, method, *args, context=None):
        "Call the method of the wizard name (create, execute, delete)"
        call_context = dict(self.context(login))
        call_context.update(context or {})
        response = self.server.call(
            self.server.session(login), 'wizard.%s.%s' % (name, method),
            *args, call_context)
        response['_call'] = "as %s: wizard %s.%s(%s, context=%r)" % (
            login, name, method, ", ".join(_short(a) for a in args), context)
        return response

    def ok(self, response):
        "Return the result of response, failing the test on an error"
        assert 'error' not in response, (
            "%s failed: %s" % (response['_call'], _short(response['error'])))
        return response['result']

    def first(self, logins, model, domain, fields, order=None):
        """Return the rows of the first of logins that reads some; used to
        look up the demo, not to test access"""
        for login in logins:
            response = self.search_read(login, model, domain, fields, order)
            if response.get('result'):
                return response['result']
        return []


def _short(value, limit=300):
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + '...(%s characters)' % len(text)
    return text


def error_kind(response):
    """Return None (no error), 'user' (a UserError and its subclasses such
    as AccessError and ValidationError, or a UserWarning), 'refused' (an
    HTTP 401/403 refusal) or 'internal' (an exception with its traceback,
    reported by trytond as [str(exception), traceback])"""
    error = response.get('error')
    if error is None:
        return None
    if error and error[0] in {'UserError', 'UserWarning'}:
        return 'user'
    if error and str(error[0]) in {'HTTP 401', 'HTTP 403'}:
        return 'refused'
    return 'internal'


def describe_error(response):
    error = response.get('error')
    if error_kind(response) == 'internal':
        traceback = error[1] if len(error) > 1 else ''
        last = [line for line in str(traceback).splitlines()
            if line.strip()][-1:]
        return "INTERNAL ERROR %r %s" % (error[0], last)
    return _short(error)


def assert_refused(response, what=""):
    "The call was refused, with a user error, not an internal error"
    kind = error_kind(response)
    assert kind is not None, "ACCEPTED %s%s -> %s" % (
        what and what + ": ", response['_call'],
        _short(response.get('result')))
    assert kind != 'internal', (
        "refused only by an internal error, not an access or user error "
        "%s%s -> %s" % (what and what + ": ", response['_call'],
            describe_error(response)))


def assert_nothing(response, what=""):
    """A read, search or count gave nothing: refused with a user error, or
    an empty result"""
    kind = error_kind(response)
    if kind is None:
        result = response.get('result')
        assert result in ([], 0, None), "LEAK %s%s -> %s" % (
            what and what + ": ", response['_call'], _short(result))
    else:
        assert kind != 'internal', (
            "refused only by an internal error %s%s -> %s" % (
                what and what + ": ", response['_call'],
                describe_error(response)))


def result_or_nothing(response, nothing):
    """Return the result of a search, or nothing when it was refused with
    a user error (refusing is fine where nothing may be found)"""
    kind = error_kind(response)
    if kind is None:
        return response['result']
    assert kind != 'internal', (
        "refused only by an internal error %s -> %s" % (
            response['_call'], describe_error(response)))
    return nothing


def leaked(result, secrets):
    "Return the secrets found anywhere in result"
    found = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        else:
            for secret in secrets:
                if isinstance(secret, str):
                    if isinstance(value, bytes):
                        value = value.decode('utf-8', 'replace')
                    if isinstance(value, str) and secret in value:
                        found.append(secret)
                elif isinstance(secret, bytes):
                    if isinstance(value, bytes) and secret in value:
                        found.append(secret)
                elif (isinstance(secret, Decimal)
                        and isinstance(value, (Decimal, int, float))
                        and not isinstance(value, bool)
                        and Decimal(str(value)) == secret):
                    found.append(secret)
    walk(result)
    return found


def assert_no_secret(response, secrets, what=""):
    "An error (not internal) or a result in which no secret shows"
    kind = error_kind(response)
    if kind is not None:
        assert kind != 'internal', (
            "refused only by an internal error %s%s -> %s" % (
                what and what + ": ", response['_call'],
                describe_error(response)))
        return
    found = leaked(response['result'], secrets)
    assert not found, "LEAK of %s %s%s -> %s" % (
        found, what and what + ": ", response['_call'],
        _short(response['result']))


def ref(model, id_):
    return '%s,%s' % (model, id_)


# Undoing in the database what the server wrongly let through

class Undo:
    """Snapshots of database rows, put back after an attack that the server
    should have refused but did not, and removal of the records a test or
    an accepted attack created"""

    def __init__(self, server):
        self.server = server

    @staticmethod
    def table(model):
        return model.replace('.', '_')

    def snapshot(self, model, ids):
        ids = list(ids)
        if not ids:
            return (model, {})
        rows = self.server.sql(
            'SELECT * FROM "%s" WHERE "id" IN (%s)' % (
                self.table(model), ', '.join('?' * len(ids))), ids)
        return (model, {r['id']: r for r in rows})

    def restore(self, snapshot):
        model, rows = snapshot
        if not rows:
            return
        table = self.table(model)
        current = self.snapshot(model, rows)[1]
        for id_, row in rows.items():
            if current.get(id_) == row:
                continue
            values = [self._param(v) for v in row.values()]
            if id_ in current:
                self.server.sql(
                    'UPDATE "%s" SET %s WHERE "id" = ?' % (
                        table, ', '.join('"%s" = ?' % c for c in row)),
                    values + [id_])
            else:
                self.server.sql(
                    'INSERT INTO "%s" (%s) VALUES (%s)' % (
                        table, ', '.join('"%s"' % c for c in row),
                        ', '.join('?' * len(row))), values)

    @staticmethod
    def _param(value):
        if isinstance(value, dict):
            from psycopg.types.json import Jsonb
            return Jsonb(value)
        return value

    def delete(self, model, ids, column='id'):
        ids = [i for i in ids if i is not None]
        if not ids:
            return
        self.server.sql(
            'DELETE FROM "%s" WHERE "%s" IN (%s)' % (
                self.table(model), column, ', '.join('?' * len(ids))), ids)

    def delete_history(self, model, ids):
        ids = list(ids)
        if ids:
            self.server.sql(
                'DELETE FROM "%s__history" WHERE "id" IN (%s)' % (
                    self.table(model), ', '.join('?' * len(ids))), ids)

    def delete_bids(self, ids):
        "Remove bids with their responses, evidence and annotations"
        ids = list(ids)
        if not ids:
            return
        refs = [ref('commissioning.bid', i) for i in ids]
        responses = [r['id'] for r in self.server.sql(
                'SELECT "id" FROM "commissioning_bid_response" '
                'WHERE "bid" IN (%s)' % ', '.join('?' * len(ids)), ids)]
        self.delete('commissioning.score', responses, column='response')
        self.delete('commissioning.bid.response', ids, column='bid')
        for model in ['commissioning.collaboration', 'ir.attachment',
                'ir.note']:
            column = 'origin' if model.startswith('commissioning') else (
                'resource')
            self.delete(model, refs, column=column)
        self.delete('commissioning.tender.evaluator-bid', ids, column='bid')
        self.delete('commissioning.bid', ids)
        self.delete_history('commissioning.bid', ids)

    def delete_tenders(self, ids):
        ids = list(ids)
        if not ids:
            return
        criteria = [r['id'] for r in self.server.sql(
                'SELECT "id" FROM "commissioning_tender_criterion" '
                'WHERE "tender" IN (%s)' % ', '.join('?' * len(ids)), ids)]
        self.delete('commissioning.kpi.template', criteria,
            column='criterion')
        self.delete('commissioning.tender.criterion', ids, column='tender')
        self.delete('commissioning.collaboration',
            [ref('commissioning.tender', i) for i in ids], column='origin')
        self.delete('commissioning.tender', ids)
        self.delete_history('commissioning.tender', ids)

    def max_id(self, model):
        rows = self.server.sql('SELECT MAX("id") AS "m" FROM "%s"'
            % self.table(model))
        return rows[0]['m'] or 0

    @contextmanager
    def no_new_rows(self, *models):
        """Remove the rows of models (children first) created during the
        block, and their history"""
        tops = {m: self.max_id(m) for m in models}
        try:
            yield
        finally:
            for model in models:
                rows = self.server.sql(
                    'SELECT "id" FROM "%s" WHERE "id" > ?' % self.table(
                        model), [tops[model]])
                ids = [r['id'] for r in rows]
                self.delete(model, ids)
                if model in HISTORY_MODELS:
                    self.delete_history(model, ids)

    @contextmanager
    def guard(self, model, ids):
        "Put the rows of ids back as they were after the block"
        snapshot = self.snapshot(model, ids)
        try:
            yield snapshot
        finally:
            self.restore(snapshot)


# The demo, looked up by name

@pytest.fixture(scope='module')
def rpc(server):
    return RPC(server)


@pytest.fixture(scope='module')
def undo(server):
    return Undo(server)


@pytest.fixture(scope='module')
def demo(server, rpc):
    """The ids of the demo records the tests attack, looked up through RPC
    as the officer (or the administrator for users and parties)"""
    d = {}
    users = rpc.ok(rpc.search_read(
            'admin', 'res.user', [('login', 'in', ROLES)], ['login']))
    d['uid'] = {u['login']: u['id'] for u in users}
    assert set(d['uid']) == set(ROLES), d['uid']
    parties = rpc.ok(rpc.search_read(
            'admin', 'party.party',
            [('name', 'in', list(PROVIDERS.values()))], ['name']))
    by_name = {p['name']: p['id'] for p in parties}
    d['party'] = {login: by_name[name] for login, name in PROVIDERS.items()}
    d['login_of_party'] = {v: k for k, v in d['party'].items()}

    tenders = rpc.ok(rpc.search_read(
            'officer', 'commissioning.tender', [], ['name', 'state']))
    d['tender'] = {t['name']: t['id'] for t in tenders}
    states = {t['name']: t['state'] for t in tenders}
    for name, state in [(PUBLISHED, 'published'), (APPROVED, 'approved'),
            (PENDING, 'pending_approval'), (DRAFT, 'draft'),
            (CONTRACTED, 'contracted'), (EVALUATION, 'evaluation')]:
        assert states.get(name) == state, (
            "the demo tender %r is not %s: %s" % (name, state, states))

    # The bids of the closed demo tenders, by provider
    bids = rpc.first(['officer', 'admin'], 'commissioning.bid',
        [('tender.state', 'in', UNSEALED_STATES)],
        ['tender', 'provider', 'price', 'state'])
    d['bids'] = bids
    d['bids_of'] = {login: [b['id'] for b in bids if b['provider'] == party]
        for login, party in d['party'].items()}
    responses = rpc.first(['officer', 'admin'], 'commissioning.bid.response',
        [('bid', 'in', [b['id'] for b in bids])],
        ['bid', 'criterion', 'criterion.method', 'response'])
    d['responses'] = responses
    d['responses_of'] = {login: [r['id'] for r in responses
            if r['bid'] in d['bids_of'][login]] for login in PROVIDERS}
    collaborations = rpc.first(['officer', 'admin'],
        'commissioning.collaboration',
        [('origin', 'in', [ref('commissioning.bid', b['id'])
                    for b in bids])], ['origin'])
    d['bid_collaborations_of'] = {
        login: [c['id'] for c in collaborations
            if int(c['origin'].split(',')[1]) in d['bids_of'][login]]
        for login in PROVIDERS}

    # The contract and its monitoring
    contracts = rpc.first(['officer', 'admin'], 'commissioning.contract',
        [], ['provider', 'value', 'state', 'tender', 'bid'])
    assert len(contracts) == 1, contracts
    contract, = contracts
    d['contract'] = contract['id']
    d['contract_value'] = contract['value']
    d['holder'] = d['login_of_party'][contract['provider']]
    c = contract['id']
    for key, model, domain in [
            ('kpis', 'commissioning.contract.kpi', [('contract', '=', c)]),
            ('periods', 'commissioning.monitoring.period',
                [('contract', '=', c)]),
            ('lines', 'commissioning.monitoring.return.line',
                [('return_.contract', '=', c)]),
            ('breakdowns', 'commissioning.monitoring.return.breakdown',
                [('line.return_.contract', '=', c)]),
            ('failures', 'commissioning.contract.failure',
                [('contract', '=', c)]),
            ]:
        d[key] = [r['id'] for r in rpc.first(
                ['officer', 'admin'], model, domain, ['id'])]
    d['returns'] = rpc.first(['officer', 'admin'],
        'commissioning.monitoring.return', [('contract', '=', c)],
        ['state', 'overdue', 'lines'], [('period.start_date', 'ASC')])
    d['payments'] = rpc.first(['officer', 'admin'],
        'commissioning.contract.payment', [('contract', '=', c)],
        ['state'], [('planned_date', 'ASC')])
    d['return_collaborations'] = [r['id'] for r in rpc.first(
            ['officer', 'admin'], 'commissioning.collaboration',
            [('origin', 'in', [ref('commissioning.monitoring.return',
                            r['id']) for r in d['returns']])], ['id'])]
    d['draft_return'] = next(
        r['id'] for r in d['returns'] if r['state'] == 'draft')
    d['payment_in'] = {}
    for payment in d['payments']:
        d['payment_in'].setdefault(payment['state'], payment['id'])
    d['signoffs'] = rpc.first(['officer', 'finance', 'admin'],
        'commissioning.signoff', [], ['origin', 'gate', 'comment'])
    d['notice'], = [n['id'] for n in rpc.first(['officer', 'admin'],
            'commissioning.contract.performance_notice',
            [('contract', '=', c)], ['state'])]

    # The questions and the amendment of the published tender
    p = d['tender'][PUBLISHED]
    questions = rpc.first(['officer', 'admin'],
        'commissioning.tender.question', [('tender', '=', p)],
        ['state', 'party', 'question', 'answer', 'tender'])
    d['question'] = {q['state']: q for q in questions}
    assert set(d['question']) == {'published', 'asked'}, questions
    d['amendment'], = [a['id'] for a in rpc.first(['officer', 'admin'],
            'commissioning.tender.amendment', [('tender', '=', p)],
            ['state'])]

    # The tender in evaluation: its evaluators, criteria and responses
    e = d['tender'][EVALUATION]
    evaluators = rpc.first(['officer', 'admin'],
        'commissioning.tender.evaluator', [('tender', '=', e)],
        ['user', 'role', 'criteria', 'conflict_state'])
    d['evaluator_record'] = {
        next(k for k, v in d['uid'].items() if v == r['user']): r
        for r in evaluators}
    assert set(d['evaluator_record']) == {'evaluator', 'evaluator2'}, (
        evaluators)
    d['eval_bids'] = [b for b in bids if b['tender'] == e]
    d['eval_responses'] = [r for r in responses
        if r['bid'] in {b['id'] for b in d['eval_bids']}]
    return d


# 1. Sealing

@pytest.fixture(scope='module')
def sealed(server, rpc, undo, demo):
    """Bids on the published tender, made by their providers over RPC: a
    draft of provider and a submitted bid of provider2, each answered, with
    evidence of collaboration, an attachment and a note. Removed at the
    end."""
    tender = demo['tender'][PUBLISHED]
    today = dt.date.today()
    made = {}
    created = []
    try:
        for login, values in SEALED.items():
            bid = {'tender': tender, 'party': demo['party'][login],
                'name': PROVIDERS[login], 'problems': []}
            bid.update(values)
            response = rpc.create(login, 'commissioning.bid', [{
                        'tender': tender, 'price': values['price']}])
            bid['id'], = rpc.ok(response)
            created.append(bid['id'])
            answers = rpc.ok(rpc.search_read(
                    login, 'commissioning.bid.response',
                    [('bid', '=', bid['id'])], ['id']))
            bid['responses'] = [r['id'] for r in answers]
            rpc.ok(rpc.write(login, 'commissioning.bid', [bid['id']], {
                        'responses': [('write', bid['responses'], {
                                    'response': "%s: how we meet the "
                                    "criterion with children." % (
                                        values['marker'])})],
                        'collaborations': [('create', [{
                                        'date': today - dt.timedelta(
                                            days=10),
                                        'method': 'youth_panel',
                                        'children_count': values['children'],
                                        'space': "A youth centre session.",
                                        'voice': values['voice'],
                                        'audience': "The chief executive.",
                                        'influence': "The plan changed.",
                                        'feedback_to_children': "A letter.",
                                        'consent_confirmed': True,
                                        }])],
                        }))
            bid['collaborations'] = [c['id'] for c in rpc.ok(
                    rpc.search_read(login, 'commissioning.collaboration',
                        [('origin', '=', ref('commissioning.bid',
                                    bid['id']))], ['id']))]
            resource = ref('commissioning.bid', bid['id'])
            for key, model, what, record in [
                    ('attachments', 'ir.attachment', "attach a file to", {
                            'name': 'sealed-plan-%s.txt' % login,
                            'resource': resource, 'type': 'data',
                            'data': values['attachment']}),
                    ('notes', 'ir.note', "add a note to", {
                            'resource': resource,
                            'message': values['note']}),
                    ]:
                response = rpc.create(login, model, [record])
                if 'error' in response:
                    bid['problems'].append(
                        "the bidder could not %s its own bid: %s -> %s" % (
                            what, response['_call'],
                            describe_error(response)))
                    bid[key] = []
                else:
                    bid[key] = response['result']
            if values['submit']:
                response = rpc(
                    login, 'commissioning.bid', 'submit', [bid['id']])
                error = response.get('error') or []
                if error and error[0] == 'UserWarning':
                    # The bidder confirms, as the client's dialog does
                    rpc(login, 'res.user.warning', 'skip', error[1][0],
                        False)
                    response = rpc(
                        login, 'commissioning.bid', 'submit', [bid['id']])
                if 'error' in response:
                    bid['problems'].append(
                        "the bidder could not submit its bid: %s -> %s" % (
                            response['_call'], describe_error(response)))
            made[login] = bid
        yield made
    finally:
        undo.delete_bids(created)


def other_sealed(sealed, owner):
    "The sealed bids of the providers other than owner"
    return [b for login, b in sealed.items() if login != owner]


def own_sealed(sealed, viewer):
    "The ids of the sealed bids viewer may see: its own organisation's"
    return [sealed[viewer]['id']] if viewer in sealed else []


def bid_secrets(bid):
    "The values of a sealed bid that nobody else may see"
    return [bid['price'], bid['marker'], bid['voice'], bid['attachment'],
        bid['note'], bid['name']]


@pytest.mark.parametrize('operation', ['search', 'search_count',
        'search_read'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_search(rpc, sealed, owner, viewer, operation):
    """Searching the bids of the published tender finds nothing but the
    viewer's own organisation's bids"""
    bid = sealed[owner]
    domain = [('tender', '=', bid['tender'])]
    own = own_sealed(sealed, viewer)
    if operation == 'search':
        response = rpc.search(viewer, 'commissioning.bid', domain)
        result = result_or_nothing(response, [])
        assert bid['id'] not in result and set(result) <= set(own), (
            "LEAK %s -> %s (the sealed bid of %s is %s)" % (
                response['_call'], result, owner, bid['id']))
    elif operation == 'search_count':
        response = rpc.count(viewer, 'commissioning.bid', domain)
        assert result_or_nothing(response, len(own)) == len(own), (
            "LEAK %s -> %s, expected %s (the viewer's own bids)" % (
                response['_call'], response['result'], len(own)))
    else:
        response = rpc.search_read(viewer, 'commissioning.bid', domain,
            ['price', 'state', 'submitted_at', 'provider'])
        result = result_or_nothing(response, [])
        assert {r['id'] for r in result} <= set(own), (
            "LEAK %s -> %s" % (response['_call'], _short(result)))


@pytest.mark.parametrize('fields', [['price'], ['responses'],
        ['collaborations'], ['total_score', 'rank'], ['state'],
        ['rec_name']], ids=lambda f: '+'.join(f))
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_read(rpc, sealed, owner, viewer, fields):
    "Reading a sealed bid by id is refused or returns nothing"
    bid = sealed[owner]
    assert_nothing(rpc.read(viewer, 'commissioning.bid', [bid['id']],
            fields))


@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_history_read(rpc, sealed, owner, viewer):
    "Reading a sealed bid as it was (history) is refused as well"
    bid = sealed[owner]
    for fields in [['price'], ['state', 'provider']]:
        assert_nothing(rpc.read(viewer, 'commissioning.bid', [bid['id']],
                fields, context={'_datetime': dt.datetime.now()}))


@pytest.mark.parametrize('path', ['bids/price', 'bids/responses/response',
        'bids/collaborations/voice', 'bids/provider/rec_name'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_export(rpc, sealed, owner, viewer, path):
    "Exporting the tender's bids yields none of the sealed bid's values"
    bid = sealed[owner]
    response = rpc.export(viewer, 'commissioning.tender', [bid['tender']],
        [path])
    assert_no_secret(response, bid_secrets(bid))


@pytest.mark.parametrize('field', ['price', 'responses/response',
        'collaborations/voice'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_export_domain(rpc, sealed, owner, viewer, field):
    "Exporting bids by a domain (the client's export) yields nothing sealed"
    bid = sealed[owner]
    response = rpc(viewer, 'commissioning.bid', 'export_data_domain',
        [('tender', '=', bid['tender'])], [field], 0, None, None)
    assert_no_secret(response, bid_secrets(bid))


SEALED_ORACLES = ['tender.bids.price', 'tender.bids.where.price',
    'tender.bids.responses.response', 'tender.bids.provider',
    'tender.bids.collaborations.children_count',
    'tender.bids.collaborations.voice', 'bid.price', 'bid.total_score',
    'response.response', 'response.bid.price',
    'collaboration.children_count', 'attachment.resource', 'note.message']


@pytest.fixture(scope='module')
def no_bid_party(demo, sealed):
    "A provider organisation with no bid on the published tender"
    return next(demo['party'][login] for login in PROVIDERS
        if login not in sealed)


@pytest.mark.parametrize('oracle', SEALED_ORACLES)
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_search_oracle(rpc, sealed, no_bid_party, owner,
        viewer, oracle):
    """A count that changes with a sealed value leaks it: hit and miss
    must count the same"""
    model, hit, miss = sealed_oracles_for(sealed, owner, no_bid_party)[
        oracle]
    hit_response = rpc.count(viewer, model, hit)
    miss_response = rpc.count(viewer, model, miss)
    if error_kind(hit_response) in {'user', 'refused'} and error_kind(
            miss_response) in {'user', 'refused'}:
        return
    hits, misses = rpc.ok(hit_response), rpc.ok(miss_response)
    assert hits == misses, (
        "ORACLE %s -> %s but %s -> %s: the count tells the sealed value" % (
            hit_response['_call'], hits, miss_response['_call'], misses))


SEALED_ABSOLUTE = {
    'bids.price>=1': [('bids.price', '>=', Decimal('1'))],
    'bids.price>=1e12': [('bids.price', '>=', Decimal('1e12'))],
    'bids.responses.response~a': [
        ('bids.responses.response', 'ilike', '%a%')],
    'bids.collaborations.children_count>0': [
        ('bids.collaborations.children_count', '>', 0)],
    }


@pytest.mark.parametrize('oracle', list(SEALED_ABSOLUTE) + ['bids.provider'])
@pytest.mark.parametrize('viewer', ROLES)
def test_sealed_search_absolute(rpc, sealed, viewer, oracle):
    """The plain searches on the published tender through its bids (a low
    and a high price, any answer with an "a", any evidence, each bidding
    organisation) count what the viewer's own bid alone would"""
    tender = next(iter(sealed.values()))['tender']
    tid = [('id', '=', tender)]
    own = own_sealed(sealed, viewer)
    if oracle == 'bids.provider':
        cases = [(('bids.provider', '=', b['party']), 0)
            for login, b in sealed.items() if login != viewer]
    else:
        clause, = SEALED_ABSOLUTE[oracle]
        expected = 0
        if own:
            # The same search on the viewer's own bid only (on PostgreSQL
            # an "ilike" on a text is a full text search, which finds no
            # single letter)
            path, operator, value = clause
            response = rpc.count(viewer, 'commissioning.tender', tid + [
                    ('bids', 'where', [('id', 'in', own),
                            (path.split('.', 1)[1], operator, value)])])
            expected = rpc.ok(response)
        cases = [(clause, expected)]
    for clause, expected in cases:
        response = rpc.count(viewer, 'commissioning.tender', tid + [clause])
        count = result_or_nothing(response, expected)
        assert count == expected, (
            "ORACLE %s -> %s, expected %s (what the viewer's own bid alone "
            "gives)" % (response['_call'], count, expected))


@pytest.mark.parametrize('field', ['bid.price', 'response.response',
        'collaboration.voice'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_tamper(rpc, undo, sealed, owner, viewer, field):
    """Nobody but the bidder changes a sealed bid's price, answers or
    evidence"""
    bid = sealed[owner]
    model, record, values = {
        'bid.price': ('commissioning.bid', bid['id'],
            {'price': Decimal('1.00')}),
        'response.response': ('commissioning.bid.response',
            bid['responses'][0], {'response': 'TAMPERED'}),
        'collaboration.voice': ('commissioning.collaboration',
            bid['collaborations'][0], {'voice': 'TAMPERED'}),
        }[field]
    attack_write(rpc, undo, model, record, owner, viewer, values)


def sealed_oracles_for(sealed, owner, no_bid_party):
    bid = sealed[owner]
    tender = bid['tender']
    others = other_sealed(sealed, owner)
    if all(o['price'] < bid['price'] for o in others):
        operator, miss_price = '>=', bid['price'] + Decimal('0.01')
    else:
        operator, miss_price = '<=', bid['price'] - Decimal('0.01')
    T = 'commissioning.tender'
    tid = [('id', '=', tender)]
    text = '%NO-SUCH-TEXT%'
    return {
        'tender.bids.price': (T,
            tid + [('bids.price', operator, bid['price'])],
            tid + [('bids.price', operator, miss_price)]),
        'tender.bids.where.price': (T,
            tid + [('bids', 'where', [('price', '=', bid['price'])])],
            tid + [('bids', 'where', [
                        ('price', '=', bid['price'] + Decimal('0.01'))])]),
        'tender.bids.responses.response': (T,
            tid + [('bids.responses.response', 'ilike',
                    '%' + bid['marker'] + '%')],
            tid + [('bids.responses.response', 'ilike', text)]),
        'tender.bids.provider': (T,
            tid + [('bids.provider', '=', bid['party'])],
            tid + [('bids.provider', '=', no_bid_party)]),
        'tender.bids.collaborations.children_count': (T,
            tid + [('bids.collaborations.children_count', '=',
                    bid['children'])],
            tid + [('bids.collaborations.children_count', '=', 99999)]),
        'tender.bids.collaborations.voice': (T,
            tid + [('bids.collaborations.voice', 'ilike',
                    '%' + bid['voice'] + '%')],
            tid + [('bids.collaborations.voice', 'ilike', text)]),
        'bid.price': ('commissioning.bid',
            [('tender', '=', tender), ('price', '=', bid['price'])],
            [('tender', '=', tender),
                ('price', '=', bid['price'] + Decimal('0.01'))]),
        'bid.total_score': ('commissioning.bid',
            [('id', '=', bid['id']), ('total_score', '=', None)],
            [('id', '=', bid['id']), ('total_score', '!=', None)]),
        'response.response': ('commissioning.bid.response',
            [('bid.tender', '=', tender),
                ('response', 'ilike', '%' + bid['marker'] + '%')],
            [('bid.tender', '=', tender), ('response', 'ilike', text)]),
        'response.bid.price': ('commissioning.bid.response',
            [('bid.tender', '=', tender), ('bid.price', '=', bid['price'])],
            [('bid.tender', '=', tender),
                ('bid.price', '=', bid['price'] + Decimal('0.01'))]),
        'collaboration.children_count': ('commissioning.collaboration',
            [('origin', 'like', 'commissioning.bid,%'),
                ('children_count', '=', bid['children'])],
            [('origin', 'like', 'commissioning.bid,%'),
                ('children_count', '=', 99999)]),
        'attachment.resource': ('ir.attachment',
            [('resource', '=', ref('commissioning.bid', bid['id']))],
            [('resource', '=', ref('commissioning.bid', 0))]),
        'note.message': ('ir.note',
            [('message', 'ilike', '%' + bid['note'] + '%')],
            [('message', 'ilike', text)]),
        }


@pytest.mark.parametrize('oracle', SEALED_ORACLES)
@pytest.mark.parametrize('owner', list(SEALED))
def test_bidder_oracle_discriminates(rpc, sealed, no_bid_party, owner,
        oracle):
    """Positive control of the oracles: for the bidder itself, hit finds
    its bid and miss does not, so equal counts for others mean sealing"""
    model, hit, miss = sealed_oracles_for(sealed, owner, no_bid_party)[
        oracle]
    hits = rpc.ok(rpc.count(owner, model, hit))
    misses = rpc.ok(rpc.count(owner, model, miss))
    assert hits > misses, (
        "as the bidder %s, %s counts %s and %s counts %s: the oracle "
        "cannot tell" % (owner, hit, hits, miss, misses))


SEALED_ORDERS = [
    ('commissioning.bid', 'tender', [('price', 'ASC')]),
    ('commissioning.bid', 'tender', [('total_score', 'DESC')]),
    ('commissioning.bid.response', 'bid.tender', [('response', 'ASC')]),
    ('commissioning.bid.response', 'bid.tender', [('bid.price', 'DESC')]),
    ('commissioning.collaboration', None, [('children_count', 'DESC')]),
    ('commissioning.collaboration', None, [('voice', 'ASC')]),
    ]


@pytest.mark.parametrize('model,tender_path,order', SEALED_ORDERS,
    ids=['%s-by-%s' % (m, o[0][0]) for m, _, o in SEALED_ORDERS])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_order(rpc, sealed, owner, viewer, model, tender_path,
        order):
    """Sorting on sealed values, either way, shows none of the sealed
    records and the same records"""
    bid = sealed[owner]
    if model == 'commissioning.bid':
        targets = {bid['id']}
    elif model == 'commissioning.bid.response':
        targets = set(bid['responses'])
    else:
        targets = set(bid['collaborations'])
    if tender_path:
        domain = [(tender_path, '=', bid['tender'])]
    else:
        domain = [('origin', 'in', [ref('commissioning.bid', b['id'])
                    for b in sealed.values()])]
    results = []
    for direction in ['ASC', 'DESC']:
        response = rpc.search(viewer, model, domain,
            [(order[0][0], direction)])
        if error_kind(response) in {'user', 'refused'}:
            results.append(set())
            continue
        result = rpc.ok(response)
        assert not targets & set(result), (
            "LEAK %s -> %s includes the sealed records %s of %s's bid" % (
                response['_call'], result, sorted(targets & set(result)),
                owner))
        results.append(set(result))
    assert results[0] == results[1], results


@pytest.mark.parametrize('kind', ['response', 'collaboration',
        'attachment', 'note'])
@pytest.mark.parametrize('operation', ['search_count', 'read'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_content(rpc, sealed, owner, viewer, operation, kind):
    """The responses, evidence, attachments and notes of a sealed bid are
    not counted nor read"""
    bid = sealed[owner]
    for problem in bid['problems']:
        if kind in problem:
            pytest.fail("cannot test: %s" % problem)
    model, column, ids, fields = {
        'response': ('commissioning.bid.response', 'bid', bid['responses'],
            ['response']),
        'collaboration': ('commissioning.collaboration', 'origin',
            bid['collaborations'], ['voice', 'children_count']),
        'attachment': ('ir.attachment', 'resource', bid['attachments'],
            ['name', 'data']),
        'note': ('ir.note', 'resource', bid['notes'], ['message']),
        }[kind]
    value = bid['id'] if column == 'bid' else ref(
        'commissioning.bid', bid['id'])
    if operation == 'search_count':
        response = rpc.count(viewer, model, [(column, '=', value)])
        assert_nothing(response)
    else:
        assert ids, "the bid of %s has no %s to read" % (owner, kind)
        response = rpc.read(viewer, model, ids, fields)
        assert_nothing(response)


@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_resources(rpc, sealed, owner, viewer):
    """The client's count of attachments and notes of a sealed bid is
    refused or zero"""
    bid = sealed[owner]
    response = rpc(viewer, 'commissioning.bid', 'resources', [bid['id']])
    if error_kind(response) is None:
        counts = response['result']
        assert all(not (c.get('attachment_count') or c.get('note_count'))
            for c in counts), "LEAK %s -> %s" % (response['_call'], counts)
    else:
        assert_refused(response)


@pytest.mark.parametrize('kind', ['attachment', 'note'])
@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_bid_annotate(rpc, undo, sealed, owner, viewer, kind):
    """Nobody but the bidder attaches a file or a note to a sealed bid;
    the bidder still sees only its own"""
    bid = sealed[owner]
    resource = ref('commissioning.bid', bid['id'])
    model, values = {
        'attachment': ('ir.attachment', {'name': 'planted.txt',
                'resource': resource, 'type': 'data',
                'data': b'PLANTED'}),
        'note': ('ir.note', {'resource': resource,
                'message': 'PLANTED'}),
        }[kind]
    before = rpc.ok(rpc.count(owner, model, [('resource', '=', resource)]))
    response = rpc.create(viewer, model, [values])
    if 'result' in response:
        undo.delete(model, response['result'])
    assert_refused(response)
    after = rpc.ok(rpc.count(owner, model, [('resource', '=', resource)]))
    assert after == before, (before, after)


@pytest.mark.parametrize('owner', list(SEALED))
def test_bidder_reads_own_sealed_bid(rpc, sealed, owner):
    """Positive control: the bidding organisation reads, searches and
    exports its own bid, responses, evidence, attachment and note"""
    bid = sealed[owner]
    assert not bid['problems'], bid['problems']
    row, = rpc.ok(rpc.read(owner, 'commissioning.bid', [bid['id']],
            ['price', 'responses', 'collaborations', 'state']))
    assert row['price'] == bid['price']
    assert set(row['responses']) == set(bid['responses'])
    assert row['state'] == ('submitted' if bid['submit'] else 'draft')
    assert rpc.ok(rpc.search(owner, 'commissioning.bid',
            [('tender', '=', bid['tender'])])) == [bid['id']]
    answers = rpc.ok(rpc.read(owner, 'commissioning.bid.response',
            bid['responses'], ['response']))
    assert all(bid['marker'] in a['response'] for a in answers)
    evidence = rpc.ok(rpc.read(owner, 'commissioning.collaboration',
            bid['collaborations'], ['voice', 'children_count']))
    assert [(e['voice'], e['children_count']) for e in evidence] == [
        (bid['voice'], bid['children'])]
    attachment, = rpc.ok(rpc.read(owner, 'ir.attachment',
            bid['attachments'], ['data']))
    assert attachment['data'] == bid['attachment']
    note, = rpc.ok(rpc.read(owner, 'ir.note', bid['notes'], ['message']))
    assert note['message'] == bid['note']
    exported = rpc.ok(rpc.export(owner, 'commissioning.bid', [bid['id']],
            ['price', 'responses/response']))
    assert leaked(exported, [bid['price'], bid['marker']]), exported


@pytest.mark.parametrize('owner', list(SEALED))
def test_bidder_exports_tender_bids(rpc, sealed, owner):
    """Positive control: the bidder exports the published tender with its
    bids' prices, which shows its own and nobody else's (another
    organisation's sealed bid on the same tender must neither show nor
    make the export fail)"""
    bid = sealed[owner]
    response = rpc.export(owner, 'commissioning.tender', [bid['tender']],
        ['bids/price'])
    exported = rpc.ok(response)
    assert leaked(exported, [bid['price']]), exported
    for other in other_sealed(sealed, owner):
        assert not leaked(exported, [other['price']]), exported


@pytest.mark.parametrize('owner,viewer', SEALED_CASES)
def test_sealed_tender_bids_field(rpc, sealed, owner, viewer):
    """The tender's list of bids, as the form reads it, does not list a
    sealed bid to anyone but its bidder"""
    bid = sealed[owner]
    response = rpc.read(viewer, 'commissioning.tender', [bid['tender']],
        ['bids'])
    rows = result_or_nothing(response, [])
    assert not rows or bid['id'] not in rows[0]['bids'], (
        "LEAK %s -> %s (the sealed bid of %s is %s)" % (
            response['_call'], rows, owner, bid['id']))


@pytest.mark.parametrize('login', ['officer', 'finance'])
@pytest.mark.parametrize('tender', [CONTRACTED, EVALUATION],
    ids=TENDER_LABELS.get)
def test_unsealed_bids_readable(rpc, demo, login, tender):
    """Positive control: once the tender has closed, officers and finance
    read its bids, their prices and responses"""
    tid = demo['tender'][tender]
    bids = rpc.ok(rpc.search_read(login, 'commissioning.bid',
            [('tender', '=', tid)], ['price', 'responses', 'provider']))
    assert len(bids) >= 2, bids
    assert all(b['price'] for b in bids), bids
    responses = rpc.ok(rpc.read(login, 'commissioning.bid.response',
            [r for b in bids for r in b['responses']], ['response']))
    assert any(r['response'] for r in responses), responses
    exported = rpc.ok(rpc.export(login, 'commissioning.tender', [tid],
            ['bids/price']))
    assert leaked(exported, [b['price'] for b in bids])


# 2. Providers are isolated

@pytest.fixture(scope='module')
def holder_annotations(rpc, undo, demo):
    """An attachment and a note of the contract holder on its draft
    monitoring return, made over RPC as the holder; removed at the end"""
    holder = demo['holder']
    resource = ref('commissioning.monitoring.return', demo['draft_return'])
    made = {'attachments': [], 'notes': [], 'problems': []}
    for kind, model, values in [
            ('attachments', 'ir.attachment', {
                    'name': 'holder-evidence.txt', 'resource': resource,
                    'type': 'data', 'data': b'HOLDER-ATTACHMENT'}),
            ('notes', 'ir.note', {'resource': resource,
                    'message': 'HOLDER-NOTE'}),
            ]:
        response = rpc.create(holder, model, [values])
        if 'error' in response:
            made['problems'].append("%s -> %s" % (
                    response['_call'], describe_error(response)))
        else:
            made[kind] = response['result']
    try:
        yield made
    finally:
        undo.delete('ir.attachment', made['attachments'])
        undo.delete('ir.note', made['notes'])


BID_KINDS = ['bid', 'bid.response', 'bid.collaboration', 'bid.score']
CONTRACT_KINDS = ['contract', 'contract.kpi', 'monitoring.period',
    'monitoring.return', 'monitoring.return.line',
    'monitoring.return.breakdown', 'contract.payment', 'contract.failure',
    'return.collaboration', 'return.attachment', 'return.note']
KIND_MODELS = {
    'bid': 'commissioning.bid',
    'bid.response': 'commissioning.bid.response',
    'bid.collaboration': 'commissioning.collaboration',
    'bid.score': 'commissioning.score',
    'contract': 'commissioning.contract',
    'contract.kpi': 'commissioning.contract.kpi',
    'monitoring.period': 'commissioning.monitoring.period',
    'monitoring.return': 'commissioning.monitoring.return',
    'monitoring.return.line': 'commissioning.monitoring.return.line',
    'monitoring.return.breakdown':
    'commissioning.monitoring.return.breakdown',
    'contract.payment': 'commissioning.contract.payment',
    'contract.failure': 'commissioning.contract.failure',
    'return.collaboration': 'commissioning.collaboration',
    'return.attachment': 'ir.attachment',
    'return.note': 'ir.note',
    }
ISOLATION_OPERATIONS = ['read', 'search_count', 'search_read', 'export']
ISOLATION_CASES = [
    pytest.param(owner, viewer, kind, id='%s_of_%s-as_%s' % (
            kind, owner, viewer))
    for kind in BID_KINDS for owner in PROVIDERS for viewer in PROVIDERS
    # Whether a provider sees the scores of its own bids is not this
    # test's matter
    if not (kind == 'bid.score' and owner == viewer)] + [
    pytest.param('holder', viewer, kind, id='%s_of_holder-as_%s' % (
            kind, viewer))
    for kind in CONTRACT_KINDS for viewer in PROVIDERS]


def isolation_ids(rpc, demo, annotations, owner, kind):
    "Return the ids of the records of kind that belong to owner"
    if kind == 'bid':
        return demo['bids_of'][owner]
    if kind == 'bid.response':
        return demo['responses_of'][owner]
    if kind == 'bid.collaboration':
        return demo['bid_collaborations_of'][owner]
    if kind == 'bid.score':
        return [s['id'] for s in rpc.first(['officer', 'admin'],
                'commissioning.score',
                [('response.bid', 'in', demo['bids_of'][owner])], ['id'])]
    if kind == 'return.attachment':
        assert not annotations['problems'], (
            "the contract holder could not annotate its own return: %s"
            % annotations['problems'])
        return annotations['attachments']
    if kind == 'return.note':
        assert not annotations['problems'], annotations['problems']
        return annotations['notes']
    return {
        'contract': [demo['contract']],
        'contract.kpi': demo['kpis'],
        'monitoring.period': demo['periods'],
        'monitoring.return': [r['id'] for r in demo['returns']],
        'monitoring.return.line': demo['lines'],
        'monitoring.return.breakdown': demo['breakdowns'],
        'contract.payment': [p['id'] for p in demo['payments']],
        'contract.failure': demo['failures'],
        'return.collaboration': demo['return_collaborations'],
        }[kind]


@pytest.mark.parametrize('operation', ISOLATION_OPERATIONS)
@pytest.mark.parametrize('owner,viewer,kind', ISOLATION_CASES)
def test_provider_isolation(rpc, demo, holder_annotations, owner, viewer,
        kind, operation):
    """A provider reads, searches, counts and exports nothing of another
    provider's records; the owner itself does (positive control)"""
    if owner == 'holder':
        owner = demo['holder']
    model = KIND_MODELS[kind]
    ids = isolation_ids(rpc, demo, holder_annotations, owner, kind)
    assert ids, "the demo has no %s of %s to test" % (kind, owner)
    domain = [('id', 'in', ids)]
    if operation == 'read':
        response = rpc.read(viewer, model, ids, ['rec_name'])
    elif operation == 'search_count':
        response = rpc.count(viewer, model, domain)
    elif operation == 'search_read':
        response = rpc.search_read(viewer, model, domain, ['rec_name'])
    else:
        response = rpc.export(viewer, model, ids, ['id', 'rec_name'])
    if viewer != owner:
        assert_nothing(response, "%s reads %s of %s" % (viewer, kind, owner))
        if operation == 'export' and 'result' in response:
            assert not any(any(cell not in (None, '', False)
                        for cell in row) for row in response['result']), (
                "LEAK %s -> %s" % (response['_call'],
                    _short(response['result'])))
        return
    # Positive control: the owner's own records
    result = rpc.ok(response)
    if operation == 'read':
        assert {r['id'] for r in result} == set(ids), result
    elif operation == 'search_count':
        assert result == len(ids), (response['_call'], result, len(ids))
    elif operation == 'search_read':
        assert {r['id'] for r in result} == set(ids), result
    else:
        assert {row[0] for row in result} == set(ids), result


def contract_oracles(demo, viewer):
    """Return {name: (model, hit, miss)} on the demo contract: hit matches
    the holder's records, miss nothing"""
    holder_party = demo['party'][demo['holder']]
    other_party = next(p for login, p in demo['party'].items()
        if login != demo['holder'])
    value = demo['contract_value']
    P, R = 'commissioning.contract.payment', 'commissioning.monitoring.return'
    return {
        'payment.contract.provider': (P,
            [('contract.provider', '=', holder_party)],
            [('contract.provider', '=', other_party)]),
        'payment.contract.value': (P,
            [('contract.value', '>=', value)],
            [('contract.value', '>=', value + 1)]),
        'return.contract.provider': (R,
            [('contract.provider', '=', holder_party)],
            [('contract.provider', '=', other_party)]),
        'return.contract.value': (R,
            [('contract.value', '>=', value)],
            [('contract.value', '>=', value + 1)]),
        'line.return.contract.provider': (
            'commissioning.monitoring.return.line',
            [('return_.contract.provider', '=', holder_party)],
            [('return_.contract.provider', '=', other_party)]),
        'contract.value': ('commissioning.contract',
            [('value', '=', value)], [('value', '=', value + 1)]),
        'kpi.contract.provider': ('commissioning.contract.kpi',
            [('contract.provider', '=', holder_party)],
            [('contract.provider', '=', other_party)]),
        'party.commissioning_contracts': ('commissioning.contract.payment',
            [('contract.provider.name', '=', PROVIDERS[demo['holder']])],
            [('contract.provider.name', '=', 'No Such Organisation')]),
        }


CONTRACT_ORACLES = ['payment.contract.provider', 'payment.contract.value',
    'return.contract.provider', 'return.contract.value',
    'line.return.contract.provider', 'contract.value',
    'kpi.contract.provider', 'party.commissioning_contracts']


@pytest.mark.parametrize('oracle', CONTRACT_ORACLES)
@pytest.mark.parametrize('viewer', list(PROVIDERS))
def test_provider_contract_oracle(rpc, demo, viewer, oracle):
    """Counts through dotted paths tell another provider nothing of the
    demo contract; the holder's counts do tell (positive control)"""
    model, hit, miss = contract_oracles(demo, viewer)[oracle]
    hit_response = rpc.count(viewer, model, hit)
    miss_response = rpc.count(viewer, model, miss)
    if viewer == demo['holder']:
        hits, misses = rpc.ok(hit_response), rpc.ok(miss_response)
        assert hits > 0 and misses == 0, (
            "the holder %s: %s -> %s, %s -> %s" % (viewer,
                hit_response['_call'], hits, miss_response['_call'],
                misses))
        return
    if error_kind(hit_response) in {'user', 'refused'}:
        assert_refused(miss_response)
        return
    hits, misses = rpc.ok(hit_response), rpc.ok(miss_response)
    assert hits == misses, (
        "ORACLE %s -> %s but %s -> %s" % (hit_response['_call'], hits,
            miss_response['_call'], misses))


def bid_oracles(demo, owner):
    "Oracles on the closed bids of owner, through the visible tenders"
    bids = [b for b in demo['bids'] if b['id'] in demo['bids_of'][owner]]
    bid = next(b for b in bids if b['tender'] == demo['tender'][CONTRACTED])
    tid = [('id', '=', bid['tender'])]
    T = 'commissioning.tender'
    return {
        'tender.bids.where.price': (T,
            tid + [('bids', 'where', [('provider', '=', bid['provider']),
                        ('price', '=', bid['price'])])],
            tid + [('bids', 'where', [('provider', '=', bid['provider']),
                        ('price', '=', bid['price'] + Decimal('0.01'))])]),
        'tender.bids.responses.response': (T,
            tid + [('bids.responses.response', 'ilike',
                    '%' + PROVIDERS[owner] + '%')],
            tid + [('bids.responses.response', 'ilike', '%NO-SUCH-TEXT%')]),
        'bid.price': ('commissioning.bid',
            [('tender', '=', bid['tender']), ('price', '=', bid['price'])],
            [('tender', '=', bid['tender']),
                ('price', '=', bid['price'] + Decimal('0.01'))]),
        }


@pytest.mark.parametrize('oracle', ['tender.bids.where.price',
        'tender.bids.responses.response', 'bid.price'])
@pytest.mark.parametrize('owner,viewer', [
        pytest.param(o, v, id='bids_of_%s-as_%s' % (o, v))
        for o in PROVIDERS for v in PROVIDERS])
def test_provider_bid_oracle(rpc, demo, owner, viewer, oracle):
    """Counts through the tenders a provider sees tell nothing of another
    provider's bids; the bidder's counts do tell (positive control)"""
    model, hit, miss = bid_oracles(demo, owner)[oracle]
    hit_response = rpc.count(viewer, model, hit)
    miss_response = rpc.count(viewer, model, miss)
    if viewer == owner:
        hits, misses = rpc.ok(hit_response), rpc.ok(miss_response)
        assert hits > misses, (hit_response['_call'], hits,
            miss_response['_call'], misses)
        return
    if error_kind(hit_response) in {'user', 'refused'}:
        assert_refused(miss_response)
        return
    hits, misses = rpc.ok(hit_response), rpc.ok(miss_response)
    assert hits == misses, (
        "ORACLE %s -> %s but %s -> %s" % (hit_response['_call'], hits,
            miss_response['_call'], misses))


# 3. Evaluators are independent

@pytest.fixture(scope='module')
def evaluation(rpc, demo):
    """The tender in evaluation: the specialist's scores (read by the
    specialist), the panel's criteria and the responses"""
    tid = demo['tender'][EVALUATION]
    scores = rpc.ok(rpc.search_read('evaluator2', 'commissioning.score',
            [('response.bid.tender', '=', tid)],
            ['response', 'score', 'justification', 'evaluator']))
    panel = demo['evaluator_record']['evaluator']
    specialist = demo['evaluator_record']['evaluator2']
    responses = {r['id']: r for r in demo['eval_responses']}
    return {
        'tender': tid,
        'scores': scores,
        'panel': panel,
        'specialist': specialist,
        'responses': responses,
        # The responses the specialist scored on the panel's criteria
        'shared': sorted({s['response'] for s in scores
                if responses.get(s['response'], {}).get('criterion')
                in panel['criteria']}),
        'unassigned': sorted(r['id'] for r in responses.values()
            if r['criterion'] not in panel['criteria']),
        'assigned': sorted(r['id'] for r in responses.values()
            if r['criterion'] in panel['criteria']),
        }


def test_specialist_reads_own_scores(evaluation, demo):
    """Positive control: the specialist reads its own scores of the tender
    in evaluation, each with its justification"""
    scores = evaluation['scores']
    assert scores, "the specialist reads none of its scores"
    assert {s['evaluator'] for s in scores} == {
        evaluation['specialist']['id']}
    assert all(s['justification'] for s in scores)
    assert evaluation['shared'], (
        "the specialist scored none of the panel's criteria")


def test_panel_reads_assigned_responses(rpc, evaluation):
    """Positive control: the children's panel facilitator reads the
    answers it has to score"""
    response = rpc.read('evaluator', 'commissioning.bid.response',
        evaluation['assigned'], ['response', 'criterion'])
    rows = rpc.ok(response)
    assert len(rows) == len(evaluation['assigned'])
    assert all(r['response'] for r in rows), rows
    assert rpc.ok(rpc.count('evaluator', 'commissioning.bid.response',
            [('bid.tender', '=', evaluation['tender']),
                ('criterion', 'in', evaluation['panel']['criteria'])])) \
        == len(evaluation['assigned'])


@pytest.mark.parametrize('operation', ['search_count', 'search_read',
        'read', 'export'])
def test_panel_cannot_see_specialist_scores(rpc, evaluation, operation):
    "The panel sees nothing of the specialist's scores"
    ids = [s['id'] for s in evaluation['scores']]
    domain = [('response.bid.tender', '=', evaluation['tender'])]
    if operation == 'search_count':
        response = rpc.count('evaluator', 'commissioning.score', domain)
    elif operation == 'search_read':
        response = rpc.search_read('evaluator', 'commissioning.score',
            domain, ['score', 'justification'])
    elif operation == 'read':
        response = rpc.read('evaluator', 'commissioning.score', ids,
            ['score', 'justification'])
    else:
        response = rpc.export('evaluator', 'commissioning.score', ids,
            ['score', 'justification'])
        assert_no_secret(response,
            [s['justification'] for s in evaluation['scores']])
        if 'result' in response:
            assert not any(any(cell not in (None, '', False) for cell in row)
                for row in response['result']), (
                "LEAK %s -> %s" % (response['_call'], response['result']))
        return
    assert_nothing(response)


@pytest.mark.parametrize('field', ['mean_score', 'spread', 'final_score',
        'weighted_score'])
def test_panel_score_aggregates_empty(rpc, evaluation, field):
    """The responses the specialist scored read as unscored to the panel:
    their mean, spread, final and weighted scores are empty"""
    response = rpc.read('evaluator', 'commissioning.bid.response',
        evaluation['shared'], [field])
    rows = rpc.ok(response)
    assert len(rows) == len(evaluation['shared']), (
        "the panel cannot read the responses it scores: %s -> %s" % (
            response['_call'], rows))
    assert all(r[field] is None for r in rows), (
        "LEAK %s -> %s" % (response['_call'], rows))


def test_panel_score_search_oracle(rpc, evaluation):
    """Counting responses by score, from 0 to 5, gives the panel the same
    answer whatever the score"""
    counts = {}
    for k in range(6):
        response = rpc.count('evaluator', 'commissioning.bid.response',
            [('bid.tender', '=', evaluation['tender']),
                ('scores.score', '=', k)])
        counts[k] = response.get('result', describe_error(response))
    assert len(set(counts.values())) == 1, (
        "ORACLE as evaluator: commissioning.bid.response.search_count("
        "[('bid.tender', '=', %s), ('scores.score', '=', k)]) by k: %s" % (
            evaluation['tender'], counts))


def test_panel_justification_search_oracle(rpc, evaluation):
    """Searching responses on the words of the specialist's
    justifications tells the panel nothing"""
    word = evaluation['scores'][0]['justification'].split(':')[0]
    hit = rpc.count('evaluator', 'commissioning.bid.response',
        [('bid.tender', '=', evaluation['tender']),
            ('scores.justification', 'ilike', '%' + word + '%')])
    miss = rpc.count('evaluator', 'commissioning.bid.response',
        [('bid.tender', '=', evaluation['tender']),
            ('scores.justification', 'ilike', '%NO-SUCH-TEXT%')])
    assert hit.get('result', 'error') == miss.get('result', 'error'), (
        "ORACLE %s -> %s but %s -> %s" % (hit['_call'],
            hit.get('result', describe_error(hit)), miss['_call'],
            miss.get('result', describe_error(miss))))


def test_panel_export_scores_of_responses(rpc, evaluation):
    """Exporting the responses with their scores yields nothing of the
    specialist's"""
    response = rpc.export('evaluator', 'commissioning.bid.response',
        evaluation['shared'], ['scores/score', 'scores/justification'])
    assert_no_secret(response,
        [s['justification'] for s in evaluation['scores']])
    if 'result' in response:
        assert not any(cell not in (None, '', False)
            for row in response['result'] for cell in row), (
            "LEAK %s -> %s" % (response['_call'], response['result']))


@pytest.mark.parametrize('operation', ['search_count', 'read'])
def test_panel_reads_no_unassigned_responses(rpc, evaluation, operation):
    "The panel reads no response of a criterion not assigned to it"
    if operation == 'search_count':
        response = rpc.count('evaluator', 'commissioning.bid.response',
            [('bid.tender', '=', evaluation['tender']),
                ('criterion', 'not in', evaluation['panel']['criteria'])])
    else:
        assert evaluation['unassigned']
        response = rpc.read('evaluator', 'commissioning.bid.response',
            evaluation['unassigned'], ['response'])
    assert_nothing(response)


@pytest.mark.parametrize('operation', ['read', 'export', 'oracle'])
@pytest.mark.parametrize('login', ['evaluator', 'evaluator2'])
def test_evaluator_never_reads_price(rpc, demo, evaluation, login,
        operation):
    "An evaluator never reads the price of the bids it evaluates"
    bids = demo['eval_bids']
    prices = [b['price'] for b in bids]
    assert all(prices), bids
    if operation == 'read':
        response = rpc.read(login, 'commissioning.bid',
            [b['id'] for b in bids], ['price'])
        if 'result' in response:
            assert all(r['price'] is None for r in response['result']), (
                "LEAK %s -> %s" % (response['_call'], response['result']))
        else:
            assert_refused(response)
    elif operation == 'export':
        response = rpc.export(login, 'commissioning.tender',
            [evaluation['tender']], ['bids/price'])
        assert_no_secret(response, prices)
    else:
        bid = bids[0]
        hit = rpc.count(login, 'commissioning.bid',
            [('tender', '=', evaluation['tender']),
                ('price', '=', bid['price'])])
        miss = rpc.count(login, 'commissioning.bid',
            [('tender', '=', evaluation['tender']),
                ('price', '=', bid['price'] + Decimal('0.01'))])
        assert hit.get('result', 'error') == miss.get('result', 'error'), (
            "ORACLE %s -> %s but %s -> %s" % (hit['_call'],
                hit.get('result', describe_error(hit)), miss['_call'],
                miss.get('result', describe_error(miss))))


@pytest.mark.parametrize('login', ['evaluator', 'evaluator2', 'provider',
        'provider2', 'provider3'])
def test_evaluation_checklist_staff_only(rpc, demo, login):
    """Who still owes a score on which bid is the officers' to see: the
    evaluators and the bidders do not read the evaluation checklist, which
    the officer reads"""
    tender = demo['tender'][EVALUATION]
    control = rpc.ok(rpc.read('officer', 'commissioning.tender', [tender],
            ['evaluation_checklist']))
    assert control[0]['evaluation_checklist'], control
    response = rpc.read(login, 'commissioning.tender', [tender],
        ['evaluation_checklist'])
    if 'result' in response:
        assert all(r.get('evaluation_checklist') is None
            for r in response['result']), (
            "LEAK %s -> %s" % (response['_call'], response['result']))
    else:
        assert_refused(response)


@pytest.fixture
def own_score(rpc, undo, evaluation):
    "One of the specialist's scores, put back as it was after the test"
    score = evaluation['scores'][0]
    with undo.guard('commissioning.score', [score['id']]):
        yield score


def score_targets(rpc, demo, evaluation, score):
    """Where the specialist must not move its score: a response of the
    same bid on a criterion not assigned to it (the demo has no criterion
    that the panel alone scores: the specialist scores all scored
    criteria), a response of another tender, and the panel's evaluator"""
    response = evaluation['responses'][score['response']]
    specialist = evaluation['specialist']
    unassigned = next(r['id'] for r in evaluation['responses'].values()
        if r['bid'] == response['bid']
        and r['criterion'] not in specialist['criteria'])
    contracted = demo['tender'][CONTRACTED]
    contracted_bids = {b['id'] for b in demo['bids']
        if b['tender'] == contracted}
    other_tender = next(r['id'] for r in demo['responses']
        if r['bid'] in contracted_bids
        and r['criterion.']['method'] == 'scored')
    return {
        'response_of_unassigned_criterion': {'response': unassigned},
        'response_of_other_tender': {'response': other_tender},
        'evaluator_of_panel': {'evaluator': evaluation['panel']['id']},
        }


@pytest.mark.parametrize('target', ['response_of_unassigned_criterion',
        'response_of_other_tender', 'evaluator_of_panel'])
def test_specialist_cannot_move_score(rpc, demo, evaluation, own_score,
        target):
    """The specialist cannot move its score onto a response it may not
    score, nor onto another evaluator"""
    values = score_targets(rpc, demo, evaluation, own_score)[target]
    fields = ['response', 'evaluator', 'score', 'justification',
        'write_date']
    before, = rpc.ok(rpc.read('evaluator2', 'commissioning.score',
            [own_score['id']], fields))
    response = rpc.write('evaluator2', 'commissioning.score',
        [own_score['id']], values)
    after = rpc.first(['evaluator2', 'officer', 'admin'],
        'commissioning.score', [('id', '=', own_score['id'])], fields)
    assert_refused(response)
    assert after == [before], (before, after)


def test_specialist_rewrites_own_justification(rpc, own_score):
    """Positive control: the specialist may still change its own score's
    justification during evaluation"""
    text = own_score['justification'] + " Checked again."
    rpc.ok(rpc.write('evaluator2', 'commissioning.score', [own_score['id']],
            {'justification': text}))
    row, = rpc.ok(rpc.read('evaluator2', 'commissioning.score',
            [own_score['id']], ['justification']))
    assert row['justification'] == text


# 4. Workflow and sign-off fields move only through their buttons

@pytest.fixture(scope='module')
def fields_of(rpc):
    "fields_get of a model, once"
    cache = {}

    def fields_get(model):
        if model not in cache:
            cache[model] = rpc.ok(rpc(
                    'admin', model, 'fields_get', None))
        return cache[model]
    return fields_get


def workflow_target(demo, sealed, model):
    """Return (id, reader login) of the record whose workflow fields are
    attacked: the one in the most writable state each role may otherwise
    touch"""
    return {
        'commissioning.tender': (demo['tender'][DRAFT], 'officer'),
        'commissioning.bid': (sealed['provider']['id'], 'provider'),
        'commissioning.tender.evaluator': (
            demo['evaluator_record']['evaluator']['id'], 'officer'),
        'commissioning.contract': (demo['contract'], 'officer'),
        'commissioning.monitoring.return': (demo['draft_return'], 'officer'),
        'commissioning.monitoring.return.line': (
            next(r for r in demo['returns']
                if r['id'] == demo['draft_return'])['lines'][0], 'officer'),
        'commissioning.contract.payment': (
            demo['payment_in']['requested'], 'officer'),
        'commissioning.tender.question': (
            demo['question']['asked']['id'], 'officer'),
        'commissioning.tender.amendment': (demo['amendment'], 'officer'),
        'commissioning.contract.performance_notice': (
            demo['notice'], 'officer'),
        }[model]


def other_value(demo, model, name, definition, current, attacker):
    "A value of the field's type that differs from current"
    kind = definition['type']
    if kind == 'selection':
        options = [k for k, _ in definition['selection'] if k]
        preferred = PREFERRED_STATES.get(model, []) if name == 'state' or (
            name in {'conflict_state', 'rating'}) else []
        for option in preferred + options:
            if option != current and option in options:
                return option
    if kind == 'many2one':
        relation = definition['relation']
        if relation == 'res.user':
            candidates = [demo['uid'][attacker]] + sorted(
                demo['uid'].values())
        elif relation == 'commissioning.tender':
            candidates = sorted(demo['tender'].values())
        elif relation == 'commissioning.bid':
            candidates = [b['id'] for b in demo['bids']]
        else:
            raise AssertionError("no candidate for %s" % relation)
        return next(c for c in candidates if c != current)
    if kind == 'date':
        value = dt.date(2001, 2, 3)
        return value if value != current else dt.date(2001, 2, 4)
    if kind == 'datetime':
        value = dt.datetime(2001, 2, 3, 4, 5, 6)
        return value if value != current else dt.datetime(2001, 2, 4)
    if kind == 'boolean':
        return not current
    if kind in {'numeric', 'float'}:
        value = Decimal('12.34')
        return value if value != current else Decimal('43.21')
    if kind == 'integer':
        return 7 if current != 7 else 8
    if kind in {'char', 'text'}:
        return 'TAMPERED'
    raise AssertionError("no value for %s %s" % (name, kind))


def attack_write(rpc, undo, model, record, reader, attacker, values):
    """Write values on record as attacker; assert refusal and that the
    record, re-read by reader, did not change; put it back otherwise.
    values may be a function of the record as reader reads it before."""
    names = sorted(set(getattr(values, 'names', None) or values)
        | {'write_date'})
    snapshot = undo.snapshot(model, [record])
    before, = rpc.ok(rpc.read(reader, model, [record], names))
    if callable(values):
        values = values(before)
    response = rpc.write(attacker, model, [record], values)
    after = rpc.ok(rpc.read(reader, model, [record], names))
    if 'error' not in response or after != [before]:
        undo.restore(snapshot)
    assert_refused(response, "%s writes %s" % (attacker, ", ".join(
                "%s.%s = %r" % (model, k, v) for k, v in values.items())))
    assert after == [before], (
        "the record changed although the write was refused: %s -> %s"
        % (before, after))


class ValuesOf:
    "The values to write, computed from the record as it is read first"

    def __init__(self, names, function):
        self.names = names
        self.function = function

    def __call__(self, row):
        return self.function(row)


WORKFLOW_CASES = [
    pytest.param(model, name, role, id='%s.%s-as_%s' % (model, name, role))
    for model, names in WORKFLOW_FIELDS.items() for name in names
    for role in ROLES]


@pytest.mark.parametrize('model,name,attacker', WORKFLOW_CASES)
def test_workflow_field_write(rpc, undo, demo, sealed, fields_of, model,
        name, attacker):
    """A workflow or sign-off field cannot be written directly, by any
    role, admin included: refused, and the record is unchanged"""
    definitions = fields_of(model)
    if name not in definitions:
        pytest.skip("%s has no field %s: nothing to attack" % (model, name))
    record, reader = workflow_target(demo, sealed, model)
    attack_write(rpc, undo, model, record, reader, attacker, ValuesOf(
            [name], lambda row: {name: other_value(demo, model, name,
                    definitions[name], row[name], attacker)}))


@pytest.fixture
def submitted_return(rpc, undo, demo):
    """The holder's draft return, submitted by the holder through its
    button for the test, then put back as the demo has it (sent back and
    overdue)"""
    record = demo['draft_return']
    with undo.guard('commissioning.monitoring.return', [record]):
        response = rpc(demo['holder'], 'commissioning.monitoring.return',
            'submit', [record])
        assert 'error' not in response, (
            "cannot prepare a submitted return: %s -> %s" % (
                response['_call'], describe_error(response)))
        yield record


SPECIFIC_ATTACKS = [
    ('officer', 'commissioning.tender', PENDING, 'state', 'approved'),
    ('officer', 'commissioning.tender', APPROVED, 'state', 'published'),
    ('officer', 'commissioning.tender', PUBLISHED, 'state', 'closed'),
    ('finance', 'commissioning.contract.payment', 'requested', 'state',
        'approved'),
    ('officer', 'commissioning.contract.payment', 'requested', 'state',
        'approved'),
    ('finance', 'commissioning.contract.payment', 'approved', 'state',
        'paid'),
    ('officer', 'commissioning.contract.payment', 'approved', 'state',
        'paid'),
    ('finance', 'commissioning.contract.payment', 'requested',
        'requested_by', 'commadmin'),
    ('officer', 'commissioning.contract', None, 'state', 'draft'),
    ('finance', 'commissioning.contract', None, 'state', 'draft'),
    ('holder', 'commissioning.monitoring.return', 'submitted', 'state',
        'accepted'),
    ('provider', 'commissioning.bid', 'draft', 'state', 'submitted'),
    ]


@pytest.mark.parametrize('attacker,model,which,name,value', [
        pytest.param(*a, id='%s-%s-%s.%s=%s' % (a[0], a[1],
                TENDER_LABELS.get(a[2], a[2]), a[3], a[4]))
        for a in SPECIFIC_ATTACKS])
def test_workflow_attack(rpc, undo, demo, sealed, fields_of, request,
        attacker, model, which, name, value):
    "The attacks that would skip a gate: each refused, nothing changed"
    if name not in fields_of(model):
        pytest.skip("%s has no field %s" % (model, name))
    reader = 'officer'
    if model == 'commissioning.tender':
        record = demo['tender'][which]
    elif model == 'commissioning.contract.payment':
        record = demo['payment_in'][which]
    elif model == 'commissioning.contract':
        record = demo['contract']
    elif model == 'commissioning.monitoring.return':
        record = request.getfixturevalue('submitted_return')
        attacker = demo['holder']
    else:
        record, reader = sealed['provider']['id'], 'provider'
    if name == 'requested_by':
        value = demo['uid'][value]
    attack_write(rpc, undo, model, record, reader, attacker, {name: value})


@pytest.mark.parametrize('attacker', ROLES)
def test_ranking_write(rpc, undo, demo, sealed, attacker):
    """Nobody writes a bid's ranking, through which the evaluation stores
    the scores and ranks of all the bids of a tender"""
    record = sealed['provider']['id']
    ranking = {'eligible': True, 'exclusion_reason': None,
        'child_first_score': '100', 'price_score': '100',
        'total_score': '100', 'rank': 1}
    attack_write(rpc, undo, 'commissioning.bid', record, 'provider',
        attacker, ValuesOf(['rank', 'eligible', 'total_score'],
            lambda row: {'ranking': {str(record): ranking}}))


@pytest.mark.parametrize('attacker', ROLES)
def test_create_tender_with_state(rpc, undo, attacker):
    "A tender cannot be created already published"
    response = rpc.create(attacker, 'commissioning.tender', [{
                'name': "Security test tender by %s" % attacker,
                'budget': Decimal('1000'), 'kind': 'contract',
                'state': 'published'}])
    if 'result' in response:
        undo.delete_tenders(response['result'])
    assert_refused(response)


def test_officer_creates_draft_tender(rpc, undo):
    "Positive control: the officer creates a tender, in draft"
    response = rpc.create('officer', 'commissioning.tender', [{
                'name': "Security test draft tender",
                'budget': Decimal('1000'), 'kind': 'contract'}])
    try:
        ids = rpc.ok(response)
        row, = rpc.ok(rpc.read('officer', 'commissioning.tender', ids,
                ['state']))
        assert row['state'] == 'draft'
    finally:
        if 'result' in response:
            undo.delete_tenders(response['result'])


BID_CREATORS = [r for r in ROLES if r not in SEALED]


@pytest.mark.parametrize('attacker', BID_CREATORS)
def test_create_bid_with_state(rpc, undo, demo, sealed, attacker):
    """A bid cannot be created already submitted (on the published
    tender, for provider3's organisation, which has no bid there)"""
    response = rpc.create(attacker, 'commissioning.bid', [{
                'tender': demo['tender'][PUBLISHED],
                'provider': demo['party']['provider3'],
                'price': Decimal('1000'), 'state': 'submitted'}])
    if 'result' in response:
        undo.delete_bids(response['result'])
    assert_refused(response)


def test_provider_creates_draft_bid(rpc, undo, demo, sealed):
    "Positive control: provider3 creates a draft bid on the published tender"
    response = rpc.create('provider3', 'commissioning.bid', [{
                'tender': demo['tender'][PUBLISHED],
                'price': Decimal('1000')}])
    try:
        ids = rpc.ok(response)
        row, = rpc.ok(rpc.read('provider3', 'commissioning.bid', ids,
                ['state', 'provider']))
        assert row == {'id': ids[0], 'state': 'draft',
            'provider': demo['party']['provider3']}
    finally:
        if 'result' in response:
            undo.delete_bids(response['result'])


@pytest.mark.parametrize('model,record,reader,login,values', [
        ('commissioning.tender', DRAFT, 'officer', 'officer',
            {'description': "Rewritten by the security test."}),
        ('commissioning.bid', 'provider', 'provider', 'provider',
            {'price': Decimal('543210.99')}),
        ('commissioning.monitoring.return', 'draft_return', 'officer',
            'holder', {'narrative': "Rewritten by the security test."}),
        ('commissioning.monitoring.return.line', 'draft_line', 'officer',
            'holder', {'value': Decimal('12.30')}),
        ], ids=['officer-draft_tender.description', 'provider-own_bid.price',
        'holder-draft_return.narrative', 'holder-draft_return_line.value'])
def test_ordinary_fields_writable(rpc, undo, demo, sealed, model, record,
        reader, login, values):
    """Positive control: the records attacked above are writable by their
    user for their ordinary fields, so the refusals are the fields'"""
    if model == 'commissioning.tender':
        record = demo['tender'][record]
    elif model == 'commissioning.bid':
        record = sealed[record]['id']
    elif record == 'draft_line':
        record = next(r for r in demo['returns']
            if r['id'] == demo['draft_return'])['lines'][0]
        login = demo['holder']
    else:
        record = demo[record]
        login = demo['holder']
    with undo.guard(model, [record]):
        rpc.ok(rpc.write(login, model, [record], values))
        row, = rpc.ok(rpc.read(reader, model, [record], list(values)))
        assert {k: row[k] for k in values} == values


NESTED_ATTACKS = [
    ('officer', 'commissioning.contract', 'payments',
        'commissioning.contract.payment', 'state'),
    ('officer', 'commissioning.contract', 'payments',
        'commissioning.contract.payment', 'approved_by'),
    ('holder', 'commissioning.monitoring.return', 'lines',
        'commissioning.monitoring.return.line', 'rating'),
    ('officer', 'commissioning.tender', 'evaluators',
        'commissioning.tender.evaluator', 'conflict_state'),
    ('provider', 'commissioning.bid', 'responses',
        'commissioning.bid.response', 'passed'),
    ]


def nested_target(demo, sealed, parent_model):
    "Return (parent, child, reader) of a nested write attack"
    if parent_model == 'commissioning.contract':
        return demo['contract'], demo['payment_in']['requested'], 'officer'
    if parent_model == 'commissioning.monitoring.return':
        line = next(r for r in demo['returns']
            if r['id'] == demo['draft_return'])['lines'][0]
        return demo['draft_return'], line, 'officer'
    if parent_model == 'commissioning.tender':
        return (demo['tender'][EVALUATION],
            demo['evaluator_record']['evaluator']['id'], 'officer')
    bid = sealed['provider']
    return bid['id'], bid['responses'][-1], 'provider'


@pytest.mark.parametrize('attacker,parent_model,field,model,name', [
        pytest.param(*a, id='%s-%s.%s-%s.%s' % a) for a in NESTED_ATTACKS])
def test_nested_workflow_write(rpc, undo, demo, sealed, fields_of,
        attacker, parent_model, field, model, name):
    """A workflow field cannot be written through the parent's list
    either (the form saves children that way)"""
    if attacker == 'holder':
        attacker = demo['holder']
    parent, child, reader = nested_target(demo, sealed, parent_model)
    definition = fields_of(model).get(name)
    if definition is None:
        pytest.skip("%s has no field %s" % (model, name))
    names = [name, 'write_date']
    before, = rpc.ok(rpc.read(reader, model, [child], names))
    value = other_value(demo, model, name, definition, before[name],
        attacker)
    snapshots = [undo.snapshot(parent_model, [parent]),
        undo.snapshot(model, [child])]
    response = rpc.write(attacker, parent_model, [parent], {
            field: [('write', [child], {name: value})]})
    after = rpc.ok(rpc.read(reader, model, [child], names))
    if 'error' not in response or after != [before]:
        for snapshot in snapshots:
            undo.restore(snapshot)
    assert_refused(response)
    assert after == [before], (before, after)


@pytest.fixture
def keep_rows(undo):
    "Remove whatever the test created in the tender and contract tables"
    with undo.no_new_rows(*dict.fromkeys(TENDER_ROWS + CONTRACT_ROWS)):
        yield


COPY_ATTACKS = [
    ('officer', 'commissioning.tender', DRAFT, {'state': 'approved'}),
    ('officer', 'commissioning.tender', DRAFT,
        {'approved_by': 'officer'}),
    ('officer', 'commissioning.contract', 'contract', {}),
    ('finance', 'commissioning.contract', 'contract', {}),
    ('finance', 'commissioning.signoff', 'signoff', {}),
    ('officer', 'commissioning.signoff', 'signoff', {}),
    ]


@pytest.mark.parametrize('attacker,model,which,default', [
        pytest.param(*a, id='%s-%s-%s-%s' % (a[0], a[1],
                TENDER_LABELS.get(a[2], a[2]), '+'.join(a[3]) or 'as_is'))
        for a in COPY_ATTACKS])
def test_copy_attack(rpc, demo, keep_rows, attacker, model, which,
        default):
    """Copying is creating: a copy cannot set a workflow field, nor make
    a contract or a sign-off outside its step"""
    if model == 'commissioning.tender':
        record = demo['tender'][which]
    elif model == 'commissioning.contract':
        record = demo['contract']
    else:
        record = demo['signoffs'][0]['id']
    default = {k: demo['uid'][v] if k.endswith('_by') else v
        for k, v in default.items()}
    response = rpc(attacker, model, 'copy', [record], default)
    assert_refused(response)


def test_copy_published_tender_is_draft(rpc, demo, keep_rows):
    """Positive control and check: the officer copies the published tender
    into a new draft that keeps none of its sign-offs"""
    response = rpc('officer', 'commissioning.tender', 'copy',
        [demo['tender'][PUBLISHED]], {})
    ids = rpc.ok(response)
    row, = rpc.ok(rpc.read('officer', 'commissioning.tender', ids,
            ['state', 'requested_by', 'approved_by', 'published_at',
                'bids', 'signoffs']))
    assert row == dict(row, state='draft', requested_by=None,
        approved_by=None, published_at=None, bids=[], signoffs=[]), row


IMPORT_ATTACKS = [
    ('officer', 'commissioning.tender', ['name', 'budget', 'kind', 'state'],
        [["Imported by the security test", '1000', 'contract',
                'published']]),
    ('officer', 'commissioning.contract', ['name', 'provider', 'value',
            'start_date', 'end_date', 'frequency'],
        [["Imported by the security test", PROVIDERS['provider3'],
                '1000', '2031-01-01', '2031-12-31', 'quarterly']]),
    ('finance', 'commissioning.contract.payment', ['contract', 'amount',
            'planned_date', 'state'],
        [['CF-00001', '10', '2031-01-01', 'paid']]),
    ]


@pytest.mark.parametrize('attacker,model,names,data', [
        pytest.param(*a, id='%s-%s' % (a[0], a[1])) for a in IMPORT_ATTACKS])
def test_import_attack(rpc, keep_rows, attacker, model, names, data):
    """Importing is creating: it cannot set a workflow field nor make a
    contract outside its step"""
    response = rpc(attacker, model, 'import_data', names, data)
    assert_refused(response)


BUTTON_ATTACKS = [
    (login, 'commissioning.tender', APPROVED, 'publish')
    for login in ['evaluator', 'evaluator2', 'provider', 'commadmin',
        'finance']] + [
    (login, 'commissioning.contract.payment', 'approved', 'pay')
    for login in ['officer', 'holder', 'evaluator', 'commadmin']]


def button_target(demo, model, which):
    if model == 'commissioning.tender':
        return demo['tender'][which]
    return demo['payment_in'][which]


@pytest.mark.parametrize('attacker,model,which,button', [
        pytest.param(*a, id='%s-%s-%s-%s' % (a[0], a[3], a[1],
                TENDER_LABELS.get(a[2], a[2]))) for a in BUTTON_ATTACKS])
def test_button_wrong_role(rpc, undo, demo, attacker, model, which, button):
    """A workflow button pressed by a role it is not for is refused, and
    nothing changes"""
    if attacker == 'holder':
        attacker = demo['holder']
    record = button_target(demo, model, which)
    names = ['state', 'write_date']
    snapshot = undo.snapshot(model, [record])
    with undo.no_new_rows('commissioning.signoff'):
        before = rpc.ok(rpc.read('officer', model, [record], names))
        response = rpc(attacker, model, button, [record])
        after = rpc.ok(rpc.read('officer', model, [record], names))
        if 'error' not in response or after != before:
            undo.restore(snapshot)
    assert_refused(response)
    assert after == before, (before, after)


@pytest.mark.parametrize('login,model,which,button,state', [
        ('officer', 'commissioning.tender', APPROVED, 'publish',
            'published'),
        ('finance', 'commissioning.contract.payment', 'approved', 'pay',
            'paid'),
        ], ids=['officer-publish', 'finance-pay'])
def test_button_right_role(rpc, undo, demo, login, model, which, button,
        state):
    """Positive control: the role a button is for presses it (the record
    is then put back as the demo has it)"""
    record = button_target(demo, model, which)
    with undo.guard(model, [record]), \
            undo.no_new_rows('commissioning.signoff'):
        rpc.ok(rpc(login, model, button, [record]))
        row, = rpc.ok(rpc.read('officer', model, [record], ['state']))
    assert row['state'] == state


# 5. Records only a step creates

def step_records(demo, login):
    "The values of a contract, a period and a sign-off forged by login"
    today = dt.date.today()
    return {
        'commissioning.contract': {
            'name': "Forged contract by %s" % login,
            'provider': demo['party']['provider3'],
            'value': Decimal('100000'),
            'start_date': today, 'end_date': today.replace(
                year=today.year + 1),
            'frequency': 'quarterly',
            },
        'commissioning.monitoring.period': {
            'contract': demo['contract'],
            'start_date': dt.date(2090, 1, 1),
            'end_date': dt.date(2090, 3, 31),
            'due_date': dt.date(2090, 4, 20),
            },
        'commissioning.signoff': {
            'origin': ref('commissioning.tender', demo['tender'][DRAFT]),
            'gate': 'tender_budget', 'decision': 'approved',
            'user': demo['uid'][login],
            'comment': "Forged by %s" % login,
            'checks': "✓ Forged",
            },
        }


@pytest.mark.parametrize('model', ['commissioning.contract',
        'commissioning.monitoring.period', 'commissioning.signoff'])
@pytest.mark.parametrize('attacker', ROLES)
def test_create_step_record(rpc, undo, demo, attacker, model):
    """Contracts, monitoring periods and sign-offs come only from their
    steps: creating one over RPC is refused, by every role"""
    values = step_records(demo, attacker)[model]
    response = rpc.create(attacker, model, [values])
    if 'result' in response:
        ids = response['result']
        if model == 'commissioning.contract':
            for child, column in [
                    ('commissioning.contract.kpi', 'contract'),
                    ('commissioning.contract.payment', 'contract'),
                    ('commissioning.monitoring.return', 'contract'),
                    ('commissioning.monitoring.period', 'contract')]:
                undo.delete(child, ids, column=column)
        elif model == 'commissioning.monitoring.period':
            undo.delete('commissioning.monitoring.return', ids,
                column='period')
        undo.delete(model, ids)
    assert_refused(response)
    message = str(response['error'][1])
    assert 'value is required' not in message, (
        "refused for a missing value, not as a record only a step creates: "
        "the test's values are incomplete: %s -> %s" % (
            response['_call'], describe_error(response)))


@pytest.fixture(scope='module')
def signoff(demo):
    "A sign-off of the demo: finance's approval of the demo contract"
    assert demo['signoffs'], "the demo has no sign-off to read"
    return next((s for s in demo['signoffs']
            if s['origin'].startswith('commissioning.contract,')),
        demo['signoffs'][0])


def test_signoffs_readable(rpc, demo, signoff):
    """Positive control: finance and the officer read the sign-offs the
    steps recorded"""
    for login in ['finance', 'officer']:
        rows = rpc.ok(rpc.read(login, 'commissioning.signoff',
                [signoff['id']], ['gate', 'decision', 'user']))
        assert rows and rows[0]['decision'] == 'approved', (login, rows)


@pytest.mark.parametrize('operation', ['write', 'delete'])
@pytest.mark.parametrize('attacker', ROLES)
def test_signoff_immutable(rpc, undo, signoff, attacker, operation):
    "A sign-off is never changed nor deleted, by any role"
    fields = ['origin', 'gate', 'decision', 'user', 'comment', 'checks',
        'write_date']
    with undo.guard('commissioning.signoff', [signoff['id']]):
        before = rpc.first(['finance', 'officer', 'admin'],
            'commissioning.signoff', [('id', '=', signoff['id'])], fields)
        assert before, "nobody reads the sign-off"
        if operation == 'write':
            response = rpc.write(attacker, 'commissioning.signoff',
                [signoff['id']], {'comment': "Forged by %s" % attacker,
                    'decision': 'rejected'})
        else:
            response = rpc.delete(attacker, 'commissioning.signoff',
                [signoff['id']])
        after = rpc.first(['finance', 'officer', 'admin'],
            'commissioning.signoff', [('id', '=', signoff['id'])], fields)
    assert_refused(response)
    assert after == before, (before, after)


# 6. Bad input gets a user error

BAD_INPUTS = [
    ('score_3.5', 'evaluator2', 'commissioning.score', 'score', 3.5),
    ('price_true', 'provider', 'commissioning.bid', 'price', True),
    ('price_1e30_float', 'provider', 'commissioning.bid', 'price', 1e30),
    ('price_1e30_decimal', 'provider', 'commissioning.bid', 'price',
        Decimal('1e30')),
    ('date_year_1', 'officer', 'commissioning.tender', 'contract_start',
        dt.date(1, 1, 1)),
    ('selection_garbage', 'officer', 'commissioning.tender', 'kind',
        'garbage'),
    ('text_2MB', 'officer', 'commissioning.tender', 'description',
        'x' * (2 * 1024 * 1024)),
    ]


def bad_input_target(demo, sealed, evaluation, model):
    return {
        'commissioning.score': evaluation['scores'][0]['id'],
        'commissioning.bid': sealed['provider']['id'],
        'commissioning.tender': demo['tender'][DRAFT],
        }[model]


@pytest.mark.parametrize('login,model,name,value', [
        pytest.param(*b[1:], id=b[0]) for b in BAD_INPUTS])
def test_bad_input(rpc, undo, demo, sealed, evaluation, login, model, name,
        value):
    """Bad input is refused with a user error that says what is wrong,
    never an internal error, and nothing changes"""
    record = bad_input_target(demo, sealed, evaluation, model)
    fields = [name, 'write_date']
    with undo.guard(model, [record]):
        before = rpc.ok(rpc.read(login, model, [record], fields))
        response = rpc.write(login, model, [record], {name: value})
        after = rpc.ok(rpc.read(login, model, [record], fields))
    kind = error_kind(response)
    assert kind is not None, "ACCEPTED %s -> %s, now %s" % (
        response['_call'], response.get('result'), _short(after))
    assert kind == 'user', (
        "not a user error: %s -> %s" % (response['_call'],
            describe_error(response)))
    assert after == before, (before, after)


@pytest.mark.parametrize('login,model,name,value', [
        ('evaluator2', 'commissioning.score', 'score', None),
        ('provider', 'commissioning.bid', 'price', Decimal('543210.97')),
        ('officer', 'commissioning.tender', 'description',
            "A description of an ordinary length."),
        ], ids=['score', 'price', 'text'])
def test_good_input(rpc, undo, demo, sealed, evaluation, login, model,
        name, value):
    "Positive control: the same users write valid values to the same fields"
    record = bad_input_target(demo, sealed, evaluation, model)
    with undo.guard(model, [record]):
        current, = rpc.ok(rpc.read(login, model, [record], [name]))
        if value is None:
            value = 3 if current[name] != 3 else 4
        rpc.ok(rpc.write(login, model, [record], {name: value}))
        row, = rpc.ok(rpc.read(login, model, [record], [name]))
    assert row[name] == value


# 7. Clarification questions and amendments

QUESTION = 'commissioning.tender.question'
AMENDMENT = 'commissioning.tender.amendment'
# Who may never learn who asked a question: every provider but the asker
# (the asker of the published demo question is provider); the staff
# (officers, finance, evaluators) may
QUESTION_OUTSIDERS = ['provider2', 'provider3']


def asker(demo, question):
    "Return the login of the provider whose organisation asked question"
    return demo['login_of_party'][question['party']]


@pytest.mark.parametrize('fields', [['party'], ['party.name'],
        ['create_uid'], ['create_uid.login'], ['write_uid.rec_name']],
    ids=lambda f: '+'.join(f))
@pytest.mark.parametrize('viewer', QUESTION_OUTSIDERS)
def test_question_asker_read(rpc, demo, viewer, fields):
    """Another provider reads the published question and its answer, never
    who asked it, now or in its history"""
    question = demo['question']['published']
    assert asker(demo, question) == 'provider'
    for context in [None, {'_datetime': dt.datetime.now()}]:
        response = rpc.read(viewer, QUESTION, [question['id']],
            ['question'] + fields, context=context)
        if error_kind(response) is not None:
            assert_refused(response)
            continue
        for row in response['result']:
            for name in fields:
                base = name.split('.')[0]
                assert row.get(base) in (None, False), (
                    "LEAK %s -> %s" % (response['_call'], row))
                assert not row.get(base + '.'), (
                    "LEAK %s -> %s" % (response['_call'], row))
    # Positive control: the question and its answer are public
    row, = rpc.ok(rpc.read(viewer, QUESTION, [question['id']],
            ['question', 'answer']))
    assert row['answer'] == question['answer']


@pytest.mark.parametrize('oracle', ['party', 'party.name',
        'create_uid.login', 'write_uid.login'])
@pytest.mark.parametrize('viewer', QUESTION_OUTSIDERS)
def test_question_asker_oracle(rpc, demo, viewer, oracle):
    """A count of the published question by its asker tells the asker: the
    asker and another organisation count the same, or are refused"""
    question = demo['question']['published']
    values = {
        'party': (demo['party']['provider'], demo['party']['provider3']),
        'party.name': (PROVIDERS['provider'], PROVIDERS['provider3']),
        'create_uid.login': ('provider', 'provider3'),
        'write_uid.login': ('provider', 'provider3'),
        }[oracle]
    counts = []
    for value in values:
        response = rpc.count(viewer, QUESTION, [
                ('id', '=', question['id']), (oracle, '=', value)])
        counts.append(result_or_nothing(response, None))
    assert counts[0] == counts[1], (
        "ORACLE on %s: %s counts %s" % (oracle, values, counts))


@pytest.mark.parametrize('path', ['party/name', 'create_uid/login',
        'party/rec_name'])
@pytest.mark.parametrize('viewer', QUESTION_OUTSIDERS)
def test_question_asker_export(rpc, demo, viewer, path):
    "Exporting questions never gives who asked"
    question = demo['question']['published']
    response = rpc.export(viewer, QUESTION, [question['id']], [path])
    assert_no_secret(response, [PROVIDERS['provider'], 'provider'])
    response = rpc(viewer, QUESTION, 'export_data_domain',
        [('tender', '=', question['tender'])], [path], 0, None, None)
    assert_no_secret(response, [PROVIDERS['provider'], 'provider'])


@pytest.mark.parametrize('viewer', ['provider', 'provider2'])
def test_waiting_question_hidden(rpc, demo, viewer):
    """A question not yet answered and published is its asker's and the
    officers' only: other providers neither read, count nor export it"""
    question = demo['question']['asked']
    assert asker(demo, question) == 'provider3'
    assert_nothing(rpc.read(viewer, QUESTION, [question['id']],
            ['question']))
    assert_nothing(rpc.count(viewer, QUESTION, [('id', '=', question['id'])]))
    assert_nothing(rpc.count(viewer, QUESTION, [
                ('question', '=', question['question'])]))
    assert_no_secret(rpc.export(viewer, QUESTION, [question['id']],
            ['question']), [question['question']])
    # Positive controls: its asker and the officer read it
    for login in ['provider3', 'officer']:
        row, = rpc.ok(rpc.read(login, QUESTION, [question['id']],
                ['question']))
        assert row['question'] == question['question']


@pytest.mark.parametrize('attacker,button', [
        ('provider3', 'answer_question'), ('provider3', 'publish'),
        ('provider', 'publish'), ('evaluator', 'publish'),
        ('finance', 'publish')])
def test_question_buttons_refused(rpc, undo, demo, attacker, button):
    "Only officers answer and publish questions: nothing changes"
    record = demo['question']['asked']['id']
    with undo.guard(QUESTION, [record]):
        before = rpc.ok(rpc.read('officer', QUESTION, [record],
                ['state', 'answer', 'write_date']))
        response = rpc(attacker, QUESTION, button, [record])
        after = rpc.ok(rpc.read('officer', QUESTION, [record],
                ['state', 'answer', 'write_date']))
    assert_refused(response)
    assert after == before


@pytest.mark.parametrize('attacker', ['provider3', 'provider'])
def test_question_answer_write_refused(rpc, undo, demo, attacker):
    "A provider cannot answer a question, its own included"
    attack_write(rpc, undo, QUESTION, demo['question']['asked']['id'],
        'officer', attacker, {'answer': "TAMPERED"})


def test_question_asked_for_another_organisation(rpc, undo, demo):
    """A provider asks in its own organisation's name only: a question
    created for another organisation is refused or made its own"""
    with undo.no_new_rows(QUESTION):
        response = rpc.create('provider2', QUESTION, [{
                    'tender': demo['tender'][PUBLISHED],
                    'question': "Whose question is this?",
                    'party': demo['party']['provider'],
                    }])
        if error_kind(response) is None:
            created, = response['result']
            row, = rpc.ok(rpc.read('officer', QUESTION, [created],
                    ['party']))
            assert row['party'] == demo['party']['provider2'], row
        else:
            assert_refused(response)


def annotation(kind, resource, text):
    "Return the model and the values of an attachment or a note on resource"
    return {
        'attachment': ('ir.attachment', {'name': 'annotation.txt',
                'resource': resource, 'type': 'data',
                'data': text.encode()}),
        'note': ('ir.note', {'resource': resource, 'message': text}),
        }[kind]


@pytest.mark.parametrize('kind', ['attachment', 'note'])
@pytest.mark.parametrize('state', ['published', 'asked'])
def test_question_annotation_refused(rpc, undo, demo, state, kind):
    """The asker adds no document or note to its question, which would
    name who wrote it once published: refused, nothing made; the officer
    adds one that the other providers read (positive control)"""
    question = demo['question'][state]
    login = asker(demo, question)
    resource = ref(QUESTION, question['id'])
    model, values = annotation(kind, resource, "PLANTED")
    domain = [('resource', '=', resource)]
    before = rpc.ok(rpc.count('officer', model, domain))
    response = rpc.create(login, model, [values])
    if 'result' in response:
        undo.delete(model, response['result'])
    assert_refused(response)
    assert rpc.ok(rpc.count('officer', model, domain)) == before
    if state != 'published':
        return
    made = rpc.ok(rpc.create('officer', model, [values]))
    try:
        for viewer in QUESTION_OUTSIDERS:
            assert rpc.ok(rpc.search(viewer, model, domain)) == made
    finally:
        undo.delete(model, made)


@pytest.mark.parametrize('attacker', ['provider', 'provider2', 'evaluator',
        'finance'])
def test_amendment_create_refused(rpc, undo, demo, attacker):
    "Only officers amend a tender"
    with undo.no_new_rows('commissioning.tender.amendment.line', AMENDMENT):
        response = rpc.create(attacker, AMENDMENT, [{
                    'tender': demo['tender'][PUBLISHED],
                    'reason': "TAMPERED",
                    }])
    assert_refused(response)


@pytest.mark.parametrize('attacker', ['officer', 'provider', 'finance'])
def test_applied_amendment_locked(rpc, undo, demo, attacker):
    "An applied amendment is history: nobody rewrites its reason"
    attack_write(rpc, undo, AMENDMENT, demo['amendment'], 'officer',
        attacker, {'reason': "TAMPERED"})


@pytest.mark.parametrize('viewer', ['provider', 'provider2', 'provider3'])
def test_providers_read_applied_amendment(rpc, demo, viewer):
    "Every provider reads the applied amendment of a published tender"
    row, = rpc.ok(rpc.read(viewer, AMENDMENT, [demo['amendment']],
            ['reason', 'state']))
    assert row['state'] == 'applied' and row['reason']


# 8. Lots: who bid for which lot is sealed like the rest of the bid

LOTS = "Mentoring Across the Borough 2027-2029"
BID_LOT = 'commissioning.bid-commissioning.tender.lot'


@pytest.fixture(scope='module')
def lot_bid(rpc, undo, demo):
    """The draft bid of provider for the north lot of the tender in lots,
    made over RPC; removed at the end"""
    tender = demo['tender'][LOTS]
    lots = rpc.ok(rpc.search_read('officer', 'commissioning.tender.lot',
            [('tender', '=', tender)], ['name'], [('sequence', 'ASC'),
                ('id', 'ASC')]))
    assert len(lots) == 2, lots
    north, south = lots
    bid, = rpc.ok(rpc.create('provider', 'commissioning.bid', [{
                    'tender': tender,
                    'price': Decimal('240000'),
                    'lots': [('add', [north['id']])],
                    }]))
    try:
        yield {'bid': bid, 'tender': tender, 'north': north['id'],
            'south': south['id']}
    finally:
        undo.delete(BID_LOT, [bid], column='bid')
        undo.delete_bids([bid])


def test_bidder_reads_own_lots(rpc, lot_bid):
    "Positive control: the bidder reads the lot of its bid"
    row, = rpc.ok(rpc.read('provider', 'commissioning.bid',
            [lot_bid['bid']], ['lots']))
    assert row['lots'] == [lot_bid['north']]


@pytest.mark.parametrize('oracle', ['tender.bids.lots', 'bid.lots',
        'link.lot', 'lot.ranking.bid'])
@pytest.mark.parametrize('viewer', ['provider2', 'provider3', 'officer',
        'finance', 'evaluator', 'evaluator2'])
def test_lot_bidder_oracle(rpc, lot_bid, viewer, oracle):
    """Before the close nobody but the bidder learns who bid for which lot:
    a count on the lot bid for and on the other lot is the same"""
    model, path = {
        'tender.bids.lots': ('commissioning.tender', 'bids.lots'),
        'bid.lots': ('commissioning.bid', 'lots'),
        'link.lot': (BID_LOT, 'lot'),
        'lot.ranking.bid': ('commissioning.tender.lot', 'ranking.bid'),
        }[oracle]
    if oracle == 'lot.ranking.bid':
        clauses = [[('id', '=', lot_bid[n]), ('ranking.bid', '=',
                    lot_bid['bid'])] for n in ['north', 'south']]
    else:
        clauses = [[(path, '=', lot_bid[n])] for n in ['north', 'south']]
        if model == 'commissioning.tender':
            clauses = [[('id', '=', lot_bid['tender'])] + c for c in clauses]
    counts = [result_or_nothing(rpc.count(viewer, model, c), None)
        for c in clauses]
    assert counts[0] == counts[1], (
        "ORACLE %s as %s: north %s, south %s" % (
            oracle, viewer, counts[0], counts[1]))


@pytest.mark.parametrize('viewer', ['provider2', 'provider3', 'officer',
        'finance', 'evaluator'])
def test_lot_bid_links_sealed(rpc, lot_bid, viewer):
    """The links of the sealed bid to its lots are neither read, searched
    nor exported by anyone but the bidder"""
    assert_nothing(rpc.search(viewer, BID_LOT, [
                ('bid', '=', lot_bid['bid'])]))
    assert_nothing(rpc.count(viewer, BID_LOT, [
                ('lot', 'in', [lot_bid['north'], lot_bid['south']])]))
    response = rpc.read(viewer, 'commissioning.tender.lot',
        [lot_bid['north']], ['ranking'])
    if error_kind(response) is None:
        assert all(not row.get('ranking') for row in response['result']), (
            response['_call'], response['result'])
    else:
        assert_refused(response)
    assert_no_secret(rpc.export(viewer, 'commissioning.tender.lot',
            [lot_bid['north']], ['ranking/bid/provider/name']),
        [PROVIDERS['provider']])


@pytest.mark.parametrize('attacker', ['provider2', 'officer'])
def test_lot_bid_tamper(rpc, undo, lot_bid, attacker):
    "Nobody but the bidder moves a bid to another lot"
    attack_write(rpc, undo, 'commissioning.bid', lot_bid['bid'], 'provider',
        attacker, {'lots': [('remove', [lot_bid['north']]),
                ('add', [lot_bid['south']])]})


def lot_ids(rpc, demo):
    "Return the ids of the lots of the demo's tender in lots"
    return rpc.ok(rpc.search('officer', 'commissioning.tender.lot',
            [('tender', '=', demo['tender'][LOTS])]))


@pytest.mark.parametrize('attacker', ['officer', 'provider', 'evaluator'])
@pytest.mark.parametrize('model', ['commissioning.tender',
        'commissioning.tender.lot'])
def test_reject_wizard_refused(rpc, demo, model, attacker):
    """Only finance sends back a budget or an award: the Reject wizard and
    its button are refused to the others, on the tender waiting for
    approval and on lots, and nothing changes"""
    ids = ([demo['tender'][PENDING]] if model == 'commissioning.tender'
        else lot_ids(rpc, demo))
    context = {'active_model': model, 'active_id': ids[0],
        'active_ids': ids}
    before = rpc.ok(rpc.read('officer', model, ids, ['state', 'write_date']))
    response = rpc.wizard(attacker, 'commissioning.tender.reject', 'create',
        context=context)
    if error_kind(response) is None:
        session = response['result'][0]
        response = rpc.wizard(attacker, 'commissioning.tender.reject',
            'execute', session, {'start': {'comment': "TAMPERED"}}, 'reject',
            context=context)
    assert_refused(response)
    assert_refused(rpc(attacker, model, 'reject', ids))
    after = rpc.ok(rpc.read('officer', model, ids, ['state', 'write_date']))
    assert after == before
    # Positive control: finance opens the wizard
    session = rpc.ok(rpc.wizard('finance', 'commissioning.tender.reject',
            'create', context=context))[0]
    rpc.ok(rpc.wizard('finance', 'commissioning.tender.reject', 'delete',
            session, context=context))


@pytest.mark.parametrize('attacker', ['provider', 'finance', 'evaluator'])
def test_lot_cancel_refused(rpc, undo, demo, attacker):
    """Only officers cancel a lot, and nobody writes who cancelled it or
    when: refused, nothing changes"""
    ids = lot_ids(rpc, demo)
    before = rpc.ok(rpc.read('officer', 'commissioning.tender.lot', ids,
            ['state', 'write_date']))
    assert_refused(rpc(attacker, 'commissioning.tender.lot', 'cancel', ids))
    assert rpc.ok(rpc.read('officer', 'commissioning.tender.lot', ids,
            ['state', 'write_date'])) == before
    for login in [attacker, 'officer']:
        for values in [{'cancelled_at': '2026-01-01T00:00:00'},
                {'state': 'cancelled'}]:
            attack_write(rpc, undo, 'commissioning.tender.lot', ids[0],
                'officer', login, values)
