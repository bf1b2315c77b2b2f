/*
 * Results of a comparison: per regime and run, the end-of-horizon metrics
 * and the yearly series; their summaries (mean and 95% interval across
 * runs, and the paired difference from a baseline regime under common
 * random numbers); the three output files and the comparison table.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>

#include "sim_internal.h"

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
#define BASELINE "kz-current"

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

struct pw_results {
    char scenario[128];
    char engine[32];
    int start_year, years, runs;
    uint64_t seed;
    double scale;
    size_t n_regimes;
    char **regimes;
    char *posterior;  /* label of the parameter draws, or NULL */
    size_t n_over;    /* parameters set by hand, in the order given */
    char **over_name;
    double *over_value;
    double *metrics; /* [g][run][m] */
    double *series;  /* [g][run][year][k] */
    char *note;      /* what the engine leaves out, or NULL */
    pwi_band *bands; /* the scenario's plausibility bands (bands.c) */
    size_t n_bands;
    int proj_year;   /* first year of the projection (start_year: no history) */
    char *provenance; /* a JSON object saved as "provenance", or NULL */
};

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

/* summary.json's "bands": each band with its range and source, and per
 * regime how many runs left it and where each one first did. */
static json_t *bands_json(const pw_results *r)
{
    json_t *arr = json_array();
    for (size_t b = 0; arr && b < r->n_bands; b++) {
        const pwi_band *bd = &r->bands[b];
        json_t *o = json_pack("{s:s,s:s,s:s?,s:f,s:f,s:f,s:s}", "name", bd->name, "series",
                              pw_series_name((size_t)bd->num), "per",
                              bd->den >= 0 ? pw_series_name((size_t)bd->den) : NULL, "times",
                              bd->times, "lo", bd->lo, "hi", bd->hi, "source", bd->source);
        json_t *regs = json_object();
        if (!o || !regs) {
            json_decref(o);
            json_decref(regs);
            json_decref(arr);
            return NULL;
        }
        for (size_t g = 0; g < r->n_regimes; g++) {
            json_t *where = json_array();
            int n = 0;
            for (int run = 0; run < r->runs; run++) {
                int year;
                double v;
                if (pw_results_band_left(r, b, g, run, &year, &v)) {
                    n++;
                    json_array_append_new(where, json_pack("{s:i,s:i,s:f}", "run", run, "year",
                                                           year, "value", v));
                }
            }
            json_object_set_new(regs, r->regimes[g],
                                json_pack("{s:i,s:o}", "runs_outside", n, "first_exits", where));
        }
        json_object_set_new(o, "regimes", regs);
        json_array_append_new(arr, o);
    }
    return arr;
}

static size_t midx(const pw_results *r, size_t g, int run, size_t m)
{
    return (g * (size_t)r->runs + (size_t)run) * N_METRICS + m;
}
static size_t sidx(const pw_results *r, size_t g, int run, int year, size_t k)
{
    return ((g * (size_t)r->runs + (size_t)run) * (size_t)r->years + (size_t)year) * N_SERIES + k;
}

static long find_regime(const pw_results *r, const char *name)
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
    return derived_of(m) < 0 || find_regime(r, BASELINE) >= 0;
}
int pw_results_has_metric(const pw_results *r, size_t m) { return m < N_METRICS && has_metric(r, m); }

static double value(const pw_results *r, size_t g, int run, size_t m);

/* A metric the engine does not carry: NaN in every regime and run of the
 * mean field (it leaves out what needs individual histories). Listed under
 * summary.json's "not_modelled" and in the table, so a NaN is never
 * mistaken for a missing value of a modelled quantity. The agent-based
 * model carries every metric (a NaN there is a ratio with nobody to count,
 * e.g. a mean wait when nobody waited), so its list is empty. */
static int not_modelled(const pw_results *r, size_t m)
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
    long base = find_regime(r, BASELINE);
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

static json_t *stat_obj(double mean, double lo, double hi)
{
    return json_pack("{s:f,s:f,s:f}", "mean", mean, "lo", lo, "hi", hi);
}

static int write_json(const pw_results *r, const char *path, long base, pw_error *err)
{
    /* start_year and years are the projection's (the metrics cover it);
     * the history before it, if any, is in timeseries.csv. */
    json_t *root = json_pack("{s:s,s:s,s:i,s:i,s:i,s:I,s:f}", "scenario", r->scenario, "engine",
                             r->engine, "start_year", r->proj_year, "years",
                             r->years - (r->proj_year - r->start_year), "runs", r->runs, "seed",
                             (json_int_t)r->seed, "scale", r->scale);
    if (root)
        json_object_set_new(root, "history_start_year",
                            r->proj_year > r->start_year ? json_integer(r->start_year)
                                                         : json_null());
    json_t *regs = json_object();
    if (!root || !regs) {
        json_decref(root);
        json_decref(regs);
        return pw_error_set(err, PW_ENOMEM, path, 0, NULL, "out of memory");
    }
    /* What the numbers were computed from, so a saved summary can be rerun. */
    json_t *over = json_object();
    for (size_t i = 0; over && i < r->n_over; i++)
        json_object_set_new(over, r->over_name[i], json_real(r->over_value[i]));
    json_object_set_new(root, "posterior", r->posterior ? json_string(r->posterior) : json_null());
    json_object_set_new(root, "overrides", over ? over : json_object());
    if (r->note)
        json_object_set_new(root, "note", json_string(r->note));
    json_t *nm = json_array();
    for (size_t m = 0; nm && m < N_METRICS; m++)
        if (has_metric(r, m) && not_modelled(r, m))
            json_array_append_new(nm, json_string(METRICS[m]));
    json_object_set_new(root, "not_modelled", nm ? nm : json_array());
    /* How the run was made (program, command line, input hashes, seed,
     * threads): checked to be an object when it was set. */
    if (r->provenance) {
        json_t *pv = json_loads(r->provenance, JSON_DECODE_ANY, NULL);
        if (pv)
            json_object_set_new(root, "provenance", pv);
    }
    json_object_set_new(root, "regimes", regs);
    json_t *bands = bands_json(r);
    json_object_set_new(root, "bands", bands ? bands : json_array());
    if (base >= 0)
        json_object_set_new(root, "baseline", json_string(r->regimes[base]));
    for (size_t g = 0; g < r->n_regimes; g++) {
        json_t *reg = json_object(), *mets = json_object();
        json_t *diffs = base >= 0 && (long)g != base ? json_object() : NULL;
        json_object_set_new(reg, "metrics", mets);
        if (diffs)
            json_object_set_new(reg, "difference_from_baseline", diffs);
        for (size_t m = 0; m < N_METRICS; m++) {
            double mean, lo, hi;
            if (!has_metric(r, m))
                continue;
            pw_results_summary(r, g, -1, m, &mean, &lo, &hi);
            json_object_set_new(mets, METRICS[m], stat_obj(mean, lo, hi));
            if (diffs) {
                pw_results_summary(r, g, base, m, &mean, &lo, &hi);
                json_object_set_new(diffs, METRICS[m], stat_obj(mean, lo, hi));
            }
        }
        json_object_set_new(regs, r->regimes[g], reg);
    }
    pw_afile *af;
    int rc = pw_afile_open(path, &af, err);
    if (rc == PW_OK) {
        /* JSON_PRESERVE_ORDER keeps regimes and metrics in a fixed order, so
         * the same seed gives the same bytes. */
        if (json_dumpf(root, pw_afile_fp(af), JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                                  JSON_REAL_PRECISION(10)) != 0 ||
            fputc('\n', pw_afile_fp(af)) == EOF) {
            pw_afile_abort(af);
            rc = pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
        } else {
            rc = pw_afile_commit(af, err);
        }
    }
    json_decref(root);
    return rc;
}

static int write_summary_csv(const pw_results *r, const char *path, long base, pw_error *err)
{
    pw_afile *af;
    int rc = pw_afile_open(path, &af, err);
    if (rc)
        return rc;
    FILE *f = pw_afile_fp(af);
    fprintf(f, "regime,metric,mean,lo,hi,diff_mean,diff_lo,diff_hi\n");
    for (size_t g = 0; g < r->n_regimes; g++)
        for (size_t m = 0; m < N_METRICS; m++) {
            double mean, lo, hi;
            if (!has_metric(r, m))
                continue;
            pw_results_summary(r, g, -1, m, &mean, &lo, &hi);
            fprintf(f, "%s,%s,%.10g,%.10g,%.10g", r->regimes[g], METRICS[m], mean, lo, hi);
            if (base >= 0) {
                pw_results_summary(r, g, base, m, &mean, &lo, &hi);
                fprintf(f, ",%.10g,%.10g,%.10g\n", mean, lo, hi);
            } else {
                fprintf(f, ",,,\n");
            }
        }
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
    }
    return pw_afile_commit(af, err);
}

static int write_timeseries(const pw_results *r, const char *path, pw_error *err)
{
    pw_afile *af;
    int rc = pw_afile_open(path, &af, err);
    if (rc)
        return rc;
    FILE *f = pw_afile_fp(af);
    fprintf(f, "regime,run,year");
    for (size_t k = 0; k < N_SERIES; k++)
        fprintf(f, ",%s", SERIES[k]);
    /* phase: "history" for the years simulated under the history regime
     * before the projection (the same rows for every regime), else
     * "projection"; last, so the series' columns keep their places. */
    fprintf(f, ",phase\n");
    for (size_t g = 0; g < r->n_regimes; g++)
        for (int run = 0; run < r->runs; run++)
            for (int y = 0; y < r->years; y++) {
                fprintf(f, "%s,%d,%d", r->regimes[g], run, r->start_year + y);
                for (size_t k = 0; k < N_SERIES; k++)
                    fprintf(f, ",%.10g", r->series[sidx(r, g, run, y, k)]);
                fprintf(f, ",%s\n", r->start_year + y < r->proj_year ? "history" : "projection");
            }
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
    }
    return pw_afile_commit(af, err);
}

int pw_results_write(const pw_results *r, const char *dir, pw_error *err)
{
    int rc = pw_mkdirs(dir, err);
    if (rc)
        return rc;
    long base = find_regime(r, BASELINE);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if ((rc = write_json(r, path, base, err)))
        return rc;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if ((rc = write_summary_csv(r, path, base, err)))
        return rc;
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    return write_timeseries(r, path, err);
}

/* A number in a few characters: 585bn, 43.5bn, 45.6M, 12.3k, 950, 0.42. */
static void human(double x, char *buf, size_t len)
{
    double a = fabs(x);
    if (a >= 1e11)
        snprintf(buf, len, "%.0fbn", x / 1e9);
    else if (a >= 1e9)
        snprintf(buf, len, "%.1fbn", x / 1e9);
    else if (a >= 1e6)
        snprintf(buf, len, "%.2fM", x / 1e6);
    else if (a >= 1e4)
        snprintf(buf, len, "%.1fk", x / 1e3);
    else if (a >= 10 || a == 0)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%.2g", x);
}

static void cell(const pw_results *r, size_t g, long base, size_t m, char *buf, size_t len)
{
    double mean, lo, hi;
    char a[24], b[24], c[24];
    pw_results_summary(r, g, base, m, &mean, &lo, &hi);
    human(mean, a, sizeof a);
    human(lo, b, sizeof b);
    human(hi, c, sizeof c);
    snprintf(buf, len, "%s%s [%s, %s]", base >= 0 && mean > 0 ? "+" : "", a, b, c);
}

/* The rows of the table: the outcomes a policy maker asks about first. */
static const char *const TABLE_ROWS[] = {
    "pwud_end",
    "dependent_end",
    "pwid_end",
    "initiations_total",
    "overdose_deaths_total",
    "hiv_infections_total",
    "drug_crimes_total",
    "detected_offences_total",
    "prison_population_end",
    "in_compulsory_treatment_end",
    "sustained_remissions_total",
    "criminal_mindset_acquired_in_prison_total",
    "children_with_pwud_parent_end",
    "cost_total_kzt",
    "drug_deaths_total",
    "life_years_lost_total",
    "custody_person_years_total",
    "beds_needed_peak",
    NULL,
};

void pw_results_print_table(const pw_results *r, const char *baseline, FILE *f)
{
    long base = find_regime(r, baseline);
    const int w0 = 42, w = 30;
    char buf[96];
    fprintf(f, "%s, %d-%d, %d run%s per regime (%s; mean [95%% interval across runs])\n",
            r->scenario, r->proj_year, r->start_year + r->years - 1, r->runs,
            r->runs == 1 ? "" : "s", r->engine);
    if (r->proj_year > r->start_year)
        fprintf(f, "history %d-%d simulated once per run under today's regime, then each regime "
                   "from %d\n",
                r->start_year, r->proj_year - 1, r->proj_year);
    /* Say how the figures were made: a reader of a pasted table should not
     * have to know the defaults to tell a tenth of the people, scaled up,
     * from the whole population, or drawn parameters from point values. */
    if (r->scale < 1.0)
        fprintf(f, "%.3g%% of the people simulated, figures scaled to the whole population\n",
                100.0 * r->scale);
    if (r->posterior)
        fprintf(f, "parameters: a draw per run from %s\n", r->posterior);
    else
        fprintf(f, "parameters: the scenario's point values\n");
    if (r->note)
        fprintf(f, "note: %s\n", r->note);
    for (size_t m = 0, n = 0; m < N_METRICS; m++)
        if (has_metric(r, m) && not_modelled(r, m))
            fprintf(f, "%s%s", n++ ? ", " : "not modelled by this engine (nan below): ",
                    METRICS[m]);
    for (size_t m = 0; m < N_METRICS; m++)
        if (has_metric(r, m) && not_modelled(r, m)) {
            fputc('\n', f);
            break;
        }
    if (r->n_over) {
        fprintf(f, "set by hand:");
        for (size_t i = 0; i < r->n_over; i++)
            fprintf(f, "%s %s = %g", i ? "," : "", r->over_name[i], r->over_value[i]);
        fputc('\n', f);
    }
    for (int pass = 0; pass < (base >= 0 && r->n_regimes > 1 ? 2 : 1); pass++) {
        if (pass == 1)
            fprintf(f, "\nDifference from %s (paired by run: same people, same chances)\n",
                    r->regimes[base]);
        fprintf(f, "%-*s", w0, "");
        for (size_t g = 0; g < r->n_regimes; g++)
            if (pass == 0 || (long)g != base)
                fprintf(f, " %-*s", w, r->regimes[g]);
        fputc('\n', f);
        for (int i = 0; TABLE_ROWS[i]; i++) {
            int m = pw_metric_find(TABLE_ROWS[i]);
            if (m < 0)
                continue;
            fprintf(f, "%-*s", w0, TABLE_ROWS[i]);
            for (size_t g = 0; g < r->n_regimes; g++) {
                if (pass == 1 && (long)g == base)
                    continue;
                cell(r, g, pass == 1 ? base : -1, (size_t)m, buf, sizeof buf);
                fprintf(f, " %-*s", w, buf);
            }
            fputc('\n', f);
        }
    }
    /* Plausibility bands: runs of each regime that left each one, and the
     * first such run's year and value. */
    if (r->n_bands) {
        fprintf(f, "\nPlausibility bands (runs outside, of %d; first: run, year, value)\n",
                r->runs);
        fprintf(f, "%-*s", w0, "");
        for (size_t g = 0; g < r->n_regimes; g++)
            fprintf(f, " %-*s", w, r->regimes[g]);
        fputc('\n', f);
        for (size_t b = 0; b < r->n_bands; b++) {
            char label[96];
            snprintf(label, sizeof label, "%s [%g, %g]", r->bands[b].name, r->bands[b].lo,
                     r->bands[b].hi);
            fprintf(f, "%-*s", w0, label);
            for (size_t g = 0; g < r->n_regimes; g++) {
                int n = 0, y0 = 0, run0 = -1;
                double v0 = 0;
                for (int run = 0; run < r->runs; run++) {
                    int y;
                    double v;
                    if (pw_results_band_left(r, b, g, run, &y, &v) && n++ == 0) {
                        run0 = run;
                        y0 = y;
                        v0 = v;
                    }
                }
                if (n)
                    snprintf(buf, sizeof buf, "%d (run %d, %d: %.3g)", n, run0, y0, v0);
                else
                    snprintf(buf, sizeof buf, "0");
                fprintf(f, " %-*s", w, buf);
            }
            fputc('\n', f);
        }
    }
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
