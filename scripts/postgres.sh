#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: a cluster in a temporary folder,
# run as the `postgres` user (Debian's postgresql package, installed by
# setup.sh), listening on 127.0.0.1 only, with fsync off (nothing in it
# outlives the run). Sourced: `start_test_postgres` sets
# KASSA_TEST_DATABASE_URL and stops the cluster when the calling script exits.
start_test_postgres() {
  local bin port dir
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  port="${KASSA_TEST_PG_PORT:-54329}"
  dir="$(mktemp -d /tmp/kassa-postgres.XXXXXX)"
  as_root chown postgres "$dir"
  as_root su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -A trust -U postgres --no-sync" >/dev/null
  as_root su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w \
    -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start" >/dev/null
  KASSA_TEST_PG_DIR="$dir"
  KASSA_TEST_PG_BIN="$bin"
  export KASSA_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export KASSA_TEST_POSTGRES=required
  trap 'stop_test_postgres' EXIT
}

stop_test_postgres() {
  [ -n "${KASSA_TEST_PG_DIR:-}" ] || return 0
  as_root su postgres -s /bin/sh -c "'$KASSA_TEST_PG_BIN/pg_ctl' -D '$KASSA_TEST_PG_DIR/data' -m immediate stop" \
    >/dev/null 2>&1 || true
  as_root rm -rf "$KASSA_TEST_PG_DIR"
  KASSA_TEST_PG_DIR=""
}
