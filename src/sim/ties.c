/*
 * Peer ties: a compressed adjacency list (CSR) built per neighbourhood
 * block (clustering) with Pareto degrees (heavy tail). Household ties are
 * implicit (initial households are contiguous, see population.c).
 */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* Peer ties: a configuration model inside each neighbourhood block of
 * consecutive agents (so friends of friends are often friends), degrees
 * from a Pareto law (a heavy tail of very connected people). Built twice
 * from the same random numbers: once to count, once to fill the CSR. */
static int block_edges(world *w, uint32_t b, uint32_t lo, uint32_t hi, uint32_t *stubs,
                       uint32_t *deg_count, uint32_t *fill_pos)
{
    gsl_rng *r = at(w, RP_TIES, b, 0);
    double alpha = w->v[PI_TIES_PARETO_ALPHA], mean = w->v[PI_TIES_MEAN_DEGREE];
    double xm = mean * (alpha - 1) / alpha;
    uint32_t ns = 0, cap = hi - lo - 1;
    for (uint32_t a = lo; a < hi; a++) {
        double d = mean > 0 ? gsl_ran_pareto(r, alpha, xm) : 0;
        uint32_t k = d > cap ? cap : (uint32_t)(d + gsl_rng_uniform(r));
        for (uint32_t j = 0; j < k; j++)
            stubs[ns++] = a;
    }
    if (ns > 1) /* gsl_ran_shuffle needs n >= 1 */
        gsl_ran_shuffle(r, stubs, ns, sizeof *stubs);
    for (uint32_t j = 0; j + 1 < ns; j += 2) {
        uint32_t x = stubs[j], y = stubs[j + 1];
        if (x == y)
            continue;
        if (deg_count) {
            deg_count[x]++;
            deg_count[y]++;
        } else {
            w->tie[fill_pos[x]++] = y;
            w->tie[fill_pos[y]++] = x;
        }
    }
    return PW_OK;
}

int pwi_build_ties(world *w)
{
    uint32_t n = w->n_initial, bs = (uint32_t)w->v[PI_TIES_BLOCK];
    w->tie_off = calloc((size_t)n + 1, sizeof *w->tie_off);
    uint32_t *stubs = malloc((size_t)bs * bs * sizeof *stubs);
    if (!w->tie_off || !stubs) {
        free(stubs);
        return PW_ENOMEM;
    }
    uint32_t *deg = w->tie_off + 1; /* count into off[a+1], then prefix-sum */
    for (uint32_t lo = 0, b = 0; lo < n; lo += bs, b++) {
        uint32_t hi = lo + bs < n ? lo + bs : n;
        if (hi - lo > 1)
            block_edges(w, b, lo, hi, stubs, deg, NULL);
    }
    for (uint32_t a = 0; a < n; a++)
        w->tie_off[a + 1] += w->tie_off[a];
    w->tie = malloc(((size_t)w->tie_off[n] + 1) * sizeof *w->tie);
    uint32_t *pos = malloc((size_t)n * sizeof *pos);
    if (!w->tie || !pos) {
        free(stubs);
        free(pos);
        return PW_ENOMEM;
    }
    memcpy(pos, w->tie_off, (size_t)n * sizeof *pos);
    for (uint32_t lo = 0, b = 0; lo < n; lo += bs, b++) {
        uint32_t hi = lo + bs < n ? lo + bs : n;
        if (hi - lo > 1)
            block_edges(w, b, lo, hi, stubs, NULL, pos);
    }
    free(pos);
    free(stubs);
    return PW_OK;
}
