# Safe entry, amendments, consent and spreadsheets, on a throw-away PostgreSQL
# server (see entry_suite.sh and pg_helper.sh).
exec sh "$PW_SRC/tests/registry/entry_suite.sh" pg
