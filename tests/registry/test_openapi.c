/*
 * data/web/openapi.json describes exactly the routes `pathways serve`
 * answers: the list of (method, path) comes from the server's own route
 * table (pwi_http_route, the table http.c dispatches on), and each must be
 * in the document's "paths", and each operation there must be a route.
 * Also: every "{x}" of a path is a declared path parameter, the regimes
 * POST assess offers are the built-in ones, and the report kinds are the
 * ones the server knows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http.h"
#include "pathways/core.h"
#include "report.h"

static json_t *load_doc(void)
{
    size_t n = 0;
    const char *text = pw_data_get("web/openapi.json", &n);
    assert_non_null(text);
    json_error_t je;
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        fail_msg("data/web/openapi.json:%d: %s", je.line, je.text);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    const char *version =
        json_string_value(json_object_get(json_object_get(doc, "info"), "version"));
    assert_non_null(version);
    assert_string_equal(version, PW_VERSION);
    return doc;
}

/* "GET" -> "get" */
static void lower(const char *m, char *out, size_t n)
{
    size_t i = 0;
    for (; m[i] && i + 1 < n; i++)
        out[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
    out[i] = '\0';
}

static void test_every_route_is_described(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_is_object(paths));
    size_t n = pwi_http_route_count();
    assert_true(n >= 12);
    for (size_t i = 0; i < n; i++) {
        const char *method;
        int open;
        const char *path = pwi_http_route(i, &method, &open);
        char full[256], m[16];
        snprintf(full, sizeof full, "/api/v1/%s", path);
        lower(method, m, sizeof m);
        json_t *op = json_object_get(json_object_get(paths, full), m);
        if (!op)
            fail_msg("route %s %s is not in data/web/openapi.json", method, full);
        /* A route without a token says so (security: []), and only it. */
        json_t *sec = json_object_get(op, "security");
        if (open != (json_is_array(sec) && json_array_size(sec) == 0))
            fail_msg("%s %s: the document says it %s a token, the server %s", method, full,
                     open ? "needs" : "needs no", open ? "does not" : "does");
        /* Every {x} in the path is a declared path parameter. */
        const char *b = strchr(path, '{');
        if (b) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(strchr(b, '}') - b - 1), b + 1);
            json_t *params = json_object_get(op, "parameters"), *p;
            size_t k;
            int found = 0;
            json_array_foreach(params, k, p)
            {
                found |= strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
                         strcmp(json_string_value(json_object_get(p, "in")), "path") == 0;
            }
            if (!found)
                fail_msg("%s %s: no path parameter '%s'", method, full, name);
        }
    }
    json_decref(doc);
}

static void test_every_description_is_a_route(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    json_t *paths = json_object_get(doc, "paths");
    const char *full;
    json_t *item;
    size_t ops = 0;
    json_object_foreach(paths, full, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            int found = 0;
            for (size_t i = 0; i < pwi_http_route_count(); i++) {
                const char *method;
                const char *path = pwi_http_route(i, &method, NULL);
                char want[256], lm[16];
                snprintf(want, sizeof want, "/api/v1/%s", path);
                lower(method, lm, sizeof lm);
                found |= strcmp(want, full) == 0 && strcmp(lm, m) == 0;
            }
            if (!found)
                fail_msg("data/web/openapi.json has %s %s, which the server does not answer",
                         m, full);
            ops++;
        }
    }
    assert_int_equal(ops, pwi_http_route_count());
    json_decref(doc);
}

/* The enums in the document that list things the program defines. */
static void test_enums_match_the_program(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    json_t *regimes = json_object_get(
        json_object_get(json_object_get(json_object_get(json_object_get(
                                            json_object_get(doc, "components"), "schemas"),
                                                        "AssessRequest"),
                                        "properties"),
                        "regime"),
        "enum");
    const char **names = NULL;
    size_t n = pw_data_names("regimes", &names);
    assert_int_equal(json_array_size(regimes), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(regimes, i)), names[i]);
    free(names);
    json_t *kinds = json_object_get(
        json_object_get(json_array_get(json_object_get(
                                           json_object_get(json_object_get(json_object_get(
                                                               doc, "paths"),
                                                                           "/api/v1/reports/{kind}"),
                                                           "get"),
                                           "parameters"),
                                       0),
                        "schema"),
        "enum");
    assert_int_equal(json_array_size(kinds), PWI_REPORT_COUNT);
    for (size_t i = 0; i < json_array_size(kinds); i++)
        assert_true(pwi_report_parse(json_string_value(json_array_get(kinds, i))) >= 0);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_described),
        cmocka_unit_test(test_every_description_is_a_route),
        cmocka_unit_test(test_enums_match_the_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
