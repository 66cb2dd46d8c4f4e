#!/usr/bin/env bash
# Installs what `make demo` or `make test` needs and this machine lacks. As root it uses apt;
# otherwise it prints the exact command and stops, so nothing is half-installed. Then it installs
# the web map's npm packages (web/node_modules) when they are missing or older than the lock file.
# Nothing here downloads a browser: the browser tests drive Debian's chromium.
# Usage: scripts/deps.sh demo|test
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-demo}
packages=()

# PostgreSQL server binaries live off the PATH on Debian, under /usr/lib/postgresql/N/bin.
pg_version=""
for initdb in /usr/lib/postgresql/*/bin/initdb; do
  [ -x "$initdb" ] && pg_version=$(basename "$(dirname "$(dirname "$initdb")")")
done
if [ -z "$pg_version" ]; then
  pg_version=15
  packages+=(postgresql-15 postgresql-contrib)
fi
[ -f "/usr/share/postgresql/$pg_version/extension/postgis.control" ] || packages+=("postgresql-$pg_version-postgis-3")
# Node.js and npm install and serve the web map's Leaflet (no CDN at run time).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

if [ "$mode" = test ]; then
  # GDAL's ogrinfo/ogr2ogr: the interoperability tests drive a real GIS client.
  command -v ogrinfo >/dev/null 2>&1 || packages+=(gdal-bin)
  # The browser tests drive Debian's Chromium headless (playwright-core never downloads one).
  [ -x "${ANTQ_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)
  # schemathesis (scripts/schemathesis.sh) is installed into a venv under target/.
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
  command -v cargo-nextest >/dev/null 2>&1 || echo "note: cargo-nextest not found; tests run with cargo test"
fi

if [ ${#packages[@]} -gt 0 ]; then
  cmd="apt-get install -y --no-install-recommends ${packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages. Install them as root, then run make again:" >&2
    echo "  sudo apt-get update && sudo $cmd" >&2
    exit 1
  fi
  echo "Installing: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $cmd
fi

# npm writes node_modules/.package-lock.json on install: older than the lock file means stale.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "Installing the web map's npm packages (npm ci in web/)"
  # --ignore-scripts: no package may run code (or fetch a browser) at install time.
  (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund)
fi
