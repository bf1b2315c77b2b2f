/*
 * The mean-field (ODE) counterpart of the society model's use stages.
 *
 * It follows src/sim/model.c process by process for the part of the model
 * that does not depend on individual histories or on the regime:
 * initiation (exogenous, and by peers with LHY deterrence), light use,
 * dependence, injecting (opioids), HIV among people who inject, overdose
 * and HIV deaths, early remission (12 months, then "sustained"), sustained
 * remission (records leave the registry after 4 years, "healed"), relapse,
 * and the population's births, migration and background deaths.
 *
 * The justice and treatment pathway, the market, crime, the levers and
 * costs are in mf_streams.c, mf_justice.c and mf_levers.c; the starting
 * state, the history and the output in mf_run.c; what needs
 * individual histories is NaN (pw_mf_society_note, summary.json's
 * "not_modelled"). On the default Almaty scenario it agrees with the
 * agent-based engine in levels (tests/calib/test_mf_levels.c), and on
 * well-mixed scenarios process by process (test_mf_agreement.c).
 *
 * Compartments, per chain c (five substances used without injecting, then
 * opioid injecting HIV-negative and HIV-positive): L (light; substances
 * only), D (dependent), E[0..11] (early remission, one month each: the
 * ABM's fixed 12-month delay as an Erlang chain), R[0..47] (sustained
 * remission, one month each, 4 years) and, for HIV-positive people, who
 * never leave the registry, a final remission pool. Memory Y and
 * population N close the system.
 *
 * Assumptions (documented in docs/calibration.md): the population is
 * followed in seven age bands (ageing, births, arrivals, deaths), and
 * initiation weighs each band by the simulator's age factor, with users
 * spread over the bands like everyone; peers recruit along circles of
 * ties that run out (mf_network.c, a pair approximation); children of
 * people who use drugs get no extra risk; users' background mortality is
 * the Gompertz hazard averaged over ages 15-50.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "mf_internal.h"
#include "calib_internal.h"

#define NSUB MF_NSUB
#define NCH MF_NCH
#define CH_INJ MF_CH_INJ
#define CH_HIV MF_CH_HIV
#define NE MF_NE
#define NR MF_NR
#define STAGE_RATE MF_STAGE_RATE
#define NBAND MF_NBAND

/* Layout of the state vector (set in layout()): L[5], D[7], early
 * remission E[variant][chain][12], sustained remission R[care][chain]
 * [48], the HIV-positive remission pool, memory Y, population N, the age
 * bands, sellers, people with a record, the cumulative flows, then the
 * justice compartments (mf_justice.c). */
#define IDX_L(c) mf_l(c)
#define IDX_D(c) mf_d(c)
#define IDX_BAND(b) (p->off_band + (b))
#define CUM(k) (p->i_cum + (k))

void pwi_mf_layout(mf_model *p)
{
    p->off_e = NSUB + NCH;
    p->off_r = p->off_e + p->nv * NCH * NE;
    p->i_rfin = p->off_r + p->nsust * NCH * NR;
    p->i_y = p->i_rfin + 1;
    p->i_n = p->i_rfin + 2;
    p->off_band = p->i_rfin + 3;
    p->i_sell = p->off_band + NBAND;
    p->i_rec = p->i_sell + 1;
    p->i_cum = p->i_rec + 1;
    p->dim = (size_t)(p->i_cum + MF_NCUM);
    pwi_mf_justice_layout(p);
    pwi_mf_levers_layout(p);
    pwi_mf_network_layout(p);
    pwi_mf_hiv_layout(p);
}

/* Bands aligned with the steps of the age factor (rates.h, read at each
 * band's lower bound); the last is open. */
const double pwi_mf_band_lo[NBAND + 1] = {0, 12, 15, 25, 35, 50, 65, 90};

typedef mf_model mf_par;

/* Parameter value by name (the simulator's flat table); shared with
 * mf_justice.c and mf_streams.c through mf_internal.h. */
int pwi_mf_get(const pw_scenario *s, const char *name, double *out, pw_error *err)
{
    int i = pw_param_find(s, name);
    if (i < 0)
        return pw_error_set(err, PW_ENOTFOUND, NULL, 0, name,
                            "the mean-field engine needs this scenario parameter");
    *out = pw_param_get(s, (size_t)i);
    return PW_OK;
}

/* Share of the simulator's initial population in [lo, hi): households of
 * 1 + Poisson(size - 1) people whose first member (a share 1/size of
 * everyone) is an adult, 65-90 with probability s65/(1-s0) else 18-65; the
 * others are 0-15 (s0), 65-90 (s65) or 15-65 (model.c draw_age). */
static double overlap(double lo, double hi, double a, double b)
{
    double x = fmax(lo, a), y = fmin(hi, b);
    return y > x ? (y - x) / (b - a) : 0;
}

static double initial_share(double lo, double hi, double s0, double s65, double hh)
{
    double head = 1.0 / hh, p65 = s65 / (1 - s0);
    double heads = p65 * overlap(lo, hi, 65, 90) + (1 - p65) * overlap(lo, hi, 18, 65);
    double others = s0 * overlap(lo, hi, 0, 15) + s65 * overlap(lo, hi, 65, 90) +
                    (1 - s0 - s65) * overlap(lo, hi, 15, 65);
    return head * heads + (1 - head) * others;
}

/* Mean Gompertz hazard A e^{B a} over [lo, hi). */
static double gompertz_mean(double A, double B, double lo, double hi)
{
    return A * (exp(B * hi) - exp(B * lo)) / (B * (hi - lo));
}

int pwi_mf_load_par(const pw_scenario *s, mf_par *p, double *s0, double *s65, double *init,
                    pw_error *err)
{
    static const char *const mix[NSUB] = {
        "substances.mix_opioids", "substances.mix_synthetic_cathinones",
        "substances.mix_synthetic_cannabinoids", "substances.mix_cannabis",
        "substances.mix_stimulants"};
    static const char *const dep[NSUB] = {
        "use.dependence_rate_opioids", "use.dependence_rate_synthetic_cathinones",
        "use.dependence_rate_synthetic_cannabinoids", "use.dependence_rate_cannabis",
        "use.dependence_rate_stimulants"};
    /* Remission by substance as in model.c's remission_rate(). */
    static const char *const rem[NSUB] = {
        "use.remission_rate_opioids", "use.remission_rate_stimulants",
        "use.remission_rate_cannabis", "use.remission_rate_cannabis",
        "use.remission_rate_stimulants"};
    int rc = PW_OK;
    for (int k = 0; k < NSUB && rc == PW_OK; k++)
        if ((rc = pwi_mf_get(s, mix[k], &p->mix[k], err)) == PW_OK &&
            (rc = pwi_mf_get(s, dep[k], &p->dep[k], err)) == PW_OK)
            rc = pwi_mf_get(s, rem[k], &p->rem[k], err);
    double gA, gB, hh;
    struct {
        const char *name;
        double *dst;
    } t[] = {
        {"use.light_quit_rate", &p->quit},
        {"use.relapse_rate_early_remission", &p->relapse_early},
        {"use.relapse_rate_sustained_remission", &p->relapse_sust},
        {"use.injecting_rate_opioid_dependent", &p->inject},
        {"initiation.exogenous_rate", &p->tau},
        {"initiation.peer_mean", &p->peer_mean},
        {"initiation.deterrence_q", &p->deter_q},
        {"initiation.deterrence_floor", &p->deter_floor},
        {"initiation.memory_decay", &p->decay},
        {"health.overdose_death_rate_injecting", &p->od_inject},
        {"health.overdose_death_rate_other_dependent", &p->od_other},
        {"health.overdose_out_of_treatment_ratio", &p->od_tx_rr},
        {"health.hiv_transmission_rate", &p->hiv_beta},
        {"health.hiv_excess_mortality", &p->hiv_mort},
        {"demography.birth_rate", &p->birth},
        {"demography.immigration_rate", &p->immig},
        {"demography.emigration_rate", &p->emig},
        {"demography.gompertz_a", &gA},
        {"demography.gompertz_b", &gB},
        {"demography.share_0_14", s0},
        {"demography.share_65_plus", s65},
        {"demography.household_size", &hh},
        {"initial.light_user_share", &init[0]},
        {"initial.dependent_share", &init[1]},
        {"initial.remission_share", &init[2]},
        {"initial.injecting_share_of_opioid_dependent", &init[3]},
        {"initial.hiv_prevalence_pwid", &init[4]},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == PW_OK; i++)
        rc = pwi_mf_get(s, t[i].name, t[i].dst, err);
    if (rc != PW_OK)
        return rc;
    for (int b = 0; b < NBAND; b++) {
        p->share0[b] = initial_share(pwi_mf_band_lo[b], pwi_mf_band_lo[b + 1], *s0, *s65, hh);
        p->mu_band[b] = gompertz_mean(gA, gB, pwi_mf_band_lo[b], pwi_mf_band_lo[b + 1]);
    }
    p->mu_users = gompertz_mean(gA, gB, 15, 50);
    return PW_OK;
}

int pwi_mf_rhs(double t, const double *y, double *dy, void *ctx)
{
    const mf_par *p = ctx;
    memset(dy, 0, p->dim * sizeof *dy);
    /* The pathway first: it moves people between the use compartments and
     * custody or treatment, and reports the deaths among them. */
    double excess_j = 0;
    pwi_mf_justice_rhs(p, t, y, dy, &excess_j);

    /* Dependent users in outpatient care or drug court are dependent users
     * for peers, memory and HIV (the ABM counts them by use stage). */
    double dtx[NCH], L = 0, D = 0, A = 0;
    for (int c = 0; c < NCH; c++)
        dtx[c] = pwi_mf_dep_in_tx(p, y, c);
    for (int c = 0; c < NSUB; c++)
        L += y[IDX_L(c)];
    for (int c = 0; c < NCH; c++)
        D += y[IDX_D(c)] + dtx[c];
    for (int i = 0; i <= p->i_rfin; i++)
        A += y[i];
    for (int c = 0; c < MF_NORIG; c++)
        A += pwi_mf_held(p, y, c);
    double N = y[p->i_n];
    double free_pop = fmax(N - A, 0.0);
    double mixsum = 0;
    for (int k = 0; k < NSUB; k++)
        mixsum += p->mix[k];
    if (!(mixsum > 0))
        mixsum = 1;

    /* Initiation: exogenous per susceptible person, and by peers. */
    double det = pwi_rate_deterrence(p->deter_floor, p->deter_q, y[p->i_y], L);
    /* Age-weighted people not already followed (users spread over ages
     * like everyone: an approximation). */
    /* School programmes lower the acceptance of the ages they reached
     * (weighted0 without them, for the initiations averted), and a
     * campaign scales every initiation (mf_levers.c). */
    double weighted = 0, weighted0 = 0, pupils = 0;
    for (int b = 0; b < NBAND; b++) {
        double wb = pwi_rate_age_factor(pwi_mf_band_lo[b]) * y[IDX_BAND(b)];
        weighted0 += wb;
        weighted += wb * pwi_mf_prevention_rr(p, pwi_mf_band_lo[b], pwi_mf_band_lo[b + 1], t);
        pupils += y[IDX_BAND(b)] * overlap(p->lv.age_from, p->lv.age_to, pwi_mf_band_lo[b],
                                           pwi_mf_band_lo[b + 1]); /* aged [from, to) */
    }
    weighted *= N > 0 ? free_pop / N : 0;
    weighted0 *= N > 0 ? free_pop / N : 0;
    double camp = pwi_mf_campaign_rr(p, y);
    double exo = p->tau * weighted * camp;
    /* Peers: attempts along ties (mf_network.c), each finding a willing
     * friend not yet using with the circles' open share, times the
     * programmes' ratio of the ages they reach (weighted / weighted0). */
    double open = pwi_mf_network_open(p, y) * (weighted0 > 0 ? weighted / weighted0 : 0);
    double users_all = 0, users_k[NSUB];
    for (int k = 0; k < NSUB; k++) {
        /* A user's own substance counts for L and D; injectors use opioids. */
        users_k[k] = y[IDX_L(k)] + y[IDX_D(k)] + dtx[k] +
                     (k == 0 ? y[IDX_D(CH_INJ)] + y[IDX_D(CH_HIV)] + dtx[CH_INJ] + dtx[CH_HIV]
                             : 0);
        users_all += users_k[k];
    }
    double peer_by[NSUB] = {0}, peer = 0;
    for (int k = 0; k < NSUB; k++) {
        /* sellers pass on the substances of the users they sell to */
        double sell_k = users_all > 0 ? y[p->i_sell] * users_k[k] / users_all : 0;
        peer_by[k] = pwi_mf_network_attempts(p, users_k[k], sell_k) * det * camp * open;
        /* what the programmes averted: the same attempts at weighted0 */
        if (weighted > 0)
            dy[p->lv.i_averted] += peer_by[k] * (weighted0 / weighted - 1);
        peer += peer_by[k];
    }
    for (int k = 0; k < NSUB; k++) {
        /* Peers pass on their own substance, else one from the mix
         * (initiation.c). */
        double own = PWI_PEER_OWN_SUBSTANCE;
        double in = exo * p->mix[k] / mixsum + own * peer_by[k] + (1 - own) * peer * p->mix[k] / mixsum;
        dy[IDX_L(k)] += in;
    }
    dy[CUM(MF_CUM_INIT)] += exo + peer;
    dy[p->lv.i_averted] += p->tau * (weighted0 - weighted) * camp;
    dy[CUM(MF_CUM_PEER)] += peer;

    double freed = 0, deaths_users = 0, od = 0, relapsed = 0;
    /* Light use. */
    for (int k = 0; k < NSUB; k++) {
        double l = y[IDX_L(k)];
        dy[IDX_L(k)] -= (p->dep[k] + p->quit + p->mu_users) * l;
        dy[IDX_D(k)] += p->dep[k] * l;
        freed += p->quit * l;
        deaths_users += p->mu_users * l;
    }
    /* Dependence. */
    /* HIV through shared equipment, and its deaths, by the ABM's rule
     * (mf_hiv.c). */
    double force = pwi_mf_hiv_force(p, y), hiv_mort = pwi_mf_hiv_mort(p, y);
    for (int c = 0; c < NCH; c++) {
        double d = y[IDX_D(c)];
        double rem = p->rem[c < NSUB ? c : 0];
        double odr = pwi_rate_overdose(p->od_inject, p->od_other, p->od_tx_rr, c >= CH_INJ, 0);
        double die = odr + p->mu_users + (c == CH_HIV ? hiv_mort : 0);
        dy[IDX_D(c)] -= (rem + die) * d;
        dy[mf_e(p, 0, c, 0)] += rem * d;
        od += odr * d;
        deaths_users += (die - odr) * d;
        if (c == 0) { /* opioid users start injecting */
            dy[IDX_D(0)] -= p->inject * d;
            dy[IDX_D(CH_INJ)] += p->inject * d;
        }
        if (c == CH_INJ) { /* HIV among people who inject */
            double inf = force * d;
            dy[IDX_D(CH_INJ)] -= inf;
            dy[IDX_D(CH_HIV)] += inf;
            dy[CUM(MF_CUM_HIVINF)] += inf;
        }
        /* Early remission, by how it began: relapse, or on to the next
         * month; the sustained remission that follows has the care still
         * running then (its variant). */
        for (int v = 0; v < p->nv; v++) {
            double rel = p->var[v].relapse;
            int a = p->var[v].sust;
            for (int j = 0; j < NE; j++) {
                double e = y[mf_e(p, v, c, j)];
                dy[mf_e(p, v, c, j)] -= (rel + STAGE_RATE + p->mu_users) * e;
                dy[IDX_D(c)] += rel * e;
                relapsed += rel * e;
                deaths_users += p->mu_users * e;
                if (j + 1 < NE) {
                    dy[mf_e(p, v, c, j + 1)] += STAGE_RATE * e;
                } else {
                    dy[mf_r(p, a, c, 0)] += STAGE_RATE * e;
                    dy[CUM(MF_CUM_SUST)] += STAGE_RATE * e;
                }
            }
        }
        for (int a = 0; a < p->nsust; a++) {
            double rel = p->relapse_sust * p->sust_rr[a];
            for (int j = 0; j < NR; j++) {
                double r = y[mf_r(p, a, c, j)];
                dy[mf_r(p, a, c, j)] -= (rel + STAGE_RATE + p->mu_users) * r;
                dy[IDX_D(c)] += rel * r;
                relapsed += rel * r;
                deaths_users += p->mu_users * r;
                if (j + 1 < NR)
                    dy[mf_r(p, a, c, j + 1)] += STAGE_RATE * r;
                else if (c == CH_HIV)
                    dy[p->i_rfin] += STAGE_RATE * r; /* HIV care keeps the record */
                else
                    freed += STAGE_RATE * r;
            }
        }
    }
    /* HIV-positive people in long remission relapse into injecting. */
    double rf = y[p->i_rfin];
    dy[p->i_rfin] -= (p->relapse_sust + p->mu_users) * rf;
    dy[IDX_D(CH_HIV)] += p->relapse_sust * rf;
    relapsed += p->relapse_sust * rf;
    deaths_users += p->mu_users * rf;
    /* The circles renew (mf_network.c): new users join with fresh ones,
     * others convert one's friends, and friends leave use. The age
     * factor's E[a^2]/E[a] among the people not followed (the bands'
     * mix). */
    {
        double sa = 0, sa2 = 0;
        for (int b = 0; b < NBAND; b++) {
            double a = pwi_rate_age_factor(pwi_mf_band_lo[b]);
            sa += a * y[IDX_BAND(b)];
            sa2 += a * a * y[IDX_BAND(b)];
        }
        double U = L + D;
        double renew = (U > 0 ? (exo + peer + relapsed) / U : 0) +
                       (free_pop > 0 ? (exo + peer) / free_pop : 0) +
                       (A > 0 ? (freed + deaths_users + od) / A : 0);
        pwi_mf_network_rhs(p, y, dy, N > 0 ? weighted0 / N : 0, sa > 0 ? sa2 / sa : 0, det * camp, renew);
    }
    /* People with a record leave with the records that end (quitting,
     * healing, death), in proportion. */
    if (A > 0)
        dy[p->i_rec] -= y[p->i_rec] * (freed + deaths_users + od) / A;

    /* Memory of visible harm and the population. */
    dy[p->i_y] = D - p->decay * y[p->i_y];
    double births = p->birth * N, immig = p->immig * N, emig = p->emig * free_pop;
    /* Age bands: ageing, births into the first, arrivals aged 18-40
     * (population.c), emigration of people not followed, background
     * deaths, and users' excess deaths taken from the 15-50 bands. */
    double bg = 0, excess = od + excess_j;
    for (int c = 0; c < NCH; c++)
        excess += (c == CH_HIV ? hiv_mort : 0) * y[IDX_D(c)];
    double young = y[IDX_BAND(2)] + y[IDX_BAND(3)] + y[IDX_BAND(4)];
    double leave[NBAND]; /* a year per person of band b */
    for (int b = 0; b < NBAND; b++) {
        double nb = y[IDX_BAND(b)];
        double out = b + 1 < NBAND ? nb / (pwi_mf_band_lo[b + 1] - pwi_mf_band_lo[b]) : 0;
        double d = p->mu_band[b] * nb;
        bg += d;
        dy[IDX_BAND(b)] += -out - d - (N > 0 ? emig * nb / N : 0);
        if (b + 1 < NBAND)
            dy[IDX_BAND(b + 1)] += out;
        if (b >= 2 && b <= 4 && young > 0)
            dy[IDX_BAND(b)] -= excess * nb / young;
        leave[b] = p->mu_band[b] + (N > 0 ? emig / N : 0) +
                   (b >= 2 && b <= 4 && young > 0 ? excess / young : 0);
    }
    pwi_mf_network_households(p, y, dy, leave, births);
    dy[IDX_BAND(0)] += births;
    dy[IDX_BAND(2)] += immig * 7.0 / 22.0;
    dy[IDX_BAND(3)] += immig * 10.0 / 22.0;
    dy[IDX_BAND(4)] += immig * 5.0 / 22.0;
    dy[p->i_n] = births + immig - emig - bg - excess;
    dy[CUM(MF_CUM_OD)] += od;
    dy[CUM(MF_CUM_DEATHS)] += bg + excess;
    dy[CUM(MF_CUM_BIRTHS)] += births;
    dy[CUM(MF_CUM_EMIG)] += emig;
    dy[CUM(MF_CUM_IMMIG)] += immig;
    /* Health costs: overdose deaths (all, the pathway's included); ART
     * and the programme's places in mf_hiv.c, after every flow it reads. */
    double disc = exp(-log1p(p->discount) * t);
    pwi_mf_levers_rhs(p, t, y, dy, pupils, N); /* pressure, awareness, their costs */
    pwi_mf_hiv_rhs(p, t, y, dy);
    dy[CUM(MF_CUM_COST_HEALTH)] += disc * p->c_od * dy[CUM(MF_CUM_OD)];
    dy[CUM(MF_CUM_COST)] = dy[CUM(MF_CUM_COST_JUSTICE)] + dy[CUM(MF_CUM_COST_TREATMENT)] +
                           dy[CUM(MF_CUM_COST_HEALTH)] + dy[CUM(MF_CUM_COST_CRIME)] +
                           dy[CUM(MF_CUM_COST_WORK)];
    return GSL_SUCCESS;
}
