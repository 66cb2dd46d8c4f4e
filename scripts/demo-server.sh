# Sourced by scripts/test.sh and scripts/schemathesis.sh: starts `antq demo` (the debug build) on
# its own fresh private cluster under DIR and a port the kernel picks, and sets demo_pid and
# demo_url (read from its first line of output). The caller stops it with stop_demo.
# Usage: start_demo DIR
start_demo() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 755 "$dir"
  env -u DATABASE_URL ANTQ_LOG_FORMAT=text ./target/debug/antq demo --data-dir "$dir/pg" \
    --bind 127.0.0.1:0 --web-dir web >"$dir/antq.log" 2>&1 &
  demo_pid=$!
  demo_url=""
  for _ in $(seq 1 240); do
    demo_url=$(sed -n 's|^ANTQ Atlas is serving at \(http://[^ ]*\)/ .*|\1|p' "$dir/antq.log" | head -1)
    if [ -n "$demo_url" ] && curl -fsS "$demo_url/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$demo_pid" 2>/dev/null; then break; fi
    demo_url=""
    sleep 0.5
  done
  echo "antq demo did not start; its log:" >&2
  cat "$dir/antq.log" >&2
  return 1
}

# Stops the demo started by start_demo (SIGTERM: it finishes requests, then leaves its cluster).
stop_demo() {
  if [ -n "${demo_pid:-}" ]; then
    kill -TERM "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
    demo_pid=""
  fi
}
