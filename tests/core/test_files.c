/* Built-in data, file loading and atomic output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pathways/core.h"

static void builtin_table_is_consistent(void **state)
{
    (void)state;
    for (size_t i = 0; i < pw_data_count(); i++) {
        size_t len;
        const char *p = pw_data_path(i);
        const char *b = pw_data_get(p, &len);
        assert_non_null(b);
        assert_int_equal(b[len], '\0');
        if (i > 0)
            assert_true(strcmp(pw_data_path(i - 1), p) < 0);
    }
    assert_null(pw_data_get("no/such/file.yaml", NULL));
    assert_null(pw_data_path(pw_data_count()));
}

static void load_by_path_and_missing_names(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwtestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/mine.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("a: 1\n", f);
    fclose(f);
    char *buf;
    size_t len;
    char origin[256];
    pw_error e;
    assert_int_equal(pw_data_load("regimes", path, &buf, &len, origin, sizeof origin, &e), PW_OK);
    assert_string_equal(buf, "a: 1\n");
    assert_string_equal(origin, path);
    free(buf);
    assert_int_equal(pw_data_load("regimes", "no-such-regime", &buf, &len, NULL, 0, &e),
                     PW_ENOTFOUND);
    assert_non_null(strstr(e.msg, "no-such-regime"));
    snprintf(path, sizeof path, "%s/absent.yaml", dir);
    assert_int_equal(pw_data_load("regimes", path, &buf, &len, NULL, 0, &e), PW_EIO);
    assert_string_equal(e.file, path);
    unlink(path);
    snprintf(path, sizeof path, "%s/mine.yaml", dir);
    unlink(path);
    rmdir(dir);
}

static void atomic_file_commit_and_abort(void **state)
{
    (void)state;
    char dir[] = "/tmp/pwtestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], path[300];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    pw_error e;
    assert_int_equal(pw_mkdirs(sub, &e), PW_OK);
    assert_int_equal(pw_mkdirs(sub, &e), PW_OK); /* idempotent */
    snprintf(path, sizeof path, "%s/out.csv", sub);

    pw_afile *af;
    assert_int_equal(pw_afile_open(path, &af, &e), PW_OK);
    fputs("old\n", pw_afile_fp(af));
    /* Not visible until committed. */
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(pw_afile_commit(af, &e), PW_OK);

    /* An aborted rewrite leaves the old content and no temporary file. */
    assert_int_equal(pw_afile_open(path, &af, &e), PW_OK);
    fputs("new, half-written", pw_afile_fp(af));
    pw_afile_abort(af);
    char *buf;
    assert_int_equal(pw_read_file(path, &buf, NULL, &e), PW_OK);
    assert_string_equal(buf, "old\n");
    free(buf);
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);

    assert_int_equal(pw_afile_open("/nonexistent-dir/x.csv", &af, &e), PW_EIO);
    assert_string_equal(e.file, "/nonexistent-dir/x.csv");
    unlink(path);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/a", dir);
    rmdir(sub);
    rmdir(dir);
}

/* pw_read_file takes regular files only, up to PW_READ_FILE_MAX bytes:
 * /dev/zero once grew the process until the kernel killed it, and a FIFO
 * with no writer would block the open. */
static void read_file_only_regular_and_capped(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    pw_error e;
    pw_error_clear(&e);
    assert_int_equal(pw_read_file("/dev/zero", &buf, &len, &e), PW_EIO);
    assert_non_null(strstr(e.msg, "not a regular file"));
    assert_int_equal(pw_read_file("/tmp", &buf, &len, &e), PW_EIO);
    assert_non_null(strstr(e.msg, "a directory"));

    char dir[] = "/tmp/pwtestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[256], big[256], edge[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(big, sizeof big, "%s/big", dir);
    snprintf(edge, sizeof edge, "%s/edge", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(pw_read_file(fifo, &buf, &len, &e), PW_EIO); /* returns, no writer */
    assert_non_null(strstr(e.msg, "not a regular file"));
    /* Sparse files: one byte over the cap is refused, the cap itself read. */
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)PW_READ_FILE_MAX + 1), 0);
    fclose(f);
    assert_int_equal(pw_read_file(big, &buf, &len, &e), PW_EIO);
    assert_non_null(strstr(e.msg, "too large"));
    f = fopen(edge, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)PW_READ_FILE_MAX), 0);
    fclose(f);
    assert_int_equal(pw_read_file(edge, &buf, &len, &e), PW_OK);
    assert_int_equal(len, (size_t)PW_READ_FILE_MAX);
    assert_int_equal(buf[len], '\0');
    free(buf);
    unlink(fifo);
    unlink(big);
    unlink(edge);
    rmdir(dir);
}

static void error_formatting(void **state)
{
    (void)state;
    pw_error e;
    char buf[256];
    pw_error_set(&e, PW_EINVAL, "cases.jsonl", 12, "event", "missing");
    pw_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "cases.jsonl:12: field 'event': missing");
    pw_error_set(&e, PW_EIO, NULL, 0, NULL, "disk full");
    pw_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "disk full");
    assert_int_equal(pw_error_set(NULL, PW_EPERM, NULL, 0, NULL, "x"), PW_EPERM);
    assert_string_equal(pw_strstatus(PW_EPERM), "not permitted for this role");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_table_is_consistent),
        cmocka_unit_test(load_by_path_and_missing_names),
        cmocka_unit_test(atomic_file_commit_and_abort),
        cmocka_unit_test(read_file_only_regular_and_capped),
        cmocka_unit_test(error_formatting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
