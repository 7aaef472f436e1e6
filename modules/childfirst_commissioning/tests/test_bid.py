# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.exceptions import (
    BidSubmissionError, CloseError, LockedError, WithdrawError)
from trytond.modules.childfirst_commissioning.tests.tools import (
    as_user, assert_writes_refused, complete_collaboration, make_tender,
    make_user, publish_tender)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction


def set_deadline(tender, deadline):
    "Move a tender's deadline, as the passing of time would"
    Tender = Pool().get('commissioning.tender')
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.submission_deadline], [deadline],
            where=table.id == tender.id))
    Transaction().cache.clear()
    return Tender(tender.id)


class BidTestCase(unittest.TestCase):
    "Test bids: submission, sealing, withdrawal and closing"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('childfirst_commissioning')

    def setup_published(self):
        """Return a published tender, its officer and two providers each
        with a user"""
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        tender, officer, finance = publish_tender()
        providers = []
        for name in ["Northside Youth Trust", "Riverside Mentoring"]:
            party, = Party.create([{'name': name}])
            user = make_user(
                name.split()[0].lower(), 'group_commissioning_provider')
            User.write([user], {'commissioning_parties': [
                        ('add', [party.id])]})
            providers.append((party, user))
        return Tender(tender.id), officer, finance, providers

    def complete_bid(self, bid, price=Decimal('240000')):
        "Answer every criterion, price the bid and attach evidence"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        Collaboration = pool.get('commissioning.collaboration')
        for response in bid.responses:
            if response.criterion.method != 'price':
                Response.write([response], {
                        'response': (
                            "How we meet %s." % response.criterion.name),
                        })
        Bid.write([bid], {'price': price})
        Collaboration.create([complete_collaboration(origin=str(bid))])
        return Bid(bid.id)

    @with_transaction()
    def test_responses_created(self):
        "A new bid has one response per criterion of its tender"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                self.assertEqual(bid.provider, party)
                self.assertEqual(
                    [r.criterion for r in bid.responses],
                    list(tender.criteria))

    @with_transaction()
    def test_submission_gate(self):
        "Submission lists every failing check, then passes when fixed"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                with self.assertRaises(BidSubmissionError) as cm:
                    Bid.submit([bid])
                message = cm.exception.message
                for fragment in [
                        'Answer the criterion "Treating children as children"',
                        'Answer the criterion "Evidence of collaboration',
                        "Enter a price above 0",
                        "requires evidence of collaboration with children: "
                        "No record shows"]:
                    self.assertIn(fragment, message)
                self.assertNotIn('Answer the criterion "Price"', message)
                self.assertEqual(Bid(bid.id).state, 'draft')
                bid = self.complete_bid(bid)
                Bid.submit([bid])
                bid = Bid(bid.id)
                self.assertEqual(bid.state, 'submitted')
                self.assertTrue(bid.submitted_at)

    @with_transaction()
    def test_incomplete_evidence(self):
        "Incomplete evidence is named with what it lacks"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Collaboration = pool.get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Collaboration.write(
                    list(bid.collaborations), {'influence': None})
                with self.assertRaises(BidSubmissionError) as cm:
                    Bid.submit([bid])
                self.assertIn("it lacks: Influence", cm.exception.message)

    @with_transaction()
    def test_submission_after_deadline(self):
        "A bid cannot be submitted once the deadline has passed"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
            set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
            with as_user(user):
                with self.assertRaises(BidSubmissionError) as cm:
                    Bid.submit([Bid(bid.id)])
                self.assertIn("has passed", cm.exception.message)
                self.assertEqual(Bid(bid.id).state, 'draft')

    @with_transaction()
    def test_unpublished_tender(self):
        "No bid on a tender that is not published"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
            with Transaction().set_user(officer.id):
                Tender.cancel([tender])
            with as_user(user):
                with self.assertRaises(BidSubmissionError) as cm:
                    Bid.submit([Bid(bid.id)])
                self.assertIn("is not open for bids", cm.exception.message)
            draft = make_tender(name="Not yet published")
            with as_user(user), self.assertRaises(Exception):
                Bid.create([{'tender': draft.id}])

    @with_transaction()
    def test_one_live_bid(self):
        "An organisation has one live bid per tender"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                with self.assertRaises(BidSubmissionError) as cm:
                    Bid.create([{'tender': tender.id}])
                self.assertIn("one live bid per tender", cm.exception.message)
            with as_user(user):
                bid = self.complete_bid(Bid(bid.id))
                Bid.submit([bid])
                Bid.withdraw([bid])
                # Withdrawn, the organisation may bid again
                second, = Bid.create([{'tender': tender.id}])
                self.assertEqual(second.state, 'draft')

    @with_transaction()
    def test_price_positive(self):
        "A price of 0 or less is refused"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                for price in [Decimal(0), Decimal(-10)]:
                    with self.assertRaises(BidSubmissionError) as cm:
                        Bid.write([bid], {'price': price})
                    self.assertIn("more than 0", cm.exception.message)

    @with_transaction()
    def test_sealed_until_close(self):
        "Nobody but the bidder reads a bid's content before the close"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        Tender = pool.get('commissioning.tender')
        Collaboration = pool.get('commissioning.collaboration')
        Attachment = pool.get('ir.attachment')
        Channel = pool.get('ir.chat.channel')
        company = create_company()
        with set_company(company):
            tender, officer, finance, [(party, user), (_, user2)] = (
                self.setup_published())
            evaluator = make_user(
                'evaluator', 'group_commissioning_evaluator')
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Bid.submit([bid])
                self.assertEqual(
                    Bid.read([bid.id], ['price'])[0]['price'],
                    Decimal('240000'))
            with as_user(user):
                attachment, = Attachment.create([{
                            'resource': str(bid), 'name': "method.txt",
                            'data': b"our method"}])
            for reader in [officer, finance, evaluator, user2]:
                with self.subTest(reader=reader.login), as_user(reader):
                    # The bid exists only for its bidder
                    self.assertEqual(Bid.search([]), [])
                    self.assertEqual(Bid.search_count([]), 0)
                    for fields_names in [['provider'], ['price']]:
                        with self.assertRaises(AccessError):
                            Bid.read([bid.id], fields_names)
                    with Transaction().set_context(
                            _datetime=dt.datetime.now()):
                        with self.assertRaises(AccessError):
                            Bid.read([bid.id], ['price'])
                    with self.assertRaises(AccessError):
                        Bid.history_revisions([bid.id])
                    with self.assertRaises(AccessError):
                        Response.read(
                            [r.id for r in bid.responses], ['response'])
                    self.assertEqual(Response.search([]), [])
                    self.assertEqual(Collaboration.search(
                            [('origin', 'like', 'commissioning.bid,%')]), [])
                    # Nor through its tender: a count that changed with the
                    # price or the answers would reveal them
                    for domain in [
                            [('bids.price', '>', 0)],
                            [('bids.price', '>', 10 ** 9)],
                            [('bids.provider', '=', party.id)],
                            [('bids.responses.response', 'ilike', '%')],
                            [('bids.collaborations.children_count', '>', 0)],
                            ]:
                        try:
                            count = Tender.search_count(
                                [('id', '=', tender.id)] + domain)
                        except AccessError:
                            # The price is not the evaluators' to search
                            count = 0
                        self.assertEqual(count, 0, domain)
                    # An export lists the bids it may read, as a read does
                    for path in ['bids/price', 'bids/responses/response',
                            'bids', 'bids/collaborations/voice']:
                        self.assertEqual(
                            Tender.export_data([Tender(tender.id)], [path]),
                            [['']], path)
                    with self.assertRaises(AccessError):
                        Bid.export_data([bid], ['price'])
                    # Nor its chat
                    for call in [Channel.get, Channel.subscribe]:
                        with self.assertRaises(AccessError):
                            call(str(bid))
                    # Nor its attachments
                    self.assertEqual(Attachment.search(
                            [('resource', '=', str(bid))]), [])
                    for call in [
                            lambda: Attachment.read(
                                [attachment.id], ['data']),
                            lambda: Attachment.export_data(
                                [attachment], ['data']),
                            lambda: Attachment.create([{
                                        'resource': str(bid),
                                        'name': "x.txt"}]),
                            ]:
                        with self.assertRaises(AccessError):
                            call()
            with as_user(user):
                # The bidder reads all of it
                self.assertEqual(Tender.search_count(
                        [('id', '=', tender.id), ('bids.price', '>', 0)]), 1)
                self.assertEqual(
                    Tender.export_data([Tender(tender.id)], ['bids/price']),
                    [[Decimal('240000')]])
                self.assertEqual(Attachment.search([
                            ('resource', '=', str(bid)),
                            ('name', '=', "method.txt"),
                            ]), [attachment])
            set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
            with as_user(officer):
                Tender.close([Tender(tender.id)])
                self.assertEqual(
                    Bid.read([bid.id], ['price'])[0]['price'],
                    Decimal('240000'))
                self.assertEqual(Bid.search([('price', '>', 0)]), [bid])
                self.assertEqual(
                    len(Response.search([])), len(tender.criteria))

    @with_transaction()
    def test_workflow_fields(self):
        """No group moves a tender or a bid by writing its workflow fields,
        administrators included; a copy is a new draft"""
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Tender = pool.get('commissioning.tender')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            tender, officer, finance, [(party, user), (_, user2)] = (
                self.setup_published())
            admin, = User.search([('login', '=', 'admin')])
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
            now = dt.datetime.now()
            attacks = [
                (Tender, tender, {'state': 'closed'}),
                (Tender, tender, {'state': 'draft'}),
                (Tender, tender, {'approved_by': officer.id}),
                (Tender, tender, {'requested_by': finance.id}),
                (Tender, tender, {'closed_at': now}),
                (Tender, tender, {'award_date': now.date()}),
                (Tender, tender, {'standstill_end': now.date()}),
                (Bid, bid, {'state': 'submitted'}),
                (Bid, bid, {'submitted_at': now}),
                (Bid, bid, {'rank': 1}),
                (Bid, bid, {'eligible': True}),
                (Bid, bid, {'total_score': Decimal(100)}),
                ]
            assert_writes_refused(
                self, [officer, finance, user, admin], attacks)
            with as_user(officer), self.assertRaises(AccessError):
                Tender.create([{'name': "Straight out", 'budget': 1,
                            'state': 'published'}])
            with as_user(user2), self.assertRaises(AccessError):
                Bid.create([{'tender': tender.id, 'state': 'submitted'}])
            with as_user(officer):
                copy, = Tender.copy([tender])
                self.assertEqual(
                    (copy.state, copy.requested_by, copy.published_at),
                    ('draft', None, None))
            with as_user(user):
                Bid.submit([bid])
                self.assertEqual(Bid(bid.id).state, 'submitted')

    @with_transaction()
    def test_other_provider(self):
        "A provider cannot see another provider's bid"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), (party2, user2)] = (
                self.setup_published())
            with as_user(user2):
                # Nor bid in its name
                with self.assertRaises(AccessError):
                    Bid.create([{'tender': tender.id, 'provider': party.id}])
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
            with as_user(user2):
                self.assertEqual(Bid.search([]), [])
                self.assertEqual(Response.search([]), [])
                with self.assertRaises(AccessError):
                    Bid.read([bid.id], ['provider'])

    @with_transaction()
    def test_submitted_read_only(self):
        "A submitted bid, its responses and evidence cannot be changed"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        Collaboration = pool.get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Bid.submit([bid])
                with self.assertRaises(LockedError) as cm:
                    Bid.write([bid], {'price': Decimal(1)})
                self.assertIn("withdraw it", cm.exception.message)
                with self.assertRaises(LockedError):
                    Response.write(list(bid.responses), {'response': "New"})
                with self.assertRaises(LockedError):
                    Collaboration.delete(list(bid.collaborations))
                with self.assertRaises(LockedError):
                    Bid.delete([bid])
                self.assertEqual(Bid(bid.id).price, Decimal('240000'))

    @with_transaction()
    def test_withdraw_deadline(self):
        "A bid can be withdrawn before the deadline, not after"
        Bid = Pool().get('commissioning.bid')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), (party2, user2)] = (
                self.setup_published())
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Bid.submit([bid])
            with as_user(user2):
                bid2, = Bid.create([{'tender': tender.id}])
                bid2 = self.complete_bid(bid2)
                Bid.submit([bid2])
                Bid.withdraw([bid2])
                self.assertEqual(Bid(bid2.id).state, 'withdrawn')
            set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
            with as_user(user):
                with self.assertRaises(WithdrawError) as cm:
                    Bid.withdraw([Bid(bid.id)])
                self.assertIn("deadline has passed", cm.exception.message)
                self.assertEqual(Bid(bid.id).state, 'submitted')

    @with_transaction()
    def test_close(self):
        "Closing waits for the deadline and voids the draft bids"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, _, [(party, user), (party2, user2)] = (
                self.setup_published())
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Bid.submit([bid])
            with as_user(user2):
                draft, = Bid.create([{'tender': tender.id}])
            with as_user(officer):
                with self.assertRaises(CloseError) as cm:
                    Tender.close([tender])
                self.assertIn("cannot close before", cm.exception.message)
            self.assertEqual(Tender(tender.id).state, 'published')
            set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
            with as_user(officer):
                Tender.close([Tender(tender.id)])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'closed')
            self.assertTrue(tender.closed_at)
            self.assertEqual(Bid(bid.id).state, 'submitted')
            self.assertEqual(Bid(draft.id).state, 'void')

    @with_transaction()
    def test_close_overdue(self):
        "The scheduled task closes published tenders past their deadline"
        Tender = Pool().get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, _, _, _ = self.setup_published()
            Tender.close_overdue()
            self.assertEqual(Tender(tender.id).state, 'published')
            set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))
            Tender.close_overdue()
            self.assertEqual(Tender(tender.id).state, 'closed')

    @with_transaction()
    def test_language_notes(self):
        "Child First language in responses is noted, never blocking"
        pool = Pool()
        Bid = pool.get('commissioning.bid')
        Response = pool.get('commissioning.bid.response')
        company = create_company()
        with set_company(company):
            tender, _, _, [(party, user), _] = self.setup_published()
            with as_user(user):
                bid, = Bid.create([{'tender': tender.id}])
                bid = self.complete_bid(bid)
                Response.write([bid.responses[0]], {
                        'response': "We mentor young offenders."})
                bid = Bid(bid.id)
                self.assertIn('"young offenders"', bid.language_notes)
                self.assertIn("child who has offended", bid.language_notes)
                Bid.submit([bid])
                self.assertEqual(Bid(bid.id).state, 'submitted')
