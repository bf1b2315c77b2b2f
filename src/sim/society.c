/*
 * Society: stigma (levers.c moves it; it sets how fast people find work
 * again and how many seek treatment of their own accord) and the households where an adult uses drugs (children
 * growing up there carry a higher risk).
 */
#include <string.h>

#include "model.h"

/* Stigma: the stigma left after visible recoveries (the more people in
 * remission per 1,000 inhabitants, the less: stigma / (1 + awareness_effect
 * x recovered per 1,000)), then moved by what the public sees of
 * punishment and by campaign awareness (w->pressure, w->awareness:
 * levers.c). It slows finding work again after dependence, treatment or
 * prison, and lowers voluntary treatment entry relative to the starting
 * state's stigma (rates.h). */
void pwi_set_stigma(world *w, double in_remission)
{
    const double *v = w->v;
    w->stigma_base =
        pwi_rate_stigma(v[PI_SOC_STIGMA], v[PI_SOC_AWARENESS], in_remission, (double)w->alive);
    double stigma = pwi_rate_stigma_social(w->stigma_base, v[PI_STIG_PUNISH], w->pressure,
                                           v[PI_STIG_REF], v[PI_AWARE_STIGMA], w->awareness);
    w->stigma = stigma;
    double work = v[PI_STIG_WORK] * stigma;
    w->p_reemploy = wprob(pwi_rate_reemployment(v[PI_SOC_REEMPLOY], work, 0));
    w->p_reemploy_dep = wprob(pwi_rate_reemployment(v[PI_SOC_REEMPLOY], work, 1));
    w->p_vol = wprob(pwi_rate_help_seeking(v[PI_TX_VOLUNTARY], v[PI_STIG_HELP], stigma,
                                           w->stigma_ref));
}

/* Marks the households where an adult currently uses drugs. */
void pwi_mark_households(world *w, int week)
{
    memset(w->hh_mark, 0, w->n_hh);
    for (uint32_t i = 0; i < w->n_act; i++) {
        const act *r = &w->a[i];
        if (r->agent != UINT32_MAX && is_using(r) && week - r->birth >= 18 * WPY)
            w->hh_mark[w->hh[r->agent]] = 1;
    }
}
