/*
 * The HTTP server's guard against slow clients (internal).
 *
 * Why: libmicrohttpd's connection timeout is an idle timer that restarts
 * on every byte received, so a client that sends one header byte every few
 * seconds holds its connection (and a slot of the connection limit) for
 * ever; a thousand such clients deny service to everyone else. The guard
 * gives every request a deadline that does not move: from the moment the
 * connection is accepted (or the previous request on it completed) to the
 * last byte of the request, headers and body. A connection whose request
 * is not all in by then is cut (its socket is shut down, so MHD sees the
 * end of the stream and closes it; no answer is sent, as for MHD's own
 * idle timeout). A connection with bytes waiting unread in its socket is
 * not cut: there the server is behind (a busy pool thread), not the
 * client; it is looked at again at the next check. While the request is
 * being answered there is no deadline
 * (the answer may wait for the audit commit, and a large answer to a slow
 * reader is bounded by the idle timeout and the per-address limit).
 *
 * The per-address connection limit is MHD's own (the daemon option); this
 * module is only the deadline.
 *
 * How: MHD tells the guard of every connection it accepts and closes
 * (pwi_guard_notify, its MHD_OPTION_NOTIFY_CONNECTION callback); the guard
 * keeps them in a list with their deadline, and a thread of its own walks
 * the list every PWI_GUARD_TICK_MS and shuts down the sockets whose
 * deadline has passed. MHD reports a connection closed before it closes
 * its socket, and both take the list's mutex, so the guard never shuts
 * down a descriptor that has been closed and reused.
 */
#ifndef PWI_HTTP_GUARD_H
#define PWI_HTTP_GUARD_H

#include <microhttpd.h>

#include "pathways/core.h"

/* How often the deadlines are checked: a connection is cut at most this
 * long after its deadline. */
#define PWI_GUARD_TICK_MS 100

typedef struct pwi_guard pwi_guard;

/* Starts the guard's thread; every request gets `deadline_ms` (>= 1). */
int pwi_guard_start(unsigned deadline_ms, pwi_guard **out, pw_error *err);
/* Stops the thread and frees the guard. Call after MHD_stop_daemon (which
 * reports every connection closed). NULL is a no-op. */
void pwi_guard_stop(pwi_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the guard. */
void pwi_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
/* The request on `c` is all in (headers and body): no deadline until it
 * has been answered. */
void pwi_guard_request_in(struct MHD_Connection *c);
/* The request on `c` has been answered (MHD_OPTION_NOTIFY_COMPLETED): the
 * next request on the connection has `deadline_ms` from now. */
void pwi_guard_request_done(pwi_guard *g, struct MHD_Connection *c);

/* Connections cut at their deadline so far. */
long pwi_guard_cut_count(pwi_guard *g);

#endif /* PWI_HTTP_GUARD_H */
