/*
 * report_sheet.h: a report's JSON as CSV or as an Excel workbook
 * (internal; see report_sheet.c for how a report becomes tables).
 */
#ifndef PWI_REPORT_SHEET_H
#define PWI_REPORT_SHEET_H

#include <stddef.h>

#include "pathways/core.h"

#define PWI_SHEET_MAX_TABLES 32

#define PWI_CSV_TYPE "text/csv; charset=utf-8"
#define PWI_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* One table of the report as CSV (UTF-8 with a byte-order mark, CRLF):
 * `table` names it, NULL or "" for the report's first table (after the
 * summary). PW_EINVAL naming the tables there are when it has none such. */
int pwi_report_csv(const char *report, size_t len, const char *table, char **out,
                   size_t *outlen, pw_error *err);

/* Every table of the report, one sheet each, as an .xlsx workbook. */
int pwi_report_xlsx(const char *report, size_t len, char **out, size_t *outlen,
                    pw_error *err);

#endif /* PWI_REPORT_SHEET_H */
