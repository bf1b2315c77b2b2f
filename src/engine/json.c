/*
 * The JSON front end: cases in, decisions out (docs/engine.md documents
 * both formats).
 *
 * Decisions are written two ways that must agree byte for byte: as a
 * jansson tree (pw_decision_to_json, for the registry and pretty output)
 * and straight into a text buffer (pw_decision_append_json, the JSON Lines
 * fast path, which skips building and freeing a tree per case). The tests
 * compare the two on many random cases.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* ---- Cases ----------------------------------------------------------- */

#define MAX_SUBSTANCES_PER_CASE 16

/* Errors about a case name its line and the field's path ("substances[0].assist.q5"). */
static int case_error(pw_error *err, const char *file, long line, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int case_error(pw_error *err, const char *file, long line, const char *field,
                      const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pw_error_set(err, PW_EINVAL, file, line, field, "%s", msg);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int get_int(const json_t *o, const char *key, const char *path, int required, int def,
                   int lo, int hi, int *out, const char *file, long line, pw_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            return case_error(err, file, line, path, "is required");
        *out = def;
        return PW_OK;
    }
    if (!json_is_integer(v))
        return case_error(err, file, line, path, "expected an integer, found %s", type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return case_error(err, file, line, path, "%" JSON_INTEGER_FORMAT
                          " is outside %d..%d", x, lo, hi);
    *out = (int)x;
    return PW_OK;
}

static int get_bool(const json_t *o, const char *key, const char *path, bool *out,
                    const char *file, long line, pw_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        *out = false;
        return PW_OK;
    }
    if (!json_is_boolean(v))
        return case_error(err, file, line, path, "expected true or false, found %s",
                          type_name(v));
    *out = json_is_true(v);
    return PW_OK;
}

static int get_enum(const json_t *o, const char *key, int required, int def,
                    const char *const *table, int *out, const char *file, long line,
                    pw_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            return case_error(err, file, line, key, "is required");
        *out = def;
        return PW_OK;
    }
    if (!json_is_string(v))
        return case_error(err, file, line, key, "expected a string, found %s", type_name(v));
    int k = pwi_keyword(table, json_string_value(v));
    if (k < 0) {
        char list[300] = "";
        size_t used = 0;
        for (int i = 0; table[i] && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     table[i]);
        return case_error(err, file, line, key, "'%s' is not one of: %s",
                          json_string_value(v), list);
    }
    *out = k;
    return PW_OK;
}

static int check_keys(const json_t *o, const char *const *allowed, const char *prefix,
                      const char *file, long line, pw_error *err)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        if (pwi_keyword(allowed, key) < 0) {
            char path[128];
            snprintf(path, sizeof path, "%s%s", prefix, key);
            return case_error(err, file, line, path, "unknown field (a typo?)");
        }
    }
    return PW_OK;
}

/* One entry of "substances"; only the first (primary) one fills the case,
 * but every entry is checked so a bad secondary substance is not ignored. */
static int parse_substance(const json_t *s, size_t i, pw_case *c, const char *file, long line,
                           pw_error *err)
{
    static const char *const keys[] = {"substance", "dsm5_criteria", "assist", "injecting",
                                       NULL};
    char prefix[64], path[96];
    int rc;
    snprintf(prefix, sizeof prefix, "substances[%zu].", i);
    if (!json_is_object(s)) {
        snprintf(path, sizeof path, "substances[%zu]", i);
        return case_error(err, file, line, path, "expected an object, found %s", type_name(s));
    }
    if ((rc = check_keys(s, keys, prefix, file, line, err)))
        return rc;

    snprintf(path, sizeof path, "%ssubstance", prefix);
    const json_t *name = json_object_get(s, "substance");
    if (!name)
        return case_error(err, file, line, path, "is required");
    if (!json_is_string(name))
        return case_error(err, file, line, path,
                          "expected a name or a TDI code as a string (\"7.2\"), found %s",
                          type_name(name));
    int id = pw_substance_lookup(json_string_value(name));
    if (id < 0)
        return case_error(err, file, line, path,
                          "unknown substance '%s' (names and TDI codes: data/codes/substances.yaml)",
                          json_string_value(name));

    /* DSM-5: a count 0..11, or the list of criteria met (numbers 1..11). */
    snprintf(path, sizeof path, "%sdsm5_criteria", prefix);
    const json_t *dsm = json_object_get(s, "dsm5_criteria");
    int count;
    if (!dsm)
        return case_error(err, file, line, path, "is required (a count 0..11 or a list of "
                                                 "criterion numbers 1..11)");
    if (json_is_integer(dsm)) {
        json_int_t n = json_integer_value(dsm);
        if (n < 0 || n > 11)
            return case_error(err, file, line, path,
                              "%" JSON_INTEGER_FORMAT " is not a DSM-5 criteria count (0..11)", n);
        count = (int)n;
    } else if (json_is_array(dsm)) {
        int crit[12];
        size_t n = json_array_size(dsm);
        if (n > 11)
            return case_error(err, file, line, path, "lists %zu criteria; DSM-5 has 11", n);
        for (size_t k = 0; k < n; k++) {
            const json_t *x = json_array_get(dsm, k);
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 11)
                return case_error(err, file, line, path,
                                  "item %zu is not a criterion number 1..11", k);
            crit[k] = (int)json_integer_value(x);
        }
        count = pw_dsm5_count_list(crit, (int)n);
        if (count < 0)
            return case_error(err, file, line, path, "a criterion is listed twice");
    } else {
        return case_error(err, file, line, path,
                          "expected a count or a list of criterion numbers, found %s",
                          type_name(dsm));
    }

    int score = -1;
    const json_t *assist = json_object_get(s, "assist");
    if (assist) {
        static const char *const qs[] = {"q2", "q3", "q4", "q5", "q6", "q7", NULL};
        char aprefix[80];
        int q[6];
        snprintf(aprefix, sizeof aprefix, "%sassist.", prefix);
        snprintf(path, sizeof path, "%sassist", prefix);
        if (!json_is_object(assist))
            return case_error(err, file, line, path, "expected an object {q2..q7}, found %s",
                              type_name(assist));
        if ((rc = check_keys(assist, qs, aprefix, file, line, err)))
            return rc;
        for (int k = 0; k < 6; k++) {
            snprintf(path, sizeof path, "%s%s", aprefix, qs[k]);
            if ((rc = get_int(assist, qs[k], path, 1, 0, 0, 99, &q[k], file, line, err)))
                return rc;
            if (!pwi_assist_valid(k + 2, q[k]))
                return case_error(err, file, line, path,
                                  "%d is not an ASSIST v3.0 weight for Q%d (one of %s)", q[k],
                                  k + 2, pwi_assist_choices(k + 2));
        }
        score = pw_assist_score(q);
    }
    /* Set here, not only by get_bool: at -O1 and above GCC cannot see that
     * every path through get_bool writes it (-Wmaybe-uninitialized). */
    bool injecting = false;
    snprintf(path, sizeof path, "%sinjecting", prefix);
    if ((rc = get_bool(s, "injecting", path, &injecting, file, line, err)))
        return rc;
    if (i == 0) {
        c->substance = id;
        c->dsm5_criteria = count;
        c->assist_score = score;
        c->injecting = injecting;
    }
    return PW_OK;
}

int pw_case_from_json(const json_t *obj, pw_case *c, const char *file, long line,
                      pw_error *err)
{
    static const char *const keys[] = {"id", "age", "event", "amount", "role", "violent",
                                       "prior_drug_offences", "prior_convictions",
                                       "consents_to_treatment", "substances", NULL};
    int rc, v;
    memset(c, 0, sizeof *c);
    c->assist_score = -1;
    if (!json_is_object(obj))
        return case_error(err, file, line, "", "expected a case (a JSON object), found %s",
                          type_name(obj));
    if ((rc = check_keys(obj, keys, "", file, line, err)))
        return rc;
    const json_t *id = json_object_get(obj, "id");
    if (id && !json_is_string(id) && !json_is_integer(id))
        return case_error(err, file, line, "id", "expected a string or an integer, found %s",
                          type_name(id));
    if ((rc = get_enum(obj, "event", 1, 0, pwi_event_names, &v, file, line, err)))
        return rc;
    c->event = (pw_event)v;
    if ((rc = get_enum(obj, "amount", 0, PW_AMOUNT_PERSONAL, pwi_amount_names, &v, file, line,
                       err)))
        return rc;
    c->amount = (pw_amount)v;
    if ((rc = get_enum(obj, "role", 0, PW_ROLE_NONE, pwi_role_names, &v, file, line, err)))
        return rc;
    c->role = (pw_role)v;
    if ((rc = get_int(obj, "age", "age", 1, 0, 0, 120, &c->age, file, line, err)) ||
        (rc = get_int(obj, "prior_drug_offences", "prior_drug_offences", 0, 0, 0, 1000,
                      &c->prior_drug_offences, file, line, err)) ||
        (rc = get_int(obj, "prior_convictions", "prior_convictions", 0,
                      c->prior_drug_offences, 0, 1000, &c->prior_convictions, file, line,
                      err)) ||
        (rc = get_bool(obj, "violent", "violent", &c->violent, file, line, err)) ||
        (rc = get_bool(obj, "consents_to_treatment", "consents_to_treatment",
                       &c->consents_to_treatment, file, line, err)))
        return rc;
    /* A prior drug offence is a prior conviction too in every regime here,
     * so an omitted prior_convictions defaults to prior_drug_offences (above)
     * and a record claiming fewer is inconsistent input. */
    if (c->prior_convictions < c->prior_drug_offences)
        return case_error(err, file, line, "prior_convictions",
                          "%d is fewer than prior_drug_offences (%d); drug offences are "
                          "counted among convictions",
                          c->prior_convictions, c->prior_drug_offences);
    const json_t *subs = json_object_get(obj, "substances");
    if (!subs)
        return case_error(err, file, line, "substances",
                          "is required (a list; the first entry is the primary substance)");
    if (!json_is_array(subs) || json_array_size(subs) == 0)
        return case_error(err, file, line, "substances", "expected a non-empty list, found %s",
                          json_is_array(subs) ? "an empty list" : type_name(subs));
    if (json_array_size(subs) > MAX_SUBSTANCES_PER_CASE)
        return case_error(err, file, line, "substances", "more than %d substances",
                          MAX_SUBSTANCES_PER_CASE);
    for (size_t i = 0; i < json_array_size(subs); i++)
        if ((rc = parse_substance(json_array_get(subs, i), i, c, file, line, err)))
            return rc;
    return PW_OK;
}

/* ---- Decisions as jansson trees --------------------------------------- */

/* Whole numbers print as integers ("12", not "12.0"); both writers use this. */
static bool whole(float f) { return f == floorf(f) && fabsf(f) < 1e9f; }

static json_t *num(float f)
{
    return whole(f) ? json_integer((json_int_t)f) : json_real((double)f);
}

static json_t *num_or_null(float f) { return f == 0 ? json_null() : num(f); }
static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static const char SIGNOFF_NOTE[] =
    "Recommendation only: a compulsory measure takes legal effect when the expert panel "
    "signs it; a person, not this program, decides it.";

static json_t *sentence_json(const pw_sentence *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "custodial", json_boolean(s->custodial));
    json_object_set_new(o, "deferred", json_boolean(s->deferred));
    json_object_set_new(o, "min_years", num(s->min_years));
    json_object_set_new(o, "max_years", num_or_null(s->max_years));
    json_object_set_new(o, "pretrial_detention", json_boolean(s->pretrial_detention));
    json_object_set_new(o, "educational_regime", json_boolean(s->educational_regime));
    json_object_set_new(o, "work_release_after_years", num_or_null(s->work_release_after_years));
    json_object_set_new(o, "electronic_monitoring", json_boolean(s->electronic_monitoring));
    if (s->parole_to_years > 0)
        json_object_set_new(o, "parole_eligible_years",
                            json_pack("[o,o]", num(s->parole_from_years), num(s->parole_to_years)));
    else
        json_object_set_new(o, "parole_eligible_years", json_null());
    json_object_set_new(o, "parole_conditions", str_or_null(s->parole_conditions));
    if (s->fine_unit)
        json_object_set_new(o, "fine", json_pack("{s:o, s:o, s:s}", "min", num(s->fine_min),
                                                 "max", num(s->fine_max), "unit", s->fine_unit));
    else
        json_object_set_new(o, "fine", json_null());
    json_object_set_new(o, "arrest_days", num_or_null(s->arrest_days));
    json_object_set_new(o, "community_service_hours", num_or_null(s->community_service_hours));
    json_object_set_new(o, "basis", str_or_null(s->basis));
    return o;
}

json_t *pw_decision_to_json_id(const pw_regime *r, const pw_case *c, const pw_decision *d,
                               const json_t *id)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (id)
        json_object_set(o, "id", (json_t *)id);
    json_object_set_new(o, "regime", json_string(pw_regime_name(r)));
    const char *tdi = pw_substance_tdi(c->substance);
    json_object_set_new(o, "primary_substance",
                        json_pack("{s:s, s:o, s:s, s:s}", "name", pw_substance_name(c->substance),
                                  "tdi", tdi && tdi[0] ? json_string(tdi) : json_null(), "icd11",
                                  pw_substance_icd11(c->substance), "group",
                                  pw_substance_group_name(pw_substance_group_of(c->substance))));
    json_object_set_new(o, "dsm5_criteria", json_integer(c->dsm5_criteria));
    json_object_set_new(o, "severity", json_string(pw_severity_name(d->severity)));
    if (c->assist_score >= 0) {
        json_object_set_new(o, "assist_score", json_integer(c->assist_score));
        json_object_set_new(o, "assist_risk",
                            json_string(pw_assist_risk_name(pw_assist_risk_of(
                                c->assist_score, pwi_substance_alcohol(c->substance)))));
    }
    json_object_set_new(o, "route", json_string(pw_route_name(d->route)));
    json_object_set_new(o, "disposition", json_string(pw_disposition_name(d->disposition)));
    json_t *ms = json_array();
    for (int i = 0; i < d->n_measures; i++)
        json_array_append_new(ms, json_pack("{s:s, s:o, s:o}", "type",
                                            pw_measure_name(d->measures[i].type), "min_months",
                                            num(d->measures[i].min_months), "max_months",
                                            num_or_null(d->measures[i].max_months)));
    json_object_set_new(o, "measures", ms);
    json_object_set_new(o, "sentence", d->has_sentence ? sentence_json(&d->sentence) : json_null());
    json_object_set_new(o, "monitoring", json_pack("{s:b, s:o}", "required",
                                                   d->monitoring_required, "months",
                                                   num(d->monitoring_months)));
    json_object_set_new(o, "requires_panel_signoff", json_boolean(d->requires_panel_signoff));
    json_object_set_new(o, "note",
                        d->requires_panel_signoff ? json_string(SIGNOFF_NOTE) : json_null());
    json_t *tr = json_array();
    for (int i = 0; i < d->n_trace; i++) {
        int k = d->trace[i];
        json_array_append_new(tr, json_pack("{s:s, s:s, s:s, s:s}", "rule", pw_rule_id(r, k),
                                            "stage", pw_rule_stage(r, k), "why",
                                            pw_rule_why(r, k), "source", pw_rule_source(r, k)));
    }
    json_object_set_new(o, "trace", tr);
    return o;
}

json_t *pw_decision_to_json(const pw_regime *r, const pw_case *c, const pw_decision *d,
                            const char *id)
{
    json_t *jid = id ? json_string(id) : NULL;
    json_t *o = pw_decision_to_json_id(r, c, d, jid);
    json_decref(jid);
    return o;
}

/* ---- Decisions straight to text (JSON Lines fast path) ---------------- */

typedef struct {
    char **p;
    size_t *len, *cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (*b->len + n + 1 > *b->cap) {
        size_t cap = *b->cap ? *b->cap : 1024;
        while (*b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(*b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        *b->p = p;
        *b->cap = cap;
    }
    memcpy(*b->p + *b->len, s, n);
    *b->len += n;
    (*b->p)[*b->len] = '\0';
}

#define PUTS(b, lit) put(b, lit, sizeof(lit) - 1)
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

/* The same escapes as jansson's dump (without JSON_ENSURE_ASCII). */
static void put_str(buf *b, const char *s)
{
    const char *run = s;
    PUTS(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char tmp[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (*p < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04X", *p);
                esc = tmp;
            }
        }
        if (esc) {
            put(b, run, (size_t)((const char *)p - run));
            puts_(b, esc);
            run = (const char *)p + 1;
        }
    }
    put(b, run, strlen(run));
    PUTS(b, "\"");
}

static void put_num(buf *b, float f)
{
    char tmp[40];
    int n = whole(f) ? snprintf(tmp, sizeof tmp, "%ld", (long)f)
                     : snprintf(tmp, sizeof tmp, "%.17g", (double)f);
    put(b, tmp, (size_t)n);
}

static void put_num_or_null(buf *b, float f)
{
    if (f == 0)
        PUTS(b, "null");
    else
        put_num(b, f);
}

static void put_bool(buf *b, bool v)
{
    if (v)
        PUTS(b, "true");
    else
        PUTS(b, "false");
}

static void put_str_or_null(buf *b, const char *s)
{
    if (s)
        put_str(b, s);
    else
        PUTS(b, "null");
}

static void put_sentence(buf *b, const pw_sentence *s)
{
    PUTS(b, "{\"custodial\":");
    put_bool(b, s->custodial);
    PUTS(b, ",\"deferred\":");
    put_bool(b, s->deferred);
    PUTS(b, ",\"min_years\":");
    put_num(b, s->min_years);
    PUTS(b, ",\"max_years\":");
    put_num_or_null(b, s->max_years);
    PUTS(b, ",\"pretrial_detention\":");
    put_bool(b, s->pretrial_detention);
    PUTS(b, ",\"educational_regime\":");
    put_bool(b, s->educational_regime);
    PUTS(b, ",\"work_release_after_years\":");
    put_num_or_null(b, s->work_release_after_years);
    PUTS(b, ",\"electronic_monitoring\":");
    put_bool(b, s->electronic_monitoring);
    PUTS(b, ",\"parole_eligible_years\":");
    if (s->parole_to_years > 0) {
        PUTS(b, "[");
        put_num(b, s->parole_from_years);
        PUTS(b, ",");
        put_num(b, s->parole_to_years);
        PUTS(b, "]");
    } else {
        PUTS(b, "null");
    }
    PUTS(b, ",\"parole_conditions\":");
    put_str_or_null(b, s->parole_conditions);
    PUTS(b, ",\"fine\":");
    if (s->fine_unit) {
        PUTS(b, "{\"min\":");
        put_num(b, s->fine_min);
        PUTS(b, ",\"max\":");
        put_num(b, s->fine_max);
        PUTS(b, ",\"unit\":");
        put_str(b, s->fine_unit);
        PUTS(b, "}");
    } else {
        PUTS(b, "null");
    }
    PUTS(b, ",\"arrest_days\":");
    put_num_or_null(b, s->arrest_days);
    PUTS(b, ",\"community_service_hours\":");
    put_num_or_null(b, s->community_service_hours);
    PUTS(b, ",\"basis\":");
    put_str_or_null(b, s->basis);
    PUTS(b, "}");
}

static int append(const pw_regime *r, const pw_case *c, const pw_decision *d,
                  const json_t *id, const pw_case_id *sid, char **out, size_t *len,
                  size_t *cap)
{
    buf bb = {out, len, cap, 0}, *b = &bb;
    char tmp[40];
    PUTS(b, "{");
    if (sid && sid->text) {
        /* Scanned ids are plain ASCII without escapes: copied as they are. */
        PUTS(b, "\"id\":");
        if (sid->is_string)
            PUTS(b, "\"");
        put(b, sid->text, sid->len);
        if (sid->is_string)
            PUTS(b, "\"");
        PUTS(b, ",");
    } else if (id) {
        PUTS(b, "\"id\":");
        if (json_is_string(id)) {
            put_str(b, json_string_value(id));
        } else if (json_is_integer(id)) {
            int n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
            put(b, tmp, (size_t)n);
        } else {
            /* Anything else is encoded by jansson itself (rare: not a case id). */
            char *s = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
            if (!s)
                return PW_ENOMEM;
            puts_(b, s);
            free(s);
        }
        PUTS(b, ",");
    }
    PUTS(b, "\"regime\":");
    put_str(b, pw_regime_name(r));
    PUTS(b, ",\"primary_substance\":{\"name\":");
    put_str(b, pw_substance_name(c->substance));
    PUTS(b, ",\"tdi\":");
    const char *tdi = pw_substance_tdi(c->substance);
    put_str_or_null(b, tdi && tdi[0] ? tdi : NULL);
    PUTS(b, ",\"icd11\":");
    put_str(b, pw_substance_icd11(c->substance));
    PUTS(b, ",\"group\":\"");
    puts_(b, pw_substance_group_name(pw_substance_group_of(c->substance)));
    PUTS(b, "\"},\"dsm5_criteria\":");
    put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", c->dsm5_criteria));
    PUTS(b, ",\"severity\":\"");
    puts_(b, pw_severity_name(d->severity));
    PUTS(b, "\"");
    if (c->assist_score >= 0) {
        PUTS(b, ",\"assist_score\":");
        put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", c->assist_score));
        PUTS(b, ",\"assist_risk\":\"");
        puts_(b, pw_assist_risk_name(
                     pw_assist_risk_of(c->assist_score, pwi_substance_alcohol(c->substance))));
        PUTS(b, "\"");
    }
    PUTS(b, ",\"route\":\"");
    puts_(b, pw_route_name(d->route));
    PUTS(b, "\",\"disposition\":\"");
    puts_(b, pw_disposition_name(d->disposition));
    PUTS(b, "\",\"measures\":[");
    for (int i = 0; i < d->n_measures; i++) {
        if (i)
            PUTS(b, ",");
        PUTS(b, "{\"type\":\"");
        puts_(b, pw_measure_name(d->measures[i].type));
        PUTS(b, "\",\"min_months\":");
        put_num(b, d->measures[i].min_months);
        PUTS(b, ",\"max_months\":");
        put_num_or_null(b, d->measures[i].max_months);
        PUTS(b, "}");
    }
    PUTS(b, "],\"sentence\":");
    if (d->has_sentence)
        put_sentence(b, &d->sentence);
    else
        PUTS(b, "null");
    PUTS(b, ",\"monitoring\":{\"required\":");
    put_bool(b, d->monitoring_required);
    PUTS(b, ",\"months\":");
    put_num(b, d->monitoring_months);
    PUTS(b, "},\"requires_panel_signoff\":");
    put_bool(b, d->requires_panel_signoff);
    PUTS(b, ",\"note\":");
    if (d->requires_panel_signoff)
        put_str(b, SIGNOFF_NOTE);
    else
        PUTS(b, "null");
    PUTS(b, ",\"trace\":[");
    for (int i = 0; i < d->n_trace; i++) {
        size_t n;
        const char *t = pwi_rule_trace_json(r, d->trace[i], &n);
        if (i)
            PUTS(b, ",");
        put(b, t, n);
    }
    PUTS(b, "]}");
    return b->oom ? PW_ENOMEM : PW_OK;
}

int pw_decision_append_json(const pw_regime *r, const pw_case *c, const pw_decision *d,
                            const json_t *id, char **out, size_t *len, size_t *cap)
{
    return append(r, c, d, id, NULL, out, len, cap);
}

int pw_decision_append_json_scanned(const pw_regime *r, const pw_case *c,
                                    const pw_decision *d, const pw_case_id *id, char **out,
                                    size_t *len, size_t *cap)
{
    return append(r, c, d, NULL, id, out, len, cap);
}

/* ---- Readable text (--explain) ---------------------------------------- */

static void months_text(FILE *f, float lo, float hi)
{
    if (hi == 0 && lo == 0)
        fputs("duration not fixed", f);
    else if (hi == 0)
        fprintf(f, "at least %g month%s", (double)lo, lo == 1 ? "" : "s");
    else if (lo == 0)
        fprintf(f, "up to %g month%s", (double)hi, hi == 1 ? "" : "s");
    else if (lo == hi)
        fprintf(f, "%g months", (double)lo);
    else
        fprintf(f, "%g to %g months", (double)lo, (double)hi);
}

void pw_decision_explain(const pw_regime *r, const pw_case *c, const pw_decision *d,
                         const char *id, FILE *f)
{
    int s = c->substance;
    fprintf(f, "Case %s under regime '%s' (%s)\n", id ? id : "(no id)", pw_regime_name(r),
            pw_regime_title(r));
    fprintf(f, "  Event: %s, amount %s%s%s, age %d, prior drug offences %d, prior "
               "convictions %d%s%s\n",
            pwi_event_names[c->event], pwi_amount_names[c->amount],
            c->role ? ", role " : "", c->role ? pwi_role_names[c->role] : "", c->age,
            c->prior_drug_offences, c->prior_convictions, c->violent ? ", violent" : "",
            c->consents_to_treatment ? ", consents to treatment" : "");
    const char *tdi = pw_substance_tdi(s);
    fprintf(f, "  Primary substance: %s (TDI %s, ICD-11 %s, group %s)%s\n", pw_substance_name(s),
            tdi && tdi[0] ? tdi : "none", pw_substance_icd11(s),
            pw_substance_group_name(pw_substance_group_of(s)), c->injecting ? ", injecting" : "");
    if (d->severity == PW_SEV_NONE)
        fprintf(f, "  Severity: DSM-5 %d criteria met -> no use disorder", c->dsm5_criteria);
    else
        fprintf(f, "  Severity: DSM-5 %d criteria met -> %s use disorder", c->dsm5_criteria,
                pw_severity_name(d->severity));
    if (c->assist_score >= 0)
        fprintf(f, "; ASSIST score %d -> %s risk", c->assist_score,
                pw_assist_risk_name(pw_assist_risk_of(c->assist_score, pwi_substance_alcohol(s))));
    fprintf(f, "\n  Route: %s\n  Disposition: %s\n", pw_route_name(d->route),
            pw_disposition_name(d->disposition));
    if (d->n_measures) {
        fputs("  Measures, in order:\n", f);
        for (int i = 0; i < d->n_measures; i++) {
            fprintf(f, "    %d. %s, ", i + 1, pw_measure_name(d->measures[i].type));
            months_text(f, d->measures[i].min_months, d->measures[i].max_months);
            fputc('\n', f);
        }
    }
    if (d->has_sentence) {
        const pw_sentence *t = &d->sentence;
        fputs("  Sentence: ", f);
        /* Said first: a reader must not take a drug court's term for a
         * term served now. */
        if (t->deferred)
            fputs("deferred, imposed only if the participant does not graduate: ", f);
        if (t->custodial) {
            if (t->max_years > 0 && t->min_years > 0)
                fprintf(f, "custodial, %g to %g years", (double)t->min_years, (double)t->max_years);
            else if (t->max_years > 0)
                fprintf(f, "custodial, up to %g years", (double)t->max_years);
            else if (t->min_years > 0)
                fprintf(f, "custodial, at least %g years, uncapped", (double)t->min_years);
            else
                fputs("custodial, term of the underlying offence, uncapped", f);
        } else {
            fputs("non-custodial", f);
        }
        if (t->pretrial_detention)
            fputs("; pre-trial detention", f);
        if (t->educational_regime)
            fputs("; educational prison regime (daily sports, reading, study, film discussion)", f);
        if (t->work_release_after_years > 0)
            fprintf(f, "; work release after %g years%s", (double)t->work_release_after_years,
                    t->electronic_monitoring ? " with an electronic bracelet" : "");
        if (t->parole_to_years > 0)
            fprintf(f, "; parole eligible from %g to %g years", (double)t->parole_from_years,
                    (double)t->parole_to_years);
        if (t->parole_conditions)
            fprintf(f, " (%s)", t->parole_conditions);
        if (t->fine_unit && t->fine_min > 0)
            fprintf(f, "; fine %g to %g %s", (double)t->fine_min, (double)t->fine_max, t->fine_unit);
        else if (t->fine_unit)
            fprintf(f, "; fine up to %g %s", (double)t->fine_max, t->fine_unit);
        if (t->community_service_hours > 0)
            fprintf(f, "; or up to %g hours of community service", (double)t->community_service_hours);
        if (t->arrest_days > 0)
            fprintf(f, "; or arrest up to %g days", (double)t->arrest_days);
        if (t->basis)
            fprintf(f, "\n    Basis: %s", t->basis);
        fputc('\n', f);
    } else {
        fputs("  Sentence: none\n", f);
    }
    if (d->monitoring_required)
        fprintf(f, "  Monitoring: required, %g months\n", (double)d->monitoring_months);
    else
        fputs("  Monitoring: not required\n", f);
    if (d->requires_panel_signoff)
        fprintf(f, "  Panel sign-off: REQUIRED. %s\n", SIGNOFF_NOTE);
    fputs("  Rules that fired:\n", f);
    for (int i = 0; i < d->n_trace; i++) {
        int k = d->trace[i];
        fprintf(f, "    %d. [%s] %s: %s\n       Source: %s\n", i + 1, pw_rule_stage(r, k),
                pw_rule_id(r, k), pw_rule_why(r, k), pw_rule_source(r, k));
    }
}
