# kill -9 of the HTTP server under load, PostgreSQL (see test_http_crash_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_crash_suite.sh" pg 2
