/*
 * pathways params: the parameters of a society scenario, each with its
 * value, the range `run --set` accepts, its prior (if calibrated) and its
 * source, so an analyst can see what a number rests on before changing it.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/sim.h"

enum { P_SCENARIO, P_FORMAT, P_CSV, P_HELP, P_N_OPTS };
static const pw_cli_opt params_opts[P_N_OPTS] = {
    [P_SCENARIO] = PW_OPT_SCENARIO("almaty"),
    [P_FORMAT] = PW_OPT_FORMAT(NULL),
    [P_CSV] = {"csv", 0, PW_OPT_FLAG, NULL, 0, 0, NULL, NULL,
               "the same as --format csv (opens in a spreadsheet)", 0},
    [P_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_params = {
    "params", "list a scenario's parameters with value, range, prior and source", "[FILTER]",
    "Lists the scenario's parameters: name, value, the range that `pathways run --set "
    "NAME=VALUE` and `run --sweep` accept, the prior of an uncertain parameter (calibrated "
    "by `pathways calibrate`), its source, and why it moves no output where it is inert by "
    "design. With FILTER, only the parameters whose name contains it (e.g. `treatment.`). "
    "docs/model.md explains each parameter.",
    params_opts, P_N_OPTS, NULL};

static const char *prior_name(pw_prior_kind k)
{
    return k == PW_PRIOR_UNIFORM ? "uniform" : k == PW_PRIOR_LOGUNIFORM ? "loguniform" : "";
}

int pw_cmd_params(int argc, char **argv)
{
    pw_cli_val v[P_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_params, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    const char *scenario = pw_cli_str(&args, P_SCENARIO, "almaty");
    const char *format = pw_cli_str(&args, P_FORMAT, v[P_CSV].given ? "csv" : "table");
    if (v[P_CSV].given && strcmp(format, "csv") != 0)
        return pw_cli_usage_error("params", "--csv and --format %s disagree", format);
    int csv = strcmp(format, "csv") == 0, as_json = strcmp(format, "json") == 0;
    if (args.n_operands > 1)
        return pw_cli_usage_error("params", "unexpected argument: %s", args.operand[1]);
    const char *filter = args.n_operands ? args.operand[0] : NULL;

    if (pw_lhy_scenario_is(scenario)) {
        fprintf(stderr, "pathways params: %s is a mean-field LH/LHY scenario, not a society; "
                        "its parameters and sources are in its file "
                        "(data/scenarios/%s.yaml) and docs/calibration.md\n",
                scenario, scenario);
        return PW_EXIT_USAGE;
    }
    pw_error err;
    pw_error_clear(&err);
    pw_scenario *s;
    if (pw_scenario_load(scenario, &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways params");
        return PW_EXIT_BADINPUT;
    }
    if (csv)
        printf("name,value,min,max,prior,prior_lo,prior_hi,source,inert\n");
    json_t *list = as_json ? json_array() : NULL;
    size_t shown = 0;
    for (size_t i = 0; i < pw_param_count(s); i++) {
        const char *name = pw_param_name(s, i);
        if (filter && !strstr(name, filter))
            continue;
        double lo, hi, a = 0, b = 0;
        pw_param_range(s, i, &lo, &hi);
        pw_prior_kind k = pw_param_prior(s, i, &a, &b);
        const char *src = pw_param_source(s, i) ? pw_param_source(s, i) : "";
        if (as_json) {
            json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:s, s:s}", "name", name, "value",
                                  pw_param_get(s, i), "min", lo, "max", hi, "prior",
                                  k == PW_PRIOR_FIXED ? "fixed" : prior_name(k), "source", src);
            if (o && k != PW_PRIOR_FIXED) {
                json_object_set_new(o, "prior_lo", json_real(a));
                json_object_set_new(o, "prior_hi", json_real(b));
            }
            if (o && pw_param_inert(s, i))
                json_object_set_new(o, "inert", json_string(pw_param_inert(s, i)));
            json_array_append_new(list, o);
        } else if (csv) {
            printf("%s,%.10g,%.10g,%.10g,%s,", name, pw_param_get(s, i), lo, hi, prior_name(k));
            if (k != PW_PRIOR_FIXED)
                printf("%.10g,%.10g,", a, b);
            else
                printf(",,");
            pw_csv_field(stdout, src);
            putchar(',');
            if (pw_param_inert(s, i))
                pw_csv_field(stdout, pw_param_inert(s, i));
            putchar('\n');
        } else {
            printf("%-48s %-12.6g allowed [%g, %g]", name, pw_param_get(s, i), lo, hi);
            if (k != PW_PRIOR_FIXED)
                printf("  prior %s [%g, %g]", prior_name(k), a, b);
            printf("\n    source: %s\n", src);
            if (pw_param_inert(s, i))
                printf("    inert by design: %s\n", pw_param_inert(s, i));
        }
        shown++;
    }
    pw_scenario_free(s);
    if (list) {
        json_dumpf(list, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(list);
    }
    if (filter && shown == 0) {
        fprintf(stderr, "pathways params: no parameter of %s contains '%s'\n", scenario, filter);
        return PW_EXIT_BADINPUT;
    }
    return fflush(stdout) ? PW_EXIT_FAIL : PW_EXIT_OK;
}
