/*
 * crypto.c: site keys, pseudonyms and field encryption with libsodium
 * (see crypto.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"

/* crypto_kdf context: exactly 8 characters, fixed forever. */
#define KDF_CONTEXT "pwregist"

int pwi_crypto_init(pw_error *err)
{
    if (sodium_init() < 0)
        return pw_error_set(err, PW_EIO, NULL, 0, NULL,
                            "libsodium could not be initialised");
    return PW_OK;
}

void pwi_hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

void pwi_hash_feed(crypto_generichash_state *s, const char *v)
{
    uint64_t n = v ? strlen(v) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(s, len, sizeof len);
    if (n)
        crypto_generichash_update(s, (const unsigned char *)v, n);
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* lower case */
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Not sodium_hex2bin: this runs once per row a seal reads (every MAC of
 * every scope), where libsodium's constant-time decoder cost ~2,400
 * instructions a call, a twentieth of an import. A stored MAC is not a
 * secret, so a plain decoder is enough. */
int pwi_unhex32(const char *hex, unsigned char out[32])
{
    if (!hex)
        return PW_EINVAL;
    for (int i = 0; i < 32; i++) {
        int hi = hex_digit((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return PW_EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[64] == '\0' ? PW_OK : PW_EINVAL;
}

static void derive(const unsigned char master[32], pwi_keys *k)
{
    crypto_kdf_derive_from_key(k->pseudonym, 32, 1, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->secretbox, 32, 2, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->audit, 32, 3, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->check, 32, 4, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->rows, 32, 5, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->token, 32, 6, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->sign_seed, 32, 7, KDF_CONTEXT, master);
}

static int parse_hex_key(const char *hex, unsigned char master[32])
{
    size_t n = 0;
    const char *end;
    if (sodium_hex2bin(master, 32, hex, strlen(hex), " \n\r\t", &n, &end) != 0 ||
        n != 32)
        return PW_EINVAL;
    while (*end && isspace((unsigned char)*end))
        end++;
    return *end ? PW_EINVAL : PW_OK;
}

/* Writes a fresh random key to `path` with mode 0600, refusing to replace
 * an existing file (O_EXCL) and syncing it before the registry depends on it. */
static int create_key_file(const char *path, unsigned char master[32],
                           pw_error *err)
{
    randombytes_buf(master, 32);
    char hex[65];
    pwi_hex(master, 32, hex);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return pw_error_set(err, PW_EIO, path, 0, NULL,
                            "cannot create key file: %s", strerror(errno));
    char line[66];
    snprintf(line, sizeof line, "%s\n", hex);
    ssize_t w = write(fd, line, 65);
    int ok = w == 65 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    sodium_memzero(line, sizeof line);
    if (!ok) {
        unlink(path);
        return pw_error_set(err, PW_EIO, path, 0, NULL,
                            "cannot write key file");
    }
    return PW_OK;
}

int pwi_keys_load(const char *db_url, int create, pwi_keys *out,
                  pw_error *err)
{
    int rc = pwi_crypto_init(err);
    if (rc != PW_OK)
        return rc;
    unsigned char master[32];
    const char *env = getenv("PW_REGISTRY_KEY");
    if (env && *env) {
        if (parse_hex_key(env, master) != PW_OK)
            return pw_error_set(err, PW_EINVAL, "PW_REGISTRY_KEY", 0, NULL,
                                "must be 64 hexadecimal characters");
        derive(master, out);
        sodium_memzero(master, sizeof master);
        return PW_OK;
    }
    char path[4096];
    const char *file = getenv("PW_REGISTRY_KEYFILE");
    if (file && *file) {
        snprintf(path, sizeof path, "%s", file);
    } else if (strncmp(db_url, "postgres", 8) == 0 && strstr(db_url, "://")) {
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "set PW_REGISTRY_KEYFILE or PW_REGISTRY_KEY for a "
                            "PostgreSQL registry");
    } else {
        snprintf(path, sizeof path, "%s.key", db_url);
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (!create)
            return pw_error_set(err, PW_ENOTFOUND, path, 0, NULL,
                                "key file missing (it is created by "
                                "`registry init`)");
        rc = create_key_file(path, master, err);
        if (rc != PW_OK)
            return rc;
    } else {
        FILE *f = fopen(path, "r");
        char buf[256] = "";
        if (!f)
            return pw_error_set(err, PW_EIO, path, 0, NULL,
                                "cannot read key file: %s", strerror(errno));
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        rc = parse_hex_key(buf, master);
        sodium_memzero(buf, sizeof buf);
        if (rc != PW_OK)
            return pw_error_set(err, PW_EINVAL, path, 1, NULL,
                                "key file must hold 64 hexadecimal characters");
    }
    derive(master, out);
    sodium_memzero(master, sizeof master);
    return PW_OK;
}

void pwi_keys_wipe(pwi_keys *k)
{
    sodium_memzero(k, sizeof *k);
}

void pwi_pseudonym(const pwi_keys *k, const char *national_id, char out[65])
{
    /* Normalise so that formatting differences do not split one person. */
    char norm[256];
    size_t n = 0;
    for (const char *p = national_id; *p && n < sizeof norm - 1; p++) {
        if (*p == ' ' || *p == '-' || *p == '.')
            continue;
        norm[n++] = (char)toupper((unsigned char)*p);
    }
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)norm, n,
                       k->pseudonym, 32);
    pwi_hex(h, sizeof h, out);
    sodium_memzero(norm, sizeof norm);
}

int pwi_encrypt(const pwi_keys *k, const char *text, char **out,
                pw_error *err)
{
    *out = NULL;
    size_t len = strlen(text);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *box = malloc(blen);
    size_t b64len = sodium_base64_encoded_len(blen, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!box || !b64) {
        free(box);
        free(b64);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    /* A random 192-bit nonce per value: no nonce reuse without a counter. */
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
                          (const unsigned char *)text, len, box, k->secretbox);
    sodium_bin2base64(b64, b64len, box, blen, sodium_base64_VARIANT_ORIGINAL);
    free(box);
    *out = b64;
    return PW_OK;
}

int pwi_decrypt(const pwi_keys *k, const char *b64, char **out,
                pw_error *err)
{
    *out = NULL;
    size_t inlen = strlen(b64);
    unsigned char *box = malloc(inlen + 1);
    if (!box)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    size_t blen = 0;
    if (sodium_base642bin(box, inlen + 1, b64, inlen, NULL, &blen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        free(box);
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "encrypted value is malformed");
    }
    size_t mlen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *plain = malloc(mlen + 1);
    if (!plain) {
        free(box);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (crypto_secretbox_open_easy((unsigned char *)plain,
                                   box + crypto_secretbox_NONCEBYTES,
                                   blen - crypto_secretbox_NONCEBYTES, box,
                                   k->secretbox) != 0) {
        free(box);
        free(plain);
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "encrypted value fails authentication (wrong key "
                            "or tampered)");
    }
    plain[mlen] = '\0';
    free(box);
    *out = plain;
    return PW_OK;
}
