/*
 * The chapter's social levers: school prevention programmes, awareness
 * campaigns and stigma as a state of society (docs/model.md, "Prevention,
 * awareness and stigma"; docs/sources.md K4.6).
 *
 * - A school programme reaches, each school year, a share
 *   prevention.school_coverage of the people aged [age_from, age_to) at
 *   the year's start; whether agent a was reached in year y is its own
 *   draw (RP_SOCIETY, a, y), so run r of every regime reaches the same
 *   pupils. The pupils reached are paid for (cost.prevention) and a pupil
 *   reached starts using less, by an effect that fades with the years
 *   since the last programme reached them (pwi_rate_prevention_rr).
 * - A campaign budget (per 100,000 inhabitants a year, paid weekly) moves
 *   public awareness towards the level it sustains; awareness lowers
 *   stigma and multiplies initiation by pwi_rate_campaign_rr (an effect
 *   whose prior includes harm).
 * - The public sees the week's admissions to arrest, compulsory treatment
 *   and prison (the pathway's own counters), remembered at
 *   society.stigma_memory_decay; stigma's log-odds rise with them above
 *   today's level and fall with awareness (pwi_rate_stigma_social). Stigma
 *   then lowers voluntary treatment entry and re-employment (society.c).
 *
 * The formulas are in rates.h, shared with the mean field
 * (src/calib/mf_levers.c).
 */
#include <assert.h>

#include "model.h"

void pwi_levers_init(world *w, double in_remission)
{
    const double *v = w->v;
    /* Today: the public's memory holds today's level of punishment, and
     * awareness is what today's campaign budget sustains. Voluntary entry was set at the stigma of this
     * state (stigma_ref). */
    w->pressure = v[PI_STIG_REF];
    w->awareness = pwi_rate_awareness_target(v[PI_AWARE_BUDGET], v[PI_AWARE_HALF]);
    w->camp_rr = pwi_rate_campaign_rr(v[PI_AWARE_USE], w->awareness);
    w->pun_seen = 0;
    double base = pwi_rate_stigma(v[PI_SOC_STIGMA], v[PI_SOC_AWARENESS], in_remission,
                                  (double)w->alive);
    w->stigma_ref = pwi_rate_stigma_social(base, v[PI_STIG_PUNISH], w->pressure, v[PI_STIG_REF],
                                           v[PI_AWARE_STIGMA], w->awareness);
    pwi_set_stigma(w, in_remission);
}

/* Whether agent a was reached by the school programme of year y: aged
 * [from, to) at the year's start and drawn into its coverage. */
static int reached(const world *w, uint32_t a, int y)
{
    double u[4];
    lanes4(w, RP_SOCIETY, a, (uint32_t)y, 0, u);
    return u[0] < w->v[PI_PREV_COVERAGE];
}

double pwi_prevention_rr(const world *w, uint32_t agent, int week)
{
    const double *v = w->v;
    if (v[PI_PREV_COVERAGE] <= 0 || v[PI_PREV_EFFECT] <= 0)
        return 1;
    /* The most recent programme year that reached the person sets the
     * effect (pwi_rate_prevention_cohort_rr averages the same rule). */
    for (int y = week / WPY; y >= 0; y--) {
        double at = (y * WPY - w->birth[agent]) / (double)WPY;
        if (at >= v[PI_PREV_AGE_TO])
            continue;
        if (at < v[PI_PREV_AGE_FROM])
            break;
        if (reached(w, agent, y))
            return pwi_rate_prevention_rr(v[PI_PREV_EFFECT], v[PI_PREV_HALF_LIFE],
                                          (week - y * WPY) / (double)WPY);
    }
    return 1;
}

int pwi_initiation_accepted(world *w, uint32_t agent, int week, double u, double p)
{
    if (u >= p)
        return 0;
    double rr = pwi_prevention_rr(w, agent, week);
    if (rr < 1 && u >= p * rr) {
        w->yc.averted++; /* would have started without the programme */
        return 0;
    }
    return 1;
}

/* The least whole number of weeks d with d / (double)WPY >= years, the
 * test school_year made on every agent's age: the division is monotone
 * in d, so "aged at least `years`" is "d >= this" for every d. A NaN
 * never compares true: INT64_MAX (no age qualifies). */
static int64_t weeks_at_least(double years)
{
    if (isnan(years) || years > 1e6)
        return INT64_MAX;
    if (years < -1e6)
        return INT64_MIN;
    int64_t d = (int64_t)floor(years * WPY) - 2;
    while (!((double)d / WPY >= years))
        d++;
    return d;
}

/* Pupils whose coverage draws are computed together. */
enum { PUPIL_BATCH = 64 };

/* The number of the `k` candidates of sub[] drawn into the coverage of
 * year `year` (reached's draw, eight Philox blocks at once). */
static uint32_t pupils_reached(const world *w, int year, const uint32_t *sub, size_t k)
{
    double u[PUPIL_BATCH][4];
    pw_rng_block4_batch(w->seed, w->run, RP_SOCIETY, (uint32_t)year, 0, sub, k, u);
    uint32_t n = 0;
    for (size_t j = 0; j < k; j++)
        n += u[j][0] < w->v[PI_PREV_COVERAGE];
    return n;
}

/* The school programme of year `year`: counts and pays for the pupils it
 * reaches (one pass over everyone, once a year). The pass is most of 20 M
 * people in a Kazakhstan run: the age window is two integer bounds on the
 * weeks since birth (the same test as (week - birth) / WPY in [from,
 * to), see weeks_at_least), the candidates are gathered without a
 * branch, and their draws (reached's lane 0 of block 0) are computed a
 * batch at a time, not one Philox block per pupil: together they were 4%
 * of a Kazakhstan run. */
static void school_year(world *w, int year)
{
    const double *v = w->v;
    if (v[PI_PREV_COVERAGE] <= 0)
        return;
    int week = year * WPY;
    int64_t lo = weeks_at_least(v[PI_PREV_AGE_FROM]), hi = weeks_at_least(v[PI_PREV_AGE_TO]);
    if (isnan(v[PI_PREV_AGE_TO]))
        lo = INT64_MAX; /* "at < NaN" never holds: nobody qualifies */
    uint32_t sub[PUPIL_BATCH + 1];
    size_t k = 0;
    uint32_t reached_n = 0;
    for (uint32_t a = 0; a < w->n; a++) {
        int64_t d = week - w->birth[a];
        sub[k] = a;
        k += ((w->flags[a] & AF_ALIVE) != 0) & (d >= lo) & (d < hi);
        if (k == PUPIL_BATCH) {
            reached_n += pupils_reached(w, year, sub, k);
            k = 0;
        }
    }
    reached_n += pupils_reached(w, year, sub, k);
    double pupils = reached_n;
    w->yc.pupils += pupils;
    pwi_cost(w, CI_PREVENTION, pupils * v[PI_PREV_COST]);
}

void pwi_levers_week(world *w, int week, double in_remission)
{
    const double *v = w->v;
    if (week % WPY == 0)
        school_year(w, week / WPY);
    /* What the public saw this week: admissions to arrest, compulsory
     * treatment and prison, per 1,000 inhabitants a year. */
    double seen = w->yc.arrests + w->yc.comp_adm + w->yc.prison_adm;
    double rate = w->alive ? (seen - w->pun_seen) * 1000.0 * WPY / (double)w->alive : 0;
    w->pun_seen = (week + 1) % WPY == 0 ? 0 : seen; /* the year's counters reset next */
    double decay = v[PI_STIG_MEMORY];
    w->pressure += decay * (rate - w->pressure) / WPY;
    /* The campaign: paid weekly, awareness towards the level it buys. */
    double budget = v[PI_AWARE_BUDGET];
    if (budget > 0)
        pwi_cost(w, CI_CAMPAIGNS, budget * (double)w->alive / 1e5 / WPY);
    w->awareness +=
        decay * (pwi_rate_awareness_target(budget, v[PI_AWARE_HALF]) - w->awareness) / WPY;
    w->camp_rr = pwi_rate_campaign_rr(v[PI_AWARE_USE], w->awareness);
    assert(w->pressure >= 0 && w->awareness >= 0 && w->awareness < 1);
    pwi_set_stigma(w, in_remission);
}
