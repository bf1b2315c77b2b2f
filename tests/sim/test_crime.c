/*
 * Crime by dependent users (docs/model.md, "Crime and the drug market"):
 * offences per offender-year equal crime.acquisitive_rate_dependent times
 * its ratios (out of work, criminal mindset, drug court); a detected
 * offence becomes a crime_under_influence case, violent with
 * crime.violent_share. Measured on hand-made worlds (simworld.h).
 */
#include "simworld.h"

#define SCALE 0.02 /* ~44k agents */
#define K 4.0      /* standard errors allowed */
#define N 3000     /* offenders per group */

enum { G_EMPLOYED, G_UNEMPLOYED, G_MINDSET, G_DRUG_COURT, G_LIGHT, G_COMPULSORY };

/* Offences per offender-year of N people of one kind, over one year. */
static double offence_rate(pw_scenario *s, int kind)
{
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 31);
    for (int j = 0; j < N; j++) {
        act *r = sw_rec(&h, sw_add(&h));
        r->flags |= RF_EMPLOYED;
        if (kind == G_UNEMPLOYED)
            r->flags &= (uint8_t)~RF_EMPLOYED;
        if (kind == G_MINDSET)
            r->mindset = 1;
        if (kind == G_LIGHT)
            r->stage = ST_LIGHT;
        if (kind == G_DRUG_COURT || kind == G_COMPULSORY) {
            /* a placement that outlasts the test */
            r->place = kind == G_DRUG_COURT ? PL_DRUG_COURT : PL_COMPULSORY;
            r->until = 60000;
        }
    }
    sw_weeks(&h, WPY);
    double offences = sw_series(&h, 0, "acquisitive_crimes");
    /* nobody leaves: no deaths, remission or police in this world */
    assert_true(sw_series(&h, 0, kind == G_LIGHT ? "light_users" : "dependent") == N);
    sw_close(&h);
    return offences / N;
}

static void offences_per_offender_year(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double rate = 12, unemployed = 2.5, mindset = 2, court = 0.5;
    st_set(s, "crime.acquisitive_rate_dependent", rate);
    st_set(s, "crime.unemployed_rate_ratio", unemployed);
    st_set(s, "crime.mindset_rate_ratio", mindset);
    st_set(s, "treatment.drug_court_crime_ratio", court);
    const struct {
        int kind;
        const char *what;
        double expected;
    } g[] = {
        {G_EMPLOYED, "offences per employed offender-year", rate},
        {G_UNEMPLOYED, "offences per unemployed offender-year", rate * unemployed},
        {G_MINDSET, "offences per offender-year with a criminal mindset", rate * mindset},
        {G_DRUG_COURT, "offences per offender-year under a drug court", rate * court},
    };
    for (size_t k = 0; k < sizeof g / sizeof g[0]; k++) {
        double obs = offence_rate(s, g[k].kind);
        /* a year of N offenders: the count is Poisson(N x rate) */
        st_within(g[k].what, obs, g[k].expected, sqrt(N * g[k].expected) / N, K);
    }
    /* Only dependent users in the community offend: not light users (kept
     * light here), nor people in compulsory treatment. */
    st_set(s, "use.light_quit_rate", 0);
    const char *dep[] = {"use.dependence_rate_opioids", "use.dependence_rate_synthetic_cathinones",
                         "use.dependence_rate_synthetic_cannabinoids",
                         "use.dependence_rate_cannabis", "use.dependence_rate_stimulants"};
    for (int i = 0; i < 5; i++)
        st_set(s, dep[i], 0);
    assert_true(offence_rate(s, G_LIGHT) == 0);
    assert_true(offence_rate(s, G_COMPULSORY) == 0);
    pw_scenario_free(s);
}

/* A detected offence is a case of crime under the influence; with the
 * exec-prison regime a violent one goes to prison (an open sentence),
 * the others get no action. */
static void detected_crimes_become_cases(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double detect = 0.5, violent = 0.3;
    st_set(s, "crime.acquisitive_rate_dependent", 6);
    st_set(s, "crime.violent_share", violent);
    st_set(s, "police.crime_detection", detect);
    pw_regime *g = sw_regime("exec-prison.yaml");
    sw h;
    sw_open(&h, s, 1, SCALE, g, 37);
    for (int j = 0; j < N; j++)
        sw_rec(&h, sw_add(&h))->flags |= RF_EMPLOYED;
    sw_weeks(&h, WPY);
    double offences = sw_series(&h, 0, "acquisitive_crimes");
    double cases = sw_series(&h, 0, "detected_offences");
    double prison = sw_series(&h, 0, "prison_admissions");
    st_within("share of offences detected", cases / offences, detect,
              sw_se_p(detect, offences), K);
    st_within("share of crime cases that are violent (sent to prison)", prison / cases, violent,
              sw_se_p(violent, cases), K);
    /* crimes under the influence are not drug crimes */
    assert_true(sw_series(&h, 0, "drug_crimes") == 0);
    /* everyone sent to prison is still there (open sentences of >= 1 year) */
    assert_true(sw_series(&h, 0, "prison_population") == prison);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offences_per_offender_year),
        cmocka_unit_test(detected_crimes_become_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
