/*
 * Atomic output files and directory creation.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "pathways/core.h"

struct pw_afile {
    FILE *fp;
    char *path;
    char *tmp;
};

int pw_afile_open(const char *path, pw_afile **out, pw_error *err)
{
    pw_afile *af = calloc(1, sizeof *af);
    size_t n = strlen(path) + 32;
    *out = NULL;
    if (!af || !(af->path = strdup(path)) || !(af->tmp = malloc(n))) {
        if (af) {
            free(af->path);
            free(af);
        }
        return pw_error_set(err, PW_ENOMEM, path, 0, NULL, "out of memory");
    }
    snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp, "w");
    if (!af->fp) {
        int e = errno;
        free(af->tmp);
        free(af->path);
        free(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot create: %s", strerror(e));
    }
    *out = af;
    return PW_OK;
}

FILE *pw_afile_fp(pw_afile *af) { return af->fp; }

static void afile_free(pw_afile *af)
{
    free(af->tmp);
    free(af->path);
    free(af);
}

int pw_afile_commit(pw_afile *af, pw_error *err)
{
    int rc = PW_OK;
    /* The data must be on disk before the rename makes it visible, or a
     * crash could leave an empty file under the final name. */
    if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
        rc = pw_error_set(err, PW_EIO, af->path, 0, NULL, "cannot write: %s", strerror(errno));
        fclose(af->fp);
        unlink(af->tmp);
        afile_free(af);
        return rc;
    }
    if (fclose(af->fp) != 0) {
        rc = pw_error_set(err, PW_EIO, af->path, 0, NULL, "cannot write: %s", strerror(errno));
        unlink(af->tmp);
    } else if (rename(af->tmp, af->path) != 0) {
        rc = pw_error_set(err, PW_EIO, af->path, 0, NULL, "cannot rename into place: %s",
                          strerror(errno));
        unlink(af->tmp);
    }
    afile_free(af);
    return rc;
}

void pw_afile_abort(pw_afile *af)
{
    if (!af)
        return;
    fclose(af->fp);
    unlink(af->tmp);
    afile_free(af);
}

int pw_mkdirs(const char *path, pw_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return pw_error_set(err, PW_EINVAL, path, 0, NULL, "bad directory name");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return pw_error_set(err, PW_EIO, buf, 0, NULL, "cannot create directory: %s",
                                strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return pw_error_set(err, PW_EIO, path, 0, NULL, "not a directory");
    return PW_OK;
}

int pw_outset_begin(const char *dir, char **staging, pw_error *err)
{
    *staging = NULL;
    int rc = pw_mkdirs(dir, err);
    if (rc != PW_OK)
        return rc;
    size_t n = strlen(dir) + 40;
    char *st = malloc(n);
    if (!st)
        return pw_error_set(err, PW_ENOMEM, dir, 0, NULL, "out of memory");
    snprintf(st, n, "%s/.pw-staging.%ld", dir, (long)getpid());
    /* A folder left by a killed run of the same pid is emptied first. */
    pw_outset_abort(strdup(st));
    if (mkdir(st, 0777) != 0) {
        rc = pw_error_set(err, PW_EIO, st, 0, NULL, "cannot create: %s", strerror(errno));
        free(st);
        return rc;
    }
    *staging = st;
    return PW_OK;
}

/* Removes a folder and what it holds. An output set is a few files and
 * at most one level of folders (inputs/ of a run), so the depth is bound. */
static void remove_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            struct stat st;
            if (depth < 4 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(path, depth + 1);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

void pw_outset_abort(char *staging)
{
    if (!staging)
        return;
    remove_tree(staging, 0);
    free(staging);
}

int pw_outset_commit(const char *dir, char *staging, pw_error *err)
{
    enum { MAX_FILES = 64 };
    char *names[MAX_FILES];
    size_t n = 0;
    int rc = PW_OK;
    DIR *d = opendir(staging);
    if (!d) {
        rc = pw_error_set(err, PW_EIO, staging, 0, NULL, "cannot read: %s", strerror(errno));
        pw_outset_abort(staging);
        return rc;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == MAX_FILES || !(names[n] = strdup(e->d_name))) {
            rc = pw_error_set(err, PW_EIO, staging, 0, NULL, "too many output files");
            break;
        }
        n++;
    }
    closedir(d);
    /* Every file is complete (pw_afile fsyncs before its rename into the
     * staging folder); renames within one file system need no space, so
     * the set moves in without the failure a full disk gives. */
    char from[4096], to[4096], old[4096];
    size_t moved = 0;
    while (rc == PW_OK && moved < n) {
        snprintf(from, sizeof from, "%s/%s", staging, names[moved]);
        snprintf(to, sizeof to, "%s/%s", dir, names[moved]);
        /* A folder of the set (inputs/) cannot be renamed over an earlier
         * run's non-empty one: that one moves into the staging folder
         * first and goes with it, or comes back if the set fails. */
        struct stat st;
        snprintf(old, sizeof old, "%s/.old-%s", staging, names[moved]);
        if (lstat(from, &st) == 0 && S_ISDIR(st.st_mode) && lstat(to, &st) == 0 &&
            S_ISDIR(st.st_mode) && rename(to, old) != 0) {
            rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot replace: %s", strerror(errno));
            break;
        }
        if (rename(from, to) != 0) {
            rc = pw_error_set(err, PW_EIO, to, 0, NULL, "cannot move into place: %s",
                              strerror(errno));
            break;
        }
        moved++;
    }
    if (rc != PW_OK) {
        /* Not a part of a set: take back what was moved in already. */
        for (size_t i = 0; i <= moved && i < n; i++) {
            snprintf(to, sizeof to, "%s/%s", dir, names[i]);
            snprintf(old, sizeof old, "%s/.old-%s", staging, names[i]);
            struct stat st;
            if (i < moved && lstat(to, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    remove_tree(to, 0);
                else
                    unlink(to);
            }
            if (lstat(old, &st) == 0)
                rename(old, to);
        }
    } else {
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    pw_outset_abort(staging);
    return rc;
}

int pw_outset_write(const char *dir, int (*write)(const char *staging, void *arg, pw_error *err),
                    void *arg, pw_error *err)
{
    char *staging = NULL;
    int rc = pw_outset_begin(dir, &staging, err);
    if (rc != PW_OK)
        return rc;
    if ((rc = write(staging, arg, err)) == PW_OK)
        return pw_outset_commit(dir, staging, err);
    size_t sl = strlen(staging);
    if (err && strncmp(err->file, staging, sl) == 0) {
        /* Name the file the user knows, not the staging folder's. */
        char file[sizeof err->file];
        snprintf(file, sizeof file, "%s%s", dir, err->file + sl);
        snprintf(err->file, sizeof err->file, "%s", file);
    }
    pw_outset_abort(staging);
    return rc;
}

void pw_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
