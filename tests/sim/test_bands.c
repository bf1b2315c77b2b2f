/* Plausibility bands (bands.c): a scenario's bands load (and a malformed
 * one is refused with file, line and field), a run that leaves a band is
 * found with its first year and value and reported in the table and
 * summary.json, and the calibration problem makes a particle that leaves
 * one non-finite (so ABC never accepts it). */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathways/calib.h"
#include "simtest.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Expects pw_scenario_load to refuse `text` at `line` naming `field`. */
static void refused(const char *text, long line, const char *field)
{
    const char *path = "bad_bands.yaml";
    write_file(path, text);
    pw_scenario *s = NULL;
    pw_error err;
    pw_error_clear(&err);
    int rc = pw_scenario_load(path, &s, &err);
    char msg[1024];
    pw_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "refused as expected: %s\n", msg);
    assert_int_not_equal(rc, PW_OK);
    assert_null(s);
    assert_non_null(strstr(err.file, "bad_bands.yaml"));
    assert_int_equal(err.line, line);
    assert_string_equal(err.field, field);
    remove(path);
}

static void malformed_bands_are_refused(void **state)
{
    (void)state;
    const char *head = "extends: almaty\nbands:\n  - name: b\n";
    char t[1024];
    snprintf(t, sizeof t, "%s    series: hiv_pwd\n    lo: 0\n    hi: 1\n    source: x\n", head);
    refused(t, 4, "series");
    snprintf(t, sizeof t, "%s    series: hiv_pwid\n    per: pwids\n    lo: 0\n    hi: 1\n"
                          "    source: x\n", head);
    refused(t, 5, "per");
    snprintf(t, sizeof t, "%s    series: hiv_pwid\n    lo: 0.5\n    hi: 0.1\n    source: x\n", head);
    refused(t, 6, "hi");
    snprintf(t, sizeof t, "%s    series: hiv_pwid\n    lo: 0\n    hi: 1\n", head);
    refused(t, 3, "source");
    snprintf(t, sizeof t, "%s    series: hiv_pwid\n    lo: low\n    hi: 1\n    source: x\n", head);
    refused(t, 5, "lo");
    snprintf(t, sizeof t, "%s    series: hiv_pwid\n    lo: 0\n    hi: 1\n    hight: 2\n"
                          "    source: x\n", head);
    refused(t, 7, "hight");
    refused("extends: almaty\nbands: {name: b}\n", 2, "bands");
}

/* The built-in scenarios carry their bands; kazakhstan restates one of
 * almaty's (same name: replaced, not added). */
static void builtin_bands(void **state)
{
    (void)state;
    pw_scenario *a = st_load("almaty"), *k = st_load("kazakhstan");
    assert_int_equal(pw_scenario_band_count(a), 3);
    assert_int_equal(pw_scenario_band_count(k), 3);
    assert_string_equal(pw_scenario_band_name(a, 0), "hiv_among_pwid");
    assert_non_null(strstr(k->bands[0].source, "8.5-9.3%"));
    pw_scenario_free(a);
    pw_scenario_free(k);
}

/* A hand-filled result: band [0.03, 0.2] of hiv_pwid / pwid from 2025.
 * Run 1 of regime 0 leaves it in 2026 (0.25); run 2 is below in 2024 but
 * that year is not checked, and leaves it in 2027 (0.02); a year with no
 * PWID is skipped. */
static void runs_that_leave_are_found_and_reported(void **state)
{
    (void)state;
    write_file("band_scen.yaml", "extends: almaty\nbands:\n  - name: hiv_among_pwid\n"
                                 "    series: hiv_pwid\n    per: pwid\n    lo: 0.03\n"
                                 "    hi: 0.2\n    from: 2025\n    source: test\n");
    pw_scenario *s = st_load("band_scen.yaml");
    remove("band_scen.yaml");
    const char *names[2] = {"kz-current", "portugal"};
    pw_results *r = pw_results_new("t", 2024, 4, 3, 1, names, 2);
    assert_non_null(r);
    assert_int_equal(pw_results_set_bands(r, s), PW_OK);
    size_t hiv = (size_t)pw_series_find("hiv_pwid"), pwid = (size_t)pw_series_find("pwid");
    const double prev[2][3][4] = {{{0.1, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.25, 0.1}, {0.01, 0.1, 0.1, 0.02}},
                                  {{0.1, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.1}}};
    for (size_t g = 0; g < 2; g++)
        for (int run = 0; run < 3; run++)
            for (int y = 0; y < 4; y++) {
                double n = (g == 1 && y == 2) ? 0 : 1000; /* no PWID: skipped */
                pw_results_set_series(r, g, run, y, pwid, n);
                pw_results_set_series(r, g, run, y, hiv, prev[g][run][y] * (n ? n : 1000));
            }
    int year;
    double v;
    assert_int_equal(pw_results_band_left(r, 0, 0, 0, &year, &v), 0);
    assert_int_equal(pw_results_band_left(r, 0, 0, 1, &year, &v), 1);
    assert_int_equal(year, 2026);
    assert_true(fabs(v - 0.25) < 1e-12);
    assert_int_equal(pw_results_band_left(r, 0, 0, 2, &year, &v), 1);
    assert_int_equal(year, 2027);
    for (int run = 0; run < 3; run++)
        assert_int_equal(pw_results_band_left(r, 0, 1, run, &year, &v), 0);
    /* the table */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    pw_results_print_table(r, "kz-current", f);
    fclose(f);
    assert_non_null(strstr(buf, "Plausibility bands"));
    assert_non_null(strstr(buf, "2 (run 1, 2026: 0.25)"));
    free(buf);
    /* summary.json */
    mkdir("band_out", 0755);
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_results_write(r, "band_out", &err), PW_OK);
    f = fopen("band_out/summary.json", "r");
    assert_non_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert_non_null(strstr(text, "\"runs_outside\": 2"));
    assert_non_null(strstr(text, "\"year\": 2027"));
    assert_non_null(strstr(text, "\"runs_outside\": 0"));
    remove("band_out/summary.json");
    remove("band_out/summary.csv");
    remove("band_out/timeseries.csv");
    rmdir("band_out");
    pw_results_free(r);
    pw_scenario_free(s);
}

/* One evaluation of the calibration problem at the priors' midpoint, with
 * a band no run can meet (people who use drugs >= 99% of all) and with
 * bands every run meets (almaty's three, inherited, widened by name):
 * non-finite outputs, then finite ones. */
static void calibration_rejects_a_particle_outside(void **state)
{
    (void)state;
    for (int impossible = 0; impossible < 2; impossible++) {
        write_file("band_calib.yaml",
                   impossible ? "extends: almaty\nbands:\n  - name: pwud_share\n    series: pwud\n"
                                "    per: population\n    lo: 0.99\n    hi: 1\n    source: test\n"
                              : "extends: almaty\nbands:\n  - name: pwud_share\n    series: pwud\n"
                                "    per: population\n    lo: 0\n    hi: 1\n    source: test\n"
                                "  - name: hiv_among_pwid\n    series: hiv_pwid\n    lo: 0\n"
                                "    hi: 1e9\n    source: test\n"
                                "  - name: acquisitive_crimes_per_1000\n    series: offences\n"
                                "    lo: 0\n    hi: 1e9\n    source: test\n");
        pw_problem_opts o = {.scenario = "band_calib.yaml", .years = 2, .scale = 0.01, .seed = 3};
        const char *outs[1] = {"pwud_end"};
        pw_problem *p = NULL;
        pw_error err;
        pw_error_clear(&err);
        int rc = pw_problem_new(&o, outs, 1, &p, &err);
        if (rc)
            pw_error_print(&err, stderr, "test");
        assert_int_equal(rc, PW_OK);
        remove("band_calib.yaml");
        size_t dim = pw_space_dim(pw_problem_space(p));
        double x[256], y[1];
        assert_true(dim <= 256);
        for (size_t i = 0; i < dim; i++)
            x[i] = pw_space_from_unit(pw_problem_space(p), i, 0.5);
        assert_int_equal(pw_problem_eval(p, x, 0, y), PW_OK);
        fprintf(stderr, "band %s: pwud_end %g\n", impossible ? "impossible" : "wide", y[0]);
        assert_int_equal(isfinite(y[0]) != 0, !impossible);
        pw_problem_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_bands_are_refused),
        cmocka_unit_test(builtin_bands),
        cmocka_unit_test(runs_that_leave_are_found_and_reported),
        cmocka_unit_test(calibration_rejects_a_particle_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
