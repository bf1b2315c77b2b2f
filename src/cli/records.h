/*
 * Rows of data on stdout in the shape `--format csv|json` promises
 * everywhere (opt.h, PW_OPT_FORMAT): CSV with a header line for a
 * spreadsheet, or one JSON array of objects (indented), as `params` and
 * `regimes` write them. Commands whose data comes as JSON (the registry's
 * listings) hand it here instead of each writing its own CSV.
 */
#ifndef PW_CLI_RECORDS_H
#define PW_CLI_RECORDS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Writes `rows` (a JSON array of objects) to f as `format` ("csv" or
 * "json"). CSV: the header is every key in the order it first appears;
 * a missing key or null is an empty field, true/false are written as
 * such, a nested object or array as its compact JSON text in one field.
 * Returns 0, or -1 if a write failed or `rows` is not an array of objects. */
int pw_cli_records_write(FILE *f, const char *format, const json_t *rows);

/* Parses JSON Lines (one object per non-blank line) into a new array in
 * *rows. Returns 0, or -1 (a line that is not an object; *rows is NULL). */
int pw_cli_records_from_lines(const char *text, size_t len, json_t **rows);

#endif /* PW_CLI_RECORDS_H */
