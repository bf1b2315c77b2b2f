/*
 * The registry as a JSON HTTP API (internal): libmicrohttpd with a thread
 * pool, one database connection per pool thread, bearer tokens.
 *
 * Routes (all under /api/v1/, docs/registry.md "Reports and HTTP API"):
 *   GET  health                      liveness, no token
 *   GET  me                          {"name", "role", "read", "write"}
 *   GET  stats                       counts, as `registry stats`
 *   GET  reports/{kind}[?by=&as_of=] as `registry report`
 *   GET  episodes[?programme=&phase=&as_of=&limit=&offset=]
 *                                    a page of episodes (ref or pseudonym)
 *   GET  episodes/{id or ref}        one episode, filtered by role
 *   POST records                     JSON Lines (or one JSON object/array)
 *                                    of import records, all or nothing,
 *                                    group-committed (http_audit.h)
 *   POST users                       {"name", "role"} -> {"token"}
 *   GET  audit                       JSON Lines, as `registry audit list`
 *   GET  audit/verify                {"ok", "entries", "first_bad", ...}
 *   POST assess                      {"regime", "case"|"cases"} -> decisions
 *                                    (http_assess.h)
 *   GET  openapi.json                this list as OpenAPI 3.0, no token
 *                                    (data/web/openapi.json)
 * The route table in http.c is the dispatch and this list's source.
 * Status codes: 200/201 success, 400 bad body (JSON error naming the field),
 * 401 missing or wrong token, 403 role may not, 404 unknown route or id,
 * 405 wrong method, 413 body too large, 429 too many failed tokens from
 * this address (Retry-After), 500 database failure. libmicrohttpd's own
 * answers to requests it cannot parse (400, 413, 414, 431, 505) carry the
 * same security headers (http_errpage.c).
 * Slow clients: at most per_addr_limit connections from one address, and
 * every request must be all in within request_timeout_ms of its start
 * (http_guard.h).
 * Every other path is a file of the web front-end (http_static.h).
 * With tls_cert and tls_key the same routes are served over HTTPS only,
 * and every answer also carries Strict-Transport-Security.
 */
#ifndef PWI_HTTP_H
#define PWI_HTTP_H

#include "pathways/core.h"
#include "pathways/registry.h"

/* The options, their defaults and the server are the public ones
 * (pathways/registry.h, where each field is described): `pathways serve`
 * reaches the server through pw_registry_serve_*, these names are the
 * registry's own and the tests'. */
typedef pw_registry_serve_opts pwi_http_opts;
#define PWI_HTTP_MAX_CONNS PW_REGISTRY_MAX_CONNS
#define PWI_HTTP_PER_ADDR PW_REGISTRY_PER_ADDR
#define PWI_HTTP_REQUEST_TIMEOUT PW_REGISTRY_REQUEST_TIMEOUT

typedef struct pw_registry_server pwi_http;

/* Checks that the registry opens and, with TLS, that the certificate and
 * key are usable, then starts listening. */
int pwi_http_start(const pwi_http_opts *opts, pwi_http **out, pw_error *err);
/* The port actually bound (useful with port 0). */
int pwi_http_port(const pwi_http *h);
/* Jobs given to the group-commit writer so far (audited reads, refusals,
 * POST /records bodies) and the commits that wrote them. */
void pwi_http_counts(pwi_http *h, long *jobs, long *commits);
/* Bounds the group commit's gather window (http_audit.h); 0 turns it off.
 * For the benchmark, which compares the two. */
void pwi_http_set_gather(pwi_http *h, long max_us);
/* Stops accepting, finishes the requests in flight, closes connections. */
void pwi_http_stop(pwi_http *h);

/* The routes the API answers, from the table the server dispatches on:
 * route i's path under /api/v1/ in OpenAPI form ("episodes/{id}"), its
 * method ("GET", "POST") and whether it needs no token. For the test that
 * keeps data/web/openapi.json true (tests/registry/test_openapi.c). */
size_t pwi_http_route_count(void);
const char *pwi_http_route(size_t i, const char **method, int *open);

#endif /* PWI_HTTP_H */
