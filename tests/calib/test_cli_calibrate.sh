#!/bin/sh
# pathways calibrate and pathways sensitivity on the LHY scenario: output
# files and their shape, identical results on 1 and 2 threads, and clear
# errors on bad input.
set -eu
: "${PW_BIN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PW_BIN" calibrate --help | grep -q -- "--targets" || fail "calibrate help"
"$PW_BIN" sensitivity --help | grep -q -- "--outcome" || fail "sensitivity help"

# Calibration: posterior sample plus fit report.
"$PW_BIN" calibrate --scenario lhy-us-cocaine --targets us-cocaine --particles 100 \
    --generations 4 --threads 1 --seed 3 --out "$T/c1" > "$T/c1.txt" 2>/dev/null || fail "calibrate"
for f in posterior.csv posterior_weighted.csv fit.json fit.txt; do
    [ -s "$T/c1/$f" ] || fail "missing $f"
done
head -1 "$T/c1/posterior.csv" | grep -q '^tau,s,q,smax,a,b,g,delta$' || fail "posterior header"
[ "$(wc -l < "$T/c1/posterior.csv")" -eq 101 ] || fail "posterior rows"
# Every draw lies inside the prior box of s (+-10% of 0.61).
awk -F, 'NR>1 && ($2 < 0.549 || $2 > 0.671) { exit 1 }' "$T/c1/posterior.csv" || fail "draw outside prior"
grep -q '"covered"' "$T/c1/fit.json" || fail "fit.json lacks coverage"
grep -q 'users_1992' "$T/c1/fit.txt" || fail "fit.txt lacks a target"
# Predictive simulations that left a plausibility band are counted, not
# taken into the intervals (where they would be NaN).
grep -q "inside the plausibility bands: prior [0-9]* of [0-9]*, posterior" "$T/c1/fit.txt" || fail "fit.txt lacks the count inside the bands"
grep -q "posterior_predictive_inside_bands" "$T/c1/fit.json" || fail "fit.json lacks the count inside the bands"
# Same seed on 2 threads: byte-identical posterior.
"$PW_BIN" calibrate --scenario lhy-us-cocaine --targets us-cocaine --particles 100 \
    --generations 4 --threads 2 --seed 3 --out "$T/c2" > /dev/null 2>&1 || fail "calibrate 2 threads"
cmp -s "$T/c1/posterior.csv" "$T/c2/posterior.csv" || fail "posterior depends on thread count"

# A targets file with an error names file, line and field; nothing written.
printf 'targets:\n  - {name: a, series: users, year: 1985, value: 1, sd: -1, source: x}\n' > "$T/bad.yaml"
if "$PW_BIN" calibrate --scenario lhy-us-cocaine --targets "$T/bad.yaml" --out "$T/bad" 2> "$T/err"; then
    fail "bad targets accepted"
fi
grep -q "bad.yaml:2" "$T/err" || fail "error lacks file:line: $(cat "$T/err")"
[ ! -e "$T/bad/posterior.csv" ] || fail "posterior written for bad input"

# Sensitivity: Sobol table and JSON, Morris table.
"$PW_BIN" sensitivity --scenario lhy-us-cocaine --outcome light_peak_year,users@1992 \
    --samples 64 --threads 2 --json "$T/s.json" --csv "$T/s.csv" > "$T/s.txt" || fail "sobol"
grep -q "outcome light_peak_year" "$T/s.txt" || fail "sobol table"
grep -q '"total_ci95"' "$T/s.json" || fail "sobol json"
# CSV: a header, then one row per outcome and parameter (2 x 8), the same
# total index as the JSON for the first row.
head -1 "$T/s.csv" | grep -q '^outcome,parameter,first,first_ci95,total,total_ci95$' || fail "sobol csv header"
[ "$(wc -l < "$T/s.csv")" -eq 17 ] || fail "sobol csv rows: $(wc -l < "$T/s.csv")"
p=$(sed -n 2p "$T/s.csv" | cut -d, -f2); tc=$(sed -n 2p "$T/s.csv" | cut -d, -f5)
tj=$(jq -r ".outcomes.light_peak_year.parameters.$p.total" "$T/s.json")
awk -v a="$tc" -v b="$tj" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-5 * (1 + (b < 0 ? -b : b))) }' \
    || fail "csv total $tc differs from json $tj"
"$PW_BIN" sensitivity --scenario lhy-us-cocaine --outcome heavy_peak --method morris \
    --samples 10 > "$T/m.txt" || fail "morris"
grep -q "mu\*" "$T/m.txt" || fail "morris table"

set +e
"$PW_BIN" sensitivity --scenario lhy-us-cocaine --outcome nonsense 2> "$T/err"
[ $? -eq 1 ] || fail "unknown outcome not bad input"
grep -q "nonsense" "$T/err" || fail "unknown outcome not named"
"$PW_BIN" sensitivity --scenario lhy-us-cocaine 2>/dev/null
[ $? -eq 2 ] || fail "missing --outcome not a usage error"
# --out (which run and calibrate have) is not taken for --outcome.
"$PW_BIN" sensitivity --scenario lhy-us-cocaine --outcome heavy_peak --out "$T/o" 2> "$T/err"
[ $? -eq 2 ] || fail "--out not a usage error"
grep -q -- "--csv" "$T/err" || fail "--out error does not point to --json/--csv: $(cat "$T/err")"
"$PW_BIN" calibrate --scenario lhy-us-cocaine --targets us-cocaine 2>/dev/null
[ $? -eq 2 ] || fail "missing --out not a usage error"
exit 0
