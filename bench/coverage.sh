#!/usr/bin/env bash
# Border coverage for a year of tracks: `border_coverage` items for 2025 (sight width 500 m) over a
# year of daily patrols along every border segment (bench/coverage_tracks.sql, 21 x 365 tracks)
# on the Lao Cai demo, in a scratch cluster under var/bench-coverage. Each figure is the median of
# RUNS runs; the same SQL function is also run directly by psql in the same run, and the ratio
# (service / psql) printed. Results go to var/bench-coverage/results.md.
#
# Needs: curl, psql. Usage: bench/coverage.sh      RUNS=7 BIN=target/release/antq to change.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-coverage
BIN=${BIN:-target/release/antq}
RUNS=${RUNS:-5}
PORT=18097
WINDOW="2025-01-01/2025-12-31"
[ -x "$BIN" ] || cargo build --release --quiet
mkdir -p "$DIR"

URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null 2>&1
if [ "$(psql "$URL" -Atc "select count(*) from border_segments")" = 0 ]; then
  $BIN load --database-url "$URL" fixtures/laocai
fi
psql "$URL" -q -v ON_ERROR_STOP=1 -f bench/coverage_tracks.sql >/dev/null
TRACKS=$(psql "$URL" -Atc "select count(*) from patrol_tracks t join patrols p on p.id = t.patrol_id where p.code like 'BENCH/%'")
[ -n "$(psql "$URL" -Atc "select 1 from users where username = 'bench'")" ] ||
  printf 'bench-password-2026\n' | $BIN --database-url "$URL" user add bench --role analyst >/dev/null
TOKEN=$($BIN --database-url "$URL" token create bench --expires-in 1d 2>/dev/null | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
$BIN serve --database-url "$URL" --bind 127.0.0.1:$PORT >"$DIR/antq.log" 2>&1 & pids+=($!)
for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.2; done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The service: the whole layer as GeoJSON (limit above the 21 segments), ms.
service_ms() {
  curl -s -o "$DIR/coverage.json" -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/api/v1/collections/border_coverage/items?datetime=$WINDOW&width=500&limit=100" \
    | awk '{ printf "%.1f\n", $1 * 1000 }'
}
# psql: the layer's SQL function for the same window (as the service binds it), server time, ms.
psql_ms() {
  psql "$URL" -At -o /dev/null -c '\timing on' \
    -c "select * from atlas_border_coverage('2025-01-01 00:00+07', '2026-01-01 00:00+07', 500, 0.25)" \
    | awk '/^Time:/ { print $2 }'
}
service_ms >/dev/null  # warm the caches of both the same way
psql_ms >/dev/null
s=(); p=()
for _ in $(seq "$RUNS"); do s+=("$(service_ms)"); p+=("$(psql_ms)"); done
S=$(printf '%s\n' "${s[@]}" | median)
P=$(printf '%s\n' "${p[@]}" | median)
COVERED=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["features"]; print(len(f), round(sum(x["properties"]["covered_m"] for x in f)/sum(x["properties"]["length_m"] for x in f), 4))' "$DIR/coverage.json")
{
  echo "| what | median ms ($RUNS runs) | all runs |"
  echo "|---|---|---|"
  echo "| service: border_coverage items, $WINDOW, width 500 ($TRACKS tracks) | $S | ${s[*]} |"
  echo "| psql: atlas_border_coverage, same window | $P | ${p[*]} |"
  echo "| ratio service / psql | $(awk -v a="$S" -v b="$P" 'BEGIN { printf "%.2f", a / b }') | |"
  echo "| segments, share covered overall | $COVERED | |"
} | tee "$DIR/results.md"
