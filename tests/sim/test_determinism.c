/* Common random numbers and reproducibility: the same seed gives the same
 * bytes whatever --threads is; run r of a regime gives the same numbers
 * whichever other regimes run beside it; with no police detection every
 * regime gives exactly the same use trajectory. */
#include <math.h>
#include <string.h>

#include "simtest.h"

static pw_regime **all_regimes(size_t *n)
{
    const char **names = NULL;
    *n = pw_data_names("regimes", &names);
    pw_regime **r = calloc(*n, sizeof *r);
    for (size_t g = 0; g < *n; g++) {
        pw_error err;
        pw_error_clear(&err);
        assert_int_equal(pw_regime_load(names[g], &r[g], &err), PW_OK);
    }
    free(names);
    return r;
}

static void free_regimes(pw_regime **r, size_t n)
{
    for (size_t g = 0; g < n; g++)
        pw_regime_free(r[g]);
    free(r);
}

static pw_results *run(const pw_scenario *s, pw_regime **r, size_t n, int threads)
{
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = 3;
    o.runs = 3;
    o.seed = 99;
    o.scale = 0.01;
    o.threads = threads;
    pw_results *res = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_sim_run(s, r, n, &o, &res, &err), PW_OK);
    return res;
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len;
    assert_int_equal(pw_read_file(path, &buf, &len, NULL), PW_OK);
    return buf;
}

static void same_bytes_for_any_thread_count(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    size_t n;
    pw_regime **r = all_regimes(&n);
    pw_results *a = run(s, r, n, 1), *b = run(s, r, n, 2);
    assert_int_equal(pw_results_write(a, "det_t1", NULL), PW_OK);
    assert_int_equal(pw_results_write(b, "det_t2", NULL), PW_OK);
    const char *files[] = {"summary.json", "summary.csv", "timeseries.csv"};
    for (int i = 0; i < 3; i++) {
        char p1[256], p2[256];
        snprintf(p1, sizeof p1, "det_t1/%s", files[i]);
        snprintf(p2, sizeof p2, "det_t2/%s", files[i]);
        char *x = slurp(p1), *y = slurp(p2);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    /* Runs differ from each other (the seed reaches every run). */
    int m = pw_metric_find("initiations_total");
    assert_true(pw_results_metric(a, 0, 0, (size_t)m) != pw_results_metric(a, 0, 1, (size_t)m));
    pw_results_free(a);
    pw_results_free(b);
    free_regimes(r, n);
    pw_scenario_free(s);
}

static void a_regime_does_not_depend_on_its_neighbours(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    size_t n;
    pw_regime **r = all_regimes(&n);
    pw_results *all = run(s, r, n, 2);
    pw_results *last = run(s, r + n - 1, 1, 2);
    for (int k = 0; k < 3; k++)
        for (size_t m = 0; m < pw_metric_count(); m++) {
            /* A metric taken against the baseline regime (NaN when it is
             * not in the run) depends on that neighbour by definition. */
            if (isnan(pw_results_metric(last, 0, k, m)))
                continue;
            assert_true(pw_results_metric(all, n - 1, k, m) == pw_results_metric(last, 0, k, m));
        }
    pw_results_free(all);
    pw_results_free(last);
    free_regimes(r, n);
    pw_scenario_free(s);
}

static void without_detection_regimes_agree(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_set(s, "police.use_detection_rate", 0);
    st_set(s, "police.crime_detection", 0);
    st_set(s, "police.sale_detection", 0);
    size_t n;
    pw_regime **r = all_regimes(&n);
    pw_results *res = run(s, r, n, 2);
    const char *same[] = {"pwud", "dependent", "pwid", "initiations", "overdose_deaths",
                          "hiv_infections", "prison_population", "sustained_remissions"};
    for (size_t g = 1; g < n; g++)
        for (int k = 0; k < 3; k++)
            for (int y = 0; y < 3; y++)
                for (int i = 0; i < 8; i++) {
                    size_t ks = (size_t)pw_series_find(same[i]);
                    assert_true(pw_results_series(res, g, k, y, ks) ==
                                pw_results_series(res, 0, k, y, ks));
                }
    int m = pw_metric_find("detected_offences_total");
    assert_true(pw_results_metric(res, 0, 0, (size_t)m) == 0);
    pw_results_free(res);
    free_regimes(r, n);
    pw_scenario_free(s);
}

static void posterior_rows_apply_per_run(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    size_t n;
    pw_regime **r = all_regimes(&n);
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = 2;
    o.runs = 2;
    o.seed = 5;
    o.scale = 0.01;
    pw_error err;
    pw_error_clear(&err);
    pw_results *plain = NULL, *same = NULL, *moved = NULL;
    assert_int_equal(pw_sim_run(s, r, 1, &o, &plain, &err), PW_OK);
    /* Row values equal to the scenario's own: identical results. */
    int idx[1] = {pw_param_find(s, "initiation.exogenous_rate")};
    double own = pw_param_get(s, (size_t)idx[0]);
    double rows_same[1] = {own};
    o.n_draws = 1;
    o.n_draw_params = 1;
    o.draw_param_idx = idx;
    o.draws = rows_same;
    assert_int_equal(pw_sim_run(s, r, 1, &o, &same, &err), PW_OK);
    /* Two rows: run 0 keeps the value, run 1 gets four times the rate. */
    double rows[2] = {own, 4 * own};
    o.n_draws = 2;
    o.draws = rows;
    assert_int_equal(pw_sim_run(s, r, 1, &o, &moved, &err), PW_OK);
    size_t m = (size_t)pw_metric_find("initiations_total");
    for (int k = 0; k < 2; k++)
        assert_true(pw_results_metric(plain, 0, k, m) == pw_results_metric(same, 0, k, m));
    assert_true(pw_results_metric(moved, 0, 0, m) == pw_results_metric(plain, 0, 0, m));
    assert_true(pw_results_metric(moved, 0, 1, m) > pw_results_metric(plain, 0, 1, m));
    /* A value outside the allowed range is refused. */
    double bad[1] = {-1};
    o.n_draws = 1;
    o.draws = bad;
    pw_results *none = NULL;
    assert_int_equal(pw_sim_run(s, r, 1, &o, &none, &err), PW_EINVAL);
    assert_null(none);
    pw_results_free(plain);
    pw_results_free(same);
    pw_results_free(moved);
    free_regimes(r, n);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_for_any_thread_count),
        cmocka_unit_test(a_regime_does_not_depend_on_its_neighbours),
        cmocka_unit_test(without_detection_regimes_agree),
        cmocka_unit_test(posterior_rows_apply_per_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
