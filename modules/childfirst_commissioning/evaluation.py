# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Cast, Column, Literal, Null, Values
from sql.aggregate import Avg, Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .access import AccessMixin
from .common import InputMixin, numeric
from .exceptions import (
    EvaluationError, LockedError, RelationError, ScoreError)
from .gate import check_gate, checklist_text

ROLES = [
    ('officer', "Officer"),
    ('specialist', "Specialist"),
    ('children_panel', "Children's Panel"),
    ]
CONFLICT_STATES = [
    ('pending', "Not Declared"),
    ('none', "No Conflict"),
    ('declared', "Conflict Declared"),
    ]
# The tender states after which evaluators see each other's scores
REVEALED_STATES = ['moderated', 'award_pending', 'awarded', 'contracted']
CENT = Decimal('0.01')
# The bids stored per statement: 7 parameters each, below the 32,766 of
# SQLite and the 65,535 of PostgreSQL
RANKING_CHUNK = 4000


def _decimal(value):
    "Return a number read from the database as a Decimal"
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(value)


def quantize(value):
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT)


class TenderEvaluator(
        InputMixin, AccessMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.evaluator'
    __string__ = "Tender Evaluator"
    _transition_state = 'conflict_state'

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('conflict_state') != 'pending',
            })
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('conflict_state') != 'pending',
            })
    role = fields.Selection(ROLES, "Role", required=True,
        help="A children's panel is represented by its facilitator, who "
        "records the panel's scores.")
    criteria = fields.Many2Many(
        'commissioning.tender.evaluator-criterion', 'evaluator', 'criterion',
        "Criteria",
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ('method', '=', 'scored'),
            ],
        help="The scored criteria this evaluator scores.")
    conflict_state = fields.Selection(
        CONFLICT_STATES, "Conflicts", readonly=True, required=True)
    conflicted_bids = fields.Many2Many(
        'commissioning.tender.evaluator-bid', 'evaluator', 'bid',
        "Conflicted Bids",
        domain=[
            ('tender', '=', Eval('tender', -1)),
            ],
        states={
            'readonly': Eval('conflict_state') != 'pending',
            },
        help="The bids this evaluator has an interest in and will not "
        "score.")
    conflict_note = fields.Text(
        "Conflict Note",
        states={
            'readonly': Eval('conflict_state') != 'pending',
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('tender_user_unique', Unique(t, t.tender, t.user),
                'childfirst_commissioning.msg_evaluator_unique'),
            ]
        cls._transitions |= {
            ('pending', 'none'),
            ('pending', 'declared'),
            }
        cls._buttons.update({
                'declare_no_conflict': {
                    'invisible': Eval('conflict_state') != 'pending',
                    'depends': ['conflict_state'],
                    },
                'declare_conflict': {
                    'invisible': Eval('conflict_state') != 'pending',
                    'depends': ['conflict_state'],
                    },
                })

    @classmethod
    def default_role(cls):
        return 'specialist'

    @classmethod
    def default_conflict_state(cls):
        return 'pending'

    def get_rec_name(self, name):
        return "%s (%s)" % (self.user.rec_name, self.tender.rec_name)

    def check_own(self):
        "Only the evaluator declares their own conflicts"
        transaction = Transaction()
        if (transaction.user and transaction.check_access
                and self.user.id != transaction.user):
            raise AccessError(gettext(
                    'childfirst_commissioning.msg_evaluator_not_own',
                    evaluator=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('none')
    def declare_no_conflict(cls, evaluators):
        for evaluator in evaluators:
            evaluator.check_own()
            if evaluator.conflicted_bids:
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_evaluator_has_conflicts',
                        evaluator=evaluator.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('declared')
    def declare_conflict(cls, evaluators):
        for evaluator in evaluators:
            evaluator.check_own()
            if not evaluator.conflicted_bids:
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_evaluator_no_bids',
                        evaluator=evaluator.rec_name))

    @classmethod
    def check_modification(cls, mode, evaluators, values=None,
            external=False):
        super().check_modification(
            mode, evaluators, values=values, external=external)
        if not external:
            return
        for evaluator in evaluators:
            if evaluator.tender.state not in {
                    'published', 'closed', 'evaluation'}:
                if mode != 'create' or evaluator.tender.state != 'approved':
                    raise LockedError(gettext(
                            'childfirst_commissioning'
                            '.msg_evaluator_locked',
                            tender=evaluator.tender.rec_name))
            if (mode == 'write'
                    and set(values) & {'conflicted_bids', 'conflict_note'}):
                evaluator.check_own()


class EvaluatorCriterion(InputMixin, AccessMixin, ModelSQL):
    __name__ = 'commissioning.tender.evaluator-criterion'
    __string__ = "Evaluator Criterion"

    evaluator = fields.Many2One(
        'commissioning.tender.evaluator', "Evaluator", required=True,
        ondelete='CASCADE')
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE')

    @classmethod
    def validate_fields(cls, links, field_names):
        super().validate_fields(links, field_names)
        # Also when the link is made directly, not through the evaluator
        for link in links:
            evaluator, criterion = link.evaluator, link.criterion
            if (criterion.tender != evaluator.tender
                    or criterion.method != 'scored'):
                raise RelationError(gettext(
                        'childfirst_commissioning'
                        '.msg_input_evaluator_criterion',
                        criterion=criterion.rec_name,
                        tender=evaluator.tender.rec_name,
                        evaluator=evaluator.rec_name))


class EvaluatorBid(InputMixin, AccessMixin, ModelSQL):
    __name__ = 'commissioning.tender.evaluator-bid'
    __string__ = "Evaluator Conflicted Bid"

    evaluator = fields.Many2One(
        'commissioning.tender.evaluator', "Evaluator", required=True,
        ondelete='CASCADE')
    bid = fields.Many2One(
        'commissioning.bid', "Bid", required=True, ondelete='CASCADE')

    @classmethod
    def validate_fields(cls, links, field_names):
        super().validate_fields(links, field_names)
        for link in links:
            evaluator, bid = link.evaluator, link.bid
            if bid.tender != evaluator.tender:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_input_evaluator_bid',
                        bid=bid.rec_name, tender=evaluator.tender.rec_name,
                        evaluator=evaluator.rec_name))


class Score(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.score'
    __string__ = "Score"

    response = fields.Many2One(
        'commissioning.bid.response', "Response", required=True,
        ondelete='CASCADE')
    evaluator = fields.Many2One(
        'commissioning.tender.evaluator', "Evaluator", required=True,
        ondelete='RESTRICT')
    score = fields.Integer("Score", required=True,
        help="0 unacceptable, 1 poor, 2 weak, 3 satisfactory, 4 good, "
        "5 excellent (on the default scale).")
    justification = fields.Text("Justification", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('response_evaluator_unique',
                Unique(t, t.response, t.evaluator),
                'childfirst_commissioning.msg_score_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.response, Index.Range())))

    @classmethod
    def default_evaluator(cls):
        pool = Pool()
        Evaluator = pool.get('commissioning.tender.evaluator')
        tender = Transaction().context.get('tender')
        if tender:
            evaluators = Evaluator.search([
                    ('tender', '=', tender),
                    ('user', '=', Transaction().user),
                    ])
            if len(evaluators) == 1:
                return evaluators[0].id

    @classmethod
    def validate_fields(cls, scores, field_names):
        super().validate_fields(scores, field_names)
        Configuration = Pool().get('commissioning.configuration')
        score_max = Configuration(1).score_max
        for score in scores:
            if not (0 <= score.score <= score_max):
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_score_range',
                        score=score.score, score_max=score_max))
            if not (score.justification or '').strip():
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_score_justification'))
        if not field_names or field_names & {'response', 'evaluator'}:
            # The score as written: check_modification sees it before the
            # write, and it may have moved to another response or evaluator
            for score in scores:
                score.check_scorable(False)

    @classmethod
    def check_modification(cls, mode, scores, values=None, external=False):
        super().check_modification(
            mode, scores, values=values, external=external)
        for score in scores:
            score.check_scorable(external)

    def check_scorable(self, external):
        "Raise when this score may not be given or changed"
        transaction = Transaction()
        evaluator = self.evaluator
        bid = self.response.bid
        criterion = self.response.criterion
        if bid.tender != evaluator.tender:
            raise ScoreError(gettext(
                    'childfirst_commissioning.msg_score_other_tender'))
        if bid.tender.state != 'evaluation':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_score_locked',
                    tender=bid.tender.rec_name))
        if external and transaction.user and evaluator.user.id != (
                transaction.user):
            raise AccessError(gettext(
                    'childfirst_commissioning.msg_score_not_own'))
        if evaluator.conflict_state == 'pending':
            raise ScoreError(gettext(
                    'childfirst_commissioning.msg_score_undeclared',
                    evaluator=evaluator.rec_name))
        if bid in evaluator.conflicted_bids:
            raise ScoreError(gettext(
                    'childfirst_commissioning.msg_score_conflicted',
                    bid=bid.rec_name))
        if criterion not in evaluator.criteria:
            raise ScoreError(gettext(
                    'childfirst_commissioning.msg_score_unassigned',
                    criterion=criterion.name))
        if bid.state != 'submitted':
            raise ScoreError(gettext(
                    'childfirst_commissioning.msg_score_bid_state',
                    bid=bid.rec_name))


class BidResponse(metaclass=PoolMeta):
    __name__ = 'commissioning.bid.response'

    scores = fields.One2Many(
        'commissioning.score', 'response', "Scores", readonly=True)
    mean_score = fields.Function(
        fields.Numeric("Mean Score", digits=(16, 2)), 'get_score_values')
    spread = fields.Function(
        fields.Integer("Spread"), 'get_score_values')
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
            })
    final_score = fields.Function(
        fields.Numeric("Final Score", digits=(16, 2)), 'get_score_values')
    weighted_score = fields.Function(
        fields.Numeric("Weighted Score", digits=(16, 2)), 'get_score_values')
    tender_state = fields.Function(
        fields.Selection('get_tender_states', "Tender State"),
        'on_change_with_tender_state')

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
            if r.bid.tender.state in REVEALED_STATES}

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

    assessment = fields.Selection([
            (None, "Not Assessed"),
            ('passed', "Passed"),
            ('failed', "Failed"),
            ], "Assessment",
        states={
            'invisible': Eval('method') != 'pass_fail',
            'readonly': ~Eval('tender_state').in_(['closed', 'evaluation']),
            },
        help="The officer's assessment of a pass/fail answer. It sets "
        "\"Passed\".")

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            if values.get('assessment'):
                values['passed'] = values['assessment'] == 'passed'
            elif 'passed' in values:
                values['assessment'] = (
                    'passed' if values['passed'] else 'failed')
        return values

    def check_moderatable(self):
        "Moderated scores are agreed during evaluation, on scored criteria"
        if (self.method != 'scored'
                or self.bid.tender.state != 'evaluation'):
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_response_not_moderatable',
                    response=self.rec_name, bid=self.bid.rec_name))

    @classmethod
    def validate_fields(cls, responses, field_names):
        super().validate_fields(responses, field_names)
        if field_names and not (field_names & {
                    'moderated_score', 'moderation_rationale'}):
            return
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


class Tender(metaclass=PoolMeta):
    __name__ = 'commissioning.tender'

    evaluators = fields.One2Many(
        'commissioning.tender.evaluator', 'tender', "Evaluators",
        states={
            'readonly': ~Eval('state').in_(
                ['approved', 'published', 'closed']),
            })
    evaluation_checklist = fields.Function(
        fields.Text("Evaluation Checklist"), 'get_evaluation_checklist')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('closed', 'evaluation'),
            ('evaluation', 'moderated'),
            ('evaluation', 'cancelled'),
            ('moderated', 'cancelled'),
            }
        cls._buttons.update({
                'start_evaluation': {
                    'invisible': Eval('state') != 'closed',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'complete_evaluation': {
                    'invisible': Eval('state') != 'evaluation',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })
        cls._buttons['cancel']['invisible'] = ~Eval('state').in_([
                'draft', 'pending_approval', 'approved', 'published',
                'closed', 'evaluation', 'moderated'])

    @classmethod
    def _writable_after_draft(cls):
        return super()._writable_after_draft() | {'evaluators'}

    def submitted_bids(self):
        return [b for b in self.bids if b.state == 'submitted']

    def start_evaluation_checks(self):
        "Return the checks of the start evaluation gate"
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        config = Configuration(1)
        checks = []

        def check(name, failures):
            checks.append((gettext(
                        'childfirst_commissioning.msg_eval_label_%s' % name),
                    failures))

        assigned = {c for e in self.evaluators for c in e.criteria}
        check('assigned', [gettext(
                        'childfirst_commissioning.msg_eval_unassigned',
                        criterion=c.name)
                    for c in self.criteria
                    if c.method == 'scored' and c not in assigned])
        check('declared', [gettext(
                        'childfirst_commissioning.msg_eval_undeclared',
                        user=e.user.rec_name)
                    for e in self.evaluators
                    if e.conflict_state == 'pending'])
        unassessed = []
        for bid in self.submitted_bids():
            for response in bid.responses:
                if (response.criterion.method == 'pass_fail'
                        and not response.assessment):
                    unassessed.append(gettext(
                            'childfirst_commissioning.msg_eval_unassessed',
                            criterion=response.criterion.name,
                            bid=bid.provider.rec_name))
        check('assessed', unassessed)
        if config.require_children_panel:
            panel = [e for e in self.evaluators
                if e.role == 'children_panel'
                and any(c.child_first for c in e.criteria)]
            check('children_panel', [] if panel else [gettext(
                            'childfirst_commissioning.msg_eval_no_panel')])
        return checks

    def complete_evaluation_checks(self):
        "Return the checks of the complete evaluation gate"
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        Response = pool.get('commissioning.bid.response')
        config = Configuration(1)
        checks = []
        bids = self.submitted_bids()
        responses = [r for b in bids for r in b.responses
            if r.criterion.method == 'scored']
        scored = {(s.response.id, s.evaluator.id)
            for r in responses for s in r.scores}
        missing = []
        for response in responses:
            for evaluator in self.evaluators:
                if (response.criterion in evaluator.criteria
                        and response.bid not in evaluator.conflicted_bids
                        and (response.id, evaluator.id) not in scored):
                    missing.append(gettext(
                            'childfirst_commissioning.msg_eval_missing_score',
                            user=evaluator.user.rec_name,
                            criterion=response.criterion.name,
                            bid=response.bid.provider.rec_name))
        checks.append((gettext(
                    'childfirst_commissioning.msg_eval_label_scores'),
                missing))
        aggregates = Response.score_aggregates([r.id for r in responses])
        unmoderated = []
        for response in responses:
            _, _, spread = aggregates.get(response.id, (0, None, None))
            if (spread is not None and spread >= config.moderation_spread
                    and (response.moderated_score is None
                        or not (response.moderation_rationale or '').strip())):
                unmoderated.append(gettext(
                        'childfirst_commissioning.msg_eval_unmoderated',
                        criterion=response.criterion.name,
                        bid=response.bid.provider.rec_name,
                        spread=spread))
        checks.append((gettext(
                    'childfirst_commissioning.msg_eval_label_moderation',
                    spread=config.moderation_spread),
                unmoderated))
        return checks

    @classmethod
    def get_evaluation_checklist(cls, tenders, name):
        result = {}
        for tender in tenders:
            if tender.state == 'closed':
                checks = tender.start_evaluation_checks()
            elif tender.state == 'evaluation':
                checks = tender.complete_evaluation_checks()
            else:
                checks = None
            result[tender.id] = checklist_text(checks) if checks else None
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('evaluation')
    def start_evaluation(cls, tenders):
        for tender in tenders:
            checks = tender.start_evaluation_checks()
            check_gate(EvaluationError, 'msg_start_evaluation_gate', checks,
                tender=tender.rec_name)

    @classmethod
    @ModelView.button
    @Workflow.transition('moderated')
    def complete_evaluation(cls, tenders):
        for tender in tenders:
            checks = tender.complete_evaluation_checks()
            check_gate(EvaluationError, 'msg_complete_evaluation_gate', checks,
                tender=tender.rec_name)
        cls.store_ranking(tenders)

    # Scoring and ranking

    @classmethod
    def compute_ranking(cls, tenders):
        """Return {bid id: values} with the scores, eligibility and rank of
        the submitted bids of the tenders.

        A fixed number of queries whatever the number of bids, responses
        and scores: the scores are aggregated per response in SQL."""
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        Criterion = pool.get('commissioning.tender.criterion')
        if not tenders:
            return {}
        config = Configuration(1)
        score_max = Decimal(config.score_max)
        threshold = Decimal(config.child_first_threshold)
        bid = Bid.__table__()
        response = Response.__table__()
        criterion = Criterion.__table__()
        cursor = Transaction().connection.cursor()
        tender_ids = [t.id for t in tenders]
        budgets = {t.id: t.budget for t in tenders}
        templates = {}

        def reason(name, **values):
            "Format an exclusion reason, translating each message once"
            if name not in templates:
                templates[name] = gettext(
                    'childfirst_commissioning.' + name,
                    **{k: '{%s}' % k for k in values})
            return templates[name].format(**values)

        # The criteria of the tenders
        cursor.execute(*criterion.select(
                criterion.id, criterion.tender, criterion.name,
                criterion.tenet, criterion.method, criterion.weight,
                criterion.minimum_score,
                where=criterion.tender.in_(tender_ids)))
        criteria = {}
        for row in cursor:
            id_, tender, name, tenet, method, weight, minimum = row
            criteria[id_] = {
                'tender': tender, 'name': name, 'tenet': tenet,
                'method': method, 'weight': Decimal(str(weight or 0)),
                'minimum': (Decimal(str(minimum))
                    if minimum is not None else None),
                }

        # The submitted bids, in the order of submission so that the
        # position breaks the last ties
        cursor.execute(*bid.select(
                bid.id, bid.tender, numeric(bid.price),
                where=bid.tender.in_(tender_ids)
                & (bid.state == 'submitted'),
                order_by=[bid.submitted_at.asc, bid.id.asc]))
        rows = cursor.fetchall()
        if not rows:
            return {}

        # The weighted scores of each bid, aggregated in SQL over its scored
        # responses: the final score of a response is its moderated score,
        # else the mean of its scores. A response without any score counts
        # 0 and makes the bid's count of scored responses fall short.
        Score = pool.get('commissioning.score')
        score = Score.__table__()
        means = score.select(
            score.response.as_('response'), Avg(score.score).as_('mean'),
            group_by=score.response)
        final = Coalesce(numeric(response.moderated_score), means.mean)
        points = final * Coalesce(numeric(criterion.weight), 0)
        below_minimum = ((criterion.minimum_score != Null)
            & (final < numeric(criterion.minimum_score)))
        cursor.execute(*means.join(
                response, condition=means.response == response.id
                ).join(
                criterion, condition=response.criterion == criterion.id
                ).select(
                response.bid,
                Sum(points),
                Sum(Case((criterion.tenet != Null, points), else_=0)),
                Sum(Case((below_minimum, 1), else_=0)),
                Count(response.id),
                where=criterion.tender.in_(tender_ids)
                & (criterion.method == 'scored'),
                group_by=response.bid))
        sums = {r[0]: r[1:] for r in cursor}
        n_scored = defaultdict(int)
        for crit in criteria.values():
            if crit['method'] == 'scored':
                n_scored[crit['tender']] += 1

        # The reasons: every pass/fail answer not passed, and the scores
        # below a minimum of the bids that have one or lack a score; the
        # mean of those responses is looked up through the index
        reasons = defaultdict(list)
        below = [id_ for id_, tender, _ in rows
            if id_ not in sums or sums[id_][2]
            or sums[id_][3] < n_scored[tender]]
        mean = score.select(Avg(score.score),
            where=score.response == response.id)
        final = Coalesce(numeric(response.moderated_score), mean, 0)
        failing = ((criterion.method == 'pass_fail')
            & (Coalesce(response.passed, False) == Literal(False)))
        if below:
            failing |= (fields.SQL_OPERATORS['in'](response.bid, below)
                & (criterion.method == 'scored')
                & (criterion.minimum_score != Null)
                & (final < numeric(criterion.minimum_score)))
        cursor.execute(*response.join(
                criterion, condition=response.criterion == criterion.id
                ).select(
                response.bid, criterion.name, criterion.method, final,
                numeric(criterion.minimum_score),
                where=criterion.tender.in_(tender_ids) & failing,
                order_by=[response.bid, criterion.sequence, criterion.id]))
        for bid_id, name, method, final_, minimum in cursor:
            if method == 'pass_fail':
                reasons[bid_id].append(reason(
                        'msg_exclusion_pass_fail', criterion=name))
            else:
                reasons[bid_id].append(reason(
                        'msg_exclusion_minimum', criterion=name,
                        score=quantize(final_ or 0),
                        minimum=quantize(minimum)))

        tenet_weight = defaultdict(Decimal)
        price_weight = defaultdict(Decimal)
        for crit in criteria.values():
            if crit['method'] == 'scored' and crit['tenet']:
                tenet_weight[crit['tender']] += crit['weight']
            elif crit['method'] == 'price':
                price_weight[crit['tender']] += crit['weight']

        # Eligibility: [id, tender, price, weighted, child first, position,
        # reasons] per bid, in the order of submission
        bids = []
        lowest = {}
        no_scores = (0, 0, 0, 0)
        for position, (id_, tender, price) in enumerate(rows):
            weighted, child_first_points, _, _ = sums.get(id_, no_scores)
            price = _decimal(price)
            child_first = _decimal(child_first_points) / score_max
            why = reasons.get(id_, [])
            budget = budgets[tender]
            if budget is not None and price > budget:
                why.append(reason('msg_exclusion_budget',
                        price=price, budget=budget))
            weight = tenet_weight[tender]
            percentage = child_first / weight * 100 if weight else 0
            if percentage < threshold:
                why.append(reason('msg_exclusion_child_first',
                        percentage=quantize(percentage),
                        threshold=threshold))
            if not why and price > 0 and (
                    tender not in lowest or price < lowest[tender]):
                lowest[tender] = price
            bids.append([id_, tender, price,
                    _decimal(weighted) / score_max, child_first, position,
                    why])

        # Price score and total; an ineligible bid cheaper than the lowest
        # eligible price gets no more than the full price weight
        ranked = []
        for values in bids:
            tender, price = values[1], values[2]
            if tender in lowest and price > 0:
                weight = price_weight[tender]
                price_score = min(lowest[tender] / price * weight, weight)
            else:
                price_score = Decimal(0)
            total = values[3] + price_score
            values.extend([price_score, total])
            if not values[6]:
                ranked.append(
                    (tender, -total, -values[4], price, values[5], values))
        ranked.sort(key=lambda r: r[:5])
        ranks = {}
        rank, previous = 0, None
        for tender, *_, values in ranked:
            rank = rank + 1 if tender == previous else 1
            previous = tender
            ranks[values[0]] = rank

        return {
            id_: {
                'eligible': not why,
                'exclusion_reason': "\n".join(why) or None,
                'child_first_score': child_first.quantize(CENT),
                'price_score': price_score.quantize(CENT),
                'total_score': total.quantize(CENT),
                'rank': ranks.get(id_),
                }
            for (id_, _, _, _, child_first, _, why, price_score, total)
            in bids}

    @classmethod
    def store_ranking(cls, tenders):
        """Store the scores and ranks on the bids so lists can sort by them.

        One UPDATE from a list of values for up to RANKING_CHUNK bids, then
        one INSERT into the bid history."""
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        ranking = cls.compute_ranking(tenders)
        if not ranking:
            return
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        bid = Bid.__table__()
        names = ['eligible', 'exclusion_reason', 'child_first_score',
            'price_score', 'total_score', 'rank']
        formats = [Bid._fields[n].sql_format for n in names]
        cast = backend.name == 'postgresql'

        ids = list(ranking)
        transaction.counter += 1
        for cache in transaction.cache.values():
            if Bid.__name__ in cache:
                for id_ in ids:
                    cache[Bid.__name__].pop(id_, None)
        for sub_ids in grouped_slice(ids, RANKING_CHUNK):
            values = Values([[id_] + [f(ranking[id_][n])
                        for n, f in zip(names, formats)]
                    for id_ in sub_ids])
            columns = []
            for i, name in enumerate(names, 2):
                column = Column(values, 'column%s' % i)
                if cast:
                    # A column of NULLs only would be text
                    column = Cast(
                        column, Bid._fields[name].sql_type().base)
                columns.append(column)
            cursor.execute(*bid.update(
                    [Column(bid, n) for n in names]
                    + [bid.write_uid, bid.write_date],
                    columns + [transaction.user, CurrentTimestamp()],
                    from_=[values],
                    where=bid.id == Column(values, 'column1')))
        Bid._insert_history(ids)
