/*
 * The chapter's social levers in the mean field: school prevention,
 * awareness campaigns and stigma as a state of society, with the same
 * formulas as the agent-based model (src/sim/levers.c; rates.h).
 *
 * State: pressure P (admissions to arrest, compulsory treatment and prison
 * per 1,000 a year, as the public remembers them) and awareness A, both
 * moving at society.stigma_memory_decay; P follows the admissions the
 * justice flows produce (MF_CUM_ARREST_ADM, _COMP_ADM, _PRISON_ADM).
 * Differences from the ABM: the school programme is paid continuously
 * over the year (the ABM pays it in the year's first week), and the
 * prevention ratio of an age band is its mean over one-year ages.
 */
#include <math.h>

#include "mf_internal.h"

int pwi_mf_levers_load(mf_model *m, const pw_scenario *s, pw_error *err)
{
    mf_levers *l = &m->lv;
    struct {
        const char *name;
        double *dst;
    } t[] = {
        {"prevention.school_coverage", &l->coverage},
        {"prevention.age_from", &l->age_from},
        {"prevention.age_to", &l->age_to},
        {"prevention.initiation_effect", &l->effect},
        {"prevention.effect_half_life_years", &l->half_life},
        {"prevention.cost_per_pupil", &l->cost_pupil},
        {"awareness.campaign_kzt_per_100k", &l->budget},
        {"awareness.half_reach_kzt_per_100k", &l->half_reach},
        {"awareness.initiation_effect", &l->use_effect},
        {"awareness.stigma_effect", &l->aware_stigma},
        {"society.stigma_punishment_effect", &l->punish},
        {"society.punishment_reference_per_1000", &l->ref},
        {"society.stigma_memory_decay", &l->decay},
        {"society.stigma_help_seeking_effect", &l->help},
        {"society.stigma_reemployment_effect", &l->work},
    };
    int rc = PW_OK;
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == PW_OK; i++)
        rc = pwi_mf_get(s, t[i].name, t[i].dst, err);
    return rc;
}

void pwi_mf_levers_layout(mf_model *m)
{
    mf_levers *l = &m->lv;
    int at = (int)m->dim;
    l->i_press = at++;
    l->i_aware = at++;
    l->i_vol = at++;
    l->i_pupils = at++;
    l->i_averted = at++;
    l->i_cost_prev = at++;
    l->i_cost_camp = at++;
    m->dim = (size_t)at;
}

void pwi_mf_levers_init(mf_model *m, double *y0, double rem, double N)
{
    mf_levers *l = &m->lv;
    y0[l->i_press] = l->ref;
    y0[l->i_aware] = pwi_rate_awareness_target(l->budget, l->half_reach);
    double base = pwi_rate_stigma(m->soc_stigma, m->soc_awareness, rem, N);
    l->stigma_ref =
        pwi_rate_stigma_social(base, l->punish, y0[l->i_press], l->ref, l->aware_stigma,
                               y0[l->i_aware]);
}

double pwi_mf_stigma(const mf_model *m, const double *y, double rem, double N)
{
    const mf_levers *l = &m->lv;
    double base = pwi_rate_stigma(m->soc_stigma, m->soc_awareness, rem, N);
    return pwi_rate_stigma_social(base, l->punish, y[l->i_press], l->ref, l->aware_stigma,
                                  y[l->i_aware]);
}

double pwi_mf_voluntary_rate(const mf_model *m, double stigma)
{
    return pwi_rate_help_seeking(m->tx_vol, m->lv.help, stigma, m->lv.stigma_ref);
}

double pwi_mf_prevention_rr(const mf_model *m, double lo, double hi, double t)
{
    const mf_levers *l = &m->lv;
    if (l->coverage <= 0 || l->effect <= 0 || hi <= l->age_from)
        return 1;
    /* A band past the programme's ages by more than the years run is
     * reached by no programme yet. */
    if (lo >= l->age_to + t + 1)
        return 1;
    double sum = 0;
    int n = 0;
    for (double a = lo + 0.5; a < hi; a += 1, n++)
        sum += pwi_rate_prevention_cohort_rr(l->coverage, l->age_from, l->age_to, l->effect,
                                             l->half_life, a, t);
    return n ? sum / n : 1;
}

double pwi_mf_campaign_rr(const mf_model *m, const double *y)
{
    return pwi_rate_campaign_rr(m->lv.use_effect, y[m->lv.i_aware]);
}

void pwi_mf_levers_rhs(const mf_model *m, double t, const double *y, double *dy, double pupils,
                       double N)
{
    const mf_levers *l = &m->lv;
    double seen = dy[m->i_cum + MF_CUM_ARREST_ADM] + dy[m->i_cum + MF_CUM_COMP_ADM] +
                  dy[m->i_cum + MF_CUM_PRISON_ADM];
    double rate = N > 0 ? 1000.0 * seen / N : 0;
    dy[l->i_press] = l->decay * (rate - y[l->i_press]);
    dy[l->i_aware] =
        l->decay * (pwi_rate_awareness_target(l->budget, l->half_reach) - y[l->i_aware]);
    double disc = exp(-log1p(m->discount) * t);
    double reached = l->coverage * pupils;
    dy[l->i_pupils] = reached;
    dy[l->i_cost_prev] = disc * reached * l->cost_pupil;
    dy[l->i_cost_camp] = disc * l->budget * N / 1e5;
    dy[m->i_cum + MF_CUM_COST_HEALTH] += dy[l->i_cost_prev] + dy[l->i_cost_camp];
}
