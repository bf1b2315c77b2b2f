/*
 * Costs (costs.c and where each charge arises; docs/model.md, "Costs"):
 * every cost item equals its rate times its exposure, the parts add up to
 * the total, and a charge in week t is discounted by (1 + r)^(-t/52).
 * These are accounting identities, checked to rounding error.
 */
#include "simworld.h"

#define SCALE 0.05
#define YEARS 2

static void near(const char *what, double observed, double expected)
{
    fprintf(stderr, "%s: observed %.6g, expected %.6g\n", what, observed, expected);
    assert_true(fabs(observed - expected) <= 1e-9 * fabs(expected) + 1e-6);
}

/* A record held in `place` for longer than the test. */
static act *held(sw *h, int place)
{
    act *r = sw_rec(h, sw_add(h));
    r->place = (uint8_t)place;
    r->until = r->end = 60000;
    if (place == PL_COMPULSORY)
        h->w->beds_used++;
    if (place == PL_OUTPATIENT)
        h->w->slots_used++;
    if (is_institution(place) || place == PL_OUTPATIENT)
        r->stage = ST_REM_EARLY; /* held abstinent; no relapse in this world */
    r->flags |= RF_EMPLOYED;
    return r;
}

/* Placements and lost work: a weekly charge for every week of exposure. */
static void placements_cost_per_week(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "cost.discount_rate", 0);
    st_set(s, "use.relapse_rate_early_remission", 0);
    st_set(s, "cost.treatment_centre_per_year", 0); /* fixed costs: centres_fixed_cost */
    const double *v = s->v;
    const uint32_t n = 400;
    sw h;
    sw_open(&h, s, YEARS, SCALE, NULL, 137);
    for (uint32_t j = 0; j < n; j++) {
        held(&h, PL_PRISON);
        held(&h, PL_ARREST);
        held(&h, PL_COMPULSORY);
        held(&h, PL_OUTPATIENT);
        held(&h, PL_PRISON)->flags |= RF_HIV;
        sw_add(&h);                                   /* dependent, out of work */
        sw_rec(&h, sw_add(&h))->flags |= RF_EMPLOYED; /* dependent, at work: no cost */
    }
    sw_weeks(&h, WPY);
    double weeks = WPY, month = 12.0 / WPY; /* a month's cost charged per week */
    /* 3n people inside (prison, arrest, prison with HIV) */
    near("justice: prison days", sw_metric(&h, "cost_justice_kzt"),
         3 * n * weeks * 7 * v[PI_COST_PRISON_DAY]);
    near("treatment: compulsory and outpatient months", sw_metric(&h, "cost_treatment_kzt"),
         n * weeks * month * (v[PI_COST_COMP_MONTH] + v[PI_COST_OUT_MONTH]));
    near("health: HIV care", sw_metric(&h, "cost_health_kzt"), n * v[PI_COST_HIV_YEAR]);
    /* lost work: everyone inside (entering prison costs the job) and the
     * dependent users out of work */
    near("lost work", sw_metric(&h, "cost_lost_work_kzt"),
         4 * n * weeks * month * v[PI_COST_LOST_WORK_MONTH]);
    assert_true(sw_metric(&h, "cost_crime_kzt") == 0);
    double total = sw_metric(&h, "cost_total_kzt");
    near("total = sum of the parts", total,
         sw_metric(&h, "cost_justice_kzt") + sw_metric(&h, "cost_treatment_kzt") +
             sw_metric(&h, "cost_health_kzt") + sw_metric(&h, "cost_crime_kzt") +
             sw_metric(&h, "cost_lost_work_kzt"));
    near("the year's cost series = the total", sw_series(&h, 0, "cost_kzt"), total);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Offences and overdose deaths: a charge per event. */
static void events_cost_per_event(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "cost.discount_rate", 0);
    st_set(s, "crime.acquisitive_rate_dependent", 3);
    st_set(s, "health.overdose_death_rate_other_dependent", 0.3);
    const double *v = s->v;
    sw h;
    sw_open(&h, s, YEARS, SCALE, NULL, 139);
    for (uint32_t j = 0; j < 2000; j++)
        sw_rec(&h, sw_add(&h))->flags |= RF_EMPLOYED;
    sw_weeks(&h, WPY);
    double od = sw_series(&h, 0, "overdose_deaths");
    double crimes = sw_series(&h, 0, "acquisitive_crimes");
    assert_true(od > 100 && crimes > 1000);
    near("crime to victims", sw_metric(&h, "cost_crime_kzt"), crimes * v[PI_COST_CRIME]);
    near("health: overdose deaths", sw_metric(&h, "cost_health_kzt"), od * v[PI_COST_OD_DEATH]);
    near("total", sw_metric(&h, "cost_total_kzt"),
         crimes * v[PI_COST_CRIME] + od * v[PI_COST_OD_DEATH]);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Cases: police for every case; a court for criminal routes (exec-repeat:
 * a fine on the administrative route first, then a criminal prison term). */
static void cases_cost_police_and_court(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "cost.discount_rate", 0);
    const double *v = s->v;
    pw_regime *g = sw_regime("exec-repeat.yaml");
    const uint32_t n = 300;
    sw h;
    sw_open(&h, s, YEARS, SCALE, g, 149);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    double before = h.w->yc.cost_justice;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    near("first cases: police only", h.w->yc.cost_justice - before, n * v[PI_COST_POLICE]);
    before = h.w->yc.cost_justice;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    near("repeat cases: police and court", h.w->yc.cost_justice - before,
         n * (v[PI_COST_POLICE] + v[PI_COST_COURT]));
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Discounting: a constant weekly charge c in week t counts c (1 + r)^(-t/52). */
static void discounting(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double r = 0.05;
    st_set(s, "cost.discount_rate", r);
    st_set(s, "use.relapse_rate_early_remission", 0);
    st_set(s, "cost.treatment_centre_per_year", 0);
    const double *v = s->v;
    const uint32_t n = 200;
    sw h;
    sw_open(&h, s, YEARS, SCALE, NULL, 151);
    for (uint32_t j = 0; j < n; j++)
        held(&h, PL_COMPULSORY);
    sw_weeks(&h, YEARS * WPY);
    double c = n * v[PI_COST_COMP_MONTH] * 12 / WPY, y[YEARS] = {0, 0};
    for (int t = 0; t < YEARS * WPY; t++)
        y[t / WPY] += c * pow(1 + r, -t / (double)WPY);
    near("discounted cost, year 1", sw_series(&h, 0, "cost_kzt"), y[0]);
    near("discounted cost, year 2", sw_series(&h, 1, "cost_kzt"), y[1]);
    near("discounted treatment cost, both years", sw_metric(&h, "cost_treatment_kzt"),
         y[0] + y[1]);
    /* the second year costs less by about one year's discount */
    assert_true(y[1] < y[0] / (1 + r) * 1.001 && y[1] > y[0] / (1 + r) * 0.999);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placements_cost_per_week),
        cmocka_unit_test(events_cost_per_event),
        cmocka_unit_test(cases_cost_police_and_court),
        cmocka_unit_test(discounting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
