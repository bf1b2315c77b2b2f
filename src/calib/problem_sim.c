/*
 * Society scenarios as calibration problems: each evaluation runs the
 * agent-based simulator once (one regime, one run, a small --scale) with
 * the uncertain parameters set to x, and reads the named outputs.
 *
 * Outputs: a metric name ("pwud_end"), "<series>@<year>" ("pwid@2015") or
 * "<series>/<series>@<year>", one column over another in that year
 * ("hiv_pwid/pwid@2015": HIV prevalence among PWID), NaN where the
 * denominator is 0 (a particle with no PWID has no prevalence to fit).
 * A series is read at its own year: a scenario with a history
 * (history_start_year) simulates the past under the calibration regime's
 * history (kz-current), so a target dated 2015 meets the model's 2015. A
 * year before the first simulated year is read from that first year (a
 * scenario without a history starts in the present: docs/calibration.md).
 * Each evaluation gets its own seed, a hash of (seed, index), so results do
 * not depend on which thread ran it.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/rng.h"
#include "pathways/sim.h"
#include "calib_internal.h"

typedef struct {
    int metric;  /* >= 0: metric index */
    int series;  /* >= 0: series index */
    int per;     /* >= 0: the series is divided by this one */
    int year;    /* series: 0-based year index */
} sim_out;

typedef struct {
    pw_scenario *scenario;
    pw_regime *regime;
    pw_regime *versus; /* NULL, or the regime subtracted from `regime` */
    int years;
    double scale;
    uint64_t seed;
    int meanfield; /* evaluate with the mean field instead of the simulator */
    int keep;      /* keep the outputs of trajectories outside a band */
    size_t dim, n_out;
    int *param_idx; /* dim: scenario parameter index of each space entry */
    sim_out *out;
    /* A base posterior (pw_problem_opts.base): the space's entry `dim`
     * is the row; the columns of the output are the base's columns the
     * space does not fit (col_base >= 0) and then the space's. */
    pw_draws base;
    size_t n_col;
    int *col_param; /* n_col: scenario parameter index */
    int *col_base;  /* n_col: base column, or -1 for space entry col_space */
    int *col_space;
} sim_state;

void pwi_problem_sim_free(void *state)
{
    sim_state *st = state;
    if (!st)
        return;
    pw_scenario_free(st->scenario);
    pw_regime_free(st->regime);
    pw_regime_free(st->versus);
    free(st->param_idx);
    free(st->out);
    pw_draws_free(&st->base);
    free(st->col_param);
    free(st->col_base);
    free(st->col_space);
    free(st);
}

/* SplitMix64: decorrelates the seeds of neighbouring evaluation indices. */
static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Is `name` one of the comma-separated names of `list`? */
static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

/* Every name of a parameter subset (pw_problem_opts.only) must be a
 * parameter of the scenario with a prior: a misspelt name would otherwise
 * leave a parameter out of the analysis without a word. */
static int check_only(const pw_scenario *sc, const char *list, pw_error *err)
{
    size_t np = pw_param_count(sc), named = 0;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < np && !found; i++) {
            const char *nm = pw_param_name(sc, i);
            double a, b;
            found = strlen(nm) == n && strncmp(p, nm, n) == 0 &&
                    pw_param_prior(sc, i, &a, &b) != PW_PRIOR_FIXED;
        }
        if (!found)
            return pw_error_set(err, PW_EINVAL, NULL, 0, "params",
                                "'%.*s' is not a parameter with a prior in this scenario "
                                "(pathways params --scenario NAME lists them)",
                                (int)n, p);
        named++;
        if (!end)
            break;
        p = end + 1;
    }
    if (named == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "params", "the list names no parameter");
    return PW_OK;
}

/* Loads the base posterior (pw_problem_opts.base) and checks that every
 * value is one its parameter accepts, so a bad row is named here, with
 * its line, rather than failing a simulation half-way through a fit. */
static int load_base(sim_state *st, const char *path, pw_error *err)
{
    int rc = pw_draws_load(path, st->scenario, &st->base, err);
    if (rc != PW_OK)
        return rc;
    for (size_t r = 0; r < st->base.rows; r++)
        for (size_t c = 0; c < st->base.cols; c++) {
            double lo, hi, v = st->base.value[r * st->base.cols + c];
            pw_param_range(st->scenario, (size_t)st->base.param[c], &lo, &hi);
            if (!(v >= lo && v <= hi))
                return pw_error_set(err, PW_EINVAL, path, (long)r + 2,
                                    pw_param_name(st->scenario, (size_t)st->base.param[c]),
                                    "%g is outside the allowed range [%g, %g]", v, lo, hi);
        }
    return PW_OK;
}

/* `base: "prior"`: PRIOR_BASE_ROWS rows drawn from the scenario's priors,
 * every parameter with one, a counter-based draw per (row, parameter) of
 * the problem's seed. A fit of a few parameters on this base integrates
 * the others over their priors (each particle takes a whole prior row),
 * instead of fixing them at the scenario's values: their uncertainty
 * reaches posterior.csv and every run drawn from it, while the ABC kernel
 * moves only in the dimensions the targets inform (fitting all 63 at
 * once left 2 effective particles of 200, docs/calibration.md 2.3). */
#define PRIOR_BASE_ROWS 1000
static int prior_base(sim_state *st, pw_error *err)
{
    const pw_scenario *sc = st->scenario;
    size_t np = pw_param_count(sc), cols = 0;
    double a, b;
    for (size_t i = 0; i < np; i++)
        cols += pw_param_prior(sc, i, &a, &b) != PW_PRIOR_FIXED;
    if (cols == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "base",
                            "'prior': the scenario has no parameter with a prior");
    st->base.param = malloc(cols * sizeof(int));
    st->base.value = malloc(PRIOR_BASE_ROWS * cols * sizeof(double));
    if (!st->base.param || !st->base.value)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    st->base.cols = cols;
    st->base.rows = PRIOR_BASE_ROWS;
    size_t c = 0;
    for (size_t i = 0; i < np; i++) {
        pw_prior_kind k = pw_param_prior(sc, i, &a, &b);
        if (k == PW_PRIOR_FIXED)
            continue;
        st->base.param[c] = (int)i;
        /* The same map as pw_space_from_unit, written as a*exp(u*log(b/a))
         * for log-uniform priors: the shipped Almaty posterior was drawn
         * with this form, and the space's differs in the last bits, which
         * would keep scripts/refit.sh from reproducing it. */
        for (size_t r = 0; r < PRIOR_BASE_ROWS; r++) {
            double u = pw_rng_u01(st->seed, 0, PWI_RNG_PRIOR_BASE, (uint32_t)r, (uint32_t)i);
            st->base.value[r * cols + c] =
                k == PW_PRIOR_LOGUNIFORM ? a * exp(u * log(b / a)) : a + u * (b - a);
        }
        c++;
    }
    return PW_OK;
}

/* Lays out the output columns: the base's (none without a base), less
 * those the space fits, then the space's. A base row is a whole draw of
 * the base fit, so the parameters it sets keep their joint distribution. */
static int lay_out_columns(sim_state *st)
{
    size_t n = st->base.cols + st->dim;
    st->col_param = calloc(n ? n : 1, sizeof(int));
    st->col_base = calloc(n ? n : 1, sizeof(int));
    st->col_space = calloc(n ? n : 1, sizeof(int));
    if (!st->col_param || !st->col_base || !st->col_space)
        return PW_ENOMEM;
    for (size_t c = 0; c < st->base.cols; c++) {
        int fitted = 0;
        for (size_t i = 0; i < st->dim && !fitted; i++)
            fitted = st->param_idx[i] == st->base.param[c];
        if (fitted)
            continue;
        st->col_param[st->n_col] = st->base.param[c];
        st->col_base[st->n_col] = (int)c;
        st->col_space[st->n_col++] = -1;
    }
    for (size_t i = 0; i < st->dim; i++) {
        st->col_param[st->n_col] = st->param_idx[i];
        st->col_base[st->n_col] = -1;
        st->col_space[st->n_col++] = (int)i;
    }
    return PW_OK;
}

/* The base row a point takes: entry st->dim of x, floored into range. */
static size_t base_row(const sim_state *st, const double *x)
{
    double r = floor(x[st->dim]);
    if (!(r >= 0))
        return 0;
    return r >= (double)st->base.rows ? st->base.rows - 1 : (size_t)r;
}

size_t pwi_problem_sim_columns(const void *state) { return ((const sim_state *)state)->n_col; }

const char *pwi_problem_sim_column_name(const void *state, size_t j)
{
    const sim_state *st = state;
    assert(j < st->n_col);
    return pw_param_name(st->scenario, (size_t)st->col_param[j]);
}

void pwi_problem_sim_column_values(const void *state, const double *x, double *out)
{
    const sim_state *st = state;
    size_t row = st->base.rows ? base_row(st, x) : 0;
    for (size_t j = 0; j < st->n_col; j++)
        out[j] = st->col_base[j] >= 0
                     ? st->base.value[row * st->base.cols + (size_t)st->col_base[j]]
                     : x[st->col_space[j]];
}

int pwi_problem_sim_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                        void **state, pw_space **space, int *start_year, pw_error *err)
{
    int rc;
    pw_space *sp = NULL;
    sim_state *st = calloc(1, sizeof *st);
    if (!st)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if ((rc = pw_scenario_load(o->scenario, &st->scenario, err)) != PW_OK)
        goto fail;
    /* The observed data come from the current Kazakh system. */
    const char *regime = o->regime ? o->regime : "kz-current";
    if ((rc = pw_regime_load(regime, &st->regime, err)) != PW_OK)
        goto fail;
    if (o->versus && (rc = pw_regime_load(o->versus, &st->versus, err)) != PW_OK)
        goto fail;
    st->years = o->years > 0 ? o->years : 20;
    st->scale = o->scale;
    st->seed = o->seed;
    st->n_out = n_out;
    st->keep = o->keep_outside_bands;
    if (o->engine && strcmp(o->engine, "abm") != 0) {
        if (strcmp(o->engine, "meanfield") != 0) {
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, "engine",
                              "'%s': the engine is abm or meanfield", o->engine);
            goto fail;
        }
        st->meanfield = 1;
    }
    size_t np = pw_param_count(st->scenario);
    sp = pw_space_new();
    st->param_idx = calloc(np ? np : 1, sizeof(int));
    st->out = calloc(n_out ? n_out : 1, sizeof(sim_out));
    if (!sp || !st->param_idx || !st->out) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto fail;
    }
    if (o->only && (rc = check_only(st->scenario, o->only, err)) != PW_OK)
        goto fail;
    for (size_t i = 0; i < np; i++) {
        double a, b;
        pw_prior_kind k = pw_param_prior(st->scenario, i, &a, &b);
        if (k == PW_PRIOR_FIXED)
            continue;
        if (o->only && !in_list(o->only, pw_param_name(st->scenario, i)))
            continue; /* not analysed: keeps its scenario value */
        rc = pw_space_add(sp, pw_param_name(st->scenario, i),
                          k == PW_PRIOR_LOGUNIFORM ? PW_SPACE_LOGUNIFORM : PW_SPACE_UNIFORM, a, b);
        if (rc != PW_OK) {
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, pw_param_name(st->scenario, i),
                              "unusable prior [%g, %g]", a, b);
            goto fail;
        }
        st->param_idx[st->dim++] = (int)i;
    }
    if (o->base && (rc = strcmp(o->base, "prior") == 0 ? prior_base(st, err)
                                                        : load_base(st, o->base, err)) != PW_OK)
        goto fail;
    if (lay_out_columns(st) != PW_OK) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto fail;
    }
    /* The base row is the space's last entry (index st->dim). */
    if (o->base && pw_space_add(sp, "base.row", PW_SPACE_UNIFORM, 0, (double)st->base.rows)) {
        rc = pw_error_set(err, PW_EINVAL, o->base, 0, NULL, "unusable base posterior");
        goto fail;
    }
    int start = pw_scenario_start_year(st->scenario);
    /* The results' row 0 is the history's first year when there is one. */
    int first = pw_scenario_history_start_year(st->scenario);
    if (first <= 0)
        first = start;
    for (size_t j = 0; j < n_out; j++) {
        sim_out *so = &st->out[j];
        so->metric = so->series = so->per = -1;
        const char *at = strchr(outputs[j], '@');
        if (!at) {
            so->metric = pw_metric_find(outputs[j]);
        } else {
            char name[128];
            size_t len = (size_t)(at - outputs[j]);
            char *end;
            long y = strtol(at + 1, &end, 10);
            if (len < sizeof name && !*end && at[1]) {
                memcpy(name, outputs[j], len);
                name[len] = 0;
                char *slash = strchr(name, '/');
                if (slash) {
                    *slash = 0;
                    if ((so->per = pw_series_find(slash + 1)) < 0) {
                        rc = pw_error_set(err, PW_EINVAL, NULL, 0, outputs[j],
                                          "'%s' is not a column of timeseries.csv", slash + 1);
                        goto fail;
                    }
                }
                so->series = pw_series_find(name);
                so->year = y < first ? 0 : (int)(y - first);
                if (y >= start + st->years) {
                    rc = pw_error_set(err, PW_EINVAL, NULL, 0, outputs[j],
                                      "year %ld lies beyond the %d-year horizon from %d", y,
                                      st->years, start);
                    goto fail;
                }
            }
        }
        if (so->metric < 0 && so->series < 0) {
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, outputs[j],
                              "unknown outcome: use a metric of summary.json or "
                              "<series>@<year> with a column of timeseries.csv");
            goto fail;
        }
    }
    *state = st;
    *space = sp;
    *start_year = start;
    return PW_OK;
fail:
    pw_space_free(sp);
    pwi_problem_sim_free(st);
    return rc;
}

int pwi_problem_sim_eval(void *state, const double *x, uint64_t index, double *y)
{
    const sim_state *st = state;
    pw_scenario *s = pw_scenario_clone(st->scenario);
    if (!s)
        return PW_ENOMEM;
    int rc = PW_OK;
    pw_results *res = NULL;
    /* The base row first: the space's own parameters override it. */
    if (st->base.rows) {
        size_t row = base_row(st, x);
        for (size_t c = 0; c < st->base.cols; c++)
            if ((rc = pw_param_set(s, (size_t)st->base.param[c],
                                   st->base.value[row * st->base.cols + c])) != PW_OK)
                goto done;
    }
    for (size_t i = 0; i < st->dim; i++)
        if ((rc = pw_param_set(s, (size_t)st->param_idx[i], x[i])) != PW_OK)
            goto done;
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = st->years;
    o.runs = 1;
    o.threads = 1; /* the caller parallelises over evaluations */
    o.scale = st->scale;
    o.seed = mix(st->seed ^ mix(index));
    /* A particle outside a band is rejected below whatever its later
     * years hold, so its run stops there (the kept ones are unchanged). */
    o.stop_outside_bands = !st->keep;
    /* With `versus`, both regimes run on the same people and random
     * numbers (pw_sim_run's common random numbers), so the difference
     * carries no between-population noise. */
    pw_regime *regs[2] = {st->regime, st->versus};
    if (st->meanfield) {
        /* One deterministic trajectory per regime, at full scale (the
         * mean field has no sampling error to shrink), in results shaped
         * like the simulator's, bands included. */
        const char *names[2] = {pw_regime_name(st->regime),
                                st->versus ? pw_regime_name(st->versus) : "none"};
        res = pw_results_new(pw_scenario_name(s), pw_scenario_start_year(s), st->years, 1, 0,
                             names, st->versus ? 2 : 1);
        if (!res || pw_results_set_bands(res, s)) {
            rc = PW_ENOMEM;
            goto done;
        }
        for (size_t g = 0; g < (st->versus ? 2u : 1u) && rc == PW_OK; g++)
            rc = pwi_mf_society_run_tol(s, regs[g], 1.0, st->years, res, g, 0, 1e-5, NULL);
        if (rc != PW_OK)
            goto done;
    } else if ((rc = pw_sim_run(s, regs, st->versus ? 2 : 1, &o, &res, NULL)) != PW_OK) {
        goto done;
    }
    /* Counts are reported at full scale by the simulator (pw_results
     * holds scaled-up values), so they compare directly with targets. */
    for (size_t j = 0; j < st->n_out; j++) {
        const sim_out *so = &st->out[j];
        y[j] = 0.0;
        for (size_t g = 0; g < (st->versus ? 2u : 1u); g++) {
            double v = so->metric >= 0 ? pw_results_metric(res, g, 0, (size_t)so->metric)
                                       : pw_results_series(res, g, 0, so->year, (size_t)so->series);
            if (so->per >= 0) {
                double d = pw_results_series(res, g, 0, so->year, (size_t)so->per);
                v = d > 0.0 ? v / d : NAN;
            }
            y[j] += g == 0 ? v : -v;
        }
    }
    /* A particle whose trajectory under the calibration regime leaves a
     * plausibility band of the scenario (bands.c) is rejected: non-finite
     * outputs are never accepted (abc.c's distance is then infinite). */
    for (size_t b = 0; !st->keep && b < pw_results_band_count(res); b++) {
        int year;
        double v;
        if (pw_results_band_left(res, b, 0, 0, &year, &v)) {
            for (size_t j = 0; j < st->n_out; j++)
                y[j] = NAN;
            break;
        }
    }
done:
    pw_results_free(res);
    pw_scenario_free(s);
    return rc;
}
