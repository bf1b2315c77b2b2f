/* Helpers shared by the simulator's tests (header-only, static). */
#ifndef PW_SIMTEST_H
#define PW_SIMTEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pathways/sim.h"
#include "sim_internal.h"

static inline pw_scenario *st_load(const char *name)
{
    pw_scenario *s = NULL;
    pw_error err;
    pw_error_clear(&err);
    if (pw_scenario_load(name, &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "test");
        fail();
    }
    return s;
}

static inline void st_set(pw_scenario *s, const char *name, double v)
{
    int i = pw_param_find(s, name);
    if (i < 0) {
        fprintf(stderr, "no parameter %s\n", name);
        fail();
    }
    assert_int_equal(pw_param_set(s, (size_t)i, v), PW_OK);
}

/* A quiet society: nobody uses, sells or is in prison, and nobody starts. */
static inline void st_quiet(pw_scenario *s)
{
    st_set(s, "initial.light_user_share", 0);
    st_set(s, "initial.dependent_share", 0);
    st_set(s, "initial.remission_share", 0);
    st_set(s, "initial.prison_share", 0);
    st_set(s, "initial.sellers_per_user", 0);
    st_set(s, "market.sellers_per_user", 0);
    st_set(s, "initiation.exogenous_rate", 0);
    st_set(s, "initiation.peer_mean", 0);
}

/* One simulation; the result owns `series` (free it with st_done). */
static inline pwi_run_result st_run(const pw_scenario *s, const pw_regime *g, int years, double scale,
                             uint32_t run, uint64_t seed)
{
    pwi_run_result r;
    memset(&r, 0, sizeof r);
    r.series = calloc((size_t)years * pw_series_count(), sizeof *r.series);
    assert_non_null(r.series);
    pw_error err;
    pw_error_clear(&err);
    int rc = pwi_simulate(s, g, years, run, seed, scale, &r, &err);
    if (rc)
        pw_error_print(&err, stderr, "test");
    assert_int_equal(rc, PW_OK);
    return r;
}

static inline void st_done(pwi_run_result *r)
{
    free(r->series);
    r->series = NULL;
}

/* Yearly series value (already scaled up by 1/scale). */
static inline double st_series(const pwi_run_result *r, int year, const char *name)
{
    int k = pw_series_find(name);
    assert_true(k >= 0);
    return r->series[(size_t)year * pw_series_count() + (size_t)k];
}

static inline double st_metric(const pwi_run_result *r, const char *name)
{
    int m = pw_metric_find(name);
    assert_true(m >= 0);
    return r->metrics[m];
}

/* |observed - expected| <= k standard errors, with a message. */
static inline void st_within(const char *what, double observed, double expected, double se, double k)
{
    fprintf(stderr, "%s: observed %.5g, expected %.5g (se %.3g)\n", what, observed, expected, se);
    assert_true(fabs(observed - expected) <= k * se);
}

#endif
