/*
 * The web front-end's files and the security headers of every answer
 * (internal to `pathways serve`).
 *
 * The front-end (data/web/: index.html, app.css, app.js and its modules)
 * is compiled into the binary with the rest of data/ (tools/embed.c), so
 * `pathways serve` serves it from any directory and the files cannot drift
 * from the server that answers their API calls. Everything outside
 * /api/ is looked up there: "/" is web/index.html, "/app.js" is
 * web/app.js. There is no directory listing and no path outside web/.
 *
 * Headers: every answer, API or file, carries the strict set below, so a
 * browser never sniffs a JSON record into HTML, never frames the app and
 * never sends the URL elsewhere as a referrer. The page's policy is
 * `default-src 'self'` with no inline script or style: a record's text that
 * reached the DOM as markup could still not run. 'self' is the page's own
 * origin, scheme included, and the page uses only relative URLs, so the
 * same policy holds over HTTPS; there every answer also carries
 * Strict-Transport-Security.
 */
#ifndef PWI_HTTP_STATIC_H
#define PWI_HTTP_STATIC_H

#include <microhttpd.h>

/* Adds Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and
 * X-Frame-Options to `r`, and with `tls` (the server speaks HTTPS)
 * Strict-Transport-Security. */
void pwi_http_security_headers(struct MHD_Response *r, int tls);

/*
 * Answers a request for a front-end file at `url` (any path outside /api/):
 * 200 with its Content-Type, `Cache-Control: no-cache` and a strong ETag,
 * 304 when If-None-Match matches, 404 for an unknown or unsafe path, 405
 * for a method other than GET or HEAD. `tls` as for the headers above.
 */
enum MHD_Result pwi_http_static(struct MHD_Connection *c, const char *url,
                                const char *method, int tls);

#endif /* PWI_HTTP_STATIC_H */
