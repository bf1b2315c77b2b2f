/*
 * bench_calib: simulations per second as calibrate and sensitivity use
 * them: LHY solves (the mean-field model), one ABC-SMC calibration and one
 * Sobol analysis of the LHY scenario, and a batch of 2-year agent-based
 * runs (the expensive simulator).
 *
 *   bench_calib            1 thread, then all cores
 *   bench_calib T          T threads only
 *   mpirun -np R bench_calib T    R ranks x T threads (built with MPI;
 *                                 bench/bench_calib_mpi.sh runs the grid)
 *
 * Prints figures (rank 0 only); never fails on a slow machine.
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

/* CPU seconds of this process (all its threads). On a machine shared with
 * other jobs wall time measures the share the scheduler gave us; CPU time
 * per simulation still measures the work, including what MPI adds
 * (waiting ranks poll). Rank 0's figure times the number of ranks
 * approximates the job's, as the blocks are equal. */
static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One timed pw_eval_batch of n points of problem p; every rank takes part
 * (the batch is collective), rank 0 prints. */
static void batch(pw_problem *p, size_t n, int threads, const char *what)
{
    const pw_space *sp = pw_problem_space(p);
    size_t dim = pw_space_dim(sp), n_out = pw_problem_outputs(p);
    double *X = malloc(n * dim * sizeof(double)), *Y = malloc(n * n_out * sizeof(double));
    pw_error err;
    if (!X || !Y) {
        free(X);
        free(Y);
        return;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < dim; i++)
            X[r * dim + i] = pw_space_from_unit(sp, i, (double)((r * 7 + i * 13) % 101) / 100.0);
    double t0 = now(), c0 = cpu();
    int rc = pw_eval_batch(pw_problem_eval, p, X, n, dim, n_out, 0, threads, Y, &err);
    double dt = now() - t0, dc = cpu() - c0;
    if (rc != PW_OK)
        pw_error_print(&err, stderr, "bench_calib");
    else if (pw_par_rank() == 0)
        printf("%s, %d rank(s) x %d thread(s): %zu simulations in %.2f s = %.1f simulations/s; "
               "%.1f per CPU-second\n",
               what, pw_par_size(), threads, n, dt, (double)n / dt,
               (double)n / (dc * pw_par_size()));
    free(X);
    free(Y);
}

static int bench(int threads)
{
    int R = pw_par_size();
    pw_error err;
    const char *outs[] = {"users@1985", "users@1992", "initiation@1991"};
    pw_problem_opts po = {.scenario = "lhy-us-cocaine", .years = 23, .scale = 0.05, .seed = 1};
    pw_problem *p = NULL;
    if (pw_problem_new(&po, outs, 3, &p, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench_calib");
        return 1;
    }
    const pw_space *sp = pw_problem_space(p);
    batch(p, 4000, threads, "lhy 23-year solves");
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.threads = threads;
    pw_abc_result *ar = NULL;
    double obs[3] = {12e6, 5e6, 1e6}, sd[3] = {2e6, 1e6, 2e5};
    pw_abc_data d = {3, obs, sd};
    double t0 = now(), c0 = cpu();
    if (pw_abc_smc(sp, pw_problem_eval, p, &d, &o, &ar, &err) == PW_OK) {
        double dt = now() - t0, dc = cpu() - c0;
        if (pw_par_rank() == 0)
            printf("abc-smc (500 particles, %d generations), %d rank(s) x %d thread(s): %zu "
                   "simulations in %.2f s = %.0f/s; %.0f per CPU-second\n",
                   ar->generations, R, threads, ar->sims, dt, (double)ar->sims / dt,
                   (double)ar->sims / (dc * R));
    }
    pw_abc_result_free(ar);
    pw_sobol_result *sr = NULL;
    t0 = now();
    c0 = cpu();
    if (pw_sobol(sp, pw_problem_eval, p, 3, 1024, 1, threads, 0, &sr, &err) == PW_OK) {
        double dt = now() - t0, dc = cpu() - c0;
        if (pw_par_rank() == 0)
            printf("sobol (1024 rows, 8 parameters), %d rank(s) x %d thread(s): %zu simulations "
                   "in %.2f s = %.0f/s; %.0f per CPU-second\n",
                   R, threads, sr->evals, dt, (double)sr->evals / dt,
                   (double)sr->evals / (dc * R));
    }
    pw_sobol_result_free(sr);
    pw_problem_free(p);

    /* The agent-based engine, as calibrate runs it on a society scenario:
     * Almaty at 1% of the population, 2-year runs. */
    const char *souts[] = {"pwid@2025", "drug_crimes@2025"};
    pw_problem_opts so = {.scenario = "almaty", .regime = "kz-current", .years = 2, .scale = 0.01, .seed = 1};
    if (pw_problem_new(&so, souts, 2, &p, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench_calib");
        return 1;
    }
    batch(p, 64, threads, "abm almaty 1%, 2-year runs");
    pw_problem_free(p);
    return 0;
}

int main(int argc, char **argv)
{
    pw_error err;
    if (pw_par_init(&argc, &argv, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench_calib");
        return pw_par_finish(1);
    }
    int rc = 0;
    if (argc > 1) {
        int t = atoi(argv[1]);
        rc = bench(t > 0 ? t : 1);
    } else {
        int maxt = omp_get_max_threads();
        rc = bench(1);
        if (!rc && maxt > 1)
            rc = bench(maxt);
    }
    return pw_par_finish(rc);
}
