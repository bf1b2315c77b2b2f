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
        act *x = held(&h, PL_PRISON);
        x->flags |= RF_HIV;
        x->hiv |= HV_DIAG | HV_ART; /* HIV care is ART (hiv.c) */
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

/* The cost items (costs.c) add up to the year's cost, year by year, and
 * to the run's total; the treatment centres' fixed cost follows the beds
 * a regime's orders fill (a centre per treatment.beds_per_centre beds in
 * use, kept once opened). Under exec-order: a fine, a 6-month compulsory
 * order, 12-step aftercare and monitoring after it. */
static void items_add_up_and_centres(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "cost.discount_rate", 0.05);
    st_set(s, "treatment.compulsory_beds_per_100k", 1000);
    st_set(s, "justice.arrest_share", 0.3);
    st_set(s, "justice.community_service_share", 0.3);
    const double *v = s->v;
    pw_regime *g = sw_regime("exec-order.yaml");
    const uint32_t n = 300;
    sw h;
    sw_open(&h, s, YEARS, SCALE, g, 157);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    for (uint32_t j = 0; j < 50; j++)
        held(&h, PL_PRISON)->flags |= RF_HIV;
    sw_weeks(&h, 1);
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    double bpc = v[PI_TX_BEDS_PER_CENTRE] * SCALE; /* simulated beds a centre holds */
    uint32_t early = (uint32_t)ceil(h.w->beds_used / bpc - 1e-9); /* weeks 1-2 */
    assert_true(h.w->beds_used > 0 && h.w->beds_used < n);
    /* admitted at once, or after the arrest (week 3); never more beds */
    sw_weeks(&h, 3);
    assert_true(h.w->beds_used == n);
    uint32_t centres = (uint32_t)ceil(n / bpc - 1e-9);
    assert_true(h.w->centres == centres);
    sw_weeks(&h, YEARS * WPY - h.week);
    for (int y = 0; y < YEARS; y++) {
        double sum = 0;
        char name[64];
        for (int c = 0; c < CI_COUNT; c++) {
            snprintf(name, sizeof name, "cost_%s_kzt", pwi_cost_item_name(c));
            sum += sw_series(&h, y, name);
        }
        near("the items add up to the year's cost", sum, sw_series(&h, y, "cost_kzt"));
    }
    double total = 0;
    char name[64];
    for (int c = 0; c < CI_COUNT; c++) {
        snprintf(name, sizeof name, "cost_%s_kzt", pwi_cost_item_name(c));
        total += sw_metric(&h, name);
    }
    near("the items add up to the run's total", total, sw_metric(&h, "cost_total_kzt"));
    /* every item this regime uses was charged */
    assert_true(sw_metric(&h, "cost_compulsory_treatment_kzt") > 0 &&
                sw_metric(&h, "cost_aftercare_kzt") > 0 && sw_metric(&h, "cost_monitoring_kzt") > 0 &&
                sw_metric(&h, "cost_arrest_kzt") > 0 && sw_metric(&h, "cost_panel_kzt") == 0 &&
                sw_metric(&h, "fines_levied_kzt") > 0);
    /* centres: none in week 0, those the first admissions need in weeks 1
     * and 2, all from week 3 (the arrested admitted) on, discounted */
    double expect = 0;
    for (int t = 1; t < YEARS * WPY; t++)
        expect += (t < 3 ? early : centres) * v[PI_COST_CENTRE_YEAR] * SCALE / WPY *
                  pow(1.05, -t / (double)WPY);
    near("treatment centres' fixed cost", sw_metric(&h, "cost_treatment_centres_kzt"), expect);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placements_cost_per_week),
        cmocka_unit_test(events_cost_per_event),
        cmocka_unit_test(cases_cost_police_and_court),
        cmocka_unit_test(discounting),
        cmocka_unit_test(items_add_up_and_centres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
