/*
 * episode_list.c: a filtered page of episodes (see episode_list.h).
 */
#include "episode_list.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "consent.h"
#include "report_int.h"
#include "scope.h"

/* The phase on as_of: "discharged" once discharged by then, "rejected"
 * for a rejected placement, else as in the caseload report (report.c),
 * which counts only open episodes: the plan phase that started last, or
 * the status when none has. Binds as_of twice. */
#define PHASE_SQL                                                                      \
    "CASE WHEN e.discharge_day IS NOT NULL AND e.discharge_day <= ? THEN 'discharged' " \
    "WHEN e.status IN ('rejected', 'pending_panel') THEN e.status "                    \
    "ELSE COALESCE((SELECT p.phase FROM plan_phase p WHERE p.episode_id = e.id "       \
    "AND p.start_day <= ? ORDER BY p.start_day DESC, p.seq DESC LIMIT 1), e.status) END"

static int parse_long(const char *s, const char *field, long lo, long hi, long *out,
                      pw_error *err)
{
    if (!s)
        return PW_OK;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return pw_error_set(err, PW_EINVAL, NULL, 0, field,
                            "must be a whole number from %ld to %ld", lo, hi);
    *out = v;
    return PW_OK;
}

int pwi_episode_query_parse(pwi_param_fn get, void *ctx, pwi_episode_query *q,
                            pw_error *err)
{
    *q = (pwi_episode_query){.programme = get(ctx, "programme"),
                             .phase = get(ctx, "phase"),
                             .status = get(ctx, "status"),
                             .site = get(ctx, "site"),
                             .as_of = pwi_today(),
                             .limit = PWI_EPISODE_LIST_DEFAULT};
    const char *asof = get(ctx, "as_of");
    if (asof && pwi_date_parse(asof, &q->as_of) != PW_OK)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "as_of", "must be a date YYYY-MM-DD");
    int rc = parse_long(get(ctx, "limit"), "limit", 1, PWI_EPISODE_LIST_MAX, &q->limit, err);
    if (rc == PW_OK)
        rc = parse_long(get(ctx, "offset"), "offset", 0, 1000000000L, &q->offset, err);
    return rc;
}

#define SET(s) ((s) && *(s))

/* The filtered set as a derived table, so that the phase (a subquery) can
 * be filtered on. Only the clauses in use are added; every value is bound
 * (no value is pasted into the SQL). The user's scope (scope.h: the court
 * liaison's court episodes, a user's site) is part of the derived table,
 * so rows out of scope are neither counted nor listed; so is a person's
 * withdrawn consent (consent.h), a fixed clause with no value. Bind order:
 * as_of twice, the scope's values, programme?, phase?, status?, site?. */
static void build_sql(char *buf, size_t n, const pwi_user *u, const pwi_episode_query *q,
                      const char *select, const char *tail, const char *consent)
{
    char scope[160];
    pwi_scope_sql(u, scope, sizeof scope);
    int w = snprintf(buf, n,
                     "SELECT %s FROM (SELECT e.id AS id, e.ref AS ref, p.pkey AS pkey, "
                     "e.programme AS programme, e.regime AS regime, e.status AS status, "
                     "e.start_day AS start_day, e.person_id AS person_id, " PHASE_SQL
                     " AS phase, e.site AS site, "
                     "e.oblast AS oblast, e.legal_basis AS legal_basis, "
                     "e.referral_source AS referral_source, e.order_expiry_day AS order_expiry, "
                     "e.recommended_disposition AS disposition "
                     "FROM episode e JOIN person p ON p.id = e.person_id WHERE 1 = 1%s) x "
                     "WHERE 1 = 1%s%s%s%s%s%s",
                     select, scope, SET(q->programme) ? " AND x.programme = ?" : "",
                     SET(q->phase) ? " AND x.phase = ?" : "",
                     SET(q->status) ? " AND x.status = ?" : "",
                     SET(q->site) ? " AND x.site = ?" : "", consent, tail);
    assert(w > 0 && (size_t)w < n);
    (void)w;
}

static int bind_filters(pwi_stmt *st, const pwi_user *u, const pwi_episode_query *q)
{
    int i = 1;
    pwi_bind_int64(st, i++, q->as_of);
    pwi_bind_int64(st, i++, q->as_of);
    i = pwi_scope_bind(st, i, u);
    if (SET(q->programme))
        pwi_bind_text(st, i++, q->programme);
    if (SET(q->phase))
        pwi_bind_text(st, i++, q->phase);
    if (SET(q->status))
        pwi_bind_text(st, i++, q->status);
    if (SET(q->site))
        pwi_bind_text(st, i++, q->site);
    return i;
}

int pwi_episode_list_json(pwi_reg *reg, const pwi_episode_query *q,
                          const pwi_audit_hook *audit, char **out, size_t *len, pw_error *err)
{
    *out = NULL;
    *len = 0;
    assert(q->limit >= 1 && q->limit <= PWI_EPISODE_LIST_MAX && q->offset >= 0);
    int rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_EPISODE, "episodes", err);
    if (rc != PW_OK)
        return rc;
    json_t *doc = NULL, *rows = json_array();
    pwi_audit_entry *ents = NULL;
    char (*objs)[160] = NULL;
    /* Each row's ref, for its audit entry: the log names an episode by its
     * ref on reads as on writes (import), whichever form the reader sees. */
    pwi_strlist refs = {0};
    size_t nrows = 0;
    int read_tx = 0;
    pwi_stmt *st = NULL;
    char sql[2048];
    if (!rows) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* The count and the page in one read transaction: the total matches
     * the rows. (Not BEGIN IMMEDIATE: a list must not block writers.) */
    if ((rc = pwi_db_exec(reg->db, "BEGIN", err)) != PW_OK)
        goto done;
    read_tx = 1;

    int64_t total = 0;
    /* A person's withdrawn consent hides their episodes from the roles it
     * limits (consent.h); no value is pasted. */
    const char *consent = pwi_consent_filter_x(reg->user.role);
    build_sql(sql, sizeof sql, &reg->user, q, "COUNT(*)", "", consent);
    if ((rc = pwi_db_prepare(reg->db, sql, &st, err)) != PW_OK)
        goto done;
    bind_filters(st, &reg->user, q);
    rc = pwi_step(st, err);
    if (rc == 1)
        total = pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;

    build_sql(sql, sizeof sql, &reg->user, q,
              "x.id, x.ref, x.pkey, x.programme, x.regime, x.status, x.start_day, x.phase, "
              "x.site, x.oblast, x.legal_basis, x.referral_source, x.order_expiry, "
              "x.disposition",
              " ORDER BY x.id LIMIT ? OFFSET ?", consent);
    if ((rc = pwi_db_prepare(reg->db, sql, &st, err)) != PW_OK)
        goto done;
    int i = bind_filters(st, &reg->user, q);
    /* The engine's recommendation is case data (the panel's queue shows
     * it); roles that may not read the case do not get it here either. */
    int see_case = pwi_allowed(reg->user.role, PWI_READ, PWI_OBJ_CASE);
    pwi_bind_int64(st, i++, q->limit);
    pwi_bind_int64(st, i, q->offset);
    while ((rc = pwi_step(st, err)) == 1) {
        json_t *o = pwi_report_subject(reg, pwi_col_int64(st, 0), pwi_col_text(st, 1),
                                       pwi_col_text(st, 2));
        const char *keys[] = {"programme", "regime", "status"};
        for (int c = 0; c < 3; c++) {
            const char *s = pwi_col_text(st, 3 + c);
            json_object_set_new(o, keys[c], s ? json_string(s) : json_null());
        }
        json_object_set_new(o, "start", pwi_json_day((int32_t)pwi_col_int64(st, 6)));
        const char *ph = pwi_col_text(st, 7);
        json_object_set_new(o, "phase", ph ? json_string(ph) : json_null());
        const char *more[] = {"site", "oblast", "legal_basis", "referral_source"};
        for (int c = 0; c < 4; c++) {
            const char *s = pwi_col_text(st, 8 + c);
            json_object_set_new(o, more[c], s ? json_string(s) : json_null());
        }
        json_object_set_new(o, "order_expiry",
                            pwi_col_is_null(st, 12)
                                ? json_null()
                                : pwi_json_day((int32_t)pwi_col_int64(st, 12)));
        if (see_case) {
            const char *d = pwi_col_text(st, 13);
            json_object_set_new(o, "recommended_disposition", d ? json_string(d) : json_null());
        }
        json_array_append_new(rows, o);
        nrows++;
        if (pwi_strlist_add(&refs, pwi_col_text(st, 1) ? pwi_col_text(st, 1) : "?") != PW_OK) {
            pwi_stmt_reset(st);
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            goto done;
        }
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;
    read_tx = 0;
    if ((rc = pwi_db_exec(reg->db, "COMMIT", err)) != PW_OK)
        goto done;

    /* One entry for the list, one per episode shown: who saw that a
     * person is in treatment is on record, as for the reports. */
    ents = calloc(nrows + 1, sizeof *ents);
    objs = calloc(nrows + 1, sizeof *objs);
    if (!ents || !objs) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    char detail[400];
    snprintf(detail, sizeof detail,
             "programme=%.100s phase=%.60s status=%.30s site=%.60s limit=%ld offset=%ld rows=%zu",
             q->programme ? q->programme : "", q->phase ? q->phase : "",
             q->status ? q->status : "", q->site ? q->site : "", q->limit, q->offset, nrows);
    ents[0] = (pwi_audit_entry){"read", "episodes", detail};
    for (size_t k = 0; k < nrows; k++) {
        snprintf(objs[k], sizeof objs[k], "episode:%.140s", refs.v[k]);
        ents[k + 1] = (pwi_audit_entry){"read", objs[k], "listed"};
    }
    if ((rc = pwi_report_audit(reg, audit, ents, nrows + 1, err)) != PW_OK)
        goto done;

    char asof[11];
    pwi_date_format(q->as_of, asof);
    doc = json_pack("{s:I, s:i, s:i, s:s, s:O}", "total", (json_int_t)total, "limit",
                    (int)q->limit, "offset", (int)q->offset, "as_of", asof, "episodes", rows);
    *out = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (!*out) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    *len = strlen(*out);
done:
    if (read_tx) {
        pw_error ignored;
        pwi_db_exec(reg->db, "ROLLBACK", &ignored);
    }
    free(ents);
    free(objs);
    pwi_strlist_free(&refs);
    json_decref(doc);
    json_decref(rows);
    return rc;
}
