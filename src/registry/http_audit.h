/*
 * Group commit of the HTTP server's audit entries and POST /records bodies
 * (internal): the server's one writer thread.
 *
 * Why: every read of a person's data is audited, and the entry must be
 * durable before the data is sent. One transaction per read costs one fsync
 * per request (about 260 reads/s on the CI disk). Instead, a request
 * computes its answer, hands its entries to this writer and is suspended
 * (MHD_suspend_connection), which frees its pool thread for other
 * connections; one writer thread appends every entry queued so far in one
 * transaction on its own connection and, once the commit is durable, calls
 * each request's callback, which resumes it and lets the answer go out.
 * Under load one fsync covers every request in flight, and no answer
 * leaves before its entry is on disk, in the chain, in queue order.
 */
#ifndef PWI_HTTP_AUDIT_H
#define PWI_HTTP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

typedef struct pwi_audit_batcher pwi_audit_batcher;

/* Called on the writer thread once the entries are committed (rc PW_OK) or
 * the batch failed (rc and err say why; nothing of it was written). */
typedef void (*pwi_audit_done_fn)(void *arg, int rc, const pw_error *err);

/* Opens the writer's own registry connection and starts its thread. */
int pwi_audit_batcher_start(const char *db_url, pwi_audit_batcher **out, pw_error *err);

/*
 * Queues `n` entries as `user` (all copied; NULL for a client that has not
 * signed in, recorded as user id 0, as pwi_audit_append does) and returns
 * at once; `done` is
 * called later on the writer thread. PW_ENOMEM, or PW_EIO when stopping
 * (then `done` is not called).
 */
int pwi_audit_batcher_submit(pwi_audit_batcher *b, const pwi_user *user,
                             const pwi_audit_entry *e, size_t n,
                             pwi_audit_done_fn done, void *arg, pw_error *err);

/*
 * Group commit of POST /api/v1/records. Why: one transaction per request
 * costs one fsync each (about 200 requests/s on the CI disk, with p99
 * over a second under 32 clients). The body is imported by the writer, as
 * `user`, in a savepoint of its own (pwi_import_buffer_in) inside the
 * transaction shared with every job queued so far, so each request stays
 * all or nothing; `done` is called on the writer thread once the shared
 * COMMIT has returned: rc PW_OK with the records stored, a record error
 * for this body alone (nothing of it stored), or the batch's failure
 * (nothing of the batch stored). `body` is not copied and must stay valid
 * until then. PW_ENOMEM, or PW_EIO when stopping (then `done` is not
 * called).
 */
/* `stored_json`: the stored records as a JSON array (canonical names in
 * place of aliases), when rc is PW_OK; else NULL. */
typedef void (*pwi_records_done_fn)(void *arg, int rc, int64_t stored, const char *stored_json,
                                    const pw_error *err);
int pwi_audit_batcher_submit_records(pwi_audit_batcher *b, const pwi_user *user,
                                     const char *body, size_t len,
                                     pwi_records_done_fn done, void *arg, pw_error *err);

/* Writes what is queued, then stops the thread and closes the connection;
 * later submissions fail with PW_EIO. The memory stays valid for them. */
void pwi_audit_batcher_stop(pwi_audit_batcher *b);
/* Stops (if needed) and frees. */
void pwi_audit_batcher_free(pwi_audit_batcher *b);

/* Bounds the gather window (http_audit.c, writer()): after a commit the
 * writer waits at most this long, and never longer than that commit took,
 * for the clients it just answered to come back. 0 turns it off (each
 * commit takes what is queued at once). Default 5000 us. */
void pwi_audit_batcher_set_gather(pwi_audit_batcher *b, long max_us);

/* A floor for the window (default 0: the fsync's time alone), still under
 * the bound. For tests, whose clients must not depend on the speed of the
 * disk under them. */
void pwi_audit_batcher_set_gather_floor(pwi_audit_batcher *b, long min_us);

/* Requests and commits so far (for the benchmark). */
void pwi_audit_batcher_counts(pwi_audit_batcher *b, long *requests, long *commits);

#endif /* PWI_HTTP_AUDIT_H */
