/*
 * pathways registry: the monitoring registry's command line (docs/registry.md).
 *
 *   registry init       --db DB
 *   registry user add   --db DB --as TOKEN --name NAME --role ROLE [--site SITE]
 *   registry user list|disable|rotate --db DB --as TOKEN [--name NAME]
 *   registry import     --db DB --as TOKEN [--batch N] FILE.jsonl
 *   registry stats      --db DB --as TOKEN
 *   registry audit verify --db DB [--checkpoint FILE]
 *   registry audit checkpoint --db DB --out FILE
 *   registry audit list --db DB --as TOKEN
 *   registry backup     --db DB --as TOKEN --to FILE
 *   registry restore    --from FILE --db DB --as TOKEN [--force]
 *   registry report ... (cmd_registry_report.c)
 *
 * --db defaults to $PW_REGISTRY_DB and --as to $PW_REGISTRY_TOKEN, so a
 * token need not appear in the process list.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "pathways/registry.h"
#include "records.h"

/* Options of the registry's subcommands: one definition each, so --db or
 * --as means the same in every one. */
#define R_DB {"db", 0, PW_OPT_STR, "DB", 0, 0, NULL, "$PW_REGISTRY_DB", \
              "the registry: an SQLite file or a postgresql:// URL", PW_OPTF_FILE}
#define R_AS {"as", 0, PW_OPT_STR, "TOKEN", 0, 0, NULL, "$PW_REGISTRY_TOKEN", "your token", 0}
#define R_NAME(what) {"name", 0, PW_OPT_STR, "NAME", 0, 0, NULL, NULL, what, 0}
#define R_ROLE {"role", 0, PW_OPT_STR, "ROLE", 0, 0, \
                "admin intake panel clinician case_manager court_liaison lab analyst auditor", \
                NULL, "the new user's role", 0}
#define R_SITE {"site", 0, PW_OPT_STR, "SITE", 0, 0, NULL, "every site", \
                "the treatment centre the new user is limited to", 0}
#define R_BATCH {"batch", 0, PW_OPT_INT, "N", 1, 1000000, NULL, "1000", \
                 "records per transaction", 0}
#define R_TO {"to", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL, \
              "where the copy goes (replaced atomically); required", PW_OPTF_FILE}
#define R_FROM {"from", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL, \
                "the backup to read (left unchanged); required", PW_OPTF_FILE}
#define R_FORCE {"force", 0, PW_OPT_FLAG, NULL, 0, 0, NULL, NULL, \
                 "replace an existing registry, kept aside as DB.replaced-TIME", 0}
#define R_OUT {"out", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL, \
               "where the checkpoint goes (replaced atomically); required", PW_OPTF_FILE}
#define R_TYPE {"type", 0, PW_OPT_STR, "TYPE", 0, 0, NULL, "a 'type' column", \
                "the record type of a CSV import (person, episode, ...)", 0}
#define R_IMPORT_FORMAT {"format", 0, PW_OPT_CHOICE, "jsonl|csv", 0, 0, "jsonl|csv", \
                         "by the file's extension", "the file's format", 0}
#define R_CHECKPOINT {"checkpoint", 0, PW_OPT_STR, "FILE", 0, 0, NULL, NULL, \
                      "a checkpoint the log must still reach", PW_OPTF_FILE}

static const pw_cli_opt reg_help_opts[] = {PW_OPT_HELP_ROW};
static const pw_cli_opt reg_init_opts[] = {R_DB, PW_OPT_HELP_ROW};
static const pw_cli_opt reg_user_add_opts[] = {R_DB, R_AS, R_NAME("the new user's name"), R_ROLE,
                                               R_SITE, PW_OPT_HELP_ROW};
/* The listings take the --format every table of data takes (opt.h); by
 * default they keep the JSON (Lines) they always wrote, which scripts read. */
static const pw_cli_opt reg_list_opts[] = {R_DB, R_AS, PW_OPT_FORMAT("JSON Lines"),
                                           PW_OPT_HELP_ROW};
static const pw_cli_opt reg_stats_opts[] = {R_DB, R_AS, PW_OPT_FORMAT("a JSON object"),
                                            PW_OPT_HELP_ROW};
static const pw_cli_opt reg_user_disable_opts[] = {R_DB, R_AS, R_NAME("the user to disable"),
                                                   PW_OPT_HELP_ROW};
static const pw_cli_opt reg_user_rotate_opts[] = {
    R_DB, R_AS, R_NAME("the user whose token is replaced (admin); default: yourself"),
    PW_OPT_HELP_ROW};
static const pw_cli_opt reg_import_opts[] = {R_DB, R_AS, R_BATCH, R_TYPE, R_IMPORT_FORMAT,
                                             PW_OPT_HELP_ROW};
enum { RD_FORMAT, RD_TEMPLATE, RD_HELP, RD_N_OPTS };
static const pw_cli_opt reg_dictionary_opts[RD_N_OPTS] = {
    [RD_FORMAT] = {"format", 0, PW_OPT_CHOICE, "json|csv", 0, 0, "json|csv", "json",
                   "the dictionary's format", 0},
    [RD_TEMPLATE] = {"template", 0, PW_OPT_STR, "TYPE", 0, 0, NULL, NULL,
                     "print the CSV template of one record type instead", 0},
    [RD_HELP] = PW_OPT_HELP_ROW,
};
static const pw_cli_opt reg_verify_opts[] = {R_DB, R_CHECKPOINT, PW_OPT_HELP_ROW};
static const pw_cli_opt reg_checkpoint_opts[] = {R_DB, R_OUT, PW_OPT_HELP_ROW};
static const pw_cli_opt reg_backup_opts[] = {R_DB, R_AS, R_TO, PW_OPT_HELP_ROW};
static const pw_cli_opt reg_restore_opts[] = {R_FROM, R_DB, R_AS, R_FORCE, PW_OPT_HELP_ROW};
#define N_OF(t) (sizeof t / sizeof t[0])

const pw_cli_cmd pw_cli_spec_registry = {
    "registry", "the monitoring registry: init, users, import, reports, audit", "COMMAND ...",
    "The monitoring registry: people in the pathway from the panel decision\n"
    "through treatment to follow-up. DB is an SQLite file or a\n"
    "postgresql:// URL. See docs/registry.md.\n"
    "\n"
,
    reg_help_opts, N_OF(reg_help_opts),
    "commands:\n"
    "  init --db DB                     create the registry and an admin user;\n"
    "                                   prints the admin token as the last line\n"
    "  user add --db DB --as TOKEN --name NAME --role ROLE [--site SITE]\n"
    "                                   add a user (admin only); prints the token\n"
    "  user list --db DB --as TOKEN [--format csv|json]\n"
    "                                   users as JSON Lines (admin, auditor)\n"
    "  user disable --db DB --as TOKEN --name NAME\n"
    "                                   refuse NAME's token from now on (admin)\n"
    "  user rotate --db DB --as TOKEN [--name NAME]\n"
    "                                   a new token for NAME (admin) or, without\n"
    "                                   --name, for yourself; the old one is\n"
    "                                   refused from now on; prints the token\n"
    "  import --db DB --as TOKEN [--batch N] FILE.jsonl\n"
    "                                   import records (FILE '-' = stdin); prints\n"
    "                                   'committed N' after each durable batch\n"
    "  import --db DB --as TOKEN [--type TYPE] FILE.csv\n"
    "                                   import a spreadsheet of one record type\n"
    "                                   (or with a 'type' column), all or nothing\n"
    "  dictionary [--format json|csv] [--template TYPE]\n"
    "                                   the data dictionary: every field the\n"
    "                                   import accepts, its type, allowed values\n"
    "                                   and the roles that may write it; or the\n"
    "                                   CSV template of one record type\n"
    "  stats --db DB --as TOKEN [--format csv|json]\n"
    "                                   counts as JSON\n"
    "  audit verify --db DB [--checkpoint FILE]\n"
    "                                   check the audit chain, the seal of every\n"
    "                                   row and table, and (with FILE) that the\n"
    "                                   log still reaches a signed checkpoint\n"
    "  audit checkpoint --db DB --out FILE\n"
    "                                   verify, then write a signed checkpoint of\n"
    "                                   the log's head to keep outside the DB\n"
    "  audit list --db DB --as TOKEN [--format csv|json]\n"
    "                                   the audit log as JSON Lines (auditor)\n"
    "  backup --db DB --as TOKEN --to FILE\n"
    "                                   a checked copy of a live SQLite registry\n"
    "                                   (admin or auditor; PostgreSQL: pg_dump)\n"
    "  restore --from FILE --db DB --as TOKEN [--force]\n"
    "                                   check a backup, then make it the registry\n"
    "                                   at DB (TOKEN: an admin of the backup);\n"
    "                                   --force replaces an existing DB and keeps\n"
    "                                   it as DB.replaced-TIME (SQLite only;\n"
    "                                   PostgreSQL: pg_restore)\n"
    "  report --db DB --as TOKEN --kind KIND [...]   (see `registry report --help`)\n"
    "\n"
    "\n"
    "`pathways registry COMMAND --help` shows a command's options.\n"
    "\n"
    "roles: admin intake panel clinician case_manager court_liaison lab analyst\n"
    "       auditor\n"
    "keys:  the site key is read from $PW_REGISTRY_KEY (64 hex), else the file\n"
    "       $PW_REGISTRY_KEYFILE, else DB.key next to an SQLite registry; init\n"
    "       creates the key file.\n"
    "exit:  0 ok; 1 bad input, rejected records, refused token or role, or\n"
    "       tampering found by audit verify; 2 usage; 3 database or I/O failure,\n"
    "       or a write refused because the registry was tampered with\n"};
const pw_cli_cmd pw_cli_spec_registry_init = {
    "registry init", "create the registry and an admin user", NULL,
    "Creates the registry and an admin user, and prints the admin token as the last line "
    "(shown only once). Creates the site key file DB.key next to an SQLite registry unless "
    "$PW_REGISTRY_KEY or $PW_REGISTRY_KEYFILE names one.",
    reg_init_opts, N_OF(reg_init_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_user_add = {
    "registry user add", "add a user (admin only); prints the token", NULL,
    "Adds a user with a role (admin only) and prints the new token, shown only once. With "
    "--site the user sees only that treatment centre's episodes.",
    reg_user_add_opts, N_OF(reg_user_add_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_user_list = {
    "registry user list", "users as JSON Lines (admin, auditor)", NULL,
    "Lists the users as JSON Lines: id, name, role, when created, whether active (never a "
    "token); with --format csv a spreadsheet of the same columns, with --format json one "
    "JSON array.",
    reg_list_opts, N_OF(reg_list_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_user_disable = {
    "registry user disable", "refuse a user's token from now on (admin)", NULL,
    "Refuses NAME's token from now on (admin only).",
    reg_user_disable_opts, N_OF(reg_user_disable_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_user_rotate = {
    "registry user rotate", "a new token for a user or yourself", NULL,
    "Makes a new token for NAME (admin) or, without --name, for yourself, and prints it; "
    "the old one is refused from now on.",
    reg_user_rotate_opts, N_OF(reg_user_rotate_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_import = {
    "registry import", "import records (JSON Lines or a CSV spreadsheet)", "FILE.jsonl|FILE.csv|-",
    "Imports records from FILE.jsonl ('-': standard input), printing 'committed N' after "
    "each durable batch; a rejected record is reported with its line and field and the "
    "others go on. A CSV file (UTF-8, with or without a byte-order mark; Excel's quoting; "
    "`registry dictionary --template TYPE` gives its header) holds records of one --type, "
    "or names each row's type in a 'type' column; it goes through the same checks and "
    "audit, all or nothing.",
    reg_import_opts, N_OF(reg_import_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_dictionary = {
    "registry dictionary", "the data dictionary (every field the import accepts)", NULL,
    "Prints every field the import accepts: its record type, type, allowed values and the "
    "roles that may write it, generated from the importer's own tables. Needs no registry.",
    reg_dictionary_opts, RD_N_OPTS, NULL};
const pw_cli_cmd pw_cli_spec_registry_stats = {
    "registry stats", "counts as JSON", NULL,
    "Prints the registry's counts as a JSON object; with --format csv a header of the counts' "
    "names and one row of their values, with --format json a JSON array of that one row.",
    reg_stats_opts, N_OF(reg_stats_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_audit_verify = {
    "registry audit verify", "check the audit chain and every seal", NULL,
    "Checks the audit chain, the seal of every row and table, and (with --checkpoint) that "
    "the log still reaches a signed checkpoint.",
    reg_verify_opts, N_OF(reg_verify_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_audit_checkpoint = {
    "registry audit checkpoint", "write a signed checkpoint of the audit log", NULL,
    "Verifies, then writes a signed checkpoint of the log's head to keep outside the "
    "registry.",
    reg_checkpoint_opts, N_OF(reg_checkpoint_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_audit_list = {
    "registry audit list", "the audit log as JSON Lines (auditor)", NULL,
    "Prints the audit log as JSON Lines (auditor), oldest first; with --format csv a "
    "spreadsheet with a column per field, with --format json one JSON array.",
    reg_list_opts, N_OF(reg_list_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_backup = {
    "registry backup", "a checked copy of a live SQLite registry", NULL,
    "Writes a checked copy of a live SQLite registry (admin or auditor; PostgreSQL: "
    "pg_dump). The site key is not in the copy: keep a copy of it apart from the backup.",
    reg_backup_opts, N_OF(reg_backup_opts), NULL};
const pw_cli_cmd pw_cli_spec_registry_restore = {
    "registry restore", "check a backup, then make it the registry", NULL,
    "Checks a backup, then makes it the registry at DB (TOKEN: an admin of the backup); "
    "--force replaces an existing DB and keeps it as DB.replaced-TIME (SQLite only; "
    "PostgreSQL: pg_restore).",
    reg_restore_opts, N_OF(reg_restore_opts), NULL};

int pw_cli_registry_exit(int status)
{
    switch (status) {
    case PW_OK:
        return PW_EXIT_OK;
    case PW_ENOMEM:
    case PW_EIO:
    case PW_EDB:
        return PW_EXIT_FAIL;
    default:
        return PW_EXIT_BADINPUT;
    }
}

static int fail(const pw_error *err)
{
    pw_error_print(err, stderr, "pathways registry");
    return pw_cli_registry_exit(err->status);
}

typedef struct opts {
    const char *db, *as, *name, *role, *to, *from, *out, *checkpoint, *type, *format,
               *site;
    int force;
    long batch;
    const char *operand[PW_CLI_MAX_OPERANDS];
    int n_operands;
} opts;

/* Parses a subcommand's options against its table (argv[0] is the
 * subcommand's last word) into the fields the subcommands read. */
static int parse(int argc, char **argv, const pw_cli_cmd *spec, opts *o)
{
    pw_cli_val v[8];
    pw_cli_args args = {v, {0}, 0};
    assert(spec->n_opts <= sizeof v / sizeof v[0]);
    memset(o, 0, sizeof *o);
    o->db = getenv("PW_REGISTRY_DB");
    o->as = getenv("PW_REGISTRY_TOKEN");
    o->batch = 1000;
    int rc = pw_cli_parse(spec, argc, argv, &args);
    if (rc)
        return rc;
    for (size_t i = 0; i < spec->n_opts; i++) {
        const char *n = spec->opts[i].name;
        if (!v[i].given)
            continue;
        if (strcmp(n, "db") == 0) o->db = v[i].s;
        else if (strcmp(n, "as") == 0) o->as = v[i].s;
        else if (strcmp(n, "name") == 0) o->name = v[i].s;
        else if (strcmp(n, "role") == 0) o->role = v[i].s;
        else if (strcmp(n, "site") == 0) o->site = v[i].s;
        else if (strcmp(n, "to") == 0) o->to = v[i].s;
        else if (strcmp(n, "from") == 0) o->from = v[i].s;
        else if (strcmp(n, "force") == 0) o->force = 1;
        else if (strcmp(n, "out") == 0) o->out = v[i].s;
        else if (strcmp(n, "checkpoint") == 0) o->checkpoint = v[i].s;
        else if (strcmp(n, "batch") == 0) o->batch = (long)v[i].i;
        else if (strcmp(n, "type") == 0) o->type = v[i].s;
        else if (strcmp(n, "format") == 0) o->format = v[i].s;
    }
    o->n_operands = args.n_operands;
    for (int i = 0; i < args.n_operands; i++)
        o->operand[i] = args.operand[i];
    if (!o->db || !*o->db)
        return pw_cli_usage_error(spec->name, "--db is required");
    return 0;
}

typedef int (*listing_fn)(const char *db, const char *as, FILE *out, pw_error *err);

/*
 * A listing on stdout: as the registry writes it, or with --format csv|json
 * converted from that JSON (a JSON object is one row; JSON Lines are a row
 * each). The registry writes into memory first, so a listing that fails
 * half-way prints nothing rather than half a table.
 */
static int listing(const opts *o, const char *cmd, listing_fn fn, int one_object)
{
    pw_error err;
    pw_error_clear(&err);
    if (!o->format)
        return fn(o->db, o->as, stdout, &err) == PW_OK ? PW_EXIT_OK : fail(&err);
    char *text = NULL;
    size_t len = 0;
    json_t *rows = NULL;
    int code = PW_EXIT_FAIL;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "pathways %s: out of memory\n", cmd);
        return PW_EXIT_FAIL;
    }
    int rc = fn(o->db, o->as, mem, &err);
    if (fclose(mem) != 0 && rc == PW_OK)
        rc = pw_error_set(&err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc != PW_OK) {
        code = fail(&err);
        goto done;
    }
    if (one_object) {
        json_t *obj = json_loadb(text, len, 0, NULL);
        rows = json_is_object(obj) ? json_array() : NULL;
        if (rows)
            json_array_append(rows, obj);
        json_decref(obj);
    } else if (pw_cli_records_from_lines(text, len, &rows) != 0) {
        rows = NULL;
    }
    /* The registry wrote this JSON itself: unreadable is a bug, not input. */
    assert(rows);
    if (!rows || pw_cli_records_write(stdout, o->format, rows) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "pathways %s: writing the %s failed\n", cmd, o->format);
        goto done;
    }
    code = PW_EXIT_OK;
done:
    json_decref(rows);
    free(text);
    return code;
}

/*
 * The subcommands below share one way in (run_sub): parse the common
 * options (parse: --db from them or $PW_REGISTRY_DB), require --as where
 * the subcommand acts as a user, then run with a cleared error. Each
 * run_* gets the parsed options and its name for messages, and does only
 * its own checks and call.
 */
typedef int (*run_fn)(const opts *o, const char *cmd, pw_error *err);

/* A new token, shown only this once: `notice` (if any) on stderr, then the
 * token as the last line of stdout, where scripts take it from. */
static int show_token(const char *token, const char *notice)
{
    if (notice)
        fputs(notice, stderr);
    printf("%s\n", token);
    return PW_EXIT_OK;
}

static int run_init(const opts *o, const char *cmd, pw_error *err)
{
    (void)cmd;
    char token[65];
    if (pw_registry_init(o->db, token, err) != PW_OK)
        return fail(err);
    return show_token(token, "registry created; keep the admin token below safe, it "
                             "is shown only once\n");
}

static int run_user_add(const opts *o, const char *cmd, pw_error *err)
{
    char token[65];
    if (!o->name || !o->role)
        return pw_cli_usage_error(cmd, "--name and --role are required");
    if (pw_registry_user_add_site(o->db, o->as, o->name, o->role, o->site, token, err) != PW_OK)
        return fail(err);
    return show_token(token, NULL);
}

static int run_user_list(const opts *o, const char *cmd, pw_error *err)
{
    (void)err;
    if (o->name || o->role)
        return pw_cli_usage_error(cmd, "takes no --name or --role");
    return listing(o, cmd, pw_registry_user_list, 0);
}

static int run_user_disable(const opts *o, const char *cmd, pw_error *err)
{
    if (!o->name || o->role)
        return pw_cli_usage_error(cmd, "--name is required (and no --role)");
    if (pw_registry_user_disable(o->db, o->as, o->name, err) != PW_OK)
        return fail(err);
    fprintf(stderr, "user '%s' disabled: the token is refused from now on\n", o->name);
    return PW_EXIT_OK;
}

static int run_user_rotate(const opts *o, const char *cmd, pw_error *err)
{
    char token[65];
    if (o->role)
        return pw_cli_usage_error(cmd, "takes no --role");
    if (pw_registry_user_rotate(o->db, o->as, o->name, token, err) != PW_OK)
        return fail(err);
    return show_token(token, "new token below, shown only once; the old one is refused "
                             "from now on\n");
}

static int run_import(const opts *o, const char *cmd, pw_error *err)
{
    if (o->n_operands != 1)
        return pw_cli_usage_error(cmd, "give one FILE.jsonl or FILE.csv");
    const char *path = o->operand[0];
    size_t pl = strlen(path);
    int csv = (o->format && strcmp(o->format, "csv") == 0) ||
              (!o->format && pl > 4 && strcasecmp(path + pl - 4, ".csv") == 0);
    if (o->type && !csv)
        return pw_cli_usage_error(cmd, "--type goes with a CSV file");
    if (csv) {
        /* A spreadsheet: all or nothing, through the same importer. */
        long committed = 0;
        if (pw_registry_import_csv(o->db, o->as, path, o->type, &committed, err) != PW_OK) {
            fprintf(stderr, "pathways registry import: nothing of %s was stored\n", path);
            return fail(err);
        }
        printf("committed %ld\n", committed);
        fprintf(stderr, "pathways registry import: %ld records committed, 0 rejected\n",
                committed);
        return PW_EXIT_OK;
    }
    pw_import_opts io = {.batch = o->batch, .progress = stdout, .errors = stderr};
    pw_import_result res;
    if (pw_registry_import(o->db, o->as, path, &io, &res, err) != PW_OK) {
        fprintf(stderr,
                "pathways registry import: stopped after %ld committed "
                "records\n",
                res.committed);
        return fail(err);
    }
    fprintf(stderr, "pathways registry import: %ld records committed, %ld "
                    "rejected\n", res.committed, res.rejected);
    return res.rejected ? PW_EXIT_BADINPUT : PW_EXIT_OK;
}

/* The data dictionary needs no registry: it is the importer's own table. */
static int cmd_dictionary(int argc, char **argv)
{
    static const char cmd[] = "registry dictionary";
    pw_cli_val v[RD_N_OPTS];
    pw_cli_args args = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_registry_dictionary, argc, argv, &args);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    if (args.n_operands)
        return pw_cli_usage_error(cmd, "unexpected '%s'", args.operand[0]);
    const char *format = pw_cli_str(&args, RD_FORMAT, NULL);
    const char *tmpl = pw_cli_str(&args, RD_TEMPLATE, NULL);
    pw_error err;
    pw_error_clear(&err);
    int rc = pw_registry_dictionary(stdout, format, tmpl, &err);
    if (rc == PW_OK && fflush(stdout) != 0)
        rc = pw_error_set(&err, PW_EIO, "<stdout>", 0, NULL, "write failed");
    if (rc == PW_EINVAL)
        return pw_cli_usage_error(cmd, "%s", err.msg);
    return rc == PW_OK ? PW_EXIT_OK : fail(&err);
}

static int run_stats(const opts *o, const char *cmd, pw_error *err)
{
    (void)err;
    return listing(o, cmd, pw_registry_stats, 1);
}

static int run_audit_verify(const opts *o, const char *cmd, pw_error *err)
{
    (void)cmd;
    long n = 0;
    if (pw_registry_audit_verify_at(o->db, o->checkpoint, &n, err) != PW_OK)
        return fail(err);
    printf("audit chain intact: %ld entries%s; every sealed row and table matches\n", n,
           o->checkpoint ? ", reaching the checkpoint" : "");
    return PW_EXIT_OK;
}

static int run_audit_checkpoint(const opts *o, const char *cmd, pw_error *err)
{
    long n = 0;
    if (!o->out || !*o->out)
        return pw_cli_usage_error(cmd, "--out FILE is required");
    if (pw_registry_audit_checkpoint(o->db, o->out, &n, err) != PW_OK)
        return fail(err);
    printf("checkpoint written: %s: %ld entries, signed; keep it outside the registry\n",
           o->out, n);
    return PW_EXIT_OK;
}

static int run_audit_list(const opts *o, const char *cmd, pw_error *err)
{
    (void)err;
    return listing(o, cmd, pw_registry_audit_list, 0);
}

static int run_backup(const opts *o, const char *cmd, pw_error *err)
{
    if (!o->to || !*o->to)
        return pw_cli_usage_error(cmd, "--to FILE is required");
    pw_backup_result res;
    if (pw_registry_backup(o->db, o->as, o->to, &res, err) != PW_OK)
        return fail(err);
    printf("backup written: %s: %ld pages, %ld people, %ld episodes; integrity ok; "
           "audit chain intact: %ld entries\n",
           o->to, res.pages, res.people, res.episodes, res.audit_entries);
    fprintf(stderr, "pathways registry backup: the site key is not in the copy; keep "
                    "a copy of it apart from the backup\n");
    return PW_EXIT_OK;
}

static int run_restore(const opts *o, const char *cmd, pw_error *err)
{
    if (!o->from || !*o->from)
        return pw_cli_usage_error(cmd, "--from FILE is required");
    pw_restore_result res;
    if (pw_registry_restore(o->db, o->as, o->from, o->force, &res, err) != PW_OK)
        return fail(err);
    printf("registry restored: %s from %s: %ld pages, %ld people, %ld episodes; "
           "integrity ok; audit chain intact: %ld entries, and the restore's own; %s%s\n",
           o->db, o->from, res.pages, res.people, res.episodes, res.audit_entries,
           res.replaced[0] ? "replaced registry kept as " : "no registry replaced",
           res.replaced);
    return PW_EXIT_OK;
}

/*
 * Every subcommand that opens the registry from the common options: the
 * word after "registry" (or, in a group, after "registry GROUP"), its
 * option table (whose name its messages carry), whether it acts as a user
 * (--as TOKEN required, checked before its own checks), and what it runs.
 * `dictionary` and `report` parse options of their own.
 */
static const struct reg_sub {
    const char *group; /* "user", "audit", or NULL for a single word */
    const char *word;
    const pw_cli_cmd *spec;
    int need_token;
    run_fn run;
} reg_subs[] = {
    {NULL, "init", &pw_cli_spec_registry_init, 0, run_init},
    {"user", "add", &pw_cli_spec_registry_user_add, 1, run_user_add},
    {"user", "list", &pw_cli_spec_registry_user_list, 1, run_user_list},
    {"user", "disable", &pw_cli_spec_registry_user_disable, 1, run_user_disable},
    {"user", "rotate", &pw_cli_spec_registry_user_rotate, 1, run_user_rotate},
    {NULL, "import", &pw_cli_spec_registry_import, 1, run_import},
    {NULL, "stats", &pw_cli_spec_registry_stats, 1, run_stats},
    {"audit", "verify", &pw_cli_spec_registry_audit_verify, 0, run_audit_verify},
    {"audit", "list", &pw_cli_spec_registry_audit_list, 1, run_audit_list},
    {"audit", "checkpoint", &pw_cli_spec_registry_audit_checkpoint, 0, run_audit_checkpoint},
    {NULL, "backup", &pw_cli_spec_registry_backup, 1, run_backup},
    {NULL, "restore", &pw_cli_spec_registry_restore, 1, run_restore},
};

/* The groups of subcommands, and what a wrong word after one is told. */
static const struct reg_group {
    const char *word, *cmd, *expected;
} reg_groups[] = {
    {"user", "registry user",
     "expected `user add`, `user list`, `user disable` or `user rotate`"},
    {"audit", "registry audit", "expected `audit verify`, `audit list` or `audit checkpoint`"},
};

/* argv starts at the subcommand's last word. */
static int run_sub(const struct reg_sub *sub, int argc, char **argv)
{
    const char *cmd = sub->spec->name;
    opts o;
    int rc = parse(argc, argv, sub->spec, &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if (sub->need_token && (!o.as || !*o.as))
        return pw_cli_usage_error(cmd, "--as TOKEN is required");
    pw_error err;
    pw_error_clear(&err);
    return sub->run(&o, cmd, &err);
}

/* argv starts at the group's word ("user"); argv[1] names the subcommand. */
static int run_group(const struct reg_group *g, int argc, char **argv)
{
    for (size_t i = 0; argc >= 2 && i < N_OF(reg_subs); i++)
        if (reg_subs[i].group && strcmp(reg_subs[i].group, g->word) == 0 &&
            strcmp(argv[1], reg_subs[i].word) == 0)
            return run_sub(&reg_subs[i], argc - 1, argv + 1);
    if (pw_cli_wants_help(argc, argv)) {
        pw_cli_help(&pw_cli_spec_registry, stdout);
        return PW_EXIT_OK;
    }
    return pw_cli_usage_error(g->cmd, "%s", g->expected);
}

int pw_cmd_registry(int argc, char **argv)
{
    if (argc < 2) {
        pw_cli_help(&pw_cli_spec_registry, stderr);
        return PW_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        pw_cli_help(&pw_cli_spec_registry, stdout);
        return PW_EXIT_OK;
    }
    /* Each subcommand sees argv starting at its own word. */
    if (strcmp(sub, "dictionary") == 0)
        return cmd_dictionary(argc - 1, argv + 1);
    if (strcmp(sub, "report") == 0)
        return pw_cmd_registry_report(argc - 1, argv + 1);
    for (size_t i = 0; i < N_OF(reg_groups); i++)
        if (strcmp(sub, reg_groups[i].word) == 0)
            return run_group(&reg_groups[i], argc - 1, argv + 1);
    for (size_t i = 0; i < N_OF(reg_subs); i++)
        if (!reg_subs[i].group && strcmp(sub, reg_subs[i].word) == 0)
            return run_sub(&reg_subs[i], argc - 1, argv + 1);
    return pw_cli_usage_error("registry", "unknown command '%s' (init, user, "
                                          "import, dictionary, stats, audit, report, "
                                          "backup, restore)",
                              sub);
}
