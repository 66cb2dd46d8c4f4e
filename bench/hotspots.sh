#!/usr/bin/env bash
# The hotspots benchmark: the hotspots layer's run over the province at 250 m and 500 m cells,
# on the Lao Cai demo and on the demo plus 1,000,000 generated key points; and Gi* + FDR from the
# same cell counts and weights by this service against PySAL esda (PyPI), z-scores compared to
# 1e-9, time ratio printed. Results also go to var/bench-hotspots/results.md.
#
# The counts and weights reach esda through the hidden `antq bench-hotspots` subcommand
# (src/cli/bench.rs), which times the run, recomputes the grid and counts, and writes cells.csv and
# neighbours.txt; bench/esda_compare.py reads them. esda and libpysal are installed into a venv
# under target/ the first time.
# Usage: bench/hotspots.sh          REPEAT=5 (runs of the layer per figure; medians reported)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-hotspots
BIN=${BIN:-target/release/antq}
REPEAT=${REPEAT:-5}
VENV=target/esda-venv
[ -x "$BIN" ] || cargo build --release --quiet
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import esda, libpysal' 2>/dev/null || "$VENV/bin/pip" install --quiet esda libpysal
mkdir -p "$DIR"

URL=$($BIN cluster start --data-dir "$DIR/pg")
# Two scratch databases in the bench's own cluster: the demo, and the demo plus a million points.
# The URL is postgres://postgres@localhost/antq?host=...&port=...: swap the database name.
url() { echo "${URL/\/antq\?//$1?}"; }
for db in hot_demo hot_million; do
  [ -n "$(psql "$(url postgres)" -Atc "select 1 from pg_database where datname = '$db'")" ] ||
    psql "$(url postgres)" -qc "create database $db"
  $BIN migrate --database-url "$(url $db)" >/dev/null 2>&1
  if [ "$(psql "$(url $db)" -Atc "select count(*) from admin_units")" = 0 ]; then
    $BIN load --database-url "$(url $db)" fixtures/laocai >/dev/null
  fi
done
if [ "$(psql "$(url hot_million)" -Atc "select count(*) from key_points")" -lt 1000000 ]; then
  echo "generating 1,000,000 key points inside Lao Cai (once) ..."
  # Row triggers (commune, history) are skipped for speed; the analyses' inputs version is bumped
  # by hand, as the statement trigger would.
  time psql "$(url hot_million)" -v ON_ERROR_STOP=1 -q <<'SQL'
set session_replication_role = replica;
insert into key_points (code, category, severity, status, observed_at, location)
select 'GEN-' || n, (array['crime','drugs','gambling','smuggling','illegal_crossing','dispute'])[1 + n % 6],
       1 + n % 5, 'reported', timestamptz '2018-01-01' + (n % 1096) * interval '1 day',
       -- Half spread evenly, half around five centres, so there is something to find.
       case when n % 2 = 0 then g.geom
            else ST_SetSRID(ST_MakePoint(c.x + (random() - 0.5) * 0.1, c.y + (random() - 0.5) * 0.1), 4326) end
from (select d.geom, row_number() over () as n
      from (select (ST_Dump(ST_GeneratePoints(geom, 1000000, 42))).geom
            from admin_units where level = 'province' and validity @> date '2020-06-30') d) g(geom, n)
cross join lateral (select (array[103.97, 104.10, 103.85, 104.45, 103.70])[1 + n % 5] as x,
                           (array[22.49, 22.35, 22.33, 22.05, 22.55])[1 + n % 5] as y) c;
reset session_replication_role;
update analysis_inputs set version = version + 1;
analyze key_points;
SQL
fi

report() { echo "$*" | tee -a "$DIR/results.md"; }
: >"$DIR/results.md"
report "| data | cell | cells | points | layer run (median) | cached request | Gi*+FDR ours | esda | ratio | max abs z diff | bins differ |"
report "|---|---|---|---|---|---|---|---|---|---|---|"
for db in hot_demo hot_million; do
  for cell in 500 250; do
    out=$DIR/$db-$cell
    declare -A f=()
    while IFS='=' read -r k v; do f[$k]=$v; done < <(
      $BIN bench-hotspots --database-url "$(url $db)" --cell "$cell" --repeat "$REPEAT" --out "$out"
      "$VENV/bin/python" bench/esda_compare.py "$out" 5)
    ratio=$(awk -v a="${f[esda_gi_fdr_ms]}" -v b="${f[gi_fdr_ms]}" 'BEGIN { printf "%.1f", a / b }')
    ok=$(awk -v d="${f[max_abs_z_diff]}" 'BEGIN { print (d + 0 <= 1e-9) ? "✔" : "✘" }')
    report "| $db | $cell m | ${f[cells]} | ${f[points]} | ${f[layer_run_ms]} ms | ${f[layer_cached_ms]} ms |" \
      "${f[gi_fdr_ms]} ms | ${f[esda_gi_fdr_ms]} ms | esda/ours ${ratio}× | ${f[max_abs_z_diff]} $ok | ${f[bins_differ]} |"
  done
done
echo "esda ${f[esda_version]}; results in $DIR/results.md"
