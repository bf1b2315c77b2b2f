/*
 * Row seals, checked: pwi_seal_verify walks every sealed table against its
 * rows' MACs, the table totals and the head's seal (seal.h says what is
 * sealed and why).
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
    pwi_seal_head_mac(k, seq, hash, rows, mine);
    if (rc == 0 || !seal[0])
        problem(problems, len, n, "the audit head has no seal");
    else if (sodium_memcmp(mine, seal, 64) != 0)
        problem(problems, len, n,
                "the audit head (entry %" PRId64 ") does not match its seal: the head "
                "or the table totals were changed without the key",
                seq);

    pwi_table_seal sealed[PWI_T_COUNT];
    int missing;
    if ((rc = pwi_seal_read_totals(db, sealed, &missing, err)) != PW_OK)
        return rc;
    pwi_seal_tables_digest(k, sealed, mine);
    if (missing)
        problem(problems, len, n, "row_seal lacks %d table(s)", missing);
    else if (strcmp(mine, rows) != 0)
        problem(problems, len, n,
                "the table totals (row_seal) do not match the audit head's digest");

    for (int t = 0; t < PWI_T_COUNT; t++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY id", pwi_seal_names[t]);
        if ((rc = pwi_db_prepare(db, sql, &st, err)) != PW_OK)
            return rc;
        pwi_table_seal found = {0};
        int bad = 0;
        srow r;
        while ((rc = pwi_step(st, err)) == 1) {
            pwi_seal_row_mac(k->rows, (pwi_seal_table)t, st, &r);
            found.n++;
            found.idsum += (uint64_t)r.id;
            if (r.has_stored)
                pwi_seal_xor32(found.x, r.stored);
            if (r.has_stored && sodium_memcmp(r.mac, r.stored, 32) == 0)
                continue;
            if (++bad <= NAMED_ROWS)
                problem(problems, len, n, "table %s row %" PRId64 ": %s", pwi_seal_names[t],
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
            problem(problems, len, n, "table %s: and %d more such rows", pwi_seal_names[t],
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
                    pwi_seal_names[t], ids, s->n, found.n);
        else if (d > 1)
            problem(problems, len, n,
                    "table %s: %" PRId64 " rows were deleted (sealed %" PRId64
                    " rows, found %" PRId64 "; their ids sum to %" PRId64 ")",
                    pwi_seal_names[t], d, s->n, found.n, ids);
        else if (d == -1)
            problem(problems, len, n,
                    "table %s: row %" PRId64 " is not in the seal (planted, or put back "
                    "after its deletion)",
                    pwi_seal_names[t], -ids);
        else if (d < -1)
            problem(problems, len, n,
                    "table %s: %" PRId64 " rows more than sealed (planted or put back)",
                    pwi_seal_names[t], -d);
        else if (!bad)
            problem(problems, len, n,
                    "table %s: the rows differ from the seal (a row replaced by an "
                    "older sealed version of itself, or one deleted and another put "
                    "back)",
                    pwi_seal_names[t]);
    }
    return PW_OK;
}

