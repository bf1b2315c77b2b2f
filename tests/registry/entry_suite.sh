# Safe entry, corrections without loss, consent and spreadsheets
# (docs/registry.md: Import, Amendments, Consent, Spreadsheets, Data
# dictionary), on one backend. Usage: sh entry_suite.sh sqlite|pg
# (env PW_BIN, PW_SRC).
# Covers: future dates, dates before birth or the episode's start and
# analytes off the list refused with the field named, on the command line
# and over HTTP with a stable `code`; aliases stored under their code-list
# name and shown so in the POST answer; an amendment keeps the earlier
# value (history in the episode view), is audited and sealed (`audit
# verify`), the reports read the current value, a required field cannot be
# cleared, nothing is deleted; consent withdrawn hides the person from the
# court liaison's list and view and from the TDI export, given again shows
# them; CSV import with a BOM, Cyrillic names, Excel's quoting with line
# breaks and ';' separators, a bad row naming file, line and field with
# nothing stored, the same audit entries as JSON Lines, over HTTP too;
# every report as CSV and as an xlsx workbook (unzipped and read); the
# dictionary as JSON and CSV, equal to what the import accepts.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_entrytest "$@"

suite_users intake clinician court_liaison analyst auditor lab
INTAKE=$(tail -n 1 tok_intake); CLIN=$(tail -n 1 tok_clinician)
COURT=$(tail -n 1 tok_court_liaison); ANALYST=$(tail -n 1 tok_analyst)
AUDITOR=$(tail -n 1 tok_auditor); LAB=$(tail -n 1 tok_lab)
TODAY=$(date -u +%F)
FUTURE=$(date -u -d '+3 days' +%F)

# ---- safe entry on the command line ------------------------------------------
cat > base.jsonl <<'EOF2'
{"type":"person","ref":"P1","national_id":"870101300123","name":"Айгерим Ахметова","birth_date":"1987-01-01","sex":"female"}
{"type":"person","ref":"P2","national_id":"900202400456","name":"Ерлан Сейтов","birth_date":"1990-02-02","sex":"male"}
{"type":"episode","ref":"E1","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-10","substance":"spice","referral_source":"court"}
{"type":"episode","ref":"E2","person":"P2","programme":"A","regime":"hybrid","legal_basis":"court_ordered","order_ref":"C-1","start":"2025-02-01","substance":"7.2","referral_source":"court"}
{"type":"review","episode":"E1","date":"2025-02-01","stage":"start","psych_health":10}
{"type":"test","episode":"E1","date":"2025-02-02","analyte":"THC","result":"positive"}
{"type":"test","episode":"E2","date":"2025-02-03","analyte":"opiates","result":"negative"}
{"type":"discharge","episode":"E1","date":"2025-06-01","reason":"completed"}
EOF2
"$BIN" registry import --db "$DB" --as "$CLIN" base.jsonl > base.out 2> base.err
expect_rc 0 $? "the base records import"
is "substance aliases stored under the code-list name" "$(q "SELECT substance FROM episode ORDER BY id" | paste -sd, -)" "synthetic_cannabinoids,synthetic_cannabinoids"
is "analyte alias stored under the list's name" "$(q "SELECT analyte FROM drug_test ORDER BY id LIMIT 1")" cannabis

cat > bad.jsonl <<EOF2
{"type":"review","episode":"E1","date":"$FUTURE","stage":"review"}
{"type":"person","ref":"P3","national_id":"950303500789","name":"X","birth_date":"$FUTURE","sex":"male"}
{"type":"episode","ref":"E3","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"1980-01-01"}
{"type":"test","episode":"E1","date":"2024-01-01","analyte":"opiates","result":"negative"}
{"type":"test","episode":"E1","date":"2025-03-01","analyte":"xyz","result":"negative"}
{"type":"death","person":"P1","date":"1980-05-05"}
{"type":"consent","person":"P1","scope":"court","status":"given","date":"1970-01-01"}
{"type":"review","episode":"E1","date":"2025-03-01","stage":"review","psych_health":"1-"}
{"type":"episode","ref":"E4","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","order_expiry":"$FUTURE","referral_source":"court"}
EOF2
"$BIN" registry import --db "$DB" --as "$CLIN" bad.jsonl > bad.out 2> bad.err
expect_rc 1 $? "bad records are rejected"
contains bad.err "bad.jsonl:1: field 'date': '$FUTURE' is in the future" "a review in the future: line and field"
contains bad.err "bad.jsonl:2: field 'birth_date': '$FUTURE' is in the future" "a birth date in the future"
contains bad.err "bad.jsonl:3: field 'start': is before the person's birth" "an episode before birth"
contains bad.err "bad.jsonl:4: field 'date': is before the episode's start" "a test before the episode's start"
contains bad.err "bad.jsonl:5: field 'analyte': unknown analyte 'xyz'" "an analyte off the list"
contains bad.err "bad.jsonl:6: field 'date': is before the person's birth" "a death before birth"
contains bad.err "bad.jsonl:7: field 'date': is before the person's birth" "a consent before birth"
contains bad.err "bad.jsonl:8: field 'psych_health': must be an integer" "a number typed wrong is refused, not stored as null"
contains bad.out "^committed 1$" "an order's expiry may lie ahead (E4 stored)"

# ---- over HTTP: the same checks, a code, and what was stored ----------------
suite_serve
post() { curl -s -o "$3" -w '%{http_code}' -H "Authorization: Bearer $1" -X POST --data-binary "$2" "$URL/records"; }
code=$(post "$CLIN" "{\"type\":\"review\",\"episode\":\"E2\",\"date\":\"$FUTURE\",\"stage\":\"start\"}" fut.json)
is "a future date over HTTP: 400" "$code" 400
is "its code, field and message" "$(jq -r '.code + " " + .field + " " + .error' fut.json)" "future_date date '$FUTURE' is in the future"
code=$(post "$CLIN" '{"type":"test","episode":"E2","date":"2025-02-10","analyte":"spice","result":"positive"}' st.json)
is "a test with an alias: 201" "$code" 201
is "the answer shows what was stored" "$(jq -r '.stored[0].analyte' st.json)" synthetic_cannabinoids
code=$(post "$CLIN" '{"type":"test","episode":"E2","date":"2025-02-11","analyte":"opiates","result":"maybe"}' nl.json)
is "a value off the list: code not_in_list" "$code $(jq -r '.code + " " + .field' nl.json)" "400 not_in_list result"

# ---- amendments: corrections without loss -----------------------------------
RID=$(q "SELECT id FROM review WHERE episode_id = (SELECT id FROM episode WHERE ref = 'E1') ORDER BY id LIMIT 1")
TID=$(q "SELECT id FROM drug_test ORDER BY id LIMIT 1")
reviews_before=$(q "SELECT count(*) FROM review")
cat > amend.jsonl <<EOF2
{"type":"amendment","record":"review","id":$RID,"field":"psych_health","value":12,"reason":"typed 10 for 12","date":"$TODAY"}
{"type":"amendment","record":"test","id":$TID,"field":"result","value":"negative","reason":"lab re-test","date":"$TODAY"}
{"type":"amendment","record":"discharge","id":"E1","field":"reason","value":"completed_drug_free","reason":"exit review showed no use","date":"$TODAY"}
{"type":"amendment","record":"person","id":"P1","field":"sex","value":"male","reason":"wrong box","date":"$TODAY"}
{"type":"amendment","record":"review","id":$RID,"field":"psych_health","value":12,"reason":"again","date":"$TODAY"}
{"type":"amendment","record":"review","id":$RID,"field":"psych_health","value":25,"reason":"r","date":"$TODAY"}
{"type":"amendment","record":"review","id":$RID,"field":"notes","value":"x","reason":"r","date":"$TODAY"}
{"type":"amendment","record":"review","id":$RID,"field":"stage","reason":"clear it","date":"$TODAY"}
{"type":"amendment","record":"test","id":99999,"field":"result","value":"negative","reason":"r","date":"$TODAY"}
{"type":"amendment","record":"test","id":$TID,"field":"date","value":"2024-01-01","reason":"r","date":"$TODAY"}
EOF2
"$BIN" registry import --db "$DB" --as "$CLIN" amend.jsonl > am.out 2> am.err
expect_rc 1 $? "amendments: good ones stored, bad ones refused"
contains am.out "^committed 4$" "four amendments stored"
contains am.err "amend.jsonl:5: field 'value': is the stored value already" "no amendment that changes nothing"
contains am.err "amend.jsonl:6: field 'value': must be between 0 and 20" "the new value is checked as the field"
contains am.err "amend.jsonl:7: field 'field': 'notes' of a review cannot be amended" "a field without a column cannot be amended"
contains am.err "amend.jsonl:8: field 'value': is required: 'stage' cannot be cleared" "a required field cannot be cleared"
contains am.err "amend.jsonl:9: field 'id': no stored test with this id" "an unknown id"
contains am.err "amend.jsonl:10: field 'value': is before the episode's start" "an amended date is checked against the start"
is "the review holds the current value" "$(q "SELECT psych_health FROM review WHERE id = $RID")" 12
is "the earlier value is kept" "$(q "SELECT before_json || '>' || after_json || ':' || reason FROM amendment WHERE tbl = 'review'")" "10>12:typed 10 for 12"
is "nothing deleted: as many reviews as before" "$(q "SELECT count(*) FROM review")" "$reviews_before"
is "each amendment audited" "$(q "SELECT count(*) FROM audit WHERE action = 'amend'")" 4
"$BIN" registry audit verify --db "$DB" > av.out 2>&1
expect_rc 0 $? "the amended rows and the amendments verify (sealed)"
curl -s -H "Authorization: Bearer $CLIN" "$URL/episodes/E1" > e1.json
is "the episode view shows the history" "$(jq -r '[.amendments[] | .record + "." + .field + ":" + (.before|tostring) + ">" + (.after|tostring)] | join(" ")' e1.json)" "review.psych_health:10>12 test.result:positive>negative discharge.reason:completed>completed_drug_free person.sex:female>male"
is "and the current values" "$(jq -r '(.reviews[0].psych_health|tostring) + " " + .tests[0].result + " " + .discharge.reason' e1.json)" "12 negative completed_drug_free"
curl -s -H "Authorization: Bearer $CLIN" "$URL/reports/outcomes" > oc.json
is "the outcomes report uses the current discharge reason" "$(jq -c '[.. | objects | select(has("completed_drug_free")) | .completed_drug_free] | .[0]' oc.json | grep -c .)" 1
q "SELECT discharge_reason FROM episode WHERE ref = 'E1'" > dr.txt
contains dr.txt "completed_drug_free" "the reports read the episode row, which holds the current reason"
# The lab may correct a test but not a review.
cat > lab.jsonl <<EOF2
{"type":"amendment","record":"review","id":$RID,"field":"psych_health","value":13,"reason":"r","date":"$TODAY"}
EOF2
"$BIN" registry import --db "$DB" --as "$LAB" lab.jsonl > lab.out 2> lab.err
expect_rc 1 $? "the lab may not amend a review"
contains lab.err "may not write review data" "refused by the field's own right"

# ---- consent ----------------------------------------------------------------
# The court liaison sees only court-referred or court-ordered episodes
# (scope.h), so E1 and E4 are court referrals and all three are in view.
is "court liaison lists the 3 episodes before any consent" "$(curl -s -H "Authorization: Bearer $COURT" "$URL/episodes" | jq -r .total)" 3
ov_before=$(curl -s -H "Authorization: Bearer $COURT" "$URL/reports/overdue" | jq '[.overdue[] | select(.episode == "E2")] | length')
[ "$ov_before" -gt 0 ] && ok "E2 has overdue reviews for the liaison ($ov_before)" || fail "no overdue rows of E2 to test with"
printf '{"type":"consent","person":"P2","scope":"court","status":"withdrawn","date":"%s"}\n{"type":"consent","person":"P1","scope":"research","status":"withdrawn","date":"%s"}\n' "$TODAY" "$TODAY" > c1.jsonl
"$BIN" registry import --db "$DB" --as "$INTAKE" c1.jsonl > c1.out 2> c1.err
expect_rc 0 $? "intake records consent"
is "court consent withdrawn: E2 leaves the liaison's list" "$(curl -s -H "Authorization: Bearer $COURT" "$URL/episodes" | jq -r '[.episodes[].episode] | join(",")')" "E1,E4"
code=$(curl -s -o e2c.json -w '%{http_code}' -H "Authorization: Bearer $COURT" "$URL/episodes/E2")
is "and the liaison cannot open it" "$code $(jq -r .code e2c.json)" "403 consent_withdrawn"
is "nor in the liaison's overdue report" "$(curl -s -H "Authorization: Bearer $COURT" "$URL/reports/overdue" | jq '[.overdue[] | select(.episode == "E2")] | length')" 0
is "the clinician's overdue report keeps them" "$(curl -s -H "Authorization: Bearer $CLIN" "$URL/reports/overdue" | jq '[.overdue[] | select(.episode == "E2")] | length')" "$ov_before"
is "the clinician still sees it, with the consent" "$(curl -s -H "Authorization: Bearer $CLIN" "$URL/episodes/E2" | jq -r '.consent[0].scope + " " + .consent[0].status')" "court withdrawn"
is "research consent withdrawn: P1's episodes leave the analyst's list" "$(curl -s -H "Authorization: Bearer $ANALYST" "$URL/episodes" | jq -r .total)" 1
"$BIN" registry report --db "$DB" --as "$CLIN" --kind tdi-export > tdi.csv 2> tdi.err
is "and the TDI export" "$(($(wc -l < tdi.csv) - 1))" 1
printf '{"type":"consent","person":"P2","scope":"court","status":"given","date":"%s"}\n' "$TODAY" > c2.jsonl
"$BIN" registry import --db "$DB" --as "$CLIN" c2.jsonl > /dev/null 2>&1
is "given again (later entry, same day): E2 is back" "$(curl -s -H "Authorization: Bearer $COURT" "$URL/episodes" | jq -r .total)" 3

# ---- CSV import -----------------------------------------------------------------
"$BIN" registry dictionary --template person > tpl.csv
is "the person template: BOM and header" "$(head -c 3 tpl.csv | od -An -tx1 | tr -d ' ')$(tail -c +4 tpl.csv | tr -d '\r')" "efbbbfref,national_id,name,birth_date,sex,contact"
printf '\357\273\277ref,national_id,name,birth_date,sex,contact\r\nC1,880101300001,"Жанна ""Жака"" Омарова",1988-01-01,female,"ул. Абая 1,\r\nкв. 2"\r\nC2,880101300002,Бауыржан Нұрланұлы,1988-02-02,male,\r\n' > people.csv
audit_before=$(q "SELECT count(*) FROM audit WHERE action = 'create'")
"$BIN" registry import --db "$DB" --as "$INTAKE" --type person people.csv > csv.out 2> csv.err
expect_rc 0 $? "CSV with a BOM, Cyrillic names and a quoted line break"
contains csv.out "^committed 2$" "two people stored"
is "each CSV record audited as a JSON line would be" "$(q "SELECT count(*) FROM audit WHERE action = 'create'")" $((audit_before + 2))
curl -s -H "Authorization: Bearer $INTAKE" -X POST -H 'Content-Type: text/csv' --data-binary "$(printf 'ref;person;programme;regime;legal_basis;start;substance\nEC1;C1;A;hybrid;voluntary;2025-05-01;spice\n')" "$URL/records?type=episode" > ce.json
is "a ';' CSV over HTTP (Excel in a Russian locale)" "$(jq -r '.committed|tostring' ce.json)" 1
"$BIN" serve --help > /dev/null 2>&1
NAME=$(curl -s -H "Authorization: Bearer $CLIN" "$URL/episodes/EC1" | jq -r .person.name)
is "the Cyrillic name with its quotes round-trips" "$NAME" 'Жанна "Жака" Омарова'
printf 'ref,national_id,name,birth_date,sex,contact\nC3,880101300003,Three,1988-03-03,female,"Multi\nline"\nC4,880101300004,Four,1988-13-01,male,\n' > badrow.csv
people_before=$(q "SELECT count(*) FROM person")
"$BIN" registry import --db "$DB" --as "$INTAKE" --type person badrow.csv > br.out 2> br.err
expect_rc 1 $? "a CSV with a bad row is refused"
contains br.err "badrow.csv:4: field 'birth_date': '1988-13-01' is not a valid ISO 8601 date" "file, line (after a quoted line break) and field"
is "nothing of it half-imported" "$(q "SELECT count(*) FROM person")" "$people_before"
printf 'ref,national_id,nickname\nC5,1,x\n' > badcol.csv
"$BIN" registry import --db "$DB" --as "$INTAKE" --type person badcol.csv > bc.out 2> bc.err
expect_rc 1 $? "an unknown column"
contains bc.err "badcol.csv:1: field 'nickname': unknown field of a person record" "names the column"
printf 'ref,name\n"open,x\n' > badq.csv
"$BIN" registry import --db "$DB" --as "$INTAKE" --type person badq.csv > bq.out 2> bq.err
expect_rc 1 $? "an unclosed quote"
contains bq.err "a quoted cell is not closed" "is named"
printf 'type,record,id,field,value,reason,date\namendment,review,%s,psych_health,11,csv fix,%s\n' "$RID" "$TODAY" > am.csv
"$BIN" registry import --db "$DB" --as "$CLIN" am.csv > amc.out 2> amc.err
expect_rc 0 $? "an amendment from a spreadsheet (type column; value typed by its field)"
is "applied" "$(q "SELECT psych_health FROM review WHERE id = $RID")" 11

# ---- reports as CSV and Excel ------------------------------------------------------
for kind in caseload overdue completeness outcomes flags relapse-survival; do
    curl -s -o "$kind.csv" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $CLIN" "$URL/reports/$kind?format=csv" > h.txt
    case $(cat h.txt) in "200 text/csv"*) ok "$kind as CSV" ;; *) fail "$kind as CSV: $(cat h.txt)" ;; esac
    curl -s -o "$kind.xlsx" -w '%{http_code}' -H "Authorization: Bearer $CLIN" "$URL/reports/$kind?format=xlsx" > h.txt
    python3 - "$kind.xlsx" > "$kind.sheets" 2>&1 <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
wb = z.read('xl/workbook.xml').decode()
sheets = [n for n in z.namelist() if n.startswith('xl/worksheets/sheet')]
strings = z.read('xl/sharedStrings.xml').decode() if 'xl/sharedStrings.xml' in z.namelist() else ''
print(len(sheets), 'summary' in wb, strings.count('<si>'))
PY
    case $(cat "$kind.sheets") in [1-9]*" True "*) ok "$kind as xlsx: $(cat "$kind.sheets") (sheets, summary sheet, strings)" ;; *) fail "$kind xlsx: $(cat h.txt) $(cat "$kind.sheets")" ;; esac
done
contains caseload.csv "^.*group" "the caseload CSV has its header"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind caseload --format xlsx --output cl.xlsx 2> clx.err
expect_rc 0 $? "registry report --format xlsx --output"
python3 -c "import zipfile,sys; z=zipfile.ZipFile('cl.xlsx'); s=z.read('xl/sharedStrings.xml').decode(); sys.exit(0 if 'open' in s and 'group' in s else 1)"
expect_rc 0 $? "the workbook's sheet holds the caseload's columns"
"$BIN" registry report --db "$DB" --as "$CLIN" --kind caseload --format csv --table nosuch > /dev/null 2> tb.err
expect_rc 1 $? "an unknown table"
contains tb.err "no table 'nosuch' in this report (it has: summary" "lists the tables"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CLIN" "$URL/reports/caseload?format=pdf")
is "an unknown format" "$code" 400

# ---- the data dictionary = what the import accepts ---------------------------------
"$BIN" registry dictionary --format json > dict.json
expect_rc 0 $? "dictionary as JSON"
"$BIN" registry dictionary --format csv > dict.csv
is "dictionary as CSV: one row per field" "$(($(wc -l < dict.csv) - 1))" "$(jq '[.records[].fields[]] | length' dict.json)"
is "the analyte list is the code list" "$(jq -r '.records[] | select(.type == "test") | .fields[] | select(.field == "analyte") | .allowed | length' dict.json)" 16
# Every dictionary field is accepted by the import (no "unknown field"),
# and a field outside it is refused, for every record type.
jq -r '.records[] | .type as $t | .fields[] | "\($t) \(.field)"' dict.json > fields.txt
: > probe.jsonl
while read -r t f; do printf '{"type":"%s","%s":null}\n' "$t" "$f" >> probe.jsonl; done < fields.txt
for t in $(jq -r '.records[].type' dict.json); do printf '{"type":"%s","zz_not_a_field":1}\n' "$t" >> probe.jsonl; done
"$BIN" registry import --db "$DB" --as "$CLIN" probe.jsonl > probe.out 2> probe.err
n_fields=$(wc -l < fields.txt)
unknown_listed=$(head -n "$n_fields" probe.jsonl | nl -ba | while read -r l _; do grep -c "probe.jsonl:$l: field '[^']*': unknown field" probe.err; done | awk '{s+=$1} END {print s+0}')
is "every dictionary field is one the import accepts" "$unknown_listed" 0
is "a field outside the dictionary is refused for every type" "$(grep -c "field 'zz_not_a_field': unknown field" probe.err)" "$(jq '.records | length' dict.json)"
code=$(curl -s -o d.json -w '%{http_code}' -H "Authorization: Bearer $LAB" "$URL/dictionary")
is "GET /api/v1/dictionary" "$code $(jq '.records | length' d.json)" "200 $(jq '.records | length' dict.json)"

"$BIN" registry audit verify --db "$DB" > av2.out 2>&1
expect_rc 0 $? "audit verify at the end"
suite_end
