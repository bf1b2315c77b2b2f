/*
 * A box of uncertain parameters with uniform or log-uniform priors. All
 * the samplers work in unit coordinates u in [0,1]^dim, where both kinds of
 * prior are uniform, and map to natural units only to call the model.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/calib.h"
#include "calib_internal.h"

struct pw_space {
    size_t n, cap;
    char **name;
    pw_space_kind *kind;
    double *lo, *hi;
};

pw_space *pw_space_new(void)
{
    return calloc(1, sizeof(pw_space));
}

void pw_space_free(pw_space *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++)
        free(sp->name[i]);
    free(sp->name);
    free(sp->kind);
    free(sp->lo);
    free(sp->hi);
    free(sp);
}

int pw_space_add(pw_space *sp, const char *name, pw_space_kind kind, double lo, double hi)
{
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
        return PW_EINVAL;
    if (kind == PW_SPACE_LOGUNIFORM && !(lo > 0.0))
        return PW_EINVAL;
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? 2 * sp->cap : 8;
        char **nm = realloc(sp->name, cap * sizeof *nm);
        if (!nm)
            return PW_ENOMEM;
        sp->name = nm;
        pw_space_kind *k = realloc(sp->kind, cap * sizeof *k);
        if (!k)
            return PW_ENOMEM;
        sp->kind = k;
        double *l = realloc(sp->lo, cap * sizeof *l);
        if (!l)
            return PW_ENOMEM;
        sp->lo = l;
        double *h = realloc(sp->hi, cap * sizeof *h);
        if (!h)
            return PW_ENOMEM;
        sp->hi = h;
        sp->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return PW_ENOMEM;
    sp->name[sp->n] = copy;
    sp->kind[sp->n] = kind;
    sp->lo[sp->n] = lo;
    sp->hi[sp->n] = hi;
    sp->n++;
    return PW_OK;
}

size_t pw_space_dim(const pw_space *sp) { return sp->n; }
const char *pw_space_name(const pw_space *sp, size_t i) { assert(i < sp->n); return sp->name[i]; }
pw_space_kind pw_space_kind_of(const pw_space *sp, size_t i) { assert(i < sp->n); return sp->kind[i]; }
double pw_space_lo(const pw_space *sp, size_t i) { assert(i < sp->n); return sp->lo[i]; }
double pw_space_hi(const pw_space *sp, size_t i) { assert(i < sp->n); return sp->hi[i]; }

double pw_space_from_unit(const pw_space *sp, size_t i, double u)
{
    assert(i < sp->n);
    if (sp->kind[i] == PW_SPACE_LOGUNIFORM)
        return exp(log(sp->lo[i]) + u * (log(sp->hi[i]) - log(sp->lo[i])));
    return sp->lo[i] + u * (sp->hi[i] - sp->lo[i]);
}

double pw_space_to_unit(const pw_space *sp, size_t i, double x)
{
    assert(i < sp->n);
    if (sp->kind[i] == PW_SPACE_LOGUNIFORM)
        return (log(x) - log(sp->lo[i])) / (log(sp->hi[i]) - log(sp->lo[i]));
    return (x - sp->lo[i]) / (sp->hi[i] - sp->lo[i]);
}

void pwi_space_map(const pw_space *sp, const double *u, double *x)
{
    for (size_t i = 0; i < sp->n; i++)
        x[i] = pw_space_from_unit(sp, i, u[i]);
}

int pwi_threads(int requested)
{
    if (requested > 0)
        return requested;
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
}
