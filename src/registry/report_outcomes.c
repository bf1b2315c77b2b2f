/*
 * report_outcomes.c: the effectiveness outcomes (retention, successful
 * completion, re-presentation, 6-month abstinence and reliable improvement)
 * and the adjustment flags (persons due a plan review; programmes clearly
 * worse than the others). Definitions and sources: docs/registry.md,
 * "Reports and HTTP API", and docs/sources.md R1.5 and R6.1.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "scope.h"
#include "survival.h"

/* One episode, as the outcome measures need it. */
typedef struct ep {
    int64_t id, person;
    int32_t group;
    int32_t start, disd; /* disd = INT32_MAX when not discharged by as_of */
    int success;         /* discharged completed_drug_free or completed */
    /* The start review and the review nearest six months after start:
     * days of use of any drug (max over substances) and found flags. */
    int has_start, has_six;
    int start_use, six_use;
    int32_t six_dist;
} ep;

#define OPEN_DAY INT32_MAX

static int ep_by_id(const void *a, const void *b)
{
    const ep *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int ep_by_person(const void *a, const void *b)
{
    const ep *x = a, *y = b;
    if (x->person != y->person)
        return (x->person > y->person) - (x->person < y->person);
    return (x->start > y->start) - (x->start < y->start);
}

static ep *find_ep(ep *v, size_t n, int64_t id)
{
    ep key = {.id = id};
    return n ? bsearch(&key, v, n, sizeof *v, ep_by_id) : NULL;
}

/* Days of use of any drug in the 28 days before a review: the largest of
 * the per-substance counts (alcohol aside), a lower bound on the union that
 * needs no day-level data. */
#define USE_COLS "v.opioid_days, v.crack_days, v.cocaine_days, v.amphetamine_days, " \
                 "v.cannabis_days, v.synthetic_days, v.other_days"
#define N_USE_COLS 7

static int use_days(pwi_stmt *st, int first_col)
{
    int m = 0;
    for (int c = first_col; c < first_col + N_USE_COLS; c++)
        if (!pwi_col_is_null(st, c) && pwi_col_int64(st, c) > m)
            m = (int)pwi_col_int64(st, c);
    return m;
}

typedef struct gstat {
    long episodes;
    long ret_den, ret_num;        /* retention >= 12 weeks */
    long dis, succ;               /* discharged, successfully */
    long rep_den, rep_num;        /* re-presentation within 6 months */
    long six_den, abstinent, improved, deteriorated;
    long phof_num;                /* successful and not re-presented */
} gstat;

int pwi_report_outcomes(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                        pw_error *err)
{
    static const char *const sql[] = {
        [PWI_BY_NONE] = "SELECT e.id, e.person_id, 'all', e.start_day, e.discharge_day, "
                        "e.discharge_reason FROM episode e WHERE e.start_day <= ? "
                        "AND e.status <> 'rejected'",
        [PWI_BY_PROGRAMME] = "SELECT e.id, e.person_id, e.programme, e.start_day, "
                             "e.discharge_day, e.discharge_reason FROM episode e "
                             "WHERE e.start_day <= ? AND e.status <> 'rejected'",
        [PWI_BY_REGIME] = "SELECT e.id, e.person_id, e.regime, e.start_day, e.discharge_day, "
                          "e.discharge_reason FROM episode e WHERE e.start_day <= ? "
                          "AND e.status <> 'rejected'",
        [PWI_BY_SUBSTANCE] = "SELECT e.id, e.person_id, COALESCE(e.substance, 'unknown'), "
                             "e.start_day, e.discharge_day, e.discharge_reason FROM episode e "
                             "WHERE e.start_day <= ? AND e.status <> 'rejected'",
        [PWI_BY_SITE] = "SELECT e.id, e.person_id, COALESCE(e.site, 'unknown'), "
                        "e.start_day, e.discharge_day, e.discharge_reason FROM episode e "
                        "WHERE e.start_day <= ? AND e.status <> 'rejected'",
        [PWI_BY_OBLAST] = "SELECT e.id, e.person_id, COALESCE(e.oblast, 'unknown'), "
                          "e.start_day, e.discharge_day, e.discharge_reason FROM episode e "
                          "WHERE e.start_day <= ? AND e.status <> 'rejected'",
    };
    ep *v = NULL;
    size_t n = 0, cap = 0;
    char **names = NULL;
    size_t ng = 0;
    gstat *gs = NULL;
    json_t *arr = NULL;
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(reg->db, sql[o->by], &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, o->as_of);
    while ((rc = pwi_step(st, err)) == 1) {
        ep *nv = pwi_grow(v, n, &cap, sizeof *nv, 1024);
        if (!nv) {
            rc = PW_ENOMEM;
            break;
        }
        v = nv;
        ep *x = &v[n];
        memset(x, 0, sizeof *x);
        x->id = pwi_col_int64(st, 0);
        x->person = pwi_col_int64(st, 1);
        const char *g = pwi_col_text(st, 2);
        g = g ? g : "unknown";
        /* Few groups: a linear search is fine. */
        size_t k = 0;
        while (k < ng && strcmp(names[k], g) != 0)
            k++;
        if (k == ng) {
            char **nn = realloc(names, (ng + 1) * sizeof *nn);
            if (!nn || !(nn[ng] = strdup(g))) {
                if (nn)
                    names = nn;
                rc = PW_ENOMEM;
                break;
            }
            names = nn;
            ng++;
        }
        x->group = (int32_t)k;
        x->start = (int32_t)pwi_col_int64(st, 3);
        x->disd = OPEN_DAY;
        if (!pwi_col_is_null(st, 4) && pwi_col_int64(st, 4) <= o->as_of) {
            x->disd = (int32_t)pwi_col_int64(st, 4);
            const char *r = pwi_col_text(st, 5);
            x->success = r && (strcmp(r, "completed_drug_free") == 0 ||
                               strcmp(r, "completed") == 0);
        }
        n++;
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;

    /* The start review and the review nearest to six months after start. */
    if (n > 0) /* v is NULL when there are no episodes */
        qsort(v, n, sizeof *v, ep_by_id);
    rc = pwi_db_prepare(reg->db,
                        "SELECT v.episode_id, v.review_day, v.stage, " USE_COLS
                        " FROM review v WHERE v.review_day <= ?",
                        &st, err);
    if (rc != PW_OK)
        goto done;
    pwi_bind_int64(st, 1, o->as_of);
    while ((rc = pwi_step(st, err)) == 1) {
        ep *x = find_ep(v, n, pwi_col_int64(st, 0));
        if (!x)
            continue;
        int32_t day = (int32_t)pwi_col_int64(st, 1);
        const char *stage = pwi_col_text(st, 2);
        int use = use_days(st, 3);
        if (stage && strcmp(stage, "start") == 0) {
            if (!x->has_start) {
                x->has_start = 1;
                x->start_use = use;
            }
            continue;
        }
        int32_t dist = abs(day - (x->start + PWI_SIX_MONTHS));
        if (dist <= PWI_SIX_MONTH_WINDOW && (!x->has_six || dist < x->six_dist)) {
            x->has_six = 1;
            x->six_use = use;
            x->six_dist = dist;
        }
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;

    gs = calloc(ng ? ng : 1, sizeof *gs);
    if (!gs) {
        rc = PW_ENOMEM;
        goto done;
    }
    /* Re-presentation needs the person's later episodes: walk by person. */
    if (n > 0)
        qsort(v, n, sizeof *v, ep_by_person);
    for (size_t i = 0; i < n; i++) {
        const ep *x = &v[i];
        gstat *g = &gs[x->group];
        g->episodes++;
        int32_t end = x->disd == OPEN_DAY ? o->as_of : x->disd;
        /* Retention (NDTMS "effective treatment"): 12 weeks in treatment, or
         * a successful completion before that. Counted once known. */
        if (x->start + PWI_RETENTION_DAYS <= o->as_of || x->disd != OPEN_DAY) {
            g->ret_den++;
            if (end - x->start >= PWI_RETENTION_DAYS || x->success)
                g->ret_num++;
        }
        if (x->disd != OPEN_DAY) {
            g->dis++;
            g->succ += x->success;
        }
        /* Re-presentation: a later episode of the person starting within 6
         * months of a successful discharge; only discharges with the whole
         * window before as_of can be classified (docs/sources.md R1.5). */
        if (x->success && x->disd + PWI_REPRESENT_DAYS <= o->as_of) {
            int back = 0;
            for (size_t j = i + 1; j < n && v[j].person == x->person; j++)
                if (v[j].start > x->disd && v[j].start <= x->disd + PWI_REPRESENT_DAYS)
                    back = 1;
            g->rep_den++;
            g->rep_num += back;
            g->phof_num += !back;
        }
        if (x->has_start && x->has_six) {
            g->six_den++;
            if (x->six_use == 0)
                g->abstinent++;
            else if (x->start_use - x->six_use >= PWI_RELIABLE_USE_DAYS)
                g->improved++;
            else if (x->six_use - x->start_use >= PWI_RELIABLE_USE_DAYS)
                g->deteriorated++;
        }
    }

    arr = json_array();
    /* Groups in name order. */
    size_t *ord = malloc((ng ? ng : 1) * sizeof *ord);
    if (!ord) {
        rc = PW_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < ng; k++) {
        size_t j = k;
        while (j > 0 && strcmp(names[ord[j - 1]], names[k]) > 0) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = k;
    }
#define RATE(num, den) ((den) > 0 ? json_real((double)(num) / (double)(den)) : json_null())
    for (size_t i = 0; i < ng; i++) {
        const gstat *g = &gs[ord[i]];
        json_t *j = json_object();
        json_object_set_new(j, "group", json_string(names[ord[i]]));
        json_object_set_new(j, "episodes", json_integer(g->episodes));
        json_object_set_new(j, "retention_12_weeks",
                            json_pack("{s:I, s:I, s:o}", "n", (json_int_t)g->ret_den,
                                      "retained", (json_int_t)g->ret_num, "rate",
                                      RATE(g->ret_num, g->ret_den)));
        json_object_set_new(j, "successful_completion",
                            json_pack("{s:I, s:I, s:o}", "discharged", (json_int_t)g->dis,
                                      "successful", (json_int_t)g->succ, "rate",
                                      RATE(g->succ, g->dis)));
        json_object_set_new(
            j, "re_presentation_6_months",
            json_pack("{s:I, s:I, s:o, s:o}", "n", (json_int_t)g->rep_den, "re_presented",
                      (json_int_t)g->rep_num, "rate", RATE(g->rep_num, g->rep_den),
                      "successful_not_re_presented_per_episode",
                      RATE(g->phof_num, g->episodes)));
        json_object_set_new(
            j, "six_month_review",
            json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "n", (json_int_t)g->six_den,
                      "abstinent", (json_int_t)g->abstinent, "reliably_improved",
                      (json_int_t)g->improved, "deteriorated", (json_int_t)g->deteriorated,
                      "abstinent_rate", RATE(g->abstinent, g->six_den),
                      "abstinent_or_improved_rate",
                      RATE(g->abstinent + g->improved, g->six_den)));
        json_array_append_new(arr, j);
    }
#undef RATE
    free(ord);
    out->json = json_object();
    json_object_set_new(out->json, "groups", arr);
    arr = NULL;
    rc = PW_OK;
done:
    if (rc == PW_ENOMEM)
        pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
    json_decref(arr);
    for (size_t k = 0; k < ng; k++)
        free(names[k]);
    free(names);
    free(gs);
    free(v);
    return rc;
}

/* ---- Flags ------------------------------------------------------------ */

/* One-sided z beyond which a programme is "clearly worse" (p < 0.01), and
 * the least number of subjects a programme needs before it is judged. */
#define FLAG_Z 2.326
#define FLAG_MIN_N 20
/* Relapse is compared at one year after discharge. */
#define FLAG_RELAPSE_DAY 365
/* A person's check-ups are looked at over the last 180 days. */
#define FLAG_LOOKBACK 180

/* KM S(t) and Greenwood SE at t from a fit (1 and 0 before any event). */
static void surv_at(const pwi_surv *s, double t, double *S, double *se)
{
    long k = pwi_surv_index(s, t);
    *S = k < 0 ? 1.0 : s->pts[k].surv;
    *se = k < 0 ? 0.0 : s->pts[k].se;
    if (isnan(*se))
        *se = 0;
}

/* Programmes whose 1-year relapse-free survival or re-presentation rate is
 * clearly worse than the other programmes pooled. */
static int programme_flags(pwi_reg *reg, const pwi_report_opts *o, json_t *arr,
                           pw_error *err)
{
    pwi_report_opts po = *o;
    po.by = PWI_BY_PROGRAMME;
    pwi_relapse_data d;
    int rc = pwi_relapse_collect(reg, &po, &d, err);
    if (rc != PW_OK)
        return rc;
    pwi_surv_obs *tmp = malloc((d.n ? d.n : 1) * sizeof *tmp);
    if (!tmp) {
        pwi_relapse_data_free(&d);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    for (size_t k = 0; k < d.ngroups && d.ngroups > 1; k++) {
        if (d.count[k] < FLAG_MIN_N || d.n - d.count[k] < FLAG_MIN_N)
            continue;
        /* This programme, then every other one pooled. */
        memcpy(tmp, d.obs + d.start[k], d.count[k] * sizeof *tmp);
        pwi_surv *a = NULL, *b = NULL;
        rc = pwi_surv_fit(tmp, d.count[k], &a);
        size_t m = 0;
        for (size_t j = 0; j < d.ngroups; j++)
            if (j != k) {
                memcpy(tmp + m, d.obs + d.start[j], d.count[j] * sizeof *tmp);
                m += d.count[j];
            }
        if (rc == PW_OK)
            rc = pwi_surv_fit(tmp, m, &b);
        if (rc != PW_OK) {
            pwi_surv_free(a);
            break;
        }
        double sa, ea, sb, eb;
        surv_at(a, FLAG_RELAPSE_DAY, &sa, &ea);
        surv_at(b, FLAG_RELAPSE_DAY, &sb, &eb);
        double se = sqrt(ea * ea + eb * eb);
        double z = se > 0 ? (sb - sa) / se : 0;
        if (z > FLAG_Z) {
            char why[256];
            snprintf(why, sizeof why,
                     "relapse-free at %d days %.2f vs %.2f in the other programmes (z = %.2f)",
                     FLAG_RELAPSE_DAY, sa, sb, z);
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:i}",
                                                 "programme", d.names[k], "measure", "relapse",
                                                 "reason", why, "value", sa, "others", sb,
                                                 "z", z, "days", FLAG_RELAPSE_DAY));
        }
        pwi_surv_free(a);
        pwi_surv_free(b);
    }
    free(tmp);
    pwi_relapse_data_free(&d);
    if (rc != PW_OK)
        return rc;

    /* Re-presentation: reuse the outcomes report's counts. */
    pwi_report_out ro = {0};
    rc = pwi_report_outcomes(reg, &po, &ro, err);
    if (rc != PW_OK)
        return rc;
    json_t *groups = json_object_get(ro.json, "groups");
    long tx = 0, tn = 0;
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        json_t *r = json_object_get(g, "re_presentation_6_months");
        tx += (long)json_integer_value(json_object_get(r, "re_presented"));
        tn += (long)json_integer_value(json_object_get(r, "n"));
    }
    json_array_foreach(groups, i, g) {
        json_t *r = json_object_get(g, "re_presentation_6_months");
        long x = (long)json_integer_value(json_object_get(r, "re_presented"));
        long nn = (long)json_integer_value(json_object_get(r, "n"));
        if (nn < FLAG_MIN_N || tn - nn < FLAG_MIN_N)
            continue;
        double z = pwi_prop_z(x, nn, tx - x, tn - nn);
        if (z > FLAG_Z) {
            double pa = (double)x / nn, pb = (double)(tx - x) / (double)(tn - nn);
            char why[256];
            snprintf(why, sizeof why,
                     "re-presented within 6 months %.2f vs %.2f in the other programmes "
                     "(z = %.2f)", pa, pb, z);
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "programme",
                               json_string_value(json_object_get(g, "group")), "measure",
                               "re_presentation", "reason", why, "value", pa, "others", pb,
                               "z", z));
        }
    }
    json_decref(ro.json);
    return PW_OK;
}

/* Per-episode findings, merged into one row per episode. */
typedef struct finding {
    int64_t id;
    char *ref, *pkey;
    json_t *reasons; /* the English sentences */
    json_t *codes;   /* the same as {"code", ...its values}, for other languages */
} finding;

typedef struct findings {
    finding *v;
    size_t n, cap;
} findings;

static finding *finding_get(findings *f, int64_t id, const char *ref, const char *pkey)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].id == id)
            return &f->v[i];
    finding *nv = pwi_grow(f->v, f->n, &f->cap, sizeof *nv, 32);
    if (!nv)
        return NULL;
    f->v = nv;
    finding *x = &f->v[f->n];
    x->id = id;
    x->ref = strdup(ref ? ref : "");
    x->pkey = strdup(pkey ? pkey : "");
    x->reasons = json_array();
    x->codes = json_array();
    if (!x->ref || !x->pkey || !x->reasons || !x->codes) {
        free(x->ref);
        free(x->pkey);
        json_decref(x->reasons);
        json_decref(x->codes);
        return NULL;
    }
    f->n++;
    return x;
}

static void findings_free(findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].ref);
        free(f->v[i].pkey);
        json_decref(f->v[i].reasons);
        json_decref(f->v[i].codes);
    }
    free(f->v);
}

/* Episodes under watch: open, or discharged within the look-back (the
 * post-rehabilitation monitoring period). */
/* A placement waiting for the panel is not under watch: its schedule has
 * not started (it starts at activation, import_event.c). */
#define WATCHED "e.status NOT IN ('rejected', 'pending_panel') AND e.start_day <= ? AND " \
                "(e.discharge_day IS NULL OR e.discharge_day >= ?)"

/* A reason to review the episode of the row `st` is on: `why` in English,
 * and `code` ({"code": ..., and the values the sentence holds}; the
 * reference is taken) from which the front-end says it in the reader's
 * language (data/web/i18n, dash.flag.CODE). */
static int add_reason(findings *f, pwi_stmt *st, const char *why, json_t *code, pw_error *err)
{
    finding *x = finding_get(f, pwi_col_int64(st, 0), pwi_col_text(st, 1),
                             pwi_col_text(st, 2));
    if (!x || !code) {
        json_decref(code);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    json_array_append_new(x->reasons, json_string(why));
    json_array_append_new(x->codes, code);
    return PW_OK;
}

/* Starts one check of the flags report: names it in `checked` (the checks
 * the role may see) and prepares its query over the watched episodes. The
 * query takes as_of and the look-back's first day twice: for WATCHED, then
 * for the dates of its own rows. */
static int flag_check(pwi_reg *reg, json_t *checked, const char *name, const char *sql,
                      int32_t as_of, int32_t since, pwi_stmt **st, pw_error *err)
{
    json_array_append_new(checked, json_string(name));
    int rc = pwi_db_prepare(reg->db, sql, st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(*st, 1, as_of);
    pwi_bind_int64(*st, 2, since);
    pwi_bind_int64(*st, 3, as_of);
    pwi_bind_int64(*st, 4, since);
    return PW_OK;
}

int pwi_report_flags(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                     pwi_strlist *audit_objects, pw_error *err)
{
    findings f = {0};
    json_t *progs = NULL;
    pwi_stmt *st = NULL;
    int rc = PW_OK;
    pwi_role role = reg->user.role;
    int32_t since = o->as_of - FLAG_LOOKBACK;
    json_t *checked = json_array();

    /* Missed check-ups: a scheduled review whose window closed in the
     * look-back with no review held (needs attendance). */
    if (pwi_allowed(role, PWI_READ, PWI_OBJ_ATTENDANCE)) {
        rc = flag_check(reg, checked, "missed_reviews",
                        "SELECT e.id, e.ref, p.pkey, d.stage, d.due_day FROM review_due d "
                        "JOIN episode e ON e.id = d.episode_id "
                        "JOIN person p ON p.id = e.person_id WHERE " WATCHED
                        " AND d.due_day + d.window_days < ? "
                        "AND d.due_day + d.window_days >= ? AND NOT EXISTS "
                        "(SELECT 1 FROM review v WHERE v.episode_id = d.episode_id "
                        "AND v.stage = d.stage AND v.review_day BETWEEN "
                        "d.due_day - d.window_days AND d.due_day + d.window_days) "
                        "ORDER BY e.id, d.due_day",
                        o->as_of, since, &st, err);
        if (rc != PW_OK)
            goto done;
        while ((rc = pwi_step(st, err)) == 1) {
            char why[128], day[16];
            pwi_date_format((int32_t)pwi_col_int64(st, 4), day);
            snprintf(why, sizeof why, "missed %s review due %s", pwi_col_text(st, 3), day);
            if ((rc = add_reason(&f, st, why,
                                 json_pack("{s:s, s:s, s:s}", "code", "missed_review", "stage",
                                           pwi_col_text(st, 3), "due", day),
                                 err)) != PW_OK)
                break;
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            goto done;
    }

    /* Drug tests: two or more of the last three positive or missed
     * (missing counts as positive, the CTNote convention, docs/sources.md
     * R6.1). Rows come newest first per episode. */
    if (pwi_allowed(role, PWI_READ, PWI_OBJ_TEST)) {
        rc = flag_check(reg, checked, "drug_tests",
                        "SELECT e.id, e.ref, p.pkey, t.result, t.test_day FROM drug_test t "
                        "JOIN episode e ON e.id = t.episode_id "
                        "JOIN person p ON p.id = e.person_id WHERE " WATCHED
                        " AND t.test_day <= ? AND t.test_day >= ? "
                        "ORDER BY e.id, t.test_day DESC, t.id DESC",
                        o->as_of, since, &st, err);
        if (rc != PW_OK)
            goto done;
        int64_t cur = -1;
        int seen = 0, bad = 0;
        while ((rc = pwi_step(st, err)) == 1) {
            int64_t id = pwi_col_int64(st, 0);
            if (id != cur) {
                cur = id;
                seen = bad = 0;
            }
            if (seen >= 3)
                continue;
            seen++;
            const char *r = pwi_col_text(st, 3);
            bad += r && (strcmp(r, "positive") == 0 || strcmp(r, "missed") == 0);
            /* Report once, when the third test settles it. */
            if (seen == 3 && bad >= 2) {
                char why[128];
                snprintf(why, sizeof why, "%d of the last 3 drug tests positive or missed", bad);
                if ((rc = add_reason(&f, st, why,
                                     json_pack("{s:s, s:i}", "code", "tests", "n", bad),
                                     err)) != PW_OK)
                    break;
            }
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            goto done;
    }

    /* Reviews: the latest review against the one before, in the look-back:
     * use up by a reliable amount, or a 0-20 rating down by one. Review
     * scores are clinical, so only roles that may read them see this. */
    if (pwi_allowed(role, PWI_READ, PWI_OBJ_REVIEW)) {
        rc = flag_check(reg, checked, "reviews",
                        "SELECT e.id, e.ref, p.pkey, " USE_COLS
                        ", v.psych_health, v.phys_health, v.quality_of_life, v.review_day "
                        "FROM review v JOIN episode e ON e.id = v.episode_id "
                        "JOIN person p ON p.id = e.person_id WHERE " WATCHED
                        " AND v.review_day <= ? AND v.review_day >= ? "
                        "ORDER BY e.id, v.review_day DESC, v.id DESC",
                        o->as_of, since, &st, err);
        if (rc != PW_OK)
            goto done;
        int64_t cur = -1;
        int seen = 0, last_use = 0;
        int64_t last_r[3] = {0};
        int last_has[3] = {0};
        /* The fields' names, for the front-end's words (field.NAME). */
        static const char *const rfield[3] = {"psych_health", "phys_health", "quality_of_life"};
        static const char *const rname[3] = {"psychological health", "physical health",
                                              "quality of life"};
        while ((rc = pwi_step(st, err)) == 1) {
            int64_t id = pwi_col_int64(st, 0);
            if (id != cur) {
                cur = id;
                seen = 0;
            }
            if (seen >= 2)
                continue;
            int use = use_days(st, 3);
            if (seen == 0) {
                last_use = use;
                for (int k = 0; k < 3; k++) {
                    last_has[k] = !pwi_col_is_null(st, 3 + N_USE_COLS + k);
                    last_r[k] = pwi_col_int64(st, 3 + N_USE_COLS + k);
                }
                seen = 1;
                continue;
            }
            seen = 2;
            char why[160];
            if (last_use - use >= PWI_RELIABLE_USE_DAYS) {
                snprintf(why, sizeof why,
                         "days of drug use up from %d to %d at the latest review", use, last_use);
                if ((rc = add_reason(&f, st, why,
                                     json_pack("{s:s, s:i, s:i}", "code", "use_up", "from", use,
                                               "to", last_use),
                                     err)) != PW_OK)
                    break;
            }
            for (int k = 0; k < 3; k++) {
                int col = 3 + N_USE_COLS + k;
                if (!last_has[k] || pwi_col_is_null(st, col))
                    continue;
                int64_t before = pwi_col_int64(st, col);
                if (before - last_r[k] >= PWI_RELIABLE_RATING) {
                    snprintf(why, sizeof why, "%s down from %lld to %lld at the latest review",
                             rname[k], (long long)before, (long long)last_r[k]);
                    if ((rc = add_reason(&f, st, why,
                                         json_pack("{s:s, s:s, s:I, s:I}", "code", "rating_down",
                                                   "rating", rfield[k], "from",
                                                   (json_int_t)before, "to",
                                                   (json_int_t)last_r[k]),
                                         err)) != PW_OK)
                        break;
                }
            }
            if (rc < 0)
                break;
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            goto done;
    }

    /* Follow-up: the latest post-discharge follow-up says "using". */
    if (pwi_allowed(role, PWI_READ, PWI_OBJ_OUTCOME)) {
        rc = flag_check(reg, checked, "followups",
                        "SELECT e.id, e.ref, p.pkey, f.status, f.followup_day "
                        "FROM followup f JOIN episode e ON e.id = f.episode_id "
                        "JOIN person p ON p.id = e.person_id WHERE " WATCHED
                        " AND f.followup_day <= ? AND f.followup_day >= ? "
                        "ORDER BY e.id, f.followup_day DESC, f.id DESC",
                        o->as_of, since, &st, err);
        if (rc != PW_OK)
            goto done;
        int64_t cur = -1;
        while ((rc = pwi_step(st, err)) == 1) {
            int64_t id = pwi_col_int64(st, 0);
            if (id == cur)
                continue;
            cur = id;
            const char *s = pwi_col_text(st, 3);
            if (s && strcmp(s, "using") == 0) {
                char why[96], day[16];
                pwi_date_format((int32_t)pwi_col_int64(st, 4), day);
                snprintf(why, sizeof why, "follow-up on %s: using", day);
                if ((rc = add_reason(&f, st, why,
                                     json_pack("{s:s, s:s}", "code", "followup_using", "date",
                                               day),
                                     err)) != PW_OK)
                    break;
            }
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            goto done;
    }

    progs = json_array();
    if (pwi_allowed(role, PWI_READ, PWI_OBJ_AGGREGATE)) {
        json_array_append_new(checked, json_string("programmes"));
        if ((rc = programme_flags(reg, o, progs, err)) != PW_OK)
            goto done;
    }

    /* The reasons once more as a table of their own, a row per reason with
     * its code and values (the spreadsheet's sheet "findings"; the
     * front-end's sentences in the reader's language). */
    json_t *persons = json_array(), *coded = json_array();
    for (size_t i = 0; i < f.n; i++) {
        /* Only the episodes in the user's scope (scope.h): the court
         * liaison's court episodes, a site's own. The findings are few (one
         * per flagged episode), so one lookup each. */
        int in = 1;
        if ((rc = pwi_scope_episode(reg, f.v[i].id, &in, err)) != PW_OK) {
            json_decref(persons);
            json_decref(coded);
            goto done;
        }
        if (!in)
            continue;
        json_t *row = pwi_report_subject(reg, f.v[i].id, f.v[i].ref, f.v[i].pkey);
        json_object_set_new(row, "action", json_string("plan_review"));
        json_object_set(row, "reasons", f.v[i].reasons);
        size_t j;
        json_t *code;
        json_array_foreach(f.v[i].codes, j, code) {
            json_t *c = pwi_report_subject(reg, f.v[i].id, f.v[i].ref, f.v[i].pkey);
            json_object_update(c, code);
            json_array_append_new(coded, c);
        }
        json_array_append_new(persons, row);
        char obj[160];
        snprintf(obj, sizeof obj, "episode:%.140s", f.v[i].ref ? f.v[i].ref : "?");
        if ((rc = pwi_strlist_add(audit_objects, obj)) != PW_OK) {
            json_decref(persons);
            json_decref(coded);
            pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
            goto done;
        }
    }
    out->json = json_object();
    json_object_set_new(out->json, "checked", checked);
    checked = NULL;
    json_object_set_new(out->json, "persons", persons);
    json_object_set_new(out->json, "programmes", progs);
    json_object_set_new(out->json, "findings", coded);
    progs = NULL;
    rc = PW_OK;
done:
    json_decref(checked);
    json_decref(progs);
    findings_free(&f);
    return rc;
}
