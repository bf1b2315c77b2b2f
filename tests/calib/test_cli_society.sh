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

exit 0
