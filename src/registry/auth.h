/*
 * Users, tokens, roles and the permission matrix (internal to the registry).
 *
 * A user is a name, a role and a bearer token. The token (32 random bytes,
 * 64 hex characters) is shown once, when the user is created; the database
 * keeps only a hash keyed with a sub-key of the site key (seal.h,
 * pwi_token_hash), so a stolen database file yields no token and someone
 * who can write the file but lacks the key cannot plant a working one.
 * Each user row is sealed (seal.h) and its MAC is checked at sign-in.
 *
 * Who may see what follows docs/registry.md (Roles) and docs/sources.md R7.5 (42 CFR
 * Part 2 section 2.35 for the court liaison; analysts get pseudonymised or
 * aggregate data only; the admin manages users and reads no clinical
 * record). The whole matrix is in auth.c, table `matrix`, and in
 * docs/registry.md; every read or write of a person's data goes through
 * pwi_auth_check() before it touches the database.
 */
#ifndef PWI_AUTH_H
#define PWI_AUTH_H

#include <stdint.h>

#include "pathways/core.h"
#include "db.h"

typedef enum {
    PWI_ROLE_ADMIN,
    PWI_ROLE_INTAKE,
    PWI_ROLE_PANEL,
    PWI_ROLE_CLINICIAN,
    PWI_ROLE_CASE_MANAGER,
    PWI_ROLE_COURT_LIAISON,
    PWI_ROLE_LAB,
    PWI_ROLE_ANALYST,
    PWI_ROLE_AUDITOR,
    PWI_ROLE_COUNT
} pwi_role;

/* "admin", "intake", ... */
const char *pwi_role_name(pwi_role r);
/* -1 if unknown. */
int pwi_role_parse(const char *name);

typedef enum { PWI_READ, PWI_WRITE } pwi_action;

/*
 * Kinds of object a permission is about. A person's data is split so that
 * each role sees only its part:
 *   IDENTITY   decrypted name, national ID, contact details
 *   PERSON     the pseudonymous person row (key, birth date, sex)
 *   EPISODE    programme, regime, legal basis, order, status, phase plan
 *   CASE       the assessed case and the engine's recommendation (clinical)
 *   PANEL      panel decisions, members, dissent
 *   ATTENDANCE which reviews were due and held (dates and stage, no scores)
 *   REVIEW     TOP scores of a review
 *   NOTES      free-text clinical notes
 *   TEST       drug tests and results
 *   COMPLIANCE violations, adjudications, responses; legal completion
 *   DISCHARGE  clinical discharge reason and date
 *   OUTCOME    relapse, follow-up status, death, imprisonment
 *   AGGREGATE  counts and reports over groups (no row about one person)
 *   USER       user accounts
 *   AUDIT      the audit log
 *   BACKUP     a whole copy of the database (`registry backup`)
 */
typedef enum {
    PWI_OBJ_IDENTITY,
    PWI_OBJ_PERSON,
    PWI_OBJ_EPISODE,
    PWI_OBJ_CASE,
    PWI_OBJ_PANEL,
    PWI_OBJ_ATTENDANCE,
    PWI_OBJ_REVIEW,
    PWI_OBJ_NOTES,
    PWI_OBJ_TEST,
    PWI_OBJ_COMPLIANCE,
    PWI_OBJ_DISCHARGE,
    PWI_OBJ_OUTCOME,
    PWI_OBJ_AGGREGATE,
    PWI_OBJ_USER,
    PWI_OBJ_AUDIT,
    PWI_OBJ_BACKUP,
    PWI_OBJ_COUNT
} pwi_object;

const char *pwi_object_name(pwi_object o);

/* 1 if `role` may do `action` on `obj`, else 0. Pure table lookup. */
int pwi_allowed(pwi_role role, pwi_action action, pwi_object obj);

typedef struct pwi_user {
    int64_t id;
    char name[128];
    pwi_role role;
    /* The site the user works for, or "" for every site (migration 6;
     * docs/registry.md, Sites). Person-level rows of other sites are out of
     * the user's scope (scope.h). */
    char site[64];
} pwi_user;

/* Sets PW_EPERM with "role 'x' may not read|write y" unless allowed. */
int pwi_auth_check(const pwi_user *u, pwi_action action, pwi_object obj,
                   pw_error *err);

/* Finds the active user holding `token`. PW_EAUTH for a missing, malformed
 * or unknown token (the message does not say which). */
int pwi_auth_token(pwi_db *db, const char *token, pwi_user *out,
                   pw_error *err);

/* Creates a user inside the caller's transaction and writes the new token
 * (64 hex characters + NUL) to token_out. PW_ECONFLICT if the name exists. */
int pwi_user_create(pwi_db *db, const char *name, pwi_role role,
                    char token_out[65], int64_t *id_out, pw_error *err);
/* The same for a user scoped to `site` (NULL or "": every site). */
int pwi_user_create_at(pwi_db *db, const char *name, pwi_role role, const char *site,
                       char token_out[65], int64_t *id_out, pw_error *err);
/* PW_OK when `site` is a usable site code (1-60 letters, digits, '-', '_',
 * '.'), else PW_EINVAL naming field "site". */
int pwi_site_check(const char *site, pw_error *err);

#endif /* PWI_AUTH_H */
