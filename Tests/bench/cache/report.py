#!/usr/bin/env python3
"""Prints the cache-vs-Redis table from the two JSON files of one run, with ratios and the goals."""
import json, sys

cache = json.load(open(sys.argv[1]))
redis = json.load(open(sys.argv[2]))


def yes(ok):
    return "yes" if ok else "NO"


print()
print("## Tiered cache vs Redis %s (same run, same machine)" % redis.get("redis_version", "?"))
print()
print("| operations (1 KiB values) | tiered cache, in process | Redis, redis-benchmark 50 clients | ratio | goal ≥50× |")
print("|---|---|---|---|---|")
for op in ("get", "set"):
    for threads in (1, 2):
        suffix = "%d thread%s" % (threads, "s" if threads > 1 else "")
        ours = cache.get("%s, %s" % (op, suffix))
        if ours is None:
            continue
        theirs = redis["redis_benchmark_" + op]
        print("| %s/s wall clock, %s | %s | %s | ×%.1f | %s |" % (op.upper(), suffix, f"{ours:,.0f}", f"{theirs:,.0f}",
                                                              ours / theirs, yes(ours / theirs >= 50)))
        ours_cpu = cache.get("%s per cpu-second, %s" % (op, suffix))
        theirs_cpu = redis.get("redis_benchmark_%s_per_server_cpu_second" % op)
        if ours_cpu and theirs_cpu:
            print("| %s per CPU-second (server side for Redis), %s | %s | %s | ×%.1f | %s |" % (
                op.upper(), suffix, f"{ours_cpu:,.0f}", f"{theirs_cpu:,.0f}", ours_cpu / theirs_cpu,
                yes(ours_cpu / theirs_cpu >= 50)))
print()
print("| Zipf(0.99), 1M requests, 100k keys | exact LRU | Redis allkeys-lru | tiered cache | tiered, TinyLFU off | static top-C | tiered − Redis | top-C − tiered | goals |")
print("|---|---|---|---|---|---|---|---|---|")
for tag in ("1", "5", "10"):
    if "tiered_" + tag not in cache or "redis_" + tag not in redis:
        continue
    lru, ours, plain, top = (cache["lru_" + tag], cache["tiered_" + tag], cache["tiered_noadmission_" + tag],
                             cache["oracle_" + tag])
    theirs = redis["redis_" + tag]
    goal = ours > theirs and (tag != "10" or top - ours <= 0.03 + 1e-9)
    print("| %s %% (C = %s) | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %+.1f pt | %.1f pt | %s |" % (
        tag, f"{cache['capacity_' + tag]:,}", lru * 100, theirs * 100, ours * 100, plain * 100, top * 100,
        (ours - theirs) * 100, (top - ours) * 100, yes(goal)))
print()
if "memory_measured" in cache:
    print("| memory per entry beyond key and value | tiered cache | Redis | goal < 96 B |")
    print("|---|---|---|---|")
    print("| bytes | %.1f (malloc-measured; %.1f accounted) | %.0f (used_memory) | %s |" % (
        cache["memory_measured"], cache["memory_accounted"], redis["redis_memory_beyond_key_value"],
        yes(cache["memory_measured"] < 96)))
