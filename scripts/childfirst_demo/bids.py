# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 3, bids: the evaluated tenders are published, each provider bids
for its organisation before the deadline, and the officer closes the
tender once the deadline (moved into the past) has passed"""
import datetime as dt
from decimal import Decimal

from . import documents, tenders
from .users import PROVIDERS

# The tenders that receive bids and go through evaluation. The bids are
# submitted before the deadline, as providers would; the demo then moves the
# deadline into the past so the tender can close, because it cannot wait
# for weeks. 'marks' are the specialist's and the children's panel's scores
# per provider; where they differ by the moderation spread, the officer
# moderates. Eastgate's evidence of collaboration does not pass.
EVALUATED = [
    {
        'name': "Trusted Adults for Children at Risk 2026-2028",
        'description': (
            "A trusted adult for each child referred at risk of criminal "
            "exploitation, who works with the child and their family on "
            "what the child wants to change."),
        'budget': Decimal('600000'),
        'kind': 'contract',
        'years': 2,
        'until': 'awarded',
        'contract': True,
        'bids': {
            'provider': (Decimal('540000'), 4, 4),
            'provider2': (Decimal('575000'), 5, 3),
            'provider3': (Decimal('480000'), 3, 3),
            },
        },
    {
        'name': "Holiday Activities Shaped by Children 2026",
        'description': (
            "Free holiday activities and food, planned with the children "
            "who come, in the Easter, summer and Christmas holidays."),
        'budget': Decimal('200000'),
        'kind': 'contract',
        'years': 1,
        'until': 'evaluation',
        'bids': {
            'provider': (Decimal('185000'), 4, None),
            'provider2': (Decimal('170000'), 3, None),
            },
        },
    {
        # A grant round awarded this month: the 360Giving data holds it
        'name': "Youth Club Small Grants 2026",
        'description': (
            "Small grants for youth clubs that children run with their "
            "youth workers: equipment, trips and sessions the club's "
            "members choose."),
        'budget': Decimal('60000'),
        'kind': 'grant',
        'years': 1,
        'until': 'awarded',
        'bids': {
            'provider': (Decimal('48000'), 4, 4),
            'provider3': (Decimal('45000'), 3, 3),
            },
        },
    ]


def find_tender(session, values):
    "Return the officer's tender of values, or None"
    Tender = session.model('commissioning.tender', 'officer')
    found = Tender.find([('name', '=', values['name'])])
    return found[0] if found else None


def open_for_bids(session, values):
    """Publish the tender of values and have each provider of
    values['bids'] submit a bid; return the tender and the bid of each
    provider login"""
    tender = tenders.tender(session, dict(values, state='published'))
    bids = {login: submit_bid(session, login, tender, price)
        for login, (price, _, _) in values['bids'].items()}
    return tender, bids


def submit_bid(session, login, tender, price):
    "Return the bid of the provider login, answered and submitted"
    Bid = session.model('commissioning.bid', login)
    Tender = session.model('commissioning.tender', login)
    today = dt.date.today()
    bid = Bid(tender=Tender(tender.id))
    bid.price = price
    bid.save()
    organisation = PROVIDERS[login]
    for response in bid.responses:
        response.response = (
            "%s: how we meet \"%s\", with the young people who "
            "shaped our plan." % (organisation, response.criterion.name))
    tenders.collaboration(bid.collaborations, today)
    bid.save()
    documents.state_method(session, login, organisation, bid)
    # The bidder confirms, as in the client's warning dialog
    config = session.config(login)
    config.skip_warning = True
    try:
        bid.click('submit')
    finally:
        config.skip_warning = False
    return bid


def close(session, tender):
    """Move the submission deadline of the tender to yesterday, the demo's
    stand-in for the weeks a real tender stays open, and close it as the
    officer; return the closed tender"""
    deadline = (dt.datetime.now() - dt.timedelta(days=1)).replace(
        microsecond=0)
    session.move_tender_dates(tender.id,
        published_at=deadline - dt.timedelta(days=30),
        submission_deadline=deadline,
        bids=deadline - dt.timedelta(days=2))
    Tender = session.model('commissioning.tender', 'officer')
    tender = Tender(tender.id)
    # The officer confirms, as in the client's warning dialog
    config = session.config('officer')
    config.skip_warning = True
    try:
        tender.click('close')
    finally:
        config.skip_warning = False
    return tender
