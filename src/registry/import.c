/*
 * import.c: `pathways registry import` (JSON Lines, batched) and the
 * all-or-nothing pwi_import_buffer() used by the HTTP API.
 *
 * Each record is checked against the signed-in role, validated field by
 * field (errors name the file, line and field), and written inside a
 * savepoint together with its audit entry, so a bad record is undone alone
 * while the rest of its batch goes in. A batch is one transaction; "committed
 * N" is printed only after COMMIT has returned, i.e. after the data is on
 * disk (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on).
 *
 * Record types and fields are documented in docs/registry.md.
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
#include "reg.h"
#include "seal.h"

/* Outcome-review schedule (issue 5; NDTMS/Newcastle practice in
 * monitoring.md 1.1): a review at start, then every 3 months within +-14
 * days, one at exit, and post-treatment reviews 3, 6 and 12 months after
 * discharge. */
#define REVIEW_INTERVAL_DAYS 91
#define REVIEW_WINDOW_DAYS 14
/* Plan length assumed when the episode carries no case (no engine plan). */
#define DEFAULT_PLAN_DAYS 365
/* The one phase of such a plan. Not the programme's name: a programme is
 * free text ("B", "inpatient_9m") and is its own report grouping, while
 * caseload-by-phase and the episode list's phase filter need a phase from
 * one vocabulary. "treatment" is the kind-unknown phase beside the engine's
 * measures (measure_phase: detoxification, ..., monitoring). */
#define DEFAULT_PLAN_PHASE "treatment"
/* Days per month when turning the engine's measure months into due dates. */
#define DAYS_PER_MONTH 30.4375
static const int post_discharge_days[] = {91, 182, 365};

#define MAX_REGIMES 16

typedef struct importer {
    pwi_reg *reg;
    const char *name;   /* file name for messages */
    long line;
    /* The last good record's savepoint is still open: the next record
     * releases it and opens its own in one round trip; COMMIT releases it
     * otherwise. */
    int sp_open;
    /* Regimes compiled once per import, by name. */
    int nregimes;
    char *regime_name[MAX_REGIMES];
    pw_regime *regime[MAX_REGIMES];
} importer;

static void importer_free(importer *im)
{
    for (int i = 0; i < im->nregimes; i++) {
        free(im->regime_name[i]);
        pw_regime_free(im->regime[i]);
    }
    im->nregimes = 0;
}

static int bad(importer *im, pw_error *err, int status, const char *field,
               const char *fmt, const char *arg)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    return pw_error_set(err, status, im->name, im->line, field, "%s", msg);
}

/* ---- Field getters: each names the field in its error ----------------- */

/* Longest free text (clinical notes) and longest other string. */
#define MAX_TEXT 20000
#define MAX_STR 200

static int get_str_max(importer *im, json_t *rec, const char *key,
                       int required, size_t max, const char **out,
                       pw_error *err);

static int get_str(importer *im, json_t *rec, const char *key, int required,
                   const char **out, pw_error *err)
{
    return get_str_max(im, rec, key, required, MAX_STR, out, err);
}

static int get_str_max(importer *im, json_t *rec, const char *key,
                       int required, size_t max, const char **out,
                       pw_error *err)
{
    json_t *v = json_object_get(rec, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? bad(im, err, PW_EINVAL, key, "is required", NULL)
                        : PW_OK;
    if (!json_is_string(v))
        return bad(im, err, PW_EINVAL, key, "must be a string", NULL);
    const char *s = json_string_value(v);
    if (!*s || strlen(s) > max) {
        char msg[80];
        snprintf(msg, sizeof msg, "must be 1 to %zu characters", max);
        return bad(im, err, PW_EINVAL, key, "%s", msg);
    }
    *out = s;
    return PW_OK;
}

static int get_date(importer *im, json_t *rec, const char *key, int required,
                    int32_t *day, int *present, pw_error *err)
{
    const char *s;
    int rc = get_str(im, rec, key, required, &s, err);
    if (present)
        *present = s != NULL;
    if (rc != PW_OK || !s)
        return rc;
    if (pwi_date_parse(s, day) != PW_OK)
        return bad(im, err, PW_EINVAL, key,
                   "'%s' is not a valid ISO 8601 date (YYYY-MM-DD)", s);
    return PW_OK;
}

static int get_enum(importer *im, json_t *rec, const char *key, int required,
                    const char *const *choices, int *out, pw_error *err)
{
    const char *s;
    *out = -1;
    int rc = get_str(im, rec, key, required, &s, err);
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
static int get_int(importer *im, json_t *rec, const char *key, long lo,
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
        return bad(im, err, PW_EINVAL, key,
                   hi == 1 ? "must be true or false" : "must be an integer",
                   NULL);
    }
    if (*out < lo || *out > hi) {
        char msg[100];
        snprintf(msg, sizeof msg, "must be between %ld and %ld", lo, hi);
        return bad(im, err, PW_EINVAL, key, "%s", msg);
    }
    *present = 1;
    return PW_OK;
}

static int check_keys(importer *im, json_t *rec, const char *const *allowed,
                      pw_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v) {
        int ok = strcmp(key, "type") == 0;
        for (int i = 0; !ok && allowed[i]; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok)
            return bad(im, err, PW_EINVAL, key, "unknown field", NULL);
    }
    return PW_OK;
}

/* Role check for one record; refusals are errors of that line (the audit
 * entry of the refusal is written with the rest of the batch). */
static int require(importer *im, pwi_action a, pwi_object o,
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

static int lookup_id(importer *im, const char *sql, const char *ref,
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

typedef struct episode_row {
    int64_t id;
    int64_t person_id;
    int32_t start_day;
    char status[24];
} episode_row;

static int lookup_episode(importer *im, json_t *rec, episode_row *ep,
                          const char **ref, pw_error *err)
{
    int rc = get_str(im, rec, "episode", 1, ref, err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        "SELECT id, person_id, start_day, status FROM episode "
                        "WHERE ref = ?",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_text(st, 1, *ref);
    rc = pwi_step(st, err);
    if (rc == 1) {
        ep->id = pwi_col_int64(st, 0);
        ep->person_id = pwi_col_int64(st, 1);
        ep->start_day = (int32_t)pwi_col_int64(st, 2);
        snprintf(ep->status, sizeof ep->status, "%s", pwi_col_text(st, 3));
    }
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_ENOTFOUND, im->name, im->line, "episode",
                            "unknown episode ref '%.100s'", *ref);
    return rc < 0 ? rc : PW_OK;
}

/*
 * What every record about an episode (panel, review, test, violation,
 * relapse, follow-up, discharge) starts with, in this order, so that a
 * record with several faults is always reported for the same one: no
 * unknown key, a known episode, a valid "date".
 */
static int episode_record(importer *im, json_t *rec, const char *const *keys,
                          episode_row *ep, const char **eref, int32_t *day,
                          pw_error *err)
{
    int has_day;
    *day = 0;
    int rc = check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = lookup_episode(im, rec, ep, eref, err);
    if (rc == PW_OK) rc = get_date(im, rec, "date", 1, day, &has_day, err);
    return rc;
}

/* After the record's own fields: an event cannot precede its episode. */
static int not_before_start(importer *im, const episode_row *ep, int32_t day,
                            pw_error *err)
{
    if (day < ep->start_day)
        return bad(im, err, PW_EINVAL, "date", "is before the episode's start",
                   NULL);
    return PW_OK;
}

/* The role check on an episode's record; `object` ("episode:REF", also the
 * audit object) is kept for a second check by the caller. */
static int require_episode(importer *im, pwi_object o, const char *eref,
                           char object[260], pw_error *err)
{
    snprintf(object, 260, "episode:%s", eref);
    return require(im, PWI_WRITE, o, object, err);
}

/* Runs a prepared INSERT/UPDATE; with RETURNING, *id gets the first column. */
static int run(pwi_stmt *st, int64_t *id, pw_error *err)
{
    int rc = pwi_step(st, err);
    if (rc == 1 && id)
        *id = pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

static int audit_rec(importer *im, const char *kind, const char *ref,
                     const char *detail, pw_error *err)
{
    char object[260];
    snprintf(object, sizeof object, "%s:%s", kind, ref);
    return pwi_reg_audit(im->reg, "create", object, detail, err);
}

static int add_review_due(importer *im, int64_t episode_id, const char *stage,
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
    return run(st, NULL, err);
}

/*
 * The in-treatment review schedule in one multi-row INSERT (one round trip
 * on PostgreSQL instead of one per review): "start" on day `start`, then
 * "review" every `every` days before `end`, each within +-`window` days.
 */
static int add_review_schedule(importer *im, int64_t episode_id, int32_t start,
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
    return run(st, NULL, err);
}

/* ---- person -------------------------------------------------------------- */

static int rec_person(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"ref", "national_id", "name",
                                       "birth_date", "sex", "contact", NULL};
    static const char *const sexes[] = {"male", "female", "other", "unknown",
                                        NULL};
    const char *ref, *nid, *name, *contact;
    int32_t birth = 0;
    int has_birth, sex;
    int rc = check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = get_str(im, rec, "ref", 1, &ref, err);
    if (rc == PW_OK) rc = get_str(im, rec, "national_id", 1, &nid, err);
    if (rc == PW_OK) rc = get_str(im, rec, "name", 1, &name, err);
    if (rc == PW_OK) rc = get_date(im, rec, "birth_date", 1, &birth, &has_birth, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "sex", 1, sexes, &sex, err);
    if (rc == PW_OK) rc = get_str(im, rec, "contact", 0, &contact, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    snprintf(object, sizeof object, "person:%s", ref);
    if ((rc = require(im, PWI_WRITE, PWI_OBJ_IDENTITY, object, err)) != PW_OK)
        return rc;

    char pkey[65];
    pwi_pseudonym(&im->reg->keys, nid, pkey);
    char *name_enc = NULL, *nid_enc = NULL, *contact_enc = NULL;
    rc = pwi_encrypt(&im->reg->keys, name, &name_enc, err);
    if (rc == PW_OK) rc = pwi_encrypt(&im->reg->keys, nid, &nid_enc, err);
    if (rc == PW_OK && contact)
        rc = pwi_encrypt(&im->reg->keys, contact, &contact_enc, err);
    pwi_stmt *st = NULL;
    if (rc == PW_OK)
        rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO person (ref, pkey, name_enc, "
                            "national_id_enc, contact_enc, birth_day, sex, "
                            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
    if (rc == PW_OK) {
        pwi_bind_text(st, 1, ref);
        pwi_bind_text(st, 2, pkey);
        pwi_bind_text(st, 3, name_enc);
        pwi_bind_text(st, 4, nid_enc);
        pwi_bind_text(st, 5, contact_enc);
        pwi_bind_int64(st, 6, birth);
        pwi_bind_text(st, 7, sexes[sex]);
        pwi_bind_int64(st, 8, im->reg->user.id);
        int64_t id = 0;
        rc = run(st, &id, err);
        if (rc == PW_ECONFLICT)
            rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, "ref",
                              "a person with this ref or national ID exists "
                              "already");
        if (rc == PW_OK) rc = pwi_seal_insert(im->reg->db, PWI_T_PERSON, id, err);
    }
    free(name_enc);
    free(nid_enc);
    free(contact_enc);
    if (rc == PW_OK)
        rc = audit_rec(im, "person", ref, NULL, err);
    return rc;
}

/* ---- episode ------------------------------------------------------------- */

static int get_regime(importer *im, const char *name, pw_regime **out,
                      pw_error *err)
{
    for (int i = 0; i < im->nregimes; i++)
        if (strcmp(im->regime_name[i], name) == 0) {
            *out = im->regime[i];
            return PW_OK;
        }
    pw_regime *r;
    int rc = pw_regime_load(name, &r, err);
    if (rc != PW_OK) {
        /* Keep the engine's reason but point at this line's field. */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return pw_error_set(err, rc, im->name, im->line, "regime",
                            "cannot load regime '%.60s': %s", name, msg);
    }
    if (im->nregimes < MAX_REGIMES) {
        im->regime_name[im->nregimes] = strdup(name);
        im->regime[im->nregimes++] = r;
    } else {
        /* More distinct regimes than the cache holds: very unusual; keep
         * the newest in the last slot. */
        free(im->regime_name[MAX_REGIMES - 1]);
        pw_regime_free(im->regime[MAX_REGIMES - 1]);
        im->regime_name[MAX_REGIMES - 1] = strdup(name);
        im->regime[MAX_REGIMES - 1] = r;
    }
    *out = r;
    return PW_OK;
}

/* Which plan phase a measure opens (NULL: not a phase of the plan). */
static const char *measure_phase(pw_measure_type m)
{
    switch (m) {
    case PW_MEASURE_DETOXIFICATION: return "detoxification";
    case PW_MEASURE_INPATIENT_REHABILITATION: return "inpatient_rehabilitation";
    case PW_MEASURE_OUTPATIENT_TREATMENT: return "outpatient_treatment";
    case PW_MEASURE_POST_REHABILITATION_12_STEP: return "post_rehabilitation_12_step";
    case PW_MEASURE_MONITORING: return "monitoring";
    case PW_MEASURE_PRISON_REHABILITATION_PROGRAMME: return "prison_rehabilitation";
    case PW_MEASURE_BRIEF_INTERVENTION: return "brief_intervention";
    default: return NULL;
    }
}

static int add_phase(importer *im, int64_t episode_id, int seq,
                     const char *phase, int32_t start, int32_t due, int has_due,
                     pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO plan_phase (episode_id, seq, phase, "
                            "start_day, due_day) VALUES (?, ?, ?, ?, ?)",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, episode_id);
    pwi_bind_int64(st, 2, seq);
    pwi_bind_text(st, 3, phase);
    pwi_bind_int64(st, 4, start);
    if (has_due)
        pwi_bind_int64(st, 5, due);
    else
        pwi_bind_null(st, 5);
    return run(st, NULL, err);
}

/*
 * The plan: the decision's measures that are treatment phases, one after
 * the other, each due after its minimum length (the engine's min_months;
 * e.g. at least 12 months of inpatient rehabilitation under `hybrid`).
 * Returns the planned end day in *plan_end.
 */
static int add_plan(importer *im, int64_t episode_id, int32_t start,
                    const pw_decision *d, int32_t *plan_end, pw_error *err)
{
    int32_t cursor = start;
    int seq = 0, rc = PW_OK;
    for (int i = 0; d && rc == PW_OK && i < d->n_measures; i++) {
        const char *phase = measure_phase(d->measures[i].type);
        if (!phase)
            continue;
        float months = d->measures[i].min_months > 0 ? d->measures[i].min_months
                                                     : d->measures[i].max_months;
        if (d->measures[i].type == PW_MEASURE_MONITORING && months <= 0 &&
            d->monitoring_months > 0)
            months = d->monitoring_months;
        int32_t due = cursor + (int32_t)lround(months * DAYS_PER_MONTH);
        rc = add_phase(im, episode_id, ++seq, phase, cursor, due, months > 0,
                       err);
        cursor = due;
    }
    if (rc == PW_OK && seq == 0) {
        /* No engine plan (no case, or no treatment measure in its
         * decision): one phase of treatment of a kind not known here. */
        cursor = start + DEFAULT_PLAN_DAYS;
        rc = add_phase(im, episode_id, 1, DEFAULT_PLAN_PHASE, start, cursor, 1,
                       err);
    }
    if (cursor <= start)
        cursor = start + DEFAULT_PLAN_DAYS;
    *plan_end = cursor;
    return rc;
}

/*
 * Random drug-test days: each day of the plan is a test day with the same
 * probability p (NADCP/All Rise Standard VII, monitoring.md 5.1), drawn
 * with libsodium's CSPRNG so that the schedule cannot be predicted from
 * the code or from earlier days.
 */
static int add_test_schedule(importer *im, int64_t episode_id, int32_t from,
                             int32_t to, double p, pw_error *err)
{
    const uint32_t scale = 1000000;
    uint32_t cut = (uint32_t)lround(p * scale);
    for (int32_t day = from; day < to; day++) {
        if (randombytes_uniform(scale) >= cut)
            continue;
        pwi_stmt *st;
        int rc = pwi_db_prepare(im->reg->db,
                                "INSERT INTO test_schedule (episode_id, "
                                "test_day) VALUES (?, ?)",
                                &st, err);
        if (rc != PW_OK)
            return rc;
        pwi_bind_int64(st, 1, episode_id);
        pwi_bind_int64(st, 2, day);
        if ((rc = run(st, NULL, err)) != PW_OK)
            return rc;
    }
    return PW_OK;
}

static int rec_episode(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {
        "ref", "person", "programme", "regime", "legal_basis", "start",
        "referral_source", "order_ref", "order_expiry", "substance", "case",
        "tests_per_week", "previously_treated", "route", "frequency",
        "age_first_use", "injecting", "ost", "review_every_days",
        "review_window_days", NULL};
    /* TDI 3.0 treatment-entry items (mon §2; code lists [M]). */
    static const char *const routes[] = {"inject", "smoke", "eat_drink",
                                         "sniff", "other", NULL};
    static const char *const freqs[] = {"daily", "4_6_days_week",
                                        "2_3_days_week", "weekly_or_less",
                                        "not_past_30_days", NULL};
    static const char *const injecting[] = {"never", "past", "current", NULL};
    static const char *const bases[] = {"voluntary", "compulsory",
                                        "court_ordered", NULL};
    static const char *const sources[] = {"police", "court", "self", "family",
                                          "health", NULL};
    const char *ref, *person, *programme, *regime_name, *order_ref, *subst;
    int32_t start = 0, expiry = 0;
    int basis, source, has_start, has_expiry;
    int rc = check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = get_str(im, rec, "ref", 1, &ref, err);
    if (rc == PW_OK) rc = get_str(im, rec, "person", 1, &person, err);
    if (rc == PW_OK) rc = get_str(im, rec, "programme", 1, &programme, err);
    if (rc == PW_OK) rc = get_str(im, rec, "regime", 1, &regime_name, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "legal_basis", 1, bases, &basis, err);
    if (rc == PW_OK) rc = get_date(im, rec, "start", 1, &start, &has_start, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "referral_source", 0, sources, &source, err);
    if (rc == PW_OK) rc = get_str(im, rec, "order_ref", 0, &order_ref, err);
    if (rc == PW_OK) rc = get_date(im, rec, "order_expiry", 0, &expiry, &has_expiry, err);
    if (rc == PW_OK) rc = get_str(im, rec, "substance", 0, &subst, err);
    int route, freq, inj, has_prev, has_afu, has_ost;
    int64_t prev = 0, afu = 0, ost = 0;
    if (rc == PW_OK) rc = get_enum(im, rec, "route", 0, routes, &route, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "frequency", 0, freqs, &freq, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "injecting", 0, injecting, &inj, err);
    if (rc == PW_OK) rc = get_int(im, rec, "previously_treated", 0, 1, &prev, &has_prev, err);
    if (rc == PW_OK) rc = get_int(im, rec, "age_first_use", 1, 99, &afu, &has_afu, err);
    if (rc == PW_OK) rc = get_int(im, rec, "ost", 0, 1, &ost, &has_ost, err);
    /* The review schedule is configurable per episode (mon §1.1: NDTMS
     * areas differ); defaults are 91 and 14 days. */
    int has_every, has_window;
    int64_t every = 0, window = 0;
    if (rc == PW_OK) rc = get_int(im, rec, "review_every_days", 14, 365, &every, &has_every, err);
    if (rc == PW_OK) rc = get_int(im, rec, "review_window_days", 0, 60, &window, &has_window, err);
    if (rc != PW_OK)
        return rc;
    double tests_per_week = 0;
    json_t *tpw = json_object_get(rec, "tests_per_week");
    if (tpw) {
        if (!json_is_number(tpw) || json_number_value(tpw) < 0 ||
            json_number_value(tpw) > 7)
            return bad(im, err, PW_EINVAL, "tests_per_week",
                       "must be a number from 0 to 7", NULL);
        tests_per_week = json_number_value(tpw);
    }
    if (basis != 0 && !order_ref && basis == 2)
        return bad(im, err, PW_EINVAL, "order_ref",
                   "is required for a court_ordered episode", NULL);
    if (has_expiry && expiry < start)
        return bad(im, err, PW_EINVAL, "order_expiry",
                   "is before the episode's start", NULL);
    if (subst && pw_substance_lookup(subst) < 0)
        return bad(im, err, PW_EINVAL, "substance",
                   "unknown substance '%.60s' (see data/codes/substances.yaml)",
                   subst);

    char object[260];
    snprintf(object, sizeof object, "episode:%s", ref);
    json_t *case_obj = json_object_get(rec, "case");
    if ((rc = require(im, PWI_WRITE, PWI_OBJ_EPISODE, object, err)) != PW_OK)
        return rc;
    if (case_obj &&
        (rc = require(im, PWI_WRITE, PWI_OBJ_CASE, object, err)) != PW_OK)
        return rc;

    int64_t person_id;
    if ((rc = lookup_id(im, "SELECT id FROM person WHERE ref = ?", person,
                        "person", &person_id, err)) != PW_OK)
        return rc;

    /* The engine's recommendation: decision support the panel signs, never
     * a decision by itself (GDPR Art. 22, monitoring.md 0.3). */
    pw_regime *regime = NULL;
    if ((rc = get_regime(im, regime_name, &regime, err)) != PW_OK)
        return rc;
    pw_decision dec, *d = NULL;
    char *case_text = NULL, *rec_text = NULL;
    const char *disposition = NULL;
    if (case_obj) {
        pw_case c;
        if (!json_is_object(case_obj))
            return bad(im, err, PW_EINVAL, "case", "must be an object", NULL);
        if ((rc = pw_case_from_json(case_obj, &c, im->name, im->line, err)) !=
            PW_OK)
            return rc;
        if (pw_decide(regime, &c, &dec) != PW_OK)
            return bad(im, err, PW_EINVAL, "case",
                       "the regime cannot decide this case", NULL);
        d = &dec;
        disposition = pw_disposition_name(dec.disposition);
        if (!subst)
            subst = pw_substance_name(c.substance);
        json_t *dj = pw_decision_to_json(regime, &c, &dec, ref);
        case_text = json_dumps(case_obj, JSON_COMPACT | JSON_SORT_KEYS);
        rec_text = dj ? json_dumps(dj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(dj);
        if (!case_text || !rec_text) {
            free(case_text);
            free(rec_text);
            return bad(im, err, PW_ENOMEM, "case", "out of memory", NULL);
        }
    }
    /* A compulsory placement waits for the panel; so does any placement the
     * regime says needs a panel's signature. */
    int needs_panel = basis == 1 || (d && d->requires_panel_signoff);
    pwi_stmt *st;
    int64_t episode_id = 0;
    rc = pwi_db_prepare(im->reg->db,
                        "INSERT INTO episode (ref, person_id, programme, "
                        "regime, referral_source, legal_basis, order_ref, "
                        "order_expiry_day, start_day, substance, case_json, "
                        "recommendation_json, recommended_disposition, "
                        "requires_panel, status, active_day, created_by, "
                        "previously_treated, route, frequency, age_first_use, "
                        "injecting_status, ost) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        &st, err);
    if (rc == PW_OK) {
        pwi_bind_text(st, 1, ref);
        pwi_bind_int64(st, 2, person_id);
        pwi_bind_text(st, 3, programme);
        pwi_bind_text(st, 4, regime_name);
        pwi_bind_text(st, 5, source >= 0 ? sources[source] : NULL);
        pwi_bind_text(st, 6, bases[basis]);
        pwi_bind_text(st, 7, order_ref);
        if (has_expiry)
            pwi_bind_int64(st, 8, expiry);
        else
            pwi_bind_null(st, 8);
        pwi_bind_int64(st, 9, start);
        pwi_bind_text(st, 10, subst);
        pwi_bind_text(st, 11, case_text);
        pwi_bind_text(st, 12, rec_text);
        pwi_bind_text(st, 13, disposition);
        pwi_bind_int64(st, 14, needs_panel);
        pwi_bind_text(st, 15, needs_panel ? "pending_panel" : "active");
        if (needs_panel)
            pwi_bind_null(st, 16);
        else
            pwi_bind_int64(st, 16, start);
        pwi_bind_int64(st, 17, im->reg->user.id);
        if (has_prev)
            pwi_bind_int64(st, 18, prev);
        else
            pwi_bind_null(st, 18);
        pwi_bind_text(st, 19, route >= 0 ? routes[route] : NULL);
        pwi_bind_text(st, 20, freq >= 0 ? freqs[freq] : NULL);
        if (has_afu)
            pwi_bind_int64(st, 21, afu);
        else
            pwi_bind_null(st, 21);
        pwi_bind_text(st, 22, inj >= 0 ? injecting[inj] : NULL);
        if (has_ost)
            pwi_bind_int64(st, 23, ost);
        else
            pwi_bind_null(st, 23);
        rc = run(st, &episode_id, err);
        if (rc == PW_ECONFLICT)
            rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, "ref",
                              "episode '%.100s' exists already", ref);
    }
    free(case_text);
    free(rec_text);
    int32_t plan_end = start;
    if (rc == PW_OK)
        rc = add_plan(im, episode_id, start, d, &plan_end, err);
    /* Reviews: at start, then every 3 months until the planned end. */
    if (rc == PW_OK)
        rc = add_review_schedule(im, episode_id, start, plan_end,
                                 has_every ? (int)every : REVIEW_INTERVAL_DAYS,
                                 has_window ? (int)window : REVIEW_WINDOW_DAYS,
                                 err);
    if (rc == PW_OK && tests_per_week > 0)
        rc = add_test_schedule(im, episode_id, start, plan_end,
                               tests_per_week / 7.0, err);
    if (rc == PW_OK) rc = pwi_seal_episode(im->reg->db, episode_id, 1, err);
    if (rc == PW_OK)
        rc = audit_rec(im, "episode", ref,
                       needs_panel ? "pending panel" : NULL, err);
    return rc;
}

/* ---- panel --------------------------------------------------------------- */

static int string_array(importer *im, json_t *rec, const char *key,
                        int required, char **out, pw_error *err)
{
    json_t *v = json_object_get(rec, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? bad(im, err, PW_EINVAL, key, "is required", NULL)
                        : PW_OK;
    if (!json_is_array(v) || (required && json_array_size(v) == 0))
        return bad(im, err, PW_EINVAL, key,
                   required ? "must be a non-empty array" : "must be an array",
                   NULL);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        /* Members are names; dissent entries are {member, reason} objects
         * or plain strings. */
        if (!json_is_string(x) && !json_is_object(x))
            return bad(im, err, PW_EINVAL, key,
                       "entries must be strings or objects", NULL);
    }
    *out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    return *out ? PW_OK : bad(im, err, PW_ENOMEM, key, "out of memory", NULL);
}

static int rec_panel(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "decision", "members",
                                       "dissent", "programme", "reason", NULL};
    static const char *const decisions[] = {"accept", "modify", "reject", NULL};
    const char *eref, *programme, *reason;
    episode_row ep;
    int32_t day;
    int decision;
    int rc = episode_record(im, rec, keys, &ep, &eref, &day, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "decision", 1, decisions, &decision, err);
    if (rc == PW_OK) rc = get_str(im, rec, "programme", 0, &programme, err);
    if (rc == PW_OK) rc = get_str(im, rec, "reason", 0, &reason, err);
    if (rc != PW_OK)
        return rc;
    if (decision == 1 && !programme)
        return bad(im, err, PW_EINVAL, "programme",
                   "is required when the decision is modify", NULL);
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_PANEL, eref, object, err)) != PW_OK)
        return rc;
    char *members = NULL, *dissent = NULL;
    rc = string_array(im, rec, "members", 1, &members, err);
    if (rc == PW_OK)
        rc = string_array(im, rec, "dissent", 0, &dissent, err);
    pwi_stmt *st;
    if (rc == PW_OK)
        rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO panel_decision (episode_id, "
                            "decision_day, decision, members_json, "
                            "dissent_json, programme, reason, signed_by) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
    if (rc == PW_OK) {
        pwi_bind_int64(st, 1, ep.id);
        pwi_bind_int64(st, 2, day);
        pwi_bind_text(st, 3, decisions[decision]);
        pwi_bind_text(st, 4, members);
        pwi_bind_text(st, 5, dissent);
        pwi_bind_text(st, 6, programme);
        pwi_bind_text(st, 7, reason);
        pwi_bind_int64(st, 8, im->reg->user.id);
        int64_t id = 0;
        rc = run(st, &id, err);
        if (rc == PW_OK) rc = pwi_seal_insert(im->reg->db, PWI_T_PANEL_DECISION, id, err);
    }
    free(members);
    free(dissent);
    if (rc != PW_OK)
        return rc;
    /* The signature is what activates a pending placement; a decision on an
     * episode already decided is kept on record (a review of the placement)
     * without changing its status. */
    if (strcmp(ep.status, "pending_panel") == 0) {
        if ((rc = pwi_seal_episode(im->reg->db, ep.id, 0, err)) != PW_OK) return rc;
        rc = pwi_db_prepare(im->reg->db,
                            decision == 2
                                ? "UPDATE episode SET status = 'rejected' "
                                  "WHERE id = ?"
                                : "UPDATE episode SET status = 'active', "
                                  "active_day = ?, programme = "
                                  "coalesce(?, programme) WHERE id = ?",
                            &st, err);
        if (rc != PW_OK)
            return rc;
        if (decision == 2) {
            pwi_bind_int64(st, 1, ep.id);
        } else {
            pwi_bind_int64(st, 1, day);
            pwi_bind_text(st, 2, programme);
            pwi_bind_int64(st, 3, ep.id);
        }
        if ((rc = run(st, NULL, err)) != PW_OK)
            return rc;
        /* A rejected placement never starts: drop its schedules so that it
         * shows up neither as overdue reviews nor as missed tests. */
        static const char *const drop[] = {
            "DELETE FROM review_due WHERE episode_id = ? AND review_id IS NULL",
            "DELETE FROM test_schedule WHERE episode_id = ?"};
        for (int i = 0; decision == 2 && i < 2; i++) {
            if ((rc = pwi_db_prepare(im->reg->db, drop[i], &st, err)) != PW_OK)
                return rc;
            pwi_bind_int64(st, 1, ep.id);
            if ((rc = run(st, NULL, err)) != PW_OK)
                return rc;
        }
        if ((rc = pwi_seal_episode(im->reg->db, ep.id, 1, err)) != PW_OK) return rc;
    }
    return pwi_reg_audit(im->reg, "sign", object, decisions[decision], err);
}

/* ---- review -------------------------------------------------------------- */

/* TOP fields (monitoring.md 1.2): column, JSON key, range. */
static const struct {
    const char *key;
    long hi;
} top_fields[] = {
    {"alcohol_days", 28},     {"opioid_days", 28},    {"crack_days", 28},
    {"cocaine_days", 28},     {"amphetamine_days", 28}, {"cannabis_days", 28},
    {"synthetic_days", 28},   {"other_days", 28},     {"injecting_days", 28},
    {"sharing", 1},           {"shoplifting_days", 28}, {"selling_days", 28},
    {"theft_days", 28},       {"assault_days", 28},   {"psych_health", 20},
    {"phys_health", 20},      {"quality_of_life", 20}, {"work_days", 28},
    {"education_days", 28},   {"housing_acute", 1},   {"housing_risk", 1},
};
#define N_TOP (sizeof top_fields / sizeof *top_fields)

static const char *const stages[] = {"start", "review", "exit", "post_exit",
                                     NULL};

static int rec_review(importer *im, json_t *rec, pw_error *err)
{
    const char *keys[N_TOP + 5];
    size_t nk = 0;
    keys[nk++] = "episode";
    keys[nk++] = "date";
    keys[nk++] = "stage";
    keys[nk++] = "notes";
    for (size_t i = 0; i < N_TOP; i++)
        keys[nk++] = top_fields[i].key;
    keys[nk] = NULL;
    const char *eref, *notes;
    episode_row ep;
    int32_t day;
    int stage;
    int rc = episode_record(im, rec, keys, &ep, &eref, &day, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "stage", 1, stages, &stage, err);
    if (rc == PW_OK) rc = get_str_max(im, rec, "notes", 0, MAX_TEXT, &notes, err);
    int64_t val[N_TOP];
    int present[N_TOP];
    for (size_t i = 0; rc == PW_OK && i < N_TOP; i++)
        rc = get_int(im, rec, top_fields[i].key, 0, top_fields[i].hi, &val[i],
                     &present[i], err);
    if (rc == PW_OK) rc = not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_REVIEW, eref, object, err)) != PW_OK)
        return rc;
    if (notes && (rc = require(im, PWI_WRITE, PWI_OBJ_NOTES, object, err)) != PW_OK)
        return rc;
    char *notes_enc = NULL;
    if (notes && (rc = pwi_encrypt(&im->reg->keys, notes, &notes_enc, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(
        im->reg->db,
        "INSERT INTO review (episode_id, review_day, stage, alcohol_days, "
        "opioid_days, crack_days, cocaine_days, amphetamine_days, "
        "cannabis_days, synthetic_days, other_days, injecting_days, sharing, "
        "shoplifting_days, selling_days, theft_days, assault_days, "
        "psych_health, phys_health, quality_of_life, work_days, "
        "education_days, housing_acute, housing_risk, notes_enc, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?) RETURNING id",
        &st, err);
    int64_t review_id = 0;
    if (rc == PW_OK) {
        pwi_bind_int64(st, 1, ep.id);
        pwi_bind_int64(st, 2, day);
        pwi_bind_text(st, 3, stages[stage]);
        for (size_t i = 0; i < N_TOP; i++) {
            if (present[i])
                pwi_bind_int64(st, 4 + (int)i, val[i]);
            else
                pwi_bind_null(st, 4 + (int)i);
        }
        pwi_bind_text(st, 4 + (int)N_TOP, notes_enc);
        pwi_bind_int64(st, 5 + (int)N_TOP, im->reg->user.id);
        rc = run(st, &review_id, err);
        if (rc == PW_OK) rc = pwi_seal_insert(im->reg->db, PWI_T_REVIEW, review_id, err);
    }
    free(notes_enc);
    if (rc != PW_OK)
        return rc;
    /* Mark the nearest open scheduled review of this stage whose window
     * holds the date as held. */
    rc = pwi_db_prepare(im->reg->db,
                        "SELECT id FROM review_due WHERE episode_id = ? AND "
                        "stage = ? AND review_id IS NULL AND due_day - "
                        "window_days <= ? AND due_day + window_days >= ? "
                        "ORDER BY abs(due_day - ?) LIMIT 1",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, ep.id);
    pwi_bind_text(st, 2, stages[stage]);
    pwi_bind_int64(st, 3, day);
    pwi_bind_int64(st, 4, day);
    pwi_bind_int64(st, 5, day);
    int64_t due_id = 0;
    rc = pwi_step(st, err);
    if (rc == 1)
        due_id = pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (due_id) {
        if ((rc = pwi_seal_before(im->reg->db, PWI_T_REVIEW_DUE, "id", due_id, err)) != PW_OK) return rc;
        rc = pwi_db_prepare(im->reg->db,
                            "UPDATE review_due SET review_id = ? WHERE id = ?",
                            &st, err);
        if (rc != PW_OK)
            return rc;
        pwi_bind_int64(st, 1, review_id);
        pwi_bind_int64(st, 2, due_id);
        if ((rc = run(st, NULL, err)) != PW_OK)
            return rc;
        if ((rc = pwi_seal_after(im->reg->db, PWI_T_REVIEW_DUE, "id", due_id, err)) != PW_OK) return rc;
    }
    return audit_rec(im, "episode", eref, "review", err);
}

/* ---- test, violation, relapse, follow-up ---------------------------------- */

static int rec_test(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "analyte", "result",
                                       NULL};
    static const char *const results[] = {"positive", "negative", "invalid",
                                          "missed", NULL};
    const char *eref, *analyte;
    episode_row ep;
    int32_t day;
    int result;
    int rc = episode_record(im, rec, keys, &ep, &eref, &day, err);
    if (rc == PW_OK) rc = get_str(im, rec, "analyte", 1, &analyte, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "result", 1, results, &result, err);
    if (rc == PW_OK) rc = not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_TEST, eref, object, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        "INSERT INTO drug_test (episode_id, test_day, analyte, "
                        "result, scheduled, created_by) VALUES (?, ?, ?, ?, "
                        "(SELECT count(*) FROM test_schedule WHERE episode_id "
                        "= ? AND test_day = ?), ?) RETURNING id",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, ep.id);
    pwi_bind_int64(st, 2, day);
    pwi_bind_text(st, 3, analyte);
    pwi_bind_text(st, 4, results[result]);
    pwi_bind_int64(st, 5, ep.id);
    pwi_bind_int64(st, 6, day);
    pwi_bind_int64(st, 7, im->reg->user.id);
    int64_t id = 0;
    if ((rc = run(st, &id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_seal_insert(im->reg->db, PWI_T_DRUG_TEST, id, err)) != PW_OK) return rc;
    return audit_rec(im, "episode", eref, "test", err);
}

static int rec_violation(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "kind",
                                       "adjudication", "response", NULL};
    static const char *const adj[] = {"alleged", "excused", "confirmed", NULL};
    const char *eref, *kind, *response;
    episode_row ep;
    int32_t day;
    int a;
    int rc = episode_record(im, rec, keys, &ep, &eref, &day, err);
    if (rc == PW_OK) rc = get_str(im, rec, "kind", 1, &kind, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "adjudication", 0, adj, &a, err);
    if (rc == PW_OK) rc = get_str(im, rec, "response", 0, &response, err);
    if (rc == PW_OK) rc = not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    /* A sanction needs an adjudicated violation first (monitoring.md 5.2). */
    if (response && a != 2)
        return bad(im, err, PW_EINVAL, "response",
                   "a response needs adjudication 'confirmed'", NULL);
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_COMPLIANCE, eref, object, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        "INSERT INTO violation (episode_id, violation_day, "
                        "kind, adjudication, response, created_by) VALUES "
                        "(?, ?, ?, ?, ?, ?) RETURNING id",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, ep.id);
    pwi_bind_int64(st, 2, day);
    pwi_bind_text(st, 3, kind);
    pwi_bind_text(st, 4, adj[a < 0 ? 0 : a]);
    pwi_bind_text(st, 5, response);
    pwi_bind_int64(st, 6, im->reg->user.id);
    int64_t id = 0;
    if ((rc = run(st, &id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_seal_insert(im->reg->db, PWI_T_VIOLATION, id, err)) != PW_OK) return rc;
    return audit_rec(im, "episode", eref, "violation", err);
}

/* relapse (status == NULL) and followup (status abstinent|using). */
static int rec_outcome(importer *im, json_t *rec, int followup, pw_error *err)
{
    static const char *const rkeys[] = {"episode", "date", NULL};
    static const char *const fkeys[] = {"episode", "date", "status", NULL};
    static const char *const statuses[] = {"abstinent", "using", NULL};
    const char *eref;
    episode_row ep;
    int32_t day;
    int status = -1;
    int rc = episode_record(im, rec, followup ? fkeys : rkeys, &ep, &eref, &day, err);
    if (rc == PW_OK && followup)
        rc = get_enum(im, rec, "status", 1, statuses, &status, err);
    if (rc == PW_OK) rc = not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_OUTCOME, eref, object, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        followup ? "INSERT INTO followup (episode_id, "
                                   "followup_day, status, created_by) VALUES "
                                   "(?, ?, ?, ?) RETURNING id"
                                 : "INSERT INTO relapse (episode_id, "
                                   "relapse_day, created_by) VALUES (?, ?, ?) RETURNING id",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, ep.id);
    pwi_bind_int64(st, 2, day);
    if (followup) {
        pwi_bind_text(st, 3, statuses[status]);
        pwi_bind_int64(st, 4, im->reg->user.id);
    } else {
        pwi_bind_int64(st, 3, im->reg->user.id);
    }
    int64_t id = 0;
    if ((rc = run(st, &id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_seal_insert(im->reg->db, followup ? PWI_T_FOLLOWUP : PWI_T_RELAPSE, id, err)) != PW_OK) return rc;
    return audit_rec(im, "episode", eref, followup ? "followup" : "relapse", err);
}

/* ---- discharge ------------------------------------------------------------- */

static int rec_discharge(importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "reason",
                                       "legal_completion", NULL};
    /* TEDS-D REASON codes with NDTMS's split of "completed" (monitoring.md
     * 1.4 and 3). */
    static const char *const reasons[] = {
        "completed_drug_free", "completed", "transferred", "dropped_out",
        "terminated", "incarcerated", "died", "other", NULL};
    static const char *const legal[] = {"satisfied", "not_satisfied",
                                        "not_applicable", NULL};
    const char *eref;
    episode_row ep;
    int32_t day;
    int reason, lc;
    int rc = episode_record(im, rec, keys, &ep, &eref, &day, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "reason", 1, reasons, &reason, err);
    if (rc == PW_OK) rc = get_enum(im, rec, "legal_completion", 0, legal, &lc, err);
    if (rc == PW_OK) rc = not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    if (strcmp(ep.status, "discharged") == 0)
        return bad(im, err, PW_ECONFLICT, "episode",
                   "episode is discharged already", NULL);
    if (strcmp(ep.status, "rejected") == 0)
        return bad(im, err, PW_ECONFLICT, "episode",
                   "the panel rejected this placement; nothing to discharge",
                   NULL);
    if (strcmp(ep.status, "pending_panel") == 0)
        return bad(im, err, PW_ECONFLICT, "episode",
                   "the placement awaits the panel's signature; nothing to "
                   "discharge yet",
                   NULL);
    char object[260];
    if ((rc = require_episode(im, PWI_OBJ_DISCHARGE, eref, object, err)) != PW_OK)
        return rc;
    if (lc >= 0 &&
        (rc = require(im, PWI_WRITE, PWI_OBJ_COMPLIANCE, object, err)) != PW_OK)
        return rc;
    if ((rc = pwi_seal_episode(im->reg->db, ep.id, 0, err)) != PW_OK) return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        "UPDATE episode SET status = 'discharged', "
                        "discharge_day = ?, discharge_reason = ?, "
                        "legal_completion = ? WHERE id = ?",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, day);
    pwi_bind_text(st, 2, reasons[reason]);
    pwi_bind_text(st, 3, lc >= 0 ? legal[lc] : NULL);
    pwi_bind_int64(st, 4, ep.id);
    if ((rc = run(st, NULL, err)) != PW_OK)
        return rc;
    /* Close the phases still open at discharge. */
    rc = pwi_db_prepare(im->reg->db,
                        "UPDATE plan_phase SET end_day = ? WHERE episode_id = "
                        "? AND end_day IS NULL AND start_day <= ?",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, day);
    pwi_bind_int64(st, 2, ep.id);
    pwi_bind_int64(st, 3, day);
    if ((rc = run(st, NULL, err)) != PW_OK)
        return rc;
    /* In-treatment reviews not yet due are cancelled; exit and post-exit
     * reviews are scheduled from the discharge date (not after a death). */
    rc = pwi_db_prepare(im->reg->db,
                        "DELETE FROM review_due WHERE episode_id = ? AND "
                        "review_id IS NULL AND stage = 'review' AND due_day - "
                        "window_days > ?",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, ep.id);
    pwi_bind_int64(st, 2, day);
    if ((rc = run(st, NULL, err)) != PW_OK)
        return rc;
    if (reason != 6) {
        rc = add_review_due(im, ep.id, "exit", day, err);
        for (size_t i = 0; rc == PW_OK && i < 3; i++)
            rc = add_review_due(im, ep.id, "post_exit",
                                day + post_discharge_days[i], err);
        if (rc != PW_OK)
            return rc;
    }
    if ((rc = pwi_seal_episode(im->reg->db, ep.id, 1, err)) != PW_OK) return rc;
    return audit_rec(im, "episode", eref, "discharge", err);
}

/* ---- death, imprisonment --------------------------------------------------- */

static int rec_person_event(importer *im, json_t *rec, int prison,
                            pw_error *err)
{
    static const char *const dkeys[] = {"person", "date", "cause", NULL};
    static const char *const pkeys[] = {"person", "date", "end", NULL};
    const char *pref, *cause = NULL;
    int32_t day = 0, end = 0;
    int has_day, has_end = 0;
    int64_t person_id;
    int rc = check_keys(im, rec, prison ? pkeys : dkeys, err);
    if (rc == PW_OK) rc = get_str(im, rec, "person", 1, &pref, err);
    if (rc == PW_OK) rc = get_date(im, rec, "date", 1, &day, &has_day, err);
    if (rc == PW_OK && prison) rc = get_date(im, rec, "end", 0, &end, &has_end, err);
    if (rc == PW_OK && !prison) rc = get_str(im, rec, "cause", 0, &cause, err);
    if (rc != PW_OK)
        return rc;
    if (has_end && end < day)
        return bad(im, err, PW_EINVAL, "end", "is before the start", NULL);
    char object[260];
    snprintf(object, sizeof object, "person:%s", pref);
    if ((rc = require(im, PWI_WRITE, PWI_OBJ_OUTCOME, object, err)) != PW_OK)
        return rc;
    if ((rc = lookup_id(im, "SELECT id FROM person WHERE ref = ?", pref,
                        "person", &person_id, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        prison ? "INSERT INTO imprisonment (person_id, "
                                 "start_day, end_day, created_by) VALUES (?, "
                                 "?, ?, ?) RETURNING id"
                               : "INSERT INTO death (person_id, death_day, "
                                 "cause, created_by) VALUES (?, ?, ?, ?) RETURNING id",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, person_id);
    pwi_bind_int64(st, 2, day);
    if (prison) {
        if (has_end)
            pwi_bind_int64(st, 3, end);
        else
            pwi_bind_null(st, 3);
    } else {
        pwi_bind_text(st, 3, cause);
    }
    pwi_bind_int64(st, 4, im->reg->user.id);
    int64_t id = 0;
    if ((rc = run(st, &id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_seal_insert(im->reg->db, prison ? PWI_T_IMPRISONMENT : PWI_T_DEATH, id, err)) != PW_OK) return rc;
    return audit_rec(im, "person", pref, prison ? "imprisonment" : "death", err);
}

/* ---- Dispatch ---------------------------------------------------------------- */

static int import_record(importer *im, json_t *rec, pw_error *err)
{
    if (!json_is_object(rec))
        return bad(im, err, PW_EPARSE, NULL, "a record must be a JSON object",
                   NULL);
    const char *type;
    int rc = get_str(im, rec, "type", 1, &type, err);
    if (rc != PW_OK)
        return rc;
    if (strcmp(type, "person") == 0) return rec_person(im, rec, err);
    if (strcmp(type, "episode") == 0) return rec_episode(im, rec, err);
    if (strcmp(type, "panel") == 0) return rec_panel(im, rec, err);
    if (strcmp(type, "review") == 0) return rec_review(im, rec, err);
    if (strcmp(type, "test") == 0) return rec_test(im, rec, err);
    if (strcmp(type, "violation") == 0) return rec_violation(im, rec, err);
    if (strcmp(type, "discharge") == 0) return rec_discharge(im, rec, err);
    if (strcmp(type, "relapse") == 0) return rec_outcome(im, rec, 0, err);
    if (strcmp(type, "followup") == 0) return rec_outcome(im, rec, 1, err);
    if (strcmp(type, "death") == 0) return rec_person_event(im, rec, 0, err);
    if (strcmp(type, "imprisonment") == 0) return rec_person_event(im, rec, 1, err);
    return bad(im, err, PW_EINVAL, "type",
               "unknown record type '%.40s' (person, episode, panel, review, "
               "test, violation, discharge, relapse, followup, death, "
               "imprisonment)",
               type);
}

/* A record-level failure (bad input) rather than a database failure. */
static int is_record_error(int rc)
{
    return rc == PW_EINVAL || rc == PW_EPARSE || rc == PW_ENOTFOUND ||
           rc == PW_ECONFLICT || rc == PW_EPERM;
}

int pwi_import_is_record_error(int rc)
{
    return is_record_error(rc);
}

/* Parses one line and stores it inside a savepoint. Returns PW_OK,
 * a record error (nothing of the line stays), or a database failure. */
static int import_line(importer *im, const char *text, size_t len,
                       pw_error *err)
{
    json_error_t je;
    json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!rec)
        return pw_error_set(err, PW_EPARSE, im->name, im->line, NULL,
                            "invalid JSON at column %d: %s", je.column, je.text);
    int rc = im->sp_open ? pwi_db_resavepoint(im->reg->db, err)
                         : pwi_db_savepoint(im->reg->db, err);
    im->sp_open = 0;
    if (rc == PW_OK) {
        rc = import_record(im, rec, err);
        if (rc == PW_OK)
            im->sp_open = 1;
        else
            pwi_db_rollback_to(im->reg->db);
    }
    /* A unique key the record did not name itself (schema migration 3):
     * the same event is stored already, typically from an earlier run of
     * this import. Say so in the file's terms, not the database's. */
    if (rc == PW_ECONFLICT && err->line == 0)
        rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, NULL,
                          "duplicate: this event is stored already (same "
                          "episode or person, date and kind)");
    json_decref(rec);
    if (rc == PW_EPERM) {
        /* Undoing the record also undid the "denied" entry written by the
         * role check; a refusal must stay on record, so write it again
         * outside the savepoint. */
        char object[300];
        snprintf(object, sizeof object, "import:%s:%ld", im->name, im->line);
        int arc = pwi_reg_audit(im->reg, "denied", object, err->msg, NULL);
        if (arc != PW_OK)
            return pw_error_set(err, arc, im->name, im->line, NULL,
                                "cannot audit a refusal");
    }
    return rc;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Imports the lines of `buf` in the open transaction, stopping at the
 * first one that fails; *n counts the lines stored. */
static int import_lines(importer *im, const char *buf, size_t len, int64_t *n,
                        pw_error *err)
{
    int rc = PW_OK;
    const char *p = buf, *end = buf + len;
    while (rc == PW_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        im->line++;
        if (!blank(p, l)) {
            rc = import_line(im, p, l, err);
            if (rc == PW_OK)
                (*n)++;
        }
        p += l + 1;
    }
    return rc;
}

int pwi_import_buffer(pwi_reg *reg, const char *buf, size_t len,
                      const char *name, int64_t *n, pw_error *err)
{
    *n = 0;
    if (!reg->has_user)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token", "no token given");
    importer im = {.reg = reg, .name = name};
    int rc = pwi_db_begin(reg->db, err);
    if (rc != PW_OK)
        return rc;
    if ((rc = pwi_audit_lock(reg->db, err)) != PW_OK) {
        pwi_db_rollback(reg->db);
        return rc;
    }
    rc = import_lines(&im, buf, len, n, err);
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, err);
    else
        pwi_db_rollback(reg->db);
    if (rc != PW_OK)
        *n = 0;
    importer_free(&im);
    return rc;
}

int pwi_import_buffer_in(pwi_reg *reg, const char *buf, size_t len,
                         const char *name, int64_t *n, pw_error *err)
{
    *n = 0;
    assert(pwi_db_in_tx(reg->db));
    if (!reg->has_user)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token", "no token given");
    importer im = {.reg = reg, .name = name};
    pwi_audit_head saved;
    int rc = pwi_db_group_savepoint(reg->db, &saved, err);
    if (rc != PW_OK)
        return rc;
    rc = import_lines(&im, buf, len, n, err);
    if (rc == PW_OK)
        rc = pwi_db_group_release(reg->db, err);
    if (rc != PW_OK) {
        *n = 0;
        pwi_db_group_rollback(reg->db, &saved);
        if (rc == PW_EPERM) {
            /* Undoing the request undid its "denied" entry too; a refusal
             * stays on record (import_line does the same per record). */
            char object[300];
            snprintf(object, sizeof object, "import:%s:%ld", name, im.line);
            int arc = pwi_reg_audit(reg, "denied", object, err->msg, NULL);
            if (arc != PW_OK)
                rc = pw_error_set(err, arc, name, im.line, NULL, "cannot audit a refusal");
        }
    }
    importer_free(&im);
    return rc;
}

int pw_registry_import(const char *url, const char *as_token,
                       const char *path, const pw_import_opts *opts,
                       pw_import_result *res, pw_error *err)
{
    memset(res, 0, sizeof *res);
    long batch = opts && opts->batch > 0 ? opts->batch : 1000;
    FILE *progress = opts ? opts->progress : NULL;
    FILE *errors = opts ? opts->errors : NULL;
    int from_stdin = strcmp(path, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(path, "r");
    if (!in)
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot open: %m");
    pwi_reg *reg = NULL;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK) {
        if (!from_stdin)
            fclose(in);
        return rc;
    }
    importer im = {.reg = reg, .name = from_stdin ? "<stdin>" : path};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long in_batch = 0;   /* records stored in the open transaction */
    while ((got = getline(&line, &cap, in)) >= 0) {
        im.line++;
        if (blank(line, (size_t)got))
            continue;
        res->lines++;
        /* Each batch takes the audit lock first (audit.h: no deadlock
         * between two imports on PostgreSQL). */
        if (!pwi_db_in_tx(reg->db) &&
            ((rc = pwi_db_begin(reg->db, err)) != PW_OK ||
             (rc = pwi_audit_lock(reg->db, err)) != PW_OK))
            break;
        pw_error lerr;
        pw_error_clear(&lerr);
        int lrc = import_line(&im, line, (size_t)got, &lerr);
        if (lrc == PW_OK) {
            in_batch++;
        } else if (is_record_error(lrc)) {
            res->rejected++;
            if (errors)
                pw_error_print(&lerr, errors, "pathways registry import");
        } else {
            /* The database failed: stop; this batch was never reported. */
            *err = lerr;
            rc = lrc;
            break;
        }
        if (in_batch >= batch) {
            im.sp_open = 0; /* COMMIT releases it */
            if ((rc = pwi_db_commit(reg->db, err)) != PW_OK)
                break;
            res->committed += in_batch;
            in_batch = 0;
            if (progress) {
                fprintf(progress, "committed %ld\n", res->committed);
                fflush(progress);
            }
        }
    }
    if (rc == PW_OK && pwi_db_in_tx(reg->db)) {
        im.sp_open = 0;
        rc = pwi_db_commit(reg->db, err);
        if (rc == PW_OK) {
            res->committed += in_batch;
            if (progress && in_batch > 0) {
                fprintf(progress, "committed %ld\n", res->committed);
                fflush(progress);
            }
        }
    }
    if (rc != PW_OK)
        pwi_db_rollback(reg->db);
    if (rc == PW_OK && ferror(in))
        rc = pw_error_set(err, PW_EIO, im.name, im.line, NULL, "read error");
    free(line);
    if (!from_stdin)
        fclose(in);
    importer_free(&im);
    pwi_reg_close(reg);
    return rc;
}
