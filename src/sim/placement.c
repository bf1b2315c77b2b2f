/*
 * The placement clock: releases from prison, arrest and compulsory
 * treatment, work release (in custody), the parole exams, and the end of
 * outpatient treatment and drug court (graduation or the deferred prison
 * term). Every discharge from treatment or custody starts the aftercare
 * and monitoring its decision ordered (pwi_start_care).
 */
#include "model.h"

static void release(world *w, act *r, int week, int kind)
{
    pwi_leave_slot(w, r);
    if (r->awaiting_bed)
        w->yc.lapsed++; /* a treatment order still unmet lapses with the term */
    r->awaiting_bed = 0;
    r->place = PL_COMMUNITY;
    r->released = (uint16_t)week;
    r->relapse_kind = (uint8_t)kind;
    r->since = (uint16_t)week;
    w->yc.releases++;
}

/* Release from a prison term (at its end or on parole): the follow-up of
 * re-convictions starts, and a person on work release keeps the job. */
static void release_from_prison(world *w, act *r, int week)
{
    release(w, r, week, RK_PRISON);
    r->work_release = 0;
    r->pretrial_until = 0;
    r->prison_release = (uint16_t)week;
    r->reconvicted = 0;
    w->yc.prison_releases++;
    pwi_start_care(r, week);
}

/* Placement clock: releases, work release, parole, treatment ends. */
void pwi_placement_step(world *w, act *r, uint32_t idx, int week)
{
    const double *v = w->v;
    if (r->place == PL_COMMUNITY || r->place == PL_WAITING || week < r->until)
        return;
    switch (r->place) {
    case PL_PRISON:
        if (week >= r->end) {
            release_from_prison(w, r, week);
            break;
        }
        if (r->wr != NONE16 && !r->work_release && week >= r->wr) {
            /* Work release (the chapter: working "while still living under
             * prison conditions", with an electronic bracelet): still in
             * custody and in the prison count, at the prison's cost plus
             * the bracelet, employed, and no use or offending outside. */
            r->work_release = 1;
            r->awaiting_bed = 0;
            r->flags |= RF_EMPLOYED;
            w->yc.wr_starts++;
        }
        if (r->parole1 != NONE16 && week >= r->parole1) {
            /* A sitting of the centralised exams: a pass is parole,
             * monitored until the term ends; a fail waits for the next
             * sitting (parole_to), or the end of the term. */
            gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week ^ 0x8000u);
            pwi_cost(w, CI_EXAM, v[PI_COST_EXAM]);
            w->yc.exams++;
            if (gsl_rng_uniform(g) < v[PI_PRISON_PAROLE_PASS]) {
                uint16_t end = r->end;
                w->yc.paroles++;
                release_from_prison(w, r, week);
                if (!r->monitor_until || r->monitor_until < end)
                    r->monitor_until = end;
                break;
            }
            r->parole1 = r->parole2;
            r->parole2 = NONE16;
        }
        r->until = prison_next_step(r);
        break;
    case PL_WORK_RELEASE:
        r->place = PL_COMMUNITY; /* not entered any more (model.h) */
        break;
    case PL_ARREST:
        release(w, r, week, RK_PRISON);
        pwi_start_pending(w, r, idx, week);
        break;
    case PL_COMPULSORY: {
        release(w, r, week, RK_COMPULSORY);
        if (r->then_prison) {
            /* Treatment first, then the term: the care the decision
             * ordered follows the release from prison. */
            uint16_t t = r->then_prison;
            r->then_prison = 0;
            pwi_enter_prison(w, r, UINT32_MAX, week, t / (double)WPY, NULL);
        } else {
            pwi_start_care(r, week);
        }
        break;
    }
    case PL_OUTPATIENT:
        /* Outpatient care ends: no release risks, and a remission that
         * began during care keeps its clock. */
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        pwi_start_care(r, week);
        break;
    case PL_DRUG_COURT: {
        gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week ^ 0x8000u);
        w->slots_used--;
        r->place = PL_COMMUNITY;
        r->relapse_kind = RK_VOLUNTARY;
        if (gsl_rng_uniform(g) >= v[PI_TX_DC_GRADUATION] && r->then_prison)
            pwi_enter_prison(w, r, UINT32_MAX, week, r->then_prison / (double)WPY, NULL);
        else
            pwi_start_care(r, week);
        r->then_prison = 0;
        break;
    }
    default:
        break;
    }
}
