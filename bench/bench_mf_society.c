/*
 * bench_mf_society: how long the mean-field society model takes to compare
 * regimes (`pathways run --engine meanfield --scenario almaty --regime
 * all`, 20 years), regime by regime (median of 5 solves), against one
 * 20-year agent-based run of the same scenario at its default scale (0.1,
 * about 220,000 agents: what `pathways run` simulates) on one thread, as a
 * ratio; one agent-based run is one of the 20+ a comparison needs. Prints figures; never fails on a slow
 * machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pathways/calib.h"
#include "pathways/engine.h"
#include "pathways/sim.h"

#define YEARS 20
#define REPS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    static const char *const names[] = {"kz-current", "hybrid", "portugal", "russia",
                                        "drug-court"};
    const size_t n = sizeof names / sizeof names[0];
    pw_error err;
    pw_scenario *s = NULL;
    if (pw_scenario_load("almaty", &s, &err) != PW_OK) {
        pw_error_print(&err, stderr, "bench_mf_society");
        return 1;
    }
    pw_results *res = pw_results_new("almaty", pw_scenario_start_year(s), YEARS, 1, 0,
                                     (const char *const *)names, n);
    pw_regime *regs[5] = {NULL};
    double total = 0, kz = 0;
    for (size_t g = 0; g < n; g++) {
        if (pw_regime_load(names[g], &regs[g], &err) != PW_OK) {
            pw_error_print(&err, stderr, "bench_mf_society");
            return 1;
        }
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            double t0 = now();
            if (pw_mf_society_run(s, regs[g], 1.0, YEARS, res, g, 0, &err) != PW_OK) {
                pw_error_print(&err, stderr, "bench_mf_society");
                return 1;
            }
            t[r] = now() - t0;
        }
        qsort(t, REPS, sizeof t[0], cmp);
        printf("mean-field almaty %d years, %-10s: %6.1f ms (median of %d)\n", YEARS, names[g],
               1e3 * t[REPS / 2], REPS);
        total += t[REPS / 2];
        if (g == 0)
            kz = t[REPS / 2];
    }
    printf("mean-field almaty, all %zu regimes: %.0f ms\n", n, 1e3 * total);

    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = YEARS;
    o.runs = 1;
    o.scale = 0; /* the scenario's default */
    o.threads = 1;
    o.seed = 1;
    pw_results *abm = NULL;
    double t0 = now();
    int rc = pw_sim_run(s, regs, 1, &o, &abm, &err);
    double dt = now() - t0;
    if (rc == PW_OK)
        printf("agent-based almaty %d years, kz-current, 1 run at the default scale, 1 thread: %.2f s "
               "= %.0fx the mean-field solve\n",
               YEARS, dt, dt / kz);
    pw_results_free(abm);
    pw_results_free(res);
    for (size_t g = 0; g < n; g++)
        pw_regime_free(regs[g]);
    pw_scenario_free(s);
    return 0;
}
