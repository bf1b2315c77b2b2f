/*
 * HIV among people who inject drugs as services and contacts (hiv.c):
 * infection passes only through shared equipment, at the rate of
 * pwi_rate_sharing_infection; needle-syringe programme places are filled
 * only where there are places and cut the risk by health.nsp_sharing_rr;
 * ART on everyone with art_transmission_rr 0 stops transmission; tests and
 * ART start at their rates. Each statistical check allows K standard
 * errors of the binomial counts plus a stated bias of the approximation
 * (prevalence rising over the year, the weeks before a place is taken).
 */
#include <string.h>

#include "simtest.h"

#define SCALE 0.02 /* ~29k agents in 2011, ~1,900 people who inject */
#define K 4.0      /* standard errors allowed */

/* Opioid users who all inject, no remission, overdose, HIV deaths, police
 * or treatment; no programme places, tests or ART unless a test sets them. */
static pw_scenario *base(void)
{
    pw_scenario *s = st_load("almaty");
    st_quiet(s);
    const char *mix[] = {"substances.mix_synthetic_cathinones",
                         "substances.mix_synthetic_cannabinoids", "substances.mix_cannabis",
                         "substances.mix_stimulants"};
    for (int i = 0; i < 4; i++)
        st_set(s, mix[i], 0);
    st_set(s, "substances.mix_opioids", 1);
    st_set(s, "demography.gompertz_a", 1e-6);
    st_set(s, "demography.gompertz_b", 0.01);
    st_set(s, "demography.emigration_rate", 0);
    st_set(s, "treatment.voluntary_entry_rate", 0);
    st_set(s, "police.use_detection_rate", 0);
    st_set(s, "police.crime_detection", 0);
    st_set(s, "police.sale_detection", 0);
    st_set(s, "initial.dependent_share", 0.1);
    st_set(s, "initial.injecting_share_of_opioid_dependent", 1);
    st_set(s, "use.remission_rate_opioids", 0);
    st_set(s, "health.overdose_death_rate_injecting", 0);
    st_set(s, "health.hiv_excess_mortality", 0);
    st_set(s, "harm_reduction.nsp_clients_per_100k", 0);
    st_set(s, "health.hiv_testing_rate", 0);
    st_set(s, "health.hiv_test_at_contact", 0);
    st_set(s, "initial.hiv_diagnosed_share", 0);
    st_set(s, "initial.hiv_art_share", 0);
    st_set(s, "cost.discount_rate", 0);
    return s;
}

/* Half the injectors share; the 25% HIV prevalence sits with them (50%
 * of sharers). A susceptible sharer is infected at 0.1 x the infectious
 * share among sharers (0.5 rising to ~0.52); non-sharers never are, so
 * the old rule (0.1 x prevalence among all, on all three quarters
 * susceptible) would give a third fewer. No places: no clients. */
static void sharers_infect_sharers(void **state)
{
    (void)state;
    pw_scenario *s = base();
    st_set(s, "health.sharing_share", 0.5);
    st_set(s, "initial.hiv_prevalence_pwid", 0.25);
    st_set(s, "health.hiv_transmission_rate", 0.1);
    pwi_run_result r = st_run(s, NULL, 1, SCALE, 0, 9);
    double pwid = st_series(&r, 0, "pwid") * SCALE;
    double inf = st_series(&r, 0, "hiv_infections") * SCALE;
    double hiv = st_series(&r, 0, "hiv_pwid") * SCALE;
    assert_true(st_series(&r, 0, "nsp_clients") == 0);
    assert_true(st_series(&r, 0, "hiv_diagnosed") == 0 && st_series(&r, 0, "hiv_on_art") == 0);
    /* Sharers ~ Binomial(pwid, 0.5): its sd enters as a relative term. */
    double expected = 0.5 * pwid * 0.5 * -expm1(-0.1 * 0.51);
    st_within("HIV infections among sharers in a year", inf, expected,
              sqrt(expected) + expected * (1 / sqrt(pwid) + 0.02), K);
    /* Every infection is a sharer's: prevalence among sharers can only
     * rise, among non-sharers it stays 0, so HIV among all stays <= 50%. */
    assert_true(hiv <= 0.5 * pwid + K * sqrt(0.25 * pwid));
    st_done(&r);
    pw_scenario_free(s);
}

/* Nobody shares: no HIV or HCV infection, whatever the transmission rates. */
static void no_sharing_no_infection(void **state)
{
    (void)state;
    pw_scenario *s = base();
    st_set(s, "health.sharing_share", 0);
    st_set(s, "initial.hiv_prevalence_pwid", 0.5);
    st_set(s, "health.hiv_transmission_rate", 5);
    st_set(s, "health.hcv_transmission_rate", 5);
    pwi_run_result r = st_run(s, NULL, 2, SCALE, 0, 11);
    assert_true(st_series(&r, 0, "hiv_pwid") > 0);
    for (int y = 0; y < 2; y++) {
        assert_true(st_series(&r, y, "hiv_infections") == 0);
        assert_true(st_series(&r, y, "hcv_infections") == 0);
    }
    st_done(&r);
    /* The same with everyone sharing infects (the check above can fail). */
    st_set(s, "health.sharing_share", 1);
    r = st_run(s, NULL, 1, SCALE, 0, 11);
    assert_true(st_series(&r, 0, "hiv_infections") > 0);
    st_done(&r);
    pw_scenario_free(s);
}

/* Everyone HIV-positive on ART, never stopping, with no transmission on
 * ART: the epidemic does not grow. With art_transmission_rr 1 it does. */
static void full_art_stops_transmission(void **state)
{
    (void)state;
    pw_scenario *s = base();
    st_set(s, "health.sharing_share", 1);
    st_set(s, "initial.hiv_prevalence_pwid", 0.5);
    st_set(s, "health.hiv_transmission_rate", 2);
    st_set(s, "initial.hiv_diagnosed_share", 1);
    st_set(s, "initial.hiv_art_share", 1);
    st_set(s, "health.art_stop_rate", 0);
    st_set(s, "health.art_transmission_rr", 0);
    pwi_run_result r = st_run(s, NULL, 2, SCALE, 0, 13);
    for (int y = 0; y < 2; y++) {
        assert_true(st_series(&r, y, "hiv_infections") == 0);
        assert_true(st_series(&r, y, "hiv_on_art") == st_series(&r, y, "hiv_pwid"));
    }
    assert_true(st_metric(&r, "cost_hiv_care_kzt") > 0);
    st_done(&r);
    st_set(s, "health.art_transmission_rr", 1);
    r = st_run(s, NULL, 1, SCALE, 0, 13);
    assert_true(st_series(&r, 0, "hiv_infections") > 0);
    st_done(&r);
    pw_scenario_free(s);
}

/* Places for everyone, taken within weeks (52 a year): nearly every
 * injector is a client, each paying cost.nsp_per_client_year, and a
 * client's risk is halved (nsp_sharing_rr 0.5). The weeks before a place
 * is taken (~1.6 on average at full risk) add ~2% to the infections. */
static void needle_programme_places(void **state)
{
    (void)state;
    pw_scenario *s = base();
    st_set(s, "health.sharing_share", 1);
    st_set(s, "initial.hiv_prevalence_pwid", 0.5);
    st_set(s, "health.hiv_transmission_rate", 0.2);
    st_set(s, "harm_reduction.nsp_clients_per_100k", 5000);
    st_set(s, "harm_reduction.nsp_uptake_rate", 52);
    st_set(s, "health.nsp_sharing_rr", 0.5);
    st_set(s, "harm_reduction.nsp_testing_rate", 0);
    /* fewer injectors (~1,250) than places (5% of the people, ~1,430) */
    st_set(s, "initial.dependent_share", 0.04);
    pwi_run_result r = st_run(s, NULL, 1, SCALE, 0, 17);
    double pwid = st_series(&r, 0, "pwid") * SCALE;
    double clients = st_series(&r, 0, "nsp_clients") * SCALE;
    double inf = st_series(&r, 0, "hiv_infections") * SCALE;
    fprintf(stderr, "clients %.0f of %.0f PWID\n", clients, pwid);
    assert_true(clients <= pwid && clients > 0.97 * pwid);
    double expected = 0.5 * pwid * -expm1(-0.2 * 0.5 * 0.51);
    st_within("HIV infections of clients in a year", inf, expected,
              sqrt(expected) + 0.04 * expected, K);
    /* Nearly a year's place per injector (no discounting in base()). */
    double cost = st_metric(&r, "cost_needle_syringe_programmes_kzt") * SCALE;
    double price = 106000; /* almaty.yaml: cost.nsp_per_client_year */
    assert_true(cost > 0.93 * pwid * price && cost <= 1.01 * pwid * price);
    st_done(&r);
    pw_scenario_free(s);
}

/* Tests and ART at their rates: with no new infections, the HIV-positive
 * people who are diagnosed after a year are 1 - e^-0.5 of them at a test
 * rate of 0.5; diagnosed people start ART at 1 a year and stop at 0.25:
 * on ART after a year 1 / 1.25 x (1 - e^-1.25) of them. */
static void tests_and_art_at_their_rates(void **state)
{
    (void)state;
    pw_scenario *s = base();
    st_set(s, "health.sharing_share", 1);
    st_set(s, "initial.hiv_prevalence_pwid", 0.5);
    st_set(s, "health.hiv_transmission_rate", 0);
    st_set(s, "health.hiv_testing_rate", 0.5);
    st_set(s, "health.art_start_rate", 0);
    pwi_run_result r = st_run(s, NULL, 1, SCALE, 0, 19);
    double hiv = st_series(&r, 0, "hiv_pwid") * SCALE;
    double diag = st_series(&r, 0, "hiv_diagnosed") * SCALE;
    double p = -expm1(-0.5);
    st_within("diagnosed after a year", diag, p * hiv, sqrt(hiv * p * (1 - p)), K);
    assert_true(st_series(&r, 0, "hiv_on_art") == 0);
    st_done(&r);
    st_set(s, "health.hiv_testing_rate", 0);
    st_set(s, "initial.hiv_diagnosed_share", 1);
    st_set(s, "health.art_start_rate", 1);
    st_set(s, "health.art_stop_rate", 0.25);
    r = st_run(s, NULL, 1, SCALE, 0, 19);
    hiv = st_series(&r, 0, "hiv_pwid") * SCALE;
    double art = st_series(&r, 0, "hiv_on_art") * SCALE;
    p = 1 / 1.25 * -expm1(-1.25);
    st_within("on ART after a year", art, p * hiv, sqrt(hiv * p * (1 - p)), K);
    st_done(&r);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sharers_infect_sharers),
        cmocka_unit_test(no_sharing_no_infection),
        cmocka_unit_test(full_art_stops_transmission),
        cmocka_unit_test(needle_programme_places),
        cmocka_unit_test(tests_and_art_at_their_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
