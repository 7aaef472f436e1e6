# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Who evaluates a tender, their scores, and the gates that start and
complete its evaluation."""
from sql import Cast, Null
from sql.aggregate import Count, Max, Min
from sql.conditionals import Case, Coalesce
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .access import AccessMixin
from .common import last_nulls
from .exceptions import LockedError, RelationError, ScoreError
from .gate import check, checklist_text, message
from .validation import InputMixin

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
    bid = fields.Function(fields.Many2One(
            'commissioning.bid', "Bid"), 'get_answer_field')
    criterion = fields.Function(fields.Many2One(
            'commissioning.tender.criterion', "Criterion"),
        'get_answer_field')

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

    @fields.depends('response', 'evaluator')
    def on_change_response(self):
        "The user scores as themselves, the tender's evaluator"
        pool = Pool()
        Evaluator = pool.get('commissioning.tender.evaluator')
        if self.response and not self.evaluator:
            evaluators = Evaluator.search([
                    ('tender', '=', self.response.bid.tender.id),
                    ('user', '=', Transaction().user),
                    ], limit=1)
            if evaluators:
                self.evaluator, = evaluators

    def get_answer_field(self, name):
        value = getattr(self.response, name, None)
        return value.id if value else None

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


class Assignment(AccessMixin, ModelSQL, ModelView):
    """An answer an evaluator is to score: the answer of a submitted bid to
    a scored criterion assigned to them, for a tender in evaluation, unless
    they declared a conflict with the bid.

    The evaluator enters their score and justification on the assignment;
    they are stored as the evaluator's score, with its checks."""
    __name__ = 'commissioning.evaluation.assignment'
    __string__ = "Scoring Assignment"

    evaluator = fields.Many2One(
        'commissioning.tender.evaluator', "Evaluator", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    tender = fields.Many2One(
        'commissioning.tender', "Tender", readonly=True)
    bid = fields.Many2One('commissioning.bid', "Bid", readonly=True)
    provider = fields.Many2One('party.party', "Provider", readonly=True)
    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", readonly=True)
    response = fields.Many2One(
        'commissioning.bid.response', "Answer", readonly=True)
    answer = fields.Function(
        fields.Text("Answer"), 'get_answer')
    score = fields.Many2One('commissioning.score', "Score", readonly=True)
    score_value = fields.Function(fields.Integer(
            "Score",
            help="0 unacceptable, 1 poor, 2 weak, 3 satisfactory, 4 good, "
            "5 excellent (on the default scale)."),
        'get_score_values', setter='set_score_values')
    justification = fields.Function(fields.Text(
            "Justification",
            help="Why the answer earns this score, in words the provider "
            "will read in their assessment summary."),
        'get_score_values', setter='set_score_values')
    state = fields.Selection([
            ('to_score', "To Score"),
            ('scored', "Scored"),
            ], "State", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('tender', 'ASC'), ('bid', 'ASC'), ('criterion', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        evaluator, assigned, conflict, criterion, bid, response, score = (
            evaluation_tables())
        tender = Pool().get('commissioning.tender').__table__()
        # The Cantor pairing of the answer and the evaluator: an id of
        # its own to each assignment
        pair = (Cast(response.id, 'BIGINT')
            + Cast(evaluator.id, 'BIGINT'))
        return evaluator.join(tender, condition=evaluator.tender == tender.id
            ).join(assigned, condition=assigned.evaluator == evaluator.id
            ).join(criterion, condition=assigned.criterion == criterion.id
            ).join(bid, condition=bid.tender == tender.id
            ).join(response, condition=(response.bid == bid.id)
                & (response.criterion == criterion.id)
            ).join(score, 'LEFT', condition=(score.response == response.id)
                & (score.evaluator == evaluator.id)
            ).select(
                (pair * (pair + 1) / 2 + evaluator.id).as_('id'),
                evaluator.id.as_('evaluator'),
                evaluator.user.as_('user'),
                tender.id.as_('tender'),
                bid.id.as_('bid'),
                bid.provider.as_('provider'),
                criterion.id.as_('criterion'),
                response.id.as_('response'),
                score.id.as_('score'),
                Case((score.id == Null, 'to_score'),
                    else_='scored').as_('state'),
                where=(tender.state == 'evaluation')
                & (bid.state == 'submitted')
                & (criterion.method == 'scored')
                & ~Exists(conflict.select(conflict.id,
                        where=(conflict.evaluator == evaluator.id)
                        & (conflict.bid == bid.id))))

    def get_rec_name(self, name):
        return "%s — %s" % (self.bid.rec_name, self.criterion.rec_name)

    def get_answer(self, name):
        return self.response.response

    @classmethod
    def get_score_values(cls, assignments, names):
        result = {n: {} for n in names}
        for assignment in assignments:
            score = assignment.score
            for name in names:
                value = None
                if score:
                    value = (score.score if name == 'score_value'
                        else score.justification)
                result[name][assignment.id] = value
        return result

    @classmethod
    def set_score_values(cls, assignments, name, value):
        cls.enter(assignments, {name: value})

    @classmethod
    def write(cls, *args):
        "Store the scores and justifications entered on the assignments"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        ModelAccess.check(cls.__name__, 'write')
        actions = iter(args)
        for assignments, values in zip(actions, actions):
            Rule.check(cls.__name__, list(map(int, assignments)), 'write')
            unknown = set(values) - {'score_value', 'justification'}
            if unknown:
                raise AccessError(gettext(
                        'childfirst_commissioning.msg_assignment_fields'))
            cls.enter(assignments, values)

    @classmethod
    def enter(cls, assignments, values):
        """Give or change the evaluator's score of each assignment with
        values (score_value, justification)"""
        Score = Pool().get('commissioning.score')
        fields_ = {'score_value': 'score', 'justification': 'justification'}
        values = {fields_[k]: v for k, v in values.items()}
        to_write = [a.score for a in assignments if a.score]
        new = [a for a in assignments if not a.score]
        for assignment in new if new else assignments:
            missing = [n for n in ['score', 'justification']
                if (n in values or new) and values.get(n) in {None, ''}]
            if missing:
                raise ScoreError(gettext(
                        'childfirst_commissioning.msg_assignment_incomplete',
                        assignment=assignment.rec_name))
        if to_write and values:
            Score.write(to_write, values)
        if new:
            Score.create([{
                        'response': a.response.id,
                        'evaluator': a.evaluator.id,
                        'score': values.get('score'),
                        'justification': values.get('justification'),
                        } for a in new])


# The gates of the evaluation of a tender


def start_checks(tender, unassessed=None):
    """Return the checks of the start evaluation gate of tender;
    unassessed is the result of unassessed_failures for a list of
    tenders"""
    Configuration = Pool().get('commissioning.configuration')
    if unassessed is None:
        unassessed = unassessed_failures([tender])
    checks = [
        check('msg_eval_label_assigned', unassigned_failures(tender)),
        check('msg_eval_label_declared', [
                message('msg_eval_undeclared', user=e.user.rec_name)
                for e in tender.evaluators if e.conflict_state == 'pending']),
        check('msg_eval_label_assessed', unassessed[tender.id]),
        ]
    if Configuration(1).require_children_panel:
        checks.append(
            check('msg_eval_label_children_panel', panel_failures(tender)))
    return checks


def unassigned_failures(tender):
    "Every scored criterion has an evaluator"
    assigned = {c for e in tender.evaluators for c in e.criteria}
    return [message('msg_eval_unassigned', criterion=c.name)
        for c in tender.criteria
        if c.method == 'scored' and c not in assigned]


def unassessed_failures(tenders):
    """Return {tender id: failures}: every pass/fail answer of the
    submitted bids is assessed; the answers of all the tenders are found
    in one query, whatever the number of tenders and bids"""
    Party = Pool().get('party.party')
    _, _, _, criterion, bid, response, _ = evaluation_tables()
    result = {t.id: [] for t in tenders}
    if not result:
        return result
    cursor = Transaction().connection.cursor()
    cursor.execute(*response.join(bid, condition=response.bid == bid.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).select(
            bid.tender, criterion.name, bid.provider,
            where=bid.tender.in_(list(result))
            & (bid.state == 'submitted')
            & (criterion.method == 'pass_fail')
            & ((response.assessment == Null) | (response.assessment == '')),
            order_by=[bid.id, criterion.sequence, criterion.id]))
    rows = cursor.fetchall()
    names = {p.id: p.rec_name for p in Party.browse(
            list({provider for _, _, provider in rows}))}
    for tender, name, provider in rows:
        result[tender].append(message('msg_eval_unassessed',
                criterion=name, bid=names[provider]))
    return result


def panel_failures(tender):
    "A children's panel scores at least one Child First criterion"
    if not any(e.role == 'children_panel'
            and any(c.child_first for c in e.criteria)
            for e in tender.evaluators):
        return [message('msg_eval_no_panel')]
    return []


def complete_checks(tender, failures=None):
    """Return the checks of the complete evaluation gate of tender;
    failures is the result of complete_failures for a list of tenders"""
    if failures is None:
        failures = complete_failures([tender])
    missing, unmoderated, spread = failures[tender.id]
    return [
        check('msg_eval_label_scores', missing),
        check('msg_eval_label_moderation', unmoderated, spread=spread),
        ]


def complete_failures(tenders):
    """Return {tender id: (missing scores, unmoderated answers, spread)} of
    the tenders, the first two lists of failures, spread the difference of
    scores that asks for moderation, in a fixed number of queries"""
    Configuration = Pool().get('commissioning.configuration')
    spread = Configuration(1).moderation_spread
    ids = [t.id for t in tenders]
    result = {i: ([], [], spread) for i in ids}
    if not ids:
        return result
    short, unmoderated = answer_failures(ids, spread)
    missing = missing_scores(ids, short) if short else []
    users, parties = record_names(missing, unmoderated)
    for tender, user, criterion, provider in missing:
        result[tender][0].append(message('msg_eval_missing_score',
                user=users[user], criterion=criterion, bid=parties[provider]))
    for tender, criterion, provider, difference in unmoderated:
        result[tender][1].append(message('msg_eval_unmoderated',
                criterion=criterion, bid=parties[provider],
                spread=difference))
    return result


def evaluation_tables():
    pool = Pool()
    return [pool.get(n).__table__() for n in [
            'commissioning.tender.evaluator',
            'commissioning.tender.evaluator-criterion',
            'commissioning.tender.evaluator-bid',
            'commissioning.tender.criterion', 'commissioning.bid',
            'commissioning.bid.response', 'commissioning.score']]


def answer_failures(tender_ids, spread):
    """Return the answers that may lack a score: the ids of the answers
    with fewer scores than evaluators assigned to their criterion (the
    evaluators with a conflict owe none); and (tender, criterion name,
    provider, spread) of each answer whose scores differ by spread or more
    and that has no moderated score.

    Two queries whatever the number of bids: the answers with scores,
    found from the scores of the tenders, and those without any."""
    short, failures = [], []
    for id_, tender, name, provider, difference, lacking, moderation in (
            scored_answer_failures(tender_ids, spread)):
        if lacking:
            short.append(id_)
        if moderation:
            failures.append((tender, name, provider, difference))
    return short + unscored_answers(tender_ids), failures


def expected_scores(tender_ids):
    """Return the query of the number of evaluators assigned to each
    criterion of the tenders"""
    evaluator, assigned, _, _, _, _, _ = evaluation_tables()
    return assigned.join(
        evaluator, condition=assigned.evaluator == evaluator.id
        ).select(assigned.criterion.as_('criterion'),
        Count(evaluator.id).as_('count'),
        where=evaluator.tender.in_(tender_ids),
        group_by=assigned.criterion)


def scored_answer_failures(tender_ids, spread):
    """Return (answer id, tender, criterion name, provider, spread, lacking
    a score, lacking moderation) of the scored answers of submitted bids
    that lack a score or a moderation.

    The answers are grouped with their scores, every join following an
    index from the tenders' bids: no aggregate is joined, which
    PostgreSQL could scan for every answer before it has statistics on new
    scores."""
    _, _, _, criterion, bid, response, score = evaluation_tables()
    expected = expected_scores(tender_ids)
    difference = Max(score.score) - Min(score.score)
    lacking = Count(score.id) < Coalesce(Max(expected.count), 0)
    unmoderated = ((Max(response.moderated_score) == Null)
        & (difference >= spread))
    cursor = Transaction().connection.cursor()
    cursor.execute(*bid.join(response, condition=response.bid == bid.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).join(score, condition=score.response == response.id
            ).join(expected, 'LEFT',
            condition=expected.criterion == criterion.id
            ).select(
            response.id, difference, lacking, unmoderated,
            where=bid.tender.in_(tender_ids) & (bid.state == 'submitted')
            & (criterion.method == 'scored'),
            group_by=[response.id],
            having=lacking | unmoderated))
    rows = cursor.fetchall()
    if not rows:
        return []
    names = answer_names([r[0] for r in rows])
    return [(id_,) + names[id_][:3] + (difference, lacking, moderation)
        for id_, difference, lacking, moderation in sorted(
            rows, key=lambda r: names[r[0]][-1])]


def answer_names(response_ids):
    """Return {answer id: (tender, criterion name, provider, order)} of
    the answers, order sorting them as the bids and the criteria"""
    _, _, _, criterion, bid, response, _ = evaluation_tables()
    cursor = Transaction().connection.cursor()
    cursor.execute(*response.join(bid, condition=response.bid == bid.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).select(response.id, bid.tender, criterion.name, bid.provider,
            bid.id, last_nulls(criterion.sequence), criterion.id,
            where=fields.SQL_OPERATORS['in'](response.id, response_ids)))
    return {id_: (tender, name, provider, tuple(order))
        for id_, tender, name, provider, *order in cursor}


def unscored_answers(tender_ids):
    """Return the ids of the scored answers of submitted bids that have no
    score at all while evaluators are assigned to their criterion"""
    _, _, _, criterion, bid, response, score = evaluation_tables()
    expected = expected_scores(tender_ids)
    cursor = Transaction().connection.cursor()
    cursor.execute(*response.join(bid, condition=response.bid == bid.id
            ).join(criterion, condition=response.criterion == criterion.id
            ).join(expected, condition=expected.criterion == criterion.id
            ).select(response.id,
            where=bid.tender.in_(tender_ids) & (bid.state == 'submitted')
            & (criterion.method == 'scored') & (expected.count > 0)
            & ~Exists(score.select(score.id,
                    where=score.response == response.id))))
    return [id_ for id_, in cursor]


def missing_scores(tender_ids, responses):
    """Return (tender, user, criterion name, provider) of each score an
    evaluator owes among the answers of responses: an answer to a scored
    criterion assigned to them, of a submitted bid they declared no
    conflict with"""
    evaluator, assigned, conflict, criterion, bid, response, score = (
        evaluation_tables())
    cursor = Transaction().connection.cursor()
    cursor.execute(*evaluator.join(
            assigned, condition=assigned.evaluator == evaluator.id
            ).join(criterion, condition=(criterion.id == assigned.criterion)
            & (criterion.method == 'scored')
            ).join(bid, condition=(bid.tender == evaluator.tender)
            & (bid.state == 'submitted')
            ).join(response, condition=(response.bid == bid.id)
            & (response.criterion == criterion.id)
            ).join(conflict, 'LEFT',
            condition=(conflict.evaluator == evaluator.id)
            & (conflict.bid == bid.id)
            ).join(score, 'LEFT', condition=(score.response == response.id)
            & (score.evaluator == evaluator.id)
            ).select(
            evaluator.tender, evaluator.user, criterion.name, bid.provider,
            where=evaluator.tender.in_(tender_ids)
            & fields.SQL_OPERATORS['in'](response.id, responses)
            & (conflict.id == Null) & (score.id == Null),
            order_by=[bid.id, criterion.sequence, criterion.id,
                evaluator.id]))
    return cursor.fetchall()


def record_names(missing, unmoderated):
    "Return the names of the users and of the providers of the failures"
    pool = Pool()
    User = pool.get('res.user')
    Party = pool.get('party.party')
    users = {u.id: u.rec_name for u in User.browse(
            list({row[1] for row in missing}))}
    parties = {p.id: p.rec_name for p in Party.browse(
            list({row[3] for row in missing}
                | {row[2] for row in unmoderated}))}
    return users, parties


def checklist(tender):
    "Return the live checklist of the evaluation gate tender faces next"
    if tender.state == 'closed':
        return checklist_text(start_checks(tender))
    elif tender.state == 'evaluation':
        return checklist_text(complete_checks(tender))
