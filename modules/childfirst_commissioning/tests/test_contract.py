# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import datetime as dt
import os
import unittest
from decimal import Decimal
from io import BytesIO

from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.contract import (
    monitoring_periods, rate)
from trytond.modules.childfirst_commissioning.exceptions import (
    CommissioningWarning, ContractError, ContractValidationError,
    LockedError, PaymentError, ReturnError, ReturnValidationError,
    SegregationError)
from trytond.modules.childfirst_commissioning.tests import test_report
from trytond.modules.childfirst_commissioning.tests.test_report import (
    WorkedExampleMixin)
from trytond.modules.childfirst_commissioning.tests.tools import (
    GOOD_KPIS, as_user, assert_writes_refused, complete_collaboration,
    count_queries, kpi, make_user)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction, without_check_access

TODAY = dt.date.today()
# A contract that started a year ago, brought into the system
START = TODAY - dt.timedelta(days=365)
END = START + relativedelta(years=2, days=-1)


class ContractTestCase(WorkedExampleMixin, unittest.TestCase):
    "Test contracts, monitoring returns and payments"
    print_ = test_report.ReportTestCase.print_

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('childfirst_commissioning')

    # Fixtures

    def actors(self):
        "Return the officer, finance, provider party and provider user"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        officer = make_user('officer', 'group_commissioning')
        finance = make_user('finance', 'group_commissioning_finance')
        party, = Party.create([{'name': "Northside Youth Trust"}])
        provider = make_user('provider', 'group_commissioning_provider')
        User.write([provider], {
                'commissioning_parties': [('add', [party.id])]})
        return officer, finance, party, provider

    def draft_contract(self, officer, party, kpis=None, payments=None):
        "Return a draft contract created by the officer"
        Contract = Pool().get('commissioning.contract')
        if payments is None:
            payments = [
                {'amount': Decimal(25000),
                    'planned_date': START + dt.timedelta(days=100 * i)}
                for i in range(1, 5)]
        # As the officer's Create Contract button does: nobody creates a
        # contract directly
        with as_user(officer), without_check_access():
            contract, = Contract.create([{
                        'name': "Trusted adults for children",
                        'provider': party.id,
                        'value': Decimal(100000),
                        'start_date': START, 'end_date': END,
                        'frequency': 'quarterly',
                        'kpis': [('create', GOOD_KPIS if kpis is None
                                else kpis)],
                        'payments': [('create', payments)],
                        }])
        return contract

    def active_contract(self):
        "Return an active contract with its actors"
        Contract = Pool().get('commissioning.contract')
        officer, finance, party, provider = self.actors()
        contract = self.draft_contract(officer, party)
        with as_user(finance):
            Contract.activate([contract])
        return Contract(contract.id), officer, finance, party, provider

    def fill(self, provider, record, values=None, evidence=True):
        """Fill every line of the return as the provider, with breakdowns
        that add up, and evidence from the period"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        Breakdown = pool.get('commissioning.monitoring.return.breakdown')
        Group = pool.get('commissioning.monitoring.group')
        Collaboration = pool.get('commissioning.collaboration')
        values = values or {}
        with as_user(provider):
            record = Return(record.id)
            for line in record.lines:
                value = values.get(line.kpi.name, Decimal(85))
                Line.write([line], {'value': value})
                if line.kpi.disaggregate:
                    groups = Group.search([])
                    by_dimension = {}
                    for group in groups:
                        by_dimension.setdefault(
                            group.dimension, []).append(group)
                    for dimension, members in by_dimension.items():
                        Breakdown.create([{
                                    'line': line.id, 'group': g.id,
                                    'value': value if i == 0 else 0,
                                    } for i, g in enumerate(members)])
            if evidence:
                Collaboration.create([complete_collaboration(
                            origin=str(record),
                            date=record.period.start_date
                            + dt.timedelta(days=10))])
            Return.write([record], {'narrative': "A good quarter."})
        return Return(record.id)

    def first_return(self, contract):
        Return = Pool().get('commissioning.monitoring.return')
        return Return.search([('contract', '=', contract.id)],
            order=[('period.start_date', 'ASC')])[0]

    # Ratings and periods

    def test_rate(self):
        "The four ratings of the Procurement Act, in both directions"
        for value, expected in [
                (80, 'good'), (95, 'good'), (72, 'approaching'),
                (64, 'requires_improvement'), (63, 'inadequate')]:
            self.assertEqual(rate(value, 80, 10, 'higher'), expected, value)
        for value, expected in [
                (10, 'good'), (11, 'approaching'),
                (12, 'requires_improvement'), (12.1, 'inadequate')]:
            self.assertEqual(
                rate(Decimal(str(value)), 10, 10, 'lower'), expected, value)
        self.assertIsNone(rate(None, 10, 10, 'lower'))

    def test_monitoring_periods(self):
        "Periods follow the frequency; the last one ends with the contract"
        periods = monitoring_periods(
            dt.date(2026, 1, 1), dt.date(2026, 11, 15), 'quarterly')
        self.assertEqual(periods, [
                (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
                (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
                (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
                (dt.date(2026, 10, 1), dt.date(2026, 11, 15)),
                ])

    # Create contract

    def awarded(self):
        "Return an awarded tender of the worked example and its officer"
        Tender = Pool().get('commissioning.tender')
        tender, officer, bids = self.moderated()
        finance = make_user('finance2', 'group_commissioning_finance')
        with as_user(officer):
            Tender.recommend_award([tender])
        with as_user(finance):
            Tender.approve_award([Tender(tender.id)])
        return Tender(tender.id), officer, bids

    @with_transaction()
    def test_create_contract(self):
        "After the standstill the winning bid becomes a draft contract"
        pool = Pool()
        Tender = pool.get('commissioning.tender')
        company = create_company()
        with set_company(company):
            tender, officer, bids = self.awarded()
            with as_user(officer), self.assertRaises(ContractError) as cm:
                Tender.create_contract([tender])
            self.assertIn("the standstill runs until %s"
                % tender.standstill_end, str(cm.exception))
            self.assertEqual(Tender(tender.id).state, 'awarded')

            table = Tender.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.standstill_end],
                    [TODAY - dt.timedelta(days=1)],
                    where=table.id == tender.id))
            Transaction().cache.clear()
            with as_user(officer):
                Tender.create_contract([Tender(tender.id)])
            tender = Tender(tender.id)
            self.assertEqual(tender.state, 'contracted')
            contract = tender.contract
            self.assertEqual(contract.state, 'draft')
            self.assertEqual(contract.provider, bids['B'].provider)
            self.assertEqual(contract.value, bids['B'].price)
            self.assertEqual(contract.start_date, tender.contract_start)
            self.assertTrue(contract.reference.startswith('CF-'))
            templates = [t for c in tender.criteria for t in c.kpi_templates]
            self.assertEqual(len(contract.kpis), len(templates))
            self.assertEqual(
                sorted((k.name, k.tenet) for k in contract.kpis),
                sorted((t.name, t.criterion.tenet) for t in templates))

    # Contract activation

    @with_transaction()
    def test_activation_gate_refuses(self):
        """Offence/contact KPIs only and a schedule that does not add up:
        every failing check is listed and nothing changes"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Signoff = pool.get('commissioning.signoff')
        company = create_company()
        with set_company(company):
            officer, finance, party, provider = self.actors()
            contract = self.draft_contract(officer, party, kpis=[
                    kpi("Children arrested", 'diversion', 'offence_contact',
                        direction='lower'),
                    kpi("Children cautioned", 'as_children',
                        'offence_contact', direction='lower'),
                    ], payments=[{'amount': Decimal(60000),
                        'planned_date': START + dt.timedelta(days=90)},
                    {'amount': Decimal(1000),
                        'planned_date': END + dt.timedelta(days=365)}])
            with as_user(finance), self.assertRaises(ContractError) as cm:
                Contract.activate([contract])
            message = str(cm.exception)
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
                self.assertIn(text, message)
            contract = Contract(contract.id)
            self.assertEqual(contract.state, 'draft')
            self.assertFalse(contract.periods)
            self.assertFalse(Signoff.search([]))
            self.assertIn("✗ At least 3 KPIs", contract.activation_checklist)

    @with_transaction()
    def test_activation(self):
        """Finance activates: a sign-off, the periods, and a return with a
        line per KPI for each period that has ended"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Return = pool.get('commissioning.monitoring.return')
        company = create_company()
        with set_company(company):
            officer, finance, party, provider = self.actors()
            contract = self.draft_contract(officer, party)
            self.assertNotIn("✗", Contract(contract.id).activation_checklist)
            with as_user(officer), self.assertRaises(AccessButtonError):
                Contract.activate([contract])
            with as_user(finance):
                Contract.activate([contract])
            contract = Contract(contract.id)
            self.assertEqual(contract.state, 'active')
            signoff, = contract.signoffs
            self.assertEqual(
                (signoff.gate, signoff.user, signoff.requested_by),
                ('contract_activation', finance, officer))
            self.assertEqual(len(contract.periods), 8)
            first = contract.periods[0]
            self.assertEqual(first.due_date,
                first.end_date + dt.timedelta(days=20))
            ended = [p for p in contract.periods if p.end_date < TODAY]
            returns = Return.search([('contract', '=', contract.id)])
            self.assertEqual(len(returns), len(ended))
            self.assertEqual(
                {len(r.lines) for r in returns}, {len(GOOD_KPIS)})
            self.assertTrue(any(r.overdue for r in returns))
            self.assertEqual(contract.overdue_returns,
                len([p for p in ended if p.due_date < TODAY]))
            # The terms are frozen
            with as_user(officer), self.assertRaises(LockedError):
                Contract.write([contract], {'value': Decimal(1)})

    @with_transaction()
    def test_activation_segregation(self):
        "Finance cannot activate a contract they created"
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        company = create_company()
        with set_company(company):
            officer, finance, party, provider = self.actors()
            both = make_user('both', 'group_commissioning',
                'group_commissioning_finance')
            contract = self.draft_contract(both, party)
            with as_user(both), self.assertRaises(SegregationError):
                Contract.activate([contract])
            self.assertEqual(Contract(contract.id).state, 'draft')

    @with_transaction()
    def test_contract_bad_input(self):
        "A value of 0 or an end before the start is refused"
        company = create_company()
        with set_company(company):
            officer, finance, party, provider = self.actors()
            with self.assertRaises(ContractValidationError) as cm:
                Pool().get('commissioning.contract').create([{
                            'name': "Zero", 'provider': party.id,
                            'value': Decimal(0), 'start_date': START,
                            'end_date': END}])
            self.assertIn("must be above 0", str(cm.exception))
            with self.assertRaises(ContractValidationError) as cm:
                Pool().get('commissioning.contract').create([{
                            'name': "Backwards", 'provider': party.id,
                            'value': Decimal(10), 'start_date': END,
                            'end_date': START}])
            self.assertIn("must end after it starts", str(cm.exception))

    @with_transaction()
    def test_close_and_terminate(self):
        "Close waits for the end date; termination needs a reason"
        Contract = Pool().get('commissioning.contract')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            with as_user(officer):
                with self.assertRaises(ContractError) as cm:
                    Contract.close([contract])
                self.assertIn("cannot be closed before", str(cm.exception))
                with self.assertRaises(ContractError):
                    Contract.terminate([contract])
                Contract.write([contract], {
                        'termination_reason': "The service moved."})
                Contract.terminate([contract])
            self.assertEqual(Contract(contract.id).state, 'terminated')

    # Monitoring returns

    @with_transaction()
    def test_return_gate_refuses(self):
        """Missing value, no evidence, a breakdown that contradicts the
        total and a period not yet ended: all listed, nothing changes"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        Breakdown = pool.get('commissioning.monitoring.return.breakdown')
        Group = pool.get('commissioning.monitoring.group')
        Period = pool.get('commissioning.monitoring.period')
        Collaboration = pool.get('commissioning.collaboration')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            record = self.first_return(contract)
            with as_user(provider), self.assertRaises(ReturnError) as cm:
                Return.submit([record])
            self.assertIn("records no collaboration with children",
                str(cm.exception))
            disaggregated = [l for l in record.lines if l.kpi.disaggregate]
            white, = Group.search([('name', '=', "White")])
            with as_user(provider):
                Line.write(disaggregated, {'value': Decimal(50)})
                Breakdown.create([{'line': disaggregated[0].id,
                            'group': white.id, 'value': Decimal(40)}])
                Return.write([Return(record.id)],
                    {'safeguarding_concerns': None})
                Collaboration.create([complete_collaboration(
                            origin=str(record),
                            date=record.period.start_date
                            - dt.timedelta(days=1))])
                with self.assertRaises(ReturnError) as cm:
                    Return.submit([Return(record.id)])
            message = str(cm.exception)
            self.assertIn("Enter the number of safeguarding concerns",
                message)
            self.assertIn("The collaboration record of %s is outside the "
                "period" % (record.period.start_date - dt.timedelta(days=1)),
                message)
            self.assertIn('"Children who say staff treat them as children" '
                'has no value', message)
            self.assertIn("The Ethnicity groups of \"Children in education, "
                "training or work\" add up to 40, not to its value of 50",
                message)
            self.assertIn("has no breakdown by Care Experience", message)
            self.assertEqual(Return(record.id).state, 'draft')

            # The provider starts the return of the current period early,
            # but cannot submit it before the period ends, nor start one for
            # a period that has not begun
            current, = Period.search([('contract', '=', contract.id),
                    ('start_date', '<=', TODAY), ('end_date', '>=', TODAY)])
            future = Period.search([('contract', '=', contract.id),
                    ('start_date', '>', TODAY)])[0]
            with as_user(provider):
                early, = Return.create([{'contract': contract.id,
                            'period': current.id}])
                self.assertEqual(len(early.lines), len(GOOD_KPIS))
                with self.assertRaises(ReturnError) as cm:
                    Return.submit([early])
                self.assertIn("The period ends on %s" % current.end_date,
                    str(cm.exception))
                with self.assertRaises(ReturnError) as cm:
                    Return.create([{'contract': contract.id,
                                'period': future.id}])
                self.assertIn("one of its periods that has begun",
                    str(cm.exception))

    @with_transaction()
    def test_return_rates_and_other_rules(self):
        """A complete return passes; ratings are stored; a rate's total
        lies between its groups; negative values are refused"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            record = self.fill(provider, self.first_return(contract), {
                    "Children who say staff treat them as children":
                    Decimal(75),
                    "Children in education, training or work": Decimal(60),
                    "Children arrested again within 12 months": Decimal(11),
                    })
            ratings = {l.kpi.name: l.rating for l in record.lines}
            self.assertEqual(ratings, {
                    "Children who say staff treat them as children":
                    'approaching',
                    "Children in education, training or work": 'inadequate',
                    "Children who helped shape their plan": 'good',
                    "Children diverted from formal processing": 'good',
                    "Children arrested again within 12 months":
                    'approaching',
                    })
            with as_user(provider), self.assertRaises(ReturnValidationError):
                Line.write([record.lines[0]], {'value': Decimal(-1)})
            with as_user(provider):
                Return.submit([record])
            self.assertEqual(Return(record.id).state, 'submitted')
            # Submitted: read-only to the provider
            with as_user(provider), self.assertRaises(LockedError):
                Line.write([record.lines[0]], {'value': Decimal(1)})

    @with_transaction()
    def test_return_other_provider(self):
        "Another provider's user can neither read nor submit the return"
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Contract = pool.get('commissioning.contract')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            record = self.fill(provider, self.first_return(contract))
            other, = Party.create([{'name': "Riverside Partnership"}])
            intruder = make_user('intruder', 'group_commissioning_provider')
            User.write([intruder], {
                    'commissioning_parties': [('add', [other.id])]})
            with as_user(intruder):
                self.assertEqual(Return.search([]), [])
                self.assertEqual(Contract.search([]), [])
                with self.assertRaises(AccessError):
                    Return.submit([Return(record.id)])
                with self.assertRaises(AccessError):
                    Return.read([record.id], ['narrative'])
                # Nor exports it, nor anything of the contract
                Payment = pool.get('commissioning.contract.payment')
                Line = pool.get('commissioning.monitoring.return.line')
                for Model, records, paths in [
                        (Return, [record], ['narrative']),
                        (Return, [record], ['lines/value']),
                        (Line, record.lines, ['value']),
                        (Payment, contract.payments, ['amount']),
                        (Contract, [contract], ['value']),
                        (Contract, [contract], ['returns/narrative']),
                        ]:
                    with self.subTest(model=Model.__name__, paths=paths):
                        with self.assertRaises(AccessError):
                            Model.export_data(records, paths)
                # Nor counts it through a relation
                for domain in [
                        [('contract.provider', '=', party.id)],
                        [('contract.value', '>', 0)],
                        [('period.contract', '=', contract.id)],
                        ]:
                    self.assertEqual(Payment.search_count(domain), 0)
                with self.assertRaises(AccessError):
                    Contract.history_revisions([contract.id])
            with as_user(provider):
                self.assertEqual(
                    Payment.search_count([('contract.value', '>', 0)]), 4)
                self.assertEqual(
                    Return.export_data([Return(record.id)], ['state']),
                    [['draft']])
            # A user of the other provider who is also an officer reads the
            # return but cannot submit it
            both = make_user('both', 'group_commissioning_provider',
                'group_commissioning')
            User.write([both], {
                    'commissioning_parties': [('add', [other.id])]})
            with as_user(both), self.assertRaises(ReturnError) as cm:
                Return.submit([Return(record.id)])
            self.assertIn("belongs to another provider's contract",
                str(cm.exception))
            self.assertEqual(Return(record.id).state, 'draft')

    @with_transaction()
    def test_steps_only(self):
        """Contracts, periods and sign-offs come only from their steps, and
        no group writes a workflow field directly, administrators included"""
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Period = pool.get('commissioning.monitoring.period')
        Signoff = pool.get('commissioning.signoff')
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        Payment = pool.get('commissioning.contract.payment')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            admin, = User.search([('login', '=', 'admin')])
            record = self.fill(provider, self.first_return(contract))
            with as_user(provider):
                Return.submit([record])
            payment = contract.payments[0]
            with as_user(officer):
                with self.assertRaises(AccessError):
                    Contract.create([{
                                'name': "No award", 'provider': party.id,
                                'value': Decimal(1000), 'start_date': START,
                                'end_date': END}])
                with self.assertRaises(AccessError):
                    Period.create([{
                                'contract': contract.id, 'start_date': START,
                                'end_date': END, 'due_date': END}])
            for user in [officer, finance, provider, admin]:
                with as_user(user), self.assertRaises(AccessError):
                    Signoff.create([{
                                'origin': str(contract),
                                'gate': 'contract_activation',
                                'decision': 'approved', 'user': user.id}])
            attacks = [
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
            assert_writes_refused(
                self, [officer, finance, provider, admin], attacks)
            # The buttons still move them
            with as_user(officer):
                Return.accept([Return(record.id)])
            self.assertEqual(Return(record.id).state, 'accepted')

    @with_transaction()
    def test_return_review(self):
        """Sent back with a comment, resubmitted, accepted by another user;
        the submitter cannot review; an accepted return is final"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Line = pool.get('commissioning.monitoring.return.line')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            record = self.fill(provider, self.first_return(contract))
            # A user who both acts for the provider and reviews returns
            both = make_user('both', 'group_commissioning_provider',
                'group_commissioning')
            User.write([both], {
                    'commissioning_parties': [('add', [party.id])]})
            with as_user(both):
                Return.submit([record])
                with self.assertRaises(SegregationError):
                    Return.accept([Return(record.id)])
            self.assertEqual(Return(record.id).state, 'submitted')
            with as_user(officer):
                with self.assertRaises(ReturnError) as cm:
                    Return.send_back([Return(record.id)])
                self.assertIn("write a review comment", str(cm.exception))
                Return.write([Return(record.id)], {
                        'review_comment': "Add the summer activities."})
                Return.send_back([Return(record.id)])
            self.assertEqual(Return(record.id).state, 'draft')
            with as_user(provider):
                Return.write([Return(record.id)], {
                        'narrative': "With the summer activities."})
                Return.submit([Return(record.id)])
            with as_user(officer):
                Return.accept([Return(record.id)])
            record = Return(record.id)
            self.assertEqual(
                (record.state, record.reviewed_by), ('accepted', officer))
            for user in [provider, officer]:
                with as_user(user), self.assertRaises(LockedError):
                    Return.write([record], {'narrative': "Changed."})
            with as_user(provider), self.assertRaises(LockedError):
                Line.write([record.lines[0]], {'value': Decimal(1)})
            # The KPIs show their latest rating
            kpis = {k.name: k for k in contract.kpis}
            self.assertEqual(
                kpis["Children diverted from formal processing"]
                .latest_rating, 'good')

    # Payments

    @with_transaction()
    def test_payments(self):
        """A payment waits for its period's accepted return and for every
        overdue return; finance approves, not the requester, confirming an
        inadequate rating; then pays"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Payment = pool.get('commissioning.contract.payment')
        Warning = pool.get('res.user.warning')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            returns = Return.search([('contract', '=', contract.id)],
                order=[('period.start_date', 'ASC')])
            payment = contract.payments[0]
            with as_user(officer):
                Payment.write([payment], {'period': returns[0].period.id})
                with self.assertRaises(PaymentError) as cm:
                    Payment.request([payment])
            message = str(cm.exception)
            self.assertIn("is not accepted yet", message)
            self.assertIn("is overdue", message)
            self.assertEqual(Payment(payment.id).state, 'planned')

            for record in returns:
                self.fill(provider, record, {
                        "Children in education, training or work":
                        Decimal(40)})
                with as_user(provider):
                    Return.submit([record])
                with as_user(officer):
                    Return.accept([record])
            with as_user(officer):
                Payment.request([payment])
            # Requested by a user who is also in finance: cannot approve
            both = make_user('both', 'group_commissioning',
                'group_commissioning_finance')
            other = contract.payments[1]
            with as_user(both):
                Payment.write([other], {'period': returns[1].period.id})
                Payment.request([other])
                with self.assertRaises(SegregationError):
                    Payment.approve([other])
            self.assertEqual(Payment(other.id).state, 'requested')

            with as_user(finance):
                with self.assertRaises(CommissioningWarning) as cm:
                    Payment.approve([payment])
                self.assertIn("rated these KPIs inadequate: Children in "
                    "education, training or work", str(cm.exception))
                self.assertEqual(Payment(payment.id).state, 'requested')
            # The approver confirms, as the client does (res.user.warning.skip
            # is called without access checks over RPC)
            with Transaction().set_user(finance.id):
                Warning.skip(cm.exception.name)
            with as_user(finance):
                Payment.approve([payment])
                Payment.pay([payment])
            payment = Payment(payment.id)
            self.assertEqual((payment.state, payment.paid_date,
                    payment.approved_by), ('paid', TODAY, finance))
            signoff, = [s for s in pool.get('commissioning.signoff').search(
                    [('gate', '=', 'payment_release')])]
            self.assertIn("inadequate", signoff.checks)
            # The schedule is fixed once the contract is active
            with as_user(officer), self.assertRaises(LockedError):
                Payment.write([contract.payments[2]],
                    {'amount': Decimal(1)})

    # Provider access and the scheduled task

    @with_transaction()
    def test_provider_sees_own_contract(self):
        "The provider reads its contract, KPIs and payments, edits none"
        pool = Pool()
        Contract = pool.get('commissioning.contract')
        Kpi = pool.get('commissioning.contract.kpi')
        Payment = pool.get('commissioning.contract.payment')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            with as_user(provider):
                self.assertEqual(Contract.search([]), [contract])
                self.assertEqual(len(Kpi.search([])), len(GOOD_KPIS))
                self.assertEqual(len(Payment.search([])), 4)
                with self.assertRaises(AccessError):
                    Kpi.write(Kpi.search([]), {'target': Decimal(1)})
                with self.assertRaises(AccessButtonError):
                    Contract.activate([contract])

    @with_transaction()
    def test_create_due_returns(self):
        """The scheduled task creates the returns of ended periods, reading
        in a fixed number of queries, and flags the overdue ones"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Contract = pool.get('commissioning.contract')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            before = Return.search_count([('contract', '=', contract.id)])
            later = TODAY + dt.timedelta(days=200)
            Return.create_due(later)
            after = Return.search([('contract', '=', contract.id)])
            self.assertEqual(len(after), before + 2)
            self.assertTrue(all(r.overdue for r in after
                    if r.period.due_date < later))

            def activate(count):
                contracts = [self.draft_contract(officer, party)
                    for _ in range(count)]
                with as_user(finance):
                    Contract.activate(contracts)

            # The returns of one more contract, then of three more: each
            # contract gets 2 new returns
            activate(1)
            with count_queries() as one:
                Return.create_due(later)
            activate(3)
            with count_queries() as three:
                Return.create_due(later)
            self.assertEqual(Return.search_count([]), 5 * len(after))

            def reads(queries):
                """The queries but the INSERT of each new record (trytond
                creates records one INSERT each)"""
                return [q for q in map(str, queries)
                    if not q.startswith('INSERT INTO')]
            # Reading, checking and flagging do not grow with the returns;
            # trytond validates the domain of the period once per contract
            self.assertLessEqual(
                len(reads(three)), len(reads(one)) + (3 - 1))

    # The contract performance report

    @with_transaction()
    def test_performance_report(self):
        """The report holds the ratings, values by period, trends,
        breakdowns, children's involvement, returns and payments; another
        provider cannot print it"""
        pool = Pool()
        Return = pool.get('commissioning.monitoring.return')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            contract, officer, finance, party, provider = (
                self.active_contract())
            returns = Return.search([('contract', '=', contract.id)],
                order=[('period.start_date', 'ASC')])
            for record, value in zip(returns[:2], [Decimal(85), Decimal(60)]):
                self.fill(provider, record, {
                        "Children in education, training or work": value})
                with as_user(provider):
                    Return.submit([record])
                with as_user(officer):
                    Return.accept([record])
            with count_queries() as queries:
                oext, content, _, name = self.print_(
                    'report_contract_performance', [contract], officer)
            self.assertEqual(oext, 'pdf')
            reader = PdfReader(BytesIO(content))
            self.assertGreaterEqual(len(reader.pages), 2)
            pdf = " ".join(" ".join(
                    (page.extract_text() or '') for page in reader.pages
                    ).split())
            for expected in [
                    "Contract Performance Report",
                    "Latest rating of each KPI",
                    "KPI values by period",
                    "Trends against the targets",
                    "Breakdown by group",
                    "Collaboration with children",
                    "Monitoring returns", "Payments",
                    "Children in education, training or work",
                    "Inadequate", "Good",
                    "Care-experienced",
                    "2 reported, 2 accepted",
                    "Contract Activation",
                    ]:
                self.assertIn(expected, pdf)
            # A bounded number of queries: no query per value
            self.assertLess(len(queries), 200)

            other, = Party.create([{'name': "Riverside Partnership"}])
            intruder = make_user('intruder', 'group_commissioning_provider')
            User.write([intruder], {
                    'commissioning_parties': [('add', [other.id])]})
            with self.assertRaises(AccessError):
                self.print_('report_contract_performance', [contract],
                    intruder)
            # The provider prints its own
            oext, content, _, _ = self.print_(
                'report_contract_performance', [contract], provider)
            self.assertEqual(oext, 'pdf')
            if os.environ.get('CHILDFIRST_REPORT_DIR'):
                with open(os.path.join(os.environ['CHILDFIRST_REPORT_DIR'],
                            'contract-performance.pdf'), 'wb') as f:
                    f.write(content)
