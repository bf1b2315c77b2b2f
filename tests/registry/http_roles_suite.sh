# The scope rules of the server (scope.h, docs/registry.md "Roles" and
# "Sites") with curl against `pathways serve`, on one backend, over
# web_fixture.jsonl and web_roles_fixture.jsonl.
# Usage: sh http_roles_suite.sh sqlite|pg   (env PW_BIN)
# Asserts:
#   - the court liaison lists only episodes referred or ordered by a court
#     (E7 court-ordered, E12 referred by a court), opens them, and gets 404
#     for a voluntary one (E8) by ref and by number, each audited "denied";
#     the overdue and flags reports hold none of the others;
#   - the analyst gets the birth year and no birth date, a lookup by ref is
#     403 and audited, a lookup by number works;
#   - a user of site ALM-1 lists, opens and is reported only ALM-1's
#     episodes (404 for E13 of AST-1); registers a new episode at ALM-1 by
#     default, and is refused one for AST-1; a user without a site sees all;
#     the national roll-up by site and by oblast counts every site, with no
#     ref in it;
#   - one name per episode in the audit log: reads and writes of E7 are
#     both "episode:E7";
#   - a placement accepted after a wait starts its plan, reviews and random
#     test days on the day of the decision, shifted by the wait;
#   - /me names the site and the court scope; POST /users takes a site and
#     refuses a bad one naming the field;
#   - `audit verify` passes at the end.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_httproles "$@"

suite_users clinician court_liaison analyst auditor panel
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor); PANEL=$(tail -n 1 tok_panel)
"$BIN" registry user add --db "$DB" --as "$ADMIN" --name u_alm --role clinician --site ALM-1 > tok_alm 2> add.err ||
    { cat add.err >&2; exit 1; }
ALM=$(tail -n 1 tok_alm)
"$BIN" registry user add --db "$DB" --as "$ADMIN" --name u_bad --role clinician --site 'a b' > /dev/null 2> bad.err
expect_rc 1 $? "user add refuses a site with a space"
contains bad.err "site" "the refusal names the field"
cat "$HERE/web_fixture.jsonl" "$HERE/web_roles_fixture.jsonl" > fixture.jsonl
"$BIN" registry import --db "$DB" --as "$CLIN" fixture.jsonl > imp.out 2>&1 || { cat imp.out >&2; exit 1; }

suite_serve
# get NAME TOKEN PATH: body in NAME.b, prints the status.
get() { curl -s -o "$1.b" -w '%{http_code}' -H "Authorization: Bearer $2" "$BASE/api/v1/$3"; }
post() { curl -s -o "$1.b" -w '%{http_code}' -H "Authorization: Bearer $2" --data-binary "$3" "$BASE/api/v1/$4"; }

# ---- court liaison ---------------------------------------------------------------
is "court: list" "$(get cl "$COURT" episodes)" 200
is "court: only the court's episodes" "$(jq -r '[.total, (.episodes[].episode)] | map(tostring) | join(" ")' cl.b)" "2 E7 E12"
is "court: the order's expiry in the list" "$(jq -r '.episodes[0].order_expiry' cl.b)" 2026-06-01
is "court: opens E7" "$(get c7 "$COURT" episodes/E7)" 200
is "court: E8 (voluntary) by ref is not found" "$(get c8 "$COURT" episodes/E8)" 404
is "court: E8 by number is not found either" "$(get c8n "$COURT" episodes/8)" 404
grep -q Hadisha c8.b c8n.b && fail "E8's name in a refusal" || ok "nothing of E8 in the refusals"
is "court: overdue holds only court episodes" "$(get co "$COURT" 'reports/overdue?as_of=2026-01-01'; jq -r '[.overdue[].episode] | unique | join(" ")' co.b)" "200E7"
is "court: flags hold only court episodes" "$(get cf "$COURT" 'reports/flags?as_of=2026-01-01'; jq -r '[.persons[].episode] | join(" ")' cf.b)" "200E7"
is "clinician: flags hold every site's and basis's" "$(get kf "$CLIN" 'reports/flags?as_of=2026-01-01'; jq -r '[.persons[].episode] | join(" ")' kf.b)" "200E7 E8 E13 E14"
is "court: /me says court only" "$(get cm "$COURT" me; jq -r '.court_only' cm.b)" "200true"

# ---- analyst ---------------------------------------------------------------------------
is "analyst: by ref refused" "$(get a7 "$ANALYST" episodes/E7)" 403
is "analyst: the refusal names the field" "$(jq -r .field a7.b)" id
is "analyst: by number" "$(get a7n "$ANALYST" episodes/7)" 200
is "analyst: birth year" "$(jq -r .person.birth_year a7n.b)" 1988
is "analyst: no birth date" "$(jq -r '.person | has("birth_date")' a7n.b)" false
is "clinician: the birth date" "$(get k7 "$CLIN" episodes/E7; jq -r .person.birth_date k7.b)" "2001988-03-04"

# ---- sites -------------------------------------------------------------------------------
is "site user: /me names the site" "$(get sm "$ALM" me; jq -r .site sm.b)" "200ALM-1"
is "site user: only ALM-1's episodes" "$(get sl "$ALM" episodes; jq -r '[.episodes[] | .episode + "@" + .site] | join(" ")' sl.b)" "200E12@ALM-1 E14@ALM-1"
is "site user: E13 of AST-1 is not found" "$(get s13 "$ALM" episodes/E13)" 404
is "site user: E12 of ALM-1 opens" "$(get s12 "$ALM" episodes/E12)" 200
is "site user: overdue of ALM-1 only" "$(get so "$ALM" 'reports/overdue'; jq -r '[.overdue[].episode] | unique | map(select(. != "E12" and . != "E14")) | length' so.b)" "2000"
is "clinician without a site: every episode" "$(get al "$CLIN" episodes; jq -r .total al.b)" "20014"
is "filter by site" "$(get fs "$CLIN" 'episodes?site=AST-1'; jq -r '[.episodes[].episode] | join(" ")' fs.b)" "200E13"
printf '%s\n' '{"type":"person","ref":"P15","national_id":"900101300015","name":"Pavel Fifteen","birth_date":"1990-05-05","sex":"male"}' \
    '{"type":"episode","ref":"E15","person":"P15","programme":"B","regime":"hybrid","legal_basis":"voluntary","start":"2025-11-01"}' > e15.jsonl
is "site user registers an episode" "$(post p15 "$ALM" "$(cat e15.jsonl)" records)" 201
is "it is ALM-1's by default" "$(get s15 "$CLIN" episodes/E15; jq -r .site s15.b)" "200ALM-1"
printf '%s\n' '{"type":"episode","ref":"E16","person":"P15","programme":"B","regime":"hybrid","legal_basis":"voluntary","start":"2025-11-01","site":"AST-1"}' > e16.jsonl
is "site user may not register for another site" "$(post p16 "$ALM" "$(cat e16.jsonl)" records)" 403
is "the refusal names the field" "$(jq -r .field p16.b)" site
# Writes keep to the scope as reads do: a review on AST-1's E13 is refused
# as an unknown episode (it tells nothing of the other site), one on the
# user's own E12 goes in.
printf '%s\n' '{"type":"review","episode":"E13","date":"2025-12-01","stage":"review","psych_health":12}' > r13.jsonl
code=$(post pr13 "$ALM" "$(cat r13.jsonl)" records)
[ "$code" != 201 ] && ok "site user may not add a review to another site's episode ($code)" || fail "a review on E13 by u_alm was stored"
contains pr13.b "unknown episode ref" "answered as an unknown episode"
printf '%s\n' '{"type":"review","episode":"E12","date":"2025-12-01","stage":"review","psych_health":12}' > r12.jsonl
is "a review on the user's own site goes in" "$(post pr12 "$ALM" "$(cat r12.jsonl)" records)" 201
is "roll-up by site" "$(get rs "$ANALYST" 'reports/caseload?as_of=2026-01-01&by=site'; jq -r '[.groups[] | .group + ":" + (.open | tostring)] | join(" ")' rs.b)" "200ALM-1:3 AST-1:1 unknown:5"
is "roll-up by oblast" "$(get ro "$ANALYST" 'reports/outcomes?as_of=2026-01-01&by=oblast'; jq -r '[.groups[].group] | join(" ")' ro.b)" "200Almaty Astana unknown"
grep -q '"E1[0-9]*"\|"P[0-9]' rs.b ro.b && fail "a ref in the roll-up" || ok "no ref in the roll-up"
is "POST /users with a site" "$(post u "$ADMIN" '{"name":"u_ast","role":"case_manager","site":"AST-1"}' users; jq -r .site u.b)" "201AST-1"
is "POST /users with a bad site" "$(post ub "$ADMIN" '{"name":"u_ast2","role":"case_manager","site":"x;y"}' users; jq -r .field ub.b)" "400site"

# ---- activation: the plan starts with the panel's decision ----------------------------------
# E12 was referred on 2025-04-07 (compulsory: it waits for the panel).
before=$(get b12 "$CLIN" episodes/E12; jq -r '[.phases[0].start, .attendance[0].due] | join(" ")' b12.b)
is "before the decision: plan from the referral" "$before" "2002025-04-07 2025-04-07"
ntest=$(q "SELECT count(*) FROM test_schedule")
is "a decision 200 days later" "$(post pd "$PANEL" '{"type":"panel","episode":"E12","date":"2025-10-24","decision":"accept","members":["A","B","C"],"dissent":["C"]}' records)" 201
is "after: the plan, the first review and status start on 2025-10-24" \
    "$(get a12 "$CLIN" episodes/E12; jq -r '[.status, .phases[0].start, .attendance[0].due, .active] | join(" ")' a12.b)" "200active 2025-10-24 2025-10-24 2025-10-24"
is "every review moved by the 200 days" "$(jq -r '[.attendance[].due] | .[1]' a12.b)" 2026-01-23
is "the dissent is kept" "$(jq -c '.panel[0].dissent' a12.b)" '["C"]'
is "no test day was added or lost" "$(q "SELECT count(*) FROM test_schedule")" "$ntest"

# ---- one name per episode in the audit log ------------------------------------------------------
get au "$AUDITOR" audit > /dev/null
is "a read of E7 is logged as episode:E7" "$(jq -r 'select(.user == "u_court_liaison" and .action == "read" and .object == "episode:E7") | .object' au.b | head -n 1)" episode:E7
is "its write too" "$(jq -r 'select(.action == "create" and .object == "episode:E7") | .object' au.b | head -n 1)" episode:E7
is "no read names an episode by number" "$(jq -r 'select(.action == "read" and (.object | test("^episode:[0-9]+$"))) | .object' au.b | head -n 1)" ""
is "the court's refusals are audited" "$(jq -r 'select(.user == "u_court_liaison" and .action == "denied") | .object' au.b | tr '\n' ' ')" "episode:E8 episode:8 "
is "the analyst's ref lookup is audited" "$(jq -r 'select(.user == "u_analyst" and .action == "denied") | .object' au.b | tr '\n' ' ')" "episode:E7 "
is "the site user's refusals are audited" "$(jq -r 'select(.user == "u_alm" and .action == "denied") | .object + " " + .detail' au.b | tr '\n' ';')" \
    "episode:E13 out of scope: another site;import:body:1 you may register episodes of site 'ALM-1' only;"
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit chain intact" || fail "audit verify: $(cat verify.out)"

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
suite_end
