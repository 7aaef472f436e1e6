# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The KPI library: the indicators a commissioner measures services by,
with the youth justice set that services in England report to the Youth
Justice Board, ready to load into a tender's criteria or a contract."""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import BREAKDOWNS, TENETS
from .criterion import KpiMixin


class KpiLibrary(DeactivableMixin, KpiMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.kpi.library'
    __string__ = "KPI Library Entry"

    code = fields.Char(
        "Code", required=True,
        help="A short code the body and its partners know the KPI by.")
    sequence = fields.Integer("Sequence")
    definition = fields.Text(
        "Definition",
        help="What is counted and over which children, as the guidance "
        "defines it.")
    tenet = fields.Selection(
        [(None, "")] + TENETS, "Child First Tenet",
        help="The Child First tenet this KPI measures, if any.")
    breakdowns = fields.MultiSelection(
        BREAKDOWNS, "Breakdowns",
        help="The groups of children the guidance asks values to be broken "
        "down by. Loaded into a tender or a contract, the KPI is "
        "disaggregated by the monitoring groups of these dimensions.")
    # The KPIs loaded from the library are disaggregated when one of its
    # breakdowns has monitoring groups (the mixin's stored flag is unused)
    monitored = fields.Function(
        fields.Boolean(
            "Disaggregated",
            help="Loaded into a tender or a contract, the KPI's values are "
            "broken down by the monitoring groups of its breakdowns."),
        'on_change_with_monitored')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'childfirst_commissioning.msg_kpi_library_code_unique'),
            ]
        cls._order = [
            ('sequence', 'ASC NULLS LAST'), ('code', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return "%s %s" % (self.code, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('code', operator, value),
            ('name', operator, value),
            ]

    @fields.depends('breakdowns')
    def on_change_with_monitored(self, name=None):
        return bool(set(self.breakdowns or []) & monitored_dimensions())

    def kpi_values(self, dimensions=None):
        """Return the values of a KPI made from this entry; dimensions are
        the monitored ones, read once for many entries"""
        if dimensions is None:
            dimensions = monitored_dimensions()
        return super().kpi_values() | {
            'disaggregate': bool(set(self.breakdowns or []) & dimensions),
            }

    @classmethod
    def load_into_criteria(cls, entries, criteria):
        """Add the entries as KPI templates of each of the criteria that
        does not have a template of the same name"""
        Template = Pool().get('commissioning.kpi.template')
        values = entry_values(entries)
        Template.create([values[e] | {'criterion': c.id}
                for c in criteria
                for e in missing(entries, c.kpi_templates)])

    @classmethod
    def load_into_contracts(cls, entries, contracts):
        """Add the entries as KPIs of each of the contracts that does not
        have a KPI of the same name"""
        Kpi = Pool().get('commissioning.contract.kpi')
        values = entry_values(entries)
        Kpi.create([values[e] | {
                    'contract': c.id,
                    'tenet': e.tenet,
                    'additive': not (e.unit and '%' in e.unit),
                    }
                for c in contracts
                for e in missing(entries, c.kpis)])


def monitored_dimensions():
    "Return the dimensions that have active monitoring groups"
    Group = Pool().get('commissioning.monitoring.group')
    return {g.dimension for g in Group.search([])}


def entry_values(entries):
    "Return {entry: values of a KPI made from it}"
    dimensions = monitored_dimensions()
    return {e: e.kpi_values(dimensions) for e in entries}


def missing(entries, kpis):
    "Return the entries whose name none of the kpis has"
    names = {k.name for k in kpis}
    return [e for e in entries if e.name not in names]


class KpiLibraryLoadStart(ModelView):
    __name__ = 'commissioning.kpi.library.load.start'
    __string__ = "Load KPIs from the Library"

    entries = fields.Many2Many(
        'commissioning.kpi.library', None, None, "KPIs", required=True,
        help="The KPIs of the library to add; those already there by name "
        "are left as they are.")


class KpiLibraryLoad(Wizard):
    __name__ = 'commissioning.kpi.library.load'
    __string__ = "Load KPIs from the Library"
    start = StateView(
        'commissioning.kpi.library.load.start',
        'childfirst_commissioning.kpi_library_load_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Load", 'load', 'tryton-import', default=True),
            ])
    load = StateTransition()

    def transition_load(self):
        Library = Pool().get('commissioning.kpi.library')
        entries = list(self.start.entries)
        if self.model.__name__ == 'commissioning.contract':
            Library.load_into_contracts(entries, self.records)
        else:
            Library.load_into_criteria(entries, self.records)
        return 'end'
