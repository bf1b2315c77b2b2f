# The scope rules of the server on PostgreSQL (see http_roles_suite.sh; exit 77 = skipped).
exec sh "$PW_SRC/tests/registry/http_roles_suite.sh" pg
