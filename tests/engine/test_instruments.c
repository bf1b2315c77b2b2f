/*
 * Instruments and the substance code list: DSM-5 severity, WHO ASSIST v3.0
 * scoring and risk levels, TDI/ICD-11 lookups. Thresholds from
 * docs/sources.md R2 and R4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pathways/engine.h"

static void dsm5_counts(void **state)
{
    (void)state;
    static const int expect[12] = {PW_SEV_NONE,     PW_SEV_NONE,     PW_SEV_MILD,
                                   PW_SEV_MILD,     PW_SEV_MODERATE, PW_SEV_MODERATE,
                                   PW_SEV_SEVERE,   PW_SEV_SEVERE,   PW_SEV_SEVERE,
                                   PW_SEV_SEVERE,   PW_SEV_SEVERE,   PW_SEV_SEVERE};
    for (int n = 0; n <= 11; n++)
        assert_int_equal(pw_dsm5_severity(n), expect[n]);
    assert_int_equal(pw_dsm5_severity(-1), -1);
    assert_int_equal(pw_dsm5_severity(12), -1);
    assert_string_equal(pw_severity_name(PW_SEV_MODERATE), "moderate");
}

static void dsm5_lists(void **state)
{
    (void)state;
    int ok[] = {1, 4, 11, 7};
    assert_int_equal(pw_dsm5_count_list(ok, 4), 4);
    assert_int_equal(pw_dsm5_count_list(ok, 0), 0);
    int dup[] = {3, 5, 3};
    assert_int_equal(pw_dsm5_count_list(dup, 3), -1);
    int zero[] = {0};
    assert_int_equal(pw_dsm5_count_list(zero, 1), -1);
    int twelve[] = {12};
    assert_int_equal(pw_dsm5_count_list(twelve, 1), -1);
    int all[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    assert_int_equal(pw_dsm5_count_list(all, 11), 11);
}

static void assist_scores(void **state)
{
    (void)state;
    int zero[6] = {0, 0, 0, 0, 0, 0};
    assert_int_equal(pw_assist_score(zero), 0);
    int max[6] = {6, 6, 7, 8, 6, 6};
    assert_int_equal(pw_assist_score(max), 39);
    int some[6] = {2, 3, 4, 0, 3, 0};
    assert_int_equal(pw_assist_score(some), 12);
    /* Each question refuses a value that is not one of its weights. */
    static const int bad[6] = {1, 2, 3, 4, 4, 5};
    for (int q = 0; q < 6; q++) {
        int a[6] = {0, 0, 0, 0, 0, 0};
        a[q] = bad[q];
        assert_int_equal(pw_assist_score(a), -1);
    }
    int neg[6] = {0, 0, 0, 0, 0, -3};
    assert_int_equal(pw_assist_score(neg), -1);
}

static void assist_risk_levels(void **state)
{
    (void)state;
    /* Alcohol: low 0-10, moderate 11-26, high 27+. */
    assert_int_equal(pw_assist_risk_of(0, true), PW_RISK_LOW);
    assert_int_equal(pw_assist_risk_of(10, true), PW_RISK_LOW);
    assert_int_equal(pw_assist_risk_of(11, true), PW_RISK_MODERATE);
    assert_int_equal(pw_assist_risk_of(26, true), PW_RISK_MODERATE);
    assert_int_equal(pw_assist_risk_of(27, true), PW_RISK_HIGH);
    /* Other substances: low 0-3, moderate 4-26, high 27+. */
    assert_int_equal(pw_assist_risk_of(3, false), PW_RISK_LOW);
    assert_int_equal(pw_assist_risk_of(4, false), PW_RISK_MODERATE);
    assert_int_equal(pw_assist_risk_of(26, false), PW_RISK_MODERATE);
    assert_int_equal(pw_assist_risk_of(27, false), PW_RISK_HIGH);
    assert_int_equal(pw_assist_risk_of(39, false), PW_RISK_HIGH);
    assert_string_equal(pw_assist_risk_name(PW_RISK_HIGH), "high");
}

static void substance_lookups(void **state)
{
    (void)state;
    assert_true(pw_substance_count() >= 25);
    assert_string_equal(pw_substance_list_version(), "tdi-3.0/2026-11");
    int cannabis = pw_substance_lookup("cannabis");
    int sc = pw_substance_lookup("synthetic_cannabinoids");
    int cath = pw_substance_lookup("synthetic_cathinones");
    assert_true(cannabis >= 0 && sc >= 0 && cath >= 0);
    /* The chapter's point: cannabis and synthetic cannabinoids differ. */
    assert_int_not_equal(cannabis, sc);
    assert_string_equal(pw_substance_tdi(cannabis), "7.1");
    assert_string_equal(pw_substance_tdi(sc), "7.2");
    assert_string_equal(pw_substance_icd11(cannabis), "6C41");
    assert_string_equal(pw_substance_icd11(sc), "6C42");
    assert_string_equal(pw_substance_icd11(cath), "6C47");
    assert_int_equal(pw_substance_group_of(cannabis), PW_GROUP_CANNABIS);
    assert_int_equal(pw_substance_group_of(sc), PW_GROUP_SYNTHETIC_NPS);
    assert_int_equal(pw_substance_group_of(cath), PW_GROUP_SYNTHETIC_NPS);
    assert_string_equal(pw_substance_group_name(PW_GROUP_SYNTHETIC_NPS), "synthetic_nps");
    /* By TDI code and by alias. */
    assert_int_equal(pw_substance_lookup("7.2"), sc);
    assert_int_equal(pw_substance_lookup("3.4"), cath);
    assert_int_equal(pw_substance_lookup("spice"), sc);
    assert_int_equal(pw_substance_lookup("mephedrone"), cath);
    assert_int_equal(pw_substance_lookup("1.1"), pw_substance_lookup("heroin"));
    assert_int_equal(pw_substance_group_of(pw_substance_lookup("heroin")), PW_GROUP_OPIOIDS);
    assert_int_equal(pw_substance_group_of(pw_substance_lookup("methamphetamine")),
                     PW_GROUP_STIMULANTS);
    /* Unknown names and codes are refused, not guessed. */
    assert_int_equal(pw_substance_lookup("spicey"), -1);
    assert_int_equal(pw_substance_lookup("7.9"), -1);
    assert_int_equal(pw_substance_lookup(""), -1);
    assert_int_equal(pw_substance_lookup(NULL), -1);
    assert_null(pw_substance_name(-1));
    assert_null(pw_substance_name(pw_substance_count()));
    /* Every entry is complete and names are unique. */
    for (int i = 0; i < pw_substance_count(); i++) {
        assert_non_null(pw_substance_name(i));
        assert_true(strncmp(pw_substance_icd11(i), "6C4", 3) == 0);
        assert_int_equal(pw_substance_lookup(pw_substance_name(i)), i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dsm5_counts),        cmocka_unit_test(dsm5_lists),
        cmocka_unit_test(assist_scores),      cmocka_unit_test(assist_risk_levels),
        cmocka_unit_test(substance_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
