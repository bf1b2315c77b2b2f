/*
 * Parameter draws: the CSV that `pathways calibrate` writes (posterior.csv)
 * and that `pathways run --posterior` and `pathways calibrate --base` read.
 * A header of scenario parameter names, then one row of numbers per draw.
 * "<built-in>/targets/NAME-posterior.csv" names a file compiled into the
 * binary (pw_data_get). Errors name the file, the line and the field.
 */
#include <stdlib.h>
#include <string.h>

#include "pathways/sim.h"

int pw_draws_load(const char *path, const pw_scenario *s, pw_draws *out, pw_error *err)
{
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    size_t len;
    const char *builtin = "<built-in>/";
    if (strncmp(path, builtin, strlen(builtin)) == 0) {
        const char *text = pw_data_get(path + strlen(builtin), &len);
        if (!text)
            return pw_error_set(err, PW_ENOTFOUND, path, 0, NULL, "no such built-in file");
        if (!(buf = strdup(text)))
            return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    } else {
        int rc = pw_read_file(path, &buf, &len, err);
        if (rc != PW_OK)
            return rc;
    }
    int rc = PW_EINVAL;
    size_t cols = 0, rows = 0, cap = 0;
    int *ix = NULL;
    double *v = NULL;
    char *save = NULL;
    long line = 0;
    for (char *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t l = strlen(ln);
        if (l && ln[l - 1] == '\r')
            ln[l - 1] = 0;
        if (!*ln)
            continue;
        char *s2 = NULL;
        size_t c = 0;
        for (char *tok = strtok_r(ln, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2), c++) {
            if (line == 1) {
                int *p = realloc(ix, (c + 1) * sizeof *p);
                if (!p)
                    goto nomem;
                ix = p;
                ix[c] = pw_param_find(s, tok);
                if (ix[c] < 0) {
                    pw_error_set(err, PW_EINVAL, path, 1, tok, "not a parameter of scenario %s",
                                 pw_scenario_name(s));
                    goto done;
                }
                cols = c + 1;
                continue;
            }
            if (c >= cols) {
                pw_error_set(err, PW_EINVAL, path, line, NULL,
                             "more values than the %zu columns of the header", cols);
                goto done;
            }
            if ((rows + 1) * cols > cap) {
                cap = cap ? cap * 2 : cols * 64;
                double *p = realloc(v, cap * sizeof *p);
                if (!p)
                    goto nomem;
                v = p;
            }
            char *end;
            double x = strtod(tok, &end);
            if (end == tok || *end) {
                pw_error_set(err, PW_EINVAL, path, line, pw_param_name(s, (size_t)ix[c]),
                             "'%s' is not a number", tok);
                goto done;
            }
            v[rows * cols + c] = x;
        }
        if (line > 1) {
            if (c != cols) {
                pw_error_set(err, PW_EINVAL, path, line, NULL, "%zu values, the header has %zu",
                             c, cols);
                goto done;
            }
            rows++;
        }
    }
    if (!cols || !rows) {
        pw_error_set(err, PW_EINVAL, path, 0, NULL, "no parameter draws found");
        goto done;
    }
    out->rows = rows;
    out->cols = cols;
    out->param = ix;
    out->value = v;
    ix = NULL;
    v = NULL;
    rc = PW_OK;
    goto done;
nomem:
    rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
done:
    free(ix);
    free(v);
    free(buf);
    return rc;
}

void pw_draws_free(pw_draws *d)
{
    if (!d)
        return;
    free(d->param);
    free(d->value);
    memset(d, 0, sizeof *d);
}
