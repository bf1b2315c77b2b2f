/*
 * report.c: the report dispatcher (permission, audit, output) and the
 * reports over time: relapse survival, caseload, overdue reviews and data
 * completeness. Outcomes and flags are in report_outcomes.c, the TDI export
 * in export_tdi.c, one episode in report_episode.c.
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

static const char *const kind_names[PWI_REPORT_COUNT] = {
    "relapse-survival", "caseload", "overdue", "completeness",
    "outcomes", "flags", "tdi-export"};

int pwi_report_parse(const char *name)
{
    for (int i = 0; name && i < PWI_REPORT_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *pwi_report_name(pwi_report_kind k)
{
    return (unsigned)k < PWI_REPORT_COUNT ? kind_names[k] : "?";
}

int pwi_report_by_parse(const char *name)
{
    if (!name || !*name)
        return PWI_BY_NONE;
    if (strcmp(name, "programme") == 0)
        return PWI_BY_PROGRAMME;
    if (strcmp(name, "regime") == 0)
        return PWI_BY_REGIME;
    if (strcmp(name, "substance") == 0)
        return PWI_BY_SUBSTANCE;
    if (strcmp(name, "site") == 0)
        return PWI_BY_SITE;
    if (strcmp(name, "oblast") == 0)
        return PWI_BY_OBLAST;
    return -1;
}

static const char *by_name(pwi_report_by by)
{
    static const char *const n[] = {"none", "programme", "regime", "substance", "site", "oblast"};
    return n[by];
}

const char *pwi_report_group_sql(pwi_report_by by)
{
    switch (by) {
    case PWI_BY_PROGRAMME:
        return "e.programme";
    case PWI_BY_REGIME:
        return "e.regime";
    case PWI_BY_SUBSTANCE:
        return "COALESCE(e.substance, 'unknown')";
    case PWI_BY_SITE:
        return "COALESCE(e.site, 'unknown')";
    case PWI_BY_OBLAST:
        return "COALESCE(e.oblast, 'unknown')";
    default:
        return "'all'";
    }
}

int pwi_strlist_add(pwi_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return PW_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return PW_ENOMEM;
    l->n++;
    return PW_OK;
}

void pwi_strlist_free(pwi_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

json_t *pwi_report_subject(const pwi_reg *reg, int64_t episode_id,
                           const char *episode_ref, const char *pkey)
{
    json_t *o = json_object();
    json_object_set_new(o, "episode_id", json_integer(episode_id));
    if (pwi_allowed(reg->user.role, PWI_READ, PWI_OBJ_IDENTITY)) {
        json_object_set_new(o, "episode", json_string(episode_ref ? episode_ref : ""));
    } else {
        char ps[17] = "";
        if (pkey)
            snprintf(ps, sizeof ps, "%.16s", pkey);
        json_object_set_new(o, "pseudonym", json_string(ps));
    }
    return o;
}

double pwi_prop_z(long x1, long n1, long x2, long n2)
{
    if (n1 <= 0 || n2 <= 0)
        return 0;
    double p1 = (double)x1 / n1, p2 = (double)x2 / n2;
    double p = (double)(x1 + x2) / (double)(n1 + n2);
    double se = sqrt(p * (1 - p) * (1.0 / n1 + 1.0 / n2));
    return se > 0 ? (p1 - p2) / se : 0;
}

json_t *pwi_json_day(int32_t day)
{
    char b[16];
    pwi_date_format(day, b);
    return json_string(b);
}

/* ---- Dispatcher ------------------------------------------------------ */

int pwi_report_audit(pwi_reg *reg, const pwi_audit_hook *audit,
                     const pwi_audit_entry *e, size_t n, pw_error *err)
{
    if (audit)
        return audit->write(audit->ctx, &reg->user, e, n, err);
    int rc = pwi_db_begin(reg->db, err);
    for (size_t i = 0; rc == PW_OK && i < n; i++)
        rc = pwi_reg_audit(reg, e[i].action, e[i].object, e[i].detail, err);
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, err);
    else
        pwi_db_rollback(reg->db);
    return rc;
}

/* The objects a kind needs the role to read before anything is computed.
 * Person-level reports add finer checks per field inside. */
static pwi_object required_object(pwi_report_kind k)
{
    switch (k) {
    case PWI_REPORT_OVERDUE:
        return PWI_OBJ_ATTENDANCE;
    case PWI_REPORT_FLAGS:
    case PWI_REPORT_TDI_EXPORT:
        return PWI_OBJ_EPISODE;
    default:
        return PWI_OBJ_AGGREGATE;
    }
}

int pwi_report_run(pwi_reg *reg, const pwi_report_opts *opts, char **out,
                   size_t *len, const char **content_type, pw_error *err)
{
    *out = NULL;
    *len = 0;
    *content_type = NULL;
    assert(reg->has_user);
    if ((unsigned)opts->kind >= PWI_REPORT_COUNT)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "kind", "unknown report kind");
    char objname[64];
    snprintf(objname, sizeof objname, "report:%s", kind_names[opts->kind]);
    int rc = pwi_reg_require(reg, PWI_READ, required_object(opts->kind), objname, err);
    if (rc != PW_OK)
        return rc;

    pwi_report_out r = {0};
    pwi_strlist objs = {0};
    /* Every query of the report reads one snapshot, so a record committed
     * meanwhile is either wholly in the report or wholly out of it (the
     * relapse report alone runs seven queries). It is a read transaction:
     * it blocks no writer, unlike SQLite's BEGIN IMMEDIATE. */
    if ((rc = pwi_db_begin_read(reg->db, err)) != PW_OK)
        return rc;
    switch (opts->kind) {
    case PWI_REPORT_RELAPSE_SURVIVAL:
        rc = pwi_report_relapse(reg, opts, &r, err);
        break;
    case PWI_REPORT_CASELOAD:
        rc = pwi_report_caseload(reg, opts, &r, err);
        break;
    case PWI_REPORT_OVERDUE:
        rc = pwi_report_overdue(reg, opts, &r, &objs, err);
        break;
    case PWI_REPORT_COMPLETENESS:
        rc = pwi_report_completeness(reg, opts, &r, err);
        break;
    case PWI_REPORT_OUTCOMES:
        rc = pwi_report_outcomes(reg, opts, &r, err);
        break;
    case PWI_REPORT_FLAGS:
        rc = pwi_report_flags(reg, opts, &r, &objs, err);
        break;
    case PWI_REPORT_TDI_EXPORT:
        rc = pwi_export_tdi(reg, opts, &r, &objs, err);
        break;
    default:
        rc = PW_EINVAL;
    }
    if (rc != PW_OK)
        goto done;
    if ((rc = pwi_db_end_read(reg->db, err)) != PW_OK)
        goto done;

    /* The audit entries are written after the snapshot has ended (no write
     * may run inside it) and committed before the report is handed out, so
     * nothing is shown that is not on record. */
    char detail[96];
    char asof[16];
    pwi_date_format(opts->as_of, asof);
    snprintf(detail, sizeof detail, "by=%s as_of=%s rows=%zu", by_name(opts->by), asof,
             objs.n);
    pwi_audit_entry *ents = malloc((objs.n + 1) * sizeof *ents);
    if (!ents) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    ents[0] = (pwi_audit_entry){opts->kind == PWI_REPORT_TDI_EXPORT ? "export" : "read",
                                objname, detail};
    for (size_t i = 0; i < objs.n; i++)
        ents[i + 1] = (pwi_audit_entry){"read", objs.v[i], objname};
    rc = pwi_report_audit(reg, opts->audit, ents, objs.n + 1, err);
    free(ents);
    if (rc != PW_OK)
        goto done;

    if (r.json) {
        json_object_set_new(r.json, "kind", json_string(kind_names[opts->kind]));
        json_object_set_new(r.json, "as_of", pwi_json_day(opts->as_of));
        char *s = json_dumps(r.json, JSON_COMPACT | JSON_REAL_PRECISION(6) | JSON_PRESERVE_ORDER);
        if (!s) {
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            goto done;
        }
        size_t n = strlen(s);
        char *b = realloc(s, n + 2);
        if (!b) {
            free(s);
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            goto done;
        }
        b[n] = '\n';
        b[n + 1] = '\0';
        *out = b;
        *len = n + 1;
        *content_type = "application/json";
    } else {
        assert(r.text);
        *out = r.text;
        *len = r.len;
        r.text = NULL;
        *content_type = "text/csv";
    }
done:
    if (pwi_db_in_read(reg->db))
        pwi_db_end_read(reg->db, NULL);
    json_decref(r.json);
    free(r.text);
    pwi_strlist_free(&objs);
    return rc;
}

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
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        char **v = realloc(g->name, cap * sizeof *v);
        if (!v)
            return PW_ENOMEM;
        g->name = v;
        g->cap = cap;
    }
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
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            origin *v = realloc(orig, cap * sizeof *v);
            if (!v) {
                rc = PW_ENOMEM;
                break;
            }
            orig = v;
        }
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
    rc = scan(db,
              "SELECT e.person_id, r.relapse_day FROM relapse r "
              "JOIN episode e ON e.id = r.episode_id WHERE r.relapse_day <= ?",
              o->as_of, orig, n, EV_RELAPSE, -1, err);
    if (rc == PW_OK)
        rc = scan(db,
                  "SELECT e.person_id, t.test_day, "
                  "CASE WHEN t.result = 'positive' THEN 1 ELSE 0 END FROM drug_test t "
                  "JOIN episode e ON e.id = t.episode_id WHERE t.test_day <= ?",
                  o->as_of, orig, n, EV_CONTACT, EV_RELAPSE, err);
    if (rc == PW_OK)
        rc = scan(db,
                  "SELECT e.person_id, f.followup_day, "
                  "CASE WHEN f.status = 'using' THEN 1 ELSE 0 END FROM followup f "
                  "JOIN episode e ON e.id = f.episode_id WHERE f.followup_day <= ?",
                  o->as_of, orig, n, EV_CONTACT, EV_RELAPSE, err);
    if (rc == PW_OK)
        rc = scan(db,
                  "SELECT e.person_id, v.review_day FROM review v "
                  "JOIN episode e ON e.id = v.episode_id WHERE v.review_day <= ?",
                  o->as_of, orig, n, EV_CONTACT, -1, err);
    if (rc == PW_OK)
        rc = scan(db, "SELECT person_id, death_day FROM death WHERE death_day <= ?",
                  o->as_of, orig, n, EV_DEATH, -1, err);
    if (rc == PW_OK)
        rc = scan(db,
                  "SELECT person_id, start_day FROM imprisonment WHERE start_day <= ?",
                  o->as_of, orig, n, EV_PRISON, -1, err);
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
    json_object_set_new(out->json, "by", json_string(by_name(o->by)));
    json_object_set_new(out->json, "groups", arr);
    return PW_OK;
}

/* ---- Caseload by phase ---------------------------------------------- */

int pwi_report_caseload(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                        pw_error *err)
{
    /* An episode is in the caseload when it has started, is not rejected and
     * has not been discharged by as_of. Its phase is the plan phase that
     * started last on or before as_of (phases follow each other); an
     * episode without one is counted under its status ("pending_panel"). */
    static const char *const sql[] = {
        [PWI_BY_NONE] =
            "SELECT 'all', COALESCE((SELECT p.phase FROM plan_phase p WHERE p.episode_id = e.id "
            "AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC LIMIT 1), e.status), "
            "COUNT(*) FROM episode e WHERE e.start_day <= ? AND e.status <> 'rejected' "
            "AND (e.discharge_day IS NULL OR e.discharge_day > ?) GROUP BY 1, 2 ORDER BY 1, 2",
        [PWI_BY_PROGRAMME] =
            "SELECT e.programme, COALESCE((SELECT p.phase FROM plan_phase p WHERE p.episode_id = e.id "
            "AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC LIMIT 1), e.status), "
            "COUNT(*) FROM episode e WHERE e.start_day <= ? AND e.status <> 'rejected' "
            "AND (e.discharge_day IS NULL OR e.discharge_day > ?) GROUP BY 1, 2 ORDER BY 1, 2",
        [PWI_BY_REGIME] =
            "SELECT e.regime, COALESCE((SELECT p.phase FROM plan_phase p WHERE p.episode_id = e.id "
            "AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC LIMIT 1), e.status), "
            "COUNT(*) FROM episode e WHERE e.start_day <= ? AND e.status <> 'rejected' "
            "AND (e.discharge_day IS NULL OR e.discharge_day > ?) GROUP BY 1, 2 ORDER BY 1, 2",
        [PWI_BY_SUBSTANCE] =
            "SELECT COALESCE(e.substance, 'unknown'), COALESCE((SELECT p.phase FROM plan_phase p "
            "WHERE p.episode_id = e.id AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC "
            "LIMIT 1), e.status), COUNT(*) FROM episode e WHERE e.start_day <= ? "
            "AND e.status <> 'rejected' AND (e.discharge_day IS NULL OR e.discharge_day > ?) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
        [PWI_BY_SITE] =
            "SELECT COALESCE(e.site, 'unknown'), COALESCE((SELECT p.phase FROM plan_phase p "
            "WHERE p.episode_id = e.id AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC "
            "LIMIT 1), e.status), COUNT(*) FROM episode e WHERE e.start_day <= ? "
            "AND e.status <> 'rejected' AND (e.discharge_day IS NULL OR e.discharge_day > ?) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
        [PWI_BY_OBLAST] =
            "SELECT COALESCE(e.oblast, 'unknown'), COALESCE((SELECT p.phase FROM plan_phase p "
            "WHERE p.episode_id = e.id AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC "
            "LIMIT 1), e.status), COUNT(*) FROM episode e WHERE e.start_day <= ? "
            "AND e.status <> 'rejected' AND (e.discharge_day IS NULL OR e.discharge_day > ?) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
    };
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(reg->db, sql[o->by], &st, err);
    if (rc != PW_OK)
        return rc;
    /* Placeholders are positional on both backends: bind as_of thrice. */
    for (int i = 1; i <= 3; i++)
        pwi_bind_int64(st, i, o->as_of);
    json_t *arr = json_array();
    json_t *cur = NULL;
    long total = 0;
    char curname[256] = "";
    while ((rc = pwi_step(st, err)) == 1) {
        const char *grp = pwi_col_text(st, 0);
        grp = grp ? grp : "unknown";
        if (!cur || strcmp(curname, grp) != 0) {
            cur = json_pack("{s:s, s:i, s:{}}", "group", grp, "open", 0, "by_phase");
            json_array_append_new(arr, cur);
            snprintf(curname, sizeof curname, "%s", grp);
        }
        const char *phase = pwi_col_text(st, 1);
        int64_t c = pwi_col_int64(st, 2);
        json_object_set_new(json_object_get(cur, "by_phase"), phase ? phase : "unknown",
                            json_integer(c));
        json_object_set_new(cur, "open",
                            json_integer(json_integer_value(json_object_get(cur, "open")) + c));
        total += (long)c;
    }
    pwi_stmt_reset(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    out->json = json_object();
    json_object_set_new(out->json, "by", json_string(by_name(o->by)));
    json_object_set_new(out->json, "open", json_integer(total));
    json_object_set_new(out->json, "groups", arr);
    return PW_OK;
}

/* ---- Overdue reviews and completeness -------------------------------- */

/*
 * A scheduled review counts as held when a review of the same episode and
 * stage falls inside its window (due +- window days), whether or not the
 * importer linked it (review_id); it is overdue once the window has closed
 * with no such review.
 */
#define HELD_SQL                                                               \
    "EXISTS (SELECT 1 FROM review v WHERE v.episode_id = d.episode_id "       \
    "AND v.stage = d.stage AND v.review_day BETWEEN d.due_day - d.window_days " \
    "AND d.due_day + d.window_days)"

int pwi_report_overdue(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                       pwi_strlist *audit_objects, pw_error *err)
{
    /* Open episodes only, plus the post-discharge follow-ups of discharged
     * ones (stage post_exit), which are the check-ups most often missed. */
    /* A placement waiting for the panel has no schedule running yet (it
     * starts when the panel activates it, import_event.c); the user's
     * scope (scope.h) limits the rows, and a withdrawn consent keeps the
     * person's rows from the role it limits (consent.h: the court liaison,
     * the analyst; a fixed clause with no value). */
    char scope[160], sql[2048];
    pwi_scope_sql(&reg->user, scope, sizeof scope);
    int w = snprintf(sql, sizeof sql,
        "SELECT e.id, e.ref, p.pkey, e.programme, d.stage, d.due_day, d.window_days "
        "FROM review_due d JOIN episode e ON e.id = d.episode_id "
        "JOIN person p ON p.id = e.person_id "
        "WHERE d.due_day + d.window_days < ? "
        "AND e.status NOT IN ('rejected', 'pending_panel') "
        "AND (e.discharge_day IS NULL OR e.discharge_day > ? OR d.stage = 'post_exit' "
        "OR d.due_day > e.discharge_day) "
        "AND NOT " HELD_SQL "%s%s ORDER BY d.due_day, e.id", scope,
        pwi_consent_filter_e(reg->user.role));
    assert(w > 0 && (size_t)w < sizeof sql);
    (void)w;
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(reg->db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, o->as_of);
    pwi_bind_int64(st, 2, o->as_of);
    pwi_scope_bind(st, 3, &reg->user);
    json_t *arr = json_array();
    while ((rc = pwi_step(st, err)) == 1) {
        int64_t id = pwi_col_int64(st, 0);
        json_t *row = pwi_report_subject(reg, id, pwi_col_text(st, 1), pwi_col_text(st, 2));
        int32_t due = (int32_t)pwi_col_int64(st, 5), win = (int32_t)pwi_col_int64(st, 6);
        json_object_set_new(row, "programme", json_string(pwi_col_text(st, 3)));
        json_object_set_new(row, "stage", json_string(pwi_col_text(st, 4)));
        json_object_set_new(row, "due", pwi_json_day(due));
        json_object_set_new(row, "days_overdue", json_integer(o->as_of - (due + win)));
        json_array_append_new(arr, row);
        char obj[160];
        snprintf(obj, sizeof obj, "episode:%.140s", pwi_col_text(st, 1) ? pwi_col_text(st, 1) : "?");
        if (audit_objects->n == 0 || strcmp(audit_objects->v[audit_objects->n - 1], obj) != 0)
            if ((rc = pwi_strlist_add(audit_objects, obj)) != PW_OK)
                break;
    }
    pwi_stmt_reset(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    out->json = json_object();
    json_object_set_new(out->json, "count", json_integer((json_int_t)json_array_size(arr)));
    json_object_set_new(out->json, "overdue", arr);
    return PW_OK;
}

/* The NDTMS-style completeness threshold (docs/sources.md R1.5: 80%). */
#define COMPLETENESS_THRESHOLD 0.80

int pwi_report_completeness(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                            pw_error *err)
{
    /* Completeness = held / due among scheduled reviews whose window has
     * closed by as_of, per programme. A placement waiting for the panel
     * has no review due: its schedule starts (moved by the wait) when the
     * panel activates it (import_event.c), as in the overdue report. */
    const char *sql =
        "SELECT e.programme, COUNT(*), SUM(CASE WHEN " HELD_SQL " THEN 1 ELSE 0 END) "
        "FROM review_due d JOIN episode e ON e.id = d.episode_id "
        "WHERE d.due_day + d.window_days < ? "
        "AND e.status NOT IN ('rejected', 'pending_panel') "
        "GROUP BY e.programme ORDER BY e.programme";
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(reg->db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, o->as_of);
    json_t *arr = json_array();
    int64_t all_due = 0, all_held = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        int64_t due = pwi_col_int64(st, 1), held = pwi_col_int64(st, 2);
        double c = due > 0 ? (double)held / (double)due : 1.0;
        json_array_append_new(
            arr, json_pack("{s:s, s:I, s:I, s:f, s:b}", "programme", pwi_col_text(st, 0),
                           "due", (json_int_t)due, "held", (json_int_t)held, "completeness",
                           c, "flag", c < COMPLETENESS_THRESHOLD));
        all_due += due;
        all_held += held;
    }
    pwi_stmt_reset(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    out->json = json_object();
    json_object_set_new(out->json, "threshold", json_real(COMPLETENESS_THRESHOLD));
    json_object_set_new(out->json, "due", json_integer(all_due));
    json_object_set_new(out->json, "held", json_integer(all_held));
    json_object_set_new(out->json, "completeness",
                        all_due ? json_real((double)all_held / (double)all_due) : json_null());
    json_object_set_new(out->json, "programmes", arr);
    return PW_OK;
}
