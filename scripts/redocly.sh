#!/usr/bin/env bash
# redocly.sh — lint api/openapi.yaml with the pinned @redocly/cli from npm (installed once into
# $SCHOOLCHECK_TOOLS, default ~/.cache/schoolcheck-tools), the check a client generator's users rely on.
# The rules are redocly's "recommended" set plus scripts/redocly.yaml.
#
# Usage: scripts/redocly.sh          (exit status non-zero on any error)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

REDOCLY_VERSION="2.77.0"
TOOLS="${SCHOOLCHECK_TOOLS:-$HOME/.cache/schoolcheck-tools}/redocly-$REDOCLY_VERSION"
bin="$TOOLS/node_modules/.bin/redocly"
if [ ! -x "$bin" ]; then
	if ! command -v npm >/dev/null; then
		echo "[redocly] npm not found: apt-get install nodejs npm" >&2
		sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm </dev/null >&2
	fi
	echo "[redocly] npm install @redocly/cli@$REDOCLY_VERSION" >&2
	mkdir -p "$TOOLS"
	npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >&2
fi
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$bin" lint --config scripts/redocly.yaml api/openapi.yaml
