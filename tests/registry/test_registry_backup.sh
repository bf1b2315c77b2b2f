# `pathways registry backup` on SQLite: backups taken while another process
# imports are consistent copies of a prefix of the committed records.
# Usage: sh test_registry_backup.sh   (env PW_BIN)
# Covers: two backups during a concurrent import (each copy a strict
# prefix: the import went on after its snapshot), each one exactly the
# records of a batch boundary the import reported ("committed K" was
# printed for the copy's K records) and at least the "committed N" printed
# before the backup started; the copy passes integrity_check and
# `audit verify`, holds its own "backup" entry and serves as a registry;
# roles (auditor and admin yes, clinician no, audited); --to the registry
# itself; an unwritable --to leaves nothing; usage errors.
set -u
BIN=${PW_BIN:?PW_BIN}
WORK=$(mktemp -d /tmp/pw_backup.XXXXXX)
FAILS=0
IMPORT=
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
cleanup() {
    [ -n "$IMPORT" ] && kill "$IMPORT" 2>/dev/null && wait "$IMPORT" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
cd "$WORK" || exit 1

DB="$WORK/reg.db"
ADMIN=$("$BIN" registry init --db "$DB" 2>/dev/null | tail -n 1)
CLIN=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name c --role clinician | tail -n 1)
AUDITOR=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name a --role auditor | tail -n 1)
[ -n "$CLIN" ] && [ -n "$AUDITOR" ] || { echo "setup failed" >&2; exit 1; }

# Person i then episode i: 2 lines per person, batches of 200 lines, so a
# committed prefix of K lines is people 1..K/2 and episodes 1..K/2.
N=20000
awk -v n=$N 'BEGIN {
  for (i = 1; i <= n; i++) {
    printf "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%08d\",\"name\":\"Person %d\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", i, i, i
    printf "{\"type\":\"episode\",\"ref\":\"E%d\",\"person\":\"P%d\",\"programme\":\"outpatient\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", i, i
  }
}' > data.jsonl

last_committed() { sed -n 's/^committed \([0-9]*\)$/\1/p' import.out | tail -n 1; }
# wait_committed MIN: until the import has printed committed >= MIN.
wait_committed() {
    i=0
    while [ "$(last_committed)" = "" ] || [ "$(last_committed)" -lt "$1" ]; do
        [ $i -lt 600 ] || return 1
        kill -0 "$IMPORT" 2>/dev/null || return 1
        sleep 0.05; i=$((i + 1))
    done
}

"$BIN" registry import --db "$DB" --as "$CLIN" --batch 200 data.jsonl > import.out 2> import.err &
IMPORT=$!

# check_copy NAME BEFORE: the copy NAME.db, taken after "committed BEFORE".
check_copy() {
    c=$1.db before=$2
    v=$(sqlite3 "$c" "PRAGMA integrity_check")
    [ "$v" = ok ] && ok "$1: integrity_check ok" || fail "$1: integrity_check: $v"
    PW_REGISTRY_KEYFILE="$DB.key" "$BIN" registry audit verify --db "$c" > "$1.verify" 2>&1 \
        && ok "$1: $(cat "$1.verify")" || { fail "$1: audit verify"; cat "$1.verify" >&2; }
    np=$(sqlite3 "$c" "SELECT count(*) FROM person")
    ne=$(sqlite3 "$c" "SELECT count(*) FROM episode")
    k=$((np + ne))
    [ "$k" -ge "$before" ] && ok "$1: $k records >= the $before committed before it started" \
        || fail "$1: $k records < committed $before"
    # Every record in the copy was reported committed: the copy ends at a
    # batch boundary the import printed.
    grep -qx "committed $k" import.out && ok "$1: the import printed 'committed $k'" \
        || fail "$1: $k records, but no 'committed $k' was printed"
    [ "$np" = "$ne" ] && ok "$1: $np people, $ne episodes (whole pairs)" \
        || fail "$1: $np people but $ne episodes"
    pp=$(sqlite3 "$c" "SELECT count(*) FROM person WHERE CAST(substr(ref, 2) AS INTEGER) <= $np")
    pe=$(sqlite3 "$c" "SELECT count(*) FROM episode e JOIN person p ON p.id = e.person_id WHERE substr(e.ref, 2) = substr(p.ref, 2) AND CAST(substr(e.ref, 2) AS INTEGER) <= $np")
    [ "$pp" = "$np" ] && [ "$pe" = "$np" ] && ok "$1: exactly P1..P$np and E1..E$np (a prefix)" \
        || fail "$1: not a prefix ($pp people and $pe episodes of 1..$np)"
}

# ---- two backups while the import runs -----------------------------------------
for b in early late; do
    if [ $b = early ]; then want=2000; else want=10000; fi
    wait_committed $want || { fail "the import did not reach $want"; cat import.err >&2; break; }
    before=$(last_committed)
    "$BIN" registry backup --db "$DB" --as "$AUDITOR" --to "$WORK/$b.db" > $b.out 2> $b.err
    rc=$?
    running=no; kill -0 "$IMPORT" 2>/dev/null && running=yes
    [ $rc -eq 0 ] && ok "$b backup (exit 0; import still running at its end: $running)" \
        || { fail "$b backup exit $rc"; cat $b.err >&2; }
    # The snapshot was taken mid-import: the import committed more after it.
    k=$(( $(sqlite3 "$b.db" "SELECT count(*) FROM person") * 2 ))
    [ "$k" -lt $((2 * N)) ] && ok "$b: the copy ($k records) was taken while the import ran" \
        || fail "$b: the copy has all $k records: the import had finished (not a concurrent test)"
    grep -q "integrity ok; audit chain intact" $b.out && ok "$b: reports its checks" \
        || { fail "$b: output"; cat $b.out >&2; }
    check_copy $b "$before"
done
wait "$IMPORT"; irc=$?; IMPORT=
[ $irc -eq 0 ] && ok "import finished: $(last_committed) committed" || { fail "import exit $irc"; cat import.err >&2; }
ls "$WORK" | grep -q '\.tmp\.' && fail "temporary files left: $(ls "$WORK" | grep '\.tmp\.')" \
    || ok "no temporary file left"

# ---- the copy is a registry -------------------------------------------------------
PW_REGISTRY_KEYFILE="$DB.key" "$BIN" registry stats --db "$WORK/late.db" --as "$CLIN" > stats.out 2>&1 \
    && grep -q '"people"' stats.out && ok "the copy serves (stats with the same token and key)" \
    || { fail "stats on the copy"; cat stats.out >&2; }
PW_REGISTRY_KEYFILE="$DB.key" "$BIN" registry audit list --db "$WORK/late.db" --as "$AUDITOR" > alist.out 2>&1
grep -q '"action":"backup","object":"registry","detail":"to '"$WORK"'/late.db"' alist.out \
    && ok "the copy holds its own backup entry" || { fail "no backup entry in the copy"; tail -3 alist.out >&2; }

# ---- roles and refusals -----------------------------------------------------------
"$BIN" registry backup --db "$DB" --as "$ADMIN" --to "$WORK/late.db" > admin.out 2> admin.err \
    && ok "admin may back up, over an existing copy" || { fail "admin backup"; cat admin.err >&2; }
n=$(sqlite3 "$WORK/late.db" "SELECT count(*) FROM person")
[ "$n" = "$N" ] && ok "the replaced copy has all $N people" || fail "replaced copy has $n people"
"$BIN" registry backup --db "$DB" --as "$CLIN" --to "$WORK/clin.db" > clin.out 2> clin.err
rc=$?
[ $rc -eq 1 ] && ok "clinician refused (exit 1)" || fail "clinician backup exit $rc"
grep -q "may not read backup" clin.err && ok "says why" || { fail "refusal message"; cat clin.err >&2; }
[ ! -e "$WORK/clin.db" ] && ok "no file written for the refused backup" || fail "clin.db exists"
"$BIN" registry audit list --db "$DB" --as "$AUDITOR" > alist2.out 2>&1
grep -q '"action":"denied","object":"backup"' alist2.out && ok "the refusal is audited" \
    || fail "no denied backup entry"
nb=$(grep -c '"action":"backup"' alist2.out)
[ "$nb" -eq 3 ] && ok "3 backups on record" || fail "$nb backup entries, wanted 3"
before=$(sqlite3 "$DB" "SELECT count(*) FROM person")
"$BIN" registry backup --db "$DB" --as "$ADMIN" --to "$DB" > self.out 2> self.err
rc=$?
[ $rc -eq 1 ] && grep -q "is the registry itself" self.err && ok "--to the registry itself is refused" \
    || { fail "--to itself: exit $rc"; cat self.err >&2; }
after=$(sqlite3 "$DB" "SELECT count(*) FROM person")
[ "$before" = "$after" ] && [ "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok ] \
    && ok "the registry is intact" || fail "registry changed"
"$BIN" registry backup --db "$DB" --as "$ADMIN" --to "$WORK/nodir/x.db" > nodir.out 2> nodir.err
rc=$?
[ $rc -eq 3 ] && ok "an unwritable --to fails with exit 3" || { fail "nodir exit $rc"; cat nodir.err >&2; }
[ ! -e "$WORK/nodir" ] && ok "and leaves nothing" || fail "nodir created"
"$BIN" registry backup --db "$DB" --as "$ADMIN" > usage.out 2> usage.err
[ $? -eq 2 ] && grep -q -- "--to" usage.err && ok "no --to is a usage error" || fail "missing --to"

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
