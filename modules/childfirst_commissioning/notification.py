# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Notifications: the users are told, by e-mail and in the client, when
something waits for them.

The transitions call the function of their event with the records of the
button; the scheduled task sends the reminders (tender closing, return due,
return overdue) once. Each notice goes to a user in their own language: a
``res.notification`` that opens the record in the client and an e-mail to
the users who have an address, both when the transaction commits, and a
``commissioning.notification`` that records it was sent."""
import datetime as dt
import json
import textwrap
from collections import defaultdict, namedtuple
from email.message import EmailMessage
from email.utils import formataddr

import trytond.config as config
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.sendmail import send_message_transactional
from trytond.tools import grouped_slice
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction, without_check_access

from .access import AccessMixin
from .gate import MODULE

EVENTS = [
    ('approval_requested', "Approval Requested"),
    ('approval_decided', "Approval Decided"),
    ('tender_published', "Tender Published"),
    ('tender_closing', "Tender Closing Soon"),
    ('return_due', "Return Due Soon"),
    ('return_overdue', "Return Overdue"),
    ('return_sent_back', "Return Sent Back"),
    ('payment_approved', "Payment Approved"),
    ('answers_published', "Clarification Answers Published"),
    ('tender_amended', "Tender Amended"),
    ('performance_notice_due', "Contract Performance Notice Due"),
    ('failure_recorded', "Performance Failure Recorded"),
    ]
# The events the scheduled task sends, once per record, user and date
REMINDERS = {
    'tender_closing', 'return_due', 'return_overdue',
    'performance_notice_due'}

# A notice to send: the event, the record it is about, the user told, the
# values of its message (a value may be a function of the user's ir.lang)
# and the date of a reminder
Notice = namedtuple(
    'Notice', ['event', 'record', 'user', 'values', 'date'],
    defaults=[None])


class Notification(AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.notification'
    __string__ = "Commissioning Notification"
    _rec_name = 'subject'

    event = fields.Selection(EVENTS, "Event", required=True, readonly=True)
    origin = fields.Reference(
        "Record", selection='get_origins', required=True, readonly=True)
    recipient = fields.Many2One(
        'res.user', "Recipient", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.Date(
        "Reminder Date", readonly=True,
        help="The deadline or due date a reminder was sent for: a reminder "
        "is sent once per date.")
    subject = fields.Char("Subject", readonly=True)
    emailed = fields.Boolean(
        "E-mailed", readonly=True,
        help="An e-mail was sent to the recipient's address.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('reminder_unique',
                Unique(t, t.event, t.origin, t.recipient, t.date),
                'childfirst_commissioning.msg_notification_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.origin, Index.Equality()),
                (t.event, Index.Equality())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_origins(cls):
        Model = Pool().get('ir.model')
        return [(None, '')] + [
            (m, Model.get_name(m)) for m in cls._get_origins()]

    @classmethod
    def _get_origins(cls):
        return [
            'commissioning.tender', 'commissioning.bid',
            'commissioning.contract', 'commissioning.contract.payment',
            'commissioning.monitoring.return',
            'commissioning.tender.amendment',
            'commissioning.contract.change', 'commissioning.tender.lot',
            'commissioning.contract.failure']

    @classmethod
    def send_reminders(cls):
        """Send the reminders that are due and were not sent: tenders
        closing soon, returns due soon and overdue returns, contract
        performance notices due"""
        send(unsent(closing_notices() + return_notices()
                + performance_notice_notices()))


# Who is told

def _group_users(xml_id):
    "Return the active users of the group of the module"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    with without_check_access():
        return User.search([
                ('groups', '=', ModelData.get_id(MODULE, xml_id)),
                ('active', '=', True),
                ], order=[('id', 'ASC')])


def company_users(xml_id, companies):
    """Return {company id: [user]} of the active users of the group who
    work in each of the companies"""
    wanted = {c.id for c in companies}
    result = defaultdict(list)
    for user in _group_users(xml_id):
        for company in user.companies:
            if company.id in wanted:
                result[company.id].append(user)
    return result


def party_users(parties):
    """Return {party id: [user]} of the active provider users who act for
    each of the parties"""
    UserParty = Pool().get('commissioning.user-party.party')
    ids = list({p.id for p in parties})
    result = defaultdict(list)
    if not ids:
        return result
    with without_check_access():
        links = UserParty.search(
            [('party', 'in', ids)], order=[('id', 'ASC')])
    for link in links:
        if link.user.active:
            result[link.party.id].append(link.user)
    return result


def registered_providers(companies):
    """Return {company id: [user]} of the registered providers: the active
    users of the provider group who act for at least one organisation and
    work in the company"""
    return {c: [u for u in users if u.commissioning_parties]
        for c, users in company_users(
            'group_commissioning_provider', companies).items()}


# The events of the transitions

def approval_requested(records, gate):
    """Tell finance of the records' company that the records wait for
    their sign-off of gate. The user who asks is not told: they may not
    sign off their own request."""
    User = Pool().get('res.user')
    requester = Transaction().user
    name = User(requester).rec_name

    def company(record):
        return getattr(record, 'company', None) or record.contract.company
    users = company_users(
        'group_commissioning_finance', {company(r) for r in records})
    send([Notice('approval_requested', r, u, {
                    'record': r.rec_name,
                    'gate': _gate(gate),
                    'requester': name,
                    })
          for r in records for u in users.get(company(r).id, [])
          if u.id != requester])


def approval_decided(signoffs):
    "Tell the user who requested each sign-off that it was decided"
    send([Notice('approval_decided', s.origin, s.requested_by, {
                    'record': s.origin.rec_name,
                    'gate': _gate(s.gate),
                    'decider': s.user.rec_name,
                    'decision': s.decision,
                    'reason': (s.comment or '').strip(),
                    })
          for s in signoffs
          if s.requested_by and s.requested_by != s.user])


def tender_published(tenders):
    "Tell the registered providers that the tenders are open for bids"
    users = registered_providers({t.company for t in tenders})
    send([Notice('tender_published', t, u, {
                    'tender': t.rec_name,
                    'deadline': _datetime(t.submission_deadline),
                    })
          for t in tenders for u in users.get(t.company.id, [])])


def return_sent_back(returns):
    "Tell the provider's users that the returns came back to them"
    users = party_users([r.contract.provider for r in returns])
    send([Notice('return_sent_back', r, u, {
                    'return_': r.rec_name,
                    'comment': (r.review_comment or '').strip(),
                    })
          for r in returns for u in users[r.contract.provider.id]])


def payment_approved(payments):
    """Tell the provider's users that the payments were approved (the
    officer who requested them is told by the sign-off)"""
    users = party_users([p.contract.provider for p in payments])
    send([Notice('payment_approved', p, u, {
                    'payment': p.rec_name,
                    'contract': p.contract.rec_name,
                    'amount': _money(p.amount, p.contract.currency),
                    })
          for p in payments for u in users[p.contract.provider.id]])


def answers_published(questions):
    """Tell the registered providers that answers to clarification
    questions on the tenders were published, without saying who asked"""
    tenders = {q.tender for q in questions}
    users = registered_providers({t.company for t in tenders})
    send([Notice('answers_published', t, u, {
                    'tender': t.rec_name,
                    'count': len([q for q in questions if q.tender == t]),
                    })
          for t in tenders for u in users.get(t.company.id, [])])


def tender_amended(amendments, bids):
    """Tell the users of the organisations that bid that the tenders were
    amended, asking those whose bids are submitted to confirm them again"""
    users = party_users([b.provider for b in bids])
    by_tender = {a.tender: a for a in amendments}
    send([Notice('tender_amended', b.tender, u, {
                    'tender': b.tender.rec_name,
                    'reason': (by_tender[b.tender].reason or '').strip(),
                    'deadline': _datetime(b.tender.submission_deadline),
                    })
          for b in bids if b.tender in by_tender
          for u in users[b.provider.id]])


def failure_recorded(failures):
    """Tell the provider's users and the officers of the company that a
    performance failure was recorded on the contract: not the officer who
    recorded it by hand (the server records the failures it detects)"""
    transaction = Transaction()
    recorder = transaction.user if transaction.check_access else None
    providers = party_users([f.contract.provider for f in failures])
    officers = company_users(
        'group_commissioning', {f.contract.company for f in failures})
    send([Notice('failure_recorded', f, u, {
                    'failure': f.rec_name,
                    'contract': f.contract.rec_name,
                    'description': (f.description or '').strip(),
                    })
          for f in failures
          for u in (providers[f.contract.provider.id]
              + officers.get(f.contract.company.id, []))
          if u.id != recorder])


# The reminders of the scheduled task

def closing_notices():
    """Return the notices to the providers with a draft bid on a tender
    that closes within the days of the configuration"""
    pool = Pool()
    Configuration = pool.get('commissioning.configuration')
    Bid = pool.get('commissioning.bid')
    now = dt.datetime.now()
    days = Configuration(1).notification_closing_days
    with without_check_access():
        bids = Bid.search([
                ('state', '=', 'draft'),
                ('tender.state', '=', 'published'),
                ('tender.submission_deadline', '>', now),
                ('tender.submission_deadline', '<=',
                    now + dt.timedelta(days=days)),
                ], order=[('id', 'ASC')])
        users = party_users([b.provider for b in bids])
        return [Notice('tender_closing', b, u, {
                        'tender': b.tender.rec_name,
                        'deadline': _datetime(b.tender.submission_deadline),
                        }, b.tender.submission_deadline.date())
            for b in bids for u in users[b.provider.id]]


def return_notices():
    """Return the notices to the provider's users of the draft returns due
    within the days of the configuration and of the overdue ones"""
    pool = Pool()
    Configuration = pool.get('commissioning.configuration')
    Return = pool.get('commissioning.monitoring.return')
    today = pool.get('ir.date').today()
    days = Configuration(1).notification_due_days
    with without_check_access():
        returns = Return.search([
                ('state', '=', 'draft'),
                ('contract.state', '=', 'active'),
                ('period.due_date', '<=', today + dt.timedelta(days=days)),
                ], order=[('id', 'ASC')])
        users = party_users([r.contract.provider for r in returns])
        return [Notice(
                    'return_due' if r.period.due_date >= today
                    else 'return_overdue', r, u, {
                        'return_': r.rec_name,
                        'due': _date(r.period.due_date),
                        }, r.period.due_date)
            for r in returns for u in users[r.contract.provider.id]]


def performance_notice_notices():
    """Return the notices to the officers of the contract's company of the
    active contracts whose performance notice is due, once per due date"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    PerformanceNotice = pool.get(
        'commissioning.contract.performance_notice')
    with without_check_access():
        contracts = Contract.search([
                ('performance_notice_due', '=', True),
                ], order=[('id', 'ASC')])
        due = PerformanceNotice.due_dates(contracts)
        users = company_users(
            'group_commissioning', {c.company for c in contracts})
        return [Notice('performance_notice_due', c, u, {
                        'contract': c.rec_name,
                        'due': _date(due[c.id]),
                        }, due[c.id])
            for c in contracts for u in users.get(c.company.id, [])]


def unsent(notices):
    "Return the notices of reminders that were not sent before"
    Notification = Pool().get('commissioning.notification')
    origins = list({str(n.record) for n in notices})
    if not origins:
        return []
    sent = set()
    with without_check_access():
        for sub_origins in grouped_slice(origins, backend.MAX_QUERY_PARAMS):
            sent.update((n.event, str(n.origin), n.recipient.id, n.date)
                for n in Notification.search([
                        ('origin', 'in', list(sub_origins)),
                        ('event', 'in', list(REMINDERS)),
                        ]))
    return [n for n in notices
        if (n.event, str(n.record), n.user.id, n.date) not in sent]


# Sending

def send(notices):
    """Send the notices of the events the configuration turns on: a client
    notification each, an e-mail to the users who have an address"""
    pool = Pool()
    Configuration = pool.get('commissioning.configuration')
    Notification = pool.get('commissioning.notification')
    UserNotification = pool.get('res.notification')
    configuration = Configuration(1)
    events = set(configuration.notification_events or [])
    notices = [n for n in notices if n.event in events]
    if not notices:
        return
    records, client = [], []
    with without_check_access():
        groups = _by_language(notices)
    for language, group in groups.items():
        formatted = {}
        with Transaction().set_context(language=language):
            for notice in group:
                subject, body = _texts(notice, language, formatted)
                emailed = bool(configuration.notification_email
                    and notice.user.email)
                if emailed:
                    _email(notice.user, subject, body)
                client.append(_client(notice, subject, body))
                records.append(_record(notice, subject, emailed))
    # Stored when the transaction commits, as ModelStorage.notify_user does
    Transaction().user_notifications.extend(
        UserNotification(**v) for v in client)
    with without_check_access():
        Notification.create(records)


def _by_language(notices):
    "Return {language code: [notice]}"
    default = config.get('database', 'language')
    result = defaultdict(list)
    for notice in notices:
        language = notice.user.language
        result[language.code if language else default].append(notice)
    return result


def _texts(notice, language, formatted):
    """Return the subject and the body of notice in language, formatted the
    values already formatted in it"""
    Lang = Pool().get('ir.lang')
    lang = Lang.get(language)
    values = {}
    for key, value in notice.values.items():
        if callable(value):
            if value not in formatted:
                formatted[value] = value(lang)
            value = formatted[value]
        values[key] = value
    name = 'msg_notify_%s' % notice.event
    if notice.event == 'approval_decided':
        name += '_' + values['decision']
    subject = gettext('%s.%s_subject' % (MODULE, name), **values)
    paragraphs = [gettext('%s.%s_body' % (MODULE, name), **values)]
    if values.get('reason'):
        paragraphs.append(gettext(
                '%s.msg_notify_decision_reason' % MODULE, **values))
    paragraphs.append(gettext(
            '%s.msg_notify_link' % MODULE, link=notice.record.__href__))
    return subject, "\n\n".join(paragraphs)


def _email(user, subject, body):
    "Send the e-mail to user when the transaction commits"
    sender = config.get('email', 'from')
    msg = EmailMessage()
    set_from_header(msg, sender, sender)
    msg['To'] = formataddr((user.name or '', user.email))
    msg['Subject'] = subject
    msg['Auto-Submitted'] = 'auto-generated'
    msg.set_content(body)
    send_message_transactional(msg)


def _client(notice, subject, body):
    "Return the values of the client notification of notice"
    return {
        'user': notice.user.id,
        'label': subject,
        'description': textwrap.shorten(
            body.split("\n\n", 1)[0], width=200, placeholder="…"),
        'icon': 'tryton-notification',
        'model': notice.record.__name__,
        'records': json.dumps([notice.record.id]),
        }


def _record(notice, subject, emailed):
    "Return the values of the record that notice was sent"
    return {
        'event': notice.event,
        'origin': str(notice.record),
        'recipient': notice.user.id,
        'date': notice.date,
        'subject': subject,
        'emailed': emailed,
        }


# The values of the messages: each is formatted in the language of the
# user told, once per language

class _Gate(namedtuple('_Gate', ['gate'])):
    "The name of a sign-off gate"
    __slots__ = ()

    def __call__(self, lang):
        Signoff = Pool().get('commissioning.signoff')
        selection = Signoff.fields_get(['gate'])['gate']['selection']
        return dict(selection)[self.gate]


class _Date(namedtuple('_Date', ['value', 'time'], defaults=[False])):
    "A date, or a date and time to the minute"
    __slots__ = ()

    def __call__(self, lang):
        if not self.value:
            return "—"
        return lang.strftime(
            self.value, lang.date + (' %H:%M' if self.time else ''))


class _Money(namedtuple('_Money', ['amount', 'currency'])):
    "An amount of a currency"
    __slots__ = ()

    def __call__(self, lang):
        return lang.currency(self.amount, self.currency, grouping=True)


def _gate(gate):
    return _Gate(gate)


def _date(value):
    return _Date(value)


def _datetime(value):
    return _Date(value, True)


def _money(amount, currency):
    return _Money(amount, currency)
