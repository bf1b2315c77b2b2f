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
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/engine.h"
#include "pathways/registry.h"
#include "dict.h"
#include "import_int.h"
#include "json_in.h"

/* ---- Dispatch ---------------------------------------------------------------- */

static int import_record(pwi_importer *im, json_t *rec, pw_error *err)
{
    if (!json_is_object(rec))
        return pwi_imp_bad(im, err, PW_EPARSE, NULL, "a record must be a JSON object",
                           NULL);
    const char *type;
    int rc = pwi_imp_get_str(im, rec, "type", 1, &type, err);
    if (rc != PW_OK)
        return rc;
    /* Every field must be one the data dictionary lists for the type, so
     * that `registry dictionary` names every field the import accepts. */
    const pwi_rectype *rt = pwi_dict_find(type);
    if (rt) {
        const char *key;
        json_t *v;
        json_object_foreach(rec, key, v) {
            if (strcmp(key, "type") != 0 && !pwi_dict_field(rt, key))
                return pw_error_set(err, PW_EINVAL, im->name, im->line, key,
                                    "unknown field");
        }
    }
    if (strcmp(type, "consent") == 0) return pwi_imp_rec_consent(im, rec, err);
    if (strcmp(type, "amendment") == 0) return pwi_imp_rec_amendment(im, rec, err);
    if (strcmp(type, "person") == 0) return pwi_imp_rec_person(im, rec, err);
    if (strcmp(type, "episode") == 0) return pwi_imp_rec_episode(im, rec, err);
    if (strcmp(type, "panel") == 0) return pwi_imp_rec_panel(im, rec, err);
    if (strcmp(type, "review") == 0) return pwi_imp_rec_review(im, rec, err);
    if (strcmp(type, "test") == 0) return pwi_imp_rec_test(im, rec, err);
    if (strcmp(type, "violation") == 0) return pwi_imp_rec_violation(im, rec, err);
    if (strcmp(type, "discharge") == 0) return pwi_imp_rec_discharge(im, rec, err);
    if (strcmp(type, "relapse") == 0) return pwi_imp_rec_outcome(im, rec, 0, err);
    if (strcmp(type, "followup") == 0) return pwi_imp_rec_outcome(im, rec, 1, err);
    if (strcmp(type, "death") == 0) return pwi_imp_rec_person_event(im, rec, 0, err);
    if (strcmp(type, "imprisonment") == 0) return pwi_imp_rec_person_event(im, rec, 1, err);
    return pwi_imp_bad(im, err, PW_EINVAL, "type",
                       "unknown record type '%.40s' (person, episode, panel, review, "
                       "test, violation, discharge, relapse, followup, death, "
                       "imprisonment, consent, amendment)",
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
int pwi_imp_record(pwi_importer *im, json_t *rec, pw_error *err)
{
    return import_record(im, rec, err);
}

int pwi_imp_record_sp(pwi_importer *im, json_t *rec, pw_error *err)
{
    int rc = im->sp_open ? pwi_db_resavepoint(im->reg->db, err)
                         : pwi_db_savepoint(im->reg->db, err);
    im->sp_open = 0;
    if (rc == PW_OK) {
        rc = import_record(im, rec, err);
        if (rc == PW_OK) {
            im->sp_open = 1;
            if (im->stored)
                json_array_append(im->stored, rec);
        } else {
            pwi_db_rollback_to(im->reg->db);
        }
    }
    return rc;
}

static int import_line(pwi_importer *im, const char *text, size_t len,
                       pw_error *err)
{
    /* The strict reader (json_in.h): no duplicate key, no control
     * character outside clinical notes; the fields are checked per type. */
    /* A contact may be a postal address over several lines (a spreadsheet
     * cell with line breaks). */
    static const char *const multiline[] = {"notes", "contact", NULL};
    json_t *rec;
    int prc = pwi_json_read(text, len, im->name, im->line, NULL, multiline, &rec, err);
    if (prc != PW_OK)
        return prc;
    int rc = pwi_imp_record_sp(im, rec, err);
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
static int import_lines(pwi_importer *im, const char *buf, size_t len, int64_t *n,
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
    pwi_importer im = {.reg = reg, .name = name};
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
    pwi_importer_free(&im);
    return rc;
}

int pwi_import_buffer_in(pwi_reg *reg, const char *buf, size_t len,
                         const char *name, int64_t *n, pw_error *err)
{
    return pwi_import_buffer_in_stored(reg, buf, len, name, n, NULL, err);
}

int pwi_import_buffer_in_stored(pwi_reg *reg, const char *buf, size_t len,
                                const char *name, int64_t *n, void *stored,
                                pw_error *err)
{
    *n = 0;
    assert(pwi_db_in_tx(reg->db));
    if (!reg->has_user)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "token", "no token given");
    pwi_importer im = {.reg = reg, .name = name, .stored = stored};
    pwi_audit_head saved;
    int rc = pwi_db_group_savepoint(reg->db, &saved, err);
    if (rc != PW_OK)
        return rc;
    rc = import_lines(&im, buf, len, n, err);
    if (rc == PW_OK)
        rc = pwi_db_group_release(reg->db, err);
    if (rc != PW_OK) {
        *n = 0;
        if (stored)
            json_array_clear(stored);
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
    pwi_importer_free(&im);
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
    /* A directory reads as a bare "read error" at the first line. */
    struct stat sb;
    if (!from_stdin && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(in);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "is a directory, not a file of records");
    }
    pwi_reg *reg = NULL;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK) {
        if (!from_stdin)
            fclose(in);
        return rc;
    }
    pwi_importer im = {.reg = reg, .name = from_stdin ? "<stdin>" : path};
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
    pwi_importer_free(&im);
    pwi_reg_close(reg);
    return rc;
}
