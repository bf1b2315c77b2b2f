# `cmake --install` gives a library others can build against: installs the
# build tree into a temporary prefix, then builds tests/build/consumer/main.c
# against it with pkg-config (as C and as C++) and with CMake's find_package(pathways),
# and runs both (they decide a case and read a scenario through
# libpathways.so).
# env PW_BUILD, PW_SRC.
set -u
: "${PW_BUILD:?PW_BUILD}" "${PW_SRC:?PW_SRC}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pre="$tmp/prefix"
cmake --install "$PW_BUILD" --prefix "$pre" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install"; }
libdir=$(ls -d "$pre"/lib* | head -1)
for f in "$libdir/pkgconfig/pathways.pc" "$libdir/cmake/pathways/pathwaysConfig.cmake" \
         "$pre/include/pathways/export.h" "$pre/include/pathways/sim.h"; do
    [ -f "$f" ] || fail "not installed: $f"
done
[ -e "$pre/include/pathways/engine_json.h" ] && fail "an internal header was installed"
ls "$libdir"/libpathways.so.* > /dev/null 2>&1 || fail "libpathways.so.* not installed"
check_run() {
    out=$(LD_LIBRARY_PATH="$libdir" "$1" 2>&1) || { echo "$out" >&2; fail "$2: the consumer failed"; }
    echo "$out" | grep -q '"disposition"' || { echo "$out" >&2; fail "$2: no decision"; }
    echo "$out" | grep -q '^refused: evnt$' || { echo "$out" >&2; fail "$2: bad field not named"; }
    echo "$out" | grep -q '^scenario almaty: ' || { echo "$out" >&2; fail "$2: no scenario"; }
}
# 1. pkg-config (the .pc file must point into the prefix it was installed to)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --variable=prefix pathways)" = "$pre" ] || fail "pathways.pc prefix is not $pre"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -pedantic -o "$tmp/consumer_pc" "$PW_SRC/tests/build/consumer/main.c" \
    $(pkg-config --cflags --libs pathways) || fail "build with pkg-config"
check_run "$tmp/consumer_pc" pkg-config
# The same program as C++: it links only if the headers give C linkage.
# shellcheck disable=SC2046
c++ -std=c++11 -Wall -Wextra -Werror -x c++ -o "$tmp/consumer_cxx" "$PW_SRC/tests/build/consumer/main.c" \
    -x none $(pkg-config --cflags --libs pathways) || fail "build as C++ with pkg-config"
check_run "$tmp/consumer_cxx" "pkg-config, C++"
# 2. find_package(pathways)
cmake -S "$PW_SRC/tests/build/consumer" -B "$tmp/cb" -DCMAKE_PREFIX_PATH="$pre" \
      > "$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "find_package configure"; }
cmake --build "$tmp/cb" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "find_package build"; }
check_run "$tmp/cb/consumer" find_package
# The program needs nothing from the build tree: it names the SONAME.
readelf -d "$tmp/cb/consumer" | grep -q 'NEEDED.*libpathways\.so\.' || fail "consumer does not need libpathways.so.N"
# The Python package installed beside it finds this library, not the build tree's.
if command -v /usr/bin/python3 > /dev/null; then
    got=$(env -u PATHWAYS_LIBRARY PYTHONPATH="$pre/share/pathways/python" /usr/bin/python3 -c \
          'import pathways; print(pathways.library_path()); print(pathways.assess({"age": 30, "event": "use", "substances": [{"substance": "heroin", "dsm5_criteria": 2}]}, "portugal")["disposition"])') ||
        fail "the installed Python package"
    case "$got" in "$libdir"/*) ;; *) fail "the installed Python package loaded '$got', not from $libdir" ;; esac
fi
echo "ok: installed into a prefix; built and ran a program with pkg-config and with find_package"
