/*
 * Society: stigma lowered by public awareness (it sets how fast people
 * find work again) and the households where an adult uses drugs (children
 * growing up there carry a higher risk).
 */
#include <string.h>

#include "model.h"

/* Stigma, lowered by public awareness: the more people visibly in
 * recovery (remission) per 1,000 inhabitants, the less stigma
 * (stigma / (1 + awareness_effect x recovered per 1,000)); it sets how fast
 * people find work again after dependence, treatment or prison. */
void pwi_set_stigma(world *w, double in_remission)
{
    const double *v = w->v;
    double stigma =
        pwi_rate_stigma(v[PI_SOC_STIGMA], v[PI_SOC_AWARENESS], in_remission, (double)w->alive);
    w->stigma = stigma;
    w->p_reemploy = wprob(pwi_rate_reemployment(v[PI_SOC_REEMPLOY], stigma, 0));
    w->p_reemploy_dep = wprob(pwi_rate_reemployment(v[PI_SOC_REEMPLOY], stigma, 1));
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
