/*
 * The world: one simulated society's lifecycle and its weekly loop.
 * pwi_world_build creates the population, ties and initial state once per
 * run and tabulates the weekly probabilities; pwi_world_run simulates a
 * private copy under one regime (common random numbers across regimes);
 * pwi_week_step is the order of the processes within a week.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* The engine's names of the model's substances (in SUB_* order). */
static const char *const SUB_ENGINE_NAME[N_SUB] = {
    "heroin", "synthetic_cathinones", "synthetic_cannabinoids", "cannabis", "methamphetamine"};

static void world_free(world *w)
{
    if (!w)
        return;
    free(w->birth);
    free(w->flags);
    free(w->hh);
    free(w->hh_mark);
    free(w->rec_map);
    /* Ties and the initial households are read-only and shared by the
     * copies of a base world; only the base frees them. */
    if (!w->shared) {
        free(w->hh_first);
        free(w->tie_off);
        free(w->tie);
    }
    if (w->exits)
        for (int k = 0; k < w->weeks; k++)
            free(w->exits[k].v);
    free(w->exits);
    pwi_ties_free(w);
    free(w->a);
    free(w->free_slots.v);
    free(w->pending.v);
    free(w->waiting.v);
    free(w->prisoners.v);
    free(w->mothers.v);
    free(w->mother_hh.v);
    if (w->rng)
        gsl_rng_free(w->rng);
}

void pwi_world_free(pwi_world *w)
{
    world_free(w);
    free(w);
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || !n)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

int pwi_vec_dup(vec32 *dst, const vec32 *src)
{
    dst->v = NULL;
    dst->n = dst->cap = 0;
    if (!src->n)
        return PW_OK;
    dst->v = dup_mem(src->v, (size_t)src->n * sizeof *src->v);
    if (!dst->v)
        return PW_ENOMEM;
    dst->n = dst->cap = src->n;
    return PW_OK;
}

/* A private copy of a world, built or run up to the projection (the
 * history), so every regime of run r starts from exactly the same society.
 * The built ties and initial households are read-only and shared; the
 * ties made during the history are copied by the tie store
 * (pwi_ties_copy). */
static world *world_clone(const world *b)
{
    world *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    *w = *b;
    w->shared = 1;
    w->out = NULL;
    w->regime = NULL;
    w->birth = dup_mem(b->birth, (size_t)b->cap * sizeof *b->birth);
    w->flags = dup_mem(b->flags, (size_t)b->cap);
    w->hh = dup_mem(b->hh, (size_t)b->cap * sizeof *b->hh);
    w->hh_mark = dup_mem(b->hh_mark, (size_t)b->hh_cap);
    w->a = dup_mem(b->a, (size_t)b->cap_act * sizeof *b->a);
    w->cap_act = b->a ? b->cap_act : 0;
    w->exits = calloc((size_t)b->weeks, sizeof *w->exits);
    w->rng = pw_rng_alloc(b->seed);
    w->free_slots.v = w->pending.v = w->waiting.v = w->prisoners.v = w->mothers.v = NULL;
    w->mother_hh.v = NULL;
    /* The ties made during a run are the copy's own (a base world that
     * has not run yet has none to copy). */
    int ok = !pwi_ties_copy(w, b);
    ok = !pwi_recmap_copy(w, b) && ok;
    ok = ok && w->birth && w->flags && w->hh && w->hh_mark && w->exits && w->rng &&
             (w->a || !b->a);
    ok = ok && !pwi_vec_dup(&w->free_slots, &b->free_slots) &&
         !pwi_vec_dup(&w->pending, &b->pending) && !pwi_vec_dup(&w->waiting, &b->waiting) &&
         !pwi_vec_dup(&w->prisoners, &b->prisoners) && !pwi_vec_dup(&w->mothers, &b->mothers) &&
         !pwi_vec_dup(&w->mother_hh, &b->mother_hh);
    /* Exits of the weeks already simulated were applied: only the
     * future's are needed. */
    for (int k = b->next_week; ok && k < b->weeks; k++)
        ok = !pwi_vec_dup(&w->exits[k], &b->exits[k]);
    if (!ok) {
        pwi_world_free(w);
        return NULL;
    }
    return w;
}

int pwi_world_build(const pw_scenario *s, int years, uint32_t run, int region, uint64_t seed,
                    double scale, pwi_world **out, pw_error *err)
{
    return pwi_world_build_history(s, 0, years, run, region, seed, scale, out, err);
}

int pwi_world_build_history(const pw_scenario *s, int hist_years, int years, uint32_t run,
                            int region, uint64_t seed, double scale, pwi_world **out,
                            pw_error *err)
{
    *out = NULL;
    if (years < 1 || hist_years < 0 || years + hist_years > 1000 || !(scale > 0 && scale <= 1))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "years",
                            "years must be 1..1000 (history included) and scale in (0, 1]");
    int R = s->regions > 0 ? s->regions : 1;
    if (region < 0 || region >= R || (uint64_t)run * (uint64_t)R >= (1u << 24) - (uint64_t)R)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "runs", "too many runs or regions");
    /* A run with a history starts from the people of its first year. */
    double people = hist_years > 0 ? s->history_population : s->population;
    double n0 = floor(people * scale / R + 0.5);
    if (n0 < 100 || n0 > 2e9)
        return pw_error_set(err, PW_EINVAL, s->origin, 0, "scale",
                            "%.0f simulated people: the scale must give 100 to 2e9 agents", n0);
    world *w = calloc(1, sizeof *w);
    if (!w)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    w->s = s;
    w->v = s->v;
    w->seed = seed;
    w->run = run * (uint32_t)R + (uint32_t)region;
    w->scale = scale;
    w->weeks = (hist_years + years) * WPY;
    w->hist_weeks = hist_years * WPY;
    w->deterrence = 1;
    w->detect_factor = 1;
    int rc = PW_OK;
    w->rng = pw_rng_alloc(seed);
    w->exits = calloc((size_t)w->weeks, sizeof *w->exits);
    if (!w->rng || !w->exits) {
        rc = PW_ENOMEM;
        goto done;
    }
    if ((rc = pwi_build_population(w, (uint32_t)n0)) || (rc = pwi_build_ties(w)) ||
        (rc = pwi_seed_initial_state(w)))
        goto done;
    double per100k = n0 / 1e5;
    /* The beds that serve drug cases: most compulsory-treatment beds
     * hold people treated for alcohol (treatment.compulsory_beds_drug_share). */
    w->beds = floor(s->v[PI_TX_BEDS] * s->v[PI_TX_BEDS_DRUG_SHARE] * per100k + 0.5);
    w->slots = floor(s->v[PI_TX_SLOTS] * per100k + 0.5);
    w->nsp_places = floor(s->v[PI_HR_NSP_PLACES] * per100k + 0.5);
    pwi_hiv_init(w);
    w->police_week = s->v[PI_POLICE_CAPACITY] * per100k / WPY;
    {
        const double *v = s->v;
        w->p_quit = wprob(v[PI_USE_LIGHT_QUIT]);
        for (int k = 0; k < N_SUB; k++) {
            w->p_dep[k] = wprob(pwi_dependence_rate(w, k));
            w->p_rem[k] = wprob(pwi_remission_rate(w, k));
        }
        w->p_rem_tx = wprob(v[PI_TX_REM_OUTPATIENT]);
        w->p_inject = wprob(v[PI_USE_INJECT]);
        w->p_sale = wprob(v[PI_POLICE_SALE]);
        w->p_seller_quit = wprob(v[PI_MARKET_QUIT]);
        w->p_jobloss = wprob(v[PI_SOC_JOBLOSS]);
        double rem = 0;
        for (uint32_t i = 0; i < w->n_act; i++)
            rem += w->a[i].stage == ST_REM_EARLY || w->a[i].stage == ST_REM_SUSTAINED;
        pwi_levers_init(w, rem); /* stigma, and the voluntary entry it sets */
        w->p_use_light = wprob(v[PI_POLICE_USE]);
        w->p_use_dep = wprob(pwi_rate_use_detection(v[PI_POLICE_USE], 1));
        /* Relapse by how the remission began and the care received now
         * (care_of: bit 0 aftercare, bit 1 monitoring); relapse_rate gives
         * the rate; tabulated so the weekly loop needs no expm1. */
        for (int care = 0; care < 4; care++) {
            act probe;
            memset(&probe, 0, sizeof probe);
            probe.stage = ST_REM_SUSTAINED;
            probe.aftercare_until = (uint16_t)(care & 1);
            probe.monitor_until = (uint16_t)(care >> 1);
            w->p_relapse_sust[care] = wprob(pwi_relapse_rate(w, &probe, 0));
            probe.stage = ST_REM_EARLY;
            for (int k = 0; k < 4; k++) {
                probe.relapse_kind = (uint8_t)k;
                w->p_relapse_early[k][care] = wprob(pwi_relapse_rate(w, &probe, 0));
            }
            probe.relapse_kind = RK_COMPULSORY;
            for (int m = 0; m <= 60; m++) {
                probe.tx_months = (uint8_t)m;
                w->p_relapse_comp[m][care] = wprob(pwi_relapse_rate(w, &probe, 0));
            }
        }
        for (int inj = 0; inj < 2; inj++)
            for (int tx = 0; tx < 2; tx++)
                w->p_od[inj][tx] = wprob(pwi_rate_overdose(v[PI_HEALTH_OD_INJECT],
                                                           v[PI_HEALTH_OD_OTHER],
                                                           v[PI_HEALTH_OD_TX_RR], inj, tx));
        /* The weekly chances that depend on a few flags, tabulated so the
         * weekly loop needs no expm1 (it was 5% of a run's time). Each rate
         * is the product the loop used to form, in the same order, so every
         * probability is the same double. */
        for (int unemp = 0; unemp < 2; unemp++)
            for (int mind = 0; mind < 2; mind++)
                for (int dc = 0; dc < 2; dc++)
                    w->p_crime[unemp][mind][dc] = wprob(crime_rate(v, unemp, mind, dc));
        w->p_hiv_mort = wprob(v[PI_HEALTH_HIV_MORT]);
        w->p_mind_crime = wprob(v[PI_CRIME_MINDSET_OFFENDING]);
        w->p_mind_resale = wprob(v[PI_MARKET_MINDSET_RESALE]);
        for (int k = 0; k < 3; k++)
            for (int edu = 0; edu < 2; edu++) {
                double rate = v[PI_PRISON_MINDSET];
                for (int j = 0; j < k; j++)
                    rate *= 2;
                if (edu)
                    rate *= v[PI_PRISON_EDU_RR];
                w->p_mindset[k][edu] = wprob(rate);
            }
    }
    /* Start the memory at its steady state for today's dependent users. */
    {
        double dep = 0;
        for (uint32_t i = 0; i < w->n_act; i++)
            dep += w->a[i].stage == ST_DEPENDENT;
        w->memory_y = dep / s->v[PI_INIT_MEMORY_DECAY];
    }
    /* Police see last week's demand; before the first week, estimate it
     * from the initial state so that capacity binds from the start. */
    for (uint32_t i = 0; i < w->n_act; i++) {
        const act *r = &w->a[i];
        if (r->place >= PL_COMPULSORY)
            continue;
        if (r->stage == ST_LIGHT)
            w->expected_detections += w->p_use_light;
        if (r->stage == ST_DEPENDENT)
            w->expected_detections += w->p_use_dep + s->v[PI_POLICE_CRIME] *
                                      s->v[PI_CRIME_ACQ] * s->v[PI_CRIME_UNEMPLOYED_RR] / WPY;
        if (r->role)
            w->expected_detections += w->p_sale;
    }
    pwi_mark_households(w, 0);
    if (pwi_list_mothers(w, 0))
        rc = PW_ENOMEM;
done:
    if (rc) {
        pwi_world_free(w);
        return pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    }
    *out = w;
    return PW_OK;
}

size_t pwi_world_bytes(const pwi_world *w)
{
    size_t b = (size_t)w->cap * (sizeof *w->birth + 1 + sizeof *w->hh);
    b += w->rec_map ? ((size_t)1 << w->rec_bits) * sizeof *w->rec_map : 0;
    b += ((size_t)w->n_initial + 1) * sizeof *w->tie_off + (size_t)w->tie_off[w->n_initial] * 4;
    b += (size_t)w->hh_cap + ((size_t)w->n_hh_initial + 1) * 4;
    b += (size_t)w->cap_act * sizeof(act);
    for (int k = 0; k < w->weeks; k++)
        b += (size_t)w->exits[k].cap * 4;
    return b;
}

uint32_t pwi_world_agents(const pwi_world *w) { return w->n_initial; }

/* Records whose community draws are computed together (at most 255: the
 * rows are uint8_t). */
enum { LANE_BATCH = 64 };

int pwi_week_step(world *w, int week)
{
    const double *v = w->v;
    int rc;
    /* Costs are discounted to the projection's start; the history's are
     * counted at face value (they enter no metric). */
    w->discount = week < w->hist_weeks
                      ? 1
                      : pow(1 + v[PI_COST_DISCOUNT], -(double)(week - w->hist_weeks) / WPY);
    if ((rc = pwi_apply_exits(w, week)) || (rc = pwi_births_and_arrivals(w, week)))
        return rc;
    pwi_outputs_week(w, week, 0);
    pwi_admit_waiting(w, week);

    /* Capacity-limited detection: last week's expected detections against
     * this week's police capacity (Kleiman 1993, docs/sources.md M1.8). */
    double expected = w->expected_detections;
    w->detect_factor = expected > w->police_week ? w->police_week / expected : 1;
    w->expected_detections = 0;

    stocks st;
    memset(&st, 0, sizeof st);
    st.full = (week + 1) % WPY == 0; /* the yearly stocks are read at a year's end */
    /* This week's prisoners (cellmates are drawn from them), branch-free:
     * every index is written and the list grows by whether it qualifies. */
    {
        uint32_t k = 0;
        const act *a = w->a;
        for (uint32_t i0 = 0, n = w->n_act; i0 < n; i0 += SCAN_CHUNK) {
            uint32_t i1 = n - i0 < SCAN_CHUNK ? n : i0 + SCAN_CHUNK;
            if (vec_reserve(&w->prisoners, k + (i1 - i0) + 1))
                return PW_ENOMEM;
            uint32_t *pv = w->prisoners.v;
            for (uint32_t i = i0; i < i1; i++) {
                pv[k] = i;
                k += (a[i].agent != UINT32_MAX) & (a[i].place == PL_PRISON);
            }
        }
        w->prisoners.n = k;
    }
    uint32_t n_act = w->n_act; /* records created this week start next week */
    for (uint32_t i0 = 0; i0 < n_act; i0 += LANE_BATCH) {
        uint32_t m = n_act - i0 < LANE_BATCH ? n_act - i0 : LANE_BATCH;
        /* The community step's Philox blocks of the next LANE_BATCH records,
         * computed together (pw_rng_block4_batch: eight at once with AVX2;
         * they were a third of a run's instructions one by one). A block is
         * a pure function of (agent, week), and no record's agent changes
         * before its turn in the loop (records are only created after it),
         * so these are the numbers the step would compute. Block 0 for
         * everyone who is in the community now, block 1 for those who are
         * dependent or sell now; who gets there during the week (a
         * release, a relapse) has it computed in the step. Likewise the
         * HIV step's block (RP_HIV block 0) for everyone who injects or
         * has HIV now, wherever they are. */
        uint32_t sub0[LANE_BATCH], sub1[LANE_BATCH], sub2[LANE_BATCH];
        /* row in u0 / u1 / u2, 0xFF = none */
        uint8_t at0[LANE_BATCH], at1[LANE_BATCH], at2[LANE_BATCH];
        size_t k0 = 0, k1 = 0, k2 = 0;
        for (uint32_t j = 0; j < m; j++) {
            const act *r = &w->a[i0 + j];
            at0[j] = at1[j] = at2[j] = 0xFF;
            if (r->agent == UINT32_MAX || r->dead)
                continue;
            if (r->flags & (RF_INJECTS | RF_HIV)) {
                at2[j] = (uint8_t)k2;
                sub2[k2++] = r->agent;
            }
            if (r->place >= PL_COMPULSORY)
                continue;
            at0[j] = (uint8_t)k0;
            sub0[k0++] = r->agent;
            if (r->stage == ST_DEPENDENT || r->role) {
                at1[j] = (uint8_t)k1;
                sub1[k1++] = r->agent;
            }
        }
        double u0[LANE_BATCH][4], u1[LANE_BATCH][4], u2[LANE_BATCH][4];
        pw_rng_block4_batch(w->seed, w->run, RP_PROGRESS, (uint32_t)week, 0, sub0, k0, u0);
        pw_rng_block4_batch(w->seed, w->run, RP_PROGRESS, (uint32_t)week, 1, sub1, k1, u1);
        pw_rng_block4_batch(w->seed, w->run, RP_HIV, (uint32_t)week, 0, sub2, k2, u2);
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = i0 + j;
            act *r = &w->a[i];
            if (r->agent == UINT32_MAX)
                continue;
            if (r->dead) {
                pwi_free_record(w, i);
                continue;
            }
            pwi_placement_step(w, r, i, week);
            pwi_weekly_costs(w, r, week);
            pwi_hiv_step(w, r, week, at2[j] != 0xFF ? u2[at2[j]] : NULL);
            /* Person-weeks held, where the week's custody cost is charged. */
            int ck = pwi_custody_kind(r, week);
            if (ck >= 0)
                w->oc.custody_weeks[ck]++;
            if (r->place == PL_PRISON || r->place == PL_ARREST) {
                pwi_prison_step(w, r, week);
            } else if (r->place != PL_COMPULSORY) {
                pwi_community_step(w, r, i, week, at0[j] != 0xFF ? u0[at0[j]] : NULL,
                                   at1[j] != 0xFF ? u1[at1[j]] : NULL);
                if (r->dead) {
                    /* Only an overdose or HIV kills in the community step
                     * (background deaths are applied before the loop). */
                    pwi_outputs_drug_death(w, r, week);
                    pwi_free_record(w, i);
                    continue;
                }
            }
            if (pwi_done_with(r, week)) {
                pwi_free_record(w, i);
                continue;
            }
            pwi_count_record(r, week, &st);
            pwi_outputs_record(w, r, week, st.full);
        }
    }
    if (w->error)
        return w->error;
    /* The fixed cost of the compulsory-treatment centres a regime has
     * needed so far: a centre opens when the beds in use first need it
     * and is not closed again (beds are paid per month on top). */
    {
        double bpc = v[PI_TX_BEDS_PER_CENTRE] * w->scale; /* simulated beds a centre holds */
        uint32_t need = (uint32_t)ceil(w->beds_used / bpc - 1e-9);
        if (need > w->centres)
            w->centres = need;
        pwi_cost(w, CI_CENTRES, w->centres * v[PI_COST_CENTRE_YEAR] * w->scale / WPY);
    }
    pwi_outputs_week(w, week, 1);

    /* New users of this week get their records. */
    pwi_exogenous_step(w, week);
    for (uint32_t j = 0; j < w->pending.n; j++) {
        uint32_t a = w->pending.v[j] >> 3, i;
        if ((rc = pwi_start_use(w, a, (int)(w->pending.v[j] & 7), week, &i)))
            return rc;
        w->yc.initiations++;
    }
    w->pending.n = 0;

    /* Society's memory of visible harm (LHY, docs/sources.md M1.1): Y' = H - dY,
     * deterrence = max(floor, exp(-q Y / L)). */
    w->n_light = st.stage[ST_LIGHT];
    w->n_dep = st.stage[ST_DEPENDENT];
    w->n_pwid = st.pwid;
    w->n_sellers = st.sellers;
    w->memory_y += (w->n_dep - v[PI_INIT_MEMORY_DECAY] * w->memory_y) / WPY;
    w->deterrence = pwi_rate_deterrence(v[PI_INIT_DETER_FLOOR], v[PI_INIT_DETER_Q], w->memory_y,
                                        w->n_light);
    w->hiv_prev = st.pwid > 0 ? (double)st.hiv_pwid / st.pwid : 0;
    w->hcv_prev = st.pwid > 0 ? (double)st.hcv_pwid / st.pwid : 0;
    pwi_levers_week(w, week, stocks_rem(&st)); /* pressure, awareness, stigma */
    pwi_hiv_week(w, &st); /* next week's infection chances among sharers */
    pwi_market_step(w, week);
    if (w->error)
        return w->error;

    /* Everyone is accounted for, every week. */
    w->out->invariant_ok &= w->alive + w->dead + w->emigrated ==
                            w->n_initial + w->born + w->immigrated;
    if ((week + 1) % WPY == 0) {
        pwi_end_of_year(w, week / WPY, week, &st);
        pwi_outputs_end_of_year(w, week / WPY);
        if (pwi_list_mothers(w, week + 1))
            return PW_ENOMEM;
    }
    return PW_OK;
}

void pwi_world_begin(world *w, const pw_regime *regime, pwi_run_result *out)
{
    w->regime = regime;
    w->out = out;
    out->invariant_ok = 1;
    for (int k = 0; k < N_SUB; k++)
        w->sub_id[k] = regime ? pw_substance_lookup(SUB_ENGINE_NAME[k]) : -1;
}

/* Simulates w from its next week up to week `until` (exclusive). */
static int run_weeks(world *w, int until, pwi_run_result *out, pw_error *err)
{
    int rc = PW_OK;
    for (; !w->left_band && w->next_week < until; w->next_week++) {
        if ((rc = pwi_week_step(w, w->next_week)))
            break;
        /* A run that will be rejected for leaving a band need not go on
         * (pw_sim_opts.stop_outside_bands); its finished rows are intact,
         * so the band and year it left by are still reported. */
        if (w->stop_bands && (w->next_week + 1) % WPY == 0) {
            int row = w->next_week / WPY;
            if (pwi_bands_row_left(w->s, w->out->series + (size_t)row * pw_series_count(),
                                   pwi_first_year(w->s) + row))
                w->left_band = 1;
        }
    }
    out->initial = w->n_initial;
    out->born = w->born;
    out->immigrated = w->immigrated;
    out->alive = w->alive;
    out->dead = w->dead;
    out->emigrated = w->emigrated;
    if (rc)
        return pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    return PW_OK;
}

int pwi_world_history(pwi_world *w, const pw_regime *regime, double *series, pw_error *err)
{
    assert(w->next_week == 0);
    if (!w->hist_weeks)
        return PW_OK;
    /* The history's metrics are not kept (the metrics cover the
     * projection); its yearly series are the first rows of every
     * regime's. */
    pwi_run_result *h = calloc(1, sizeof *h);
    if (!h)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    h->series = series;
    pwi_world_begin(w, regime, h);
    int rc = run_weeks(w, w->hist_weeks, h, err);
    if (rc == PW_OK && !h->invariant_ok)
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                          "internal error: population accounting broke in the history");
    w->out = NULL;
    w->regime = NULL;
    free(h);
    return rc;
}

/* The projection of w (built, its history done) under `regime`: the
 * history's series rows are the caller's (already in out->series). */
static int run_world(world *w, const pw_regime *regime, pwi_run_result *out, pw_error *err)
{
    assert(w->left_band || w->next_week == w->hist_weeks);
    pwi_world_begin(w, regime, out);
    return run_weeks(w, w->weeks, out, err);
}

int pwi_world_run(const pwi_world *base, const pw_regime *regime, pwi_run_result *out,
                  pw_error *err)
{
    world *w = world_clone(base);
    if (!w)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = run_world(w, regime, out, err);
    pwi_world_free(w);
    return rc;
}

int pwi_world_run_consume(pwi_world *w, const pw_regime *regime, pwi_run_result *out,
                          pw_error *err)
{
    int rc = run_world(w, regime, out, err);
    pwi_world_free(w);
    return rc;
}

void pwi_world_stop_outside_bands(pwi_world *w, int on) { w->stop_bands = on; }

/* Region i's row `year` summed into `row` (regions of one run). */
static void sum_regions(pwi_world *const *w, int R, int year, double *row)
{
    size_t K = pw_series_count();
    memset(row, 0, K * sizeof *row);
    for (int i = 0; i < R; i++)
        for (size_t k = 0; k < K; k++)
            row[k] += w[i]->out->series[(size_t)year * K + k];
}

int pwi_worlds_run_together(pwi_world **w, int R, const pw_regime *hreg, double *const *hseries,
                            const pw_regime *reg, pwi_run_result *const *out, pw_error *err)
{
    assert(R >= 1);
    const pw_scenario *s = w[0]->s;
    size_t K = pw_series_count();
    int H = w[0]->hist_weeks / WPY, T = w[0]->weeks / WPY, left = 0, rc = PW_OK;
    int first = pwi_first_year(s);
    double *row = malloc(K * sizeof *row);
    pwi_run_result *h = calloc((size_t)R, sizeof *h);
    if (!row || !h) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    for (int i = 0; i < R; i++) {
        assert(w[i]->next_week == 0 && w[i]->hist_weeks == H * WPY && w[i]->weeks == T * WPY);
        h[i].series = hseries[i];
        pwi_world_begin(w[i], hreg, &h[i]);
    }
    /* Phase 0 is the history, phase 1 the projection; a band left in the
     * history still begins the projection (its rows are the history's). */
    for (int phase = 0; phase < 2 && rc == PW_OK; phase++) {
        if (phase == 1)
            for (int i = 0; i < R && rc == PW_OK; i++) {
                if (H && !h[i].invariant_ok)
                    rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                                      "internal error: population accounting broke in the "
                                      "history");
                memcpy(out[i]->series, hseries[i], (size_t)H * K * sizeof *hseries[i]);
                pwi_world_begin(w[i], reg, out[i]);
            }
        for (int y = phase ? H : 0; y < (phase ? T : H) && !left && rc == PW_OK; y++) {
            for (int i = 0; i < R && rc == PW_OK; i++)
                rc = run_weeks(w[i], (y + 1) * WPY, w[i]->out, err);
            if (rc != PW_OK)
                break;
            sum_regions(w, R, y, row);
            left = pwi_bands_row_left(s, row, first + y);
        }
    }
done:
    for (int i = 0; i < R; i++) {
        pwi_world_free(w[i]);
        w[i] = NULL;
    }
    free(row);
    free(h);
    return rc;
}

int pwi_simulate(const pw_scenario *s, const pw_regime *regime, int years, uint32_t run,
                 uint64_t seed, double scale, pwi_run_result *out, pw_error *err)
{
    pwi_world *w;
    int rc = pwi_world_build(s, years, run, 0, seed, scale, &w, err);
    if (rc)
        return rc;
    return pwi_world_run_consume(w, regime, out, err);
}
