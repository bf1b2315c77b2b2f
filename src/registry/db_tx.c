/*
 * Transactions over both backends: begin, commit (which writes the cached
 * audit head and the seals), rollback, read snapshots and the savepoints
 * of one imported record or group (see db.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "schema.h"
#include "seal.h"

pwi_audit_head *pwi_db_audit_head(pwi_db *db)
{
    return &db->head;
}

int pwi_db_pending_put(pwi_db *db, size_t at, int table, int64_t id)
{
    if (at >= db->pend_cap) {
        size_t cap = db->pend_cap ? 2 * db->pend_cap : 256;
        int *t = realloc(db->pend_table, cap * sizeof *t);
        if (t)
            db->pend_table = t;
        int64_t *i = realloc(db->pend_id, cap * sizeof *i);
        if (i)
            db->pend_id = i;
        if (!t || !i)
            return PW_ENOMEM;
        db->pend_cap = cap;
    }
    db->pend_table[at] = table;
    db->pend_id[at] = id;
    return PW_OK;
}

void pwi_db_pending_get(const pwi_db *db, size_t at, int *table, int64_t *id)
{
    assert(at < db->pend_cap);
    *table = db->pend_table[at];
    *id = db->pend_id[at];
}

void pwi_db_set_keys(pwi_db *db, const struct pwi_keys *keys)
{
    db->keys = keys;
}

const struct pwi_keys *pwi_db_keys(const pwi_db *db)
{
    return db->keys;
}

/* Writes the cached audit head back inside the transaction, with the
 * table totals and the seal over both (seal.c). */
static int flush_audit_head(pwi_db *db, pw_error *err)
{
    if (!db->head.valid)
        return PW_OK;
    return pwi_seal_flush(db, &db->head, err);
}

int pwi_db_begin(pwi_db *db, pw_error *err)
{
    /* A write inside a read snapshot would, on SQLite, have to upgrade a
     * lock on a possibly stale snapshot (SQLITE_BUSY_SNAPSHOT). */
    assert(!db->in_tx && !db->in_read);
    db->head.valid = 0;
    int rc = pwi_db_exec(
        db, db->kind == PWI_DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
    if (rc == PW_OK)
        db->in_tx = 1;
    return rc;
}

int pwi_db_commit(pwi_db *db, pw_error *err)
{
    assert(db->in_tx);
    int rc = flush_audit_head(db, err);
    if (rc == PW_OK)
        rc = pwi_db_exec(db, "COMMIT", err);
    if (rc != PW_OK)
        pwi_db_rollback(db);
    db->in_tx = 0;
    db->head.valid = 0;
    return rc;
}

void pwi_db_rollback(pwi_db *db)
{
    /* Finished statements must not hold SQLite read cursors open. */
    for (int i = 0; i < db->nstmt; i++)
        pwi_stmt_reset(db->stmts[i]);
    if (db->kind == PWI_DB_SQLITE) {
        if (!sqlite3_get_autocommit(db->lite))
            sqlite3_exec(db->lite, "ROLLBACK", NULL, NULL, NULL);
    } else {
        pwi_db_pg_detach(db);
        db->sp_pending = 0; /* nothing to keep */
        if (PQtransactionStatus(db->pg) != PQTRANS_IDLE)
            PQclear(PQexec(db->pg, "ROLLBACK"));
    }
    db->in_tx = 0;
    db->in_read = 0;
    db->head.valid = 0;
}

int pwi_db_in_tx(const pwi_db *db)
{
    return db->in_tx;
}

int pwi_db_begin_read(pwi_db *db, pw_error *err)
{
    assert(!db->in_tx && !db->in_read);
    /* The SELECT pins the snapshot now: SQLite starts a read transaction,
     * and PostgreSQL takes a REPEATABLE READ snapshot, at the first read. */
    int rc = pwi_db_exec(db,
                         db->kind == PWI_DB_SQLITE
                             ? "BEGIN; SELECT 1 FROM meta LIMIT 1"
                             : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                               "SELECT 1 FROM meta LIMIT 1",
                         err);
    if (rc != PW_OK) {
        pwi_db_rollback(db);
        return rc;
    }
    db->in_read = 1;
    return PW_OK;
}

int pwi_db_end_read(pwi_db *db, pw_error *err)
{
    if (!db->in_read)
        return PW_OK;
    db->in_read = 0;
    /* An SQLite statement left unreset would keep its read cursor, and so
     * the old snapshot, after COMMIT; on PostgreSQL this reads what is
     * still streaming so the connection is free for COMMIT. */
    for (int i = 0; i < db->nstmt; i++)
        pwi_stmt_reset(db->stmts[i]);
    int rc = pwi_db_exec(db, "COMMIT", err);
    if (rc != PW_OK)
        pwi_db_rollback(db);
    return rc;
}

int pwi_db_in_read(const pwi_db *db)
{
    return db->in_read;
}

int pwi_db_savepoint(pwi_db *db, pw_error *err)
{
    db->head_saved = db->head;
    return pwi_db_exec(db, "SAVEPOINT pw_rec", err);
}

/* SQLite: runs one cached statement to its end. */
static int lite_run(pwi_db *db, const char *sql, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

int pwi_db_resavepoint(pwi_db *db, pw_error *err)
{
    db->head_saved = db->head;
    if (db->kind == PWI_DB_PG && !db->sp_pending) {
        /* One round trip less per imported record: the release and the new
         * savepoint are sent with the record's first statement (pg_send). */
        db->sp_pending = 1;
        return PW_OK;
    }
    if (db->kind == PWI_DB_SQLITE) {
        /* Once per imported record: prepared once, not parsed each time as
         * sqlite3_exec would. */
        int rc = lite_run(db, "RELEASE SAVEPOINT pw_rec", err);
        return rc == PW_OK ? lite_run(db, "SAVEPOINT pw_rec", err) : rc;
    }
    return pwi_db_exec(db, "RELEASE SAVEPOINT pw_rec; SAVEPOINT pw_rec", err);
}

int pwi_db_release(pwi_db *db, pw_error *err)
{
    return pwi_db_exec(db, "RELEASE SAVEPOINT pw_rec", err);
}

void pwi_db_rollback_to(pwi_db *db)
{
    for (int i = 0; i < db->nstmt; i++)
        pwi_stmt_reset(db->stmts[i]);
    pwi_db_exec(db, "ROLLBACK TO SAVEPOINT pw_rec; RELEASE SAVEPOINT pw_rec",
                NULL);
    db->head = db->head_saved;
}

int pwi_db_group_savepoint(pwi_db *db, pwi_audit_head *saved, pw_error *err)
{
    assert(db->in_tx);
    *saved = db->head;
    return pwi_db_exec(db, "SAVEPOINT pw_grp", err);
}

int pwi_db_group_release(pwi_db *db, pw_error *err)
{
    /* Releasing pw_grp releases the record savepoint still open in it. */
    return pwi_db_exec(db, "RELEASE SAVEPOINT pw_grp", err);
}

void pwi_db_group_rollback(pwi_db *db, const pwi_audit_head *saved)
{
    for (int i = 0; i < db->nstmt; i++)
        pwi_stmt_reset(db->stmts[i]);
    /* A pending record savepoint dies with the group anyway; sending it
     * first could fail and keep the ROLLBACK TO from running. */
    db->sp_pending = 0;
    pwi_db_exec(db, "ROLLBACK TO SAVEPOINT pw_grp; RELEASE SAVEPOINT pw_grp", NULL);
    db->head = *saved;
}
