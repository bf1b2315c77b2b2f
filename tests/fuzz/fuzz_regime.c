/*
 * Fuzz harness: the regime loader (YAML -> compiled rules), then every
 * loaded regime deciding a few fixed cases. An input is the text of one
 * regime file. Promise: a bad file is refused with an error, never a
 * crash; a loaded one decides any case without touching memory it does
 * not own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathways/engine.h"
#include "engine/engine_json.h"

static char path[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "%s/regime.yaml", pw_fuzz_dir());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        LLVMFuzzerInitialize(NULL, NULL);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f, "cannot write the scratch file");
    if (size)
        fwrite(data, 1, size, f);
    fclose(f);

    pw_regime *r = NULL;
    pw_error err;
    pw_error_clear(&err);
    int rc = pw_regime_load(path, &r, &err);
    if (rc != PW_OK) {
        FUZZ_CHECK(r == NULL, "a refused regime was returned");
        FUZZ_CHECK(err.msg[0], "a refusal without a message");
        return 0;
    }
    /* Cases across the events, amounts and records the rules look at. */
    static const char *const cases[] = {
        "{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":6}]}",
        "{\"age\":17,\"event\":\"possession\",\"amount\":\"large\",\"prior_drug_offences\":2,"
        "\"substances\":[{\"substance\":\"cannabis\",\"dsm5_criteria\":0}]}",
        "{\"age\":45,\"event\":\"supply\",\"role\":\"courier\",\"violent\":true,"
        "\"substances\":[{\"substance\":\"methamphetamine\",\"dsm5_criteria\":3}]}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *doc = json_loads(cases[i], 0, NULL);
        pw_case c;
        pw_decision d;
        if (doc && pw_case_from_json(doc, &c, "fuzz", 1, &err) == PW_OK &&
            pw_decide(r, &c, &d) == PW_OK) {
            json_t *out = pw_decision_to_json(r, &c, &d, "x");
            FUZZ_CHECK(out, "a decision without its JSON");
            json_decref(out);
        }
        json_decref(doc);
    }
    for (int i = 0; i < pw_regime_rule_count(r); i++)
        FUZZ_CHECK(pw_rule_id(r, i) && pw_rule_stage(r, i), "a rule without id or stage");
    pw_regime_free(r);
    return 0;
}
