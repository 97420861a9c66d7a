"""Every bad-input line of the foundation issue, against the running daemon."""
import socket
import time


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


def test_garbage_request_line_is_400(daemon):
    for garbage in [b"GARBAGE\r\n\r\n", b"GARBAGE GARBAGE GARBAGE\r\n\r\n", b"GET /\r\n\r\n",
                    b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", b"\x16\x03\x01\x00\x05hello\r\n\r\n"]:
        assert status_of(daemon.raw(garbage)) == 400, garbage


def test_headers_over_16_kib_are_431(daemon):
    # The reply may race the reset that follows it (unread bytes); a few tries settle it.
    statuses = [status_of(daemon.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: " + b"a" * 17000 + b"\r\n\r\n")) for _ in range(5)]
    assert 431 in statuses and all(s in (431, None) for s in statuses), statuses


def test_body_over_the_limit_is_413_without_reading_it(daemon):
    # Announce 50 MB and send nothing: the answer must come without the body.
    raw = daemon.raw(b"POST /api/v1/version HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n", read_timeout=3)
    assert status_of(raw) == 413
    assert b"application/problem+json" in raw


def test_unknown_route_is_404_problem_json(daemon):
    r = daemon.get("/api/v1/does-not-exist")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404 and body["title"] and body["detail"] and body["type"]


def test_wrong_method_is_405_with_allow(daemon):
    r = daemon.post("/api/v1/version", json={})
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]


def test_no_file_outside_web_static(daemon):
    for path in [b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", b"/..%2f..%2fetc%2fpasswd",
                 b"/js/../../../etc/passwd", b"/%252e%252e/etc/passwd", b"//etc/passwd", b"/.%2e/.%2e/etc/passwd"]:
        raw = daemon.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(raw) == 404, path
        assert b"root:" not in raw


def test_admin_page_and_security_headers(daemon):
    r = daemon.get("/")
    assert r.status_code == 200
    assert "text/html" in r.headers["Content-Type"]
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    etag = r.headers["ETag"]
    assert daemon.get("/", headers={"If-None-Match": etag}).status_code == 304
    js = daemon.get("/js/app.js")
    assert js.headers["Content-Type"].startswith("text/javascript")


def test_slow_header_client_is_cut_off(tmp_path):
    from conftest import Daemon
    d = Daemon(str(tmp_path / "data"), extra_args=["--set", "http.header_timeout_seconds=2"])
    try:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        start = time.monotonic()
        closed = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                s.sendall(bytes([byte]))
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.5)
            if time.monotonic() - start > 8:
                break
        assert closed, "a client sending a header byte every half second must be cut off"
        assert time.monotonic() - start < 6
        assert d.get("/healthz").status_code == 200
    finally:
        d.stop()


def test_invalid_json_is_400_naming_the_position(daemon):
    r = daemon.admin_post("/api/v1/graph/nodes", data='{"labels": ["Creator"],\n "properties": {"a": }}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "line 2, column 22" in r.json()["detail"]


def test_wrong_content_type_on_a_json_route_is_415(daemon):
    r = daemon.admin_post("/api/v1/graph/nodes", data='{"labels": ["X"]}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]
