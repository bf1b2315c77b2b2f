/*
 * Reports read one snapshot across tables (docs/registry.md
 * "Reports read one snapshot"). A record committed from another connection
 * between two of a report's queries must not be seen by the report; the
 * next report sees it. Runs on SQLite, and on PostgreSQL through
 * test_report_snapshot_pg.sh ($PW_REPORT_TEST_DB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../src/registry/report_int.h"
#include "pathways/registry.h"

/* One person discharged "completed" on 2025-03-01: the origin of one
 * relapse curve. The relapse on 2025-03-11 is what the other connection
 * commits in the middle of a report. */
static const char base[] =
    "{\"type\":\"person\",\"ref\":\"P1\",\"national_id\":\"900101300001\",\"name\":\"A One\","
    "\"birth_date\":\"1990-01-01\",\"sex\":\"female\"}\n"
    "{\"type\":\"episode\",\"ref\":\"E1\",\"person\":\"P1\",\"programme\":\"A\","
    "\"regime\":\"hybrid\",\"legal_basis\":\"voluntary\",\"start\":\"2025-01-01\"}\n"
    "{\"type\":\"discharge\",\"episode\":\"E1\",\"date\":\"2025-03-01\",\"reason\":\"completed\"}\n";
static const char relapse[] = "{\"type\":\"relapse\",\"episode\":\"E1\",\"date\":\"2025-03-11\"}\n";
static const char relapse2[] = "{\"type\":\"relapse\",\"episode\":\"E1\",\"date\":\"2025-03-20\"}\n";

static char dir[256], db[1024];
static char tok_admin[65], tok_clin[65];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pw_test_snapshot_XXXXXX");
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
    if (pw_registry_init(db, tok_admin, &err) != PW_OK ||
        pw_registry_user_add(db, tok_admin, "dr", "clinician", tok_clin, &err) != PW_OK)
        goto fail;
    pwi_reg *reg = NULL;
    int64_t n = 0;
    if (pwi_reg_open(db, tok_clin, &reg, &err) != PW_OK)
        goto fail;
    int rc = pwi_import_buffer(reg, base, strlen(base), "base", &n, &err);
    pwi_reg_close(reg);
    if (rc != PW_OK || n != 3)
        goto fail;
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

/* Commits `records` on a connection of its own, as the clinician. */
static void write_elsewhere(const char *records)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *w = NULL;
    assert_int_equal(pwi_reg_open(db, tok_clin, &w, &err), PW_OK);
    int64_t n = 0;
    int rc = pwi_import_buffer(w, records, strlen(records), "interleaved", &n, &err);
    if (rc != PW_OK)
        pw_error_print(&err, stderr, "interleaved write");
    assert_int_equal(rc, PW_OK);
    assert_int_equal(n, 1);
    pwi_reg_close(w);
}

static int probe_calls;
static void probe(void *ctx)
{
    probe_calls++;
    write_elsewhere((const char *)ctx);
}

/* The relapse report on the single origin: returns its "events". */
static long relapse_events(pwi_reg *reg)
{
    pw_error err;
    pw_error_clear(&err);
    pwi_report_opts o = {.kind = PWI_REPORT_RELAPSE_SURVIVAL, .by = PWI_BY_NONE};
    assert_int_equal(pwi_date_parse("2026-01-01", &o.as_of), PW_OK);
    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    int rc = pwi_report_run(reg, &o, &out, &len, &type, &err);
    if (rc != PW_OK)
        pw_error_print(&err, stderr, "report");
    assert_int_equal(rc, PW_OK);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    free(out);
    assert_non_null(doc);
    json_t *g = json_array_get(json_object_get(doc, "groups"), 0);
    assert_non_null(g);
    assert_int_equal(json_integer_value(json_object_get(g, "n")), 1);
    long ev = (long)json_integer_value(json_object_get(g, "events"));
    json_decref(doc);
    return ev;
}

/* The relapse committed between the report's discharge query and its
 * relapse query is not in the report (without the snapshot, the relapse
 * query would see it: events 1); the next report has it. */
static void test_report_ignores_interleaved_write(void **state)
{
    (void)state;
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(db, tok_clin, &reg, &err), PW_OK);
    probe_calls = 0;
    pwi_report_test_probe = (pwi_report_probe){probe, (void *)relapse};
    long during = relapse_events(reg);
    pwi_report_test_probe = (pwi_report_probe){NULL, NULL};
    assert_int_equal(probe_calls, 1);
    assert_int_equal(during, 0);
    assert_int_equal(relapse_events(reg), 1);
    /* The snapshot has ended: the connection writes again (the report's own
     * audit entries went in after it), and the chain holds. */
    assert_false(pwi_db_in_read(reg->db));
    assert_false(pwi_db_in_tx(reg->db));
    pwi_reg_close(reg);
    long entries = 0;
    assert_int_equal(pw_registry_audit_verify(db, &entries, &err), PW_OK);
    assert_true(entries > 0);
}

/* The server's path: a hook takes the audit entries (http.c hands them to
 * the group-commit writer). The snapshot has ended by the time it is
 * called, and the interleaved write is again not in the report: a death
 * five days after the discharge, which once seen would come before the
 * relapse at day 10 and turn the event into a competing death. */
typedef struct hook_state {
    pwi_reg *reg;
    int calls, in_read;
} hook_state;

static int hook_write(void *ctx, const pwi_user *user, const pwi_audit_entry *e, size_t n,
                      pw_error *err)
{
    (void)user;
    (void)e;
    (void)n;
    (void)err;
    hook_state *h = ctx;
    h->calls++;
    h->in_read |= pwi_db_in_read(h->reg->db);
    return PW_OK;
}

static const char death[] = "{\"type\":\"death\",\"person\":\"P1\",\"date\":\"2025-03-06\"}\n";

static void test_server_path(void **state)
{
    (void)state;
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(db, tok_clin, &reg, &err), PW_OK);
    hook_state hs = {reg, 0, 0};
    pwi_audit_hook hook = {hook_write, &hs};
    pwi_report_opts o = {.kind = PWI_REPORT_RELAPSE_SURVIVAL, .by = PWI_BY_NONE,
                         .audit = &hook};
    assert_int_equal(pwi_date_parse("2026-01-01", &o.as_of), PW_OK);
    probe_calls = 0;
    pwi_report_test_probe = (pwi_report_probe){probe, (void *)death};
    char *out = NULL;
    size_t len = 0;
    const char *type = NULL;
    int rc = pwi_report_run(reg, &o, &out, &len, &type, &err);
    pwi_report_test_probe = (pwi_report_probe){NULL, NULL};
    assert_int_equal(rc, PW_OK);
    assert_int_equal(probe_calls, 1);
    assert_int_equal(hs.calls, 1);
    assert_false(hs.in_read);
    assert_false(pwi_db_in_read(reg->db));
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    free(out);
    assert_non_null(doc);
    json_t *g = json_array_get(json_object_get(doc, "groups"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "events")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(g, "competing"), "death")), 0);
    json_decref(doc);
    /* The next report sees the death first: no relapse event any more. */
    assert_int_equal(relapse_events(reg), 0);
    pwi_reg_close(reg);
}

static int64_t count_relapses(pwi_db *d)
{
    int64_t v = -1;
    int found = 0;
    pw_error err;
    pw_error_clear(&err);
    assert_int_equal(pwi_db_query_int64(d, "SELECT COUNT(*) FROM relapse", &v, &found, &err),
                     PW_OK);
    assert_true(found);
    return v;
}

/* The db API itself: a snapshot held open keeps its view while another
 * connection commits, including a statement that was streaming rows when
 * the write happened; after end_read the connection sees the write. */
static void test_snapshot_held_open(void **state)
{
    (void)state;
    pw_error err;
    pw_error_clear(&err);
    pwi_reg *reg = NULL;
    assert_int_equal(pwi_reg_open(db, tok_clin, &reg, &err), PW_OK);
    int64_t before = count_relapses(reg->db);
    assert_int_equal(pwi_db_begin_read(reg->db, &err), PW_OK);
    assert_true(pwi_db_in_read(reg->db));
    /* A statement with a row pending (streaming on PostgreSQL) while the
     * write lands; end_read must still finish it cleanly. */
    pwi_stmt *st = NULL;
    assert_int_equal(pwi_db_prepare(reg->db, "SELECT id FROM episode", &st, &err), PW_OK);
    assert_int_equal(pwi_step(st, &err), 1);
    write_elsewhere(relapse2);
    assert_int_equal(count_relapses(reg->db), before);
    assert_int_equal(pwi_db_end_read(reg->db, &err), PW_OK);
    assert_false(pwi_db_in_read(reg->db));
    assert_int_equal(count_relapses(reg->db), before + 1);
    /* end_read with no snapshot open is harmless. */
    assert_int_equal(pwi_db_end_read(reg->db, &err), PW_OK);
    pwi_reg_close(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_ignores_interleaved_write),
        cmocka_unit_test(test_snapshot_held_open),
        cmocka_unit_test(test_server_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
