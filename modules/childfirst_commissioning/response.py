# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The answers of a bid, criterion by criterion, with their assessment,
scores and moderation."""
import datetime as dt
from decimal import Decimal

from sql.aggregate import Avg, Count, Max, Min

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from .access import AccessMixin
from .bid import is_provider_user
from .common import quantize
from .exceptions import LockedError, RelationError, ScoreError
from .states import ASSESSMENT_STATES, BID_STATES, EVALUATED_STATES
from .validation import InputMixin, check_fixed


class BidResponse(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.bid.response'
    __string__ = "Bid Response"

    bid = fields.Many2One(
        'commissioning.bid', "Bid", required=True, ondelete='CASCADE')
    # A criterion of the bid's tender (check_criterion_tender: a domain
    # on the function field tender would be validated on every write, with
    # a search per tender)
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE', readonly=True,
        help="The criterion of the tender this answer responds to.")
    tender = fields.Function(
        fields.Many2One('commissioning.tender', "Tender"),
        'on_change_with_tender')
    method = fields.Function(
        fields.Selection('get_methods', "Method"), 'on_change_with_method')
    response = fields.Text(
        "Response",
        states={
            'readonly': Eval('bid_state', 'draft') != 'draft',
            'invisible': Eval('method') == 'price',
            },
        help="How the bid meets the criterion, in plain words the evaluators"
        " and the children's panel can follow.")
    passed = fields.Boolean(
        "Passed",
        states={
            'invisible': Eval('method') != 'pass_fail',
            },
        help="Set by an officer when assessing a pass/fail criterion.")
    bid_state = fields.Function(
        fields.Selection(BID_STATES, "Bid State"),
        'on_change_with_bid_state')

    scores = fields.One2Many(
        'commissioning.score', 'response', "Scores", readonly=True)
    mean_score = fields.Function(
        fields.Numeric("Mean Score", digits=(16, 2),
            help="The average of the evaluators' scores."), 'get_score_values')
    spread = fields.Function(
        fields.Integer("Spread",
            help="The difference between the highest and the lowest score: a"
            " wide spread needs a moderated score."), 'get_score_values')
    # Lazy: only officers, finance and administrators read the moderation
    # (field access), and a client reading a response's eager fields must
    # not fail for the others
    moderated_score = fields.Numeric(
        "Moderated Score", digits=(16, 2), loading='lazy',
        states={
            'readonly': Eval('tender_state') != 'evaluation',
            'invisible': Eval('method') != 'scored',
            },
        help="Agreed at moderation when the evaluators' scores differ.")
    moderation_rationale = fields.Text(
        "Moderation Rationale", loading='lazy',
        states={
            'readonly': Eval('tender_state') != 'evaluation',
            'invisible': Eval('method') != 'scored',
            'required': Bool(Eval('moderated_score')),
            },
        help="Why the moderated score was agreed; the bidder reads it in "
        "their assessment summary.")
    moderated_by = fields.Many2One(
        'res.user', "Moderated By", readonly=True, loading='lazy',
        states={
            'invisible': Eval('method') != 'scored',
            },
        help="The officer who recorded the moderated score.")
    moderated_at = fields.DateTime(
        "Moderated At", readonly=True, loading='lazy',
        states={
            'invisible': Eval('method') != 'scored',
            },
        help="When the moderated score was recorded.")
    final_score = fields.Function(
        fields.Numeric("Final Score", digits=(16, 2),
            help="The moderated score if there is one, otherwise the average"
            " score."), 'get_score_values')
    weighted_score = fields.Function(
        fields.Numeric("Weighted Score", digits=(16, 2)), 'get_score_values')
    tender_state = fields.Function(
        fields.Selection('get_tender_states', "Tender State"),
        'on_change_with_tender_state')

    assessment = fields.Selection([
            (None, "Not Assessed"),
            ('passed', "Passed"),
            ('failed', "Failed"),
            ], "Assessment",
        states={
            'invisible': Eval('method') != 'pass_fail',
            'readonly': ~Eval('tender_state').in_(ASSESSMENT_STATES),
            },
        help="The officer's assessment of a pass/fail answer. It sets "
        "\"Passed\".")
    assessed_by = fields.Many2One(
        'res.user', "Assessed By", readonly=True,
        states={
            'invisible': Eval('method') != 'pass_fail',
            },
        help="The officer who assessed the pass/fail answer.")
    assessed_at = fields.DateTime(
        "Assessed At", readonly=True,
        states={
            'invisible': Eval('method') != 'pass_fail',
            },
        help="When the pass/fail answer was assessed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.bid, Index.Range())),
                # The ranking finds the failed answers of a criterion
                Index(t, (t.criterion, Index.Range())),
                })
        cls._order = [('criterion.sequence', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def get_methods(cls):
        Criterion = Pool().get('commissioning.tender.criterion')
        return Criterion.fields_get(['method'])['method']['selection']

    @fields.depends('bid', '_parent_bid.tender')
    def on_change_with_tender(self, name=None):
        if self.bid and self.bid.tender:
            return self.bid.tender.id

    @fields.depends('criterion', '_parent_criterion.method')
    def on_change_with_method(self, name=None):
        if self.criterion:
            return self.criterion.method

    @fields.depends('bid', '_parent_bid.state')
    def on_change_with_bid_state(self, name=None):
        if self.bid:
            return self.bid.state

    def get_rec_name(self, name):
        return self.criterion.rec_name if self.criterion else str(self.id)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            # A response answers one criterion of one bid
            check_fixed(
                cls, values, ['bid', 'criterion'], 'msg_input_response_fixed')
            # The assessment and "Passed" say the same
            if values.get('assessment'):
                values['passed'] = values['assessment'] == 'passed'
            elif 'passed' in values:
                values['assessment'] = (
                    'passed' if values['passed'] else 'failed')
            values.update(cls._audit_values(values))
        return values

    @classmethod
    def _audit_values(cls, values):
        "Return who assessed or moderated, and when, for the values written"
        user, now = Transaction().user, dt.datetime.now()
        result = {}
        if 'assessment' in values:
            assessed = bool(values['assessment'])
            result['assessed_by'] = user if assessed else None
            result['assessed_at'] = now if assessed else None
        if {'moderated_score', 'moderation_rationale'} & set(values):
            result['moderated_by'] = user
            result['moderated_at'] = now
        return result

    @classmethod
    def validate_fields(cls, responses, field_names):
        super().validate_fields(responses, field_names)
        if not field_names or field_names & {'bid', 'criterion'}:
            cls.check_criterion_tender(responses)
            cls.check_one_per_criterion(responses)
        if not field_names or field_names & {
                'moderated_score', 'moderation_rationale'}:
            cls.check_moderation(responses)

    @classmethod
    def check_criterion_tender(cls, responses):
        "A response answers a criterion of its bid's tender"
        for response in responses:
            bid = response.bid
            if response.criterion.tender != bid.tender:
                raise RelationError(gettext('childfirst_commissioning.'
                        'msg_input_response_criterion',
                        criterion=response.criterion.rec_name,
                        bid=bid.rec_name, tender=bid.tender.rec_name))

    @classmethod
    def check_one_per_criterion(cls, responses):
        "A bid has one response per criterion: one query for all responses"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Criterion = pool.get('commissioning.tender.criterion')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        bid_ids = list({r.bid.id for r in responses})
        if not bid_ids:
            return
        cursor.execute(*table.select(
                table.bid, table.criterion,
                where=fields.SQL_OPERATORS['in'](table.bid, bid_ids),
                group_by=[table.bid, table.criterion],
                having=Count(table.id) > 1))
        for bid, criterion in cursor:
            raise RelationError(gettext(
                    'childfirst_commissioning.msg_input_response_duplicate',
                    bid=Bid(bid).rec_name,
                    criterion=Criterion(criterion).name))

    @classmethod
    def check_modification(cls, mode, responses, values=None,
            external=False):
        super().check_modification(
            mode, responses, values=values, external=external)
        if mode == 'create':
            return
        fields_ = set(values or {})
        moderation = {'moderated_score', 'moderation_rationale'}
        officer_fields = {'passed', 'assessment'} | moderation
        if mode == 'write' and fields_ and fields_ <= officer_fields:
            # The bidder answers; officers assess pass/fail answers and
            # moderate scores
            if external and is_provider_user():
                raise LockedError(gettext(
                        'childfirst_commissioning.msg_response_assess'))
            for response in responses:
                if fields_ & {'passed', 'assessment'}:
                    response.check_assessable()
                if fields_ & moderation:
                    response.check_moderatable()
            return
        if mode == 'write' and external and fields_ & officer_fields:
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_assess'))
        for response in responses:
            response.bid.check_evidence_editable()

    def check_assessable(self):
        "Pass/fail answers are assessed once the tender has closed"
        if (self.method != 'pass_fail'
                or self.bid.tender.state not in ASSESSMENT_STATES):
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_not_assessable',
                    response=self.rec_name, bid=self.bid.rec_name))

    @classmethod
    def get_tender_states(cls):
        Tender = Pool().get('commissioning.tender')
        return Tender.fields_get(['state'])['state']['selection']

    @fields.depends('bid', '_parent_bid.tender')
    def on_change_with_tender_state(self, name=None):
        if self.bid and self.bid.tender:
            return self.bid.tender.state

    @classmethod
    def score_aggregates(cls, response_ids):
        """Return {response id: (count, mean, spread)} of the scores of
        the responses, in one query"""
        Score = Pool().get('commissioning.score')
        score = Score.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        if not response_ids:
            return result
        cursor.execute(*score.select(
                score.response, Count(score.id), Avg(score.score),
                Max(score.score) - Min(score.score),
                where=fields.SQL_OPERATORS['in'](
                    score.response, list(response_ids)),
                group_by=score.response))
        for response, count, mean, spread in cursor:
            result[response] = (count, quantize(mean), spread)
        return result

    @classmethod
    def scores_revealed(cls, responses):
        """Return the ids of the responses whose scores together the user
        may see: all of them for officers, finance and administrators; for
        evaluators and bidders, once evaluation is complete"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        if not Transaction().user:
            return {r.id for r in responses}
        staff = {ModelData.get_id('childfirst_commissioning', name)
            for name in ['group_commissioning', 'group_commissioning_admin',
                'group_commissioning_finance']}
        if staff & set(User.get_groups()):
            return {r.id for r in responses}
        return {r.id for r in responses
            if r.bid.tender.state in EVALUATED_STATES}

    @classmethod
    def get_score_values(cls, responses, names):
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        score_max = Decimal(Configuration(1).score_max)
        revealed = cls.scores_revealed(responses)
        aggregates = cls.score_aggregates(revealed)
        result = {n: {} for n in names}
        for response in responses:
            if response.id not in revealed:
                # Another evaluator's score would show through
                for name in names:
                    result[name][response.id] = None
                continue
            count, mean, spread = aggregates.get(response.id, (0, None, None))
            final = (response.moderated_score
                if response.moderated_score is not None else mean)
            weighted = None
            if final is not None and response.criterion.method == 'scored':
                weighted = quantize(
                    final / score_max * (response.criterion.weight or 0))
            values = {
                'mean_score': mean,
                'spread': spread,
                'final_score': quantize(final),
                'weighted_score': weighted,
                }
            for name in names:
                result[name][response.id] = values[name]
        return result

    def check_moderatable(self):
        "Moderated scores are agreed during evaluation, on scored criteria"
        if (self.method != 'scored'
                or self.bid.tender.state != 'evaluation'):
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_not_moderatable',
                    response=self.rec_name, bid=self.bid.rec_name))

    @classmethod
    def check_moderation(cls, responses):
        "A moderated score is within the scale and has its rationale"
        Configuration = Pool().get('commissioning.configuration')
        score_max = Configuration(1).score_max
        for response in responses:
            moderated = response.moderated_score
            if moderated is None:
                continue
            if not (0 <= moderated <= score_max):
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_moderated_range',
                        score=moderated, score_max=score_max))
            if not (response.moderation_rationale or '').strip():
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_moderation_rationale',
                        response=response.rec_name))
