"""The admin page's Calendar section (publishing) in a real headless Chromium against the running daemon and the
fake social server: a 400-character post previewed before any account exists (X over the limit with a thread
offered, Mastodon within), connecting a Mastodon account through the form, scheduling a post a few seconds ahead
and watching it turn published in the week view, the attempt history, moving a scheduled post by keyboard
and by drag, a failed post retried from its panel, cancelling and disconnecting after a confirmation, the next
good slot, and an export-bundle post confirmed as uploaded by hand."""
import datetime
import os

import pytest
import requests
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_browser import PASSWORD, admin, browser, sign_in, text_of  # noqa: F401  (fixtures used by name)
from test_publishing import FakeSocial

# 400 characters of plain words (no URL, no hashtag): 400 on X's weighted count and on Mastodon's.
LONG = ("Community gardens are quietly changing how cities eat. In Lisbon a network of forty small plots now grows "
        "vegetables for school kitchens, and the volunteers who tend them say the real harvest is social. Neighbours "
        "who never spoke now trade seeds, recipes and tools. The council measured a drop in food waste across the "
        "district and a rise in children who can name what they eat, and that pleased all.")
assert len(LONG) == 400, len(LONG)


def publishing_wired(daemon):
    return daemon.get("/api/v1/platform-accounts").status_code != 404 and daemon.get("/api/v1/compose/preview").status_code != 404


@pytest.fixture
def session(daemon, admin):
    """A bearer token for the admin the browser signs in as (to check through the API what the page did)."""
    if admin is None or not publishing_wired(daemon):
        pytest.skip("the daemon does not serve the accounts and publishing routes yet")
    r = requests.post(daemon.url + "/api/v1/auth/login", json={"email": admin, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


@pytest.fixture
def social(tmp_path):
    fake = FakeSocial(str(tmp_path / "social.jsonl"))
    yield fake
    fake.stop()


def script_errors(browser):
    """Console errors from scripts (the page's own 4xx answers are logged by Chromium as network lines, left out)."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e.get("source") != "network"]


def open_tab(browser, daemon, admin, tab):
    sign_in(browser, daemon.url, admin, hash_path=f"/#/calendar/{tab}")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, "main h2").text == "Calendar")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, f"calendar-tab-{tab}").get_attribute("aria-selected") == "true")


def previews(browser):
    """The preview cards, read in one script call: {platform: {fits, text, counts, offer}}."""
    return browser.execute_script("""
        const out = {};
        for (const card of document.querySelectorAll('#compose-previews .pub-preview')) {
            out[card.dataset.platform] = {
                fits: card.dataset.fits, text: card.textContent,
                counts: [...card.querySelectorAll('.pub-count')].map(p => p.textContent),
                offer: !!card.querySelector('.pub-make-thread'),
            };
        }
        return out;""")


def set_input(browser, element_id, value):
    browser.execute_script("""const e = document.getElementById(arguments[0]); e.value = arguments[1];
        e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));""", element_id, value)


def browser_local(browser, seconds_from_now):
    """A datetime-local value `seconds_from_now` ahead in the browser's own zone."""
    return browser.execute_script("""
        const d = new Date(Date.now() + arguments[0] * 1000), p = n => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;""",
                                  seconds_from_now)


def chip_state(browser, publication_id):
    return browser.execute_script("const c = document.querySelector(`#pub-week .pub-chip[data-id='${arguments[0]}']`); return c ? c.dataset.state + '|' + c.textContent : null",
                                  str(publication_id))


def find_chip(browser, publication_id):
    """The chip of a future publication: in this week's view (arriving live), or else in a following week."""
    for _ in range(3):
        try:
            return WebDriverWait(browser, 5).until(lambda b: b.find_element(By.CSS_SELECTOR, f"#pub-week .pub-chip[data-id='{publication_id}']"))
        except TimeoutException:
            browser.find_element(By.ID, "pub-next").click()
    raise AssertionError(f"publication {publication_id} is not in the week view")


def test_compose_previews_every_platform_before_any_account_is_connected(daemon, admin, session, browser):
    r = requests.post(daemon.url + "/api/v1/content", headers=session, timeout=10,
                      json={"kind": "social_post", "title": "Seed swap", "body": "Seed swap on Saturday, bring jars", "status": "ready"})
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    open_tab(browser, daemon, admin, "compose")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "compose-no-accounts").is_displayed())
    browser.find_element(By.ID, "compose-text").send_keys(LONG)
    browser.find_element(By.CSS_SELECTOR, "label[for=compose-platform-x]").click()
    browser.find_element(By.CSS_SELECTOR, "label[for=compose-platform-mastodon]").click()
    WebDriverWait(browser, 15).until(lambda b: set(previews(b)) == {"x", "mastodon"})
    cards = previews(browser)
    x, mastodon = cards["x"], cards["mastodon"]
    # X: over the limit, in words (not colour only), with its count, and a thread offered.
    assert x["fits"] == "false"
    assert "Over the limit by 120 (400 / 280)" in x["text"], x["text"]
    assert x["counts"] == ["400 / 280 — over by 120"], x["counts"]
    assert "thread is available" in x["text"] and x["offer"]
    # Mastodon: within its 500.
    assert mastodon["fits"] == "true"
    assert "Fits within the limit (400 / 500)" in mastodon["text"]
    assert mastodon["counts"] == ["400 / 500 — within the limit"], mastodon["counts"]
    assert not mastodon["offer"]
    assert "Over the limit on X" in browser.find_element(By.ID, "compose-preview-status").text
    # Taking the offer turns X into a numbered thread whose every part fits; Mastodon stays one post.
    browser.find_element(By.CSS_SELECTOR, "[data-platform=x] .pub-make-thread").click()
    WebDriverWait(browser, 15).until(lambda b: previews(b).get("x", {}).get("fits") == "true")
    cards = previews(browser)
    assert browser.find_element(By.ID, "compose-thread").is_selected()
    assert len(cards["x"]["counts"]) >= 2 and "Fits as a thread of" in cards["x"]["text"]
    for count in cards["x"]["counts"]:
        used, limit = count.split(": ")[1].split(" — ")[0].split(" / ")
        assert int(used) <= int(limit) == 280, count
    assert cards["mastodon"]["counts"] == ["400 / 500 — within the limit"]
    # Scheduling without an account says so next to the accounts, and creates nothing.
    browser.find_element(By.ID, "compose-schedule").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "compose-accounts-error").is_displayed())
    assert "connect one under Accounts" in browser.find_element(By.ID, "compose-accounts-error").text
    assert requests.get(daemon.url + "/api/v1/publications", headers=session, timeout=10).json()["data"] == []
    # Picking a stored content item previews its text as stored (read-only here).
    Select(browser.find_element(By.ID, "compose-content")).select_by_value(item)
    text = browser.find_element(By.ID, "compose-text")
    assert text.get_attribute("value") == "Seed swap on Saturday, bring jars" and text.get_attribute("readonly") is not None
    WebDriverWait(browser, 15).until(lambda b: previews(b).get("x", {}).get("counts") == ["33 / 280 — within the limit"])
    assert script_errors(browser) == []


def test_connect_schedule_and_watch_it_publish_then_move_by_keyboard_and_drag(daemon, admin, session, browser, social):
    open_tab(browser, daemon, admin, "accounts")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "accounts-none").is_displayed())
    Select(browser.find_element(By.ID, "connect-platform")).select_by_value("mastodon")
    assert browser.find_element(By.ID, "connect-access_token").get_attribute("type") == "password"
    browser.find_element(By.ID, "connect-label").send_keys("Garden news")
    browser.find_element(By.ID, "connect-instance").send_keys(social.url)
    # A wrong token: the platform's refusal is shown, nothing is connected, and the secret field is emptied.
    browser.find_element(By.ID, "connect-access_token").send_keys("wrong-token")
    browser.find_element(By.ID, "connect-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "connect-credentials-error").is_displayed())
    assert browser.find_element(By.ID, "connect-access_token").get_attribute("value") == ""
    assert requests.get(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=10).json()["data"] == []
    browser.find_element(By.ID, "connect-access_token").send_keys("mastodon-token")
    browser.find_element(By.ID, "connect-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#accounts-table tr[data-platform=mastodon]"))
    accounts = requests.get(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=10).json()["data"]
    assert [(a["platform"], a["label"]) for a in accounts] == [("mastodon", "Garden news")]
    account = accounts[0]["id"]
    assert "mastodon-token" not in browser.page_source

    # Compose a short post to that account five seconds ahead.
    browser.find_element(By.ID, "calendar-tab-compose").click()
    box = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, f"compose-account-{account}"))
    browser.find_element(By.ID, "compose-text").send_keys("Seed swap on Saturday at the Lisbon garden")
    browser.find_element(By.CSS_SELECTOR, f"label[for=compose-account-{account}]").click()
    assert box.is_selected()
    WebDriverWait(browser, 15).until(lambda b: previews(b).get("mastodon", {}).get("fits") == "true")
    # A time in the past: the daemon's refusal (targets[0].at) shows next to the time field, and nothing is scheduled.
    set_input(browser, "compose-at", browser_local(browser, -600))
    browser.find_element(By.ID, "compose-schedule").click()
    error = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "compose-at-error") if b.find_element(By.ID, "compose-at-error").is_displayed() else None)
    assert "past" in error.text.lower(), error.text
    assert browser.find_element(By.ID, "compose-at").get_attribute("aria-invalid") == "true"
    assert requests.get(daemon.url + "/api/v1/publications", headers=session, timeout=10).json()["data"] == []
    set_input(browser, "compose-at", browser_local(browser, 6))
    browser.find_element(By.ID, "compose-schedule").click()
    done = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "compose-done"))
    assert "Scheduled 1 post" in done.text and "Mastodon (Garden news)" in done.text
    pubs = requests.get(daemon.url + "/api/v1/publications", headers=session, timeout=10).json()["data"]
    assert len(pubs) == 1 and pubs[0]["account_id"] == account
    pid = pubs[0]["id"]

    # It shows in this week's calendar, then turns published without a reload (the event stream).
    browser.find_element(By.ID, "compose-show").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "calendar-tab-calendar").get_attribute("aria-selected") == "true")
    WebDriverWait(browser, 15).until(lambda b: chip_state(b, pid) is not None)
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#pub-live") == "Live updates: on")
    WebDriverWait(browser, 40).until(lambda b: (chip_state(b, pid) or "").startswith("published|"))
    assert "Published" in chip_state(browser, pid) and "Mastodon" in chip_state(browser, pid)
    posts = [p for p in social.stats()["posts"] if p["platform"] == "mastodon"]
    assert len(posts) == 1 and posts[0]["text"].startswith("Seed swap on Saturday"), posts

    # The detail panel: state, the post's URL, and the attempt history.
    browser.find_element(By.CSS_SELECTOR, f"#pub-week .pub-chip[data-id='{pid}']").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "pub-detail").is_displayed() and b.find_elements(By.ID, "pub-attempts"))
    assert browser.find_element(By.ID, "pub-detail-state").text == "Published"
    assert browser.find_element(By.ID, "pub-detail-url").get_attribute("href").startswith(social.url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#pub-attempts tbody tr")
    assert len(rows) >= 1 and rows[-1].get_attribute("data-outcome") not in ("running", "")
    assert not browser.find_elements(By.ID, "pub-move")  # a published post cannot be moved

    # A second post tomorrow, moved by keyboard ("Move…") and then by dragging its chip to another day.
    tomorrow = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    r = requests.post(daemon.url + "/api/v1/content", headers=session, timeout=10,
                      json={"kind": "social_post", "title": "Compost", "body": "Compost workshop next week", "status": "ready"})
    assert r.status_code == 201, r.text
    r = requests.post(daemon.url + f"/api/v1/content/{r.json()['id']}/publish", headers=session, timeout=10,
                      json={"targets": [{"account": account, "at": tomorrow.isoformat(timespec="seconds")}]})
    assert r.status_code == 201, r.text
    later = r.json()["data"][0]["id"]
    browser.find_element(By.ID, "pub-detail-close").click()
    chip = find_chip(browser, later)
    assert chip.get_attribute("draggable") == "true"
    chip.send_keys("\n")  # keyboard: Enter on the chip opens it
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "pub-move").is_displayed())
    browser.find_element(By.ID, "pub-move").send_keys("\n")
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "pub-move-at").is_displayed())
    target = browser_local(browser, 2 * 86400 + 3600)
    set_input(browser, "pub-move-at", target)
    browser.find_element(By.CSS_SELECTOR, "#pub-move-form button[type=submit]").click()
    expected = browser.execute_script("return new Date(arguments[0]).toISOString()", target)

    def due(pid_):
        return requests.get(daemon.url + f"/api/v1/publications/{pid_}", headers=session, timeout=10).json()["due_at"]

    WebDriverWait(browser, 15).until(lambda b: due(later)[:19] == expected[:19])
    find_chip(browser, later)
    # A past time is refused next to the field.
    browser.find_element(By.ID, "pub-move").click()
    set_input(browser, "pub-move-at", browser_local(browser, -3600))
    browser.find_element(By.CSS_SELECTOR, "#pub-move-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "pub-move-at-error").is_displayed())
    assert due(later)[:19] == expected[:19]

    # Drag: drop the chip on the same hour one day earlier (an HTML5 drag dispatched in the page).
    browser.execute_script("""
        const chip = document.querySelector(`.pub-chip[data-id='${arguments[0]}']`);
        const cell = chip.closest('td');
        const week = [...cell.closest('tr').querySelectorAll('td')];
        const from = week.indexOf(cell);
        const to = week[from > 0 ? from - 1 : from + 1];
        const data = new DataTransfer();
        chip.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: data}));
        to.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data}));
        to.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
        chip.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: data}));
        window.__dropDay = to.dataset.day;""", str(later))
    drop_day = browser.execute_script("return window.__dropDay")
    WebDriverWait(browser, 15).until(lambda b: due(later)[:19] != expected[:19])
    moved_local = browser.execute_script("""const d = new Date(arguments[0]), p = n => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;""", due(later))
    assert moved_local.startswith(drop_day) and moved_local[10:] == target[10:], (moved_local, drop_day, target)
    assert script_errors(browser) == []


def test_a_failed_post_shows_its_reason_and_history_then_retry_publishes_it_and_cancel_asks_first(daemon, admin, session, browser, social):
    r = requests.post(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=30,
                      json={"platform": "mastodon", "label": "Garden news", "credentials": {"instance": social.url, "access_token": "mastodon-token"}})
    assert r.status_code == 201, r.text
    account = r.json()["id"]
    open_tab(browser, daemon, admin, "calendar")
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#pub-live") == "Live updates: on")
    ids = []
    for text, seconds in [("Plot tour this Sunday", 2), ("Rainwater talk next month", 3 * 86400)]:
        r = requests.post(daemon.url + "/api/v1/content", headers=session, timeout=10,
                          json={"kind": "social_post", "title": text, "body": text, "status": "ready"})
        assert r.status_code == 201, r.text
        at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)).isoformat(timespec="seconds")
        if seconds == 2:
            social.control(mode="html", count=1, platform="mastodon")  # the platform answers a 200 HTML page once
        r = requests.post(daemon.url + f"/api/v1/content/{r.json()['id']}/publish", headers=session, timeout=10,
                          json={"targets": [{"account": account, "at": at}]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["data"][0]["id"])
    failing, later = ids

    # The first fails: the chip says so live, and its panel gives the reason, the attempt and a Retry button.
    WebDriverWait(browser, 40).until(lambda b: (chip_state(b, failing) or "").startswith("failed|"))
    assert "Failed" in chip_state(browser, failing)
    browser.find_element(By.CSS_SELECTOR, f"#pub-week .pub-chip[data-id='{failing}']").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.ID, "pub-detail-reason") and b.find_elements(By.ID, "pub-attempts"))
    assert "html" in browser.find_element(By.ID, "pub-detail-reason").text.lower()
    rows = browser.find_elements(By.CSS_SELECTOR, "#pub-attempts tbody tr")
    assert len(rows) == 1 and "html" in rows[0].text.lower(), [row.text for row in rows]
    assert not browser.find_elements(By.ID, "pub-cancel") and not browser.find_elements(By.ID, "pub-move")
    browser.find_element(By.ID, "pub-retry").click()
    WebDriverWait(browser, 40).until(lambda b: (chip_state(b, failing) or "").startswith("published|"))
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#pub-detail-state") == "Published"
                                     and len(b.find_elements(By.CSS_SELECTOR, "#pub-attempts tbody tr")) == 2)
    posts = [p for p in social.stats()["posts"] if p["platform"] == "mastodon"]
    assert [p["text"] for p in posts] == ["Plot tour this Sunday"], posts

    # The later one is cancelled only after saying yes; "Keep it" leaves it scheduled.
    browser.find_element(By.ID, "pub-detail-close").click()
    find_chip(browser, later).click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "pub-cancel").is_displayed())
    browser.find_element(By.ID, "pub-cancel").click()
    keep = browser.find_element(By.ID, "pub-cancel-no")
    assert keep.text == "Keep it" and browser.switch_to.active_element.get_attribute("id") == "pub-cancel-yes"
    keep.click()
    assert browser.switch_to.active_element.get_attribute("id") == "pub-cancel"
    state = lambda: requests.get(daemon.url + f"/api/v1/publications/{later}", headers=session, timeout=10).json()["state"]
    assert state() == "pending"
    browser.find_element(By.ID, "pub-cancel").click()
    browser.find_element(By.ID, "pub-cancel-yes").click()
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#pub-detail-state") == "Cancelled")
    assert state() == "cancelled"
    assert (chip_state(browser, later) or "").startswith("cancelled|")

    # "Next good slot": the ranked times are shown, and the post is scheduled at a future slot the daemon picks.
    browser.find_element(By.ID, "calendar-tab-compose").click()
    browser.find_element(By.ID, "compose-text").send_keys("Workshop recap with photos")
    browser.find_element(By.CSS_SELECTOR, f"label[for=compose-account-{account}]").click()
    browser.find_element(By.CSS_SELECTOR, "label[for=compose-when-slot]").click()
    WebDriverWait(browser, 15).until(lambda b: "Mastodon:" in b.find_element(By.ID, "compose-best").text)
    assert browser.find_element(By.ID, "compose-at").get_attribute("disabled") is not None
    browser.find_element(By.ID, "compose-schedule").click()
    WebDriverWait(browser, 15).until(lambda b: "Scheduled 1 post" in b.find_element(By.ID, "compose-done").text)
    slot = [p for p in requests.get(daemon.url + "/api/v1/publications", headers=session, timeout=10).json()["data"] if p["parts"] == ["Workshop recap with photos"]]
    assert len(slot) == 1 and slot[0]["state"] == "pending", slot
    due = datetime.datetime.fromisoformat(slot[0]["due_at"].replace("Z", "+00:00"))
    assert due > datetime.datetime.now(datetime.timezone.utc), slot[0]["due_at"]
    # A slot starts on the hour in the browser's zone (the time_zone the page sent).
    assert browser.execute_script("const d = new Date(arguments[0]); return d.getMinutes() + d.getSeconds()", slot[0]["due_at"]) == 0

    # Disconnecting asks first, too.
    browser.find_element(By.ID, "calendar-tab-accounts").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, f"[data-disconnect='{account}']").is_displayed())
    browser.find_element(By.CSS_SELECTOR, f"[data-disconnect='{account}']").click()
    WebDriverWait(browser, 5).until(lambda b: b.find_element(By.CSS_SELECTOR, f"[data-confirm='{account}']").is_displayed())
    assert len(requests.get(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=10).json()["data"]) == 1
    browser.find_element(By.CSS_SELECTOR, f"[data-confirm='{account}']").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "accounts-none").is_displayed())
    assert requests.get(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=10).json()["data"] == []
    assert script_errors(browser) == []


def test_an_export_bundle_account_waits_for_manual_upload_until_confirmed_in_the_panel(daemon, admin, session, browser):
    open_tab(browser, daemon, admin, "accounts")
    Select(WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "connect-platform"))).select_by_value("linkedin")
    # A manual-upload platform asks for the export folder, not a secret.
    fields = [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, "#connect-credentials input")]
    assert fields == ["connect-directory"], fields
    browser.find_element(By.ID, "connect-directory").send_keys("relative/path")
    browser.find_element(By.ID, "connect-submit").click()
    WebDriverWait(browser, 15).until(lambda b: "absolute" in (text_of(b, "#connect-form") or ""))
    folder = os.path.join(daemon.data_dir, "exports", "linkedin")
    directory = browser.find_element(By.ID, "connect-directory")
    directory.clear()
    directory.send_keys(folder)
    browser.find_element(By.ID, "connect-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#accounts-table tr[data-platform=linkedin]"))
    account = requests.get(daemon.url + "/api/v1/platform-accounts", headers=session, timeout=10).json()["data"][0]["id"]

    r = requests.post(daemon.url + "/api/v1/content", headers=session, timeout=10,
                      json={"kind": "social_post", "title": "Harvest", "body": "Harvest report from the Lisbon gardens", "status": "ready"})
    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).isoformat(timespec="seconds")
    r = requests.post(daemon.url + f"/api/v1/content/{r.json()['id']}/publish", headers=session, timeout=10, json={"targets": [{"account": account, "at": at}]})
    assert r.status_code == 201, r.text
    pid = r.json()["data"][0]["id"]
    browser.find_element(By.ID, "calendar-tab-calendar").click()
    WebDriverWait(browser, 40).until(lambda b: (chip_state(b, pid) or "").startswith("awaiting_manual|"))
    assert "Awaiting manual upload" in chip_state(browser, pid)
    assert os.path.isdir(os.path.join(folder, str(pid))), os.listdir(folder)
    browser.find_element(By.CSS_SELECTOR, f"#pub-week .pub-chip[data-id='{pid}']").click()
    url = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "pub-confirm-url"))
    url.send_keys("https://www.linkedin.com/feed/update/urn:li:activity:1")
    browser.find_element(By.CSS_SELECTOR, "#pub-confirm-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: text_of(b, "#pub-detail-state") == "Published")
    assert browser.find_element(By.ID, "pub-detail-url").get_attribute("href") == "https://www.linkedin.com/feed/update/urn:li:activity:1"
    assert (chip_state(browser, pid) or "").startswith("published|")
    p = requests.get(daemon.url + f"/api/v1/publications/{pid}", headers=session, timeout=10).json()
    assert p["state"] == "published" and p["post_url"].endswith("activity:1")

    # On a phone every view fits the screen's width (wide grids scroll inside their own box).
    browser.set_window_size(390, 844)
    fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    for tab in ["calendar", "compose", "accounts"]:
        browser.execute_script("document.getElementById(arguments[0]).click()", f"calendar-tab-{tab}")
        assert browser.execute_script(fits), tab
    browser.execute_script("document.getElementById('calendar-tab-calendar').click(); document.getElementById('pub-view-month').click()")
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, f"#pub-month .pub-chip[data-id='{pid}']"))
    assert browser.find_element(By.ID, "pub-detail").is_displayed() and browser.execute_script(fits)
    assert script_errors(browser) == []
