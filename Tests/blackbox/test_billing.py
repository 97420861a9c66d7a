"""Billing black-box: demo data through `studio demo seed`, the daemon's dashboard showing real MRR against the
$100k target (over HTTP and in a real browser), and `studio billing check` after `kill -9` of billing work.

The daemon requires signing in: an admin is made with `studio user create … --password-stdin` and signs in through
POST /api/v1/auth/login. Tests skip while the daemon does not serve the billing routes (or the CLI lacks the
`billing`/`demo` commands), i.e. until the app wires BillingService and BillingCommand/DemoCommand in."""
import os
import signal
import subprocess
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BIN, REPO, Daemon, run_studio
from test_browser import PASSWORD, browser, create_user, severe_errors, sign_in  # noqa: F401 (browser is a fixture)

TARGET_CENTS = 100_000_00


def cli_has_billing():
    return run_studio("billing", "--help").returncode == 0 and run_studio("demo", "--help").returncode == 0


def login(daemon, email, password=PASSWORD):
    r = daemon.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def all_pages(daemon, path, headers):
    items, after = [], None
    while True:
        r = daemon.get(path, params={"limit": 1000, **({"after": after} if after else {})}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["data"]
        after = body.get("next_cursor")
        if not after:
            return items


@pytest.fixture
def seeded(data_dir):
    """A data directory with the demo business, then the daemon on it and a signed-in admin."""
    if not cli_has_billing():
        pytest.skip("studio has no billing/demo commands yet (BillingCommand, DemoCommand not registered)")
    seed = run_studio("demo", "seed", "--data-dir", data_dir, timeout=300)
    assert seed.returncode == 0, seed.stderr
    assert "demo seeded" in seed.stdout
    d = Daemon(data_dir)
    try:
        if d.get("/api/v1/dashboard").status_code == 404:
            pytest.skip("the daemon does not serve /api/v1/dashboard yet (BillingService not wired)")
        email = create_user(data_dir, "admin@example.com", "admin")
        yield d, email, login(d, email)
    finally:
        if d.proc.poll() is None:
            d.stop(signal.SIGKILL)


def test_dashboard_shows_real_mrr_from_demo_data(seeded):
    daemon, _, headers = seeded
    assert daemon.get("/api/v1/dashboard").status_code in (401, 403), "the dashboard is for admins only"
    r = daemon.get("/api/v1/dashboard", headers=headers)
    assert r.status_code == 200, r.text
    dash = r.json()
    mrr = dash["mrr"]["current"]
    assert set(mrr) == {"amount", "currency"} and mrr["currency"] == "USD"
    assert isinstance(mrr["amount"], int) and mrr["amount"] > 0
    assert dash["mrr"]["target"] == {"amount": TARGET_CENTS, "currency": "USD"}
    assert dash["users"]["active"] > 0 and dash["users"]["total"] >= dash["users"]["active"]
    assert daemon.get("/api/v1/revenue/mrr", headers=headers).json()["mrr"] == mrr

    # The same figure recomputed here from the subscriptions and the catalogue: monthly price (annual / 12)
    # less the discount, for USD customers' active and past-due subscriptions (rounding: within a cent each).
    plans = {p["code"]: p for p in daemon.get("/api/v1/billing/plans", headers=headers).json()["data"]}
    usd_customers = {c["id"] for c in all_pages(daemon, "/api/v1/billing/customers", headers) if c["currency"] == "USD"}
    counted = [s for s in all_pages(daemon, "/api/v1/billing/subscriptions", headers)
               if s["status"] in ("active", "past_due") and s["customer_id"] in usd_customers and plans[s["plan_code"]]["kind"] != "metered"]
    expected = 0
    for s in counted:
        plan = plans[s["plan_code"]]
        months = 12 if plan["interval"] == "year" else 1
        expected += plan["price"]["amount"]["amount"] * (10_000 - s["discount_bp"]) / 10_000 / months
    assert counted, "the demo has paying USD subscriptions"
    assert abs(mrr["amount"] - expected) <= len(counted), (mrr, expected)


def test_invoice_print_page_and_bad_input_over_http(seeded):
    daemon, _, headers = seeded
    invoices = all_pages(daemon, "/api/v1/billing/invoices", headers)
    final = next(i for i in invoices if i["number"])
    page = daemon.get(f"/api/v1/billing/invoices/{final['id']}/html", headers=headers)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert final["number"] in page.text and "@media print" in page.text
    assert "style-src 'unsafe-inline'" in page.headers["Content-Security-Policy"]
    bad = daemon.post("/api/v1/billing/payments", headers=headers,
                      json={"invoice_id": final["id"], "amount": {"amount": 12.5, "currency": "USD"}})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["amount.amount"]
    hook = daemon.post("/api/v1/webhooks/stripe", data=b'{"id":"evt_x","type":"invoice.paid","data":{"object":{}}}',
                       headers={"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00"})
    assert hook.status_code in (400, 503), hook.text


def test_billing_check_passes_after_kill_9_of_billing_work(data_dir):
    if not cli_has_billing():
        pytest.skip("studio has no billing/demo commands yet")
    # Demo seeding replays a year of billing runs day by day: kill it mid-way, twice.
    for delay in (1.5, 3.0):
        p = subprocess.Popen([BIN, "demo", "seed", "--data-dir", data_dir], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        killed = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        if not killed:
            break
        check = run_studio("billing", "check", "--data-dir", data_dir, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        # Partial demo data is removable and re-seedable.
        assert run_studio("demo", "remove", "--data-dir", data_dir, timeout=120).returncode == 0
    # A fast (release) build may finish seeding before the kill: start the final seed from none.
    assert run_studio("demo", "remove", "--data-dir", data_dir, timeout=120).returncode == 0
    assert run_studio("demo", "seed", "--data-dir", data_dir, timeout=300).returncode == 0
    # A billing run killed at once, then run again to completion: the rerun finishes the job, a third finds nothing.
    p = subprocess.Popen([BIN, "billing", "run", "--data-dir", data_dir], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    second = run_studio("billing", "run", "--data-dir", data_dir, timeout=120)
    assert second.returncode == 0, second.stderr
    third = run_studio("billing", "run", "--data-dir", data_dir, timeout=120)
    assert third.returncode == 0 and third.stdout.startswith("billing run: 0 invoices"), third.stdout
    check = run_studio("billing", "check", "--data-dir", data_dir, timeout=120)
    assert check.returncode == 0 and "billing check: ok" in check.stdout, check.stdout + check.stderr


def test_dashboard_page_shows_mrr_against_the_target_in_a_browser(seeded, browser):  # noqa: F811
    daemon, email, headers = seeded
    mrr = daemon.get("/api/v1/dashboard", headers=headers).json()["mrr"]["current"]["amount"]
    shown = f"${mrr // 100:,}.{mrr % 100:02d}"
    sign_in(browser, daemon.url, email, hash_path="/#/dashboard")
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "mrr-current").text == shown)
    assert browser.find_element(By.ID, "mrr-target").text == "$100,000.00"
    progress = browser.find_element(By.ID, "mrr-progress").text
    assert progress == f"{round(mrr * 10_000 / TARGET_CENTS) / 100:.2f} %"
    title = browser.execute_script("return document.getElementById('mrr-chart-title').textContent")
    assert shown in title and "$100,000.00" in title
    bar = float(browser.find_element(By.ID, "mrr-progress-bar").get_attribute("width"))
    track = float(browser.execute_script("return document.querySelector('.mrr-chart .bar-back').getAttribute('width')"))
    assert abs(bar / track - min(1, mrr / TARGET_CENTS)) < 0.01
    assert browser.find_element(By.ID, "version").text == daemon.get("/api/v1/version").json()["version"]
    assert severe_errors(browser) == []
