/*
 * A request's answer and its deferred audit entries (http_req.h): what a
 * handler leaves in the request for http.c to send once the entries are
 * durable.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dict.h"
#include "http_req.h"

typedef pwi_http_req req;

/* Holds the answer in the request; finish() sends it once its audit
 * entries (if any) are committed. Takes ownership of buf (malloc'd). */
enum MHD_Result pwi_http_send_buf(req *rq, unsigned code, const char *type, char *buf,
                                  size_t len)
{
    free(rq->out);
    rq->code = code;
    rq->type = type;
    rq->out = buf;
    rq->outlen = len;
    return MHD_YES;
}

enum MHD_Result pwi_http_send_json(req *rq, unsigned code, json_t *doc)
{
    size_t n = 0;
    char *b = pwi_json_dumps_line(doc, JSON_COMPACT, &n);
    json_decref(doc);
    if (!b)
        return MHD_NO;
    return pwi_http_send_buf(rq, code, "application/json", b, n);
}

/* The HTTP status for a pathways status code. */
static unsigned http_code(int status)
{
    switch (status) {
    case PW_EAUTH:
        return MHD_HTTP_UNAUTHORIZED;
    case PW_EPERM:
        return MHD_HTTP_FORBIDDEN;
    case PW_ENOTFOUND:
        return MHD_HTTP_NOT_FOUND;
    case PW_EPARSE:
    case PW_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case PW_ECONFLICT:
        return MHD_HTTP_CONFLICT;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* {"error": msg, "status": word, "field": f, "line": n}: the same facts
 * the CLI prints on stderr, so a client can point at the bad field. */
enum MHD_Result pwi_http_send_error(req *rq, const pw_error *e)
{
    int status = e->status ? e->status : PW_EDB;
    json_t *doc = json_object();
    json_object_set_new(doc, "error", json_string(e->msg[0] ? e->msg : pw_strstatus(status)));
    json_object_set_new(doc, "status", json_string(pw_strstatus(status)));
    /* A stable code beside the English message, for the front-end to say
     * in the user's language (dict.h). */
    json_object_set_new(doc, "code", json_string(pwi_error_code(e)));
    if (e->field[0])
        json_object_set_new(doc, "field", json_string(e->field));
    if (e->line > 0)
        json_object_set_new(doc, "line", json_integer(e->line));
    return pwi_http_send_json(rq, http_code(status), doc);
}

enum MHD_Result pwi_http_send_simple_error(req *rq, unsigned code, const char *msg)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "error", json_string(msg));
    return pwi_http_send_json(rq, code, doc);
}

/* The audit hook the handlers get: it only records the entries in the
 * request; finish() hands them to the group-commit writer and holds the
 * answer back until they are durable. */
int pwi_http_defer_audit(void *ctx, const pwi_user *user, const pwi_audit_entry *e, size_t n,
                       pw_error *err)
{
    req *rq = ctx;
    pwi_audit_entry *v = realloc(rq->pending, (rq->npending + n) * sizeof *v);
    if (!v)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    rq->pending = v;
    for (size_t i = 0; i < n; i++) {
        pwi_audit_entry *d = &v[rq->npending];
        d->action = strdup(e[i].action);
        d->object = strdup(e[i].object);
        d->detail = e[i].detail ? strdup(e[i].detail) : NULL;
        rq->npending++;
        if (!d->action || !d->object || (e[i].detail && !d->detail))
            return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (user)
        rq->user = *user;
    rq->anon = !user;
    return PW_OK;
}

void pwi_http_pending_free(req *rq)
{
    for (size_t i = 0; i < rq->npending; i++) {
        free((char *)rq->pending[i].action);
        free((char *)rq->pending[i].object);
        free((char *)rq->pending[i].detail);
    }
    free(rq->pending);
    rq->pending = NULL;
    rq->npending = 0;
}
