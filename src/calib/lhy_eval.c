/*
 * The LHY model wrapped as a pw_eval_fn, so ABC-SMC, Sobol and Morris can
 * run it: set the uncertain parameters, solve monthly, extract outputs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/calib.h"

enum { S_LIGHT, S_HEAVY, S_MEMORY, S_INIT, S_USERS, S_COUNT };
static const char *const series_names[S_COUNT] = {"light", "heavy", "memory", "initiation", "users"};
enum { ST_AT, ST_PEAK, ST_PEAK_YEAR, ST_END, ST_TOTAL };

typedef struct {
    int series, stat, year;
} out_spec;

struct pw_lhy_eval {
    pw_lhy_scenario base;
    const pw_space *sp;
    int years;
    size_t n_out;
    out_spec *spec;
};

#define PER_YEAR 12

void pw_lhy_eval_free(pw_lhy_eval *ev)
{
    if (!ev)
        return;
    free(ev->spec);
    free(ev);
}

static int parse_output(const char *s, const pw_lhy_scenario *sc, int years, out_spec *o)
{
    for (int k = 0; k < S_COUNT; k++) {
        size_t n = strlen(series_names[k]);
        if (strncmp(s, series_names[k], n) != 0)
            continue;
        const char *rest = s + n;
        o->series = k;
        if (rest[0] == '@') {
            char *end;
            long y = strtol(rest + 1, &end, 10);
            if (*end || y < sc->start_year || y > sc->start_year + years)
                return PW_EINVAL;
            o->stat = ST_AT;
            o->year = (int)y;
            return PW_OK;
        }
        static const char *const stats[] = {"_peak", "_peak_year", "_end", "_total"};
        static const int codes[] = {ST_PEAK, ST_PEAK_YEAR, ST_END, ST_TOTAL};
        for (int j = 0; j < 4; j++)
            if (strcmp(rest, stats[j]) == 0) {
                o->stat = codes[j];
                return PW_OK;
            }
    }
    return PW_EINVAL;
}

int pw_lhy_eval_new(const pw_lhy_scenario *sc, const pw_space *sp, int years,
                    const char *const *outputs, size_t n_out, pw_lhy_eval **out, pw_error *err)
{
    if (years < 1 || n_out == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "need years >= 1 and an output");
    /* Check every uncertain parameter names a model quantity. */
    pw_lhy_scenario probe = *sc;
    for (size_t i = 0; sp && i < pw_space_dim(sp); i++)
        if (pw_lhy_scenario_set(&probe, pw_space_name(sp, i), pw_space_lo(sp, i)) != PW_OK)
            return pw_error_set(err, PW_EINVAL, NULL, 0, pw_space_name(sp, i),
                                "not a parameter of the LHY model");
    pw_lhy_eval *ev = calloc(1, sizeof *ev);
    if (!ev || !(ev->spec = calloc(n_out, sizeof(out_spec)))) {
        pw_lhy_eval_free(ev);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    for (size_t j = 0; j < n_out; j++)
        if (parse_output(outputs[j], sc, years, &ev->spec[j]) != PW_OK) {
            pw_lhy_eval_free(ev);
            return pw_error_set(err, PW_EINVAL, NULL, 0, outputs[j],
                                "unknown LHY output (use light|heavy|memory|initiation|users "
                                "with @YEAR in %d..%d, or _peak, _peak_year, _end, _total)",
                                sc->start_year, sc->start_year + years);
        }
    ev->base = *sc;
    ev->sp = sp;
    ev->years = years;
    ev->n_out = n_out;
    *out = ev;
    return PW_OK;
}

static double value(const pw_lhy_params *p, const double *y, int series)
{
    switch (series) {
    case S_INIT: return pw_lhy_initiation(p, y[0], y[1], y[2]);
    case S_USERS: return y[0] + y[1];
    default: return y[series];
    }
}

int pw_lhy_eval_run(void *ctx, const double *x, uint64_t index, double *y)
{
    (void)index; /* deterministic */
    const pw_lhy_eval *ev = ctx;
    pw_lhy_scenario sc = ev->base;
    for (size_t i = 0; ev->sp && i < pw_space_dim(ev->sp); i++)
        if (pw_lhy_scenario_set(&sc, pw_space_name(ev->sp, i), x[i]) != PW_OK)
            return PW_EINVAL;
    size_t n = (size_t)ev->years * PER_YEAR;
    double *traj = malloc((n + 1) * 3 * sizeof(double));
    if (!traj)
        return PW_ENOMEM;
    if (pw_lhy_solve(&sc.p, sc.y0, ev->years, PER_YEAR, traj, NULL) != PW_OK) {
        /* A parameter set the solver cannot follow: report "no fit" as NaN
         * outputs rather than aborting the whole analysis. */
        for (size_t j = 0; j < ev->n_out; j++)
            y[j] = NAN;
        free(traj);
        return PW_OK;
    }
    for (size_t j = 0; j < ev->n_out; j++) {
        const out_spec *o = &ev->spec[j];
        if (o->stat == ST_AT) {
            y[j] = value(&sc.p, traj + 3 * (size_t)(o->year - sc.start_year) * PER_YEAR, o->series);
            continue;
        }
        double best = -INFINITY, tot = 0.0;
        size_t kbest = 0;
        for (size_t k = 0; k <= n; k++) {
            double v = value(&sc.p, traj + 3 * k, o->series);
            if (v > best) {
                best = v;
                kbest = k;
            }
            /* Trapezoid rule over monthly points. */
            if (k > 0)
                tot += 0.5 * (v + value(&sc.p, traj + 3 * (k - 1), o->series)) / PER_YEAR;
        }
        switch (o->stat) {
        case ST_PEAK: y[j] = best; break;
        case ST_PEAK_YEAR: y[j] = sc.start_year + (double)kbest / PER_YEAR; break;
        case ST_END: y[j] = value(&sc.p, traj + 3 * n, o->series); break;
        default: y[j] = tot; break;
        }
    }
    free(traj);
    return PW_OK;
}
