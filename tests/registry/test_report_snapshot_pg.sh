# test_report_snapshot.c on a real, throw-away PostgreSQL server.
HERE="$PW_SRC/tests/registry"
if [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    echo "PostgreSQL server binaries not installed: skipped" >&2
    exit 77
fi
. "$HERE/pg_helper.sh"
pg_start || { echo "cannot start PostgreSQL" >&2; exit 1; }
PW_REPORT_TEST_DB=$(pg_newdb snapshot) || exit 1
export PW_REPORT_TEST_DB
"$PW_BUILD/tests/registry/test_report_snapshot"
