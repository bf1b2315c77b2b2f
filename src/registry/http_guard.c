/*
 * The request deadline of the HTTP server (see http_guard.h).
 */
#include "http_guard.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

/* One accepted connection. `deadline_ms` is read by the guard's thread
 * and written by MHD's pool threads, so it is atomic; the list links are
 * under the guard's mutex. */
typedef struct conn {
    struct conn *prev, *next;
    int fd;
    int cut;                       /* shut down already (under mu) */
    _Atomic int64_t deadline_ms;   /* 0: the request is in, no deadline */
} conn;

struct pwi_guard {
    pthread_mutex_t mu;
    conn *head;              /* every open connection (under mu) */
    long nconn;              /* its length (under mu) */
    unsigned deadline_ms;
    atomic_int stop;
    atomic_long ncut;
    pthread_t thread;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The connection's entry, as pwi_guard_notify left it in MHD's socket
 * context (NULL if the guard is not in use). */
static conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Cuts every connection past its deadline; runs until stopped. */
static void *guard_main(void *arg)
{
    pwi_guard *g = arg;
    const struct timespec tick = {0, PWI_GUARD_TICK_MS * 1000000L};
    while (!atomic_load(&g->stop)) {
        nanosleep(&tick, NULL);
        int64_t now = now_ms();
        pthread_mutex_lock(&g->mu);
        for (conn *e = g->head; e; e = e->next) {
            int64_t d = atomic_load(&e->deadline_ms);
            if (e->cut || d == 0 || now < d)
                continue;
            /* Bytes waiting unread mean the server is behind (its pool
             * thread busy, say on a commit), not the client: look again at
             * the next tick. A healthy server reads a slow client's bytes
             * as they come, so this spares the attacker nothing. */
            int unread = 0;
            if (ioctl(e->fd, FIONREAD, &unread) == 0 && unread > 0)
                continue;
            /* Shutdown, not close: the descriptor stays MHD's, which sees
             * the stream end (epoll reports it) and closes the connection
             * in its own thread. The descriptor is still open here: MHD
             * tells us of the close (under mu) before it closes it. */
            shutdown(e->fd, SHUT_RDWR);
            e->cut = 1;
            atomic_fetch_add(&g->ncut, 1);
        }
        pthread_mutex_unlock(&g->mu);
    }
    return NULL;
}

int pwi_guard_start(unsigned deadline_ms, pwi_guard **out, pw_error *err)
{
    *out = NULL;
    if (deadline_ms == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "request-timeout", "must be positive");
    pwi_guard *g = calloc(1, sizeof *g);
    if (!g)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    g->deadline_ms = deadline_ms;
    pthread_mutex_init(&g->mu, NULL);
    if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
        pthread_mutex_destroy(&g->mu);
        free(g);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "cannot start the guard thread");
    }
    *out = g;
    return PW_OK;
}

void pwi_guard_stop(pwi_guard *g)
{
    if (!g)
        return;
    atomic_store(&g->stop, 1);
    pthread_join(g->thread, NULL);
    /* MHD_stop_daemon reported every connection closed. */
    assert(g->head == NULL && g->nconn == 0);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

void pwi_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    pwi_guard *g = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn *e = calloc(1, sizeof *e);
        /* Out of memory: the connection goes unguarded (MHD's idle timer
         * and the per-address limit still hold), rather than refused. */
        if (!e || !ci) {
            free(e);
            *socket_context = NULL;
            return;
        }
        e->fd = ci->connect_fd;
        atomic_store(&e->deadline_ms, now_ms() + g->deadline_ms);
        pthread_mutex_lock(&g->mu);
        e->next = g->head;
        if (g->head)
            g->head->prev = e;
        g->head = e;
        g->nconn++;
        pthread_mutex_unlock(&g->mu);
        *socket_context = e;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn *e = *socket_context;
        if (!e)
            return;
        pthread_mutex_lock(&g->mu);
        if (e->prev)
            e->prev->next = e->next;
        else
            g->head = e->next;
        if (e->next)
            e->next->prev = e->prev;
        g->nconn--;
        assert(g->nconn >= 0);
        pthread_mutex_unlock(&g->mu);
        free(e);
        *socket_context = NULL;
    }
}

void pwi_guard_request_in(struct MHD_Connection *c)
{
    conn *e = conn_of(c);
    if (e)
        atomic_store(&e->deadline_ms, 0);
}

void pwi_guard_request_done(pwi_guard *g, struct MHD_Connection *c)
{
    conn *e = conn_of(c);
    if (e)
        atomic_store(&e->deadline_ms, now_ms() + g->deadline_ms);
}

long pwi_guard_cut_count(pwi_guard *g)
{
    return atomic_load(&g->ncut);
}
