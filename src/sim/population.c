/*
 * Population: agents and households, births and arrivals, and the exit
 * schedule (background death or emigration drawn once per agent and filed
 * in per-week buckets, so the population costs nothing week to week).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* Background death (Gompertz hazard A e^{B a}) or emigration (constant
 * rate), whichever comes first, drawn once for an agent aged `age` at week
 * `week`; filed in the week's exit bucket if it falls inside the horizon. */
static int schedule_exit(world *w, uint32_t agent, double age, int week)
{
    gsl_rng *r = at(w, RP_LIFE, agent, 0);
    double A = w->v[PI_DEMO_GOMPERTZ_A], B = w->v[PI_DEMO_GOMPERTZ_B];
    double e = -log1p(-gsl_rng_uniform(r));
    /* Conditional on survival to `age`: H(T) - H(age) = E with
     * H(a) = (A/B)(e^{Ba} - 1), so T = ln(e^{B age} + B E / A) / B. */
    double t_death = log(exp(B * age) + B * e / A) / B - age;
    double em = w->v[PI_DEMO_EMIGRATION];
    double t_emig = em > 0 ? -log1p(-gsl_rng_uniform(r)) / em : INFINITY;
    double t = fmin(t_death, t_emig);
    double wk = week + floor(t * WPY) + 1;
    if (wk >= w->weeks)
        return PW_OK;
    return vec_push(&w->exits[(int)wk], agent | (t_emig < t_death ? 0x80000000u : 0));
}

static int grow_agents(world *w, uint32_t need)
{
    if (need <= w->cap)
        return PW_OK;
    uint32_t cap = w->cap + w->cap / 4 + 1024;
    if (cap < need)
        cap = need;
    int16_t *b = realloc(w->birth, (size_t)cap * sizeof *b);
    if (b)
        w->birth = b;
    uint8_t *f = realloc(w->flags, (size_t)cap);
    if (f)
        w->flags = f;
    uint32_t *h = realloc(w->hh, (size_t)cap * sizeof *h);
    if (h)
        w->hh = h;
    if (!b || !f || !h)
        return PW_ENOMEM;
    uint32_t old_cap = w->cap;
    w->cap = cap;
    return pwi_ties_grow(w, old_cap);
}

static int new_household(world *w)
{
    if (w->n_hh + 1 > w->hh_cap) {
        uint32_t cap = w->hh_cap + w->hh_cap / 4 + 1024;
        uint8_t *m = realloc(w->hh_mark, cap);
        if (!m)
            return -1;
        memset(m + w->hh_cap, 0, cap - w->hh_cap);
        w->hh_mark = m;
        w->hh_cap = cap;
    }
    return (int)w->n_hh++;
}

/* Draws an age from the scenario's three-band structure (uniform within
 * 0-14, 15-64, 65-89). */
static double draw_age(const world *w, gsl_rng *r, int adult)
{
    double s0 = w->v[PI_DEMO_SHARE_0_14], s65 = w->v[PI_DEMO_SHARE_65_PLUS];
    double u = gsl_rng_uniform(r);
    if (adult) /* heads of household: 18-89 with the same upper tail */
        return u < s65 / (1 - s0) ? 65 + 25 * gsl_rng_uniform(r) : 18 + 47 * gsl_rng_uniform(r);
    if (u < s0)
        return 15 * gsl_rng_uniform(r);
    if (u < s0 + s65)
        return 65 + 25 * gsl_rng_uniform(r);
    return 15 + 50 * gsl_rng_uniform(r);
}

int pwi_build_population(world *w, uint32_t n0)
{
    w->n_initial = n0;
    w->cap = 0;
    double growth = (w->v[PI_DEMO_BIRTH_RATE] * w->weeks +
                     w->v[PI_DEMO_HIST_IMMIGRATION] * w->hist_weeks +
                     w->v[PI_DEMO_IMMIGRATION] * (w->weeks - w->hist_weeks)) / WPY;
    if (grow_agents(w, (uint32_t)(n0 * (1.0 + 1.2 * growth)) + 1024))
        return PW_ENOMEM;
    /* Households of size 1 + Poisson(mean - 1), the first member an adult;
     * their members are consecutive agents. */
    w->hh_cap = n0 + 1024;
    w->hh_first = malloc(((size_t)n0 + 2) * sizeof *w->hh_first);
    w->hh_mark = calloc(w->hh_cap, 1);
    if (!w->hh_first || !w->hh_mark)
        return PW_ENOMEM;
    uint32_t i = 0, h = 0;
    while (i < n0) {
        gsl_rng *r = at(w, RP_HOUSEHOLD, h, 0);
        uint32_t size = 1 + gsl_ran_poisson(r, w->v[PI_DEMO_HOUSEHOLD_SIZE] - 1);
        if (size > n0 - i)
            size = n0 - i;
        w->hh_first[h] = i;
        for (uint32_t k = 0; k < size; k++, i++) {
            double age = draw_age(w, r, k == 0);
            w->birth[i] = (int16_t)-(int)floor(age * WPY);
            w->flags[i] = AF_ALIVE | (gsl_rng_uniform(r) < 0.52 ? AF_FEMALE : 0);
            w->hh[i] = h;
        }
        h++;
    }
    w->hh_first[h] = n0;
    w->n_hh = w->n_hh_initial = h;
    w->n = n0;
    w->alive = n0;
    for (uint32_t a = 0; a < n0; a++)
        if (schedule_exit(w, a, age_years(w, a, 0), 0))
            return PW_ENOMEM;
    return PW_OK;
}

int pwi_apply_exits(world *w, int week)
{
    vec32 *b = &w->exits[week];
    /* The leavers are known for the whole week: what each one's turn
     * reads at random (its flags, its tie entry and the start of its
     * initial ties) is fetched a few leavers ahead, so the misses overlap
     * (pwi_ties_vacate was a tenth of a Kazakhstan run, mostly waiting). */
    enum { AHEAD = 8, AHEAD2 = 4 };
    for (uint32_t j = 0; j < b->n; j++) {
        if (j + AHEAD < b->n) {
            uint32_t f = b->v[j + AHEAD] & 0x7FFFFFFFu;
            __builtin_prefetch(&w->flags[f]);
            if (w->xt)
                __builtin_prefetch(&w->xt[f]);
            if (f < w->n_initial)
                __builtin_prefetch(&w->tie_off[f]);
        }
        /* Then, with those entries in cache, the leaver's partners
         * themselves (its initial ties and its block of ties made during
         * the run), which pwi_ties_vacate reads to find the partners. */
        if (j + AHEAD2 < b->n) {
            uint32_t f = b->v[j + AHEAD2] & 0x7FFFFFFFu;
            if (f < w->n_initial)
                __builtin_prefetch(&w->tie[w->tie_off[f]]);
            if (w->xt && w->xt_pool && w->xt[f].n) {
                pwi_xt x = w->xt[f];
                __builtin_prefetch(&w->xt_pool[x.off]);
                __builtin_prefetch(&w->xt_pool[x.off + x.n - 1]);
            }
        }
        uint32_t a = b->v[j] & 0x7FFFFFFFu;
        int emig = (b->v[j] & 0x80000000u) != 0;
        if (!(w->flags[a] & AF_ALIVE))
            continue;
        /* People in an institution or under a court order do not emigrate
         * (assumption); their emigration is simply dropped. */
        if (emig && (w->flags[a] & AF_ACTIVE))
            continue;
        w->flags[a] = (uint8_t)((w->flags[a] & ~AF_ALIVE) | (emig ? AF_EMIGRATED : AF_DEAD));
        w->alive--;
        if (w->flags[a] & AF_ACTIVE)
            w->a[pwi_record_of(w, a)].dead = 1;
        /* Their living friends have a tie open for a newcomer (ties.c). */
        pwi_ties_vacate(w, a);
        if (emig) {
            w->emigrated++;
            w->yc.emigrated++;
        } else {
            w->dead++;
            w->yc.deaths++;
        }
    }
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
    /* The departed's initial ties, once they are worth dropping (ties.c). */
    return pwi_ties_compact(w);
}

int pwi_births_and_arrivals(world *w, int week)
{
    gsl_rng *g = at(w, RP_BIRTHS, 0, (uint32_t)week);
    unsigned births = gsl_ran_poisson(g, w->v[PI_DEMO_BIRTH_RATE] * w->alive / WPY);
    /* The history has its own arrival rate: the city grew faster then
     * than the projection assumes (demography.history_immigration_rate). */
    double imm = week < w->hist_weeks ? w->v[PI_DEMO_HIST_IMMIGRATION] : w->v[PI_DEMO_IMMIGRATION];
    unsigned arrivals = gsl_ran_poisson(g, imm * w->alive / WPY);
    if (grow_agents(w, w->n + births + arrivals))
        return PW_ENOMEM;
    uint32_t first = w->n;
    for (unsigned j = 0, tries = 0; j < births && tries < 1000u * births && w->mothers.n; tries++) {
        /* A mother: a random woman of the yearly list of women aged 18-44
         * (one random read instead of rejection over everyone), still alive. */
        uint32_t pick = (uint32_t)(gsl_rng_uniform(g) * w->mothers.n);
        uint32_t m = w->mothers.v[pick], h = w->mother_hh.v[pick];
        if (!(w->flags[m] & AF_ALIVE))
            continue;
        assert(h == w->hh[m]);
        uint32_t c = w->n++;
        w->birth[c] = (int16_t)week;
        w->flags[c] = AF_ALIVE | (gsl_rng_uniform(g) < 0.49 ? AF_FEMALE : 0);
        w->hh[c] = h;
        /* a child's neighbourhood block is its mother's (ties.c) */
        if (vec_push(&w->newblk, pwi_block_of(w, m)))
            return PW_ENOMEM;
        if (w->hh_mark[h])
            w->flags[c] |= AF_PWUD_CHILD;
        w->alive++;
        w->born++;
        w->yc.births++;
        j++;
    }
    for (unsigned j = 0; j < arrivals; j++) {
        int h = new_household(w);
        if (h < 0)
            return PW_ENOMEM;
        uint32_t c = w->n++;
        double age = 18 + 22 * gsl_rng_uniform(g);
        w->birth[c] = (int16_t)(week - (int)floor(age * WPY));
        w->flags[c] = AF_ALIVE | (gsl_rng_uniform(g) < 0.5 ? AF_FEMALE : 0);
        w->hh[c] = (uint32_t)h;
        if (vec_push(&w->newblk, UINT32_MAX)) /* block chosen with the ties */
            return PW_ENOMEM;
        w->alive++;
        w->immigrated++;
        w->yc.immigrated++;
    }
    /* The newcomers' exits and peer ties, after the loops above: both draw
     * on the newcomer's own streams, and at() re-seeks the generator, so
     * inside the loops it would move the births' generator g (the next
     * mother and arrival would be drawn from the last newcomer's stream).
     * An arrival's age is read back from its birth week. */
    for (uint32_t c = first; c < w->n; c++) {
        if (schedule_exit(w, c, age_years(w, c, week), week))
            return PW_ENOMEM;
        if (pwi_ties_join(w, c, week))
            return PW_ENOMEM;
    }
    return PW_OK;
}

/* The women aged 18-44 alive at `week` and their households (a sequential
 * pass, once a year). Branch-free: every agent is written at the end of
 * the list and the list grows by whether she qualifies, because about one
 * agent in four does, at random, and the mispredicted branches made this
 * pass 4-6% of a full-scale run. */
int pwi_list_mothers(world *w, int week)
{
    const int16_t *birth = w->birth;
    const uint8_t *flags = w->flags;
    const uint32_t *hh = w->hh;
    uint32_t k = 0;
    for (uint32_t a0 = 0, n = w->n; a0 < n; a0 += SCAN_CHUNK) {
        uint32_t a1 = n - a0 < SCAN_CHUNK ? n : a0 + SCAN_CHUNK;
        if (vec_reserve(&w->mothers, k + (a1 - a0) + 1) ||
            vec_reserve(&w->mother_hh, k + (a1 - a0) + 1))
            return PW_ENOMEM;
        uint32_t *v = w->mothers.v, *hv = w->mother_hh.v;
        for (uint32_t a = a0; a < a1; a++) {
            /* age in weeks minus 18 years, as unsigned: in [0, 27 years) */
            uint32_t since18 = (uint32_t)(week - birth[a] - 18 * WPY);
            uint32_t ok = ((flags[a] & (AF_ALIVE | AF_FEMALE)) == (AF_ALIVE | AF_FEMALE)) &
                          (since18 < 27 * WPY);
            v[k] = a;
            hv[k] = hh[a];
            k += ok;
        }
    }
    w->mothers.n = w->mother_hh.n = k;
    return PW_OK;
}
