/*
 * import_amend.c: the records that correct or qualify what is stored:
 * `consent` (a scope given or withdrawn) and `amendment` (one field of a
 * stored record corrected, with a reason, the earlier value kept).
 *
 * Corrections without loss (docs/registry.md, "Amendments"): the corrected
 * row holds the current value, so every report, export and view reads the
 * current version with no change of its own; the amendment row keeps the
 * value it replaced, the reason, the day and the user, and is sealed like
 * every other row; the change is audited ("amend"). Nothing is deleted.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pathways/engine.h"
#include "pathways/registry.h"
#include "dict.h"
#include "import_int.h"
#include "scope.h"
#include "seal.h"

int pwi_imp_person_birth(pwi_importer *im, int64_t person_id, int32_t *birth,
                         pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db, "SELECT birth_day FROM person WHERE id = ?", &st,
                            err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, person_id);
    rc = pwi_step(st, err);
    int null = rc == 1 && pwi_col_is_null(st, 0);
    if (rc == 1)
        *birth = null ? INT32_MIN : (int32_t)pwi_col_int64(st, 0);
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_ENOTFOUND, im->name, im->line, "person",
                            "unknown person");
    return rc < 0 ? rc : PW_OK;
}

int pwi_imp_not_before_birth(pwi_importer *im, int64_t person_id, const char *field,
                             int32_t day, pw_error *err)
{
    int32_t birth;
    int rc = pwi_imp_person_birth(im, person_id, &birth, err);
    if (rc != PW_OK)
        return rc;
    if (day < birth)
        return pwi_imp_bad(im, err, PW_EINVAL, field, "is before the person's birth", NULL);
    return PW_OK;
}

/* ---- consent -------------------------------------------------------------- */

int pwi_imp_rec_consent(pwi_importer *im, json_t *rec, pw_error *err)
{
    const char *pref;
    int32_t day = 0;
    int has_day, scope, status;
    int64_t person_id;
    int rc = pwi_imp_get_str(im, rec, "person", 1, &pref, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "date", 1, &day, &has_day, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "scope", 1, pwi_v_consent_scope, &scope, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "status", 1, pwi_v_consent_status, &status, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    snprintf(object, sizeof object, "person:%s", pref);
    /* Consent is part of the identity record: whoever registers a person
     * records what they agreed to (intake, clinician). */
    if ((rc = pwi_imp_require(im, PWI_WRITE, PWI_OBJ_IDENTITY, object, err)) != PW_OK)
        return rc;
    if ((rc = pwi_imp_lookup_id(im, "SELECT id FROM person WHERE ref = ?", pref, "person",
                                &person_id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_imp_not_before_birth(im, person_id, "date", day, err)) != PW_OK)
        return rc;
    pwi_stmt *st;
    rc = pwi_db_prepare(im->reg->db,
                        "INSERT INTO consent (person_id, scope, status, consent_day, "
                        "created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, person_id);
    pwi_bind_text(st, 2, pwi_v_consent_scope[scope]);
    pwi_bind_text(st, 3, pwi_v_consent_status[status]);
    pwi_bind_int64(st, 4, day);
    pwi_bind_int64(st, 5, im->reg->user.id);
    if ((rc = pwi_imp_insert_sealed(im, st, PWI_T_CONSENT, err)) != PW_OK)
        return rc;
    char detail[80];
    snprintf(detail, sizeof detail, "consent %s %s", pwi_v_consent_scope[scope],
             pwi_v_consent_status[status]);
    return pwi_reg_audit(im->reg, "create", object, detail, err);
}

/* ---- amendment ------------------------------------------------------------ */

static int seal_table_of(const char *table)
{
    for (int t = 0; t < PWI_T_COUNT; t++)
        if (strcmp(pwi_seal_table_name((pwi_seal_table)t), table) == 0)
            return t;
    return -1;
}

/* The stored value of column 0 of `st` as the import would write it. */
static json_t *col_json(pwi_stmt *st, int col, const pwi_field *f)
{
    if (pwi_col_is_null(st, col))
        return json_null();
    switch (f->kind) {
    case PWI_F_DATE: {
        char buf[16];
        pwi_date_format((int32_t)pwi_col_int64(st, col), buf);
        return json_string(buf);
    }
    case PWI_F_INT:
        return json_integer(pwi_col_int64(st, col));
    case PWI_F_BOOL:
        return json_boolean(pwi_col_int64(st, col) != 0);
    default:
        return json_string(pwi_col_text(st, col));
    }
}

/*
 * Checks the new value as the field's own record would be checked (the
 * same getters, so the same messages), and binds it. A missing or null
 * value clears an optional field; a required one cannot be cleared.
 */
static int check_value(pwi_importer *im, json_t *rec, const pwi_field *f, int32_t floor_day,
                       json_t **canon, int64_t *ival, const char **sval, int *is_null,
                       pw_error *err)
{
    json_t *v = json_object_get(rec, "value");
    *canon = NULL;
    *sval = NULL;
    *is_null = !v || json_is_null(v);
    if (*is_null) {
        if (f->required)
            return pwi_imp_bad(im, err, PW_EINVAL, "value",
                               "is required: '%s' cannot be cleared", f->name);
        *canon = json_null();
        return PW_OK;
    }
    int rc = PW_OK, present = 0, idx;
    switch (f->kind) {
    case PWI_F_DATE: {
        int32_t day;
        rc = pwi_imp_get_date(im, rec, "value", 1, &day, &present, err);
        if (rc == PW_OK && day < floor_day)
            rc = pwi_imp_bad(im, err, PW_EINVAL, "value",
                             "is before the episode's start or the person's birth", NULL);
        *ival = day;
        if (rc == PW_OK)
            *canon = json_copy(v);
        break;
    }
    case PWI_F_INT:
    case PWI_F_BOOL:
        rc = pwi_imp_get_int(im, rec, "value", (long)f->lo, (long)f->hi, ival, &present, err);
        if (rc == PW_OK)
            *canon = f->kind == PWI_F_BOOL ? json_boolean(*ival) : json_integer(*ival);
        break;
    case PWI_F_ENUM:
        rc = pwi_imp_get_enum(im, rec, "value", 1, f->values, &idx, err);
        if (rc == PW_OK) {
            *sval = f->values[idx];
            *canon = json_string(*sval);
        }
        break;
    case PWI_F_SUBSTANCE:
        rc = pwi_imp_get_str(im, rec, "value", 1, sval, err);
        if (rc == PW_OK && pw_substance_lookup(*sval) < 0)
            rc = pwi_imp_bad(im, err, PW_EINVAL, "value",
                             "unknown substance '%.60s' (see data/codes/substances.yaml)",
                             *sval);
        if (rc == PW_OK) {
            *sval = pw_substance_name(pw_substance_lookup(*sval));
            *canon = json_string(*sval);
        }
        break;
    case PWI_F_ANALYTE:
        rc = pwi_imp_get_str(im, rec, "value", 1, sval, err);
        if (rc == PW_OK && !pwi_analyte_canonical(*sval))
            rc = pwi_imp_bad(im, err, PW_EINVAL, "value",
                             "unknown analyte '%.60s' (see data/codes/analytes.yaml)", *sval);
        if (rc == PW_OK) {
            *sval = pwi_analyte_canonical(*sval);
            *canon = json_string(*sval);
        }
        break;
    default:
        rc = pwi_imp_get_str(im, rec, "value", 1, sval, err);
        if (rc == PW_OK)
            *canon = json_string(*sval);
        break;
    }
    return rc;
}

int pwi_imp_rec_amendment(pwi_importer *im, json_t *rec, pw_error *err)
{
    const char *fname, *reason;
    int32_t day = 0;
    int has_day, which;
    int rc = pwi_imp_get_enum(im, rec, "record", 1, pwi_v_amend_record, &which, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "field", 1, &fname, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "reason", 1, &reason, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "date", 1, &day, &has_day, err);
    if (rc != PW_OK)
        return rc;
    const char *record = pwi_v_amend_record[which];
    const pwi_rectype *rt = pwi_dict_find(record);
    assert(rt && rt->table);
    const pwi_field *f = pwi_dict_field(rt, fname);
    if (!f || !f->column) {
        char list[600] = "";
        for (int i = 0; i < rt->nfields; i++)
            if (rt->fields[i].column) {
                strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, rt->fields[i].name, sizeof list - strlen(list) - 1);
            }
        char msg[700];
        snprintf(msg, sizeof msg, "'%.40s' of a %s cannot be amended (these can: %s)", fname,
                 record, list);
        return pw_error_set(err, PW_EINVAL, im->name, im->line, "field", "%s", msg);
    }
    /* The row: by id, or by ref for a person or an episode (a discharge is
     * its episode's row). */
    int by_episode = strcmp(rt->table, "episode") == 0, is_person = strcmp(record, "person") == 0;
    json_t *idv = json_object_get(rec, "id");
    int64_t row_id = 0;
    const char *ref = NULL;
    if (json_is_integer(idv) && json_integer_value(idv) > 0)
        row_id = json_integer_value(idv);
    else if (json_is_string(idv) && (by_episode || is_person) && json_string_length(idv) > 0 &&
             json_string_length(idv) <= MAX_STR)
        ref = json_string_value(idv);
    else
        return pwi_imp_bad(im, err, PW_EINVAL, "id",
                           by_episode || is_person ? "must be a record id or a ref"
                                                   : "must be a record id (a positive integer)",
                           NULL);
    /* The role check comes before any lookup, as for every record: the
     * role must be allowed to write the field itself. */
    char object[260];
    char idtxt[40];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)row_id);
    snprintf(object, sizeof object, "%s:%s", is_person ? "person" : by_episode ? "episode"
                                                                                : rt->table,
             ref ? ref : idtxt);
    if ((rc = pwi_imp_require(im, PWI_WRITE, f->writer, object, err)) != PW_OK)
        return rc;

    char sql[300];
    const char *link = is_person ? "id AS person_id, NULL"
                       : by_episode ? "person_id, id"
                       : (strcmp(rt->table, "death") == 0 || strcmp(rt->table, "imprisonment") == 0)
                           ? "person_id, NULL"
                           : "NULL, episode_id";
    snprintf(sql, sizeof sql, "SELECT id, %s, %s, mac FROM %s WHERE %s = ?", f->column, link,
             rt->table, ref ? "ref" : "id");
    pwi_stmt *st;
    if ((rc = pwi_db_prepare(im->reg->db, sql, &st, err)) != PW_OK)
        return rc;
    if (ref)
        pwi_bind_text(st, 1, ref);
    else
        pwi_bind_int64(st, 1, row_id);
    rc = pwi_step(st, err);
    json_t *before = NULL;
    int64_t person_id = 0, episode_id = 0;
    int unsealed = 0;
    if (rc == 1) {
        row_id = pwi_col_int64(st, 0);
        before = col_json(st, 1, f);
        person_id = pwi_col_is_null(st, 2) ? 0 : pwi_col_int64(st, 2);
        episode_id = pwi_col_is_null(st, 3) ? 0 : pwi_col_int64(st, 3);
        unsealed = pwi_col_is_null(st, 4);
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        return rc;
    /* Corrections keep to the writer's scope (scope.h), like new records:
     * an episode's record outside it is answered as not found. */
    if (rc == 1 && episode_id && pwi_scope_limited(&im->reg->user)) {
        int in = 0;
        if ((rc = pwi_scope_episode(im->reg, episode_id, &in, err)) != PW_OK) {
            json_decref(before);
            return rc;
        }
        rc = in ? 1 : 0;
        if (!in) {
            json_decref(before);
            before = NULL;
        }
    }
    if (rc == 0)
        return pwi_imp_bad(im, err, PW_ENOTFOUND, "id", "no stored %s with this id", record);
    rc = PW_OK;
    /* A row written earlier in this same transaction is sealed only at
     * COMMIT (seal.h) and must not be updated before: correct it in a
     * later import. */
    if (unsealed) {
        json_decref(before);
        return pwi_imp_bad(im, err, PW_ECONFLICT, "id",
                           "this %s was stored in this same import; amend it in a later one",
                           record);
    }
    /* A discharge amendment needs a discharged episode. */
    if (strcmp(record, "discharge") == 0 && json_is_null(before) &&
        strcmp(f->name, "reason") == 0) {
        json_decref(before);
        return pwi_imp_bad(im, err, PW_EINVAL, "id", "the episode is not discharged", NULL);
    }
    /* Dates of events stay on or after the episode's start; a person's
     * events on or after birth. */
    int32_t floor_day = INT32_MIN;
    if (episode_id && !by_episode) {
        pwi_stmt *q;
        if ((rc = pwi_db_prepare(im->reg->db, "SELECT start_day FROM episode WHERE id = ?", &q,
                                 err)) != PW_OK) {
            json_decref(before);
            return rc;
        }
        pwi_bind_int64(q, 1, episode_id);
        if (pwi_step(q, err) == 1)
            floor_day = (int32_t)pwi_col_int64(q, 0);
        pwi_stmt_reset(q);
    } else if (person_id && !is_person) {
        if ((rc = pwi_imp_person_birth(im, person_id, &floor_day, err)) != PW_OK) {
            json_decref(before);
            return rc;
        }
    }
    json_t *after = NULL;
    int64_t ival = 0;
    const char *sval = NULL;
    int is_null = 0;
    rc = check_value(im, rec, f, floor_day, &after, &ival, &sval, &is_null, err);
    if (rc == PW_OK && json_equal(before, after))
        rc = pwi_imp_bad(im, err, PW_EINVAL, "value", "is the stored value already", NULL);
    char *bj = NULL, *aj = NULL;
    if (rc == PW_OK) {
        bj = json_dumps(before, JSON_ENCODE_ANY | JSON_COMPACT);
        aj = json_dumps(after, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!bj || !aj)
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    /* The correction: the row's MAC checked before, the row sealed again
     * after (seal.h), and the earlier value kept in a sealed amendment. */
    int t = seal_table_of(rt->table);
    assert(t >= 0);
    if (rc == PW_OK)
        rc = pwi_seal_before(im->reg->db, (pwi_seal_table)t, "id", row_id, err);
    if (rc == PW_OK) {
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ?", rt->table, f->column);
        rc = pwi_db_prepare(im->reg->db, sql, &st, err);
    }
    if (rc == PW_OK) {
        if (is_null)
            pwi_bind_null(st, 1);
        else if (sval)
            pwi_bind_text(st, 1, sval);
        else
            pwi_bind_int64(st, 1, ival);
        pwi_bind_int64(st, 2, row_id);
        rc = pwi_imp_run(st, NULL, err);
        if (rc == PW_ECONFLICT)
            rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, "value",
                              "another stored %s has this value already", record);
    }
    if (rc == PW_OK)
        rc = pwi_seal_after(im->reg->db, (pwi_seal_table)t, "id", row_id, err);
    if (rc == PW_OK)
        rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO amendment (tbl, row_id, record, episode_id, "
                            "person_id, field, before_json, after_json, reason, amend_day, "
                            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
    if (rc == PW_OK) {
        pwi_bind_text(st, 1, rt->table);
        pwi_bind_int64(st, 2, row_id);
        pwi_bind_text(st, 3, record);
        if (episode_id)
            pwi_bind_int64(st, 4, episode_id);
        else
            pwi_bind_null(st, 4);
        if (person_id)
            pwi_bind_int64(st, 5, person_id);
        else
            pwi_bind_null(st, 5);
        pwi_bind_text(st, 6, f->name);
        pwi_bind_text(st, 7, bj);
        pwi_bind_text(st, 8, aj);
        pwi_bind_text(st, 9, reason);
        pwi_bind_int64(st, 10, day);
        pwi_bind_int64(st, 11, im->reg->user.id);
        rc = pwi_imp_insert_sealed(im, st, PWI_T_AMENDMENT, err);
    }
    if (rc == PW_OK) {
        /* The answer shows the stored (canonical) value. */
        json_object_set(rec, "value", after);
        json_object_set_new(rec, "id", json_integer(row_id));
        char detail[600];
        snprintf(detail, sizeof detail, "%s %lld %s: %.200s -> %.200s", record,
                 (long long)row_id, f->name, bj, aj);
        rc = pwi_reg_audit(im->reg, "amend", object, detail, err);
    }
    free(bj);
    free(aj);
    json_decref(before);
    json_decref(after);
    return rc;
}
