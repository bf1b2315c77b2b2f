/*
 * The Philox generator of pathways/rng.h as a gsl_rng (internal: not
 * installed, so that the public headers need no GSL).
 *
 * Exposed as a gsl_rng, all of GSL's distributions (gsl_ran_poisson,
 * gsl_ran_gamma, ...) can be used on it. A thread keeps one gsl_rng and
 * repositions it with pw_rng_seek() before each agent-step: repositioning
 * costs a few stores, no allocation.
 */
#ifndef PW_CORE_RNG_GSL_H
#define PW_CORE_RNG_GSL_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "pathways/rng.h"

/* The GSL generator type "pw_philox" (2^32 outputs per position). */
extern const gsl_rng_type *pw_rng_philox;

/* Allocates a Philox gsl_rng (positioned at all-zero coordinates). */
gsl_rng *pw_rng_alloc(uint64_t seed);

/*
 * Positions `r` at a coordinate. `purpose` (< 256) names the process that
 * draws (initiation, detection, ...), so adding a draw to one process never
 * shifts the numbers another process sees; `run` < 2^24. After seeking, the
 * draws are a fresh sequence of that coordinate.
 */
void pw_rng_seek(gsl_rng *r, uint32_t run, uint32_t purpose, uint32_t subject,
                 uint32_t step);

/* Changes the seed (key) of `r` and resets it to coordinate zero. */
void pw_rng_reseed(gsl_rng *r, uint64_t seed);

/*
 * Shuffles v[0..n-1] exactly as gsl_ran_shuffle(r, v, n, sizeof *v) does
 * on a pw_philox generator `r` (the same permutation, and `r` left at the
 * same position), reading the Philox stream directly instead of through
 * one indirect call and a byte-wise swap per element.
 */
void pw_rng_shuffle_u32(gsl_rng *r, uint32_t *v, size_t n);

#endif /* PW_CORE_RNG_GSL_H */
