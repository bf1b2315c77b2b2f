/*
 * The registry's HTTP daemon: options, start and stop (http.c answers the
 * requests). Besides the thread pool and TLS, the daemon bounds what a
 * client can hold: connections in all and per client address (MHD's
 * limits), and the time to send a request (http_guard.h), so that slow
 * or idle clients from a few addresses cannot take the server from the
 * rest (docs/registry.md, "The network").
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "http_int.h"
#include "reg.h"

/* Frees what pwi_http_start set up before the daemon (any prefix of it). */
static void http_free(pwi_http *h, int key_made)
{
    if (!h)
        return;
    pwi_throttle_free(h->throttle);
    pwi_assess_free(h->assess);
    pwi_audit_batcher_free(h->audit);
    pwi_guard_stop(h->guard);
    if (key_made)
        pthread_key_delete(h->key);
    pwi_http_tls_free(&h->tls);
    free(h->db_url);
    free(h);
}

int pwi_http_start(const pwi_http_opts *opts, pwi_http **out, pw_error *err)
{
    *out = NULL;
    const char *bind = opts->bind ? opts->bind : "127.0.0.1";
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)opts->port);
    if (opts->port < 0 || opts->port > 65535)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "port", "must be 0..65535");
    if (inet_pton(AF_INET, bind, &sa.sin_addr) != 1)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "bind",
                            "'%s' is not an IPv4 address", bind);
    int use_tls = opts->tls_cert || opts->tls_key;
    if (use_tls && !(opts->tls_cert && opts->tls_key))
        return pw_error_set(err, PW_EINVAL, NULL, 0, opts->tls_cert ? "tls-key" : "tls-cert",
                            "--tls-cert and --tls-key go together");
    if (use_tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "tls-cert",
                            "this libmicrohttpd was built without TLS");

    /* Open once up front so a wrong path, key or schema is reported at
     * start-up instead of as a 500 on the first request. */
    pwi_reg *probe = NULL;
    int rc = pwi_reg_open(opts->db_url, NULL, &probe, err);
    if (rc != PW_OK)
        return rc;
    pwi_reg_close(probe);

    int key_made = 0;
    pwi_http *h = calloc(1, sizeof *h);
    if (!h)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    h->use_tls = use_tls;
    if (use_tls && (rc = pwi_http_tls_load(opts->tls_cert, opts->tls_key, &h->tls, err)) != PW_OK)
        goto fail;
    h->db_url = strdup(opts->db_url);
    if (!h->db_url || pthread_key_create(&h->key, pwi_http_thread_reg_free) != 0) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto fail;
    }
    key_made = 1;
    if ((rc = pwi_audit_batcher_start(opts->db_url, &h->audit, err)) != PW_OK)
        goto fail;
    if ((rc = pwi_assess_new(&h->assess, err)) != PW_OK)
        goto fail;
    if (opts->auth_fail_limit >= 0) {
        unsigned limit = opts->auth_fail_limit ? (unsigned)opts->auth_fail_limit
                                               : PWI_THROTTLE_LIMIT;
        unsigned window = opts->auth_fail_window > 0 ? (unsigned)opts->auth_fail_window
                                                     : PWI_THROTTLE_WINDOW;
        if ((rc = pwi_throttle_new(limit, window, &h->throttle, err)) != PW_OK)
            goto fail;
    }
    unsigned deadline_ms = opts->request_timeout_ms > 0 ? (unsigned)opts->request_timeout_ms
                                                        : PWI_HTTP_REQUEST_TIMEOUT * 1000u;
    if ((rc = pwi_guard_start(deadline_ms, &h->guard, err)) != PW_OK)
        goto fail;
    unsigned max_conns = opts->max_conns > 0 ? (unsigned)opts->max_conns : PWI_HTTP_MAX_CONNS;
    /* MHD's 0 means no per-address limit. */
    unsigned per_addr = opts->per_addr_limit < 0    ? 0u
                        : opts->per_addr_limit == 0 ? PWI_HTTP_PER_ADDR
                                                    : (unsigned)opts->per_addr_limit;
    int threads = opts->threads;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 2;
    }
    /* The TLS options go in an array so the one call serves both cases;
     * without TLS the array is empty. MHD keeps the pointers, not copies. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls.cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls.key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)PWI_HTTP_TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem no_opts[] = {{MHD_OPTION_END, 0, NULL}};
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            (use_tls ? MHD_USE_TLS : 0),
        0, NULL, NULL, pwi_http_on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_NOTIFY_COMPLETED, pwi_http_on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, pwi_guard_notify, h->guard,
        /* The idle timer (restarted by every byte) stays for a client
         * that stops reading an answer; the guard's deadline is for one
         * that sends its request slowly. */
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_addr,
        MHD_OPTION_ARRAY, use_tls ? tls_opts : no_opts,
        MHD_OPTION_END);
    if (!h->daemon) {
        /* MHD does not report why; errno is not reliable here. The
         * certificate and key were checked above, so with TLS the likely
         * cause is still the socket. */
        rc = pw_error_set(err, PW_EIO, NULL, 0, "port",
                          "cannot listen on %s:%d (port in use, or not an "
                          "address of this host%s)", bind, opts->port,
                          use_tls ? "; or TLS could not be set up" : "");
        goto fail;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : opts->port;
    *out = h;
    return PW_OK;
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name: it frees what was half built. */
    http_free(h, key_made);
    return rc;
}

int pwi_http_port(const pwi_http *h)
{
    return h->port;
}

void pwi_http_counts(pwi_http *h, long *jobs, long *commits)
{
    pwi_audit_batcher_counts(h->audit, jobs, commits);
}

void pwi_http_set_gather(pwi_http *h, long max_us)
{
    pwi_audit_batcher_set_gather(h->audit, max_us);
}

void pwi_http_stop(pwi_http *h)
{
    if (!h)
        return;
    /* Stop accepting, let the writer commit what is queued (it resumes
     * those requests), then join the pool threads; their registry handles
     * are closed by the key's destructor as each thread exits. */
    MHD_quiesce_daemon(h->daemon);
    pwi_audit_batcher_stop(h->audit);
    MHD_stop_daemon(h->daemon);
    /* The daemon is gone, so nothing points at the key's buffer any more:
     * http_free wipes it before freeing. */
    http_free(h, 1);
}

/* The public names of the four calls `pathways serve` makes. */
int pw_registry_serve_start(const pw_registry_serve_opts *opts, pw_registry_server **out,
                            pw_error *err)
{
    return pwi_http_start(opts, out, err);
}

int pw_registry_serve_port(const pw_registry_server *s)
{
    return pwi_http_port(s);
}

void pw_registry_serve_counts(pw_registry_server *s, long *jobs, long *commits)
{
    pwi_http_counts(s, jobs, commits);
}

void pw_registry_serve_stop(pw_registry_server *s)
{
    pwi_http_stop(s);
}
