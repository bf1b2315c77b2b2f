/*
 * Atomic output files and directory creation.
 */
#include <errno.h>
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
