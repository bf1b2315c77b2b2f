/*
 * consent.c: what a person's consent allows (consent.h).
 */
#include <string.h>

#include "consent.h"
#include "db.h"

const char *pwi_consent_scope_of(pwi_role role)
{
    if (role == PWI_ROLE_COURT_LIAISON)
        return "court";
    if (role == PWI_ROLE_ANALYST)
        return "research";
    return NULL;
}

const char *pwi_consent_filter_x(pwi_role role)
{
    if (role == PWI_ROLE_COURT_LIAISON)
        return " AND " PWI_CONSENT_OK("court", "x.person_id");
    if (role == PWI_ROLE_ANALYST)
        return " AND " PWI_CONSENT_OK("research", "x.person_id");
    return "";
}

const char *pwi_consent_filter_e(pwi_role role)
{
    if (role == PWI_ROLE_COURT_LIAISON)
        return " AND " PWI_CONSENT_OK("court", "e.person_id");
    if (role == PWI_ROLE_ANALYST)
        return " AND " PWI_CONSENT_OK("research", "e.person_id");
    return "";
}

int pwi_consent_withdrawn(pwi_db *db, int64_t person_id, const char *scope, int *withdrawn,
                          pw_error *err)
{
    *withdrawn = 0;
    pwi_stmt *st;
    int rc = pwi_db_prepare(db,
                            "SELECT status FROM consent WHERE person_id = ? AND scope = ? "
                            "ORDER BY consent_day DESC, id DESC LIMIT 1",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, person_id);
    pwi_bind_text(st, 2, scope);
    rc = pwi_step(st, err);
    if (rc == 1)
        *withdrawn = strcmp(pwi_col_text(st, 0), "withdrawn") == 0;
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}
