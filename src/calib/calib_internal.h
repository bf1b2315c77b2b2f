/* Internal helpers shared by the files of src/calib. */
#ifndef PW_CALIB_INTERNAL_H
#define PW_CALIB_INTERNAL_H

#include <omp.h>

#include "pathways/calib.h"

/* Random-number purposes (pw_rng_seek) of the calib samplers. */
enum {
    PWI_RNG_ABC = 200,
    PWI_RNG_SOBOL_BOOT = 201,
    PWI_RNG_MORRIS = 202,
    PWI_RNG_PRIOR_BASE = 203
};

/* x[i] = natural value of unit coordinate u[i], for every parameter. */
void pwi_space_map(const pw_space *sp, const double *u, double *x);

/* Number of OpenMP threads to use: `requested`, or all when 0. */
int pwi_threads(int requested);

/*
 * Evaluates f at the n points X (n x dim, natural units) spread over the MPI
 * ranks (par.c): this rank takes its contiguous block on `threads` OpenMP
 * threads, then every rank receives all of Y (n x n_out) in index order.
 * Point e gets index index0 + e; points with active[e] == 0 are skipped
 * (their outputs are NaN; active NULL = all). `prog` (may be NULL) advances
 * by one per point of the whole batch. Every point is evaluated even after
 * a failure; returns PW_OK, or the status of the failing point with the
 * lowest index, stored in *failed (n when none), the same on every rank.
 * Collective: every rank must call it with the same n, n_out and points.
 */
int pwi_par_eval(pw_eval_fn f, void *ctx, const double *X, const unsigned char *active,
                 size_t n, size_t dim, size_t n_out, uint64_t index0, int threads,
                 pw_progress *prog, double *Y, size_t *failed);

/* Society scenarios as problems (problem_sim.c). */
int pwi_problem_sim_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                        void **state, pw_space **space, int *start_year, pw_error *err);
void pwi_problem_sim_free(void *state);
int pwi_problem_sim_eval(void *state, const double *x, uint64_t index, double *y);
size_t pwi_problem_sim_columns(const void *state);
const char *pwi_problem_sim_column_name(const void *state, size_t j);
void pwi_problem_sim_column_values(const void *state, const double *x, double *out);

/* pw_ode_solve with the solver's absolute and relative tolerances. */
int pwi_ode_solve_tol(size_t dim, pw_ode_fn f, void *ctx, const double *y0, double t0,
                      double dt, size_t n_out, double *out, double eps_abs, double eps_rel,
                      pw_error *err);
/* pw_mf_society_run with the solver's relative tolerance (pw_mf_society_run:
 * 1e-8). The sensitivity screen uses 1e-5: its 2043 stocks agree with
 * 1e-8's to four digits on Almaty at a third of the time. */
int pwi_mf_society_run_tol(const pw_scenario *s, const pw_regime *regime, double scale_population,
                           int years, pw_results *res, size_t g, int run, double eps_rel,
                           pw_error *err);

#endif
