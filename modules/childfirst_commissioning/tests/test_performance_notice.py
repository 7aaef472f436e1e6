# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The contract performance notice (UK9): gathered by the officer from the
accepted returns of a period, published through its gate, read-only once
published, read by the contract's provider only; a reminder when one is
due."""
import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.childfirst_commissioning.tests.tools import (
    END, START, TODAY, LockedError, as_user, assert_writes_refused,
    count_queries, fill_return, make_provider, make_user, rate)
from trytond.pool import Pool
from trytond.transaction import Transaction

EDUCATION = "Children in education, training or work"
NOTICE = 'commissioning.contract.performance_notice'
# The first 12 months of the contracts of the tests
YEAR_END = START + relativedelta(years=1, days=-1)


def run_wizard(contract, user, values=None):
    """Run the Contract Performance Notice wizard on contract as user, as
    the client does: return the defaults it shows and the notice created"""
    pool = Pool()
    Wizard = pool.get(NOTICE + '.create', type='wizard')
    Notice = pool.get(NOTICE)
    with as_user(user), Transaction().set_context(
            active_model='commissioning.contract', active_id=contract.id,
            active_ids=[contract.id]):
        session_id, _, _ = Wizard.create()
        shown = Wizard.execute(session_id, {}, 'start')
        defaults = shown['view']['defaults']
        start = {
            'period_start': defaults['period_start'],
            'period_end': defaults['period_end'],
            'narrative': None,
            }
        start.update(values or {})
        result = Wizard.execute(session_id, {'start': start}, 'create_')
        Wizard.delete(session_id)
    action, = result['actions']
    notice_id, = action[1]['res_id']
    return defaults, Notice(notice_id)


def lines_by_kpi(notice):
    return {line.kpi.name: line for line in notice.lines}


def ready(notice, officer, **values):
    """Write the narrative of the draft notice (and values) as the officer,
    and give the reason of every KPI without a rating"""
    Notice = Pool().get(NOTICE)
    with as_user(officer):
        Notice.write([Notice(notice.id)], {
                'narrative': "The service met most of its targets.",
                'lines': [('write',
                        [line.id for line in notice.lines
                            if not line.rating],
                        {'unrated_reason': "Not measured this year."})],
                **values})
    return Notice(notice.id)


def publish(notice, user):
    Notice = Pool().get(NOTICE)
    with as_user(user):
        Notice.publish([Notice(notice.id)])
    return Notice(notice.id)


@pytest.fixture
def rated_contract(reported_contract, officer, provider):
    """The reported contract with its third return submitted but not
    accepted, its value for education far below target"""
    Return = Pool().get('commissioning.monitoring.return')
    third = Return.search([('contract', '=', reported_contract.id)],
        order=[('period.start_date', 'ASC')])[2]
    fill_return(provider, third, {EDUCATION: Decimal(10)})
    with as_user(provider):
        Return.submit([third])
    return reported_contract


def test_wizard_gathers_ratings(rated_contract, officer):
    """The wizard proposes the first 12 months of the contract and rates
    each KPI with its latest rated value of the accepted returns: the
    second return's 60 for education, not the submitted third's 10"""
    defaults, notice = run_wizard(rated_contract, officer, {
            'narrative': "A good first year."})
    assert (defaults['period_start'], defaults['period_end']) == (
        START, min(YEAR_END, TODAY))
    assert (notice.contract, notice.state, notice.narrative) == (
        rated_contract, 'draft', "A good first year.")
    lines = lines_by_kpi(notice)
    assert set(lines) == {k.name for k in rated_contract.kpis}
    for kpi in rated_contract.kpis:
        value = Decimal(60) if kpi.name == EDUCATION else Decimal(85)
        line = lines[kpi.name]
        assert (line.value, line.target) == (value, kpi.target)
        assert line.rating == rate(
            value, kpi.target, kpi.tolerance, kpi.direction), kpi.name
    assert lines[EDUCATION].rating == 'inadequate'


def test_wizard_no_returns(active_contract, officer):
    "Without an accepted return in the period, no KPI has a rating"
    _, notice = run_wizard(active_contract, officer)
    assert [line.rating for line in notice.lines] == [None] * len(
        active_contract.kpis)
    assert [line.value for line in notice.lines] == [None] * len(
        active_contract.kpis)


def test_wizard_active_contract_only(officer, provider_party):
    "A draft contract has no notice"
    from trytond.modules.childfirst_commissioning.tests.tools import (
        draft_contract)
    Notice = Pool().get(NOTICE)
    contract = draft_contract(officer, provider_party)
    with pytest.raises(UserError) as info:
        run_wizard(contract, officer)
    assert "only for an active contract" in str(info.value)
    assert not Notice.search([])


def test_publish_passes(rated_contract, officer):
    "A complete notice is published by the officer, with who and when"
    _, notice = run_wizard(rated_contract, officer)
    notice = publish(ready(notice, officer), officer)
    assert notice.state == 'published'
    assert notice.published_by == officer
    assert notice.published_at is not None


def refused(notice, user):
    "Return the message of the refused publication; the notice stays draft"
    Notice = Pool().get(NOTICE)
    with pytest.raises(UserError) as info:
        publish(notice, user)
    assert Notice(notice.id).state == 'draft'
    return str(info.value)


def test_publish_refuses_every_failure(active_contract, officer):
    """An empty narrative, a KPI without rating or reason, a period too
    long and outside the term are refused in one message"""
    _, notice = run_wizard(active_contract, officer, {
            'period_start': START - dt.timedelta(days=1),
            'period_end': START + relativedelta(months=13)})
    message = refused(notice, officer)
    assert "Write the narrative" in message
    for kpi in active_contract.kpis:
        assert 'KPI "%s" has no rating' % kpi.rec_name in message
    assert "longer than 12 months" in message
    assert "within the contract term" in message


def test_publish_narrative(rated_contract, officer):
    "The narrative is required: blank refused, written passes"
    _, notice = run_wizard(rated_contract, officer)
    notice = ready(notice, officer, narrative="   ")
    message = refused(notice, officer)
    assert "Write the narrative" in message
    assert "has no rating" not in message
    ready(notice, officer)
    assert publish(notice, officer).state == 'published'


def test_publish_rating_or_reason(rated_contract, officer):
    "A KPI without rating is refused until its rating or reason is given"
    Line = Pool().get(NOTICE + '.line')
    _, notice = run_wizard(rated_contract, officer)
    notice = ready(notice, officer)
    line = lines_by_kpi(notice)[EDUCATION]
    with as_user(officer):
        Line.write([line], {'rating': None})
    message = refused(notice, officer)
    assert 'KPI "%s" has no rating' % line.kpi.rec_name in message
    assert "Write the narrative" not in message
    with as_user(officer):
        Line.write([line], {'unrated_reason': "Data not yet verified."})
    assert publish(notice, officer).state == 'published'


def test_publish_period_length(rated_contract, officer):
    "A period longer than 12 months is refused; 12 months pass"
    _, notice = run_wizard(rated_contract, officer)
    notice = ready(notice, officer, period_end=YEAR_END + dt.timedelta(1))
    message = refused(notice, officer)
    assert "longer than 12 months" in message
    assert "within the contract term" not in message
    ready(notice, officer, period_end=YEAR_END)
    assert publish(notice, officer).state == 'published'


def test_publish_period_term(rated_contract, officer):
    "A period outside the contract term is refused; within it passes"
    _, notice = run_wizard(rated_contract, officer)
    notice = ready(notice, officer,
        period_start=START - dt.timedelta(days=1),
        period_end=START + dt.timedelta(days=90))
    message = refused(notice, officer)
    assert "within the contract term" in message
    assert "longer than 12 months" not in message
    ready(notice, officer, period_start=START)
    assert publish(notice, officer).state == 'published'


def test_publish_overlap(rated_contract, officer):
    """A period overlapping a published notice is refused; the next
    default period starts after it and passes"""
    _, first = run_wizard(rated_contract, officer, {
            'period_end': START + dt.timedelta(days=180)})
    publish(ready(first, officer), officer)
    _, second = run_wizard(rated_contract, officer, {
            'period_start': START + dt.timedelta(days=100)})
    message = refused(ready(second, officer), officer)
    assert "already covers part of this period" in message
    assert first.rec_name in message
    defaults, third = run_wizard(rated_contract, officer)
    assert defaults['period_start'] == START + dt.timedelta(days=181)
    assert publish(ready(third, officer), officer).state == 'published'


def test_published_read_only(rated_contract, officer):
    "A published notice and its ratings cannot be changed nor deleted"
    pool = Pool()
    Notice = pool.get(NOTICE)
    Line = pool.get(NOTICE + '.line')
    _, notice = run_wizard(rated_contract, officer)
    notice = publish(ready(notice, officer), officer)
    line = notice.lines[0]
    with as_user(officer):
        with pytest.raises(LockedError):
            Notice.write([notice], {'narrative': "Changed."})
        with pytest.raises(LockedError):
            Line.write([Line(line.id)], {'rating': 'inadequate'})
        with pytest.raises(LockedError):
            Notice.delete([notice])
    assert Notice(notice.id).narrative == "The service met most of its " \
        "targets."
    assert Line(line.id).rating == line.rating


def test_workflow_fields_written_by_nobody(
        rated_contract, officer, finance, provider):
    """Nobody writes the state, who published or when, nor the gathered
    values; only officers press Publish"""
    pool = Pool()
    Notice = pool.get(NOTICE)
    Line = pool.get(NOTICE + '.line')
    admin = make_user('cfadmin', 'group_commissioning_admin')
    _, notice = run_wizard(rated_contract, officer)
    line = notice.lines[0]
    users = [officer, finance, provider, admin]
    assert_writes_refused(users, [
            (Notice, notice, {'state': 'published'}),
            (Notice, notice, {'published_by': officer.id}),
            (Notice, notice, {'published_at': dt.datetime.now()}),
            (Notice, notice, {'contract': rated_contract.id}),
            (Line, line, {'value': Decimal(99)}),
            (Line, line, {'target': Decimal(1)}),
            ])
    ready(notice, officer)
    for user in [finance, admin]:
        with as_user(user), pytest.raises(AccessButtonError):
            Notice.publish([Notice(notice.id)])
    assert Notice(notice.id).state == 'draft'


def test_create_only_through_wizard(rated_contract, officer, provider):
    """A provider creates no notice; an officer creates one only through
    the wizard, which gathers its ratings (positive control)"""
    Notice = Pool().get(NOTICE)
    values = {'contract': rated_contract.id, 'period_start': START,
        'period_end': YEAR_END}
    for user in [provider, officer]:
        with as_user(user), pytest.raises(AccessError):
            Notice.create([values])
    assert not Notice.search([])
    run_wizard(rated_contract, officer)
    assert len(Notice.search([])) == 1


def test_provider_access(rated_contract, officer, provider):
    """The contract's provider reads its published notices, not drafts;
    another organisation reads nothing, by search, dotted domain or read"""
    pool = Pool()
    Notice = pool.get(NOTICE)
    Line = pool.get(NOTICE + '.line')
    _, published = run_wizard(rated_contract, officer, {
            'period_end': START + dt.timedelta(days=180)})
    publish(ready(published, officer), officer)
    _, draft = run_wizard(rated_contract, officer)
    _, other = make_provider("Eastside Arts", 'eastside')
    with as_user(provider):
        assert Notice.search([]) == [published]
        assert len(Line.search([])) == len(rated_contract.kpis)
        assert Notice.read([published.id], ['narrative'])[0]['narrative']
        with pytest.raises(AccessError):
            Notice.read([draft.id], ['narrative'])
    with as_user(other):
        assert Notice.search([]) == []
        assert Line.search([]) == []
        assert Notice.search_count([
                ('contract.provider', '=',
                    rated_contract.provider.id)]) == 0
        assert Line.search_count([('rating', '!=', None)]) == 0
        for record, Model in [(published, Notice), (draft, Notice),
                (published.lines[0], Line)]:
            with pytest.raises(AccessError):
                Model.read([record.id], ['id'])


def test_due_and_reminder(active_contract, officer):
    """A contract active for 12 months without a published notice is due:
    the officers are reminded once; a published notice ends it"""
    pool = Pool()
    Contract = pool.get('commissioning.contract')
    Notification = pool.get('commissioning.notification')
    Work = pool.get('commissioning.work')
    contract = active_contract
    assert contract.performance_notice_due is True
    assert Contract.search([('performance_notice_due', '=', True)]) == [
        contract]
    assert Contract.search([('performance_notice_due', '=', False)]) == []
    with as_user(officer):
        items = Work.search([('kind', '=', 'performance_notice')])
        assert [str(i.record) for i in items] == [str(contract)]
    Notification.send_reminders()
    Notification.send_reminders()
    sent = Notification.search([('event', '=', 'performance_notice_due')])
    # Once to each officer of the company (the admin is one too)
    assert officer in {n.recipient for n in sent}
    assert len({n.recipient for n in sent}) == len(sent)
    assert {(n.origin, n.date) for n in sent} == {
        (contract, START + relativedelta(years=1))}
    assert all(contract.rec_name in n.subject for n in sent)
    _, notice = run_wizard(contract, officer, {
            'narrative': "No returns were accepted in the period."})
    publish(ready(notice, officer), officer)
    contract = Contract(contract.id)
    assert contract.performance_notice_due is False
    assert Contract.search([('performance_notice_due', '=', True)]) == []
    assert Contract.search([('performance_notice_due', '=', False)]) == [
        contract]


def test_not_due_before_twelve_months(officer, finance, provider_party):
    "A contract that started less than 12 months ago is not due"
    from trytond.modules.childfirst_commissioning.tests.tools import (
        draft_contract)
    Contract = Pool().get('commissioning.contract')
    contract = draft_contract(officer, provider_party)
    start = TODAY - dt.timedelta(days=30)
    with Transaction().set_context(_check_access=False):
        Contract.write([contract], {
                'start_date': start, 'end_date': END,
                'payments': [('write', [p.id for p in contract.payments],
                        {'planned_date': start + dt.timedelta(days=60)})],
                })
    with as_user(finance):
        Contract.activate([contract])
    assert Contract(contract.id).performance_notice_due is False
    assert Contract.search([('performance_notice_due', '=', True)]) == []


def test_queries_do_not_grow(active_contract, officer):
    """Publishing notices takes as many queries for 20 notices as for 2
    (their export in OCDS is measured with the rest in test_ocds.py)"""
    Notice = Pool().get(NOTICE)
    counts = []
    for size in (2, 20):
        Transaction().connection.cursor().execute(
            'DELETE FROM "commissioning_contract_performance_notice_line"')
        Transaction().connection.cursor().execute(
            'DELETE FROM "commissioning_contract_performance_notice"')
        notices = []
        for i in range(size):
            start = START + relativedelta(months=i)
            notices.append(Notice.gather(active_contract, start,
                    start + relativedelta(months=1, days=-1),
                    "Month %s." % (i + 1)))
        with Transaction().set_context(_check_access=False):
            Pool().get(NOTICE + '.line').write(
                [line for n in notices for line in n.lines],
                {'unrated_reason': "No return accepted."})
        Transaction().cache.clear()
        notices = Notice.browse([n.id for n in notices])
        with as_user(officer), count_queries() as queries:
            Notice.publish(notices)
        counts.append(len([q for q in queries
                    if not str(q).startswith('INSERT')]))
    assert counts[1] <= counts[0] + 3, counts
