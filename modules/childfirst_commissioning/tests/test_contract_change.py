# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Changes of an active contract: the gate check by check, finance's
approval (never by who asked) that applies the new value, end date and
payment schedule and fits the monitoring periods to the new term, the
rejection with a reason, and who may read and write what."""
import datetime as dt
import os
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.exceptions import (
    ContractChangeError, RelationError)
from trytond.modules.childfirst_commissioning.tests.tools import (
    END, START, TODAY, ContractValidationError, LockedError, SegregationError,
    as_user, assert_writes_refused, confirmed, count_queries, draft_contract,
    make_provider, make_user, monitoring_periods, pdf_text, print_report)
from trytond.modules.childfirst_commissioning.tests.test_work import queue
from trytond.pool import Pool
from trytond.transaction import Transaction


def draft_change(officer, contract, **values):
    "Return the change of contract the officer drafts"
    Change = Pool().get('commissioning.contract.change')
    values.setdefault('reason', "The service now covers the school holidays.")
    with as_user(officer):
        change, = Change.create([{'contract': contract.id, **values}])
    return Change(change.id)


def press(user, button, changes):
    Change = Pool().get('commissioning.contract.change')
    with as_user(user):
        getattr(Change, button)(Change.browse(changes))


def schedule(*payments):
    "Return the new payment schedule of (days after the start, amount)"
    return [('create', [{
                    'planned_date': START + dt.timedelta(days=days),
                    'amount': Decimal(amount),
                    } for days, amount in payments])]


def returned_end(contract):
    "Return the end of the last period of the contract with a return"
    return max(r.period.end_date for r in contract.returns)


def period_dates(contract):
    Contract = Pool().get('commissioning.contract')
    return [(p.start_date, p.end_date)
        for p in sorted(Contract(contract.id).periods,
            key=lambda p: p.start_date)]


def contract_terms(contract):
    "Return what a change may change on the contract"
    Contract = Pool().get('commissioning.contract')
    contract = Contract(contract.id)
    return (contract.value, contract.end_date, period_dates(contract),
        sorted((p.planned_date, p.amount, p.state)
            for p in contract.payments))


# Approval

def test_value_and_term_approved(active_contract, officer, finance):
    """A longer term with a higher value and a new schedule: the contract
    takes them, the periods run to the new end, the old values stay on the
    change"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Change = pool.get('commissioning.contract.change')
    Signoff = pool.get('commissioning.signoff')
    contract = active_contract
    returned = {r.period.id for r in contract.returns}
    new_end = END + relativedelta(years=1)
    change = draft_change(officer, contract, new_value=Decimal(130000),
        new_end_date=new_end, description="Holiday sessions added.",
        payments=schedule(*[(100 * i, 26000) for i in range(1, 6)]))
    press(officer, 'request', [change])
    change = Change(change.id)
    assert change.state == 'requested'
    assert change.requested_by.id == officer.id and change.requested_at
    assert (change.old_value, change.old_end_date) == (Decimal(100000), END)
    press(finance, 'approve', [change])
    change = Change(change.id)
    assert change.state == 'approved'
    assert change.decided_by.id == finance.id and change.decided_at
    assert (change.old_value, change.old_end_date) == (Decimal(100000), END)
    contract = Contract(contract.id)
    assert (contract.value, contract.end_date) == (Decimal(130000), new_end)
    assert contract.changes == (change,)
    assert sorted(p.amount for p in contract.payments) == [26000] * 5
    assert sum(p.amount for p in contract.payments) == contract.value
    # The periods run to the new end; those with a return are the same
    assert period_dates(contract) == monitoring_periods(
        START, new_end, 'quarterly')
    assert returned <= {p.id for p in contract.periods}
    signoff, = Signoff.search([('gate', '=', 'contract_change')])
    assert signoff.origin == change and signoff.decision == 'approved'
    assert signoff.user.id == finance.id
    assert signoff.requested_by.id == officer.id
    assert "The service now covers" in signoff.checks


def test_change_in_my_work(active_contract, officer, finance):
    """A requested change waits in the My Work of finance, not of the
    officer who asked, until it is decided"""
    contract = active_contract
    finance2 = make_user('finance2', 'group_commissioning_finance')
    change = draft_change(officer, contract,
        new_end_date=END + relativedelta(years=1))
    record = 'commissioning.contract.change,%s' % change.id
    item = ('approve_change', record)
    assert item not in queue(finance)
    press(officer, 'request', [change])
    assert item in queue(finance) and item in queue(finance2)
    assert item not in queue(officer)
    with as_user(finance):
        Pool().get('commissioning.contract.change').write(
            [change], {'rejection_reason': "Not within this year's budget."})
    press(finance, 'reject', [change])
    assert item not in queue(finance2)


def test_kpi_targets_approved(active_contract, officer, finance):
    """A change of KPI targets alone is a change: on approval the KPIs take
    the new targets and the change keeps the old ones; the KPIs stay
    locked otherwise"""
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Kpi = pool.get('commissioning.contract.kpi')
    contract = active_contract
    kpi = contract.kpis[0]
    old = kpi.target
    change = draft_change(officer, contract, kpis=[('create', [{
                        'kpi': kpi.id, 'new_target': old + 5}])])
    press(officer, 'request', [change])
    assert Kpi(kpi.id).target == old
    press(finance, 'approve', [change])
    line, = Change(change.id).kpis
    assert (line.old_target, line.new_target) == (old, old + 5)
    assert Kpi(kpi.id).target == old + 5
    # Outside a change, the active contract's KPIs are locked
    with as_user(officer), pytest.raises(LockedError):
        Kpi.write([Kpi(kpi.id)], {'target': old})
    # Nobody writes the old target
    ChangeKpi = pool.get('commissioning.contract.change.kpi')
    for user in [officer, finance]:
        with as_user(user), pytest.raises((AccessError, LockedError)):
            ChangeKpi.write([line], {'old_target': 1})
    assert ChangeKpi(line.id).old_target == old


def test_kpi_of_other_contract_refused(
        active_contract, officer, provider_party):
    "A change names the KPIs of its own contract only"
    other = draft_contract(officer, provider_party)
    with pytest.raises(RelationError) as error:
        draft_change(officer, active_contract, kpis=[('create', [{
                            'kpi': other.kpis[0].id, 'new_target': 50}])])
    assert "New KPI Targets" in error.value.message


def test_shorter_term_cuts_periods(active_contract, officer, finance):
    """A term that ends mid-quarter: the later periods go, the last one
    ends with the contract, the periods with a return stay; a planned
    payment released by a period that went waits for a new period"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    contract = active_contract
    returned = {r.period.id: (r.period.start_date, r.period.end_date)
        for r in contract.returns}
    last = max(contract.periods, key=lambda p: p.start_date)
    payment = contract.payments[-1]
    with as_user(officer):
        Payment.write([payment], {'period': last.id})
    new_end = returned_end(contract) + relativedelta(months=4)
    change = draft_change(officer, contract, new_end_date=new_end)
    press(officer, 'request', [change])
    press(finance, 'approve', [change])
    contract = Contract(contract.id)
    assert contract.end_date == new_end
    assert contract.value == Decimal(100000)
    dates = period_dates(contract)
    assert dates == monitoring_periods(START, new_end, 'quarterly')
    assert dates[-1][1] == new_end
    assert dates[-1][0] < dates[-1][1] < dates[-1][0] + relativedelta(
        months=3) - dt.timedelta(days=1)
    for period_id, period in returned.items():
        assert pool.get('commissioning.monitoring.period')(
            period_id).start_date == period[0]
    assert Payment(payment.id).period is None


def test_longer_term_moves_last_period(active_contract, officer, finance):
    """From an end mid-quarter to a later one: the short last period runs
    to the end of its quarter and keeps its payment"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    contract = active_contract
    short_end = returned_end(contract) + relativedelta(months=4)
    first = draft_change(officer, contract, new_end_date=short_end)
    press(officer, 'request', [first])
    press(finance, 'approve', [first])
    contract = Contract(contract.id)
    last = max(contract.periods, key=lambda p: p.start_date)
    payment = contract.payments[-1]
    with as_user(officer):
        Payment.write([payment], {'period': last.id})
    new_end = END + relativedelta(months=6)
    second = draft_change(officer, contract, new_end_date=new_end)
    press(officer, 'request', [second])
    press(finance, 'approve', [second])
    assert period_dates(contract) == monitoring_periods(
        START, new_end, 'quarterly')
    assert Payment(payment.id).period.id == last.id
    assert Contract(contract.id).changes == (second, first)


def test_copy_is_new_draft(active_contract, officer, finance):
    "A copy of a decided change is a new draft with its values"
    Change = Pool().get('commissioning.contract.change')
    change = draft_change(officer, active_contract, new_value=Decimal(110000),
        payments=schedule((300, 110000)))
    press(officer, 'request', [change])
    press(finance, 'approve', [change])
    with as_user(officer):
        copy, = Change.copy([Change(change.id)])
    assert (copy.state, copy.new_value, len(copy.payments)) == (
        'draft', Decimal(110000), 1)
    assert not (copy.requested_by or copy.decided_by or copy.old_value
        or copy.signoffs)


def test_value_down_keeps_committed(active_contract, officer, finance):
    "A lower value with a schedule that adds up to it"
    Contract = Pool().get('commissioning.contract')
    contract = active_contract
    change = draft_change(officer, contract, new_value=Decimal(80000),
        payments=schedule((100, 40000), (200, 40000)))
    press(officer, 'request', [change])
    press(finance, 'approve', [change])
    contract = Contract(contract.id)
    assert contract.value == Decimal(80000)
    assert contract.end_date == END
    assert sorted(p.amount for p in contract.payments) == [40000, 40000]


def test_performance_report_lists_changes(
        active_contract, officer, finance, provider):
    "The performance report lists the approved changes with their reason"
    contract = active_contract
    _, content, _, _ = print_report(
        'report_contract_performance', [contract], officer)
    assert "The value and the term have not changed" in pdf_text(content)
    new_end = END + relativedelta(years=1)
    change = draft_change(officer, contract, new_value=Decimal(130000),
        new_end_date=new_end,
        payments=schedule((300, 65000), (700, 65000)))
    rejected = draft_change(officer, contract,
        new_end_date=END + relativedelta(months=3),
        reason="A rejected change stays out of the report.")
    press(officer, 'request', [change, rejected])
    press(finance, 'approve', [change])
    with as_user(finance):
        rejected.__class__.write([rejected], {'rejection_reason': "No."})
    press(finance, 'reject', [rejected])
    for user in [officer, provider]:
        _, content, _, _ = print_report(
            'report_contract_performance', [contract], user)
        pdf = pdf_text(content)
        section = pdf[pdf.index("Contract changes"):pdf.index("Payments")]
        assert "100,000.00 →" in section and "130,000.00" in section, section
        assert "%s → %s" % (END.strftime('%m/%d/%Y'),
            new_end.strftime('%m/%d/%Y')) in section, section
        assert "The service now covers" in section
        assert "A rejected change" not in section
        # Finance's decisions on the changes are among the sign-offs, for
        # the staff only
        signoffs = pdf[pdf.index("Sign-offs"):] if user == officer else ''
        assert (signoffs.count("Contract Change") == 2) == (user == officer)
    if os.environ.get('CHILDFIRST_REPORT_DIR'):
        with open(os.path.join(os.environ['CHILDFIRST_REPORT_DIR'],
                    'contract-performance-changes.pdf'), 'wb') as f:
            f.write(content)


# The gate, check by check: each refused, then passing once mended

def pay_two(contract):
    "Mark the first two payments of the contract paid: 50,000 committed"
    Payment = Pool().get('commissioning.contract.payment')
    Payment.write(list(contract.payments[:2]), {'state': 'paid'})


GATE_CASES = {
    'reason': (
        {'reason': "   ", 'new_value': Decimal(100000),
            'new_end_date': END + relativedelta(months=3)},
        {'reason': "Two more months of holiday work."},
        "Write why the contract changes in Reason"),
    'nothing': (
        {'new_value': Decimal(100000), 'new_end_date': END},
        {'new_end_date': END + relativedelta(months=3)},
        "Enter a New Value other than 100000"),
    'end_before_start': (
        {'new_end_date': START - dt.timedelta(days=1)},
        {'new_end_date': END + relativedelta(months=3)},
        "must be after the start of the contract"),
    'end_before_return': (
        {'new_end_date': START + relativedelta(months=2)},
        {'new_end_date': None, 'new_value': Decimal(100000),
            'payments': schedule((100, 50000), (200, 50000))},
        "which already has a monitoring return"),
    'committed': (
        {'new_value': Decimal(40000), 'payments': schedule((300, 10000))},
        {'new_value': Decimal(60000)},
        "below the 50000 of the payments already requested, approved "
        "or paid"),
    'schedule_total': (
        {'new_value': Decimal(120000)},
        {'payments': schedule((300, 60000), (400, 60000))},
        "add up to 100000, not the value 120000"),
    'schedule_date': (
        {'new_end_date': END + relativedelta(months=3),
            'payments': schedule((300, 50000), (1200, 50000))},
        {'payments': schedule((300, 50000), (800, 50000))},
        "outside the contract term and the three months after it"),
    }


@pytest.mark.parametrize('case', sorted(GATE_CASES))
def test_request_gate(active_contract, officer, case):
    "Each check refuses the request, and passes once mended"
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Line = pool.get('commissioning.contract.change.payment')
    refused, mended, fragment = GATE_CASES[case]
    contract = active_contract
    if case == 'committed':
        pay_two(contract)
    change = draft_change(officer, contract, **refused)
    with pytest.raises(ContractChangeError) as info:
        press(officer, 'request', [change])
    assert fragment in info.value.message
    assert "cannot be requested" in info.value.message
    assert Change(change.id).state == 'draft'
    assert "✗" in Change(change.id).request_checklist
    with as_user(officer):
        if 'payments' in mended:
            Line.delete(Change(change.id).payments)
        Change.write([Change(change.id)], mended)
    assert "✗" not in Change(change.id).request_checklist
    press(officer, 'request', [change])
    assert Change(change.id).state == 'requested'


def test_request_refused_contract_not_active(active_contract, officer):
    "A contract terminated since the change was drafted is not changed"
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Change = pool.get('commissioning.contract.change')
    change = draft_change(officer, active_contract,
        new_end_date=END + relativedelta(months=3))
    with as_user(officer):
        Contract.write([Contract(active_contract.id)], {
                'termination_reason': "The provider closed."})
        confirmed('terminate', [Contract(active_contract.id)])
    with pytest.raises(ContractChangeError) as info:
        press(officer, 'request', [change])
    assert "only an active contract is changed" in info.value.message
    assert Change(change.id).state == 'draft'


def test_draft_contract_not_changed(officer, provider_party):
    "A draft contract is edited directly: no change is drafted on it"
    contract = draft_contract(officer, provider_party)
    with pytest.raises(Exception) as info:
        draft_change(officer, contract, new_value=Decimal(1))
    assert "Contract" in str(info.value)


def test_new_value_positive(active_contract, officer):
    with pytest.raises(ContractValidationError) as info:
        draft_change(officer, active_contract, new_value=Decimal(-5))
    assert "must be above 0" in info.value.message


def test_approval_rechecks_gate(active_contract, officer, finance):
    """A payment paid since the request leaves the schedule short: the
    approval is refused and nothing changes"""
    Change = Pool().get('commissioning.contract.change')
    contract = active_contract
    change = draft_change(officer, contract, new_value=Decimal(40000),
        payments=schedule((300, 40000)))
    press(officer, 'request', [change])
    pay_two(contract)
    before = contract_terms(contract)
    with pytest.raises(ContractChangeError) as info:
        press(finance, 'approve', [change])
    assert "cannot be approved" in info.value.message
    assert Change(change.id).state == 'requested'
    assert contract_terms(contract) == before


# Segregation, rejection and sign-off

def test_requester_cannot_decide(active_contract, officer):
    """A user who is both officer and finance cannot approve or reject the
    change they asked for: nothing changes"""
    Change = Pool().get('commissioning.contract.change')
    both = make_user('both', 'group_commissioning',
        'group_commissioning_finance')
    contract = active_contract
    before = contract_terms(contract)
    change = draft_change(both, contract, new_value=Decimal(150000),
        new_end_date=END + relativedelta(years=1),
        payments=schedule((300, 75000), (700, 75000)))
    press(both, 'request', [change])
    with as_user(both):
        Change.write([Change(change.id)], {'rejection_reason': "Mine"})
    for button in ['approve', 'reject']:
        with pytest.raises(SegregationError):
            press(both, button, [change])
    change = Change(change.id)
    assert change.state == 'requested' and not change.signoffs
    assert contract_terms(contract) == before


def test_refused_without_signoff(active_contract, officer):
    "The officer cannot approve: the contract stays as it was"
    Change = Pool().get('commissioning.contract.change')
    contract = active_contract
    before = contract_terms(contract)
    change = draft_change(officer, contract,
        new_end_date=END + relativedelta(years=1))
    press(officer, 'request', [change])
    for button in ['approve', 'reject']:
        with pytest.raises(AccessButtonError):
            press(officer, button, [change])
    assert Change(change.id).state == 'requested'
    assert contract_terms(contract) == before


def test_rejection(active_contract, officer, finance):
    "Finance rejects with a reason; the contract stays as it was"
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Notification = pool.get('commissioning.notification')
    contract = active_contract
    before = contract_terms(contract)
    change = draft_change(officer, contract,
        new_end_date=END + relativedelta(years=1))
    press(officer, 'request', [change])
    told = {n.recipient.id for n in Notification.search([
                ('event', '=', 'approval_requested'),
                ('origin', '=', str(change)),
                ])}
    assert finance.id in told and officer.id not in told
    with pytest.raises(ContractChangeError) as info:
        press(finance, 'reject', [change])
    assert "Write why the change is rejected" in info.value.message
    with as_user(finance):
        Change.write([Change(change.id)], {
                'rejection_reason': "No budget for next year yet."})
    press(finance, 'reject', [change])
    change = Change(change.id)
    assert change.state == 'rejected'
    assert change.decided_by.id == finance.id
    signoff, = change.signoffs
    assert signoff.decision == 'rejected'
    assert signoff.comment == "No budget for next year yet."
    assert contract_terms(contract) == before
    with pytest.raises(AccessButtonError):
        press(finance, 'approve', [change])


# Locks and who may do what

def test_contract_terms_locked(active_contract, officer):
    "An active contract's value and end date change only through a change"
    Contract = Pool().get('commissioning.contract')
    for values in [{'value': Decimal(1)}, {'end_date': END}]:
        with as_user(officer), pytest.raises(LockedError) as info:
            Contract.write([Contract(active_contract.id)], values)
        assert "Contract Change" in info.value.message


def test_requested_change_locked(active_contract, officer, finance):
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Line = pool.get('commissioning.contract.change.payment')
    change = draft_change(officer, active_contract, new_value=Decimal(110000),
        payments=schedule((300, 110000)))
    press(officer, 'request', [change])
    change = Change(change.id)
    with as_user(officer):
        with pytest.raises(LockedError):
            Change.write([change], {'new_value': Decimal(1)})
        with pytest.raises(LockedError):
            Change.delete([change])
        with pytest.raises(LockedError):
            Line.write(list(change.payments), {'amount': Decimal(1)})
    # Finance gives a rejection reason, nothing else
    with as_user(finance):
        with pytest.raises(LockedError):
            Change.write([change], {
                    'rejection_reason': "No", 'reason': "Other"})


def test_workflow_fields_not_writable(active_contract, officer, finance):
    "Nobody writes the state, who decided or the old values directly"
    Change = Pool().get('commissioning.contract.change')
    change = draft_change(officer, active_contract,
        new_end_date=END + relativedelta(months=3))
    attacks = [(Change, change, values) for values in [
            {'state': 'approved'},
            {'requested_by': officer.id},
            {'requested_at': dt.datetime(2026, 1, 1)},
            {'decided_by': finance.id},
            {'decided_at': dt.datetime(2026, 1, 1)},
            {'old_value': Decimal(1)},
            {'old_end_date': TODAY},
            {'rejection_reason': "Mine"},
            ]]
    assert_writes_refused([officer, finance], attacks)
    press(officer, 'request', [change])
    assert_writes_refused([officer, finance], attacks[:-1])
    with as_user(officer), pytest.raises(AccessError):
        Change.create([{'contract': active_contract.id, 'reason': "X",
                    'new_value': Decimal(1), 'state': 'approved'}])
    # Finance writes only the changes waiting for its decision
    draft = draft_change(officer, active_contract,
        new_end_date=END + relativedelta(months=6))
    with as_user(finance), pytest.raises(AccessError):
        Change.write([Change(draft.id)], {'reason': "Finance's words"})


def test_provider_reads_approved_changes_of_own_contracts(
        active_contract, officer, finance, provider):
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Contract = pool.get('commissioning.contract')
    Line = pool.get('commissioning.contract.change.payment')
    contract = active_contract
    approved = draft_change(officer, contract, new_value=Decimal(120000),
        payments=schedule((300, 60000), (400, 60000)))
    press(officer, 'request', [approved])
    press(finance, 'approve', [approved])
    requested = draft_change(officer, contract,
        new_end_date=END + relativedelta(years=1))
    press(officer, 'request', [requested])
    draft = draft_change(officer, contract,
        new_end_date=END + relativedelta(months=3))
    _, other = make_provider("Riverside Mentoring", 'river')
    with as_user(provider):
        assert Change.search([]) == [approved]
        assert list(Contract.read([contract.id], ['changes'])[0][
                'changes']) == [approved.id]
        assert Change.read([approved.id], ['old_value', 'new_value'])
        assert len(Line.search([])) == 2
        view = Change.fields_view_get(view_type='form')
        assert 'signoffs' not in view['fields']
        for record in [requested, draft]:
            with pytest.raises(AccessError):
                Change.read([record.id], ['reason'])
        with pytest.raises(AccessError):
            Change.create([{'contract': contract.id, 'reason': "Ours",
                        'new_value': Decimal(1)}])
        with pytest.raises(AccessError):
            press(provider, 'request', [draft])
    with as_user(other):
        assert Change.search([]) == []
        assert Line.search([]) == []
        with pytest.raises(AccessError):
            Change.read([approved.id], ['reason'])
        assert Change.search_count([('new_value', '>', 0)]) == 0


def test_evaluator_reads_nothing(active_contract, officer, evaluator):
    pool = Pool()
    Change = pool.get('commissioning.contract.change')
    Line = pool.get('commissioning.contract.change.payment')
    change = draft_change(officer, active_contract,
        new_end_date=END + relativedelta(months=3))
    with as_user(evaluator):
        for Model in [Change, Line]:
            with pytest.raises(AccessError):
                Model.search([])
        with pytest.raises(AccessError):
            Change.read([change.id], ['reason'])


# Scale

def activated_contracts(officer, finance, party, size):
    Contract = Pool().get('commissioning.contract')
    contracts = [draft_contract(officer, party) for _ in range(size)]
    with as_user(finance):
        Contract.activate(Contract.browse(contracts))
    return Contract.browse(contracts)


def button_queries(officer, finance, party, size):
    """Return the queries of requesting and of approving a change of each
    of size contracts"""
    contracts = activated_contracts(officer, finance, party, size)
    changes = [draft_change(officer, c, new_end_date=END
            + relativedelta(months=6)) for c in contracts]
    result = []
    for user, button in [(officer, 'request'), (finance, 'approve')]:
        Transaction().cache.clear()
        with count_queries() as queries:
            press(user, button, changes)
        result.append(len([q for q in map(str, queries)
                    if not q.startswith('INSERT INTO')]))
    return result


def test_buttons_queries_do_not_grow(officer, finance, provider_party):
    # The first run fills the caches of the server
    button_queries(officer, finance, provider_party, 1)
    small = button_queries(officer, finance, provider_party, 2)
    large = button_queries(officer, finance, provider_party, 20)
    for (name, s), l in zip([('request', small[0]), ('approve', small[1])],
            large):
        assert l <= s + 3, (name, s, l)
