# The episode list on SQLite (see http_episodes_suite.sh).
exec sh "$PW_SRC/tests/registry/http_episodes_suite.sh" sqlite
