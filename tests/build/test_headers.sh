# Each public header (include/pathways/*.h) compiles on its own, as C and
# as C++, with -Wall -Wextra -Werror -pedantic, and pulls in no jansson or
# GSL header: a program built against libpathways needs neither.
# env PW_SRC.
set -u
: "${PW_SRC:?PW_SRC}"
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for h in "$PW_SRC"/include/pathways/*.h; do
    name=pathways/$(basename "$h")
    printf '#include "%s"\nint pw_header_test_%s;\n' "$name" "$n" > "$tmp/t.c"
    cp "$tmp/t.c" "$tmp/t.cpp"
    n=$((n + 1))
    for std in c99 c17; do
        if ! $cc -std=$std -Wall -Wextra -Werror -pedantic -I"$PW_SRC/include" \
             -fsyntax-only "$tmp/t.c" 2> "$tmp/err"; then
            echo "FAIL: $name does not compile alone as C ($std):" >&2; cat "$tmp/err" >&2; fail=1
        fi
    done
    if ! $cxx -std=c++11 -Wall -Wextra -Werror -pedantic -I"$PW_SRC/include" \
         -fsyntax-only "$tmp/t.cpp" 2> "$tmp/err"; then
        echo "FAIL: $name does not compile alone as C++:" >&2; cat "$tmp/err" >&2; fail=1
    fi
    # Every header it reads, by path: none may be jansson's or GSL's.
    $cc -std=c17 -I"$PW_SRC/include" -M "$tmp/t.c" > "$tmp/deps" 2>&1
    if grep -Eq 'jansson|/gsl/' "$tmp/deps"; then
        echo "FAIL: $name includes jansson or GSL:" >&2
        tr ' ' '\n' < "$tmp/deps" | grep -E 'jansson|/gsl/' >&2; fail=1
    fi
    # C linkage: a C++ program must see the declarations as extern "C".
    if ! grep -q 'PW_BEGIN_DECLS' "$h" && [ "$(basename "$h")" != export.h ]; then
        echo "FAIL: $name has no PW_BEGIN_DECLS (extern \"C\")" >&2; fail=1
    fi
done
[ "$n" -ge 7 ] || { echo "FAIL: only $n public headers found" >&2; fail=1; }
[ $fail -eq 0 ] && echo "ok: $n public headers compile alone as C99, C17 and C++11, without jansson or GSL"
exit $fail
