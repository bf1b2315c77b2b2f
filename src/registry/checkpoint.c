/*
 * checkpoint.c: signed checkpoints of the audit head, kept outside the
 * database (`registry audit checkpoint`, `audit verify --checkpoint`).
 *
 * Why: the seal (seal.h) stops someone without the key from moving the
 * head, but not from putting back an older copy of the whole database, in
 * which head, log and tables agree. A checkpoint taken earlier and kept
 * elsewhere (by an auditor, on write-once storage) says how long the log
 * was and how it ended then; a log now shorter than that, or different at
 * that entry, is tampering.
 *
 * The file is text, one "key value" per line, the last line the Ed25519
 * signature (libsodium crypto_sign_detached) of every byte before it:
 *     pathways-audit-checkpoint 1
 *     registry <the registry's key check value>
 *     entries <seq of the head>
 *     hash <the head's chain hash>
 *     seal <the head's seal>
 *     time <UTC time of the checkpoint>
 *     public-key <Ed25519 public key, hex>
 *     signature <hex>
 * The signing key is derived from the site key (crypto.h, sign_seed); the
 * public key is in the file so that it can be compared with the one an
 * auditor was given, but verify checks the signature with the registry's
 * own, never with the file's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pathways/registry.h"
#include "reg.h"
#include "seal.h"

#define MAGIC "pathways-audit-checkpoint 1\n"

static void keypair(const pwi_keys *k, unsigned char pk[32], unsigned char sk[64])
{
    crypto_sign_seed_keypair(pk, sk, k->sign_seed);
}

static int read_key_check(pwi_db *db, char out[80], pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT value FROM meta WHERE key = 'key_check'", &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    if (rc == 1)
        snprintf(out, 80, "%s", pwi_col_text(st, 0));
    pwi_stmt_reset(st);
    if (rc == 0)
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL, "no key check value");
    return rc < 0 ? rc : PW_OK;
}

/* Writes `text` to `path` whole or not at all: a temporary file, fsynced,
 * renamed over. */
static int write_file(const char *path, const char *text, pw_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot create: %s", strerror(errno));
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot write: %s", strerror(e));
    }
    return PW_OK;
}

int pw_registry_audit_checkpoint(const char *url, const char *out_path, long *entries,
                                 pw_error *err)
{
    *entries = 0;
    pwi_reg *reg;
    int rc = pwi_reg_open(url, NULL, &reg, err);
    if (rc != PW_OK)
        return rc;
    /* Verify and read the head in one snapshot: only a state that
     * verifies is signed. */
    pwi_audit_report rep;
    char check[80] = "", hash[80] = "", seal[80] = "";
    int64_t seq = 0;
    if ((rc = pwi_db_begin_read(reg->db, err)) != PW_OK)
        goto done;
    rc = pwi_audit_verify_all(reg->db, reg->keys.audit, &reg->keys, NULL, &rep, err);
    if (rc == PW_OK && !rep.ok) {
        size_t l = strlen(rep.reason);
        if (l && rep.reason[l - 1] == '\n')
            rep.reason[l - 1] = '\0';
        rc = pw_error_set(err, PW_ECONFLICT, pwi_db_url(reg->db), 0, NULL,
                          "no checkpoint of a registry that fails verification:\n%s",
                          rep.reason);
    }
    pwi_stmt *st;
    if (rc == PW_OK)
        rc = read_key_check(reg->db, check, err);
    if (rc == PW_OK)
        rc = pwi_db_prepare(reg->db, "SELECT seq, hash, seal FROM audit_head WHERE id = 1", &st,
                            err);
    if (rc == PW_OK) {
        rc = pwi_step(st, err);
        if (rc == 1) {
            seq = pwi_col_int64(st, 0);
            snprintf(hash, sizeof hash, "%s", pwi_col_text(st, 1));
            snprintf(seal, sizeof seal, "%s", pwi_col_text(st, 2));
            rc = PW_OK;
        } else if (rc == 0) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(reg->db), 0, NULL, "no audit head");
        }
        pwi_stmt_reset(st);
    }
    if (rc == PW_OK)
        rc = pwi_db_end_read(reg->db, err);
    else
        pwi_db_end_read(reg->db, NULL);
    if (rc != PW_OK)
        goto done;

    unsigned char pk[32], sk[64], sig[64];
    keypair(&reg->keys, pk, sk);
    char now[21], pkhex[65], sighex[129], text[1024];
    pwi_now_iso(now);
    pwi_hex(pk, 32, pkhex);
    int n = snprintf(text, sizeof text,
                     MAGIC "registry %s\nentries %" PRId64 "\nhash %s\nseal %s\ntime %s\n"
                           "public-key %s\n",
                     check, seq, hash, seal, now, pkhex);
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, (unsigned long long)n, sk);
    sodium_memzero(sk, sizeof sk);
    pwi_hex(sig, 64, sighex);
    snprintf(text + n, sizeof text - (size_t)n, "signature %s\n", sighex);
    if ((rc = write_file(out_path, text, err)) == PW_OK)
        *entries = (long)seq;
done:
    pwi_reg_close(reg);
    return rc;
}

/* The value of line "key value" in text, copied to out. */
static int field(const char *text, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            const char *v = p + kl + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= len)
                return PW_EINVAL;
            memcpy(out, v, n);
            out[n] = '\0';
            return PW_OK;
        }
    }
    return PW_ENOTFOUND;
}

/* Reads and checks a checkpoint file against the registry's key. */
static int load_checkpoint(pwi_reg *reg, const char *path, pwi_checkpoint *cp, pw_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pw_error_set(err, PW_EIO, path, 0, NULL, "cannot read: %s", strerror(errno));
    char text[2048];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (strncmp(text, MAGIC, strlen(MAGIC)) != 0)
        return pw_error_set(err, PW_EPARSE, path, 1, NULL, "not an audit checkpoint");
    const char *sigline = strstr(text, "\nsignature ");
    char v[200], check[80];
    unsigned char sig[64], pk[32], sk[64];
    size_t bl = 0;
    if (!sigline || field(text, "signature", v, sizeof v) != PW_OK ||
        sodium_hex2bin(sig, 64, v, strlen(v), NULL, &bl, NULL) != 0 || bl != 64)
        return pw_error_set(err, PW_EPARSE, path, 0, "signature", "missing or malformed");
    keypair(&reg->keys, pk, sk);
    sodium_memzero(sk, sizeof sk);
    if (crypto_sign_verify_detached(sig, (const unsigned char *)text,
                                    (unsigned long long)(sigline + 1 - text), pk) != 0)
        return pw_error_set(err, PW_ECONFLICT, path, 0, "signature",
                            "does not verify under this registry's key: the checkpoint was "
                            "altered, or is not of this registry");
    int rc = read_key_check(reg->db, check, err);
    if (rc != PW_OK)
        return rc;
    if (field(text, "registry", v, sizeof v) != PW_OK || strcmp(v, check) != 0)
        return pw_error_set(err, PW_ECONFLICT, path, 0, "registry",
                            "the checkpoint is of another registry");
    char *end;
    if (field(text, "entries", v, sizeof v) != PW_OK ||
        (cp->seq = strtoll(v, &end, 10), *end) || cp->seq < 0)
        return pw_error_set(err, PW_EPARSE, path, 0, "entries", "missing or malformed");
    if (field(text, "hash", v, sizeof v) != PW_OK ||
        sodium_hex2bin(cp->hash, 32, v, strlen(v), NULL, &bl, NULL) != 0 || bl != 32)
        return pw_error_set(err, PW_EPARSE, path, 0, "hash", "missing or malformed");
    if (field(text, "time", cp->time, sizeof cp->time) != PW_OK)
        snprintf(cp->time, sizeof cp->time, "?");
    return PW_OK;
}

int pw_registry_audit_verify_at(const char *url, const char *checkpoint, long *entries,
                                pw_error *err)
{
    *entries = 0;
    pwi_reg *reg;
    int rc = pwi_reg_open(url, NULL, &reg, err);
    if (rc != PW_OK)
        return rc;
    pwi_checkpoint cp;
    if (checkpoint && (rc = load_checkpoint(reg, checkpoint, &cp, err)) != PW_OK)
        goto done;
    pwi_audit_report rep;
    rc = pwi_audit_verify_all(reg->db, reg->keys.audit, &reg->keys, checkpoint ? &cp : NULL,
                              &rep, err);
    if (rc == PW_OK) {
        *entries = (long)rep.entries;
        if (!rep.ok) {
            /* One problem per line, without the last newline. */
            size_t l = strlen(rep.reason);
            if (l && rep.reason[l - 1] == '\n')
                rep.reason[l - 1] = '\0';
            char at[64] = "";
            if (rep.first_bad)
                snprintf(at, sizeof at, "audit chain broken at entry %lld; ",
                         (long long)rep.first_bad);
            rc = pw_error_set(err, PW_ECONFLICT, pwi_db_url(reg->db), 0, NULL,
                              "%stampering found (%d problem%s):\n%s", at, rep.problems,
                              rep.problems == 1 ? "" : "s", rep.reason);
        }
    }
done:
    pwi_reg_close(reg);
    return rc;
}
