#!/bin/sh
# pathways run from the command line: help, a small run writing the three
# files, byte-identical output for --threads 1 and 2, bad input refused
# with file, line and key, posterior draws.
set -eu
B="$PW_BIN"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$B" run --help | grep -q -- "--scenario" || fail "help"
"$B" run --bogus 2>/dev/null && fail "unknown option accepted"
set +e
"$B" run --scale 2 2>/dev/null; [ $? -eq 2 ] || fail "--scale 2 must be a usage error"
set -e

"$B" run --scale 0.005 --runs 2 --years 2 --threads 1 --out "$T/a" > "$T/table.txt" 2>/dev/null
for f in summary.json summary.csv timeseries.csv; do
  [ -s "$T/a/$f" ] || fail "missing $f"
done
grep -q "Difference from kz-current" "$T/table.txt" || fail "table"
# The table says how its figures were made: the share simulated and where
# the parameters came from (the shipped posterior by default).
grep -q "^0.5% of the people simulated, figures scaled to the whole population$" "$T/table.txt" \
  || fail "table does not state the scale"
grep -q "^parameters: a draw per run from .*almaty-posterior.csv$" "$T/table.txt" \
  || fail "table does not name the posterior"
"$B" run --posterior none --scale 1 --regime hybrid --runs 1 --years 1 --out "$T/pn" > "$T/pn.txt" 2>/dev/null
grep -q "^parameters: the scenario's point values$" "$T/pn.txt" || fail "point values not stated"
grep -q "of the people simulated" "$T/pn.txt" && fail "whole population reported as scaled"
grep -q '"pwud_end"' "$T/a/summary.json" || fail "summary.json metrics"
"$B" run --scale 0.005 --runs 2 --years 2 --threads 2 --out "$T/b" --quiet
for f in summary.csv timeseries.csv params.csv; do
  cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between --threads 1 and 2"
done
# summary.json records how it was made: its command line, creation time
# and thread count differ, nothing else.
for d in a b; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["provenance"]
for k in ("command_line","created","threads"): p.pop(k)
print(json.dumps(d))' "$T/$d/summary.json" > "$T/$d.json"
done
cmp -s "$T/a.json" "$T/b.json" || fail "summary.json differs between --threads 1 and 2"
ls "$T/a" | grep -q tmp && fail "temporary file left behind"

# A scenario file with an error: file, line and key on stderr, exit 1.
printf 'extends: almaty\nparameters:\n  use.light_quit_rate: {value: 0.2, source: x}\n  crime.bogus_rate: {value: 1, source: x}\n' > "$T/bad.yaml"
set +e
"$B" run --scenario "$T/bad.yaml" --scale 0.005 --runs 1 --years 1 --out "$T/c" 2> "$T/err.txt"
rc=$?
set -e
[ $rc -eq 1 ] || fail "bad scenario exit $rc"
grep -q "bad.yaml:4" "$T/err.txt" || fail "no file:line in: $(cat "$T/err.txt")"
grep -q "crime.bogus_rate" "$T/err.txt" || fail "no key in: $(cat "$T/err.txt")"
[ -e "$T/c/summary.json" ] && fail "output written for a bad scenario"

# Unknown regime.
set +e
"$B" run --regime nosuch --scale 0.005 --runs 1 --years 1 --out "$T/d" 2>/dev/null
[ $? -ne 0 ] || fail "unknown regime accepted"
set -e

# Posterior draws: run r uses row r mod n; a bad header names the column.
printf 'initiation.peer_mean,use.remission_rate_opioids\n1.0,0.1\n2.0,0.2\n' > "$T/post.csv"
"$B" run --posterior "$T/post.csv" --regime kz-current --scale 0.005 --runs 2 --years 2 --out "$T/e" --quiet
printf 'initiation.peer_mean,nope\n1,2\n' > "$T/post2.csv"
set +e
"$B" run --posterior "$T/post2.csv" --regime kz-current --scale 0.005 --runs 1 --years 1 --out "$T/f" 2> "$T/err2.txt"
[ $? -eq 1 ] || fail "bad posterior accepted"
set -e
grep -q "nope" "$T/err2.txt" || fail "posterior error does not name the column"
echo "ok"
