/*
 * Random123 Philox4x32-10 as a GSL generator, positioned by coordinates.
 *
 * Counter words: {subject, step, run << 8 | purpose, block}. The key is the
 * 64-bit seed. Each Philox call yields four 32-bit outputs; `block` counts
 * calls within one coordinate, so a coordinate has 2^34 outputs before it
 * would wrap (far beyond any per-agent-week need).
 */
#include <assert.h>
#include <string.h>
#include <Random123/philox.h>

#include "pathways/rng.h"

typedef struct {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;
    philox4x32_ctr_t out;
    unsigned next; /* index of the next unused word of `out`; 4 = none left */
} philox_state;

static void philox_set(void *vs, unsigned long seed)
{
    philox_state *s = vs;
    memset(s, 0, sizeof *s);
    s->key.v[0] = (uint32_t)seed;
    s->key.v[1] = (uint32_t)((uint64_t)seed >> 32);
    s->next = 4;
}

static unsigned long philox_get(void *vs)
{
    philox_state *s = vs;
    if (s->next == 4) {
        s->out = philox4x32(s->ctr, s->key);
        s->ctr.v[3]++;
        s->next = 0;
    }
    return s->out.v[s->next++];
}

static double philox_get_double(void *vs)
{
    /* Midpoint of 2^32 cells: never exactly 0 or 1, so log(u) is safe. */
    return ((double)philox_get(vs) + 0.5) * (1.0 / 4294967296.0);
}

static const gsl_rng_type philox_type = {
    "pw_philox", 0xffffffffUL, 0, sizeof(philox_state),
    philox_set, philox_get, philox_get_double,
};

const gsl_rng_type *pw_rng_philox = &philox_type;

gsl_rng *pw_rng_alloc(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(pw_rng_philox);
    if (r)
        pw_rng_reseed(r, seed);
    return r;
}

void pw_rng_reseed(gsl_rng *r, uint64_t seed)
{
    /* gsl_rng_set takes an unsigned long, which is 64 bits on every
     * platform pathways builds on; set the key directly to be sure. */
    philox_state *s = r->state;
    philox_set(s, 0);
    s->key.v[0] = (uint32_t)seed;
    s->key.v[1] = (uint32_t)(seed >> 32);
}

void pw_rng_seek(gsl_rng *r, uint32_t run, uint32_t purpose, uint32_t subject, uint32_t step)
{
    assert(purpose < 256 && run < (1u << 24));
    philox_state *s = r->state;
    s->ctr.v[0] = subject;
    s->ctr.v[1] = step;
    s->ctr.v[2] = run << 8 | purpose;
    s->ctr.v[3] = 0;
    s->next = 4;
}

double pw_rng_u01(uint64_t seed, uint32_t run, uint32_t purpose, uint32_t subject,
                  uint32_t step)
{
    assert(purpose < 256 && run < (1u << 24));
    /* Block 0x80000000 keeps one-shot draws apart from the stream that a
     * gsl_rng sought to the same coordinate would produce. */
    philox4x32_ctr_t c = {{subject, step, run << 8 | purpose, 0x80000000u}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t o = philox4x32(c, k);
    return ((double)o.v[0] + 0.5) * (1.0 / 4294967296.0);
}
