/* Plausibility bands (bands.c): a scenario's bands load (and a malformed
 * one is refused with file, line and field), a run that leaves a band is
 * found with its first year and value and reported in the table and
 * summary.json, and the calibration problem makes a particle that leaves
 * one non-finite (so ABC never accepts it); a run told to stop when it
 * leaves one stops there and is otherwise unchanged. */
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

/* The built-in scenarios carry their bands; kazakhstan restates three of
 * almaty's five (same name: replaced, not added) and adds compulsory drug
 * admissions, which Almaty has no figure for. */
static void builtin_bands(void **state)
{
    (void)state;
    pw_scenario *a = st_load("almaty"), *k = st_load("kazakhstan");
    assert_int_equal(pw_scenario_band_count(a), 5);
    assert_int_equal(pw_scenario_band_count(k), 6);
    assert_string_equal(pw_scenario_band_name(k, 3), "pwid_observed");
    assert_non_null(strstr(k->bands[3].source, "122,850"));
    assert_string_equal(pw_scenario_band_name(k, 5), "compulsory_drug_admissions_observed");
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

/* pw_sim_opts.stop_outside_bands: the same runs with and without it. A
 * run that stays inside every band is the same to the byte; a run that
 * leaves one reports the same band, year and value, and its rows after
 * that year are zero (it was not simulated further: without the stop they
 * hold people). The band (HIV among PWID at least 1% from 2015, replacing
 * almaty's 3%) is one that some runs of 1% of Almaty leave (the few
 * simulated infections die out) and others do not. With `regions` > 1
 * the band judges the regions' sum, so they are stepped a year at a time
 * together (pwi_worlds_run_together) and all stop in the same year. */
static void check_stop(int regions)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "extends: almaty\nregions: %d\nbands:\n  - name: hiv_among_pwid\n"
             "    series: hiv_pwid\n    per: pwid\n    lo: 0.01\n"
             "    hi: 0.2\n    from: 2015\n    source: test\n",
             regions);
    write_file("band_stop.yaml", yaml);
    pw_scenario *s = st_load("band_stop.yaml");
    remove("band_stop.yaml");
    pw_regime *reg = NULL;
    assert_int_equal(pw_regime_load("kz-current", &reg, NULL), PW_OK);
    pw_results *res[2] = {NULL, NULL};
    for (int stop = 0; stop < 2; stop++) {
        pw_sim_opts o;
        pw_sim_opts_default(&o);
        o.years = 2;
        o.runs = 8;
        o.scale = 0.01;
        o.threads = 2;
        o.seed = 5;
        o.stop_outside_bands = stop;
        assert_int_equal(pw_sim_run(s, &reg, 1, &o, &res[stop], NULL), PW_OK);
    }
    int T = pw_results_years(res[0]), first = 2011, left = 0, kept = 0;
    size_t K = pw_series_count(), M = pw_metric_count(), pop = (size_t)pw_series_find("population");
    for (int run = 0; run < 8; run++) {
        int out[2] = {0, 0}, year[2] = {0, 0};
        double v[2] = {0, 0};
        for (int stop = 0; stop < 2; stop++)
            for (size_t b = 0; b < pw_results_band_count(res[stop]) && !out[stop]; b++)
                out[stop] = pw_results_band_left(res[stop], b, 0, run, &year[stop], &v[stop]);
        assert_int_equal(out[0], out[1]);
        if (!out[0]) {
            kept++;
            for (int y = 0; y < T; y++)
                for (size_t k = 0; k < K; k++)
                    assert_true(pw_results_series(res[0], 0, run, y, k) ==
                                pw_results_series(res[1], 0, run, y, k));
            for (size_t m = 0; m < M; m++)
                assert_true(pw_results_metric(res[0], 0, run, m) ==
                            pw_results_metric(res[1], 0, run, m));
            continue;
        }
        left++;
        assert_int_equal(year[0], year[1]);
        assert_true(v[0] == v[1]);
        for (int y = year[1] - first + 1; y < T; y++) {
            assert_true(pw_results_series(res[0], 0, run, y, pop) > 0);
            assert_true(pw_results_series(res[1], 0, run, y, pop) == 0);
        }
    }
    fprintf(stderr, "%d region(s): runs kept %d, left a band %d\n", regions, kept, left);
    assert_true(kept > 0 && left > 0);
    pw_results_free(res[0]);
    pw_results_free(res[1]);
    pw_regime_free(reg);
    pw_scenario_free(s);
}

static void stopping_outside_a_band_changes_nothing_kept(void **state)
{
    (void)state;
    check_stop(1);
}

static void regions_stop_together(void **state)
{
    (void)state;
    check_stop(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_bands_are_refused),
        cmocka_unit_test(builtin_bands),
        cmocka_unit_test(runs_that_leave_are_found_and_reported),
        cmocka_unit_test(calibration_rejects_a_particle_outside),
        cmocka_unit_test(stopping_outside_a_band_changes_nothing_kept),
        cmocka_unit_test(regions_stop_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
