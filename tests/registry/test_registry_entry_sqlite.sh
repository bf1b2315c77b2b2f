# Safe entry, amendments, consent and spreadsheets, on SQLite (see entry_suite.sh).
exec sh "$PW_SRC/tests/registry/entry_suite.sh" sqlite
