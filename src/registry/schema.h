/*
 * The registry schema as migrations (schema.c). Table by table it is also
 * described in docs/registry.md.
 */
#ifndef PWI_SCHEMA_H
#define PWI_SCHEMA_H

#include "db.h"

/* The newest schema version. */
int pwi_schema_latest(void);
/* The SQL of migration `version` (1..latest) for a backend; malloc'd. */
int pwi_schema_sql(int version, pwi_db_kind kind, char **out);
/* PW_EINVAL naming `where` when `version` is newer than this build knows
 * (written by a later pathways), with `what_to_do` after the versions;
 * PW_OK otherwise. */
int pwi_schema_check_known(int version, const char *where, const char *what_to_do,
                           pw_error *err);

#endif /* PWI_SCHEMA_H */
