/*
 * pathways sensitivity: global sensitivity of chosen outcomes to every
 * uncertain parameter of a scenario (Sobol first-order and total indices
 * from Sobol' quasi-random points, or Morris screening), as a table on
 * stdout (or, with --format, the same data as --csv or --json write) and
 * as JSON or CSV files.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "pathways/calib.h"

#define CMD "sensitivity"
#define MAX_OUT 32

enum { S_SCENARIO, S_OUTCOME, S_METHOD, S_SAMPLES, S_REGIME, S_VERSUS, S_YEARS, S_SCALE,
       S_SEED, S_THREADS, S_ENGINE, S_PARAMS, S_JSON, S_CSV, S_OUT, S_FORMAT, S_HELP, S_N_OPTS };
static const pw_cli_opt sensitivity_opts[S_N_OPTS] = {
    [S_SCENARIO] = PW_OPT_SCENARIO("almaty"),
    [S_OUTCOME] = {"outcome", 0, PW_OPT_STR, "LIST", 0, 0, NULL, NULL,
                   "comma-separated outputs (required); for LH/LHY scenarios "
                   "light|heavy|memory|initiation|users followed by @YEAR or _peak, "
                   "_peak_year, _end, _total; for society scenarios a metric of summary.json, "
                   "SERIES@YEAR (a column of timeseries.csv), or SERIES/SERIES@YEAR, a "
                   "ratio such as hiv_pwid/pwid@2043",
                   0},
    [S_METHOD] = {"method", 0, PW_OPT_CHOICE, "sobol|morris", 0, 0, "sobol|morris", "sobol",
                  "sobol: first-order and total indices with 95% bootstrap intervals, "
                  "N*(k+2) runs; morris: quick screening (mu*, sigma), N*(k+1) runs", 0},
    [S_SAMPLES] = {"samples", 0, PW_OPT_INT, "N", 2, 4194304, NULL, "1024 (sobol, >= 16) / 50",
                   "Sobol rows or Morris trajectories", 0},
    [S_REGIME] = {"regime", 0, PW_OPT_STR, "REGIME", 0, 0,
                  "kz-current drug-court hybrid portugal russia", "kz-current",
                  "regime to simulate (society scenarios)", PW_OPTF_FILE},
    [S_VERSUS] = {"versus", 0, PW_OPT_STR, "REGIME", 0, 0,
                  "kz-current drug-court hybrid portugal russia", NULL,
                  "analyse the difference --regime minus this regime (same people and random "
                  "numbers): is the comparison robust?", PW_OPTF_FILE},
    [S_YEARS] = PW_OPT_YEARS("20, or 50 for LH/LHY scenarios"),
    [S_SCALE] = PW_OPT_SCALE,
    [S_SEED] = PW_OPT_SEED("1"),
    [S_THREADS] = PW_OPT_THREADS,
    [S_ENGINE] = {"engine", 0, PW_OPT_CHOICE, "abm|meanfield", 0, 0, "abm|meanfield", "abm",
                  "society scenarios: abm, or meanfield, the ODE counterpart as a cheap screen "
                  "(--scale and --seed do not apply: one trajectory per regime)", 0},
    [S_PARAMS] = {"params", 0, PW_OPT_STR, "LIST", 0, 0, NULL, NULL,
                  "society scenarios: analyse only these parameters (comma-separated names "
                  "with a prior; the others keep their scenario values), e.g. the top of a "
                  "Morris screen; default all with a prior", 0},
    [S_JSON] = {"json", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL,
                "also write the indices as JSON to FILE", PW_OPTF_FILE},
    [S_CSV] = {"csv", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL,
               "also write them as CSV to FILE, one row per outcome and parameter", PW_OPTF_FILE},
    /* Listed so that --out, which `run` and `calibrate` have, gets a
     * pointed answer instead of "unknown option". */
    [S_OUT] = {"out", 0, PW_OPT_STR, "DIR", 0, 0, NULL, NULL,
               "refused: write the indices with --json FILE and/or --csv FILE", PW_OPTF_HIDDEN},
    [S_FORMAT] = PW_OPT_FORMAT(NULL),
    [S_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_sensitivity = {
    "sensitivity", "global sensitivity of outcomes to each uncertain parameter", NULL,
    "Global sensitivity of each outcome to every uncertain parameter (those with a prior "
    "in the scenario). The same seed gives the same indices whatever the number of "
    "threads. A society scenario is simulated at --scale 0.05 unless told otherwise.",
    sensitivity_opts, S_N_OPTS,
    "Built with MPI, `mpirun -np N pathways sensitivity ...` spreads the runs over\n"
    "N processes, each on its --threads; the indices do not change.\n"
    "See docs/calibration.md.\n"};

/* Splits a comma-separated list in place. */
static size_t split(char *s, char **parts, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
        if (*tok)
            parts[n++] = tok;
    return n;
}

/* A line of the table for people, or nothing when `f` is NULL. */
static void table(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void table(FILE *f, const char *fmt, ...)
{
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

/* Order of parameters by decreasing key (simple insertion sort). */
static void order_by(const double *key, size_t stride, size_t n, size_t *idx)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && key[idx[j] * stride] > key[idx[j - 1] * stride]; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
}

/* What goes into one output file; 0 on success, -1 if a write failed. */
typedef struct out_ctx {
    json_t *root;
    const pw_space *sp;
    char **outs;
    size_t n_out;
    const pw_sobol_result *sr;
    const pw_morris_result *mr;
} out_ctx;

static int fill_json(FILE *f, const out_ctx *c)
{
    return json_dumpf(c->root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0 ||
                   fputc('\n', f) == EOF
               ? -1
               : 0;
}

/* One row per outcome and parameter, in the parameters' order. */
static int fill_csv(FILE *f, const out_ctx *c)
{
    const pw_sobol_result *sr = c->sr;
    const pw_morris_result *mr = c->mr;
    if (fputs(sr ? "outcome,parameter,first,first_ci95,total,total_ci95\n"
                 : "outcome,parameter,mu_star,mu,sigma\n",
              f) == EOF)
        return -1;
    for (size_t j = 0; j < c->n_out; j++)
        for (size_t i = 0; i < pw_space_dim(c->sp); i++) {
            size_t at = i * c->n_out + j;
            const char *o = c->outs[j], *p = pw_space_name(c->sp, i);
            if ((sr ? fprintf(f, "%s,%s,%.6g,%.6g,%.6g,%.6g\n", o, p, sr->first[at],
                              sr->first_ci[at], sr->total[at], sr->total_ci[at])
                    : fprintf(f, "%s,%s,%.6g,%.6g,%.6g\n", o, p, mr->mu_star[at], mr->mu[at],
                              mr->sigma[at])) < 0)
                return -1;
        }
    return 0;
}

/* Writes a file whole or not at all (a temporary file renamed over it). */
static int write_out(const char *path, int (*fill)(FILE *, const out_ctx *), const out_ctx *c)
{
    pw_error err;
    pw_error_clear(&err);
    pw_afile *af = NULL;
    if (pw_afile_open(path, &af, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        return -1;
    }
    if (fill(pw_afile_fp(af), c) != 0) {
        pw_afile_abort(af);
        fprintf(stderr, "pathways %s: %s: write failed\n", CMD, path);
        return -1;
    }
    if (pw_afile_commit(af, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        return -1;
    }
    return 0;
}

int pw_cmd_sensitivity(int argc, char **argv)
{
    pw_cli_val v[S_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_sensitivity, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    if (v[S_OUT].given)
        return pw_cli_usage_error(CMD, "there is no --out here: write the indices with "
                                       "--json FILE and/or --csv FILE");
    const char *scenario = pw_cli_str(&args, S_SCENARIO, "almaty");
    const char *method = pw_cli_str(&args, S_METHOD, "sobol");
    const char *json_path = pw_cli_str(&args, S_JSON, NULL);
    const char *regime = pw_cli_str(&args, S_REGIME, NULL);
    const char *versus = pw_cli_str(&args, S_VERSUS, NULL);
    const char *csv_path = pw_cli_str(&args, S_CSV, NULL);
    const char *outcome_arg = pw_cli_str(&args, S_OUTCOME, NULL);
    long samples = (long)pw_cli_int(&args, S_SAMPLES, 0), years = (long)pw_cli_int(&args, S_YEARS, 0);
    long threads = (long)pw_cli_int(&args, S_THREADS, 0);
    uint64_t seed = pw_cli_u64(&args, S_SEED, 1);
    double scale = pw_cli_real(&args, S_SCALE, 0.05);
    const char *engine = pw_cli_str(&args, S_ENGINE, "abm");
    const char *only = pw_cli_str(&args, S_PARAMS, NULL);
    /* --format csv|json puts on stdout what --csv / --json put in a file,
     * in place of the table (a pipe into a spreadsheet or jq). */
    const char *format = pw_cli_str(&args, S_FORMAT, NULL);
    if (!outcome_arg)
        return pw_cli_usage_error(CMD, "--outcome is required");
    int is_sobol = strcmp(method, "sobol") == 0;
    if (!samples)
        samples = is_sobol ? 1024 : 50;
    if (is_sobol && samples < 16)
        return pw_cli_usage_error(CMD, "--samples must be >= 16 for sobol");
    if (!years)
        years = pw_lhy_scenario_is(scenario) ? 50 : 20;

    char *outcome_buf = strdup(outcome_arg);
    char *outs[MAX_OUT];
    size_t n_out = outcome_buf ? split(outcome_buf, outs, MAX_OUT) : 0;
    if (n_out == 0) {
        free(outcome_buf);
        return pw_cli_usage_error(CMD, "--outcome names no output");
    }
    int code = PW_EXIT_OK;
    pw_error err;
    pw_error_clear(&err);
    pw_problem *prob = NULL;
    pw_sobol_result *sr = NULL;
    pw_morris_result *mr = NULL;
    json_t *root = NULL;
    pw_problem_opts po = {.scenario = scenario, .regime = regime, .versus = versus,
                          .years = (int)years, .scale = scale, .seed = (uint64_t)seed,
                          .engine = engine, .keep_outside_bands = 1, .only = only};
    if (pw_problem_new(&po, (const char *const *)outs, n_out, &prob, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = err.status == PW_ENOMEM ? PW_EXIT_FAIL : PW_EXIT_BADINPUT;
        goto done;
    }
    const pw_space *sp = pw_problem_space(prob);
    size_t dim = pw_space_dim(sp);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = is_sobol ? pw_sobol(sp, pw_problem_eval, prob, n_out, (size_t)samples,
                                 (uint64_t)seed, (int)threads, 1, &sr, &err)
                      : pw_morris(sp, pw_problem_eval, prob, n_out, (size_t)samples, 4,
                                  (uint64_t)seed, (int)threads, &mr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }
    /* Every rank holds the same indices: only rank 0 reports and writes. */
    pw_par_solo();
    if (pw_par_rank() != 0)
        goto done;
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    size_t evals = is_sobol ? sr->evals : mr->evals;

    root = json_object();
    json_object_set_new(root, "scenario", json_string(scenario));
    json_object_set_new(root, "engine", json_string(pw_problem_engine(prob)));
    if (regime)
        json_object_set_new(root, "regime", json_string(regime));
    if (versus)
        json_object_set_new(root, "versus", json_string(versus));
    json_object_set_new(root, "method", json_string(method));
    /* The parameters analysed (all with a prior, or the --params subset),
     * so that a reader knows which were held at their scenario values. */
    json_t *jparams = json_array();
    json_object_set_new(root, "parameters", jparams);
    for (size_t i = 0; i < dim; i++)
        json_array_append_new(jparams, json_string(pw_space_name(sp, i)));
    json_object_set_new(root, "samples", json_integer(samples));
    json_object_set_new(root, "evaluations", json_integer((json_int_t)evals));
    json_object_set_new(root, "seconds", json_real(secs));
    json_object_set_new(root, "seed", json_integer((json_int_t)seed));
    json_t *jouts = json_object();
    json_object_set_new(root, "outcomes", jouts);

    /* No table for people when stdout carries --format's data. */
    FILE *tab = format ? NULL : stdout;
    table(tab, "%s sensitivity of %s (%s engine), %zu parameters, %zu runs in %.2f s\n",
            is_sobol ? "Sobol" : "Morris", scenario, pw_problem_engine(prob), dim, evals, secs);
    size_t *idx = malloc(dim * sizeof(size_t));
    if (!idx) {
        fprintf(stderr, "pathways %s: out of memory\n", CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }
    for (size_t j = 0; j < n_out; j++) {
        json_t *jo = json_object(), *jp = json_object();
        json_object_set_new(jouts, outs[j], jo);
        if (is_sobol) {
            json_object_set_new(jo, "mean", json_real(sr->mean[j]));
            json_object_set_new(jo, "variance", json_real(sr->var[j]));
            table(tab, "\noutcome %s: mean %.6g, sd %.6g\n", outs[j], sr->mean[j],
                    sqrt(fmax(sr->var[j], 0.0)));
            table(tab, "  %-24s %18s %18s\n", "parameter", "first-order (95%)", "total (95%)");
            order_by(sr->total + j, n_out, dim, idx);
            for (size_t k = 0; k < dim; k++) {
                size_t i = idx[k], at = i * n_out + j;
                table(tab, "  %-24s %8.3f +- %6.3f %8.3f +- %6.3f\n", pw_space_name(sp, i),
                        sr->first[at], sr->first_ci[at], sr->total[at], sr->total_ci[at]);
                json_t *e = json_object();
                json_object_set_new(e, "first", json_real(sr->first[at]));
                json_object_set_new(e, "first_ci95", json_real(sr->first_ci[at]));
                json_object_set_new(e, "total", json_real(sr->total[at]));
                json_object_set_new(e, "total_ci95", json_real(sr->total_ci[at]));
                json_object_set_new(jp, pw_space_name(sp, i), e);
            }
        } else {
            table(tab, "\noutcome %s (effects over each parameter's prior range)\n", outs[j]);
            table(tab, "  %-24s %12s %12s %12s\n", "parameter", "mu*", "mu", "sigma");
            order_by(mr->mu_star + j, n_out, dim, idx);
            for (size_t k = 0; k < dim; k++) {
                size_t i = idx[k], at = i * n_out + j;
                table(tab, "  %-24s %12.4g %12.4g %12.4g\n", pw_space_name(sp, i),
                        mr->mu_star[at], mr->mu[at], mr->sigma[at]);
                json_t *e = json_object();
                json_object_set_new(e, "mu_star", json_real(mr->mu_star[at]));
                json_object_set_new(e, "mu", json_real(mr->mu[at]));
                json_object_set_new(e, "sigma", json_real(mr->sigma[at]));
                json_object_set_new(jp, pw_space_name(sp, i), e);
            }
        }
        json_object_set_new(jo, "parameters", jp);
    }
    free(idx);
    out_ctx oc = {root, sp, outs, n_out, sr, mr};
    if (format && ((strcmp(format, "csv") == 0 ? fill_csv : fill_json)(stdout, &oc) != 0 ||
                   fflush(stdout) != 0)) {
        fprintf(stderr, "pathways %s: writing the %s to standard output failed\n", CMD, format);
        code = PW_EXIT_FAIL;
    }
    if (json_path && write_out(json_path, fill_json, &oc) != 0)
        code = PW_EXIT_FAIL;
    if (csv_path && write_out(csv_path, fill_csv, &oc) != 0)
        code = PW_EXIT_FAIL;
done:
    json_decref(root);
    pw_sobol_result_free(sr);
    pw_morris_result_free(mr);
    pw_problem_free(prob);
    free(outcome_buf);
    return code;
}
