# POST /api/v1/assess and GET /api/v1/openapi.json of `pathways serve`, with
# real requests (curl) on SQLite: who may assess (roles that may read a
# case: intake, panel, clinician, analyst) and who may not (403, audited);
# the decision equals `pathways assess` for the same case; a batch keeps its
# order and is all or nothing; strict input (unknown or duplicate fields,
# a regime given as a path, both or neither of case/cases) is a 400 naming
# the field; more than 100 cases is a 400, a body over 256 KiB a 413; each
# request leaves one audit entry that names the regime and the count, not
# the case; the API description is served without a token.
# env PW_BIN, PW_SRC.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_assesstest sqlite

suite_users intake panel clinician analyst case_manager court_liaison lab auditor
tok() { tail -n 1 "tok_$1"; }
suite_serve
ok "server listening on port $PORT"

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

CASE='{"id":"c-1","age":24,"event":"use","substances":[{"substance":"heroin","dsm5_criteria":7}]}'
CASE2='{"id":7,"age":31,"event":"distribution","role":"dealer","substances":[{"substance":"methamphetamine","dsm5_criteria":2}]}'
CASE3='{"id":"c-3","age":19,"event":"possession","consents_to_treatment":true,"substances":[{"substance":"cannabis","dsm5_criteria":[1,2,3,4]}]}'

# ---- roles ----------------------------------------------------------------
for role in intake panel clinician analyst; do
    st=$(req "r_$role" POST assess "$(tok "$role")" --data "{\"regime\":\"hybrid\",\"case\":$CASE}")
    expect 200 "$st" "$role may assess" "r_$role"
done
for role in case_manager court_liaison lab auditor; do
    st=$(req "r_$role" POST assess "$(tok "$role")" --data "{\"regime\":\"hybrid\",\"case\":$CASE}")
    expect 403 "$st" "$role may not assess" "r_$role"
done
st=$(req r_admin POST assess "$ADMIN" --data "{\"regime\":\"hybrid\",\"case\":$CASE}")
expect 403 "$st" "admin may not assess" r_admin
st=$(req r_none POST assess "" --data "{\"regime\":\"hybrid\",\"case\":$CASE}")
expect 401 "$st" "no token" r_none

# ---- one case: the same decision as the command line ----------------------
CLIN=$(tok clinician)
for regime in hybrid kz-current portugal; do
    st=$(req "one_$regime" POST assess "$CLIN" --data "{\"regime\":\"$regime\",\"case\":$CASE}")
    expect 200 "$st" "one case, $regime" "one_$regime"
    echo "$CASE" | "$BIN" assess --regime "$regime" - > "cli_$regime.json" 2> cli.err ||
        fail "pathways assess --regime $regime"
    is "decision equals pathways assess ($regime)" \
       "$(jq -S -c .decision "one_$regime.body")" "$(jq -S -c . "cli_$regime.json")"
    is "regime named in the answer" "$(jq -r .regime "one_$regime.body")" "$regime"
done

# ---- a batch: order kept ---------------------------------------------------
st=$(req batch POST assess "$CLIN" --data "{\"regime\":\"russia\",\"cases\":[$CASE,$CASE2,$CASE3]}")
expect 200 "$st" "a batch of three" batch
is "three decisions, in order" "$(jq -c '[.decisions[].id]' batch.body)" '["c-1",7,"c-3"]'
printf '%s\n%s\n%s\n' "$CASE" "$CASE2" "$CASE3" | "$BIN" assess --regime russia --lines - > cli_batch.jsonl 2>/dev/null
is "batch equals pathways assess" "$(jq -S -c '.decisions[]' batch.body)" "$(jq -S -c . cli_batch.jsonl)"

# ---- strict input ------------------------------------------------------------
bad() { # bad NAME WANT_STATUS WANT_FIELD BODY
    st=$(req "$1" POST assess "$CLIN" --data "$4")
    expect "$2" "$st" "$1 refused" "$1"
    [ -n "$3" ] && is "$1 names the field" "$(jq -r .field "$1.body")" "$3"
}
bad unknown_field 400 'cases[1].evnt' "{\"regime\":\"hybrid\",\"cases\":[$CASE,{\"age\":30,\"evnt\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":1}]}]}"
bad bad_age 400 'case.age' '{"regime":"hybrid","case":{"age":300,"event":"use","substances":[{"substance":"heroin","dsm5_criteria":1}]}}'
bad dup_key 400 '' "{\"regime\":\"hybrid\",\"regime\":\"russia\",\"case\":$CASE}"
bad top_field 400 'cases' "{\"regime\":\"hybrid\",\"case\":$CASE,\"cases\":[$CASE]}"
bad neither 400 'case' '{"regime":"hybrid"}'
bad extra_top 400 'note' "{\"regime\":\"hybrid\",\"case\":$CASE,\"note\":1}"
bad unknown_regime 400 'regime' "{\"regime\":\"atlantis\",\"case\":$CASE}"
bad path_regime 400 'regime' "{\"regime\":\"$PW_SRC/data/regimes/hybrid.yaml\",\"case\":$CASE}"
bad no_regime 400 'regime' "{\"case\":$CASE}"
bad not_json 400 '' '{"regime":'
bad empty_list 400 'cases' '{"regime":"hybrid","cases":[]}'
bad not_object 400 'cases[0]' '{"regime":"hybrid","cases":[3]}'
contains unknown_regime.body 'hybrid' "an unknown regime's message lists the built-in ones"
# 101 cases: over the batch limit; 100 pass.
python3 -c "import sys; c=sys.argv[1]; print('{\"regime\":\"hybrid\",\"cases\":[' + ','.join([c]*101) + ']}')" "$CASE" > b101.json
python3 -c "import sys; c=sys.argv[1]; print('{\"regime\":\"hybrid\",\"cases\":[' + ','.join([c]*100) + ']}')" "$CASE" > b100.json
st=$(req b100 POST assess "$CLIN" --data-binary @b100.json); expect 200 "$st" "100 cases pass" b100
is "100 decisions" "$(jq '.decisions | length' b100.body)" 100
bad b101 400 'cases' "$(cat b101.json)"
# Over 256 KiB: 413, before parsing.
python3 -c "print('{\"regime\":\"hybrid\",\"case\":{\"id\":\"' + 'x'*300000 + '\"}}')" > big.json
st=$(req big POST assess "$CLIN" --data-binary @big.json); expect 413 "$st" "a body over 256 KiB" big
st=$(req getassess GET assess "$CLIN"); expect 405 "$st" "GET assess" getassess

# ---- the audit log -----------------------------------------------------------
suite_stop_server
"$BIN" registry audit list --db "$DB" --as "$(tok auditor)" > audit.jsonl 2> audit.err || { fail "audit list"; cat audit.err >&2; }
n=$(grep -c '"action": *"assess"' audit.jsonl)
# 4 roles + 3 regimes + the batch + 100 cases = 9 assessments that were answered
is "one audit entry per answered request" "$n" 9
grep '"action": *"assess"' audit.jsonl | grep -q '"object": *"regime:russia"' && ok "the entry names the regime" || fail "no regime:russia entry"
grep '"action": *"assess"' audit.jsonl | grep -q '3 cases' && ok "the entry counts the cases" || fail "no '3 cases' entry"
lacks audit.jsonl 'heroin' "no case contents in the audit log"
n=$(grep -c '"action": *"denied".*assess\|assess.*"action": *"denied"' audit.jsonl)
is "refusals audited" "$n" 5
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit chain verifies" || { fail "audit verify"; cat verify.out >&2; }

# ---- the API description -------------------------------------------------------
suite_serve
st=$(req api GET openapi.json ""); expect 200 "$st" "openapi.json needs no token" api
cmp -s api.body "$PW_SRC/data/web/openapi.json" && ok "served as kept in data/web/openapi.json" || fail "openapi.json differs from the data file"
is "OpenAPI 3.0" "$(jq -r .openapi api.body)" 3.0.3
st=$(req apipost POST openapi.json "" --data x); expect 405 "$st" "POST openapi.json" apipost
suite_end
