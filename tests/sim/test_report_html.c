/* report.html: the table and charts hold what the results hold. */
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

static pw_results *make(void)
{
    static const char *const regs[] = {"kz-current", "hybrid<&>"};
    pw_results *res = pw_results_new("test", 2026, 5, 3, 1, regs, 2);
    assert_non_null(res);
    for (size_t g = 0; g < 2; g++)
        for (int r = 0; r < 3; r++) {
            for (size_t m = 0; m < pw_metric_count(); m++)
                pw_results_set_metric(res, g, r, m, 1000.0 * (double)(g + 1) + r);
            for (int y = 0; y < 5; y++)
                for (size_t k = 0; k < pw_series_count(); k++)
                    pw_results_set_series(res, g, r, y, k, (double)(y * 10 + r + g));
        }
    return res;
}

static void page_holds_table_and_charts(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwreportXXXXXX";
    assert_non_null(mkdtemp(dir));
    pw_results *res = make();
    pw_error e;
    assert_int_equal(pw_report_html_write(res, "Almaty <test>", 2026, "kz-current", dir, &e), PW_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html;
    assert_int_equal(pw_read_file(path, &html, NULL, &e), PW_OK);
    /* One chart per series, one table row per metric. */
    assert_int_equal(count(html, "<svg"), pw_series_count());
    assert_int_equal(count(html, "\n<tr><th>"), pw_metric_count());
    /* The outputs come in sections, every metric and series once; the
     * ministry's key figures first, those taken against the baseline too
     * (kz-current is among the regimes). */
    assert_true(count(html, "<tr class=\"sec\">") >= 5 && count(html, "<h3>") >= 5);
    assert_non_null(strstr(html, "Capacity, coercion and lives"));
    assert_int_equal(count(html, "<tr class=\"key\">"), 11);
    assert_non_null(strstr(html, "(deaths_averted_vs_baseline)"));
    /* Names are escaped, never injected. */
    assert_non_null(strstr(html, "hybrid&lt;&amp;&gt;"));
    assert_null(strstr(html, "hybrid<&>"));
    assert_non_null(strstr(html, "Almaty &lt;test&gt;"));
    /* Paired difference from the baseline: hybrid - kz-current = +1,000 in every run. */
    assert_non_null(strstr(html, "&Delta; +1,000 [1,000, 1,000]"));
    assert_non_null(strstr(html, "2030")); /* last year on the x axis */
    /* The page fetches nothing. */
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "<script"));
    free(html);
    pw_results_free(res);
    unlink(path);
    rmdir(dir);
}

static void unwritable_directory_is_an_error(void **state)
{
    (void)state;
    pw_results *res = make();
    pw_error e;
    assert_int_equal(pw_report_html_write(res, "x", 2026, NULL, "/nonexistent/dir", &e), PW_EIO);
    assert_non_null(strstr(e.file, "/nonexistent/dir/report.html"));
    pw_results_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_holds_table_and_charts),
        cmocka_unit_test(unwritable_directory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
