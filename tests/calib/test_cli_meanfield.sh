#!/bin/sh
# pathways run --engine meanfield on the LHY US-cocaine scenario: the files
# docs/calibration.md lists, monthly decimal-year time, the published epidemic
# shape, and clear errors on bad input with nothing half-written.
set -eu
: "${PW_BIN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PW_BIN" run --engine meanfield --help | grep -q -- "--scenario" || fail "help"

"$PW_BIN" run --engine meanfield --scenario lhy-us-cocaine --years 50 --out "$T/lhy" > "$T/stdout" \
    || fail "run exited non-zero"
[ -s "$T/lhy/timeseries.csv" ] || fail "no timeseries.csv"
[ -s "$T/lhy/summary.json" ] || fail "no summary.json"
head -1 "$T/lhy/timeseries.csv" | grep -q '^time,light,heavy,memory' || fail "header"
# 50 years monthly = 601 rows plus the header.
[ "$(wc -l < "$T/lhy/timeseries.csv")" -eq 602 ] || fail "row count"
awk -F, 'NR==2 { if ($1 != 1970 || $2 != 1400000 || $3 != 130000 || $4 != 110000) exit 1 }
         NR==3 { if ($1 < 1970.08 || $1 > 1970.09) exit 1 }
         END   { if ($1 != 2020) exit 1 }' "$T/lhy/timeseries.csv" || fail "time column or 1970 state"
# Light users peak around 1980-85, heavy users around 1987-1995.
awk -F, 'NR>1 { if ($2 > l) { l = $2; tl = $1 } if ($3 > h) { h = $3; th = $1 } }
         END { if (tl < 1978 || tl > 1986 || th < 1986 || th > 1996) exit 1 }' \
    "$T/lhy/timeseries.csv" || fail "peak timing"
grep -q '"engine": "meanfield"' "$T/lhy/summary.json" || fail "summary engine"
grep -q "lhy-us-cocaine" "$T/stdout" || fail "table on stdout"

# A scenario file with a typo is refused with file, line and field.
sed 's/^  delta:/  dleta:/' "$PW_SRC/data/scenarios/lhy-us-cocaine.yaml" > "$T/typo.yaml"
if "$PW_BIN" run --engine meanfield --scenario "$T/typo.yaml" --out "$T/bad" 2> "$T/err"; then
    fail "typo accepted"
fi
grep -q "typo.yaml:[0-9]" "$T/err" || fail "error does not name file and line: $(cat "$T/err")"
[ ! -e "$T/bad/timeseries.csv" ] || fail "output written despite the error"

# The min() ablation: no epidemic.
sed 's/^floor: max/floor: min/' "$PW_SRC/data/scenarios/lhy-us-cocaine.yaml" > "$T/min.yaml"
"$PW_BIN" run --engine meanfield --scenario "$T/min.yaml" --years 50 --out "$T/min" > /dev/null
awk -F, 'NR>2 && $2 > 1400000 { exit 1 }' "$T/min/timeseries.csv" || fail "min() floor grew"

# A society scenario: all five regimes side by side in the same files as
# the agent-based engine, the same comparison table, the pathway's columns
# filled (numbers, not nan) and the regimes apart where their rules are.
"$PW_BIN" run --engine meanfield --scenario almaty --regime all --years 5 --out "$T/soc" \
    > "$T/soc.txt" 2> /dev/null || fail "society run exited non-zero"
for r in kz-current hybrid portugal russia drug-court; do
    grep -q "\"$r\"" "$T/soc/summary.json" || fail "regime $r missing from summary.json"
    grep -q "^$r,0,2028," "$T/soc/timeseries.csv" || fail "regime $r missing from timeseries.csv"
done
grep -q "Difference from kz-current" "$T/soc.txt" || fail "no comparison table"
# What the mean field leaves out is said under the table and in the summary.
grep -q "^note: mean field" "$T/soc.txt" || fail "no note under the table"
grep -q '"note": "mean field.*NaN: the criminal mindset' "$T/soc/summary.json" ||
    fail "no note in summary.json"
# --quiet, as for the agent-based engine: the files, no table.
"$PW_BIN" run --engine meanfield --scenario almaty --regime hybrid --years 2 --quiet \
    --out "$T/q" > "$T/q.txt" 2>&1 || fail "--quiet refused"
# (A band warning is not the table: it is printed even with --quiet.)
! grep -v "^pathways run: warning: the mean-field trajectory" "$T/q.txt" | grep -q . ||
    fail "--quiet printed: $(cat "$T/q.txt")"
[ -s "$T/q/summary.json" ] || fail "--quiet wrote no summary.json"
awk -F, 'NR==1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
         { if ($c["prison_population"] == "nan" || $c["compulsory_treatment"] == "nan" ||
               $c["cost_kzt"] == "nan") exit 1
           if ($1 == "kz-current" && $3 == 2028 && $c["compulsory_treatment"] + 0 <= 0) exit 1
           if ($1 == "hybrid" && $3 == 2028 && $c["compulsory_treatment"] + 0 < 10) exit 1 }' \
    "$T/soc/timeseries.csv" || fail "pathway columns of the society run"
# A regime that does not exist: exit 1, no files.
if "$PW_BIN" run --engine meanfield --scenario almaty --regime nosuch --out "$T/bad2" \
    2> "$T/err2"; then
    fail "unknown regime accepted"
fi
grep -q "nosuch" "$T/err2" || fail "unknown regime not named: $(cat "$T/err2")"
[ ! -e "$T/bad2/summary.json" ] || fail "output written for an unknown regime"

# What it does not carry is listed (summary.json "not_modelled", the table).
grep -q '"not_modelled": \[' "$T/soc/summary.json" || fail "no not_modelled in summary.json"
grep -q '"hcv_infections_total"' "$T/soc/summary.json" || fail "HCV not listed as not modelled"
grep -q "^not modelled by this engine" "$T/soc.txt" || fail "no not-modelled line in the table"
# A trajectory outside a plausibility band is warned about, even with
# --quiet: HIV among PWID far above its band with a tenfold transmission
# rate.
"$PW_BIN" run --engine meanfield --scenario almaty --regime kz-current --years 10 --quiet \
    --set health.hiv_transmission_rate=3 > /dev/null 2> "$T/band.err" || fail "band run failed"
grep -q "warning: the mean-field trajectory of kz-current leaves the plausibility band hiv_among_pwid" \
    "$T/band.err" || fail "no band warning: $(cat "$T/band.err")"
# --quiet holds for the LHY model too.
"$PW_BIN" run --engine meanfield --scenario lhy-us-cocaine --years 5 --quiet > "$T/lq.txt"
[ ! -s "$T/lq.txt" ] || fail "--quiet printed the LHY table"
# history_start_year: the history runs under kz-current and moves the start
# of the projection; one before start_year only.
printf 'extends: almaty\nname: hist\nhistory_start_year: 2014\n' > "$T/hist.yaml"
"$PW_BIN" run --engine meanfield --scenario "$T/hist.yaml" --regime kz-current --years 2 --quiet \
    --out "$T/hist" || fail "history run failed"
"$PW_BIN" run --engine meanfield --scenario almaty --regime kz-current --years 2 --quiet \
    --out "$T/nohist" || fail "run without history failed"
a=$(awk -F, 'NR==1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $3 == 2024 { print $c["dependent"] }' "$T/hist/timeseries.csv")
b=$(awk -F, 'NR==1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $3 == 2024 { print $c["dependent"] }' "$T/nohist/timeseries.csv")
[ -n "$a" ] && [ "$a" != "$b" ] || fail "the history changed nothing ($a, $b)"
printf 'extends: almaty\nname: hist\nhistory_start_year: 2030\n' > "$T/hist2.yaml"
if "$PW_BIN" run --engine meanfield --scenario "$T/hist2.yaml" --years 2 --quiet 2> "$T/h2.err"; then
    fail "history_start_year after start_year accepted"
fi
grep -q "hist2.yaml:3: field 'history_start_year'" "$T/h2.err" || fail "bad history not named: $(cat "$T/h2.err")"
# The mean field as the screen of a sensitivity analysis (--engine). Four
# parameters (--params): each evaluation now runs the history from 2011,
# and over all ~60 parameters the screen took half an hour under the
# sanitizer.
"$PW_BIN" sensitivity --engine meanfield --scenario almaty --regime hybrid --versus kz-current \
    --method morris --samples 2 --years 2 --outcome prison_population_end --threads 1 \
    --params initiation.exogenous_rate,initial.light_user_share,initiation.peer_mean,crime.acquisitive_rate_dependent \
    > "$T/sens.txt" || fail "sensitivity --engine meanfield failed"
grep -q "(meanfield engine)" "$T/sens.txt" || fail "sensitivity did not use the mean field"
if grep -q " nan " "$T/sens.txt"; then fail "nan indices: $(cat "$T/sens.txt")"; fi

# Usage errors exit 2.
set +e
"$PW_BIN" run --engine meanfield --scenario lhy-us-cocaine --years 0 2>/dev/null
[ $? -eq 2 ] || fail "--years 0 not a usage error"
"$PW_BIN" run --engine meanfield --bogus 2>/dev/null
[ $? -eq 2 ] || fail "unknown option not a usage error"
exit 0
