/*
 * Charts and the forest plot of report.html, as inline SVG (no script):
 * axes with "nice" ticks (1, 2 or 5 x 10^k) in the unit the reader sees
 * (billions for KZT), years labelled every five.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_svg.h"

static const char *const PALETTE[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#F0E442", "#000000"};
#define N_COLOURS (sizeof PALETTE / sizeof PALETTE[0])

const char *pwi_colour(size_t g) { return PALETTE[g % N_COLOURS]; }

struct pwi_obs {
    size_t n;
    char (*series)[64];
    char (*per)[64]; /* "" for a count; else the ratio's denominator */
    int *year;
    double *value, *sd;
};

void pwi_obs_free(pwi_obs *o)
{
    if (!o)
        return;
    free(o->series);
    free(o->per);
    free(o->year);
    free(o->value);
    free(o->sd);
    free(o);
}

int pwi_obs_load(const char *name_or_path, pwi_obs **out, pw_error *err)
{
    *out = NULL;
    pw_doc *d = NULL;
    int rc = pw_doc_load("targets", name_or_path, &d, err);
    if (rc != PW_OK)
        return rc;
    const pw_node *t = pw_node_get(pw_doc_root(d), "targets");
    size_t n = t ? pw_node_len(t) : 0;
    pwi_obs *o = calloc(1, sizeof *o);
    if (!o || (n && (!(o->series = calloc(n, sizeof *o->series)) ||
                     !(o->per = calloc(n, sizeof *o->per)) ||
                     !(o->year = calloc(n, sizeof *o->year)) ||
                     !(o->value = calloc(n, sizeof *o->value)) ||
                     !(o->sd = calloc(n, sizeof *o->sd))))) {
        rc = pw_error_set(err, PW_ENOMEM, name_or_path, 0, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const pw_node *e = pw_node_at(t, i);
        const char *series, *per;
        long year;
        double v, sd;
        if ((rc = pw_node_text(d, e, "per", 0, "", &per, err)) ||
            (rc = pw_node_text(d, e, "series", 1, NULL, &series, err)) ||
            (rc = pw_node_int(d, e, "year", 1, 0, 1900, 2200, &year, err)) ||
            (rc = pw_node_num(d, e, "value", 1, 0, -1e15, 1e15, &v, err)) ||
            (rc = pw_node_num(d, e, "sd", 0, 0, 0, 1e15, &sd, err)))
            goto done;
        snprintf(o->series[o->n], sizeof o->series[0], "%s", series);
        snprintf(o->per[o->n], sizeof o->per[0], "%s", per);
        o->year[o->n] = (int)year;
        o->value[o->n] = v;
        o->sd[o->n] = sd;
        o->n++;
    }
done:
    pw_doc_free(d);
    if (rc != PW_OK) {
        pwi_obs_free(o);
        return rc;
    }
    *out = o;
    return PW_OK;
}

size_t pwi_obs_count(const pwi_obs *o) { return o ? o->n : 0; }
const char *pwi_obs_series(const pwi_obs *o, size_t i) { return o->series[i]; }
const char *pwi_obs_per(const pwi_obs *o, size_t i) { return o->per[i]; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile of sorted v[0..n-1] by linear interpolation (as results.c). */
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

/* A tick label in shown units (ticks are already in them). */
static void tick_label(const pwi_words *w, pwi_unit u, double shown, double step, char *buf,
                       size_t len)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    double raw = u == PWI_U_KZT ? shown * 1e9 : u == PWI_U_SHARE ? shown / 100 : shown;
    pwi_fmt(w, u, raw, dec, 0, buf, len);
}

/* Observation i belongs on the chart of `name` over `per` ("" for none). */
static int obs_on(const pwi_obs *obs, size_t i, const char *name, const char *per, int y0,
                  int years)
{
    return strcmp(obs->series[i], name) == 0 && strcmp(obs->per[i], per) == 0 &&
           obs->year[i] >= y0 && obs->year[i] < y0 + years;
}

int put_chart(FILE *f, const pwi_words *w, const pw_results *res, size_t k, size_t den, int proj,
              const pwi_obs *obs)
{
    const int W = 420, H = 250, L = 62, R = 12, T = 40, B = 26;
    int years = pw_results_years(res), runs = pw_results_runs(res);
    int y0 = pw_results_start_year(res);
    size_t ng = pw_results_regime_count(res);
    size_t cells = ng * (size_t)years;
    double *mean = malloc(cells * sizeof *mean), *lo = malloc(cells * sizeof *lo),
           *hi = malloc(cells * sizeof *hi), *v = malloc((size_t)runs * sizeof *v);
    if (!mean || !lo || !hi || !v) {
        free(mean), free(lo), free(hi), free(v);
        return PW_ENOMEM;
    }
    /* A ratio chart (den set) is worded as the output "<k>_per_<den>"
     * (data/metrics/outputs.yaml): HIV prevalence among PWID is
     * hiv_pwid_per_pwid. Each run's ratio is taken before the band. */
    const char *name = pw_series_name(k), *per = "", *label, *def;
    char wname[160], dname[160];
    int ratio = den != PWI_NO_DEN;
    if (ratio) {
        per = pw_series_name(den);
        snprintf(wname, sizeof wname, "%s_per_%s", name, per);
        snprintf(dname, sizeof dname, "%s/%s", name, per);
    }
    pwi_unit u;
    pwi_output(w, ratio ? wname : name, &label, &def, &u, NULL, NULL);
    double ymin = 0, ymax = 0;
    for (size_t g = 0; g < ng; g++)
        for (int y = 0; y < years; y++) {
            double s = 0;
            for (int r = 0; r < runs; r++) {
                double x = pw_results_series(res, g, r, y, k);
                if (ratio) {
                    double d = pw_results_series(res, g, r, y, den);
                    x = d > 0 ? x / d : NAN;
                }
                s += v[r] = pwi_shown(u, x);
            }
            qsort(v, (size_t)runs, sizeof *v, cmp_double);
            size_t c = g * (size_t)years + (size_t)y;
            mean[c] = s / runs;
            lo[c] = percentile(v, runs, 0.025);
            hi[c] = percentile(v, runs, 0.975);
            ymin = fmin(ymin, lo[c]);
            ymax = fmax(ymax, hi[c]);
        }
    /* Observations of this series inside the years shown, with 95% bars. */
    for (size_t i = 0; obs && i < obs->n; i++)
        if (obs_on(obs, i, name, per, y0, years)) {
            ymin = fmin(ymin, pwi_shown(u, obs->value[i] - 1.96 * obs->sd[i]));
            ymax = fmax(ymax, pwi_shown(u, obs->value[i] + 1.96 * obs->sd[i]));
        }
    double ticks[16], step;
    int nt = pwi_ticks(&ymin, &ymax, 4, ticks, 16, &step);
    double xs = years > 1 ? (double)(W - L - R) / (years - 1) : 0;
#define PX(y) (L + (y) * xs)
#define PY(val) (T + (H - T - B) * (1 - ((val) - ymin) / (ymax - ymin)))
    fprintf(f, "<figure data-series=\"%s\"><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
               "role=\"img\"><title>",
            ratio ? dname : name, W, H, W, H);
    pwi_put_escaped(f, label);
    fputs(": ", f);
    pwi_put_escaped(f, def);
    fputs("</title>", f);
    /* History: the years before the projection, shaded. */
    if (proj > y0) {
        int last = proj - y0 < years ? proj - y0 : years - 1;
        fprintf(f, "<rect class=\"hist\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>", L, T,
                PX(last) - L, H - T - B);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cu\">", L + 3, T + 11);
        pwi_put_escaped(f, pwi_tr(w, "history"));
        fputs("</text>", f);
    }
    fprintf(f, "<text x=\"4\" y=\"16\" class=\"ct\">");
    pwi_put_escaped(f, label);
    fprintf(f, "</text><text x=\"4\" y=\"31\" class=\"cu\">");
    pwi_put_escaped(f, pwi_unit_label(w, u));
    fputs("</text>", f);
    fputs("<g class=\"yaxis\">", f);
    for (int i = 0; i < nt; i++) {
        char b[64];
        tick_label(w, u, ticks[i], step, b, sizeof b);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>", L, W - R,
                PY(ticks[i]), PY(ticks[i]), ticks[i] == 0 ? "zero" : "grid");
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"yl\" data-v=\"%.10g\">%s</text>", L - 4,
                PY(ticks[i]) + 4, ticks[i], b);
    }
    fputs("</g><g class=\"xaxis\">", f);
    /* Years every five (2025, 2030, ...), or every year on a short run. */
    int every = years > 10 ? 5 : years > 4 ? 2 : 1;
    for (int y = 0; y < years; y++)
        if ((y0 + y) % every == 0)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%d</text>", PX(y), H - 8, y0 + y);
    fputs("</g>", f);
    /* An engine that does not model a series leaves it NaN: its points are
     * left out, and a chart with none says so. */
    int finite = 0;
    for (size_t c = 0; c < cells; c++)
        finite += isfinite(mean[c]) && isfinite(lo[c]) && isfinite(hi[c]);
    if (!finite) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cu\" text-anchor=\"middle\">", (L + W - R) / 2,
                (T + H - B) / 2);
        pwi_put_escaped(f, pwi_tr(w, "not_modelled"));
        fputs("</text>", f);
    }
    for (size_t g = 0; g < ng; g++) {
        const char *col = pwi_colour(g);
        const double *mn = mean + g * (size_t)years, *l = lo + g * (size_t)years,
                     *h = hi + g * (size_t)years;
        if (runs > 1 && (size_t)finite == cells) {
            fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.12\" stroke=\"none\" points=\"", col);
            for (int y = 0; y < years; y++)
                fprintf(f, "%.1f,%.1f ", PX(y), PY(h[y]));
            for (int y = years - 1; y >= 0; y--)
                fprintf(f, "%.1f,%.1f ", PX(y), PY(l[y]));
            fputs("\"/>", f);
        }
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (int y = 0; y < years; y++)
            if (isfinite(mn[y]))
                fprintf(f, "%.1f,%.1f ", PX(y), PY(mn[y]));
        fputs("\"/>", f);
    }
    for (size_t i = 0; obs && i < obs->n; i++)
        if (obs_on(obs, i, name, per, y0, years)) {
            double x = PX(obs->year[i] - y0), c = pwi_shown(u, obs->value[i]);
            double e = pwi_shown(u, 1.96 * obs->sd[i]);
            fprintf(f, "<g class=\"obs\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#000\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" class=\"obs\"/>"
                       "</g>",
                    x, x, PY(c - e), PY(c + e), x, PY(c));
        }
#undef PX
#undef PY
    fputs("</svg></figure>\n", f);
    free(mean), free(lo), free(hi), free(v);
    return PW_OK;
}

/* One forest row per metric: a line per regime from the 2.5th to the
 * 97.5th percentile of the paired differences, a dot at their mean (filled
 * where the interval excludes zero), and the line of no change. */
static void forest_svg(FILE *f, const pwi_words *w, const pw_results *res, long base, size_t m,
                       pwi_unit u, int better)
{
    size_t ng = pw_results_regime_count(res);
    /* Margins wide enough for a tick label centred on the first and last tick. */
    const int W = 320, L = 26, R = 26, RowH = 13, T = 6;
    int rows = (int)ng - 1, H = T + rows * RowH + 30;
    double lo = 0, hi = 0, mean[16], l[16], h[16];
    for (size_t g = 0, i = 0; g < ng && i < 16; g++) {
        if ((long)g == base)
            continue;
        pw_results_summary(res, g, base, m, &mean[i], &l[i], &h[i]);
        mean[i] = pwi_shown(u, mean[i]);
        l[i] = pwi_shown(u, l[i]);
        h[i] = pwi_shown(u, h[i]);
        lo = fmin(lo, l[i]);
        hi = fmax(hi, h[i]);
        i++;
    }
    double ticks[16], step;
    int nt = pwi_ticks(&lo, &hi, 3, ticks, 16, &step);
#define FX(v) (L + (W - L - R) * ((v) - lo) / (hi - lo))
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", W, H, W, H);
    fputs("<g class=\"yaxis\">", f);
    for (int i = 0; i < nt; i++) {
        char b[64];
        tick_label(w, u, ticks[i], step, b, sizeof b);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"%s\"/>",
                FX(ticks[i]), FX(ticks[i]), T - 4, T + rows * RowH, ticks[i] == 0 ? "zero" : "grid");
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xl\" data-v=\"%.10g\">%s</text>",
                FX(ticks[i]), T + rows * RowH + 11, ticks[i], b);
    }
    fputs("</g>", f);
    for (size_t g = 0, i = 0; g < ng && i < 16; g++) {
        if ((long)g == base)
            continue;
        double y = T + i * RowH + RowH / 2.0;
        int clear = l[i] > 0 || h[i] < 0;
        if (!isfinite(mean[i]) || !isfinite(l[i]) || !isfinite(h[i])) {
            i++; /* not modelled by this engine: an empty row */
            continue;
        }
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"2\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" stroke=\"%s\" "
                   "stroke-width=\"1.5\" fill=\"%s\"/>",
                FX(l[i]), FX(h[i]), y, y, pwi_colour(g), FX(mean[i]), y, pwi_colour(g),
                clear ? pwi_colour(g) : "#fff");
        i++;
    }
    /* Which side is better, under the axis. */
    if (better) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cu\" text-anchor=\"%s\">", better < 0 ? 2 : W - 2,
                H - 3, better < 0 ? "start" : "end");
        pwi_put_escaped(f, pwi_tr(w, better < 0 ? "better_left" : "better_right"));
        fputs("</text>", f);
    }
#undef FX
    fputs("</svg>", f);
}

void put_forest(FILE *f, const pwi_words *w, const pw_results *res, long base)
{
    size_t ng = pw_results_regime_count(res);
    fputs("<section id=\"forest\"><h2>", f);
    pwi_put_escaped(f, pwi_tr(w, "forest"));
    fputs("</h2>\n<p>", f);
    const char *args[5] = {pw_results_regime(res, (size_t)base), NULL, NULL, NULL, NULL};
    pwi_put_template(f, pwi_tr(w, "forest_text"), args);
    fputs("</p>\n<p class=\"key\">", f);
    for (size_t g = 0; g < ng; g++) {
        if ((long)g == base)
            continue;
        fprintf(f, "<span><i style=\"background:%s\"></i>", pwi_colour(g));
        pwi_put_escaped(f, pwi_regime_label(w, pw_results_regime(res, g)));
        fputs("</span>", f);
    }
    fputs("</p>\n<div class=\"forest\">\n", f);
    for (size_t m = 0; m < pw_metric_count(); m++) {
        const char *name = pw_metric_name(m), *label, *def;
        if (!pw_results_has_metric(res, m) || strstr(name, "_vs_baseline"))
            continue;
        pwi_unit u;
        int better;
        char sfx;
        pwi_output(w, name, &label, &def, &u, &better, &sfx);
        fprintf(f, "<figure data-metric=\"%s\"><figcaption>", name);
        pwi_put_escaped(f, label);
        if (sfx) {
            char y0[16], y1[16];
            snprintf(y0, sizeof y0, "%d", pw_results_start_year(res));
            snprintf(y1, sizeof y1, "%d", pw_results_start_year(res) + pw_results_years(res) - 1);
            const char *a[5] = {y1, y0, y1, NULL, NULL};
            fputs(", ", f);
            pwi_put_template(f, pwi_tr(w, sfx == 'e' ? "at_end" : "total"), a);
        }
        fputs(" <span class=\"u\">(", f);
        pwi_put_escaped(f, pwi_unit_label(w, u));
        fputs(")</span></figcaption>", f);
        forest_svg(f, w, res, base, m, u, better);
        fputs("</figure>\n", f);
    }
    fputs("</div></section>\n", f);
}
