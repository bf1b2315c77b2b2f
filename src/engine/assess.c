/*
 * pw_assess_json: one case in as JSON text, its decision out as JSON text,
 * for callers that hold no jansson types (the Python package, the HTTP
 * service, programs built against libpathways).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pathways/engine.h"
#include "engine_json.h"

int pw_assess_json(const pw_regime *r, const char *json, size_t len, const char *name,
                   char **out, size_t *out_len, pw_error *err)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    json_t *obj = NULL;
    int rc;
    if (!name)
        name = "<case>";
    *out = NULL;
    if (out_len)
        *out_len = 0;
    json_error_t je;
    /* Duplicate keys are refused, as `pathways assess` refuses them: a
     * case with two "age"s has no one meaning. */
    obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!obj) {
        rc = pw_error_set(err, PW_EPARSE, name, je.line > 0 ? je.line : 1, "", "%s", je.text);
        goto done;
    }
    if (!json_is_object(obj)) {
        rc = pw_error_set(err, PW_EPARSE, name, 1, "", "a case is a JSON object");
        goto done;
    }
    pw_case c;
    pw_decision d;
    if ((rc = pw_case_from_json(obj, &c, name, 1, err)) != PW_OK)
        goto done;
    rc = pw_decide(r, &c, &d);
    if (rc == PW_ENOTFOUND) {
        pw_error_set(err, rc, name, 1, "", "regime '%s' has no rule that decides this case "
                     "(a gap in the regime file)", pw_regime_name(r));
        goto done;
    }
    if (rc != PW_OK) {
        pw_error_set(err, rc, name, 1, "", "the case cannot be decided");
        goto done;
    }
    if ((rc = pw_decision_append_json(r, &c, &d, json_object_get(obj, "id"), &buf, &n,
                                      &cap)) != PW_OK) {
        pw_error_set(err, rc, name, 0, "", "out of memory");
        goto done;
    }
    *out = buf;
    buf = NULL;
    if (out_len)
        *out_len = n;
done:
    free(buf);
    json_decref(obj);
    return rc;
}
