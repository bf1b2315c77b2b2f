/*
 * Sobol indices and Morris screening on functions with known answers:
 * the Ishigami function (analytic first and total indices) and additive
 * functions (indices proportional to squared coefficients, exact
 * elementary effects).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathways/calib.h"

static int ishigami(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    (void)index;
    const double a = 7.0, b = 0.1;
    y[0] = sin(x[0]) + a * pow(sin(x[1]), 2) + b * pow(x[2], 4) * sin(x[0]);
    return PW_OK;
}

/* Two outputs: f0 = x0 + 2 x1 (x3 inert), f1 = 3 x0 + x1^2. */
static int additive(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    (void)index;
    y[0] = x[0] + 2.0 * x[1] + 0.0 * x[2];
    y[1] = 3.0 * x[0] + x[1] * x[1];
    return PW_OK;
}

static int failing(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    (void)x;
    y[0] = 0.0;
    return index == 17 ? PW_EINVAL : PW_OK;
}

static pw_space *box(size_t n, double lo, double hi)
{
    pw_space *sp = pw_space_new();
    char name[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "x%zu", i);
        assert_int_equal(pw_space_add(sp, name, PW_SPACE_UNIFORM, lo, hi), PW_OK);
    }
    return sp;
}

static void test_sobol_ishigami(void **state)
{
    (void)state;
    pw_space *sp = box(3, -M_PI, M_PI);
    pw_sobol_result *r = NULL;
    pw_error err;
    assert_int_equal(pw_sobol(sp, ishigami, NULL, 1, 8192, 1, 0, 0, &r, &err), PW_OK);
    assert_int_equal(r->evals, 8192 * 5);
    /* Analytic values (Ishigami & Homma 1990; a = 7, b = 0.1). */
    const double a = 7.0, b = 0.1, pi4 = pow(M_PI, 4), pi8 = pow(M_PI, 8);
    double V1 = 0.5 * pow(1.0 + b * pi4 / 5.0, 2), V2 = a * a / 8.0;
    double V13 = b * b * pi8 * (1.0 / 18.0 - 1.0 / 50.0);
    double V = V1 + V2 + V13;
    double S[3] = {V1 / V, V2 / V, 0.0}, ST[3] = {(V1 + V13) / V, V2 / V, V13 / V};
    assert_true(fabs(r->var[0] - V) / V < 0.02);
    for (int i = 0; i < 3; i++) {
        assert_true(fabs(r->first[i] - S[i]) < 0.02);
        assert_true(fabs(r->total[i] - ST[i]) < 0.02);
        /* The bootstrap intervals are informative and cover the truth
         * (allowing for the small bias of QMC points). */
        assert_true(r->first_ci[i] > 0.0 && r->first_ci[i] < 0.05);
        assert_true(fabs(r->first[i] - S[i]) < r->first_ci[i] * 1.5 + 0.005);
        assert_true(fabs(r->total[i] - ST[i]) < r->total_ci[i] * 1.5 + 0.005);
    }
    pw_sobol_result_free(r);
    pw_space_free(sp);
}

static void test_sobol_additive_two_outputs(void **state)
{
    (void)state;
    pw_space *sp = box(3, 0.0, 1.0);
    pw_sobol_result *r = NULL;
    assert_int_equal(pw_sobol(sp, additive, NULL, 2, 4096, 1, 2, 0, &r, NULL), PW_OK);
    /* f0 = x0 + 2 x1: S = (1/5, 4/5, 0), no interactions. */
    assert_true(fabs(r->first[0 * 2 + 0] - 0.2) < 0.01);
    assert_true(fabs(r->first[1 * 2 + 0] - 0.8) < 0.01);
    assert_true(fabs(r->first[2 * 2 + 0]) < 0.01);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(r->total[i * 2 + 0] - r->first[i * 2 + 0]) < 0.01);
    /* f1 = 3 x0 + x1^2: Var = 9/12 + 4/45. */
    double v0 = 9.0 / 12.0, v1 = 4.0 / 45.0;
    assert_true(fabs(r->first[0 * 2 + 1] - v0 / (v0 + v1)) < 0.01);
    assert_true(fabs(r->first[1 * 2 + 1] - v1 / (v0 + v1)) < 0.01);
    pw_sobol_result_free(r);
    pw_space_free(sp);
}

static void test_sobol_threads_identical(void **state)
{
    (void)state;
    pw_space *sp = box(3, -M_PI, M_PI);
    pw_sobol_result *r1 = NULL, *r3 = NULL;
    assert_int_equal(pw_sobol(sp, ishigami, NULL, 1, 512, 9, 1, 0, &r1, NULL), PW_OK);
    assert_int_equal(pw_sobol(sp, ishigami, NULL, 1, 512, 9, 3, 0, &r3, NULL), PW_OK);
    assert_memory_equal(r1->first, r3->first, 3 * sizeof(double));
    assert_memory_equal(r1->total_ci, r3->total_ci, 3 * sizeof(double));
    pw_sobol_result_free(r1);
    pw_sobol_result_free(r3);
    pw_space_free(sp);
}

static void test_model_failure_reported(void **state)
{
    (void)state;
    pw_space *sp = box(2, 0.0, 1.0);
    pw_sobol_result *r = NULL;
    pw_error err;
    assert_int_equal(pw_sobol(sp, failing, NULL, 1, 64, 1, 2, 0, &r, &err), PW_EINVAL);
    assert_null(r);
    pw_morris_result *m = NULL;
    assert_int_equal(pw_morris(sp, failing, NULL, 1, 10, 4, 1, 2, &m, &err), PW_EINVAL);
    assert_null(m);
    pw_space_free(sp);
}

static void test_morris_additive(void **state)
{
    (void)state;
    pw_space *sp = box(3, 0.0, 1.0);
    pw_morris_result *r = NULL;
    assert_int_equal(pw_morris(sp, additive, NULL, 2, 40, 4, 3, 0, &r, NULL), PW_OK);
    assert_int_equal(r->evals, 40 * 4);
    /* Linear effects are exact, with no spread: EE = coefficient x range. */
    assert_true(fabs(r->mu_star[0 * 2 + 0] - 1.0) < 1e-9 && r->sigma[0 * 2 + 0] < 1e-9);
    assert_true(fabs(r->mu_star[1 * 2 + 0] - 2.0) < 1e-9 && r->sigma[1 * 2 + 0] < 1e-9);
    assert_true(fabs(r->mu_star[2 * 2 + 0]) < 1e-12);
    assert_true(fabs(r->mu_star[0 * 2 + 1] - 3.0) < 1e-9);
    /* x1^2 with a step of 2/3 on the 4-level grid: EE in {2/3, 4/3},
     * so mu* lies between and sigma > 0 flags the non-linearity. */
    assert_true(r->mu_star[1 * 2 + 1] >= 2.0 / 3.0 - 1e-9 && r->mu_star[1 * 2 + 1] <= 4.0 / 3.0 + 1e-9);
    assert_true(r->sigma[1 * 2 + 1] > 0.05);
    pw_morris_result_free(r);
    pw_space_free(sp);
}

static void test_morris_ishigami_ranking(void **state)
{
    (void)state;
    pw_space *sp = box(3, -M_PI, M_PI);
    pw_morris_result *r = NULL;
    assert_int_equal(pw_morris(sp, ishigami, NULL, 1, 200, 4, 5, 0, &r, NULL), PW_OK);
    /* x2 (a sin^2) and x1 dominate; x3 acts only through its interaction
     * with x1, which shows as sigma comparable to mu*. */
    assert_true(r->mu_star[0] > r->mu_star[2] * 0.5);
    assert_true(r->mu_star[1] > r->mu_star[2]);
    assert_true(fabs(r->mu[1]) < r->mu_star[1]);
    pw_morris_result_free(r);
    pw_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sobol_ishigami),
        cmocka_unit_test(test_sobol_additive_two_outputs),
        cmocka_unit_test(test_sobol_threads_identical),
        cmocka_unit_test(test_model_failure_reported),
        cmocka_unit_test(test_morris_additive),
        cmocka_unit_test(test_morris_ishigami_ranking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
