# Failed-token throttling on a real, throw-away PostgreSQL server (see test_http_throttle_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_throttle_suite.sh" pg
