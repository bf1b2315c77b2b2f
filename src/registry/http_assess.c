/*
 * POST /api/v1/assess: decides cases with a built-in regime (http_assess.h).
 */
#include "http_assess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "engine/engine_json.h"
#include "json_in.h"
#include "pathways/engine.h"

struct pwi_assess {
    size_t n;
    pw_regime **regimes;
};

void pwi_assess_free(pwi_assess *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        pw_regime_free(a->regimes[i]);
    free(a->regimes);
    free(a);
}

int pwi_assess_new(pwi_assess **out, pw_error *err)
{
    const char **names = NULL;
    size_t n = pw_data_names("regimes", &names);
    int rc = PW_OK;
    pwi_assess *a = calloc(1, sizeof *a);
    if (!a || (n && !(a->regimes = calloc(n, sizeof *a->regimes)))) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    for (; a->n < n; a->n++)
        if ((rc = pw_regime_load(names[a->n], &a->regimes[a->n], err)) != PW_OK)
            goto done;
done:
    free(names);
    if (rc != PW_OK) {
        pwi_assess_free(a);
        a = NULL;
    }
    *out = a;
    return rc;
}

static const pw_regime *find(const pwi_assess *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(pw_regime_name(a->regimes[i]), name) == 0)
            return a->regimes[i];
    return NULL;
}

/* The names of the regimes on offer, for the message about an unknown
 * one ("drug-court, hybrid, ..."). */
static void list_names(const pwi_assess *a, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                                 pw_regime_name(a->regimes[i]));
}

/* Decides one case object; the error's field gets `prefix` in front
 * ("cases[3]." + "age"). The decision is appended to `list`. */
static int one(const pw_regime *r, const json_t *obj, const char *prefix, json_t *list,
               pw_error *err)
{
    pw_case c;
    pw_decision d;
    int rc;
    if (!json_is_object(obj)) {
        char where[32]; /* the prefix without its final '.' */
        snprintf(where, sizeof where, "%.*s", (int)strlen(prefix) - 1, prefix);
        return pw_error_set(err, PW_EINVAL, "body", 1, where, "a case is a JSON object");
    }
    if ((rc = pw_case_from_json(obj, &c, "body", 1, err)) == PW_OK) {
        rc = pw_decide(r, &c, &d);
        if (rc == PW_ENOTFOUND)
            pw_error_set(err, PW_EINVAL, "body", 1, "", "regime '%s' has no rule that decides "
                         "this case (a gap in the regime file)", pw_regime_name(r));
        else if (rc != PW_OK)
            pw_error_set(err, PW_EINVAL, "body", 1, "", "the case cannot be decided");
        if (rc == PW_ENOTFOUND)
            rc = PW_EINVAL;
    }
    if (rc != PW_OK) {
        char field[sizeof err->field];
        if (err->field[0])
            snprintf(field, sizeof field, "%s%s", prefix, err->field);
        else
            snprintf(field, sizeof field, "%.*s", (int)strlen(prefix) - 1, prefix);
        snprintf(err->field, sizeof err->field, "%s", field);
        return rc;
    }
    json_t *dj = pw_decision_to_json_id(r, &c, &d, json_object_get(obj, "id"));
    if (!dj || json_array_append_new(list, dj) != 0)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    return PW_OK;
}

int pwi_assess_run(const pwi_assess *a, const char *body, size_t len, char **out,
                   size_t *out_len, size_t *n_cases, char *regime, size_t regime_len,
                   pw_error *err)
{
    static const char *const fields[] = {"regime", "case", "cases", NULL};
    json_t *in = NULL, *decisions = NULL, *doc = NULL;
    int rc;
    *out = NULL;
    *out_len = 0;
    *n_cases = 0;
    if ((rc = pwi_json_read(body, len, "body", 1, fields, NULL, &in, err)) != PW_OK)
        goto done;
    const json_t *rname = json_object_get(in, "regime");
    const json_t *one_case = json_object_get(in, "case");
    const json_t *cases = json_object_get(in, "cases");
    const pw_regime *r = NULL;
    if (!json_is_string(rname)) {
        rc = pw_error_set(err, PW_EINVAL, "body", 1, "regime",
                          "the name of a built-in regime (a string) is required");
        goto done;
    }
    if (!(r = find(a, json_string_value(rname)))) {
        char names[256];
        list_names(a, names, sizeof names);
        rc = pw_error_set(err, PW_EINVAL, "body", 1, "regime", "unknown regime '%s' (one of: %s)",
                          json_string_value(rname), names);
        goto done;
    }
    if (!one_case == !cases) {
        rc = pw_error_set(err, PW_EINVAL, "body", 1, one_case ? "cases" : "case",
                          "give either \"case\" (one object) or \"cases\" (a list), not %s",
                          one_case ? "both" : "neither");
        goto done;
    }
    if (cases && (!json_is_array(cases) || json_array_size(cases) == 0 ||
                  json_array_size(cases) > PWI_ASSESS_MAX_CASES)) {
        rc = pw_error_set(err, PW_EINVAL, "body", 1, "cases",
                          "a list of 1 to %d cases is required (got %s%zu)",
                          PWI_ASSESS_MAX_CASES, json_is_array(cases) ? "" : "not a list, ",
                          json_is_array(cases) ? json_array_size(cases) : (size_t)0);
        goto done;
    }
    if (!(decisions = json_array())) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    if (one_case) {
        if ((rc = one(r, one_case, "case.", decisions, err)) != PW_OK)
            goto done;
    } else {
        for (size_t i = 0; i < json_array_size(cases); i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "cases[%zu].", i);
            if ((rc = one(r, json_array_get(cases, i), prefix, decisions, err)) != PW_OK)
                goto done;
        }
    }
    *n_cases = json_array_size(decisions);
    doc = one_case ? json_pack("{s:s, s:O}", "regime", pw_regime_name(r), "decision",
                               json_array_get(decisions, 0))
                   : json_pack("{s:s, s:O}", "regime", pw_regime_name(r), "decisions", decisions);
    if (!(*out = pwi_json_dumps_line(doc, JSON_COMPACT, out_len))) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    snprintf(regime, regime_len, "%s", pw_regime_name(r));
done:
    json_decref(doc);
    json_decref(decisions);
    json_decref(in);
    return rc;
}
