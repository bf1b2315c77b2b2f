/*
 * The monitoring registry: people in the pathway, from the panel decision
 * through treatment to follow-up (issue 5). SQLite by default, PostgreSQL
 * when the database is a "postgresql://" URL; identities pseudonymised and
 * encrypted; every read and write of a person's data audited in a
 * hash-chained, insert-only log. See docs/registry.md.
 *
 * These are the operations behind `pathways registry ...`; the HTTP server
 * and the reports build on the internal headers in src/registry/.
 */
#ifndef PATHWAYS_REGISTRY_H
#define PATHWAYS_REGISTRY_H

#include <stdio.h>

#include "pathways/core.h"

/* Creates the registry at `db` (schema, key file if needed, an "admin"
 * user) and writes the admin's token (64 hex + NUL) into token_out.
 * PW_ECONFLICT if the registry already has users. */
int pw_registry_init(const char *db, char token_out[65], pw_error *err);

/* Adds a user; `as_token` must belong to an admin. */
int pw_registry_user_add(const char *db, const char *as_token,
                         const char *name, const char *role,
                         char token_out[65], pw_error *err);

/* Options and outcome of an import. */
typedef struct pw_import_opts {
    long batch;          /* records per transaction (default 1000) */
    FILE *progress;      /* "committed N" lines go here (NULL: none) */
    FILE *errors;        /* one "file:line: field 'x': reason" per bad line */
} pw_import_opts;

typedef struct pw_import_result {
    long lines;          /* non-blank lines read */
    long committed;      /* records durably stored */
    long rejected;       /* bad lines */
} pw_import_result;

/* Imports a JSON Lines file ("-" = stdin). Returns PW_OK when the file was
 * read to the end (look at res->rejected for bad lines), or an error status
 * when the import had to stop (database failure, bad token). */
int pw_registry_import(const char *db, const char *as_token,
                       const char *path, const pw_import_opts *opts,
                       pw_import_result *res, pw_error *err);

/* Writes the counts as one JSON object on `out`. */
int pw_registry_stats(const char *db, const char *as_token, FILE *out,
                      pw_error *err);

/* Verifies the audit chain. Returns PW_OK if intact; PW_ECONFLICT if broken
 * (err->msg names the first broken entry); other codes on failure. */
int pw_registry_audit_verify(const char *db, long *entries, pw_error *err);
/* The same, and with `checkpoint` (a file written by
 * pw_registry_audit_checkpoint, or NULL) also that the log reaches the
 * checkpoint's entry and has its hash there. Besides the chain, every
 * sealed row, table and the head are checked (the problems, one per line,
 * name the table and row). PW_ECONFLICT if anything fails. */
int pw_registry_audit_verify_at(const char *db, const char *checkpoint, long *entries,
                                pw_error *err);
/* Verifies the registry, then writes a signed checkpoint of its audit head
 * to `out` (replaced atomically), for keeping outside the database.
 * *entries = the head's entry. PW_ECONFLICT if verification fails. */
int pw_registry_audit_checkpoint(const char *db, const char *out, long *entries,
                                 pw_error *err);

/* Users and tokens (admin: users write; auditor and admin: users read).
 * list: JSON Lines {id, name, role, created, active}. disable: the user's
 * token is refused from then on (not the last active admin). rotate: a new
 * token for `name` (NULL: the caller's own, allowed to any user), written
 * to token_out; the old one is refused from then on. All audited. */
int pw_registry_user_list(const char *db, const char *as_token, FILE *out, pw_error *err);
int pw_registry_user_disable(const char *db, const char *as_token, const char *name,
                             pw_error *err);
int pw_registry_user_rotate(const char *db, const char *as_token, const char *name,
                            char token_out[65], pw_error *err);

/* Writes the audit log as JSON Lines (auditor role). */
int pw_registry_audit_list(const char *db, const char *as_token, FILE *out,
                           pw_error *err);

/* What a backup copied and checked. */
typedef struct pw_backup_result {
    long pages;          /* database pages copied */
    long audit_entries;  /* entries of the copy's chain, verified */
    long people, episodes;
} pw_backup_result;

/*
 * Copies an SQLite registry to `to` while it may be in use (admin or
 * auditor; audited): SQLite's online backup API, one consistent snapshot,
 * written to a temporary file beside `to`, fsynced, checked (PRAGMA
 * integrity_check, foreign keys, the audit chain under the site key) and
 * only then renamed over `to` (and the directory fsynced). Nothing is
 * left under `to` if any step fails. The site key is not copied. On
 * PostgreSQL it refuses (PW_EINVAL) and says to use pg_dump.
 */
int pw_registry_backup(const char *db, const char *as_token, const char *to,
                       pw_backup_result *res, pw_error *err);

/* What a restore checked and where the replaced registry went. */
typedef struct pw_restore_result {
    long pages;          /* database pages copied */
    long audit_entries;  /* entries of the backup's chain, verified */
    long people, episodes;
    char replaced[4096]; /* where the replaced registry is kept ("" if none) */
} pw_restore_result;

/*
 * Restores an SQLite registry at `db` from `from`, a file written by
 * pw_registry_backup. Everything is checked before the target is touched:
 * the backup is copied (SQLite's backup API, from a read-only connection)
 * to a temporary file beside `db`, and that copy must pass integrity_check
 * and foreign_key_check, have a schema version this build knows, belong to
 * the site key of `db` (looked up as for any registry command), know
 * `as_token` as one of its admins, and have an intact audit chain. A
 * "restore" entry (who, from which file, how many entries) is appended to
 * the copy's chain; the copy is fsynced and renamed into place and the
 * directory fsynced. An existing `db` is refused (PW_ECONFLICT) unless
 * `force`; with `force` it is first taken over with an exclusive lock
 * (refused with PW_ECONFLICT while another process has it open), its WAL
 * folded into it, and it is kept as DB.replaced-YYYYMMDDTHHMMSSZ. On any
 * failure `db` is left as it was and nothing is left behind. A PostgreSQL
 * `db` is refused (PW_EINVAL): pg_restore restores what pg_dump wrote.
 */
int pw_registry_restore(const char *db, const char *as_token, const char *from,
                        int force, pw_restore_result *res, pw_error *err);

#endif /* PATHWAYS_REGISTRY_H */
