/*
 * A hand-made world for testing one process of the model (header-only,
 * static; used with simtest.h). A quiet scenario is built with
 * pwi_world_build (nobody uses, sells or is in prison; no deaths,
 * emigration, treatment entry or police), the test adds the records it
 * needs and sets their state, and the real weekly loop (pwi_week_step)
 * runs them. Everything measured is in simulated people (no scaling).
 */
#ifndef PW_SIMWORLD_H
#define PW_SIMWORLD_H

#include <string.h>

#include "simtest.h"
#include "model.h"

typedef struct sw {
    world *w;
    pwi_run_result out;
    uint32_t cursor; /* next agent sw_add tries */
    int week;        /* next week sw_weeks runs */
    int years;
} sw;

/* The quiet scenario of the process tests: switch on only what is measured. */
static inline pw_scenario *sw_scenario(void)
{
    pw_scenario *s = st_load("almaty");
    st_quiet(s);
    st_set(s, "demography.gompertz_a", 1e-6);
    st_set(s, "demography.gompertz_b", 0.01);
    st_set(s, "demography.emigration_rate", 0);
    st_set(s, "demography.birth_rate", 0);
    st_set(s, "demography.immigration_rate", 0);
    st_set(s, "treatment.voluntary_entry_rate", 0);
    /* the social levers off: no school programme or campaign to pay, and
     * stigma still (tests/sim/test_levers.c switches them on) */
    st_set(s, "prevention.school_coverage", 0);
    st_set(s, "awareness.campaign_kzt_per_100k", 0);
    st_set(s, "society.stigma_punishment_effect", 0);
    st_set(s, "police.use_detection_rate", 0);
    st_set(s, "police.crime_detection", 0);
    st_set(s, "police.sale_detection", 0);
    st_set(s, "police.capacity_per_100k", 1e5); /* capacity never binds */
    st_set(s, "crime.acquisitive_rate_dependent", 0);
    st_set(s, "use.remission_rate_opioids", 0);
    st_set(s, "use.remission_rate_stimulants", 0);
    st_set(s, "use.remission_rate_cannabis", 0);
    st_set(s, "use.injecting_rate_opioid_dependent", 0);
    st_set(s, "health.overdose_death_rate_injecting", 0);
    st_set(s, "health.overdose_death_rate_other_dependent", 0);
    st_set(s, "health.hiv_excess_mortality", 0);
    /* no needle programme places to fill or pay; ART, once on, stays */
    st_set(s, "harm_reduction.nsp_clients_per_100k", 0);
    st_set(s, "health.art_stop_rate", 0);
    st_set(s, "society.job_loss_rate_dependent", 0);
    st_set(s, "society.reemployment_rate", 0);
    st_set(s, "treatment.remission_rate_outpatient", 0);
    /* Every compulsory bed serves the test's drug cases, so a test's
     * treatment.compulsory_beds_per_100k is the beds it gets. */
    st_set(s, "treatment.compulsory_beds_drug_share", 1);
    return s;
}

/* Builds the world of `s` (parameters are read now) for `years` years. */
static inline void sw_open(sw *h, const pw_scenario *s, int years, double scale,
                           const pw_regime *regime, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->years = years;
    h->out.series = calloc((size_t)years * pw_series_count(), sizeof *h->out.series);
    assert_non_null(h->out.series);
    pw_error err;
    pw_error_clear(&err);
    int rc = pwi_world_build(s, years, 0, 0, seed, scale, &h->w, &err);
    if (rc)
        pw_error_print(&err, stderr, "test");
    assert_int_equal(rc, PW_OK);
    pwi_world_begin(h->w, regime, &h->out);
}

/* A new record for the next free agent aged 20-49; returns its index.
 * The record is a dependent opioid user (severe, 7 criteria) in the
 * community, not injecting, out of work, unless the test changes it. */
static inline uint32_t sw_add(sw *h)
{
    world *w = h->w;
    for (; h->cursor < w->n; h->cursor++) {
        uint32_t a = h->cursor;
        double age = age_years(w, a, h->week);
        if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE) || age < 20 || age >= 50)
            continue;
        uint32_t i;
        assert_int_equal(pwi_new_record(w, a, &i), PW_OK);
        act *r = &w->a[i];
        r->substance = SUB_OPIOIDS;
        r->stage = ST_DEPENDENT;
        r->dsm = 7;
        r->since = (uint16_t)h->week;
        h->cursor++;
        return i;
    }
    fail_msg("no free agent left");
    return UINT32_MAX;
}

/* Runs n weeks of the whole model. */
static inline void sw_weeks(sw *h, int n)
{
    for (int k = 0; k < n; k++) {
        assert_true(h->week < h->years * WPY);
        assert_int_equal(pwi_week_step(h->w, h->week), PW_OK);
        h->week++;
    }
}

static inline act *sw_rec(sw *h, uint32_t i) { return &h->w->a[i]; }

/* A run metric in simulated people (metrics are scaled up by 1/scale). */
static inline double sw_metric(const sw *h, const char *name)
{
    return st_metric(&h->out, name) * h->w->scale;
}

/* A yearly series in simulated people. */
static inline double sw_series(const sw *h, int year, const char *name)
{
    return st_series(&h->out, year, name) * h->w->scale;
}

static inline void sw_close(sw *h)
{
    pwi_world_free(h->w);
    st_done(&h->out);
    h->w = NULL;
}

/* A test regime of tests/sim/regimes/ (ctest sets PW_SRC). */
static inline pw_regime *sw_regime(const char *file)
{
    const char *src = getenv("PW_SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/sim/regimes/%s", src ? src : "../../..", file);
    pw_regime *g = NULL;
    pw_error err;
    pw_error_clear(&err);
    if (pw_regime_load(path, &g, &err) != PW_OK) {
        pw_error_print(&err, stderr, "test");
        fail();
    }
    return g;
}

/* A binomial proportion's standard error. */
static inline double sw_se_p(double p, double n) { return sqrt(p * (1 - p) / n); }

#endif
