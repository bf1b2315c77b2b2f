/*
 * pathways serve: the registry as a JSON HTTP API and its web front-end
 * (pw_registry_serve_start, pathways/registry.h).
 *
 * Runs until SIGINT or SIGTERM, then finishes the requests in flight and
 * exits 0. The signals are blocked before the server's threads start, so
 * only the main thread (in sigwait) ever receives them.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pathways/registry.h"
#include "cli.h"

enum { V_DB, V_BIND, V_PORT, V_THREADS, V_AUTH_LIMIT, V_AUTH_WINDOW, V_TLS_CERT, V_TLS_KEY,
       V_MAX_CONNS, V_PER_ADDR, V_TIMEOUT, V_HELP, V_N_OPTS };
static const pw_cli_opt serve_opts[V_N_OPTS] = {
    [V_DB] = {"db", 'd', PW_OPT_STR, "DB", 0, 0, NULL, "$PW_REGISTRY_DB",
              "SQLite file or postgresql:// URL", PW_OPTF_FILE},
    [V_BIND] = {"bind", 'b', PW_OPT_STR, "ADDR", 0, 0, NULL, "127.0.0.1",
                "IPv4 address to listen on", 0},
    [V_PORT] = {"port", 'p', PW_OPT_INT, "N", 0, 65535, NULL, "8080",
                "TCP port; 0 picks a free one", 0},
    /* The same range as every --threads; here the threads answer requests. */
    [V_THREADS] = {"threads", 't', PW_OPT_INT, "T", 0, 1024, NULL, "0: number of CPUs",
                   "worker threads", 0},
    [V_AUTH_LIMIT] = {"auth-fail-limit", 0, PW_OPT_INT, "N", 0, 1000000, NULL, "10",
                      "after N wrong tokens from one address within the window, answer 429 "
                      "for one window without checking tokens; 0 turns throttling off", 0},
    [V_AUTH_WINDOW] = {"auth-fail-window", 0, PW_OPT_INT, "S", 1, 86400, NULL, "60",
                       "the window, in seconds", 0},
    [V_TLS_CERT] = {"tls-cert", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL,
                    "serve HTTPS only, with this PEM certificate (chain, server's first); "
                    "needs --tls-key", PW_OPTF_FILE},
    [V_TLS_KEY] = {"tls-key", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL,
                   "its PEM private key, unencrypted; refused if group or others may read it "
                   "(chmod 600; 0640 only if root owns it)", PW_OPTF_FILE},
    [V_MAX_CONNS] = {"max-connections", 0, PW_OPT_INT, "N", 1, 1000000, NULL, "4096",
                     "connections at once, in all (lowered to fit the open-file limit, with "
                     "a warning)", 0},
    [V_PER_ADDR] = {"per-address-limit", 0, PW_OPT_INT, "N", 0, 1000000, NULL, "64",
                    "connections at once from one client address; 0 turns the limit off, "
                    "e.g. behind a reverse proxy on this host, which must then limit its own "
                    "clients", 0},
    [V_TIMEOUT] = {"request-timeout", 0, PW_OPT_INT, "S", 1, 86400, NULL, "30",
                   "a request must be all in (headers and body) within S seconds of its "
                   "connection's start, or of the previous request on it, or the connection "
                   "is closed; raise it for large POST bodies on slow links", 0},
    [V_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_serve = {
    "serve", "serve the registry's JSON HTTP API and web front-end", NULL,
    "Serves the registry as a JSON HTTP API under /api/v1/ (libmicrohttpd, a pool of "
    "threads), and a web front-end for every role at / (open http://ADDR:PORT/, or https:// "
    "with TLS, in a browser and sign in with a token). Every API request but /api/v1/health "
    "needs \"Authorization: Bearer TOKEN\"; the role of the token's user decides what it may "
    "read or write, exactly as on the command line, and every read or write of a person's "
    "data is audited.",
    serve_opts, V_N_OPTS,
    "  GET  /api/v1/health                        {\"status\": \"ok\"}\n"
    "  GET  /api/v1/me                            the token's user, role and rights\n"
    "  GET  /api/v1/episodes[?programme=&phase=&as_of=&limit=&offset=]\n"
    "                                             a page of episodes\n"
    "  GET  /api/v1/stats                         counts (registry stats)\n"
    "  GET  /api/v1/reports/KIND[?by=&as_of=]     a report (registry report)\n"
    "  GET  /api/v1/episodes/ID                   an episode by id or ref\n"
    "  POST /api/v1/records                       import JSON Lines, all or nothing\n"
    "  POST /api/v1/users                         {\"name\", \"role\"} -> token\n"
    "  GET  /api/v1/audit                         the audit log (JSON Lines)\n"
    "  GET  /api/v1/audit/verify                  check the audit chain\n"
    "\n"
    "Status: 401 missing or wrong token; 403 role may not; 400 bad body, with\n"
    "{\"error\", \"field\", \"line\"}; 404 unknown path or episode; 429 too many\n"
    "failed tokens from this address (Retry-After says when to try again).\n"
    "\n"
    "TLS: TLS 1.2 and 1.3 only (GnuTLS \"NORMAL\" ciphers); every answer then\n"
    "carries Strict-Transport-Security. Without TLS, tokens and health data\n"
    "cross the network in clear: on a non-loopback --bind use --tls-cert and\n"
    "--tls-key, or keep 127.0.0.1 and end TLS in a reverse proxy on this host\n"
    "(a non-loopback bind without TLS is warned about, not refused).\n"
    "A self-signed certificate for a test:\n"
    "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n"
    "    -keyout key.pem -out cert.pem -days 365 -subj /CN=HOST \\\n"
    "    -addext subjectAltName=DNS:HOST\n"
    "\n"
    "Prints \"listening on http://ADDR:PORT\" (https:// with TLS) once ready.\n"
    "See docs/registry.md.\n"
    "exit: 0 stopped by a signal; 1 bad option value (a TLS file: unreadable,\n"
    "      open to others, not PEM, or key and certificate do not match) or\n"
    "      registry; 2 usage; 3 cannot listen or database failure\n"};

/* 1 if addr is in 127.0.0.0/8, the only addresses whose traffic never
 * leaves the host. An address that does not parse counts as loopback here:
 * pw_registry_serve_start refuses it anyway. */
static int is_loopback(const char *addr)
{
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return 1;
    return (ntohl(a.s_addr) >> 24) == 127;
}

/* Descriptors the server needs besides one per connection: the listening
 * socket, each pool thread's database files, the audit writer's, the
 * epoll sets, stdio. Generous: running out of descriptors fails accept()
 * for everyone, which is the denial of service the limits are there to
 * prevent. */
#define SERVE_SPARE_FDS 256

/* Raises the open-file limit to what --max-connections needs (up to the
 * hard limit; the usual soft limit of 1024 would let a few hundred idle
 * connections exhaust it), and lowers max_conns, with a warning, where the
 * hard limit is too low. */
static void fit_open_files(pw_registry_serve_opts *o)
{
    rlim_t want = (rlim_t)(o->max_conns > 0 ? o->max_conns : PW_REGISTRY_MAX_CONNS) + SERVE_SPARE_FDS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        struct rlimit nl = {cur, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
            rl.rlim_cur = cur;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        long fit = rl.rlim_cur > 2 * SERVE_SPARE_FDS ? (long)(rl.rlim_cur - SERVE_SPARE_FDS)
                                                     : (long)rl.rlim_cur / 2;
        fprintf(stderr,
                "pathways serve: warning: the open-file limit (%ld) allows only %ld "
                "connections; raise it (ulimit -n, LimitNOFILE=) for more\n",
                (long)rl.rlim_cur, fit);
        o->max_conns = (int)fit;
    }
}

int pw_cmd_serve(int argc, char **argv)
{
    static const char cmd[] = "serve";
    pw_cli_val v[V_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_serve, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    pw_registry_serve_opts o = {.db_url = getenv("PW_REGISTRY_DB"), .bind = "127.0.0.1", .port = 8080};
    o.db_url = pw_cli_str(&args, V_DB, o.db_url);
    o.bind = pw_cli_str(&args, V_BIND, o.bind);
    o.port = (int)pw_cli_int(&args, V_PORT, o.port);
    o.threads = (int)pw_cli_int(&args, V_THREADS, 0);
    /* 0 on the command line is "off"; in pw_registry_serve_opts it is "default". */
    if (v[V_AUTH_LIMIT].given)
        o.auth_fail_limit = v[V_AUTH_LIMIT].i == 0 ? -1 : (int)v[V_AUTH_LIMIT].i;
    o.auth_fail_window = (int)pw_cli_int(&args, V_AUTH_WINDOW, o.auth_fail_window);
    o.tls_cert = pw_cli_str(&args, V_TLS_CERT, NULL);
    o.tls_key = pw_cli_str(&args, V_TLS_KEY, NULL);
    o.max_conns = (int)pw_cli_int(&args, V_MAX_CONNS, o.max_conns);
    if (v[V_PER_ADDR].given)
        o.per_addr_limit = v[V_PER_ADDR].i == 0 ? -1 : (int)v[V_PER_ADDR].i;
    if (v[V_TIMEOUT].given)
        o.request_timeout_ms = (int)v[V_TIMEOUT].i * 1000;
    if (!o.db_url || !*o.db_url)
        return pw_cli_usage_error(cmd, "--db is required");
    if (!o.tls_cert != !o.tls_key)
        return pw_cli_usage_error(cmd, "%s needs %s too (both or neither)",
                                  o.tls_cert ? "--tls-cert" : "--tls-key",
                                  o.tls_cert ? "--tls-key" : "--tls-cert");
    if (o.tls_cert && (!*o.tls_cert || !*o.tls_key))
        return pw_cli_usage_error(cmd, "--tls-cert and --tls-key need file names");
    int tls = o.tls_cert != NULL;
    fit_open_files(&o);

    /* Block the stop signals in every thread (the pool inherits the mask)
     * and wait for them here; a client hanging up must not kill us. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    pw_error err;
    pw_error_clear(&err);
    pw_registry_server *h = NULL;
    int rc = pw_registry_serve_start(&o, &h, &err);
    if (rc != PW_OK) {
        pw_error_print(&err, stderr, "pathways serve");
        return rc == PW_EIO || rc == PW_EDB || rc == PW_ENOMEM ? PW_EXIT_FAIL : PW_EXIT_BADINPUT;
    }
    /* A warning, not a refusal: TLS may end in a reverse proxy on this
     * host that forwards to this address. Printed once the server runs, so
     * a start that fails shows only its error. */
    if (!tls && !is_loopback(o.bind))
        fprintf(stderr,
                "pathways serve: warning: listening on %s without TLS: bearer tokens and "
                "health and criminal-justice records cross the network in clear. Use "
                "--tls-cert/--tls-key, or bind to 127.0.0.1 behind a TLS reverse proxy\n",
                o.bind);
    printf("listening on %s://%s:%d\n", tls ? "https" : "http", o.bind, pw_registry_serve_port(h));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "pathways serve: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    /* How well the group commit grouped, for the operator (read before the
     * last queued jobs are written, so it may miss those). */
    long jobs = 0, commits = 0;
    pw_registry_serve_counts(h, &jobs, &commits);
    pw_registry_serve_stop(h);
    fprintf(stderr, "pathways serve: stopped; %ld audited or written requests in %ld commits\n",
            jobs, commits);
    return PW_EXIT_OK;
}
