/*
 * Failed-token throttling for the HTTP server (internal).
 *
 * Why: bearer tokens are 256-bit random values, so guessing one is hopeless,
 * but an unthrottled server lets a client try as fast as it can, and each
 * try costs a token check and an audit commit. After `limit` failed tokens
 * from one client address within `window` seconds (counted from the first
 * of them), the address is blocked for `window` seconds: its requests are
 * answered 429 with Retry-After, without looking at the token at all.
 * A successful sign-in does not reset the count (an attacker who holds one
 * valid token must not be able to use it to keep guessing).
 *
 * Memory is bounded: a fixed table of PWI_THROTTLE_SLOTS addresses, in sets
 * of PWI_THROTTLE_WAYS chosen by a keyed hash of the address (a client
 * cannot aim its addresses at one set to evict another client); a new
 * address takes an expired slot of its set, else the one used longest ago.
 * Under a flood of more distinct addresses than the table holds, the
 * oldest records are forgotten: that is the price of the bound.
 *
 * Thread-safe: one mutex around the table (each call is a few dozen
 * instructions; the token check and the database work happen outside it).
 */
#ifndef PWI_HTTP_THROTTLE_H
#define PWI_HTTP_THROTTLE_H

#include <stdint.h>
#include <sys/socket.h>

#include "pathways/core.h"

#define PWI_THROTTLE_SLOTS 4096
#define PWI_THROTTLE_WAYS 8
/* Defaults of `pathways serve --auth-fail-limit / --auth-fail-window`. */
#define PWI_THROTTLE_LIMIT 10
#define PWI_THROTTLE_WINDOW 60

typedef struct pwi_throttle pwi_throttle;

/* `limit` failures (>= 1) within `window_s` seconds (>= 1). */
int pwi_throttle_new(unsigned limit, unsigned window_s, pwi_throttle **out, pw_error *err);
void pwi_throttle_free(pwi_throttle *t);

/* Milliseconds on a monotonic clock: the `now_ms` of the calls below (the
 * tests pass their own clock). */
int64_t pwi_throttle_now_ms(void);

/* 0 if `addr` may present a token now, else the seconds (>= 1, rounded up)
 * until it may: the Retry-After of the 429. */
unsigned pwi_throttle_check(pwi_throttle *t, const struct sockaddr *addr, int64_t now_ms);

/* Records a failed token from `addr`. Returns 1 if the address is now
 * blocked (this was its `limit`-th failure in the window), else 0. */
int pwi_throttle_fail(pwi_throttle *t, const struct sockaddr *addr, int64_t now_ms);

/* Addresses currently remembered (for tests: never above the table size). */
unsigned pwi_throttle_count(pwi_throttle *t, int64_t now_ms);

#endif /* PWI_HTTP_THROTTLE_H */
