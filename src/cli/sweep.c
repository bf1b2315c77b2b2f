/*
 * pathways run --sweep FILE: many parameter settings, each run under every
 * regime for every run, into one long-format CSV and a comparison page.
 *
 * A sweep file is YAML, either a grid (every combination; the first
 * parameter varies slowest)
 *     grid:
 *       treatment.compulsory_beds_per_100k: [10, 20, 40]
 *       policing.detection_multiplier: [0.5, 1]
 * or a list of settings (a parameter a setting leaves out keeps the
 * scenario's value, after any --set)
 *     settings:
 *       - {treatment.compulsory_beds_per_100k: 10}
 *       - {treatment.compulsory_beds_per_100k: 40, policing.detection_multiplier: 0.5}
 * or CSV (name ends in .csv): a header of parameter names, a row per
 * setting. Every name and value is checked against the scenario's table
 * before anything runs; errors name the file, line and parameter.
 *
 * A swept parameter holds in every run of its setting: its column is
 * dropped from the posterior draws, exactly as for --set.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

/* The largest sweep: each setting costs a full ensemble (regimes x runs)
 * and its results stay in memory until the files are written. */
#define SWEEP_MAX_SETTINGS 1000
#define SWEEP_MAX_PARAMS 32

typedef struct sweep {
    const char *path;
    size_t n_par, n_set;
    int par[SWEEP_MAX_PARAMS];       /* scenario parameter index per column */
    double *val;                      /* [setting][column] */
    unsigned char *given;             /* [setting][column]: set by the file */
} sweep;

/* The paired differences the comparison page shows (the headline rows of
 * the comparison table). */
static const char *const HEADLINE[] = {
    "pwud_end", "overdose_deaths_total", "hiv_infections_total", "drug_crimes_total",
    "prison_population_end", "cost_total_kzt", NULL,
};

/* "pathways run: FILE:LINE: field 'NAME': message", the form of every
 * data-file error in pathways. */
static int sweep_error(const char *path, long line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int sweep_error(const char *path, long line, const char *field, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "pathways run: %s:%ld: ", path, line);
    if (field)
        fprintf(stderr, "field '%s': ", field);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return PW_EXIT_BADINPUT;
}

/* Column of parameter `name`, adding it; checks it is a parameter. */
static int column(sweep *sw, const pw_scenario *s, const char *name, long line, size_t *col)
{
    int p = pw_param_find(s, name);
    if (p < 0)
        return sweep_error(sw->path, line, name,
                           "not a parameter of scenario %s (`pathways params` lists them)",
                           pw_scenario_name(s));
    for (size_t c = 0; c < sw->n_par; c++)
        if (sw->par[c] == p) {
            *col = c;
            return PW_EXIT_OK;
        }
    if (sw->n_par == SWEEP_MAX_PARAMS)
        return sweep_error(sw->path, line, name, "more than %d parameters in one sweep",
                           SWEEP_MAX_PARAMS);
    sw->par[sw->n_par] = p;
    *col = sw->n_par++;
    return PW_EXIT_OK;
}

/* A value: a number inside the parameter's allowed range. */
static int value(const sweep *sw, const pw_scenario *s, size_t col, const char *text, long line,
                 double *out)
{
    const char *name = pw_param_name(s, (size_t)sw->par[col]);
    char *end;
    double x = text ? strtod(text, &end) : 0;
    if (!text || end == text || *end || !isfinite(x))
        return sweep_error(sw->path, line, name, "'%s' is not a number",
                           text ? text : "(a list or map)");
    double lo, hi;
    pw_param_range(s, (size_t)sw->par[col], &lo, &hi);
    if (x < lo || x > hi)
        return sweep_error(sw->path, line, name, "%g is outside the allowed range [%g, %g]",
                           x, lo, hi);
    *out = x;
    return PW_EXIT_OK;
}

static int alloc_settings(sweep *sw, size_t n_set, long line)
{
    if (n_set == 0)
        return sweep_error(sw->path, line, NULL, "no settings: the grid or list is empty");
    if (n_set > SWEEP_MAX_SETTINGS) {
        fprintf(stderr, "pathways run: %s:%ld: %zu settings; a sweep may have at most %d "
                        "(split it into several files)\n", sw->path, line, n_set,
                SWEEP_MAX_SETTINGS);
        return PW_EXIT_BADINPUT;
    }
    sw->n_set = n_set;
    sw->val = calloc(n_set * SWEEP_MAX_PARAMS, sizeof *sw->val);
    sw->given = calloc(n_set * SWEEP_MAX_PARAMS, 1);
    if (!sw->val || !sw->given) {
        fprintf(stderr, "pathways run: out of memory\n");
        return PW_EXIT_FAIL;
    }
    return PW_EXIT_OK;
}

static int read_grid(sweep *sw, const pw_scenario *s, const pw_node *grid)
{
    long line = pw_node_line(grid);
    if (pw_node_kind_of(grid) != PW_NODE_MAP || pw_node_len(grid) == 0)
        return sweep_error(sw->path, line, "grid", "needs a map of parameter: [values...]");
    size_t n_set = 1;
    for (size_t i = 0; i < pw_node_len(grid); i++) {
        const pw_node *list = pw_node_at(grid, i);
        size_t col;
        int rc = column(sw, s, pw_node_key(grid, i), pw_node_line(list), &col);
        if (rc)
            return rc;
        if (col != i)
            return sweep_error(sw->path, pw_node_line(list), pw_node_key(grid, i),
                               "given twice");
        size_t n = pw_node_kind_of(list) == PW_NODE_SEQ ? pw_node_len(list)
                   : pw_node_str(list)                  ? 1
                                                        : 0;
        if (n == 0)
            return sweep_error(sw->path, pw_node_line(list), pw_node_key(grid, i),
                               "no values: the grid is empty");
        /* Refuse a product past the limit before it overflows. */
        if (n_set > (size_t)SWEEP_MAX_SETTINGS || n > (size_t)SWEEP_MAX_SETTINGS)
            n_set = (size_t)SWEEP_MAX_SETTINGS + 1;
        else
            n_set *= n;
    }
    int rc = alloc_settings(sw, n_set, line);
    if (rc)
        return rc;
    /* Setting k's value of column c: digit c of k in mixed radix, the last
     * column the fastest. */
    for (size_t k = 0; k < n_set; k++) {
        size_t rest = k;
        for (size_t c = sw->n_par; c-- > 0;) {
            const pw_node *list = pw_node_at(grid, c);
            size_t n = pw_node_kind_of(list) == PW_NODE_SEQ ? pw_node_len(list) : 1;
            const pw_node *item = pw_node_kind_of(list) == PW_NODE_SEQ
                                      ? pw_node_at(list, rest % n) : list;
            rest /= n;
            if ((rc = value(sw, s, c, pw_node_str(item), pw_node_line(item),
                            &sw->val[k * SWEEP_MAX_PARAMS + c])))
                return rc;
            sw->given[k * SWEEP_MAX_PARAMS + c] = 1;
        }
    }
    return PW_EXIT_OK;
}

static int read_list(sweep *sw, const pw_scenario *s, const pw_node *list)
{
    long line = pw_node_line(list);
    if (pw_node_kind_of(list) != PW_NODE_SEQ)
        return sweep_error(sw->path, line, "settings", "needs a list of {parameter: value} maps");
    int rc = alloc_settings(sw, pw_node_len(list), line);
    if (rc)
        return rc;
    for (size_t k = 0; k < sw->n_set; k++) {
        const pw_node *m = pw_node_at(list, k);
        if (pw_node_kind_of(m) != PW_NODE_MAP || pw_node_len(m) == 0)
            return sweep_error(sw->path, pw_node_line(m), "settings",
                               "each setting is a non-empty map of parameter: value");
        for (size_t i = 0; i < pw_node_len(m); i++) {
            size_t col;
            const pw_node *v = pw_node_at(m, i);
            if ((rc = column(sw, s, pw_node_key(m, i), pw_node_line(v), &col)) ||
                (rc = value(sw, s, col, pw_node_str(v), pw_node_line(v),
                            &sw->val[k * SWEEP_MAX_PARAMS + col])))
                return rc;
            sw->given[k * SWEEP_MAX_PARAMS + col] = 1;
        }
    }
    return PW_EXIT_OK;
}

/* CSV: header of parameter names, a row of numbers per setting. */
static int read_csv(sweep *sw, const pw_scenario *s, char *text)
{
    size_t rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    rows++;
    char *save = NULL;
    long line = 0;
    int rc = PW_EXIT_OK;
    size_t k = 0;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t l = strlen(ln);
        if (l && ln[l - 1] == '\r')
            ln[--l] = 0;
        if (!l)
            continue;
        char *s2 = NULL;
        size_t c = 0;
        if (sw->n_par == 0) {
            for (char *tok = strtok_r(ln, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2), c++) {
                size_t col;
                if ((rc = column(sw, s, tok, line, &col)))
                    return rc;
                if (col != c)
                    return sweep_error(sw->path, line, tok, "given twice");
            }
            if ((rc = alloc_settings(sw, rows, line)))
                return rc;
            continue;
        }
        for (char *tok = strtok_r(ln, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2), c++) {
            if (c >= sw->n_par) {
                fprintf(stderr, "pathways run: %s:%ld: more values than the %zu columns of the "
                                "header\n", sw->path, line, sw->n_par);
                return PW_EXIT_BADINPUT;
            }
            if ((rc = value(sw, s, c, tok, line, &sw->val[k * SWEEP_MAX_PARAMS + c])))
                return rc;
            sw->given[k * SWEEP_MAX_PARAMS + c] = 1;
        }
        if (c != sw->n_par) {
            fprintf(stderr, "pathways run: %s:%ld: %zu values, the header has %zu\n", sw->path,
                    line, c, sw->n_par);
            return PW_EXIT_BADINPUT;
        }
        k++;
    }
    if (sw->n_par == 0 || k == 0)
        return sweep_error(sw->path, line, NULL, "no settings: a header and at least one row "
                           "are needed");
    sw->n_set = k;
    return PW_EXIT_OK;
}

static int read_sweep(sweep *sw, const pw_scenario *s)
{
    pw_error err;
    pw_error_clear(&err);
    char *buf = NULL;
    size_t len = 0;
    pw_doc *doc = NULL;
    int rc = PW_EXIT_BADINPUT;
    if (pw_read_file(sw->path, &buf, &len, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        goto done;
    }
    size_t pl = strlen(sw->path);
    if (pl > 4 && strcmp(sw->path + pl - 4, ".csv") == 0) {
        rc = read_csv(sw, s, buf);
        goto done;
    }
    if (pw_doc_parse(sw->path, buf, len, &doc, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        goto done;
    }
    const pw_node *root = pw_doc_root(doc);
    static const char *const keys[] = {"grid", "settings", NULL};
    if (!root || pw_node_check_keys(doc, root, keys, "sweep", &err) != PW_OK) {
        if (!root)
            fprintf(stderr, "pathways run: %s: empty; a sweep file has `grid:` or `settings:`\n",
                    sw->path);
        else
            pw_error_print(&err, stderr, "pathways run");
        goto done;
    }
    const pw_node *grid = pw_node_get(root, "grid"), *list = pw_node_get(root, "settings");
    if (!grid == !list) {
        fprintf(stderr, "pathways run: %s:%ld: a sweep file has either `grid:` or `settings:` "
                        "(one of them)\n", sw->path, pw_node_line(root));
        goto done;
    }
    rc = grid ? read_grid(sw, s, grid) : read_list(sw, s, list);
done:
    pw_doc_free(doc);
    free(buf);
    return rc;
}

/* Quantile f of sorted x[0..n-1], interpolated as GSL's
 * gsl_stats_quantile_from_sorted_data does, so the intervals here match
 * summary.json's. */
static double quantile(const double *x, size_t n, double f)
{
    double d = (double)(n - 1) * f;
    size_t i = (size_t)floor(d);
    double delta = d - (double)i;
    return i + 1 < n ? (1 - delta) * x[i] + delta * x[i + 1] : x[i];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summary(double *x, size_t n, double *mean, double *lo, double *hi)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / (double)n;
    qsort(x, n, sizeof *x, cmp_double);
    *lo = quantile(x, n, 0.025);
    *hi = quantile(x, n, 0.975);
}

typedef struct sweep_out {
    const sweep *sw;
    const pw_scenario *s;
    pw_results *const *res;
    long base; /* regime index of kz-current, or -1 */
    uint64_t seed;
} sweep_out;

/* The row prefix: setting id and the setting's parameter values. */
static void prefix(FILE *f, const sweep_out *so, size_t k, size_t g)
{
    fprintf(f, "%zu", k + 1);
    for (size_t c = 0; c < so->sw->n_par; c++)
        fprintf(f, ",%.10g", so->sw->val[k * SWEEP_MAX_PARAMS + c]);
    fprintf(f, ",%s", pw_results_regime(so->res[k], g));
}

/* sweep.csv: one value per row. `run` is the run number (0-based) for a
 * run's own figure, or the statistic across runs: mean, lo95, hi95, and
 * diff_mean, diff_lo95, diff_hi95 for the paired difference from
 * kz-current. `year` is empty for end-of-horizon and total metrics. */
static int write_csv(FILE *f, const sweep_out *so)
{
    const sweep *sw = so->sw;
    size_t M = pw_metric_count(), K = pw_series_count();
    int runs = pw_results_runs(so->res[0]), Y = pw_results_years(so->res[0]);
    int y0 = pw_scenario_start_year(so->s);
    double *x = malloc((size_t)runs * sizeof *x);
    if (!x)
        return PW_ENOMEM;
    fprintf(f, "setting");
    for (size_t c = 0; c < sw->n_par; c++)
        fprintf(f, ",%s", pw_param_name(so->s, (size_t)sw->par[c]));
    fprintf(f, ",regime,run,metric,year,value\n");
    static const char *const stat[] = {"mean", "lo95", "hi95", "diff_mean", "diff_lo95",
                                       "diff_hi95"};
    for (size_t k = 0; k < sw->n_set; k++) {
        const pw_results *r = so->res[k];
        for (size_t g = 0; g < pw_results_regime_count(r); g++) {
            for (size_t m = 0; m < M; m++) {
                const char *name = pw_metric_name(m);
                for (int run = 0; run < runs; run++) {
                    prefix(f, so, k, g);
                    fprintf(f, ",%d,%s,,%.10g\n", run, name, pw_results_metric(r, g, run, m));
                }
                double st[6];
                pw_results_summary(r, g, -1, m, &st[0], &st[1], &st[2]);
                int nst = 3;
                if (so->base >= 0 && (long)g != so->base) {
                    pw_results_summary(r, g, so->base, m, &st[3], &st[4], &st[5]);
                    nst = 6;
                }
                for (int i = 0; i < nst; i++) {
                    prefix(f, so, k, g);
                    fprintf(f, ",%s,%s,,%.10g\n", stat[i], name, st[i]);
                }
            }
            /* Yearly series: the statistics across runs only (a run's own
             * trajectory is in timeseries.csv of a plain run). */
            for (size_t kk = 0; kk < K; kk++)
                for (int y = 0; y < Y; y++) {
                    double st[3];
                    for (int run = 0; run < runs; run++)
                        x[run] = pw_results_series(r, g, run, y, kk);
                    summary(x, (size_t)runs, &st[0], &st[1], &st[2]);
                    for (int i = 0; i < 3; i++) {
                        prefix(f, so, k, g);
                        fprintf(f, ",%s,%s,%d,%.10g\n", stat[i], pw_series_name(kk), y0 + y,
                                st[i]);
                    }
                }
        }
    }
    free(x);
    return ferror(f) ? PW_EIO : PW_OK;
}

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

/* A figure with thousands separators: whole numbers for large ones. */
static void num(FILE *f, double x)
{
    if (fabs(x) >= 100 || x == floor(x)) {
        char b[64];
        snprintf(b, sizeof b, "%.0f", fabs(x));
        size_t n = strlen(b);
        if (x < 0 && floor(fabs(x) + 0.5) != 0)
            fputc('-', f);
        for (size_t i = 0; i < n; i++) {
            if (i && (n - i) % 3 == 0)
                fputs(",", f);
            fputc(b[i], f);
        }
    } else {
        fprintf(f, "%.3g", x);
    }
}

/* sweep.html: per headline metric, a table of settings by regime, each
 * cell the paired difference from kz-current with its 95% interval, in
 * bold when the interval excludes zero. */
static int write_html(FILE *f, const sweep_out *so)
{
    const sweep *sw = so->sw;
    const pw_results *r0 = so->res[0];
    size_t G = pw_results_regime_count(r0);
    fprintf(f, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>pathways sweep: %s</title>\n<style>\n"
               "body{font:14px/1.4 system-ui,sans-serif;margin:1em;max-width:70em}\n"
               ".wrap{overflow-x:auto}table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
               "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;"
               "white-space:nowrap}th{background:#f3f3f3}td.p{text-align:left}\n"
               "b{color:#0a4}</style></head><body>\n",
            pw_scenario_name(so->s));
    fprintf(f, "<h1>Sweep over %zu setting%s: %s</h1>\n<p>", sw->n_set, sw->n_set == 1 ? "" : "s",
            pw_scenario_name(so->s));
    fprintf(f, "%d run%s per regime and setting, %d year%s from %d, seed %llu. ",
            pw_results_runs(r0), pw_results_runs(r0) == 1 ? "" : "s", pw_results_years(r0),
            pw_results_years(r0) == 1 ? "" : "s", pw_scenario_start_year(so->s),
            (unsigned long long)so->seed);
    if (so->base < 0) {
        fprintf(f, "kz-current is not among the regimes, so there are no paired differences: "
                   "the cells are each regime's mean [95%% interval across runs].");
    } else {
        fprintf(f, "Each cell is the regime's paired difference from kz-current in that setting "
                   "(same people, same chances), mean [95%% interval across runs]; "
                   "<b>bold</b> where the interval excludes zero.");
    }
    if (pw_results_runs(r0) < 40)
        fprintf(f, " With fewer than 40 runs the 2.5%% and 97.5%% points of the runs are "
                   "rough: add runs before relying on an interval's ends.");
    fprintf(f, " Every value is in <a href=\"sweep.csv\">sweep.csv</a>.</p>\n");
    for (int h = 0; HEADLINE[h]; h++) {
        int m = pw_metric_find(HEADLINE[h]);
        if (m < 0)
            continue;
        fprintf(f, "<h2>");
        html_text(f, HEADLINE[h]);
        fprintf(f, "</h2>\n<div class=\"wrap\"><table><tr><th>setting</th>");
        for (size_t c = 0; c < sw->n_par; c++) {
            fprintf(f, "<th>");
            html_text(f, pw_param_name(so->s, (size_t)sw->par[c]));
            fprintf(f, "</th>");
        }
        for (size_t g = 0; g < G; g++)
            if ((long)g != so->base) {
                fprintf(f, "<th>");
                html_text(f, pw_results_regime(r0, g));
                fprintf(f, "</th>");
            }
        fprintf(f, "</tr>\n");
        for (size_t k = 0; k < sw->n_set; k++) {
            fprintf(f, "<tr><td>%zu</td>", k + 1);
            for (size_t c = 0; c < sw->n_par; c++)
                fprintf(f, "<td>%.6g</td>", sw->val[k * SWEEP_MAX_PARAMS + c]);
            for (size_t g = 0; g < G; g++) {
                if ((long)g == so->base)
                    continue;
                double mean, lo, hi;
                pw_results_summary(so->res[k], g, so->base, (size_t)m, &mean, &lo, &hi);
                int sure = so->base >= 0 && (lo > 0 || hi < 0);
                fprintf(f, "<td>%s%s", sure ? "<b>" : "", so->base >= 0 && mean > 0 ? "+" : "");
                num(f, mean);
                fprintf(f, " [");
                num(f, lo);
                fprintf(f, ", ");
                num(f, hi);
                fprintf(f, "]%s</td>", sure ? "</b>" : "");
            }
            fprintf(f, "</tr>\n");
        }
        fprintf(f, "</table></div>\n");
    }
    fprintf(f, "</body></html>\n");
    return ferror(f) ? PW_EIO : PW_OK;
}

static int write_one(const char *dir, const char *name, int (*fn)(FILE *, const sweep_out *),
                     const sweep_out *so, pw_error *err)
{
    char path[4096];
    pw_afile *af = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = pw_afile_open(path, &af, err);
    if (rc != PW_OK)
        return rc;
    if (fn(pw_afile_fp(af), so) != PW_OK) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "write failed");
    }
    return pw_afile_commit(af, err);
}

static int write_sweep_set(const char *dir, void *arg, pw_error *err)
{
    int rc = write_one(dir, "sweep.csv", write_csv, arg, err);
    return rc == PW_OK ? write_one(dir, "sweep.html", write_html, arg, err) : rc;
}

/* The table on stdout: per setting, each regime's paired difference in
 * the first headline metric and in prison population. */
static void print_table(const sweep_out *so)
{
    const pw_results *r0 = so->res[0];
    size_t G = pw_results_regime_count(r0);
    printf("Sweep of %zu settings, %d runs each (paired difference from kz-current, mean "
           "[95%% interval]):\n", so->sw->n_set, pw_results_runs(r0));
    for (int h = 0; HEADLINE[h]; h++) {
        int m = pw_metric_find(HEADLINE[h]);
        if (m < 0 || so->base < 0)
            continue;
        printf("\n%s\n%-8s", HEADLINE[h], "setting");
        for (size_t g = 0; g < G; g++)
            if ((long)g != so->base)
                printf(" %-30s", pw_results_regime(r0, g));
        printf("\n");
        for (size_t k = 0; k < so->sw->n_set; k++) {
            printf("%-8zu", k + 1);
            for (size_t g = 0; g < G; g++) {
                if ((long)g == so->base)
                    continue;
                double mean, lo, hi;
                char b[96];
                pw_results_summary(so->res[k], g, so->base, (size_t)m, &mean, &lo, &hi);
                snprintf(b, sizeof b, "%+.4g [%.4g, %.4g]", mean, lo, hi);
                printf(" %-30s", b);
            }
            printf("\n");
        }
    }
}

int pw_cli_run_sweep(const char *path, const pw_scenario *base, pw_regime *const *regs,
                     size_t n_regs, const pw_sim_opts *o, const char *out_dir, int quiet)
{
    sweep sw;
    memset(&sw, 0, sizeof sw);
    sw.path = path;
    pw_scenario **scen = NULL;
    pw_results **res = NULL;
    int *idx = NULL;
    double *draws = NULL;
    int rc = read_sweep(&sw, base);
    if (rc)
        goto done;
    scen = calloc(sw.n_set, sizeof *scen);
    res = calloc(sw.n_set, sizeof *res);
    if (!scen || !res) {
        rc = PW_EXIT_FAIL;
        goto done;
    }
    /* Each setting is the base scenario (with --set) plus its values; a
     * parameter the file does not set keeps the base value, which the
     * setting's columns then show. */
    for (size_t k = 0; k < sw.n_set; k++) {
        if (!(scen[k] = pw_scenario_clone(base))) {
            rc = PW_EXIT_FAIL;
            goto done;
        }
        for (size_t c = 0; c < sw.n_par; c++) {
            double *x = &sw.val[k * SWEEP_MAX_PARAMS + c];
            if (!sw.given[k * SWEEP_MAX_PARAMS + c])
                *x = pw_param_get(base, (size_t)sw.par[c]);
            int prc = pw_param_set(scen[k], (size_t)sw.par[c], *x);
            (void)prc;
            assert(prc == PW_OK); /* checked against the range on reading */
        }
    }
    /* A swept parameter holds in every run of its setting: drop its
     * posterior column, as --set does. */
    pw_sim_opts so = *o;
    if (o->n_draws) {
        idx = malloc(o->n_draw_params * sizeof *idx);
        draws = malloc(o->n_draws * o->n_draw_params * sizeof *draws);
        if (!idx || !draws) {
            rc = PW_EXIT_FAIL;
            goto done;
        }
        size_t cols = 0;
        for (size_t j = 0; j < o->n_draw_params; j++) {
            int swept = 0;
            for (size_t c = 0; c < sw.n_par; c++)
                swept |= sw.par[c] == o->draw_param_idx[j];
            if (swept)
                continue;
            idx[cols] = o->draw_param_idx[j];
            for (size_t r = 0; r < o->n_draws; r++)
                draws[r * o->n_draw_params + cols] = o->draws[r * o->n_draw_params + j];
            cols++;
        }
        /* Rows keep their stride of n_draw_params: compact them. */
        for (size_t r = 0; r < o->n_draws; r++)
            memmove(draws + r * cols, draws + r * o->n_draw_params, cols * sizeof *draws);
        so.n_draw_params = cols;
        so.n_draws = cols ? o->n_draws : 0;
        so.draw_param_idx = idx;
        so.draws = draws;
    }
    if (!quiet)
        fprintf(stderr, "pathways run: sweep of %zu settings x %zu regimes x %d runs from %s%s\n",
                sw.n_set, n_regs, o->runs, path,
                pw_par_size() > 1 ? " (spread over the MPI ranks)" : "");
    if ((rc = pw_cli_ensemble(scen, sw.n_set, regs, n_regs, &so, res)) != PW_EXIT_OK)
        goto done;
    pw_par_solo();
    if (pw_par_rank() > 0)
        goto done; /* rank 0 holds every setting and writes */
    sweep_out out = {&sw, base, res, -1, o->seed};
    for (size_t g = 0; g < n_regs; g++)
        if (strcmp(pw_results_regime(res[0], g), "kz-current") == 0)
            out.base = (long)g;
    pw_error err;
    pw_error_clear(&err);
    if (pw_outset_write(out_dir, write_sweep_set, &out, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways run");
        fprintf(stderr, "pathways run: nothing written to %s\n", out_dir);
        rc = PW_EXIT_FAIL;
        goto done;
    }
    if (!quiet) {
        print_table(&out);
        printf("\nWritten: %s/sweep.csv, %s/sweep.html\n", out_dir, out_dir);
    }
done:
    for (size_t k = 0; scen && k < sw.n_set; k++)
        pw_scenario_free(scen[k]);
    for (size_t k = 0; res && k < sw.n_set; k++)
        pw_results_free(res[k]);
    free(scen);
    free(res);
    free(idx);
    free(draws);
    free(sw.val);
    free(sw.given);
    return rc;
}
