/*
 * import_fields.c: what every record type of `registry import` shares: the
 * field getters (each names its field in the error), the role check, the
 * episode lookup and the small SQL helpers (import_int.h).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/engine.h"
#include "pathways/registry.h"
#include "import_int.h"
#include "scope.h"
#include "seal.h"
#include "json_in.h"

void pwi_importer_free(pwi_importer *im)
{
    for (int i = 0; i < im->nregimes; i++) {
        free(im->regime_name[i]);
        pw_regime_free(im->regime[i]);
    }
    im->nregimes = 0;
}

int pwi_imp_bad(pwi_importer *im, pw_error *err, int status, const char *field,
                const char *fmt, const char *arg)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    return pw_error_set(err, status, im->name, im->line, field, "%s", msg);
}

/* ---- Field getters: each names the field in its error ----------------- */

int pwi_imp_get_str(pwi_importer *im, json_t *rec, const char *key, int required,
                    const char **out, pw_error *err)
{
    return pwi_imp_get_str_max(im, rec, key, required, MAX_STR, out, err);
}

int pwi_imp_get_str_max(pwi_importer *im, json_t *rec, const char *key,
                        int required, size_t max, const char **out,
                        pw_error *err)
{
    json_t *v = json_object_get(rec, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? pwi_imp_bad(im, err, PW_EINVAL, key, "is required", NULL)
                        : PW_OK;
    if (!json_is_string(v))
        return pwi_imp_bad(im, err, PW_EINVAL, key, "must be a string", NULL);
    const char *s = json_string_value(v);
    if (!*s || strlen(s) > max) {
        char msg[80];
        snprintf(msg, sizeof msg, "must be 1 to %zu characters", max);
        return pwi_imp_bad(im, err, PW_EINVAL, key, "%s", msg);
    }
    *out = s;
    return PW_OK;
}

int pwi_imp_get_date(pwi_importer *im, json_t *rec, const char *key, int required,
                     int32_t *day, int *present, pw_error *err)
{
    const char *s;
    int rc = pwi_imp_get_str(im, rec, key, required, &s, err);
    if (present)
        *present = s != NULL;
    if (rc != PW_OK || !s)
        return rc;
    if (pwi_date_parse(s, day) != PW_OK)
        return pwi_imp_bad(im, err, PW_EINVAL, key,
                           "'%s' is not a valid ISO 8601 date (YYYY-MM-DD)", s);
    /* Nothing recorded can have happened after today (a review in 2031, a
     * birth in 2030 were saved before this check). Only an order's expiry
     * and a planned release lie ahead by nature. */
    if (!im->today)
        im->today = pwi_today();
    if (*day > im->today && strcmp(key, "order_expiry") != 0 && strcmp(key, "end") != 0)
        return pwi_imp_bad(im, err, PW_EINVAL, key, "'%s' is in the future", s);
    return PW_OK;
}

int pwi_imp_get_enum(pwi_importer *im, json_t *rec, const char *key, int required,
                     const char *const *choices, int *out, pw_error *err)
{
    const char *s;
    *out = -1;
    int rc = pwi_imp_get_str(im, rec, key, required, &s, err);
    if (rc != PW_OK || !s)
        return rc;
    for (int i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return PW_OK;
        }
    char list[300] = "";
    for (int i = 0; choices[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    char msg[400];
    snprintf(msg, sizeof msg, "'%.60s' is not one of: %s", s, list);
    return pw_error_set(err, PW_EINVAL, im->name, im->line, key, "%s", msg);
}

/* An integer in [lo, hi] or a boolean (as 0/1 when lo == 0 && hi == 1). */
int pwi_imp_get_int(pwi_importer *im, json_t *rec, const char *key, long lo,
                    long hi, int64_t *out, int *present, pw_error *err)
{
    json_t *v = json_object_get(rec, key);
    *present = 0;
    if (!v || json_is_null(v))
        return PW_OK;
    if (lo == 0 && hi == 1 && json_is_boolean(v)) {
        *out = json_is_true(v);
    } else if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else {
        return pwi_imp_bad(im, err, PW_EINVAL, key,
                           hi == 1 ? "must be true or false" : "must be an integer",
                           NULL);
    }
    if (*out < lo || *out > hi) {
        char msg[100];
        snprintf(msg, sizeof msg, "must be between %ld and %ld", lo, hi);
        return pwi_imp_bad(im, err, PW_EINVAL, key, "%s", msg);
    }
    *present = 1;
    return PW_OK;
}

int pwi_imp_check_keys(pwi_importer *im, json_t *rec, const char *const *allowed,
                       pw_error *err)
{
    return pwi_json_known_fields(rec, allowed, 1, im->name, im->line, err);
}

/* Role check for one record; refusals are errors of that line (the audit
 * entry of the refusal is written with the rest of the batch). */
int pwi_imp_require(pwi_importer *im, pwi_action a, pwi_object o,
                    const char *object, pw_error *err)
{
    int rc = pwi_reg_require(im->reg, a, o, object, err);
    if (rc != PW_OK) {
        err->line = im->line;
        snprintf(err->file, sizeof err->file, "%s", im->name);
    }
    return rc;
}

/* ---- Small SQL helpers ------------------------------------------------- */

int pwi_imp_lookup_id(pwi_importer *im, const char *sql, const char *ref,
                      const char *field, int64_t *id, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, ref);
    rc = pwi_step(st, err);
    if (rc == 1)
        *id = pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_ENOTFOUND, im->name, im->line, field,
                            "unknown ref '%.100s'", ref);
    return rc < 0 ? rc : PW_OK;
}

int pwi_imp_lookup_episode(pwi_importer *im, const char *ref, pwi_episode_row *ep,
                           pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db,
                        "SELECT id, person_id, start_day, status, site, referral_source, "
                        "legal_basis FROM episode WHERE ref = ?",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, ref);
    rc = pwi_step(st, err);
    if (rc == 1) {
        ep->id = pwi_col_int64(st, 0);
        ep->person_id = pwi_col_int64(st, 1);
        ep->start_day = (int32_t)pwi_col_int64(st, 2);
        snprintf(ep->status, sizeof ep->status, "%s", pwi_col_text(st, 3));
        /* Writes keep to the writer's scope as reads do (scope.h): a user
         * of one site, or a court liaison, cannot add records to an
         * episode it could not open; it is answered as an unknown ref, so
         * the refusal tells nothing about the other site's episodes. */
        if (pwi_scope_limited(&im->reg->user) &&
            !pwi_scope_row_ok(&im->reg->user, pwi_col_text(st, 4), pwi_col_text(st, 5),
                              pwi_col_text(st, 6)))
            rc = 0;
    }
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_ENOTFOUND, im->name, im->line, "episode",
                            "unknown episode ref '%.100s'", ref);
    return rc < 0 ? rc : PW_OK;
}

/*
 * What every record about an episode (panel, review, test, violation,
 * relapse, follow-up, discharge) starts with, in this order, so that a
 * record with several faults is always reported for the same one: no
 * unknown key, an episode ref, the role's right to write `o` on it (and
 * `extra_o` when the record has the field `extra_key`: notes, a legal
 * completion), a known episode, a valid "date".
 *
 * The role checks come before the lookup: a role that may not write the
 * record gets the same refusal (and the same audit entry) whether the
 * episode exists, is discharged or was never there, so a refused
 * request tells nothing about what the registry holds. `object`
 * ("episode:REF") is the audit object of the record.
 */
int pwi_imp_episode_record(pwi_importer *im, json_t *rec, const char *const *keys,
                           pwi_object o, const char *extra_key, pwi_object extra_o,
                           pwi_episode_row *ep, const char **eref, int32_t *day,
                           char object[260], pw_error *err)
{
    int has_day;
    *day = 0;
    object[0] = '\0';
    int rc = pwi_imp_check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "episode", 1, eref, err);
    if (rc == PW_OK) rc = pwi_imp_require_episode(im, o, *eref, object, err);
    if (rc == PW_OK && extra_key && json_object_get(rec, extra_key) &&
        !json_is_null(json_object_get(rec, extra_key)))
        rc = pwi_imp_require(im, PWI_WRITE, extra_o, object, err);
    if (rc == PW_OK) rc = pwi_imp_lookup_episode(im, *eref, ep, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "date", 1, day, &has_day, err);
    return rc;
}

/* After the record's own fields: an event cannot precede its episode. */
int pwi_imp_not_before_start(pwi_importer *im, const pwi_episode_row *ep, int32_t day,
                             pw_error *err)
{
    if (day < ep->start_day)
        return pwi_imp_bad(im, err, PW_EINVAL, "date", "is before the episode's start",
                           NULL);
    return PW_OK;
}

/* The role check on an episode's record; `object` ("episode:REF", also the
 * audit object) is kept for a second check by the caller. */
int pwi_imp_require_episode(pwi_importer *im, pwi_object o, const char *eref,
                            char object[260], pw_error *err)
{
    snprintf(object, 260, "episode:%s", eref);
    return pwi_imp_require(im, PWI_WRITE, o, object, err);
}

/* Runs a prepared INSERT/UPDATE; with RETURNING, *id gets the first column. */
int pwi_imp_run(pwi_stmt *st, int64_t *id, pw_error *err)
{
    int rc = pwi_step(st, err);
    if (rc == 1 && id)
        *id = pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

int pwi_imp_insert_sealed(pwi_importer *im, pwi_stmt *st, int t, pw_error *err)
{
    int64_t id = 0;
    int rc = pwi_imp_run(st, &id, err);
    if (rc != PW_OK)
        return rc;
    assert(id > 0);
    return pwi_seal_insert(im->reg->db, (pwi_seal_table)t, id, err);
}

int pwi_imp_audit_rec(pwi_importer *im, const char *kind, const char *ref,
                      const char *detail, pw_error *err)
{
    char object[260];
    snprintf(object, sizeof object, "%s:%s", kind, ref);
    return pwi_reg_audit(im->reg, "create", object, detail, err);
}

int pwi_imp_add_review_due(pwi_importer *im, int64_t episode_id, const char *stage,
                           int32_t due, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO review_due (episode_id, stage, "
                            "due_day, window_days) VALUES (?, ?, ?, ?)",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, episode_id);
    pwi_bind_text(st, 2, stage);
    pwi_bind_int64(st, 3, due);
    pwi_bind_int64(st, 4, REVIEW_WINDOW_DAYS);
    return pwi_imp_run(st, NULL, err);
}

/*
 * The in-treatment review schedule in one multi-row INSERT (one round trip
 * on PostgreSQL instead of one per review): "start" on day `start`, then
 * "review" every `every` days before `end`, each within +-`window` days.
 */
int pwi_imp_add_review_schedule(pwi_importer *im, int64_t episode_id, int32_t start,
                                int32_t end, int every, int window,
                                pw_error *err)
{
    enum { MAX_ROWS = 64 };
    assert(every > 0);
    int n = 1;
    for (int32_t due = start + every; due < end && n < MAX_ROWS; due += every)
        n++;
    char sql[128 + MAX_ROWS * 16];
    int len = snprintf(sql, sizeof sql,
                       "INSERT INTO review_due (episode_id, stage, due_day, "
                       "window_days) VALUES ");
    for (int i = 0; i < n; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s(?, ?, ?, ?)",
                        i ? ", " : "");
    assert((size_t)len < sizeof sql);
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        pwi_bind_int64(st, 4 * i + 1, episode_id);
        pwi_bind_text(st, 4 * i + 2, i ? "review" : "start");
        pwi_bind_int64(st, 4 * i + 3, start + (int64_t)i * every);
        pwi_bind_int64(st, 4 * i + 4, window);
    }
    return pwi_imp_run(st, NULL, err);
}
