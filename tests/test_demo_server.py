# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The demo as a person meets it: a real trytond server with the web client.

The demo database is built by scripts/demo.py into a temporary directory,
the server is started on a free port with sao as its web root (the
session-scoped ``server`` fixture of conftest.py, which test_security.py
shares: one build and one server per run), and the tests use it the way
the browser and the desktop client do: static files over HTTP, JSON-RPC,
and the sao login form in a headless Chromium.

Needs the web client (scripts/install_sao.sh installs it into var/sao,
once), selenium (the test extra: pip install -e '.[test]') and Chromium with
its driver (apt-get install chromium chromium-driver).
"""
import io
import json
import os
import re
from decimal import Decimal

import pytest

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
# The tab the user looks at: My Work opens at login, others open beside it
ACTIVE_TAB = '#tabcontent > .tab-pane.active'
ACTIVE_TAB_XPATH = "//div[@id='tabcontent']/div[contains(@class, 'active')]"

# The demo tenders and the states scripts/demo.py brings them to.
DEMO_TENDERS = {
    "Youth Diversion and Prevention Service 2026-2029": 'published',
    "Mentoring for Children in Care": 'approved',
    "Community Sport and Arts Grants 2026": 'pending_approval',
    "Support After Arrest": 'draft',
    "Trusted Adults for Children at Risk 2026-2028": 'contracted',
    "Holiday Activities Shaped by Children 2026": 'evaluation',
    "Mentoring Across the Borough 2027-2029": 'published',
    }
# The states in which providers see tenders: from publication on
PUBLIC_STATES = {'published', 'closed', 'evaluation', 'moderated',
    'award_pending', 'awarded', 'contracted'}
DRAFT_TENDER = "Support After Arrest"


def test_index_and_assets(server):
    "The web client's page and every script and style sheet it loads"
    status, body = server.get('')
    page = body.decode('utf-8')
    assert status == 200
    assert '<title>Tryton</title>' in page
    assets = re.findall(
        r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert 'dist/tryton-sao.js' in assets
    assert 'dist/tryton-sao.css' in assets
    assert any(a.startswith('node_modules/jquery/') for a in assets)
    for asset in assets:
        status, body = server.get(asset)
        assert status == 200, asset
        if not asset.startswith('custom.'):
            assert body, asset


def test_database_listed(server):
    "The login form offers the demo database"
    response = server.rpc('rpc/', 'common.db.list', [])
    assert server.database in response['result']


def test_officer_reads_tenders(server):
    "The officer logs in with the printed password and reads the tenders"
    auth = server.login('officer')
    response = server.call(
        auth, 'model.commissioning.tender.search_read',
        [], 0, None, None, ['name', 'state'], {})
    assert 'result' in response, response
    states = {r['name']: r['state'] for r in response['result']}
    for name, state in DEMO_TENDERS.items():
        assert states.get(name) == state, (name, states)


def test_demo_users_uk_english(server):
    """Every demo user works in UK English: the client shows dates day
    first"""
    for login in ['admin', 'officer', 'finance', 'evaluator', 'provider']:
        response = server.call(server.session(login),
            'model.res.user.get_preferences', False, {})
        assert 'result' in response, (login, response)
        preferences = response['result']
        assert preferences['language'] == 'en_GB', login
        assert preferences['locale']['date'] == '%d/%m/%Y', login


def test_wrong_password_refused(server):
    response = server.rpc(
        '%s/rpc/' % server.database, 'common.db.login',
        ['officer', {'password': 'not the password'}, 'en'])
    assert 'result' not in response


def test_provider_cannot_read_drafts(server):
    """A provider sees tenders from their publication on, never a draft,
    even when asking by id"""
    officer = server.login('officer')
    response = server.call(
        officer, 'model.commissioning.tender.search',
        [('name', '=', DRAFT_TENDER)], 0, None, None, {})
    draft_id, = response['result']

    provider = server.login('provider')
    response = server.call(
        provider, 'model.commissioning.tender.search_read',
        [], 0, None, None, ['name', 'state'], {})
    assert 'result' in response, response
    states = {r['name']: r['state'] for r in response['result']}
    assert set(states.values()) <= PUBLIC_STATES, states
    assert DRAFT_TENDER not in states
    # The published tender is there: the provider is not simply blind.
    assert "Youth Diversion and Prevention Service 2026-2029" in states

    response = server.call(
        provider, 'model.commissioning.tender.search_read',
        [('state', '=', 'draft')], 0, None, None, ['name'], {})
    assert response.get('result', []) == [], response

    response = server.call(
        provider, 'model.commissioning.tender.read',
        [draft_id], ['name', 'description', 'budget'], {})
    assert not response.get('result'), (
        "the provider read a draft tender: %s" % response)


def rpc_date(value):
    "Return the date or datetime of a JSON-RPC value"
    import datetime as dt
    if not value or isinstance(value, dt.date):
        return value or None
    fields_ = ['year', 'month', 'day']
    if value['__class__'] == 'datetime':
        fields_ += ['hour', 'minute', 'second']
        return dt.datetime(*(value[f] for f in fields_))
    return dt.date(*(value[f] for f in fields_))


def test_demo_dates_agree(server):
    """The demo's dates tell one story: each tender published before its
    deadline and closed after it, every bid submitted before it, the
    contracted tender awarded before its contract started"""
    auth = server.session('officer')
    tenders = server.call(auth, 'model.commissioning.tender.search_read',
        [], 0, None, None, ['name', 'published_at', 'submission_deadline',
            'closed_at', 'evaluation_started_at', 'evaluation_completed_at',
            'award_requested_at', 'award_date', 'standstill_end',
            'contract_start', 'contract_end', 'contract.start_date',
            'contract.end_date'],
        {})['result']
    bids = server.call(auth, 'model.commissioning.bid.search_read',
        [('submitted_at', '!=', None)], 0, None, None,
        ['tender', 'submitted_at'], {})['result']
    assert bids
    # An approved contract change moves the contract's end from the
    # tendered one: {contract id: (tendered end, end after the changes)}
    changes = server.call(auth,
        'model.commissioning.contract.change.search_read',
        [('state', '=', 'approved')], 0, None,
        [('decided_at', 'ASC'), ('id', 'ASC')],
        ['contract', 'old_end_date', 'new_end_date'], {})['result']
    ends = {}
    for change in changes:
        tendered = ends.get(change['contract'], (
                rpc_date(change['old_end_date']), None))[0]
        ends[change['contract']] = (tendered, rpc_date(
                change['new_end_date'] or change['old_end_date']))
    deadlines = {}
    for tender in tenders:
        name = tender['name']
        published = rpc_date(tender['published_at'])
        deadline = rpc_date(tender['submission_deadline'])
        closed = rpc_date(tender['closed_at'])
        deadlines[tender['id']] = deadline
        if published:
            assert published < deadline, name
        if closed:
            assert deadline <= closed, name
        steps = [closed] + [rpc_date(tender[f]) for f in [
                'evaluation_started_at', 'evaluation_completed_at',
                'award_requested_at']]
        steps = [s for s in steps if s]
        assert steps == sorted(steps), name
        if tender['award_date']:
            assert closed.date() < rpc_date(tender['award_date']), name
            assert steps[-1].date() <= rpc_date(tender['award_date']), name
            assert rpc_date(tender['standstill_end']) < rpc_date(
                tender['contract_start']), name
        if tender['contract.']:
            assert rpc_date(tender['contract_start']) == rpc_date(
                tender['contract.']['start_date']), name
            end = rpc_date(tender['contract.']['end_date'])
            tendered, changed = ends.get(
                tender['contract.']['id'], (end, end))
            assert rpc_date(tender['contract_end']) == tendered, name
            assert end == changed, name
    for bid in bids:
        assert rpc_date(bid['submitted_at']) <= deadlines[bid['tender']]


def test_providers_see_own_bids(server):
    """Each demo provider reads its own bids and their results, and none of
    another organisation's"""
    organisations = {
        'provider': "Northside Youth Trust",
        'provider2': "Riverside Community Partnership",
        'provider3': "Eastgate Sports Foundation",
        }
    for login, organisation in organisations.items():
        auth = server.login(login)
        response = server.call(
            auth, 'model.commissioning.bid.search_read',
            [], 0, None, None, ['provider.name', 'state', 'rank'], {})
        assert 'result' in response, response
        bids = response['result']
        assert bids, login
        assert {b['provider.']['name'] for b in bids} == {organisation}
    # The awarded tender's winner and the ineligible bid, as the officer
    officer = server.login('officer')
    response = server.call(
        officer, 'model.commissioning.bid.search_read',
        [('tender.state', '=', 'contracted')], 0, None,
        [('rank', 'ASC NULLS LAST')],
        ['provider.name', 'state', 'rank', 'exclusion_reason'], {})
    bids = response['result']
    assert [(b['provider.']['name'], b['state'], b['rank']) for b in bids] \
        == [("Riverside Community Partnership", 'awarded', 1),
            ("Northside Youth Trust", 'unsuccessful', 2),
            ("Eastgate Sports Foundation", 'unsuccessful', None)]
    assert 'Evidence of collaboration' in bids[2]['exclusion_reason']


def test_contract_monitoring(server):
    """The demo contract: a year of returns (accepted, sent back and
    overdue), every rating and payments in every state; its provider sees
    it, the other providers do not"""
    officer = server.login('officer')
    response = server.call(
        officer, 'model.commissioning.contract.search_read',
        [], 0, None, None, ['provider.name', 'state', 'overdue_returns'], {})
    contract, = response['result']
    assert contract['state'] == 'active'
    assert contract['provider.']['name'] == "Riverside Community Partnership"
    assert contract['overdue_returns'] == 1
    response = server.call(
        officer, 'model.commissioning.monitoring.return.search_read',
        [('contract', '=', contract['id'])], 0, None,
        [('period.start_date', 'ASC')], ['state', 'overdue'], {})
    assert [(r['state'], bool(r['overdue'])) for r in response['result']] \
        == [('accepted', False), ('accepted', False), ('accepted', False),
            ('draft', True)]
    response = server.call(
        officer, 'model.commissioning.monitoring.return.line.search_read',
        [], 0, None, None, ['rating'], {})
    assert {r['rating'] for r in response['result']} >= {
        'good', 'approaching', 'requires_improvement', 'inadequate'}
    response = server.call(
        officer, 'model.commissioning.contract.payment.search_read',
        [], 0, None, None, ['state'], {})
    assert {r['state'] for r in response['result']} == {
        'planned', 'requested', 'approved', 'paid'}

    for login, count in [('provider2', 1), ('provider', 0), ('provider3', 0)]:
        auth = server.login(login)
        response = server.call(
            auth, 'model.commissioning.contract.search_read',
            [], 0, None, None, ['state'], {})
        assert len(response['result']) == count, login
        response = server.call(
            auth, 'model.commissioning.monitoring.return.search_read',
            [], 0, None, None, ['state'], {})
        assert len(response['result']) == 4 * count, login


def test_contract_change(server):
    """The demo contract was extended by an approved change, which its
    provider reads and the other providers do not"""
    officer = server.login('officer')
    changes = server.call(
        officer, 'model.commissioning.contract.change.search_read',
        [], 0, None, None, ['state', 'old_value', 'new_value',
            'old_end_date', 'new_end_date', 'requested_by.login',
            'decided_by.login', 'contract.value'], {})['result']
    change, = changes
    assert change['state'] == 'approved'
    assert (change['requested_by.']['login'],
        change['decided_by.']['login']) == ('officer', 'finance')
    assert Decimal(change['new_value']) > Decimal(change['old_value'])
    assert Decimal(change['contract.']['value']) == Decimal(
        change['new_value'])
    assert rpc_date(change['new_end_date']) > rpc_date(
        change['old_end_date'])
    for login, count in [('provider2', 1), ('provider', 0), ('provider3', 0)]:
        auth = server.login(login)
        response = server.call(
            auth, 'model.commissioning.contract.change.search_read',
            [], 0, None, None, ['new_value'], {})
        assert len(response['result']) == count, login


def chromium(tmp_path):
    "Return a headless Chromium driven by selenium"
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail(
            "%s and %s are needed to test the web client: "
            "apt-get install chromium chromium-driver"
            % (CHROMIUM, CHROMEDRIVER))
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(
            "selenium is needed to test the web client: "
            "pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
            '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync',
            '--user-data-dir=%s' % (tmp_path / 'chromium'),
            '--window-size=1280,900']:
        options.add_argument(argument)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def script_errors(driver):
    return [e['message'] for e in driver.get_log('browser')
        if e['level'] == 'SEVERE' and e['source'] == 'javascript']


def sao_login(driver, server, login):
    "Log in to the web client as login with the printed password"
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
    # The first load of the client by a new browser, on a busy machine,
    # takes long: the login waits longer than the steps after it
    wait = WebDriverWait(driver, 180)
    driver.get(server.url)
    field = wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.login-dialog input#login')))
    # With several databases on the server, the form lists them.
    databases = driver.find_elements(
        By.CSS_SELECTOR, '.login-dialog select#database')
    if databases and databases[0].is_displayed():
        Select(databases[0]).select_by_value(server.database)
    field.send_keys(login)
    field.submit()
    password = wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.modal input[type=password]')))
    password.send_keys(server.passwords[login])
    password.submit()
    if login != 'admin':
        # The demo users open My Work at login: once it is open, what the
        # test opens next comes in front of it
        wait.until(EC.visibility_of_element_located(
                (By.XPATH, "//ul[@id='tablist']//a[contains(., 'My Work')]")))


def open_menu(driver, *path):
    """Open the menu entry at path, expanding the entries above it, and
    wait until its tab is in front"""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    wait = WebDriverWait(driver, 60)

    def entry(name):
        return "//div[@id='menu']//div[normalize-space(text())='%s']" % name
    for name, child in zip(path, path[1:]):
        row = wait.until(EC.visibility_of_element_located(
                    (By.XPATH, "//div[@id='menu']//tr"
                        "[.//div[normalize-space(text())='%s']]" % name)))
        if not [e for e in driver.find_elements(By.XPATH, entry(child))
                if e.is_displayed()]:
            row.find_element(By.CSS_SELECTOR, '.expander').click()
    # The tab of the entry opens in front; a click that lands while the
    # client is still busy drawing the menu is given again
    opened = ("//ul[@id='tablist']//li[contains(@class, 'active')]"
        "//a[contains(normalize-space(.), '%s')]" % path[-1])
    for attempt in range(3):
        wait.until(EC.element_to_be_clickable(
                (By.XPATH, entry(path[-1])))).click()
        try:
            WebDriverWait(driver, 30).until(
                EC.visibility_of_element_located((By.XPATH, opened)))
            return
        except TimeoutException:
            if attempt == 2:
                raise


def tab_text(driver, *texts):
    "Wait until the current tab shows every text; return its text"
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(driver):
        text = driver.find_element(By.CSS_SELECTOR, ACTIVE_TAB).text
        if all(t in text for t in texts):
            return text
    return WebDriverWait(driver, 60).until(shown)


def open_row(driver, row_xpath, shown):
    """Double-click the row at row_xpath until shown(driver) returns the
    form it opens (the list may still be drawn again as it loads); return
    what shown returns"""
    from selenium.common.exceptions import (
        StaleElementReferenceException, WebDriverException)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def opened(driver):
        result = shown(driver)
        if result:
            return result
        rows = [r for r in driver.find_elements(By.XPATH, row_xpath)
            if r.is_displayed()]
        if rows:
            try:
                ActionChains(driver).double_click(rows[0]).perform()
            except WebDriverException:
                pass
    # A row drawn again while it is looked at is looked for again
    return WebDriverWait(driver, 60,
        ignored_exceptions=[StaleElementReferenceException]).until(opened)


def test_web_client(server, tmp_path):
    """The officer logs in through the sao login form and opens
    Commissioning > Tenders in a headless Chromium"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver = chromium(tmp_path)
    screenshot = tmp_path / 'tenders.png'
    try:
        sao_login(driver, server, 'officer')
        open_menu(driver, 'Commissioning', 'Tenders')

        def tender_shown(driver):
            text = driver.find_element(By.CSS_SELECTOR, ACTIVE_TAB).text
            return [n for n in DEMO_TENDERS if n in text]
        try:
            shown = WebDriverWait(driver, 60).until(tender_shown)
        except Exception:
            shown = []
        driver.save_screenshot(str(screenshot))
        errors = script_errors(driver)
        hint = ""
        if any('ColumnFactory is not a constructor' in e for e in errors):
            hint = (" (a list view has a field sao has no column for: a "
                "DateTime field needs widget=\"date\" or widget=\"time\")")
        assert shown, (
            "no demo tender in the Tenders tab (screenshot %s); "
            "script errors: %s%s" % (screenshot, errors, hint))
        assert driver.find_element(By.ID, 'tablist').text.strip()
        print("screenshot: %s" % screenshot)

        # The draft tender's form shows the live design checklist with
        # what is still missing, before any button is pressed.
        row_xpath = (ACTIVE_TAB_XPATH + "//td"
            "[.//*[normalize-space(text())='Support After Arrest']"
            " or normalize-space(text())='Support After Arrest']")

        def checklist_shown(driver):
            for area in driver.find_elements(
                    By.CSS_SELECTOR, ACTIVE_TAB + ' textarea'):
                value = area.get_attribute('value') or ''
                if 'Children were involved in designing' in value:
                    return value
        checklist = open_row(driver, row_xpath, checklist_shown)
        form = tmp_path / 'tender-form.png'
        driver.save_screenshot(str(form))
        print("screenshot: %s" % form)
        assert "✗ Children were involved in designing the tender" in checklist
        assert "✓ Each Child First tenet has a scored criterion" in checklist
        assert "young offenders" in checklist
        assert not script_errors(driver)
    finally:
        if not screenshot.exists():
            driver.save_screenshot(str(screenshot))
        driver.quit()


def test_web_client_contract(server, tmp_path):
    """The provider of the demo contract opens it and its returns in the
    web client; the officer opens the overdue returns"""
    from selenium.webdriver.common.by import By
    contract = "Trusted Adults for Children at Risk 2026-2028"
    driver = chromium(tmp_path)
    screenshot = tmp_path / 'contract.png'
    try:
        sao_login(driver, server, 'provider2')
        open_menu(driver, 'Commissioning', 'Contracts')
        tab_text(driver, contract)
        row_xpath = (ACTIVE_TAB_XPATH + "//td"
            "[.//*[contains(text(), '%s')]"
            " or contains(text(), '%s')]" % (contract, contract))

        def form_opened(driver):
            text = driver.find_element(By.CSS_SELECTOR, ACTIVE_TAB).text
            if "Children who say they felt safe" in text:
                return text
        text = open_row(driver, row_xpath, form_opened)
        driver.save_screenshot(str(screenshot))
        print("screenshot: %s" % screenshot)
        assert "Children who say they felt safe" in text
        values = [i.get_attribute('value') for i in driver.find_elements(
                By.CSS_SELECTOR, ACTIVE_TAB + ' input')]
        assert "Riverside Community Partnership" in values
        assert not script_errors(driver)

        open_menu(driver, 'Commissioning', 'Contracts', 'Monitoring Returns')
        tab_text(driver, "Draft")
        assert not script_errors(driver)
    finally:
        if not screenshot.exists():
            driver.save_screenshot(str(screenshot))
        driver.quit()

    driver = chromium(tmp_path / 'officer')
    screenshot = tmp_path / 'overdue.png'
    try:
        sao_login(driver, server, 'officer')
        open_menu(driver, 'Commissioning', 'Contracts', 'Overdue Returns')
        tab_text(driver, "CF-00001")
        driver.save_screenshot(str(screenshot))
        assert not script_errors(driver)
        open_menu(driver, 'Commissioning', 'Contracts', 'KPI Values')
        tab_text(driver, "Children who say they felt safe")
        assert not script_errors(driver)
    finally:
        driver.quit()


def test_documents(server):
    """The provider reads the published tender's specification and its own
    bids' method statements over RPC, never another bidder's, nor the
    specification of a tender not yet published"""
    published = "Youth Diversion and Prevention Service 2026-2029"
    provider = server.login('provider')
    response = server.call(
        provider, 'model.ir.attachment.search_read',
        [('resource', 'like', 'commissioning.tender,%')], 0, None, None,
        ['name', 'data'], {})
    assert 'result' in response, response
    documents = {r['name']: r['data'] for r in response['result']}
    data = documents["Service specification - %s.pdf" % published]
    assert data.startswith(b'%PDF-')
    # Not the specifications of the draft nor of the approved tender, which
    # is not published yet
    hidden = ["%s.pdf" % DRAFT_TENDER, "Mentoring for Children in Care.pdf"]
    assert not any(name.endswith(end) for name in documents
        for end in hidden), documents
    assert "Service specification - %s.pdf" % (
        "Mentoring Across the Borough 2027-2029") in documents

    response = server.call(
        provider, 'model.ir.attachment.search_read',
        [('resource', 'like', 'commissioning.bid,%')], 0, None, None,
        ['name'], {})
    names = {r['name'] for r in response['result']}
    assert "Method statement - Northside Youth Trust.pdf" in names, names
    assert not any("Riverside" in n or "Eastgate" in n for n in names), names

    # Another bidder's, which the officer reads once the tender closed
    officer = server.login('officer')
    response = server.call(
        officer, 'model.ir.attachment.search_read',
        [('resource', 'like', 'commissioning.bid,%'),
            ('name', 'like', '%Riverside%')], 0, None, None, ['name'], {})
    other = [r['id'] for r in response['result']]
    assert other, response
    response = server.call(
        provider, 'model.ir.attachment.read', other, ['name', 'data'], {})
    assert not response.get('result'), (
        "the provider read another bidder's document: %s" % response)


def print_demo_report(server, login, name, model, domain):
    """Print the report name of the first record of model in domain over
    JSON-RPC as login, as the client's Print menu does; return its PDF"""
    auth = server.session(login)
    # The context the clients send: the user's preferences, their language
    context = server.call(
        auth, 'model.res.user.get_preferences', True, {})['result']
    ids = server.call(auth, 'model.%s.search' % model, domain, 0, 1, None,
        context)['result']
    assert ids, (login, model, domain)
    result = server.call(auth, 'report.%s.execute' % name, ids,
        {'model': model, 'id': ids[0], 'ids': ids}, context)
    assert 'result' in result, result
    oext, content = result['result'][:2]
    assert oext == 'pdf'
    return content


def test_demo_reports(server):
    """The three reports of the demo as their readers print them: every
    section there, dates day first, no word split across lines, no blank
    page, and the page counts the README states"""
    from pypdf import PdfReader

    from trytond.modules.childfirst_commissioning.tests.tools import (
        blank_pages, pdf_text, split_words)
    contracted = "Trusted Adults for Children at Risk 2026-2028"
    reports = {
        'evaluation': print_demo_report(server, 'officer',
            'commissioning.tender.evaluation_report', 'commissioning.tender',
            [('name', '=', contracted)]),
        'summary': print_demo_report(server, 'provider',
            'commissioning.bid.assessment_summary', 'commissioning.bid',
            [('tender.name', '=', contracted)]),
        'performance': print_demo_report(server, 'provider2',
            'commissioning.contract.performance_report',
            'commissioning.contract', []),
        'performance_officer': print_demo_report(server, 'officer',
            'commissioning.contract.performance_report',
            'commissioning.contract', []),
        }
    for name, content in reports.items():
        assert not split_words(content), name
        assert not blank_pages(content), name
    texts = {k: pdf_text(v) for k, v in reports.items()}
    # The evaluation report: who did what, and when
    for expected in ["Published 01/", "Evaluation started Priya Shah, ",
            "Evaluation completed Priya Shah, ",
            "Award recommended Priya Shah, ", "Evaluators and conflicts",
            "Children's Panel", "Pass/fail assessments",
            "Scores by evaluator", "Moderated by", "Ranking",
            "Recommended bid Riverside Community Partnership (rank 1)",
            "Finance decision Approved by Tom Evans on ", "Sign-offs"]:
        assert expected in texts['evaluation'], expected
    # The summary of an unsuccessful bidder: scores beside the winner's,
    # the reasons, the price method and the standstill
    for expected in ["Assessment Summary", "Winning bid Riverside",
            "Reasons for the scores", "How price was scored",
            "A price above the budget of £600,000.00 is not eligible.",
            "Standstill: the standstill period runs from "]:
        assert expected in texts['summary'], expected
    # The contract performance report, printed by its provider
    for expected in ["Assessment period 01/", "Overall performance",
            "Youth Voice Panel met every quarter", "Latest rating of each KPI",
            "KPI values by period", "Trends against the targets",
            "Period ending", "Breakdown by group",
            "Collaboration with children", "Monitoring returns",
            "Review comments", "Please add the breakdown",
            "Contract changes", "The Youth Voice Panel asked for sessions",
            "Payments", "Requested by", "◆ Inadequate", "● Good",
            "Performance failures", "Inadequate KPI",
            "Each mentor agrees three goals"]:
        assert expected in texts['performance'], expected
    assert "Sign-offs" not in texts['performance']
    # The staff's copy has the sign-offs of the contract and its payments
    for expected in ["Sign-offs", "Contract Activation", "Payment Release"]:
        assert expected in texts['performance_officer'], expected
    pages = {k: len(PdfReader(io.BytesIO(v)).pages)
        for k, v in reports.items()}
    assert pages == {'evaluation': 4, 'summary': 2, 'performance': 5,
        'performance_officer': 5}


# The open contracting data and 360Giving of the demo

PUBLISHED_TENDER = "Youth Diversion and Prevention Service 2026-2029"
CONTRACTED_TENDER = "Trusted Adults for Children at Risk 2026-2028"
GRANT_ROUND = "Youth Club Small Grants 2026"
LOTS_TENDER = "Mentoring Across the Borough 2027-2029"


def by_step(package):
    "Return {step: [release]} of the package, the step read in its id"
    result = {}
    for item in package['releases']:
        step = item['id'][len(item['ocid']) + 1:].split('-')[0]
        result.setdefault(step, []).append(item)
    return result


def read(server, auth, model, domain, fields, order=None):
    response = server.call(auth, 'model.%s.search_read' % model, domain, 0,
        None, order or [('id', 'ASC')], fields, {})
    assert 'result' in response, response
    return response['result']


def moment(value, end=False):
    "Return the OCDS date-time of a JSON-RPC date or datetime"
    value = rpc_date(value)
    if not hasattr(value, 'hour'):
        return value.isoformat() + ('T23:59:59Z' if end else 'T00:00:00Z')
    return value.isoformat() + 'Z'


def number(value):
    return float(value)


def test_demo_open_contracting_data(server):
    """The demo's tenders export over JSON-RPC, as an officer's script
    would, as OCDS release packages that validate against the shipped
    schemas, and each release says what the demo holds, field by field"""
    from trytond.modules.childfirst_commissioning import ocds_schema
    auth = server.session('officer')
    tenders = {t['name']: t for t in read(server, auth,
            'commissioning.tender', [('published_at', '!=', None)],
            ['name', 'budget', 'currency.code', 'submission_deadline',
                'questions_deadline', 'published_at', 'state'])}
    assert set(tenders) >= {PUBLISHED_TENDER, CONTRACTED_TENDER, GRANT_ROUND}
    packages = {}
    for name, tender in tenders.items():
        response = server.call(auth,
            'model.commissioning.tender.ocds_release_package',
            [tender['id']], {})
        assert 'result' in response, (name, response)
        package = packages[name] = response['result']
        assert ocds_schema.errors(package) == [], name
        assert {r['ocid'] for r in package['releases']} == {
            'ocds-childfirst-%s' % tender['id']}, name
        release = by_step(package)['tender'][0]
        assert release['tender']['title'] == name
        assert release['tender']['value'] == {
            'amount': number(tender['budget']),
            'currency': tender['currency.']['code']}

    # The open tender: its amendment and the published answers
    tender = tenders[PUBLISHED_TENDER]
    steps = by_step(packages[PUBLISHED_TENDER])
    assert list(steps) == ['tender', 'amendment', 'enquiries']
    amendment, = read(server, auth, 'commissioning.tender.amendment',
        [('tender', '=', tender['id'])],
        ['reason', 'description', 'new_deadline', 'applied_at', 'state'])
    assert amendment['state'] == 'applied'
    release, = steps['amendment']
    assert release['date'] == moment(amendment['applied_at'])
    assert release['tender']['tenderPeriod'] == {
        'startDate': moment(tender['published_at']),
        'endDate': moment(amendment['new_deadline'])}
    assert moment(tender['submission_deadline']) == moment(
        amendment['new_deadline'])
    change, = release['tender']['amendments']
    assert (change['rationale'], change['description']) == (
        amendment['reason'], amendment['description'])
    assert [d['noticeType'] for d in release['tender']['documents']] == [
        'UK4']
    questions = read(server, auth, 'commissioning.tender.question',
        [('tender', '=', tender['id'])],
        ['question', 'answer', 'state', 'party.name', 'published_at'])
    published = [q for q in questions if q['state'] == 'published']
    unpublished = [q for q in questions if q['state'] != 'published']
    assert published and unpublished
    release, = steps['enquiries']
    assert [(e['id'], e['description'], e['answer'], e['dateAnswered'])
        for e in release['tender']['enquiries']] == [
        (str(q['id']), q['question'], q['answer'],
            moment(q['published_at'])) for q in published]
    text = json.dumps(packages[PUBLISHED_TENDER])
    for question in questions:
        assert question['party.']['name'] not in text
    for question in unpublished:
        assert question['question'] not in text

    # The tender in lots: each lot with its budget and criteria
    tender = tenders[LOTS_TENDER]
    lots = read(server, auth, 'commissioning.tender.lot',
        [('tender', '=', tender['id'])], ['name', 'budget', 'criteria'])
    assert len(lots) == 2
    release, = by_step(packages[LOTS_TENDER])['tender']
    criteria = read(server, auth, 'commissioning.tender.criterion',
        [('tender', '=', tender['id']), ('method', '!=', 'pass_fail')],
        ['name'])
    assert [(l['id'], l['title'], l['value']['amount'],
            sorted(c['name'] for c in l['awardCriteria']['criteria']))
        for l in release['tender']['lots']] == [
        (str(l['id']), l['name'], number(l['budget']),
            sorted(c['name'] for c in criteria if c['id'] in l['criteria']))
        for l in lots]
    assert release['tender']['lotDetails'] == {
        'maximumLotsBidPerSupplier': 1}

    # The contracted tender: award, contract, monitoring, the UK9 notice
    tender = tenders[CONTRACTED_TENDER]
    steps = by_step(packages[CONTRACTED_TENDER])
    assert list(steps) == [
        'tender', 'award', 'contract', 'change', 'monitoring', 'performance']
    contract, = read(server, auth, 'commissioning.contract',
        [('tender', '=', tender['id'])],
        ['reference', 'value', 'start_date', 'end_date', 'provider.name'])
    bids = read(server, auth, 'commissioning.bid',
        [('tender', '=', tender['id']), ('submitted_at', '!=', None)],
        ['provider.name', 'price', 'state'])
    release, = steps['award']
    details = {d['id']: d for d in release['bids']['details']}
    assert set(details) == {str(b['id']) for b in bids}
    for bid in bids:
        assert details[str(bid['id'])]['value']['amount'] == number(
            bid['price'])
    award, = release['awards']
    assert [s['name'] for s in award['suppliers']] == [
        contract['provider.']['name']]
    # The contract as signed (UK7), then its approved change (UK10)
    change, = read(server, auth, 'commissioning.contract.change',
        [('contract', '=', contract['id']), ('state', '=', 'approved')],
        ['old_value', 'new_value', 'old_end_date', 'new_end_date', 'reason',
            'decided_at'])
    release, = steps['contract']
    block, = release['contracts']
    assert block['id'] == contract['reference']
    assert block['value']['amount'] == number(change['old_value'])
    assert block['period'] == {
        'startDate': moment(contract['start_date']),
        'endDate': moment(change['old_end_date'], end=True)}
    release, = steps['change']
    assert release['date'] == moment(change['decided_at'])
    changed, = release['contracts']
    assert changed['value']['amount'] == number(contract['value']) == number(
        change['new_value'])
    assert changed['period']['endDate'] == moment(
        contract['end_date'], end=True) == moment(
        change['new_end_date'], end=True)
    assert changed['amendments'][0]['rationale'] == change['reason']
    assert [d['noticeType'] for d in changed['documents']] == ['UK10']
    kpis = read(server, auth, 'commissioning.contract.kpi',
        [('contract', '=', contract['id'])], ['name', 'target'])
    assert sorted(m['title'] for m in block['agreedMetrics']) == sorted(
        k['name'] for k in kpis)
    returns = read(server, auth, 'commissioning.monitoring.return',
        [('contract', '=', contract['id']), ('state', '=', 'accepted')],
        ['period'], order=[('period.start_date', 'ASC')])
    assert [r['id'] for r in steps['monitoring']] == [
        '%s-monitoring-%s' % (r['ocid'], record['period'])
        for r, record in zip(steps['monitoring'], returns)]
    lines = read(server, auth, 'commissioning.monitoring.return.line',
        [('return_', 'in', [r['id'] for r in returns])],
        ['return_.period', 'kpi', 'value', 'rating'])
    observed = {(int(o['id'].split('-')[1]), int(m['id'])): o
        for r in steps['monitoring']
        for m in r['contracts'][0]['implementation']['metrics']
        for o in m['observations'] if '-group-' not in o['id']}
    assert len(observed) == len(lines)
    for line in lines:
        observation = observed[line['return_.']['period'], line['kpi']]
        if line['value'] is not None:
            assert observation['measure'] == number(line['value'])
        assert observation.get('measureClassification', {}).get('id') == (
            ocds_schema_rating(line['rating']))
    paid = read(server, auth, 'commissioning.contract.payment',
        [('contract', '=', contract['id']), ('state', '=', 'paid')],
        ['amount'])
    transactions = [t for r in steps['monitoring']
        for t in r['contracts'][0]['implementation'].get(
            'transactions', [])]
    assert sorted(t['value']['amount'] for t in transactions) == sorted(
        number(p['amount']) for p in paid)

    # The contract performance notice (UK9): every KPI's rating
    notice, = read(server, auth, 'commissioning.contract.performance_notice',
        [('contract', '=', contract['id'])],
        ['period_start', 'period_end', 'narrative', 'published_at'])
    notice_lines = read(server, auth,
        'commissioning.contract.performance_notice.line',
        [('notice', '=', notice['id'])], ['kpi', 'rating', 'value'])
    release, = steps['performance']
    implementation = release['contracts'][0]['implementation']
    document, = implementation['documents']
    assert (document['noticeType'], document['description']) == (
        'UK9', notice['narrative'])
    period = {'startDate': moment(notice['period_start']),
        'endDate': moment(notice['period_end'], end=True)}
    metrics = {int(m['id']): m['observations'] for m in
        implementation['metrics']}
    assert set(metrics) == {k['id'] for k in kpis}
    for line in notice_lines:
        observation, = metrics[line['kpi']]
        assert observation['period'] == period
        assert observation.get('measureClassification', {}).get('id') == (
            ocds_schema_rating(line['rating']))
    assert any(line['rating'] for line in notice_lines)

    # Nothing of a tender that is not public: the draft is refused
    draft = read(server, auth, 'commissioning.tender',
        [('state', '=', 'draft')], ['name'])
    response = server.call(auth,
        'model.commissioning.tender.ocds_release_package',
        [draft[0]['id']], {})
    assert 'error' in response and response['error'][0] == 'UserError'


def ocds_schema_rating(rating):
    "Return the UK measure classification of a rating"
    from trytond.modules.childfirst_commissioning import ocds
    return ocds.MEASURE_CLASSIFICATION.get(rating) if rating else None


def test_demo_360giving_and_command(server, tmp_path):
    """The demo's awarded grant round exports as 360Giving over JSON-RPC,
    field by field, and the publishing command writes every file of the
    demo, valid, as a nightly job would"""
    import subprocess
    import sys

    from trytond.modules.childfirst_commissioning import giving, ocds_schema
    auth = server.session('officer')
    tender, = read(server, auth, 'commissioning.tender',
        [('name', '=', GRANT_ROUND)],
        ['name', 'description', 'award_date', 'contract_start',
            'contract_end', 'currency.code', 'winning_bid.price',
            'winning_bid.provider.name', 'company.party.name'])
    response = server.call(auth, 'model.commissioning.tender.giving_package',
        [tender['id']], {})
    assert 'result' in response, response
    package = response['result']
    assert list(giving.validator().iter_errors(package)) == []
    grant, = package['grants']
    assert grant['title'] == GRANT_ROUND
    assert grant['description'] == tender['description']
    assert grant['currency'] == tender['currency.']['code']
    assert grant['amountAwarded'] == number(tender['winning_bid.']['price'])
    assert grant['awardDate'] == rpc_date(tender['award_date']).isoformat()
    assert [o['name'] for o in grant['recipientOrganization']] == [
        tender['winning_bid.']['provider.']['name']]
    assert [o['name'] for o in grant['fundingOrganization']] == [
        tender['company.']['party.']['name']]
    assert grant['plannedDates'][0]['startDate'] == rpc_date(
        tender['contract_start']).isoformat()
    # Providers do not export
    response = server.call(server.session('provider'),
        'model.commissioning.tender.giving_package', [tender['id']], {})
    assert 'error' in response

    out = tmp_path / 'site'
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable),
                'trytond-childfirst-publish'),
            '-c', *server.configs, '-d', server.database, '--out', str(out),
            '--spreadsheet'],
        env=server.env, cwd=tmp_path, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr
    public = read(server, auth, 'commissioning.tender',
        [('published_at', '!=', None)], ['id'])
    written = sorted(p.name for p in (out / 'ocds').iterdir())
    assert written == sorted(['records.json'] + [
            'ocds-childfirst-%s.json' % t['id'] for t in public])
    records = json.loads((out / 'ocds' / 'records.json').read_text())
    assert ocds_schema.errors(records, 'record-package') == []
    assert len(records['records']) == len(public)
    for path in (out / 'ocds').glob('ocds-*.json'):
        assert ocds_schema.errors(json.loads(path.read_text())) == []
    grants = json.loads((out / '360giving' / 'grants.json').read_text())
    assert [g['id'] for g in grants['grants']] == [grant['id']]
    assert (out / '360giving' / 'grants.xlsx').stat().st_size > 0
