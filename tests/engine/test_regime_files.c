/*
 * Regime files written by users: a copy with a changed rule is loaded by
 * path and changes decisions; every kind of mistake is refused with the
 * file, the line and the key at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pathways/engine.h"
#include "engine/engine_json.h"

static char dir[] = "/tmp/pw_regime_files_XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A small valid regime; the error cases below each break one line of it. */
#define HEAD                                                                                   \
    "name: mine\n"                          /* 1 */                                            \
    "title: My regime\n"                    /* 2 */                                            \
    "summary: a test regime for the engine\n" /* 3 */                                          \
    "stages:\n"                             /* 4 */                                            \
    "  - stage: offence\n"                  /* 5 */                                            \
    "    rules:\n"                          /* 6 */

#define GOOD_RULE                                                                              \
    "      - id: any\n"                     /* 7 */                                            \
    "        then: {route: health, disposition: brief_intervention}\n" /* 8 */                 \
    "        why: everything is a health matter\n" /* 9 */                                     \
    "        source: a test\n"              /* 10 */

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static pw_case a_case(const char *substance, int dsm5, pw_event ev)
{
    pw_case c = {.age = 30, .event = ev, .substance = pw_substance_lookup(substance),
                 .dsm5_criteria = dsm5, .assist_score = -1};
    assert_true(c.substance >= 0);
    return c;
}

static void minimal_regime_loads(void **state)
{
    (void)state;
    pw_regime *r;
    pw_error e;
    pw_error_clear(&e);
    const char *path = write_file("ok.yaml", HEAD GOOD_RULE);
    assert_int_equal(pw_regime_load(path, &r, &e), PW_OK);
    assert_string_equal(pw_regime_name(r), "mine");
    assert_string_equal(pw_regime_origin(r), path);
    pw_case c = a_case("heroin", 11, PW_EVENT_DISTRIBUTION);
    pw_decision d;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    assert_int_equal(d.disposition, PW_DISP_BRIEF_INTERVENTION);
    assert_int_equal(d.n_trace, 1);
    assert_string_equal(pw_rule_id(r, d.trace[0]), "any");
    pw_regime_free(r);
}

/* `deferred` on a sentence is parsed (absent = false), may also come from a
 * later stage that sets no disposition, and is written in the JSON. */
static void deferred_sentence_parsed(void **state)
{
    (void)state;
    pw_regime *r;
    pw_error e;
    pw_error_clear(&e);
    const char *path = write_file("deferred.yaml", HEAD
                                  "      - id: court\n"
                                  "        when: {event: possession}\n"
                                  "        then:\n"
                                  "          route: diversion\n"
                                  "          disposition: drug_court\n"
                                  "          sentence: {custodial: true, max_years: 2, deferred: true}\n"
                                  "        why: w\n        source: s\n"
                                  "      - id: jail\n"
                                  "        then:\n"
                                  "          route: criminal\n"
                                  "          disposition: prison\n"
                                  "          sentence: {custodial: true, max_years: 2, deferred: false}\n"
                                  "        why: w\n        source: s\n"
                                  "  - stage: refine\n    rules:\n"
                                  "      - id: longer\n"
                                  "        when: {disposition: drug_court, amount: large}\n"
                                  "        then:\n"
                                  "          sentence: {custodial: true, max_years: 4, deferred: true}\n"
                                  "        why: w\n        source: s\n");
    int rc = pw_regime_load(path, &r, &e);
    if (rc)
        pw_error_print(&e, stderr, "test");
    assert_int_equal(rc, PW_OK);
    pw_case c = a_case("heroin", 6, PW_EVENT_POSSESSION);
    pw_decision d;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    assert_int_equal(d.disposition, PW_DISP_DRUG_COURT);
    assert_true(d.has_sentence && d.sentence.deferred && d.sentence.max_years == 2);
    json_t *j = pw_decision_to_json(r, &c, &d, NULL);
    assert_true(json_is_true(json_object_get(json_object_get(j, "sentence"), "deferred")));
    json_decref(j);
    c.amount = PW_AMOUNT_LARGE;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    assert_true(d.sentence.deferred && d.sentence.max_years == 4);
    c = a_case("heroin", 6, PW_EVENT_USE);
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    assert_int_equal(d.disposition, PW_DISP_PRISON);
    assert_true(d.has_sentence && !d.sentence.deferred);
    j = pw_decision_to_json(r, &c, &d, NULL);
    assert_true(json_is_false(json_object_get(json_object_get(j, "sentence"), "deferred")));
    json_decref(j);
    pw_regime_free(r);
}

/* The user story: copy the built-in hybrid, change one rule, run it. */
static void edited_copy_of_hybrid(void **state)
{
    (void)state;
    size_t len;
    const char *text = pw_data_get("regimes/hybrid.yaml", &len);
    assert_non_null(text);
    /* Make moderate synthetic use an outpatient matter: the synthetic rule
     * now asks for a severe disorder, like every other substance. */
    const char *needle = "substance_group: synthetic_nps, severity_at_least: moderate";
    const char *at = strstr(text, needle);
    assert_non_null(at);
    char *copy = malloc(len + 16);
    size_t head = (size_t)(at - text);
    memcpy(copy, text, head);
    strcpy(copy + head, "substance_group: synthetic_nps, severity_at_least: severe");
    strcat(copy, at + strlen(needle));
    const char *path = write_file("my-hybrid.yaml", copy);
    free(copy);

    pw_regime *orig, *mine;
    pw_error e;
    assert_int_equal(pw_regime_load("hybrid", &orig, &e), PW_OK);
    assert_int_equal(pw_regime_load(path, &mine, &e), PW_OK);
    pw_case c = a_case("synthetic_cannabinoids", 4, PW_EVENT_USE);
    pw_decision d1, d2;
    assert_int_equal(pw_decide(orig, &c, &d1), PW_OK);
    assert_int_equal(pw_decide(mine, &c, &d2), PW_OK);
    assert_int_equal(d1.disposition, PW_DISP_COMPULSORY_INPATIENT_TREATMENT);
    assert_int_equal(d2.disposition, PW_DISP_OUTPATIENT_TREATMENT);
    assert_false(d2.requires_panel_signoff);
    pw_regime_free(orig);
    pw_regime_free(mine);
}

/* A regime without a catch-all leaves some cases undecided: reported. */
static void gap_is_reported(void **state)
{
    (void)state;
    pw_regime *r;
    pw_error e;
    const char *path = write_file("gap.yaml", HEAD
                                  "      - id: use_only\n"
                                  "        when: {event: use}\n"
                                  "        then: {route: health, disposition: no_action}\n"
                                  "        why: only use is covered\n"
                                  "        source: a test\n");
    assert_int_equal(pw_regime_load(path, &r, &e), PW_OK);
    pw_case c = a_case("cannabis", 0, PW_EVENT_USE);
    pw_decision d;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    c.event = PW_EVENT_POSSESSION;
    assert_int_equal(pw_decide(r, &c, &d), PW_ENOTFOUND);
    pw_regime_free(r);
}

typedef struct {
    const char *what, *text;
    int status;
    long line;
    const char *field, *msg_part;
} bad_file;

static const bad_file bad[] = {
    {"typo in a top-level key", "name: mine\ntitel: x\nsummary: s\nstages: []\n", PW_EINVAL, 2, "titel", NULL},
    {"no stages", "name: mine\ntitle: t\nsummary: s\n", PW_EINVAL, 1, "stages", NULL},
    {"typo in a condition", HEAD "      - id: a\n        when: {severty: severe}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 8, "severty", NULL},
    {"unknown disposition", HEAD "      - id: a\n        then: {route: health, disposition: jail}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 8, "disposition", "not one of"},
    {"unknown event in a list", HEAD "      - id: a\n        when:\n          event: [use, sale]\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 9, "event", "'sale'"},
    {"unknown substance", HEAD "      - id: a\n        when: {substance: [heroin, spicey]}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 8, "substance", "spicey"},
    {"rule without then", HEAD "      - id: a\n        why: w\n        source: s\n", PW_EINVAL, 7, "then", NULL},
    {"rule without source", HEAD "      - id: a\n        then: {route: health, disposition: no_action}\n"
     "        why: w\n", PW_EINVAL, 7, "source", NULL},
    {"empty why", HEAD "      - id: a\n        then: {route: health, disposition: no_action}\n"
     "        why: ''\n        source: s\n", PW_EINVAL, 9, "why", "empty"},
    {"duplicate rule id", HEAD GOOD_RULE GOOD_RULE, PW_ECONFLICT, 11, "id", "twice"},
    {"severity bounds exclude everything", HEAD "      - id: a\n"
     "        when: {severity_at_least: severe, severity_at_most: mild}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 8, "severity", "exclude"},
    {"range min above max", HEAD "      - id: a\n        when:\n          age: {min: 30, max: 18}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 9, "age", "above"},
    {"typo in a range", HEAD "      - id: a\n        when:\n          age: {minimum: 3}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 9, "minimum", NULL},
    {"measure with max below min", HEAD "      - id: a\n        then:\n          route: health\n"
     "          disposition: no_action\n          measures:\n"
     "            - {type: detoxification, min_months: 3, max_months: 1}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 12, "max_months", NULL},
    {"unknown measure", HEAD "      - id: a\n        then:\n          route: health\n"
     "          disposition: no_action\n          measures:\n            - {type: hugs}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 12, "type", "hugs"},
    {"parole window reversed", HEAD "      - id: a\n        then:\n          route: criminal\n"
     "          disposition: prison\n          sentence:\n            custodial: true\n"
     "            parole_eligible_years: [5, 3.5]\n        why: w\n        source: s\n",
     PW_EINVAL, 13, "parole_eligible_years", NULL},
    {"sentence without custodial", HEAD "      - id: a\n        then:\n          route: criminal\n"
     "          disposition: prison\n          sentence: {max_years: 3}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 11, "custodial", NULL},
    {"negative term", HEAD "      - id: a\n        then:\n          route: criminal\n"
     "          disposition: prison\n          sentence: {custodial: true, max_years: -3}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 11, "max_years", NULL},
    {"deferred not a boolean", HEAD "      - id: a\n        then:\n          route: diversion\n"
     "          disposition: drug_court\n          sentence: {custodial: true, deferred: later}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 11, "deferred", NULL},
    {"deferred sentence without a drug court", HEAD "      - id: a\n        then:\n"
     "          route: criminal\n          disposition: prison\n"
     "          sentence: {custodial: true, max_years: 3, deferred: true}\n"
     "        why: w\n        source: s\n", PW_EINVAL, 11, "deferred", "drug_court"},
    {"bad boolean", HEAD "      - id: a\n        when: {violent: perhaps}\n"
     "        then: {route: health, disposition: no_action}\n        why: w\n        source: s\n",
     PW_EINVAL, 8, "violent", NULL},
    {"then sets nothing", HEAD "      - id: a\n        then: {}\n        why: w\n        source: s\n",
     PW_EINVAL, 8, "then", NULL},
    {"too many measures across stages", HEAD "      - id: a\n        then:\n"
     "          route: health\n          disposition: no_action\n          measures:\n"
     "            - {type: fine}\n            - {type: fine}\n            - {type: fine}\n"
     "            - {type: fine}\n            - {type: fine}\n"
     "        why: w\n        source: s\n"
     "  - stage: more\n    rules:\n      - id: b\n        then:\n          measures:\n"
     "            - {type: fine}\n            - {type: fine}\n            - {type: fine}\n"
     "            - {type: fine}\n        why: w\n        source: s\n",
     PW_EINVAL, 19, "measures", "at most 8"},
};

static void bad_files_are_located(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const bad_file *b = &bad[i];
        pw_regime *r = (pw_regime *)1;
        pw_error e;
        pw_error_clear(&e);
        const char *path = write_file("bad.yaml", b->text);
        int rc = pw_regime_load(path, &r, &e);
        char msg[900];
        pw_error_format(&e, msg, sizeof msg);
        if (rc != b->status || e.line != b->line || strcmp(e.field, b->field) != 0 ||
            (b->msg_part && !strstr(e.msg, b->msg_part)) || strstr(e.file, "bad.yaml") == NULL)
            fail_msg("%s: got status %d, '%s'; expected status %d line %ld field '%s'", b->what,
                     rc, msg, b->status, b->line, b->field);
        assert_null(r); /* nothing half-built is handed out */
    }
}

static void missing_regime(void **state)
{
    (void)state;
    pw_regime *r;
    pw_error e;
    pw_error_clear(&e);
    assert_int_equal(pw_regime_load("no-such-regime", &r, &e), PW_ENOTFOUND);
    assert_null(r);
    assert_int_not_equal(pw_regime_load("/nonexistent/dir/x.yaml", &r, &e), PW_OK);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_regime_loads), cmocka_unit_test(edited_copy_of_hybrid),
        cmocka_unit_test(deferred_sentence_parsed),
        cmocka_unit_test(gap_is_reported),      cmocka_unit_test(bad_files_are_located),
        cmocka_unit_test(missing_regime),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
