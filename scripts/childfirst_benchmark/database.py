# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""A fresh database with the module activated."""
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db

MODULE = 'childfirst_commissioning'


def fresh_database():
    "Drop the benchmark's database and activate the module on a new one"
    drop_db()
    activate_module(MODULE)
    return DB_NAME


def seconds(value):
    "Return value, a time in seconds, as text"
    return "%.3f s" % value
