# test_db_stream (db.c row streaming) on a throw-away PostgreSQL server.
HERE="$PW_SRC/tests/registry"
if [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    echo "PostgreSQL server binaries not installed: skipped" >&2
    exit 77
fi
. "$HERE/pg_helper.sh"
pg_start || { echo "cannot start PostgreSQL" >&2; exit 1; }
PW_DB_TEST_URL=$(pg_newdb stream) || exit 1
export PW_DB_TEST_URL
"$PW_BUILD/tests/registry/test_db_stream"
