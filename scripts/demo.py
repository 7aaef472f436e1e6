#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Build the Child First commissioning demo database.

The demo is a commissioning office with one user per role and tenders at
every step of their lifecycle: a draft whose design checklist still fails,
one waiting for finance approval, one approved, one published to providers,
one in evaluation and one awarded to the best of three bids and now an
active contract. The contract began about a year ago: it has a year of
monitoring returns (accepted, one sent back after its due date and so
overdue), ratings of every kind and payments in every state.

Everything is entered as a user would, each step by the user whose role it
is, through the same calls the client makes. Only dates are moved: the
deadlines of the evaluated tenders once the bids are in, and the award of
the contracted tender a year back, because the demo cannot wait for them.

Running it again reuses the database: missing demo records are added, the
module is updated to the code on disk and nothing is deleted. --rebuild
drops the database and builds it anew.

The logins and passwords are written to var/demo-users.txt (or
--users-file) and printed each time.
"""
import argparse
import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODULE = 'childfirst_commissioning'

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
USERS_HEADER = "# Child First commissioning demo users of database \"%s\""
ADMIN_EMAIL = 'commissioning-admin@example.org'
COMPANY_NAME = "Metropolitan Child First Commissioning Office"
# The organisation of each provider user
PROVIDERS = {
    'provider': "Northside Youth Trust",
    'provider2': "Riverside Community Partnership",
    'provider3': "Eastgate Sports Foundation",
    }

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
    ]

# The value of each KPI of the demo contract in each quarter, as a factor of
# its target, in the order of the KPIs: every rating appears (for the
# offence KPI, lower is better)
QUARTER_FACTORS = [
    [1.02, 0.95, 0.85, 0.70, 1.10, 1.00, 0.92, 1.30],
    [1.00, 0.97, 0.90, 0.82, 1.20, 0.95, 1.00, 1.15],
    [1.05, 1.00, 0.95, 0.88, 1.25, 1.02, 1.03, 1.05],
    [1.06, 1.01, 0.99, 0.92, 1.30, 1.05, 1.05, 0.95],
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Build the Child First commissioning demo database.")
    parser.add_argument(
        '-c', '--config', dest='config_files', nargs='+',
        default=[os.path.join(ROOT, 'trytond.conf')], metavar='FILE',
        help="trytond configuration files (default: trytond.conf)")
    parser.add_argument(
        '-d', '--database', default='childfirst_demo',
        help="database name (default: %(default)s)")
    parser.add_argument(
        '--rebuild', action='store_true',
        help="drop the database and build it anew")
    parser.add_argument(
        '--users-file', default=os.path.join(ROOT, 'var', 'demo-users.txt'),
        help="where the logins and passwords are written "
        "(default: var/demo-users.txt)")
    parser.add_argument(
        '--url', default='http://localhost:8000/',
        help="the address printed for the web client")
    return parser.parse_args(argv)


def trytond_admin():
    "Return the trytond-admin command beside this Python"
    path = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    if os.path.exists(path):
        return path
    path = shutil.which('trytond-admin')
    if not path:
        sys.exit("trytond-admin not found: install the project first "
            "(pip install -e .)")
    return path


# The database

def database_exists(name):
    "Return whether the database server has a database named name"
    from trytond import backend, config
    if backend.name == 'sqlite':
        return os.path.isfile(os.path.join(
                config.get('database', 'path'), name + '.sqlite'))
    database = backend.Database().connect()
    connection = database.get_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
        return bool(cursor.fetchone())
    finally:
        connection.rollback()
        database.put_connection(connection)


def database_initialised(name):
    "Return whether the database holds Tryton tables of this series"
    from trytond import backend
    database = backend.Database(name).connect()
    try:
        return database.test(series=True)
    finally:
        database.close()


def create_database(name):
    from trytond import backend, config
    if backend.name == 'sqlite':
        os.makedirs(config.get('database', 'path'), exist_ok=True)
    database = backend.Database().connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)
        database.close()
    backend.Database.clear_cache()


def drop_database(name):
    from trytond import backend
    from trytond.transaction import Transaction
    backend.Database(name).close()
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.drop(transaction.connection, name)
    backend.Database.clear_cache()


def run_admin(args, init, admin_password):
    """Activate (init) or update the module with trytond-admin, in the
    way an administrator installs Tryton"""
    command = [trytond_admin(), '-c', *args.config_files, '-d', args.database,
        '--activate-dependencies', '-u', MODULE]
    env = os.environ.copy()
    passfile = None
    if init:
        command += ['--all', '--email', ADMIN_EMAIL]
        fd, passfile = tempfile.mkstemp(prefix='tryton-pass-')
        with os.fdopen(fd, 'w') as f:
            f.write(admin_password + '\n')
        env['TRYTONPASSFILE'] = passfile
    try:
        subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL)
    finally:
        if passfile:
            os.remove(passfile)


def absolute_database_path(config_files):
    """Return a configuration file that makes a relative SQLite path
    absolute, or None.

    trytond 8.0 turns a relative [database] path such as ./var/db into the
    URI file:///./var/db, that is /var/db: the processes of this run get
    the path relative to the current directory instead, as it was meant."""
    from trytond import backend, config
    path = config.get('database', 'path')
    if backend.name != 'sqlite' or os.path.isabs(path):
        return None
    path = os.path.abspath(path)
    config.set('database', 'path', path)
    fd, filename = tempfile.mkstemp(prefix='demo-', suffix='.conf')
    with os.fdopen(fd, 'w') as f:
        f.write("[database]\npath = %s\n" % path)
    return filename


# Passwords

def new_password():
    """Return a random password that passes Tryton's password rules and
    reads unambiguously"""
    alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    while True:
        password = ''.join(secrets.choice(alphabet) for _ in range(14))
        if len(set(password)) == len(password):
            return password


def read_passwords(path, database):
    "Return the passwords written for database by an earlier run"
    passwords = {}
    try:
        with open(path) as f:
            header = f.readline()
            if USERS_HEADER % database != header.rstrip('\n'):
                return passwords
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                login, password = line.split()[:2]
                passwords[login] = password
    except FileNotFoundError:
        pass
    return passwords


def format_users(passwords):
    lines = ["%-10s %-16s %s" % ("login", "password", "role")]
    for login, _, _, role in USERS:
        lines.append("%-10s %-16s %s" % (login, passwords[login], role))
    return lines


def write_passwords(path, database, passwords):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(USERS_HEADER % database + "\n# ")
        lines = format_users(passwords)
        f.write(lines[0] + "\n")
        for line in lines[1:]:
            f.write(line + "\n")


# The demo data, through proteus as the users would enter it

class Demo:

    def __init__(self, database, config_files):
        self.database = database
        self.config_files = config_files
        self.configs = {}

    def config(self, login='admin'):
        "Return the proteus configuration acting as the user login"
        from proteus import config
        if login not in self.configs:
            self.configs[login] = config.set_trytond(
                database=self.database, user=login,
                config_file=self.config_files)
        return self.configs[login]

    def model(self, name, login='admin'):
        from proteus import Model
        return Model.get(name, config=self.config(login))

    def xml_id(self, module, fs_id):
        "Return the id of the record with the XML id module.fs_id"
        ModelData = self.model('ir.model.data')
        return ModelData.get_id(module, fs_id, {})

    def build(self, passwords):
        company = self.company()
        parties = self.provider_parties()
        self.users(company, parties, passwords)
        # Each proteus configuration initialises the pool anew, which makes
        # the model classes of the earlier ones stale: connect every user
        # now, before any of them works
        for login, _, _, _ in USERS:
            self.config(login)
        for values in TENDERS:
            self.tender(values)
        for values in EVALUATED:
            self.evaluated_tender(values)
            if values.get('contract'):
                self.contract(values)

    def currency(self):
        "Return the pound sterling, created if the database lacks it"
        Currency = self.model('currency.currency')
        currencies = Currency.find([('code', '=', 'GBP')])
        if currencies:
            return currencies[0]
        currency = Currency(
            name="British Pound", code='GBP', numeric_code='826',
            symbol="£", rounding=Decimal('0.01'), digits=2)
        currency.save()
        return currency

    def company(self):
        "Return the commissioning office, set up as a new install would"
        from proteus import Wizard
        Company = self.model('company.company')
        User = self.model('res.user')
        companies = Company.find([('party.name', '=', COMPANY_NAME)])
        if companies:
            return companies[0]
        Party = self.model('party.party')
        party = Party(name=COMPANY_NAME)
        party.save()
        wizard = Wizard('company.company.config', config=self.config())
        wizard.execute('company')
        wizard.form.party = party
        wizard.form.currency = self.currency()
        if 'timezone' in wizard.form._fields:
            wizard.form.timezone = 'Europe/London'
        wizard.execute('add')
        company, = Company.find([('party', '=', party.id)])
        # The administrator works in the new company from now on.
        admin = User(self.config().user)
        if company not in admin.companies:
            admin.companies.append(Company(company.id))
        admin.company = Company(company.id)
        admin.save()
        self.config()._context = User.get_preferences(True, {})
        return company

    def provider_parties(self):
        "Return the organisation of each provider login"
        Party = self.model('party.party')
        result = {}
        for login, name in PROVIDERS.items():
            parties = Party.find([('name', '=', name)])
            if parties:
                result[login] = parties[0]
            else:
                result[login] = Party(name=name)
                result[login].save()
        return result

    def users(self, company, parties, passwords):
        """Create the missing demo users and give a password to those
        that have none in passwords"""
        User = self.model('res.user')
        Group = self.model('res.group')
        Company = self.model('company.company')
        Party = self.model('party.party')
        for login, name, group, _ in USERS:
            users = User.find([('login', '=', login)])
            if users:
                user, = users
                if login in passwords:
                    continue
            else:
                user = User(login=login, name=name)
                user.groups.append(Group(self.xml_id(MODULE, group)))
                user.companies.append(Company(company.id))
                user.company = Company(company.id)
                if login in parties:
                    user.commissioning_parties.append(
                        Party(parties[login].id))
            passwords[login] = new_password()
            user.password = passwords[login]
            user.save()

    def tender(self, values):
        """Create the tender as the officer, if it does not exist, and take
        it to its demo state"""
        Tender = self.model('commissioning.tender', 'officer')
        tenders = Tender.find([('name', '=', values['name'])])
        if tenders:
            tender, = tenders[:1]
        else:
            tender = self.design_tender(values)
        # Take the workflow steps a user would, each as the user whose
        # role it is, until the tender reaches its demo state.
        target = STATE_ORDER.index(values['state'])
        while (tender.state in NEXT_STEP
                and STATE_ORDER.index(tender.state) < target):
            button, login = NEXT_STEP[tender.state]
            Tender = self.model('commissioning.tender', login)
            tender = Tender(tender.id)
            tender.click(button)
        return tender

    def design_tender(self, values):
        Tender = self.model('commissioning.tender', 'officer')
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
            self.collaboration(tender.collaborations, today)
            tender.save()
        return tender

    @staticmethod
    def collaboration(records, today):
        "Add the record of a youth panel's work to records"
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

    def evaluated_tender(self, values):
        """Publish the tender, have the providers bid, close it and
        evaluate it, up to values['until'] (evaluation or awarded)"""
        Tender = self.model('commissioning.tender', 'officer')
        if Tender.find([('name', '=', values['name'])]):
            return
        tender = self.tender(dict(values, state='published'))
        bids = {login: self.bid(login, tender, price)
            for login, (price, _, _) in values['bids'].items()}
        self.move_deadline(tender.id)
        tender = Tender(tender.id)
        tender.click('close')

        # The officer assigns a specialist on every scored criterion and
        # the children's panel on the Child First criteria
        User = self.model('res.user', 'officer')
        Criterion = self.model('commissioning.tender.criterion', 'officer')
        scored = Criterion.find([
                ('tender', '=', tender.id), ('method', '=', 'scored')])
        child_first = [c for c in scored if c.tenet]
        for login, role, criteria in [
                ('evaluator2', 'specialist', scored),
                ('evaluator', 'children_panel', child_first)]:
            evaluator = tender.evaluators.new()
            evaluator.user, = User.find([('login', '=', login)])
            evaluator.role = role
            evaluator.criteria.extend([Criterion(c.id) for c in criteria])
        tender.save()
        for login in ['evaluator2', 'evaluator']:
            Evaluator = self.model('commissioning.tender.evaluator', login)
            mine, = Evaluator.find([('tender', '=', tender.id)])
            mine.click('declare_no_conflict')
        Response = self.model('commissioning.bid.response', 'officer')
        for login, bid in bids.items():
            answer, = Response.find([('bid', '=', bid.id),
                    ('criterion.method', '=', 'pass_fail')])
            answer.assessment = 'failed' if login == 'provider3' else 'passed'
            answer.save()
        tender = Tender(tender.id)
        tender.click('start_evaluation')

        # The scores: the specialist's on all, the panel's on Child First
        for login, (_, specialist, panel) in values['bids'].items():
            for criterion in scored:
                self.score('evaluator2', bids[login], criterion, specialist)
                if panel is not None and criterion.tenet:
                    mark = panel if criterion == child_first[0] else (
                        specialist)
                    self.score('evaluator', bids[login], criterion, mark)
        if values['until'] == 'evaluation':
            return

        # Moderation where the scores differ widely, then the award
        for response in Response.find([('bid.tender', '=', tender.id)]):
            if (response.spread or 0) >= 2:
                response.moderated_score = Decimal(4)
                response.moderation_rationale = (
                    "The panel explained that the children found the "
                    "service's response times too slow; the specialist "
                    "agreed at moderation.")
                response.save()
        tender = Tender(tender.id)
        tender.click('complete_evaluation')
        tender.click('recommend_award')
        Tender = self.model('commissioning.tender', 'finance')
        Tender(tender.id).click('approve_award')

    def bid(self, login, tender, price):
        "Return the bid of the provider login, answered and submitted"
        Bid = self.model('commissioning.bid', login)
        Tender = self.model('commissioning.tender', login)
        today = dt.date.today()
        bid = Bid(tender=Tender(tender.id))
        bid.price = price
        bid.save()
        organisation = PROVIDERS[login]
        for response in bid.responses:
            response.response = (
                "%s: how we meet \"%s\", with the young people who "
                "shaped our plan." % (organisation, response.criterion.name))
        self.collaboration(bid.collaborations, today)
        bid.save()
        bid.click('submit')
        return bid

    def score(self, login, bid, criterion, mark):
        Evaluator = self.model('commissioning.tender.evaluator', login)
        Response = self.model('commissioning.bid.response', login)
        Score = self.model('commissioning.score', login)
        evaluator, = Evaluator.find([('tender', '=', bid.tender.id)])
        response, = Response.find([
                ('bid', '=', bid.id), ('criterion', '=', criterion.id)])
        score = Score(response=response, evaluator=evaluator, score=mark)
        score.justification = (
            "Scored %s: the answer %s." % (mark, {
                    5: "is excellent, with evidence from children",
                    4: "is good and backed by evidence",
                    3: "is satisfactory but thin on evidence",
                    }.get(mark, "falls short")))
        score.save()

    def move_deadline(self, tender_id):
        """Move the submission deadline of the tender to yesterday: the
        demo's stand-in for the weeks a real tender stays open"""
        from sql import Table

        from trytond.transaction import Transaction
        tender = Table('commissioning_tender')
        with Transaction().start(self.database, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*tender.update(
                    [tender.submission_deadline],
                    [dt.datetime.now() - dt.timedelta(days=1)],
                    where=tender.id == tender_id))
            transaction.commit()

    # The contract and a year of monitoring

    def contract(self, values):
        """Create the contract of the awarded tender, brought into the
        system a year after the service began, and a year of monitoring:
        returns accepted, one sent back after its due date (so overdue),
        ratings of every kind and payments in every state"""
        from dateutil.relativedelta import relativedelta
        Tender = self.model('commissioning.tender', 'officer')
        tender, = Tender.find([('name', '=', values['name'])])
        if tender.state != 'awarded':
            return
        self.move_standstill(tender.id)
        tender = Tender(tender.id)
        tender.click('create_contract')
        Contract = self.model('commissioning.contract', 'officer')
        contract = Contract(Tender(tender.id).contract.id)
        start = dt.date.today().replace(day=1) - relativedelta(months=13)
        contract.start_date = start
        contract.end_date = start + relativedelta(years=2, days=-1)
        instalment = (contract.value / 8).quantize(Decimal('0.01'))
        for i in range(8):
            payment = contract.payments.new()
            payment.amount = (contract.value - 7 * instalment if i == 7
                else instalment)
            payment.planned_date = start + relativedelta(
                months=3 * (i + 1), days=30)
        contract.save()
        Contract = self.model('commissioning.contract', 'finance')
        Contract(contract.id).click('activate')

        Return = self.model('commissioning.monitoring.return', 'provider2')
        returns = Return.find([('contract', '=', contract.id)],
            order=[('period', 'ASC')])
        for record, factors in zip(returns, QUARTER_FACTORS):
            self.fill_return(record, factors)
            record.click('submit')
        Return = self.model('commissioning.monitoring.return', 'officer')
        for record in returns[:3]:
            Return(record.id).click('accept')

        # Payments: paid, approved, requested, then planned
        Payment = self.model('commissioning.contract.payment', 'officer')
        payments = Contract(contract.id).payments
        for payment, record, steps in zip(payments, returns, [
                    ['approve', 'pay'], ['approve'], []]):
            payment = Payment(payment.id)
            payment.period = Return(record.id).period
            payment.save()
            payment.click('request')
            config = self.config('finance')
            config.skip_warning = True  # finance confirms the ratings
            Finance = self.model('commissioning.contract.payment', 'finance')
            for step in steps:
                Finance(payment.id).click(step)
            config.skip_warning = False

        # The last quarter's return is sent back after its due date
        last = Return(returns[3].id)
        last.review_comment = (
            "Please add the breakdown of the justice outcomes by ethnicity "
            "from the police data, and what the Youth Voice Panel said "
            "about the new drop-in.")
        last.save()
        last.click('send_back')

    def fill_return(self, record, factors):
        """Fill the return as the provider: each KPI's value its target
        times the factor, the groups around it, and the youth panel's work
        in the period"""
        Group = self.model('commissioning.monitoring.group', 'provider2')
        groups = Group.find([])
        spreads = {'ethnicity': [1.0, 0.88, 0.95, 1.04, 0.9, 1.0],
            'care_experience': [0.85, 1.03, 1.0]}
        for line, factor in zip(record.lines, factors):
            value = (line.kpi.target * Decimal(str(factor))).quantize(
                Decimal('0.1'))
            line.value = value
            if line.kpi.disaggregate:
                seen = {}
                for group in groups:
                    index = seen.setdefault(group.dimension, 0)
                    seen[group.dimension] += 1
                    spread = spreads[group.dimension]
                    breakdown = line.breakdowns.new()
                    breakdown.group = group
                    breakdown.value = min(Decimal(100), (value * Decimal(
                                str(spread[index % len(spread)]))).quantize(
                            Decimal('0.1')))
        record.safeguarding_concerns = 2
        record.narrative = (
            "Thirty-one children had a trusted adult this quarter. The "
            "Youth Voice Panel reviewed the drop-in sessions and asked for "
            "later opening on Fridays, which started in the last month.")
        self.collaboration(record.collaborations, record.period.end_date)
        record.save()

    def move_standstill(self, tender_id):
        """Move the award of the tender a year back: the demo's stand-in
        for a contract awarded before the service began"""
        from sql import Table

        from trytond.transaction import Transaction
        tender = Table('commissioning_tender')
        with Transaction().start(self.database, 0) as transaction:
            cursor = transaction.connection.cursor()
            long_ago = dt.date.today() - dt.timedelta(days=400)
            cursor.execute(*tender.update(
                    [tender.award_date, tender.standstill_end],
                    [long_ago, long_ago + dt.timedelta(days=12)],
                    where=tender.id == tender_id))
            transaction.commit()


def main(argv=None):
    args = parse_args(argv)
    args.config_files = [os.path.abspath(f) for f in args.config_files]
    for filename in args.config_files:
        if not os.path.isfile(filename):
            sys.exit("configuration file not found: %s" % filename)

    from trytond import config
    config.update_etc(args.config_files)
    override = absolute_database_path(args.config_files)
    if override:
        args.config_files.append(override)
    try:
        if args.rebuild and database_exists(args.database):
            print("Dropping database \"%s\"" % args.database, flush=True)
            drop_database(args.database)
            if os.path.exists(args.users_file):
                os.remove(args.users_file)
        if not database_exists(args.database):
            print("Creating database \"%s\"" % args.database, flush=True)
            create_database(args.database)
        init = not database_initialised(args.database)

        if init:
            passwords = {'admin': new_password()}
            print("Activating %s and the modules it depends on" % MODULE,
                flush=True)
        else:
            passwords = read_passwords(args.users_file, args.database)
            print("Updating %s in database \"%s\"" % (MODULE, args.database),
                flush=True)
        run_admin(args, init, passwords.get('admin'))

        print("Adding the demo data", flush=True)
        Demo(args.database, args.config_files).build(passwords)
        write_passwords(args.users_file, args.database, passwords)
    finally:
        if override:
            os.remove(override)

    print()
    print("Demo database \"%s\" is ready. Open %s and log in with:"
        % (args.database, args.url))
    for line in format_users(passwords):
        print("    " + line)
    print("(also written to %s)" % os.path.relpath(args.users_file))
    return 0


if __name__ == '__main__':
    sys.exit(main())
