#!/usr/bin/env bash
# Graph benchmark (issue 3): studio vs Kùzu 0.11.3, SQLite and a raw-LMDB C program, on the same CSVs.
# Usage: run.sh STUDIO_BENCH_BINARY SCRATCH_DIR   (env: GRAPH_BENCH_USERS, default 10000; GRAPH_BENCH_QUERIES, default 1000)
set -euo pipefail
BENCH_BIN=${1:?path to the studio-bench binary}
SCRATCH=${2:?scratch directory}
USERS=${GRAPH_BENCH_USERS:-10000}
QUERIES=${GRAPH_BENCH_QUERIES:-1000}
PASSES=3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK="$SCRATCH/graph"
mkdir -p "$WORK"

echo "== graph benchmark: demo --users $USERS, $QUERIES random creators, $PASSES passes"

# 1. studio: demo -> CSV export -> timed import -> Q1..Q5 (writes the CSVs the references load).
"$BENCH_BIN" graph --users "$USERS" --work "$WORK" --queries "$QUERIES" --passes "$PASSES" --json "$WORK/studio.json"

# 2. Kùzu 0.11.3 in its own virtualenv (installed by the bench, not the system).
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --disable-pip-version-check kuzu==0.11.3 </dev/null || echo "kuzu install failed; skipping"
fi
if "$WORK/venv/bin/python" -c "import kuzu" 2>/dev/null; then
  (cd "$HERE" && "$WORK/venv/bin/python" kuzu_bench.py "$WORK/csv" "$WORK/kuzu.db" "$USERS" "$QUERIES" "$PASSES" "$WORK/kuzu.json") || echo "kuzu run failed"
fi

# 3. SQLite (Python's sqlite3): adjacency tables + indexes, WAL, synchronous=FULL.
(cd "$HERE" && python3 sqlite_bench.py "$WORK/csv" "$WORK/sqlite.db" "$USERS" "$QUERIES" "$PASSES" "$WORK/sqlite.json") || echo "sqlite run failed"

# 4. Raw LMDB in C: the floor.
cc -O2 -o "$WORK/lmdb_floor" "$HERE/lmdb_floor.c" -llmdb
rm -rf "$WORK/lmdb-c"
"$WORK/lmdb_floor" "$WORK/csv" "$WORK/lmdb-c" "$USERS" "$QUERIES" "$PASSES" > "$WORK/lmdb-c.json" || echo "lmdb-c run failed"

echo
python3 "$HERE/report.py" "$WORK/studio.json" "$WORK/kuzu.json" "$WORK/sqlite.json" "$WORK/lmdb-c.json"
