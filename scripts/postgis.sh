#!/usr/bin/env bash
# A private PostgreSQL + PostGIS cluster for the atlas (`make postgis`; `make test` and the benchmarks use it).
#
#   scripts/postgis.sh start   install the Debian packages if missing, initdb once, start, create the database
#   scripts/postgis.sh stop    stop the cluster (its files stay)
#   scripts/postgis.sh remove  stop it and delete its directory
#   scripts/postgis.sh url     print ATLAS_DATABASE_URL
#
# The cluster listens on a unix socket only (no TCP), in its own directory, with trust authentication: nothing
# outside this machine can reach it, and worktrees of the project side by side each have their own. Its server
# runs as the Debian `postgres` user (initdb refuses root). A second `start` only checks that it is running.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_VERSION="${ATLAS_PG_VERSION:-15}"
PG_BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
PG_PORT="${ATLAS_PG_PORT:-55432}"
PG_DB="${ATLAS_PG_DATABASE:-atlas}"
RUN_AS=postgres

# The cluster's directory: ATLAS_PG_DIR, else .postgis/ in the checkout, unless the server's user cannot reach the
# checkout (a parent closed to it) or the socket's path would pass the unix limit of 107 bytes: then a directory
# under /tmp named after the checkout's path, so each checkout still has its own.
pick_dir() {
  if [ -n "${ATLAS_PG_DIR:-}" ]; then
    echo "$ATLAS_PG_DIR"
    return
  fi
  local here="$PWD/.postgis"
  local reachable=yes
  if [ "$(id -u)" = 0 ] && id "$RUN_AS" >/dev/null 2>&1 && ! runuser -u "$RUN_AS" -- test -x "$PWD"; then
    reachable=no
  fi
  if [ "$reachable" = yes ] && [ "${#here}" -le 80 ]; then
    echo "$here"
  else
    echo "/tmp/atlas-postgis-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)"
  fi
}
PG_DIR="$(pick_dir)"
DATA="$PG_DIR/data"
SOCKET="$PG_DIR/run"

url() {
  echo "postgresql://postgres@/${PG_DB}?host=${SOCKET}&port=${PG_PORT}"
}

as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$RUN_AS" -- "$@"
  else
    "$@"
  fi
}

install() {
  if [ -x "$PG_BIN/postgres" ] && [ -e "/usr/share/postgresql/${PG_VERSION}/extension/postgis.control" ]; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL ${PG_VERSION} with PostGIS is not installed and this is not root: as root run" \
      "apt-get install postgresql-${PG_VERSION} postgresql-${PG_VERSION}-postgis-3" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "postgresql-${PG_VERSION}" "postgresql-${PG_VERSION}-postgis-3" >/dev/null
}

running() {
  [ -S "$SOCKET/.s.PGSQL.${PG_PORT}" ] && "$PG_BIN/pg_isready" -q -h "$SOCKET" -p "$PG_PORT"
}

start() {
  install
  if [ "$(id -u)" = 0 ] && ! id "$RUN_AS" >/dev/null 2>&1; then
    echo "the Debian package should have made the user $RUN_AS; it is missing" >&2
    exit 1
  fi
  mkdir -p "$PG_DIR"
  chmod 700 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    chown "$RUN_AS" "$PG_DIR"
    if ! runuser -u "$RUN_AS" -- test -w "$PG_DIR"; then
      echo "$PG_DIR is not reachable by the user $RUN_AS (a parent directory is closed to it):" \
        "set ATLAS_PG_DIR to a directory it can reach" >&2
      exit 1
    fi
  fi
  if [ ! -s "$DATA/PG_VERSION" ]; then
    as_server "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_server mkdir -p "$SOCKET"
    cat >>"$DATA/postgresql.conf" <<EOF
# the atlas's private cluster (scripts/postgis.sh)
listen_addresses = ''
port = ${PG_PORT}
unix_socket_directories = '${SOCKET}'
shared_buffers = 128MB
fsync = on
max_connections = 60
EOF
  fi
  if ! running; then
    as_server "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null
  fi
  local exists
  exists=$("$PG_BIN/psql" -h "$SOCKET" -p "$PG_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'")
  if [ "$exists" != 1 ]; then
    "$PG_BIN/createdb" -h "$SOCKET" -p "$PG_PORT" -U postgres "$PG_DB"
  fi
  PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -q -h "$SOCKET" -p "$PG_PORT" -U postgres -d "$PG_DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" \
    >/dev/null
  echo "ATLAS_DATABASE_URL=$(url)"
}

stop() {
  if [ -s "$DATA/PG_VERSION" ] && running; then
    as_server "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  remove) stop; rm -rf "$PG_DIR" ;;
  url) url ;;
  *) echo "usage: $0 [start|stop|remove|url]" >&2; exit 2 ;;
esac
