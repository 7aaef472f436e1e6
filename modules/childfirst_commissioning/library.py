# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields

from .criterion import CriterionMixin, KpiMixin


class LibraryCriterion(
        DeactivableMixin, CriterionMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.library.criterion'
    __string__ = "Criteria Library Entry"

    load_by_default = fields.Boolean(
        "Load by Default",
        help="Loaded into tenders by \"Load Child First Criteria\".")
    kpi_templates = fields.One2Many(
        'commissioning.library.kpi', 'criterion', "KPI Templates")

    @classmethod
    def default_load_by_default(cls):
        return True

    def criterion_values(self):
        "Return the values of a tender criterion made from this entry"
        return {
            'name': self.name,
            'description': self.description,
            'sequence': self.sequence,
            'tenet': self.tenet,
            'method': self.method,
            'weight': self.weight,
            'minimum_score': self.minimum_score,
            'evidence_required': self.evidence_required,
            'kpi_templates': [('create', [
                            k.kpi_values() for k in self.kpi_templates])],
            }


class LibraryKpiTemplate(KpiMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.library.kpi'
    __string__ = "Criteria Library KPI Template"

    criterion = fields.Many2One(
        'commissioning.library.criterion', "Criterion", required=True,
        ondelete='CASCADE')
