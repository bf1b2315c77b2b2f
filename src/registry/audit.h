/*
 * The audit log: every read and write of a person's data, hash-chained,
 * insert-only, verifiable (internal to the registry).
 *
 * Why a chain: row checksums alone do not reveal deleted rows (OpenEMR issue
 * #12118, docs/sources.md R7.4). Entry i stores
 *     hash_i = BLAKE2b-256(key = audit key, hash_{i-1} || canonical(entry_i))
 * where canonical() is the length-prefixed list of seq, time, user id, user
 * name, role, action, object and detail, and hash_0 is 32 zero bytes. The
 * key is derived from the site secret (crypto.h), so someone who can edit the
 * database file but does not hold the key cannot forge a consistent chain.
 * The one-row table audit_head holds the last seq and hash: it serialises
 * writers on PostgreSQL (row lock) and lets verify notice a truncated tail.
 * Triggers refuse UPDATE and DELETE on audit (both backends).
 *
 * An entry is appended inside the same transaction as the data it records,
 * so a rolled-back write leaves no entry and a committed write always has
 * one.
 */
#ifndef PWI_AUDIT_H
#define PWI_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "pathways/core.h"
#include "auth.h"
#include "db.h"

/*
 * Appends one entry in the caller's open transaction. `action` is a short
 * verb ("create", "read", "update", "export", "login_failed", ...),
 * `object` names what was touched ("episode:E1", "person:17",
 * "report:relapse-survival"), `detail` is optional free text (NULL for
 * none; never put clear identities in it). `user` may be NULL for actions
 * of no authenticated user (then user id 0, name "-", role "-").
 * `key` is the 32-byte audit key (pwi_keys.audit).
 */
int pwi_audit_append(pwi_db *db, const unsigned char key[32],
                     const pwi_user *user, const char *action,
                     const char *object, const char *detail, pw_error *err);

/*
 * Takes the audit head's lock for the open transaction now rather than at
 * the first entry (pwi_audit_append does it implicitly). A writer that
 * inserts rows before its first entry calls this right after BEGIN: then
 * two PostgreSQL writers cannot each hold a row the other needs (a unique
 * key one of them inserted, and the head), i.e. they cannot deadlock.
 */
int pwi_audit_lock(pwi_db *db, pw_error *err);

/* Result of a verification. */
typedef struct pwi_audit_report {
    int64_t entries;     /* entries checked */
    int ok;              /* 1 if the chain, the head, the seals agree */
    int64_t first_bad;   /* seq of the first broken entry (0 if none) */
    int problems;        /* problems found (chain, head, tables, rows) */
    char reason[2048];   /* what is wrong, one problem per line */
} pwi_audit_report;

/* A signed checkpoint of the head, kept outside the database (checkpoint.c):
 * the log must reach entry `seq` and have `hash` there. */
typedef struct pwi_checkpoint {
    int64_t seq;
    unsigned char hash[32];
    char time[32];
} pwi_checkpoint;

/* Walks the whole chain in seq order, in the caller's transaction or
 * snapshot: gaps, hash mismatches, entries beyond the head (appended
 * without the key), a log that ends before the head, and, with `cp`, a log
 * shorter than or diverging from the checkpoint. Returns PW_OK when the
 * walk could be done (look at rep->ok for the verdict), or an error. */
int pwi_audit_verify_chain(pwi_db *db, const unsigned char key[32],
                           const pwi_checkpoint *cp, pwi_audit_report *rep,
                           pw_error *err);

/* Everything in one read snapshot: the chain (as above) and, when `keys`
 * is not NULL, the seals of the head, the table totals and every row
 * (seal.h). */
struct pwi_keys;
int pwi_audit_verify_all(pwi_db *db, const unsigned char key[32],
                         const struct pwi_keys *keys, const pwi_checkpoint *cp,
                         pwi_audit_report *rep, pw_error *err);

/* pwi_audit_verify_all with the connection's keys (pwi_db_set_keys) and
 * no checkpoint. */
int pwi_audit_verify(pwi_db *db, const unsigned char key[32],
                     pwi_audit_report *rep, pw_error *err);

/* Writes the log as JSON Lines, one object per entry, oldest first:
 * {"seq", "time", "user", "role", "action", "object", "detail"}. */
int pwi_audit_list(pwi_db *db, FILE *out, pw_error *err);

/* Writes the JSON value `o` to `out` as one compact line, keys in their
 * order, and drops the caller's reference to it. `o` may be NULL (a failed
 * json_pack): PW_ENOMEM, as when the text cannot be made. The line-per-row
 * listings (audit list, user list) all print this way. */
struct json_t;
int pwi_json_line(FILE *out, struct json_t *o, pw_error *err);

/* `o` dumped with jansson's `flags` into a malloc'd buffer ending in a
 * newline (and a NUL past it), its length with the newline in *len: the
 * body of a JSON answer or report. NULL when out of memory or `o` is
 * NULL; `o` stays the caller's. */
char *pwi_json_dumps_line(const struct json_t *o, size_t flags, size_t *len);

#endif /* PWI_AUDIT_H */
