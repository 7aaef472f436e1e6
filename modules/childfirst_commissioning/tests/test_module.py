# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ChildFirstCommissioningTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Child First commissioning module"
    module = 'childfirst_commissioning'


del ModuleTestCase
