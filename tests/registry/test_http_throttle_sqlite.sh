# Failed-token throttling on SQLite (see test_http_throttle_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_throttle_suite.sh" sqlite
