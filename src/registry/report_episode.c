/*
 * report_episode.c: one episode as JSON, each part only if the caller's
 * role may read it (auth.c's matrix), for `GET /api/v1/episodes/{id}`.
 *
 * The read is audited (in the same transaction as the queries, or through
 * the HTTP server's group commit) before the document is returned, so the
 * caller never sees data whose disclosure is not on record; parts the role
 * may not read are not queried at all and are named in "withheld".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "consent.h"
#include "dict.h"
#include "report_int.h"
#include "scope.h"

/* A refusal that is not the role matrix's (a lookup by ref without the
 * right to see refs, an episode out of the user's scope), on record in a
 * transaction of its own like pwi_reg_require's. The caller's read
 * snapshot has ended. */
static void audit_denied(pwi_reg *reg, const char *object, const char *why)
{
    if (pwi_db_begin(reg->db, NULL) != PW_OK)
        return;
    if (pwi_reg_audit(reg, "denied", object, why, NULL) == PW_OK)
        pwi_db_commit(reg->db, NULL);
    else
        pwi_db_rollback(reg->db);
}

/* Adds `day` (a day-number column) as "YYYY-MM-DD" or null. */
static void set_day(json_t *o, const char *key, pwi_stmt *st, int col)
{
    json_object_set_new(o, key, pwi_col_is_null(st, col)
                                    ? json_null()
                                    : pwi_json_day((int32_t)pwi_col_int64(st, col)));
}

static void set_text(json_t *o, const char *key, pwi_stmt *st, int col)
{
    const char *s = pwi_col_text(st, col);
    json_object_set_new(o, key, s ? json_string(s) : json_null());
}

static void set_int(json_t *o, const char *key, pwi_stmt *st, int col)
{
    json_object_set_new(o, key, pwi_col_is_null(st, col) ? json_null()
                                                         : json_integer(pwi_col_int64(st, col)));
}

/* Runs `sql` bound to the episode id and turns each row into an object
 * with `ncols` columns described by keys[] and kinds[] ('d' day, 't' text,
 * 'i' integer). */
static int rows(pwi_db *db, const char *sql, int64_t id, const char *const *keys,
                const char *kinds, json_t **out, pw_error *err)
{
    pwi_stmt *st = NULL;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, id);
    json_t *arr = json_array();
    while ((rc = pwi_step(st, err)) == 1) {
        json_t *o = json_object();
        for (int c = 0; keys[c]; c++) {
            if (kinds[c] == 'd')
                set_day(o, keys[c], st, c);
            else if (kinds[c] == 'i')
                set_int(o, keys[c], st, c);
            else
                set_text(o, keys[c], st, c);
        }
        json_array_append_new(arr, o);
    }
    pwi_stmt_reset(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return PW_OK;
}

static int is_number(const char *s)
{
    if (!*s || strlen(s) > 18)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int pwi_episode_json(pwi_reg *reg, const char *id_or_ref, const pwi_audit_hook *audit,
                     char **out, size_t *len, pw_error *err)
{
    *out = NULL;
    *len = 0;
    char obj[160];
    snprintf(obj, sizeof obj, "episode:%.120s", id_or_ref);
    int rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_EPISODE, obj, err);
    if (rc != PW_OK)
        return rc;
    pwi_role role = reg->user.role;
#define MAY(o) pwi_allowed(role, PWI_READ, (o))
    /* A ref is the clinic's own key and may carry a name or a case number:
     * a role that may not see refs (the analyst) may not look one up
     * either, or it could test which refs exist and link them to the
     * pseudonyms it sees. */
    if (!is_number(id_or_ref) && !MAY(PWI_OBJ_IDENTITY)) {
        rc = pw_error_set(err, PW_EPERM, NULL, 0, "id",
                          "role '%s' may look an episode up by its number only, not by ref",
                          pwi_role_name(role));
        audit_denied(reg, obj, err->msg);
        return rc;
    }

    json_t *doc = NULL, *withheld = json_array();
    char *name = NULL, *nid = NULL, *notes = NULL;
    /* The episode's parts come from a dozen queries: they read one snapshot
     * (a read transaction, so concurrent readers and writers do not queue
     * behind each other; on PostgreSQL a plain BEGIN would give each query
     * a snapshot of its own). The audit entry is written after it. */
    if ((rc = pwi_db_begin_read(reg->db, err)) != PW_OK)
        goto done;

    /* The episode row, by id when the path is a number, else by ref (a ref
     * that looks like a number is still found by the second query). */
    static const char *const ep_cols =
        "SELECT e.id, e.ref, e.programme, e.regime, e.referral_source, e.legal_basis, "
        "e.order_ref, e.order_expiry_day, e.start_day, e.substance, e.status, e.active_day, "
        "e.discharge_day, e.discharge_reason, e.legal_completion, e.case_json, "
        "e.recommendation_json, e.recommended_disposition, p.id, p.ref, p.pkey, "
        "p.birth_day, p.sex, p.name_enc, p.national_id_enc, e.site, e.oblast "
        "FROM episode e JOIN person p ON p.id = e.person_id ";
    pwi_stmt *st = NULL;
    int found = 0;
    for (int pass = is_number(id_or_ref) ? 0 : 1; pass < 2 && !found; pass++) {
        char sql[1024];
        snprintf(sql, sizeof sql, "%s%s", ep_cols, pass == 0 ? "WHERE e.id = ?" : "WHERE e.ref = ?");
        rc = pwi_db_prepare(reg->db, sql, &st, err);
        if (rc != PW_OK)
            goto done;
        if (pass == 0)
            pwi_bind_int64(st, 1, strtoll(id_or_ref, NULL, 10));
        else
            pwi_bind_text(st, 1, id_or_ref);
        rc = pwi_step(st, err);
        if (rc < 0) {
            pwi_stmt_reset(st);
            goto done;
        }
        found = rc == 1;
        if (!found)
            pwi_stmt_reset(st);
    }
    if (!found) {
        rc = pw_error_set(err, PW_ENOTFOUND, NULL, 0, "id", "no episode '%.120s'", id_or_ref);
        goto done;
    }
    int64_t id = pwi_col_int64(st, 0);
    /* Out of the user's scope (scope.h): answered as if it did not exist,
     * so a court liaison cannot learn that a voluntary patient is in
     * treatment, and the attempt is on record. */
    if (!pwi_scope_row_ok(&reg->user, pwi_col_text(st, 25), pwi_col_text(st, 4),
                          pwi_col_text(st, 5))) {
        pwi_stmt_reset(st);
        if ((rc = pwi_db_end_read(reg->db, err)) != PW_OK)
            goto done;
        audit_denied(reg, obj,
                     reg->user.role == PWI_ROLE_COURT_LIAISON
                         ? "out of scope: not referred or ordered by a court"
                         : "out of scope: another site");
        rc = pw_error_set(err, PW_ENOTFOUND, NULL, 0, "id", "no episode '%.120s'", id_or_ref);
        goto done;
    }
    int64_t person_id = pwi_col_int64(st, 18);
    /* A withdrawn consent closes the episode to the role it limits
     * (consent.h): refused, and audited as such by the caller. */
    const char *scope = pwi_consent_scope_of(role);
    if (scope) {
        int withdrawn = 0;
        pwi_stmt_reset(st);
        if ((rc = pwi_consent_withdrawn(reg->db, person_id, scope, &withdrawn, err)) != PW_OK)
            goto done;
        if (withdrawn) {
            /* The refusal is on record like any other (action "denied"),
             * written once the read snapshot has ended. */
            char dobj[40];
            snprintf(dobj, sizeof dobj, "episode:%lld", (long long)id);
            pwi_db_end_read(reg->db, NULL);
            pw_error aerr;
            pw_error_clear(&aerr);
            pwi_audit_entry de = {"denied", dobj, "consent withdrawn"};
            int arc = pwi_report_audit(reg, audit, &de, 1, &aerr);
            if (arc != PW_OK) {
                *err = aerr;
                rc = arc;
                goto done;
            }
            rc = pw_error_set(err, PW_EPERM, NULL, 0, NULL,
                              "the person has withdrawn consent (scope %s) to this disclosure",
                              scope);
            goto done;
        }
        /* Read the row again: the reset above ended the step. */
        char sql[1024];
        snprintf(sql, sizeof sql, "%sWHERE e.id = ?", ep_cols);
        if ((rc = pwi_db_prepare(reg->db, sql, &st, err)) != PW_OK)
            goto done;
        pwi_bind_int64(st, 1, id);
        if ((rc = pwi_step(st, err)) != 1) {
            pwi_stmt_reset(st);
            rc = rc < 0 ? rc : pw_error_set(err, PW_ENOTFOUND, NULL, 0, "id", "no episode");
            goto done;
        }
    }
    int see_identity = MAY(PWI_OBJ_IDENTITY);
    char ref[128];
    snprintf(ref, sizeof ref, "%s", pwi_col_text(st, 1) ? pwi_col_text(st, 1) : "?");
    doc = json_object();
    json_object_set_new(doc, "id", json_integer(id));
    /* Refs are chosen by the sites and may carry names or case numbers:
     * roles without identity access (the analyst) get a pseudonym. */
    if (see_identity)
        set_text(doc, "ref", st, 1);
    set_text(doc, "programme", st, 2);
    set_text(doc, "regime", st, 3);
    set_text(doc, "referral_source", st, 4);
    set_text(doc, "legal_basis", st, 5);
    if (see_identity)
        set_text(doc, "order_ref", st, 6);
    set_day(doc, "order_expiry", st, 7);
    set_day(doc, "start", st, 8);
    set_text(doc, "substance", st, 9);
    set_text(doc, "site", st, 25);
    set_text(doc, "oblast", st, 26);
    set_text(doc, "status", st, 10);
    set_day(doc, "active", st, 11);
    if (MAY(PWI_OBJ_PERSON)) {
        json_t *p = json_object();
        json_object_set_new(p, "id", json_integer(pwi_col_int64(st, 18)));
        if (see_identity)
            set_text(p, "ref", st, 19);
        char ps[17];
        snprintf(ps, sizeof ps, "%.16s", pwi_col_text(st, 20) ? pwi_col_text(st, 20) : "");
        json_object_set_new(p, "pseudonym", json_string(ps));
        /* The birth date with the identity; without it (the analyst) the
         * year only, enough for age groups and less of a key to link a
         * pseudonym back to a person. */
        if (see_identity)
            set_day(p, "birth_date", st, 21);
        else if (!pwi_col_is_null(st, 21)) {
            char bd[16];
            pwi_date_format((int32_t)pwi_col_int64(st, 21), bd);
            json_object_set_new(p, "birth_year", json_integer(atoi(bd)));
        }
        set_text(p, "sex", st, 22);
        if (see_identity) {
            /* Decrypt only for roles that may see identities. */
            const char *ne = pwi_col_text(st, 23), *ie = pwi_col_text(st, 24);
            if ((ne && pwi_decrypt(&reg->keys, ne, &name, err) != PW_OK) ||
                (ie && pwi_decrypt(&reg->keys, ie, &nid, err) != PW_OK)) {
                pwi_stmt_reset(st);
                rc = err->status ? err->status : PW_EINVAL;
                goto done;
            }
            json_object_set_new(p, "name", name ? json_string(name) : json_null());
            json_object_set_new(p, "national_id", nid ? json_string(nid) : json_null());
        } else {
            json_array_append_new(withheld, json_string("identity"));
        }
        json_object_set_new(doc, "person", p);
    } else {
        json_array_append_new(withheld, json_string("person"));
    }
    if (MAY(PWI_OBJ_DISCHARGE)) {
        json_t *d = json_object();
        set_day(d, "date", st, 12);
        set_text(d, "reason", st, 13);
        json_object_set_new(doc, "discharge", d);
    } else {
        json_array_append_new(withheld, json_string("discharge"));
    }
    if (MAY(PWI_OBJ_COMPLIANCE))
        set_text(doc, "legal_completion", st, 14);
    if (MAY(PWI_OBJ_CASE)) {
        const char *cj = pwi_col_text(st, 15), *rj = pwi_col_text(st, 16);
        json_object_set_new(doc, "case", cj ? json_loads(cj, 0, NULL) : json_null());
        json_object_set_new(doc, "recommendation", rj ? json_loads(rj, 0, NULL) : json_null());
        set_text(doc, "recommended_disposition", st, 17);
    } else {
        json_array_append_new(withheld, json_string("case"));
    }
    pwi_stmt_reset(st);

    json_t *arr = NULL;
    /* The plan's phases are part of the episode (the court liaison sees
     * the phase). */
    static const char *const phase_keys[] = {"seq", "phase", "start", "due", "end", NULL};
    rc = rows(reg->db,
              "SELECT seq, phase, start_day, due_day, end_day FROM plan_phase "
              "WHERE episode_id = ? ORDER BY seq",
              id, phase_keys, "itddd", &arr, err);
    if (rc != PW_OK)
        goto done;
    json_object_set_new(doc, "phases", arr);

    if (MAY(PWI_OBJ_PANEL)) {
        static const char *const k[] = {"date", "decision", "members", "dissent",
                                        "programme", "reason", NULL};
        rc = rows(reg->db,
                  "SELECT decision_day, decision, members_json, dissent_json, programme, reason "
                  "FROM panel_decision WHERE episode_id = ? ORDER BY decision_day, id",
                  id, k, "dttttt", &arr, err);
        if (rc != PW_OK)
            goto done;
        /* members and dissent are stored as JSON text: embed them. */
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r) {
            const char *keys2[] = {"members", "dissent"};
            for (int j = 0; j < 2; j++) {
                const char *t = json_string_value(json_object_get(r, keys2[j]));
                if (t) {
                    json_t *v = json_loads(t, 0, NULL);
                    if (v)
                        json_object_set_new(r, keys2[j], v);
                }
            }
        }
        json_object_set_new(doc, "panel", arr);
    } else {
        json_array_append_new(withheld, json_string("panel"));
    }

    if (MAY(PWI_OBJ_ATTENDANCE)) {
        /* Which reviews were due and whether one was held in the window:
         * attendance without the scores. */
        static const char *const k[] = {"stage", "due", "window_days", "held", NULL};
        rc = rows(reg->db,
                  "SELECT d.stage, d.due_day, d.window_days, "
                  "(SELECT MIN(v.review_day) FROM review v WHERE v.episode_id = d.episode_id "
                  "AND v.stage = d.stage AND v.review_day BETWEEN d.due_day - d.window_days "
                  "AND d.due_day + d.window_days) FROM review_due d WHERE d.episode_id = ? "
                  "ORDER BY d.due_day, d.id",
                  id, k, "tdid", &arr, err);
        if (rc != PW_OK)
            goto done;
        /* What each due review is today: "held" in its window, "missed"
         * once the window has closed without one, else "upcoming". A
         * review not yet due must never read as not attended: a court can
         * take that for a missed appointment. */
        int32_t today = pwi_today();
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r) {
            int32_t due = 0;
            const char *state = "upcoming";
            if (!json_is_null(json_object_get(r, "held")))
                state = "held";
            else if (pwi_date_parse(json_string_value(json_object_get(r, "due")), &due) ==
                         PW_OK &&
                     due + json_integer_value(json_object_get(r, "window_days")) < today)
                state = "missed";
            json_object_set_new(r, "state", json_string(state));
        }
        json_object_set_new(doc, "attendance", arr);
    } else {
        json_array_append_new(withheld, json_string("attendance"));
    }

    if (MAY(PWI_OBJ_REVIEW)) {
        static const char *const k[] = {
            "id", "date", "stage", "alcohol_days", "opioid_days", "crack_days", "cocaine_days",
            "amphetamine_days", "cannabis_days", "synthetic_days", "other_days",
            "injecting_days", "sharing", "shoplifting_days", "selling_days", "theft_days",
            "assault_days", "psych_health", "phys_health", "quality_of_life", "work_days",
            "education_days", "housing_acute", "housing_risk", "notes_enc", NULL};
        rc = rows(reg->db,
                  "SELECT id, review_day, stage, alcohol_days, opioid_days, crack_days, "
                  "cocaine_days, amphetamine_days, cannabis_days, synthetic_days, other_days, "
                  "injecting_days, sharing, shoplifting_days, selling_days, theft_days, "
                  "assault_days, psych_health, phys_health, quality_of_life, work_days, "
                  "education_days, housing_acute, housing_risk, notes_enc FROM review "
                  "WHERE episode_id = ? ORDER BY review_day, id",
                  id, k, "idtiiiiiiiiiiiiiiiiiiiiit", &arr, err);
        if (rc != PW_OK)
            goto done;
        int see_notes = MAY(PWI_OBJ_NOTES);
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r) {
            const char *enc = json_string_value(json_object_get(r, "notes_enc"));
            if (see_notes && enc) {
                if (pwi_decrypt(&reg->keys, enc, &notes, err) != PW_OK) {
                    json_decref(arr);
                    rc = err->status ? err->status : PW_EINVAL;
                    goto done;
                }
                json_object_set_new(r, "notes", json_string(notes));
                free(notes);
                notes = NULL;
            }
            json_object_del(r, "notes_enc");
        }
        if (!see_notes)
            json_array_append_new(withheld, json_string("notes"));
        json_object_set_new(doc, "reviews", arr);
    } else {
        json_array_append_new(withheld, json_string("reviews"));
        json_array_append_new(withheld, json_string("notes"));
    }

    if (MAY(PWI_OBJ_TEST)) {
        static const char *const k[] = {"id", "date", "analyte", "result", NULL};
        rc = rows(reg->db,
                  "SELECT id, test_day, analyte, result FROM drug_test WHERE episode_id = ? "
                  "ORDER BY test_day, id",
                  id, k, "idtt", &arr, err);
        if (rc != PW_OK)
            goto done;
        json_object_set_new(doc, "tests", arr);
    } else {
        json_array_append_new(withheld, json_string("tests"));
    }

    if (MAY(PWI_OBJ_COMPLIANCE)) {
        static const char *const k[] = {"id", "date", "kind", "adjudication", "response", NULL};
        rc = rows(reg->db,
                  "SELECT id, violation_day, kind, adjudication, response FROM violation "
                  "WHERE episode_id = ? ORDER BY violation_day, id",
                  id, k, "idttt", &arr, err);
        if (rc != PW_OK)
            goto done;
        json_object_set_new(doc, "violations", arr);
    } else {
        json_array_append_new(withheld, json_string("compliance"));
    }

    if (MAY(PWI_OBJ_OUTCOME)) {
        json_t *oc = json_object();
        static const char *const kr[] = {"id", "date", NULL};
        rc = rows(reg->db,
                  "SELECT id, relapse_day FROM relapse WHERE episode_id = ? ORDER BY relapse_day",
                  id, kr, "id", &arr, err);
        if (rc != PW_OK) {
            json_decref(oc);
            goto done;
        }
        json_object_set_new(oc, "relapses", arr);
        static const char *const kf[] = {"id", "date", "status", NULL};
        rc = rows(reg->db,
                  "SELECT id, followup_day, status FROM followup WHERE episode_id = ? "
                  "ORDER BY followup_day, id",
                  id, kf, "idt", &arr, err);
        if (rc != PW_OK) {
            json_decref(oc);
            goto done;
        }
        json_object_set_new(oc, "followups", arr);
        static const char *const kd[] = {"date", NULL};
        rc = rows(reg->db,
                  "SELECT d.death_day FROM death d JOIN episode e ON e.person_id = d.person_id "
                  "WHERE e.id = ?",
                  id, kd, "d", &arr, err);
        if (rc != PW_OK) {
            json_decref(oc);
            goto done;
        }
        json_object_set_new(oc, "death", arr);
        static const char *const ki[] = {"start", "end", NULL};
        rc = rows(reg->db,
                  "SELECT i.start_day, i.end_day FROM imprisonment i JOIN episode e "
                  "ON e.person_id = i.person_id WHERE e.id = ? ORDER BY i.start_day",
                  id, ki, "dd", &arr, err);
        if (rc != PW_OK) {
            json_decref(oc);
            goto done;
        }
        json_object_set_new(oc, "imprisonment", arr);
        json_object_set_new(doc, "outcomes", oc);
    } else {
        json_array_append_new(withheld, json_string("outcomes"));
    }

    /* Consent records, for the roles that see identities. */
    if (see_identity) {
        static const char *const k[] = {"scope", "status", "date", NULL};
        rc = rows(reg->db,
                  "SELECT c.scope, c.status, c.consent_day FROM consent c JOIN episode e "
                  "ON e.person_id = c.person_id WHERE e.id = ? ORDER BY c.consent_day, c.id",
                  id, k, "ttd", &arr, err);
        if (rc != PW_OK)
            goto done;
        json_object_set_new(doc, "consent", arr);
    }
    /* The history of corrections (amendments): the earlier value, the new
     * one, why, when and by whom, for the fields the role may see. */
    {
        pwi_stmt *h;
        rc = pwi_db_prepare(reg->db,
                            "SELECT a.record, a.row_id, a.field, a.before_json, a.after_json, "
                            "a.reason, a.amend_day, u.name, a.id FROM amendment a "
                            "LEFT JOIN users u ON u.id = a.created_by WHERE a.episode_id = ? "
                            "OR a.person_id = (SELECT person_id FROM episode WHERE id = ?) "
                            "ORDER BY a.id",
                            &h, err);
        if (rc != PW_OK)
            goto done;
        pwi_bind_int64(h, 1, id);
        pwi_bind_int64(h, 2, id);
        json_t *hist = json_array();
        while ((rc = pwi_step(h, err)) == 1) {
            const pwi_rectype *rt = pwi_dict_find(pwi_col_text(h, 0));
            const pwi_field *f = pwi_dict_field(rt, pwi_col_text(h, 2));
            if (!f || !MAY(f->writer))
                continue;
            json_t *o = json_object();
            json_object_set_new(o, "record", json_string(rt->name));
            json_object_set_new(o, "id", json_integer(pwi_col_int64(h, 1)));
            json_object_set_new(o, "field", json_string(f->name));
            json_object_set_new(o, "before", json_loads(pwi_col_text(h, 3), JSON_DECODE_ANY, NULL));
            json_object_set_new(o, "after", json_loads(pwi_col_text(h, 4), JSON_DECODE_ANY, NULL));
            json_object_set_new(o, "reason", json_string(pwi_col_text(h, 5)));
            json_object_set_new(o, "date", pwi_json_day((int32_t)pwi_col_int64(h, 6)));
            const char *by = pwi_col_text(h, 7);
            json_object_set_new(o, "by", by ? json_string(by) : json_null());
            json_array_append_new(hist, o);
        }
        pwi_stmt_reset(h);
        if (rc < 0) {
            json_decref(hist);
            goto done;
        }
        rc = PW_OK;
        json_object_set_new(doc, "amendments", hist);
    }

    json_object_set_new(doc, "withheld", withheld);
    withheld = NULL;

    /* Record the disclosure, with what was shown, before handing it out. */
    char audit_obj[140], detail[64];
    snprintf(audit_obj, sizeof audit_obj, "episode:%.120s", ref);
    snprintf(detail, sizeof detail, "http get, role view %s", pwi_role_name(role));
    if ((rc = pwi_db_end_read(reg->db, err)) != PW_OK)
        goto done;
    pwi_audit_entry e = {"read", audit_obj, detail};
    if ((rc = pwi_report_audit(reg, audit, &e, 1, err)) != PW_OK)
        goto done;

    if (!(*out = pwi_json_dumps_line(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, len)))
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
done:
#undef MAY
    if (pwi_db_in_read(reg->db))
        pwi_db_end_read(reg->db, NULL);
    if (pwi_db_in_tx(reg->db))
        pwi_db_rollback(reg->db);
    if (name) {
        sodium_memzero(name, strlen(name));
        free(name);
    }
    if (nid) {
        sodium_memzero(nid, strlen(nid));
        free(nid);
    }
    free(notes);
    json_decref(doc);
    json_decref(withheld);
    return rc;
}
