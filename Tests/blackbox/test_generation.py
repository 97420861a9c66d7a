"""Issue 6 acceptance against the real daemon: builtin generation on a fresh install, routing by policy and
fallback against a fake OpenAI-compatible server, budgets, and durable jobs across kill -9."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import Daemon

HERE = os.path.dirname(os.path.abspath(__file__))

ARTICLE = (
    "Sourdough baking at home has become a quiet obsession for many people. A starter needs only flour and water, "
    "yet it rewards patience with a loaf that shop bread cannot match. The secret is time: a long, cool fermentation "
    "develops flavour and makes the crumb open and glossy. Beginners often rush the bulk rise, then blame their flour. "
    "Instead, watch the dough, not the clock, and look for a domed surface with a few bubbles at the edges. "
    "Shaping builds tension so the loaf stands tall in the oven. Bake it hot in a covered pot for steam, then uncover "
    "it to brown the crust. Finally, let it cool completely before slicing, because the crumb is still setting. "
    "With a little practice, a weekly bake becomes a calm ritual and a gift to share with friends and neighbours."
)


class FakeModelServer:
    """fake_openai.py in its own process, so a test can kill it in the middle of a request."""

    def __init__(self, delay=0.0, mode="ok"):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_openai.py"), "--delay", str(delay), "--mode", mode],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def stats(self):
        return requests.get(self.url + "/stats", timeout=5).json()

    def set(self, **change):
        requests.post(self.url + "/mode", json=change, timeout=5)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def fakes():
    servers = []

    def start(**kwargs):
        server = FakeModelServer(**kwargs)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.kill()


def model(name, endpoint, cost, quality, timeout=10):
    return {"name": name, "provider": "openai", "endpoint": endpoint, "model": name, "cost_per_1k_input": cost, "cost_per_1k_output": cost,
            "quality": quality, "speed": 100, "context_length": 32000, "timeout_seconds": timeout, "enabled": True,
            "capabilities": ["title", "caption", "hashtags", "meta_description", "social_post", "article", "email", "podcast_script", "repurpose", "translation"]}


def builtin():
    return {"name": "builtin", "provider": "builtin", "cost_per_1k_input": 0, "cost_per_1k_output": 0, "quality": 0.5, "speed": 100000,
            "context_length": 1000000, "timeout_seconds": 10, "enabled": True,
            "capabilities": ["title", "caption", "hashtags", "meta_description", "social_post", "article", "email", "podcast_script", "repurpose"]}


def start_daemon(data_dir, models, *settings):
    path = os.path.join(os.path.dirname(data_dir), "models.json")
    with open(path, "w") as f:
        json.dump({"currency": "USD", "models": models}, f)
    args = ["--set", f"generation.models_file={path}", "--set", "rate_limit.default_per_minute=100000"]
    for s in settings:
        args += ["--set", s]
    return Daemon(data_dir, extra_args=args)


def generate(daemon, body, timeout=30):
    return requests.post(daemon.url + "/api/v1/generate", json=body, headers=daemon.auth(), timeout=timeout)


def x_weighted_length(text):
    total = 0
    for ch in re.sub(r"https?://\S+", "x" * 23, text):
        cp = ord(ch)
        total += 1 if cp <= 0x10FF or 0x2000 <= cp <= 0x200D or 0x2010 <= cp <= 0x201F or 0x2032 <= cp <= 0x2037 else 2
    return total


def test_fresh_install_generates_title_hashtags_meta_and_x_post(daemon):
    results = {}
    for kind, extra in [("title", {}), ("hashtags", {}), ("meta_description", {}), ("social_post", {"platform": "x"})]:
        r = generate(daemon, {"kind": kind, "input": ARTICLE, **extra})
        assert r.status_code == 200, r.text
        job = r.json()
        assert job["status"] == "succeeded"
        result = job["result"]
        assert result["model"] == "builtin"
        assert result["text"].strip()
        assert result["attempts"] and result["attempts"][-1]["model"] == "builtin"
        results[kind] = result["text"]
    assert len(results["title"]) <= 100
    assert re.search(r"#\w+", results["hashtags"])
    assert 50 <= len(results["meta_description"]) <= 160
    assert x_weighted_length(results["social_post"]) <= 280
    # The generated pieces are stored as content of the caller.
    listed = requests.get(daemon.url + "/api/v1/content?limit=100", headers=daemon.auth(), timeout=10).json()
    assert len(listed["data"]) >= 4


def test_translation_is_declined_by_the_builtin_model_naming_what_can(daemon):
    r = generate(daemon, {"kind": "translation", "input": ARTICLE, "language": "fr"})
    assert r.status_code == 422, r.text
    assert "translation" in r.json()["detail"]


def test_bad_generation_requests_are_4xx_naming_the_field(daemon):
    for body, field in [({"input": ARTICLE}, "kind"), ({"kind": "poem", "input": ARTICLE}, "kind"), ({"kind": "title"}, "input"),
                        ({"kind": "title", "input": "   "}, "input"), ({"kind": "title", "input": ARTICLE, "policy": "cheapest"}, "policy"),
                        ({"kind": "title", "input": ARTICLE, "model": "nope"}, "model"),
                        ({"kind": "social_post", "input": ARTICLE, "platform": "myspace"}, "platform")]:
        r = generate(daemon, body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert field in json.dumps(r.json()), (body, r.text)
    big = requests.post(daemon.url + "/api/v1/generate", data=b'{"kind":"title","input":"' + b"a" * (2 << 20) + b'"}',
                        headers={**daemon.auth(), "Content-Type": "application/json"}, timeout=30)
    assert big.status_code == 413


def test_policies_pick_cheapest_and_best_and_a_killed_server_falls_back(data_dir, fakes):
    primary, secondary = fakes(), fakes()
    d = start_daemon(data_dir, [model("cheap", secondary.url, "0.0001", 0.70), model("good", secondary.url, "0.002", 0.90),
                                model("best", primary.url, "0.01", 0.95), builtin()],
                     "generation.daily_budget_micros=100000000")
    try:
        cheap = generate(d, {"kind": "title", "input": ARTICLE, "policy": "cost", "min_quality": 0.6})
        assert cheap.status_code == 200, cheap.text
        assert cheap.json()["result"]["model"] == "cheap"
        best = generate(d, {"kind": "title", "input": ARTICLE, "policy": "quality"})
        assert best.status_code == 200, best.text
        assert best.json()["result"]["model"] == "best"
        result = best.json()["result"]
        assert result["input_tokens"] == 1000 and result["output_tokens"] == 500   # from the server's usage
        assert result["cost_micros"] == 15000                                      # 1.5k tokens at $0.01 per 1k
        # The best model's server dies in the middle of the next request: the answer comes from the next best.
        primary.set(delay=3)
        outcome = {}
        t = threading.Thread(target=lambda: outcome.update(r=generate(d, {"kind": "title", "input": ARTICLE, "policy": "quality"}, timeout=60)))
        t.start()
        time.sleep(1.0)
        primary.kill()
        t.join(60)
        r = outcome["r"]
        assert r.status_code == 200, r.text
        result = r.json()["result"]
        assert result["model"] == "good"
        tried = [a["model"] for a in result["attempts"]]
        assert tried[:2] == ["best", "good"], result["attempts"]
        assert result["attempts"][0]["outcome"] != "ok"
    finally:
        d.stop()


def test_budget_exceeding_request_is_402_and_no_provider_call_is_made(data_dir, fakes):
    server = fakes()
    d = start_daemon(data_dir, [model("best", server.url, "0.03", 0.95), builtin()], "generation.daily_budget_micros=1000")
    try:
        r = generate(d, {"kind": "article", "input": ARTICLE, "model": "best"})
        assert r.status_code == 402, r.text
        assert "budget" in r.json()["detail"].lower()
        assert server.stats()["requests"] == 0
    finally:
        d.stop()


def test_jobs_queued_before_kill_9_finish_after_restart_exactly_once(data_dir, fakes):
    server = fakes(delay=0.4)
    models = [model("slow", server.url, "0", 0.9, timeout=20), builtin()]
    d = start_daemon(data_dir, models, "generation.concurrency=2")
    items = [{"kind": "title", "input": f"{ARTICLE} Batch item {i}.", "model": "slow"} for i in range(12)]
    r = requests.post(d.url + "/api/v1/generate/batch", json={"items": items}, headers=d.auth(), timeout=30)
    assert r.status_code == 202, r.text
    jobs = [j["id"] for j in r.json()["jobs"]]
    token = d.auth()
    time.sleep(1.0)
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(timeout=10)
    d.log.close()
    d2 = start_daemon(data_dir, models, "generation.concurrency=2")
    try:
        deadline = time.time() + 60
        states = {}
        while time.time() < deadline:
            states = {j: requests.get(d2.url + f"/api/v1/jobs/{j}", headers=d2.auth(), timeout=10).json() for j in jobs}
            if all(s["status"] in ("succeeded", "failed") for s in states.values()):
                break
            time.sleep(0.5)
        assert all(s["status"] == "succeeded" for s in states.values()), {j: s["status"] for j, s in states.items()}
        content_ids = [s["result"]["content_id"] for s in states.values()]
        assert len(set(content_ids)) == len(jobs)
        listed = requests.get(d2.url + "/api/v1/content?limit=100&kind=title", headers=d2.auth(), timeout=10).json()["data"]
        stored = [c["id"] for c in listed]
        for cid in content_ids:
            assert stored.count(cid) == 1, cid
        assert len(stored) == len(jobs)
    finally:
        d2.stop()
