/*
 * bench_registry_import: import rate into the registry (target:
 * at least 20,000 records per second into SQLite).
 *
 * usage: bench_registry_import [PEOPLE] [DB]
 *   PEOPLE  people to generate (default 20000); each brings 16 records: the
 *           person, an episode (every tenth with a mild case, which the
 *           engine decides without a panel), 4 TOP reviews, 8 drug tests,
 *           a discharge and a follow-up.
 *   DB      registry to create (default a fresh SQLite file under /tmp); a
 *           postgresql:// URL of an empty database measures PostgreSQL
 *           (set PW_REGISTRY_KEYFILE then).
 * Prints records, seconds and records per second for the import, and the
 * time `audit verify` takes over the resulting chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathways/registry.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void write_records(FILE *f, long people)
{
    static const char *const results[] = {"negative", "negative", "negative",
                                          "positive", "missed"};
    for (long i = 1; i <= people; i++) {
        fprintf(f,
                "{\"type\":\"person\",\"ref\":\"P%ld\",\"national_id\":"
                "\"%012ld\",\"name\":\"Person %ld\",\"birth_date\":"
                "\"1990-01-01\",\"sex\":\"%s\"}\n",
                i, 870000000000L + i, i, i % 2 ? "male" : "female");
        if (i % 10 == 0)
            fprintf(f,
                    "{\"type\":\"episode\",\"ref\":\"E%ld\",\"person\":\"P%ld\","
                    "\"programme\":\"inpatient\",\"regime\":\"hybrid\","
                    "\"legal_basis\":\"voluntary\",\"start\":\"2024-01-01\","
                    "\"case\":{\"age\":30,\"event\":\"use\",\"consents_to_"
                    "treatment\":true,\"substances\":[{\"substance\":\"heroin\","
                    "\"dsm5_criteria\":3}]}}\n",
                    i, i);
        else
            fprintf(f,
                    "{\"type\":\"episode\",\"ref\":\"E%ld\",\"person\":\"P%ld\","
                    "\"programme\":\"outpatient\",\"regime\":\"hybrid\","
                    "\"legal_basis\":\"voluntary\",\"start\":\"2024-01-01\"}\n",
                    i, i);
        static const char *const dates[] = {"2024-01-02", "2024-04-01",
                                             "2024-07-01", "2024-09-30"};
        for (int r = 0; r < 4; r++)
            fprintf(f,
                    "{\"type\":\"review\",\"episode\":\"E%ld\",\"date\":\"%s\","
                    "\"stage\":\"%s\",\"opioid_days\":%ld,\"injecting_days\":%ld,"
                    "\"psych_health\":%ld,\"phys_health\":%ld,"
                    "\"quality_of_life\":%ld,\"work_days\":%ld}\n",
                    i, dates[r], r ? "review" : "start", (i + r) % 29,
                    (i * 3 + r) % 29, (i + r) % 21, (i * 7 + r) % 21,
                    (i * 5 + r) % 21, (i + 2 * r) % 29);
        for (int t = 0; t < 8; t++)
            fprintf(f,
                    "{\"type\":\"test\",\"episode\":\"E%ld\",\"date\":"
                    "\"2024-%02d-%02d\",\"analyte\":\"opiates\",\"result\":"
                    "\"%s\"}\n",
                    i, 1 + t, 10 + t, results[(i + t) % 5]);
        fprintf(f,
                "{\"type\":\"discharge\",\"episode\":\"E%ld\",\"date\":"
                "\"2024-10-01\",\"reason\":\"%s\"}\n",
                i, i % 3 ? "completed" : "dropped_out");
        fprintf(f,
                "{\"type\":\"followup\",\"episode\":\"E%ld\",\"date\":"
                "\"2025-01-01\",\"status\":\"%s\"}\n",
                i, i % 4 ? "abstinent" : "using");
    }
}

int main(int argc, char **argv)
{
    long people = argc > 1 ? atol(argv[1]) : 20000;
    char dbpath[256];
    int own_db = argc <= 2;
    if (own_db)
        snprintf(dbpath, sizeof dbpath, "/tmp/pw_bench_registry_%d.db", (int)getpid());
    else
        snprintf(dbpath, sizeof dbpath, "%s", argv[2]);
    char data[256];
    snprintf(data, sizeof data, "/tmp/pw_bench_registry_%d.jsonl", (int)getpid());
    FILE *f = fopen(data, "w");
    if (!f || people < 1) {
        fprintf(stderr, "bench_registry_import: cannot write %s\n", data);
        return 1;
    }
    write_records(f, people);
    fclose(f);

    pw_error err;
    pw_error_clear(&err);
    char admin[65], clin[65];
    if (pw_registry_init(dbpath, admin, &err) != PW_OK ||
        pw_registry_user_add(dbpath, admin, "bench", "clinician", clin, &err) !=
            PW_OK) {
        pw_error_print(&err, stderr, "bench_registry_import");
        return 1;
    }
    pw_import_opts opts = {.batch = 1000, .progress = NULL, .errors = stderr};
    pw_import_result res;
    double t0 = now();
    int rc = pw_registry_import(dbpath, clin, data, &opts, &res, &err);
    double t1 = now();
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "bench_registry_import");
        return 1;
    }
    long entries = 0;
    double t2 = now();
    rc = pw_registry_audit_verify(dbpath, &entries, &err);
    double t3 = now();
    printf("registry import (%s): %ld records (%ld rejected) in %.2f s = %.0f "
           "records/s (goal >= 20000 on SQLite)\n",
           own_db ? "SQLite, batch 1000" : dbpath, res.committed, res.rejected,
           t1 - t0, res.committed / (t1 - t0));
    printf("audit verify: %ld entries in %.2f s (%s)\n", entries, t3 - t2,
           rc == PW_OK ? "intact" : "BROKEN");
    unlink(data);
    if (own_db) {
        char p[300];
        unlink(dbpath);
        snprintf(p, sizeof p, "%s.key", dbpath);
        unlink(p);
        snprintf(p, sizeof p, "%s-wal", dbpath);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", dbpath);
        unlink(p);
    }
    return rc == PW_OK && res.rejected == 0 ? 0 : 1;
}
