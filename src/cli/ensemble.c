/*
 * An ensemble over processes: the (setting, run) tasks of `pathways run`
 * (one setting) or `pathways run --sweep` (many) spread over MPI ranks.
 *
 * Why the task is (setting, run) and not (setting, regime, run): the
 * regimes of one run start from the same simulated society (common random
 * numbers), which pw_sim_run builds once per run and copies per regime, so
 * splitting a run's regimes over ranks would build that society once per
 * rank. Why the output does not depend on the number of ranks: run r of a
 * setting is a pure function of (scenario, regime, seed, r) whichever
 * process computes it (pw_sim_opts.run_lo/run_hi), rank r takes the r-th
 * contiguous block of the tasks (pw_par_block), and rank 0 puts the
 * gathered rows back in their fixed slots before anything is written.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

/* Doubles one (setting, run) task carries: every regime's metrics, then
 * every regime's yearly series. */
static size_t task_stride(size_t n_regs, int years)
{
    return n_regs * (pw_metric_count() + (size_t)years * pw_series_count());
}

static void pack(const pw_results *r, int run, double *row)
{
    size_t G = pw_results_regime_count(r), M = pw_metric_count(), K = pw_series_count();
    int Y = pw_results_years(r);
    for (size_t g = 0; g < G; g++)
        for (size_t m = 0; m < M; m++)
            *row++ = pw_results_metric(r, g, run, m);
    for (size_t g = 0; g < G; g++)
        for (int y = 0; y < Y; y++)
            for (size_t k = 0; k < K; k++)
                *row++ = pw_results_series(r, g, run, y, k);
}

static void unpack(pw_results *r, int run, const double *row)
{
    size_t G = pw_results_regime_count(r), M = pw_metric_count(), K = pw_series_count();
    int Y = pw_results_years(r);
    for (size_t g = 0; g < G; g++)
        for (size_t m = 0; m < M; m++)
            pw_results_set_metric(r, g, run, m, *row++);
    for (size_t g = 0; g < G; g++)
        for (int y = 0; y < Y; y++)
            for (size_t k = 0; k < K; k++)
                pw_results_set_series(r, g, run, y, k, *row++);
}

int pw_cli_ensemble(pw_scenario *const *scen, size_t n_set, pw_regime *const *regs,
                    size_t n_regs, const pw_sim_opts *o, pw_results **res)
{
    assert(n_set >= 1 && o->runs >= 1);
    size_t runs = (size_t)o->runs, n_tasks = n_set * runs, lo, hi;
    pw_par_block(n_tasks, &lo, &hi);
    int rc = PW_EXIT_OK;
    for (size_t k = 0; k < n_set; k++)
        res[k] = NULL;
    /* Every setting gets a results object on every rank, even one whose
     * runs all fall to other ranks (an empty share), so that the gather
     * below has a place for each. */
    for (size_t k = 0; k < n_set && rc == PW_EXIT_OK; k++) {
        size_t a = k * runs, b = a + runs;
        size_t mlo = lo > a ? lo : a, mhi = hi < b ? hi : b;
        pw_sim_opts ok = *o;
        if (mlo < mhi) {
            ok.run_lo = (int)(mlo - a);
            ok.run_hi = (int)(mhi - a);
        } else {
            ok.run_lo = ok.run_hi = o->runs; /* nothing to simulate here */
        }
        pw_error err;
        pw_error_clear(&err);
        if (pw_sim_run(scen[k], regs, n_regs, &ok, &res[k], &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways run");
            rc = err.status == PW_EINVAL ? PW_EXIT_BADINPUT : PW_EXIT_FAIL;
        } else if (n_set > 1 && o->progress) {
            /* A sweep can take hours: a line per setting, also in a log. */
            fprintf(stderr, "pathways run: setting %zu of %zu done\n", k + 1, n_set);
        }
    }
    /* The collective call below needs every rank: a rank that failed
     * returns, and pw_par_finish then aborts the others. */
    if (rc != PW_EXIT_OK || pw_par_size() == 1)
        goto done;
    /* The results' rows, not --years: a scenario with a history holds its
     * years too (every setting has the same scenario, so res[0] says). */
    size_t stride = task_stride(n_regs, pw_results_years(res[0]));
    double *buf = calloc(n_tasks * stride, sizeof *buf);
    if (!buf) {
        fprintf(stderr, "pathways run: out of memory gathering %zu runs\n", n_tasks);
        rc = PW_EXIT_FAIL;
        goto done;
    }
    for (size_t t = lo; t < hi; t++)
        pack(res[t / runs], (int)(t % runs), buf + t * stride);
    int grc = pw_par_gather(buf, n_tasks, stride);
    if (grc != PW_OK) {
        fprintf(stderr, "pathways run: gathering the runs over MPI failed (%s)\n",
                grc == PW_EINVAL ? "more than 2^31 numbers: fewer runs or years per job"
                                 : "communication error");
        rc = PW_EXIT_FAIL;
    } else if (pw_par_rank() == 0) {
        for (size_t t = 0; t < n_tasks; t++)
            if (t < lo || t >= hi)
                unpack(res[t / runs], (int)(t % runs), buf + t * stride);
    }
    free(buf);
done:
    if (rc != PW_EXIT_OK)
        for (size_t k = 0; k < n_set; k++) {
            pw_results_free(res[k]);
            res[k] = NULL;
        }
    return rc;
}
