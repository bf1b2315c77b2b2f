# The HTTP API on SQLite (see test_http_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_suite.sh" sqlite
