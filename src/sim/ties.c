/*
 * Peer ties: a compressed adjacency list (CSR) built per neighbourhood
 * block (clustering) with Pareto degrees (heavy tail), and the ties made
 * during the run: newcomers (births, immigrants) take the open stubs that
 * people who left have left in their block, so the network keeps its
 * degree distribution and clustering over the years. Household ties are
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
    w->bs = bs;
    w->n_blocks = (n + bs - 1) / bs;
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

/* ---- ties made during the run ------------------------------------------
 *
 * The initial CSR is shared read-only by the regimes' copies of a world,
 * so the ties made later live in a per-world pool: one linked list per
 * agent (xt_head, xt_to, xt_next), prepended. The dynamic configuration
 * model: when someone leaves, each of their living partners gets an open
 * stub in its own block; a newcomer draws a target degree from the same
 * Pareto law as everyone, and takes a random open stub of its block for
 * each of its stubs, or leaves its own stub open for the next newcomer
 * when there is none. So every living person's degree stays its drawn
 * one (less the stubs still open), and ties still form inside blocks of
 * the same size, which keeps the clustering: children join their
 * mother's block; immigrants settle together in new blocks, a new one
 * every `ties.neighbourhood_size` immigrants (a growing city adds
 * neighbourhoods rather than crowding the old ones). */

uint32_t pwi_block_of(const world *w, uint32_t a)
{
    if (a < w->n_initial)
        return a / w->bs;
    assert(a - w->n_initial < w->newblk.n);
    return w->newblk.v[a - w->n_initial];
}

uint32_t pwi_tie_count(const world *w, uint32_t a)
{
    uint32_t k = a < w->n_initial ? w->tie_off[a + 1] - w->tie_off[a] : 0;
    return k + (w->xt_n ? w->xt_n[a] : 0);
}

uint32_t pwi_tie_at(const world *w, uint32_t a, uint32_t k)
{
    uint32_t base = a < w->n_initial ? w->tie_off[a + 1] - w->tie_off[a] : 0;
    if (k < base)
        return w->tie[w->tie_off[a] + k];
    uint32_t e = w->xt_head[a];
    for (k -= base; k > 0; k--)
        e = w->xt_next[e];
    assert(e != UINT32_MAX);
    return w->xt_to[e];
}

/* Allocates the per-agent heads (for w->cap agents) and the per-block
 * stub lists at the first use. */
static int ties_ready(world *w)
{
    if (w->xt_head)
        return PW_OK;
    w->xt_head = malloc((size_t)w->cap * sizeof *w->xt_head);
    w->xt_n = calloc(w->cap, sizeof *w->xt_n);
    w->open_cap = w->n_blocks + 64;
    w->open = calloc(w->open_cap, sizeof *w->open);
    if (!w->xt_head || !w->xt_n || !w->open)
        return PW_ENOMEM;
    memset(w->xt_head, 0xFF, (size_t)w->cap * sizeof *w->xt_head);
    w->imm_block = UINT32_MAX;
    return PW_OK;
}

int pwi_ties_grow(world *w, uint32_t old_cap)
{
    if (!w->xt_head)
        return PW_OK;
    uint32_t *h = realloc(w->xt_head, (size_t)w->cap * sizeof *h);
    if (h)
        w->xt_head = h;
    uint16_t *n = realloc(w->xt_n, (size_t)w->cap * sizeof *n);
    if (n)
        w->xt_n = n;
    if (!h || !n)
        return PW_ENOMEM;
    memset(h + old_cap, 0xFF, (size_t)(w->cap - old_cap) * sizeof *h);
    memset(n + old_cap, 0, (size_t)(w->cap - old_cap) * sizeof *n);
    return PW_OK;
}

/* Adds b to a's extra ties. */
static int add_half(world *w, uint32_t a, uint32_t b)
{
    if (w->xt_n[a] == UINT16_MAX)
        return PW_OK; /* never reached: degrees are capped by the block size */
    if (w->xt_len == w->xt_cap) {
        uint32_t cap = w->xt_cap ? w->xt_cap + w->xt_cap / 2 : 4096;
        uint32_t *to = realloc(w->xt_to, (size_t)cap * sizeof *to);
        if (to)
            w->xt_to = to;
        uint32_t *nx = realloc(w->xt_next, (size_t)cap * sizeof *nx);
        if (nx)
            w->xt_next = nx;
        if (!to || !nx)
            return PW_ENOMEM;
        w->xt_cap = cap;
    }
    uint32_t e = w->xt_len++;
    w->xt_to[e] = b;
    w->xt_next[e] = w->xt_head[a];
    w->xt_head[a] = e;
    w->xt_n[a]++;
    return PW_OK;
}

void pwi_ties_vacate(world *w, uint32_t a)
{
    if (ties_ready(w)) {
        w->error = PW_ENOMEM;
        return;
    }
    /* The ties in pwi_tie_at's order (the initial ones, then the extra ones
     * from the list's head), walked once: pwi_tie_at(w, a, k) for each k
     * would walk the list from its head every time, quadratic in the extra
     * ties of a long-lived person. Nothing below adds to a's own list (a is
     * leaving: it is never an open stub's owner that is still alive). */
    uint32_t n = pwi_tie_count(w, a);
    uint32_t base = a < w->n_initial ? w->tie_off[a + 1] - w->tie_off[a] : 0;
    uint32_t e = w->xt_head[a];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t x;
        if (k < base) {
            x = w->tie[w->tie_off[a] + k];
        } else {
            assert(e != UINT32_MAX);
            x = w->xt_to[e];
            e = w->xt_next[e];
        }
        if (x == a || !(w->flags[x] & AF_ALIVE))
            continue;
        vec32 *open = &w->open[pwi_block_of(w, x)];
        /* A neighbourhood that loses more people than it gains would pile
         * up open stubs and its people would lose friends for good: past
         * twice the mean degree of open stubs, a survivor befriends the
         * owner of a random one (another who lost a friend) at once. */
        if (open->n >= 2 * w->v[PI_TIES_MEAN_DEGREE] + 2) {
            uint32_t p = (uint32_t)(gsl_rng_uniform(at(w, RP_NEWTIES, a, 1u << 31 | k)) * open->n);
            uint32_t y = open->v[p];
            if (y != x && (w->flags[y] & AF_ALIVE)) {
                open->v[p] = open->v[--open->n];
                if (add_half(w, x, y) || add_half(w, y, x))
                    w->error = PW_ENOMEM;
                continue;
            }
        }
        if (vec_push(open, x))
            w->error = PW_ENOMEM;
    }
}

/* The block the next immigrant settles in: a new one every bs arrivals. */
static int immigrant_block(world *w, uint32_t *b)
{
    if (w->imm_block == UINT32_MAX || w->imm_in_block >= w->bs) {
        if (w->n_blocks == w->open_cap) {
            uint32_t cap = w->open_cap + w->open_cap / 4 + 64;
            vec32 *o = realloc(w->open, (size_t)cap * sizeof *o);
            if (!o)
                return PW_ENOMEM;
            memset(o + w->open_cap, 0, (size_t)(cap - w->open_cap) * sizeof *o);
            w->open = o;
            w->open_cap = cap;
        }
        w->imm_block = w->n_blocks++;
        w->imm_in_block = 0;
    }
    w->imm_in_block++;
    *b = w->imm_block;
    return PW_OK;
}

int pwi_ties_join(world *w, uint32_t c, int week)
{
    int rc = ties_ready(w);
    if (rc)
        return rc;
    assert(c >= w->n_initial && c - w->n_initial < w->newblk.n);
    uint32_t *bp = &w->newblk.v[c - w->n_initial], block = *bp;
    if (block == UINT32_MAX && (rc = immigrant_block(w, bp)))
        return rc;
    block = *bp;
    gsl_rng *r = at(w, RP_NEWTIES, c, (uint32_t)week);
    double alpha = w->v[PI_TIES_PARETO_ALPHA], mean = w->v[PI_TIES_MEAN_DEGREE];
    double xm = mean * (alpha - 1) / alpha;
    /* the target degree, as block_stubs draws it */
    double d = mean > 0 ? gsl_ran_pareto(r, alpha, xm) : 0;
    uint32_t cap = w->bs - 1;
    uint32_t k = d > cap ? cap : (uint32_t)(d + gsl_rng_uniform(r));
    vec32 *open = &w->open[block];
    uint32_t left = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint32_t x = UINT32_MAX;
        while (open->n && x == UINT32_MAX) {
            uint32_t p = (uint32_t)(gsl_rng_uniform(r) * open->n);
            x = open->v[p];
            open->v[p] = open->v[--open->n];
            if (!(w->flags[x] & AF_ALIVE))
                x = UINT32_MAX; /* the stub's owner has left too */
        }
        if (x == UINT32_MAX) {
            left++;
            continue;
        }
        if ((rc = add_half(w, c, x)) || (rc = add_half(w, x, c)))
            return rc;
    }
    for (uint32_t j = 0; j < left; j++)
        if ((rc = vec_push(open, c)))
            return rc;
    return PW_OK;
}

/* Copies the ties made during src's run so far into dst (the built CSR is
 * shared and read-only, so it is not copied): the history's ties go into
 * every regime's world at the projection's start (world.c). dst's own
 * tie fields are overwritten, not freed. */
int pwi_ties_copy(world *dst, const world *src)
{
    dst->xt_head = dst->xt_to = dst->xt_next = NULL;
    dst->xt_n = NULL;
    dst->xt_len = dst->xt_cap = 0;
    dst->open = NULL;
    dst->open_cap = 0;
    dst->newblk.v = NULL;
    dst->newblk.n = dst->newblk.cap = 0;
    if (src->newblk.n) {
        if (!(dst->newblk.v = malloc((size_t)src->newblk.n * sizeof *dst->newblk.v)))
            return PW_ENOMEM;
        memcpy(dst->newblk.v, src->newblk.v, (size_t)src->newblk.n * sizeof *dst->newblk.v);
        dst->newblk.n = dst->newblk.cap = src->newblk.n;
    }
    if (!src->xt_head)
        return PW_OK; /* nobody has come or gone yet */
    dst->xt_head = malloc((size_t)src->cap * sizeof *dst->xt_head);
    dst->xt_n = malloc((size_t)src->cap * sizeof *dst->xt_n);
    dst->open = calloc(src->open_cap, sizeof *dst->open);
    if (!dst->xt_head || !dst->xt_n || !dst->open)
        return PW_ENOMEM;
    memcpy(dst->xt_head, src->xt_head, (size_t)src->cap * sizeof *dst->xt_head);
    memcpy(dst->xt_n, src->xt_n, (size_t)src->cap * sizeof *dst->xt_n);
    dst->open_cap = src->open_cap;
    for (uint32_t b = 0; b < src->open_cap; b++) {
        const vec32 *o = &src->open[b];
        if (!o->n)
            continue;
        if (!(dst->open[b].v = malloc((size_t)o->n * sizeof *o->v)))
            return PW_ENOMEM;
        memcpy(dst->open[b].v, o->v, (size_t)o->n * sizeof *o->v);
        dst->open[b].n = dst->open[b].cap = o->n;
    }
    if (src->xt_len) {
        dst->xt_to = malloc((size_t)src->xt_len * sizeof *dst->xt_to);
        dst->xt_next = malloc((size_t)src->xt_len * sizeof *dst->xt_next);
        if (!dst->xt_to || !dst->xt_next)
            return PW_ENOMEM;
        memcpy(dst->xt_to, src->xt_to, (size_t)src->xt_len * sizeof *dst->xt_to);
        memcpy(dst->xt_next, src->xt_next, (size_t)src->xt_len * sizeof *dst->xt_next);
        dst->xt_len = dst->xt_cap = src->xt_len;
    }
    return PW_OK;
}
