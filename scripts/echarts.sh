#!/usr/bin/env bash
# echarts.sh — refresh the web console's embedded Apache ECharts: install the pinned version of the npm
# package `echarts` into a temporary directory, copy its dist/echarts.min.js and LICENSE (and NOTICE) into
# console/static/echarts/ with ZRender's LICENSE.zrender, and record the version and the files' SHA-256 next to them (VERSION, SHA256SUMS).
# TestEmbeddedEChartsMatchesItsChecksum (console) holds the embedded files to SHA256SUMS. `go run .` needs
# none of this: the files are committed. To move to another version: ECHARTS_VERSION=x.y.z scripts/echarts.sh.
set -euo pipefail

version="${ECHARTS_VERSION:-6.1.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/console/static/echarts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

command -v npm >/dev/null || { echo "echarts.sh: npm not found (apt-get install npm)" >&2; exit 1; }
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact "echarts@$version" >&2
pkg="$tmp/node_modules/echarts"
got="$(node -p "require('$pkg/package.json').version")"
[ "$got" = "$version" ] || { echo "echarts.sh: npm installed $got, not $version" >&2; exit 1; }

mkdir -p "$dest"
cp "$pkg/dist/echarts.min.js" "$pkg/LICENSE" "$dest/"
[ -f "$pkg/NOTICE" ] && cp "$pkg/NOTICE" "$dest/"
# The bundle includes ZRender, ECharts' rendering library (BSD 3-Clause): its licence goes with it.
cp "$tmp/node_modules/zrender/LICENSE" "$dest/LICENSE.zrender"
printf 'echarts %s (npm package echarts, dist/echarts.min.js; Apache License 2.0)\n' "$version" >"$dest/VERSION"
cd "$dest"
sha256sum echarts.min.js LICENSE LICENSE.zrender $( [ -f NOTICE ] && echo NOTICE ) >SHA256SUMS
cat VERSION SHA256SUMS
