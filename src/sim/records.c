/*
 * Active records: only people who use drugs, sell them or are in the
 * justice or treatment system have one (struct act); a record is created
 * on entry and freed when nothing about the person is followed any more.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

int pwi_new_record(world *w, uint32_t agent, uint32_t *idx)
{
    uint32_t i;
    if (w->free_slots.n) {
        i = w->free_slots.v[--w->free_slots.n];
    } else {
        if (w->n_act == w->cap_act) {
            uint32_t cap = w->cap_act ? w->cap_act * 2 : 4096;
            act *p = realloc(w->a, (size_t)cap * sizeof *p);
            if (!p)
                return PW_ENOMEM;
            w->a = p;
            w->cap_act = cap;
        }
        i = w->n_act++;
    }
    act *r = &w->a[i];
    memset(r, 0, sizeof *r);
    r->agent = agent;
    r->contact[0] = r->contact[1] = UINT32_MAX;
    r->released = NONE16;
    r->parole2 = NONE16;
    r->parole1 = NONE16;
    r->prison_release = NONE16;
    r->wr = NONE16;
    r->birth = w->birth[agent];
    w->flags[agent] |= AF_ACTIVE;
    w->rec_of[agent] = i;
    *idx = i;
    return PW_OK;
}

void pwi_free_record(world *w, uint32_t i)
{
    act *r = &w->a[i];
    if (r->place == PL_COMPULSORY)
        w->beds_used--;
    if (r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT)
        w->slots_used--;
    pwi_hiv_leave_nsp(w, r);
    w->flags[r->agent] &= (uint8_t)~AF_ACTIVE;
    r->agent = UINT32_MAX;
    if (vec_push(&w->free_slots, i))
        w->error = PW_ENOMEM;
}

/* Record leaves the pool when nothing about it is followed any more: a
 * former light user, or five years of sustained remission (the registry's
 * "healed", docs/sources.md K1.2), with no role, placement or monitoring. */
int pwi_done_with(const act *r, int week)
{
    if (r->role || r->place != PL_COMMUNITY || (r->monitor_until && week < r->monitor_until) ||
        (r->flags & RF_HIV))
        return 0;
    if (r->stage == ST_NONE)
        return r->mindset == 0;
    return r->stage == ST_REM_SUSTAINED && stage_weeks(r, week) >= 4 * WPY && r->mindset == 0;
}
