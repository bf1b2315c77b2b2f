/*
 * The chapter's social levers (levers.c; docs/model.md, "Prevention,
 * awareness and stigma"): a school programme reaches only the ages it
 * covers and its effect fades; stigma rises with arrests and with it
 * voluntary entry falls; a campaign's cost appears in the budget.
 * Statistical checks hold within 4 binomial standard errors (a false
 * alarm about once in 16,000); the rest are identities to rounding.
 */
#include "simworld.h"

#define SCALE 0.02
#define YEARS 6

/* Coverage: the share of agents aged 13 at week 0 that year 0 reached is
 * the coverage; nobody aged 30 is reached; a reached pupil's effect is
 * full in the year of the programme and fades with its half-life. */
static void prevention_reaches_covered_cohorts_and_fades(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double c = 0.4, eff = 0.2, half = 2;
    st_set(s, "prevention.school_coverage", c);
    st_set(s, "prevention.age_from", 12);
    st_set(s, "prevention.age_to", 16);
    st_set(s, "prevention.initiation_effect", eff);
    st_set(s, "prevention.effect_half_life_years", half);
    sw h;
    sw_open(&h, s, YEARS, SCALE, NULL, 11);
    world *w = h.w;
    double n13 = 0, hit13 = 0, rr13 = 0, rr_later = 0, n30 = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        double age = age_years(w, a, 0);
        if (age >= 30 && age < 31) {
            n30++;
            assert_true(pwi_prevention_rr(w, a, 0) == 1);
            assert_true(pwi_prevention_rr(w, a, 3 * WPY) == 1);
        }
        if (age >= 13 && age < 14) {
            double rr = pwi_prevention_rr(w, a, 0);
            n13++;
            hit13 += rr < 1;
            rr13 += rr;
            /* reached in year 0: the full effect then */
            assert_true(rr == 1 || fabs(rr - (1 - eff)) < 1e-12);
            /* five years on (aged 18) no programme reaches them: the
             * effect has faded by at least 2^(-3 / half) */
            double later = pwi_prevention_rr(w, a, 5 * WPY);
            rr_later += later;
            assert_true(later == 1 || (later > 1 - eff * exp2(-3 / half) - 1e-12 && later < 1));
        }
    }
    double se = sqrt(c * (1 - c) / n13);
    fprintf(stderr, "aged 13: %.0f, reached %.4f (coverage %.2f, SE %.4f); aged 30: %.0f\n", n13,
            hit13 / n13, c, se, n30);
    assert_true(n13 > 200 && n30 > 200);
    assert_true(fabs(hit13 / n13 - c) < 4 * se);
    assert_true(rr_later > rr13); /* fading */
    /* The first year's programme is paid for the pupils it reaches. */
    sw_weeks(&h, 1);
    double band = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        double age = age_years(w, a, 0);
        band += (w->flags[a] & AF_ALIVE) && age >= 12 && age < 16;
    }
    double pupils = w->yc.pupils;
    double se_p = sqrt(band * c * (1 - c));
    fprintf(stderr, "pupils reached %.0f of %.0f (expected %.0f, SE %.1f)\n", pupils, band,
            band * c, se_p);
    assert_true(fabs(pupils - band * c) < 4 * se_p);
    assert_true(fabs(w->yc.item[CI_PREVENTION] - pupils * s->v[PI_PREV_COST]) <=
                1e-9 * pupils * s->v[PI_PREV_COST]);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Stigma rises with what the public sees of arrests, and voluntary entry
 * falls with it (by the help-seeking formula); with no punishment effect
 * it does not move. */
static void stigma_rises_with_arrests_and_entry_falls(void **state)
{
    (void)state;
    for (int on = 0; on < 2; on++) {
        pw_scenario *s = sw_scenario();
        st_set(s, "society.stigma_punishment_effect", on ? 0.5 : 0);
        st_set(s, "society.stigma_help_seeking_effect", 0.3);
        st_set(s, "treatment.voluntary_entry_rate", 0.5);
        sw h;
        sw_open(&h, s, YEARS, SCALE, NULL, 12);
        world *w = h.w;
        double s0 = w->stigma, vol0 = w->p_vol;
        assert_true(fabs(vol0 - wprob(0.5)) < 1e-15); /* the starting state sets the rate */
        /* Twenty weeks of arrests at 4 times today's level. */
        for (int k = 0; k < 20; k++) {
            w->yc.arrests += 4 * s->v[PI_STIG_REF] * (double)w->alive / 1000 / WPY;
            pwi_levers_week(w, k, 0);
        }
        fprintf(stderr, "punishment effect %d: stigma %.4f -> %.4f, weekly entry %.5f -> %.5f\n",
                on, s0, w->stigma, vol0, w->p_vol);
        if (on) {
            assert_true(w->stigma > s0 + 0.01);
            assert_true(w->p_vol < vol0);
            assert_true(fabs(w->p_vol - wprob(pwi_rate_help_seeking(0.5, 0.3, w->stigma,
                                                                     w->stigma_ref))) < 1e-15);
        } else {
            assert_true(fabs(w->stigma - s0) < 1e-12);
        }
        sw_close(&h);
        pw_scenario_free(s);
    }
}

/* Voluntary entries counted: dependent users in the community enter
 * outpatient care at the weekly chance; more stigma, fewer entries. */
static void voluntary_entries_fall_with_stigma(void **state)
{
    (void)state;
    double entries[2];
    for (int hi = 0; hi < 2; hi++) {
        pw_scenario *s = sw_scenario();
        st_set(s, "treatment.voluntary_entry_rate", 1.0);
        st_set(s, "treatment.outpatient_slots_per_100k", 5000);
        st_set(s, "society.stigma_help_seeking_effect", 1.0);
        sw h;
        sw_open(&h, s, YEARS, SCALE, NULL, 13);
        for (int j = 0; j < 400; j++)
            sw_add(&h);
        if (hi) { /* twice the stigma's odds from now on */
            h.w->stigma_ref /= 2;
            pwi_set_stigma(h.w, 0);
        }
        sw_weeks(&h, 4);
        entries[hi] = h.w->yc.vol_entries;
        sw_close(&h);
        pw_scenario_free(s);
    }
    /* Expected ~400 x (1 - e^(-4/52)) = 30 and, at twice the odds with
     * effect 1, about half; the gap must exceed 4 SE of the difference. */
    double se = sqrt(entries[0] + entries[1]);
    fprintf(stderr, "voluntary entries in 4 weeks: %.0f at today's stigma, %.0f at twice its odds\n",
            entries[0], entries[1]);
    assert_true(entries[0] - entries[1] > 4 * se * 0.5);
    assert_true(entries[0] > 15);
}

/* A campaign's yearly budget per 100,000 is charged in full, and it is in
 * the health group and the total. */
static void campaign_cost_in_budget(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double budget = 2e6;
    st_set(s, "awareness.campaign_kzt_per_100k", budget);
    st_set(s, "cost.discount_rate", 0);
    sw h;
    sw_open(&h, s, YEARS, SCALE, NULL, 14);
    double alive = (double)h.w->alive; /* constant: demography is off */
    double a0 = h.w->awareness;
    sw_weeks(&h, WPY);
    double expected = budget * alive / 1e5;
    double got = sw_metric(&h, "cost_awareness_campaigns_kzt");
    fprintf(stderr, "campaign cost %.6g, expected %.6g; awareness %.4f -> %.4f\n", got, expected,
            a0, h.w->awareness);
    assert_true(fabs(got - expected) <= 1e-9 * expected);
    assert_true(sw_metric(&h, "cost_health_kzt") >= got - 1e-6);
    assert_true(sw_series(&h, 0, "cost_awareness_campaigns_kzt") > 0);
    assert_true(fabs(h.w->awareness - pwi_rate_awareness_target(budget, s->v[PI_AWARE_HALF])) <
                1e-9); /* starts at the level today's budget sustains, and stays */
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prevention_reaches_covered_cohorts_and_fades),
        cmocka_unit_test(stigma_rises_with_arrests_and_entry_falls),
        cmocka_unit_test(voluntary_entries_fall_with_stigma),
        cmocka_unit_test(campaign_cost_in_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
