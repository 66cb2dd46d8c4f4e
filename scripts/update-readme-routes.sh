#!/usr/bin/env bash
# Replaces README's route table with the output of `antq routes` (tests/api/routes_table.rs
# fails until they match). Usage: scripts/update-readme-routes.sh (after `cargo build`).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(./target/debug/antq routes)
python3 - "$table" <<'PY'
import sys
begin = "<!-- routes: the output of `antq routes`; a test compares -->\n"
end = "<!-- routes end -->"
text = open("README.md", encoding="utf-8").read()
start = text.index(begin) + len(begin)
stop = text.index(end, start)
open("README.md", "w", encoding="utf-8").write(text[:start] + sys.argv[1] + "\n" + text[stop:])
PY
