# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The tender: its design, the gates it passes from draft to contract, and
the finance sign-offs on the way.

The checks of each gate belong to their business area (design, evaluation,
award, contract); the tender calls them and raises through the one gate
helper."""
import datetime as dt

from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import (
    amendment, award, contract, design, evaluation, giving, notification,
    ocds, ranking, report_assessment)
from .access import AccessMixin
from .collaboration import CollaborationOriginMixin
from .common import CompanyCurrencyMixin, add_workflow
from .exceptions import (
    ApprovalError, AwardError, CloseError, ContractError, EvaluationError,
    LockedError, PublishError, TenderDesignError, TenderValidationError)
from .gate import (
    check, check_gate, check_gates, checklist_text, confirm, message, passed)
from .states import (
    ASSIGNMENT_STATES, CANCELLABLE_STATES, EVALUATED_STATES, OPEN_STATES,
    REJECTABLE_STATES, TENDER_GROUPS, TENDER_STATES)
from .validation import INTEGER_MAX, InputMixin, check_ranges

# The fields the workflow writes itself, whatever the state
WORKFLOW_FIELDS = {
    'state', 'requested_by', 'approved_by', 'published_at', 'closed_at',
    'evaluation_started_at', 'evaluation_started_by',
    'evaluation_completed_at', 'evaluation_completed_by',
    'award_requested_by', 'award_requested_at', 'award_date',
    'standstill_end'}
# The fields that may change once a tender has left draft
WRITABLE_AFTER_DRAFT = {'evaluators', 'winning_bid', 'award_reason'}
# The transitions of the workflow
TRANSITIONS = {
    ('draft', 'pending_approval'),
    ('pending_approval', 'approved'),
    ('pending_approval', 'draft'),
    ('approved', 'published'),
    ('published', 'closed'),
    ('closed', 'evaluation'),
    ('evaluation', 'moderated'),
    ('moderated', 'award_pending'),
    ('award_pending', 'awarded'),
    ('award_pending', 'moderated'),
    ('awarded', 'contracted'),
    } | {(s, 'cancelled') for s in CANCELLABLE_STATES}

# The buttons of the workflow: the states they show in and their icon
BUTTONS = [
    ('load_child_first_criteria', ['draft'], 'tryton-import'),
    ('request_approval', ['draft'], 'tryton-forward'),
    ('approve', ['pending_approval'], 'tryton-ok'),
    ('reject', REJECTABLE_STATES, 'tryton-back'),
    ('publish', ['approved'], 'tryton-launch'),
    ('close', ['published'], 'tryton-lock'),
    ('start_evaluation', ['closed'], 'tryton-forward'),
    ('complete_evaluation', ['evaluation'], 'tryton-ok'),
    ('recommend_award', ['moderated'], 'tryton-forward'),
    ('approve_award', ['award_pending'], 'tryton-ok'),
    ('create_contract', ['awarded'], 'tryton-forward'),
    ('cancel', CANCELLABLE_STATES, 'tryton-cancel'),
    ]


class Tender(
        InputMixin, AccessMixin, CompanyCurrencyMixin,
        CollaborationOriginMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender'
    __string__ = "Tender"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    _award_states = {
        'readonly': Eval('state') != 'moderated',
        'invisible': ~Eval('state').in_(EVALUATED_STATES),
        }

    name = fields.Char("Name", required=True, states=_states,
        help="The name providers and the public see, in Child First "
        "language: about children and what the service does for them.")
    description = fields.Text(
        "Description", states=_states,
        help="What is being commissioned, for which children, and why.")
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    budget = Monetary(
        "Budget", currency='currency', digits='currency', required=True,
        states=_states,
        help="The most the commissioner will pay over the contract.")
    kind = fields.Selection([
            ('contract', "Contract"),
            ('grant', "Grant Round"),
            ], "Kind", required=True, states=_states,
        help="A contract is procured and awarded to one provider; a grant "
        "round funds organisations under lighter rules (no standstill "
        "by default).")
    submission_deadline = fields.DateTime(
        "Submission Deadline", states=_states,
        help="The date and time after which no bid can be submitted. The "
        "tender closes then, by itself or when an officer closes it.")
    questions_deadline = fields.DateTime(
        "Questions Deadline", states=_states,
        help="Providers may ask clarification questions until then, before "
        "the submission deadline; left empty, until the submission "
        "deadline.")
    questions = fields.One2Many(
        'commissioning.tender.question', 'tender',
        "Clarification Questions", readonly=True,
        help="Providers see the published questions and answers, and their "
        "own; never who asked.")
    amendments = fields.One2Many(
        'commissioning.tender.amendment', 'tender', "Amendments",
        readonly=True,
        help="The changes made to the tender after it was published.")
    contract_start = fields.Date("Contract Start", states=_states,
        help="When the service is to begin: after the deadline, the "
        "evaluation and the standstill.")
    contract_end = fields.Date("Contract End", states=_states,
        help="When the service is to end, after its start.")
    criteria = fields.One2Many(
        'commissioning.tender.criterion', 'tender', "Criteria",
        states=_states,
        help="What bids are judged on: scored criteria with weights adding "
        "up to 100 with the price, pass/fail requirements, and the "
        "Child First tenets each covered.")
    collaborations = fields.One2Many(
        'commissioning.collaboration', 'origin',
        "Collaboration with Children", states=_states,
        help="Evidence that children helped design this tender.")
    lots = fields.One2Many(
        'commissioning.tender.lot', 'tender', "Lots", states=_states,
        help="The parts of the service providers bid for separately, each "
        "with its own criteria and budget, ranked and awarded on its own. "
        "Without lots the tender is bid for and awarded as a whole.")
    max_lots_per_bid = fields.Integer(
        "Maximum Lots per Bid", states=_states,
        help="The most lots one bid may be for; empty or 0 for no limit.")
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    bids = fields.One2Many(
        'commissioning.bid', 'tender', "Bids", readonly=True,
        help="Until the tender closes, only who bid and when is shown.")
    requested_by = fields.Many2One(
        'res.user', "Approval Requested By", readonly=True,
        help="The officer who asked finance to approve the tender; they "
        "cannot approve it themselves.")
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True,
        help="The finance approver who approved the tender's budget and "
        "design.")
    published_at = fields.DateTime("Published At", readonly=True,
        help="When the tender was published to providers.")
    closed_at = fields.DateTime("Closed At", readonly=True,
        help="When the tender closed and its bids were unsealed.")
    evaluation_started_at = fields.DateTime(
        "Evaluation Started At", readonly=True,
        help="When the officer started the evaluation.")
    evaluation_started_by = fields.Many2One(
        'res.user', "Evaluation Started By", readonly=True,
        help="The officer who started the evaluation.")
    evaluation_completed_at = fields.DateTime(
        "Evaluation Completed At", readonly=True,
        help="When the evaluation was completed and the bids ranked.")
    evaluation_completed_by = fields.Many2One(
        'res.user', "Evaluation Completed By", readonly=True,
        help="The officer who completed the evaluation.")
    evaluators = fields.One2Many(
        'commissioning.tender.evaluator', 'tender', "Evaluators",
        states={
            'readonly': ~Eval('state').in_(ASSIGNMENT_STATES),
            },
        help="Who scores the bids and which criteria each scores; a "
        "children's panel scores Child First criteria.")
    winning_bid = fields.Many2One(
        'commissioning.bid', "Winning Bid",
        domain=[
            ('tender', '=', Eval('id', -1)),
            ('eligible', '=', True),
            ],
        states=_award_states,
        help="Left empty, the top-ranked eligible bid is recommended.")
    award_reason = fields.Text(
        "Award Reason", states=_award_states,
        help="Required when the recommended bid is not the top-ranked one.")
    award_requested_by = fields.Many2One(
        'res.user', "Award Recommended By", readonly=True,
        help="The officer who recommended the award; finance approves it.")
    award_requested_at = fields.DateTime(
        "Award Recommended At", readonly=True,
        help="When the officer recommended the award.")
    award_date = fields.Date("Award Date", readonly=True,
        help="When finance approved the award: the standstill starts then.")
    standstill_end = fields.Date(
        "Standstill End", readonly=True,
        help="The contract can be created after this date.")
    contract = fields.Function(
        fields.Many2One('commissioning.contract', "Contract",
            help="The contract made with the winning provider."),
        'get_contract')
    total_weight = fields.Function(
        fields.Numeric("Total Weight", digits=(16, 2),
            help="The weights of the scored criteria and the price: they "
            "must add up to 100."), 'get_weights')
    child_first_weight = fields.Function(
        fields.Numeric("Child First Weight", digits=(16, 2),
            help="The weight of the Child First criteria, which must reach "
            "the configured minimum."), 'get_weights')
    design_checklist = fields.Function(
        fields.Text("Design Checklist",
            help="What the tender still needs before finance can approve it,"
            " checked as you edit: every line must be ticked."),
        'get_design_checklist')
    design_ready = fields.Function(
        fields.Boolean("Ready for Approval",
            help="Ticked when every check of the design passes."),
        'get_design_checklist')
    evaluation_checklist = fields.Function(
        fields.Text("Evaluation Checklist",
            help="What the evaluation still needs before it can start or "
            "complete."), 'get_evaluation_checklist')
    language_notes = fields.Function(
        fields.Text("Child First Language",
            help="Words in the texts that label children, with the Child "
            "First wording to use instead."), 'get_language_notes')
    public = fields.Function(fields.Boolean(
            "Public", help="Providers see the tender."),
        'get_state_group', searcher='search_state_group')
    unsealed = fields.Function(fields.Boolean(
            "Unsealed",
            help="The tender has closed: its bids are open to the "
            "commissioner and to its evaluators."),
        'get_state_group', searcher='search_state_group')
    evaluated = fields.Function(fields.Boolean(
            "Evaluated",
            help="The evaluation is complete: the scores are shown."),
        'get_state_group', searcher='search_state_group')
    state = fields.Selection(
        TENDER_STATES, "State", readonly=True, required=True, sort=False,
        help="Where the tender stands: draft, waiting for approval, "
        "approved, published, closed, in evaluation, moderated, award "
        "pending, awarded, contracted or cancelled.")
    state_string = state.translated('state')

    del _states, _award_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(
                t,
                (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_(OPEN_STATES)))
        cls._order = [
            ('submission_deadline', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        add_workflow(cls, TRANSITIONS, BUTTONS)
        cls.__rpc__['ocds_release_package'] = RPC(readonly=True, instantiate=0)
        cls.__rpc__['giving_package'] = RPC(readonly=True, instantiate=0)

    @classmethod
    def giving_package(cls, tenders, start=None, end=None):
        """Return the 360Giving data package (JSON-ready) of the awarded
        grants of tenders whose award date is from start to end"""
        return giving.package(tenders, start=start, end=end)

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'contract'

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'cancelled', 'muted', '')),
            ]

    @classmethod
    def get_weights(cls, tenders, names):
        return design.weights(tenders, names)

    def get_state_group(self, name):
        return self.state in TENDER_GROUPS[name]

    @classmethod
    def search_state_group(cls, name, clause):
        _, operator, value = clause[:3]
        inside = (operator == '=') == bool(value)
        return [('state', 'in' if inside else 'not in', TENDER_GROUPS[name])]

    @classmethod
    def get_contract(cls, tenders, name):
        return contract.tender_contracts(tenders)

    # The checks of the gates

    def design_checks(self):
        "Return the checks of the tender design gate"
        return design.design_checks(self)

    def approval_checks(self):
        "Return the checks finance signs off: the design as it stands"
        return self.design_checks()

    def publish_checks(self):
        "Return the checks of publication: the deadline is ahead"
        deadline = self.submission_deadline
        failures = []
        if not deadline or deadline <= dt.datetime.now():
            failures.append(message('msg_publish_deadline_passed',
                    deadline=deadline.replace(microsecond=0)
                    if deadline else "—"))
        return [check('msg_publish_label_deadline', failures)]

    def close_checks(self):
        "Return the checks of the close: the deadline has passed"
        deadline = self.submission_deadline
        failures = []
        if deadline and deadline > dt.datetime.now():
            failures.append(message('msg_close_early',
                    deadline=deadline.replace(microsecond=0)))
        return [check('msg_close_label_deadline', failures)]

    def start_evaluation_checks(self):
        return evaluation.start_checks(self)

    def complete_evaluation_checks(self):
        return evaluation.complete_checks(self)

    def award_checks(self):
        return award.award_checks(self, self.top_ranked_bid())

    def top_ranked_bid(self):
        return award.top_ranked_bid(self)

    def standstill_over(self, date=None):
        "Whether the contract may be created on date (today by default)"
        return award.standstill_over(self, date)

    @classmethod
    def get_design_checklist(cls, tenders, names):
        result = {n: {} for n in names}
        for tender in tenders:
            checks = tender.design_checks()
            if 'design_checklist' in result:
                result['design_checklist'][tender.id] = checklist_text(checks)
            if 'design_ready' in result:
                result['design_ready'][tender.id] = passed(checks)
        return result

    @classmethod
    def get_evaluation_checklist(cls, tenders, name):
        return {t.id: evaluation.checklist(t) for t in tenders}

    # Child First language

    @classmethod
    def get_language_notes(cls, tenders, name):
        return {
            t.id: "\n".join(text for _, text in design.language_lines(t))
            for t in tenders}

    # Validation and modification

    @classmethod
    def validate_fields(cls, tenders, field_names):
        super().validate_fields(tenders, field_names)
        check_ranges(cls, tenders, field_names,
            max_lots_per_bid=(0, INTEGER_MAX))
        for tender in tenders:
            error = design.budget_date_error(tender)
            if error:
                raise TenderValidationError(
                    message(error, tender=tender.rec_name))

    @classmethod
    def check_modification(cls, mode, tenders, values=None, external=False):
        super().check_modification(
            mode, tenders, values=values, external=external)
        if mode == 'write':
            cls.check_writable(tenders, set(values or {}), external)
        elif mode == 'delete':
            for tender in tenders:
                if tender.state not in {'draft', 'cancelled'}:
                    raise LockedError(message(
                            'msg_tender_delete', tender=tender.rec_name))

    @classmethod
    def check_writable(cls, tenders, names, external):
        "Raise when the fields names of the tenders may not change"
        if amendment.applying():
            names = names - amendment.TENDER_FIELDS
        for tender in tenders:
            if names - WORKFLOW_FIELDS - WRITABLE_AFTER_DRAFT and (
                    tender.state != 'draft'):
                raise LockedError(message('msg_tender_locked',
                        tender=tender.rec_name, state=tender.state_string))
            if (external and names & {'winning_bid', 'award_reason'}
                    and tender.state != 'moderated'):
                raise LockedError(message(
                        'msg_award_locked', tender=tender.rec_name))

    def check_evidence_editable(self):
        if self.state != 'draft':
            raise LockedError(message('msg_tender_evidence_locked',
                    tender=self.rec_name, state=self.state_string))

    def check_criteria_editable(self):
        if self.state != 'draft' and not amendment.applying():
            raise LockedError(message('msg_tender_criteria_locked',
                    tender=self.rec_name, state=self.state_string))

    @classmethod
    def copy(cls, tenders, default=None):
        default = default.copy() if default is not None else {}
        # A copy is a new draft: it passes every gate again
        default.setdefault('state', cls.default_state())
        for name in (WORKFLOW_FIELDS | WRITABLE_AFTER_DRAFT) - {'state'}:
            multiple = cls._fields[name]._type in {'one2many', 'many2many'}
            default.setdefault(name, [] if multiple else None)
        default.setdefault('signoffs')
        default.setdefault('bids')
        default.setdefault('questions')
        default.setdefault('amendments')
        # The lots name the criteria of the original
        default.setdefault('lots')
        return super().copy(tenders, default=default)

    @classmethod
    def ocds_release_package(cls, tenders):
        """Return the OCDS release package (a dict) of every public release
        of the tenders, validated; for officers and administrators"""
        ocds.check_export(cls, tenders)
        return ocds.tender_package(tenders)

    # Buttons

    @classmethod
    @ModelView.button
    def load_child_first_criteria(cls, tenders):
        """Add the criteria library's default criteria, with their KPI
        templates, that the tender does not have yet"""
        pool = Pool()
        Library = pool.get('commissioning.library.criterion')
        Criterion = pool.get('commissioning.tender.criterion')
        entries = Library.search([('load_by_default', '=', True)])
        to_create = []
        for tender in tenders:
            if tender.state != 'draft':
                continue
            names = {c.name for c in tender.criteria}
            for entry in entries:
                if entry.name not in names:
                    to_create.append(
                        entry.criterion_values() | {'tender': tender.id})
        if to_create:
            Criterion.create(to_create)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending_approval')
    def request_approval(cls, tenders):
        cls.check_design(tenders)
        cls.write(tenders, {'requested_by': Transaction().user})
        notification.approval_requested(tenders, 'tender_budget')

    @classmethod
    def check_design(cls, tenders):
        "Raise listing every failing check of the tender design gate"
        check_gates(
            TenderDesignError, 'msg_tender_design_gate', tenders,
            'design_checks', 'tender')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, tenders):
        Signoff = Pool().get('commissioning.signoff')
        signoffs = []
        for tender in tenders:
            checks = tender.approval_checks()
            check_gate(ApprovalError, 'msg_tender_approval_gate', checks,
                tender=tender.rec_name)
            signoffs.append(Signoff.decide(
                    tender, 'tender_budget', 'approved',
                    checklist_text(checks).splitlines(),
                    requested_by=tender.requested_by))
        Signoff.record(signoffs)
        cls.write(tenders, {'approved_by': Transaction().user})

    @classmethod
    @ModelView.button_action(
        'childfirst_commissioning.wizard_tender_reject')
    def reject(cls, tenders):
        pass

    @classmethod
    def reject_with(cls, tenders, comment):
        """Send tenders back with the comment of finance: from approval to
        draft, from award to moderated"""
        award.check_reject_comment(comment)
        # Who may reject is checked by the button and the wizard's groups
        with without_check_access():
            cls._reject_approval(
                [t for t in tenders if t.state == 'pending_approval'],
                comment)
            cls._reject_award(
                [t for t in tenders if t.state == 'award_pending'], comment)

    @classmethod
    @Workflow.transition('draft')
    def _reject_approval(cls, tenders, comment):
        Signoff = Pool().get('commissioning.signoff')
        Signoff.record([Signoff.decide(
                    t, 'tender_budget', 'rejected',
                    checklist_text(t.approval_checks()).splitlines(),
                    requested_by=t.requested_by, comment=comment)
                for t in tenders])
        cls.write(tenders, {'requested_by': None, 'approved_by': None})

    @classmethod
    @Workflow.transition('moderated')
    def _reject_award(cls, tenders, comment):
        award.reject(tenders, comment)

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, tenders):
        check_gates(
            PublishError, 'msg_tender_publish_gate', tenders,
            'publish_checks', 'tender')
        cls.write(tenders, {'published_at': dt.datetime.now()})
        notification.tender_published(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, tenders):
        "Close tenders at their deadline: draft bids become void"
        Bid = Pool().get('commissioning.bid')
        check_gates(
            CloseError, 'msg_tender_close_gate', tenders,
            'close_checks', 'tender')
        confirm('msg_tender_close_confirm', tenders,
            tenders=", ".join(t.rec_name for t in tenders))
        Bid.void(Bid.search([
                    ('tender', 'in', [t.id for t in tenders]),
                    ['OR',
                        ('state', '=', 'draft'),
                        [('state', '=', 'submitted'),
                            ('needs_reconfirmation', '=', True)],
                        ],
                    ]))
        cls.write(tenders, {'closed_at': dt.datetime.now()})

    @classmethod
    def close_overdue(cls):
        "Close the published tenders whose deadline has passed"
        with Transaction().set_context(_skip_warnings=True):
            cls.close(cls.search([
                        ('state', '=', 'published'),
                        ('submission_deadline', '<=', dt.datetime.now()),
                        ]))

    @classmethod
    @ModelView.button
    @Workflow.transition('evaluation')
    def start_evaluation(cls, tenders):
        unassessed = evaluation.unassessed_failures(tenders)
        for tender in tenders:
            check_gate(EvaluationError, 'msg_start_evaluation_gate',
                evaluation.start_checks(tender, unassessed),
                tender=tender.rec_name)
        cls.write(tenders, {
                'evaluation_started_at': dt.datetime.now(),
                'evaluation_started_by': Transaction().user,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('moderated')
    def complete_evaluation(cls, tenders):
        failures = evaluation.complete_failures(tenders)
        for tender in tenders:
            check_gate(EvaluationError, 'msg_complete_evaluation_gate',
                evaluation.complete_checks(tender, failures),
                tender=tender.rec_name)
        cls.store_ranking(tenders)
        cls.write(tenders, {
                'evaluation_completed_at': dt.datetime.now(),
                'evaluation_completed_by': Transaction().user,
                })

    @classmethod
    def compute_ranking(cls, tenders):
        "Return {bid id: values} with the ranking of the tenders' bids"
        return ranking.compute(tenders)

    @classmethod
    def store_ranking(cls, tenders):
        """Store the ranking of the tenders' bids on the bids, and for the
        tenders with lots the ranking of each lot on the bids' lots"""
        ranking.store(tenders)
        ranking.store_lots(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('award_pending')
    def recommend_award(cls, tenders):
        "Recommend the winning bids, by default the top-ranked ones"
        top = award.top_ranked_bids(tenders)
        for tender in tenders:
            check_gate(AwardError, 'msg_award_gate',
                award.award_checks(tender, top[tender.id]),
                tender=tender.rec_name)
        award.store_winning_bids(tenders, {
                t.id: top[t.id].id for t in tenders if not t.winning_bid})
        cls.write(tenders, {
                'award_requested_by': Transaction().user,
                'award_requested_at': dt.datetime.now(),
                })
        notification.approval_requested(tenders, 'award')

    @classmethod
    @ModelView.button
    @Workflow.transition('awarded')
    def approve_award(cls, tenders):
        pool = Pool()
        Signoff = pool.get('commissioning.signoff')
        Bid = pool.get('commissioning.bid')
        today = pool.get('ir.date').today()
        top = award.top_ranked_bids(tenders)
        checks = {t: award.award_checks(t, top[t.id]) for t in tenders}
        signoffs = []
        for tender in tenders:
            check_gate(AwardError, 'msg_award_gate', checks[tender],
                tender=tender.rec_name)
            signoffs.append(Signoff.decide(
                    tender, 'award', 'approved',
                    award.signoff_lines(tender, checks[tender]),
                    requested_by=tender.award_requested_by,
                    comment=tender.award_reason))
        Signoff.record(signoffs)
        args = award.award_values(tenders, today)
        if args:
            cls.write(*args)
        Bid.award([t.winning_bid for t in tenders])
        Bid.lose([b for t in tenders for b in award.losing_bids(t)])
        if tenders:
            cls.__queue__.send_assessment_summaries(tenders)

    @classmethod
    def send_assessment_summaries(cls, tenders):
        """Attach to each assessed bid of the awarded tenders its
        assessment summary, for its bidder (run from the queue)"""
        report_assessment.send_summaries([b for t in tenders for b in t.bids])

    @classmethod
    @ModelView.button
    @Workflow.transition('contracted')
    def create_contract(cls, tenders):
        Contract = Pool().get('commissioning.contract')
        for tender in tenders:
            check_gate(ContractError, 'msg_contract_creation_gate',
                award.standstill_checks(tender), tender=tender.rec_name)
        Contract.save(contract.contracts_for(tenders))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, tenders):
        pass


class TenderRejectStart(ModelView):
    __name__ = 'commissioning.tender.reject.start'
    __string__ = "Reject Tender"

    comment = fields.Text(
        "Comment", required=True,
        help="Tell the commissioning officer what to change.")


class TenderReject(Wizard):
    __name__ = 'commissioning.tender.reject'
    __string__ = "Reject Tender"
    start = StateView(
        'commissioning.tender.reject.start',
        'childfirst_commissioning.tender_reject_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-back', default=True),
            ])
    reject = StateTransition()

    def transition_reject(self):
        self.model.reject_with(self.records, self.start.comment)
        return 'end'
