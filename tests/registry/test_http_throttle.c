/*
 * The failed-token throttle (http_throttle.c) on its own, with a clock the
 * test controls: the limit and the window, Retry-After, one address not
 * blocking another, the bounded table, and exact counting from several
 * threads at once. test_http_throttle_sqlite/_pg check it through the
 * server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "http_throttle.h"

static struct sockaddr_in v4(uint32_t host)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host);
    return a;
}
#define SA(a) ((const struct sockaddr *)&(a))

static void test_limit_and_window(void **state)
{
    (void)state;
    pwi_throttle *t = NULL;
    assert_int_equal(pwi_throttle_new(3, 60, &t, NULL), PW_OK);
    struct sockaddr_in a = v4(0x0a000001), b = v4(0x0a000002);
    int64_t t0 = 1000000;
    assert_int_equal(pwi_throttle_check(t, SA(a), t0), 0);
    assert_int_equal(pwi_throttle_fail(t, SA(a), t0), 0);
    assert_int_equal(pwi_throttle_fail(t, SA(a), t0 + 1000), 0);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 1000), 0);
    /* The third failure within the window blocks for one window from it. */
    assert_int_equal(pwi_throttle_fail(t, SA(a), t0 + 2000), 1);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 2000), 60);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 2001), 60); /* rounded up */
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 61000), 1);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 62000), 0);
    /* Another address is not affected. */
    assert_int_equal(pwi_throttle_check(t, SA(b), t0 + 2000), 0);
    /* After the block a new window starts: two more failures do not block. */
    assert_int_equal(pwi_throttle_fail(t, SA(a), t0 + 62000), 0);
    assert_int_equal(pwi_throttle_fail(t, SA(a), t0 + 63000), 0);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 63000), 0);
    pwi_throttle_free(t);

    /* Failures spread wider than the window never block. */
    assert_int_equal(pwi_throttle_new(3, 10, &t, NULL), PW_OK);
    for (int i = 0; i < 20; i++)
        assert_int_equal(pwi_throttle_fail(t, SA(a), t0 + i * 6000), 0);
    assert_int_equal(pwi_throttle_check(t, SA(a), t0 + 20 * 6000), 0);
    pwi_throttle_free(t);

    /* IPv6 addresses are keyed by their 16 bytes. */
    assert_int_equal(pwi_throttle_new(1, 5, &t, NULL), PW_OK);
    struct sockaddr_in6 x, y;
    memset(&x, 0, sizeof x);
    x.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::1", &x.sin6_addr);
    y = x;
    inet_pton(AF_INET6, "2001:db8::2", &y.sin6_addr);
    assert_int_equal(pwi_throttle_fail(t, SA(x), t0), 1);
    assert_int_equal(pwi_throttle_check(t, SA(x), t0), 5);
    assert_int_equal(pwi_throttle_check(t, SA(y), t0), 0);
    pwi_throttle_free(t);
    assert_int_equal(pwi_throttle_new(0, 5, &t, NULL), PW_EINVAL);
}

/* More distinct addresses than the table holds: it never remembers more
 * than its size, and the newest blocked address is still blocked (the
 * oldest records were evicted, not the newest). */
static void test_bounded_table(void **state)
{
    (void)state;
    pwi_throttle *t = NULL;
    assert_int_equal(pwi_throttle_new(1, 60, &t, NULL), PW_OK);
    int64_t now = 5000;
    uint32_t n = 4 * PWI_THROTTLE_SLOTS;
    for (uint32_t i = 0; i < n; i++) {
        struct sockaddr_in a = v4(0x0b000000 + i);
        assert_int_equal(pwi_throttle_fail(t, SA(a), now + i), 1);
    }
    assert_true(pwi_throttle_count(t, now + n) <= PWI_THROTTLE_SLOTS);
    assert_true(pwi_throttle_count(t, now + n) > PWI_THROTTLE_SLOTS / 2);
    struct sockaddr_in last = v4(0x0b000000 + n - 1);
    assert_true(pwi_throttle_check(t, SA(last), now + n) > 0);
    /* Most of the first addresses have been forgotten. */
    unsigned kept = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        struct sockaddr_in a = v4(0x0b000000 + i);
        kept += pwi_throttle_check(t, SA(a), now + n) > 0;
    }
    assert_true(kept < 100);
    pwi_throttle_free(t);
}

typedef struct {
    pwi_throttle *t;
    int blocked;
} worker_arg;

#define THREADS 4
#define PER_THREAD 2500

static void *worker(void *p)
{
    worker_arg *w = p;
    struct sockaddr_in a = v4(0x0c000001);
    for (int i = 0; i < PER_THREAD; i++)
        w->blocked += pwi_throttle_fail(w->t, SA(a), 7000);
    return NULL;
}

/* Four threads fail on the same address at once: exactly one call sees
 * the block start, which happens only if every failure is counted once. */
static void test_threads_count_exactly(void **state)
{
    (void)state;
    pwi_throttle *t = NULL;
    assert_int_equal(pwi_throttle_new(THREADS * PER_THREAD, 60, &t, NULL), PW_OK);
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){t, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    int blocked = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        blocked += args[i].blocked;
    }
    assert_int_equal(blocked, 1);
    struct sockaddr_in a = v4(0x0c000001);
    assert_int_equal(pwi_throttle_check(t, SA(a), 7000), 60);
    pwi_throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_and_window),
        cmocka_unit_test(test_bounded_table),
        cmocka_unit_test(test_threads_count_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
