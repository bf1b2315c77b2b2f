/*
 * The mean-field engine compares regimes: the same pathway engine decides
 * the cases, so the regimes must differ the way their rules say.
 *  - hybrid sends dependent users caught with drugs to compulsory
 *    treatment, kz-current never does;
 *  - with only possession detected (no crime, no market), hybrid and
 *    kz-current imprison nobody, Portugal only for the fifth of dependent
 *    users' possession that is a large amount (personal possession goes to
 *    the dissuasion commission, which refers some to outpatient care), and
 *    Russia's 3-10 years for a large amount hold more people than
 *    Portugal's 0-1 year;
 *  - under drug-court, those who do not graduate serve the deferred term:
 *    the lower the graduation rate, the more prisoners;
 *  - the same inputs give the same bytes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

#define YEARS 10
#define NREG 4
static const char *const NAMES[NREG] = {"kz-current", "hybrid", "portugal", "russia"};

static pw_scenario *load(void)
{
    pw_scenario *s = NULL;
    pw_error err;
    char path[4096];
    const char *src = getenv("PW_SRC");
    assert_non_null(src);
    snprintf(path, sizeof path, "%s/tests/calib/well_mixed_justice.yaml", src);
    assert_int_equal(pw_scenario_load(path, &s, &err), PW_OK);
    return s;
}

static pw_results *run_all(const pw_scenario *s)
{
    pw_error err;
    pw_results *res = pw_results_new("t", pw_scenario_start_year(s), YEARS, 1, 0, NAMES, NREG);
    assert_non_null(res);
    for (size_t g = 0; g < NREG; g++) {
        pw_regime *r = NULL;
        assert_int_equal(pw_regime_load(NAMES[g], &r, &err), PW_OK);
        int rc = pw_mf_society_run(s, r, 1.0, YEARS, res, g, 0, &err);
        if (rc != PW_OK)
            fprintf(stderr, "%s: %s\n", NAMES[g], err.msg);
        assert_int_equal(rc, PW_OK);
        pw_regime_free(r);
    }
    return res;
}

static double metric(const pw_results *res, size_t g, const char *name)
{
    int m = pw_metric_find(name);
    assert_true(m >= 0);
    return pw_results_metric(res, g, 0, (size_t)m);
}

static double series_sum(const pw_results *res, size_t g, const char *name)
{
    int k = pw_series_find(name);
    assert_true(k >= 0);
    double t = 0;
    for (int y = 0; y < YEARS; y++)
        t += pw_results_series(res, g, 0, y, (size_t)k);
    return t;
}

static void test_hybrid_treats_where_kz_current_does_not(void **state)
{
    (void)state;
    pw_scenario *s = load();
    pw_results *res = run_all(s);
    double kz = metric(res, 0, "in_compulsory_treatment_end");
    double hy = metric(res, 1, "in_compulsory_treatment_end");
    fprintf(stderr, "in compulsory treatment: kz-current %.1f, hybrid %.1f\n", kz, hy);
    /* kz-current's courts order compulsory treatment next to the sanction
     * for severe users who refuse voluntary care (carried out since the
     * measures are), far fewer than the hybrid's panel sends. */
    assert_true(kz > 0 && kz < 0.5 * hy);
    assert_true(hy > 1000);
    /* Crimes under the influence: prison in kz-current, treatment first
     * in hybrid, so hybrid holds fewer people in prison. */
    assert_true(metric(res, 1, "prison_population_end") < metric(res, 0, "prison_population_end"));
    /* Every column the pathway fills is a number. */
    static const char *const filled[] = {"prison_population_end", "detected_offences_total",
                                         "drug_crimes_total", "overdose_deaths_total",
                                         "sustained_remissions_total", "cost_total_kzt"};
    for (size_t g = 0; g < NREG; g++)
        for (size_t i = 0; i < sizeof filled / sizeof filled[0]; i++)
            assert_true(isfinite(metric(res, g, filled[i])));
    pw_results_free(res);
    pw_scenario_free(s);
}

static void test_possession_only(void **state)
{
    (void)state;
    pw_scenario *s = load();
    assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s, "police.crime_detection"), 0),
                     PW_OK);
    pw_results *res = run_all(s);
    double adm[NREG], held[NREG], cases[NREG], out[NREG];
    for (size_t g = 0; g < NREG; g++) {
        adm[g] = metric(res, g, "prison_admissions_total");
        held[g] = metric(res, g, "prison_population_end");
        cases[g] = metric(res, g, "drug_crimes_total");
        out[g] = series_sum(res, g, "outpatient_treatment");
        fprintf(stderr, "%-10s possession cases %8.0f prison admissions %7.1f held %7.1f "
                        "outpatient person-years %7.1f\n",
                NAMES[g], cases[g], adm[g], held[g], out[g]);
    }
    assert_true(adm[0] < 1e-6 && adm[1] < 1e-6);          /* kz-current, hybrid */
    assert_true(adm[2] > 0 && adm[2] < 0.2 * cases[2]);    /* portugal: large amounts only */
    assert_true(held[3] > held[2]);                        /* russia's terms are longer */
    assert_true(out[2] > 0);                               /* dissuasion refers to care */
    assert_true(out[0] > 0); /* kz-current: voluntary treatment next to the sanction */
    pw_results_free(res);
    pw_scenario_free(s);
}

/* Hybrid under three bed limits: no beds treat nobody; more beds treat at
 * least as many; with beds to spare the list empties within weeks (each
 * waiting person is admitted at about 52 a year), and the solve stays
 * cheap (an earlier admission term turned the ODE stiff here). */
static void test_bed_capacity(void **state)
{
    (void)state;
    static const double beds[] = {0, 9.5, 1000};
    double treated[3], waiting[3];
    for (int b = 0; b < 3; b++) {
        pw_scenario *s = load();
        assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s,
                             "treatment.compulsory_beds_per_100k"), beds[b]), PW_OK);
        pw_error err;
        pw_regime *r = NULL;
        assert_int_equal(pw_regime_load("hybrid", &r, &err), PW_OK);
        const char *name = "hybrid";
        pw_results *res = pw_results_new("t", pw_scenario_start_year(s), YEARS, 1, 0, &name, 1);
        assert_non_null(res);
        assert_int_equal(pw_mf_society_run(s, r, 1.0, YEARS, res, 0, 0, &err), PW_OK);
        treated[b] = metric(res, 0, "in_compulsory_treatment_end");
        waiting[b] = metric(res, 0, "waiting_list_end");
        fprintf(stderr, "beds %6.1f per 100k: in treatment %8.1f, waiting %8.1f\n", beds[b],
                treated[b], waiting[b]);
        pw_results_free(res);
        pw_regime_free(r);
        pw_scenario_free(s);
    }
    assert_true(treated[0] < 1);
    assert_true(treated[1] > 1 && treated[2] > treated[1]);
    assert_true(waiting[1] > treated[1]);        /* 9.5 beds: a queue builds */
    assert_true(waiting[2] < 0.05 * treated[2]); /* beds to spare: weeks of waiting */
}

/* Hybrid with only crimes under the influence detected and no beds: a
 * moderate or severe user's treatment-then-prison order waits for a bed in
 * custody (as the ABM, src/sim/pathway.c), so every waiting person is a
 * prisoner: the prison population is at least the waiting list, and it
 * exceeds the prisoners of the ordinary terms (mild users only) by far. */
static void test_custody_wait(void **state)
{
    (void)state;
    pw_scenario *s = load();
    assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s, "police.use_detection_rate"), 0),
                     PW_OK);
    assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s,
                         "treatment.compulsory_beds_per_100k"), 0), PW_OK);
    pw_error err;
    pw_regime *r = NULL;
    assert_int_equal(pw_regime_load("hybrid", &r, &err), PW_OK);
    const char *name = "hybrid";
    pw_results *res = pw_results_new("t", pw_scenario_start_year(s), YEARS, 1, 0, &name, 1);
    assert_non_null(res);
    assert_int_equal(pw_mf_society_run(s, r, 1.0, YEARS, res, 0, 0, &err), PW_OK);
    double held = metric(res, 0, "prison_population_end");
    double waiting = metric(res, 0, "waiting_list_end");
    double treated = metric(res, 0, "in_compulsory_treatment_end");
    fprintf(stderr, "no beds, crimes only: prison %.1f, waiting (in custody) %.1f, "
                    "in treatment %.1f\n", held, waiting, treated);
    assert_true(treated < 1);
    assert_true(waiting > 100);
    assert_true(held >= waiting * (1 - 1e-9));
    /* Mild users (DSM-5 2-3 criteria, 7% of cases) get the ordinary term:
     * the custody waiters must be most of the prison. */
    assert_true(waiting > 0.5 * held);
    pw_results_free(res);
    pw_regime_free(r);
    pw_scenario_free(s);
}

/* drug-court with only crimes under the influence detected and everyone
 * consenting: the non-violent are admitted to the drug court with the
 * underlying offence's term deferred, and those who do not graduate enter
 * prison at the end (as the ABM, src/sim/placement.c). So the fewer
 * graduate, the more prison admissions and prisoners; were the deferred
 * term ignored, graduation would not change prison at all. */
static void test_drug_court_failures_go_to_prison(void **state)
{
    (void)state;
    static const double grads[] = {1, 0.59, 0};
    double adm[3], held[3];
    pw_error err;
    pw_regime *r = NULL;
    assert_int_equal(pw_regime_load("drug-court", &r, &err), PW_OK);
    for (int k = 0; k < 3; k++) {
        pw_scenario *s = load();
        assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s, "police.use_detection_rate"),
                                      0), PW_OK);
        assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s, "treatment.consent_share"),
                                      1), PW_OK);
        assert_int_equal(pw_param_set(s, (size_t)pw_param_find(s,
                             "treatment.drug_court_graduation"), grads[k]), PW_OK);
        const char *name = "drug-court";
        pw_results *res = pw_results_new("t", pw_scenario_start_year(s), YEARS, 1, 0, &name, 1);
        assert_non_null(res);
        assert_int_equal(pw_mf_society_run(s, r, 1.0, YEARS, res, 0, 0, &err), PW_OK);
        adm[k] = metric(res, 0, "prison_admissions_total");
        held[k] = metric(res, 0, "prison_population_end");
        fprintf(stderr, "drug court graduation %.2f: prison admissions %.1f, held %.1f\n",
                grads[k], adm[k], held[k]);
        pw_results_free(res);
        pw_scenario_free(s);
    }
    /* With everyone graduating only the violent (10%) and those without a
     * place go to prison; with nobody graduating, every participant too. */
    assert_true(adm[1] > 1.2 * adm[0] && adm[2] > 1.2 * adm[1]);
    assert_true(held[1] > held[0] && held[2] > held[1]);
    pw_regime_free(r);
}

static void test_same_inputs_same_bytes(void **state)
{
    (void)state;
    pw_scenario *s = load();
    pw_results *a = run_all(s), *b = run_all(s);
    for (size_t g = 0; g < NREG; g++)
        for (size_t m = 0; m < pw_metric_count(); m++) {
            double x = pw_results_metric(a, g, 0, m), y = pw_results_metric(b, g, 0, m);
            assert_true(memcmp(&x, &y, sizeof x) == 0);
        }
    pw_results_free(a);
    pw_results_free(b);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hybrid_treats_where_kz_current_does_not),
        cmocka_unit_test(test_possession_only),
        cmocka_unit_test(test_bed_capacity),
        cmocka_unit_test(test_custody_wait),
        cmocka_unit_test(test_drug_court_failures_go_to_prison),
        cmocka_unit_test(test_same_inputs_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
