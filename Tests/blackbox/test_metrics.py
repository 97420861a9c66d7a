"""Issue 6: metric snapshots are idempotent and a creator's user_metrics agree with a full recount."""
import random

import requests


def post_content(daemon, title):
    r = requests.post(daemon.url + "/api/v1/content", json={"kind": "article", "title": title, "body": f"Body of {title}."},
                      headers=daemon.auth(), timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def client_recount(daemon, content_ids):
    """What user_metrics should say, computed from the per-content series alone."""
    latest = []
    for cid in content_ids:
        series = requests.get(daemon.url + f"/api/v1/content/{cid}/metrics", headers=daemon.auth(), timeout=10).json()["series"]
        for s in series:
            last = max(s["points"], key=lambda p: p["at"])
            views = last["views"]
            latest.append(0.0 if views == 0 else (last["likes"] + last["comments"] + last["shares"] + last["saves"]) / views)
    return len(content_ids), (sum(latest) / len(latest) if latest else 0.0), len(latest)


def test_same_snapshot_twice_is_one_and_user_metrics_match_a_recount(daemon):
    ids = [post_content(daemon, f"Piece {i}") for i in range(4)]
    rng = random.Random(7)
    snapshots = []
    for cid in ids[:3]:
        for platform in ["x", "mastodon"]:
            for hour in range(3):
                views = rng.randint(0, 5000)
                snapshots.append({"content_id": cid, "platform": platform, "at": f"2026-11-30T{10 + hour:02d}:00:00Z", "views": views,
                                  "likes": rng.randint(0, 300), "comments": rng.randint(0, 50), "shares": rng.randint(0, 40),
                                  "saves": rng.randint(0, 20), "watch_seconds": rng.randint(0, 10000)})
    for _ in range(2):   # the same batch twice
        r = requests.post(daemon.url + "/api/v1/metrics", json={"snapshots": snapshots}, headers=daemon.auth(), timeout=30)
        assert r.status_code in (200, 201), r.text
    series = requests.get(daemon.url + f"/api/v1/content/{ids[0]}/metrics", headers=daemon.auth(), timeout=10).json()["series"]
    assert sorted(s["platform"] for s in series) == ["mastodon", "x"]
    assert all(len(s["points"]) == 3 for s in series), series

    def check():
        mine = requests.get(daemon.url + "/api/v1/creators/me/metrics", headers=daemon.auth(), timeout=10).json()
        count, average, pairs = client_recount(daemon, ids)
        assert mine["content_count"] == count
        assert mine["measured_pairs"] == pairs
        assert abs(mine["average_engagement"] - average) < 1e-6, (mine, average)
        full = requests.get(daemon.url + "/api/v1/creators/me/metrics?recount=true", headers=daemon.auth(), timeout=10).json()
        assert full["consistent"] is True, full
    check()
    # A changed figure for the same (content, platform, at) replaces it; deleting content drops its pairs.
    changed = dict(snapshots[0], likes=snapshots[0]["likes"] + 100)
    assert requests.post(daemon.url + "/api/v1/metrics", json={"snapshots": [changed]}, headers=daemon.auth(), timeout=10).status_code in (200, 201)
    assert requests.delete(daemon.url + f"/api/v1/content/{ids[1]}", headers=daemon.auth(), timeout=10).status_code in (200, 204)
    ids.remove(ids[1])
    check()


def test_bad_snapshots_are_rejected_whole_naming_the_item(daemon):
    cid = post_content(daemon, "Target")
    good = {"content_id": cid, "platform": "x", "at": "2026-11-30T10:00:00Z", "views": 10, "likes": 1, "comments": 0, "shares": 0, "saves": 0, "watch_seconds": 0}
    for bad, field in [(dict(good, views=-1), "views"), (dict(good, at="yesterday"), "at"), (dict(good, content_id="nope"), "content_id"),
                       (dict(good, likes="many"), "likes")]:
        r = requests.post(daemon.url + "/api/v1/metrics", json={"snapshots": [good, bad]}, headers=daemon.auth(), timeout=10)
        assert 400 <= r.status_code < 500, (bad, r.text)
        assert "snapshots[1]" in r.text and field in r.text, r.text
    series = requests.get(daemon.url + f"/api/v1/content/{cid}/metrics", headers=daemon.auth(), timeout=10).json()["series"]
    assert series == [], "a rejected batch writes nothing"
