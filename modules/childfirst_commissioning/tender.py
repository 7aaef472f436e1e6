# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .access import AccessMixin
from .collaboration import CollaborationOriginMixin
from .common import (
    TENET_KEYS, TENETS, CompanyCurrencyMixin, CriterionMixin, InputMixin,
    KpiMixin, number as _number, numeric)
from .exceptions import (
    ApprovalError, CloseError, LockedError, PublishError, TenderDesignError,
    TenderValidationError)
from .gate import check_gate, checklist_text

STATES = [
    ('draft', "Draft"),
    ('pending_approval', "Pending Approval"),
    ('approved', "Approved"),
    ('published', "Published"),
    ('closed', "Closed"),
    ('evaluation', "Evaluation"),
    ('moderated', "Moderated"),
    ('award_pending', "Award Pending"),
    ('awarded', "Awarded"),
    ('contracted', "Contracted"),
    ('cancelled', "Cancelled"),
    ]
# The states in which a tender is visible to providers
PUBLIC_STATES = [
    'published', 'closed', 'evaluation', 'moderated', 'award_pending',
    'awarded', 'contracted']
# The fields the workflow writes itself, whatever the state
WORKFLOW_FIELDS = {
    'state', 'requested_by', 'approved_by', 'published_at', 'closed_at'}


class Tender(
        InputMixin, AccessMixin, CompanyCurrencyMixin,
        CollaborationOriginMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commissioning.tender'
    __string__ = "Tender"
    _history = True
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    name = fields.Char("Name", required=True, states=_states)
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
            ], "Kind", required=True, states=_states)
    submission_deadline = fields.DateTime(
        "Submission Deadline", states=_states)
    contract_start = fields.Date("Contract Start", states=_states)
    contract_end = fields.Date("Contract End", states=_states)
    criteria = fields.One2Many(
        'commissioning.tender.criterion', 'tender', "Criteria",
        states=_states)
    collaborations = fields.One2Many(
        'commissioning.collaboration', 'origin',
        "Collaboration with Children", states=_states,
        help="Evidence that children helped design this tender.")
    signoffs = fields.One2Many(
        'commissioning.signoff', 'origin', "Sign-offs", readonly=True)
    bids = fields.One2Many(
        'commissioning.bid', 'tender', "Bids", readonly=True,
        help="Until the tender closes, only who bid and when is shown.")
    requested_by = fields.Many2One(
        'res.user', "Approval Requested By", readonly=True)
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True)
    published_at = fields.DateTime("Published At", readonly=True)
    closed_at = fields.DateTime("Closed At", readonly=True)
    total_weight = fields.Function(
        fields.Numeric("Total Weight", digits=(16, 2)), 'get_weights')
    child_first_weight = fields.Function(
        fields.Numeric("Child First Weight", digits=(16, 2)), 'get_weights')
    design_checklist = fields.Function(
        fields.Text("Design Checklist"), 'get_design_checklist')
    design_ready = fields.Function(
        fields.Boolean("Ready for Approval"), 'get_design_checklist')
    language_notes = fields.Function(
        fields.Text("Child First Language"), 'get_language_notes')
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(
                t,
                (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_([
                        'draft', 'pending_approval', 'approved',
                        'published'])))
        cls._order = [
            ('submission_deadline', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'pending_approval'),
            ('pending_approval', 'approved'),
            ('pending_approval', 'draft'),
            ('approved', 'published'),
            ('published', 'closed'),
            ('draft', 'cancelled'),
            ('pending_approval', 'cancelled'),
            ('approved', 'cancelled'),
            ('published', 'cancelled'),
            ('closed', 'cancelled'),
            }
        cls._buttons.update({
                'load_child_first_criteria': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-import',
                    'depends': ['state'],
                    },
                'request_approval': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'pending_approval',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'pending_approval',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'publish': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'published',
                    'icon': 'tryton-lock',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'pending_approval', 'approved',
                            'published', 'closed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

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

    # Weights, for all tenders in one query

    @classmethod
    def get_weights(cls, tenders, names):
        pool = Pool()
        Criterion = pool.get('commissioning.tender.criterion')
        criterion = Criterion.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {t.id: Decimal(0) for t in tenders} for n in names}
        if not tenders:
            return result
        weight = Coalesce(numeric(criterion.weight), 0)
        total = Sum(Case(
                (criterion.method.in_(['scored', 'price']), weight),
                else_=0))
        child_first = Sum(Case(
                ((criterion.method == 'scored')
                    & (criterion.tenet != None),  # noqa: E711
                    weight), else_=0))
        cent = Decimal('0.01')
        cursor.execute(*criterion.select(
                criterion.tender, total, child_first,
                where=fields.SQL_OPERATORS['in'](
                    criterion.tender, [t.id for t in tenders]),
                group_by=criterion.tender))
        for tender_id, *weights in cursor:
            for name, weight in zip(
                    ['total_weight', 'child_first_weight'], weights):
                if name in result:
                    result[name][tender_id] = Decimal(
                        str(weight or 0)).quantize(cent)
        return result

    # The tender design gate

    def design_checks(self):
        """Return the checks of the tender design gate.

        Each check is a (label, failures) pair; the check passes when
        failures is empty."""
        pool = Pool()
        Configuration = pool.get('commissioning.configuration')
        config = Configuration(1)
        tenet_names = dict(TENETS)
        criteria = list(self.criteria or [])
        checks = []

        def check(name, failures, **values):
            checks.append((
                    gettext('childfirst_commissioning.msg_check_label_%s'
                        % name, **values),
                    failures))

        # 1. Weights of the scored and price criteria add up to 100
        total = sum(
            (c.weight or 0 for c in criteria
                if c.method in {'scored', 'price'}), Decimal(0))
        check('weights', [] if total == 100 else [gettext(
                        'childfirst_commissioning.msg_check_weights',
                        total=_number(total))])

        # 2. Each tenet has a scored criterion
        covered = {c.tenet for c in criteria
            if c.tenet and c.method == 'scored'}
        missing = [tenet_names[t] for t in TENET_KEYS if t not in covered]
        check('tenets', [gettext(
                        'childfirst_commissioning.msg_check_tenet',
                        tenet=t) for t in missing])

        # 3. Child First criteria carry enough weight
        minimum = config.minimum_child_first_weight
        child_first = sum(
            (c.weight or 0 for c in criteria if c.child_first), Decimal(0))
        check('child_first_weight', [] if child_first >= minimum else [
                    gettext('childfirst_commissioning'
                        '.msg_check_child_first_weight',
                        weight=_number(child_first), minimum=minimum)],
            minimum=minimum)

        # 4. A mandatory pass/fail criterion requires evidence of
        # collaboration with children
        mandatory = [c for c in criteria
            if c.method == 'pass_fail' and c.tenet == 'collaboration'
            and c.evidence_required]
        check('evidence_criterion', [] if mandatory else [gettext(
                        'childfirst_commissioning'
                        '.msg_check_evidence_criterion')])

        # 5. Children were involved in designing the tender
        check('co_design', self.collaboration_evidence_checks())

        # 6. Every Child First criterion feeds the contract KPIs
        check('kpi_templates', [gettext(
                        'childfirst_commissioning.msg_check_kpi_templates',
                        criterion=c.name)
                    for c in criteria
                    if c.child_first and not c.kpi_templates])

        # 7. Child First language
        check('language', [text for blocking, text in self.format_language(
                        self.language_findings()) if blocking])

        # 8. Budget and dates
        failures = []
        if not self.budget or self.budget <= 0:
            failures.append(gettext(
                    'childfirst_commissioning.msg_check_budget'))
        for name in ['submission_deadline', 'contract_start',
                'contract_end']:
            if not getattr(self, name):
                failures.append(gettext(
                        'childfirst_commissioning.msg_check_date_missing',
                        field=self.__names__(name)['field']))
        if (self.submission_deadline and self.contract_start
                and self.submission_deadline.date() >= self.contract_start):
            failures.append(gettext(
                    'childfirst_commissioning.msg_check_deadline_start'))
        if (self.contract_start and self.contract_end
                and self.contract_start >= self.contract_end):
            failures.append(gettext(
                    'childfirst_commissioning.msg_check_start_end'))
        check('budget_dates', failures)
        return checks

    def language_texts(self):
        "Return the (label, text) pairs of this tender's texts"
        texts = [
            (self.__names__('name')['field'], self.name),
            (self.__names__('description')['field'], self.description),
            ]
        for criterion in self.criteria or []:
            texts.append((criterion.name, criterion.name))
            texts.append((criterion.name, criterion.description))
            for kpi in criterion.kpi_templates or []:
                texts.append((criterion.name, kpi.name))
        return texts

    def language_findings(self):
        Term = Pool().get('commissioning.language.term')
        return Term.find_in(self.language_texts())

    @staticmethod
    def format_language(findings):
        "Return (blocking, text) pairs for the findings"
        Term = Pool().get('commissioning.language.term')
        return list(zip(
                [f['blocking'] for f in findings],
                Term.format_findings(findings)))

    @classmethod
    def get_design_checklist(cls, tenders, names):
        result = {n: {} for n in names}
        for tender in tenders:
            checks = tender.design_checks()
            if 'design_checklist' in result:
                result['design_checklist'][tender.id] = checklist_text(checks)
            if 'design_ready' in result:
                result['design_ready'][tender.id] = not any(
                    f for _, f in checks)
        return result

    @classmethod
    def get_language_notes(cls, tenders, name):
        return {
            t.id: "\n".join(text for _, text in t.format_language(
                        t.language_findings()))
            for t in tenders}

    # Validation of input

    @classmethod
    def validate_fields(cls, tenders, field_names):
        super().validate_fields(tenders, field_names)
        for tender in tenders:
            if tender.budget is not None and tender.budget < 0:
                raise TenderValidationError(gettext(
                        'childfirst_commissioning.msg_tender_budget_negative',
                        tender=tender.rec_name))
            if (tender.submission_deadline and tender.contract_start
                    and tender.submission_deadline.date()
                    >= tender.contract_start):
                raise TenderValidationError(gettext(
                        'childfirst_commissioning.msg_tender_deadline_start',
                        tender=tender.rec_name))
            if (tender.contract_start and tender.contract_end
                    and tender.contract_start >= tender.contract_end):
                raise TenderValidationError(gettext(
                        'childfirst_commissioning.msg_tender_start_end',
                        tender=tender.rec_name))

    @classmethod
    def check_modification(cls, mode, tenders, values=None, external=False):
        super().check_modification(
            mode, tenders, values=values, external=external)
        if mode == 'write' and (
                set(values or {}) - cls._workflow_fields()
                - cls._writable_after_draft()):
            for tender in tenders:
                if tender.state != 'draft':
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_tender_locked',
                            tender=tender.rec_name,
                            state=tender.state_string))
        elif mode == 'delete':
            for tender in tenders:
                if tender.state not in {'draft', 'cancelled'}:
                    raise LockedError(gettext(
                            'childfirst_commissioning.msg_tender_delete',
                            tender=tender.rec_name))

    @classmethod
    def _workflow_fields(cls):
        "The fields the workflow writes itself, whatever the state"
        return set(WORKFLOW_FIELDS)

    @classmethod
    def _writable_after_draft(cls):
        "The fields that may change once a tender has left draft"
        return set()

    def check_evidence_editable(self):
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_tender_evidence_locked',
                    tender=self.rec_name, state=self.state_string))

    def check_criteria_editable(self):
        if self.state != 'draft':
            raise LockedError(gettext(
                    'childfirst_commissioning.msg_tender_criteria_locked',
                    tender=self.rec_name, state=self.state_string))

    @classmethod
    def copy(cls, tenders, default=None):
        default = default.copy() if default is not None else {}
        # A copy is a new draft: it passes every gate again
        default.setdefault('state', cls.default_state())
        for name in ((cls._workflow_fields() | cls._writable_after_draft())
                - {'state'}):
            multiple = cls._fields[name]._type in {'one2many', 'many2many'}
            default.setdefault(name, [] if multiple else None)
        default.setdefault('signoffs')
        default.setdefault('bids')
        return super().copy(tenders, default=default)

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
                if entry.name in names:
                    continue
                values = entry.criterion_values()
                values['tender'] = tender.id
                to_create.append(values)
        if to_create:
            Criterion.create(to_create)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending_approval')
    def request_approval(cls, tenders):
        cls.check_design(tenders)
        cls.write(tenders, {'requested_by': Transaction().user})

    @classmethod
    def check_design(cls, tenders):
        "Raise listing every failing check of the tender design gate"
        for tender in tenders:
            checks = tender.design_checks()
            check_gate(TenderDesignError, 'msg_tender_design_gate', checks,
                tender=tender.rec_name)

    def approval_checks(self):
        "Return the checks finance signs off: the design as it stands"
        return self.design_checks()

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, tenders):
        Signoff = Pool().get('commissioning.signoff')
        for tender in tenders:
            checks = tender.approval_checks()
            check_gate(ApprovalError, 'msg_tender_approval_gate', checks,
                tender=tender.rec_name)
            Signoff.record(
                tender, 'tender_budget', 'approved',
                checklist_text(checks).splitlines(),
                requested_by=tender.requested_by)
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
        if not comment or not comment.strip():
            raise ApprovalError(gettext(
                    'childfirst_commissioning.msg_reject_comment'))
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
        for tender in tenders:
            Signoff.record(
                tender, 'tender_budget', 'rejected',
                checklist_text(tender.approval_checks()).splitlines(),
                requested_by=tender.requested_by, comment=comment)
        cls.write(tenders, {'requested_by': None, 'approved_by': None})

    @classmethod
    @Workflow.transition('moderated')
    def _reject_award(cls, tenders, comment):
        Signoff = Pool().get('commissioning.signoff')
        for tender in tenders:
            Signoff.record(
                tender, 'award', 'rejected',
                [tender.winning_bid.rec_name if tender.winning_bid else ''],
                requested_by=tender.award_requested_by, comment=comment)
        cls.write(tenders, {
                'award_requested_by': None, 'winning_bid': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, tenders):
        now = dt.datetime.now()
        for tender in tenders:
            if (not tender.submission_deadline
                    or tender.submission_deadline <= now):
                raise PublishError(gettext(
                        'childfirst_commissioning.msg_tender_publish_gate',
                        tender=tender.rec_name,
                        deadline=(tender.submission_deadline.replace(
                                microsecond=0)
                            if tender.submission_deadline else "—")))
        cls.write(tenders, {'published_at': now})

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, tenders):
        "Close tenders at their deadline: draft bids become void"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        now = dt.datetime.now()
        for tender in tenders:
            deadline = tender.submission_deadline
            if deadline and deadline > now:
                raise CloseError(gettext(
                        'childfirst_commissioning.msg_tender_close_early',
                        tender=tender.rec_name,
                        deadline=deadline.replace(microsecond=0)))
        drafts = Bid.search([
                ('tender', 'in', [t.id for t in tenders]),
                ('state', '=', 'draft'),
                ])
        Bid.void(drafts)
        cls.write(tenders, {'closed_at': now})

    @classmethod
    def close_overdue(cls):
        "Close the published tenders whose deadline has passed"
        tenders = cls.search([
                ('state', '=', 'published'),
                ('submission_deadline', '<=', dt.datetime.now()),
                ])
        cls.close(tenders)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, tenders):
        pass


class TenderCriterion(AccessMixin, CriterionMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.tender.criterion'
    __string__ = "Tender Criterion"
    _history = True

    tender = fields.Many2One(
        'commissioning.tender', "Tender", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('tender_state', 'draft') != 'draft',
            })
    kpi_templates = fields.One2Many(
        'commissioning.kpi.template', 'criterion', "KPI Templates",
        states={
            'readonly': Eval('tender_state', 'draft') != 'draft',
            },
        help="The KPIs this criterion gives the contract.")
    evaluators = fields.Many2Many(
        'commissioning.tender.evaluator-criterion', 'criterion', 'evaluator',
        "Evaluators", readonly=True,
        help="The evaluators who score this criterion.")
    tender_state = fields.Function(
        fields.Selection(STATES, "Tender State"),
        'on_change_with_tender_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly = Eval('tender_state', 'draft') != 'draft'
        for name in ['name', 'description', 'sequence', 'tenet', 'method',
                'weight', 'minimum_score', 'evidence_required']:
            field = getattr(cls, name)
            field.states = field.states.copy()
            field.states['readonly'] = (
                field.states.get('readonly', False) | readonly)
            field.depends = set(field.depends) | {'tender_state'}

    @fields.depends('tender', '_parent_tender.state')
    def on_change_with_tender_state(self, name=None):
        if self.tender:
            return self.tender.state

    @classmethod
    def check_modification(cls, mode, criteria, values=None, external=False):
        super().check_modification(
            mode, criteria, values=values, external=external)
        for criterion in criteria:
            criterion.tender.check_criteria_editable()
        if mode == 'write' and values and values.get('tender'):
            Tender = Pool().get('commissioning.tender')
            Tender(values['tender']).check_criteria_editable()


class KpiTemplate(AccessMixin, KpiMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.kpi.template'
    __string__ = "KPI Template"
    _history = True

    criterion = fields.Many2One(
        'commissioning.tender.criterion', "Criterion", required=True,
        ondelete='CASCADE')
    tenet = fields.Function(
        fields.Selection([(None, "")] + TENETS, "Child First Tenet"),
        'on_change_with_tenet')

    @fields.depends('criterion', '_parent_criterion.tenet')
    def on_change_with_tenet(self, name=None):
        if self.criterion:
            return self.criterion.tenet

    @classmethod
    def check_modification(cls, mode, kpis, values=None, external=False):
        super().check_modification(
            mode, kpis, values=values, external=external)
        for kpi in kpis:
            kpi.criterion.tender.check_criteria_editable()
        if mode == 'write' and values and values.get('criterion'):
            Criterion = Pool().get('commissioning.tender.criterion')
            Criterion(values['criterion']).tender.check_criteria_editable()


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


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('commissioning.tender|close_overdue',
                "Close Tenders Past Their Deadline"))
