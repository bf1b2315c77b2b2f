/*
 * The certificate and private key of `pathways serve --tls-cert/--tls-key`
 * (internal): read, checked and held in memory for libmicrohttpd.
 *
 * Everything an operator can get wrong is found here, before the server
 * starts, with a message naming the file and the option: a file that
 * cannot be read, a key file others may read, a file that is not PEM (or
 * DER given for PEM), a certificate or key GnuTLS cannot parse, an
 * encrypted key, and a key that does not belong to the certificate.
 *
 * Key file permissions (as PostgreSQL checks ssl_key_file; the ssh client
 * is stricter): refused if anyone but the owner and group may access it,
 * and refused if the group may access it unless the file is owned by root
 * and the group may only read (Debian's ssl-cert group: /etc/ssl/private
 * keys are root:ssl-cert 0640). So 0600 and 0400 always pass, 0640 only as
 * root's file, 0644 never.
 */
#ifndef PWI_HTTP_TLS_H
#define PWI_HTTP_TLS_H

#include <stddef.h>

#include "pathways/core.h"

/* Protocol versions and ciphers offered (GnuTLS priority string): GnuTLS's
 * NORMAL set with TLS 1.2 and 1.3 only; SSL 3, TLS 1.0 and 1.1 are off. */
#define PWI_HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* The two PEM files' contents, NUL-terminated (MHD takes C strings). */
typedef struct pwi_http_tls {
    char *cert;
    size_t cert_len;
    char *key;
    size_t key_len;
} pwi_http_tls;

/* Reads and checks cert_path (--tls-cert: one or more PEM certificates,
 * the server's first) and key_path (--tls-key: its PEM private key, not
 * encrypted). On success *out holds both; free it with pwi_http_tls_free.
 * On failure *out is empty, and err names the file. */
int pwi_http_tls_load(const char *cert_path, const char *key_path, pwi_http_tls *out,
                      pw_error *err);

/* Wipes the key's bytes (sodium_memzero) and frees both buffers. Safe on
 * an empty or already freed struct. */
void pwi_http_tls_free(pwi_http_tls *t);

#endif /* PWI_HTTP_TLS_H */
