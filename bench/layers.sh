#!/usr/bin/env bash
# The layers benchmark: this service against martin (vector tiles) and tipg (GeoJSON items), and
# against PostgreSQL itself (pgbench running the same item queries), on one database holding the
# Lao Cai demo plus a national-scale synthetic set (bench/national.sql). Prints each figure and the
# ratios, and writes them to var/bench-layers/results.md (copy into docs/performance.md).
#
# Needs: martin (cargo install martin@1.14.0 --locked --no-default-features --features postgres),
# tipg and uvicorn (pip install tipg uvicorn), wrk (apt-get install wrk), pgbench (postgresql).
# Usage: bench/layers.sh            DURATION=20s CONNECTIONS=32 to change the load.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-layers
BIN=${BIN:-target/release/antq}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
OURS=18094 MARTIN=18095 TIPG=18096
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: $2" >&2; exit 1; }; }
need martin "cargo install martin@1.14.0 --locked --no-default-features --features postgres"
need wrk "apt-get install -y wrk"
need pgbench "apt-get install -y postgresql-client"
python3 -c 'import tipg, uvicorn' 2>/dev/null || { echo "missing tipg: pip install tipg uvicorn" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet
mkdir -p "$DIR"

URL=$($BIN cluster start --data-dir "$DIR/pg")
SOCKET=$DIR/pg
$BIN migrate --database-url "$URL" >/dev/null 2>&1
if [ "$(psql "$URL" -Atc "select count(*) from admin_units where code = 'S0'")" = 0 ]; then
  echo "loading the Lao Cai demo and generating the national-scale set (once) ..."
  $BIN load --database-url "$URL" fixtures/laocai
  time psql "$URL" -v ON_ERROR_STOP=1 -q -f bench/national.sql
fi
# The reference servers publish tables and views as they are: give them the same rows our layers
# serve (current units of one level, live key points) as plain views.
psql "$URL" -q -v ON_ERROR_STOP=1 <<'SQL'
create or replace view bench_key_points as
  select id, code, category, severity, status::text as status, observed_at, location as geom
  from key_points where archived_at is null;
create or replace view bench_communes as
  select id, code, name, kind, population, geom from admin_units where level = 'commune' and validity @> current_date;
create or replace view bench_villages as
  select id, code, name, kind, population, geom from admin_units where level = 'village' and validity @> current_date;
create or replace view bench_border as select id, code, name, geom from border_segments;
SQL
# Users are disabled, never deleted (the audit log keeps them): reuse the bench user.
[ -n "$(psql "$URL" -Atc "select 1 from users where username = 'bench'")" ] ||
  printf 'bench-password-2026\n' | $BIN --database-url "$URL" user add bench --role analyst >/dev/null
TOKEN=$($BIN --database-url "$URL" token create bench --expires-in 1d 2>/dev/null | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)
MAX_ID=$(psql "$URL" -Atc "select max(id) from key_points")
python3 bench/make_paths.py "$DIR" "$MAX_ID"

# tipg (asyncpg, pydantic URLs) cannot reach a Unix socket: this bench-only cluster also listens
# on loopback TCP (trust, as its socket), set with ALTER SYSTEM and a restart.
if [ "$(psql "$URL" -Atc "show listen_addresses")" != 127.0.0.1 ]; then
  psql "$URL" -q -c "alter system set listen_addresses = '127.0.0.1'"
  $BIN cluster stop --data-dir "$DIR/pg" >/dev/null 2>&1
  $BIN cluster start --data-dir "$DIR/pg" >/dev/null 2>&1
fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
$BIN serve --database-url "$URL" --bind 127.0.0.1:$OURS --pool-size 32 >"$DIR/antq.log" 2>&1 & pids+=($!)
HOST_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SOCKET")
martin --listen-addresses 127.0.0.1:$MARTIN --pool-size 32 --cache-size 0 \
  "postgresql://postgres@$HOST_ENC:5432/antq" >"$DIR/martin.log" 2>&1 & pids+=($!)
DATABASE_URL="postgresql://postgres@127.0.0.1:5432/antq" TIPG_DB_MAX_CONN_SIZE=32 \
  python3 -m uvicorn tipg.main:app --host 127.0.0.1 --port $TIPG --log-level warning >"$DIR/tipg.log" 2>&1 & pids+=($!)
for port in $OURS $MARTIN $TIPG; do
  for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done

# One wrk run over a path list; prints "rps p50 p99 errors".
load() { # file token
  PATHS=$1 TOKEN=${3:-} wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s bench/tiles.lua "http://127.0.0.1:$2" 2>&1 \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["rps"], v["p50_ms"], v["p99_ms"], v["errors"] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
report() { echo "$*" | tee -a "$DIR/results.md"; }
: >"$DIR/results.md"
report "| what | this service | reference | ratio |"
report "|---|---|---|---|"

# Cold caches: each server meets the tile list for the first time in this run, and martin's
# tile cache is off (--cache-size 0) so repeats are not served from memory.
read -r o_rps o_p50 o_p99 o_err < <(load "$DIR/tiles.ours" $OURS "$TOKEN")
read -r m_rps m_p50 m_p99 m_err < <(load "$DIR/tiles.martin" $MARTIN)
report "| tiles req/s (1000 tiles z6-z14, 4 layers) | $o_rps | martin $m_rps | $(ratio "$o_rps" "$m_rps")x |"
report "| tiles p99 ms | $o_p99 | martin $m_p99 | $(ratio "$o_p99" "$m_p99")x |"
report "| tiles errors | $o_err | martin $m_err | |"

read -r o_rps o_p50 o_p99 o_err < <(load "$DIR/items.ours" $OURS "$TOKEN")
read -r t_rps t_p50 t_p99 t_err < <(load "$DIR/items.tipg" $TIPG)
report "| items (limit=100, bbox) req/s | $o_rps | tipg $t_rps | $(ratio "$o_rps" "$t_rps")x |"
report "| items p50 ms | $o_p50 | tipg $t_p50 | $(ratio "$o_p50" "$t_p50")x |"
items_rps=$o_rps

read -r o_rps o_p50 o_p99 o_err < <(load "$DIR/item.ours" $OURS "$TOKEN")
read -r t_rps t_p50 t_p99 t_err < <(load "$DIR/item.tipg" $TIPG)
report "| one item by id req/s | $o_rps | tipg $t_rps | $(ratio "$o_rps" "$t_rps")x |"
report "| one item p50 ms | $o_p50 | tipg $t_p50 | $(ratio "$o_p50" "$t_p50")x |"

read -r o_rps o_p50 o_p99 o_err < <(load "$DIR/search.ours" $OURS "$TOKEN")
report "| search (national set, 200 queries) req/s | $o_rps | | |"
report "| search p50 / p99 ms | $o_p50 / $o_p99 | | |"

# The raw SQL floor: the same two statements our items endpoint runs (count, page), bbox drawn
# like the path list's, through pgbench on the same socket with the same connections.
cat >"$DIR/items.pgbench" <<'SQL'
\set xm random(0, 1100)
\set ym random(0, 960)
select count(*) from key_points k where k.archived_at is null
  and ST_Intersects(k.location, ST_MakeEnvelope(103.53 + cast(:xm as int) / 1000.0, 21.88 + cast(:ym as int) / 1000.0, 103.63 + cast(:xm as int) / 1000.0, 21.98 + cast(:ym as int) / 1000.0, 4326));
select json_build_object('type', 'Feature', 'id', k.id, 'geometry', ST_AsGeoJSON(k.location, 6)::json,
  'properties', json_build_object('code', k.code, 'category', k.category, 'category_vi', cat.name_vi,
    'category_en', cat.name_en, 'severity', k.severity, 'status', k.status::text,
    'observed_at', to_char(k.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'commune_code', c.code, 'commune_name', c.name, 'description', k.description))::text
from key_points k join key_point_categories cat on cat.code = k.category left join admin_units c on c.id = k.commune_id
where k.archived_at is null
  and ST_Intersects(k.location, ST_MakeEnvelope(103.53 + cast(:xm as int) / 1000.0, 21.88 + cast(:ym as int) / 1000.0, 103.63 + cast(:xm as int) / 1000.0, 21.98 + cast(:ym as int) / 1000.0, 4326))
order by k.id limit 100;
SQL
secs=${DURATION%s}
pg_tps=$(pgbench -n -c "$CONNECTIONS" -j 2 -T "$secs" -f "$DIR/items.pgbench" "$URL" 2>/dev/null \
  | awk '/^tps/ { print $3 }')
report "| items req/s vs raw SQL (pgbench, same statements) | $items_rps | PostgreSQL $pg_tps | $(ratio "$pg_tps" "$items_rps")x overhead |"

# Export of 100,000 points as CSV against tipg paging through the same points (10,000 a page).
BBOX="102.0,8.5,109.5,9.625"
n=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$OURS/api/v1/collections/key_points/items?limit=1&bbox=$BBOX" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["numberMatched"])')
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $TOKEN" -o "$DIR/export.csv" \
  "http://127.0.0.1:$OURS/api/v1/collections/key_points/export?f=csv&bbox=$BBOX"
ours_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
start=$(date +%s.%N)
python3 - "$TIPG" "$BBOX" <<'PY'
import json, sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/collections/public.bench_key_points/items?limit=10000&bbox={sys.argv[2]}"
got = 0
while url:
    page = json.load(urllib.request.urlopen(url))
    got += len(page["features"])
    url = next((l["href"] for l in page.get("links", []) if l["rel"] == "next"), None)
print(got, file=sys.stderr)
PY
tipg_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
report "| export of $n points (CSV) vs tipg paging, seconds | $ours_s | tipg $tipg_s | $(ratio "$ours_s" "$tipg_s")x |"
report "| antq RSS after the run, KiB | $(rss "${pids[0]}") | martin $(rss "${pids[1]}"), tipg $(rss "${pids[2]}") | |"
echo "results in $DIR/results.md"
