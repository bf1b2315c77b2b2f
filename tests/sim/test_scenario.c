/* Scenarios: the built-in files load completely, parameters keep their
 * ranges, and a file with an error is refused with its file, line and key. */
#include <string.h>

#include "simtest.h"

static void builtin_almaty_is_complete(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    assert_string_equal(pw_scenario_name(s), "almaty");
    assert_true(pw_scenario_population(s) > 2e6 && pw_scenario_population(s) < 2.5e6);
    assert_int_equal(pw_scenario_start_year(s), 2024);
    /* the history: from 2011 under kz-current, from 2011's people */
    assert_int_equal(pw_scenario_history_start_year(s), 2011);
    assert_string_equal(pw_scenario_history_regime(s), "kz-current");
    assert_true(s->history_population > 1.4e6 && s->history_population < 1.5e6);
    assert_int_equal(pw_param_count(s), PI_COUNT);
    size_t priors = 0;
    for (size_t i = 0; i < pw_param_count(s); i++) {
        const char *name = pw_param_name(s, i);
        assert_int_equal(pw_param_find(s, name), (int)i);
        assert_non_null(pw_param_source(s, i));
        assert_true(strlen(pw_param_source(s, i)) > 0);
        double a, b;
        if (pw_param_prior(s, i, &a, &b) != PW_PRIOR_FIXED) {
            priors++;
            assert_true(a < b);
            double v = pw_param_get(s, i);
            assert_true(v >= a && v <= b);
        }
    }
    assert_true(priors >= 10);
    assert_int_equal(pw_param_find(s, "no.such"), -1);
    pw_scenario_free(s);
}

static void kazakhstan_extends_almaty(void **state)
{
    (void)state;
    pw_scenario *k = st_load("kazakhstan"), *a = st_load("almaty");
    assert_true(fabs(pw_scenario_population(k) - 20118478) < 1);
    int q = pw_param_find(k, "use.light_quit_rate");
    assert_true(pw_param_get(k, (size_t)q) == pw_param_get(a, (size_t)q));
    int c = pw_param_find(k, "demography.share_0_14");
    assert_true(pw_param_get(k, (size_t)c) == 0.29);
    /* the history is inherited, its first year's people restated */
    assert_int_equal(pw_scenario_history_start_year(k), 2011);
    assert_string_equal(pw_scenario_history_regime(k), "kz-current");
    assert_true(fabs(k->history_population - 16.5e6) < 1);
    pw_scenario_free(k);
    pw_scenario_free(a);
}

static void set_respects_range_and_clone_is_independent(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    int i = pw_param_find(s, "treatment.drug_court_graduation");
    assert_int_equal(pw_param_set(s, (size_t)i, 1.5), PW_EINVAL);
    assert_int_equal(pw_param_set(s, (size_t)i, -0.1), PW_EINVAL);
    assert_int_equal(pw_param_set(s, (size_t)i, 0.4), PW_OK);
    pw_scenario *c = pw_scenario_clone(s);
    assert_int_equal(pw_param_set(c, (size_t)i, 0.9), PW_OK);
    assert_true(pw_param_get(s, (size_t)i) == 0.4);
    assert_string_equal(pw_param_source(c, (size_t)i), pw_param_source(s, (size_t)i));
    pw_scenario_free(c);
    pw_scenario_free(s);
}

/* Writes `text` to a file and expects pw_scenario_load to refuse it at
 * `line` naming `field`. */
static void refused(const char *text, long line, const char *field)
{
    const char *path = "bad_scenario.yaml";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    pw_scenario *s = NULL;
    pw_error err;
    pw_error_clear(&err);
    int rc = pw_scenario_load(path, &s, &err);
    char msg[1024];
    pw_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "refused as expected: %s\n", msg);
    assert_int_not_equal(rc, PW_OK);
    assert_null(s);
    assert_non_null(strstr(err.file, "bad_scenario.yaml"));
    assert_int_equal(err.line, line);
    assert_string_equal(err.field, field);
    remove(path);
}

static void errors_name_file_line_and_key(void **state)
{
    (void)state;
    refused("extends: almaty\nparameters:\n  use.light_quit_rate: {value: 0.2, source: x}\n"
            "  use.no_such_rate: {value: 1, source: x}\n",
            4, "use.no_such_rate");
    refused("extends: almaty\nparameters:\n  treatment.drug_court_graduation: {value: 1.7, source: x}\n",
            3, "value");
    refused("extends: almaty\nparameters:\n  use.light_quit_rate: {value: 0.2}\n", 3, "source");
    /* the history must end before the projection starts */
    refused("extends: almaty\nhistory_start_year: 2024\n", 2, "history_start_year");
    refused("extends: almaty\nhistory_start_year: 1200\n", 2, "history_start_year");
    refused("extends: almaty\nhistory_population: 5\n", 2, "history_population");
    refused("extends: almaty\npopulaton: 5\n", 2, "populaton");
    refused("extends: almaty\nparameters:\n  use.light_quit_rate: {value: 0.2, source: x,\n"
            "    prior: {uniform: [0.5, 0.1]}}\n",
            4, "uniform");
    refused("name: x\npopulation: 1000\nstart_year: 2024\nparameters:\n"
            "  use.light_quit_rate: {value: 0.2, source: x}\n",
            5, "demography.share_0_14");
    refused("extends: almaty\nparameters:\n  use.light_quit_rate: {value: fast, source: x}\n", 3,
            "value");
    refused("extends: almaty\nparameters:\n  use.light_quit_rate: {value: 0.2, source: x, inert: \"\"}\n",
            3, "inert");
}

/* `inert: "why"` is kept with the parameter, survives a clone, is
 * inherited by a file that extends, and is dropped where a file gives
 * the parameter anew without it. */
static void inert_declarations(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    int i = pw_param_find(s, "treatment.compulsory_months_default");
    int j = pw_param_find(s, "use.light_quit_rate");
    assert_non_null(pw_param_inert(s, (size_t)i));
    assert_null(pw_param_inert(s, (size_t)j));
    pw_scenario *c = pw_scenario_clone(s);
    assert_string_equal(pw_param_inert(c, (size_t)i), pw_param_inert(s, (size_t)i));
    pw_scenario_free(c);
    pw_scenario_free(s);
    s = st_load("kazakhstan");
    assert_non_null(pw_param_inert(s, (size_t)i));
    pw_scenario_free(s);
    const char *path = "inert_scenario.yaml";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("extends: almaty\nparameters:\n"
          "  treatment.compulsory_months_default: {value: 6, source: x}\n"
          "  use.light_quit_rate: {value: 0.2, source: x, inert: \"a test's reason\"}\n",
          f);
    fclose(f);
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_scenario_load(path, &s, &err), PW_OK);
    assert_null(pw_param_inert(s, (size_t)i));
    assert_string_equal(pw_param_inert(s, (size_t)j), "a test's reason");
    pw_scenario_free(s);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_almaty_is_complete),
        cmocka_unit_test(kazakhstan_extends_almaty),
        cmocka_unit_test(set_respects_range_and_clone_is_independent),
        cmocka_unit_test(errors_name_file_line_and_key),
        cmocka_unit_test(inert_declarations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
