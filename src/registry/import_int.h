/*
 * import_int.h: what the parts of `registry import` share (import.c reads
 * and dispatches lines; import_fields.c has the field getters and small
 * SQL helpers; import_episode.c the person and episode records;
 * import_event.c the records that follow an episode's intake).
 */
#ifndef PW_REGISTRY_IMPORT_INT_H
#define PW_REGISTRY_IMPORT_INT_H

#include <stdint.h>

#include <jansson.h>

#include "pathways/engine.h"
#include "reg.h"

/* Outcome-review schedule (docs/registry.md; NDTMS/Newcastle practice in
 * docs/sources.md R1.1): a review at start, then every 3 months within +-14
 * days, one at exit, and post-treatment reviews 3, 6 and 12 months after
 * discharge. */
#define REVIEW_INTERVAL_DAYS 91
#define REVIEW_WINDOW_DAYS 14

#define MAX_REGIMES 16

/* Longest free text (clinical notes) and longest other string. */
#define MAX_TEXT 20000
#define MAX_STR 200

typedef struct pwi_importer {
    pwi_reg *reg;
    const char *name;   /* file name for messages */
    long line;
    /* The last good record's savepoint is still open: the next record
     * releases it and opens its own in one round trip; COMMIT releases it
     * otherwise. */
    int sp_open;
    /* Regimes compiled once per import, by name. */
    /* Today (UTC day number), for the "not in the future" check of dates;
     * taken once per import (pwi_imp_get_date). */
    int32_t today;
    /* When not NULL, each stored record is appended as stored (canonical
     * names in place of aliases): the HTTP answer shows it (import.c). */
    json_t *stored;
    int nregimes;
    char *regime_name[MAX_REGIMES];
    pw_regime *regime[MAX_REGIMES];
} pwi_importer;

typedef struct pwi_episode_row {
    int64_t id;
    int64_t person_id;
    int32_t start_day;
    char status[24];
} pwi_episode_row;

void pwi_importer_free(pwi_importer *im);

/* A record error of this line: `fmt` takes one string argument. */
int pwi_imp_bad(pwi_importer *im, pw_error *err, int status, const char *field,
                const char *fmt, const char *arg);

/* ---- Field getters: each names the field in its error ---------------- */
int pwi_imp_get_str(pwi_importer *im, json_t *rec, const char *key, int required,
                    const char **out, pw_error *err);
int pwi_imp_get_str_max(pwi_importer *im, json_t *rec, const char *key, int required,
                        size_t max, const char **out, pw_error *err);
int pwi_imp_get_date(pwi_importer *im, json_t *rec, const char *key, int required,
                     int32_t *day, int *present, pw_error *err);
int pwi_imp_get_enum(pwi_importer *im, json_t *rec, const char *key, int required,
                     const char *const *choices, int *out, pw_error *err);
/* An integer in [lo, hi] or a boolean (as 0/1 when lo == 0 && hi == 1). */
int pwi_imp_get_int(pwi_importer *im, json_t *rec, const char *key, long lo, long hi,
                    int64_t *out, int *present, pw_error *err);
int pwi_imp_check_keys(pwi_importer *im, json_t *rec, const char *const *allowed,
                       pw_error *err);

/* Role check for one record; refusals are errors of that line. */
int pwi_imp_require(pwi_importer *im, pwi_action a, pwi_object o, const char *object,
                    pw_error *err);

/* ---- Small SQL helpers ----------------------------------------------- */
int pwi_imp_lookup_id(pwi_importer *im, const char *sql, const char *ref,
                      const char *field, int64_t *id, pw_error *err);
int pwi_imp_lookup_episode(pwi_importer *im, const char *ref, pwi_episode_row *ep,
                           pw_error *err);
/* The start of every record about an episode, role checks first
 * (import_fields.c). */
int pwi_imp_episode_record(pwi_importer *im, json_t *rec, const char *const *keys,
                           pwi_object o, const char *extra_key, pwi_object extra_o,
                           pwi_episode_row *ep, const char **eref, int32_t *day,
                           char object[260], pw_error *err);
int pwi_imp_not_before_start(pwi_importer *im, const pwi_episode_row *ep, int32_t day,
                             pw_error *err);
int pwi_imp_require_episode(pwi_importer *im, pwi_object o, const char *eref,
                            char object[260], pw_error *err);
int pwi_imp_run(pwi_stmt *st, int64_t *id, pw_error *err);
/* Runs a prepared INSERT ... RETURNING id and seals the new row of table t. */
int pwi_imp_insert_sealed(pwi_importer *im, pwi_stmt *st, int t, pw_error *err);
int pwi_imp_audit_rec(pwi_importer *im, const char *kind, const char *ref,
                      const char *detail, pw_error *err);
int pwi_imp_add_review_due(pwi_importer *im, int64_t episode_id, const char *stage,
                           int32_t due, pw_error *err);
int pwi_imp_add_review_schedule(pwi_importer *im, int64_t episode_id, int32_t start,
                                int32_t end, int every, int window, pw_error *err);

/* ---- The record types ------------------------------------------------ */
int pwi_imp_rec_person(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_episode(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_panel(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_review(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_test(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_violation(pwi_importer *im, json_t *rec, pw_error *err);
/* relapse (followup == 0) and follow-up (status abstinent|using). */
int pwi_imp_rec_outcome(pwi_importer *im, json_t *rec, int followup, pw_error *err);
int pwi_imp_rec_discharge(pwi_importer *im, json_t *rec, pw_error *err);
/* death (prison == 0) and imprisonment. */
int pwi_imp_rec_person_event(pwi_importer *im, json_t *rec, int prison, pw_error *err);
/* consent and amendment (import_amend.c). */
int pwi_imp_rec_consent(pwi_importer *im, json_t *rec, pw_error *err);
int pwi_imp_rec_amendment(pwi_importer *im, json_t *rec, pw_error *err);
/* A person's birth day (import_amend.c); PW_ENOTFOUND naming `field`. */
int pwi_imp_person_birth(pwi_importer *im, int64_t person_id, int32_t *birth,
                         pw_error *err);
/* The day must not precede the person's birth (field named). */
int pwi_imp_not_before_birth(pwi_importer *im, int64_t person_id, const char *field,
                             int32_t day, pw_error *err);
/* One record already parsed (import.c): dispatch by type, keys checked
 * against the data dictionary (dict.h). The CSV reader (import_csv.c)
 * comes in here, so both formats go through the same checks. */
int pwi_imp_record(pwi_importer *im, json_t *rec, pw_error *err);
/* A parsed record inside its own savepoint, as import_line does for a
 * JSON line (import.c). */
int pwi_imp_record_sp(pwi_importer *im, json_t *rec, pw_error *err);

#endif
