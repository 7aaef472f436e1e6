# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Each role's path through the web client, in a headless Chromium.

Every user logs in to My Work, the work queue the login opens, and acts on
what waits for them as a person would: the officer publishes, the provider
bids and reports, the evaluator scores, finance signs off. The tests work
on the copy of the demo database (the ``browser_server`` fixture of
conftest.py), so the other system tests never see what they change. Each
waits for what the user would see, never for a fixed time, and checks the
page shows no #ERROR.

Needs what tests/test_demo_server.py needs: sao in var/sao, selenium and
Chromium with its driver."""
import pytest
from test_demo_server import chromium, open_menu, sao_login, script_errors

# The time the page may take to show what the user waits for, on a loaded
# machine
WAIT = 60
DRAFT = "Support After Arrest"
APPROVED = "Mentoring for Children in Care"
PUBLISHED = "Youth Diversion and Prevention Service 2026-2029"
PENDING = "Community Sport and Arts Grants 2026"
IN_EVALUATION = "Holiday Activities Shaped by Children 2026"


def by():
    from selenium.webdriver.common.by import By
    return By


def wait(driver, condition, message=""):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT).until(condition, message)


def shown(elements):
    return [e for e in elements if e.is_displayed()]


@pytest.fixture
def browser(tmp_path):
    "A headless Chromium, with a screenshot of its last page kept"
    driver = chromium(tmp_path)
    try:
        yield driver
    finally:
        driver.save_screenshot(str(tmp_path / 'last.png'))
        print("screenshot: %s" % (tmp_path / 'last.png'))
        driver.quit()


def page_text(driver):
    return driver.find_element(by().TAG_NAME, 'body').text


def assert_clean(driver):
    "No #ERROR anywhere on the page, no script error"
    assert '#ERROR' not in page_text(driver)
    assert not script_errors(driver)


def active_tab(driver):
    "The content of the tab the user looks at"
    return wait(driver, lambda d: shown(d.find_elements(
                by().CSS_SELECTOR, '#tabcontent > .tab-pane.active'))
        or shown(d.find_elements(by().CSS_SELECTOR, '#tabcontent > *')),
        "no tab is open")[0]


def wait_text(driver, *texts):
    "Wait until the open tab shows every text; return its text"
    def showing(driver):
        text = active_tab(driver).text
        if all(t in text for t in texts):
            return text
    return wait(driver, showing, "the tab does not show %s" % (texts,))


def log_in(driver, server, login):
    "Log in; My Work opens by itself and shows its list"
    sao_login(driver, server, login)
    wait(driver, lambda d: shown(d.find_elements(by().XPATH,
                "//ul[@id='tablist']//a[contains(., 'My Work')]")),
        "My Work did not open at login")
    wait_counted(driver)


def tab_counts(driver):
    """Return {tab name: count} of the tabs of My Work, the count None
    while the client has not shown it"""
    counts = {}
    for link in shown(active_tab(driver).find_elements(
                by().CSS_SELECTOR, '.nav-tabs a[role=tab]')):
        badge = link.find_element(by().CSS_SELECTOR, '.badge')
        name = link.text.replace(badge.text, '').strip()
        text = badge.get_attribute('textContent').strip()
        visible = badge.value_of_css_property('visibility') != 'hidden'
        counts[name] = int(text) if visible and text.isdigit() else None
    return counts


def wait_counted(driver):
    "Wait until the client has counted the items of the tabs of My Work"
    return wait(driver, lambda d: (lambda c: c if c and all(
                    v is not None for v in c.values()) else None)(
            tab_counts(d)), "My Work shows no count")


def work_counts(server, login):
    "Return the number of items of each kind of My Work of login, over RPC"
    auth = server.session(login)
    counts = {}
    for kind, name in [
            ('tender', "Tenders"), ('signoff', "Sign-offs"),
            ('conflict', "Conflicts"), ('score', "Scores"),
            ('open_tender', "Open Tenders"), ('bid', "Bids"),
            ('return', "Returns"), ('payment', "Payments"),
            ('performance_notice', "Performance Notices"),
            ('question', "Questions"), ('lot', "Lots"),
            ('failure', "Performance Failures")]:
        response = server.call(auth, 'model.commissioning.work.search_count',
            [('kind', '=', kind)], {})
        counts[name] = response['result']
    counts["All"] = sum(counts.values())
    return counts


def assert_counts(driver, server, login, **expected):
    """The tabs of My Work count what the server counts for the user, and
    expected gives some of them"""
    counts = work_counts(server, login)
    for name, count in expected.items():
        assert counts[name.replace('_', ' ')] == count, (name, counts)
    assert wait_counted(driver) == counts


def open_link(driver, text):
    "Click the link of the open list that shows text"
    link = wait(driver, lambda d: shown(active_tab(d).find_elements(
                by().XPATH, ".//a[contains(., '%s')]" % text)),
        "no link %s" % text)[0]
    tabs = len(driver.find_elements(by().CSS_SELECTOR, '#tablist > li'))
    link.click()
    wait(driver, lambda d: len(d.find_elements(
                by().CSS_SELECTOR, '#tablist > li')) > tabs,
        "%s did not open" % text)


def click(driver, find, what):
    """Click the first element find returns, once the page lets the user
    click it"""
    from selenium.common.exceptions import WebDriverException

    def clicked(driver):
        elements = find(driver)
        if not elements:
            return False
        try:
            elements[0].click()
        except WebDriverException:
            return False
        return True
    wait(driver, clicked, "could not click %s" % what)


def type_in(driver, field, text):
    """Type text in field once the client lets the user type there (a new
    form takes a moment to enable its fields on a busy machine)"""
    from selenium.common.exceptions import WebDriverException

    def typed(driver):
        try:
            field.send_keys(text)
        except WebDriverException:
            return False
        return True
    wait(driver, typed, "could not type in the field")


def buttons(driver):
    "Return {label: button} of the buttons of the open tab"
    return {b.get_attribute('textContent').strip(): b
        for b in active_tab(driver).find_elements(by().TAG_NAME, 'button')
        if b.is_displayed() and b.is_enabled()}


def press(driver, label):
    "Press the button of the open form"
    from selenium.common.exceptions import TimeoutException
    try:
        button = wait(driver, lambda d: buttons(d).get(label))
    except TimeoutException:
        raise AssertionError("no button %s in %s" % (
                label, list(buttons(driver))))
    driver.execute_script("arguments[0].scrollIntoView();", button)
    button.click()


def dialog_text(driver, text=''):
    "Wait for the message that shows text; return its text"
    return wait(driver, lambda d: [m.text for m in shown(d.find_elements(
                    by().CSS_SELECTOR, '.modal-dialog'))
            if text in m.text and m.text.strip()],
        "no message %s" % text)[0]


def close_dialog(driver, label="OK"):
    button = wait(driver, lambda d: [b for b in shown(d.find_elements(
                    by().CSS_SELECTOR, '.modal-dialog button'))
            if b.text.strip() == label], "no %s" % label)[0]
    button.click()


def back_to_work(driver):
    "Return to the My Work tab and reload it"
    tab = driver.find_element(by().XPATH,
        "//ul[@id='tablist']//a[contains(., 'My Work')]")
    tab.click()
    active_tab(driver).send_keys  # noqa: B018
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(driver).key_down(Keys.CONTROL).send_keys('r').key_up(
        Keys.CONTROL).perform()
    wait_counted(driver)


def state_of(server, login, model, name):
    """Return the states of the records of model named name (or matching
    the domain name) that login reads"""
    domain = [('rec_name', '=', name)] if isinstance(name, str) else name
    response = server.call(server.session(login),
        'model.%s.search_read' % model, domain,
        0, None, None, ['state'], {})
    return [r['state'] for r in response['result']]


def test_officer(browser_server, browser):
    """The officer sees the tenders to progress, reads the draft's
    checklist and publishes the approved tender"""
    server, driver = browser_server, browser
    log_in(driver, server, 'officer')
    text = wait_text(driver, DRAFT, APPROVED, IN_EVALUATION)
    assert "Complete the design and request approval" in text
    assert "Publish" in text
    assert_counts(driver, server, 'officer', Tenders=4, Questions=1)
    assert_clean(driver)

    open_link(driver, DRAFT)
    checklist = wait(driver, lambda d: [a.get_attribute('value')
            for a in shown(active_tab(d).find_elements(
                    by().TAG_NAME, 'textarea'))
            if 'Children were involved in designing' in (
                a.get_attribute('value') or '')], "no checklist")[0]
    assert "✗ Children were involved in designing the tender" in checklist
    assert_clean(driver)

    back_to_work(driver)
    open_link(driver, APPROVED)
    press(driver, "Publish")
    wait(driver, lambda d: state_of(
            server, 'officer', 'commissioning.tender', APPROVED)
        == ['published'], "the tender was not published")
    wait(driver, lambda d: "Publish" not in buttons(d),
        "the form still offers Publish")
    assert_clean(driver)
    back_to_work(driver)
    assert APPROVED not in active_tab(driver).text
    assert_counts(driver, server, 'officer', Tenders=3)


def test_finance(browser_server, browser):
    "Finance sees the sign-offs waiting and approves the tender budget"
    server, driver = browser_server, browser
    log_in(driver, server, 'finance')
    wait_text(driver, PENDING, "Sign off the tender budget",
        "Sign off the payment release")
    before = work_counts(server, 'finance')
    assert before["Sign-offs"] >= 2
    assert_counts(driver, server, 'finance')
    assert_clean(driver)

    open_link(driver, PENDING)
    press(driver, "Approve")
    wait(driver, lambda d: state_of(
            server, 'finance', 'commissioning.tender', PENDING)
        == ['approved'], "the tender was not approved")
    assert_clean(driver)
    back_to_work(driver)
    assert PENDING not in active_tab(driver).text
    assert_counts(driver, server, 'finance')
    assert work_counts(server, 'finance')["Sign-offs"] == (
        before["Sign-offs"] - 1)


def test_provider_bid_refused(browser_server, browser):
    """The provider sees the open tender, starts a bid on it and is told
    what to complete before it can be submitted"""
    server, driver = browser_server, browser
    log_in(driver, server, 'provider2')
    text = wait_text(driver, PUBLISHED, "Prepare a bid")
    assert "Revise the return sent back" in text
    assert_counts(driver, server, 'provider2', Returns=1)
    assert_clean(driver)

    open_menu(driver, 'Commissioning', 'Bids')
    wait(driver, lambda d: 'Bids' in d.find_element(
            by().CSS_SELECTOR, '#tablist li.active').text, "no Bids tab")
    click(driver, lambda d: shown(active_tab(d).find_elements(
                by().CSS_SELECTOR, "a[title^='New'], button[title^='New']")),
        "New")
    field = wait(driver, lambda d: shown(active_tab(d).find_elements(
                by().CSS_SELECTOR,
                "[data-field-name='tender'] input[type=text]"
                ", .form-many2one input")), "no tender field")[0]
    type_in(driver, field, PUBLISHED[:20])
    from selenium.webdriver.common.keys import Keys
    field.send_keys(Keys.TAB)
    # The client asks which tender is meant
    row = wait(driver, lambda d: shown(d.find_elements(by().XPATH,
                "//div[contains(@class, 'modal-dialog')]//td"
                "[contains(., '%s')]" % PUBLISHED)), "no tender offered")[0]
    row.click()
    close_dialog(driver, "OK")
    wait(driver, lambda d: field.get_attribute('value') == PUBLISHED,
        "the tender was not chosen")
    press(driver, "Submit")
    message = dialog_text(driver)
    if "cannot be submitted yet" not in message:
        # A client that confirms before the server checks
        assert "Submit it?" in message, message
        close_dialog(driver, "OK")
        message = dialog_text(driver, "cannot be submitted yet")
    assert "Fix these and try again" in message
    assert "price" in message, message
    close_dialog(driver)
    assert_clean(driver)
    # The bid waits in My Work as a draft; the tender is no longer open
    back_to_work(driver)
    wait_text(driver, "Complete and submit the bid")
    assert_counts(driver, server, 'provider2', Bids=1)
    assert state_of(server, 'provider2', 'commissioning.bid',
        [('tender.name', '=', PUBLISHED)]) == ['draft']


def test_provider_return(browser_server, browser):
    "The provider revises the return sent back and submits it"
    server, driver = browser_server, browser
    log_in(driver, server, 'provider2')
    wait_text(driver, "Revise the return sent back")
    open_link(driver, "Trusted Adults")
    press(driver, "Submit")
    auth = server.session('provider2')

    def submitted(driver):
        response = server.call(auth,
            'model.commissioning.monitoring.return.search_count',
            [('state', '=', 'draft')], {})
        return response['result'] == 0
    wait(driver, submitted, "the return was not submitted")
    assert_clean(driver)
    back_to_work(driver)
    assert_counts(driver, server, 'provider2', Returns=0)


def test_evaluator(browser_server, browser):
    """The evaluator sees the answers to score, scores one from My Work and
    opens the Scores list"""
    from selenium.webdriver.common.keys import Keys
    server, driver = browser_server, browser
    log_in(driver, server, 'evaluator')
    wait_text(driver, "Score with a justification", IN_EVALUATION)
    before = work_counts(server, 'evaluator')
    assert before["Scores"] == 8
    assert_counts(driver, server, 'evaluator')
    assert_clean(driver)

    open_link(driver, IN_EVALUATION)
    score = wait(driver, lambda d: shown(active_tab(d).find_elements(
                by().CSS_SELECTOR, '.form-integer input')), "no score")[0]
    score.send_keys('4')
    justification = shown(active_tab(driver).find_elements(
            by().CSS_SELECTOR, '.form-text textarea'))[-1]
    justification.send_keys(
        "Good: the children's panel heard how children plan the days.")
    justification.send_keys(Keys.CONTROL, 's')
    wait(driver, lambda d: work_counts(server, 'evaluator')["Scores"]
        == before["Scores"] - 1, "the score was not saved")
    assert_clean(driver)
    back_to_work(driver)
    assert_counts(driver, server, 'evaluator', Scores=before["Scores"] - 1)

    open_menu(driver, 'Commissioning', 'Scores')
    wait_text(driver, "Treating children as children", "Grace Adeyemi")
    assert_clean(driver)
