/*
 * pw_sim_opts by name (sim.h): the options of pw_sim_run for callers that
 * do not lay out the struct themselves, such as the Python package.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/sim.h"

pw_sim_opts *pw_sim_opts_new(void)
{
    pw_sim_opts *o = malloc(sizeof *o);
    if (o)
        pw_sim_opts_default(o);
    return o;
}

void pw_sim_opts_free(pw_sim_opts *o)
{
    free(o);
}

/* The ranges are those `pathways run` accepts for the same options. */
static const struct {
    const char *name;
    double lo, hi;
    int integer;
} fields[] = {
    {"years", 1, 200, 1},   {"runs", 1, 100000, 1}, {"seed", 0, 9007199254740992.0, 1},
    {"threads", 0, 1024, 1}, {"scale", 0, 1, 0},     {"progress", 0, 1, 1},
};

int pw_sim_opts_set(pw_sim_opts *o, const char *name, double v, pw_error *err)
{
    size_t i = 0, n = sizeof fields / sizeof fields[0];
    while (i < n && strcmp(fields[i].name, name) != 0)
        i++;
    if (i == n)
        return pw_error_set(err, PW_ENOTFOUND, NULL, 0, name,
                            "no such option (years, runs, seed, threads, scale, progress)");
    if (!(v >= fields[i].lo && v <= fields[i].hi) || (fields[i].integer && v != floor(v)))
        return pw_error_set(err, PW_EINVAL, NULL, 0, name, "must be %s %g to %g, not %g",
                            fields[i].integer ? "an integer from" : "from", fields[i].lo,
                            fields[i].hi, v);
    switch (i) {
    case 0: o->years = (int)v; break;
    case 1: o->runs = (int)v; break;
    case 2: o->seed = (uint64_t)v; break;
    case 3: o->threads = (int)v; break;
    case 4: o->scale = v; break;
    default: o->progress = (int)v; break;
    }
    return PW_OK;
}

int pw_sim_opts_set_draws(pw_sim_opts *o, size_t n_draws, size_t n_draw_params,
                          const int *draw_param_idx, const double *draws, pw_error *err)
{
    if (n_draws && (!n_draw_params || !draw_param_idx || !draws))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "draws",
                            "%zu draws need their columns and values", n_draws);
    o->n_draws = n_draws;
    o->n_draw_params = n_draws ? n_draw_params : 0;
    o->draw_param_idx = n_draws ? draw_param_idx : NULL;
    o->draws = n_draws ? draws : NULL;
    return PW_OK;
}
