/*
 * Results of a comparison: per regime and run, the end-of-horizon metrics
 * and the yearly series; their summaries (mean and 95% interval across
 * runs, and the paired difference from a baseline regime under common
 * random numbers). The output files are written by results_write.c, the
 * console table by results_table.c.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>

#include "results_int.h"

static const char *const METRICS[] = {
    "pwud_end",
    "dependent_end",
    "pwid_end",
    "initiations_total",
    "overdose_deaths_total",
    "hiv_infections_total",
    "hcv_infections_total",
    "drug_crimes_total",
    "acquisitive_crimes_total",
    "detected_offences_total",
    "prison_population_end",
    "prison_admissions_total",
    "in_compulsory_treatment_end",
    "compulsory_admissions_total",
    "waiting_list_end",
    "sustained_remissions_total",
    "criminal_mindset_acquired_in_prison_total",
    "children_with_pwud_parent_end",
    "population_end",
    "cost_total_kzt",
    "cost_justice_kzt",
    "cost_treatment_kzt",
    "cost_health_kzt",
    "cost_crime_kzt",
    "cost_lost_work_kzt",
    /* appended: the measures carried out (docs/model.md, "The pathway") */
    "prison_releases_total",
    "prison_releases_followed_3y_total",
    "reconvicted_within_3y_total",
    "reoffending_3y_rate",
    "orders_not_carried_out_total",
    "admitted_from_waiting_list_total",
    "waiting_weeks_total",
    "mean_wait_weeks",
    "arrest_admissions_total",
    "pretrial_detention_days_total",
    "parole_exams_total",
    "paroles_total",
    "work_release_end",
    "fines_levied_kzt",
    /* the cost items (costs.c), in their order */
    "cost_police_kzt",
    "cost_court_kzt",
    "cost_panel_kzt",
    "cost_pretrial_detention_kzt",
    "cost_prison_kzt",
    "cost_arrest_kzt",
    "cost_bracelets_kzt",
    "cost_parole_exams_kzt",
    "cost_community_service_kzt",
    "cost_brief_interventions_kzt",
    "cost_outpatient_kzt",
    "cost_compulsory_treatment_kzt",
    "cost_treatment_centres_kzt",
    "cost_aftercare_kzt",
    "cost_monitoring_kzt",
    "cost_crime_to_victims_kzt",
    "cost_hiv_care_kzt",
    "cost_overdose_deaths_kzt",
    "cost_lost_earnings_kzt",
    /* The ministry's outputs (outputs.c; docs/model.md, Outputs). */
    "pwud_opioids_end",
    "pwud_synthetic_cathinones_end",
    "pwud_synthetic_cannabinoids_end",
    "pwud_cannabis_end",
    "pwud_stimulants_end",
    "dependent_opioids_end",
    "dependent_synthetic_cathinones_end",
    "dependent_synthetic_cannabinoids_end",
    "dependent_cannabis_end",
    "dependent_stimulants_end",
    "custody_person_years_total",
    "pretrial_person_years_total",
    "prison_person_years_total",
    "arrest_person_years_total",
    "compulsory_treatment_person_years_total",
    "drug_deaths_total",
    "life_years_lost_total",
    "deaths_averted_vs_baseline",
    "life_years_saved_vs_baseline",
    "compulsory_beds_for_drugs",
    "beds_needed_last_year",
    "beds_needed_peak",
    "panel_sessions_total",
    /* appended: the social levers (levers.c; costs.c items too) */
    "cost_prevention_kzt",
    "cost_awareness_campaigns_kzt",
    "voluntary_entries_total",
    "pupils_reached_total",
    "initiations_averted_total",
    "stigma_x_population_end",
    "stigma_end",
    /* appended: harm reduction (hiv.c) */
    "cost_needle_syringe_programmes_kzt",
};
#define N_METRICS (sizeof METRICS / sizeof METRICS[0])
/* Every metric has a slot in a run's result. */
_Static_assert(N_METRICS <= sizeof((pwi_run_result *)0)->metrics / sizeof(double),
               "pwi_run_result.metrics is too small for the metric list");

/* Metrics that are the baseline regime's value of another metric minus
 * this regime's, run by run (paired): the engines leave them alone and
 * they are formed here, when the baseline is among the regimes. */
static const struct {
    const char *name, *of;
} DERIVED[] = {
    {"deaths_averted_vs_baseline", "drug_deaths_total"},
    {"life_years_saved_vs_baseline", "life_years_lost_total"},
};
#define N_DERIVED (sizeof DERIVED / sizeof DERIVED[0])
/* The regime the derived metrics and the differences are taken against. */

static const char *const SERIES[] = {
    "population",        "births",           "deaths",
    "emigrated",         "immigrated",       "pwud",
    "light_users",       "dependent",        "dependent_severe",
    "pwid",              "in_remission",     "initiations",
    "peer_initiations",  "overdose_deaths",  "hiv_pwid",
    "hiv_infections",    "hcv_infections",   "offences",
    "acquisitive_crimes", "drug_crimes",     "detected_offences",
    "cases",             "prison_population", "prison_admissions",
    "releases",          "compulsory_treatment", "compulsory_admissions",
    "waiting_list",      "outpatient_treatment", "drug_court",
    "monitored",         "sellers",          "sustained_remissions",
    "mindset_acquired_in_prison", "children_with_pwud_parent", "employed_pwud",
    "cost_kzt",
    /* appended: the measures carried out */
    "work_release", "pretrial_detention", "in_aftercare",
    "arrest_admissions", "pretrial_detention_days", "community_service_hours",
    "orders_not_carried_out", "admitted_from_waiting_list", "waiting_weeks",
    "mean_wait_weeks", "parole_exams", "paroles",
    "prison_releases", "reconvicted_within_3y", "fines_levied_kzt",
    /* the cost items (costs.c), in their order */
    "cost_police_kzt", "cost_court_kzt", "cost_panel_kzt",
    "cost_pretrial_detention_kzt", "cost_prison_kzt", "cost_arrest_kzt",
    "cost_bracelets_kzt", "cost_parole_exams_kzt", "cost_community_service_kzt",
    "cost_brief_interventions_kzt", "cost_outpatient_kzt", "cost_compulsory_treatment_kzt",
    "cost_treatment_centres_kzt", "cost_aftercare_kzt", "cost_monitoring_kzt",
    "cost_crime_to_victims_kzt", "cost_hiv_care_kzt", "cost_overdose_deaths_kzt",
    "cost_lost_earnings_kzt",
    /* The ministry's outputs (outputs.c; docs/model.md, Outputs). */
    "pwud_opioids", "pwud_synthetic_cathinones", "pwud_synthetic_cannabinoids",
    "pwud_cannabis", "pwud_stimulants",
    "dependent_opioids", "dependent_synthetic_cathinones", "dependent_synthetic_cannabinoids",
    "dependent_cannabis", "dependent_stimulants",
    "custody_person_years", "pretrial_person_years", "prison_person_years", "arrest_person_years",
    "compulsory_treatment_person_years",
    "drug_deaths", "life_years_lost",
    "compulsory_beds_for_drugs", "beds_needed", "beds_needed_peak",
    "panel_sessions",
    /* appended: the social levers (levers.c; costs.c items too) */
    "cost_prevention_kzt", "cost_awareness_campaigns_kzt",
    "voluntary_entries", "pupils_reached", "initiations_averted",
    "stigma_x_population", "awareness_x_population", "stigma", "public_awareness",
    /* appended: HIV care and harm reduction (hiv.c; costs.c item too) */
    "nsp_clients", "hiv_diagnosed", "hiv_on_art", "cost_needle_syringe_programmes_kzt",
};
#define N_SERIES (sizeof SERIES / sizeof SERIES[0])

size_t pw_metric_count(void) { return N_METRICS; }
const char *pw_metric_name(size_t m) { return m < N_METRICS ? METRICS[m] : NULL; }
int pw_metric_find(const char *name)
{
    for (size_t i = 0; name && i < N_METRICS; i++)
        if (strcmp(METRICS[i], name) == 0)
            return (int)i;
    return -1;
}
size_t pw_series_count(void) { return N_SERIES; }
const char *pw_series_name(size_t k) { return k < N_SERIES ? SERIES[k] : NULL; }
int pw_series_find(const char *name)
{
    for (size_t i = 0; name && i < N_SERIES; i++)
        if (strcmp(SERIES[i], name) == 0)
            return (int)i;
    return -1;
}

/* struct pw_results: results_int.h (the writers and the table share it). */

pw_results *pw_results_new(const char *scenario, int start_year, int years, int runs,
                           uint64_t seed, const char *const *regimes, size_t n_regimes)
{
    if (years < 1 || runs < 1 || n_regimes < 1)
        return NULL;
    pw_results *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->scenario, sizeof r->scenario, "%s", scenario ? scenario : "");
    snprintf(r->engine, sizeof r->engine, "abm");
    r->start_year = start_year;
    r->proj_year = start_year;
    r->years = years;
    r->runs = runs;
    r->seed = seed;
    r->scale = 1.0;
    r->n_regimes = n_regimes;
    r->regimes = calloc(n_regimes, sizeof *r->regimes);
    r->metrics = calloc(n_regimes * (size_t)runs * N_METRICS, sizeof(double));
    r->series = calloc(n_regimes * (size_t)runs * (size_t)years * N_SERIES, sizeof(double));
    if (!r->regimes || !r->metrics || !r->series)
        goto fail;
    for (size_t g = 0; g < n_regimes; g++)
        if (!(r->regimes[g] = strdup(regimes[g])))
            goto fail;
    return r;
fail:
    pw_results_free(r);
    return NULL;
}

void pw_results_free(pw_results *r)
{
    if (!r)
        return;
    free(r->bands);
    for (size_t g = 0; r->regimes && g < r->n_regimes; g++)
        free(r->regimes[g]);
    free(r->regimes);
    free(r->posterior);
    free(r->note);
    free(r->provenance);
    for (size_t i = 0; i < r->n_over; i++)
        free(r->over_name[i]);
    free(r->over_name);
    free(r->over_value);
    free(r->metrics);
    free(r->series);
    free(r);
}

size_t pw_results_regime_count(const pw_results *r) { return r->n_regimes; }
const char *pw_results_regime(const pw_results *r, size_t g)
{
    return g < r->n_regimes ? r->regimes[g] : NULL;
}
int pw_results_runs(const pw_results *r) { return r->runs; }
int pw_results_years(const pw_results *r) { return r->years; }
int pw_results_start_year(const pw_results *r) { return r->start_year; }
const char *pw_results_scenario(const pw_results *r) { return r->scenario; }
const char *pw_results_engine(const pw_results *r) { return r->engine; }
void pw_results_set_engine(pw_results *r, const char *engine)
{
    snprintf(r->engine, sizeof r->engine, "%s", engine ? engine : "");
}
void pw_results_set_scale(pw_results *r, double scale) { r->scale = scale; }
int pw_results_projection_year(const pw_results *r) { return r->proj_year; }
void pw_results_set_projection_year(pw_results *r, int year)
{
    assert(year >= r->start_year && year < r->start_year + r->years);
    r->proj_year = year;
}

int pw_results_set_note(pw_results *r, const char *note)
{
    char *copy = note ? strdup(note) : NULL;
    if (note && !copy)
        return PW_ENOMEM;
    free(r->note);
    r->note = copy;
    return PW_OK;
}

int pw_results_set_posterior(pw_results *r, const char *label)
{
    char *copy = label ? strdup(label) : NULL;
    if (label && !copy)
        return PW_ENOMEM;
    free(r->posterior);
    r->posterior = copy;
    return PW_OK;
}

const char *pw_results_posterior(const pw_results *r) { return r->posterior; }
const char *pw_results_note(const pw_results *r) { return r->note; }
uint64_t pw_results_seed(const pw_results *r) { return r->seed; }
double pw_results_scale(const pw_results *r) { return r->scale; }

int pw_results_set_provenance(pw_results *r, const char *json)
{
    /* Checked here, so that a malformed record fails the run at once
     * rather than when summary.json is written. */
    json_t *probe = json ? json_loads(json, 0, NULL) : NULL;
    int ok = !json || json_is_object(probe);
    json_decref(probe);
    if (!ok)
        return PW_EINVAL;
    char *copy = json ? strdup(json) : NULL;
    if (json && !copy)
        return PW_ENOMEM;
    free(r->provenance);
    r->provenance = copy;
    return PW_OK;
}
size_t pw_results_override_count(const pw_results *r) { return r->n_over; }
const char *pw_results_override(const pw_results *r, size_t i, double *v)
{
    if (i >= r->n_over)
        return NULL;
    if (v)
        *v = r->over_value[i];
    return r->over_name[i];
}

int pw_results_add_override(pw_results *r, const char *name, double v)
{
    char **names = realloc(r->over_name, (r->n_over + 1) * sizeof *names);
    if (!names)
        return PW_ENOMEM;
    r->over_name = names;
    double *vals = realloc(r->over_value, (r->n_over + 1) * sizeof *vals);
    if (!vals)
        return PW_ENOMEM;
    r->over_value = vals;
    if (!(names[r->n_over] = strdup(name)))
        return PW_ENOMEM;
    vals[r->n_over++] = v;
    return PW_OK;
}

int pw_results_set_bands(pw_results *r, const pw_scenario *s)
{
    free(r->bands);
    r->bands = NULL;
    r->n_bands = 0;
    if (!s->n_bands)
        return PW_OK;
    r->bands = malloc((size_t)s->n_bands * sizeof *r->bands);
    if (!r->bands)
        return PW_ENOMEM;
    memcpy(r->bands, s->bands, (size_t)s->n_bands * sizeof *r->bands);
    r->n_bands = (size_t)s->n_bands;
    return PW_OK;
}

size_t pw_results_band_count(const pw_results *r) { return r->n_bands; }

const char *pw_results_band_name(const pw_results *r, size_t b)
{
    return b < r->n_bands ? r->bands[b].name : NULL;
}

int pw_results_band_left(const pw_results *r, size_t b, size_t g, int run, int *year,
                         double *value)
{
    if (b >= r->n_bands || g >= r->n_regimes || run < 0 || run >= r->runs)
        return 0;
    return pwi_band_left(&r->bands[b], r, g, run, r->start_year, year, value);
}


static size_t midx(const pw_results *r, size_t g, int run, size_t m)
{
    return (g * (size_t)r->runs + (size_t)run) * N_METRICS + m;
}
static size_t sidx(const pw_results *r, size_t g, int run, int year, size_t k)
{
    return ((g * (size_t)r->runs + (size_t)run) * (size_t)r->years + (size_t)year) * N_SERIES + k;
}

long pwi_results_find_regime(const pw_results *r, const char *name)
{
    for (size_t g = 0; name && g < r->n_regimes; g++)
        if (strcmp(r->regimes[g], name) == 0)
            return (long)g;
    return -1;
}

/* The metric a derived metric m is formed from, or -1 if m is stored. */
static int derived_of(size_t m)
{
    for (size_t i = 0; i < N_DERIVED; i++)
        if (strcmp(METRICS[m], DERIVED[i].name) == 0)
            return pw_metric_find(DERIVED[i].of);
    return -1;
}

/* Whether metric m has values here: a derived one needs the baseline. */
static int has_metric(const pw_results *r, size_t m)
{
    return derived_of(m) < 0 || pwi_results_find_regime(r, PWI_BASELINE) >= 0;
}
int pw_results_has_metric(const pw_results *r, size_t m) { return m < N_METRICS && has_metric(r, m); }

static double value(const pw_results *r, size_t g, int run, size_t m);

/* A metric the engine does not carry: NaN in every regime and run of the
 * mean field (it leaves out what needs individual histories). Listed under
 * summary.json's "not_modelled" and in the table, so a NaN is never
 * mistaken for a missing value of a modelled quantity. The agent-based
 * model carries every metric (a NaN there is a ratio with nobody to count,
 * e.g. a mean wait when nobody waited), so its list is empty. */
int pwi_results_not_modelled(const pw_results *r, size_t m)
{
    if (strcmp(r->engine, "abm") == 0)
        return 0;
    for (size_t g = 0; g < r->n_regimes; g++)
        for (int run = 0; run < r->runs; run++)
            if (!isnan(value(r, g, run, m)))
                return 0;
    return r->n_regimes > 0 && r->runs > 0;
}

/* Metric m of regime g in run `run`, stored or derived (NaN if a derived
 * metric has no baseline to be taken against). */
static double value(const pw_results *r, size_t g, int run, size_t m)
{
    int of = derived_of(m);
    if (of < 0)
        return r->metrics[midx(r, g, run, m)];
    long base = pwi_results_find_regime(r, PWI_BASELINE);
    if (base < 0)
        return NAN;
    return r->metrics[midx(r, (size_t)base, run, (size_t)of)] -
           r->metrics[midx(r, g, run, (size_t)of)];
}

double pw_results_metric(const pw_results *r, size_t g, int run, size_t m)
{
    if (g >= r->n_regimes || run < 0 || run >= r->runs || m >= N_METRICS)
        return NAN;
    return value(r, g, run, m);
}
void pw_results_set_metric(pw_results *r, size_t g, int run, size_t m, double v)
{
    /* A derived metric is formed from the others, never stored. */
    if (g < r->n_regimes && run >= 0 && run < r->runs && m < N_METRICS && derived_of(m) < 0)
        r->metrics[midx(r, g, run, m)] = v;
}
double pw_results_series(const pw_results *r, size_t g, int run, int year, size_t k)
{
    if (g >= r->n_regimes || run < 0 || run >= r->runs || year < 0 || year >= r->years ||
        k >= N_SERIES)
        return NAN;
    return r->series[sidx(r, g, run, year, k)];
}
void pw_results_set_series(pw_results *r, size_t g, int run, int year, size_t k, double v)
{
    if (g < r->n_regimes && run >= 0 && run < r->runs && year >= 0 && year < r->years &&
        k < N_SERIES)
        r->series[sidx(r, g, run, year, k)] = v;
}

/* Mean and the central 95% interval (2.5th and 97.5th percentiles) of
 * x[0..n-1]; x is sorted in place. */
static void summarise(double *x, size_t n, double *mean, double *lo, double *hi)
{
    *mean = gsl_stats_mean(x, 1, n);
    gsl_sort(x, 1, n);
    *lo = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975);
}

/* Summary of metric m for regime g; with base >= 0, of the paired
 * differences x[g][r] - x[base][r] (common random numbers). */
int pw_results_summary(const pw_results *r, size_t g, long base, size_t m, double *mean,
                       double *lo, double *hi)
{
    double *x = malloc((size_t)r->runs * sizeof *x);
    if (!x)
        return PW_ENOMEM;
    for (int k = 0; k < r->runs; k++) {
        x[k] = value(r, g, k, m);
        if (base >= 0)
            x[k] -= value(r, (size_t)base, k, m);
    }
    summarise(x, (size_t)r->runs, mean, lo, hi);
    free(x);
    return PW_OK;
}

/* The ratios among the metrics and series (sim_internal.h): a mean of
 * ratios across regions would be wrong, so they are formed from the
 * summed counts; 0 when there is nothing to divide. */
void pwi_results_derive(pw_results *r, size_t g, int run)
{
    static const struct {
        const char *out, *num, *den;
    } M[] = {
        {"reoffending_3y_rate", "reconvicted_within_3y_total", "prison_releases_followed_3y_total"},
        {"mean_wait_weeks", "waiting_weeks_total", "admitted_from_waiting_list_total"},
    };
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++) {
        double num = pw_results_metric(r, g, run, (size_t)pw_metric_find(M[i].num));
        double den = pw_results_metric(r, g, run, (size_t)pw_metric_find(M[i].den));
        pw_results_set_metric(r, g, run, (size_t)pw_metric_find(M[i].out), den > 0 ? num / den : 0);
    }
    int kw = pw_series_find("waiting_weeks"), ka = pw_series_find("admitted_from_waiting_list");
    int km = pw_series_find("mean_wait_weeks");
    for (int y = 0; y < r->years; y++) {
        double den = pw_results_series(r, g, run, y, (size_t)ka);
        double num = pw_results_series(r, g, run, y, (size_t)kw);
        pw_results_set_series(r, g, run, y, (size_t)km, den > 0 ? num / den : 0);
    }
    /* Stigma and awareness are levels: each region reports them times its
     * population, and the level is their sum over the summed population. */
    int kp = pw_series_find("population");
    const char *lv[][2] = {{"stigma", "stigma_x_population"},
                           {"public_awareness", "awareness_x_population"}};
    for (int i = 0; i < 2; i++) {
        int ko = pw_series_find(lv[i][0]), kx = pw_series_find(lv[i][1]);
        for (int y = 0; y < r->years; y++) {
            double den = pw_results_series(r, g, run, y, (size_t)kp);
            double num = pw_results_series(r, g, run, y, (size_t)kx);
            pw_results_set_series(r, g, run, y, (size_t)ko, den > 0 ? num / den : 0);
        }
    }
    double pe = pw_results_metric(r, g, run, (size_t)pw_metric_find("population_end"));
    double se = pw_results_metric(r, g, run, (size_t)pw_metric_find("stigma_x_population_end"));
    pw_results_set_metric(r, g, run, (size_t)pw_metric_find("stigma_end"), pe > 0 ? se / pe : 0);
}
