#!/usr/bin/env bash
# The search benchmark: GET /api/v1/search over the national-scale set (bench/national.sql: 10,000
# communes, 100,000 villages, 1,000,000 key points beside the Lao Cai demo), a fixed list of
# queries (with and without diacritics, prefixes, typos, codes) each run many times through the
# HTTP API with oha, and the same SQL (src/db/search_terms.sql then src/db/search.sql, with the
# values the service binds) run by psql on the same database: p50/p99 and the ratio.
# Prints a Markdown table and writes it to var/bench-search/results.md (copy into
# docs/performance.md).
#
# Needs: oha (cargo install oha --locked), psql. A release build (built if missing).
# Usage: bench/search.sh            N=200 (requests per query), C=8 (connections of the mixed run)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/var/bench-search
BIN=${BIN:-target/release/antq}
N=${N:-200}
C=${C:-8}
PORT=18097
OHA=$(command -v oha || echo /root/.cargo/bin/oha)
[ -x "$OHA" ] || { echo "missing oha: cargo install oha --locked" >&2; exit 1; }
command -v psql >/dev/null || { echo "missing psql: apt-get install -y postgresql-client" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet
mkdir -p "$DIR"

# A scratch cluster of its own; the data are loaded once and kept for later runs.
URL=$($BIN cluster start --data-dir "$DIR/pg")
$BIN migrate --database-url "$URL" >/dev/null
if [ "$(psql "$URL" -Atc "select count(*) from admin_units where code = 'S0'")" = 0 ]; then
  echo "loading the Lao Cai demo and generating the national-scale set (once) ..."
  $BIN load --database-url "$URL" fixtures/laocai
  psql "$URL" -v ON_ERROR_STOP=1 -q -f bench/national.sql
fi
psql "$URL" -q -c "vacuum analyze admin_units"
[ -n "$(psql "$URL" -Atc "select 1 from users where username = 'bench'")" ] ||
  printf 'bench-password-2026\n' | $BIN --database-url "$URL" user add bench --role analyst >/dev/null
TOKEN=$($BIN --database-url "$URL" token create bench --expires-in 1d 2>/dev/null | grep -o 'antq_[A-Za-z0-9_-]*' | head -1)

pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
$BIN serve --database-url "$URL" --bind 127.0.0.1:$PORT --pool-size 16 >"$DIR/antq.log" 2>&1 & pid=$!
for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.2; done

QUERIES=(
  "Bản Vược" "ban vuoc" "BAN VUOC" "ban vu" "Ban Vuoc, Bat Xat" "si khe ban vuoc" "ban vouc"
  "Đồng Tuyển" "y ty" "tp lao cai" "thanh binh" "sa pa" "mốc 92" "don bien phong" "KP-2019-00001"
  "Xã thử 1234" "xa thu 5678" "xa thu 12" "thon thu 5 xa thu 4321" "xa thuu 4321" "huyen thu 7" "SK-12345"
)
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# oha's JSON: latency percentiles in seconds -> "p50 p99" in ms, and the share of 200s.
oha_run() { # connections requests url...
  local c=$1 n=$2
  shift 2
  "$OHA" --no-tui --output-format json -c "$c" -n "$n" -H "Authorization: Bearer $TOKEN" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
p = r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
ok = codes.get("200", 0) / max(1, sum(codes.values()))
print("%.2f %.2f %.3f" % (p["p50"] * 1000, p["p99"] * 1000, ok))'
}
# The same two statements through psql, one connection, N times: "p50 p99" in ms of the sum of
# the transaction's statements (begin, terms, search, commit) as psql's \timing reports them.
sql_run() { # query
  python3 - "$1" "$URL" "$N" <<'PY'
import re, subprocess, sys
text, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lit = lambda s: "'" + s.replace("'", "''") + "'"
terms_sql = open("src/db/search_terms.sql").read()
search_sql = open("src/db/search.sql").read()
row = subprocess.run(["psql", url, "-AtF", "\x1f", "-c", terms_sql.replace("$1", lit(text))],
                     check=True, capture_output=True, text=True).stdout.rstrip("\n").split("\x1f")
phrase, bare, anchor, words, starts, number, code = row
nul = lambda s: "null::text" if s == "" else lit(s)
values = {1: lit(phrase), 2: "current_date", 3: "true", 4: "null::bytea", 5: "10", 6: "true",
          7: lit(bare), 8: nul(anchor), 9: lit(words) + "::text[]", 10: nul(number), 11: lit(code),
          12: lit(starts) + "::text[]"}
search = re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], search_sql)
terms = terms_sql.replace("$1", lit(text))
script = "\\timing on\n" + f"begin;\n{terms};\n{search};\ncommit;\n" * n
out = subprocess.run(["psql", url, "-X", "-q", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1"], input=script,
                     check=True, capture_output=True, text=True).stdout
times = [float(t) for t in re.findall(r"^Time: ([0-9.]+) ms", out, re.M)]
per = sorted(sum(times[i:i + 4]) for i in range(0, len(times), 4))
q = lambda f: per[min(len(per) - 1, int(f * len(per)))]
print(f"{q(0.5):.2f} {q(0.99):.2f}")
PY
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

: >"$DIR/results.md"
report() { echo "$*" | tee -a "$DIR/results.md"; }
report "| query | HTTP p50 ms | HTTP p99 ms | SQL (psql) p50 ms | SQL p99 ms | HTTP/SQL p50 |"
report "|---|---|---|---|---|---|"
urls=()
for q in "${QUERIES[@]}"; do
  u="http://127.0.0.1:$PORT/api/v1/search?q=$(enc "$q")"
  urls+=("$u")
  curl -sf -H "Authorization: Bearer $TOKEN" "$u" >/dev/null # warm, and fail loudly on an error
  read -r h50 h99 ok < <(oha_run 1 "$N" "$u")
  [ "$ok" = "1.000" ] || { echo "$q: only $ok of the answers were 200" >&2; exit 1; }
  read -r s50 s99 < <(sql_run "$q")
  report "| $q | $h50 | $h99 | $s50 | $s99 | $(ratio "$h50" "$s50")× |"
done
printf '%s\n' "${urls[@]}" >"$DIR/urls.txt"
read -r m50 m99 ok < <(oha_run "$C" $((N * ${#QUERIES[@]})) --urls-from-file "$DIR/urls.txt")
report ""
report "All ${#QUERIES[@]} queries mixed, $C connections, $((N * ${#QUERIES[@]})) requests: p50 $m50 ms, p99 $m99 ms (200s: $ok)."
echo "results in $DIR/results.md"
