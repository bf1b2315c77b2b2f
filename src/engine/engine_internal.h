/*
 * Internals of the pathway engine shared between its source files. Nothing
 * here is part of the public interface (include/pathways/engine.h).
 */
#ifndef PW_ENGINE_INTERNAL_H
#define PW_ENGINE_INTERNAL_H

#include <stddef.h>

#include "pathways/engine.h"
#include "engine_json.h"

/* Keyword tables, NULL-terminated, indexed by the matching enum. */
extern const char *const pwi_event_names[];
extern const char *const pwi_amount_names[];
extern const char *const pwi_role_names[];
extern const char *const pwi_route_names[];
extern const char *const pwi_disposition_names[];
extern const char *const pwi_measure_names[];
extern const char *const pwi_severity_names[];
extern const char *const pwi_risk_names[];
extern const char *const pwi_group_names[];

/* Index of `s` in a NULL-terminated table, or -1. */
int pwi_keyword(const char *const *table, const char *s);

/* Upper bound on the code list; substance masks in rules are 64-bit. */
#define PWI_MAX_SUBSTANCES 64

/* True if the substance uses the alcohol ASSIST thresholds. */
bool pwi_substance_alcohol(int id);

/* Whether the substance list loaded (it is built in, so only a broken build
 * fails); on failure the reason is in *err. */
int pwi_substances_ready(pw_error *err);

/* ASSIST: whether v is a valid answer weight for question 2..7, and the
 * valid weights as text for messages. */
bool pwi_assist_valid(int question, int v);
const char *pwi_assist_choices(int question);

/* The precomputed JSON of a rule's trace entry, e.g.
 * {"rule":"hybrid.panel","stage":"panel","why":"...","source":"..."}. */
const char *pwi_rule_trace_json(const pw_regime *r, int rule, size_t *len);
const char *pwi_rule_stage(const pw_regime *r, int rule);

#endif /* PW_ENGINE_INTERNAL_H */
