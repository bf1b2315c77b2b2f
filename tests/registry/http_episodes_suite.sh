# GET /api/v1/episodes (the episode list of the web front-end) with curl
# against a server on a free loopback port, over web_fixture.jsonl, on one
# backend. Usage: sh http_episodes_suite.sh sqlite|pg   (env PW_BIN)
# Asserts: every episode once across pages, in id order, with the right
# total; the programme and phase filters (phase as the caseload report
# counts it, "discharged" from the discharge day on); a value that looks like SQL is only a value; refs for roles
# that may read identities, pseudonyms (the same as the episode view's)
# and no ref for the analyst; 403 for the auditor, admin and lab, audited as
# denied; 400 naming limit, offset or as_of; an audit entry for the list
# and one per episode shown.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_httpeps "$@"

suite_users clinician court_liaison analyst auditor lab
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor); LAB=$(tail -n 1 tok_lab)
"$BIN" registry import --db "$DB" --as "$CLIN" "$HERE/web_fixture.jsonl" > imp.out 2>&1 ||
    { cat imp.out >&2; exit 1; }

suite_serve

# list NAME TOKEN QUERY: body in NAME.b, prints the status.
list() { curl -s -o "$1.b" -w '%{http_code}' -H "Authorization: Bearer $2" "$BASE/api/v1/episodes$3"; }

# ---- paging: every episode once, in order --------------------------------
is "first page" "$(list p0 "$CLIN" '?limit=4')" 200
is "total" "$(jq .total p0.b)" 11
ids=
for off in 0 4 8 12; do
    list "pg$off" "$CLIN" "?limit=4&offset=$off" > /dev/null
    ids="$ids $(jq -r '[.episodes[].episode_id] | map(tostring) | join(" ")' "pg$off.b")"
done
is "pages cover every episode once, in id order" "$(echo $ids)" "1 2 3 4 5 6 7 8 9 10 11"
is "past the end: no rows" "$(jq '.episodes | length' pg12.b)" 0
is "no parameters" "$(list d "$CLIN" '')" 200
is "default page size" "$(jq .limit d.b)" 50

# ---- filters ------------------------------------------------------------------
list b "$CLIN" '?programme=B' > /dev/null
is "programme B" "$(jq -r '[.total, (.episodes[].episode)] | map(tostring) | join(" ")' b.b)" "2 E7 E8"
# No fixture episode has a case, so each plan is one "treatment" phase
# (not named after the programme): the open ones on 2026-01-01 are in it.
list c "$CLIN" '?phase=treatment&as_of=2026-01-01' > /dev/null
# E10 awaits the panel: its plan has not started, so its phase is its status.
is "phase treatment on 2026-01-01" "$(jq -r '[.episodes[] | .episode + ":" + .status] | join(" ")' c.b)" "E7:active E8:active E9:active E11:active"
list pend "$CLIN" '?status=pending_panel&as_of=2026-01-01' > /dev/null
is "status pending_panel: the panel's queue" "$(jq -r '[.episodes[] | .episode + ":" + .phase] | join(" ")' pend.b)" "E10:pending_panel"
list cold "$CLIN" '?phase=C&as_of=2026-01-01' > /dev/null
is "a programme is not a phase" "$(jq .total cold.b)" 0
list cb "$CLIN" '?programme=B&phase=treatment&as_of=2026-01-01' > /dev/null
is "both filters" "$(jq -r '[.episodes[].episode] | join(" ")' cb.b)" "E7 E8"
list cbd "$CLIN" '?programme=B&phase=discharged&as_of=2026-01-01' > /dev/null
is "both filters, none in that phase" "$(jq .total cbd.b)" 0
list early "$CLIN" '?programme=B&phase=treatment&as_of=2025-05-01' > /dev/null
is "before E7 and E8 started, neither is in treatment" "$(jq .total early.b)" 0
list dis "$CLIN" '?programme=A&as_of=2025-03-01' > /dev/null
is "a discharge on as_of counts: phase discharged" "$(jq -r '[.episodes[].phase] | unique | join(" ")' dis.b)" discharged
list bef "$CLIN" '?programme=A&as_of=2025-02-28' > /dev/null
is "the day before, still in treatment" "$(jq -r '[.episodes[].phase] | unique | join(" ")' bef.b)" treatment
list sql "$CLIN" "?programme=B%27%20OR%20%271%27%3D%271" > /dev/null
is "a programme that looks like SQL is only a value" "$(jq .total sql.b)" 0

# ---- roles ----------------------------------------------------------------------
is "court liaison may list" "$(list court "$COURT" '?programme=B')" 200
# Only the court-ordered E7: E8 is a voluntary self-referral (scope.h).
is "court liaison sees refs of court episodes only" "$(jq -r '[.episodes[].episode] | join(" ")' court.b)" "E7"
is "analyst may list" "$(list ana "$ANALYST" '?programme=B')" 200
is "analyst: no ref anywhere" "$(jq '[.episodes[] | has("episode")] | any' ana.b)" false
grep -q 'E7\|P7' ana.b && fail "analyst body has a ref" || ok "analyst body has no ref"
# The analyst looks up by number only (a ref lookup is refused).
P7=$(curl -s -H "Authorization: Bearer $ANALYST" "$BASE/api/v1/episodes/7" | jq -r .person.pseudonym)
is "analyst: the pseudonym of the episode view" "$(jq -r '.episodes[0].pseudonym' ana.b)" "$P7"
for who in AUDITOR ADMIN LAB; do
    eval tok=\$$who
    is "$who may not list" "$(list no "$tok" '')" 403
done

# ---- bad parameters ------------------------------------------------------------------
for q in 'limit=0:limit' 'limit=501:limit' 'limit=5x:limit' 'limit=:limit' 'offset=-1:offset' 'as_of=2026-02-30:as_of'; do
    st=$(list bad "$CLIN" "?${q%:*}")
    is "?${q%:*} refused" "$st" 400
    is "?${q%:*} names the field" "$(jq -r .field bad.b)" "${q#*:}"
done

# ---- audit ---------------------------------------------------------------------------
curl -s -H "Authorization: Bearer $AUDITOR" "$BASE/api/v1/audit" > aud.b
is "the list is audited with its filter" \
    "$(jq -r 'select(.user == "u_clinician" and .object == "episodes" and (.detail | startswith("programme=B phase= "))) | .detail' aud.b)" \
    "programme=B phase= status= site= limit=50 offset=0 rows=2"
is "each episode shown is audited" \
    "$(jq -r 'select(.user == "u_analyst" and .detail == "listed") | .object' aud.b | tr '\n' ' ')" "episode:E7 episode:E8 "
is "refusals are audited" "$(jq -r 'select(.action == "denied" and .object == "episodes") | .user' aud.b | sort | tr '\n' ' ')" \
    "admin u_auditor u_lab "
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit chain intact" || fail "audit verify: $(cat verify.out)"

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
suite_end
