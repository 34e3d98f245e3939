#!/usr/bin/env bash
# services.sh — make sure the services schoolcheck's tests (and a developer's
# production-like run) talk to are up on loopback:
#   MariaDB 127.0.0.1:3306 (root, empty password), Redis 127.0.0.1:6379,
#   MinIO 127.0.0.1:9000 (console :9001, minioadmin/minioadmin).
# Running services are reused; missing ones are installed (apt for MariaDB and
# Redis, `go install` for the MinIO server binary) and started. MinIO is an
# external service binary (AGPL): it is installed into $(go env GOPATH)/bin and
# never becomes a dependency in go.mod.
#
# Usage: scripts/services.sh        (exit status non-zero if a service is down)
# Prints MINIO_BIN=<path> as its last line for scripts that need the binary.
set -euo pipefail

MINIO_MODULE="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_ADDR="127.0.0.1:9000"
MINIO_CONSOLE="127.0.0.1:9001"
MINIO_DIR="${TMPDIR:-/tmp}/schoolcheck-minio"
WAIT_SECONDS="${SCHOOLCHECK_SERVICES_WAIT:-60}"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# as_root runs a command as root (directly, or through sudo for a developer).
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root to run: $*"
	fi
}

APT_UPDATED=""
apt_install() {
	command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
	if [ -z "$APT_UPDATED" ]; then
		log "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null >&2
}

# wait_for NAME CMD... retries CMD every second for WAIT_SECONDS.
wait_for() {
	local name="$1" i
	shift
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 1
	done
	die "$name did not answer within ${WAIT_SECONDS}s"
}

mariadb_ping() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping; }
mariadb_login() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1'; }

ensure_mariadb() {
	local installed=""
	if command -v mariadb-admin >/dev/null && mariadb_ping >/dev/null 2>&1; then
		log "MariaDB: running on 127.0.0.1:3306"
	else
		if [ ! -x /usr/sbin/mariadbd ]; then
			apt_install mariadb-server mariadb-client
			installed=1
		fi
		log "MariaDB: starting"
		as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
		wait_for "MariaDB on 127.0.0.1:3306" mariadb_ping
		log "MariaDB: up"
	fi
	if ! mariadb_login >/dev/null 2>&1; then
		if [ -n "$installed" ]; then
			# A fresh Debian install lets root in only over the socket; the tests
			# connect as root@tcp(127.0.0.1:3306) with no password.
			log "MariaDB: allowing password-less root over TCP for the fresh test install"
			as_root mariadb -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
				GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
		fi
		mariadb_login >/dev/null 2>&1 ||
			die "MariaDB is up but root@127.0.0.1 cannot log in without a password (the tests' DSN is root@tcp(127.0.0.1:3306)/)"
	fi
}

ensure_redis() {
	if command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then
		log "Redis: running on 127.0.0.1:6379"
		return
	fi
	command -v redis-server >/dev/null || apt_install redis-server redis-tools
	log "Redis: starting"
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
	wait_for "Redis on 127.0.0.1:6379" sh -c '[ "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG ]'
	log "Redis: up"
}

minio_live() { curl -fsS -o /dev/null --max-time 2 "http://$MINIO_ADDR/minio/health/live"; }

ensure_minio() {
	command -v curl >/dev/null || apt_install curl
	local gobin
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
	MINIO_BIN="$gobin/minio"
	if [ ! -x "$MINIO_BIN" ]; then
		mkdir -p "$MINIO_DIR"
		log "MinIO: building $MINIO_MODULE into $gobin (a few minutes the first time)"
		# The lock keeps two concurrent runs from building it twice.
		(
			flock 9
			if [ ! -x "$MINIO_BIN" ]; then
				GOBIN="$gobin" go install "$MINIO_MODULE" ||
					die "go install $MINIO_MODULE failed"
			fi
		) 9>"$MINIO_DIR.install.lock"
	fi
	if minio_live 2>/dev/null; then
		log "MinIO: running on $MINIO_ADDR"
		return
	fi
	mkdir -p "$MINIO_DIR/data"
	log "MinIO: starting on $MINIO_ADDR (data $MINIO_DIR/data, log $MINIO_DIR/minio.log)"
	MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin MINIO_UPDATE=off \
		setsid nohup "$MINIO_BIN" server --quiet --address "$MINIO_ADDR" \
		--console-address "$MINIO_CONSOLE" "$MINIO_DIR/data" \
		>>"$MINIO_DIR/minio.log" 2>&1 </dev/null &
	if ! (WAIT_SECONDS="$WAIT_SECONDS" wait_for "MinIO on $MINIO_ADDR" minio_live); then
		tail -n 20 "$MINIO_DIR/minio.log" >&2 || true
		die "MinIO did not start"
	fi
	log "MinIO: up"
}

ensure_mariadb
ensure_redis
ensure_minio
echo "MINIO_BIN=$MINIO_BIN"
