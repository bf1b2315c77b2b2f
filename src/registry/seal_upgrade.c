/*
 * Row seals, introduced: keyed token hashes and the one-off upgrade that
 * seals a registry of the schema before seals (seal.h).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "schema.h"
#include "seal.h"
#include "seal_int.h"

/* ---- tokens and the upgrade ---------------------------------------------- */

static void key_hash_of(const pwi_keys *k, const unsigned char inner[32], char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, 32, inner, 32, k->token, 32);
    pwi_hex(h, 32, out);
}

void pwi_token_hash(const pwi_keys *k, const char *token, char out[65])
{
    unsigned char inner[32];
    crypto_generichash(inner, 32, (const unsigned char *)token, strlen(token), NULL, 0);
    key_hash_of(k, inner, out);
}

/* Keys every token hash of schema 3 in place. */
static int key_token_hashes(pwi_db *db, const pwi_keys *k, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT id, token_hash FROM users", &st, err);
    if (rc != PW_OK)
        return rc;
    struct uh {
        int64_t id;
        unsigned char inner[32];
    } *list = NULL;
    size_t n = 0, cap = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct uh *g = realloc(list, cap * sizeof *g);
            if (!g) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            list = g;
        }
        list[n].id = pwi_col_int64(st, 0);
        if (pwi_unhex32(pwi_col_text(st, 1), list[n].inner) != PW_OK) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                              "user %" PRId64 " has a malformed token hash", list[n].id);
            break;
        }
        n++;
    }
    pwi_stmt_reset(st);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        char hex[65];
        key_hash_of(k, list[i].inner, hex);
        if ((rc = pwi_db_prepare(db, "UPDATE users SET token_hash = ? WHERE id = ?", &st,
                                 err)) != PW_OK)
            break;
        pwi_bind_text(st, 1, hex);
        pwi_bind_int64(st, 2, list[i].id);
        rc = pwi_step(st, err);
        pwi_stmt_reset(st);
    }
    free(list);
    return rc < 0 ? rc : PW_OK;
}

/* MACs every row of table t and adds it to the totals. */
static int seal_table(pwi_db *db, const pwi_keys *k, pwi_seal_table t,
                      pwi_table_seal *tot, pw_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", pwi_seal_names[t]);
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    srow *rows = NULL;
    size_t n = 0, cap = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            srow *g = realloc(rows, cap * sizeof *g);
            if (!g) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            rows = g;
        }
        pwi_seal_row_mac(k->rows, t, st, &rows[n++]);
    }
    pwi_stmt_reset(st);
    snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", pwi_seal_names[t]);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        pwi_seal_add(tot, &rows[i]);
        rc = pwi_seal_store(db, sql, &rows[i], err);
    }
    free(rows);
    return rc < 0 ? rc : PW_OK;
}

int pwi_seal_upgrade(pwi_db *db, const pwi_keys *k, pw_error *err)
{
    int rc = pwi_db_begin(db, err);
    if (rc != PW_OK)
        return rc;
    /* Lock the version row (PostgreSQL): a second program opening the same
     * old registry waits here, then finds it done. */
    int version = 0;
    rc = pwi_db_exec(db, "UPDATE meta SET value = value WHERE key = 'schema_version'", err);
    if (rc == PW_OK)
        rc = pwi_db_schema_version(db, &version, err);
    if (rc != PW_OK || version >= PWI_SCHEMA_SEALED) {
        pwi_db_rollback(db);
        return rc;
    }
    if (version != PWI_SCHEMA_SEALED - 1) {
        pwi_db_rollback(db);
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "schema %d cannot be sealed (bug)", version);
    }
    /* Never seal what is already tampered with. */
    pwi_audit_report rep;
    rc = pwi_audit_verify_chain(db, k->audit, NULL, &rep, err);
    if (rc == PW_OK && !rep.ok)
        rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                          "not upgraded to sealed rows: the audit chain is broken at "
                          "entry %lld: %s",
                          (long long)rep.first_bad, rep.reason);
    char *sql = NULL;
    if (rc == PW_OK && pwi_schema_sql(PWI_SCHEMA_SEALED, pwi_db_kind_of(db), &sql) != PW_OK)
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc == PW_OK)
        rc = pwi_db_exec(db, sql, err);
    free(sql);
    if (rc == PW_OK)
        rc = key_token_hashes(db, k, err);
    /* The head, locked, with every table's totals as sealed now. */
    pwi_audit_head *h = pwi_db_audit_head(db);
    pwi_stmt *st;
    if (rc == PW_OK)
        rc = pwi_db_prepare(db, "UPDATE audit_head SET seq = seq WHERE id = 1 "
                                "RETURNING seq, hash", &st, err);
    if (rc == PW_OK) {
        rc = pwi_step(st, err);
        if (rc == 1) {
            memset(h, 0, sizeof *h);
            h->seq = pwi_col_int64(st, 0);
            snprintf(h->hash, sizeof h->hash, "%s", pwi_col_text(st, 1));
            rc = PW_OK;
        } else if (rc == 0) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL, "audit head is missing");
        }
        pwi_stmt_reset(st);
    }
    /* The tables of later migrations do not exist yet; they start empty. */
    for (int t = 0; rc == PW_OK && t < PWI_T_AMENDMENT; t++)
        rc = seal_table(db, k, (pwi_seal_table)t, &h->tab[t], err);
    if (rc == PW_OK) {
        h->valid = 1;
        h->tables_loaded = 1;
        h->dirty = (1u << PWI_T_COUNT) - 1;
        rc = pwi_audit_append(db, k->audit, NULL, "migrate", "registry",
                              "schema 4: every row sealed, token hashes keyed", err);
    }
    if (rc == PW_OK)
        rc = pwi_db_exec(db, PWI_SCHEMA_SEALED == 4 ? "UPDATE meta SET value = '4' WHERE "
                                                      "key = 'schema_version'"
                                                    : "bug: PWI_SCHEMA_SEALED moved",
                         err);
    if (rc == PW_OK)
        rc = pwi_db_commit(db, err);
    else
        pwi_db_rollback(db);
    return rc;
}
