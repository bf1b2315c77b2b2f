# What comes in, on a real, throw-away PostgreSQL server (see
# input_suite.sh and pg_helper.sh).
exec sh "$PW_SRC/tests/registry/input_suite.sh" pg
