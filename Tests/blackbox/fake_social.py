#!/usr/bin/env python3
"""Fake Mastodon + Bluesky (AT Protocol PDS) + signed-webhook receiver in one process (stdlib only).

    python3 fake_social.py [--port 0] [--state PATH] [--mastodon-token T] [--max-characters 500]
                           [--bsky-identifier ada.test] [--bsky-password P] [--webhook-secret S]

Prints ``PORT <n>`` on stdout once listening. Base URLs for the studio's credentials:
  Mastodon: instance = http://127.0.0.1:<n>, access_token = --mastodon-token (default "mastodon-token")
  Bluesky:  service  = http://127.0.0.1:<n>, identifier = --bsky-identifier, app_password = --bsky-password
  Webhook:  url      = http://127.0.0.1:<n>/hook, secret = --webhook-secret

Endpoints (faithful to the documented APIs: status codes, JSON error bodies, rate-limit headers):
  Mastodon  GET  /api/v1/accounts/verify_credentials   (Bearer token; 401 {"error": "The access token is invalid"})
            GET  /api/v2/instance                       (public; configuration.statuses.max_characters)
            POST /api/v1/statuses                       (JSON or form; Idempotency-Key: a repeat returns the original
                                                         status; 422 {"error": "Validation failed: ..."}; in_reply_to_id)
            GET  /api/v1/statuses/{id}, GET /api/v1/accounts/{id}/statuses?limit=  (newest first, HTML content)
  Bluesky   POST /xrpc/com.atproto.server.createSession   (401 AuthenticationRequired on a wrong password)
            POST /xrpc/com.atproto.server.refreshSession  (Bearer refreshJwt; the old refresh token is spent)
            POST /xrpc/com.atproto.repo.createRecord      (Bearer accessJwt; 400 ExpiredToken for an expired token;
                                                           rkey must be a TID; an existing rkey → 400 InvalidRequest)
            GET  /xrpc/com.atproto.repo.getRecord, /xrpc/com.atproto.repo.listRecords, /xrpc/app.bsky.feed.getAuthorFeed
  Webhook   POST /hook   verifies X-Studio-Signature = v1=hex(HMAC-SHA256(secret, "<X-Studio-Timestamp>.<body>")),
                         timestamp within 300 s; deduplicates on Idempotency-Key like a careful receiver (a repeat
                         answers the first id; `attempts` counts deliveries).
Control:
  POST /_control {"mode": "ok"|"500"|"503"|"429"|"html"|"noid"|"stall"|"expire", "count": n, "retry_after": s,
                  "stall_seconds": s, "platform": "mastodon"|"bluesky"|"webhook"}
       the next n platform requests (of that platform, when given) misbehave: 503, 429 with Retry-After (and the
       platform's rate-limit headers), a 200 HTML page, a 200 JSON without id, or "stall" (handle the request, then
       wait stall_seconds before answering: the client times out after the post exists). "expire" expires every
       Bluesky access token now. "ok" clears the queue.
  GET  /_stats   {"posts": [...every created post...], "webhook": [...], "counts": {...}, "sessions_created": n, ...}
  POST /_reset   forget everything.
State is kept in the --state file, an append-only journal of JSON lines flushed on every change (and fsynced
with --fsync), so a fake that is killed (even with -9) and restarted keeps its posts, idempotency keys and
sessions; every write costs the same however many posts exist. Restart on the same --port so clients'
cached sessions (keyed by the service URL) stay valid.
"""

import argparse
import datetime
import hashlib
import hmac
import html
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
URL_RE = re.compile(r"https?://\S+")
TAG_RE = re.compile(r"(^|\s)#(\w+)")
MASTODON_ACCOUNT_ID = "110"
DID = "did:plc:fakeada"


def now_iso(offset_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def grapheme_estimate(text):
    # Close enough for a fake: combining marks and joiners do not count.
    import unicodedata
    n = 0
    joined = False
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200d\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            joined = ch == "\u200d"
            continue
        if joined:
            joined = False
            continue
        n += 1
    return n


class State:
    """Everything the fake created, rebuilt at start from an append-only journal (one JSON operation per
    line, flushed on every write; fsynced too with --fsync), so a killed fake restarts with its posts,
    idempotency keys and sessions. Each write costs O(1), also after thousands of posts."""

    def __init__(self, path, fsync=False):
        self.path = path
        self.fsync = fsync
        self.lock = threading.RLock()
        self.misbehave = []  # list of {"mode", "platform", "retry_after", "stall_seconds"}
        self.requests = 0
        self.data = self.empty()
        self.journal = None
        if path:
            if os.path.exists(path):
                with open(path, "rb") as f:
                    raw = f.read()
                complete = raw[: raw.rfind(b"\n") + 1]  # a line torn by a kill mid-write is dropped
                if len(complete) != len(raw):
                    with open(path, "r+b") as f:
                        f.truncate(len(complete))
                for line in complete.splitlines():
                    if line.strip():
                        self.apply(json.loads(line))
            self.journal = open(path, "ab")

    @staticmethod
    def empty():
        return {
            "mastodon": {"statuses": [], "by_id": {}, "keys": {}, "next_id": 109000000000000000},
            "bluesky": {"records": [], "by_rkey": {}, "access": {}, "refresh": set(), "counter": 0,
                        "sessions_created": 0, "refreshes": 0},
            "webhook": {"deliveries": [], "by_key": {}, "refused": 0},
        }

    def apply(self, op):
        kind = op["op"]
        if kind == "reset":
            self.data = self.empty()
            return
        m, b, w = self.data["mastodon"], self.data["bluesky"], self.data["webhook"]
        if kind == "m_status":
            s = op["s"]
            m["statuses"].append(s)
            m["by_id"][s["id"]] = s
            if s.get("idempotency_key"):
                m["keys"][s["idempotency_key"]] = s["id"]
            m["next_id"] = max(m["next_id"], int(s["id"]))
        elif kind == "b_session":
            b["counter"] = max(b["counter"], op["n"])
            b["access"][op["access"]] = False
            b["refresh"].add(op["refresh"])
            if op.get("spent"):
                b["refresh"].discard(op["spent"])
                b["refreshes"] += 1
            else:
                b["sessions_created"] += 1
        elif kind == "b_expire":
            for token in b["access"]:
                b["access"][token] = True
        elif kind == "b_record":
            r = op["r"]
            b["records"].append(r)
            b["by_rkey"][r["rkey"]] = r
            b["counter"] = max(b["counter"], op["n"])
        elif kind == "w_delivery":
            d = op["d"]
            w["deliveries"].append(d)
            if d.get("idempotency_key"):
                w["by_key"][d["idempotency_key"]] = d
        elif kind == "w_attempt":
            w["by_key"][op["key"]]["attempts"] += 1
        elif kind == "w_refused":
            w["refused"] += 1

    def record(self, op):
        """Applies an operation and appends it to the journal (call with the lock held)."""
        self.apply(op)
        if self.journal:
            self.journal.write(json.dumps(op, ensure_ascii=False).encode() + b"\n")
            self.journal.flush()
            if self.fsync:
                os.fsync(self.journal.fileno())


def make_handler(state, config):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-social/1"

        def log_message(self, fmt, *args):  # quiet
            pass

        # ---------- plumbing ----------
        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def send(self, status, body, content_type="application/json; charset=utf-8", headers=()):
            if isinstance(body, (dict, list)):
                body = json.dumps(body, ensure_ascii=False).encode()
            elif isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def platform_of(self, path):
            if path.startswith("/api/"):
                return "mastodon"
            if path.startswith("/xrpc/"):
                return "bluesky"
            if path == "/hook":
                return "webhook"
            return None

        def rate_headers(self, platform, retry_after=None):
            if platform == "mastodon":
                reset = now_iso(retry_after or 300)
                return [("X-RateLimit-Limit", "300"), ("X-RateLimit-Remaining", "0" if retry_after else "299"),
                        ("X-RateLimit-Reset", reset)]
            if platform == "bluesky":
                reset = int(time.time()) + (retry_after or 3600)
                return [("ratelimit-limit", "5000"), ("ratelimit-remaining", "0" if retry_after else "4997"),
                        ("ratelimit-reset", str(reset)), ("ratelimit-policy", "5000;w=3600")]
            return []

        def take_misbehaviour(self, platform):
            with state.lock:
                for i, m in enumerate(state.misbehave):
                    if m.get("platform") in (None, platform):
                        return state.misbehave.pop(i)
            return None

        def dispatch(self, method):
            parsed = urllib.parse.urlsplit(self.path)
            path = parsed.path
            query = dict(urllib.parse.parse_qsl(parsed.query))
            body = self.read_body() if method == "POST" else b""
            if path.startswith("/_"):
                return self.control(method, path, body)
            platform = self.platform_of(path)
            with state.lock:
                state.requests += 1
            m = self.take_misbehaviour(platform) if platform else None
            if m:
                mode = m["mode"]
                if mode == "500":
                    return self.send(500, {"error": "Internal Server Error"})
                if mode == "503":
                    return self.send(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                                     "text/html")
                if mode == "429":
                    ra = int(m.get("retry_after", 1))
                    err = ({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"} if platform == "bluesky"
                           else {"error": "Too many requests"})
                    return self.send(429, err, headers=[("Retry-After", str(ra))] + self.rate_headers(platform, ra))
                if mode == "html":
                    return self.send(200, "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>",
                                     "text/html")
                if mode == "noid":
                    return self.send(200, {"created_at": now_iso(), "content": "<p>?</p>"})
            if platform == "mastodon":
                result = self.mastodon(method, path, query, body)
            elif platform == "bluesky":
                result = self.bluesky(method, path, query, body)
            elif platform == "webhook" and method == "POST":
                result = self.webhook(body)
            else:
                result = (404, {"error": "Not found"}, [])
            if m and m["mode"] == "stall":
                time.sleep(float(m.get("stall_seconds", 5)))
            status, payload, headers = result
            if isinstance(payload, str):
                return self.send(status, payload, "text/plain", headers)
            return self.send(status, payload, headers=headers)

        def do_GET(self):
            self.dispatch("GET")

        def do_POST(self):
            self.dispatch("POST")

        # ---------- control ----------
        def control(self, method, path, body):
            if method == "POST" and path == "/_control":
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    return self.send(400, {"error": "body must be JSON"})
                mode = req.get("mode", "ok")
                if mode not in ("ok", "500", "503", "429", "html", "noid", "stall", "expire"):
                    return self.send(400, {"error": f"unknown mode {mode!r}"})
                with state.lock:
                    if mode == "ok":
                        state.misbehave.clear()
                    elif mode == "expire":
                        state.record({"op": "b_expire"})
                    else:
                        entry = {"mode": mode, "platform": req.get("platform"),
                                 "retry_after": req.get("retry_after", 1), "stall_seconds": req.get("stall_seconds", 5)}
                        state.misbehave.extend([dict(entry) for _ in range(int(req.get("count", 1)))])
                    pending = len(state.misbehave)
                return self.send(200, {"mode": mode, "pending": pending})
            if method == "GET" and path == "/_stats":
                with state.lock:
                    d = state.data
                    posts = []
                    for s in d["mastodon"]["statuses"]:
                        posts.append({"platform": "mastodon", "id": s["id"], "text": s["text"],
                                      "idempotency_key": s.get("idempotency_key"), "reply_to": s.get("in_reply_to_id"),
                                      "created_at": s["created_at"]})
                    for r in d["bluesky"]["records"]:
                        parent = (r["value"].get("reply") or {}).get("parent", {}).get("uri")
                        posts.append({"platform": "bluesky", "id": r["uri"], "rkey": r["rkey"], "text": r["value"].get("text"),
                                      "reply_to": parent, "facets": r["value"].get("facets", []),
                                      "created_at": r["value"].get("createdAt")})
                    hooks = [{"platform": "webhook", "id": w["id"], "idempotency_key": w["idempotency_key"],
                              "publication_id": (w["body"] or {}).get("publication_id"),
                              "parts": (w["body"] or {}).get("parts"), "attempts": w["attempts"]}
                             for w in d["webhook"]["deliveries"]]
                    counts = {"mastodon": len(d["mastodon"]["statuses"]), "bluesky": len(d["bluesky"]["records"]),
                              "webhook": len(hooks)}
                    return self.send(200, {"posts": posts + hooks, "counts": counts, "requests": state.requests,
                                           "sessions_created": d["bluesky"]["sessions_created"],
                                           "refreshes": d["bluesky"]["refreshes"],
                                           "webhook_refused": d["webhook"]["refused"],
                                           "pending_misbehaviour": len(state.misbehave)})
            if method == "POST" and path == "/_reset":
                with state.lock:
                    state.record({"op": "reset"})
                    state.misbehave.clear()
                return self.send(200, {"reset": True})
            return self.send(404, {"error": "Not found"})

        # ---------- Mastodon ----------
        def mastodon_status_json(self, s):
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            return {"id": s["id"], "created_at": s["created_at"], "in_reply_to_id": s.get("in_reply_to_id"),
                    "visibility": s.get("visibility", "public"), "language": s.get("language"),
                    "uri": f"{base}/users/ada/statuses/{s['id']}", "url": f"{base}/@ada/{s['id']}",
                    "content": mastodon_html(s["text"], base), "account": {"id": MASTODON_ACCOUNT_ID, "username": "ada"}}

        def mastodon(self, method, path, query, body):
            rl = self.rate_headers("mastodon")
            if method == "GET" and path == "/api/v2/instance":
                return 200, {"domain": "fake.social", "title": "Fake Social", "version": "4.3.0",
                             "configuration": {"statuses": {"max_characters": config.max_characters,
                                                            "max_media_attachments": 4,
                                                            "characters_reserved_per_url": 23}}}, rl
            if self.headers.get("Authorization") != f"Bearer {config.mastodon_token}":
                return 401, {"error": "The access token is invalid"}, rl
            if method == "GET" and path == "/api/v1/accounts/verify_credentials":
                return 200, {"id": MASTODON_ACCOUNT_ID, "username": "ada", "acct": "ada", "display_name": "Ada"}, rl
            if method == "POST" and path == "/api/v1/statuses":
                ctype = self.headers.get("Content-Type", "")
                try:
                    if "json" in ctype:
                        params = json.loads(body or b"{}")
                    else:
                        params = {k: v for k, v in urllib.parse.parse_qsl(body.decode())}
                except ValueError:
                    return 400, {"error": "Error while parsing request body"}, rl
                key = self.headers.get("Idempotency-Key")
                with state.lock:
                    m = state.data["mastodon"]
                    if key and key in m["keys"]:
                        return 200, self.mastodon_status_json(m["by_id"][m["keys"][key]]), rl
                    text = params.get("status") or ""
                    if not text.strip():
                        return 422, {"error": "Validation failed: Text can't be blank"}, rl
                    if grapheme_estimate(URL_RE.sub("x" * 23, text)) > config.max_characters:
                        return 422, {"error": f"Validation failed: Text character limit of {config.max_characters} exceeded"}, rl
                    parent = params.get("in_reply_to_id")
                    if parent and parent not in m["by_id"]:
                        return 404, {"error": "Record not found"}, rl
                    s = {"id": str(m["next_id"] + 1), "text": text, "in_reply_to_id": parent or None,
                         "idempotency_key": key, "language": params.get("language"),
                         "visibility": params.get("visibility", "public"), "created_at": now_iso()}
                    state.record({"op": "m_status", "s": s})
                    return 200, self.mastodon_status_json(s), rl
            if method == "GET" and path.startswith("/api/v1/statuses/"):
                sid = path.rsplit("/", 1)[1]
                with state.lock:
                    s = state.data["mastodon"]["by_id"].get(sid)
                return (200, self.mastodon_status_json(s), rl) if s else (404, {"error": "Record not found"}, rl)
            match = re.fullmatch(r"/api/v1/accounts/([^/]+)/statuses", path)
            if method == "GET" and match:
                if match.group(1) != MASTODON_ACCOUNT_ID:
                    return 404, {"error": "Record not found"}, rl
                limit = max(1, min(int(query.get("limit", 20)), 40))
                with state.lock:
                    latest = list(reversed(state.data["mastodon"]["statuses"]))[:limit]
                return 200, [self.mastodon_status_json(s) for s in latest], rl
            return 404, {"error": "Record not found"}, rl

        # ---------- Bluesky ----------
        def xrpc_error(self, status, error, message, headers=()):
            return status, {"error": error, "message": message}, list(headers)

        def issue_session(self, b, spent=None):
            n = b["counter"] + 1
            access, refresh = f"fake-access-{n}-{os.urandom(4).hex()}", f"fake-refresh-{n}-{os.urandom(4).hex()}"
            state.record({"op": "b_session", "n": n, "access": access, "refresh": refresh, "spent": spent})
            return 200, {"accessJwt": access, "refreshJwt": refresh, "handle": config.bsky_identifier, "did": DID,
                         "active": True}, []

        def bluesky(self, method, path, query, body):
            nsid = path[len("/xrpc/"):]
            b = state.data["bluesky"]
            if method == "POST" and nsid == "com.atproto.server.createSession":
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    return self.xrpc_error(400, "InvalidRequest", "Request body must be JSON")
                if "identifier" not in req or "password" not in req:
                    return self.xrpc_error(400, "InvalidRequest", 'Input must have the property "identifier"')
                if req["identifier"] not in (config.bsky_identifier, DID) or req["password"] != config.bsky_password:
                    return self.xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
                with state.lock:
                    return self.issue_session(state.data["bluesky"])
            bearer = (self.headers.get("Authorization") or "")
            token = bearer[len("Bearer "):] if bearer.startswith("Bearer ") else None
            if method == "POST" and nsid == "com.atproto.server.refreshSession":
                with state.lock:
                    if not token or token not in b["refresh"]:
                        return self.xrpc_error(400, "ExpiredToken", "Token has been revoked")
                    return self.issue_session(b, spent=token)
            if not token:
                return self.xrpc_error(401, "AuthenticationRequired", "Authentication Required")
            with state.lock:
                expired = b["access"].get(token)
            if expired is None:
                return self.xrpc_error(401, "InvalidToken", "Token could not be verified")
            if expired:
                return self.xrpc_error(400, "ExpiredToken", "Token has expired")
            if method == "POST" and nsid == "com.atproto.repo.createRecord":
                return self.create_record(b, body)
            if method == "GET" and nsid == "com.atproto.repo.getRecord":
                if query.get("repo") not in (DID, config.bsky_identifier) or query.get("collection") != "app.bsky.feed.post":
                    return self.xrpc_error(400, "InvalidRequest", "Could not find repo")
                rkey = query.get("rkey", "")
                with state.lock:
                    r = b["by_rkey"].get(rkey)
                if not r:
                    return self.xrpc_error(400, "RecordNotFound",
                                           f"Could not locate record: at://{DID}/app.bsky.feed.post/{rkey}")
                return 200, {"uri": r["uri"], "cid": r["cid"], "value": r["value"]}, []
            if method == "GET" and nsid == "com.atproto.repo.listRecords":
                limit = max(1, min(int(query.get("limit", 50)), 100))
                with state.lock:
                    latest = list(reversed(b["records"]))[:limit]
                return 200, {"records": [{"uri": r["uri"], "cid": r["cid"], "value": r["value"]} for r in latest]}, []
            if method == "GET" and nsid == "app.bsky.feed.getAuthorFeed":
                limit = max(1, min(int(query.get("limit", 50)), 100))
                with state.lock:
                    latest = list(reversed(b["records"]))[:limit]
                feed = [{"post": {"uri": r["uri"], "cid": r["cid"], "record": r["value"],
                                  "author": {"did": DID, "handle": config.bsky_identifier},
                                  "indexedAt": r["value"].get("createdAt")}} for r in latest]
                return 200, {"feed": feed}, []
            return self.xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")

        def create_record(self, b, body):
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                return self.xrpc_error(400, "InvalidRequest", "Request body must be JSON")
            record = req.get("record")
            if req.get("repo") not in (DID, config.bsky_identifier) or req.get("collection") != "app.bsky.feed.post" \
                    or not isinstance(record, dict):
                return self.xrpc_error(400, "InvalidRequest", 'Input must have the properties "repo", "collection", "record"')
            text = record.get("text")
            if record.get("$type") != "app.bsky.feed.post" or not isinstance(text, str) or "createdAt" not in record:
                return self.xrpc_error(400, "InvalidRequest",
                                       'Invalid app.bsky.feed.post record: Record must have the property "text"')
            tb = text.encode("utf-8")
            if grapheme_estimate(text) > 300 or len(tb) > 3000:
                return self.xrpc_error(400, "InvalidRequest",
                                       "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
            for facet in record.get("facets") or []:
                idx = facet.get("index") or {}
                s, e = idx.get("byteStart"), idx.get("byteEnd")
                if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(tb)):
                    return self.xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: facet index out of range")
            rkey = req.get("rkey")
            if rkey is not None and not TID_RE.match(rkey):
                return self.xrpc_error(400, "InvalidRequest", "Invalid record key: must be a valid TID")
            with state.lock:
                parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
                if parent and parent.rsplit("/", 1)[-1] not in b["by_rkey"]:
                    return self.xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: reply parent not found")
                n = b["counter"] + 1
                if rkey is None:
                    rkey = "3k" + format(n, "011x").translate(str.maketrans("0189", "2345"))
                if rkey in b["by_rkey"]:
                    return self.xrpc_error(400, "InvalidRequest",
                                           f"Record already exists at at://{DID}/app.bsky.feed.post/{rkey}")
                uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
                cid = "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:40]
                state.record({"op": "b_record", "n": n, "r": {"rkey": rkey, "uri": uri, "cid": cid, "value": record}})
            return 200, {"uri": uri, "cid": cid, "validationStatus": "valid",
                         "commit": {"cid": "bafyreicommit" + str(n), "rev": rkey}}, []

        # ---------- webhook ----------
        def webhook(self, body):
            ts = self.headers.get("X-Studio-Timestamp") or ""
            sig = self.headers.get("X-Studio-Signature") or ""
            key = self.headers.get("Idempotency-Key")
            expected = "v1=" + hmac.new(config.webhook_secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 300
            if not fresh or not any(hmac.compare_digest(s.strip(), expected) for s in sig.split(",")):
                with state.lock:
                    state.record({"op": "w_refused"})
                return 401, {"error": "invalid signature"}, []
            try:
                payload = json.loads(body)
            except ValueError:
                return 400, {"error": "body must be JSON"}, []
            with state.lock:
                w = state.data["webhook"]
                if key and key in w["by_key"]:
                    state.record({"op": "w_attempt", "key": key})
                    return 200, {"id": w["by_key"][key]["id"], "duplicate": True}, []
                delivery = {"id": f"hook-{len(w['deliveries']) + 1}", "idempotency_key": key, "body": payload, "attempts": 1}
                state.record({"op": "w_delivery", "d": delivery})
                return 200, {"id": delivery["id"]}, []

    return Handler


def mastodon_html(text, base):
    def word(w):
        if w.startswith(("https://", "http://")):
            scheme, rest = w.split("://", 1)
            return (f'<a href="{html.escape(w)}" rel="nofollow noopener" target="_blank">'
                    f'<span class="invisible">{scheme}://</span><span class="">{html.escape(rest)}</span>'
                    f'<span class="invisible"></span></a>')
        m = re.fullmatch(r"#(\w+)", w)
        if m:
            return f'<a href="{base}/tags/{m.group(1)}" class="mention hashtag" rel="tag">#<span>{html.escape(m.group(1))}</span></a>'
        return html.escape(w)

    paragraphs = text.split("\n\n")
    return "".join("<p>" + "<br />".join(" ".join(word(w) for w in line.split(" ")) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", default=None, help="journal file (JSON lines) keeping what was created across restarts")
    parser.add_argument("--fsync", action="store_true", help="fsync the journal after every write (power-loss safe)")
    parser.add_argument("--mastodon-token", default="mastodon-token")
    parser.add_argument("--max-characters", type=int, default=500)
    parser.add_argument("--bsky-identifier", default="ada.test")
    parser.add_argument("--bsky-password", default="abcd-efgh-ijkl-mnop")
    parser.add_argument("--webhook-secret", default="whsec-fake-0123456789")
    config = parser.parse_args()
    state = State(config.state, config.fsync)
    server = ThreadingHTTPServer((config.host, config.port), make_handler(state, config))
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
