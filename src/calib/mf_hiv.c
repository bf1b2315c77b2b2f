/*
 * HIV among people who inject drugs in the mean field, by the agent-based
 * model's mechanism (src/sim/hiv.c, community.c; docs/model.md "HIV among
 * PWID"): only sharers of injecting equipment infect and are infected,
 * needle-syringe programme (NSP) places cut a client's risk, HIV-positive
 * people are diagnosed (background tests, the programme's tests, tests at
 * treatment, compulsory treatment and prison entry), start and stop ART,
 * and ART lowers infectiousness, HIV mortality and is what HIV care costs.
 *
 * The use chains keep one HIV-negative and one HIV-positive injecting
 * chain (MF_CH_INJ, MF_CH_HIV), which run through every use, custody and
 * treatment compartment. What an agent carries beyond that (sharing, NSP
 * place, diagnosis, ART) is held here as shares of a whole chain, the same
 * in every compartment of it (the approximation: sharing and care do not
 * change who is arrested, treated or remits, and in the ABM they do not
 * either, so only the mixing across compartments is approximated):
 *   x[i_shn]  sharers' share of the HIV-negative injecting chain;
 *   x[i_shp]  sharers' share of the HIV-positive chain;
 *   x[i_dg]   diagnosed, off ART, share of the HIV-positive chain;
 *   x[i_art]  on ART, share of the HIV-positive chain;
 *   x[i_nsp]  NSP clients (people), among people who inject outside an
 *             institution (the ABM's PWID count), capped by the places.
 * A share of a chain moves only by what enters the chain unlike it (new
 * injectors, who share with health.sharing_share; new infections, all
 * sharers and undiagnosed), by what leaves it selectively (infections
 * leave the HIV-negative sharers; HIV deaths are fewer on ART) and by the
 * care transitions; exits that do not select (remission, custody,
 * background deaths) leave the shares where they are.
 */
#include <assert.h>
#include <math.h>

#include "mf_internal.h"

int pwi_mf_hiv_load(mf_model *m, const pw_scenario *s, pw_error *err)
{
    mf_hiv *h = &m->hv;
    struct {
        const char *name;
        double *dst;
    } t[] = {
        {"health.sharing_share", &h->share},
        {"health.nsp_sharing_rr", &h->nsp_rr},
        {"health.hiv_testing_rate", &h->test},
        {"health.hiv_test_at_contact", &h->test_contact},
        {"health.art_start_rate", &h->art_start},
        {"health.art_stop_rate", &h->art_stop},
        {"health.art_transmission_rr", &h->art_tx_rr},
        {"health.art_mortality_rr", &h->art_mort_rr},
        {"harm_reduction.nsp_clients_per_100k", &h->nsp_per100k},
        {"harm_reduction.nsp_uptake_rate", &h->nsp_uptake},
        {"harm_reduction.nsp_testing_rate", &h->nsp_test},
        {"cost.nsp_per_client_year", &h->c_nsp},
        {"initial.hiv_diagnosed_share", &h->init_diag},
        {"initial.hiv_art_share", &h->init_art},
    };
    int rc = PW_OK;
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == PW_OK; i++)
        rc = pwi_mf_get(s, t[i].name, t[i].dst, err);
    return rc;
}

void pwi_mf_hiv_layout(mf_model *m)
{
    mf_hiv *h = &m->hv;
    int at = (int)m->dim;
    h->i_shn = at++;
    h->i_shp = at++;
    h->i_dg = at++;
    h->i_art = at++;
    h->i_nsp = at++;
    m->dim = (size_t)at;
}

void pwi_mf_hiv_init(mf_model *m, double *y0, double prev)
{
    mf_hiv *h = &m->hv;
    h->places = h->nsp_per100k * m->n0 / 1e5;
    /* As initial.c seeds the initial injectors: a sharer is HIV-positive
     * with min(1, p / share), a non-sharer only with what the sharers
     * cannot hold; the HIV-positive start diagnosed and on ART with the
     * initial shares; nobody holds a programme place yet (world.c). */
    double s = h->share, qs = s > 0 ? fmin(1, prev / s) : 0;
    y0[h->i_shn] = prev < 1 ? s * (1 - qs) / (1 - prev) : s;
    y0[h->i_shp] = prev > 0 ? s * qs / prev : s;
    y0[h->i_art] = h->init_art;
    y0[h->i_dg] = fmax(h->init_art, h->init_diag) - h->init_art;
    y0[h->i_nsp] = 0;
}

/* A chain's people in every compartment (use, remission, custody and
 * treatment; the HIV-positive remission pool for the HIV chain). */
static double chain_total(const mf_model *m, const double *y, int c)
{
    double T = y[mf_d(c)] + pwi_mf_held(m, y, c);
    for (int v = 0; v < m->nv; v++)
        for (int j = 0; j < MF_NE; j++)
            T += y[mf_e(m, v, c, j)];
    for (int a = 0; a < m->nsust; a++)
        for (int j = 0; j < MF_NR; j++)
            T += y[mf_r(m, a, c, j)];
    if (c == MF_CH_HIV)
        T += y[m->i_rfin];
    return T;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

double pwi_mf_hiv_mort(const mf_model *m, const double *y)
{
    double a = clamp01(y[m->hv.i_art]);
    return (1 - a) * pwi_rate_hiv_mortality(m->hiv_mort, m->hv.art_mort_rr, 0) +
           a * pwi_rate_hiv_mortality(m->hiv_mort, m->hv.art_mort_rr, 1);
}

double pwi_mf_hiv_force(const mf_model *m, const double *y)
{
    const mf_hiv *h = &m->hv;
    double An = y[mf_d(MF_CH_INJ)] + pwi_mf_dep_in_tx(m, y, MF_CH_INJ);
    double Ap = y[mf_d(MF_CH_HIV)] + pwi_mf_dep_in_tx(m, y, MF_CH_HIV);
    double fn = clamp01(y[h->i_shn]), fp = clamp01(y[h->i_shp]), a = clamp01(y[h->i_art]);
    double psi = An + Ap > 0 ? clamp01(y[h->i_nsp] / (An + Ap)) : 0;
    /* The same rule as hiv.c pwi_hiv_week, on the chains' sharers: ART
     * is a share of the chain, independent of sharing. */
    double inf = pwi_rate_infectious(fp * Ap * (1 - a), fp * Ap * a, h->art_tx_rr);
    double sharers = fn * An + fp * Ap;
    double l0 = pwi_rate_sharing_infection(m->hiv_beta, inf, sharers, h->nsp_rr, 0);
    double l1 = pwi_rate_sharing_infection(m->hiv_beta, inf, sharers, h->nsp_rr, 1);
    /* NSP clients are drawn among all who inject, sharers or not. */
    return fn * ((1 - psi) * l0 + psi * l1);
}

void pwi_mf_hiv_stocks(const mf_model *m, const double *y, double *nsp, double *diag,
                       double *art)
{
    const mf_hiv *h = &m->hv;
    double Ap = y[mf_d(MF_CH_HIV)] + pwi_mf_dep_in_tx(m, y, MF_CH_HIV);
    *nsp = y[h->i_nsp];
    *art = clamp01(y[h->i_art]) * Ap;
    *diag = clamp01(y[h->i_dg] + y[h->i_art]) * Ap;
}

void pwi_mf_hiv_rhs(const mf_model *m, double t, const double *y, double *dy)
{
    const mf_hiv *h = &m->hv;
    double *cum = dy + m->i_cum;
    double Dn = y[mf_d(MF_CH_INJ)], Dp = y[mf_d(MF_CH_HIV)];
    double Xn = pwi_mf_dep_in_tx(m, y, MF_CH_INJ), Xp = pwi_mf_dep_in_tx(m, y, MF_CH_HIV);
    double An = Dn + Xn, Ap = Dp + Xp, A = An + Ap;
    double Tn = chain_total(m, y, MF_CH_INJ), Tp = chain_total(m, y, MF_CH_HIV);
    double fn = clamp01(y[h->i_shn]), fp = clamp01(y[h->i_shp]);
    double dg = clamp01(y[h->i_dg]), art = clamp01(y[h->i_art]);
    double und = clamp01(1 - dg - art), C = fmax(0, y[h->i_nsp]);
    /* This rhs runs after the flows: their rates are in dy. */
    double inf = cum[MF_CUM_HIVINF];
    double onset = m->inject * (y[mf_d(0)] + pwi_mf_dep_in_tx(m, y, 0));
    double hm = pwi_mf_hiv_mort(m, y);

    /* Sharing: new injectors share with the sharing share; infections
     * take HIV-negative sharers and add HIV-positive ones. */
    if (Tn > 0)
        dy[h->i_shn] = ((h->share - fn) * onset - (1 - fn) * inf) / Tn;
    if (Tp > 0)
        dy[h->i_shp] = (1 - fp) * inf / Tp;

    /* Diagnosis and ART (hiv.c pwi_hiv_step, pwi_hiv_contact). Tests: the
     * background rate for everyone with HIV, the programme's for its
     * clients (the HIV-positive ones among the clients, in proportion),
     * and the test at each treatment, compulsory treatment and custody
     * admission of the HIV-positive chain (mf_justice.c counts them;
     * arrest is counted as a custody entry too, an approximation). */
    if (Tp > 0) {
        double psi = A > 0 ? clamp01(C / A) : 0;
        double tests = pwi_rate_hiv_testing(h->test, h->nsp_test, 0) * Tp +
                       (pwi_rate_hiv_testing(h->test, h->nsp_test, 1) -
                        pwi_rate_hiv_testing(h->test, h->nsp_test, 0)) * psi * Ap;
        double diag = und * tests + und * h->test_contact * cum[MF_CUM_HIV_CONTACT];
        /* HIV deaths, in the use stage and in care, select: off ART at
         * hiv_mort, on ART at hiv_mort x art_mortality_rr; hm their mean. */
        double sel_off = pwi_rate_hiv_mortality(m->hiv_mort, h->art_mort_rr, 0) - hm;
        double sel_on = pwi_rate_hiv_mortality(m->hiv_mort, h->art_mort_rr, 1) - hm;
        dy[h->i_dg] = (diag - dg * inf - sel_off * dg * Ap) / Tp - h->art_start * dg +
                      h->art_stop * art;
        dy[h->i_art] = h->art_start * dg - h->art_stop * art - (art * inf + sel_on * art * Ap) / Tp;
    }

    /* Programme places (hiv.c): taken at nsp_uptake_rate by people who
     * inject outside an institution while a place is free, given back at
     * remission, custody or death. The cap is approached within the last
     * 2% of the places (the ABM stops at the last one). */
    double P = h->places;
    double room = P > 0 ? clamp01((P - C) / (0.02 * P)) : 0;
    double join = h->nsp_uptake * fmax(0, A - C) * room;
    double leave = 0;
    if (A > 0) {
        double od0 = pwi_rate_overdose(m->od_inject, m->od_other, m->od_tx_rr, 1, 0);
        double od1 = pwi_rate_overdose(m->od_inject, m->od_other, m->od_tx_rr, 1, 1);
        double remit = m->rem[0] * (Dn + Dp) + fmax(m->tx_rem_out, m->rem[0]) * (Xn + Xp);
        double die = (od0 + m->mu_users) * (Dn + Dp) + (od1 + m->mu_users) * (Xn + Xp) + hm * Ap;
        leave = C * (remit + die + cum[MF_CUM_PWID_CUSTODY]) / A;
    }
    dy[h->i_nsp] = join - leave;

    /* Costs (costs.c): HIV care is ART, paid while on it, wherever the
     * person is; a programme place while it is held. */
    double disc = exp(-log1p(m->discount) * t);
    cum[MF_CUM_COST_NSP] += disc * h->c_nsp * C;
    cum[MF_CUM_COST_HEALTH] += disc * (m->c_hiv * art * Tp + h->c_nsp * C);
}
