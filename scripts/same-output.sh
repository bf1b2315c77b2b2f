#!/bin/sh
# Checks that a change to the simulator left every output byte as it was:
# runs the same three configurations with an old and a new `pathways` and
# compares timeseries.csv, params.csv, observations.csv, summary.csv and
# summary.json (without its creation time, command line and git commit).
# The configurations: the default run (Almaty, all regimes); Kazakhstan at
# 1% (2 runs, kz-current, 2 threads); Kazakhstan at 0.5% (every regime,
# 1 thread).
#
#   sh scripts/same-output.sh OLD_PATHWAYS NEW_PATHWAYS [WORKDIR]
#
# The old build's outputs are kept in WORKDIR/old and reused when they are
# there already (delete them to regenerate). Exit 0 when all are the same.
set -eu
old=$1
new=$2
dir=${3:-same-output}
mkdir -p "$dir"

run_all() { # binary, where
    [ -f "$2/kz05/summary.json" ] && return 0
    "$1" run -q --out "$2/almaty" >/dev/null
    "$1" run -q --scenario kazakhstan --scale 0.01 --runs 2 --regime kz-current \
        --threads 2 --out "$2/kz1" >/dev/null
    "$1" run -q --scenario kazakhstan --scale 0.005 --threads 1 --out "$2/kz05" >/dev/null
}

# summary.json without what differs between any two runs of the same build
strip_json() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d.get("provenance", {})
for k in ("command_line", "created"):
    p.pop(k, None)
p.get("program", {}).pop("git_describe", None)
json.dump(d, sys.stdout, indent=1, sort_keys=True)
' "$1"
}

run_all "$old" "$dir/old"
rm -rf "$dir/new"
run_all "$new" "$dir/new"
status=0
for c in almaty kz1 kz05; do
    for f in timeseries.csv params.csv observations.csv summary.csv; do
        if ! cmp -s "$dir/old/$c/$f" "$dir/new/$c/$f"; then
            echo "DIFFERENT: $c/$f"
            status=1
        fi
    done
    strip_json "$dir/old/$c/summary.json" >"$dir/old-$c.json"
    strip_json "$dir/new/$c/summary.json" >"$dir/new-$c.json"
    if ! cmp -s "$dir/old-$c.json" "$dir/new-$c.json"; then
        echo "DIFFERENT: $c/summary.json"
        status=1
    fi
done
[ $status -eq 0 ] && echo "same output: almaty, kazakhstan 1%, kazakhstan 0.5%"
exit $status
