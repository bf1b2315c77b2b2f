/*
 * Internal interfaces of the society simulator (src/sim only).
 */
#ifndef PW_SIM_INTERNAL_H
#define PW_SIM_INTERNAL_H

#include <stdint.h>

#include "pathways/sim.h"
#include "sim_params.h"

/* A plausibility band (scenario `bands:`): the yearly value series[num]
 * (/ series[den] when den >= 0) x times must stay within [lo, hi] in the
 * years from..to (calendar years, inclusive); a run that leaves it is
 * reported, and calibration rejects the particle (docs/model.md). */
enum { PWI_MAX_BANDS = 16 };
typedef struct pwi_band {
    char name[64];
    char source[512];
    int num, den;
    double times, lo, hi;
    int from, to;
} pwi_band;

/* A loaded scenario: the population it stands for and the flat parameter
 * table (values, sources and priors), indexed by the PI_* ids. */
struct pw_scenario {
    char name[128];
    char origin[256];        /* file shown in messages */
    double population;       /* full-scale people */
    int start_year;
    double default_scale;    /* internal scale used when --scale is not given */
    int regions;             /* simulated as this many independent regional societies */
    double v[PI_COUNT];
    char *source[PI_COUNT];
    char *inert[PI_COUNT];   /* why a parameter moves no output by design (NULL: live) */
    pw_prior_kind prior[PI_COUNT];
    double prior_a[PI_COUNT], prior_b[PI_COUNT];
    pwi_band bands[PWI_MAX_BANDS];
    int n_bands;
    /* appended: the history phase (docs/model.md, "History"). When
     * history_start_year > 0 the run starts then, from the stocks of that
     * year (initial.*, history_population people), under history_regime
     * up to start_year, and every regime projects from start_year on. */
    int history_start_year;    /* 0: no history (the run starts at start_year) */
    double history_population; /* full-scale people at history_start_year */
    char history_regime[64];   /* the regime in force during the history */
};

/* Years simulated before the projection (0 without a history). */
static inline int pwi_history_years(const pw_scenario *s)
{
    return s->history_start_year > 0 ? s->start_year - s->history_start_year : 0;
}

/* The calendar year of the results' row 0: the history's first year, or
 * the projection's without a history. */
static inline int pwi_first_year(const pw_scenario *s)
{
    return s->start_year - pwi_history_years(s);
}

/* Reads the scenario's `bands:` list (bands.c); a band with the name of
 * one already there (from a base scenario) replaces it. */
int pwi_read_bands(const pw_doc *d, const pw_node *list, pw_scenario *s, pw_error *err);
/* Whether run `run` of regime g of `r` left band b: 1 (with the first
 * calendar year outside and the value there), else 0. */
int pwi_band_left(const pwi_band *b, const pw_results *r, size_t g, int run, int start_year,
                  int *year, double *value);
/* Whether one year's row of series (pw_series_count() values, calendar
 * year `year`) lies outside one of s's bands that covers that year: the
 * test pwi_band_left makes, for a run still being simulated. */
int pwi_bands_row_left(const pw_scenario *s, const double *row, int year);

/* Allowed range of parameter i (from sim_params.h). */
void pwi_param_range(size_t i, double *lo, double *hi);

/* Random-number purposes (rng.h `purpose`): one per process, so adding a
 * draw to one process never shifts the numbers another process sees. */
enum {
    RP_DEMOGRAPHY = 1,
    RP_HOUSEHOLD,
    RP_TIES,
    RP_TIES_PAIR,
    RP_INITIAL,
    RP_LIFE,
    RP_BIRTHS,
    RP_IMMIGRATION,
    RP_EXOGENOUS,
    RP_PEER,
    RP_PROGRESS,
    RP_REMISSION,
    RP_HEALTH,
    RP_CRIME,
    RP_POLICE,
    RP_DECISION,
    RP_TREATMENT,
    RP_PRISON,
    RP_MARKET,
    RP_SOCIETY,
    RP_VOLUNTARY,
    RP_INITIATOR,
    RP_NEWTIES, /* peer ties of newcomers (born or arrived during the run) */
    RP_HIV      /* equipment sharing, needle programmes, HIV tests and ART (hiv.c) */
};

/* One simulation of one regime and one run (world.c; model.h is the model's
 * private header). `regime` may be
 * NULL: then every detected case gets no action (used by unit tests). The
 * yearly series go to series[year * pw_series_count() + k] and the metrics
 * to metrics[m]. */
typedef struct pwi_run_result {
    double *series;  /* years x pw_series_count() */
    double metrics[128]; /* pw_metric_count() of them (asserted in accounts.c) */
    /* invariant bookkeeping, checked every week */
    uint64_t initial, born, immigrated, alive, dead, emigrated;
    int invariant_ok;
} pwi_run_result;

/* The same in two steps: build run r's society once (population, ties,
 * initial state), then simulate it under each regime from a private copy. */
typedef struct pwi_world pwi_world;
/* Region r of R = s->regions holds 1/R of the people and draws its random
 * numbers at run coordinate run * R + region. */
int pwi_world_build(const pw_scenario *s, int years, uint32_t run, int region, uint64_t seed,
                    double scale, pwi_world **out, pw_error *err);
/* The same with `hist_years` of history before the `years` of the
 * projection: the first year's people are the scenario's
 * history_population (pwi_world_build has no history). */
int pwi_world_build_history(const pw_scenario *s, int hist_years, int years, uint32_t run,
                            int region, uint64_t seed, double scale, pwi_world **out,
                            pw_error *err);
/* Simulates the history of a built world under `regime` (the scenario's
 * history_regime), in place, writing its yearly series to `series`
 * (hist_years x pw_series_count()); a no-op without a history. Every
 * regime's world is then copied from it (pwi_world_run). */
int pwi_world_history(pwi_world *w, const pw_regime *regime, double *series, pw_error *err);
/* Simulates the projection of a private copy of `base` (built, and its
 * history done). */
int pwi_world_run(const pwi_world *base, const pw_regime *regime, pwi_run_result *out,
                  pw_error *err);
/* Simulates `w` itself and frees it (no copy: for a run with one regime). */
int pwi_world_run_consume(pwi_world *w, const pw_regime *regime, pwi_run_result *out,
                          pw_error *err);
void pwi_world_free(pwi_world *w);
/* Makes w stop as soon as a year ends outside one of its scenario's bands
 * (pw_sim_opts.stop_outside_bands); the years after stay zero. */
void pwi_world_stop_outside_bands(pwi_world *w, int on);
/* At most this many regions in a scenario (`regions:`). */
#define PWI_MAX_REGIONS 64
/* The history (under hreg, rows to hseries[i]) and then the projection
 * (under reg, into out[i], whose first rows get the history's) of the R
 * regional worlds of one run, a year at a time in step, stopping every
 * region after the first year whose sum over the regions leaves a band of
 * the scenario. The regions' bands are national quantities, so no region
 * can stop alone (pw_sim_opts.stop_outside_bands with s->regions > 1).
 * Frees the worlds. */
int pwi_worlds_run_together(pwi_world **w, int R, const pw_regime *hreg, double *const *hseries,
                            const pw_regime *reg, pwi_run_result *const *out, pw_error *err);
/* Bytes held by a built world, and its number of initial agents. */
size_t pwi_world_bytes(const pwi_world *w);
uint32_t pwi_world_agents(const pwi_world *w);

/* Fills the metrics and series that are ratios of others (reoffending
 * rate, mean wait for a bed) for regime g and run `run`, once the
 * regions' counts are summed (run.c). */
void pwi_results_derive(pw_results *r, size_t g, int run);

int pwi_simulate(const pw_scenario *s, const pw_regime *regime, int years,
                 uint32_t run, uint64_t seed, double scale,
                 pwi_run_result *out, pw_error *err);

#endif /* PW_SIM_INTERNAL_H */
