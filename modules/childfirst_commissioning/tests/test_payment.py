# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Payments of a contract: requested by the officer once the returns are
accepted, approved by finance, then paid"""
from decimal import Decimal

import pytest

from trytond.modules.childfirst_commissioning.tests.tools import (
    TODAY, CommissioningWarning, LockedError, PaymentError, SegregationError,
    as_user, fill_return, make_user)
from trytond.pool import Pool
from trytond.transaction import Transaction


def accept_returns(returns, officer, provider):
    """Fill each return as the provider, rating the KPI of education
    inadequate, submit it and accept it as the officer"""
    Return = Pool().get('commissioning.monitoring.return')
    for record in returns:
        fill_return(provider, record, {
                "Children in education, training or work": Decimal(40)})
        with as_user(provider):
            Return.submit([record])
        with as_user(officer):
            Return.accept([record])


def test_payments(active_contract, officer, finance, provider):
    """A payment waits for its period's accepted return and for every
    overdue return; finance approves, not the requester, confirming an
    inadequate rating; then pays"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Payment = pool.get('commissioning.contract.payment')
    Warning = pool.get('res.user.warning')
    Signoff = pool.get('commissioning.signoff')
    contract = active_contract
    returns = Return.search([('contract', '=', contract.id)],
        order=[('period.start_date', 'ASC')])
    payment = contract.payments[0]
    assert_waits_for_returns(payment, returns[0], officer)
    accept_returns(returns, officer, provider)
    with as_user(officer):
        Payment.request([payment])
    assert_requester_cannot_approve(contract.payments[1], returns[1])
    with as_user(finance):
        with pytest.raises(CommissioningWarning) as info:
            Payment.approve([payment])
        assert ("rated these KPIs inadequate: Children in "
            "education, training or work") in str(info.value)
        assert Payment(payment.id).state == 'requested'
    # The approver confirms, as the client does (res.user.warning.skip is
    # called without access checks over RPC)
    with Transaction().set_user(finance.id):
        Warning.skip(info.value.name)
    with as_user(finance):
        Payment.approve([payment])
        Payment.pay([payment])
    payment = Payment(payment.id)
    assert (payment.state, payment.paid_date, payment.approved_by) == (
        'paid', TODAY, finance)
    signoff, = Signoff.search([('gate', '=', 'payment_release')])
    assert "inadequate" in signoff.checks
    # The schedule is fixed once the contract is active
    with as_user(officer), pytest.raises(LockedError):
        Payment.write([contract.payments[2]], {'amount': Decimal(1)})


def assert_waits_for_returns(payment, record, officer):
    """Assert the officer cannot request the payment released by the period
    of record before its return is accepted and while returns are overdue"""
    Payment = Pool().get('commissioning.contract.payment')
    with as_user(officer):
        Payment.write([payment], {'period': record.period.id})
        with pytest.raises(PaymentError) as info:
            Payment.request([payment])
    message = str(info.value)
    assert "is not accepted yet" in message
    assert "is overdue" in message
    assert Payment(payment.id).state == 'planned'


def assert_requester_cannot_approve(payment, record):
    """Assert a user who is also in finance cannot approve the payment
    released by the period of record that they requested"""
    Payment = Pool().get('commissioning.contract.payment')
    both = make_user(
        'both', 'group_commissioning', 'group_commissioning_finance')
    with as_user(both):
        Payment.write([payment], {'period': record.period.id})
        Payment.request([payment])
        with pytest.raises(SegregationError):
            Payment.approve([payment])
    assert Payment(payment.id).state == 'requested'
