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
    o->runs = 12;
    o->seed = 1;
    o->threads = 0;
    o->scale = 0;
    o->progress = 0;
}

/* Applies run r's posterior row (if any) to a private copy of s. */
static int scenario_for_run(const pw_scenario *s, const pw_sim_opts *o, int run,
                            pw_scenario **own, pw_error *err)
{
    *own = NULL;
    if (!o->n_draws || !o->n_draw_params)
        return PW_OK;
    /* Posterior draws: run r uses row r mod n (same row for every regime,
     * so the comparison stays paired). */
    pw_scenario *c = pw_scenario_clone(s);
    if (!c)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    size_t row = (size_t)run % o->n_draws;
    for (size_t j = 0; j < o->n_draw_params; j++) {
        double x = o->draws[row * o->n_draw_params + j];
        if (pw_param_set(c, (size_t)o->draw_param_idx[j], x) != PW_OK) {
            int rc = pw_error_set(err, PW_EINVAL, NULL, (long)row + 2,
                                  pw_param_name(s, (size_t)o->draw_param_idx[j]),
                                  "posterior value %g is outside the allowed range", x);
            pw_scenario_free(c);
            return rc;
        }
    }
    *own = c;
    return PW_OK;
}

/* Simulates regime g on run `run`'s built society into `res`. */
static int one_pair(const pwi_world *base, pw_regime *const *regimes, size_t g, int run,
                    const pw_sim_opts *o, pw_results *res, pw_error *err)
{
    size_t K = pw_series_count(), M = pw_metric_count();
    pwi_run_result rr;
    memset(&rr, 0, sizeof rr);
    rr.series = calloc((size_t)o->years * K, sizeof *rr.series);
    if (!rr.series)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = pwi_world_run(base, regimes ? regimes[g] : NULL, &rr, err);
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
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    /* Runs are done in batches of `threads`: first each run's society is
     * built once (in parallel over runs), then every (run, regime) pair of
     * the batch is simulated from a copy of it (in parallel over pairs).
     * Every slot is written by exactly one task, so the order in which
     * threads finish does not matter. */
    int batch = threads;
    int *status = calloc(n_tasks + (size_t)o->runs, sizeof *status);
    pw_error *errs = calloc(n_tasks + (size_t)o->runs, sizeof *errs);
    pwi_world **bases = calloc((size_t)batch, sizeof *bases);
    pw_scenario **scen = calloc((size_t)batch, sizeof *scen);
    if (!status || !errs || !bases || !scen) {
        free(status);
        free(errs);
        free(bases);
        free(scen);
        pw_results_free(res);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    pw_progress *prog = o->progress ? pw_progress_start("simulating", (double)n_tasks) : NULL;
    int failed = 0;
    for (int r0 = 0; r0 < o->runs && !failed; r0 += batch) {
        int nb = o->runs - r0 < batch ? o->runs - r0 : batch;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (int j = 0; j < nb; j++) {
            int run = r0 + j;
            pw_error *e = &errs[n_tasks + (size_t)run];
            int rc = scenario_for_run(s, o, run, &scen[j], e);
            if (rc == PW_OK)
                rc = pwi_world_build(scen[j] ? scen[j] : s, o->years, (uint32_t)run, o->seed,
                                     scale, &bases[j], e);
            status[n_tasks + (size_t)run] = rc;
        }
        for (int j = 0; j < nb; j++)
            failed |= status[n_tasks + (size_t)(r0 + j)] != 0;
        if (!failed) {
            size_t np = (size_t)nb * n_regimes;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
            for (size_t p = 0; p < np; p++) {
                int run = r0 + (int)(p / n_regimes);
                size_t g = p % n_regimes, t = (size_t)run * n_regimes + g;
                status[t] = one_pair(bases[p / n_regimes], regimes, g, run, o, res, &errs[t]);
                if (prog)
                    pw_progress_add(prog, 1);
            }
        }
        for (int j = 0; j < nb; j++) {
            pwi_world_free(bases[j]);
            bases[j] = NULL;
            pw_scenario_free(scen[j]);
            scen[j] = NULL;
        }
    }
    pw_progress_finish(prog);
    free(bases);
    free(scen);
    int rc = PW_OK;
    /* Report the first failure in a fixed order, whatever thread hit it:
     * building run r, then its pairs. */
    for (int run = 0; run < o->runs && !rc; run++) {
        size_t tb = n_tasks + (size_t)run;
        if (status[tb]) {
            rc = status[tb];
            if (err)
                *err = errs[tb];
            break;
        }
        for (size_t g = 0; g < n_regimes; g++) {
            size_t t = (size_t)run * n_regimes + g;
            if (status[t]) {
                rc = status[t];
                if (err)
                    *err = errs[t];
                break;
            }
        }
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
