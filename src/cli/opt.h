/*
 * One command-line layer for every subcommand: each subcommand describes
 * its options in a table (name, short name, argument type, range, default,
 * help) and this module parses argv against it, prints the subcommand's
 * `--help`, the man page (`pathways --man`) and the bash completion
 * (`pathways --completion bash`) from the same tables.
 *
 * Options that several subcommands take (--runs, --seed, --threads,
 * --scale, --years, --scenario, --format, ...) are defined once below as
 * PW_OPT_* row macros, so an option has one range and one meaning
 * everywhere. Adding an option to a subcommand is one table row (plus the
 * line that reads its value).
 */
#ifndef PW_CLI_OPT_H
#define PW_CLI_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    PW_OPT_FLAG,   /* no argument */
    PW_OPT_INT,    /* integer in [lo, hi] */
    PW_OPT_U64,    /* non-negative integer up to 2^64-1 (seeds) */
    PW_OPT_REAL,   /* number in [lo, hi], or (lo, hi] when PW_OPTF_LO_OPEN */
    PW_OPT_STR,    /* any text (a name, a path, a list) */
    PW_OPT_CHOICE, /* one of the words of `choices` ("csv|json") */
} pw_opt_type;

/* pw_cli_opt.flags */
#define PW_OPTF_REPEAT 1u  /* may be given several times; every value is kept */
#define PW_OPTF_FILE 2u    /* the argument is a file (completion offers files) */
#define PW_OPTF_DIR 4u     /* the argument is a directory */
#define PW_OPTF_LO_OPEN 8u /* REAL: lo itself is outside the range */
#define PW_OPTF_HIDDEN 16u /* accepted, not shown in help (kept for old scripts) */
#define PW_OPTF_HI_OPEN 32u /* REAL: hi itself is outside the range */

typedef struct pw_cli_opt {
    const char *name;    /* long name without "--"; NULL ends nothing (tables are sized) */
    char shrt;           /* short name, or 0 */
    pw_opt_type type;
    const char *meta;    /* the argument's name in help: N, FILE, NAME|PATH */
    double lo, hi;       /* INT, REAL: the allowed range */
    const char *choices; /* CHOICE: "a|b|c"; STR: words completion offers, or NULL */
    const char *def;     /* the default as help shows it, or NULL */
    const char *help;
    unsigned flags;
} pw_cli_opt;

/* A subcommand: its name as typed after `pathways` ("run", "registry
 * import"), the operands after the options, a paragraph about it, the
 * options, and lines printed after the options (examples, see-also). */
typedef struct pw_cli_cmd {
    const char *name;
    const char *summary; /* one line, for `pathways --help` and the man page */
    const char *operands; /* e.g. "[FILTER]", or NULL: none accepted */
    const char *about;
    const pw_cli_opt *opts;
    size_t n_opts;
    const char *epilog;
} pw_cli_cmd;

#define PW_CLI_MAX_REPEAT 64
#define PW_CLI_MAX_OPERANDS 16

/* The value of one option after parsing: `given` counts how often it came. */
typedef struct pw_cli_val {
    int given;
    long long i;   /* INT */
    uint64_t u;    /* U64 */
    double d;      /* REAL */
    const char *s; /* STR, CHOICE, and the text of every type (last given) */
    const char *all[PW_CLI_MAX_REPEAT]; /* REPEAT: every value given, in order */
} pw_cli_val;

typedef struct pw_cli_args {
    pw_cli_val *v; /* one per option of the table, same order */
    const char *operand[PW_CLI_MAX_OPERANDS];
    int n_operands;
} pw_cli_args;

/* Parses argv[1..argc-1] (argv[0] is the subcommand's name) against the
 * table of `cmd` into a->v (the caller's array of cmd->n_opts values,
 * zeroed here). Returns -1 when --help was given (help printed on stdout:
 * the caller returns PW_EXIT_OK), 0 on success, or PW_EXIT_USAGE after
 * printing an error that names the option and the allowed range. */
int pw_cli_parse(const pw_cli_cmd *cmd, int argc, char **argv, pw_cli_args *a);
/* Value i, or the default given (for unset options). */
long long pw_cli_int(const pw_cli_args *a, size_t i, long long def);
double pw_cli_real(const pw_cli_args *a, size_t i, double def);
uint64_t pw_cli_u64(const pw_cli_args *a, size_t i, uint64_t def);
const char *pw_cli_str(const pw_cli_args *a, size_t i, const char *def);
/* Checks `text` against option i's type and range into *out (the parser
 * calls it for every value), printing the error that names the option and
 * its range; returns 0 or PW_EXIT_USAGE. */
int pw_cli_check(const pw_cli_cmd *cmd, size_t i, const char *text, pw_cli_val *out);

void pw_cli_help(const pw_cli_cmd *cmd, FILE *f);
/* Every subcommand's table (main.c). */
size_t pw_cli_commands(const pw_cli_cmd *const **out);
/* The man page (roff) and the bash completion script, from the tables. */
void pw_cli_man(FILE *f, const char *version);
void pw_cli_completion_bash(FILE *f);

/* ---- Options shared by several subcommands: one definition each ------ */
#define PW_OPT_HELP_ROW {"help", 'h', PW_OPT_FLAG, NULL, 0, 0, NULL, NULL, "this text", 0}
#define PW_OPT_SCENARIO(def)                                                                  \
    {"scenario", 0, PW_OPT_STR, "NAME|PATH", 0, 0, "almaty kazakhstan lhy-us-cocaine", def,   \
     "a built-in scenario (almaty, kazakhstan, lhy-us-cocaine) or a scenario file",           \
     PW_OPTF_FILE}
#define PW_OPT_YEARS(def)                                                                     \
    {"years", 0, PW_OPT_INT, "N", 1, 500, NULL, def, "horizon in years", 0}
#define PW_OPT_RUNS(def)                                                                      \
    {"runs", 0, PW_OPT_INT, "N", 1, 100000, NULL, def, "runs per regime (or per setting)", 0}
#define PW_OPT_SEED(def)                                                                      \
    {"seed", 0, PW_OPT_U64, "S", 0, 0, NULL, def,                                            \
     "random seed (a non-negative integer); the same seed gives the same bytes", 0}
#define PW_OPT_THREADS                                                                        \
    {"threads", 0, PW_OPT_INT, "T", 0, 1024, NULL, "0: all cores",                           \
     "OpenMP threads; results do not depend on it", 0}
#define PW_OPT_SCALE                                                                          \
    {"scale", 0, PW_OPT_REAL, "F", 0, 1, NULL, "the scenario's default_scale",              \
     "fraction of the population simulated; figures are reported for the full population",   \
     PW_OPTF_LO_OPEN}
#define PW_OPT_REGIME(def, what)                                                              \
    {"regime", 0, PW_OPT_STR, "all|A,B,...", 0, 0,                                           \
     "all kz-current drug-court hybrid portugal russia", def, what, PW_OPTF_FILE}
#define PW_OPT_FORMAT(def)                                                                    \
    {"format", 0, PW_OPT_CHOICE, "csv|json", 0, 0, "csv|json", def,                          \
     "the data on stdout as CSV (with a header) or JSON instead of the table for people", 0}
#define PW_OPT_OUT(def, what) {"out", 0, PW_OPT_STR, "DIR", 0, 0, NULL, def, what, PW_OPTF_DIR}
#define PW_OPT_QUIET {"quiet", 'q', PW_OPT_FLAG, NULL, 0, 0, NULL, NULL, "no progress and no table", 0}

#endif /* PW_CLI_OPT_H */
