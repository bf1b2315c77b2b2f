# libpathways.so exports exactly the public API: every dynamic symbol it
# defines starts with pw_ (none with pwi_, none of the helpers in src/),
# every function the public headers declare is among them, and its SONAME
# carries the version of the headers (PW_VERSION in pathways/core.h).
# env PW_BUILD, PW_SRC.
set -u
: "${PW_BUILD:?PW_BUILD}" "${PW_SRC:?PW_SRC}"
lib=$(ls "$PW_BUILD"/lib/libpathways.so.*.*.* 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "FAIL: no $PW_BUILD/lib/libpathways.so.X.Y.Z" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u > "$tmp/exported"
total=$(wc -l < "$tmp/exported")
grep -v '^pw_' "$tmp/exported" > "$tmp/bad"
grep '^pwi_' "$tmp/exported" >> "$tmp/bad"
if [ -s "$tmp/bad" ]; then
    echo "FAIL: libpathways.so exports symbols outside the public API:" >&2
    head -20 "$tmp/bad" >&2; fail=1
fi
# The functions the public headers declare (preprocessed: no comments;
# names of function-pointer types, "(*pw_x)", are not functions).
for h in "$PW_SRC"/include/pathways/*.h; do echo "#include \"pathways/$(basename "$h")\""; done > "$tmp/all.c"
cc -E -P -I"$PW_SRC/include" "$tmp/all.c" > "$tmp/all.i" || exit 1
python3 - "$tmp/all.i" > "$tmp/declared" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
names = set(m.group(1) for m in re.finditer(r'(?<![\w*])(pw_\w+)\s*\(', text))
print("\n".join(sorted(names)))
PY
comm -23 "$tmp/declared" "$tmp/exported" > "$tmp/missing"
if [ -s "$tmp/missing" ]; then
    echo "FAIL: declared in include/pathways/ but not exported (or not defined):" >&2
    cat "$tmp/missing" >&2; fail=1
fi
version=$(sed -n 's/^#define PW_VERSION "\(.*\)"/\1/p' "$PW_SRC/include/pathways/core.h")
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" = 0 ]; then want="libpathways.so.$major.$minor"; else want="libpathways.so.$major"; fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "$want" ] || { echo "FAIL: SONAME '$soname', want '$want'" >&2; fail=1; }
[ "$(basename "$lib")" = "libpathways.so.$version" ] ||
    { echo "FAIL: $(basename "$lib") is not libpathways.so.$version" >&2; fail=1; }
[ $fail -eq 0 ] && echo "ok: $total symbols exported, all pw_, every declared function among them; SONAME $soname"
exit $fail
