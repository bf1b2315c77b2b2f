/*
 * import_event.c: the records about an episode or person that follow its
 * intake: panel, review, test, violation, relapse, follow-up, discharge,
 * death and imprisonment (import_int.h; fields in docs/registry.md).
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
#include "dict.h"
#include "import_int.h"
#include "seal.h"

static const int post_discharge_days[] = {91, 182, 365};

/* ---- panel --------------------------------------------------------------- */

static int string_array(pwi_importer *im, json_t *rec, const char *key,
                        int required, char **out, pw_error *err)
{
    json_t *v = json_object_get(rec, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? pwi_imp_bad(im, err, PW_EINVAL, key, "is required", NULL)
                        : PW_OK;
    if (!json_is_array(v) || (required && json_array_size(v) == 0))
        return pwi_imp_bad(im, err, PW_EINVAL, key,
                           required ? "must be a non-empty array" : "must be an array",
                           NULL);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        /* Members are names; dissent entries are {member, reason} objects
         * or plain strings. */
        if (!json_is_string(x) && !json_is_object(x))
            return pwi_imp_bad(im, err, PW_EINVAL, key,
                               "entries must be strings or objects", NULL);
    }
    *out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    return *out ? PW_OK : pwi_imp_bad(im, err, PW_ENOMEM, key, "out of memory", NULL);
}

int pwi_imp_rec_panel(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "decision", "members",
                                       "dissent", "programme", "reason", NULL};
    const char *const *decisions = pwi_v_decision; /* dict.c */
    const char *eref, *programme, *reason;
    pwi_episode_row ep;
    int32_t day;
    int decision;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, keys, PWI_OBJ_PANEL, NULL, 0, &ep, &eref, &day,
                                    object, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "decision", 1, decisions, &decision, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "programme", 0, &programme, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "reason", 0, &reason, err);
    if (rc != PW_OK)
        return rc;
    if (decision == 1 && !programme)
        return pwi_imp_bad(im, err, PW_EINVAL, "programme",
                           "is required when the decision is modify", NULL);
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
        rc = pwi_imp_run(st, &id, err);
        if (rc == PW_OK)
            rc = pwi_seal_insert(im->reg->db, PWI_T_PANEL_DECISION, id, err);
    }
    free(members);
    free(dissent);
    if (rc != PW_OK)
        return rc;
    /* The signature is what activates a pending placement; a decision on an
     * episode already decided is kept on record (a review of the placement)
     * without changing its status. */
    if (strcmp(ep.status, "pending_panel") == 0) {
        /* Check the episode's seals before changing it, and seal it again
         * after, so that an edit made behind our back is never re-sealed. */
        if ((rc = pwi_seal_episode(im->reg->db, ep.id, 0, PWI_SEAL_EP_ALL, err)) != PW_OK)
            return rc;
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
        if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
            return rc;
        /* The plan and its schedules start when the panel activates the
         * placement, not on the referral day: a placement that waited
         * months for the panel must not start half-way through its plan
         * with reviews overdue. Everything not yet done moves by the wait
         * (plan phases, reviews not held, random test days). */
        int32_t wait = day - ep.start_day;
        static const struct {
            const char *sql;
            int nwait; /* placeholders for the wait before the episode id */
        } shift[] = {
            {"UPDATE plan_phase SET start_day = start_day + ?, due_day = due_day + ?, "
             "end_day = end_day + ? WHERE episode_id = ?", 3},
            {"UPDATE review_due SET due_day = due_day + ? "
             "WHERE episode_id = ? AND review_id IS NULL", 1},
            {"UPDATE test_schedule SET test_day = test_day + ? WHERE episode_id = ?", 1}};
        for (int i = 0; decision != 2 && wait > 0 && i < 3; i++) {
            if ((rc = pwi_db_prepare(im->reg->db, shift[i].sql, &st, err)) != PW_OK)
                return rc;
            int k = 1;
            while (k <= shift[i].nwait)
                pwi_bind_int64(st, k++, wait);
            pwi_bind_int64(st, k, ep.id);
            if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
                return rc;
        }
        /* A rejected placement never starts: drop its schedules so that it
         * shows up neither as overdue reviews nor as missed tests. */
        static const char *const drop[] = {
            "DELETE FROM review_due WHERE episode_id = ? AND review_id IS NULL",
            "DELETE FROM test_schedule WHERE episode_id = ?"};
        for (int i = 0; decision == 2 && i < 2; i++) {
            if ((rc = pwi_db_prepare(im->reg->db, drop[i], &st, err)) != PW_OK)
                return rc;
            pwi_bind_int64(st, 1, ep.id);
            if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
                return rc;
        }
        if ((rc = pwi_seal_episode(im->reg->db, ep.id, 1, PWI_SEAL_EP_ALL, err)) != PW_OK)
            return rc;
    }
    return pwi_reg_audit(im->reg, "sign", object, decisions[decision], err);
}

/* ---- review -------------------------------------------------------------- */

/* TOP fields (docs/sources.md R1.2): column, JSON key, range. */
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

#define stages pwi_v_stage /* dict.c */

int pwi_imp_rec_review(pwi_importer *im, json_t *rec, pw_error *err)
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
    pwi_episode_row ep;
    int32_t day;
    int stage;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, keys, PWI_OBJ_REVIEW, "notes", PWI_OBJ_NOTES, &ep,
                                    &eref, &day, object, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "stage", 1, stages, &stage, err);
    if (rc == PW_OK) rc = pwi_imp_get_str_max(im, rec, "notes", 0, MAX_TEXT, &notes, err);
    int64_t val[N_TOP];
    int present[N_TOP];
    for (size_t i = 0; rc == PW_OK && i < N_TOP; i++)
        rc = pwi_imp_get_int(im, rec, top_fields[i].key, 0, top_fields[i].hi, &val[i],
                             &present[i], err);
    if (rc == PW_OK) rc = pwi_imp_not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
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
        rc = pwi_imp_run(st, &review_id, err);
        if (rc == PW_OK)
            rc = pwi_seal_insert(im->reg->db, PWI_T_REVIEW, review_id, err);
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
        rc = pwi_seal_before(im->reg->db, PWI_T_REVIEW_DUE, "id", due_id, err);
        if (rc != PW_OK)
            return rc;
        rc = pwi_db_prepare(im->reg->db,
                            "UPDATE review_due SET review_id = ? WHERE id = ?",
                            &st, err);
        if (rc != PW_OK)
            return rc;
        pwi_bind_int64(st, 1, review_id);
        pwi_bind_int64(st, 2, due_id);
        if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
            return rc;
        rc = pwi_seal_after(im->reg->db, PWI_T_REVIEW_DUE, "id", due_id, err);
        if (rc != PW_OK)
            return rc;
    }
    return pwi_imp_audit_rec(im, "episode", eref, "review", err);
}

/* ---- test, violation, relapse, follow-up ---------------------------------- */

int pwi_imp_rec_test(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "analyte", "result",
                                       NULL};
    const char *const *results = pwi_v_result; /* dict.c */
    const char *eref, *analyte;
    pwi_episode_row ep;
    int32_t day;
    int result;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, keys, PWI_OBJ_TEST, NULL, 0, &ep, &eref, &day,
                                    object, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "analyte", 1, &analyte, err);
    /* Analytes come from a code list (data/codes/analytes.yaml), stored
     * under its name: free text let "xyz" in as an analyte of its own. */
    if (rc == PW_OK) {
        const char *canon = pwi_analyte_canonical(analyte);
        if (!canon)
            return pwi_imp_bad(im, err, PW_EINVAL, "analyte",
                               "unknown analyte '%.60s' (see data/codes/analytes.yaml)",
                               analyte);
        analyte = canon;
        json_object_set_new(rec, "analyte", json_string(canon));
    }
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "result", 1, results, &result, err);
    if (rc == PW_OK) rc = pwi_imp_not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
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
    if ((rc = pwi_imp_insert_sealed(im, st, PWI_T_DRUG_TEST, err)) != PW_OK)
        return rc;
    return pwi_imp_audit_rec(im, "episode", eref, "test", err);
}

int pwi_imp_rec_violation(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "kind",
                                       "adjudication", "response", NULL};
    const char *const *adj = pwi_v_adjudication; /* dict.c */
    const char *eref, *kind, *response;
    pwi_episode_row ep;
    int32_t day;
    int a;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, keys, PWI_OBJ_COMPLIANCE, NULL, 0, &ep, &eref,
                                    &day, object, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "kind", 1, &kind, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "adjudication", 0, adj, &a, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "response", 0, &response, err);
    if (rc == PW_OK) rc = pwi_imp_not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    /* A sanction needs an adjudicated violation first (docs/sources.md R5.2). */
    if (response && a != 2)
        return pwi_imp_bad(im, err, PW_EINVAL, "response",
                           "a response needs adjudication 'confirmed'", NULL);
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
    if ((rc = pwi_imp_insert_sealed(im, st, PWI_T_VIOLATION, err)) != PW_OK)
        return rc;
    return pwi_imp_audit_rec(im, "episode", eref, "violation", err);
}

/* relapse (status == NULL) and followup (status abstinent|using). */
int pwi_imp_rec_outcome(pwi_importer *im, json_t *rec, int followup, pw_error *err)
{
    static const char *const rkeys[] = {"episode", "date", NULL};
    static const char *const fkeys[] = {"episode", "date", "status", NULL};
    const char *const *statuses = pwi_v_followup_status; /* dict.c */
    const char *eref;
    pwi_episode_row ep;
    int32_t day;
    int status = -1;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, followup ? fkeys : rkeys, PWI_OBJ_OUTCOME, NULL,
                                    0, &ep, &eref, &day, object, err);
    if (rc == PW_OK && followup)
        rc = pwi_imp_get_enum(im, rec, "status", 1, statuses, &status, err);
    if (rc == PW_OK) rc = pwi_imp_not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        followup ? "INSERT INTO followup (episode_id, "
                                   "followup_day, status, created_by) VALUES "
                                   "(?, ?, ?, ?) RETURNING id"
                                 : "INSERT INTO relapse (episode_id, "
                                   "relapse_day, created_by) VALUES (?, ?, ?) "
                                   "RETURNING id",
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
    rc = pwi_imp_insert_sealed(im, st, followup ? PWI_T_FOLLOWUP : PWI_T_RELAPSE, err);
    if (rc != PW_OK)
        return rc;
    return pwi_imp_audit_rec(im, "episode", eref, followup ? "followup" : "relapse", err);
}

/* ---- discharge ------------------------------------------------------------- */

/* What a discharge writes: the episode, its open plan phases and its review
 * schedule (cancelled and post-exit reviews); never its test schedule. */
#define DISCHARGE_PARTS (PWI_SEAL_EP_ROW | PWI_SEAL_EP_PLAN | PWI_SEAL_EP_REVIEWS)

int pwi_imp_rec_discharge(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"episode", "date", "reason",
                                       "legal_completion", NULL};
    /* TEDS-D REASON codes with NDTMS's split of "completed" (docs/sources.md
     * R1.4 and R3). */
    const char *const *reasons = pwi_v_discharge_reason; /* dict.c */
    const char *const *legal = pwi_v_legal_completion;
    const char *eref;
    pwi_episode_row ep;
    int32_t day;
    int reason, lc;
    char object[260];
    int rc = pwi_imp_episode_record(im, rec, keys, PWI_OBJ_DISCHARGE, "legal_completion",
                                    PWI_OBJ_COMPLIANCE, &ep, &eref, &day, object, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "reason", 1, reasons, &reason, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "legal_completion", 0, legal, &lc, err);
    if (rc == PW_OK) rc = pwi_imp_not_before_start(im, &ep, day, err);
    if (rc != PW_OK)
        return rc;
    if (strcmp(ep.status, "discharged") == 0)
        return pwi_imp_bad(im, err, PW_ECONFLICT, "episode",
                           "episode is discharged already", NULL);
    if (strcmp(ep.status, "rejected") == 0)
        return pwi_imp_bad(im, err, PW_ECONFLICT, "episode",
                           "the panel rejected this placement; nothing to discharge",
                           NULL);
    if (strcmp(ep.status, "pending_panel") == 0)
        return pwi_imp_bad(im, err, PW_ECONFLICT, "episode",
                           "the placement awaits the panel's signature; nothing to "
                           "discharge yet",
                           NULL);
    /* Check the seals of what a discharge changes (the episode, its open
     * phases, its review schedule; not its test schedule) before changing
     * it; seal them again below. */
    if ((rc = pwi_seal_episode(im->reg->db, ep.id, 0, DISCHARGE_PARTS, err)) != PW_OK)
        return rc;
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
    if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
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
    if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
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
    if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
        return rc;
    if (reason != 6) {
        rc = pwi_imp_add_review_due(im, ep.id, "exit", day, err);
        for (size_t i = 0; rc == PW_OK && i < 3; i++)
            rc = pwi_imp_add_review_due(im, ep.id, "post_exit",
                                        day + post_discharge_days[i], err);
        if (rc != PW_OK)
            return rc;
    }
    if ((rc = pwi_seal_episode(im->reg->db, ep.id, 1, DISCHARGE_PARTS, err)) != PW_OK)
        return rc;
    return pwi_imp_audit_rec(im, "episode", eref, "discharge", err);
}

/* ---- death, imprisonment --------------------------------------------------- */

int pwi_imp_rec_person_event(pwi_importer *im, json_t *rec, int prison,
                             pw_error *err)
{
    static const char *const dkeys[] = {"person", "date", "cause", NULL};
    static const char *const pkeys[] = {"person", "date", "end", NULL};
    const char *pref, *cause = NULL;
    int32_t day = 0, end = 0;
    int has_day, has_end = 0;
    int64_t person_id;
    int rc = pwi_imp_check_keys(im, rec, prison ? pkeys : dkeys, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "person", 1, &pref, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "date", 1, &day, &has_day, err);
    if (rc == PW_OK && prison) rc = pwi_imp_get_date(im, rec, "end", 0, &end, &has_end, err);
    if (rc == PW_OK && !prison) rc = pwi_imp_get_str(im, rec, "cause", 0, &cause, err);
    if (rc != PW_OK)
        return rc;
    if (has_end && end < day)
        return pwi_imp_bad(im, err, PW_EINVAL, "end", "is before the start", NULL);
    char object[260];
    snprintf(object, sizeof object, "person:%s", pref);
    if ((rc = pwi_imp_require(im, PWI_WRITE, PWI_OBJ_OUTCOME, object, err)) != PW_OK)
        return rc;
    if ((rc = pwi_imp_lookup_id(im, "SELECT id FROM person WHERE ref = ?", pref,
                                "person", &person_id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_imp_not_before_birth(im, person_id, "date", day, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        prison ? "INSERT INTO imprisonment (person_id, "
                                 "start_day, end_day, created_by) VALUES (?, "
                                 "?, ?, ?) RETURNING id"
                               : "INSERT INTO death (person_id, death_day, "
                                 "cause, created_by) VALUES (?, ?, ?, ?) "
                                 "RETURNING id",
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
    rc = pwi_imp_insert_sealed(im, st, prison ? PWI_T_IMPRISONMENT : PWI_T_DEATH, err);
    if (rc != PW_OK)
        return rc;
    return pwi_imp_audit_rec(im, "person", pref, prison ? "imprisonment" : "death", err);
}
