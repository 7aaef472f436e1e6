# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    commissioning_parties = fields.Many2Many(
        'commissioning.user-party.party', 'user', 'party',
        "Commissioning Organisations",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The provider organisations this user acts for.")


class UserParty(ModelSQL):
    __name__ = 'commissioning.user-party.party'
    __string__ = "User Organisation"

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Organisation", required=True, ondelete='CASCADE')
