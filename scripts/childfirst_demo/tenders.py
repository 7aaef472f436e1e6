# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 2, tender design and approval: the officer designs each tender with
the children's involvement, and the tender goes through the gates, each
step taken by the user whose role it is, up to its demo state"""
import datetime as dt
from decimal import Decimal

from . import documents

# The demo tenders, in the state each one is brought to.
TENDERS = [
    {
        'name': "Youth Diversion and Prevention Service 2026-2029",
        'description': (
            "A service that diverts children away from the justice system "
            "at their first contact with the police: a trusted adult, "
            "activities the children choose, and support for their "
            "families. Designed with the Youth Voice Panel."),
        'budget': Decimal('1200000'),
        'kind': 'contract',
        'deadline_days': 45,
        'years': 3,
        'state': 'published',
        },
    {
        'name': "Mentoring for Children in Care",
        'description': (
            "Long-term mentoring by trained volunteers for children in "
            "care aged 10 to 17, built around what the children say "
            "they want from an adult who is there for them."),
        'budget': Decimal('450000'),
        'kind': 'contract',
        'deadline_days': 60,
        'years': 2,
        'state': 'approved',
        },
    {
        'name': "Community Sport and Arts Grants 2026",
        'description': (
            "Grants for local groups running sport, music and arts "
            "sessions that children helped plan, in the evenings and "
            "school holidays."),
        'budget': Decimal('150000'),
        'kind': 'grant',
        'deadline_days': 30,
        'years': 1,
        'state': 'pending_approval',
        },
    {
        # A tender in two lots, one per half of the borough: a provider
        # bids for one of them
        'name': "Mentoring Across the Borough 2027-2029",
        'description': (
            "Mentoring for children on the edge of the justice system, "
            "in two lots: the north and the south of the borough, each "
            "with its own budget, so that local organisations the "
            "children already trust can bid for their area."),
        'budget': Decimal('500000'),
        'kind': 'contract',
        'deadline_days': 50,
        'years': 2,
        'state': 'published',
        'lots': [
            ("North of the borough", Decimal('250000')),
            ("South of the borough", Decimal('250000')),
            ],
        'max_lots': 1,
        },
    {
        # A draft still being designed: no evidence yet that children took
        # part, stigmatising language and no contract end date, so the
        # live design checklist lists what remains to be done.
        'name': "Support After Arrest",
        'description': (
            "Support for young offenders and their families in the days "
            "after an arrest."),
        'budget': Decimal('300000'),
        'kind': 'contract',
        'deadline_days': 40,
        'years': None,
        'state': 'draft',
        'unfinished': True,
        },
    ]

# The step that takes a tender out of each state on the way to publication,
# with the login of the user whose role it is; the finance approver is not
# the officer who requested approval.
NEXT_STEP = {
    'draft': ('request_approval', 'officer'),
    'pending_approval': ('approve', 'finance'),
    'approved': ('publish', 'officer'),
    }
STATE_ORDER = ['draft', 'pending_approval', 'approved', 'published']


def create_tenders(session):
    "Bring each tender of TENDERS to its demo state"
    for values in TENDERS:
        tender(session, values)


def tender(session, values):
    """Create the tender as the officer, if it does not exist, and take
    it to its demo state"""
    Tender = session.model('commissioning.tender', 'officer')
    tenders = Tender.find([('name', '=', values['name'])])
    if tenders:
        tender, = tenders[:1]
    else:
        tender = design_tender(session, values)
    # Take the workflow steps a user would, each as the user whose
    # role it is, until the tender reaches its demo state.
    target = STATE_ORDER.index(values['state'])
    while (tender.state in NEXT_STEP
            and STATE_ORDER.index(tender.state) < target):
        button, login = NEXT_STEP[tender.state]
        Tender = session.model('commissioning.tender', login)
        tender = Tender(tender.id)
        tender.click(button)
    return tender


def design_tender(session, values):
    "Return a new tender designed by the officer from values"
    Tender = session.model('commissioning.tender', 'officer')
    today = dt.date.today()
    deadline = dt.datetime.combine(
        today + dt.timedelta(days=values.get('deadline_days', 30)),
        dt.time(12, 0))
    start = deadline.date() + dt.timedelta(days=60)
    tender = Tender(
        name=values['name'],
        description=values['description'],
        budget=values['budget'],
        kind=values['kind'],
        submission_deadline=deadline,
        contract_start=start)
    if values['years']:
        tender.contract_end = start.replace(
            year=start.year + values['years']) - dt.timedelta(days=1)
    tender.save()
    tender.click('load_child_first_criteria')
    if not values.get('unfinished'):
        collaboration(tender.collaborations, today)
        tender.save()
        documents.specify(session, tender)
    if values.get('lots'):
        divide(session, tender, values)
    return tender


def divide(session, tender, values):
    """Divide the tender into its lots, each judged on every criterion of
    the tender, with the most lots one bid may be for"""
    Tender = session.model('commissioning.tender', 'officer')
    Criterion = session.model('commissioning.tender.criterion', 'officer')
    tender = Tender(tender.id)
    tender.max_lots_per_bid = values['max_lots']
    for name, budget in values['lots']:
        lot = tender.lots.new(name=name, budget=budget)
        lot.criteria.extend([Criterion(c.id) for c in tender.criteria])
    tender.save()


def collaboration(records, today):
    """Add the record of a youth panel's work to records (of a tender, a
    bid or a monitoring return)"""
    records.new(
        date=today - dt.timedelta(days=21),
        method='youth_panel',
        children_count=12,
        space=(
            "Two evening sessions at the youth centre the panel "
            "chose, with food, travel paid and a youth worker "
            "they know."),
        voice=(
            "The children wrote what a good service would feel "
            "like and ranked the draft criteria with stickers."),
        audience=(
            "The head of commissioning and the deputy "
            "commissioner attended both sessions."),
        influence=(
            "The collaboration criterion was made mandatory and "
            "the mentoring KPI now counts the children's own "
            "rating of their mentor."),
        feedback_to_children=(
            "A 'You said, we did' poster and a letter to each "
            "panel member through the youth worker."),
        consent_confirmed=True)
