/*
 * Benchmark: HTTP reads against loopback with wrk (target: at least
 * 5,000 requests per second with p99 under 50 ms on 2 cores). Prints
 * figures; not a timed test.
 *
 * Starts the API in-process on a free port over an SQLite registry of
 * 1,000 people, then runs `wrk -t2 -c32 -d5s --latency` (PW_BENCH_CONNS sets
 * -c) on:
 *   /api/v1/health              no token, no database (the HTTP floor)
 *   /api/v1/stats               token check + aggregate counts
 *   /api/v1/episodes/E1         token check + role-filtered episode read,
 *                               audited (each read commits an audit entry)
 *   /api/v1/reports/caseload    token check + report, audited
 *   POST /api/v1/records        token check + import of a new person and
 *                               their episode (2 records, all or nothing,
 *                               durable before the 201); each request's
 *                               body is unique (a wrk Lua script numbers
 *                               them), so none is a duplicate
 *   /app.js                     a web front-end file (embedded, ETag)
 *   /api/v1/episodes?limit=50   the web UI's episode list, 51 audit entries
 *
 * PW_BENCH_GATHER_US bounds the group commit's gather window (0 = off).
 *
 * usage: [PW_BENCH_ONLY=WORD] bench_http [SECONDS] [THREADS] [DB]   (default 5, 2, a new SQLite
 * file); DB may be the URL of an empty PostgreSQL database (set
 * PW_REGISTRY_KEYFILE or PW_REGISTRY_KEY as for any registry). Needs `wrk`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/registry/http.h"
#include "../src/registry/reg.h"
#include "pathways/registry.h"

/* wrk's connections: PW_BENCH_CONNS, default 32 (the figure the goal is
 * quoted at). The group commit's batches grow with it, so a curve over
 * 16/32/64 tells a disk-bound server from a CPU-bound one. */
static int conns(void)
{
    const char *c = getenv("PW_BENCH_CONNS");
    int n = c ? atoi(c) : 0;
    return n > 0 ? n : 32;
}

/* Runs wrk and prints its throughput and latency percentiles, then how
 * many audited requests each commit of the group commit carried; `script`
 * is a wrk Lua file or NULL. */
static void run_wrk(pwi_http *h, const char *label, const char *url, const char *token,
                    int secs, const char *script)
{
    /* PW_BENCH_ONLY=episodes runs only the matching endpoint (to profile
     * one path with perf). */
    const char *only = getenv("PW_BENCH_ONLY");
    if (only && *only && !strstr(label, only))
        return;
    char cmd[1024];
    long jobs0 = 0, commits0 = 0, jobs1 = 0, commits1 = 0;
    pwi_http_counts(h, &jobs0, &commits0);
    snprintf(cmd, sizeof cmd, "wrk -t2 -c%d -d%ds --latency %s%s%s%s%s '%s' 2>&1", conns(), secs,
             token ? "-H 'Authorization: Bearer " : "", token ? token : "", token ? "'" : "",
             script ? " -s " : "", script ? script : "", url);
    FILE *p = popen(cmd, "r");
    if (!p) {
        perror("popen wrk");
        return;
    }
    char line[512], rps[64] = "?", p50[64] = "?", p99[64] = "?", errs[128] = "";
    while (fgets(line, sizeof line, p)) {
        char a[64];
        if (sscanf(line, " Requests/sec: %63s", a) == 1)
            snprintf(rps, sizeof rps, "%s", a);
        else if (sscanf(line, " 50%% %31s", a) == 1)
            snprintf(p50, sizeof p50, "%s", a);
        else if (sscanf(line, " 99%% %31s", a) == 1)
            snprintf(p99, sizeof p99, "%s", a);
        else if (strstr(line, "Non-2xx") || strstr(line, "Socket errors"))
            snprintf(errs, sizeof errs, "  [%.*s]", (int)strcspn(line, "\n"), line);
    }
    int rc = pclose(p);
    if (rc != 0)
        printf("%-28s wrk failed (is wrk installed?)\n", label);
    else
        printf("%-28s %10s req/s   p50 %8s   p99 %8s%s\n", label, rps, p50, p99, errs);
    pwi_http_counts(h, &jobs1, &commits1);
    if (jobs1 > jobs0 && commits1 > commits0)
        printf("%-28s %10ld requests in %ld commits (%.1f per commit)\n", "", jobs1 - jobs0,
               commits1 - commits0, (double)(jobs1 - jobs0) / (double)(commits1 - commits0));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 5;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    char dir[] = "/tmp/pw_bench_http_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 3;
    }
    char db[1024], jsonl[128];
    if (argc > 3)
        snprintf(db, sizeof db, "%s", argv[3]);
    else
        snprintf(db, sizeof db, "%s/reg.db", dir);
    snprintf(jsonl, sizeof jsonl, "%s/in.jsonl", dir);
    setenv("PW_REGISTRY_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 0);
    pw_error err;
    pw_error_clear(&err);
    char admin[65], clin[65];
    if (pw_registry_init(db, admin, &err) != PW_OK ||
        pw_registry_user_add(db, admin, "clin", "clinician", clin, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench");
        return 3;
    }
    FILE *f = fopen(jsonl, "w");
    if (!f)
        return 3;
    for (int i = 1; i <= 1000; i++) {
        fprintf(f, "{\"type\":\"person\",\"ref\":\"P%d\",\"national_id\":\"ID%08d\",\"name\":\"Person %d\","
                   "\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\n", i, i, i);
        fprintf(f, "{\"type\":\"episode\",\"ref\":\"E%d\",\"person\":\"P%d\",\"programme\":\"A\","
                   "\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n", i, i);
        fprintf(f, "{\"type\":\"review\",\"episode\":\"E%d\",\"date\":\"2025-01-02\",\"stage\":\"start\","
                   "\"opioid_days\":%d,\"notes\":\"note %d\"}\n", i, i % 29, i);
        fprintf(f, "{\"type\":\"test\",\"episode\":\"E%d\",\"date\":\"2025-01-03\",\"analyte\":\"morphine\","
                   "\"result\":\"negative\"}\n", i);
    }
    fclose(f);
    pw_import_opts io = {.batch = 1000, .progress = NULL, .errors = stderr};
    pw_import_result res;
    if (pw_registry_import(db, clin, jsonl, &io, &res, &err) != PW_OK || res.rejected) {
        pw_error_print(&err, stderr, "bench");
        return 3;
    }
    pwi_http_opts o = {.db_url = db, .bind = "127.0.0.1", .port = 0, .threads = threads};
    pwi_http *h = NULL;
    if (pwi_http_start(&o, &h, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench");
        return 3;
    }
    /* PW_BENCH_GATHER_US bounds the group commit's gather window (0: off),
     * to compare with the commits taken at once. */
    const char *gather = getenv("PW_BENCH_GATHER_US");
    if (gather && *gather)
        pwi_http_set_gather(h, atol(gather));
    int port = pwi_http_port(h);
    printf("server: %d threads on 127.0.0.1:%d, %s registry of %ld records; wrk -t2 -c%d -d%ds\n",
           threads, port, argc > 3 ? "PostgreSQL" : "SQLite", res.committed, conns(), secs);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/health", port);
    run_wrk(h, "GET health", url, NULL, secs, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/stats", port);
    run_wrk(h, "GET stats", url, clin, secs, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/episodes/E1", port);
    run_wrk(h, "GET episodes/E1 (audited)", url, clin, secs, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/reports/caseload", port);
    run_wrk(h, "GET reports/caseload", url, clin, secs, NULL);

    /* POST: every request a new person and episode. wrk runs one Lua state
     * per thread; setup() numbers the threads so refs never collide. */
    char lua[160];
    snprintf(lua, sizeof lua, "%s/post.lua", dir);
    FILE *s = fopen(lua, "w");
    if (!s)
        return 3;
    fputs("local n = 0\n"
          "local threads = 0\n"
          "function setup(thread) thread:set('tid', threads); threads = threads + 1 end\n"
          "function request()\n"
          "  n = n + 1\n"
          "  local id = 'W' .. tid .. 'N' .. n\n"
          "  local body = '{\"type\":\"person\",\"ref\":\"' .. id .. '\",\"national_id\":\"' .. id ..\n"
          "    '\",\"name\":\"Bench Person\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}\\n' ..\n"
          "    '{\"type\":\"episode\",\"ref\":\"E' .. id .. '\",\"person\":\"' .. id ..\n"
          "    '\",\"programme\":\"A\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",' ..\n"
          "    '\"start\":\"2025-01-01\"}\\n'\n"
          "  local h = {}\n"
          "  for k, v in pairs(wrk.headers) do h[k] = v end\n"
          "  h['Content-Type'] = 'application/x-ndjson'\n"
          "  return wrk.format('POST', nil, h, body)\n"
          "end\n",
          s);
    fclose(s);
    long before = 0;
    {
        pwi_reg *reg = NULL;
        int64_t v = 0;
        int found = 0;
        if (pwi_reg_open(db, NULL, &reg, &err) == PW_OK) {
            pwi_db_query_int64(reg->db, "SELECT COUNT(*) FROM person", &v, &found, &err);
            pwi_reg_close(reg);
        }
        before = (long)v;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/records", port);
    run_wrk(h, "POST records (2 per request)", url, clin, secs, lua);
    /* The web front-end: an embedded file (no token, no database), and the
     * episode list page it asks for (50 rows, 51 audit entries). */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.js", port);
    run_wrk(h, "GET /app.js (web file)", url, NULL, secs, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/episodes?limit=50", port);
    run_wrk(h, "GET episodes?limit=50 (web list)", url, clin, secs, NULL);
    pwi_http_stop(h);
    {
        /* Every 201 is a stored pair: the count says how many went in. */
        pwi_reg *reg = NULL;
        int64_t v = 0;
        int found = 0;
        if (pwi_reg_open(db, NULL, &reg, &err) == PW_OK) {
            pwi_db_query_int64(reg->db, "SELECT COUNT(*) FROM person", &v, &found, &err);
            pwi_reg_close(reg);
        }
        printf("%-28s %10ld people stored by the POSTs (%.0f/s)\n", "", (long)v - before,
               ((double)v - (double)before) / secs);
    }
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return 0;
}
