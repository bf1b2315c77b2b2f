/* report.html: a decision report a ministry can read, holding what the
 * results hold: a headline, labels with units, whole people, one unit per
 * cell, nice axis ticks, a viewport, escaped names; and every language
 * carries every word. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pathways/report.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* kz-current and a regime 1,000.4 above it in every metric and run; the
 * runs differ by 0.3 each so that intervals have fractional ends. */
static pw_results *make(int runs)
{
    static const char *const regs[] = {"kz-current", "hybrid<&>"};
    pw_results *res = pw_results_new("test", 2026, 18, runs, 1, regs, 2);
    assert_non_null(res);
    for (size_t g = 0; g < 2; g++)
        for (int r = 0; r < runs; r++) {
            for (size_t m = 0; m < pw_metric_count(); m++)
                pw_results_set_metric(res, g, r, m, 1000.4 * (double)(g + 1) + 0.3 * r);
            for (int y = 0; y < 18; y++)
                for (size_t k = 0; k < pw_series_count(); k++)
                    pw_results_set_series(res, g, r, y, k, 7201.39 * (y + 1) + r + 13 * g);
        }
    return res;
}

static char *write_and_read(const pw_results *res, const char *lang, char *dir)
{
    pw_error e;
    pw_report_opts o = {0};
    o.title = "Almaty <test>";
    o.baseline = "kz-current";
    o.lang = lang;
    assert_int_equal(pw_report_html_write_opts(res, &o, dir, &e), PW_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html;
    assert_int_equal(pw_read_file(path, &html, NULL, &e), PW_OK);
    unlink(path);
    return html;
}

/* The text of the next element's content after p (up to '<'). */
static double attr_num(const char *p, const char *attr, const char **next)
{
    const char *a = strstr(p, attr);
    if (!a) {
        *next = NULL;
        return NAN;
    }
    *next = a + strlen(attr);
    return strtod(*next, NULL);
}

/* Every axis (a <g class="yaxis">...</g>) has ticks at multiples of one
 * step, and the step is 1, 2 or 5 times a power of ten. */
static void ticks_are_nice(const char *html)
{
    size_t axes = 0;
    for (const char *g = html; (g = strstr(g, "<g class=\"yaxis\">")); axes++) {
        const char *end = strstr(g, "</g>");
        assert_non_null(end);
        double v[32];
        int n = 0;
        const char *p = g, *next;
        while (n < 32) {
            double x = attr_num(p, "data-v=\"", &next);
            if (!next || next > end)
                break;
            v[n++] = x;
            p = next;
        }
        assert_true(n >= 2);
        double step = v[1] - v[0];
        double mant = step / pow(10, floor(log10(step)));
        assert_true(fabs(mant - 1) < 1e-6 || fabs(mant - 2) < 1e-6 || fabs(mant - 5) < 1e-6);
        for (int i = 0; i < n; i++) {
            double k = v[i] / step;
            assert_true(fabs(k - round(k)) < 1e-6);
            if (i)
                assert_true(fabs(v[i] - v[i - 1] - step) < 1e-6 * step);
        }
        g = end;
    }
    assert_true(axes >= pw_series_count());
}

/* Rows of whole units show no fraction; no cell names two units. */
static void cells_are_whole_and_one_unit(const char *html)
{
    size_t rows = 0;
    for (const char *r = html; (r = strstr(r, "<tr data-metric=\"")); r++) {
        const char *end = strstr(r, "</tr>");
        const char *unit = strstr(r, "data-unit=\"");
        if (!unit || unit > end)
            continue; /* a forest row */
        rows++;
        unit += strlen("data-unit=\"");
        int whole = strncmp(unit, "people\"", 7) == 0 || strncmp(unit, "person_years\"", 13) == 0 ||
                    strncmp(unit, "count\"", 6) == 0;
        for (const char *td = r; (td = strstr(td, "<td>")) && td < end; td++) {
            const char *te = strstr(td, "</td>");
            for (const char *c = td; c < te; c++) {
                if (whole)
                    assert_false(c[0] == '.' && c[1] >= '0' && c[1] <= '9');
                /* the old report's mixed cell: "bn" beside a bare number */
                assert_false(strncmp(c, "bn", 2) == 0);
            }
        }
    }
    assert_int_equal(rows, pw_metric_count());
}

static void decision_report(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwreportXXXXXX";
    assert_non_null(mkdtemp(dir));
    pw_results *res = make(3);
    char *html = write_and_read(res, "en", dir);
    /* A phone gets the page at its own width. */
    assert_non_null(strstr(html, "<meta name=\"viewport\" content=\"width=device-width"));
    /* The headline, from the paired differences (1,000.4 in every run,
     * rounded to three significant figures). */
    assert_non_null(strstr(html, "id=\"headline\""));
    assert_non_null(strstr(html, "about 1,000 more people in prison in 2043 (95% interval 1,000 "
                                 "to 1,000 more)"));
    assert_non_null(strstr(html, "bn KZT more spent over 18 years"));
    /* Three runs are too few for a 95% interval: the page says so. */
    assert_non_null(strstr(html, "id=\"few-runs\""));
    /* Every metric has a plain label (never its code as the label), and
     * one chart per series. */
    for (size_t m = 0; m < pw_metric_count(); m++) {
        char raw[160];
        snprintf(raw, sizeof raw, "<b>%s</b>", pw_metric_name(m));
        assert_null(strstr(html, raw));
    }
    assert_int_equal(count(html, "<figure data-series="), pw_series_count());
    assert_non_null(strstr(html, "Lower is better."));
    /* The forest plot: a plot per metric not already a difference. */
    assert_non_null(strstr(html, "id=\"forest\""));
    assert_int_equal(count(html, "<figure data-metric="), pw_metric_count() - 2);
    cells_are_whole_and_one_unit(html);
    ticks_are_nice(html);
    /* Years every five on the x axis, not only the first and last. */
    assert_non_null(strstr(html, ">2030</text>"));
    assert_non_null(strstr(html, ">2035</text>"));
    /* Whole people: 1,000.4 shows as 1,000 and the difference signed. */
    assert_non_null(strstr(html, "&Delta; +1,000 <small>[+1,000, +1,000]</small>"));
    /* Names are escaped, never injected. */
    assert_non_null(strstr(html, "hybrid&lt;&amp;&gt;"));
    assert_null(strstr(html, "hybrid<&>"));
    assert_non_null(strstr(html, "Almaty &lt;test&gt;"));
    /* The page fetches nothing. */
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "<script"));
    free(html);
    pw_results_free(res);
    rmdir(dir);
}

static void enough_runs_no_warning_and_languages(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwreportXXXXXX";
    assert_non_null(mkdtemp(dir));
    pw_results *res = make(20);
    char *html = write_and_read(res, "en", dir);
    assert_null(strstr(html, "id=\"few-runs\""));
    free(html);
    /* Russian and Kazakh pages: their words, their number format. */
    html = write_and_read(res, "ru", dir);
    assert_non_null(strstr(html, "<html lang=\"ru\">"));
    assert_non_null(strstr(html, "Что меняется"));
    assert_non_null(strstr(html, "1\u00a0000"));
    free(html);
    html = write_and_read(res, "kk", dir);
    assert_non_null(strstr(html, "<html lang=\"kk\">"));
    assert_non_null(strstr(html, "Бүгінгі жағдаймен салыстырғанда"));
    free(html);
    pw_results_free(res);
    rmdir(dir);
}

/* Years before the projection are shaded as history, and observations
 * of a charted series inside the years shown are drawn with their bars;
 * those outside the years or of a series not charted are not. An observed
 * ratio (per: a second series) gets its own chart, once, with its point. */
static void history_and_observations(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwreportXXXXXX";
    assert_non_null(mkdtemp(dir));
    char tpath[256];
    snprintf(tpath, sizeof tpath, "%s/t.yaml", dir);
    FILE *t = fopen(tpath, "w");
    assert_non_null(t);
    fputs("name: t\ntargets:\n"
          "  - {name: a, series: pwid, year: 2030, value: 5000, sd: 1000}\n"
          "  - {name: b, series: pwid, year: 2011, value: 5000, sd: 1000}\n"
          "  - {name: c, series: no_such_series, year: 2030, value: 1, sd: 1}\n"
          "  - {name: d, series: hiv_pwid, per: pwid, year: 2030, value: 0.09, sd: 0.01}\n"
          "  - {name: e, series: hiv_pwid, per: pwid, year: 2032, value: 0.09, sd: 0.01}\n"
          "  - {name: f, series: hiv_pwid, per: no_such_series, year: 2030, value: 1, sd: 1}\n",
          t);
    fclose(t);
    pw_results *res = make(3);
    pw_error e;
    pw_report_opts o = {0};
    o.baseline = "kz-current";
    o.targets = tpath;
    o.projection_year = 2031;
    assert_int_equal(pw_report_html_write_opts(res, &o, dir, &e), PW_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html;
    assert_int_equal(pw_read_file(path, &html, NULL, &e), PW_OK);
    assert_int_equal(count(html, "<g class=\"obs\">"), 3);
    const char *pwid = strstr(html, "<figure data-series=\"pwid\">");
    assert_non_null(pwid);
    assert_true(strstr(pwid, "<g class=\"obs\">") < strstr(pwid, "</figure>"));
    assert_int_equal(count(html, "<figure data-series=\"hiv_pwid/pwid\">"), 1);
    const char *prev = strstr(html, "<figure data-series=\"hiv_pwid/pwid\">");
    const char *end = strstr(prev, "</figure>");
    assert_true(strstr(prev, "<g class=\"obs\">") < end);
    assert_non_null(strstr(prev, "HIV among people who inject drugs"));
    assert_int_equal(count(html, "<rect class=\"hist\""), pw_series_count() + 1);
    free(html);
    /* A targets file with a bad line is an error naming it. */
    t = fopen(tpath, "w");
    fputs("name: t\ntargets:\n  - {series: pwid, year: x, value: 1}\n", t);
    fclose(t);
    assert_int_equal(pw_report_html_write_opts(res, &o, dir, &e), PW_EINVAL);
    assert_non_null(strstr(e.file, "t.yaml"));
    pw_results_free(res);
    unlink(path);
    unlink(tpath);
    rmdir(dir);
}

static void unwritable_directory_is_an_error(void **state)
{
    (void)state;
    pw_results *res = make(3);
    pw_error e;
    assert_int_equal(pw_report_html_write(res, "x", 2026, NULL, "/nonexistent/dir", &e), PW_EIO);
    assert_non_null(strstr(e.file, "/nonexistent/dir/report.html"));
    pw_report_opts o = {0};
    o.lang = "xx";
    assert_int_equal(pw_report_html_write_opts(res, &o, "/tmp", &e), PW_ENOTFOUND);
    pw_results_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decision_report),
        cmocka_unit_test(enough_runs_no_warning_and_languages),
        cmocka_unit_test(history_and_observations),
        cmocka_unit_test(unwritable_directory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
