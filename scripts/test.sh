#!/bin/sh
# Builds pathways twice (optimised with MPI, and with AddressSanitizer +
# UndefinedBehaviorSanitizer without MPI) and runs every test in both
# builds. The release build's MPI tests (label mpi) run last, under
# mpirun, and compare their output with the sanitizer build's, so the
# program with MPI and the one without are checked against each other.
# Installs the Debian packages it needs first. Exit status: 0 only if every
# test passed in both builds.
#
#   sh scripts/test.sh            # everything
#   PW_JOBS=4 sh scripts/test.sh  # more parallel build jobs
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
jobs=${PW_JOBS:-$(nproc)}
status=0

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_WITH_MPI=ON -DPW_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== release tests (without mpirun: one rank)"
ctest --test-dir build --output-on-failure -j "$jobs" -LE mpi || status=1

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPW_SANITIZE=ON -DPW_WITH_MPI=OFF -DPW_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== sanitizer tests (all but those labelled slow)"
# Leak checks stay on; a report aborts the test that leaked.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow || status=1

echo "== MPI tests (release build under mpirun; reference: the build without MPI)"
# One at a time: each already starts up to 3 ranks on the shared cores.
PW_REF_BIN="$PWD/build-asan/pathways" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build --output-on-failure -L mpi || status=1

if [ "$status" -eq 0 ]; then
    echo "pathways: every test passed in the release and sanitizer builds"
else
    echo "pathways: some tests FAILED (see above)"
fi
exit "$status"
