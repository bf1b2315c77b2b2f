/*
 * The database handle's insides, shared by db.c (connections and
 * statements), db_tx.c (transactions, savepoints, the cached audit head)
 * and db_migrate.c (schema migrations, dates). Internal to those files;
 * everyone else uses db.h.
 */
#ifndef PWI_DB_INT_H
#define PWI_DB_INT_H

#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"

struct pwi_stmt {
    pwi_db *db;
    char *sql;              /* the text as given (cache key) */
    uint64_t key;           /* sql_key(sql): compared before the text */
    int clean;              /* reset, no bindings, since it was last used */
    sqlite3_stmt *lite;     /* SQLite */
    char name[24];          /* PostgreSQL prepared-statement name */
    int nparams;
    char **vals;            /* PostgreSQL parameter values (text) */
    /* PostgreSQL rows are streamed one at a time (single-row mode), so a
     * report over millions of rows never holds the whole result set. `res`
     * is the current row (or the final status); the rest is still on the
     * wire, unless another statement needed the connection meanwhile: then
     * the rest was read into `queue` (see pg_detach). */
    PGresult *res;
    int started;
    int done;               /* the final result has been seen */
    int queued;             /* the rest of the results are in queue */
    PGresult **queue;
    size_t qlen, qpos, qcap;
};

struct pwi_db {
    pwi_db_kind kind;
    char *url;
    sqlite3 *lite;
    PGconn *pg;
    int in_tx;
    int in_read;      /* a read snapshot is open (pwi_db_begin_read) */
    int nstmt, capstmt;
    pwi_stmt **stmts;
    int next_name;
    pwi_audit_head head, head_saved; /* see db.h */
    const struct pwi_keys *keys;     /* see pwi_db_set_keys */
    int *pend_table;                 /* see pwi_db_pending_put */
    int64_t *pend_id;
    size_t pend_cap;
    pwi_stmt *active; /* PostgreSQL: the statement whose rows are on the wire */
    /* PostgreSQL: pwi_db_resavepoint() was called but not yet sent; it
     * goes out with the next statement, in the same round trip. */
    int sp_pending;
    int pipeline;     /* in libpq pipeline mode until the sync is read */
    /* SQLite lock polling (pwi_db_poll_lock): when the current wait began. */
    int poll_timeout_ms;
    struct timespec poll_start;
};

/* PostgreSQL: reads the rest of the active statement's rows into its queue,
 * so that the connection is free for another statement (db.c). */
void pwi_db_pg_detach(pwi_db *db);

#endif
