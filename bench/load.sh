#!/usr/bin/env bash
# The load benchmark of issue #9: 64 connections for 60 s mixing layer items, vector tiles, a
# hotspot query and a CSV export against `antq serve` on the Lao Cai demo, three runs in a row.
# Prints p50/p99, requests/s and errors per run, and the server's resident memory after each run
# (it must stay flat: exports stream, nothing accumulates per request).
#
# Needs: wrk (apt-get install -y wrk). Usage: bench/load.sh   (CONNECTIONS=64 DURATION=60s RUNS=3;
# BIN=target/debug/antq to measure a debug build, figures then say so).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-load
BIN=${BIN:-target/release/antq}
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
RUNS=${RUNS:-3}
PORT=${PORT:-18097}
command -v wrk >/dev/null || { echo "missing wrk: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet
mkdir -p "$DIR"
URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null
if [ "$(psql "$URL" -Atc "select count(*) from admin_units")" = 0 ]; then
  $BIN load --database-url "$URL" fixtures/laocai >/dev/null
fi
[ -n "$(psql "$URL" -Atc "select 1 from users where username = 'loadtest'")" ] ||
  printf 'load-password-2026\n' | $BIN --database-url "$URL" user add loadtest --role admin >/dev/null
TOKEN=$($BIN --database-url "$URL" token create loadtest --expires-in 1d 2>/dev/null | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)

# The mix, one request path a line, cycled by every connection: 8 item pages, 8 tiles (z10-z12
# over Lao Cai city and Bat Xat), 2 hotspot queries, 1 export.
PATHS=$DIR/paths.txt
cat >"$PATHS" <<'PATHS_END'
/api/v1/collections/communes/items?limit=50
/api/v1/collections/key_points/items?limit=100&bbox=103.8,22.3,104.2,22.7
/api/v1/collections/villages/items?limit=100&bbox=103.6,22.4,104.0,22.8
/api/v1/collections/key_points/items?limit=100&category=drugs
/api/v1/collections/border_segments/items
/api/v1/collections/model_sites/items?limit=100
/api/v1/collections/patrol_tracks/items?limit=20
/api/v1/collections/districts/items
/api/v1/collections/communes/tiles/WebMercatorQuad/10/446/807
/api/v1/collections/key_points/tiles/WebMercatorQuad/10/446/807
/api/v1/collections/villages/tiles/WebMercatorQuad/10/445/806
/api/v1/collections/communes/tiles/WebMercatorQuad/11/891/1614
/api/v1/collections/key_points/tiles/WebMercatorQuad/11/892/1615
/api/v1/collections/border_segments/tiles/WebMercatorQuad/10/445/806
/api/v1/collections/villages/tiles/WebMercatorQuad/12/1783/3228
/api/v1/collections/communes/tiles/WebMercatorQuad/12/1784/3229
/api/v1/collections/hotspots/items?limit=200&cell=2000
/api/v1/collections/hotspots/tiles/WebMercatorQuad/10/446/807?cell=2000
/api/v1/collections/key_points/export?f=csv&category=drugs
PATHS_END

ANTQ_BIND=127.0.0.1:$PORT ANTQ_LOG_FORMAT=json RUST_LOG=warn $BIN serve --database-url "$URL" --web-dir web \
  >"$DIR/antq.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; $BIN cluster stop --data-dir "$DIR/pg" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }

echo "antq $BIN; $CONNECTIONS connections, $DURATION per run, $RUNS runs; RSS at start $(rss) KiB"
for run in $(seq 1 "$RUNS"); do
  result=$(PATHS=$PATHS TOKEN=$TOKEN wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 30s -s bench/tiles.lua \
    "http://127.0.0.1:$PORT" | grep '^RESULT')
  echo "run $run: ${result#RESULT } rss_kib=$(rss)"
done
