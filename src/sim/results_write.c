/*
 * The output files of a comparison: summary.json (with the plausibility
 * bands and provenance), summary.csv and timeseries.csv (results.c holds
 * the values; results_table.c prints the console table).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "results_int.h"

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
    for (size_t m = 0; nm && m < pw_metric_count(); m++)
        if (pw_results_has_metric(r, m) && pwi_results_not_modelled(r, m))
            json_array_append_new(nm, json_string(pw_metric_name(m)));
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
        for (size_t m = 0; m < pw_metric_count(); m++) {
            double mean, lo, hi;
            if (!pw_results_has_metric(r, m))
                continue;
            pw_results_summary(r, g, -1, m, &mean, &lo, &hi);
            json_object_set_new(mets, pw_metric_name(m), stat_obj(mean, lo, hi));
            if (diffs) {
                pw_results_summary(r, g, base, m, &mean, &lo, &hi);
                json_object_set_new(diffs, pw_metric_name(m), stat_obj(mean, lo, hi));
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
        for (size_t m = 0; m < pw_metric_count(); m++) {
            double mean, lo, hi;
            if (!pw_results_has_metric(r, m))
                continue;
            pw_results_summary(r, g, -1, m, &mean, &lo, &hi);
            fprintf(f, "%s,%s,%.10g,%.10g,%.10g", r->regimes[g], pw_metric_name(m), mean, lo, hi);
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
    for (size_t k = 0; k < pw_series_count(); k++)
        fprintf(f, ",%s", pw_series_name(k));
    /* phase: "history" for the years simulated under the history regime
     * before the projection (the same rows for every regime), else
     * "projection"; last, so the series' columns keep their places. */
    fprintf(f, ",phase\n");
    for (size_t g = 0; g < r->n_regimes; g++)
        for (int run = 0; run < r->runs; run++)
            for (int y = 0; y < r->years; y++) {
                fprintf(f, "%s,%d,%d", r->regimes[g], run, r->start_year + y);
                for (size_t k = 0; k < pw_series_count(); k++)
                    fprintf(f, ",%.10g", pw_results_series(r, g, run, y, k));
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
    long base = pwi_results_find_regime(r, PWI_BASELINE);
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
