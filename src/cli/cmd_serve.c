/*
 * pathways serve: the registry as a JSON HTTP API and its web front-end
 * (pw_registry_serve_start, pathways/registry.h).
 *
 * Runs until SIGINT or SIGTERM, then finishes the requests in flight and
 * exits 0. The signals are blocked before the server's threads start, so
 * only the main thread (in sigwait) ever receives them.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pathways/registry.h"
#include "cli.h"

static const char usage[] =
    "usage: pathways serve --db DB [--bind 127.0.0.1] [--port 8080] [--threads N]\n"
    "                      [--auth-fail-limit 10] [--auth-fail-window 60]\n"
    "                      [--tls-cert CERT.pem --tls-key KEY.pem]\n"
    "                      [--max-connections 4096] [--per-address-limit 64]\n"
    "                      [--request-timeout 30]\n"
    "\n"
    "Serves the registry as a JSON HTTP API under /api/v1/ (libmicrohttpd, a\n"
    "pool of threads), and a web front-end for every role at / (open\n"
    "http://ADDR:PORT/, or https:// with TLS, in a browser and sign in with a\n"
    "token). Every API request but /api/v1/health needs\n"
    "\"Authorization: Bearer TOKEN\"; the role of the token's user decides what\n"
    "it may read or write, exactly as on the command line, and every read or\n"
    "write of a person's data is audited.\n"
    "\n"
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
    "options:\n"
    "  -d, --db DB        SQLite file or postgresql:// URL (default $PW_REGISTRY_DB)\n"
    "  -b, --bind ADDR    IPv4 address to listen on (default 127.0.0.1)\n"
    "  -p, --port N       TCP port (default 8080; 0 picks a free one)\n"
    "  -t, --threads N    worker threads (default: number of CPUs)\n"
    "      --auth-fail-limit N   after N wrong tokens from one address within the\n"
    "                     window, answer 429 for one window without checking\n"
    "                     tokens (default 10; 0 turns throttling off)\n"
    "      --auth-fail-window S  the window, in seconds (default 60)\n"
    "      --tls-cert FILE  serve HTTPS only, with this PEM certificate (chain,\n"
    "                     server's first); needs --tls-key\n"
    "      --tls-key FILE   its PEM private key, unencrypted; refused if group or\n"
    "                     others may read it (chmod 600; 0640 only if root owns it)\n"
    "      --max-connections N   connections at once, in all (default 4096;\n"
    "                     lowered to fit the open-file limit, with a warning)\n"
    "      --per-address-limit N connections at once from one client address\n"
    "                     (default 64; 0 turns the limit off, e.g. behind a\n"
    "                     reverse proxy on this host, which must then limit\n"
    "                     its own clients)\n"
    "      --request-timeout S   a request must be all in (headers and body)\n"
    "                     within S seconds of its connection's start, or of the\n"
    "                     previous request on it, or the connection is closed\n"
    "                     (default 30; raise it for large POST bodies on slow\n"
    "                     links)\n"
    "  -h, --help         this text\n"
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
    "      registry; 2 usage; 3 cannot listen or database failure\n";

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

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
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
    if (pw_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return PW_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"bind", required_argument, NULL, 'b'},
        {"port", required_argument, NULL, 'p'},    {"threads", required_argument, NULL, 't'},
        {"auth-fail-limit", required_argument, NULL, 'L'},
        {"auth-fail-window", required_argument, NULL, 'W'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"max-connections", required_argument, NULL, 'M'},
        {"per-address-limit", required_argument, NULL, 'A'},
        {"request-timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    pw_registry_serve_opts o = {.db_url = getenv("PW_REGISTRY_DB"), .bind = "127.0.0.1", .port = 8080};
    optind = 1;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, ":d:b:p:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db_url = optarg; break;
        case 'b': o.bind = optarg; break;
        case 'p':
            if (parse_int(optarg, 0, 65535, &v) != 0)
                return pw_cli_usage_error(cmd, "--port must be 0..65535, not '%s'", optarg);
            o.port = (int)v;
            break;
        case 't':
            if (parse_int(optarg, 1, 256, &v) != 0)
                return pw_cli_usage_error(cmd, "--threads must be 1..256, not '%s'", optarg);
            o.threads = (int)v;
            break;
        case 'L':
            if (parse_int(optarg, 0, 1000000, &v) != 0)
                return pw_cli_usage_error(cmd, "--auth-fail-limit must be 0..1000000, not '%s'",
                                          optarg);
            /* 0 on the command line is "off"; in pw_registry_serve_opts it is "default". */
            o.auth_fail_limit = v == 0 ? -1 : (int)v;
            break;
        case 'W':
            if (parse_int(optarg, 1, 86400, &v) != 0)
                return pw_cli_usage_error(cmd, "--auth-fail-window must be 1..86400 seconds, not '%s'",
                                          optarg);
            o.auth_fail_window = (int)v;
            break;
        case 'C': o.tls_cert = optarg; break;
        case 'K': o.tls_key = optarg; break;
        case 'M':
            if (parse_int(optarg, 1, 1000000, &v) != 0)
                return pw_cli_usage_error(cmd, "--max-connections must be 1..1000000, not '%s'",
                                          optarg);
            o.max_conns = (int)v;
            break;
        case 'A':
            if (parse_int(optarg, 0, 1000000, &v) != 0)
                return pw_cli_usage_error(cmd, "--per-address-limit must be 0..1000000, not '%s'",
                                          optarg);
            /* 0 on the command line is "off"; in pw_registry_serve_opts it is "default". */
            o.per_addr_limit = v == 0 ? -1 : (int)v;
            break;
        case 'T':
            if (parse_int(optarg, 1, 86400, &v) != 0)
                return pw_cli_usage_error(cmd, "--request-timeout must be 1..86400 seconds, not '%s'",
                                          optarg);
            o.request_timeout_ms = (int)v * 1000;
            break;
        case ':': return pw_cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return pw_cli_usage_error(cmd, "unknown option %s (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pw_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
