/*
 * The registry's reports (internal): effectiveness and data-quality reports
 * computed from the database, filtered by the caller's role and audited.
 * Shared by `pathways registry report` and the HTTP API so both give the
 * same bytes for the same question.
 *
 * Kinds (docs/registry.md, "Reports and HTTP API", defines each one):
 *   relapse-survival  time to relapse after a successful discharge
 *                     (Kaplan-Meier + Aalen-Johansen), by programme,
 *                     regime or substance
 *   caseload          open episodes by phase
 *   overdue           outcome reviews past their window
 *   completeness      share of due reviews recorded, by programme (< 80%
 *                     flagged)
 *   outcomes          retention, successful completion, re-presentation,
 *                     abstinence and reliable improvement at 6 months
 *   flags             persons due a plan review, with the reason, and
 *                     programmes clearly worse than the others
 *   tdi-export        treatment entries in the EMCDDA TDI 3.0 layout (CSV)
 */
#ifndef PWI_REPORT_H
#define PWI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pathways/core.h"
#include "reg.h"

typedef enum {
    PWI_REPORT_RELAPSE_SURVIVAL,
    PWI_REPORT_CASELOAD,
    PWI_REPORT_OVERDUE,
    PWI_REPORT_COMPLETENESS,
    PWI_REPORT_OUTCOMES,
    PWI_REPORT_FLAGS,
    PWI_REPORT_TDI_EXPORT,
    PWI_REPORT_COUNT
} pwi_report_kind;

/* "relapse-survival", ...; -1 if unknown. */
int pwi_report_parse(const char *name);
const char *pwi_report_name(pwi_report_kind k);

/* PWI_BY_SITE and PWI_BY_OBLAST (migration 6) are the national roll-up:
 * aggregates by treatment centre or oblast, with no identity in them. */
typedef enum {
    PWI_BY_NONE,
    PWI_BY_PROGRAMME,
    PWI_BY_REGIME,
    PWI_BY_SUBSTANCE,
    PWI_BY_SITE,
    PWI_BY_OBLAST
} pwi_report_by;

/* "programme", "regime", "substance" ("" or NULL = none); -1 if unknown. */
int pwi_report_by_parse(const char *name);

/*
 * Where a report's audit entries go. With no hook (NULL) the entries are
 * appended in a transaction of their own on the registry's connection and
 * committed before the report is returned (the command line). The HTTP
 * server installs a hook that group-commits the entries of concurrent
 * requests (http_audit.c); it too returns only once they are durable, so
 * nothing is disclosed that is not on record either way.
 */
typedef struct pwi_audit_entry {
    const char *action, *object, *detail;
} pwi_audit_entry;

typedef struct pwi_audit_hook {
    int (*write)(void *ctx, const pwi_user *user, const pwi_audit_entry *e, size_t n,
                 pw_error *err);
    void *ctx;
} pwi_audit_hook;

typedef struct pwi_report_opts {
    pwi_report_kind kind;
    pwi_report_by by;
    /* Day number of "today" for overdue reviews, censoring and windows; the
     * caller sets pwi_today() unless the user asked for another date. */
    int32_t as_of;
    /* NULL: audit in the registry's own transaction (see above). */
    const pwi_audit_hook *audit;
} pwi_report_opts;

/*
 * Computes a report as the signed-in user of `reg`. Checks the role first
 * (PW_EPERM, with a "denied" audit entry, if it may not), reads the
 * database, then writes the audit entries of the read (opts->audit) and
 * returns only once they are committed, so a report that was shown is
 * always on record.
 * On success *out is a malloc'd NUL-terminated document (JSON, or CSV for
 * tdi-export), *len its length and *content_type its MIME type.
 */
int pwi_report_run(pwi_reg *reg, const pwi_report_opts *opts, char **out,
                   size_t *len, const char **content_type, pw_error *err);

/*
 * One episode as JSON, for `GET /api/v1/episodes/{id}`: `id_or_ref` is the
 * registry's numeric id or the ref given at import. Each part of the record
 * (identity, case, panel, attendance, reviews, notes, tests, compliance,
 * discharge, outcomes) is included only if the role may read it; the parts
 * left out are named in "withheld". The read is audited. PW_EPERM if the
 * role may not read episodes at all, PW_ENOTFOUND if there is no such
 * episode.
 */
int pwi_episode_json(pwi_reg *reg, const char *id_or_ref,
                     const pwi_audit_hook *audit, char **out, size_t *len,
                     pw_error *err);

/* Appends `n` entries as reg's user in one transaction of their own (the
 * behaviour without a hook). */
int pwi_report_audit(pwi_reg *reg, const pwi_audit_hook *audit,
                     const pwi_audit_entry *e, size_t n, pw_error *err);

#endif /* PWI_REPORT_H */
