# The registry command-line contract on a real, throw-away PostgreSQL server
# (see registry_suite.sh and pg_helper.sh).
exec sh "$PW_SRC/tests/registry/registry_suite.sh" pg
