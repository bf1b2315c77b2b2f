/*
 * Simulator benchmarks (figures, not a timed test):
 *   1. the default `pathways run` (Almaty, all regimes, history + 20 years, default
 *      runs and scale): wall seconds and the child's peak RSS;
 *   2. Kazakhstan at full scale (20.1 M agents), one regime, one run,
 *      the history (2011-2023, under the scenario's history regime) and
 *      20 years of projection, in-process: wall seconds and peak RSS;
 *   3. bytes per agent of a built society (Almaty at full scale): the
 *      arrays, ties and active records, divided by the agents.
 * Each part runs in its own process so that peak RSS is its own.
 * Usage: bench_sim [default|kazakhstan|bytes]   (no argument: all three)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "pathways/sim.h"
#include "sim_internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int bench_default(void)
{
    char dir[] = "/tmp/pw_bench_simXXXXXX";
    if (!mkdtemp(dir))
        return 1;
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        execl(PW_BIN_PATH, "pathways", "run", "--out", dir, "--quiet", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_sim: pathways run failed\n");
        return 1;
    }
    double secs = now() - t0;
    printf("default run (almaty, all regimes, its history and 20 years of projection, default runs/scale): %.1f s, peak RSS %.0f MB (goal <= 60 s)\n",
           secs, ru.ru_maxrss / 1024.0);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}

static int bench_kazakhstan(void)
{
    pw_error err;
    pw_error_clear(&err);
    pw_scenario *s = NULL;
    pw_regime *r = NULL;
    if (pw_scenario_load("kazakhstan", &s, &err) || pw_regime_load("kz-current", &r, &err)) {
        pw_error_print(&err, stderr, "bench_sim");
        return 1;
    }
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.runs = 1;
    o.scale = 1.0;
    o.threads = 0; /* all cores: the four regions run in parallel */
    pw_results *res = NULL;
    double t0 = now();
    if (pw_sim_run(s, &r, 1, &o, &res, &err)) {
        pw_error_print(&err, stderr, "bench_sim");
        return 1;
    }
    double secs = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double agents = pw_scenario_population(s);
    /* The run starts at the history's first year when the scenario has
     * one: say so, since the history is most of the difference from a
     * 20-year run. */
    int hist = pwi_history_years(s);
    printf("kazakhstan (%.1f M agents in 2024, kz-current, 1 run, %d years: %d of history from %d + %d of projection, %d threads): %.1f s, peak RSS %.0f MB = %.0f bytes/agent (goals <= 60 s, <= 2048 MB)\n",
           agents / 1e6, hist + o.years, hist, hist ? pw_scenario_history_start_year(s) : 0,
           o.years, omp_get_max_threads(), secs, ru.ru_maxrss / 1024.0,
           ru.ru_maxrss * 1024.0 / agents);
    size_t m = (size_t)pw_metric_find("pwud_end");
    printf("  pwud_end %.0f, prison_population_end %.0f\n", pw_results_metric(res, 0, 0, m),
           pw_results_metric(res, 0, 0, (size_t)pw_metric_find("prison_population_end")));
    pw_results_free(res);
    pw_regime_free(r);
    pw_scenario_free(s);
    return 0;
}

static int bench_bytes(void)
{
    pw_error err;
    pw_error_clear(&err);
    pw_scenario *s = NULL;
    if (pw_scenario_load("almaty", &s, &err)) {
        pw_error_print(&err, stderr, "bench_sim");
        return 1;
    }
    pwi_world *w = NULL;
    double t0 = now();
    if (pwi_world_build(s, 20, 0, 0, 1, 1.0, &w, &err)) {
        pw_error_print(&err, stderr, "bench_sim");
        return 1;
    }
    double secs = now() - t0;
    printf("society build (almaty, %u agents): %.2f s; %.1f bytes per agent (arrays, ties, active records, exit schedule)\n",
           pwi_world_agents(w), secs, (double)pwi_world_bytes(w) / pwi_world_agents(w));
    pwi_world_free(w);
    pw_scenario_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    const char *modes[] = {"bytes", "default", "kazakhstan"};
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        if (argc > 1 && strcmp(argv[1], modes[i]) != 0)
            continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int r = i == 0 ? bench_bytes() : i == 1 ? bench_default() : bench_kazakhstan();
            fflush(stdout);
            _exit(r);
        }
        int status;
        waitpid(pid, &status, 0);
        rc |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    return rc;
}
