#!/bin/sh
# Builds pathways optimised and runs every benchmark, one after another, so
# that none competes with another for the two cores. Each benchmark prints
# its own figures; this script keeps a copy of all of them in
# bench/out/benchmarks.txt. Nothing here passes or fails on speed.
#
#   sh bench/run-all.sh            # everything (about 5 minutes here)
#   sh bench/run-all.sh engine sim # only some: engine sim calib calib-mpi run-mpi import report http contention
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
mkdir -p bench/out
out=bench/out/benchmarks.txt
which=${*:-engine sim calib calib-mpi run-mpi import report http contention}
{
    echo "pathways benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
for b in $which; do
    echo "== $b" | tee -a "$out"
    case $b in
    engine) ./build/bench/bench_engine ;;
    sim) ./build/bench/bench_sim ;;
    calib) ./build/bench/bench_calib && ./build/bench/bench_mf_society ;;
    calib-mpi) sh bench/bench_calib_mpi.sh ;;
    run-mpi) sh bench/bench_run_mpi.sh ;;
    import) ./build/bench/bench_registry_import ;;
    report) ./build/bench/bench_registry_report ;;
    http) ./build/bench/bench_http ;;
    contention) sh bench/bench_http_during_import.sh build/pathways ;;
    *) echo "unknown benchmark: $b" >&2; exit 2 ;;
    esac 2>&1 | tee -a "$out"
done
echo "figures saved in $out"
