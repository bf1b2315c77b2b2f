/*
 * Counter-based random numbers for reproducible parallel simulation.
 *
 * Every random draw in pathways is a pure function of
 *     (seed, run, purpose, subject, step, index)
 * computed with Random123's Philox4x32-10. No stream is shared between
 * threads, so the same seed gives the same numbers whatever the number of
 * threads and whatever order agents are visited in.
 *
 * This header holds the draws that need nothing but C. Inside pathways the
 * same generator is also a gsl_rng (src/core/rng_gsl.h), so that GSL's
 * distributions can be used on it; that part is not installed, so a
 * program built against libpathways needs no GSL headers.
 */
#ifndef PATHWAYS_RNG_H
#define PATHWAYS_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "pathways/export.h"

PW_BEGIN_DECLS

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

PW_END_DECLS

#endif /* PATHWAYS_RNG_H */
