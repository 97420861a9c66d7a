"""A fake OpenAI-compatible Chat Completions server for the black-box tests.

Run as a process (so a test can kill it mid-request):  python3 fake_openai.py [--delay S] [--mode M]
It prints `PORT <n>` on its first line. Modes: ok, error500, ratelimit, garbage, hang.
GET /stats answers {"requests": n, "models": {name: n}}; POST /mode {"mode":..., "delay":...} changes behaviour.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"mode": "ok", "delay": 0.0, "requests": 0, "models": {}}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.endswith("/stats"):
            with LOCK:
                self.send_json(200, {"requests": STATE["requests"], "models": dict(STATE["models"])})
        elif self.path.endswith("/models"):
            self.send_json(200, {"object": "list", "data": []})
        else:
            self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path.endswith("/mode"):
            change = json.loads(raw or b"{}")
            with LOCK:
                STATE.update({k: v for k, v in change.items() if k in ("mode", "delay")})
            self.send_json(200, {"ok": True})
            return
        if not self.path.endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": "no such route", "type": "invalid_request_error"}})
            return
        try:
            request = json.loads(raw)
        except ValueError:
            self.send_json(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
            return
        model = request.get("model", "?")
        with LOCK:
            STATE["requests"] += 1
            STATE["models"][model] = STATE["models"].get(model, 0) + 1
            mode, delay = STATE["mode"], STATE["delay"]
        if delay:
            time.sleep(delay)
        if mode == "hang":
            time.sleep(3600)
        if mode == "error500":
            self.send_json(500, {"error": {"message": "model crashed", "type": "api_error"}})
            return
        if mode == "ratelimit":
            self.send_json(429, {"error": {"message": "slow down", "type": "rate_limit_error"}}, {"Retry-After": "30"})
            return
        if mode == "garbage":
            body = b"<html>not json"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        prompt = " ".join(str(m.get("content", "")) for m in request.get("messages", []))
        words = [w for w in prompt.split() if w.isalpha()][:8]
        text = f"{model} says: " + (" ".join(words) or "Hello") + "."
        self.send_json(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
        })


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--mode", default="ok")
    args = parser.parse_args()
    STATE["delay"], STATE["mode"] = args.delay, args.mode
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
