#!/bin/sh
# MPI build only: `pathways run` and `pathways run --sweep` give byte-
# identical output files on 1, 2 and 3 ranks, the same as without mpirun
# and as the build without MPI (PW_REF_BIN, when set); the (setting, run)
# tasks really are spread (rank 0 says so); a failure under mpirun exits
# non-zero promptly. Like tests/calib/test_mpi.sh.
set -eu
: "${PW_BIN:?}"
: "${PW_MPIEXEC:=mpirun}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# As root OpenMPI wants --allow-run-as-root; --oversubscribe lets 3 ranks
# share 2 cores; shared memory and self are the only transports one
# machine needs. `timeout` turns a hang into a failure.
mpi() {
    np=$1
    shift
    # -k: a launcher that hangs on TERM is killed (exit 137), not waited on.
    timeout -k 10 300 "$PW_MPIEXEC" --allow-run-as-root --oversubscribe --bind-to none \
        --mca btl self,vader -np "$np" "$@"
}

# The record's creation time (summary.json, report.html) is fixed, as
# reproducible builds do, so that the runs compare byte for byte.
export SOURCE_DATE_EPOCH=1700000000

# The files of one output folder, compared byte for byte. With a fourth
# argument the two folders come from different builds, so the fields that
# name the program (its build type, say) are left out of summary.json and
# report.html.
same_dir() { # DIR_A DIR_B WHAT [cross]
    cross=${4:-}
    for f in $(cd "$1" && ls); do
        if [ -d "$1/$f" ]; then # inputs/: the copies of the files read
            diff -r -q "$1/$f" "$2/$f" > /dev/null || fail "$3: $f/ differs"
            continue
        fi
        if [ "$f" = summary.json ]; then # its command line names its own --out
            python3 -c 'import json,sys
a,b=(json.load(open(p)) for p in sys.argv[1:3])
for x in (a,b):
    x.get("provenance",{}).pop("command_line",None)
    if sys.argv[3]: x.get("provenance",{}).pop("program",None)
sys.exit(a!=b)' "$1/$f" "$2/$f" "$cross" || fail "$3: $f differs"
            continue
        fi
        if [ "$f" = report.html ] && [ -n "$cross" ]; then
            prog='s|<dt>Program</dt><dd>[^<]*</dd>||'
            sed "$prog" "$1/$f" > "$T/a.html"
            sed "$prog" "$2/$f" > "$T/b.html"
            cmp -s "$T/a.html" "$T/b.html" || fail "$3: $f differs
$(diff "$T/a.html" "$T/b.html" | head -5)"
            continue
        fi
        cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs
$(diff "$1/$f" "$2/$f" | head -5)"
    done
    [ "$(cd "$1" && ls)" = "$(cd "$2" && ls)" ] || fail "$3: different files"
}

# 5 runs over 2 or 3 ranks: blocks of uneven size, and with a posterior
# (the shipped one) so that each run's parameter row matters.
COMMON="run --scale 0.002 --years 2 --regime kz-current,hybrid,portugal --threads 2 --seed 7"
RUN="$COMMON --runs 5"
printf 'grid:\n  treatment.compulsory_beds_per_100k: [5, 30]\n  police.use_detection_rate: [0.002, 0.004, 0.006]\n' \
    > "$T/grid.yaml"
SWEEP="$COMMON --runs 2 --sweep $T/grid.yaml"

for np in 1 2 3; do
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $RUN --out "$T/r$np" > "$T/r$np.out" 2> "$T/r$np.err" ||
        fail "run -np $np: $(cat "$T/r$np.err")"
    # shellcheck disable=SC2086
    mpi "$np" "$PW_BIN" $SWEEP --out "$T/s$np" > "$T/s$np.out" 2> "$T/s$np.err" ||
        fail "sweep -np $np: $(cat "$T/s$np.err")"
done
[ -s "$T/r1/summary.json" ] && [ -s "$T/r1/report.html" ] || fail "run wrote no files"
[ -s "$T/s1/sweep.csv" ] || fail "sweep wrote no sweep.csv"
sed "s|$T/r1|DIR|g" "$T/r1.out" > "$T/r1.dir"
sed "s|$T/s1|DIR|g" "$T/s1.out" > "$T/s1.dir"
for np in 2 3; do
    same_dir "$T/r1" "$T/r$np" "run on $np ranks"
    same_dir "$T/s1" "$T/s$np" "sweep on $np ranks"
    # The table comes once, from rank 0: the same but for the folder's name.
    sed "s|$T/r$np|DIR|g" "$T/r$np.out" | cmp -s - "$T/r1.dir" || fail "run's table on $np ranks differs"
    sed "s|$T/s$np|DIR|g" "$T/s$np.out" | cmp -s - "$T/s1.dir" || fail "sweep's table on $np ranks differs"
done
grep -q "on 3 MPI ranks" "$T/r3.err" || fail "run did not run on 3 ranks: $(cat "$T/r3.err")"

# Without mpirun the MPI build is one process and agrees.
# shellcheck disable=SC2086
"$PW_BIN" $RUN --out "$T/r0" > /dev/null 2>&1 || fail "run without mpirun"
same_dir "$T/r1" "$T/r0" "run without mpirun"

# The build without MPI agrees byte for byte.
if [ -n "${PW_REF_BIN:-}" ]; then
    [ -x "$PW_REF_BIN" ] || fail "PW_REF_BIN=$PW_REF_BIN is not a program"
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $RUN --out "$T/rref" > /dev/null 2>&1 || fail "reference run"
    same_dir "$T/rref" "$T/r2" "run, MPI build vs build without MPI" cross
    # shellcheck disable=SC2086
    "$PW_REF_BIN" $SWEEP --out "$T/sref" > /dev/null 2>&1 || fail "reference sweep"
    same_dir "$T/sref" "$T/s3" "sweep, MPI build vs build without MPI" cross
else
    echo "note: PW_REF_BIN unset, not compared with a build without MPI"
fi

# A bad sweep file on every rank: non-zero, the located message once, no
# output, no hang.
printf 'grid:\n  no.such: [1]\n' > "$T/bad.yaml"
set +e
# shellcheck disable=SC2086
mpi 3 "$PW_BIN" $RUN --sweep "$T/bad.yaml" --out "$T/bad" > /dev/null 2> "$T/bad.err"
st=$?
set -e
[ "$st" -ne 0 ] || fail "bad sweep accepted under mpirun"
[ "$st" -ne 124 ] && [ "$st" -ne 137 ] || fail "mpirun hung on a bad sweep"
grep -q "bad.yaml:2: field 'no.such'" "$T/bad.err" || fail "error lacks file:line: $(cat "$T/bad.err")"
[ ! -e "$T/bad" ] || fail "output written for a bad sweep"

# Rank 0 alone cannot write (a file is in the way) after every rank ran.
: > "$T/blocker"
set +e
# shellcheck disable=SC2086
mpi 2 "$PW_BIN" $RUN --out "$T/blocker/out" > /dev/null 2> "$T/w.err"
st=$?
set -e
[ "$st" -ne 0 ] || fail "unwritable output accepted under mpirun"
[ "$st" -ne 124 ] && [ "$st" -ne 137 ] || fail "mpirun hung when rank 0 alone failed"
grep -q "cannot create directory" "$T/w.err" || fail "rank 0's error is not shown: $(cat "$T/w.err")"
exit 0
