/*
 * Kaplan-Meier and Aalen-Johansen estimates against a published worked
 * example, hand-computed small cases and a statistical check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../../src/registry/survival.h"
#include "pathways/core.h"

/*
 * Freireich et al. (1963) 6-mercaptopurine arm, weeks in remission, 21
 * patients, 9 relapses ('+' = censored): 6 6 6 6+ 7 9+ 10 10+ 11+ 13 16
 * 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+. Expected values as published in
 * Kleinbaum & Klein, Survival Analysis: A Self-Learning Text (3rd ed.,
 * 2012), ch. 2 (S and its Greenwood standard error), and by R
 * `survfit(Surv(time, status) ~ 1, conf.type = "log-log")` on
 * MASS::gehan, 6-MP arm (the 95% limits); median 23 weeks.
 */
static const double mp_t[] = {6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16,
                              17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const int mp_s[] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1,
                           0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
static const struct {
    double t;
    long n_risk, events;
    double surv, se, lo, hi;
} mp_expect[] = {
    {6, 21, 3, 0.857, 0.0764, 0.620, 0.952},
    {7, 17, 1, 0.807, 0.0869, 0.563, 0.923},
    {10, 15, 1, 0.753, 0.0963, 0.503, 0.889},
    {13, 12, 1, 0.690, 0.1068, 0.432, 0.849},
    {16, 11, 1, 0.627, 0.1141, 0.368, 0.805},
    {22, 7, 1, 0.538, 0.1282, 0.268, 0.747},
    {23, 6, 1, 0.448, 0.1346, 0.188, 0.680},
};

static void test_freireich_6mp(void **state)
{
    (void)state;
    size_t n = sizeof mp_t / sizeof mp_t[0];
    pwi_surv_obs obs[sizeof mp_t / sizeof mp_t[0]];
    /* Feed them in reverse so the sort is exercised. */
    for (size_t i = 0; i < n; i++) {
        obs[i].t = mp_t[n - 1 - i];
        obs[i].status = mp_s[n - 1 - i];
    }
    pwi_surv *s = NULL;
    assert_int_equal(pwi_surv_fit(obs, n, &s), PW_OK);
    assert_int_equal(s->n, 21);
    assert_int_equal(s->events, 9);
    assert_int_equal(s->npoints, 7);
    for (size_t i = 0; i < s->npoints; i++) {
        const pwi_surv_point *p = &s->pts[i];
        assert_true(p->t == mp_expect[i].t);
        assert_int_equal(p->n_risk, mp_expect[i].n_risk);
        assert_int_equal(p->events, mp_expect[i].events);
        assert_true(fabs(p->surv - mp_expect[i].surv) < 0.0006);
        assert_true(fabs(p->se - mp_expect[i].se) < 0.00006);
        assert_true(fabs(p->lo - mp_expect[i].lo) < 0.0006);
        assert_true(fabs(p->hi - mp_expect[i].hi) < 0.0006);
        /* With no competing events the cumulative incidence is 1 - KM. */
        assert_true(fabs(p->cif[1] - (1 - p->surv)) < 1e-12);
    }
    assert_true(s->median == 23);
    /* Numbers at risk at fixed times, counted from the sorted data. */
    assert_int_equal(pwi_surv_at_risk(obs, n, 0), 21);
    assert_int_equal(pwi_surv_at_risk(obs, n, 10), 15);
    assert_int_equal(pwi_surv_at_risk(obs, n, 30), 4);
    assert_int_equal(pwi_surv_at_risk(obs, n, 36), 0);
    assert_int_equal(pwi_surv_index(s, 5), -1);
    assert_int_equal(pwi_surv_index(s, 6), 0);
    assert_int_equal(pwi_surv_index(s, 12.5), 2);
    assert_int_equal(pwi_surv_index(s, 100), 6);
    pwi_surv_free(s);
}

/*
 * Competing risks by hand. Five subjects: relapse at 1, death at 2,
 * censored at 3, relapse at 4, imprisonment at 5.
 *   t=1: n=5, relapse: CIF_r = 1 * 1/5 = 0.2; S_all = 0.8; KM = 0.8
 *   t=2: n=4, death:   CIF_d = 0.8 * 1/4 = 0.2; S_all = 0.6; KM = 0.8
 *   t=3: censored (n drops to 2)
 *   t=4: n=2, relapse: CIF_r = 0.2 + 0.6 * 1/2 = 0.5; S_all = 0.3;
 *        KM = 0.8 * 1/2 = 0.4; Greenwood sum = 1/(5*4) + 1/(2*1) = 0.55
 *   t=5: n=1, prison:  CIF_p = 0.3 * 1/1 = 0.3; S_all = 0
 * The cumulative incidences sum to 1 - S_all = 1, while 1 - KM = 0.6
 * over-states the relapse probability (0.5).
 */
static void test_competing_by_hand(void **state)
{
    (void)state;
    pwi_surv_obs obs[] = {{3, 0}, {5, 3}, {1, 1}, {4, 1}, {2, 2}};
    pwi_surv *s = NULL;
    assert_int_equal(pwi_surv_fit(obs, 5, &s), PW_OK);
    assert_int_equal(s->npoints, 4);
    assert_int_equal(s->events, 2);
    assert_int_equal(s->by_cause[2], 1);
    assert_int_equal(s->by_cause[3], 1);
    assert_int_equal(s->by_cause[0], 1);
    const pwi_surv_point *p = s->pts;
    assert_true(p[0].t == 1 && p[0].n_risk == 5 && p[0].events == 1);
    assert_true(fabs(p[0].cif[1] - 0.2) < 1e-12);
    assert_true(fabs(p[0].surv - 0.8) < 1e-12);
    assert_true(p[1].t == 2 && p[1].n_risk == 4 && p[1].events == 0 && p[1].other == 1);
    assert_true(fabs(p[1].cif[2] - 0.2) < 1e-12);
    assert_true(fabs(p[1].surv - 0.8) < 1e-12);
    assert_true(p[2].t == 4 && p[2].n_risk == 2);
    assert_true(fabs(p[2].cif[1] - 0.5) < 1e-12);
    assert_true(fabs(p[2].surv - 0.4) < 1e-12);
    assert_true(fabs(p[2].se - 0.4 * sqrt(0.55)) < 1e-12);
    assert_true(p[3].t == 5 && p[3].n_risk == 1 && p[3].other == 1);
    assert_true(fabs(p[3].cif[3] - 0.3) < 1e-12);
    double total = p[3].cif[1] + p[3].cif[2] + p[3].cif[3];
    assert_true(fabs(total - 1.0) < 1e-12);
    assert_true(s->median == 4);
    pwi_surv_free(s);
}

/* Ties between an event and a censoring at the same time: the censored
 * subject is at risk for the event (events first). */
static void test_ties_and_edges(void **state)
{
    (void)state;
    pwi_surv_obs obs[] = {{2, 0}, {2, 1}, {2, 0}, {7, 1}};
    pwi_surv *s = NULL;
    assert_int_equal(pwi_surv_fit(obs, 4, &s), PW_OK);
    assert_int_equal(s->npoints, 2);
    assert_int_equal(s->pts[0].n_risk, 4);
    assert_int_equal(s->pts[0].censored, 2);
    assert_true(fabs(s->pts[0].surv - 0.75) < 1e-12);
    /* Last subject relapses: S = 0, variance undefined, interval = estimate. */
    assert_true(s->pts[1].surv == 0);
    assert_true(s->pts[1].lo == 0 && s->pts[1].hi == 0);
    assert_true(s->median == 7);
    pwi_surv_free(s);

    /* No event at all: no points, no median. */
    pwi_surv_obs cens[] = {{1, 0}, {3, 0}};
    assert_int_equal(pwi_surv_fit(cens, 2, &s), PW_OK);
    assert_int_equal(s->npoints, 0);
    assert_true(isnan(s->median));
    pwi_surv_free(s);

    assert_int_equal(pwi_surv_fit(NULL, 0, &s), PW_OK);
    assert_int_equal(s->n, 0);
    pwi_surv_free(s);

    pwi_surv_obs bad[] = {{-1, 1}};
    assert_int_equal(pwi_surv_fit(bad, 1, &s), PW_EINVAL);
    assert_null(s);
    pwi_surv_obs bad2[] = {{1, 9}};
    assert_int_equal(pwi_surv_fit(bad2, 1, &s), PW_EINVAL);
    pwi_surv_obs bad3[] = {{NAN, 1}};
    assert_int_equal(pwi_surv_fit(bad3, 1, &s), PW_EINVAL);
}

/*
 * Statistical check: relapse at rate a, death at rate b (competing), and
 * independent uniform censoring. The true cause-specific survival is
 * exp(-a t) and the true cumulative incidence of relapse is
 * a/(a+b) (1 - exp(-(a+b) t)). The estimates at t = 200 days must fall
 * within 4 standard errors (Greenwood for KM; for the CIF a binomial
 * standard error on the number still at risk, which over-states it), the
 * 95% log-log intervals must cover the truth in most of 20 replications,
 * and the replications must not all fall on one side.
 */
static void test_exponential_statistical(void **state)
{
    (void)state;
    const double a = 1.0 / 300, b = 1.0 / 900, t0 = 200;
    const size_t n = 4000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    pwi_surv_obs *obs = malloc(n * sizeof *obs);
    assert_non_null(obs);
    int above = 0, covered = 0;
    for (int rep = 0; rep < 20; rep++) {
        gsl_rng_set(r, 1000 + rep);
        for (size_t i = 0; i < n; i++) {
            double tr = gsl_ran_exponential(r, 1 / a);
            double td = gsl_ran_exponential(r, 1 / b);
            double tc = gsl_ran_flat(r, 0, 1000);
            double t = fmin(tr, fmin(td, tc));
            obs[i].t = floor(t) + 1; /* whole days, as the registry stores */
            obs[i].status = t == tc ? 0 : (t == tr ? 1 : 2);
        }
        pwi_surv *s = NULL;
        assert_int_equal(pwi_surv_fit(obs, n, &s), PW_OK);
        long k = pwi_surv_index(s, t0);
        assert_true(k >= 0);
        const pwi_surv_point *p = &s->pts[k];
        /* Day rounding moves every time up by < 1 day: compare with the
         * truth at t0 and t0 - 1 (the tighter of the two). */
        double truth = exp(-a * t0);
        assert_true(fabs(p->surv - truth) < 4 * p->se + a);
        /* A 95% interval misses about 1 time in 20: count coverage. */
        covered += p->lo < truth + a && truth - a < p->hi;
        double cif_true = a / (a + b) * (1 - exp(-(a + b) * t0));
        double cif_se = sqrt(cif_true * (1 - cif_true) / (double)p->n_risk);
        assert_true(fabs(p->cif[1] - cif_true) < 4 * cif_se + a);
        /* Competing risks: 1 - KM exceeds the cumulative incidence. */
        assert_true(1 - p->surv > p->cif[1]);
        above += p->surv > truth;
        pwi_surv_free(s);
    }
    assert_true(above > 0 && above < 20);
    /* Binomial(20, 0.95): P(fewer than 16 covered) < 0.003. */
    assert_true(covered >= 16);
    free(obs);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freireich_6mp),
        cmocka_unit_test(test_competing_by_hand),
        cmocka_unit_test(test_ties_and_edges),
        cmocka_unit_test(test_exponential_statistical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
