/*
 * Unit tests of the registry's storage half: dates, keys and encryption,
 * the role matrix, and the audit chain (append, verify, tamper, truncation)
 * on a temporary SQLite database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "registry/audit.h"
#include "registry/auth.h"
#include "registry/crypto.h"
#include "registry/db.h"
#include "registry/schema.h"

static void test_dates(void **state)
{
    (void)state;
    int32_t d;
    assert_int_equal(pwi_date_parse("1970-01-01", &d), PW_OK);
    assert_int_equal(d, 0);
    assert_int_equal(pwi_date_parse("2000-03-01", &d), PW_OK);
    assert_int_equal(d, 11017); /* 30 years incl. 7 leap days + Jan+Feb 2000 */
    assert_int_equal(pwi_date_parse("2024-02-29", &d), PW_OK);
    assert_int_equal(pwi_date_parse("2023-02-29", &d), PW_EINVAL);
    assert_int_equal(pwi_date_parse("1900-02-29", &d), PW_EINVAL);
    assert_int_equal(pwi_date_parse("2025-13-01", &d), PW_EINVAL);
    assert_int_equal(pwi_date_parse("2025-1-01", &d), PW_EINVAL);
    assert_int_equal(pwi_date_parse("2025-01-01T10:00:00Z", &d), PW_OK);
    assert_int_equal(pwi_date_parse("2025-01-01x", &d), PW_EINVAL);
    /* Every day from 1900 to 2100 survives a format/parse round trip and
     * consecutive days are consecutive numbers. */
    int32_t from, to;
    assert_int_equal(pwi_date_parse("1900-01-01", &from), PW_OK);
    assert_int_equal(pwi_date_parse("2100-12-31", &to), PW_OK);
    assert_int_equal(to - from + 1, 201 * 365 + 49); /* leap days 1904..2096 without 2100 */
    for (int32_t x = from; x <= to; x++) {
        char buf[11];
        pwi_date_format(x, buf);
        int32_t back;
        assert_int_equal(pwi_date_parse(buf, &back), PW_OK);
        assert_int_equal(back, x);
    }
}

static void test_crypto(void **state)
{
    (void)state;
    char key[] = "PW_REGISTRY_KEY=000102030405060708090a0b0c0d0e0f"
                 "101112131415161718191a1b1c1d1e1f";
    putenv(key);
    pwi_keys k;
    pw_error err;
    assert_int_equal(pwi_keys_load("/nonexistent.db", 0, &k, &err), PW_OK);
    char a[65], b[65], c[65];
    pwi_pseudonym(&k, "870101-300123", a);
    pwi_pseudonym(&k, "870101 300123", b);
    pwi_pseudonym(&k, "870101300124", c);
    assert_string_equal(a, b);  /* formatting does not split a person */
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 64);

    char *enc, *dec;
    assert_int_equal(pwi_encrypt(&k, "Aigerim Sultanova", &enc, &err), PW_OK);
    assert_null(strstr(enc, "Aigerim"));
    char *enc2;
    assert_int_equal(pwi_encrypt(&k, "Aigerim Sultanova", &enc2, &err), PW_OK);
    assert_string_not_equal(enc, enc2); /* fresh nonce each time */
    assert_int_equal(pwi_decrypt(&k, enc, &dec, &err), PW_OK);
    assert_string_equal(dec, "Aigerim Sultanova");
    free(dec);
    /* A flipped character fails authentication instead of decrypting to
     * something else. */
    enc[10] = enc[10] == 'A' ? 'B' : 'A';
    assert_int_equal(pwi_decrypt(&k, enc, &dec, &err), PW_EINVAL);
    free(enc);
    free(enc2);

    /* A different site key gives different pseudonyms (no dictionary
     * attack on national IDs without the key). */
    char key2[] = "PW_REGISTRY_KEY=ff0102030405060708090a0b0c0d0e0f"
                  "101112131415161718191a1b1c1d1e1f";
    putenv(key2);
    pwi_keys k2;
    assert_int_equal(pwi_keys_load("/nonexistent.db", 0, &k2, &err), PW_OK);
    pwi_pseudonym(&k2, "870101-300123", b);
    assert_string_not_equal(a, b);
    char bad[] = "PW_REGISTRY_KEY=abc";
    putenv(bad);
    assert_int_equal(pwi_keys_load("/nonexistent.db", 0, &k2, &err), PW_EINVAL);
    unsetenv("PW_REGISTRY_KEY");
}

static void test_roles(void **state)
{
    (void)state;
    /* docs/registry.md, Roles: a court liaison sees attendance, tests, compliance and
     * phase, never clinical notes or review scores. */
    assert_true(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_ATTENDANCE));
    assert_true(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_TEST));
    assert_true(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_COMPLIANCE));
    assert_true(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_EPISODE));
    assert_false(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_NOTES));
    assert_false(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_REVIEW));
    assert_false(pwi_allowed(PWI_ROLE_COURT_LIAISON, PWI_READ, PWI_OBJ_CASE));
    /* An analyst sees pseudonymised or aggregate data only. */
    assert_false(pwi_allowed(PWI_ROLE_ANALYST, PWI_READ, PWI_OBJ_IDENTITY));
    assert_false(pwi_allowed(PWI_ROLE_ANALYST, PWI_READ, PWI_OBJ_NOTES));
    assert_true(pwi_allowed(PWI_ROLE_ANALYST, PWI_READ, PWI_OBJ_AGGREGATE));
    /* An admin manages users (and makes and restores backups) and reads
     * no clinical record. */
    assert_true(pwi_allowed(PWI_ROLE_ADMIN, PWI_WRITE, PWI_OBJ_USER));
    for (int o = 0; o < PWI_OBJ_COUNT; o++) {
        if (o == PWI_OBJ_USER || o == PWI_OBJ_AGGREGATE || o == PWI_OBJ_BACKUP)
            continue;
        assert_false(pwi_allowed(PWI_ROLE_ADMIN, PWI_READ, (pwi_object)o));
        assert_false(pwi_allowed(PWI_ROLE_ADMIN, PWI_WRITE, (pwi_object)o));
    }
    /* Only admins manage users; only the panel signs; nobody but the
     * auditor reads the log; nobody writes it directly. */
    for (int r = 0; r < PWI_ROLE_COUNT; r++) {
        assert_int_equal(pwi_allowed((pwi_role)r, PWI_WRITE, PWI_OBJ_USER),
                         r == PWI_ROLE_ADMIN);
        assert_int_equal(pwi_allowed((pwi_role)r, PWI_WRITE, PWI_OBJ_PANEL),
                         r == PWI_ROLE_PANEL);
        assert_int_equal(pwi_allowed((pwi_role)r, PWI_READ, PWI_OBJ_AUDIT),
                         r == PWI_ROLE_AUDITOR);
        assert_false(pwi_allowed((pwi_role)r, PWI_WRITE, PWI_OBJ_AUDIT));
        /* Only the custodians copy the whole database. */
        assert_int_equal(pwi_allowed((pwi_role)r, PWI_READ, PWI_OBJ_BACKUP),
                         r == PWI_ROLE_ADMIN || r == PWI_ROLE_AUDITOR);
        /* ... and only the admin restores one (it replaces every user). */
        assert_int_equal(pwi_allowed((pwi_role)r, PWI_WRITE, PWI_OBJ_BACKUP),
                         r == PWI_ROLE_ADMIN);
        assert_false(pwi_allowed((pwi_role)r, PWI_WRITE, PWI_OBJ_AGGREGATE));
        assert_int_equal(pwi_role_parse(pwi_role_name((pwi_role)r)), r);
    }
    assert_int_equal(pwi_role_parse("root"), -1);
    pwi_user u = {1, "lab", PWI_ROLE_LAB, ""};
    pw_error err;
    assert_int_equal(pwi_auth_check(&u, PWI_READ, PWI_OBJ_REVIEW, &err), PW_EPERM);
    assert_non_null(strstr(err.msg, "role 'lab' may not read review"));
}

/* The site keys a writer holds (the row seals need them, seal.h). */
static pwi_keys test_keys = {.rows = {5, 6, 7}, .token = {8}};

static pwi_db *open_keyed(const char *path, int create)
{
    pwi_db *db;
    pw_error err;
    assert_int_equal(pwi_db_open(path, create, &db, &err), PW_OK);
    pwi_db_set_keys(db, &test_keys);
    return db;
}

static void append_n(pwi_db *db, const unsigned char key[32], int n)
{
    pw_error err;
    pwi_user u = {7, "dr_who", PWI_ROLE_CLINICIAN, ""};
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    for (int i = 0; i < n; i++) {
        char obj[32];
        snprintf(obj, sizeof obj, "episode:E%d", i);
        assert_int_equal(pwi_audit_append(db, key, &u, "read", obj, NULL, &err),
                         PW_OK);
    }
    assert_int_equal(pwi_db_commit(db, &err), PW_OK);
}

static void test_audit_chain(void **state)
{
    (void)state;
    char path[] = "/tmp/pw_audit_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    pwi_db *db;
    pw_error err;
    db = open_keyed(path, 1);
    assert_int_equal(pwi_db_migrate(db, &err), PW_OK);
    assert_int_equal(pwi_db_migrate(db, &err), PW_OK); /* idempotent */
    unsigned char key[32] = {1, 2, 3}, other[32] = {9};

    append_n(db, key, 10);
    /* A rolled-back savepoint leaves no entry and no gap. */
    pwi_user u = {7, "dr_who", PWI_ROLE_CLINICIAN, ""};
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    assert_int_equal(pwi_db_savepoint(db, &err), PW_OK);
    assert_int_equal(pwi_audit_append(db, key, &u, "create", "x", NULL, &err), PW_OK);
    pwi_db_rollback_to(db);
    assert_int_equal(pwi_audit_append(db, key, &u, "create", "y", NULL, &err), PW_OK);
    assert_int_equal(pwi_db_commit(db, &err), PW_OK);
    /* A rolled-back transaction leaves nothing either. */
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    assert_int_equal(pwi_audit_append(db, key, &u, "create", "z", NULL, &err), PW_OK);
    pwi_db_rollback(db);
    append_n(db, key, 5);

    pwi_audit_report rep;
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_true(rep.ok);
    assert_int_equal(rep.entries, 16);
    /* The wrong key cannot verify the chain (so cannot forge it either). */
    assert_int_equal(pwi_audit_verify(db, other, &rep, &err), PW_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.first_bad, 1);
    pwi_db_close(db);

    /* Tamper through SQLite directly: the trigger refuses, then an
     * attacker drops it and edits entry 7. */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "UPDATE audit SET action = 'x' WHERE seq = 7",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "DELETE FROM audit WHERE seq = 16", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "DROP TRIGGER audit_no_update; DROP TRIGGER "
                                  "audit_no_delete; UPDATE audit SET user_name "
                                  "= 'someone' WHERE seq = 7",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = open_keyed(path, 0);
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.first_bad, 7);
    pwi_db_close(db);

    /* Put it back, then delete the last entries: the head notices. */
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "UPDATE audit SET user_name = 'dr_who' WHERE "
                                  "seq = 7; DELETE FROM audit WHERE seq >= 15",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = open_keyed(path, 0);
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.first_bad, 15);
    assert_non_null(strstr(rep.reason, "removed from the end"));
    pwi_db_close(db);

    /* Deleting from the middle is a gap. */
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "DELETE FROM audit WHERE seq = 3", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = open_keyed(path, 0);
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.first_bad, 3);
    assert_non_null(strstr(rep.reason, "missing"));
    pwi_db_close(db);

    /* A long chain is verified page by page; tampering on a later page is
     * found too. */
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "DELETE FROM audit; UPDATE audit_head SET seq = 0, "
                                       "hash = '0000000000000000000000000000000000000000"
                                       "000000000000000000000000', seal = NULL, "
                                       "tables_digest = NULL", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = open_keyed(path, 0);
    append_n(db, key, 12000);
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_true(rep.ok);
    assert_int_equal(rep.entries, 12000);
    pwi_db_close(db);
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE audit SET detail = 'x' WHERE seq = 11001",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = open_keyed(path, 0);
    assert_int_equal(pwi_audit_verify(db, key, &rep, &err), PW_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.first_bad, 11001);
    pwi_db_close(db);

    char wal[300];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

/* A registry created by an older release (schema 1) is brought to the
 * newest schema, keeping its rows. */
static void test_migration(void **state)
{
    (void)state;
    char path[] = "/tmp/pw_migrate_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    pwi_db *db;
    pw_error err;
    assert_int_equal(pwi_db_open(path, 1, &db, &err), PW_OK);
    char *v1;
    assert_int_equal(pwi_schema_sql(1, PWI_DB_SQLITE, &v1), PW_OK);
    assert_int_equal(pwi_db_exec(db, v1, &err), PW_OK);
    free(v1);
    assert_int_equal(pwi_db_exec(db,
                                 "INSERT INTO meta VALUES ('schema_version', '1');"
                                 "INSERT INTO person (ref, pkey, name_enc, "
                                 "national_id_enc, created_by) VALUES ('P1', 'k', "
                                 "'n', 'i', 1);"
                                 "INSERT INTO episode (ref, person_id, programme, "
                                 "regime, legal_basis, start_day, status, "
                                 "created_by) VALUES ('E1', 1, 'x', 'hybrid', "
                                 "'voluntary', 20000, 'active', 1);",
                                 &err),
                     PW_OK);
    int v;
    assert_int_equal(pwi_db_schema_version(db, &v, &err), PW_OK);
    assert_int_equal(v, 1);
    /* Up to the last migration that needs no key: the sealing one (4) runs
     * with the site key, on open (tamper_suite.sh tests it on both
     * backends from schema-3 registries). */
    assert_int_equal(pwi_db_migrate_to(db, 3, &err), PW_OK);
    assert_int_equal(pwi_db_schema_version(db, &v, &err), PW_OK);
    assert_int_equal(v, 3);
    int64_t n;
    int found;
    assert_int_equal(pwi_db_query_int64(db,
                                        "SELECT count(*) FROM episode WHERE "
                                        "ref = 'E1' AND route IS NULL AND "
                                        "ost IS NULL",
                                        &n, &found, &err),
                     PW_OK);
    assert_int_equal(n, 1);
    pwi_db_close(db);
    unlink(path);
    char p2[300];
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
}

/* Connection errors never print a PostgreSQL password. */
static void test_url_masking(void **state)
{
    (void)state;
    pwi_db *db;
    pw_error err;
    pw_error_clear(&err);
    assert_int_not_equal(pwi_db_open("postgresql://bob:s3cret@/nodb?host=/nonexistent"
                                     "&password=zz9&sslmode=disable",
                                     0, &db, &err),
                         PW_OK);
    char text[1200];
    pw_error_format(&err, text, sizeof text);
    assert_null(strstr(text, "s3cret"));
    assert_null(strstr(text, "zz9"));
    assert_non_null(strstr(text, "bob:***@"));
    assert_non_null(strstr(text, "sslmode=disable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_crypto),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_audit_chain),
        cmocka_unit_test(test_migration),
        cmocka_unit_test(test_url_masking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
