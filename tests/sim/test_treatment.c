/*
 * Treatment outcomes by kind (docs/model.md, "People who use drugs" and
 * "The pathway"; docs/sources.md K4.2): the relapse hazard in early remission
 * depends on how the remission began (after compulsory treatment, scaled
 * by its length; after voluntary treatment; after prison; spontaneous),
 * times treatment.aftercare_relapse_ratio under 12-step aftercare and
 * treatment.monitoring_relapse_ratio under monitoring, while each runs; outpatient care raises remission to
 * treatment.remission_rate_outpatient; voluntary entry fills free places.
 */
#include "simworld.h"

#define SCALE 0.05 /* ~110k agents */
#define K 4.0

enum { G_COMP12, G_COMP6, G_COMP12_AFTERCARE, G_VOLUNTARY, G_VOLUNTARY_MONITORED, G_PRISON,
       G_SPONTANEOUS, N_GROUPS };

static void relapse_hazard_by_kind(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    /* a strong length effect, so that its size is measured */
    const double comp = 8.2, vol = 0.72, prison = 2.1, spont = 1.0, length = 0.8, care = 0.5;
    const double mon = 0.7;
    st_set(s, "treatment.relapse_rate_after_compulsory", comp);
    st_set(s, "treatment.relapse_rate_after_voluntary", vol);
    st_set(s, "prison.relapse_rate_after_release", prison);
    st_set(s, "use.relapse_rate_early_remission", spont);
    st_set(s, "treatment.length_effect", length);
    st_set(s, "treatment.aftercare_relapse_ratio", care);
    st_set(s, "treatment.monitoring_relapse_ratio", mon);
    const double rate[N_GROUPS] = {comp * (1 - length), comp * (1 - length / 2),
                                   comp * (1 - length) * care, vol, vol * mon, prison, spont};
    const char *what[N_GROUPS] = {"after 12 months of compulsory treatment",
                                  "after 6 months of compulsory treatment",
                                  "after 12 months compulsory, with 12-step aftercare",
                                  "after voluntary treatment",
                                  "after voluntary treatment, monitored",
                                  "after prison", "spontaneous remission"};
    const int n = 5000, weeks = 8;
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 73);
    for (int g = 0; g < N_GROUPS; g++)
        for (int j = 0; j < n; j++) {
            act *r = sw_rec(&h, sw_add(&h));
            r->stage = ST_REM_EARLY;
            r->relapse_kind = g <= G_COMP12_AFTERCARE ? RK_COMPULSORY
                              : g <= G_VOLUNTARY_MONITORED ? RK_VOLUNTARY
                              : g == G_PRISON ? RK_PRISON : RK_NONE;
            r->tx_months = g == G_COMP6 ? 6 : 12;
            if (g == G_COMP12_AFTERCARE)
                r->aftercare_until = 1000;
            if (g == G_VOLUNTARY_MONITORED)
                r->monitor_until = 1000;
        }
    sw_weeks(&h, weeks);
    double hazard[N_GROUPS];
    for (int g = 0; g < N_GROUPS; g++) {
        double relapsed = 0;
        for (uint32_t i = (uint32_t)(g * n); i < (uint32_t)((g + 1) * n); i++)
            relapsed += sw_rec(&h, i)->stage == ST_DEPENDENT;
        double p = -expm1(-rate[g] * weeks / WPY);
        char label[160];
        snprintf(label, sizeof label, "share relapsed in %d weeks %s", weeks, what[g]);
        st_within(label, relapsed / n, p, sw_se_p(p, n), K);
        hazard[g] = -log1p(-relapsed / n) * WPY / weeks;
    }
    fprintf(stderr, "hazard ratios: compulsory/voluntary %.1f (parameter %.1f), aftercare %.2f "
                    "(%.2f), monitoring %.2f\n",
            hazard[G_COMP12] / hazard[G_VOLUNTARY], rate[G_COMP12] / rate[G_VOLUNTARY],
            hazard[G_COMP12_AFTERCARE] / hazard[G_COMP12], care,
            hazard[G_VOLUNTARY_MONITORED] / hazard[G_VOLUNTARY]);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Outpatient care raises the remission rate; a remission that begins in
 * care is followed by the voluntary-treatment relapse rate. */
static void outpatient_remission(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double base = 0.1, tx = 0.7;
    st_set(s, "use.remission_rate_opioids", base);
    st_set(s, "treatment.remission_rate_outpatient", tx);
    st_set(s, "use.relapse_rate_early_remission", 0);
    st_set(s, "treatment.relapse_rate_after_voluntary", 0);
    st_set(s, "treatment.outpatient_slots_per_100k", 5000);
    const int n = 4000, weeks = 26;
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 79);
    for (int j = 0; j < 2 * n; j++) {
        act *r = sw_rec(&h, sw_add(&h));
        if (j >= n) {
            r->place = PL_OUTPATIENT;
            r->until = 60000;
            h.w->slots_used++;
        }
    }
    sw_weeks(&h, weeks);
    for (int g = 0; g < 2; g++) {
        double rem = 0;
        for (uint32_t i = (uint32_t)(g * n); i < (uint32_t)((g + 1) * n); i++) {
            const act *r = sw_rec(&h, i);
            if (r->stage == ST_REM_EARLY) {
                rem++;
                assert_true(r->relapse_kind == (g ? RK_VOLUNTARY : RK_NONE));
            }
        }
        double p = -expm1(-(g ? tx : base) * weeks / WPY);
        st_within(g ? "remissions in outpatient care" : "remissions out of care", rem / n, p,
                  sw_se_p(p, n), K);
    }
    sw_close(&h);
    pw_scenario_free(s);
}

/* Dependent users enter outpatient care at treatment.voluntary_entry_rate
 * while places last. */
static void voluntary_entry_fills_places(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double entry = 0.5;
    st_set(s, "treatment.voluntary_entry_rate", entry);
    st_set(s, "treatment.outpatient_months", 60);
    st_set(s, "treatment.outpatient_slots_per_100k", 5000); /* ~5,500 places */
    const int n = 4000, weeks = 26;
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 83);
    for (int j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, weeks);
    double p = -expm1(-entry * weeks / WPY);
    st_within("share entering voluntary treatment", (double)h.w->slots_used / n, p,
              sw_se_p(p, n), K);
    sw_close(&h);

    st_set(s, "treatment.outpatient_slots_per_100k", 50); /* 55 places */
    sw_open(&h, s, 1, SCALE, NULL, 83);
    for (int j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, weeks);
    assert_true(h.w->slots >= 50 && h.w->slots_used == h.w->slots);
    double out = 0;
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        out += sw_rec(&h, i)->place == PL_OUTPATIENT;
    assert_true(out == h.w->slots);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relapse_hazard_by_kind),
        cmocka_unit_test(outpatient_remission),
        cmocka_unit_test(voluntary_entry_fills_places),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
