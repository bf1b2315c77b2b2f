/*
 * auth.c: roles, the permission matrix, tokens and users (see auth.h).
 */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "audit.h"
#include "crypto.h"
#include "seal.h"

static const char *const role_names[PWI_ROLE_COUNT] = {
    "admin", "intake", "panel", "clinician", "case_manager",
    "court_liaison", "lab", "analyst", "auditor"};

static const char *const object_names[PWI_OBJ_COUNT] = {
    "identity", "person", "episode", "case", "panel", "attendance",
    "review", "notes", "test", "compliance", "discharge", "outcome",
    "aggregate", "user", "audit", "backup"};

const char *pwi_role_name(pwi_role r)
{
    return (unsigned)r < PWI_ROLE_COUNT ? role_names[r] : "?";
}

int pwi_role_parse(const char *name)
{
    for (int i = 0; name && i < PWI_ROLE_COUNT; i++)
        if (strcmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

const char *pwi_object_name(pwi_object o)
{
    return (unsigned)o < PWI_OBJ_COUNT ? object_names[o] : "?";
}

/*
 * The role matrix. Each string lists the letters of the objects a role may
 * read (first string) and write (second string):
 *   I identity  P person  E episode  C case  N panel  A attendance
 *   R review  T notes  S test  V compliance  D discharge  O outcome
 *   G aggregate  U user  L audit log  B backup (a copy of the database;
 *   reading it is taking a backup, writing it is restoring one)
 * Sources: docs/registry.md (Roles) and docs/sources.md R7.5. Choices of
 * ours, documented in docs/registry.md: the clinician may register people
 * and episodes (clinics do intake too); a court liaison sees attendance,
 * tests, compliance, phase and legal completion (42 CFR 2.35) but no review
 * scores, notes, case or clinical discharge reason; the lab sees only tests;
 * the analyst sees rows without identity or notes; the admin and auditor
 * see no clinical row at all. Backups (docs/registry.md, Backup) are made by the
 * admin or the auditor: the custodians of the registry, who read no row
 * through it; the copy is audited, and its identities and notes stay
 * encrypted under the site key, which is not in it. Only the admin
 * restores one (`registry restore`): it replaces every record and user.
 */
static const struct {
    const char *read, *write;
} matrix[PWI_ROLE_COUNT] = {
    [PWI_ROLE_ADMIN] = {"UGB", "UB"},
    [PWI_ROLE_INTAKE] = {"IPECNA", "IPEC"},
    [PWI_ROLE_PANEL] = {"IPECNARTSVDO", "N"},
    [PWI_ROLE_CLINICIAN] = {"IPECNARTSVDOG", "IPECARTSVDO"},
    [PWI_ROLE_CASE_MANAGER] = {"IPENARSVDOG", "ARVO"},
    [PWI_ROLE_COURT_LIAISON] = {"IPEASV", "V"},
    [PWI_ROLE_LAB] = {"S", "S"},
    [PWI_ROLE_ANALYST] = {"PECNARSVDOG", ""},
    [PWI_ROLE_AUDITOR] = {"LUGB", ""},
};

static const char object_letter[PWI_OBJ_COUNT] = {
    'I', 'P', 'E', 'C', 'N', 'A', 'R', 'T', 'S', 'V', 'D', 'O', 'G', 'U', 'L', 'B'};

int pwi_allowed(pwi_role role, pwi_action action, pwi_object obj)
{
    if ((unsigned)role >= PWI_ROLE_COUNT || (unsigned)obj >= PWI_OBJ_COUNT)
        return 0;
    const char *set = action == PWI_READ ? matrix[role].read
                                         : matrix[role].write;
    return strchr(set, object_letter[obj]) != NULL;
}

int pwi_auth_check(const pwi_user *u, pwi_action action, pwi_object obj,
                   pw_error *err)
{
    assert(u);
    if (pwi_allowed(u->role, action, obj))
        return PW_OK;
    return pw_error_set(err, PW_EPERM, NULL, 0, NULL,
                        "role '%s' may not %s %s data", pwi_role_name(u->role),
                        action == PWI_READ ? "read" : "write",
                        pwi_object_name(obj));
}

/* What the database stores instead of a token: a hash keyed with a
 * sub-key of the site key (pwi_token_hash), so that someone who can write
 * the database but lacks the key cannot plant a user whose token he
 * knows. PW_EDB without keys (a bug: every registry sets them). */
static int token_hash(pwi_db *db, const char *token, char out[65], pw_error *err)
{
    const pwi_keys *k = pwi_db_keys(db);
    if (!k)
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "token check without the site keys (bug)");
    pwi_token_hash(k, token, out);
    return PW_OK;
}

int pwi_auth_token(pwi_db *db, const char *token, pwi_user *out,
                   pw_error *err)
{
    memset(out, 0, sizeof *out);
    int ok = token && strlen(token) == 64;
    for (const char *p = token; ok && *p; p++)
        ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
    if (!ok)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token",
                            "unknown or malformed token");
    char h[65];
    int rc = token_hash(db, token, h, err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    /* Every column (id, name, role first): the row's MAC is checked, so a
     * role raised or a name changed without the key is not trusted. */
    rc = pwi_db_prepare(db, "SELECT * FROM users WHERE token_hash = ? AND active = 1", &st,
                        err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, h);
    rc = pwi_step(st, err);
    if (rc == 1 && (rc = pwi_seal_check_row(db, st, PWI_T_USERS, err)) == PW_OK)
        rc = 1;
    if (rc == 1) {
        out->id = pwi_col_int64(st, 0);
        snprintf(out->name, sizeof out->name, "%s", pwi_col_text(st, 1));
        /* The site column came with migration 6; found by name, since
         * the row is read with SELECT * for its MAC. */
        for (int c = 0; c < pwi_col_count(st); c++)
            if (strcmp(pwi_col_name(st, c), "site") == 0 && pwi_col_text(st, c))
                snprintf(out->site, sizeof out->site, "%s", pwi_col_text(st, c));
        int role = pwi_role_parse(pwi_col_text(st, 2));
        out->role = role < 0 ? PWI_ROLE_AUDITOR : (pwi_role)role;
        rc = role < 0 ? pw_error_set(err, PW_EAUTH, NULL, 0, "token",
                                     "user has an unknown role")
                      : PW_OK;
    } else if (rc == 0) {
        rc = pw_error_set(err, PW_EAUTH, NULL, 0, "token",
                          "unknown or malformed token");
    }
    pwi_stmt_reset(st);
    return rc;
}

int pwi_site_check(const char *site, pw_error *err)
{
    size_t n = site ? strlen(site) : 0;
    int ok = n >= 1 && n <= 60;
    for (const char *p = site; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
             (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
    return ok ? PW_OK
              : pw_error_set(err, PW_EINVAL, NULL, 0, "site",
                             "must be 1 to 60 letters, digits, '-', '_' or '.'");
}

int pwi_user_create(pwi_db *db, const char *name, pwi_role role,
                    char token_out[65], int64_t *id_out, pw_error *err)
{
    return pwi_user_create_at(db, name, role, NULL, token_out, id_out, err);
}

int pwi_user_create_at(pwi_db *db, const char *name, pwi_role role, const char *site,
                       char token_out[65], int64_t *id_out, pw_error *err)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    pwi_hex(raw, sizeof raw, token_out);
    sodium_memzero(raw, sizeof raw);
    char h[65], now[21];
    pwi_now_iso(now);
    pwi_stmt *st;
    /* The audit head's lock before the row: writers take turns before
     * they insert (audit.h), and the row is sealed (seal.h). */
    int rc = token_hash(db, token_out, h, err);
    if (rc == PW_OK)
        rc = pwi_audit_lock(db, err);
    if (rc != PW_OK) {
        sodium_memzero(token_out, 65);
        return rc;
    }
    rc = pwi_db_prepare(db,
                            "INSERT INTO users (name, role, token_hash, "
                            "created, site) VALUES (?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, name);
    pwi_bind_text(st, 2, pwi_role_name(role));
    pwi_bind_text(st, 3, h);
    pwi_bind_text(st, 4, now);
    pwi_bind_text(st, 5, site && *site ? site : NULL);
    rc = pwi_step(st, err);
    int64_t id = 0;
    if (rc == 1) {
        id = pwi_col_int64(st, 0);
        if (id_out)
            *id_out = id;
        rc = PW_OK;
    } else if (rc == PW_ECONFLICT) {
        rc = pw_error_set(err, PW_ECONFLICT, NULL, 0, "name",
                          "a user named '%s' exists already", name);
    } else if (rc == 0) {
        rc = pw_error_set(err, PW_EDB, NULL, 0, NULL, "insert returned no id");
    }
    pwi_stmt_reset(st);
    if (rc == PW_OK)
        rc = pwi_seal_insert(db, PWI_T_USERS, id, err);
    if (rc != PW_OK)
        sodium_memzero(token_out, 65);
    return rc;
}
