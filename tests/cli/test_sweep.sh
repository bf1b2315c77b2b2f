#!/bin/sh
# pathways run --sweep: a grid, a list and a CSV of settings give one
# long-format sweep.csv (setting, the parameters' columns, regime, run,
# metric, year, value) and sweep.html; a setting is the same simulation as
# a plain run with the same --set; bad sweep files are refused with file,
# line and field before anything runs, and nothing is written.
set -u
fail=0
work=$(mktemp -d /tmp/pw_sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT
no() { echo "FAIL: $*"; fail=1; }
cd "$work" || exit 1

B=treatment.compulsory_beds_per_100k
P=police.use_detection_rate
run() { "$PW_BIN" run --scale 0.002 --runs 3 --years 2 --regime kz-current,hybrid --threads 1 \
    --posterior none "$@"; }

cat > grid.yaml <<YAML
# two parameters, 2 x 2 = 4 settings; the first varies slowest
grid:
  $B: [5, 30]
  $P: [0.002, 0.006]
YAML
run --sweep grid.yaml --out g > g.out 2> g.err || no "grid sweep exits 0: $(cat g.err)"
[ -s g/sweep.csv ] && [ -s g/sweep.html ] || no "sweep.csv and sweep.html written"
head -1 g/sweep.csv | grep -qx "setting,$B,$P,regime,run,metric,year,value" \
    || no "sweep.csv header: $(head -1 g/sweep.csv)"
# The settings in grid order, each with its parameter values.
cut -d, -f1-3 g/sweep.csv | sed 1d | uniq > settings.txt
printf '1,5,0.002\n2,5,0.006\n3,30,0.002\n4,30,0.006\n' | cmp -s - settings.txt \
    || no "settings and their columns: $(cat settings.txt)"
# Every (setting, regime) has the same rows: 3 runs and mean/lo95/hi95 of
# every metric, the paired difference for hybrid only, and yearly series.
for s in 1 4; do
    for g in kz-current hybrid; do
        n=$(grep -c "^$s,[^,]*,[^,]*,$g," g/sweep.csv)
        [ "$n" -gt 100 ] || no "setting $s $g: only $n rows"
    done
done
grep -q "^1,5,0.002,kz-current,2,pwud_end,," g/sweep.csv || no "run 2's pwud_end row"
grep -q "^1,5,0.002,hybrid,diff_lo95,pwud_end,," g/sweep.csv || no "hybrid's paired difference row"
grep -q "^1,5,0.002,kz-current,diff_mean," g/sweep.csv && no "the baseline has a difference from itself"
grep -q "^2,5,0.006,hybrid,mean,prison_population,2025," g/sweep.csv || no "yearly series rows"
grep -q "pwud_end" g.out || no "the comparison table on stdout"
grep -q "setting 4 of 4 done" g.err || no "progress per setting on stderr"
grep -q "<h2>prison_population_end</h2>" g/sweep.html || no "sweep.html compares prison population"
grep -q "hybrid" g/sweep.html || no "sweep.html names the regime"

# Setting 3 is the plain run with the same two --set: the same numbers.
run --set $B=30 --set $P=0.002 --quiet --out plain 2> plain.err || no "plain run: $(cat plain.err)"
python3 - "$work" <<'PY' || no "setting 3 differs from the same plain run"
import csv, json, sys
w = sys.argv[1]
summ = json.load(open(w + "/plain/summary.json"))
rows = {}
for r in csv.DictReader(open(w + "/g/sweep.csv")):
    if r["setting"] == "3" and r["run"] == "mean" and r["year"] == "":
        rows[(r["regime"], r["metric"])] = float(r["value"])
checked = 0
for g, reg in summ["regimes"].items():
    for m, st in reg["metrics"].items():
        if not isinstance(st, dict) or "mean" not in st or (g, m) not in rows:
            continue
        a, b = st["mean"], rows[(g, m)]
        # summary.json rounds to 10 significant digits, sweep.csv too.
        if abs(a - b) > 1e-6 * max(1.0, abs(a)):
            sys.exit("%s %s: %r vs %r" % (g, m, a, b))
        checked += 1
if checked < 20:
    sys.exit("only %d metrics compared" % checked)
PY

# A list of settings, and the same as CSV: identical files.
cat > list.yaml <<YAML
settings:
  - {$B: 5}
  - {$B: 30, $P: 0.006}
YAML
printf '%s,%s\n5,0.0035\n30,0.006\n' "$B" "$P" > list.csv
run --sweep list.yaml --quiet --out l 2> l.err || no "list sweep: $(cat l.err)"
run --sweep list.csv --quiet --out c 2> c.err || no "csv sweep: $(cat c.err)"
# The first setting leaves $P at the scenario's value, which its column shows.
grep -q "^1,5,0.0035,kz-current," l/sweep.csv || no "an unset parameter shows the scenario's value"
cmp -s l/sweep.csv c/sweep.csv || no "the YAML list and the CSV give different sweep.csv"

# Bad files: exit 1, file:line: field, nothing written.
bad() { # NAME EXPECTED-MESSAGE, file NAME.yaml already written
    run --sweep "$1" --quiet --out "bad_$1" > /dev/null 2> "$1.err"
    st=$?
    [ "$st" -eq 1 ] || no "$1: exit $st, not 1"
    grep -q -- "$2" "$1.err" || no "$1: message lacks '$2': $(cat "$1.err")"
    [ ! -e "bad_$1" ] || no "$1: output written for a refused sweep"
}
printf 'grid:\n  %s: [5]\n  no.such.param: [1, 2]\n' "$B" > unknown.yaml
bad unknown.yaml "unknown.yaml:3: field 'no.such.param': not a parameter of scenario almaty"
printf 'settings:\n  - {%s: 5}\n  - {%s: -3}\n' "$B" "$B" > range.yaml
bad range.yaml "range.yaml:3: field '$B': -3 is outside the allowed range \[0, 1000\]"
printf 'grid:\n  %s: []\n' "$B" > empty.yaml
bad empty.yaml "empty.yaml:2: field '$B': no values"
printf 'grid:\n  %s: [%s]\n  %s: [%s]\n' "$B" "$(seq -s, 1 40)" "$P" "$(seq -s, 0.0001 0.0001 0.003)" > big.yaml
bad big.yaml "1200 settings; a sweep may have at most 1000"
printf 'grid:\n  %s: [5, abc]\n' "$B" > nan.yaml
bad nan.yaml "nan.yaml:2: field '$B': 'abc' is not a number"
printf 'grids:\n  %s: [5]\n' "$B" > key.yaml
bad key.yaml "key.yaml:1"
printf '%s\n5\n6,7\n' "$B" > rows.csv
bad rows.csv "rows.csv:3: more values than the 1 columns"
run --sweep missing.yaml --quiet --out m 2> m.err; [ $? -ne 0 ] || no "a missing sweep file exits 0"
grep -q "missing.yaml" m.err || no "a missing file is named"
"$PW_BIN" run --engine meanfield --sweep grid.yaml 2> mf.err; [ $? -eq 2 ] || no "--sweep with the mean field is a usage error"

[ $fail -eq 0 ] && echo "sweep: all checks passed"
exit $fail
