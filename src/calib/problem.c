/*
 * Problems: the scenario behind calibrate and sensitivity, seen as a box
 * of uncertain parameters and a function to named outputs. LH/LHY
 * scenarios are solved by the mean-field engine here; society scenarios
 * are delegated to the simulator (problem_sim.c).
 */
#include <stdlib.h>
#include <string.h>

#include "pathways/calib.h"
#include "calib_internal.h"

struct pw_problem {
    char engine[16];
    int start_year;
    size_t n_out;
    pw_space *space;
    pw_lhy_scenario lhy;
    pw_lhy_eval *lhy_eval;
    void *sim; /* society-scenario state (problem_sim.c) */
};

void pw_problem_free(pw_problem *p)
{
    if (!p)
        return;
    pw_lhy_eval_free(p->lhy_eval);
    pwi_problem_sim_free(p->sim);
    pw_space_free(p->space);
    free(p);
}

int pw_problem_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                   pw_problem **out, pw_error *err)
{
    pw_problem *p = calloc(1, sizeof *p);
    if (!p)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc;
    p->n_out = n_out;
    if (pw_lhy_scenario_is(o->scenario)) {
        if (o->only || o->base) {
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, o->only ? "params" : "base",
                              "a parameter subset or base posterior applies to society "
                              "scenarios only");
            goto fail;
        }
        if ((rc = pw_lhy_scenario_load(o->scenario, &p->lhy, &p->space, err)) != PW_OK)
            goto fail;
        snprintf(p->engine, sizeof p->engine, "%s", p->lhy.p.model == PW_MF_LH ? "lh" : "lhy");
        p->start_year = p->lhy.start_year;
        if ((rc = pw_lhy_eval_new(&p->lhy, p->space, o->years, outputs, n_out, &p->lhy_eval,
                                  err)) != PW_OK)
            goto fail;
    } else {
        rc = pwi_problem_sim_new(o, outputs, n_out, &p->sim, &p->space, &p->start_year, err);
        if (rc != PW_OK)
            goto fail;
        snprintf(p->engine, sizeof p->engine, "%s",
                 o->engine && strcmp(o->engine, "meanfield") == 0 ? "meanfield" : "abm");
    }
    if (pw_space_dim(p->space) == 0) {
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                          "scenario '%s' has no uncertain parameters (no priors)", o->scenario);
        goto fail;
    }
    *out = p;
    return PW_OK;
fail:
    pw_problem_free(p);
    return rc;
}

const pw_space *pw_problem_space(const pw_problem *p) { return p->space; }
size_t pw_problem_outputs(const pw_problem *p) { return p->n_out; }
const char *pw_problem_engine(const pw_problem *p) { return p->engine; }
int pw_problem_start_year(const pw_problem *p) { return p->start_year; }

size_t pw_problem_columns(const pw_problem *p)
{
    return p->sim ? pwi_problem_sim_columns(p->sim) : pw_space_dim(p->space);
}

const char *pw_problem_column_name(const pw_problem *p, size_t j)
{
    return p->sim ? pwi_problem_sim_column_name(p->sim, j) : pw_space_name(p->space, j);
}

void pw_problem_column_values(const pw_problem *p, const double *x, double *out)
{
    if (p->sim)
        pwi_problem_sim_column_values(p->sim, x, out);
    else
        memcpy(out, x, pw_space_dim(p->space) * sizeof *out);
}

int pw_problem_eval(void *problem, const double *x, uint64_t index, double *y)
{
    pw_problem *p = problem;
    if (p->lhy_eval)
        return pw_lhy_eval_run(p->lhy_eval, x, index, y);
    return pwi_problem_sim_eval(p->sim, x, index, y);
}
