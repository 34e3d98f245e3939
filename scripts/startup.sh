#!/usr/bin/env bash
# startup.sh — measures the embedded default: time from exec to the first 200 from /healthz, and resident
# memory once idle. Runs the binary in a fresh temporary data_dir (first start: migrations + demo school) and
# then again on the same data (warm start). Usage: scripts/startup.sh [runs, default 5]
# SCHOOLCHECK_BIN=path measures a binary built beforehand (e.g. another version) instead of building one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
bin="${SCHOOLCHECK_BIN:-}"
if [ -z "$bin" ]; then
	bin="$(mktemp -d)/schoolcheck"
	go build -trimpath -o "$bin" .
fi
port=18080
measure() { # measure DATA_DIR → prints "ms rss_kb"
	local dir="$1" start end pid rss
	start=$(date +%s%N)
	SCHOOLCHECK_DATA_DIR="$dir" SCHOOLCHECK_HTTP_ADDR="127.0.0.1:$port" "$bin" >"$dir.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 500); do
		if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
		sleep 0.01
	done
	end=$(date +%s%N)
	sleep 2
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	kill -TERM "$pid"
	wait "$pid" || true
	echo "$(((end - start) / 1000000)) $rss"
}
printf '%-6s %-10s %-10s\n' run start_ms idle_rss_kb
for i in $(seq 1 "$runs"); do
	dir="$(mktemp -d)"
	read -r cold rss_cold < <(measure "$dir/data")
	read -r warm rss_warm < <(measure "$dir/data")
	printf '%-6s %-10s %-10s (cold, empty database)\n' "$i" "$cold" "$rss_cold"
	printf '%-6s %-10s %-10s (warm)\n' "$i" "$warm" "$rss_warm"
	rm -rf "$dir"
done
