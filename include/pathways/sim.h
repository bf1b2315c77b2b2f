/*
 * The society simulator: scenarios, the agent-based engine and results.
 *
 * A scenario (data/scenarios/NAME.yaml) describes a population and every
 * parameter of the model, each with its value, its source and, when it is
 * uncertain, a prior. pw_sim_run() simulates that society under one or more
 * regimes with common random numbers and collects, per regime and run, the
 * end-of-horizon metrics and the yearly series. The mean-field engine
 * (pathways/calib.h) fills the same pw_results, so both write identical
 * files.
 *
 * Contract for other parts: names below are stable; the simulator may add
 * functions and fields, never rename.
 */
#ifndef PATHWAYS_SIM_H
#define PATHWAYS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "pathways/core.h"
#include "pathways/engine.h"

PW_BEGIN_DECLS

/* ---- Scenarios and their parameters ---------------------------------- */
typedef struct pw_scenario pw_scenario;

int pw_scenario_load(const char *name_or_path, pw_scenario **out, pw_error *err);
pw_scenario *pw_scenario_clone(const pw_scenario *s);
void pw_scenario_free(pw_scenario *s);
const char *pw_scenario_name(const pw_scenario *s);
/* Full-scale population the scenario stands for (before --scale). */
double pw_scenario_population(const pw_scenario *s);
/* Calendar year the projection starts in (each regime from then on). */
int pw_scenario_start_year(const pw_scenario *s);
/* Calendar year the history phase starts in (the scenario's
 * `history_start_year`), or 0 when the run starts at the projection. */
int pw_scenario_history_start_year(const pw_scenario *s);
/* Full-scale people at the history's start (the population when there is
 * no history). */
double pw_scenario_history_population(const pw_scenario *s);
/* The regime in force during the history ("kz-current"), or NULL. */
const char *pw_scenario_history_regime(const pw_scenario *s);

typedef enum { PW_PRIOR_FIXED, PW_PRIOR_UNIFORM, PW_PRIOR_LOGUNIFORM } pw_prior_kind;

/* Parameters form one flat named table ("initiation.peer_rate", ...). */
size_t pw_param_count(const pw_scenario *s);
int pw_param_find(const pw_scenario *s, const char *name); /* index or -1 */
const char *pw_param_name(const pw_scenario *s, size_t i);
const char *pw_param_source(const pw_scenario *s, size_t i);
/* Why parameter i moves no output by design (the scenario's `inert:`
 * field), or NULL for a live parameter. */
const char *pw_param_inert(const pw_scenario *s, size_t i);
double pw_param_get(const pw_scenario *s, size_t i);
/* The range [lo, hi] that pw_param_set accepts for parameter i. */
void pw_param_range(const pw_scenario *s, size_t i, double *lo, double *hi);
/* PW_EINVAL if v lies outside the parameter's allowed range. */
int pw_param_set(pw_scenario *s, size_t i, double v);
/* Prior of an uncertain parameter: kind and bounds [a, b]. */
pw_prior_kind pw_param_prior(const pw_scenario *s, size_t i, double *a, double *b);

/* Plausibility bands of a scenario (`bands:` in its file): quantities that
 * must stay in an observed range, each with its source. */
size_t pw_scenario_band_count(const pw_scenario *s);
const char *pw_scenario_band_name(const pw_scenario *s, size_t i);

/* ---- Metrics and series ---------------------------------------------- */
/* End-of-horizon or total metrics (summary.json), e.g. "pwud_end". */
size_t pw_metric_count(void);
const char *pw_metric_name(size_t m);
int pw_metric_find(const char *name); /* index or -1 */
/* Yearly series (timeseries.csv columns), e.g. "pwud", "pwid",
 * "drug_crimes", "prison_population", "compulsory_admissions". */
size_t pw_series_count(void);
const char *pw_series_name(size_t k);
int pw_series_find(const char *name); /* index or -1 */

/* ---- Results --------------------------------------------------------- */
typedef struct pw_results pw_results;

pw_results *pw_results_new(const char *scenario, int start_year, int years,
                           int runs, uint64_t seed, const char *const *regimes,
                           size_t n_regimes);
void pw_results_free(pw_results *res);
size_t pw_results_regime_count(const pw_results *res);
const char *pw_results_regime(const pw_results *res, size_t g);
int pw_results_runs(const pw_results *res);
int pw_results_years(const pw_results *res);
double pw_results_metric(const pw_results *res, size_t g, int run, size_t m);
void pw_results_set_metric(pw_results *res, size_t g, int run, size_t m, double v);
/* The calendar year of series row 0 (the history's first year when the
 * scenario has a history), and the first year of the projection (from
 * which every regime runs its own world; the metrics cover the
 * projection only). Equal when there is no history. */
int pw_results_start_year(const pw_results *res);
int pw_results_projection_year(const pw_results *res);
void pw_results_set_projection_year(pw_results *res, int year);
/* The scenario's name and the engine ("abm", "meanfield"; "" if not set),
 * as given to pw_results_new and pw_results_set_engine. */
const char *pw_results_scenario(const pw_results *res);
const char *pw_results_engine(const pw_results *res);
/* year = 0 .. years-1 (calendar year pw_results_start_year + year),
 * history rows first. */
double pw_results_series(const pw_results *res, size_t g, int run, int year, size_t k);
void pw_results_set_series(pw_results *res, size_t g, int run, int year, size_t k, double v);
/* Optional: the engine that produced them ("abm" or "meanfield"). */
void pw_results_set_engine(pw_results *res, const char *engine);
/* Optional: the fraction of the population simulated (figures are already
 * scaled up to the full population); written to summary.json. */
void pw_results_set_scale(pw_results *res, double scale);
/* Optional: what the engine leaves out, printed under the table's heading
 * and saved as "note" in summary.json (copied; NULL clears it). */
int pw_results_set_note(pw_results *res, const char *note);
/* Optional, for the record in summary.json and under the table's title:
 * where the per-run parameter draws came from (NULL: point values), and
 * each parameter the user set by hand (`pathways run --set NAME=VALUE`).
 * Both return PW_ENOMEM on allocation failure. */
int pw_results_set_posterior(pw_results *res, const char *label);
int pw_results_add_override(pw_results *res, const char *name, double v);
const char *pw_results_posterior(const pw_results *res); /* NULL: point values */
/* What the results were made from, as set by pw_results_new and the setters
 * (scenario, engine and start year: above). */
const char *pw_results_note(const pw_results *res); /* NULL: none */
uint64_t pw_results_seed(const pw_results *res);
double pw_results_scale(const pw_results *res);
/* Whether metric m has values (a metric taken against the baseline needs it). */
int pw_results_has_metric(const pw_results *res, size_t m);
/* Optional: a JSON object (text) saved as "provenance" in summary.json:
 * the program, command line, input files' hashes, seed and threads.
 * PW_EINVAL if the text is not a JSON object; NULL clears it. */
int pw_results_set_provenance(pw_results *res, const char *json);
size_t pw_results_override_count(const pw_results *res);
/* Name and value of override i (0 .. count-1), in the order given. */
const char *pw_results_override(const pw_results *res, size_t i, double *v);
/* Mean and central 95% interval across runs of metric m for regime g; with
 * base >= 0, of the paired differences metric[g][run] - metric[base][run]. */
int pw_results_summary(const pw_results *res, size_t g, long base, size_t m,
                       double *mean, double *lo, double *hi);

/* Writes DIR/summary.json, DIR/summary.csv and DIR/timeseries.csv, each
 * through a temporary file renamed on success. */
int pw_results_write(const pw_results *res, const char *dir, pw_error *err);
/* Prints the comparison table (mean and 95% interval, and the paired
 * difference from `baseline` if it is among the regimes). */
void pw_results_print_table(const pw_results *res, const char *baseline, FILE *f);
/* Attaches the scenario's plausibility bands: the table, summary.json and
 * report.html then say how many runs of each regime left each band, and
 * where (quantity, year, regime, run). */
int pw_results_set_bands(pw_results *res, const pw_scenario *s);
size_t pw_results_band_count(const pw_results *res);
const char *pw_results_band_name(const pw_results *res, size_t b);
/* Whether run `run` of regime g left band b: 1 (then the first year it
 * was outside and its value there), else 0. */
int pw_results_band_left(const pw_results *res, size_t b, size_t g, int run, int *year,
                         double *value);

/* ---- The agent-based engine ------------------------------------------ */
typedef struct pw_sim_opts {
    int years;        /* default 20 */
    int runs;         /* per regime */
    uint64_t seed;
    int threads;      /* 0 = all cores */
    double scale;     /* 0 < scale <= 1: fraction of the population simulated;
                         0 = the scenario's default_scale */
    int progress;     /* draw a progress bar on stderr */
    /* Optional per-run parameter values (e.g. posterior draws): run r uses
     * row (r % n_draws) of `draws` (n_draws x n_draw_params, row-major),
     * setting parameter draw_param_idx[j] to draws[row * n_draw_params + j]. */
    size_t n_draws;
    size_t n_draw_params;
    const int *draw_param_idx;
    const double *draws;
    /* Optional: simulate only runs [run_lo, run_hi) of the `runs` (the
     * others stay zero in the results), so that several processes can
     * share one ensemble (`mpirun pathways run`); run_hi == 0: all runs.
     * A run's numbers do not depend on which runs are simulated with it. */
    int run_lo, run_hi;
    /* 1: a run whose trajectory leaves one of the scenario's plausibility
     * bands stops at the end of that year (its later rows and its metrics
     * stay zero; pw_results_band_left still reports the band and year). For
     * callers that reject such runs anyway (calibration); a run that stays
     * inside every band is simulated exactly as with 0. Applies to one
     * regime of a one-region scenario (a region alone, or one regime of
     * several, may leave a band their sum or the other regimes do not). */
    int stop_outside_bands;
} pw_sim_opts;

void pw_sim_opts_default(pw_sim_opts *o);

/* For callers that cannot lay out the struct (other languages, or a
 * program built against an older header, since fields may be added):
 * pw_sim_opts_new returns the defaults, malloc'd (NULL if out of memory),
 * to be freed with pw_sim_opts_free; pw_sim_opts_set sets one field by
 * name: "years" (1..200), "runs" (1..100000), "seed" (an integer 0..2^53),
 * "threads" (0..1024, 0 = all cores), "scale" (0 < scale <= 1, or 0 for
 * the scenario's default) or "progress" (0 or 1). PW_ENOTFOUND for another
 * name, PW_EINVAL for a value outside its range (both named in err). The
 * posterior draws are not set this way (they are arrays the caller owns). */
pw_sim_opts *pw_sim_opts_new(void);
void pw_sim_opts_free(pw_sim_opts *o);
int pw_sim_opts_set(pw_sim_opts *o, const char *name, double value, pw_error *err);
/* Sets the per-run parameter draws (the fields n_draws .. draws above);
 * the arrays stay the caller's and must outlive pw_sim_run. n_draws 0
 * clears them. PW_EINVAL if n_draws > 0 with no columns or NULL arrays. */
int pw_sim_opts_set_draws(pw_sim_opts *o, size_t n_draws, size_t n_draw_params,
                          const int *draw_param_idx, const double *draws, pw_error *err);

/* Parameter draws read from a CSV (the posterior.csv of `pathways
 * calibrate`): a header of parameter names of scenario s, then one row of
 * numbers per draw. `path` is a file, or "<built-in>/targets/NAME.csv" for
 * a file compiled into the binary. PW_EINVAL names the file, line and
 * field (an unknown parameter, a value that is not a number, a short or
 * long row, no rows); the caller frees *out with pw_draws_free, which also
 * takes a zeroed pw_draws. The arrays fit pw_sim_opts_set_draws. */
typedef struct pw_draws {
    size_t rows, cols;
    int *param;    /* cols: scenario parameter index of each column */
    double *value; /* rows x cols, row-major */
} pw_draws;
int pw_draws_load(const char *path, const pw_scenario *s, pw_draws *out, pw_error *err);
void pw_draws_free(pw_draws *d);

/* Simulates every regime for every run with common random numbers: run r
 * of every regime starts from the same population, ties and streams. */
int pw_sim_run(const pw_scenario *s, pw_regime *const *regimes, size_t n_regimes,
               const pw_sim_opts *o, pw_results **out, pw_error *err);

PW_END_DECLS

#endif /* PATHWAYS_SIM_H */
