/*
 * Each regime makes the difference it should, in small controlled settings
 * (paired runs with common random numbers, so differences are the regime's):
 *   - possession only (no crime, no sales): Kazakhstan's art. 296 gives no
 *     prison, Russia's art. 228 does for large amounts, Portugal less;
 *   - dependent users committing crimes: the hybrid regime sends them to
 *     compulsory treatment (then prison) and its educational prisons breed
 *     less criminal thinking than today's; drug courts keep people out of
 *     prison.
 */
#include <string.h>

#include "simtest.h"

static pw_regime *regime(const char *name)
{
    pw_regime *r = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_regime_load(name, &r, &err), PW_OK);
    return r;
}

/* Sum over runs of a metric for one regime. */
static double total(const pw_scenario *s, const pw_regime *g, const char *metric, int runs)
{
    double x = 0;
    for (int k = 0; k < runs; k++) {
        pwi_run_result r = st_run(s, g, 4, 0.02, (uint32_t)k, 5);
        x += st_metric(&r, metric);
        st_done(&r);
    }
    return x;
}

static void possession_only(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_set(s, "police.crime_detection", 0);
    st_set(s, "police.sale_detection", 0);
    st_set(s, "initial.prison_share", 0);
    st_set(s, "police.use_detection_rate", 0.3);
    pw_regime *kz = regime("kz-current"), *ru = regime("russia"), *pt = regime("portugal");
    double kz_adm = total(s, kz, "prison_admissions_total", 2);
    double ru_adm = total(s, ru, "prison_admissions_total", 2);
    double pt_pop = total(s, pt, "prison_population_end", 2);
    double ru_pop = total(s, ru, "prison_population_end", 2);
    fprintf(stderr, "possession only: prison admissions kz-current %.0f, russia %.0f; prison population portugal %.0f, russia %.0f\n",
            kz_adm, ru_adm, pt_pop, ru_pop);
    /* Kazakhstan punishes possession without intent to sell with fines,
     * community service or arrest (art. 296); Russia imprisons for large
     * amounts (art. 228); Portugal's short terms for above-threshold
     * amounts leave far fewer people inside than Russia's 3-10 years. */
    assert_true(kz_adm == 0);
    assert_true(ru_adm > 0);
    assert_true(pt_pop < ru_pop);
    pw_regime_free(kz);
    pw_regime_free(ru);
    pw_regime_free(pt);
    pw_scenario_free(s);
}

static void crime_by_dependent_users(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_set(s, "police.crime_detection", 0.3);
    st_set(s, "police.capacity_per_100k", 1e5);
    pw_regime *kz = regime("kz-current"), *hy = regime("hybrid"), *dc = regime("drug-court");
    double kz_comp = total(s, kz, "compulsory_admissions_total", 2);
    double hy_comp = total(s, hy, "compulsory_admissions_total", 2);
    double kz_mind = total(s, kz, "criminal_mindset_acquired_in_prison_total", 2);
    double hy_mind = total(s, hy, "criminal_mindset_acquired_in_prison_total", 2);
    /* The drug court's saving in prisoners at year 4 is ~1% here (its
     * failures come back to prison after 12 months): over 6 paired runs,
     * not 2, so the sign is the regime's and not the draw's. */
    double kz_pris = total(s, kz, "prison_population_end", 6);
    double dc_pris = total(s, dc, "prison_population_end", 6);
    fprintf(stderr, "compulsory admissions: kz %.0f hybrid %.0f; mindset in prison: kz %.0f hybrid %.0f; prison: kz %.0f drug-court %.0f\n",
            kz_comp, hy_comp, kz_mind, hy_mind, kz_pris, dc_pris);
    assert_true(hy_comp > kz_comp);
    assert_true(hy_mind < kz_mind);
    assert_true(dc_pris < kz_pris);
    pw_regime_free(kz);
    pw_regime_free(hy);
    pw_regime_free(dc);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(possession_only),
        cmocka_unit_test(crime_by_dependent_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
