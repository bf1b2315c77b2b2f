/*
 * Status words and located errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/core.h"

const char *pw_strstatus(int status)
{
    switch (status) {
    case PW_OK: return "ok";
    case PW_ENOMEM: return "out of memory";
    case PW_EIO: return "input/output error";
    case PW_EPARSE: return "malformed input";
    case PW_EINVAL: return "invalid value";
    case PW_ENOTFOUND: return "not found";
    case PW_EPERM: return "not permitted for this role";
    case PW_EDB: return "database error";
    case PW_EAUTH: return "unknown or missing credentials";
    case PW_ECONFLICT: return "conflicting or duplicate record";
    default: return "unknown error";
    }
}

void pw_error_clear(pw_error *e)
{
    if (!e)
        return;
    e->status = PW_OK;
    e->file[0] = '\0';
    e->line = 0;
    e->field[0] = '\0';
    e->msg[0] = '\0';
}

int pw_error_set(pw_error *e, int status, const char *file, long line,
                 const char *field, const char *fmt, ...)
{
    if (!e)
        return status;
    e->status = status;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return status;
}

void pw_error_format(const pw_error *e, char *buf, size_t len)
{
    size_t n = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    /* Each piece is optional: "file:line: field 'x': message". */
    if (e->file[0]) {
        if (e->line > 0)
            n += (size_t)snprintf(buf + n, len - n, "%s:%ld: ", e->file, e->line);
        else
            n += (size_t)snprintf(buf + n, len - n, "%s: ", e->file);
    } else if (e->line > 0) {
        n += (size_t)snprintf(buf + n, len - n, "line %ld: ", e->line);
    }
    if (n < len && e->field[0])
        n += (size_t)snprintf(buf + n, len - n, "field '%s': ", e->field);
    if (n < len)
        snprintf(buf + n, len - n, "%s", e->msg[0] ? e->msg : pw_strstatus(e->status));
}

void pw_error_print(const pw_error *e, FILE *f, const char *prog)
{
    char buf[1024];
    pw_error_format(e, buf, sizeof buf);
    if (prog && prog[0])
        fprintf(f, "%s: %s\n", prog, buf);
    else
        fprintf(f, "%s\n", buf);
}

/* The library's free, for callers that may not share its C runtime
 * (core.h). */
void pw_free(void *p)
{
    free(p);
}
