# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Step 1, users and configuration: the commissioning office as a new
install sets it up, the provider organisations and one user per role"""
from decimal import Decimal

from .session import MODULE

# The demo users: login, name, group XML id (None for admin) and role.
USERS = [
    ('admin', "Administrator", None, "Tryton administrator"),
    ('commadmin', "Alex Morgan", 'group_commissioning_admin',
        "Commissioning administrator"),
    ('officer', "Priya Shah", 'group_commissioning',
        "Commissioning officer"),
    ('finance', "Tom Evans", 'group_commissioning_finance',
        "Finance approver"),
    ('evaluator', "Grace Adeyemi", 'group_commissioning_evaluator',
        "Evaluator (children's panel facilitator)"),
    ('evaluator2', "Sam Okafor", 'group_commissioning_evaluator',
        "Evaluator (specialist)"),
    ('provider', "Jordan Lee", 'group_commissioning_provider',
        "Provider (Northside Youth Trust)"),
    ('provider2', "Maya Clarke", 'group_commissioning_provider',
        "Provider (Riverside Community Partnership)"),
    ('provider3', "Owen Hughes", 'group_commissioning_provider',
        "Provider (Eastgate Sports Foundation)"),
    ]
ADMIN_EMAIL = 'commissioning-admin@example.org'
COMPANY_NAME = "Metropolitan Child First Commissioning Office"
# The organisation of each provider user
PROVIDERS = {
    'provider': "Northside Youth Trust",
    'provider2': "Riverside Community Partnership",
    'provider3': "Eastgate Sports Foundation",
    }


def set_up(session, passwords):
    """Create what is missing of the office and its users, give a password
    to the users that have none in passwords and connect every user"""
    company = create_company(session)
    parties = provider_parties(session)
    create_users(session, company, parties, passwords)
    # Each proteus configuration initialises the pool anew, which makes
    # the model classes of the earlier ones stale: connect every user now,
    # before any of them works
    for login, _, _, _ in USERS:
        session.config(login)


def currency(session):
    "Return the pound sterling, created if the database lacks it"
    Currency = session.model('currency.currency')
    currencies = Currency.find([('code', '=', 'GBP')])
    if currencies:
        return currencies[0]
    currency = Currency(
        name="British Pound", code='GBP', numeric_code='826',
        symbol="£", rounding=Decimal('0.01'), digits=2)
    currency.save()
    return currency


def create_company(session):
    "Return the commissioning office, set up as a new install would"
    from proteus import Wizard
    Company = session.model('company.company')
    User = session.model('res.user')
    companies = Company.find([('party.name', '=', COMPANY_NAME)])
    if companies:
        return companies[0]
    Party = session.model('party.party')
    party = Party(name=COMPANY_NAME)
    party.save()
    wizard = Wizard('company.company.config', config=session.config())
    wizard.execute('company')
    wizard.form.party = party
    wizard.form.currency = currency(session)
    if 'timezone' in wizard.form._fields:
        wizard.form.timezone = 'Europe/London'
    wizard.execute('add')
    company, = Company.find([('party', '=', party.id)])
    # The administrator works in the new company from now on.
    admin = User(session.config().user)
    if company not in admin.companies:
        admin.companies.append(Company(company.id))
    admin.company = Company(company.id)
    admin.language = uk_english(session)
    admin.save()
    session.config()._context = User.get_preferences(True, {})
    return company


def uk_english(session):
    "Return UK English, the language of the module: dates day first"
    Lang = session.model('ir.lang')
    return Lang(session.xml_id(MODULE, 'lang_en_gb'))


def my_work(session):
    "Return the action of My Work, the work queue each role opens at login"
    Action = session.model('ir.action')
    ActWindow = session.model('ir.action.act_window')
    return Action(ActWindow(session.xml_id(MODULE, 'act_work')).action.id)


def provider_parties(session):
    "Return the organisation of each provider login"
    Party = session.model('party.party')
    result = {}
    for login, name in PROVIDERS.items():
        parties = Party.find([('name', '=', name)])
        if parties:
            result[login] = parties[0]
        else:
            result[login] = Party(name=name)
            result[login].save()
    return result


def create_users(session, company, parties, passwords):
    """Create the missing demo users and give a password to those
    that have none in passwords"""
    from .passwords import new_password
    User = session.model('res.user')
    Group = session.model('res.group')
    Company = session.model('company.company')
    Party = session.model('party.party')
    for login, name, group, _ in USERS:
        users = User.find([('login', '=', login)])
        if users:
            user, = users
            if login in passwords:
                continue
        else:
            user = User(login=login, name=name)
            user.language = uk_english(session)
            user.groups.append(Group(session.xml_id(MODULE, group)))
            # My Work opens at login
            user.actions.append(my_work(session))
            user.companies.append(Company(company.id))
            user.company = Company(company.id)
            if login in parties:
                user.commissioning_parties.append(
                    Party(parties[login].id))
        passwords[login] = new_password()
        user.password = passwords[login]
        user.save()
