# What comes in (docs/registry.md, "Threat model: what comes in"), on one
# backend. Usage: sh input_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# Covers: an episode's regime is a built-in name only, never a path, and a
# bad one is a rejected record (line, field) that neither aborts an import
# nor fails other POSTs; role checks come before any lookup, so a refused
# record reads the same whether its episode exists, is discharged or not,
# and is audited; one strict JSON reader for import lines and POST bodies
# (duplicate keys, unknown fields, control characters); SQLite registry,
# WAL, SHM and backup files are created 0600 whatever the umask.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_inputtest "$@"

suite_users intake clinician analyst auditor
INTAKE=$(tail -n 1 tok_intake); CLIN=$(tail -n 1 tok_clinician)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor)
mode() { stat -c %a "$1"; }

# ---- file modes (SQLite: PostgreSQL keeps its own files) -------------------
if [ "$BACKEND" = sqlite ]; then
    for m in 022 000; do
        mkdir "m$m"
        (umask "$m"; "$BIN" registry init --db "m$m/r.db" > "m$m/init.out" 2>&1)
        expect_rc 0 $? "init under umask $m"
        is "registry file under umask $m" "$(mode "m$m/r.db")" 600
        is "key file under umask $m" "$(mode "m$m/r.db.key")" 600
        A=$(tail -n 1 "m$m/init.out")
        # A server keeps the -wal and -shm open; look at them while it runs.
        (umask "$m"; exec "$BIN" serve --db "m$m/r.db" --port 0 --threads 1 > "m$m/serve.out" 2>&1) &
        MS=$!
        i=0; while ! grep -q listening "m$m/serve.out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        is "WAL file under umask $m" "$(mode "m$m/r.db-wal" 2>&1)" 600
        is "SHM file under umask $m" "$(mode "m$m/r.db-shm" 2>&1)" 600
        kill "$MS"; wait "$MS" 2>/dev/null
        (umask "$m"; "$BIN" registry backup --db "m$m/r.db" --as "$A" --to "m$m/copy.db" > /dev/null 2> "m$m/backup.err")
        expect_rc 0 $? "backup under umask $m"
        is "backup file under umask $m" "$(mode "m$m/copy.db")" 600
    done
fi

# ---- an episode's regime: a built-in name, never a path --------------------
mkdir -p sub
cat > regime.jsonl <<'EOF2'
{"type":"person","ref":"R1","national_id":"RID-1","name":"R One","birth_date":"1990-01-01","sex":"male"}
{"type":"episode","ref":"RE1","person":"R1","programme":"A","regime":"/dev/zero","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE2","person":"R1","programme":"A","regime":"/etc/shadow","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE3","person":"R1","programme":"A","regime":"/root","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE4","person":"R1","programme":"A","regime":"/no/such/regime.yaml","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE5","person":"R1","programme":"A","regime":"sub","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE6","person":"R1","programme":"A","regime":"hybrid.yaml","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"RE7","person":"R1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01"}
EOF2
timeout 60 "$BIN" registry import --db "$DB" --as "$INTAKE" regime.jsonl > reg.out 2> reg.err
expect_rc 1 $? "an import with bad regimes finishes (exit 1: rejected lines, not 3: I/O)"
contains reg.out "^committed 2$" "the good lines before and after the bad ones are kept"
for l in 2 3 4 5 6 7; do
    contains reg.err "regime.jsonl:$l: field 'regime': '.*' is not a regime of this registry (the built-in ones: .*hybrid" "line $l: rejected, naming line and field"
done
lacks reg.err "cannot open\|directory\|No such\|YAML\|denied\|regular" "the answer says nothing of the server's files"
is "only the hybrid episode is stored" "$(q "SELECT group_concat(ref) FROM episode WHERE ref LIKE 'RE%'" 2>/dev/null || q "SELECT string_agg(ref, ',') FROM episode WHERE ref LIKE 'RE%'")" RE7

"$BIN" registry import --db "$DB" --as "$INTAKE" sub > /dev/null 2> dir.err
expect_rc 3 $? "a directory to import is an input failure"
contains dir.err "sub: is a directory, not a file of records" "and says so"

suite_serve
post() { # post TOKEN BODYFILE OUT -> HTTP code
    curl -s -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$2" "$URL/records"
}
printf '{"type":"episode","ref":"RH1","person":"R1","programme":"A","regime":"/dev/zero","legal_basis":"voluntary","start":"2025-01-01"}\n' > h1.jsonl
is "POST with regime /dev/zero" "$(post "$INTAKE" h1.jsonl h1.out)" 400
contains h1.out '"field":"regime"' "the 400 names the field"
# Good and bad (a path that does not exist) bodies at once: the bad ones are
# their own 400s, never a failure of the shared commit (was 500 for others).
: > curl.cfg
for i in $(seq 1 30); do
    if [ $((i % 10)) -eq 0 ]; then rg="/no/such/file$i.yaml"; else rg=hybrid; fi
    printf '{"type":"episode","ref":"RC%d","person":"R1","programme":"A","regime":"%s","legal_basis":"voluntary","start":"2025-01-01"}\n' "$i" "$rg" > "c$i.jsonl"
    printf 'url = "%s/records?i=%d"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/x-ndjson"\ndata-binary = "@c%d.jsonl"\noutput = "c%d.body"\nwrite-out = "%%{http_code} %d\\n"\nnext\n' \
        "$URL" "$i" "$INTAKE" "$i" "$i" "$i" >> curl.cfg
done
sed '$d' curl.cfg > curl.k # no "next" after the last transfer
curl -s --parallel --parallel-immediate --parallel-max 30 -K curl.k > codes.txt 2> curl.err
is "good bodies answered 201 beside bad regimes" "$(awk '$2 % 10 != 0 && $1 == 201' codes.txt | wc -l)" 27
is "bad regimes answered 400" "$(awk '$2 % 10 == 0 && $1 == 400' codes.txt | wc -l)" 3

# ---- role checks before any lookup ------------------------------------------
cat > eps.jsonl <<'EOF2'
{"type":"person","ref":"R4","national_id":"RID-4","name":"R Four","birth_date":"1990-01-01","sex":"male"}
{"type":"episode","ref":"EACT","person":"R4","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01"}
{"type":"episode","ref":"EDIS","person":"R4","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01"}
EOF2
"$BIN" registry import --db "$DB" --as "$INTAKE" eps.jsonl > /dev/null 2>&1
printf '{"type":"discharge","episode":"EDIS","date":"2025-06-01","reason":"completed"}\n' > dis.jsonl
"$BIN" registry import --db "$DB" --as "$CLIN" dis.jsonl > /dev/null 2> dis.err
expect_rc 0 $? "EDIS discharged by the clinician"
for ref in EACT EDIS ENONE; do
    printf '{"type":"discharge","episode":"%s","date":"2025-07-01","reason":"completed"}\n' "$ref" > "p_$ref.jsonl"
    "$BIN" registry import --db "$DB" --as "$ANALYST" "p_$ref.jsonl" > /dev/null 2> "p_$ref.err"
    expect_rc 1 $? "analyst's discharge of $ref refused"
    sed "s/p_$ref/p_X/" "p_$ref.err" > "p_$ref.norm"
    code=$(post "$ANALYST" "p_$ref.jsonl" "h_$ref.out")
    is "analyst's POST discharge of $ref" "$code" 403
done
cmp -s p_EACT.norm p_EDIS.norm && cmp -s p_EACT.norm p_ENONE.norm \
    && ok "the same refusal for an active, a discharged and a missing episode" \
    || fail "refusals differ: $(cat p_EACT.norm p_EDIS.norm p_ENONE.norm)"
contains p_ENONE.err "may not write discharge" "the refusal names the role's missing right"
cmp -s h_EACT.out h_EDIS.out && cmp -s h_EACT.out h_ENONE.out \
    && ok "the same 403 body for all three" || fail "403 bodies differ: $(cat h_EACT.out h_EDIS.out h_ENONE.out)"
"$BIN" registry audit list --db "$DB" --as "$AUDITOR" > audit.jsonl 2> audit.err
for ref in EACT EDIS ENONE; do
    contains audit.jsonl "\"role\":\"analyst\",\"action\":\"denied\",\"object\":\"import:p_$ref.jsonl:1\"" "the refused import of $ref is audited"
done
is "the refused POSTs are audited" "$(grep -c '"role":"analyst","action":"denied","object":"import:body:1"' audit.jsonl)" 3

# ---- one strict JSON reader -------------------------------------------------
adduser() { # adduser BODY -> HTTP code, answer in user.out
    curl -s -o user.out -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
        -H 'Content-Type: application/json' --data-binary "$1" "$URL/users"
}
is "POST /users with a duplicate role" "$(adduser '{"name":"dup","role":"lab","role":"admin"}')" 400
contains user.out "duplicate" "the answer says duplicate key"
is "no user made from the duplicate" "$(q "SELECT count(*) FROM users WHERE name = 'dup'")" 0
is "POST /users with an unknown field" "$(adduser '{"name":"unk","role":"lab","colour":"red"}')" 400
contains user.out '"field":"colour"' "the unknown field is named"
is "POST /users, name with a newline" "$(adduser '{"name":"a\nb","role":"lab"}')" 400
contains user.out '"field":"name"' "the control character's field is named"
is "POST /users, name with BEL" "$(adduser '{"name":"a\u0007b","role":"lab"}')" 400
is "POST /users, name with a C1 control (U+009B)" "$(adduser '{"name":"a\u009bb","role":"lab"}')" 400
is "POST /users, a key with ESC" "$(adduser '{"name":"x","role":"lab","\u001b[2J":1}')" 400
is "no user made from the refused bodies" "$(q "SELECT count(*) FROM users WHERE name LIKE 'a%b' OR name IN ('unk', 'x')")" 0
is "a clean POST /users still works" "$(adduser '{"name":"Lab Two","role":"lab"}')" 201

cat > strict.jsonl <<'EOF2'
{"type":"person","ref":"S1","national_id":"SID-1","name":"Esc\u001b[31mape","birth_date":"1990-01-01","sex":"male"}
{"type":"person","ref":"S2","national_id":"SID-2","name":"Two","name":"Again","birth_date":"1990-01-01","sex":"male"}
{"type":"person","ref":"S3","national_id":"SID-3","name":"Line\nBreak","birth_date":"1990-01-01","sex":"male"}
{"type":"review","episode":"EACT","date":"2025-02-01","stage":"review","notes":"first line\nsecond line\tand a tab"}
{"type":"review","episode":"EACT","date":"2025-02-02","stage":"review","notes":"bell\u0007"}
EOF2
"$BIN" registry import --db "$DB" --as "$CLIN" strict.jsonl > strict.out 2> strict.err
expect_rc 1 $? "import with control characters and a duplicate key"
contains strict.err "strict.jsonl:1: field 'name': control character U+001B" "ESC in a name refused"
contains strict.err "strict.jsonl:2:.*duplicate" "duplicate key refused"
contains strict.err "strict.jsonl:3: field 'name': control character U+000A" "newline in a name refused"
contains strict.err "strict.jsonl:5: field 'notes': control character U+0007" "BEL in notes refused"
contains strict.out "^committed 1$" "line breaks and tabs in clinical notes are kept"

suite_end
