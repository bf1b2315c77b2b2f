#!/bin/sh
# Builds pathways twice (optimised, and with AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs every test in both builds.
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
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
echo "== release tests"
ctest --test-dir build --output-on-failure -j "$jobs" || status=1

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPW_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== sanitizer tests (all but those labelled slow)"
# Leak checks stay on; a report aborts the test that leaked.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow || status=1

if [ "$status" -eq 0 ]; then
    echo "pathways: every test passed in the release and sanitizer builds"
else
    echo "pathways: some tests FAILED (see above)"
fi
exit "$status"
