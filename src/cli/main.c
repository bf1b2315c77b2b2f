/*
 * pathways: entry point and subcommand dispatch.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pathways/calib.h"
#include "pathways/core.h"

typedef struct {
    const char *name;
    pw_cli_fn fn;
    const pw_cli_cmd *spec; /* options, help, summary (opt.h) */
    int ranks; /* spreads its work over MPI ranks when built with MPI */
} command;

static const command commands[] = {
    {"run", pw_cmd_run, &pw_cli_spec_run, 1},
    {"assess", pw_cmd_assess, &pw_cli_spec_assess, 0},
    {"regimes", pw_cmd_regimes, &pw_cli_spec_regimes, 0},
    {"params", pw_cmd_params, &pw_cli_spec_params, 0},
    {"calibrate", pw_cmd_calibrate, &pw_cli_spec_calibrate, 1},
    {"sensitivity", pw_cmd_sensitivity, &pw_cli_spec_sensitivity, 1},
    {"registry", pw_cmd_registry, &pw_cli_spec_registry, 0},
    {"serve", pw_cmd_serve, &pw_cli_spec_serve, 0},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Every table, in the order of the man page: each command, and after
 * `registry` its own commands. */
static const pw_cli_cmd *const all_specs[] = {
    &pw_cli_spec_run, &pw_cli_spec_assess, &pw_cli_spec_regimes, &pw_cli_spec_params,
    &pw_cli_spec_calibrate, &pw_cli_spec_sensitivity, &pw_cli_spec_registry,
    &pw_cli_spec_registry_init, &pw_cli_spec_registry_user_add,
    &pw_cli_spec_registry_user_list, &pw_cli_spec_registry_user_disable,
    &pw_cli_spec_registry_user_rotate, &pw_cli_spec_registry_import,
    &pw_cli_spec_registry_dictionary,
    &pw_cli_spec_registry_stats, &pw_cli_spec_registry_audit_verify,
    &pw_cli_spec_registry_audit_checkpoint, &pw_cli_spec_registry_audit_list,
    &pw_cli_spec_registry_backup, &pw_cli_spec_registry_restore,
    &pw_cli_spec_registry_report, &pw_cli_spec_serve,
};

size_t pw_cli_commands(const pw_cli_cmd *const **out)
{
    *out = all_specs;
    return sizeof all_specs / sizeof all_specs[0];
}

static void print_help(FILE *f)
{
    fprintf(f,
            "pathways %s: drug-policy pathways, simulated and monitored\n\n"
            "usage: pathways <command> [options]\n\n"
            "commands:\n",
            PW_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].spec->summary);
    fprintf(f, "  %-12s %s\n", "help", "this text, or `pathways help <command>`");
    fprintf(f,
            "\n`pathways <command> --help` shows a command's options; `pathways --man`\n"
            "prints the manual page and `pathways --completion bash` the bash completion,\n"
            "both generated from the same option tables.\n"
            "With no arguments, `pathways run` compares the five regimes for Almaty.\n");
}

int pw_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "pathways %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `pathways %s --help`)\n", cmd);
    return PW_EXIT_USAGE;
}

int pw_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return PW_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("pathways %s\n", PW_VERSION);
        return PW_EXIT_OK;
    }
    /* The man page and the completion script are generated from the
     * option tables at build time (src/cli/CMakeLists.txt) and installed. */
    if (strcmp(name, "--man") == 0) {
        pw_cli_man(stdout, PW_VERSION);
        return fflush(stdout) ? PW_EXIT_FAIL : PW_EXIT_OK;
    }
    if (strcmp(name, "--completion") == 0) {
        if (argc != 3 || strcmp(argv[2], "bash") != 0) {
            fprintf(stderr, "pathways: --completion takes one shell: bash\n");
            return PW_EXIT_USAGE;
        }
        pw_cli_completion_bash(stdout);
        return fflush(stdout) ? PW_EXIT_FAIL : PW_EXIT_OK;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            const command *c = find(argv[2]);
            if (!c) {
                fprintf(stderr, "pathways: unknown command '%s'\n", argv[2]);
                return PW_EXIT_USAGE;
            }
            char *hargv[] = {(char *)c->name, "--help", NULL};
            return c->fn(2, hargv);
        }
        print_help(stdout);
        return PW_EXIT_OK;
    }
    const command *c = find(name);
    if (!c) {
        fprintf(stderr, "pathways: unknown command '%s'\n\n", name);
        print_help(stderr);
        return PW_EXIT_USAGE;
    }
    if (!c->ranks)
        return c->fn(argc - 1, argv + 1);
    /* Runs, calibration and sensitivity run on every MPI rank (a no-op
     * without MPI); pw_par_finish ends MPI, aborting every rank on failure. */
    pw_error err;
    pw_error_clear(&err);
    if (pw_par_init(&argc, &argv, &err) != PW_OK) {
        pw_error_print(&err, stderr, "pathways");
        return pw_par_finish(PW_EXIT_FAIL);
    }
    if (pw_par_size() > 1 && pw_par_rank() == 0)
        fprintf(stderr, "pathways %s: on %d MPI ranks\n", c->name, pw_par_size());
    return pw_par_finish(c->fn(argc - 1, argv + 1));
}
