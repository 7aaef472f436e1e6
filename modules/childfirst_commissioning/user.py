# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .validation import InputMixin


MODULE = 'childfirst_commissioning'
GROUPS = [
    'group_commissioning', 'group_commissioning_admin',
    'group_commissioning_evaluator', 'group_commissioning_finance',
    'group_commissioning_provider']


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
    _commissioning_parties_cache = Cache(
        'res_user.commissioning_parties', context=False)

    @classmethod
    def create(cls, vlist):
        users = super().create(vlist)
        cls.open_work_at_login(users)
        return users

    @classmethod
    def write(cls, *args):
        super().write(*args)
        if any('groups' in values for values in args[1::2]):
            cls.open_work_at_login(sum(args[0::2], []))

    @classmethod
    def open_work_at_login(cls, users):
        """Open My Work at login for the users of a commissioning group who
        open nothing else at login"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ActWindow = pool.get('ir.action.act_window')
        try:
            action = ActWindow(ModelData.get_id(MODULE, 'act_work')).action.id
            groups = {ModelData.get_id(MODULE, g) for g in GROUPS}
        except KeyError:
            # The module is being activated
            return
        users = [u for u in cls.browse(users) if not u.actions
            and groups & {g.id for g in u.groups}]
        if users:
            super().write(users, {'actions': [('add', [action])]})

    @classmethod
    def default_language(cls):
        "New users work in UK English: dates day first, amounts in pounds"
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id(MODULE, 'lang_en_gb')
        except KeyError:
            return None

    @classmethod
    def get_commissioning_parties(cls):
        "Return the ids of the organisations the current user acts for"
        UserParty = Pool().get('commissioning.user-party.party')
        user = Transaction().user
        if not user:
            return []
        parties = cls._commissioning_parties_cache.get(user)
        if parties is None:
            table = UserParty.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.party, where=table.user == user,
                    order_by=table.party))
            parties = [p for p, in cursor]
            cls._commissioning_parties_cache.set(user, parties)
        return list(parties)


class UserParty(InputMixin, ModelSQL):
    __name__ = 'commissioning.user-party.party'
    __string__ = "User Organisation"

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Organisation", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Rule = pool.get('ir.rule')
        User = pool.get('res.user')
        super().on_modification(mode, records, field_names=field_names)
        Rule._domain_get_cache.clear()
        User._commissioning_parties_cache.clear()


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        User = Pool().get('res.user')
        context = super()._get_context(model_name)
        if model_name.startswith('commissioning.'):
            context['commissioning_parties'] = (
                User.get_commissioning_parties())
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        User = Pool().get('res.user')
        key = super()._get_cache_key(model_names)
        if any(m.startswith('commissioning.') for m in model_names):
            key = (*key, Transaction().user,
                tuple(User.get_commissioning_parties()))
        return key
