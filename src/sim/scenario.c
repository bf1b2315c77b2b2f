/*
 * Scenarios: the population a run stands for and the flat, named parameter
 * table, each parameter with its value, its source and (when uncertain) a
 * prior. Loaded from data/scenarios/NAME.yaml or a path; a scenario may
 * `extends:` another and override some parameters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

typedef struct {
    const char *name;
    double lo, hi;
} param_def;

static const param_def PARAMS[PI_COUNT] = {
#define PWI_X(id, name, lo, hi) {name, lo, hi},
    PW_SIM_PARAMS(PWI_X)
#undef PWI_X
};

void pwi_param_range(size_t i, double *lo, double *hi)
{
    if (i >= PI_COUNT) {
        *lo = *hi = 0;
        return;
    }
    *lo = PARAMS[i].lo;
    *hi = PARAMS[i].hi;
}

static int param_index(const char *name)
{
    for (int i = 0; i < PI_COUNT; i++)
        if (strcmp(PARAMS[i].name, name) == 0)
            return i;
    return -1;
}

void pw_scenario_free(pw_scenario *s)
{
    if (!s)
        return;
    for (int i = 0; i < PI_COUNT; i++) {
        free(s->source[i]);
        free(s->inert[i]);
    }
    free(s);
}

pw_scenario *pw_scenario_clone(const pw_scenario *s)
{
    pw_scenario *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *s;
    for (int i = 0; i < PI_COUNT; i++)
        c->source[i] = c->inert[i] = NULL;
    for (int i = 0; i < PI_COUNT; i++) {
        c->source[i] = s->source[i] ? strdup(s->source[i]) : NULL;
        c->inert[i] = s->inert[i] ? strdup(s->inert[i]) : NULL;
        if ((s->source[i] && !c->source[i]) || (s->inert[i] && !c->inert[i])) {
            pw_scenario_free(c);
            return NULL;
        }
    }
    return c;
}

/* Reads `prior: {uniform: [a, b]}` or `{loguniform: [a, b]}`. */
static int read_prior(const pw_doc *d, const pw_node *pn, const char *pname,
                      pw_prior_kind *kind, double *a, double *b, pw_error *err)
{
    static const char *const keys[] = {"uniform", "loguniform", NULL};
    int rc = pw_node_check_keys(d, pn, keys, "prior", err);
    if (rc)
        return rc;
    if (pw_node_len(pn) != 1)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pn), pname,
                            "prior needs exactly one of uniform or loguniform");
    const char *k = pw_node_key(pn, 0);
    const pw_node *seq = pw_node_at(pn, 0);
    if (pw_node_kind_of(seq) != PW_NODE_SEQ || pw_node_len(seq) != 2)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(seq), k,
                            "expected a list of two bounds [a, b]");
    double x[2];
    for (int j = 0; j < 2; j++) {
        const char *t = pw_node_str(pw_node_at(seq, (size_t)j));
        char *end;
        x[j] = t ? strtod(t, &end) : NAN;
        if (!t || end == t || *end || !isfinite(x[j]))
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(seq), k,
                                "bound %d is not a number", j + 1);
    }
    *kind = strcmp(k, "uniform") == 0 ? PW_PRIOR_UNIFORM : PW_PRIOR_LOGUNIFORM;
    if (!(x[0] < x[1]) || (*kind == PW_PRIOR_LOGUNIFORM && x[0] <= 0))
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(seq), k,
                            "bounds must satisfy %sa < b", *kind == PW_PRIOR_LOGUNIFORM ? "0 < " : "");
    *a = x[0];
    *b = x[1];
    return PW_OK;
}

static int load_into(const char *name_or_path, pw_scenario *s, int depth,
                     unsigned char *given, pw_error *err)
{
    static const char *const top_keys[] = {"name",        "description", "extends",
                                           "population",  "start_year",  "default_scale", "regions",
                                           "sources",     "parameters",  "bands",
                                           "history_start_year", "history_population",
                                           "history_regime", NULL};
    static const char *const pkeys[] = {"value", "source", "prior", "note", "inert", NULL};
    pw_doc *d = NULL;
    int rc = pw_doc_load("scenarios", name_or_path, &d, err);
    if (rc)
        return rc;
    const pw_node *root = pw_doc_root(d);
    rc = pw_node_check_keys(d, root, top_keys, "scenario", err);
    if (rc)
        goto done;

    /* A base scenario first, so this file's values override it. */
    const pw_node *ext = pw_node_get(root, "extends");
    if (ext) {
        if (depth > 4) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(ext), "extends",
                              "scenarios extend each other too deeply (a cycle?)");
            goto done;
        }
        const char *base = pw_node_str(ext);
        if (!base) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(ext), "extends",
                              "expected a scenario name");
            goto done;
        }
        rc = load_into(base, s, depth + 1, given, err);
        if (rc)
            goto done;
    }

    const char *name;
    rc = pw_node_text(d, root, "name", !ext, s->name, &name, err);
    if (rc)
        goto done;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->origin, sizeof s->origin, "%s", pw_doc_name(d));
    rc = pw_node_num(d, root, "population", !ext, s->population, 100, 2e9, &s->population, err);
    if (rc)
        goto done;
    long y;
    rc = pw_node_int(d, root, "start_year", !ext, s->start_year, 1900, 2200, &y, err);
    if (rc)
        goto done;
    s->start_year = (int)y;
    rc = pw_node_num(d, root, "default_scale", 0, ext ? s->default_scale : 1.0, 1e-6, 1.0,
                     &s->default_scale, err);
    if (rc)
        goto done;

    rc = pw_node_int(d, root, "regions", 0, ext ? s->regions : 1, 1, PWI_MAX_REGIONS, &y, err);
    if (rc)
        goto done;
    s->regions = (int)y;

    /* The history phase: optional, inherited from a base scenario; it must
     * end before the projection starts (0 switches it off). */
    rc = pw_node_int(d, root, "history_start_year", 0, s->history_start_year, 0, 2200, &y, err);
    if (rc)
        goto done;
    if (y && (y < 1900 || y >= s->start_year)) {
        rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d),
                          pw_node_line(pw_node_get(root, "history_start_year")),
                          "history_start_year", "must be 0 (no history) or a year before "
                          "start_year %d, at most 1000 years before it", s->start_year);
        goto done;
    }
    if (y && s->start_year - y > 1000) {
        rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d),
                          pw_node_line(pw_node_get(root, "history_start_year")),
                          "history_start_year", "at most 1000 years before start_year");
        goto done;
    }
    s->history_start_year = (int)y;
    rc = pw_node_num(d, root, "history_population", 0,
                     s->history_population > 0 ? s->history_population : s->population, 100, 2e9,
                     &s->history_population, err);
    if (rc)
        goto done;
    {
        const char *hr;
        rc = pw_node_text(d, root, "history_regime", 0,
                          s->history_regime[0] ? s->history_regime : "kz-current", &hr, err);
        if (rc)
            goto done;
        if (strlen(hr) >= sizeof s->history_regime) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d),
                              pw_node_line(pw_node_get(root, "history_regime")),
                              "history_regime", "regime name too long");
            goto done;
        }
        /* hr may be the inherited name itself: copy through a buffer */
        char name[sizeof s->history_regime];
        snprintf(name, sizeof name, "%s", hr);
        memcpy(s->history_regime, name, sizeof name);
    }

    const pw_node *bands = pw_node_get(root, "bands");
    if (bands && (rc = pwi_read_bands(d, bands, s, err)))
        goto done;

    const pw_node *params = pw_node_get(root, "parameters");
    if (!params) {
        if (!ext)
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(root), "parameters",
                              "missing required key");
        goto done;
    }
    if (pw_node_kind_of(params) != PW_NODE_MAP) {
        rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(params), "parameters",
                          "expected a map of parameter names");
        goto done;
    }
    for (size_t k = 0; k < pw_node_len(params); k++) {
        const char *pname = pw_node_key(params, k);
        const pw_node *pn = pw_node_at(params, k);
        int i = param_index(pname);
        if (i < 0) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pn), pname,
                              "unknown parameter (see docs/model.md for the list)");
            goto done;
        }
        if ((rc = pw_node_check_keys(d, pn, pkeys, pname, err)))
            goto done;
        double v;
        if ((rc = pw_node_num(d, pn, "value", 1, 0, PARAMS[i].lo, PARAMS[i].hi, &v, err)))
            goto done;
        const char *src;
        if ((rc = pw_node_text(d, pn, "source", 1, NULL, &src, err)))
            goto done;
        if (!*src) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pn), "source",
                              "every parameter needs a source (or 'assumption: why')");
            goto done;
        }
        pw_prior_kind kind = PW_PRIOR_FIXED;
        double a = 0, b = 0;
        const pw_node *pr = pw_node_get(pn, "prior");
        if (pr && (rc = read_prior(d, pr, pname, &kind, &a, &b, err)))
            goto done;
        if (kind != PW_PRIOR_FIXED && (a < PARAMS[i].lo || b > PARAMS[i].hi)) {
            rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pr), pname,
                              "prior [%g, %g] leaves the allowed range [%g, %g]", a, b,
                              PARAMS[i].lo, PARAMS[i].hi);
            goto done;
        }
        /* `inert: "why"` declares that the parameter moves no output by
         * design; the liveness test (tests/sim/test_param_liveness.c)
         * holds every other parameter to moving one. An extending file
         * inherits the declaration unless it gives the parameter anew. */
        const char *why = NULL;
        if (pw_node_get(pn, "inert")) {
            if ((rc = pw_node_text(d, pn, "inert", 1, NULL, &why, err)))
                goto done;
            if (!*why) {
                rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pn), "inert",
                                  "say why the parameter moves no output");
                goto done;
            }
        }
        char *copy = strdup(src), *why_copy = why ? strdup(why) : NULL;
        if (!copy || (why && !why_copy)) {
            free(copy);
            free(why_copy);
            rc = pw_error_set(err, PW_ENOMEM, pw_doc_name(d), pw_node_line(pn), pname,
                              "out of memory");
            goto done;
        }
        free(s->source[i]);
        s->source[i] = copy;
        free(s->inert[i]);
        s->inert[i] = why_copy;
        s->v[i] = v;
        s->prior[i] = kind;
        s->prior_a[i] = a;
        s->prior_b[i] = b;
        given[i] = 1;
    }
    /* Only the outermost file checks completeness: a base may rely on
     * nothing, but the scenario as run must define everything. */
    if (depth == 0) {
        for (int i = 0; i < PI_COUNT; i++)
            if (!given[i]) {
                rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(params),
                                  PARAMS[i].name, "missing parameter");
                goto done;
            }
    }
done:
    pw_doc_free(d);
    return rc;
}

int pw_scenario_load(const char *name_or_path, pw_scenario **out, pw_error *err)
{
    *out = NULL;
    pw_scenario *s = calloc(1, sizeof *s);
    if (!s)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    s->default_scale = 1.0;
    s->regions = 1;
    unsigned char given[PI_COUNT] = {0};
    int rc = load_into(name_or_path, s, 0, given, err);
    if (rc) {
        pw_scenario_free(s);
        return rc;
    }
    *out = s;
    return PW_OK;
}

const char *pw_scenario_name(const pw_scenario *s) { return s->name; }
double pw_scenario_population(const pw_scenario *s) { return s->population; }
int pw_scenario_start_year(const pw_scenario *s) { return s->start_year; }
int pw_scenario_history_start_year(const pw_scenario *s) { return s->history_start_year; }
double pw_scenario_history_population(const pw_scenario *s)
{
    return s->history_start_year > 0 && s->history_population > 0 ? s->history_population
                                                                  : s->population;
}
const char *pw_scenario_history_regime(const pw_scenario *s)
{
    return s->history_start_year > 0 ? s->history_regime : NULL;
}

size_t pw_param_count(const pw_scenario *s)
{
    (void)s;
    return PI_COUNT;
}

int pw_param_find(const pw_scenario *s, const char *name)
{
    (void)s;
    return name ? param_index(name) : -1;
}

const char *pw_param_name(const pw_scenario *s, size_t i)
{
    (void)s;
    return i < PI_COUNT ? PARAMS[i].name : NULL;
}

const char *pw_param_source(const pw_scenario *s, size_t i)
{
    return i < PI_COUNT ? s->source[i] : NULL;
}

const char *pw_param_inert(const pw_scenario *s, size_t i)
{
    return i < PI_COUNT ? s->inert[i] : NULL;
}

double pw_param_get(const pw_scenario *s, size_t i)
{
    return i < PI_COUNT ? s->v[i] : NAN;
}

void pw_param_range(const pw_scenario *s, size_t i, double *lo, double *hi)
{
    (void)s; /* every scenario shares the simulator's one table */
    pwi_param_range(i, lo, hi);
}

int pw_param_set(pw_scenario *s, size_t i, double v)
{
    if (i >= PI_COUNT || !(v >= PARAMS[i].lo && v <= PARAMS[i].hi))
        return PW_EINVAL;
    s->v[i] = v;
    return PW_OK;
}

pw_prior_kind pw_param_prior(const pw_scenario *s, size_t i, double *a, double *b)
{
    if (i >= PI_COUNT)
        return PW_PRIOR_FIXED;
    if (a)
        *a = s->prior_a[i];
    if (b)
        *b = s->prior_b[i];
    return s->prior[i];
}
