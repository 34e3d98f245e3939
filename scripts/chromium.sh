#!/usr/bin/env bash
# chromium.sh — make sure Debian's headless-capable `chromium` is installed, for the office display screen
# test (api: TestDisplayFitsScreens drives it with chromedp). It comes from the distribution's packages
# only: never a browser downloaded by a test or a tool. Prints CHROMIUM_BIN=<path> as its last line.
#
# Usage: scripts/chromium.sh        (exit status non-zero if chromium cannot be installed)
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else log "need root to run: $*"; return 1
	fi
}

bin="$(command -v chromium || true)"
if [ -z "$bin" ]; then
	command -v apt-get >/dev/null || { log "apt-get not found; install Debian's chromium package by hand"; exit 1; }
	log "apt-get install chromium"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium fonts-noto-cjk </dev/null >&2
	bin="$(command -v chromium)"
fi
"$bin" --version >&2
echo "CHROMIUM_BIN=$bin"
