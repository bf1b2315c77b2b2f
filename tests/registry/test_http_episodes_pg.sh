# The episode list on PostgreSQL (see http_episodes_suite.sh; exit 77 = skipped).
exec sh "$PW_SRC/tests/registry/http_episodes_suite.sh" pg
