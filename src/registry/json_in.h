/*
 * json_in.h: the one strict reader of JSON that comes in from outside
 * (a line of `registry import`, a POST body of `pathways serve`).
 *
 * Strict means: a duplicate key anywhere is refused (jansson would keep
 * the last: {"role":"lab","role":"admin"}), so are unknown top-level
 * fields when the caller lists the known ones, and control characters in
 * any key or string (U+0000-U+001F, U+007F-U+009F): a name with a newline
 * splits a log line or a CSV row, an escape sequence rewrites a terminal.
 * Only the free-text fields the caller names may hold line breaks and
 * tabs (clinical notes).
 */
#ifndef PW_REGISTRY_JSON_IN_H
#define PW_REGISTRY_JSON_IN_H

#include <stddef.h>

#include <jansson.h>

#include "pathways/core.h"

/*
 * Parses `len` bytes of `text` as one JSON object into *out (the caller
 * json_decref()s it). `fields` lists the allowed top-level keys
 * (NULL-terminated; NULL: the caller checks them itself, e.g. after
 * reading a "type"); `multiline` the top-level keys whose strings may
 * hold \t, \n and \r (NULL: none). Errors name `name`, `line` and the
 * field: PW_EPARSE for what is not one JSON object, PW_EINVAL for an
 * unknown field or a control character.
 */
int pwi_json_read(const char *text, size_t len, const char *name, long line,
                  const char *const *fields, const char *const *multiline, json_t **out,
                  pw_error *err);

/* The unknown-field check alone, for a caller that learns the allowed
 * keys after parsing ("type" always allowed when `type_ok`). */
int pwi_json_known_fields(const json_t *obj, const char *const *fields, int type_ok,
                          const char *name, long line, pw_error *err);

#endif
