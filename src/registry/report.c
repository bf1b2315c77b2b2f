/*
 * report.c: the report dispatcher (permission, audit, output) and the
 * reports over time: caseload, overdue reviews and data completeness.
 * Relapse survival is in report_relapse.c, outcomes and flags in
 * report_outcomes.c, the TDI export in export_tdi.c, one episode in
 * report_episode.c.
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

const char *pwi_report_by_name(pwi_report_by by)
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

void *pwi_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    assert(n <= *cap && first > 0);
    if (n < *cap)
        return v;
    size_t c = *cap ? 2 * *cap : first;
    void *nv = realloc(v, c * size);
    if (nv)
        *cap = c;
    return nv;
}

int pwi_strlist_add(pwi_strlist *l, const char *s)
{
    char **v = pwi_grow(l->v, l->n, &l->cap, sizeof *v, 64);
    if (!v)
        return PW_ENOMEM;
    l->v = v;
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
    snprintf(detail, sizeof detail, "by=%s as_of=%s rows=%zu", pwi_report_by_name(opts->by), asof,
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
        *out = pwi_json_dumps_line(
            r.json, JSON_COMPACT | JSON_REAL_PRECISION(6) | JSON_PRESERVE_ORDER, len);
        if (!*out) {
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            goto done;
        }
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
    json_object_set_new(out->json, "by", json_string(pwi_report_by_name(o->by)));
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
