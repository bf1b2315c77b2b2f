# kill -9 during imports into SQLite (see crash_suite.sh).
exec sh "$PW_SRC/tests/registry/crash_suite.sh" sqlite 6
