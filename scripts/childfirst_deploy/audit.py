# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The rows counted after a run: the writes the users saw done and are not
there (lost), the rows there twice (duplicated) and the records that are
only partly written (half-written)."""
import urllib.parse

# Each check: a name and a query returning the offending ids
DUPLICATED = [
    ('live bids of one organisation on one tender',
        "SELECT min(id) FROM commissioning_bid "
        "WHERE state IN ('draft', 'submitted') "
        "GROUP BY tender, provider HAVING count(*) > 1"),
    ('approval sign-offs of one record and gate',
        "SELECT min(id) FROM commissioning_signoff "
        "WHERE decision = 'approved' "
        "GROUP BY origin, gate HAVING count(*) > 1"),
    ('returns of one period',
        "SELECT min(id) FROM commissioning_monitoring_return "
        "GROUP BY period HAVING count(*) > 1"),
    ('group values of one return line',
        "SELECT min(id) FROM commissioning_monitoring_return_breakdown "
        "GROUP BY line, \"group\" HAVING count(*) > 1"),
    ('collaboration records of one return',
        "SELECT min(id) FROM commissioning_collaboration "
        "WHERE origin LIKE 'commissioning.monitoring.return,%%' "
        "GROUP BY origin HAVING count(*) > 1"),
    ]
HALF_WRITTEN = [
    ('submitted bids without submission time or with an answer missing',
        "SELECT b.id FROM commissioning_bid b "
        "WHERE b.state = 'submitted' AND (b.submitted_at IS NULL "
        "OR EXISTS (SELECT 1 FROM commissioning_bid_response r "
        "JOIN commissioning_tender_criterion c ON c.id = r.criterion "
        "WHERE r.bid = b.id AND c.method != 'price' "
        "AND coalesce(r.response, '') = ''))"),
    ('reported returns without submitter or with a value missing',
        "SELECT r.id FROM commissioning_monitoring_return r "
        "WHERE r.state IN ('submitted', 'accepted') "
        "AND (r.submitted_at IS NULL OR r.submitted_by IS NULL "
        "OR EXISTS (SELECT 1 FROM commissioning_monitoring_return_line l "
        "WHERE l.return_ = r.id AND l.value IS NULL))"),
    ('accepted returns without reviewer',
        "SELECT id FROM commissioning_monitoring_return "
        "WHERE state = 'accepted' AND reviewed_by IS NULL"),
    ('approved tenders without their sign-off',
        "SELECT t.id FROM commissioning_tender t WHERE t.state = 'approved' "
        "AND NOT EXISTS (SELECT 1 FROM commissioning_signoff s "
        "WHERE s.origin = 'commissioning.tender,' || t.id "
        "AND s.gate = 'tender_budget' AND s.decision = 'approved')"),
    ('approved or paid payments without their sign-off',
        "SELECT p.id FROM commissioning_contract_payment p "
        "WHERE p.state IN ('approved', 'paid') AND NOT EXISTS (SELECT 1 "
        "FROM commissioning_signoff s WHERE s.origin = "
        "'commissioning.contract.payment,' || p.id "
        "AND s.gate = 'payment_release')"),
    ('payment sign-offs without the approval',
        "SELECT s.id FROM commissioning_signoff s "
        "JOIN commissioning_contract_payment p ON s.origin = "
        "'commissioning.contract.payment,' || p.id "
        "WHERE s.gate = 'payment_release' "
        "AND p.state NOT IN ('approved', 'paid')"),
    ('tender budget sign-offs without the approval',
        "SELECT s.id FROM commissioning_signoff s "
        "JOIN commissioning_tender t ON s.origin = "
        "'commissioning.tender,' || t.id "
        "WHERE s.gate = 'tender_budget' AND s.decision = 'approved' "
        "AND t.state IN ('draft', 'pending_approval')"),
    ]
# What the users saw done, and the states it must be in
LOST = {
    'bid': ("commissioning_bid", ['submitted']),
    'return': ("commissioning_monitoring_return", ['submitted', 'accepted']),
    'accepted': ("commissioning_monitoring_return", ['accepted']),
    'requested': ("commissioning_contract_payment",
        ['requested', 'approved', 'paid']),
    'payment': ("commissioning_contract_payment", ['approved', 'paid']),
    'tender': ("commissioning_tender", ['approved']),
    }


def connect(uri, database):
    import psycopg
    conninfo = urllib.parse.urlparse(uri)._replace(
        path='/' + database).geturl()
    return psycopg.connect(conninfo, autocommit=True)


def audit(uri, database, done):
    """Return {check: [ids]} of the lost, duplicated and half-written
    records, done being the records the users saw done by kind"""
    result = {}
    with connect(uri, database) as connection:
        for kind, (table, states) in LOST.items():
            ids = sorted(done.get(kind, ()))
            found = {i for i, in connection.execute(
                    'SELECT id FROM %s WHERE id = ANY(%%s) '
                    'AND state = ANY(%%s)' % table, (ids, states))}
            result['lost: %s' % kind] = [i for i in ids if i not in found]
        for kind, checks in [('duplicated', DUPLICATED),
                ('half-written', HALF_WRITTEN)]:
            for name, query in checks:
                result['%s: %s' % (kind, name)] = [
                    i for i, in connection.execute(query)]
    return result


def counts(uri, database):
    "Return the rows of the records the run writes, by table and state"
    with connect(uri, database) as connection:
        return {table: dict(connection.execute(
                    'SELECT state, count(*) FROM %s GROUP BY state' % table))
            for table in sorted({t for t, _ in LOST.values()})}
