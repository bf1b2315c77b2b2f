/*
 * The agent-based society model: one simulation of one regime and one run.
 * This private header is shared by the model's files, one per process
 * (world.c the lifecycle and the week, population.c, ties.c, records.c,
 * initial.c, use.c, initiation.c, community.c, police.c, pathway.c,
 * placement.c, prison.c, market.c, society.c, costs.c, accounts.c; the map
 * is in docs/model.md). The rest of the simulator sees only
 * sim_internal.h, where the world is opaque.
 *
 * Layout (docs/model.md explains every process and parameter):
 *   - Everyone is an agent in structure-of-arrays form: birth week (int16),
 *     flags (uint8) and household (uint32). Ageing is implicit (age = week -
 *     birth). Background death and emigration are drawn once, when an agent
 *     is created, and filed in per-week buckets, so the population costs
 *     nothing week to week.
 *   - Peer ties are a compressed adjacency list (CSR) built per
 *     neighbourhood block (clustering) with Pareto degrees (heavy tail);
 *     the ties made during the run are per-agent blocks of a pool (ties.h);
 *     household ties are implicit (initial households are contiguous).
 *   - Only people who use drugs, sell them or are in the justice or
 *     treatment system have an "active record" (struct act); each week the
 *     model walks the active records, so weekly work grows with users and
 *     people in the system, not with the population.
 *   - Every random draw is keyed by (seed, run, purpose, subject, week)
 *     (pathways/rng.h), so run r of every regime sees the same population,
 *     ties and chances (common random numbers), whatever the threads.
 */
#ifndef PW_SIM_MODEL_H
#define PW_SIM_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>
#include <Random123/philox.h>

#include "core/rng_gsl.h"
#include "rates.h"
#include "sim_internal.h"
#include "ties.h"

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
/* Use stage of an active record. */
enum { ST_NONE, ST_LIGHT, ST_DEPENDENT, ST_REM_EARLY, ST_REM_SUSTAINED };
/* Where the person is. Institutions: PRISON, COMPULSORY, ARREST. */
enum {
    PL_COMMUNITY,
    PL_WAITING,     /* waiting for a compulsory-treatment bed (in the community;
                       a treatment-then-prison order waits in prison instead:
                       PL_PRISON with awaiting_bed) */
    PL_OUTPATIENT,  /* voluntary or referred outpatient treatment / OST */
    PL_DRUG_COURT,  /* supervised treatment under a drug court */
    PL_WORK_RELEASE,/* no longer entered: work release is custody (PL_PRISON
                       with act.work_release set); kept so the numbering and
                       the stocks' place[] stay as they were */
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
    RF_AFTERCARE = 128   /* unused: aftercare runs until act.aftercare_until */
};
enum { ROLE_NONE, ROLE_COURIER, ROLE_DEALER };
/* Output flags of a record (act.out_flags; outputs.c). */
enum {
    OF_ORDERED = 1 /* under a compulsory-treatment order last week (in a bed or waiting) */
};
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
    uint8_t dead;          /* the agent died or left: free the record */
    uint8_t out_flags;     /* OF_*: what outputs.c has already counted */
    uint8_t substance, stage, dsm, flags;
    uint8_t role, place, relapse_kind, mindset;
    uint8_t offences, convictions, tx_months;
    uint8_t awaiting_bed;  /* in prison on a treatment-then-prison order, queued for a bed */
    /* Appended: the measures of a decision that follow a placement
     * (pathway.c carries them out, placement.c starts them at discharge). */
    uint16_t parole1;      /* week of the first parole exam (NONE16 = none) */
    uint16_t aftercare_until; /* 12-step aftercare runs until this week (0 = none) */
    uint16_t pretrial_until;  /* the term's first weeks are pre-trial detention */
    uint16_t queued;       /* week the treatment order joined the bed queue */
    uint16_t prison_release; /* week of the last release from prison (NONE16 = none) */
    uint8_t ac_months;     /* aftercare months due at the next discharge */
    uint8_t mon_months;    /* monitoring months due at the next discharge */
    uint8_t work_release;  /* in prison, working outside by day with a bracelet */
    uint8_t pend;          /* order due when the arrest ends: PEND_* */
    uint8_t pend_months;   /* its length in months */
    uint8_t reconvicted;   /* re-convicted since prison_release (counted once) */
    /* Appended: HIV care and harm reduction (hiv.c), HV_* bits. */
    uint8_t hiv;
} act;
/* act.hiv: shares injecting equipment (drawn at injecting onset), holds a
 * needle-syringe programme place, HIV diagnosed, on ART. */
enum { HV_SHARES = 1, HV_NSP = 2, HV_DIAG = 4, HV_ART = 8 };
/* A treatment order held while the person serves an administrative or
 * criminal arrest (act.pend). */
enum { PEND_NONE, PEND_COMPULSORY, PEND_OUTPATIENT };

/* Cost items (costs.c has their names and groups): every charge of the
 * model goes to one item, and the items add up to the total. */
enum {
    CI_POLICE,
    CI_COURT,
    CI_PANEL,
    CI_PRETRIAL,
    CI_PRISON,
    CI_ARREST,
    CI_BRACELET,
    CI_EXAM,
    CI_COMMUNITY_SERVICE,
    CI_BRIEF,
    CI_OUTPATIENT,
    CI_COMPULSORY,
    CI_CENTRES,
    CI_AFTERCARE,
    CI_MONITORING,
    CI_CRIME,
    CI_HIV,
    CI_OVERDOSE,
    CI_LOST_WORK,
    CI_PREVENTION, /* appended: the social levers (levers.c) */
    CI_CAMPAIGNS,
    CI_NSP, /* appended: needle-syringe programmes (hiv.c) */
    CI_COUNT
};

/* Where a coerced person is held, for the person-years of confinement
 * (outputs.c). A new custody state gets a kind here and a line in
 * pwi_custody_kind. */
enum { CK_PRETRIAL, CK_PRISON, CK_ARREST, CK_COMPULSORY, N_CUSTODY };
/* Longest compulsory-treatment order in weeks (60 months) plus one: the
 * ring of order expiries in outputs.c. */
enum { ORDER_RING = 60 * WPY / 12 + 2 };

/* The ministry's tallies of one year (outputs.c), kept apart from
 * year_counts so that the model's own accounts stay as they are. */
typedef struct out_counts {
    double custody_weeks[N_CUSTODY]; /* person-weeks held, by kind */
    double drug_deaths, life_years_lost;
    double need_sum, need_peak;      /* orders in force: sum over weeks, weekly peak */
    double panel_sessions;
    uint32_t pwud_sub[N_SUB], dep_sub[N_SUB]; /* stocks at the year's end */
} out_counts;

typedef struct vec32 {
    uint32_t *v;
    uint32_t n, cap;
} vec32;
/* Makes room for `need` elements, growing by half at least (as vec_push
 * doubles), so a list filled chunk by chunk stays within 1.5x its length. */
static inline int vec_reserve(vec32 *q, uint32_t need)
{
    if (need <= q->cap)
        return PW_OK;
    uint32_t cap = q->cap + q->cap / 2 > need ? q->cap + q->cap / 2 : need;
    uint32_t *v = realloc(q->v, (size_t)cap * sizeof *v);
    if (!v)
        return PW_ENOMEM;
    q->v = v;
    q->cap = cap;
    return PW_OK;
}
/* dst gets its own copy of src's elements (dst's old contents are
 * forgotten, not freed; world.c). */
int pwi_vec_dup(vec32 *dst, const vec32 *src);
/* Agents or records scanned between two vec_reserve calls of a branch-free
 * pass (which writes one element past its list for every candidate). */
enum { SCAN_CHUNK = 4096 };
static inline int vec_push(vec32 *q, uint32_t x)
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
    /* appended: the measures carried out, their queue and their costs */
    double item[CI_COUNT];        /* discounted KZT by cost item */
    double fines;                 /* fines levied, KZT, discounted (not a cost) */
    double arrests, pretrial_days, cs_hours, lapsed, from_queue, wait_weeks;
    double wr_starts, exams, paroles, prison_releases;
    /* appended: the social levers (levers.c) */
    double vol_entries, pupils, averted;
} year_counts;

/* One slot of the agent -> record table (records.c); agent UINT32_MAX =
 * empty. */
typedef struct pwi_recmap {
    uint32_t agent, rec;
} pwi_recmap;

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
    /* Peer ties made during the run (ties.c), private to this world: the
     * newcomers' ties and the ones that take the place of ties to people
     * who left. NULL until the first newcomer or exit. */
    uint32_t bs, n_blocks;  /* neighbourhood size; blocks so far */
    pwi_xt *xt;             /* agent -> its extra ties (w->cap entries) */
    uint32_t *xt_pool;      /* the extra ties, a block per agent (ties.c) */
    uint32_t xt_len, xt_cap; /* words of xt_pool in use / allocated */
    vec32 xt_free[PWI_XT_CLASSES]; /* per block size: the free blocks' offsets */
    vec32 *open;            /* per block: open stubs, by owner (a tie lost or not yet made) */
    uint32_t open_cap;      /* blocks open[] has room for */
    vec32 newblk;           /* block of newcomer n_initial + k */
    uint32_t imm_block, imm_in_block; /* the block immigrants settle in now */
    uint32_t csr_dead;      /* initial ties of departed agents still in tie[] */
    /* agent -> active record, for the agents with one (records.c): a
     * hash table of the few hundred thousand records rather than an
     * array over every agent ever simulated (4 bytes x 37 M agents, most
     * of them never active, in Kazakhstan with its history). */
    pwi_recmap *rec_map;
    uint32_t rec_bits, rec_n; /* 2^rec_bits slots; slots in use */
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
    vec32 mother_hh;    /* their households (a birth reads no hh[] at random) */

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
    double p_relapse_sust[4];     /* [care]: bit 0 aftercare, bit 1 monitoring */
    double p_relapse_early[4][4]; /* [relapse kind][care]; compulsory at 0 months */
    double p_relapse_comp[61][4]; /* after compulsory treatment of m months */
    double p_od[2][2];            /* [injects][in treatment] */
    double p_crime[2][2][2];      /* acquisitive offence: [unemployed][mindset][drug court] */
    double p_mind_crime, p_mind_resale; /* a mindset carrier who is not dependent */
    double p_hiv_mort;            /* HIV excess death */
    double p_mindset[3][2];       /* prison: [cellmates with a mindset][educational regime] */
    double p_hiv_inf[2], p_hcv_inf[2]; /* a sharer this week, [NSP client], from last
                                          week's infectious sharers (hiv.c) */

    year_counts yc;
    uint32_t centres;   /* treatment centres opened so far (never closed) */
    out_counts oc;
    /* Compulsory-treatment orders in force (the beds the orders need if
     * each were admitted on the day it was made) and, per week mod
     * ORDER_RING, how many of them run out then. */
    uint32_t orders_in_force;
    uint32_t order_ends[ORDER_RING];
    double discount;    /* (1 + r)^-t of the current week */
    pwi_run_result *out;
    int error;
    /* appended: the social levers (levers.c) */
    double pressure;    /* admissions to arrest, compulsory treatment and prison per
                           1,000 a year, as the public remembers them */
    double awareness;   /* public awareness from campaigns, 0..1 */
    double stigma_base; /* stigma after visible recoveries only */
    double stigma_ref;  /* stigma of the starting state (voluntary entry is set there) */
    double camp_rr;     /* initiation ratio of the current campaign awareness */
    double pun_seen;    /* the year's admissions already counted into pressure */
    /* appended: the history phase (world.c) */
    int hist_weeks;     /* weeks of history before the projection (0: none) */
    int next_week;      /* the first week not yet simulated */
    /* appended: HIV care and harm reduction (hiv.c) */
    double nsp_places;  /* needle-syringe programme places (simulated people) */
    uint32_t nsp_used;
    double p_hiv_mort_art;  /* HIV excess death on ART */
    double p_hiv_test[2];   /* background test, [NSP client] adds the programme's tests */
    double p_art_start, p_art_stop, p_nsp_join;
    /* appended: stopping a run that left a plausibility band (world.c) */
    int stop_bands; /* check the bands at the end of every year */
    int left_band;  /* it left one: no later week is simulated */
};
typedef struct pwi_world world;

/* ---- small helpers ---------------------------------------------------- */


/* Weekly probability of an event with a yearly rate. */
static inline double wprob(double rate_per_year)
{
    return rate_per_year <= 0 ? 0 : -expm1(-rate_per_year / WPY);
}

/* Acquisitive offences a year of a dependent user in the community, by the
 * flags that move it. One place forms the product (rates.h, shared with the
 * mean field), so the tabulated weekly chance (world.c) and the count drawn
 * when an offence happens (community.c) use the same double. */
static inline double crime_rate(const double *v, int unemp, int mind, int dc)
{
    return pwi_rate_crime(v[PI_CRIME_ACQ], v[PI_CRIME_UNEMPLOYED_RR], v[PI_CRIME_MINDSET_RR],
                          v[PI_TX_DC_CRIME_RR], unemp, mind, dc);
}

/* The run's generator sought to (purpose, subject, step). */
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

/* Age in years of `agent` at `week`. */
static inline double age_years(const world *w, uint32_t agent, int week)
{
    return (week - w->birth[agent]) / (double)WPY;
}

/* Whether `place` holds the person inside (prison, compulsory, arrest). */
static inline int is_institution(int place)
{
    return place == PL_PRISON || place == PL_COMPULSORY || place == PL_ARREST;
}

/* Weeks record r has spent in its current use stage at `week`. `since`
 * may lie before week 0 (the initial remitters' clocks are spread over
 * the past, initial.c), so it is kept modulo 2^16 and the difference is
 * taken the same way; exact while a stage lasts under 65,536 weeks. */
static inline int stage_weeks(const act *r, int week)
{
    return (uint16_t)((uint32_t)week - r->since);
}

/* Whether the record currently uses (light or dependent). */
static inline int is_using(const act *r)
{
    return r->stage == ST_LIGHT || r->stage == ST_DEPENDENT;
}

/* The week of the next step of r's prison term: work release, a parole
 * exam or the end, whichever comes first. */
static inline uint16_t prison_next_step(const act *r)
{
    uint16_t t = r->end;
    if (r->wr != NONE16 && !r->work_release && r->wr < t)
        t = r->wr;
    if (r->parole1 != NONE16 && r->parole1 < t)
        t = r->parole1;
    return t;
}

/* The care r receives at `week` that lowers relapse: bit 0 aftercare,
 * bit 1 monitoring. Both start only at a discharge (placement.c), so a
 * person who waited for a bed, or never got the treatment, has neither. */
static inline int care_of(const act *r, int week)
{
    return (r->aftercare_until && week < r->aftercare_until) |
           (r->monitor_until && week < r->monitor_until) << 1;
}

/* Weekly stocks: the counts the next week's rates need every week, and
 * the rest of the yearly series only in the last week of a year (`full`).
 * Counted as integers (exactly the sums of 0/1 the series report), by
 * stage and by place, because counting every record into 17 doubles was
 * a seventh of a run's instructions. */
typedef struct stocks {
    int full;                 /* set by the caller: count the yearly stocks too */
    uint32_t stage[5];        /* records by use stage (ST_*) */
    uint32_t sellers, pwid, hiv_pwid, hcv_pwid;
    /* counted only when `full` */
    uint32_t place[8];        /* records by place (PL_*) */
    uint32_t severe, waiting, monitored, employed;
    uint32_t work_release, pretrial, aftercare; /* appended */
    /* appended (hiv.c): sharers among PWID, the HIV-positive ones off and on
     * ART, the HCV-positive ones (every week); PWID who are NSP clients,
     * diagnosed, on ART (when `full`) */
    uint32_t sharers, hiv_sh_off, hiv_sh_art, hcv_sh;
    uint32_t nsp, hiv_diag, hiv_art;
} stocks;
static inline uint32_t stocks_pwud(const stocks *st)
{
    return st->stage[ST_LIGHT] + st->stage[ST_DEPENDENT];
}
static inline uint32_t stocks_rem(const stocks *st)
{
    return st->stage[ST_REM_EARLY] + st->stage[ST_REM_SUSTAINED];
}

/* ---- the processes, one file each (docs/model.md has the file map) ---- */

/* world.c */
/* Attaches the regime (NULL: every case gets no action) and the result
 * that the weekly loop fills; pwi_world_run does this before week 0. */
void pwi_world_begin(world *w, const pw_regime *regime, pwi_run_result *out);
/* One week of the model, every process in its order. The weekly loop of
 * pwi_world_run; the tests drive it on hand-made worlds (tests/sim). */
int pwi_week_step(world *w, int week);

/* population.c */
/* Creates n0 agents in households and schedules their exits. */
int pwi_build_population(world *w, uint32_t n0);
/* Applies this week's scheduled deaths and emigrations. */
int pwi_apply_exits(world *w, int week);
/* Adds this week's births (to listed mothers) and immigrant arrivals. */
int pwi_births_and_arrivals(world *w, int week);
/* Lists the women aged 18-44 alive at `week` (the mothers of next year). */
int pwi_list_mothers(world *w, int week);

/* ties.c: see ties.h */

/* records.c */
/* Creates (or reuses) an active record for `agent`; its index in *idx. */
int pwi_new_record(world *w, uint32_t agent, uint32_t *idx);
/* The active record of `agent` (which has one: AF_ACTIVE and not merely
 * an initiation pending this week). */
uint32_t pwi_record_of(const world *w, uint32_t agent);
/* A copy of src's agent -> record table into dst (PW_ENOMEM on failure,
 * dst's left empty). */
int pwi_recmap_copy(world *dst, const world *src);
/* Frees record i, giving back its bed or slot. */
void pwi_free_record(world *w, uint32_t i);
/* Whether record r no longer needs following at `week`. */
int pwi_done_with(const act *r, int week);

/* initial.c */
/* Seeds week 0's users by stage, prisoners and sellers. */
int pwi_seed_initial_state(world *w);

/* use.c */
/* Draws a substance from the mix (weighting 0 new, 1 light, 2 dependent). */
int pwi_pick_substance(const world *w, gsl_rng *r, int weighting);
/* Yearly rate of light use -> dependence of substance `sub`. */
double pwi_dependence_rate(const world *w, int sub);
/* Yearly rate of dependence -> remission of substance `sub`. */
double pwi_remission_rate(const world *w, int sub);
/* DSM-5 criteria met at the onset of dependence. */
uint8_t pwi_draw_dsm(gsl_rng *r);
/* Turns `agent` into a light user of `sub` at `week`. */
int pwi_start_use(world *w, uint32_t agent, int sub, int week, uint32_t *idx);
/* Yearly relapse rate of a record in remission (by how remission began). */
double pwi_relapse_rate(const world *w, const act *r, int week);

/* initiation.c */
/* Peer initiation attempts by user or seller r this week. */
void pwi_peer_step(world *w, act *r, int week);
/* This week's exogenous initiations (queued in w->pending). */
void pwi_exogenous_step(world *w, int week);

/* costs.c */
/* Adds a cost in KZT, discounted, to item `item` (CI_*), its group's
 * bucket and the year's total. */
void pwi_cost(world *w, int item, double kzt);
/* The name of cost item `item` ("prison"): its series is cost_<name>_kzt. */
const char *pwi_cost_item_name(int item);
/* The weekly costs of r's placement and care (world.c calls it once per
 * record and week, before the community step). */
void pwi_weekly_costs(world *w, const act *r, int week);

/* pathway.c */
/* Gives back r's outpatient slot or compulsory bed, if it holds one. */
void pwi_leave_slot(world *w, act *r);
/* Sends r to prison for `years` (sen: work release and parole, or NULL). */
void pwi_enter_prison(world *w, act *r, uint32_t idx, int week, double years,
                      const pw_sentence *sen);
/* Starts outpatient care or drug court if a slot is free (returns 1). */
int pwi_enter_outpatient(world *w, act *r, int week, double months, int place);
/* Carries out an order held during an arrest (act.pend), at its end. */
void pwi_start_pending(world *w, act *r, uint32_t idx, int week);
/* Starts the aftercare and monitoring a decision ordered, at a discharge
 * from treatment or custody. */
void pwi_start_care(act *r, int week);
/* A detected offence of r: builds the pw_case, decides, carries it out. */
void pwi_handle_case(world *w, act *r, uint32_t idx, int week, pw_event ev, int violent);
/* Moves people from the waiting list into free compulsory beds. */
void pwi_admit_waiting(world *w, int week);

/* police.c */
/* Whether an offence with base detection probability p is detected. */
int pwi_detected(world *w, double u, double p);

/* placement.c */
/* Advances r's placement clock: release, work release, parole, ends. */
void pwi_placement_step(world *w, act *r, uint32_t idx, int week);

/* community.c */
/* One week of record r in the community (all community processes); pre0
 * and pre1 are its Philox blocks 0 and 1 (RP_PROGRESS, agent, week) if
 * the caller computed them, else NULL. */
void pwi_community_step(world *w, act *r, uint32_t idx, int week, const double *pre0,
                        const double *pre1);

/* prison.c */
/* One week of record r in prison or arrest (criminal mindset). */
void pwi_prison_step(world *w, act *r, int week);

/* society.c */
/* Sets stigma and the re-employment chances from people in remission. */
void pwi_set_stigma(world *w, double in_remission);
/* Marks the households where an adult currently uses drugs. */
void pwi_mark_households(world *w, int week);

/* levers.c */
/* The starting state of pressure, awareness and stigma (world build). */
void pwi_levers_init(world *w, double in_remission);
/* A week of the public's view: pressure from this week's admissions,
 * awareness from the campaign and its cost, the year's school programme
 * at a year's start; then stigma and the rates it sets (pwi_set_stigma). */
void pwi_levers_week(world *w, int week, double in_remission);
/* The initiation ratio of `agent` at `week` from the school programmes
 * that reached them (1 if none did). */
double pwi_prevention_rr(const world *w, uint32_t agent, int week);
/* Whether a candidate initiation with acceptance uniform u and chance p
 * (before the levers) goes ahead; counts those the programme averted. */
int pwi_initiation_accepted(world *w, uint32_t agent, int week, double u, double p);

/* hiv.c */
/* Tabulates the weekly chances of the HIV care processes (world build). */
void pwi_hiv_init(world *w);
/* Equipment sharing drawn for r when it starts injecting at `week`. */
void pwi_hiv_onset(world *w, act *r, int week);
/* A week of r's harm reduction and HIV care: a needle-syringe programme
 * place taken or given back, an HIV test, ART started or stopped. */
/* pre: RP_HIV block 0 of (r->agent, week) as the weekly loop computed it
 * for a batch of records, or NULL (computed here). */
void pwi_hiv_step(world *w, act *r, int week, const double *pre);
/* A contact with a service that tests for HIV (entry to treatment,
 * compulsory treatment or prison): r may be diagnosed. */
void pwi_hiv_contact(world *w, act *r, int week);
/* Sets next week's infection chances from this week's stocks. */
void pwi_hiv_week(world *w, const stocks *st);
/* Gives back r's programme place (record freed or no longer eligible). */
void pwi_hiv_leave_nsp(world *w, act *r);

/* market.c */
/* Replaces sellers towards the market's target. */
void pwi_market_step(world *w, int week);

/* outputs.c */
/* Where r is held at `week` (CK_*), or -1 if not held: the first weeks of
 * a prison term are pre-trial detention (as costs.c charges them); a
 * prisoner on work release is still in custody. */
static inline int pwi_custody_kind(const act *r, int week)
{
    switch (r->place) {
    case PL_PRISON:
        return r->pretrial_until && week < r->pretrial_until ? CK_PRETRIAL : CK_PRISON;
    case PL_ARREST:
        return CK_ARREST;
    case PL_COMPULSORY:
        return CK_COMPULSORY;
    default:
        return -1;
    }
}
/* Counts record r's outputs of this week after its step (a new
 * compulsory-treatment order; the stocks by substance if `full`). */
void pwi_outputs_record(world *w, act *r, int week, int full);
/* A decision of the regime's engine: panel or commission sessions. */
void pwi_outputs_decision(world *w, const pw_decision *d);
/* Record r died of drug use this week (overdose or HIV). */
void pwi_outputs_drug_death(world *w, const act *r, int week);
/* Opens week `week` (orders that run out) and, with `close`, closes it
 * (orders in force added to the year's sum and peak). */
void pwi_outputs_week(world *w, int week, int close);
/* Writes year `year`'s outputs and resets the year's tallies. */
void pwi_outputs_end_of_year(world *w, int year);
/* Remaining life expectancy at `age` years under the scenario's Gompertz
 * background mortality (the life table of life-years lost). */
double pwi_life_expectancy(const double *v, double age);

/* accounts.c */
/* Adds record r to this week's stocks (the yearly ones if st->full). */
void pwi_count_record(const act *r, int week, stocks *st);
/* Writes year `year`'s series and metrics and resets the year's counters. */
void pwi_end_of_year(world *w, int year, int week, const stocks *st);

#endif /* PW_SIM_MODEL_H */
