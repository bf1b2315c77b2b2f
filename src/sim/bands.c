/*
 * Plausibility bands: quantities a scenario declares must stay within an
 * observed range (HIV prevalence among people who inject drugs, crime per
 * 1,000 people, the share of people who use drugs...), each with its
 * source. A run that leaves a band is reported (results.c: the table,
 * summary.json, report.html), and calibration rejects the particle
 * (src/calib/problem_sim.c).
 *
 *   bands:
 *     - name: hiv_among_pwid
 *       series: hiv_pwid      # a column of timeseries.csv
 *       per: pwid             # optional: divided by this column
 *       times: 1              # optional multiplier (1000: per 1,000)
 *       lo: 0.02
 *       hi: 0.25
 *       from: 2024            # optional: the years checked (inclusive)
 *       to: 2043
 *       source: "..."
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"

/* One band of the list; its errors name the file, the line and the field. */
static int read_band(const pw_doc *d, const pw_node *n, pwi_band *b, pw_error *err)
{
    static const char *const keys[] = {"name", "series", "per", "times", "lo", "hi",
                                       "from", "to", "source", NULL};
    int rc = pw_node_check_keys(d, n, keys, "band", err);
    if (rc)
        return rc;
    const char *name, *series, *per, *src;
    if ((rc = pw_node_text(d, n, "name", 1, NULL, &name, err)) ||
        (rc = pw_node_text(d, n, "series", 1, NULL, &series, err)) ||
        (rc = pw_node_text(d, n, "per", 0, "", &per, err)) ||
        (rc = pw_node_text(d, n, "source", 1, NULL, &src, err)))
        return rc;
    const pw_node *at;
    if (!*name || strlen(name) >= sizeof b->name)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pw_node_get(n, "name")),
                            "name", "a band needs a name of 1 to %zu characters",
                            sizeof b->name - 1);
    if (!*src || strlen(src) >= sizeof b->source)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d),
                            pw_node_line(pw_node_get(n, "source")), "source",
                            "every band needs its source (at most %zu characters)",
                            sizeof b->source - 1);
    b->num = pw_series_find(series);
    if (b->num < 0) {
        at = pw_node_get(n, "series");
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(at), "series",
                            "'%s' is not a column of timeseries.csv", series);
    }
    b->den = -1;
    if (*per && (b->den = pw_series_find(per)) < 0) {
        at = pw_node_get(n, "per");
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(at), "per",
                            "'%s' is not a column of timeseries.csv", per);
    }
    long from, to;
    if ((rc = pw_node_num(d, n, "times", 0, 1, 1e-12, 1e12, &b->times, err)) ||
        (rc = pw_node_num(d, n, "lo", 1, 0, -1e300, 1e300, &b->lo, err)) ||
        (rc = pw_node_num(d, n, "hi", 1, 0, -1e300, 1e300, &b->hi, err)) ||
        (rc = pw_node_int(d, n, "from", 0, 0, 0, 9999, &from, err)) ||
        (rc = pw_node_int(d, n, "to", 0, 9999, 0, 9999, &to, err)))
        return rc;
    if (!(b->lo <= b->hi))
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pw_node_get(n, "hi")),
                            "hi", "the band's hi (%g) is below its lo (%g)", b->hi, b->lo);
    if (from > to)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(pw_node_get(n, "to")),
                            "to", "the band ends (%ld) before it starts (%ld)", to, from);
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->source, sizeof b->source, "%s", src);
    b->from = (int)from;
    b->to = (int)to;
    return PW_OK;
}

int pwi_read_bands(const pw_doc *d, const pw_node *list, pw_scenario *s, pw_error *err)
{
    if (pw_node_kind_of(list) != PW_NODE_SEQ)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(list), "bands",
                            "expected a list of bands");
    for (size_t i = 0; i < pw_node_len(list); i++) {
        const pw_node *n = pw_node_at(list, i);
        pwi_band b;
        memset(&b, 0, sizeof b);
        int rc = read_band(d, n, &b, err);
        if (rc)
            return rc;
        int k = 0;
        while (k < s->n_bands && strcmp(s->bands[k].name, b.name) != 0)
            k++;
        if (k == s->n_bands) {
            if (s->n_bands == PWI_MAX_BANDS)
                return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(n), "bands",
                                    "at most %d bands", PWI_MAX_BANDS);
            s->n_bands++;
        }
        s->bands[k] = b;
    }
    return PW_OK;
}

size_t pw_scenario_band_count(const pw_scenario *s) { return (size_t)s->n_bands; }

const char *pw_scenario_band_name(const pw_scenario *s, size_t i)
{
    return i < (size_t)s->n_bands ? s->bands[i].name : NULL;
}

/* One band's test of one value pair (num, den), shared by both checks. */
static int band_outside(const pwi_band *b, double x, double q, double *value)
{
    if (b->den >= 0) {
        /* no denominator (no one injects): nothing to compare */
        if (!(q > 0))
            return 0;
        x /= q;
    }
    x *= b->times;
    *value = x;
    return !(x >= b->lo && x <= b->hi);
}

int pwi_bands_row_left(const pw_scenario *s, const double *row, int year)
{
    for (int i = 0; i < s->n_bands; i++) {
        const pwi_band *b = &s->bands[i];
        double v;
        if (year < b->from || year > b->to)
            continue;
        if (band_outside(b, row[b->num], b->den >= 0 ? row[b->den] : 0, &v))
            return 1;
    }
    return 0;
}

int pwi_band_left(const pwi_band *b, const pw_results *r, size_t g, int run, int start_year,
                  int *year, double *value)
{
    int years = pw_results_years(r);
    for (int t = 0; t < years; t++) {
        int y = start_year + t;
        if (y < b->from || y > b->to)
            continue;
        double x = pw_results_series(r, g, run, t, (size_t)b->num);
        double q = b->den >= 0 ? pw_results_series(r, g, run, t, (size_t)b->den) : 0;
        double v;
        if (band_outside(b, x, q, &v)) {
            *year = y;
            *value = v;
            return 1;
        }
    }
    return 0;
}
