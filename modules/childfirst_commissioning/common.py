# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The fields criteria and KPIs share wherever they are kept."
from decimal import Decimal

from sql import Cast

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CriterionValidationError

TENETS = [
    ('as_children', "Treating children as children"),
    ('pro_social', "Building pro-social identity"),
    ('collaboration', "Collaborating with children"),
    ('diversion', "Diverting from stigma"),
    ]
TENET_KEYS = [k for k, _ in TENETS]
METHODS = [
    ('scored', "Scored"),
    ('pass_fail', "Pass/Fail"),
    ('price', "Price"),
    ]
KPI_CATEGORIES = [
    ('positive_outcome', "Positive Outcome"),
    ('child_experience', "Child Experience"),
    ('process', "Process"),
    ('offence_contact', "Offence/Contact"),
    ]
DIRECTIONS = [
    ('higher', "Higher is better"),
    ('lower', "Lower is better"),
    ]


def numeric(column):
    "Return the column of a Numeric field as a number in SQL expressions"
    if backend.name == 'sqlite':
        # SQLite stores Decimal as bytes
        return Cast(column, 'NUMERIC')
    return column


def number(value):
    "Return value as text without trailing zeros, as a user would write it"
    value = Decimal(value or 0).normalize()
    return format(value, 'f')


class CompanyCurrencyMixin:
    "A record of the user's company, in the company's currency by default"
    __slots__ = ()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_currency(cls):
        Company = Pool().get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @fields.depends('company')
    def on_change_company(self):
        if self.company:
            self.currency = self.company.currency


class CriterionMixin:
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


class KpiMixin:
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
