/*
 * One week in prison or arrest: the criminal mindset spreads between
 * cellmates, cut by the educational regime.
 */
#include "model.h"

void pwi_prison_step(world *w, act *r, int week)
{
    if (r->mindset)
        return;
    /* Criminal thinking spreads in prison: a base rate, doubled for each
     * cellmate who has it, cut by the educational regime (the weekly
     * chances are tabulated in p_mindset). */
    int k = 0;
    for (int j = 0; j < 2; j++) {
        uint32_t c = r->contact[j];
        if (c < w->n_act && w->a[c].agent != UINT32_MAX && w->a[c].place == PL_PRISON &&
            w->a[c].mindset)
            k++;
    }
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week);
    if (gsl_rng_uniform(g) < w->p_mindset[k][(r->flags & RF_EDUCATIONAL) != 0]) {
        r->mindset = 1;
        w->yc.mindset_prison++;
    }
}
