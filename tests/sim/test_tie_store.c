/* The store of ties made during the run (ties.c, ties.h): over years of
 * births, deaths, emigration and immigration no tie is lost (every living
 * person's ties to the living plus its open stubs stay its initial
 * degree; ties stay symmetric and inside their block), a copy of the
 * store is deep and complete (a world whose store was copied in goes on
 * exactly as the original), and newcomers get the degrees of the initial
 * population. */
#include <string.h>

#include "simworld.h"

/* Multiplicity of b among a's ties. */
static uint32_t mult(const world *w, uint32_t a, uint32_t b)
{
    uint32_t n = pwi_tie_count(w, a), c = 0;
    for (uint32_t k = 0; k < n; k++)
        c += pwi_tie_at(w, a, k) == b;
    return c;
}

/* Open stubs by owner (living owners only), into a calloc'd array. */
static uint32_t *open_by_owner(const world *w)
{
    uint32_t *o = calloc(w->n, sizeof *o);
    assert_non_null(o);
    for (uint32_t b = 0; w->open && b < w->n_blocks; b++)
        for (uint32_t j = 0; j < w->open[b].n; j++) {
            uint32_t x = w->open[b].v[j];
            assert_int_equal(pwi_block_of(w, x), b); /* a stub waits in its owner's block */
            if (w->flags[x] & AF_ALIVE)
                o[x]++;
        }
    return o;
}

/* The invariants of the dynamic configuration model among the living. */
static void check_no_tie_lost(const world *w)
{
    uint32_t *open = open_by_owner(w);
    uint64_t extra = 0, newcomers = 0;
    uint32_t most = 0; /* the most ties made during the run of one living person */
    for (uint32_t a = 0; a < w->n; a++) {
        if (!(w->flags[a] & AF_ALIVE))
            continue;
        uint32_t n = pwi_tie_count(w, a), living = 0;
        if (w->xt && w->xt[a].n > most)
            most = w->xt[a].n;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t x = pwi_tie_at(w, a, k);
            assert_true(x < w->n && x != a);
            assert_int_equal(pwi_block_of(w, x), pwi_block_of(w, a));
            if (!(w->flags[x] & AF_ALIVE))
                continue;
            living++;
            /* a tie between two living people is in both lists */
            assert_int_equal(mult(w, a, x), mult(w, x, a));
        }
        if (a < w->n_initial) {
            /* a lost tie is an open stub or was replaced by a new one */
            assert_int_equal(living + open[a], w->tie_off[a + 1] - w->tie_off[a]);
            extra += n - (w->tie_off[a + 1] - w->tie_off[a]);
        } else {
            assert_true(living + open[a] < w->bs); /* a degree drawn as block_stubs draws one */
            newcomers++;
        }
    }
    fprintf(stderr, "  %u agents, %lu living newcomers, %lu ties made for living initial people, "
            "at most %u for one person\n", w->n, (unsigned long)newcomers, (unsigned long)extra, most);
    assert_true(newcomers > 0 && extra > 0);
    free(open);
}

static pw_scenario *churn_scenario(double mean_degree)
{
    pw_scenario *s = st_load("almaty");
    st_quiet(s);
    st_set(s, "ties.mean_peer_degree", mean_degree);
    if (mean_degree > 8)
        st_set(s, "ties.degree_pareto_alpha", 1.5);
    return s;
}

/* Ten years at the default degree (8), and at 30 (the largest allowed)
 * with a heavier tail (Pareto alpha 1.5), where people collect dozens of
 * ties made during the run (blocks of 24 and more, and moves between
 * them). */
static void no_tie_lost(void **state)
{
    (void)state;
    double degree[] = {8, 30};
    for (int i = 0; i < 2; i++) {
        pw_scenario *s = churn_scenario(degree[i]);
        sw h;
        sw_open(&h, s, 10, 0.01, NULL, 7);
        for (int y = 0; y < 10; y++) {
            sw_weeks(&h, WPY);
            if (y % 3 == 2 || y == 9)
                check_no_tie_lost(h.w);
        }
        sw_close(&h);
        pw_scenario_free(s);
    }
}

/* Every agent's ties, the open stubs and the newcomers' blocks of two
 * worlds are the same. */
static void assert_same_ties(const world *a, const world *b)
{
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->flags, b->flags, a->n);
    for (uint32_t x = 0; x < a->n; x++) {
        uint32_t n = pwi_tie_count(a, x);
        assert_int_equal(n, pwi_tie_count(b, x));
        for (uint32_t k = 0; k < n; k++)
            assert_int_equal(pwi_tie_at(a, x, k), pwi_tie_at(b, x, k));
    }
    assert_int_equal(a->n_blocks, b->n_blocks);
    assert_int_equal(a->imm_block, b->imm_block);
    assert_int_equal(a->imm_in_block, b->imm_in_block);
    assert_int_equal(a->newblk.n, b->newblk.n);
    assert_memory_equal(a->newblk.v, b->newblk.v, (size_t)a->newblk.n * sizeof *a->newblk.v);
    for (uint32_t k = 0; k < a->n_blocks; k++) {
        assert_int_equal(a->open[k].n, b->open[k].n);
        if (a->open[k].n)
            assert_memory_equal(a->open[k].v, b->open[k].v, (size_t)a->open[k].n * 4);
    }
}

/* Three copies of one society (same seed): A and B run three years, B's
 * store is then replaced by a copy of A's, and A and B run two more years
 * beside C, which ran five years untouched. A copy that missed a part of
 * the store (the open stubs, the immigrants' block, a free list) would
 * make B differ from C; one that shared memory with A would make A or B
 * differ from C. */
static void copy_is_deep_and_complete(void **state)
{
    (void)state;
    pw_scenario *s = churn_scenario(8);
    sw a, b, c;
    sw_open(&a, s, 5, 0.01, NULL, 11);
    sw_open(&b, s, 5, 0.01, NULL, 11);
    sw_open(&c, s, 5, 0.01, NULL, 11);
    sw_weeks(&a, 3 * WPY);
    sw_weeks(&b, 3 * WPY);
    sw_weeks(&c, 3 * WPY);
    assert_non_null(a.w->xt);
    pwi_ties_free(b.w);
    assert_null(b.w->xt);
    assert_int_equal(pwi_ties_copy(b.w, a.w), PW_OK);
    assert_true(b.w->xt != a.w->xt && b.w->xt_pool != a.w->xt_pool && b.w->open != a.w->open);
    assert_same_ties(a.w, b.w);
    sw_weeks(&a, 2 * WPY);
    sw_weeks(&b, 2 * WPY);
    sw_weeks(&c, 2 * WPY);
    assert_same_ties(a.w, c.w);
    assert_same_ties(b.w, c.w);
    sw_close(&a);
    sw_close(&b);
    sw_close(&c);

    /* A world with no ties made yet copies to none. */
    sw_open(&a, s, 1, 0.01, NULL, 11);
    world copy = *a.w;
    assert_int_equal(pwi_ties_copy(&copy, a.w), PW_OK);
    assert_null(copy.xt);
    pwi_ties_free(&copy);
    sw_close(&a);
    pw_scenario_free(s);
}

typedef struct deg {
    double n, mean, m2, zero, tail; /* people, mean degree, its second moment, share 0, >= 20 */
} deg;

static void deg_add(deg *d, double x)
{
    d->n++;
    d->mean += x;
    d->m2 += x * x;
    d->zero += x == 0;
    d->tail += x >= 20;
}

static void deg_done(deg *d, const char *who)
{
    d->mean /= d->n;
    d->m2 /= d->n;
    d->zero /= d->n;
    d->tail /= d->n;
    fprintf(stderr, "  %s: %.0f people, degree mean %.3f sd %.3f, none %.4f, >= 20 %.4f\n", who,
            d->n, d->mean, sqrt(d->m2 - d->mean * d->mean), d->zero, d->tail);
}

/* Living ties of a. */
static double living_degree(const world *w, uint32_t a)
{
    uint32_t n = pwi_tie_count(w, a), k = 0;
    for (uint32_t j = 0; j < n; j++)
        k += (w->flags[pwi_tie_at(w, a, j)] & AF_ALIVE) != 0;
    return k;
}

/* The newcomers of twenty years (births and immigrants) against the
 * initial population at the start: degree mean, the share with none and
 * the share with 20 or more. Tolerance: 4 standard errors of the
 * difference (the two groups are independent samples of ~25k and ~66k
 * people) plus what the model itself takes off the newcomers: the stubs
 * still open, waiting for the next newcomer, and the stubs the initial
 * CSR loses to self-pairs (about 1% of the mean each way). */
static void newcomers_have_the_initial_degrees(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_quiet(s);
    sw h;
    sw_open(&h, s, 20, 0.03, NULL, 21);
    deg d0, d1;
    memset(&d0, 0, sizeof d0);
    memset(&d1, 0, sizeof d1);
    for (uint32_t a = 0; a < h.w->n; a++)
        deg_add(&d0, living_degree(h.w, a));
    deg_done(&d0, "initial population, year 0");
    sw_weeks(&h, 20 * WPY);
    for (uint32_t a = h.w->n_initial; a < h.w->n; a++)
        if (h.w->flags[a] & AF_ALIVE)
            deg_add(&d1, living_degree(h.w, a));
    deg_done(&d1, "living newcomers, year 20");
    double var0 = d0.m2 - d0.mean * d0.mean, var1 = d1.m2 - d1.mean * d1.mean;
    double se_mean = sqrt(var0 / d0.n + var1 / d1.n);
    st_within("newcomers' mean degree", d1.mean, d0.mean, se_mean + 0.02 * d0.mean / 4, 4);
    double se_zero = sqrt(sw_se_p(d0.zero, d0.n) * sw_se_p(d0.zero, d0.n) +
                          sw_se_p(d1.zero, d1.n) * sw_se_p(d1.zero, d1.n));
    st_within("newcomers with no tie", d1.zero, d0.zero, se_zero + 0.01 / 4, 4);
    double se_tail = sqrt(sw_se_p(d0.tail, d0.n) * sw_se_p(d0.tail, d0.n) +
                          sw_se_p(d1.tail, d1.n) * sw_se_p(d1.tail, d1.n));
    st_within("newcomers with 20 or more", d1.tail, d0.tail, se_tail, 4);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_tie_lost),
        cmocka_unit_test(copy_is_deep_and_complete),
        cmocka_unit_test(newcomers_have_the_initial_degrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
