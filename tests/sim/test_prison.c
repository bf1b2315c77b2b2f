/*
 * Prison (pathway.c, placement.c, prison.c; docs/model.md, "The pathway"
 * and "Prison"): sentence lengths from the engine's bounds, work release
 * and parole, criminal mindset at prison.mindset_rate (doubled per cellmate
 * who has it, times prison.educational_mindset_ratio under the educational
 * regime), ties formed in prison, loss of work, the overdose window after
 * release (docs/sources.md K4.5) and repeat offences. Regime: exec-prison.yaml
 * (possession 2-4 years; violent crime 1 year + open term; a courier 3
 * years, educational, work release after 1; a dealer 4 years, parole
 * exams at 1 and 2 years).
 */
#include "simworld.h"

#define SCALE 0.05 /* ~110k agents */
#define K 4.0

/* n records detected for `ev` in week h->week (after one quiet week). */
static void cases(sw *h, uint32_t first, uint32_t n, pw_event ev, int violent)
{
    for (uint32_t i = first; i < first + n; i++)
        pwi_handle_case(h->w, sw_rec(h, i), i, h->week, ev, violent);
}

static void sentence_lengths(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double open_mean = 2;
    st_set(s, "prison.open_sentence_years", open_mean);
    pw_regime *g = sw_regime("exec-prison.yaml");
    const uint32_t n = 3000;
    sw h;
    sw_open(&h, s, 1, SCALE, g, 89);
    for (uint32_t j = 0; j < 2 * n; j++)
        sw_rec(&h, sw_add(&h))->flags |= RF_EMPLOYED;
    sw_weeks(&h, 1);
    cases(&h, 0, n, PW_EVENT_POSSESSION, 0);
    cases(&h, n, n, PW_EVENT_CRIME_UNDER_INFLUENCE, 1);
    double sum[2] = {0, 0};
    for (uint32_t i = 0; i < 2 * n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && r->convictions == 1);
        /* entering prison: out of work, ties partly lost, use stops */
        assert_true(!(r->flags & RF_EMPLOYED) && (r->flags & RF_TIES_LOST));
        assert_true(r->stage == ST_REM_EARLY && r->since == h.week);
        int weeks = r->end - h.week;
        if (i < n)
            assert_true(weeks >= 2 * WPY && weeks <= 4 * WPY);
        else
            assert_true(weeks >= WPY);
        sum[i >= n] += weeks / (double)WPY;
    }
    assert_true(h.w->yc.prison_adm == 2 * n);
    /* the end week is truncated to a whole week: on average half a week */
    double trunc = 0.5 / WPY;
    st_within("mean sentence, uniform in [2, 4] years", sum[0] / n, 3 - trunc,
              (2 / sqrt(12)) / sqrt(n), K);
    st_within("mean sentence, 1 year + open term", sum[1] / n, 1 + open_mean - trunc,
              open_mean / sqrt(n), K);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* A courier's 3 years: work release after 1 year (the chapter: working
 * "while still living under prison conditions"): still in custody and in
 * the prison count, employed, neither using nor offending, at the prison's
 * cost plus a bracelet; the community (with the job) at the end. */
static void work_release(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    /* Out of custody they would relapse and offend at once. */
    st_set(s, "prison.relapse_rate_after_release", 50);
    st_set(s, "use.relapse_rate_early_remission", 20);
    st_set(s, "crime.acquisitive_rate_dependent", 50);
    st_set(s, "crime.mindset_offending_rate", 20);
    st_set(s, "market.seller_quit_rate", 0); /* still couriers when caught */
    st_set(s, "cost.discount_rate", 0);
    pw_regime *g = sw_regime("exec-prison.yaml");
    const uint32_t n = 300;
    sw h;
    sw_open(&h, s, 4, SCALE, g, 97);
    for (uint32_t j = 0; j < n; j++)
        sw_rec(&h, sw_add(&h))->role = ROLE_COURIER;
    sw_weeks(&h, 1);
    int start = h.week;
    cases(&h, 0, n, PW_EVENT_DISTRIBUTION, 0);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && (r->flags & RF_EDUCATIONAL));
        assert_true(r->wr == start + WPY && r->until == r->wr && r->end == start + 3 * WPY);
    }
    sw_weeks(&h, WPY + 1);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && r->work_release && (r->flags & RF_EMPLOYED));
        assert_true(r->until == r->end && r->released == NONE16);
    }
    /* A year on work release: counted in prison, no relapse, no offence,
     * a bracelet for every week and no lost earnings. */
    sw_weeks(&h, WPY - 1 - (h.week % WPY) + 1); /* to the end of year 2 */
    int weeks_wr = h.week - (start + WPY + 1);
    assert_true(sw_series(&h, 1, "work_release") == n);
    assert_true(sw_series(&h, 1, "prison_population") == n);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && r->stage == ST_REM_EARLY);
    }
    double bracelet = sw_metric(&h, "cost_bracelets_kzt");
    double lost = sw_metric(&h, "cost_lost_earnings_kzt");
    assert_true(sw_series(&h, 1, "offences") == 0);
    /* the bracelet from the week work release began (start + WPY) on */
    assert_true(fabs(bracelet - n * (weeks_wr + 1) * 7 * s->v[PI_COST_BRACELET_DAY]) < 1e-6 * bracelet);
    /* lost earnings only before work release (the quiet week out of work,
     * then the year inside) */
    assert_true(fabs(lost - n * (WPY + 1) * s->v[PI_COST_LOST_WORK_MONTH] * 12 / WPY) < 1e-6 * lost);
    sw_weeks(&h, start + 3 * WPY + 1 - h.week);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place != PL_PRISON && r->prison_release == start + 3 * WPY);
        assert_true(r->flags & RF_EMPLOYED); /* the job outlasts the term */
    }
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* A dealer's 4 years with parole exams at 1 and 2 years: released at the
 * first with prison.parole_exam_pass, else at the second, else at the end;
 * a paroled person is monitored until the term ends. */
static void parole_exams(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double pass = 0.6;
    st_set(s, "prison.parole_exam_pass", pass);
    st_set(s, "market.seller_quit_rate", 0); /* still dealers when caught */
    pw_regime *g = sw_regime("exec-prison.yaml");
    const uint32_t n = 2000;
    sw h;
    sw_open(&h, s, 3, SCALE, g, 101);
    for (uint32_t j = 0; j < n; j++)
        sw_rec(&h, sw_add(&h))->role = ROLE_DEALER;
    sw_weeks(&h, 1);
    int start = h.week;
    cases(&h, 0, n, PW_EVENT_DISTRIBUTION, 0);
    sw_weeks(&h, WPY + 1);
    double first = 0;
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        if (r->place == PL_COMMUNITY) {
            first++;
            assert_true(r->released == start + WPY && r->monitor_until == start + 4 * WPY);
        } else {
            assert_true(r->place == PL_PRISON && r->until == start + 2 * WPY);
        }
    }
    st_within("released at the first parole exam", first / n, pass, sw_se_p(pass, n), K);
    sw_weeks(&h, WPY);
    double second = 0;
    for (uint32_t i = 0; i < n; i++)
        second += sw_rec(&h, i)->place == PL_COMMUNITY && sw_rec(&h, i)->released == start + 2 * WPY;
    double p2 = (1 - pass) * pass;
    st_within("released at the second parole exam", second / n, p2, sw_se_p(p2, n), K);
    for (uint32_t i = 0; i < n; i++)
        if (sw_rec(&h, i)->place == PL_PRISON)
            assert_true(sw_rec(&h, i)->until == start + 4 * WPY);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Criminal mindset: base rate, educational regime, cellmates with it. */
static void criminal_mindset(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double rate = 1.0, edu = 0.5;
    st_set(s, "prison.mindset_rate", rate);
    st_set(s, "prison.educational_mindset_ratio", edu);
    pw_regime *g = sw_regime("exec-prison.yaml");
    const uint32_t n = 3000, m = 400, weeks = 26;
    sw h;
    /* Plain prisoners (possession) and educational ones (couriers, whose
     * work release comes after a year), entering an empty prison. */
    sw_open(&h, s, 1, SCALE, g, 103);
    for (uint32_t j = 0; j < 2 * n; j++)
        sw_rec(&h, sw_add(&h))->role = j < n ? ROLE_NONE : ROLE_COURIER;
    sw_weeks(&h, 1);
    cases(&h, 0, n, PW_EVENT_POSSESSION, 0);
    cases(&h, n, n, PW_EVENT_DISTRIBUTION, 0);
    sw_weeks(&h, weeks);
    double got[2] = {0, 0};
    for (uint32_t i = 0; i < 2 * n; i++) {
        assert_true(sw_rec(&h, i)->place == PL_PRISON);
        got[i >= n] += sw_rec(&h, i)->mindset;
    }
    assert_true(h.w->yc.mindset_prison == got[0] + got[1]);
    double p0 = -expm1(-rate * weeks / WPY), p1 = -expm1(-rate * edu * weeks / WPY);
    st_within("mindset acquired in 26 weeks", got[0] / n, p0, sw_se_p(p0, n), K);
    st_within("mindset acquired in 26 weeks, educational regime", got[1] / n, p1,
              sw_se_p(p1, n), K);
    fprintf(stderr, "educational/ordinary hazard ratio %.2f (parameter %.2f)\n",
            log1p(-got[1] / n) / log1p(-got[0] / n), edu);
    sw_close(&h);

    /* Newcomers share cells with m prisoners who all have the mindset:
     * both cellmates have it, so the rate is 4 x the base rate. */
    sw_open(&h, s, 1, SCALE, g, 107);
    for (uint32_t j = 0; j < m + n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    cases(&h, 0, m, PW_EVENT_POSSESSION, 0);
    for (uint32_t i = 0; i < m; i++)
        sw_rec(&h, i)->mindset = 1;
    sw_weeks(&h, 1); /* this week's prisoners are listed for the cells */
    cases(&h, m, n, PW_EVENT_POSSESSION, 0);
    for (uint32_t i = m; i < m + n; i++)
        for (int k = 0; k < 2; k++)
            assert_true(sw_rec(&h, i)->contact[k] < m); /* ties formed in prison */
    sw_weeks(&h, weeks);
    double got4 = 0;
    for (uint32_t i = m; i < m + n; i++)
        got4 += sw_rec(&h, i)->mindset;
    double p4 = -expm1(-4 * rate * weeks / WPY);
    st_within("mindset acquired in 26 weeks, two cellmates with it", got4 / n, p4,
              sw_se_p(p4, n), K);
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

/* Overdose deaths of dependent users x health.overdose_after_release_ratio
 * in the two weeks after release (Merrall 2010, docs/sources.md K4.5), then the
 * ordinary rate. */
static void overdose_window_after_release(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    const double od = 0.5, rr = 8;
    st_set(s, "health.overdose_death_rate_other_dependent", od);
    st_set(s, "health.overdose_out_of_treatment_ratio", 1);
    st_set(s, "health.overdose_after_release_ratio", rr);
    const uint32_t n = 5000;
    double deaths[2][2]; /* [released][weeks 0-1, weeks 2-5] */
    for (int rel = 0; rel < 2; rel++) {
        sw h;
        sw_open(&h, s, 1, SCALE, NULL, 109);
        for (uint32_t j = 0; j < n; j++)
            if (rel)
                sw_rec(&h, sw_add(&h))->released = 0; /* released in week 0 */
            else
                sw_add(&h);
        sw_weeks(&h, 2);
        deaths[rel][0] = h.w->yc.od_deaths;
        sw_weeks(&h, 4);
        deaths[rel][1] = h.w->yc.od_deaths - deaths[rel][0];
        sw_close(&h);
    }
    double pb = -expm1(-od * 2 / WPY), pr = -expm1(-od * rr * 2 / WPY);
    st_within("overdose deaths in 2 weeks, not released", deaths[0][0], n * pb,
              sqrt(n * pb * (1 - pb)), K);
    st_within("overdose deaths in the 2 weeks after release", deaths[1][0], n * pr,
              sqrt(n * pr * (1 - pr)), K);
    double left = n - deaths[1][0], p4 = -expm1(-od * 4 / WPY);
    st_within("overdose deaths in weeks 3-6 after release", deaths[1][1], left * p4,
              sqrt(left * p4 * (1 - p4)), K);
    fprintf(stderr, "overdose ratio in the window: %.1f (parameter %.0f)\n",
            log1p(-deaths[1][0] / n) / log1p(-deaths[0][0] / n), rr);
    pw_scenario_free(s);
}

/* Repeat offences: the engine sees the person's record (exec-repeat: a
 * fine the first time, then prison), and a released prisoner starts again
 * in early remission with the post-prison relapse rate. */
static void repeat_offences(void **state)
{
    (void)state;
    pw_scenario *s = sw_scenario();
    pw_regime *g = sw_regime("exec-repeat.yaml");
    const uint32_t n = 100;
    sw h;
    sw_open(&h, s, 2, SCALE, g, 113);
    for (uint32_t j = 0; j < n; j++)
        sw_add(&h);
    sw_weeks(&h, 1);
    cases(&h, 0, n, PW_EVENT_POSSESSION, 0);
    for (uint32_t i = 0; i < n; i++)
        assert_true(sw_rec(&h, i)->place == PL_COMMUNITY && sw_rec(&h, i)->offences == 1);
    sw_weeks(&h, 1);
    int second = h.week;
    cases(&h, 0, n, PW_EVENT_POSSESSION, 0);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_PRISON && r->offences == 2 && r->convictions == 1);
        assert_true(r->end == second + WPY);
    }
    sw_weeks(&h, WPY + 1);
    for (uint32_t i = 0; i < n; i++) {
        const act *r = sw_rec(&h, i);
        assert_true(r->place == PL_COMMUNITY && r->released == second + WPY);
        assert_true(r->relapse_kind == RK_PRISON && r->since >= second + WPY);
    }
    sw_close(&h);
    pw_regime_free(g);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sentence_lengths),
        cmocka_unit_test(work_release),
        cmocka_unit_test(parole_exams),
        cmocka_unit_test(criminal_mindset),
        cmocka_unit_test(overdose_window_after_release),
        cmocka_unit_test(repeat_offences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
