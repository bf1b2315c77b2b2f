/*
 * Trust in the numbers: the mean-field (ODE) engine, calibration by
 * approximate Bayesian computation and global sensitivity analysis.
 *
 * Three layers, each usable on its own:
 *   1. ODE models of drug epidemics solved with GSL's adaptive integrators:
 *      the light/heavy (LH) model of Behrens et al. 1999 and its memory
 *      extension LHY (Behrens et al. 2002), with the published parameters.
 *   2. Generic statistical machinery over a box of uncertain parameters
 *      (uniform or log-uniform priors): ABC-SMC that returns a weighted
 *      posterior sample, Sobol first-order and total indices from Sobol'
 *      quasi-random points, and Morris elementary-effects screening.
 *   3. Targets files (observed numbers with source and uncertainty) that
 *      calibration compares simulated outcomes against.
 *
 * Models are passed to layer 2 as a callback (pw_eval_fn) that maps a
 * parameter vector to outputs. Callbacks run on several OpenMP threads at
 * once and receive a unique evaluation index, from which stochastic models
 * derive their seed; results are collected in index order, so the same
 * seed gives the same answer whatever the number of threads.
 */
#ifndef PATHWAYS_CALIB_H
#define PATHWAYS_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "pathways/core.h"
#include "pathways/sim.h"

PW_BEGIN_DECLS

/* ==== 1. ODE models of drug epidemics ================================= */

typedef enum {
    PW_MF_LH,  /* I = tau + s L exp(-q H/L); deterrence by current heavy users */
    PW_MF_LHY  /* I = tau + L max(smax, s exp(-q Y/L)); deterrence by memory Y */
} pw_mf_model;

typedef struct pw_lhy_params {
    pw_mf_model model;
    double tau;   /* innovators per year (initiation independent of users) */
    double s;     /* new users attracted per light user per year */
    double q;     /* deterrence constant */
    double smax;  /* LHY: floor on the effective s (the code's name "smax") */
    double a;     /* light users quitting per year */
    double b;     /* light -> heavy escalation per year */
    double g;     /* heavy users quitting per year */
    double delta; /* LHY: memory decay per year */
    int floor_min; /* ablation: 1 uses min(smax, .) instead of max(); 0 = published */
} pw_lhy_params;

/* Fills the LHY parameters of Behrens et al. 2002 for US cocaine
 * (docs/sources.md M1.1: tau 5e4, s 0.61, q 3.443, smax 0.1, a 0.163, b 0.024,
 * g 0.062, delta 0.291). */
void pw_lhy_published(pw_lhy_params *p);

/* Initiation I(L, H, Y) per year. */
double pw_lhy_initiation(const pw_lhy_params *p, double L, double H, double Y);

/* Uncontrolled LH steady state L* = tau / ((a+b) - s exp(-q b/g)) and
 * H* = b L* / g. Returns PW_EINVAL when no positive steady state exists. */
int pw_lh_steady_state(const pw_lhy_params *p, double *L, double *H);

/*
 * Integrates the model from state y0 = {L, H, Y} over `years`, writing the
 * state at every 1/per_year of a year into out[(k)*3 + j], k = 0..n where
 * n = years*per_year (so out holds (n+1)*3 doubles; out[0..2] = y0).
 * Uses GSL's rk8pd with relative tolerance 1e-8.
 */
int pw_lhy_solve(const pw_lhy_params *p, const double y0[3], double years,
                 int per_year, double *out, pw_error *err);

/*
 * Generic ODE solve used by every mean-field model: dy/dt = f(t, y) with
 * the GSL convention (return GSL_SUCCESS). Writes n_out+1 states spaced
 * `dt` apart into out (row-major, dim columns), starting with y0.
 */
typedef int (*pw_ode_fn)(double t, const double *y, double *dydt, void *ctx);
int pw_ode_solve(size_t dim, pw_ode_fn f, void *ctx, const double *y0,
                 double t0, double dt, size_t n_out, double *out, pw_error *err);

/*
 * A mean-field epidemic scenario file (data/scenarios/lhy-us-cocaine.yaml):
 *   engine: meanfield
 *   model: lhy | lh
 *   start_year: 1970
 *   parameters:  { tau: {value: 5e4, source: "...", prior: uniform,
 *                        lo: 2.5e4, hi: 1e5}, s: ..., ... }
 *   initial:     { light: {value: 1.4e6, source: "..."}, heavy: ..., memory: ... }
 * Parameters with lo/hi are uncertain (prior uniform or loguniform).
 */
typedef struct pw_space pw_space;
typedef struct pw_lhy_scenario {
    char name[128];
    int start_year;
    pw_lhy_params p;
    double y0[3];
} pw_lhy_scenario;

/* True if the (built-in or file) scenario is an LH/LHY mean-field model
 * rather than a society scenario. */
int pw_lhy_scenario_is(const char *name_or_path);
/* Loads one; when `priors` is not NULL it receives the uncertain
 * parameters (names as in the file: "tau", "s", ...). */
int pw_lhy_scenario_load(const char *name_or_path, pw_lhy_scenario *out,
                         pw_space **priors, pw_error *err);
/* Sets parameter `name` ("tau", "s", "q", "smax", "a", "b", "g", "delta",
 * or "light0", "heavy0", "memory0" for the starting point). */
int pw_lhy_scenario_set(pw_lhy_scenario *sc, const char *name, double v);

/* ---- The society model, mean-field ----------------------------------- */
/*
 * Solves the deterministic counterpart of the society model (initiation
 * with peer deterrence, light use, dependence, injecting, HIV, overdose,
 * remission and relapse, demography; police detection with its capacity,
 * the market, crime, and the justice and treatment pathway of `regime`,
 * whose pw_decide decides every representative case class once) for
 * `years` and fills regime g, run `run` of `res` with yearly series and
 * metrics at full scale. With regime NULL every detected case gets no
 * action (as in the agent-based engine). Outputs that need individual
 * histories (criminal mindset, employment, monitoring, HCV, children) are
 * NaN. `scale_population` mimics the simulator's --scale (1 = full
 * population; counts are scaled back up). A scenario with a history is
 * run from its first year under its history regime and branches at the
 * start year; when `res` starts in the history's first year (and holds
 * the history's years plus `years` rows) the history's rows come first,
 * as in pw_sim_run's results, else `res` gets the projection's rows only.
 * See docs/calibration.md 1.2.
 */
int pw_mf_society_run(const pw_scenario *s, const pw_regime *regime, double scale_population,
                      int years, pw_results *res, size_t g, int run, pw_error *err);
/* One paragraph for a reader of the mean field's results: what it leaves
 * out or approximates (pw_results_set_note; docs/calibration.md 1.2). */
const char *pw_mf_society_note(void);

/* ==== 2. Uncertain parameters, ABC-SMC, Sobol, Morris ================== */

typedef enum { PW_SPACE_UNIFORM, PW_SPACE_LOGUNIFORM } pw_space_kind;

/* A box of uncertain parameters: each has a name and a prior on [lo, hi]. */
pw_space *pw_space_new(void);
void pw_space_free(pw_space *sp);
int pw_space_add(pw_space *sp, const char *name, pw_space_kind kind,
                 double lo, double hi);
size_t pw_space_dim(const pw_space *sp);
const char *pw_space_name(const pw_space *sp, size_t i);
pw_space_kind pw_space_kind_of(const pw_space *sp, size_t i);
double pw_space_lo(const pw_space *sp, size_t i);
double pw_space_hi(const pw_space *sp, size_t i);
/* Maps u in [0,1] to the parameter (linear or logarithmic) and back. */
double pw_space_from_unit(const pw_space *sp, size_t i, double u);
double pw_space_to_unit(const pw_space *sp, size_t i, double x);

/*
 * A model: x (dim values, natural units) -> y (n_out values). `index` is a
 * unique number for this evaluation (seed stochastic models from it).
 * Must be safe to call from several threads at once. Returns PW_OK, or a
 * status that aborts the analysis.
 */
typedef int (*pw_eval_fn)(void *ctx, const double *x, uint64_t index, double *y);

/* Evaluates f at n points X (n x dim, natural units) on `threads` threads,
 * writing Y (n x n_out); point e gets index index0 + e. With several MPI
 * ranks (section 4) every rank must call it with the same points: each
 * evaluates its block and every rank receives all of Y. */
int pw_eval_batch(pw_eval_fn f, void *ctx, const double *X, size_t n, size_t dim,
                  size_t n_out, uint64_t index0, int threads, double *Y, pw_error *err);

/* ---- ABC-SMC --------------------------------------------------------- */
typedef struct pw_abc_opts {
    size_t particles;      /* population size N (default 500) */
    int max_generations;   /* default 12 */
    double quantile;       /* next tolerance = this quantile of distances (0.5) */
    double min_acceptance; /* stop when a generation accepts fewer (0.02) */
    size_t max_sims;       /* total simulation budget (default 200000) */
    uint64_t seed;
    int threads;           /* 0 = all cores */
    int progress;          /* progress bar on stderr */
} pw_abc_opts;
void pw_abc_opts_default(pw_abc_opts *o);

/*
 * Observations and the distance: d = sqrt(sum_j ((y_j - obs_j)/scale_j)^2).
 * Outputs with scale <= 0 are ignored.
 */
typedef struct pw_abc_data {
    size_t n_out;
    const double *obs;
    const double *scale;
} pw_abc_data;

typedef struct pw_abc_result {
    size_t n, dim, n_out;
    double *theta;   /* n x dim, natural units */
    double *weight;  /* n, normalised to sum 1 */
    double *y;       /* n x n_out: the accepted simulations' outputs */
    double *dist;    /* n */
    int generations;
    double *eps;     /* per generation (eps[0] = +inf: prior) */
    double *accept;  /* acceptance rate per generation */
    size_t sims;     /* simulations used */
    double ess;      /* effective sample size of the final weights */
} pw_abc_result;
void pw_abc_result_free(pw_abc_result *r);

/*
 * Adaptive ABC-SMC (Beaumont et al. 2009; Del Moral et al. 2012 tolerance
 * schedule): generation 0 samples the prior, each next generation sets the
 * tolerance to a quantile of the previous distances, proposes from the
 * weighted population moved by a Gaussian kernel with twice its weighted
 * covariance (in unit coordinates), and reweights by prior / proposal.
 */
int pw_abc_smc(const pw_space *sp, pw_eval_fn f, void *ctx,
               const pw_abc_data *data, const pw_abc_opts *o,
               pw_abc_result **out, pw_error *err);

/* Kish effective sample size (sum w)^2 / sum w^2. */
double pw_ess(const double *w, size_t n);

/* Weighted quantile (0 <= p <= 1) of v[k*stride] with weights w. */
double pw_wquantile(const double *v, size_t stride, const double *w, size_t n,
                    double p);

/* ---- Sobol indices ---------------------------------------------------- */
typedef struct pw_sobol_result {
    size_t dim, n_out, base; /* base = N quasi-random rows */
    size_t evals;            /* N (dim + 2) */
    /* dim x n_out each (row = parameter) */
    double *first, *total, *first_ci, *total_ci; /* ci = 95% half-width */
    double *mean, *var;                          /* n_out each */
} pw_sobol_result;
void pw_sobol_result_free(pw_sobol_result *r);

/*
 * Sobol first-order (Saltelli 2010) and total (Jansen 1999) indices from
 * N rows of a 2*dim Sobol' sequence (GSL; Halton above 20 parameters),
 * 95% intervals by bootstrap over rows. Costs N*(dim+2) evaluations.
 */
int pw_sobol(const pw_space *sp, pw_eval_fn f, void *ctx, size_t n_out,
             size_t base, uint64_t seed, int threads, int progress,
             pw_sobol_result **out, pw_error *err);

/* ---- Morris screening ------------------------------------------------- */
typedef struct pw_morris_result {
    size_t dim, n_out, trajectories, evals;
    double *mu, *mu_star, *sigma; /* dim x n_out; effects per unit range */
} pw_morris_result;
void pw_morris_result_free(pw_morris_result *r);

/* Morris (1991) elementary effects on a `levels`-level grid of the unit
 * cube (Campolongo 2007 mu*), r trajectories: r*(dim+1) evaluations. */
int pw_morris(const pw_space *sp, pw_eval_fn f, void *ctx, size_t n_out,
              size_t trajectories, int levels, uint64_t seed, int threads,
              pw_morris_result **out, pw_error *err);

/* ---- The LHY model as a pw_eval_fn ---------------------------------- */
/*
 * Outputs are named "<series>@<year>" (value on 1 January of that year) or
 * "<series>_<stat>" with series light, heavy, memory, initiation, users
 * (= light + heavy) and stat peak, peak_year, end, total (person-years
 * over the horizon). x holds the values of the uncertain parameters of
 * `sp` (names as accepted by pw_lhy_scenario_set).
 */
typedef struct pw_lhy_eval pw_lhy_eval;
int pw_lhy_eval_new(const pw_lhy_scenario *sc, const pw_space *sp, int years,
                    const char *const *outputs, size_t n_out, pw_lhy_eval **out,
                    pw_error *err);
void pw_lhy_eval_free(pw_lhy_eval *ev);
int pw_lhy_eval_run(void *ev, const double *x, uint64_t index, double *y);

/* ---- Problems: a scenario's uncertain parameters and named outputs ---- */
/*
 * What calibrate and sensitivity analyse: a scenario (an LH/LHY mean-field
 * scenario, or a society scenario run by the simulator) whose uncertain
 * parameters form the space and whose named outputs form y. Output names:
 * for LH/LHY see pw_lhy_eval_new; for a society scenario a metric name
 * ("pwud_end"), "<series>@<year>" ("pwid@2015") or a ratio of two series
 * in a year, "<series>/<series>@<year>" ("hiv_pwid/pwid@2015"; NaN where
 * the denominator is 0).
 */
typedef struct pw_problem pw_problem;
typedef struct pw_problem_opts {
    const char *scenario;   /* name or path */
    const char *regime;     /* society scenarios: regime to run (NULL = kz-current) */
    const char *versus;     /* society scenarios: if set, outputs are regime minus
                             * this regime (same people and random numbers) */
    int years;              /* horizon */
    double scale;           /* society scenarios: fraction of the population */
    uint64_t seed;          /* stochastic engines: base seed */
    const char *engine;     /* society scenarios: NULL or "abm" (the simulator),
                             * "meanfield" (pw_mf_society_run: a cheap screen) */
    int keep_outside_bands; /* society scenarios: 0 (calibration) gives NaN outputs
                             * for a trajectory that leaves a plausibility band, so
                             * ABC rejects it; 1 (sensitivity) keeps them, so the
                             * indices cover the whole prior box */
    const char *only;       /* society scenarios: NULL (every parameter with a
                             * prior), or comma-separated names of parameters
                             * with a prior; only these form the space, the
                             * others keep their scenario values. A name that
                             * is not a parameter with a prior is PW_EINVAL. */
    const char *base;       /* society scenarios: NULL, or a posterior CSV
                             * (pw_draws_load) of another fit whose rows set
                             * every parameter the space does not: the space
                             * gains "base.row", uniform on [0, rows), the row
                             * a point takes (a cut model: the targets of this
                             * fit do not move the base fit's parameters,
                             * docs/calibration.md 2.4), or "prior": 1,000
                             * rows drawn from the scenario's own priors with
                             * `seed`, so the parameters not fitted keep their
                             * prior uncertainty (docs/calibration.md 2.3) */
} pw_problem_opts;
int pw_problem_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                   pw_problem **out, pw_error *err);
void pw_problem_free(pw_problem *p);
const pw_space *pw_problem_space(const pw_problem *p);
size_t pw_problem_outputs(const pw_problem *p);
const char *pw_problem_engine(const pw_problem *p); /* "lhy", "lh", "abm", ... */
int pw_problem_start_year(const pw_problem *p);
/* The scenario parameters a point x of the space sets, as the columns of
 * a posterior CSV that `pathways run --posterior` reads: the space's own
 * names, or with a base posterior (pw_problem_opts.base) the base's
 * columns that the space does not fit, then the space's parameters
 * (without "base.row"). pw_problem_column_values writes
 * pw_problem_columns(p) values. */
size_t pw_problem_columns(const pw_problem *p);
const char *pw_problem_column_name(const pw_problem *p, size_t j);
void pw_problem_column_values(const pw_problem *p, const double *x, double *out);
/* The pw_eval_fn of the problem; pass the problem itself as ctx. */
int pw_problem_eval(void *problem, const double *x, uint64_t index, double *y);

/* ==== 3. Targets ====================================================== */
/*
 * A targets file (data/targets/NAME.yaml) lists observed numbers:
 *   targets:
 *     - name: pwid_2015              # unique
 *       series: pwid                 # model output it is compared with
 *       per: population              # optional: series divided by this one
 *       year: 2015
 *       value: 9200
 *       sd: 2500                     # uncertainty (1 sd) used in the fit
 *       source: "hivtb.city ..."
 */
typedef struct pw_targets pw_targets;
int pw_targets_load(const char *name_or_path, pw_targets **out, pw_error *err);
void pw_targets_free(pw_targets *t);
size_t pw_targets_count(const pw_targets *t);
const char *pw_targets_file(const pw_targets *t);
const char *pw_target_name(const pw_targets *t, size_t i);
const char *pw_target_series(const pw_targets *t, size_t i);
/* The denominator series of a ratio target, or "" for a count. */
const char *pw_target_per(const pw_targets *t, size_t i);
int pw_target_year(const pw_targets *t, size_t i);
double pw_target_value(const pw_targets *t, size_t i);
double pw_target_sd(const pw_targets *t, size_t i);
const char *pw_target_source(const pw_targets *t, size_t i);
long pw_target_line(const pw_targets *t, size_t i);
/* Writes the targets as observations.csv (series, year, value, sd, name,
 * source, per), so trajectories can be set against the data; all or nothing. */
int pw_targets_write_csv(const pw_targets *t, const char *path, pw_error *err);

/* ==== 4. Several processes (MPI) ====================================== */
/*
 * Built with PW_WITH_MPI, calibration and sensitivity spread their model
 * evaluations over the ranks of `mpirun -np N`: every rank runs the same
 * driver, evaluates its contiguous block of each batch of points on its
 * own OpenMP threads, and receives every output in index order, so results
 * are byte-identical for any N (docs/calibration.md section 5). Built
 * without MPI, these functions describe one process (rank 0 of 1).
 */
/* 1 if this build can use MPI. */
int pw_par_mpi(void);
/* Starts MPI if built with it and the process was started by an MPI
 * launcher (mpirun, srun, ...); a lone process stays rank 0 of 1 without
 * MPI. Ranks other than 0 then write nothing: their stdout and stderr go
 * to /dev/null. */
int pw_par_init(int *argc, char ***argv, pw_error *err);
/* Ends MPI and returns `code`, the process's exit code. A non-zero code
 * with several ranks aborts all of them (MPI_Abort), so that a failure on
 * one rank can never leave the others waiting. */
int pw_par_finish(int code);
/* Marks the end of the command's collective work: every rank holds what it
 * needs and rank 0 alone reports and writes from here on. A failure after
 * this point is rank 0's alone and no rank waits for another, so
 * pw_par_finish ends MPI normally (MPI_Finalize on every rank) and the
 * launcher passes rank 0's non-zero exit code on, instead of aborting. */
void pw_par_solo(void);
int pw_par_rank(void); /* 0 .. size-1; 0 writes the output */
int pw_par_size(void);
/* The block of n tasks this rank takes: [*lo, *hi), contiguous, the
 * blocks of ranks 0, 1, ... in order and differing in size by at most one. */
void pw_par_block(size_t n, size_t *lo, size_t *hi);
/* Gathers on rank 0 the rows of `buf` (n tasks of `stride` doubles, task t
 * at buf + t * stride) that every rank filled for its own block
 * (pw_par_block); other ranks' rows of buf are left as they were. A no-op
 * on one rank. Returns PW_OK, PW_EINVAL if a count exceeds MPI's int, or
 * PW_EIO. Every rank must call it. */
int pw_par_gather(double *buf, size_t n, size_t stride);

PW_END_DECLS

#endif /* PATHWAYS_CALIB_H */
