/*
 * Adaptive ABC-SMC (population Monte Carlo ABC).
 *
 * Generation 0 draws N particles from the prior. Generation t sets its
 * tolerance eps_t to a quantile of the previous generation's distances,
 * then proposes: pick a particle j with probability w_j, move it by a
 * Gaussian kernel with covariance 2*Cov_w (Beaumont et al. 2009, optimal
 * for a Gaussian target), simulate, and accept when the distance is at
 * most eps_t, until N are accepted. Accepted particle i gets the
 * importance weight prior(u_i) / sum_j w_j K(u_i | u_j); the prior is flat
 * in unit coordinates, so the numerator is a constant.
 *
 * Determinism: proposal k of generation t is a pure function of
 * (seed, t, k). Proposals are drawn in batches, simulated in parallel and
 * accepted in index order until the N-th acceptance, so the population does
 * not depend on the number of threads or the batch size.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>

#include "pathways/calib.h"
#include "pathways/rng.h"
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
 * Kernel from the weighted covariance of `prev`: chol = lower Cholesky
 * factor of 2*Cov (for drawing), inv = its inverse (for the density).
 */
static int kernel_build(const population *prev, size_t n, size_t dim, gsl_matrix *chol,
                        gsl_matrix *inv)
{
    double m[PWI_ABC_MAXDIM] = {0};
    assert(dim <= PWI_ABC_MAXDIM);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < dim; k++)
            m[k] += prev->w[i] * prev->u[i * dim + k];
    for (size_t a = 0; a < dim; a++)
        for (size_t b = 0; b <= a; b++) {
            double c = 0.0;
            for (size_t i = 0; i < n; i++)
                c += prev->w[i] * (prev->u[i * dim + a] - m[a]) * (prev->u[i * dim + b] - m[b]);
            gsl_matrix_set(chol, a, b, 2.0 * c);
            gsl_matrix_set(chol, b, a, 2.0 * c);
        }
    /* A collapsed population (all particles equal in some direction) gives
     * a singular covariance; a small floor keeps the kernel proper. */
    for (size_t k = 0; k < dim; k++) {
        double v = gsl_matrix_get(chol, k, k);
        gsl_matrix_set(chol, k, k, fmax(v, 1e-10) + 1e-12);
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = gsl_linalg_cholesky_decomp1(chol);
    if (st != 0) {
        /* Not positive definite (round-off): fall back to the diagonal. */
        for (size_t a = 0; a < dim; a++)
            for (size_t b = 0; b < dim; b++)
                if (a != b)
                    gsl_matrix_set(chol, a, b, 0.0);
        for (size_t k = 0; k < dim; k++)
            gsl_matrix_set(chol, k, k, sqrt(gsl_matrix_get(chol, k, k)));
    }
    gsl_set_error_handler(old);
    /* Zero the upper triangle (decomp1 stores L^T there) and invert L. */
    for (size_t a = 0; a < dim; a++)
        for (size_t b = a + 1; b < dim; b++)
            gsl_matrix_set(chol, a, b, 0.0);
    gsl_matrix_memcpy(inv, chol);
    gsl_linalg_tri_lower_invert(inv);
    return PW_OK;
}

/* log K(u | c) up to a constant: -0.5 |L^{-1}(u - c)|^2. */
static double kernel_logpdf(const gsl_matrix *inv, size_t dim, const double *u, const double *c)
{
    double s = 0.0;
    for (size_t a = 0; a < dim; a++) {
        double z = 0.0;
        for (size_t b = 0; b <= a; b++)
            z += gsl_matrix_get(inv, a, b) * (u[b] - c[b]);
        s += z * z;
    }
    return -0.5 * s;
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
    /* Batches big enough to keep every thread busy; the size does not
     * change the result (see the header comment). */
    size_t batch = N > (size_t)threads * 32 ? N : (size_t)threads * 32;

    int rc = PW_OK;
    population cur = {0}, prev = {0};
    double *bu = malloc(batch * dim * sizeof(double));   /* proposals, unit */
    double *bx = malloc(batch * dim * sizeof(double));   /* proposals, natural */
    double *by = malloc(batch * n_out * sizeof(double)); /* outputs */
    unsigned char *inside = malloc(batch);
    int *bst = malloc(batch * sizeof(int));
    double *cum = malloc(N * sizeof(double));
    double *logk = malloc(N * sizeof(double));
    pw_abc_result *res = calloc(1, sizeof *res);
    gsl_matrix *chol = gsl_matrix_alloc(dim, dim), *inv = gsl_matrix_alloc(dim, dim);
    gsl_rng *rng = pw_rng_alloc(o->seed);
    if (!bu || !bx || !by || !inside || !bst || !cum || !logk || !res || !chol || !inv || !rng ||
        pop_alloc(&cur, N, dim, n_out) || pop_alloc(&prev, N, dim, n_out)) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto cleanup;
    }
    res->eps = calloc((size_t)max_gen, sizeof(double));
    res->accept = calloc((size_t)max_gen, sizeof(double));
    if (!res->eps || !res->accept) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto cleanup;
    }

    pw_progress *prog = o->progress ? pw_progress_start("abc-smc", (double)max_gen) : NULL;
    size_t sims = 0;
    int gen;
    for (gen = 0; gen < max_gen; gen++) {
        double eps = DBL_MAX;
        if (gen > 0) {
            eps = pw_wquantile(prev.d, 1, prev.w, N, o->quantile);
            if ((rc = kernel_build(&prev, N, dim, chol, inv)) != PW_OK) {
                pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
                break;
            }
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
                    double z[PWI_ABC_MAXDIM];
                    for (size_t k = 0; k < dim; k++)
                        z[k] = gsl_ran_gaussian_ziggurat(rng, 1.0);
                    for (size_t a = 0; a < dim; a++) {
                        double s = prev.u[lo * dim + a];
                        for (size_t c = 0; c <= a; c++)
                            s += gsl_matrix_get(chol, a, c) * z[c];
                        u[a] = s;
                    }
                }
                inside[b] = 1;
                for (size_t k = 0; k < dim; k++)
                    if (!(u[k] >= 0.0 && u[k] <= 1.0))
                        inside[b] = 0;
                if (inside[b])
                    pwi_space_map(sp, u, bx + b * dim);
            }
            /* Simulate the proposals inside the prior's support in parallel. */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
            for (size_t b = 0; b < batch; b++) {
                bst[b] = PW_OK;
                if (inside[b]) {
                    uint64_t index = ((uint64_t)gen << 40) | (uint64_t)(k0 + b);
                    bst[b] = f(ctx, bx + b * dim, index, by + b * n_out);
                }
            }
            /* Accept in index order. */
            for (size_t b = 0; b < batch && accepted < N; b++) {
                if (!inside[b])
                    continue;
                if (bst[b] != PW_OK) {
                    rc = pw_error_set(err, bst[b], NULL, 0, NULL,
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
                    double lk = kernel_logpdf(inv, dim, cur.u + i * dim, prev.u + j * dim);
                    if (lk > mx)
                        mx = lk;
                }
                double s = 0.0;
                for (size_t j = 0; j < N; j++)
                    s += prev.w[j] * exp(kernel_logpdf(inv, dim, cur.u + i * dim, prev.u + j * dim) - mx);
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
        goto cleanup;
    if (res->generations == 0) {
        rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                          "simulation budget too small for one generation");
        goto cleanup;
    }
    /* prev holds the last complete generation. */
    res->n = N;
    res->dim = dim;
    res->n_out = n_out;
    res->sims = sims;
    res->theta = malloc(N * dim * sizeof(double));
    if (!res->theta) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto cleanup;
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

cleanup:
    pw_abc_result_free(res);
    pop_free(&cur);
    pop_free(&prev);
    free(bu);
    free(bx);
    free(by);
    free(inside);
    free(bst);
    free(cum);
    free(logk);
    if (chol)
        gsl_matrix_free(chol);
    if (inv)
        gsl_matrix_free(inv);
    if (rng)
        gsl_rng_free(rng);
    return rc;
}
