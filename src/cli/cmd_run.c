/*
 * pathways run: simulate a city or country under each regime and compare
 * them (docs/model.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/report.h"
#include "pathways/sim.h"

#define DEFAULT_RUNS 12

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pathways run [options]\n\n"
            "Simulates a society under one or more regimes with common random numbers\n"
            "and prints a comparison table (mean [95%% interval across runs], and each\n"
            "regime's paired difference from kz-current).\n\n"
            "options:\n"
            "  --scenario NAME|PATH  almaty (default), kazakhstan, or a scenario file\n"
            "  --regime all|A,B,...  regimes to compare (default all built-in regimes)\n"
            "  --years N             horizon in years (default 20)\n"
            "  --runs N              runs per regime (default %d)\n"
            "  --seed S              random seed (default 1)\n"
            "  --threads T           OpenMP threads (default: all cores); results do not\n"
            "                        depend on it\n"
            "  --scale F             fraction of the population simulated, 0 < F <= 1;\n"
            "                        figures are reported for the full population\n"
            "                        (default: the scenario's default_scale)\n"
            "  --posterior FILE|none CSV of parameter draws from `pathways calibrate`;\n"
            "                        run r uses row r mod n. Built-in scenarios use\n"
            "                        their shipped posterior (data/targets/NAME-posterior.csv)\n"
            "                        unless FILE is given; `none` uses the point values\n"
            "  --set NAME=VALUE      set one scenario parameter for this run (repeatable),\n"
            "                        e.g. --set treatment.compulsory_beds_per_100k=30;\n"
            "                        it overrides the posterior's draws of NAME.\n"
            "                        `pathways params` lists the parameters\n"
            "  --engine abm|meanfield  agent-based (default) or the mean-field ODEs\n"
            "  --out DIR             output directory (default ./pathways-out): writes\n"
            "                        summary.json, summary.csv, timeseries.csv and report.html\n"
            "  --quiet               no progress bar and no table\n"
            "  -h, --help            this text\n",
            DEFAULT_RUNS);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* Reads a posterior CSV: header of parameter names, then rows of numbers. */
static int read_posterior(const char *path, const pw_scenario *s, size_t *n_rows,
                          size_t *n_cols, int **idx, double **vals)
{
    pw_error err;
    pw_error_clear(&err);
    char *buf = NULL;
    size_t len;
    /* "<built-in>/targets/x.csv" names a file compiled into the binary. */
    const char *builtin = "<built-in>/";
    if (strncmp(path, builtin, strlen(builtin)) == 0) {
        const char *text = pw_data_get(path + strlen(builtin), &len);
        if (!text || !(buf = strdup(text))) {
            fprintf(stderr, "pathways run: %s: cannot read the built-in posterior\n", path);
            return PW_EXIT_FAIL;
        }
    } else if (pw_read_file(path, &buf, &len, &err)) {
        pw_error_print(&err, stderr, "pathways run");
        return PW_EXIT_BADINPUT;
    }
    int rc = PW_EXIT_BADINPUT;
    size_t cols = 0, rows = 0, cap = 0;
    int *ix = NULL;
    double *v = NULL;
    char *save = NULL;
    long line = 0;
    for (char *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t l = strlen(ln);
        if (l && ln[l - 1] == '\r')
            ln[l - 1] = 0;
        if (!*ln)
            continue;
        char *s2 = NULL;
        size_t c = 0;
        for (char *tok = strtok_r(ln, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2), c++) {
            if (line == 1) {
                int *p = realloc(ix, (c + 1) * sizeof *p);
                if (!p)
                    goto done;
                ix = p;
                ix[c] = pw_param_find(s, tok);
                if (ix[c] < 0) {
                    fprintf(stderr, "pathways run: %s:1: field '%s': not a parameter of scenario %s\n",
                            path, tok, pw_scenario_name(s));
                    goto done;
                }
                cols = c + 1;
                continue;
            }
            if (c >= cols) {
                fprintf(stderr, "pathways run: %s:%ld: more values than the %zu columns of the header\n",
                        path, line, cols);
                goto done;
            }
            if ((rows + 1) * cols > cap) {
                cap = cap ? cap * 2 : cols * 64;
                double *p = realloc(v, cap * sizeof *p);
                if (!p)
                    goto done;
                v = p;
            }
            char *end;
            double x = strtod(tok, &end);
            if (end == tok || *end) {
                fprintf(stderr, "pathways run: %s:%ld: field '%s': '%s' is not a number\n", path,
                        line, pw_param_name(s, (size_t)ix[c]), tok);
                goto done;
            }
            v[rows * cols + c] = x;
        }
        if (line > 1) {
            if (c != cols) {
                fprintf(stderr, "pathways run: %s:%ld: %zu values, the header has %zu\n", path,
                        line, c, cols);
                goto done;
            }
            rows++;
        }
    }
    if (!cols || !rows) {
        fprintf(stderr, "pathways run: %s: no parameter draws found\n", path);
        goto done;
    }
    *n_rows = rows;
    *n_cols = cols;
    *idx = ix;
    *vals = v;
    ix = NULL;
    v = NULL;
    rc = PW_EXIT_OK;
done:
    free(ix);
    free(v);
    free(buf);
    return rc;
}

/*
 * A parameter set by hand holds in every run instead of being redrawn:
 * drop its column from the posterior draws (after pw_cli_apply_overrides).
 */
static void drop_drawn(const pw_cli_override *ov, size_t n, pw_sim_opts *o, int *idx,
                       double *draws, int quiet)
{
    for (size_t i = 0; i < n; i++) {
        size_t cols = o->n_draw_params, drop = cols;
        for (size_t c = 0; c < cols; c++)
            if (idx[c] == ov[i].param)
                drop = c;
        if (drop == cols)
            continue;
        /* Compact the row-major matrix in place, row by row: the write
         * position never passes the read position. */
        size_t w = 0;
        for (size_t r = 0; r < o->n_draws; r++)
            for (size_t c = 0; c < cols; c++)
                if (c != drop)
                    draws[w++] = draws[r * cols + c];
        memmove(idx + drop, idx + drop + 1, (cols - drop - 1) * sizeof *idx);
        o->n_draw_params = cols - 1;
        if (!quiet)
            fprintf(stderr, "pathways run: %s = %g in every run (not drawn from the "
                            "posterior)\n", ov[i].name, ov[i].value);
    }
    if (o->n_draws && o->n_draw_params == 0)
        o->n_draws = 0; /* every drawn parameter was set by hand */
}

/* "all" means every built-in regime, kz-current (today's law) first. */
int pw_cli_load_regimes(const char *spec, pw_regime ***out, size_t *n_out)
{
    const char **names = NULL;
    size_t n = 0;
    char *copy = NULL;
    if (strcmp(spec, "all") == 0) {
        n = pw_data_names("regimes", &names);
        for (size_t i = 1; i < n; i++)
            if (strcmp(names[i], "kz-current") == 0) {
                const char *t = names[i];
                memmove(names + 1, names, i * sizeof *names);
                names[0] = t;
            }
    } else {
        copy = strdup(spec);
        names = calloc(strlen(spec) + 1, sizeof *names);
        if (!copy || !names) {
            free(copy);
            free(names);
            return PW_EXIT_FAIL;
        }
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            names[n++] = t;
    }
    if (n == 0) {
        free(copy);
        free(names);
        return pw_cli_usage_error("run", "no regimes given");
    }
    pw_regime **regs = calloc(n, sizeof *regs);
    int rc = regs ? PW_EXIT_OK : PW_EXIT_FAIL;
    for (size_t i = 0; rc == PW_EXIT_OK && i < n; i++) {
        pw_error err;
        pw_error_clear(&err);
        if (pw_regime_load(names[i], &regs[i], &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways run");
            rc = PW_EXIT_BADINPUT;
        }
    }
    if (rc != PW_EXIT_OK && regs) {
        for (size_t i = 0; i < n; i++)
            pw_regime_free(regs[i]);
        free(regs);
        regs = NULL;
    }
    free(copy);
    free(names);
    *out = regs;
    *n_out = n;
    return rc;
}

typedef struct run_output {
    const pw_results *res;
    const pw_scenario *s;
} run_output;

/* The scenario's observed numbers (data/targets/<scenario>.yaml, if it
 * has one) as observations.csv, to set the trajectories against. */
static int write_observations(const pw_scenario *s, const char *dir, pw_error *err)
{
    char rel[300], path[4096];
    snprintf(rel, sizeof rel, "targets/%s.yaml", pw_scenario_name(s));
    if (!pw_data_get(rel, NULL))
        return PW_OK;
    pw_targets *t;
    int rc = pw_targets_load(pw_scenario_name(s), &t, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/observations.csv", dir);
    rc = pw_targets_write_csv(t, path, err);
    pw_targets_free(t);
    return rc;
}

/* summary.json, summary.csv, timeseries.csv, observations.csv and
 * report.html into `dir`. */
static int write_run_output(const char *dir, void *arg, pw_error *err)
{
    const run_output *ro = arg;
    int rc = pw_results_write(ro->res, dir, err);
    if (rc == PW_OK)
        rc = write_observations(ro->s, dir, err);
    /* The charts' x axes start at the results' first row: the history's
     * first year when the scenario has one. */
    if (rc == PW_OK)
        rc = pw_report_html_write(ro->res, pw_scenario_name(ro->s),
                                  pw_results_start_year(ro->res), "kz-current", dir, err);
    return rc;
}

int pw_cmd_run(int argc, char **argv)
{
    /* The mean-field engine parses the same options itself. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if ((strcmp(argv[i], "--engine") == 0 && i + 1 < argc &&
             strcmp(argv[i + 1], "meanfield") == 0) ||
            strcmp(argv[i], "--engine=meanfield") == 0)
            return pw_cmd_run_meanfield(argc, argv);
    }
    static const struct option opts[] = {
        {"scenario", required_argument, 0, 's'}, {"regime", required_argument, 0, 'r'},
        {"years", required_argument, 0, 'y'},    {"runs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 'S'},     {"threads", required_argument, 0, 't'},
        {"scale", required_argument, 0, 'f'},    {"out", required_argument, 0, 'o'},
        {"posterior", required_argument, 0, 'p'}, {"engine", required_argument, 0, 'e'},
        {"set", required_argument, 0, 'x'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    /* A fixed bound keeps the option loop's early returns free of leaks. */
    pw_cli_override ovs[PW_CLI_MAX_OVERRIDES];
    size_t n_ovs = 0;
    const char *scenario = "almaty", *regime = "all", *out_dir = "pathways-out";
    const char *posterior = NULL;
    int quiet = 0;
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.runs = DEFAULT_RUNS;
    optind = 1;
    opterr = 0;
    int c;
    long x;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': scenario = optarg; break;
        case 'r': regime = optarg; break;
        case 'o': out_dir = optarg; break;
        case 'p': posterior = optarg; break;
        case 'q': quiet = 1; break;
        case 'x':
            if (n_ovs == sizeof ovs / sizeof ovs[0])
                return pw_cli_usage_error("run", "at most %zu --set options",
                                          sizeof ovs / sizeof ovs[0]);
            if (pw_cli_parse_override(optarg, &ovs[n_ovs]))
                return pw_cli_usage_error("run", "--set takes NAME=VALUE with a number, "
                                          "got '%s'", optarg);
            n_ovs++;
            break;
        case 'e':
            if (strcmp(optarg, "abm") != 0)
                return pw_cli_usage_error("run", "--engine must be abm or meanfield");
            break;
        case 'y':
            if (parse_long(optarg, 1, 200, &x))
                return pw_cli_usage_error("run", "--years must be an integer in 1..200");
            o.years = (int)x;
            break;
        case 'n':
            if (parse_long(optarg, 1, 100000, &x))
                return pw_cli_usage_error("run", "--runs must be an integer in 1..100000");
            o.runs = (int)x;
            break;
        case 'S': {
            char *end;
            errno = 0;
            unsigned long long sd = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return pw_cli_usage_error("run", "--seed must be a non-negative integer");
            o.seed = sd;
            break;
        }
        case 't':
            if (parse_long(optarg, 1, 1024, &x))
                return pw_cli_usage_error("run", "--threads must be an integer in 1..1024");
            o.threads = (int)x;
            break;
        case 'f': {
            char *end;
            double f = strtod(optarg, &end);
            if (end == optarg || *end || !(f > 0 && f <= 1))
                return pw_cli_usage_error("run", "--scale must be a number in (0, 1]");
            o.scale = f;
            break;
        }
        case 'h':
            usage(stdout);
            return PW_EXIT_OK;
        default:
            return pw_cli_usage_error("run", "unknown option or missing value: %s",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pw_cli_usage_error("run", "unexpected argument: %s", argv[optind]);

    pw_error err;
    pw_error_clear(&err);
    pw_scenario *s = NULL;
    pw_regime **regs = NULL;
    size_t n_regs = 0;
    pw_results *res = NULL;
    int *idx = NULL;
    double *draws = NULL;
    int rc;
    if (pw_scenario_load(scenario, &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        return PW_EXIT_BADINPUT;
    }
    /* A built-in scenario ships calibrated: unless told otherwise, each run
     * draws its parameters from the posterior that `pathways calibrate`
     * fitted to the observed data, so the intervals carry parameter
     * uncertainty as well as chance (docs/calibration.md). */
    char shipped[300];
    if (!posterior && !strchr(scenario, '/') && !strstr(scenario, ".yaml")) {
        snprintf(shipped, sizeof shipped, "targets/%s-posterior.csv", scenario);
        if (pw_data_get(shipped, NULL)) {
            snprintf(shipped, sizeof shipped, "<built-in>/targets/%s-posterior.csv", scenario);
            posterior = shipped;
        }
    }
    if (posterior && strcmp(posterior, "none") == 0)
        posterior = NULL;
    if (posterior) {
        size_t rows, cols;
        if ((rc = read_posterior(posterior, s, &rows, &cols, &idx, &draws)) != PW_EXIT_OK)
            goto done;
        o.n_draws = rows;
        o.n_draw_params = cols;
        o.draw_param_idx = idx;
        o.draws = draws;
    }
    if ((rc = pw_cli_apply_overrides(s, ovs, n_ovs)) != PW_EXIT_OK)
        goto done;
    drop_drawn(ovs, n_ovs, &o, idx, draws, quiet);
    if (o.n_draws && !quiet)
        fprintf(stderr, "pathways run: parameters drawn per run from %s (%zu draws of %zu "
                        "parameters; --posterior none for point values)\n",
                posterior, o.n_draws, o.n_draw_params);
    if ((rc = pw_cli_load_regimes(regime, &regs, &n_regs)) != PW_EXIT_OK)
        goto done;
    o.progress = !quiet;
    if (pw_sim_run(s, regs, n_regs, &o, &res, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        rc = err.status == PW_EINVAL ? PW_EXIT_BADINPUT : PW_EXIT_FAIL;
        goto done;
    }
    rc = PW_EXIT_FAIL;
    if (pw_results_set_posterior(res, o.n_draws ? posterior : NULL) != PW_OK)
        goto done;
    if (pw_cli_record_overrides(res, ovs, n_ovs) != PW_EXIT_OK)
        goto done;
    /* The four files appear together or not at all (pw_outset): a full
     * disk once left summary.* without report.html beside them. */
    run_output ro = {res, s};
    if (pw_outset_write(out_dir, write_run_output, &ro, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        fprintf(stderr, "pathways run: nothing written to %s (the files of an earlier run "
                        "there are as they were)\n", out_dir);
        rc = PW_EXIT_FAIL;
        goto done;
    }
    if (!quiet) {
        pw_results_print_table(res, "kz-current", stdout);
        printf("\nWritten: %s/summary.json, %s/summary.csv, %s/timeseries.csv, %s/report.html\n",
               out_dir, out_dir, out_dir, out_dir);
    }
    rc = PW_EXIT_OK;
done:
    pw_results_free(res);
    for (size_t i = 0; regs && i < n_regs; i++)
        pw_regime_free(regs[i]);
    free(regs);
    free(idx);
    free(draws);
    pw_scenario_free(s);
    return rc;
}
