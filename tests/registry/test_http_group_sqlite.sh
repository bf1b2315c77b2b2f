# Group commit of POST /records on SQLite (see test_http_group_suite.sh).
exec sh "$PW_SRC/tests/registry/test_http_group_suite.sh" sqlite
