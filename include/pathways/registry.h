/*
 * The monitoring registry: people in the pathway, from the panel decision
 * through treatment to follow-up (docs/registry.md). SQLite by default, PostgreSQL
 * when the database is a "postgresql://" URL; identities pseudonymised and
 * encrypted; every read and write of a person's data audited in a
 * hash-chained, insert-only log. See docs/registry.md.
 *
 * These are the operations behind `pathways registry ...` and `pathways
 * serve`; everything else (the reports' and the server's own parts) is
 * internal to src/registry/.
 *
 * As everywhere in pathways: functions return PW_OK or a negative PW_E*
 * status and fill `err` (file, line, field, message) on failure; what they
 * return through out-parameters is the caller's only on PW_OK.
 */
#ifndef PATHWAYS_REGISTRY_H
#define PATHWAYS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathways/core.h"

PW_BEGIN_DECLS

/* Creates the registry at `db` (schema, key file if needed, an "admin"
 * user) and writes the admin's token (64 hex + NUL) into token_out.
 * PW_ECONFLICT if the registry already has users. */
int pw_registry_init(const char *db, char token_out[65], pw_error *err);

/* Adds a user; `as_token` must belong to an admin. */
int pw_registry_user_add(const char *db, const char *as_token,
                         const char *name, const char *role,
                         char token_out[65], pw_error *err);
/* The same for a user who sees the person-level rows of one site only
 * (`site` NULL: every site). */
int pw_registry_user_add_site(const char *db, const char *as_token, const char *name,
                              const char *role, const char *site, char token_out[65],
                              pw_error *err);

/* Options and outcome of an import. */
typedef struct pw_import_opts {
    long batch;          /* records per transaction (default 1000) */
    FILE *progress;      /* "committed N" lines go here (NULL: none) */
    FILE *errors;        /* one "file:line: field 'x': reason" per bad line */
} pw_import_opts;

typedef struct pw_import_result {
    long lines;          /* non-blank lines read */
    long committed;      /* records durably stored */
    long rejected;       /* bad lines */
} pw_import_result;

/* Imports a JSON Lines file ("-" = stdin). Returns PW_OK when the file was
 * read to the end (look at res->rejected for bad lines), or an error status
 * when the import had to stop (database failure, bad token). */
int pw_registry_import(const char *db, const char *as_token,
                       const char *path, const pw_import_opts *opts,
                       pw_import_result *res, pw_error *err);

/* Imports a CSV file of records (one template per record type: `type`, or
 * NULL when the file has a `type` column) all or nothing, through the same
 * checks and audit as pw_registry_import. *committed = records stored. */
int pw_registry_import_csv(const char *db, const char *as_token, const char *path,
                           const char *type, long *committed, pw_error *err);

/* Prints the data dictionary (every record type and field the import
 * accepts, with type, allowed values and the roles that may write it) as
 * "json" or "csv"; or, with `template_type`, that type's CSV template. */
int pw_registry_dictionary(FILE *out, const char *format, const char *template_type,
                           pw_error *err);

/* A report's JSON (from pw_registry_report) as "csv" (one table: `table`,
 * or NULL for the first) or "xlsx" (every table, a sheet each). *out is
 * malloc'd. */
int pw_registry_report_sheet(const char *report, size_t len, const char *format,
                             const char *table, char **out, size_t *outlen, pw_error *err);

/* Writes the counts as one JSON object on `out`. */
int pw_registry_stats(const char *db, const char *as_token, FILE *out,
                      pw_error *err);

/* Verifies the audit chain. Returns PW_OK if intact; PW_ECONFLICT if broken
 * (err->msg names the first broken entry); other codes on failure. */
int pw_registry_audit_verify(const char *db, long *entries, pw_error *err);
/* The same, and with `checkpoint` (a file written by
 * pw_registry_audit_checkpoint, or NULL) also that the log reaches the
 * checkpoint's entry and has its hash there. Besides the chain, every
 * sealed row, table and the head are checked (the problems, one per line,
 * name the table and row). PW_ECONFLICT if anything fails. */
int pw_registry_audit_verify_at(const char *db, const char *checkpoint, long *entries,
                                pw_error *err);
/* Verifies the registry, then writes a signed checkpoint of its audit head
 * to `out` (replaced atomically), for keeping outside the database.
 * *entries = the head's entry. PW_ECONFLICT if verification fails. */
int pw_registry_audit_checkpoint(const char *db, const char *out, long *entries,
                                 pw_error *err);

/* Users and tokens (admin: users write; auditor and admin: users read).
 * list: JSON Lines {id, name, role, created, active}. disable: the user's
 * token is refused from then on (not the last active admin). rotate: a new
 * token for `name` (NULL: the caller's own, allowed to any user), written
 * to token_out; the old one is refused from then on. All audited. */
int pw_registry_user_list(const char *db, const char *as_token, FILE *out, pw_error *err);
int pw_registry_user_disable(const char *db, const char *as_token, const char *name,
                             pw_error *err);
int pw_registry_user_rotate(const char *db, const char *as_token, const char *name,
                            char token_out[65], pw_error *err);

/* Writes the audit log as JSON Lines (auditor role). */
int pw_registry_audit_list(const char *db, const char *as_token, FILE *out,
                           pw_error *err);

/* What a backup copied and checked. */
typedef struct pw_backup_result {
    long pages;          /* database pages copied */
    long audit_entries;  /* entries of the copy's chain, verified */
    long people, episodes;
} pw_backup_result;

/*
 * Copies an SQLite registry to `to` while it may be in use (admin or
 * auditor; audited): SQLite's online backup API, one consistent snapshot,
 * written to a temporary file beside `to`, fsynced, checked (PRAGMA
 * integrity_check, foreign keys, the audit chain under the site key) and
 * only then renamed over `to` (and the directory fsynced). Nothing is
 * left under `to` if any step fails. The site key is not copied. On
 * PostgreSQL it refuses (PW_EINVAL) and says to use pg_dump.
 */
int pw_registry_backup(const char *db, const char *as_token, const char *to,
                       pw_backup_result *res, pw_error *err);

/* What a restore checked and where the replaced registry went. */
typedef struct pw_restore_result {
    long pages;          /* database pages copied */
    long audit_entries;  /* entries of the backup's chain, verified */
    long people, episodes;
    char replaced[4096]; /* where the replaced registry is kept ("" if none) */
} pw_restore_result;

/*
 * Restores an SQLite registry at `db` from `from`, a file written by
 * pw_registry_backup. Everything is checked before the target is touched:
 * the backup is copied (SQLite's backup API, from a read-only connection)
 * to a temporary file beside `db`, and that copy must pass integrity_check
 * and foreign_key_check, have a schema version this build knows, belong to
 * the site key of `db` (looked up as for any registry command), know
 * `as_token` as one of its admins, and have an intact audit chain. A
 * "restore" entry (who, from which file, how many entries) is appended to
 * the copy's chain; the copy is fsynced and renamed into place and the
 * directory fsynced. An existing `db` is refused (PW_ECONFLICT) unless
 * `force`; with `force` it is first taken over with an exclusive lock
 * (refused with PW_ECONFLICT while another process has it open), its WAL
 * folded into it, and it is kept as DB.replaced-YYYYMMDDTHHMMSSZ. On any
 * failure `db` is left as it was and nothing is left behind. A PostgreSQL
 * `db` is refused (PW_EINVAL): pg_restore restores what pg_dump wrote.
 */
int pw_registry_restore(const char *db, const char *as_token, const char *from,
                        int force, pw_restore_result *res, pw_error *err);

/* ---- Reports (`pathways registry report`) ----------------------------- */

/* The report kind called `name` ("relapse-survival", "caseload",
 * "overdue", "completeness", "outcomes", "flags", "tdi-export";
 * docs/registry.md, "Reports and HTTP API"), for
 * pw_registry_report_opts.kind; -1 if there is none. */
int pw_registry_report_kind(const char *name);
/* The grouping called `name` ("programme", "regime", "substance"; "" or
 * NULL: none, which is 0), for pw_registry_report_opts.by; -1 if unknown. */
int pw_registry_report_by(const char *name);
/* "YYYY-MM-DD" (also the date part of "YYYY-MM-DDThh:mm:ssZ") into a day
 * number (days since 1970-01-01); impossible dates (2026-02-30) are
 * refused. PW_OK or PW_EINVAL; `err` is not used for it. */
int pw_registry_date(const char *text, int32_t *day);
/* Today's day number (UTC). */
int32_t pw_registry_today(void);

typedef struct pw_registry_report_opts {
    int kind;       /* pw_registry_report_kind() */
    int by;         /* pw_registry_report_by() */
    int32_t as_of;  /* "today" of overdue reviews, censoring and windows:
                     * pw_registry_today() unless the user asked for
                     * another day */
} pw_registry_report_opts;

/*
 * Computes a report over `db` as the user holding `as_token`. The role is
 * checked first (PW_EPERM, with a "denied" audit entry, if it may not);
 * the read is audited and committed before the report is returned, so a
 * report that was shown is always on record. On PW_OK *out is the whole
 * document, malloc'd and NUL-terminated, for the caller to free (JSON, or
 * CSV for tdi-export), *len its length and *content_type its MIME type (a
 * static string); on failure *out is NULL.
 */
int pw_registry_report(const char *db, const char *as_token,
                       const pw_registry_report_opts *opts, char **out, size_t *len,
                       const char **content_type, pw_error *err);

/* ---- The HTTP API (`pathways serve`) --------------------------------- */

typedef struct pw_registry_serve_opts {
    const char *db_url;
    const char *bind;   /* IPv4 address, "127.0.0.1" by default */
    int port;           /* 0 picks a free port */
    int threads;        /* pool size; 0 = number of CPUs */
    /* Failed-token throttling: after auth_fail_limit wrong tokens from one
     * address within auth_fail_window seconds, 429 for that long. 0 = the
     * defaults (10 in 60 s); auth_fail_limit -1 turns it off. */
    int auth_fail_limit;
    int auth_fail_window;
    /* HTTPS: PEM files of the certificate (chain) and its private key,
     * both or neither (both are checked before anything listens). With
     * them the port speaks TLS only; NULL: plain HTTP. */
    const char *tls_cert;
    const char *tls_key;
    /* Connections at once: in all (0 = PW_REGISTRY_MAX_CONNS), and from one
     * client address (0 = PW_REGISTRY_PER_ADDR; -1 = no per-address
     * limit). */
    int max_conns;
    int per_addr_limit;
    /* A request's deadline, from the connection's start (or the end of the
     * previous request on it) to its last byte (0 =
     * PW_REGISTRY_REQUEST_TIMEOUT seconds). */
    int request_timeout_ms;
} pw_registry_serve_opts;

/* Defaults of `pathways serve --max-connections / --per-address-limit /
 * --request-timeout` (docs/registry.md, "The network"). */
#define PW_REGISTRY_MAX_CONNS 4096
#define PW_REGISTRY_PER_ADDR 64
#define PW_REGISTRY_REQUEST_TIMEOUT 30

/* A running server (opaque). */
typedef struct pw_registry_server pw_registry_server;

/* Checks that the registry opens and, with TLS, that the certificate and
 * key are usable, then starts listening (routes: docs/registry.md). On
 * PW_OK *out is the caller's, to end with pw_registry_serve_stop; on
 * failure nothing is left listening and *out is NULL. */
int pw_registry_serve_start(const pw_registry_serve_opts *opts, pw_registry_server **out,
                            pw_error *err);
/* The port actually bound (useful with port 0). */
int pw_registry_serve_port(const pw_registry_server *s);
/* Jobs given to the group-commit writer so far (audited reads, refusals,
 * POST /records bodies) and the commits that wrote them. */
void pw_registry_serve_counts(pw_registry_server *s, long *jobs, long *commits);
/* Stops accepting, finishes the requests in flight, closes connections
 * and frees `s`. */
void pw_registry_serve_stop(pw_registry_server *s);

PW_END_DECLS

#endif /* PATHWAYS_REGISTRY_H */
