/*
 * scope.c: the court liaison's and the site's limits on person-level rows
 * (see scope.h).
 */
#include "scope.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The court's episodes, as SQL and as a test on the row's values: the two
 * must agree (test_http_roles checks the list and the view). */
#define COURT_SQL "(e.referral_source = 'court' OR e.legal_basis = 'court_ordered')"

static int court_only(const pwi_user *u)
{
    return u->role == PWI_ROLE_COURT_LIAISON;
}

int pwi_scope_limited(const pwi_user *u)
{
    return court_only(u) || u->site[0] != '\0';
}

void pwi_scope_sql(const pwi_user *u, char *buf, size_t n)
{
    int w = snprintf(buf, n, "%s%s", court_only(u) ? " AND " COURT_SQL : "",
                     u->site[0] ? " AND e.site = ?" : "");
    assert(w >= 0 && (size_t)w < n);
    (void)w;
}

int pwi_scope_bind(pwi_stmt *st, int i, const pwi_user *u)
{
    if (u->site[0])
        pwi_bind_text(st, i++, u->site);
    return i;
}

int pwi_scope_row_ok(const pwi_user *u, const char *site, const char *referral_source,
                     const char *legal_basis)
{
    if (court_only(u) && !(referral_source && strcmp(referral_source, "court") == 0) &&
        !(legal_basis && strcmp(legal_basis, "court_ordered") == 0))
        return 0;
    if (u->site[0] && !(site && strcmp(site, u->site) == 0))
        return 0;
    return 1;
}

int pwi_scope_episode(pwi_reg *reg, int64_t id, int *in, pw_error *err)
{
    *in = 1;
    if (!pwi_scope_limited(&reg->user))
        return PW_OK;
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(reg->db,
                            "SELECT site, referral_source, legal_basis FROM episode WHERE id = ?",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, id);
    rc = pwi_step(st, err);
    if (rc == 1)
        *in = pwi_scope_row_ok(&reg->user, pwi_col_text(st, 0), pwi_col_text(st, 1),
                               pwi_col_text(st, 2));
    else if (rc == 0)
        *in = 0;
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}
