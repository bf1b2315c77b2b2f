/*
 * The agent-based society model: one simulation of one regime and one run.
 *
 * Layout (docs/model.md explains every process and parameter):
 *   - Everyone is an agent in structure-of-arrays form: birth week (int16),
 *     flags (uint8) and household (uint32). Ageing is implicit (age = week -
 *     birth). Background death and emigration are drawn once, when an agent
 *     is created, and filed in per-week buckets, so the population costs
 *     nothing week to week.
 *   - Peer ties are a compressed adjacency list (CSR) built per
 *     neighbourhood block (clustering) with Pareto degrees (heavy tail);
 *     household ties are implicit (initial households are contiguous).
 *   - Only people who use drugs, sell them or are in the justice or
 *     treatment system have an "active record" (struct act); each week the
 *     model walks the active records, so weekly work grows with users and
 *     people in the system, not with the population.
 *   - Every random draw is keyed by (seed, run, purpose, subject, week)
 *     (pathways/rng.h), so run r of every regime sees the same population,
 *     ties and chances (common random numbers), whatever the threads.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <Random123/philox.h>

#include "pathways/rng.h"
#include "sim_internal.h"

#define WPY 52 /* weeks per year */
#define NONE16 0xFFFFu

/* Agent flags. */
enum {
    AF_ALIVE = 1,
    AF_DEAD = 2,
    AF_EMIGRATED = 4,
    AF_FEMALE = 8,
    AF_ACTIVE = 16,    /* has an active record (or is about to get one) */
    AF_PWUD_CHILD = 32 /* grew up in a household with a person who uses drugs */
};

/* The five substances the model follows, and their engine names. */
enum { SUB_OPIOIDS, SUB_CATHINONES, SUB_CANNABINOIDS, SUB_CANNABIS, SUB_STIMULANTS, N_SUB };
static const char *const SUB_ENGINE_NAME[N_SUB] = {
    "heroin", "synthetic_cathinones", "synthetic_cannabinoids", "cannabis", "methamphetamine"};

/* Use stage of an active record. */
enum { ST_NONE, ST_LIGHT, ST_DEPENDENT, ST_REM_EARLY, ST_REM_SUSTAINED };
/* Where the person is. Institutions: PRISON, COMPULSORY, ARREST. */
enum {
    PL_COMMUNITY,
    PL_WAITING,     /* waiting for a compulsory-treatment bed (in the community) */
    PL_OUTPATIENT,  /* voluntary or referred outpatient treatment / OST */
    PL_DRUG_COURT,  /* supervised treatment under a drug court */
    PL_WORK_RELEASE,/* serving a sentence outside with an electronic bracelet */
    PL_COMPULSORY,  /* compulsory inpatient treatment */
    PL_PRISON,
    PL_ARREST       /* administrative arrest (days) */
};
/* Record flags. */
enum {
    RF_INJECTS = 1,
    RF_HIV = 2,
    RF_HCV = 4,
    RF_EMPLOYED = 8,
    RF_INITIATOR = 16,
    RF_TIES_LOST = 32,
    RF_EDUCATIONAL = 64, /* current sentence under the educational regime */
    RF_AFTERCARE = 128   /* 12-step post-rehabilitation after treatment */
};
enum { ROLE_NONE, ROLE_COURIER, ROLE_DEALER };
/* What the last release was from, for the relapse rate that follows. */
enum { RK_NONE, RK_COMPULSORY, RK_VOLUNTARY, RK_PRISON };

typedef struct act {
    uint32_t agent;
    uint32_t contact[2];   /* ties formed in prison (record indices, UINT32_MAX = none) */
    uint16_t since;        /* week the current use stage began */
    uint16_t until;        /* week the placement's next step is due */
    uint16_t end;          /* week the sentence ends */
    uint16_t parole2;      /* second parole window (NONE16 = none) */
    uint16_t released;     /* week of the last release from an institution */
    uint16_t monitor_until;/* mandatory monitoring runs until this week */
    uint16_t then_prison;  /* weeks of prison that follow compulsory treatment */
    uint16_t wr;           /* week work release starts (NONE16 = none) */
    int16_t birth;         /* copy of the agent's birth week (no random access) */
    uint8_t dead, pad2;    /* the agent died or left: free the record */
    uint8_t substance, stage, dsm, flags;
    uint8_t role, place, relapse_kind, mindset;
    uint8_t offences, convictions, tx_months, pad;
} act;

typedef struct vec32 {
    uint32_t *v;
    uint32_t n, cap;
} vec32;

static int vec_push(vec32 *q, uint32_t x)
{
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 16;
        uint32_t *v = realloc(q->v, (size_t)cap * sizeof *v);
        if (!v)
            return PW_ENOMEM;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = x;
    return PW_OK;
}

/* Counters of one year (flows) and the stocks at its end. */
typedef struct year_counts {
    double births, deaths, emigrated, immigrated, initiations, peer_initiations;
    double od_deaths, hiv_inf, hcv_inf, offences, acq_crimes, drug_crimes, detected, cases;
    double prison_adm, releases, comp_adm, sustained, mindset_prison, cost;
    double cost_justice, cost_treatment, cost_health, cost_crime, cost_work;
} year_counts;

struct pwi_world {
    int shared;      /* ties and initial households belong to another world */
    const pw_scenario *s;
    const double *v; /* parameter values */
    const pw_regime *regime;
    uint64_t seed;
    uint32_t run;
    int weeks;
    double scale;
    gsl_rng *rng;
    int sub_id[N_SUB]; /* engine substance ids */

    /* population */
    uint32_t n, cap, n_initial;
    int16_t *birth;
    uint8_t *flags;
    uint32_t *hh;
    uint32_t n_hh, n_hh_initial, hh_cap;
    uint32_t *hh_first; /* initial households: members hh_first[h] .. hh_first[h+1]-1 */
    uint8_t *hh_mark;   /* household holds a current user (refreshed yearly) */
    uint32_t *tie_off, *tie;
    uint32_t *rec_of;   /* agent -> active record (valid while AF_ACTIVE) */
    vec32 *exits;       /* per week: agents leaving (top bit set = emigration) */
    uint64_t alive, dead, emigrated, born, immigrated;

    /* active records */
    act *a;
    uint32_t n_act, cap_act;
    vec32 free_slots;
    vec32 pending;      /* initiations this week: agent << 3 | substance */
    vec32 waiting;      /* FIFO of records waiting for a compulsory bed */
    uint32_t wait_head;
    vec32 prisoners;    /* records in prison this week (for prison ties) */
    vec32 mothers;      /* women aged 18-44 at the last year's end (births) */

    /* capacities (simulated people) */
    double beds, slots, police_week;
    uint32_t beds_used, slots_used;
    double detect_factor; /* min(1, capacity / expected detections), last week */
    double expected_detections;

    /* epidemic state */
    double memory_y;    /* LHY memory of visible harm (dependent users) */
    double deterrence;  /* current multiplier on peer initiation */
    double hiv_prev, hcv_prev; /* among PWID in the community, last week */
    double stigma;      /* current stigma after public awareness */
    double n_light, n_dep, n_pwid, n_sellers;
    double susceptible;

    /* weekly probabilities of the constant rates (computed once) */
    double p_quit, p_dep[N_SUB], p_rem[N_SUB], p_rem_tx, p_inject, p_sale, p_seller_quit;
    double p_vol, p_jobloss, p_reemploy, p_reemploy_dep, p_use_light, p_use_dep;
    double p_relapse_sust[2];     /* without / with aftercare or monitoring */
    double p_relapse_early[4][2]; /* [relapse kind][aftercare]; compulsory at 0 months */
    double p_relapse_comp[61][2]; /* after compulsory treatment of m months */
    double p_od[2][2];            /* [injects][in treatment] */
    double p_hiv_inf, p_hcv_inf;  /* this week, from last week's prevalence */

    year_counts yc;
    double discount;    /* (1 + r)^-t of the current week */
    pwi_run_result *out;
    int error;
};
typedef struct pwi_world world;

/* ---- small helpers ---------------------------------------------------- */

static inline double wprob(double rate_per_year)
{
    return rate_per_year <= 0 ? 0 : -expm1(-rate_per_year / WPY);
}

static inline gsl_rng *at(world *w, uint32_t purpose, uint32_t subject, uint32_t step)
{
    pw_rng_seek(w->rng, w->run, purpose, subject, step);
    return w->rng;
}

/* Four uniforms of block `block` at (run, purpose, subject, step): the
 * same numbers a gsl_rng sought there with pw_rng_seek would give (the
 * counter layout of src/core/rng.c), computed inline without the gsl_rng
 * indirection, because this is the innermost draw of the weekly loop. */
static inline void lanes4(const world *w, uint32_t purpose, uint32_t subject, uint32_t step,
                          uint32_t block, double *u)
{
    philox4x32_ctr_t c = {{subject, step, w->run << 8 | purpose, block}};
    philox4x32_key_t k = {{(uint32_t)w->seed, (uint32_t)(w->seed >> 32)}};
    philox4x32_ctr_t o = philox4x32(c, k);
    for (int j = 0; j < 4; j++)
        u[j] = ((double)o.v[j] + 0.5) * (1.0 / 4294967296.0);
}

static inline double age_years(const world *w, uint32_t agent, int week)
{
    return (week - w->birth[agent]) / (double)WPY;
}

/* Relative propensity to start using by age (peak 15-24). Assumption:
 * data.md 1.3 reports offences concentrated among 18-34 and rising among
 * minors; no age-specific initiation data were found. */
static double age_factor(double age)
{
    if (age < 12)
        return 0;
    if (age < 15)
        return 0.3;
    if (age < 25)
        return 1.0;
    if (age < 35)
        return 0.6;
    if (age < 50)
        return 0.25;
    if (age < 65)
        return 0.08;
    return 0;
}

static int is_institution(int place)
{
    return place == PL_PRISON || place == PL_COMPULSORY || place == PL_ARREST;
}

static int is_using(const act *r)
{
    return r->stage == ST_LIGHT || r->stage == ST_DEPENDENT;
}

/* ---- population ------------------------------------------------------- */

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
    uint32_t *ro = realloc(w->rec_of, (size_t)cap * sizeof *ro);
    if (ro)
        w->rec_of = ro;
    if (!b || !f || !h || !ro)
        return PW_ENOMEM;
    w->cap = cap;
    return PW_OK;
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

static int build_population(world *w, uint32_t n0)
{
    w->n_initial = n0;
    w->cap = 0;
    double growth = (w->v[PI_DEMO_BIRTH_RATE] + w->v[PI_DEMO_IMMIGRATION]) * w->weeks / WPY;
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

static int build_ties(world *w)
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

/* ---- active records --------------------------------------------------- */

static int new_record(world *w, uint32_t agent, uint32_t *idx)
{
    uint32_t i;
    if (w->free_slots.n) {
        i = w->free_slots.v[--w->free_slots.n];
    } else {
        if (w->n_act == w->cap_act) {
            uint32_t cap = w->cap_act ? w->cap_act * 2 : 4096;
            act *p = realloc(w->a, (size_t)cap * sizeof *p);
            if (!p)
                return PW_ENOMEM;
            w->a = p;
            w->cap_act = cap;
        }
        i = w->n_act++;
    }
    act *r = &w->a[i];
    memset(r, 0, sizeof *r);
    r->agent = agent;
    r->contact[0] = r->contact[1] = UINT32_MAX;
    r->released = NONE16;
    r->parole2 = NONE16;
    r->wr = NONE16;
    r->birth = w->birth[agent];
    w->flags[agent] |= AF_ACTIVE;
    w->rec_of[agent] = i;
    *idx = i;
    return PW_OK;
}

static void free_record(world *w, uint32_t i)
{
    act *r = &w->a[i];
    if (r->place == PL_COMPULSORY)
        w->beds_used--;
    if (r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT)
        w->slots_used--;
    w->flags[r->agent] &= (uint8_t)~AF_ACTIVE;
    r->agent = UINT32_MAX;
    if (vec_push(&w->free_slots, i))
        w->error = PW_ENOMEM;
}

static int pick_substance(const world *w, gsl_rng *r, int weighting)
{
    /* weighting 0: mix of new users; 1: prevalent light users, mix /
     * (quit + dependence); 2: prevalent dependence, mix x dependence /
     * remission (each substance's share at a steady state). */
    double wt[N_SUB], tot = 0;
    static const int dep[N_SUB] = {PI_USE_DEP_OPIOIDS, PI_USE_DEP_CATHINONES,
                                   PI_USE_DEP_CANNABINOIDS, PI_USE_DEP_CANNABIS,
                                   PI_USE_DEP_STIMULANTS};
    static const int rem[N_SUB] = {PI_USE_REM_OPIOIDS, PI_USE_REM_STIMULANTS, PI_USE_REM_CANNABIS,
                                   PI_USE_REM_CANNABIS, PI_USE_REM_STIMULANTS};
    for (int k = 0; k < N_SUB; k++) {
        wt[k] = w->v[PI_MIX_OPIOIDS + k];
        if (weighting == 1)
            wt[k] /= w->v[PI_USE_LIGHT_QUIT] + w->v[dep[k]] + 1e-9;
        else if (weighting == 2)
            wt[k] *= w->v[dep[k]] / (w->v[rem[k]] + 1e-9);
        tot += wt[k];
    }
    double u = gsl_rng_uniform(r) * tot;
    for (int k = 0; k < N_SUB; k++) {
        if (u < wt[k])
            return k;
        u -= wt[k];
    }
    return N_SUB - 1;
}

static double dependence_rate(const world *w, int sub)
{
    static const int p[N_SUB] = {PI_USE_DEP_OPIOIDS, PI_USE_DEP_CATHINONES,
                                 PI_USE_DEP_CANNABINOIDS, PI_USE_DEP_CANNABIS,
                                 PI_USE_DEP_STIMULANTS};
    return w->v[p[sub]];
}

static double remission_rate(const world *w, int sub)
{
    static const int p[N_SUB] = {PI_USE_REM_OPIOIDS, PI_USE_REM_STIMULANTS, PI_USE_REM_CANNABIS,
                                 PI_USE_REM_CANNABIS, PI_USE_REM_STIMULANTS};
    return w->v[p[sub]];
}

/* DSM-5 criteria met at the onset of dependence: 2 + Binomial(9, 0.4)
 * (mean 5.6: roughly a third each mild, moderate, severe). Assumption. */
static uint8_t draw_dsm(gsl_rng *r)
{
    return (uint8_t)(2 + gsl_ran_binomial(r, 0.4, 9));
}

/* Turns agent into a user of `sub` at `week` (record created if needed). */
static int start_use(world *w, uint32_t agent, int sub, int week, uint32_t *idx)
{
    int rc = new_record(w, agent, idx);
    if (rc)
        return rc;
    act *r = &w->a[*idx];
    gsl_rng *g = at(w, RP_INITIATOR, agent, (uint32_t)week);
    r->substance = (uint8_t)sub;
    r->stage = ST_LIGHT;
    r->since = (uint16_t)week;
    if (gsl_rng_uniform(g) < w->v[PI_INIT_INITIATOR_SHARE])
        r->flags |= RF_INITIATOR;
    if (gsl_rng_uniform(g) < w->v[PI_SOC_EMPLOYED])
        r->flags |= RF_EMPLOYED;
    return PW_OK;
}

/* A uniformly random agent (callers reject those that do not fit). */
static uint32_t random_agent(world *w, gsl_rng *r)
{
    return (uint32_t)(gsl_rng_uniform(r) * w->n);
}

static int seed_initial_state(world *w)
{
    uint32_t n = w->n_initial;
    double adults = 0;
    for (uint32_t a = 0; a < n; a++) {
        double age = age_years(w, a, 0);
        adults += age >= 15 && age < 65;
    }
    const double p_stage[3] = {w->v[PI_INIT_LIGHT], w->v[PI_INIT_DEPENDENT],
                               w->v[PI_INIT_REMISSION]};
    const int stage[3] = {ST_LIGHT, ST_DEPENDENT, ST_REM_SUSTAINED};
    uint32_t draw = 0;
    for (int s = 0; s < 3; s++) {
        gsl_rng *r = at(w, RP_INITIAL, (uint32_t)s, 0);
        unsigned k = gsl_ran_binomial(r, fmin(1, p_stage[s]), (unsigned)adults);
        for (unsigned j = 0; j < k;) {
            r = at(w, RP_INITIAL, 16 + (uint32_t)s, draw++);
            uint32_t a = random_agent(w, r);
            double age = age_years(w, a, 0);
            if ((w->flags[a] & AF_ACTIVE) || age < 15 || age >= 65)
                continue;
            j++;
            uint32_t i;
            int sub = pick_substance(w, r, s == 0 ? 1 : 2);
            if (start_use(w, a, sub, 0, &i))
                return PW_ENOMEM;
            act *x = &w->a[i];
            x->stage = (uint8_t)stage[s];
            /* Spread the start of the stage over the past so that nobody's
             * clock is synchronised at week 0. */
            x->since = 0;
            if (s >= 1)
                x->dsm = draw_dsm(r);
            if (s == 1 && sub == SUB_OPIOIDS && gsl_rng_uniform(r) < w->v[PI_INIT_INJECT]) {
                x->flags |= RF_INJECTS;
                if (gsl_rng_uniform(r) < w->v[PI_INIT_HIV_PWID])
                    x->flags |= RF_HIV;
                if (gsl_rng_uniform(r) < w->v[PI_INIT_HCV_PWID])
                    x->flags |= RF_HCV;
            }
        }
    }
    /* Prisoners: adults 18-59, 90% men (assumption), each with a remaining
     * sentence uniform in 0-5 years; a third already with a criminal
     * mindset (assumption). */
    gsl_rng *r = at(w, RP_INITIAL, 8, 0);
    unsigned k = gsl_ran_binomial(r, w->v[PI_INIT_PRISON], n);
    for (unsigned j = 0; j < k;) {
        r = at(w, RP_INITIAL, 9, draw++);
        uint32_t a = random_agent(w, r);
        double age = age_years(w, a, 0);
        int female = (w->flags[a] & AF_FEMALE) != 0;
        if (age < 18 || age >= 60 || (female && gsl_rng_uniform(r) > 0.1 / 0.9))
            continue;
        uint32_t i;
        if (w->flags[a] & AF_ACTIVE) {
            i = w->rec_of[a]; /* already a user */
            if (w->a[i].place != PL_COMMUNITY)
                continue;
        } else if (new_record(w, a, &i)) {
            return PW_ENOMEM;
        }
        j++;
        act *x = &w->a[i];
        x->place = PL_PRISON;
        x->end = x->until = (uint16_t)(1 + gsl_rng_uniform(r) * 5 * WPY);
        x->offences = x->convictions = 1;
        x->flags &= (uint8_t)~RF_EMPLOYED;
        if (gsl_rng_uniform(r) < 1.0 / 3)
            x->mindset = 1;
        if (x->stage == ST_LIGHT || x->stage == ST_DEPENDENT)
            x->stage = ST_REM_EARLY;
    }
    /* Sellers: dealers among dependent users, couriers among non-users. */
    double users = 0;
    for (uint32_t i = 0; i < w->n_act; i++)
        users += is_using(&w->a[i]);
    unsigned sellers = (unsigned)floor(users * w->v[PI_INIT_SELLERS] + 0.5);
    for (unsigned j = 0, tries = 0; j < sellers && tries < 100 * sellers + 100; tries++) {
        r = at(w, RP_INITIAL, 10, draw++);
        if (gsl_rng_uniform(r) < w->v[PI_MARKET_COURIER_SHARE]) {
            uint32_t a = random_agent(w, r);
            double age = age_years(w, a, 0);
            if ((w->flags[a] & AF_ACTIVE) || age < 16 || age >= 36)
                continue;
            uint32_t i;
            if (new_record(w, a, &i))
                return PW_ENOMEM;
            w->a[i].role = ROLE_COURIER;
        } else {
            uint32_t i = (uint32_t)(gsl_rng_uniform(r) * w->n_act);
            act *x = &w->a[i];
            if (x->agent == UINT32_MAX || x->stage != ST_DEPENDENT || x->role ||
                x->place != PL_COMMUNITY)
                continue;
            x->role = ROLE_DEALER;
        }
        j++;
    }
    return PW_OK;
}

/* ---- the justice pathway ---------------------------------------------- */

static void add_cost(world *w, double kzt, double *bucket)
{
    double c = kzt * w->discount;
    *bucket += c;
    w->yc.cost += c;
}

/* Months of the first measure of `type` in a decision, or 0. */
static double measure_months(const pw_decision *d, pw_measure_type type)
{
    for (int k = 0; k < d->n_measures; k++)
        if (d->measures[k].type == type)
            return d->measures[k].min_months > 0 ? d->measures[k].min_months
                                                 : d->measures[k].max_months;
    return 0;
}

static int has_measure(const pw_decision *d, pw_measure_type type)
{
    for (int k = 0; k < d->n_measures; k++)
        if (d->measures[k].type == type)
            return 1;
    return 0;
}

static uint16_t weeks_from(int week, double years)
{
    double e = week + years * WPY;
    if (e < week + 1)
        e = week + 1;
    return e > 60000 ? 60000 : (uint16_t)e;
}

static void leave_slot(world *w, act *r)
{
    if (r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT)
        w->slots_used--;
    if (r->place == PL_COMPULSORY)
        w->beds_used--;
}

static void enter_prison(world *w, act *r, uint32_t idx, int week, double years,
                         const pw_sentence *sen)
{
    leave_slot(w, r);
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week);
    r->place = PL_PRISON;
    r->end = weeks_from(week, years);
    r->until = r->end;
    r->wr = NONE16;
    r->parole2 = NONE16;
    r->flags &= (uint8_t)~(RF_EMPLOYED | RF_EDUCATIONAL);
    r->flags |= RF_TIES_LOST;
    if (sen) {
        if (sen->educational_regime)
            r->flags |= RF_EDUCATIONAL;
        if (sen->work_release_after_years > 0 && sen->work_release_after_years < years) {
            r->wr = weeks_from(week, sen->work_release_after_years);
            if (r->wr < r->until)
                r->until = r->wr;
        }
        if (sen->parole_from_years > 0 && sen->parole_from_years < years) {
            uint16_t p1 = weeks_from(week, sen->parole_from_years);
            if (p1 < r->until)
                r->until = p1;
            if (sen->parole_to_years > sen->parole_from_years && sen->parole_to_years < years)
                r->parole2 = weeks_from(week, sen->parole_to_years);
        }
    }
    if (is_using(r))
        r->stage = ST_REM_EARLY, r->since = (uint16_t)week;
    /* Ties formed in prison: two cellmates drawn from this week's prisoners. */
    for (int k = 0; k < 2 && w->prisoners.n; k++)
        r->contact[k] = w->prisoners.v[(uint32_t)(gsl_rng_uniform(g) * w->prisoners.n)];
    (void)idx;
    w->yc.prison_adm++;
    if (r->convictions < 255)
        r->convictions++;
}

static void enter_compulsory(world *w, act *r, uint32_t idx, int week, double months)
{
    if (r->place == PL_COMPULSORY)
        return;
    r->tx_months = (uint8_t)fmin(months, 60);
    if (w->beds_used >= w->beds) {
        leave_slot(w, r);
        r->place = PL_WAITING;
        if (vec_push(&w->waiting, idx))
            w->error = PW_ENOMEM;
        return;
    }
    leave_slot(w, r);
    w->beds_used++;
    r->place = PL_COMPULSORY;
    r->until = weeks_from(week, months / 12.0);
    if (is_using(r))
        r->stage = ST_REM_EARLY, r->since = (uint16_t)week;
    r->flags &= (uint8_t)~RF_EMPLOYED;
    w->yc.comp_adm++;
}

static int enter_outpatient(world *w, act *r, int week, double months, int place)
{
    if (r->place != PL_COMMUNITY && r->place != PL_WAITING)
        return 0;
    if (w->slots_used >= w->slots)
        return 0;
    w->slots_used++;
    r->place = (uint8_t)place;
    r->until = weeks_from(week, months / 12.0);
    return 1;
}

/* Carries out a disposition of the regime's engine. */
static void carry_out(world *w, act *r, uint32_t idx, int week, const pw_decision *d)
{
    const double *v = w->v;
    gsl_rng *g = at(w, RP_DECISION, r->agent, (uint32_t)week);
    int court = d->route == PW_ROUTE_CRIMINAL || d->disposition == PW_DISP_DRUG_COURT ||
                d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    if (court)
        add_cost(w, v[PI_COST_COURT], &w->yc.cost_justice);
    if (d->monitoring_required && d->monitoring_months > 0)
        r->monitor_until = weeks_from(week, d->monitoring_months / 12.0);
    if (has_measure(d, PW_MEASURE_POST_REHABILITATION_12_STEP))
        r->flags |= RF_AFTERCARE;
    double years = 0;
    if (d->has_sentence && d->sentence.custodial) {
        /* Uniform within the regime's bounds; an open bound (max 0: no
         * upper limit, or a sentence that depends on the underlying crime)
         * adds an exponential term with the scenario's mean. */
        double lo = d->sentence.min_years, hi = d->sentence.max_years;
        if (hi > lo)
            years = lo + (hi - lo) * gsl_rng_uniform(g);
        else if (hi <= 0)
            years = lo - v[PI_PRISON_SENTENCE_CAP] * log1p(-gsl_rng_uniform(g));
        else
            years = lo;
        if (years < 1.0 / WPY)
            years = 1.0 / WPY;
    }
    switch (d->disposition) {
    case PW_DISP_NO_ACTION:
    case PW_DISP_BRIEF_INTERVENTION:
    case PW_DISP_ADMINISTRATIVE_FINE:
    case PW_DISP_ALTERNATIVE_SANCTION:
        break;
    case PW_DISP_OUTPATIENT_TREATMENT: {
        double m = measure_months(d, PW_MEASURE_OUTPATIENT_TREATMENT);
        enter_outpatient(w, r, week, m > 0 ? m : v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        break;
    }
    case PW_DISP_DISSUASION_COMMISSION:
        if (r->stage == ST_DEPENDENT && gsl_rng_uniform(g) < v[PI_TX_DISSUASION_REFERRAL])
            enter_outpatient(w, r, week, v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        break;
    case PW_DISP_DRUG_COURT: {
        double m = measure_months(d, PW_MEASURE_OUTPATIENT_TREATMENT);
        if (m <= 0)
            m = 12;
        if (!enter_outpatient(w, r, week, m, PL_DRUG_COURT) && years > 0)
            enter_prison(w, r, idx, week, years, &d->sentence);
        r->then_prison = (uint16_t)fmin(years * WPY, 60000);
        break;
    }
    case PW_DISP_ADMINISTRATIVE_ARREST:
        if (d->has_sentence && d->sentence.arrest_days > 0 && !is_institution(r->place)) {
            leave_slot(w, r);
            r->place = PL_ARREST;
            r->until = (uint16_t)(week + 1 + (int)(d->sentence.arrest_days / 7));
            r->end = r->until;
        }
        break;
    case PW_DISP_COMPULSORY_INPATIENT_TREATMENT:
    case PW_DISP_TREATMENT_THEN_PRISON: {
        double m = measure_months(d, PW_MEASURE_INPATIENT_REHABILITATION);
        if (m <= 0)
            m = measure_months(d, PW_MEASURE_DETOXIFICATION);
        if (m <= 0)
            m = v[PI_TX_COMP_MONTHS];
        r->then_prison = d->disposition == PW_DISP_TREATMENT_THEN_PRISON && years > 0
                             ? (uint16_t)fmin(years * WPY, 60000)
                             : 0;
        if (r->then_prison)
            r->flags = (uint8_t)(d->sentence.educational_regime ? r->flags | RF_EDUCATIONAL
                                                                : r->flags & ~RF_EDUCATIONAL);
        enter_compulsory(w, r, idx, week, m);
        break;
    }
    case PW_DISP_PRISON:
        if (years > 0)
            enter_prison(w, r, idx, week, years, &d->sentence);
        break;
    default:
        break;
    }
}

/* A detected offence becomes a case for the regime's engine. */
static void handle_case(world *w, act *r, uint32_t idx, int week, pw_event ev, int violent)
{
    w->yc.detected++;
    w->yc.cases++;
    add_cost(w, w->v[PI_COST_POLICE], &w->yc.cost_justice);
    if (ev == PW_EVENT_POSSESSION || ev == PW_EVENT_DISTRIBUTION || ev == PW_EVENT_USE)
        w->yc.drug_crimes++;
    gsl_rng *g = at(w, RP_POLICE, r->agent, (uint32_t)week);
    pw_case c;
    memset(&c, 0, sizeof c);
    c.age = (week - r->birth) / WPY;
    c.event = ev;
    c.amount = PW_AMOUNT_PERSONAL;
    c.role = PW_ROLE_NONE;
    if (ev == PW_EVENT_DISTRIBUTION) {
        c.role = r->role == ROLE_DEALER ? PW_ROLE_DEALER : PW_ROLE_COURIER;
        double u = gsl_rng_uniform(g);
        c.amount = u < 0.3 ? PW_AMOUNT_ESPECIALLY_LARGE : u < 0.7 ? PW_AMOUNT_LARGE
                                                                  : PW_AMOUNT_PERSONAL;
    } else if (ev == PW_EVENT_POSSESSION && r->stage == ST_DEPENDENT &&
               gsl_rng_uniform(g) < 0.2) {
        c.amount = PW_AMOUNT_LARGE;
    }
    c.violent = violent != 0;
    c.prior_drug_offences = r->offences;
    c.prior_convictions = r->convictions;
    c.consents_to_treatment = gsl_rng_uniform(g) < w->v[PI_TX_CONSENT];
    c.substance = w->sub_id[r->substance];
    c.dsm5_criteria = is_using(r) || r->stage == ST_REM_EARLY ? r->dsm : 0;
    if (r->stage == ST_LIGHT)
        c.dsm5_criteria = (int)(gsl_rng_uniform(g) * 2); /* 0-1: no disorder */
    c.injecting = (r->flags & RF_INJECTS) != 0;
    c.assist_score = -1;
    if (r->offences < 255)
        r->offences++;
    if (!w->regime || c.substance < 0)
        return;
    pw_decision d;
    if (pw_decide(w->regime, &c, &d) != PW_OK)
        return;
    carry_out(w, r, idx, week, &d);
}

/* Whether police detect an offence with base probability p, limited by
 * capacity (Kleiman's enforcement swamping: P = p min(1, E / N)). */
static int detected(world *w, double u, double p)
{
    w->expected_detections += p;
    return u < p * w->detect_factor;
}

/* ---- one week of one active record ------------------------------------ */

static void release(world *w, act *r, int week, int kind)
{
    leave_slot(w, r);
    r->place = PL_COMMUNITY;
    r->released = (uint16_t)week;
    r->relapse_kind = (uint8_t)kind;
    r->since = (uint16_t)week;
    w->yc.releases++;
}

/* Placement clock: releases, work release, parole, treatment ends. */
static void placement_step(world *w, act *r, int week)
{
    const double *v = w->v;
    if (r->place == PL_COMMUNITY || r->place == PL_WAITING || week < r->until)
        return;
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week ^ 0x8000u);
    switch (r->place) {
    case PL_PRISON:
        if (week >= r->end) {
            release(w, r, week, RK_PRISON);
        } else if (r->wr != NONE16 && week >= r->wr) {
            r->place = PL_WORK_RELEASE; /* outside, with an electronic bracelet, working */
            r->flags |= RF_EMPLOYED;
            r->until = r->end;
            r->monitor_until = r->end;
            r->released = (uint16_t)week;
            r->relapse_kind = RK_PRISON;
        } else if (gsl_rng_uniform(g) < v[PI_PRISON_PAROLE_PASS]) {
            uint16_t end = r->end;
            release(w, r, week, RK_PRISON);
            r->monitor_until = end; /* parole: monitored until the sentence ends */
        } else {
            r->until = r->parole2 != NONE16 && r->parole2 > week ? r->parole2 : r->end;
            r->parole2 = NONE16;
        }
        break;
    case PL_WORK_RELEASE:
        r->place = PL_COMMUNITY;
        break;
    case PL_ARREST:
        release(w, r, week, RK_PRISON);
        break;
    case PL_COMPULSORY: {
        release(w, r, week, RK_COMPULSORY);
        if (r->then_prison) {
            uint16_t t = r->then_prison;
            r->then_prison = 0;
            enter_prison(w, r, UINT32_MAX, week, t / (double)WPY, NULL);
        }
        break;
    }
    case PL_OUTPATIENT:
        /* Outpatient care ends: no release risks, and a remission that
         * began during care keeps its clock. */
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        break;
    case PL_DRUG_COURT:
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        if (gsl_rng_uniform(g) >= v[PI_TX_DC_GRADUATION] && r->then_prison)
            enter_prison(w, r, UINT32_MAX, week, r->then_prison / (double)WPY, NULL);
        r->then_prison = 0;
        break;
    default:
        break;
    }
}

static double relapse_rate(const world *w, const act *r, int week)
{
    const double *v = w->v;
    if (r->stage == ST_REM_SUSTAINED)
        return v[PI_USE_RELAPSE_SUSTAINED];
    double rate;
    switch (r->relapse_kind) {
    case RK_COMPULSORY:
        /* Longer treatment, longer abstinence (Nosyk 2013, models.md 3.5). */
        rate = v[PI_TX_RELAPSE_COMP] *
               (1 - v[PI_TX_LENGTH_EFFECT] * fmin(1, r->tx_months / 12.0));
        break;
    case RK_VOLUNTARY:
        rate = v[PI_TX_RELAPSE_VOL];
        break;
    case RK_PRISON:
        rate = v[PI_PRISON_RELAPSE];
        break;
    default:
        rate = v[PI_USE_RELAPSE_EARLY];
    }
    if ((r->flags & RF_AFTERCARE) || (r->monitor_until && week < r->monitor_until))
        rate *= v[PI_TX_AFTERCARE_RR];
    return rate;
}

/* Peer initiation by a user or seller: Poisson attempts along household
 * and peer ties, thinned by the target's age and the deterrence memory. */
static void peer_step(world *w, act *r, int week)
{
    const double *v = w->v;
    double rate = 0;
    if (r->flags & RF_INITIATOR)
        rate = v[PI_INIT_PEER_MEAN] / v[PI_INIT_INITIATOR_SHARE];
    if (r->role == ROLE_DEALER || r->role == ROLE_COURIER)
        rate = fmax(rate, v[PI_INIT_PEER_MEAN]) * v[PI_INIT_DEALER_RR];
    if (rate <= 0)
        return;
    if (r->flags & RF_TIES_LOST)
        rate *= 0.5; /* assumption: half of one's circle is gone after prison */
    rate *= w->deterrence;
    gsl_rng *g = at(w, RP_PEER, r->agent, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, rate / WPY);
    uint32_t a = r->agent;
    for (unsigned j = 0; j < k; j++) {
        uint32_t t = UINT32_MAX;
        if (a < w->n_initial) {
            int use_hh = gsl_rng_uniform(g) < v[PI_INIT_HOUSEHOLD_SHARE];
            uint32_t h = use_hh ? w->hh[a] : UINT32_MAX;
            if (use_hh && h < w->n_hh_initial) {
                uint32_t lo = w->hh_first[h], n = w->hh_first[h + 1] - lo;
                t = lo + (uint32_t)(gsl_rng_uniform(g) * n);
            } else {
                uint32_t lo = w->tie_off[a], n = w->tie_off[a + 1] - lo;
                if (n)
                    t = w->tie[lo + (uint32_t)(gsl_rng_uniform(g) * n)];
            }
        }
        if (t == UINT32_MAX || t == a || !(w->flags[t] & AF_ALIVE) || (w->flags[t] & AF_ACTIVE))
            continue;
        double u = gsl_rng_uniform(g);
        if (u >= age_factor(age_years(w, t, week)))
            continue;
        int sub = gsl_rng_uniform(g) < 0.7 ? r->substance : pick_substance(w, g, 0);
        w->flags[t] |= AF_ACTIVE;
        if (vec_push(&w->pending, t << 3 | (uint32_t)sub))
            w->error = PW_ENOMEM;
        w->yc.peer_initiations++;
    }
}

/* One week in the community. Most draws come from one random position per
 * record and week, read in fixed lanes, so a record costs two Philox blocks;
 * rarer follow-ups (how many offences, whom to initiate) seek their own
 * purpose. Lanes: 0 use stage, 1 death, 2 acquisitive crime, 3 police
 * stop, 4 injecting onset or HIV, 5 HCV, 6 treatment entry or work, 7 sale. */
static void community_step(world *w, act *r, uint32_t idx, int week)
{
    const double *v = w->v;
    uint32_t a = r->agent;
    int in_tx = r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT;
    /* Lanes 0-3 always; lanes 4-7 (block 1) only when the person is, or
     * becomes this week, dependent or a seller. */
    double u[8];
    lanes4(w, RP_PROGRESS, a, (uint32_t)week, 0, u);

    /* Use stages. */
    switch (r->stage) {
    case ST_LIGHT:
        if (u[0] < w->p_dep[r->substance]) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
            r->dsm = draw_dsm(at(w, RP_PROGRESS, a, (uint32_t)week | 0x10000u));
        } else if (u[0] < w->p_dep[r->substance] + w->p_quit) {
            r->stage = ST_NONE;
        }
        break;
    case ST_DEPENDENT:
        if (u[0] < (in_tx ? fmax(w->p_rem_tx, w->p_rem[r->substance]) : w->p_rem[r->substance])) {
            r->stage = ST_REM_EARLY;
            r->since = (uint16_t)week;
            r->relapse_kind = in_tx ? RK_VOLUNTARY : RK_NONE;
        } else if (r->substance == SUB_OPIOIDS && !(r->flags & RF_INJECTS)) {
            double hi[4];
            lanes4(w, RP_PROGRESS, a, (uint32_t)week, 1, hi);
            if (hi[0] < w->p_inject)
                r->flags |= RF_INJECTS;
        }
        break;
    case ST_REM_EARLY: {
        int care = (r->flags & RF_AFTERCARE) || (r->monitor_until && week < r->monitor_until);
        double p = r->relapse_kind == RK_COMPULSORY
                       ? w->p_relapse_comp[r->tx_months > 60 ? 60 : r->tx_months][care]
                       : w->p_relapse_early[r->relapse_kind][care];
        if (u[0] < p) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
        } else if (week - r->since >= WPY) {
            r->stage = ST_REM_SUSTAINED; /* DSM-5: 12 months without criteria */
            r->since = (uint16_t)week;
            w->yc.sustained++;
        }
        break;
    }
    case ST_REM_SUSTAINED:
        if (u[0] < w->p_relapse_sust[(r->flags & RF_AFTERCARE) ||
                                     (r->monitor_until && week < r->monitor_until)]) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
        }
        break;
    default:
        break;
    }

    if (r->stage == ST_DEPENDENT || r->role)
        lanes4(w, RP_PROGRESS, a, (uint32_t)week, 1, u + 4);

    /* Health: overdose and HIV deaths, HIV and HCV among injectors. */
    if (r->stage == ST_DEPENDENT) {
        double p_od = w->p_od[(r->flags & RF_INJECTS) != 0][in_tx];
        /* Merrall 2010: drug deaths 3-8x higher in weeks 1-2 after release. */
        if (r->released != NONE16 && week - r->released < 2) {
            double od = (r->flags & RF_INJECTS) ? v[PI_HEALTH_OD_INJECT] : v[PI_HEALTH_OD_OTHER];
            if (!in_tx)
                od *= v[PI_HEALTH_OD_TX_RR];
            p_od = wprob(od * v[PI_HEALTH_OD_RELEASE_RR]);
        }
        double p_hiv = (r->flags & RF_HIV) ? wprob(v[PI_HEALTH_HIV_MORT]) : 0;
        if (u[1] < p_od || u[1] > 1 - p_hiv) {
            w->flags[a] = (uint8_t)((w->flags[a] & ~AF_ALIVE) | AF_DEAD);
            w->alive--;
            r->dead = 1;
            w->dead++;
            w->yc.deaths++;
            if (u[1] < p_od) {
                w->yc.od_deaths++;
                add_cost(w, v[PI_COST_OD_DEATH], &w->yc.cost_health);
            }
            return;
        }
        if (r->flags & RF_INJECTS) {
            if (!(r->flags & RF_HIV) && u[4] < w->p_hiv_inf) {
                r->flags |= RF_HIV;
                w->yc.hiv_inf++;
            }
            if (!(r->flags & RF_HCV) && u[5] < w->p_hcv_inf) {
                r->flags |= RF_HCV;
                w->yc.hcv_inf++;
            }
        }
    }

    /* Crime: acquisitive and violent offences by dependent users; use and
     * possession seen by police; distribution by sellers. */
    if (r->stage == ST_DEPENDENT) {
        double rate = v[PI_CRIME_ACQ];
        if (!(r->flags & RF_EMPLOYED))
            rate *= v[PI_CRIME_UNEMPLOYED_RR];
        if (r->mindset)
            rate *= v[PI_CRIME_MINDSET_RR];
        if (r->place == PL_DRUG_COURT)
            rate *= v[PI_TX_DC_CRIME_RR];
        /* P(at least one offence this week); the count and the details come
         * from the crime stream only when one happens. */
        if (u[2] < wprob(rate)) {
            gsl_rng *c = at(w, RP_CRIME, a, (uint32_t)week);
            double m = rate / WPY;
            unsigned k = 1 + gsl_ran_poisson(c, m); /* approximately zero-truncated */
            for (unsigned j = 0; j < k && r->place < PL_COMPULSORY; j++) {
                int violent = gsl_rng_uniform(c) < v[PI_CRIME_VIOLENT_SHARE];
                w->yc.offences++;
                w->yc.acq_crimes++;
                add_cost(w, v[PI_COST_CRIME], &w->yc.cost_crime);
                if (detected(w, gsl_rng_uniform(c), v[PI_POLICE_CRIME]))
                    handle_case(w, r, idx, week, PW_EVENT_CRIME_UNDER_INFLUENCE, violent);
            }
        }
    }
    if (is_using(r) && r->place < PL_COMPULSORY &&
        detected(w, u[3], r->stage == ST_DEPENDENT ? w->p_use_dep : w->p_use_light))
        handle_case(w, r, idx, week, PW_EVENT_POSSESSION, 0);
    if (r->role && r->place < PL_COMPULSORY) {
        w->yc.offences++;
        if (u[7] < w->p_seller_quit) {
            r->role = ROLE_NONE;
        } else if (detected(w, 1 - u[7], w->p_sale)) {
            int role = r->role;
            handle_case(w, r, idx, week, PW_EVENT_DISTRIBUTION, 0);
            if (r->place >= PL_COMPULSORY || role == ROLE_COURIER)
                r->role = ROLE_NONE; /* a caught seller's place is taken by another */
        }
    }
    if (r->place >= PL_COMPULSORY)
        return;

    /* Voluntary treatment (limited by outpatient slots) and work: dependence
     * costs jobs; stigma slows finding one again. */
    if (r->stage == ST_DEPENDENT) {
        if (r->place == PL_COMMUNITY && u[6] < w->p_vol)
            enter_outpatient(w, r, week, v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        else if ((r->flags & RF_EMPLOYED) && u[6] > 1 - w->p_jobloss)
            r->flags &= (uint8_t)~RF_EMPLOYED;
        else if (!(r->flags & RF_EMPLOYED) && u[6] > 1 - w->p_reemploy_dep)
            r->flags |= RF_EMPLOYED;
        if (!(r->flags & RF_EMPLOYED))
            add_cost(w, v[PI_COST_LOST_WORK_MONTH] * 12 / WPY, &w->yc.cost_work);
    } else if (!(r->flags & RF_EMPLOYED) && u[2] > 1 - w->p_reemploy) {
        r->flags |= RF_EMPLOYED; /* lane 2 is free: no acquisitive crime here */
    }

    if (is_using(r) || r->role)
        peer_step(w, r, week);
}

static void prison_step(world *w, act *r, int week)
{
    const double *v = w->v;
    if (r->mindset)
        return;
    /* Criminal thinking spreads in prison: a base rate, doubled for each
     * cellmate who has it, cut by the educational regime. */
    double rate = v[PI_PRISON_MINDSET];
    for (int k = 0; k < 2; k++) {
        uint32_t c = r->contact[k];
        if (c < w->n_act && w->a[c].agent != UINT32_MAX && w->a[c].place == PL_PRISON &&
            w->a[c].mindset)
            rate *= 2;
    }
    if (r->flags & RF_EDUCATIONAL)
        rate *= v[PI_PRISON_EDU_RR];
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week);
    if (gsl_rng_uniform(g) < wprob(rate)) {
        r->mindset = 1;
        w->yc.mindset_prison++;
    }
}

/* Stigma, lowered by public awareness: the more people visibly in
 * recovery (remission) per 1,000 inhabitants, the less stigma
 * (stigma / (1 + awareness_effect x recovered per 1,000)); it sets how fast
 * people find work again after dependence, treatment or prison. */
static void set_stigma(world *w, double in_remission)
{
    const double *v = w->v;
    double per1000 = w->alive > 0 ? 1000.0 * in_remission / (double)w->alive : 0;
    double stigma = v[PI_SOC_STIGMA] / (1 + v[PI_SOC_AWARENESS] * per1000);
    w->stigma = stigma;
    w->p_reemploy = wprob(v[PI_SOC_REEMPLOY] * (1 - stigma));
    /* assumption: active dependence cuts the chance of finding work 4x */
    w->p_reemploy_dep = wprob(v[PI_SOC_REEMPLOY] * (1 - stigma) / 4);
}

/* ---- the weekly loop -------------------------------------------------- */

static int apply_exits(world *w, int week)
{
    vec32 *b = &w->exits[week];
    for (uint32_t j = 0; j < b->n; j++) {
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
            w->a[w->rec_of[a]].dead = 1;
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
    return PW_OK;
}

static int births_and_arrivals(world *w, int week)
{
    gsl_rng *g = at(w, RP_BIRTHS, 0, (uint32_t)week);
    unsigned births = gsl_ran_poisson(g, w->v[PI_DEMO_BIRTH_RATE] * w->alive / WPY);
    unsigned arrivals = gsl_ran_poisson(g, w->v[PI_DEMO_IMMIGRATION] * w->alive / WPY);
    if (grow_agents(w, w->n + births + arrivals))
        return PW_ENOMEM;
    for (unsigned j = 0, tries = 0; j < births && tries < 1000u * births && w->mothers.n; tries++) {
        /* A mother: a random woman of the yearly list of women aged 18-44
         * (one random read instead of rejection over everyone), still alive. */
        uint32_t m = w->mothers.v[(uint32_t)(gsl_rng_uniform(g) * w->mothers.n)];
        if (!(w->flags[m] & AF_ALIVE))
            continue;
        uint32_t c = w->n++;
        w->birth[c] = (int16_t)week;
        w->flags[c] = AF_ALIVE | (gsl_rng_uniform(g) < 0.49 ? AF_FEMALE : 0);
        w->hh[c] = w->hh[m];
        if (w->hh_mark[w->hh[m]])
            w->flags[c] |= AF_PWUD_CHILD;
        w->alive++;
        w->born++;
        w->yc.births++;
        if (schedule_exit(w, c, 0, week))
            return PW_ENOMEM;
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
        w->alive++;
        w->immigrated++;
        w->yc.immigrated++;
        if (schedule_exit(w, c, age, week))
            return PW_ENOMEM;
    }
    return PW_OK;
}

/* Exogenous initiation: candidates ~ Poisson(tau_max n / 52) over all
 * agents, each accepted with probability age_factor x (1 or 1/RR), so a
 * susceptible agent starts at rate tau x age_factor (x RR for children of
 * people who use drugs), with work proportional to initiations. */
static void exogenous_step(world *w, int week)
{
    const double *v = w->v;
    double rr = v[PI_INIT_CHILD_RR];
    gsl_rng *g = at(w, RP_EXOGENOUS, 0, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, v[PI_INIT_EXOGENOUS] * rr * w->n / WPY);
    for (unsigned j = 0; j < k; j++) {
        uint32_t a = (uint32_t)(gsl_rng_uniform(g) * w->n);
        double u = gsl_rng_uniform(g);
        if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE))
            continue;
        double p = age_factor(age_years(w, a, week)) * ((w->flags[a] & AF_PWUD_CHILD) ? 1 : 1 / rr);
        if (u >= p)
            continue;
        w->flags[a] |= AF_ACTIVE;
        if (vec_push(&w->pending, a << 3 | (uint32_t)pick_substance(w, g, 0)))
            w->error = PW_ENOMEM;
    }
}

/* The drug market: sellers are replaced towards sellers_per_user x users;
 * dealers come from dependent users (criminal mindset first), couriers
 * from young non-users. */
static void market_step(world *w, int week)
{
    const double *v = w->v;
    double target = v[PI_MARKET_SELLERS] * (w->n_light + w->n_dep);
    double gap = target - w->n_sellers;
    if (gap <= 0)
        return;
    gsl_rng *g = at(w, RP_MARKET, 0, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, gap / 8); /* the gap closes over ~8 weeks */
    for (unsigned j = 0; j < k; j++) {
        if (gsl_rng_uniform(g) < v[PI_MARKET_COURIER_SHARE]) {
            for (int t = 0; t < 50; t++) {
                uint32_t a = (uint32_t)(gsl_rng_uniform(g) * w->n);
                double age = age_years(w, a, week);
                if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE) || age < 16 ||
                    age >= 36)
                    continue;
                uint32_t i;
                if (new_record(w, a, &i)) {
                    w->error = PW_ENOMEM;
                    return;
                }
                w->a[i].role = ROLE_COURIER;
                w->a[i].since = (uint16_t)week;
                break;
            }
        } else if (w->n_act) {
            for (int t = 0; t < 50; t++) {
                act *r = &w->a[(uint32_t)(gsl_rng_uniform(g) * w->n_act)];
                if (r->agent == UINT32_MAX || r->stage != ST_DEPENDENT || r->role ||
                    r->place != PL_COMMUNITY)
                    continue;
                if (!r->mindset && gsl_rng_uniform(g) >= 1 / v[PI_CRIME_MINDSET_RR])
                    continue;
                r->role = ROLE_DEALER;
                break;
            }
        }
    }
}

static void admit_waiting(world *w, int week)
{
    while (w->wait_head < w->waiting.n && w->beds_used < w->beds) {
        uint32_t i = w->waiting.v[w->wait_head++];
        act *r = &w->a[i];
        if (r->agent == UINT32_MAX || r->place != PL_WAITING)
            continue;
        r->place = PL_COMMUNITY;
        enter_compulsory(w, r, i, week, r->tx_months ? r->tx_months : w->v[PI_TX_COMP_MONTHS]);
    }
    /* Compact the queue now and then. */
    if (w->wait_head > 4096 && w->wait_head * 2 > w->waiting.n) {
        memmove(w->waiting.v, w->waiting.v + w->wait_head,
                (w->waiting.n - w->wait_head) * sizeof *w->waiting.v);
        w->waiting.n -= w->wait_head;
        w->wait_head = 0;
    }
}

/* Weekly stocks (and the yearly ones at the last week of a year). */
typedef struct stocks {
    double pwud, light, dep, severe, pwid, rem, prison, comp, waiting, outpatient, drug_court;
    double monitored, sellers, hiv_pwid, hcv_pwid, employed, hiv_all;
} stocks;

static void count_record(const world *w, const act *r, int week, stocks *st)
{
    int using = is_using(r);
    st->pwud += using;
    st->light += r->stage == ST_LIGHT;
    st->dep += r->stage == ST_DEPENDENT;
    st->severe += r->stage == ST_DEPENDENT && r->dsm >= 6;
    st->rem += r->stage == ST_REM_EARLY || r->stage == ST_REM_SUSTAINED;
    st->prison += r->place == PL_PRISON;
    st->comp += r->place == PL_COMPULSORY;
    st->waiting += r->place == PL_WAITING;
    st->outpatient += r->place == PL_OUTPATIENT;
    st->drug_court += r->place == PL_DRUG_COURT;
    st->monitored += r->monitor_until && week < r->monitor_until;
    st->sellers += r->role != ROLE_NONE;
    st->hiv_all += (r->flags & RF_HIV) != 0;
    if (using && (r->flags & RF_INJECTS) && !is_institution(r->place)) {
        st->pwid++;
        st->hiv_pwid += (r->flags & RF_HIV) != 0;
        st->hcv_pwid += (r->flags & RF_HCV) != 0;
    }
    st->employed += using && (r->flags & RF_EMPLOYED);
    (void)w;
}

/* Record leaves the pool when nothing about it is followed any more: a
 * former light user, or five years of sustained remission (the registry's
 * "healed", data.md 1.2), with no role, placement or monitoring. */
static int done_with(const act *r, int week)
{
    if (r->role || r->place != PL_COMMUNITY || (r->monitor_until && week < r->monitor_until) ||
        (r->flags & RF_HIV))
        return 0;
    if (r->stage == ST_NONE)
        return r->mindset == 0;
    return r->stage == ST_REM_SUSTAINED && week - r->since >= 4 * WPY && r->mindset == 0;
}

/* The women aged 18-44 alive at `week` (a sequential pass, once a year). */
static int list_mothers(world *w, int week)
{
    w->mothers.n = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        int age_w = week - w->birth[a];
        if ((w->flags[a] & (AF_ALIVE | AF_FEMALE)) == (AF_ALIVE | AF_FEMALE) &&
            age_w >= 18 * WPY && age_w < 45 * WPY && vec_push(&w->mothers, a))
            return PW_ENOMEM;
    }
    return PW_OK;
}

/* Marks the households where an adult currently uses drugs. */
static void mark_households(world *w, int week)
{
    memset(w->hh_mark, 0, w->n_hh);
    for (uint32_t i = 0; i < w->n_act; i++) {
        const act *r = &w->a[i];
        if (r->agent != UINT32_MAX && is_using(r) && week - r->birth >= 18 * WPY)
            w->hh_mark[w->hh[r->agent]] = 1;
    }
}

static void end_of_year(world *w, int year, int week, const stocks *st)
{
    size_t K = pw_series_count();
    double *row = w->out->series + (size_t)year * K;
    double up = 1 / w->scale;
    /* Children (<18) living with a person who uses drugs; they keep a
     * higher risk of starting later in life (AF_PWUD_CHILD). */
    mark_households(w, week);
    double children = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        if (!(w->flags[a] & AF_ALIVE) || !w->hh_mark[w->hh[a]])
            continue;
        if (week - w->birth[a] < 18 * WPY) {
            children++;
            w->flags[a] |= AF_PWUD_CHILD;
        }
    }
#define S(name, val) row[pw_series_find(name)] = (val) * up
    S("population", (double)w->alive);
    S("births", w->yc.births);
    S("deaths", w->yc.deaths);
    S("emigrated", w->yc.emigrated);
    S("immigrated", w->yc.immigrated);
    S("pwud", st->pwud);
    S("light_users", st->light);
    S("dependent", st->dep);
    S("dependent_severe", st->severe);
    S("pwid", st->pwid);
    S("in_remission", st->rem);
    S("initiations", w->yc.initiations);
    S("peer_initiations", w->yc.peer_initiations);
    S("overdose_deaths", w->yc.od_deaths);
    S("hiv_pwid", st->hiv_pwid);
    S("hiv_infections", w->yc.hiv_inf);
    S("hcv_infections", w->yc.hcv_inf);
    S("offences", w->yc.offences);
    S("acquisitive_crimes", w->yc.acq_crimes);
    S("drug_crimes", w->yc.drug_crimes);
    S("detected_offences", w->yc.detected);
    S("cases", w->yc.cases);
    S("prison_population", st->prison);
    S("prison_admissions", w->yc.prison_adm);
    S("releases", w->yc.releases);
    S("compulsory_treatment", st->comp);
    S("compulsory_admissions", w->yc.comp_adm);
    S("waiting_list", st->waiting);
    S("outpatient_treatment", st->outpatient);
    S("drug_court", st->drug_court);
    S("monitored", st->monitored);
    S("sellers", st->sellers);
    S("sustained_remissions", w->yc.sustained);
    S("mindset_acquired_in_prison", w->yc.mindset_prison);
    S("children_with_pwud_parent", children);
    S("employed_pwud", st->employed);
    S("cost_kzt", w->yc.cost);
#undef S
    double *m = w->out->metrics;
#define ADD(name, val) m[pw_metric_find(name)] += (val) * up
#define SET(name, val) m[pw_metric_find(name)] = (val) * up
    SET("pwud_end", st->pwud);
    SET("dependent_end", st->dep);
    SET("pwid_end", st->pwid);
    ADD("initiations_total", w->yc.initiations);
    ADD("overdose_deaths_total", w->yc.od_deaths);
    ADD("hiv_infections_total", w->yc.hiv_inf);
    ADD("hcv_infections_total", w->yc.hcv_inf);
    ADD("drug_crimes_total", w->yc.drug_crimes);
    ADD("acquisitive_crimes_total", w->yc.acq_crimes);
    ADD("detected_offences_total", w->yc.detected);
    SET("prison_population_end", st->prison);
    ADD("prison_admissions_total", w->yc.prison_adm);
    SET("in_compulsory_treatment_end", st->comp);
    ADD("compulsory_admissions_total", w->yc.comp_adm);
    SET("waiting_list_end", st->waiting);
    ADD("sustained_remissions_total", w->yc.sustained);
    ADD("criminal_mindset_acquired_in_prison_total", w->yc.mindset_prison);
    SET("children_with_pwud_parent_end", children);
    SET("population_end", (double)w->alive);
    ADD("cost_total_kzt", w->yc.cost);
    ADD("cost_justice_kzt", w->yc.cost_justice);
    ADD("cost_treatment_kzt", w->yc.cost_treatment);
    ADD("cost_health_kzt", w->yc.cost_health);
    ADD("cost_crime_kzt", w->yc.cost_crime);
    ADD("cost_lost_work_kzt", w->yc.cost_work);
#undef ADD
#undef SET
    memset(&w->yc, 0, sizeof w->yc);
}

static int week_step(world *w, int week)
{
    const double *v = w->v;
    int rc;
    w->discount = pow(1 + v[PI_COST_DISCOUNT], -(double)week / WPY);
    if ((rc = apply_exits(w, week)) || (rc = births_and_arrivals(w, week)))
        return rc;
    admit_waiting(w, week);

    /* Capacity-limited detection: last week's expected detections against
     * this week's police capacity (Kleiman 1993, models.md 1.8). */
    double expected = w->expected_detections;
    w->detect_factor = expected > w->police_week ? w->police_week / expected : 1;
    w->expected_detections = 0;

    stocks st;
    memset(&st, 0, sizeof st);
    w->prisoners.n = 0;
    for (uint32_t i = 0; i < w->n_act; i++)
        if (w->a[i].agent != UINT32_MAX && w->a[i].place == PL_PRISON)
            if (vec_push(&w->prisoners, i))
                return PW_ENOMEM;
    uint32_t n_act = w->n_act; /* records created this week start next week */
    for (uint32_t i = 0; i < n_act; i++) {
        act *r = &w->a[i];
        if (r->agent == UINT32_MAX)
            continue;
        if (r->dead) {
            free_record(w, i);
            continue;
        }
        placement_step(w, r, week);
        if (r->place == PL_PRISON || r->place == PL_ARREST) {
            prison_step(w, r, week);
            add_cost(w, v[PI_COST_PRISON_DAY] * 7, &w->yc.cost_justice);
            add_cost(w, v[PI_COST_LOST_WORK_MONTH] * 12 / WPY, &w->yc.cost_work);
        } else if (r->place == PL_COMPULSORY) {
            add_cost(w, v[PI_COST_COMP_MONTH] * 12 / WPY, &w->yc.cost_treatment);
        } else {
            if (r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT)
                add_cost(w, v[PI_COST_OUT_MONTH] * 12 / WPY, &w->yc.cost_treatment);
            community_step(w, r, i, week);
            if (r->dead) {
                free_record(w, i);
                continue;
            }
        }
        if (r->flags & RF_HIV)
            add_cost(w, v[PI_COST_HIV_YEAR] / WPY, &w->yc.cost_health);
        if (done_with(r, week)) {
            free_record(w, i);
            continue;
        }
        count_record(w, r, week, &st);
    }
    if (w->error)
        return w->error;

    /* New users of this week get their records. */
    exogenous_step(w, week);
    for (uint32_t j = 0; j < w->pending.n; j++) {
        uint32_t a = w->pending.v[j] >> 3, i;
        if ((rc = start_use(w, a, (int)(w->pending.v[j] & 7), week, &i)))
            return rc;
        w->yc.initiations++;
    }
    w->pending.n = 0;

    /* Society's memory of visible harm (LHY, models.md 1.1): Y' = H - dY,
     * deterrence = max(floor, exp(-q Y / L)). */
    w->n_light = st.light;
    w->n_dep = st.dep;
    w->n_pwid = st.pwid;
    w->n_sellers = st.sellers;
    w->memory_y += (st.dep - v[PI_INIT_MEMORY_DECAY] * w->memory_y) / WPY;
    double ratio = st.light > 0 ? w->memory_y / st.light : 0;
    w->deterrence = fmax(v[PI_INIT_DETER_FLOOR], exp(-v[PI_INIT_DETER_Q] * ratio));
    w->hiv_prev = st.pwid > 0 ? st.hiv_pwid / st.pwid : 0;
    w->hcv_prev = st.pwid > 0 ? st.hcv_pwid / st.pwid : 0;
    set_stigma(w, st.rem);
    w->p_hiv_inf = wprob(v[PI_HEALTH_HIV_BETA] * w->hiv_prev);
    w->p_hcv_inf = wprob(v[PI_HEALTH_HCV_BETA] * w->hcv_prev);
    market_step(w, week);
    if (w->error)
        return w->error;

    /* Everyone is accounted for, every week. */
    w->out->invariant_ok &= w->alive + w->dead + w->emigrated ==
                            w->n_initial + w->born + w->immigrated;
    if ((week + 1) % WPY == 0) {
        end_of_year(w, week / WPY, week, &st);
        if (list_mothers(w, week + 1))
            return PW_ENOMEM;
    }
    return PW_OK;
}

static void world_free(world *w)
{
    if (!w)
        return;
    free(w->birth);
    free(w->flags);
    free(w->hh);
    free(w->hh_mark);
    free(w->rec_of);
    /* Ties and the initial households are read-only and shared by the
     * copies of a base world; only the base frees them. */
    if (!w->shared) {
        free(w->hh_first);
        free(w->tie_off);
        free(w->tie);
    }
    if (w->exits)
        for (int k = 0; k < w->weeks; k++)
            free(w->exits[k].v);
    free(w->exits);
    free(w->a);
    free(w->free_slots.v);
    free(w->pending.v);
    free(w->waiting.v);
    free(w->prisoners.v);
    free(w->mothers.v);
    if (w->rng)
        gsl_rng_free(w->rng);
}

void pwi_world_free(pwi_world *w)
{
    world_free(w);
    free(w);
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || !n)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

static int dup_vec(vec32 *dst, const vec32 *src)
{
    dst->v = NULL;
    dst->n = dst->cap = 0;
    if (!src->n)
        return PW_OK;
    dst->v = dup_mem(src->v, (size_t)src->n * sizeof *src->v);
    if (!dst->v)
        return PW_ENOMEM;
    dst->n = dst->cap = src->n;
    return PW_OK;
}

/* A private copy of a built world (population, ties, initial state), so
 * every regime of run r starts from exactly the same society. */
static world *world_clone(const world *b)
{
    world *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    *w = *b;
    w->shared = 1;
    w->birth = dup_mem(b->birth, (size_t)b->cap * sizeof *b->birth);
    w->flags = dup_mem(b->flags, (size_t)b->cap);
    w->hh = dup_mem(b->hh, (size_t)b->cap * sizeof *b->hh);
    w->rec_of = dup_mem(b->rec_of, (size_t)b->cap * sizeof *b->rec_of);
    w->hh_mark = dup_mem(b->hh_mark, (size_t)b->hh_cap);
    w->a = dup_mem(b->a, (size_t)b->cap_act * sizeof *b->a);
    w->cap_act = b->a ? b->cap_act : 0;
    w->exits = calloc((size_t)b->weeks, sizeof *w->exits);
    w->rng = pw_rng_alloc(b->seed);
    w->free_slots.v = w->pending.v = w->waiting.v = w->prisoners.v = w->mothers.v = NULL;
    int ok = w->birth && w->flags && w->hh && w->rec_of && w->hh_mark && w->exits && w->rng &&
             (w->a || !b->a);
    ok = ok && !dup_vec(&w->free_slots, &b->free_slots) && !dup_vec(&w->pending, &b->pending) &&
         !dup_vec(&w->waiting, &b->waiting) && !dup_vec(&w->prisoners, &b->prisoners) &&
         !dup_vec(&w->mothers, &b->mothers);
    for (int k = 0; ok && k < b->weeks; k++)
        ok = !dup_vec(&w->exits[k], &b->exits[k]);
    if (!ok) {
        pwi_world_free(w);
        return NULL;
    }
    return w;
}

int pwi_world_build(const pw_scenario *s, int years, uint32_t run, int region, uint64_t seed,
                    double scale, pwi_world **out, pw_error *err)
{
    *out = NULL;
    if (years < 1 || years > 1000 || !(scale > 0 && scale <= 1))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "years",
                            "years must be 1..1000 and scale in (0, 1]");
    int R = s->regions > 0 ? s->regions : 1;
    if (region < 0 || region >= R || (uint64_t)run * (uint64_t)R >= (1u << 24) - (uint64_t)R)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "runs", "too many runs or regions");
    double n0 = floor(s->population * scale / R + 0.5);
    if (n0 < 100 || n0 > 2e9)
        return pw_error_set(err, PW_EINVAL, s->origin, 0, "scale",
                            "%.0f simulated people: the scale must give 100 to 2e9 agents", n0);
    world *w = calloc(1, sizeof *w);
    if (!w)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    w->s = s;
    w->v = s->v;
    w->seed = seed;
    w->run = run * (uint32_t)R + (uint32_t)region;
    w->scale = scale;
    w->weeks = years * WPY;
    w->deterrence = 1;
    w->detect_factor = 1;
    int rc = PW_OK;
    w->rng = pw_rng_alloc(seed);
    w->exits = calloc((size_t)w->weeks, sizeof *w->exits);
    if (!w->rng || !w->exits) {
        rc = PW_ENOMEM;
        goto done;
    }
    if ((rc = build_population(w, (uint32_t)n0)) || (rc = build_ties(w)) ||
        (rc = seed_initial_state(w)))
        goto done;
    double per100k = n0 / 1e5;
    w->beds = floor(s->v[PI_TX_BEDS] * per100k + 0.5);
    w->slots = floor(s->v[PI_TX_SLOTS] * per100k + 0.5);
    w->police_week = s->v[PI_POLICE_CAPACITY] * per100k / WPY;
    {
        const double *v = s->v;
        w->p_quit = wprob(v[PI_USE_LIGHT_QUIT]);
        for (int k = 0; k < N_SUB; k++) {
            w->p_dep[k] = wprob(dependence_rate(w, k));
            w->p_rem[k] = wprob(remission_rate(w, k));
        }
        w->p_rem_tx = wprob(v[PI_TX_REM_OUTPATIENT]);
        w->p_inject = wprob(v[PI_USE_INJECT]);
        w->p_sale = wprob(v[PI_POLICE_SALE]);
        w->p_seller_quit = wprob(v[PI_MARKET_QUIT]);
        w->p_vol = wprob(v[PI_TX_VOLUNTARY]);
        w->p_jobloss = wprob(v[PI_SOC_JOBLOSS]);
        double rem = 0;
        for (uint32_t i = 0; i < w->n_act; i++)
            rem += w->a[i].stage == ST_REM_EARLY || w->a[i].stage == ST_REM_SUSTAINED;
        set_stigma(w, rem);
        w->p_use_light = wprob(v[PI_POLICE_USE]);
        w->p_use_dep = wprob(2 * v[PI_POLICE_USE]); /* assumption: dependence doubles it */
        w->p_relapse_sust[0] = wprob(v[PI_USE_RELAPSE_SUSTAINED]);
        w->p_relapse_sust[1] = wprob(v[PI_USE_RELAPSE_SUSTAINED] * v[PI_TX_AFTERCARE_RR]);
        /* Early-remission relapse by how the remission began (relapse_rate
         * gives the rate; tabulated so the weekly loop needs no expm1). */
        for (int care = 0; care < 2; care++) {
            act probe;
            memset(&probe, 0, sizeof probe);
            probe.stage = ST_REM_EARLY;
            probe.flags = care ? RF_AFTERCARE : 0;
            for (int k = 0; k < 4; k++) {
                probe.relapse_kind = (uint8_t)k;
                w->p_relapse_early[k][care] = wprob(relapse_rate(w, &probe, 0));
            }
            probe.relapse_kind = RK_COMPULSORY;
            for (int m = 0; m <= 60; m++) {
                probe.tx_months = (uint8_t)m;
                w->p_relapse_comp[m][care] = wprob(relapse_rate(w, &probe, 0));
            }
        }
        for (int inj = 0; inj < 2; inj++)
            for (int tx = 0; tx < 2; tx++)
                w->p_od[inj][tx] = wprob((inj ? v[PI_HEALTH_OD_INJECT] : v[PI_HEALTH_OD_OTHER]) *
                                         (tx ? 1 : v[PI_HEALTH_OD_TX_RR]));
    }
    /* Start the memory at its steady state for today's dependent users. */
    {
        double dep = 0;
        for (uint32_t i = 0; i < w->n_act; i++)
            dep += w->a[i].stage == ST_DEPENDENT;
        w->memory_y = dep / s->v[PI_INIT_MEMORY_DECAY];
    }
    /* Police see last week's demand; before the first week, estimate it
     * from the initial state so that capacity binds from the start. */
    for (uint32_t i = 0; i < w->n_act; i++) {
        const act *r = &w->a[i];
        if (r->place >= PL_COMPULSORY)
            continue;
        if (r->stage == ST_LIGHT)
            w->expected_detections += w->p_use_light;
        if (r->stage == ST_DEPENDENT)
            w->expected_detections += w->p_use_dep + s->v[PI_POLICE_CRIME] *
                                      s->v[PI_CRIME_ACQ] * s->v[PI_CRIME_UNEMPLOYED_RR] / WPY;
        if (r->role)
            w->expected_detections += w->p_sale;
    }
    mark_households(w, 0);
    if (list_mothers(w, 0))
        rc = PW_ENOMEM;
done:
    if (rc) {
        pwi_world_free(w);
        return pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    }
    *out = w;
    return PW_OK;
}

size_t pwi_world_bytes(const pwi_world *w)
{
    size_t b = (size_t)w->cap * (sizeof *w->birth + 1 + sizeof *w->hh + sizeof *w->rec_of);
    b += ((size_t)w->n_initial + 1) * sizeof *w->tie_off + (size_t)w->tie_off[w->n_initial] * 4;
    b += (size_t)w->hh_cap + ((size_t)w->n_hh_initial + 1) * 4;
    b += (size_t)w->cap_act * sizeof(act);
    for (int k = 0; k < w->weeks; k++)
        b += (size_t)w->exits[k].cap * 4;
    return b;
}

uint32_t pwi_world_agents(const pwi_world *w) { return w->n_initial; }

static int run_world(world *w, const pw_regime *regime, pwi_run_result *out, pw_error *err)
{
    w->regime = regime;
    w->out = out;
    out->invariant_ok = 1;
    for (int k = 0; k < N_SUB; k++)
        w->sub_id[k] = regime ? pw_substance_lookup(SUB_ENGINE_NAME[k]) : -1;
    int rc = PW_OK;
    for (int week = 0; week < w->weeks; week++)
        if ((rc = week_step(w, week)))
            break;
    out->initial = w->n_initial;
    out->born = w->born;
    out->immigrated = w->immigrated;
    out->alive = w->alive;
    out->dead = w->dead;
    out->emigrated = w->emigrated;
    if (rc)
        return pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    return PW_OK;
}

int pwi_world_run(const pwi_world *base, const pw_regime *regime, pwi_run_result *out,
                  pw_error *err)
{
    world *w = world_clone(base);
    if (!w)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = run_world(w, regime, out, err);
    pwi_world_free(w);
    return rc;
}

int pwi_world_run_consume(pwi_world *w, const pw_regime *regime, pwi_run_result *out,
                          pw_error *err)
{
    int rc = run_world(w, regime, out, err);
    pwi_world_free(w);
    return rc;
}

int pwi_simulate(const pw_scenario *s, const pw_regime *regime, int years, uint32_t run,
                 uint64_t seed, double scale, pwi_run_result *out, pw_error *err)
{
    pwi_world *w;
    int rc = pwi_world_build(s, years, run, 0, seed, scale, &w, err);
    if (rc)
        return rc;
    return pwi_world_run_consume(w, regime, out, err);
}
