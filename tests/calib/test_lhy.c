/*
 * The LH / LHY mean-field models against their published behaviour
 * (docs/sources.md M1.1): the LH steady state, the max() floor that
 * drives the epidemic, and the shape of the US cocaine epidemic from 1970.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pathways/calib.h"

static const double y0_1970[3] = {1.4e6, 0.13e6, 0.11e6};

/* Index of the largest value of column j over n+1 rows of 3. */
static size_t argmax(const double *traj, size_t n, int j)
{
    size_t best = 0;
    for (size_t k = 0; k <= n; k++)
        if (traj[3 * k + j] > traj[3 * best + j])
            best = k;
    return best;
}

static void test_lh_steady_state_formula(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    p.model = PW_MF_LH;
    p.q = 7.0; /* LH-model q of docs/sources.md M1.1 */
    double L, H;
    assert_int_equal(pw_lh_steady_state(&p, &L, &H), PW_OK);
    /* docs/sources.md M1.1 (computed): L* = 341,531 and H* = 132,206. */
    assert_true(fabs(L - 341531.0) < 1.0);
    assert_true(fabs(H - 132206.0) < 1.0);
}

static void test_lh_converges_to_steady_state(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    p.model = PW_MF_LH;
    p.q = 7.0;
    double L, H;
    assert_int_equal(pw_lh_steady_state(&p, &L, &H), PW_OK);
    size_t n = 400 * 4;
    double *traj = malloc((n + 1) * 3 * sizeof(double));
    assert_non_null(traj);
    assert_int_equal(pw_lhy_solve(&p, y0_1970, 400, 4, traj, NULL), PW_OK);
    /* The ODE, integrated by GSL, must settle where the algebra says. */
    assert_true(fabs(traj[3 * n] - L) / L < 1e-4);
    assert_true(fabs(traj[3 * n + 1] - H) / H < 1e-4);
    free(traj);
}

static void test_lh_no_steady_state_refused(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    p.model = PW_MF_LH;
    p.q = 0.0; /* no deterrence: s > a+b, the epidemic grows for ever */
    double L, H;
    assert_int_equal(pw_lh_steady_state(&p, &L, &H), PW_EINVAL);
}

static void test_lhy_us_cocaine_epidemic(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    size_t n = 50 * 12;
    double *traj = malloc((n + 1) * 3 * sizeof(double));
    assert_non_null(traj);
    assert_int_equal(pw_lhy_solve(&p, y0_1970, 50, 12, traj, NULL), PW_OK);
    assert_true(traj[0] == 1.4e6 && traj[1] == 0.13e6 && traj[2] == 0.11e6);
    size_t kl = argmax(traj, n, 0), kh = argmax(traj, n, 1);
    double tl = 1970.0 + kl / 12.0, th = 1970.0 + kh / 12.0;
    /* The published history: light use peaks around 1980 and declines by
     * the early 1990s (users "over 12M early-to-mid 1980s to 5M 1992",
     * Everingham et al. 1995), heavy use peaks about a decade later and
     * decays slowly ("half-life of more than a decade"). */
    assert_true(tl > 1978.0 && tl < 1986.0);
    assert_true(th > 1986.0 && th < 1996.0);
    assert_true(traj[3 * kl] > 5e6 && traj[3 * kl] < 12e6);
    assert_true(traj[3 * kh + 1] > 1e6 && traj[3 * kh + 1] < 3e6);
    /* Light users in 1992 well below the peak; heavy users still near theirs. */
    size_t k92 = 22 * 12;
    assert_true(traj[3 * k92] < 0.7 * traj[3 * kl]);
    assert_true(traj[3 * k92 + 1] > 0.9 * traj[3 * kh + 1]);
    /* Heavy-use half-life after the peak exceeds a decade. */
    assert_true(traj[3 * (kh + 120) + 1] > 0.5 * traj[3 * kh + 1]);
    free(traj);
}

static void test_lhy_min_floor_gives_no_epidemic(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    p.floor_min = 1;
    size_t n = 50 * 12;
    double *traj = malloc((n + 1) * 3 * sizeof(double));
    assert_non_null(traj);
    assert_int_equal(pw_lhy_solve(&p, y0_1970, 50, 12, traj, NULL), PW_OK);
    /* docs/sources.md M1.1: with min() L only falls from 1.4M. */
    for (size_t k = 1; k <= n; k++)
        assert_true(traj[3 * k] <= 1.4e6);
    assert_true(traj[3 * n] < 0.3e6);
    free(traj);
}

static void test_lhy_initiation_floor(void **state)
{
    (void)state;
    pw_lhy_params p;
    pw_lhy_published(&p);
    /* Large memory: s exp(-qY/L) -> 0, the floor smax applies. */
    assert_true(fabs(pw_lhy_initiation(&p, 1e6, 0, 1e7) - (5e4 + 0.1 * 1e6)) < 1e-6);
    /* No memory: full s. */
    assert_true(fabs(pw_lhy_initiation(&p, 1e6, 0, 0) - (5e4 + 0.61 * 1e6)) < 1e-6);
    /* No light users: innovators only. */
    assert_true(pw_lhy_initiation(&p, 0, 5, 5) == 5e4);
}

static void test_lhy_scenario_file(void **state)
{
    (void)state;
    pw_lhy_scenario sc;
    pw_space *sp = NULL;
    pw_error err;
    assert_true(pw_lhy_scenario_is("lhy-us-cocaine"));
    assert_int_equal(pw_lhy_scenario_load("lhy-us-cocaine", &sc, &sp, &err), PW_OK);
    pw_lhy_params p;
    pw_lhy_published(&p);
    assert_true(sc.p.tau == p.tau && sc.p.s == p.s && sc.p.q == p.q && sc.p.smax == p.smax);
    assert_true(sc.p.a == p.a && sc.p.b == p.b && sc.p.g == p.g && sc.p.delta == p.delta);
    assert_int_equal(sc.p.floor_min, 0);
    assert_int_equal(sc.start_year, 1970);
    assert_true(sc.y0[0] == 1.4e6 && sc.y0[1] == 0.13e6 && sc.y0[2] == 0.11e6);
    assert_int_equal(pw_space_dim(sp), 8);
    pw_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lh_steady_state_formula),
        cmocka_unit_test(test_lh_converges_to_steady_state),
        cmocka_unit_test(test_lh_no_steady_state_refused),
        cmocka_unit_test(test_lhy_us_cocaine_epidemic),
        cmocka_unit_test(test_lhy_min_floor_gives_no_epidemic),
        cmocka_unit_test(test_lhy_initiation_floor),
        cmocka_unit_test(test_lhy_scenario_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
