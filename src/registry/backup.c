/*
 * backup.c: `pathways registry backup` and `restore` (registry.h,
 * pw_registry_backup, pw_registry_restore).
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
 *
 * `pathways registry restore` (pw_registry_restore) is the way back, with
 * the same checks on a copy of the backup beside the target before the
 * target is touched, and nothing saved lost: an existing registry is
 * replaced only with --force, after its WAL has been folded into it under
 * an exclusive lock that also proves no other process has it open, and it
 * is kept as DB.replaced-TIME.
 */
#include <assert.h>
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
#include "schema.h"

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

/* The check opened the copy in WAL mode; closing it checkpointed and
 * removed the -wal file. Syncs again in case that wrote to the file, and
 * makes sure the copy is one self-contained file. */
static int seal_tmp(const char *tmp, pw_error *err)
{
    int rc = fsync_path(tmp, 0, err);
    if (rc != PW_OK)
        return rc;
    char walp[4200];
    snprintf(walp, sizeof walp, "%s-wal", tmp);
    struct stat w;
    if (stat(walp, &w) == 0 && w.st_size > 0)
        return pw_error_set(err, PW_EIO, tmp, 0, NULL, "the copy still has a WAL file");
    unlink(walp); /* an empty -wal and the -shm, if SQLite left them */
    snprintf(walp, sizeof walp, "%s-shm", tmp);
    unlink(walp);
    return PW_OK;
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
    /* 0600 like the registry (db.h): a backup holds the same data. */
    if ((rc = pwi_file_create_private(tmp, err)) != PW_OK)
        goto done;
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

/* Page-level integrity and foreign keys of an open database file. `what`
 * names it in messages ("the copy", "the backup"); `status` is the error
 * status of a failed check. */
static int check_pages(pwi_db *db, const char *path, const char *what, int status,
                       pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "PRAGMA integrity_check", &st, err);
    if (rc != PW_OK)
        return rc;
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
        /* Damage SQLite meets before it can list it ("database disk image
         * is malformed") is a failed check too. */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        return pw_error_set(err, status, path, 0, NULL, "%s fails integrity_check: %.400s",
                            what, why);
    }
    if (bad)
        return pw_error_set(err, status, path, 0, NULL, "%s fails integrity_check: %s",
                            what, first);
    if ((rc = pwi_db_prepare(db, "PRAGMA foreign_key_check", &st, err)) != PW_OK)
        return rc;
    r = pwi_step(st, err);
    pwi_stmt_reset(st);
    if (r != 0)
        return r < 0 ? r
                     : pw_error_set(err, status, path, 0, NULL, "%s fails foreign_key_check",
                                    what);
    return PW_OK;
}

/* The audit chain under the audit key (which also proves that the site key
 * belongs to the file, as the key check value does), and the counts the
 * summary line shows. */
static int check_chain(pwi_db *db, const unsigned char key[32], const char *path,
                       const char *what, int status, long *entries, long *people,
                       long *episodes, pw_error *err)
{
    pwi_audit_report rep;
    int rc = pwi_audit_verify(db, key, &rep, err);
    if (rc != PW_OK)
        return rc;
    if (!rep.ok) {
        size_t l = strlen(rep.reason);
        if (l && rep.reason[l - 1] == '\n')
            rep.reason[l - 1] = '\0';
        /* A chain entry, or a row, a table or the head that fails its seal
         * (seal.h): a flipped bit inside a value is caught here. */
        if (rep.first_bad)
            return pw_error_set(err, status, path, 0, NULL,
                                "%s's audit chain is broken at entry %lld: %s", what,
                                (long long)rep.first_bad, rep.reason);
        return pw_error_set(err, status, path, 0, NULL, "%s fails its seals: %s", what,
                            rep.reason);
    }
    *entries = (long)rep.entries;
    int64_t v = 0;
    int found = 0;
    if ((rc = pwi_db_query_int64(db, "SELECT COUNT(*) FROM person", &v, &found, err)) != PW_OK)
        return rc;
    *people = (long)v;
    if ((rc = pwi_db_query_int64(db, "SELECT COUNT(*) FROM episode", &v, &found, err)) !=
        PW_OK)
        return rc;
    *episodes = (long)v;
    return PW_OK;
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
    /* The copy's rows are checked against their seals too. */
    pwi_db_set_keys(db, &src->keys);
    if ((rc = check_pages(db, tmp, "the copy", PW_EDB, err)) == PW_OK)
        rc = check_chain(db, src->keys.audit, tmp, "the copy", PW_EDB, &res->audit_entries,
                         &res->people, &res->episodes, err);
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
    /* Not pwi_reg_audit_tx: a BEGIN that fails after the lock wait is
     * rolled back here too (pwi_reg_audit_end does), as it always was. */
    rc = pwi_db_begin(reg->db, err);
    rc = pwi_reg_audit_end(reg, rc, "backup", "registry", detail, err);
    if (rc != PW_OK)
        goto done;

    if ((rc = copy_pages(src, tmp, &res->pages, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = fsync_path(tmp, 0, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = check_copy(tmp, reg, res, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = seal_tmp(tmp, err)) != PW_OK)
        goto fail_tmp;
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

/* ---- restore ------------------------------------------------------------ */

static int path_exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

/* Errors found in the temporary copy name the backup the user gave. */
static void blame_backup(pw_error *err, const char *tmp, const char *from)
{
    if (err && (!err->file[0] || strcmp(err->file, tmp) == 0))
        snprintf(err->file, sizeof err->file, "%s", from);
}

/* Copies the bytes of `from` into a new file `to` and fsyncs it. Why not
 * SQLite's backup API: a read-only connection to a WAL-mode file (which a
 * backup is) creates FILE-wal and FILE-shm beside the backup and cannot
 * remove them again; the user's backup is not to be touched. The caller
 * has made sure that no -wal belongs to `from`, so its bytes are the whole
 * database. */
static int copy_bytes(const char *from, const char *to, pw_error *err)
{
    int in = open(from, O_RDONLY), out = -1, rc = PW_OK;
    if (in < 0)
        return pw_error_set(err, PW_EIO, from, 0, NULL, "cannot read: %s", strerror(errno));
    out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (out < 0) {
        rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot create: %s", strerror(errno));
        goto done;
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pw_error_set(err, PW_EIO, from, 0, NULL, "cannot read: %s", strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot write: %s",
                                  strerror(errno));
                goto done;
            }
            off += w;
        }
    }
    if (fsync(out) != 0)
        rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot sync: %s", strerror(errno));
done:
    if (out >= 0 && close(out) != 0 && rc == PW_OK)
        rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot close: %s", strerror(errno));
    close(in);
    return rc;
}

/* DB.replaced-YYYYMMDDTHHMMSSZ, or with -2, -3, ... if that name is taken
 * (two restores in one second): the replaced registry never overwrites an
 * earlier one. */
static int replaced_name(const char *db, char *out, size_t len, pw_error *err)
{
    char stamp[32], wal[4200];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 1; i < 100; i++) {
        int n = i == 1 ? snprintf(out, len, "%s.replaced-%s", db, stamp)
                       : snprintf(out, len, "%s.replaced-%s-%d", db, stamp, i);
        if (n < 0 || (size_t)n >= len)
            return pw_error_set(err, PW_EINVAL, db, 0, "db", "path too long");
        snprintf(wal, sizeof wal, "%s-wal", out);
        if (!path_exists(out) && !path_exists(wal))
            return PW_OK;
    }
    return pw_error_set(err, PW_ECONFLICT, out, 0, NULL, "exists already");
}

/* Runs a one-row statement and copies its first column into buf. */
static int one_text(sqlite3 *lite, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(lite, sql, -1, &st, NULL);
    buf[0] = '\0';
    if (r == SQLITE_OK) {
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            const unsigned char *v = sqlite3_column_text(st, 0);
            snprintf(buf, len, "%s", v ? (const char *)v : "");
            r = SQLITE_OK;
        } else if (r == SQLITE_DONE) {
            r = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return r;
}

/*
 * Takes the registry at `db` over for the restore, or says that another
 * process has it open. Why not just BEGIN EXCLUSIVE: in WAL mode it is
 * the same as BEGIN IMMEDIATE and succeeds while other connections are
 * open but idle (a server between requests). Leaving WAL mode needs the
 * database to itself: SQLite answers SQLITE_BUSY while any other
 * connection has it open, and on success it has checkpointed every
 * committed transaction of the -wal into the file and removed the -wal
 * and -shm, so the file kept aside is complete on its own. With
 * locking_mode=EXCLUSIVE, BEGIN EXCLUSIVE then keeps every other process
 * out (the journal mode is read again inside it, in case one switched it
 * back in between) until the new file is in place.
 */
static int lock_target(const char *db, sqlite3 **out, pw_error *err)
{
    *out = NULL;
    sqlite3 *lite = NULL;
    char mode[32];
    int r = sqlite3_open_v2(db, &lite, SQLITE_OPEN_READWRITE, NULL);
    if (r == SQLITE_OK)
        r = sqlite3_exec(lite, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL);
    if (r == SQLITE_OK && (r = one_text(lite, "PRAGMA journal_mode=DELETE", mode,
                                        sizeof mode)) == SQLITE_OK &&
        strcmp(mode, "delete") != 0)
        r = SQLITE_BUSY;
    if (r == SQLITE_OK)
        r = sqlite3_exec(lite, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
    if (r == SQLITE_OK &&
        (r = one_text(lite, "PRAGMA journal_mode", mode, sizeof mode)) == SQLITE_OK &&
        strcmp(mode, "delete") != 0)
        r = SQLITE_BUSY;
    if (r == SQLITE_OK) {
        *out = lite;
        return PW_OK;
    }
    int rc;
    if ((r & 0xff) == SQLITE_BUSY || (r & 0xff) == SQLITE_LOCKED)
        rc = pw_error_set(err, PW_ECONFLICT, db, 0, NULL,
                          "is in use by another process (a running `pathways serve` or "
                          "import?): stop it and restore again; the registry was left as "
                          "it was");
    else
        rc = pw_error_set(err, PW_EDB, db, 0, NULL,
                          "cannot take the registry over to replace it: %s; it was left as "
                          "it was (if it is damaged, stop every process that uses it and "
                          "move it away by hand)",
                          lite ? sqlite3_errmsg(lite) : sqlite3_errstr(r));
    sqlite3_close(lite);
    return rc;
}

/* Releases lock_target's hold (nothing was written through it). */
static void unlock_target(sqlite3 *lite)
{
    if (!lite)
        return;
    sqlite3_exec(lite, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(lite);
}

/*
 * The checks on the temporary copy, in the order that keeps them honest:
 * the pages and the schema version on the raw file (opening it as a
 * registry would migrate an older schema first), then as a registry under
 * the target's site key with the caller's token (the key check value), the
 * role, and the audit chain. Then the restore's own audit entry, so that
 * the restored chain shows who restored what.
 */
static int check_and_stamp(const char *tmp, const char *url, const char *as_token,
                           const char *from, pw_restore_result *res, pw_error *err)
{
    pwi_db *db = NULL;
    pwi_reg *reg = NULL;
    int rc = pwi_db_open(tmp, 0, &db, err);
    if (rc != PW_OK) {
        /* A file we just wrote fails to open for what it holds. */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        rc = pw_error_set(err, PW_EINVAL, from, 0, NULL,
                          "not a readable SQLite database (%.400s)", why);
        goto done;
    }
    if ((rc = check_pages(db, from, "the backup", PW_EINVAL, err)) != PW_OK)
        goto done;
    int version = 0;
    if ((rc = pwi_db_schema_version(db, &version, err)) != PW_OK)
        goto done;
    if (version < 1) {
        rc = pw_error_set(err, PW_EINVAL, from, 0, NULL, "not a registry (no schema)");
        goto done;
    }
    if ((rc = pwi_schema_check_known(version, from,
                                     "restore it with the pathways that wrote it", err)) != PW_OK)
        goto done;
    pwi_db_close(db);
    db = NULL;
    if ((rc = pwi_reg_open_keyed(tmp, url, as_token, &reg, err)) != PW_OK)
        goto done;
    /* No "denied" entry: it would go into the copy, which is then removed. */
    if ((rc = pwi_auth_check(&reg->user, PWI_WRITE, PWI_OBJ_BACKUP, err)) != PW_OK) {
        rc = pw_error_set(err, rc, from, 0, "as",
                          "only an admin of the backup may restore it (this token is "
                          "its user '%s', role %s)",
                          reg->user.name, pwi_role_name(reg->user.role));
        goto done;
    }
    if ((rc = check_chain(reg->db, reg->keys.audit, from, "the backup", PW_EINVAL,
                          &res->audit_entries, &res->people, &res->episodes, err)) != PW_OK)
        goto done;
    int64_t pages = 0;
    int found = 0;
    if ((rc = pwi_db_query_int64(reg->db, "PRAGMA page_count", &pages, &found, err)) != PW_OK)
        goto done;
    res->pages = (long)pages;
    /* Absolute paths: the entry must say which file, wherever it was run. */
    assert(!res->replaced[0] || strncmp(res->replaced, url, strlen(url)) == 0);
    char detail[4096], *abs_from = realpath(from, NULL), *abs_db = realpath(url, NULL);
    snprintf(detail, sizeof detail, "from %.1800s: %ld entries verified; %s%.1800s%s",
             abs_from ? abs_from : from, res->audit_entries,
             res->replaced[0] ? "replaced registry kept as " : "no registry replaced",
             res->replaced[0] ? (abs_db ? abs_db : url) : "",
             res->replaced[0] ? res->replaced + strlen(url) : "");
    free(abs_from);
    free(abs_db);
    rc = pwi_reg_audit_tx(reg, "restore", "registry", detail, err);
done:
    blame_backup(err, tmp, from);
    pwi_db_close(db);
    pwi_reg_close(reg);
    return rc;
}

int pw_registry_restore(const char *url, const char *as_token, const char *from,
                        int force, pw_restore_result *res, pw_error *err)
{
    memset(res, 0, sizeof *res);
    if (pwi_db_is_pg_url(url) || pwi_db_is_pg_url(from))
        return pw_error_set(err, PW_EINVAL, NULL, 0, pwi_db_is_pg_url(url) ? "db" : "from",
                            "restore reads a backup file of an SQLite registry; a "
                            "PostgreSQL registry is restored from its pg_dump with "
                            "pg_restore into an empty database: pg_restore --dbname='URL' "
                            "FILE; then check it with `pathways registry audit verify` "
                            "under the same site key");
    /* Everything that can be refused without reading the backup first. */
    struct stat fs, ds;
    if (stat(from, &fs) != 0)
        return pw_error_set(err, PW_ENOTFOUND, from, 0, "from", "cannot read the backup: %s",
                            strerror(errno));
    if (!S_ISREG(fs.st_mode))
        return pw_error_set(err, PW_EINVAL, from, 0, "from", "is not a file");
    char side[4200];
    snprintf(side, sizeof side, "%s-wal", from);
    if (stat(side, &ds) == 0 && ds.st_size > 0)
        return pw_error_set(err, PW_EINVAL, side, 0, "from",
                            "the backup is not one self-contained file (it has a WAL file): "
                            "restore from a copy written by `registry backup`");
    int have = lstat(url, &ds) == 0;
    if (have && !S_ISREG(ds.st_mode))
        return pw_error_set(err, PW_EINVAL, url, 0, "db",
                            "is not a regular file (a symbolic link?): give the registry "
                            "file itself");
    if (have && fs.st_dev == ds.st_dev && fs.st_ino == ds.st_ino)
        return pw_error_set(err, PW_EINVAL, from, 0, "from", "is the registry itself");
    if (have && !force)
        return pw_error_set(err, PW_ECONFLICT, url, 0, "db",
                            "a registry exists here: restore replaces it only with --force, "
                            "and then keeps it as %s.replaced-TIME",
                            url);
    if (!have) {
        /* A WAL or rollback journal without its database may hold committed
         * transactions, and SQLite would apply it to the restored file. */
        static const char *const sfx[] = {"-wal", "-journal"};
        for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
            snprintf(side, sizeof side, "%s%s", url, sfx[i]);
            if (path_exists(side))
                return pw_error_set(err, PW_ECONFLICT, side, 0, NULL,
                                    "is left without its database and may hold committed "
                                    "records: move it away by hand; nothing was changed");
        }
    }
    pwi_keys keys;
    int rc = pwi_keys_load(url, 0, &keys, err);
    pwi_keys_wipe(&keys);
    if (rc == PW_ENOTFOUND) {
        char keyfile[sizeof err->file];
        snprintf(keyfile, sizeof keyfile, "%s", err->file);
        return pw_error_set(err, rc, keyfile, 0, NULL,
                            "key file missing: a backup holds no site key; put the "
                            "registry's key here, or set PW_REGISTRY_KEYFILE or "
                            "PW_REGISTRY_KEY");
    }
    if (rc != PW_OK)
        return rc;

    char *tmp = NULL, *dircopy = NULL;
    sqlite3 *hold = NULL;
    int linked = 0;
    size_t n = strlen(url) + 32;
    if (!(tmp = malloc(n)) || !(dircopy = strdup(url))) {
        rc = pw_error_set(err, PW_ENOMEM, url, 0, NULL, "out of memory");
        goto done;
    }
    snprintf(tmp, n, "%s.tmp.%ld", url, (long)getpid());
    remove_tmp(tmp);
    if (have && (rc = replaced_name(url, res->replaced, sizeof res->replaced, err)) != PW_OK)
        goto done;
    if ((rc = copy_bytes(from, tmp, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = check_and_stamp(tmp, url, as_token, from, res, err)) != PW_OK)
        goto fail_tmp;
    if ((rc = seal_tmp(tmp, err)) != PW_OK)
        goto fail_tmp;

    /* The backup is good and carries its restore entry: only now is the
     * target touched. */
    if (have) {
        if ((rc = lock_target(url, &hold, err)) != PW_OK)
            goto fail_tmp;
        /* Leaving WAL mode removed the -wal; one still there would be
         * replayed into the restored file. */
        snprintf(side, sizeof side, "%s-wal", url);
        if (path_exists(side)) {
            rc = pw_error_set(err, PW_EDB, side, 0, NULL,
                              "is still there after the registry left WAL mode; the "
                              "registry was left as it was");
            goto fail_tmp;
        }
        /* A second name for the old file first: at no moment is there no
         * registry at `url`, and a crash leaves both names on the old one. */
        if (link(url, res->replaced) != 0) {
            rc = pw_error_set(err, PW_EIO, res->replaced, 0, NULL,
                              "cannot keep the replaced registry here: %s; the registry "
                              "was left as it was",
                              strerror(errno));
            goto fail_tmp;
        }
        linked = 1;
        if (rename(tmp, url) != 0) {
            rc = pw_error_set(err, PW_EIO, url, 0, NULL, "cannot rename into place: %s",
                              strerror(errno));
            goto fail_tmp;
        }
    } else {
        snprintf(side, sizeof side, "%s-shm", url);
        unlink(side); /* an index of no WAL: holds no record */
        /* link, unlike rename, fails if another registry appeared here in
         * the meantime, rather than replacing it. */
        if (link(tmp, url) != 0) {
            rc = pw_error_set(err, errno == EEXIST ? PW_ECONFLICT : PW_EIO, url, 0, NULL,
                              "cannot put the restored registry here: %s", strerror(errno));
            goto fail_tmp;
        }
        unlink(tmp);
    }
    rc = fsync_path(dirname(dircopy), 1, err);
    goto done;
fail_tmp:
    if (linked)
        unlink(res->replaced);
    remove_tmp(tmp);
    res->replaced[0] = '\0';
done:
    unlock_target(hold);
    free(tmp);
    free(dircopy);
    return rc;
}
