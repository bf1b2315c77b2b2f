# Tamper evidence and the token lifecycle on a real, throw-away PostgreSQL
# server (see tamper_suite.sh and pg_helper.sh).
exec sh "$PW_SRC/tests/registry/tamper_suite.sh" pg
