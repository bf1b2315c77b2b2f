/*
 * pathways registry: the monitoring registry's command line (docs/registry.md).
 *
 *   registry init       --db DB
 *   registry user add   --db DB --as TOKEN --name NAME --role ROLE
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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pathways/registry.h"

static const char usage_text[] =
    "usage: pathways registry COMMAND [options]\n"
    "\n"
    "The monitoring registry: people in the pathway from the panel decision\n"
    "through treatment to follow-up. DB is an SQLite file or a\n"
    "postgresql:// URL. See docs/registry.md.\n"
    "\n"
    "commands:\n"
    "  init --db DB                     create the registry and an admin user;\n"
    "                                   prints the admin token as the last line\n"
    "  user add --db DB --as TOKEN --name NAME --role ROLE [--site SITE]\n"
    "                                   add a user (admin only); prints the token\n"
    "  user list --db DB --as TOKEN     users as JSON Lines (admin, auditor)\n"
    "  user disable --db DB --as TOKEN --name NAME\n"
    "                                   refuse NAME's token from now on (admin)\n"
    "  user rotate --db DB --as TOKEN [--name NAME]\n"
    "                                   a new token for NAME (admin) or, without\n"
    "                                   --name, for yourself; the old one is\n"
    "                                   refused from now on; prints the token\n"
    "  import --db DB --as TOKEN [--batch N] FILE.jsonl\n"
    "                                   import records (FILE '-' = stdin); prints\n"
    "                                   'committed N' after each durable batch\n"
    "  stats --db DB --as TOKEN         counts as JSON\n"
    "  audit verify --db DB [--checkpoint FILE]\n"
    "                                   check the audit chain, the seal of every\n"
    "                                   row and table, and (with FILE) that the\n"
    "                                   log still reaches a signed checkpoint\n"
    "  audit checkpoint --db DB --out FILE\n"
    "                                   verify, then write a signed checkpoint of\n"
    "                                   the log's head to keep outside the DB\n"
    "  audit list --db DB --as TOKEN    the audit log as JSON Lines (auditor)\n"
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
    "options:\n"
    "  --db DB        registry (default $PW_REGISTRY_DB)\n"
    "  --as TOKEN     your token (default $PW_REGISTRY_TOKEN)\n"
    "  --batch N      records per transaction for import (default 1000)\n"
    "  --to FILE      where backup writes the copy (replaced atomically)\n"
    "  --from FILE    the backup that restore reads (left unchanged)\n"
    "  --force        let restore replace an existing registry (kept aside)\n"
    "  --out FILE     where audit checkpoint writes (replaced atomically)\n"
    "  --checkpoint FILE  a checkpoint that audit verify checks the log against\n"
    "  -h, --help     this help\n"
    "\n"
    "roles: admin intake panel clinician case_manager court_liaison lab analyst\n"
    "       auditor\n"
    "keys:  the site key is read from $PW_REGISTRY_KEY (64 hex), else the file\n"
    "       $PW_REGISTRY_KEYFILE, else DB.key next to an SQLite registry; init\n"
    "       creates the key file.\n"
    "exit:  0 ok; 1 bad input, rejected records, refused token or role, or\n"
    "       tampering found by audit verify; 2 usage; 3 database or I/O failure,\n"
    "       or a write refused because the registry was tampered with\n";

static int exit_for(int status)
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
    return exit_for(err->status);
}

typedef struct opts {
    const char *db, *as, *name, *role, *to, *from, *out, *checkpoint, *site;
    int force;
    long batch;
    int first_arg; /* index of the first operand in argv */
} opts;

/* Parses the options shared by the subcommands; argv[0] is the subcommand
 * word ("init", "add", ...). */
static int parse(int argc, char **argv, const char *cmd, opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"as", required_argument, NULL, 'a'},
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {"site", required_argument, NULL, 's'},
        {"batch", required_argument, NULL, 'b'},
        {"to", required_argument, NULL, 't'},
        {"from", required_argument, NULL, 'f'},
        {"force", no_argument, NULL, 'F'},
        {"out", required_argument, NULL, 'o'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->db = getenv("PW_REGISTRY_DB");
    o->as = getenv("PW_REGISTRY_TOKEN");
    o->batch = 1000;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'a': o->as = optarg; break;
        case 'n': o->name = optarg; break;
        case 'r': o->role = optarg; break;
        case 's': o->site = optarg; break;
        case 't': o->to = optarg; break;
        case 'f': o->from = optarg; break;
        case 'F': o->force = 1; break;
        case 'o': o->out = optarg; break;
        case 'c': o->checkpoint = optarg; break;
        case 'b': {
            char *end;
            o->batch = strtol(optarg, &end, 10);
            if (*end || o->batch < 1 || o->batch > 1000000)
                return pw_cli_usage_error(cmd, "--batch must be 1..1000000");
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        default:
            return pw_cli_usage_error(cmd, "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    o->first_arg = optind;
    if (!o->db || !*o->db)
        return pw_cli_usage_error(cmd, "--db is required");
    return 0;
}

static int need_token(const opts *o, const char *cmd)
{
    if (!o->as || !*o->as)
        return pw_cli_usage_error(cmd, "--as TOKEN is required");
    return 0;
}

static int cmd_init(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, "registry init", &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if (o.first_arg < argc)
        return pw_cli_usage_error("registry init", "unexpected '%s'",
                                  argv[o.first_arg]);
    char token[65];
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_init(o.db, token, &err) != PW_OK)
        return fail(&err);
    fprintf(stderr, "registry created; keep the admin token below safe, it "
                    "is shown only once\n");
    printf("%s\n", token);
    return PW_EXIT_OK;
}

static int cmd_user(int argc, char **argv)
{
    static const char *const subs[] = {"add", "list", "disable", "rotate", NULL};
    int sub = -1;
    for (int i = 0; argc >= 2 && subs[i]; i++)
        if (strcmp(argv[1], subs[i]) == 0)
            sub = i;
    if (sub < 0) {
        if (pw_cli_wants_help(argc, argv)) {
            fputs(usage_text, stdout);
            return PW_EXIT_OK;
        }
        return pw_cli_usage_error("registry user",
                                  "expected `user add`, `user list`, `user disable` or "
                                  "`user rotate`");
    }
    char cmd[32];
    snprintf(cmd, sizeof cmd, "registry user %s", subs[sub]);
    opts o;
    int rc = parse(argc - 1, argv + 1, cmd, &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if ((rc = need_token(&o, cmd)))
        return rc;
    if (o.first_arg < argc - 1)
        return pw_cli_usage_error(cmd, "unexpected '%s'", argv[1 + o.first_arg]);
    char token[65];
    pw_error err;
    pw_error_clear(&err);
    switch (sub) {
    case 0:
        if (!o.name || !o.role)
            return pw_cli_usage_error(cmd, "--name and --role are required");
        rc = pw_registry_user_add_site(o.db, o.as, o.name, o.role, o.site, token, &err);
        break;
    case 1:
        if (o.name || o.role)
            return pw_cli_usage_error(cmd, "takes no --name or --role");
        return pw_registry_user_list(o.db, o.as, stdout, &err) == PW_OK ? PW_EXIT_OK
                                                                         : fail(&err);
    case 2:
        if (!o.name || o.role)
            return pw_cli_usage_error(cmd, "--name is required (and no --role)");
        if (pw_registry_user_disable(o.db, o.as, o.name, &err) != PW_OK)
            return fail(&err);
        fprintf(stderr, "user '%s' disabled: the token is refused from now on\n", o.name);
        return PW_EXIT_OK;
    default:
        if (o.role)
            return pw_cli_usage_error(cmd, "takes no --role");
        rc = pw_registry_user_rotate(o.db, o.as, o.name, token, &err);
        if (rc == PW_OK)
            fprintf(stderr, "new token below, shown only once; the old one is refused "
                            "from now on\n");
        break;
    }
    if (rc != PW_OK)
        return fail(&err);
    printf("%s\n", token);
    return PW_EXIT_OK;
}

static int cmd_import(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, "registry import", &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if ((rc = need_token(&o, "registry import")))
        return rc;
    if (o.first_arg != argc - 1)
        return pw_cli_usage_error("registry import", "give one FILE.jsonl");
    pw_import_opts io = {.batch = o.batch, .progress = stdout, .errors = stderr};
    pw_import_result res;
    pw_error err;
    pw_error_clear(&err);
    rc = pw_registry_import(o.db, o.as, argv[o.first_arg], &io, &res, &err);
    if (rc != PW_OK) {
        fprintf(stderr,
                "pathways registry import: stopped after %ld committed "
                "records\n",
                res.committed);
        return fail(&err);
    }
    fprintf(stderr, "pathways registry import: %ld records committed, %ld "
                    "rejected\n", res.committed, res.rejected);
    return res.rejected ? PW_EXIT_BADINPUT : PW_EXIT_OK;
}

static int cmd_stats(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, "registry stats", &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if ((rc = need_token(&o, "registry stats")))
        return rc;
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_stats(o.db, o.as, stdout, &err) != PW_OK)
        return fail(&err);
    return PW_EXIT_OK;
}

static int cmd_audit(int argc, char **argv)
{
    static const char *const subs[] = {"verify", "list", "checkpoint", NULL};
    int sub = -1;
    for (int i = 0; argc >= 2 && subs[i]; i++)
        if (strcmp(argv[1], subs[i]) == 0)
            sub = i;
    if (sub < 0) {
        if (pw_cli_wants_help(argc, argv)) {
            fputs(usage_text, stdout);
            return PW_EXIT_OK;
        }
        return pw_cli_usage_error("registry audit", "expected `audit verify`, `audit list` "
                                                    "or `audit checkpoint`");
    }
    opts o;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "registry audit %s", subs[sub]);
    int rc = parse(argc - 1, argv + 1, cmd, &o);
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    if (o.first_arg < argc - 1)
        return pw_cli_usage_error(cmd, "unexpected '%s'", argv[1 + o.first_arg]);
    if (o.checkpoint && sub != 0)
        return pw_cli_usage_error(cmd, "--checkpoint is for `audit verify`");
    if (o.out && sub != 2)
        return pw_cli_usage_error(cmd, "--out is for `audit checkpoint`");
    pw_error err;
    pw_error_clear(&err);
    long n = 0;
    if (sub == 0) {
        if (pw_registry_audit_verify_at(o.db, o.checkpoint, &n, &err) != PW_OK)
            return fail(&err);
        printf("audit chain intact: %ld entries%s; every sealed row and table matches\n", n,
               o.checkpoint ? ", reaching the checkpoint" : "");
        return PW_EXIT_OK;
    }
    if (sub == 2) {
        if (!o.out || !*o.out)
            return pw_cli_usage_error(cmd, "--out FILE is required");
        if (pw_registry_audit_checkpoint(o.db, o.out, &n, &err) != PW_OK)
            return fail(&err);
        printf("checkpoint written: %s: %ld entries, signed; keep it outside the registry\n",
               o.out, n);
        return PW_EXIT_OK;
    }
    if ((rc = need_token(&o, cmd)))
        return rc;
    if (pw_registry_audit_list(o.db, o.as, stdout, &err) != PW_OK)
        return fail(&err);
    return PW_EXIT_OK;
}

/* The options of backup and restore: a token, the file option `file_opt`
 * (its value *file), and no operand. Returns 0 to go on, or what the
 * command returns (help: -1 as from parse, made PW_EXIT_OK by the caller). */
static int parse_file_cmd(int argc, char **argv, const char *cmd, opts *o,
                          const char *const *file, const char *file_opt)
{
    int rc = parse(argc, argv, cmd, o);
    if (rc)
        return rc;
    if ((rc = need_token(o, cmd)))
        return rc;
    if (!*file || !**file)
        return pw_cli_usage_error(cmd, "%s FILE is required", file_opt);
    if (o->first_arg < argc)
        return pw_cli_usage_error(cmd, "unexpected '%s'", argv[o->first_arg]);
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    static const char cmd[] = "registry backup";
    opts o = {0}; /* zeroed: the helper reads its file field through a pointer */
    int rc = parse_file_cmd(argc, argv, cmd, &o, &o.to, "--to");
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    pw_backup_result res;
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_backup(o.db, o.as, o.to, &res, &err) != PW_OK)
        return fail(&err);
    printf("backup written: %s: %ld pages, %ld people, %ld episodes; integrity ok; "
           "audit chain intact: %ld entries\n",
           o.to, res.pages, res.people, res.episodes, res.audit_entries);
    fprintf(stderr, "pathways registry backup: the site key is not in the copy; keep "
                    "a copy of it apart from the backup\n");
    return PW_EXIT_OK;
}

static int cmd_restore(int argc, char **argv)
{
    static const char cmd[] = "registry restore";
    opts o = {0}; /* zeroed: the helper reads its file field through a pointer */
    int rc = parse_file_cmd(argc, argv, cmd, &o, &o.from, "--from");
    if (rc)
        return rc < 0 ? PW_EXIT_OK : rc;
    pw_restore_result res;
    pw_error err;
    pw_error_clear(&err);
    if (pw_registry_restore(o.db, o.as, o.from, o.force, &res, &err) != PW_OK)
        return fail(&err);
    printf("registry restored: %s from %s: %ld pages, %ld people, %ld episodes; "
           "integrity ok; audit chain intact: %ld entries, and the restore's own; %s%s\n",
           o.db, o.from, res.pages, res.people, res.episodes, res.audit_entries,
           res.replaced[0] ? "replaced registry kept as " : "no registry replaced",
           res.replaced);
    return PW_EXIT_OK;
}

int pw_cmd_registry(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return PW_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        fputs(usage_text, stdout);
        return PW_EXIT_OK;
    }
    /* Each subcommand sees argv starting at its own word. */
    if (strcmp(sub, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(sub, "user") == 0)
        return cmd_user(argc - 1, argv + 1);
    if (strcmp(sub, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(sub, "stats") == 0)
        return cmd_stats(argc - 1, argv + 1);
    if (strcmp(sub, "audit") == 0)
        return cmd_audit(argc - 1, argv + 1);
    if (strcmp(sub, "report") == 0)
        return pw_cmd_registry_report(argc - 1, argv + 1);
    if (strcmp(sub, "backup") == 0)
        return cmd_backup(argc - 1, argv + 1);
    if (strcmp(sub, "restore") == 0)
        return cmd_restore(argc - 1, argv + 1);
    return pw_cli_usage_error("registry", "unknown command '%s' (init, user, "
                                          "import, stats, audit, report, backup, "
                                          "restore)",
                              sub);
}
