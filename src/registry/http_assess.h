/*
 * POST /api/v1/assess (internal): the pathway engine as a service. A body
 *   {"regime": "hybrid", "case": {...}}          one case, or
 *   {"regime": "hybrid", "cases": [{...}, ...]}  up to PWI_ASSESS_MAX_CASES
 * (cases in the form of `pathways assess`, docs/engine.md) is answered with
 *   {"regime": "hybrid", "decision": {...}}  or  {"regime", "decisions": [...]}
 * in the order given. All or nothing: one bad case refuses the request,
 * naming it ("cases[2].age"). Only the built-in regimes are offered, by
 * name, never a path: a client must not make the server read its files.
 * http.c checks the role and writes the audit entry (docs/registry.md,
 * "POST /api/v1/assess").
 */
#ifndef PWI_HTTP_ASSESS_H
#define PWI_HTTP_ASSESS_H

#include <stddef.h>

#include "pathways/core.h"

/* A batch larger than this is refused (400): one request holds the
 * connection and a pool thread for its whole batch, so a large one would
 * stall the other clients of that thread; callers with more cases send
 * more requests, or run `pathways assess` on a file. */
#define PWI_ASSESS_MAX_CASES 100
/* A body larger than this is refused (413) before it is parsed: 100 cases
 * with every field and four substances each take about 60 kB. */
#define PWI_ASSESS_MAX_BODY (256u << 10)

/* The built-in regimes, each compiled once when the server starts and then
 * shared by every pool thread (pw_decide is thread-safe on a shared
 * regime). */
typedef struct pwi_assess pwi_assess;
int pwi_assess_new(pwi_assess **out, pw_error *err);
void pwi_assess_free(pwi_assess *a); /* NULL is fine */

/* Decides the body's cases. On PW_OK *out is the answer (JSON, malloc'd,
 * with a final newline), *n_cases how many were decided and `regime` (of
 * regime_len bytes) the regime's name, for the audit entry. Errors (all
 * PW_EPARSE or PW_EINVAL, naming "body", line 1 and the field) leave *out
 * NULL. */
int pwi_assess_run(const pwi_assess *a, const char *body, size_t len, char **out,
                   size_t *out_len, size_t *n_cases, char *regime, size_t regime_len,
                   pw_error *err);

#endif /* PWI_HTTP_ASSESS_H */
