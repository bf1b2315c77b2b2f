/*
 * The group commit's gather window (src/registry/http_audit.c, writer()).
 *
 * Clients that send their next request as soon as the answer arrives must
 * not split into two halves that take turns, one commit each: after a
 * commit the writer waits, a bounded time, for the clients it answered to
 * come back. The test runs the same closed loop of clients against the
 * real writer (a real SQLite registry, real commits) with the window off
 * and on, and checks the audit chain afterwards. The figure compared is
 * audited requests per commit; both runs share the machine's noise, so the
 * check is relative (on carries clearly more per commit than off) and the
 * absolute one asks for most of the clients in each commit when on (the
 * window has a 20 ms floor here, so neither the disk nor the load decide).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "http_audit.h"
#include "reg.h"
#include "pathways/registry.h"

#define CLIENTS 12
#define ROUNDS 40
/* What a client spends between an answer and its next request (the trip
 * back over the network and the request's own work): 0.1 ms, less than
 * one fsync, so that a client answered by one commit can make the next. */
#define THINK_US 100

typedef struct client {
    pwi_audit_batcher *b;
    pwi_user user;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int answered;
    int failures;
} client;

static void done(void *arg, int rc, const pw_error *err)
{
    (void)err;
    client *c = arg;
    pthread_mutex_lock(&c->mu);
    c->answered = 1;
    c->failures += rc != PW_OK;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *client_loop(void *arg)
{
    client *c = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char object[32];
        snprintf(object, sizeof object, "episode:%d", i);
        pwi_audit_entry e = {.action = "read", .object = object, .detail = NULL};
        pw_error err;
        pw_error_clear(&err);
        c->answered = 0;
        if (pwi_audit_batcher_submit(c->b, &c->user, &e, 1, done, c, &err) != PW_OK) {
            c->failures++;
            break;
        }
        pthread_mutex_lock(&c->mu);
        while (!c->answered)
            pthread_cond_wait(&c->cv, &c->mu);
        pthread_mutex_unlock(&c->mu);
        struct timespec t = {0, THINK_US * 1000L};
        nanosleep(&t, NULL);
    }
    return NULL;
}

static char dir[256], db[1024];

/* Runs the clients against a fresh writer with the given window bound and
 * returns audited requests per commit. */
static double per_commit(long gather_us, long *requests)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_audit_batcher *b = NULL;
    assert_int_equal(pwi_audit_batcher_start(db, &b, &err), PW_OK);
    /* The window's floor makes the test independent of how fast the disk
     * under it syncs and of how busy the CPU is: on, the writer waits up
     * to 20 ms for the clients it answered (it goes on as soon as they are
     * all back), so they make the next commit unless one is held up
     * longer than that. */
    pwi_audit_batcher_set_gather(b, gather_us);
    if (gather_us > 0)
        pwi_audit_batcher_set_gather_floor(b, 20000);
    long j0, c0, j1, c1;
    pwi_audit_batcher_counts(b, &j0, &c0);
    client cl[CLIENTS];
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        memset(&cl[i], 0, sizeof cl[i]);
        cl[i].b = b;
        cl[i].user.id = 1;
        snprintf(cl[i].user.name, sizeof cl[i].user.name, "client%d", i);
        cl[i].user.role = PWI_ROLE_CLINICIAN;
        pthread_mutex_init(&cl[i].mu, NULL);
        pthread_cond_init(&cl[i].cv, NULL);
        assert_int_equal(pthread_create(&th[i], NULL, client_loop, &cl[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(cl[i].failures, 0);
        pthread_mutex_destroy(&cl[i].mu);
        pthread_cond_destroy(&cl[i].cv);
    }
    pwi_audit_batcher_counts(b, &j1, &c1);
    pwi_audit_batcher_free(b);
    *requests = j1 - j0;
    assert_true(c1 > c0);
    return (double)(j1 - j0) / (double)(c1 - c0);
}

static void test_gather_keeps_clients_together(void **state)
{
    (void)state;
    long n_off = 0, n_on = 0;
    double off = per_commit(0, &n_off);
    double on = per_commit(50000, &n_on);
    print_message("requests per commit: window off %.2f, on %.2f (%d clients)\n", off, on,
                  CLIENTS);
    assert_int_equal(n_off, CLIENTS * ROUNDS);
    assert_int_equal(n_on, CLIENTS * ROUNDS);
    /* Without the window the clients take turns (about half of them per
     * commit); with it most come back in time for the next one. */
    assert_true(on > 1.4 * off);
    assert_true(on > 2.0 / 3.0 * CLIENTS);

    /* Every entry is in the chain, and the chain verifies. */
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(db, NULL, &reg, &err), PW_OK);
    pwi_audit_report rep;
    assert_int_equal(pwi_audit_verify(reg->db, reg->keys.audit, &rep, &err), PW_OK);
    assert_true(rep.ok);
    assert_true(rep.entries >= 2L * CLIENTS * ROUNDS);
    pwi_reg_close(reg);
}

/* A lone client after a crowd: the window ends when the last commit's
 * time has passed, so a lone request is not held for the crowd that left
 * (its answer comes within a few commits' time, not after 5 ms each). */
static void test_gather_does_not_hold_a_lone_client(void **state)
{
    (void)state;
    pw_error err;
    pw_error_clear(&err);
    pwi_audit_batcher *b = NULL;
    assert_int_equal(pwi_audit_batcher_start(db, &b, &err), PW_OK);
    pwi_audit_batcher_set_gather(b, 1000000); /* a 1 s bound: only the commit time limits it */
    client c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.user.id = 1;
    snprintf(c.user.name, sizeof c.user.name, "lone");
    c.user.role = PWI_ROLE_CLINICIAN;
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    client_loop(&c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    long j, n;
    pwi_audit_batcher_counts(b, &j, &n);
    pwi_audit_batcher_free(b);
    assert_int_equal(c.failures, 0);
    /* One client: one job per commit (last == 1 never waits), and 40
     * rounds finish long before 40 one-second windows would. */
    assert_int_equal(j, ROUNDS);
    assert_int_equal(n, ROUNDS);
    assert_true(secs < 20.0);
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.cv);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pw_test_gather_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/reg.db", dir);
    setenv("PW_REGISTRY_KEY",
           "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    pw_error err;
    pw_error_clear(&err);
    char admin[65];
    return pw_registry_init(db, admin, &err) == PW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gather_keeps_clients_together),
        cmocka_unit_test(test_gather_does_not_hold_a_lone_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
