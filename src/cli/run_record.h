/*
 * What `pathways run` records beside its results so that the output
 * folder replays itself (both engines): the program and build, the
 * command line, a copy and the SHA-256 of every input file (scenario and
 * the scenarios it extends, regimes, posterior, targets), the settings,
 * and each run's parameter values (params.csv). `run --replay DIR` reads
 * that record back (pw_replay_load) and repeats the run from the copies.
 */
#ifndef PW_RUN_RECORD_H
#define PW_RUN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "pathways/core.h"
#include "pathways/sim.h"

#define PW_RUN_MAX_INPUTS 32

typedef struct pw_run_input {
    char role[16];    /* scenario, scenario-base, regime, posterior, targets */
    char origin[600]; /* where it came from: a path or <built-in>/kind/name */
    char copy[200];   /* its copy in the output folder: inputs/... */
    char sha256[65];  /* of its bytes, lower-case hex */
    char *bytes;
    size_t len;
} pw_run_input;

typedef struct pw_run_record {
    int argc;
    char **argv;            /* the command line, from "run" on */
    const char *engine;     /* "abm" or "meanfield" */
    const char *lang;       /* report language */
    int threads;            /* as run (0 resolved to the thread count) */
    const char *replay_of;  /* the folder replayed, or NULL */
    const char *sets[PW_CLI_MAX_OVERRIDES]; /* --set arguments as given */
    size_t n_sets;
    size_t n_inputs;
    pw_run_input in[PW_RUN_MAX_INPUTS];
    /* Per-run parameters for params.csv: the scenario (after --set) and
     * the posterior draws (run r uses row r mod n_draws). */
    const pw_scenario *scenario;
    size_t n_draws, n_draw_params;
    const int *draw_idx;
    const double *draws;
    const pw_results *res;
    const char *targets; /* observations for the report (a path or name), or NULL */
    int projection_year;
} pw_run_record;

/* Reads an input's bytes as its loader does (kind "scenarios",
 * "regimes", "targets"; "posterior" takes a path or <built-in>/...),
 * hashes them and adds them to the record; `label` (may be NULL) replaces
 * the origin recorded (a replay records the original's). For a scenario
 * the scenarios it extends are added too. Returns a PW_ status. */
int pw_run_record_input(pw_run_record *rec, const char *role, const char *kind,
                        const char *name_or_path, const char *label, pw_error *err);
void pw_run_record_free(pw_run_record *rec);

/* Writes the whole output set into `dir` (a pw_outset staging folder):
 * summary.json (with the provenance), summary.csv, timeseries.csv,
 * params.csv, inputs/ and report.html. `arg` is the pw_run_record. */
int pw_run_write_set(const char *dir, void *arg, pw_error *err);

/* The settings of a recorded run, read back from DIR/summary.json with
 * every input file's copy checked against its hash. */
typedef struct pw_replay {
    char engine[16], lang[8];
    char scenario[4200];        /* path of the scenario's copy */
    char regimes[PW_RUN_MAX_INPUTS * 300]; /* copies' paths, comma-separated */
    char posterior[4200];       /* path of the copy, or "none" */
    char targets[4200];         /* path of the copy, or "" */
    const char *labels[PW_RUN_MAX_INPUTS]; /* origins recorded, by role order */
    char label_store[PW_RUN_MAX_INPUTS][600];
    char roles[PW_RUN_MAX_INPUTS][16];
    size_t n_labels;
    char posterior_label[600];
    uint64_t seed;
    int runs, years, threads, projection_year;
    double scale;
    size_t n_sets;
    char sets[PW_CLI_MAX_OVERRIDES][256];
} pw_replay;
int pw_replay_load(const char *dir, pw_replay *rp, pw_error *err);
/* The origin the record gives for input `role`'s i-th occurrence, or NULL. */
const char *pw_replay_label(const pw_replay *rp, const char *role, size_t i);

/* `run --replay DIR` of a folder the mean-field engine made
 * (cmd_run_meanfield.c): repeats it from the record `rp` into `out`.
 * Returns an exit code. */
int pw_cmd_run_meanfield_replay(const pw_replay *rp, const char *replay_dir, const char *out,
                                int quiet, int argc, char **argv);

#endif
