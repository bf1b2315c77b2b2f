#!/bin/sh
# Benchmark: the latency of audited HTTP reads (GET /api/v1/episodes/E1)
# while a command-line import writes to the same SQLite registry. Every
# audited answer waits for the server's writer to commit its audit entry,
# and that writer must get SQLite's write lock in the gaps between the
# import's batches (db.h, pwi_db_poll_lock). Prints the median, 90th
# percentile and maximum of READS sequential requests. Not a timed test.
#
# usage: bench_http_during_import.sh PATHWAYS_BIN [READS] [PEOPLE]
#        (default 25 reads during an import of 2 x 60,000 records, batches of 200)
BIN=${1:?usage: bench_http_during_import.sh PATHWAYS_BIN [READS] [PEOPLE]}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
READS=${2:-25}
N=${3:-60000}
WORK=$(mktemp -d /tmp/pw_bench_contention.XXXXXX)
SERVER= IMPORT=
trap '[ -n "$IMPORT" ] && kill $IMPORT 2>/dev/null; [ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 3
A=$("$BIN" registry init --db reg.db 2>/dev/null | tail -n 1) || exit 3
C=$("$BIN" registry user add --db reg.db --as "$A" --name c --role clinician | tail -n 1) || exit 3
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) {
  printf "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%08d\",\"name\":\"P %d\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", i, i, i
  printf "{\"type\":\"episode\",\"ref\":\"E%d\",\"person\":\"P%d\",\"programme\":\"A\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", i, i } }' > all.jsonl
head -n 2 all.jsonl > first.jsonl
tail -n +3 all.jsonl > rest.jsonl
"$BIN" registry import --db reg.db --as "$C" first.jsonl > /dev/null 2>&1 || exit 3
"$BIN" serve --db reg.db --port 0 --threads 2 > serve.out 2> serve.err &
SERVER=$!
i=0
while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' serve.out)
[ -n "$PORT" ] || { echo "server did not start" >&2; exit 3; }
"$BIN" registry import --db reg.db --as "$C" --batch 200 rest.jsonl > import.out 2>&1 &
IMPORT=$!
sleep 0.3
for i in $(seq 1 "$READS"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $C" \
        "http://127.0.0.1:$PORT/api/v1/episodes/E1"
done > times.txt
running=no
kill -0 "$IMPORT" 2>/dev/null && running=yes
wait "$IMPORT"; IMPORT=
bad=$(awk '$1 != 200' times.txt | wc -l)
awk '{ print $2 }' times.txt | sort -n | awk -v running="$running" -v bad="$bad" \
    '{ a[NR] = $1 } END { printf "audited reads during an import: n=%d  median %.3f s  p90 %.3f s  max %.3f s  (non-200: %d; import still running after the last read: %s)\n", NR, a[int(NR / 2) + 1], a[int(NR * 0.9)], a[NR], bad, running }'
