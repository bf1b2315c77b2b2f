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
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PW_RNG_AVX2 1
#endif
#include <Random123/philox.h>

#include "core/rng_gsl.h"

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

/* The uniform of one 32-bit output: the midpoint of its 2^-32 cell (as
 * philox_get_double). */
static inline double cell_mid(uint32_t x)
{
    return ((double)x + 0.5) * (1.0 / 4294967296.0);
}

static void block4_scalar(philox4x32_key_t k, uint32_t c1, uint32_t c2, uint32_t c3,
                          const uint32_t *subject, size_t n, double (*u)[4])
{
    for (size_t i = 0; i < n; i++) {
        philox4x32_ctr_t c = {{subject[i], c1, c2, c3}};
        philox4x32_ctr_t o = philox4x32(c, k);
        for (int j = 0; j < 4; j++)
            u[i][j] = cell_mid(o.v[j]);
    }
}

#ifdef PW_RNG_AVX2
/* Philox4x32-10 of eight counters that differ only in word 0, in AVX2
 * lanes: the rounds of Random123's philox4x32 (same multipliers, same key
 * schedule), with each 32x32->64 product split into its high and low
 * words by even/odd multiplies. */
__attribute__((target("avx2"))) static void block4_avx2_8(philox4x32_key_t k, uint32_t c1,
                                                          uint32_t c2, uint32_t c3,
                                                          const uint32_t *subject,
                                                          double (*u)[4])
{
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)subject);
    __m256i x1 = _mm256_set1_epi32((int)c1), x2 = _mm256_set1_epi32((int)c2);
    __m256i x3 = _mm256_set1_epi32((int)c3);
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M4x32_0);
    const __m256i m1 = _mm256_set1_epi32((int)PHILOX_M4x32_1);
    __m256i ka = _mm256_set1_epi32((int)k.v[0]), kb = _mm256_set1_epi32((int)k.v[1]);
    const __m256i w0 = _mm256_set1_epi32((int)PHILOX_W32_0);
    const __m256i w1 = _mm256_set1_epi32((int)PHILOX_W32_1);
#pragma GCC unroll 10
    for (int round = 0; round < 10; round++) {
        __m256i e0 = _mm256_mul_epu32(x0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
        __m256i e1 = _mm256_mul_epu32(x2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
        __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
        __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
        __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
        __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
        x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), ka);
        x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), kb);
        x1 = lo1;
        x3 = lo0;
        ka = _mm256_add_epi32(ka, w0);
        kb = _mm256_add_epi32(kb, w1);
    }
    /* To doubles: x - 2^31 is exact as a signed int, and adding 2^31 + 0.5
     * and scaling by 2^-32 are exact, so these equal cell_mid(x). */
    const __m256i flip = _mm256_set1_epi32((int)0x80000000u);
    const __m256d off = _mm256_set1_pd(2147483648.5), scale = _mm256_set1_pd(1.0 / 4294967296.0);
    __m256i x[4] = {x0, x1, x2, x3};
    __m256d d[2][4]; /* [records 0-3 or 4-7][output word] */
    for (int j = 0; j < 4; j++) {
        __m256i s = _mm256_xor_si256(x[j], flip);
        for (int h = 0; h < 2; h++) {
            __m128i half = h ? _mm256_extracti128_si256(s, 1) : _mm256_castsi256_si128(s);
            d[h][j] = _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(half), off), scale);
        }
    }
    /* Transpose each 4x4 block: record i gets its four words. */
    for (int h = 0; h < 2; h++) {
        __m256d t0 = _mm256_unpacklo_pd(d[h][0], d[h][1]), t1 = _mm256_unpackhi_pd(d[h][0], d[h][1]);
        __m256d t2 = _mm256_unpacklo_pd(d[h][2], d[h][3]), t3 = _mm256_unpackhi_pd(d[h][2], d[h][3]);
        _mm256_storeu_pd(u[4 * h + 0], _mm256_permute2f128_pd(t0, t2, 0x20));
        _mm256_storeu_pd(u[4 * h + 1], _mm256_permute2f128_pd(t1, t3, 0x20));
        _mm256_storeu_pd(u[4 * h + 2], _mm256_permute2f128_pd(t0, t2, 0x31));
        _mm256_storeu_pd(u[4 * h + 3], _mm256_permute2f128_pd(t1, t3, 0x31));
    }
}
#endif

void pw_rng_block4_batch(uint64_t seed, uint32_t run, uint32_t purpose, uint32_t step,
                         uint32_t block, const uint32_t *subject, size_t n, double (*u)[4])
{
    assert(purpose < 256 && run < (1u << 24));
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    uint32_t c2 = run << 8 | purpose;
    size_t i = 0;
#ifdef PW_RNG_AVX2
    if (__builtin_cpu_supports("avx2")) {
        for (; i + 8 <= n; i += 8)
            block4_avx2_8(k, step, c2, block, subject + i, u + i);
        /* A tail of two or more is cheaper padded to eight than one by one. */
        if (n - i >= 2) {
            uint32_t pad[8] = {0};
            double tmp[8][4];
            memcpy(pad, subject + i, (n - i) * sizeof *pad);
            block4_avx2_8(k, step, c2, block, pad, tmp);
            memcpy(u + i, tmp, (n - i) * sizeof *tmp);
            i = n;
        }
    }
#endif
    block4_scalar(k, step, c2, block, subject + i, n - i, u + i);
}

void pw_rng_shuffle_u32(gsl_rng *r, uint32_t *v, size_t n)
{
    assert(r->type == pw_rng_philox);
    philox_state *s = r->state;
    /* gsl_ran_shuffle's order: from the top, i = n-1 .. 1, swap v[i] with
     * v[j], j uniform in 0..i by gsl_rng_uniform_int (this generator's
     * range is 0..2^32-1: scale = range / (i+1), reject j > i). */
    for (size_t i = n > 1 ? n - 1 : 0; i > 0; i--) {
        uint32_t bound = (uint32_t)(i + 1), scale = 0xFFFFFFFFu / bound, j;
        do {
            if (s->next == 4) {
                s->out = philox4x32(s->ctr, s->key);
                s->ctr.v[3]++;
                s->next = 0;
            }
            j = s->out.v[s->next++] / scale;
        } while (j >= bound);
        uint32_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}
