#!/usr/bin/env bash
# Times `antq import boundaries` of the whole demo boundary set (the districts, communes and
# villages valid today, from fixtures/laocai) into a database holding the demo: every check runs
# (validity, orientation, parents, sibling overlaps, gaps) and every unit compares unchanged.
# Usage: bench/import-boundaries.sh     (BIN=target/release/antq for a release binary)
# Uses its own private cluster under var/bench-import (removed with BENCH_CLEAN=1).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-import
BIN=${BIN:-target/debug/antq}
[ -x "$BIN" ] || cargo build --quiet
[ "${BENCH_CLEAN:-0}" = 1 ] && rm -rf "$DIR"
mkdir -p "$DIR"
URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null 2>&1
[ "$(psql "$URL" -Atc "select count(*) from admin_units")" -gt 0 ] ||
  $BIN load fixtures/laocai --database-url "$URL" >/dev/null
TODAY=$(date -u +%F)
start=$(date +%s.%N)
for level in district commune village; do
  python3 - "$level" "$DIR/$level.geojson" <<'PY'
import json, sys
level, out = sys.argv[1], sys.argv[2]
src = json.load(open(f"fixtures/laocai/{level}s.geojson"))
keep = [f for f in src["features"] if not f["properties"].get("valid_to")]
json.dump({"type": "FeatureCollection", "features": keep}, open(out, "w"))
print(f"{level}: {len(keep)} units")
PY
  /usr/bin/time -f "  $level: wall %e s" $BIN import boundaries "$DIR/$level.geojson" --level "$level" \
    --valid-from "$TODAY" --database-url "$URL" | python3 -c "
import json, sys; r = json.load(sys.stdin); a = r['applied']
print('  new', len(a['new']), 'changed', len(a['changed']), 'unchanged', len(a['unchanged']), 'closed', len(a['closed']),
      'notes', len(r['notes']), 'invalid', sum(1 for f in r['features'] if not f['valid']))"
done
echo "total: $(echo "$(date +%s.%N) - $start" | bc) s"
$BIN cluster stop --data-dir "$DIR/pg" >/dev/null
