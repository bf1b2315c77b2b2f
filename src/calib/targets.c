/*
 * Targets files: observed numbers with their source and uncertainty, which
 * calibration compares model outputs against (format in pathways/calib.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/calib.h"

typedef struct {
    char *name, *series, *per, *source; /* per: "" for a count */
    int year;
    double value, sd;
    long line;
} target;

struct pw_targets {
    char file[256];
    size_t n;
    target *t;
};

void pw_targets_free(pw_targets *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->t[i].name);
        free(t->t[i].series);
        free(t->t[i].per);
        free(t->t[i].source);
    }
    free(t->t);
    free(t);
}

int pw_targets_load(const char *name_or_path, pw_targets **out, pw_error *err)
{
    static const char *const top_keys[] = {"name", "description", "region", "targets", NULL};
    static const char *const keys[] = {"name", "series", "per", "year", "value",
                                       "sd", "source", "note", NULL};
    pw_doc *doc = NULL;
    pw_targets *t = NULL;
    int rc = pw_doc_load("targets", name_or_path, &doc, err);
    if (rc != PW_OK)
        return rc;
    const pw_node *root = pw_doc_root(doc);
    const char *file = pw_doc_name(doc);
    if ((rc = pw_node_check_keys(doc, root, top_keys, "targets file", err)) != PW_OK)
        goto fail;
    const pw_node *list = pw_node_get(root, "targets");
    if (!list || pw_node_kind_of(list) != PW_NODE_SEQ || pw_node_len(list) == 0) {
        rc = pw_error_set(err, PW_EINVAL, file, pw_node_line(root), "targets",
                          "must be a non-empty list of targets");
        goto fail;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->t = calloc(pw_node_len(list), sizeof(target)))) {
        rc = pw_error_set(err, PW_ENOMEM, file, 0, NULL, "out of memory");
        goto fail;
    }
    snprintf(t->file, sizeof t->file, "%s", file);
    for (size_t i = 0; i < pw_node_len(list); i++) {
        const pw_node *m = pw_node_at(list, i);
        const char *name, *series, *per, *source;
        long year;
        double value, sd;
        if ((rc = pw_node_check_keys(doc, m, keys, "target", err)) != PW_OK ||
            (rc = pw_node_text(doc, m, "name", 1, NULL, &name, err)) != PW_OK ||
            (rc = pw_node_text(doc, m, "series", 1, NULL, &series, err)) != PW_OK ||
            (rc = pw_node_text(doc, m, "per", 0, "", &per, err)) != PW_OK ||
            (rc = pw_node_int(doc, m, "year", 1, 0, 1900, 2200, &year, err)) != PW_OK ||
            (rc = pw_node_num(doc, m, "value", 1, 0, 0, 1e12, &value, err)) != PW_OK ||
            (rc = pw_node_num(doc, m, "sd", 1, 0, 1e-12, 1e12, &sd, err)) != PW_OK ||
            (rc = pw_node_text(doc, m, "source", 1, NULL, &source, err)) != PW_OK)
            goto fail;
        for (size_t k = 0; k < t->n; k++)
            if (strcmp(t->t[k].name, name) == 0) {
                rc = pw_error_set(err, PW_EINVAL, file, pw_node_line(m), "name",
                                  "duplicate target '%s'", name);
                goto fail;
            }
        target *x = &t->t[t->n];
        x->name = strdup(name);
        x->series = strdup(series);
        x->per = strdup(per);
        x->source = strdup(source);
        if (!x->name || !x->series || !x->per || !x->source) {
            t->n++;
            rc = pw_error_set(err, PW_ENOMEM, file, 0, NULL, "out of memory");
            goto fail;
        }
        x->year = (int)year;
        x->value = value;
        x->sd = sd;
        x->line = pw_node_line(m);
        t->n++;
    }
    pw_doc_free(doc);
    *out = t;
    return PW_OK;
fail:
    pw_targets_free(t);
    pw_doc_free(doc);
    return rc;
}

size_t pw_targets_count(const pw_targets *t) { return t->n; }
const char *pw_targets_file(const pw_targets *t) { return t->file; }
const char *pw_target_name(const pw_targets *t, size_t i) { return t->t[i].name; }
const char *pw_target_series(const pw_targets *t, size_t i) { return t->t[i].series; }
const char *pw_target_per(const pw_targets *t, size_t i) { return t->t[i].per; }
int pw_target_year(const pw_targets *t, size_t i) { return t->t[i].year; }
double pw_target_value(const pw_targets *t, size_t i) { return t->t[i].value; }
double pw_target_sd(const pw_targets *t, size_t i) { return t->t[i].sd; }
const char *pw_target_source(const pw_targets *t, size_t i) { return t->t[i].source; }
long pw_target_line(const pw_targets *t, size_t i) { return t->t[i].line; }

int pw_targets_write_csv(const pw_targets *t, const char *path, pw_error *err)
{
    pw_afile *af;
    int rc = pw_afile_open(path, &af, err);
    if (rc)
        return rc;
    FILE *f = pw_afile_fp(af);
    fprintf(f, "series,year,value,sd,name,source,per\n");
    for (size_t i = 0; i < t->n; i++) {
        const target *x = &t->t[i];
        pw_csv_field(f, x->series);
        fprintf(f, ",%d,%.10g,%.10g,", x->year, x->value, x->sd);
        pw_csv_field(f, x->name);
        fputc(',', f);
        pw_csv_field(f, x->source);
        fputc(',', f);
        pw_csv_field(f, x->per);
        fputc('\n', f);
    }
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
    }
    return pw_afile_commit(af, err);
}
