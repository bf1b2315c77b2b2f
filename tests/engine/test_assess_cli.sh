#!/bin/sh
# `pathways assess` and `pathways regimes` from the command line: formats,
# --explain, the error paths (each names file, line and field) and exit codes.
set -u
BIN=${PW_BIN:?PW_BIN is not set}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_rc WANT CMD...: runs CMD, stdout to $T/out, stderr to $T/err
expect_rc() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"; got=$?
    [ "$got" = "$want" ] || fail "exit $got, wanted $want: $* ($(head -c 300 "$T/err"))"
}
has() { grep -q -- "$2" "$T/$1" || fail "$1 lacks '$2': $(head -c 400 "$T/$1")"; }
lines() { n=$(wc -l <"$T/$1"); [ "$n" -eq "$2" ] || fail "$1 has $n lines, wanted $2"; }

CASE='{"id": "c-17", "age": 24, "event": "use", "substances": [{"substance": "synthetic_cannabinoids", "dsm5_criteria": 7, "assist": {"q2": 6, "q3": 6, "q4": 7, "q5": 8, "q6": 6, "q7": 6}}]}'

# --help on both commands
expect_rc 0 "$BIN" assess --help; has out "usage: pathways assess"
expect_rc 0 "$BIN" regimes --help; has out "usage: pathways regimes"

# regimes: the five, with summaries; JSON; rules of one
expect_rc 0 "$BIN" regimes
for r in hybrid kz-current russia portugal drug-court; do has out "^$r "; done
lines out 5
expect_rc 0 "$BIN" regimes --json; has out '"name": *"hybrid"'
expect_rc 0 "$BIN" regimes --rules hybrid; has out "hybrid.signoff.compulsory"; has out "source:"
expect_rc 2 "$BIN" regimes --rules no-such-regime; has err "no-such-regime"
expect_rc 2 "$BIN" regimes --bogus

# one JSON case (pretty, multi-line) from a file and from stdin
printf '%s\n' "$CASE" >"$T/case.json"
expect_rc 0 "$BIN" assess --regime hybrid "$T/case.json"
has out '"disposition": *"compulsory_inpatient_treatment"'
has out '"requires_panel_signoff": *true'
has out '"assist_risk": *"high"'
cp "$T/out" "$T/pretty.json"
expect_rc 1 sh -c "'$BIN' assess -r hybrid '$T/pretty.json'"
has err "unknown field"
expect_rc 0 sh -c "printf '%s' '$CASE' | '$BIN' assess --regime kz-current -"
has out '"disposition": *"alternative_sanction"'

# a pretty-printed case spread over lines is one JSON document
cat >"$T/multi.json" <<'JSON'
{
  "id": 5,
  "age": 40,
  "event": "distribution",
  "role": "courier",
  "substances": [{"substance": "heroin", "dsm5_criteria": 0}]
}
JSON
expect_rc 0 "$BIN" assess --regime hybrid "$T/multi.json"
has out '"max_years": *7'
has out '"id": *5'
# a bad field in a pretty-printed case is named on its own line
sed 's/"dsm5_criteria": 0/"dsm5_criteria": 12/' "$T/multi.json" >"$T/multi-bad.json"
expect_rc 1 "$BIN" assess --regime hybrid "$T/multi-bad.json"
has err "multi-bad.json:6: field 'substances\[0\].dsm5_criteria'"

# an array of cases; a bad one is named by index
printf '[%s,\n{"age": 30, "event": "use", "substances": [{"substance": "spicey", "dsm5_criteria": 1}]}]\n' "$CASE" >"$T/array.json"
expect_rc 1 "$BIN" assess --regime hybrid "$T/array.json"
has err "field '\[1\].substances\[0\].substance'"
has out '"id": *"c-17"'

# --explain
expect_rc 0 "$BIN" assess --regime hybrid --explain "$T/case.json"
has out "Disposition: compulsory_inpatient_treatment"
has out "Panel sign-off: REQUIRED"
has out "hybrid.health.inpatient_severe"
has out "Source:"
# a drug court's sentence is said to be deferred, in the text and the JSON
DC='{"id": "dc", "age": 30, "event": "crime_under_influence", "consents_to_treatment": true, "substances": [{"substance": "heroin", "dsm5_criteria": 6}]}'
printf '%s\n' "$DC" >"$T/dc.json"
expect_rc 0 "$BIN" assess --regime drug-court --explain "$T/dc.json"
has out "Disposition: drug_court"
has out "Sentence: deferred, imposed only if the participant does not graduate: custodial"
has out "Basis: Deferred"
expect_rc 0 "$BIN" assess --regime drug-court "$T/dc.json"
has out '"deferred":true'

# JSON Lines: every good line decided, each bad one reported with line and field
cat >"$T/cases.jsonl" <<'JSONL'
{"id": 1, "age": 30, "event": "use", "substances": [{"substance": "cannabis", "dsm5_criteria": 2}]}
{"id": 2, "age": 30, "event": "use", "substances": [{"substance": "spicey", "dsm5_criteria": 2}]}
{"id": 3, "age": 30, "substances": [{"substance": "cannabis", "dsm5_criteria": 2}]}

{"id": 5, "age": 30, "event": "use", "substances": [{"substance": "cannabis", "dsm5_criteria": 12}]}
{"id": 6, "age": 30, "event": "use", "substances": [{"substance": "cannabis", "dsm5_criteria
{"id": 7, "age": 19, "event": "distribution", "role": "courier", "substances": [{"substance": "7.2", "dsm5_criteria": [1, 2]}]}
JSONL
expect_rc 1 "$BIN" assess --regime hybrid "$T/cases.jsonl"
lines out 2
has out '^{"id":1,"regime":"hybrid"'
has out '^{"id":7,'
has err "cases.jsonl:2: field 'substances\[0\].substance': unknown substance 'spicey'"
has err "cases.jsonl:3: field 'event': is required"
has err "cases.jsonl:5: field 'substances\[0\].dsm5_criteria'"
has err "cases.jsonl:6: .*malformed JSON"
has err "2 cases decided, 4 rejected"

# JSON Lines whose first line is bad are still JSON Lines
tail -n 2 "$T/cases.jsonl" >"$T/badfirst.jsonl"
expect_rc 1 "$BIN" assess --regime hybrid "$T/badfirst.jsonl"
lines out 1
has err "badfirst.jsonl:1: "

# malformed JSON document
printf '{"id": 1,\n "age": 30,\n "event": \n}\n' >"$T/broken.json"
expect_rc 1 "$BIN" assess --regime hybrid "$T/broken.json"
has err "broken.json:4: .*malformed JSON"

# a copied and edited regime runs by path
"$BIN" regimes >/dev/null
sed 's/substance_group: synthetic_nps, severity_at_least: moderate/substance_group: synthetic_nps, severity_at_least: severe/' \
    "${PW_SRC:?}/data/regimes/hybrid.yaml" >"$T/my.yaml"
printf '%s\n' '{"id": 9, "age": 24, "event": "use", "substances": [{"substance": "synthetic_cathinones", "dsm5_criteria": 4}]}' >"$T/mod.json"
expect_rc 0 "$BIN" assess --regime hybrid "$T/mod.json"; has out '"disposition": *"compulsory_inpatient_treatment"'
expect_rc 0 "$BIN" assess --regime "$T/my.yaml" "$T/mod.json"; has out '"disposition": *"outpatient_treatment"'

# a broken regime file: line and key named, exit 1
sed 's/    rules:/    rulez:/' "$T/my.yaml" >"$T/typo.yaml"
expect_rc 1 "$BIN" assess --regime "$T/typo.yaml" "$T/mod.json"
has err "typo.yaml:[0-9]*: field 'rulez'"

# usage errors and I/O failures
expect_rc 2 "$BIN" assess "$T/mod.json"
has err "regime"
expect_rc 2 "$BIN" assess --regime no-such-regime "$T/mod.json"
expect_rc 2 "$BIN" assess --regime hybrid a b
expect_rc 2 "$BIN" assess --regime
expect_rc 2 "$BIN" assess --frobnicate
expect_rc 3 "$BIN" assess --regime hybrid "$T/does-not-exist.json"
has err "does-not-exist.json"

# --output: the file appears only for a completed run
expect_rc 1 "$BIN" assess --regime hybrid -o "$T/decisions.jsonl" "$T/cases.jsonl"
[ "$(wc -l <"$T/decisions.jsonl")" -eq 2 ] || fail "--output did not hold the 2 decisions"
[ -s "$T/out" ] && fail "--output also wrote to stdout"
expect_rc 3 "$BIN" assess --regime hybrid -o "$T/no/such/dir/d.jsonl" "$T/cases.jsonl"
[ -e "$T/no/such/dir/d.jsonl" ] && fail "a failed run left an output file"
ls "$T"/decisions.jsonl.tmp* >/dev/null 2>&1 && fail "a temporary output file was left behind"

# empty input: nothing to decide, success
expect_rc 0 sh -c "'$BIN' assess --regime hybrid </dev/null"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all assess/regimes CLI checks passed"
