/*
 * The pathway's execution (pathway.c, placement.c; docs/model.md, "The
 * pathway"): each disposition the engine returns is carried out as
 * documented. Every test uses a one-rule regime of tests/sim/regimes/, so
 * the decision is known, sends detected cases through pwi_handle_case and
 * runs the real weekly loop to see the placement clock.
 */
#include "simworld.h"

#define SCALE 0.02 /* ~44k agents */
#define K 4.0

/* A world of n dependent users under the regime `file`, one quiet week
 * already run (so the week's discount is set), each then detected for
 * possession in week h->week. */
static pw_regime *open_with_cases(sw *h, pw_scenario *s, const char *file, int n, uint64_t seed)
{
    pw_regime *g = sw_regime(file);
    sw_open(h, s, 3, SCALE, g, seed);
    for (int j = 0; j < n; j++)
        sw_add(h);
    sw_weeks(h, 1);
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        pwi_handle_case(h->w, sw_rec(h, i), i, h->week, PW_EVENT_POSSESSION, 0);
    return g;
}

static pw_scenario *scenario(void)
{
    pw_scenario *s = sw_scenario();
    st_set(s, "cost.discount_rate", 0);
    st_set(s, "treatment.outpatient_slots_per_100k", 5000); /* ~2,200 places */
    return s;
}

/* A fine is recorded (police cost, the offence counted) and nothing else
 * happens: no placement, no court. */
static void fine_changes_nothing_else(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    const int n = 500;
    sw h;
    pw_regime *g = open_with_cases(&h, s, "exec-fine.yaml", n, 51);
    double police = s->v[PI_COST_POLICE];
    assert_true(fabs(h.w->yc.cost_justice - n * police) < 1e-6 * n * police);
    assert_true(h.w->yc.cases == n && h.w->yc.drug_crimes == n);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_COMMUNITY && r->stage == ST_DEPENDENT && r->offences == 1);
        assert_true(r->convictions == 0 && !r->monitor_until && !(r->flags & RF_AFTERCARE));
    }
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* 15 days of administrative arrest: held from the case's week until week
 * + 1 + 15/7 (whole weeks), counted with prison costs but not in the
 * prison population, then released with the post-prison relapse rate. */
static void arrest_holds_for_its_days(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    const int n = 300;
    sw h;
    pw_regime *g = open_with_cases(&h, s, "exec-arrest.yaml", n, 53);
    int start = h.week, until = start + 1 + 15 / 7;
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        assert_true(sw_rec(&h, i)->place == PL_ARREST && sw_rec(&h, i)->until == until);
    sw_weeks(&h, until - start);
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        assert_true(sw_rec(&h, i)->place == PL_ARREST);
    sw_weeks(&h, 1);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_COMMUNITY && r->released == until &&
                    r->relapse_kind == RK_PRISON);
    }
    assert_true(h.w->yc.prison_adm == 0);
    /* prison-day cost for each held week, and a police case each */
    double expect = n * (s->v[PI_COST_POLICE] + (until - start) * 7 * s->v[PI_COST_PRISON_DAY]);
    assert_true(fabs(h.w->yc.cost_justice - expect) < 1e-6 * expect);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Compulsory treatment for 6 months with limited beds: the first people
 * take the beds, the rest wait in order and are admitted as beds free. */
static void compulsory_beds_and_waiting_list(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    st_set(s, "treatment.compulsory_beds_per_100k", 100); /* 44 beds */
    sw h;
    pw_regime *g = sw_regime("exec-compulsory.yaml");
    sw_open(&h, s, 3, SCALE, g, 57);
    uint32_t beds = (uint32_t)h.w->beds, n = 3 * beds;
    assert_true(beds >= 40);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    int start = h.week;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, start, PW_EVENT_POSSESSION, 0);
    assert_true(h.w->beds_used == beds && h.w->yc.comp_adm == beds);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == (i < beds ? PL_COMPULSORY : PL_WAITING));
        assert_true(r->tx_months == 6);
        if (i < beds)
            assert_true(r->stage == ST_REM_EARLY && r->until == start + 26);
    }
    /* In week start + 26 the first cohort leaves; the next week (the
     * waiting list is served at the start of a week) the next cohort, in
     * the order of the list, takes its beds. */
    sw_weeks(&h, 27);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        if (i < beds)
            assert_true(r->place == PL_COMMUNITY && r->relapse_kind == RK_COMPULSORY &&
                        r->released == start + 26);
        else
            assert_true(r->place == PL_WAITING);
    }
    sw_weeks(&h, 1);
    for (uint32_t i = beds; i < n; i++)
        assert_true(sw_rec(&h, i)->place == (i < 2 * beds ? PL_COMPULSORY : PL_WAITING));
    assert_true(h.w->beds_used == beds);
    assert_true(sw_rec(&h, beds)->until == start + 27 + 26);
    assert_true(h.w->yc.comp_adm == 2 * beds);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Outpatient treatment: the measure's months if a place is free; the
 * 12-step aftercare and monitoring the decision orders start at the
 * discharge, and an order with no free place lapses with no care at all. */
static void outpatient_with_places_and_aftercare(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    st_set(s, "treatment.outpatient_slots_per_100k", 100); /* 44 places */
    sw h;
    pw_regime *g = sw_regime("exec-outpatient.yaml");
    sw_open(&h, s, 3, SCALE, g, 59);
    uint32_t slots = (uint32_t)h.w->slots, n = 2 * slots;
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    int start = h.week;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, start, PW_EVENT_POSSESSION, 0);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == (i < slots ? PL_OUTPATIENT : PL_COMMUNITY));
        /* no care yet for anyone: it follows the treatment */
        assert_true(!r->monitor_until && !r->aftercare_until && !care_of(r, start));
        if (i < slots)
            assert_true(r->until == start + 13 && r->ac_months == 12 && r->mon_months == 12);
        else
            assert_true(!r->ac_months && !r->mon_months);
    }
    assert_true(h.w->yc.lapsed == n - slots); /* orders not carried out */
    sw_weeks(&h, 13);
    for (uint32_t i = 0; i < slots; i++)
        assert_true(sw_rec(&h, i)->place == PL_OUTPATIENT);
    sw_weeks(&h, 1);
    int end = start + 13;
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        if (i < slots) {
            assert_true(r->place == PL_COMMUNITY && r->relapse_kind == RK_VOLUNTARY);
            assert_true(r->aftercare_until == end + 52 && r->monitor_until == end + 52);
            assert_true(care_of(r, h.week) == 3 && !care_of(r, end + 52));
        } else {
            assert_true(!care_of(r, h.week));
        }
    }
    assert_true(h.w->slots_used == 0);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* The dissuasion commission refers a dependent user to outpatient care
 * with probability treatment.dissuasion_referral_share, a light user
 * never. */
static void dissuasion_refers_a_share(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    const double share = 0.3;
    st_set(s, "treatment.dissuasion_referral_share", share);
    /* light users stay light */
    st_set(s, "use.light_quit_rate", 0);
    st_set(s, "use.dependence_rate_opioids", 0);
    const int n = 2000;
    sw h;
    pw_regime *g = sw_regime("exec-dissuasion.yaml");
    sw_open(&h, s, 3, SCALE, g, 61);
    for (int j = 0; j < 2 * n; j++)
        sw_rec(&h, sw_add(&h))->stage = j < n ? ST_DEPENDENT : ST_LIGHT;
    sw_weeks(&h, 1);
    for (uint32_t i = 0; i < 2 * (uint32_t)n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, h.week, PW_EVENT_POSSESSION, 0);
    double referred = 0;
    for (uint32_t i = 0; i < 2 * (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        if (i >= (uint32_t)n)
            assert_true(r->place == PL_COMMUNITY);
        else
            referred += r->place == PL_OUTPATIENT;
    }
    st_within("share of dependent users referred", referred / n, share, sw_se_p(share, n), K);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* A drug court: 12 months of supervised treatment, then graduation with
 * treatment.drug_court_graduation or the 1-year sentence; without a
 * place, the sentence at once. */
static void drug_court_graduates_or_serves(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    const double grad = 0.59;
    st_set(s, "treatment.drug_court_graduation", grad);
    const int n = 2000;
    sw h;
    pw_regime *g = open_with_cases(&h, s, "exec-drug-court.yaml", n, 67);
    int start = h.week;
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        assert_true(sw_rec(&h, i)->place == PL_DRUG_COURT &&
                    sw_rec(&h, i)->until == start + 52);
    sw_weeks(&h, 53);
    double prison = 0;
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON || r->place == PL_COMMUNITY);
        if (r->place == PL_PRISON) {
            prison++;
            assert_true(r->end == start + 52 + 52);
        }
    }
    st_within("share of drug-court participants who serve the sentence", prison / n, 1 - grad,
              sw_se_p(1 - grad, n), K);
    sw_close(&h);
    pw_regime_free(g);

    st_set(s, "treatment.outpatient_slots_per_100k", 0);
    g = open_with_cases(&h, s, "exec-drug-court.yaml", 200, 67);
    for (uint32_t i = 0; i < 200; i++)
        assert_true(sw_rec(&h, i)->place == PL_PRISON && sw_rec(&h, i)->end == h.week + 52);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Treatment then prison: 6 months of compulsory treatment, then the
 * 2-year sentence under the educational regime the decision gave. */
static void treatment_then_prison_order(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    st_set(s, "treatment.compulsory_beds_per_100k", 1000);
    const int n = 200;
    sw h;
    pw_regime *g = open_with_cases(&h, s, "exec-ttp.yaml", n, 71);
    int start = h.week;
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_COMPULSORY && r->until == start + 26 && r->then_prison == 104);
    }
    sw_weeks(&h, 27);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && r->end == start + 26 + 104);
        assert_true(r->flags & RF_EDUCATIONAL);
        assert_true(r->then_prison == 0 && r->convictions == 1);
    }
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Treatment then prison with the beds full: nobody is sent home to wait.
 * Those without a bed start their 2-year term in custody at once and queue
 * for a bed from prison; admitted, they serve the rest of the term after
 * the 6 months of treatment. Whoever waits, the custody ends 26 + 104
 * weeks after the case, and each sentence is one conviction. */
static void treatment_then_prison_waits_in_custody(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    st_set(s, "treatment.compulsory_beds_per_100k", 100); /* ~44 beds */
    sw h;
    st_set(s, "treatment.order_validity_months", 24); /* the third cohort waits a year */
    pw_regime *g = sw_regime("exec-ttp.yaml");
    sw_open(&h, s, 3, SCALE, g, 73);
    uint32_t beds = (uint32_t)h.w->beds, n = 3 * beds;
    assert_true(beds >= 40);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    int start = h.week;
    for (uint32_t i = 0; i < n; i++)
        pwi_handle_case(h.w, sw_rec(&h, i), i, start, PW_EVENT_POSSESSION, 0);
    assert_true(h.w->yc.comp_adm == beds && h.w->yc.prison_adm == 2 * beds);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        if (i < beds) {
            assert_true(r->place == PL_COMPULSORY && r->then_prison == 104 && !r->awaiting_bed);
        } else {
            assert_true(r->place == PL_PRISON && r->awaiting_bed && r->end == start + 104);
            assert_true(r->then_prison == 0 && r->convictions == 1);
        }
    }
    /* The second cohort takes the beds the first leaves, straight from
     * custody, owing the rest of its term; the third still waits inside. */
    sw_weeks(&h, 28);
    for (uint32_t i = beds; i < n; i++) {
        const act *r = sw_rec(&h, i);
        if (i < 2 * beds) {
            assert_true(r->place == PL_COMPULSORY && !r->awaiting_bed);
            int admitted = r->until - 26;
            assert_true(admitted > start && admitted + r->then_prison == start + 104);
            assert_true(r->convictions == 0);
        } else {
            assert_true(r->place == PL_PRISON && r->awaiting_bed);
        }
    }
    /* By week start + 85 every cohort is back in prison (or the first
     * never left it), each with custody ending at start + 130: a term
     * served without the treatment would have ended at start + 104. */
    sw_weeks(&h, start + 85 - h.week);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && !r->awaiting_bed && r->then_prison == 0);
        assert_true(r->end == start + 26 + 104 && r->convictions == 1);
    }
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* With no bed at all the order cannot be met: the whole term is served in
 * custody and, when it ends, the person is released and leaves the list. */
static void treatment_then_prison_order_lapses_with_the_term(void **state)
{
    (void)state;
    pw_scenario *s = scenario();
    st_set(s, "treatment.compulsory_beds_per_100k", 0);
    st_set(s, "treatment.order_validity_months", 120); /* valid longer than the term */
    const int n = 200;
    sw h;
    pw_regime *g = open_with_cases(&h, s, "exec-ttp.yaml", n, 79);
    int start = h.week;
    sw_weeks(&h, 104);
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        assert_true(sw_rec(&h, i)->place == PL_PRISON && sw_rec(&h, i)->awaiting_bed);
    sw_weeks(&h, 2);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_COMMUNITY && !r->awaiting_bed);
        assert_true(r->released == start + 104 && r->relapse_kind == RK_PRISON);
    }
    assert_true(h.w->yc.comp_adm == 0);
    assert_true(h.w->yc.lapsed == n); /* each counted once, at the release */
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fine_changes_nothing_else),
        cmocka_unit_test(arrest_holds_for_its_days),
        cmocka_unit_test(compulsory_beds_and_waiting_list),
        cmocka_unit_test(outpatient_with_places_and_aftercare),
        cmocka_unit_test(dissuasion_refers_a_share),
        cmocka_unit_test(drug_court_graduates_or_serves),
        cmocka_unit_test(treatment_then_prison_order),
        cmocka_unit_test(treatment_then_prison_waits_in_custody),
        cmocka_unit_test(treatment_then_prison_order_lapses_with_the_term),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
