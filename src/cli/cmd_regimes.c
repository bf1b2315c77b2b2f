/*
 * pathways regimes: list the built-in regimes, or show one regime's rules.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pathways/engine.h"

static const char usage[] =
    "usage: pathways regimes [--json]\n"
    "       pathways regimes --rules NAME|PATH\n"
    "\n"
    "Lists the built-in regimes with a one-line summary, or prints the rules of one\n"
    "regime, stage by stage, with why each applies and its source. Each built-in\n"
    "regime is a YAML file (data/regimes/NAME.yaml); copy one, change a rule and run\n"
    "`pathways assess --regime ./my.yaml`. docs/regimes.md explains every rule.\n"
    "\n"
    "options:\n"
    "  -j, --json          the list as JSON: [{\"name\", \"title\", \"summary\", \"rules\"}]\n"
    "  -R, --rules REGIME  the rules of a built-in regime or a regime file\n"
    "  -h, --help          this text\n";

static int load(const char *name, pw_regime **r)
{
    pw_error e;
    pw_error_clear(&e);
    int rc = pw_regime_load(name, r, &e);
    if (rc)
        pw_error_print(&e, stderr, "pathways regimes");
    return rc;
}

static int show_rules(const char *name)
{
    pw_regime *r;
    int rc = load(name, &r);
    if (rc)
        return rc == PW_ENOTFOUND ? PW_EXIT_USAGE : PW_EXIT_BADINPUT;
    printf("%s: %s\n(%s)\n", pw_regime_name(r), pw_regime_title(r), pw_regime_origin(r));
    const char *stage = NULL;
    for (int i = 0; i < pw_regime_rule_count(r); i++) {
        if (!stage || strcmp(stage, pw_rule_stage(r, i)) != 0) {
            stage = pw_rule_stage(r, i);
            printf("\nstage %s (first matching rule fires):\n", stage);
        }
        printf("  %s\n    %s\n    source: %s\n", pw_rule_id(r, i), pw_rule_why(r, i),
               pw_rule_source(r, i));
    }
    pw_regime_free(r);
    return fflush(stdout) ? PW_EXIT_FAIL : PW_EXIT_OK;
}

int pw_cmd_regimes(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"rules", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int as_json = 0, opt;
    const char *rules = NULL;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":jR:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': as_json = 1; break;
        case 'R': rules = optarg; break;
        case 'h': fputs(usage, stdout); return PW_EXIT_OK;
        case ':': return pw_cli_usage_error("regimes", "%s needs a value", argv[optind - 1]);
        default: return pw_cli_usage_error("regimes", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pw_cli_usage_error("regimes", "unexpected argument '%s'", argv[optind]);
    if (rules)
        return show_rules(rules);

    const char **names;
    size_t n = pw_data_names("regimes", &names);
    json_t *list = as_json ? json_array() : NULL;
    int rc = PW_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        pw_regime *r;
        /* A built-in regime that does not compile is a broken build. */
        if (load(names[i], &r)) {
            rc = PW_EXIT_FAIL;
            continue;
        }
        if (as_json)
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i}", "name",
                                                  pw_regime_name(r), "title", pw_regime_title(r),
                                                  "summary", pw_regime_summary(r), "rules",
                                                  pw_regime_rule_count(r)));
        else
            printf("%-12s %s\n", pw_regime_name(r), pw_regime_summary(r));
        pw_regime_free(r);
    }
    free(names);
    if (as_json) {
        json_dumpf(list, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(list);
    }
    if (fflush(stdout))
        rc = PW_EXIT_FAIL;
    return rc;
}
