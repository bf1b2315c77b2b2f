/*
 * Fuzz harness: raw HTTP requests to the registry's server, running in
 * this process on a loopback port over an SQLite registry (so the
 * sanitizers watch the server's code). An input is the bytes a client
 * sends; "@TOKEN@" in it is replaced by the administrator's bearer token,
 * so inputs reach the handlers behind the sign-in. The harness sends the
 * input, half-closes, and reads the answer. Promises: no crash; every
 * answer, ours or libmicrohttpd's, carries the security headers; and the
 * server still answers GET /api/v1/health afterwards.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "http.h"
#include "pathways/registry.h"

static pwi_http *srv;
static int port;
static char token[65];

/* Stops the server at exit, so its threads do not outlive the registry. */
static void stop_server(void)
{
    pwi_http_stop(srv);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    char db[128];
    snprintf(db, sizeof db, "%s/reg.db", pw_fuzz_dir());
    setenv("PW_REGISTRY_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
           1);
    pw_error err;
    pw_error_clear(&err);
    /* No failed-token throttle (most inputs have no valid token); a short
     * deadline, so an input that never finishes its request costs 2 s. */
    pwi_http_opts o = {.port = 0, .threads = 2, .auth_fail_limit = -1,
                       .request_timeout_ms = 2000};
    o.db_url = db;
    if (pw_registry_init(db, token, &err) != PW_OK || pwi_http_start(&o, &srv, &err) != PW_OK) {
        fprintf(stderr, "fuzz_http: %s\n", err.msg);
        abort();
    }
    port = pwi_http_port(srv);
    atexit(stop_server);
    return 0;
}

/* The input with every "@TOKEN@" replaced by the token (malloc'd). */
static char *with_token(const uint8_t *data, size_t size, size_t *outlen)
{
    static const char mark[] = "@TOKEN@";
    const size_t ml = sizeof mark - 1, tl = strlen(token);
    char *out = malloc(size / ml * tl + size + 1), *o = out;
    FUZZ_CHECK(out, "out of memory");
    for (size_t i = 0; i < size;) {
        if (size - i >= ml && memcmp(data + i, mark, ml) == 0) {
            memcpy(o, token, tl);
            o += tl;
            i += ml;
        } else {
            *o++ = (char)data[i++];
        }
    }
    *outlen = (size_t)(o - out);
    return out;
}

/* 1 once `ans` (got bytes) holds the first answer whole, by its
 * Content-Length: the server keeps a connection open after an answer, and
 * waiting for it to close would cost the request deadline per input. */
static int answered(const char *ans, size_t got)
{
    const char *end = strstr(ans, "\r\n\r\n");
    if (!end)
        return 0;
    const char *cl = strcasestr(ans, "\r\nContent-Length:");
    if (!cl || cl > end)
        return 0; /* chunked or unknown: until the server closes */
    size_t n = strtoul(cl + 17, NULL, 10);
    return got >= (size_t)(end + 4 - ans) + n;
}

/* Sends `len` bytes, half-closes, and reads the first answer into *ans (up
 * to cap - 1 bytes kept, NUL-terminated): until it is whole, the server
 * closes, or 5 s pass. Returns the bytes kept. */
static size_t exchange(const char *req, size_t len, char *ans, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd >= 0, "socket");
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "the server refused a connection");
    /* The server may answer and close before reading it all. */
    for (size_t off = 0; off < len;) {
        ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    ans[0] = '\0';
    while (got < cap - 1 && !answered(ans, got)) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t k = recv(fd, ans + got, cap - 1 - got, 0);
        if (k <= 0)
            break;
        got += (size_t)k;
        ans[got] = '\0';
    }
    close(fd);
    return got;
}

/* The first answer in `ans` carries the security headers in its head.
 * (Only the first: a later "HTTP/1." may be inside a body.) */
static void check_head(const char *ans)
{
    if (strncmp(ans, "HTTP/1.", 7) != 0)
        return; /* no answer: the server closed (a request it could not read) */
    const char *head_end = strstr(ans, "\r\n\r\n");
    if (!head_end || strncmp(ans + 9, "100", 3) == 0)
        return; /* cut short by our buffer, or "100 Continue" */
    char *head = strndup(ans, (size_t)(head_end - ans));
    FUZZ_CHECK(head, "out of memory");
    FUZZ_CHECK(strstr(head, "X-Content-Type-Options: nosniff"),
               "an answer without X-Content-Type-Options");
    FUZZ_CHECK(strstr(head, "Content-Security-Policy: "),
               "an answer without Content-Security-Policy");
    free(head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        LLVMFuzzerInitialize(NULL, NULL);
    size_t len;
    char *req = with_token(data, size, &len);
    static char ans[1 << 16];
    exchange(req, len, ans, sizeof ans);
    free(req);
    check_head(ans);
    static const char health[] = "GET /api/v1/health HTTP/1.1\r\nHost: f\r\n\r\n";
    /* Three tries, 1 s apart: on a loaded machine a pool thread busy
     * past the request deadline (a commit waiting for the disk) can leave
     * one request unread until its deadline cuts it. A server that is
     * down or full fails all three. */
    int up = 0;
    for (int i = 0; i < 3 && !up; i++) {
        if (i)
            sleep(1);
        exchange(health, sizeof health - 1, ans, sizeof ans);
        up = strstr(ans, "{\"status\":\"ok\"}") != NULL;
    }
    FUZZ_CHECK(up, "the server no longer answers /health");
    return 0;
}
