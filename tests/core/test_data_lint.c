/* Every built-in YAML data file parses: a broken data file fails the build's
 * tests rather than a user's run. (Each part also checks the meaning of its
 * own files; this only checks that they are well-formed YAML.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pathways/core.h"

static void every_yaml_file_parses(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < pw_data_count(); i++) {
        const char *p = pw_data_path(i);
        size_t n = strlen(p), len;
        if (n < 5 || strcmp(p + n - 5, ".yaml") != 0)
            continue;
        const char *text = pw_data_get(p, &len);
        pw_doc *d = NULL;
        pw_error e;
        if (pw_doc_parse(p, text, len, &d, &e) != PW_OK) {
            pw_error_print(&e, stderr, "data lint");
            failures++;
        }
        pw_doc_free(d);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_yaml_file_parses)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
