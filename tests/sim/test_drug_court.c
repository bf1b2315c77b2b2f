/*
 * The built-in drug-court regime in the simulator (docs/regimes.md,
 * drug-court; docs/model.md, "The pathway"): a participant who does not
 * graduate is sentenced on the original charge at the end of the
 * programme. Dependent users who consent are detected, half for a
 * non-violent crime under the influence (a custodial term of the
 * underlying offence on failure), half for possession (probation on
 * failure, unless the amount is large: prison up to 5 years); the real
 * weekly loop then runs them through the 12-month programme.
 */
#include "simworld.h"

#define SCALE 0.02 /* ~44k agents */
#define K 4.0

static void failures_serve_the_deferred_sentence(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double grad = 0.59, open_years = 2;
    st_set(s, "cost.discount_rate", 0);
    st_set(s, "treatment.outpatient_slots_per_100k", 5000); /* ~2,200 places */
    st_set(s, "treatment.consent_share", 1);
    st_set(s, "treatment.drug_court_graduation", grad);
    st_set(s, "prison.open_sentence_years", open_years);
    pw_regime *g = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_regime_load("drug-court", &g, &err), PW_OK);
    const uint32_t n = 2000; /* even: crime, odd: possession */
    sw h;
    sw_open(&h, s, 4, SCALE, g, 79);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    int start = h.week;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, start,
                        i % 2 ? PW_EVENT_POSSESSION : PW_EVENT_CRIME_UNDER_INFLUENCE, 0);

    /* Everyone is in the drug court for 12 months; the crime's term (an
     * open bound: exponential, mean prison.open_sentence_years) and a
     * large amount's (uniform up to 5 years) are held, probation is not. */
    uint16_t *held = calloc(n, sizeof *held);
    assert_non_null(held);
    double crime_weeks = 0, poss_held = 0;
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_DRUG_COURT && r->until == start + 52);
        held[i] = r->then_prison;
        if (i % 2 == 0) {
            assert_true(held[i] > 0);
            crime_weeks += held[i];
        } else if (held[i]) {
            poss_held++;
            assert_true(held[i] <= 5 * WPY);
        }
    }
    const double half = n / 2.0;
    /* (then_prison truncates the term to whole weeks: half a week less) */
    st_within("mean deferred term of a crime under the influence (weeks)", crime_weeks / half,
              open_years * WPY - 0.5, open_years * WPY / sqrt(half), K);
    st_within("share of possession participants with a deferred prison term (large amounts)",
              poss_held / half, 0.2, sw_se_p(0.2, half), K);

    /* At the end of the programme (week start + 52) the participants who
     * do not graduate enter prison for the term held; no one else does. */
    sw_weeks(&h, 52);
    for (uint32_t i = 0; i < n; i++)
        assert_true(sw_rec(&h, i)->place == PL_DRUG_COURT);
    sw_weeks(&h, 1);
    double crime_pris = 0, poss_pris = 0;
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON || r->place == PL_COMMUNITY);
        if (r->place != PL_PRISON)
            continue;
        assert_true(held[i] > 0); /* probation never becomes prison */
        int want = start + 52 + held[i];
        assert_true(r->end >= want - 1 && r->end <= want);
        if (i % 2 == 0)
            crime_pris++;
        else
            poss_pris++;
    }
    st_within("share of crime participants who enter prison at the end", crime_pris / half,
              1 - grad, sw_se_p(1 - grad, half), K);
    st_within("share of held possession terms served", poss_pris / poss_held, 1 - grad,
              sw_se_p(1 - grad, poss_held), K);
    free(held);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failures_serve_the_deferred_sentence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
