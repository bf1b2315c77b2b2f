/*
 * pathways run: simulate a city or country under each regime and compare
 * them (docs/model.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "opt.h"
#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/report.h"
#include "pathways/sim.h"
#include "run_record.h"

#define DEFAULT_RUNS 12

/* The options of `pathways run`, for both engines (cmd_run_meanfield.c
 * reads the same table). The order is the order of --help. */
const pw_cli_opt pw_run_opts[RUN_N_OPTS] = {
    [RUN_SCENARIO] = PW_OPT_SCENARIO("almaty"),
    [RUN_REGIME] = PW_OPT_REGIME("all", "regimes to compare: all built-in ones, or names or "
                                        "regime files separated by commas"),
    [RUN_YEARS] = PW_OPT_YEARS("20"),
    [RUN_RUNS] = PW_OPT_RUNS("12"),
    [RUN_SEED] = PW_OPT_SEED("1"),
    [RUN_THREADS] = PW_OPT_THREADS,
    [RUN_SCALE] = PW_OPT_SCALE,
    [RUN_POSTERIOR] = {"posterior", 0, PW_OPT_STR, "FILE|none", 0, 0, "none", NULL,
                       "CSV of parameter draws from `pathways calibrate`; run r uses row r mod "
                       "n. Built-in scenarios use their shipped posterior "
                       "(data/targets/NAME-posterior.csv) unless FILE is given; `none` uses "
                       "the point values", PW_OPTF_FILE},
    [RUN_SET] = {"set", 0, PW_OPT_STR, "NAME=VALUE", 0, 0, NULL, NULL,
                 "set one scenario parameter for this run, e.g. "
                 "--set treatment.compulsory_beds_per_100k=30; it overrides the posterior's "
                 "draws of NAME. `pathways params` lists the parameters", PW_OPTF_REPEAT},
    [RUN_SWEEP] = {"sweep", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL,
                   "run every setting of a sweep file (YAML with `grid:` or `settings:`, or "
                   "CSV with a header of parameter names) with all regimes and runs; writes "
                   "DIR/sweep.csv and DIR/sweep.html (docs/model.md, \"Sweeps\")",
                   PW_OPTF_FILE},
    [RUN_ENGINE] = {"engine", 0, PW_OPT_CHOICE, "abm|meanfield", 0, 0, "abm|meanfield", "abm",
                    "agent-based, or the mean-field ODEs (one deterministic trajectory: "
                    "--runs, --seed, --threads, --scale and --posterior are ignored)", 0},
    [RUN_PER_YEAR] = {"per-year", 0, PW_OPT_INT, "K", 1, 365, NULL, "12",
                      "mean field, LH/LHY scenarios: output points per year", 0},
    [RUN_OUT] = PW_OPT_OUT("pathways-out", "output directory: summary.json, summary.csv, "
                                           "timeseries.csv, observations.csv, params.csv, "
                                           "inputs/ (copies of the files read) and report.html "
                                           "(with --sweep: sweep.csv and sweep.html)"),
    [RUN_QUIET] = PW_OPT_QUIET,
    [RUN_LANG] = {"lang", 0, PW_OPT_CHOICE, "en|ru|kk", 0, 0, "en|ru|kk", "en",
                  "language of report.html", 0},
    [RUN_REPLAY] = {"replay", 0, PW_OPT_STR, "DIR", 0, 0, NULL, NULL,
                    "repeat the run recorded in DIR by either engine (its summary.json and "
                    "inputs/, checked against their SHA-256) into --out (default "
                    "DIR.replay); only --out, "
                    "--threads and --quiet may be given with it", PW_OPTF_FILE},
    [RUN_BASELINE] = {"baseline", 0, PW_OPT_STR, "REGIME", 0, 0, NULL, NULL,
                      "accepted and ignored (older mean-field scripts); the baseline is "
                      "kz-current", PW_OPTF_HIDDEN},
    [RUN_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_run = {
    "run", "simulate a city or country under each regime and compare them", NULL,
    "Simulates a society under one or more regimes with common random numbers and prints "
    "a comparison table (mean [95% interval across runs], and each regime's paired "
    "difference from kz-current). Under mpirun the runs (and a sweep's settings) are "
    "spread over the ranks and the files are the same bytes as from one process "
    "(docs/cluster.md).",
    pw_run_opts, RUN_N_OPTS, NULL};

/* Reads a posterior CSV (pw_draws_load): header of parameter names, then
 * rows of numbers. The arrays become the caller's. */
static int read_posterior(const char *path, const pw_scenario *s, size_t *n_rows,
                          size_t *n_cols, int **idx, double **vals)
{
    pw_error err;
    pw_error_clear(&err);
    pw_draws d;
    int rc = pw_draws_load(path, s, &d, &err);
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        /* A built-in file that cannot be read is the binary's fault. */
        return rc == PW_ENOMEM || strncmp(path, "<built-in>/", 11) == 0 ? PW_EXIT_FAIL
                                                                        : PW_EXIT_BADINPUT;
    }
    *n_rows = d.rows;
    *n_cols = d.cols;
    *idx = d.param;
    *vals = d.value;
    return PW_EXIT_OK;
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

void pw_cli_list_item(const char *list, size_t i, char *buf, size_t size)
{
    const char *p = list;
    for (size_t k = 0; k < i && p; k++)
        p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    snprintf(buf, size, "%.*s", p ? (int)strcspn(p, ",") : 0, p ? p : "");
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
        /* Every comma separates two names: an empty item is refused, not
         * skipped, since the run's record names the regimes by position
         * in this list (pw_cli_list_item). */
        for (char *t = copy; t; n++) {
            char *comma = strchr(t, ',');
            if (comma)
                *comma = 0;
            if (!*t) {
                free(copy);
                free(names);
                return pw_cli_usage_error("run", "--regime '%s' has an empty name", spec);
            }
            names[n] = t;
            t = comma ? comma + 1 : NULL;
        }
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

/* The run's files (run_record.c: summary.*, timeseries.csv, params.csv,
 * inputs/, report.html) and observations.csv into `dir`. */
static int write_run_output(const char *dir, void *arg, pw_error *err)
{
    const pw_run_record *rec = arg;
    int rc = pw_run_write_set(dir, arg, err);
    if (rc == PW_OK)
        rc = write_observations(rec->scenario, dir, err);
    return rc;
}

int pw_cmd_run(int argc, char **argv)
{
    pw_cli_val v[RUN_N_OPTS];
    pw_cli_args a = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_run, argc, argv, &a);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    if (strcmp(pw_cli_str(&a, RUN_ENGINE, "abm"), "meanfield") == 0)
        return pw_cmd_run_meanfield(&a, argc, argv);
    if (v[RUN_PER_YEAR].given)
        return pw_cli_usage_error("run", "--per-year is for --engine meanfield");
    /* A fixed bound keeps the early returns free of leaks. */
    pw_cli_override ovs[PW_CLI_MAX_OVERRIDES];
    size_t n_ovs = 0;
    for (int i = 0; i < v[RUN_SET].given; i++) {
        if (n_ovs == PW_CLI_MAX_OVERRIDES)
            return pw_cli_usage_error("run", "at most %d --set options", PW_CLI_MAX_OVERRIDES);
        if (pw_cli_parse_override(v[RUN_SET].all[i], &ovs[n_ovs]))
            return pw_cli_usage_error("run", "--set takes NAME=VALUE with a number, got '%s'",
                                      v[RUN_SET].all[i]);
        n_ovs++;
    }
    const char *scenario = pw_cli_str(&a, RUN_SCENARIO, "almaty");
    const char *regime = pw_cli_str(&a, RUN_REGIME, "all");
    const char *out_dir = pw_cli_str(&a, RUN_OUT, "pathways-out");
    const char *posterior = pw_cli_str(&a, RUN_POSTERIOR, NULL);
    const char *sweep = pw_cli_str(&a, RUN_SWEEP, NULL);
    int quiet = v[RUN_QUIET].given > 0;
    const char *lang = pw_cli_str(&a, RUN_LANG, "en");
    const char *replay_dir = pw_cli_str(&a, RUN_REPLAY, NULL);
    int out_given = v[RUN_OUT].given > 0;
    /* Options that --replay takes from the folder instead. */
    int n_opts = 0;
    for (int i = 0; i < RUN_N_OPTS; i++)
        if (i != RUN_OUT && i != RUN_THREADS && i != RUN_QUIET && i != RUN_REPLAY)
            n_opts += v[i].given > 0;
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.runs = (int)pw_cli_int(&a, RUN_RUNS, DEFAULT_RUNS);
    o.years = (int)pw_cli_int(&a, RUN_YEARS, o.years);
    o.seed = pw_cli_u64(&a, RUN_SEED, o.seed);
    o.threads = (int)pw_cli_int(&a, RUN_THREADS, 0);
    o.scale = pw_cli_real(&a, RUN_SCALE, 0);

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
        if (!out_given) {
            snprintf(replay_out, sizeof replay_out, "%s.replay", replay_dir);
            out_dir = replay_out;
        }
        /* A mean-field folder replays through its own engine (one
         * deterministic trajectory per regime: no seed, runs or draws). */
        if (strcmp(rp->engine, "meanfield") == 0) {
            int mrc = pw_cmd_run_meanfield_replay(rp, replay_dir, out_dir, quiet, argc, argv);
            free(rp);
            return mrc;
        }
        if (strcmp(rp->engine, "abm") != 0) {
            int urc = pw_cli_usage_error("run", "%s was made by an engine this program does "
                                         "not have (%s)", replay_dir, rp->engine);
            free(rp);
            return urc;
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
    if (sweep) {
        rc = pw_cli_run_sweep(sweep, s, regs, n_regs, &o, out_dir, quiet);
        goto done;
    }
    if ((rc = pw_cli_ensemble(&s, 1, regs, n_regs, &o, &res)) != PW_EXIT_OK)
        goto done;
    /* Under mpirun rank 0 holds every run and writes; the others only
     * computed their share. */
    pw_par_solo();
    if (pw_par_rank() > 0) {
        rc = PW_EXIT_OK;
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
    rec->projection_year = pw_results_projection_year(res);
    if (pw_run_record_input(rec, "scenario", "scenarios", scenario,
                            rp ? pw_replay_label(rp, "scenario", 0) : NULL, &err) != PW_OK)
        goto record_failed;
    for (size_t i = 0; i < n_regs; i++) {
        /* The regimes as loaded: "all" is every built-in one by name. */
        const char *name = rp ? NULL : pw_regime_name(regs[i]);
        char spec[4200];
        if (rp || strcmp(regime, "all") != 0) { /* on replay, the path in its list */
            pw_cli_list_item(rp ? rp->regimes : regime, i, spec, sizeof spec);
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
    if (pw_outset_write(out_dir, write_run_output, rec, &err) != PW_OK) {
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
