#!/usr/bin/env bash
# Times `antq import points` of N key points (default 100,000) from a CSV generated here: random
# points inside the demo province (so every one passes the province check and gets its commune),
# spread over 2018-2020, at least ~50 m inside the border (rounding to 6 decimals must not push
# one outside: the whole file would be refused). Runs on its own private cluster under
# var/bench-import, with the Lao Cai demo loaded (removed with BENCH_CLEAN=1). The import is refused whole if a code is taken, so
# each run uses fresh codes.
# Usage: bench/import-points.sh [N]     (BIN=target/release/antq for a release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
DIR=$PWD/var/bench-import
BIN=${BIN:-target/debug/antq}
[ -x "$BIN" ] || cargo build --quiet
[ "${BENCH_CLEAN:-0}" = 1 ] && rm -rf "$DIR"
mkdir -p "$DIR"

URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null 2>&1
[ "$(psql "$URL" -Atc "select count(*) from admin_units")" -gt 0 ] ||
  $BIN load fixtures/laocai --database-url "$URL" >/dev/null
RUN=$(date +%s)
CSV=$DIR/points-$RUN.csv
echo "code,category,observed_at,lon,lat,description,severity" >"$CSV"
psql "$URL" -q -At -F, -c "
  select 'B$RUN-' || row_number() over (), (array['crime','drugs','smuggling','dispute','land'])[1 + (random() * 4)::int],
         to_char((timestamptz '2018-01-01 00:00+07' + (random() * 1095) * interval '1 day') at time zone 'UTC',
                 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
         round(ST_X(p.geom)::numeric, 6), round(ST_Y(p.geom)::numeric, 6), 'điểm thử', 1 + (random() * 4)::int
  from (select (ST_Dump(ST_GeneratePoints(ST_Buffer(geom, -0.0005), $N))).geom from admin_units
        where level = 'province' and validity @> current_date) p" >>"$CSV"
echo "$(($(wc -l <"$CSV") - 1)) rows, $(du -h "$CSV" | cut -f1) in $CSV"
/usr/bin/time -f "wall %e s, max RSS %M KB" $BIN import points "$CSV" --layer key_points --database-url "$URL"
rm -f "$CSV"
$BIN cluster stop --data-dir "$DIR/pg" >/dev/null
