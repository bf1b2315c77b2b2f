/*
 * Benchmark: HTTP reads against loopback with wrk (issue 5 goal: at least
 * 5,000 requests per second with p99 under 50 ms on 2 cores). Prints
 * figures; not a timed test.
 *
 * Starts the API in-process on a free port over an SQLite registry of
 * 1,000 people, then runs `wrk -t2 -c32 -d5s --latency` on:
 *   /api/v1/health              no token, no database (the HTTP floor)
 *   /api/v1/stats               token check + aggregate counts
 *   /api/v1/episodes/E1         token check + role-filtered episode read,
 *                               audited (each read commits an audit entry)
 *   /api/v1/reports/caseload    token check + report, audited
 *   /app.js                     a web front-end file (embedded, ETag)
 *   /api/v1/episodes?limit=50   the web UI's episode list, 51 audit entries
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
#include "pathways/registry.h"

/* Runs wrk and prints its throughput and latency percentiles. */
static void run_wrk(const char *label, const char *url, const char *token, int secs)
{
    /* PW_BENCH_ONLY=episodes runs only the matching endpoint (to profile
     * one path with perf). */
    const char *only = getenv("PW_BENCH_ONLY");
    if (only && *only && !strstr(label, only))
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "wrk -t2 -c32 -d%ds --latency %s%s%s '%s' 2>&1", secs,
             token ? "-H 'Authorization: Bearer " : "", token ? token : "", token ? "'" : "",
             url);
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
    int port = pwi_http_port(h);
    printf("server: %d threads on 127.0.0.1:%d, %s registry of %ld records; wrk -t2 -c32 -d%ds\n",
           threads, port, argc > 3 ? "PostgreSQL" : "SQLite", res.committed, secs);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/health", port);
    run_wrk("GET health", url, NULL, secs);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/stats", port);
    run_wrk("GET stats", url, clin, secs);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/episodes/E1", port);
    run_wrk("GET episodes/E1 (audited)", url, clin, secs);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/reports/caseload", port);
    run_wrk("GET reports/caseload", url, clin, secs);
    /* The web front-end: an embedded file (no token, no database), and the
     * episode list page it asks for (50 rows, 51 audit entries). */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.js", port);
    run_wrk("GET /app.js (web file)", url, NULL, secs);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/episodes?limit=50", port);
    run_wrk("GET episodes?limit=50 (web list)", url, clin, secs);
    pwi_http_stop(h);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return 0;
}
