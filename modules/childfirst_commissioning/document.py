# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Documents: the files users attach to tenders, bids and monitoring
returns with Tryton's attachments (the paperclip of the clients).

Who reads an attachment is who reads its record, and who adds, changes or
removes one is who may write its record: trytond's ResourceAccessMixin
tests the record rules (sealed bids, published tenders, each provider's
own bids and returns). On top of that, for a user's calls:

- a record's documents change only while the record itself can: a tender's
  while it is a draft (finance approves a tender with its documents), a
  bid's while it is a draft (they are sealed with it), a return's while it
  is a draft (also when the officer sent it back for correction); after
  that they are kept as they were, for audit;
- a return's evidence is its provider's: the officer reads it;
- the records of commissioning take files, not links, of the types and up
  to the size of the configuration: checked on a document whose file,
  name, type or record changes, before the file is stored;
- an export through a document's resource reaches only what the user may
  read (access.ResourceExportMixin).

The server's own documents (the assessment summaries attached to bids at
the award) are not a user's and pass."""
import math
from collections import defaultdict
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, check_access, without_check_access

from .access import ResourceExportMixin
from .common import number
from .exceptions import InputError, InputRangeError, LockedError
from .gate import message

# The records whose documents change only in some states: those states and
# the message that refuses a change in the others
EDITABLE = {
    'commissioning.tender': (['draft'], 'msg_document_tender_fixed'),
    'commissioning.bid': (['draft'], 'msg_document_bid_sealed'),
    'commissioning.monitoring.return': (
        ['draft'], 'msg_document_return_fixed'),
    }
# The records whose documents only their provider's users change
PROVIDERS_OWN = {'commissioning.monitoring.return'}
# The records the limits of the configuration apply to, and the fields of
# a document they check
MODULE_PREFIX = 'commissioning.'
LIMITED = {'resource', 'name', 'type', 'data'}
MB = 1024 * 1024


def _resource(value):
    "Return the model and id of a resource value, or (None, None)"
    if value is None:
        return None, None
    if isinstance(value, (list, tuple)):
        model, id_ = value
    elif isinstance(value, str):
        model, _, id_ = value.partition(',')
    else:
        model, id_ = value.__name__, value.id
    try:
        return model, int(id_)
    except (TypeError, ValueError):
        return model, None


def _extension(name):
    "Return the extension of the file name, lower case, or None"
    stem, dot, extension = (name or '').rpartition('.')
    return extension.strip().lower() if dot and extension.strip() else None


def _checked():
    "Whether the current call is a user's, with access checks"
    transaction = Transaction()
    return bool(transaction.user and transaction.check_access)


def _size(data):
    "Return the size of the data of an attachment's values"
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        return len(data)
    return 0


def _new_row(values):
    "Return the row of the attachment values create"
    return {
        'resource': values.get(
            'resource', Transaction().context.get('resource')),
        'name': values.get('name'),
        'type': values.get('type', 'data'),
        'data': _size(values.get('data')),
        }


def _megabytes(size):
    "Return the size in MB as text, rounded up to a tenth"
    return number(Decimal(math.ceil(size * 10 / MB)) / 10)


class Attachment(ResourceExportMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def create(cls, vlist):
        # Checked before the files are stored
        if _checked():
            rows = [_new_row(v) for v in vlist]
            cls.check_documents_editable(rows)
            cls.check_document_limits(rows)
        return super().create(vlist)

    @classmethod
    def check_modification(
            cls, mode, attachments, values=None, external=False):
        super().check_modification(
            mode, attachments, values=values, external=external)
        if external and attachments and mode in {'write', 'delete'}:
            before, after = cls._document_rows(attachments, values)
            cls.check_documents_editable(before + after)
            cls.check_document_limits(after)

    @classmethod
    def _document_rows(cls, attachments, values=None):
        """Return the rows (resource, name, type and size of data) of the
        attachments as they are, and as they will be once values are
        written: none for a delete or a write that changes none of them"""
        ids = [a.id for a in attachments]
        names = ['resource', 'name', 'type']
        limited = values is not None and bool(set(values) & LIMITED)
        if limited and 'data' not in values:
            names.append('data')
        with Transaction().set_context({cls.__name__ + '.data': 'size'}):
            before = cls.read(ids, names)
        if not limited:
            return before, []
        after = []
        for row in before:
            row = row.copy()
            row.update({n: values[n] for n in names if n in values})
            if 'data' in values:
                row['data'] = _size(values['data'])
            after.append(row)
        return before, after

    @classmethod
    def check_documents_editable(cls, rows):
        """Raise unless the user may change the documents of rows on their
        records: write access first, so that a record the user may not
        write is not named"""
        pool = Pool()
        documents = defaultdict(dict)
        for row in rows:
            model, id_ = _resource(row['resource'])
            if id_ is not None and (
                    model in EDITABLE or model in PROVIDERS_OWN):
                documents[model].setdefault(id_, row['name'])
        for model, names in documents.items():
            cls._check_resource_access(model, list(names))
            with without_check_access():
                for record in pool.get(model).browse(list(names)):
                    cls.check_document_editable(record, names[record.id])

    @classmethod
    def _check_resource_access(cls, model, ids):
        "Raise unless the user may change the attachments of the records"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        with check_access():
            for name, mode in cls._convert_check_access(model, 'create'):
                ModelAccess.check(name, mode=mode)
                Rule.check(name, ids, mode=mode)

    @classmethod
    def check_document_editable(cls, record, document):
        "Raise when document of record may not change now"
        User = Pool().get('res.user')
        states, name = EDITABLE.get(record.__name__, (None, None))
        if states is not None and record.state not in states:
            raise LockedError(message(name,
                    record=record.rec_name, state=record.state_string,
                    document=document))
        if (record.__name__ in PROVIDERS_OWN
                and record.provider.id
                not in User.get_commissioning_parties()):
            raise AccessError(message('msg_document_provider',
                    record=record.rec_name, document=document,
                    provider=record.provider.rec_name))

    @classmethod
    def check_document_limits(cls, rows):
        """Raise unless the rows on the records of commissioning are files
        of the types and the size of the configuration"""
        Configuration = Pool().get('commissioning.configuration')
        rows = [r for r in rows
            if (_resource(r['resource'])[0] or '').startswith(MODULE_PREFIX)]
        if not rows:
            return
        with without_check_access():
            config = Configuration(1)
            types = config.allowed_document_types()
        for row in rows:
            check_document(row, types, config.document_size_max)


def check_document(row, types, limit):
    """Raise unless the attachment row is a file of one of the types, of at
    most limit MB"""
    document = row['name']
    if row['type'] == 'link':
        raise InputError(message('msg_document_link', document=document))
    extension = _extension(document)
    if extension is None:
        raise InputError(message('msg_document_type_none',
                document=document, types=", ".join(types)))
    if extension not in types:
        raise InputError(message('msg_document_type',
                document=document, extension=extension,
                types=", ".join(types)))
    size = row.get('data') or 0
    if size > limit * MB:
        raise InputRangeError(message('msg_document_size',
                document=document, size=_megabytes(size), limit=limit))
