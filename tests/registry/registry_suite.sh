# The registry's command-line contract, run against one backend.
# Usage: sh registry_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# Covers init, user add, import (good and bad lines, engine recommendation,
# panel sign-off, plan and review schedule), stats, role checks,
# encryption at rest, audit list and audit tamper detection.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_regtest "$@"
# json_num FILE KEY -> the integer value of "KEY": N in a pretty JSON file
json_num() { sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}$/\1/p" "$1"; }
if [ "$BACKEND" = pg ]; then
    # Runs SQL as the database superuser (the attacker with DB access).
    raw_sql() { pg_psql reg -c "$1"; }
    dump_db() { pg_psql reg -c "COPY (SELECT * FROM person) TO STDOUT" > "$1";
                pg_psql reg -c "COPY (SELECT * FROM review) TO STDOUT" >> "$1"; }
else
    raw_sql() { sqlite3 "$DB" "$1"; }
    dump_db() { sqlite3 "$DB" .dump > "$1"; cat "$DB" "$DB-wal" >> "$1" 2>/dev/null; }
fi

# ---- init and users -------------------------------------------------------
"$BIN" registry init --db "$DB" > init.out 2> init.err
expect_rc 0 $? "init"
ADMIN=$(tail -n 1 init.out)
[ ${#ADMIN} -eq 64 ] && ok "admin token is 64 hex" || fail "admin token '$ADMIN'"
"$BIN" registry init --db "$DB" > /dev/null 2> init2.err
expect_rc 1 $? "second init is refused"
contains init2.err "exists already" "second init says why"
if [ "$BACKEND" = sqlite ]; then
    mv "$DB.key" "$WORK/moved.key"
    "$BIN" registry init --db "$DB" > /dev/null 2>&1
    expect_rc 1 $? "init refused on a registry whose key was moved"
    [ -e "$DB.key" ] && fail "a refused init left a new key file" || ok "a refused init creates no key"
    "$BIN" registry stats --db "$DB" --as "$ADMIN" > /dev/null 2> nokey.err
    expect_rc 1 $? "no key, no access"
    contains nokey.err "key file missing" "missing key is named"
    mv "$WORK/moved.key" "$DB.key"
    head -c 64 /dev/zero | tr '\0' 'a' > "$WORK/wrong.key"
    PW_REGISTRY_KEYFILE="$WORK/wrong.key" "$BIN" registry stats --db "$DB" --as "$ADMIN" > /dev/null 2> wrongkey.err
    expect_rc 1 $? "a wrong key is refused"
    contains wrongkey.err "does not belong to this registry" "wrong key message"
fi

for role in intake panel clinician case_manager court_liaison lab analyst auditor; do
    "$BIN" registry user add --db "$DB" --as "$ADMIN" --name "u_$role" --role "$role" > "tok_$role" 2> add.err
    expect_rc 0 $? "user add $role"
done
TOK_INTAKE=$(tail -n 1 tok_intake); TOK_PANEL=$(tail -n 1 tok_panel)
TOK_CLIN=$(tail -n 1 tok_clinician); TOK_LAB=$(tail -n 1 tok_lab)
TOK_ANALYST=$(tail -n 1 tok_analyst); TOK_AUDITOR=$(tail -n 1 tok_auditor)
TOK_COURT=$(tail -n 1 tok_court_liaison)

"$BIN" registry user add --db "$DB" --as "$TOK_CLIN" --name x --role admin > /dev/null 2> add.err
expect_rc 1 $? "a clinician may not add users"
contains add.err "may not write user" "refusal names the role and object"
"$BIN" registry user add --db "$DB" --as "$ADMIN" --name y --role wizard > /dev/null 2> add.err
expect_rc 1 $? "unknown role refused"
contains add.err "field 'role'" "unknown role error names the field"
"$BIN" registry stats --db "$DB" --as "0000000000000000000000000000000000000000000000000000000000000000" > /dev/null 2> tok.err
expect_rc 1 $? "wrong token refused"
contains tok.err "unknown or malformed token" "wrong token message"

# ---- import -----------------------------------------------------------------
cat > intake.jsonl <<'EOF'
{"type":"person","ref":"P1","national_id":"870101-300123","name":"Aigerim Sultanova","birth_date":"1987-01-01","sex":"female","contact":"+7 701 555 0101"}
{"type":"person","ref":"P2","national_id":"900202-400456","name":"Nurlan Kassymov","birth_date":"1990-02-02","sex":"male"}
{"type":"person","ref":"P3","national_id":"870101300123","name":"Same Person Again","birth_date":"1987-01-01","sex":"female"}
{"type":"person","ref":"P4","national_id":"950505-111222","name":"Dana B","birth_date":"1995-02-30","sex":"female"}

{"type":"episode","ref":"E1","person":"P1","programme":"outpatient","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-10","referral_source":"self","substance":"heroin","route":"inject","frequency":"daily","age_first_use":19,"injecting":"current","ost":true,"previously_treated":false,"review_every_days":56,"review_window_days":7}
{"type":"episode","ref":"E2","person":"P2","programme":"compulsory_inpatient","regime":"hybrid","legal_basis":"compulsory","start":"2025-03-01","tests_per_week":2,"case":{"age":35,"event":"use","substances":[{"substance":"synthetic_cannabinoids","dsm5_criteria":8}]}}
{"type":"episode","ref":"E3","person":"P9","programme":"outpatient","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-10"}
{"type":"episode","ref":"E4","person":"P1","programme":"outpatient","regime":"hybrid","legal_basis":"sometimes","start":"2025-01-10"}
{"type":"episode","ref":"E5","person":"P1","programme":"outpatient","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-10","colour":"red"}
not json at all
{"type":"episode","ref":"E6","person":"P1","programme":"inpatient","regime":"hybrid","legal_basis":"compulsory","start":"2025-02-01","tests_per_week":3}
EOF
"$BIN" registry import --db "$DB" --as "$TOK_INTAKE" intake.jsonl > imp.out 2> imp.err
expect_rc 1 $? "import with bad lines exits non-zero"
contains imp.out "^committed 5$" "good lines committed (P1, P2, E1, E2, E6)"
contains imp.err "intake.jsonl:3: field 'ref'.*exists already" "same national ID, other spelling, is one person"
contains imp.err "intake.jsonl:4: field 'birth_date'" "impossible date rejected with line and field"
contains imp.err "intake.jsonl:8: field 'person'.*unknown ref 'P9'" "unknown person ref"
contains imp.err "intake.jsonl:9: field 'legal_basis'" "bad enum names field"
contains imp.err "intake.jsonl:10: field 'colour': unknown field" "unknown field refused"
contains imp.err "intake.jsonl:11:.*invalid JSON" "invalid JSON line"
contains imp.err "5 records committed, 6 rejected" "summary counts"

cat > clinic.jsonl <<'EOF'
{"type":"review","episode":"E1","date":"2025-01-12","stage":"start","opioid_days":20,"injecting_days":4,"psych_health":8,"phys_health":10,"quality_of_life":7,"notes":"SECRET-NOTE-4711 anxious"}
{"type":"review","episode":"E1","date":"2025-05-04","stage":"review","opioid_days":3,"psych_health":12,"phys_health":12,"quality_of_life":11}
{"type":"review","episode":"E1","date":"2025-05-01","stage":"review","psych_health":21}
{"type":"test","episode":"E1","date":"2025-02-01","analyte":"opiates","result":"negative"}
{"type":"test","episode":"E1","date":"2025-02-05","analyte":"opiates","result":"maybe"}
{"type":"violation","episode":"E1","date":"2025-02-07","kind":"missed_test","adjudication":"confirmed","response":"extra session"}
{"type":"discharge","episode":"E1","date":"2025-12-01","reason":"completed_drug_free"}
{"type":"discharge","episode":"E1","date":"2025-12-02","reason":"completed"}
{"type":"followup","episode":"E1","date":"2026-03-01","status":"abstinent"}
{"type":"relapse","episode":"E1","date":"2026-05-01"}
{"type":"imprisonment","person":"P2","date":"2026-01-01"}
{"type":"death","person":"P1","date":"2026-08-01"}
{"type":"panel","episode":"E2","date":"2025-03-05","decision":"accept","members":["Dr A","Dr B","Dr C"]}
{"type":"discharge","episode":"E2","date":"2025-04-01","reason":"completed"}
EOF
"$BIN" registry import --db "$DB" --as "$TOK_CLIN" --batch 4 clinic.jsonl > imp2.out 2> imp2.err
expect_rc 1 $? "clinic import with bad lines"
contains imp2.out "^committed 4$" "first batch of 4 reported"
contains imp2.out "^committed 8$" "second batch reported"
contains imp2.out "^committed 9$" "final partial batch reported"
contains imp2.err "clinic.jsonl:3: field 'psych_health': must be between 0 and 20" "TOP range checked"
contains imp2.err "clinic.jsonl:5: field 'result'" "test result enum"
contains imp2.err "clinic.jsonl:8: field 'episode': episode is discharged already" "double discharge refused"
contains imp2.err "clinic.jsonl:13:.*role 'clinician' may not write panel" "only the panel signs"
contains imp2.err "clinic.jsonl:14: field 'episode': the placement awaits the panel" "no discharge before the panel signs"

# Compulsory placement waits for the panel; the panel's signature activates it.
"$BIN" registry stats --db "$DB" --as "$TOK_ANALYST" > s1.json 2>&1
expect_rc 0 $? "analyst may read aggregate stats"
[ "$(json_num s1.json episodes_pending_panel)" = 2 ] && ok "compulsory episodes pending panel" || fail "pending: $(cat s1.json)"
cat > panel.jsonl <<'EOF'
{"type":"panel","episode":"E2","date":"2025-03-05","decision":"modify","members":["Dr A","Dr B","Dr C"],"dissent":[{"member":"Dr C","reason":"outpatient would do"}]}
{"type":"panel","episode":"E1","date":"2025-03-05","decision":"modify","members":["Dr A"]}
EOF
"$BIN" registry import --db "$DB" --as "$TOK_PANEL" panel.jsonl > imp3.out 2> imp3.err
expect_rc 1 $? "panel import (one bad line)"
contains imp3.err "panel.jsonl:2: field 'programme': is required when the decision is modify" "modify needs a programme"
cat > panel2.jsonl <<'EOF'
{"type":"panel","episode":"E2","date":"2025-03-05","decision":"modify","programme":"inpatient_9m","members":["Dr A","Dr B","Dr C"],"dissent":[{"member":"Dr C","reason":"outpatient would do"}]}
{"type":"panel","episode":"E6","date":"2025-02-03","decision":"reject","members":["Dr A","Dr B"],"reason":"criteria not met"}
EOF
"$BIN" registry import --db "$DB" --as "$TOK_PANEL" panel2.jsonl > /dev/null 2> imp3.err
expect_rc 0 $? "panel signs (modify)"
"$BIN" registry stats --db "$DB" --as "$TOK_CLIN" > s2.json 2>&1
for kv in people:2 episodes:3 episodes_pending_panel:0 episodes_active:1 \
          episodes_rejected:1 episodes_discharged:1 panel_decisions:2 reviews:2 tests:1 violations:1 \
          relapses:1 followups:1 deaths:1 imprisonments:1 plan_phases:6; do
    k=${kv%%:*}; v=${kv#*:}
    got=$(json_num s2.json "$k")
    [ "$got" = "$v" ] && ok "stats $k = $v" || fail "stats $k = '$got', wanted $v"
done
# E2 under hybrid with a severe case: detox, >=12 months inpatient, 12-step,
# monitoring; the start review plus 3-monthly reviews were scheduled.
sched=$(json_num s2.json reviews_scheduled)
[ "${sched:-0}" -gt 15 ] && ok "review schedule created ($sched due)" || fail "reviews_scheduled=$sched"
tests_sched=$(json_num s2.json tests_scheduled)
# 2 tests/week over the plan (~1476 days): expect ~422, sd ~17.
[ "${tests_sched:-0}" -gt 340 ] && [ "${tests_sched:-0}" -lt 505 ] && ok "random test days drawn ($tests_sched)" || fail "tests_scheduled=$tests_sched"

# The engine's recommendation is stored with the episode, and its measures
# became the plan: under hybrid a severe synthetic-cannabinoid case gets
# detoxification, >= 12 months inpatient rehabilitation, 12-step, monitoring.
[ "$(q "SELECT recommended_disposition FROM episode WHERE ref = 'E2'")" = compulsory_inpatient_treatment ] \
    && ok "engine recommendation stored" || fail "recommended_disposition of E2"
[ "$(q "SELECT programme FROM episode WHERE ref = 'E2'")" = inpatient_9m ] \
    && ok "panel modify changed the programme" || fail "programme of E2"
phases=$(q "SELECT p.phase FROM plan_phase p JOIN episode e ON e.id = p.episode_id WHERE e.ref = 'E2' ORDER BY p.seq" | tr '\n' ' ')
[ "$phases" = "detoxification inpatient_rehabilitation post_rehabilitation_12_step monitoring " ] \
    && ok "plan phases from the recommendation" || fail "phases: $phases"
# E1 has no case, so no engine plan: one phase of 365 days, named as a
# phase ("treatment"), not after its programme ("outpatient").
phases=$(q "SELECT p.phase || ' ' || (p.due_day - p.start_day) FROM plan_phase p JOIN episode e ON e.id = p.episode_id WHERE e.ref = 'E1' ORDER BY p.seq" | tr '\n' ' ')
[ "$phases" = "treatment 365 " ] && ok "without a case: one treatment phase of 365 days" || fail "phases of E1: $phases"
rehab=$(q "SELECT p.due_day - p.start_day FROM plan_phase p JOIN episode e ON e.id = p.episode_id WHERE e.ref = 'E2' AND p.phase = 'inpatient_rehabilitation'")
[ "${rehab:-0}" -ge 365 ] && ok "inpatient rehabilitation due after >= 12 months ($rehab days)" || fail "rehab days $rehab"
left=$(q "SELECT (SELECT count(*) FROM review_due d JOIN episode e ON e.id = d.episode_id WHERE e.ref = 'E6') + (SELECT count(*) FROM test_schedule t JOIN episode e ON e.id = t.episode_id WHERE e.ref = 'E6')")
[ "$left" = 0 ] && ok "a rejected placement keeps no schedule" || fail "E6 schedule rows: $left"
[ "$(q "SELECT route || ' ' || frequency || ' ' || age_first_use || ' ' || injecting_status || ' ' || ost || ' ' || previously_treated FROM episode WHERE ref = 'E1'")" = "inject daily 19 current 1 0" ] \
    && ok "TDI entry items stored" || fail "TDI items of E1"
# E1 was discharged: exit review and 3/6/12-month post-treatment reviews.
post=$(q "SELECT count(*) FROM review_due d JOIN episode e ON e.id = d.episode_id WHERE e.ref = 'E1' AND d.stage = 'post_exit'")
[ "$post" = 3 ] && ok "post-treatment reviews scheduled" || fail "post_exit reviews: $post"
# E1: reviews every 56 days within +-7 (its own schedule), plan 365 days:
# start plus reviews on days 56..336 = 7 in-treatment reviews, the later ones
# cancelled at discharge on day 325 (those due after 325 + 7).
gaps=$(q "SELECT DISTINCT d.window_days FROM review_due d JOIN episode e ON e.id = d.episode_id WHERE e.ref = 'E1' AND d.stage IN ('start', 'review')")
[ "$gaps" = 7 ] && ok "per-episode review window" || fail "E1 windows: $gaps"
second=$(q "SELECT min(d.due_day) - min(e.start_day) FROM review_due d JOIN episode e ON e.id = d.episode_id WHERE e.ref = 'E1' AND d.stage = 'review'")
[ "$second" = 56 ] && ok "per-episode review interval" || fail "E1 first review after $second days"
held=$(q "SELECT count(*) FROM review_due d JOIN episode e ON e.id = d.episode_id WHERE e.ref = 'E1' AND d.review_id IS NOT NULL")
[ "$held" = 2 ] && ok "held reviews linked to their due dates" || fail "linked reviews: $held"

# Same probability every day (Standard VII): no weekday is favoured. Each
# weekday gets n/7 draws, sd = sqrt(n/7 * 6/7); allow 5 sd either side.
q "SELECT test_day % 7, count(*) FROM test_schedule GROUP BY test_day % 7" | tr '|' ' ' > weekdays.txt
awk -v n="$tests_sched" 'BEGIN { m = n / 7; sd = sqrt(m * 6 / 7); bad = 0 }
     { k++; if ($2 < m - 5 * sd || $2 > m + 5 * sd) bad++ }
     END { exit (k == 7 && bad == 0) ? 0 : 1 }' weekdays.txt \
    && ok "random test days spread evenly over the weekdays" || fail "weekday counts: $(tr '\n' ' ' < weekdays.txt)"

# Re-sending records (an import re-run after a crash) stores nothing twice.
head -n 4 clinic.jsonl | grep -v psych_health.:21 > again.jsonl
"$BIN" registry import --db "$DB" --as "$TOK_CLIN" again.jsonl > again.out 2> again.err
expect_rc 1 $? "re-sent records are rejected"
contains again.err "again.jsonl:1: duplicate: this event is stored already" "a re-sent review is a duplicate"
contains again.err "0 records committed, 3 rejected" "nothing stored twice"

# ---- role checks on import ----------------------------------------------------
cat > lab.jsonl <<'EOF'
{"type":"test","episode":"E2","date":"2025-04-01","analyte":"JWH-018","result":"positive"}
{"type":"review","episode":"E2","date":"2025-04-01","stage":"review","psych_health":5}
{"type":"person","ref":"P7","national_id":"1","name":"X","birth_date":"1990-01-01","sex":"male"}
EOF
"$BIN" registry import --db "$DB" --as "$TOK_LAB" lab.jsonl > imp4.out 2> imp4.err
expect_rc 1 $? "lab import with forbidden lines"
contains imp4.out "^committed 1$" "lab may write tests"
contains imp4.err "lab.jsonl:2:.*role 'lab' may not write review" "lab may not write reviews"
contains imp4.err "lab.jsonl:3:.*role 'lab' may not write identity" "lab may not register people"
"$BIN" registry import --db "$DB" --as "$TOK_ANALYST" lab.jsonl > /dev/null 2> imp5.err
expect_rc 1 $? "analyst writes nothing"
contains imp5.err "role 'analyst' may not write test" "analyst refusal"
"$BIN" registry stats --db "$DB" --as "$TOK_LAB" > /dev/null 2> st.err
expect_rc 1 $? "lab may not read stats"
"$BIN" registry audit list --db "$DB" --as "$ADMIN" > /dev/null 2> al.err
expect_rc 1 $? "admin may not read the audit log"
contains al.err "may not read audit" "audit refusal"

# ---- encryption at rest ---------------------------------------------------------
dump_db dump.txt
lacks dump.txt "Sultanova" "names are not stored in clear"
lacks dump.txt "870101" "national IDs are not stored in clear"
lacks dump.txt "555 0101" "contacts are not stored in clear"
lacks dump.txt "SECRET-NOTE-4711" "clinical notes are not stored in clear"

# ---- audit log --------------------------------------------------------------------
"$BIN" registry audit list --db "$DB" --as "$TOK_AUDITOR" > audit.jsonl 2> al.err
expect_rc 0 $? "auditor lists the audit log"
contains audit.jsonl '"user":"u_clinician","role":"clinician","action":"create","object":"episode:E1"' "writes are audited with user, role, action, object"
contains audit.jsonl '"action":"denied"' "refusals are audited"
contains audit.jsonl '"action":"denied","object":"import:lab.jsonl:2"' "refused import lines stay audited"
contains audit.jsonl '"action":"login_failed"' "failed sign-ins are audited"
contains audit.jsonl '"action":"read","object":"stats"' "reads are audited"
contains audit.jsonl '"action":"sign","object":"episode:E2"' "panel signature audited"
lacks audit.jsonl "Sultanova" "audit log holds no identities"
"$BIN" registry audit verify --db "$DB" > v.out 2> v.err
expect_rc 0 $? "audit chain verifies"

# Two imports at once: writers take turns (SQLite's write lock, the audit
# head's row lock on PostgreSQL); both complete and the chain stays whole.
for w in Q R; do
    awk -v w=$w 'BEGIN { for (i = 1; i <= 1000; i++) {
      printf "{\"type\":\"person\",\"ref\":\"%s%d\",\"national_id\":\"%s-%d\",\"name\":\"N\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", w, i, w, i
      printf "{\"type\":\"episode\",\"ref\":\"E%s%d\",\"person\":\"%s%d\",\"programme\":\"outpatient\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", w, i, w, i } }' > par_$w.jsonl
done
"$BIN" registry import --db "$DB" --as "$TOK_CLIN" --batch 100 par_Q.jsonl > parQ.out 2> parQ.err &
pq=$!
"$BIN" registry import --db "$DB" --as "$TOK_INTAKE" --batch 100 par_R.jsonl > parR.out 2> parR.err &
pr=$!
wait $pq; rq=$?
wait $pr; rr=$?
expect_rc 0 $rq "concurrent import 1"
expect_rc 0 $rr "concurrent import 2"
[ "$(q "SELECT count(*) FROM episode WHERE ref LIKE 'EQ%' OR ref LIKE 'ER%'")" = 2000 ] \
    && ok "both concurrent imports stored everything" || fail "concurrent episodes"
"$BIN" registry audit verify --db "$DB" > vpar.out 2> vpar.err
expect_rc 0 $? "audit chain intact after concurrent imports"

# The same people imported twice at once: one import stores each person,
# the other rejects it as a duplicate; neither fails (no deadlock between
# the unique key and the audit head) and each person is stored once.
awk 'BEGIN { for (i = 1; i <= 300; i++)
  printf "{\"type\":\"person\",\"ref\":\"S%d\",\"national_id\":\"S-%d\",\"name\":\"N\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", i, i }' > par_S.jsonl
"$BIN" registry import --db "$DB" --as "$TOK_CLIN" --batch 50 par_S.jsonl > parS1.out 2> parS1.err &
p1=$!
"$BIN" registry import --db "$DB" --as "$TOK_INTAKE" --batch 50 par_S.jsonl > parS2.out 2> parS2.err &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ $r1 -le 1 ] && [ $r2 -le 1 ] && ok "duplicate concurrent imports end cleanly ($r1, $r2)" \
    || fail "duplicate concurrent imports exited $r1 and $r2: $(cat parS1.err parS2.err | grep -v duplicate | head -3)"
[ "$(q "SELECT count(*) FROM person WHERE ref LIKE 'S%'")" = 300 ] \
    && ok "each person stored once" || fail "S people: $(q "SELECT count(*) FROM person WHERE ref LIKE 'S%'")"

# A registry written by a newer pathways (a schema version this build does
# not know) is refused, not written to; put back, it opens again.
SCHEMA_NOW=$(q "SELECT value FROM meta WHERE key = 'schema_version'")
raw_sql "UPDATE meta SET value = '99' WHERE key = 'schema_version'" > /dev/null
"$BIN" registry stats --db "$DB" --as "$ADMIN" > newer.out 2> newer.err
expect_rc 1 $? "a newer schema is refused"
contains newer.err "schema version 99 is newer than this build" "the refusal says why"
raw_sql "UPDATE meta SET value = '$SCHEMA_NOW' WHERE key = 'schema_version'" > /dev/null
"$BIN" registry stats --db "$DB" --as "$ADMIN" > /dev/null 2>&1
expect_rc 0 $? "the known schema opens again"

# Insert-only: the triggers refuse to change the log.
raw_sql "UPDATE audit SET action = 'x' WHERE seq = 3" > upd.out 2>&1
contains upd.out "insert-only" "UPDATE of the audit log is refused"
raw_sql "DELETE FROM audit WHERE seq = 3" > del.out 2>&1
contains del.out "insert-only" "DELETE from the audit log is refused"

# Someone with raw access drops the guard and edits entry 5: verify names it.
if [ "$BACKEND" = pg ]; then
    raw_sql "ALTER TABLE audit DISABLE TRIGGER USER; UPDATE audit SET object = 'person:P0' WHERE seq = 5" > /dev/null 2>&1
else
    raw_sql "DROP TRIGGER audit_no_update; UPDATE audit SET object = 'person:P0' WHERE seq = 5"
fi
"$BIN" registry audit verify --db "$DB" > v2.out 2> v2.err
expect_rc 1 $? "tampered chain fails verification"
contains v2.err "broken at entry 5" "verify names the first broken entry"

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed" >&2
    exit 1
fi
echo "all registry checks passed ($BACKEND)"
