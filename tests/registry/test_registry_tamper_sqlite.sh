# Tamper evidence and the token lifecycle on SQLite (see tamper_suite.sh).
exec sh "$PW_SRC/tests/registry/tamper_suite.sh" sqlite
