/*
 * An open registry: the database, the site keys and the signed-in user
 * (internal; what every registry command and the HTTP server start from).
 */
#ifndef PWI_REG_H
#define PWI_REG_H

#include "pathways/core.h"
#include "audit.h"
#include "auth.h"
#include "crypto.h"
#include "db.h"

typedef struct pwi_reg {
    pwi_db *db;
    pwi_keys keys;
    pwi_user user;   /* valid when has_user */
    int has_user;
} pwi_reg;

/*
 * Opens an existing registry at `url`, checks the schema version and the key
 * check value, and (when `token` is not NULL) authenticates the token.
 * A failed authentication is itself audited (action "login_failed").
 * On error *out is NULL and everything opened is closed again.
 */
int pwi_reg_open(const char *url, const char *token, pwi_reg **out,
                 pw_error *err);
/* The same, with the site key looked up as for the registry `key_url`
 * (PW_REGISTRY_KEY, PW_REGISTRY_KEYFILE, else KEY_URL.key): `registry
 * restore` checks a temporary copy under the key of the registry it is
 * about to become. */
int pwi_reg_open_keyed(const char *url, const char *key_url, const char *token,
                       pwi_reg **out, pw_error *err);
void pwi_reg_close(pwi_reg *reg);

/* Shorthand for pwi_audit_append with the registry's key and user. */
int pwi_reg_audit(pwi_reg *reg, const char *action, const char *object,
                  const char *detail, pw_error *err);
/* Ends the caller's transaction with its audit entry: with `rc` PW_OK,
 * appends the entry and commits; otherwise, or if either fails, rolls
 * back. Returns the first failure (`rc` itself if it was one). */
int pwi_reg_audit_end(pwi_reg *reg, int rc, const char *action, const char *object,
                      const char *detail, pw_error *err);
/* pwi_reg_audit in a transaction of its own, committed before the caller
 * goes on (a read on record before it is shown, a restore once it is
 * done). If the transaction cannot begin, nothing is rolled back. */
int pwi_reg_audit_tx(pwi_reg *reg, const char *action, const char *object,
                     const char *detail, pw_error *err);

/*
 * Checks a permission and, if refused, appends a "denied" audit entry in its
 * own transaction (so refusals are on record) and returns PW_EPERM.
 */
int pwi_reg_require(pwi_reg *reg, pwi_action action, pwi_object obj,
                    const char *object_name, pw_error *err);

/*
 * Imports JSON Lines records (the `registry import` format, import.c) from a
 * buffer as the signed-in user, all or nothing: one transaction, and the
 * first bad record (role, field, reference) fails the whole buffer with an
 * error naming `name`, the line and the field. *n = records stored. For the
 * HTTP API; the command line uses the batched pw_registry_import().
 */
int pwi_import_buffer(pwi_reg *reg, const char *buf, size_t len,
                      const char *name, int64_t *n, pw_error *err);

/*
 * The same inside the caller's open transaction, which already holds the
 * audit lock (the HTTP group commit, http_audit.c): the buffer goes in a
 * savepoint of its own (pwi_db_group_savepoint), all or nothing. Returns
 * PW_OK; or a record error (pwi_import_is_record_error: the savepoint is
 * undone, a refusal is audited again outside it, and the transaction can
 * go on); or a database failure, after which the caller must roll the
 * whole transaction back.
 */
int pwi_import_buffer_in(pwi_reg *reg, const char *buf, size_t len,
                         const char *name, int64_t *n, pw_error *err);
/* The same, appending each stored record as stored (names of the code
 * lists in place of aliases) to the JSON array `stored` when not NULL, so
 * that the HTTP answer shows what was saved. */
int pwi_import_buffer_in_stored(pwi_reg *reg, const char *buf, size_t len,
                                const char *name, int64_t *n, void *stored,
                                pw_error *err);
/*
 * A CSV file of records (import_csv.c) as JSON Lines for the importer:
 * one record per row, converted by the data dictionary, each on the line
 * where its row starts in the file. `type` is the record type, or NULL
 * when the file has a `type` column. *nrec = records. Errors name `name`,
 * the line and the column.
 */
int pwi_csv_to_jsonl(const char *buf, size_t len, const char *name, const char *type,
                     char **out, size_t *outlen, long *nrec, pw_error *err);
/* 1 for a failure of the input (bad field, unknown reference, duplicate,
 * refused role), 0 for a failure of the database. */
int pwi_import_is_record_error(int rc);

/*
 * The `registry stats` counts as a malloc'd JSON object (*out, *len):
 * checks the role (aggregate read) and audits the read through `audit`
 * (report.h: NULL = a transaction of its own; the HTTP server passes its
 * group-committing hook). Returns only once the audit entry is durable.
 */
typedef struct pwi_audit_hook pwi_audit_hook;
int pwi_stats_json(pwi_reg *reg, const pwi_audit_hook *audit, char **out,
                   size_t *len, pw_error *err);

#endif /* PWI_REG_H */
