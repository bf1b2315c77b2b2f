#!/bin/sh
# Benchmark: `pathways registry report --kind relapse-survival` over N
# episodes (default 1,000,000) on a throw-away PostgreSQL 15 server (target:
# at most 5 s). Prints the wall time and peak memory of the whole
# command. Not a timed test.
#
# The data follow bench_registry_report.c (one successful discharge per
# person; 40% relapse by a relapse record, a positive test or a "using"
# follow-up; 2% die; 3% are imprisoned; the rest are censored by a negative
# test) but are made server-side with generate_series, so that loading a
# million episodes takes seconds, not an import.
#
# usage: [PW_BENCH_PERF=perf.data] bench_registry_report_pg.sh PATHWAYS_BIN [EPISODES]
# (PW_BENCH_PERF: also record the ungrouped report with `perf record -g`)
BIN=${1:?usage: bench_registry_report_pg.sh PATHWAYS_BIN [EPISODES]}
N=${2:-1000000}
HERE=$(cd "$(dirname "$0")/../tests/registry" && pwd)
. "$HERE/pg_helper.sh"
pg_start || { echo "cannot start PostgreSQL" >&2; exit 3; }
WORK=$(mktemp -d /tmp/pw_bench_pg.XXXXXX)
trap 'pg_stop; rm -rf "$WORK"' EXIT INT TERM
export PW_REGISTRY_KEYFILE="$WORK/site.key"
DB=$(pg_newdb bench) || exit 3
ADMIN=$("$BIN" registry init --db "$DB" | tail -n 1) || exit 3
ANALYST=$("$BIN" registry user add --db "$DB" --as "$ADMIN" --name analyst \
    --role analyst) || exit 3
start=$(date +%s.%N)
pg_psql bench -v ON_ERROR_STOP=1 <<SQL || exit 3
SELECT setseed(0.42);
INSERT INTO person (id, ref, pkey, name_enc, national_id_enc, birth_day, sex, created_by)
  SELECT i, 'P' || i, lpad(to_hex(i), 64, '0'), 'x', 'x', 7300, 'male', 1
  FROM generate_series(1000, $N + 999) i;
CREATE TEMP TABLE g AS
  SELECT i, k, s, s + 60 + (random() * 299)::int AS d, random() AS u,
         floor(random() * 3)::int AS how, floor(random() * 5)::int AS sub
  FROM (SELECT i, floor(random() * 5)::int AS k, 20089 + (random() * 364)::int AS s
        FROM generate_series(1000, $N + 999) i) x;
INSERT INTO episode (id, ref, person_id, programme, regime, legal_basis, start_day,
                     substance, status, active_day, discharge_day, discharge_reason, created_by)
  SELECT i, 'E' || i, i,
         (ARRAY['inpatient','outpatient','drug_court','twelve_step','community'])[k + 1],
         (ARRAY['hybrid','kz-current','portugal','drug-court','russia'])[k + 1],
         'voluntary', s,
         (ARRAY['heroin','cannabis','synthetic_cannabinoids','synthetic_cathinones',
                'methamphetamine'])[sub + 1],
         'discharged', s, d, 'completed', 1 FROM g;
INSERT INTO relapse (episode_id, relapse_day, created_by)
  SELECT i, d + 1 + (u * 1000)::int % 400, 1 FROM g WHERE u < 0.35 + 0.02 * k AND how = 0;
INSERT INTO drug_test (episode_id, test_day, analyte, result, created_by)
  SELECT i, d + 1 + (u * 1000)::int % 400, 'morphine',
         CASE WHEN u < 0.35 + 0.02 * k THEN 'positive' ELSE 'negative' END, 1
  FROM g WHERE (u < 0.35 + 0.02 * k AND how = 1) OR u >= 0.5;
INSERT INTO followup (episode_id, followup_day, status, created_by)
  SELECT i, d + 1 + (u * 1000)::int % 400, 'using', 1 FROM g
  WHERE u < 0.35 + 0.02 * k AND how = 2;
INSERT INTO death (person_id, death_day, created_by)
  SELECT i, d + 1 + (u * 1000)::int % 400, 1 FROM g
  WHERE u >= 0.35 + 0.02 * k AND u < 0.47;
INSERT INTO imprisonment (person_id, start_day, created_by)
  SELECT i, d + 1 + (u * 1000)::int % 400, 1 FROM g WHERE u >= 0.47 AND u < 0.5;
ANALYZE;
SQL
end=$(date +%s.%N)
echo "data: $N episodes made in $(echo "$end - $start" | bc) s"
for by in "" "--by programme"; do
    # $by is one or two words on purpose.
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e s (user %U s, sys %S s), %M kB peak" -o "$WORK/time" \
        "$BIN" registry report --db "$DB" --as "$ANALYST" --kind relapse-survival \
        $by --as-of 2028-01-05 > "$WORK/out.json" || exit 3
    echo "relapse-survival $by (PostgreSQL, whole command): $(cat "$WORK/time")"
    if [ -n "$PW_BENCH_PERF" ] && [ -z "$by" ]; then
        perf record -F 499 -g -o "$PW_BENCH_PERF" "$BIN" registry report --db "$DB" \
            --as "$ANALYST" --kind relapse-survival --as-of 2028-01-05 > /dev/null 2>&1
    fi
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g=d["groups"][0]; print("  first group: n =", g.get("n"), "events =", g.get("events"))' "$WORK/out.json" 2>/dev/null
done
