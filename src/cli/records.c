/*
 * Rows of data as CSV or JSON (records.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/core.h"
#include "records.h"

/* One value as a CSV field (the header's key order is the caller's). */
static void csv_value(FILE *f, const json_t *v)
{
    char buf[64];
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        pw_csv_field(f, json_string_value(v));
        break;
    case JSON_INTEGER:
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        /* As JSON writes a real: enough digits to read it back. */
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        fputs(buf, f);
        break;
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    case JSON_NULL:
        break;
    default: {
        char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        pw_csv_field(f, s ? s : "");
        free(s);
        break;
    }
    }
}

static int write_csv(FILE *f, const json_t *rows)
{
    /* The header: keys in first-seen order, each once (a row may lack a
     * key another has: the registry's audit entries have no object for
     * some actions). */
    json_t *keys = json_array(), *seen = json_object();
    int rc = keys && seen ? 0 : -1;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *k;
        json_t *val;
        if (rc || !json_is_object(row)) {
            rc = -1;
            break;
        }
        json_object_foreach(row, k, val) {
            (void)val;
            if (json_object_get(seen, k))
                continue;
            json_object_set_new(seen, k, json_true());
            json_array_append_new(keys, json_string(k));
        }
    }
    size_t n_keys = json_array_size(keys);
    for (size_t k = 0; rc == 0 && k < n_keys; k++) {
        if (k)
            fputc(',', f);
        pw_csv_field(f, json_string_value(json_array_get(keys, k)));
    }
    if (rc == 0 && n_keys)
        fputc('\n', f);
    json_array_foreach(rows, i, row) {
        if (rc)
            break;
        for (size_t k = 0; k < n_keys; k++) {
            if (k)
                fputc(',', f);
            csv_value(f, json_object_get(row, json_string_value(json_array_get(keys, k))));
        }
        fputc('\n', f);
    }
    json_decref(keys);
    json_decref(seen);
    return rc || ferror(f) ? -1 : 0;
}

int pw_cli_records_write(FILE *f, const char *format, const json_t *rows)
{
    assert(format);
    if (!json_is_array(rows))
        return -1;
    if (strcmp(format, "csv") == 0)
        return write_csv(f, rows);
    assert(strcmp(format, "json") == 0);
    if (json_dumpf(rows, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF)
        return -1;
    return ferror(f) ? -1 : 0;
}

int pw_cli_records_from_lines(const char *text, size_t len, json_t **rows)
{
    *rows = json_array();
    if (!*rows)
        return -1;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n && strspn(p, " \t\r") < n) {
            json_error_t je;
            json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
            if (!json_is_object(o)) {
                json_decref(o);
                json_decref(*rows);
                *rows = NULL;
                return -1;
            }
            json_array_append_new(*rows, o);
        }
        p += n + 1;
    }
    return 0;
}
