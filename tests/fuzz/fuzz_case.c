/*
 * Fuzz harness: a case as JSON (the input of `pathways assess` and of the
 * registry), through both of its readers: jansson with pw_case_from_json,
 * and the fast scanner pw_case_scan. Promise: no crash; and whenever the
 * scanner accepts a line, the jansson path accepts it too and the decision
 * is the same, byte for byte (the scanner is only a faster way to the
 * same answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathways/engine.h"
#include "engine/engine_json.h"

static pw_regime *regime;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pw_error err;
    pw_error_clear(&err);
    if (pw_regime_load("kz-current", &regime, &err) != PW_OK) {
        fprintf(stderr, "fuzz_case: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!regime)
        LLVMFuzzerInitialize(NULL, NULL);
    const char *text = (const char *)data;
    pw_error err;
    pw_error_clear(&err);

    pw_case cs;
    pw_case_id id;
    int scanned = pw_case_scan(text, size, &cs, &id) == PW_OK;

    json_error_t je;
    /* As `pathways assess` reads a line the scanner passes over. */
    json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, &je);
    pw_case cj;
    int parsed = doc && pw_case_from_json(doc, &cj, "fuzz", 1, &err) == PW_OK;
    if (doc && !parsed)
        FUZZ_CHECK(err.msg[0], "a refused case without a message");
    if (scanned)
        FUZZ_CHECK(parsed, "the scanner accepted a case that jansson refuses");

    char *a = NULL, *b = NULL;
    size_t alen = 0, acap = 0, blen = 0, bcap = 0;
    pw_decision dj, ds;
    int dec_j = parsed ? pw_decide(regime, &cj, &dj) : -1;
    if (parsed && dec_j == PW_OK) {
        const json_t *jid = json_object_get(doc, "id");
        FUZZ_CHECK(pw_decision_append_json(regime, &cj, &dj, jid, &a, &alen, &acap) == PW_OK,
                   "cannot write the decision");
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            pw_decision_explain(regime, &cj, &dj, "x", null);
            fclose(null);
        }
    }
    if (scanned) {
        int dec_s = pw_decide(regime, &cs, &ds);
        FUZZ_CHECK(dec_s == dec_j, "the two readers' cases decide differently");
        if (dec_s == PW_OK) {
            FUZZ_CHECK(pw_decision_append_json_scanned(regime, &cs, &ds, &id, &b, &blen, &bcap) ==
                           PW_OK,
                       "cannot write the scanned decision");
            FUZZ_CHECK(alen == blen && memcmp(a, b, alen) == 0,
                       "the scanned and the parsed case give different decisions");
        }
    }
    free(a);
    free(b);
    json_decref(doc);
    return 0;
}
