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
 * What it leaves out, so that its outputs are NaN in timeseries.csv: the
 * justice and treatment pathways decided by the regime (prison, compulsory
 * and voluntary treatment, drug courts), the drug market, crime, costs and
 * employment. It therefore matches the agent-based engine only where those
 * processes are switched off; the agreement test checks exactly that.
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
 * spread over the bands like everyone; peers' targets are random people
 * (a well-mixed population: no circle of friends runs out); children of
 * people who use drugs get no extra risk; users' background mortality is
 * the Gompertz hazard averaged over ages 15-50.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "pathways/calib.h"
#include "pathways/sim.h"

#define NSUB 5
#define NCH 7          /* 5 substances + injecting HIV- + injecting HIV+ */
#define CH_INJ 5
#define CH_HIV 6
#define NE 12          /* early remission: 12 monthly stages */
#define NR 48          /* sustained remission before leaving: 48 months */
#define STAGE_RATE 12.0

/* Layout of the state vector. */
enum { OFF_L = 0 };
#define IDX_L(c) ((c))                                  /* c < NSUB */
#define IDX_D(c) (NSUB + (c))
#define IDX_E(c, j) (NSUB + NCH + (c) * NE + (j))
#define IDX_R(c, j) (NSUB + NCH + NCH * NE + (c) * NR + (j))
#define IDX_RFIN (NSUB + NCH + NCH * NE + NCH * NR)
#define IDX_Y (IDX_RFIN + 1)
#define IDX_N (IDX_RFIN + 2)
/* Cumulative flows (read as yearly differences). */
#define IDX_INIT (IDX_RFIN + 3)
#define IDX_PEER (IDX_RFIN + 4)
#define IDX_OD (IDX_RFIN + 5)
#define IDX_HIVINF (IDX_RFIN + 6)
#define IDX_SUST (IDX_RFIN + 7)
#define IDX_DEATHS (IDX_RFIN + 8)
#define IDX_BIRTHS (IDX_RFIN + 9)
#define IDX_EMIG (IDX_RFIN + 10)
#define IDX_IMMIG (IDX_RFIN + 11)
/* Everyone (users included) by age band, for the age mix of initiation. */
#define NBAND 7
#define IDX_BAND(b) (IDX_RFIN + 12 + (b))
#define DIM (IDX_RFIN + 12 + NBAND)

/* Bands aligned with the steps of the age factor; the last is open. */
static const double band_lo[NBAND + 1] = {0, 12, 15, 25, 35, 50, 65, 90};
static const double band_af[NBAND] = {0, 0.3, 1.0, 0.6, 0.25, 0.08, 0};

typedef struct {
    double mix[NSUB], dep[NSUB], rem[NSUB];
    double quit, relapse_early, relapse_sust, inject;
    double tau, peer_mean, deter_q, deter_floor, decay;
    double od_inject, od_other, od_tx_rr, hiv_beta, hiv_mort;
    double birth, immig, emig;
    double mu_band[NBAND];   /* background mortality by age band */
    double mu_users;         /* background mortality of users (ages 15-50) */
    double share0[NBAND];    /* initial age mix */
} mf_par;

/* Parameter value by name (the simulator's flat table). */
static int get(const pw_scenario *s, const char *name, double *out, pw_error *err)
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

static int load_par(const pw_scenario *s, mf_par *p, double *s0, double *s65, double *init,
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
        if ((rc = get(s, mix[k], &p->mix[k], err)) == PW_OK &&
            (rc = get(s, dep[k], &p->dep[k], err)) == PW_OK)
            rc = get(s, rem[k], &p->rem[k], err);
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
        rc = get(s, t[i].name, t[i].dst, err);
    if (rc != PW_OK)
        return rc;
    for (int b = 0; b < NBAND; b++) {
        p->share0[b] = initial_share(band_lo[b], band_lo[b + 1], *s0, *s65, hh);
        p->mu_band[b] = gompertz_mean(gA, gB, band_lo[b], band_lo[b + 1]);
    }
    p->mu_users = gompertz_mean(gA, gB, 15, 50);
    return PW_OK;
}

static int rhs(double t, const double *y, double *dy, void *ctx)
{
    (void)t;
    const mf_par *p = ctx;
    memset(dy, 0, DIM * sizeof *dy);
    double L = 0, D = 0, A = 0;
    for (int c = 0; c < NSUB; c++)
        L += y[IDX_L(c)];
    for (int c = 0; c < NCH; c++)
        D += y[IDX_D(c)];
    for (int i = 0; i < IDX_Y; i++)
        A += y[i];
    double N = y[IDX_N];
    double free_pop = fmax(N - A, 0.0);
    double mixsum = 0;
    for (int k = 0; k < NSUB; k++)
        mixsum += p->mix[k];
    if (!(mixsum > 0))
        mixsum = 1;

    /* Initiation: exogenous per susceptible person, and by peers. */
    double det = L > 0 ? fmax(p->deter_floor, exp(-p->deter_q * y[IDX_Y] / L)) : 1.0;
    /* Age-weighted people not already followed (users spread over ages
     * like everyone: an approximation). */
    double weighted = 0;
    for (int b = 0; b < NBAND; b++)
        weighted += band_af[b] * y[IDX_BAND(b)];
    weighted *= N > 0 ? free_pop / N : 0;
    double exo = p->tau * weighted;
    double accept = N > 0 ? weighted / N : 0;
    double peer_by[NSUB] = {0}, peer = 0;
    for (int k = 0; k < NSUB; k++) {
        /* A user's own substance counts for L and D; injectors use opioids. */
        double users = y[IDX_L(k)] + y[IDX_D(k)] + (k == 0 ? y[IDX_D(CH_INJ)] + y[IDX_D(CH_HIV)] : 0);
        peer_by[k] = p->peer_mean * det * users * accept;
        peer += peer_by[k];
    }
    for (int k = 0; k < NSUB; k++) {
        /* Peers pass on their own substance 70% of the time (model.c). */
        double in = exo * p->mix[k] / mixsum + 0.7 * peer_by[k] + 0.3 * peer * p->mix[k] / mixsum;
        dy[IDX_L(k)] += in;
    }
    dy[IDX_INIT] = exo + peer;
    dy[IDX_PEER] = peer;

    double freed = 0, deaths_users = 0, od = 0;
    /* Light use. */
    for (int k = 0; k < NSUB; k++) {
        double l = y[IDX_L(k)];
        dy[IDX_L(k)] -= (p->dep[k] + p->quit + p->mu_users) * l;
        dy[IDX_D(k)] += p->dep[k] * l;
        freed += p->quit * l;
        deaths_users += p->mu_users * l;
    }
    /* Dependence. */
    double pwid = y[IDX_D(CH_INJ)] + y[IDX_D(CH_HIV)];
    double prev = pwid > 0 ? y[IDX_D(CH_HIV)] / pwid : 0;
    for (int c = 0; c < NCH; c++) {
        double d = y[IDX_D(c)];
        double rem = p->rem[c < NSUB ? c : 0];
        double odr = (c >= CH_INJ ? p->od_inject : p->od_other) * p->od_tx_rr;
        double die = odr + p->mu_users + (c == CH_HIV ? p->hiv_mort : 0);
        dy[IDX_D(c)] -= (rem + die) * d;
        dy[IDX_E(c, 0)] += rem * d;
        od += odr * d;
        deaths_users += (die - odr) * d;
        if (c == 0) { /* opioid users start injecting */
            dy[IDX_D(0)] -= p->inject * d;
            dy[IDX_D(CH_INJ)] += p->inject * d;
        }
        if (c == CH_INJ) { /* HIV among people who inject */
            double inf = p->hiv_beta * prev * d;
            dy[IDX_D(CH_INJ)] -= inf;
            dy[IDX_D(CH_HIV)] += inf;
            dy[IDX_HIVINF] += inf;
        }
        /* Early remission: relapse, or on to the next month. */
        for (int j = 0; j < NE; j++) {
            double e = y[IDX_E(c, j)];
            dy[IDX_E(c, j)] -= (p->relapse_early + STAGE_RATE + p->mu_users) * e;
            dy[IDX_D(c)] += p->relapse_early * e;
            deaths_users += p->mu_users * e;
            if (j + 1 < NE) {
                dy[IDX_E(c, j + 1)] += STAGE_RATE * e;
            } else {
                dy[IDX_R(c, 0)] += STAGE_RATE * e;
                dy[IDX_SUST] += STAGE_RATE * e;
            }
        }
        for (int j = 0; j < NR; j++) {
            double r = y[IDX_R(c, j)];
            dy[IDX_R(c, j)] -= (p->relapse_sust + STAGE_RATE + p->mu_users) * r;
            dy[IDX_D(c)] += p->relapse_sust * r;
            deaths_users += p->mu_users * r;
            if (j + 1 < NR)
                dy[IDX_R(c, j + 1)] += STAGE_RATE * r;
            else if (c == CH_HIV)
                dy[IDX_RFIN] += STAGE_RATE * r; /* HIV care keeps the record */
            else
                freed += STAGE_RATE * r;
        }
    }
    /* HIV-positive people in long remission relapse into injecting. */
    double rf = y[IDX_RFIN];
    dy[IDX_RFIN] -= (p->relapse_sust + p->mu_users) * rf;
    dy[IDX_D(CH_HIV)] += p->relapse_sust * rf;
    deaths_users += p->mu_users * rf;
    (void)freed; /* freed people rejoin N - A implicitly */

    /* Memory of visible harm and the population. */
    dy[IDX_Y] = D - p->decay * y[IDX_Y];
    double births = p->birth * N, immig = p->immig * N, emig = p->emig * free_pop;
    /* Age bands: ageing, births into the first, arrivals aged 18-40
     * (model.c), emigration of people not followed, background deaths,
     * and users' excess deaths taken from the 15-50 bands. */
    double bg = 0, excess = od;
    for (int c = 0; c < NCH; c++)
        excess += (c == CH_HIV ? p->hiv_mort : 0) * y[IDX_D(c)];
    double young = y[IDX_BAND(2)] + y[IDX_BAND(3)] + y[IDX_BAND(4)];
    for (int b = 0; b < NBAND; b++) {
        double nb = y[IDX_BAND(b)];
        double out = b + 1 < NBAND ? nb / (band_lo[b + 1] - band_lo[b]) : 0;
        double d = p->mu_band[b] * nb;
        bg += d;
        dy[IDX_BAND(b)] += -out - d - (N > 0 ? emig * nb / N : 0);
        if (b + 1 < NBAND)
            dy[IDX_BAND(b + 1)] += out;
        if (b >= 2 && b <= 4 && young > 0)
            dy[IDX_BAND(b)] -= excess * nb / young;
    }
    dy[IDX_BAND(0)] += births;
    dy[IDX_BAND(2)] += immig * 7.0 / 22.0;
    dy[IDX_BAND(3)] += immig * 10.0 / 22.0;
    dy[IDX_BAND(4)] += immig * 5.0 / 22.0;
    (void)deaths_users; /* users' background deaths are inside bg */
    dy[IDX_N] = births + immig - emig - bg - excess;
    dy[IDX_OD] = od;
    dy[IDX_DEATHS] = bg + excess;
    dy[IDX_BIRTHS] = births;
    dy[IDX_EMIG] = emig;
    dy[IDX_IMMIG] = immig;
    return GSL_SUCCESS;
}

int pw_mf_society_run(const pw_scenario *s, double scale_population, int years,
                      pw_results *res, size_t g, int run, pw_error *err)
{
    mf_par p;
    double s0, s65, init[5];
    memset(&p, 0, sizeof p);
    int rc = load_par(s, &p, &s0, &s65, init, err);
    if (rc != PW_OK)
        return rc;
    double N0 = pw_scenario_population(s) * (scale_population > 0 ? scale_population : 1.0);
    double adults = 0;
    for (int b = 2; b <= 5; b++) /* ages 15-65 */
        adults += N0 * p.share0[b];
    double *y0 = calloc(DIM, sizeof(double));
    double *traj = malloc((size_t)(years + 1) * DIM * sizeof(double));
    if (!y0 || !traj) {
        free(y0);
        free(traj);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    /* Initial stocks split by substance as model.c's pick_substance():
     * light users by mix/(quit + dependence), dependence and remission by
     * mix x dependence / remission. */
    double w1[NSUB], w2[NSUB], t1 = 0, t2 = 0;
    for (int k = 0; k < NSUB; k++) {
        w1[k] = p.mix[k] / (p.quit + p.dep[k] + 1e-9);
        w2[k] = p.mix[k] * p.dep[k] / (p.rem[k] + 1e-9);
        t1 += w1[k];
        t2 += w2[k];
    }
    for (int k = 0; k < NSUB; k++) {
        double light = fmin(1, init[0]) * adults * w1[k] / t1;
        double dep = fmin(1, init[1]) * adults * w2[k] / t2;
        double rem = fmin(1, init[2]) * adults * w2[k] / t2;
        y0[IDX_L(k)] = light;
        if (k == 0) {
            double inj = dep * init[3];
            y0[IDX_D(0)] = dep - inj;
            y0[IDX_D(CH_INJ)] = inj * (1 - init[4]);
            y0[IDX_D(CH_HIV)] = inj * init[4];
        } else {
            y0[IDX_D(k)] = dep;
        }
        /* Seeded sustained remission starts its 4-year clock at 0. */
        y0[IDX_R(k, 0)] = rem;
    }
    double D0 = 0;
    for (int c = 0; c < NCH; c++)
        D0 += y0[IDX_D(c)];
    y0[IDX_Y] = D0 / p.decay;
    y0[IDX_N] = N0;
    for (int b = 0; b < NBAND; b++)
        y0[IDX_BAND(b)] = N0 * p.share0[b];
    rc = pw_ode_solve(DIM, rhs, &p, y0, 0.0, 1.0, (size_t)years, traj, err);
    if (rc != PW_OK)
        goto done;

    /* Yearly rows: stocks at the end of year y, flows over year y, scaled
     * back to the full population. */
    double up = 1.0 / (scale_population > 0 ? scale_population : 1.0);
    for (size_t k = 0; k < pw_series_count(); k++)
        for (int yr = 0; yr < years; yr++)
            pw_results_set_series(res, g, run, yr, k, NAN);
    for (size_t m = 0; m < pw_metric_count(); m++)
        pw_results_set_metric(res, g, run, m, NAN);
#define SER(name, v) do { int k_ = pw_series_find(name); \
        if (k_ >= 0) pw_results_set_series(res, g, run, yr, (size_t)k_, (v) * up); } while (0)
#define MET(name, v) do { int m_ = pw_metric_find(name); \
        if (m_ >= 0) pw_results_set_metric(res, g, run, (size_t)m_, (v) * up); } while (0)
    for (int yr = 0; yr < years; yr++) {
        const double *e = traj + (size_t)(yr + 1) * DIM, *b = traj + (size_t)yr * DIM;
        double L = 0, D = 0, rem = 0;
        for (int c = 0; c < NSUB; c++)
            L += e[IDX_L(c)];
        for (int c = 0; c < NCH; c++) {
            D += e[IDX_D(c)];
            for (int j = 0; j < NE; j++)
                rem += e[IDX_E(c, j)];
            for (int j = 0; j < NR; j++)
                rem += e[IDX_R(c, j)];
        }
        rem += e[IDX_RFIN];
        SER("population", e[IDX_N]);
        SER("births", e[IDX_BIRTHS] - b[IDX_BIRTHS]);
        SER("deaths", e[IDX_DEATHS] - b[IDX_DEATHS]);
        SER("emigrated", e[IDX_EMIG] - b[IDX_EMIG]);
        SER("immigrated", e[IDX_IMMIG] - b[IDX_IMMIG]);
        SER("pwud", L + D);
        SER("light_users", L);
        SER("dependent", D);
        SER("pwid", e[IDX_D(CH_INJ)] + e[IDX_D(CH_HIV)]);
        SER("hiv_pwid", e[IDX_D(CH_HIV)]);
        SER("in_remission", rem);
        SER("initiations", e[IDX_INIT] - b[IDX_INIT]);
        SER("peer_initiations", e[IDX_PEER] - b[IDX_PEER]);
        SER("overdose_deaths", e[IDX_OD] - b[IDX_OD]);
        SER("hiv_infections", e[IDX_HIVINF] - b[IDX_HIVINF]);
        SER("sustained_remissions", e[IDX_SUST] - b[IDX_SUST]);
        if (yr == years - 1) {
            const double *z = traj;
            MET("pwud_end", L + D);
            MET("dependent_end", D);
            MET("pwid_end", e[IDX_D(CH_INJ)] + e[IDX_D(CH_HIV)]);
            MET("initiations_total", e[IDX_INIT] - z[IDX_INIT]);
            MET("overdose_deaths_total", e[IDX_OD] - z[IDX_OD]);
            MET("hiv_infections_total", e[IDX_HIVINF] - z[IDX_HIVINF]);
            MET("sustained_remissions_total", e[IDX_SUST] - z[IDX_SUST]);
            MET("population_end", e[IDX_N]);
        }
    }
#undef SER
#undef MET
done:
    free(y0);
    free(traj);
    return rc;
}
