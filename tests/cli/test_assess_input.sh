#!/bin/sh
# pathways assess never drops input silently: a directory is an error
# naming it; a line with a NUL byte (even its first byte) is a rejected
# case naming file and line; bad first lines do not turn JSON Lines into a
# "document" whose valid cases after them are lost; a regime path that is
# not a regular file is refused without reading it.
set -u
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
has() { grep -q -- "$2" "$1" && ok "$3" || { bad "$3: '$2' not in $1"; sed 's/^/  | /' "$1"; }; }
W=$(mktemp -d /tmp/pw_assess_in.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
case_line() { printf '{"id":"%s","age":24,"event":"use","amount":"personal","substances":[{"substance":"synthetic_cannabinoids","dsm5_criteria":7}]}\n' "$1"; }

mkdir cases
"$PW_BIN" assess --regime hybrid cases > out 2> err
rc=$?; [ $rc -eq 3 ] && ok "a directory: exit 3" || bad "a directory: exit $rc"
has err "cases: is a directory" "the directory is named"

{ printf '\000'; case_line n1; case_line g1; case_line g2 | sed 's/"age"/"a\x00ge"/'; case_line g3; } > nul.jsonl
"$PW_BIN" assess --regime hybrid nul.jsonl > out 2> err
rc=$?; [ $rc -eq 1 ] && ok "NUL lines: exit 1" || bad "NUL lines: exit $rc"
has err "nul.jsonl:1: a NUL byte" "a line starting with NUL is reported with its line"
has err "nul.jsonl:3: a NUL byte" "a NUL inside a line is reported with its line"
[ "$(grep -c '"id":"g[13]"' out)" -eq 2 ] && ok "the other cases are decided" || bad "decided: $(cat out)"

{ echo 'garbage one'; echo 'more garbage {'; case_line v1; echo; case_line v2; echo '{"id":"x",'; case_line v3; } > twobad.jsonl
"$PW_BIN" assess --regime hybrid twobad.jsonl > out 2> err
rc=$?; [ $rc -eq 1 ] && ok "two bad first lines: exit 1" || bad "two bad first lines: exit $rc"
has err "twobad.jsonl:1: malformed JSON" "bad line 1 reported"
has err "twobad.jsonl:2: malformed JSON" "bad line 2 reported"
has err "twobad.jsonl:6: malformed JSON" "bad line 6 reported"
[ "$(grep -c '"id":"v[123]"' out)" -eq 3 ] && ok "every valid case after the bad lines is decided" || bad "decided: $(cat out)"
has err "3 cases decided, 3 rejected" "the summary counts them"

# A pretty-printed document still reads as one (its inner objects are indented).
printf '{\n  "id": "p1",\n  "age": 24,\n  "event": "use",\n  "amount": "personal",\n  "substances": [\n    {"substance": "synthetic_cannabinoids", "dsm5_criteria": 7}\n  ]\n}\n' > pretty.json
"$PW_BIN" assess --regime hybrid pretty.json > out 2> err
rc=$?; [ $rc -eq 0 ] && ok "a pretty document: exit 0" || bad "a pretty document: exit $rc"
has out '"id": "p1"' "the pretty document is decided"
sed 's/"age": 24,/"age": 24,,/' pretty.json > badpretty.json
"$PW_BIN" assess --regime hybrid badpretty.json > out 2> err
rc=$?; [ $rc -eq 1 ] && ok "a broken pretty document: exit 1" || bad "a broken pretty document: exit $rc"
has err "badpretty.json:3: malformed JSON" "its error names line 3"

# A regime "file" that is a device is refused without being read (it once
# grew without bound), and so is a directory.
timeout 20 "$PW_BIN" assess --regime /dev/zero nul.jsonl > out 2> err
rc=$?; [ $rc -eq 3 ] && ok "--regime /dev/zero: exit 3" || bad "--regime /dev/zero: exit $rc"
has err "not a regular file" "says why"
exit $fail
