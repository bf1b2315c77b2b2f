# The HTTP API of `pathways serve`, with real requests (curl) against a
# server on a free loopback port, on one backend.
# Usage: sh test_http_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# Covers: health; 401 for a missing or wrong token; 403 for a wrong role;
# 400 with a JSON error naming the field and nothing partly written; import
# over POST; episodes by id and by ref filtered by role; reports (the
# relapse-survival numbers worked out by hand in test_report.c); users;
# stats; audit list and verify; 404 and 405.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_httptest "$@"

suite_users clinician court_liaison analyst auditor
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor)

# ---- start the server on a free port -------------------------------------
suite_serve
ok "server listening on port $PORT"

# req NAME METHOD PATH TOKEN [curl args...] -> NAME.body, prints the status
req() {
    name=$1 method=$2 path=$3 tok=$4
    shift 4
    if [ -n "$tok" ]; then
        curl -s -o "$name.body" -w '%{http_code}' -X "$method" \
            -H "Authorization: Bearer $tok" "$@" "$URL/$path"
    else
        curl -s -o "$name.body" -w '%{http_code}' -X "$method" "$@" "$URL/$path"
    fi
}
expect() { if [ "$1" = "$2" ]; then ok "$3 ($2)"; else fail "$3: HTTP $2, wanted $1"; cat "$4.body" >&2 2>/dev/null; fi; }

st=$(req health GET health ""); expect 200 "$st" "health needs no token" health
"$BIN" serve --db "$DB" --port "$PORT" > second.out 2> second.err
[ $? -eq 3 ] && ok "a second server on the same port is refused (exit 3)" || fail "second server on a busy port"
contains second.err "cannot listen" "says why" 
contains health.body '"status":"ok"' "health body"

# ---- authentication and roles --------------------------------------------
st=$(req noauth GET stats ""); expect 401 "$st" "no token" noauth
st=$(req badauth GET stats "0000000000000000000000000000000000000000000000000000000000000000")
expect 401 "$st" "wrong token" badauth
contains badauth.body '"error"' "401 has a JSON error"
st=$(req stats0 GET stats "$CLIN"); expect 200 "$st" "stats as clinician" stats0
contains stats0.body '"people": *0' "no people yet"
st=$(req usr403 POST users "$CLIN" --data '{"name":"x","role":"lab"}')
expect 403 "$st" "clinician may not add users" usr403

# ---- import over POST: all or nothing ------------------------------------
cat > good.jsonl <<'EOF'
{"type":"person","ref":"P1","national_id":"900101300001","name":"Aigerim One","birth_date":"1990-01-01","sex":"female"}
{"type":"person","ref":"P2","national_id":"900101300002","name":"Bolat Two","birth_date":"1990-06-01","sex":"male"}
{"type":"person","ref":"P3","national_id":"900101300003","name":"C Three","birth_date":"1991-01-01","sex":"male"}
{"type":"person","ref":"P4","national_id":"900101300004","name":"D Four","birth_date":"1992-01-01","sex":"male"}
{"type":"person","ref":"P5","national_id":"900101300005","name":"E Five","birth_date":"1993-01-01","sex":"female"}
{"type":"person","ref":"P6","national_id":"900101300006","name":"F Six","birth_date":"1994-01-01","sex":"male"}
{"type":"episode","ref":"E1","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","referral_source":"court","start":"2025-01-01","substance":"heroin"}
{"type":"episode","ref":"E2","person":"P2","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"episode","ref":"E3","person":"P3","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"synthetic_cannabinoids"}
{"type":"episode","ref":"E4","person":"P4","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"episode","ref":"E5","person":"P5","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"episode","ref":"E6","person":"P6","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"review","episode":"E1","date":"2025-01-01","stage":"start","opioid_days":20,"psych_health":8,"notes":"private clinical note"}
{"type":"relapse","episode":"E5","date":"2025-02-19"}
{"type":"discharge","episode":"E1","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E2","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E3","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E4","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E5","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E6","date":"2025-03-01","reason":"completed"}
{"type":"relapse","episode":"E1","date":"2025-03-11"}
{"type":"test","episode":"E2","date":"2025-03-21","analyte":"morphine","result":"positive"}
{"type":"followup","episode":"E3","date":"2025-03-31","status":"using"}
{"type":"followup","episode":"E4","date":"2025-03-16","status":"abstinent"}
{"type":"death","person":"P4","date":"2025-03-26"}
{"type":"followup","episode":"E5","date":"2025-04-10","status":"abstinent"}
{"type":"imprisonment","person":"P6","date":"2025-03-13"}
EOF
# A good record, then a bad one (no national_id) on line 2: nothing goes in.
printf '%s\n%s\n' '{"type":"person","ref":"Q1","national_id":"1","name":"Q","birth_date":"1990-01-01","sex":"male"}' \
    '{"type":"person","ref":"Q2","name":"R","birth_date":"1990-01-01","sex":"male"}' > bad.jsonl
st=$(req bad POST records "$CLIN" --data-binary @bad.jsonl); expect 400 "$st" "bad body" bad
contains bad.body '"field":"national_id"' "400 names the field"
contains bad.body '"line":2' "400 names the line"
st=$(req stats1 GET stats "$CLIN"); expect 200 "$st" "stats after bad post" stats1
contains stats1.body '"people": *0' "nothing partly written"
st=$(req notjson POST users "$ADMIN" --data 'not json'); expect 400 "$st" "users: body not JSON" notjson
st=$(req norole POST users "$ADMIN" --data '{"name":"x","role":"wizard"}'); expect 400 "$st" "users: unknown role" norole
contains norole.body '"field":"role"' "users 400 names the field"
st=$(req court403 POST records "$COURT" --data-binary @good.jsonl); expect 403 "$st" "court liaison may not import people" court403
st=$(req stats2 GET stats "$CLIN"); contains stats2.body '"people": *0' "refused import wrote nothing"

st=$(req good POST records "$CLIN" --data-binary @good.jsonl); expect 201 "$st" "import over POST" good
contains good.body '"committed":27' "27 records committed"

# ---- episodes filtered by role -------------------------------------------
st=$(req epref GET episodes/E1 "$CLIN"); expect 200 "$st" "episode by ref" epref
contains epref.body '"name":"Aigerim One"' "clinician sees the name"
contains epref.body 'private clinical note' "clinician sees notes"
ID=$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' epref.body)
st=$(req epid GET "episodes/$ID" "$CLIN"); expect 200 "$st" "episode by id" epid
contains epid.body '"ref":"E1"' "same episode by id"
st=$(req epcourt GET episodes/E1 "$COURT"); expect 200 "$st" "episode as court liaison" epcourt
lacks epcourt.body 'private clinical note' "court liaison: no notes"
lacks epcourt.body '"reviews":' "court liaison: no review scores"
lacks epcourt.body '"case":' "court liaison: no case"
contains epcourt.body '"attendance"' "court liaison: attendance"
# By number: the analyst may not look up by ref (docs/registry.md, Scope).
st=$(req epana GET "episodes/$ID" "$ANALYST"); expect 200 "$st" "episode as analyst" epana
lacks epana.body 'Aigerim' "analyst: no name"
lacks epana.body '"ref":' "analyst: no refs"
contains epana.body '"pseudonym"' "analyst: pseudonym"
st=$(req epadmin GET episodes/E1 "$ADMIN"); expect 403 "$st" "admin reads no clinical record" epadmin
st=$(req ep404 GET episodes/NOPE "$CLIN"); expect 404 "$st" "unknown episode" ep404

# ---- reports --------------------------------------------------------------
st=$(req rs GET "reports/relapse-survival?by=programme&as_of=2026-01-01" "$ANALYST")
expect 200 "$st" "relapse-survival as analyst" rs
# KM by hand (test_report.c): n 6, 3 relapses, median 30 days; S = 5/6,
# 0.625, 0.3125 at 10, 20, 30 days with 6, 4, 2 at risk.
contains rs.body '"group":"A","n":6,"events":3,"median_days":30' "n, events, median"
contains rs.body '"t_days":10.0,"n_risk":6,"events":1,"survival":0.83333' "KM at 10"
contains rs.body '"t_days":20.0,"n_risk":4,"events":1,"survival":0.625' "KM at 20"
contains rs.body '"t_days":30.0,"n_risk":2,"events":1,"survival":0.3125' "KM at 30"
contains rs.body '"competing":{"death":1,"imprisonment":1}' "competing events"
st=$(req rscourt GET reports/relapse-survival "$COURT"); expect 403 "$st" "court liaison: no aggregate reports" rscourt
st=$(req rsby GET "reports/relapse-survival?by=colour" "$ANALYST"); expect 400 "$st" "bad by" rsby
contains rsby.body '"field":"by"' "bad by names the field"
st=$(req rsdate GET "reports/relapse-survival?as_of=2026-13-01" "$ANALYST"); expect 400 "$st" "bad as_of" rsdate
st=$(req rkind GET reports/horoscope "$ANALYST"); expect 404 "$st" "unknown report kind" rkind
for k in caseload overdue completeness outcomes flags; do
    st=$(req "r_$k" GET "reports/$k?as_of=2026-01-01" "$CLIN"); expect 200 "$st" "report $k" "r_$k"
done
contains r_outcomes.body '"successful":6' "outcomes: 6 successful discharges"
st=$(req tdi GET reports/tdi-export "$ANALYST"); expect 200 "$st" "tdi-export" tdi
contains tdi.body '^record_id,pseudonym,treatment_year' "TDI header"
contains tdi.body ',7.2,' "synthetic cannabinoids coded 7.2"
lacks tdi.body 'Aigerim' "no names in the TDI export"

# ---- users, audit ---------------------------------------------------------
st=$(req newuser POST users "$ADMIN" --data '{"name":"lab1","role":"lab"}'); expect 201 "$st" "admin adds a user" newuser
LAB=$(sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p' newuser.body)
[ ${#LAB} -eq 64 ] && ok "new token returned" || fail "token '$LAB'"
st=$(req labep GET episodes/E1 "$LAB"); expect 403 "$st" "lab may not read episodes" labep
st=$(req dup POST users "$ADMIN" --data '{"name":"lab1","role":"lab"}'); expect 409 "$st" "duplicate user name" dup
st=$(req aud403 GET audit "$CLIN"); expect 403 "$st" "clinician may not read the audit log" aud403
st=$(req aud GET audit "$AUDITOR"); expect 200 "$st" "audit list as auditor" aud
contains aud.body '"object":"episode:E1"' "episode reads are audited, by ref as writes are"
contains aud.body 'report:relapse-survival' "report reads are audited"
contains aud.body '"action":"read","object":"stats"' "stats reads are audited (group commit)"
contains aud.body '"action":"login_failed"' "wrong tokens are audited"
contains aud.body '"action":"denied"' "refusals are audited"
st=$(req ver GET audit/verify "$AUDITOR"); expect 200 "$st" "audit verify" ver
contains ver.body '"ok":true' "audit chain intact"

# ---- routing ----------------------------------------------------------------
st=$(req nf GET nothing "$CLIN"); expect 404 "$st" "unknown path" nf
st=$(req m405 DELETE stats "$CLIN"); expect 405 "$st" "wrong method" m405

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit verify after stop" || { fail "audit verify"; cat verify.out >&2; }

suite_end
