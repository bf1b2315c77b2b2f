/*
 * reg.c: opening a registry (database + keys + user) and the operations
 * behind `pathways registry init|user add|stats|audit` (registry.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/registry.h"
#include "reg.h"
#include "report.h"
#include "schema.h"
#include "seal.h"

/* Hex of a keyed hash of a fixed string: proves the key matches the
 * registry without revealing the key. */
static void key_check_value(const pwi_keys *k, char out[65])
{
    static const char label[] = "pathways registry key check v1";
    unsigned char h[32];
    crypto_generichash(h, 32, (const unsigned char *)label, sizeof label - 1,
                       k->check, 32);
    pwi_hex(h, 32, out);
}

static int meta_get(pwi_db *db, const char *key, char *buf, size_t len,
                    int *found, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT value FROM meta WHERE key = ?", &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, key);
    rc = pwi_step(st, err);
    *found = rc == 1;
    if (rc == 1)
        snprintf(buf, len, "%s", pwi_col_text(st, 0));
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

static int meta_put(pwi_db *db, const char *key, const char *value,
                    pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "INSERT INTO meta (key, value) VALUES (?, ?)",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, key);
    pwi_bind_text(st, 2, value);
    rc = pwi_step(st, err);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

int pwi_reg_open(const char *url, const char *token, pwi_reg **out,
                 pw_error *err)
{
    return pwi_reg_open_keyed(url, url, token, out, err);
}

int pwi_reg_open_keyed(const char *url, const char *key_url, const char *token,
                       pwi_reg **out, pw_error *err)
{
    *out = NULL;
    pwi_reg *reg = calloc(1, sizeof *reg);
    if (!reg)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = pwi_db_open(url, 0, &reg->db, err);
    if (rc != PW_OK)
        goto fail;
    int version;
    if ((rc = pwi_db_schema_version(reg->db, &version, err)) != PW_OK)
        goto fail;
    if (version == 0) {
        rc = pw_error_set(err, PW_ENOTFOUND, pwi_db_url(reg->db), 0, NULL,
                          "not a registry (run `pathways registry init`)");
        goto fail;
    }
    /* A newer pathways may have added tables, columns or rules this build
     * does not keep up (an audit entry it does not write, a trigger it
     * does not expect): refuse rather than write to a schema it does not
     * know. */
    if ((rc = pwi_schema_check_known(version, pwi_db_url(reg->db),
                                     "use the pathways that wrote it, or a newer one", err)) !=
        PW_OK)
        goto fail;
    /* Older databases are brought up to date on open; migrations are
     * transactional, so a crash leaves the previous version intact. The
     * ones before the seals need no key; the sealing one does (below). */
    if (version < PWI_SCHEMA_SEALED - 1 &&
        (rc = pwi_db_migrate_to(reg->db, PWI_SCHEMA_SEALED - 1, err)) != PW_OK)
        goto fail;
    if ((rc = pwi_keys_load(key_url, 0, &reg->keys, err)) != PW_OK)
        goto fail;
    pwi_db_set_keys(reg->db, &reg->keys);
    char stored[80], mine[65];
    int found;
    if ((rc = meta_get(reg->db, "key_check", stored, sizeof stored, &found,
                       err)) != PW_OK)
        goto fail;
    key_check_value(&reg->keys, mine);
    if (!found || strcmp(stored, mine) != 0) {
        rc = pw_error_set(err, PW_EAUTH, pwi_db_url(reg->db), 0, NULL,
                          "the site key does not belong to this registry");
        goto fail;
    }
    /* Sealing an older registry needs the key it was just checked for;
     * then any later migration. */
    if (version < PWI_SCHEMA_SEALED && (rc = pwi_seal_upgrade(reg->db, &reg->keys, err)) != PW_OK)
        goto fail;
    if ((rc = pwi_db_migrate(reg->db, err)) != PW_OK)
        goto fail;
    if (token) {
        rc = pwi_auth_token(reg->db, token, &reg->user, err);
        if (rc == PW_EAUTH) {
            /* Failed sign-ins are on record too (HIPAA 164.312(b)). */
            if (pwi_db_begin(reg->db, NULL) == PW_OK) {
                if (pwi_audit_append(reg->db, reg->keys.audit, NULL,
                                     "login_failed", "token", NULL,
                                     NULL) == PW_OK)
                    pwi_db_commit(reg->db, NULL);
                else
                    pwi_db_rollback(reg->db);
            }
        }
        if (rc != PW_OK)
            goto fail;
        reg->has_user = 1;
    }
    *out = reg;
    return PW_OK;
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name: it frees what was half built. */
    pwi_reg_close(reg);
    return rc;
}

void pwi_reg_close(pwi_reg *reg)
{
    if (!reg)
        return;
    pwi_db_close(reg->db);
    pwi_keys_wipe(&reg->keys);
    free(reg);
}

int pwi_reg_audit(pwi_reg *reg, const char *action, const char *object,
                  const char *detail, pw_error *err)
{
    return pwi_audit_append(reg->db, reg->keys.audit,
                            reg->has_user ? &reg->user : NULL, action, object,
                            detail, err);
}

int pwi_reg_audit_end(pwi_reg *reg, int rc, const char *action, const char *object,
                      const char *detail, pw_error *err)
{
    if (rc == PW_OK)
        rc = pwi_reg_audit(reg, action, object, detail, err);
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, err);
    else
        pwi_db_rollback(reg->db);
    return rc;
}

int pwi_reg_audit_tx(pwi_reg *reg, const char *action, const char *object,
                     const char *detail, pw_error *err)
{
    int rc = pwi_db_begin(reg->db, err);
    if (rc != PW_OK)
        return rc;
    return pwi_reg_audit_end(reg, rc, action, object, detail, err);
}

int pwi_reg_require(pwi_reg *reg, pwi_action action, pwi_object obj,
                    const char *object_name, pw_error *err)
{
    if (!reg->has_user)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token", "no token given");
    int rc = pwi_auth_check(&reg->user, action, obj, err);
    if (rc != PW_EPERM)
        return rc;
    /* Record the refusal in its own transaction unless the caller has one
     * open (then it goes in with the caller's work). */
    int own = !pwi_db_in_tx(reg->db);
    if (own && pwi_db_begin(reg->db, NULL) != PW_OK)
        return rc;
    int arc = pwi_reg_audit(reg, "denied", object_name, err->msg, NULL);
    if (own) {
        if (arc == PW_OK)
            pwi_db_commit(reg->db, NULL);
        else
            pwi_db_rollback(reg->db);
    }
    return rc;
}

/* ---- registry.h operations ---------------------------------------------- */

int pw_registry_init(const char *url, char token_out[65], pw_error *err)
{
    pwi_db *db = NULL;
    pwi_keys keys;
    memset(&keys, 0, sizeof keys);
    int rc = pwi_db_open(url, 1, &db, err);
    if (rc != PW_OK)
        return rc;
    /* Not past the sealing migration before the check: on an existing
     * registry of an older schema it needs the key (pwi_seal_upgrade). */
    if ((rc = pwi_db_migrate_to(db, PWI_SCHEMA_SEALED - 1, err)) != PW_OK)
        goto done;
    int64_t n;
    int found;
    if ((rc = pwi_db_query_int64(db, "SELECT count(*) FROM users", &n, &found,
                                 err)) != PW_OK)
        goto done;
    if (n > 0) {
        rc = pw_error_set(err, PW_ECONFLICT, pwi_db_url(db), 0, NULL,
                          "registry exists already (it has users)");
        goto done;
    }
    if ((rc = pwi_db_migrate(db, err)) != PW_OK)
        goto done;
    /* Only now may a key file be created: before the check above, a second
     * init on a registry whose key file is elsewhere would have left a new,
     * wrong key beside it. */
    if ((rc = pwi_keys_load(url, 1, &keys, err)) != PW_OK)
        goto done;
    pwi_db_set_keys(db, &keys);
    /* Key check, admin and the first audit entry commit together: a crash
     * leaves either a registry with its admin or none. */
    if ((rc = pwi_db_begin(db, err)) != PW_OK)
        goto done;
    char check[65], now[21];
    key_check_value(&keys, check);
    pwi_now_iso(now);
    pwi_user admin = {0};
    rc = meta_put(db, "key_check", check, err);
    if (rc == PW_OK)
        rc = meta_put(db, "created", now, err);
    if (rc == PW_OK)
        rc = pwi_user_create(db, "admin", PWI_ROLE_ADMIN, token_out, &admin.id,
                             err);
    if (rc == PW_OK) {
        snprintf(admin.name, sizeof admin.name, "admin");
        admin.role = PWI_ROLE_ADMIN;
        rc = pwi_audit_append(db, keys.audit, &admin, "create", "user:admin",
                              "registry initialised", err);
    }
    if (rc == PW_OK)
        rc = pwi_db_commit(db, err);
    else
        pwi_db_rollback(db);
done:
    pwi_keys_wipe(&keys);
    pwi_db_close(db);
    return rc;
}

int pw_registry_user_add(const char *url, const char *as_token,
                         const char *name, const char *role,
                         char token_out[65], pw_error *err)
{
    return pw_registry_user_add_site(url, as_token, name, role, NULL, token_out, err);
}

int pw_registry_user_add_site(const char *url, const char *as_token, const char *name,
                              const char *role, const char *site, char token_out[65],
                              pw_error *err)
{
    if (site && pwi_site_check(site, err) != PW_OK)
        return PW_EINVAL;
    int r = pwi_role_parse(role);
    if (r < 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "role",
                            "unknown role '%s' (admin, intake, panel, "
                            "clinician, case_manager, court_liaison, lab, "
                            "analyst, auditor)",
                            role ? role : "");
    if (!name || !*name || strlen(name) > 100)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "name",
                            "must be 1 to 100 characters");
    pwi_reg *reg;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    char object[160];
    snprintf(object, sizeof object, "user:%s", name);
    if ((rc = pwi_reg_require(reg, PWI_WRITE, PWI_OBJ_USER, object, err)) !=
        PW_OK)
        goto done;
    if ((rc = pwi_db_begin(reg->db, err)) != PW_OK)
        goto done;
    rc = pwi_user_create_at(reg->db, name, (pwi_role)r, site, token_out, NULL, err);
    char detail[200];
    snprintf(detail, sizeof detail, "%s%s%s", role, site ? ", site " : "", site ? site : "");
    rc = pwi_reg_audit_end(reg, rc, "create", object, detail, err);
done:
    pwi_reg_close(reg);
    return rc;
}

/* The counts of `registry stats`, in one statement: a single statement
 * reads one snapshot on both backends, so the counts agree with each other
 * without holding a transaction (BEGIN IMMEDIATE on SQLite would take the
 * write lock for a read), and it costs one round trip. */
static const char *const stats_names[] = {
    "people", "episodes", "episodes_pending_panel", "episodes_active",
    "episodes_rejected", "episodes_discharged", "panel_decisions",
    "plan_phases", "reviews", "reviews_scheduled", "tests",
    "tests_scheduled", "violations", "relapses", "followups", "deaths",
    "imprisonments", "audit_entries",
};
static const char stats_sql[] =
    "SELECT (SELECT count(*) FROM person), "
    "(SELECT count(*) FROM episode), "
    "(SELECT count(*) FROM episode WHERE status = 'pending_panel'), "
    "(SELECT count(*) FROM episode WHERE status = 'active'), "
    "(SELECT count(*) FROM episode WHERE status = 'rejected'), "
    "(SELECT count(*) FROM episode WHERE status = 'discharged'), "
    "(SELECT count(*) FROM panel_decision), "
    "(SELECT count(*) FROM plan_phase), "
    "(SELECT count(*) FROM review), "
    "(SELECT count(*) FROM review_due), "
    "(SELECT count(*) FROM drug_test), "
    "(SELECT count(*) FROM test_schedule), "
    "(SELECT count(*) FROM violation), "
    "(SELECT count(*) FROM relapse), "
    "(SELECT count(*) FROM followup), "
    "(SELECT count(*) FROM death), "
    "(SELECT count(*) FROM imprisonment), "
    "(SELECT count(*) FROM audit)";

int pwi_stats_json(pwi_reg *reg, const pwi_audit_hook *audit, char **out,
                   size_t *len, pw_error *err)
{
    *out = NULL;
    *len = 0;
    int rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_AGGREGATE, "stats", err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    if ((rc = pwi_db_prepare(reg->db, stats_sql, &st, err)) != PW_OK)
        return rc;
    json_t *o = json_object();
    if (!o) {
        pwi_stmt_reset(st);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    rc = pwi_step(st, err);
    if (rc == 1) {
        size_t n = sizeof stats_names / sizeof *stats_names;
        assert((size_t)pwi_col_count(st) == n);
        for (size_t i = 0; i < n; i++)
            json_object_set_new(o, stats_names[i],
                                json_integer(pwi_col_int64(st, (int)i)));
        rc = PW_OK;
    } else if (rc == 0) {
        rc = pw_error_set(err, PW_EDB, pwi_db_url(reg->db), 0, NULL,
                          "stats: no row");
    }
    pwi_stmt_reset(st);
    /* The counts are shown only once the read is on record. */
    if (rc == PW_OK) {
        pwi_audit_entry e = {"read", "stats", NULL};
        rc = pwi_report_audit(reg, audit, &e, 1, err);
    }
    if (rc == PW_OK) {
        *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!*out)
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        else
            *len = strlen(*out);
    }
    json_decref(o);
    return rc;
}

int pw_registry_stats(const char *url, const char *as_token, FILE *out,
                      pw_error *err)
{
    pwi_reg *reg;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    char *text = NULL;
    size_t len = 0;
    rc = pwi_stats_json(reg, NULL, &text, &len, err);
    if (rc == PW_OK)
        fprintf(out, "%s\n", text);
    free(text);
    pwi_reg_close(reg);
    return rc;
}

int pw_registry_audit_verify(const char *url, long *entries, pw_error *err)
{
    return pw_registry_audit_verify_at(url, NULL, entries, err);
}

int pw_registry_audit_list(const char *url, const char *as_token, FILE *out,
                           pw_error *err)
{
    pwi_reg *reg;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    if ((rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_AUDIT, "audit", err)) !=
        PW_OK)
        goto done;
    /* Reading the log is itself logged, before the listing, so the listing
     * shows its own read. */
    if ((rc = pwi_reg_audit_tx(reg, "read", "audit", NULL, err)) == PW_OK)
        rc = pwi_audit_list(reg->db, out, err);
done:
    pwi_reg_close(reg);
    return rc;
}

int pw_registry_report_kind(const char *name)
{
    return pwi_report_parse(name);
}

int pw_registry_report_by(const char *name)
{
    return pwi_report_by_parse(name);
}

int pw_registry_date(const char *text, int32_t *day)
{
    return pwi_date_parse(text, day);
}

int32_t pw_registry_today(void)
{
    return pwi_today();
}

int pw_registry_report(const char *url, const char *as_token,
                       const pw_registry_report_opts *opts, char **out, size_t *len,
                       const char **content_type, pw_error *err)
{
    *out = NULL;
    *len = 0;
    *content_type = NULL;
    /* pwi_report_run needs a signed-in user (it asserts one). */
    if (!as_token || !*as_token)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token", "no token given");
    pwi_report_opts o = {.kind = (pwi_report_kind)opts->kind,
                         .by = (pwi_report_by)opts->by,
                         .as_of = opts->as_of};
    pwi_reg *reg = NULL;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_report_run(reg, &o, out, len, content_type, err);
    pwi_reg_close(reg);
    return rc;
}
