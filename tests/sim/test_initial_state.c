/* The initial state (initial.c) leaves no artefact of how the run began:
 * the clocks of the people in remission and of the prisoners at week 0
 * are spread over their steady-state distributions, so no week sees a
 * crowd of them leave together and the prisoners' releases fade out
 * instead of stopping at a fixed horizon. */
#include <string.h>

#include "simworld.h"

/* Records in remission (early or sustained) now. */
static uint32_t count_remission(const world *w)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->n_act; i++)
        n += w->a[i].agent != UINT32_MAX &&
             (w->a[i].stage == ST_REM_EARLY || w->a[i].stage == ST_REM_SUSTAINED);
    return n;
}

/* Records in prison now. */
static uint32_t count_prison(const world *w)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->n_act; i++)
        n += w->a[i].agent != UINT32_MAX && w->a[i].place == PL_PRISON;
    return n;
}

/* A quiet society with only initial remitters (no users, so no inflow):
 * the weekly loss is relapse plus "healing" (four years of sustained
 * remission). With every clock at week 0, all sustained remitters still
 * there at week 208 were healed in that one week (about 45% of the
 * initial stock); with spread clocks healing is spread over four years.
 * Bound: no week loses more than 2% of the initial stock plus five
 * Poisson standard errors of the week's expected loss (the largest weekly
 * loss of a smooth drain here is about 1.5% of the stock, in week 0). */
static void no_week_loses_a_crowd_of_remitters(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "initial.remission_share", 0.03);
    sw h;
    sw_open(&h, s, 6, 0.05, NULL, 11);
    double s0 = count_remission(h.w);
    assert_true(s0 > 1500);
    /* The split between early and sustained remission follows the
     * steady inflow (initial.c): early share (1 - e^-e)/e over that plus
     * e^-e (1 - e^-4s)/s, with e = 1.0 and s = 0.1 here: 0.342. Binomial
     * standard error ~0.011 at ~2,000 remitters; 5 standard errors. */
    double early = 0;
    for (uint32_t i = 0; i < h.w->n_act; i++)
        early += h.w->a[i].agent != UINT32_MAX && h.w->a[i].stage == ST_REM_EARLY;
    double ee = 1.0, ss = 0.1;
    double pe = -expm1(-ee) / ee, ps = exp(-ee) * -expm1(-4 * ss) / ss;
    assert_true(fabs(h.w->v[PI_USE_RELAPSE_EARLY] - ee) < 1e-12);
    assert_true(fabs(h.w->v[PI_USE_RELAPSE_SUSTAINED] - ss) < 1e-12);
    st_within("early-remission share at week 0", early / s0, pe / (pe + ps),
              sw_se_p(pe / (pe + ps), s0), 5);
    double prev = s0, worst = 0;
    int worst_week = -1;
    for (int wk = 0; wk < 5 * WPY; wk++) {
        sw_weeks(&h, 1);
        double now = count_remission(h.w);
        if (prev - now > worst) {
            worst = prev - now;
            worst_week = wk;
        }
        prev = now;
    }
    fprintf(stderr, "largest weekly loss %.0f of %.0f remitters, in week %d\n", worst, s0,
            worst_week);
    assert_true(worst <= 0.02 * s0 + 5 * sqrt(0.015 * s0));
    /* And they have all left by the end of year 5 (healed or relapsed). */
    assert_true(prev < 0.02 * s0);
    sw_close(&h);
    pw_scenario_free(s);
}

/* The initial prisoners with no regime (nobody new enters prison): with
 * exponential remaining terms of mean 2.5 years the stock falls by the
 * factor e^-0.4 = 0.670 every year and some are still inside after five
 * years; uniform terms of 0-5 years emptied the prison in week 260.
 * Each yearly ratio is checked within 5 binomial standard errors. */
static void initial_prisoners_leave_gradually(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "initial.prison_share", 0.01);
    sw h;
    sw_open(&h, s, 7, 0.05, NULL, 12);
    double p0 = count_prison(h.w), prev = p0;
    assert_true(p0 > 800);
    for (int y = 0; y < 6; y++) {
        sw_weeks(&h, WPY);
        double now = count_prison(h.w);
        char what[64];
        snprintf(what, sizeof what, "prisoners kept in year %d", y);
        st_within(what, now / prev, exp(-0.4), sw_se_p(exp(-0.4), prev), 5);
        prev = now;
    }
    assert_true(prev > 0);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_week_loses_a_crowd_of_remitters),
        cmocka_unit_test(initial_prisoners_leave_gradually),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
