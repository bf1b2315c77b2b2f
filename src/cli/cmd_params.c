/*
 * pathways params: the parameters of a society scenario, each with its
 * value, the range `run --set` accepts, its prior (if calibrated) and its
 * source, so an analyst can see what a number rests on before changing it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/sim.h"

static const char usage[] =
    "usage: pathways params [--scenario NAME|PATH] [--csv] [FILTER]\n"
    "\n"
    "Lists the scenario's parameters: name, value, the range that\n"
    "`pathways run --set NAME=VALUE` accepts, the prior of an uncertain\n"
    "parameter (calibrated by `pathways calibrate`), its source, and why it\n"
    "moves no output where it is inert by design. With\n"
    "FILTER, only the parameters whose name contains it (e.g. `treatment.`).\n"
    "docs/model.md explains each parameter.\n"
    "\n"
    "options:\n"
    "  --scenario NAME|PATH  almaty (default), kazakhstan, or a scenario file\n"
    "  --csv                 comma-separated, with a header (opens in a spreadsheet)\n"
    "  -h, --help            this text\n";

static const char *prior_name(pw_prior_kind k)
{
    return k == PW_PRIOR_UNIFORM ? "uniform" : k == PW_PRIOR_LOGUNIFORM ? "loguniform" : "";
}

/* A CSV field: quoted, with inner quotes doubled (RFC 4180). */
static void csv_field(const char *s, FILE *f)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int pw_cmd_params(int argc, char **argv)
{
    static const struct option opts[] = {{"scenario", required_argument, NULL, 's'},
                                         {"csv", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *scenario = "almaty", *filter = NULL;
    int csv = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': scenario = optarg; break;
        case 'c': csv = 1; break;
        case 'h': fputs(usage, stdout); return PW_EXIT_OK;
        default:
            return pw_cli_usage_error("params", "unknown option or missing value: %s",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        filter = argv[optind++];
    if (optind < argc)
        return pw_cli_usage_error("params", "unexpected argument: %s", argv[optind]);

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
    size_t shown = 0;
    for (size_t i = 0; i < pw_param_count(s); i++) {
        const char *name = pw_param_name(s, i);
        if (filter && !strstr(name, filter))
            continue;
        double lo, hi, a = 0, b = 0;
        pw_param_range(s, i, &lo, &hi);
        pw_prior_kind k = pw_param_prior(s, i, &a, &b);
        const char *src = pw_param_source(s, i) ? pw_param_source(s, i) : "";
        if (csv) {
            printf("%s,%.10g,%.10g,%.10g,%s,", name, pw_param_get(s, i), lo, hi, prior_name(k));
            if (k != PW_PRIOR_FIXED)
                printf("%.10g,%.10g,", a, b);
            else
                printf(",,");
            csv_field(src, stdout);
            putchar(',');
            if (pw_param_inert(s, i))
                csv_field(pw_param_inert(s, i), stdout);
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
    if (filter && shown == 0) {
        fprintf(stderr, "pathways params: no parameter of %s contains '%s'\n", scenario, filter);
        return PW_EXIT_BADINPUT;
    }
    return fflush(stdout) ? PW_EXIT_FAIL : PW_EXIT_OK;
}
