/*
 * The drug market (docs/model.md, "Crime and the drug market"): sellers
 * quit at market.seller_quit_rate and are detected at police.sale_detection
 * a year; a caught courier stops, a caught dealer who stays outside goes
 * on; sellers are recruited towards market.sellers_per_user x users, a
 * share market.courier_share as couriers among non-users aged 16-35, the
 * others as dealers among dependent users, criminal mindset first.
 */
#include "simworld.h"

#define SCALE 0.02
#define K 4.0

/* n sellers of one role: dealers are dependent users, couriers non-users. */
static void add_sellers(sw *h, int n, int role)
{
    for (int j = 0; j < n; j++) {
        act *r = sw_rec(h, sw_add(h));
        r->role = (uint8_t)role;
        if (role == ROLE_COURIER)
            r->stage = ST_NONE;
    }
}

static void sellers_quit(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double quit = 0.8;
    const int n = 3000;
    st_set(s, "market.seller_quit_rate", quit);
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 41);
    add_sellers(&h, n, ROLE_DEALER);
    add_sellers(&h, n, ROLE_COURIER);
    sw_weeks(&h, WPY);
    double p = exp(-quit);
    st_within("sellers still selling after a year", sw_series(&h, 0, "sellers"), 2 * n * p,
              sqrt(2 * n * p * (1 - p)), K);
    /* nobody was caught and nobody was recruited (no target) */
    assert_true(sw_series(&h, 0, "drug_crimes") == 0);
    /* dealers stay dependent users after they stop selling */
    assert_true(sw_series(&h, 0, "dependent") == n);
    sw_close(&h);
    pw_scenario_free(s);
}

/* Without a regime a detected seller gets no action: a courier stops, a
 * dealer goes on selling and can be caught again. */
static void caught_courier_stops(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double det = 1.0; /* detections per seller-year */
    const int n = 3000;
    st_set(s, "market.seller_quit_rate", 0);
    st_set(s, "police.sale_detection", det);
    sw h;
    sw_open(&h, s, 1, SCALE, NULL, 43);
    add_sellers(&h, n, ROLE_COURIER);
    sw_weeks(&h, WPY);
    double p = exp(-det);
    st_within("couriers never caught", sw_series(&h, 0, "sellers"), n * p,
              sqrt(n * p * (1 - p)), K);
    /* every courier who stopped was caught exactly once */
    assert_true(sw_series(&h, 0, "drug_crimes") == n - sw_series(&h, 0, "sellers"));
    sw_close(&h);

    sw_open(&h, s, 1, SCALE, NULL, 43);
    add_sellers(&h, n, ROLE_DEALER);
    sw_weeks(&h, WPY);
    assert_true(sw_series(&h, 0, "sellers") == n);
    st_within("detections per dealer-year", sw_series(&h, 0, "drug_crimes") / n, det,
              sqrt(n * det) / n, K);
    sw_close(&h);

    /* Under exec-prison every caught seller goes to prison and stops. */
    pw_regime *g = sw_regime("exec-prison.yaml");
    sw_open(&h, s, 1, SCALE, g, 43);
    add_sellers(&h, n, ROLE_DEALER);
    sw_weeks(&h, WPY);
    double left = sw_series(&h, 0, "sellers");
    st_within("dealers never caught (then prison)", left, n * p, sqrt(n * p * (1 - p)), K);
    assert_true(sw_series(&h, 0, "prison_admissions") == n - left);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Recruitment: from no sellers to the target; couriers and dealers in
 * their shares, each from the right people. */
static void recruitment_fills_the_target(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const int users = 20000;
    const double per_user = 0.08, courier = 0.35, mindset_rr = 3;
    st_set(s, "market.sellers_per_user", per_user);
    st_set(s, "market.courier_share", courier);
    st_set(s, "market.seller_quit_rate", 0);
    st_set(s, "crime.mindset_rate_ratio", mindset_rr);
    sw h;
    sw_open(&h, s, 1, 0.05, NULL, 47);
    for (int j = 0; j < users; j++)
        sw_rec(&h, sw_add(&h))->mindset = (uint8_t)(j % 2);
    sw_weeks(&h, WPY);
    double target = per_user * users;
    double sellers = sw_series(&h, 0, "sellers");
    /* the gap closes by 1/8 a week: after a year it is ~0.1% of the target */
    assert_true(target >= 1500);
    st_within("sellers after a year", sellers, target, sqrt(target), K);
    double couriers = 0, dealers = 0, dealers_mindset = 0;
    for (uint32_t i = 0; i < h.w->n_act; i++) {
        const act *r = &h.w->a[i];
        if (r->agent == UINT32_MAX || !r->role)
            continue;
        if (r->role == ROLE_COURIER) {
            couriers++;
            double age = (r->since - r->birth) / (double)WPY;
            assert_true(r->stage == ST_NONE && age >= 16 && age < 36);
        } else {
            dealers++;
            dealers_mindset += r->mindset;
            assert_true(r->stage == ST_DEPENDENT && r->place == PL_COMMUNITY);
        }
    }
    assert_true(couriers + dealers == sellers);
    st_within("share of recruits who are couriers", couriers / sellers, courier,
              sw_se_p(courier, sellers), K);
    /* Half the users have a mindset; others are taken with probability
     * 1 / ratio, so the mindset share of dealers is ratio / (ratio + 1). */
    double pm = mindset_rr / (mindset_rr + 1);
    st_within("share of dealers with a criminal mindset", dealers_mindset / dealers, pm,
              sw_se_p(pm, dealers), K);
    sw_close(&h);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sellers_quit),
        cmocka_unit_test(caught_courier_stops),
        cmocka_unit_test(recruitment_fills_the_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
