/*
 * The engine's JSON front end with jansson types (internal: used by
 * `pathways assess`, the registry and the tests; not installed, so that the
 * public headers need no jansson). Programs built against libpathways
 * decide JSON cases with pw_assess_json (pathways/engine.h).
 */
#ifndef PW_ENGINE_JSON_H
#define PW_ENGINE_JSON_H

#include <stddef.h>
#include <jansson.h>

#include "pathways/engine.h"

/* ---- JSON front end (used by `pathways assess` and the registry) ----- */
/* Parses a case object; errors name `file`, `line` and the field. The
 * parsed ASSIST answers (if any) are folded into c->assist_score. */
int pw_case_from_json(const json_t *obj, pw_case *c, const char *file,
                      long line, pw_error *err);
/* The decision as the JSON object documented in docs/engine.md. `id` may
 * be NULL. The caller owns the result. */
json_t *pw_decision_to_json(const pw_regime *r, const pw_case *c,
                            const pw_decision *d, const char *id);


/*
 * Appends the decision as compact JSON to a caller-owned growable buffer
 * (*buf of *cap bytes, *len used; realloc'd as needed; NUL-terminated).
 * The bytes equal json_dumps(pw_decision_to_json(...), JSON_COMPACT), but
 * no jansson tree is built: this is the JSON Lines fast path. `id` is the
 * case's id as given (a JSON string or integer), or NULL for none.
 * Returns PW_OK or PW_ENOMEM.
 */
int pw_decision_append_json(const pw_regime *r, const pw_case *c,
                            const pw_decision *d, const json_t *id,
                            char **buf, size_t *len, size_t *cap);
/* As pw_decision_to_json, with the id as given (string or integer). */
json_t *pw_decision_to_json_id(const pw_regime *r, const pw_case *c,
                               const pw_decision *d, const json_t *id);
#endif /* PW_ENGINE_JSON_H */
