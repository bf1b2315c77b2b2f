/*
 * GET /api/v1/me: who the token belongs to and what the role may do
 * (see me.h).
 */
#include "me.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The objects `role` may `action`, in the matrix's order. */
static json_t *allowed_list(pwi_role role, pwi_action action)
{
    json_t *a = json_array();
    for (int o = 0; a && o < PWI_OBJ_COUNT; o++)
        if (pwi_allowed(role, action, (pwi_object)o) &&
            json_array_append_new(a, json_string(pwi_object_name((pwi_object)o))) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

int pwi_me_json(pwi_reg *reg, const pwi_audit_hook *audit, char **out,
                size_t *len, pw_error *err)
{
    *out = NULL;
    *len = 0;
    /* Only a signed-in request gets here (the server authenticates first). */
    assert(reg->has_user);
    int rc = PW_OK;
    json_t *rd = allowed_list(reg->user.role, PWI_READ);
    json_t *wr = allowed_list(reg->user.role, PWI_WRITE);
    /* "o" steals the references, also when json_pack fails. */
    json_t *doc = rd && wr ? json_pack("{s:s, s:s, s:o, s:o}", "name", reg->user.name,
                                       "role", pwi_role_name(reg->user.role), "read", rd,
                                       "write", wr)
                           : NULL;
    if (!rd || !wr) {
        json_decref(rd);
        json_decref(wr);
    }
    if (!doc) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* The user's scope (scope.h), so the page can say what it shows: the
     * site (null: every site) and whether only court episodes are seen. */
    json_object_set_new(doc, "site", reg->user.site[0] ? json_string(reg->user.site) : json_null());
    json_object_set_new(doc, "court_only",
                        json_boolean(reg->user.role == PWI_ROLE_COURT_LIAISON));
    /* Who signed in, and when, is itself on record, like any other read. */
    pwi_audit_entry e = {"read", "me", NULL};
    if ((rc = pwi_report_audit(reg, audit, &e, 1, err)) != PW_OK)
        goto done;
    *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!*out) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    *len = strlen(*out);
done:
    json_decref(doc);
    return rc;
}
