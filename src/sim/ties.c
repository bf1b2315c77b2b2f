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
 * so the ties made later live in a per-world store. The dynamic
 * configuration model: when someone leaves, each of their living partners
 * gets an open stub in its own block; a newcomer draws a target degree
 * from the same Pareto law as everyone, and takes a random open stub of
 * its block for each of its stubs, or leaves its own stub open for the
 * next newcomer when there is none. So every living person's degree stays
 * its drawn one (less the stubs still open), and ties still form inside
 * blocks of the same size, which keeps the clustering: children join
 * their mother's block; immigrants settle together in new blocks, a new
 * one every `ties.neighbourhood_size` immigrants (a growing city adds
 * neighbourhoods rather than crowding the old ones).
 *
 * The store: each agent's partners lie together in one block of a pool of
 * 32-bit agent numbers (w->xt_pool), oldest first, and w->xt[a] says
 * where and how many. Why not a linked list per agent (as before): 8 bytes
 * a tie (partner and next) and, to read the k-th tie, k dependent cache
 * misses through a pool filled over twenty years; reading a random tie
 * (peer initiation) and walking a leaver's ties were a fifth of a
 * Kazakhstan run, and the list was most of its extra memory (1.9 GB
 * against 1.1 GB). Why not a CSR rebuilt every year: exact, but a yearly
 * copy of every tie and a second structure for the year's new ties. A
 * block holds a power of two or 1.5 times one (1, 2, 3, 4, 6, 8, 12, ...),
 * so it is at least two-thirds full past 3 ties; when it is full the
 * agent moves to the next size and its old block goes to that size's free
 * list, which later movers and newcomers reuse; a leaver's block is freed
 * too. Reading is newest first (k-th extra tie = off + n - 1 - k), the
 * order of the old lists, so every draw picks the same partner. */

enum { XT_NONE = UINT32_MAX };
/* A newcomer's target degree is below ties.neighbourhood_size (at most
 * 4096, sim_params.h). */
enum { XT_MAX_JOIN = 4096 };

/* Capacity of block size class c: 1, then 2^((c+1)/2) for odd c and
 * 3 x 2^(c/2-1) for even c: 1, 2, 3, 4, 6, 8, 12, 16, 24, ..., 65536. */
static uint32_t class_cap(unsigned c)
{
    return c == 0 ? 1 : (c & 1) ? 1u << ((c + 1) / 2) : 3u << (c / 2 - 1);
}

/* The smallest class that holds n >= 1 ties. */
static unsigned class_of(uint32_t n)
{
    assert(n >= 1 && n <= 65536);
    unsigned p = 31u - (unsigned)__builtin_clz(n); /* 2^p <= n < 2^(p+1) */
    if (n == 1u << p)
        return p ? 2 * p - 1 : 0;
    return n <= 3u << (p - 1) ? 2 * p : 2 * p + 1;
}

uint32_t pwi_block_of(const world *w, uint32_t a)
{
    if (a < w->n_initial)
        return a / w->bs;
    assert(a - w->n_initial < w->newblk.n);
    return w->newblk.v[a - w->n_initial];
}

uint32_t pwi_tie_count(const world *w, uint32_t a)
{
    if (w->xt)
        return (uint32_t)w->xt[a].base + w->xt[a].n;
    return a < w->n_initial ? w->tie_off[a + 1] - w->tie_off[a] : 0;
}

uint32_t pwi_tie_at(const world *w, uint32_t a, uint32_t k)
{
    if (!w->xt) {
        assert(a < w->n_initial && k < w->tie_off[a + 1] - w->tie_off[a]);
        return w->tie[w->tie_off[a] + k];
    }
    pwi_xt x = w->xt[a];
    if (k < x.base)
        return w->tie[w->tie_off[a] + k];
    k -= x.base;
    assert(k < x.n);
    return w->xt_pool[x.off + x.n - 1 - k];
}

/* Allocates the per-agent entries (for w->cap agents) and the per-block
 * stub lists at the first use. */
static int ties_ready(world *w)
{
    if (w->xt)
        return PW_OK;
    assert(w->bs <= 65536); /* a degree (< bs) fits pwi_xt.base */
    w->xt = calloc(w->cap, sizeof *w->xt);
    w->open_cap = w->n_blocks + 64;
    w->open = calloc(w->open_cap, sizeof *w->open);
    if (!w->xt || !w->open)
        return PW_ENOMEM;
    for (uint32_t a = 0; a < w->n_initial; a++)
        w->xt[a].base = (uint16_t)(w->tie_off[a + 1] - w->tie_off[a]);
    w->imm_block = UINT32_MAX;
    return PW_OK;
}

int pwi_ties_grow(world *w, uint32_t old_cap)
{
    if (!w->xt)
        return PW_OK;
    pwi_xt *x = realloc(w->xt, (size_t)w->cap * sizeof *x);
    if (!x)
        return PW_ENOMEM;
    memset(x + old_cap, 0, (size_t)(w->cap - old_cap) * sizeof *x);
    w->xt = x;
    return PW_OK;
}

/* A block of class c: from the class's free list, else from the pool's
 * end (the pool grows by half; offsets are 32-bit). The free lists are
 * stacks of offsets, not links kept in the free blocks: taking a block
 * then reads the top of a small array rather than the block itself, a
 * cache miss that the move waited on. */
static int block_alloc(world *w, unsigned c, uint32_t *off)
{
    uint32_t size = class_cap(c);
    if (w->xt_free[c].n) {
        *off = w->xt_free[c].v[--w->xt_free[c].n];
        return PW_OK;
    }
    if ((uint64_t)w->xt_len + size > w->xt_cap) {
        uint64_t cap = (uint64_t)w->xt_cap + w->xt_cap / 2;
        if (cap < 4096)
            cap = 4096;
        if (cap < (uint64_t)w->xt_len + size)
            cap = (uint64_t)w->xt_len + size;
        if (cap > XT_NONE)
            cap = XT_NONE; /* offsets stay below XT_NONE */
        if ((uint64_t)w->xt_len + size > cap)
            return PW_ENOMEM;
        uint32_t *p = realloc(w->xt_pool, (size_t)cap * sizeof *p);
        if (!p)
            return PW_ENOMEM;
        w->xt_pool = p;
        w->xt_cap = (uint32_t)cap;
    }
    *off = w->xt_len;
    w->xt_len += size;
    return PW_OK;
}

/* Puts the block at off (class c) on its class's free list. */
static int block_free(world *w, unsigned c, uint32_t off)
{
    return vec_push(&w->xt_free[c], off);
}

/* Adds b to a's extra ties, moving a to a block of the next size when
 * its block is full. */
static int add_half(world *w, uint32_t a, uint32_t b)
{
    uint32_t n = w->xt[a].n;
    /* never reached: a person's ties made during the run are bounded by
     * the people of its block who ever left, far below 65535 */
    if (n == UINT16_MAX)
        return PW_ENOMEM;
    if (n == 0 || n == class_cap(class_of(n))) {
        unsigned c = n ? class_of(n) + 1 : 0;
        uint32_t off;
        int rc = block_alloc(w, c, &off);
        if (rc)
            return rc;
        if (n) {
            memcpy(w->xt_pool + off, w->xt_pool + w->xt[a].off, (size_t)n * sizeof *w->xt_pool);
            if ((rc = block_free(w, c - 1, w->xt[a].off)))
                return rc;
        }
        w->xt[a].off = off;
    }
    w->xt_pool[w->xt[a].off + n] = b;
    w->xt[a].n = (uint16_t)(n + 1);
    return PW_OK;
}

void pwi_ties_vacate(world *w, uint32_t a)
{
    if (ties_ready(w)) {
        w->error = PW_ENOMEM;
        return;
    }
    /* The ties in pwi_tie_at's order: the initial ones, then the extra
     * ones newest first. a's block stays where it is during the loop
     * (nothing below adds to a's ties: a is no longer alive, so it is
     * never taken as an open stub's owner), but the pool may move, so it
     * is indexed afresh each time. */
    const pwi_xt x = w->xt[a];
    uint32_t n = (uint32_t)x.base + x.n;
    /* Every tie lies inside one block (the CSR's by construction, the ones
     * made here between a stub's owner and its block's newcomers), so the
     * partners' stubs all go to a's block: one lookup, not one per partner
     * (for a newcomer partner, a random read of newblk). */
    uint32_t block = pwi_block_of(w, a);
    vec32 *open = &w->open[block];
    /* The partners' flags, fetched together before the loop reads them
     * one by one (a newcomer partner's are a cache miss each). */
    for (uint32_t k = 0; k < n; k++)
        __builtin_prefetch(&w->flags[k < x.base ? w->tie[w->tie_off[a] + k]
                                                : w->xt_pool[x.off + x.n - 1 - (k - x.base)]]);
    /* In a neighbourhood with many open stubs the survivors befriend
     * their owners below (each a tie added to both): the entries of the
     * partners and of the stubs' owners, and the owners' flags, fetched
     * together too (these ties were half of the moves between blocks). */
    if (open->n >= 2 * w->v[PI_TIES_MEAN_DEGREE] + 2) {
        for (uint32_t k = 0; k < n; k++)
            __builtin_prefetch(&w->xt[k < x.base ? w->tie[w->tie_off[a] + k]
                                                 : w->xt_pool[x.off + x.n - 1 - (k - x.base)]]);
        for (uint32_t j = 0; j < open->n; j++) {
            __builtin_prefetch(&w->flags[open->v[j]]);
            __builtin_prefetch(&w->xt[open->v[j]]);
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t y0 = k < x.base ? w->tie[w->tie_off[a] + k]
                                 : w->xt_pool[x.off + x.n - 1 - (k - x.base)];
        if (y0 == a || !(w->flags[y0] & AF_ALIVE))
            continue;
        assert(pwi_block_of(w, y0) == block);
        /* A neighbourhood that loses more people than it gains would pile
         * up open stubs and its people would lose friends for good: past
         * twice the mean degree of open stubs, a survivor befriends the
         * owner of a random one (another who lost a friend) at once. */
        if (open->n >= 2 * w->v[PI_TIES_MEAN_DEGREE] + 2) {
            uint32_t p = (uint32_t)(gsl_rng_uniform(at(w, RP_NEWTIES, a, 1u << 31 | k)) * open->n);
            uint32_t y = open->v[p];
            if (y != y0 && (w->flags[y] & AF_ALIVE)) {
                open->v[p] = open->v[--open->n];
                if (add_half(w, y0, y) || add_half(w, y, y0))
                    w->error = PW_ENOMEM;
                continue;
            }
        }
        if (vec_push(open, y0))
            w->error = PW_ENOMEM;
    }
    /* Nothing reads a departed person's ties again (peer initiation
     * starts from people in the community): its block goes back to the
     * pool for the living, and its initial ties are dropped from the CSR
     * at the next compaction (pwi_ties_compact). */
    w->csr_dead += x.base;
    if (x.n) {
        if (block_free(w, class_of(x.n), x.off))
            w->error = PW_ENOMEM;
        w->xt[a].n = 0;
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
    /* c's partners are gathered here and c gets one block of the right
     * size at the end, instead of growing through the sizes below it one
     * tie at a time (each move a copy and a cache miss). */
    uint32_t got[XT_MAX_JOIN];
    uint32_t m = 0;
    assert(k <= XT_MAX_JOIN);
    /* The open stubs' owners lie in c's block: their flags are a line or
     * two for the initial agents, scattered for newcomers; fetched all at
     * once rather than one miss per draw. */
    for (uint32_t j = 0; j < open->n; j++)
        __builtin_prefetch(&w->flags[open->v[j]]);
    for (uint32_t j = 0; j < k; j++) {
        uint32_t x = UINT32_MAX;
        while (open->n && x == UINT32_MAX) {
            uint32_t p = (uint32_t)(gsl_rng_uniform(r) * open->n);
            x = open->v[p];
            open->v[p] = open->v[--open->n];
            if (!(w->flags[x] & AF_ALIVE))
                x = UINT32_MAX; /* the stub's owner has left too */
        }
        if (x == UINT32_MAX)
            break; /* no open stub left: the rest of c's stubs stay open */
        got[m++] = x;
    }
    /* The partners' halves, after all of them are drawn (add_half draws
     * nothing and touches neither the open stubs nor the flags, so the
     * draws are those of one loop doing both): their entries are fetched
     * together first, so the k cache misses overlap instead of following
     * one another (they were most of add_half's time in a Kazakhstan
     * run), then the ends of their blocks. */
    for (uint32_t j = 0; j < m; j++)
        __builtin_prefetch(&w->xt[got[j]]);
    for (uint32_t j = 0; j < m; j++) {
        /* where add_half reads or writes: the block's start if it is
         * full (it moves), else the next free word */
        pwi_xt x = w->xt[got[j]];
        if (x.n)
            __builtin_prefetch(&w->xt_pool[x.n == class_cap(class_of(x.n)) ? x.off : x.off + x.n]);
    }
    for (uint32_t j = 0; j < m; j++)
        if ((rc = add_half(w, got[j], c)))
            return rc;
    assert(w->xt[c].n == 0);
    if (m) {
        uint32_t off;
        if ((rc = block_alloc(w, class_of(m), &off)))
            return rc;
        memcpy(w->xt_pool + off, got, (size_t)m * sizeof *got);
        w->xt[c].off = off;
        w->xt[c].n = (uint16_t)m;
    }
    for (uint32_t j = m; j < k; j++)
        if ((rc = vec_push(open, c)))
            return rc;
    return PW_OK;
}

int pwi_ties_compact(world *w)
{
    if (w->shared || !w->xt || w->csr_dead < w->tie_off[w->n_initial] / 8)
        return PW_OK;
    /* In place, in agent order: a row only moves towards the front, and
     * each row's old bounds are read before its offset is rewritten. A
     * departed agent keeps an empty row (and base 0, so pwi_tie_count
     * agrees); the living keep their ties in the same order, so every
     * draw along them picks the same partner. */
    uint32_t *off = w->tie_off, pos = 0;
    for (uint32_t a = 0; a < w->n_initial; a++) {
        uint32_t lo = off[a], hi = off[a + 1];
        off[a] = pos;
        if (w->flags[a] & AF_ALIVE) {
            if (pos != lo)
                memmove(w->tie + pos, w->tie + lo, (size_t)(hi - lo) * sizeof *w->tie);
            pos += hi - lo;
        } else {
            w->xt[a].base = 0;
        }
    }
    off[w->n_initial] = pos;
    w->csr_dead = 0;
    /* the freed tail goes back to the system (+1: never a zero size) */
    uint32_t *t = realloc(w->tie, ((size_t)pos + 1) * sizeof *t);
    if (t)
        w->tie = t;
    return PW_OK;
}

/* ---- copy and free ------------------------------------------------------ */

static void *dup_n(const void *p, size_t n)
{
    if (!p || !n)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

/* Forgets (does not free) w's store: the state of a world with none. */
static void ties_forget(world *w)
{
    w->xt = NULL;
    w->xt_pool = NULL;
    w->xt_len = w->xt_cap = 0;
    memset(w->xt_free, 0, sizeof w->xt_free);
    w->open = NULL;
    w->open_cap = 0;
    w->newblk.v = NULL;
    w->newblk.n = w->newblk.cap = 0;
}

int pwi_ties_copy(world *dst, const world *src)
{
    assert(dst != src);
    int rc = PW_ENOMEM;
    ties_forget(dst);
    dst->n_blocks = src->n_blocks;
    dst->imm_block = src->imm_block;
    dst->imm_in_block = src->imm_in_block;
    if (pwi_vec_dup(&dst->newblk, &src->newblk))
        goto done;
    if (src->xt) {
        assert(dst->cap == src->cap);
        for (unsigned c = 0; c < PWI_XT_CLASSES; c++)
            if (pwi_vec_dup(&dst->xt_free[c], &src->xt_free[c]))
                goto done;
        dst->xt = dup_n(src->xt, (size_t)src->cap * sizeof *src->xt);
        dst->open = calloc(src->open_cap, sizeof *dst->open);
        if (!dst->xt || !dst->open)
            goto done;
        dst->open_cap = src->open_cap;
        if (src->xt_len) {
            /* the words in use only: the copy grows when it needs to */
            dst->xt_pool = dup_n(src->xt_pool, (size_t)src->xt_len * sizeof *src->xt_pool);
            if (!dst->xt_pool)
                goto done;
            dst->xt_len = dst->xt_cap = src->xt_len;
        }
        for (uint32_t b = 0; b < src->open_cap; b++)
            if (pwi_vec_dup(&dst->open[b], &src->open[b]))
                goto done;
    }
    rc = PW_OK;
done:
    if (rc)
        pwi_ties_free(dst);
    return rc;
}

void pwi_ties_free(world *w)
{
    free(w->xt);
    free(w->xt_pool);
    if (w->open)
        for (uint32_t b = 0; b < w->open_cap; b++)
            free(w->open[b].v);
    free(w->open);
    free(w->newblk.v);
    for (unsigned c = 0; c < PWI_XT_CLASSES; c++)
        free(w->xt_free[c].v);
    ties_forget(w);
}
