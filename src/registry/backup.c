/*
 * backup.c: `pathways registry backup` (registry.h, pw_registry_backup).
 *
 * Why this way: copying the file of a live SQLite registry with cp can
 * catch a page of one transaction next to a page of another, and misses
 * what is still in the -wal file. SQLite's online backup API copies the
 * pages through a read transaction instead, which in WAL mode is one
 * consistent snapshot that does not block the server's writers. The copy
 * is made in one step (sqlite3_backup_step with -1): done in small steps,
 * the backup restarts whenever another process writes, and would never
 * finish under a steady import.
 *
 * Nothing is half-written: the copy goes to FILE.tmp.PID, is fsynced, then
 * checked as a registry (integrity_check, foreign_key_check, the audit
 * chain verified under the site key, the key check value), and only then
 * renamed over FILE, with the directory fsynced so the rename survives a
 * crash. On any failure the temporary file is removed and FILE is left as
 * it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pathways/registry.h"
#include "reg.h"

/* fsync of a file or directory by path. */
static int fsync_path(const char *path, int dir, pw_error *err)
{
    int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY);
    if (fd < 0)
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot open to sync: %s",
                            strerror(errno));
    int rc = fsync(fd) == 0 ? PW_OK
                            : pw_error_set(err, PW_EIO, path, 0, NULL, "cannot sync: %s",
                                           strerror(errno));
    close(fd);
    return rc;
}

/* Removes the temporary copy and whatever SQLite left beside it. */
static void remove_tmp(const char *tmp)
{
    static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
    char p[4200];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", tmp, sfx[i]);
        unlink(p);
    }
}

/* How long the backup's audit entry may wait for the write lock: polled
 * (pwi_db_poll_lock), so that it gets in between a running import's
 * batches (test_registry_backup runs against an import). */
#define BACKUP_LOCK_WAIT_MS 30000

/* Copies the source database into `tmp` in one step. A writer committing
 * at the very moment the read transaction starts gives SQLITE_BUSY or
 * SQLITE_LOCKED: retried for up to 10 s, as the busy timeout would. */
static int copy_pages(sqlite3 *src, const char *tmp, long *pages, pw_error *err)
{
    sqlite3 *dst = NULL;
    int rc = PW_OK;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = pw_error_set(err, PW_EIO, tmp, 0, NULL, "cannot create: %s",
                          dst ? sqlite3_errmsg(dst) : "out of memory");
        goto done;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        rc = pw_error_set(err, PW_EDB, tmp, 0, NULL, "cannot start the backup: %s",
                          sqlite3_errmsg(dst));
        goto done;
    }
    int r;
    for (int tries = 0;; tries++) {
        r = sqlite3_backup_step(b, -1);
        if ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || tries >= 1000)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    *pages = sqlite3_backup_pagecount(b);
    int fr = sqlite3_backup_finish(b);
    if (r != SQLITE_DONE || fr != SQLITE_OK)
        rc = pw_error_set(err, PW_EDB, tmp, 0, NULL, "backup failed: %s",
                          sqlite3_errstr(r != SQLITE_DONE ? r : fr));
done:
    /* The copy's pages were written in the destination's own transaction
     * (synchronous=FULL by default); the caller fsyncs the file again. */
    if (dst && sqlite3_close(dst) != SQLITE_OK && rc == PW_OK)
        rc = pw_error_set(err, PW_EIO, tmp, 0, NULL, "cannot close the copy");
    return rc;
}

/* Checks the copy as a registry: page-level integrity, foreign keys, the
 * audit chain under the site key, and that the key belongs to it. */
static int check_copy(const char *tmp, const pwi_reg *src, pw_backup_result *res,
                      pw_error *err)
{
    pwi_db *db = NULL;
    int rc = pwi_db_open(tmp, 0, &db, err);
    if (rc != PW_OK)
        return rc;
    pwi_stmt *st;
    if ((rc = pwi_db_prepare(db, "PRAGMA integrity_check", &st, err)) != PW_OK)
        goto done;
    int r = pwi_step(st, err), bad = 0;
    char first[200] = "";
    for (; r == 1; r = pwi_step(st, err)) {
        const char *v = pwi_col_text(st, 0);
        if (!v || strcmp(v, "ok") != 0) {
            if (!bad++)
                snprintf(first, sizeof first, "%s", v ? v : "?");
        }
    }
    pwi_stmt_reset(st);
    if (r < 0) {
        rc = r;
        goto done;
    }
    if (bad) {
        rc = pw_error_set(err, PW_EDB, tmp, 0, NULL, "the copy fails integrity_check: %s",
                          first);
        goto done;
    }
    if ((rc = pwi_db_prepare(db, "PRAGMA foreign_key_check", &st, err)) != PW_OK)
        goto done;
    r = pwi_step(st, err);
    pwi_stmt_reset(st);
    if (r != 0) {
        rc = r < 0 ? r
                   : pw_error_set(err, PW_EDB, tmp, 0, NULL,
                                  "the copy fails foreign_key_check");
        goto done;
    }
    pwi_audit_report rep;
    if ((rc = pwi_audit_verify(db, src->keys.audit, &rep, err)) != PW_OK)
        goto done;
    if (!rep.ok) {
        rc = pw_error_set(err, PW_EDB, tmp, 0, NULL,
                          "the copy's audit chain is broken at entry %lld: %s",
                          (long long)rep.first_bad, rep.reason);
        goto done;
    }
    res->audit_entries = (long)rep.entries;
    int64_t v = 0;
    int found = 0;
    if ((rc = pwi_db_query_int64(db, "SELECT COUNT(*) FROM person", &v, &found, err)) != PW_OK)
        goto done;
    res->people = (long)v;
    if ((rc = pwi_db_query_int64(db, "SELECT COUNT(*) FROM episode", &v, &found, err)) !=
        PW_OK)
        goto done;
    res->episodes = (long)v;
done:
    pwi_db_close(db);
    return rc;
}

int pw_registry_backup(const char *url, const char *as_token, const char *to,
                       pw_backup_result *res, pw_error *err)
{
    memset(res, 0, sizeof *res);
    pwi_reg *reg = NULL;
    char *tmp = NULL, *dircopy = NULL;
    int rc = pwi_reg_open(url, as_token, &reg, err);
    if (rc != PW_OK)
        return rc;
    if ((rc = pwi_reg_require(reg, PWI_READ, PWI_OBJ_BACKUP, "backup", err)) != PW_OK)
        goto done;
    sqlite3 *src = pwi_db_sqlite(reg->db);
    if (!src) {
        /* pg_dump takes one consistent snapshot of a live database; a copy
         * made here would need a restore to be checked at all. */
        rc = pw_error_set(err, PW_EINVAL, pwi_db_url(reg->db), 0, "db",
                          "a PostgreSQL registry is backed up with pg_dump, which reads one "
                          "consistent snapshot while the server runs: "
                          "pg_dump --format=custom --file=FILE 'URL'; then check a restore "
                          "with `pathways registry audit verify`; keep the site key apart");
        goto done;
    }
    /* Renaming the copy over the registry itself would destroy it. */
    struct stat a, b;
    if (stat(url, &a) == 0 && stat(to, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        rc = pw_error_set(err, PW_EINVAL, to, 0, "to", "is the registry itself");
        goto done;
    }
    size_t n = strlen(to) + 32;
    if (!(tmp = malloc(n)) || !(dircopy = strdup(to))) {
        rc = pw_error_set(err, PW_ENOMEM, to, 0, NULL, "out of memory");
        goto done;
    }
    snprintf(tmp, n, "%s.tmp.%ld", to, (long)getpid());
    remove_tmp(tmp);

    /* On record before the copy exists (it then holds its own entry), as
     * an export is: a failed backup is on record too. */
    char detail[300];
    snprintf(detail, sizeof detail, "to %.280s", to);
    pwi_db_poll_lock(reg->db, BACKUP_LOCK_WAIT_MS);
    rc = pwi_db_begin(reg->db, err);
    if (rc == PW_OK)
        rc = pwi_reg_audit(reg, "backup", "registry", detail, err);
    if (rc == PW_OK)
        rc = pwi_db_commit(reg->db, err);
    else
        pwi_db_rollback(reg->db);
    if (rc != PW_OK)
        goto done;

    if ((rc = copy_pages(src, tmp, &res->pages, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = fsync_path(tmp, 0, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = check_copy(tmp, reg, res, err)) != PW_OK)
        goto fail_tmp;
    /* The check opened the copy in WAL mode; closing it checkpointed and
     * removed the -wal file. Sync again in case that wrote to the file. */
    if ((rc = fsync_path(tmp, 0, err)) != PW_OK)
        goto fail_tmp;
    char walp[4200];
    snprintf(walp, sizeof walp, "%s-wal", tmp);
    struct stat w;
    if (stat(walp, &w) == 0 && w.st_size > 0) {
        rc = pw_error_set(err, PW_EIO, tmp, 0, NULL, "the copy still has a WAL file");
        goto fail_tmp;
    }
    unlink(walp); /* an empty -wal and the -shm, if SQLite left them */
    snprintf(walp, sizeof walp, "%s-shm", tmp);
    unlink(walp);
    if (rename(tmp, to) != 0) {
        rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot rename into place: %s",
                          strerror(errno));
        goto fail_tmp;
    }
    rc = fsync_path(dirname(dircopy), 1, err);
    goto done;
fail_tmp:
    remove_tmp(tmp);
done:
    free(tmp);
    free(dircopy);
    pwi_reg_close(reg);
    return rc;
}
