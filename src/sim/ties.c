/*
 * Peer ties: a compressed adjacency list (CSR) built per neighbourhood
 * block (clustering) with Pareto degrees (heavy tail). Household ties are
 * implicit (initial households are contiguous, see population.c).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* Peer ties: a configuration model inside each neighbourhood block of
 * consecutive agents (so friends of friends are often friends), degrees
 * from a Pareto law (a heavy tail of very connected people). Fills
 * stubs[] with the block's shuffled stubs (consecutive pairs are the
 * ties) and returns their number. */
static uint32_t block_stubs(world *w, uint32_t b, uint32_t lo, uint32_t hi, uint32_t *stubs)
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
    /* gsl_ran_shuffle's permutation, without its per-element overhead */
    pw_rng_shuffle_u32(r, stubs, ns);
    return ns;
}

/* Makes room for `need` ties in w->tie (*cap of them allocated). */
static int reserve_ties(world *w, size_t need, size_t *cap)
{
    if (need <= *cap)
        return PW_OK;
    size_t c = *cap + *cap / 4;
    if (c < need)
        c = need;
    uint32_t *t = realloc(w->tie, c * sizeof *t);
    if (!t)
        return PW_ENOMEM;
    w->tie = t;
    *cap = c;
    return PW_OK;
}

/* The CSR is built block by block in one pass over the random numbers:
 * ties never leave their block, so a block's offsets follow from its own
 * degrees once the earlier blocks are in, and each agent's ties are
 * appended in the order of the shuffled pairs. (It was built twice from
 * the same numbers, once to count and once to fill, and the shuffle was a
 * tenth of a run.) */
int pwi_build_ties(world *w)
{
    uint32_t n = w->n_initial, bs = (uint32_t)w->v[PI_TIES_BLOCK];
    int rc = PW_OK;
    w->tie_off = calloc((size_t)n + 1, sizeof *w->tie_off);
    uint32_t *stubs = malloc((size_t)bs * bs * sizeof *stubs);
    uint32_t *pos = malloc((size_t)bs * sizeof *pos);
    /* First guess at the size: the mean degree and some slack (growth is
     * by realloc, and the array is trimmed at the end). */
    size_t cap = 0;
    if (!w->tie_off || !stubs || !pos ||
        reserve_ties(w, (size_t)((double)n * w->v[PI_TIES_MEAN_DEGREE] * 1.05) + 1024, &cap)) {
        rc = PW_ENOMEM;
        goto done;
    }
    uint32_t *off = w->tie_off;
    for (uint32_t lo = 0, b = 0; lo < n; lo += bs, b++) {
        uint32_t hi = lo + bs < n ? lo + bs : n;
        if (hi - lo < 2) {
            for (uint32_t a = lo; a < hi; a++)
                off[a + 1] = off[a];
            continue;
        }
        uint32_t ns = block_stubs(w, b, lo, hi, stubs);
        /* degrees into off[a + 1], then the prefix sum over the block */
        for (uint32_t j = 0; j + 1 < ns; j += 2)
            if (stubs[j] != stubs[j + 1]) {
                off[stubs[j] + 1]++;
                off[stubs[j + 1] + 1]++;
            }
        for (uint32_t a = lo; a < hi; a++) {
            off[a + 1] += off[a];
            pos[a - lo] = off[a];
        }
        if ((rc = reserve_ties(w, off[hi], &cap)))
            goto done;
        for (uint32_t j = 0; j + 1 < ns; j += 2) {
            uint32_t x = stubs[j], y = stubs[j + 1];
            if (x == y)
                continue;
            w->tie[pos[x - lo]++] = y;
            w->tie[pos[y - lo]++] = x;
        }
    }
    assert(off[n] <= cap);
    /* trim to the ties made (+1: never a zero-size allocation) */
    uint32_t *t = realloc(w->tie, ((size_t)off[n] + 1) * sizeof *t);
    if (t)
        w->tie = t;
done:
    free(pos);
    free(stubs);
    return rc;
}
