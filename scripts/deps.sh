#!/usr/bin/env bash
# Installs what `make demo` or `make test` needs and this machine lacks. As root it uses apt;
# otherwise it prints the exact command and stops, so nothing is half-installed.
# Usage: scripts/deps.sh demo|test
set -euo pipefail
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

if [ "$mode" = test ]; then
  # GDAL's ogrinfo/ogr2ogr: the interoperability tests drive a real GIS client.
  command -v ogrinfo >/dev/null 2>&1 || packages+=(gdal-bin)
  command -v cargo-nextest >/dev/null 2>&1 || echo "note: cargo-nextest not found; tests run with cargo test"
fi

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
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
