/*
 * One week in prison or arrest: the criminal mindset spreads between
 * cellmates, cut by the educational regime.
 */
#include "model.h"

void pwi_prison_step(world *w, act *r, int week)
{
    const double *v = w->v;
    if (r->mindset)
        return;
    /* Criminal thinking spreads in prison: a base rate, doubled for each
     * cellmate who has it, cut by the educational regime. */
    double rate = v[PI_PRISON_MINDSET];
    for (int k = 0; k < 2; k++) {
        uint32_t c = r->contact[k];
        if (c < w->n_act && w->a[c].agent != UINT32_MAX && w->a[c].place == PL_PRISON &&
            w->a[c].mindset)
            rate *= 2;
    }
    if (r->flags & RF_EDUCATIONAL)
        rate *= v[PI_PRISON_EDU_RR];
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week);
    if (gsl_rng_uniform(g) < wprob(rate)) {
        r->mindset = 1;
        w->yc.mindset_prison++;
    }
}
