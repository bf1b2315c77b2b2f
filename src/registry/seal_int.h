/*
 * What the three parts of the row seals share (internal to seal.c,
 * seal_verify.c and seal_upgrade.c; everyone else uses seal.h).
 */
#ifndef PWI_SEAL_INT_H
#define PWI_SEAL_INT_H

#include <stdint.h>

#include "seal.h"

/* The sealed tables' names, by pwi_seal_table. */
extern const char *const pwi_seal_names[PWI_T_COUNT];

/* One row of a `SELECT *`: its MAC as it should be, its id, and the MAC
 * it stores (has_stored 0 when NULL or malformed). */
typedef struct srow {
    int64_t id;
    unsigned char mac[32];
    unsigned char stored[32];
    int has_stored;
} srow;

/* The MAC of the current row of `st`, a `SELECT *` on table t. */
void pwi_seal_row_mac(const unsigned char key[32], pwi_seal_table t, pwi_stmt *st,
                      srow *r);
/* a ^= b over 32 bytes (the XOR of a table's MACs). */
void pwi_seal_xor32(unsigned char *a, const unsigned char *b);
/* Adds row r to its table's totals (count, XOR of MACs, sum of ids): a
 * row coming into the sealed set. */
void pwi_seal_add(pwi_table_seal *tot, const srow *r);
/* Stores r's MAC in its row; `update_sql` is "UPDATE <table> SET mac = ?
 * WHERE id = ?". PW_OK or the database's error. */
int pwi_seal_store(pwi_db *db, const char *update_sql, const srow *r, pw_error *err);
/* The keyed digest of every table's totals (hex). */
void pwi_seal_tables_digest(const pwi_keys *k, const pwi_table_seal *tab, char out[65]);
/* The head's seal: MAC(seq || hash || tables digest) (hex). */
void pwi_seal_head_mac(const pwi_keys *k, int64_t seq, const char *hash,
                       const char *rows, char out[65]);
/* Reads row_seal into tab (PWI_T_COUNT entries); *missing counts tables
 * without a row. */
int pwi_seal_read_totals(pwi_db *db, pwi_table_seal *tab, int *missing, pw_error *err);

#endif
