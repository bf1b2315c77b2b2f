/*
 * `--set NAME=VALUE` of `pathways run`, shared by both engines: parsed from
 * the command line, checked against the scenario's parameter table (name
 * and allowed range) before anything runs, and recorded in the results.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pathways/sim.h"

int pw_cli_parse_override(const char *arg, pw_cli_override *ov)
{
    const char *eq = strchr(arg, '=');
    char *end;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof ov->name)
        return -1;
    memcpy(ov->name, arg, (size_t)(eq - arg));
    ov->name[eq - arg] = 0;
    errno = 0;
    ov->value = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || errno || !isfinite(ov->value))
        return -1;
    ov->arg = arg;
    ov->param = -1;
    return 0;
}

int pw_cli_apply_overrides(pw_scenario *s, pw_cli_override *ov, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double lo, hi;
        if ((ov[i].param = pw_param_find(s, ov[i].name)) < 0)
            return pw_cli_usage_error("run", "--set %s: '%s' is not a parameter of scenario "
                                      "%s (`pathways params --scenario %s` lists them)",
                                      ov[i].arg, ov[i].name, pw_scenario_name(s),
                                      pw_scenario_name(s));
        pw_param_range(s, (size_t)ov[i].param, &lo, &hi);
        if (pw_param_set(s, (size_t)ov[i].param, ov[i].value) != PW_OK)
            return pw_cli_usage_error("run", "--set %s: %g is outside the allowed range "
                                      "[%g, %g] of %s", ov[i].arg, ov[i].value, lo, hi,
                                      ov[i].name);
    }
    return PW_EXIT_OK;
}

int pw_cli_record_overrides(pw_results *res, const pw_cli_override *ov, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pw_results_add_override(res, ov[i].name, ov[i].value) != PW_OK)
            return PW_EXIT_FAIL;
    return PW_EXIT_OK;
}
