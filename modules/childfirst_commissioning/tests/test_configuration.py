# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The configuration of commissioning and the library of Child First criteria"
from decimal import Decimal

import pytest

from trytond.model.exceptions import ValidationError
from trytond.modules.childfirst_commissioning.tests.tools import (
    criterion, make_tender)
from trytond.pool import Pool


def test_configuration_defaults(transaction):
    "The configuration has the defaults of the design"
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    assert (config.minimum_child_first_weight, config.score_max,
        config.moderation_spread, config.child_first_threshold,
        config.standstill_days, config.require_children_panel,
        config.default_tolerance) == (30, 5, 2, 50, 8, True, 10)


def test_configuration_range(transaction):
    "A setting out of its range is refused"
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    config.minimum_child_first_weight = 120
    with pytest.raises(ValidationError) as info:
        config.save()
    assert "between 0 and 100" in info.value.message


def test_library_passes_gate(company):
    "The criteria library alone designs a tender that passes the gate"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    assert len(tender.criteria) == 7
    assert tender.total_weight == Decimal(100)
    assert tender.child_first_weight == Decimal(50)
    assert tender.design_ready
    assert "✗" not in tender.design_checklist
    Tender.request_approval([tender])
    assert Tender(tender.id).state == 'pending_approval'


def test_load_criteria_twice(company):
    "Loading the library twice does not duplicate criteria"
    Tender = Pool().get('commissioning.tender')
    tender = make_tender()
    Tender.load_child_first_criteria([tender])
    assert len(Tender(tender.id).criteria) == 7
    kpis = criterion(tender, "Diverting from stigma").kpi_templates
    assert len(kpis) == 2
    assert kpis[0].tenet == 'diversion'
