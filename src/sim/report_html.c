/*
 * report.html: the comparison table and yearly charts as one offline page.
 *
 * Charts are inline SVG drawn here rather than by a charting script, so
 * the page needs no network and shows the same thing in every browser and
 * on paper. Each chart: x = calendar year, y = the series; per regime a
 * line through the mean across runs and a translucent band between the
 * 2.5th and 97.5th percentiles across runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/report.h"

/* Colour-blind-safe palette (Okabe-Ito), one colour per regime. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#F0E442", "#000000"};
#define N_COLOURS (sizeof palette / sizeof palette[0])

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Numbers as a reader expects them: 12,345 for counts, 0.123 for rates,
 * 96.4 bn for costs. */
static void put_number(FILE *f, double x)
{
    if (!isfinite(x)) {
        fputs("&ndash;", f);
        return;
    }
    double a = fabs(x);
    if (a >= 1e9) {
        /* Costs run to hundreds of billions of tenge: digits beyond three
         * significant ones are noise across runs anyway. */
        fprintf(f, "%.3g bn", x / 1e9);
    } else if (a >= 1000) {
        char digits[64];
        snprintf(digits, sizeof digits, "%.0f", a);
        size_t n = strlen(digits);
        if (x < 0)
            fputc('-', f);
        for (size_t i = 0; i < n; i++) {
            fputc(digits[i], f);
            if ((n - i - 1) % 3 == 0 && i + 1 < n)
                fputc(',', f);
        }
    } else if (a >= 100 || a == 0) {
        fprintf(f, "%.0f", x);
    } else {
        fprintf(f, "%.3g", x);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile of sorted v[0..n-1] by linear interpolation. */
static double percentile(const double *v, int n, double p)
{
    if (n == 1)
        return v[0];
    double pos = p * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* The sections of the table and the charts. Every metric and series
 * lands in the first section one of whose name prefixes it starts with,
 * or in the last ("Other"), so an output added to the list (results.c)
 * appears without a change here. */
static const struct {
    const char *title;
    const char *prefix[24];
} SECTIONS[] = {
    {"Use and dependence",
     {"pwud", "dependent", "pwid", "light_users", "initiations", "peer_initiations",
      "in_remission", "sustained_remissions", NULL}},
    {"Health", {"overdose", "hiv", "hcv", "drug_deaths", "life_years", "deaths_averted", NULL}},
    {"Treatment and capacity",
     {"compulsory", "in_compulsory", "waiting", "beds", "outpatient", "drug_court", "monitored",
      "in_aftercare", "orders_not", "admitted_from", "mean_wait", "panel", NULL}},
    {"Crime, justice and custody",
     {"drug_crimes", "acquisitive", "offences", "detected", "cases", "prison", "releases",
      "arrest", "pretrial", "custody", "parole", "work_release", "reconvicted", "reoffending",
      "criminal_mindset", "mindset", "sellers", "fines", "community_service", NULL}},
    {"Costs (KZT, discounted to the start year)", {"cost", NULL}},
    {"Population and families",
     {"population", "births", "deaths", "emigrated", "immigrated", "children", "employed", NULL}},
    {"Other", {NULL}},
};
#define N_SECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])

static size_t section_of(const char *name)
{
    for (size_t i = 0; i + 1 < N_SECTIONS; i++)
        for (size_t j = 0; SECTIONS[i].prefix[j]; j++)
            if (strncmp(name, SECTIONS[i].prefix[j], strlen(SECTIONS[i].prefix[j])) == 0)
                return i;
    return N_SECTIONS - 1;
}

/* One metric's cells: per regime the mean and its 95% interval, and the
 * paired difference from the baseline. */
static void put_metric_cells(FILE *f, const pw_results *res, long base, size_t m)
{
    size_t ng = pw_results_regime_count(res);
    for (size_t g = 0; g < ng; g++) {
        double mean, lo, hi;
        fputs("<td>", f);
        if (pw_results_summary(res, g, -1, m, &mean, &lo, &hi) == PW_OK) {
            put_number(f, mean);
            fputs("<br><small>[", f);
            put_number(f, lo);
            fputs(", ", f);
            put_number(f, hi);
            fputs("]</small>", f);
            /* (a metric taken against the baseline is its own difference) */
            if (base >= 0 && (size_t)base != g && !strstr(pw_metric_name(m), "_vs_baseline") &&
                pw_results_summary(res, g, base, m, &mean, &lo, &hi) == PW_OK) {
                /* Bold when the paired 95% interval excludes zero. */
                int clear = lo > 0 || hi < 0;
                fprintf(f, "<br><small class=\"diff%s\">&Delta; ", clear ? " clear" : "");
                if (mean > 0)
                    fputc('+', f);
                put_number(f, mean);
                fputs(" [", f);
                put_number(f, lo);
                fputs(", ", f);
                put_number(f, hi);
                fputs("]</small>", f);
            }
        }
        fputs("</td>", f);
    }
}

static void put_head(FILE *f, const pw_results *res, const char *first)
{
    fprintf(f, "<table><thead><tr><th>%s</th>", first);
    for (size_t g = 0; g < pw_results_regime_count(res); g++) {
        fputs("<th>", f);
        put_escaped(f, pw_results_regime(res, g));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
}

/* Every metric, section by section (a heading row before each). */
static void put_table(FILE *f, const pw_results *res, long base)
{
    size_t ng = pw_results_regime_count(res);
    put_head(f, res, "outcome");
    for (size_t sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t m = 0; m < pw_metric_count(); m++) {
            if (section_of(pw_metric_name(m)) != sec)
                continue;
            if (!any++)
                fprintf(f, "<tr class=\"sec\"><th colspan=\"%zu\">%s</th></tr>\n", ng + 1,
                        SECTIONS[sec].title);
            fputs("<tr><th>", f);
            put_escaped(f, pw_metric_name(m));
            fputs("</th>", f);
            put_metric_cells(f, res, base, m);
            fputs("</tr>\n", f);
        }
    }
    fputs("</tbody></table>\n", f);
}

/* The figures a ministry asks for first, where the results have them:
 * capacity against need, coercion, and lives. */
static void put_key_table(FILE *f, const pw_results *res, long base)
{
    static const struct {
        const char *metric, *label;
    } KEY[] = {
        {"compulsory_beds_for_drugs", "compulsory-treatment beds for drug cases"},
        {"beds_needed_peak", "beds needed to admit every order on its day (peak week)"},
        {"beds_needed_last_year", "beds needed, mean over the last year"},
        {"waiting_list_end", "waiting for a bed at the end"},
        {"mean_wait_weeks", "mean wait for a bed, weeks"},
        {"panel_sessions_total", "panel or commission sessions"},
        {"custody_person_years_total", "person-years of coerced confinement"},
        {"drug_deaths_total", "deaths from drug use (overdose, HIV)"},
        {"life_years_lost_total", "life-years lost to those deaths"},
        {"deaths_averted_vs_baseline", "deaths averted against the baseline"},
        {"life_years_saved_vs_baseline", "life-years saved against the baseline"},
    };
    int any = 0;
    for (size_t i = 0; i < sizeof KEY / sizeof KEY[0]; i++) {
        int m = pw_metric_find(KEY[i].metric);
        if (m < 0 || (strstr(KEY[i].metric, "_vs_baseline") && base < 0))
            continue;
        if (!any++) {
            fputs("<h2>Capacity, coercion and lives</h2>\n<p>Beds needed: the people under a "
                  "compulsory-treatment order in force, counted from the day of the order for "
                  "its length, whether they are in a bed or waiting (the beds that would admit "
                  "every order on its day). Totals are over the whole horizon.</p>\n",
                  f);
            put_head(f, res, "figure");
        }
        fputs("<tr class=\"key\"><th>", f);
        put_escaped(f, KEY[i].label);
        fputs(" <small>(", f);
        put_escaped(f, KEY[i].metric);
        fputs(")</small></th>", f);
        put_metric_cells(f, res, base, (size_t)m);
        fputs("</tr>\n", f);
    }
    if (any)
        fputs("</tbody></table>\n", f);
}

/* One chart: per regime, the mean line and the 95% band across runs. */
static int put_chart(FILE *f, const pw_results *res, size_t k, int start_year)
{
    const int W = 420, H = 240, L = 64, R = 12, T = 28, B = 30;
    int years = pw_results_years(res), runs = pw_results_runs(res);
    size_t ng = pw_results_regime_count(res);
    size_t cells = ng * (size_t)years;
    double *mean = malloc(cells * sizeof *mean), *lo = malloc(cells * sizeof *lo),
           *hi = malloc(cells * sizeof *hi), *v = malloc((size_t)runs * sizeof *v);
    if (!mean || !lo || !hi || !v) {
        free(mean), free(lo), free(hi), free(v);
        return PW_ENOMEM;
    }
    double ymin = 0, ymax = 0;
    for (size_t g = 0; g < ng; g++)
        for (int y = 0; y < years; y++) {
            double s = 0;
            for (int r = 0; r < runs; r++)
                s += v[r] = pw_results_series(res, g, r, y, k);
            qsort(v, (size_t)runs, sizeof *v, cmp_double);
            size_t c = g * (size_t)years + (size_t)y;
            mean[c] = s / runs;
            lo[c] = percentile(v, runs, 0.025);
            hi[c] = percentile(v, runs, 0.975);
            if (lo[c] < ymin)
                ymin = lo[c];
            if (hi[c] > ymax)
                ymax = hi[c];
        }
    if (ymax <= ymin)
        ymax = ymin + 1;
    double xs = years > 1 ? (double)(W - L - R) / (years - 1) : 0;
#define PX(y) (L + (y) * xs)
#define PY(val) (T + (H - T - B) * (1 - ((val) - ymin) / (ymax - ymin)))
    fprintf(f, "<figure><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", W, H,
            W, H);
    fputs("<title>", f);
    put_escaped(f, pw_series_name(k));
    fputs("</title>", f);
    fprintf(f, "<text x=\"%d\" y=\"16\" class=\"ct\">", L);
    put_escaped(f, pw_series_name(k));
    fputs("</text>", f);
    /* Axes with four y gridlines and first/last year on x. */
    for (int i = 0; i <= 4; i++) {
        double val = ymin + (ymax - ymin) * i / 4;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", L, W - R,
                PY(val), PY(val));
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"yl\">", L - 4, PY(val) + 4);
        put_number(f, val);
        fputs("</text>", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"xl\">%d</text>", L, H - 10, start_year);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"xl\" text-anchor=\"end\">%d</text>", W - R, H - 10,
            start_year + years - 1);
    for (size_t g = 0; g < ng; g++) {
        const char *col = palette[g % N_COLOURS];
        const double *mn = mean + g * (size_t)years, *l = lo + g * (size_t)years,
                     *h = hi + g * (size_t)years;
        if (runs > 1) {
            fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.12\" stroke=\"none\" points=\"", col);
            for (int y = 0; y < years; y++)
                fprintf(f, "%.1f,%.1f ", PX(y), PY(h[y]));
            for (int y = years - 1; y >= 0; y--)
                fprintf(f, "%.1f,%.1f ", PX(y), PY(l[y]));
            fputs("\"/>", f);
        }
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (int y = 0; y < years; y++)
            fprintf(f, "%.1f,%.1f ", PX(y), PY(mn[y]));
        fputs("\"/>", f);
    }
#undef PX
#undef PY
    fputs("</svg></figure>\n", f);
    free(mean), free(lo), free(hi), free(v);
    return PW_OK;
}

/* Plausibility bands: per band and regime, the runs that left it and the
 * first year and value of each (the same as the table and summary.json). */
static void put_bands(FILE *f, const pw_results *res)
{
    size_t nb = pw_results_band_count(res), ng = pw_results_regime_count(res);
    if (!nb)
        return;
    fprintf(f, "<h2>Plausibility bands</h2>\n<p>Runs (of %d) whose trajectory left a band the "
               "scenario declares, and where each first did (run: year, value).</p>\n"
               "<table id=\"bands\"><thead><tr><th>band</th>",
            pw_results_runs(res));
    for (size_t g = 0; g < ng; g++) {
        fputs("<th>", f);
        put_escaped(f, pw_results_regime(res, g));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t b = 0; b < nb; b++) {
        fputs("<tr><th>", f);
        put_escaped(f, pw_results_band_name(res, b));
        fputs("</th>", f);
        for (size_t g = 0; g < ng; g++) {
            int n = 0;
            for (int run = 0; run < pw_results_runs(res); run++) {
                int y;
                double v;
                n += pw_results_band_left(res, b, g, run, &y, &v);
            }
            fprintf(f, "<td>%d", n);
            for (int run = 0, shown = 0; run < pw_results_runs(res) && shown < 4; run++) {
                int y;
                double v;
                if (pw_results_band_left(res, b, g, run, &y, &v)) {
                    fprintf(f, "<br><small>run %d: %d, %.3g</small>", run, y, v);
                    shown++;
                }
            }
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

int pw_report_html_write(const pw_results *res, const char *title, int start_year,
                         const char *baseline, const char *dir, pw_error *err)
{
    char path[4096];
    pw_afile *af;
    int rc;
    snprintf(path, sizeof path, "%s/report.html", dir);
    if ((rc = pw_afile_open(path, &af, err)) != PW_OK)
        return rc;
    FILE *f = pw_afile_fp(af);
    size_t ng = pw_results_regime_count(res);
    long base = -1;
    for (size_t g = 0; baseline && g < ng; g++)
        if (strcmp(pw_results_regime(res, g), baseline) == 0)
            base = (long)g;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>pathways: ", f);
    put_escaped(f, title);
    fputs("</title>\n<style>\n"
          "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}\n"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
          "text-align:right;vertical-align:top}thead th{background:#f3f3f3}tbody th{text-align:left;"
          "font-weight:normal;font-family:monospace}small{color:#666}.diff.clear{color:#000;"
          "font-weight:bold}\ntr.sec th{background:#f3f3f3;font-family:inherit;font-weight:bold}"
          "tr.key th{font-family:inherit}\n"
          ".charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;border:1px solid #eee}\n"
          ".grid{stroke:#eee}.ct{font-size:13px;font-family:monospace}.yl{font-size:10px;"
          "text-anchor:end;fill:#555}.xl{font-size:10px;fill:#555}\n"
          ".key span{display:inline-block;margin-right:1.5em}.key i{display:inline-block;width:1em;"
          "height:.6em;margin-right:.4em}\n"
          "</style></head><body>\n<h1>pathways: ",
          f);
    put_escaped(f, title);
    fprintf(f, "</h1>\n<p>%zu regime%s, %d run%s each, %d years from %d. Each cell: the mean across "
               "runs and, below it, the central 95%% interval across runs.",
            ng, ng == 1 ? "" : "s", pw_results_runs(res), pw_results_runs(res) == 1 ? "" : "s",
            pw_results_years(res), start_year);
    if (base >= 0) {
        fputs(" &Delta; is the difference from <b>", f);
        put_escaped(f, baseline);
        fputs("</b> over paired runs (common random numbers); it is in bold where its 95% "
              "interval excludes zero.",
              f);
    }
    fputs("</p>\n<p>Parameters: ", f);
    if (pw_results_posterior(res)) {
        fputs("drawn per run from the posterior <code>", f);
        put_escaped(f, pw_results_posterior(res));
        fputs("</code>, so the intervals carry parameter uncertainty as well as chance.", f);
    } else {
        fputs("the scenario's point values (no posterior): the intervals show chance only.", f);
    }
    for (size_t i = 0; i < pw_results_override_count(res); i++) {
        double v;
        const char *name = pw_results_override(res, i, &v);
        fputs(i ? ", <code>" : " Set by hand for this run: <code>", f);
        put_escaped(f, name);
        fprintf(f, " = %g</code>", v);
    }
    fputs("</p>\n", f);
    put_key_table(f, res, base);
    fputs("<h2>Every outcome</h2>\n", f);
    put_table(f, res, base);
    put_bands(f, res);
    fputs("<h2>Year by year</h2>\n<p class=\"key\">", f);
    for (size_t g = 0; g < ng; g++) {
        fprintf(f, "<span><i style=\"background:%s\"></i>", palette[g % N_COLOURS]);
        put_escaped(f, pw_results_regime(res, g));
        fputs("</span>", f);
    }
    fputs("</p>\n", f);
    for (size_t sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t k = 0; k < pw_series_count(); k++) {
            if (section_of(pw_series_name(k)) != sec)
                continue;
            if (!any++)
                fprintf(f, "<h3>%s</h3>\n<div class=\"charts\">\n", SECTIONS[sec].title);
            if ((rc = put_chart(f, res, k, start_year)) != PW_OK) {
                pw_afile_abort(af);
                return pw_error_set(err, rc, path, 0, NULL, "out of memory");
            }
        }
        if (any)
            fputs("</div>\n", f);
    }
    fputs("<p><small>Lines: mean across runs. Bands: central 95% of runs. Generated by "
          "pathways " PW_VERSION ".</small></p>\n</body></html>\n",
          f);
    return pw_afile_commit(af, err);
}
