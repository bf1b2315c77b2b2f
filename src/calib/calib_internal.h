/* Internal helpers shared by the files of src/calib. */
#ifndef PW_CALIB_INTERNAL_H
#define PW_CALIB_INTERNAL_H

#include <omp.h>

#include "pathways/calib.h"

/* Random-number purposes (pw_rng_seek) of the calib samplers. */
enum {
    PWI_RNG_ABC = 200,
    PWI_RNG_SOBOL_BOOT = 201,
    PWI_RNG_MORRIS = 202
};

/* x[i] = natural value of unit coordinate u[i], for every parameter. */
void pwi_space_map(const pw_space *sp, const double *u, double *x);

/* Number of OpenMP threads to use: `requested`, or all when 0. */
int pwi_threads(int requested);

/* Society scenarios as problems (problem_sim.c). */
int pwi_problem_sim_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                        void **state, pw_space **space, int *start_year, pw_error *err);
void pwi_problem_sim_free(void *state);
int pwi_problem_sim_eval(void *state, const double *x, uint64_t index, double *y);

#endif
