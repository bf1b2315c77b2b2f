/*
 * Scope: which person-level rows a signed-in user may see, beyond what the
 * role matrix (auth.c) says about the kinds of data (internal).
 *
 * Two limits, both applied by the server to the episode list, the episode
 * view and the person-level reports (overdue, flags):
 *   - a court liaison sees only episodes a court referred or ordered
 *     (referral_source 'court' or legal_basis 'court_ordered'): the basis
 *     of a court's access, 42 CFR Part 2 section 2.35, covers people the
 *     justice system referred, not voluntary self-referrals;
 *   - a user with a site (users.site, migration 6) sees only the episodes
 *     of that site; a user without one sees every site.
 * Aggregates carry no identity and are not limited (the national roll-up,
 * docs/registry.md, Sites).
 */
#ifndef PWI_SCOPE_H
#define PWI_SCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "reg.h"

/* 1 when the user's rows are limited by either rule above. */
int pwi_scope_limited(const pwi_user *u);

/* " AND (...)" over the episode alias `e` (or "" when not limited), to add
 * to a WHERE clause; its values are bound by pwi_scope_bind from index `i`,
 * which returns the next free index. */
void pwi_scope_sql(const pwi_user *u, char *buf, size_t n);
int pwi_scope_bind(pwi_stmt *st, int i, const pwi_user *u);

/* 1 when an episode with these columns is in the user's scope. */
int pwi_scope_row_ok(const pwi_user *u, const char *site, const char *referral_source,
                     const char *legal_basis);

/* *in = 1 when episode `id` is in scope (one query; 1 without a limit). */
int pwi_scope_episode(pwi_reg *reg, int64_t id, int *in, pw_error *err);

#endif
