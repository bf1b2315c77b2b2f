/*
 * One database API over SQLite and PostgreSQL (internal to the registry).
 *
 * Why: the registry runs on one SQLite file by default and on PostgreSQL at
 * scale, with the same schema and the same SQL. Every query is written once,
 * with `?` placeholders; on PostgreSQL they are rewritten to `$1, $2, ...`.
 * Values are always bound, never pasted into SQL text.
 *
 * Portable SQL rules (both backends accept them):
 *   - integers are BIGINT, text is TEXT, no BLOB/BYTEA (binary values such as
 *     ciphertexts are stored base64-encoded in TEXT);
 *   - dates are INTEGER day numbers (days since 1970-01-01, see pwi_date_*),
 *     so date arithmetic is plain integer arithmetic on both backends;
 *   - new ids come back with `INSERT ... RETURNING id`;
 *   - no backend-specific functions (no datetime(), no now()).
 *
 * Statements are cached per connection and keyed by their SQL text:
 * pwi_db_prepare() on the same text returns the same handle, already reset,
 * so hot paths (import) prepare once. A statement handle is owned by the
 * connection: call pwi_stmt_reset() when done with it, never free it; do not
 * use the same SQL text twice at the same time (nested iteration).
 *
 * On PostgreSQL, rows stream one at a time (libpq single-row mode), so no
 * result set is held whole. Running another statement while one is still
 * streaming is allowed: db.c then reads the rest of the first one into
 * memory before sending the next (see pg_detach in db.c).
 *
 * Not thread-safe: one connection per thread.
 */
#ifndef PWI_DB_H
#define PWI_DB_H

#include <stdint.h>

#include "pathways/core.h"

typedef struct pwi_db pwi_db;
typedef struct pwi_stmt pwi_stmt;

typedef enum { PWI_DB_SQLITE, PWI_DB_PG } pwi_db_kind;

/* Opens `url`: a "postgresql://" or "postgres://" URL (libpq connection
 * string) or a path to an SQLite file. `create` = 1 lets SQLite create a
 * missing file; with 0 a missing file is PW_ENOTFOUND. SQLite is set to WAL,
 * synchronous=FULL (a reported commit survives power loss), foreign keys on,
 * busy timeout 10 s. */
int pwi_db_open(const char *url, int create, pwi_db **out, pw_error *err);
/* Creates `path` empty with mode exactly 0600 (whatever the umask) for
 * SQLite to open next: a registry, a backup. An existing file is left as
 * it is (PW_OK). The -wal and -shm files SQLite adds take its mode. */
int pwi_file_create_private(const char *path, pw_error *err);
void pwi_db_close(pwi_db *db);
/* 1 if `url` names a PostgreSQL database (as pwi_db_open decides), for
 * what must refuse PostgreSQL before connecting (registry restore). */
int pwi_db_is_pg_url(const char *url);
pwi_db_kind pwi_db_kind_of(const pwi_db *db);
/*
 * SQLite: wait for the write lock by polling every half millisecond, for
 * up to `timeout_ms` (no-op on PostgreSQL, whose lock waits queue). Why: a
 * running import takes the lock again a few microseconds after each
 * commit, and SQLite's own busy handler sleeps up to 100 ms between tries,
 * so another writer seldom finds the lock free: during a command-line
 * import, audited HTTP reads (which wait for the server's writer) took up
 * to 4.6 s, p90 0.6-2.1 s (bench/bench_http_during_import.sh); polling,
 * p90 0.11-0.14 s. For the server's one writer and for `registry backup`,
 * which must get in between an import's batches.
 */
void pwi_db_poll_lock(pwi_db *db, int timeout_ms);

/* The SQLite handle (NULL on PostgreSQL), for what only SQLite has: the
 * online backup API (backup.c). */
struct sqlite3;
struct sqlite3 *pwi_db_sqlite(pwi_db *db);
/* The path or URL given to pwi_db_open, for messages: the password of a
 * postgresql:// URL is shown as "***". */
const char *pwi_db_url(const pwi_db *db);

/* Brings the schema to the newest version (schema.c); idempotent. Each
 * migration runs in its own transaction together with its version bump. */
int pwi_db_migrate(pwi_db *db, pw_error *err);
/* The same, up to version `upto` only (an existing registry is brought to
 * the last version that needs no key; seal.h does the keyed one). */
int pwi_db_migrate_to(pwi_db *db, int upto, pw_error *err);
/* The schema version stored in the database (0 for an empty database). */
int pwi_db_schema_version(pwi_db *db, int *version, pw_error *err);

/* Transactions. begin() on SQLite is BEGIN IMMEDIATE (takes the write lock
 * at once, so two writers never deadlock halfway). commit() returns only
 * once the transaction is durable. rollback() is safe to call when no
 * transaction is open and never fails (errors are ignored). */
int pwi_db_begin(pwi_db *db, pw_error *err);
int pwi_db_commit(pwi_db *db, pw_error *err);
void pwi_db_rollback(pwi_db *db);
int pwi_db_in_tx(const pwi_db *db);

/*
 * Read snapshots, for reports that read several tables with several
 * queries. Why: without one, a record committed between two of a report's
 * queries is seen by the second but not the first (a discharge counted,
 * its relapse missed). begin_read() opens a read-only transaction and pins
 * its snapshot before returning (it reads `meta` once, since both backends
 * take the snapshot at the first read, not at BEGIN):
 *   - SQLite: deferred BEGIN; in WAL mode a read transaction sees the
 *     database as of its first read and takes no lock that blocks writers;
 *   - PostgreSQL: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY.
 * No write may run inside (pwi_db_begin() asserts it): end the snapshot
 * first, then write the report's audit entries. end_read() resets every
 * statement (no cursor may outlive the snapshot) and commits; it is safe to
 * call when no snapshot is open.
 */
int pwi_db_begin_read(pwi_db *db, pw_error *err);
int pwi_db_end_read(pwi_db *db, pw_error *err);
int pwi_db_in_read(const pwi_db *db);

/* Savepoints inside a transaction: one per imported record, so a bad
 * record is undone alone while the batch goes on (on PostgreSQL any failed
 * statement otherwise aborts the whole transaction). */
int pwi_db_savepoint(pwi_db *db, pw_error *err);
int pwi_db_release(pwi_db *db, pw_error *err);
void pwi_db_rollback_to(pwi_db *db);
/* Releases the current savepoint and opens the next one in one round trip
 * (what an import does between two good records). */
int pwi_db_resavepoint(pwi_db *db, pw_error *err);

/*
 * The audit chain's head, cached for the open transaction (audit.c). Why:
 * updating the one audit_head row once per entry makes PostgreSQL keep a
 * new row version per update inside one transaction (quadratic in the batch
 * size). audit.c reads and locks the head on the first entry of a
 * transaction and keeps it here; pwi_db_commit() writes it back just before
 * COMMIT; a savepoint saves it, pwi_db_rollback_to() restores it, and a
 * rollback forgets it.
 */
/* One sealed table's running totals (seal.h): rows, the sum of their
 * ids (wrapping) and the XOR of their row MACs. */
#define PWI_SEAL_TABLES 16 /* = PWI_T_COUNT (seal.h; 14 before migration 5) */
typedef struct pwi_table_seal {
    int64_t n;
    uint64_t idsum;
    unsigned char x[32];
} pwi_table_seal;

typedef struct pwi_audit_head {
    int valid;
    int64_t seq;
    char hash[65];
    /* The seal state (seal.h), read with the head and written back with
     * it: `rows` is the digest of the table totals as stored; the totals
     * themselves are read only when a sealed table is first written in the
     * transaction (tables_loaded), and `dirty` has bit i set once table i
     * changed. Saved and restored with the head by savepoints. */
    char rows[65];
    int tables_loaded;
    uint32_t dirty;
    pwi_table_seal tab[PWI_SEAL_TABLES];
    /* Rows inserted in the transaction whose MACs are written at COMMIT
     * (seal.h, pwi_seal_insert): the first `pending` of the connection's
     * list (pwi_db_pending), so a rolled-back savepoint drops its own. */
    size_t pending;
} pwi_audit_head;
pwi_audit_head *pwi_db_audit_head(pwi_db *db);
/* The connection's list of rows awaiting their seal: table i and id of
 * entry i. pwi_db_pending_put stores entry `at` (growing the list). */
int pwi_db_pending_put(pwi_db *db, size_t at, int table, int64_t id);
void pwi_db_pending_get(const pwi_db *db, size_t at, int *table, int64_t *id);

/* The site keys the connection writes under (row seals, token hashes):
 * set by whoever loaded them (pwi_reg_open, registry init), who keeps them
 * alive while the connection is open. NULL until set; a write to a sealed
 * table without keys fails. */
struct pwi_keys;
void pwi_db_set_keys(pwi_db *db, const struct pwi_keys *keys);
const struct pwi_keys *pwi_db_keys(const pwi_db *db);

/*
 * A savepoint around one request's records in a transaction shared by
 * several requests (the HTTP group commit, http_audit.c), so each request
 * stays all or nothing. The record savepoints above nest inside it, and
 * each of them overwrites the one saved audit head, so the group's head is
 * kept by the caller in *saved and restored by group_rollback. Rolling
 * back also ends the savepoint; the transaction goes on.
 */
int pwi_db_group_savepoint(pwi_db *db, pwi_audit_head *saved, pw_error *err);
int pwi_db_group_release(pwi_db *db, pw_error *err);
void pwi_db_group_rollback(pwi_db *db, const pwi_audit_head *saved);

/* Runs SQL without parameters or results (DDL, several statements allowed
 * on both backends). */
int pwi_db_exec(pwi_db *db, const char *sql, pw_error *err);

/* Returns the cached statement for `sql` (prepared on first use). */
int pwi_db_prepare(pwi_db *db, const char *sql, pwi_stmt **out, pw_error *err);

/* Parameters are 1-based, as in SQLite. Text is copied. */
int pwi_bind_int64(pwi_stmt *st, int i, int64_t v);
int pwi_bind_double(pwi_stmt *st, int i, double v);
int pwi_bind_text(pwi_stmt *st, int i, const char *v); /* NULL binds NULL */
int pwi_bind_null(pwi_stmt *st, int i);

/* Executes (first call) or advances: returns 1 when a row is available,
 * 0 when done, or a negative PW_E* status (PW_ECONFLICT for a unique or
 * foreign-key violation, PW_EDB otherwise) with err filled. */
int pwi_step(pwi_stmt *st, pw_error *err);

/* Columns of the current row, 0-based. Text is valid until the next
 * step/reset; NULL columns give 0, 0.0 or NULL. */
int pwi_col_count(pwi_stmt *st);
/* The name of result column `col` (valid while the row is). */
const char *pwi_col_name(pwi_stmt *st, int col);
int pwi_col_is_null(pwi_stmt *st, int col);
int64_t pwi_col_int64(pwi_stmt *st, int col);
double pwi_col_double(pwi_stmt *st, int col);
const char *pwi_col_text(pwi_stmt *st, int col);

/* Ends the current execution and clears bindings; the handle stays cached. */
void pwi_stmt_reset(pwi_stmt *st);

/* Convenience: prepare + bind nothing + step once. Runs `sql` and puts the
 * first column of the first row in *out (*found = 0 if no row). */
int pwi_db_query_int64(pwi_db *db, const char *sql, int64_t *out, int *found,
                       pw_error *err);

/* ---- Dates ----------------------------------------------------------- */
/* Parses "YYYY-MM-DD" (also the date part of "YYYY-MM-DDThh:mm:ssZ") into a
 * day number; refuses impossible dates (2026-02-30). Returns PW_OK or
 * PW_EINVAL. */
int pwi_date_parse(const char *s, int32_t *day);
/* Writes "YYYY-MM-DD" (buf >= 11 bytes). */
void pwi_date_format(int32_t day, char *buf);
/* The current UTC time as "YYYY-MM-DDThh:mm:ssZ" (buf >= 21 bytes). */
void pwi_now_iso(char *buf);
/* Today's day number (UTC). */
int32_t pwi_today(void);

#endif /* PWI_DB_H */
