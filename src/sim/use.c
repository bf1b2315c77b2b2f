/*
 * Drug use: which substance, the rates of dependence and remission, the
 * DSM-5 severity at onset, starting use, and the relapse rate after a
 * remission by how it began. The weekly stage transitions themselves are
 * drawn in community.c (lane 0).
 */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "model.h"

int pwi_pick_substance(const world *w, gsl_rng *r, int weighting)
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

double pwi_dependence_rate(const world *w, int sub)
{
    static const int p[N_SUB] = {PI_USE_DEP_OPIOIDS, PI_USE_DEP_CATHINONES,
                                 PI_USE_DEP_CANNABINOIDS, PI_USE_DEP_CANNABIS,
                                 PI_USE_DEP_STIMULANTS};
    return w->v[p[sub]];
}

double pwi_remission_rate(const world *w, int sub)
{
    static const int p[N_SUB] = {PI_USE_REM_OPIOIDS, PI_USE_REM_STIMULANTS, PI_USE_REM_CANNABIS,
                                 PI_USE_REM_CANNABIS, PI_USE_REM_STIMULANTS};
    return w->v[p[sub]];
}

/* DSM-5 criteria met at the onset of dependence (rates.h). */
uint8_t pwi_draw_dsm(gsl_rng *r)
{
    return (uint8_t)(PWI_DSM_MIN + gsl_ran_binomial(r, PWI_DSM_P, PWI_DSM_N));
}

/* Turns agent into a user of `sub` at `week` (record created if needed). */
int pwi_start_use(world *w, uint32_t agent, int sub, int week, uint32_t *idx)
{
    int rc = pwi_new_record(w, agent, idx);
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

double pwi_relapse_rate(const world *w, const act *r, int week)
{
    const double *v = w->v;
    double rate;
    if (r->stage == ST_REM_SUSTAINED) {
        rate = v[PI_USE_RELAPSE_SUSTAINED];
        goto care;
    }
    switch (r->relapse_kind) {
    case RK_COMPULSORY:
        /* Longer treatment, longer abstinence (Nosyk 2013, docs/sources.md M3.5). */
        rate = pwi_rate_relapse_after_compulsory(v[PI_TX_RELAPSE_COMP], v[PI_TX_LENGTH_EFFECT],
                                                 r->tx_months);
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
care:
    /* Only care being delivered now counts (care_of): 12-step aftercare
     * and monitoring each multiply the rate by their own ratio (rates.h). */
    rate = pwi_rate_with_care(rate, v[PI_TX_AFTERCARE_RR], care_of(r, week) & 1);
    return pwi_rate_with_care(rate, v[PI_TX_MONITORING_RR], (care_of(r, week) & 2) != 0);
}
