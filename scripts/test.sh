#!/usr/bin/env bash
# Runs the whole test suite: the Rust tests against a private PostgreSQL cluster under target/,
# which the tests start on first use and this script stops at the end (whatever the outcome);
# then the browser tests (web/tests, node's test runner driving headless Chromium) against
# `antq demo` on its own fresh data directory and a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANTQ_TEST_DATA_DIR=${ANTQ_TEST_DATA_DIR:-$PWD/target/test-pg}
WEB_TEST_DIR=$PWD/target/web-test
cargo build --quiet
demo_pid=""
cleanup() {
  if [ -n "$demo_pid" ]; then
    kill -TERM "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  ./target/debug/antq cluster stop --data-dir "$ANTQ_TEST_DATA_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
status=0
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast || status=$?
else
  cargo test --no-fail-fast || status=$?
fi

# The browser tests: a fresh demo (its own private cluster, so they never see the Rust tests'
# data), listening on a port the kernel picks; the URL is read from its first line of output.
rm -rf "$WEB_TEST_DIR"
mkdir -p "$WEB_TEST_DIR"
chmod 755 "$WEB_TEST_DIR"
env -u DATABASE_URL ANTQ_LOG_FORMAT=text ./target/debug/antq demo --data-dir "$WEB_TEST_DIR/pg" \
  --bind 127.0.0.1:0 --web-dir web >"$WEB_TEST_DIR/antq.log" 2>&1 &
demo_pid=$!
url=""
for _ in $(seq 1 240); do
  url=$(sed -n 's|^ANTQ Atlas is serving at \(http://[^ ]*\)/ .*|\1|p' "$WEB_TEST_DIR/antq.log" | head -1)
  if [ -n "$url" ] && curl -fsS "$url/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$demo_pid" 2>/dev/null; then url=""; break; fi
  url=""
  sleep 0.5
done
if [ -z "$url" ]; then
  echo "antq demo did not start; its log:" >&2
  cat "$WEB_TEST_DIR/antq.log" >&2
  exit 1
fi
echo "browser tests against $url (log: $WEB_TEST_DIR/antq.log)"
# One test file at a time: the machine is small, and each file starts its own browser.
ANTQ_WEB_URL=$url node --test --test-concurrency=1 web/tests/ || status=$?
exit "$status"
