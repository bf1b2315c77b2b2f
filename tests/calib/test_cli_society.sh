#!/bin/sh
# pathways calibrate and sensitivity on a society scenario, through the
# agent-based engine at a tiny scale: the posterior is accepted by
# `pathways run --posterior`, and sensitivity analyses the difference
# between two regimes. Labelled slow: ~5 s here, several times that
# under the sanitizers.
set -eu
: "${PW_BIN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PW_BIN" calibrate --scenario almaty --targets almaty --particles 20 --generations 2 \
    --scale 0.002 --threads 2 --out "$T/alm" > /dev/null 2>&1 || fail "almaty calibrate"
head -1 "$T/alm/posterior.csv" | grep -q 'initiation.peer_mean' || fail "almaty posterior header"
grep -q '"covered"' "$T/alm/fit.json" || fail "almaty fit"
"$PW_BIN" run --scenario almaty --regime kz-current --scale 0.002 --runs 2 --years 2 \
    --posterior "$T/alm/posterior.csv" > /dev/null 2>&1 || fail "run --posterior rejects our posterior"
"$PW_BIN" sensitivity --scenario almaty --regime hybrid --versus kz-current \
    --outcome prison_population_end --method morris --samples 2 --scale 0.002 --years 2 \
    --json "$T/v.json" > /dev/null || fail "sensitivity --versus"
grep -q '"versus": "kz-current"' "$T/v.json" || fail "versus not recorded"

# --until: the runs go on past the last target year so that the bands judge
# the later years too. A scenario whose only binding band starts in 2030
# fits without it and rejects every particle with it (the inherited bands
# are widened so that only the late one can bind).
cat > "$T/late.yaml" <<'Y'
name: late-band
extends: almaty
bands:
  - {name: hiv_among_pwid, series: hiv_pwid, per: pwid, lo: 0, hi: 1, source: "test"}
  - {name: acquisitive_crimes_per_1000, series: acquisitive_crimes, per: population, times: 1000, lo: 0, hi: 1000000, source: "test"}
  - {name: pwud_share, series: pwud, per: population, lo: 0, hi: 1, source: "test"}
  - {name: pwid_observed, series: pwid, lo: 0, hi: 1000000000, source: "test"}
  - {name: drug_crimes_observed, series: drug_crimes, lo: 0, hi: 1000000000, source: "test"}
  - {name: late_impossible, series: pwud, lo: 1000000000, hi: 2000000000, from: 2030, source: "test"}
Y
"$PW_BIN" calibrate --scenario "$T/late.yaml" --targets almaty --particles 20 --generations 1 \
    --max-sims 100 --scale 0.002 --threads 2 --out "$T/l1" > /dev/null 2>&1 || fail "late band binds without --until"
grep -q '"simulated_until": 2025' "$T/l1/fit.json" || fail "fit.json lacks simulated_until 2025"
rc=0
"$PW_BIN" calibrate --scenario "$T/late.yaml" --targets almaty --particles 20 --generations 1 \
    --max-sims 100 --scale 0.002 --threads 2 --until 2031 --out "$T/l2" > /dev/null 2> "$T/l2.err" || rc=$?
[ "$rc" -ne 0 ] || fail "--until 2031 accepted particles that leave the 2030 band"
grep -q "budget too small" "$T/l2.err" || fail "--until 2031: $(cat "$T/l2.err")"
[ ! -e "$T/l2/posterior.csv" ] || fail "a failed fit left a posterior behind"
rc=0
"$PW_BIN" calibrate --targets almaty --until 2020 --out "$T/l3" > /dev/null 2> "$T/l3.err" || rc=$?
[ "$rc" -eq 2 ] || fail "--until before the last target year: exit $rc"
grep -q "before the latest target year (2025)" "$T/l3.err" || fail "--until 2020: $(cat "$T/l3.err")"

# --base with --params: a fit of one parameter on top of the first fit's
# posterior. Each particle takes a whole base row, so every column of the
# base reaches posterior.csv and each row's other values are one base row
# (the fitted parameter replaced); `run --posterior` reads the result.
# (At this scale chance alone takes most runs outside a band: ~5% are kept.)
"$PW_BIN" calibrate --scenario almaty --targets almaty --particles 20 --generations 1 \
    --max-sims 2000 --scale 0.002 --threads 2 --base "$T/alm/posterior.csv" \
    --params police.use_detection_rate --out "$T/cut" > /dev/null 2>&1 || fail "calibrate --base"
head -1 "$T/cut/posterior.csv" | tr ',' '\n' | sort > "$T/cut.h"
head -1 "$T/alm/posterior.csv" | tr ',' '\n' | sort > "$T/alm.h"
cmp -s "$T/cut.h" "$T/alm.h" || fail "--base posterior's columns differ from the base's: $(head -1 "$T/cut/posterior.csv")"
grep -q '"base_rows_kept"' "$T/cut/fit.json" || fail "fit.json lacks base_rows_kept"
# Every row, less the fitted column, is a row of the base (same order of
# the other columns: the base's, then the fitted one last).
col=$(head -1 "$T/alm/posterior.csv" | tr ',' '\n' | grep -n '^police.use_detection_rate$' | cut -d: -f1)
cut -d, -f"$col" --complement "$T/alm/posterior.csv" | tail -n +2 | sort -u > "$T/alm.rows"
n=$(head -1 "$T/cut/posterior.csv" | tr ',' '\n' | wc -l)
cut -d, -f"$n" --complement "$T/cut/posterior.csv" | tail -n +2 | sort -u > "$T/cut.rows"
[ -s "$T/cut.rows" ] || fail "--base posterior has no rows"
[ -z "$(comm -23 "$T/cut.rows" "$T/alm.rows")" ] || fail "a --base posterior row is not a base row"
"$PW_BIN" run --scenario almaty --regime kz-current --scale 0.002 --runs 2 --years 2 \
    --posterior "$T/cut/posterior.csv" > /dev/null 2>&1 || fail "run --posterior rejects the --base posterior"
# --base prior: the parameters not fitted come from rows drawn from their
# priors, so posterior.csv has every parameter with a prior, each inside
# its prior's range, and they vary from row to row (not the scenario's
# values). (Its bands are widened, as late.yaml's less the late one: at
# this scale chance alone takes nearly every prior row outside almaty's.)
grep -v late_impossible "$T/late.yaml" > "$T/wide.yaml"
"$PW_BIN" calibrate --scenario "$T/wide.yaml" --targets almaty --particles 20 --generations 1 \
    --max-sims 2000 --scale 0.002 --threads 2 --base prior \
    --params police.use_detection_rate --out "$T/pb" > /dev/null 2>&1 || fail "calibrate --base prior"
head -1 "$T/pb/posterior.csv" | tr ',' '\n' | sort > "$T/pb.h"
cmp -s "$T/pb.h" "$T/alm.h" || fail "--base prior's columns are not the parameters with a prior"
"$PW_BIN" params --scenario almaty --format csv > "$T/params.csv"
awk -F, 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) h[$i] = i; next }
                     lo[$h["name"]] = $h["prior_lo"]; hi[$h["name"]] = $h["prior_hi"]; next }
         FNR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; next }
         { for (i = 1; i <= NF; i++) {
               if ($i + 0 < lo[col[i]] + 0 || $i + 0 > hi[col[i]] + 0) { print col[i], $i; bad = 1 }
               seen[i, $i] = 1 } }
         END { exit bad }' "$T/params.csv" "$T/pb/posterior.csv" > "$T/pb.out" \
    || fail "--base prior: values outside their prior: $(head -3 "$T/pb.out")"
col=$(head -1 "$T/pb/posterior.csv" | tr ',' '\n' | grep -n '^initiation.peer_mean$' | cut -d: -f1)
[ "$(cut -d, -f"$col" "$T/pb/posterior.csv" | tail -n +2 | sort -u | wc -l)" -gt 1 ] \
    || fail "--base prior: initiation.peer_mean does not vary between rows"
# Refused fits: `refused NAME MESSAGE WHAT ARGS...` runs calibrate ARGS
# --out $T/NAME, which must exit 1 with MESSAGE (a grep pattern) on stderr.
refused() {
    name=$1 msg=$2 what=$3
    shift 3
    rc=0
    "$PW_BIN" calibrate "$@" --out "$T/$name" > /dev/null 2> "$T/$name.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit $rc"
    grep -q "$msg" "$T/$name.err" || fail "$what: $(cat "$T/$name.err")"
}
printf 'initiation.peer_mean,no.such\n1,2\n' > "$T/bad.csv"
refused b1 "bad.csv:1: field 'no.such': not a parameter of scenario almaty" \
    "--base with an unknown column" \
    --targets almaty --base "$T/bad.csv" --params police.use_detection_rate
[ ! -e "$T/b1" ] || fail "a refused fit left its directory"
printf 'initiation.peer_mean\n0.5\n-1\n' > "$T/neg.csv"
refused b3 "neg.csv:3: field 'initiation.peer_mean': -1 is outside the allowed range" \
    "--base with a value out of range" \
    --targets almaty --base "$T/neg.csv" --params police.use_detection_rate
# A ratio target whose denominator is not a series is the targets file's
# error, at its line and field, before anything is simulated.
printf 'targets:\n  - {name: a, series: hiv_pwid, per: pwidd, year: 2015, value: 0.1, sd: 0.01, source: x}\n' \
    > "$T/badper.yaml"
refused bp "badper.yaml:2: field 'per': 'pwidd' is not a column" \
    "a targets file with an unknown per" --targets "$T/badper.yaml"
[ ! -e "$T/bp" ] || fail "a refused targets file left an output directory"
refused b2 "'police.no_such_rate' is not a parameter with a prior" \
    "--params with an unknown name" --targets almaty --params police.no_such_rate

exit 0
