"""The admin page in a real headless Chromium against the running daemon: signing in first."""
import os
import re
import shutil
import subprocess
import threading

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BIN, REPO

PASSWORD = "tangerine-orbit-lantern-42"
NAV = ["Dashboard", "Content", "Calendar", "Analytics", "Billing", "Graph", "System", "Users", "API keys", "Audit log", "Settings"]


@pytest.fixture
def browser():
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def create_user(data_dir, email, role, password=PASSWORD):
    """`studio user create` beside the running daemon, password on standard input."""
    result = subprocess.run([BIN, "user", "create", "--data-dir", data_dir, "--email", email, "--role", role, "--password-stdin"],
                            input=password + "\n", capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return email


def accounts_wired(daemon):
    """False while the daemon does not serve the accounts routes yet: the page then opens without signing in."""
    return daemon.get("/api/v1/setup").status_code != 404


@pytest.fixture
def admin(daemon):
    if not accounts_wired(daemon):
        return None
    return create_user(daemon.data_dir, "admin@example.com", "admin")


def sign_in(browser, url, email, password=PASSWORD, hash_path="/"):
    browser.get(url + hash_path)
    if email is None:
        WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "shell").is_displayed())
        return
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "signin-email").is_displayed())
    browser.find_element(By.ID, "signin-email").send_keys(email)
    browser.find_element(By.ID, "signin-password").send_keys(password)
    browser.find_element(By.ID, "signin-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "shell").is_displayed())


def text_of(browser, css):
    """Text of the first element matching css, read in one script call (sections re-render their tables)."""
    return browser.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css)


def severe_errors(browser):
    # 401s of the silent refresh before signing in are expected answers, not page errors.
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "401" not in e["message"]]


def test_admin_page_requires_signing_in_then_shows_version_from_the_api(daemon, admin, browser):
    version = daemon.get("/api/v1/version").json()["version"]
    if admin is not None:
        browser.get(daemon.url + "/")
        WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "signin-form").is_displayed())
        assert not browser.find_element(By.ID, "shell").is_displayed()
        browser.find_element(By.ID, "signin-email").send_keys(admin)
        browser.find_element(By.ID, "signin-password").send_keys("wrong-password-0000")
        browser.find_element(By.ID, "signin-submit").click()
        WebDriverWait(browser, 15).until(lambda b: "wrong" in b.find_element(By.ID, "auth-message").text)
    sign_in(browser, daemon.url, admin)
    status = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "status-text") if version in b.find_element(By.ID, "status-text").text else False)
    assert "healthy" in status.text
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "version").text == version)
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")] == NAV
    assert severe_errors(browser) == []
    if admin is None:
        return
    assert "admin" in browser.find_element(By.ID, "user-name").text
    # The access token lives in memory only: nothing in storage, and the refresh cookie is invisible to scripts.
    assert browser.execute_script("return localStorage.length + sessionStorage.length") == 0
    assert "studio_refresh" not in browser.execute_script("return document.cookie")
    # A reload signs in silently through the HttpOnly cookie.
    browser.refresh()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "shell").is_displayed())
    assert severe_errors(browser) == []
    # Signing out ends the session: a reload shows the sign-in form again.
    browser.find_element(By.ID, "sign-out").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "signin-form").is_displayed())
    browser.refresh()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "signin-form").is_displayed())


def test_navigation_by_keyboard_and_on_a_phone(daemon, admin, browser):
    sign_in(browser, daemon.url, admin, hash_path="/#/settings")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "main h2").text == "Settings")
    current = browser.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]")
    assert current.text == "Settings"
    browser.set_window_size(390, 844)
    toggle = browser.find_element(By.ID, "menu-toggle")
    assert toggle.is_displayed()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    browser.find_element(By.LINK_TEXT, "Dashboard").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "main h2").text == "Dashboard")


def test_system_page_refreshes_live_figures(daemon, admin, browser):
    sign_in(browser, daemon.url, admin, hash_path="/#/system")
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#cache-table tbody tr[data-tier=hot]"))
    # Read the table in one script call: it is redrawn every two seconds, so element handles go stale.
    count = lambda b: b.execute_script(
        "return [...document.querySelectorAll('#route-table tbody tr')].reduce((s, r) => s + (parseInt(r.querySelector('td')?.textContent) || 0), 0);")
    before = count(browser)
    for _ in range(5):
        daemon.get("/healthz")
    WebDriverWait(browser, 10).until(lambda b: count(b) >= before + 5)
    assert "MiB" in browser.find_element(By.ID, "rss").text


def test_users_keys_and_audit_sections(daemon, admin, browser):
    if admin is None:
        pytest.skip("the daemon does not serve the accounts routes yet")
    sign_in(browser, daemon.url, admin, hash_path="/#/users")
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, f"#users-table tr[data-user='{admin}']"))
    browser.find_element(By.ID, "new-user-email").send_keys("cleo@example.com")
    browser.find_element(By.ID, "new-user-password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#new-user-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#users-table tr[data-user='cleo@example.com']"))

    browser.get(daemon.url + "/#/keys")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "main h2").text == "API keys")
    browser.find_element(By.ID, "new-key-name").send_keys("nightly export")
    browser.find_element(By.CSS_SELECTOR, "#new-key-form button[type=submit]").click()
    secret = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "new-key-secret").get_attribute("value"))
    assert secret.startswith("sk_") and len(secret) == 46
    me = daemon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["email"] == admin
    # Shown once: after a reload the secret is nowhere on the page.
    browser.refresh()
    row = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "#keys-table tr[data-key='nightly export']"))
    assert secret not in browser.page_source and secret[:11] in row.text
    browser.execute_script("window.confirm = () => true")
    row.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#keys-table tr[data-key='nightly export'] .key-state") == "revoked")
    assert daemon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    browser.get(daemon.url + "/#/audit")
    WebDriverWait(browser, 15).until(lambda b: "api_key.revoked" in (text_of(b, "#audit-table") or ""))
    assert "user.created" in text_of(browser, "#audit-table")
    assert severe_errors(browser) == []


def read_setup_token(daemon, timeout=10):
    """The daemon prints `Setup token: <token>` on standard output (after its "running at" line) while no user exists."""
    found = []

    def scan():
        # readline in a thread: the pipe's text buffer may already hold the line, which select() would not see.
        for line in daemon.proc.stdout:
            match = re.search(r"Setup token: (\S+)", line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=scan, daemon=True)
    reader.start()
    reader.join(timeout)
    assert found, "the daemon printed no 'Setup token: <token>' line"
    return found[0]


def test_first_admin_setup_screen(daemon, browser):
    if not accounts_wired(daemon):
        pytest.skip("the daemon does not serve the accounts routes yet")
    token = read_setup_token(daemon)
    browser.get(daemon.url + "/")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "setup-form").is_displayed())
    browser.find_element(By.ID, "setup-token").send_keys(token)
    browser.find_element(By.ID, "setup-email").send_keys("first@example.com")
    browser.find_element(By.ID, "setup-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "setup-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "shell").is_displayed())
    assert "admin" in browser.find_element(By.ID, "user-name").text
    assert daemon.get("/api/v1/setup").json() == {"needed": False}
