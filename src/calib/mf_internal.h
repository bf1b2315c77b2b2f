/*
 * Internal interface of the mean-field society model (src/calib only):
 * mf_society.c holds the use stages and the population; mf_run.c the
 * starting state, the history and its branch, and the output;
 * mf_streams.c decides the regime's case classes once and builds the
 * custody and treatment streams they lead to; mf_justice.c turns them into
 * flows between the compartments; mf_hiv.c carries HIV among PWID
 * (sharing, needle programmes, diagnosis, ART) on the injecting chains. Both share one state vector whose layout is
 * fixed at set-up, because the number of pathways ("streams") depends on
 * what the regime decides.
 */
#ifndef PW_MF_INTERNAL_H
#define PW_MF_INTERNAL_H

#include <stddef.h>

#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

/* The rate formulas the agent-based model uses, from the same place. */
#include "../sim/rates.h"

#define MF_NSUB 5
#define MF_NCH 7      /* 5 substances + injecting HIV- + injecting HIV+ */
#define MF_CH_INJ 5
#define MF_CH_HIV 6
#define MF_NORIG (MF_NCH + 1) /* custody origins: the use chains, and sellers */
#define MF_SELLER MF_NCH
#define MF_NE 12      /* early remission: 12 monthly stages */
#define MF_NR 48      /* sustained remission before leaving: 48 months */
#define MF_STAGE_RATE 12.0
#define MF_KMAX 12    /* most Erlang stages of a custody or treatment leg */
#define MF_MAXSTREAM 32
#define MF_MAXVAR 16  /* early-remission variants (relapse rate after release) */
#define MF_MAXSUST 8  /* sustained-remission variants (care running in it) */
#define MF_KW 12      /* stages of a waiting order's validity */
#define MF_NBAND 7

/* Where a stream holds people: MF_ARREST is administrative or criminal
 * arrest (held, not in the prison count; the person returns to the use
 * stage they left). */
enum { MF_PRISON, MF_COMP, MF_OUT, MF_DC, MF_ARREST };

/* A stream: one custody or treatment leg that decided cases lead to, held
 * as an Erlang chain of k stages (rate per stage) for each origin. */
typedef struct mf_stream {
    int place;
    int k;
    double rate;
    double months;    /* mean length (months), for the table in the docs */
    int then;         /* stream entered at the end (prison after treatment
                         or after failing drug court), or -1 */
    double p_then;    /* probability of entering `then` */
    int fallback;     /* drug court without a free slot: this prison stream */
    int var;          /* early-remission variant on release (OUT/DC: on
                         remission during the care) */
    double p_wr;      /* prison: share of the time inside on work release
                         (in custody, working: no lost earnings) */
    int light;        /* ARREST: holds light users (back to L at the end) */
    int off;          /* x[off + o * k + j]: origin o, stage j */
    int off_slot;     /* OUT/DC: slot occupancy chain, k stages */
    int off_wait;     /* COMP without `then`: waiting list of origin o (a
                         label on D(o)) at x[off_wait + o * MF_KW + j], j
                         the stage of the order's validity; or -1 */
    /* COMP with a `then` prison term (treatment then prison): the waiting
     * list is custody (src/sim/pathway.c enter_compulsory). People wait in
     * x[off_cw + o * kt + j], stage j of the term's kt = st[then].k Erlang
     * stages; admitted, they are in x[off_cb + o * k + j] (beds), and
     * x[off_cm + o * k + j] holds the sum of their term stages still to
     * serve (a moment, not people). All -1 otherwise. */
    int off_cw, off_cb, off_cm;
} mf_stream;

/* An early-remission variant: its relapse rate, and the sustained-remission
 * variant that follows (m->sust_rr[sust]: the relapse ratio of the care
 * still running then, averaged over the sustained remission). */
typedef struct mf_var {
    double relapse;
    int sust;
} mf_var;

/* Where decided cases of one source go: probability of each stream, and of
 * a court hearing (cost). Two record states: first case, repeat. */
typedef struct mf_route {
    double p[MF_MAXSTREAM];
    double court;
} mf_route;

enum { MF_SRC_POSS_LIGHT, MF_SRC_POSS_DEP, MF_SRC_CRIME, MF_SRC_DIST, MF_NSRC };

/* The chapter's social levers in the mean field (mf_levers.c): their
 * parameters, the starting stigma, and where their state sits. */
typedef struct mf_levers {
    double coverage, age_from, age_to, effect, half_life, cost_pupil;
    double budget, half_reach, use_effect, aware_stigma;
    double punish, ref, decay, help, work;
    double stigma_ref;        /* stigma of the starting state */
    int i_press, i_aware;     /* pressure and awareness */
    int i_vol, i_pupils, i_averted, i_cost_prev, i_cost_camp; /* cumulative */
} mf_levers;

/* Peer initiation through circles that run out (mf_network.c). */
typedef struct mf_network {
    double share, dealer_rr, hh_share, degree, hh_size;
    double hh_others;         /* P(a household draw is someone else) */
    int i_fp, i_fh;           /* open share of peer and household circles */
    /* The initial households (population.c): their first members by age
     * band, a closed cohort that ages and leaves (x[i_coh + b]); their
     * number at the start (x[i_coh0], constant); and everyone who belongs
     * to one, those members and the children born to them (x[i_ph]). */
    int i_coh, i_coh0, i_ph;
} mf_network;

/* HIV among PWID by the ABM's mechanism (mf_hiv.c): parameters, and where
 * the chains' sharing, diagnosis and ART shares and the NSP clients sit. */
typedef struct mf_hiv {
    double share, nsp_rr, test, test_contact, art_start, art_stop, art_tx_rr, art_mort_rr;
    double nsp_per100k, nsp_uptake, nsp_test, c_nsp, init_diag, init_art;
    double places; /* NSP places (people): fixed when the world starts, as
                      world.c does, and kept through the branch */
    int i_shn, i_shp, i_dg, i_art, i_nsp;
} mf_hiv;

typedef struct mf_model {
    /* parameters of the use stages */
    double mix[MF_NSUB], dep[MF_NSUB], rem[MF_NSUB];
    double quit, relapse_early, relapse_sust, inject;
    double tau, peer_mean, deter_q, deter_floor, decay;
    double od_inject, od_other, od_tx_rr, od_release_rr, hiv_beta, hiv_mort;
    double birth, immig, emig;
    double mu_band[MF_NBAND];
    double mu_users;
    double share0[MF_NBAND];
    /* justice and treatment parameters (simulator names in mf_streams.c) */
    double police_use, police_crime, police_sale, police_cap; /* cap per person */
    double crime_acq, crime_violent, crime_unemp_rr, crime_mindset_rr;
    double market_sellers, market_courier, market_quit;
    double beds, slots;       /* per person at the start (the ABM fixes
                                 beds, slots and police at set-up) */
    double n0;                /* the population at the start */
    double tx_vol, tx_consent, tx_out_months, tx_comp_months, tx_rem_out;
    double tx_relapse_comp, tx_relapse_vol, tx_length, tx_aftercare_rr, tx_dc_grad;
    double tx_dc_crime_rr, tx_dissuasion;
    double tx_order_validity, tx_monitoring_rr; /* months; relapse ratio */
    double arrest_share, cs_share; /* the court's choice among its sanctions */
    double prison_relapse, prison_parole, prison_open_years;
    double soc_reemploy, soc_stigma, soc_awareness, soc_jobloss;
    double c_police, c_court, c_prison_day, c_comp_month, c_out_month, c_crime, c_hiv,
        c_od, c_work_month, discount;
    double dsm_w[10];         /* P(dsm = 2 + j) at the onset of dependence */
    double severe_share;      /* P(dsm >= 6) */

    /* the regime's pathway */
    int justice;              /* 0: no regime (every case gets no action) */
    int ns;
    mf_stream st[MF_MAXSTREAM];
    int nv;
    mf_var var[MF_MAXVAR];
    int nsust;
    double sust_rr[MF_MAXSUST]; /* sustained variant 0: no care (ratio 1) */
    int var_vol;              /* remission during outpatient care */
    int s_init;               /* the prisoners of the initial state, or -1 */
    double prison0;           /* their share of the population */
    /* route[src][origin][record]: origin is the substance (light), the chain
     * (dependent), or 0 courier / 1 dealer (distribution); record 0 first
     * case, 1 repeat */
    mf_route route[MF_NSRC][MF_NCH][2];

    /* layout */
    size_t dim;
    int off_e, off_r, i_rfin, i_y, i_n, off_band;
    int i_sell, i_rec;
    int i_cum; /* first cumulative flow (MF_CUM_*) */
    mf_levers lv; /* appended: the social levers (mf_levers.c) */
    mf_network net; /* appended: the network correction (mf_network.c) */
    mf_hiv hv;      /* appended: HIV, sharing, NSP and ART (mf_hiv.c) */
} mf_model;

/* Cumulative flows, read as yearly differences. */
enum {
    MF_CUM_INIT,
    MF_CUM_PEER,
    MF_CUM_OD,
    MF_CUM_HIVINF,
    MF_CUM_SUST,
    MF_CUM_DEATHS,
    MF_CUM_BIRTHS,
    MF_CUM_EMIG,
    MF_CUM_IMMIG,
    MF_CUM_OFFENCES,
    MF_CUM_ACQ,
    MF_CUM_DRUG,
    MF_CUM_CASES,
    MF_CUM_PRISON_ADM,
    MF_CUM_RELEASES,
    MF_CUM_COMP_ADM,
    MF_CUM_COST,
    MF_CUM_COST_JUSTICE,
    MF_CUM_COST_TREATMENT,
    MF_CUM_COST_HEALTH,
    MF_CUM_COST_CRIME,
    MF_CUM_COST_WORK,
    MF_CUM_ARREST_ADM,
    MF_CUM_LAPSED,
    /* person-years held (outputs.c's custody_weeks): prison (custody
     * waiters included), arrest, compulsory treatment */
    MF_CUM_PY_PRISON,
    MF_CUM_PY_ARREST,
    MF_CUM_PY_COMP,
    /* appended (mf_hiv.c): admissions of the HIV-positive chain to
     * treatment or custody (tests at contact), entries of people who
     * inject into custody (they give back their NSP place), and the
     * programme's cost */
    MF_CUM_HIV_CONTACT,
    MF_CUM_PWID_CUSTODY,
    MF_CUM_COST_NSP,
    MF_NCUM
};

static inline int mf_l(int k) { return k; }
static inline int mf_d(int c) { return MF_NSUB + c; }
static inline int mf_e(const mf_model *m, int v, int c, int j)
{
    return m->off_e + (v * MF_NCH + c) * MF_NE + j;
}
static inline int mf_r(const mf_model *m, int a, int c, int j)
{
    return m->off_r + (a * MF_NCH + c) * MF_NR + j;
}

/* The use stages and the population (mf_society.c). */
/* Lower bounds of the age bands (the last, 90, closes the open band). */
extern const double pwi_mf_band_lo[MF_NBAND + 1];
/* Reads the use, health and demography parameters into m; *s0 and *s65
 * the shares aged 0-14 and 65+, init[5] the initial.* shares (light,
 * dependent, remission, injecting among opioid-dependent, HIV among
 * PWID). */
int pwi_mf_load_par(const pw_scenario *s, mf_model *m, double *s0, double *s65, double *init,
                    pw_error *err);
/* Places every compartment (the justice, levers and network ones too) and
 * sets m->dim; after pwi_mf_justice_setup. */
void pwi_mf_layout(mf_model *m);
/* The right-hand side of the ODEs (ctx: the mf_model). */
int pwi_mf_rhs(double t, const double *y, double *dy, void *ctx);

/* Finds or adds an early-remission variant with its sustained-remission
 * relapse ratio; returns its index or -1 (mf_streams.c). */
int pwi_mf_variant(mf_model *m, double relapse, double sust_rr);
/* A scenario parameter by name; PW_ENOTFOUND names it (mf_society.c). */
int pwi_mf_get(const pw_scenario *s, const char *name, double *out, pw_error *err);
/* Reads the justice parameters and, with a regime, decides every case
 * class once and builds the streams and routes (mf_streams.c). */
int pwi_mf_justice_setup(mf_model *m, const pw_scenario *s, const pw_regime *regime,
                         pw_error *err);
/* Places the justice compartments from m->dim on and grows m->dim. */
void pwi_mf_justice_layout(mf_model *m);
/* The justice and treatment flows at time t, added into dy. *excess gets
 * the overdose and HIV deaths among people in treatment and just released
 * (for the population's accounting in mf_society.c). */
void pwi_mf_justice_rhs(const mf_model *m, double t, const double *y, double *dy,
                        double *excess);
/* Dependent users of chain c in outpatient care or drug court. */
double pwi_mf_dep_in_tx(const mf_model *m, const double *y, int c);
/* Everyone followed in a custody or treatment compartment of origin c. */
double pwi_mf_held(const mf_model *m, const double *y, int c);
/* Stocks of the justice compartments, for the output. */
typedef struct mf_stocks {
    double prison, comp, waiting, outpatient, drug_court, sellers, dep_in_tx, arrest,
        work_release;
} mf_stocks;
void pwi_mf_justice_stocks(const mf_model *m, const double *y, mf_stocks *out);

/* The social levers (mf_levers.c; the same formulas as src/sim/levers.c,
 * from rates.h). */
int pwi_mf_levers_load(mf_model *m, const pw_scenario *s, pw_error *err);
/* Places pressure, awareness and the levers' cumulative flows from m->dim. */
void pwi_mf_levers_layout(mf_model *m);
/* The starting state: today's pressure and awareness, and the starting
 * stigma (`rem` people in remission among N). */
void pwi_mf_levers_init(mf_model *m, double *y0, double rem, double N);
/* Stigma at state y (rem people in remission among N). */
double pwi_mf_stigma(const mf_model *m, const double *y, double rem, double N);
/* Voluntary treatment entry a year of a dependent user at stigma s. */
double pwi_mf_voluntary_rate(const mf_model *m, double stigma);
/* Mean initiation ratio of people aged [lo, hi) at time t from the school
 * programmes (1 without any). */
double pwi_mf_prevention_rr(const mf_model *m, double lo, double hi, double t);
/* Initiation ratio of the campaign at state y. */
double pwi_mf_campaign_rr(const mf_model *m, const double *y);
/* Pressure and awareness, and the levers' costs, at time t: reads the
 * admissions the justice flows put in dy; `pupils` people aged in the
 * programme band, N the population. */
void pwi_mf_levers_rhs(const mf_model *m, double t, const double *y, double *dy, double pupils,
                       double N);

/* The network correction of peer initiation (mf_network.c). */
int pwi_mf_network_load(mf_model *m, const pw_scenario *s, pw_error *err);
/* Places the two circles' open shares from m->dim on. */
void pwi_mf_network_layout(mf_model *m);
/* Circles at the start: drawn like anyone's, open share s; the initial
 * households are everyone of y0's age bands. */
void pwi_mf_network_init(const mf_model *m, double *y0, double s);
/* Chance an attempt finds a willing friend not yet using (before the
 * programmes' and campaign's ratios). */
double pwi_mf_network_open(const mf_model *m, const double *y);
/* Peer attempts a year of `users` users and `sellers` sellers (before
 * deterrence and the campaign). */
double pwi_mf_network_attempts(const mf_model *m, double users, double sellers);
/* The circles' drift: s the open share of the whole population, a2 =
 * E[a^2]/E[a] of the age factor among the susceptible, det the
 * deterrence x campaign ratio, renew the rate at which circles renew
 * (new users, others' conversions, friends who leave use). */
void pwi_mf_network_rhs(const mf_model *m, const double *y, double *dy, double s, double a2,
                        double det, double renew);
/* The initial households' cohort and members: ageing, and leaving at
 * `leave` a year per person of band b (background deaths, emigration,
 * users' excess deaths); `births` a year into the whole population. */
void pwi_mf_network_households(const mf_model *m, const double *y, double *dy,
                               const double *leave, double births);

/* HIV among PWID (mf_hiv.c; the formulas of src/sim/hiv.c from rates.h). */
int pwi_mf_hiv_load(mf_model *m, const pw_scenario *s, pw_error *err);
/* Places the sharing, diagnosis and ART shares and the NSP clients. */
void pwi_mf_hiv_layout(mf_model *m);
/* The starting shares, as initial.c seeds them at HIV prevalence `prev`
 * among people who inject, and the NSP places (after m->n0 is set). */
void pwi_mf_hiv_init(mf_model *m, double *y0, double prev);
/* HIV infections a year of an HIV-negative person who injects outside an
 * institution (the sharers' rate, averaged over the chain). */
double pwi_mf_hiv_force(const mf_model *m, const double *y);
/* HIV excess deaths a year of an HIV-positive dependent injector (the
 * mean over ART). */
double pwi_mf_hiv_mort(const mf_model *m, const double *y);
/* The shares' drift, the NSP places and the HIV and NSP costs; after the
 * other flows (reads their rates in dy). */
void pwi_mf_hiv_rhs(const mf_model *m, double t, const double *y, double *dy);
/* NSP clients, and the diagnosed and on ART among people who inject. */
void pwi_mf_hiv_stocks(const mf_model *m, const double *y, double *nsp, double *diag,
                       double *art);

#endif /* PW_MF_INTERNAL_H */
