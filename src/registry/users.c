/*
 * users.c: the token lifecycle behind `pathways registry user
 * list|disable|rotate` (registry.h). `user add` and `init` are in reg.c.
 *
 * Every change is audited in the transaction that makes it, and goes
 * through the row seals (seal.h): a user row edited without the site key is
 * refused rather than rewritten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/registry.h"
#include "reg.h"
#include "seal.h"

typedef struct urow {
    int64_t id;
    int active;
    char role[32];
} urow;

/* The user called `name`, in the open transaction, with the audit head's
 * lock taken first (disable and rotate both change the row they read). */
static int find_user(pwi_reg *reg, const char *name, urow *u, pw_error *err)
{
    int rc = pwi_audit_lock(reg->db, err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(reg->db, "SELECT id, active, role FROM users WHERE name = ?", &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, name);
    rc = pwi_step(st, err);
    if (rc == 1) {
        u->id = pwi_col_int64(st, 0);
        u->active = (int)pwi_col_int64(st, 1);
        snprintf(u->role, sizeof u->role, "%s", pwi_col_text(st, 2));
    }
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_ENOTFOUND, NULL, 0, "name", "no user named '%s'", name);
    return rc < 0 ? rc : PW_OK;
}

/* Runs `sql` (one UPDATE of the user row with id `id`; `text`, when not
 * NULL, binds as its first parameter and the id as its last) through the
 * row seals, in the open transaction. */
static int update_user(pwi_reg *reg, const char *sql, const char *text, int64_t id,
                       pw_error *err)
{
    int rc = pwi_seal_before(reg->db, PWI_T_USERS, "id", id, err);
    pwi_stmt *st;
    if (rc == PW_OK)
        rc = pwi_db_prepare(reg->db, sql, &st, err);
    if (rc == PW_OK) {
        int i = 1;
        if (text)
            pwi_bind_text(st, i++, text);
        pwi_bind_int64(st, i, id);
        rc = pwi_step(st, err);
        pwi_stmt_reset(st);
        rc = rc < 0 ? rc : PW_OK;
    }
    if (rc == PW_OK)
        rc = pwi_seal_after(reg->db, PWI_T_USERS, "id", id, err);
    return rc;
}

static int check_name(const char *name, pw_error *err)
{
    if (!name || !*name || strlen(name) > 100)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "name", "must be 1 to 100 characters");
    return PW_OK;
}

int pw_registry_user_list(const char *url, const char *as_token, FILE *out, pw_error *err)
{
    pwi_reg *reg;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    if ((rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_USER, "users", err)) != PW_OK)
        goto done;
    /* On record before it is shown, as every read is. */
    if ((rc = pwi_reg_audit_tx(reg, "read", "users", NULL, err)) != PW_OK)
        goto done;
    pwi_stmt *st;
    if ((rc = pwi_db_prepare(reg->db,
                             "SELECT id, name, role, created, active FROM users ORDER BY id",
                             &st, err)) != PW_OK)
        goto done;
    while ((rc = pwi_step(st, err)) == 1) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id",
                              (json_int_t)pwi_col_int64(st, 0), "name", pwi_col_text(st, 1),
                              "role", pwi_col_text(st, 2), "created", pwi_col_text(st, 3),
                              "active", (int)pwi_col_int64(st, 4));
        if ((rc = pwi_json_line(out, o, err)) != PW_OK)
            break;
    }
    pwi_stmt_reset(st);
    rc = rc < 0 ? rc : PW_OK;
done:
    pwi_reg_close(reg);
    return rc;
}

int pw_registry_user_disable(const char *url, const char *as_token, const char *name,
                             pw_error *err)
{
    int rc = check_name(name, err);
    if (rc != PW_OK)
        return rc;
    pwi_reg *reg;
    if ((rc = pwi_reg_open(url, as_token, &reg, err)) != PW_OK)
        return rc;
    char object[160];
    snprintf(object, sizeof object, "user:%s", name);
    if ((rc = pwi_reg_require(reg, PWI_WRITE, PWI_OBJ_USER, object, err)) != PW_OK)
        goto done;
    /* The head's lock first: two admins disabling at once take turns, so
     * the last-admin check below sees the other's change. */
    if ((rc = pwi_db_begin(reg->db, err)) != PW_OK)
        goto done;
    urow u;
    rc = find_user(reg, name, &u, err);
    if (rc == PW_OK && !u.active)
        rc = pw_error_set(err, PW_ECONFLICT, NULL, 0, "name", "user '%s' is disabled already",
                          name);
    if (rc == PW_OK && strcmp(u.role, "admin") == 0) {
        /* Nobody could add, enable or rotate users any more. */
        int64_t admins = 0;
        int found = 0;
        rc = pwi_db_query_int64(reg->db,
                                "SELECT count(*) FROM users WHERE role = 'admin' AND "
                                "active = 1",
                                &admins, &found, err);
        if (rc == PW_OK && admins <= 1)
            rc = pw_error_set(err, PW_ECONFLICT, NULL, 0, "name",
                              "'%s' is the last active admin; add another admin first",
                              name);
    }
    if (rc == PW_OK)
        rc = update_user(reg, "UPDATE users SET active = 0 WHERE id = ?", NULL, u.id, err);
    rc = pwi_reg_audit_end(reg, rc, "disable", object, u.role, err);
done:
    pwi_reg_close(reg);
    return rc;
}

int pw_registry_user_rotate(const char *url, const char *as_token, const char *name,
                            char token_out[65], pw_error *err)
{
    memset(token_out, 0, 65);
    int rc = name ? check_name(name, err) : PW_OK;
    if (rc != PW_OK)
        return rc;
    pwi_reg *reg;
    if ((rc = pwi_reg_open(url, as_token, &reg, err)) != PW_OK)
        return rc;
    /* Anyone may replace their own token (one that may have leaked); only
     * a role that writes users replaces another's. */
    const char *who = name ? name : reg->user.name;
    char object[160];
    snprintf(object, sizeof object, "user:%s", who);
    if (strcmp(who, reg->user.name) != 0 &&
        (rc = pwi_reg_require(reg, PWI_WRITE, PWI_OBJ_USER, object, err)) != PW_OK)
        goto done;
    if ((rc = pwi_db_begin(reg->db, err)) != PW_OK)
        goto done;
    urow u;
    rc = find_user(reg, who, &u, err);
    char h[65];
    if (rc == PW_OK) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        pwi_hex(raw, sizeof raw, token_out);
        sodium_memzero(raw, sizeof raw);
        pwi_token_hash(&reg->keys, token_out, h);
        rc = update_user(reg, "UPDATE users SET token_hash = ? WHERE id = ?", h, u.id, err);
    }
    rc = pwi_reg_audit_end(reg, rc, "rotate", object, u.active ? NULL : "user is disabled", err);
    if (rc != PW_OK)
        sodium_memzero(token_out, 65);
done:
    pwi_reg_close(reg);
    return rc;
}
