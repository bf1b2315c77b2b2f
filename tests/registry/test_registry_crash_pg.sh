# kill -9 during imports into PostgreSQL (see crash_suite.sh).
exec sh "$PW_SRC/tests/registry/crash_suite.sh" pg 3
