/*
 * The placement clock: releases from prison, arrest and compulsory
 * treatment, work release, parole exams, and the end of outpatient
 * treatment and drug court (graduation or the deferred prison term).
 */
#include "model.h"

static void release(world *w, act *r, int week, int kind)
{
    pwi_leave_slot(w, r);
    r->awaiting_bed = 0; /* a treatment order still unmet lapses with the term */
    r->place = PL_COMMUNITY;
    r->released = (uint16_t)week;
    r->relapse_kind = (uint8_t)kind;
    r->since = (uint16_t)week;
    w->yc.releases++;
}

/* Placement clock: releases, work release, parole, treatment ends. */
void pwi_placement_step(world *w, act *r, int week)
{
    const double *v = w->v;
    if (r->place == PL_COMMUNITY || r->place == PL_WAITING || week < r->until)
        return;
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week ^ 0x8000u);
    switch (r->place) {
    case PL_PRISON:
        if (week >= r->end) {
            release(w, r, week, RK_PRISON);
        } else if (r->wr != NONE16 && week >= r->wr) {
            r->place = PL_WORK_RELEASE; /* outside, with an electronic bracelet, working */
            r->awaiting_bed = 0;
            r->flags |= RF_EMPLOYED;
            r->until = r->end;
            r->monitor_until = r->end;
            r->released = (uint16_t)week;
            r->relapse_kind = RK_PRISON;
            /* Time inside is not remission in the community: the clock
             * restarts here, as at any release. */
            r->since = (uint16_t)week;
        } else if (gsl_rng_uniform(g) < v[PI_PRISON_PAROLE_PASS]) {
            uint16_t end = r->end;
            release(w, r, week, RK_PRISON);
            r->monitor_until = end; /* parole: monitored until the sentence ends */
        } else {
            r->until = r->parole2 != NONE16 && r->parole2 > week ? r->parole2 : r->end;
            r->parole2 = NONE16;
        }
        break;
    case PL_WORK_RELEASE:
        r->place = PL_COMMUNITY;
        break;
    case PL_ARREST:
        release(w, r, week, RK_PRISON);
        break;
    case PL_COMPULSORY: {
        release(w, r, week, RK_COMPULSORY);
        if (r->then_prison) {
            uint16_t t = r->then_prison;
            r->then_prison = 0;
            pwi_enter_prison(w, r, UINT32_MAX, week, t / (double)WPY, NULL);
        }
        break;
    }
    case PL_OUTPATIENT:
        /* Outpatient care ends: no release risks, and a remission that
         * began during care keeps its clock. */
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        break;
    case PL_DRUG_COURT:
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        if (gsl_rng_uniform(g) >= v[PI_TX_DC_GRADUATION] && r->then_prison)
            pwi_enter_prison(w, r, UINT32_MAX, week, r->then_prison / (double)WPY, NULL);
        r->then_prison = 0;
        break;
    default:
        break;
    }
}
