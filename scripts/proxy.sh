#!/usr/bin/env bash
# Kassa behind nginx, as a store deploys it (README: a reverse proxy in
# front), with nginx's default proxy settings: a live stream's events must
# reach the screen at once, not when nginx's buffer fills. Debug build,
# embedded simulator; nginx from Debian (setup.sh installs it).
#
#   scripts/proxy.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"

serve_debug_kassa "${PROXY_KASSA_PORT:-3476}"
say "Putting nginx in front of it"
work="$KASSA_WORK"
proxy="http://127.0.0.1:${PROXY_PORT:-3477}"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen ${proxy#http://};
    location / {
      proxy_pass $KASSA_URL;
      proxy_set_header Host \$host;
    }
  }
}
EOF
"$(command -v nginx || echo /usr/sbin/nginx)" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
trap 'kill "$nginx_pid" "$KASSA_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  curl -fs -o /dev/null "$proxy/readyz" && break
  sleep 0.1
done
curl -fs -o /dev/null "$proxy/readyz" || { cat "$work/nginx/error.log" >&2; echo "nginx did not answer" >&2; exit 1; }

say "A store's live stream through nginx: a new payment's event arrives at once"
curl -sN --max-time 20 -H "Authorization: Bearer kassa-dev-key" "$proxy/api/v1/events" >"$work/events.txt" &
stream_pid=$!
sleep 1
curl -fs -o /dev/null -X POST "$proxy/api/v1/payments" \
  -H "Authorization: Bearer kassa-dev-key" -H "Idempotency-Key: proxy-check-$$" \
  -H "Content-Type: application/json" \
  -d '{"lines":[{"name":"Scarf","quantity":1,"unit_price":19900,"tax_rate":2500}]}'
started=$(date +%s%N)
# A payment event is about 1 KB; nginx's buffer is 4 KB or more, so a
# buffered stream would show nothing here for 15 s (the next keep-alive).
until grep -q "^event: payment" "$work/events.txt"; do
  if [ $(($(date +%s%N) - started)) -gt 3000000000 ]; then
    kill "$stream_pid" 2>/dev/null || true
    echo "FAIL: no payment event through nginx within 3 s of starting a payment; the stream so far:" >&2
    cat "$work/events.txt" >&2
    exit 1
  fi
  sleep 0.1
done
echo "ok: the payment's event came through nginx after $((($(date +%s%N) - started) / 1000000)) ms"
kill "$stream_pid" 2>/dev/null || true
