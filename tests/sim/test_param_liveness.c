/*
 * Every parameter is a live lever. Each parameter that `pathways params`
 * lists is set to each end of its range in turn, and the whole society is
 * simulated under every built-in regime with the same seed (a paired run:
 * same people, same chances); the perturbed parameter must change some
 * output, metric or yearly series, of some regime.
 *
 * "Beyond noise": the runs are deterministic and paired (common random
 * numbers, the same bytes on any thread count, test sim_determinism), so
 * the noise between the two runs is exactly zero and the tolerance is
 * zero: any output whose double differs counts as moved, and a parameter
 * that moves nothing at either end has no path to any output in this
 * setting. A parameter that is inert by design says so in its scenario
 * file (`inert: "why"`); for those the test asserts the opposite, so a
 * declaration cannot outlive the reason for it.
 *
 * Ends: the allowed range (sim_params.h), which `--set` accepts. No
 * allowed end is absurd enough here to need the prior's instead: every
 * one gives a run that completes (several are extreme, e.g. a Gompertz
 * hazard that ends most lives by 50, or ten peer initiations a year, and
 * the model must survive those too), and the ends a parameter cannot
 * move from are only skipped (a value that sits at an end of its range).
 * A parameter is live when either end moves an output: one end can be
 * inert for a reason of the setting (capacity that does not bind, a
 * floor never reached), which the table shows.
 *
 * Setting: Almaty's scenario at a small scale and horizon (SCALE, YEARS),
 * one run per end, all five regimes; the (parameter, end) runs are spread
 * over two threads. The table printed (stderr) names, for each parameter,
 * the output it moved most (relative change) and the regime it was under.
 */
#include <math.h>
#include <string.h>

#include "simtest.h"

#define SCALE 0.031 /* 44,485 agents in 2011 (1,435,000 people): one compulsory bed for drugs, as 2% of 2024 gave */
#define YEARS 6     /* long enough for the hybrid regime's parole window (3.5-5 years) */
#define SEED 7

static pw_regime **all_regimes(size_t *n)
{
    const char **names = NULL;
    *n = pw_data_names("regimes", &names);
    pw_regime **r = calloc(*n, sizeof *r);
    assert_non_null(r);
    for (size_t g = 0; g < *n; g++) {
        pw_error err;
        pw_error_clear(&err);
        assert_int_equal(pw_regime_load(names[g], &r[g], &err), PW_OK);
    }
    free(names);
    return r;
}

static pw_results *simulate(const pw_scenario *s, pw_regime **r, size_t n)
{
    pw_sim_opts o;
    pw_sim_opts_default(&o);
    o.years = YEARS;
    o.runs = 1;
    o.seed = SEED;
    o.scale = SCALE;
    o.threads = 1; /* the (parameter, end) pairs are what runs in parallel */
    pw_results *res = NULL;
    pw_error err;
    pw_error_clear(&err);
    if (pw_sim_run(s, r, n, &o, &res, &err) != PW_OK)
        pw_error_print(&err, stderr, "test");
    return res;
}

/* What moved most between two paired results. */
typedef struct moved {
    size_t n_moved;    /* outputs whose value differs */
    int metric;        /* the largest move is a metric's */
    double rel;        /* largest relative change */
    char what[96];     /* that output (metric or series) and regime */
} moved;

static void compare(const pw_results *a, const pw_results *b, moved *mv)
{
    memset(mv, 0, sizeof *mv);
    size_t ng = pw_results_regime_count(a);
    for (size_t g = 0; g < ng; g++) {
        for (size_t m = 0; m < pw_metric_count(); m++) {
            /* The metrics taken against the baseline are differences of
             * others, which are compared themselves. */
            if (strstr(pw_metric_name(m), "_vs_baseline"))
                continue;
            double x = pw_results_metric(a, g, 0, m), y = pw_results_metric(b, g, 0, m);
            if (x == y || (isnan(x) && isnan(y)))
                continue;
            mv->n_moved++;
            double rel = fabs(y - x) / fmax(fabs(x), 1);
            if (!mv->metric || rel > mv->rel) {
                mv->metric = 1;
                mv->rel = rel;
                snprintf(mv->what, sizeof mv->what, "%s (%s)", pw_metric_name(m),
                         pw_results_regime(a, g));
            }
        }
        for (size_t k = 0; k < pw_series_count(); k++)
            for (int yr = 0; yr < pw_results_years(a); yr++) {
                double x = pw_results_series(a, g, 0, yr, k), y = pw_results_series(b, g, 0, yr, k);
                if (x == y || (isnan(x) && isnan(y)))
                    continue;
                mv->n_moved++;
                /* A metric names the move if any moved; else a series. */
                double rel = fabs(y - x) / fmax(fabs(x), 1);
                if (!mv->metric && rel > mv->rel) {
                    mv->rel = rel;
                    snprintf(mv->what, sizeof mv->what, "series %s (%s)", pw_series_name(k),
                             pw_results_regime(a, g));
                }
            }
    }
}

static void every_parameter_moves_an_output(void **state)
{
    (void)state;
    pw_scenario *s = st_load("almaty");
    size_t ng;
    pw_regime **regs = all_regimes(&ng);
    pw_results *base = simulate(s, regs, ng);
    assert_non_null(base);
    size_t np = pw_param_count(s);
    moved *mv = calloc(2 * np, sizeof *mv);
    int *ran = calloc(2 * np, sizeof *ran), *failed = calloc(2 * np, sizeof *failed);
    assert_true(mv && ran && failed);
    /* Each (parameter, end) is one task: a private copy of the scenario,
     * one paired simulation of every regime, compared with the base. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(2)
    for (size_t t = 0; t < 2 * np; t++) {
        size_t i = t / 2;
        double lo, hi;
        pw_param_range(s, i, &lo, &hi);
        double x = t % 2 ? hi : lo;
        if (x == pw_param_get(s, i))
            continue; /* the value sits at this end: nothing to perturb */
        pw_scenario *c = pw_scenario_clone(s);
        if (!c || pw_param_set(c, i, x) != PW_OK) {
            failed[t] = 1;
            pw_scenario_free(c);
            continue;
        }
        pw_results *res = simulate(c, regs, ng);
        if (!res) {
            failed[t] = 1;
        } else {
            compare(base, res, &mv[t]);
            ran[t] = 1;
        }
        pw_results_free(res);
        pw_scenario_free(c);
    }
    int bad = 0;
    fprintf(stderr, "%-50s %-8s %-8s %s\n", "parameter", "lo end", "hi end",
            "most-moved output (relative change)");
    for (size_t i = 0; i < np; i++) {
        const char *name = pw_param_name(s, i), *inert = pw_param_inert(s, i);
        const moved *a = &mv[2 * i], *b = &mv[2 * i + 1];
        const moved *top = a->rel >= b->rel ? a : b;
        int live = a->n_moved || b->n_moved;
        char ea[16], eb[16];
        snprintf(ea, sizeof ea, "%s", !ran[2 * i] ? "-" : a->n_moved ? "moves" : "INERT");
        snprintf(eb, sizeof eb, "%s", !ran[2 * i + 1] ? "-" : b->n_moved ? "moves" : "INERT");
        fprintf(stderr, "%-50s %-8s %-8s %s", name, ea, eb, live ? top->what : "(nothing)");
        if (live)
            fprintf(stderr, " (%.3g)", top->rel);
        if (inert)
            fprintf(stderr, "  [declared inert: %s]", inert);
        fputc('\n', stderr);
        if (failed[2 * i] || failed[2 * i + 1]) {
            fprintf(stderr, "  FAILED to simulate %s at an end of its range\n", name);
            bad++;
        } else if (!inert && !live) {
            fprintf(stderr, "  %s moves no output: dead code, or declare it inert with why\n",
                    name);
            bad++;
        } else if (inert && live) {
            fprintf(stderr, "  %s is declared inert but moves %s: drop the declaration\n", name,
                    top->what);
            bad++;
        }
    }
    fprintf(stderr, "%d parameter%s failed\n", bad, bad == 1 ? "" : "s");
    assert_int_equal(bad, 0);
    free(mv);
    free(ran);
    free(failed);
    pw_results_free(base);
    for (size_t g = 0; g < ng; g++)
        pw_regime_free(regs[g]);
    free(regs);
    pw_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_parameter_moves_an_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
