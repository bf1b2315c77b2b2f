/*
 * A page of episodes, filtered by programme and phase, for the web
 * front-end's episode list (internal; GET /api/v1/episodes).
 *
 * Each row is a subject as pwi_report_subject() shows it (the ref for
 * roles that may read identities, else the pseudonym) with programme,
 * regime, status, start and current phase: nothing clinical, so the list
 * needs only the right to read episodes, like the person-level reports.
 * The list and every episode on the page are audited before the answer is
 * given, as the flags report does for the episodes it lists.
 */
#ifndef PWI_EPISODE_LIST_H
#define PWI_EPISODE_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "reg.h"
#include "report.h"

/* Page sizes: the default, and the most one request may ask for (every
 * row on a page costs an audit entry). */
#define PWI_EPISODE_LIST_DEFAULT 50
#define PWI_EPISODE_LIST_MAX 500

typedef struct pwi_episode_query {
    const char *programme; /* NULL or "": any */
    /* NULL or "": any. The phase on as_of: "discharged" once discharged,
     * "rejected", else as the caseload report defines it: the plan phase
     * that started last on or before as_of, else the episode's status
     * (e.g. "pending_panel"). */
    const char *phase;
    /* NULL or "": any. The episode's status (pending_panel, active,
     * rejected, discharged): status=pending_panel is the panel's queue. */
    const char *status;
    /* NULL or "": any. The episode's site (migration 6). */
    const char *site;
    int32_t as_of; /* day number for the phase */
    long limit;    /* 1..PWI_EPISODE_LIST_MAX */
    long offset;   /* >= 0 */
} pwi_episode_query;

/* Where the request's parameters come from: the value of `name`, or NULL
 * when absent (the HTTP server passes its query-string lookup, so this
 * module does not depend on libmicrohttpd). */
typedef const char *(*pwi_param_fn)(void *ctx, const char *name);

/*
 * Fills q from the parameters programme, phase, as_of (YYYY-MM-DD, default
 * today), limit and offset (defaults above). A value out of range or not a
 * whole number or date is PW_EINVAL naming the field. The strings in q
 * point into what `get` returned.
 */
int pwi_episode_query_parse(pwi_param_fn get, void *ctx, pwi_episode_query *q,
                            pw_error *err);

/*
 * {"total", "limit", "offset", "as_of", "episodes": [{"episode_id",
 * "episode" | "pseudonym", "programme", "regime", "status", "start",
 * "phase"}]} in id order. PW_EPERM (audited as denied) for a role that may
 * not read episodes. *out is malloc'd.
 */
int pwi_episode_list_json(pwi_reg *reg, const pwi_episode_query *q,
                          const pwi_audit_hook *audit, char **out, size_t *len, pw_error *err);

#endif /* PWI_EPISODE_LIST_H */
