# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Contracts: made from the winning bid, activated by finance through the
activation gate, closed or terminated; their workflow is the steps'"""
import datetime as dt
from decimal import Decimal

import pytest

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.tests.tools import (
    END, GOOD_KPIS, START, TODAY, CommissioningWarning, ContractError,
    ContractValidationError, LockedError, SegregationError, as_user,
    assert_writes_refused, confirmed, draft_contract, fill_return,
    first_return, kpi, make_user)
from trytond.pool import Pool
from trytond.transaction import Transaction


def test_create_contract(awarded):
    "After the standstill the winning bid becomes a draft contract"
    Tender = Pool().get('commissioning.tender')
    tender, officer, bids = awarded.tender, awarded.officer, awarded.bids
    with as_user(officer), pytest.raises(ContractError) as info:
        Tender.create_contract([tender])
    assert ("the standstill runs until %s" % tender.standstill_end
        in str(info.value))
    assert Tender(tender.id).state == 'awarded'

    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.standstill_end],
            [TODAY - dt.timedelta(days=1)],
            where=table.id == tender.id))
    Transaction().cache.clear()
    with as_user(officer):
        Tender.create_contract([Tender(tender.id)])
    tender = Tender(tender.id)
    assert tender.state == 'contracted'
    contract = tender.contract
    assert contract.state == 'draft'
    assert contract.provider == bids['B'].provider
    assert contract.value == bids['B'].price
    assert contract.start_date == tender.contract_start
    assert contract.reference.startswith('CF-')
    templates = [t for c in tender.criteria for t in c.kpi_templates]
    assert len(contract.kpis) == len(templates)
    assert sorted((k.name, k.tenet) for k in contract.kpis) == sorted(
        (t.name, t.criterion.tenet) for t in templates)


# Contract activation

def test_activation_gate_refuses(officer, finance, provider_party):
    """Offence/contact KPIs only and a schedule that does not add up:
    every failing check is listed and nothing changes"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Signoff = pool.get('commissioning.signoff')
    contract = draft_contract(officer, provider_party, kpis=[
            kpi("Children arrested", 'diversion', 'offence_contact',
                direction='lower'),
            kpi("Children cautioned", 'as_children', 'offence_contact',
                direction='lower'),
            ], payments=[{'amount': Decimal(60000),
                'planned_date': START + dt.timedelta(days=90)},
            {'amount': Decimal(1000),
                'planned_date': END + dt.timedelta(days=365)}])
    with as_user(finance), pytest.raises(ContractError) as info:
        Contract.activate([contract])
    message = str(info.value)
    for text in [
            "The contract has 2 KPIs",
            'No KPI measures "Building pro-social identity"',
            'No KPI measures "Collaborating with children"',
            "No KPI is of the category Child Experience",
            "0 positive outcome KPIs and 2 offence/contact KPIs",
            '"Diverting from stigma" is measured only by '
            'offence/contact KPIs',
            "No KPI is disaggregated",
            "add up to 61000 but the contract value is 100000",
            "A payment is planned on %s, outside the contract term"
            % (END + dt.timedelta(days=365)),
            ]:
        assert text in message
    contract = Contract(contract.id)
    assert contract.state == 'draft'
    assert not contract.periods
    assert not Signoff.search([])
    assert "✗ At least 3 KPIs" in contract.activation_checklist


def test_activation(officer, finance, provider_party):
    """Finance activates: a sign-off, the periods, and a return with a
    line per KPI for each period that has ended"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    contract = draft_contract(officer, provider_party)
    assert "✗" not in Contract(contract.id).activation_checklist
    with as_user(officer), pytest.raises(AccessButtonError):
        Contract.activate([contract])
    with as_user(finance):
        Contract.activate([contract])
    contract = Contract(contract.id)
    assert contract.state == 'active'
    signoff, = contract.signoffs
    assert (signoff.gate, signoff.user, signoff.requested_by) == (
        'contract_activation', finance, officer)
    assert len(contract.periods) == 8
    first = contract.periods[0]
    assert first.due_date == first.end_date + dt.timedelta(days=20)
    ended = [p for p in contract.periods if p.end_date < TODAY]
    returns = Return.search([('contract', '=', contract.id)])
    assert len(returns) == len(ended)
    assert {len(r.lines) for r in returns} == {len(GOOD_KPIS)}
    assert any(r.overdue for r in returns)
    assert contract.overdue_returns == len(
        [p for p in ended if p.due_date < TODAY])
    # The terms are frozen
    with as_user(officer), pytest.raises(LockedError):
        Contract.write([contract], {'value': Decimal(1)})


def test_activation_segregation(officer, finance, provider_party):
    "Finance cannot activate a contract they created"
    Contract = Pool().get('commissioning.contract')
    both = make_user(
        'both', 'group_commissioning', 'group_commissioning_finance')
    contract = draft_contract(both, provider_party)
    with as_user(both), pytest.raises(SegregationError):
        Contract.activate([contract])
    assert Contract(contract.id).state == 'draft'


def test_contract_bad_input(provider_party):
    "A value of 0 or an end before the start is refused"
    Contract = Pool().get('commissioning.contract')
    with pytest.raises(ContractValidationError) as info:
        Contract.create([{
                    'name': "Zero", 'provider': provider_party.id,
                    'value': Decimal(0), 'start_date': START,
                    'end_date': END}])
    assert "must be above 0" in str(info.value)
    with pytest.raises(ContractValidationError) as info:
        Contract.create([{
                    'name': "Backwards", 'provider': provider_party.id,
                    'value': Decimal(10), 'start_date': END,
                    'end_date': START}])
    assert "must end after it starts" in str(info.value)


def test_close_and_terminate(active_contract, officer):
    "Close waits for the end date; termination needs a reason"
    Contract = Pool().get('commissioning.contract')
    contract = active_contract
    with as_user(officer):
        with pytest.raises(ContractError) as info:
            Contract.close([contract])
        assert "cannot be closed before" in str(info.value)
        with pytest.raises(ContractError):
            Contract.terminate([contract])
        Contract.write([contract], {
                'termination_reason': "The service moved."})
        # With a reason, the officer is asked to confirm
        with pytest.raises(CommissioningWarning) as info:
            Contract.terminate([contract])
        assert "Terminate contract" in info.value.message
        assert Contract(contract.id).state == 'active'
        confirmed('terminate', [contract])
    assert Contract(contract.id).state == 'terminated'


def test_provider_sees_own_contract(active_contract, provider):
    "The provider reads its contract, KPIs and payments, edits none"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Kpi = pool.get('commissioning.contract.kpi')
    Payment = pool.get('commissioning.contract.payment')
    with as_user(provider):
        assert Contract.search([]) == [active_contract]
        assert len(Kpi.search([])) == len(GOOD_KPIS)
        assert len(Payment.search([])) == 4
        with pytest.raises(AccessError):
            Kpi.write(Kpi.search([]), {'target': Decimal(1)})
        with pytest.raises(AccessButtonError):
            Contract.activate([active_contract])


# The steps only

def test_steps_only(
        active_contract, officer, finance, provider_party, provider):
    """Contracts, periods and sign-offs come only from their steps, and
    no group writes a workflow field directly, administrators included"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    User = pool.get('res.user')
    contract = active_contract
    admin, = User.search([('login', '=', 'admin')])
    record = fill_return(provider, first_return(contract))
    with as_user(provider):
        Return.submit([record])
    assert_created_by_steps_only(
        contract, provider_party, [officer, finance, provider, admin])
    assert_writes_refused(
        [officer, finance, provider, admin],
        workflow_attacks(contract, record, officer, finance))
    # The buttons still move them
    with as_user(officer):
        Return.accept([Return(record.id)])
    assert Return(record.id).state == 'accepted'


def assert_created_by_steps_only(contract, party, users):
    "Assert nobody creates a contract, a period or a sign-off directly"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Period = pool.get('commissioning.monitoring.period')
    Signoff = pool.get('commissioning.signoff')
    officer = users[0]
    with as_user(officer):
        with pytest.raises(AccessError):
            Contract.create([{
                        'name': "No award", 'provider': party.id,
                        'value': Decimal(1000), 'start_date': START,
                        'end_date': END}])
        with pytest.raises(AccessError):
            Period.create([{
                        'contract': contract.id, 'start_date': START,
                        'end_date': END, 'due_date': END}])
    for user in users:
        with as_user(user), pytest.raises(AccessError):
            Signoff.create([{
                        'origin': str(contract),
                        'gate': 'contract_activation',
                        'decision': 'approved', 'user': user.id}])


def workflow_attacks(contract, record, officer, finance):
    "Return the writes of workflow fields that would skip a step"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Payment = pool.get('commissioning.contract.payment')
    payment = contract.payments[0]
    return [
        (Contract, contract, {'state': 'draft'}),
        (Contract, contract, {'activated_by': officer.id}),
        (Contract, contract, {'reference': "CF-99999"}),
        (Return, record, {'state': 'accepted'}),
        (Return, record, {'reviewed_by': officer.id}),
        (Return, record, {'overdue': True}),
        (Line, record.lines[0], {'rating': 'good'}),
        (Payment, payment, {'state': 'paid'}),
        (Payment, payment, {'state': 'approved'}),
        (Payment, payment, {'requested_by': finance.id}),
        (Payment, payment, {'paid_date': TODAY}),
        ]
