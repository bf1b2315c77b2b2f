/*
 * Schema migrations (the SQL is in schema.c) and the registry's dates as
 * day numbers (see db.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "schema.h"
#include "seal.h"

/* ---- Migrations ------------------------------------------------------- */

int pwi_db_schema_version(pwi_db *db, int *version, pw_error *err)
{
    *version = 0;
    /* The catalogue query is the one place where the backends differ. */
    const char *probe =
        db->kind == PWI_DB_SQLITE
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
              "name = 'meta'"
            : "SELECT count(*) FROM information_schema.tables WHERE "
              "table_schema = current_schema() AND table_name = 'meta'";
    int64_t n;
    int found;
    int rc = pwi_db_query_int64(db, probe, &n, &found, err);
    if (rc != PW_OK || n == 0)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    if (rc == 1)
        *version = atoi(pwi_col_text(st, 0));
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

int pwi_db_migrate(pwi_db *db, pw_error *err)
{
    return pwi_db_migrate_to(db, pwi_schema_latest(), err);
}

int pwi_db_migrate_to(pwi_db *db, int upto, pw_error *err)
{
    int have, rc = pwi_db_schema_version(db, &have, err);
    if (rc != PW_OK)
        return rc;
    int latest = pwi_schema_latest();
    if (have > latest)
        return pw_error_set(err, PW_EDB, db->url, 0, NULL,
                            "schema version %d is newer than this program (%d)",
                            have, latest);
    for (int v = have + 1; v <= upto && v <= latest; v++) {
        char *sql;
        if ((rc = pwi_schema_sql(v, db->kind, &sql)) != PW_OK)
            return pw_error_set(err, rc, db->url, 0, NULL,
                                "no migration %d", v);
        rc = pwi_db_begin(db, err);
        if (rc == PW_OK && v > 1) {
            /* Two programs opening an old registry at once: the no-op UPDATE
             * locks the version row (PostgreSQL; SQLite's BEGIN IMMEDIATE
             * already serialises), and whoever comes second sees the
             * migration done and skips it. */
            int now = 0;
            rc = pwi_db_exec(db,
                             "UPDATE meta SET value = value WHERE key = "
                             "'schema_version'",
                             err);
            if (rc == PW_OK)
                rc = pwi_db_schema_version(db, &now, err);
            if (rc == PW_OK && now >= v) {
                free(sql);
                pwi_db_rollback(db);
                continue;
            }
        }
        if (rc == PW_OK)
            rc = pwi_db_exec(db, sql, err);
        free(sql);
        pwi_stmt *st = NULL;
        if (rc == PW_OK)
            rc = pwi_db_prepare(db,
                                v == 1 ? "INSERT INTO meta (key, value) VALUES "
                                         "('schema_version', ?)"
                                       : "UPDATE meta SET value = ? WHERE key "
                                         "= 'schema_version'",
                                &st, err);
        if (rc == PW_OK) {
            char buf[16];
            snprintf(buf, sizeof buf, "%d", v);
            pwi_bind_text(st, 1, buf);
            rc = pwi_step(st, err);
            pwi_stmt_reset(st);
            if (rc > 0)
                rc = PW_OK;
        }
        if (rc == PW_OK)
            rc = pwi_db_commit(db, err);
        else
            pwi_db_rollback(db);
        if (rc != PW_OK)
            return rc;
    }
    return PW_OK;
}

/* ---- Dates ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int pwi_date_parse(const char *s, int32_t *day)
{
    if (!s)
        return PW_EINVAL;
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return PW_EINVAL;
    if (s[10] != '\0' && s[10] != 'T' && s[10] != ' ')
        return PW_EINVAL;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return PW_EINVAL;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return PW_EINVAL;
    *day = days_from_civil(y, m, d);
    return PW_OK;
}

void pwi_date_format(int32_t day, char *buf)
{
    /* civil_from_days, the inverse of days_from_civil. */
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

void pwi_now_iso(char *buf)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int32_t pwi_today(void)
{
    return (int32_t)(time(NULL) / 86400);
}
