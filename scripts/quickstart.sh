#!/bin/sh
# Installs what pathways needs, builds it, and runs the main job on the
# built-in default: Almaty, all five regimes, 20 years, compared side by
# side. Results go to ./pathways-out/ (summary.json, summary.csv,
# timeseries.csv); the comparison table is printed. Extra arguments are
# passed to `pathways run` (e.g. --scenario kazakhstan --regime hybrid).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
exec ./build/pathways run "$@"
