/*
 * bench_calib: simulations per second of the mean-field engine as used by
 * calibrate and sensitivity, on 1 thread and on all cores, and the cost of
 * one ABC-SMC calibration and one Sobol analysis of the LHY scenario.
 * Prints figures; never fails on a slow machine.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pathways/calib.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    pw_error err;
    const char *outs[] = {"users@1985", "users@1992", "initiation@1991"};
    pw_problem_opts po = {"lhy-us-cocaine", NULL, NULL, 23, 0.05, 1};
    pw_problem *p = NULL;
    if (pw_problem_new(&po, outs, 3, &p, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench_calib");
        return 1;
    }
    const pw_space *sp = pw_problem_space(p);
    size_t dim = pw_space_dim(sp), n = 4000;
    double *X = malloc(n * dim * sizeof(double)), *Y = malloc(n * 3 * sizeof(double));
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < dim; i++)
            X[r * dim + i] = pw_space_from_unit(sp, i, (double)((r * 7 + i * 13) % 101) / 100.0);
    int maxt = omp_get_max_threads();
    int counts[2] = {1, maxt};
    for (int c = 0; c < (maxt > 1 ? 2 : 1); c++) {
        int t = counts[c];
        double t0 = now();
        pw_eval_batch(pw_problem_eval, p, X, n, dim, 3, 0, t, Y, &err);
        double dt = now() - t0;
        printf("lhy 23-year solves, %d thread(s): %.0f simulations/s\n", t, (double)n / dt);
    }
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    pw_abc_result *ar = NULL;
    double obs[3] = {12e6, 5e6, 1e6}, sd[3] = {2e6, 1e6, 2e5};
    pw_abc_data d = {3, obs, sd};
    double t0 = now();
    if (pw_abc_smc(sp, pw_problem_eval, p, &d, &o, &ar, &err) == PW_OK) {
        double dt = now() - t0;
        printf("abc-smc (500 particles, %d generations): %zu simulations in %.2f s = %.0f/s\n",
               ar->generations, ar->sims, dt, (double)ar->sims / dt);
    }
    pw_abc_result_free(ar);
    pw_sobol_result *sr = NULL;
    t0 = now();
    if (pw_sobol(sp, pw_problem_eval, p, 3, 1024, 1, 0, 0, &sr, &err) == PW_OK) {
        double dt = now() - t0;
        printf("sobol (1024 rows, 8 parameters): %zu simulations in %.2f s = %.0f/s\n", sr->evals,
               dt, (double)sr->evals / dt);
    }
    pw_sobol_result_free(sr);
    free(X);
    free(Y);
    pw_problem_free(p);
    return 0;
}
