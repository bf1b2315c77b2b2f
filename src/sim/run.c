/*
 * pw_sim_run: every (regime, run) pair simulated in parallel with OpenMP.
 *
 * Each pair is a pure function of (scenario, regime, seed, run): run r of
 * every regime rebuilds the same population and ties from the same random
 * coordinates (common random numbers), and results land in fixed slots, so
 * the output is the same whatever the number of threads.
 *
 * A scenario with a history (history_start_year) simulates it once per
 * (run, region), under the scenario's history_regime, right after the
 * society is built; every regime's world is then a copy of that world at
 * the projection's start, so the history costs one run's years however
 * many regimes are compared, and all of them start from the same state.
 */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "pathways/engine.h"
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

int pw_sim_run(const pw_scenario *s, pw_regime *const *regimes, size_t n_regimes,
               const pw_sim_opts *o, pw_results **out, pw_error *err)
{
    *out = NULL;
    if (n_regimes < 1 || o->runs < 1 || o->years < 1)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "need at least one regime, run and year");
    double scale = o->scale > 0 ? o->scale : s->default_scale;
    if (!(scale > 0 && scale <= 1))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "scale", "scale must lie in (0, 1]");
    /* The history (if any): its years come first in the results, and the
     * regime in force then is one of the compared ones or loaded by name
     * (none when the caller simulates without regimes). */
    int H = pwi_history_years(s), T = H + o->years;
    const pw_regime *hreg = NULL;
    pw_regime *hown = NULL;
    if (H > 0 && regimes) {
        for (size_t g = 0; g < n_regimes && !hreg; g++)
            if (regimes[g] && strcmp(pw_regime_name(regimes[g]), s->history_regime) == 0)
                hreg = regimes[g];
        if (!hreg) {
            int lrc = pw_regime_load(s->history_regime, &hown, err);
            if (lrc)
                return lrc;
            hreg = hown;
        }
    }
    const char **names = calloc(n_regimes, sizeof *names);
    if (!names) {
        pw_regime_free(hown);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    for (size_t g = 0; g < n_regimes; g++)
        names[g] = regimes && regimes[g] ? pw_regime_name(regimes[g]) : "none";
    pw_results *res = pw_results_new(s->name, H ? s->history_start_year : s->start_year, T,
                                     o->runs, o->seed, names, n_regimes);
    free(names);
    if (!res || pw_results_set_bands(res, s)) {
        pw_results_free(res);
        pw_regime_free(hown);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    pw_results_set_scale(res, scale);
    pw_results_set_projection_year(res, s->start_year);

    size_t n_tasks = n_regimes * (size_t)o->runs;
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    int R = s->regions > 0 ? s->regions : 1;
    size_t K = pw_series_count(), M = pw_metric_count();
    /* Runs are done in batches: first each (run, region) society is built
     * once, in parallel; then every (run, regime, region) is simulated, in
     * parallel, from a copy of it (or from the society itself when there
     * is one regime). Each task writes its own slot and the regions are
     * summed in a fixed order afterwards, so the order in which threads
     * finish does not matter. */
    /* A multi-region run that stops outside a band (calibration: one run,
     * one regime) steps its regions together, since a band judges their
     * sum (pwi_worlds_run_together); the history then runs there too. */
    int together = o->stop_outside_bands && R > 1 && n_regimes == 1;
    int batch = (threads + R - 1) / R;
    if (batch < 1)
        batch = 1;
    size_t max_b = (size_t)batch * (size_t)R, max_p = max_b * n_regimes;
    int *status = calloc(max_b + max_p, sizeof *status);
    pw_error *errs = calloc(max_b + max_p, sizeof *errs);
    pwi_world **bases = calloc(max_b, sizeof *bases);
    pw_scenario **scen = calloc((size_t)batch, sizeof *scen);
    pwi_run_result *rr = calloc(max_p, sizeof *rr);
    double *series = calloc(max_p * (size_t)T * K, sizeof *series);
    double *hseries = calloc(H ? max_b * (size_t)H * K : 1, sizeof *hseries);
    int rc = PW_OK;
    if (!status || !errs || !bases || !scen || !rr || !series || !hseries) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* A share of the runs (o->run_lo .. o->run_hi) when processes split
     * the ensemble: run r is built from the same coordinates either way. */
    int run_lo = o->run_hi > 0 ? o->run_lo : 0, run_hi = o->run_hi > 0 ? o->run_hi : o->runs;
    if (run_lo < 0 || run_lo > run_hi || run_hi > o->runs) {
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "runs %d..%d outside 0..%d", run_lo,
                          run_hi, o->runs);
        goto done;
    }
    n_tasks = n_regimes * (size_t)(run_hi - run_lo);
    pw_progress *prog = o->progress && n_tasks ? pw_progress_start("simulating", (double)n_tasks * R)
                                               : NULL;
    for (int r0 = run_lo; r0 < run_hi && rc == PW_OK; r0 += batch) {
        int nb = run_hi - r0 < batch ? run_hi - r0 : batch;
        size_t n_b = (size_t)nb * (size_t)R, n_p = n_b * n_regimes;
        memset(status, 0, (max_b + max_p) * sizeof *status);
        for (int j = 0; j < nb && rc == PW_OK; j++)
            rc = scenario_for_run(s, o, r0 + j, &scen[j], err);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (size_t b = 0; b < n_b; b++) {
            if (rc != PW_OK)
                continue;
            size_t j = b / (size_t)R;
            const pw_scenario *use = scen[j] ? scen[j] : s;
            status[b] = pwi_world_build_history(use, H, o->years, (uint32_t)(r0 + (int)j),
                                                (int)(b % (size_t)R), o->seed, scale,
                                                &bases[b], &errs[b]);
            /* One regime of one region only (pw_sim_opts.stop_outside_bands). */
            if (status[b] == PW_OK)
                pwi_world_stop_outside_bands(bases[b],
                                             o->stop_outside_bands && R == 1 && n_regimes == 1);
            if (status[b] == PW_OK && H && !together) {
                /* The slot held an earlier batch's history, and a
                 * re-conviction adds to its release year's row. */
                double *hs = hseries + b * (size_t)H * K;
                memset(hs, 0, (size_t)H * K * sizeof *hs);
                status[b] = pwi_world_history(bases[b], hreg, hs, &errs[b]);
            }
        }
        for (size_t b = 0; b < n_b && rc == PW_OK; b++)
            if (status[b]) {
                rc = status[b];
                if (err)
                    *err = errs[b];
            }
        if (rc == PW_OK && together) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
            for (int j = 0; j < nb; j++) {
                /* n_regimes == 1: slot p of (run j, region i) is b = j R + i */
                size_t b0 = (size_t)j * (size_t)R;
                double *hs[PWI_MAX_REGIONS];
                pwi_run_result *outs[PWI_MAX_REGIONS];
                for (int i = 0; i < R; i++) {
                    size_t b = b0 + (size_t)i;
                    hs[i] = hseries + b * (size_t)H * K;
                    memset(hs[i], 0, (size_t)H * K * sizeof *hs[i]);
                    memset(&rr[b], 0, sizeof rr[b]);
                    rr[b].series = series + b * (size_t)T * K;
                    memset(rr[b].series, 0, (size_t)T * K * sizeof *series);
                    outs[i] = &rr[b];
                }
                status[max_b + b0] = pwi_worlds_run_together(
                    &bases[b0], R, hreg, hs, regimes ? regimes[0] : NULL, outs, &errs[max_b + b0]);
                for (int i = 0; i < R; i++)
                    if (status[max_b + b0] == PW_OK && !rr[b0 + (size_t)i].invariant_ok)
                        status[max_b + b0 + (size_t)i] =
                            pw_error_set(&errs[max_b + b0 + (size_t)i], PW_EINVAL, NULL, 0, NULL,
                                         "internal error: population accounting broke");
                if (prog)
                    pw_progress_add(prog, R);
            }
        }
        if (rc == PW_OK) {
            size_t n_apart = together ? 0 : n_p; /* the regions stepped apart */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
            for (size_t p = 0; p < n_apart; p++) {
                /* p = (j * n_regimes + g) * R + region */
                size_t b = (p / ((size_t)R * n_regimes)) * (size_t)R + p % (size_t)R;
                size_t g = (p / (size_t)R) % n_regimes;
                memset(&rr[p], 0, sizeof rr[p]);
                rr[p].series = series + p * (size_t)T * K;
                memset(rr[p].series, 0, (size_t)T * K * sizeof *series);
                /* The history's rows are every regime's first rows (a
                 * re-conviction in the projection may still add to them). */
                if (H)
                    memcpy(rr[p].series, hseries + b * (size_t)H * K,
                           (size_t)H * K * sizeof *series);
                const pw_regime *reg = regimes ? regimes[g] : NULL;
                if (n_regimes == 1) {
                    status[max_b + p] = pwi_world_run_consume(bases[b], reg, &rr[p], &errs[max_b + p]);
                    bases[b] = NULL;
                } else {
                    status[max_b + p] = pwi_world_run(bases[b], reg, &rr[p], &errs[max_b + p]);
                }
                if (status[max_b + p] == PW_OK && !rr[p].invariant_ok)
                    status[max_b + p] = pw_error_set(&errs[max_b + p], PW_EINVAL, NULL, 0, NULL,
                                                     "internal error: population accounting broke");
                if (prog)
                    pw_progress_add(prog, 1);
            }
            /* Sum the regions of each (run, regime), region 0 first. */
            for (size_t q = 0; q < n_p / (size_t)R && rc == PW_OK; q++) {
                int run = r0 + (int)(q / n_regimes);
                size_t g = q % n_regimes;
                for (int rg = 0; rg < R && rc == PW_OK; rg++) {
                    size_t p = q * (size_t)R + (size_t)rg;
                    if (status[max_b + p]) {
                        rc = status[max_b + p];
                        if (err)
                            *err = errs[max_b + p];
                        break;
                    }
                    for (size_t m = 0; m < M; m++)
                        pw_results_set_metric(res, g, run, m,
                                              (rg ? pw_results_metric(res, g, run, m) : 0) +
                                                  rr[p].metrics[m]);
                    for (int y = 0; y < T; y++)
                        for (size_t k = 0; k < K; k++)
                            pw_results_set_series(
                                res, g, run, y, k,
                                (rg ? pw_results_series(res, g, run, y, k) : 0) +
                                    rr[p].series[(size_t)y * K + k]);
                }
                if (rc == PW_OK)
                    pwi_results_derive(res, g, run);
            }
        }
        for (size_t b = 0; b < n_b; b++) {
            pwi_world_free(bases[b]);
            bases[b] = NULL;
        }
        for (int j = 0; j < nb; j++) {
            pw_scenario_free(scen[j]);
            scen[j] = NULL;
        }
    }
    pw_progress_finish(prog);
done:
    pw_regime_free(hown);
    free(hseries);
    free(bases);
    free(scen);
    free(rr);
    free(series);
    free(status);
    free(errs);
    if (rc) {
        pw_results_free(res);
        return rc;
    }
    *out = res;
    return PW_OK;
}
