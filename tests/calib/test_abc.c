/*
 * ABC-SMC tested statistically on models whose posterior is known in
 * closed form: a normal mean with a flat prior (posterior N(obs, sigma^2)),
 * a two-parameter model with a correlated posterior, and a log-uniform
 * prior. Also: identical results on 1 and 4 threads.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathways/calib.h"
#include "pathways/rng.h"

#define SIGMA 0.2

/* A standard normal from the evaluation index (Box-Muller on two
 * counter-based uniforms), so each evaluation has its own noise. */
static double gauss(uint64_t index, uint32_t which)
{
    uint32_t run = (uint32_t)(index >> 40), subj = (uint32_t)(index & 0xffffffffu);
    double u1 = pw_rng_u01(42, run, 10 + which, subj, 0);
    double u2 = pw_rng_u01(42, run, 10 + which, subj, 1);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int normal_model(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    y[0] = x[0] + SIGMA * gauss(index, 0);
    return PW_OK;
}

/* y1 = t1 + e1, y2 = t1 + t2 + e2: posterior t1 ~ N(y1, s^2),
 * t2 ~ N(y2 - y1, 2 s^2), corr(t1, t2) = -1/sqrt(2). */
static int pair_model(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    y[0] = x[0] + SIGMA * gauss(index, 0);
    y[1] = x[0] + x[1] + SIGMA * gauss(index, 1);
    return PW_OK;
}

static int log_model(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)ctx;
    y[0] = log10(x[0]) + SIGMA * gauss(index, 0);
    return PW_OK;
}

static void wmoments(const pw_abc_result *r, size_t k, double *mean, double *sd)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < r->n; i++)
        m += r->weight[i] * r->theta[i * r->dim + k];
    for (size_t i = 0; i < r->n; i++) {
        double d = r->theta[i * r->dim + k] - m;
        v += r->weight[i] * d * d;
    }
    *mean = m;
    *sd = sqrt(v);
}

static void test_normal_posterior(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    assert_int_equal(pw_space_add(sp, "theta", PW_SPACE_UNIFORM, -5.0, 5.0), PW_OK);
    double obs = 1.0, scale = SIGMA;
    pw_abc_data data = {1, &obs, &scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.particles = 1000;
    o.max_generations = 10;
    o.seed = 7;
    pw_abc_result *r = NULL;
    pw_error err;
    assert_int_equal(pw_abc_smc(sp, normal_model, NULL, &data, &o, &r, &err), PW_OK);
    assert_true(r->generations >= 5);
    double eps = r->eps[r->generations - 1];
    /* The tolerance must have shrunk well below the prior's spread. */
    assert_true(eps < 0.5);
    double w = 0.0;
    for (size_t i = 0; i < r->n; i++)
        w += r->weight[i];
    assert_true(fabs(w - 1.0) < 1e-9);
    assert_true(r->ess > 100.0 && r->ess <= r->n + 1e-9);
    double m, sd;
    wmoments(r, 0, &m, &sd);
    /* ABC with tolerance eps (in sd units) samples N(obs, s^2) convolved
     * with the acceptance window: sd ~ s sqrt(1 + eps^2/3). */
    double sd_true = SIGMA * sqrt(1.0 + eps * eps / 3.0);
    double se_m = sd_true / sqrt(r->ess), se_sd = sd_true / sqrt(2.0 * r->ess);
    assert_true(fabs(m - obs) < 4.0 * se_m);
    assert_true(fabs(sd - sd_true) < 4.0 * se_sd + 0.01);
    /* Every accepted particle lies within the final tolerance. */
    for (size_t i = 0; i < r->n; i++)
        assert_true(r->dist[i] <= eps);
    pw_abc_result_free(r);
    pw_space_free(sp);
}

static void test_correlated_posterior(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    pw_space_add(sp, "t1", PW_SPACE_UNIFORM, -4.0, 4.0);
    pw_space_add(sp, "t2", PW_SPACE_UNIFORM, -4.0, 4.0);
    double obs[2] = {0.5, 1.5}, scale[2] = {SIGMA, SIGMA};
    pw_abc_data data = {2, obs, scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.particles = 1000;
    o.max_generations = 12;
    o.seed = 3;
    pw_abc_result *r = NULL;
    assert_int_equal(pw_abc_smc(sp, pair_model, NULL, &data, &o, &r, NULL), PW_OK);
    double m1, s1, m2, s2, c = 0.0;
    wmoments(r, 0, &m1, &s1);
    wmoments(r, 1, &m2, &s2);
    for (size_t i = 0; i < r->n; i++)
        c += r->weight[i] * (r->theta[2 * i] - m1) * (r->theta[2 * i + 1] - m2);
    double corr = c / (s1 * s2);
    double ess = r->ess;
    /* Posterior: t1 ~ N(0.5, s), t2 ~ N(1.0, s sqrt 2), corr -0.707
     * (inflated a little by the final tolerance). */
    assert_true(fabs(m1 - 0.5) < 4.0 * s1 / sqrt(ess) + 0.01);
    assert_true(fabs(m2 - 1.0) < 4.0 * s2 / sqrt(ess) + 0.01);
    assert_true(s1 > 0.8 * SIGMA && s1 < 1.35 * SIGMA);
    assert_true(s2 > 0.8 * SIGMA * M_SQRT2 && s2 < 1.35 * SIGMA * M_SQRT2);
    assert_true(corr < -0.55 && corr > -0.85);
    pw_abc_result_free(r);
    pw_space_free(sp);
}

static void test_loguniform_prior(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    pw_space_add(sp, "k", PW_SPACE_LOGUNIFORM, 0.001, 1000.0);
    double obs = 1.0, scale = SIGMA; /* log10 k ~ N(1, 0.2): k around 10 */
    pw_abc_data data = {1, &obs, &scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.particles = 800;
    o.seed = 11;
    pw_abc_result *r = NULL;
    assert_int_equal(pw_abc_smc(sp, log_model, NULL, &data, &o, &r, NULL), PW_OK);
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < r->n; i++)
        m += r->weight[i] * log10(r->theta[i]);
    for (size_t i = 0; i < r->n; i++)
        v += r->weight[i] * pow(log10(r->theta[i]) - m, 2);
    assert_true(fabs(m - 1.0) < 4.0 * sqrt(v / r->ess) + 0.01);
    assert_true(sqrt(v) > 0.8 * SIGMA && sqrt(v) < 1.35 * SIGMA);
    /* The median in natural units is about 10. */
    double med = pw_wquantile(r->theta, 1, r->weight, r->n, 0.5);
    assert_true(med > 7.0 && med < 14.0);
    pw_abc_result_free(r);
    pw_space_free(sp);
}

static void test_threads_do_not_change_result(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    pw_space_add(sp, "t1", PW_SPACE_UNIFORM, -4.0, 4.0);
    pw_space_add(sp, "t2", PW_SPACE_UNIFORM, -4.0, 4.0);
    double obs[2] = {0.5, 1.5}, scale[2] = {SIGMA, SIGMA};
    pw_abc_data data = {2, obs, scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.particles = 200;
    o.max_generations = 5;
    o.seed = 5;
    pw_abc_result *r1 = NULL, *r4 = NULL;
    o.threads = 1;
    assert_int_equal(pw_abc_smc(sp, pair_model, NULL, &data, &o, &r1, NULL), PW_OK);
    o.threads = 4;
    assert_int_equal(pw_abc_smc(sp, pair_model, NULL, &data, &o, &r4, NULL), PW_OK);
    assert_int_equal(r1->generations, r4->generations);
    assert_int_equal(r1->sims, r4->sims);
    assert_memory_equal(r1->theta, r4->theta, r1->n * r1->dim * sizeof(double));
    assert_memory_equal(r1->weight, r4->weight, r1->n * sizeof(double));
    pw_abc_result_free(r1);
    pw_abc_result_free(r4);
    pw_space_free(sp);
}

static void test_bad_options_refused(void **state)
{
    (void)state;
    pw_space *sp = pw_space_new();
    pw_space_add(sp, "t", PW_SPACE_UNIFORM, 0.0, 1.0);
    double obs = 0.0, scale = 1.0;
    pw_abc_data data = {1, &obs, &scale};
    pw_abc_opts o;
    pw_abc_opts_default(&o);
    o.quantile = 1.5;
    pw_abc_result *r = NULL;
    pw_error err;
    assert_int_equal(pw_abc_smc(sp, normal_model, NULL, &data, &o, &r, &err), PW_EINVAL);
    assert_null(r);
    assert_int_equal(pw_space_add(sp, "bad", PW_SPACE_LOGUNIFORM, 0.0, 1.0), PW_EINVAL);
    assert_int_equal(pw_space_add(sp, "bad", PW_SPACE_UNIFORM, 2.0, 1.0), PW_EINVAL);
    pw_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_posterior),
        cmocka_unit_test(test_correlated_posterior),
        cmocka_unit_test(test_loguniform_prior),
        cmocka_unit_test(test_threads_do_not_change_result),
        cmocka_unit_test(test_bad_options_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
