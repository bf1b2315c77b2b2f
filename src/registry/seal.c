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
#include "seal_int.h"

const char *const pwi_seal_names[PWI_T_COUNT] = {
    "users",  "person",         "episode", "plan_phase", "review_due",
    "panel_decision", "review", "drug_test", "test_schedule", "violation",
    "relapse", "followup",      "death",   "imprisonment", "amendment", "consent"};

_Static_assert(PWI_T_COUNT == PWI_SEAL_TABLES, "db.h PWI_SEAL_TABLES must match seal.h");

const char *pwi_seal_table_name(pwi_seal_table t)
{
    return (unsigned)t < PWI_T_COUNT ? pwi_seal_names[t] : "?";
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


/* Bytes for the row hash, gathered before they reach BLAKE2b. Why: a row
 * is fed as ~30 short pieces (each column's name and value, each with its
 * length); one libsodium update per piece cost more than the hashing. The
 * hash of the concatenation is the same however it is cut, so the MACs do
 * not change. */
typedef struct {
    crypto_generichash_state s;
    size_t n;
    unsigned char buf[1024];
} feeder;

static void feed_bytes(feeder *f, const unsigned char *p, size_t len)
{
    if (f->n + len > sizeof f->buf) {
        crypto_generichash_update(&f->s, f->buf, f->n);
        f->n = 0;
        if (len > sizeof f->buf) {
            crypto_generichash_update(&f->s, p, len);
            return;
        }
    }
    memcpy(f->buf + f->n, p, len);
    f->n += len;
}

/* The encoding of pwi_hash_feed: 8-byte little-endian length, then the
 * text. */
static void feed_text(feeder *f, const char *v)
{
    uint64_t n = v ? strlen(v) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    feed_bytes(f, len, sizeof len);
    if (n)
        feed_bytes(f, (const unsigned char *)v, n);
}

void pwi_seal_row_mac(const unsigned char key[32], pwi_seal_table t, pwi_stmt *st,
                    srow *r)
{
    feeder f;
    crypto_generichash_init(&f.s, key, 32, 32);
    f.n = 0;
    feed_text(&f, "pw-row-v1");
    feed_text(&f, pwi_seal_names[t]);
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
        feed_text(&f, name);
        feed_text(&f, pwi_col_text(st, i));
    }
    crypto_generichash_update(&f.s, f.buf, f.n);
    crypto_generichash_final(&f.s, r->mac, 32);
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
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s = ?", pwi_seal_names[t], col);
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
        pwi_seal_row_mac(k->rows, t, st, &(*out)[(*n)++]);
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

void pwi_seal_xor32(unsigned char *a, const unsigned char *b)
{
    for (int i = 0; i < 32; i++)
        a[i] ^= b[i];
}

void pwi_seal_add(pwi_table_seal *tot, const srow *r)
{
    pwi_seal_xor32(tot->x, r->mac);
    tot->n++;
    tot->idsum += (uint64_t)r->id;
}

int pwi_seal_store(pwi_db *db, const char *update_sql, const srow *r, pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(db, update_sql, &st, err);
    if (rc != PW_OK)
        return rc;
    char hex[65];
    pwi_hex(r->mac, 32, hex);
    pwi_bind_text(st, 1, hex);
    pwi_bind_int64(st, 2, r->id);
    rc = pwi_step(st, err);
    pwi_stmt_reset(st);
    return rc < 0 ? rc : PW_OK;
}

/* Keyed digest of the table totals, as hex. */
void pwi_seal_tables_digest(const pwi_keys *k, const pwi_table_seal *tab, char out[65])
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
        pwi_hash_feed(&s, pwi_seal_names[i]);
        feed_u64(&s, (uint64_t)tab[i].n);
        feed_u64(&s, tab[i].idsum);
        crypto_generichash_update(&s, tab[i].x, 32);
    }
    crypto_generichash_final(&s, h, 32);
    pwi_hex(h, 32, out);
}

/* The seal over the head and the tables' digest, as hex. */
void pwi_seal_head_mac(const pwi_keys *k, int64_t seq, const char *hash,
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
int pwi_seal_read_totals(pwi_db *db, pwi_table_seal *tab, int *missing, pw_error *err)
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
            if (strcmp(name, pwi_seal_names[i]) != 0)
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
    int rc = pwi_seal_read_totals(db, h->tab, &missing, err);
    if (rc != PW_OK)
        return rc;
    char mine[65];
    pwi_seal_tables_digest(k, h->tab, mine);
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
                     pwi_seal_names[t], rows[i].id);
            rc = tamper(db, err, what);
            break;
        }
        pwi_seal_xor32(h->tab[t].x, rows[i].stored);
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
    snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", pwi_seal_names[t]);
    for (size_t i = 0; i < n && rc == PW_OK; i++) {
        pwi_seal_add(&h->tab[t], &rows[i]);
        /* A row the statement left as it was keeps its MAC: no write. */
        if (rows[i].has_stored && sodium_memcmp(rows[i].mac, rows[i].stored, 32) == 0)
            continue;
        rc = pwi_seal_store(db, sql, &rows[i], err);
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
                 pwi_seal_names[t]);
        pwi_stmt *st;
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            break;
        pwi_bind_int64(st, 1, ids[0]);
        pwi_bind_int64(st, 2, ids[n - 1]);
        while ((rc = pwi_step(st, err)) == 1) {
            srow r;
            pwi_seal_row_mac(k->rows, (pwi_seal_table)t, st, &r);
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
                              pwi_seal_names[t], n - got);
            break;
        }
        snprintf(sql, sizeof sql, "UPDATE %s SET mac = ? WHERE id = ?", pwi_seal_names[t]);
        for (size_t i = 0; rc == PW_OK && i < got; i++) {
            pwi_seal_add(&h->tab[t], &rows[i]);
            rc = pwi_seal_store(db, sql, &rows[i], err);
        }
    }
    free(ids);
    free(rows);
    if (rc == PW_OK)
        h->pending = 0;
    return rc;
}

int pwi_seal_episode(pwi_db *db, int64_t episode_id, int after, unsigned which,
                     pw_error *err)
{
    int (*step)(pwi_db *, pwi_seal_table, const char *, int64_t, pw_error *) =
        after ? pwi_seal_after : pwi_seal_before;
    static const struct {
        unsigned bit;
        pwi_seal_table t;
        const char *col;
    } parts[] = {{PWI_SEAL_EP_ROW, PWI_T_EPISODE, "id"},
                 {PWI_SEAL_EP_PLAN, PWI_T_PLAN_PHASE, "episode_id"},
                 {PWI_SEAL_EP_REVIEWS, PWI_T_REVIEW_DUE, "episode_id"},
                 {PWI_SEAL_EP_TESTS, PWI_T_TEST_SCHEDULE, "episode_id"}};
    assert(which && !(which & ~(unsigned)PWI_SEAL_EP_ALL));
    int rc = PW_OK;
    for (size_t i = 0; rc == PW_OK && i < sizeof parts / sizeof parts[0]; i++)
        if (which & parts[i].bit)
            rc = step(db, parts[i].t, parts[i].col, episode_id, err);
    return rc;
}

int pwi_seal_check_row(pwi_db *db, pwi_stmt *st, pwi_seal_table t, pw_error *err)
{
    const pwi_keys *k = keys_of(db, err);
    if (!k)
        return PW_EDB;
    srow r;
    pwi_seal_row_mac(k->rows, t, st, &r);
    if (r.has_stored && sodium_memcmp(r.mac, r.stored, 32) == 0)
        return PW_OK;
    char what[128];
    snprintf(what, sizeof what, "table %s row %" PRId64 " does not match its MAC",
             pwi_seal_names[t], r.id);
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
    pwi_seal_head_mac(k, h->seq, h->hash, h->rows, mine);
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
            pwi_bind_text(st, 4, pwi_seal_names[i]);
            rc = pwi_step(st, err);
            pwi_stmt_reset(st);
            rc = rc < 0 ? rc : PW_OK;
        }
        if (rc != PW_OK)
            return rc;
        pwi_seal_tables_digest(k, h->tab, h->rows);
    } else if (h->rows[0] == '\0') {
        /* Before init, and nothing sealed written yet: digest the totals
         * as they are (load_tables checked they are empty). */
        if ((rc = load_tables(db, k, h, err)) != PW_OK)
            return rc;
        pwi_seal_tables_digest(k, h->tab, h->rows);
    }
    char seal[65];
    pwi_seal_head_mac(k, h->seq, h->hash, h->rows, seal);
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
