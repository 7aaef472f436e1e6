# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import AwardError
from .gate import bullets, checklist_text


def add_working_days(date, days):
    "Return the date days working days (Monday to Friday) after date"
    while days > 0:
        date += dt.timedelta(days=1)
        if date.weekday() < 5:
            days -= 1
    return date


class Tender(metaclass=PoolMeta):
    __name__ = 'commissioning.tender'

    winning_bid = fields.Many2One(
        'commissioning.bid', "Winning Bid",
        domain=[
            ('tender', '=', Eval('id', -1)),
            ('eligible', '=', True),
            ],
        states={
            'readonly': Eval('state') != 'moderated',
            'invisible': ~Eval('state').in_(
                ['moderated', 'award_pending', 'awarded', 'contracted']),
            },
        help="Left empty, the top-ranked eligible bid is recommended.")
    award_reason = fields.Text(
        "Award Reason",
        states={
            'readonly': Eval('state') != 'moderated',
            'invisible': ~Eval('state').in_(
                ['moderated', 'award_pending', 'awarded', 'contracted']),
            },
        help="Required when the recommended bid is not the top-ranked one.")
    award_requested_by = fields.Many2One(
        'res.user', "Award Recommended By", readonly=True)
    award_date = fields.Date("Award Date", readonly=True)
    standstill_end = fields.Date(
        "Standstill End", readonly=True,
        help="The contract can be created after this date.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('moderated', 'award_pending'),
            ('award_pending', 'awarded'),
            ('award_pending', 'moderated'),
            ('award_pending', 'cancelled'),
            }
        cls._buttons.update({
                'recommend_award': {
                    'invisible': Eval('state') != 'moderated',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve_award': {
                    'invisible': Eval('state') != 'award_pending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })
        cls._buttons['reject']['invisible'] = ~Eval('state').in_(
            ['pending_approval', 'award_pending'])
        cls._buttons['cancel']['invisible'] = ~Eval('state').in_([
                'draft', 'pending_approval', 'approved', 'published',
                'closed', 'evaluation', 'moderated', 'award_pending'])

    @classmethod
    def _writable_after_draft(cls):
        return super()._writable_after_draft() | {
            'winning_bid', 'award_reason'}

    @classmethod
    def _workflow_fields(cls):
        return super()._workflow_fields() | {
            'award_requested_by', 'award_date', 'standstill_end'}

    @classmethod
    def check_modification(cls, mode, tenders, values=None, external=False):
        super().check_modification(
            mode, tenders, values=values, external=external)
        if external and mode == 'write' and set(values or {}) & {
                'winning_bid', 'award_reason'}:
            for tender in tenders:
                if tender.state != 'moderated':
                    raise AwardError(gettext(
                            'childfirst_commissioning.msg_award_locked',
                            tender=tender.rec_name))

    def top_ranked_bid(self):
        Bid = Pool().get('commissioning.bid')
        bids = Bid.search([
                ('tender', '=', self.id),
                ('eligible', '=', True),
                ('rank', '!=', None),
                ], order=[('rank', 'ASC')], limit=1)
        return bids[0] if bids else None

    def award_checks(self):
        "Return the failing checks of the award recommendation"
        failures = []
        top = self.top_ranked_bid()
        bid = self.winning_bid or top
        if not bid:
            failures.append(gettext(
                    'childfirst_commissioning.msg_award_no_bid'))
        elif not bid.eligible:
            failures.append(gettext(
                    'childfirst_commissioning.msg_award_ineligible',
                    bid=bid.rec_name, reason=bid.exclusion_reason or ''))
        elif bid != top and not (self.award_reason or '').strip():
            failures.append(gettext(
                    'childfirst_commissioning.msg_award_reason',
                    bid=bid.rec_name, top=top.rec_name if top else ''))
        return failures

    @classmethod
    @ModelView.button
    @Workflow.transition('award_pending')
    def recommend_award(cls, tenders):
        for tender in tenders:
            failures = tender.award_checks()
            if failures:
                raise AwardError(gettext(
                        'childfirst_commissioning.msg_award_gate',
                        tender=tender.rec_name,
                        failures=bullets(failures)))
            if not tender.winning_bid:
                tender.winning_bid = tender.top_ranked_bid()
            tender.award_requested_by = Transaction().user
        cls.save(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('awarded')
    def approve_award(cls, tenders):
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        Bid = pool.get('commissioning.bid')
        Configuration = pool.get('commissioning.configuration')
        Date = pool.get('ir.date')
        config = Configuration(1)
        today = Date.today()
        winners, losers = [], []
        for tender in tenders:
            failures = tender.award_checks()
            if failures:
                raise AwardError(gettext(
                        'childfirst_commissioning.msg_award_gate',
                        tender=tender.rec_name,
                        failures=bullets(failures)))
            checks = [(gettext('childfirst_commissioning.msg_award_label'),
                    failures)]
            lines = checklist_text(checks).splitlines() + [
                gettext('childfirst_commissioning.msg_award_signoff_bid',
                    bid=tender.winning_bid.rec_name,
                    total=tender.winning_bid.total_score,
                    rank=tender.winning_bid.rank or '—')]
            Signoff.record(
                tender, 'award', 'approved', lines,
                requested_by=tender.award_requested_by,
                comment=tender.award_reason)
            days = 0 if tender.kind == 'grant' else config.standstill_days
            tender.award_date = today
            tender.standstill_end = add_working_days(today, days)
            winners.append(tender.winning_bid)
            losers.extend(b for b in tender.bids
                if b.state == 'submitted' and b != tender.winning_bid)
        cls.save(tenders)
        Bid.award(winners)
        Bid.lose(losers)

    def standstill_over(self, date=None):
        "Whether the contract may be created on date (today by default)"
        Date = Pool().get('ir.date')
        date = date or Date.today()
        if not self.award_date:
            return False
        if self.standstill_end == self.award_date:
            return True
        return date > self.standstill_end


class Bid(metaclass=PoolMeta):
    __name__ = 'commissioning.bid'

    @classmethod
    @Workflow.transition('awarded')
    def award(cls, bids):
        pass

    @classmethod
    @Workflow.transition('unsuccessful')
    def lose(cls, bids):
        pass
