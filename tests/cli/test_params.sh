#!/bin/sh
# What-if runs: `pathways params` lists a scenario's parameters with range,
# prior and source; `pathways run --set NAME=VALUE` changes one for a run,
# overrides the posterior's draws of it, is recorded in summary.json, and
# refuses unknown names, bad values and out-of-range values before running.
set -u
fail=0
work=$(mktemp -d /tmp/pw_params.XXXXXX)
trap 'rm -rf "$work"' EXIT
no() { echo "FAIL: $*"; fail=1; }

# params: a row per parameter, sources included, CSV parseable.
"$PW_BIN" params >"$work/p.txt" || no "params exits 0"
grep -q '^treatment.compulsory_beds_per_100k  *9.5 ' "$work/p.txt" || no "params shows the beds value"
grep -q 'source: docs/sources.md K1.5' "$work/p.txt" || no "params shows sources"
grep -q 'prior uniform' "$work/p.txt" || no "params shows priors"
grep -A2 '^treatment.compulsory_months_default ' "$work/p.txt" | grep -q '^    inert by design: a fallback' \
    || no "params shows why a parameter is inert"
"$PW_BIN" params --csv >"$work/p.csv" || no "params --csv exits 0"
head -1 "$work/p.csv" | grep -q '^name,value,min,max,prior,prior_lo,prior_hi,source,inert$' || no "csv header"
rows=$(($(wc -l <"$work/p.csv") - 1))
[ "$rows" -ge 50 ] || no "csv lists only $rows parameters"
"$PW_BIN" params treatment. >"$work/t.txt" || no "params FILTER exits 0"
grep -v '^    ' "$work/t.txt" | grep -qv '^treatment\.' && no "filter shows other parameters"
"$PW_BIN" params no.such.thing 2>"$work/e" && no "an unmatched filter exits 0"
"$PW_BIN" params --scenario lhy-us-cocaine 2>"$work/e"; [ $? -eq 2 ] || no "params of a mean-field scenario is a usage error"
grep -q 'mean-field' "$work/e" || no "says the scenario is mean-field"

run() { "$PW_BIN" run --scale 0.005 --runs 2 --years 2 --regime hybrid --quiet "$@"; }

# A bad --set stops before anything is written.
run --set no.such=1 --out "$work/bad1" 2>"$work/e"; [ $? -eq 2 ] || no "unknown parameter: exit 2"
grep -q "'no.such' is not a parameter of scenario almaty" "$work/e" || no "names the unknown parameter"
run --set treatment.compulsory_beds_per_100k=-1 --out "$work/bad2" 2>"$work/e"; [ $? -eq 2 ] || no "out of range: exit 2"
grep -q 'outside the allowed range \[0, 1000\]' "$work/e" || no "gives the allowed range"
run --set treatment.compulsory_beds_per_100k=abc --out "$work/bad3" 2>"$work/e"; [ $? -eq 2 ] || no "not a number: exit 2"
run --set =3 --out "$work/bad4" 2>"$work/e"; [ $? -eq 2 ] || no "no name: exit 2"
for d in bad1 bad2 bad3 bad4; do [ -e "$work/$d" ] && no "$d: output written for a refused run"; done

# A good --set is recorded and changes the run; the posterior no longer
# draws that parameter, so two runs with the value set by hand agree on it.
run --out "$work/base" || no "baseline run"
run --set treatment.compulsory_beds_per_100k=200 --set police.use_detection_rate=0.3 \
    --out "$work/set" || no "run with --set"
python3 - "$work" <<'PY' || fail=1
import json, sys
w = sys.argv[1]
base = json.load(open(w + "/base/summary.json"))
s = json.load(open(w + "/set/summary.json"))
ok = True
def no(m):
    global ok
    print("FAIL:", m); ok = False
if base["overrides"] != {}: no("baseline has overrides %r" % base["overrides"])
if s["overrides"] != {"treatment.compulsory_beds_per_100k": 200.0, "police.use_detection_rate": 0.3}:
    no("overrides recorded as %r" % s["overrides"])
if not (s["posterior"] or "").endswith("almaty-posterior.csv"): no("posterior label %r" % s["posterior"])
b = base["regimes"]["hybrid"]["metrics"]["in_compulsory_treatment_end"]["mean"]
m = s["regimes"]["hybrid"]["metrics"]["in_compulsory_treatment_end"]["mean"]
if not m > b: no("more beds and detection did not raise compulsory treatment (%g -> %g)" % (b, m))
sys.exit(0 if ok else 1)
PY
grep -q 'Set by hand for this run: <code>treatment.compulsory_beds_per_100k = 200</code>' \
    "$work/set/report.html" || no "report.html does not show the value set by hand"
grep -q 'Set by hand' "$work/base/report.html" && no "report.html of the baseline shows overrides"
# Without a posterior the record says so.
run --posterior none --out "$work/none" || no "run --posterior none"
grep -q '"posterior": null' "$work/none/summary.json" || no "posterior none recorded as null"
grep -q 'no posterior' "$work/none/report.html" || no "report.html does not say chance only"
# The mean-field engine takes --set too, and records it.
"$PW_BIN" run --engine meanfield --years 3 --regime hybrid --set treatment.compulsory_beds_per_100k=200 \
    --out "$work/mf" >/dev/null 2>&1 || no "meanfield with --set"
grep -q '"treatment.compulsory_beds_per_100k": 200' "$work/mf/summary.json" || no "meanfield records --set"
"$PW_BIN" run --engine meanfield --set no.such=1 --out "$work/mfbad" 2>"$work/e"; [ $? -eq 2 ] || no "meanfield unknown parameter: exit 2"
[ -e "$work/mfbad" ] && no "meanfield wrote output for a refused --set"
"$PW_BIN" run --engine meanfield --scenario lhy-us-cocaine --set s=1 2>"$work/e"; [ $? -eq 2 ] || no "--set on LHY: exit 2"
exit $fail
