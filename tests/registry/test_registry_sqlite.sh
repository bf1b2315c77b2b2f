# The registry command-line contract on SQLite (see registry_suite.sh).
exec sh "$PW_SRC/tests/registry/registry_suite.sh" sqlite
