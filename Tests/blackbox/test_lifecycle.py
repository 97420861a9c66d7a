"""Start, stop, lock, configuration errors and systemd notifications of the real daemon."""
import json
import os
import signal
import socket
import tempfile
import threading
import time

import requests

from conftest import Daemon, run_studio, BIN, REPO


def test_health_ready_version(daemon):
    assert daemon.get("/healthz").json() == {"status": "ok"}
    ready = daemon.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    version = daemon.get("/api/v1/version").json()
    assert version["version"] and version["commit"] and version["build_date"]
    assert isinstance(version["uptime_seconds"], int)
    assert daemon.get("/healthz").headers["X-Request-Id"]


def test_sigterm_exits_zero_within_ten_seconds_even_with_open_streams(daemon):
    stream = requests.get(daemon.url + "/api/v1/events", stream=True, timeout=10, headers=daemon.auth())
    assert stream.status_code == 200
    start = time.monotonic()
    assert daemon.stop() == 0
    assert time.monotonic() - start < 10
    assert "stopped cleanly" in daemon.logs()


def test_sigint_also_exits_zero(daemon):
    assert daemon.stop(signal.SIGINT) == 0


def test_second_daemon_on_same_directory_refuses(daemon, data_dir):
    result = run_studio("serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0")
    assert result.returncode != 0
    assert "already serving data directory" in result.stderr
    assert daemon.get("/healthz").status_code == 200


def test_data_directory_is_created_private(daemon, data_dir):
    assert os.path.isdir(data_dir)
    assert os.stat(data_dir).st_mode & 0o077 == 0


def test_config_errors_exit_78_naming_the_key(tmp_path):
    bad = tmp_path / "studio.json"
    bad.write_text(json.dumps({"http": {"threads": 0}}))
    result = run_studio("serve", "--config", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 78
    assert "http.threads" in result.stderr and "between 1 and 256" in result.stderr
    bad.write_text(json.dumps({"htpp": {}}))
    result = run_studio("serve", "--config", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 78 and "unknown key \"htpp\"" in result.stderr
    result = run_studio("serve", "--data-dir", str(tmp_path / "d"), env={"STUDIO_LISTEN": "nowhere"})
    assert result.returncode == 78 and "STUDIO_LISTEN" in result.stderr
    bad.write_text("{ not json")
    result = run_studio("serve", "--config", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 78 and "line 1" in result.stderr


def test_environment_and_flags_layer(tmp_path):
    cfg = tmp_path / "studio.json"
    cfg.write_text(json.dumps({"http": {"threads": 3}, "log_level": "warning"}))
    result = run_studio("config", "--config", str(cfg), env={"STUDIO_HTTP_THREADS": "5", "STUDIO_METRICS_TOKEN": "very-secret-value"})
    assert result.returncode == 0, result.stderr
    effective = json.loads(result.stdout)
    assert effective["http.threads"] == {"value": 5, "source": "STUDIO_HTTP_THREADS"}
    assert effective["log_level"]["source"] == str(cfg)
    assert "very-secret-value" not in result.stdout


def test_help_and_version():
    result = run_studio("--help")
    assert result.returncode == 0 and "serve" in result.stdout and "config" in result.stdout
    version = run_studio("--version")
    assert version.returncode == 0 and version.stdout.startswith("studio ")


def test_sd_notify_ready_watchdog_stopping(data_dir):
    path = os.path.join(tempfile.mkdtemp(prefix="notify-"), "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    d = Daemon(data_dir, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"})
    messages = []
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("WATCHDOG=1" in m for m in messages):
            messages.append(sock.recv(4096).decode())
        assert any("READY=1" in m for m in messages), messages
        assert any("WATCHDOG=1" in m for m in messages), messages
        assert d.stop() == 0
        sock.settimeout(2)
        try:
            while True:
                messages.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        assert any("STOPPING=1" in m for m in messages), messages
    finally:
        if d.proc.poll() is None:
            d.stop(signal.SIGKILL)
        sock.close()


def test_many_idle_event_streams_do_not_starve_requests(tmp_path):
    daemon = Daemon(str(tmp_path / "data"), extra_args=["--set", "rate_limit.default_per_minute=100000"])
    streams = []
    auth = daemon.auth()["Authorization"].encode()
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", daemon.port), timeout=5)
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + b"\r\n\r\n")
        streams.append(s)
    assert b"text/event-stream" in streams[-1].recv(4096)
    start = time.monotonic()
    for _ in range(50):
        assert daemon.get("/healthz").status_code == 200
    assert time.monotonic() - start < 5
    for s in streams:
        s.close()
    assert daemon.get("/healthz").status_code == 200
    assert daemon.stop() == 0


def test_metrics_pass_promtool_and_carry_the_design_metrics(daemon):
    import shutil
    import subprocess
    for _ in range(3):
        daemon.get("/healthz")
        daemon.get("/api/v1/nothing")
    text = daemon.get("/metrics").text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is installed by make test-deps"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "# TYPE content_generation_duration_seconds histogram" in text
    for bound in ["0.1", "0.5", "1.0", "2.0", "5.0", "10.0"]:
        assert f'content_generation_duration_seconds_bucket{{le="{bound}"}}' in text
    assert "# TYPE revenue_total counter" in text  # promtool reserves _total for counters
    assert "# TYPE revenue_mrr gauge" in text
    assert "# TYPE active_users gauge" in text
    assert 'http_requests_total{endpoint="/healthz",method="GET",status="200"}' in text
    assert 'http_requests_total{endpoint="(unmatched)",method="GET",status="404"}' in text
    assert "/api/v1/nothing" not in text.replace('endpoint="/api/v1/nothing"', "")  # route templates, never raw paths
    for family in ["cache_hits_total", "http_request_duration_seconds", "process_resident_memory_bytes", "process_open_fds", "process_threads", "process_uptime_seconds"]:
        assert f"# TYPE {family}" in text, family
