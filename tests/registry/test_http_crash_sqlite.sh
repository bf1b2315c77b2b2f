# kill -9 of the HTTP server under load, SQLite (see test_http_crash_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_crash_suite.sh" sqlite 3
