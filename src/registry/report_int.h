/*
 * Shared helpers of the report files (report*.c, export*.c); internal.
 */
#ifndef PWI_REPORT_INT_H
#define PWI_REPORT_INT_H

#include <stdint.h>

#include <jansson.h>

#include "report.h"
#include "survival.h"

/* Day thresholds used across reports (docs/registry.md lists sources). */
#define PWI_RETENTION_DAYS 84    /* NDTMS "effective treatment": 12 weeks */
#define PWI_REPRESENT_DAYS 182   /* re-presentation window: 6 months */
#define PWI_SIX_MONTHS 182       /* the 6-month review, from episode start */
#define PWI_SIX_MONTH_WINDOW 30  /* +- days a review counts as "6-month" */
/* Reliable change in days of use out of 28 and in 0-20 ratings: Marsden et
 * al. (2009) set per-substance thresholds that we could not
 * find; these are our assumption, kept here in one place. */
#define PWI_RELIABLE_USE_DAYS 8
#define PWI_RELIABLE_RATING 5

/* A report body as jansson JSON or as a CSV buffer. */
typedef struct pwi_report_out {
    json_t *json;  /* set for JSON reports */
    char *text;    /* set for CSV (malloc'd) */
    size_t len;
} pwi_report_out;

/* One function per kind; each reads the database (no transaction of its
 * own) and fills *out. `audit_objects` receives the person-level objects
 * it disclosed ("episode:12"), which the caller appends to the audit log
 * in the same transaction as the report's own entry. */
typedef struct pwi_strlist {
    char **v;
    size_t n, cap;
} pwi_strlist;

int pwi_strlist_add(pwi_strlist *l, const char *s);

/* Makes room for item n of the growing array v (*cap items of `size`
 * bytes; the capacity doubles, from `first`): returns the array to use
 * from now on, or NULL when out of memory, v then unchanged and still the
 * caller's. The reports' row and name lists all grow this way (report.c). */
void *pwi_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);
void pwi_strlist_free(pwi_strlist *l);

int pwi_report_relapse(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out, pw_error *err);
int pwi_report_caseload(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out, pw_error *err);
int pwi_report_overdue(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                       pwi_strlist *audit_objects, pw_error *err);
int pwi_report_completeness(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out, pw_error *err);
int pwi_report_outcomes(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out, pw_error *err);
int pwi_report_flags(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                     pwi_strlist *audit_objects, pw_error *err);
int pwi_export_tdi(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                   pwi_strlist *audit_objects, pw_error *err);

/* Relapse-survival observations by group (report.c), shared by the
 * relapse-survival and flags reports. Groups are sorted by name; the
 * observations of group k are obs[start[k] .. start[k] + count[k]). */
typedef struct pwi_relapse_data {
    size_t ngroups, n;
    char **names;
    pwi_surv_obs *obs;
    size_t *start, *count;
} pwi_relapse_data;
int pwi_relapse_collect(pwi_reg *reg, const pwi_report_opts *o, pwi_relapse_data *d,
                        pw_error *err);
void pwi_relapse_data_free(pwi_relapse_data *d);

/*
 * Tests only (NULL in the program): called by pwi_relapse_collect between
 * its first query (the discharges) and its second (the relapses), so that
 * test_report_snapshot can commit a record from another connection exactly
 * there and check the report does not see it. Set by a single-threaded
 * test before any report runs; never by the server.
 */
typedef struct pwi_report_probe {
    void (*between_queries)(void *ctx);
    void *ctx;
} pwi_report_probe;
extern pwi_report_probe pwi_report_test_probe;

/* The grouping's name as the reports write it ("substance", "site"...). */
const char *pwi_report_by_name(pwi_report_by by);
/* The SQL expression grouping episodes (alias e) for `by`. */
const char *pwi_report_group_sql(pwi_report_by by);

/* A person-level label the caller may see: the episode ref when the role
 * may read identities, else a pseudonym (first 16 hex digits of the
 * person's keyed hash), so analysts get pseudonymised rows only. */
json_t *pwi_report_subject(const pwi_reg *reg, int64_t episode_id,
                           const char *episode_ref, const char *pkey);

/* Two-sided z for proportions x1/n1 vs x2/n2 (pooled), 0 if undefined. */
double pwi_prop_z(long x1, long n1, long x2, long n2);

/* "YYYY-MM-DD" as a JSON string. */
json_t *pwi_json_day(int32_t day);

#endif /* PWI_REPORT_INT_H */
