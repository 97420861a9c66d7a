"""Accounts and security of the running daemon, checked with independent tools: PyJWT against the
JWKS, argon2-cffi against the stored hash, the sqlite3 shell against the audit chain.

Runs once the daemon serves the accounts routes (AccountsService wired in); skipped before that.
"""
import base64
import glob
import hashlib
import hmac
import http.client
import json
import os
import re
import sqlite3
import subprocess
import threading
import time

import argon2
import jwt
import pytest
import requests

from conftest import BIN, REPO, run_studio

PASSWORD = "tangerine-orbit-lantern-42"
AUDIENCE = "creator-studio-api"
ISSUER = "creator-studio"


@pytest.fixture(autouse=True)
def accounts_wired(request):
    if "daemon" in request.fixturenames:
        daemon = request.getfixturevalue("daemon")
        if daemon.get("/api/v1/setup").status_code == 404:
            pytest.skip("the daemon does not serve the accounts routes yet (AccountsService not wired)")


def create_user(data_dir, email, role, password=PASSWORD):
    """`studio user create`, password on standard input; works beside the running daemon."""
    result = subprocess.run([BIN, "user", "create", "--data-dir", data_dir, "--email", email, "--role", role, "--password-stdin"],
                            input=password + "\n", capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout + result.stderr
    return email


def login(daemon, email, password=PASSWORD):
    reply = daemon.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def accounts_db(data_dir):
    return os.path.join(data_dir, "accounts.sqlite")


def test_daemon_jwt_verifies_with_pyjwt_against_the_jwks(daemon):
    email = create_user(daemon.data_dir, "ada@example.com", "creator")
    tokens = login(daemon, email)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    jwks = daemon.get("/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "RS256"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(tokens["access_token"], key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                        options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]})
    assert claims["exp"] - claims["iat"] == 900
    assert claims["role"] == "creator"
    me = daemon.get("/api/v1/me", headers=bearer(tokens["access_token"])).json()
    assert claims["sub"] == me["id"] and me["email"] == email


def test_forged_expired_and_foreign_tokens_get_401(daemon):
    email = create_user(daemon.data_dir, "root@example.com", "admin")
    genuine = login(daemon, email)["access_token"]
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    now = int(time.time())
    # The daemon's own private key (mode 0600 in the data directory), to forge tokens whose only fault is a claim.
    [key_file] = glob.glob(os.path.join(daemon.data_dir, "keys", "*.pem"))
    assert os.stat(key_file).st_mode & 0o077 == 0
    private = open(key_file, "rb").read()
    public_pem = jwt.PyJWKSet.from_dict(daemon.get("/.well-known/jwks.json").json())[header["kid"]].key.public_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.PEM,
        format=__import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).PublicFormat.SubjectPublicKeyInfo)
    kid = {"kid": header["kid"]}
    forged = {
        "alg none": jwt.encode(claims, None, algorithm="none", headers=kid),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, private, algorithm="RS256", headers=kid),
        "wrong audience": jwt.encode({**claims, "aud": "another-service"}, private, algorithm="RS256", headers=kid),
        "wrong issuer": jwt.encode({**claims, "iss": "someone-else"}, private, algorithm="RS256", headers=kid),
        "not yet valid": jwt.encode({**claims, "nbf": now + 3600}, private, algorithm="RS256", headers=kid),
        "unknown kid": jwt.encode(claims, private, algorithm="RS256", headers={"kid": "no-such-key"}),
        "truncated": genuine[:-10],
        "oversized": genuine + "A" * 20000,
    }
    signing_input = b64url(json.dumps({"alg": "HS256", "typ": "JWT", **kid}).encode()) + "." + b64url(json.dumps(claims).encode())
    forged["HS256 with the public key"] = signing_input + "." + b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    assert daemon.get("/api/v1/me", headers=bearer(genuine)).status_code == 200
    for why, token in forged.items():
        reply = daemon.get("/api/v1/me", headers=bearer(token))
        assert reply.status_code in (401, 431), f"{why}: {reply.status_code} {reply.text}"
        assert token not in reply.text, why


def test_stored_hash_is_a_phc_argon2id_string_that_argon2_cffi_verifies(daemon):
    create_user(daemon.data_dir, "hash@example.com", "viewer")
    with sqlite3.connect(accounts_db(daemon.data_dir)) as db:
        [stored] = db.execute("SELECT password_hash FROM users WHERE email = ?", ("hash@example.com",)).fetchone()
    assert re.fullmatch(r"\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored), stored
    assert argon2.PasswordHasher().verify(stored, PASSWORD)
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        argon2.PasswordHasher().verify(stored, PASSWORD + "x")


def test_audit_verify_passes_then_fails_after_an_edit_with_the_sqlite3_shell(daemon):
    email = create_user(daemon.data_dir, "audit@example.com", "admin")
    login(daemon, email)
    daemon.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password-000"})
    ok = run_studio("audit", "verify", "--data-dir", daemon.data_dir)
    assert ok.returncode == 0, ok.stderr
    edit = subprocess.run(["sqlite3", accounts_db(daemon.data_dir), "UPDATE audit_log SET ip = '198.51.100.7' WHERE id = 2"],
                          capture_output=True, text=True, timeout=30)
    assert edit.returncode == 0, edit.stderr
    bad = run_studio("audit", "verify", "--data-dir", daemon.data_dir)
    assert bad.returncode != 0
    assert "row 2" in bad.stderr, bad.stderr


def test_reusing_a_rotated_refresh_token_revokes_the_family(daemon):
    email = create_user(daemon.data_dir, "rot@example.com", "viewer")
    first = login(daemon, email)["refresh_token"]
    second = daemon.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200 and second.headers["Cache-Control"] == "no-store"
    newer = second.json()["refresh_token"]
    assert daemon.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401
    assert daemon.post("/api/v1/auth/refresh", json={"refresh_token": newer}).status_code == 401


def test_rate_limit_headers_on_every_api_response_and_429_with_retry_after(daemon):
    session = requests.Session()
    for path in ["/api/v1/version", "/api/v1/setup", "/api/v1/no-such-thing", "/api/v1/me"]:
        reply = session.get(daemon.url + path, timeout=10)
        for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]:
            assert name in reply.headers, f"{path} lacks {name}"
    statuses = [session.get(daemon.url + "/api/v1/version", timeout=10).status_code for _ in range(110)]
    assert 429 in statuses
    limited = session.get(daemon.url + "/api/v1/version", timeout=10)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Remaining"] == "0"


def test_no_password_token_or_key_in_any_response_or_log_line(daemon):
    email = create_user(daemon.data_dir, "quiet@example.com", "creator")
    tokens = login(daemon, email)
    secrets = [PASSWORD, tokens["access_token"], tokens["refresh_token"]]
    bodies = []
    refreshed = daemon.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    secrets.append(refreshed.json()["refresh_token"])
    key = daemon.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["read"]}, headers=bearer(tokens["access_token"]))
    assert key.status_code == 201 and key.headers["Cache-Control"] == "no-store"
    secrets.append(key.json()["secret"])
    for reply in [daemon.get("/api/v1/me", headers=bearer(key.json()["secret"])),
                  daemon.get("/api/v1/api-keys", headers=bearer(tokens["access_token"])),
                  daemon.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + "-wrong"}),
                  daemon.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
                  daemon.get("/api/v1/me", headers=bearer(tokens["access_token"] + "x"))]:
        bodies.append(json.dumps(dict(reply.headers)) + reply.text)
    logs = daemon.logs()
    for secret in secrets:
        assert secret not in logs
        assert all(secret not in body for body in bodies)


class SourceBoundConnection(http.client.HTTPConnection):
    """An HTTP connection from another loopback address, so the attacker has an address of its own."""

    def __init__(self, port, source):
        super().__init__("127.0.0.1", port, timeout=30, source_address=(source, 0))


def test_ten_thousand_wrong_passwords_are_throttled_while_others_sign_in_promptly(daemon):
    victim = create_user(daemon.data_dir, "victim@example.com", "creator")
    other = create_user(daemon.data_dir, "other@example.com", "creator")
    body = json.dumps({"email": victim, "password": "not-the-password-1"})
    statuses = {}
    reconnects = []

    def attack(count):
        connection = SourceBoundConnection(daemon.port, "127.0.0.2")
        sent = 0
        while sent < count:
            try:
                connection.request("POST", "/api/v1/auth/login", body=body, headers={"Content-Type": "application/json"})
                reply = connection.getresponse()
                reply.read()
            except (http.client.HTTPException, OSError) as error:
                # A dropped keep-alive connection is the client's problem to retry, not a wrong answer.
                reconnects.append(repr(error))
                assert len(reconnects) < 50, reconnects[:5]
                connection.close()
                connection = SourceBoundConnection(daemon.port, "127.0.0.2")
                continue
            sent += 1
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
        connection.close()

    t0 = time.monotonic()
    assert daemon.post("/api/v1/auth/login", json={"email": other, "password": PASSWORD}).status_code == 200
    baseline = time.monotonic() - t0
    attackers = [threading.Thread(target=attack, args=(5000,)) for _ in range(2)]
    started = time.monotonic()
    for thread in attackers:
        thread.start()
    latencies = []
    while any(t.is_alive() for t in attackers) and len(latencies) < 5:
        t0 = time.monotonic()
        reply = daemon.post("/api/v1/auth/login", json={"email": other, "password": PASSWORD})
        latencies.append(time.monotonic() - t0)
        assert reply.status_code == 200, reply.text
        time.sleep(1)
    for thread in attackers:
        thread.join(timeout=600)
    elapsed = time.monotonic() - started
    assert sum(statuses.values()) == 10_000, (statuses, reconnects[:5])
    assert statuses.get(429, 0) >= 9_900, statuses
    assert set(statuses) <= {401, 429}, statuses
    # Sign-in is bounded by one argon2 computation (about a second on a busy 2-core box); the attack adds no queue.
    assert latencies and max(latencies) < max(5.0, 4 * baseline), (baseline, latencies)
    # Throttled attempts are refused before any password hashing: only a handful reached argon2.
    with sqlite3.connect(accounts_db(daemon.data_dir)) as db:
        [hashed] = db.execute("SELECT COUNT(*) FROM audit_log WHERE event = 'sign_in.failed' AND ip = '127.0.0.2'").fetchone()
    assert hashed <= 25, hashed
    assert daemon.get("/healthz").status_code == 200
    print(f"10,000 wrong passwords in {elapsed:.1f} s ({len(reconnects)} reconnects); other user's sign-in latencies {[round(x, 3) for x in latencies]}")


def read_setup_token(daemon, timeout=10):
    found = []

    def scan():
        for line in daemon.proc.stdout:
            match = re.search(r"Setup token: (\S+)", line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=scan, daemon=True)
    reader.start()
    reader.join(timeout)
    assert found, "the daemon printed no 'Setup token: <token>' line"
    return found[0]


def test_setup_token_creates_the_first_admin_once(daemon):
    token = read_setup_token(daemon)
    assert daemon.get("/api/v1/setup").json() == {"needed": True}
    wrong = daemon.post("/api/v1/setup", json={"setup_token": "x" * 43, "email": "first@example.com", "password": PASSWORD})
    assert wrong.status_code == 401
    done = daemon.post("/api/v1/setup", json={"setup_token": token, "email": "first@example.com", "password": PASSWORD})
    assert done.status_code == 201 and done.json()["role"] == "admin"
    assert daemon.get("/api/v1/setup").json() == {"needed": False}
    again = daemon.post("/api/v1/setup", json={"setup_token": token, "email": "second@example.com", "password": PASSWORD})
    assert again.status_code == 409
    assert token not in daemon.logs()


def test_every_openapi_route_answers_each_role_as_it_declares(daemon):
    """The route x role matrix: every operation of the served OpenAPI document, with no credentials,
    a viewer, a creator and an admin. Allowed callers may still get 400/404/409 (dummy ids, empty bodies),
    never 401/403; the others get exactly 401 (no credentials) or 403 (role too low)."""
    tokens = {None: None}
    for role in ["viewer", "creator", "admin"]:
        tokens[role] = login(daemon, create_user(daemon.data_dir, f"{role}@example.com", role))["access_token"]
    document = daemon.get("/api/v1/openapi.json").json()
    rank = {"viewer": 0, "creator": 1, "admin": 2}
    undocumented, wrong = [], []
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            access = operation.get("x-access")
            if access is None:
                undocumented.append(f"{method.upper()} {path}")
                continue
            url = daemon.url + re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
            for role, token in tokens.items():
                if method in ("post", "patch") and path.startswith("/api/v1/auth/") and role is not None:
                    continue  # signing out the test's own sessions would spoil the next rows
                headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
                with requests.request(method.upper(), url, headers=headers, data=b"{}" if method in ("post", "put", "patch") else None,
                                      stream=True, timeout=10) as reply:
                    status = reply.status_code
                checked += 1
                if access == "public":
                    # Public routes may refuse bad input with 401 (no refresh token, wrong setup token), never with 403.
                    expected = "any but 403"
                    ok = status != 403 or path == "/metrics"
                elif role is None:
                    expected, ok = "401", status == 401
                elif access == "self" or rank[role] >= rank[access]:
                    expected, ok = "any but 401/403", status not in (401, 403)
                else:
                    expected, ok = "403", status == 403
                if not ok:
                    wrong.append(f"{method.upper()} {path} as {role or 'anonymous'}: {status}, expected {expected}")
    assert undocumented == [], f"operations without x-access: {undocumented}"
    assert wrong == [], "\n".join(wrong)
    assert checked >= 50
