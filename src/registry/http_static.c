/*
 * The web front-end's embedded files over HTTP (see http_static.h).
 */
#include "http_static.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pathways/core.h"

/* Where in data/ the front-end lives, and the file "/" stands for. */
#define PWI_WEB_ROOT "web"
#define PWI_WEB_INDEX "/index.html"
/* Longest path accepted; the front-end's names are short. */
#define PWI_WEB_MAX_PATH 128

/* Content-Type by file extension. A file whose type is not listed is not
 * served at all: a browser must never have to guess (nosniff). */
static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    /* ES modules are only run with a JavaScript MIME type. */
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

void pwi_http_security_headers(struct MHD_Response *r, int tls)
{
    /* 'self' only: the app loads its own script and style files and talks
     * to its own API; no inline code, no framing (frame-ancestors covers
     * browsers that ignore X-Frame-Options), forms post only to us. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'; form-action 'self'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    /* Only over TLS: a browser ignores it on plain HTTP, and sending it
     * there would promise an HTTPS port this server does not have. A year,
     * the usual value; no includeSubDomains, since other names under the
     * registry's host name are not ours to pin. */
    if (tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

/* 1 if `url` may name a front-end file: an absolute path of letters,
 * digits and "-_./" without "..", so no request can leave web/. */
static int safe_path(const char *url)
{
    if (url[0] != '/' || strstr(url, "..") || strlen(url) > PWI_WEB_MAX_PATH)
        return 0;
    for (const char *p = url; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
              ch == '/'))
            return 0;
    }
    return 1;
}

/* A strong ETag: FNV-1a 64 of the bytes. The files change only with the
 * binary, so this lets a browser revalidate cheaply instead of caching a
 * file across an upgrade (Cache-Control: no-cache). */
static void etag_of(const unsigned char *b, size_t n, char out[20])
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    snprintf(out, 20, "\"%016llx\"", (unsigned long long)h);
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned code,
                                  const char *msg, int tls)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    pwi_http_security_headers(r, tls);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result pwi_http_static(struct MHD_Connection *c, const char *url,
                                const char *method, int tls)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET\n", tls);
    if (strcmp(url, "/") == 0)
        url = PWI_WEB_INDEX;
    const char *type = safe_path(url) ? type_of(url) : NULL;
    char rel[sizeof PWI_WEB_ROOT + PWI_WEB_MAX_PATH + 1];
    size_t len = 0;
    const char *bytes = NULL;
    if (type) {
        int n = snprintf(rel, sizeof rel, "%s%s", PWI_WEB_ROOT, url);
        assert(n > 0 && (size_t)n < sizeof rel);
        (void)n;
        bytes = pw_data_get(rel, &len);
    }
    if (!bytes)
        return queue_text(c, MHD_HTTP_NOT_FOUND, "not found\n", tls);

    char etag[20];
    etag_of((const unsigned char *)bytes, len, etag);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_IF_NONE_MATCH);
    int fresh = inm && strcmp(inm, etag) == 0;
    /* The bytes are part of the binary: MHD may send them in place. */
    struct MHD_Response *r = MHD_create_response_from_buffer(
        fresh ? 0 : len, (void *)bytes, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    pwi_http_security_headers(r, tls);
    enum MHD_Result ret =
        MHD_queue_response(c, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
