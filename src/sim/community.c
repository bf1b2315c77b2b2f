/*
 * One week of one active record in the community: use stages, health
 * (overdose, HIV/HCV deaths and infections), crime and police contacts,
 * selling, voluntary treatment and work, and peer initiation. One function
 * because its draws share fixed lanes of one Philox block per record and
 * week (see the comment above pwi_community_step).
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "model.h"

/* Lanes 4-7 (block 1) into u[4..7]: the batch's copy if the weekly loop
 * computed it, else computed here; once per record and week. */
static void block1(const world *w, uint32_t a, int week, const double *pre1, int *have,
                   double *u)
{
    if (*have)
        return;
    if (pre1)
        memcpy(u + 4, pre1, 4 * sizeof *u);
    else
        lanes4(w, RP_PROGRESS, a, (uint32_t)week, 1, u + 4);
    *have = 1;
}

/* One week in the community. Most draws come from one random position per
 * record and week, read in fixed lanes, so a record costs two Philox blocks;
 * rarer follow-ups (how many offences, whom to initiate) seek their own
 * purpose. Lanes: 0 use stage, 1 death, 2 acquisitive crime, 3 police
 * stop, 4 injecting onset or HIV, 5 HCV, 6 treatment entry or work, 7 sale.
 * pre0 and pre1 are blocks 0 and 1 as the weekly loop computed them for a
 * batch of records (NULL: not computed). */
void pwi_community_step(world *w, act *r, uint32_t idx, int week, const double *pre0,
                        const double *pre1)
{
    const double *v = w->v;
    uint32_t a = r->agent;
    int in_tx = r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT;
    /* Lanes 0-3 always; lanes 4-7 (block 1) only when the person is, or
     * becomes this week, dependent or a seller. */
    double u[8];
    int have1 = 0;
    if (pre0)
        memcpy(u, pre0, 4 * sizeof *u);
    else
        lanes4(w, RP_PROGRESS, a, (uint32_t)week, 0, u);

    /* Use stages. */
    switch (r->stage) {
    case ST_LIGHT:
        if (u[0] < w->p_dep[r->substance]) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
            r->dsm = pwi_draw_dsm(at(w, RP_PROGRESS, a, (uint32_t)week | 0x10000u));
        } else if (u[0] < w->p_dep[r->substance] + w->p_quit) {
            r->stage = ST_NONE;
        }
        break;
    case ST_DEPENDENT:
        if (u[0] < (in_tx ? fmax(w->p_rem_tx, w->p_rem[r->substance]) : w->p_rem[r->substance])) {
            r->stage = ST_REM_EARLY;
            r->since = (uint16_t)week;
            r->relapse_kind = in_tx ? RK_VOLUNTARY : RK_NONE;
        } else if (r->substance == SUB_OPIOIDS && !(r->flags & RF_INJECTS)) {
            block1(w, a, week, pre1, &have1, u);
            if (u[4] < w->p_inject) {
                r->flags |= RF_INJECTS;
                pwi_hiv_onset(w, r, week); /* shares equipment or not */
            }
        }
        break;
    case ST_REM_EARLY: {
        int care = care_of(r, week);
        double p = r->relapse_kind == RK_COMPULSORY
                       ? w->p_relapse_comp[r->tx_months > 60 ? 60 : r->tx_months][care]
                       : w->p_relapse_early[r->relapse_kind][care];
        if (u[0] < p) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
        } else if (stage_weeks(r, week) >= WPY) {
            r->stage = ST_REM_SUSTAINED; /* DSM-5: 12 months without criteria */
            r->since = (uint16_t)week;
            w->yc.sustained++;
        }
        break;
    }
    case ST_REM_SUSTAINED:
        if (u[0] < w->p_relapse_sust[care_of(r, week)]) {
            r->stage = ST_DEPENDENT;
            r->since = (uint16_t)week;
        }
        break;
    default:
        break;
    }

    if (r->stage == ST_DEPENDENT || r->role)
        block1(w, a, week, pre1, &have1, u);

    /* Health: overdose and HIV deaths, HIV and HCV among injectors. */
    if (r->stage == ST_DEPENDENT) {
        double p_od = w->p_od[(r->flags & RF_INJECTS) != 0][in_tx];
        /* Merrall 2010: drug deaths 3-8x higher in weeks 1-2 after release. */
        if (r->released != NONE16 && week - r->released < 2) {
            p_od = wprob(pwi_rate_overdose_released(
                v[PI_HEALTH_OD_INJECT], v[PI_HEALTH_OD_OTHER], v[PI_HEALTH_OD_TX_RR],
                v[PI_HEALTH_OD_RELEASE_RR], (r->flags & RF_INJECTS) != 0, in_tx));
        }
        double p_hiv = !(r->flags & RF_HIV) ? 0
                       : (r->hiv & HV_ART) ? w->p_hiv_mort_art
                                           : w->p_hiv_mort;
        if (u[1] < p_od || u[1] > 1 - p_hiv) {
            w->flags[a] = (uint8_t)((w->flags[a] & ~AF_ALIVE) | AF_DEAD);
            pwi_ties_vacate(w, a); /* open stubs for newcomers (ties.c) */
            w->alive--;
            r->dead = 1;
            w->dead++;
            w->yc.deaths++;
            if (u[1] < p_od) {
                w->yc.od_deaths++;
                pwi_cost(w, CI_OVERDOSE, v[PI_COST_OD_DEATH]);
            }
            return;
        }
        /* HIV and HCV pass through shared equipment only (hiv.c). The
         * infections have their own draws (RP_HIV block 3): on u[4] they
         * shared the uniform of the injecting onset above, so in the onset
         * week u[4] < p_inject made infection p_hiv_inf / p_inject likely
         * (a sharer was infected at onset 15-30% of the time), which
         * doubled the HIV infections of the default scenario. */
        if ((r->flags & RF_INJECTS) && (r->hiv & HV_SHARES)) {
            int nsp = (r->hiv & HV_NSP) != 0;
            double ui[4];
            lanes4(w, RP_HIV, a, (uint32_t)week, 3, ui);
            if (!(r->flags & RF_HIV) && ui[0] < w->p_hiv_inf[nsp]) {
                r->flags |= RF_HIV;
                w->yc.hiv_inf++;
            }
            if (!(r->flags & RF_HCV) && ui[1] < w->p_hcv_inf[nsp]) {
                r->flags |= RF_HCV;
                w->yc.hcv_inf++;
            }
        }
    }

    /* Crime: acquisitive and violent offences by dependent users; use and
     * possession seen by police; distribution by sellers. */
    if (r->stage == ST_DEPENDENT) {
        int unemp = !(r->flags & RF_EMPLOYED), mind = r->mindset != 0;
        int dc = r->place == PL_DRUG_COURT;
        /* P(at least one offence this week) = 1 - e^-m (tabulated in
         * p_crime); the count and the details come from the crime stream
         * only when one happens. The count is Poisson(m) given at least one
         * (zero-truncated, drawn by inversion), so offences per
         * offender-year equal the rate: 1 + Poisson(m) would add m offences
         * to every offending week (20% too many at 12 offences a year). */
        if (u[2] < w->p_crime[unemp][mind][dc]) {
            double rate = crime_rate(v, unemp, mind, dc); /* the rate behind p_crime */
            gsl_rng *c = at(w, RP_CRIME, a, (uint32_t)week);
            double m = rate / WPY;
            double p = m / expm1(m); /* P(K = 1 | K >= 1) = m e^-m / (1 - e^-m) */
            double cum = p, x = gsl_rng_uniform(c);
            unsigned k = 1;
            while (x > cum && k < 10000) {
                k++;
                p *= m / k;
                cum += p;
            }
            for (unsigned j = 0; j < k && r->place < PL_COMPULSORY; j++) {
                int violent = gsl_rng_uniform(c) < v[PI_CRIME_VIOLENT_SHARE];
                w->yc.offences++;
                w->yc.acq_crimes++;
                pwi_cost(w, CI_CRIME, v[PI_COST_CRIME]);
                if (pwi_detected(w, gsl_rng_uniform(c), v[PI_POLICE_CRIME]))
                    pwi_handle_case(w, r, idx, week, PW_EVENT_CRIME_UNDER_INFLUENCE, violent);
            }
        }
    }
    if (is_using(r) && r->place < PL_COMPULSORY &&
        pwi_detected(w, u[3], r->stage == ST_DEPENDENT ? w->p_use_dep : w->p_use_light))
        pwi_handle_case(w, r, idx, week, PW_EVENT_POSSESSION, 0);
    if (r->role && r->place < PL_COMPULSORY) {
        w->yc.offences++;
        if (u[7] < w->p_seller_quit) {
            r->role = ROLE_NONE;
        } else if (pwi_detected(w, 1 - u[7], w->p_sale)) {
            int role = r->role;
            pwi_handle_case(w, r, idx, week, PW_EVENT_DISTRIBUTION, 0);
            if (r->place >= PL_COMPULSORY || role == ROLE_COURIER)
                r->role = ROLE_NONE; /* a caught seller's place is taken by another */
        }
    }
    /* The criminal mindset from prison follows the person out, users or
     * not: a carrier who is not dependent offends at
     * crime.mindset_offending_rate and, not selling, takes up selling at
     * market.mindset_resale_rate (the market then recruits fewer
     * newcomers); dependent carriers offend through crime_rate and are
     * the first dealers (market.c). Own stream: no other draw moves. */
    if (r->mindset && r->stage != ST_DEPENDENT && r->place < PL_COMPULSORY) {
        gsl_rng *c = at(w, RP_CRIME, a, (uint32_t)week | 0x20000u);
        double u_off = gsl_rng_uniform(c), u_sell = gsl_rng_uniform(c);
        double u_det = gsl_rng_uniform(c), u_viol = gsl_rng_uniform(c);
        if (!r->role && r->place == PL_COMMUNITY && u_sell < w->p_mind_resale)
            r->role = ROLE_COURIER;
        if (u_off < w->p_mind_crime) {
            w->yc.offences++;
            w->yc.acq_crimes++;
            pwi_cost(w, CI_CRIME, v[PI_COST_CRIME]);
            /* The engine has no event for an ordinary crime: it goes in as
             * a crime under the influence with no use disorder, which the
             * regimes punish on the terms of the underlying offence. */
            if (pwi_detected(w, u_det, v[PI_POLICE_CRIME]))
                pwi_handle_case(w, r, idx, week, PW_EVENT_CRIME_UNDER_INFLUENCE,
                                u_viol < v[PI_CRIME_VIOLENT_SHARE]);
        }
    }
    if (r->place >= PL_COMPULSORY)
        return;

    /* Voluntary treatment (limited by outpatient slots) and work: dependence
     * costs jobs; stigma slows finding one again. */
    if (r->stage == ST_DEPENDENT) {
        if (r->place == PL_COMMUNITY && u[6] < w->p_vol)
            w->yc.vol_entries += pwi_enter_outpatient(w, r, week, v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        else if ((r->flags & RF_EMPLOYED) && u[6] > 1 - w->p_jobloss)
            r->flags &= (uint8_t)~RF_EMPLOYED;
        else if (!(r->flags & RF_EMPLOYED) && u[6] > 1 - w->p_reemploy_dep)
            r->flags |= RF_EMPLOYED;
        if (!(r->flags & RF_EMPLOYED))
            pwi_cost(w, CI_LOST_WORK, v[PI_COST_LOST_WORK_MONTH] * 12 / WPY);
    } else if (!(r->flags & RF_EMPLOYED) && u[2] > 1 - w->p_reemploy) {
        r->flags |= RF_EMPLOYED; /* lane 2 is free: no acquisitive crime here */
    }

    if (is_using(r) || r->role)
        pwi_peer_step(w, r, week);
}
