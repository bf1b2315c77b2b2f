/*
 * The JSON front end: every kind of bad case is refused naming the line and
 * the field; good cases parse with the documented defaults; and the JSON
 * Lines fast writer produces exactly the bytes jansson would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathways/engine.h"
#include "engine/engine_json.h"

#define SUBST(...) "\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":" #__VA_ARGS__ "}]"

typedef struct {
    const char *json, *field, *msg_part;
} bad_case;

static const bad_case bad[] = {
    {"[1,2]", "", "expected a case"},
    {"{\"age\":30," SUBST(2) "}", "event", "required"},
    {"{\"age\":30,\"event\":\"sale\"," SUBST(2) "}", "event", "'sale'"},
    {"{\"age\":30,\"event\":7," SUBST(2) "}", "event", "expected a string"},
    {"{\"event\":\"use\"," SUBST(2) "}", "age", "required"},
    {"{\"age\":\"30\",\"event\":\"use\"," SUBST(2) "}", "age", "integer"},
    {"{\"age\":130,\"event\":\"use\"," SUBST(2) "}", "age", "outside"},
    {"{\"age\":30,\"event\":\"use\",\"amount\":\"huge\"," SUBST(2) "}", "amount", "'huge'"},
    {"{\"age\":30,\"event\":\"use\",\"role\":\"boss\"," SUBST(2) "}", "role", "'boss'"},
    {"{\"age\":30,\"event\":\"use\",\"violent\":\"no\"," SUBST(2) "}", "violent", "true or false"},
    {"{\"age\":30,\"event\":\"use\",\"prior_drug_offences\":-1," SUBST(2) "}", "prior_drug_offences", "outside"},
    {"{\"age\":30,\"event\":\"use\",\"prior_drug_offences\":2,\"prior_convictions\":1," SUBST(2) "}", "prior_convictions", "fewer"},
    {"{\"age\":30,\"event\":\"use\",\"colour\":\"red\"," SUBST(2) "}", "colour", "unknown field"},
    {"{\"age\":30,\"event\":\"use\",\"id\":[1]," SUBST(2) "}", "id", "string or an integer"},
    {"{\"age\":30,\"event\":\"use\"}", "substances", "required"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[]}", "substances", "empty"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":{}}", "substances", "non-empty list"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[\"heroin\"]}", "substances[0]", "object"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"spicey\",\"dsm5_criteria\":2}]}",
     "substances[0].substance", "unknown substance 'spicey'"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":7.2,\"dsm5_criteria\":2}]}",
     "substances[0].substance", "as a string"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"dsm5_criteria\":2}]}", "substances[0].substance", "required"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\"}]}", "substances[0].dsm5_criteria", "required"},
    {"{\"age\":30,\"event\":\"use\"," SUBST(12) "}", "substances[0].dsm5_criteria", "0..11"},
    {"{\"age\":30,\"event\":\"use\"," SUBST(-1) "}", "substances[0].dsm5_criteria", "0..11"},
    {"{\"age\":30,\"event\":\"use\"," SUBST([1,2,2]) "}", "substances[0].dsm5_criteria", "twice"},
    {"{\"age\":30,\"event\":\"use\"," SUBST([0,1]) "}", "substances[0].dsm5_criteria", "1..11"},
    {"{\"age\":30,\"event\":\"use\"," SUBST([1,2,3,4,5,6,7,8,9,10,11,1]) "}", "substances[0].dsm5_criteria", "11"},
    {"{\"age\":30,\"event\":\"use\"," SUBST("5") "}", "substances[0].dsm5_criteria", "expected a count"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":2,"
     "\"assist\":{\"q2\":6,\"q3\":6,\"q4\":7,\"q5\":9,\"q6\":6,\"q7\":6}}]}", "substances[0].assist.q5", "Q5"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":2,"
     "\"assist\":{\"q2\":6,\"q3\":6,\"q4\":7,\"q5\":8,\"q6\":6}}]}", "substances[0].assist.q7", "required"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":2,"
     "\"assist\":{\"q1\":2,\"q2\":6,\"q3\":6,\"q4\":7,\"q5\":8,\"q6\":6,\"q7\":6}}]}", "substances[0].assist.q1", "unknown"},
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":2,\"injecting\":1}]}",
     "substances[0].injecting", "true or false"},
    /* A bad secondary substance is not ignored. */
    {"{\"age\":30,\"event\":\"use\",\"substances\":[{\"substance\":\"heroin\",\"dsm5_criteria\":2},"
     "{\"substance\":\"unobtainium\",\"dsm5_criteria\":0}]}", "substances[1].substance", "unknown"},
};

static void bad_cases_are_located(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error_t je;
        json_t *o = json_loads(bad[i].json, 0, &je);
        if (!o)
            fail_msg("test JSON %zu does not parse: %s", i, je.text);
        pw_case c;
        pw_error e;
        pw_error_clear(&e);
        int rc = pw_case_from_json(o, &c, "cases.jsonl", 40 + (long)i, &e);
        if (rc != PW_EINVAL || e.line != 40 + (long)i || strcmp(e.file, "cases.jsonl") ||
            strcmp(e.field, bad[i].field) || !strstr(e.msg, bad[i].msg_part))
            fail_msg("case %zu (%s): rc %d line %ld field '%s' msg '%s'", i, bad[i].json, rc,
                     e.line, e.field, e.msg);
        json_decref(o);
    }
}

static void omitted_convictions_count_drug_offences(void **state)
{
    (void)state;
    /* A prior drug offence is a conviction too: leaving prior_convictions out
     * must not make such a case inconsistent, on either parser. */
    const char *line = "{\"age\":30,\"event\":\"distribution\",\"role\":\"dealer\","
                       "\"prior_drug_offences\":2," SUBST(0) "}";
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    pw_case slow, fast;
    pw_case_id id;
    pw_error e;
    assert_int_equal(pw_case_from_json(o, &slow, "x", 1, &e), PW_OK);
    assert_int_equal(slow.prior_drug_offences, 2);
    assert_int_equal(slow.prior_convictions, 2);
    assert_int_equal(pw_case_scan(line, strlen(line), &fast, &id), PW_OK);
    assert_int_equal(fast.prior_convictions, 2);
    json_decref(o);
}

static void good_case_and_defaults(void **state)
{
    (void)state;
    json_t *o = json_loads(
        "{\"id\":\"c-17\",\"age\":24,\"event\":\"crime_under_influence\","
        "\"substances\":[{\"substance\":\"7.2\",\"dsm5_criteria\":[1,2,3,4,5,6,7],"
        "\"assist\":{\"q2\":6,\"q3\":6,\"q4\":7,\"q5\":8,\"q6\":6,\"q7\":6},\"injecting\":true},"
        "{\"substance\":\"alcohol\",\"dsm5_criteria\":1}]}", 0, NULL);
    assert_non_null(o);
    pw_case c;
    pw_error e;
    assert_int_equal(pw_case_from_json(o, &c, "x", 1, &e), PW_OK);
    assert_int_equal(c.age, 24);
    assert_int_equal(c.event, PW_EVENT_CRIME_UNDER_INFLUENCE);
    assert_int_equal(c.amount, PW_AMOUNT_PERSONAL); /* defaults */
    assert_int_equal(c.role, PW_ROLE_NONE);
    assert_int_equal(c.prior_drug_offences, 0);
    assert_int_equal(c.prior_convictions, 0);
    assert_false(c.violent);
    assert_false(c.consents_to_treatment);
    assert_int_equal(c.substance, pw_substance_lookup("synthetic_cannabinoids"));
    assert_int_equal(c.dsm5_criteria, 7); /* a list counts its criteria */
    assert_int_equal(c.assist_score, 39);
    assert_true(c.injecting);
    json_decref(o);

    /* The decision object carries the documented fields. */
    pw_regime *r;
    assert_int_equal(pw_regime_load("hybrid", &r, &e), PW_OK);
    pw_decision d;
    assert_int_equal(pw_decide(r, &c, &d), PW_OK);
    json_t *j = pw_decision_to_json(r, &c, &d, "c-17");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "c-17");
    assert_string_equal(json_string_value(json_object_get(j, "regime")), "hybrid");
    json_t *ps = json_object_get(j, "primary_substance");
    assert_string_equal(json_string_value(json_object_get(ps, "name")), "synthetic_cannabinoids");
    assert_string_equal(json_string_value(json_object_get(ps, "tdi")), "7.2");
    assert_string_equal(json_string_value(json_object_get(ps, "icd11")), "6C42");
    assert_string_equal(json_string_value(json_object_get(j, "severity")), "severe");
    assert_string_equal(json_string_value(json_object_get(j, "assist_risk")), "high");
    assert_string_equal(json_string_value(json_object_get(j, "route")), "criminal");
    assert_string_equal(json_string_value(json_object_get(j, "disposition")), "treatment_then_prison");
    assert_true(json_is_array(json_object_get(j, "measures")));
    json_t *s = json_object_get(j, "sentence");
    assert_true(json_is_true(json_object_get(s, "custodial")));
    assert_true(json_is_null(json_object_get(s, "max_years")));
    assert_true(json_is_true(json_object_get(json_object_get(j, "monitoring"), "required")));
    assert_true(json_is_true(json_object_get(j, "requires_panel_signoff")));
    assert_true(json_is_string(json_object_get(j, "note")));
    json_t *tr = json_object_get(j, "trace");
    assert_int_equal(json_array_size(tr), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tr, 0), "rule")),
                        "hybrid.panel.crime_under_influence");
    assert_non_null(json_string_value(json_object_get(json_array_get(tr, 0), "source")));
    json_decref(j);
    pw_regime_free(r);
}

/* The fast writer and jansson agree byte for byte, ids with escapes too. */
static void fast_writer_matches_jansson(void **state)
{
    (void)state;
    static const char *const names[] = {"hybrid", "kz-current", "russia", "portugal", "drug-court"};
    static const char *const ids[] = {"c-1", "quote\"back\\slash", "tab\there\nnewline",
                                      "ctl\x01\x1f", "unicode \xc3\xa9\xe2\x82\xac", ""};
    char *buf = NULL;
    size_t len = 0, cap = 0;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    long compared = 0;
    for (int k = 0; k < 5; k++) {
        pw_regime *r;
        pw_error e;
        assert_int_equal(pw_regime_load(names[k], &r, &e), PW_OK);
        for (int i = 0; i < 4000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            pw_case c = {
                .age = 14 + (int)(x % 60),
                .event = (pw_event)((x >> 8) % 4),
                .amount = (pw_amount)((x >> 12) % 3),
                .role = (pw_role)((x >> 16) % 4),
                .violent = (x >> 20) & 1,
                .consents_to_treatment = (x >> 21) & 1,
                .prior_drug_offences = (int)((x >> 22) % 3),
                .substance = (int)((x >> 26) % (uint64_t)pw_substance_count()),
                .dsm5_criteria = (int)((x >> 34) % 12),
                .injecting = (x >> 40) & 1,
                .assist_score = (x >> 41) & 1 ? (int)((x >> 42) % 40) : -1,
            };
            c.prior_convictions = c.prior_drug_offences + (int)((x >> 50) % 2);
            pw_decision d;
            assert_int_equal(pw_decide(r, &c, &d), PW_OK);
            json_t *id = (x >> 52) % 7 == 6 ? json_integer((json_int_t)(x >> 53))
                                            : json_string(ids[(x >> 52) % 6]);
            if ((x >> 60) % 5 == 0) {
                json_decref(id);
                id = NULL;
            }
            json_t *tree = pw_decision_to_json_id(r, &c, &d, id);
            char *want = json_dumps(tree, JSON_COMPACT);
            len = 0;
            assert_int_equal(pw_decision_append_json(r, &c, &d, id, &buf, &len, &cap), PW_OK);
            if (strcmp(want, buf) != 0)
                fail_msg("writers differ:\n jansson: %s\n fast:    %s", want, buf);
            assert_int_equal(strlen(buf), len);
            free(want);
            json_decref(tree);
            json_decref(id);
            compared++;
        }
        pw_regime_free(r);
    }
    assert_int_equal(compared, 20000);
    free(buf);
}


/* ---- The JSON Lines scanner agrees with jansson ----------------------- */

static uint64_t rng_state = 0x853C49E6748FEA9Bull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return rng_state;
}
/* The first `good` choices are valid; the others are picked 1 time in 12. */
static const char *pick(int good, const char *const *v, size_t n)
{
    if (good > 0 && (size_t)good < n && rnd() % 12)
        return v[rnd() % (size_t)good];
    return v[rnd() % n];
}
#define PICKG(g, ...) pick(g, (const char *const[]){__VA_ARGS__}, \
                          sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define PICK(...) pick(0, (const char *const[]){__VA_ARGS__}, \
                       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* A random case line: mostly valid, in shuffled key order and spacing. */
static void random_line(char *out, size_t cap)
{
    char parts[12][300];
    int n = 0;
    const char *sp = PICK("", " ", "  ", "\t");
    if (rnd() % 5)
        snprintf(parts[n++], 300, "\"id\":%s", PICKG(6, "\"c-1\"", "17", "-4", "\"\"", "\"a b\"",
                                                    "\"q\\\"x\"", "\"\\u00e9\"", "0", "-0", "1.5", "null"));
    if (rnd() % 20)
        snprintf(parts[n++], 300, "\"age\":%s%s", sp, PICKG(3, "24", "0", "120", "121", "-1", "30.0", "\"30\"", "017"));
    if (rnd() % 20)
        snprintf(parts[n++], 300, "\"event\":%s", PICKG(4, "\"use\"", "\"possession\"", "\"crime_under_influence\"",
                                                        "\"distribution\"", "\"sale\"", "1"));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"amount\":%s", PICKG(3, "\"personal\"", "\"large\"", "\"especially_large\"", "\"huge\""));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"role\":%s", PICKG(4, "\"none\"", "\"courier\"", "\"dealer\"", "\"producer\"", "\"boss\""));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"violent\":%s", PICKG(2, "true", "false", "0", "null"));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"consents_to_treatment\":%s", PICKG(2, "true", "false", "\"yes\""));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"prior_drug_offences\":%s", PICKG(3, "0", "1", "2", "1001", "-1"));
    if (rnd() % 2)
        snprintf(parts[n++], 300, "\"prior_convictions\":%s", PICKG(3, "0", "1", "3", "2.0"));
    if (rnd() % 50 == 0)
        snprintf(parts[n++], 300, "\"colour\":\"red\"");
    if (rnd() % 50 == 0)
        snprintf(parts[n++], 300, "\"age\":33"); /* a duplicate key, sometimes */
    if (rnd() % 30) {
        char subs[260] = "";
        int k = 1 + (int)(rnd() % 2);
        for (int i = 0; i < k; i++) {
            char assist[120] = "";
            if (rnd() % 3 == 0)
                snprintf(assist, sizeof assist, ",\"assist\":{\"q2\":%s,\"q3\":3,\"q4\":4,\"q5\":%s,\"q6\":%s,\"q7\":0}",
                         PICKG(3, "0", "2", "6", "1"), PICKG(3, "0", "5", "8", "9"), PICKG(3, "0", "3", "6"));
            snprintf(subs + strlen(subs), sizeof subs - strlen(subs),
                     "%s{\"substance\":%s,%s\"dsm5_criteria\":%s%s%s}", i ? "," : "",
                     PICKG(5, "\"heroin\"", "\"7.2\"", "\"synthetic_cathinones\"", "\"spice\"", "\"alcohol\"", "\"spicey\"", "7.2"),
                     sp, PICKG(6, "0", "4", "7", "11", "[1,2,3]", "[]", "12", "[1,1]", "[0]", "\"3\""),
                     assist, rnd() % 4 ? "" : ",\"injecting\":true");
        }
        snprintf(parts[n++], 300, "\"substances\":%s[%s]", sp, rnd() % 40 ? subs : "");
    }
    /* Shuffle the members. */
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1));
        char t[300];
        memcpy(t, parts[i], 300);
        memcpy(parts[i], parts[j], 300);
        memcpy(parts[j], t, 300);
    }
    size_t used = (size_t)snprintf(out, cap, "%s{", rnd() % 4 ? "" : " ");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s%s", i ? "," : "", sp, parts[i]);
    used += (size_t)snprintf(out + used, cap - used, "%s}%s", sp, PICKG(3, "", "\n", " \r\n", " x", "}", ","));
    /* Now and then, break a byte. */
    if (rnd() % 8 == 0 && used > 2)
        out[rnd() % used] = PICK("\"", "{", "]", ":", ",", "\\", " ", "9")[0];
}

static bool same_case(const pw_case *a, const pw_case *b)
{
    return a->age == b->age && a->event == b->event && a->amount == b->amount &&
           a->role == b->role && a->violent == b->violent &&
           a->prior_drug_offences == b->prior_drug_offences &&
           a->prior_convictions == b->prior_convictions &&
           a->consents_to_treatment == b->consents_to_treatment && a->substance == b->substance &&
           a->dsm5_criteria == b->dsm5_criteria && a->injecting == b->injecting &&
           a->assist_score == b->assist_score;
}

static void scanner_agrees_with_jansson(void **state)
{
    (void)state;
    pw_regime *r;
    pw_error e;
    assert_int_equal(pw_regime_load("hybrid", &r, &e), PW_OK);
    long scanned = 0, slow_ok = 0, rejected = 0;
    char *b1 = NULL, *b2 = NULL;
    size_t l1, l2, c1 = 0, c2 = 0;
    for (int i = 0; i < 30000; i++) {
        char line[1200];
        random_line(line, sizeof line);
        size_t len = strlen(line);
        pw_case a, b;
        pw_case_id id;
        int fast = pw_case_scan(line, len, &a, &id);
        json_error_t je;
        json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
        int slow = o ? pw_case_from_json(o, &b, "x", 1, &e) : PW_EPARSE;
        if (fast == PW_OK) {
            /* Whatever the scanner accepts, jansson accepts the same way. */
            if (slow != PW_OK || !same_case(&a, &b))
                fail_msg("scanner accepted a line the slow path %s: %s",
                         slow ? "rejects" : "reads differently", line);
            pw_decision d;
            assert_int_equal(pw_decide(r, &a, &d), PW_OK);
            l1 = l2 = 0;
            assert_int_equal(pw_decision_append_json_scanned(r, &a, &d, &id, &b1, &l1, &c1), PW_OK);
            assert_int_equal(pw_decision_append_json(r, &b, &d, json_object_get(o, "id"), &b2, &l2, &c2), PW_OK);
            if (strcmp(b1, b2))
                fail_msg("outputs differ for %s:\n%s\n%s", line, b1, b2);
            scanned++;
        } else if (slow == PW_OK) {
            slow_ok++; /* valid but outside the scanner's form: fine */
        } else {
            rejected++;
        }
        json_decref(o);
    }
    /* The mix exercised all three outcomes. */
    printf("scanner: %ld lines scanned, %ld valid only for jansson, %ld rejected\n", scanned,
           slow_ok, rejected);
    assert_true(scanned > 1000);
    assert_true(rejected > 1000);
    assert_true(slow_ok > 10);
    free(b1);
    free(b2);
    pw_regime_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_cases_are_located),
        cmocka_unit_test(good_case_and_defaults),
        cmocka_unit_test(omitted_convictions_count_drug_offences),
        cmocka_unit_test(fast_writer_matches_jansson),
        cmocka_unit_test(scanner_agrees_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
