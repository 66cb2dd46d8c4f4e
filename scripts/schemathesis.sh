#!/usr/bin/env bash
# Generated requests against every operation of /api/v1/openapi.json (schemathesis, PyPI) in all
# four phases: examples, coverage (boundary and negative values of every parameter and field),
# fuzzing, and stateful (sequences that follow the links the definition declares: create a key
# point, then read, edit and archive it). Signed in as an admin, as a viewer and anonymously: no
# answer may be a 5xx, and every answer must match the status codes and the schema the definition
# declares. Runs against a fresh `antq demo` on its own private cluster under target/schemathesis
# and a free port, so it never touches other tests' data (it records and changes key points;
# nothing is excluded).
#
# Usage: scripts/schemathesis.sh [EXAMPLES_PER_OPERATION]   (default 4, as make test runs it)
# Environment: ANTQ_ST_PHASES (default all four), ANTQ_ST_ROLES (default "admin viewer anonymous"),
# ANTQ_ST_MAX_TIME (seconds per role, default 90, empty for none; fuzzing and stateful repeat until it is spent),
# ANTQ_ST_SEED (default 20261127), ANTQ_ST_PARALLEL=1 (the roles at once, as bench/fuzz-api does),
# ANTQ_ST_WORKERS (default 2), ANTQ_ST_DIR (default target/schemathesis).
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-4}
# make test: 90 s per role, shared out by schemathesis among the four phases (it reserves time for
# the later ones, so the coverage phase never starves fuzzing and stateful).
max_time=${ANTQ_ST_MAX_TIME-90}
phases=${ANTQ_ST_PHASES:-examples,coverage,fuzzing,stateful}
roles=${ANTQ_ST_ROLES:-admin viewer anonymous}
seed=${ANTQ_ST_SEED:-20261127}
dir=${ANTQ_ST_DIR:-$PWD/target/schemathesis}
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

# API tokens for the demo's users, through the same command line an operator uses (the running
# demo shares its private cluster). Anonymous callers send none.
token() {
  env -u DATABASE_URL ./target/debug/antq token create "$1" --expires-in 1d --label schemathesis \
    --data-dir "$dir/pg" | tail -1
}

# One role's run; its summary goes to $dir/$role.log and the terminal. With a time budget the
# stateful phase runs on its own with a third of it: in one run under a small budget the earlier
# phases can spend it all and leave the sequences none (seen with 90 s on the busy machine).
run_role() {
  local role=$1 auth=()
  [ "$role" = anonymous ] || auth=(--header "Authorization: Bearer $(token "$role")")
  local groups=("$phases")
  if [ -n "$max_time" ] && [[ ",$phases," == *,stateful,* ]] && [ "$phases" != stateful ]; then
    local rest
    rest=$(echo ",$phases," | sed 's/,stateful,/,/; s/^,//; s/,$//')
    groups=("$rest" stateful)
  fi
  mkdir -p "$dir/$role"
  for group in "${groups[@]}"; do
    local budget=()
    if [ -n "$max_time" ]; then
      local share=$max_time
      [ ${#groups[@]} -eq 1 ] || { [ "$group" = stateful ] && share=$((max_time / 3)) || share=$((max_time - max_time / 3)); }
      budget=(--max-time "$share")
    fi
    echo "schemathesis as $role: phases $group, $examples examples per operation, seed $seed, ${budget[1]:-no} s budget, against $demo_url"
    # Run from its own directory: schemathesis keeps its cache of past failures in ./.schemathesis.
    # The request timeout is above the service's own (30 s, then a declared 503), so a slow answer
    # on a busy machine is judged by what the service says, not cut off by the tool.
    (cd "$dir/$role" && "$venv/bin/schemathesis" run "$demo_url/api/v1/openapi.json" \
      "${auth[@]}" "${budget[@]}" \
      --checks not_a_server_error,status_code_conformance,response_schema_conformance \
      --max-examples "$examples" --phases "$group" --workers "${ANTQ_ST_WORKERS:-2}" \
      --seed "$seed" --generation-database none --no-color --request-timeout 40 \
      --suppress-health-check too_slow,filter_too_much,data_too_large \
      --report junit,ndjson --report-dir "$dir/report-$role") || true
  done
  # The verdict is the answers': any failed check or error fails, except the one known crash of
  # the tool itself under Python 3.11 (docs/hardening.md), which bench/st_summary.py names.
  python3 bench/st_summary.py --verdict "$dir/report-$role"/ndjson-*.ndjson
}

status=0
started=$(date +%s)
if [ "${ANTQ_ST_PARALLEL:-0}" = 1 ]; then
  pids=()
  for role in $roles; do
    run_role "$role" >"$dir/$role.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  for role in $roles; do echo "== $role"; tail -25 "$dir/$role.log"; done
else
  for role in $roles; do
    run_role "$role" 2>&1 | tee "$dir/$role.log" || status=$?
  done
fi
echo "schemathesis: $(($(date +%s) - started)) s for the roles $roles (exit $status)"
exit "$status"
