#!/usr/bin/env bash
# The layers benchmark (issue #17): every layer's vector tiles from this service, cold (tile cache
# off) and warm (tile cache on, filled by one pass), against martin on a view with the same rows
# and properties as the layer, and against PostgreSQL running exactly the statements the route
# runs (pgbench -M prepared, or -M extended for what the route plans per execution; values bound
# as the route binds them); item pages and single items
# against tipg and against the route's own statements. Every figure is printed with the load
# average beside it: quote figures only from a run on an otherwise idle machine.
#
# Data: the Lao Cai demo plus 100,000 key points inside the province (POINTS), in a private
# cluster under var/bench-layers (made once, kept). Tiles: the same 1,000 tiles z8-z14 inside the
# province for every layer, and every z8-z10 tile of the province for the key points' low zooms.
#
# How the statements are obtained: the bench turns on log_min_duration_statement = 0 for one
# antq process, asks it for one tile (and one item page, one item) per layer, and reads from the
# server log the prepared statements it executed with their bound values (bench/layers_sql.py).
# pgbench then runs those texts with z/x/y (or the box, or the id) looked up from the same lists
# by a random index (one primary-key lookup per transaction), every other value bound as logged;
# martin and tipg read views made of the same source with the same values.
#
# Needs: martin 1.14.0 (cargo install martin@1.14.0 --locked --no-default-features --features
# postgres; MARTIN=path), tipg (pip install tipg uvicorn in a venv; TIPG_PYTHON=its python),
# wrk (apt-get install -y wrk), pgbench (postgresql-client), a release build of antq.
# Usage: bench/layers.sh           DURATION=15s CONNECTIONS=8 LAYERS="communes key_points" to narrow;
#        CAPTURE_ONLY=1 stops after writing the statements and views (var/bench-layers/sql/).
#        WARM_RUNS=0 skips the warm column (filling the cache runs every tile once, which takes
#        minutes for the layers counting the whole province per tile).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-layers
BIN=${BIN:-target/release/antq}
MARTIN=${MARTIN:-martin}
TIPG_PYTHON=${TIPG_PYTHON:-python3}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-8}
POINTS=${POINTS:-100000}
LAYERS=${LAYERS:-}
COLD=18094 WARM=18097 MPORT=18095 TPORT=18096
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: $2" >&2; exit 1; }; }
need "$MARTIN" "cargo install martin@1.14.0 --locked --no-default-features --features postgres (or MARTIN=path)"
need wrk "apt-get install -y wrk"
need pgbench "apt-get install -y postgresql-client"
"$TIPG_PYTHON" -c 'import tipg, uvicorn' 2>/dev/null || { echo "missing tipg: pip install tipg uvicorn (TIPG_PYTHON=venv/bin/python)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release (or BIN=path)" >&2; exit 1; }
mkdir -p "$DIR/sql" "$DIR/paths" "$DIR/pgb"

URL=$($BIN cluster start --data-dir "$DIR/pg")
LOG=$DIR/pg/postgres.log
q() { psql "$URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
# The views of an earlier run read the layers' functions: drop them so a migration may replace those.
q -c "select format('drop view if exists %I cascade;', viewname) from pg_views where viewname like 'bench\_%'" | q
$BIN migrate --database-url "$URL" >/dev/null
[ "$(q -c "select count(*) from admin_units")" -gt 0 ] || $BIN load --database-url "$URL" fixtures/laocai >/dev/null
have=$(q -c "select count(*) from key_points where code like 'B-%'")
if [ "$have" -lt "$POINTS" ]; then
  # Random points inside the province, at least ~50 m inside its boundary (see import-points.sh),
  # imported through `antq import points` like an operator's file.
  csv=$DIR/points.csv
  echo "code,category,observed_at,lon,lat,description,severity" >"$csv"
  q -F, -c "
    select 'B-' || ($have + row_number() over ()), (array['crime','drugs','smuggling','dispute','land'])[1 + (random() * 4)::int],
           to_char((timestamptz '2018-01-01 00:00+07' + (random() * 1095) * interval '1 day') at time zone 'UTC',
                   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
           round(ST_X(p.geom)::numeric, 6), round(ST_Y(p.geom)::numeric, 6), 'điểm thử', 1 + (random() * 4)::int
    from (select (ST_Dump(ST_GeneratePoints(ST_Buffer(geom, -0.0005), $POINTS - $have))).geom from admin_units
          where level = 'province' and validity @> current_date) p" >>"$csv"
  $BIN import points "$csv" --layer key_points --database-url "$URL" >/dev/null
  rm -f "$csv"
fi
q -c "vacuum analyze"

# tipg (asyncpg) cannot reach a Unix socket: this bench-only cluster also listens on loopback TCP
# (trust, as its socket), set with ALTER SYSTEM and a restart.
if [ "$(q -c "show listen_addresses")" != 127.0.0.1 ]; then
  q -c "alter system set listen_addresses = '127.0.0.1'"
  $BIN cluster stop --data-dir "$DIR/pg" >/dev/null 2>&1
  $BIN cluster start --data-dir "$DIR/pg" >/dev/null
fi
[ -n "$(q -c "select 1 from users where username = 'bench'")" ] ||
  printf 'bench-password-2026\n' | $BIN --database-url "$URL" user add bench --role analyst >/dev/null
TOKEN=$($BIN --database-url "$URL" token create bench --expires-in 1d 2>/dev/null | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)

# The fixed lists, also as tables for pgbench's lookups.
python3 bench/make_paths.py "$DIR/paths" "$(q -c "select min(id) from key_points")" "$(q -c "select max(id) from key_points")"
q <<SQL
drop table if exists bench_tiles, bench_lowzoom, bench_boxes, bench_ids;
create table bench_tiles (i int primary key, z int, x int, y int);
create table bench_lowzoom (i int primary key, z int, x int, y int);
create table bench_boxes (i int primary key, x0 float8, y0 float8, x1 float8, y1 float8);
create table bench_ids (i int primary key, fid bigint);
\copy bench_tiles from '$DIR/paths/tiles.txt' with (delimiter ' ')
\copy bench_lowzoom from '$DIR/paths/lowzoom.txt' with (delimiter ' ')
\copy bench_boxes from '$DIR/paths/boxes.txt' with (delimiter ' ')
\copy bench_ids from '$DIR/paths/ids.txt' with (delimiter ' ')
analyze bench_tiles, bench_lowzoom, bench_boxes, bench_ids;
SQL

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  q -c "alter database antq reset log_min_duration_statement" 2>/dev/null || true
}
trap cleanup EXIT
wait_port() { for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.2; done; echo "port $1 never answered" >&2; exit 1; }
# The tile cache's switch, when this build has one (issue #17); without it "warm" is not measured.
CACHE_FLAG=
$BIN serve --help | grep -q -- '--tile-cache-mib' && CACHE_FLAG=--tile-cache-mib
serve() { # port cache-mib
  local extra=()
  [ -n "$CACHE_FLAG" ] && extra=("$CACHE_FLAG" "$2")
  RUST_LOG=warn $BIN serve --database-url "$URL" --bind "127.0.0.1:$1" --pool-size 16 "${extra[@]}" \
    >"$DIR/antq-$1.log" 2>&1 &
  pids+=($!)
  wait_port "$1"
}
get() { curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$COLD$1"; }

# 1. Capture what the route runs, one layer at a time.
q -c "alter database antq set log_min_duration_statement = 0"
serve $COLD 0
[ -n "$LAYERS" ] || LAYERS=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$COLD/api/v1/collections" |
  python3 -c 'import json, sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["collections"]))')
# One z13 tile over Lao Cai city; z, x, y appear once each among the bound values.
read -r CZ CX CY < <(python3 -c 'import math; z=13; lon, lat = 103.9712, 22.4856; n=2**z; r=math.radians(lat)
print(z, int((lon+180)/360*n), int((1-math.log(math.tan(r)+1/math.cos(r))/math.pi)/2*n))')
: >"$DIR/sql/slices"
pos() { sleep 0.3; stat -c %s "$LOG"; }
# key_points always: the items rows read its view (bench_key_points), dropped above with the others.
for layer in $(printf '%s\n' $LAYERS key_points | sort -u); do
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$COLD/api/v1/collections/$layer/tiles/WebMercatorQuad/tilejson.json" |
    python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["vector_layers"][0]["fields"]))' >"$DIR/sql/props-$layer.txt"
  path=/api/v1/collections/$layer/tiles/WebMercatorQuad/$CZ/$CY/$CX
  get "$path" || true # the first request of an analysis layer makes its stored run
  a=$(pos); get "$path" || true; b=$(pos)
  echo "tile $layer $a $b $CZ $CX $CY" >>"$DIR/sql/slices"
done
# The key points' low zooms run the counting statement (issue #17): one z9 tile of the province.
read -r LZ LX LY < <(python3 -c 'import math; z=9; lon, lat = 104.0, 22.3; n=2**z; r=math.radians(lat)
print(z, int((lon+180)/360*n), int((1-math.log(math.tan(r)+1/math.cos(r))/math.pi)/2*n))')
case " $LAYERS " in *" key_points "*)
  path=/api/v1/collections/key_points/tiles/WebMercatorQuad/$LZ/$LY/$LX
  a=$(pos); get "$path" || true; b=$(pos)
  echo "lowtile key_points $a $b $LZ $LX $LY" >>"$DIR/sql/slices" ;;
esac
read -r _ BX0 BY0 BX1 BY1 < <(head -1 "$DIR/paths/boxes.txt")
read -r _ FID < <(head -1 "$DIR/paths/ids.txt")
get "/api/v1/collections/key_points/items?limit=100&bbox=$BX0,$BY0,$BX1,$BY1"
a=$(pos); get "/api/v1/collections/key_points/items?limit=100&bbox=$BX0,$BY0,$BX1,$BY1"; b=$(pos)
echo "items key_points $a $b $BX0 $BY0 $BX1 $BY1" >>"$DIR/sql/slices"
a=$(pos); get "/api/v1/collections/key_points/items/$FID"; b=$(pos)
echo "item key_points $a $b $FID" >>"$DIR/sql/slices"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
q -c "alter database antq reset log_min_duration_statement"
python3 bench/layers_sql.py capture "$LOG" "$DIR/sql/slices" "$DIR/sql"
q -f "$DIR/sql/views.sql"
[ "${CAPTURE_ONLY:-0}" = 1 ] && { echo "statements and views in $DIR/sql/"; exit 0; }

# 2. The servers: antq with the tile cache off (cold) and on (warm), martin with its cache off,
# tipg; all on the same database with the same pool size.
serve $COLD 0
[ -n "$CACHE_FLAG" ] && serve $WARM 256
HOST_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DIR/pg")
"$MARTIN" --listen-addresses "127.0.0.1:$MPORT" --pool-size 16 --cache-size 0 --default-srid 4326 --auto-bounds skip \
  "postgresql://postgres@$HOST_ENC:5432/antq" >"$DIR/martin.log" 2>&1 & pids+=($!)
# tipg catalogs only the view it is compared on: its catalog (reloaded every TIPG_CATALOG_TTL,
# 300 s, by the next request) computes each table's and view's extents, and the views of the
# province-wide analyses take minutes, which stalled its requests in the run of 3 December.
DATABASE_URL="postgresql://postgres@127.0.0.1:5432/antq" TIPG_DB_MAX_CONN_SIZE=16 TIPG_DB_SCHEMAS='["public"]' \
  TIPG_DB_TABLES='["public.bench_key_points"]' TIPG_DB_FUNCTIONS='[]' TIPG_CATALOG_TTL=86400 \
  "$TIPG_PYTHON" -m uvicorn tipg.main:app --host 127.0.0.1 --port $TPORT --log-level warning >"$DIR/tipg.log" 2>&1 & pids+=($!)
wait_port $MPORT; wait_port $TPORT

# 3. Load. wrk (2 threads, CONNECTIONS, DURATION) cycles over a path list; pgbench the same
# number of clients for the same time. Each prints "rps p50_ms p99_ms errors".
wrk_run() { # paths-file port [token]
  PATHS=$1 TOKEN=${3:-} wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/tiles.lua "http://127.0.0.1:$2" 2>&1 |
    awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["rps"], v["p50_ms"], v["p99_ms"], v["errors"] }'
}
pg_run() { # script rows [lookup table]
  local script=$1 rows=$2
  if [ -n "${3:-}" ]; then sed "s/from bench_tiles /from $3 /" "$script" >"$DIR/pgb/script"; script=$DIR/pgb/script; fi
  rm -f "$DIR"/pgb/log.*
  # shellcheck disable=SC2046 # the -D arguments are words by design
  local mode=prepared
  [ -f "${1%.pgbench}.mode" ] && mode=$(cat "${1%.pgbench}.mode")
  pgbench -n -M "$mode" -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" -D n="$rows" $(cat "${1%.pgbench}.defs") \
    -f "$script" -l --log-prefix="$DIR/pgb/log" "$URL" >"$DIR/pgb/out" 2>&1 || { cat "$DIR/pgb/out" >&2; echo "0 0 0 -"; return; }
  read -r tps p50 p99 _ < <(python3 bench/layers_sql.py percentiles "$DIR"/pgb/log.*)
  echo "$tps $p50 $p99 $(awk '/failed transactions/ { print $5 }' "$DIR/pgb/out")"
}
paths() { # layer list-file prefix-kind -> file of request paths
  local out=$DIR/paths/$3-$1-$(basename "$2" .txt)
  while read -r _ z x y; do
    case $3 in
      antq) echo "/api/v1/collections/$1/tiles/WebMercatorQuad/$z/$y/$x" ;;
      martin) echo "/bench_$1/$z/$x/$y" ;;
    esac
  done <"$2" >"$out"
  echo "$out"
}
fill() { xargs -P 4 -I{} curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$WARM{}" <"$1"; }
load() { cut -d' ' -f1 /proc/loadavg; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
RESULTS=$DIR/results.md
report() { echo "$*" | tee -a "$RESULTS"; }
: >"$RESULTS"
report "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; wrk -t2 -c$CONNECTIONS -d$DURATION; pgbench -M prepared (-M extended where the route plans each time) -c $CONNECTIONS -j 2 -T ${DURATION%s}; load average (1 min) when each row started."
report ""
report "| layer | tiles | antq cold req/s | p50 ms | p99 ms | martin req/s | p50 ms | p99 ms | cold / martin (req/s, p50) | antq warm req/s | p50 ms | p99 ms | warm / martin cold | pgbench tps | p50 ms | p99 ms | load |"
report "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
tile_row() { # layer list-file label lookup-table
  local layer=$1 list=$2 label=$3 rows la
  rows=$(wc -l <"$list")
  la=$(load)
  read -r c_rps c_p50 c_p99 c_err < <(wrk_run "$(paths "$layer" "$list" antq)" $COLD "$TOKEN")
  read -r m_rps m_p50 m_p99 m_err < <(wrk_run "$(paths "$layer" "$list" martin)" $MPORT)
  local w_rps=- w_p50=- w_p99=- w_err=0 wr=-
  if [ -n "$CACHE_FLAG" ] && [ "${WARM_RUNS:-1}" = 1 ]; then
    fill "$DIR/paths/antq-$layer-$(basename "$list" .txt)"
    read -r w_rps w_p50 w_p99 w_err < <(wrk_run "$DIR/paths/antq-$layer-$(basename "$list" .txt)" $WARM "$TOKEN")
    wr=$(ratio "$w_rps" "$m_rps")
  fi
  local script=$DIR/sql/tile-$layer.pgbench
  [ "$4" = bench_lowzoom ] && script=$DIR/sql/lowtile-$layer.pgbench
  read -r p_tps p_p50 p_p99 p_fail < <(pg_run "$script" "$rows" "")
  report "| $layer | $label | $c_rps | $c_p50 | $c_p99 | $m_rps | $m_p50 | $m_p99 | $(ratio "$c_rps" "$m_rps")×, $(ratio "$c_p50" "$m_p50")× | $w_rps | $w_p50 | $w_p99 | $wr× | $p_tps | $p_p50 | $p_p99 | $la |"
  [ "$c_err$m_err$w_err" = 000 ] || report "  (errors: antq cold $c_err, martin $m_err, antq warm $w_err; pgbench failed $p_fail)"
}
for layer in $LAYERS; do
  tile_row "$layer" "$DIR/paths/tiles.txt" "1,000 z8–z14" ""
done
case " $LAYERS " in *" key_points "*) tile_row key_points "$DIR/paths/lowzoom.txt" "all z8–z10" bench_lowzoom ;; esac

report ""
report "| items | antq req/s | p50 ms | p99 ms | anchor | req/s | p50 ms | p99 ms | ratio | route's SQL (pgbench) tps | p50 ms | overhead (pgbench tps / antq req/s) | load |"
report "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
items_row() { # kind label antq-paths tipg-paths
  local la
  la=$(load)
  read -r o_rps o_p50 o_p99 o_err < <(wrk_run "$3" $COLD "$TOKEN")
  read -r t_rps t_p50 t_p99 t_err < <(wrk_run "$4" $TPORT)
  read -r p_tps p_p50 _ p_fail < <(pg_run "$DIR/sql/$1-key_points.pgbench" 200 "")
  report "| $2 | $o_rps | $o_p50 | $o_p99 | tipg | $t_rps | $t_p50 | $t_p99 | $(ratio "$o_rps" "$t_rps")× | $p_tps | $p_p50 | $(ratio "$p_tps" "$o_rps")× | $la |"
  [ "$o_err$t_err" = 00 ] || report "  (errors: antq $o_err, tipg $t_err; pgbench failed $p_fail)"
}
while read -r _ x0 y0 x1 y1; do echo "/api/v1/collections/key_points/items?limit=100&bbox=$x0,$y0,$x1,$y1"; done <"$DIR/paths/boxes.txt" >"$DIR/paths/items.antq"
while read -r _ x0 y0 x1 y1; do echo "/collections/public.bench_key_points/items?limit=100&bbox=$x0,$y0,$x1,$y1"; done <"$DIR/paths/boxes.txt" >"$DIR/paths/items.tipg"
while read -r _ id; do echo "/api/v1/collections/key_points/items/$id"; done <"$DIR/paths/ids.txt" >"$DIR/paths/item.antq"
while read -r _ id; do echo "/collections/public.bench_key_points/items/$id"; done <"$DIR/paths/ids.txt" >"$DIR/paths/item.tipg"
items_row items "key_points, limit=100, 0.1° box" "$DIR/paths/items.antq" "$DIR/paths/items.tipg"
items_row item "key_points, one by id" "$DIR/paths/item.antq" "$DIR/paths/item.tipg"
report ""
report "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results in $RESULTS; the statements pgbench ran are in $DIR/sql/"
