/*
 * json_in.c: the strict JSON reader for records and request bodies (see
 * json_in.h).
 */
#include <assert.h>
#include <string.h>

#include "json_in.h"

static int listed(const char *key, const char *const *list)
{
    for (int i = 0; list && list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

/*
 * The first control character in UTF-8 text (which jansson has checked):
 * C0 (< 0x20), DEL, and C1 (U+0080-U+009F, encoded 0xC2 0x80-0x9F).
 * Tab, LF and CR pass when `breaks_ok`. Returns its code point, or -1.
 */
static int control_char(const char *s, size_t n, int breaks_ok)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20) {
            if (breaks_ok && (p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
                continue;
            return p[i];
        }
        if (p[i] == 0x7f)
            return 0x7f;
        if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
            return p[i + 1];
    }
    return -1;
}

/* Walks every key and string under `v`, top-level key `field`. */
static int check_strings(const json_t *v, const char *field, int breaks_ok, const char *name,
                         long line, pw_error *err)
{
    int c;
    if (json_is_string(v)) {
        if ((c = control_char(json_string_value(v), json_string_length(v), breaks_ok)) >= 0)
            return pw_error_set(err, PW_EINVAL, name, line, field,
                                "control character U+%04X in a string (not allowed%s)", c,
                                breaks_ok ? "; tabs and line breaks are" : "");
        return PW_OK;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            int rc = check_strings(x, field, breaks_ok, name, line, err);
            if (rc != PW_OK)
                return rc;
        }
        return PW_OK;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x) {
            if (control_char(key, strlen(key), 0) >= 0)
                return pw_error_set(err, PW_EINVAL, name, line, field,
                                    "a key holds a control character");
            int rc = check_strings(x, field, breaks_ok, name, line, err);
            if (rc != PW_OK)
                return rc;
        }
    }
    return PW_OK;
}

int pwi_json_known_fields(const json_t *obj, const char *const *fields, int type_ok,
                          const char *name, long line, pw_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (!(type_ok && strcmp(key, "type") == 0) && !listed(key, fields))
            return pw_error_set(err, PW_EINVAL, name, line, key, "unknown field");
    }
    return PW_OK;
}

int pwi_json_read(const char *text, size_t len, const char *name, long line,
                  const char *const *fields, const char *const *multiline, json_t **out,
                  pw_error *err)
{
    *out = NULL;
    json_error_t je;
    /* Duplicates are refused at every depth (JSON_REJECT_DUPLICATES);
     * \u0000 is refused by jansson unless JSON_ALLOW_NUL. */
    json_t *v = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return pw_error_set(err, PW_EPARSE, name, je.line > 0 ? line - 1 + je.line : line, NULL,
                            "invalid JSON at column %d: %s", je.column, je.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return pw_error_set(err, PW_EPARSE, name, line, NULL, "must be a JSON object");
    }
    int rc = PW_OK;
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x) {
        /* A key is named in the message only once it is known clean. */
        if (control_char(key, strlen(key), 0) >= 0) {
            rc = pw_error_set(err, PW_EINVAL, name, line, NULL,
                              "a key holds a control character");
            break;
        }
        if ((rc = check_strings(x, key, listed(key, multiline), name, line, err)) != PW_OK)
            break;
    }
    if (rc == PW_OK && fields)
        rc = pwi_json_known_fields(v, fields, 0, name, line, err);
    if (rc != PW_OK) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return PW_OK;
}
