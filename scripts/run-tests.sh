#!/usr/bin/env bash
# Run the whole suite. Starts a throw-away PostgreSQL server on loopback for the storage,
# service and API tests, which then run on SQLite and PostgreSQL alike.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-test-server.sh
pg_test_server_start
trap pg_test_server_stop EXIT
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
exit $rc
