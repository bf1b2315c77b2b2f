/*
 * http_audit.c: group commit of audit entries (see http_audit.h).
 */
#include "http_audit.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "reg.h"

/* One request's work: audit entries (copied, so the request may go on
 * meanwhile), or a body of import records (not copied: the request is
 * suspended and keeps it until `rdone` is called). */
typedef struct job {
    pwi_user user;
    int anon; /* no signed-in user (a refused client): user id 0, "-" */
    size_t n;
    char **strs; /* 3 per entry: action, object, detail (may be NULL) */
    pwi_audit_done_fn done;
    /* Records (when rdone is set): the body, then what became of it. */
    const char *body;
    size_t len;
    pwi_records_done_fn rdone;
    int rc;
    int64_t stored;
    char *stored_json; /* the records as stored (JSON array) */
    pw_error err;
    void *arg;
    struct job *next;
} job;

struct pwi_audit_batcher {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or stop (CLOCK_MONOTONIC) */
    job *head, *tail;
    long queued; /* jobs in head..tail */
    int stop;
    long gather_max_us; /* the gather window's bound (see writer()) */
    long gather_min_us; /* its floor: 0 but in tests (set_gather_floor) */
    pthread_t thread;
    pwi_reg *reg;
    long jobs, batches;
};

/* The gather window's default bound: 5 ms, a tenth of the p99 goal of
 * an audited read; never waited when the clients come back sooner. */
#define GATHER_MAX_US 5000L

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void job_free(job *j)
{
    free(j->stored_json);
    for (size_t i = 0; i < 3 * j->n; i++)
        free(j->strs[i]);
    free(j->strs);
    free(j);
}

/* Imports one job's records as its user, in a savepoint of their own. A
 * bad record fails only this job; a database failure fails the batch. */
static int write_records(pwi_audit_batcher *b, job *j, pw_error *err)
{
    pwi_reg *reg = b->reg;
    reg->user = j->user;
    reg->has_user = 1;
    pw_error_clear(&j->err);
    json_t *recs = json_array();
    j->rc = pwi_import_buffer_in_stored(reg, j->body, j->len, "body", &j->stored, recs,
                                        &j->err);
    if (j->rc == PW_OK)
        j->stored_json = json_dumps(recs, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(recs);
    reg->has_user = 0;
    if (j->rc == PW_OK || pwi_import_is_record_error(j->rc))
        return PW_OK;
    *err = j->err;
    return j->rc;
}

/* Writes one batch in one transaction, then answers every job in it. A
 * job of records is all or nothing inside it (its own savepoint): a bad
 * record fails that job alone, and its request gets the error. If anything
 * else fails (an audit entry, the database, the COMMIT), the whole batch is
 * rolled back and every job fails: its request answers 500 and discloses
 * nothing, and no record of it is stored. Nothing is answered before the
 * COMMIT has returned, so every 201 is durable. */
static void write_batch(pwi_audit_batcher *b, job *batch, long long *commit_us)
{
    pw_error err;
    pw_error_clear(&err);
    int rc = pwi_db_begin(b->reg->db, &err);
    /* Records insert rows before their first audit entry: take the audit
     * lock first, as every importer does (audit.h: no deadlock on
     * PostgreSQL), outside any savepoint so that it holds to COMMIT. */
    if (rc == PW_OK)
        rc = pwi_audit_lock(b->reg->db, &err);
    for (job *j = batch; rc == PW_OK && j; j = j->next) {
        if (j->rdone) {
            rc = write_records(b, j, &err);
            continue;
        }
        for (size_t i = 0; rc == PW_OK && i < j->n; i++)
            rc = pwi_audit_append(b->reg->db, b->reg->keys.audit, j->anon ? NULL : &j->user,
                                  j->strs[3 * i], j->strs[3 * i + 1], j->strs[3 * i + 2],
                                  &err);
    }
    long long t0 = now_us();
    if (rc == PW_OK)
        rc = pwi_db_commit(b->reg->db, &err);
    else
        pwi_db_rollback(b->reg->db);
    *commit_us = now_us() - t0;
    while (batch) {
        job *next = batch->next;
        if (!batch->rdone)
            batch->done(batch->arg, rc, &err);
        else if (rc != PW_OK)
            batch->rdone(batch->arg, rc, 0, NULL, &err);
        else
            batch->rdone(batch->arg, batch->rc, batch->rc == PW_OK ? batch->stored : 0,
                         batch->rc == PW_OK ? batch->stored_json : NULL, &batch->err);
        job_free(batch);
        batch = next;
    }
}

/*
 * Why the gather window: with clients that send their next request as soon
 * as the answer arrives (a browser, a load generator, a court's batch
 * client), the requests answered by commit k come back while commit k+1 is
 * already on disk, so they miss it and wait for k+2. The clients then split
 * into two halves that take turns, each commit carries half of them, and a
 * slow fsync halves the throughput. So after a commit the writer waits
 * until the clients it answered are back, that is until the queue has
 * grown by as many jobs as the last batch held (not merely holds that
 * many: the other half, queued meanwhile, would fill it and keep the
 * halves apart), or until a window has passed: as long as the last COMMIT
 * (its fsync) took, at most gather_max_us: the fsync is the cost a bigger
 * batch shares, while the work of writing the entries grows with them. No
 * wait follows a batch that held POST bodies (see writer()). The window
 * counts from the end of the last commit, so the first job after a quiet
 * spell is written at once, and a job never waits longer than one more
 * fsync, which is what the alternation already cost it.
 */
static void gather(pwi_audit_batcher *b, long last, long long window_us)
{
    if (last <= 1 || window_us <= 0)
        return;
    long want = b->queued + last;
    long long end = now_us() + window_us;
    struct timespec t = {.tv_sec = (time_t)(end / 1000000), .tv_nsec = (long)(end % 1000000) * 1000};
    while (b->queued < want && !b->stop)
        if (pthread_cond_timedwait(&b->work, &b->mu, &t) == ETIMEDOUT)
            break;
}

static void *writer(void *arg)
{
    pwi_audit_batcher *b = arg;
    long last = 0;            /* jobs in the previous batch */
    long long took_us = 0;    /* how long its COMMIT (the fsync) took */
    long long ended_us = 0;   /* when it ended */
    int records = 0;          /* it held POST bodies */
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stop)
            pthread_cond_wait(&b->work, &b->mu);
        if (!b->head)
            break; /* stopping, and nothing left to write */
        long long window = 0;
        if (!records) {
            window = took_us > b->gather_min_us ? took_us : b->gather_min_us;
            if (window > b->gather_max_us)
                window = b->gather_max_us;
        }
        gather(b, last, ended_us + window - now_us());
        /* Take everything queued so far; jobs that arrive meanwhile wait
         * for the next commit. */
        job *batch = b->head;
        last = b->queued;
        b->head = b->tail = NULL;
        b->queued = 0;
        b->batches++;
        pthread_mutex_unlock(&b->mu);
        /* A batch of POST bodies keeps the writer busy importing them: it
         * is the bottleneck there, and any wait idles it (bench_http: POST
         * at 0.83-0.92x the requests per second with the window). Only
         * batches of audit entries alone, whose cost is the fsync, wait. */
        records = 0;
        for (job *j = batch; j && !records; j = j->next)
            records = j->rdone != NULL;
        write_batch(b, batch, &took_us);
        ended_us = now_us();
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Appends a job to the queue and wakes the writer; PW_EIO when stopping
 * (the job is freed). */
static int enqueue(pwi_audit_batcher *b, job *j, pw_error *err)
{
    pthread_mutex_lock(&b->mu);
    if (b->stop) {
        pthread_mutex_unlock(&b->mu);
        job_free(j);
        return pw_error_set(err, PW_EIO, NULL, 0, NULL, "server is stopping");
    }
    if (b->tail)
        b->tail->next = j;
    else
        b->head = j;
    b->tail = j;
    b->queued++;
    b->jobs++;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    return PW_OK;
}

int pwi_audit_batcher_submit_records(pwi_audit_batcher *b, const pwi_user *user,
                                     const char *body, size_t len,
                                     pwi_records_done_fn done, void *arg, pw_error *err)
{
    assert(user && done);
    job *j = calloc(1, sizeof *j);
    if (!j)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    j->user = *user;
    j->body = body ? body : "";
    j->len = body ? len : 0;
    j->rdone = done;
    j->arg = arg;
    return enqueue(b, j, err);
}

int pwi_audit_batcher_submit(pwi_audit_batcher *b, const pwi_user *user,
                             const pwi_audit_entry *e, size_t n,
                             pwi_audit_done_fn done, void *arg, pw_error *err)
{
    job *j = calloc(1, sizeof *j);
    if (!j || !(j->strs = calloc(3 * (n ? n : 1), sizeof *j->strs))) {
        free(j);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (user)
        j->user = *user;
    j->anon = !user;
    j->n = n;
    j->done = done;
    j->arg = arg;
    for (size_t i = 0; i < n; i++) {
        const char *s[3] = {e[i].action, e[i].object, e[i].detail};
        for (int k = 0; k < 3; k++)
            if (s[k] && !(j->strs[3 * i + k] = strdup(s[k]))) {
                job_free(j);
                return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            }
    }
    return enqueue(b, j, err);
}

int pwi_audit_batcher_start(const char *db_url, pwi_audit_batcher **out, pw_error *err)
{
    *out = NULL;
    pwi_audit_batcher *b = calloc(1, sizeof *b);
    if (!b)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = pwi_reg_open(db_url, NULL, &b->reg, err);
    if (rc != PW_OK) {
        free(b);
        return rc;
    }
    /* Every audited answer waits for this writer: it must get the lock in
     * the gaps of a command-line import too (db.h). Same 10 s as db.c. */
    pwi_db_poll_lock(b->reg->db, 10000);
    pthread_mutex_init(&b->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->work, &ca);
    pthread_condattr_destroy(&ca);
    b->gather_max_us = GATHER_MAX_US;
    if (pthread_create(&b->thread, NULL, writer, b) != 0) {
        pwi_reg_close(b->reg);
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->work);
        free(b);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "cannot start the audit writer");
    }
    *out = b;
    return PW_OK;
}

void pwi_audit_batcher_stop(pwi_audit_batcher *b)
{
    if (!b || !b->reg)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    assert(!b->head);
    pwi_reg_close(b->reg);
    b->reg = NULL;
}

void pwi_audit_batcher_free(pwi_audit_batcher *b)
{
    if (!b)
        return;
    if (b->reg)
        pwi_audit_batcher_stop(b);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->work);
    free(b);
}

void pwi_audit_batcher_set_gather(pwi_audit_batcher *b, long max_us)
{
    pthread_mutex_lock(&b->mu);
    b->gather_max_us = max_us < 0 ? 0 : max_us;
    pthread_mutex_unlock(&b->mu);
}

void pwi_audit_batcher_set_gather_floor(pwi_audit_batcher *b, long min_us)
{
    pthread_mutex_lock(&b->mu);
    b->gather_min_us = min_us < 0 ? 0 : min_us;
    pthread_mutex_unlock(&b->mu);
}

void pwi_audit_batcher_counts(pwi_audit_batcher *b, long *requests, long *commits)
{
    pthread_mutex_lock(&b->mu);
    *requests = b->jobs;
    *commits = b->batches;
    pthread_mutex_unlock(&b->mu);
}
