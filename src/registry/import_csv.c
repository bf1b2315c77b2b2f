/*
 * import_csv.c: spreadsheets in. A CSV file of one record type (one
 * template per type: `pathways registry dictionary --template TYPE`)
 * becomes the same JSON records `registry import` reads, converted cell by
 * cell by the data dictionary (dict.h), and goes through the one importer:
 * the same checks, messages and audit entries as JSON Lines.
 *
 * What a spreadsheet writes, and what is accepted here:
 *   - UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8" adds
 *     one); any other encoding is refused, since Cyrillic names in CP1251
 *     would be stored as junk;
 *   - a comma, or a semicolon where the header holds no comma (Excel in a
 *     Russian or Kazakh locale separates with ';');
 *   - RFC 4180 quoting as Excel writes it: a quoted cell may hold the
 *     separator, "" for a quote, and line breaks; lines end in CRLF or LF.
 * The converted records are laid out so that record k sits on the line
 * where its row starts in the file, so an error names the file's own line.
 * A CSV import is all or nothing (one transaction): a spreadsheet is fixed
 * and imported again, and a half-imported one would make that second
 * import report duplicates.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pathways/registry.h"
#include "dict.h"
#include "import_int.h"

#define MAX_COLS 64

typedef struct sbuf {
    char *b;
    size_t n, cap;
} sbuf;

static int sb_put(sbuf *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *nb = realloc(s->b, cap);
        if (!nb)
            return PW_ENOMEM;
        s->b = nb;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
    s->b[s->n] = '\0';
    return PW_OK;
}

/* One parsed row: cells point into `text` (unquoted in place). */
typedef struct row {
    char *cell[MAX_COLS];
    int n;
    long line; /* where the row starts */
} row;

/* Parses the next row from *p (in place: quotes are removed by moving the
 * bytes). *got = 1 for a row, 0 at the end; PW_OK or an error. */
static int next_row(char **p, char *end, char sep, long *line, row *r, int *got,
                    const char *name, pw_error *err)
{
    char *s = *p;
    *got = 0;
    if (s >= end)
        return PW_OK;
    r->n = 0;
    r->line = *line;
    for (;;) {
        if (r->n == MAX_COLS)
            return pw_error_set(err, PW_EPARSE, name, r->line, NULL,
                                "more than %d columns", MAX_COLS);
        char *out = s, *start = s;
        r->cell[r->n++] = start;
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end)
                    return pw_error_set(err, PW_EPARSE, name, r->line, NULL,
                                        "a quoted cell is not closed");
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        *out++ = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                if (*s == '\n')
                    (*line)++;
                /* A line break inside a cell is kept as LF. */
                if (*s == '\r' && s + 1 < end && s[1] == '\n') {
                    s++;
                    continue;
                }
                *out++ = *s++;
            }
            if (s < end && *s != sep && *s != '\n' && *s != '\r')
                return pw_error_set(err, PW_EPARSE, name, *line, NULL,
                                    "text after a closing quote in column %d", r->n);
        } else {
            while (s < end && *s != sep && *s != '\n' && *s != '\r')
                *out++ = *s++;
        }
        /* Read the byte after the cell before ending the cell's text: for
         * an unquoted cell the terminator goes where that byte is. */
        char c = s < end ? *s : '\n';
        *out = '\0';
        if (c == sep) {
            s++;
            continue;
        }
        /* End of the row: CRLF, LF, CR or the end (from c: *s may be the
         * terminator just written). */
        if (c == '\r' && s < end) {
            s++;
            if (s < end && *s == '\n')
                s++;
        } else if (c == '\n' && s < end) {
            s++;
        }
        (*line)++;
        break;
    }
    *p = s;
    *got = 1;
    return PW_OK;
}

static int blank_row(const row *r)
{
    for (int i = 0; i < r->n; i++)
        for (const char *c = r->cell[i]; *c; c++)
            if (*c != ' ' && *c != '\t')
                return 0;
    return 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A cell as the JSON value of a field of kind k. A cell that does not
 * parse as that kind is passed on as a string, so that the importer
 * refuses it with its own message naming the field. */
static json_t *cell_value(pwi_field_kind k, char *cell)
{
    char *end;
    switch (k) {
    case PWI_F_INT: {
        errno = 0;
        long long v = strtoll(cell, &end, 10);
        if (!*end && end != cell && !errno)
            return json_integer(v);
        break;
    }
    case PWI_F_NUMBER: {
        /* A decimal comma, as a Russian locale writes it, is a point. */
        for (char *c = cell; *c; c++)
            if (*c == ',')
                *c = '.';
        double v = strtod(cell, &end);
        if (!*end && end != cell)
            return json_real(v);
        break;
    }
    case PWI_F_BOOL: {
        static const char *const yes[] = {"true", "yes", "1", "TRUE", "Yes", "YES", NULL};
        static const char *const no[] = {"false", "no", "0", "FALSE", "No", "NO", NULL};
        for (int i = 0; yes[i]; i++)
            if (strcmp(cell, yes[i]) == 0)
                return json_true();
        for (int i = 0; no[i]; i++)
            if (strcmp(cell, no[i]) == 0)
                return json_false();
        break;
    }
    case PWI_F_LIST: {
        json_t *a = json_array();
        for (char *tok = strtok(cell, ";"); tok; tok = strtok(NULL, ";")) {
            char *t = trim(tok);
            if (*t)
                json_array_append_new(a, json_string(t));
        }
        return a;
    }
    case PWI_F_OBJECT: {
        json_t *o = json_loads(cell, JSON_REJECT_DUPLICATES, NULL);
        if (o)
            return o;
        break;
    }
    case PWI_F_ROWREF: {
        errno = 0;
        long long v = strtoll(cell, &end, 10);
        if (!*end && end != cell && !errno && v > 0)
            return json_integer(v);
        break;
    }
    default:
        break;
    }
    return json_string(cell);
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
        if (k == 4 || n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

int pwi_csv_to_jsonl(const char *buf, size_t len, const char *name, const char *type,
                     char **out, size_t *outlen, long *nrec, pw_error *err)
{
    *out = NULL;
    *outlen = 0;
    *nrec = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    if (!valid_utf8((const unsigned char *)buf, len))
        return pw_error_set(err, PW_EPARSE, name, 0, NULL,
                            "is not UTF-8 text (save it from the spreadsheet as "
                            "\"CSV UTF-8\")");
    char *text = malloc(len + 1);
    if (!text)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    memcpy(text, buf, len);
    text[len] = '\0';
    char *p = text, *end = text + len;
    /* The separator: ',' unless the header line has ';' and no ','. */
    char sep = ',';
    const char *nl = memchr(text, '\n', len);
    size_t hl = nl ? (size_t)(nl - text) : len;
    if (!memchr(text, ',', hl) && memchr(text, ';', hl))
        sep = ';';
    long line = 1;
    row head, r;
    sbuf s = {0};
    json_t *rec = NULL;
    const pwi_rectype *rt = NULL;
    const pwi_field *col[MAX_COLS];
    int type_col = -1;
    int got;
    int rc = next_row(&p, end, sep, &line, &head, &got, name, err);
    if (rc == PW_OK && !got)
        rc = pw_error_set(err, PW_EPARSE, name, 1, NULL, "is empty (no header row)");
    if (rc != PW_OK)
        goto done;
    if (type && !(rt = pwi_dict_find(type))) {
        rc = pw_error_set(err, PW_EINVAL, name, 0, "type", "unknown record type '%.40s'", type);
        goto done;
    }
    /* The header: field names of the type (a `type` column may give the
     * type per row instead). Unknown names are refused here, naming them. */
    for (int i = 0; i < head.n; i++) {
        char *h = trim(head.cell[i]);
        head.cell[i] = h;
        col[i] = NULL;
        if (strcmp(h, "type") == 0) {
            type_col = i;
            continue;
        }
        if (!*h) {
            rc = pw_error_set(err, PW_EPARSE, name, 1, NULL, "column %d has no name", i + 1);
            goto done;
        }
        if (rt && !(col[i] = pwi_dict_field(rt, h))) {
            rc = pw_error_set(err, PW_EINVAL, name, 1, h, "unknown field of a %s record",
                              rt->name);
            goto done;
        }
    }
    if (!rt && type_col < 0) {
        rc = pw_error_set(err, PW_EINVAL, name, 1, "type",
                          "give the record type (--type, or a 'type' column)");
        goto done;
    }
    long at = 1; /* lines written to the output so far */
    while ((rc = next_row(&p, end, sep, &line, &r, &got, name, err)) == PW_OK && got) {
        if (blank_row(&r))
            continue;
        if (r.n != head.n) {
            rc = pw_error_set(err, PW_EPARSE, name, r.line, NULL,
                              "%d cells where the header has %d", r.n, head.n);
            goto done;
        }
        const pwi_rectype *rrt = rt;
        if (type_col >= 0) {
            const char *t = trim(r.cell[type_col]);
            if (!(rrt = pwi_dict_find(t))) {
                rc = pw_error_set(err, PW_EINVAL, name, r.line, "type",
                                  "unknown record type '%.40s'", t);
                goto done;
            }
        }
        rec = json_object();
        json_object_set_new(rec, "type", json_string(rrt->name));
        /* An amendment's value takes the kind of the field it corrects. */
        const pwi_field *target = NULL;
        if (strcmp(rrt->name, "amendment") == 0) {
            const char *rname = NULL, *fname = NULL;
            for (int i = 0; i < head.n; i++) {
                if (strcmp(head.cell[i], "record") == 0)
                    rname = trim(r.cell[i]);
                if (strcmp(head.cell[i], "field") == 0)
                    fname = trim(r.cell[i]);
            }
            target = pwi_dict_field(pwi_dict_find(rname), fname);
        }
        for (int i = 0; i < head.n; i++) {
            if (i == type_col)
                continue;
            const pwi_field *f = col[i] ? col[i] : pwi_dict_field(rrt, head.cell[i]);
            if (!f) {
                rc = pw_error_set(err, PW_EINVAL, name, r.line, head.cell[i],
                                  "unknown field of a %s record", rrt->name);
                goto done;
            }
            char *v = f->kind == PWI_F_NOTES ? r.cell[i] : trim(r.cell[i]);
            if (!*v)
                continue; /* an empty cell is a field not given */
            pwi_field_kind k = f->kind;
            if (target && strcmp(f->name, "value") == 0)
                k = target->kind;
            json_object_set_new(rec, f->name, cell_value(k, v));
        }
        char *js = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        json_decref(rec);
        rec = NULL;
        if (!js) {
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
            goto done;
        }
        /* Line up: this record on line r.line of the output. */
        assert(r.line > at);
        for (; at < r.line; at++)
            if ((rc = sb_put(&s, "\n", 1)) != PW_OK)
                break;
        if (rc == PW_OK && (rc = sb_put(&s, js, strlen(js))) != PW_OK)
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        free(js);
        if (rc != PW_OK)
            goto done;
        (*nrec)++;
    }
    if (rc != PW_OK)
        goto done;
    if (!s.b && sb_put(&s, "", 0) != PW_OK)
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
done:
    json_decref(rec);
    free(text);
    if (rc != PW_OK) {
        free(s.b);
        return rc;
    }
    *out = s.b;
    *outlen = s.n;
    return PW_OK;
}

int pw_registry_import_csv(const char *url, const char *as_token, const char *path,
                           const char *type, long *committed, pw_error *err)
{
    *committed = 0;
    char *buf = NULL, *jl = NULL;
    size_t len = 0, jlen = 0;
    long nrec = 0;
    pwi_reg *reg = NULL;
    int rc = pw_read_file(path, &buf, &len, err);
    if (rc == PW_OK)
        rc = pwi_csv_to_jsonl(buf, len, path, type, &jl, &jlen, &nrec, err);
    if (rc == PW_OK)
        rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc == PW_OK) {
        int64_t n = 0;
        /* All or nothing, through the same importer as JSON Lines. */
        rc = pwi_import_buffer(reg, jl, jlen, path, &n, err);
        *committed = (long)n;
        if (rc == PW_EPERM) {
            /* The refusal was undone with the transaction: keep it on
             * record, as the line importer does. */
            char object[300];
            snprintf(object, sizeof object, "import:%s:%ld", path, err->line);
            pwi_reg_audit_tx(reg, "denied", object, err->msg, NULL);
        }
    }
    pwi_reg_close(reg);
    free(buf);
    free(jl);
    return rc;
}
