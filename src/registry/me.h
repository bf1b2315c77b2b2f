/*
 * "Who am I": the signed-in user's name, role and permissions
 * (internal; GET /api/v1/me).
 *
 * The web front-end signs in by asking this with the pasted token, and
 * decides which views to offer from the `read` and `write` lists, which
 * come straight from the permission matrix in auth.c: the UI never keeps a
 * copy of the matrix that could drift from what the server enforces. The
 * server still checks every later request itself.
 */
#ifndef PWI_ME_H
#define PWI_ME_H

#include <stddef.h>

#include "reg.h"
#include "report.h"

/*
 * {"name", "role", "read": [objects], "write": [objects]} for reg's user
 * (object names as pwi_object_name). Audited as action "read", object
 * "me", through `audit` (or its own transaction when NULL), before the
 * answer is given. *out is malloc'd.
 */
int pwi_me_json(pwi_reg *reg, const pwi_audit_hook *audit, char **out,
                size_t *len, pw_error *err);

#endif /* PWI_ME_H */
