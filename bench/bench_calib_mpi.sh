#!/bin/sh
# Simulations per second of the calibrate/sensitivity workloads of
# bench_calib on 1 and 2 MPI ranks x 1 and 2 OpenMP threads per rank.
# Builds bench_calib with MPI in build/ (or $PW_BUILD). Prints figures;
# nothing here passes or fails on speed.
#
#   sh bench/bench_calib_mpi.sh
#   PW_ROUNDS=3 sh bench/bench_calib_mpi.sh   # the grid 3 times, alternating,
#                                             # to see through a shared machine
set -eu
cd "$(dirname "$0")/.."
b=${PW_BUILD:-build}
cmake -S . -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_WITH_MPI=ON >/dev/null
cmake --build "$b" -j "$(nproc)" --target bench_calib >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
# --bind-to none: each rank may use any core, as its OpenMP threads expect.
round=1
while [ "$round" -le "${PW_ROUNDS:-1}" ]; do
    for np in 1 2; do
        for t in 1 2; do
            echo "== round $round: $np rank(s) x $t thread(s), load $(cut -d' ' -f1 /proc/loadavg)"
            mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader \
                -np "$np" "$b/bench/bench_calib" "$t"
        done
    done
    round=$((round + 1))
done
