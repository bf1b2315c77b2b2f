/*
 * pathways calibrate: fits a scenario's uncertain parameters to a targets
 * file by ABC-SMC and writes
 *   DIR/posterior.csv           equally weighted posterior draws (one row per
 *                               draw, header = parameter names); this is the
 *                               file `pathways run --posterior` reads
 *   DIR/posterior_weighted.csv  the final ABC population with its weights
 *   DIR/fit.json, DIR/fit.txt   each target: observation, prior and posterior
 *                               predictive 95% intervals, covered or not; each
 *                               parameter: prior box and posterior interval
 * Predictive intervals include the target's observation error (its sd), so
 * "covered" asks whether the observation is plausible under the model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <jansson.h>

#include "cli.h"
#include "pathways/calib.h"
#include "core/rng_gsl.h"
#include "pathways/sim.h"

#define CMD "calibrate"
/* RNG purposes of this command (distinct from src/calib's 200..202). */
#define RNG_RESAMPLE 210
#define RNG_PRIOR 211
#define RNG_NOISE 212

enum { C_SCENARIO, C_TARGETS, C_OUT, C_PARTICLES, C_GENERATIONS, C_QUANTILE, C_MAXSIMS,
       C_REGIME, C_SCALE, C_UNTIL, C_PARAMS, C_BASE, C_SEED, C_THREADS, C_HELP, C_N_OPTS };
static const pw_cli_opt calibrate_opts[C_N_OPTS] = {
    [C_SCENARIO] = PW_OPT_SCENARIO("almaty"),
    [C_TARGETS] = {"targets", 0, PW_OPT_STR, "NAME|PATH", 0, 0, "us-cocaine almaty", NULL,
                   "the observed targets, e.g. us-cocaine (data/targets/); required",
                   PW_OPTF_FILE},
    [C_OUT] = PW_OPT_OUT(NULL, "output directory (required): posterior.csv, "
                               "posterior_weighted.csv, fit.json, fit.txt"),
    [C_PARTICLES] = {"particles", 0, PW_OPT_INT, "N", 20, 1000000, NULL, "500",
                     "population size", 0},
    [C_GENERATIONS] = {"generations", 0, PW_OPT_INT, "G", 1, 100, NULL, "12",
                       "at most G generations", 0},
    [C_QUANTILE] = {"quantile", 0, PW_OPT_REAL, "Q", 0, 1, NULL, "0.5",
                    "next tolerance = Q-quantile of the distances",
                    PW_OPTF_LO_OPEN | PW_OPTF_HI_OPEN},
    [C_MAXSIMS] = {"max-sims", 0, PW_OPT_INT, "M", 100, 2147483647, NULL, "200000",
                   "simulation budget", 0},
    [C_REGIME] = {"regime", 0, PW_OPT_STR, "REGIME", 0, 0,
                  "kz-current drug-court hybrid portugal russia", NULL,
                  "regime simulated (society scenarios)", PW_OPTF_FILE},
    [C_SCALE] = PW_OPT_SCALE,
    [C_UNTIL] = {"until", 0, PW_OPT_INT, "YEAR", 1900, 2300, NULL, NULL,
                 "simulate each run up to YEAR (default: the latest target year), so "
                 "that the scenario's plausibility bands judge the later years too "
                 "(society scenarios)",
                 0},
    [C_PARAMS] = {"params", 0, PW_OPT_STR, "LIST", 0, 0, NULL, NULL,
                  "society scenarios: fit only these parameters (comma-separated names with "
                  "a prior); the others keep their scenario values, or the --base row's",
                  0},
    [C_BASE] = {"base", 0, PW_OPT_STR, "NAME|FILE|prior", 0, 0, "almaty kazakhstan prior", NULL,
                "society scenarios: a posterior (a built-in scenario's shipped one, or a "
                "posterior.csv) whose rows set every parameter this fit does not; each "
                "particle takes one whole row, and posterior.csv gets every column "
                "(docs/calibration.md 2.4); 'prior': 1,000 rows drawn from the "
                "scenario's priors, so the parameters not fitted keep their prior "
                "uncertainty (docs/calibration.md 2.3)",
                PW_OPTF_FILE},
    [C_SEED] = PW_OPT_SEED("1"),
    [C_THREADS] = PW_OPT_THREADS,
    [C_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_calibrate = {
    "calibrate", "fit the model's uncertain parameters to observed data (ABC-SMC)", NULL,
    "Fits the scenario's uncertain parameters (those with a prior) to observed targets by "
    "ABC-SMC and writes the posterior and a fit report. The same seed gives the same "
    "posterior on any number of threads. A society scenario is simulated at --scale 0.05 "
    "unless told otherwise.",
    calibrate_opts, C_N_OPTS,
    "Built with MPI, `mpirun -np N pathways calibrate ...` spreads the simulations\n"
    "over N processes, each on its --threads; the result does not change.\n"
    "See docs/calibration.md.\n"};

typedef struct {
    double lo, mid, hi;
} interval;

/* Equal-weight 95% interval and median of column j of Y (n rows). */
static interval interval_of(const double *Y, size_t stride, size_t n, const double *w)
{
    if (n == 0) /* every simulation left a plausibility band */
        return (interval){NAN, NAN, NAN};
    interval iv = {pw_wquantile(Y, stride, w, n, 0.025), pw_wquantile(Y, stride, w, n, 0.5),
                   pw_wquantile(Y, stride, w, n, 0.975)};
    return iv;
}

/* Moves the rows of Y (n rows of `cols`) whose values are all finite to the
 * front and returns how many there are. A simulation whose trajectory left
 * one of the scenario's plausibility bands comes back as NaN (the calibration
 * problem's rejection); it has no place in a predictive interval, and is
 * counted instead. */
static size_t keep_finite_rows(double *Y, size_t cols, size_t n)
{
    size_t kept = 0;
    for (size_t r = 0; r < n; r++) {
        int finite = 1;
        for (size_t i = 0; i < cols && finite; i++)
            finite = isfinite(Y[r * cols + i]);
        if (!finite)
            continue;
        if (kept != r)
            memmove(Y + kept * cols, Y + r * cols, cols * sizeof *Y);
        kept++;
    }
    return kept;
}

static int write_text(const char *path, const char *text, pw_error *err)
{
    pw_afile *af = NULL;
    int rc = pw_afile_open(path, &af, err);
    if (rc != PW_OK)
        return rc;
    if (fputs(text, pw_afile_fp(af)) == EOF) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "write failed");
    }
    return pw_afile_commit(af, err);
}

/* Writes n points X of the problem's space as the parameters they set
 * (pw_problem_column_values: with a base posterior, each point's whole
 * base row), with a header of names and an optional weight column. */
static int write_csv(const char *path, const pw_problem *p, const double *X, size_t n,
                     const double *w, pw_error *err)
{
    size_t dim = pw_space_dim(pw_problem_space(p)), nc = pw_problem_columns(p);
    double *row = malloc((nc ? nc : 1) * sizeof *row);
    if (!row)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    pw_afile *af = NULL;
    int rc = pw_afile_open(path, &af, err);
    if (rc != PW_OK) {
        free(row);
        return rc;
    }
    FILE *f = pw_afile_fp(af);
    for (size_t j = 0; j < nc; j++)
        fprintf(f, "%s%s", j ? "," : "", pw_problem_column_name(p, j));
    fprintf(f, "%s\n", w ? ",weight" : "");
    for (size_t r = 0; r < n; r++) {
        pw_problem_column_values(p, X + r * dim, row);
        for (size_t j = 0; j < nc; j++)
            fprintf(f, "%s%.10g", j ? "," : "", row[j]);
        if (w)
            fprintf(f, ",%.10g", w[r]);
        fputc('\n', f);
    }
    free(row);
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "write failed");
    }
    return pw_afile_commit(af, err);
}

int pw_cmd_calibrate(int argc, char **argv)
{
    pw_cli_val v[C_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_calibrate, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    const char *scenario = pw_cli_str(&args, C_SCENARIO, "almaty");
    const char *targets_name = pw_cli_str(&args, C_TARGETS, NULL);
    const char *out = pw_cli_str(&args, C_OUT, NULL), *regime = pw_cli_str(&args, C_REGIME, NULL);
    uint64_t seed = pw_cli_u64(&args, C_SEED, 1);
    long threads = (long)pw_cli_int(&args, C_THREADS, 0);
    double scale = pw_cli_real(&args, C_SCALE, 0.05);
    int until = (int)pw_cli_int(&args, C_UNTIL, 0);
    const char *only = pw_cli_str(&args, C_PARAMS, NULL), *base_arg = pw_cli_str(&args, C_BASE, NULL);
    /* A bare name is a built-in scenario's shipped posterior. */
    char base_buf[300];
    const char *base = base_arg;
    if (base_arg && strcmp(base_arg, "prior") != 0 && !strchr(base_arg, '/') &&
        !strstr(base_arg, ".csv")) {
        snprintf(base_buf, sizeof base_buf, "<built-in>/targets/%.200s-posterior.csv", base_arg);
        base = base_buf;
    }
    pw_abc_opts ao;
    pw_abc_opts_default(&ao);
    ao.particles = (size_t)pw_cli_int(&args, C_PARTICLES, (long long)ao.particles);
    ao.max_generations = (int)pw_cli_int(&args, C_GENERATIONS, ao.max_generations);
    ao.quantile = pw_cli_real(&args, C_QUANTILE, ao.quantile);
    ao.max_sims = (size_t)pw_cli_int(&args, C_MAXSIMS, (long long)ao.max_sims);
    if (!targets_name)
        return pw_cli_usage_error(CMD, "--targets is required");
    if (!out)
        return pw_cli_usage_error(CMD, "--out DIR is required");
    ao.seed = (uint64_t)seed;
    ao.threads = (int)threads;
    ao.progress = 1;

    int code = PW_EXIT_OK;
    pw_error err;
    pw_error_clear(&err);
    pw_targets *tg = NULL;
    pw_problem *prob = NULL;
    pw_abc_result *ar = NULL;
    char **outs = NULL;
    double *obs = NULL, *sd = NULL, *post = NULL, *prior = NULL, *Ypost = NULL, *Yprior = NULL;
    gsl_rng *rng = NULL;
    json_t *root = NULL;
    char *text = NULL;
    size_t text_len = 0;
    FILE *tf = NULL;

    if (pw_targets_load(targets_name, &tg, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_BADINPUT;
        goto done;
    }
    size_t nt = pw_targets_count(tg);
    /* The horizon must reach the latest target year. */
    int start_year = 0, last_year = 0, society = 0;
    if (pw_lhy_scenario_is(scenario)) {
        pw_lhy_scenario sc;
        if (pw_lhy_scenario_load(scenario, &sc, NULL, &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways " CMD);
            code = PW_EXIT_BADINPUT;
            goto done;
        }
        start_year = sc.start_year;
    } else {
        /* A society scenario: simulate only up to the latest target year. */
        pw_scenario *s = NULL;
        if (pw_scenario_load(scenario, &s, &err) != PW_OK) {
            pw_error_print(&err, stderr, "pathways " CMD);
            code = PW_EXIT_BADINPUT;
            goto done;
        }
        start_year = pw_scenario_start_year(s);
        society = 1;
        pw_scenario_free(s);
    }
    outs = calloc(nt, sizeof(char *));
    obs = malloc(nt * sizeof(double));
    sd = malloc(nt * sizeof(double));
    if (!outs || !obs || !sd) {
        code = PW_EXIT_FAIL;
        fprintf(stderr, "pathways %s: out of memory\n", CMD);
        goto done;
    }
    for (size_t i = 0; i < nt; i++) {
        char buf[160];
        /* A ratio target ("per") is the problem's "<series>/<per>@<year>". */
        const char *per = pw_target_per(tg, i);
        snprintf(buf, sizeof buf, "%s%s%s@%d", pw_target_series(tg, i), *per ? "/" : "", per,
                 pw_target_year(tg, i));
        if (!(outs[i] = strdup(buf))) {
            code = PW_EXIT_FAIL;
            goto done;
        }
        obs[i] = pw_target_value(tg, i);
        sd[i] = pw_target_sd(tg, i);
        if (pw_target_year(tg, i) > last_year)
            last_year = pw_target_year(tg, i);
        /* A society target names columns of timeseries.csv: a wrong one
         * is the targets file's error, at its line. */
        for (int k = 0; society && k < 2; k++) {
            const char *col = k ? per : pw_target_series(tg, i);
            if ((k == 0 || *col) && pw_series_find(col) < 0) {
                pw_error_set(&err, PW_EINVAL, pw_targets_file(tg), pw_target_line(tg, i),
                             k ? "per" : "series", "'%s' is not a column of timeseries.csv",
                             col);
                pw_error_print(&err, stderr, "pathways " CMD);
                code = PW_EXIT_BADINPUT;
                goto done;
            }
        }
        /* A society scenario reads each target at its own year when it
         * has a history (history_start_year); a target before its first
         * simulated year is read from that year (docs/calibration.md). */
        if (!society && pw_target_year(tg, i) < start_year) {
            pw_error_set(&err, PW_EINVAL, pw_targets_file(tg), pw_target_line(tg, i), "year",
                         "target year %d is before the scenario starts (%d)",
                         pw_target_year(tg, i), start_year);
            pw_error_print(&err, stderr, "pathways " CMD);
            code = PW_EXIT_BADINPUT;
            goto done;
        }
    }
    /* --until extends the runs past the targets: a particle whose
     * trajectory leaves a plausibility band in those years is rejected
     * like one that leaves it before (problem_sim.c), so a fit can keep
     * what the targets alone do not see (e.g. use dying out after the
     * last target year) inside the observed world. */
    if (until) {
        if (!society) {
            code = pw_cli_usage_error(CMD, "--until applies to society scenarios only");
            goto done;
        }
        if (until < last_year) {
            code = pw_cli_usage_error(CMD, "--until %d is before the latest target year (%d)",
                                      until, last_year);
            goto done;
        }
        last_year = until;
    }
    int years = last_year >= start_year ? last_year - start_year + 1 : 1;
    pw_problem_opts po = {.scenario = scenario, .regime = regime, .years = years,
                          .scale = scale, .seed = (uint64_t)seed, .only = only, .base = base};
    if (pw_problem_new(&po, (const char *const *)outs, nt, &prob, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_BADINPUT;
        goto done;
    }
    const pw_space *sp = pw_problem_space(prob);
    size_t dim = pw_space_dim(sp), N = ao.particles;
    pw_abc_data data = {nt, obs, sd};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (pw_abc_smc(sp, pw_problem_eval, prob, &data, &ao, &ar, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }

    /* Equal-weight posterior by systematic resampling (one uniform). */
    rng = pw_rng_alloc((uint64_t)seed);
    post = malloc(N * dim * sizeof(double));
    prior = malloc(N * dim * sizeof(double));
    Ypost = malloc(N * nt * sizeof(double));
    Yprior = malloc(N * nt * sizeof(double));
    if (!rng || !post || !prior || !Ypost || !Yprior) {
        fprintf(stderr, "pathways %s: out of memory\n", CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }
    pw_rng_seek(rng, 0, RNG_RESAMPLE, 0, 0);
    double u = gsl_rng_uniform(rng) / (double)N, cw = ar->weight[0];
    for (size_t r = 0, j = 0; r < N; r++) {
        double target = u + (double)r / (double)N;
        while (cw < target && j + 1 < N)
            cw += ar->weight[++j];
        memcpy(post + r * dim, ar->theta + j * dim, dim * sizeof(double));
    }
    /* Prior draws, for the prior predictive interval. */
    for (size_t r = 0; r < N; r++) {
        pw_rng_seek(rng, 0, RNG_PRIOR, (uint32_t)r, 0);
        for (size_t i = 0; i < dim; i++)
            prior[r * dim + i] = pw_space_from_unit(sp, i, gsl_rng_uniform(rng));
    }
    /* Fresh simulations (indices apart from ABC's) for both predictives. */
    if (pw_eval_batch(pw_problem_eval, prob, prior, N, dim, nt, (uint64_t)1 << 60, (int)threads,
                      Yprior, &err) != PW_OK ||
        pw_eval_batch(pw_problem_eval, prob, post, N, dim, nt, (uint64_t)2 << 60, (int)threads,
                      Ypost, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    /* Observation error: the observation, not the true value, is compared. */
    for (size_t r = 0; r < N; r++)
        for (size_t i = 0; i < nt; i++) {
            pw_rng_seek(rng, 0, RNG_NOISE, (uint32_t)r, (uint32_t)i);
            Yprior[r * nt + i] += gsl_ran_gaussian(rng, sd[i]);
            Ypost[r * nt + i] += gsl_ran_gaussian(rng, sd[i]);
        }

    /* The collective work is done and every rank holds the same numbers:
     * only rank 0 reports and writes (atomically), the others are done. */
    pw_par_solo();
    if (pw_par_rank() != 0)
        goto done;
    if (pw_mkdirs(out, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_FAIL;
        goto done;
    }
    root = json_object();
    json_object_set_new(root, "scenario", json_string(scenario));
    json_object_set_new(root, "targets", json_string(pw_targets_file(tg)));
    json_object_set_new(root, "engine", json_string(pw_problem_engine(prob)));
    json_object_set_new(root, "method", json_string("ABC-SMC"));
    json_object_set_new(root, "particles", json_integer((json_int_t)N));
    json_object_set_new(root, "generations", json_integer(ar->generations));
    json_object_set_new(root, "simulations", json_integer((json_int_t)ar->sims));
    json_object_set_new(root, "final_tolerance", json_real(ar->eps[ar->generations - 1]));
    json_object_set_new(root, "final_acceptance", json_real(ar->accept[ar->generations - 1]));
    json_object_set_new(root, "ess", json_real(ar->ess));
    json_object_set_new(root, "seconds", json_real(secs));
    json_object_set_new(root, "seed", json_integer((json_int_t)seed));
    json_object_set_new(root, "simulated_until", json_integer(last_year));
    if (only)
        json_object_set_new(root, "params", json_string(only));
    /* With a base posterior: how many of its rows the posterior keeps
     * (the space's last entry is the row). */
    size_t base_rows = 0;
    if (base) {
        unsigned char *seen = calloc((size_t)pw_space_hi(sp, dim - 1) + 1, 1);
        for (size_t r = 0; seen && r < N; r++) {
            size_t k = (size_t)post[r * dim + dim - 1];
            base_rows += !seen[k];
            seen[k] = 1;
        }
        free(seen);
        json_object_set_new(root, "base", json_string(base));
        json_object_set_new(root, "base_rows_kept", json_integer((json_int_t)base_rows));
    }

    tf = open_memstream(&text, &text_len);
    if (!tf) {
        code = PW_EXIT_FAIL;
        goto done;
    }
    fprintf(tf, "ABC-SMC fit of %s to %s (%s engine)\n", scenario, pw_targets_file(tg),
            pw_problem_engine(prob));
    fprintf(tf, "%zu particles, %d generations, %zu simulations in %.2f s; final tolerance %.3g "
                "(in sd units), acceptance %.3f, ESS %.0f; runs simulated to %d\n\n",
            N, ar->generations, ar->sims, secs, ar->eps[ar->generations - 1],
            ar->accept[ar->generations - 1], ar->ess, last_year);
    if (base)
        fprintf(tf, "parameters not fitted here come from %s, one whole row per particle "
                    "(base.row; %zu distinct rows in the posterior)\n\n",
                base, base_rows);
    size_t n_prior = keep_finite_rows(Yprior, nt, N), n_post = keep_finite_rows(Ypost, nt, N);
    fprintf(tf, "predictive simulations inside the plausibility bands: prior %zu of %zu, "
                "posterior %zu of %zu (the intervals below are of those)\n\n",
            n_prior, N, n_post, N);
    json_object_set_new(root, "prior_predictive_inside_bands", json_integer((json_int_t)n_prior));
    json_object_set_new(root, "posterior_predictive_inside_bands", json_integer((json_int_t)n_post));
    fprintf(tf, "%-22s %12s %12s %27s %27s %s\n", "target", "observed", "sd",
            "prior predictive 95%", "posterior predictive 95%", "covered");
    json_t *jt = json_array();
    size_t covered = 0;
    for (size_t i = 0; i < nt; i++) {
        interval pr = interval_of(Yprior + i, nt, n_prior, NULL);
        interval po2 = interval_of(Ypost + i, nt, n_post, NULL);
        int cov = obs[i] >= po2.lo && obs[i] <= po2.hi;
        covered += (size_t)cov;
        fprintf(tf, "%-22s %12.4g %12.4g [%12.4g, %12.4g] [%12.4g, %12.4g] %s\n",
                pw_target_name(tg, i), obs[i], sd[i], pr.lo, pr.hi, po2.lo, po2.hi,
                cov ? "yes" : "NO");
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(pw_target_name(tg, i)));
        json_object_set_new(e, "series", json_string(pw_target_series(tg, i)));
        if (*pw_target_per(tg, i))
            json_object_set_new(e, "per", json_string(pw_target_per(tg, i)));
        json_object_set_new(e, "year", json_integer(pw_target_year(tg, i)));
        json_object_set_new(e, "observed", json_real(obs[i]));
        json_object_set_new(e, "sd", json_real(sd[i]));
        json_object_set_new(e, "source", json_string(pw_target_source(tg, i)));
        json_object_set_new(e, "prior_predictive", json_pack("[f,f,f]", pr.lo, pr.mid, pr.hi));
        json_object_set_new(e, "posterior_predictive", json_pack("[f,f,f]", po2.lo, po2.mid, po2.hi));
        json_object_set_new(e, "covered", json_boolean(cov));
        json_array_append_new(jt, e);
    }
    json_object_set_new(root, "fit", jt);
    json_object_set_new(root, "covered", json_integer((json_int_t)covered));
    fprintf(tf, "\n%zu of %zu targets covered by the posterior predictive 95%% interval\n\n",
            covered, nt);
    fprintf(tf, "%-22s %27s %12s %27s\n", "parameter", "prior", "median", "posterior 95%");
    json_t *jp = json_object();
    for (size_t k = 0; k < dim; k++) {
        interval iv = interval_of(post + k, dim, N, NULL);
        fprintf(tf, "%-22s [%12.4g, %12.4g] %12.4g [%12.4g, %12.4g]\n", pw_space_name(sp, k),
                pw_space_lo(sp, k), pw_space_hi(sp, k), iv.mid, iv.lo, iv.hi);
        json_t *e = json_object();
        json_object_set_new(e, "prior", json_pack("{s:s,s:f,s:f}", "kind",
                                                  pw_space_kind_of(sp, k) == PW_SPACE_LOGUNIFORM
                                                      ? "loguniform" : "uniform",
                                                  "lo", pw_space_lo(sp, k), "hi", pw_space_hi(sp, k)));
        json_object_set_new(e, "posterior", json_pack("[f,f,f]", iv.lo, iv.mid, iv.hi));
        json_object_set_new(jp, pw_space_name(sp, k), e);
    }
    json_object_set_new(root, "parameters", jp);
    fclose(tf);
    tf = NULL;
    fputs(text, stdout);

    char path[4096];
    char *js = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
    int wrc = PW_OK;
    if (!js)
        wrc = PW_ENOMEM;
    snprintf(path, sizeof path, "%s/posterior.csv", out);
    if (wrc == PW_OK)
        wrc = write_csv(path, prob, post, N, NULL, &err);
    snprintf(path, sizeof path, "%s/posterior_weighted.csv", out);
    if (wrc == PW_OK)
        wrc = write_csv(path, prob, ar->theta, N, ar->weight, &err);
    snprintf(path, sizeof path, "%s/fit.txt", out);
    if (wrc == PW_OK)
        wrc = write_text(path, text, &err);
    snprintf(path, sizeof path, "%s/fit.json", out);
    if (wrc == PW_OK) {
        size_t L = strlen(js);
        char *jsn = realloc(js, L + 2);
        if (jsn) {
            js = jsn;
            js[L] = '\n';
            js[L + 1] = 0;
        }
        wrc = write_text(path, js, &err);
    }
    free(js);
    if (wrc != PW_OK) {
        pw_error_print(&err, stderr, "pathways " CMD);
        code = PW_EXIT_FAIL;
    }
done:
    if (tf)
        fclose(tf);
    free(text);
    json_decref(root);
    if (rng)
        gsl_rng_free(rng);
    free(post);
    free(prior);
    free(Ypost);
    free(Yprior);
    if (outs)
        for (size_t i = 0; tg && i < pw_targets_count(tg); i++)
            free(outs[i]);
    free(outs);
    free(obs);
    free(sd);
    pw_abc_result_free(ar);
    pw_problem_free(prob);
    pw_targets_free(tg);
    return code;
}
