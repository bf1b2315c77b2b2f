/*
 * The `pathways` command line: one function per subcommand, each in its own
 * file cmd_<name>.c. A subcommand gets argv starting at its own name
 * (argv[0] == "assess"), returns the process exit code, prints its
 * `--help` and reports bad input on stderr with file, line and field.
 *
 * Exit codes: 0 success; 1 some input was bad (the rest was processed);
 * 2 usage error; 3 failure (I/O, database, internal).
 */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stddef.h>
#include <stdio.h>

#define PW_EXIT_OK 0
#define PW_EXIT_BADINPUT 1
#define PW_EXIT_USAGE 2
#define PW_EXIT_FAIL 3

typedef int (*pw_cli_fn)(int argc, char **argv);

int pw_cmd_assess(int argc, char **argv);
int pw_cmd_regimes(int argc, char **argv);
int pw_cmd_params(int argc, char **argv);
int pw_cmd_run(int argc, char **argv);
int pw_cmd_calibrate(int argc, char **argv);
int pw_cmd_sensitivity(int argc, char **argv);
int pw_cmd_registry(int argc, char **argv);
int pw_cmd_serve(int argc, char **argv);

/* Called by cmd_run.c for `--engine meanfield` (cmd_run_meanfield.c). */
int pw_cmd_run_meanfield(int argc, char **argv);
/* Loads the regimes of `spec` ("all": every built-in one, kz-current
 * first; else names or paths separated by commas) for both engines of
 * `run` (cmd_run.c). Returns an exit code; on success *out holds *n_out
 * regimes for the caller to free. */
struct pw_regime;
int pw_cli_load_regimes(const char *spec, struct pw_regime ***out, size_t *n_out);
/* `run --set NAME=VALUE` for both engines (overrides.c). */
struct pw_scenario;
struct pw_results;
#define PW_CLI_MAX_OVERRIDES 64
typedef struct pw_cli_override {
    const char *arg; /* as given, for messages */
    char name[128];
    double value;
    int param; /* index in the scenario's table, once applied */
} pw_cli_override;
/* 0, or -1 if `arg` is not NAME=NUMBER. */
int pw_cli_parse_override(const char *arg, pw_cli_override *ov);
/* Sets each parameter, refusing an unknown name or a value outside its
 * range with a usage error (the exit code is returned). */
int pw_cli_apply_overrides(struct pw_scenario *s, pw_cli_override *ov, size_t n);
/* Records them in the results (summary.json, table, report.html). */
int pw_cli_record_overrides(struct pw_results *res, const pw_cli_override *ov, size_t n);
/* Called by cmd_registry.c for `registry report` (cmd_registry_report.c). */
int pw_cmd_registry_report(int argc, char **argv);

/* Prints "pathways <cmd>: <message>" on stderr and returns PW_EXIT_USAGE. */
int pw_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True if argv holds -h or --help (before a "--"). */
int pw_cli_wants_help(int argc, char **argv);

#endif /* PW_CLI_H */
