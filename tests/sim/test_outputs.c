/*
 * The ministry's outputs (outputs.c; docs/model.md, Outputs):
 *   - use and dependence by substance add up to the totals, every year,
 *     under every regime;
 *   - person-years of confinement are the weeks the custody costs are
 *     charged for (an identity with the costs), and a hand-made cohort's
 *     exact weeks;
 *   - deaths from drug use are the agents who died in the week's
 *     community step, and the life-years they cost are the Gompertz life
 *     table's remaining expectancy at their age (the table itself is
 *     checked against a numerical integral);
 *   - beds needed count each compulsory-treatment order once, for its
 *     length, from the day it is made, whether the person gets a bed or
 *     waits (a second order while waiting, or the admission from the
 *     queue, is not a second bed);
 *   - panel or commission sessions are one per case before a panel;
 *   - the derived metrics are the baseline's value minus the regime's,
 *     run by run, and exist only when the baseline was run.
 * Counts are exact (no randomness in what is counted), so the checks are
 * equalities, to 1e-9 relative where doubles are summed in another order.
 */
#include <string.h>

#include <jansson.h>

#include "simworld.h"

#define SCALE 0.02 /* ~44k agents */

static pw_regime **all_regimes(size_t *n, const char ***names)
{
    *n = pw_data_names("regimes", names);
    pw_regime **r = calloc(*n, sizeof *r);
    assert_non_null(r);
    for (size_t g = 0; g < *n; g++) {
        pw_error err;
        pw_error_clear(&err);
        assert_int_equal(pw_regime_load((*names)[g], &r[g], &err), PW_OK);
    }
    return r;
}

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(b)); }

static void by_substance_adds_up(void **state)
{
    (void)state;
    static const char *const sub[] = {"opioids", "synthetic_cathinones", "synthetic_cannabinoids",
                                      "cannabis", "stimulants"};
    pw_scenario *s = st_load("almaty");
    size_t n;
    const char **names;
    pw_regime **regs = all_regimes(&n, &names);
    for (size_t g = 0; g < n; g++) {
        pwi_run_result r = st_run(s, regs[g], 3, 0.01, 0, 11);
        int nonzero = 0;
        for (int y = 0; y < 3; y++) {
            double pwud = 0, dep = 0;
            char nm[64];
            for (int k = 0; k < 5; k++) {
                snprintf(nm, sizeof nm, "pwud_%s", sub[k]);
                pwud += st_series(&r, y, nm);
                nonzero += st_series(&r, y, nm) > 0;
                snprintf(nm, sizeof nm, "dependent_%s", sub[k]);
                dep += st_series(&r, y, nm);
                if (y == 2) {
                    snprintf(nm, sizeof nm, "pwud_%s_end", sub[k]);
                    double a = st_metric(&r, nm);
                    snprintf(nm, sizeof nm, "pwud_%s", sub[k]);
                    assert_true(a == st_series(&r, y, nm));
                    snprintf(nm, sizeof nm, "dependent_%s_end", sub[k]);
                    a = st_metric(&r, nm);
                    snprintf(nm, sizeof nm, "dependent_%s", sub[k]);
                    assert_true(a == st_series(&r, y, nm));
                }
            }
            /* Sums of whole people scaled by the same 1/scale. */
            assert_true(close_rel(pwud, st_series(&r, y, "pwud")));
            assert_true(close_rel(dep, st_series(&r, y, "dependent")));
        }
        fprintf(stderr, "%s: pwud %.0f = sum by substance (%d nonzero cells)\n", names[g],
                st_series(&r, 2, "pwud"), nonzero);
        assert_true(nonzero >= 10); /* every substance is used, every year */
        st_done(&r);
    }
    for (size_t g = 0; g < n; g++)
        pw_regime_free(regs[g]);
    free(regs);
    free(names);
    pw_scenario_free(s);
}

/* Custody person-years are the weeks charged for: each custody kind's
 * cost item is its person-weeks x 7 x the day rate (prison, pre-trial
 * detention and arrest) or x the monthly rate x 12 / 52 (compulsory
 * treatment), undiscounted. */
static void custody_is_what_is_charged(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_set(s, "cost.discount_rate", 0);
    /* Many cases of every kind: arrests, orders, criminal terms. */
    st_set(s, "police.use_detection_rate", 0.3);
    st_set(s, "police.crime_detection", 0.3);
    st_set(s, "police.capacity_per_100k", 1e5);
    /* At this scale the drug cases' share of the beds rounds to none. */
    st_set(s, "treatment.compulsory_beds_drug_share", 1);
    double day = pw_param_get(s, (size_t)pw_param_find(s, "cost.prison_per_day"));
    double month = pw_param_get(s, (size_t)pw_param_find(s, "cost.compulsory_per_month"));
    size_t n;
    const char **names;
    pw_regime **regs = all_regimes(&n, &names);
    double any[4] = {0, 0, 0, 0};
    for (size_t g = 0; g < n; g++) {
        pwi_run_result r = st_run(s, regs[g], 3, 0.01, 0, 13);
        double pt = st_metric(&r, "pretrial_person_years_total");
        double pr = st_metric(&r, "prison_person_years_total");
        double ar = st_metric(&r, "arrest_person_years_total");
        double cp = st_metric(&r, "compulsory_treatment_person_years_total");
        double all = st_metric(&r, "custody_person_years_total");
        fprintf(stderr, "%s: person-years pre-trial %.1f, prison %.1f, arrest %.1f, "
                        "compulsory %.1f\n",
                pw_regime_name(regs[g]), pt, pr, ar, cp);
        assert_true(close_rel(all, pt + pr + ar + cp));
        assert_true(close_rel(st_metric(&r, "cost_pretrial_detention_kzt"), pt * WPY * 7 * day));
        assert_true(close_rel(st_metric(&r, "cost_prison_kzt"), pr * WPY * 7 * day));
        assert_true(close_rel(st_metric(&r, "cost_arrest_kzt"), ar * WPY * 7 * day));
        assert_true(close_rel(st_metric(&r, "cost_compulsory_treatment_kzt"), cp * month * 12));
        double y_all = 0;
        for (int y = 0; y < 3; y++)
            y_all += st_series(&r, y, "custody_person_years");
        assert_true(close_rel(y_all, all));
        any[0] += pt, any[1] += pr, any[2] += ar, any[3] += cp;
        st_done(&r);
    }
    /* Every kind of custody occurs under some regime. */
    for (int k = 0; k < 4; k++)
        assert_true(any[k] > 0);
    for (size_t g = 0; g < n; g++)
        pw_regime_free(regs[g]);
    free(regs);
    free(names);
    pw_scenario_free(s);
}

/* 40 people sent to prison for exactly 26 weeks in week 1: 20 person-years. */
static void custody_of_a_cohort(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    sw h;
    sw_open(&h, s, 2, SCALE, NULL, 3);
    for (int j = 0; j < 40; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    for (uint32_t i = 0; i < 40; i++)
        pwi_enter_prison(h.w, sw_rec(&h, i), i, h.week, 26.0 / WPY, NULL);
    sw_weeks(&h, 2 * WPY - 1);
    double py0 = sw_series(&h, 0, "prison_person_years");
    fprintf(stderr, "prison person-years: %.6f (expected 20)\n", py0);
    assert_true(close_rel(py0, 20));
    assert_true(sw_series(&h, 1, "prison_person_years") == 0);
    assert_true(close_rel(sw_metric(&h, "custody_person_years_total"), 20));
    sw_close(&h);
    pw_scenario_free(s);
}

/* The life table: e(a) = integral of the Gompertz survival from a,
 * against the trapezoid rule on a fine grid (error ~1e-8 years). */
static void life_table(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    const double *v = s->v;
    double A = v[PI_DEMO_GOMPERTZ_A], B = v[PI_DEMO_GOMPERTZ_B];
    static const double ages[] = {0, 20, 40, 60, 80, 100};
    for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++) {
        double a = ages[i], c = A / B * exp(B * a), h = 1e-3, sum = 0;
        for (double t = 0; t < 200; t += h) {
            double f0 = exp(-c * expm1(B * t)), f1 = exp(-c * expm1(B * (t + h)));
            sum += 0.5 * h * (f0 + f1);
        }
        double e = pwi_life_expectancy(v, a);
        fprintf(stderr, "e(%g) = %.6f (trapezoid %.6f)\n", a, e, sum);
        assert_true(fabs(e - sum) < 1e-5);
    }
    /* The scenario states ~75.8 years at birth. */
    assert_true(fabs(pwi_life_expectancy(v, 0) - 75.8) < 0.1);
    pw_scenario_free(s);
}

/* Dependent users die of overdose (and, with HIV, of its excess
 * mortality); every such death is counted with the life expectancy at
 * the age the agent died. */
static void drug_deaths_and_life_years(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "health.overdose_death_rate_other_dependent", 1);
    st_set(s, "health.overdose_out_of_treatment_ratio", 10); /* 10 a year */
    st_set(s, "health.hiv_excess_mortality", 0.5);
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 5);
    enum { N = 300 };
    uint32_t agent[N];
    for (int j = 0; j < N; j++) {
        uint32_t i = sw_add(&h);
        agent[j] = sw_rec(&h, i)->agent;
        if (j % 3 == 0)
            sw_rec(&h, i)->flags |= RF_HIV;
    }
    /* (sw_scenario's background mortality is all but nil, so its life
     * table gives ~800 years: what is checked here is that each death is
     * counted once at the age it happened; life_table checks the table.) */
    double deaths = 0, years = 0;
    int alive[N];
    for (int j = 0; j < N; j++)
        alive[j] = 1;
    for (int wk = 0; wk < WPY; wk++) {
        sw_weeks(&h, 1);
        for (int j = 0; j < N; j++)
            if (alive[j] && (h.w->flags[agent[j]] & AF_DEAD)) {
                alive[j] = 0;
                deaths++;
                years += pwi_life_expectancy(h.w->v, age_years(h.w, agent[j], wk));
            }
    }
    double d = sw_series(&h, 0, "drug_deaths"), ly = sw_series(&h, 0, "life_years_lost");
    double od = sw_series(&h, 0, "overdose_deaths");
    fprintf(stderr, "drug deaths %.0f (overdose %.0f; counted here %.0f), life-years %.2f (%.2f)\n",
            d, od, deaths, ly, years);
    assert_true(deaths > 50 && d > od); /* overdoses and HIV deaths, both */
    assert_true(close_rel(d, deaths));
    assert_true(close_rel(ly, years));
    assert_true(close_rel(sw_metric(&h, "life_years_lost_total"), years));
    sw_close(&h);
    pw_scenario_free(s);
}

/* 3 x beds people ordered into 6 months of compulsory treatment in week 1:
 * the orders need all their beds for 26 weeks (mean over year 0 = n / 2,
 * peak n), although a third are admitted now and the rest in week 27;
 * orders repeated while waiting add nothing. */
static void beds_needed_counts_each_order_once(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "treatment.compulsory_beds_per_100k", 100); /* 44 beds */
    pw_regime *g = sw_regime("exec-compulsory.yaml");
    sw h;
    sw_open(&h, s, 2, SCALE, g, 57);
    uint32_t beds = (uint32_t)h.w->beds, n = 3 * beds;
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    sw_weeks(&h, 1);
    for (uint32_t i = beds; i < n; i++) /* the waiting are caught again */
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    sw_weeks(&h, 2 * WPY - 2);
    double mean0 = sw_series(&h, 0, "beds_needed"), peak0 = sw_series(&h, 0, "beds_needed_peak");
    fprintf(stderr, "%u beds, %u orders: beds needed mean %.3f, peak %.0f; year 1 %.3f, %.0f; "
                    "admissions %.0f + %.0f\n",
            beds, n, mean0, peak0, sw_series(&h, 1, "beds_needed"),
            sw_series(&h, 1, "beds_needed_peak"), sw_series(&h, 0, "compulsory_admissions"),
            sw_series(&h, 1, "compulsory_admissions"));
    assert_true(close_rel(mean0, n * 26.0 / WPY));
    assert_true(close_rel(peak0, n));
    assert_true(sw_series(&h, 1, "beds_needed") == 0 && sw_series(&h, 1, "beds_needed_peak") == 0);
    assert_true(close_rel(sw_metric(&h, "beds_needed_peak"), n));
    assert_true(sw_metric(&h, "beds_needed_last_year") == 0);
    assert_true(close_rel(sw_series(&h, 0, "compulsory_beds_for_drugs"), beds));
    /* Everyone was admitted in the end: the second third in week 27, the
     * last in week 53 (year 1). */
    assert_true(close_rel(sw_series(&h, 0, "compulsory_admissions"), 2 * beds));
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* 100 severe users caught using (a personal amount), none consenting: the
 * hybrid panel examines each, a Portuguese commission hears each, and
 * kz-current's court orders the medical examination before compulsory
 * treatment for each; a fine (the test regime) meets no panel. */
static void panel_sessions_one_per_case(void **state)
{
    (void)state;
    static const char *const regimes[] = {"hybrid", "portugal", "kz-current", NULL};
    for (int k = 0; k < 4; k++) {
        pw_scenario *s = sw_scenario();
        st_set(s, "treatment.consent_share", 0);
        pw_regime *g = NULL;
        if (regimes[k]) {
            pw_error err;
            pw_error_clear(&err);
            assert_int_equal(pw_regime_load(regimes[k], &g, &err), PW_OK);
        } else {
            g = sw_regime("exec-fine.yaml");
        }
        sw h;
        sw_open(&h, s, 1, SCALE, g, 9);
        for (uint32_t j = 0; j < 100; j++)
            sw_add(&h);
        sw_weeks(&h, 1);
        for (uint32_t i = 0; i < 100; i++)
            pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_USE, 0);
        sw_weeks(&h, WPY - 1);
        double p = sw_series(&h, 0, "panel_sessions");
        fprintf(stderr, "%s: %.0f panel sessions for 100 cases\n", regimes[k] ? regimes[k] : "fine",
                p);
        assert_true(close_rel(p, regimes[k] ? 100 : 0));
        assert_true(close_rel(sw_metric(&h, "panel_sessions_total"), p));
        sw_close(&h);
        pw_regime_free(g);
        pw_scenario_free(s);
    }
}

static double json_mean(json_t *j, const char *reg, const char *block, const char *metric)
{
    json_t *x = json_object_get(
        json_object_get(json_object_get(json_object_get(json_object_get(j, "regimes"), reg), block),
                        metric),
        "mean");
    return x ? json_real_value(x) : NAN;
}

static void derived_metrics_are_paired(void **state)
{
    (void)state;
    const char *regs[] = {"hybrid", "kz-current"};
    pw_results *r = pw_results_new("t", 2024, 1, 4, 1, regs, 2);
    assert_non_null(r);
    size_t d = (size_t)pw_metric_find("drug_deaths_total");
    size_t a = (size_t)pw_metric_find("deaths_averted_vs_baseline");
    size_t l = (size_t)pw_metric_find("life_years_saved_vs_baseline");
    size_t y = (size_t)pw_metric_find("life_years_lost_total");
    for (int k = 0; k < 4; k++) {
        pw_results_set_metric(r, 0, k, d, 10 + k);     /* hybrid */
        pw_results_set_metric(r, 1, k, d, 13 + 2 * k); /* kz-current: 3 + k more */
        pw_results_set_metric(r, 0, k, y, 100);
        pw_results_set_metric(r, 1, k, y, 130);
        pw_results_set_metric(r, 0, k, a, 1e9); /* not stored: formed */
    }
    for (int k = 0; k < 4; k++) {
        assert_true(pw_results_metric(r, 0, k, a) == 3 + k);
        assert_true(pw_results_metric(r, 1, k, a) == 0);
        assert_true(pw_results_metric(r, 0, k, l) == 30);
    }
    double mean, lo, hi;
    assert_int_equal(pw_results_summary(r, 0, -1, a, &mean, &lo, &hi), PW_OK);
    assert_true(close_rel(mean, 4.5));
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_results_write(r, "out_derived", &err), PW_OK);
    json_error_t je;
    json_t *j = json_load_file("out_derived/summary.json", 0, &je);
    assert_non_null(j);
    assert_true(close_rel(json_mean(j, "hybrid", "metrics", "deaths_averted_vs_baseline"), 4.5));
    assert_true(close_rel(json_mean(j, "hybrid", "metrics", "life_years_saved_vs_baseline"), 30));
    json_decref(j);
    pw_results_free(r);

    /* Without the baseline the derived metrics are not written at all. */
    const char *one[] = {"hybrid"};
    r = pw_results_new("t", 2024, 1, 2, 1, one, 1);
    assert_true(isnan(pw_results_metric(r, 0, 0, a)));
    assert_int_equal(pw_results_write(r, "out_derived1", &err), PW_OK);
    j = json_load_file("out_derived1/summary.json", 0, &je);
    assert_non_null(j);
    assert_true(isnan(json_mean(j, "hybrid", "metrics", "deaths_averted_vs_baseline")));
    assert_false(isnan(json_mean(j, "hybrid", "metrics", "drug_deaths_total")));
    json_decref(j);
    char *csv = NULL;
    size_t len;
    assert_int_equal(pw_read_file("out_derived1/summary.csv", &csv, &len, NULL), PW_OK);
    assert_null(strstr(csv, "deaths_averted"));
    assert_non_null(strstr(csv, "drug_deaths_total"));
    free(csv);
    pw_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_substance_adds_up),
        cmocka_unit_test(custody_is_what_is_charged),
        cmocka_unit_test(custody_of_a_cohort),
        cmocka_unit_test(life_table),
        cmocka_unit_test(drug_deaths_and_life_years),
        cmocka_unit_test(beds_needed_counts_each_order_once),
        cmocka_unit_test(panel_sessions_one_per_case),
        cmocka_unit_test(derived_metrics_are_paired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
