/* The report's words are data (data/metrics/outputs.yaml and
 * data/i18n/report.LANG.yaml): every metric and series the simulator
 * emits has a label, a definition, a unit and a better direction in every
 * language, and no language lacks a key another has. A translator who
 * drops a line, or a modeller who adds an output without its words, fails
 * here with the key named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "pathways/report.h"

static void every_language_has_every_word(void **state)
{
    (void)state;
    assert_int_equal(pw_report_check_words(stderr), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_language_has_every_word)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
