#!/bin/sh
# The command line reaches the registry through its public header
# (include/pathways/registry.h) only: no file of src/cli includes a header
# of src/registry, by its name or by a path, so the registry's internals
# can change without the CLI noticing, and the CLI can do nothing a program
# built against libpathways could not.
set -u
SRC=${PW_SRC:?PW_SRC}
fail=0
n=0
for h in "$SRC"/src/registry/*.h; do
    b=$(basename "$h")
    n=$((n + 1))
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?registry/$b[\">]|^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$b\"" \
        "$SRC"/src/cli/*.c "$SRC"/src/cli/*.h 2>/dev/null)
    # A CLI header of the same name is the CLI's own, not the registry's.
    [ -e "$SRC/src/cli/$b" ] && hits=$(echo "$hits" | grep -v "registry/$b" | grep -v '^$' | grep -vE "\"$b\"" )
    if [ -n "$hits" ]; then
        echo "FAIL: the CLI includes the registry's internal $b:"
        echo "$hits" | sed 's/^/  /'
        fail=1
    fi
done
[ "$n" -gt 20 ] || { echo "FAIL: only $n registry headers found under $SRC/src/registry"; fail=1; }
grep -l '#include "pathways/registry.h"' "$SRC"/src/cli/*.c > /dev/null \
    || { echo "FAIL: no CLI file includes pathways/registry.h (the check found nothing real)"; fail=1; }
[ $fail -eq 0 ] && echo "ok: src/cli includes none of the $n headers of src/registry; it uses pathways/registry.h"
exit $fail
