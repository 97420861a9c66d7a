"""The admin page's Content section in a real headless Chromium against the running daemon: the one-click
title + hashtags + meta description + X post on a fresh install, the editor (create, search, field errors,
status changes, delete), jobs and metrics kept live over the event stream."""
import json
import os
import re
import signal

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import Daemon
from test_browser import PASSWORD, admin, browser, create_user, sign_in, text_of  # noqa: F401  (fixtures used by name)

ARTICLE = (
    "Community gardens are quietly changing how cities eat. In Lisbon, a network of forty small plots now grows "
    "vegetables for school kitchens, and the volunteers who tend them say the real harvest is social. Neighbours "
    "who never spoke now trade seeds, recipes and tools. The city council measured a drop in food waste across "
    "the district and a rise in children who can name what they eat. Critics worry about water use in dry "
    "summers, so the gardens collect rain from nearby roofs and use drip lines. Organisers want to open ten more "
    "plots next spring, and they publish a simple guide so other towns can copy the model without consultants."
)
QUICK_KINDS = {"title", "hashtags", "meta_description", "social_post-x"}
DOLLARS = re.compile(r"^\$\d[\d,]*\.\d{6}$")


def content_wired(daemon):
    """False while the daemon does not serve the content and generation routes yet."""
    return daemon.get("/api/v1/content").status_code != 404 and daemon.post("/api/v1/generate", json={}).status_code != 404


@pytest.fixture
def session(daemon, admin):
    """A bearer token for the same admin the browser signs in as (for checking what the page did through the API)."""
    if admin is None or not content_wired(daemon):
        pytest.skip("the daemon does not serve the accounts, content and generation routes yet")
    r = requests.post(daemon.url + "/api/v1/auth/login", json={"email": admin, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def script_errors(browser):
    """Console errors from scripts. Network lines are left out: the page's own 4xx answers (field errors, an
    optional endpoint this build lacks) are logged by Chromium as failed loads, not as page errors."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e.get("source") != "network"]


def open_content(browser, daemon, admin, path="/#/content"):
    sign_in(browser, daemon.url, admin, hash_path=path)
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "main h2").text == "Content")
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#jobs-live") == "Live updates: on")


def result_cards(browser):
    """The result cards, read in one script call: {kind: {state, text, model, cost, score}}."""
    return browser.execute_script("""
        const out = {};
        for (const card of document.querySelectorAll('#gen-results .cs-result')) {
          const text = q => card.querySelector(q)?.textContent ?? null;
          out[card.dataset.kind] = { state: card.dataset.state, text: text('.cs-result-text'), model: text('.cs-result-model'),
            cost: text('.cs-result-cost'), score: text('.cs-result-score'), error: text('.cs-result-state.error') };
        }
        return out;""")


def test_fresh_install_generates_title_hashtags_meta_and_x_post_from_a_pasted_article(daemon, admin, browser, session):
    open_content(browser, daemon, admin)
    browser.find_element(By.ID, "gen-input").send_keys(ARTICLE)
    browser.find_element(By.ID, "gen-quick").click()
    WebDriverWait(browser, 60).until(lambda b: all(c["state"] != "pending" for c in result_cards(b).values()) and len(result_cards(b)) == 4)
    cards = result_cards(browser)
    assert set(cards) == QUICK_KINDS
    for kind, card in cards.items():
        assert card["state"] == "done", (kind, card)
        assert card["text"].strip(), kind
        assert card["model"] == "builtin", (kind, card["model"])
        assert DOLLARS.match(card["cost"]), card["cost"]
        assert re.match(r"^(0|1)\.\d\d$", card["score"]), card["score"]
    assert "#" in cards["hashtags"]["text"]
    assert "\n" not in cards["title"]["text"].strip()
    assert len(cards["social_post-x"]["text"]) <= 280
    assert text_of(browser, "#gen-message") == "All 4 generated."
    # On a phone the panel and its results fit the screen's width (no sideways scrolling of the page).
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert browser.find_element(By.ID, "gen-quick").is_displayed()
    browser.set_window_size(1200, 900)

    # The page shows what the server generated: the four newest jobs carry the same texts.
    jobs = requests.get(daemon.url + "/api/v1/jobs?limit=4", headers=session, timeout=10).json()["jobs"]
    assert sorted(j["status"] for j in jobs) == ["succeeded"] * 4
    shown = sorted(c["text"] for c in cards.values())
    assert sorted(j["result"]["text"] for j in jobs) == shown

    # The jobs list has them too, without a reload.
    browser.find_element(By.ID, "content-tab-jobs").click()
    for job in jobs:
        WebDriverWait(browser, 10).until(lambda b: b.execute_script(
            "return document.querySelector(`#jobs-table tr[data-job='${arguments[0]}']`)?.dataset.status", job["id"]) == "succeeded")

    # A result opens as content in the editor.
    browser.find_element(By.ID, "content-tab-generate").click()
    browser.find_element(By.CSS_SELECTOR, ".cs-result[data-kind='title'] .cs-actions button:last-child").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "content-editor").is_displayed())
    title_text = cards["title"]["text"].strip()
    assert title_text in (browser.find_element(By.ID, "content-title").get_attribute("value") + browser.find_element(By.ID, "content-body").get_attribute("value"))
    assert script_errors(browser) == []


def test_editor_creates_finds_edits_and_deletes_content_and_shows_field_errors(daemon, admin, browser, session):
    open_content(browser, daemon, admin, "/#/content/library")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "content-new").is_displayed())
    count = lambda: len(requests.get(daemon.url + "/api/v1/content?limit=100", headers=session, timeout=10).json()["data"])
    before = count()

    browser.find_element(By.ID, "content-new").click()
    title = browser.find_element(By.ID, "content-title")
    title.send_keys("x" * 301)
    browser.find_element(By.ID, "content-body").send_keys("Quetzal feathers shimmer green in the cloud forest.")
    browser.find_element(By.ID, "content-tags").send_keys("birds, travel")
    language = browser.find_element(By.ID, "content-language")
    language.clear()
    language.send_keys("english!")
    browser.find_element(By.ID, "content-save").click()
    # The server refuses the first problem it meets; each one shows next to its field, and nothing is stored.
    error = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, ".cs-field-error:not([hidden])"))
    field = error.get_attribute("id").removesuffix("-error")
    assert field in ("content-title", "content-language"), field
    assert browser.find_element(By.ID, field).get_attribute("aria-invalid") == "true"
    assert ("300" in error.text) if field == "content-title" else ("language" in error.text.lower())
    assert count() == before
    title.clear()
    title.send_keys("Quetzal sighting guide")
    browser.find_element(By.ID, "content-save").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "content-language-error").is_displayed())
    assert "language" in browser.find_element(By.ID, "content-language-error").text.lower()
    assert browser.find_element(By.ID, "content-title-error").get_attribute("hidden") is not None
    assert count() == before
    language = browser.find_element(By.ID, "content-language")
    language.clear()
    language.send_keys("en")
    browser.find_element(By.ID, "content-save").click()
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#content-editor-message") == "Created.")

    stored = [c for c in requests.get(daemon.url + "/api/v1/content?q=quetzal", headers=session, timeout=10).json()["data"]]
    assert [(c["title"], c["tags"], c["status"], c["language"]) for c in stored] == [("Quetzal sighting guide", ["birds", "travel"], "draft", "en")]
    item_id = stored[0]["id"]

    # Another item, so that the search has something to leave out.
    requests.post(daemon.url + "/api/v1/content", headers=session, json={"kind": "article", "title": "Unrelated notes", "body": "Nothing here."}, timeout=10)
    browser.find_element(By.ID, "content-filter-clear").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.XPATH, "//table[@id='content-table']//button[contains(., 'Unrelated notes')]"))
    browser.find_element(By.ID, "content-q").send_keys("QUETZAL")
    browser.find_element(By.ID, "content-filter-apply").click()
    rows = lambda b: b.execute_script("return [...document.querySelectorAll('#content-table tbody tr')].map(r => r.dataset.id)")
    WebDriverWait(browser, 15).until(lambda b: rows(b) == [item_id])
    # Filters combine: a status that does not match leaves nothing.
    Select(browser.find_element(By.ID, "content-filter-status")).select_by_value("published")
    browser.find_element(By.ID, "content-filter-apply").click()
    WebDriverWait(browser, 15).until(lambda b: rows(b) == [])
    assert "Nothing matches" in text_of(browser, "#content-list-message")
    Select(browser.find_element(By.ID, "content-filter-status")).select_by_value("draft")
    browser.find_element(By.ID, "content-filter-apply").click()
    WebDriverWait(browser, 15).until(lambda b: rows(b) == [item_id])

    # Edit: publish it; published content can only be archived, and the refusal shows next to Status.
    # Close the editor still showing the new item, then open it again from its row.
    browser.find_element(By.ID, "content-close").click()
    assert not browser.find_element(By.ID, "content-editor").is_displayed()
    browser.find_element(By.CSS_SELECTOR, f"#content-table tr[data-id='{item_id}'] button").click()
    WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "const e = document.getElementById('content-editor'); return !e.hidden && document.getElementById('content-title')?.value") == "Quetzal sighting guide")
    Select(browser.find_element(By.ID, "content-status")).select_by_value("published")
    browser.find_element(By.ID, "content-save").click()
    WebDriverWait(browser, 15).until(lambda b: (text_of(b, "#content-editor-message") or "").startswith("Saved"))
    assert requests.get(f"{daemon.url}/api/v1/content/{item_id}", headers=session, timeout=10).json()["status"] == "published"
    Select(browser.find_element(By.ID, "content-status")).select_by_value("draft")
    browser.find_element(By.ID, "content-save").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "content-status-error").is_displayed())
    assert requests.get(f"{daemon.url}/api/v1/content/{item_id}", headers=session, timeout=10).json()["status"] == "published"

    # Delete, after confirming.
    browser.execute_script("window.confirm = () => true")
    browser.find_element(By.ID, "content-delete").click()
    WebDriverWait(browser, 15).until(lambda b: (text_of(b, "#content-list-message") or "").startswith("Deleted"))
    assert requests.get(f"{daemon.url}/api/v1/content/{item_id}", headers=session, timeout=10).status_code == 404
    assert not browser.find_element(By.ID, "content-editor").is_displayed()
    assert script_errors(browser) == []


def test_jobs_and_metrics_update_live_over_the_event_stream(daemon, admin, browser, session):
    item = requests.post(daemon.url + "/api/v1/content", headers=session, timeout=10,
                         json={"kind": "social_post", "title": "Launch post", "body": "We launched.", "tags": ["launch"]}).json()
    snapshots = [{"content_id": item["id"], "platform": platform, "at": f"2026-11-0{day}T12:00:00Z", "views": views * day, "likes": day, "comments": 1}
                 for platform, views in (("x", 100), ("mastodon", 30)) for day in (1, 2, 3)]
    r = requests.post(daemon.url + "/api/v1/metrics", headers=session, json={"snapshots": snapshots}, timeout=10)
    assert r.status_code == 200, r.text

    # A deep link opens the item in the editor with its chart: one line per platform, the figures as tables.
    open_content(browser, daemon, admin, f"/#/content/{item['id']}")
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#content-metrics-chart svg"))
    platforms = lambda b: b.execute_script(
        "return [...document.querySelectorAll('#content-metrics-chart svg g.cs-series')].map(g => [g.dataset.platform, g.querySelectorAll('circle').length]).sort()")
    assert platforms(browser) == [["mastodon", 3], ["x", 3]]
    table_views = lambda b, platform: b.execute_script(
        "return [...document.querySelectorAll(`table.cs-metrics-table[data-platform='${arguments[0]}'] tbody tr`)].map(r => r.cells[1].textContent)", platform)
    assert table_views(browser, "x") == ["100", "200", "300"]
    assert "Views" in browser.find_element(By.CSS_SELECTOR, "#content-metrics-chart svg title").get_attribute("textContent")

    # A new snapshot reaches the open chart through metrics.changed, without a reload.
    r = requests.post(daemon.url + "/api/v1/metrics", headers=session, timeout=10,
                      json=[{"content_id": item["id"], "platform": "x", "at": "2026-11-04T12:00:00Z", "views": 1000, "likes": 10}])
    assert r.status_code == 200, r.text
    WebDriverWait(browser, 15).until(lambda b: table_views(b, "x") == ["100", "200", "300", "1,000"])
    assert platforms(browser) == [["mastodon", 3], ["x", 4]]

    # A job queued elsewhere appears in the jobs list and turns succeeded through job.updated events.
    browser.find_element(By.ID, "content-tab-jobs").click()
    r = requests.post(daemon.url + "/api/v1/generate", headers={**session, "Prefer": "wait=0"}, timeout=30,
                      json={"kind": "hashtags", "input": "Rainwater gardens for dry summers in southern Europe."})
    assert r.status_code in (200, 202), r.text
    job_id = r.json()["id"]
    status = lambda b: b.execute_script("return document.querySelector(`#jobs-table tr[data-job='${arguments[0]}']`)?.dataset.status ?? null", job_id)
    WebDriverWait(browser, 20).until(lambda b: status(b) == "succeeded")
    row = text_of(browser, f"#jobs-table tr[data-job='{job_id}']")
    assert "builtin" in row and "#" in row
    assert script_errors(browser) == []


def test_empty_input_and_a_declined_translation_are_shown_plainly(daemon, admin, browser, session):
    open_content(browser, daemon, admin)
    # Empty input: the server's field error appears next to the text box.
    browser.find_element(By.ID, "gen-submit").click()
    error = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "gen-input-error") if b.find_element(By.ID, "gen-input-error").is_displayed() else None)
    assert error.text.startswith("Article or text to work from")
    assert browser.find_element(By.ID, "gen-input").get_attribute("aria-invalid") == "true"
    # A translation the builtin model cannot do fails with the server's explanation, not a blank card.
    browser.find_element(By.ID, "gen-input").send_keys(ARTICLE)
    Select(browser.find_element(By.ID, "gen-kind")).select_by_value("translation")
    assert browser.find_element(By.ID, "gen-language").is_displayed()
    assert not browser.find_element(By.ID, "gen-platform").is_displayed()
    browser.find_element(By.ID, "gen-language").send_keys("fr")
    browser.find_element(By.ID, "gen-submit").click()
    WebDriverWait(browser, 30).until(lambda b: (result_cards(b).get("translation") or {}).get("state") in ("failed", "done"))
    card = result_cards(browser)["translation"]
    assert card["state"] == "failed" and card["error"], card
    assert browser.find_element(By.CSS_SELECTOR, ".cs-result[data-kind='translation'] [role=alert]").is_displayed()
    assert script_errors(browser) == []


@pytest.fixture
def budget_daemon(data_dir):
    """A daemon whose only priced model costs more than the daily budget allows. Its endpoint is a closed port:
    a budget refusal happens before any call, so it is never reached."""
    models = os.path.join(os.path.dirname(data_dir), "models.json")
    with open(models, "w") as f:
        json.dump({"currency": "USD", "models": [
            {"name": "premium", "provider": "openai", "endpoint": "http://127.0.0.1:9/v1", "model": "premium", "cost_per_1k_input": 0.03,
             "cost_per_1k_output": 0.03, "quality": 0.95, "speed": 50, "context_length": 32000, "timeout_seconds": 5, "enabled": True,
             "capabilities": ["title", "article", "social_post"]},
            {"name": "builtin", "provider": "builtin", "cost_per_1k_input": 0, "cost_per_1k_output": 0, "quality": 0.5, "speed": 100000,
             "context_length": 1000000, "timeout_seconds": 10, "enabled": True, "capabilities": ["title", "article", "social_post"]},
        ]}, f)
    d = Daemon(data_dir, extra_args=["--set", f"generation.models_file={models}", "--set", "generation.daily_budget_micros=1000"])
    yield d
    if d.proc.poll() is None:
        d.stop(signal.SIGKILL)


def test_a_request_over_the_daily_budget_is_refused_plainly(budget_daemon, browser):
    if not content_wired(budget_daemon):
        pytest.skip("the daemon does not serve the content and generation routes yet")
    email = create_user(budget_daemon.data_dir, "admin@example.com", "admin")
    open_content(browser, budget_daemon, email)
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "gen-model").is_displayed()
                                     and b.find_elements(By.CSS_SELECTOR, "#gen-model option[value='premium']"))
    browser.find_element(By.ID, "gen-input").send_keys(ARTICLE)
    Select(browser.find_element(By.ID, "gen-kind")).select_by_value("article")
    Select(browser.find_element(By.ID, "gen-model")).select_by_value("premium")
    assert not browser.find_element(By.ID, "gen-policy").is_enabled()  # a named model skips routing
    browser.find_element(By.ID, "gen-submit").click()
    WebDriverWait(browser, 30).until(lambda b: (result_cards(b).get("article") or {}).get("state") == "failed")
    message = result_cards(browser)["article"]["error"]
    assert message.startswith("Over budget:") and "budget" in message[len("Over budget:"):].lower(), message
    assert re.search(r"of \$0\.001000", message), message  # the budget figures, in dollars from integer micro-dollars
    # Nothing was stored for the refused request.
    token = requests.post(budget_daemon.url + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30).json()["access_token"]
    stored = requests.get(budget_daemon.url + "/api/v1/content", headers={"Authorization": "Bearer " + token}, timeout=10).json()["data"]
    assert stored == []
    assert script_errors(browser) == []
