"""The graph REST surface of the running daemon: typed values survive the trip exactly."""
import subprocess

from conftest import run_studio


def test_int64_above_2_53_and_datetime_with_offset_round_trip(daemon):
    big = 2**53 + 1
    body = '{"labels": ["Creator"], "properties": {"views": %d, "joined": {"$datetime": "2026-03-01T10:00:00+02:00"}, "ratio": 1.0}}' % big
    r = daemon.admin_post("/api/v1/graph/nodes", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    node_id = r.json()["id"]
    raw = daemon.admin_get(f"/api/v1/graph/nodes/{node_id}").text
    assert f'"views":{big}' in raw.replace(" ", "")
    node = daemon.admin_get(f"/api/v1/graph/nodes/{node_id}").json()
    assert node["labels"] == ["Creator"]
    assert node["properties"]["joined"] == {"$datetime": "2026-03-01T10:00:00+02:00"}


def test_missing_nodes_and_dangling_relationships(daemon):
    assert daemon.admin_get("/api/v1/graph/nodes/999999").status_code == 404
    r = daemon.admin_post("/api/v1/graph/relationships", json={"type": "CREATED", "start": 999998, "end": 999999, "properties": {}})
    assert r.status_code == 422


def test_unique_index_conflict_is_409_naming_the_index(daemon):
    assert daemon.admin_post("/api/v1/graph/indexes", json={"label": "Creator", "property": "handle", "unique": True}).status_code in (200, 201)
    assert daemon.admin_post("/api/v1/graph/nodes", json={"labels": ["Creator"], "properties": {"handle": "ana"}}).status_code == 201
    r = daemon.admin_post("/api/v1/graph/nodes", json={"labels": ["Creator"], "properties": {"handle": "ana"}})
    assert r.status_code == 409
    assert "Creator" in r.json()["detail"] and "handle" in r.json()["detail"]


def test_graph_routes_need_an_admin(daemon):
    assert daemon.get("/api/v1/graph/stats").status_code == 401
    assert daemon.post("/api/v1/graph/nodes", json={"labels": ["X"], "properties": {}}).status_code == 401
