/* Philox generator: determinism by coordinate and statistical soundness. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>

#include "core/rng_gsl.h"

static void same_coordinate_same_numbers(void **state)
{
    (void)state;
    gsl_rng *a = pw_rng_alloc(42), *b = pw_rng_alloc(42);
    /* b visits other coordinates first: order must not matter. */
    pw_rng_seek(b, 0, 9, 5, 5);
    (void)gsl_rng_get(b);
    pw_rng_seek(a, 3, 1, 1000, 52);
    pw_rng_seek(b, 3, 1, 1000, 52);
    for (int i = 0; i < 20; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    /* A different purpose, run, subject or seed gives different numbers. */
    pw_rng_seek(a, 3, 1, 1000, 52);
    unsigned long x = gsl_rng_get(a);
    pw_rng_seek(b, 3, 2, 1000, 52);
    assert_true(gsl_rng_get(b) != x);
    pw_rng_seek(b, 4, 1, 1000, 52);
    assert_true(gsl_rng_get(b) != x);
    pw_rng_seek(b, 3, 1, 1001, 52);
    assert_true(gsl_rng_get(b) != x);
    pw_rng_reseed(b, 43);
    pw_rng_seek(b, 3, 1, 1000, 52);
    assert_true(gsl_rng_get(b) != x);
    assert_true(pw_rng_u01(42, 3, 1, 1000, 52) == pw_rng_u01(42, 3, 1, 1000, 52));
    assert_true(pw_rng_u01(42, 3, 1, 1000, 52) != pw_rng_u01(42, 3, 1, 1000, 53));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* Mean of n uniforms: 0.5 within 5 standard errors (sd = 1/sqrt(12)). */
static void uniform_mean_and_variance(void **state)
{
    (void)state;
    gsl_rng *r = pw_rng_alloc(7);
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        pw_rng_seek(r, 0, 0, (uint32_t)i, 0); /* one draw per coordinate, as agents do */
        double u = gsl_rng_uniform_pos(r);
        assert_true(u > 0 && u < 1);
        s += u;
        s2 += u * u;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    double se = sqrt(1.0 / 12 / n);
    assert_true(fabs(mean - 0.5) < 5 * se);
    assert_true(fabs(var - 1.0 / 12) < 0.002);
    /* One-shot draws, too. */
    s = 0;
    for (int i = 0; i < n; i++)
        s += pw_rng_u01(7, 1, 2, (uint32_t)i, 9);
    assert_true(fabs(s / n - 0.5) < 5 * se);
    gsl_rng_free(r);
}

/* GSL distributions run on the generator: Poisson(3.5) mean within 5 SE. */
static void gsl_distributions_work(void **state)
{
    (void)state;
    gsl_rng *r = pw_rng_alloc(11);
    pw_rng_seek(r, 0, 4, 0, 0);
    const int n = 100000;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += gsl_ran_poisson(r, 3.5);
    assert_true(fabs(s / n - 3.5) < 5 * sqrt(3.5 / n));
    gsl_rng_free(r);
}

/* The batch form gives exactly the numbers of a sought gsl_rng, for every
 * batch length (the SIMD path works in eights, with a padded tail),
 * subjects across the whole 32-bit range, later blocks and seeds with high
 * bits set. */
static void batch_matches_sought_generator(void **state)
{
    (void)state;
    const uint64_t seeds[] = {1, 0xFEDCBA9876543210ull};
    uint32_t subject[41];
    double u[41][4];
    gsl_rng *r = pw_rng_alloc(1);
    for (size_t si = 0; si < 2; si++) {
        pw_rng_reseed(r, seeds[si]);
        for (uint32_t block = 0; block < 3; block++)
            for (size_t n = 0; n <= 41; n++) {
                for (size_t i = 0; i < n; i++)
                    subject[i] = (uint32_t)(i * 2654435761u + n * 40503u + block);
                for (size_t i = 0; i < 4 * 41; i++)
                    u[i / 4][i % 4] = -1; /* untouched beyond n */
                pw_rng_block4_batch(seeds[si], 1234, 11, 777, block, subject, n, u);
                for (size_t i = 0; i < n; i++) {
                    pw_rng_seek(r, 1234, 11, subject[i], 777);
                    for (uint32_t skip = 0; skip < 4 * block; skip++)
                        (void)gsl_rng_get(r);
                    for (int j = 0; j < 4; j++)
                        assert_true(u[i][j] == gsl_rng_uniform(r));
                }
                for (size_t i = n; i < 41; i++)
                    assert_true(u[i][0] == -1 && u[i][3] == -1);
            }
    }
    gsl_rng_free(r);
}

/* pw_rng_shuffle_u32 is gsl_ran_shuffle: the same permutation for every
 * length (rejections included: lengths near a power of two and large ones)
 * and from every position within a Philox block, and the generator is
 * left where GSL leaves it. */
static void shuffle_matches_gsl(void **state)
{
    (void)state;
    enum { MAXN = 5000 };
    static uint32_t a[MAXN], b[MAXN];
    gsl_rng *ra = pw_rng_alloc(99), *rb = pw_rng_alloc(99);
    const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 65, 100, 1023, 1025, MAXN};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
        for (int skip = 0; skip < 4; skip++) {
            size_t n = lens[li];
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] = (uint32_t)(i * 7 + 1);
            pw_rng_seek(ra, 5, 3, (uint32_t)li, (uint32_t)skip);
            pw_rng_seek(rb, 5, 3, (uint32_t)li, (uint32_t)skip);
            for (int k = 0; k < skip; k++) /* start inside a block */
                assert_int_equal(gsl_rng_get(ra), gsl_rng_get(rb));
            if (n > 1)
                gsl_ran_shuffle(ra, a, n, sizeof *a);
            pw_rng_shuffle_u32(rb, b, n);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(a[i], b[i]);
            assert_int_equal(gsl_rng_get(ra), gsl_rng_get(rb));
        }
    gsl_rng_free(ra);
    gsl_rng_free(rb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_coordinate_same_numbers),
        cmocka_unit_test(uniform_mean_and_variance),
        cmocka_unit_test(gsl_distributions_work),
        cmocka_unit_test(batch_matches_sought_generator),
        cmocka_unit_test(shuffle_matches_gsl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
