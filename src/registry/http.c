/*
 * The registry's HTTP API over libmicrohttpd (see http.h for the routes).
 *
 * Threading: MHD runs a pool of threads, each serving its own connections.
 * The database API is not thread-safe, so each pool thread opens its own
 * registry handle on first use (pthread key, closed when the thread ends).
 * SQLite serialises writers (BEGIN IMMEDIATE, busy timeout) and WAL lets
 * readers run beside them; PostgreSQL handles concurrency itself.
 *
 * Every request is authenticated afresh from its bearer token, and every
 * handler goes through the same permission checks and audit entries as the
 * command line (report.c, import, auth.c), so the API can show nothing the
 * CLI would not.
 *
 * A request's life: on_request buffers the body; dispatch runs the handler,
 * which leaves its answer in the request (send_buf) and, for audited reads,
 * its audit entries too (defer_audit), or for POST /records marks the body
 * for the writer; finish sends the answer at once, or suspends the
 * connection and hands the entries (or the body) to the group-commit
 * writer (http_audit.c), which resumes it once they are durable; on_request
 * then calls finish again and the answer goes out. A client address with
 * too many failed tokens is refused before any of this (http_throttle.h).
 * The handlers themselves are in http_handlers.c; the daemon's set-up and
 * its limits on slow clients are in http_daemon.c and http_guard.c.
 */
#include "http.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "audit.h"
#include "auth.h"
#include "http_assess.h"
#include "http_audit.h"
#include "http_guard.h"
#include "http_int.h"
#include "http_throttle.h"
#include "http_static.h"
#include "http_tls.h"
#include "reg.h"
#include "http_handlers.h"
#include "http_req.h"

typedef pwi_http_req req;

void pwi_http_thread_reg_free(void *p)
{
    pwi_reg_close(p);
}

/* The calling pool thread's registry (opened on first use, no user). */
static pwi_reg *thread_reg(pwi_http *h, pw_error *err)
{
    pwi_reg *reg = pthread_getspecific(h->key);
    if (reg)
        return reg;
    if (pwi_reg_open(h->db_url, NULL, &reg, err) != PW_OK)
        return NULL;
    /* Every audit commit invalidates the page cache of every other
     * connection; with the file memory-mapped, re-reading a page is a
     * memory access instead of a pread() system call. */
    if (pwi_db_kind_of(reg->db) == PWI_DB_SQLITE &&
        pwi_db_exec(reg->db, "PRAGMA mmap_size = 268435456", err) != PW_OK) {
        pwi_reg_close(reg);
        return NULL;
    }
    if (pthread_setspecific(h->key, reg) != 0) {
        pwi_reg_close(reg);
        pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "pthread_setspecific failed");
        return NULL;
    }
    return reg;
}

/* ---- Responses ------------------------------------------------------- */

static enum MHD_Result queue_now(struct MHD_Connection *c, unsigned code, const char *type,
                                 char *buf, size_t len, unsigned retry_after, int tls)
{
    /* MHD takes ownership of buf and frees it with free(). */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    pwi_http_security_headers(r, tls);
    if (code == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"pathways\"");
    if (code == MHD_HTTP_TOO_MANY_REQUESTS) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- Authentication -------------------------------------------------- */

/* The client's address as text, for audit details ("-" if unknown). */
static const struct sockaddr *client_addr(struct MHD_Connection *c, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(buf, n, "-");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)n);
    return sa;
}

/* Signs the request's bearer token into reg->user. A wrong token is
 * audited as "login_failed" (in its own transaction, with the client's
 * address) so that guessing is on record, and counted against the address
 * (http_throttle.h); the message never says whether the token exists. */
static int authenticate(pwi_http *srv, pwi_reg *reg, struct MHD_Connection *c, pw_error *err)
{
    reg->has_user = 0;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    const char *tok = NULL;
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        tok = h + 7;
    while (tok && *tok == ' ')
        tok++;
    if (!tok || !*tok)
        return pw_error_set(err, PW_EAUTH, NULL, 0, "Authorization",
                            "a bearer token is required");
    int rc = pwi_auth_token(reg->db, tok, &reg->user, err);
    if (rc == PW_OK) {
        reg->has_user = 1;
        return PW_OK;
    }
    if (rc == PW_EAUTH) {
        char addr[INET6_ADDRSTRLEN + 8], detail[INET6_ADDRSTRLEN + 16];
        const struct sockaddr *sa = client_addr(c, addr, sizeof addr);
        if (srv->throttle)
            pwi_throttle_fail(srv->throttle, sa, pwi_throttle_now_ms());
        snprintf(detail, sizeof detail, "client %s", addr);
        pw_error e2;
        pw_error_clear(&e2);
        if (pwi_db_begin(reg->db, &e2) == PW_OK) {
            if (pwi_reg_audit(reg, "login_failed", "http", detail, &e2) == PW_OK)
                pwi_db_commit(reg->db, &e2);
            else
                pwi_db_rollback(reg->db);
        }
        pw_error_set(err, PW_EAUTH, NULL, 0, "Authorization", "unknown or revoked token");
    }
    return rc;
}

/* Writer thread: the request's entries are committed (or failed). */
static void audited(void *arg, int rc, const pw_error *err)
{
    req *rq = arg;
    rq->audit_rc = rc;
    if (rc != PW_OK)
        rq->audit_err = *err;
    rq->state = REQ_AUDITED;
    MHD_resume_connection(rq->conn);
}

/* Writer thread: the body's records are committed, or failed. */
static void records_done(void *arg, int rc, int64_t stored, const char *stored_json,
                         const pw_error *err)
{
    req *rq = arg;
    if (rc == PW_OK) {
        /* The records as stored, so that a form can show what was saved. */
        json_t *recs = stored_json ? json_loads(stored_json, 0, NULL) : NULL;
        json_t *doc = json_pack("{s:I}", "committed", (json_int_t)stored);
        if (recs)
            json_object_set_new(doc, "stored", recs);
        pwi_http_send_json(rq, MHD_HTTP_CREATED, doc);
    } else
        pwi_http_send_error(rq, err);
    rq->audit_rc = PW_OK; /* the answer above is the one to send */
    rq->state = REQ_AUDITED;
    MHD_resume_connection(rq->conn);
}

/* ---- Dispatch -------------------------------------------------------- */

/* 1 if the client's address is blocked for failed tokens: the answer is a
 * 429 with Retry-After, given without looking at the token, and the
 * refusal is audited ("throttled") through the group commit like a read,
 * so a flood of refused requests costs one commit per batch, not one each. */
static int throttled(pwi_http *h, req *rq)
{
    if (!h->throttle)
        return 0;
    char addr[INET6_ADDRSTRLEN + 8];
    const struct sockaddr *sa = client_addr(rq->conn, addr, sizeof addr);
    unsigned wait = pwi_throttle_check(h->throttle, sa, pwi_throttle_now_ms());
    if (!wait)
        return 0;
    char detail[INET6_ADDRSTRLEN + 48];
    snprintf(detail, sizeof detail, "client %s, retry after %u s", addr, wait);
    pwi_audit_entry e = {"throttled", "http", detail};
    pw_error err;
    pw_error_clear(&err);
    if (pwi_http_defer_audit(rq, NULL, &e, 1, &err) != PW_OK) {
        pwi_http_pending_free(rq);
        pwi_http_send_error(rq, &err);
        return 1;
    }
    rq->retry_after = wait;
    pwi_http_send_simple_error(rq, MHD_HTTP_TOO_MANY_REQUESTS,
                      "too many failed tokens from this address; retry later");
    return 1;
}

/* ---- Routes ---------------------------------------------------------- */

/* The handlers as the route table calls them: `arg` is the path segment
 * that matched the route's "{...}" (NULL when it has none). */
typedef void (*route_fn)(pwi_http *h, pwi_reg *reg, req *rq, const char *arg);
#define ROUTE_FN(name, call)                                                 \
    static void name(pwi_http *h, pwi_reg *reg, req *rq, const char *arg)    \
    {                                                                        \
        (void)h, (void)reg, (void)arg;                                       \
        call;                                                                \
    }
ROUTE_FN(r_health, pwi_http_send_json(rq, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok")))
ROUTE_FN(r_openapi, pwi_h_openapi(rq))
ROUTE_FN(r_stats, pwi_h_stats(reg, rq))
ROUTE_FN(r_me, pwi_h_me(reg, rq))
ROUTE_FN(r_episodes, pwi_h_episode_list(reg, rq))
ROUTE_FN(r_report, pwi_h_report(reg, rq, arg))
ROUTE_FN(r_episode, pwi_h_episode(reg, rq, arg))
ROUTE_FN(r_records, pwi_h_records(reg, rq))
ROUTE_FN(r_users, pwi_h_user_add(reg, rq))
ROUTE_FN(r_audit, pwi_h_audit_list(reg, rq))
ROUTE_FN(r_audit_verify, pwi_h_audit_verify(reg, rq))
ROUTE_FN(r_assess, pwi_h_assess(h, reg, rq))
ROUTE_FN(r_dictionary, pwi_h_dictionary(rq))

/*
 * Every route the API answers, under /api/v1/ ("{x}": one path segment,
 * handed to the handler). This table is the dispatch itself, and the
 * routes' list for tests/registry/test_openapi.c, which fails unless
 * data/web/openapi.json describes exactly these: a new endpoint is one
 * line here and one entry there. `open` routes need no token (and are
 * answered before the body-size, throttle and token checks).
 */
static const struct route {
    const char *method;
    const char *path;
    int open;
    route_fn fn;
} routes[] = {
    {"GET", "health", 1, r_health},
    {"GET", "openapi.json", 1, r_openapi},
    {"GET", "me", 0, r_me},
    {"GET", "stats", 0, r_stats},
    {"GET", "reports/{kind}", 0, r_report},
    {"GET", "episodes", 0, r_episodes},
    {"GET", "episodes/{id}", 0, r_episode},
    {"POST", "records", 0, r_records},
    {"GET", "dictionary", 0, r_dictionary},
    {"POST", "users", 0, r_users},
    {"GET", "audit", 0, r_audit},
    {"GET", "audit/verify", 0, r_audit_verify},
    {"POST", "assess", 0, r_assess},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

size_t pwi_http_route_count(void)
{
    return N_ROUTES;
}

const char *pwi_http_route(size_t i, const char **method, int *open)
{
    assert(i < N_ROUTES);
    if (method)
        *method = routes[i].method;
    if (open)
        *open = routes[i].open;
    return routes[i].path;
}

/* 1 if `p` matches the route's path; *arg is then the segment that
 * matched its "{...}" (NUL-terminated: a parameter is always the last
 * segment, checked by the assert). */
static int path_match(const char *tmpl, const char *p, const char **arg)
{
    *arg = NULL;
    while (*tmpl) {
        if (*tmpl == '{') {
            assert(strchr(tmpl, '}') && !strchr(tmpl, '}')[1]);
            if (!*p || strchr(p, '/'))
                return 0;
            *arg = p;
            return 1;
        }
        if (*tmpl++ != *p++)
            return 0;
    }
    return *p == '\0';
}

/* The route for (method, p): *found_path says whether any route has the
 * path at all (then a wrong method is a 405, not a 404). Only routes
 * whose `open` equals want_open are looked at. */
static const struct route *route_find(const char *method, const char *p, int want_open,
                                      int *found_path, const char **arg)
{
    *found_path = 0;
    for (size_t i = 0; i < N_ROUTES; i++) {
        const char *a;
        if (routes[i].open != want_open || !path_match(routes[i].path, p, &a))
            continue;
        *found_path = 1;
        if (strcmp(routes[i].method, method) == 0) {
            *arg = a;
            return &routes[i];
        }
    }
    return NULL;
}

/* Runs the handler of a request; its answer is left in rq (send_buf). */
static void dispatch(pwi_http *h, const char *url, const char *method, req *rq)
{
    static const char prefix[] = "/api/v1/";
    if (strncmp(url, prefix, sizeof prefix - 1) != 0) {
        pwi_http_send_simple_error(rq, MHD_HTTP_NOT_FOUND, "unknown path");
        return;
    }
    const char *p = url + sizeof prefix - 1;
    const char *arg = NULL;
    int found;

    const struct route *rt = route_find(method, p, 1, &found, &arg);
    if (rt || found) {
        if (rt)
            rt->fn(h, NULL, rq, arg);
        else
            pwi_http_send_simple_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
        return;
    }
    if (rq->too_large) {
        pwi_http_send_simple_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "body too large");
        return;
    }

    if (throttled(h, rq))
        return;
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = thread_reg(h, &err);
    if (!reg) {
        pwi_http_send_error(rq, &err);
        return;
    }
    if (authenticate(h, reg, rq->conn, &err) != PW_OK) {
        pwi_http_send_error(rq, &err);
        return;
    }

    rt = route_find(method, p, 0, &found, &arg);
    if (rt)
        rt->fn(h, reg, rq, arg);
    else if (found)
        pwi_http_send_simple_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
    else
        pwi_http_send_simple_error(rq, MHD_HTTP_NOT_FOUND, "unknown path");
    /* A handler that failed mid-way must not leave a transaction open on
     * this thread's connection for the next request. */
    if (pwi_db_in_tx(reg->db))
        pwi_db_rollback(reg->db);
    reg->has_user = 0;
}

/* Sends the held answer: at once when there is nothing to audit, else
 * after handing the entries to the writer and suspending the connection
 * (the writer resumes it; on_request then comes back here). */
static enum MHD_Result finish(pwi_http *h, req *rq)
{
    if (rq->state == REQ_AUDITED) {
        if (rq->audit_rc != PW_OK) {
            /* The disclosure could not be recorded: withhold the answer. */
            free(rq->out);
            rq->out = NULL;
            pwi_http_send_error(rq, &rq->audit_err);
        }
    } else if (rq->records) {
        pw_error err;
        pw_error_clear(&err);
        rq->records = 0;
        /* As below: suspended before the writer can answer and resume. */
        MHD_suspend_connection(rq->conn);
        rq->state = REQ_WAITING;
        if (pwi_audit_batcher_submit_records(h->audit, &rq->user, rq->body, rq->len,
                                             records_done, rq, &err) == PW_OK)
            return MHD_YES;
        pwi_http_send_error(rq, &err);
        rq->state = REQ_AUDITED;
        rq->audit_rc = PW_OK;
        MHD_resume_connection(rq->conn);
        return MHD_YES;
    } else if (rq->npending > 0 &&
               (rq->code < 300 || rq->code == MHD_HTTP_TOO_MANY_REQUESTS)) {
        pw_error err;
        pw_error_clear(&err);
        /* Suspend before submitting: the writer may finish at once and
         * resume us from its thread. */
        MHD_suspend_connection(rq->conn);
        rq->state = REQ_WAITING;
        int rc = pwi_audit_batcher_submit(h->audit, rq->anon ? NULL : &rq->user, rq->pending,
                                          rq->npending, audited, rq, &err);
        pwi_http_pending_free(rq);
        if (rc == PW_OK)
            return MHD_YES;
        free(rq->out);
        rq->out = NULL;
        pwi_http_send_error(rq, &err);
        rq->state = REQ_AUDITED;
        rq->audit_rc = PW_OK;
        MHD_resume_connection(rq->conn);
        return MHD_YES;
    }
    pwi_http_pending_free(rq);
    if (!rq->out)
        return MHD_NO;
    char *out = rq->out;
    rq->out = NULL;
    return queue_now(rq->conn, rq->code, rq->type, out, rq->outlen, rq->retry_after,
                     h->use_tls);
}

enum MHD_Result pwi_http_on_request(void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    (void)version;
    pwi_http *h = cls;
    req *rq = *con_cls;
    if (!rq) {
        /* First call for this request: headers only. */
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->conn = c;
        *con_cls = rq;
        return MHD_YES;
    }
    if (rq->state == REQ_AUDITED)
        return finish(h, rq); /* resumed by the audit writer */
    if (rq->state == REQ_WAITING)
        return MHD_YES; /* not resumed yet (should not be called) */
    if (*upload_size > 0) {
        /* Buffer the body; past the limit keep draining but remember. */
        if (!rq->too_large && rq->len + *upload_size > PWI_HTTP_MAX_BODY) {
            rq->too_large = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
        }
        if (!rq->too_large) {
            if (rq->len + *upload_size + 1 > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 4096;
                while (cap < rq->len + *upload_size + 1)
                    cap *= 2;
                char *b = realloc(rq->body, cap);
                if (!b)
                    return MHD_NO;
                rq->body = b;
                rq->cap = cap;
            }
            memcpy(rq->body + rq->len, upload, *upload_size);
            rq->len += *upload_size;
            rq->body[rq->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    /* The request is all in: its deadline no longer runs (http_guard.h). */
    pwi_guard_request_in(c);
    /* Everything outside the API is the web front-end's files. */
    if (strncmp(url, "/api/", 5) != 0)
        return pwi_http_static(c, url, method, h->use_tls);
    dispatch(h, url, method, rq);
    return finish(h, rq);
}

void pwi_http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    pwi_http *h = cls;
    (void)toe;
    /* The next request on this connection has a deadline of its own. */
    pwi_guard_request_done(h->guard, c);
    req *rq = *con_cls;
    if (rq) {
        pwi_http_pending_free(rq);
        free(rq->out);
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}
