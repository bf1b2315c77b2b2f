/*
 * db.c: one database API over SQLite and PostgreSQL (see db.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"
#include "schema.h"
#include "seal.h"

#include "db_int.h"

static int db_error(pwi_db *db, pw_error *err, int status, const char *what)
{
    const char *msg = db->kind == PWI_DB_PG ? PQerrorMessage(db->pg)
                                            : sqlite3_errmsg(db->lite);
    char clean[400];
    snprintf(clean, sizeof clean, "%s", msg ? msg : "");
    /* libpq messages end in a newline; one-line errors read better. */
    for (char *p = clean; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
    return pw_error_set(err, status, db->url, 0, NULL, "%s: %s", what, clean);
}

static int is_pg_url(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 ||
           strncmp(url, "postgres://", 11) == 0;
}

int pwi_db_is_pg_url(const char *url)
{
    return is_pg_url(url);
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Masks the value of a "password=" query parameter in place (with as
 * many '*', so the string keeps its length). */
static void mask_password_param(char *url)
{
    char *p = strstr(url, "password=");
    if (!p)
        return;
    for (p += 9; *p && *p != '&'; p++)
        *p = '*';
}

/* A copy of `url` fit for messages: the password of a
 * "postgresql://user:password@host/db" URL (or a password= parameter)
 * becomes "***". */
static char *shown_url(const char *url)
{
    char *copy = strdup(url);
    if (copy && is_pg_url(url))
        mask_password_param(copy);
    const char *scheme = strstr(url, "://");
    if (!copy || !scheme || !is_pg_url(url))
        return copy;
    const char *auth = scheme + 3;
    const char *at = strchr(auth, '@');
    const char *slash = strchr(auth, '/');
    const char *colon = strchr(auth, ':');
    if (!at || (slash && slash < at) || !colon || colon > at)
        return copy;
    size_t head = (size_t)(colon + 1 - url);
    char *out = malloc(strlen(url) + 4);
    if (!out)
        return copy;
    memcpy(out, url, head);
    strcpy(out + head, "***");
    strcat(out, at);
    mask_password_param(out);
    free(copy);
    return out;
}

int pwi_file_create_private(const char *path, pw_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno == EEXIST ? PW_OK
                               : pw_error_set(err, PW_EIO, path, 0, NULL, "cannot create: %s",
                                              strerror(errno));
    /* open() masked 0600 with the umask; a umask of 0277 would leave the
     * owner unable to write. The file is new and ours: set it exactly. */
    int rc = PW_OK;
    if (fchmod(fd, 0600) != 0)
        rc = pw_error_set(err, PW_EIO, path, 0, NULL, "cannot set mode 0600: %s",
                          strerror(errno));
    close(fd);
    if (rc != PW_OK)
        unlink(path);
    return rc;
}

int pwi_db_open(const char *url, int create, pwi_db **out, pw_error *err)
{
    *out = NULL;
    pwi_db *db = calloc(1, sizeof *db);
    if (!db || !(db->url = shown_url(url))) {
        free(db);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    int rc;
    if (is_pg_url(url)) {
        db->kind = PWI_DB_PG;
        db->pg = PQconnectdb(url);
        if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
            rc = db_error(db, err, PW_EDB, "cannot connect");
            goto fail;
        }
        PQsetNoticeProcessor(db->pg, quiet_notice, NULL);
    } else {
        db->kind = PWI_DB_SQLITE;
        struct stat sb;
        if (!create && stat(url, &sb) != 0) {
            rc = pw_error_set(err, PW_ENOTFOUND, url, 0, NULL,
                              "no registry here (run `pathways registry init`)");
            goto fail;
        }
        /* SQLite would create the file 0644 less the umask: readable by
         * every local user under the usual umask 022. Made 0600 first; the
         * -wal, -shm and -journal files SQLite makes beside it take the
         * database file's mode, whatever the umask. */
        if (create && (rc = pwi_file_create_private(url, err)) != PW_OK)
            goto fail;
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (create ? SQLITE_OPEN_CREATE : 0);
        if (sqlite3_open_v2(url, &db->lite, flags, NULL) != SQLITE_OK) {
            rc = db_error(db, err, PW_EDB, "cannot open");
            goto fail;
        }
        sqlite3_busy_timeout(db->lite, 10000);
        /* WAL lets readers run beside the writer; synchronous=FULL makes
         * every COMMIT durable before it returns, which is what "committed
         * N" promises; foreign keys are off by default in SQLite.
         * temp_store=MEMORY keeps the statement journals of each imported
         * record's savepoint in memory: they only ever undo a rejected
         * record, and as temporary files they were three quarters of an
         * import's writes once the seals' UPDATEs ran inside savepoints
         * (the committed data still goes through the WAL, durably). */
        static const char *const pragmas =
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
        if (sqlite3_exec(db->lite, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_error(db, err, PW_EDB, "cannot configure");
            goto fail;
        }
    }
    *out = db;
    return PW_OK;
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name: it frees what was half built. */
    pwi_db_close(db);
    return rc;
}

static void stmt_free(pwi_stmt *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    if (st->res)
        PQclear(st->res);
    for (size_t i = st->qpos; i < st->qlen; i++)
        PQclear(st->queue[i]);
    free(st->queue);
    if (st->vals) {
        for (int i = 0; i < st->nparams; i++)
            free(st->vals[i]);
        free(st->vals);
    }
    free(st->sql);
    free(st);
}

void pwi_db_close(pwi_db *db)
{
    if (!db)
        return;
    /* PQfinish drops whatever is still on the wire. */
    db->active = NULL;
    for (int i = 0; i < db->nstmt; i++)
        stmt_free(db->stmts[i]);
    free(db->stmts);
    if (db->lite)
        sqlite3_close(db->lite);
    if (db->pg)
        PQfinish(db->pg);
    free(db->pend_table);
    free(db->pend_id);
    free(db->url);
    free(db);
}

pwi_db_kind pwi_db_kind_of(const pwi_db *db)
{
    return db->kind;
}

/* SQLite busy handler of pwi_db_poll_lock; `count` is 0 on the first try
 * of each wait. */
static int poll_busy(void *arg, int count)
{
    pwi_db *db = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        db->poll_start = now;
    int64_t waited_ms = (int64_t)(now.tv_sec - db->poll_start.tv_sec) * 1000 +
                        (now.tv_nsec - db->poll_start.tv_nsec) / 1000000;
    if (waited_ms >= db->poll_timeout_ms)
        return 0;
    struct timespec ts = {0, 500 * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

void pwi_db_poll_lock(pwi_db *db, int timeout_ms)
{
    if (db->kind != PWI_DB_SQLITE)
        return;
    db->poll_timeout_ms = timeout_ms;
    sqlite3_busy_handler(db->lite, poll_busy, db);
}

struct sqlite3 *pwi_db_sqlite(pwi_db *db)
{
    return db->lite;
}

const char *pwi_db_url(const pwi_db *db)
{
    return db->url;
}

/*
 * libpq allows one query in flight per connection. When a statement is
 * still streaming rows and the caller runs another one on the same
 * connection (nested iteration: rare, and never over big results), the rest
 * of the first statement's results is read into its queue, so both go on
 * correctly; only the memory bound is lost for that one statement.
 */
/* PQgetResult, except that the end of a pipelined statement (see
 * pg_send) also reads the pipeline's sync and leaves pipeline mode, so
 * callers see a plain statement. */
static PGresult *pg_read(pwi_db *db)
{
    PGresult *r = PQgetResult(db->pg);
    if (r || !db->pipeline)
        return r;
    /* NULL ends one query's results; between the savepoint commands and the
     * statement that is expected, after the statement comes the sync. */
    while ((r = PQgetResult(db->pg)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        PQclear(r);
        if (s == PGRES_PIPELINE_SYNC) {
            db->pipeline = 0;
            PQexitPipelineMode(db->pg);
            break;
        }
    }
    return NULL;
}

void pwi_db_pg_detach(pwi_db *db)
{
    pwi_stmt *st = db->active;
    if (!st)
        return;
    db->active = NULL;
    assert(!st->queued && !st->done);
    st->queued = 1;
    st->qlen = st->qpos = 0;
    PGresult *r;
    while ((r = pg_read(db)) != NULL) {
        if (st->qlen == st->qcap) {
            size_t cap = st->qcap ? 2 * st->qcap : 64;
            PGresult **q = realloc(st->queue, cap * sizeof *q);
            if (!q) {
                /* Out of memory: keep what is queued and drop the rest;
                 * the statement then ends early with an error result. */
                PQclear(r);
                while ((r = pg_read(db)) != NULL)
                    PQclear(r);
                r = PQmakeEmptyPGresult(db->pg, PGRES_FATAL_ERROR);
                if (r && st->qlen > 0) {
                    PQclear(st->queue[st->qlen - 1]);
                    st->queue[st->qlen - 1] = r;
                } else if (r) {
                    PQclear(r);
                }
                return;
            }
            st->queue = q;
            st->qcap = cap;
        }
        st->queue[st->qlen++] = r;
    }
}

/* The next result of `st`: from its queue, or from the wire. NULL once
 * every result has been read. */
static PGresult *pg_next(pwi_stmt *st)
{
    if (st->queued)
        return st->qpos < st->qlen ? st->queue[st->qpos++] : NULL;
    assert(st->db->active == st);
    PGresult *r = pg_read(st->db);
    if (!r)
        st->db->active = NULL;
    return r;
}

/* Reads and drops every result `st` still has (after its last wanted row,
 * an error, or an early reset). */
static void pg_finish(pwi_stmt *st)
{
    PGresult *r;
    if (st->queued || st->db->active == st)
        while ((r = pg_next(st)) != NULL)
            PQclear(r);
    st->queued = 0;
    st->qlen = st->qpos = 0;
    st->done = 1;
}

int pwi_db_exec(pwi_db *db, const char *sql, pw_error *err)
{
    if (db->kind == PWI_DB_SQLITE) {
        char *msg = NULL;
        if (sqlite3_exec(db->lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
            int st = pw_error_set(err, PW_EDB, db->url, 0, NULL, "%s",
                                  msg ? msg : "SQL failed");
            sqlite3_free(msg);
            return st;
        }
        return PW_OK;
    }
    pwi_db_pg_detach(db);
    char *joined = NULL;
    if (db->sp_pending) {
        /* The deferred savepoint goes first, in the same round trip. */
        static const char sp[] = "RELEASE SAVEPOINT pw_rec; SAVEPOINT pw_rec; ";
        if (!(joined = malloc(sizeof sp + strlen(sql))))
            return pw_error_set(err, PW_ENOMEM, db->url, 0, NULL, "out of memory");
        strcpy(joined, sp);
        strcat(joined, sql);
        db->sp_pending = 0;
    }
    PGresult *r = PQexec(db->pg, joined ? joined : sql);
    free(joined);
    ExecStatusType s = PQresultStatus(r);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    int rc = PW_OK;
    if (!ok)
        rc = db_error(db, err, PW_EDB, "SQL failed");
    PQclear(r);
    return rc;
}

/* Rewrites `?` placeholders outside quotes to $1, $2, ... for libpq. */
static char *pg_sql(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    char *o = out, quote = 0;
    int n = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?') {
            o += sprintf(o, "$%d", ++n);
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    *nparams = n;
    return out;
}

/* FNV-1a of the statement's text. Why: the cache holds ~100 statements that
 * mostly start alike ("SELECT ", "INSERT INTO "), so comparing texts one by
 * one was a measurable share of an import; one pass over the text and an
 * integer compare per entry is not. Equal keys are still confirmed by the
 * text, so a collision costs a strcmp, never a wrong statement. */
static uint64_t sql_key(const char *sql)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

int pwi_db_prepare(pwi_db *db, const char *sql, pwi_stmt **out, pw_error *err)
{
    *out = NULL;
    uint64_t key = sql_key(sql);
    for (int i = 0; i < db->nstmt; i++) {
        pwi_stmt *st = db->stmts[i];
        if (st->key == key && strcmp(st->sql, sql) == 0) {
            /* Most users reset their statement when done; a second reset
             * here was ~4% of an import. */
            if (!st->clean)
                pwi_stmt_reset(st);
            *out = st;
            return PW_OK;
        }
    }
    if (db->nstmt == db->capstmt) {
        int cap = db->capstmt ? db->capstmt * 2 : 32;
        pwi_stmt **s = realloc(db->stmts, (size_t)cap * sizeof *s);
        if (!s)
            return pw_error_set(err, PW_ENOMEM, db->url, 0, NULL, "out of memory");
        db->stmts = s;
        db->capstmt = cap;
    }
    pwi_stmt *st = calloc(1, sizeof *st);
    if (!st || !(st->sql = strdup(sql))) {
        free(st);
        return pw_error_set(err, PW_ENOMEM, db->url, 0, NULL, "out of memory");
    }
    st->db = db;
    st->key = key;
    st->clean = 1;
    int rc = PW_OK;
    if (db->kind == PWI_DB_SQLITE) {
        if (sqlite3_prepare_v2(db->lite, sql, -1, &st->lite, NULL) != SQLITE_OK) {
            rc = db_error(db, err, PW_EDB, "cannot prepare");
            goto fail;
        }
        st->nparams = sqlite3_bind_parameter_count(st->lite);
    } else {
        char *text = pg_sql(sql, &st->nparams);
        if (!text) {
            rc = pw_error_set(err, PW_ENOMEM, db->url, 0, NULL, "out of memory");
            goto fail;
        }
        snprintf(st->name, sizeof st->name, "pw%d", db->next_name++);
        pwi_db_pg_detach(db);
        PGresult *r = PQprepare(db->pg, st->name, text, st->nparams, NULL);
        free(text);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            rc = db_error(db, err, PW_EDB, "cannot prepare");
            goto fail;
        }
        st->vals = calloc((size_t)st->nparams + 1, sizeof *st->vals);
        if (!st->vals) {
            rc = pw_error_set(err, PW_ENOMEM, db->url, 0, NULL, "out of memory");
            goto fail;
        }
    }
    db->stmts[db->nstmt++] = st;
    *out = st;
    return PW_OK;
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name: it frees what was half built. */
    stmt_free(st);
    return rc;
}

static int pg_set(pwi_stmt *st, int i, const char *text)
{
    if (i < 1 || i > st->nparams)
        return PW_EINVAL;
    free(st->vals[i - 1]);
    st->vals[i - 1] = NULL;
    if (text && !(st->vals[i - 1] = strdup(text)))
        return PW_ENOMEM;
    return PW_OK;
}

int pwi_bind_int64(pwi_stmt *st, int i, int64_t v)
{
    st->clean = 0;
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_bind_int64(st->lite, i, v) == SQLITE_OK ? PW_OK : PW_EINVAL;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return pg_set(st, i, buf);
}

int pwi_bind_double(pwi_stmt *st, int i, double v)
{
    st->clean = 0;
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_bind_double(st->lite, i, v) == SQLITE_OK ? PW_OK : PW_EINVAL;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return pg_set(st, i, buf);
}

int pwi_bind_text(pwi_stmt *st, int i, const char *v)
{
    st->clean = 0;
    if (st->db->kind == PWI_DB_SQLITE) {
        int r = v ? sqlite3_bind_text(st->lite, i, v, -1, SQLITE_TRANSIENT)
                  : sqlite3_bind_null(st->lite, i);
        return r == SQLITE_OK ? PW_OK : PW_EINVAL;
    }
    return pg_set(st, i, v);
}

int pwi_bind_null(pwi_stmt *st, int i)
{
    st->clean = 0;
    return pwi_bind_text(st, i, NULL);
}

/*
 * Sends st. With a savepoint pending (pwi_db_resavepoint), libpq pipeline
 * mode sends "RELEASE SAVEPOINT", "SAVEPOINT" and the statement together and
 * reads the two savepoint answers here; the statement's rows then stream as
 * usual and pg_read() takes the pipeline's sync after them. If a savepoint
 * command fails, the statement is aborted by the server and the error is
 * returned now.
 */
static int pg_send(pwi_stmt *st, pw_error *err)
{
    pwi_db *db = st->db;
    const char *const *vals = (const char *const *)st->vals;
    if (!db->sp_pending)
        return PQsendQueryPrepared(db->pg, st->name, st->nparams, vals, NULL, NULL, 0)
                   ? PW_OK
                   : db_error(db, err, PW_EDB, "statement failed");
    db->sp_pending = 0;
    if (!PQenterPipelineMode(db->pg))
        return db_error(db, err, PW_EDB, "cannot enter pipeline mode");
    db->pipeline = 1;
    int sent = PQsendQueryParams(db->pg, "RELEASE SAVEPOINT pw_rec", 0, NULL, NULL, NULL,
                                 NULL, 0) &&
               PQsendQueryParams(db->pg, "SAVEPOINT pw_rec", 0, NULL, NULL, NULL, NULL, 0) &&
               PQsendQueryPrepared(db->pg, st->name, st->nparams, vals, NULL, NULL, 0) &&
               PQpipelineSync(db->pg);
    int rc = sent ? PW_OK : db_error(db, err, PW_EDB, "statement failed");
    /* The two savepoint answers: each a result, then NULL. */
    for (int q = 0; sent && q < 2; q++) {
        PGresult *r = PQgetResult(db->pg);
        if (rc == PW_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *m = r ? PQresultErrorMessage(r) : "";
            rc = pw_error_set(err, PW_EDB, db->url, 0, NULL, "savepoint failed: %.300s",
                              m && *m ? m : PQerrorMessage(db->pg));
        }
        PQclear(r);
        while ((r = PQgetResult(db->pg)) != NULL)
            PQclear(r);
    }
    if (rc != PW_OK) {
        /* Read the (aborted) statement and the sync, leave pipeline mode. */
        PGresult *r;
        while ((r = pg_read(db)) != NULL)
            PQclear(r);
        if (db->pipeline) {
            /* Sending failed halfway: the connection is unusable anyway. */
            db->pipeline = 0;
            PQexitPipelineMode(db->pg);
        }
    }
    return rc;
}

int pwi_step(pwi_stmt *st, pw_error *err)
{
    st->clean = 0;
    pwi_db *db = st->db;
    if (db->kind == PWI_DB_SQLITE) {
        int r = sqlite3_step(st->lite);
        if (r == SQLITE_ROW)
            return 1;
        if (r == SQLITE_DONE)
            return 0;
        int status = (r & 0xff) == SQLITE_CONSTRAINT ? PW_ECONFLICT : PW_EDB;
        int rc = db_error(db, err, status, "statement failed");
        sqlite3_reset(st->lite);
        return rc;
    }
    if (st->done)
        return 0;
    if (!st->started) {
        st->started = 1;
        pwi_db_pg_detach(db);
        int rc = pg_send(st, err);
        if (rc != PW_OK) {
            st->done = 1;
            return rc;
        }
        db->active = st;
        /* Fails only if called at the wrong moment, which cannot happen
         * right after a successful send; rows then simply come whole. */
        PQsetSingleRowMode(db->pg);
    }
    if (st->res) {
        PQclear(st->res);
        st->res = NULL;
    }
    st->res = pg_next(st);
    ExecStatusType s = st->res ? PQresultStatus(st->res) : PGRES_COMMAND_OK;
    if (s == PGRES_SINGLE_TUPLE)
        return 1;
    if (s == PGRES_TUPLES_OK && st->res && PQntuples(st->res) > 0) {
        /* Single-row mode was refused: the whole set came in one result.
         * Not expected; handled by failing loudly rather than dropping
         * rows. */
        pg_finish(st);
        return pw_error_set(err, PW_EDB, db->url, 0, NULL,
                            "statement failed: rows were not streamed");
    }
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
        /* The last result of the statement: keep it (column count of an
         * empty result) and read the end-of-results marker. */
        PGresult *keep = st->res;
        st->res = NULL;
        pg_finish(st);
        st->res = keep;
        return 0;
    }
    const char *state = PQresultErrorField(st->res, PG_DIAG_SQLSTATE);
    /* Class 23 = integrity constraint violation (unique, FK, check). */
    int status = state && strncmp(state, "23", 2) == 0 ? PW_ECONFLICT : PW_EDB;
    char clean[400];
    const char *msg = PQresultErrorMessage(st->res);
    snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : PQerrorMessage(db->pg));
    for (char *p = clean; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
    pg_finish(st);
    return pw_error_set(err, status, db->url, 0, NULL, "statement failed: %s", clean);
}

int pwi_col_count(pwi_stmt *st)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_column_count(st->lite);
    return st->res ? PQnfields(st->res) : 0;
}

const char *pwi_col_name(pwi_stmt *st, int col)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_column_name(st->lite, col);
    return st->res ? PQfname(st->res, col) : NULL;
}

int pwi_col_is_null(pwi_stmt *st, int col)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
    return PQgetisnull(st->res, 0, col);
}

int64_t pwi_col_int64(pwi_stmt *st, int col)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_column_int64(st->lite, col);
    if (PQgetisnull(st->res, 0, col))
        return 0;
    return strtoll(PQgetvalue(st->res, 0, col), NULL, 10);
}

double pwi_col_double(pwi_stmt *st, int col)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return sqlite3_column_double(st->lite, col);
    if (PQgetisnull(st->res, 0, col))
        return 0.0;
    return strtod(PQgetvalue(st->res, 0, col), NULL);
}

const char *pwi_col_text(pwi_stmt *st, int col)
{
    if (st->db->kind == PWI_DB_SQLITE)
        return (const char *)sqlite3_column_text(st->lite, col);
    if (PQgetisnull(st->res, 0, col))
        return NULL;
    return PQgetvalue(st->res, 0, col);
}

void pwi_stmt_reset(pwi_stmt *st)
{
    st->clean = 1;
    if (st->db->kind == PWI_DB_SQLITE) {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
        return;
    }
    if (st->res) {
        PQclear(st->res);
        st->res = NULL;
    }
    /* Rows the caller did not want are read and dropped, so that the
     * connection is free for the next statement. */
    if (st->started && !st->done)
        pg_finish(st);
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
    }
    st->started = 0;
    st->done = 0;
}

int pwi_db_query_int64(pwi_db *db, const char *sql, int64_t *out, int *found,
                       pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    *found = rc == 1;
    *out = rc == 1 ? pwi_col_int64(st, 0) : 0;
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}
