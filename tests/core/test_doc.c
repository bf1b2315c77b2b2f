/* YAML documents: structure, line numbers, typed getters and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pathways/core.h"

static const char *text =
    "name: almaty\n"           /* 1 */
    "population: 2211198\n"    /* 2 */
    "rates:\n"                 /* 3 */
    "  peer: 0.25\n"           /* 4 */
    "  bad: twelve\n"          /* 5 */
    "flags: [true, no]\n"      /* 6 */
    "regimes:\n"               /* 7 */
    "  - hybrid\n"             /* 8 */
    "  - portugal\n";          /* 9 */

static pw_doc *parse(const char *t)
{
    pw_doc *d = NULL;
    pw_error e;
    assert_int_equal(pw_doc_parse("t.yaml", t, strlen(t), &d, &e), PW_OK);
    return d;
}

static void structure_and_lines(void **state)
{
    (void)state;
    pw_doc *d = parse(text);
    const pw_node *root = pw_doc_root(d);
    assert_int_equal(pw_node_kind_of(root), PW_NODE_MAP);
    assert_int_equal(pw_node_len(root), 5);
    assert_string_equal(pw_node_key(root, 2), "rates");
    const pw_node *rates = pw_node_get(root, "rates");
    assert_int_equal(pw_node_line(pw_node_get(rates, "bad")), 5);
    const pw_node *reg = pw_node_get(root, "regimes");
    assert_int_equal(pw_node_kind_of(reg), PW_NODE_SEQ);
    assert_string_equal(pw_node_str(pw_node_at(reg, 1)), "portugal");
    assert_int_equal(pw_node_line(pw_node_at(reg, 1)), 9);
    assert_null(pw_node_get(root, "absent"));
    pw_doc_free(d);
}

static void typed_getters(void **state)
{
    (void)state;
    pw_doc *d = parse(text);
    const pw_node *root = pw_doc_root(d), *rates = pw_node_get(root, "rates");
    pw_error e;
    double x;
    long n;
    assert_int_equal(pw_node_num(d, rates, "peer", 1, 0, 0, 1, &x, &e), PW_OK);
    assert_true(x == 0.25);
    assert_int_equal(pw_node_int(d, root, "population", 1, 0, 0, 100000000, &n, &e), PW_OK);
    assert_int_equal(n, 2211198);
    /* Optional and absent: the default. */
    assert_int_equal(pw_node_num(d, rates, "missing", 0, 7.5, 0, 10, &x, &e), PW_OK);
    assert_true(x == 7.5);
    /* Required and absent: an error naming the key and the map's line. */
    assert_int_equal(pw_node_num(d, rates, "missing", 1, 0, 0, 10, &x, &e), PW_EINVAL);
    assert_string_equal(e.field, "missing");
    assert_int_equal(e.line, 4);
    /* Not a number: names the file, line and key. */
    assert_int_equal(pw_node_num(d, rates, "bad", 1, 0, 0, 1, &x, &e), PW_EINVAL);
    assert_string_equal(e.file, "t.yaml");
    assert_int_equal(e.line, 5);
    assert_string_equal(e.field, "bad");
    char buf[256];
    pw_error_format(&e, buf, sizeof buf);
    assert_non_null(strstr(buf, "t.yaml:5: field 'bad':"));
    /* Out of range. */
    assert_int_equal(pw_node_num(d, rates, "peer", 1, 0, 0.5, 1, &x, &e), PW_EINVAL);
    assert_non_null(strstr(e.msg, "outside"));
    /* Enum. */
    static const char *const names[] = {"astana", "almaty", NULL};
    int k;
    assert_int_equal(pw_node_enum(d, root, "name", 1, 0, names, &k, &e), PW_OK);
    assert_int_equal(k, 1);
    static const char *const other[] = {"shymkent", NULL};
    assert_int_equal(pw_node_enum(d, root, "name", 1, 0, other, &k, &e), PW_EINVAL);
    /* A list where a value was expected. */
    assert_int_equal(pw_node_num(d, root, "regimes", 1, 0, 0, 1, &x, &e), PW_EINVAL);
    assert_int_equal(e.line, 8);
    pw_doc_free(d);
}

static void unknown_keys_are_refused(void **state)
{
    (void)state;
    pw_doc *d = parse(text);
    pw_error e;
    static const char *const ok[] = {"name", "population", "rates", "flags", "regimes", NULL};
    static const char *const few[] = {"name", "population", NULL};
    assert_int_equal(pw_node_check_keys(d, pw_doc_root(d), ok, "scenario", &e), PW_OK);
    assert_int_equal(pw_node_check_keys(d, pw_doc_root(d), few, "scenario", &e), PW_EINVAL);
    assert_string_equal(e.field, "rates");
    assert_int_equal(e.line, 3);
    pw_doc_free(d);
}

static void syntax_errors_name_the_line(void **state)
{
    (void)state;
    pw_doc *d = NULL;
    pw_error e;
    const char *bad = "a: 1\nb: [1, 2\nc: 3\n";
    assert_int_equal(pw_doc_parse("bad.yaml", bad, strlen(bad), &d, &e), PW_EPARSE);
    assert_null(d);
    assert_string_equal(e.file, "bad.yaml");
    assert_true(e.line >= 2);
    const char *dup = "a: 1\nb: 2\na: 3\n";
    assert_int_equal(pw_doc_parse("dup.yaml", dup, strlen(dup), &d, &e), PW_EPARSE);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.field, "a");
    const char *alias = "a: &x 1\nb: *x\n";
    assert_int_equal(pw_doc_parse("alias.yaml", alias, strlen(alias), &d, &e), PW_EPARSE);
    assert_int_equal(pw_doc_parse("empty.yaml", "", 0, &d, &e), PW_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(structure_and_lines),
        cmocka_unit_test(typed_getters),
        cmocka_unit_test(unknown_keys_are_refused),
        cmocka_unit_test(syntax_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
