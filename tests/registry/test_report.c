/*
 * The registry reports over a small registry whose answers are worked out
 * by hand below, and the role filtering of reports and of the episode view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../src/registry/report.h"
#include "pathways/registry.h"

/*
 * Programme A, regime hybrid, every episode starts 2025-01-01.
 * P1..P6 are discharged "completed" on D = 2025-03-01; after D:
 *   P1 relapse record      D+10  -> relapse at 10
 *   P2 positive test       D+20  -> relapse at 20
 *   P3 follow-up "using"   D+30  -> relapse at 30
 *   P4 follow-up abstinent D+15, death D+25 -> death (competing) at 25
 *   P5 relapse D-10 (before discharge: ignored), follow-up abstinent D+40
 *      -> censored at 40
 *   P6 imprisonment D+12   -> imprisonment (competing) at 12
 * Kaplan-Meier (competing events censored), n = 6:
 *   t=10 n=6 S = 5/6;  t=20 n=4 S = 5/6*3/4 = 0.625;
 *   t=30 n=2 S = 0.625/2 = 0.3125 -> median 30
 * Aalen-Johansen: relapse 1/6 at 10, 2/6 at 20, 3/6 at 30;
 *   imprisonment 1/6 at 12; death 1/6 at 25.
 * P1 re-presents: a second episode in A starting D+60 (open).
 * P7 (A) drops out on 2025-01-20 (19 days: not retained, not successful).
 * P8 (programme B) completes drug-free on D with no contact after: censored
 *   at 0.
 * P9 (A) is open: start review with 20 opioid days, a review at 2025-07-02
 *   (day 182) with none -> abstinent; three tests in December 2025:
 *   positive, missed, negative -> flagged; no review since -> missed reviews.
 * as_of = 2026-01-01.
 */
static const char *const records[] = {
    "{\"type\":\"person\",\"ref\":\"P1\",\"national_id\":\"900101300001\",\"name\":\"Aigerim One\",\"birth_date\":\"1990-01-01\",\"sex\":\"female\"}",
    "{\"type\":\"person\",\"ref\":\"P2\",\"national_id\":\"900101300002\",\"name\":\"Bolat Two\",\"birth_date\":\"1990-06-01\",\"sex\":\"male\"}",
    "{\"type\":\"person\",\"ref\":\"P3\",\"national_id\":\"900101300003\",\"name\":\"C Three\",\"birth_date\":\"1991-01-01\",\"sex\":\"male\"}",
    "{\"type\":\"person\",\"ref\":\"P4\",\"national_id\":\"900101300004\",\"name\":\"D Four\",\"birth_date\":\"1992-01-01\",\"sex\":\"male\"}",
    "{\"type\":\"person\",\"ref\":\"P5\",\"national_id\":\"900101300005\",\"name\":\"E Five\",\"birth_date\":\"1993-01-01\",\"sex\":\"female\"}",
    "{\"type\":\"person\",\"ref\":\"P6\",\"national_id\":\"900101300006\",\"name\":\"F Six\",\"birth_date\":\"1994-01-01\",\"sex\":\"male\"}",
    "{\"type\":\"person\",\"ref\":\"P7\",\"national_id\":\"900101300007\",\"name\":\"G Seven\",\"birth_date\":\"1995-01-01\",\"sex\":\"male\"}",
    "{\"type\":\"person\",\"ref\":\"P8\",\"national_id\":\"900101300008\",\"name\":\"H Eight\",\"birth_date\":\"1996-01-01\",\"sex\":\"female\"}",
    "{\"type\":\"person\",\"ref\":\"P9\",\"national_id\":\"900101300009\",\"name\":\"I Nine\",\"birth_date\":\"1997-01-01\",\"sex\":\"male\"}",
#define EP(e, p, prog, subst) \
    "{\"type\":\"episode\",\"ref\":\"" e "\",\"person\":\"" p "\",\"programme\":\"" prog \
    "\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"," \
    "\"referral_source\":\"court\",\"substance\":\"" subst "\"}"
    EP("E1", "P1", "A", "heroin"),
    EP("E2", "P2", "A", "heroin"),
    EP("E3", "P3", "A", "synthetic_cannabinoids"),
    EP("E4", "P4", "A", "heroin"),
    EP("E5", "P5", "A", "heroin"),
    EP("E6", "P6", "A", "heroin"),
    EP("E7", "P7", "A", "heroin"),
    EP("E8", "P8", "B", "cannabis"),
    EP("E9", "P9", "A", "heroin"),
    "{\"type\":\"review\",\"episode\":\"E9\",\"date\":\"2025-01-01\",\"stage\":\"start\",\"opioid_days\":20,\"psych_health\":8,\"notes\":\"private clinical note\"}",
    "{\"type\":\"review\",\"episode\":\"E9\",\"date\":\"2025-07-02\",\"stage\":\"review\",\"opioid_days\":0,\"psych_health\":12}",
    "{\"type\":\"relapse\",\"episode\":\"E5\",\"date\":\"2025-02-19\"}",
#define DIS(e, reason, day) \
    "{\"type\":\"discharge\",\"episode\":\"" e "\",\"date\":\"" day "\",\"reason\":\"" reason "\"}"
    DIS("E1", "completed", "2025-03-01"),
    DIS("E2", "completed", "2025-03-01"),
    DIS("E3", "completed", "2025-03-01"),
    DIS("E4", "completed", "2025-03-01"),
    DIS("E5", "completed", "2025-03-01"),
    DIS("E6", "completed", "2025-03-01"),
    DIS("E7", "dropped_out", "2025-01-20"),
    DIS("E8", "completed_drug_free", "2025-03-01"),
    "{\"type\":\"relapse\",\"episode\":\"E1\",\"date\":\"2025-03-11\"}",
    "{\"type\":\"test\",\"episode\":\"E2\",\"date\":\"2025-03-21\",\"analyte\":\"morphine\",\"result\":\"positive\"}",
    "{\"type\":\"followup\",\"episode\":\"E3\",\"date\":\"2025-03-31\",\"status\":\"using\"}",
    "{\"type\":\"followup\",\"episode\":\"E4\",\"date\":\"2025-03-16\",\"status\":\"abstinent\"}",
    "{\"type\":\"death\",\"person\":\"P4\",\"date\":\"2025-03-26\"}",
    "{\"type\":\"followup\",\"episode\":\"E5\",\"date\":\"2025-04-10\",\"status\":\"abstinent\"}",
    "{\"type\":\"imprisonment\",\"person\":\"P6\",\"date\":\"2025-03-13\"}",
    "{\"type\":\"episode\",\"ref\":\"E1b\",\"person\":\"P1\",\"programme\":\"A\",\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-04-30\",\"substance\":\"heroin\"}",
    "{\"type\":\"test\",\"episode\":\"E9\",\"date\":\"2025-12-01\",\"analyte\":\"morphine\",\"result\":\"positive\"}",
    "{\"type\":\"test\",\"episode\":\"E9\",\"date\":\"2025-12-10\",\"analyte\":\"morphine\",\"result\":\"missed\"}",
    "{\"type\":\"test\",\"episode\":\"E9\",\"date\":\"2025-12-20\",\"analyte\":\"morphine\",\"result\":\"negative\"}",
};

/* The registry under test: an SQLite file in a temporary directory, or the
 * PostgreSQL URL in $PW_REPORT_TEST_DB (test_report_pg.sh starts a server
 * and sets it, plus $PW_REPORT_TEST_DB_EMPTY for the empty registry). */
static char dir[256], db[1024];
static char tok_admin[65], tok_clin[65], tok_analyst[65], tok_court[65], tok_audit[65];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pw_test_report_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    const char *url = getenv("PW_REPORT_TEST_DB");
    if (url && *url)
        snprintf(db, sizeof db, "%s", url);
    else
        snprintf(db, sizeof db, "%s/reg.db", dir);
    setenv("PW_REGISTRY_KEY",
           "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_init(db, tok_admin, &err) != PW_OK)
        goto fail;
    if (pw_registry_user_add(db, tok_admin, "dr", "clinician", tok_clin, &err) != PW_OK ||
        pw_registry_user_add(db, tok_admin, "ana", "analyst", tok_analyst, &err) != PW_OK ||
        pw_registry_user_add(db, tok_admin, "court", "court_liaison", tok_court, &err) != PW_OK ||
        pw_registry_user_add(db, tok_admin, "aud", "auditor", tok_audit, &err) != PW_OK)
        goto fail;
    char path[320];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        fprintf(f, "%s\n", records[i]);
    fclose(f);
    pw_import_opts io = {.batch = 1000, .progress = NULL, .errors = stderr};
    pw_import_result res;
    memset(&res, 0, sizeof res);
    if (pw_registry_import(db, tok_clin, path, &io, &res, &err) != PW_OK)
        goto fail;
    if (res.rejected != 0 || res.committed != (long)(sizeof records / sizeof records[0])) {
        fprintf(stderr, "import: %ld committed, %ld rejected\n", res.committed, res.rejected);
        return -1;
    }
    return 0;
fail:
    pw_error_print(&err, stderr, "setup");
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs a report as `tok`; returns the status and, for JSON, the document. */
static int run(const char *tok, pwi_report_kind kind, pwi_report_by by, json_t **doc,
               char **text)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    int rc = pwi_reg_open(db, tok, &reg, &err);
    assert_int_equal(rc, PW_OK);
    pwi_report_opts o = {.kind = kind, .by = by};
    assert_int_equal(pwi_date_parse("2026-01-01", &o.as_of), PW_OK);
    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    rc = pwi_report_run(reg, &o, &out, &len, &type, &err);
    pwi_reg_close(reg);
    if (doc)
        *doc = NULL;
    if (text)
        *text = NULL;
    if (rc != PW_OK)
        return rc;
    assert_int_equal(strlen(out), len);
    if (strcmp(type, "application/json") == 0) {
        json_error_t je;
        json_t *d = json_loads(out, 0, &je);
        assert_non_null(d);
        if (doc)
            *doc = d;
        else
            json_decref(d);
    }
    if (text)
        *text = out;
    else
        free(out);
    return rc;
}

static json_t *group_named(json_t *groups, const char *name)
{
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        if (strcmp(json_string_value(json_object_get(g, "group")), name) == 0)
            return g;
    }
    return NULL;
}

#define NUM(o, k) json_number_value(json_object_get((o), (k)))
#define INT(o, k) json_integer_value(json_object_get((o), (k)))

static void test_relapse_survival(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_int_equal(run(tok_analyst, PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_PROGRAMME, &doc, NULL),
                     PW_OK);
    json_t *groups = json_object_get(doc, "groups");
    assert_int_equal(json_array_size(groups), 2);
    json_t *a = group_named(groups, "A");
    assert_non_null(a);
    assert_int_equal(INT(a, "n"), 6);
    assert_int_equal(INT(a, "events"), 3);
    assert_true(NUM(a, "median_days") == 30);
    assert_int_equal(INT(json_object_get(a, "competing"), "death"), 1);
    assert_int_equal(INT(json_object_get(a, "competing"), "imprisonment"), 1);
    json_t *curve = json_object_get(a, "curve");
    assert_int_equal(json_array_size(curve), 3);
    static const double t[] = {10, 20, 30}, s[] = {5.0 / 6, 0.625, 0.3125};
    static const long nr[] = {6, 4, 2};
    for (size_t i = 0; i < 3; i++) {
        json_t *p = json_array_get(curve, i);
        assert_true(NUM(p, "t_days") == t[i]);
        assert_int_equal(INT(p, "n_risk"), nr[i]);
        assert_int_equal(INT(p, "events"), 1);
        assert_true(fabs(NUM(p, "survival") - s[i]) < 1e-6);
        assert_true(NUM(p, "lo") < s[i] && s[i] < NUM(p, "hi"));
    }
    /* Cumulative incidence at the last event time (t = 30). */
    json_t *cif = json_object_get(a, "cumulative_incidence");
    json_t *last = json_array_get(cif, json_array_size(cif) - 1);
    assert_true(NUM(last, "t_days") == 30);
    assert_true(fabs(NUM(last, "relapse") - 0.5) < 1e-6);
    assert_true(fabs(NUM(last, "death") - 1.0 / 6) < 1e-6);
    assert_true(fabs(NUM(last, "imprisonment") - 1.0 / 6) < 1e-6);
    json_t *b = group_named(groups, "B");
    assert_int_equal(INT(b, "n"), 1);
    assert_int_equal(INT(b, "events"), 0);
    assert_true(json_is_null(json_object_get(b, "median_days")));
    json_decref(doc);

    /* No grouping: one group "all" with all seven. */
    assert_int_equal(run(tok_clin, PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_NONE, &doc, NULL), PW_OK);
    groups = json_object_get(doc, "groups");
    assert_int_equal(json_array_size(groups), 1);
    assert_int_equal(INT(json_array_get(groups, 0), "n"), 7);
    json_decref(doc);

    /* By substance: E3 is the only synthetic_cannabinoids origin. */
    assert_int_equal(run(tok_clin, PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_SUBSTANCE, &doc, NULL),
                     PW_OK);
    json_t *sc = group_named(json_object_get(doc, "groups"), "synthetic_cannabinoids");
    assert_non_null(sc);
    assert_int_equal(INT(sc, "n"), 1);
    assert_int_equal(INT(sc, "events"), 1);
    json_decref(doc);
}

static void test_role_refusals(void **state)
{
    (void)state;
    /* The court liaison reads no aggregate reports (auth.c matrix). */
    assert_int_equal(run(tok_court, PWI_REPORT_RELAPSE_SURVIVAL, PWI_BY_NONE, NULL, NULL),
                     PW_EPERM);
    /* The admin may read aggregates but no person-level list. */
    assert_int_equal(run(tok_admin, PWI_REPORT_OUTCOMES, PWI_BY_NONE, NULL, NULL), PW_OK);
    assert_int_equal(run(tok_admin, PWI_REPORT_OVERDUE, PWI_BY_NONE, NULL, NULL), PW_EPERM);
    assert_int_equal(run(tok_admin, PWI_REPORT_TDI_EXPORT, PWI_BY_NONE, NULL, NULL), PW_EPERM);
    assert_int_equal(run(tok_audit, PWI_REPORT_FLAGS, PWI_BY_NONE, NULL, NULL), PW_EPERM);
}

static void test_caseload_and_outcomes(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_int_equal(run(tok_clin, PWI_REPORT_CASELOAD, PWI_BY_PROGRAMME, &doc, NULL), PW_OK);
    /* Open on 2026-01-01: E9 and E1b, both in A. */
    assert_int_equal(INT(doc, "open"), 2);
    json_t *a = group_named(json_object_get(doc, "groups"), "A");
    assert_int_equal(INT(a, "open"), 2);
    long sum = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(a, "by_phase"), k, v) sum += (long)json_integer_value(v);
    assert_int_equal(sum, 2);
    /* Neither has a case, so each is in the one phase of a plan without
     * the engine: "treatment", not the programme's name. */
    assert_int_equal(INT(json_object_get(a, "by_phase"), "treatment"), 2);
    assert_null(json_object_get(json_object_get(a, "by_phase"), "A"));
    json_decref(doc);

    assert_int_equal(run(tok_clin, PWI_REPORT_OUTCOMES, PWI_BY_PROGRAMME, &doc, NULL), PW_OK);
    a = group_named(json_object_get(doc, "groups"), "A");
    assert_int_equal(INT(a, "episodes"), 9);
    json_t *ret = json_object_get(a, "retention_12_weeks");
    /* All 9 are classifiable; only E7 (19 days, dropped out) not retained. */
    assert_int_equal(INT(ret, "n"), 9);
    assert_int_equal(INT(ret, "retained"), 8);
    json_t *sc = json_object_get(a, "successful_completion");
    assert_int_equal(INT(sc, "discharged"), 7);
    assert_int_equal(INT(sc, "successful"), 6);
    json_t *rp = json_object_get(a, "re_presentation_6_months");
    assert_int_equal(INT(rp, "n"), 6);
    assert_int_equal(INT(rp, "re_presented"), 1);
    json_t *six = json_object_get(a, "six_month_review");
    assert_int_equal(INT(six, "n"), 1);
    assert_int_equal(INT(six, "abstinent"), 1);
    json_decref(doc);
}

static void test_overdue_completeness_flags(void **state)
{
    (void)state;
    json_t *doc = NULL;
    /* The clinician sees refs; E9's quarterly reviews after July are due
     * and missing. */
    assert_int_equal(run(tok_clin, PWI_REPORT_OVERDUE, PWI_BY_NONE, &doc, NULL), PW_OK);
    json_t *rows = json_object_get(doc, "overdue");
    int e9 = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *ref = json_string_value(json_object_get(r, "episode"));
        assert_non_null(ref);
        assert_true(INT(r, "days_overdue") > 0);
        e9 += strcmp(ref, "E9") == 0;
    }
    assert_true(e9 >= 1);
    json_decref(doc);

    /* The analyst gets pseudonyms, never refs. */
    assert_int_equal(run(tok_analyst, PWI_REPORT_OVERDUE, PWI_BY_NONE, &doc, NULL), PW_OK);
    rows = json_object_get(doc, "overdue");
    assert_true(json_array_size(rows) > 0);
    json_array_foreach(rows, i, r) {
        assert_null(json_object_get(r, "episode"));
        assert_int_equal(strlen(json_string_value(json_object_get(r, "pseudonym"))), 16);
    }
    json_decref(doc);

    assert_int_equal(run(tok_clin, PWI_REPORT_COMPLETENESS, PWI_BY_NONE, &doc, NULL), PW_OK);
    json_t *b = NULL;
    json_array_foreach(json_object_get(doc, "programmes"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "programme")), "B") == 0)
            b = r;
    }
    /* B's only episode had no review at all: 0% and flagged. */
    assert_non_null(b);
    assert_true(INT(b, "due") > 0);
    assert_int_equal(INT(b, "held"), 0);
    assert_true(json_is_true(json_object_get(b, "flag")));
    json_decref(doc);

    assert_int_equal(run(tok_clin, PWI_REPORT_FLAGS, PWI_BY_NONE, &doc, NULL), PW_OK);
    int tests_reason = 0;
    json_array_foreach(json_object_get(doc, "persons"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "episode")), "E9") != 0)
            continue;
        size_t j;
        json_t *why;
        json_array_foreach(json_object_get(r, "reasons"), j, why) {
            tests_reason += strstr(json_string_value(why), "2 of the last 3 drug tests") != NULL;
        }
    }
    assert_int_equal(tests_reason, 1);
    /* The same reason as a code with its values, for the front-end to say
     * in the reader's language: a row of "findings" per reason, naming the
     * episode as the row in "persons" does. */
    int tests_code = 0;
    size_t n_reasons = 0;
    json_array_foreach(json_object_get(doc, "persons"), i, r) {
        n_reasons += json_array_size(json_object_get(r, "reasons"));
    }
    assert_int_equal(json_array_size(json_object_get(doc, "findings")), n_reasons);
    json_array_foreach(json_object_get(doc, "findings"), i, r) {
        const char *code = json_string_value(json_object_get(r, "code"));
        assert_non_null(code);
        assert_non_null(json_object_get(r, "episode_id"));
        if (strcmp(json_string_value(json_object_get(r, "episode")), "E9") == 0 &&
            strcmp(code, "tests") == 0) {
            assert_int_equal(INT(r, "n"), 2);
            tests_code++;
        }
    }
    assert_int_equal(tests_code, 1);
    json_decref(doc);

    /* The court liaison sees the test-based flag but review scores are not
     * looked at for it. */
    assert_int_equal(run(tok_court, PWI_REPORT_FLAGS, PWI_BY_NONE, &doc, NULL), PW_OK);
    json_t *checked = json_object_get(doc, "checked");
    json_array_foreach(checked, i, r) assert_string_not_equal(json_string_value(r), "reviews");
    json_decref(doc);
}

/* Completeness over a registry of its own: programme C's one placement is
 * compulsory and waits for the panel (2025-01-01 on) as of 2026-01-01.
 * Its review schedule starts only when the panel activates it
 * (import_event.c), so none of its reviews is due, none missing: C is
 * absent from the report (it once counted every scheduled review as due
 * and missed, 0% and flagged). After the panel accepts it on 2025-12-20
 * the schedule runs from that day, and as of 2026-01-01 still nothing is
 * due; one year on, its reviews are due. */
static void test_completeness_skips_pending_panel(void **state)
{
    (void)state;
    char pdb[400], path[400], admin[65], clin[65], panel[65];
    snprintf(pdb, sizeof pdb, "%s/pending.db", dir);
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_registry_init(pdb, admin, &err), PW_OK);
    assert_int_equal(pw_registry_user_add(pdb, admin, "dr", "clinician", clin, &err), PW_OK);
    assert_int_equal(pw_registry_user_add(pdb, admin, "pan", "panel", panel, &err), PW_OK);
    static const char *const in[] = {
        "{\"type\":\"person\",\"ref\":\"Q1\",\"national_id\":\"900101300011\",\"name\":\"Q One\",\"birth_date\":\"1990-01-01\",\"sex\":\"male\"}",
        "{\"type\":\"episode\",\"ref\":\"C1\",\"person\":\"Q1\",\"programme\":\"C\",\"regime\":\"hybrid\",\"legal_basis\":\"compulsory\",\"start\":\"2025-01-01\",\"substance\":\"heroin\"}",
    };
    snprintf(path, sizeof path, "%s/pending.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < 2; i++)
        fprintf(f, "%s\n", in[i]);
    fclose(f);
    pw_import_opts io = {.batch = 1000, .progress = NULL, .errors = stderr};
    pw_import_result res;
    assert_int_equal(pw_registry_import(pdb, clin, path, &io, &res, &err), PW_OK);
    assert_int_equal(res.rejected, 0);

    pw_registry_report_opts o = {.kind = pw_registry_report_kind("completeness")};
    assert_int_equal(pw_registry_date("2026-01-01", &o.as_of), PW_OK);
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1) { /* the panel accepts it */
            f = fopen(path, "w");
            assert_non_null(f);
            fprintf(f, "{\"type\":\"panel\",\"episode\":\"C1\",\"date\":\"2025-12-20\","
                       "\"decision\":\"accept\",\"members\":[\"Dr A\",\"Dr B\"]}\n");
            fclose(f);
            assert_int_equal(pw_registry_import(pdb, panel, path, &io, &res, &err), PW_OK);
            assert_int_equal(res.rejected, 0);
        }
        if (pass == 2)
            assert_int_equal(pw_registry_date("2027-01-01", &o.as_of), PW_OK);
        char *out = NULL;
        size_t len = 0;
        const char *type = NULL;
        assert_int_equal(pw_registry_report(pdb, clin, &o, &out, &len, &type, &err), PW_OK);
        json_t *doc = json_loads(out, 0, NULL);
        free(out);
        assert_non_null(doc);
        if (pass < 2) {
            assert_int_equal(INT(doc, "due"), 0);
            assert_int_equal(json_array_size(json_object_get(doc, "programmes")), 0);
        } else {
            assert_true(INT(doc, "due") > 0);
            assert_int_equal(INT(doc, "held"), 0);
        }
        json_decref(doc);
    }
}

static void test_tdi_export(void **state)
{
    (void)state;
    char *csv = NULL;
    assert_int_equal(run(tok_analyst, PWI_REPORT_TDI_EXPORT, PWI_BY_NONE, NULL, &csv), PW_OK);
    /* Header + 10 episodes, CRLF lines. */
    int lines = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    assert_int_equal(lines, 11);
    assert_true(strncmp(csv, "record_id,pseudonym,treatment_year", 34) == 0);
    /* E3's primary drug is synthetic cannabinoids: TDI 7.2; E8 cannabis 7.1;
     * heroin 1.1; court referral 7; P1's second episode previously treated. */
    assert_non_null(strstr(csv, ",7.2,"));
    assert_non_null(strstr(csv, ",7.1,"));
    assert_non_null(strstr(csv, ",1.1,"));
    /* No name leaks into the export. */
    assert_null(strstr(csv, "Aigerim"));
    free(csv);
}

static int episode(const char *tok, const char *id, json_t **doc)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(db, tok, &reg, &err), PW_OK);
    char *out = NULL;
    size_t len = 0;
    int rc = pwi_episode_json(reg, id, NULL, &out, &len, &err);
    pwi_reg_close(reg);
    *doc = NULL;
    if (rc == PW_OK) {
        *doc = json_loads(out, 0, NULL);
        assert_non_null(*doc);
        free(out);
    }
    return rc;
}

static int withheld(json_t *doc, const char *what)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(doc, "withheld"), i, w) {
        if (strcmp(json_string_value(w), what) == 0)
            return 1;
    }
    return 0;
}

static void test_episode_views(void **state)
{
    (void)state;
    json_t *doc = NULL;
    /* The clinician sees everything, notes decrypted. */
    assert_int_equal(episode(tok_clin, "E9", &doc), PW_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "ref")), "E9");
    json_t *p = json_object_get(doc, "person");
    assert_string_equal(json_string_value(json_object_get(p, "name")), "I Nine");
    json_t *rev = json_object_get(doc, "reviews");
    assert_int_equal(json_array_size(rev), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rev, 0), "notes")),
                        "private clinical note");
    assert_int_equal(json_array_size(json_object_get(doc, "tests")), 3);
    assert_int_equal(json_array_size(json_object_get(doc, "withheld")), 0);
    int64_t id = INT(doc, "id");
    json_decref(doc);

    /* By numeric id too. */
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
    assert_int_equal(episode(tok_clin, idbuf, &doc), PW_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "ref")), "E9");
    json_decref(doc);

    /* Court liaison: attendance, tests, compliance, phase; no scores, no
     * notes, no case, no clinical discharge reason. */
    assert_int_equal(episode(tok_court, "E9", &doc), PW_OK);
    assert_null(json_object_get(doc, "reviews"));
    assert_null(json_object_get(doc, "case"));
    assert_null(json_object_get(doc, "discharge"));
    assert_non_null(json_object_get(doc, "tests"));
    assert_non_null(json_object_get(doc, "attendance"));
    assert_non_null(json_object_get(doc, "phases"));
    assert_true(withheld(doc, "reviews") && withheld(doc, "notes") && withheld(doc, "case"));
    char *all = json_dumps(doc, 0);
    assert_null(strstr(all, "private clinical note"));
    free(all);
    json_decref(doc);

    /* Analyst: pseudonymised (no ref, no name), scores but no notes; by
     * number, since a lookup by ref is refused (scope.h). */
    assert_int_equal(episode(tok_analyst, "E9", &doc), PW_EPERM);
    assert_int_equal(episode(tok_analyst, "9", &doc), PW_OK);
    assert_null(json_object_get(doc, "ref"));
    p = json_object_get(doc, "person");
    assert_null(json_object_get(p, "name"));
    assert_null(json_object_get(p, "national_id"));
    assert_int_equal(strlen(json_string_value(json_object_get(p, "pseudonym"))), 16);
    assert_non_null(json_object_get(doc, "reviews"));
    assert_null(json_object_get(json_array_get(json_object_get(doc, "reviews"), 0), "notes"));
    assert_true(withheld(doc, "identity") && withheld(doc, "notes"));
    json_decref(doc);

    /* Admin and auditor read no clinical record. */
    assert_int_equal(episode(tok_admin, "E9", &doc), PW_EPERM);
    assert_int_equal(episode(tok_audit, "E9", &doc), PW_EPERM);
    assert_int_equal(episode(tok_clin, "nope", &doc), PW_ENOTFOUND);
}

static void test_reads_are_audited(void **state)
{
    (void)state;
    pw_error err;
    pw_error_clear(&err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pw_registry_audit_list(db, tok_audit, f, &err), PW_OK);
    fclose(f);
    assert_non_null(strstr(buf, "report:relapse-survival"));
    assert_non_null(strstr(buf, "report:tdi-export"));
    /* The denied court-liaison report is on record too. */
    assert_non_null(strstr(buf, "denied"));
    /* Person-level report rows each have their own read entry. */
    assert_non_null(strstr(buf, "\"object\":\"episode:"));
    free(buf);
    long entries = 0;
    assert_int_equal(pw_registry_audit_verify(db, &entries, &err), PW_OK);
    assert_true(entries > 20);
}

/* Every report on a registry with no records: no crash, empty answers
 * (the sanitizer build checks that nothing reads through NULL). */
static void test_empty_registry(void **state)
{
    (void)state;
    char edb[1024], admin[65], clin[65];
    const char *url = getenv("PW_REPORT_TEST_DB_EMPTY");
    if (url && *url)
        snprintf(edb, sizeof edb, "%s", url);
    else
        snprintf(edb, sizeof edb, "%s/empty.db", dir);
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pw_registry_init(edb, admin, &err), PW_OK);
    assert_int_equal(pw_registry_user_add(edb, admin, "c", "clinician", clin, &err), PW_OK);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(edb, clin, &reg, &err), PW_OK);
    for (int k = 0; k < PWI_REPORT_COUNT; k++) {
        for (int by = PWI_BY_NONE; by <= PWI_BY_SUBSTANCE; by++) {
            pwi_report_opts o = {.kind = (pwi_report_kind)k, .by = (pwi_report_by)by,
                                 .as_of = 20454};
            char *out = NULL;
            size_t len = 0;
            const char *type = NULL;
            assert_int_equal(pwi_report_run(reg, &o, &out, &len, &type, &err), PW_OK);
            assert_true(len > 0);
            if (k == PWI_REPORT_RELAPSE_SURVIVAL)
                assert_non_null(strstr(out, "\"groups\":[]"));
            free(out);
        }
    }
    pwi_reg_close(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relapse_survival),
        cmocka_unit_test(test_role_refusals),
        cmocka_unit_test(test_caseload_and_outcomes),
        cmocka_unit_test(test_overdue_completeness_flags),
        cmocka_unit_test(test_completeness_skips_pending_panel),
        cmocka_unit_test(test_tdi_export),
        cmocka_unit_test(test_episode_views),
        cmocka_unit_test(test_reads_are_audited),
        cmocka_unit_test(test_empty_registry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
