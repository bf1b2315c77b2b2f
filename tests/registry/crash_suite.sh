# Crash test: `kill -9` during an import at random moments loses no record
# whose "committed N" was printed, and leaves a database that passes its
# integrity check and `audit verify`.
# Usage: sh crash_suite.sh sqlite|pg [ROUNDS]   (env PW_BIN, PW_SRC)
set -u
BACKEND=${1:?backend}
ROUNDS=${2:-6}
BIN=${PW_BIN:?PW_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BIN" ] || { echo "no pathways binary at $BIN" >&2; exit 1; }
if [ "$BACKEND" = pg ] && [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    echo "PostgreSQL server binaries not installed: skipped" >&2
    exit 77
fi
WORK=$(mktemp -d /tmp/pw_crash.XXXXXX)
chmod 755 "$WORK"
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

cleanup() {
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

# 12,000 people, each with an episode and a start review: 36,000 lines in
# the order person, episode, review, so line L belongs to person ceil(L/3).
N=12000
awk -v n=$N 'BEGIN {
  for (i = 1; i <= n; i++) {
    printf "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%08d\",\"name\":\"Person %d\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", i, i, i
    printf "{\"type\":\"episode\",\"ref\":\"E%d\",\"person\":\"P%d\",\"programme\":\"outpatient\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", i, i
    printf "{\"type\":\"review\",\"episode\":\"E%d\",\"date\":\"2025-01-02\",\"stage\":\"start\",\"opioid_days\":%d}\n", i, i % 29
  }
}' > data.jsonl

q() {  # q SQL -> one value
    if [ "$BACKEND" = pg ]; then pg_psql "db$r" -At -c "$1"; else sqlite3 "db$r.sqlite" "$1"; fi
}

r=0
while [ $r -lt "$ROUNDS" ]; do
    r=$((r + 1))
    if [ "$BACKEND" = pg ]; then
        DB=$(pg_newdb "db$r") || exit 1
    else
        DB="$WORK/db$r.sqlite"
    fi
    TOKEN=$("$BIN" registry init --db "$DB" 2>/dev/null | tail -n 1)
    CLIN=$("$BIN" registry user add --db "$DB" --as "$TOKEN" --name c --role clinician | tail -n 1)
    # A random moment into the import: SQLite imports ~20,000 records/s,
    # PostgreSQL (a round trip per statement) ~1,500/s, so the window and
    # the batch differ to land kills both inside and between batches.
    rnd=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    if [ "$BACKEND" = pg ]; then ms=$(( 200 + rnd % 2000 )); batch=100
    else ms=$(( 50 + rnd % 1200 )); batch=500; fi
    "$BIN" registry import --db "$DB" --as "$CLIN" --batch $batch data.jsonl > out$r 2> err$r &
    pid=$!
    sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    last=$(sed -n 's/^committed \([0-9]*\)$/\1/p' out$r | tail -n 1)
    last=${last:-0}
    # Records 1..last were committed: people 1..ceil(last/3), episodes
    # 1..ceil((last-1)/3), reviews 1..floor(last/3).
    p=$(( (last + 2) / 3 )); e=$(( (last + 1) / 3 )); v=$(( last / 3 ))
    gp=$(q "SELECT count(*) FROM person WHERE CAST(substr(ref, 2) AS INTEGER) <= $p")
    ge=$(q "SELECT count(*) FROM episode WHERE CAST(substr(ref, 2) AS INTEGER) <= $e")
    gv=$(q "SELECT count(*) FROM review r JOIN episode e ON e.id = r.episode_id WHERE CAST(substr(e.ref, 2) AS INTEGER) <= $v")
    total=$(q "SELECT count(*) FROM person")
    if [ "$gp" = "$p" ] && [ "$ge" = "$e" ] && [ "$gv" = "$v" ]; then
        ok "round $r: killed at ${ms} ms after 'committed $last'; all $last reported records present ($total people stored)"
    else
        fail "round $r: reported $last, found people $gp/$p episodes $ge/$e reviews $gv/$v"
    fi
    if [ "$BACKEND" = sqlite ]; then
        ic=$(sqlite3 "$DB" "PRAGMA integrity_check")
        [ "$ic" = ok ] && ok "round $r: integrity_check ok" || fail "round $r: integrity_check: $ic"
        fk=$(sqlite3 "$DB" "PRAGMA foreign_key_check" | wc -l)
        [ "$fk" = 0 ] && ok "round $r: foreign keys hold" || fail "round $r: $fk foreign-key violations"
    else
        # PostgreSQL has no integrity_check; amcheck verifies the B-trees.
        pg_psql "db$r" -c "CREATE EXTENSION IF NOT EXISTS amcheck" > /dev/null 2>&1
        bad=$(pg_psql "db$r" -At -c "SELECT count(*) FROM (SELECT bt_index_check(c.oid) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace) x" 2>&1)
        case "$bad" in [0-9]*) ok "round $r: amcheck of every index ok" ;; *) fail "round $r: amcheck: $bad" ;; esac
    fi
    if "$BIN" registry audit verify --db "$DB" > ver$r 2>&1; then
        ok "round $r: $(cat ver$r)"
    else
        fail "round $r: audit verify: $(cat ver$r)"
    fi
    # Recovery (SQLite, first round; PostgreSQL's round trips make a full
    # re-run too slow for CI): re-running the whole file completes the
    # import, stores nothing twice and keeps the chain whole.
    if [ $r -eq 1 ] && [ "$BACKEND" = sqlite ]; then
        "$BIN" registry import --db "$DB" --as "$CLIN" --batch 2000 data.jsonl > rerun.out 2> rerun.err
        rc=$?
        [ $rc -le 1 ] && ok "re-run after the crash ends cleanly (exit $rc)" || fail "re-run exit $rc: $(tail -n 2 rerun.err)"
        n=$(q "SELECT (SELECT count(*) FROM person) || ' ' || (SELECT count(*) FROM episode) || ' ' || (SELECT count(*) FROM review)")
        [ "$n" = "$N $N $N" ] && ok "after the re-run every record is stored once ($n)" || fail "after re-run: $n, wanted $N each"
        "$BIN" registry audit verify --db "$DB" > /dev/null 2>&1 && ok "chain whole after the re-run" || fail "chain after re-run"
    fi
done

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed" >&2
    exit 1
fi
echo "crash test passed ($BACKEND, $ROUNDS rounds)"
