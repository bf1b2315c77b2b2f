/*
 * Active records: only people who use drugs, sell them or are in the
 * justice or treatment system have one (struct act); a record is created
 * on entry and freed when nothing about the person is followed any more.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- agent -> record --------------------------------------------------
 *
 * Linear probing in a power-of-two table at most half full, Fibonacci
 * hashing of the agent number; a deletion shifts the entries that follow
 * back (no tombstones), so a lookup stops at the first empty slot. Only
 * the record index is kept here: nothing in the model depends on the
 * table's order. */

enum { RM_EMPTY = UINT32_MAX, RM_MIN_BITS = 12 };

static uint32_t rm_home(const world *w, uint32_t agent)
{
    return (uint32_t)(agent * 2654435761u) >> (32 - w->rec_bits);
}

/* The slot holding agent, or the empty slot where it would go. */
static uint32_t rm_slot(const world *w, uint32_t agent)
{
    uint32_t mask = (1u << w->rec_bits) - 1, i = rm_home(w, agent);
    while (w->rec_map[i].agent != RM_EMPTY && w->rec_map[i].agent != agent)
        i = (i + 1) & mask;
    return i;
}

static int rm_resize(world *w, uint32_t bits)
{
    pwi_recmap *old = w->rec_map;
    uint32_t old_size = old ? 1u << w->rec_bits : 0;
    pwi_recmap *t = malloc(((size_t)1 << bits) * sizeof *t);
    if (!t)
        return PW_ENOMEM;
    for (size_t i = 0; i < (size_t)1 << bits; i++)
        t[i].agent = RM_EMPTY;
    w->rec_map = t;
    w->rec_bits = bits;
    for (uint32_t i = 0; i < old_size; i++)
        if (old[i].agent != RM_EMPTY)
            t[rm_slot(w, old[i].agent)] = old[i];
    free(old);
    return PW_OK;
}

/* agent's record is rec (replacing any earlier one, as an array would). */
static int rm_put(world *w, uint32_t agent, uint32_t rec)
{
    if (!w->rec_map || 2 * (w->rec_n + 1) > 1u << w->rec_bits) {
        int rc = rm_resize(w, w->rec_map ? w->rec_bits + 1 : RM_MIN_BITS);
        if (rc)
            return rc;
    }
    uint32_t i = rm_slot(w, agent);
    if (w->rec_map[i].agent == RM_EMPTY)
        w->rec_n++;
    w->rec_map[i].agent = agent;
    w->rec_map[i].rec = rec;
    return PW_OK;
}

/* Forgets agent's entry if it names record rec. */
static void rm_drop(world *w, uint32_t agent, uint32_t rec)
{
    if (!w->rec_map)
        return;
    uint32_t mask = (1u << w->rec_bits) - 1, i = rm_slot(w, agent);
    if (w->rec_map[i].agent != agent || w->rec_map[i].rec != rec)
        return;
    /* Backward shift: an entry after the hole moves into it unless its
     * home lies cyclically in (hole, entry]. */
    for (uint32_t j = i;;) {
        j = (j + 1) & mask;
        uint32_t a = w->rec_map[j].agent;
        if (a == RM_EMPTY)
            break;
        uint32_t k = rm_home(w, a);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        w->rec_map[i] = w->rec_map[j];
        i = j;
    }
    w->rec_map[i].agent = RM_EMPTY;
    w->rec_n--;
}

uint32_t pwi_record_of(const world *w, uint32_t agent)
{
    assert(w->rec_map);
    uint32_t i = rm_slot(w, agent);
    assert(w->rec_map[i].agent == agent);
    return w->rec_map[i].rec;
}

int pwi_recmap_copy(world *dst, const world *src)
{
    dst->rec_map = NULL;
    if (!src->rec_map)
        return PW_OK;
    size_t n = (size_t)1 << src->rec_bits;
    dst->rec_map = malloc(n * sizeof *dst->rec_map);
    if (!dst->rec_map)
        return PW_ENOMEM;
    memcpy(dst->rec_map, src->rec_map, n * sizeof *dst->rec_map);
    return PW_OK;
}

int pwi_new_record(world *w, uint32_t agent, uint32_t *idx)
{
    uint32_t i;
    int reused = w->free_slots.n > 0;
    if (reused) {
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
    if (rm_put(w, agent, i)) {
        /* the slot goes back where it came from: no half-made record */
        if (reused)
            w->free_slots.n++;
        else
            w->n_act--;
        return PW_ENOMEM;
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
    rm_drop(w, r->agent, i);
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
