# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The values of a monitoring return, KPI by KPI, with their rating and
their breakdown by the groups the policy names."""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval

from .access import AccessMixin
from .common import number
from .contract import RATINGS, rate, rating_visual
from .exceptions import RelationError, ReturnValidationError
from .validation import InputMixin, check_fixed


class ReturnLine(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.return.line'
    __string__ = "Monitoring Return Line"
    _states = {
        'readonly': Eval('return_state') != 'draft',
        }

    return_ = fields.Many2One(
        'commissioning.monitoring.return', "Return", required=True,
        ondelete='CASCADE', readonly=True)
    kpi = fields.Many2One(
        'commissioning.contract.kpi', "KPI", required=True,
        ondelete='RESTRICT', readonly=True,
        help="The KPI of the contract this value reports.")
    value = fields.Numeric(
        "Value", digits=(16, 2), states=_states,
        help="Leave empty only with the reason the value is unavailable.")
    unavailable_reason = fields.Text(
        "Unavailable Reason", states=_states,
        help="Why the value cannot be given for this period.")
    rating = fields.Selection(
        [(None, "")] + RATINGS, "Rating", readonly=True,
        help="The rating of the value against the target, on the scale of "
        "the Procurement Act 2023 contract performance notices.")
    breakdowns = fields.One2Many(
        'commissioning.monitoring.return.breakdown', 'line', "Breakdown",
        states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('disaggregate'),
            },
        help="The value for each group of children the KPI is broken down "
        "by; they must add up to the total.")
    target = fields.Function(
        fields.Numeric("Target", digits=(16, 2),
            help="The target agreed in the contract."), 'get_kpi_field')
    unit = fields.Function(fields.Char("Unit",
            help="The unit the value is given in."), 'get_kpi_field')
    disaggregate = fields.Function(
        fields.Boolean("Disaggregated"), 'get_kpi_field')
    contract = fields.Function(
        fields.Many2One('commissioning.contract', "Contract"),
        'get_return_field', searcher='search_return_field')
    period = fields.Function(
        fields.Many2One('commissioning.monitoring.period', "Period"),
        'get_return_field')
    date = fields.Function(
        fields.Date("Period End"), 'get_return_field')
    return_state = fields.Function(
        fields.Selection('get_return_states', "Return State"),
        'on_change_with_return_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.return_, Index.Range())),
                Index(t, (t.kpi, Index.Range())),
                })
        cls._order = [('return_', 'ASC'), ('kpi.sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.kpi.rec_name

    @classmethod
    def get_return_states(cls):
        Return = Pool().get('commissioning.monitoring.return')
        return Return.fields_get(['state'])['state']['selection']

    @fields.depends('return_', '_parent_return_.state')
    def on_change_with_return_state(self, name=None):
        return self.return_.state if self.return_ else None

    def get_kpi_field(self, name):
        return getattr(self.kpi, name)

    def get_return_field(self, name):
        if name == 'date':
            return self.return_.period.end_date
        return getattr(self.return_, name).id

    @classmethod
    def search_return_field(cls, name, clause):
        nested = clause[0][len(name):]
        return [('return_.' + name + nested, *clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="rating"]', 'visual',
                rating_visual('rating')),
            ]

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or 'value' in field_names:
            rating = rate(self.value, self.kpi.target, self.kpi.tolerance,
                self.kpi.direction)
            if rating != self.rating:
                values['rating'] = rating
        return values

    def breakdown_failures(self, dimensions, names):
        "Return why the breakdown of this line contradicts its value"
        failures = []
        given = defaultdict(list)
        for breakdown in self.breakdowns:
            if breakdown.value is not None:
                given[breakdown.group.dimension].append(breakdown.value)
        for dimension in dimensions:
            values = given.get(dimension)
            name = names[dimension]
            if not values:
                failures.append(gettext(
                        'childfirst_commissioning.msg_check_breakdown_missing',
                        kpi=self.kpi.name, dimension=name))
            elif self.kpi.additive:
                total = sum(values, Decimal(0))
                if total != self.value:
                    failures.append(gettext(
                            'childfirst_commissioning'
                            '.msg_check_breakdown_sum',
                            kpi=self.kpi.name, dimension=name,
                            total=number(total), value=number(self.value)))
            elif not (min(values) <= self.value <= max(values)):
                failures.append(gettext(
                        'childfirst_commissioning.msg_check_breakdown_range',
                        kpi=self.kpi.name, dimension=name,
                        low=number(min(values)), high=number(max(values)),
                        value=number(self.value)))
        return failures

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            # A value is for one KPI in one return: it cannot move
            check_fixed(
                cls, values, ['return_', 'kpi'], 'msg_input_line_fixed')
        return values

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if not field_names or field_names & {'return_', 'kpi'}:
            for line in lines:
                if line.kpi.contract != line.return_.contract:
                    raise RelationError(gettext(
                            'childfirst_commissioning.msg_input_line_kpi',
                            kpi=line.kpi.name,
                            contract=line.return_.contract.rec_name,
                            return_=line.return_.rec_name))
        if field_names and 'value' not in field_names:
            return
        for line in lines:
            if line.value is not None and line.value < 0:
                raise ReturnValidationError(gettext(
                        'childfirst_commissioning.msg_return_line_negative',
                        kpi=line.kpi.name, value=number(line.value)))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'} and (
                mode == 'delete' or set(values or {}) - {'rating'}):
            for line in lines:
                line.return_.check_editable()


class Breakdown(InputMixin, AccessMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.monitoring.return.breakdown'
    __string__ = "Monitoring Breakdown"

    line = fields.Many2One(
        'commissioning.monitoring.return.line', "Line", required=True,
        ondelete='CASCADE')
    group = fields.Many2One(
        'commissioning.monitoring.group', "Group", required=True,
        ondelete='RESTRICT',
        help="The group of children this part of the value is for.")
    value = fields.Numeric("Value", digits=(16, 2), required=True,
        help="The value for this group.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('group_unique', Unique(t, t.line, t.group),
                'childfirst_commissioning.msg_breakdown_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.line, Index.Range())))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write':
            check_fixed(cls, values, ['line'], 'msg_input_breakdown_fixed')
        return values

    @classmethod
    def validate_fields(cls, breakdowns, field_names):
        super().validate_fields(breakdowns, field_names)
        for breakdown in breakdowns:
            if breakdown.value is not None and breakdown.value < 0:
                raise ReturnValidationError(gettext(
                        'childfirst_commissioning.msg_return_line_negative',
                        kpi=breakdown.line.kpi.name,
                        value=number(breakdown.value)))
        if field_names and not (field_names & {'line', 'group'}):
            return
        for breakdown in breakdowns:
            line, group = breakdown.line, breakdown.group
            if not line.kpi.disaggregate:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_input_breakdown_line',
                        line=line.rec_name))
            if not group.active:
                raise RelationError(gettext(
                        'childfirst_commissioning.msg_input_breakdown_group',
                        group=group.rec_name, line=line.rec_name))

    @classmethod
    def check_modification(cls, mode, breakdowns, values=None,
            external=False):
        super().check_modification(
            mode, breakdowns, values=values, external=external)
        for breakdown in breakdowns:
            breakdown.line.return_.check_editable()

    @classmethod
    def create(cls, vlist):
        Line = Pool().get('commissioning.monitoring.return.line')
        # Before the values are read below
        cls.check_input(vlist)
        for values in vlist:
            if values.get('line'):
                Line(values['line']).return_.check_editable()
        return super().create(vlist)
