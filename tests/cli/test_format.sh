#!/bin/sh
# --format csv|json wherever a command writes a table of data, in the
# shapes `params` and `regimes` have (opt.h, PW_OPT_FORMAT): CSV with a
# header (RFC 4180 quoting, read back here with Python's csv module) or one
# JSON array (a JSON object for sensitivity, as its --json file). Checked
# for assess, registry stats, registry user list, registry audit list and
# sensitivity: the rows are the data the default output holds, the option
# is in --help, the man page and the completion, and a bad value is a usage
# error naming the choices.
set -u
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
W=$(mktemp -d /tmp/pw_format.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

# ---- the option layer: help, man page, completion, a bad value ----------
"$PW_BIN" --man > man.1
"$PW_BIN" --completion bash > comp.bash
for c in assess "registry stats" "registry user list" "registry audit list" sensitivity; do
    # shellcheck disable=SC2086
    "$PW_BIN" $c --help | grep -q -- '--format csv|json' || bad "$c --help lacks --format"
    sed -n "/^\.SS \"pathways $c\"/,/^\.SS/p" man.1 | grep -qF -- '\-\-format' \
        || bad "the man page lacks $c --format"
    sed -n "/^    \"$c\")/,/^        ;;\$/p" comp.bash | grep -q -- '--format) COMPREPLY=($(compgen -W "csv json"' \
        || bad "the completion of $c does not offer csv json"
    # shellcheck disable=SC2086
    "$PW_BIN" $c --format xml > /dev/null 2> bad.err
    st=$?
    [ $st -eq 2 ] && grep -q -- "--format must be one of csv|json, not 'xml'" bad.err \
        || bad "$c --format xml: exit $st, $(cat bad.err)"
done
[ $fail -eq 0 ] && ok "--format in help, man page and completion of every command; xml refused"

# ---- assess ----------------------------------------------------------------
case_line() { # ID SUBSTANCE CRITERIA EVENT AMOUNT
    printf '{"id":%s,"age":24,"event":"%s","amount":"%s","substances":[{"substance":"%s","dsm5_criteria":%s}]}\n' \
        "$1" "$4" "$5" "$2" "$3"
}
{
    case_line '"c-1"' synthetic_cannabinoids 7 use personal
    case_line '"with, comma and \"quote\""' heroin 2 possession personal
    case_line 17 cannabis 0 use personal
    case_line '"c-4"' methamphetamine 9 distribution large
} > cases.jsonl
for r in hybrid kz-current; do
    "$PW_BIN" assess --regime $r cases.jsonl > $r.jsonl 2> $r.err || bad "assess $r: $(cat $r.err)"
    "$PW_BIN" assess --regime $r --format csv cases.jsonl > $r.csv 2> $r.err || bad "assess $r --format csv: $(cat $r.err)"
    "$PW_BIN" assess --regime $r --format json cases.jsonl > $r.json 2> $r.err || bad "assess $r --format json"
    cmp -s $r.jsonl $r.json && ok "assess $r --format json is the default output" || bad "assess $r --format json differs"
    python3 - $r.jsonl $r.csv <<'PY' && ok "assess $r --format csv: a row per decision, the JSON's values" || bad "assess $r csv"
import csv, json, sys
js = [json.loads(l) for l in open(sys.argv[1])]
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
want = ("id,regime,substance,tdi,icd11,group,dsm5_criteria,severity,assist_score,route,disposition,"
        "measures,sentence,sentence_min_years,sentence_max_years,sentence_deferred,"
        "monitoring_required,monitoring_months,requires_panel_signoff,rules").split(",")
head = open(sys.argv[2]).readline().strip().split(",")
assert head == want, head
assert len(rows) == len(js) == 4, (len(rows), len(js))
for j, r in zip(js, rows):
    assert r["id"] == str(j["id"]), (r["id"], j["id"])
    assert r["regime"] == j["regime"] and r["disposition"] == j["disposition"], r
    assert r["route"] == j["route"] and r["severity"] == j["severity"], r
    assert r["substance"] == j["primary_substance"]["name"], r
    assert r["rules"].split(";") == [t["rule"] for t in j["trace"]], (r["rules"], j["trace"])
    assert [m.split(":")[0] for m in r["measures"].split(";") if m] == [m["type"] for m in j["measures"]]
    assert r["requires_panel_signoff"] == ("true" if j["requires_panel_signoff"] else "false")
    assert r["monitoring_required"] == ("true" if j["monitoring"]["required"] else "false")
    s = j["sentence"]
    assert r["sentence"] == ("" if s is None else "custodial" if s["custodial"] else "non-custodial")
PY
done
# A document (an array of cases) gives the same rows; --explain is text.
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open("cases.jsonl")], indent=2))' > cases.json
"$PW_BIN" assess --regime hybrid --format csv cases.json > doc.csv 2> doc.err || bad "assess a document --format csv"
cmp -s doc.csv hybrid.csv && ok "a JSON document gives the same CSV as JSON Lines" || bad "document CSV differs"
"$PW_BIN" assess --regime hybrid --format csv --explain cases.jsonl > /dev/null 2>&1
[ $? -eq 2 ] && ok "--explain with --format is a usage error" || bad "--explain --format accepted"
# Bad cases are reported as ever; the others are rows; an empty input is a header.
{ case_line '"ok1"' heroin 4 use personal; echo '{"id":"bad","age":"x"}'; } > mixed.jsonl
"$PW_BIN" assess --regime hybrid --format csv mixed.jsonl > mixed.csv 2> mixed.err
[ $? -eq 1 ] && [ "$(wc -l < mixed.csv)" -eq 2 ] && grep -q 'mixed.jsonl:2' mixed.err \
    && ok "a bad case: exit 1, named, the good one a row" || bad "mixed: $(cat mixed.csv mixed.err)"
: > empty.jsonl
"$PW_BIN" assess --regime hybrid --format csv empty.jsonl > empty.csv || bad "empty input"
[ "$(wc -l < empty.csv)" -eq 1 ] && head -1 empty.csv | grep -q '^id,regime,' \
    && ok "no cases: the header alone" || bad "empty: $(cat empty.csv)"

# ---- the registry's listings ------------------------------------------------
DB="$W/reg.db"
"$PW_BIN" registry init --db "$DB" > init.out 2> init.err || { bad "registry init: $(cat init.err)"; exit 1; }
ADMIN=$(tail -n 1 init.out)
"$PW_BIN" registry user add --db "$DB" --as "$ADMIN" --name "dr, house" --role clinician > tok_c 2>/dev/null
"$PW_BIN" registry user add --db "$DB" --as "$ADMIN" --name aud --role auditor > tok_a 2>/dev/null
CLIN=$(tail -n 1 tok_c); AUD=$(tail -n 1 tok_a)
"$PW_BIN" registry stats --db "$DB" --as "$CLIN" > stats.json || bad "stats"
"$PW_BIN" registry stats --db "$DB" --as "$CLIN" --format csv > stats.csv || bad "stats --format csv"
"$PW_BIN" registry stats --db "$DB" --as "$CLIN" --format json > stats.arr || bad "stats --format json"
python3 - <<'PY' && ok "stats: the object, as one CSV row and a one-row array" || bad "stats formats"
import csv, json
o = json.load(open("stats.json"))
rows = list(csv.DictReader(open("stats.csv", newline="")))
assert len(rows) == 1 and list(rows[0]) == list(o), (rows, o)
# The stats of each call count the reads before it: compare the counts
# that reading does not change.
for k in o:
    if k != "audit_entries":
        assert int(rows[0][k]) == o[k], k
a = json.load(open("stats.arr"))
assert isinstance(a, list) and len(a) == 1 and list(a[0]) == list(o)
PY
"$PW_BIN" registry user list --db "$DB" --as "$AUD" > users.jsonl || bad "user list"
"$PW_BIN" registry user list --db "$DB" --as "$AUD" --format csv > users.csv || bad "user list --format csv"
"$PW_BIN" registry user list --db "$DB" --as "$AUD" --format json > users.json || bad "user list --format json"
python3 - <<'PY' && ok "user list: the JSON Lines as CSV rows (a comma in a name quoted) and as an array" || bad "user list formats"
import csv, json
js = [json.loads(l) for l in open("users.jsonl")]
rows = list(csv.DictReader(open("users.csv", newline="")))
assert open("users.csv").readline().strip() == "id,name,role,created,active"
assert [r["name"] for r in rows] == [j["name"] for j in js] == ["admin", "dr, house", "aud"], rows
assert [r["active"] for r in rows] == ["true"] * 3
assert json.load(open("users.json")) == js
PY
"$PW_BIN" registry audit list --db "$DB" --as "$AUD" --format csv > audit.csv || bad "audit list --format csv"
"$PW_BIN" registry audit list --db "$DB" --as "$AUD" --format json > audit.json || bad "audit list --format json"
"$PW_BIN" registry audit list --db "$DB" --as "$AUD" > audit.jsonl || bad "audit list"
python3 - <<'PY' && ok "audit list: a row per entry, the same entries as JSON Lines" || bad "audit list formats"
import csv, json
rows = list(csv.DictReader(open("audit.csv", newline="")))
arr = json.load(open("audit.json"))
js = [json.loads(l) for l in open("audit.jsonl")]
for k in ("seq", "time", "user", "role", "action", "object", "detail"):
    assert k in rows[0], (k, list(rows[0]))
# Every listing is itself on record before it is shown: each later one
# has one entry more.
assert len(arr) == len(rows) + 1 and len(js) == len(arr) + 1, (len(rows), len(arr), len(js))
assert [r["seq"] for r in rows] == [str(e["seq"]) for e in js[:len(rows)]]
assert [e["action"] for e in arr] == [e["action"] for e in js[:len(arr)]]
assert arr[-1]["action"] == "read" and arr[-1]["object"] == "audit"
PY
"$PW_BIN" registry audit list --db "$DB" --as "$CLIN" --format csv > denied.csv 2> denied.err
[ $? -eq 1 ] && [ ! -s denied.csv ] && ok "a refused listing prints no table (exit 1)" || bad "refused listing: $(cat denied.csv)"

# ---- sensitivity -------------------------------------------------------------
S="--scenario lhy-us-cocaine --outcome heavy_peak,users_end --method morris --samples 3 --seed 5 --threads 1"
# shellcheck disable=SC2086
"$PW_BIN" sensitivity $S --csv s_file.csv --json s_file.json > s_table.txt || bad "sensitivity"
# shellcheck disable=SC2086
"$PW_BIN" sensitivity $S --format csv > s_out.csv || bad "sensitivity --format csv"
# shellcheck disable=SC2086
"$PW_BIN" sensitivity $S --format json > s_out.json || bad "sensitivity --format json"
grep -q "Morris sensitivity" s_table.txt && ok "sensitivity prints its table by default" || bad "no table"
cmp -s s_file.csv s_out.csv && ok "sensitivity --format csv is the --csv file, on stdout alone" || bad "sensitivity csv differs"
python3 - <<'PY' && ok "sensitivity --format json is the --json document (but for its run time)" || bad "sensitivity json differs"
import json
a, b = json.load(open("s_file.json")), json.load(open("s_out.json"))
a.pop("seconds"); b.pop("seconds")
assert a == b and set(a["outcomes"]) == {"heavy_peak", "users_end"}
PY

[ $fail -eq 0 ] && echo "format: all checks passed"
exit $fail
