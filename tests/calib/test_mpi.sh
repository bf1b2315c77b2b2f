#!/bin/sh
# MPI build only: pathways calibrate and pathways sensitivity (Sobol, Morris,
# and a tiny society --versus case) give byte-identical output files on 1, 2
# and 3 ranks, and the same as the build without MPI (PW_REF_BIN, when set);
# ranks other than 0 print nothing; bad input or a failure on rank 0 alone
# makes mpirun exit non-zero promptly instead of hanging.
set -eu
: "${PW_BIN:?}"
: "${PW_MPIEXEC:=mpirun}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# As root OpenMPI wants --allow-run-as-root; --oversubscribe lets 3 ranks
# share 2 cores; shared memory and self are the only transports one
# machine needs, and the sandbox has no network to probe. A run
# never needs more than a minute here: `timeout` turns a hang into a failure.
mpi() {
    np=$1
    shift
    timeout 120 "$PW_MPIEXEC" --allow-run-as-root --oversubscribe --bind-to none \
        --mca btl self,vader -np "$np" "$@"
}

# Timings differ from run to run; everything else must not.
strip_secs() {
    sed -E -e 's/"seconds": [0-9.eE+-]+/"seconds": X/' \
        -e 's/ in [0-9.]+ s/ in X s/' "$1"
}

same() { # same FILE_A FILE_B WHAT
    strip_secs "$1" > "$T/a.cmp"
    strip_secs "$2" > "$T/b.cmp"
    cmp -s "$T/a.cmp" "$T/b.cmp" || fail "$3 differs: $1 vs $2
$(diff "$T/a.cmp" "$T/b.cmp" | head -5)"
}

CAL="calibrate --scenario lhy-us-cocaine --targets us-cocaine --particles 60 --generations 3
     --threads 2 --seed 5"
SOB="sensitivity --scenario lhy-us-cocaine --outcome light_peak_year,users@1992 --samples 32
     --threads 2 --seed 4"
MOR="sensitivity --scenario lhy-us-cocaine --outcome heavy_peak --method morris --samples 8
     --threads 2 --seed 4"
SOC="sensitivity --scenario almaty --regime hybrid --versus kz-current
     --outcome prison_population_end --method morris --samples 2 --scale 0.002 --years 2
     --threads 1"

for np in 1 2 3; do
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $CAL --out "$T/c$np" > "$T/c$np.out" 2> "$T/c$np.err" ||
        fail "calibrate -np $np: $(cat "$T/c$np.err")"
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $SOB --json "$T/s$np.json" > "$T/s$np.out" 2> "$T/s$np.err" || fail "sobol -np $np"
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $MOR --json "$T/m$np.json" > "$T/m$np.out" 2> "$T/m$np.err" || fail "morris -np $np"
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $SOC --json "$T/v$np.json" > "$T/v$np.out" 2> "$T/v$np.err" || fail "versus -np $np"
done
[ "$(wc -l < "$T/c1/posterior.csv")" -eq 61 ] || fail "posterior rows"
grep -q '"total_ci95"' "$T/s1.json" || fail "sobol json"
grep -q '"mu_star"' "$T/m1.json" || fail "morris json"
grep -q '"versus": "kz-current"' "$T/v1.json" || fail "versus json"
for np in 2 3; do
    for f in posterior.csv posterior_weighted.csv fit.json fit.txt; do
        same "$T/c1/$f" "$T/c$np/$f" "calibrate $f on $np ranks"
    done
    # The printed table comes once, from rank 0: same as on one rank.
    same "$T/c1.out" "$T/c$np.out" "calibrate stdout on $np ranks"
    for k in s m v; do
        same "$T/${k}1.json" "$T/$k$np.json" "sensitivity ($k) json on $np ranks"
        same "$T/${k}1.out" "$T/$k$np.out" "sensitivity ($k) output on $np ranks"
    done
done
# The processes formed one job of 3 ranks (not 3 lone copies, which would
# also print three tables).
grep -q "on 3 MPI ranks" "$T/c3.err" || fail "calibrate did not run on 3 ranks: $(cat "$T/c3.err")"

# The build without MPI (one process, plain OpenMP path) agrees byte for byte.
if [ -n "${PW_REF_BIN:-}" ]; then
    [ -x "$PW_REF_BIN" ] || fail "PW_REF_BIN=$PW_REF_BIN is not a program"
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $CAL --out "$T/cref" > /dev/null 2>&1 || fail "reference calibrate"
    for f in posterior.csv posterior_weighted.csv fit.json fit.txt; do
        same "$T/cref/$f" "$T/c2/$f" "calibrate $f, MPI build vs build without MPI"
    done
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $SOB --json "$T/sref.json" > /dev/null 2>&1 || fail "reference sobol"
    same "$T/sref.json" "$T/s2.json" "sobol json, MPI build vs build without MPI"
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $MOR --json "$T/mref.json" > /dev/null 2>&1 || fail "reference morris"
    same "$T/mref.json" "$T/m3.json" "morris json, MPI build vs build without MPI"
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $SOC --json "$T/vref.json" > /dev/null 2>&1 || fail "reference versus"
    same "$T/vref.json" "$T/v2.json" "versus json, MPI build vs build without MPI"
else
    echo "note: PW_REF_BIN unset, not compared with a build without MPI"
fi

# Without mpirun the MPI build is one rank and agrees too.
# shellcheck disable=SC2086
"$PW_BIN" $CAL --out "$T/c0" > /dev/null 2>&1 || fail "calibrate without mpirun"
same "$T/c1/posterior.csv" "$T/c0/posterior.csv" "posterior without mpirun"

# Bad input on every rank: non-zero exit, the located message once, no
# output, and no hang.
printf 'targets:\n  - {name: a, series: users, year: 1985, value: 1, sd: -1, source: x}\n' > "$T/bad.yaml"
start=$(date +%s)
set +e
mpi 3 "$PW_BIN" calibrate --scenario lhy-us-cocaine --targets "$T/bad.yaml" --out "$T/bad" \
    > /dev/null 2> "$T/bad.err"
st=$?
set -e
[ "$st" -ne 0 ] || fail "bad targets accepted under mpirun"
[ "$st" -ne 124 ] || fail "mpirun hung on bad targets"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "mpirun took too long to fail"
grep -q "bad.yaml:2" "$T/bad.err" || fail "error lacks file:line: $(cat "$T/bad.err")"
[ ! -e "$T/bad/posterior.csv" ] || fail "posterior written for bad input"

# A failure on rank 0 alone (its output directory cannot be made: a file is
# in the way) while the other ranks finish: non-zero, promptly.
: > "$T/blocker"
set +e
mpi 2 "$PW_BIN" $CAL --out "$T/blocker/out" > /dev/null 2> "$T/w.err"
st=$?
set -e
[ "$st" -ne 0 ] || fail "unwritable output accepted under mpirun"
[ "$st" -ne 124 ] || fail "mpirun hung when rank 0 alone failed"
grep -q "blocker" "$T/w.err" || fail "write error not reported: $(cat "$T/w.err")"

# A usage error keeps its exit code (2) through mpirun.
set +e
mpi 2 "$PW_BIN" calibrate --scenario lhy-us-cocaine --targets us-cocaine > /dev/null 2>&1
st=$?
set -e
[ "$st" -eq 2 ] || fail "usage error under mpirun exited $st, not 2"
exit 0
