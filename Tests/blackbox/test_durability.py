"""kill -9 under write load: every acknowledged write survives and the graph stays consistent."""
import os
import random
import signal
import threading
import time

import requests

from conftest import Daemon, run_studio

# The load comes from one admin: lift the per-user rate limit (its own tests check it).
UNLIMITED = ["--set", "rate_limit.default_per_minute=1000000"]


def write_load(url, acknowledged, stop, worker, headers):
    session = requests.Session()
    session.headers.update(headers)
    seq = 0
    while not stop.is_set():
        seq += 1
        key = f"w{worker}-{seq}-{random.random()}"
        try:
            r = session.post(url + "/api/v1/graph/nodes", json={"labels": ["Metric"], "properties": {"key": key, "views": seq}}, timeout=5)
        except requests.RequestException:
            return  # the daemon died mid-request: that write was never acknowledged
        if r.status_code == 201:
            acknowledged.append((r.json()["id"], key))


def test_kill_9_twenty_times_loses_nothing_acknowledged(data_dir):
    rng = random.Random(20261201)
    acknowledged = []
    kills = 0
    for round_ in range(20):
        d = Daemon(data_dir, extra_args=UNLIMITED)
        try:
            # Everything acknowledged before earlier kills is still there.
            if round_ in (0, 10, 19) or len(acknowledged) < 400:
                sample = acknowledged
            else:
                sample = rng.sample(acknowledged, 400)
            session = requests.Session()
            session.headers.update(d.auth())
            for node_id, key in sample:
                r = session.get(f"{d.url}/api/v1/graph/nodes/{node_id}", timeout=5)
                assert r.status_code == 200, (round_, node_id)
                assert r.json()["properties"]["key"] == key
            stop = threading.Event()
            threads = [threading.Thread(target=write_load, args=(d.url, acknowledged, stop, w, d.auth())) for w in range(4)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, 0.9))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait(timeout=10)
            kills += 1
            stop.set()
            for t in threads:
                t.join(timeout=10)
        finally:
            if d.proc.poll() is None:
                d.proc.kill()
    assert kills >= 20
    assert len(acknowledged) > 100, "the load wrote too little to prove anything"
    d = Daemon(data_dir, extra_args=UNLIMITED)
    try:
        session = requests.Session()
        session.headers.update(d.auth())
        for node_id, key in acknowledged:
            r = session.get(f"{d.url}/api/v1/graph/nodes/{node_id}", timeout=5)
            assert r.status_code == 200 and r.json()["properties"]["key"] == key
    finally:
        assert d.stop() == 0
    check = run_studio("graph", "check", "--data-dir", data_dir)
    assert check.returncode == 0, check.stdout + check.stderr


def test_backup_during_writes_starts_cleanly_and_checks(data_dir, tmp_path):
    d = Daemon(data_dir, extra_args=UNLIMITED)
    acknowledged = []
    stop = threading.Event()
    threads = [threading.Thread(target=write_load, args=(d.url, acknowledged, stop, w, d.auth())) for w in range(3)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        target = str(tmp_path / "backup")
        result = run_studio("backup", target, "--data-dir", data_dir)
        assert result.returncode == 0, result.stderr
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert d.stop() == 0
    check = run_studio("graph", "check", "--data-dir", target)
    assert check.returncode == 0, check.stdout + check.stderr
    copy = Daemon(target)
    try:
        assert copy.get("/readyz").status_code == 200
        stats = copy.admin_get("/api/v1/graph/stats").json()
        assert stats, stats
    finally:
        assert copy.stop() == 0
