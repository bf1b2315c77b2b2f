# What comes in, on SQLite (see input_suite.sh).
exec sh "$PW_SRC/tests/registry/input_suite.sh" sqlite
