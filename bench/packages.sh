#!/usr/bin/env bash
# Offline area packages (issue #18): the size and build time of a package for one border commune
# (Xã Pha Long, 02752, of today) and for the whole border (segments BG-01..BG-21, 2 km either
# side), zooms 10-16: the estimate, then the MBTiles file (QGIS/QField) and the web map's
# area.json, each downloaded three times, with the load average before and after. Runs its own
# `antq demo` (a fresh private cluster under var/bench-packages) as the demo admin.
# Usage: cargo build --release && bench/packages.sh       (BIN=path for another build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/antq}
DIR=$PWD/var/bench-packages
[ -x "$BIN" ] || { echo "build first: cargo build --release (or BIN=path)" >&2; exit 1; }
rm -rf "$DIR"; mkdir -p "$DIR"
env -u DATABASE_URL ANTQ_LOG_FORMAT=text "$BIN" demo --data-dir "$DIR/pg" --bind 127.0.0.1:0 --web-dir web >"$DIR/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
U=
for _ in $(seq 240); do
  U=$(sed -n 's|^ANTQ Atlas is serving at \(http://[^ ]*\)/ .*|\1|p' "$DIR/log" | head -1)
  [ -n "$U" ] && curl -fs "$U/health" >/dev/null && break
  U=; sleep 0.5
done
[ -n "$U" ] || { cat "$DIR/log" >&2; exit 1; }
curl -fs -c "$DIR/cookies" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"antq-demo-2026"}' "$U/auth/login" >/dev/null
SEG=$(seq -f 'BG-%02g' 1 21 | paste -sd,)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $("$BIN" --version)"
for q in "communes=02752" "segments=$SEG&width=2000"; do
  echo "== ${q%%&*} minzoom=10 maxzoom=16"
  curl -fs -b "$DIR/cookies" "$U/api/v1/packages/estimate?$q&minzoom=10&maxzoom=16" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print("estimate:", d["tiles"], "tiles,", d["bytes_estimate"], "bytes,", len(d["communes"]), "communes,", len(d["layers"]), "layers")'
  for _ in 1 2 3; do
    curl -fs -b "$DIR/cookies" -o "$DIR/package.mbtiles" -w "area.mbtiles: %{size_download} bytes in %{time_total} s\n" \
      "$U/api/v1/packages/area.mbtiles?$q&minzoom=10&maxzoom=16"
  done
  python3 -c 'import sqlite3, sys
n, b = sqlite3.connect(sys.argv[1]).execute("select count(*), sum(length(tile_data)) from tiles").fetchone()
print(f"  the file holds {n} non-empty tiles, {b} bytes of gzipped tiles")' "$DIR/package.mbtiles"
  for _ in 1 2 3; do
    curl -fs -b "$DIR/cookies" -o /dev/null -w "area.json (the web map's package): %{size_download} bytes in %{time_total} s\n" \
      "$U/api/v1/packages/area.json?$q&minzoom=10&maxzoom=16"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
