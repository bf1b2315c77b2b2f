/*
 * Initiation: exogenous starts (rate by age, higher for children of people
 * who use drugs) and peer initiation along household and peer ties,
 * damped by the deterrence memory of visible harm.
 */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* Peer initiation by a user or seller: Poisson attempts along household
 * and peer ties, thinned by the target's age and the deterrence memory. */
void pwi_peer_step(world *w, act *r, int week)
{
    const double *v = w->v;
    double rate = 0;
    if (r->flags & RF_INITIATOR)
        rate = v[PI_INIT_PEER_MEAN] / v[PI_INIT_INITIATOR_SHARE];
    if (r->role == ROLE_DEALER || r->role == ROLE_COURIER)
        rate = fmax(rate, v[PI_INIT_PEER_MEAN]) * v[PI_INIT_DEALER_RR];
    if (rate <= 0)
        return;
    if (r->flags & RF_TIES_LOST)
        rate *= 0.5; /* assumption: half of one's circle is gone after prison */
    rate *= w->deterrence;
    rate *= w->camp_rr; /* a campaign's effect on use (levers.c) */
    gsl_rng *g = at(w, RP_PEER, r->agent, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, rate / WPY);
    uint32_t a = r->agent;
    /* a's number of ties, read at the first attempt that needs it: most
     * weeks bring no attempt (k = 0), and the read is a cache miss per
     * initiator and week (7% of a Kazakhstan run when read up front). */
    uint32_t n_ties = UINT32_MAX;
    for (unsigned j = 0; j < k; j++) {
        uint32_t t = UINT32_MAX;
        int use_hh = gsl_rng_uniform(g) < v[PI_INIT_HOUSEHOLD_SHARE];
        uint32_t h = use_hh ? w->hh[a] : UINT32_MAX;
        if (use_hh && h < w->n_hh_initial) {
            uint32_t lo = w->hh_first[h], n = w->hh_first[h + 1] - lo;
            t = lo + (uint32_t)(gsl_rng_uniform(g) * n);
        } else {
            if (n_ties == UINT32_MAX)
                n_ties = pwi_tie_count(w, a);
            /* A friend who is still here: ties to people who left stay in
             * the lists (the initial ones are shared by the regimes'
             * copies), so they are skipped, a few tries at most. */
            for (int tries = 0; n_ties && tries < 8; tries++) {
                t = pwi_tie_at(w, a, (uint32_t)(gsl_rng_uniform(g) * n_ties));
                if (w->flags[t] & AF_ALIVE)
                    break;
            }
        }
        if (t == UINT32_MAX || t == a || !(w->flags[t] & AF_ALIVE) || (w->flags[t] & AF_ACTIVE))
            continue;
        double u = gsl_rng_uniform(g);
        if (!pwi_initiation_accepted(w, t, week, u, pwi_rate_age_factor(age_years(w, t, week))))
            continue; /* too young or old, or a school programme reached them */
        int sub = gsl_rng_uniform(g) < PWI_PEER_OWN_SUBSTANCE ? r->substance : pwi_pick_substance(w, g, 0);
        w->flags[t] |= AF_ACTIVE;
        if (vec_push(&w->pending, t << 3 | (uint32_t)sub))
            w->error = PW_ENOMEM;
        w->yc.peer_initiations++;
    }
}

/* Exogenous initiation: candidates ~ Poisson(tau_max n / 52) over all
 * agents, each accepted with probability age_factor x (1 or 1/RR), so a
 * susceptible agent starts at rate tau x age_factor (x RR for children of
 * people who use drugs), with work proportional to initiations. */
void pwi_exogenous_step(world *w, int week)
{
    const double *v = w->v;
    double rr = v[PI_INIT_CHILD_RR];
    gsl_rng *g = at(w, RP_EXOGENOUS, 0, (uint32_t)week);
    unsigned k = gsl_ran_poisson(g, v[PI_INIT_EXOGENOUS] * rr * w->n / WPY * w->camp_rr);
    for (unsigned j = 0; j < k; j++) {
        uint32_t a = (uint32_t)(gsl_rng_uniform(g) * w->n);
        double u = gsl_rng_uniform(g);
        if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE))
            continue;
        double p = pwi_rate_age_factor(age_years(w, a, week)) *
                   ((w->flags[a] & AF_PWUD_CHILD) ? 1 : 1 / rr);
        if (!pwi_initiation_accepted(w, a, week, u, p))
            continue;
        w->flags[a] |= AF_ACTIVE;
        if (vec_push(&w->pending, a << 3 | (uint32_t)pwi_pick_substance(w, g, 0)))
            w->error = PW_ENOMEM;
    }
}
