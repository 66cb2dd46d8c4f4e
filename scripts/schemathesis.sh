#!/usr/bin/env bash
# Generated requests against every operation of /api/v1/openapi.json (schemathesis, PyPI), signed
# in as an admin and as a viewer: no answer may be a 5xx, and every answer must match the status
# codes and the schema the definition declares. Runs against a fresh `antq demo` on its own
# private cluster under target/schemathesis and a free port, so it never touches other tests'
# data (it records and changes key points; nothing is excluded).
# Usage: scripts/schemathesis.sh [EXAMPLES_PER_OPERATION]   (default 4, as make test runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-4}
# make test skips the coverage phase (thousands of boundary cases, minutes); bench/fuzz-api runs it.
phases=${ANTQ_ST_PHASES:-examples,fuzzing}
dir=$PWD/target/schemathesis
venv=$PWD/target/venv
requirements=scripts/requirements-schemathesis.txt
pinned=$(sed -n 's/^schemathesis==//p' "$requirements")

# The venv is cached: pip runs only when schemathesis is missing or not the pinned version.
if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$pinned" ]; then
  echo "Installing schemathesis $pinned into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
fi

[ -x target/debug/antq ] || cargo build --quiet
# shellcheck source=scripts/demo-server.sh
. scripts/demo-server.sh
trap stop_demo EXIT
start_demo "$dir"

# API tokens for the demo's admin and viewer, through the same command line an operator uses
# (the running demo shares its private cluster).
token() {
  env -u DATABASE_URL ./target/debug/antq token create "$1" --expires-in 1d --label schemathesis \
    --data-dir "$dir/pg" | tail -1
}
status=0
for user in admin viewer; do
  echo "schemathesis as $user: phases $phases, $examples examples per operation against $demo_url"
  bearer=$(token "$user")
  # Run from $dir: schemathesis keeps its cache of past failures in ./.schemathesis.
  (cd "$dir" && "$venv/bin/schemathesis" run "$demo_url/api/v1/openapi.json" \
    --header "Authorization: Bearer $bearer" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance \
    --max-examples "$examples" --phases "$phases" --workers 2 \
    --seed 20261127 --generation-database none --no-color \
    --suppress-health-check too_slow,filter_too_much \
    --report junit --report-dir "$dir/report-$user") || status=$?
done
exit "$status"
