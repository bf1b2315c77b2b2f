/*
 * The comparison table printed at the end of `pathways run`: each regime's
 * outcomes and their paired differences from the baseline, and the runs
 * that left a plausibility band.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_int.h"

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
    long base = pwi_results_find_regime(r, baseline);
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
    for (size_t m = 0, n = 0; m < pw_metric_count(); m++)
        if (pw_results_has_metric(r, m) && pwi_results_not_modelled(r, m))
            fprintf(f, "%s%s", n++ ? ", " : "not modelled by this engine (nan below): ",
                    pw_metric_name(m));
    for (size_t m = 0; m < pw_metric_count(); m++)
        if (pw_results_has_metric(r, m) && pwi_results_not_modelled(r, m)) {
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
