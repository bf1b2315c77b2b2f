/*
 * The five built-in regimes, rule by rule: a table of cases with the
 * decision each regime must reach (the hybrid's five behaviours in docs/regimes.md
 * first), then properties over a grid of every combination of case values:
 * every case is decided, every rule fires for some case (no dead rules),
 * the hybrid's guarantees hold everywhere, and pw_decide gives the same
 * answers from several threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathways/engine.h"

static const char *const regime_names[] = {"hybrid", "kz-current", "russia", "portugal",
                                           "drug-court"};
#define N_REGIMES 5
static pw_regime *regimes[N_REGIMES];

static pw_regime *regime(const char *name)
{
    for (int i = 0; i < N_REGIMES; i++)
        if (strcmp(regime_names[i], name) == 0)
            return regimes[i];
    fail_msg("no regime %s", name);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N_REGIMES; i++) {
        pw_error e;
        pw_error_clear(&e);
        if (pw_regime_load(regime_names[i], &regimes[i], &e)) {
            pw_error_print(&e, stderr, "test");
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_REGIMES; i++)
        pw_regime_free(regimes[i]);
    return 0;
}

/* ---- The table ------------------------------------------------------- */

typedef struct {
    const char *regime, *what;
    /* the case */
    const char *event, *amount, *role, *substance;
    int dsm5, prior_drug_offences, prior_convictions;
    bool violent, consents;
    /* the decision */
    const char *route, *disposition;
    const char *rules;    /* rule ids that must be in the trace, in order */
    int signoff;          /* 0 or 1 */
    int custodial;        /* -1 no sentence, 0 non-custodial, 1 custodial */
    float min_years, max_years; /* checked when custodial == 1; max 0 = uncapped */
    const char *measures; /* measure types, in order, exactly */
} row;

#define NOSENT -1, 0, 0
#define NONCUST 0, 0, 0
#define CUST(lo, hi) 1, lo, hi

static const row table[] = {
    /* hybrid 1: personal use or possession -> health route, panel examination */
    {"hybrid", "1: use, no disorder -> panel + brief intervention", "use", "personal", "none", "cannabis", 1, 0, 0, 0, 0,
     "health", "brief_intervention", "hybrid.panel.personal_use hybrid.health.brief_intervention", 0, NOSENT,
     "diagnostic_examination brief_intervention"},
    {"hybrid", "1: possession, mild heroin -> health, not a fine", "possession", "personal", "none", "heroin", 3, 2, 2, 0, 0,
     "health", "brief_intervention", "hybrid.panel.personal_use hybrid.health.brief_intervention", 0, NOSENT,
     "diagnostic_examination brief_intervention"},
    {"hybrid", "1: possession of a large amount without intent -> still health", "possession", "large", "none", "cannabis", 0, 0, 0, 0, 0,
     "health", "brief_intervention", "hybrid.panel.personal_use", 0, NOSENT,
     "diagnostic_examination brief_intervention"},
    /* hybrid 2: inpatient isolation when severe, or moderate for synthetics */
    {"hybrid", "2: severe heroin -> compulsory inpatient", "use", "personal", "none", "heroin", 6, 0, 0, 0, 0,
     "health", "compulsory_inpatient_treatment", "hybrid.panel.personal_use hybrid.health.inpatient_severe hybrid.signoff.compulsory", 1, NOSENT,
     "diagnostic_examination detoxification inpatient_rehabilitation post_rehabilitation_12_step monitoring"},
    {"hybrid", "2: moderate synthetic cannabinoids -> compulsory inpatient", "use", "personal", "none", "synthetic_cannabinoids", 4, 0, 0, 0, 1,
     "health", "compulsory_inpatient_treatment", "hybrid.panel.personal_use hybrid.health.inpatient_synthetic hybrid.signoff.compulsory", 1, NOSENT,
     "diagnostic_examination detoxification inpatient_rehabilitation post_rehabilitation_12_step monitoring"},
    {"hybrid", "2: moderate synthetic cathinones -> compulsory inpatient", "possession", "personal", "none", "synthetic_cathinones", 5, 0, 0, 0, 0,
     "health", "compulsory_inpatient_treatment", "hybrid.health.inpatient_synthetic", 1, NOSENT,
     "diagnostic_examination detoxification inpatient_rehabilitation post_rehabilitation_12_step monitoring"},
    {"hybrid", "2: moderate cannabis (not synthetic) -> outpatient", "use", "personal", "none", "cannabis", 5, 0, 0, 0, 0,
     "health", "outpatient_treatment", "hybrid.health.outpatient_moderate", 0, NOSENT,
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"hybrid", "2: moderate methamphetamine -> outpatient", "use", "personal", "none", "methamphetamine", 4, 0, 0, 0, 0,
     "health", "outpatient_treatment", "hybrid.health.outpatient_moderate", 0, NOSENT,
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"hybrid", "2: severe cannabis -> compulsory inpatient", "use", "personal", "none", "cannabis", 6, 0, 0, 0, 0,
     "health", "compulsory_inpatient_treatment", "hybrid.health.inpatient_severe", 1, NOSENT,
     "diagnostic_examination detoxification inpatient_rehabilitation post_rehabilitation_12_step monitoring"},
    {"hybrid", "2: mild synthetic cannabinoids -> brief intervention", "use", "personal", "none", "synthetic_cannabinoids", 3, 0, 0, 0, 0,
     "health", "brief_intervention", "hybrid.health.brief_intervention", 0, NOSENT,
     "diagnostic_examination brief_intervention"},
    /* hybrid 3: crime under the influence */
    {"hybrid", "3: crime under influence, moderate -> treatment then prison", "crime_under_influence", "personal", "none", "heroin", 4, 0, 1, 1, 0,
     "criminal", "treatment_then_prison", "hybrid.panel.crime_under_influence hybrid.crime.treatment_first hybrid.signoff.compulsory", 1, CUST(0, 0),
     "diagnostic_examination detoxification inpatient_rehabilitation post_rehabilitation_12_step"},
    {"hybrid", "3: crime under influence, mild -> ordinary prison", "crime_under_influence", "personal", "none", "cocaine", 3, 0, 0, 0, 0,
     "criminal", "prison", "hybrid.panel.crime_under_influence hybrid.crime.ordinary", 0, CUST(0, 0),
     "diagnostic_examination"},
    /* hybrid 4: distribution */
    {"hybrid", "4: first-time courier -> 5-7 years educational", "distribution", "large", "courier", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "hybrid.distribution.first_time", 0, CUST(5, 7),
     "prison_rehabilitation_programme work_release"},
    {"hybrid", "4: first-time producer -> also capped", "distribution", "especially_large", "producer", "synthetic_cathinones", 0, 0, 0, 0, 0,
     "criminal", "prison", "hybrid.distribution.first_time", 0, CUST(5, 7),
     "prison_rehabilitation_programme work_release"},
    {"hybrid", "4: repeat dealer -> art. 297 repeat, 7-12 years", "distribution", "personal", "dealer", "heroin", 0, 1, 1, 0, 0,
     "criminal", "prison", "hybrid.distribution.repeat", 0, CUST(7, 12), ""},
    {"hybrid", "4: prior non-drug conviction -> not first-time", "distribution", "personal", "courier", "cannabis", 0, 0, 2, 0, 0,
     "criminal", "prison", "hybrid.distribution.repeat", 0, CUST(7, 12), ""},
    {"hybrid", "4: repeat producer -> art. 297 production, 15-20 years", "distribution", "large", "producer", "heroin", 0, 1, 1, 0, 0,
     "criminal", "prison", "hybrid.distribution.production", 0, CUST(15, 20), ""},
    {"hybrid", "4: repeat, especially large -> 15-20 years", "distribution", "especially_large", "dealer", "heroin", 0, 1, 1, 0, 0,
     "criminal", "prison", "hybrid.distribution.especially_large", 0, CUST(15, 20), ""},

    /* kz-current */
    {"kz-current", "use in public -> art. 296.1", "use", "personal", "none", "cannabis", 2, 0, 0, 0, 0,
     "criminal", "alternative_sanction", "kz.use.public", 0, NONCUST, "fine"},
    {"kz-current", "small possession -> art. 296.2-4", "possession", "personal", "none", "heroin", 0, 0, 0, 0, 0,
     "criminal", "alternative_sanction", "kz.possession.small", 0, NONCUST, "fine"},
    {"kz-current", "large possession", "possession", "large", "none", "heroin", 0, 0, 0, 0, 0,
     "criminal", "alternative_sanction", "kz.possession.large", 0, NONCUST, "fine"},
    {"kz-current", "especially large possession -> 3-7 years", "possession", "especially_large", "none", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "kz.possession.especially_large", 0, CUST(3, 7), ""},
    {"kz-current", "severe, refuses treatment -> court-ordered compulsory treatment", "use", "personal", "none", "heroin", 7, 0, 0, 0, 0,
     "criminal", "alternative_sanction", "kz.use.public kz.treatment.compulsory", 0, NONCUST,
     "fine diagnostic_examination inpatient_rehabilitation"},
    {"kz-current", "moderate, consents -> voluntary treatment", "possession", "personal", "none", "synthetic_cathinones", 4, 0, 0, 0, 1,
     "criminal", "alternative_sanction", "kz.possession.small kz.treatment.voluntary", 0, NONCUST,
     "fine outpatient_treatment"},
    {"kz-current", "crime under influence -> prison", "crime_under_influence", "personal", "none", "cannabis", 2, 0, 0, 1, 0,
     "criminal", "prison", "kz.crime_under_influence", 0, CUST(0, 0), ""},
    {"kz-current", "first-time courier -> 5-8 years (2025)", "distribution", "large", "courier", "synthetic_cathinones", 0, 0, 0, 0, 0,
     "criminal", "prison", "kz.distribution.first_time", 0, CUST(5, 8), ""},
    {"kz-current", "repeat courier -> 7-12 years", "distribution", "large", "courier", "heroin", 0, 1, 1, 0, 0,
     "criminal", "prison", "kz.distribution.repeat", 0, CUST(7, 12), ""},
    {"kz-current", "production -> 15-20 years or life", "distribution", "personal", "producer", "synthetic_cathinones", 0, 0, 0, 0, 0,
     "criminal", "prison", "kz.distribution.production", 0, CUST(15, 0), ""},
    {"kz-current", "especially large sale -> 15-20 years", "distribution", "especially_large", "dealer", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "kz.distribution.especially_large", 0, CUST(15, 20), ""},

    /* russia */
    {"russia", "use -> KoAP 6.9 fine", "use", "personal", "none", "cannabis", 1, 0, 0, 0, 0,
     "administrative", "administrative_fine", "ru.use", 0, NONCUST, "fine"},
    {"russia", "use with dependence -> fine + court-ordered treatment", "use", "personal", "none", "heroin", 6, 0, 0, 0, 0,
     "administrative", "administrative_fine", "ru.use ru.treatment.order", 0, NONCUST,
     "fine diagnostic_examination outpatient_treatment"},
    {"russia", "small possession -> KoAP 6.8", "possession", "personal", "none", "heroin", 0, 0, 0, 0, 0,
     "administrative", "administrative_fine", "ru.possession.small", 0, NONCUST, "fine"},
    {"russia", "first-time large possession, dependent, consents -> art. 82.1 deferral", "possession", "large", "none", "heroin", 5, 0, 0, 0, 1,
     "diversion", "alternative_sanction", "ru.possession.deferral", 0, NONCUST,
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"russia", "large possession, refuses -> art. 228 part 2, 3-10 years", "possession", "large", "none", "heroin", 5, 0, 0, 0, 0,
     "criminal", "prison", "ru.possession.large", 0, CUST(3, 10), ""},
    {"russia", "very large possession -> 10-15 years", "possession", "especially_large", "none", "cannabis", 0, 0, 0, 0, 1,
     "criminal", "prison", "ru.possession.very_large", 0, CUST(10, 15), ""},
    {"russia", "crime under influence -> prison", "crime_under_influence", "personal", "none", "heroin", 8, 0, 0, 1, 0,
     "criminal", "prison", "ru.crime_under_influence", 0, CUST(0, 0), ""},
    {"russia", "sale -> art. 228.1 part 1, 4-8 years", "distribution", "personal", "dealer", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "ru.distribution.basic", 0, CUST(4, 8), ""},
    {"russia", "sale, large -> 8-15 years", "distribution", "large", "courier", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "ru.distribution.large", 0, CUST(8, 15), ""},
    {"russia", "sale, especially large -> 10 years to life", "distribution", "especially_large", "dealer", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "ru.distribution.very_large", 0, CUST(10, 0), ""},

    /* portugal */
    {"portugal", "first use, no disorder -> CDT, suspended", "use", "personal", "none", "cannabis", 0, 0, 0, 0, 0,
     "administrative", "dissuasion_commission", "pt.cdt pt.cdt.suspended", 0, NOSENT, "brief_intervention"},
    {"portugal", "severe, consents -> CDT referral to treatment", "possession", "personal", "none", "heroin", 7, 0, 0, 0, 1,
     "administrative", "dissuasion_commission", "pt.cdt pt.cdt.treatment", 0, NOSENT,
     "diagnostic_examination outpatient_treatment"},
    {"portugal", "severe, refuses -> periodic reporting", "use", "personal", "none", "heroin", 7, 0, 0, 0, 0,
     "administrative", "dissuasion_commission", "pt.cdt pt.cdt.reporting", 0, NOSENT,
     "diagnostic_examination monitoring"},
    {"portugal", "repeat user without disorder -> sanction", "use", "personal", "none", "cannabis", 3, 2, 2, 0, 0,
     "administrative", "dissuasion_commission", "pt.cdt pt.cdt.repeat", 0, NOSENT, "community_service"},
    {"portugal", "possession above 10 days' supply -> crime", "possession", "large", "none", "cannabis", 0, 0, 0, 0, 0,
     "criminal", "prison", "pt.possession.above_threshold", 0, CUST(0, 1), ""},
    {"portugal", "small courier -> lesser trafficking 1-5", "distribution", "personal", "courier", "cannabis", 0, 0, 0, 0, 0,
     "criminal", "prison", "pt.trafficking.minor", 0, CUST(1, 5), ""},
    {"portugal", "dealer -> trafficking 4-12", "distribution", "personal", "dealer", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "pt.trafficking", 0, CUST(4, 12), ""},
    {"portugal", "crime under influence -> prison", "crime_under_influence", "personal", "none", "heroin", 5, 0, 0, 0, 0,
     "criminal", "prison", "pt.crime_under_influence", 0, CUST(0, 0), ""},

    /* drug-court */
    /* admitted: the sentence of the ordinary track, deferred (checked in
     * drug_court_sentences_deferred) */
    {"drug-court", "non-violent, disorder, consents -> drug court, probation on failure", "possession", "personal", "none", "methamphetamine", 5, 1, 1, 0, 1,
     "diversion", "drug_court", "dc.admit.possession", 0, NONCUST,
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"drug-court", "large possession, consents -> drug court, up to 5 years on failure", "possession", "large", "none", "heroin", 4, 0, 0, 0, 1,
     "diversion", "drug_court", "dc.admit.possession_large", 0, CUST(0, 5),
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"drug-court", "crime under influence, mild, non-violent, consents -> drug court, the offence's term on failure", "crime_under_influence", "personal", "none", "cocaine", 2, 0, 3, 0, 1,
     "diversion", "drug_court", "dc.admit.crime", 0, CUST(0, 0),
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"drug-court", "refuses -> probation", "possession", "personal", "none", "heroin", 6, 0, 0, 0, 0,
     "criminal", "alternative_sanction", "dc.ordinary.possession", 0, NONCUST, "drug_testing"},
    {"drug-court", "no use disorder -> not eligible", "use", "personal", "none", "cannabis", 1, 0, 0, 0, 1,
     "criminal", "alternative_sanction", "dc.ordinary.possession", 0, NONCUST, "drug_testing"},
    {"drug-court", "violent -> excluded, prison", "crime_under_influence", "personal", "none", "heroin", 7, 0, 0, 1, 1,
     "criminal", "prison", "dc.ordinary.crime", 0, CUST(0, 0), ""},
    {"drug-court", "low-level seller with disorder -> drug court", "distribution", "personal", "courier", "heroin", 6, 0, 0, 0, 1,
     "diversion", "drug_court", "dc.low_level_seller", 0, CUST(0, 0),
     "diagnostic_examination outpatient_treatment drug_testing"},
    {"drug-court", "dealer -> prison", "distribution", "large", "dealer", "heroin", 6, 0, 0, 0, 1,
     "criminal", "prison", "dc.ordinary.distribution", 0, CUST(0, 0), ""},
    {"drug-court", "large possession, not admitted -> prison", "possession", "large", "none", "heroin", 0, 0, 0, 0, 0,
     "criminal", "prison", "dc.ordinary.possession_large", 0, CUST(0, 5), ""},
};

static int name_index(const char *(*name)(int), int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name(i), s) == 0)
            return i;
    fail_msg("unknown name '%s'", s);
    return -1;
}
static const char *ev(int i) { const char *t[] = {"use", "possession", "crime_under_influence", "distribution"}; return t[i]; }
static const char *am(int i) { const char *t[] = {"personal", "large", "especially_large"}; return t[i]; }
static const char *ro(int i) { const char *t[] = {"none", "courier", "dealer", "producer"}; return t[i]; }
static const char *rt(int i) { return pw_route_name((pw_route)i); }
static const char *di(int i) { return pw_disposition_name((pw_disposition)i); }
static const char *me(int i) { return pw_measure_name((pw_measure_type)i); }

static pw_case make_case(const row *t)
{
    pw_case c = {
        .age = 25,
        .event = (pw_event)name_index(ev, 4, t->event),
        .amount = (pw_amount)name_index(am, 3, t->amount),
        .role = (pw_role)name_index(ro, 4, t->role),
        .violent = t->violent,
        .prior_drug_offences = t->prior_drug_offences,
        .prior_convictions = t->prior_convictions,
        .consents_to_treatment = t->consents,
        .substance = pw_substance_lookup(t->substance),
        .dsm5_criteria = t->dsm5,
        .assist_score = -1,
    };
    assert_true(c.substance >= 0);
    return c;
}

static void check_row(const row *t)
{
    pw_regime *r = regime(t->regime);
    pw_case c = make_case(t);
    pw_decision d;
    char ctx[300];
    snprintf(ctx, sizeof ctx, "%s: %s", t->regime, t->what);
    if (pw_decide(r, &c, &d) != PW_OK)
        fail_msg("%s: not decided", ctx);
    if (d.route != (pw_route)name_index(rt, 4, t->route))
        fail_msg("%s: route %s, expected %s", ctx, pw_route_name(d.route), t->route);
    if (d.disposition != (pw_disposition)name_index(di, PW_DISP_COUNT, t->disposition))
        fail_msg("%s: disposition %s, expected %s", ctx, pw_disposition_name(d.disposition),
                 t->disposition);
    if (d.requires_panel_signoff != (t->signoff == 1))
        fail_msg("%s: sign-off %d", ctx, d.requires_panel_signoff);
    /* The expected rules appear in the trace in the given order. */
    char buf[400];
    snprintf(buf, sizeof buf, "%s", t->rules);
    int at = 0;
    for (char *id = strtok(buf, " "); id; id = strtok(NULL, " ")) {
        while (at < d.n_trace && strcmp(pw_rule_id(r, d.trace[at]), id) != 0)
            at++;
        if (at == d.n_trace)
            fail_msg("%s: rule %s did not fire (in order)", ctx, id);
    }
    if (t->custodial < 0) {
        if (d.has_sentence)
            fail_msg("%s: unexpected sentence", ctx);
    } else {
        if (!d.has_sentence || d.sentence.custodial != (t->custodial == 1))
            fail_msg("%s: sentence missing or custodial=%d", ctx, d.has_sentence && d.sentence.custodial);
        if (t->custodial == 1 &&
            (d.sentence.min_years != t->min_years || d.sentence.max_years != t->max_years))
            fail_msg("%s: sentence %g-%g years, expected %g-%g", ctx, (double)d.sentence.min_years,
                     (double)d.sentence.max_years, (double)t->min_years, (double)t->max_years);
    }
    snprintf(buf, sizeof buf, "%s", t->measures);
    int k = 0;
    for (char *m = strtok(buf, " "); m; m = strtok(NULL, " "), k++) {
        if (k >= d.n_measures ||
            d.measures[k].type != (pw_measure_type)name_index(me, PW_MEASURE_COUNT, m))
            fail_msg("%s: measure %d is %s, expected %s", ctx, k,
                     k < d.n_measures ? pw_measure_name(d.measures[k].type) : "(none)", m);
    }
    if (k != d.n_measures)
        fail_msg("%s: %d measures, expected %d", ctx, d.n_measures, k);
}

static void table_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        check_row(&table[i]);
}

/* The hybrid's terms in detail (behaviours 2 and 4). */
static void hybrid_terms(void **state)
{
    (void)state;
    pw_regime *r = regime("hybrid");
    pw_decision d;
    pw_case c = make_case(&table[3]); /* severe heroin */
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    int found = 0;
    for (int i = 0; i < d.n_measures; i++)
        if (d.measures[i].type == PW_MEASURE_INPATIENT_REHABILITATION) {
            assert_true(d.measures[i].min_months >= 12); /* at least 12 months */
            found = 1;
        }
    assert_true(found);
    assert_true(d.monitoring_required);
    assert_true(d.monitoring_months > 0);

    c = make_case(&table[12]); /* first-time courier */
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    const pw_sentence *s = &d.sentence;
    assert_true(s->custodial && s->pretrial_detention && s->educational_regime);
    assert_true(s->electronic_monitoring);
    assert_true(s->min_years == 5.0f && s->max_years == 7.0f);
    assert_true(s->work_release_after_years == 2.0f);
    assert_true(s->parole_from_years == 3.5f && s->parole_to_years == 5.0f);
    assert_non_null(s->parole_conditions);
    assert_non_null(strstr(s->parole_conditions, "exam"));

    c = make_case(&table[14]); /* repeat dealer */
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    /* art. 297's repeat-offence terms, above the first-time cap */
    assert_true(d.sentence.min_years == 7.0f && d.sentence.max_years == 12.0f);
    assert_false(d.sentence.educational_regime);
}

/* Rule metadata: every rule has an id, why, source and stage. */
static void rule_metadata(void **state)
{
    (void)state;
    for (int k = 0; k < N_REGIMES; k++) {
        pw_regime *r = regimes[k];
        assert_string_equal(pw_regime_name(r), regime_names[k]);
        assert_true(strlen(pw_regime_summary(r)) > 20);
        for (int i = 0; i < pw_regime_rule_count(r); i++) {
            assert_true(strlen(pw_rule_id(r, i)) > 0);
            assert_true(strlen(pw_rule_why(r, i)) > 10);
            assert_true(strlen(pw_rule_source(r, i)) > 5);
            assert_non_null(pw_rule_stage(r, i));
        }
        assert_null(pw_rule_id(r, -1));
        assert_null(pw_rule_id(r, pw_regime_rule_count(r)));
    }
}

/* ---- The grid -------------------------------------------------------- */

static const int grid_priors[][2] = {{0, 0}, {0, 1}, {1, 1}, {3, 5}};
static const int grid_ages[] = {14, 17, 30, 70};

/* Calls fn for every combination of case values (about 200,000 cases). */
static void for_grid(void (*fn)(const pw_case *, void *), void *arg)
{
    pw_case c = {.assist_score = -1};
    for (int ev = 0; ev < PW_EVENT_COUNT; ev++)
        for (int s = 0; s < pw_substance_count(); s++)
            for (int dsm = 0; dsm <= 11; dsm++)
                for (int am = 0; am < 3; am++)
                    for (int ro = 0; ro < 4; ro++)
                        for (int f = 0; f < 4; f++)
                            for (int p = 0; p < 4; p++) {
                                c.event = (pw_event)ev;
                                c.substance = s;
                                c.dsm5_criteria = dsm;
                                c.amount = (pw_amount)am;
                                c.role = (pw_role)ro;
                                c.violent = f & 1;
                                c.consents_to_treatment = f & 2;
                                c.prior_drug_offences = grid_priors[p][0];
                                c.prior_convictions = grid_priors[p][1];
                                c.age = grid_ages[(ev + s + dsm) % 4];
                                c.injecting = dsm & 1;
                                fn(&c, arg);
                            }
}

typedef struct {
    pw_regime *r;
    unsigned char *fired;
    long n;
} grid_state;

static void grid_case(const pw_case *c, void *arg)
{
    grid_state *g = arg;
    pw_decision d;
    int rc = pw_decide(g->r, c, &d);
    if (rc != PW_OK)
        fail_msg("%s: event %d substance %s dsm %d amount %d role %d not decided (%d)",
                 pw_regime_name(g->r), c->event, pw_substance_name(c->substance),
                 c->dsm5_criteria, c->amount, c->role, rc);
    g->n++;
    assert_true(d.n_trace >= 1 && d.n_trace <= PW_MAX_TRACE);
    assert_true(d.n_measures >= 0 && d.n_measures <= PW_MAX_MEASURES);
    assert_int_equal(d.severity, pw_dsm5_severity(c->dsm5_criteria));
    for (int i = 0; i < d.n_trace; i++)
        g->fired[d.trace[i]] = 1;
    /* Only a drug court holds a sentence over (the loader refuses a
     * deferred sentence on a rule with another disposition). */
    if (d.has_sentence && d.sentence.deferred)
        assert_int_equal(d.disposition, PW_DISP_DRUG_COURT);

    if (strcmp(pw_regime_name(g->r), "hybrid") != 0)
        return;
    /* Hybrid guarantees, for every case. */
    bool compulsory = d.disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                      d.disposition == PW_DISP_TREATMENT_THEN_PRISON;
    assert_int_equal(d.requires_panel_signoff, compulsory);                     /* 5 */
    if (c->event == PW_EVENT_USE || c->event == PW_EVENT_POSSESSION) {          /* 1 */
        assert_int_equal(d.route, PW_ROUTE_HEALTH);
        assert_false(d.has_sentence);
        assert_int_equal(d.measures[0].type, PW_MEASURE_DIAGNOSTIC_EXAMINATION);
        pw_substance_group g2 = pw_substance_group_of(c->substance);
        bool inpatient = d.severity == PW_SEV_SEVERE ||
                         (g2 == PW_GROUP_SYNTHETIC_NPS && d.severity >= PW_SEV_MODERATE);
        assert_int_equal(d.disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT, inpatient); /* 2 */
        if (!inpatient)
            assert_int_equal(d.disposition, d.severity == PW_SEV_MODERATE
                                                 ? PW_DISP_OUTPATIENT_TREATMENT
                                                 : PW_DISP_BRIEF_INTERVENTION);
    }
    if (c->event == PW_EVENT_CRIME_UNDER_INFLUENCE)                             /* 3 */
        assert_int_equal(d.disposition == PW_DISP_TREATMENT_THEN_PRISON,
                         d.severity >= PW_SEV_MODERATE);
    if (c->event == PW_EVENT_DISTRIBUTION) {                                    /* 4 */
        bool first = c->prior_drug_offences == 0 && c->prior_convictions == 0;
        assert_true(d.has_sentence && d.sentence.custodial);
        if (first)
            assert_true(d.sentence.min_years == 5 && d.sentence.max_years == 7);
        else
            assert_true(d.sentence.min_years >= 7 && d.sentence.max_years > 7);
    }
}

/* drug-court: every admission carries the sentence of the ordinary track
 * for the same offence (the same case refusing treatment), marked deferred:
 * a participant who does not graduate is sentenced on the original charge
 * (post-plea courts, ASSUMED), so failures can go to prison. */
static void dc_case(const pw_case *c, void *arg)
{
    long *n = arg;
    pw_regime *r = regime("drug-court");
    pw_decision d, o;
    assert_int_equal(pw_decide(r, c, &d), PW_OK);
    if (d.disposition != PW_DISP_DRUG_COURT)
        return;
    n[0]++;
    if (!d.has_sentence || !d.sentence.deferred || !d.sentence.basis ||
        !strstr(d.sentence.basis, "Deferred"))
        fail_msg("event %d amount %d: a drug court without a deferred sentence", c->event,
                 c->amount);
    pw_case refused = *c;
    refused.consents_to_treatment = false;
    assert_int_equal(pw_decide(r, &refused, &o), PW_OK);
    assert_int_not_equal(o.disposition, PW_DISP_DRUG_COURT);
    assert_true(o.has_sentence && !o.sentence.deferred);
    if (d.sentence.custodial != o.sentence.custodial ||
        d.sentence.min_years != o.sentence.min_years ||
        d.sentence.max_years != o.sentence.max_years)
        fail_msg("event %d amount %d role %d: deferred %d %g-%g, ordinary %d %g-%g", c->event,
                 c->amount, c->role, d.sentence.custodial, (double)d.sentence.min_years,
                 (double)d.sentence.max_years, o.sentence.custodial,
                 (double)o.sentence.min_years, (double)o.sentence.max_years);
    /* Only simple possession (and use) of a personal amount is non-custodial. */
    bool simple = (c->event == PW_EVENT_USE || c->event == PW_EVENT_POSSESSION) &&
                  c->amount == PW_AMOUNT_PERSONAL;
    assert_int_equal(d.sentence.custodial, !simple);
    n[1 + d.sentence.custodial]++;
}

static void drug_court_sentences_deferred(void **state)
{
    (void)state;
    long n[3] = {0, 0, 0};
    for_grid(dc_case, n);
    /* both kinds occur: probation and prison on failure */
    assert_true(n[0] > 1000 && n[1] > 100 && n[2] > 100);
}

static void grid_all_decided_all_rules_fire(void **state)
{
    (void)state;
    for (int k = 0; k < N_REGIMES; k++) {
        grid_state g = {regimes[k], calloc((size_t)pw_regime_rule_count(regimes[k]), 1), 0};
        for_grid(grid_case, &g);
        assert_true(g.n > 100000);
        for (int i = 0; i < pw_regime_rule_count(regimes[k]); i++)
            if (!g.fired[i])
                fail_msg("%s: rule %s never fires (dead rule)", regime_names[k],
                         pw_rule_id(regimes[k], i));
        free(g.fired);
    }
}

static void invalid_cases(void **state)
{
    (void)state;
    pw_regime *r = regime("hybrid");
    pw_decision d;
    pw_case ok = make_case(&table[0]), c;
    c = ok; c.dsm5_criteria = 12;
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    c = ok; c.dsm5_criteria = -1;
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    c = ok; c.substance = -1;
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    c = ok; c.substance = pw_substance_count();
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    c = ok; c.event = PW_EVENT_COUNT;
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    c = ok; c.prior_convictions = -2;
    assert_int_equal(pw_decide(r, &c, &d), PW_EINVAL);
    assert_int_equal(pw_decide(r, &ok, &d), PW_OK);
}

/* ---- Threads --------------------------------------------------------- */

#define N_THREAD_CASES 20000

typedef struct {
    const pw_case *cases;
    const pw_decision *expect;
    int mismatches;
} thread_arg;

/* The first measure of a type, and its months: the minimum, else the
 * maximum; 0 when the decision has no such measure. */
static void decision_measures(void **state)
{
    (void)state;
    pw_decision d;
    memset(&d, 0, sizeof d);
    d.n_measures = 3;
    d.measures[0] = (pw_measure){PW_MEASURE_DETOXIFICATION, 0, 1};
    d.measures[1] = (pw_measure){PW_MEASURE_INPATIENT_REHABILITATION, 12, 0};
    d.measures[2] = (pw_measure){PW_MEASURE_INPATIENT_REHABILITATION, 3, 0};
    assert_ptr_equal(pw_decision_measure(&d, PW_MEASURE_INPATIENT_REHABILITATION), &d.measures[1]);
    assert_null(pw_decision_measure(&d, PW_MEASURE_MONITORING));
    assert_true(pw_decision_months(&d, PW_MEASURE_INPATIENT_REHABILITATION) == 12);
    assert_true(pw_decision_months(&d, PW_MEASURE_DETOXIFICATION) == 1);
    assert_true(pw_decision_months(&d, PW_MEASURE_MONITORING) == 0);
    /* On a real decision: hybrid's at least 12 months of rehabilitation. */
    pw_regime *r;
    pw_error e;
    assert_int_equal(pw_regime_load("hybrid", &r, &e), PW_OK);
    pw_case c;
    memset(&c, 0, sizeof c);
    c.age = 30;
    c.event = PW_EVENT_POSSESSION;
    c.substance = pw_substance_lookup("synthetic_cannabinoids");
    c.dsm5_criteria = 7;
    c.assist_score = -1;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    assert_true(pw_decision_months(&d, PW_MEASURE_INPATIENT_REHABILITATION) >= 12);
    pw_regime_free(r);
}

static void *thread_main(void *p)
{
    thread_arg *a = p;
    for (int rep = 0; rep < 5; rep++)
        for (int i = 0; i < N_THREAD_CASES; i++) {
            pw_decision d;
            if (pw_decide(regimes[i % N_REGIMES], &a->cases[i], &d) != PW_OK ||
                d.disposition != a->expect[i].disposition || d.n_trace != a->expect[i].n_trace ||
                memcmp(d.trace, a->expect[i].trace, sizeof d.trace[0] * (size_t)d.n_trace))
                a->mismatches++;
        }
    return NULL;
}

static void threads_agree(void **state)
{
    (void)state;
    pw_case *cases = calloc(N_THREAD_CASES, sizeof *cases);
    pw_decision *expect = calloc(N_THREAD_CASES, sizeof *expect);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N_THREAD_CASES; i++) {
        /* xorshift64: any spread of cases will do. */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        pw_case *c = &cases[i];
        c->event = (pw_event)(x % 4);
        c->substance = (int)((x >> 8) % (uint64_t)pw_substance_count());
        c->dsm5_criteria = (int)((x >> 16) % 12);
        c->amount = (pw_amount)((x >> 20) % 3);
        c->role = (pw_role)((x >> 24) % 4);
        c->violent = (x >> 28) & 1;
        c->consents_to_treatment = (x >> 29) & 1;
        c->prior_drug_offences = (int)((x >> 30) % 3);
        c->prior_convictions = c->prior_drug_offences + (int)((x >> 32) % 2);
        c->age = 16 + (int)((x >> 36) % 50);
        c->assist_score = -1;
        assert_int_equal(pw_decide(regimes[i % N_REGIMES], c, &expect[i]), PW_OK);
    }
    pthread_t th[4];
    thread_arg args[4];
    for (int t = 0; t < 4; t++) {
        args[t] = (thread_arg){cases, expect, 0};
        assert_int_equal(pthread_create(&th[t], NULL, thread_main, &args[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(args[t].mismatches, 0);
    }
    free(cases);
    free(expect);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_rows),
        cmocka_unit_test(hybrid_terms),
        cmocka_unit_test(rule_metadata),
        cmocka_unit_test(grid_all_decided_all_rules_fire),
        cmocka_unit_test(drug_court_sentences_deferred),
        cmocka_unit_test(invalid_cases),
        cmocka_unit_test(decision_measures),
        cmocka_unit_test(threads_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
