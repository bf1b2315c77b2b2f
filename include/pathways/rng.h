/*
 * Counter-based random numbers for reproducible parallel simulation.
 *
 * Every random draw in pathways is a pure function of
 *     (seed, run, purpose, subject, step, index)
 * computed with Random123's Philox4x32-10. No stream is shared between
 * threads, so the same seed gives the same numbers whatever the number of
 * threads and whatever order agents are visited in.
 *
 * The generator is exposed as a gsl_rng, so all of GSL's distributions
 * (gsl_ran_poisson, gsl_ran_gamma, ...) can be used on it. A thread keeps
 * one gsl_rng and repositions it with pw_rng_seek() before each agent-step:
 * repositioning costs a few stores, no allocation.
 */
#ifndef PATHWAYS_RNG_H
#define PATHWAYS_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

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
 * One-shot uniform in (0,1) at a coordinate, with no gsl_rng at all:
 * the cheapest draw for hot loops that need a single number.
 */
double pw_rng_u01(uint64_t seed, uint32_t run, uint32_t purpose,
                  uint32_t subject, uint32_t step);

/*
 * Four uniforms of block `block` at (run, purpose, subject[i], step), for
 * i < n: u[i][0..3] are exactly the numbers draws 4*block+1 .. 4*block+4
 * of gsl_rng_uniform give on a generator sought there with pw_rng_seek.
 * For hot loops that need the same block for many subjects: on CPUs with
 * AVX2 eight Philox blocks are computed at once (the integers, hence the
 * doubles, are the same on every path).
 */
void pw_rng_block4_batch(uint64_t seed, uint32_t run, uint32_t purpose, uint32_t step,
                         uint32_t block, const uint32_t *subject, size_t n, double (*u)[4]);

/*
 * Shuffles v[0..n-1] exactly as gsl_ran_shuffle(r, v, n, sizeof *v) does
 * on a pw_philox generator `r` (the same permutation, and `r` left at the
 * same position), reading the Philox stream directly instead of through
 * one indirect call and a byte-wise swap per element.
 */
void pw_rng_shuffle_u32(gsl_rng *r, uint32_t *v, size_t n);

#endif /* PATHWAYS_RNG_H */
