#!/usr/bin/env bash
# Streams an export of N generated key points (default 1,000,000) and samples the server's
# resident memory while it runs: the growth over the idle baseline must stay small and flat
# (target: < 50 MB), because rows go from the database to the socket in 64 KiB chunks.
# Usage: bench/export-memory.sh [N] [csv|geojson|kml]
# Uses its own private cluster under var/bench-export (removed with BENCH_CLEAN=1).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
FORMAT=${2:-csv}
DIR=$PWD/var/bench-export
PORT=${BENCH_PORT:-18093}
BIN=${BIN:-target/release/antq}
[ -x "$BIN" ] || cargo build --release --quiet
[ "${BENCH_CLEAN:-0}" = 1 ] && rm -rf "$DIR"

URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null 2>&1
have=$(psql "$URL" -Atc "select count(*) from key_points")
if [ "$have" -lt "$N" ]; then
  echo "generating $((N - have)) key points ..."
  # Spread over Lao Cai's extent and 2018-2020; no admin units here, so no commune is derived.
  psql "$URL" -q -c "insert into key_points (code, category, severity, observed_at, location, description)
    select 'BENCH-' || g, (array['crime','drugs','smuggling','dispute','land'])[1 + g % 5], 1 + g % 5,
           timestamptz '2018-01-01 00:00+07' + (g % 1096) * interval '1 day',
           ST_SetSRID(ST_Point(103.53 + random() * 1.1, 21.88 + random() * 0.96), 4326), 'điểm thử ' || g
    from generate_series($have + 1, $N) g"
fi
# Users are disabled, never deleted (the audit log keeps them): reuse the bench user.
[ -n "$(psql "$URL" -Atc "select 1 from users where username = 'bench'")" ] ||
  printf 'bench-password-2026\n' | $BIN --database-url "$URL" user add bench --role analyst >/dev/null
TOKEN=$($BIN --database-url "$URL" token create bench --expires-in 1d | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)

$BIN serve --database-url "$URL" --bind 127.0.0.1:$PORT >"$DIR/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; '"$BIN"' cluster stop --data-dir '"$DIR/pg"' >/dev/null 2>&1' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
# Warm up (pool, prepared statements) with a small page, then take the baseline.
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/collections/key_points/items?limit=10" >/dev/null
base=$(rss); peak=$base
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $TOKEN" -o "$DIR/export.$FORMAT" \
  "http://127.0.0.1:$PORT/api/v1/collections/key_points/export?f=$FORMAT" &
CURL=$!
while kill -0 $CURL 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.1; done
wait $CURL
end=$(date +%s.%N)
bytes=$(stat -c %s "$DIR/export.$FORMAT")
rows=$( [ "$FORMAT" = csv ] && echo $(( $(wc -l < "$DIR/export.$FORMAT") - 1 )) || echo "-" )
awk -v n="$N" -v f="$FORMAT" -v b="$bytes" -v r="$rows" -v s="$start" -v e="$end" -v base="$base" -v peak="$peak" 'BEGIN {
  printf "export of %s key points as %s: %s bytes, %s rows, %.1f s\n", n, f, b, r, e - s
  printf "server RSS: baseline %d KiB, peak %d KiB, growth %d KiB (%.1f MB; target < 50 MB)\n", base, peak, peak - base, (peak - base) / 1024
}'
