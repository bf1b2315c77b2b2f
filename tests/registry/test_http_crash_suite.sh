# Crash test under HTTP load: `kill -9` of `pathways serve` while several
# clients POST records and read episodes loses no record whose POST got a
# 2xx answer, and leaves a database that passes its integrity check and
# `audit verify`; the server then starts again on the same database.
# Usage: sh test_http_crash_suite.sh sqlite|pg [ROUNDS]   (env PW_BIN, PW_SRC)
set -u
BACKEND=${1:?backend}
ROUNDS=${2:-3}
BIN=${PW_BIN:?PW_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$BACKEND" = pg ] && [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    echo "PostgreSQL server binaries not installed: skipped" >&2
    exit 77
fi
WORK=$(mktemp -d /tmp/pw_httpcrash.XXXXXX)
chmod 755 "$WORK"
FAILS=0
SERVER=
CLIENTS=
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

stop_all() {
    : > "$WORK/stop"
    for c in $CLIENTS; do wait "$c" 2>/dev/null; done
    CLIENTS=
    [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    SERVER=
}
cleanup() {
    stop_all
    [ "$BACKEND" = pg ] && pg_stop
    rm -rf "$WORK"
}
if [ "$BACKEND" = pg ]; then
    . "$HERE/pg_helper.sh"
    pg_start || { echo "cannot start PostgreSQL" >&2; exit 1; }
    export PW_REGISTRY_KEYFILE="$WORK/site.key"
fi
trap cleanup EXIT INT TERM
cd "$WORK" || exit 1

start_server() {  # start_server DB -> sets SERVER and URL
    rm -f serve.out
    "$BIN" serve --db "$1" --port 0 --threads 2 > serve.out 2> serve.err &
    SERVER=$!
    i=0
    while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' serve.out)
    [ -n "$PORT" ] || { cat serve.err >&2; return 1; }
    URL="http://127.0.0.1:$PORT/api/v1"
}

# One writer: POSTs a person and their episode per request (one
# transaction) and logs the ref when the server answered 201.
writer() {  # writer ID TOKEN
    n=0
    while [ ! -f stop ]; do
        n=$((n + 1))
        ref="W$1_$n"
        code=$(printf '{"type":"person","ref":"%s","national_id":"N%s","name":"Name %s","birth_date":"1990-01-01","sex":"male"}\n{"type":"episode","ref":"%s","person":"%s","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01"}\n' \
            "$ref" "$ref" "$ref" "E$ref" "$ref" |
            curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
                -H "Authorization: Bearer $2" --data-binary @- "$URL/records")
        case "$code" in 2*) echo "$ref" >> "acked$1" ;; 000) sleep 0.05 ;; esac
    done
}
# One reader: audited episode reads (each one is a write of the audit log).
reader() {  # reader TOKEN
    while [ ! -f stop ]; do
        curl -s -o /dev/null --max-time 5 -H "Authorization: Bearer $1" "$URL/episodes/EW1_1" || sleep 0.05
    done
}

q() {  # q SQL -> rows
    if [ "$BACKEND" = pg ]; then pg_psql "db$r" -At -c "$1"; else sqlite3 "$DB" "$1"; fi
}

r=0
while [ $r -lt "$ROUNDS" ]; do
    r=$((r + 1))
    rm -f stop acked*
    if [ "$BACKEND" = pg ]; then
        DB=$(pg_newdb "db$r") || exit 1
    else
        DB="$WORK/db$r.sqlite"
    fi
    ADMIN=$("$BIN" registry init --db "$DB" 2>/dev/null | tail -n 1)
    CLIN=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name c --role clinician | tail -n 1)
    start_server "$DB" || { fail "round $r: server did not start"; continue; }
    for w in 1 2 3; do writer $w "$CLIN" & CLIENTS="$CLIENTS $!"; done
    reader "$CLIN" & CLIENTS="$CLIENTS $!"
    # Kill at a random moment 0.6-2.1 s into the load.
    rnd=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    ms=$(( 600 + rnd % 1500 ))
    sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 "$SERVER"
    wait "$SERVER" 2>/dev/null
    SERVER=
    : > stop
    for c in $CLIENTS; do wait "$c" 2>/dev/null; done
    CLIENTS=

    cat acked* 2>/dev/null | sort > acked.all
    nacked=$(wc -l < acked.all)
    q "SELECT ref FROM person" | sort > people.stored
    q "SELECT substr(ref, 2) FROM episode" | sort > episodes.stored
    lost_p=$(comm -23 acked.all people.stored | wc -l)
    lost_e=$(comm -23 acked.all episodes.stored | wc -l)
    # A request is all or nothing: every person has their episode.
    half=$(comm -3 people.stored episodes.stored | wc -l)
    if [ "$nacked" -gt 0 ] && [ "$lost_p" -eq 0 ] && [ "$lost_e" -eq 0 ]; then
        ok "round $r: killed at $ms ms; all $nacked acknowledged POSTs stored ($(wc -l < people.stored) people)"
    else
        fail "round $r: $nacked acknowledged, lost $lost_p people and $lost_e episodes"
    fi
    [ "$half" -eq 0 ] && ok "round $r: no half-written request" || fail "round $r: $half people without their episode or vice versa"
    if [ "$BACKEND" = sqlite ]; then
        ic=$(sqlite3 "$DB" "PRAGMA integrity_check")
        [ "$ic" = ok ] && ok "round $r: integrity_check ok" || fail "round $r: integrity_check: $ic"
    else
        pg_psql "db$r" -c "CREATE EXTENSION IF NOT EXISTS amcheck" > /dev/null 2>&1
        bad=$(pg_psql "db$r" -At -c "SELECT count(*) FROM (SELECT bt_index_check(c.oid) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace) x" 2>&1)
        case "$bad" in [0-9]*) ok "round $r: amcheck of every index ok" ;; *) fail "round $r: amcheck: $bad" ;; esac
    fi
    if "$BIN" registry audit verify --db "$DB" > ver$r 2>&1; then
        ok "round $r: audit verify: $(cat ver$r)"
    else
        fail "round $r: audit verify: $(cat ver$r)"
    fi
    # The server comes back on the crashed database and serves reads.
    if start_server "$DB"; then
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CLIN" "$URL/stats")
        [ "$code" = 200 ] && ok "round $r: server restarts and serves" || fail "round $r: restart: HTTP $code"
        kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
    else
        fail "round $r: server does not restart"
    fi
done

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed" >&2
    exit 1
fi
echo "HTTP crash test passed ($BACKEND, $ROUNDS rounds)"
