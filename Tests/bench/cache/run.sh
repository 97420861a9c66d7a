#!/usr/bin/env bash
# Cache bench: the tiered cache and Redis 7 on the same trace in the same run.
# Usage: run.sh <studio-bench binary> <scratch dir>
set -euo pipefail
BIN=${1:?usage: run.sh <studio-bench binary> <scratch dir>}
SCRATCH=${2:?usage: run.sh <studio-bench binary> <scratch dir>}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$SCRATCH"
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    echo "redis-server missing: installing the Debian package" >&2
    apt-get install -y redis-server >/dev/null
fi
"$BIN" cache --trace-out "$SCRATCH/trace.u32" --json "$SCRATCH/cache.json"
python3 "$HERE/redis_compare.py" --trace "$SCRATCH/trace.u32" --json "$SCRATCH/redis.json" --scratch "$SCRATCH"
python3 "$HERE/report.py" "$SCRATCH/cache.json" "$SCRATCH/redis.json"
