/*
 * Benchmark: the relapse-survival report over 1,000,000 episodes on SQLite
 * (target: at most 5 seconds), plus the outcomes and flags reports on
 * the same data. Prints figures; not a timed test.
 *
 * The data are bulk-inserted straight into the schema (one transaction,
 * prepared statements) so that the benchmark measures the report, not the
 * importer (bench_registry_import measures that). Every episode is a
 * successful discharge; after it, 40% relapse (a relapse record, a
 * positive test or a follow-up "using"), 2% die, 3% are imprisoned and the
 * rest are censored at a last negative test or abstinent follow-up.
 *
 * usage: bench_registry_report [EPISODES] [DIR]   (default 1000000, /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../src/registry/report.h"
#include "pathways/registry.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int must(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench: %s: %s\n", what, sqlite3_errmsg(db));
        exit(3);
    }
    return rc;
}

static void step(sqlite3_stmt *st, sqlite3 *db, const char *what)
{
    must(sqlite3_step(st), db, what);
    sqlite3_reset(st);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *tmp = argc > 2 ? argv[2] : "/tmp";
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/pw_bench_report_XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 3;
    }
    snprintf(path, sizeof path, "%s/reg.db", dir);
    setenv("PW_REGISTRY_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    pw_error err;
    pw_error_clear(&err);
    char admin[65], analyst[65];
    if (pw_registry_init(path, admin, &err) != PW_OK ||
        pw_registry_user_add(path, admin, "analyst", "analyst", analyst, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench");
        return 3;
    }

    /* ---- bulk data ---- */
    double t0 = now();
    sqlite3 *db;
    must(sqlite3_open(path, &db), db, "open");
    must(sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL), db, "begin");
    sqlite3_stmt *sp, *se, *sr, *st, *sf, *sd, *si;
    must(sqlite3_prepare_v2(db, "INSERT INTO person (id, ref, pkey, name_enc, national_id_enc, "
                            "birth_day, sex, created_by) VALUES (?, ?, ?, 'x', 'x', 7300, 'male', 1)",
                            -1, &sp, NULL), db, "prep person");
    must(sqlite3_prepare_v2(db, "INSERT INTO episode (id, ref, person_id, programme, regime, "
                            "legal_basis, start_day, substance, status, active_day, discharge_day, "
                            "discharge_reason, created_by) VALUES (?, ?, ?, ?, ?, 'voluntary', ?, ?, "
                            "'discharged', ?, ?, 'completed', 1)",
                            -1, &se, NULL), db, "prep episode");
    must(sqlite3_prepare_v2(db, "INSERT INTO relapse (episode_id, relapse_day, created_by) "
                            "VALUES (?, ?, 1)", -1, &sr, NULL), db, "prep relapse");
    must(sqlite3_prepare_v2(db, "INSERT INTO drug_test (episode_id, test_day, analyte, result, "
                            "created_by) VALUES (?, ?, 'morphine', ?, 1)", -1, &st, NULL),
         db, "prep test");
    must(sqlite3_prepare_v2(db, "INSERT INTO followup (episode_id, followup_day, status, "
                            "created_by) VALUES (?, ?, ?, 1)", -1, &sf, NULL), db, "prep followup");
    must(sqlite3_prepare_v2(db, "INSERT INTO death (person_id, death_day, created_by) "
                            "VALUES (?, ?, 1)", -1, &sd, NULL), db, "prep death");
    must(sqlite3_prepare_v2(db, "INSERT INTO imprisonment (person_id, start_day, created_by) "
                            "VALUES (?, ?, 1)", -1, &si, NULL), db, "prep prison");
    static const char *const progs[] = {"inpatient", "outpatient", "drug_court", "twelve_step",
                                        "community"};
    static const char *const regimes[] = {"hybrid", "kz-current", "portugal", "drug-court",
                                          "russia"};
    static const char *const subst[] = {"heroin", "cannabis", "synthetic_cannabinoids",
                                        "synthetic_cathinones", "methamphetamine"};
    unsigned long long seed = 88172645463325252ull;
#define RND() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
    long records = 0;
    const int start = 20089; /* 2025-01-01 */
    for (long i = 1; i <= n; i++) {
        char ref[32], pkey[65];
        snprintf(ref, sizeof ref, "P%ld", i);
        snprintf(pkey, sizeof pkey, "%064lx", i);
        sqlite3_bind_int64(sp, 1, i);
        sqlite3_bind_text(sp, 2, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(sp, 3, pkey, -1, SQLITE_TRANSIENT);
        step(sp, db, "person");
        int k = (int)(RND() % 5);
        int s = start + (int)(RND() % 365);
        int d = s + 60 + (int)(RND() % 300);
        snprintf(ref, sizeof ref, "E%ld", i);
        sqlite3_bind_int64(se, 1, i);
        sqlite3_bind_text(se, 2, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(se, 3, i);
        sqlite3_bind_text(se, 4, progs[k], -1, SQLITE_STATIC);
        sqlite3_bind_text(se, 5, regimes[k], -1, SQLITE_STATIC);
        sqlite3_bind_int(se, 6, s);
        sqlite3_bind_text(se, 7, subst[RND() % 5], -1, SQLITE_STATIC);
        sqlite3_bind_int(se, 8, s);
        sqlite3_bind_int(se, 9, d);
        step(se, db, "episode");
        records += 2;
        /* Programme k relapses a little more often than k-1, so the flags
         * have something to find. */
        unsigned u = (unsigned)(RND() % 1000);
        int t = d + 1 + (int)(RND() % 400);
        if (u < 350 + 20 * (unsigned)k) {
            int how = (int)(RND() % 3);
            if (how == 0) {
                sqlite3_bind_int64(sr, 1, i);
                sqlite3_bind_int(sr, 2, t);
                step(sr, db, "relapse");
            } else if (how == 1) {
                sqlite3_bind_int64(st, 1, i);
                sqlite3_bind_int(st, 2, t);
                sqlite3_bind_text(st, 3, "positive", -1, SQLITE_STATIC);
                step(st, db, "test");
            } else {
                sqlite3_bind_int64(sf, 1, i);
                sqlite3_bind_int(sf, 2, t);
                sqlite3_bind_text(sf, 3, "using", -1, SQLITE_STATIC);
                step(sf, db, "followup");
            }
        } else if (u < 470) {
            sqlite3_bind_int64(sd, 1, i);
            sqlite3_bind_int(sd, 2, t);
            step(sd, db, "death");
        } else if (u < 500) {
            sqlite3_bind_int64(si, 1, i);
            sqlite3_bind_int(si, 2, t);
            step(si, db, "prison");
        } else {
            sqlite3_bind_int64(st, 1, i);
            sqlite3_bind_int(st, 2, t);
            sqlite3_bind_text(st, 3, "negative", -1, SQLITE_STATIC);
            step(st, db, "test");
        }
        records++;
    }
    must(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    sqlite3_stmt *all[] = {sp, se, sr, st, sf, sd, si};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
        sqlite3_finalize(all[j]);
    sqlite3_close(db);
    double t1 = now();
    printf("data: %ld episodes, %ld rows bulk-inserted in %.1f s\n", n, records, t1 - t0);

    /* ---- reports ---- */
    pwi_reg *reg = NULL;
    if (pwi_reg_open(path, analyst, &reg, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench");
        return 3;
    }
    static const struct {
        pwi_report_kind kind;
        pwi_report_by by;
        const char *label;
    } runs[] = {
        {PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_NONE, "relapse-survival"},
        {PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_PROGRAMME, "relapse-survival --by programme"},
        {PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_SUBSTANCE, "relapse-survival --by substance"},
        {PWI_REPORT_OUTCOMES, PWI_BY_PROGRAMME, "outcomes --by programme"},
        {PWI_REPORT_FLAGS, PWI_BY_NONE, "flags"},
    };
    int status = 0;
    for (size_t j = 0; j < sizeof runs / sizeof runs[0]; j++) {
        pwi_report_opts o = {.kind = runs[j].kind, .by = runs[j].by, .as_of = start + 1100};
        char *out = NULL;
        size_t len = 0;
        const char *type = NULL;
        double a = now();
        int rc = pwi_report_run(reg, &o, &out, &len, &type, &err);
        double b = now();
        if (rc != PW_OK) {
            pw_error_print(&err, stderr, "bench");
            status = 3;
            break;
        }
        printf("%-34s %7.2f s  (%zu bytes of %s)%s\n", runs[j].label, b - a, len, type,
               runs[j].kind == PWI_REPORT_RELAPSE_SURVIVAL && runs[j].by == PWI_BY_NONE
                   ? (b - a <= 5.0 ? "  goal <= 5 s: met" : "  goal <= 5 s: NOT met")
                   : "");
        free(out);
    }
    pwi_reg_close(reg);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return status;
}
