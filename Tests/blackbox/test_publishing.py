"""Issue 7 against the real daemon and the fake Mastodon/Bluesky/webhook server (fake_social.py)."""
import datetime
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import requests

from conftest import Daemon

HERE = os.path.dirname(os.path.abspath(__file__))
WEBHOOK_SECRET = "whsec-fake-0123456789"


class FakeSocial:
    def __init__(self, state, port=0):
        self.state = state
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_social.py"), "--port", str(port), "--state", state],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline().split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def stats(self):
        return requests.get(self.url + "/_stats", timeout=10).json()

    def control(self, **body):
        r = requests.post(self.url + "/_control", json=body, timeout=10)
        assert r.status_code == 200, r.text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def social(tmp_path):
    fake = FakeSocial(str(tmp_path / "social.jsonl"))
    yield fake
    fake.stop()


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def api(daemon, method, path, headers, **kwargs):
    return requests.request(method, daemon.url + path, headers=headers, timeout=30, **kwargs)


def connect_all(daemon, headers, social):
    accounts = {}
    for platform, credentials in [("mastodon", {"instance": social.url, "access_token": "mastodon-token"}),
                                  ("bluesky", {"service": social.url, "identifier": "ada.test", "app_password": "abcd-efgh-ijkl-mnop"}),
                                  ("webhook", {"url": social.url + "/hook", "secret": WEBHOOK_SECRET})]:
        r = api(daemon, "POST", "/api/v1/platform-accounts", headers, json={"platform": platform, "label": platform, "credentials": credentials})
        assert r.status_code == 201, r.text
        account = r.json()
        secret = credentials.get("access_token") or credentials.get("app_password") or credentials.get("secret")
        assert "credentials" not in account and secret not in r.text
        accounts[platform] = account["id"]
    return accounts


def new_content(daemon, headers, text):
    r = api(daemon, "POST", "/api/v1/content", headers, json={"kind": "social_post", "title": text[:60], "body": text, "status": "ready"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def wait_final(daemon, headers, expected, timeout=240):
    deadline = time.time() + timeout
    pubs = []
    while time.time() < deadline:
        pubs, after = [], None
        while True:
            r = api(daemon, "GET", "/api/v1/publications?limit=500" + (f"&after={after}" if after else ""), headers)
            assert r.status_code == 200, r.text
            page = r.json()
            pubs += page["data"]
            after = page.get("next_cursor")
            if not after:
                break
        if len(pubs) == expected and all(p["state"] in ("published", "failed", "cancelled", "awaiting_manual") for p in pubs):
            return pubs
        time.sleep(1)
    return pubs


def test_connect_verifies_credentials_and_never_returns_them(daemon, social):
    headers = daemon.auth()
    bad = api(daemon, "POST", "/api/v1/platform-accounts", headers,
              json={"platform": "mastodon", "credentials": {"instance": social.url, "access_token": "wrong-token"}})
    assert bad.status_code == 422, bad.text
    assert "wrong-token" not in bad.text
    for body, field in [({"platform": "myspace", "credentials": {"a": "b"}}, "platform"), ({"platform": "mastodon"}, "credentials"),
                        ({"platform": "mastodon", "credentials": {"instance": 5}}, "credentials.instance")]:
        r = api(daemon, "POST", "/api/v1/platform-accounts", headers, json=body)
        assert r.status_code in (400, 422), r.text
        assert field in r.text
    accounts = connect_all(daemon, headers, social)
    listed = api(daemon, "GET", "/api/v1/platform-accounts", headers).json()["data"]
    assert {a["id"] for a in listed} == set(accounts.values())
    assert "mastodon-token" not in json.dumps(listed) and "abcd-efgh" not in json.dumps(listed)
    # Stored encrypted: the secret is not in the database file.
    with open(os.path.join(daemon.data_dir, "publishing.sqlite3"), "rb") as f:
        raw = f.read()
    for path in [os.path.join(daemon.data_dir, "publishing.sqlite3-wal")]:
        if os.path.exists(path):
            raw += open(path, "rb").read()
    assert b"mastodon-token" not in raw and b"abcd-efgh-ijkl-mnop" not in raw and WEBHOOK_SECRET.encode() not in raw
    key = [n for n in os.listdir(daemon.data_dir) if n.endswith(".key")]
    assert key and oct(os.stat(os.path.join(daemon.data_dir, key[0])).st_mode & 0o777) == "0o600"


def test_compose_shows_x_over_and_mastodon_within_for_400_characters(daemon):
    text = ("Baking sourdough at home takes patience, flour, water and a little courage. " * 6)[:400]
    r = api(daemon, "POST", "/api/v1/compose/preview", daemon.auth(), json={"text": text, "platforms": ["x", "mastodon"]})
    assert r.status_code == 200, r.text
    previews = {p["platform"]: p for p in r.json()["previews"]}
    assert previews["x"]["fits"] is False and previews["x"]["thread_available"] is True
    assert any("280" in w for w in previews["x"]["warnings"])
    assert previews["mastodon"]["fits"] is True and previews["mastodon"]["warnings"] == []
    thread = api(daemon, "POST", "/api/v1/compose/preview", daemon.auth(), json={"text": text, "platforms": ["x"], "thread": True}).json()
    assert thread["previews"][0]["fits"] is True and len(thread["previews"][0]["parts"]) >= 2


def test_bad_publish_requests_get_specific_messages(daemon, social):
    headers = daemon.auth()
    accounts = connect_all(daemon, headers, social)
    cid = new_content(daemon, headers, "A short post about bread.")
    long_id = new_content(daemon, headers, "word " * 200)
    cases = [
        ({"targets": [{"account": "acc_nope"}]}, "not one of your connected accounts"),
        ({"targets": [{"account": accounts["mastodon"], "at": "2020-01-01T00:00:00Z"}]}, "past"),
        ({"targets": [{"account": accounts["mastodon"], "at": "tomorrow"}]}, "RFC 3339"),
        ({"targets": []}, "targets"),
        ({"targets": [{"account": accounts["mastodon"]}], "time_zone": "Mars/Olympus"}, "Mars/Olympus"),
    ]
    for body, words in cases:
        r = api(daemon, "POST", f"/api/v1/content/{cid}/publish", headers, json=body)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert words in r.text, (body, r.text)
    too_long = api(daemon, "POST", f"/api/v1/content/{long_id}/publish", headers, json={"targets": [{"account": accounts["bluesky"]}]})
    assert too_long.status_code == 422, too_long.text
    assert "300" in too_long.text or "thread" in too_long.text
    assert api(daemon, "GET", "/api/v1/publications", headers).json()["data"] == []


def test_a_platform_answering_html_or_no_id_fails_with_a_clear_reason(daemon, social):
    headers = daemon.auth()
    accounts = connect_all(daemon, headers, social)
    reasons = {}
    for mode in ["html", "noid"]:
        social.control(mode=mode, count=1, platform="mastodon")
        cid = new_content(daemon, headers, f"Post for the {mode} case.")
        r = api(daemon, "POST", f"/api/v1/content/{cid}/publish", headers, json={"targets": [{"account": accounts["mastodon"], "at": iso(1)}]})
        assert r.status_code == 201, r.text
        pid = r.json()["data"][0]["id"]
        deadline = time.time() + 60
        while time.time() < deadline:
            p = api(daemon, "GET", f"/api/v1/publications/{pid}", headers).json()
            if p["state"] in ("failed", "published"):
                break
            time.sleep(0.5)
        assert p["state"] == "failed", p
        reasons[mode] = p["reason"]
    assert "HTML" in reasons["html"] or "html" in reasons["html"], reasons
    assert "id" in reasons["noid"], reasons


def test_503_then_429_with_retry_after_then_success_posts_exactly_once(daemon, social):
    headers = daemon.auth()
    accounts = connect_all(daemon, headers, social)
    social.control(mode="503", count=2, platform="mastodon")
    social.control(mode="429", count=1, platform="mastodon", retry_after=3)
    cid = new_content(daemon, headers, "Exactly once through 503 and 429.")
    r = api(daemon, "POST", f"/api/v1/content/{cid}/publish", headers, json={"targets": [{"account": accounts["mastodon"], "at": iso(1)}]})
    assert r.status_code == 201, r.text
    pid = r.json()["data"][0]["id"]
    pubs = wait_final(daemon, headers, 1, timeout=120)
    assert pubs[0]["state"] == "published", pubs
    posts = [p for p in social.stats()["posts"] if p["platform"] == "mastodon" and p["text"].startswith("Exactly once")]
    assert len(posts) == 1
    history = api(daemon, "GET", f"/api/v1/publications/{pid}", headers).json()["attempt_history"]
    statuses = [a.get("http_status") for a in history]
    assert statuses[:3] == [503, 503, 429], history
    started = [datetime.datetime.fromisoformat(a["started_at"].replace("Z", "+00:00")) for a in history]
    assert (started[3] - started[2]).total_seconds() >= 2.9, "Retry-After: 3 honoured"


def test_webhook_signature_verifies_and_a_500_is_retried_with_growing_windows(daemon, social):
    headers = daemon.auth()
    accounts = connect_all(daemon, headers, social)
    social.control(mode="500", count=3, platform="webhook")
    cid = new_content(daemon, headers, "Hello, webhook receivers.")
    r = api(daemon, "POST", f"/api/v1/content/{cid}/publish", headers, json={"targets": [{"account": accounts["webhook"], "at": iso(1)}]})
    assert r.status_code == 201, r.text
    pid = r.json()["data"][0]["id"]
    pubs = wait_final(daemon, headers, 1, timeout=120)
    assert pubs[0]["state"] == "published", pubs
    stats = social.stats()
    assert stats["webhook_refused"] == 0, "every delivery carried a valid v1 signature"
    hooks = [p for p in stats["posts"] if p["platform"] == "webhook"]
    assert len(hooks) == 1 and hooks[0]["parts"] == ["Hello, webhook receivers."]
    history = api(daemon, "GET", f"/api/v1/publications/{pid}", headers).json()["attempt_history"]
    assert [a.get("http_status") for a in history][:3] == [500, 500, 500], history
    started = [datetime.datetime.fromisoformat(a["started_at"].replace("Z", "+00:00")) for a in history]
    gaps = [(b - a).total_seconds() for a, b in zip(started, started[1:])]
    # Full jitter: retry n waits a random time in [0, 2 s x 2^(n-1)], so the windows grow 2, 4, 8 s.
    for n, gap in enumerate(gaps, start=1):
        assert gap <= 2 * 2 ** (n - 1) + 1.5, gaps


def test_documented_webhook_signature_scheme():
    """The scheme in the README, computed independently: v1 = hex HMAC-SHA256(secret, "<timestamp>.<body>")."""
    body = b'{"publication_id":1}'
    ts = "1767225600"
    expected = hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert len(expected) == 64


def test_500_publications_survive_ten_kill_9s_and_post_exactly_once(data_dir, social):
    d = Daemon(data_dir, extra_args=["--set", "rate_limit.default_per_minute=1000000", "--set", "http.access_log=false"])
    headers = d.auth()
    accounts = connect_all(d, headers, social)
    platforms = ["mastodon", "bluesky", "webhook"]
    expected = 0
    contents = []
    for i in range(170):
        text = f"Post {i:03d} of the durability run: bread, patience and a hot oven."
        contents.append((new_content(d, headers, text), text))
    start = 4.0
    for i, (cid, _) in enumerate(contents):
        targets = [{"account": accounts[p], "at": iso(start + i * 0.06)} for p in platforms]
        r = api(d, "POST", f"/api/v1/content/{cid}/publish", headers, json={"targets": targets})
        assert r.status_code == 201, r.text
        expected += len(targets)
    assert expected >= 500
    rng = random.Random(20261201)
    kills = 0
    deadline = time.time() + 120
    while kills < 10 and time.time() < deadline:
        time.sleep(rng.uniform(0.4, 1.6))
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(timeout=10)
        d.log.close()
        kills += 1
        d = Daemon(data_dir, extra_args=["--set", "rate_limit.default_per_minute=1000000", "--set", "http.access_log=false"])
    assert kills >= 10
    try:
        pubs = wait_final(d, headers, expected, timeout=300)
        states = {}
        for p in pubs:
            states[p["state"]] = states.get(p["state"], 0) + 1
        assert len(pubs) == expected and states == {"published": expected}, states
        posts = social.stats()["posts"]
        for platform in platforms:
            mine = [p for p in posts if p["platform"] == platform]
            if platform == "webhook":
                keys = [p["publication_id"] for p in mine]
            else:
                keys = [p["text"] for p in mine]
            assert len(keys) == len(set(keys)), f"{platform}: duplicates"
            assert len(keys) == len(contents), f"{platform}: {len(keys)} of {len(contents)}"
    finally:
        d.stop()
