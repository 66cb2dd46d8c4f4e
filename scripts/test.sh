#!/usr/bin/env bash
# Runs the whole test suite against a private PostgreSQL cluster under target/, which the tests
# start on first use and this script stops at the end (whatever the outcome).
set -euo pipefail
cd "$(dirname "$0")/.."
export ANTQ_TEST_DATA_DIR=${ANTQ_TEST_DATA_DIR:-$PWD/target/test-pg}
cargo build --quiet
stop_cluster() { ./target/debug/antq cluster stop --data-dir "$ANTQ_TEST_DATA_DIR" >/dev/null 2>&1 || true; }
trap stop_cluster EXIT
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
