# `pathways registry restore` on SQLite: a backup is checked before the
# target is touched, replaces a registry only with --force (keeping the old
# one, WAL included), never while another process has it open, and the
# restored chain records the restore.
# Usage: sh test_registry_restore.sh   (env PW_BIN, PW_SRC)
# Covers: round trip backup -> restore (same rows, same first N audit
# entries, a "restore" entry naming the file and the count, stats equal,
# the backup file unchanged and nothing created beside it); refusals that
# leave the target byte-identical and nothing behind: a damaged page, a
# damaged header, a tampered audit entry, a newer schema, an existing
# target without --force, a wrong or missing site key, a non-admin or
# unknown token, the registry itself, a target held by a running import
# or by `pathways serve`; with --force the replaced registry is kept as
# DB.replaced-TIME with the records still in its -wal folded into it;
# usage errors.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_restore sqlite
export PW_REGISTRY_KEYFILE="$DB.key"

suite_users clinician auditor
CLIN=$(tail -n 1 tok_clinician); AUDITOR=$(tail -n 1 tok_auditor)
# records.jsonl: N people with an episode, a review and a test each.
N=40
awk -v n=$N -v off=0 -f /dev/stdin > records.jsonl <<'AWK'
BEGIN {
  for (i = off + 1; i <= off + n; i++) {
    printf "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%06d\",\"name\":\"Person %d\",\"birth_date\":\"1990-01-01\",\"sex\":\"female\"}\n", i, i, i
    printf "{\"type\":\"episode\",\"ref\":\"E%d\",\"person\":\"P%d\",\"programme\":\"outpatient\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", i, i
    printf "{\"type\":\"review\",\"episode\":\"E%d\",\"date\":\"2025-01-02\",\"stage\":\"start\",\"opioid_days\":%d}\n", i, i % 28
    printf "{\"type\":\"test\",\"episode\":\"E%d\",\"date\":\"2025-01-03\",\"analyte\":\"opioid\",\"result\":\"negative\"}\n", i
  }
}
AWK
"$BIN" registry import --db "$DB" --as "$CLIN" records.jsonl > imp.out 2> imp.err \
    || { cat imp.err >&2; exit 1; }
"$BIN" registry backup --db "$DB" --as "$AUDITOR" --to "$WORK/b.db" > b.out 2> b.err \
    || { cat b.err >&2; exit 1; }
BSUM=$(sha256sum < b.db)
BENTRIES=$(sqlite3 b.db "SELECT count(*) FROM audit")
TABLES="users person episode plan_phase review_due review drug_test test_schedule audit"
counts() { for t in $TABLES; do printf '%s=%s ' "$t" "$(sqlite3 "$1" "SELECT count(*) FROM $t")"; done; }
BCOUNTS=$(counts b.db)
sum() { sha256sum < "$1"; }
# leftovers DIR-PREFIX: temporary files or replaced copies beside a path.
leftovers() { ls "$WORK" | grep -E "^$1\.(tmp|replaced)" ; }

# ---- round trip ---------------------------------------------------------------
"$BIN" registry restore --from b.db --db r1.db --as "$ADMIN" > r1.out 2> r1.err
expect_rc 0 $? "restore into a new path"
contains r1.out "registry restored: r1.db from b.db: .* $N people, $N episodes; integrity ok; audit chain intact: $BENTRIES entries" "the summary line"
contains r1.out "no registry replaced" "says nothing was replaced"
is "the restored rows" "$(counts r1.db | sed 's/audit=[0-9]*//')" "$(echo "$BCOUNTS" | sed 's/audit=[0-9]*//')"
is "the restored chain: the backup's entries and the restore's" \
    "$(sqlite3 r1.db "SELECT count(*) FROM audit")" "$((BENTRIES + 1))"
is "the first $BENTRIES entries are the backup's, hashes included" \
    "$(sqlite3 r1.db "SELECT group_concat(seq || hash, ',') FROM (SELECT * FROM audit WHERE seq <= $BENTRIES ORDER BY seq)")" \
    "$(sqlite3 b.db "SELECT group_concat(seq || hash, ',') FROM (SELECT * FROM audit ORDER BY seq)")"
"$BIN" registry audit verify --db r1.db > v1.out 2>&1
expect_rc 0 $? "audit verify on the restored registry"
contains v1.out "intact: $((BENTRIES + 1)) entries" "verify counts the restore entry"
is "the restore entry" "$(sqlite3 r1.db "SELECT user_name || ' ' || role || ' ' || action || ' ' || object || ' ' || detail FROM audit ORDER BY seq DESC LIMIT 1")" \
    "admin admin restore registry from $WORK/b.db: $BENTRIES entries verified; no registry replaced"
"$BIN" registry stats --db "$DB" --as "$CLIN" | grep -v audit_entries > stats.db
"$BIN" registry stats --db r1.db --as "$CLIN" | grep -v audit_entries > stats.r1
is "stats of the restored registry equal the original's (the same tokens work)" "$(cat stats.r1)" "$(cat stats.db)"
is "the backup file is unchanged" "$(sum b.db)" "$BSUM"
[ ! -e b.db-wal ] && [ ! -e b.db-shm ] && ok "nothing created beside the backup" || fail "b.db-wal or -shm created"
[ -z "$(leftovers r1.db)" ] && ok "no temporary file left" || fail "left: $(leftovers r1.db)"
R1SUM=$(sum r1.db)

# ---- refusals that leave the target as it was ---------------------------------
# refused NAME WANT-MESSAGE restore-args...: exit 1, the message, r1.db
# byte-identical, nothing beside it.
refused() {
    name=$1 msg=$2; shift 2
    "$BIN" registry restore "$@" > "$name.out" 2> "$name.err"
    expect_rc 1 $? "$name: refused"
    contains "$name.err" "$msg" "$name: says why"
    is "$name: the target is unchanged" "$(sum r1.db)" "$R1SUM"
    [ -z "$(leftovers r1.db)" ] && ok "$name: nothing left beside it" || fail "$name: left $(leftovers r1.db)"
}
cp b.db page.db
root=$(sqlite3 b.db "SELECT rootpage FROM sqlite_master WHERE name = 'person'")
psize=$(sqlite3 b.db "PRAGMA page_size")
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' \
    | dd of=page.db bs=1 seek=$(( (root - 1) * psize )) conv=notrunc 2>/dev/null
refused damaged-page "page.db: the backup fails integrity_check" --from page.db --db r1.db --as "$ADMIN" --force
cp b.db head.db
printf 'not an sqlite db' | dd of=head.db bs=1 seek=0 conv=notrunc 2>/dev/null
refused damaged-header "head.db: not a readable SQLite database" --from head.db --db r1.db --as "$ADMIN" --force
cp b.db tamper.db
sqlite3 tamper.db "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'nothing to see' WHERE seq = 3"
refused tampered-audit "tamper.db: the backup's audit chain is broken at entry 3" --from tamper.db --db r1.db --as "$ADMIN" --force
cp b.db newer.db
sqlite3 newer.db "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
refused newer-schema "newer.db: schema version 99 is newer than this build knows" --from newer.db --db r1.db --as "$ADMIN" --force
refused exists "r1.db: field 'db': a registry exists here: restore replaces it only with --force" --from b.db --db r1.db --as "$ADMIN"
export PW_REGISTRY_KEY="$(printf '%064d' 7)"
refused wrong-key "b.db: the site key does not belong to this registry" --from b.db --db r1.db --as "$ADMIN" --force
unset PW_REGISTRY_KEY
refused auditor "b.db: field 'as': only an admin of the backup may restore it (this token is its user 'u_auditor', role auditor)" --from b.db --db r1.db --as "$AUDITOR" --force
refused unknown-token "b.db: field 'token': unknown or malformed token" --from b.db --db r1.db --as "$(printf '%064d' 1)" --force
refused itself "field 'from': is the registry itself" --from r1.db --db r1.db --as "$ADMIN" --force
refused no-backup "nothere.db: field 'from': cannot read the backup" --from nothere.db --db r1.db --as "$ADMIN" --force
# Fresh targets: no file appears.
mkdir nokey
PW_REGISTRY_KEYFILE= "$BIN" registry restore --from b.db --db nokey/r.db --as "$ADMIN" > nokey.out 2> nokey.err
expect_rc 1 $? "no site key for the target: refused"
contains nokey.err "nokey/r.db.key: key file missing: a backup holds no site key" "says where the key goes"
[ -z "$(ls nokey)" ] && ok "nothing written" || fail "nokey/ holds $(ls nokey)"
PW_REGISTRY_KEY=$(printf '%064d' 7) "$BIN" registry restore --from b.db --db r3.db --as "$ADMIN" > r3.out 2> r3.err
expect_rc 1 $? "a bad key into a new path: refused"
[ ! -e r3.db ] && [ -z "$(leftovers r3.db)" ] && ok "no r3.db written" || fail "r3.db or temporaries exist"
"$BIN" registry restore --from page.db --db r4.db --as "$ADMIN" > r4.out 2> r4.err
expect_rc 1 $? "a damaged backup into a new path: refused"
[ ! -e r4.db ] && [ -z "$(leftovers r4.db)" ] && ok "no r4.db written" || fail "r4.db or temporaries exist"

# ---- --force with a live WAL, and a process holding the target ------------------
# Records committed into r1.db by an import that is then killed: they are
# in r1.db-wal only, and the replaced copy must still hold them.
awk -v n=5 -v off=1000 -f /dev/stdin > extra.jsonl <<'AWK'
BEGIN {
  for (i = off + 1; i <= off + n; i++)
    printf "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%06d\",\"name\":\"Late %d\",\"birth_date\":\"1991-01-01\",\"sex\":\"male\"}\n", i, i, i
}
AWK
mkfifo feed
"$BIN" registry import --db r1.db --as "$CLIN" --batch 1 feed > imp2.out 2> imp2.err &
IMP=$!
exec 3> feed
cat extra.jsonl >&3
i=0; while ! grep -qx "committed 5" imp2.out && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
grep -qx "committed 5" imp2.out && ok "an import committed 5 people into r1.db and waits for more" \
    || { fail "the import did not commit"; cat imp2.err >&2; }
R1SUM=$(sum r1.db)
refused held-by-import "r1.db: is in use by another process" --from b.db --db r1.db --as "$ADMIN" --force
kill -9 $IMP; wait $IMP 2>/dev/null; exec 3>&-
[ -s r1.db-wal ] && ok "after kill -9 the committed people are in r1.db-wal" || fail "r1.db-wal is empty"
R1PEOPLE=$((N + 5))
"$BIN" registry restore --from b.db --db r1.db --as "$ADMIN" --force > force.out 2> force.err
expect_rc 0 $? "restore --force over r1.db"
KEPT=$(sed -n 's/.*replaced registry kept as \(.*\)$/\1/p' force.out)
case "$KEPT" in r1.db.replaced-[0-9]*T[0-9]*Z) ok "the old registry is kept as $KEPT" ;; *) fail "no kept name: $(cat force.out force.err)" ;; esac
[ -f "$KEPT" ] && is "the kept registry holds the records that were only in its WAL" \
    "$(sqlite3 "$KEPT" "SELECT count(*) FROM person")" "$R1PEOPLE"
[ ! -e "$KEPT-wal" ] && [ ! -e r1.db-wal -o ! -s r1.db-wal ] && ok "no WAL left for either file" || fail "a WAL was left"
"$BIN" registry audit verify --db "$KEPT" > kept.v 2>&1
expect_rc 0 $? "the kept registry verifies ($(cat kept.v))"
is "the restored registry has the backup's people" "$(sqlite3 r1.db "SELECT count(*) FROM person")" "$N"
"$BIN" registry audit verify --db r1.db > force.v 2>&1
expect_rc 0 $? "the restored registry verifies ($(cat force.v))"
is "its restore entry names the kept file" \
    "$(sqlite3 r1.db "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1")" \
    "from $WORK/b.db: $BENTRIES entries verified; replaced registry kept as $WORK/$KEPT"
[ -z "$(ls "$WORK" | grep -E '^r1\.db\.tmp')" ] && ok "no temporary file left" || fail "temporaries left"

# A running server holds the original registry.
suite_serve
DBSUM=$(sum "$DB")
"$BIN" registry restore --from b.db --db "$DB" --as "$ADMIN" --force > srv.out 2> srv.err
expect_rc 1 $? "restore --force while \`pathways serve\` has the registry open: refused"
contains srv.err "is in use by another process" "says why"
is "the served registry is unchanged" "$(sum "$DB")" "$DBSUM"
[ -z "$(leftovers reg.db)" ] && ok "nothing left beside it" || fail "left: $(leftovers reg.db)"
curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CLIN" "$URL/stats" > srv.code
is "the server still serves" "$(cat srv.code)" 200
suite_stop_server
"$BIN" registry restore --from b.db --db "$DB" --as "$ADMIN" --force > srv2.out 2> srv2.err
expect_rc 0 $? "once the server has stopped, the restore goes through"

# ---- usage ----------------------------------------------------------------------
"$BIN" registry restore --db r5.db --as "$ADMIN" > u.out 2> u.err
expect_rc 2 $? "no --from"
contains u.err "--from FILE is required" "names --from"
"$BIN" registry restore --from b.db --db r5.db > u.out 2> u.err
expect_rc 2 $? "no --as"
"$BIN" registry --help | grep -q "restore --from FILE --db DB --as TOKEN \[--force\]" \
    && ok "listed in --help" || fail "not in --help"
suite_end
