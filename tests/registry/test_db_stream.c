/*
 * db.c's row streaming (docs/registry.md): on PostgreSQL rows come one at a time
 * (single-row mode) and a statement run while another is still streaming
 * must not lose or mix up rows. Runs on SQLite (a temporary file) and, when
 * PW_DB_TEST_URL names a postgresql:// database (test_db_stream_pg.sh), on
 * PostgreSQL.
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

#include "db.h"

#define NROWS 3000

static char sqlite_path[64];

static pwi_db *open_db(void)
{
    const char *url = getenv("PW_DB_TEST_URL");
    if (!url || !*url) {
        if (!sqlite_path[0]) {
            snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pw_dbstream_XXXXXX");
            int fd = mkstemp(sqlite_path);
            assert_true(fd >= 0);
            close(fd);
        }
        url = sqlite_path;
    }
    pwi_db *db = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pwi_db_open(url, 1, &db, &err), PW_OK);
    return db;
}

/* A table t(i) holding 1..NROWS, made afresh. */
static void fill(pwi_db *db)
{
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pwi_db_exec(db, "DROP TABLE IF EXISTS t; "
                                     "CREATE TABLE t (i BIGINT PRIMARY KEY, s TEXT)",
                                 &err),
                     PW_OK);
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    pwi_stmt *st;
    assert_int_equal(pwi_db_prepare(db, "INSERT INTO t (i, s) VALUES (?, ?)", &st, &err), PW_OK);
    for (int i = 1; i <= NROWS; i++) {
        char s[32];
        snprintf(s, sizeof s, "row %d", i);
        pwi_bind_int64(st, 1, i);
        pwi_bind_text(st, 2, s);
        assert_int_equal(pwi_step(st, &err), 0);
        pwi_stmt_reset(st);
    }
    assert_int_equal(pwi_db_commit(db, &err), PW_OK);
}

static void test_stream_all_rows(void **state)
{
    (void)state;
    pwi_db *db = open_db();
    fill(db);
    pw_error err;
    pw_error_clear(&err);
    pwi_stmt *st;
    assert_int_equal(pwi_db_prepare(db, "SELECT i, s FROM t WHERE i >= ? ORDER BY i", &st, &err),
                     PW_OK);
    pwi_bind_int64(st, 1, 1);
    int rc, n = 0;
    int64_t sum = 0;
    while ((rc = pwi_step(st, &err)) == 1) {
        n++;
        int64_t i = pwi_col_int64(st, 0);
        assert_int_equal(i, n);
        char want[32];
        snprintf(want, sizeof want, "row %d", n);
        assert_string_equal(pwi_col_text(st, 1), want);
        sum += i;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, NROWS);
    assert_int_equal(sum, (int64_t)NROWS * (NROWS + 1) / 2);
    /* On PostgreSQL, stepping a finished statement stays finished (it must
     * not read the next statement's results); SQLite starts over. */
    if (pwi_db_kind_of(db) == PWI_DB_PG)
        assert_int_equal(pwi_step(st, &err), 0);
    pwi_stmt_reset(st);

    /* An empty result: done at once, columns still known. */
    pwi_bind_int64(st, 1, NROWS + 1);
    assert_int_equal(pwi_step(st, &err), 0);
    assert_int_equal(pwi_col_count(st), 2);
    pwi_stmt_reset(st);
    pwi_db_close(db);
}

/* While one statement streams, others run on the same connection: an
 * exec, a new prepare, a lookup, a write in a transaction. */
static void test_nested_statements(void **state)
{
    (void)state;
    pwi_db *db = open_db();
    fill(db);
    pw_error err;
    pw_error_clear(&err);
    pwi_stmt *outer, *inner;
    assert_int_equal(pwi_db_prepare(db, "SELECT i FROM t ORDER BY i", &outer, &err), PW_OK);
    int rc, n = 0;
    while ((rc = pwi_step(outer, &err)) == 1) {
        n++;
        int64_t i = pwi_col_int64(outer, 0);
        assert_int_equal(i, n);
        if (n == 10) {
            assert_int_equal(pwi_db_exec(db, "CREATE TABLE IF NOT EXISTS u (k BIGINT)", &err),
                             PW_OK);
            /* The outer row read before the exec is still readable. */
            assert_int_equal(pwi_col_int64(outer, 0), 10);
        }
        if (n % 500 == 0) {
            assert_int_equal(pwi_db_prepare(db, "SELECT count(*) FROM t WHERE i <= ?", &inner,
                                            &err),
                             PW_OK);
            pwi_bind_int64(inner, 1, i);
            assert_int_equal(pwi_step(inner, &err), 1);
            assert_int_equal(pwi_col_int64(inner, 0), i);
            pwi_stmt_reset(inner);
        }
        if (n == 1000) {
            assert_int_equal(pwi_db_begin(db, &err), PW_OK);
            assert_int_equal(pwi_db_prepare(db, "INSERT INTO u (k) VALUES (?)", &inner, &err),
                             PW_OK);
            pwi_bind_int64(inner, 1, i);
            assert_int_equal(pwi_step(inner, &err), 0);
            pwi_stmt_reset(inner);
            assert_int_equal(pwi_db_commit(db, &err), PW_OK);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, NROWS);
    pwi_stmt_reset(outer);
    int64_t v;
    int found;
    assert_int_equal(pwi_db_query_int64(db, "SELECT k FROM u", &v, &found, &err), PW_OK);
    assert_true(found);
    assert_int_equal(v, 1000);
    assert_int_equal(pwi_db_exec(db, "DROP TABLE u", &err), PW_OK);
    pwi_db_close(db);
}

/* A statement left halfway does not block the connection. */
static void test_early_reset_and_errors(void **state)
{
    (void)state;
    pwi_db *db = open_db();
    fill(db);
    pw_error err;
    pw_error_clear(&err);
    pwi_stmt *st;
    assert_int_equal(pwi_db_prepare(db, "SELECT i FROM t ORDER BY i", &st, &err), PW_OK);
    for (int k = 1; k <= 5; k++) {
        assert_int_equal(pwi_step(st, &err), 1);
        assert_int_equal(pwi_col_int64(st, 0), k);
    }
    pwi_stmt_reset(st);
    int64_t v;
    int found;
    assert_int_equal(pwi_db_query_int64(db, "SELECT max(i) FROM t", &v, &found, &err), PW_OK);
    assert_int_equal(v, NROWS);
    /* Reused after an early reset: starts over. */
    assert_int_equal(pwi_step(st, &err), 1);
    assert_int_equal(pwi_col_int64(st, 0), 1);
    pwi_stmt_reset(st);

    /* A unique violation is a conflict, and the connection goes on. */
    pwi_stmt *ins;
    assert_int_equal(pwi_db_prepare(db, "INSERT INTO t (i, s) VALUES (?, 'dup')", &ins, &err),
                     PW_OK);
    pwi_bind_int64(ins, 1, 7);
    pw_error_clear(&err);
    assert_int_equal(pwi_step(ins, &err), PW_ECONFLICT);
    assert_true(strstr(err.msg, "statement failed") != NULL);
    pwi_stmt_reset(ins);

    /* INSERT ... RETURNING gives its row, then the statement is reset
     * without reading the end: the next statement still works. */
    assert_int_equal(pwi_db_prepare(db, "INSERT INTO t (i, s) VALUES (?, 'new') RETURNING i",
                                    &ins, &err),
                     PW_OK);
    pwi_bind_int64(ins, 1, NROWS + 1);
    assert_int_equal(pwi_step(ins, &err), 1);
    assert_int_equal(pwi_col_int64(ins, 0), NROWS + 1);
    pwi_stmt_reset(ins);
    assert_int_equal(pwi_db_query_int64(db, "SELECT count(*) FROM t", &v, &found, &err), PW_OK);
    assert_int_equal(v, NROWS + 1);

    if (pwi_db_kind_of(db) == PWI_DB_PG) {
        /* An error halfway through the rows (division by zero at i = 100):
         * the rows before it arrive, then the error, then the connection
         * is usable. */
        assert_int_equal(pwi_db_prepare(db, "SELECT 1 / (100 - i) FROM t ORDER BY i", &st, &err),
                         PW_OK);
        int rc, n = 0;
        pw_error_clear(&err);
        while ((rc = pwi_step(st, &err)) == 1)
            n++;
        assert_int_equal(rc, PW_EDB);
        assert_true(strstr(err.msg, "division by zero") != NULL);
        assert_true(n < 100);
        pwi_stmt_reset(st);
        assert_int_equal(pwi_db_query_int64(db, "SELECT count(*) FROM t", &v, &found, &err),
                         PW_OK);
        assert_int_equal(v, NROWS + 1);
    }
    pwi_db_close(db);
}

/* Savepoints per record as the importer uses them: on PostgreSQL the
 * release and the next savepoint travel with the next statement (pipeline
 * mode); a failed record is undone alone either way. */
static void test_record_savepoints(void **state)
{
    (void)state;
    pwi_db *db = open_db();
    fill(db);
    pw_error err;
    pw_error_clear(&err);
    pwi_stmt *ins, *sel;
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    assert_int_equal(pwi_db_savepoint(db, &err), PW_OK);
    assert_int_equal(pwi_db_prepare(db, "INSERT INTO t (i, s) VALUES (?, 'sp')", &ins, &err),
                     PW_OK);
    /* Records NROWS+1 .. NROWS+20 are good; every fifth one repeats a key
     * and is undone alone. */
    int good = 0;
    for (int k = 1; k <= 20; k++) {
        if (k > 1)
            assert_int_equal(pwi_db_resavepoint(db, &err), PW_OK);
        pwi_bind_int64(ins, 1, k % 5 == 0 ? 1 : NROWS + k);
        int rc = pwi_step(ins, &err);
        pwi_stmt_reset(ins);
        if (k % 5 == 0) {
            assert_int_equal(rc, PW_ECONFLICT);
            pwi_db_rollback_to(db);
            assert_int_equal(pwi_db_savepoint(db, &err), PW_OK);
            continue;
        }
        assert_int_equal(rc, 0);
        good++;
        /* A streamed read right after a pending savepoint. */
        assert_int_equal(pwi_db_resavepoint(db, &err), PW_OK);
        assert_int_equal(pwi_db_prepare(db, "SELECT i FROM t WHERE i > ? ORDER BY i", &sel,
                                        &err),
                         PW_OK);
        pwi_bind_int64(sel, 1, NROWS);
        int n = 0;
        while ((rc = pwi_step(sel, &err)) == 1)
            n++;
        assert_int_equal(rc, 0);
        assert_int_equal(n, good);
        pwi_stmt_reset(sel);
    }
    /* A pending savepoint followed by a plain exec, then the end. */
    assert_int_equal(pwi_db_resavepoint(db, &err), PW_OK);
    assert_int_equal(pwi_db_exec(db, "UPDATE t SET s = 'x' WHERE i = 1", &err), PW_OK);
    assert_int_equal(pwi_db_release(db, &err), PW_OK);
    assert_int_equal(pwi_db_commit(db, &err), PW_OK);
    int64_t v;
    int found;
    assert_int_equal(pwi_db_query_int64(db, "SELECT count(*) FROM t", &v, &found, &err), PW_OK);
    assert_int_equal(v, NROWS + 16);

    /* A pending savepoint dropped by a rollback. */
    assert_int_equal(pwi_db_begin(db, &err), PW_OK);
    assert_int_equal(pwi_db_savepoint(db, &err), PW_OK);
    assert_int_equal(pwi_db_resavepoint(db, &err), PW_OK);
    pwi_db_rollback(db);
    assert_int_equal(pwi_db_query_int64(db, "SELECT count(*) FROM t", &v, &found, &err), PW_OK);
    assert_int_equal(v, NROWS + 16);
    pwi_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_all_rows),
        cmocka_unit_test(test_nested_statements),
        cmocka_unit_test(test_early_reset_and_errors),
        cmocka_unit_test(test_record_savepoints),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (sqlite_path[0]) {
        char side[96];
        unlink(sqlite_path);
        snprintf(side, sizeof side, "%s-wal", sqlite_path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", sqlite_path);
        unlink(side);
    }
    return rc;
}
