/* Everyone is accounted for, every week (the model checks alive + dead +
 * emigrated == initial + born + immigrated at the end of each week and
 * clears invariant_ok if it ever fails), under every built-in regime. */
#include <string.h>

#include "simtest.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everyone_accounted_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
