# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Monitoring: the periods of a contract, the ratings of its KPIs and the
returns the provider submits and the officers review"""
import datetime as dt
from decimal import Decimal

import pytest

from trytond.model.exceptions import AccessError
from trytond.modules.childfirst_commissioning.gate import date_text
from trytond.modules.childfirst_commissioning.tests.tools import (
    GOOD_KPIS, TODAY, LockedError, RelationError, ReturnError,
    ReturnValidationError, SegregationError, as_user, complete_collaboration,
    count_queries, draft_contract, fill_return, first_return, make_provider,
    make_user, monitoring_periods, rate)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder


# Ratings and periods

@pytest.mark.parametrize('value, target, direction, expected', [
        (80, 80, 'higher', 'good'),
        (95, 80, 'higher', 'good'),
        (72, 80, 'higher', 'approaching'),
        (64, 80, 'higher', 'requires_improvement'),
        (63, 80, 'higher', 'inadequate'),
        (Decimal('10'), 10, 'lower', 'good'),
        (Decimal('11'), 10, 'lower', 'approaching'),
        (Decimal('12'), 10, 'lower', 'requires_improvement'),
        (Decimal('12.1'), 10, 'lower', 'inadequate'),
        (None, 10, 'lower', None),
        ])
def test_rate(value, target, direction, expected):
    "The four ratings of the Procurement Act, in both directions"
    assert rate(value, target, 10, direction) == expected


def test_monitoring_periods():
    "Periods follow the frequency; the last one ends with the contract"
    periods = monitoring_periods(
        dt.date(2026, 1, 1), dt.date(2026, 11, 15), 'quarterly')
    assert periods == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        (dt.date(2026, 10, 1), dt.date(2026, 11, 15)),
        ]


# Monitoring returns

def test_return_gate_refuses(active_contract, provider):
    """Missing value, no evidence, a breakdown that contradicts the
    total and a period not yet ended: all listed, nothing changes"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Breakdown = pool.get('commissioning.monitoring.return.breakdown')
    Group = pool.get('commissioning.monitoring.group')
    Collaboration = pool.get('commissioning.collaboration')
    record = first_return(active_contract)
    with as_user(provider), pytest.raises(ReturnError) as info:
        Return.submit([record])
    assert "records no collaboration with children" in str(info.value)
    disaggregated = [l for l in record.lines if l.kpi.disaggregate]
    white, = Group.search([('name', '=', "White")])
    before = record.period.start_date - dt.timedelta(days=1)
    with as_user(provider):
        Line.write(disaggregated, {'value': Decimal(50)})
        Breakdown.create([{'line': disaggregated[0].id,
                    'group': white.id, 'value': Decimal(40)}])
        Return.write([Return(record.id)], {'safeguarding_concerns': None})
        Collaboration.create([complete_collaboration(
                    origin=str(record), date=before)])
        with pytest.raises(ReturnError) as info:
            Return.submit([Return(record.id)])
    message = str(info.value)
    assert "Enter the number of safeguarding concerns" in message
    assert ("The collaboration record of %s is outside the period"
        % date_text(before)) in message
    assert ('"Children who say staff treat them as children" '
        'has no value') in message
    assert ("The Ethnicity groups of \"Children in education, "
        "training or work\" add up to 40, not to its value of 50"
        ) in message
    assert "has no breakdown by Care Experience" in message
    assert Return(record.id).state == 'draft'
    assert_early_returns(active_contract, provider)


def test_breakdown_by_added_dimension(active_contract, provider):
    """Once an administrator adds the groups of a dimension the guidance
    asks for (special educational needs), disaggregated values are broken
    down by it too: a return without it is refused naming it, and passes
    with it"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Group = pool.get('commissioning.monitoring.group')
    Breakdown = pool.get('commissioning.monitoring.return.breakdown')
    record = fill_return(provider, first_return(active_contract))
    Group.create([
            {'name': "EHC plan", 'dimension': 'send', 'sequence': 1},
            {'name': "SEN support", 'dimension': 'send', 'sequence': 2},
            {'name': "No SEN", 'dimension': 'send', 'sequence': 3},
            ])
    with as_user(provider), pytest.raises(ReturnError) as info:
        Return.submit([Return(record.id)])
    assert "no breakdown by Special Educational Needs" in str(info.value)
    groups = Group.search([('dimension', '=', 'send')])
    with as_user(provider):
        for line in Return(record.id).lines:
            if line.kpi.disaggregate:
                Breakdown.create([{
                            'line': line.id, 'group': g.id,
                            'value': line.value if i == 0 else 0}
                        for i, g in enumerate(groups)])
        Return.submit([Return(record.id)])
    assert Return(record.id).state == 'submitted'


def assert_early_returns(contract, provider):
    """Assert the provider starts the return of the current period early,
    but cannot submit it before the period ends, nor start one for a period
    that has not begun"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Period = pool.get('commissioning.monitoring.period')
    current, = Period.search([('contract', '=', contract.id),
            ('start_date', '<=', TODAY), ('end_date', '>=', TODAY)])
    future = Period.search([('contract', '=', contract.id),
            ('start_date', '>', TODAY)])[0]
    with as_user(provider):
        early, = Return.create([{'contract': contract.id,
                    'period': current.id}])
        assert len(early.lines) == len(GOOD_KPIS)
        with pytest.raises(ReturnError) as info:
            Return.submit([early])
        ends = "The period ends on %s" % date_text(current.end_date)
        assert ends in str(info.value)
        with pytest.raises(ReturnError) as info:
            Return.create([{'contract': contract.id, 'period': future.id}])
        assert "one of its periods that has begun" in str(info.value)


def test_return_rates_and_other_rules(active_contract, provider):
    """A complete return passes; ratings are stored; a rate's total
    lies between its groups; negative values are refused"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    record = fill_return(provider, first_return(active_contract), {
            "Children who say staff treat them as children": Decimal(75),
            "Children in education, training or work": Decimal(60),
            "Children arrested again within 12 months": Decimal(11),
            })
    ratings = {l.kpi.name: l.rating for l in record.lines}
    assert ratings == {
        "Children who say staff treat them as children": 'approaching',
        "Children in education, training or work": 'inadequate',
        "Children who helped shape their plan": 'good',
        "Children diverted from formal processing": 'good',
        "Children arrested again within 12 months": 'approaching',
        }
    with as_user(provider), pytest.raises(ReturnValidationError):
        Line.write([record.lines[0]], {'value': Decimal(-1)})
    with as_user(provider):
        Return.submit([record])
    assert Return(record.id).state == 'submitted'
    # Submitted: read-only to the provider
    with as_user(provider), pytest.raises(LockedError):
        Line.write([record.lines[0]], {'value': Decimal(1)})


def test_return_other_provider(active_contract, provider_party, provider):
    "Another provider's user can neither read nor submit the return"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    User = pool.get('res.user')
    contract = active_contract
    record = fill_return(provider, first_return(contract))
    other, intruder = make_provider("Riverside Partnership", 'intruder')
    with as_user(intruder):
        assert Return.search([]) == []
        assert Contract.search([]) == []
        with pytest.raises(AccessError):
            Return.submit([Return(record.id)])
        with pytest.raises(AccessError):
            Return.read([record.id], ['narrative'])
        assert_exports_refused(contract, record)
        # Nor counts it through a relation
        for domain in [
                [('contract.provider', '=', provider_party.id)],
                [('contract.value', '>', 0)],
                [('period.contract', '=', contract.id)],
                ]:
            assert Payment.search_count(domain) == 0
        with pytest.raises(AccessError):
            Contract.history_revisions([contract.id])
    with as_user(provider):
        assert Payment.search_count([('contract.value', '>', 0)]) == 4
        assert Return.export_data(
            [Return(record.id)], ['state']) == [['draft']]
    # A user of the other provider who is also an officer reads the return
    # but cannot submit it
    both = make_user(
        'both', 'group_commissioning_provider', 'group_commissioning')
    User.write([both], {'commissioning_parties': [('add', [other.id])]})
    with as_user(both), pytest.raises(ReturnError) as info:
        Return.submit([Return(record.id)])
    assert "belongs to another provider's contract" in str(info.value)
    assert Return(record.id).state == 'draft'


def assert_exports_refused(contract, record):
    "Assert the user exports nothing of the return nor of its contract"
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    Contract = pool.get('commissioning.contract')
    Payment = pool.get('commissioning.contract.payment')
    for Model, records, paths in [
            (Return, [record], ['narrative']),
            (Return, [record], ['lines/value']),
            (Line, record.lines, ['value']),
            (Payment, contract.payments, ['amount']),
            (Contract, [contract], ['value']),
            (Contract, [contract], ['returns/narrative']),
            ]:
        with pytest.raises(AccessError):
            Model.export_data(records, paths)


def test_return_review(active_contract, officer, provider_party, provider):
    """Sent back with a comment, resubmitted, accepted by another user;
    the submitter cannot review; an accepted return is final"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Line = pool.get('commissioning.monitoring.return.line')
    User = pool.get('res.user')
    record = fill_return(provider, first_return(active_contract))
    # A user who both acts for the provider and reviews returns
    both = make_user(
        'both', 'group_commissioning_provider', 'group_commissioning')
    User.write([both], {
            'commissioning_parties': [('add', [provider_party.id])]})
    with as_user(both):
        Return.submit([record])
        with pytest.raises(SegregationError):
            Return.accept([Return(record.id)])
    assert Return(record.id).state == 'submitted'
    with as_user(officer):
        with pytest.raises(ReturnError) as info:
            Return.send_back([Return(record.id)])
        assert "write a review comment" in str(info.value)
        Return.write([Return(record.id)], {
                'review_comment': "Add the summer activities."})
        Return.send_back([Return(record.id)])
    assert Return(record.id).state == 'draft'
    with as_user(provider):
        Return.write([Return(record.id)], {
                'narrative': "With the summer activities."})
        Return.submit([Return(record.id)])
    with as_user(officer):
        Return.accept([Return(record.id)])
    record = Return(record.id)
    assert (record.state, record.reviewed_by) == ('accepted', officer)
    for user in [provider, officer]:
        with as_user(user), pytest.raises(LockedError):
            Return.write([record], {'narrative': "Changed."})
    with as_user(provider), pytest.raises(LockedError):
        Line.write([record.lines[0]], {'value': Decimal(1)})
    # The KPIs show their latest rating
    kpis = {k.name: k for k in active_contract.kpis}
    assert kpis[
        "Children diverted from formal processing"].latest_rating == 'good'


def test_create_due_returns(
        active_contract, officer, finance, provider_party):
    """The scheduled task creates the returns of ended periods, reading
    in a fixed number of queries, and flags the overdue ones"""
    pool = Pool()
    Return = pool.get('commissioning.monitoring.return')
    Contract = pool.get('commissioning.contract')
    contract = active_contract
    before = Return.search_count([('contract', '=', contract.id)])
    later = TODAY + dt.timedelta(days=200)
    Return.create_due(later)
    after = Return.search([('contract', '=', contract.id)])
    assert len(after) == before + 2
    assert all(r.overdue for r in after if r.period.due_date < later)

    def activate(count):
        contracts = [draft_contract(officer, provider_party)
            for _ in range(count)]
        with as_user(finance):
            Contract.activate(contracts)

    # The returns of one more contract, then of three more: each contract
    # gets 2 new returns
    activate(1)
    with count_queries() as one:
        Return.create_due(later)
    activate(3)
    with count_queries() as three:
        Return.create_due(later)
    assert Return.search_count([]) == 5 * len(after)

    def reads(queries):
        """The queries but the INSERT of each new record (trytond creates
        records one INSERT each)"""
        return [q for q in map(str, queries)
            if not q.startswith('INSERT INTO')]
    # Reading, checking and flagging do not grow with the returns; trytond
    # validates the domain of the period once per contract
    assert len(reads(three)) <= len(reads(one)) + (3 - 1)


def test_return_period_of_its_contract(
        active_contract, officer, finance, provider_party):
    """A return reports a period of its own contract, whoever creates it;
    a period of the contract is accepted"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Return = pool.get('commissioning.monitoring.return')
    other = draft_contract(officer, provider_party)
    with as_user(finance):
        Contract.activate([other])
    reported = {r.period for r in Return.search(
            [('contract', '=', other.id)])}
    period, own = [
        p for p in Contract(other.id).periods if p not in reported][:2]
    with pytest.raises(RelationError) as info:
        Return.create([{'contract': active_contract.id, 'period': period.id}])
    assert "is not a period of contract" in info.value.message
    assert period.rec_name in info.value.message
    record, = Return.create([{'contract': other.id, 'period': own.id}])
    assert record.period == own


def test_kpi_values_lists(reported_contract, officer):
    """KPI values are listed with their contract and period, and graphed
    one KPI at a time: values in different units are never added up"""
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    Line = pool.get('commissioning.monitoring.return.line')
    Kpi = pool.get('commissioning.contract.kpi')

    def action(xml_id):
        return ActWindow(ModelData.get_id('childfirst_commissioning', xml_id))

    def view_types(action):
        return [v.view.type for v in action.act_window_views]
    everything = action('act_monitoring_return_line_form')
    assert 'graph' not in view_types(everything)
    over_time = action('act_kpi_values')
    assert view_types(over_time)[0] == 'graph'
    kpis = Kpi.search([('contract', '=', reported_contract.id)])
    assert len(kpis) > 1
    with as_user(officer):
        for kpi_ in kpis:
            domain = PYSONDecoder({'active_id': kpi_.id}).decode(
                over_time.pyson_domain)
            lines = Line.search(domain)
            assert {line.kpi for line in lines} <= {kpi_}
        view = Line.fields_view_get(
            view_id=over_time.act_window_views[1].view.id,
            view_type='tree')
        assert {'contract', 'period'} <= set(view['fields'])
        lines = Line.search(PYSONDecoder({}).decode(everything.pyson_domain))
        rows = Line.read([line.id for line in lines], ['contract.rec_name',
                'period.rec_name', 'kpi.rec_name', 'value'])
        assert all(r['period.']['rec_name'] for r in rows)
        assert {r['contract.']['rec_name'] for r in rows} == {
            reported_contract.rec_name}
