/*
 * report_relapse.c: the relapse-survival report. From each successful
 * discharge (the time origin) to the first relapse, with death, prison and
 * the last contact as censoring, per group (substance, regime, programme
 * or site); Kaplan-Meier and cumulative incidence from survival.c. The
 * dispatcher is in report.c.
 */
#include "report.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "report_int.h"
#include "scope.h"
#include "survival.h"

/* ---- Relapse survival -------------------------------------------------- */

#define NO_DAY INT32_MAX

/* One successful discharge: the time origin of a relapse curve. */
typedef struct origin {
    int64_t person;
    int32_t disd;        /* discharge day */
    int32_t group;       /* index into the group names */
    int32_t relapse;     /* first relapse day after disd, or NO_DAY */
    int32_t death;
    int32_t prison;
    int32_t last;        /* last contact after disd, or disd */
} origin;

static int origin_cmp(const void *a, const void *b)
{
    const origin *x = a, *y = b;
    if (x->person != y->person)
        return x->person < y->person ? -1 : 1;
    return (x->disd > y->disd) - (x->disd < y->disd);
}

typedef struct groups {
    char **name;
    size_t n, cap;
    size_t last; /* last hit: rows often come in runs of one group */
} groups;

static int group_index(groups *g, const char *name, int32_t *idx)
{
    if (!name)
        name = "unknown";
    if (g->n && strcmp(g->name[g->last], name) == 0) {
        *idx = (int32_t)g->last;
        return PW_OK;
    }
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->name[i], name) == 0) {
            g->last = i;
            *idx = (int32_t)i;
            return PW_OK;
        }
    char **v = pwi_grow(g->name, g->n, &g->cap, sizeof *v, 16);
    if (!v)
        return PW_ENOMEM;
    g->name = v;
    if (!(g->name[g->n] = strdup(name)))
        return PW_ENOMEM;
    g->last = g->n;
    *idx = (int32_t)g->n++;
    return PW_OK;
}

static void groups_free(groups *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->name[i]);
    free(g->name);
}

/* Sort order of group names in the output: alphabetical, for stable diffs.
 * The name travels with its index, so the comparator needs no shared state
 * (reports run on several HTTP threads at once). */
typedef struct named {
    const char *name;
    int index;
} named;

static int named_cmp(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

enum { EV_RELAPSE, EV_DEATH, EV_PRISON, EV_CONTACT };

/* Applies a dated record of a person to each of their origins it follows. */
static void apply(origin *o, size_t n, int64_t person, int32_t day, int what)
{
    /* Lower bound of the person's first origin. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o[mid].person < person)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && o[i].person == person; i++) {
        origin *x = &o[i];
        /* Only records strictly after the discharge day count: the
         * discharge itself is often the day of the exit test or review. */
        if (day <= x->disd)
            continue;
        switch (what) {
        case EV_RELAPSE:
            if (day < x->relapse)
                x->relapse = day;
            if (day > x->last)
                x->last = day;
            break;
        case EV_DEATH:
            if (day < x->death)
                x->death = day;
            break;
        case EV_PRISON:
            if (day < x->prison)
                x->prison = day;
            break;
        default:
            if (day > x->last)
                x->last = day;
        }
    }
}

/* Streams (person, day[, flag]) rows of one query into apply(). When the
 * query returns a third column, `what_if_flag` applies to rows whose third
 * column is 1 and EV_CONTACT to the others. */
static int scan(pwi_db *db, const char *sql, int32_t as_of, origin *o, size_t n,
                int what, int what_if_flag, pw_error *err)
{
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, as_of);
    int has_flag = what_if_flag >= 0;
    while ((rc = pwi_step(st, err)) == 1) {
        int64_t person = pwi_col_int64(st, 0);
        int32_t day = (int32_t)pwi_col_int64(st, 1);
        int w = what;
        if (has_flag && pwi_col_int64(st, 2) == 1)
            w = what_if_flag;
        apply(o, n, person, day, w);
    }
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

static const char *const origin_sql[] = {
    [PWI_BY_NONE] = "SELECT e.person_id, e.discharge_day, 'all' FROM episode e "
                    "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                    "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
    [PWI_BY_PROGRAMME] = "SELECT e.person_id, e.discharge_day, e.programme FROM episode e "
                         "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                         "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
    [PWI_BY_REGIME] = "SELECT e.person_id, e.discharge_day, e.regime FROM episode e "
                      "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                      "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
    [PWI_BY_SUBSTANCE] = "SELECT e.person_id, e.discharge_day, COALESCE(e.substance, 'unknown') "
                         "FROM episode e "
                         "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                         "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
    [PWI_BY_SITE] = "SELECT e.person_id, e.discharge_day, COALESCE(e.site, 'unknown') "
                    "FROM episode e "
                    "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                    "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
    [PWI_BY_OBLAST] = "SELECT e.person_id, e.discharge_day, COALESCE(e.oblast, 'unknown') "
                      "FROM episode e "
                      "WHERE e.discharge_reason IN ('completed_drug_free', 'completed') "
                      "AND e.discharge_day IS NOT NULL AND e.discharge_day <= ?",
};

/* Fixed times at which numbers at risk are reported (docs/sources.md R6.2). */
static const int risk_times[] = {30, 90, 180, 365};

static json_t *group_json(const char *name, pwi_surv_obs *obs, size_t n, pw_error *err,
                          int *rc)
{
    pwi_surv *s = NULL;
    *rc = pwi_surv_fit(obs, n, &s);
    if (*rc != PW_OK) {
        pw_error_set(err, *rc, NULL, 0, NULL, "survival fit failed");
        return NULL;
    }
    json_t *g = json_object();
    json_object_set_new(g, "group", json_string(name));
    json_object_set_new(g, "n", json_integer((json_int_t)s->n));
    json_object_set_new(g, "events", json_integer(s->events));
    json_object_set_new(g, "median_days",
                        isnan(s->median) ? json_null() : json_real(s->median));
    json_object_set_new(g, "competing",
                        json_pack("{s:I, s:I}", "death", (json_int_t)s->by_cause[2],
                                  "imprisonment", (json_int_t)s->by_cause[3]));
    json_object_set_new(g, "censored", json_integer(s->by_cause[0]));
    json_t *risk = json_object();
    for (size_t i = 0; i < sizeof risk_times / sizeof risk_times[0]; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", risk_times[i]);
        json_object_set_new(risk, k, json_integer(pwi_surv_at_risk(obs, n, risk_times[i])));
    }
    json_object_set_new(g, "n_risk_at", risk);
    json_t *curve = json_array(), *cif = json_array();
    for (size_t i = 0; i < s->npoints; i++) {
        const pwi_surv_point *p = &s->pts[i];
        if (p->events > 0)
            json_array_append_new(
                curve, json_pack("{s:f, s:I, s:I, s:f, s:f, s:f}", "t_days", p->t, "n_risk",
                                 (json_int_t)p->n_risk, "events", (json_int_t)p->events,
                                 "survival", p->surv, "lo", p->lo, "hi", p->hi));
        json_array_append_new(
            cif, json_pack("{s:f, s:f, s:f, s:f}", "t_days", p->t, "relapse", p->cif[1],
                           "death", p->cif[2], "imprisonment", p->cif[3]));
    }
    json_object_set_new(g, "curve", curve);
    json_object_set_new(g, "cumulative_incidence", cif);
    /* The longest follow-up (the time axis must reach it, or the censored
     * tail is hidden) and the censoring times with their counts, for the
     * marks on the curve: everyone who left observation without a
     * relapse, competing events included (they censor the cause-specific
     * curve). Distinct days only, so the size stays bounded by the span
     * of follow-up, not the number of subjects. obs is sorted by time. */
    double tmax = 0;
    json_t *marks = json_array();
    for (size_t i = 0; i < n; i++) {
        if (obs[i].t > tmax)
            tmax = obs[i].t;
        if (obs[i].status == PWI_SURV_EVENT)
            continue;
        size_t j = json_array_size(marks);
        json_t *last = j ? json_array_get(marks, j - 1) : NULL;
        if (last && json_real_value(json_object_get(last, "t_days")) == obs[i].t)
            json_object_set_new(last, "n",
                                json_integer(json_integer_value(json_object_get(last, "n")) + 1));
        else
            json_array_append_new(marks, json_pack("{s:f, s:I}", "t_days", obs[i].t, "n",
                                                   (json_int_t)1));
    }
    json_object_set_new(g, "max_follow_up_days", json_real(tmax));
    json_object_set_new(g, "censor_marks", marks);
    pwi_surv_free(s);
    return g;
}

pwi_report_probe pwi_report_test_probe;

int pwi_relapse_collect(pwi_reg *reg, const pwi_report_opts *o, pwi_relapse_data *d,
                        pw_error *err)
{
    memset(d, 0, sizeof *d);
    pwi_db *db = reg->db;
    origin *orig = NULL;
    size_t n = 0, cap = 0;
    groups g = {0};
    pwi_stmt *st = NULL;

    int rc = pwi_db_prepare(db, origin_sql[o->by], &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, o->as_of);
    while ((rc = pwi_step(st, err)) == 1) {
        origin *v = pwi_grow(orig, n, &cap, sizeof *v, 1024);
        if (!v) {
            rc = PW_ENOMEM;
            break;
        }
        orig = v;
        origin *x = &orig[n];
        x->person = pwi_col_int64(st, 0);
        x->disd = (int32_t)pwi_col_int64(st, 1);
        x->relapse = x->death = x->prison = NO_DAY;
        x->last = x->disd;
        if ((rc = group_index(&g, pwi_col_text(st, 2), &x->group)) != PW_OK)
            break;
        n++;
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;
    if (n > 0) /* qsort must not get NULL, even for zero items */
        qsort(orig, n, sizeof *orig, origin_cmp);
    if (pwi_report_test_probe.between_queries)
        pwi_report_test_probe.between_queries(pwi_report_test_probe.ctx);

    /* Events and contacts of the person after each discharge, whichever of
     * their episodes the record was filed under (a relapse often shows up
     * in a new episode). The third column marks the rows that are events. */
    static const struct {
        const char *sql;
        int what, what_if_flag;
    } scans[] = {
        {"SELECT e.person_id, r.relapse_day FROM relapse r "
         "JOIN episode e ON e.id = r.episode_id WHERE r.relapse_day <= ?",
         EV_RELAPSE, -1},
        {"SELECT e.person_id, t.test_day, "
         "CASE WHEN t.result = 'positive' THEN 1 ELSE 0 END FROM drug_test t "
         "JOIN episode e ON e.id = t.episode_id WHERE t.test_day <= ?",
         EV_CONTACT, EV_RELAPSE},
        {"SELECT e.person_id, f.followup_day, "
         "CASE WHEN f.status = 'using' THEN 1 ELSE 0 END FROM followup f "
         "JOIN episode e ON e.id = f.episode_id WHERE f.followup_day <= ?",
         EV_CONTACT, EV_RELAPSE},
        {"SELECT e.person_id, v.review_day FROM review v "
         "JOIN episode e ON e.id = v.episode_id WHERE v.review_day <= ?",
         EV_CONTACT, -1},
        {"SELECT person_id, death_day FROM death WHERE death_day <= ?", EV_DEATH, -1},
        {"SELECT person_id, start_day FROM imprisonment WHERE start_day <= ?", EV_PRISON, -1},
    };
    for (size_t i = 0; rc == PW_OK && i < sizeof scans / sizeof scans[0]; i++)
        rc = scan(db, scans[i].sql, o->as_of, orig, n, scans[i].what, scans[i].what_if_flag,
                  err);
    if (rc != PW_OK)
        goto done;

    /* Bucket the observations by group (counting sort keeps it linear),
     * groups in alphabetical order for stable output. */
    named *order = malloc((g.n ? g.n : 1) * sizeof *order);
    int *rank = malloc((g.n ? g.n : 1) * sizeof *rank);
    d->count = calloc(g.n + 1, sizeof *d->count);
    d->start = calloc(g.n + 1, sizeof *d->start);
    d->obs = malloc((n ? n : 1) * sizeof *d->obs);
    d->names = calloc(g.n + 1, sizeof *d->names);
    if (!order || !rank || !d->count || !d->start || !d->obs || !d->names) {
        free(order);
        free(rank);
        rc = PW_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < g.n; k++)
        order[k] = (named){g.name[k], (int)k};
    if (g.n > 0)
        qsort(order, g.n, sizeof *order, named_cmp);
    for (size_t k = 0; k < g.n; k++) {
        int was = order[k].index;
        rank[was] = (int)k;
        d->names[k] = g.name[was];
        g.name[was] = NULL; /* moved */
    }
    d->ngroups = g.n;
    free(order);
    for (size_t i = 0; i < n; i++)
        d->count[rank[orig[i].group]]++;
    size_t *next = d->start;
    for (size_t k = 1; k <= g.n; k++)
        next[k] = next[k - 1] + d->count[k - 1];
    for (size_t i = 0; i < n; i++) {
        const origin *x = &orig[i];
        pwi_surv_obs ob;
        /* The first of relapse, death and imprisonment ends follow-up; on
         * the same day relapse wins (it is what the curve is about), then
         * death. Otherwise the person is censored at their last contact. */
        int32_t first = x->relapse;
        ob.status = PWI_SURV_EVENT;
        if (x->death < first) {
            first = x->death;
            ob.status = 2;
        }
        if (x->prison < first) {
            first = x->prison;
            ob.status = 3;
        }
        if (first == NO_DAY) {
            first = x->last;
            ob.status = PWI_SURV_CENSORED;
        }
        ob.t = (double)(first - x->disd);
        d->obs[next[rank[x->group]]++] = ob;
    }
    free(rank);
    /* next[] advanced each start to the following group's; shift back. */
    for (size_t k = g.n; k > 0; k--)
        d->start[k] = d->start[k - 1];
    d->start[0] = 0;
    d->n = n;
    rc = PW_OK;
done:
    if (rc == PW_ENOMEM)
        pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (rc != PW_OK)
        pwi_relapse_data_free(d);
    free(orig);
    groups_free(&g);
    return rc;
}

void pwi_relapse_data_free(pwi_relapse_data *d)
{
    if (d->names)
        for (size_t k = 0; k < d->ngroups; k++)
            free(d->names[k]);
    free(d->names);
    free(d->obs);
    free(d->count);
    free(d->start);
    memset(d, 0, sizeof *d);
}

int pwi_report_relapse(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                       pw_error *err)
{
    pwi_relapse_data d;
    int rc = pwi_relapse_collect(reg, o, &d, err);
    if (rc != PW_OK)
        return rc;
    json_t *arr = json_array();
    for (size_t k = 0; k < d.ngroups; k++) {
        json_t *gj = group_json(d.names[k], d.obs + d.start[k], d.count[k], err, &rc);
        if (!gj) {
            json_decref(arr);
            pwi_relapse_data_free(&d);
            return rc;
        }
        json_array_append_new(arr, gj);
    }
    pwi_relapse_data_free(&d);
    out->json = json_object();
    json_object_set_new(out->json, "by", json_string(pwi_report_by_name(o->by)));
    json_object_set_new(out->json, "groups", arr);
    return PW_OK;
}
