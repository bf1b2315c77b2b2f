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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/registry.h"
#include "cli.h"

static const char usage[] =
    "usage: pathways registry report --db DB --as TOKEN --kind KIND\n"
    "                                [--by programme|regime|substance]\n"
    "                                [--as-of YYYY-MM-DD] [--output FILE]\n"
    "\n"
    "Computes a report over the registry as the user holding TOKEN. Aggregate\n"
    "reports need a role that may read aggregates; person-level ones (overdue,\n"
    "flags, tdi-export) show pseudonyms instead of refs to roles that may not\n"
    "read identities (the analyst). Every report is recorded in the audit log.\n"
    "\n"
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
    "options:\n"
    "  -d, --db DB        SQLite file or postgresql:// URL (default $PW_REGISTRY_DB)\n"
    "  -a, --as TOKEN     your bearer token (default $PW_REGISTRY_TOKEN)\n"
    "  -k, --kind KIND    one of the kinds above\n"
    "  -b, --by GROUP     group by programme, regime, substance, site or oblast (relapse-survival,\n"
    "                     caseload, outcomes; default: one group \"all\")\n"
    "  -t, --as-of DATE   the report's \"today\" (default: today, UTC)\n"
    "  -o, --output FILE  write to FILE (atomically) instead of standard output\n"
    "  -h, --help         this text\n"
    "\n"
    "See docs/registry.md, \"Reports and HTTP API\", for every field.\n"
    "exit: 0 ok; 1 refused token or role, or bad option value; 2 usage;\n"
    "      3 database or I/O failure\n";

static int exit_for(int status)
{
    switch (status) {
    case PW_OK:
        return PW_EXIT_OK;
    case PW_ENOMEM:
    case PW_EIO:
    case PW_EDB:
        return PW_EXIT_FAIL;
    default:
        return PW_EXIT_BADINPUT;
    }
}

int pw_cmd_registry_report(int argc, char **argv)
{
    static const char cmd[] = "registry report";
    if (pw_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return PW_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},   {"as", required_argument, NULL, 'a'},
        {"kind", required_argument, NULL, 'k'}, {"by", required_argument, NULL, 'b'},
        {"as-of", required_argument, NULL, 't'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    const char *db = getenv("PW_REGISTRY_DB"), *tok = getenv("PW_REGISTRY_TOKEN");
    const char *kind = NULL, *by = NULL, *asof = NULL, *output = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":d:a:k:b:t:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': tok = optarg; break;
        case 'k': kind = optarg; break;
        case 'b': by = optarg; break;
        case 't': asof = optarg; break;
        case 'o': output = optarg; break;
        case ':': return pw_cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return pw_cli_usage_error(cmd, "unknown option %s (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pw_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
        return pw_cli_usage_error(cmd, "--by must be programme, regime, substance, site or oblast, not '%s'", by);
    if (asof) {
        if (pw_registry_date(asof, &o.as_of) != PW_OK)
            return pw_cli_usage_error(cmd, "--as-of must be a date YYYY-MM-DD, not '%s'", asof);
    } else {
        o.as_of = pw_registry_today();
    }

    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    int rc = pw_registry_report(db, tok, &o, &out, &len, &type, &err);
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "pathways registry report");
        return exit_for(rc);
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
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "pathways registry report");
        return exit_for(rc);
    }
    return PW_EXIT_OK;
}
