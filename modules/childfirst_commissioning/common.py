# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""What criteria and KPIs share wherever they are kept, and small helpers
for numbers."""
from decimal import Decimal

from sql import Cast
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

TENETS = [
    ('as_children', "Treating children as children"),
    ('pro_social', "Building pro-social identity"),
    ('collaboration', "Collaborating with children"),
    ('diversion', "Diverting from stigma"),
    ]
TENET_KEYS = [k for k, _ in TENETS]
# The dimensions KPI values are broken down by: those the youth justice
# guidance asks for; the body monitors those it defines groups for
BREAKDOWNS = [
    ('ethnicity', "Ethnicity"),
    ('sex', "Sex"),
    ('care_experience', "Care Experience"),
    ('send', "Special Educational Needs"),
    ]
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


def last_nulls(sequence):
    "Return the sequence column that orders the rows without one last"
    return Coalesce(sequence, 2 ** 31 - 1)


def number(value):
    "Return value as text without trailing zeros, as a user would write it"
    value = Decimal(value or 0).normalize()
    return format(value, 'f')


CENT = Decimal('0.01')


def to_decimal(value):
    "Return a number read from the database as a Decimal, 0 for NULL"
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(value)


def quantize(value):
    "Return value rounded to the cent, None for None"
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT)


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


def state_button(states, icon):
    "Return the definition of a workflow button shown in the states"
    invisible = (~Eval('state').in_(states) if len(states) > 1
        else Eval('state') != states[0])
    return {'invisible': invisible, 'icon': icon, 'depends': ['state']}


def add_workflow(cls, transitions, buttons):
    """Add to the workflow of cls the transitions, (from, to) pairs, and the
    buttons, (name, states, icon) triples, each shown in its states"""
    cls._transitions |= set(transitions)
    cls._buttons.update({
            name: state_button(states, icon)
            for name, states, icon in buttons})
