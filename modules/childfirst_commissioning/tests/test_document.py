# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Documents on tenders, bids and monitoring returns: who reads them, who
adds, changes and removes them and until when, and the limits of their
type and size. Each rule is tried as the user who would break it, with
access checks on."""
import datetime as dt

import pytest

from trytond.cache import Cache
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.childfirst_commissioning.tests.tools import (
    InputError, LockedError, add_evaluators, as_user, bid_on, confirmed,
    count_queries, fill_return, first_return, make_provider, make_tender,
    set_deadline, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction

PDF = b"%PDF-1.4\n% The service specification\n%%EOF\n"
MB = 1024 * 1024


def attach(record, name="specification.pdf", data=PDF, **values):
    "Attach a document to record as the current user"
    Attachment = Pool().get('ir.attachment')
    values = {'resource': str(record), 'name': name, 'type': 'data',
        'data': data, **values}
    attachment, = Attachment.create([values])
    return attachment


def draft_tender(officer):
    "Return a draft tender of the officer"
    with Transaction().set_user(officer.id):
        return make_tender()


def approve(tender, officer, finance):
    "The officer requests approval and finance approves"
    Tender = Pool().get('commissioning.tender')
    with as_user(officer):
        Tender.request_approval([Tender(tender.id)])
    with as_user(finance):
        Tender.approve([Tender(tender.id)])


def documents_of(record):
    "Return the names of the documents of record, as the server sees them"
    Attachment = Pool().get('ir.attachment')
    return sorted(a.name for a in Attachment.search(
            [('resource', '=', str(record))]))


def changes(record, attachment):
    "The ways to add, change and remove the documents of record"
    Attachment = Pool().get('ir.attachment')
    return {
        'create': lambda: attach(record, "addendum.pdf"),
        'write': lambda: Attachment.write(
            [Attachment(attachment.id)], {'name': "changed.pdf"}),
        'write data': lambda: Attachment.write(
            [Attachment(attachment.id)], {'data': b"%PDF- other"}),
        'delete': lambda: Attachment.delete([Attachment(attachment.id)]),
        }


def assert_changes_refused(record, attachment, error, text):
    """Assert that the current user can neither add, change nor remove the
    documents of record: error with text, and nothing changed"""
    Attachment = Pool().get('ir.attachment')
    before = documents_of(record)
    for label, change in changes(record, attachment).items():
        with pytest.raises(error) as info:
            change()
        assert text in info.value.message, label
        if error is AccessError:
            assert not isinstance(info.value, LockedError), label
    assert documents_of(record) == before
    assert Attachment(attachment.id).data == PDF


def assert_unseen(attachment, record, domains=()):
    """Assert the current user learns nothing of the attachment of record:
    read, search, count (a count that changes with a value leaks it) and
    export"""
    Attachment = Pool().get('ir.attachment')
    for domain in [
            [],
            [('resource', '=', str(record))],
            [('resource', 'like', record.__name__ + ',%')],
            [('name', '=', attachment.name)],
            [('id', '=', attachment.id)],
            [('resource.id', '=', record.id, record.__name__)],
            *domains]:
        try:
            found = Attachment.search(domain)
            count = Attachment.search_count(
                [('id', '=', attachment.id), domain])
        except AccessError:
            # The field is not the user's to search
            found, count = [], 0
        assert attachment not in found and count == 0, domain
    for names in [['name'], ['data'], ['resource'], ['data_size']]:
        with pytest.raises(AccessError):
            Attachment.read([attachment.id], names)
    for path in ['name', 'data', 'resource/rec_name']:
        with pytest.raises(AccessError):
            Attachment.export_data([Attachment(attachment.id)], [path])


def assert_seen(attachment, record):
    "Assert the current user reads, finds, counts and exports the document"
    Attachment = Pool().get('ir.attachment')
    assert attachment in Attachment.search([('resource', '=', str(record))])
    assert Attachment.search_count([
            ('id', '=', attachment.id),
            ('resource', 'like', record.__name__ + ',%')]) == 1
    row, = Attachment.read([attachment.id], ['name', 'data'])
    assert row['data'] == PDF
    assert Attachment.export_data(
        [Attachment(attachment.id)], ['name']) == [[row['name']]]


# Tender documents

def test_tender_documents_draft(officer):
    "The officer adds, changes and removes the documents of a draft tender"
    Attachment = Pool().get('ir.attachment')
    tender = draft_tender(officer)
    with as_user(officer):
        specification = attach(tender)
        pricing = attach(tender, "pricing schedule.xlsx", b"PK\x03\x04")
        Attachment.write([specification], {'name': "specification v2.pdf"})
        Attachment.delete([pricing])
        assert documents_of(tender) == ["specification v2.pdf"]
        assert_seen(specification, tender)


def test_tender_documents_fixed_from_approval(officer, finance):
    """From approval on, a tender's documents are fixed, for the officer as
    for anyone; back in draft they change again"""
    Tender = Pool().get('commissioning.tender')
    tender = draft_tender(officer)
    with as_user(officer):
        specification = attach(tender)
        Tender.request_approval([tender])
        assert_changes_refused(
            tender, specification, LockedError, "is Pending Approval")
    with as_user(finance):
        # Finance approves the documents; it does not change them
        assert_changes_refused(
            tender, specification, AccessError, "not allowed")
        Tender.reject_with([Tender(tender.id)], "Add the pricing schedule.")
    with as_user(officer):
        attach(tender, "pricing schedule.xlsx", b"PK\x03\x04")
    approve(tender, officer, finance)
    for state in ['approved', 'published']:
        if state == 'published':
            with as_user(officer):
                Tender.publish([Tender(tender.id)])
        assert Tender(tender.id).state == state
        with as_user(officer):
            assert_changes_refused(
                tender, specification, LockedError,
                "cannot be added, changed or removed")
    assert documents_of(tender) == [
        "pricing schedule.xlsx", "specification.pdf"]


def test_tender_documents_public(officer, finance, provider_party, provider):
    """Providers read a tender's documents once it is published, and not
    before; they never change them"""
    Tender = Pool().get('commissioning.tender')
    tender = draft_tender(officer)
    with as_user(officer):
        specification = attach(tender)
    for step in ['draft', 'approved']:
        with as_user(provider):
            assert_unseen(specification, tender, [
                    [('resource.state', '=', step, 'commissioning.tender')],
                    ])
        if step == 'draft':
            approve(tender, officer, finance)
    with as_user(officer):
        Tender.publish([Tender(tender.id)])
    with as_user(provider):
        assert_seen(specification, tender)
        assert_changes_refused(
            tender, specification, AccessError, "not allowed")


# Bid documents

def test_bid_documents_draft_then_sealed(published, bidders):
    """The bidder adds, changes and removes the documents of a draft bid;
    once submitted they are sealed with it"""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    (_, user), _ = bidders
    bid = bid_on(published, user, 240000)
    with as_user(user):
        method = attach(bid, "method statement.docx", PDF)
        policy = attach(bid, "safeguarding policy.pdf")
        Attachment.write([method], {'name': "method statement.pdf"})
        Attachment.write([method], {'data': PDF})
        Attachment.delete([policy])
        submit_bids([bid])
        assert_changes_refused(bid, method, LockedError, "is Submitted")
        assert_seen(method, bid)
    assert documents_of(bid) == ["method statement.pdf"]


def test_bid_documents_kept_for_audit(published, bidders):
    "A withdrawn bid's documents remain, unchanged, for audit"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    bid = bid_on(published, user, 240000)
    with as_user(user):
        method = attach(bid, "method statement.pdf")
        submit_bids([bid])
        confirmed('withdraw', [Bid(bid.id)])
        assert_changes_refused(bid, method, LockedError, "is Withdrawn")
        assert_seen(method, bid)


def test_bid_documents_sealed_until_close(
        published, bidders, officer, finance, evaluator):
    """Nobody but the bidder reads a bid's documents until the tender
    closes; then the officer, finance and the tender's own evaluators do,
    another provider never"""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    Note = pool.get('ir.note')
    Tender = pool.get('commissioning.tender')
    (party, user), (_, other) = bidders
    bid = bid_on(published, user, 240000)
    bid_on(published, other, 200000)
    with as_user(user):
        method = attach(bid, "method statement.pdf")
        submit_bids([bid])
    specification = attach(published)
    note, = Note.create([{
                'resource': str(published), 'message': "Clarification"}])
    _, users = add_evaluators(
        published, {c.name: c for c in published.criteria})
    sealed = [
        [('resource.price', '>', 0, 'commissioning.bid')],
        [('resource.tender', '=', published.id, 'commissioning.bid')],
        ]
    for reader in [officer, finance, evaluator, users['panel'], other]:
        with as_user(reader):
            assert_unseen(method, bid, sealed)
            # Refused for access, before the bid's state is named
            assert_changes_refused(bid, method, AccessError, "not allowed")
            # The tender's documents and notes lead to no sealed bid
            for Model, record in [
                    (Attachment, specification), (Note, note)]:
                exported = Model.export_data([record], [
                        'resource/bids/price', 'resource/bids/provider'])
                values = [v for row in exported for v in row]
                assert 240000 not in values, values
                assert party.rec_name not in values, values
    with as_user(user):
        assert_seen(method, bid)
        # Through its own document the bidder reaches no other bid
        assert Attachment.export_data([method], [
                'resource/tender/bids/price']) == [[240000]]
    set_deadline(published, dt.datetime.now() - dt.timedelta(minutes=1))
    with as_user(officer):
        confirmed('close', [Tender(published.id)])
    for reader in [officer, finance, users['panel']]:
        with as_user(reader):
            assert_seen(method, bid)
    for reader in [evaluator, other]:
        with as_user(reader):
            assert_unseen(method, bid, sealed)


# Return evidence

def test_return_evidence(
        active_contract, officer, provider_party, provider):
    """The provider attaches evidence to a draft return, also when sent
    back; it is fixed once submitted; the officer reads it and adds none;
    other providers never see it"""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    Return = pool.get('commissioning.monitoring.return')
    record = first_return(active_contract)
    _, other = make_provider("Riverside Mentoring", 'riverside')
    with as_user(provider):
        forum = attach(record, "children's forum.pdf")
        notes = attach(record, "forum notes.odt", b"PK\x03\x04")
        Attachment.write([forum], {'description': "The forum of May."})
        Attachment.delete([notes])
    with as_user(officer):
        assert_seen(forum, record)
        assert_changes_refused(record, forum, AccessError, "provider's")
    with as_user(other):
        assert_unseen(forum, record, [[
                    ('resource.contract', '=', active_contract.id,
                        'commissioning.monitoring.return')]])
        assert_changes_refused(record, forum, AccessError, "not allowed")
    record = fill_return(provider, record)
    with as_user(provider):
        Return.submit([record])
        assert_changes_refused(record, forum, LockedError, "is Submitted")
    with as_user(officer):
        Return.write([Return(record.id)], {
                'review_comment': "Add the record of the summer forum."})
        Return.send_back([Return(record.id)])
    with as_user(provider):
        attach(record, "summer forum.pdf")
        Return.submit([Return(record.id)])
    with as_user(officer):
        Return.accept([Return(record.id)])
    with as_user(provider):
        assert_changes_refused(record, forum, LockedError, "is Accepted")
    with as_user(officer):
        assert_seen(forum, record)
    assert documents_of(record) == ["children's forum.pdf", "summer forum.pdf"]


# Limits

def set_limits(**values):
    Configuration = Pool().get('commissioning.configuration')
    Configuration.write([Configuration(1)], values)


def test_document_size(officer):
    "A file above the size of the configuration is refused, naming both"
    Attachment = Pool().get('ir.attachment')
    tender = draft_tender(officer)
    set_limits(document_size_max=2)
    with as_user(officer):
        with pytest.raises(InputError) as info:
            attach(tender, "annual report.pdf", b"0" * int(3.12 * MB))
        assert info.value.message == (
            'The file "annual report.pdf" is 3.2 MB; the limit is 2 MB: '
            'compress it or split it into parts.')
        assert documents_of(tender) == []
        report = attach(tender, "annual report.pdf", b"0" * (2 * MB))
        with pytest.raises(InputError) as info:
            Attachment.write([report], {'data': b"0" * (2 * MB + 1)})
        assert "is 2.1 MB; the limit is 2 MB" in info.value.message
        assert Attachment(report.id).data_size == 2 * MB
    set_limits(document_size_max=1)
    with as_user(officer):
        # The limits apply to a document whose file, name, type or record
        # changes; its description changes freely
        Attachment.write([report], {'description': "Last year's report"})
        with pytest.raises(InputError):
            Attachment.write([report], {'name': "report.pdf"})
        Attachment.write([report], {'data': b"0" * MB, 'name': "report.pdf"})


@pytest.mark.parametrize('name, refusal', [
        ("setup.exe", 'is of type "exe"'),
        ("specification", "has no extension"),
        ("specification.", "has no extension"),
        ("archive.pdf.zip", 'is of type "zip"'),
        ])
def test_document_type_refused(officer, name, refusal):
    "A file of a type not in the configuration is refused"
    Attachment = Pool().get('ir.attachment')
    tender = draft_tender(officer)
    with as_user(officer):
        with pytest.raises(InputError) as info:
            attach(tender, name)
        assert refusal in info.value.message
        assert "pdf, doc, docx" in info.value.message
        specification = attach(tender)
        with pytest.raises(InputError):
            Attachment.write([specification], {'name': name})
    assert documents_of(tender) == ["specification.pdf"]


def test_document_types_configured(officer):
    "The types are those of the configuration, in any case"
    tender = draft_tender(officer)
    with as_user(officer):
        for name in ["Plan.PDF", "budget.XLSX", "photo.jpeg", ".pdf"]:
            attach(tender, name)
        with pytest.raises(InputError):
            attach(tender, "data.json")
    set_limits(document_types=".PDF, json")
    with as_user(officer):
        attach(tender, "data.json")
        with pytest.raises(InputError):
            attach(tender, "budget.xlsx")


def test_document_link_refused(officer, company):
    """A link instead of a file is refused on commissioning records; other
    records of Tryton are not limited"""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    Party = pool.get('party.party')
    tender = draft_tender(officer)
    with as_user(officer):
        with pytest.raises(InputError) as info:
            attach(tender, "specification.pdf", None, type='link',
                link="https://example.org/specification.pdf")
        assert "is a link" in info.value.message
        specification = attach(tender)
        with pytest.raises(InputError):
            Attachment.write([specification], {'type': 'link'})
    party, = Party.create([{'name': "A party"}])
    set_limits(document_size_max=1)
    attach(party, "notes", b"0" * (2 * MB))
    attach(party, "site", None, type='link', link="https://example.org")


def test_moving_document(officer, published, bidders):
    """A document cannot be moved to or from a record whose documents are
    fixed"""
    Attachment = Pool().get('ir.attachment')
    draft = draft_tender(officer)
    published_specification = attach(published)
    with as_user(officer):
        specification = attach(draft)
        with pytest.raises(LockedError):
            Attachment.write([specification], {'resource': str(published)})
        with pytest.raises(LockedError):
            Attachment.write(
                [published_specification], {'resource': str(draft)})
        other = draft_tender(officer)
        Attachment.write([specification], {'resource': str(other)})
    assert documents_of(draft) == []
    assert documents_of(other) == ["specification.pdf"]
    assert documents_of(published) == ["specification.pdf"]


def test_server_documents_pass(published, bidders):
    "The server's own documents (the award's summaries) are not a user's"
    (_, user), _ = bidders
    bid = bid_on(published, user, 240000)
    with as_user(user):
        submit_bids([bid])
    attach(bid, "assessment summary.pdf")
    assert documents_of(bid) == ["assessment summary.pdf"]


# The configuration

def test_configuration_documents(transaction):
    "The limits of documents have sensible defaults and ranges"
    Configuration = Pool().get('commissioning.configuration')
    config = Configuration(1)
    assert config.document_size_max == 20
    assert config.allowed_document_types() == [
        'pdf', 'doc', 'docx', 'odt', 'rtf', 'txt', 'csv', 'xls', 'xlsx',
        'ods', 'ppt', 'pptx', 'odp', 'png', 'jpg', 'jpeg', 'gif']
    for value in [0, 501, -1]:
        with pytest.raises(ValidationError) as info:
            Configuration.write([config], {'document_size_max': value})
        assert "between 1 and 500" in info.value.message
    for value, shown in [("pdf, *.exe", '"*.exe"'), (" , ", '","'),
            ("pdf docx?", '"docx?"')]:
        with pytest.raises(ValidationError) as info:
            Configuration.write([config], {'document_types': value})
        assert shown in info.value.message
        assert "Allowed Document Types" in info.value.message
    Configuration.write([config], {
            'document_size_max': 500, 'document_types': "pdf; .ODT  docx"})
    assert Configuration(1).allowed_document_types() == ['pdf', 'odt', 'docx']


def test_configuration_documents_admin(company, officer):
    "The commissioning admin sets the limits; an officer cannot"
    from trytond.modules.childfirst_commissioning.tests.tools import make_user
    Configuration = Pool().get('commissioning.configuration')
    admin = make_user('cadmin', 'group_commissioning_admin')
    with as_user(admin):
        Configuration.write([Configuration(1)], {
                'document_size_max': 50, 'document_types': "pdf, odt"})
    with as_user(officer):
        with pytest.raises(AccessError):
            Configuration.write([Configuration(1)], {
                    'document_size_max': 500})
    assert Configuration(1).document_size_max == 50


# Many documents at once

def measure_documents(tender, size):
    """Return the queries of adding, changing and removing size documents
    of tender, caches cold, but the statements that store each file (an
    INSERT of the record and of the old file's removal, an UPDATE of the
    new file's id)"""
    Attachment = Pool().get('ir.attachment')
    values = [{'resource': str(tender), 'name': "annex %s.pdf" % i,
            'data': PDF + b"%d" % i} for i in range(size)]
    transaction = Transaction()
    transaction.cache.clear()
    Cache.drop(transaction.database.name)
    with count_queries() as queries:
        attachments = Attachment.create(values)
        Attachment.write(attachments, {'description': "Annex"})
        Attachment.write(attachments, {'name': "annex.pdf"})
        Attachment.delete(attachments)
    return len([q for q in map(str, queries)
            if not q.startswith('INSERT INTO')
            and not q.startswith('UPDATE "ir_attachment" AS "a" SET "file_id"')
            ])


@pytest.mark.parametrize('resource', ['tender', 'bid'])
def test_bulk_documents_queries(published, officer, bidders, resource):
    """Adding, changing and removing many documents takes the same queries
    for n and 10n of them"""
    (_, user), _ = bidders
    if resource == 'tender':
        user, record = officer, draft_tender(officer)
    else:
        record = bid_on(published, user, 240000)
    with as_user(user):
        small, large = (measure_documents(record, n) for n in [5, 50])
    assert large <= small + 3, (small, large)
