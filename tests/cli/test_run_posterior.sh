#!/bin/sh
# A built-in scenario ships calibrated: `pathways run` draws each run's
# parameters from the shipped posterior unless --posterior none is given,
# and an explicit posterior file wins over the shipped one.
set -u
work=$(mktemp -d /tmp/pw_post.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
common="--scale 0.002 --runs 2 --years 2 --regime kz-current --seed 3"

# shellcheck disable=SC2086
"$PW_BIN" run $common --out "$work/default" >"$work/default.out" 2>"$work/default.err" \
    || { echo "FAIL: default run"; cat "$work/default.err"; exit 1; }
grep -q "almaty-posterior.csv ([0-9]* draws" "$work/default.err" \
    || { echo "FAIL: the default run does not say it uses the shipped posterior"; fail=1; }
# shellcheck disable=SC2086
"$PW_BIN" run $common --posterior none --out "$work/none" >/dev/null 2>"$work/none.err" \
    || { echo "FAIL: --posterior none"; exit 1; }
grep -q "posterior" "$work/none.err" && { echo "FAIL: --posterior none still draws"; fail=1; }
cmp -s "$work/default/summary.json" "$work/none/summary.json" \
    && { echo "FAIL: posterior draws changed nothing"; fail=1; }
# The same shipped posterior given as a file gives the same bytes as the default.
"$PW_BIN" run $common --posterior "$PW_SRC/data/targets/almaty-posterior.csv" --quiet \
    --out "$work/file" || { echo "FAIL: --posterior FILE"; exit 1; }
# Only the recorded label of the draws may differ.
python3 - "$work" "$PW_SRC/data/targets/almaty-posterior.csv" <<'PY' \
    || { echo "FAIL: the built-in posterior and its file differ"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1] + "/default/summary.json"))
f = json.load(open(sys.argv[1] + "/file/summary.json"))
ok = d.pop("posterior") == "<built-in>/targets/almaty-posterior.csv" and f.pop("posterior") == sys.argv[2]
# The provenance names each run's own command line, time and the draws'
# origin; the draws themselves are the same bytes (same SHA-256).
pd, pf = d.pop("provenance"), f.pop("provenance")
hd = [i["sha256"] for i in pd["inputs"] if i["role"] == "posterior"]
hf = [i["sha256"] for i in pf["inputs"] if i["role"] == "posterior"]
sys.exit(0 if ok and d == f and hd and hd == hf else 1)
PY
# A scenario given by path has no shipped posterior.
cp "$PW_SRC/data/scenarios/almaty.yaml" "$work/mine.yaml"
# shellcheck disable=SC2086
"$PW_BIN" run $common --scenario "$work/mine.yaml" --out "$work/path" >/dev/null 2>"$work/path.err" \
    || { echo "FAIL: scenario by path"; cat "$work/path.err"; exit 1; }
grep -q "posterior" "$work/path.err" && { echo "FAIL: a scenario file picked up the built-in posterior"; fail=1; }
[ $fail -eq 0 ] && echo "ok: shipped posterior by default, none and FILE honoured"
exit $fail
