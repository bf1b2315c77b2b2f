/* The peer network does not thin over a run (ties.c): newcomers (births
 * and immigrants) take the ties that people who left have left open, so
 * twenty years on the living have the degree distribution and clustering
 * of the initial population, and peer initiation per user does not fade
 * for want of ties. */
#include <string.h>

#include <gsl/gsl_rng.h>

#include "simworld.h"

enum { MAXN = 256 };

/* a's living partners into nb[] (at most MAXN); returns their number. */
static uint32_t living_ties(const world *w, uint32_t a, uint32_t *nb)
{
    uint32_t n = pwi_tie_count(w, a), k = 0;
    for (uint32_t j = 0; j < n && k < MAXN; j++) {
        uint32_t x = pwi_tie_at(w, a, j);
        if (w->flags[x] & AF_ALIVE)
            nb[k++] = x;
    }
    return k;
}

static int tied(const world *w, uint32_t a, uint32_t b)
{
    uint32_t n = pwi_tie_count(w, a);
    for (uint32_t j = 0; j < n; j++)
        if (pwi_tie_at(w, a, j) == b)
            return 1;
    return 0;
}

typedef struct shape {
    double alive, mean, sd, zero, tail; /* degree: mean, sd, share 0, share >= 20 */
    double clust, clust_n;              /* mean local clustering (sampled) and samples */
} shape;

/* The living people's degrees, and the clustering from 40,000 wedges:
 * a random living person with two or more living friends, two of them at
 * random, tied or not (the mean is the average local clustering). */
static shape measure(const world *w, uint64_t seed)
{
    shape s;
    memset(&s, 0, sizeof s);
    uint32_t nb[MAXN];
    double sum2 = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        if (!(w->flags[a] & AF_ALIVE))
            continue;
        double d = living_ties(w, a, nb);
        s.alive++;
        s.mean += d;
        sum2 += d * d;
        s.zero += d == 0;
        s.tail += d >= 20;
    }
    s.mean /= s.alive;
    s.sd = sqrt(sum2 / s.alive - s.mean * s.mean);
    s.zero /= s.alive;
    s.tail /= s.alive;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    double hits = 0;
    while (s.clust_n < 40000) {
        uint32_t a = (uint32_t)(gsl_rng_uniform(g) * w->n);
        if (!(w->flags[a] & AF_ALIVE))
            continue;
        uint32_t k = living_ties(w, a, nb);
        if (k < 2)
            continue;
        uint32_t i = (uint32_t)(gsl_rng_uniform(g) * k), j = (uint32_t)(gsl_rng_uniform(g) * (k - 1));
        if (j >= i)
            j++;
        if (nb[i] == nb[j])
            continue; /* a duplicate tie, not a wedge */
        hits += tied(w, nb[i], nb[j]);
        s.clust_n++;
    }
    gsl_rng_free(g);
    s.clust = hits / s.clust_n;
    fprintf(stderr,
            "  %.0f alive: degree mean %.3f sd %.3f, none %.4f, >= 20 %.4f; clustering %.4f\n",
            s.alive, s.mean, s.sd, s.zero, s.tail, s.clust);
    return s;
}

/* Twenty years of births, deaths, emigration and immigration (1.2% a
 * year: the population grows by a third) in a society with no users.
 * Tolerances, each > 5 standard errors at ~60k living people:
 * - mean degree within 3% (sd 7.2 / sqrt(60k) = 0.03, i.e. 0.4%; plus the
 *   stubs still open, waiting for a newcomer, ~1%);
 * - the share with no tie and with 20 or more within 0.015 and 0.01
 *   (binomial se 0.001 and 0.0004);
 * - the sd of the degree within 10% (the stubs still open are spread
 *   unevenly; measured +3%);
 * - the mean local clustering within 15% of its value (40,000 wedges:
 *   se 0.0014 on ~0.09, i.e. 1.5%; measured -7%: the immigrants' blocks
 *   grow past the neighbourhood size with their children, ~160 people,
 *   while the old ones shrink to ~121).
 * With no ties for newcomers, half of the living have none (measured). */
static void degrees_and_clustering_hold(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    st_quiet(s);
    sw h;
    sw_open(&h, s, 20, 0.03, NULL, 21);
    fprintf(stderr, "year 0\n");
    shape s0 = measure(h.w, 1);
    sw_weeks(&h, 20 * WPY);
    fprintf(stderr, "year 20\n");
    shape s1 = measure(h.w, 2);
    assert_true(s1.alive > 1.2 * s0.alive); /* a third of the people are newcomers */
    assert_true(fabs(s1.mean / s0.mean - 1) < 0.03);
    assert_true(fabs(s1.sd / s0.sd - 1) < 0.10);
    assert_true(fabs(s1.zero - s0.zero) < 0.015);
    assert_true(fabs(s1.tail - s0.tail) < 0.01);
    assert_true(fabs(s1.clust / s0.clust - 1) < 0.15);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(degrees_and_clustering_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
