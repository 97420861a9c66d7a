"""Black-box fixtures: the real `studio` binary on a temporary data directory, driven over HTTP."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STUDIO_BIN", os.path.join(REPO, ".build", "debug", "studio"))


class Daemon:
    """One running `studio serve`; stop() sends SIGTERM and returns the exit code."""

    def __init__(self, data_dir, extra_args=(), env=None):
        self.data_dir = data_dir
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.log_path = os.path.join(os.path.dirname(os.path.abspath(data_dir)), os.path.basename(data_dir) + ".log")
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", "--web-root", os.path.join(REPO, "web-static"), *extra_args],
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, env=full_env, cwd=REPO, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.proc.kill()
            self.log.seek(0)
            raise RuntimeError(f"daemon did not start: {line!r} {self.log.read()}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    ADMIN_EMAIL = "admin@example.com"
    ADMIN_PASSWORD = "correct horse battery staple"

    def admin_token(self):
        """Creates the admin (once, with `studio user create`) and signs in; returns an access token."""
        if getattr(self, "_token", None):
            return self._token
        created = subprocess.run([BIN, "user", "create", "--data-dir", self.data_dir, "--email", self.ADMIN_EMAIL, "--role", "admin", "--password-stdin"],
                                 input=self.ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert created.returncode == 0 or "already" in created.stderr, created.stderr
        r = requests.post(self.url + "/api/v1/auth/login", json={"email": self.ADMIN_EMAIL, "password": self.ADMIN_PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        self._token = r.json()["access_token"]
        return self._token

    def auth(self):
        return {"Authorization": "Bearer " + self.admin_token()}

    def get(self, path, **kwargs):
        return requests.get(self.url + path, timeout=10, **kwargs)

    def post(self, path, **kwargs):
        return requests.post(self.url + path, timeout=10, **kwargs)

    def admin_get(self, path, **kwargs):
        return requests.get(self.url + path, headers=self.auth(), timeout=10, **kwargs)

    def admin_post(self, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        headers.update(self.auth())
        return requests.post(self.url + path, headers=headers, timeout=10, **kwargs)

    def raw(self, data, read_timeout=5.0):
        """Sends raw bytes and returns what comes back until the peer closes or goes quiet."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if b"\r\n\r\n" in b"".join(chunks) and b"Content-Length: 0" in b"".join(chunks):
                        break
            except (socket.timeout, ConnectionResetError):
                # A server that answers before reading everything closes with unread data, which
                # the kernel turns into a reset; what arrived before it is still the answer.
                pass
            return b"".join(chunks)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()

    def logs(self):
        with open(self.log_path) as f:
            return f.read()


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="studio-bb-") as d:
        yield os.path.join(d, "data")


@pytest.fixture
def daemon(data_dir):
    d = Daemon(data_dir)
    yield d
    if d.proc.poll() is None:
        d.stop(signal.SIGKILL)


def run_studio(*args, env=None, timeout=30):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=full_env, stdin=subprocess.DEVNULL, cwd=REPO)
