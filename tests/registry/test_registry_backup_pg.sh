# `pathways registry backup` and `restore` on PostgreSQL refuse, say to use
# pg_dump and pg_restore, and write nothing (a PostgreSQL registry is backed
# up with pg_dump and restored with pg_restore).
set -u
BIN=${PW_BIN:?PW_BIN}
HERE="$PW_SRC/tests/registry"
if [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    echo "PostgreSQL server binaries not installed: skipped" >&2
    exit 77
fi
. "$HERE/pg_helper.sh"
pg_start || { echo "cannot start PostgreSQL" >&2; exit 1; }
WORK=$(mktemp -d /tmp/pw_backup_pg.XXXXXX)
trap 'pg_stop; rm -rf "$WORK"' EXIT INT TERM
export PW_REGISTRY_KEYFILE="$WORK/site.key"
DB=$(pg_newdb reg) || exit 1
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
ADMIN=$("$BIN" registry init --db "$DB" 2>/dev/null | tail -n 1)
"$BIN" registry backup --db "$DB" --as "$ADMIN" --to "$WORK/copy.db" > out 2> err
rc=$?
[ $rc -eq 1 ] && ok "refused (exit 1)" || fail "exit $rc"
grep -q "pg_dump" err && ok "points to pg_dump" || { fail "message"; cat err >&2; }
ls "$WORK" | grep -q copy && fail "a file was written" || ok "nothing written"
# A copy to restore from: an SQLite file that exists (restore refuses the
# PostgreSQL URL before it reads anything).
printf 'x' > "$WORK/copy.db"
n=$(pg_psql reg -At -c "SELECT count(*) FROM audit")
"$BIN" registry restore --from "$WORK/copy.db" --db "$DB" --as "$ADMIN" --force > out 2> err
rc=$?
[ $rc -eq 1 ] && ok "restore refused (exit 1)" || fail "restore exit $rc"
grep -q "pg_restore" err && ok "points to pg_restore" || { fail "restore message"; cat err >&2; }
[ "$(pg_psql reg -At -c "SELECT count(*) FROM audit")" = "$n" ] && ok "the registry is untouched" \
    || fail "the audit log changed"
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
