/*
 * Fuzz harness: registry import (JSON Lines of person, episode, event,
 * ... records) into an SQLite registry, as its administrator, the way
 * POST /api/v1/records and `registry import` take them. An input is a
 * buffer of lines, imported all or nothing. Promise: a bad buffer is
 * refused with an error, never a crash or a database failure, and no
 * transaction is left open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz.h"
#include "pathways/registry.h"
#include "reg.h"

static pwi_reg *reg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char db[128], admin[65];
    snprintf(db, sizeof db, "%s/reg.db", pw_fuzz_dir());
    setenv("PW_REGISTRY_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
           1);
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_init(db, admin, &err) != PW_OK || pwi_reg_open(db, admin, &reg, &err) != PW_OK ||
        /* Durability is not under test; each import's fsync would be
         * most of the time. */
        pwi_db_exec(reg->db, "PRAGMA synchronous = OFF", &err) != PW_OK) {
        fprintf(stderr, "fuzz_import: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!reg)
        LLVMFuzzerInitialize(NULL, NULL);
    pw_error err;
    pw_error_clear(&err);
    int64_t n = -1;
    int rc = pwi_import_buffer(reg, (const char *)data, size, "fuzz", &n, &err);
    if (rc != PW_OK) {
        FUZZ_CHECK(pwi_import_is_record_error(rc), "a database failure on bad input");
        FUZZ_CHECK(err.msg[0], "a refusal without a message");
    }
    FUZZ_CHECK(!pwi_db_in_tx(reg->db), "a transaction left open");
    return 0;
}
