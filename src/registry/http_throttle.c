/*
 * http_throttle.c: failed-token throttling (see http_throttle.h).
 */
#include "http_throttle.h"

#include <assert.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define NSETS (PWI_THROTTLE_SLOTS / PWI_THROTTLE_WAYS)

/* One client address. `fails` counts the failures of the window that
 * started at `first_ms`; `blocked_ms` is when a block ends (0: none). */
typedef struct slot {
    unsigned char addr[17]; /* family byte, then 4 or 16 address bytes */
    uint8_t len;            /* 0: empty */
    uint32_t fails;
    int64_t first_ms, blocked_ms, last_ms;
} slot;

struct pwi_throttle {
    pthread_mutex_t mu;
    unsigned limit;
    int64_t window_ms;
    unsigned char key[crypto_shorthash_KEYBYTES];
    slot slots[PWI_THROTTLE_SLOTS];
};

int pwi_throttle_new(unsigned limit, unsigned window_s, pwi_throttle **out, pw_error *err)
{
    *out = NULL;
    if (limit < 1 || window_s < 1)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "auth-fail-limit",
                            "limit and window must be at least 1");
    if (sodium_init() < 0)
        return pw_error_set(err, PW_EIO, NULL, 0, NULL, "libsodium did not initialise");
    pwi_throttle *t = calloc(1, sizeof *t);
    if (!t)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "pthread_mutex_init failed");
    }
    t->limit = limit;
    t->window_ms = (int64_t)window_s * 1000;
    crypto_shorthash_keygen(t->key);
    *out = t;
    return PW_OK;
}

void pwi_throttle_free(pwi_throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

int64_t pwi_throttle_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The table key of an address: family byte + address bytes (no port: a
 * client opens a new port per connection). 0 for an unknown family. */
static uint8_t addr_key(const struct sockaddr *sa, unsigned char k[17])
{
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        k[0] = AF_INET;
        memcpy(k + 1, &in->sin_addr, 4);
        return 5;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        k[0] = AF_INET6;
        memcpy(k + 1, &in6->sin6_addr, 16);
        return 17;
    }
    return 0;
}

/* A slot whose window and block are both over holds nothing worth keeping. */
static int expired(const pwi_throttle *t, const slot *s, int64_t now)
{
    return s->len == 0 ||
           (s->blocked_ms <= now && now - s->first_ms >= t->window_ms);
}

/* The slot of `k` in its set, or NULL. Caller holds the mutex. */
static slot *find(pwi_throttle *t, const unsigned char *k, uint8_t len, slot **set_out)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, k, len, t->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    slot *set = &t->slots[(v % NSETS) * PWI_THROTTLE_WAYS];
    *set_out = set;
    for (int i = 0; i < PWI_THROTTLE_WAYS; i++)
        if (set[i].len == len && memcmp(set[i].addr, k, len) == 0)
            return &set[i];
    return NULL;
}

unsigned pwi_throttle_check(pwi_throttle *t, const struct sockaddr *addr, int64_t now_ms)
{
    unsigned char k[17];
    uint8_t len = addr_key(addr, k);
    if (!len)
        return 0;
    unsigned wait = 0;
    pthread_mutex_lock(&t->mu);
    slot *set, *s = find(t, k, len, &set);
    if (s && s->blocked_ms > now_ms)
        wait = (unsigned)((s->blocked_ms - now_ms + 999) / 1000);
    pthread_mutex_unlock(&t->mu);
    return wait;
}

int pwi_throttle_fail(pwi_throttle *t, const struct sockaddr *addr, int64_t now_ms)
{
    unsigned char k[17];
    uint8_t len = addr_key(addr, k);
    if (!len)
        return 0;
    pthread_mutex_lock(&t->mu);
    slot *set, *s = find(t, k, len, &set);
    if (!s) {
        /* An expired slot of the set if there is one, else the one used
         * longest ago (the oldest record is evicted). */
        s = &set[0];
        for (int i = 0; i < PWI_THROTTLE_WAYS; i++) {
            if (expired(t, &set[i], now_ms)) {
                s = &set[i];
                break;
            }
            if (set[i].last_ms < s->last_ms)
                s = &set[i];
        }
        memset(s, 0, sizeof *s);
        memcpy(s->addr, k, len);
        s->len = len;
    }
    if (s->fails == 0 || expired(t, s, now_ms) ||
        (s->blocked_ms != 0 && s->blocked_ms <= now_ms)) {
        /* A new window: the old one is over, or its block has run out. */
        s->fails = 0;
        s->first_ms = now_ms;
        s->blocked_ms = 0;
    }
    s->last_ms = now_ms;
    int blocked = 0;
    if (s->blocked_ms == 0 && ++s->fails >= t->limit) {
        s->blocked_ms = now_ms + t->window_ms;
        blocked = 1;
    }
    assert(s->len == len);
    pthread_mutex_unlock(&t->mu);
    return blocked;
}

unsigned pwi_throttle_count(pwi_throttle *t, int64_t now_ms)
{
    unsigned n = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < PWI_THROTTLE_SLOTS; i++)
        if (!expired(t, &t->slots[i], now_ms))
            n++;
    pthread_mutex_unlock(&t->mu);
    return n;
}
