/*
 * Targets files: the built-in ones load, every number has a source and a
 * positive uncertainty and names a simulator series; malformed files are
 * refused naming the file, line and field. A ratio target ("per") is the
 * calibration problem's "<series>/<per>@<year>", one series over the
 * other in the same run and year.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathways/calib.h"
#include "pathways/sim.h"

static void check_file(const char *name, int society)
{
    pw_targets *t = NULL;
    pw_error err;
    pw_error_clear(&err);
    int rc = pw_targets_load(name, &t, &err);
    if (rc != PW_OK)
        fprintf(stderr, "%s: %s\n", name, err.msg);
    assert_int_equal(rc, PW_OK);
    assert_true(pw_targets_count(t) >= 3);
    for (size_t i = 0; i < pw_targets_count(t); i++) {
        assert_true(pw_target_sd(t, i) > 0.0);
        assert_true(pw_target_value(t, i) > 0.0);
        assert_true(strlen(pw_target_source(t, i)) > 10);
        assert_true(pw_target_line(t, i) > 0);
        if (society && pw_series_find(pw_target_series(t, i)) < 0) {
            fprintf(stderr, "%s: unknown series %s\n", name, pw_target_series(t, i));
            fail();
        }
        const char *per = pw_target_per(t, i);
        if (*per && (!society || pw_series_find(per) < 0)) {
            fprintf(stderr, "%s: unknown per %s\n", name, per);
            fail();
        }
    }
    pw_targets_free(t);
}

static void test_builtin_targets(void **state)
{
    (void)state;
    check_file("almaty", 1);
    check_file("kazakhstan", 1);
    check_file("us-cocaine", 0);
}

static void expect_error(const char *text, const char *field, long line)
{
    char path[] = "/tmp/pw_targets_XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    pw_targets *t = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_not_equal(pw_targets_load(path, &t, &err), PW_OK);
    assert_null(t);
    assert_string_equal(err.field, field);
    assert_int_equal(err.line, line);
    assert_non_null(strstr(err.file, "pw_targets_"));
    remove(path);
}

static void test_bad_targets_refused(void **state)
{
    (void)state;
    expect_error("targets:\n"
                 "  - name: a\n"
                 "    series: pwid\n"
                 "    year: 2015\n"
                 "    value: 10\n"
                 "    sd: 0\n"
                 "    source: x\n",
                 "sd", 6);
    expect_error("targets:\n"
                 "  - name: a\n"
                 "    series: pwid\n"
                 "    year: 2015\n"
                 "    value: 10\n"
                 "    sdd: 1\n"
                 "    source: x\n",
                 "sdd", 6);
    expect_error("targets:\n"
                 "  - {name: a, series: pwid, year: 2015, value: 1, sd: 1, source: x}\n"
                 "  - {name: a, series: pwid, year: 2016, value: 1, sd: 1, source: x}\n",
                 "name", 3);
}

/* almaty's HIV targets are prevalences: HIV-positive PWID per PWID. */
static void test_ratio_targets_load(void **state)
{
    (void)state;
    pw_targets *t = NULL;
    assert_int_equal(pw_targets_load("almaty", &t, NULL), PW_OK);
    int ratios = 0;
    for (size_t i = 0; i < pw_targets_count(t); i++)
        if (strcmp(pw_target_series(t, i), "hiv_pwid") == 0) {
            assert_string_equal(pw_target_per(t, i), "pwid");
            assert_true(pw_target_value(t, i) < 1.0);
            ratios++;
        } else if (strcmp(pw_target_series(t, i), "pwid") == 0) {
            assert_string_equal(pw_target_per(t, i), "");
        }
    assert_int_equal(ratios, 3);
    pw_targets_free(t);
}

/* "hiv_pwid/pwid@2012" is hiv_pwid@2012 over pwid@2012 of the same run
 * (same index, same seed); a denominator that is not a series is refused
 * with the output named. */
static void test_ratio_outputs(void **state)
{
    (void)state;
    const char *outs[3] = {"hiv_pwid@2012", "pwid@2012", "hiv_pwid/pwid@2012"};
    pw_problem_opts o = {.scenario = "almaty", .years = 1, .scale = 0.01, .seed = 7,
                         .keep_outside_bands = 1};
    pw_problem *p = NULL;
    assert_int_equal(pw_problem_new(&o, outs, 3, &p, NULL), PW_OK);
    size_t dim = pw_space_dim(pw_problem_space(p));
    double *x = malloc(dim * sizeof *x), y[3];
    assert_non_null(x);
    for (size_t i = 0; i < dim; i++)
        x[i] = pw_space_from_unit(pw_problem_space(p), i, 0.5);
    assert_int_equal(pw_problem_eval(p, x, 11, y), PW_OK);
    fprintf(stderr, "hiv_pwid %g, pwid %g, ratio %g\n", y[0], y[1], y[2]);
    assert_true(y[1] > 0.0 && y[0] > 0.0);
    assert_true(fabs(y[2] - y[0] / y[1]) <= 1e-12 * y[2]);
    free(x);
    pw_problem_free(p);
    p = NULL;

    const char *bad[1] = {"hiv_pwid/pwidd@2012"};
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_problem_new(&o, bad, 1, &p, &err), PW_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err.msg, "pwidd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_targets),
        cmocka_unit_test(test_bad_targets_refused),
        cmocka_unit_test(test_ratio_targets_load),
        cmocka_unit_test(test_ratio_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
