/*
 * pw_sim_run: every (regime, run) pair simulated in parallel with OpenMP.
 *
 * Each pair is a pure function of (scenario, regime, seed, run): run r of
 * every regime rebuilds the same population and ties from the same random
 * coordinates (common random numbers), and results land in fixed slots, so
 * the output is the same whatever the number of threads.
 */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "sim_internal.h"

void pw_sim_opts_default(pw_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->years = 20;
    o->runs = 10;
    o->seed = 1;
    o->threads = 0;
    o->scale = 0;
    o->progress = 0;
}

/* Simulates pair t = run * n_regimes + g into `res`. */
static int one_pair(const pw_scenario *s, pw_regime *const *regimes, size_t n_regimes,
                    const pw_sim_opts *o, double scale, size_t t, pw_results *res,
                    pw_error *err)
{
    int run = (int)(t / n_regimes);
    size_t g = t % n_regimes;
    size_t K = pw_series_count(), M = pw_metric_count();
    pw_scenario *own = NULL;
    const pw_scenario *use = s;
    int rc = PW_OK;
    if (o->n_draws && o->n_draw_params) {
        /* Posterior draws: run r uses row r mod n (same row for every
         * regime, so the comparison stays paired). */
        own = pw_scenario_clone(s);
        if (!own)
            return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        size_t row = (size_t)run % o->n_draws;
        for (size_t j = 0; j < o->n_draw_params; j++) {
            double x = o->draws[row * o->n_draw_params + j];
            if (pw_param_set(own, (size_t)o->draw_param_idx[j], x) != PW_OK) {
                rc = pw_error_set(err, PW_EINVAL, NULL, (long)row + 2,
                                  pw_param_name(s, (size_t)o->draw_param_idx[j]),
                                  "posterior value %g is outside the allowed range", x);
                goto done;
            }
        }
        use = own;
    }
    pwi_run_result rr;
    memset(&rr, 0, sizeof rr);
    rr.series = calloc((size_t)o->years * K, sizeof *rr.series);
    if (!rr.series) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    rc = pwi_simulate(use, regimes ? regimes[g] : NULL, o->years, (uint32_t)run, o->seed, scale,
                      &rr, err);
    if (rc == PW_OK && !rr.invariant_ok)
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                          "internal error: population accounting broke (run %d)", run);
    if (rc == PW_OK) {
        for (int y = 0; y < o->years; y++)
            for (size_t k = 0; k < K; k++)
                pw_results_set_series(res, g, run, y, k, rr.series[(size_t)y * K + k]);
        for (size_t m = 0; m < M; m++)
            pw_results_set_metric(res, g, run, m, rr.metrics[m]);
    }
    free(rr.series);
done:
    pw_scenario_free(own);
    return rc;
}

int pw_sim_run(const pw_scenario *s, pw_regime *const *regimes, size_t n_regimes,
               const pw_sim_opts *o, pw_results **out, pw_error *err)
{
    *out = NULL;
    if (n_regimes < 1 || o->runs < 1 || o->years < 1)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "need at least one regime, run and year");
    double scale = o->scale > 0 ? o->scale : s->default_scale;
    if (!(scale > 0 && scale <= 1))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "scale", "scale must lie in (0, 1]");
    const char **names = calloc(n_regimes, sizeof *names);
    if (!names)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t g = 0; g < n_regimes; g++)
        names[g] = regimes && regimes[g] ? pw_regime_name(regimes[g]) : "none";
    pw_results *res = pw_results_new(s->name, s->start_year, o->years, o->runs, o->seed, names,
                                     n_regimes);
    free(names);
    if (!res)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    pw_results_set_scale(res, scale);

    size_t n_tasks = n_regimes * (size_t)o->runs;
    int *status = calloc(n_tasks, sizeof *status);
    pw_error *errs = calloc(n_tasks, sizeof *errs);
    if (!status || !errs) {
        free(status);
        free(errs);
        pw_results_free(res);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    pw_progress *prog = o->progress ? pw_progress_start("simulating", (double)n_tasks) : NULL;
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t t = 0; t < n_tasks; t++) {
        status[t] = one_pair(s, regimes, n_regimes, o, scale, t, res, &errs[t]);
        if (prog)
            pw_progress_add(prog, 1);
    }
    pw_progress_finish(prog);
    int rc = PW_OK;
    /* Report the first failure in task order, whatever thread hit it. */
    for (size_t t = 0; t < n_tasks; t++)
        if (status[t]) {
            rc = status[t];
            if (err)
                *err = errs[t];
            break;
        }
    free(status);
    free(errs);
    if (rc) {
        pw_results_free(res);
        return rc;
    }
    *out = res;
    return PW_OK;
}
