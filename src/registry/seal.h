/*
 * Row seals: every row that matters carries a keyed MAC, and the totals of
 * each table are bound to the audit chain's head (internal to the
 * registry).
 *
 * Why: the audit chain protects only itself. Someone who can write the
 * database file but does not hold the site key could otherwise plant a
 * user, raise a role, edit a test result or delete a relapse unseen. So:
 *   - each row of a sealed table (users, person, episode and every event
 *     table, pwi_seal_table) stores mac = BLAKE2b-256(key = rows key,
 *     table || each non-NULL column as name and text value, mac excluded).
 *     The row's own id is a column, so rows cannot be swapped; a NULL
 *     column is left out, so a column added later (NULL in old rows) keeps
 *     old MACs valid. An edited row no longer matches; a planted one has
 *     no valid MAC;
 *   - row_seal holds per table the number of rows, the sum of their ids
 *     and the XOR of their MACs. A deleted row changes all three (with one
 *     row gone, the id sum names it); a row put back as an older version of
 *     itself changes the XOR;
 *   - audit_head.tables_digest is a keyed digest of row_seal, and
 *     audit_head.seal = MAC(seq || hash || tables_digest): the head, the
 *     chain's end and the table totals can only change together, with the
 *     key. Cutting the log's tail and moving the head, or resetting both,
 *     breaks the seal.
 * Writers keep it up to date: the totals are read (and checked against
 * the seal) with the audit head's lock, changed in memory as rows are
 * written, saved and restored with savepoints, and written back at COMMIT
 * with the head (pwi_seal_flush, called by pwi_db_commit).
 *
 * How a writer uses it, for every write of a sealed table:
 *   - an INSERT ... RETURNING id: then pwi_seal_insert(db, table, id). The
 *     MAC is written at COMMIT (one read per table and batch), so such a
 *     row must not be updated in the same transaction (the event tables
 *     and users are not; an episode and its schedules go through
 *     pwi_seal_episode, which seals at once);
 *   - an UPDATE or DELETE: pwi_seal_before(db, table, col, v) over a scope
 *     that holds every row the statement can touch (col = "id" or
 *     "episode_id"), the statement, then pwi_seal_after() over the same
 *     scope. before() checks each row's MAC first, so a row edited by
 *     someone without the key is refused (PW_EDB) rather than re-sealed
 *     with the edit in it.
 */
#ifndef PWI_SEAL_H
#define PWI_SEAL_H

#include <stdint.h>

#include "pathways/core.h"
#include "crypto.h"
#include "db.h"

typedef enum {
    PWI_T_USERS,
    PWI_T_PERSON,
    PWI_T_EPISODE,
    PWI_T_PLAN_PHASE,
    PWI_T_REVIEW_DUE,
    PWI_T_PANEL_DECISION,
    PWI_T_REVIEW,
    PWI_T_DRUG_TEST,
    PWI_T_TEST_SCHEDULE,
    PWI_T_VIOLATION,
    PWI_T_RELAPSE,
    PWI_T_FOLLOWUP,
    PWI_T_DEATH,
    PWI_T_IMPRISONMENT,
    /* Added by migration 5 (schema.c): left out of the head's digest while
     * their totals are zero, so registries sealed before keep their seal. */
    PWI_T_AMENDMENT,
    PWI_T_CONSENT,
    PWI_T_COUNT
} pwi_seal_table;

/* The schema version that added the seals (and keyed token hashes). */
#define PWI_SCHEMA_SEALED 4

const char *pwi_seal_table_name(pwi_seal_table t);

/* Seals the row just inserted with id `id`. */
int pwi_seal_insert(pwi_db *db, pwi_seal_table t, int64_t id, pw_error *err);
/* Around an UPDATE or DELETE of the rows of `t` whose column `col` equals
 * `v` (see above). */
int pwi_seal_before(pwi_db *db, pwi_seal_table t, const char *col, int64_t v,
                    pw_error *err);
int pwi_seal_after(pwi_db *db, pwi_seal_table t, const char *col, int64_t v,
                   pw_error *err);
/* before()/after() over an episode and its schedules: those of the episode
 * row and its plan_phase, review_due and test_schedule rows that `which`
 * names (PWI_SEAL_EP_*; `after` 0 or 1). For writers that change several
 * of them (a new episode, a panel decision, a discharge). Name every part
 * the writer can change, and only those: a part left out is neither
 * checked nor re-sealed (a discharge, which leaves the test schedule as it
 * is, need not hash its dozens of rows twice). */
enum {
    PWI_SEAL_EP_ROW = 1,
    PWI_SEAL_EP_PLAN = 2,
    PWI_SEAL_EP_REVIEWS = 4,
    PWI_SEAL_EP_TESTS = 8,
    PWI_SEAL_EP_ALL = 15
};
int pwi_seal_episode(pwi_db *db, int64_t episode_id, int after, unsigned which,
                     pw_error *err);

/* The current row of a `SELECT *` on table `t`: PW_OK if its MAC is right,
 * else PW_EDB naming the table and row (for sign-in: a user row edited
 * without the key is not trusted). */
int pwi_seal_check_row(pwi_db *db, pwi_stmt *st, pwi_seal_table t, pw_error *err);

/* Reads the seal state with the head (pwi_audit_lock): checks the seal of
 * seq, hash and tables_digest. `seal` NULL is accepted only on a registry
 * without users (before init). */
int pwi_seal_check_head(pwi_db *db, pwi_audit_head *h, const char *seal,
                        pw_error *err);
/* Writes the head, the changed table totals and the seal (pwi_db_commit). */
int pwi_seal_flush(pwi_db *db, pwi_audit_head *h, pw_error *err);

/* Checks every sealed table against its rows' MACs and row_seal, and
 * row_seal and the head against the seal, inside the caller's read
 * snapshot. Appends one line per problem (table and row named) to
 * `problems` (size `len`) and returns their number in *n (0: intact). */
int pwi_seal_verify(pwi_db *db, const pwi_keys *k, char *problems, size_t len,
                    int *n, pw_error *err);

/* Brings a registry of schema version PWI_SCHEMA_SEALED - 1 to
 * PWI_SCHEMA_SEALED in one transaction: its migration SQL, keyed token
 * hashes in place of the unkeyed ones (tokens stay valid), a MAC on every
 * row, the table totals and the seal, and an audit entry saying so. The
 * audit chain is verified first: a registry whose chain is broken is not
 * sealed (that would bless the tampering). */
int pwi_seal_upgrade(pwi_db *db, const pwi_keys *k, pw_error *err);

/* The stored form of a token: hex of BLAKE2b-256(key = token key,
 * BLAKE2b-256(token)). The inner unkeyed hash is what schema 3 stored, so
 * the upgrade keys the old hashes without knowing the tokens. */
void pwi_token_hash(const pwi_keys *k, const char *token, char out[65]);

#endif /* PWI_SEAL_H */
