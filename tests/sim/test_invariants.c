/* Everyone is accounted for, every week (the model checks alive + dead +
 * emigrated == initial + born + immigrated at the end of each week and
 * clears invariant_ok if it ever fails), under every built-in regime; and
 * every active record is found from its agent (the agent -> record table
 * of records.c) through any order of records made and freed. */
#include <string.h>

#include "simtest.h"
#include "simworld.h"

static void everyone_accounted_for(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    /* Strong flows everywhere, so that every path is exercised. */
    st_set(s, "demography.emigration_rate", 0.05);
    st_set(s, "demography.immigration_rate", 0.05);
    st_set(s, "police.use_detection_rate", 0.2);
    st_set(s, "police.crime_detection", 0.2);
    const char **names = NULL;
    size_t n = pw_data_names("regimes", &names);
    assert_true(n >= 1);
    for (size_t g = 0; g <= n; g++) {
        pw_regime *reg = NULL;
        if (g < n) {
            pw_error err;
            pw_error_clear(&err);
            assert_int_equal(pw_regime_load(names[g], &reg, &err), PW_OK);
        }
        pwi_run_result r = st_run(s, reg, 3, 0.01, 0, 21);
        fprintf(stderr, "%s: initial %llu + born %llu + immigrated %llu = alive %llu + dead %llu + emigrated %llu\n",
                g < n ? names[g] : "(no regime)", (unsigned long long)r.initial,
                (unsigned long long)r.born, (unsigned long long)r.immigrated,
                (unsigned long long)r.alive, (unsigned long long)r.dead,
                (unsigned long long)r.emigrated);
        assert_true(r.invariant_ok);
        assert_true(r.alive + r.dead + r.emigrated == r.initial + r.born + r.immigrated);
        assert_true(r.born > 0 && r.dead > 0 && r.emigrated > 0);
        /* The yearly population series is the alive count. */
        assert_true(fabs(st_series(&r, 2, "population") * 0.01 - (double)r.alive) < 1e-6);
        /* Stocks are never negative. */
        for (size_t k = 0; k < pw_series_count(); k++)
            for (int y = 0; y < 3; y++)
                assert_true(r.series[(size_t)y * pw_series_count() + k] >= 0);
        st_done(&r);
        pw_regime_free(reg);
    }
    free(names);
    pw_scenario_free(s);
}

/* Records made for random agents and freed in random order, with slots
 * reused and the table grown several times: after every step each record
 * is found from its agent and the table holds exactly the records. A
 * deletion that left a hole in a probe chain (entries after it no longer
 * found) or a lost entry at a resize fails here. */
static void records_found_by_agent(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    sw h;
    sw_open(&h, s, 1, 0.05, NULL, 7);
    world *w = h.w;
    uint32_t base = w->n_act, live = 0, x = 12345;
    for (int round = 0; round < 40; round++) {
        /* make 1,000 (agents drawn without a record yet) */
        for (int j = 0; j < 1000; j++) {
            uint32_t a;
            do {
                x = x * 1664525u + 1013904223u;
                a = (x >> 8) % w->n;
            } while (w->flags[a] & AF_ACTIVE);
            uint32_t i;
            assert_int_equal(pwi_new_record(w, a, &i), PW_OK);
            live++;
        }
        /* free a random half of the test's records */
        for (uint32_t i = base; i < w->n_act; i++) {
            x = x * 1664525u + 1013904223u;
            if (w->a[i].agent != UINT32_MAX && (x >> 31)) {
                pwi_free_record(w, i);
                live--;
            }
        }
        uint32_t found = 0;
        for (uint32_t i = 0; i < w->n_act; i++)
            if (w->a[i].agent != UINT32_MAX) {
                assert_int_equal(pwi_record_of(w, w->a[i].agent), i);
                found++;
            }
        assert_int_equal(found, base + live);
        assert_int_equal(w->rec_n, found);
    }
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everyone_accounted_for),
        cmocka_unit_test(records_found_by_agent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
