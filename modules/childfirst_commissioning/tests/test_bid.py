# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"Bids: submission, sealing, withdrawal and the closing of the tender"
import datetime as dt
from decimal import Decimal

import pytest

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    BidSubmissionError, CloseError, CommissioningWarning, LockedError,
    WithdrawError, as_user, assert_writes_refused, complete_bid, confirmed,
    make_tender, set_deadline, submit_bids)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access


def new_bid(tender, user, complete=True):
    "Return a new bid of user on tender, complete or not"
    Bid = Pool().get('commissioning.bid')
    with as_user(user):
        bid, = Bid.create([{'tender': tender.id}])
        return complete_bid(bid) if complete else bid


def submitted_bid(tender, user):
    "Return a complete bid of user on tender, submitted"
    bid = new_bid(tender, user)
    with as_user(user):
        submit_bids([bid])
    return bid


def pass_deadline(tender):
    return set_deadline(tender, dt.datetime.now() - dt.timedelta(minutes=1))


def test_responses_created(published, bidders):
    "A new bid has one response per criterion of its tender"
    (party, user), _ = bidders
    bid = new_bid(published, user, complete=False)
    assert bid.provider == party
    assert [r.criterion for r in bid.responses] == list(published.criteria)


def test_submission_gate(published, bidders):
    "Submission lists every failing check, then passes when fixed"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    Warning = Pool().get('res.user.warning')
    (_, user), _ = bidders
    with as_user(user):
        bid, = Bid.create([{'tender': published.id}])
        # The checks come first, before any confirmation
        with pytest.raises(BidSubmissionError) as info:
            Bid.submit([bid])
        message = info.value.message
        for fragment in [
                'Answer the criterion "Treating children as children"',
                'Answer the criterion "Evidence of collaboration',
                "Enter a price above 0",
                "requires evidence of collaboration with children: "
                "the bid has no record of collaborating with children: add "
                "a complete record on the bid's Collaboration with Children "
                "tab"]:
            assert fragment in message
        # Only what the bidder can act on: not the tender's co-design
        assert "design this tender" not in message
        assert 'Answer the criterion "Price"' not in message
        assert Bid(bid.id).state == 'draft'
        bid = complete_bid(bid)
        # Every check passes: the bidder is asked to confirm
        with pytest.raises(CommissioningWarning) as info:
            Bid.submit([bid])
        assert bid.rec_name in info.value.message
        assert "cannot be changed" in info.value.message
        assert Bid(bid.id).state == 'draft'
        with without_check_access():
            # As the client does through the RPC of the warning
            Warning.skip(info.value.name)
        Bid.submit([Bid(bid.id)])
        bid = Bid(bid.id)
        assert bid.state == 'submitted'
        assert bid.submitted_at


def test_submission_checklist(published, bidders):
    """The draft bid shows the checks of the submission gate as they stand;
    a submitted bid has no checklist"""
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    with as_user(user):
        bid, = Bid.create([{'tender': published.id}])
        checklist = Bid(bid.id).submission_checklist
        assert "✓ The tender is open for bids" in checklist
        assert "✗ Every criterion is answered" in checklist
        assert "✗ The price is above 0" in checklist
        assert "✗ The collaboration with children is evidenced" in checklist
        assert '– Answer the criterion "Treating children as children"' in (
            checklist)
        bid = complete_bid(bid)
        checklist = Bid(bid.id).submission_checklist
        assert "✗" not in checklist
        assert checklist.count("✓") == 4
        submit_bids([bid])
        assert Bid(bid.id).submission_checklist is None


def test_incomplete_evidence(published, bidders):
    "Incomplete evidence is named with what it lacks"
    pool = Pool()
    Collaboration = pool.get('commissioning.collaboration')
    (_, user), _ = bidders
    bid = new_bid(published, user)
    with as_user(user):
        Collaboration.write(list(bid.collaborations), {'influence': None})
        with pytest.raises(BidSubmissionError) as info:
            submit_bids([bid])
        assert "it lacks: Influence" in info.value.message


def test_submission_after_deadline(published, bidders):
    "A bid cannot be submitted once the deadline has passed"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    bid = new_bid(published, user)
    pass_deadline(published)
    with as_user(user):
        with pytest.raises(BidSubmissionError) as info:
            submit_bids([Bid(bid.id)])
        assert "has passed" in info.value.message
        assert Bid(bid.id).state == 'draft'


def test_unpublished_tender(published, officer, bidders):
    "No bid on a tender that is not published"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Tender = pool.get('commissioning.tender')
    (_, user), _ = bidders
    bid = new_bid(published, user)
    with Transaction().set_user(officer.id):
        Tender.cancel([published])
    with as_user(user):
        with pytest.raises(BidSubmissionError) as info:
            submit_bids([Bid(bid.id)])
        assert "is not open for bids" in info.value.message
    draft = make_tender(name="Not yet published")
    with as_user(user), pytest.raises(Exception):
        Bid.create([{'tender': draft.id}])


def test_one_live_bid(published, bidders):
    "An organisation has one live bid per tender"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    with as_user(user):
        bid, = Bid.create([{'tender': published.id}])
        with pytest.raises(BidSubmissionError) as info:
            Bid.create([{'tender': published.id}])
        assert "one live bid per tender" in info.value.message
    with as_user(user):
        bid = complete_bid(Bid(bid.id))
        submit_bids([bid])
        confirmed('withdraw', [bid])
        # Withdrawn, the organisation may bid again
        second, = Bid.create([{'tender': published.id}])
        assert second.state == 'draft'


@pytest.mark.parametrize('price', [Decimal(0), Decimal(-10)])
def test_price_positive(published, bidders, price):
    "A price of 0 or less is refused"
    Bid = Pool().get('commissioning.bid')
    (_, user), _ = bidders
    with as_user(user):
        bid, = Bid.create([{'tender': published.id}])
        with pytest.raises(BidSubmissionError) as info:
            Bid.write([bid], {'price': price})
        assert "more than 0" in info.value.message


def test_workflow_fields(published, officer, finance, bidders):
    """No group moves a tender or a bid by writing its workflow fields,
    administrators included; a copy is a new draft"""
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Tender = pool.get('commissioning.tender')
    User = pool.get('res.user')
    (_, user), (_, user2) = bidders
    admin, = User.search([('login', '=', 'admin')])
    bid = new_bid(published, user)
    now = dt.datetime.now()
    attacks = [
        (Tender, published, {'state': 'closed'}),
        (Tender, published, {'state': 'draft'}),
        (Tender, published, {'approved_by': officer.id}),
        (Tender, published, {'requested_by': finance.id}),
        (Tender, published, {'closed_at': now}),
        (Tender, published, {'award_date': now.date()}),
        (Tender, published, {'standstill_end': now.date()}),
        (Bid, bid, {'state': 'submitted'}),
        (Bid, bid, {'submitted_at': now}),
        (Bid, bid, {'rank': 1}),
        (Bid, bid, {'eligible': True}),
        (Bid, bid, {'total_score': Decimal(100)}),
        ]
    assert_writes_refused([officer, finance, user, admin], attacks)
    with as_user(officer), pytest.raises(AccessError):
        Tender.create([{'name': "Straight out", 'budget': 1,
                    'state': 'published'}])
    with as_user(user2), pytest.raises(AccessError):
        Bid.create([{'tender': published.id, 'state': 'submitted'}])
    with as_user(officer):
        copy, = Tender.copy([published])
        assert (copy.state, copy.requested_by, copy.published_at) == (
            'draft', None, None)
    with as_user(user):
        submit_bids([bid])
        assert Bid(bid.id).state == 'submitted'


def test_other_provider(published, bidders):
    "A provider cannot see another provider's bid"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    (party, user), (_, user2) = bidders
    with as_user(user2):
        # Nor bid in its name
        with pytest.raises(AccessError):
            Bid.create([{'tender': published.id, 'provider': party.id}])
    bid = new_bid(published, user, complete=False)
    with as_user(user2):
        assert Bid.search([]) == []
        assert Response.search([]) == []
        with pytest.raises(AccessError):
            Bid.read([bid.id], ['provider'])


def test_submitted_read_only(published, bidders):
    "A submitted bid, its responses and evidence cannot be changed"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    (_, user), _ = bidders
    bid = submitted_bid(published, user)
    with as_user(user):
        with pytest.raises(LockedError) as info:
            Bid.write([bid], {'price': Decimal(1)})
        assert "withdraw it" in info.value.message
        with pytest.raises(LockedError):
            Response.write(list(bid.responses), {'response': "New"})
        with pytest.raises(LockedError):
            Collaboration.delete(list(bid.collaborations))
        with pytest.raises(LockedError):
            Bid.delete([bid])
        assert Bid(bid.id).price == Decimal('240000')


def test_withdraw_deadline(published, bidders):
    "A bid can be withdrawn before the deadline, not after"
    Bid = Pool().get('commissioning.bid')
    (_, user), (_, user2) = bidders
    bid = submitted_bid(published, user)
    bid2 = submitted_bid(published, user2)
    with as_user(user2):
        confirmed('withdraw', [bid2])
        assert Bid(bid2.id).state == 'withdrawn'
    pass_deadline(published)
    with as_user(user):
        with pytest.raises(WithdrawError) as info:
            Bid.withdraw([Bid(bid.id)])
        assert "deadline has passed" in info.value.message
        assert Bid(bid.id).state == 'submitted'


def test_close(published, officer, bidders):
    "Closing waits for the deadline and voids the draft bids"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Tender = pool.get('commissioning.tender')
    (_, user), (_, user2) = bidders
    bid = submitted_bid(published, user)
    draft = new_bid(published, user2, complete=False)
    with as_user(officer):
        with pytest.raises(CloseError) as info:
            Tender.close([published])
        assert "cannot close before" in info.value.message
    assert Tender(published.id).state == 'published'
    pass_deadline(published)
    with as_user(officer):
        confirmed('close', [Tender(published.id)])
    tender = Tender(published.id)
    assert tender.state == 'closed'
    assert tender.closed_at
    assert Bid(bid.id).state == 'submitted'
    assert Bid(draft.id).state == 'void'


def test_close_overdue(published):
    "The scheduled task closes published tenders past their deadline"
    Tender = Pool().get('commissioning.tender')
    Tender.close_overdue()
    assert Tender(published.id).state == 'published'
    pass_deadline(published)
    Tender.close_overdue()
    assert Tender(published.id).state == 'closed'


def test_language_notes(published, bidders):
    "Child First language in responses is noted, never blocking"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    (_, user), _ = bidders
    bid = new_bid(published, user)
    with as_user(user):
        Response.write([bid.responses[0]], {
                'response': "We mentor young offenders."})
        bid = Bid(bid.id)
        assert '"young offenders"' in bid.language_notes
        assert "child who has offended" in bid.language_notes
        submit_bids([bid])
        assert Bid(bid.id).state == 'submitted'


# Sealed bids

def assert_sealed(tender, bid, party, attachment):
    "Assert the current user learns nothing of bid before the close"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Collaboration = pool.get('commissioning.collaboration')
    # The bid exists only for its bidder
    assert Bid.search([]) == []
    assert Bid.search_count([]) == 0
    for fields_names in [['provider'], ['price']]:
        with pytest.raises(AccessError):
            Bid.read([bid.id], fields_names)
    with Transaction().set_context(_datetime=dt.datetime.now()):
        with pytest.raises(AccessError):
            Bid.read([bid.id], ['price'])
    with pytest.raises(AccessError):
        Bid.history_revisions([bid.id])
    with pytest.raises(AccessError):
        Response.read([r.id for r in bid.responses], ['response'])
    assert Response.search([]) == []
    assert Collaboration.search(
        [('origin', 'like', 'commissioning.bid,%')]) == []
    assert_sealed_through_tender(tender, party)
    assert_sealed_around(bid, attachment)


def assert_sealed_through_tender(tender, party):
    "Assert the tender reveals nothing of its bids by counting or exporting"
    Tender = Pool().get('commissioning.tender')
    # A count that changed with the price or the answers would reveal them
    for domain in [
            [('bids.price', '>', 0)],
            [('bids.price', '>', 10 ** 9)],
            [('bids.provider', '=', party.id)],
            [('bids.responses.response', 'ilike', '%')],
            [('bids.collaborations.children_count', '>', 0)],
            ]:
        try:
            count = Tender.search_count([('id', '=', tender.id)] + domain)
        except AccessError:
            # The price is not the evaluators' to search
            count = 0
        assert count == 0, domain
    # An export lists the bids it may read, as a read does
    for path in ['bids/price', 'bids/responses/response',
            'bids', 'bids/collaborations/voice']:
        assert Tender.export_data([Tender(tender.id)], [path]) == [['']], (
            path)


def assert_sealed_around(bid, attachment):
    "Assert the bid's export, chat and attachments are refused"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Attachment = pool.get('ir.attachment')
    Channel = pool.get('ir.chat.channel')
    with pytest.raises(AccessError):
        Bid.export_data([bid], ['price'])
    for call in [Channel.get, Channel.subscribe]:
        with pytest.raises(AccessError):
            call(str(bid))
    assert Attachment.search([('resource', '=', str(bid))]) == []
    for call in [
            lambda: Attachment.read([attachment.id], ['data']),
            lambda: Attachment.export_data([attachment], ['data']),
            lambda: Attachment.create([{
                        'resource': str(bid), 'name': "x.txt"}]),
            ]:
        with pytest.raises(AccessError):
            call()


def test_sealed_until_close(
        published, officer, finance, evaluator, bidders):
    "Nobody but the bidder reads a bid's content before the close"
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Response = pool.get('commissioning.bid.response')
    Tender = pool.get('commissioning.tender')
    Attachment = pool.get('ir.attachment')
    (party, user), (_, user2) = bidders
    bid = new_bid(published, user)
    with as_user(user):
        # Documents are attached while the bid is a draft
        attachment, = Attachment.create([{
                    'resource': str(bid), 'name': "method.txt",
                    'data': b"our method"}])
        submit_bids([bid])
        assert Bid.read([bid.id], ['price'])[0]['price'] == Decimal('240000')
    for reader in [officer, finance, evaluator, user2]:
        with as_user(reader):
            assert_sealed(published, bid, party, attachment)
    with as_user(user):
        # The bidder reads all of it
        assert Tender.search_count(
            [('id', '=', published.id), ('bids.price', '>', 0)]) == 1
        assert Tender.export_data(
            [Tender(published.id)], ['bids/price']) == [[Decimal('240000')]]
        assert Attachment.search([
                ('resource', '=', str(bid)),
                ('name', '=', "method.txt"),
                ]) == [attachment]
    pass_deadline(published)
    with as_user(officer):
        confirmed('close', [Tender(published.id)])
        assert Bid.read([bid.id], ['price'])[0]['price'] == Decimal('240000')
        assert Bid.search([('price', '>', 0)]) == [bid]
        assert len(Response.search([])) == len(published.criteria)


def test_confirmation_after_checks(published, bidders, officer):
    """Withdrawing a bid and closing a tender ask for confirmation once
    their checks pass, and change nothing until confirmed"""
    pool = Pool()
    Bid = pool.get('commissioning.bid')
    Tender = pool.get('commissioning.tender')
    (_, user), _ = bidders
    bid = submitted_bid(published, user)
    with as_user(user):
        with pytest.raises(CommissioningWarning) as info:
            Bid.withdraw([Bid(bid.id)])
        assert "Withdraw bid" in info.value.message
        assert Bid(bid.id).state == 'submitted'
    pass_deadline(published)
    with as_user(officer):
        with pytest.raises(CommissioningWarning) as info:
            Tender.close([Tender(published.id)])
        assert published.rec_name in info.value.message
        assert Tender(published.id).state == 'published'
        confirmed('close', [Tender(published.id)])
        assert Tender(published.id).state == 'closed'
