/*
 * The drug market: sellers are replaced towards a share of users, dealers
 * from dependent users, couriers from young non-users.
 */
#include <gsl/gsl_randist.h>

#include "model.h"

/* The drug market: sellers are replaced towards sellers_per_user x users;
 * dealers come from dependent users (criminal mindset first), couriers
 * from young non-users. */
void pwi_market_step(world *w, int week)
{
    const double *v = w->v;
    double target = v[PI_MARKET_SELLERS] * (w->n_light + w->n_dep);
    double gap = target - w->n_sellers;
    if (gap <= 0)
        return;
    gsl_rng *g = at(w, RP_MARKET, 0, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, gap / 8); /* the gap closes over ~8 weeks */
    for (unsigned j = 0; j < k; j++) {
        if (gsl_rng_uniform(g) < v[PI_MARKET_COURIER_SHARE]) {
            for (int t = 0; t < 50; t++) {
                uint32_t a = (uint32_t)(gsl_rng_uniform(g) * w->n);
                double age = age_years(w, a, week);
                if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE) || age < 16 ||
                    age >= 36)
                    continue;
                uint32_t i;
                if (pwi_new_record(w, a, &i)) {
                    w->error = PW_ENOMEM;
                    return;
                }
                w->a[i].role = ROLE_COURIER;
                w->a[i].since = (uint16_t)week;
                break;
            }
        } else if (w->n_act) {
            for (int t = 0; t < 50; t++) {
                act *r = &w->a[(uint32_t)(gsl_rng_uniform(g) * w->n_act)];
                if (r->agent == UINT32_MAX || r->stage != ST_DEPENDENT || r->role ||
                    r->place != PL_COMMUNITY)
                    continue;
                if (!r->mindset && gsl_rng_uniform(g) >= 1 / v[PI_CRIME_MINDSET_RR])
                    continue;
                r->role = ROLE_DEALER;
                break;
            }
        }
    }
}
