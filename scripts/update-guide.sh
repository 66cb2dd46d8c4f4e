#!/usr/bin/env bash
# Copies the screenshots the README's user guide shows (docs/guide/*.png) from the browser tests'
# latest run (web/tests/artifacts/, written by `make test`), so the guide shows the page as it is.
# Usage: scripts/update-guide.sh   (after make test; then review and commit docs/guide)
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for name in $(grep -o 'docs/guide/[a-z0-9-]*\.png' README.md | sort -u | xargs -n1 basename); do
  if [ -f "web/tests/artifacts/$name" ]; then
    cp "web/tests/artifacts/$name" "docs/guide/$name"
    echo "docs/guide/$name"
  else
    echo "missing web/tests/artifacts/$name: run make test first" >&2
    status=1
  fi
done
exit "$status"
