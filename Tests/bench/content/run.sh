#!/usr/bin/env bash
# Issue 6 and 7 figures: generation overhead against a fake model server, builtin generation, metric ingestion,
# and the publishing scheduler driving 10,000 publications through an instant fake connector.
set -uo pipefail
BENCH=${1:?studio-bench binary}; WORK=${2:?scratch dir}
mkdir -p "$WORK"
"$BENCH" content --data-dir "$WORK"
"$BENCH" publishing --data-dir "$WORK/publishing"
