# Group commit of POST /api/v1/records, with real concurrent requests (one
# curl running 30 transfers in parallel) against `pathways serve`, on one
# backend. Usage: sh test_http_group_suite.sh sqlite|pg  (env PW_BIN, PW_SRC)
# Covers: among concurrent POSTs, every good body gets 201 and is stored
# whole; every bad body (a bad legal_basis on its line 2) gets 400 naming
# line 2 and its field, and nothing of it is stored, though its line 1 was
# good and other requests shared its transaction; a refused role gets 403
# and the refusal stays audited; the requests shared commits (the server
# reports fewer commits than requests); the chain verifies.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_grouptest "$@"

suite_users clinician lab auditor
CLIN=$(tail -n 1 tok_clinician); LAB=$(tail -n 1 tok_lab); AUDITOR=$(tail -n 1 tok_auditor)

suite_serve
URL="$URL/records"
ok "server listening on port $PORT"

# 30 bodies: every third is bad on its line 2 (an episode with an unknown
# legal basis), after a good person on line 1.
person() { printf '{"type":"person","ref":"G%d","national_id":"GID%06d","name":"G %d","birth_date":"1990-01-01","sex":"male"}\n' "$1" "$1" "$1"; }
episode() { printf '{"type":"episode","ref":"GE%d","person":"G%d","programme":"A","regime":"hybrid","legal_basis":"%s","start":"2025-01-01"}\n' "$1" "$1" "$2"; }
: > curl.cfg
for i in $(seq 1 30); do
    person "$i" > "b$i.jsonl"
    if [ $((i % 3)) -eq 0 ]; then episode "$i" bogus >> "b$i.jsonl"; else episode "$i" voluntary >> "b$i.jsonl"; fi
    # One transfer per body; the query string only tells the answers apart.
    printf 'url = "%s?i=%d"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/x-ndjson"\ndata-binary = "@b%d.jsonl"\noutput = "r%d.body"\nwrite-out = "%%{http_code} %d\\n"\nnext\n' \
        "$URL" "$i" "$CLIN" "$i" "$i" "$i" >> curl.cfg
done
# And the lab, which may not write people: refused while the others go in.
person 99 > lab.jsonl
printf 'url = "%s?i=lab"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\ndata-binary = "@lab.jsonl"\noutput = "lab.body"\nwrite-out = "%%{http_code} lab\\n"\n' \
    "$URL" "$LAB" >> curl.cfg
curl -s --parallel --parallel-immediate --parallel-max 40 -K curl.cfg > codes.txt 2> curl.err
[ "$(wc -l < codes.txt)" -eq 31 ] && ok "31 answers" || { fail "$(wc -l < codes.txt) answers"; cat curl.err >&2; }

good=0 bad=0
for i in $(seq 1 30); do
    code=$(awk -v i="$i" '$2 == i { print $1 }' codes.txt)
    if [ $((i % 3)) -eq 0 ]; then
        if [ "$code" = 400 ] && grep -q '"field":"legal_basis"' "r$i.body" && grep -q '"line":2' "r$i.body"; then
            bad=$((bad + 1))
        else
            fail "bad body $i: HTTP $code $(cat "r$i.body")"
        fi
    else
        if [ "$code" = 201 ] && grep -q '"committed":2' "r$i.body"; then good=$((good + 1)); else fail "good body $i: HTTP $code $(cat "r$i.body")"; fi
    fi
done
[ $good -eq 20 ] && ok "the 20 good bodies got 201 {committed: 2}" || fail "$good good answers"
[ $bad -eq 10 ] && ok "the 10 bad bodies got 400 naming line 2, field legal_basis" || fail "$bad bad answers"
code=$(awk '$2 == "lab" { print $1 }' codes.txt)
[ "$code" = 403 ] && ok "the lab is refused (403)" || fail "lab: HTTP $code"

# What is stored: whole good bodies, nothing of the bad ones or the lab's.
np=$(q "SELECT count(*) FROM person WHERE ref LIKE 'G%'")
ne=$(q "SELECT count(*) FROM episode e JOIN person p ON p.id = e.person_id WHERE e.ref = 'GE' || substr(p.ref, 2)")
[ "$np" = 20 ] && [ "$ne" = 20 ] && ok "20 people with their episodes stored" || fail "$np people, $ne episodes"
nbad=0
for i in $(seq 3 3 30); do
    [ "$(q "SELECT count(*) FROM person WHERE ref = 'G$i'")" = 0 ] || nbad=$((nbad + 1))
done
[ $nbad -eq 0 ] && ok "no person of a bad body was stored (its good line 1 was undone)" || fail "$nbad bad bodies left their person"
[ "$(q "SELECT count(*) FROM person WHERE ref = 'G99'")" = 0 ] && ok "nothing of the lab's body" || fail "G99 stored"
# Audit: one create entry per stored record (2 per good body), the refusal on record.
na=$(q "SELECT count(*) FROM audit WHERE action = 'create' AND user_name = 'u_clinician'")
[ "$na" = 40 ] && ok "40 create entries (2 per good body; none of the undone records)" || fail "$na create entries"
nd=$(q "SELECT count(*) FROM audit WHERE action = 'denied' AND object = 'import:body:1' AND user_name = 'u_lab'")
[ "$nd" -ge 1 ] && ok "the lab's refusal is audited (import:body:1)" || fail "no denied entry for the lab"

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
line=$(grep 'requests in' serve.err)
jobs=$(echo "$line" | sed -n 's/.*stopped; \([0-9]*\) audited or written requests in \([0-9]*\) commits.*/\1/p')
commits=$(echo "$line" | sed -n 's/.*stopped; \([0-9]*\) audited or written requests in \([0-9]*\) commits.*/\2/p')
if [ -n "$jobs" ] && [ -n "$commits" ] && [ "$jobs" -ge 30 ] && [ "$commits" -lt "$jobs" ]; then
    ok "grouped: $jobs requests in $commits commits"
else
    fail "not grouped: '$line'"
fi
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "$(cat verify.out)" || { fail "audit verify"; cat verify.out >&2; }

suite_end
