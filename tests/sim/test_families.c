/*
 * Families (society.c, accounts.c, population.c, initiation.c;
 * docs/model.md, "Families and society"): children_with_pwud_parent counts
 * the under-18s living in a household where an adult currently uses
 * drugs; those children, and babies born into such a household, keep a
 * mark that multiplies their exogenous initiation by
 * initiation.child_of_pwud_rate_ratio.
 */
#include "simworld.h"

#define SCALE 0.05 /* ~110k agents */
#define K 4.0

/* The model's count against a count made here from the agents. */
static void children_counted_exactly(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    st_set(s, "demography.birth_rate", 0.03);
    sw h;
    sw_open(&h, s, 2, SCALE, NULL, 127);
    world *w = h.w;
    /* Users, people in remission and prisoners spread over the agents: only
     * adults who currently use mark their household. */
    const uint32_t n = 3000;
    for (uint32_t j = 0; j < n; j++) {
        act *r = sw_rec(&h, sw_add(&h));
        h.cursor += 20; /* every ~20th agent aged 20-49 */
        r->stage = j % 3 == 0 ? ST_LIGHT : j % 3 == 1 ? ST_DEPENDENT : ST_REM_EARLY;
    }
    /* Users aged 16-17 do not mark their household (they are children). */
    uint32_t minors = 0;
    for (uint32_t a = 0; a < w->n && minors < 200; a += 3) {
        double age = age_years(w, a, 0);
        if (!(w->flags[a] & AF_ALIVE) || (w->flags[a] & AF_ACTIVE) || age < 16 || age >= 17)
            continue;
        uint32_t i;
        assert_int_equal(pwi_new_record(w, a, &i), PW_OK);
        w->a[i].stage = ST_DEPENDENT;
        minors++;
    }
    assert_true(minors == 200);
    sw_weeks(&h, WPY);
    int week = WPY - 1; /* the year's count is made at its last week */
    uint8_t *mark = calloc(w->n_hh, 1);
    assert_non_null(mark);
    for (uint32_t i = 0; i < w->n_act; i++) {
        const act *r = &w->a[i];
        if (r->agent != UINT32_MAX && is_using(r) && week - w->birth[r->agent] >= 18 * WPY)
            mark[w->hh[r->agent]] = 1;
    }
    double children = 0, households = 0;
    for (uint32_t k = 0; k < w->n_hh; k++)
        households += mark[k];
    for (uint32_t a = 0; a < w->n; a++) {
        if (!(w->flags[a] & AF_ALIVE) || !mark[w->hh[a]] || week - w->birth[a] >= 18 * WPY)
            continue;
        children++;
        assert_true(w->flags[a] & AF_PWUD_CHILD);
    }
    fprintf(stderr, "%.0f children in %.0f households with a user\n", children, households);
    assert_true(children > 500);
    assert_true(sw_series(&h, 0, "children_with_pwud_parent") == children);
    /* Babies born next year into a household marked now carry the mark,
     * others do not (looked at before the next year's end marks anew). */
    uint32_t born_before = w->n;
    sw_weeks(&h, WPY - 1);
    double marked = 0, unmarked = 0;
    for (uint32_t a = born_before; a < w->n; a++) {
        if (mark[w->hh[a]]) {
            marked++;
            assert_true(w->flags[a] & AF_PWUD_CHILD);
        } else {
            unmarked++;
            assert_false(w->flags[a] & AF_PWUD_CHILD);
        }
    }
    fprintf(stderr, "newborns: %.0f in households with a user, %.0f in others\n", marked,
            unmarked);
    assert_true(marked > 10 && unmarked > 100);
    free(mark);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Exogenous initiation at tau x age factor, times the ratio for children
 * who grew up with a parent who uses drugs. */
static void children_of_pwud_start_more(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double tau = 0.05, rr = 3;
    st_set(s, "initiation.exogenous_rate", tau);
    st_set(s, "initiation.child_of_pwud_rate_ratio", rr);
    st_set(s, "use.light_quit_rate", 0); /* a starter keeps their record */
    sw h;
    sw_open(&h, s, 1, 0.1, NULL, 131);
    world *w = h.w;
    /* People aged 15-23 (age factor 1 all year), every other one marked. */
    double n[2] = {0, 0};
    for (uint32_t a = 0; a < w->n; a++) {
        double age = age_years(w, a, 0);
        if (!(w->flags[a] & AF_ALIVE) || age < 15 || age >= 24)
            continue;
        int m = a % 2;
        w->flags[a] = (uint8_t)(m ? w->flags[a] | AF_PWUD_CHILD : w->flags[a] & ~AF_PWUD_CHILD);
        n[m]++;
    }
    sw_weeks(&h, WPY - 1); /* before the year's end re-marks households */
    double started[2] = {0, 0};
    for (uint32_t a = 0; a < w->n; a++) {
        double age = age_years(w, a, 0);
        if (age >= 15 && age < 24 && (w->flags[a] & AF_ACTIVE))
            started[(w->flags[a] & AF_PWUD_CHILD) != 0]++;
    }
    double weeks = WPY - 1;
    for (int m = 0; m < 2; m++) {
        double p = -expm1(-tau * (m ? rr : 1) * weeks / WPY);
        st_within(m ? "initiation of children of people who use drugs"
                    : "initiation of other young people",
                  started[m] / n[m], p, sw_se_p(p, n[m]), K);
    }
    fprintf(stderr, "rate ratio %.2f (parameter %.1f)\n",
            (started[1] / n[1]) / (started[0] / n[0]), rr);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_counted_exactly),
        cmocka_unit_test(children_of_pwud_start_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
