/*
 * The inside of pw_results, shared by the store (results.c), the output
 * files (results_write.c) and the console table (results_table.c). Not
 * installed: other modules use pathways/sim.h.
 */
#ifndef PW_RESULTS_INT_H
#define PW_RESULTS_INT_H

#include "sim_internal.h"

/* The regime every paired difference and derived metric is taken against. */
#define PWI_BASELINE "kz-current"

struct pw_results {
    char scenario[128];
    char engine[32];
    int start_year, years, runs;
    uint64_t seed;
    double scale;
    size_t n_regimes;
    char **regimes;
    char *posterior;  /* label of the parameter draws, or NULL */
    size_t n_over;    /* parameters set by hand, in the order given */
    char **over_name;
    double *over_value;
    double *metrics; /* [g][run][m] */
    double *series;  /* [g][run][year][k] */
    char *note;      /* what the engine leaves out, or NULL */
    pwi_band *bands; /* the scenario's plausibility bands (bands.c) */
    size_t n_bands;
    int proj_year;   /* first year of the projection (start_year: no history) */
    char *provenance; /* a JSON object saved as "provenance", or NULL */
};

/* The index of the regime called `name`, or -1. */
long pwi_results_find_regime(const pw_results *r, const char *name);
/* Whether metric m is NaN in every regime and run of an engine that is
 * not the agent-based one (a quantity that engine does not carry). */
int pwi_results_not_modelled(const pw_results *r, size_t m);

#endif
