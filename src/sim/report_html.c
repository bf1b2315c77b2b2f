/*
 * report.html: a decision report as one offline page.
 *
 * Order of the page: what each regime changes against the baseline in
 * plain words (the paired differences and their 95% intervals), how the
 * numbers were made (scale, seed, runs, parameters), a forest plot of
 * every paired difference, the table of every outcome, the yearly charts,
 * the methods and assumptions, and the data files beside the page.
 *
 * Charts are inline SVG drawn here rather than by a charting script, so
 * the page needs no network and shows the same thing in every browser and
 * on paper. Words come from data/i18n/report.LANG.yaml and units from
 * data/metrics/outputs.yaml (report_words.c). The charts and the forest
 * plot are in report_svg.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/report.h"
#include "report_svg.h"

const char *const pw_report_langs[] = {"en", "ru", "kk", NULL};

/* Below this many paired runs the percentile ends of a 95% interval are
 * (nearly) the smallest and largest run: at 20 runs the 2.5th and 97.5th
 * percentiles fall between the two most extreme values. */
#define MIN_RUNS_FOR_CI 20

/* The sections of the table and the charts. Every metric and series
 * lands in the first section one of whose name prefixes it starts with,
 * or in the last ("Other"), so an output added to the list (results.c)
 * appears without a change here. */
static const struct {
    const char *key;
    const char *prefix[24];
} SECTIONS[] = {
    {"sec_use",
     {"pwud", "dependent", "pwid", "light_users", "initiations", "peer_initiations",
      "in_remission", "sustained_remissions", "voluntary", "pupils", "stigma", "awareness",
      "public_awareness", NULL}},
    {"sec_health", {"overdose", "hiv", "hcv", "drug_deaths", "life_years", "deaths_averted", NULL}},
    {"sec_treatment",
     {"compulsory", "in_compulsory", "waiting", "beds", "outpatient", "drug_court", "monitored",
      "in_aftercare", "orders_not", "admitted_from", "mean_wait", "panel", NULL}},
    {"sec_justice",
     {"drug_crimes", "acquisitive", "offences", "detected", "cases", "prison", "releases",
      "arrest", "pretrial", "custody", "parole", "work_release", "reconvicted", "reoffending",
      "criminal_mindset", "mindset", "sellers", "fines", "community_service", NULL}},
    {"sec_costs", {"cost", NULL}},
    {"sec_population",
     {"population", "births", "deaths", "emigrated", "immigrated", "children", "employed", NULL}},
    {"sec_other", {NULL}},
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

#define esc pwi_put_escaped

/* A metric's row label: plain name, the time it refers to, the unit; its
 * definition and the better direction below. */
static void put_label(FILE *f, const pwi_words *w, const pw_results *res, const char *name,
                      pwi_unit *unit_out, int *better_out)
{
    const char *label, *def;
    pwi_unit u;
    int better;
    char sfx, y0[16], y1[16];
    pwi_output(w, name, &label, &def, &u, &better, &sfx);
    snprintf(y0, sizeof y0, "%d", pw_results_start_year(res));
    snprintf(y1, sizeof y1, "%d", pw_results_start_year(res) + pw_results_years(res) - 1);
    fputs("<b>", f);
    esc(f, label);
    fputs("</b>", f);
    if (sfx) {
        const char *args[5] = {y1, y0, y1, NULL, NULL};
        fputs(", ", f);
        pwi_put_template(f, pwi_tr(w, sfx == 'e' ? "at_end" : "total"), args);
    }
    fputs(" <span class=\"u\">(", f);
    esc(f, pwi_unit_label(w, u));
    fputs(")</span><br><small>", f);
    esc(f, def);
    if (better) {
        fputs(" <span class=\"b\">", f);
        esc(f, pwi_tr(w, better < 0 ? "lower_better" : "higher_better"));
        fputs("</span>", f);
    }
    fputs("</small>", f);
    if (unit_out)
        *unit_out = u;
    if (better_out)
        *better_out = better;
}

/* "1,234 [1,100, 1,400]" in one unit, the same decimals for all three. */
static void put_triple(FILE *f, const pwi_words *w, pwi_unit u, double mean, double lo, double hi,
                       int sign)
{
    double a = fmax(fabs(mean), fmax(fabs(lo), fabs(hi)));
    int dec = pwi_decimals(u, a);
    char m[64], l[64], h[64];
    pwi_fmt(w, u, mean, dec, sign, m, sizeof m);
    pwi_fmt(w, u, lo, dec, sign, l, sizeof l);
    pwi_fmt(w, u, hi, dec, sign, h, sizeof h);
    fprintf(f, "%s <small>[%s, %s]</small>", m, l, h);
}

static void put_metric_cells(FILE *f, const pwi_words *w, const pw_results *res, long base,
                             size_t m, pwi_unit u)
{
    size_t ng = pw_results_regime_count(res);
    for (size_t g = 0; g < ng; g++) {
        double mean, lo, hi;
        fputs("<td>", f);
        if (pw_results_summary(res, g, -1, m, &mean, &lo, &hi) == PW_OK) {
            put_triple(f, w, u, mean, lo, hi, 0);
            /* (a metric taken against the baseline is its own difference) */
            if (base >= 0 && (size_t)base != g && !strstr(pw_metric_name(m), "_vs_baseline") &&
                pw_results_summary(res, g, base, m, &mean, &lo, &hi) == PW_OK) {
                /* Bold when the paired 95% interval excludes zero. */
                int clear = lo > 0 || hi < 0;
                fprintf(f, "<br><span class=\"diff%s\">&Delta; ", clear ? " clear" : "");
                put_triple(f, w, u, mean, lo, hi, 1);
                fputs("</span>", f);
            }
        }
        fputs("</td>", f);
    }
}

static void put_head(FILE *f, const pwi_words *w, const pw_results *res, const char *first)
{
    fputs("<div class=\"scroll\"><table><thead><tr><th>", f);
    esc(f, first);
    fputs("</th>", f);
    for (size_t g = 0; g < pw_results_regime_count(res); g++) {
        fputs("<th>", f);
        esc(f, pwi_regime_label(w, pw_results_regime(res, g)));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
}

/* Every metric, section by section (a heading row before each). */
static void put_table(FILE *f, const pwi_words *w, const pw_results *res, long base)
{
    size_t ng = pw_results_regime_count(res);
    put_head(f, w, res, pwi_tr(w, "outcome"));
    for (size_t sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t m = 0; m < pw_metric_count(); m++) {
            if (section_of(pw_metric_name(m)) != sec)
                continue;
            if (!any++) {
                fprintf(f, "<tr class=\"sec\"><th colspan=\"%zu\">", ng + 1);
                esc(f, pwi_tr(w, SECTIONS[sec].key));
                fputs("</th></tr>\n", f);
            }
            pwi_unit u;
            pwi_output(w, pw_metric_name(m), NULL, NULL, &u, NULL, NULL);
            fprintf(f, "<tr data-metric=\"%s\" data-unit=\"%s\"><th>", pw_metric_name(m),
                    PWI_UNIT_NAME[u]);
            put_label(f, w, res, pw_metric_name(m), NULL, NULL);
            fputs("</th>", f);
            put_metric_cells(f, w, res, base, m, u);
            fputs("</tr>\n", f);
        }
    }
    fputs("</tbody></table></div>\n", f);
}

/* A number for a headline: rounded to what runs can tell apart (three
 * significant figures, whole people; billions of KZT to two). */
static void headline_number(const pwi_words *w, pwi_unit u, double x, char *buf, size_t len)
{
    double v = fabs(pwi_shown(u, x));
    double mag = v > 0 ? pow(10, floor(log10(v)) - (u == PWI_U_KZT ? 1 : 2)) : 1;
    if (mag < 1 && u != PWI_U_KZT && u != PWI_U_SHARE && u != PWI_U_INDEX && u != PWI_U_WEEKS)
        mag = 1;
    double r = floor(v / mag + 0.5) * mag;
    int dec = mag >= 1 ? 0 : (int)ceil(-log10(mag) - 1e-9);
    if (dec > 3)
        dec = 3;
    /* pwi_fmt takes raw values: undo the unit's scaling. */
    double raw = u == PWI_U_KZT ? r * 1e9 : u == PWI_U_SHARE ? r / 100 : r;
    pwi_fmt(w, u, raw, dec, 0, buf, len);
}

/* The figures a headline names, in this order, where the results hold
 * them: people in prison, people dependent, deaths from drug use, the cost. */
static const char *const HEADLINE[] = {"prison_population_end", "dependent_end",
                                       "drug_deaths_total", "cost_total_kzt"};

static void put_headline(FILE *f, const pwi_words *w, const pw_results *res, long base)
{
    size_t ng = pw_results_regime_count(res);
    int y0 = pw_results_start_year(res), y1 = y0 + pw_results_years(res) - 1;
    char sy0[16], sy1[16], syears[16];
    snprintf(sy0, sizeof sy0, "%d", y0);
    snprintf(sy1, sizeof sy1, "%d", y1);
    snprintf(syears, sizeof syears, "%d", pw_results_years(res));
    fputs("<section id=\"headline\"><h2>", f);
    esc(f, pwi_tr(w, "headline"));
    fputs("</h2>\n", f);
    if (base < 0 || ng < 2) {
        fputs("<p>", f);
        esc(f, pwi_tr(w, "no_baseline"));
        fputs("</p></section>\n", f);
        return;
    }
    const char *intro[5] = {pw_results_regime(res, (size_t)base), sy0, sy1, NULL, NULL};
    fputs("<p>", f);
    pwi_put_template(f, pwi_tr(w, "headline_intro"), intro);
    fputs("</p>\n<ul class=\"hl\">\n", f);
    for (size_t g = 0; g < ng; g++) {
        if ((long)g == base)
            continue;
        fprintf(f, "<li><i style=\"background:%s\"></i><b>", pwi_colour(g));
        esc(f, pwi_regime_label(w, pw_results_regime(res, g)));
        fputs("</b><ul>", f);
        for (size_t i = 0; i < sizeof HEADLINE / sizeof HEADLINE[0]; i++) {
            int m = pw_metric_find(HEADLINE[i]);
            double mean, lo, hi;
            pwi_unit u;
            char key[64];
            snprintf(key, sizeof key, "hl_%s", HEADLINE[i]);
            /* (an engine that does not model a figure leaves it NaN: left out) */
            if (m < 0 || pw_results_summary(res, g, base, (size_t)m, &mean, &lo, &hi) != PW_OK ||
                !isfinite(mean) || !isfinite(lo) || !isfinite(hi))
                continue;
            pwi_output(w, HEADLINE[i], NULL, NULL, &u, NULL, NULL);
            int money = u == PWI_U_KZT;
            const char *down = pwi_tr(w, money ? "less" : "fewer");
            const char *up = pwi_tr(w, money ? "more_money" : "more");
            char n[64], a[64], b[64], ci[256];
            headline_number(w, u, mean, n, sizeof n);
            /* The interval in words: "640 to 1,840 fewer" when both ends lie
             * on one side of no change, else "30 fewer to 50 more". */
            int one = pw_results_runs(res) == 1; /* no interval to state */
            if (one) {
                snprintf(ci, sizeof ci, "%s", pwi_tr(w, "ci_none"));
            } else if (hi < 0 || lo > 0) {
                headline_number(w, u, hi < 0 ? hi : lo, a, sizeof a);
                headline_number(w, u, hi < 0 ? lo : hi, b, sizeof b);
                const char *args[5] = {a, b, hi < 0 ? down : up, NULL, NULL};
                pwi_fill_template(ci, sizeof ci, pwi_tr(w, "ci_same"), args);
            } else {
                headline_number(w, u, lo, a, sizeof a);
                headline_number(w, u, hi, b, sizeof b);
                const char *args[5] = {a, lo < 0 ? down : up, b, hi < 0 ? down : up, NULL};
                pwi_fill_template(ci, sizeof ci, pwi_tr(w, "ci_cross"), args);
            }
            const char *args[5] = {n, mean < 0 ? down : up, ci, sy1, syears};
            fprintf(f, "<li class=\"%s\">", one || hi < 0 || lo > 0 ? "clear" : "unclear");
            pwi_put_template(f, pwi_tr(w, key), args);
            fputs("</li>", f);
        }
        fputs("</ul></li>\n", f);
    }
    fputs("</ul>\n<p><small>", f);
    esc(f, pwi_tr(w, "headline_how"));
    fputs("</small></p></section>\n", f);
}

/* Scale, seed, runs, parameters, program: how the numbers were made, and
 * a warning where the runs are too few for the intervals shown. */
static void put_run_statement(FILE *f, const pwi_words *w, const pw_results *res,
                              const pw_report_opts *o)
{
    char buf[64];
    int runs = pw_results_runs(res);
    fputs("<section id=\"run\"><h2>", f);
    esc(f, pwi_tr(w, "how_made"));
    fputs("</h2>\n<dl class=\"facts\">", f);
#define FACT(key)                                                                                  \
    do {                                                                                           \
        fputs("<dt>", f);                                                                          \
        esc(f, pwi_tr(w, key));                                                                    \
        fputs("</dt><dd>", f);                                                                     \
    } while (0)
    FACT("scenario");
    esc(f, pw_results_scenario(res));
    fprintf(f, ", %d&ndash;%d</dd>", pw_results_start_year(res),
            pw_results_start_year(res) + pw_results_years(res) - 1);
    FACT("engine");
    esc(f, pwi_tr(w, strcmp(pw_results_engine(res), "meanfield") == 0 ? "engine_meanfield"
                                                                        : "engine_abm"));
    fputs("</dd>", f);
    FACT("scale");
    snprintf(buf, sizeof buf, "%.4g%%", 100 * pw_results_scale(res));
    const char *sargs[5] = {buf, NULL, NULL, NULL, NULL};
    pwi_put_template(f, pwi_tr(w, "scale_text"), sargs);
    fputs("</dd>", f);
    FACT("runs");
    fprintf(f, "%d</dd>", runs);
    FACT("seed");
    fprintf(f, "%llu</dd>", (unsigned long long)pw_results_seed(res));
    FACT("parameters");
    if (pw_results_posterior(res)) {
        esc(f, pwi_tr(w, "posterior_text"));
        fputs(" <code>", f);
        esc(f, pw_results_posterior(res));
        fputs("</code>", f);
    } else {
        esc(f, pwi_tr(w, "point_text"));
    }
    for (size_t i = 0; i < pw_results_override_count(res); i++) {
        double v;
        const char *name = pw_results_override(res, i, &v);
        if (!i) {
            fputs(" ", f);
            esc(f, pwi_tr(w, "set_by_hand"));
        }
        fputs(i ? ", <code>" : " <code>", f);
        esc(f, name);
        fprintf(f, " = %g</code>", v);
    }
    fputs("</dd>", f);
    if (o->build) {
        FACT("program");
        esc(f, o->build);
        fputs("</dd>", f);
    }
    if (o->created) {
        FACT("created");
        fputs("<span class=\"created\">", f);
        esc(f, o->created);
        fputs("</span></dd>", f);
    }
#undef FACT
    fputs("</dl>\n", f);
    if (pw_results_note(res)) {
        fputs("<p><small>", f);
        esc(f, pw_results_note(res));
        fputs("</small></p>\n", f);
    }
    if (runs == 1) {
        fputs("<p class=\"warn\">", f);
        esc(f, pwi_tr(w, strcmp(pw_results_engine(res), "meanfield") == 0 ? "one_run_meanfield"
                                                                           : "one_run"));
        fputs("</p>\n", f);
    } else if (runs < MIN_RUNS_FOR_CI) {
        char n[16], need[16];
        snprintf(n, sizeof n, "%d", runs);
        snprintf(need, sizeof need, "%d", MIN_RUNS_FOR_CI);
        const char *args[5] = {n, need, NULL, NULL, NULL};
        fputs("<p class=\"warn\" id=\"few-runs\">", f);
        pwi_put_template(f, pwi_tr(w, "few_runs"), args);
        fputs("</p>\n", f);
    }
    fputs("</section>\n", f);
}

/* Plausibility bands: per band and regime, the runs that left it and the
 * first year and value of each (the same as the table and summary.json). */
static void put_bands(FILE *f, const pwi_words *w, const pw_results *res)
{
    size_t nb = pw_results_band_count(res), ng = pw_results_regime_count(res);
    if (!nb)
        return;
    char n[16];
    snprintf(n, sizeof n, "%d", pw_results_runs(res));
    const char *args[5] = {n, NULL, NULL, NULL, NULL};
    fputs("<h2>", f);
    esc(f, pwi_tr(w, "bands"));
    fputs("</h2>\n<p>", f);
    pwi_put_template(f, pwi_tr(w, "bands_text"), args);
    fputs("</p>\n", f);
    put_head(f, w, res, pwi_tr(w, "band"));
    for (size_t b = 0; b < nb; b++) {
        fputs("<tr><th>", f);
        esc(f, pw_results_band_name(res, b));
        fputs("</th>", f);
        for (size_t g = 0; g < ng; g++) {
            int left = 0;
            for (int run = 0; run < pw_results_runs(res); run++) {
                int y;
                double v;
                left += pw_results_band_left(res, b, g, run, &y, &v);
            }
            fprintf(f, "<td>%d", left);
            for (int run = 0, shown = 0; run < pw_results_runs(res) && shown < 4; run++) {
                int y;
                double v;
                if (pw_results_band_left(res, b, g, run, &y, &v)) {
                    fprintf(f, "<br><small>%d: %d, %.3g</small>", run, y, v);
                    shown++;
                }
            }
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

/* Methods and assumptions, from the scenario's parameter table: every
 * value that is ASSUMED (no source gives it) with its reason and prior,
 * then every parameter with its source. */
static void put_methods(FILE *f, const pwi_words *w, const pw_results *res,
                        const pw_scenario *s)
{
    char n[16], nas[16];
    fputs("<section id=\"methods\"><h2>", f);
    esc(f, pwi_tr(w, "methods"));
    fputs("</h2>\n<p>", f);
    esc(f, pwi_tr(w, strcmp(pw_results_engine(res), "meanfield") == 0 ? "methods_meanfield"
                                                                        : "methods_abm"));
    fputs("</p>\n", f);
    if (!s) {
        fputs("</section>\n", f);
        return;
    }
    size_t np = pw_param_count(s), na = 0;
    for (size_t i = 0; i < np; i++)
        na += pw_param_source(s, i) && strstr(pw_param_source(s, i), "ASSUMED") != NULL;
    snprintf(n, sizeof n, "%zu", np);
    snprintf(nas, sizeof nas, "%zu", na);
    const char *args[5] = {n, nas, NULL, NULL, NULL};
    fputs("<p>", f);
    pwi_put_template(f, pwi_tr(w, "params_text"), args);
    fputs("</p>\n", f);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            fputs("<details><summary>", f);
            esc(f, pwi_tr(w, "all_params"));
            fputs("</summary>\n", f);
        } else {
            fputs("<h3>", f);
            esc(f, pwi_tr(w, "assumed"));
            fputs("</h3>\n", f);
        }
        fputs("<div class=\"scroll\"><table class=\"params\"><thead><tr><th>", f);
        esc(f, pwi_tr(w, "parameter"));
        fputs("</th><th>", f);
        esc(f, pwi_tr(w, "value"));
        fputs("</th><th>", f);
        esc(f, pwi_tr(w, "prior"));
        fputs("</th><th>", f);
        esc(f, pwi_tr(w, "source"));
        fputs("</th></tr></thead><tbody>\n", f);
        for (size_t i = 0; i < np; i++) {
            const char *src = pw_param_source(s, i) ? pw_param_source(s, i) : "";
            if (pass == 0 && !strstr(src, "ASSUMED"))
                continue;
            double a, b;
            pw_prior_kind k = pw_param_prior(s, i, &a, &b);
            fputs("<tr><td><code>", f);
            esc(f, pw_param_name(s, i));
            fprintf(f, "</code></td><td>%.4g</td><td>", pw_param_get(s, i));
            if (k == PW_PRIOR_UNIFORM)
                fprintf(f, "U(%.4g, %.4g)", a, b);
            else if (k == PW_PRIOR_LOGUNIFORM)
                fprintf(f, "logU(%.4g, %.4g)", a, b);
            else
                fputs("&ndash;", f);
            fputs("</td><td class=\"src\">", f);
            esc(f, src);
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table></div>\n", f);
        if (pass == 1)
            fputs("</details>\n", f);
    }
    fputs("<p>", f);
    esc(f, pwi_tr(w, "sources_doc"));
    fputs(" <code>docs/sources.md</code>.</p>\n</section>\n", f);
}

static void put_files(FILE *f, const pwi_words *w, const pw_report_opts *o)
{
    if (!o->files || !o->files[0])
        return;
    fputs("<section id=\"files\"><h2>", f);
    esc(f, pwi_tr(w, "files"));
    fputs("</h2>\n<ul>", f);
    for (size_t i = 0; o->files[i]; i++) {
        char key[64];
        snprintf(key, sizeof key, "file_%s", o->files[i]);
        for (char *p = key; *p; p++)
            if (*p == '.' || *p == '/')
                *p = '_';
        fputs("<li><a href=\"", f);
        esc(f, o->files[i]);
        fputs("\">", f);
        esc(f, o->files[i]);
        fputs("</a> &ndash; ", f);
        esc(f, pwi_tr(w, key));
        fputs("</li>", f);
    }
    fputs("</ul></section>\n", f);
}

static const char CSS[] =
    "*{box-sizing:border-box}\n"
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:12px;color:#222;"
    "max-width:1200px}\n"
    "h1{font-size:1.45em;margin:.3em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid "
    "#ddd}\n"
    ".scroll{overflow-x:auto;max-width:100%}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:4px 8px;"
    "text-align:right;vertical-align:top}thead th{background:#f3f3f3;position:sticky;top:0}\n"
    "tbody th{text-align:left;font-weight:normal;min-width:14em;max-width:26em}\n"
    "thead th:first-child,table.params th{text-align:left}\n"
    /* The row labels stay in view while a wide table scrolls sideways. */
    ".scroll tbody th{position:sticky;left:0;background:#fff}.scroll tr.sec th{background:#f3f3f3}\n"
    "td{white-space:nowrap}small{color:#555}.u{color:#555}.b{color:#0a5d2a}\n"
    ".diff{color:#555}.diff.clear{color:#000;font-weight:bold}\n"
    "tr.sec th{background:#f3f3f3;font-weight:bold}\n"
    "table.params td{text-align:left;white-space:normal}td.src{min-width:20em;font-size:.9em}\n"
    ".hl{padding-left:0;list-style:none}.hl>li{margin:.6em 0}.hl ul{margin:.2em 0 0 1.4em;"
    "padding-left:1em}.hl ul li{margin:.1em 0}\n"
    ".hl i,.key i{display:inline-block;width:.9em;height:.9em;margin-right:.5em;"
    "vertical-align:-.1em}\n"
    ".hl .unclear{color:#666}\n"
    ".warn{background:#fff4e5;border-left:4px solid #e69f00;padding:6px 10px}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.5em 0}"
    "dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;border:1px solid #eee;"
    "flex:1 1 380px;max-width:460px}\n"
    "svg{max-width:100%;height:auto;display:block}\n"
    ".grid{stroke:#e4e4e4}.zero{stroke:#888}.ct{font-size:13px;font-weight:bold}"
    ".cu{font-size:11px;fill:#555}\n"
    ".yl{font-size:10px;text-anchor:end;fill:#555}.xl{font-size:10px;fill:#555;"
    "text-anchor:middle}\n"
    ".hist{fill:#f2f2f2}.obs{stroke:#000;fill:#fff;stroke-width:1.5}\n"
    ".key span{display:inline-block;margin-right:1.5em}\n"
    ".forest{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px}"
    ".forest figure{max-width:none;padding:4px}.forest figcaption{font-size:13px;"
    "min-height:2.6em}\n"
    "@media (max-width:600px){body{font-size:14px;padding:8px}tbody th{min-width:10em}"
    "dl.facts{grid-template-columns:1fr}dt{margin-top:4px}}\n";

int pw_report_html_write_opts(const pw_results *res, const pw_report_opts *o, const char *dir,
                              pw_error *err)
{
    char path[4096];
    pw_afile *af = NULL;
    pwi_words *w = NULL;
    pwi_obs *obs = NULL;
    int rc;
    snprintf(path, sizeof path, "%s/report.html", dir);
    if ((rc = pwi_words_load(o->lang ? o->lang : "en", &w, err)) != PW_OK)
        return rc;
    if (o->targets && (rc = pwi_obs_load(o->targets, &obs, err)) != PW_OK)
        goto done;
    if ((rc = pw_afile_open(path, &af, err)) != PW_OK)
        goto done;
    FILE *f = pw_afile_fp(af);
    size_t ng = pw_results_regime_count(res);
    long base = -1;
    for (size_t g = 0; o->baseline && g < ng; g++)
        if (strcmp(pw_results_regime(res, g), o->baseline) == 0)
            base = (long)g;
    const char *title = o->title ? o->title : pw_results_scenario(res);

    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
            pwi_words_lang(w));
    const char *targs[5] = {title, NULL, NULL, NULL, NULL};
    pwi_put_template(f, pwi_tr(w, "title"), targs);
    fprintf(f, "</title>\n<style>\n%s</style></head><body>\n<h1>", CSS);
    pwi_put_template(f, pwi_tr(w, "title"), targs);
    fputs("</h1>\n", f);
    put_headline(f, w, res, base);
    put_run_statement(f, w, res, o);
    if (base >= 0 && ng > 1)
        put_forest(f, w, res, base);
    fputs("<section id=\"table\"><h2>", f);
    esc(f, pwi_tr(w, "every_outcome"));
    fputs("</h2>\n<p>", f);
    esc(f, pwi_tr(w, base >= 0 ? "table_text_diff" : "table_text"));
    fputs("</p>\n", f);
    put_table(f, w, res, base);
    fputs("</section>\n", f);
    put_bands(f, w, res);
    fputs("<section id=\"charts\"><h2>", f);
    esc(f, pwi_tr(w, "year_by_year"));
    fputs("</h2>\n<p>", f);
    esc(f, pwi_tr(w, "charts_text"));
    fputs("</p>\n<p class=\"key\">", f);
    for (size_t g = 0; g < ng; g++) {
        fprintf(f, "<span><i style=\"background:%s\"></i>", pwi_colour(g));
        esc(f, pwi_regime_label(w, pw_results_regime(res, g)));
        fputs("</span>", f);
    }
    fputs("</p>\n", f);
    int proj = o->projection_year ? o->projection_year : pw_results_start_year(res);
    for (size_t sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t k = 0; k < pw_series_count(); k++) {
            if (section_of(pw_series_name(k)) != sec)
                continue;
            if (!any++) {
                fputs("<h3>", f);
                esc(f, pwi_tr(w, SECTIONS[sec].key));
                fputs("</h3>\n<div class=\"charts\">\n", f);
            }
            if ((rc = put_chart(f, w, res, k, PWI_NO_DEN, proj, obs)) != PW_OK)
                goto chart_failed;
        }
        /* The observed ratios (targets with `per`, such as HIV prevalence
         * among PWID) get a chart of their own, once per pair, in their
         * numerator's section. */
        for (size_t i = 0; i < pwi_obs_count(obs); i++) {
            const char *num = pwi_obs_series(obs, i), *per = pwi_obs_per(obs, i);
            int k = pw_series_find(num), d = pw_series_find(per);
            if (!*per || k < 0 || d < 0 || section_of(num) != sec)
                continue;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = !strcmp(pwi_obs_series(obs, j), num) && !strcmp(pwi_obs_per(obs, j), per);
            if (seen)
                continue;
            if (!any++) {
                fputs("<h3>", f);
                esc(f, pwi_tr(w, SECTIONS[sec].key));
                fputs("</h3>\n<div class=\"charts\">\n", f);
            }
            if ((rc = put_chart(f, w, res, (size_t)k, (size_t)d, proj, obs)) != PW_OK)
                goto chart_failed;
        }
        if (any)
            fputs("</div>\n", f);
    }
    fputs("</section>\n", f);
    put_methods(f, w, res, o->scenario);
    put_files(f, w, o);
    fputs("<p><small>pathways " PW_VERSION "</small></p>\n</body></html>\n", f);
    rc = pw_afile_commit(af, err);
    af = NULL;
    goto done;
chart_failed:
    pw_afile_abort(af);
    af = NULL;
    rc = pw_error_set(err, rc, path, 0, NULL, "out of memory");
done:
    if (af)
        pw_afile_abort(af);
    pwi_obs_free(obs);
    pwi_words_free(w);
    return rc;
}

int pw_report_html_write(const pw_results *res, const char *title, int start_year,
                         const char *baseline, const char *dir, pw_error *err)
{
    (void)start_year;
    pw_report_opts o = {0};
    o.title = title;
    o.baseline = baseline;
    return pw_report_html_write_opts(res, &o, dir, err);
}

int pw_report_check_words(FILE *f)
{
    int gaps = 0;
    pwi_words *w[8] = {0};
    size_t nl = 0;
    for (; pw_report_langs[nl]; nl++) {
        pw_error err;
        pw_error_clear(&err);
        if (pwi_words_load(pw_report_langs[nl], &w[nl], &err) != PW_OK) {
            if (f)
                pw_error_print(&err, f, pw_report_langs[nl]);
            gaps++;
        }
    }
    for (size_t l = 0; l < nl; l++) {
        if (!w[l])
            continue;
        for (size_t m = 0; m < pw_metric_count(); m++)
            if (pwi_output(w[l], pw_metric_name(m), NULL, NULL, NULL, NULL, NULL)) {
                if (f)
                    fprintf(f, "%s: metric %s has no label, definition, unit or direction\n",
                            pw_report_langs[l], pw_metric_name(m));
                gaps++;
            }
        for (size_t k = 0; k < pw_series_count(); k++)
            if (pwi_output(w[l], pw_series_name(k), NULL, NULL, NULL, NULL, NULL)) {
                if (f)
                    fprintf(f, "%s: series %s has no label, definition, unit or direction\n",
                            pw_report_langs[l], pw_series_name(k));
                gaps++;
            }
        /* Every key of every other language is here too. */
        for (size_t o = 0; o < nl; o++)
            if (o != l && w[o])
                gaps += pwi_words_compare(w[l], w[o], f);
    }
    for (size_t l = 0; l < nl; l++)
        pwi_words_free(w[l]);
    return gaps;
}
