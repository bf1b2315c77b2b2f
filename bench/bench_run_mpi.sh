#!/bin/sh
# Speed-up of `pathways run --sweep` over MPI ranks: the same sweep (a
# grid of 4 settings x 5 regimes x 6 runs of Almaty at --scale 0.01, 5
# years) on 1 and 2 ranks, each rank on 1 OpenMP thread, wall time and
# speed-up; the output files are checked to be the same bytes. This
# machine has 2 cores, so 2 ranks is the most that can show a gain here;
# on a cluster, see docs/cluster.md. Nothing here passes or fails on speed.
#
#   sh bench/bench_run_mpi.sh
#   PW_ROUNDS=3 sh bench/bench_run_mpi.sh   # alternate 1 and 2 ranks 3 times,
#                                           # to see through a shared machine
set -eu
cd "$(dirname "$0")/.."
b=${PW_BUILD:-build-mpi}
cmake -S . -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_WITH_MPI=ON >/dev/null
cmake --build "$b" -j "$(nproc)" --target pathways >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf 'grid:\n  treatment.compulsory_beds_per_100k: [5, 30]\n  police.use_detection_rate: [0.002, 0.006]\n' \
    > "$T/grid.yaml"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
now() { date +%s.%N; }
round=1
while [ "$round" -le "${PW_ROUNDS:-1}" ]; do
    for np in 1 2; do
        t0=$(now)
        mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader \
            -np "$np" "$b/pathways" run --sweep "$T/grid.yaml" --scale 0.01 --years 5 --runs 6 \
            --threads 1 --quiet --out "$T/np$np" 2>/dev/null
        t1=$(now)
        secs=$(echo "$t1 - $t0" | bc -l)
        eval "s$np=$secs"
        printf 'round %d: %d rank(s) x 1 thread: %.1f s\n' "$round" "$np" "$secs"
    done
    cmp -s "$T/np1/sweep.csv" "$T/np2/sweep.csv" || { echo "sweep.csv differs between 1 and 2 ranks" >&2; exit 1; }
    # shellcheck disable=SC2154
    printf 'round %d: speed-up on 2 ranks: %.2f (the same bytes)\n' "$round" "$(echo "$s1 / $s2" | bc -l)"
    round=$((round + 1))
done
