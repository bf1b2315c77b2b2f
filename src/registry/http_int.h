/*
 * What http.c (the requests: routing, handlers, answers) and
 * http_daemon.c (the daemon: options, start, stop) share (internal).
 */
#ifndef PWI_HTTP_INT_H
#define PWI_HTTP_INT_H

#include <pthread.h>
#include <stddef.h>

#include <microhttpd.h>

#include "http.h"
#include "http_assess.h"
#include "http_audit.h"
#include "http_guard.h"
#include "http_throttle.h"
#include "http_tls.h"

/* Bodies above this are refused with 413 (the rest is drained, not kept). */
#define PWI_HTTP_MAX_BODY (16u << 20)

struct pw_registry_server { /* pwi_http */
    struct MHD_Daemon *daemon;
    char *db_url;
    int port;
    pthread_key_t key; /* per-thread pwi_reg */
    pwi_audit_batcher *audit; /* the one writer: audit entries, POST bodies */
    pwi_throttle *throttle;   /* failed tokens per address; NULL: off */
    pwi_guard *guard;         /* the request deadline (http_guard.h) */
    pwi_assess *assess;       /* the built-in regimes, for POST assess */
    /* The PEM buffers MHD was given: it keeps pointers to them, so they
     * live as long as the daemon. Empty without TLS. */
    pwi_http_tls tls;
    int use_tls;
};

/* MHD's access handler and completion callback (cls: the pwi_http). */
enum MHD_Result pwi_http_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload, size_t *upload_size, void **con_cls);
void pwi_http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe);
/* Destructor of the per-thread registry handle (pthread key). */
void pwi_http_thread_reg_free(void *p);

#endif /* PWI_HTTP_INT_H */
