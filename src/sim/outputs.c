/*
 * The outputs a ministry asks for, beside the model's own accounts
 * (accounts.c): use and dependence by substance, person-years of coerced
 * confinement, deaths from drug use and the life-years they cost, the
 * beds compulsory-treatment orders need, and panel or commission
 * sessions. They only count: nothing here draws a random number or
 * changes a record's course, so adding them moved no other output.
 * docs/model.md (Outputs) defines each one.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_sf_expint.h>

#include "model.h"

/* The model's substance groups as the outputs name them (SUB_* order;
 * opioids stand for heroin, stimulants for methamphetamine). */
static const char *const SUB_NAME[N_SUB] = {"opioids", "synthetic_cathinones",
                                            "synthetic_cannabinoids", "cannabis", "stimulants"};

double pwi_life_expectancy(const double *v, double age)
{
    /* Gompertz hazard h(x) = A e^(B x): survival from age a for t more
     * years is exp(-c (e^(B t) - 1)) with c = (A / B) e^(B a), and its
     * integral over t is e^c E1(c) / B (substitute u = c e^(B t)). GSL's
     * scaled E1 gives e^c E1(c) without overflow. At the scenario's A and
     * B this is 75.8 years at birth (the scenario's stated life
     * expectancy). */
    double A = v[PI_DEMO_GOMPERTZ_A], B = v[PI_DEMO_GOMPERTZ_B];
    double c = A / B * exp(B * age);
    return gsl_sf_expint_E1_scaled(c) / B;
}

/* Whether r is under a compulsory-treatment order now: in a bed, on the
 * waiting list at home, or in custody waiting for a bed. */
static int under_order(const act *r)
{
    return r->place == PL_COMPULSORY || r->place == PL_WAITING || r->awaiting_bed;
}

void pwi_outputs_record(world *w, act *r, int week, int full)
{
    /* A new order: the record is under one now and was not after its
     * step last week. It needs a bed for the order's months from today,
     * whether it gets one or waits (the length the pathway gave it, or
     * the default an order from the queue would be given). A second
     * order while the first is unmet is not a second bed. */
    int ordered = under_order(r);
    if (ordered && !(r->out_flags & OF_ORDERED)) {
        double months = r->tx_months ? r->tx_months : w->v[PI_TX_COMP_MONTHS];
        int len = (int)floor(months * WPY / 12 + 0.5);
        if (len < 1)
            len = 1;
        if (len > ORDER_RING - 1)
            len = ORDER_RING - 1;
        w->order_ends[(week + len) % ORDER_RING]++;
        w->orders_in_force++;
    }
    r->out_flags = (uint8_t)(ordered ? r->out_flags | OF_ORDERED : r->out_flags & ~OF_ORDERED);
    if (!full)
        return;
    assert(r->substance < N_SUB);
    w->oc.pwud_sub[r->substance] += is_using(r);
    w->oc.dep_sub[r->substance] += r->stage == ST_DEPENDENT;
}

void pwi_outputs_decision(world *w, const pw_decision *d)
{
    /* One session per case that goes before a panel or commission: the
     * expert panel's diagnostic examination (the hybrid regime; under
     * kz-current, the medical examination before a compulsory-treatment
     * order), a panel's sign-off of a compulsory placement, or a hearing
     * of a dissuasion commission (portugal). */
    if (pw_decision_measure(d, PW_MEASURE_DIAGNOSTIC_EXAMINATION) || d->requires_panel_signoff ||
        d->disposition == PW_DISP_DISSUASION_COMMISSION)
        w->oc.panel_sessions++;
}

void pwi_outputs_drug_death(world *w, const act *r, int week)
{
    w->oc.drug_deaths++;
    w->oc.life_years_lost += pwi_life_expectancy(w->v, age_years(w, r->agent, week));
}

void pwi_outputs_week(world *w, int week, int close)
{
    if (!close) {
        uint32_t *end = &w->order_ends[week % ORDER_RING];
        assert(*end <= w->orders_in_force);
        w->orders_in_force -= *end;
        *end = 0;
        return;
    }
    w->oc.need_sum += w->orders_in_force;
    if (w->orders_in_force > w->oc.need_peak)
        w->oc.need_peak = w->orders_in_force;
}

/* The slot of an output this file writes (results.c lists them all). */
static size_t series_index(const char *name)
{
    int k = pw_series_find(name);
    assert(k >= 0);
    return (size_t)k;
}
static size_t metric_index(const char *name)
{
    int k = pw_metric_find(name);
    assert(k >= 0 && (size_t)k < sizeof ((pwi_run_result *)0)->metrics / sizeof(double));
    return (size_t)k;
}

void pwi_outputs_end_of_year(world *w, int year)
{
    size_t K = pw_series_count();
    double *row = w->out->series + (size_t)year * K;
    double *m = w->out->metrics;
    double up = 1 / w->scale;
    const out_counts *oc = &w->oc;
    int last = year == w->weeks / WPY - 1;
    char name[64];
#define S(nm, val) row[series_index(nm)] = (val) * up
#define ADD(nm, val) m[metric_index(nm)] += (val) * up
#define SET(nm, val) m[metric_index(nm)] = (val) * up
    for (int k = 0; k < N_SUB; k++) {
        snprintf(name, sizeof name, "pwud_%s", SUB_NAME[k]);
        S(name, (double)oc->pwud_sub[k]);
        snprintf(name, sizeof name, "dependent_%s", SUB_NAME[k]);
        S(name, (double)oc->dep_sub[k]);
        snprintf(name, sizeof name, "pwud_%s_end", SUB_NAME[k]);
        SET(name, (double)oc->pwud_sub[k]);
        snprintf(name, sizeof name, "dependent_%s_end", SUB_NAME[k]);
        SET(name, (double)oc->dep_sub[k]);
    }
    double py[N_CUSTODY], all = 0;
    for (int k = 0; k < N_CUSTODY; k++)
        all += py[k] = oc->custody_weeks[k] / WPY;
    S("custody_person_years", all);
    S("pretrial_person_years", py[CK_PRETRIAL]);
    S("prison_person_years", py[CK_PRISON]);
    S("arrest_person_years", py[CK_ARREST]);
    S("compulsory_treatment_person_years", py[CK_COMPULSORY]);
    ADD("custody_person_years_total", all);
    ADD("pretrial_person_years_total", py[CK_PRETRIAL]);
    ADD("prison_person_years_total", py[CK_PRISON]);
    ADD("arrest_person_years_total", py[CK_ARREST]);
    ADD("compulsory_treatment_person_years_total", py[CK_COMPULSORY]);
    S("drug_deaths", oc->drug_deaths);
    S("life_years_lost", oc->life_years_lost);
    ADD("drug_deaths_total", oc->drug_deaths);
    ADD("life_years_lost_total", oc->life_years_lost);
    S("beds_needed", oc->need_sum / WPY);
    S("beds_needed_peak", oc->need_peak);
    S("compulsory_beds_for_drugs", w->beds);
    if (last)
        SET("beds_needed_last_year", oc->need_sum / WPY);
    /* The peak over the whole horizon: the beds that would have admitted
     * every order on its day in every week. */
    double *pk = &m[metric_index("beds_needed_peak")];
    if (oc->need_peak * up > *pk)
        *pk = oc->need_peak * up;
    SET("compulsory_beds_for_drugs", w->beds);
    S("panel_sessions", oc->panel_sessions);
    ADD("panel_sessions_total", oc->panel_sessions);
#undef S
#undef ADD
#undef SET
    memset(&w->oc, 0, sizeof w->oc);
}
