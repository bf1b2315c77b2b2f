/*
 * The TLS certificate and key of `pathways serve` (see http_tls.h).
 */
#include "http_tls.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

/* A certificate chain or a key is a few KB; anything far larger is the
 * wrong file, and is not read into memory. */
#define PWI_TLS_MAX_FILE (1 << 20)

/* 1 if the key file's mode lets someone other than its owner at it (the
 * rule in http_tls.h: group read is allowed only on a root-owned file). */
static int key_mode_open(const struct stat *st)
{
    mode_t m = st->st_mode;
    if (m & S_IRWXO)
        return 1;
    if (m & S_IRWXG)
        return !(st->st_uid == 0 && (m & (S_IWGRP | S_IXGRP)) == 0);
    return 0;
}

static void wipe_free(char *buf, size_t len, int secret)
{
    if (buf && secret)
        sodium_memzero(buf, len);
    free(buf);
}

/* Reads the PEM file named by option `opt` into a NUL-terminated buffer.
 * `secret`: it is the private key, so its mode is checked and every copy
 * is wiped on failure. Sizes the buffer from fstat so the key is never
 * copied by a realloc that would leave a stray copy in freed memory. */
static int read_pem(const char *path, const char *opt, int secret, char **out,
                    size_t *outlen, pw_error *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = PW_OK;
    char *buf = NULL;
    size_t size = 0;
    /* fstat on the opened descriptor, so the mode checked is the mode of
     * the file read (no race with a rename in between). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        /* A file named by an option that cannot be read is a bad option
         * value (exit 1), not a server failure like a busy port (exit 3). */
        rc = pw_error_set(err, PW_EINVAL, path, 0, NULL, "%s: cannot read: %s", opt,
                          strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = pw_error_set(err, PW_EINVAL, path, 0, NULL, "%s: cannot stat: %s", opt,
                          strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = pw_error_set(err, PW_EINVAL, path, 0, NULL, "%s: not a regular file", opt);
        goto done;
    }
    if (secret && key_mode_open(&st)) {
        rc = pw_error_set(err, PW_EINVAL, path, 0, NULL,
                          "%s: the private key is accessible by group or others (mode %04o), "
                          "so other users of this host could read it; refused. "
                          "Run: chmod 600 %s",
                          opt, (unsigned)(st.st_mode & 07777), path);
        goto done;
    }
    if (st.st_size <= 0 || st.st_size > PWI_TLS_MAX_FILE) {
        rc = pw_error_set(err, PW_EPARSE, path, 0, NULL,
                          "%s: %lld bytes; a PEM file of 1 to %d bytes was expected", opt,
                          (long long)st.st_size, PWI_TLS_MAX_FILE);
        goto done;
    }
    size = (size_t)st.st_size;
    buf = malloc(size + 1);
    if (!buf) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = pw_error_set(err, PW_EINVAL, path, 0, NULL, "%s: cannot read: %s", opt,
                              n < 0 ? strerror(errno) : "file shrank while being read");
            goto done;
        }
        got += (size_t)n;
    }
    buf[size] = '\0';
    /* MHD hands the buffers to GnuTLS as C strings (strlen): a NUL inside
     * would cut them short, and means a binary (DER) file anyway. */
    if (memchr(buf, '\0', size)) {
        rc = pw_error_set(err, PW_EPARSE, path, 0, NULL,
                          "%s: not a PEM file (binary; if it is DER, convert it with "
                          "openssl %s -inform DER -in FILE -out NEW.pem)",
                          opt, secret ? "pkey" : "x509");
        goto done;
    }
    if (!strstr(buf, "-----BEGIN ")) {
        rc = pw_error_set(err, PW_EPARSE, path, 0, NULL,
                          "%s: not a PEM file (no '-----BEGIN' line)", opt);
        goto done;
    }
    *out = buf;
    *outlen = size;
    buf = NULL;
done:
    if (fd >= 0)
        close(fd);
    wipe_free(buf, size, secret);
    return rc;
}

/* Parses the certificate file and the key file each on its own (so an
 * error names the right file), then both together in a scratch set of
 * credentials, which is where GnuTLS checks that the key is the
 * certificate's: the same call MHD makes when it starts, made here first
 * because MHD would only say that it could not start. */
static int check_pair(const pwi_http_tls *t, const char *cert_path, const char *key_path,
                      pw_error *err)
{
    int rc = PW_OK;
    gnutls_x509_crt_t *crts = NULL;
    unsigned ncrts = 0;
    gnutls_x509_privkey_t key = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_datum_t cd = {(unsigned char *)t->cert, (unsigned)t->cert_len};
    gnutls_datum_t kd = {(unsigned char *)t->key, (unsigned)t->key_len};

    int g = gnutls_x509_crt_list_import2(&crts, &ncrts, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || ncrts == 0) {
        rc = pw_error_set(err, PW_EPARSE, cert_path, 0, NULL,
                          "--tls-cert: no X.509 certificate could be read: %s",
                          g < 0 ? gnutls_strerror(g) : "none found");
        goto done;
    }
    /* GnuTLS would ask for a password we do not take: say so plainly.
     * PKCS#8 marks an encrypted key in its BEGIN line, the older OpenSSL
     * format in a Proc-Type header; neither string can occur in base64. */
    if (strstr(t->key, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
        strstr(t->key, "Proc-Type: 4,ENCRYPTED")) {
        rc = pw_error_set(err, PW_EINVAL, key_path, 0, NULL,
                          "--tls-key: the key is encrypted, which is not supported; "
                          "decrypt it to a file only its owner can read "
                          "((umask 077; openssl pkey -in FILE -out NEW))");
        goto done;
    }
    if ((g = gnutls_x509_privkey_init(&key)) < 0 ||
        (g = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        rc = pw_error_set(err, PW_EPARSE, key_path, 0, NULL,
                          "--tls-key: no private key could be read: %s", gnutls_strerror(g));
        goto done;
    }
    if ((g = gnutls_certificate_allocate_credentials(&cred)) < 0) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "TLS: %s", gnutls_strerror(g));
        goto done;
    }
    g = gnutls_certificate_set_x509_key_mem(cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
    if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
        rc = pw_error_set(err, PW_EINVAL, key_path, 0, NULL,
                          "--tls-key: this key does not belong to the certificate in %s "
                          "(--tls-cert)",
                          cert_path);
        goto done;
    }
    if (g < 0) {
        rc = pw_error_set(err, PW_EINVAL, cert_path, 0, NULL,
                          "--tls-cert with --tls-key %s: GnuTLS refuses the pair: %s", key_path,
                          gnutls_strerror(g));
        goto done;
    }
done:
    if (cred)
        gnutls_certificate_free_credentials(cred);
    if (key)
        gnutls_x509_privkey_deinit(key);
    for (unsigned i = 0; i < ncrts; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    return rc;
}

int pwi_http_tls_load(const char *cert_path, const char *key_path, pwi_http_tls *out,
                      pw_error *err)
{
    assert(cert_path && key_path && out);
    memset(out, 0, sizeof *out);
    pwi_http_tls t = {0};
    int rc = read_pem(cert_path, "--tls-cert", 0, &t.cert, &t.cert_len, err);
    if (rc == PW_OK)
        rc = read_pem(key_path, "--tls-key", 1, &t.key, &t.key_len, err);
    if (rc == PW_OK)
        rc = check_pair(&t, cert_path, key_path, err);
    if (rc != PW_OK) {
        pwi_http_tls_free(&t);
        return rc;
    }
    *out = t;
    return PW_OK;
}

void pwi_http_tls_free(pwi_http_tls *t)
{
    if (!t)
        return;
    wipe_free(t->key, t->key_len, 1);
    free(t->cert);
    memset(t, 0, sizeof *t);
}
