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

#include "opt.h"

#define PW_EXIT_OK 0
#define PW_EXIT_BADINPUT 1
#define PW_EXIT_USAGE 2
#define PW_EXIT_FAIL 3

typedef int (*pw_cli_fn)(int argc, char **argv);

/* Each subcommand's option table and help (opt.h), defined beside it. */
extern const pw_cli_cmd pw_cli_spec_assess, pw_cli_spec_regimes, pw_cli_spec_params,
    pw_cli_spec_calibrate, pw_cli_spec_sensitivity, pw_cli_spec_serve, pw_cli_spec_registry,
    pw_cli_spec_registry_init, pw_cli_spec_registry_user_add, pw_cli_spec_registry_user_list,
    pw_cli_spec_registry_user_disable, pw_cli_spec_registry_user_rotate,
    pw_cli_spec_registry_import, pw_cli_spec_registry_stats, pw_cli_spec_registry_audit_verify,
    pw_cli_spec_registry_audit_checkpoint, pw_cli_spec_registry_audit_list,
    pw_cli_spec_registry_backup, pw_cli_spec_registry_restore, pw_cli_spec_registry_report,
    pw_cli_spec_registry_dictionary;

int pw_cmd_assess(int argc, char **argv);
int pw_cmd_regimes(int argc, char **argv);
int pw_cmd_params(int argc, char **argv);
int pw_cmd_run(int argc, char **argv);
int pw_cmd_calibrate(int argc, char **argv);
int pw_cmd_sensitivity(int argc, char **argv);
int pw_cmd_registry(int argc, char **argv);
int pw_cmd_serve(int argc, char **argv);

/* The options of `pathways run` (cmd_run.c), read by both engines. */
enum {
    RUN_SCENARIO, RUN_REGIME, RUN_YEARS, RUN_RUNS, RUN_SEED, RUN_THREADS, RUN_SCALE,
    RUN_POSTERIOR, RUN_SET, RUN_SWEEP, RUN_ENGINE, RUN_PER_YEAR, RUN_OUT, RUN_QUIET, RUN_LANG,
    RUN_REPLAY,
    RUN_BASELINE, RUN_HELP, RUN_N_OPTS
};
extern const pw_cli_opt pw_run_opts[RUN_N_OPTS];
extern const pw_cli_cmd pw_cli_spec_run;
/* Called by cmd_run.c for `--engine meanfield` (cmd_run_meanfield.c),
 * with run's parsed options. */
int pw_cmd_run_meanfield(const pw_cli_args *a, int argc, char **argv);
/* Loads the regimes of `spec` ("all": every built-in one, kz-current
 * first; else names or paths separated by commas) for both engines of
 * `run` (cmd_run.c). Returns an exit code; on success *out holds *n_out
 * regimes for the caller to free. */
struct pw_regime;
int pw_cli_load_regimes(const char *spec, struct pw_regime ***out, size_t *n_out);
/* Copies the i-th item (from 0) of the comma-separated `list` into buf
 * ("" past the end): the name a run records for its i-th regime
 * (cmd_run.c). */
void pw_cli_list_item(const char *list, size_t i, char *buf, size_t size);
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
/* Runs n_set variants of a scenario (a sweep's settings; one for a plain
 * run), each under every regime for o->runs runs, the (setting, run) tasks
 * spread over MPI ranks (ensemble.c). On success res[k] holds setting k
 * complete on rank 0 (other ranks hold only their share and must not write
 * it). Errors are printed; returns an exit code. */
struct pw_sim_opts;
struct pw_regime;
int pw_cli_ensemble(struct pw_scenario *const *scen, size_t n_set, struct pw_regime *const *regs,
                    size_t n_regs, const struct pw_sim_opts *o, struct pw_results **res);
/* `run --sweep FILE` (sweep.c): reads the settings, runs them through
 * pw_cli_ensemble and writes DIR/sweep.csv and DIR/sweep.html. `base` is
 * the scenario with --set applied; the posterior (if any) is in `o`. */
int pw_cli_run_sweep(const char *path, const struct pw_scenario *base,
                     struct pw_regime *const *regs, size_t n_regs, const struct pw_sim_opts *o,
                     const char *out_dir, int quiet);

/* Called by cmd_registry.c for `registry report` (cmd_registry_report.c). */
int pw_cmd_registry_report(int argc, char **argv);
/* The exit code of the registry's commands for a pathways status:
 * 3 for a database, I/O or memory failure, 1 for any other refusal
 * (cmd_registry.c). */
int pw_cli_registry_exit(int status);

/* Prints "pathways <cmd>: <message>" on stderr and returns PW_EXIT_USAGE. */
int pw_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True if argv holds -h or --help (before a "--"). */
int pw_cli_wants_help(int argc, char **argv);

#endif /* PW_CLI_H */
