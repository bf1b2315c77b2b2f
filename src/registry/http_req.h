/*
 * One API request as http.c carries it through its life, and the calls a
 * handler answers it with (internal; defined in http_req.c).
 *
 * A handler never sends: it leaves its answer in the request
 * (pwi_http_send_*) and its audit entries too (pwi_http_defer_audit);
 * http.c sends the answer once the entries are durable.
 */
#ifndef PWI_HTTP_REQ_H
#define PWI_HTTP_REQ_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "report.h" /* pwi_audit_entry */
#include "auth.h"
#include "pathways/core.h"

/* Per-request state: the body as it arrives, then the answer while its
 * audit entries are being committed. */
typedef struct pwi_http_req {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    int too_large;
    /* The answer, held back until the audit entries are durable. */
    unsigned code;
    const char *type;
    char *out;
    size_t outlen;
    /* Audit entries the handler produced (deferred, see pwi_http_defer_audit). */
    pwi_audit_entry *pending;
    size_t npending;
    pwi_user user;
    int anon;              /* the entries have no signed-in user (429) */
    int records;           /* a POST /records body for the group commit */
    unsigned retry_after;  /* seconds, for a 429 */
    enum { REQ_NEW, REQ_WAITING, REQ_AUDITED } state;
    int audit_rc;
    pw_error audit_err;
} pwi_http_req;

/* Holds the answer in the request; it is sent once its audit entries (if
 * any) are committed. Takes ownership of buf (malloc'd). */
enum MHD_Result pwi_http_send_buf(pwi_http_req *rq, unsigned code, const char *type, char *buf,
                                  size_t len);
/* The document, compact, with a newline; takes the reference to doc. */
enum MHD_Result pwi_http_send_json(pwi_http_req *rq, unsigned code, json_t *doc);
/* {"error", "status", "code", "field", "line"}, with the HTTP status of
 * e->status: the facts the CLI prints on stderr. */
enum MHD_Result pwi_http_send_error(pwi_http_req *rq, const pw_error *e);
enum MHD_Result pwi_http_send_simple_error(pwi_http_req *rq, unsigned code, const char *msg);
/* The audit hook of the handlers (pwi_audit_hook.fn, ctx: the request):
 * records the entries in the request for the group commit. */
int pwi_http_defer_audit(void *ctx, const pwi_user *user, const pwi_audit_entry *e, size_t n,
                         pw_error *err);
/* Frees the entries not handed to the writer (after it took them, or when
 * the request ends). */
void pwi_http_pending_free(pwi_http_req *rq);

#endif /* PWI_HTTP_REQ_H */
