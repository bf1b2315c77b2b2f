/*
 * Adaptive ABC-SMC (population Monte Carlo ABC).
 *
 * Generation 0 draws N particles from the prior. Generation t sets its
 * tolerance eps_t to a quantile of the previous generation's distances,
 * then proposes: pick a particle j with probability w_j, move it by a
 * Gaussian kernel with covariance 2*Cov_w (Beaumont et al. 2009, optimal
 * for a Gaussian target; here per coordinate and truncated to the prior's
 * box, see kernel_build), simulate, and accept when the distance is at
 * most eps_t, until N are accepted. Accepted particle i gets the
 * importance weight prior(u_i) / sum_j w_j K(u_i | u_j); the prior is flat
 * in unit coordinates, so the numerator is a constant.
 *
 * Determinism: proposal k of generation t is a pure function of
 * (seed, t, k). Proposals are drawn in batches, simulated in parallel and
 * accepted in index order until the N-th acceptance, so the population does
 * not depend on the number of threads or the batch size. With MPI every
 * rank draws the same batch, simulates its block of it and receives all
 * outputs (pwi_par_eval), so every rank accepts the same particles and
 * holds the same population after each generation, whatever the number
 * of ranks.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>

#include "pathways/calib.h"
#include "core/rng_gsl.h"
#include "calib_internal.h"

/* Kernels use stack vectors; no model has anywhere near this many
 * uncertain parameters. */
#define PWI_ABC_MAXDIM 64

void pw_abc_opts_default(pw_abc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->particles = 500;
    o->max_generations = 12;
    o->quantile = 0.5;
    o->min_acceptance = 0.02;
    o->max_sims = 200000;
    o->seed = 1;
}

void pw_abc_result_free(pw_abc_result *r)
{
    if (!r)
        return;
    free(r->theta);
    free(r->weight);
    free(r->y);
    free(r->dist);
    free(r->eps);
    free(r->accept);
    free(r);
}

double pw_ess(const double *w, size_t n)
{
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += w[i];
        s2 += w[i] * w[i];
    }
    return s2 > 0.0 ? s * s / s2 : 0.0;
}

typedef struct {
    double v, w;
} vw;

static int cmp_vw(const void *a, const void *b)
{
    double x = ((const vw *)a)->v, y = ((const vw *)b)->v;
    return (x > y) - (x < y);
}

double pw_wquantile(const double *v, size_t stride, const double *w, size_t n, double p)
{
    assert(n > 0);
    vw *t = malloc(n * sizeof *t);
    if (!t)
        return NAN;
    double tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        t[i].v = v[i * stride];
        t[i].w = w ? w[i] : 1.0;
        tot += t[i].w;
    }
    qsort(t, n, sizeof *t, cmp_vw);
    /* Smallest value whose cumulative weight reaches p of the total. */
    double acc = 0.0, res = t[n - 1].v;
    for (size_t i = 0; i < n; i++) {
        acc += t[i].w;
        if (acc >= p * tot) {
            res = t[i].v;
            break;
        }
    }
    free(t);
    return res;
}

static double distance(const pw_abc_data *d, const double *y)
{
    double s = 0.0;
    for (size_t j = 0; j < d->n_out; j++) {
        if (!(d->scale[j] > 0.0))
            continue;
        double z = (y[j] - d->obs[j]) / d->scale[j];
        s += z * z;
    }
    /* A failed or non-finite simulation is never accepted. */
    return isfinite(s) ? sqrt(s) : INFINITY;
}

/* One population: unit coordinates, weights, outputs, distances. */
typedef struct {
    double *u, *w, *y, *d;
} population;

static void pop_free(population *p)
{
    free(p->u);
    free(p->w);
    free(p->y);
    free(p->d);
    memset(p, 0, sizeof *p);
}

static int pop_alloc(population *p, size_t n, size_t dim, size_t n_out)
{
    p->u = malloc(n * dim * sizeof(double));
    p->w = malloc(n * sizeof(double));
    p->y = malloc(n * (n_out ? n_out : 1) * sizeof(double));
    p->d = malloc(n * sizeof(double));
    return (p->u && p->w && p->y && p->d) ? PW_OK : PW_ENOMEM;
}

/*
 * The perturbation kernel: independent Gaussians truncated to the unit box,
 * sd_k = sqrt(2 Var_w(u_k)) (Beaumont et al. 2009's twice-the-variance
 * rule, per coordinate). Truncating instead of rejecting proposals outside
 * the prior matters with many parameters: with 18 near-uniform coordinates
 * a full Gaussian step lands inside the box once in ~600 tries. The
 * truncation constants enter the weights, so they stay exact.
 */
static void kernel_build(const population *prev, size_t n, size_t dim, double *sd)
{
    for (size_t k = 0; k < dim; k++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += prev->w[i] * prev->u[i * dim + k];
        for (size_t i = 0; i < n; i++) {
            double d = prev->u[i * dim + k] - m;
            v += prev->w[i] * d * d;
        }
        /* A collapsed coordinate still needs a proper kernel. */
        sd[k] = sqrt(fmax(2.0 * v, 1e-12));
    }
}

/* log of the truncation mass of the kernel centred at c, per coordinate. */
static double kernel_logmass(const double *sd, size_t dim, const double *c)
{
    double s = 0.0;
    for (size_t k = 0; k < dim; k++)
        s += log(fmax(gsl_cdf_ugaussian_P((1.0 - c[k]) / sd[k]) -
                          gsl_cdf_ugaussian_P(-c[k] / sd[k]),
                      1e-300));
    return s;
}

/* log K(u | c) up to a constant common to all c. */
static double kernel_logpdf(const double *sd, size_t dim, const double *u, const double *c,
                            double logmass_c)
{
    double s = 0.0;
    for (size_t k = 0; k < dim; k++) {
        double z = (u[k] - c[k]) / sd[k];
        s += z * z;
    }
    return -0.5 * s - logmass_c;
}

int pw_abc_smc(const pw_space *sp, pw_eval_fn f, void *ctx, const pw_abc_data *data,
               const pw_abc_opts *o, pw_abc_result **out, pw_error *err)
{
    size_t dim = pw_space_dim(sp), N = o->particles, n_out = data->n_out;
    if (dim == 0 || dim > PWI_ABC_MAXDIM || N < 2 || n_out == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "ABC needs 1 to %d parameters, one output and two particles",
                            PWI_ABC_MAXDIM);
    if (!(o->quantile > 0.0 && o->quantile < 1.0))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "quantile", "must lie in (0, 1)");
    int threads = pwi_threads(o->threads);
    int max_gen = o->max_generations > 0 ? o->max_generations : 1;
    /* Batches big enough to keep every thread of every rank busy; the
     * size does not change the result (see the header comment). */
    size_t busy = (size_t)threads * (size_t)pw_par_size() * 32;
    size_t batch = N > busy ? N : busy;

    int rc = PW_OK;
    population cur = {0}, prev = {0};
    double *bu = malloc(batch * dim * sizeof(double));   /* proposals, unit */
    double *bx = malloc(batch * dim * sizeof(double));   /* proposals, natural */
    double *by = malloc(batch * n_out * sizeof(double)); /* outputs */
    unsigned char *inside = malloc(batch);
    double *cum = malloc(N * sizeof(double));
    double *logk = malloc(N * sizeof(double));
    pw_abc_result *res = calloc(1, sizeof *res);
    double *sd = malloc(dim * sizeof(double));
    double *logmass = malloc(N * sizeof(double));
    gsl_rng *rng = pw_rng_alloc(o->seed);
    if (!bu || !bx || !by || !inside || !cum || !logk || !res || !sd || !logmass || !rng ||
        pop_alloc(&cur, N, dim, n_out) || pop_alloc(&prev, N, dim, n_out)) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    res->eps = calloc((size_t)max_gen, sizeof(double));
    res->accept = calloc((size_t)max_gen, sizeof(double));
    if (!res->eps || !res->accept) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }

    pw_progress *prog = o->progress ? pw_progress_start("abc-smc", (double)max_gen) : NULL;
    size_t sims = 0;
    int gen;
    for (gen = 0; gen < max_gen; gen++) {
        double eps = DBL_MAX;
        if (gen > 0) {
            eps = pw_wquantile(prev.d, 1, prev.w, N, o->quantile);
            kernel_build(&prev, N, dim, sd);
            for (size_t j = 0; j < N; j++)
                logmass[j] = kernel_logmass(sd, dim, prev.u + j * dim);
            cum[0] = prev.w[0];
            for (size_t i = 1; i < N; i++)
                cum[i] = cum[i - 1] + prev.w[i];
        }
        size_t accepted = 0, gen_sims = 0, k0 = 0;
        int over_budget = 0;
        while (accepted < N && !over_budget) {
            /* Draw a batch of proposals serially: cheap and reproducible. */
            for (size_t b = 0; b < batch; b++) {
                double *u = bu + b * dim;
                pw_rng_seek(rng, (uint32_t)gen, PWI_RNG_ABC, (uint32_t)(k0 + b), 0);
                if (gen == 0) {
                    for (size_t k = 0; k < dim; k++)
                        u[k] = gsl_rng_uniform(rng);
                } else {
                    double r = gsl_rng_uniform(rng) * cum[N - 1];
                    size_t lo = 0, hi = N - 1;
                    while (lo < hi) {
                        size_t mid = (lo + hi) / 2;
                        if (cum[mid] < r)
                            lo = mid + 1;
                        else
                            hi = mid;
                    }
                    /* Truncated normal per coordinate, by rejection: each
                     * try lands inside with probability >= 0.4 (sd <= 0.71). */
                    for (size_t k = 0; k < dim; k++) {
                        double c = prev.u[lo * dim + k], v = c;
                        for (int tries = 0; tries < 10000; tries++) {
                            v = c + sd[k] * gsl_ran_gaussian_ziggurat(rng, 1.0);
                            if (v >= 0.0 && v <= 1.0)
                                break;
                            v = c;
                        }
                        u[k] = v;
                    }
                }
                inside[b] = 1;
                for (size_t k = 0; k < dim; k++)
                    if (!(u[k] >= 0.0 && u[k] <= 1.0))
                        inside[b] = 0;
                if (inside[b])
                    pwi_space_map(sp, u, bx + b * dim);
            }
            /* Simulate the proposals inside the prior's support, spread
             * over the ranks and threads; proposal b has index
             * (gen << 40) | (k0 + b) (k0 + b stays far below 2^40). */
            assert(k0 + batch < ((uint64_t)1 << 40));
            size_t failed;
            int est = pwi_par_eval(f, ctx, bx, inside, batch, dim, n_out,
                                   ((uint64_t)gen << 40) | (uint64_t)k0, threads, NULL, by,
                                   &failed);
            /* Accept in index order; a failure counts only if it comes
             * before the N-th acceptance, as it would serially. */
            for (size_t b = 0; b < batch && accepted < N; b++) {
                if (!inside[b])
                    continue;
                if (est != PW_OK && b == failed) {
                    rc = pw_error_set(err, est, NULL, 0, NULL,
                                      "simulation %zu of generation %d failed", k0 + b, gen);
                    goto gen_done;
                }
                gen_sims++;
                double d = distance(data, by + b * n_out);
                if (d <= eps && isfinite(d)) {
                    memcpy(cur.u + accepted * dim, bu + b * dim, dim * sizeof(double));
                    memcpy(cur.y + accepted * n_out, by + b * n_out, n_out * sizeof(double));
                    cur.d[accepted] = d;
                    accepted++;
                }
                if (o->max_sims && sims + gen_sims >= o->max_sims && accepted < N)
                    over_budget = 1;
            }
            k0 += batch;
            if (gen == 0 && k0 > 1000 * N) {
                rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                                  "the model fails (non-finite outputs) across the prior");
                goto gen_done;
            }
        }
    gen_done:
        if (rc != PW_OK)
            break;
        sims += gen_sims;
        if (over_budget) /* Keep the last complete generation. */
            break;
        /* Importance weights. */
        if (gen == 0) {
            for (size_t i = 0; i < N; i++)
                cur.w[i] = 1.0 / (double)N;
        } else {
            double tot = 0.0;
#pragma omp parallel for num_threads(threads)
            for (size_t i = 0; i < N; i++) {
                /* log-sum-exp over the previous population. */
                double mx = -INFINITY;
                for (size_t j = 0; j < N; j++) {
                    double lk = kernel_logpdf(sd, dim, cur.u + i * dim, prev.u + j * dim, logmass[j]);
                    if (lk > mx)
                        mx = lk;
                }
                double s = 0.0;
                for (size_t j = 0; j < N; j++)
                    s += prev.w[j] *
                         exp(kernel_logpdf(sd, dim, cur.u + i * dim, prev.u + j * dim, logmass[j]) - mx);
                logk[i] = -(mx + log(s));
            }
            double mx = -INFINITY;
            for (size_t i = 0; i < N; i++)
                mx = fmax(mx, logk[i]);
            for (size_t i = 0; i < N; i++) {
                cur.w[i] = exp(logk[i] - mx);
                tot += cur.w[i];
            }
            for (size_t i = 0; i < N; i++)
                cur.w[i] /= tot;
        }
        res->eps[gen] = gen == 0 ? INFINITY : eps;
        res->accept[gen] = gen_sims ? (double)N / (double)gen_sims : 0.0;
        population t = prev;
        prev = cur;
        cur = t;
        res->generations = gen + 1;
        pw_progress_add(prog, 1.0);
        if (gen > 0 && res->accept[gen] < o->min_acceptance)
            break;
    }
    pw_progress_finish(prog);
    if (rc != PW_OK)
        goto done;
    if (res->generations == 0) {
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                          "simulation budget too small for one generation");
        goto done;
    }
    /* prev holds the last complete generation. */
    res->n = N;
    res->dim = dim;
    res->n_out = n_out;
    res->sims = sims;
    res->theta = malloc(N * dim * sizeof(double));
    if (!res->theta) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < N; i++)
        pwi_space_map(sp, prev.u + i * dim, res->theta + i * dim);
    res->weight = prev.w;
    res->y = prev.y;
    res->dist = prev.d;
    prev.w = prev.y = prev.d = NULL;
    res->ess = pw_ess(res->weight, N);
    *out = res;
    res = NULL;

done:
    pw_abc_result_free(res);
    pop_free(&cur);
    pop_free(&prev);
    free(bu);
    free(bx);
    free(by);
    free(inside);
    free(cum);
    free(logk);
    free(sd);
    free(logmass);
    if (rng)
        gsl_rng_free(rng);
    return rc;
}
