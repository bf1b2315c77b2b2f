/*
 * Security headers on libmicrohttpd's own error pages.
 *
 * Why: a request MHD cannot parse never reaches our handler: MHD answers
 * it itself, with a fixed HTML page (400 malformed request line or header,
 * 413 chunk too large, 414 URI too long, 431 header too large, 505 HTTP
 * version not supported). Those answers would carry none of the headers
 * every other answer of the server has (CSP, nosniff, no framing, HSTS
 * over TLS: pwi_http_security_headers), and libmicrohttpd 0.9.75 (Debian
 * 12) has no option or callback for them.
 *
 * How: MHD builds each of them with MHD_create_response_from_buffer and
 * sends it with MHD_queue_response, which it calls through its procedure
 * linkage table like any exported function, so a definition in the
 * program takes its place (as a program's malloc takes libc's). This one
 * adds the headers to any answer that lacks them and hands it on to the
 * library's own function (dlsym RTLD_NEXT). Our own answers already carry
 * the headers and pass through unchanged. If a future libmicrohttpd bound
 * its internal calls directly (-Bsymbolic), its pages would lose the
 * headers again: test_http_errpage checks them with raw requests.
 *
 * This file must be linked into every program that runs the server: it
 * is, because http.c calls MHD_queue_response, which the linker resolves
 * from this member of the pw_registry archive before libmicrohttpd.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <microhttpd.h>

#include "http_static.h"

typedef enum MHD_Result (*queue_fn)(struct MHD_Connection *, unsigned int,
                                    struct MHD_Response *);

/* 1 if the connection's daemon speaks TLS (for Strict-Transport-Security). */
static int conn_tls(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    if (!ci || !ci->daemon)
        return 0;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS);
    return di && (di->flags & MHD_USE_TLS);
}

/* Default visibility although the parts are built with -fvisibility=hidden:
 * a hidden definition would not reach the program's dynamic symbol table,
 * and libmicrohttpd's calls would go to its own function. libpathways.so
 * keeps it local (src/lib/libpathways.map): a library must not replace a
 * function of its host program's libraries, so there MHD's own pages go
 * out without the headers (docs/python.md, "The C library"). */
__attribute__((visibility("default")))
enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    /* Looked up once; the pointer is the same for every thread, so a race
     * between two first calls stores the same value twice. */
    static queue_fn real;
    queue_fn q = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (!q) {
        /* POSIX lets a function pointer pass through void *. */
        *(void **)&q = dlsym(RTLD_NEXT, "MHD_queue_response");
        if (!q) {
            /* Cannot happen while libmicrohttpd is linked: this file is
             * only built into programs that link it. */
            fputs("pathways: MHD_queue_response not found in libmicrohttpd\n", stderr);
            abort();
        }
        __atomic_store_n(&real, q, __ATOMIC_RELEASE);
    }
    if (response && !MHD_get_response_header(response, "X-Content-Type-Options")) {
        /* One of MHD's own pages (ours all have the headers). Its body is
         * a short HTML text, or empty. */
        if (!MHD_get_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE))
            MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                    "text/html; charset=utf-8");
        MHD_add_response_header(response, "Cache-Control", "no-store");
        pwi_http_security_headers(response, conn_tls(connection));
    }
    return q(connection, status_code, response);
}
