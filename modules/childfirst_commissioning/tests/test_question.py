# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Clarification questions: asked by providers while the tender is open to
questions, answered and published by the officer to every provider, who
never learns who asked, over any path of the server."""
import datetime as dt
from contextlib import contextmanager

import pytest

from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.childfirst_commissioning.exceptions import QuestionError
from trytond.modules.childfirst_commissioning.tests.tools import (
    LockedError, TenderDesignError, as_user, count_queries, make_provider,
    make_tender, set_deadline)
from trytond.pool import Pool
from trytond.transaction import Transaction


@contextmanager
def rolled_back_on_error():
    "Undo what the block wrote, as the server does for a call that fails"
    cursor = Transaction().connection.cursor()
    cursor.execute('SAVEPOINT call')
    try:
        yield
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT call')
        Transaction().cache.clear()


def ask(user, tender, text="Can the service run at weekends?"):
    Question = Pool().get('commissioning.tender.question')
    with as_user(user):
        question, = Question.create([{
                    'tender': tender.id, 'question': text}])
    return Question(question.id)


def answer_and_publish(officer, questions, text="Yes, on Saturdays."):
    Question = Pool().get('commissioning.tender.question')
    with as_user(officer):
        questions = Question.browse(questions)
        Question.write(list(questions), {'answer': text})
        Question.answer_question(list(questions))
        Question.publish(list(questions))
    return Question.browse(questions)


@pytest.fixture
def askers(company):
    "Two provider organisations, each with a user"
    return [make_provider(name, name.split()[0].lower())
        for name in ["Northside Youth Trust", "Riverside Mentoring"]]


# Asking: the gate

def test_provider_asks_for_own_organisation(published, askers):
    (north, north_user), _ = askers
    question = ask(north_user, published)
    assert question.party == north
    assert question.state == 'asked'


def test_ask_refused_after_questions_deadline(published, askers, officer):
    "The questions deadline passed: refused, nothing created"
    Question = Pool().get('commissioning.tender.question')
    Tender = Pool().get('commissioning.tender')
    (_, user), _ = askers
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.questions_deadline],
            [dt.datetime.now() - dt.timedelta(minutes=1)],
            where=table.id == published.id))
    Transaction().cache.clear()
    with pytest.raises(QuestionError) as info:
        ask(user, Tender(published.id))
    assert "questions deadline" in info.value.message
    assert not Question.search([('tender', '=', published.id)])


def test_ask_refused_after_submission_deadline(published, askers):
    "Without a questions deadline, questions close with the submissions"
    (_, user), _ = askers
    tender = set_deadline(
        published, dt.datetime.now() - dt.timedelta(minutes=1))
    with pytest.raises(QuestionError):
        ask(user, tender)


def test_ask_refused_on_draft_tender(company, officer, askers):
    (_, user), _ = askers
    with as_user(officer):
        tender = make_tender()
    with pytest.raises((QuestionError, AccessError)):
        ask(user, tender)


def test_ask_refused_for_another_organisation(published, askers):
    Question = Pool().get('commissioning.tender.question')
    _, (river, _) = askers
    (_, north_user), _ = askers
    with as_user(north_user), pytest.raises(AccessError):
        Question.create([{
                    'tender': published.id, 'party': river.id,
                    'question': "Who else is bidding?"}])


# The questions deadline in the design gate

def test_design_gate_questions_deadline(company, officer):
    "A questions deadline after the submission deadline is refused"
    Tender = Pool().get('commissioning.tender')
    with as_user(officer):
        tender = make_tender()
        # Refused when written (the request is rolled back)
        with pytest.raises(ValidationError) as info:
            Tender.write([tender], {
                    'questions_deadline':
                    tender.submission_deadline + dt.timedelta(days=1)})
        assert "questions deadline" in info.value.message
    # The gate's own check, on a tender stored before the rule
    table = Tender.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.questions_deadline],
            [tender.submission_deadline + dt.timedelta(days=1)],
            where=table.id == tender.id))
    Transaction().cache.clear()
    with as_user(officer), pytest.raises(TenderDesignError) as info:
        Tender.request_approval([Tender(tender.id)])
    assert "questions deadline must be before" in info.value.message


def test_design_gate_passes_questions_deadline_before(company, officer):
    Tender = Pool().get('commissioning.tender')
    with as_user(officer):
        tender = make_tender()
        Tender.write([tender], {
                'questions_deadline':
                tender.submission_deadline - dt.timedelta(days=7)})
        Tender.request_approval([tender])
    assert Tender(tender.id).state == 'pending_approval'


# Answering and publishing

def test_answer_gate_refuses_empty_answer(published, askers, officer):
    Question = Pool().get('commissioning.tender.question')
    (_, user), _ = askers
    question = ask(user, published)
    with as_user(officer), pytest.raises(QuestionError) as info:
        Question.answer_question([Question(question.id)])
    assert "Answer field is empty" in info.value.message
    assert Question(question.id).state == 'asked'


def test_answer_and_publish(published, askers, officer):
    pool = Pool()
    Notification = pool.get('commissioning.notification')
    (_, north_user), (_, river_user) = askers
    question = ask(north_user, published)
    question, = answer_and_publish(officer, [question])
    assert question.state == 'published'
    assert question.answered_by.id == officer.id
    assert question.published_at
    told = Notification.search([
            ('event', '=', 'answers_published'),
            ('origin', '=', str(published))])
    assert {n.recipient.id for n in told} >= {north_user.id, river_user.id}


def test_only_officer_answers(published, askers):
    Question = Pool().get('commissioning.tender.question')
    (_, user), _ = askers
    question = ask(user, published)
    with as_user(user):
        with pytest.raises(AccessError):
            Question.write([Question(question.id)], {'answer': "Mine"})
        with pytest.raises(AccessButtonError):
            Question.answer_question([Question(question.id)])
        with pytest.raises(AccessError):
            Question.write([Question(question.id)], {'state': 'published'})
    assert Question(question.id).state == 'asked'


def test_published_question_locked(published, askers, officer):
    Question = Pool().get('commissioning.tender.question')
    (_, user), _ = askers
    question, = answer_and_publish(officer, [ask(user, published)])
    with as_user(officer), pytest.raises(LockedError):
        Question.write([Question(question.id)], {'answer': "Changed"})
    with as_user(user), pytest.raises(LockedError):
        Question.delete([Question(question.id)])


# What providers see: never who asked

def test_provider_sees_own_and_published(published, askers, officer):
    Question = Pool().get('commissioning.tender.question')
    Tender = Pool().get('commissioning.tender')
    (_, north_user), (_, river_user) = askers
    mine = ask(north_user, published, "Mine, not published")
    theirs = ask(river_user, published, "Theirs, not published")
    public, = answer_and_publish(
        officer, [ask(river_user, published, "Theirs, published")])
    with as_user(north_user):
        assert Question.search([]) == [mine, public]
        assert Question.search_count([('question', 'ilike', '%Theirs%')]) == 1
        with pytest.raises(AccessError):
            Question.read([theirs.id], ['question'])
        # The tender form lists them
        tender, = Tender.read([published.id], ['questions'])
        assert list(tender['questions']) == [mine.id, public.id]
    with as_user(officer):
        tender, = Tender.read([published.id], ['questions'])
        assert len(tender['questions']) == 3


@pytest.mark.parametrize('path', [
        'party', 'create_uid', 'write_uid', 'create_uid.login',
        'party.name'])
def test_provider_cannot_learn_asker(published, askers, officer, path):
    "Read, search, dotted search and export of who asked are refused"
    Question = Pool().get('commissioning.tender.question')
    (north, north_user), (_, river_user) = askers
    public, = answer_and_publish(officer, [ask(river_user, published)])
    with as_user(north_user):
        field = path.split('.')[0]
        with pytest.raises(AccessError):
            Question.read([public.id], [path])
        with pytest.raises(AccessError):
            Question.read([public.id], [field])
        with pytest.raises(AccessError):
            Question.search([(path, '!=', None)])
        with pytest.raises(AccessError):
            Question.search_count([(path, '=', river_user.id
                        if path in {'create_uid', 'write_uid'} else 'x')])
        with pytest.raises(AccessError):
            Question.export_data([Question(public.id)], [path.replace(
                        '.', '/')])
    # The positive control: the officer sees who asked
    with as_user(officer):
        assert Question.read([public.id], ['create_uid'])[0][
            'create_uid'] == river_user.id
        assert Question.search([('create_uid', '=', river_user.id)]) == [
            public]


def test_history_does_not_name_asker(published, askers, officer):
    Question = Pool().get('commissioning.tender.question')
    (_, north_user), (_, river_user) = askers
    public, = answer_and_publish(officer, [ask(river_user, published)])
    with as_user(north_user):
        revisions = Question.history_revisions([public.id])
        assert revisions and all(r[2] is None for r in revisions)
        with Transaction().set_context(_datetime=dt.datetime.now()), \
                pytest.raises(AccessError):
            Question.read([public.id], ['create_uid'])
    with as_user(officer):
        assert any(r[2] for r in Question.history_revisions([public.id]))


@pytest.mark.parametrize('model,values', [
        ('ir.attachment', {'name': 'notes.txt', 'data': b'OUR READING'}),
        ('ir.note', {'message': "Our reading of section 4"}),
        ], ids=['attachment', 'note'])
def test_documents_on_question(published, askers, officer, model, values):
    """A document or a note names its last user: the asker adds none to
    its question, before or after publication, and nothing is created;
    the officer adds one, which every provider reads once published"""
    pool = Pool()
    Record = pool.get(model)
    (_, north_user), (_, river_user) = askers
    question = ask(river_user, published)
    resource = 'commissioning.tender.question,%s' % question.id
    values = dict(values, resource=resource)
    for _ in range(2):
        with rolled_back_on_error(), as_user(river_user), \
                pytest.raises(AccessError) as info:
            Record.create([values])
        assert "clarification questions" in info.value.message
        assert not Record.search([('resource', '=', resource)])
        if question.state == 'asked':
            question, = answer_and_publish(officer, [question])
    with as_user(officer):
        record, = Record.create([values])
    with as_user(north_user):
        assert Record.search([('resource', '=', resource)]) == [record]
    # Another provider's records elsewhere are not concerned
    with as_user(river_user):
        Record.create([dict(values, resource='party.party,%s'
                    % askers[1][0].id)])


def test_provider_view_has_no_asker(published, askers):
    Question = Pool().get('commissioning.tender.question')
    (_, user), _ = askers
    with as_user(user):
        view = Question.fields_view_get(view_type='form')
    assert 'party' not in view['fields']
    assert 'question' in view['fields']


# Scale

def publish_queries(officer, providers, tender, size):
    Question = Pool().get('commissioning.tender.question')
    questions = [ask(providers[i % 2], tender, "Question %s" % i)
        for i in range(size)]
    with as_user(officer):
        Question.write(Question.browse(questions), {'answer': "Yes."})
    Transaction().cache.clear()
    with as_user(officer), count_queries() as queries:
        questions = Question.browse(questions)
        Question.answer_question(questions)
        Question.publish(questions)
    return len([q for q in map(str, queries)
            if not q.startswith('INSERT INTO')])


def test_buttons_queries_do_not_grow(published, askers, officer):
    providers = [u for _, u in askers]
    small = publish_queries(officer, providers, published, 2)
    large = publish_queries(officer, providers, published, 20)
    assert large <= small + 3, (small, large)


def test_my_work_lists_questions_to_answer(published, askers, officer):
    """The officer's My Work lists each question waiting for an answer of
    a published tender, in its own tab, until the answer is published; the
    providers' My Work never lists them"""
    from trytond.modules.childfirst_commissioning.tests.test_work import (
        counts, queue)
    (_, north_user), (_, river_user) = askers
    first = ask(north_user, published)
    second = ask(river_user, published, "Is travel paid?")
    to_answer = {('answer_question', str(first)),
        ('answer_question', str(second))}
    assert queue(officer) >= to_answer
    assert counts(officer)["Questions"] == 2
    answer_and_publish(officer, [first.id])
    assert queue(officer) & to_answer == {
        ('answer_question', str(second))}
    assert counts(officer)["Questions"] == 1
    for user in [north_user, river_user]:
        assert not {a for a, _ in queue(user)} & {'answer_question'}
        assert counts(user)["Questions"] == 0
