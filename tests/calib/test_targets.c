/*
 * Targets files: the built-in ones load, every number has a source and a
 * positive uncertainty and names a simulator series; malformed files are
 * refused naming the file, line and field.
 */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_targets),
        cmocka_unit_test(test_bad_targets_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
