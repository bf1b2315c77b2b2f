/*
 * Costs: every charge is discounted to the start of the run and added to
 * its cost item (CI_*), the item's group (justice, treatment, health,
 * crime, lost work) and the total of the year. The items are a fixed list
 * whose yearly values are the series cost_<item>_kzt and whose run totals
 * are the metrics of the same name (docs/model.md, "Costs", gives each
 * price and its source). Fines are not a cost: they move money from the
 * person fined to the state, so they are reported apart (fines_levied_kzt)
 * and left out of the total.
 */
#include <assert.h>
#include <math.h>
#include <stddef.h>

#include "model.h"

static const struct {
    const char *name;
    size_t group; /* offset of the group's bucket in year_counts */
} ITEMS[CI_COUNT] = {
    [CI_POLICE] = {"police", offsetof(year_counts, cost_justice)},
    [CI_COURT] = {"court", offsetof(year_counts, cost_justice)},
    [CI_PANEL] = {"panel", offsetof(year_counts, cost_treatment)},
    [CI_PRETRIAL] = {"pretrial_detention", offsetof(year_counts, cost_justice)},
    [CI_PRISON] = {"prison", offsetof(year_counts, cost_justice)},
    [CI_ARREST] = {"arrest", offsetof(year_counts, cost_justice)},
    [CI_BRACELET] = {"bracelets", offsetof(year_counts, cost_justice)},
    [CI_EXAM] = {"parole_exams", offsetof(year_counts, cost_justice)},
    [CI_COMMUNITY_SERVICE] = {"community_service", offsetof(year_counts, cost_justice)},
    [CI_BRIEF] = {"brief_interventions", offsetof(year_counts, cost_treatment)},
    [CI_OUTPATIENT] = {"outpatient", offsetof(year_counts, cost_treatment)},
    [CI_COMPULSORY] = {"compulsory_treatment", offsetof(year_counts, cost_treatment)},
    [CI_CENTRES] = {"treatment_centres", offsetof(year_counts, cost_treatment)},
    [CI_AFTERCARE] = {"aftercare", offsetof(year_counts, cost_treatment)},
    [CI_MONITORING] = {"monitoring", offsetof(year_counts, cost_treatment)},
    [CI_CRIME] = {"crime_to_victims", offsetof(year_counts, cost_crime)},
    [CI_HIV] = {"hiv_care", offsetof(year_counts, cost_health)},
    [CI_OVERDOSE] = {"overdose_deaths", offsetof(year_counts, cost_health)},
    [CI_LOST_WORK] = {"lost_earnings", offsetof(year_counts, cost_work)},
    /* public health: school prevention and awareness campaigns (levers.c) */
    [CI_PREVENTION] = {"prevention", offsetof(year_counts, cost_health)},
    [CI_CAMPAIGNS] = {"awareness_campaigns", offsetof(year_counts, cost_health)},
    /* harm reduction (hiv.c) */
    [CI_NSP] = {"needle_syringe_programmes", offsetof(year_counts, cost_health)},
};

const char *pwi_cost_item_name(int item)
{
    return item >= 0 && item < CI_COUNT ? ITEMS[item].name : NULL;
}

void pwi_cost(world *w, int item, double kzt)
{
    assert(item >= 0 && item < CI_COUNT && ITEMS[item].name);
    double c = kzt * w->discount;
    w->yc.item[item] += c;
    *(double *)((char *)&w->yc + ITEMS[item].group) += c;
    w->yc.cost += c;
}

void pwi_weekly_costs(world *w, const act *r, int week)
{
    const double *v = w->v;
    const double month = 12.0 / WPY; /* months in a week */
    switch (r->place) {
    case PL_PRISON:
        /* Pre-trial detention is custody at the prison's daily cost
         * (ASSUMED: a detention centre costs what a prison does); work
         * release stays in custody and adds the bracelet. */
        pwi_cost(w, r->pretrial_until && week < r->pretrial_until ? CI_PRETRIAL : CI_PRISON,
                 v[PI_COST_PRISON_DAY] * 7);
        if (r->work_release)
            pwi_cost(w, CI_BRACELET, v[PI_COST_BRACELET_DAY] * 7);
        else
            pwi_cost(w, CI_LOST_WORK, v[PI_COST_LOST_WORK_MONTH] * month);
        break;
    case PL_ARREST:
        pwi_cost(w, CI_ARREST, v[PI_COST_PRISON_DAY] * 7);
        pwi_cost(w, CI_LOST_WORK, v[PI_COST_LOST_WORK_MONTH] * month);
        break;
    case PL_COMPULSORY:
        pwi_cost(w, CI_COMPULSORY, v[PI_COST_COMP_MONTH] * month);
        break;
    case PL_OUTPATIENT:
    case PL_DRUG_COURT:
        pwi_cost(w, CI_OUTPATIENT, v[PI_COST_OUT_MONTH] * month);
        break;
    default:
        break;
    }
    /* Care after a discharge, paid while it runs (care_of). */
    int care = care_of(r, week);
    if (care & 1)
        pwi_cost(w, CI_AFTERCARE, v[PI_COST_AFTERCARE_MONTH] * month);
    if (care & 2)
        pwi_cost(w, CI_MONITORING, v[PI_COST_MONITORING_MONTH] * month);
    /* HIV care is ART (cost.hiv_care_per_year), paid while the person is
     * on it; an NSP place is paid while it is held (hiv.c). */
    if (r->hiv & HV_ART)
        pwi_cost(w, CI_HIV, v[PI_COST_HIV_YEAR] / WPY);
    if (r->hiv & HV_NSP)
        pwi_cost(w, CI_NSP, v[PI_COST_NSP_YEAR] / WPY);
}
