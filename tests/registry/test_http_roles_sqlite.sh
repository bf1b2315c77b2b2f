# The scope rules of the server on SQLite (see http_roles_suite.sh).
exec sh "$PW_SRC/tests/registry/http_roles_suite.sh" sqlite
