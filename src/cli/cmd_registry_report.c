/*
 * pathways registry report: the registry's effectiveness and data-quality
 * reports (pw_registry_report, pathways/registry.h), as the signed-in
 * user's role allows.
 * Called by cmd_registry.c with argv starting at "report".
 *
 * The report is computed whole before anything is printed, so a failure
 * never leaves half a document on stdout; with --output the file is written
 * atomically (pw_afile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/registry.h"
#include "cli.h"

enum { RR_DB, RR_AS, RR_KIND, RR_BY, RR_ASOF, RR_FORMAT, RR_TABLE, RR_OUTPUT, RR_HELP, RR_N_OPTS };
static const pw_cli_opt report_opts[RR_N_OPTS] = {
    [RR_DB] = {"db", 'd', PW_OPT_STR, "DB", 0, 0, NULL, "$PW_REGISTRY_DB",
               "the registry: an SQLite file or a postgresql:// URL", PW_OPTF_FILE},
    [RR_AS] = {"as", 'a', PW_OPT_STR, "TOKEN", 0, 0, NULL, "$PW_REGISTRY_TOKEN",
               "your bearer token", 0},
    [RR_KIND] = {"kind", 'k', PW_OPT_CHOICE, "KIND", 0, 0,
                 "relapse-survival|caseload|overdue|completeness|outcomes|flags|tdi-export", NULL,
                 "the report (required; see below)", 0},
    [RR_BY] = {"by", 'b', PW_OPT_CHOICE, "GROUP", 0, 0, "programme|regime|substance|site|oblast",
               "one group \"all\"",
               "group by programme, regime, substance, site or oblast (relapse-survival, "
               "caseload, outcomes)",
               0},
    [RR_ASOF] = {"as-of", 't', PW_OPT_STR, "YYYY-MM-DD", 0, 0, NULL, "today, UTC",
                 "the report's \"today\"", 0},
    [RR_FORMAT] = {"format", 0, PW_OPT_CHOICE, "json|csv|xlsx", 0, 0, "json|csv|xlsx",
                   "json; csv for tdi-export",
                   "json, csv (one table) or xlsx (every table, a sheet each: an Excel "
                   "workbook); tdi-export is CSV only, and a format it cannot give is "
                   "refused rather than mislabelled", 0},
    [RR_TABLE] = {"table", 0, PW_OPT_STR, "NAME", 0, 0, NULL, "the first after the summary",
                  "with --format csv: the table to write (a wrong name lists them)", 0},
    [RR_OUTPUT] = {"output", 'o', PW_OPT_STR, "FILE", 0, 0, NULL, "standard output",
                   "write to FILE (atomically); a name ending in .csv or .json must match "
                   "the report's format", PW_OPTF_FILE},
    [RR_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_registry_report = {
    "registry report", "effectiveness and data-quality reports", NULL,
    "Computes a report over the registry as the user holding TOKEN. Aggregate reports need "
    "a role that may read aggregates; person-level ones (overdue, flags, tdi-export) show "
    "pseudonyms instead of refs to roles that may not read identities (the analyst). Every "
    "report is recorded in the audit log.",
    report_opts, RR_N_OPTS,
    "kinds:\n"
    "  relapse-survival  time to first relapse after a successful discharge:\n"
    "                    Kaplan-Meier with Greenwood 95% log-log intervals,\n"
    "                    numbers at risk, median; death and imprisonment as\n"
    "                    competing events (Aalen-Johansen cumulative incidence)\n"
    "  caseload          open episodes by phase\n"
    "  overdue           scheduled reviews whose window closed with no review\n"
    "  completeness      share of due reviews held, by programme (< 80% flagged)\n"
    "  outcomes          retention (12 weeks), successful completion,\n"
    "                    re-presentation within 6 months, abstinence and reliable\n"
    "                    improvement at the 6-month review\n"
    "  flags             persons due a plan review (with reasons) and programmes\n"
    "                    clearly worse than the others\n"
    "  tdi-export        treatment entries in the EMCDDA TDI 3.0 layout (CSV)\n"
    "\n"
    "See docs/registry.md, \"Reports and HTTP API\", for every field.\n"
    "exit: 0 ok; 1 refused token or role, or bad option value; 2 usage;\n"
    "      3 database or I/O failure\n"};

/* The format a file name asks for by its extension, or NULL. */
static const char *format_of_name(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".csv") == 0)
        return "csv";
    if (n > 5 && strcmp(path + n - 5, ".json") == 0)
        return "json";
    if (n > 5 && strcmp(path + n - 5, ".xlsx") == 0)
        return "xlsx";
    return NULL;
}

/* Prints the error under the report's name; returns the exit code of rc. */
static int failed(const pw_error *err, int rc)
{
    pw_error_print(err, stderr, "pathways registry report");
    return pw_cli_registry_exit(rc);
}

int pw_cmd_registry_report(int argc, char **argv)
{
    static const char cmd[] = "registry report";
    pw_cli_val v[RR_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_registry_report, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    const char *db = pw_cli_str(&args, RR_DB, getenv("PW_REGISTRY_DB"));
    const char *tok = pw_cli_str(&args, RR_AS, getenv("PW_REGISTRY_TOKEN"));
    const char *kind = pw_cli_str(&args, RR_KIND, NULL), *by = pw_cli_str(&args, RR_BY, NULL);
    const char *asof = pw_cli_str(&args, RR_ASOF, NULL);
    const char *output = pw_cli_str(&args, RR_OUTPUT, NULL);
    const char *format = pw_cli_str(&args, RR_FORMAT, NULL);
    const char *table = pw_cli_str(&args, RR_TABLE, NULL);
    if (!db || !*db)
        return pw_cli_usage_error(cmd, "--db is required");
    if (!tok || !*tok)
        return pw_cli_usage_error(cmd, "--as TOKEN is required");
    if (!kind)
        return pw_cli_usage_error(cmd, "--kind is required (see --help)");

    pw_error err;
    pw_error_clear(&err);
    pw_registry_report_opts o = {.as_of = 0};
    o.kind = pw_registry_report_kind(kind);
    if (o.kind < 0)
        return pw_cli_usage_error(cmd, "--kind: unknown kind '%s' (see --help)", kind);
    o.by = pw_registry_report_by(by);
    if (o.by < 0)
        return pw_cli_usage_error(cmd, "--by must be programme, regime, substance, site or oblast, not '%s'",
                                  by);
    if (asof) {
        if (pw_registry_date(asof, &o.as_of) != PW_OK)
            return pw_cli_usage_error(cmd, "--as-of must be a date YYYY-MM-DD, not '%s'", asof);
    } else {
        o.as_of = pw_registry_today();
    }

    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    /* tdi-export is CSV; the other reports are JSON, or a spreadsheet made
     * from it (csv: one table, xlsx: every table). A format the report
     * cannot give, asked for by --format or by the output file's name, is
     * refused before the report is computed (and audited). */
    int tdi = strcmp(kind, "tdi-export") == 0;
    const char *want = format ? format : output ? format_of_name(output) : NULL;
    if (want && tdi && strcmp(want, "csv") != 0)
        return pw_cli_usage_error(cmd, "the %s report is CSV, not %s%s%s", kind, want,
                                  format ? "" : " (the name of --output says .",
                                  format ? "" : want[0] == 'j' ? "json)" : "xlsx)");
    if (table && (!want || strcmp(want, "csv") != 0 || tdi))
        return pw_cli_usage_error(cmd, "--table goes with --format csv (not tdi-export)");
    int rc = pw_registry_report(db, tok, &o, &out, &len, &type, &err);
    if (rc != PW_OK)
        return failed(&err, rc);
    /* A spreadsheet of the same report. */
    if (want && strcmp(want, "json") != 0 && strncmp(type, "application/json", 16) == 0) {
        char *sheet = NULL;
        size_t slen = 0;
        rc = pw_registry_report_sheet(out, len, want, table, &sheet, &slen, &err);
        free(out);
        if (rc != PW_OK)
            return failed(&err, rc);
        out = sheet;
        len = slen;
    }
    if (output) {
        pw_afile *af = NULL;
        rc = pw_afile_open(output, &af, &err);
        if (rc == PW_OK) {
            if (fwrite(out, 1, len, pw_afile_fp(af)) != len) {
                pw_afile_abort(af);
                rc = pw_error_set(&err, PW_EIO, output, 0, NULL, "write failed");
            } else {
                rc = pw_afile_commit(af, &err);
            }
        }
    } else if (fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
        rc = pw_error_set(&err, PW_EIO, "<stdout>", 0, NULL, "write failed");
    }
    free(out);
    if (rc != PW_OK)
        return failed(&err, rc);
    return PW_EXIT_OK;
}
