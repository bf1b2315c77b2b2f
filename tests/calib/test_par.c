/*
 * Evaluations spread over processes (src/calib/par.c), through the public
 * entry points: pw_eval_batch returns every output to every rank in index
 * order, including when a rank's block is empty; a failing evaluation is
 * reported identically on every rank, as the lowest failing index; ABC-SMC
 * leaves the same population on every rank, and a failure inside it ends
 * every rank with the same error instead of a hang.
 *
 * Run as a plain program (one rank: the path without MPI, in every build)
 * and, in the MPI build, under `mpirun -np 3` (calib_par_mpi), where each
 * rank checks its own copy; pw_par_finish turns a failure on any rank into
 * a non-zero exit of mpirun.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathways/calib.h"
#include "pathways/rng.h"

/* Outputs that depend on the point and its index only. */
static int affine(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    y[0] = 2.0 * x[0] + 1.0;
    y[1] = (double)index;
    return PW_OK;
}

/* Fails at points 40 (PW_EIO) and 90 (PW_EINVAL) of a batch from index 0:
 * with 3 ranks and 100 points these lie in the blocks of ranks 1 and 2. */
static int fails_twice(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    y[0] = x[0];
    if (index == 40)
        return PW_EIO;
    if (index == 90)
        return PW_EINVAL;
    return PW_OK;
}

static void test_batch_gathers_in_order(void **state)
{
    (void)state;
    /* 100 points: blocks of 33, 33, 34 on 3 ranks; 2 points: one rank idle. */
    size_t sizes[] = {100, 2, 1};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        double *X = malloc(n * sizeof(double)), *Y = malloc(n * 2 * sizeof(double));
        assert_non_null(X);
        assert_non_null(Y);
        for (size_t e = 0; e < n; e++) {
            X[e] = (double)e * 0.5;
            Y[2 * e] = Y[2 * e + 1] = -1.0;
        }
        pw_error err;
        pw_error_clear(&err);
        assert_int_equal(pw_eval_batch(affine, NULL, X, n, 1, 2, 1000, 2, Y, &err), PW_OK);
        for (size_t e = 0; e < n; e++) {
            assert_true(Y[2 * e] == (double)e + 1.0);
            assert_true(Y[2 * e + 1] == (double)(1000 + e));
        }
        free(X);
        free(Y);
    }
}

static void test_failure_is_the_same_everywhere(void **state)
{
    (void)state;
    size_t n = 100;
    double X[100], Y[100];
    for (size_t e = 0; e < n; e++)
        X[e] = (double)e;
    pw_error err;
    pw_error_clear(&err);
    /* The lowest failing index wins, whichever rank or thread found it. */
    assert_int_equal(pw_eval_batch(fails_twice, NULL, X, n, 1, 1, 0, 2, Y, &err), PW_EIO);
    assert_non_null(strstr(err.msg, "evaluation 40 failed"));
    /* The other outputs were still gathered. */
    assert_true(Y[39] == 39.0 && Y[99] == 99.0);
}

/* y = theta + noise from the index: a stochastic model. */
static int noisy(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    uint32_t run = (uint32_t)(index >> 40), subj = (uint32_t)(index & 0xffffffffu);
    y[0] = x[0] + 0.2 * (pw_rng_u01(9, run, 30, subj, 0) - 0.5);
    return PW_OK;
}

/* Fails at one proposal of generation 1. */
static int noisy_fails(void *ctx, const double *x, uint64_t index, double *y)
{
    if (index == (((uint64_t)1 << 40) | 77))
        return PW_EINVAL;
    return noisy(ctx, x, index, y);
}

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Point e of a batch of pw_par_size() points is evaluated by rank e (the
 * blocks are one point each), so this gathers one value from every rank. */
static double my_value;
static int rank_value(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    (void)x;
    (void)index;
    y[0] = my_value;
    return PW_OK;
}

static void test_abc_same_population_on_every_rank(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    assert_int_equal(pw_space_add(sp, "theta", PW_SPACE_UNIFORM, -2.0, 2.0), PW_OK);
    double obs = 0.5, scale = 0.1;
    pw_abc_data data = {1, &obs, &scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.particles = 200;
    o.max_generations = 4;
    o.seed = 11;
    o.threads = 2;
    pw_abc_result *r = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_abc_smc(sp, noisy, NULL, &data, &o, &r, &err), PW_OK);
    assert_int_equal(r->generations, 4);
    /* The posterior moved towards the observation: a real run. */
    double m = 0.0;
    for (size_t i = 0; i < r->n; i++)
        m += r->weight[i] * r->theta[i];
    assert_true(fabs(m - obs) < 0.1);
    uint64_t h = 14695981039346656037ull;
    h = fnv(h, r->theta, r->n * r->dim * sizeof(double));
    h = fnv(h, r->weight, r->n * sizeof(double));
    h = fnv(h, r->y, r->n * sizeof(double));
    h = fnv(h, &r->sims, sizeof r->sims);
    int size = pw_par_size();
    double *X = calloc((size_t)size, sizeof(double)), *Y = calloc((size_t)size, sizeof(double));
    assert_non_null(X);
    assert_non_null(Y);
    /* Both 32-bit halves travel exactly as doubles. */
    for (int half = 0; half < 2; half++) {
        my_value = (double)(uint32_t)(half ? h >> 32 : h);
        assert_int_equal(pw_eval_batch(rank_value, NULL, X, (size_t)size, 1, 1, 0, 1, Y, &err),
                         PW_OK);
        for (int k = 0; k < size; k++)
            assert_true(Y[k] == my_value);
    }
    free(X);
    free(Y);
    pw_abc_result_free(r);

    /* A failure inside a generation: the same error on every rank. */
    r = NULL;
    pw_error_clear(&err);
    assert_int_equal(pw_abc_smc(sp, noisy_fails, NULL, &data, &o, &r, &err), PW_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err.msg, "simulation 77 of generation 1 failed"));
    pw_space_free(sp);
}

int main(int argc, char **argv)
{
    pw_error err;
    if (pw_par_init(&argc, &argv, &err) != PW_OK) {
        pw_error_print(&err, stderr, "test_par");
        return pw_par_finish(1);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_gathers_in_order),
        cmocka_unit_test(test_failure_is_the_same_everywhere),
        cmocka_unit_test(test_abc_same_population_on_every_rank),
    };
    return pw_par_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
