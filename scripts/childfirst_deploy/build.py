# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The load database: the demo's office and users (scripts/childfirst_demo),
plus many provider organisations each with a user and an active contract,
tenders open for bids and tenders waiting for finance.

Everything goes through the module as its users would, with proteus, but
for one stand-in: the contracts of the load providers are created by the
system (as Create Contract creates them from an award, with the KPIs of a
tender's templates) instead of running one evaluation per provider. Finance
activates them with the button, which creates their periods, due returns
and sign-offs."""
import datetime as dt
import json
from decimal import Decimal

from childfirst_demo import database as db, tenders, users
from childfirst_demo.passwords import new_password
from childfirst_demo.session import MODULE, Session

BIDDING = {
    'description': (
        "A service designed with children, open to every provider for "
        "the load run."),
    'budget': Decimal('500000'),
    'kind': 'contract',
    'deadline_days': 30,
    'years': 2,
    }
VALUE = Decimal('480000')


def build(database, config_files, providers=10, bidding=2, pending=2):
    """Build the load database and return its description: the passwords,
    the provider logins and the ids of the tenders and contracts"""
    from trytond import config
    config.update_etc(config_files)
    if not db.database_exists(database):
        db.create_database(database)
    passwords = {'admin': new_password()}

    class Args:
        pass
    args = Args()
    args.config_files, args.database = config_files, database
    db.run_admin(args, True, passwords['admin'])

    session = Session(database, config_files)
    logins = set_up(session, passwords, providers)
    configure(session)
    state = {
        'database': database,
        'passwords': passwords,
        'providers': logins,
        'bidding': [open_tender(session, 'Load Tender %s' % i).id
            for i in range(1, bidding + 1)],
        'deadline': open_tender(session, 'Load Tender Deadline').id,
        'pending': [pending_tender(session, 'Load Approval %s' % i).id
            for i in range(1, pending + 1)],
        }
    state['contracts'] = create_contracts(
        session, state['bidding'][0], logins + ['provider'])
    return state


def set_up(session, passwords, count):
    """Set up the demo's office and users (as users.set_up) and count
    load providers; return the logins of the load providers"""
    company = users.create_company(session)
    parties = users.provider_parties(session)
    users.create_users(session, company, parties, passwords)
    logins = load_providers(session, company, count, passwords)
    # Connecting a user initialises the pool anew: the administrator's
    # work above is done first (see users.set_up)
    for login, _, _, _ in users.USERS:
        session.config(login)
    return logins


def configure(session):
    """Returns fall due a year after their period ends: no return of the
    load is overdue, and so every payment can be approved"""
    Configuration = session.model('commissioning.configuration', 'commadmin')
    configuration = Configuration(1)
    configuration.return_due_days = 365
    configuration.save()


def load_providers(session, company, count, passwords):
    """Create count provider organisations, each with its user; return the
    logins"""
    Party = session.model('party.party')
    User = session.model('res.user')
    Group = session.model('res.group')
    Company = session.model('company.company')
    group = Group(session.xml_id(MODULE, 'group_commissioning_provider'))
    logins = ['load%02d' % i for i in range(1, count + 1)]
    parties = [Party(name="Load Provider %02d" % i)
        for i in range(1, count + 1)]
    Party.save(parties)
    records = []
    for login, party in zip(logins, parties):
        passwords[login] = new_password()
        user = User(login=login, name="Load %s" % login,
            password=passwords[login])
        user.groups.append(Group(group.id))
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        user.commissioning_parties.append(Party(party.id))
        records.append(user)
    User.save(records)
    return logins


def open_tender(session, name):
    "Return a published tender named name, designed by the officer"
    return tenders.tender(session, dict(BIDDING, name=name,
            state='published'))


def pending_tender(session, name):
    "Return a tender named name waiting for finance's approval"
    return tenders.tender(session, dict(BIDDING, name=name,
            state='pending_approval'))


def create_contracts(session, tender_id, logins):
    """Create a monthly contract for the organisation of each provider
    login, begun 13 months ago, with the KPIs of the tender's templates;
    finance activates them. Return {login: contract id}"""
    from dateutil.relativedelta import relativedelta

    from trytond.modules.childfirst_commissioning.contract import contract_kpis
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    User = session.model('res.user')
    parties = {u.login: u.commissioning_parties[0].id
        for u in User.find([('login', 'in', logins)])}
    officer = session.config('officer').user
    start = dt.date.today().replace(day=1) - relativedelta(months=13)
    # As the officer, who creates contracts, without the access checks
    # that keep them to awards
    with Transaction().start(session.database, officer) as transaction:
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Tender = pool.get('commissioning.tender')
        tender = Tender(tender_id)
        contracts = [Contract(
                name="%s: %s" % (tender.name, login),
                provider=parties[login], company=tender.company,
                currency=tender.currency, value=VALUE, start_date=start,
                end_date=start + relativedelta(years=2, days=-1),
                frequency='monthly', kpis=contract_kpis(tender),
                payments=payments(start))
            for login in logins]
        Contract.save(contracts)
        ids = {l: c.id for l, c in zip(logins, contracts)}
        transaction.commit()
    Finance = session.model('commissioning.contract', 'finance')
    Finance.click([Finance(i) for i in ids.values()], 'activate')
    return ids


def payments(start):
    "Return eight quarterly payments that add up to VALUE"
    from dateutil.relativedelta import relativedelta

    from trytond.pool import Pool
    Payment = Pool().get('commissioning.contract.payment')
    instalment = (VALUE / 8).quantize(Decimal('0.01'))
    return [Payment(
            amount=VALUE - 7 * instalment if i == 7 else instalment,
            planned_date=start + relativedelta(months=3 * (i + 1), days=30))
        for i in range(8)]


def main(args):
    state = build(args.database, args.config_files,
        providers=args.providers, bidding=args.rounds,
        pending=args.approvals)
    with open(args.output, 'w') as f:
        json.dump(state, f, indent=1)
    return 0
