#!/usr/bin/env bash
# make bench: every benchmark, each printed beside the reference it is measured against in the same run.
# $1: the release build folder (holds studio and studio-bench). Runs on loopback only; bounded in time.
set -uo pipefail
BUILD=${1:?usage: run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SCRATCH=$(mktemp -d /tmp/studio-bench-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

echo "== HTTP: studio vs nginx (wrk, 10 s, 64 connections, 2 threads, loopback) =="
bash "$HERE/http.sh" "$BUILD/studio" "$SCRATCH/http"

for area in graph cache cypher accounts billing content; do
  if [ -x "$HERE/$area/run.sh" ] || [ -f "$HERE/$area/run.sh" ]; then
    echo
    echo "== $area =="
    bash "$HERE/$area/run.sh" "$BUILD/studio-bench" "$SCRATCH/$area" || echo "($area bench failed: exit $?)"
  fi
done
