/*
 * seal.c: keyed MACs on the rows that matter, table totals bound to the
 * audit head (see seal.h).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "schema.h"
#include "seal.h"

static const char *const table_names[PWI_T_COUNT] = {
    "users",  "person",         "episode", "plan_phase", "review_due",
    "panel_decision", "review", "drug_test", "test_schedule", "violation",
    "relapse", "followup",      "death",   "imprisonment", "amendment", "consent"};

_Static_assert(PWI_T_COUNT == PWI_SEAL_TABLES, "db.h PWI_SEAL_TABLES must match seal.h");

const char *pwi_seal_table_name(pwi_seal_table t)
{
    return (unsigned)t < PWI_T_COUNT ? table_names[t] : "?";
}

static void feed_u64(crypto_generichash_state *s, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    crypto_generichash_update(s, b, sizeof b);
}

static const pwi_keys *keys_of(pwi_db *db, pw_error *err)
{
    const pwi_keys *k = pwi_db_keys(db);
    if (!k)
        pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                     "write to a sealed table without the site keys (bug)");
    return k;
}

/* PW_EDB (exit 3): not the caller's input, and not to be written over. */
static int tamper(pwi_db *db, pw_error *err, const char *what)
{
    return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                        "%s: the registry was changed without the site key; refused "
                        "(run `pathways registry audit verify`)",
                        what);
}

/* One row of a `SELECT *`: its MAC as it should be, its id, and the MAC
 * it stores (has_stored 0 when NULL or malformed). */
typedef struct srow {
    int64_t id;
    unsigned char mac[32];
    unsigned char stored[32];
    int has_stored;
} srow;

static void row_mac(const unsigned char key[32], pwi_seal_table t, pwi_stmt *st,
                    srow *r)
{
    crypto_generichash_state s;
    crypto_generichash_init(&s, key, 32, 32);
    pwi_hash_feed(&s, "pw-row-v1");
    pwi_hash_feed(&s, table_names[t]);
    r->id = 0;
    r->has_stored = 0;
    int nc = pwi_col_count(st);
    for (int i = 0; i < nc; i++) {
        const char *name = pwi_col_name(st, i);
        if (strcmp(name, "mac") == 0) {
            r->has_stored = pwi_unhex32(pwi_col_text(st, i), r->stored) == PW_OK;
            continue;
        }
        if (pwi_col_is_null(st, i))
            continue;
        if (strcmp(name, "id") == 0)
            r->id = pwi_col_int64(st, i);
        pwi_hash_feed(&s, name);
        pwi_hash_feed(&s, pwi_col_text(st, i));
    }
    crypto_generichash_final(&s, r->mac, 32);
}

/* The rows of `t` whose `col` is `v`, with their MACs (malloc'd array). */
static int scope_rows(pwi_db *db, const pwi_keys *k, pwi_seal_table t,
                      const char *col, int64_t v, srow **out, size_t *n,
                      pw_error *err)
{
    assert(strcmp(col, "id") == 0 || strcmp(col, "episode_id") == 0 ||
           strcmp(col, "person_id") == 0);
    *out = NULL;
    *n = 0;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s = ?", table_names[t], col);
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, v);
    size_t cap = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            srow *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            *out = grown;
        }
        row_mac(k->rows, t, st, &(*out)[(*n)++]);
    }
    pwi_stmt_reset(st);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return PW_OK;
}

static void xor32(unsigned char *a, const unsigned char *b)
{
    for (int i = 0; i < 32; i++)
        a[i] ^= b[i];
}

/* Keyed digest of the table totals, as hex. */
static void tables_digest(const pwi_keys *k, const pwi_table_seal *tab, char out[65])
{
    crypto_generichash_state s;
    unsigned char h[32];
    crypto_generichash_init(&s, k->rows, 32, 32);
    pwi_hash_feed(&s, "pw-tables-v1");
    for (int i = 0; i < PWI_T_COUNT; i++) {
        /* A table of a later migration counts once it has held a row: a
         * registry sealed before it keeps its digest, and emptying such a
         * table (and zeroing its totals) still changes the digest. */
        static const unsigned char zero[32];
        if (i >= PWI_T_AMENDMENT && tab[i].n == 0 && tab[i].idsum == 0 &&
            memcmp(tab[i].x, zero, 32) == 0)
            continue;
        pwi_hash_feed(&s, table_names[i]);
        feed_u64(&s, (uint64_t)tab[i].n);
        feed_u64(&s, tab[i].idsum);
        crypto_generichash_update(&s, tab[i].x, 32);
    }
    crypto_generichash_final(&s, h, 32);
    pwi_hex(h, 32, out);
}

/* The seal over the head and the tables' digest, as hex. */
static void head_seal(const pwi_keys *k, int64_t seq, const char *hash,
                      const char *rows, char out[65])
{
    crypto_generichash_state s;
    unsigned char h[32];
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, seq);
    crypto_generichash_init(&s, k->rows, 32, 32);
    pwi_hash_feed(&s, "pw-seal-v1");
    pwi_hash_feed(&s, num);
    pwi_hash_feed(&s, hash);
    pwi_hash_feed(&s, rows);
    crypto_generichash_final(&s, h, 32);
    pwi_hex(h, 32, out);
}

/* Reads row_seal into tab[]; *missing = how many tables had no row. */
static int read_totals(pwi_db *db, pwi_table_seal *tab, int *missing, pw_error *err)
{
    memset(tab, 0, sizeof(pwi_table_seal) * PWI_T_COUNT);
    int seen[PWI_T_COUNT] = {0};
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT tbl, n, idsum, digest FROM row_seal", &st, err);
    if (rc != PW_OK)
        return rc;
    while ((rc = pwi_step(st, err)) == 1) {
        const char *name = pwi_col_text(st, 0);
        for (int i = 0; name && i < PWI_T_COUNT; i++) {
            if (strcmp(name, table_names[i]) != 0)
                continue;
            tab[i].n = pwi_col_int64(st, 1);
            tab[i].idsum = (uint64_t)pwi_col_int64(st, 2);
            if (pwi_unhex32(pwi_col_text(st, 3), tab[i].x) != PW_OK)
                memset(tab[i].x, 0xff, 32); /* never a digest: fails the check */
            seen[i] = 1;
        }
    }
    pwi_stmt_reset(st);
    *missing = 0;
    for (int i = 0; i < PWI_T_COUNT; i++)
        *missing += !seen[i];
    return rc < 0 ? rc : PW_OK;
}

/* Loads the totals for the open transaction and checks them against the
 * digest the (already checked) head holds. */
static int load_tables(pwi_db *db, const pwi_keys *k, pwi_audit_head *h, pw_error *err)
{
    int missing;
    int rc = read_totals(db, h->tab, &missing, err);
    if (rc != PW_OK)
        return rc;
    char mine[65];
    tables_digest(k, h->tab, mine);
    if (h->rows[0] == '\0') {
        /* A registry before init (seal_check_head allowed it): every table
         * must be empty and sealed as such. */
        for (int i = 0; i < PWI_T_COUNT; i++) {
            static const unsigned char zero[32];
            if (h->tab[i].n || h->tab[i].idsum || memcmp(h->tab[i].x, zero, 32))
                missing++;
        }
        if (missing)
            return tamper(db, err, "row_seal holds rows of a registry without a seal");
        h->dirty = (1u << PWI_T_COUNT) - 1; /* the first flush writes the digest */
    } else if (missing || strcmp(mine, h->rows) != 0) {
        return tamper(db, err, "the table totals (row_seal) do not match the audit head");
    }
    h->tables_loaded = 1;
    return PW_OK;
}

static int ensure(pwi_db *db, const pwi_keys **k, pwi_audit_head **h, pw_error *err)
{
    if (!(*k = keys_of(db, err)))
        return PW_EDB;
    int rc = pwi_audit_lock(db, err);
    if (rc != PW_OK)
        return rc;
    *h = pwi_db_audit_head(db);
    if (!(*h)->tables_loaded)
        rc = load_tables(db, *k, *h, err);
    return rc;
}

/* What pwi_seal_before and pwi_seal_after both start with: the keys, the
 * head's lock and totals, and the rows of `t` where col = v with their
 * MACs (*rows malloc'd, freed by the caller once PW_OK). */
static int open_scope(pwi_db *db, pwi_seal_table t, const char *col, int64_t v,
                      pwi_audit_head **h, srow **rows, size_t *n, pw_error *err)
{
    const pwi_keys *k;
    int rc = ensure(db, &k, h, err);
    if (rc != PW_OK)
        return rc;
    return scope_rows(db, k, t, col, v, rows, n, err);
}

int pwi_seal_before(pwi_db *db, pwi_seal_table t, const char *col, int64_t v,
                    pw_error *err)
{
    pwi_audit_head *h;
    srow *rows;
    size_t n;
    int rc = open_scope(db, t, col, v, &h, &rows, &n, err);
    if (rc != PW_OK)
        return rc;
    for (size_t i = 0; i < n && rc == PW_OK; i++) {
        if (!rows[i].has_stored || sodium_memcmp(rows[i].mac, rows[i].stored, 32) != 0) {
            char what[128];
            snprintf(what, sizeof what, "table %s row %" PRId64 " does not match its MAC",
                     table_names[t], rows[i].id);
            rc = tamper(db, err, what);
            break;
        }
        xor32(h->tab[t].x, rows[i].stored);
        h->tab[t].n--;
        h->tab[t].idsum -= (uint64_t)rows[i].id;
    }
    h->dirty |= 1u << t;
    free(rows);
    return rc;
}

/* The mirror of pwi_seal_before, kept as its own loop on purpose: before
 * checks each stored MAC and takes it out of the totals, after adds the
 * fresh MAC and writes it only where the row changed. */
int pwi_seal_after(pwi_db *db, pwi_seal_table t, const char *col, int64_t v,
                   pw_error *err)
{
    pwi_audit_head *h;
    srow *rows;
    size_t n;
    int rc = open_scope(db, t, col, v, &h, &rows, &n, err);
    if (rc != PW_OK)
        return rc;
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", table_names[t]);
    for (size_t i = 0; i < n && rc == PW_OK; i++) {
        xor32(h->tab[t].x, rows[i].mac);
        h->tab[t].n++;
        h->tab[t].idsum += (uint64_t)rows[i].id;
        /* A row the statement left as it was keeps its MAC: no write. */
        if (rows[i].has_stored && sodium_memcmp(rows[i].mac, rows[i].stored, 32) == 0)
            continue;
        pwi_stmt *st;
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            break;
        char hex[65];
        pwi_hex(rows[i].mac, 32, hex);
        pwi_bind_text(st, 1, hex);
        pwi_bind_int64(st, 2, rows[i].id);
        rc = pwi_step(st, err);
        pwi_stmt_reset(st);
        rc = rc < 0 ? rc : PW_OK;
    }
    h->dirty |= 1u << t;
    free(rows);
    return rc;
}

int pwi_seal_insert(pwi_db *db, pwi_seal_table t, int64_t id, pw_error *err)
{
    /* Deferred to COMMIT (seal_pending): one range read per table and
     * batch instead of one read per row, the import's main cost. */
    const pwi_keys *k;
    pwi_audit_head *h;
    int rc = ensure(db, &k, &h, err);
    if (rc != PW_OK)
        return rc;
    if (pwi_db_pending_put(db, h->pending, (int)t, id) != PW_OK)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    h->pending++;
    h->dirty |= 1u << t;
    return PW_OK;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Seals the rows pwi_seal_insert deferred: per table, the rows between the
 * least and the greatest pending id are read once, and those pending get
 * their MAC (others in that range, if any, are not this transaction's and
 * are left as they are: never seal what one did not write). */
static int seal_pending(pwi_db *db, const pwi_keys *k, pwi_audit_head *h, pw_error *err)
{
    int rc = PW_OK;
    int64_t *ids = malloc(h->pending * sizeof *ids);
    srow *rows = malloc(h->pending * sizeof *rows);
    if (!ids || !rows) {
        free(ids);
        free(rows);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    for (int t = 0; rc == PW_OK && t < PWI_T_COUNT; t++) {
        size_t n = 0, got = 0;
        for (size_t i = 0; i < h->pending; i++) {
            int tt;
            int64_t id;
            pwi_db_pending_get(db, i, &tt, &id);
            if (tt == t)
                ids[n++] = id;
        }
        if (!n)
            continue;
        qsort(ids, n, sizeof *ids, cmp_id);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE id >= ? AND id <= ? ORDER BY id",
                 table_names[t]);
        pwi_stmt *st;
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            break;
        pwi_bind_int64(st, 1, ids[0]);
        pwi_bind_int64(st, 2, ids[n - 1]);
        while ((rc = pwi_step(st, err)) == 1) {
            srow r;
            row_mac(k->rows, (pwi_seal_table)t, st, &r);
            if (got < n && bsearch(&r.id, ids, n, sizeof *ids, cmp_id))
                rows[got++] = r;
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            break;
        rc = PW_OK;
        if (got != n) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                              "table %s: %zu rows written in this transaction are gone "
                              "(bug)",
                              table_names[t], n - got);
            break;
        }
        snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", table_names[t]);
        for (size_t i = 0; rc == PW_OK && i < got; i++) {
            char hex[65];
            pwi_hex(rows[i].mac, 32, hex);
            xor32(h->tab[t].x, rows[i].mac);
            h->tab[t].n++;
            h->tab[t].idsum += (uint64_t)rows[i].id;
            if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
                break;
            pwi_bind_text(st, 1, hex);
            pwi_bind_int64(st, 2, rows[i].id);
            rc = pwi_step(st, err);
            pwi_stmt_reset(st);
            rc = rc < 0 ? rc : PW_OK;
        }
    }
    free(ids);
    free(rows);
    if (rc == PW_OK)
        h->pending = 0;
    return rc;
}

int pwi_seal_episode(pwi_db *db, int64_t episode_id, int after, pw_error *err)
{
    int (*step)(pwi_db *, pwi_seal_table, const char *, int64_t, pw_error *) =
        after ? pwi_seal_after : pwi_seal_before;
    int rc = step(db, PWI_T_EPISODE, "id", episode_id, err);
    if (rc == PW_OK)
        rc = step(db, PWI_T_PLAN_PHASE, "episode_id", episode_id, err);
    if (rc == PW_OK)
        rc = step(db, PWI_T_REVIEW_DUE, "episode_id", episode_id, err);
    if (rc == PW_OK)
        rc = step(db, PWI_T_TEST_SCHEDULE, "episode_id", episode_id, err);
    return rc;
}

int pwi_seal_check_row(pwi_db *db, pwi_stmt *st, pwi_seal_table t, pw_error *err)
{
    const pwi_keys *k = keys_of(db, err);
    if (!k)
        return PW_EDB;
    srow r;
    row_mac(k->rows, t, st, &r);
    if (r.has_stored && sodium_memcmp(r.mac, r.stored, 32) == 0)
        return PW_OK;
    char what[128];
    snprintf(what, sizeof what, "table %s row %" PRId64 " does not match its MAC",
             table_names[t], r.id);
    return tamper(db, err, what);
}

int pwi_seal_check_head(pwi_db *db, pwi_audit_head *h, const char *seal, pw_error *err)
{
    const pwi_keys *k = keys_of(db, err);
    if (!k)
        return PW_EDB;
    h->tables_loaded = 0;
    h->dirty = 0;
    h->pending = 0;
    if (!seal) {
        /* Only a registry before its first user (init) has no seal yet. */
        int64_t users = 0;
        int found = 0;
        int rc = pwi_db_query_int64(db, "SELECT count(*) FROM users", &users, &found, err);
        if (rc != PW_OK)
            return rc;
        if (users != 0 || h->seq != 0)
            return tamper(db, err, "the audit head has no seal");
        h->rows[0] = '\0';
        return PW_OK;
    }
    char mine[65];
    head_seal(k, h->seq, h->hash, h->rows, mine);
    if (strlen(seal) != 64 || sodium_memcmp(mine, seal, 64) != 0)
        return tamper(db, err, "the audit head does not match its seal");
    return PW_OK;
}

int pwi_seal_flush(pwi_db *db, pwi_audit_head *h, pw_error *err)
{
    const pwi_keys *k = keys_of(db, err);
    if (!k)
        return PW_EDB;
    int rc = PW_OK;
    pwi_stmt *st;
    if (h->pending && (rc = seal_pending(db, k, h, err)) != PW_OK)
        return rc;
    if (h->dirty) {
        assert(h->tables_loaded);
        for (int i = 0; i < PWI_T_COUNT && rc == PW_OK; i++) {
            if (!(h->dirty & (1u << i)))
                continue;
            if ((rc = pwi_db_prepare(db,
                                     "UPDATE row_seal SET n = ?, idsum = ?, digest = ? "
                                     "WHERE tbl = ?",
                                     &st, err)) != PW_OK)
                return rc;
            char hex[65];
            pwi_hex(h->tab[i].x, 32, hex);
            pwi_bind_int64(st, 1, h->tab[i].n);
            pwi_bind_int64(st, 2, (int64_t)h->tab[i].idsum);
            pwi_bind_text(st, 3, hex);
            pwi_bind_text(st, 4, table_names[i]);
            rc = pwi_step(st, err);
            pwi_stmt_reset(st);
            rc = rc < 0 ? rc : PW_OK;
        }
        if (rc != PW_OK)
            return rc;
        tables_digest(k, h->tab, h->rows);
    } else if (h->rows[0] == '\0') {
        /* Before init, and nothing sealed written yet: digest the totals
         * as they are (load_tables checked they are empty). */
        if ((rc = load_tables(db, k, h, err)) != PW_OK)
            return rc;
        tables_digest(k, h->tab, h->rows);
    }
    char seal[65];
    head_seal(k, h->seq, h->hash, h->rows, seal);
    if ((rc = pwi_db_prepare(db,
                             "UPDATE audit_head SET seq = ?, hash = ?, tables_digest = ?, "
                             "seal = ? WHERE id = 1",
                             &st, err)) != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, h->seq);
    pwi_bind_text(st, 2, h->hash);
    pwi_bind_text(st, 3, h->rows);
    pwi_bind_text(st, 4, seal);
    rc = pwi_step(st, err);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

/* ---- verification --------------------------------------------------------- */

static void problem(char *buf, size_t len, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(char *buf, size_t len, int *n, const char *fmt, ...)
{
    size_t used = strlen(buf);
    (*n)++;
    if (used + 2 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    used = strlen(buf);
    if (used + 1 < len) {
        buf[used] = '\n';
        buf[used + 1] = '\0';
    }
}

/* Rows named per table before "... and N more". */
#define NAMED_ROWS 5

int pwi_seal_verify(pwi_db *db, const pwi_keys *k, char *problems, size_t len,
                    int *n, pw_error *err)
{
    *n = 0;
    if (len)
        problems[0] = '\0';
    pwi_stmt *st;
    int rc = pwi_db_prepare(db,
                            "SELECT seq, hash, tables_digest, seal FROM audit_head WHERE id = 1",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    rc = pwi_step(st, err);
    char hash[65] = "", rows[65] = "", seal[65] = "", mine[65];
    int64_t seq = 0;
    if (rc == 1) {
        seq = pwi_col_int64(st, 0);
        const char *v;
        if ((v = pwi_col_text(st, 1)))
            snprintf(hash, sizeof hash, "%s", v);
        if ((v = pwi_col_text(st, 2)))
            snprintf(rows, sizeof rows, "%s", v);
        if ((v = pwi_col_text(st, 3)))
            snprintf(seal, sizeof seal, "%s", v);
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        return rc;
    head_seal(k, seq, hash, rows, mine);
    if (rc == 0 || !seal[0])
        problem(problems, len, n, "the audit head has no seal");
    else if (sodium_memcmp(mine, seal, 64) != 0)
        problem(problems, len, n,
                "the audit head (entry %" PRId64 ") does not match its seal: the head "
                "or the table totals were changed without the key",
                seq);

    pwi_table_seal sealed[PWI_T_COUNT];
    int missing;
    if ((rc = read_totals(db, sealed, &missing, err)) != PW_OK)
        return rc;
    tables_digest(k, sealed, mine);
    if (missing)
        problem(problems, len, n, "row_seal lacks %d table(s)", missing);
    else if (strcmp(mine, rows) != 0)
        problem(problems, len, n,
                "the table totals (row_seal) do not match the audit head's digest");

    for (int t = 0; t < PWI_T_COUNT; t++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY id", table_names[t]);
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            return rc;
        pwi_table_seal found = {0};
        int bad = 0;
        srow r;
        while ((rc = pwi_step(st, err)) == 1) {
            row_mac(k->rows, (pwi_seal_table)t, st, &r);
            found.n++;
            found.idsum += (uint64_t)r.id;
            if (r.has_stored)
                xor32(found.x, r.stored);
            if (r.has_stored && sodium_memcmp(r.mac, r.stored, 32) == 0)
                continue;
            if (++bad <= NAMED_ROWS)
                problem(problems, len, n, "table %s row %" PRId64 ": %s", table_names[t],
                        r.id,
                        r.has_stored ? "does not match its MAC (edited, or planted "
                                       "without the key)"
                                     : "has no MAC (planted without the key)");
            else
                (*n)++;
        }
        pwi_stmt_reset(st);
        if (rc < 0)
            return rc;
        if (bad > NAMED_ROWS)
            problem(problems, len, n, "table %s: and %d more such rows", table_names[t],
                    bad - NAMED_ROWS);
        const pwi_table_seal *s = &sealed[t];
        if (found.n == s->n && found.idsum == s->idsum && !memcmp(found.x, s->x, 32))
            continue;
        int64_t d = s->n - found.n;
        int64_t ids = (int64_t)(s->idsum - found.idsum);
        if (d == 1)
            problem(problems, len, n,
                    "table %s: row %" PRId64 " was deleted (sealed %" PRId64
                    " rows, found %" PRId64 ")",
                    table_names[t], ids, s->n, found.n);
        else if (d > 1)
            problem(problems, len, n,
                    "table %s: %" PRId64 " rows were deleted (sealed %" PRId64
                    " rows, found %" PRId64 "; their ids sum to %" PRId64 ")",
                    table_names[t], d, s->n, found.n, ids);
        else if (d == -1)
            problem(problems, len, n,
                    "table %s: row %" PRId64 " is not in the seal (planted, or put back "
                    "after its deletion)",
                    table_names[t], -ids);
        else if (d < -1)
            problem(problems, len, n,
                    "table %s: %" PRId64 " rows more than sealed (planted or put back)",
                    table_names[t], -d);
        else if (!bad)
            problem(problems, len, n,
                    "table %s: the rows differ from the seal (a row replaced by an "
                    "older sealed version of itself, or one deleted and another put "
                    "back)",
                    table_names[t]);
    }
    return PW_OK;
}

/* ---- tokens and the upgrade ---------------------------------------------- */

static void key_hash_of(const pwi_keys *k, const unsigned char inner[32], char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, 32, inner, 32, k->token, 32);
    pwi_hex(h, 32, out);
}

void pwi_token_hash(const pwi_keys *k, const char *token, char out[65])
{
    unsigned char inner[32];
    crypto_generichash(inner, 32, (const unsigned char *)token, strlen(token), NULL, 0);
    key_hash_of(k, inner, out);
}

/* Keys every token hash of schema 3 in place. */
static int key_token_hashes(pwi_db *db, const pwi_keys *k, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, "SELECT id, token_hash FROM users", &st, err);
    if (rc != PW_OK)
        return rc;
    struct uh {
        int64_t id;
        unsigned char inner[32];
    } *list = NULL;
    size_t n = 0, cap = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct uh *g = realloc(list, cap * sizeof *g);
            if (!g) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            list = g;
        }
        list[n].id = pwi_col_int64(st, 0);
        if (pwi_unhex32(pwi_col_text(st, 1), list[n].inner) != PW_OK) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                              "user %" PRId64 " has a malformed token hash", list[n].id);
            break;
        }
        n++;
    }
    pwi_stmt_reset(st);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        char hex[65];
        key_hash_of(k, list[i].inner, hex);
        if ((rc = pwi_db_prepare(db, "UPDATE users SET token_hash = ? WHERE id = ?", &st,
                                 err)) != PW_OK)
            break;
        pwi_bind_text(st, 1, hex);
        pwi_bind_int64(st, 2, list[i].id);
        rc = pwi_step(st, err);
        pwi_stmt_reset(st);
    }
    free(list);
    return rc < 0 ? rc : PW_OK;
}

/* MACs every row of table t and adds it to the totals. */
static int seal_table(pwi_db *db, const pwi_keys *k, pwi_seal_table t,
                      pwi_table_seal *tot, pw_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table_names[t]);
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, sql, &st, err);
    if (rc != PW_OK)
        return rc;
    srow *rows = NULL;
    size_t n = 0, cap = 0;
    while ((rc = pwi_step(st, err)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            srow *g = realloc(rows, cap * sizeof *g);
            if (!g) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            rows = g;
        }
        row_mac(k->rows, t, st, &rows[n++]);
    }
    pwi_stmt_reset(st);
    snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", table_names[t]);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        char hex[65];
        pwi_hex(rows[i].mac, 32, hex);
        xor32(tot->x, rows[i].mac);
        tot->n++;
        tot->idsum += (uint64_t)rows[i].id;
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            break;
        pwi_bind_text(st, 1, hex);
        pwi_bind_int64(st, 2, rows[i].id);
        rc = pwi_step(st, err);
        pwi_stmt_reset(st);
    }
    free(rows);
    return rc < 0 ? rc : PW_OK;
}

int pwi_seal_upgrade(pwi_db *db, const pwi_keys *k, pw_error *err)
{
    int rc = pwi_db_begin(db, err);
    if (rc != PW_OK)
        return rc;
    /* Lock the version row (PostgreSQL): a second program opening the same
     * old registry waits here, then finds it done. */
    int version = 0;
    rc = pwi_db_exec(db, "UPDATE meta SET value = value WHERE key = 'schema_version'", err);
    if (rc == PW_OK)
        rc = pwi_db_schema_version(db, &version, err);
    if (rc != PW_OK || version >= PWI_SCHEMA_SEALED) {
        pwi_db_rollback(db);
        return rc;
    }
    if (version != PWI_SCHEMA_SEALED - 1) {
        pwi_db_rollback(db);
        return pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                            "schema %d cannot be sealed (bug)", version);
    }
    /* Never seal what is already tampered with. */
    pwi_audit_report rep;
    rc = pwi_audit_verify_chain(db, k->audit, NULL, &rep, err);
    if (rc == PW_OK && !rep.ok)
        rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL,
                          "not upgraded to sealed rows: the audit chain is broken at "
                          "entry %lld: %s",
                          (long long)rep.first_bad, rep.reason);
    char *sql = NULL;
    if (rc == PW_OK && pwi_schema_sql(PWI_SCHEMA_SEALED, pwi_db_kind_of(db), &sql) != PW_OK)
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc == PW_OK)
        rc = pwi_db_exec(db, sql, err);
    free(sql);
    if (rc == PW_OK)
        rc = key_token_hashes(db, k, err);
    /* The head, locked, with every table's totals as sealed now. */
    pwi_audit_head *h = pwi_db_audit_head(db);
    pwi_stmt *st;
    if (rc == PW_OK)
        rc = pwi_db_prepare(db, "UPDATE audit_head SET seq = seq WHERE id = 1 "
                                "RETURNING seq, hash", &st, err);
    if (rc == PW_OK) {
        rc = pwi_step(st, err);
        if (rc == 1) {
            memset(h, 0, sizeof *h);
            h->seq = pwi_col_int64(st, 0);
            snprintf(h->hash, sizeof h->hash, "%s", pwi_col_text(st, 1));
            rc = PW_OK;
        } else if (rc == 0) {
            rc = pw_error_set(err, PW_EDB, pwi_db_url(db), 0, NULL, "audit head is missing");
        }
        pwi_stmt_reset(st);
    }
    /* The tables of later migrations do not exist yet; they start empty. */
    for (int t = 0; rc == PW_OK && t < PWI_T_AMENDMENT; t++)
        rc = seal_table(db, k, (pwi_seal_table)t, &h->tab[t], err);
    if (rc == PW_OK) {
        h->valid = 1;
        h->tables_loaded = 1;
        h->dirty = (1u << PWI_T_COUNT) - 1;
        rc = pwi_audit_append(db, k->audit, NULL, "migrate", "registry",
                              "schema 4: every row sealed, token hashes keyed", err);
    }
    if (rc == PW_OK)
        rc = pwi_db_exec(db, PWI_SCHEMA_SEALED == 4 ? "UPDATE meta SET value = '4' WHERE "
                                                      "key = 'schema_version'"
                                                    : "bug: PWI_SCHEMA_SEALED moved",
                         err);
    if (rc == PW_OK)
        rc = pwi_db_commit(db, err);
    else
        pwi_db_rollback(db);
    return rc;
}
