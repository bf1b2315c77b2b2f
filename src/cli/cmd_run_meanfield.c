/*
 * pathways run --engine meanfield: the deterministic (ODE) engine.
 *
 * Receives the whole `run` argv (argv[0] == "run") and accepts the same
 * options as the agent-based run (one table, cmd_run.c), so a user switches
 * engines with one flag. Options that only make sense for a stochastic
 * engine (--runs, --seed, --threads, --scale, --posterior) are accepted and
 * ignored: an ODE has one trajectory.
 *
 * For an LH/LHY scenario (e.g. lhy-us-cocaine) it writes
 *   DIR/timeseries.csv  time (decimal years, monthly), light, heavy, memory,
 *                       initiation, users
 *   DIR/summary.json    parameters, peaks and end state
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/core.h"
#include "pathways/report.h"
#include "pathways/sim.h"
#include "run_record.h"

#define CMD "run"

static int write_lhy(const char *dir, const pw_lhy_scenario *sc, const double *traj, size_t n,
                     int per_year, pw_error *err)
{
    char path[4096];
    pw_afile *af = NULL;
    int rc = pw_mkdirs(dir, err);
    if (rc != PW_OK)
        return rc;
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    if ((rc = pw_afile_open(path, &af, err)) != PW_OK)
        return rc;
    FILE *f = pw_afile_fp(af);
    fprintf(f, "time,light,heavy,memory,initiation,users\n");
    for (size_t k = 0; k <= n; k++) {
        const double *y = traj + 3 * k;
        fprintf(f, "%.6f,%.3f,%.3f,%.3f,%.3f,%.3f\n", sc->start_year + (double)k / per_year, y[0],
                y[1], y[2], pw_lhy_initiation(&sc->p, y[0], y[1], y[2]), y[0] + y[1]);
    }
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "write failed");
    }
    if ((rc = pw_afile_commit(af, err)) != PW_OK)
        return rc;

    /* Summary: the figures one compares with the published history. */
    size_t pk[3] = {0, 0, 0};
    for (size_t k = 0; k <= n; k++)
        for (int j = 0; j < 3; j++)
            if (traj[3 * k + j] > traj[3 * pk[j] + j])
                pk[j] = k;
    json_t *root = json_object();
    json_t *par = json_object();
    json_object_set_new(root, "scenario", json_string(sc->name));
    json_object_set_new(root, "engine", json_string("meanfield"));
    json_object_set_new(root, "model", json_string(sc->p.model == PW_MF_LH ? "lh" : "lhy"));
    json_object_set_new(root, "start_year", json_integer(sc->start_year));
    json_object_set_new(root, "years", json_real((double)n / per_year));
    json_object_set_new(par, "tau", json_real(sc->p.tau));
    json_object_set_new(par, "s", json_real(sc->p.s));
    json_object_set_new(par, "q", json_real(sc->p.q));
    json_object_set_new(par, "smax", json_real(sc->p.smax));
    json_object_set_new(par, "a", json_real(sc->p.a));
    json_object_set_new(par, "b", json_real(sc->p.b));
    json_object_set_new(par, "g", json_real(sc->p.g));
    json_object_set_new(par, "delta", json_real(sc->p.delta));
    json_object_set_new(par, "floor", json_string(sc->p.floor_min ? "min" : "max"));
    json_object_set_new(root, "parameters", par);
    static const char *const names[3] = {"light", "heavy", "memory"};
    json_t *peaks = json_object(), *end = json_object();
    for (int j = 0; j < 3; j++) {
        json_t *o = json_object();
        json_object_set_new(o, "time", json_real(sc->start_year + (double)pk[j] / per_year));
        json_object_set_new(o, "value", json_real(traj[3 * pk[j] + j]));
        json_object_set_new(peaks, names[j], o);
        json_object_set_new(end, names[j], json_real(traj[3 * n + j]));
    }
    json_object_set_new(root, "peak", peaks);
    json_object_set_new(root, "end", end);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if ((rc = pw_afile_open(path, &af, err)) != PW_OK) {
        json_decref(root);
        return rc;
    }
    int bad = json_dumpf(root, pw_afile_fp(af), JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0;
    fputc('\n', pw_afile_fp(af));
    json_decref(root);
    if (bad || ferror(pw_afile_fp(af))) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "write failed");
    }
    return pw_afile_commit(af, err);
}
typedef struct lhy_output {
    const pw_lhy_scenario *sc;
    const double *traj;
    size_t n;
    int per_year;
} lhy_output;

static int write_lhy_set(const char *dir, void *arg, pw_error *err)
{
    const lhy_output *lo = arg;
    return write_lhy(dir, lo->sc, lo->traj, lo->n, lo->per_year, err);
}


static int run_lhy(const char *scenario, int years, int per_year, const char *out, int quiet)
{
    pw_error err;
    pw_error_clear(&err);
    pw_lhy_scenario sc;
    if (pw_lhy_scenario_load(scenario, &sc, NULL, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        return PW_EXIT_BADINPUT;
    }
    size_t n = (size_t)years * (size_t)per_year;
    double *traj = malloc((n + 1) * 3 * sizeof(double));
    if (!traj) {
        fprintf(stderr, "pathways run: out of memory\n");
        return PW_EXIT_FAIL;
    }
    int code = PW_EXIT_OK;
    if (pw_lhy_solve(&sc.p, sc.y0, years, per_year, traj, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        code = PW_EXIT_FAIL;
        goto done;
    }
    /* A short table on stdout: every 5 years and the end (not with --quiet). */
    if (!quiet) {
        printf("%s (mean-field %s model), %d years from %d\n", sc.name,
               sc.p.model == PW_MF_LH ? "LH" : "LHY", years, sc.start_year);
        printf("%6s %14s %14s %14s %14s\n", "year", "light", "heavy", "memory", "initiation");
        for (int yr = 0; yr <= years; yr++) {
            if (yr % 5 != 0 && yr != years)
                continue;
            const double *y = traj + 3 * (size_t)yr * per_year;
            printf("%6d %14.0f %14.0f %14.0f %14.0f\n", sc.start_year + yr, y[0], y[1], y[2],
                   pw_lhy_initiation(&sc.p, y[0], y[1], y[2]));
        }
    }
    lhy_output lo = {&sc, traj, n, per_year};
    /* Both files or neither (pw_outset), as for the society engines. */
    if (out && pw_outset_write(out, write_lhy_set, &lo, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        code = PW_EXIT_FAIL;
    }
done:
    free(traj);
    return code;
}

/* A society scenario: the mean-field counterpart of the society model,
 * one deterministic column set per regime, in the same summary.json /
 * timeseries.csv as the agent-based engine and the same comparison table
 * (the paired differences from kz-current are exact differences here). */
/* With `rp` (run --replay of a mean-field folder) the scenario and the
 * regimes are the folder's checked copies, recorded under the original's
 * names, so that the replay's files are the original's byte for byte. */
static int run_society(const char *scenario, const char *regime, int years, const char *out,
                       pw_cli_override *ovs, size_t n_ovs, int quiet, const char *lang, int argc,
                       char **argv, const pw_replay *rp, const char *replay_of)
{
    pw_run_record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return PW_EXIT_FAIL;
    pw_error err;
    pw_error_clear(&err);
    pw_scenario *s = NULL;
    pw_results *res = NULL;
    pw_regime **regs = NULL;
    const char **names = NULL;
    size_t n_regs = 0;
    int code = PW_EXIT_OK;
    if (pw_scenario_load(scenario, &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        free(rec);
        return PW_EXIT_BADINPUT;
    }
    if ((code = pw_cli_apply_overrides(s, ovs, n_ovs)) != PW_EXIT_OK ||
        (code = pw_cli_load_regimes(regime, &regs, &n_regs)) != PW_EXIT_OK)
        goto done;
    names = calloc(n_regs, sizeof *names);
    if (names)
        for (size_t i = 0; i < n_regs; i++)
            names[i] = pw_regime_name(regs[i]);
    /* With a history, its years come first, as in the agent-based output. */
    int hist_years = pw_scenario_history_start_year(s) > 0
                         ? pw_scenario_start_year(s) - pw_scenario_history_start_year(s)
                         : 0;
    res = names ? pw_results_new(pw_scenario_name(s),
                                 hist_years ? pw_scenario_history_start_year(s)
                                            : pw_scenario_start_year(s),
                                 hist_years + years, 1, 0, names, n_regs)
                : NULL;
    if (res)
        pw_results_set_projection_year(res, pw_scenario_start_year(s));
    if (!res || pw_results_set_bands(res, s)) {
        fprintf(stderr, "pathways run: out of memory\n");
        code = PW_EXIT_FAIL;
        goto done;
    }
    pw_results_set_engine(res, "meanfield");
    if ((code = pw_cli_record_overrides(res, ovs, n_ovs)) != PW_EXIT_OK)
        goto done;
    for (size_t i = 0; i < n_regs; i++)
        if (pw_mf_society_run(s, regs[i], 1.0, years, res, i, 0, &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways run");
            code = err.status == PW_ENOTFOUND || err.status == PW_EINVAL ? PW_EXIT_BADINPUT
                                                                         : PW_EXIT_FAIL;
            goto done;
        }
    if (pw_results_set_note(res, pw_mf_society_note()) != PW_OK) {
        fprintf(stderr, "pathways run: out of memory\n");
        code = PW_EXIT_FAIL;
        goto done;
    }
    /* A trajectory outside the scenario's plausibility bands is never
     * printed without a warning (the table and summary.json count it, as
     * for the agent-based runs). */
    for (size_t b = 0; b < pw_results_band_count(res); b++)
        for (size_t g = 0; g < n_regs; g++) {
            int yr;
            double v;
            if (pw_results_band_left(res, b, g, 0, &yr, &v))
                fprintf(stderr, "pathways run: warning: the mean-field trajectory of %s leaves "
                                "the plausibility band %s in %d (%g)\n",
                        names[g], pw_results_band_name(res, b), yr, v);
        }
    if (!quiet)
        pw_results_print_table(res, "kz-current", stdout);
    /* The same output set and report as the agent-based engine, with the
     * same record of how it was made (run_record.h). */
    rec->argc = argc;
    rec->argv = argv;
    rec->engine = "meanfield";
    rec->lang = lang;
    rec->replay_of = replay_of;
    rec->threads = 1;
    for (size_t i = 0; i < n_ovs; i++)
        rec->sets[rec->n_sets++] = ovs[i].arg;
    rec->scenario = s;
    rec->res = res;
    rec->projection_year = pw_results_projection_year(res);
    code = PW_EXIT_FAIL;
    if (out && pw_run_record_input(rec, "scenario", "scenarios", scenario,
                                   rp ? pw_replay_label(rp, "scenario", 0) : NULL,
                                   &err) != PW_OK)
        goto failed;
    for (size_t i = 0; out && i < n_regs; i++) {
        char spec[4200];
        const char *name = pw_regime_name(regs[i]);
        if (strcmp(regime, "all") != 0) {
            pw_cli_list_item(regime, i, spec, sizeof spec);
            name = spec;
        }
        if (pw_run_record_input(rec, "regime", "regimes", name,
                                rp ? pw_replay_label(rp, "regime", i) : NULL, &err) != PW_OK)
            goto failed;
    }
    /* The observations the report draws: the built-in targets of the
     * scenario's name, or on replay the folder's copy of them. */
    char tname[300];
    snprintf(tname, sizeof tname, "targets/%s.yaml", pw_scenario_name(s));
    const char *targets = rp ? (rp->targets[0] ? rp->targets : NULL)
                             : pw_data_get(tname, NULL) ? pw_scenario_name(s) : NULL;
    if (out && targets) {
        if (pw_run_record_input(rec, "targets", "targets", targets,
                                rp ? pw_replay_label(rp, "targets", 0) : NULL, &err) != PW_OK)
            goto failed;
        rec->targets = targets;
    }
    if (out && pw_outset_write(out, pw_run_write_set, rec, &err) != PW_OK)
        goto failed;
    code = PW_EXIT_OK;
    goto done;
failed:
    pw_error_print(&err, stderr, "pathways run");
done:
    pw_run_record_free(rec);
    free(rec);
    pw_results_free(res);
    for (size_t i = 0; regs && i < n_regs; i++)
        pw_regime_free(regs[i]);
    free(regs);
    free(names);
    pw_scenario_free(s);
    return code;
}

int pw_cmd_run_meanfield(const pw_cli_args *a, int argc, char **argv)
{
    const char *scenario = pw_cli_str(a, RUN_SCENARIO, "almaty");
    const char *regime = pw_cli_str(a, RUN_REGIME, "all");
    /* The mean field writes files only when asked (--out), as before. */
    const char *out = pw_cli_str(a, RUN_OUT, NULL);
    long years = (long)pw_cli_int(a, RUN_YEARS, 20), per_year = (long)pw_cli_int(a, RUN_PER_YEAR, 12);
    int quiet = a->v[RUN_QUIET].given > 0;
    const char *lang = pw_cli_str(a, RUN_LANG, "en");
    if (a->v[RUN_REPLAY].given)
        return pw_cli_usage_error(CMD, "--replay takes the engine from the folder; give it "
                                  "without --engine");
    pw_cli_override ovs[PW_CLI_MAX_OVERRIDES];
    size_t n_ovs = 0;
    if (a->v[RUN_SWEEP].given)
        return pw_cli_usage_error(CMD, "--sweep needs the agent-based engine (each setting's "
                                  "runs and intervals)");
    for (int i = 0; i < a->v[RUN_SET].given; i++) {
        if (n_ovs == PW_CLI_MAX_OVERRIDES)
            return pw_cli_usage_error(CMD, "at most %d --set options", PW_CLI_MAX_OVERRIDES);
        if (pw_cli_parse_override(a->v[RUN_SET].all[i], &ovs[n_ovs]))
            return pw_cli_usage_error(CMD, "--set takes NAME=VALUE with a number, got '%s'",
                                      a->v[RUN_SET].all[i]);
        n_ovs++;
    }
    /* Under mpirun every rank solves the (cheap) ODEs; rank 0 alone writes. */
    if (pw_par_rank() > 0)
        out = NULL;
    if (pw_lhy_scenario_is(scenario)) {
        if (n_ovs)
            return pw_cli_usage_error(CMD, "--set is for society scenarios; change an LH/LHY "
                                      "parameter in a copy of the scenario file");
        return run_lhy(scenario, (int)years, (int)per_year, out, quiet);
    }
    return run_society(scenario, regime, (int)years, out, ovs, n_ovs, quiet, lang, argc, argv,
                       NULL, NULL);
}

int pw_cmd_run_meanfield_replay(const pw_replay *rp, const char *replay_dir, const char *out,
                                int quiet, int argc, char **argv)
{
    pw_cli_override ovs[PW_CLI_MAX_OVERRIDES];
    size_t n_ovs = 0;
    /* The record holds the --set arguments as they were accepted. */
    for (size_t i = 0; i < rp->n_sets && n_ovs < PW_CLI_MAX_OVERRIDES; i++)
        if (pw_cli_parse_override(rp->sets[i], &ovs[n_ovs]) == 0)
            n_ovs++;
    if (pw_par_rank() > 0)
        out = NULL;
    return run_society(rp->scenario, rp->regimes, rp->years, out, ovs, n_ovs, quiet, rp->lang,
                       argc, argv, rp, replay_dir);
}
