#!/usr/bin/env bash
# studio's /healthz and a 1 KiB static file against nginx serving the same file, both on loopback.
set -uo pipefail
STUDIO=${1:?studio binary}; WORK=${2:?scratch dir}
mkdir -p "$WORK/web" "$WORK/data" "$WORK/nginx"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cp -R "$REPO/web-static/." "$WORK/web/"
head -c 1024 /dev/urandom | base64 -w 64 | head -c 1024 > "$WORK/web/bench-1k.txt"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SP=$(free_port); NP=$(free_port)

"$STUDIO" serve --data-dir "$WORK/data" --listen 127.0.0.1:$SP --web-root "$WORK/web" --set http.access_log=false --set http.threads=2 >/dev/null 2>"$WORK/studio.log" &
SPID=$!
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types { text/plain txt; }
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server { listen 127.0.0.1:$NP; root $WORK/web; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" || { echo "nginx did not start"; }
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$SP/healthz" >/dev/null && curl -sf "http://127.0.0.1:$NP/bench-1k.txt" >/dev/null && break; sleep 0.1; done
sleep 1
IDLE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)

measure() { # url -> "rps p99ms"
  wrk -t2 -c64 -d10s --latency "$1" 2>/dev/null | awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
    END {printf "%d %.2f\n", rps, p99}'
}
read NGX_RPS NGX_P99 < <(measure "http://127.0.0.1:$NP/bench-1k.txt")
read ST_RPS ST_P99 < <(measure "http://127.0.0.1:$SP/bench-1k.txt")
read HZ_RPS HZ_P99 < <(measure "http://127.0.0.1:$SP/healthz")
LOADED_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)

printf "%-28s %12s %10s %14s\n" "target" "requests/s" "p99 ms" "vs nginx"
printf "%-28s %12d %10.2f %14s\n" "nginx 1 KiB file" "$NGX_RPS" "$NGX_P99" "1.00x"
printf "%-28s %12d %10.2f %13.2fx\n" "studio 1 KiB static file" "$ST_RPS" "$ST_P99" "$(echo "$ST_RPS / $NGX_RPS" | bc -l)"
printf "%-28s %12d %10.2f %13.2fx\n" "studio /healthz" "$HZ_RPS" "$HZ_P99" "$(echo "$HZ_RPS / $NGX_RPS" | bc -l)"
echo "studio idle RSS: $((IDLE_RSS / 1024)) MiB (goal < 30 MiB); after load: $((LOADED_RSS / 1024)) MiB"
echo "goals: studio >= 0.8x nginx on both, p99 < 5 ms"

kill -TERM $SPID; wait $SPID 2>/dev/null
kill "$(cat "$WORK/nginx/nginx.pid" 2>/dev/null)" 2>/dev/null
