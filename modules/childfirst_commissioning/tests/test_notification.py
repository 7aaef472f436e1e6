# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Notifications by e-mail and in the client.

The e-mails go to a real SMTP server started for the tests; trytond sends
them when a transaction commits. The tests in a rolled-back transaction
look at the client notifications and the record of what was sent; the
tests at the end commit on a database of their own and read the e-mails
the server received."""
import datetime as dt
import email
import json
import socket
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

import trytond.config as config
from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.test_scale import (
    Step, active_contracts, assert_flat, draft_bids, measure_scenario, move,
    published_tenders)
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, bid_on, draft_contract, fill_return, make_provider, make_tender,
    make_user, publish_tender, set_deadline, submit_bids)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.sendmail import SMTPDataManager
from trytond.transaction import Transaction

SENDER = 'commissioning@council.example'


def uk(value):
    "Return the date and time value as en_GB formats it"
    return value.strftime('%d/%m/%Y %H:%M').replace(' ', '\xa0')


# The SMTP server

class Inbox:
    "The handler of the SMTP server: the messages it received"

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=policy.default)
        self.messages.append(SimpleNamespace(
                sender=envelope.mail_from, to=list(envelope.rcpt_tos),
                subject=str(message['Subject']).strip(),
                body=message.get_content(), message=message))
        return '250 Message accepted for delivery'

    def take(self):
        "Return the messages received since the last call"
        messages, self.messages = self.messages, []
        return messages


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module', autouse=True)
def smtp():
    """A local SMTP server that trytond's e-mail configuration points at:
    yields its inbox"""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname='127.0.0.1', port=port)
    controller.start()
    saved = {k: config.get('email', k) for k in ['uri', 'from']}
    config.set('email', 'uri', 'smtp://127.0.0.1:%s' % port)
    config.set('email', 'from', SENDER)
    try:
        yield inbox
    finally:
        for key, value in saved.items():
            config.set('email', key, value)
        controller.stop()


def queued(transaction=None):
    """Return [(to, subject, body)] of the e-mails the transaction sends
    when it commits"""
    transaction = transaction or Transaction()
    return [(to_addrs or msg['To'], str(msg['Subject']), msg.get_content())
        for manager in transaction._datamanagers
        if isinstance(manager, SMTPDataManager)
        for _, to_addrs, msg in manager.queue]


def addressed(messages, address):
    "Return the messages addressed to address"
    return [m for m in messages if address in str(m[0])]


# The users

def with_email(user, address, language='en_GB'):
    "Give user an e-mail address and a language"
    pool = Pool()
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    lang, = Lang.search([('code', '=', language)])
    User.write([user], {'email': address, 'language': lang.id})
    return User(user.id)


def client_notifications(user, model=None):
    """Return the client notifications of user the transaction stores when
    it commits"""
    return [n for n in Transaction().user_notifications
        if n.user.id == user.id and (model is None or n.model == model)]


def sent(event, recipient=None):
    "Return the records of the notifications of event sent"
    Notification = Pool().get('commissioning.notification')
    domain = [('event', '=', event)]
    if recipient:
        domain.append(('recipient', '=', recipient.id))
    return Notification.search(domain, order=[('id', 'ASC')])


def configure(**values):
    Configuration = Pool().get('commissioning.configuration')
    Configuration.write([Configuration(1)], values)


@pytest.fixture
def people(officer, finance):
    return make_people(officer, finance)


def make_people(officer, finance):
    """The officer and finance with an address, a second finance user with
    one, two providers with an address and a user of the first provider
    without"""
    northside, north = make_provider("Northside Youth Trust", 'north')
    riverside, river = make_provider("Riverside Mentoring", 'river')
    silent = make_user('silent', 'group_commissioning_provider')
    Pool().get('res.user').write([silent], {
            'commissioning_parties': [('add', [northside.id])]})
    return SimpleNamespace(
        officer=with_email(officer, 'officer@council.example'),
        finance=with_email(finance, 'finance@council.example'),
        finance2=with_email(
            make_user('finance2', 'group_commissioning_finance'),
            'finance2@council.example'),
        north=with_email(north, 'bids@northside.example'),
        silent=silent,
        river=with_email(river, 'bids@riverside.example'),
        northside=northside, riverside=riverside)


# The events, in a transaction rolled back at the end

def test_approval_requested(people):
    "Finance is told a tender waits for its sign-off; the requester is not"
    Tender = Pool().get('commissioning.tender')
    with as_user(people.officer):
        tender = make_tender(name="Trusted adults for children")
        Tender.request_approval([tender])
    mails = queued()
    assert sorted(m[0] for m in mails) == [
        'Finance <finance@council.example>',
        'Finance2 <finance2@council.example>']
    to, subject, body = mails[0]
    assert subject == (
        "Sign-off needed: Tender Budget for Trusted adults for children")
    assert "Officer has asked for your sign-off" in body
    assert tender.__href__ in body
    notification, = client_notifications(people.finance)
    assert notification.label == subject
    assert notification.model == 'commissioning.tender'
    assert json.loads(notification.records) == [tender.id]
    assert not client_notifications(people.officer)
    recipients = {n.recipient for n in sent('approval_requested')}
    assert {people.finance, people.finance2} <= recipients
    assert people.officer not in recipients


def test_approval_decided(people):
    """The requester is told of the approval, and of a rejection with its
    reason"""
    Tender = Pool().get('commissioning.tender')
    with as_user(people.officer):
        approved, rejected = [make_tender(name=n)
            for n in ["Approved tender", "Rejected tender"]]
        Tender.request_approval([approved, rejected])
    before = len(queued())
    with as_user(people.finance):
        Tender.approve([approved])
        Tender.reject_with([rejected], "The budget is too low.")
    mails = queued()[before:]
    assert [(m[0], m[1]) for m in mails] == [
        ('Officer <officer@council.example>',
            "Approved: Tender Budget for Approved tender"),
        ('Officer <officer@council.example>',
            "Not approved: Tender Budget for Rejected tender"),
        ]
    assert "Reason given" not in mails[0][2]
    assert "Reason given: The budget is too low." in mails[1][2]
    assert [n.label for n in client_notifications(people.officer)] == [
        m[1] for m in mails]


def test_award_approval(moderated):
    """Finance is told the recommended award waits for its sign-off, the
    officer who recommended it that it was approved"""
    Tender = Pool().get('commissioning.tender')
    officer = with_email(moderated.officer, 'officer@council.example')
    finance = with_email(
        make_user('finance3', 'group_commissioning_finance'),
        'finance3@council.example')
    tender = moderated.tender
    with as_user(officer):
        Tender.recommend_award([tender])
    assert addressed(queued(), 'finance3@council.example')[0][1] == (
        "Sign-off needed: Award for %s" % tender.rec_name)
    assert not addressed(queued(), 'officer@')
    with as_user(finance):
        Tender.approve_award([Tender(tender.id)])
    mail, = addressed(queued(), 'officer@')
    assert mail[1] == "Approved: Award for %s" % tender.rec_name


def test_tender_published(people, evaluator):
    """The registered providers are told of a published tender, with its
    deadline in their language; staff and unlinked providers are not"""
    unlinked = with_email(
        make_user('unlinked', 'group_commissioning_provider'),
        'nobody@example.org')
    deadline = dt.datetime.now() + dt.timedelta(days=30)
    tender = publish_tender(people.officer, people.finance,
        name="Mentoring for children", submission_deadline=deadline)
    mails = [m for m in queued() if m[1].startswith("New tender")]
    assert sorted(m[0] for m in mails) == [
        'North <bids@northside.example>', 'River <bids@riverside.example>']
    assert mails[0][1] == "New tender open for bids: Mentoring for children"
    assert "until %s." % uk(deadline) in mails[0][2]
    recipients = {n.recipient for n in sent('tender_published')}
    assert recipients == {people.north, people.river, people.silent}
    assert not client_notifications(unlinked)
    assert not client_notifications(evaluator)
    silent, = client_notifications(people.silent)
    assert silent.records == json.dumps([tender.id])


def test_user_without_email(people):
    "A user without an address gets the client notification only"
    publish_tender(people.officer, people.finance)
    assert people.silent.email is None
    notification, = sent('tender_published', people.silent)
    assert not notification.emailed
    assert client_notifications(people.silent)
    assert all('silent' not in str(m[0]) for m in queued())
    assert sent('tender_published', people.north)[0].emailed


def test_event_disabled(people):
    "An event the configuration turns off is not notified"
    configure(notification_events=['approval_requested'])
    publish_tender(people.officer, people.finance)
    assert not sent('tender_published')
    assert not client_notifications(people.north)
    assert not [m for m in queued() if m[1].startswith("New tender")]
    assert sent('approval_requested')


def test_email_disabled(people):
    "Without e-mails, everyone is told in the client only"
    configure(notification_email=False)
    publish_tender(people.officer, people.finance)
    assert not queued()
    assert client_notifications(people.north)
    assert not any(n.emailed for n in sent('tender_published'))


def test_configuration_notification_range(transaction):
    "The reminder days are refused out of their range"
    Configuration = Pool().get('commissioning.configuration')
    for name in ['notification_closing_days', 'notification_due_days']:
        for value in [0, 61]:
            config_ = Configuration(1)
            setattr(config_, name, value)
            with pytest.raises(Exception) as info:
                config_.save()
            assert "between 1 and 60; %s was given" % value in (
                info.value.message)
    configure(notification_closing_days=60, notification_due_days=1)
    assert Configuration(1).notification_due_days == 1


def closing_bid(people, days=2):
    """Return a draft bid of Northside on a tender closing in days; the
    tender has a submitted bid of Riverside"""
    tender = publish_tender(people.officer, people.finance,
        name="Closing tender")
    bid = bid_on(tender, people.north, 200000)
    submitted = bid_on(tender, people.river, 210000)
    with as_user(people.river):
        submit_bids([submitted])
    set_deadline(tender, dt.datetime.now() + dt.timedelta(days=days))
    return bid


def test_tender_closing(people):
    """Providers with a draft bid on a tender closing soon are reminded
    once; those who submitted are not"""
    Notification = Pool().get('commissioning.notification')
    bid = closing_bid(people)
    before = len(queued())
    Notification.send_reminders()
    mails = queued()[before:]
    assert [m[0] for m in mails] == ['North <bids@northside.example>']
    deadline = bid.tender.submission_deadline
    assert mails[0][1] == "Tender closing on %s: Closing tender" % (
        uk(deadline))
    assert {n.recipient for n in sent('tender_closing')} == {
        people.north, people.silent}
    assert client_notifications(people.north, 'commissioning.bid')
    # Nothing of the bids: not their prices
    assert not {"200000", "200,000", "210,000"} & set(
        mails[0][2].replace(".", " ").split())
    Notification.send_reminders()
    assert len(queued()) == before + 1
    assert len(sent('tender_closing')) == 2


def test_tender_closing_later(people):
    "A tender closing after the reminder days is not reminded yet"
    Notification = Pool().get('commissioning.notification')
    closing_bid(people, days=5)
    Notification.send_reminders()
    assert not sent('tender_closing')
    configure(notification_closing_days=6)
    Notification.send_reminders()
    assert sent('tender_closing')


def contract_returns(people, party=None):
    """Return an active contract of Northside (or party) and its returns
    by state: overdue, due within 5 days and later"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    Period = pool.get('commissioning.monitoring.period')
    contract = draft_contract(people.officer, party or people.northside)
    with as_user(people.finance):
        Contract.activate([contract])
    today = dt.date.today()
    returns = Return.search([('contract', '=', contract.id)],
        order=[('period.start_date', 'ASC')])
    # The last return is due in 3 days, the one before in 10
    move(Period, [returns[-1].period.id], due_date=today
        + dt.timedelta(days=3))
    move(Period, [returns[-2].period.id], due_date=today
        + dt.timedelta(days=10))
    return Contract(contract.id), Return.browse([r.id for r in returns])


def test_return_reminders(people):
    """The provider's users are reminded of a return due soon and of the
    overdue ones, once each; the other provider is not"""
    Notification = Pool().get('commissioning.notification')
    contract, returns = contract_returns(people)
    before = len(queued())
    Notification.send_reminders()
    mails = queued()[before:]
    # The officer is told the contract's performance notice is due
    notice = [m for m in mails if m[0] == 'Officer <officer@council.example>']
    assert [m[1] for m in notice] == [
        "Contract performance notice due: %s" % contract.rec_name]
    mails = [m for m in mails if m not in notice]
    assert {m[0] for m in mails} == {'North <bids@northside.example>'}
    due = returns[-1]
    subjects = [m[1] for m in mails]
    assert "Monitoring return due on %s: %s" % (
        due.period.due_date.strftime('%d/%m/%Y'), due.rec_name) in subjects
    overdue = [r for r in returns if r.period.due_date < dt.date.today()]
    assert sorted(n.origin.id for n in sent('return_overdue', people.north)
        ) == sorted(r.id for r in overdue)
    assert [n.origin for n in sent('return_due', people.north)] == [due]
    assert len(mails) == len(overdue) + 1
    assert not client_notifications(people.river)

    Notification.send_reminders()
    assert len(queued()) == before + len(mails) + len(notice)


def test_return_reminder_disabled(people):
    "Without the overdue event, only the return due soon is reminded"
    Notification = Pool().get('commissioning.notification')
    configure(notification_events=['return_due'])
    contract_returns(people)
    Notification.send_reminders()
    assert not sent('return_overdue')
    assert len(sent('return_due', people.north)) == 1


def test_return_sent_back(people):
    "The provider's users are told a return came back, with the comment"
    Return = Pool().get('commissioning.monitoring.return')
    contract, returns = contract_returns(people)
    record = fill_return(people.north, returns[0])
    with as_user(people.north):
        Return.submit([record])
    with as_user(people.officer):
        Return.write([record], {'review_comment': "Add the groups."})
        Return.send_back([record])
    mails = [m for m in queued() if "sent back" in m[1]]
    assert [m[0] for m in mails] == ['North <bids@northside.example>']
    assert mails[0][1] == "Monitoring return sent back: %s" % record.rec_name
    assert "Add the groups." in mails[0][2]
    assert len(sent('return_sent_back')) == 2


def test_payment_approved(people):
    """The officer who requested a payment is told of its approval, finance
    of its request and the provider's users of its approval"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Payment = pool.get('commissioning.contract.payment')
    Period = pool.get('commissioning.monitoring.period')
    contract, returns = contract_returns(people)
    # No return is overdue: the payment may be requested
    move(Period, [r.period.id for r in returns],
        due_date=dt.date.today() + dt.timedelta(days=10))
    Return.flag_overdue()
    record = fill_return(people.north, returns[0])
    with as_user(people.north):
        Return.submit([record])
    with as_user(people.officer):
        Return.accept([record])
    payment = contract.payments[0]
    Payment.write([payment], {'period': record.period.id})
    before = len(queued())
    with as_user(people.officer):
        Payment.request([payment])
    assert sorted(m[0] for m in queued()[before:]) == [
        'Finance <finance@council.example>',
        'Finance2 <finance2@council.example>']
    before = len(queued())
    with as_user(people.finance), Transaction().set_context(
            _skip_warnings=True):
        Payment.approve([Payment(payment.id)])
    mails = queued()[before:]
    assert sorted((m[0], m[1]) for m in mails) == [
        ('North <bids@northside.example>',
            "Payment approved: %s" % payment.rec_name),
        ('Officer <officer@council.example>',
            "Approved: Payment Release for %s" % payment.rec_name),
        ]
    north = addressed(mails, 'northside')[0]
    assert "25,000.00 on contract %s" % contract.rec_name in north[2]
    assert not client_notifications(people.river)


# Who reads the notifications

def test_notification_access(people, evaluator):
    """A provider reads the notifications sent to them only, by read,
    search, a search on a dotted path and export; the officer reads every
    one; nobody writes, creates or deletes one"""
    Notification = Pool().get('commissioning.notification')
    publish_tender(people.officer, people.finance)
    north, = sent('tender_published', people.north)
    river, = sent('tender_published', people.river)
    with as_user(people.river):
        assert Notification.search([]) == [river]
        assert Notification.search_count(
            [('recipient.login', '=', 'north')]) == 0
        assert Notification.search_count(
            [('origin', '=', str(north.origin))]) == 1
        with pytest.raises(AccessError):
            Notification.read([north.id], ['subject'])
        with pytest.raises(AccessError):
            Notification.export_data([Notification(north.id)], ['subject'])
        assert Notification.export_data([river], ['subject'])
    with as_user(people.finance):
        assert {n.event for n in Notification.search([])} == {
            'approval_requested'}
    with as_user(people.officer):
        assert north in Notification.search([])
        assert river in Notification.search([])
    for user in [people.officer, people.finance, people.river, evaluator]:
        with as_user(user):
            with pytest.raises(AccessError):
                Notification.write([Notification(river.id)],
                    {'subject': "Changed"})
            with pytest.raises(AccessError):
                Notification.create([{
                            'event': 'tender_published',
                            'origin': str(river.origin),
                            'recipient': user.id,
                            }])
            with pytest.raises(AccessError):
                Notification.delete([Notification(river.id)])
    assert Notification(river.id).subject == river.subject


def test_client_notification_own(people):
    "A provider reads their own client notifications, not another's"
    UserNotification = Pool().get('res.notification')
    publish_tender(people.officer, people.finance)
    # As the commit stores them
    UserNotification.save(Transaction().user_notifications)
    north, = UserNotification.search([('user', '=', people.north.id)])
    with as_user(people.north):
        assert UserNotification.search([]) == [north]
    with as_user(people.river):
        assert UserNotification.search_count(
            [('user', '=', people.north.id)]) == 0
        with pytest.raises(AccessError):
            UserNotification.read([north.id], ['label'])


# The reminders on lists

def reminders(people, size):
    """The provider, who has an address, is reminded of the overdue returns
    of contracts and of draft bids on tenders closing tomorrow"""
    pool = Pool()
    Notification = pool.get('commissioning.notification')
    Tender = pool.get('commissioning.tender')
    with_email(people.provider, 'bids@northside.example')
    active_contracts(people, size)
    tenders = published_tenders(people, size)
    draft_bids(people.provider, tenders)
    move(Tender, [t.id for t in tenders],
        submission_deadline=dt.datetime.now() + dt.timedelta(days=1))
    before = len(queued())
    yield Step("Send reminders (scheduled)", None,
        lambda _: Notification.send_reminders(), None)
    assert len(sent('tender_closing')) == size
    assert len(sent('return_overdue')) >= size
    assert len(queued()) - before == len(sent('tender_closing')) + len(
        sent('return_overdue')) + len(sent('return_due'))
    yield Step("Send reminders again (scheduled)", None,
        lambda _: Notification.send_reminders(), None)


def test_reminders_flat(database):
    "The reminders of n and 10n contracts take the same queries"
    small, large = (measure_scenario(database, reminders, size)
        for size in (2, 20))
    assert len(small) == len(large) == 2
    for (label, n), (_, ten_n) in zip(small, large):
        assert_flat(n.queries, ten_n.queries, label)


# On commit: the e-mails the server received

class Committing:
    """Steps of a lifecycle, each in a transaction of its own committed at
    its end, on a database used for them alone"""

    def __init__(self, database):
        self.database = database
        self.ids = {}

    def __call__(self, step, user=1, rollback=False):
        """Call step with the ids as user (the scheduler when 0) in a
        transaction committed, or rolled back, at its end; keep the ids of
        the records it returns"""
        company = self.ids.get('company')
        context = {'_skip_warnings': True}
        if company:
            context.update(company=company, companies=[company])
        with Transaction().start(
                self.database, user, context=context) as transaction:
            records = step(SimpleNamespace(**self.ids)) or {}
            if rollback:
                transaction.rollback()
            else:
                transaction.commit()
        self.ids.update({k: v.id for k, v in records.items()})

    def client_labels(self, key):
        "Return the labels of the client notifications of the user of key"
        with Transaction().start(self.database, 1):
            Notification = Pool().get('res.notification')
            return [n.label for n in Notification.search(
                    [('user', '=', self.ids[key])], order=[('id', 'ASC')])]

    def rec_name(self, model, key):
        "Return the name of the record of key"
        with Transaction().start(self.database, 1):
            return Pool().get(model)(self.ids[key]).rec_name


def received(inbox):
    "Return {address: [subject]} of the e-mails received since the last call"
    result = {}
    for message in inbox.take():
        assert message.sender == SENDER
        for address in message.to:
            result.setdefault(address, []).append(message.subject)
    return result


@pytest.fixture
def committing(module_database, smtp):
    "A database for the steps that commit, activated again after them"
    database = module_database.activate()
    module_database.clean = False
    run = Committing(database)
    run(setup_people)
    smtp.take()
    return run


def test_committed_tender(committing, smtp):
    """The events of a tender send their e-mails when the transaction
    commits, to the users told, naming the tender; nothing is sent on
    rollback; the closing reminder is not sent twice"""
    run = committing
    run(request_approval)
    sign_off = ("Sign-off needed: Tender Budget for "
        "Trusted adults for children")
    assert received(smtp) == {
        'finance@council.example': [sign_off],
        'finance2@council.example': [sign_off],
        }

    run(approve, rollback=True)
    assert received(smtp) == {}
    assert run.client_labels('officer') == []
    run(approve)
    assert received(smtp) == {'officer@council.example': [
            "Approved: Tender Budget for Trusted adults for children"]}

    run(publish)
    published = "New tender open for bids: Trusted adults for children"
    assert received(smtp) == {
        'bids@northside.example': [published],
        'bids@riverside.example': [published],
        }
    # Without an address, in the client only
    assert run.client_labels('silent') == [published]
    assert run.client_labels('north') == [published]

    run(draft_bid_closing)
    assert received(smtp) == {}
    run(send_reminders, user=0)
    mails = received(smtp)
    assert list(mails) == ['bids@northside.example']
    closing, = mails['bids@northside.example']
    assert closing.startswith("Tender closing on ")
    assert closing.endswith(": Trusted adults for children")
    run(send_reminders, user=0)
    assert received(smtp) == {}


def test_committed_monitoring(committing, smtp):
    """The contract activation, the overdue returns (once), the return sent
    back, the payment requested and approved send their e-mails on commit
    to the users told, naming the record"""
    run = committing
    run(activate_contract)
    contract = run.rec_name('commissioning.contract', 'contract')
    assert received(smtp) == {'officer@council.example': [
            "Approved: Contract Activation for %s" % contract]}

    run(send_reminders, user=0)
    mails = received(smtp)
    # The officer is told the contract's performance notice is due
    assert mails.pop('officer@council.example') == [
        "Contract performance notice due: %s" % contract]
    assert list(mails) == ['bids@northside.example']
    assert all(s.startswith("Monitoring return overdue: %s (" % contract)
        for s in mails['bids@northside.example'])
    run(send_reminders, user=0)
    assert received(smtp) == {}

    run(send_back)
    return_ = run.rec_name('commissioning.monitoring.return', 'return_')
    assert received(smtp) == {'bids@northside.example': [
            "Monitoring return sent back: %s" % return_]}

    run(request_payment)
    payment = run.rec_name('commissioning.contract.payment', 'payment')
    sign_off = "Sign-off needed: Payment Release for %s" % payment
    assert received(smtp) == {
        'finance@council.example': [sign_off],
        'finance2@council.example': [sign_off],
        }
    run(approve_payment)
    assert received(smtp) == {
        'officer@council.example': [
            "Approved: Payment Release for %s" % payment],
        'bids@northside.example': ["Payment approved: %s" % payment],
        }


# The steps of the committed lifecycles

def setup_people(ids):
    "The company and its users"
    company = create_company()
    with set_company(company):
        people = make_people(
            make_user('officer', 'group_commissioning'),
            make_user('finance', 'group_commissioning_finance'))
    return dict(vars(people), company=company)


def _user(ids, key):
    return Pool().get('res.user')(getattr(ids, key))


def request_approval(ids):
    Tender = Pool().get('commissioning.tender')
    with as_user(_user(ids, 'officer')):
        tender = make_tender(name="Trusted adults for children")
        Tender.request_approval([tender])
    return {'tender': tender}


def approve(ids):
    Tender = Pool().get('commissioning.tender')
    with as_user(_user(ids, 'finance')):
        Tender.approve([Tender(ids.tender)])


def publish(ids):
    Tender = Pool().get('commissioning.tender')
    with as_user(_user(ids, 'officer')):
        Tender.publish([Tender(ids.tender)])


def draft_bid_closing(ids):
    """A draft bid of Northside on the tender, and one of Riverside
    submitted; the tender closes in two days"""
    pool = Pool()
    Tender = pool.get('commissioning.tender')
    tender = Tender(ids.tender)
    bid = bid_on(tender, _user(ids, 'north'), 200000)
    submitted = bid_on(tender, _user(ids, 'river'), 210000)
    with as_user(_user(ids, 'river')):
        submit_bids([submitted])
    set_deadline(tender, dt.datetime.now() + dt.timedelta(days=2))
    return {'bid': bid}


def send_reminders(ids):
    "The scheduled task, as the scheduler runs it"
    pool = Pool()
    Cron = pool.get('ir.cron')
    ModelData = pool.get('ir.model.data')
    Cron.run_once([Cron(ModelData.get_id(
                    'childfirst_commissioning', 'cron_send_reminders'))])


def activate_contract(ids):
    "A contract with Northside, activated by finance"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Party = pool.get('party.party')
    contract = draft_contract(
        _user(ids, 'officer'), Party(ids.northside))
    with as_user(_user(ids, 'finance')):
        Contract.activate([contract])
    return {'contract': contract}


def send_back(ids):
    """Northside submits the first return, the officer sends it back; no
    return is overdue any more"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Period = pool.get('commissioning.monitoring.period')
    returns = Return.search([('contract', '=', ids.contract)],
        order=[('period.start_date', 'ASC')])
    move(Period, [r.period.id for r in returns],
        due_date=dt.date.today() + dt.timedelta(days=10))
    Return.flag_overdue()
    record = fill_return(_user(ids, 'north'), returns[0])
    with as_user(_user(ids, 'north')):
        Return.submit([record])
    with as_user(_user(ids, 'officer')):
        Return.write([record], {'review_comment': "Add the groups."})
        Return.send_back([record])
    return {'return_': record}


def request_payment(ids):
    """Northside submits the return again, the officer accepts it and
    requests the payment of its period"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Payment = pool.get('commissioning.contract.payment')
    Contract = pool.get('commissioning.contract')
    record = Return(ids.return_)
    with as_user(_user(ids, 'north')):
        Return.submit([record])
    with as_user(_user(ids, 'officer')):
        Return.accept([record])
    payment = Contract(ids.contract).payments[0]
    Payment.write([payment], {'period': record.period.id})
    with as_user(_user(ids, 'officer')):
        Payment.request([payment])
    return {'payment': payment}


def approve_payment(ids):
    Payment = Pool().get('commissioning.contract.payment')
    with as_user(_user(ids, 'finance')):
        Payment.approve([Payment(ids.payment)])
