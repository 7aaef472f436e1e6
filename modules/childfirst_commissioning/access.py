# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Access at the server boundary that Tryton's own mechanisms leave open.

Who reads what is the record rules, the model and field access of the XML
files. Exports walk relations record by record and test the record rules in
Python, where a rule on a dotted path (a bid's tender's state, a return's
contract's provider) passes whenever the relation is set: the rules are
tested here in SQL instead, for every record an export reaches."""
from collections import defaultdict

from trytond.pool import Pool, PoolMeta
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction, check_access, without_check_access

RELATIONAL = {'many2one', 'one2one', 'one2many', 'many2many', 'reference'}


def _field_name(name):
    "Return the field of an export column name"
    return name.split('.', 1)[0].split(':', 1)[0]


def check_export(Model, ids, paths):
    """Raise AccessError unless the user may read the records ids of Model
    and every record the export paths reach from them through a Many2One or
    a Reference; of the records of a One2Many or a Many2Many, the export
    lists those the user may read, as a read does. One rule check per model
    and level, whatever the number of records."""
    pool = Pool()
    Rule = pool.get('ir.rule')
    ids = [i for i in set(ids) if i is not None and i >= 0]
    if not ids:
        return
    Rule.check(Model.__name__, ids, mode='read')
    subpaths = defaultdict(list)
    for path in paths:
        name = _field_name(path[0])
        field = Model._fields.get(name)
        if field is not None and field._type in RELATIONAL:
            subpaths[name].append(path[1:])
    for name, paths_ in subpaths.items():
        field = Model._fields[name]
        with without_check_access():
            rows = Model.read(ids, [name])
        for Target, target_ids in _targets(field, rows).items():
            if field._type in {'one2many', 'many2many'}:
                target_ids = Target.search([('id', 'in', target_ids)])
            check_export(
                Target, list(map(int, target_ids)), [p for p in paths_ if p])


def _targets(field, rows):
    "Return {Model: ids} of the values of field in rows"
    pool = Pool()
    targets = defaultdict(list)
    for row in rows:
        value = row[field.name]
        if value is None:
            continue
        if field._type == 'reference':
            model, _, id_ = value.partition(',')
            try:
                targets[pool.get(model)].append(int(id_))
            except (KeyError, ValueError):
                continue
        elif field._type in {'one2many', 'many2many'}:
            targets[field.get_target()].extend(value)
        else:
            targets[field.get_target()].append(value)
    return targets


def secure_domain(Model, domain):
    """Return domain with the record rules of every model its relations
    reach, and check the user may read the fields it uses.

    Tryton converts the relations of a search domain with the access checks
    off: a count of tenders whose bids have a price above a value would tell
    the sealed price. Each relation becomes a 'where' on the records the
    user may read."""
    if domain in ('AND', 'OR'):
        return domain
    if not is_leaf(domain):
        return [secure_domain(Model, d) for d in domain]
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    FieldAccess = pool.get('ir.model.field.access')
    Rule = pool.get('ir.rule')
    name, operator, value = domain[:3]
    local, _, related = name.partition('.')
    field = Model._fields.get(local)
    if field is None:
        return domain
    FieldAccess.check(Model.__name__, [local], 'read')
    if (field._type not in {'one2many', 'many2many', 'many2one'}
            or operator.endswith('child_of') or operator.endswith('parent_of')
            or (field._type == 'many2one' and not related)):
        return domain
    Target = field.get_target()
    ModelAccess.check(Target.__name__, 'read')
    rule = Rule.domain_get(Target.__name__, mode='read')
    if operator.endswith('where'):
        return (
            local, operator, _with_rule(secure_domain(Target, value), rule))
    if not related:
        if not rule:
            return domain
        if value is None and operator in {'=', '!='}:
            # Whether there is any related record the user may read
            return (local, 'not where' if operator == '=' else 'where', rule)
        related = 'rec_name' if isinstance(value, str) else 'id'
    target_domain = secure_domain(
        Target, [(related, operator, value, *domain[3:])])
    where = (local, 'where', _with_rule(target_domain, rule))
    negative = operator.startswith('!') or operator.startswith('not ')
    if not negative:
        return where
    # As Tryton does, a negative clause also matches no related record
    if field._type != 'many2one':
        return ['OR', where, (local, 'not where', rule)]
    elif operator == 'not in' and None in value or (
            operator == '!=' and value is None):
        return where
    return ['OR', where, (local, '=', None)]


def _with_rule(domain, rule):
    return [domain, rule] if rule else domain


class DottedReadMixin:
    """Tryton checks the field access of a dotted name as a whole
    ('moderated_by.login' is no field): its first field is checked here,
    so that a closed relation is not read through its fields"""
    __slots__ = ()

    @classmethod
    def read(cls, ids, fields_names):
        if _checked():
            FieldAccess = Pool().get('ir.model.field.access')
            FieldAccess.check(
                cls.__name__, {_field_name(n) for n in fields_names}, 'read')
        return super().read(ids, fields_names)


class AccessMixin(DottedReadMixin):
    """Searches, exports and revisions give no more than reads: the record
    rules are tested in SQL for every record reached"""
    __slots__ = ()

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        transaction = Transaction()
        if _checked():
            domain = secure_domain(cls, domain)
        elif transaction.user and transaction.context.get('_export_rules'):
            # The records of a relation an export lists are those the user
            # may read; the searches of its record rules are not checked
            with check_access(), transaction.set_context(
                    _export_rules=False):
                return cls.search(
                    domain, offset=offset, limit=limit, order=order,
                    count=count, query=query)
        return super().search(
            domain, offset=offset, limit=limit, order=order, count=count,
            query=query)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if not _checked():
            return super().export_data(records, fields_names, header=header)
        ids = [r.id for r in records]
        check_export(cls, ids, [f.split('/') for f in fields_names])
        with Transaction().set_context(_export_rules=True):
            return super().export_data(
                cls.browse(ids), fields_names, header=header)

    @classmethod
    def history_revisions(cls, ids):
        if _checked():
            check_export(cls, ids, [])
        return super().history_revisions(ids)


class AnonymousMixin(AccessMixin):
    """Who created or last changed a record is told only to the users who
    may read its creator (field access on create_uid): the revisions of its
    history do not name them to the others. Reads (dotted names too, see
    AccessMixin.read), searches and exports of the closed fields are
    refused by their field access."""
    __slots__ = ()

    @classmethod
    def history_revisions(cls, ids):
        revisions = super().history_revisions(ids)
        if _checked() and not _readable(cls, 'create_uid'):
            revisions = [(date, id_, None) for date, id_, _ in revisions]
        return revisions


def _readable(Model, name):
    "Whether the user may read the field name of Model"
    FieldAccess = Pool().get('ir.model.field.access')
    return FieldAccess.check(
        Model.__name__, [name], 'read', raise_exception=False)


def _checked():
    "Whether the current call is checked as a user's"
    transaction = Transaction()
    return bool(transaction.user and transaction.check_access)


class ResourceExportMixin(DottedReadMixin):
    """Attachments and notes are exported only when they can be read, and
    through their resource reach only the records the user may read"""
    __slots__ = ()

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if not _checked():
            return super().export_data(records, fields_names, header=header)
        ids = [r.id for r in records]
        cls.check_access(ids, mode='read')
        check_export(cls, ids, [f.split('/') for f in fields_names])
        with Transaction().set_context(_export_rules=True):
            return super().export_data(
                cls.browse(ids), fields_names, header=header)


class Note(ResourceExportMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'


class ChatChannel(metaclass=PoolMeta):
    __name__ = 'ir.chat.channel'

    @classmethod
    def check_access(cls, resource):
        "A chat is read and written only by who can read its record"
        pool = Pool()
        Rule = pool.get('ir.rule')
        super().check_access(resource)
        model, _, id_ = str(resource).partition(',')
        try:
            id_ = int(id_)
        except ValueError:
            return
        if Transaction().user:
            with check_access():
                Rule.check(model, [id_], mode='read')
