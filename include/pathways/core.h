/*
 * pathways core: status codes, located errors, the data files built into the
 * binary, YAML documents with line numbers, atomic output files and progress.
 *
 * Every other part of pathways (engine, sim, calib, registry, cli) builds on
 * this header. Functions return an int status (PW_OK or a negative PW_E*
 * code) and, where the caller passes one, fill a pw_error that names the
 * file, line and field at fault, so a user can fix their input.
 */
#ifndef PATHWAYS_CORE_H
#define PATHWAYS_CORE_H

#include <stddef.h>
#include <stdio.h>
#include "pathways/export.h"

PW_BEGIN_DECLS

#define PW_VERSION "0.1.0"

/* ---- Status codes ---------------------------------------------------- */
enum {
    PW_OK = 0,
    PW_ENOMEM = -1,    /* out of memory */
    PW_EIO = -2,       /* a file or socket could not be read or written */
    PW_EPARSE = -3,    /* malformed input (YAML, JSON, CSV) */
    PW_EINVAL = -4,    /* well-formed input with a wrong value */
    PW_ENOTFOUND = -5, /* a named thing does not exist */
    PW_EPERM = -6,     /* the caller's role does not allow it */
    PW_EDB = -7,       /* the database refused or failed */
    PW_EAUTH = -8,     /* unknown or missing credentials */
    PW_ECONFLICT = -9  /* duplicate or contradicting record */
};

/* Releases memory that a pw_ function handed to the caller (pw_assess_json,
 * pw_results_json, ...): the library's own free, which a caller from
 * another language or C runtime may not share. NULL is fine. */
void pw_free(void *p);

/* A short English word for a status code ("out of memory", ...). */
const char *pw_strstatus(int status);

/* ---- Located errors -------------------------------------------------- */
/*
 * Where an input went wrong and why. `line` is 1-based, 0 when unknown;
 * `field` is the key or JSON member at fault ("" when none).
 */
typedef struct pw_error {
    int status;
    char file[256];
    long line;
    char field[128];
    char msg[512];
} pw_error;

/* Clears an error record (status PW_OK, empty strings). */
void pw_error_clear(pw_error *e);

/*
 * Records an error and returns `status`, so that callers can write
 * `return pw_error_set(err, PW_EINVAL, file, line, "age", "must be ...")`.
 * Any of file/field may be NULL. `e` may be NULL (the error is dropped).
 */
int pw_error_set(pw_error *e, int status, const char *file, long line,
                 const char *field, const char *fmt, ...)
    PW_PRINTF(6, 7);

/* Formats "file:line: field 'x': message" into buf (always NUL-terminated). */
void pw_error_format(const pw_error *e, char *buf, size_t len);

/* Prints "prog: file:line: field 'x': message\n" on f. */
void pw_error_print(const pw_error *e, FILE *f, const char *prog);

/* ---- Data files built into the binary -------------------------------- */
/*
 * Everything under data/ is compiled into the program as a table of
 * (relative path, bytes). Paths use '/', e.g. "regimes/hybrid.yaml".
 */
size_t pw_data_count(void);
const char *pw_data_path(size_t i);
/* Returns the bytes (NUL-terminated) of a built-in file, or NULL. */
const char *pw_data_get(const char *relpath, size_t *len);

/*
 * Reads NAME|PATH for a data kind ("regimes", "scenarios", "targets", ...).
 * If `name_or_path` names an existing file (it contains '/' or ends with
 * ".yaml"/".yml"/".json"), that file is read; otherwise the built-in
 * "<kind>/<name>.yaml" is used. On success *buf is a malloc'd,
 * NUL-terminated copy the caller frees, and `origin` (if not NULL) receives
 * the name to show in messages: the path, or "<built-in>/kind/name.yaml".
 */
int pw_data_load(const char *kind, const char *name_or_path, char **buf,
                 size_t *len, char *origin, size_t origin_len, pw_error *err);

/* Lists the built-in names of a kind (file names without ".yaml"), sorted.
 * Returns the count; *names is malloc'd (free it, not the strings). */
size_t pw_data_names(const char *kind, const char ***names);

/* The largest file pw_read_file() reads (64 MiB): regimes, scenarios and
 * parameter tables are a few kB to a few MB; this leaves room for any real
 * one and keeps a wrong path (a device, a log) from filling the memory. */
#define PW_READ_FILE_MAX (64 << 20)

/* Reads a whole regular file of at most PW_READ_FILE_MAX bytes into a
 * malloc'd NUL-terminated buffer; anything else (a directory, device,
 * FIFO, socket, a larger file) is refused with PW_EIO and a reason. */
int pw_read_file(const char *path, char **buf, size_t *len, pw_error *err);

/* ---- YAML documents with line numbers -------------------------------- */
/*
 * A parsed YAML document: a tree of maps, sequences and scalars, each node
 * carrying the line it starts on so that every complaint about a value can
 * name its line. Anchors and aliases are refused (data files stay plain).
 */
typedef struct pw_doc pw_doc;
typedef struct pw_node pw_node;

typedef enum { PW_NODE_SCALAR, PW_NODE_MAP, PW_NODE_SEQ } pw_node_kind;

/* Parses YAML text; `name` is used in error messages. */
int pw_doc_parse(const char *name, const char *text, size_t len, pw_doc **out,
                 pw_error *err);
/* Loads with pw_data_load and parses. */
int pw_doc_load(const char *kind, const char *name_or_path, pw_doc **out,
                pw_error *err);
void pw_doc_free(pw_doc *doc);
const char *pw_doc_name(const pw_doc *doc);
const pw_node *pw_doc_root(const pw_doc *doc);

pw_node_kind pw_node_kind_of(const pw_node *n);
long pw_node_line(const pw_node *n);
/* Number of entries of a map or items of a sequence (0 for a scalar). */
size_t pw_node_len(const pw_node *n);
/* The i-th sequence item or map value. */
const pw_node *pw_node_at(const pw_node *n, size_t i);
/* The i-th map key. */
const char *pw_node_key(const pw_node *n, size_t i);
/* The value under `key` in a map, or NULL. */
const pw_node *pw_node_get(const pw_node *map, const char *key);
/* The text of a scalar, or NULL for maps and sequences. */
const char *pw_node_str(const pw_node *n);

/*
 * Typed access with located errors. `required` = 1 makes a missing key an
 * error; otherwise `def` is used. Numbers outside [lo, hi] are refused.
 * Errors name the document, the line and the key.
 */
int pw_node_num(const pw_doc *doc, const pw_node *map, const char *key,
                int required, double def, double lo, double hi, double *out,
                pw_error *err);
int pw_node_int(const pw_doc *doc, const pw_node *map, const char *key,
                int required, long def, long lo, long hi, long *out,
                pw_error *err);
int pw_node_bool(const pw_doc *doc, const pw_node *map, const char *key,
                 int required, int def, int *out, pw_error *err);
/* *out points into the document (valid until pw_doc_free). */
int pw_node_text(const pw_doc *doc, const pw_node *map, const char *key,
                 int required, const char *def, const char **out,
                 pw_error *err);
/* Picks one of `choices` (NULL-terminated); *out is its index. */
int pw_node_enum(const pw_doc *doc, const pw_node *map, const char *key,
                 int required, int def, const char *const *choices, int *out,
                 pw_error *err);
/* Fails (naming the line and key) if the map has a key not in `allowed`
 * (NULL-terminated) or if `map` is not a map. Catches typos in data files. */
int pw_node_check_keys(const pw_doc *doc, const pw_node *map,
                       const char *const *allowed, const char *what,
                       pw_error *err);

/* ---- Atomic output files --------------------------------------------- */
/*
 * Output is written to "<path>.tmp.<pid>" and renamed over <path> only on
 * commit (after fflush and fsync), so an interrupted run never leaves a
 * half-written result. Abort (or a crash) leaves the old file untouched.
 */
typedef struct pw_afile pw_afile;
int pw_afile_open(const char *path, pw_afile **out, pw_error *err);
FILE *pw_afile_fp(pw_afile *af);
int pw_afile_commit(pw_afile *af, pw_error *err); /* frees af */
void pw_afile_abort(pw_afile *af);                /* frees af */

/* Creates a directory and its parents (like mkdir -p). */
int pw_mkdirs(const char *path, pw_error *err);

/*
 * A set of output files that appears whole or not at all (summary.*,
 * timeseries.csv, report.html of one run): pw_outset_begin() creates
 * `dir` and a staging folder "<dir>/.pw-staging.<pid>" in it, where the
 * caller writes every file (*staging, malloc'd). pw_outset_commit() moves
 * each file into `dir` only once all were written, then removes the
 * staging folder; pw_outset_abort() removes it with what was written, so
 * a failure (a full disk) leaves the files of an earlier run as they
 * were, never a part of a new set beside them.
 */
int pw_outset_begin(const char *dir, char **staging, pw_error *err);
int pw_outset_commit(const char *dir, char *staging, pw_error *err); /* frees staging */
void pw_outset_abort(char *staging);                                /* frees staging */
/* The three in one: write(staging, arg, err) writes the set, which then
 * moves into `dir`, or is removed; an error about a staged file names it
 * under `dir`. */
int pw_outset_write(const char *dir, int (*write)(const char *staging, void *arg, pw_error *err),
                    void *arg, pw_error *err);

/* Writes one CSV field to f: as it is, or in double quotes (quotes doubled)
 * when it holds a comma, a quote or a line break (RFC 4180, as a
 * spreadsheet reads it). */
void pw_csv_field(FILE *f, const char *s);

/* ---- Progress on long runs ------------------------------------------- */
/*
 * A progress bar on stderr, drawn only when stderr is a terminal (or when
 * PW_PROGRESS=1), at most ten times a second. Thread-safe to update.
 */
typedef struct pw_progress pw_progress;
pw_progress *pw_progress_start(const char *label, double total);
void pw_progress_add(pw_progress *p, double amount);
void pw_progress_finish(pw_progress *p); /* frees p; NULL is fine */

PW_END_DECLS

#endif /* PATHWAYS_CORE_H */
