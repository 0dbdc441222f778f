#!/usr/bin/env bash
# Source me: pg_test_server_start / pg_test_server_stop. A private cluster in a temp folder,
# listening on 127.0.0.1 only; exports ISOFLOW_TEST_POSTGRES_URL for the tests.
pg_test_server_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$bindir" ]]; then
    echo "PostgreSQL server not installed; PostgreSQL tests will be skipped" >&2
    return 0
  fi
  PG_TEST_DIR=$(mktemp -d /tmp/isoflow-pg.XXXXXX)
  # A free port unless one is asked for: two runs on one machine must not collide.
  local port=${ISOFLOW_TEST_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  chown postgres:postgres "$PG_TEST_DIR" 2>/dev/null || true
  local as=()
  [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -U isoflow --auth=trust -E UTF8 >/dev/null
  if ! "${as[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TEST_DIR -c fsync=on -c max_connections=200" start >/dev/null; then
    tail -n 20 "$PG_TEST_DIR/log" >&2
    return 1
  fi
  "${as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U isoflow isoflow_test
  export ISOFLOW_TEST_POSTGRES_URL="postgresql+psycopg://isoflow@127.0.0.1:$port/isoflow_test"
  export PG_TEST_BINDIR=$bindir
  echo "PostgreSQL test server on 127.0.0.1:$port"
}

pg_test_server_stop() {
  [[ -n "${PG_TEST_DIR:-}" ]] || return 0
  local as=()
  [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_TEST_BINDIR/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}
