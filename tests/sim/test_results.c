/* Results: summaries (mean, 95% interval, paired differences), the three
 * files written atomically, and the table. */
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <jansson.h>

#include "simtest.h"

static pw_results *fake(void)
{
    const char *regs[] = {"kz-current", "hybrid"};
    pw_results *r = pw_results_new("test", 2024, 2, 40, 7, regs, 2);
    assert_non_null(r);
    size_t m = (size_t)pw_metric_find("pwud_end");
    for (int k = 0; k < 40; k++) {
        pw_results_set_metric(r, 0, k, m, 100 + k);      /* 100..139 */
        pw_results_set_metric(r, 1, k, m, 100 + k - 10); /* always 10 fewer */
        for (int y = 0; y < 2; y++)
            pw_results_set_series(r, 1, k, y, 0, y * 1000 + k);
    }
    return r;
}

static void summaries(void **state)
{
    (void)state;
    pw_results *r = fake();
    size_t m = (size_t)pw_metric_find("pwud_end");
    double mean, lo, hi;
    assert_int_equal(pw_results_summary(r, 0, -1, m, &mean, &lo, &hi), PW_OK);
    assert_true(fabs(mean - 119.5) < 1e-9);
    assert_true(lo > 100 && lo < 102);  /* 2.5th percentile of 100..139 */
    assert_true(hi > 137 && hi < 139);
    /* Paired differences: exactly -10 in every run, so the interval is a point. */
    assert_int_equal(pw_results_summary(r, 1, 0, m, &mean, &lo, &hi), PW_OK);
    assert_true(mean == -10 && lo == -10 && hi == -10);
    assert_true(pw_results_series(r, 1, 5, 1, 0) == 1005);
    assert_true(isnan(pw_results_metric(r, 2, 0, m)));
    assert_int_equal(pw_metric_find("cost_total_kzt") >= 0, 1);
    const char *required[] = {"pwud_end", "dependent_end", "initiations_total",
                              "overdose_deaths_total", "hiv_infections_total",
                              "drug_crimes_total", "detected_offences_total",
                              "prison_population_end", "in_compulsory_treatment_end",
                              "sustained_remissions_total",
                              "criminal_mindset_acquired_in_prison_total",
                              "children_with_pwud_parent_end", "cost_total_kzt"};
    for (int i = 0; i < 13; i++)
        assert_true(pw_metric_find(required[i]) >= 0);
    pw_results_free(r);
}

static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void files_written_atomically(void **state)
{
    (void)state;
    pw_results *r = fake();
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_results_write(r, "res_out/sub", &err), PW_OK);
    assert_int_equal(count_tmp("res_out/sub"), 0);
    json_error_t je;
    json_t *j = json_load_file("res_out/sub/summary.json", 0, &je);
    assert_non_null(j);
    json_t *x = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
                                    j, "regimes"), "hybrid"), "metrics"), "pwud_end"), "mean");
    assert_true(fabs(json_real_value(x) - 109.5) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(j, "runs")), 40);
    json_t *d = json_object_get(json_object_get(json_object_get(json_object_get(
                                    json_object_get(j, "regimes"), "hybrid"),
                                    "difference_from_baseline"), "pwud_end"), "mean");
    assert_true(json_real_value(d) == -10);
    json_decref(j);
    /* timeseries: header + regimes x runs x years rows */
    FILE *f = fopen("res_out/sub/timeseries.csv", "r");
    assert_non_null(f);
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    assert_int_equal(lines, 1 + 2 * 40 * 2);
    /* A directory that cannot be created: an error, and the old files stay. */
    f = fopen("res_out/blocker", "w");
    fputs("x", f);
    fclose(f);
    pw_error_clear(&err);
    assert_int_not_equal(pw_results_write(r, "res_out/blocker/x", &err), PW_OK);
    struct stat st;
    assert_int_equal(stat("res_out/sub/summary.json", &st), 0);
    pw_results_free(r);
}

static void table_has_regimes_and_differences(void **state)
{
    (void)state;
    pw_results *r = fake();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pw_results_print_table(r, "kz-current", f);
    fclose(f);
    fprintf(stderr, "%s", buf);
    assert_non_null(strstr(buf, "kz-current"));
    assert_non_null(strstr(buf, "hybrid"));
    assert_non_null(strstr(buf, "Difference from kz-current"));
    assert_non_null(strstr(buf, "-10 [-10, -10]"));
    free(buf);
    pw_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summaries),
        cmocka_unit_test(files_written_atomically),
        cmocka_unit_test(table_has_regimes_and_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
