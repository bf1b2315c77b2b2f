/*
 * pathways regimes: list the built-in regimes, or show one regime's rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pathways/engine.h"

enum { G_FORMAT, G_JSON, G_RULES, G_HELP, G_N_OPTS };
static const pw_cli_opt regimes_opts[G_N_OPTS] = {
    [G_FORMAT] = PW_OPT_FORMAT(NULL),
    [G_JSON] = {"json", 'j', PW_OPT_FLAG, NULL, 0, 0, NULL, NULL,
                "the same as --format json: [{\"name\", \"title\", \"summary\", \"rules\"}]", 0},
    [G_RULES] = {"rules", 'R', PW_OPT_STR, "REGIME", 0, 0,
                 "kz-current drug-court hybrid portugal russia", NULL,
                 "the rules of a built-in regime or a regime file", PW_OPTF_FILE},
    [G_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_regimes = {
    "regimes", "list the built-in regimes", NULL,
    "Lists the built-in regimes with a one-line summary, or prints the rules of one regime, "
    "stage by stage, with why each applies and its source. Each built-in regime is a YAML "
    "file (data/regimes/NAME.yaml); copy one, change a rule and run `pathways assess "
    "--regime ./my.yaml`. docs/regimes.md explains every rule.",
    regimes_opts, G_N_OPTS, NULL};

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
    pw_cli_val v[G_N_OPTS];
    pw_cli_args a = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_regimes, argc, argv, &a);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    const char *format = pw_cli_str(&a, G_FORMAT, v[G_JSON].given ? "json" : "table");
    if (v[G_JSON].given && strcmp(format, "json") != 0)
        return pw_cli_usage_error("regimes", "--json and --format %s disagree", format);
    int as_json = strcmp(format, "json") == 0, as_csv = strcmp(format, "csv") == 0;
    const char *rules = pw_cli_str(&a, G_RULES, NULL);
    if (rules && (as_json || as_csv))
        return pw_cli_usage_error("regimes", "--rules prints text; --format is for the list");
    if (rules)
        return show_rules(rules);

    const char **names;
    size_t n = pw_data_names("regimes", &names);
    json_t *list = as_json ? json_array() : NULL;
    int rc = PW_EXIT_OK;
    if (as_csv)
        printf("name,title,summary,rules\n");
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
        else if (as_csv) {
            pw_csv_field(stdout, pw_regime_name(r));
            putchar(',');
            pw_csv_field(stdout, pw_regime_title(r));
            putchar(',');
            pw_csv_field(stdout, pw_regime_summary(r));
            printf(",%d\n", pw_regime_rule_count(r));
        } else
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
