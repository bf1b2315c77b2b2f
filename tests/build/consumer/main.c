/*
 * A program built against an installed libpathways (tests/build/
 * test_install.sh builds it with pkg-config and with find_package): decides
 * one case with a built-in regime and reads a built-in scenario, through
 * the public headers only.
 */
#include <stdio.h>
#include <string.h>

#include <pathways/engine.h>
#include <pathways/sim.h>

int main(void)
{
    pw_error err;
    pw_error_clear(&err);
    pw_regime *r = NULL;
    pw_scenario *s = NULL;
    char *out = NULL, *bad = NULL;
    int rc = 1;
    static const char case_json[] =
        "{\"id\": \"c-1\", \"age\": 24, \"event\": \"use\", \"substances\": "
        "[{\"substance\": \"heroin\", \"dsm5_criteria\": 7}]}";
    if (pw_regime_load("hybrid", &r, &err) != PW_OK ||
        pw_assess_json(r, case_json, strlen(case_json), NULL, &out, NULL, &err) != PW_OK ||
        pw_scenario_load("almaty", &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "consumer");
        goto done;
    }
    printf("pathways %s\n%s\n", PW_VERSION, out);
    printf("scenario %s: %zu parameters, starts %d\n", pw_scenario_name(s), pw_param_count(s),
           pw_scenario_start_year(s));
    /* A wrong field is refused with its name. */
    if (pw_assess_json(r, "{\"age\": 24, \"evnt\": \"use\"}", 26, "<bad>", &bad, NULL, &err) ==
            PW_OK || bad) {
        fprintf(stderr, "consumer: a bad case was accepted\n");
        goto done;
    }
    printf("refused: %s\n", err.field);
    rc = 0;
done:
    pw_free(out);
    pw_free(bad);
    pw_scenario_free(s);
    pw_regime_free(r);
    return rc;
}
