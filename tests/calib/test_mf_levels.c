/*
 * One model in two engines, in levels: the mean field against the
 * agent-based model on the default scenario (data/scenarios/almaty.yaml at
 * its point values, every built-in regime), with its history: 2011-2023
 * under kz-current, then each regime from the state reached in 2024, to
 * 2043.
 *
 * Asserted, in every year 2011-2043 under kz-current: people who use
 * drugs, dependent users, people who inject and prisoners of the mean
 * field within 25% of the agent-based mean over RUNS runs (the tolerance
 * the README states). The agent-based mean must itself be known to better
 * than 10% (its standard error is checked), so the test can fail.
 *
 * HIV (src/calib/mf_hiv.c against src/sim/hiv.c), 2015-2043 under
 * kz-current: HIV-positive PWID of the mean field within 30% of the
 * agent-based mean (its standard error below 10%, 5-9% here), and the
 * mean field's HIV prevalence among PWID inside the band [3%, 20%] of
 * almaty.yaml. Fails with the old SI rule among all PWID (+53% in 2015,
 * +420% by 2043) and with the ABM's infection draw that reused the
 * injecting onset's uniform (-35% to -44%).
 *
 * Then, for each regime, the paired differences from kz-current in 2043
 * (prisoners) and over 2024-2043 (prison person-years): where the
 * agent-based difference is more than 2 standard errors from 0, the mean
 * field has its sign and lies within a factor 2 of the agent-based
 * difference's 2-standard-error interval: |x| in [(|m| - 2 se) / 2,
 * 2 (|m| + 2 se)]. With 16 runs that interval is the agent-based model's
 * own uncertainty about its difference (about +-12% to +-40% of it here).
 * The differences in people who use drugs and in cost (the mean field
 * leaves out cost items, see pw_mf_society_note) are printed only.
 *
 * Before the household circles were those of the initial households
 * (src/calib/mf_network.c: a newcomer has none to recruit in, and their
 * members are a closed cohort that ages), the mean field renewed them with
 * the city's age mix and its PWUD drifted to +32% by 2043, dependent users
 * to +31% and people who inject to +26%. Before the branch carried the
 * prisoners with their use chain and their remaining terms (src/calib/
 * mf_run.c run_history), the mean field put them in a sellers' stream
 * that leaves the model on release and lost 17-23% of the prisoners in
 * 2024-2028; with no history rows it could not be compared in 2011-2023
 * at all.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

#define RUNS 16
#define SCALE 0.03
#define YEARS 20
#define NREG 5
static const char *const REG[NREG] = {"kz-current", "hybrid", "drug-court", "portugal",
                                      "russia"};

static double series(const pw_results *r, size_t g, int run, int yr, const char *name)
{
    int col = pw_series_find(name);
    assert_true(col >= 0);
    return pw_results_series(r, g, run, yr, (size_t)col);
}

static void test_levels_and_differences(void **state)
{
    (void)state;
    pw_error err;
    pw_scenario *s = NULL;
    char path[4096];
    const char *src = getenv("PW_SRC");
    assert_non_null(src);
    snprintf(path, sizeof path, "%s/data/scenarios/almaty.yaml", src);
    assert_int_equal(pw_scenario_load(path, &s, &err), PW_OK);
    int h0 = pw_scenario_history_start_year(s), y0 = pw_scenario_start_year(s);
    assert_true(h0 > 0 && h0 < y0); /* the default scenario has a history */
    int T = y0 - h0 + YEARS;
    pw_regime *regs[NREG] = {NULL};
    for (size_t g = 0; g < NREG; g++)
        assert_int_equal(pw_regime_load(REG[g], &regs[g], &err), PW_OK);
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = YEARS;
    o.runs = RUNS;
    o.scale = SCALE;
    o.seed = 21;
    pw_results *abm = NULL;
    int rc = pw_sim_run(s, regs, NREG, &o, &abm, &err);
    if (rc != PW_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, PW_OK);
    assert_int_equal(pw_results_start_year(abm), h0);
    assert_int_equal(pw_results_years(abm), T);
    /* Results that start in the history's first year get its rows. */
    pw_results *mf = pw_results_new("almaty", h0, T, 1, 0, REG, NREG);
    assert_non_null(mf);
    for (size_t g = 0; g < NREG; g++)
        assert_int_equal(pw_mf_society_run(s, regs[g], 1.0, YEARS, mf, g, 0, &err), PW_OK);

    static const char *const stocks[] = {"pwud", "dependent", "pwid", "prison_population"};
    int bad = 0;
    for (size_t k = 0; k < sizeof stocks / sizeof stocks[0]; k++) {
        double worst = 0;
        for (int yr = 0; yr < T; yr++) {
            double m = 0, v = 0;
            for (int r = 0; r < RUNS; r++)
                m += series(abm, 0, r, yr, stocks[k]) / RUNS;
            for (int r = 0; r < RUNS; r++) {
                double d = series(abm, 0, r, yr, stocks[k]) - m;
                v += d * d;
            }
            double se = sqrt(v / (RUNS - 1) / RUNS), x = series(mf, 0, 0, yr, stocks[k]);
            double rel = (x - m) / m, tol = 0.25;
            int ok = m > 0 && isfinite(x) && fabs(rel) <= tol && se <= 0.10 * m;
            if (fabs(rel) > fabs(worst))
                worst = rel;
            if (!ok || yr % 4 == 0)
                fprintf(stderr, "kz-current %-18s %d: abm %8.0f +- %5.0f  meanfield %8.0f  %+5.1f%%%s\n",
                        stocks[k], h0 + yr, m, se, x, 100 * rel, ok ? "" : "  DIFFERS");
            bad += !ok;
        }
        fprintf(stderr, "kz-current %-18s largest difference over %d-%d: %+5.1f%%\n", stocks[k],
                h0, h0 + T - 1, 100 * worst);
    }

    /* HIV among PWID (src/calib/mf_hiv.c against src/sim/hiv.c): from
     * 2015, when the epidemic has left the seeded state, the mean field's
     * HIV-positive PWID within HIV_TOL of the agent-based mean (its
     * standard error at most 10% of it, as above), and its prevalence
     * among PWID inside the target band [3%, 20%] (almaty.yaml). */
    {
        const double HIV_TOL = 0.30;
        double worst = 0;
        for (int yr = 2015 - h0; yr < T; yr++) {
            double m = 0, v = 0, inf = 0;
            for (int r = 0; r < RUNS; r++) {
                m += series(abm, 0, r, yr, "hiv_pwid") / RUNS;
                inf += series(abm, 0, r, yr, "hiv_infections") / RUNS;
            }
            for (int r = 0; r < RUNS; r++) {
                double d = series(abm, 0, r, yr, "hiv_pwid") - m;
                v += d * d;
            }
            double se = sqrt(v / (RUNS - 1) / RUNS), x = series(mf, 0, 0, yr, "hiv_pwid");
            double prev = x / series(mf, 0, 0, yr, "pwid"), rel = (x - m) / m;
            int ok = m > 0 && isfinite(x) && fabs(rel) <= HIV_TOL && se <= 0.10 * m &&
                     prev >= 0.03 && prev <= 0.20;
            if (fabs(rel) > fabs(worst))
                worst = rel;
            fprintf(stderr, "kz-current %-18s %d: abm %8.0f +- %5.0f  meanfield %8.0f  %+5.1f%%  "
                            "prevalence %.3f  infections abm %6.0f meanfield %6.0f%s\n",
                    "hiv_pwid", h0 + yr, m, se, x, 100 * rel, prev,
                    inf, series(mf, 0, 0, yr, "hiv_infections"),
                    ok ? "" : "  DIFFERS");
            bad += !ok;
        }
        fprintf(stderr, "kz-current %-18s largest difference over 2015-%d: %+5.1f%%\n",
                "hiv_pwid", h0 + T - 1, 100 * worst);
    }

    /* Paired differences from kz-current (same people, same chances in
     * the agent-based runs): series in 2043, metrics over 2024-2043. */
    static const struct {
        const char *name;
        int metric, asserted;
    } diffs[] = {{"prison_population", 0, 1},
                 {"prison_person_years_total", 1, 1},
                 {"pwud", 0, 0},
                 {"cost_total_kzt", 1, 0}};
    for (size_t k = 0; k < sizeof diffs / sizeof diffs[0]; k++)
        for (size_t g = 1; g < NREG; g++) {
            int col = diffs[k].metric ? pw_metric_find(diffs[k].name) : pw_series_find(diffs[k].name);
            assert_true(col >= 0);
#define VAL(res, gg, r)                                                                   \
    (diffs[k].metric ? pw_results_metric(res, gg, r, (size_t)col)                        \
                     : pw_results_series(res, gg, r, T - 1, (size_t)col))
            double d[RUNS], m = 0, v = 0;
            for (int r = 0; r < RUNS; r++)
                m += (d[r] = VAL(abm, g, r) - VAL(abm, 0, r)) / RUNS;
            for (int r = 0; r < RUNS; r++)
                v += (d[r] - m) * (d[r] - m);
            double se = sqrt(v / (RUNS - 1) / RUNS);
            double x = VAL(mf, g, 0) - VAL(mf, 0, 0);
#undef VAL
            int clear = fabs(m) > 2 * se;
            int ok = !clear || (x * m > 0 && fabs(x) >= 0.5 * (fabs(m) - 2 * se) &&
                                fabs(x) <= 2 * (fabs(m) + 2 * se));
            fprintf(stderr, "%-11s - kz-current %-26s: abm %+10.4g +- %8.2g  meanfield %+10.4g (x%.2f)%s\n",
                    REG[g], diffs[k].name, m, se, x, m != 0 ? x / m : 0,
                    !diffs[k].asserted ? "  (printed)" : !clear ? "  (abm inside noise)"
                                       : ok              ? ""
                                                         : "  DIFFERS");
            if (diffs[k].asserted)
                bad += !ok;
        }
    assert_int_equal(bad, 0);
    pw_results_free(abm);
    pw_results_free(mf);
    for (size_t g = 0; g < NREG; g++)
        pw_regime_free(regs[g]);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
