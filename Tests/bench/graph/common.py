"""Shared pieces of the reference benchmarks: the creator sample, medians, CSV layout."""
import json
import statistics
import time

MASK = (1 << 64) - 1


class SplitMix64:
    """Same generator as the Swift bench and the C floor, so every engine queries the same creators."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def creators(users, queries):
    rng = SplitMix64(7)
    return [rng.next() % users + 1 for _ in range(queries)]


def timed(ids, passes, fn):
    """One warm-up pass, then `passes` timed ones; median of pass medians in µs, and the last pass's summed result."""
    medians, total = [], 0
    for p in range(passes + 1):
        samples, total = [], 0
        for i in ids:
            s = time.perf_counter()
            total += fn(i)
            samples.append((time.perf_counter() - s) * 1e6)
        if p > 0:
            medians.append(statistics.median(samples))
    return statistics.median(medians), total


def floor_us(fn, n=2000):
    samples = []
    for _ in range(n):
        s = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - s) * 1e6)
    return statistics.median(samples)


def header(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\n").split(",")


def emit(result, path=None):
    text = json.dumps(result)
    print(text, flush=True)
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")
