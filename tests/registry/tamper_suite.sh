# Tamper evidence and the token lifecycle, against one backend.
# Usage: sh tamper_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# The attacker can write the database (sqlite3 on the file, psql as the
# superuser) but does not hold the site key. Each attack is made on a fresh
# copy of one registry, and `audit verify` must find it and name the table
# and row; writes over a tampered row or after a junk audit row fail with
# exit 3. Also: signed checkpoints (a rolled-back database), a registry of
# schema 3 opened and sealed (its tokens still work), user list, disable
# and rotate (over the command line and HTTP), and, on SQLite, a backup
# with one flipped byte inside a value refused by restore.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_tamper "$@"
ZERO=0000000000000000000000000000000000000000000000000000000000000000

if [ "$BACKEND" = pg ]; then
    # copy_db NAME: a copy of the registry as it is now; sets T.
    copy_db() { pg_psql postgres -c "DROP DATABASE IF EXISTS $1" > /dev/null 2>&1
                pg_psql postgres -c "CREATE DATABASE $1 TEMPLATE reg" > /dev/null || exit 1
                T=$(echo "$DB" | sed "s|/reg?|/$1?|"); TN=$1; }
    tsql() { pg_psql "$TN" -c "$1"; }
    unguard() { tsql "ALTER TABLE audit DISABLE TRIGGER USER" > /dev/null; }
else
    copy_db() { cp "$DB" "$WORK/$1.db"; [ -e "$DB-wal" ] && cp "$DB-wal" "$WORK/$1.db-wal"
                T="$WORK/$1.db"; }
    tsql() { sqlite3 "$T" "$1"; }
    unguard() { tsql "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete"; }
fi

suite_users clinician auditor lab panel
[ "$BACKEND" = sqlite ] && export PW_REGISTRY_KEYFILE="$DB.key" # the copies use it too
CLIN=$(tail -n 1 tok_clinician); AUD=$(tail -n 1 tok_auditor); LAB=$(tail -n 1 tok_lab)
PANEL=$(tail -n 1 tok_panel)
cat > recs.jsonl <<'EOF'
{"type":"person","ref":"P1","national_id":"870101-300123","name":"Aigerim S","birth_date":"1987-01-01","sex":"female"}
{"type":"person","ref":"P2","national_id":"900202-400456","name":"Nurlan K","birth_date":"1990-02-02","sex":"male"}
{"type":"episode","ref":"E1","person":"P1","programme":"outpatient","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-10","tests_per_week":1}
{"type":"episode","ref":"E2","person":"P2","programme":"inpatient","regime":"hybrid","legal_basis":"court_ordered","order_ref":"ORDER-QZX-4711","start":"2025-02-01"}
{"type":"review","episode":"E1","date":"2025-01-11","stage":"start","opioid_days":20,"psych_health":8}
{"type":"test","episode":"E1","date":"2025-02-01","analyte":"opiates","result":"positive"}
{"type":"violation","episode":"E1","date":"2025-02-02","kind":"missed_session"}
{"type":"relapse","episode":"E1","date":"2025-03-01"}
{"type":"discharge","episode":"E1","date":"2025-06-01","reason":"completed"}
{"type":"followup","episode":"E1","date":"2025-09-01","status":"abstinent"}
{"type":"death","person":"P2","date":"2025-10-01"}
EOF
"$BIN" registry import --db "$DB" --as "$CLIN" recs.jsonl > imp.out 2> imp.err
expect_rc 0 $? "import"
echo '{"type":"panel","episode":"E2","date":"2025-02-03","decision":"accept","members":["a","b"]}' > panel.jsonl
"$BIN" registry import --db "$DB" --as "$PANEL" panel.jsonl > /dev/null 2>&1
expect_rc 0 $? "panel sign-off (an update of a sealed episode)"
"$BIN" registry audit verify --db "$DB" > v.out 2> v.err
expect_rc 0 $? "an untouched registry verifies"
contains v.out "every sealed row and table matches" "verify says what it checked"
for t in users person episode plan_phase review_due panel_decision review drug_test test_schedule violation relapse followup death; do
    n=$(q "SELECT count(*) FROM $t WHERE mac IS NULL")
    [ "$n" = 0 ] && [ "$(q "SELECT count(*) FROM $t")" -gt 0 ] && ok "$t: every row sealed" \
        || fail "$t: $n rows without a MAC, or none at all"
done
RELAPSE=$(q "SELECT id FROM relapse")
# attack NAME SQL WANT: make the attack on a copy; verify exits 1 naming WANT.
attack() {
    copy_db "$1"
    tsql "$2" > /dev/null
    "$BIN" registry audit verify --db "$T" > "$1.out" 2> "$1.err"
    expect_rc 1 $? "$1: verify finds it"
    contains "$1.err" "$3" "$1: verify says '$3'"
}

# ---- the file and its history ---------------------------------------------
copy_db a_empty; unguard
tsql "DELETE FROM audit; UPDATE audit_head SET seq = 0, hash = '$ZERO'" > /dev/null
"$BIN" registry audit verify --db "$T" > a_empty.out 2> a_empty.err
expect_rc 1 $? "log erased and head reset: found"
contains a_empty.err "audit head (entry 0) does not match its seal" "erased log: the head's seal"
"$BIN" registry stats --db "$T" --as "$CLIN" > /dev/null 2> a_empty_w.err
expect_rc 3 $? "erased log: the next write is refused (exit 3)"
contains a_empty_w.err "changed without the site key" "erased log: the refusal says why"

HEAD=$(q "SELECT seq FROM audit_head"); CUT=$((HEAD - 3))
copy_db a_cut; unguard
tsql "DELETE FROM audit WHERE seq > $CUT; UPDATE audit_head SET seq = $CUT, hash = (SELECT hash FROM audit WHERE seq = $CUT)" > /dev/null
"$BIN" registry audit verify --db "$T" > a_cut.out 2> a_cut.err
expect_rc 1 $? "tail cut and head moved: found"
contains a_cut.err "audit head (entry $CUT) does not match its seal" "cut tail: the head's seal"

copy_db a_junk
tsql "INSERT INTO audit (seq, time, user_id, user_name, role, action, object, detail, hash) VALUES ($((HEAD + 1)), 'x', 0, '-', '-', 'x', 'junk', NULL, '$ZERO')" > /dev/null
"$BIN" registry audit verify --db "$T" > a_junk.out 2> a_junk.err
expect_rc 1 $? "junk row after the head: found"
contains a_junk.err "entry $((HEAD + 1)) (x junk) lies beyond the audit head" "junk row: named"
echo '{"type":"person","ref":"P9","national_id":"111","name":"X","birth_date":"1990-01-01","sex":"male"}' > one.jsonl
"$BIN" registry import --db "$T" --as "$CLIN" one.jsonl > a_junk_i.out 2> a_junk_i.err
expect_rc 3 $? "junk row: the next import fails with exit 3"
contains a_junk_i.err "exists beyond the audit head" "junk row: the import says why"
lacks a_junk_i.err "duplicate\|exists already" "junk row: not misreported as a duplicate"

# ---- users and roles -----------------------------------------------------------
TOK=$(printf '%064d' 7)
H=$(printf %s "$TOK" | b2sum -l 256 | cut -d' ' -f1)
copy_db a_user
tsql "INSERT INTO users (name, role, token_hash, created) VALUES ('mallory', 'admin', '$H', 'x')" > /dev/null
"$BIN" registry stats --db "$T" --as "$TOK" > /dev/null 2> a_user_s.err
expect_rc 1 $? "planted user with a chosen (unkeyed) token: the token is refused"
"$BIN" registry audit verify --db "$T" > /dev/null 2> a_user.err
expect_rc 1 $? "planted user: found"
contains a_user.err "table users row [0-9]*: has no MAC" "planted user: row named"

copy_db a_role
tsql "UPDATE users SET role = 'admin' WHERE name = 'u_clinician'" > /dev/null
"$BIN" registry user add --db "$T" --as "$CLIN" --name x --role admin > /dev/null 2> a_role_s.err
expect_rc 3 $? "raised role: the raised user's sign-in is refused (exit 3)"
contains a_role_s.err "table users row [0-9]* does not match its MAC" "raised role: says which row"
"$BIN" registry audit verify --db "$T" > /dev/null 2> a_role.err
expect_rc 1 $? "raised role: found"

# ---- records ----------------------------------------------------------------------
attack a_test "UPDATE drug_test SET result = 'negative'" "table drug_test row 1: does not match its MAC"
attack a_review "UPDATE review SET psych_health = 20" "table review row 1: does not match its MAC"
attack a_relapse "DELETE FROM relapse" "table relapse: row $RELAPSE was deleted"
attack a_plant "INSERT INTO followup (episode_id, followup_day, status, created_by) VALUES (1, 20200, 'abstinent', 1)" "table followup row [0-9]*: has no MAC"
attack a_totals "UPDATE row_seal SET n = n - 1, idsum = idsum - $RELAPSE WHERE tbl = 'relapse'; DELETE FROM relapse" "do not match the audit head"
# A write over an edited row does not seal the edit in: refused.
copy_db a_over
tsql "UPDATE episode SET programme = 'nothing' WHERE ref = 'E2'" > /dev/null
echo '{"type":"discharge","episode":"E2","date":"2025-06-01","reason":"completed"}' > dis.jsonl
"$BIN" registry import --db "$T" --as "$CLIN" dis.jsonl > /dev/null 2> a_over.err
expect_rc 3 $? "a discharge over an edited episode is refused (exit 3)"
contains a_over.err "table episode row [0-9]* does not match its MAC" "the refusal names the row"

# ---- checkpoints ----------------------------------------------------------------
copy_db before_more
"$BIN" registry audit checkpoint --db "$DB" --out early.cp > cp.out 2> cp.err
expect_rc 0 $? "checkpoint written"
contains early.cp "^signature [0-9a-f]\{128\}$" "the checkpoint is signed"
"$BIN" registry stats --db "$DB" --as "$CLIN" > /dev/null 2>&1
"$BIN" registry stats --db "$DB" --as "$CLIN" > /dev/null 2>&1
"$BIN" registry audit checkpoint --db "$DB" --out late.cp > /dev/null 2>&1
"$BIN" registry audit verify --db "$DB" --checkpoint early.cp > /dev/null 2> cpv.err
expect_rc 0 $? "the grown log still reaches the earlier checkpoint"
"$BIN" registry audit verify --db "$T" > /dev/null 2>&1
expect_rc 0 $? "an older copy alone verifies (what the checkpoint is for)"
"$BIN" registry audit verify --db "$T" --checkpoint late.cp > /dev/null 2> rb.err
expect_rc 1 $? "the older copy fails against a later checkpoint"
contains rb.err "but the checkpoint of .* records" "rolled back: the log is shorter than the checkpoint"
# The old copy written to until it is as long again: it diverges. Its new
# entries are made by another user than the original's, so that they differ
# even when both were written within the same second (an entry's time has a
# resolution of a second: an identical replay is an identical history).
CPN=$(sed -n 's/^entries //p' late.cp)
i=0
while [ "$(if [ "$BACKEND" = pg ]; then pg_psql "$TN" -At -c "SELECT seq FROM audit_head"; else sqlite3 "$T" "SELECT seq FROM audit_head"; fi)" -lt "$CPN" ] && [ $i -lt 20 ]; do
    "$BIN" registry stats --db "$T" --as "$AUD" > /dev/null 2>&1; i=$((i + 1))
done
"$BIN" registry audit verify --db "$T" --checkpoint late.cp > /dev/null 2> dv.err
expect_rc 1 $? "the rolled-back copy, written to again, fails against the checkpoint"
contains dv.err "diverges from the checkpoint" "diverging log: said"
sed 's/^entries .*/entries 1/' late.cp > forged.cp
"$BIN" registry audit verify --db "$DB" --checkpoint forged.cp > /dev/null 2> fg.err
expect_rc 1 $? "an edited checkpoint is refused"
contains fg.err "does not verify under this registry's key" "forged checkpoint: said"

# ---- users and tokens --------------------------------------------------------
"$BIN" registry user --help > uh.out 2>&1
expect_rc 0 $? "user --help"
contains uh.out "user rotate" "help lists rotate"
"$BIN" registry user list --db "$DB" --as "$ADMIN" > ul.out 2> ul.err
expect_rc 0 $? "user list (admin)"
contains ul.out '"name":"u_lab","role":"lab",.*"active":true' "the list shows role and state"
lacks ul.out "token" "the list shows no token hash"
"$BIN" registry user list --db "$DB" --as "$AUD" > /dev/null 2>&1
expect_rc 0 $? "user list (auditor)"
"$BIN" registry user list --db "$DB" --as "$CLIN" > /dev/null 2> ulc.err
expect_rc 1 $? "a clinician may not list users"
suite_serve
code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/stats"; }
is "lab token over HTTP before" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LAB" "$URL/me")" 200
"$BIN" registry user disable --db "$DB" --as "$ADMIN" --name u_lab > /dev/null 2> ud.err
expect_rc 0 $? "user disable"
is "a disabled user's token over HTTP" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LAB" "$URL/me")" 401
"$BIN" registry stats --db "$DB" --as "$LAB" > /dev/null 2> ud2.err
expect_rc 1 $? "a disabled user's token on the command line"
"$BIN" registry user disable --db "$DB" --as "$ADMIN" --name admin > /dev/null 2> ula.err
expect_rc 1 $? "the last active admin cannot be disabled"
contains ula.err "last active admin" "says why"
"$BIN" registry user rotate --db "$DB" --as "$ADMIN" --name u_clinician > rot.out 2> rot.err
expect_rc 0 $? "user rotate (admin, another user)"
NEW=$(tail -n 1 rot.out)
[ ${#NEW} -eq 64 ] && [ "$NEW" != "$CLIN" ] && ok "a new 64-hex token" || fail "rotated token '$NEW'"
is "the old token over HTTP" "$(code "$CLIN")" 401
is "the new token over HTTP" "$(code "$NEW")" 200
"$BIN" registry stats --db "$DB" --as "$CLIN" > /dev/null 2>&1
expect_rc 1 $? "the old token on the command line"
"$BIN" registry user rotate --db "$DB" --as "$NEW" --name u_auditor > /dev/null 2> rc.err
expect_rc 1 $? "a clinician may not rotate another's token"
"$BIN" registry user rotate --db "$DB" --as "$AUD" > arot.out 2> /dev/null
expect_rc 0 $? "anyone may rotate their own token"
AUD2=$(tail -n 1 arot.out)
"$BIN" registry audit list --db "$DB" --as "$AUD2" > al.out 2> /dev/null
expect_rc 0 $? "the self-rotated token works"
contains al.out '"action":"disable","object":"user:u_lab"' "disable is audited"
contains al.out '"action":"rotate","object":"user:u_clinician"' "rotate is audited"
"$BIN" registry audit verify --db "$DB" > /dev/null 2> fin.err
expect_rc 0 $? "after the lifecycle the registry verifies"
suite_stop_server

# ---- a registry of schema 3 is sealed on open, its tokens keep working ---------
F="$PW_SRC/tests/registry/fixtures"
KEY3=47a441da5ad6e492422e8e39a72bb1f2277edd08ba6dea464cd506195c0d7073
if [ "$BACKEND" = pg ]; then
    pg_newdb v3 > /dev/null && pg_psql v3 -f "$F/registry_v3_pg.sql" > v3load.out 2>&1
    V3=$(echo "$DB" | sed "s|/reg?|/v3?|")
    A3=e7cea0ee11b70e5513f8a4bee75c4d42a8867b4b2712efa347052ac20884d50d
    C3=3be6ffa4e62cc346eedfef63fb5c55015e2805edb9884b6f205879cd3f2b1b37
    U3=0dc0de2ba079fe9bc6d603b23103f6585bba51cf150fc1bd39ce1d80d3e82755
    q3() { pg_psql v3 -At -c "$1"; }
else
    V3="$WORK/v3.db"; sqlite3 "$V3" < "$F/registry_v3_sqlite.sql"
    A3=0ffc9bdb734c1ffb77e93661428257f573b6a52cfca28a75f4a36435a97c9302
    C3=1e2cee83d839daa6087bd893f208ffaa948f0c46e0c852fd273168a26e4fbeb0
    U3=7f157b746eb61a63098011d2a1bba096d6fa756d2ba4c7ecbffe437b9769f639
    q3() { sqlite3 "$V3" "$1"; }
fi
OLDHASH=$(q3 "SELECT token_hash FROM users WHERE name = 'admin'")
is "fixture is schema 3" "$(q3 "SELECT value FROM meta WHERE key = 'schema_version'")" 3
PW_REGISTRY_KEY=$KEY3 "$BIN" registry stats --db "$V3" --as "$A3" > v3s.out 2> v3s.err
expect_rc 0 $? "a schema-3 registry opens with its old admin token"
# Sealed (4), then the later migrations (5: amendments and consent; 6: sites).
is "now schema 6" "$(q3 "SELECT value FROM meta WHERE key = 'schema_version'")" 6
[ "$(q3 "SELECT token_hash FROM users WHERE name = 'admin'")" != "$OLDHASH" ] \
    && ok "the token hash is keyed now" || fail "token hash unchanged"
echo '{"type":"relapse","episode":"E1","date":"2025-04-01"}' > v3r.jsonl
PW_REGISTRY_KEY=$KEY3 "$BIN" registry import --db "$V3" --as "$C3" v3r.jsonl > /dev/null 2> v3i.err
expect_rc 0 $? "the old clinician token imports into the sealed registry"
PW_REGISTRY_KEY=$KEY3 "$BIN" registry audit verify --db "$V3" > v3v.out 2> v3v.err
expect_rc 0 $? "the sealed registry verifies"
PW_REGISTRY_KEY=$KEY3 "$BIN" registry audit list --db "$V3" --as "$U3" > v3l.out 2>&1
contains v3l.out '"action":"migrate","object":"registry"' "the sealing is on record"
q3 "UPDATE drug_test SET result = 'negative'" > /dev/null
PW_REGISTRY_KEY=$KEY3 "$BIN" registry audit verify --db "$V3" > /dev/null 2> v3t.err
expect_rc 1 $? "an edit of the migrated registry is found"

# ---- backup: a flipped byte inside a value is refused by restore (SQLite) -------
if [ "$BACKEND" = sqlite ]; then
    "$BIN" registry backup --db "$DB" --as "$ADMIN" --to bk.db > /dev/null 2> bk.err
    expect_rc 0 $? "backup"
    OFF=$(grep -boa "ORDER-QZX-4711" bk.db | head -n 1 | cut -d: -f1)
    if [ -n "$OFF" ]; then
        printf 'Y' | dd of=bk.db bs=1 seek=$((OFF + 7)) conv=notrunc 2> /dev/null
        grep -qa "ORDER-QYX-4711" bk.db && ok "one byte flipped inside a value" || fail "flip"
        sqlite3 bk.db "PRAGMA integrity_check" > ic.out
        contains ic.out "^ok$" "integrity_check does not see the flip"
        "$BIN" registry restore --from bk.db --db "$WORK/restored.db" --as "$ADMIN" > rs.out 2> rs.err
        expect_rc 1 $? "restore refuses the flipped backup"
        contains rs.err "fails its seals: table episode row [0-9]*: does not match its MAC" "restore names the row"
        [ -e "$WORK/restored.db" ] && fail "a refused restore left a registry" || ok "nothing restored"
    else
        fail "order_ref not found in the backup"
    fi
fi
suite_end
