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
#include "pathways/engine.h"
#include "pathways/report.h"
#include "pathways/sim.h"
#include "run_record.h"

#ifdef _OPENMP
#include <omp.h>
#endif

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
            "                        summary.json, summary.csv, timeseries.csv, params.csv,\n"
            "                        inputs/ (copies of the files read) and report.html\n"
            "  --lang en|ru|kk       language of report.html (default en)\n"
            "  --replay DIR          repeat the run recorded in DIR (its summary.json and\n"
            "                        inputs/, checked against their SHA-256) into --out\n"
            "                        (default DIR.replay); only --out, --threads and\n"
            "                        --quiet may be given with it\n"
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
        {"help", no_argument, 0, 'h'},
        /* The report's language and the replay of a recorded run (run_record.c). */
        {"lang", required_argument, 0, 'L'},     {"replay", required_argument, 0, 'R'},
        {0, 0, 0, 0}};
    /* A fixed bound keeps the option loop's early returns free of leaks. */
    pw_cli_override ovs[PW_CLI_MAX_OVERRIDES];
    size_t n_ovs = 0;
    const char *scenario = "almaty", *regime = "all", *out_dir = "pathways-out";
    const char *posterior = NULL, *lang = "en", *replay_dir = NULL;
    int quiet = 0, n_opts = 0, out_given = 0;
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.runs = DEFAULT_RUNS;
    optind = 1;
    opterr = 0;
    int c;
    long x;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        n_opts += c != 'o' && c != 't' && c != 'q' && c != 'R';
        switch (c) {
        case 's': scenario = optarg; break;
        case 'r': regime = optarg; break;
        case 'o': out_dir = optarg; out_given = 1; break;
        case 'L': {
            int ok = 0;
            for (size_t i = 0; pw_report_langs[i]; i++)
                ok |= strcmp(optarg, pw_report_langs[i]) == 0;
            if (!ok)
                return pw_cli_usage_error("run", "--lang must be en, ru or kk, not '%s'", optarg);
            lang = optarg;
            break;
        }
        case 'R': replay_dir = optarg; break;
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
    /* --replay: every setting and input comes from the folder's record;
     * the inputs are the copies in DIR/inputs, each checked against the
     * SHA-256 recorded, and the record keeps the original's names for
     * them, so that the replay's files are the original's byte for byte
     * (but for the creation time and the command line). */
    pw_replay *rp = NULL;
    char replay_out[4200];
    if (replay_dir) {
        if (n_opts)
            return pw_cli_usage_error("run", "--replay takes every setting from the folder; "
                                      "only --out, --threads and --quiet may be given with it");
        if (!(rp = malloc(sizeof *rp)))
            return PW_EXIT_FAIL;
        if (pw_replay_load(replay_dir, rp, &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways run --replay");
            free(rp);
            return PW_EXIT_BADINPUT;
        }
        if (strcmp(rp->engine, "abm") != 0) {
            free(rp);
            return pw_cli_usage_error("run", "--replay repeats agent-based runs; %s was made by "
                                      "the %s engine", replay_dir, "mean-field");
        }
        scenario = rp->scenario;
        regime = rp->regimes;
        posterior = rp->posterior;
        lang = rp->lang;
        o.seed = rp->seed;
        o.runs = rp->runs;
        o.years = rp->years;
        o.scale = rp->scale;
        if (!o.threads)
            o.threads = rp->threads;
        for (size_t i = 0; i < rp->n_sets; i++)
            if (n_ovs < PW_CLI_MAX_OVERRIDES && pw_cli_parse_override(rp->sets[i], &ovs[n_ovs]) == 0)
                n_ovs++;
        if (!out_given) {
            snprintf(replay_out, sizeof replay_out, "%s.replay", replay_dir);
            out_dir = replay_out;
        }
    }
    pw_scenario *s = NULL;
    pw_regime **regs = NULL;
    size_t n_regs = 0;
    pw_results *res = NULL;
    int *idx = NULL;
    double *draws = NULL;
    int rc;
    pw_run_record *rec = calloc(1, sizeof *rec);
    if (!rec) {
        free(rp);
        return PW_EXIT_FAIL;
    }
    if (pw_scenario_load(scenario, &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        free(rp);
        free(rec);
        return PW_EXIT_BADINPUT;
    }
    /* A built-in scenario ships calibrated: unless told otherwise, each run
     * draws its parameters from the posterior that `pathways calibrate`
     * fitted to the observed data, so the intervals carry parameter
     * uncertainty as well as chance (docs/calibration.md). */
    char shipped[300];
    if (!posterior && !strchr(scenario, '/') && !strstr(scenario, ".yaml")) {
        snprintf(shipped, sizeof shipped, "targets/%.200s-posterior.csv", scenario);
        if (pw_data_get(shipped, NULL)) {
            snprintf(shipped, sizeof shipped, "<built-in>/targets/%.200s-posterior.csv", scenario);
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
    if (pw_results_set_posterior(res, !o.n_draws ? NULL
                                      : rp && rp->posterior_label[0] ? rp->posterior_label
                                                                     : posterior) != PW_OK)
        goto done;
    if (pw_cli_record_overrides(res, ovs, n_ovs) != PW_EXIT_OK)
        goto done;
    /* The record that lets the folder replay itself (run_record.h). */
    rec->argc = argc;
    rec->argv = argv;
    rec->engine = "abm";
    rec->lang = lang;
    rec->replay_of = replay_dir;
#ifdef _OPENMP
    rec->threads = o.threads ? o.threads : omp_get_max_threads();
#else
    rec->threads = 1;
#endif
    for (size_t i = 0; i < n_ovs; i++)
        rec->sets[rec->n_sets++] = ovs[i].arg;
    rec->scenario = s;
    rec->res = res;
    rec->n_draws = o.n_draws;
    rec->n_draw_params = o.n_draw_params;
    rec->draw_idx = idx;
    rec->draws = draws;
    rec->projection_year = pw_results_start_year(res);
    if (pw_run_record_input(rec, "scenario", "scenarios", scenario,
                            rp ? pw_replay_label(rp, "scenario", 0) : NULL, &err) != PW_OK)
        goto record_failed;
    for (size_t i = 0; i < n_regs; i++) {
        /* The regimes as loaded: "all" is every built-in one by name. */
        const char *name = rp ? NULL : pw_regime_name(regs[i]);
        char spec[4200];
        if (rp) { /* the i-th path of the replay's list */
            const char *p = rp->regimes;
            for (size_t k = 0; k < i && p; k++)
                p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
            snprintf(spec, sizeof spec, "%.*s", p ? (int)strcspn(p, ",") : 0, p ? p : "");
            name = spec;
        } else if (strcmp(regime, "all") != 0) {
            const char *p = regime;
            for (size_t k = 0; k < i && p; k++)
                p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
            snprintf(spec, sizeof spec, "%.*s", p ? (int)strcspn(p, ",") : 0, p ? p : "");
            name = spec;
        }
        if (pw_run_record_input(rec, "regime", "regimes", name,
                                rp ? pw_replay_label(rp, "regime", i) : NULL, &err) != PW_OK)
            goto record_failed;
    }
    if (o.n_draws && pw_run_record_input(rec, "posterior", "posterior", posterior,
                                         rp ? pw_replay_label(rp, "posterior", 0) : NULL,
                                         &err) != PW_OK)
        goto record_failed;
    /* The observations the report draws over the charts: the scenario's
     * targets file, where one is built in under its name. */
    char tname[300];
    snprintf(tname, sizeof tname, "targets/%s.yaml", pw_scenario_name(s));
    const char *targets = rp ? (rp->targets[0] ? rp->targets : NULL)
                             : pw_data_get(tname, NULL) ? pw_scenario_name(s) : NULL;
    if (targets) {
        if (pw_run_record_input(rec, "targets", "targets", targets,
                                rp ? pw_replay_label(rp, "targets", 0) : NULL, &err) != PW_OK)
            goto record_failed;
        rec->targets = targets;
    }
    /* The files appear together or not at all (pw_outset): a full disk
     * once left summary.* without report.html beside them. */
    if (pw_outset_write(out_dir, pw_run_write_set, rec, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        fprintf(stderr, "pathways run: nothing written to %s (the files of an earlier run "
                        "there are as they were)\n", out_dir);
        rc = PW_EXIT_FAIL;
        goto done;
    }
    if (!quiet) {
        pw_results_print_table(res, "kz-current", stdout);
        printf("\nWritten: %s/summary.json, %s/summary.csv, %s/timeseries.csv, %s/params.csv, "
               "%s/inputs/, %s/report.html\n",
               out_dir, out_dir, out_dir, out_dir, out_dir, out_dir);
    }
    rc = PW_EXIT_OK;
    goto done;
record_failed:
    pw_error_print(&err, stderr, "pathways run");
    rc = PW_EXIT_FAIL;
done:
    if (rec)
        pw_run_record_free(rec);
    free(rec);
    free(rp);
    pw_results_free(res);
    for (size_t i = 0; regs && i < n_regs; i++)
        pw_regime_free(regs[i]);
    free(regs);
    free(idx);
    free(draws);
    pw_scenario_free(s);
    return rc;
}
