# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The performance failures of contracts: detected when a return is
accepted and every day, never twice; resolved or escalated by officers with
their outcome; holding the contract's payments while open; read by the
contract's provider only; shown to the evaluators of the provider's future
bids once they are unsealed."""
import datetime as dt
from decimal import Decimal

import pytest
from sql import Literal

from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    TODAY, LockedError, PaymentError, as_user, assert_writes_refused,
    bid_on, count_queries, draft_contract, fill_return, make_provider,
    make_user, pdf_text, print_report, publish_tender)
from trytond.modules.childfirst_commissioning.tests.test_work import queue
from trytond.pool import Pool
from trytond.transaction import Transaction

FAILURE = 'commissioning.contract.failure'
EDUCATION = "Children in education, training or work"
ARRESTED = "Children arrested again within 12 months"
# Values that rate every KPI good
GOOD = {ARRESTED: Decimal(5)}
# Values that rate education inadequate (40 against a target of 80)
INADEQUATE = {ARRESTED: Decimal(5), EDUCATION: Decimal(40)}


def returns_of(contract):
    Return = Pool().get('commissioning.monitoring.return')
    return Return.search([('contract', '=', contract.id)],
        order=[('period.start_date', 'ASC')])


def accept(record, values, officer, provider):
    "Fill the return with values as the provider, submit and accept it"
    Return = Pool().get('commissioning.monitoring.return')
    fill_return(provider, record, values)
    with as_user(provider):
        Return.submit([Return(record.id)])
    with as_user(officer):
        Return.accept([Return(record.id)])


def failures(kind=None):
    Failure = Pool().get(FAILURE)
    return Failure.search([('kind', '=', kind)] if kind else [],
        order=[('id', 'ASC')])


def set_overdue_days(days):
    Configuration = Pool().get('commissioning.configuration')
    Configuration.write([Configuration(1)], {'failure_overdue_days': days})


def record_failure(officer, contract, **values):
    "Return a failure of kind other recorded by the officer on contract"
    Failure = Pool().get(FAILURE)
    with as_user(officer):
        failure, = Failure.create([{
                    'contract': contract.id,
                    'kind': 'other',
                    'description': "Sessions were cancelled without notice.",
                    **values}])
    return Failure(failure.id)


# Detection

def test_one_inadequate_period_is_no_failure(
        active_contract, officer, provider):
    """A KPI rated inadequate in one period, or in two periods that are not
    running, is no failure"""
    set_overdue_days(365)
    first, second, third = returns_of(active_contract)[:3]
    accept(first, INADEQUATE, officer, provider)
    assert failures() == []
    accept(second, GOOD, officer, provider)
    accept(third, INADEQUATE, officer, provider)
    assert failures() == []


def test_inadequate_two_periods_running(active_contract, officer, provider):
    """A KPI rated inadequate in two periods running is recorded when the
    second return is accepted, naming the KPI and both periods"""
    set_overdue_days(365)
    first, second = returns_of(active_contract)[:2]
    accept(first, INADEQUATE, officer, provider)
    accept(second, INADEQUATE, officer, provider)
    failure, = failures()
    assert (failure.contract, failure.kind, failure.kpi.name,
        failure.period, failure.state, failure.hold_payments) == (
        active_contract, 'inadequate_kpi', EDUCATION, second.period,
        'open', False)
    assert EDUCATION in failure.description
    assert first.period.rec_name in failure.description
    assert second.period.rec_name in failure.description


def told(failure):
    "Return the users told of the recording of failure"
    Notification = Pool().get('commissioning.notification')
    return {n.recipient for n in Notification.search([
                ('event', '=', 'failure_recorded'),
                ('origin', '=', str(failure)),
                ])}


def test_failure_notified(active_contract, officer, provider):
    """The provider's users and the officers are told of a failure the
    server records; of one an officer records by hand, everyone but that
    officer"""
    officer2 = make_user('officer2', 'group_commissioning')
    set_overdue_days(365)
    first, second = returns_of(active_contract)[:2]
    accept(first, INADEQUATE, officer, provider)
    accept(second, INADEQUATE, officer, provider)
    detected, = failures()
    assert {provider, officer, officer2} <= told(detected)
    recorded = record_failure(officer, active_contract)
    assert {provider, officer2} <= told(recorded)
    assert officer not in told(recorded)


def test_overdue_return_limit(active_contract):
    """A return still a draft up to the limit of days after its due date is
    no failure; one day more, it is"""
    Failure = Pool().get(FAILURE)
    oldest = returns_of(active_contract)[0]
    days = (TODAY - oldest.period.due_date).days
    set_overdue_days(days)
    assert Failure.detect() == []
    set_overdue_days(days - 1)
    failure, = Failure.detect()
    assert (failure.contract, failure.kind, failure.return_,
        failure.period, failure.kpi) == (
        active_contract, 'overdue_return', oldest, oldest.period, None)
    assert "%s days later" % days in failure.description


def test_no_duplicates(active_contract, officer, provider):
    """Detection again records nothing new: one open failure per contract,
    kind and KPI; a resolved failure is not recorded again for its period,
    but the KPI inadequate again later is a new failure"""
    Failure = Pool().get(FAILURE)
    first, second, third, fourth = returns_of(active_contract)[:4]
    accept(first, INADEQUATE, officer, provider)
    accept(second, INADEQUATE, officer, provider)
    Failure.detect()
    Failure.detect()
    assert sorted(f.kind for f in failures()) == [
        'inadequate_kpi', 'overdue_return']
    accept(third, INADEQUATE, officer, provider)
    assert len(failures('inadequate_kpi')) == 1
    failure, = failures('inadequate_kpi')
    with as_user(officer):
        Failure.write([failure], {
                'improvement_plan': "Weekly tutoring sessions.",
                'outcome': "Education back on target."})
        Failure.resolve([failure])
    Failure.detect()
    assert len(failures('inadequate_kpi')) == 1
    accept(fourth, INADEQUATE, officer, provider)
    old, new = failures('inadequate_kpi')
    assert (old.state, old.period) == ('resolved', second.period)
    assert (new.state, new.period) == ('open', fourth.period)


def test_detection_queries_do_not_grow(officer, finance, provider_party):
    """The daily detection records the failures of 20 contracts in as many
    queries as those of 2"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Failure = pool.get(FAILURE)
    cursor = Transaction().connection.cursor()
    line = Line.__table__()
    return_ = Return.__table__()
    failure = Failure.__table__()
    counts = []
    contracts = []
    for size in (2, 20):
        while len(contracts) < size:
            contract = draft_contract(officer, provider_party)
            with as_user(finance):
                Contract.activate([contract])
            # The first two returns accepted, every KPI inadequate
            first_two = [r.id for r in returns_of(contract)[:2]]
            cursor.execute(*line.update([line.rating],
                    [Literal('inadequate')],
                    where=line.return_.in_(first_two)))
            cursor.execute(*return_.update([return_.state],
                    [Literal('accepted')],
                    where=return_.id.in_(first_two)))
            contracts.append(contract)
        cursor.execute(*failure.delete())
        Transaction().cache.clear()
        with count_queries() as queries:
            recorded = Failure.detect()
        # Five KPIs and an overdue return per contract
        assert len(recorded) == 6 * size
        counts.append(len([q for q in queries
                    if not str(q).startswith('INSERT')]))
    assert counts[1] <= counts[0] + 3, counts


# The workflow

def test_resolve_needs_plan_and_outcome(active_contract, officer):
    """Resolving needs the improvement plan and the outcome, both listed at
    once; then the failure is resolved by the officer and locked"""
    Failure = Pool().get(FAILURE)
    failure = record_failure(officer, active_contract)
    with as_user(officer):
        with pytest.raises(Exception) as info:
            Failure.resolve([failure])
        assert "Improvement Plan" in str(info.value)
        assert "Outcome" in str(info.value)
        assert Failure(failure.id).state == 'open'
        Failure.write([failure], {
                'improvement_plan': "A new session plan.",
                'deadline': TODAY + dt.timedelta(days=30),
                'outcome': "Sessions run as planned for a month."})
        Failure.resolve([failure])
    failure = Failure(failure.id)
    assert (failure.state, failure.decided_by) == ('resolved', officer)
    with as_user(officer), pytest.raises(LockedError):
        Failure.write([failure], {'outcome': "Changed."})


def test_failure_in_my_work(active_contract, officer, finance):
    """An open failure waits in the officer's My Work, due at its
    deadline, until it is resolved"""
    Failure = Pool().get(FAILURE)
    deadline = TODAY + dt.timedelta(days=30)
    failure = record_failure(officer, active_contract, deadline=deadline)
    item = ('follow_failure', '%s,%s' % (FAILURE, failure.id))
    assert item in queue(officer)
    assert item not in queue(finance)
    Work = Pool().get('commissioning.work')
    with as_user(officer):
        work, = Work.search([('kind', '=', 'failure')])
        assert work.due_date == deadline
    with as_user(officer):
        Failure.write([failure], {
                'improvement_plan': "A new session plan.",
                'outcome': "Sessions run as planned for a month."})
        Failure.resolve([failure])
    assert item not in queue(officer)


def test_escalate_needs_outcome(active_contract, officer):
    "Escalating needs the outcome, not the improvement plan"
    Failure = Pool().get(FAILURE)
    failure = record_failure(officer, active_contract)
    with as_user(officer):
        with pytest.raises(Exception) as info:
            Failure.escalate([failure])
        assert "Outcome" in str(info.value)
        assert "Improvement Plan" not in str(info.value)
        assert Failure(failure.id).state == 'open'
        Failure.write([failure], {
                'outcome': "Referred to the head of commissioning."})
        Failure.escalate([failure])
    assert Failure(failure.id).state == 'escalated'


def test_kpi_failure_names_its_kpi(active_contract, officer):
    "A failure of kind KPI inadequate recorded by hand needs its KPI"
    Failure = Pool().get(FAILURE)
    with as_user(officer), pytest.raises(Exception) as info:
        Failure.create([{
                    'contract': active_contract.id,
                    'kind': 'inadequate_kpi',
                    'description': "Education far below target."}])
    assert '"KPI"' in str(info.value)
    failure = record_failure(officer, active_contract,
        kind='inadequate_kpi', kpi=active_contract.kpis[0].id)
    assert failure.kpi == active_contract.kpis[0]


# The payments

def test_failure_holds_payment(active_contract, officer, finance, provider):
    """A performance failure that holds payments refuses the request and
    the approval of the contract's payments, naming the failure and the
    fix; resolved, the payment goes through"""
    pool = Pool()
    Payment = pool.get('commissioning.contract.payment')
    Failure = pool.get(FAILURE)
    set_overdue_days(365)
    returns = returns_of(active_contract)
    for record in returns:
        accept(record, GOOD, officer, provider)
    first, second = active_contract.payments[:2]
    with as_user(officer):
        Payment.write([first], {'period': returns[0].period.id})
        Payment.write([second], {'period': returns[1].period.id})
        Payment.request([second])
    failure = record_failure(officer, active_contract, hold_payments=True)
    with as_user(officer), pytest.raises(PaymentError) as info:
        Payment.request([first])
    assert failure.rec_name in str(info.value)
    assert "Hold Payments" in str(info.value)
    with as_user(finance), pytest.raises(PaymentError) as info:
        Payment.approve([second])
    assert failure.rec_name in str(info.value)
    assert [Payment(p.id).state for p in [first, second]] == [
        'planned', 'requested']
    with as_user(officer):
        Failure.write([failure], {
                'improvement_plan': "Sessions rescheduled with notice.",
                'outcome': "No session cancelled since."})
        Failure.resolve([failure])
        Payment.request([first])
    with as_user(finance):
        Payment.approve([first, second])
    assert [Payment(p.id).state for p in [first, second]] == [
        'approved', 'approved']


def test_failure_without_hold_lets_payment_through(
        active_contract, officer, provider):
    "An open failure that does not hold payments lets them through"
    Payment = Pool().get('commissioning.contract.payment')
    set_overdue_days(365)
    returns = returns_of(active_contract)
    for record in returns:
        accept(record, GOOD, officer, provider)
    record_failure(officer, active_contract)
    payment = active_contract.payments[0]
    with as_user(officer):
        Payment.write([payment], {'period': returns[0].period.id})
        Payment.request([payment])
    assert Payment(payment.id).state == 'requested'


# Access

def test_provider_reads_own_failures(active_contract, officer, provider):
    """The contract's provider reads its failures but writes nothing;
    another organisation and the evaluators read nothing"""
    Failure = Pool().get(FAILURE)
    failure = record_failure(officer, active_contract)
    _, other = make_provider("Eastside Arts", 'eastside')
    evaluator = make_user('evaluator', 'group_commissioning_evaluator')
    with as_user(provider):
        assert Failure.search([]) == [failure]
        assert Failure.read([failure.id], ['description'])[0][
            'description'] == failure.description
        for values in [{'improvement_plan': "Our own plan."},
                {'outcome': "Done."}, {'hold_payments': False}]:
            with pytest.raises(AccessError):
                Failure.write([Failure(failure.id)], values)
        with pytest.raises(AccessError):
            Failure.create([{'contract': active_contract.id,
                        'kind': 'other', 'description': "Fine."}])
        with pytest.raises(AccessButtonError):
            Failure.escalate([Failure(failure.id)])
    with as_user(other):
        assert Failure.search([]) == []
        assert Failure.search_count([
                ('contract.provider', '=', active_contract.provider.id)]) == 0
        with pytest.raises(AccessError):
            Failure.read([failure.id], ['description'])
    with as_user(evaluator), pytest.raises(AccessError):
        Failure.search([])
    assert Failure(failure.id).improvement_plan is None


def test_state_written_by_nobody(active_contract, officer, finance, provider):
    """Nobody writes the state nor who decided; what the failure is about
    is fixed once recorded"""
    Failure = Pool().get(FAILURE)
    failure = record_failure(officer, active_contract)
    assert_writes_refused([officer, finance, provider], [
            (Failure, failure, {'state': 'resolved'}),
            (Failure, failure, {'state': 'escalated'}),
            (Failure, failure, {'decided_by': officer.id}),
            (Failure, failure, {'kind': 'overdue_return'}),
            (Failure, failure, {'contract': active_contract.id}),
            ])
    with as_user(officer), pytest.raises(AccessError):
        Failure.create([{'contract': active_contract.id, 'kind': 'other',
                    'description': "Late.", 'state': 'resolved'}])
    with as_user(officer), pytest.raises(AccessError):
        Failure.delete([failure])
    with as_user(finance), pytest.raises(AccessButtonError):
        Failure.resolve([Failure(failure.id)])
    assert Failure(failure.id).state == 'open'


# The performance report

def test_performance_report_lists_failures(
        active_contract, officer, provider):
    """The contract performance report lists the failures with their
    improvement plan, deadline, state and outcome, for the officer and the
    provider; without failures it says so"""
    Failure = Pool().get(FAILURE)
    _, content, _, _ = print_report(
        'report_contract_performance', [active_contract], officer)
    assert "No performance failure is recorded." in pdf_text(content)
    failure = record_failure(officer, active_contract,
        improvement_plan="Sessions rescheduled with notice.",
        deadline=dt.date(2026, 3, 31))
    with as_user(officer):
        Failure.write([failure], {'outcome': "No session cancelled since."})
        Failure.resolve([failure])
    for user in [officer, provider]:
        _, content, _, _ = print_report(
            'report_contract_performance', [active_contract], user)
        text = pdf_text(content)
        for expected in ["Performance failures", "Other",
                "Sessions were cancelled without notice.",
                "Sessions rescheduled with notice.", "Resolved",
                "No session cancelled since."]:
            assert expected in text, (user.login, expected)
        # In the reader's language
        assert "31/03/2026" in text or "03/31/2026" in text


# Past performance

@pytest.fixture
def past(assigned, finance):
    """The closed tender of the worked example, Provider A having a
    contract with a failure escalated, and a sealed bid of Provider A on
    a published tender"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    User = pool.get('res.user')
    Failure = pool.get(FAILURE)
    party = assigned.bids['A'].provider
    contract = draft_contract(assigned.officer, party)
    with as_user(finance):
        Contract.activate([contract])
    failure = record_failure(assigned.officer, contract,
        outcome="Referred to the head of commissioning.")
    with as_user(assigned.officer):
        Failure.escalate([failure])
    user, = User.search([('login', '=', 'providera')])
    tender = publish_tender(assigned.officer, finance)
    assigned.sealed = bid_on(tender, user, 100000)
    assigned.provider_user = user
    assigned.contract = contract
    return assigned


def test_past_performance_unsealed(past):
    """The evaluators and officers read the bidder's past failures on an
    unsealed bid; a bidder without failures has none"""
    Bid = Pool().get('commissioning.bid')
    names = ['past_failures', 'past_performance']
    for user in [past.users['specialist'], past.officer]:
        with as_user(user):
            a, b = Bid.read([past.bids['A'].id, past.bids['B'].id], names)
        assert a['past_failures'] == 1
        assert past.contract.name in a['past_performance']
        assert "Escalated" in a['past_performance']
        assert "Referred to the head of commissioning." in (
            a['past_performance'])
        assert b['past_failures'] == 0
        assert "No performance failure" in b['past_performance']


def test_past_performance_sealed(past):
    """A sealed bid shows no past performance, whoever reads it; the
    bidder does not read its own"""
    Bid = Pool().get('commissioning.bid')
    names = ['past_failures', 'past_performance']
    sealed, = Bid.read([past.sealed.id], names)
    assert (sealed['past_failures'], sealed['past_performance']) == (
        None, None)
    for user in [past.users['specialist'], past.officer]:
        with as_user(user), pytest.raises(AccessError):
            Bid.read([past.sealed.id], names)
    with as_user(past.provider_user):
        for name in names:
            with pytest.raises(AccessError):
                Bid.read([past.bids['A'].id], [name])
