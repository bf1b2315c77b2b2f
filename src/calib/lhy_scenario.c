/*
 * Mean-field epidemic scenario files (LH / LHY models): parameters with
 * their sources and optional priors, and the starting point. Format in
 * pathways/calib.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pathways/calib.h"

static const char *const param_names[] = {"tau", "s", "q", "smax", "a", "b", "g", "delta", NULL};
static const char *const init_names[] = {"light", "heavy", "memory", NULL};

static double *param_slot(pw_lhy_scenario *sc, const char *name)
{
    pw_lhy_params *p = &sc->p;
    double *slots[] = {&p->tau, &p->s, &p->q, &p->smax, &p->a, &p->b, &p->g, &p->delta};
    for (size_t i = 0; param_names[i]; i++)
        if (strcmp(name, param_names[i]) == 0)
            return slots[i];
    static const char *const y0n[] = {"light0", "heavy0", "memory0"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(name, y0n[i]) == 0)
            return &sc->y0[i];
    return NULL;
}

int pw_lhy_scenario_set(pw_lhy_scenario *sc, const char *name, double v)
{
    double *slot = param_slot(sc, name);
    if (!slot)
        return PW_ENOTFOUND;
    if (!isfinite(v) || v < 0.0)
        return PW_EINVAL;
    *slot = v;
    return PW_OK;
}

int pw_lhy_scenario_is(const char *name_or_path)
{
    pw_doc *doc = NULL;
    if (pw_doc_load("scenarios", name_or_path, &doc, NULL) != PW_OK)
        return 0;
    const pw_node *e = pw_node_get(pw_doc_root(doc), "engine");
    const pw_node *m = pw_node_get(pw_doc_root(doc), "model");
    int yes = e && m && pw_node_str(e) && strcmp(pw_node_str(e), "meanfield") == 0 &&
              pw_node_str(m) && (strcmp(pw_node_str(m), "lhy") == 0 || strcmp(pw_node_str(m), "lh") == 0);
    pw_doc_free(doc);
    return yes;
}

/* Reads one `{value, source, [prior, lo, hi]}` entry. */
static int read_entry(const pw_doc *doc, const pw_node *map, const char *key, double *value,
                      pw_space *priors, const char *prior_name, pw_error *err)
{
    static const char *const keys[] = {"value", "unit", "source", "prior", "lo", "hi", NULL};
    static const char *const kinds[] = {"fixed", "uniform", "loguniform", NULL};
    const char *file = pw_doc_name(doc);
    const pw_node *n = pw_node_get(map, key);
    if (!n)
        return pw_error_set(err, PW_EINVAL, file, pw_node_line(map), key, "missing");
    int rc;
    const char *src;
    int kind;
    if ((rc = pw_node_check_keys(doc, n, keys, key, err)) != PW_OK ||
        (rc = pw_node_num(doc, n, "value", 1, 0, 0, 1e12, value, err)) != PW_OK ||
        (rc = pw_node_text(doc, n, "source", 1, NULL, &src, err)) != PW_OK ||
        (rc = pw_node_enum(doc, n, "prior", 0, 0, kinds, &kind, err)) != PW_OK)
        return rc;
    if (kind == 0)
        return PW_OK;
    double lo, hi;
    if ((rc = pw_node_num(doc, n, "lo", 1, 0, 0, 1e12, &lo, err)) != PW_OK ||
        (rc = pw_node_num(doc, n, "hi", 1, 0, 0, 1e12, &hi, err)) != PW_OK)
        return rc;
    if (!(lo < hi) || *value < lo || *value > hi || (kind == 2 && !(lo > 0.0)))
        return pw_error_set(err, PW_EINVAL, file, pw_node_line(n), key,
                            "need lo < hi with lo <= value <= hi (and lo > 0 for loguniform)");
    if (priors) {
        rc = pw_space_add(priors, prior_name, kind == 2 ? PW_SPACE_LOGUNIFORM : PW_SPACE_UNIFORM,
                          lo, hi);
        if (rc != PW_OK)
            return pw_error_set(err, rc, file, pw_node_line(n), key, "cannot record the prior");
    }
    return PW_OK;
}

int pw_lhy_scenario_load(const char *name_or_path, pw_lhy_scenario *out, pw_space **priors,
                         pw_error *err)
{
    static const char *const top[] = {"engine", "model", "name", "description", "start_year",
                                      "parameters", "initial", "floor", NULL};
    static const char *const models[] = {"lh", "lhy", NULL};
    static const char *const floors[] = {"max", "min", NULL};
    pw_doc *doc = NULL;
    pw_space *sp = NULL;
    pw_lhy_scenario sc;
    memset(&sc, 0, sizeof sc);
    int rc = pw_doc_load("scenarios", name_or_path, &doc, err);
    if (rc != PW_OK)
        return rc;
    const pw_node *root = pw_doc_root(doc);
    const char *file = pw_doc_name(doc);
    const char *engine, *name;
    int model, floor_kind;
    long start;
    if ((rc = pw_node_check_keys(doc, root, top, "mean-field scenario", err)) != PW_OK ||
        (rc = pw_node_text(doc, root, "engine", 1, NULL, &engine, err)) != PW_OK)
        goto done;
    if (strcmp(engine, "meanfield") != 0) {
        rc = pw_error_set(err, PW_EINVAL, file, pw_node_line(pw_node_get(root, "engine")),
                          "engine", "must be 'meanfield' for an LH/LHY scenario");
        goto done;
    }
    if ((rc = pw_node_enum(doc, root, "model", 1, 0, models, &model, err)) != PW_OK ||
        (rc = pw_node_text(doc, root, "name", 1, NULL, &name, err)) != PW_OK ||
        (rc = pw_node_int(doc, root, "start_year", 1, 0, 1800, 2200, &start, err)) != PW_OK ||
        (rc = pw_node_enum(doc, root, "floor", 0, 0, floors, &floor_kind, err)) != PW_OK)
        goto done;
    snprintf(sc.name, sizeof sc.name, "%s", name);
    sc.start_year = (int)start;
    sc.p.model = model == 0 ? PW_MF_LH : PW_MF_LHY;
    sc.p.floor_min = floor_kind == 1;
    if (priors && !(sp = pw_space_new())) {
        rc = pw_error_set(err, PW_ENOMEM, file, 0, NULL, "out of memory");
        goto done;
    }
    const pw_node *params = pw_node_get(root, "parameters");
    const pw_node *init = pw_node_get(root, "initial");
    if (!params || !init) {
        rc = pw_error_set(err, PW_EINVAL, file, pw_node_line(root), params ? "initial" : "parameters",
                          "missing");
        goto done;
    }
    if ((rc = pw_node_check_keys(doc, params, param_names, "parameters", err)) != PW_OK ||
        (rc = pw_node_check_keys(doc, init, init_names, "initial", err)) != PW_OK)
        goto done;
    for (size_t i = 0; param_names[i]; i++) {
        /* The LH model has no memory and no floor: those keys are optional. */
        int optional = sc.p.model == PW_MF_LH &&
                       (strcmp(param_names[i], "smax") == 0 || strcmp(param_names[i], "delta") == 0);
        if (optional && !pw_node_get(params, param_names[i]))
            continue;
        if ((rc = read_entry(doc, params, param_names[i], param_slot(&sc, param_names[i]), sp,
                             param_names[i], err)) != PW_OK)
            goto done;
    }
    for (size_t i = 0; init_names[i]; i++) {
        char pname[32];
        snprintf(pname, sizeof pname, "%s0", init_names[i]);
        if ((rc = read_entry(doc, init, init_names[i], &sc.y0[i], sp, pname, err)) != PW_OK)
            goto done;
    }
    if (!(sc.p.g > 0.0) || !(sc.p.a + sc.p.b > 0.0)) {
        rc = pw_error_set(err, PW_EINVAL, file, pw_node_line(params), "g",
                          "quit rates a+b and g must be positive");
        goto done;
    }
    *out = sc;
    if (priors) {
        *priors = sp;
        sp = NULL;
    }
done:
    pw_space_free(sp);
    pw_doc_free(doc);
    return rc;
}
