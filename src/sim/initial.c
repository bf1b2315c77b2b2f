/*
 * The initial state at week 0: current users by stage, prisoners and
 * sellers, drawn from the scenario's prevalences.
 */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* A uniformly random agent (callers reject those that do not fit). */
static uint32_t random_agent(world *w, gsl_rng *r)
{
    return (uint32_t)(gsl_rng_uniform(r) * w->n);
}

/* Time already spent in a stage left at rate `rho` a year and ended
 * after `tmax` years, for someone found in it in a steady state: the
 * density of staying, exp(-rho t), cut at tmax; by inversion of u. */
static double stay_time(double rho, double tmax, double u)
{
    return rho > 0 ? -log1p(-u * -expm1(-rho * tmax)) / rho : u * tmax;
}

/* People in remission at week 0 have been there for a while. With every
 * clock at week 0, all of them would be "healed" (four years of sustained
 * remission, records.c) in the same week 208, and the count in remission
 * would halve in one year; and with none in early remission, nobody would
 * reach sustained remission in the first year. So the initial remitters
 * are split between early and sustained remission in the proportions of
 * a steady inflow, and each one's clock is spread over the past by
 * stay_time: early remission lasts at most a year and is left by relapse
 * at rate e; sustained remission is followed for four years and left at
 * rate s; a steady inflow I keeps I (1 - exp(-e)) / e people in early and
 * I exp(-e) (1 - exp(-4 s)) / s in sustained remission. Drawn on their
 * own stream (RP_INITIAL, 24, agent), so no other draw moves. */
static void spread_remission(world *w, act *x, uint32_t agent)
{
    double e = w->v[PI_USE_RELAPSE_EARLY], s = w->v[PI_USE_RELAPSE_SUSTAINED];
    double early = e > 0 ? -expm1(-e) / e : 1;
    double sust = exp(-e) * (s > 0 ? -expm1(-4 * s) / s : 4);
    gsl_rng *g = at(w, RP_INITIAL, 24, agent);
    int is_early = gsl_rng_uniform(g) * (early + sust) < early;
    double t = is_early ? stay_time(e, 1, gsl_rng_uniform(g)) : stay_time(s, 4, gsl_rng_uniform(g));
    int span = is_early ? WPY : 4 * WPY;
    int back = (int)floor(t * WPY);
    if (back > span - 1)
        back = span - 1;
    x->stage = (uint8_t)(is_early ? ST_REM_EARLY : ST_REM_SUSTAINED);
    x->since = (uint16_t)(0u - (uint32_t)back); /* modulo 2^16: see stage_weeks */
}

/* The infections of an initial injector (uniforms u_hiv, u_hcv drawn as
 * before, u_share and u_care after them, so the rest of the person's draws
 * stay where they were). Sharing is drawn with health.sharing_share, and
 * the infections sit with the sharers, who pass them on (hiv.c): a sharer
 * is infected with min(1, p / share), a non-sharer only with what the
 * sharers cannot hold, so prevalence among all injectors is p. HIV-positive
 * people start diagnosed, and on ART, with the shares of initial.hiv_*. */
static void seed_infections(world *w, act *x, double u_hiv, double u_hcv, double u_share,
                            double u_care)
{
    const double *v = w->v;
    double share = v[PI_HEALTH_SHARING_SHARE];
    int sharer = u_share < share;
    if (sharer)
        x->hiv |= HV_SHARES;
    double p[2] = {v[PI_INIT_HIV_PWID], v[PI_INIT_HCV_PWID]}, q[2];
    for (int k = 0; k < 2; k++)
        q[k] = sharer ? fmin(1, p[k] / share)
                      : share < 1 ? fmax(0, p[k] - share) / (1 - share) : 0;
    if (u_hiv < q[0]) {
        x->flags |= RF_HIV;
        if (u_care < v[PI_INIT_HIV_ART])
            x->hiv |= HV_DIAG | HV_ART;
        else if (u_care < fmax(v[PI_INIT_HIV_ART], v[PI_INIT_HIV_DIAG]))
            x->hiv |= HV_DIAG;
    }
    if (u_hcv < q[1])
        x->flags |= RF_HCV;
}

int pwi_seed_initial_state(world *w)
{
    uint32_t n = w->n_initial;
    double adults = 0;
    for (uint32_t a = 0; a < n; a++) {
        double age = age_years(w, a, 0);
        adults += age >= 15 && age < 65;
    }
    const double p_stage[3] = {w->v[PI_INIT_LIGHT], w->v[PI_INIT_DEPENDENT],
                               w->v[PI_INIT_REMISSION]};
    const int stage[3] = {ST_LIGHT, ST_DEPENDENT, ST_REM_SUSTAINED};
    uint32_t draw = 0;
    for (int s = 0; s < 3; s++) {
        gsl_rng *r = at(w, RP_INITIAL, (uint32_t)s, 0);
        unsigned k = gsl_ran_binomial(r, fmin(1, p_stage[s]), (unsigned)adults);
        for (unsigned j = 0; j < k;) {
            r = at(w, RP_INITIAL, 16 + (uint32_t)s, draw++);
            uint32_t a = random_agent(w, r);
            double age = age_years(w, a, 0);
            if ((w->flags[a] & AF_ACTIVE) || age < 15 || age >= 65)
                continue;
            j++;
            uint32_t i;
            int sub = pwi_pick_substance(w, r, s == 0 ? 1 : 2);
            if (pwi_start_use(w, a, sub, 0, &i))
                return PW_ENOMEM;
            act *x = &w->a[i];
            x->stage = (uint8_t)stage[s];
            x->since = 0;
            if (s >= 1)
                x->dsm = pwi_draw_dsm(r);
            if (s == 1 && sub == SUB_OPIOIDS && gsl_rng_uniform(r) < w->v[PI_INIT_INJECT]) {
                x->flags |= RF_INJECTS;
                double u_hiv = gsl_rng_uniform(r);
                double u_hcv = gsl_rng_uniform(r);
                double u_share = gsl_rng_uniform(r);
                double u_care = gsl_rng_uniform(r);
                seed_infections(w, x, u_hiv, u_hcv, u_share, u_care);
            }
            if (s == 2)
                spread_remission(w, x, a);
        }
    }
    /* Prisoners: adults 18-59, 90% men (assumption), a third already with
     * a criminal mindset (assumption). Remaining terms are exponential
     * with a mean of 2.5 years, cut at 15 (assumption: the residual term
     * of a prison population with no data on its sentences; the mean is
     * that of the uniform 0-5 years it replaces). A uniform term would
     * release the initial prisoners at a constant pace that stops dead in
     * week 260, a kink in the prison count made by how the run began; the
     * exponential fades out. */
    gsl_rng *r = at(w, RP_INITIAL, 8, 0);
    unsigned k = gsl_ran_binomial(r, w->v[PI_INIT_PRISON], n);
    for (unsigned j = 0; j < k;) {
        r = at(w, RP_INITIAL, 9, draw++);
        uint32_t a = random_agent(w, r);
        double age = age_years(w, a, 0);
        int female = (w->flags[a] & AF_FEMALE) != 0;
        if (age < 18 || age >= 60 || (female && gsl_rng_uniform(r) > 0.1 / 0.9))
            continue;
        uint32_t i;
        if (w->flags[a] & AF_ACTIVE) {
            i = w->rec_of[a]; /* already a user */
            if (w->a[i].place != PL_COMMUNITY)
                continue;
        } else if (pwi_new_record(w, a, &i)) {
            return PW_ENOMEM;
        }
        j++;
        act *x = &w->a[i];
        x->place = PL_PRISON;
        double term = fmin(15, -2.5 * log1p(-gsl_rng_uniform(r)));
        x->end = x->until = (uint16_t)(1 + term * WPY);
        x->offences = x->convictions = 1;
        x->flags &= (uint8_t)~RF_EMPLOYED;
        if (gsl_rng_uniform(r) < 1.0 / 3)
            x->mindset = 1;
        if (x->stage == ST_LIGHT || x->stage == ST_DEPENDENT)
            x->stage = ST_REM_EARLY;
    }
    /* Sellers: dealers among dependent users, couriers among non-users. */
    double users = 0;
    for (uint32_t i = 0; i < w->n_act; i++)
        users += is_using(&w->a[i]);
    unsigned sellers = (unsigned)floor(users * w->v[PI_INIT_SELLERS] + 0.5);
    for (unsigned j = 0, tries = 0; j < sellers && tries < 100 * sellers + 100; tries++) {
        r = at(w, RP_INITIAL, 10, draw++);
        if (gsl_rng_uniform(r) < w->v[PI_MARKET_COURIER_SHARE]) {
            uint32_t a = random_agent(w, r);
            double age = age_years(w, a, 0);
            if ((w->flags[a] & AF_ACTIVE) || age < 16 || age >= 36)
                continue;
            uint32_t i;
            if (pwi_new_record(w, a, &i))
                return PW_ENOMEM;
            w->a[i].role = ROLE_COURIER;
        } else {
            uint32_t i = (uint32_t)(gsl_rng_uniform(r) * w->n_act);
            act *x = &w->a[i];
            if (x->agent == UINT32_MAX || x->stage != ST_DEPENDENT || x->role ||
                x->place != PL_COMMUNITY)
                continue;
            x->role = ROLE_DEALER;
        }
        j++;
    }
    return PW_OK;
}
