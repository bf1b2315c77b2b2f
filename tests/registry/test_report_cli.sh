# `pathways registry report` from the command line (SQLite): help, usage
# errors and exit codes, role refusals, the relapse-survival JSON of the
# issue, --output written atomically, pseudonyms for the analyst.
set -u
BIN=${PW_BIN:?PW_BIN}
WORK=$(mktemp -d /tmp/pw_reportcli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
expect_rc() { if [ "$1" = "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi; }
contains() { if grep -q -- "$2" "$1"; then ok "$3"; else fail "$3: '$2' not in $1"; sed 's/^/  | /' "$1" >&2; fi; }
lacks() { if grep -q -- "$2" "$1"; then fail "$3: '$2' found in $1"; else ok "$3"; fi; }

DB="$WORK/reg.db"
ADMIN=$("$BIN" registry init --db "$DB" 2>/dev/null | tail -n 1)
CLIN=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name c --role clinician | tail -n 1)
ANA=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name a --role analyst | tail -n 1)
COURT=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name l --role court_liaison | tail -n 1)
cat > in.jsonl <<'EOF'
{"type":"person","ref":"P1","national_id":"1","name":"Aigerim One","birth_date":"1990-01-01","sex":"female"}
{"type":"person","ref":"P2","national_id":"2","name":"Bolat Two","birth_date":"1990-01-01","sex":"male"}
{"type":"episode","ref":"E1","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"episode","ref":"E2","person":"P2","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
{"type":"discharge","episode":"E1","date":"2025-03-01","reason":"completed"}
{"type":"discharge","episode":"E2","date":"2025-03-01","reason":"completed_drug_free"}
{"type":"relapse","episode":"E1","date":"2025-03-31"}
{"type":"followup","episode":"E2","date":"2025-06-01","status":"abstinent"}
EOF
"$BIN" registry import --db "$DB" --as "$CLIN" in.jsonl > /dev/null 2>&1 || fail "import"

"$BIN" registry report --help > help.out
expect_rc 0 $? "--help"
contains help.out "relapse-survival" "help lists the kinds"
"$BIN" registry report --db "$DB" --as "$CLIN" > u1.out 2> u1.err
expect_rc 2 $? "missing --kind"
contains u1.err "kind" "says --kind is missing"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind nonsense 2> u2.err
expect_rc 2 $? "unknown kind"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind outcomes --by colour 2> u3.err
expect_rc 2 $? "bad --by"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind outcomes --as-of 2025-02-30 2> u4.err
expect_rc 2 $? "impossible --as-of date"
"$BIN" registry report --db "$DB" --as 0000 --kind outcomes 2> a1.err
expect_rc 1 $? "wrong token"
"$BIN" registry report --db "$DB" --as "$COURT" --kind relapse-survival > a2.out 2> a2.err
expect_rc 1 $? "court liaison may not read aggregates"
contains a2.err "court_liaison" "refusal names the role"
[ -s a2.out ] && fail "refusal printed a report" || ok "refusal prints nothing on stdout"

# Two successful discharges; E1 relapses 30 days later, E2 is censored at
# its follow-up (92 days): S(30) = 1/2, median 30.
"$BIN" registry report --db "$DB" --as "$ANA" --kind relapse-survival --as-of 2026-01-01 > rs.json 2> rs.err
expect_rc 0 $? "relapse-survival as analyst"
contains rs.json '"groups":\[{"group":"all","n":2,"events":1,"median_days":30' "groups, n, events, median"
contains rs.json '"curve":\[{"t_days":30.0,"n_risk":2,"events":1,"survival":0.5,"lo":' "curve point with lo and hi"

"$BIN" registry report --db "$DB" --as "$ANA" --kind tdi-export --output out.csv > o.out 2> o.err
expect_rc 0 $? "--output"
[ -s o.out ] && fail "--output also printed to stdout" || ok "--output leaves stdout empty"
contains out.csv "^record_id," "CSV written to the file"
ls "$WORK" | grep -q "out.csv.tmp" && fail "temporary file left behind" || ok "no temporary file left"
"$BIN" registry report --db "$DB" --as "$ANA" --kind overdue --as-of 2026-01-01 > od.json
expect_rc 0 $? "overdue as analyst"
lacks od.json '"episode":"E' "analyst sees no refs"
contains od.json '"pseudonym"' "analyst sees pseudonyms"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind overdue --as-of 2026-01-01 > od2.json
contains od2.json '"episode":"E' "clinician sees refs"
"$BIN" registry audit verify --db "$DB" > v.out 2>&1
expect_rc 0 $? "audit chain intact after the reports"

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
