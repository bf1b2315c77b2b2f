/*
 * Site keys and field encryption (internal to the registry).
 *
 * One 32-byte site secret per registry. It lives outside the database, so a
 * copied database file alone reveals no name or national ID:
 *   1. env PW_REGISTRY_KEY: 64 hex characters (the secret itself), else
 *   2. env PW_REGISTRY_KEYFILE: path of a key file, else
 *   3. "<db path>.key" next to an SQLite database (for a PostgreSQL URL one
 *      of the two variables is required).
 * `registry init` creates the key file (mode 0600) when it does not exist.
 * Sub-keys are derived with crypto_kdf (libsodium), one per purpose, so the
 * pseudonym key, the encryption key and the audit key are independent.
 * The database keeps a check value (a keyed hash of a fixed string) so that
 * a wrong key is refused instead of silently producing new pseudonyms.
 */
#ifndef PWI_CRYPTO_H
#define PWI_CRYPTO_H

#include <stddef.h>

#include <sodium.h>

#include "pathways/core.h"

typedef struct pwi_keys {
    unsigned char pseudonym[32]; /* keyed hash of the national ID */
    unsigned char secretbox[32]; /* crypto_secretbox (XSalsa20-Poly1305) */
    unsigned char audit[32];     /* audit hash chain */
    unsigned char check[32];     /* key check value stored in meta */
    unsigned char rows[32];      /* row MACs and the seal (seal.h) */
    unsigned char token[32];     /* keyed token hashes (auth.h) */
    unsigned char sign_seed[32]; /* Ed25519 seed of audit checkpoints */
} pwi_keys;

/* Initialises libsodium (idempotent). */
int pwi_crypto_init(pw_error *err);

/* Finds the key as described above. `create` = 1 writes a new random key
 * file when none exists (init only). */
int pwi_keys_load(const char *db_url, int create, pwi_keys *out,
                  pw_error *err);
/* Zeroes the keys. */
void pwi_keys_wipe(pwi_keys *k);

/* Hex of BLAKE2b-256(key = pseudonym key, national_id): the person's
 * pseudonymous key (65 bytes with NUL). The ID is normalised first (spaces
 * and dashes dropped, letters upper-cased) so "870101-300123" and
 * "870101300123" give the same person. */
void pwi_pseudonym(const pwi_keys *k, const char *national_id, char out[65]);

/* Encrypts NUL-terminated text: base64(nonce || secretbox(text)).
 * *out is malloc'd. */
int pwi_encrypt(const pwi_keys *k, const char *text, char **out,
                pw_error *err);
/* Decrypts what pwi_encrypt produced; PW_EINVAL if forged or wrong key. */
int pwi_decrypt(const pwi_keys *k, const char *b64, char **out,
                pw_error *err);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void pwi_hex(const unsigned char *b, size_t n, char *out);

/* Feeds one text field into a BLAKE2b state, length-prefixed (8 bytes,
 * little-endian) so "ab"+"c" and "a"+"bc" hash differently; NULL feeds as
 * the empty string. The audit chain (audit.c) and the row seals (seal.c)
 * both hash this way, and stored hashes depend on it: do not change it. */
void pwi_hash_feed(crypto_generichash_state *s, const char *v);

/* 64 hex characters (exactly) into 32 bytes; PW_EINVAL otherwise (NULL
 * included). For the stored hashes and MACs of audit.c and seal.c. */
int pwi_unhex32(const char *hex, unsigned char out[32]);

#endif /* PWI_CRYPTO_H */
