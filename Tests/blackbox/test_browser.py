"""The admin page in a real headless Chromium against the running daemon."""
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


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


def test_admin_page_shows_version_from_the_api(daemon, browser):
    version = daemon.get("/api/v1/version").json()["version"]
    browser.get(daemon.url + "/")
    status = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "status-text") if version in b.find_element(By.ID, "status-text").text else False)
    assert "healthy" in status.text
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "version").text == version)
    labels = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    assert labels == ["Dashboard", "Content", "Calendar", "Analytics", "Billing", "Graph", "System", "Settings"]
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == [], severe


def test_navigation_by_keyboard_and_on_a_phone(daemon, browser):
    browser.get(daemon.url + "/#/settings")
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


def test_system_page_refreshes_live_figures(daemon, browser):
    browser.get(daemon.url + "/#/system")
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#cache-table tbody tr[data-tier=hot]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#route-table tbody tr")
    count = lambda b: sum(int(r.find_elements(By.TAG_NAME, "td")[0].text) for r in b.find_elements(By.CSS_SELECTOR, "#route-table tbody tr") if r.find_elements(By.TAG_NAME, "td"))
    before = count(browser)
    for _ in range(5):
        daemon.get("/healthz")
    WebDriverWait(browser, 10).until(lambda b: count(b) >= before + 5)
    assert "MiB" in browser.find_element(By.ID, "rss").text
