# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Criteria and KPI templates: what the library and the tenders share, and
the tender's own, which its design gate checks and its contract inherits."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval

from .access import AccessMixin
from .common import DIRECTIONS, KPI_CATEGORIES, METHODS, TENETS, number
from .exceptions import CriterionValidationError
from .states import TENDER_STATES
from .validation import InputMixin


class CriterionMixin(InputMixin):
    "The definition of an award criterion"
    __slots__ = ()

    name = fields.Char("Name", required=True)
    description = fields.Text(
        "Description", help="What bidders are asked and how it is judged.")
    sequence = fields.Integer("Sequence")
    tenet = fields.Selection(
        [(None, "")] + TENETS, "Child First Tenet",
        help="The Child First tenet this criterion assesses, if any.")
    method = fields.Selection(
        METHODS, "Method", required=True,
        help="Scored: evaluators score it. Pass/Fail: a bid must pass it. "
        "Price: scored from the bid price.")
    weight = fields.Numeric(
        "Weight", digits=(16, 2),
        states={
            'invisible': Eval('method') == 'pass_fail',
            },
        help="Out of 100 for scored and price criteria together.")
    minimum_score = fields.Numeric(
        "Minimum Score", digits=(16, 2),
        states={
            'invisible': Eval('method') != 'scored',
            },
        help="A bid scoring less than this on the criterion is not "
        "eligible.")
    evidence_required = fields.Boolean(
        "Evidence of Collaboration Required",
        help="Bidders must attach a complete record of collaboration with "
        "children.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS LAST'))

    @classmethod
    def default_method(cls):
        return 'scored'

    @classmethod
    def default_weight(cls):
        return Decimal(0)

    @classmethod
    def default_evidence_required(cls):
        return False

    @fields.depends('method', 'weight')
    def on_change_method(self):
        if self.method == 'pass_fail':
            self.weight = Decimal(0)

    @property
    def child_first(self):
        "A scored criterion assessing a Child First tenet"
        return bool(self.tenet) and self.method == 'scored'

    @classmethod
    def validate_fields(cls, criteria, field_names):
        super().validate_fields(criteria, field_names)
        if field_names and not (
                field_names & {'weight', 'minimum_score', 'method'}):
            return
        Configuration = Pool().get('commissioning.configuration')
        score_max = Configuration(1).score_max
        for criterion in criteria:
            weight = criterion.weight or 0
            if not (0 <= weight <= 100):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_criterion_weight',
                        criterion=criterion.name, weight=number(weight)))
            if criterion.method == 'pass_fail' and weight:
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning'
                        '.msg_criterion_pass_fail_weight',
                        criterion=criterion.name, weight=number(weight)))
            minimum = criterion.minimum_score
            if minimum is not None and not (0 <= minimum <= score_max):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_criterion_minimum',
                        criterion=criterion.name, minimum=number(minimum),
                        score_max=score_max))


class KpiMixin(InputMixin):
    "The definition of a key performance indicator"
    __slots__ = ()

    name = fields.Char("Name", required=True)
    category = fields.Selection(
        KPI_CATEGORIES, "Category", required=True,
        help="Positive outcome and child experience KPIs come before "
        "offence or contact targets.")
    unit = fields.Char("Unit", help="For example %, children, days.")
    direction = fields.Selection(DIRECTIONS, "Direction", required=True)
    target = fields.Numeric("Target", digits=(16, 2))
    tolerance = fields.Integer(
        "Tolerance (%)",
        help="How far from the target, as a percentage of it, a value is "
        "still rated approaching.")
    disaggregate = fields.Boolean(
        "Disaggregated",
        help="Values are broken down by ethnicity and care experience, the "
        "groups the policy names as over-represented.")

    @classmethod
    def default_category(cls):
        return 'positive_outcome'

    @classmethod
    def default_direction(cls):
        return 'higher'

    @classmethod
    def default_tolerance(cls):
        Configuration = Pool().get('commissioning.configuration')
        return Configuration(1).default_tolerance

    @classmethod
    def default_disaggregate(cls):
        return False

    @classmethod
    def validate_fields(cls, kpis, field_names):
        super().validate_fields(kpis, field_names)
        if field_names and not (field_names & {'tolerance', 'target'}):
            return
        for kpi in kpis:
            if kpi.tolerance is not None and not (0 <= kpi.tolerance <= 100):
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_kpi_tolerance',
                        kpi=kpi.name, tolerance=kpi.tolerance))
            if kpi.target is not None and kpi.target < 0:
                raise CriterionValidationError(gettext(
                        'childfirst_commissioning.msg_kpi_target',
                        kpi=kpi.name, target=number(kpi.target)))

    def kpi_values(self):
        "Return the values to copy this KPI definition elsewhere"
        return {
            'name': self.name,
            'category': self.category,
            'unit': self.unit,
            'direction': self.direction,
            'target': self.target,
            'tolerance': self.tolerance,
            'disaggregate': self.disaggregate,
            }


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
        fields.Selection(TENDER_STATES, "Tender State"),
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
