#!/usr/bin/env python3
"""Redis 7 side of the cache bench: the same Zipf trace, the same memory, and redis-benchmark.

Starts its own redis-server on a free loopback port (--save '' --appendonly no), then for each
capacity C (percent of the key space):
  1. loads C keys of the bench's shape (k:NNNNNN + value) and reads used_memory: that is the
     "same memory" maxmemory (the method of notes/peer-baselines.md);
  2. FLUSHALL, maxmemory = that, allkeys-lru, and replays the trace as `SET k v GET` pipelined 16
     deep (nil reply = miss, and the SET inserts), counting hits over the whole trace.
Then runs `redis-benchmark -t set|get -d 1024 -c 50 -n 200000 -q` against it (one test at a time,
recording the server's CPU seconds from INFO cpu, since the machine is shared). Writes JSON.
Raw RESP over a socket: no client library needed.
"""
import argparse, array, json, os, random, re, socket, subprocess, sys, time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Resp:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    @staticmethod
    def encode(*parts):
        out = [b"*%d\r\n" % len(parts)]
        for p in parts:
            if isinstance(p, str):
                p = p.encode()
            elif isinstance(p, int):
                p = str(p).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(p), p))
        return b"".join(out)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            self._fill()

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("redis error: " + rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data = bytes(self.buf[:n])
            del self.buf[: n + 2]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def call(self, *parts):
        self.sock.sendall(self.encode(*parts))
        return self.reply()

    def info_used_memory(self):
        text = self.call("INFO", "memory").decode()
        return int(re.search(r"used_memory:(\d+)", text).group(1))


def server_cpu(r):
    """CPU seconds the redis-server process has used (user + system, all its threads)."""
    text = r.call("INFO", "cpu").decode()
    return float(re.search(r"used_cpu_user:([\d.]+)", text).group(1)) + float(re.search(r"used_cpu_sys:([\d.]+)", text).group(1))


def key(rank):
    return b"k:%06d" % rank


def load(r, count, value, depth=256):
    for start in range(0, count, depth):
        batch = [Resp.encode("SET", key(i), value) for i in range(start, min(count, start + depth))]
        r.sock.sendall(b"".join(batch))
        for _ in batch:
            r.reply()


def replay(r, trace, value, depth=16):
    """SET k v GET for every request, `depth` in flight; returns the number of hits."""
    head = b"*4\r\n$3\r\nSET\r\n$8\r\n"
    tail = b"\r\n$%d\r\n" % len(value) + value + b"\r\n$3\r\nGET\r\n"
    hits = 0
    n = len(trace)
    for start in range(0, n, depth):
        end = min(n, start + depth)
        r.sock.sendall(b"".join(head + key(trace[i]) + tail for i in range(start, end)))
        for _ in range(end - start):
            if r.reply() is not None:
                hits += 1
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--value-size", type=int, default=1024)
    ap.add_argument("--percents", type=float, nargs="+", default=[1, 5, 10])
    args = ap.parse_args()

    trace = array.array("I")
    with open(args.trace, "rb") as f:
        trace.frombytes(f.read())
    if sys.byteorder != "little":
        trace.byteswap()
    value = random.Random(5).randbytes(args.value_size)

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", args.scratch, "--logfile", os.path.join(args.scratch, "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {"port": port}
    try:
        for _ in range(100):
            try:
                r = Resp(port)
                r.call("PING")
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("redis-server did not start")
        results["redis_version"] = re.search(r"redis_version:(\S+)", r.call("INFO", "server").decode()).group(1)

        r.call("FLUSHALL")
        r.call("CONFIG", "SET", "maxmemory", "0")
        empty = r.info_used_memory()
        for percent in args.percents:
            capacity = int(round(args.keys * percent / 100))
            tag = str(int(percent))
            r.call("FLUSHALL")
            r.call("CONFIG", "SET", "maxmemory", "0")
            load(r, capacity, value)
            used = r.info_used_memory()
            r.call("FLUSHALL")
            r.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
            r.call("CONFIG", "SET", "maxmemory", str(used))
            started = time.monotonic()
            hits = replay(r, trace, value)
            elapsed = time.monotonic() - started
            results["redis_%s" % tag] = hits / len(trace)
            results["redis_maxmemory_%s" % tag] = used
            results["redis_keys_%s" % tag] = int(r.call("DBSIZE"))
            results["redis_replay_rate_%s" % tag] = len(trace) / elapsed
            per_key = (used - empty) / capacity
            results["redis_bytes_per_key_%s" % tag] = per_key
            print("redis %s%%: maxmemory %d, hit ratio %.4f, %d keys at end, replay %.0f req/s, %.0f B/key"
                  % (tag, used, hits / len(trace), results["redis_keys_%s" % tag], len(trace) / elapsed, per_key))
        biggest = str(int(args.percents[-1]))
        results["redis_memory_beyond_key_value"] = results["redis_bytes_per_key_" + biggest] - 8 - args.value_size

        r.call("FLUSHALL")
        r.call("CONFIG", "SET", "maxmemory", "0")
        for test in ("set", "get"):  # set first, so GET finds its key
            cpu_before = server_cpu(r)
            out = subprocess.run(
                ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-d", "1024",
                 "-c", "50", "-n", "200000", "-q"], capture_output=True, text=True, check=True).stdout
            cpu = server_cpu(r) - cpu_before
            m = re.findall(r"%s: ([\d.]+) requests per second" % test.upper(), out.replace("\r", "\n"))
            results["redis_benchmark_" + test] = float(m[-1])
            results["redis_benchmark_%s_per_server_cpu_second" % test] = 200_000 / cpu if cpu > 0 else 0.0
        print("redis-benchmark: SET %.0f/s (%.0f per server CPU-second), GET %.0f/s (%.0f per server CPU-second)"
              % (results["redis_benchmark_set"], results["redis_benchmark_set_per_server_cpu_second"],
                 results["redis_benchmark_get"], results["redis_benchmark_get_per_server_cpu_second"]))
        try:
            r.call("SHUTDOWN", "NOSAVE")
        except (ConnectionError, OSError):
            pass
    finally:
        server.terminate()
        server.wait(timeout=10)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
