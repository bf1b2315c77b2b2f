/* Peer ties (ties.c): the CSR is a symmetric multigraph without self-ties,
 * every tie stays inside its neighbourhood block, and the mean degree is
 * the scenario's. Built in one pass per block, so a short last block (one
 * agent) and a block size that does not divide the population are tried. */
#include <string.h>

#include "simtest.h"
#include "model.h"

/* Multiplicity of `b` among a's ties. */
static uint32_t count_tie(const world *w, uint32_t a, uint32_t b)
{
    uint32_t c = 0;
    for (uint32_t k = w->tie_off[a]; k < w->tie_off[a + 1]; k++)
        c += w->tie[k] == b;
    return c;
}

/* bs: block size; last: agents in the last block (n mod bs). */
static void check_ties(uint32_t bs, uint32_t last)
{
    pw_scenario *s = st_load("almaty");
    st_set(s, "ties.neighbourhood_size", bs);
    pwi_world *w = NULL;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pwi_world_build(s, 1, 0, 0, 5, 0.05, &w, &err), PW_OK);
    uint32_t n = w->n_initial;
    assert_int_equal(n % bs, last);
    assert_int_equal(w->tie_off[0], 0);
    for (uint32_t a = 0; a < n; a++) {
        assert_true(w->tie_off[a] <= w->tie_off[a + 1]);
        for (uint32_t k = w->tie_off[a]; k < w->tie_off[a + 1]; k++) {
            uint32_t b = w->tie[k];
            assert_true(b < n && b != a);
            assert_int_equal(b / bs, a / bs);
            assert_int_equal(count_tie(w, a, b), count_tie(w, b, a));
        }
    }
    /* Pareto(alpha 2.5) degrees of mean 8: sd 7.2 per agent, so the mean
     * over ~110k agents has a standard error of 0.02; self-pairs and odd
     * stubs lose about 1%. 0.3 is > 10 standard errors plus that loss. */
    double mean = (double)w->tie_off[n] / n;
    assert_true(fabs(mean - 8) < 0.3);
    pwi_world_free(w);
    pw_scenario_free(s);
}

static void ties_in_blocks_of_128(void **state)
{
    (void)state;
    check_ties(128, 96);
}

/* 110,560 agents = 807 x 137 + 1: the last block holds one agent. */
static void ties_with_a_one_agent_last_block(void **state)
{
    (void)state;
    check_ties(137, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ties_in_blocks_of_128),
        cmocka_unit_test(ties_with_a_one_agent_last_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
