/*
 * audit.c: the hash-chained, insert-only audit log (see audit.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "seal.h"

typedef struct entry {
    int64_t seq;
    const char *time;
    int64_t user_id;
    const char *user_name;
    const char *role;
    const char *action;
    const char *object;
    const char *detail;
} entry;

/* hash = BLAKE2b-256(key, prev || canonical(e)), as lower-case hex. */
static void entry_hash(const unsigned char key[32], const unsigned char prev[32],
                       const entry *e, unsigned char out[32])
{
    crypto_generichash_state s;
    char seq[24], uid[24];
    snprintf(seq, sizeof seq, "%" PRId64, e->seq);
    snprintf(uid, sizeof uid, "%" PRId64, e->user_id);
    crypto_generichash_init(&s, key, 32, 32);
    crypto_generichash_update(&s, prev, 32);
    pwi_hash_feed(&s, seq);
    pwi_hash_feed(&s, e->time);
    pwi_hash_feed(&s, uid);
    pwi_hash_feed(&s, e->user_name);
    pwi_hash_feed(&s, e->role);
    pwi_hash_feed(&s, e->action);
    pwi_hash_feed(&s, e->object);
    pwi_hash_feed(&s, e->detail);
    crypto_generichash_final(&s, out, 32);
}

int pwi_audit_lock(pwi_db *db, pw_error *err)
{
    if (!pwi_db_in_tx(db))
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "audit entry outside a transaction (bug)");
    /* The first entry of a transaction reads the head with a no-op UPDATE,
     * which takes its row lock on PostgreSQL, so two writers cannot both
     * chain onto the same previous entry (SQLite has one writer anyway).
     * Later entries use the cached head (db.h, pwi_audit_head). */
    pwi_audit_head *head = pwi_db_audit_head(db);
    if (head->valid)
        return PW_OK;
    pwi_stmt *st;
    int rc = pwi_db_prepare(db,
                            "UPDATE audit_head SET seq = seq WHERE id = 1 "
                            "RETURNING seq, hash, tables_digest, seal",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    char seal[80] = "";
    int has_seal = 0;
    if (rc == 1) {
        const char *v;
        head->seq = pwi_col_int64(st, 0);
        snprintf(head->hash, sizeof head->hash, "%s", pwi_col_text(st, 1));
        v = pwi_col_text(st, 2);
        snprintf(head->rows, sizeof head->rows, "%s", v ? v : "");
        if ((v = pwi_col_text(st, 3))) {
            snprintf(seal, sizeof seal, "%s", v);
            has_seal = 1;
        }
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL, "audit head is missing");
    /* A head moved without the key (the log's tail cut, or reset) must not
     * be sealed anew by the next write: check its seal before using it. */
    if ((rc = pwi_seal_check_head(db, head, has_seal ? seal : NULL, err)) != PW_OK)
        return rc;
    head->valid = 1;
    return PW_OK;
}

int pwi_audit_append(pwi_db *db, const unsigned char key[32],
                     const pwi_user *user, const char *action,
                     const char *object, const char *detail, pw_error *err)
{
    pwi_audit_head *head = pwi_db_audit_head(db);
    int rc = pwi_audit_lock(db, err);
    if (rc != PW_OK)
        return rc;
    unsigned char prev[32], h[32];
    entry e = {0};
    e.seq = head->seq + 1;
    if (pwi_unhex32(head->hash, prev) != PW_OK)
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "audit head hash is corrupt");
    char now[21], hex[65];
    pwi_now_iso(now);
    e.time = now;
    e.user_id = user ? user->id : 0;
    e.user_name = user ? user->name : "-";
    e.role = user ? pwi_role_name(user->role) : "-";
    e.action = action;
    e.object = object;
    e.detail = detail;
    entry_hash(key, prev, &e, h);
    pwi_hex(h, 32, hex);

    pwi_stmt *st;
    rc = pwi_db_prepare(db,
                        "INSERT INTO audit (seq, time, user_id, user_name, "
                        "role, action, object, detail, hash) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, e.seq);
    pwi_bind_text(st, 2, e.time);
    pwi_bind_int64(st, 3, e.user_id);
    pwi_bind_text(st, 4, e.user_name);
    pwi_bind_text(st, 5, e.role);
    pwi_bind_text(st, 6, e.action);
    pwi_bind_text(st, 7, e.object);
    pwi_bind_text(st, 8, e.detail);
    pwi_bind_text(st, 9, hex);
    rc = pwi_step(st, err);
    pwi_stmt_reset(st);
    if (rc == PW_ECONFLICT)
        /* An entry already holds the next seq: someone appended to the log
         * beyond its head without the key. Not the caller's duplicate. */
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "audit entry %" PRId64 " exists beyond the audit head "
                            "(entry %" PRId64 "): the log was appended to without the "
                            "site key; nothing is written (run `pathways registry audit "
                            "verify`)",
                            e.seq, head->seq);
    if (rc < 0)
        return rc;
    head->seq = e.seq;
    memcpy(head->hash, hex, sizeof head->hash);
    return PW_OK;
}

/* Entries read per query while verifying: bounded memory on PostgreSQL,
 * where a result set is held in memory whole. */
#define VERIFY_PAGE 5000

/* Adds one problem line to the report; the first entry named is kept. */
static void bad(pwi_audit_report *rep, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(pwi_audit_report *rep, int64_t seq, const char *fmt, ...)
{
    rep->ok = 0;
    rep->problems++;
    if (seq && !rep->first_bad)
        rep->first_bad = seq;
    size_t used = strlen(rep->reason);
    if (used + 2 >= sizeof rep->reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->reason + used, sizeof rep->reason - used, fmt, ap);
    va_end(ap);
    used = strlen(rep->reason);
    if (used + 1 < sizeof rep->reason) {
        rep->reason[used] = '\n';
        rep->reason[used + 1] = '\0';
    }
}

int pwi_audit_verify_chain(pwi_db *db, const unsigned char key[32],
                           const pwi_checkpoint *cp, pwi_audit_report *rep,
                           pw_error *err)
{
    memset(rep, 0, sizeof *rep);
    rep->ok = 1;
    unsigned char prev[32] = {0}, h[32], stored[32], head_hash[32];
    /* The caller holds one snapshot (or the write lock) for the head and
     * the entries, so every entry beyond the head is one that no writer
     * chained: appended without the key. */
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT seq, hash FROM audit_head WHERE id = 1",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    int64_t head_seq = 0;
    int head_ok = 0;
    if (rc == 1) {
        head_seq = pwi_col_int64(st, 0);
        head_ok = pwi_unhex32(pwi_col_text(st, 1), head_hash) == PW_OK;
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (rc == 0 || !head_ok) {
        bad(rep, 1, "audit head is missing or corrupt");
        return PW_OK;
    }

    int64_t expect = 1;
    int stop = 0;
    while (!stop) {
        rc = pwi_db_prepare(db,
                            "SELECT seq, time, user_id, user_name, role, "
                            "action, object, detail, hash FROM audit WHERE "
                            "seq >= ? ORDER BY seq LIMIT ?",
                            &st, err);
        if (rc != PW_OK)
            return rc;
        pwi_bind_int64(st, 1, expect);
        pwi_bind_int64(st, 2, VERIFY_PAGE);
        long rows = 0;
        while (!stop && (rc = pwi_step(st, err)) == 1) {
            rows++;
            entry e = {pwi_col_int64(st, 0), pwi_col_text(st, 1),
                       pwi_col_int64(st, 2), pwi_col_text(st, 3),
                       pwi_col_text(st, 4), pwi_col_text(st, 5),
                       pwi_col_text(st, 6), pwi_col_text(st, 7)};
            if (e.seq > head_seq && expect > head_seq) {
                bad(rep, e.seq,
                    "entry %" PRId64 " (%s %s) lies beyond the audit head (entry %" PRId64
                    "): appended without the key",
                    e.seq, e.action ? e.action : "", e.object ? e.object : "", head_seq);
                stop = 1;
                break;
            }
            rep->entries++;
            if (e.seq != expect) {
                /* A missing seq means a deleted entry: report the gap. */
                bad(rep, expect,
                    "entry %" PRId64 " is missing (next present is %" PRId64 ")", expect,
                    e.seq);
                stop = 1;
                break;
            }
            entry_hash(key, prev, &e, h);
            if (pwi_unhex32(pwi_col_text(st, 8), stored) != PW_OK ||
                sodium_memcmp(h, stored, 32) != 0) {
                bad(rep, e.seq, "entry %" PRId64 " (%s %s at %s) does not match its hash",
                    e.seq, e.action ? e.action : "", e.object ? e.object : "",
                    e.time ? e.time : "");
                stop = 1;
                break;
            }
            if (cp && e.seq == cp->seq && sodium_memcmp(h, cp->hash, 32) != 0) {
                bad(rep, e.seq,
                    "the log diverges from the checkpoint of %s at entry %" PRId64
                    " (the log was rewritten or replaced)",
                    cp->time, e.seq);
                stop = 1;
                break;
            }
            memcpy(prev, h, 32);
            expect++;
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            return rc;
        if (rows < VERIFY_PAGE)
            break;
    }
    if (stop)
        return PW_OK;

    /* The chain must reach the head and end in its hash: otherwise entries
     * were cut from the end (or the head was edited). */
    if (expect - 1 != head_seq || sodium_memcmp(prev, head_hash, 32) != 0)
        bad(rep, expect,
            "the chain ends at entry %" PRId64 " but the head records entry %" PRId64
            " (entries removed from the end, or head edited)",
            expect - 1, head_seq);
    /* A log shorter than a checkpoint kept elsewhere: entries were cut and
     * the head moved (perhaps the whole file rolled back). */
    if (cp && expect - 1 < cp->seq)
        bad(rep, expect,
            "the log ends at entry %" PRId64 " but the checkpoint of %s records %" PRId64
            " entries (entries removed, or the database rolled back)",
            expect - 1, cp->time, cp->seq);
    return PW_OK;
}

int pwi_audit_verify_all(pwi_db *db, const unsigned char key[32],
                         const struct pwi_keys *keys, const pwi_checkpoint *cp,
                         pwi_audit_report *rep, pw_error *err)
{
    /* One snapshot for the head, the log and the tables: a write that
     * commits meanwhile is either wholly seen or not at all. */
    int own = !pwi_db_in_tx(db) && !pwi_db_in_read(db);
    int rc = own ? pwi_db_begin_read(db, err) : PW_OK;
    if (rc != PW_OK)
        return rc;
    rc = pwi_audit_verify_chain(db, key, cp, rep, err);
    if (rc == PW_OK && keys) {
        char lines[sizeof rep->reason];
        int n = 0;
        rc = pwi_seal_verify(db, keys, lines, sizeof lines, &n, err);
        if (rc == PW_OK && n) {
            /* Each line of the seal check is one problem. */
            char *save = NULL;
            int shown = 0;
            for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                bad(rep, 0, "%s", l);
                shown++;
            }
            rep->problems += n - shown;
        }
    }
    if (own) {
        if (rc == PW_OK)
            rc = pwi_db_end_read(db, err);
        else
            pwi_db_end_read(db, NULL);
    }
    return rc;
}

int pwi_audit_verify(pwi_db *db, const unsigned char key[32],
                     pwi_audit_report *rep, pw_error *err)
{
    return pwi_audit_verify_all(db, key, pwi_db_keys(db), NULL, rep, err);
}

int pwi_json_line(FILE *out, json_t *o, pw_error *err)
{
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    fprintf(out, "%s\n", line);
    free(line);
    return PW_OK;
}

char *pwi_json_dumps_line(const json_t *o, size_t flags, size_t *len)
{
    char *s = o ? json_dumps(o, flags) : NULL;
    if (!s)
        return NULL;
    size_t n = strlen(s);
    /* json_dumps allocates with malloc by default, so the caller (or MHD)
     * may free() the result; grow it by the newline in place. */
    char *b = realloc(s, n + 2);
    if (!b) {
        free(s);
        return NULL;
    }
    b[n] = '\n';
    b[n + 1] = '\0';
    *len = n + 1;
    return b;
}

int pwi_audit_list(pwi_db *db, FILE *out, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db,
                            "SELECT seq, time, user_name, role, action, "
                            "object, detail FROM audit ORDER BY seq",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    while ((rc = pwi_step(st, err)) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_integer(pwi_col_int64(st, 0)));
        json_object_set_new(o, "time", json_string(pwi_col_text(st, 1)));
        json_object_set_new(o, "user", json_string(pwi_col_text(st, 2)));
        json_object_set_new(o, "role", json_string(pwi_col_text(st, 3)));
        json_object_set_new(o, "action", json_string(pwi_col_text(st, 4)));
        json_object_set_new(o, "object", json_string(pwi_col_text(st, 5)));
        const char *d = pwi_col_text(st, 6);
        json_object_set_new(o, "detail", d ? json_string(d) : json_null());
        if ((rc = pwi_json_line(out, o, err)) != PW_OK)
            break;
    }
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}
