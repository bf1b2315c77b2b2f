/*
 * consent.h: what a person's consent allows (internal; docs/registry.md,
 * "Consent").
 *
 * A `consent` record gives or withdraws one scope on a day; the latest
 * record of a scope (by day, then by entry) counts. The scopes:
 *   court     disclosure to the court liaison (attendance, tests,
 *             compliance, phase, the order: the set 42 CFR Part 2 §2.35
 *             lets a court see). Withdrawn: the liaison no longer lists or
 *             opens the person's episodes, nor sees them in the overdue
 *             report.
 *   research  person-level rows outside the clinic: the analyst's episode
 *             list, episode view and overdue report, and the TDI export
 *             (for every role, since it leaves the registry). Withdrawn:
 *             left out of them.
 *             Aggregate reports (counts, rates, survival) still count the
 *             person: they identify no one, and monitoring the programmes
 *             is the registry's duty (our choice).
 * No record of a scope means the default of the role matrix (auth.c).
 */
#ifndef PWI_CONSENT_H
#define PWI_CONSENT_H

#include <stdint.h>

#include "reg.h"

/* SQL: true unless the latest consent of SCOPE (a literal) of the person
 * whose id is the column PERSON_COL is withdrawn. No value is pasted: the
 * scope is a constant of this file. */
#define PWI_CONSENT_OK(scope, person_col)                                                   \
    "coalesce((SELECT c.status FROM consent c WHERE c.person_id = " person_col              \
    " AND c.scope = '" scope "' ORDER BY c.consent_day DESC, c.id DESC LIMIT 1), 'none') "  \
    "<> 'withdrawn'"

/* The scope that limits what `role` sees person by person ("court" for the
 * court liaison, "research" for the analyst), or NULL. */
const char *pwi_consent_scope_of(pwi_role role);

/* " AND <PWI_CONSENT_OK>" over PERSON_COL "x.person_id" for the role, or "". */
const char *pwi_consent_filter_x(pwi_role role);

/* The same over "e.person_id" (an episode aliased e). */
const char *pwi_consent_filter_e(pwi_role role);

/* *withdrawn = 1 when the latest consent of `scope` of the person is
 * withdrawn. */
int pwi_consent_withdrawn(pwi_db *db, int64_t person_id, const char *scope, int *withdrawn,
                          pw_error *err);

#endif /* PWI_CONSENT_H */
