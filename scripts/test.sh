#!/usr/bin/env bash
# Runs the whole test suite: the Rust tests against a private PostgreSQL cluster under target/,
# which the tests start on first use and this script stops at the end (whatever the outcome);
# then the browser tests (web/tests, node's test runner driving headless Chromium) against
# `antq demo` on its own fresh data directory and a free port; then schemathesis against another
# fresh demo (scripts/schemathesis.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export ANTQ_TEST_DATA_DIR=${ANTQ_TEST_DATA_DIR:-$PWD/target/test-pg}
WEB_TEST_DIR=$PWD/target/web-test
cargo build --quiet
# shellcheck source=scripts/demo-server.sh
. scripts/demo-server.sh
cleanup() {
  stop_demo
  ./target/debug/antq cluster stop --data-dir "$ANTQ_TEST_DATA_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
status=0
# Tests that need root are ignored by default (and reported as skipped); as root, as in CI, they run.
ignored=()
if [ "$(id -u)" -eq 0 ]; then
  ignored=(--run-ignored all)
else
  echo "not root: the tests that need root are skipped (see the summary)"
fi
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast "${ignored[@]}" || status=$?
else
  [ ${#ignored[@]} -gt 0 ] && ignored=(-- --include-ignored)
  cargo test --no-fail-fast "${ignored[@]}" || status=$?
fi

# The browser tests: a fresh demo (its own private cluster, so they never see the Rust tests'
# data), listening on a port the kernel picks; the URL is read from its first line of output.
start_demo "$WEB_TEST_DIR"
url=$demo_url
echo "browser tests against $url (log: $WEB_TEST_DIR/antq.log)"
# One test file at a time: the machine is small, and each file starts its own browser.
# The data directory lets web/tests/wipe.test.js make its own users and age a session there.
ANTQ_WEB_DATA_DIR=$WEB_TEST_DIR/pg ANTQ_WEB_URL=$url node --test --test-concurrency=1 web/tests/ || status=$?
stop_demo

# Generated requests against every operation of the OpenAPI definition in all four phases, as an
# admin, a viewer and anonymously, 90 s each (bench/fuzz-api runs it at length).
scripts/schemathesis.sh || status=$?
exit "$status"
