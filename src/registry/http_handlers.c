/*
 * The API's handlers (http_handlers.h): one per route of http.c's table.
 * The request's life around them (body, token, throttle, group-committed
 * audit, sending) is http.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "dict.h"
#include "episode_list.h"
#include "http_handlers.h"
#include "json_in.h"
#include "me.h"
#include "report.h"
#include "report_sheet.h"

typedef pwi_http_req req;

enum MHD_Result pwi_h_report(pwi_reg *reg, req *rq, const char *kind)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_audit_hook hook = {pwi_http_defer_audit, rq};
    pwi_report_opts o = {.as_of = pwi_today(), .audit = &hook};
    int k = pwi_report_parse(kind);
    if (k < 0)
        return pwi_http_send_simple_error(rq, MHD_HTTP_NOT_FOUND, "unknown report kind");
    o.kind = (pwi_report_kind)k;
    const char *by = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "by");
    int b = pwi_report_by_parse(by);
    if (b < 0) {
        pw_error_set(&err, PW_EINVAL, NULL, 0, "by",
                     "must be programme, regime, substance, site or oblast");
        return pwi_http_send_error(rq, &err);
    }
    o.by = (pwi_report_by)b;
    const char *asof = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "as_of");
    if (asof && pwi_date_parse(asof, &o.as_of) != PW_OK) {
        pw_error_set(&err, PW_EINVAL, NULL, 0, "as_of", "must be a date YYYY-MM-DD");
        return pwi_http_send_error(rq, &err);
    }
    /* ?format=csv|xlsx: the same report as a spreadsheet (report_sheet.h);
     * checked before the report runs, so a bad one reads nothing. */
    const char *format = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "format");
    const char *table = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "table");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "xlsx") != 0) {
        pw_error_set(&err, PW_EINVAL, NULL, 0, "format", "must be json, csv or xlsx");
        return pwi_http_send_error(rq, &err);
    }
    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    if (pwi_report_run(reg, &o, &out, &len, &type, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    int want_csv = format && strcmp(format, "csv") == 0;
    int want_xlsx = format && strcmp(format, "xlsx") == 0;
    if ((want_csv || want_xlsx) && strncmp(type, "application/json", 16) == 0) {
        char *sheet = NULL;
        size_t slen = 0;
        int rc = want_csv ? pwi_report_csv(out, len, table, &sheet, &slen, &err)
                          : pwi_report_xlsx(out, len, &sheet, &slen, &err);
        free(out);
        if (rc != PW_OK)
            return pwi_http_send_error(rq, &err);
        return pwi_http_send_buf(rq, MHD_HTTP_OK, want_csv ? PWI_CSV_TYPE : PWI_XLSX_TYPE, sheet, slen);
    }
    return pwi_http_send_buf(rq, MHD_HTTP_OK, type, out, len);
}

/* The data dictionary (dict.h): what every record type's fields are, for
 * the forms and for anyone filling a spreadsheet. Holds no person's data. */
enum MHD_Result pwi_h_dictionary(req *rq)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *format = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "format");
    int csv = format && strcmp(format, "csv") == 0;
    int rc = f ? pwi_dict_print(f, csv ? "csv" : "json") : PW_ENOMEM;
    if (f)
        fclose(f);
    if (rc != PW_OK) {
        free(buf);
        return pwi_http_send_simple_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot print the dictionary");
    }
    return pwi_http_send_buf(rq, MHD_HTTP_OK, csv ? PWI_CSV_TYPE : "application/json", buf, len);
}

enum MHD_Result pwi_h_episode(pwi_reg *reg, req *rq, const char *id)
{
    pw_error err;
    pw_error_clear(&err);
    char *out = NULL;
    size_t len = 0;
    pwi_audit_hook hook = {pwi_http_defer_audit, rq};
    if (pwi_episode_json(reg, id, &hook, &out, &len, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", out, len);
}

static const char *query_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

enum MHD_Result pwi_h_episode_list(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_episode_query q;
    char *out = NULL;
    size_t len = 0;
    pwi_audit_hook hook = {pwi_http_defer_audit, rq};
    if (pwi_episode_query_parse(query_arg, rq->conn, &q, &err) != PW_OK ||
        pwi_episode_list_json(reg, &q, &hook, &out, &len, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", out, len);
}

enum MHD_Result pwi_h_stats(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    char *out = NULL;
    size_t len = 0;
    /* Group-committed audit, as for the episode view (http_audit.c). */
    pwi_audit_hook hook = {pwi_http_defer_audit, rq};
    if (pwi_stats_json(reg, &hook, &out, &len, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", out, len);
}

enum MHD_Result pwi_h_me(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    char *out = NULL;
    size_t len = 0;
    pwi_audit_hook hook = {pwi_http_defer_audit, rq};
    if (pwi_me_json(reg, &hook, &out, &len, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", out, len);
}

enum MHD_Result pwi_h_audit_list(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    if (pwi_reg_require(reg, PWI_READ, PWI_OBJ_AUDIT, "audit", &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return MHD_NO;
    /* Reading the log is itself recorded, in the same transaction as the
     * read, so the list a client sees ends with its own entry. */
    int rc = pwi_db_begin(reg->db, &err);
    if (rc == PW_OK)
        rc = pwi_reg_audit(reg, "read", "audit", NULL, &err);
    if (rc == PW_OK)
        rc = pwi_audit_list(reg->db, f, &err);
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, &err);
    else
        pwi_db_rollback(reg->db);
    fclose(f);
    if (rc != PW_OK) {
        free(buf);
        return pwi_http_send_error(rq, &err);
    }
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/x-ndjson", buf, len);
}

enum MHD_Result pwi_h_audit_verify(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    if (pwi_reg_require(reg, PWI_READ, PWI_OBJ_AUDIT, "audit", &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    pwi_audit_report rep;
    memset(&rep, 0, sizeof rep);
    if (pwi_audit_verify(reg->db, reg->keys.audit, &rep, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    json_t *doc = json_pack("{s:b, s:I, s:I, s:s}", "ok", rep.ok, "entries",
                            (json_int_t)rep.entries, "first_bad",
                            (json_int_t)rep.first_bad, "reason", rep.reason);
    return pwi_http_send_json(rq, MHD_HTTP_OK, doc);
}

enum MHD_Result pwi_h_user_add(pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    if (pwi_reg_require(reg, PWI_WRITE, PWI_OBJ_USER, "user", &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    /* The strict reader of import lines (json_in.h): a duplicate "role",
     * an unknown field or a control character in the name is refused. */
    static const char *const fields[] = {"name", "role", "site", NULL};
    json_t *in;
    if (pwi_json_read(rq->body, rq->len, "body", 1, fields, NULL, &in, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    const char *name = json_string_value(json_object_get(in, "name"));
    const char *role = json_string_value(json_object_get(in, "role"));
    /* The user's site (docs/registry.md, Sites); absent or "": all sites. */
    const char *site = json_string_value(json_object_get(in, "site"));
    if (site && !*site)
        site = NULL;
    int r = role ? pwi_role_parse(role) : -1;
    if (!name || !*name) {
        pw_error_set(&err, PW_EINVAL, "body", 1, "name", "a non-empty string is required");
    } else if (r < 0) {
        pw_error_set(&err, PW_EINVAL, "body", 1, "role", "unknown role '%s'",
                     role ? role : "");
    } else if (site && pwi_site_check(site, &err) != PW_OK) {
        err.line = 1;
    }
    if (err.status) {
        json_decref(in);
        return pwi_http_send_error(rq, &err);
    }
    char token[65];
    int64_t id = 0;
    int rc = pwi_db_begin(reg->db, &err);
    if (rc == PW_OK)
        rc = pwi_user_create_at(reg->db, name, (pwi_role)r, site, token, &id, &err);
    if (rc == PW_OK) {
        char obj[64];
        snprintf(obj, sizeof obj, "user:%lld", (long long)id);
        rc = pwi_reg_audit(reg, "create", obj, NULL, &err);
    }
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, &err);
    else
        pwi_db_rollback(reg->db);
    if (rc != PW_OK) {
        json_decref(in);
        return pwi_http_send_error(rq, &err);
    }
    json_t *doc = json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id", (json_int_t)id, "name",
                            name, "role", pwi_role_name((pwi_role)r), "token", token,
                            "site", site);
    json_decref(in);
    sodium_memzero(token, sizeof token);
    return pwi_http_send_json(rq, MHD_HTTP_CREATED, doc);
}

/* The body is imported by the group-commit writer (http_audit.h): all or
 * nothing in a savepoint of its own, answered once the shared transaction
 * is durable, so a client that gets an error knows that none of its
 * records went in, and one that gets 201 that all of them are on disk.
 * finish() submits it; records_done() answers. */
enum MHD_Result pwi_h_records(pwi_reg *reg, req *rq)
{
    /* A spreadsheet (Content-Type text/csv, ?type=RECORD): converted here
     * to the records the importer reads, each on its row's line, so that
     * it goes through the same checks, audit and group commit. */
    const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
    if (ct && strncmp(ct, "text/csv", 8) == 0) {
        const char *type = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "type");
        pw_error err;
        pw_error_clear(&err);
        char *jl = NULL;
        size_t jlen = 0;
        long nrec = 0;
        if (pwi_csv_to_jsonl(rq->body ? rq->body : "", rq->len, "body", type, &jl, &jlen, &nrec,
                             &err) != PW_OK)
            return pwi_http_send_error(rq, &err);
        free(rq->body);
        rq->body = jl;
        rq->len = jlen;
    }
    rq->records = 1;
    rq->user = reg->user;
    return MHD_YES;
}

/* POST assess: the engine as a service (http_assess.h). Who may assess
 * is who may read a case and the engine's recommendation for it (the
 * CASE row of the permission matrix, docs/registry.md "POST
 * /api/v1/assess"); the request is audited through the group commit like
 * a read, its answer held back until the entry is durable. The entry
 * names the regime and the number of cases, never a case's contents: the
 * service keeps nothing of what it was sent. */
enum MHD_Result pwi_h_assess(pwi_http *h, pwi_reg *reg, req *rq)
{
    pw_error err;
    pw_error_clear(&err);
    if (pwi_reg_require(reg, PWI_READ, PWI_OBJ_CASE, "assess", &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    if (rq->len > PWI_ASSESS_MAX_BODY)
        return pwi_http_send_simple_error(rq, MHD_HTTP_CONTENT_TOO_LARGE,
                                 "body too large for assess (at most 256 KiB)");
    char *out = NULL, regime[128], object[160], detail[64];
    size_t len = 0, n = 0;
    if (pwi_assess_run(h->assess, rq->body ? rq->body : "", rq->len, &out, &len, &n, regime,
                       sizeof regime, &err) != PW_OK)
        return pwi_http_send_error(rq, &err);
    snprintf(object, sizeof object, "regime:%s", regime);
    snprintf(detail, sizeof detail, "%zu case%s", n, n == 1 ? "" : "s");
    pwi_audit_entry e = {"assess", object, detail};
    if (pwi_http_defer_audit(rq, &reg->user, &e, 1, &err) != PW_OK) {
        free(out);
        return pwi_http_send_error(rq, &err);
    }
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", out, len);
}

/* GET openapi.json: the description of every route below, kept as a data
 * file (data/web/openapi.json, built into the program). */
enum MHD_Result pwi_h_openapi(req *rq)
{
    size_t n = 0;
    const char *doc = pw_data_get("web/openapi.json", &n);
    char *b = doc ? malloc(n) : NULL;
    if (!b)
        return pwi_http_send_simple_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "no API description");
    memcpy(b, doc, n);
    return pwi_http_send_buf(rq, MHD_HTTP_OK, "application/json", b, n);
}
