/*
 * report_sheet.c: every report (and so every dashboard card, each of which
 * is one report) as CSV and as an Excel workbook, for staff who work in
 * spreadsheets (report_sheet.h).
 *
 * A report is a JSON document; it becomes tables without knowing its kind,
 * so a report added later comes out too:
 *   - the scalars at the top ("kind", "as_of", counts) make a table
 *     "summary" of name and value;
 *   - every array of objects, at any depth, makes a table named by its
 *     path ("groups.all.curve" for the curve of group "all"); nested objects
 *     in a row become columns with dotted names, arrays of scalars one cell
 *     joined by "; ", anything deeper its JSON text.
 * The CSV holds one table (?table=NAME; by default the first after the
 * summary, or the summary alone), as RFC 4180 with a byte-order mark so
 * that Excel opens Cyrillic text as UTF-8. The workbook holds every table,
 * one sheet each, written by libxlsxwriter.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <xlsxwriter.h>

#include "pathways/registry.h"
#include "report_sheet.h"

typedef struct table {
    char name[128];
    json_t *cols; /* array of column names */
    json_t *rows; /* array of arrays of values (json) */
} table;

typedef struct tables {
    table t[PWI_SHEET_MAX_TABLES];
    int n;
} tables;

static int col_index(table *t, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(t->cols, i, v) {
        if (strcmp(json_string_value(v), name) == 0)
            return (int)i;
    }
    json_array_append_new(t->cols, json_string(name));
    return (int)json_array_size(t->cols) - 1;
}

/* A value fit for one cell. */
static json_t *cell_of(json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        int scalars = 1;
        json_array_foreach(v, i, x) scalars &= !json_is_object(x) && !json_is_array(x);
        if (scalars) {
            size_t cap = 256, len = 0;
            char *b = malloc(cap);
            if (!b)
                return json_null();
            b[0] = '\0';
            json_array_foreach(v, i, x) {
                char *s = json_is_string(x) ? strdup(json_string_value(x))
                                            : json_dumps(x, JSON_ENCODE_ANY);
                if (!s)
                    continue;
                size_t need = len + strlen(s) + 3;
                if (need > cap) {
                    cap = need * 2;
                    char *nb = realloc(b, cap);
                    if (!nb) {
                        free(s);
                        break;
                    }
                    b = nb;
                }
                len += (size_t)sprintf(b + len, "%s%s", i ? "; " : "", s);
                free(s);
            }
            json_t *r = json_string(b);
            free(b);
            return r;
        }
    }
    if (json_is_array(v) || json_is_object(v)) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_t *r = json_string(s ? s : "");
        free(s);
        return r;
    }
    return json_incref(v);
}

static void put_row_fields(table *t, json_t *row, const char *prefix, json_t *o, int depth)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        char name[256];
        /* A column name past 255 bytes would be cut and could collide with
         * another: such a field (no report has one) is left out. */
        int len = snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (len < 0 || (size_t)len >= sizeof name)
            continue;
        if (json_is_object(v) && depth < 3) {
            put_row_fields(t, row, name, v, depth + 1);
            continue;
        }
        int c = col_index(t, name);
        while ((int)json_array_size(row) <= c)
            json_array_append_new(row, json_null());
        json_array_set_new(row, (size_t)c, cell_of(v));
    }
}

static table *new_table(tables *ts, const char *name)
{
    if (ts->n == PWI_SHEET_MAX_TABLES)
        return NULL;
    table *t = &ts->t[ts->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->cols = json_array();
    t->rows = json_array();
    return t;
}

static int is_table(json_t *a)
{
    if (!json_is_array(a) || json_array_size(a) == 0)
        return 0;
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) {
        if (!json_is_object(x))
            return 0;
    }
    return 1;
}

static void walk(tables *ts, const char *path, json_t *v, int depth)
{
    if (depth > 6)
        return;
    if (is_table(v)) {
        table *t = new_table(ts, path);
        if (!t)
            return;
        size_t i;
        json_t *o;
        json_array_foreach(v, i, o) {
            json_t *row = json_array();
            put_row_fields(t, row, "", o, 0);
            json_array_append_new(t->rows, row);
        }
        /* Deeper tables inside the rows (a group's curve). */
        json_array_foreach(v, i, o) {
            const char *k;
            json_t *x;
            json_object_foreach(o, k, x) {
                if (json_is_object(x) || is_table(x)) {
                    char p[256];
                    snprintf(p, sizeof p, "%s.%zu.%s", path, i, k);
                    if (is_table(x))
                        walk(ts, p, x, depth + 1);
                }
            }
        }
        return;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            char p[256];
            snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", k);
            if (json_is_object(x) || json_is_array(x))
                walk(ts, p, x, depth + 1);
        }
    }
}

static void tables_free(tables *ts)
{
    for (int i = 0; i < ts->n; i++) {
        json_decref(ts->t[i].cols);
        json_decref(ts->t[i].rows);
    }
    ts->n = 0;
}

static int to_tables(const char *report, size_t len, tables *ts, pw_error *err)
{
    memset(ts, 0, sizeof *ts);
    json_t *doc = json_loadb(report, len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return pw_error_set(err, PW_EINVAL, NULL, 0, "format",
                            "this report is not a JSON document (it has its own format)");
    }
    table *sum = new_table(ts, "summary");
    json_array_append_new(sum->cols, json_string("name"));
    json_array_append_new(sum->cols, json_string("value"));
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
        if (json_is_object(v) || json_is_array(v))
            continue;
        json_array_append_new(sum->rows, json_pack("[sO]", k, v));
    }
    walk(ts, "", doc, 0);
    json_decref(doc);
    return PW_OK;
}

/* ---- CSV ------------------------------------------------------------------ */

typedef struct sbuf {
    char *b;
    size_t n, cap;
    int oom;
} sbuf;

static void put(sbuf *s, const char *p, size_t n)
{
    if (s->oom)
        return;
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *nb = realloc(s->b, cap);
        if (!nb) {
            s->oom = 1;
            return;
        }
        s->b = nb;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
    s->b[s->n] = '\0';
}

static void put_cell(sbuf *s, json_t *v)
{
    char num[64];
    const char *txt = "";
    if (json_is_string(v))
        txt = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), txt = num;
    else if (json_is_real(v))
        snprintf(num, sizeof num, "%.10g", json_real_value(v)), txt = num;
    else if (json_is_true(v))
        txt = "true";
    else if (json_is_false(v))
        txt = "false";
    /* A leading = + - @ would be run as a formula by a spreadsheet (CSV
     * injection): such text (not a number) gets a leading apostrophe. */
    int formula = json_is_string(v) && strchr("=+-@", txt[0]) && txt[0];
    if (strpbrk(txt, ",\"\r\n") || formula) {
        put(s, "\"", 1);
        if (formula)
            put(s, "'", 1);
        for (const char *p = txt; *p; p++) {
            if (*p == '"')
                put(s, "\"", 1);
            put(s, p, 1);
        }
        put(s, "\"", 1);
    } else {
        put(s, txt, strlen(txt));
    }
}

int pwi_report_csv(const char *report, size_t len, const char *table_name, char **out,
                   size_t *outlen, pw_error *err)
{
    *out = NULL;
    *outlen = 0;
    tables ts;
    int rc = to_tables(report, len, &ts, err);
    if (rc != PW_OK)
        return rc;
    table *t = NULL;
    if (table_name && *table_name) {
        for (int i = 0; i < ts.n && !t; i++)
            if (strcmp(ts.t[i].name, table_name) == 0)
                t = &ts.t[i];
        if (!t) {
            char names[1024] = "";
            for (int i = 0; i < ts.n; i++) {
                strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
                strncat(names, ts.t[i].name, sizeof names - strlen(names) - 1);
            }
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, "table",
                              "no table '%.100s' in this report (it has: %s)", table_name,
                              names);
            tables_free(&ts);
            return rc;
        }
    } else {
        t = ts.n > 1 ? &ts.t[1] : &ts.t[0];
    }
    sbuf s = {0};
    put(&s, "\xEF\xBB\xBF", 3);
    size_t i, j;
    json_t *v, *row;
    json_array_foreach(t->cols, i, v) {
        if (i)
            put(&s, ",", 1);
        put_cell(&s, v);
    }
    put(&s, "\r\n", 2);
    size_t nc = json_array_size(t->cols);
    json_array_foreach(t->rows, i, row) {
        for (j = 0; j < nc; j++) {
            if (j)
                put(&s, ",", 1);
            put_cell(&s, json_array_get(row, j));
        }
        put(&s, "\r\n", 2);
    }
    tables_free(&ts);
    if (s.oom) {
        free(s.b);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    *out = s.b;
    *outlen = s.n;
    return PW_OK;
}

/* ---- Excel ---------------------------------------------------------------- */

/* A sheet name: at most 31 characters, none of []:*?/\ (Excel's rules),
 * unique in the workbook. */
static void sheet_name(const char *name, int idx, char out[32])
{
    char b[24];
    size_t n = 0;
    /* Cut on a byte that starts a UTF-8 character. */
    for (const char *p = name; *p && n < sizeof b - 1; p++) {
        if (n >= sizeof b - 5 && ((unsigned char)*p & 0xC0) != 0x80)
            break;
        b[n++] = strchr("[]:*?/\\", *p) ? '_' : *p;
    }
    b[n] = '\0';
    snprintf(out, 32, "%d %s", (idx + 1) % 100, b[0] ? b : "table");
}

int pwi_report_xlsx(const char *report, size_t len, char **out, size_t *outlen,
                    pw_error *err)
{
    *out = NULL;
    *outlen = 0;
    tables ts;
    int rc = to_tables(report, len, &ts, err);
    if (rc != PW_OK)
        return rc;
    /* libxlsxwriter 1.1.4 writes to a file: a private temporary one, read
     * back and removed. */
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/pw-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        tables_free(&ts);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot create a temporary file: %m");
    }
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
    if (bold)
        format_set_bold(bold);
    for (int k = 0; wb && k < ts.n; k++) {
        table *t = &ts.t[k];
        char sn[32];
        sheet_name(t->name, k, sn);
        lxw_worksheet *ws = workbook_add_worksheet(wb, sn);
        if (!ws)
            continue;
        size_t i, j;
        json_t *v, *row;
        json_array_foreach(t->cols, i, v) {
            worksheet_write_string(ws, 0, (lxw_col_t)i, json_string_value(v), bold);
        }
        json_array_foreach(t->rows, i, row) {
            json_array_foreach(row, j, v) {
                lxw_row_t r = (lxw_row_t)(i + 1);
                lxw_col_t c = (lxw_col_t)j;
                if (json_is_number(v))
                    worksheet_write_number(ws, r, c, json_number_value(v), NULL);
                else if (json_is_boolean(v))
                    worksheet_write_boolean(ws, r, c, json_is_true(v), NULL);
                else if (json_is_string(v))
                    /* Text stays text: write_string never makes a formula. */
                    worksheet_write_string(ws, r, c, json_string_value(v), NULL);
            }
        }
        worksheet_freeze_panes(ws, 1, 0);
    }
    tables_free(&ts);
    lxw_error xe = wb ? workbook_close(wb) : LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (xe != LXW_NO_ERROR) {
        unlink(path);
        return pw_error_set(err, PW_EIO, NULL, 0, NULL, "cannot write the workbook: %s",
                            lxw_strerror(xe));
    }
    rc = pw_read_file(path, out, outlen, err);
    unlink(path);
    return rc;
}

int pw_registry_report_sheet(const char *report, size_t len, const char *format,
                             const char *table, char **out, size_t *outlen, pw_error *err)
{
    if (format && strcmp(format, "csv") == 0)
        return pwi_report_csv(report, len, table, out, outlen, err);
    if (format && strcmp(format, "xlsx") == 0)
        return pwi_report_xlsx(report, len, out, outlen, err);
    return pw_error_set(err, PW_EINVAL, NULL, 0, "format", "must be json, csv or xlsx");
}
