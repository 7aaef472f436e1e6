# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""What the users do over JSON-RPC, as the client does it: each function
takes a client.Client of the user whose role it is.

The writes a client may have to send again (the connection was cut) are
idempotent: a bid is created only if the organisation has no live bid on
the tender, a transition is asked only of records still in its source
state."""
import datetime as dt
from decimal import Decimal

BID = 'model.commissioning.bid'
RETURN = 'model.commissioning.monitoring.return'
LINE = 'model.commissioning.monitoring.return.line'
PAYMENT = 'model.commissioning.contract.payment'
TENDER = 'model.commissioning.tender'


def collaboration(date):
    "A complete record of a youth panel's work on date"
    return {
        'date': date,
        'method': 'youth_panel',
        'children_count': 9,
        'space': "A session at the youth centre the children chose.",
        'voice': "The children said what a good service would feel like.",
        'audience': "The service manager attended and answered.",
        'influence': "The opening hours changed as the children asked.",
        'feedback_to_children': "A letter to each child on what changed.",
        'consent_confirmed': True,
        }


def search(client, model, domain, fields, order=None, limit=None):
    return client.call(
        model + '.search_read', domain, 0, limit, order, fields)


# Providers: bids

def criteria(client, tender):
    "Return the criteria of the tender"
    return search(client, 'model.commissioning.tender.criterion',
        [('tender', '=', tender)], ['method', 'evidence_required'])


def live_bid(client, tender):
    "Return the id of the organisation's live bid on the tender, or None"
    found = client.call(BID + '.search', [
            ('tender', '=', tender),
            ('state', 'in', ['draft', 'submitted'])], 0, 1, None)
    return found[0] if found else None


def create_bid(client, tender, price, tender_criteria):
    """Create the organisation's bid on the tender, every criterion
    answered, with its evidence; return its id"""
    existing = live_bid(client, tender)
    if existing:
        return existing
    bid, = client.call(BID + '.create', [{
                'tender': tender,
                'price': Decimal(price),
                'responses': [('create', [{
                                'criterion': c['id'],
                                'response': "How %s meets it, with the "
                                "children who shaped the plan." % client.login,
                                } for c in tender_criteria])],
                'collaborations': [('create', [
                            collaboration(dt.date.today())])],
                }])
    return bid


def submit_bid(client, bid):
    "Submit the bid, confirming as the bidder does in the warning dialog"
    client.confirm(BID + '.submit', [bid])


def state(client, model, record):
    return client.call(model + '.read', [record], ['state'])[0]['state']


def bid_step(client, tender, price, tender_criteria):
    """Create and submit the organisation's bid on the tender, whatever of
    it was done already; return its id"""
    bid = create_bid(client, tender, price, tender_criteria)
    if state(client, BID, bid) == 'draft':
        submit_bid(client, bid)
    return bid


# Providers: monitoring returns

def draft_returns(client, limit=None):
    "Return the ids of the organisation's draft returns, oldest first"
    return client.call(RETURN + '.search', [('state', '=', 'draft')],
        0, limit, [('period', 'ASC'), ('id', 'ASC')])


def groups(client):
    "Return the monitoring groups by dimension"
    result = {}
    for group in search(client, 'model.commissioning.monitoring.group',
            [], ['dimension']):
        result.setdefault(group['dimension'], []).append(group['id'])
    return result


def fill_return(client, record, dimensions):
    """Fill the draft return, unless it is filled: each KPI at its target,
    its groups, the children's involvement in the period and the
    safeguarding count"""
    values, = client.call(RETURN + '.read', [record],
        ['state', 'lines', 'period.start_date', 'period.end_date'])
    lines = client.call(LINE + '.read', values['lines'],
        ['value', 'kpi.target', 'kpi.disaggregate', 'kpi.additive'])
    if values['state'] != 'draft' or all(
            line['value'] is not None for line in lines):
        return
    actions = []
    for line in lines:
        kpi = line['kpi.']
        value = Decimal(kpi['target'] or 1)
        changes = {'value': value}
        if kpi['disaggregate']:
            changes['breakdowns'] = [('create', breakdowns(
                        dimensions, value, kpi['additive']))]
        actions.append(('write', [line['id']], changes))
    client.call(RETURN + '.write', [record], {
            'lines': actions,
            'safeguarding_concerns': 0,
            'narrative': "Children had a trusted adult this month.",
            'collaborations': [('create', [
                        collaboration(values['period.']['end_date'])])],
            })


def breakdowns(dimensions, value, additive):
    """The value by group of each dimension: the groups of counts add up to
    it, the groups of rates surround it"""
    result = []
    for groups_ in dimensions.values():
        for i, group in enumerate(groups_):
            part = value if (not additive or i == 0) else Decimal(0)
            result.append({'group': group, 'value': part})
    return result


def submit_return(client, record):
    client.call(RETURN + '.submit', [record])


def return_step(client, record, dimensions):
    """Fill and submit the return, whatever of it was done already;
    return its id"""
    fill_return(client, record, dimensions)
    if state(client, RETURN, record) == 'draft':
        submit_return(client, record)
    return record


# Officers

def submitted_returns(client, limit=None):
    return client.call(RETURN + '.search', [('state', '=', 'submitted')],
        0, limit, [('id', 'ASC')])


def accept_return(client, record):
    client.call(RETURN + '.accept', [record])


def request_payment(client, contract):
    """Request the next planned payment of the contract for a period whose
    return is accepted and not paid for yet; return its id or None"""
    accepted = search(client, RETURN, [
            ('contract', '=', contract), ('state', '=', 'accepted')],
        ['period'], order=[('period', 'ASC')])
    used = {p['period'] for p in search(client, PAYMENT, [
                ('contract', '=', contract), ('period', '!=', None)],
            ['period'])}
    periods = [r['period'] for r in accepted if r['period'] not in used]
    planned = client.call(PAYMENT + '.search', [
            ('contract', '=', contract), ('state', '=', 'planned')],
        0, 1, [('planned_date', 'ASC'), ('id', 'ASC')])
    if not periods or not planned:
        return None
    client.call(PAYMENT + '.write', planned, {'period': periods[0]})
    client.call(PAYMENT + '.request', planned)
    return planned[0]


# Finance

def requested_payments(client, limit=None):
    return client.call(PAYMENT + '.search', [('state', '=', 'requested')],
        0, limit, [('id', 'ASC')])


def approve_payment(client, payment):
    client.call(PAYMENT + '.approve', [payment])


def approve_tender(client, tender):
    client.call(TENDER + '.approve', [tender])


# Any user: the trivial authenticated read

def read_preferences(client):
    client.call('model.res.user.get_preferences', True)
