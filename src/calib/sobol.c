/*
 * Global sensitivity analysis: Sobol indices and Morris screening.
 *
 * Sobol: rows of a 2*dim quasi-random sequence give two matrices A and B
 * (first and second half of each row); AB_i is A with column i from B.
 * With V the variance of f over A and B,
 *   first-order S_i  = mean(f(B) * (f(AB_i) - f(A))) / V   (Saltelli 2010)
 *   total       ST_i = mean((f(A) - f(AB_i))^2) / (2V)      (Jansen 1999)
 * Intervals: bootstrap over rows (200 resamples, seeded).
 *
 * Morris: r one-at-a-time trajectories on a p-level grid; elementary
 * effect EE_i = (f(x + D e_i) - f(x)) / D in unit coordinates, so effects
 * are "change of the output over the parameter's whole prior range".
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>

#include "pathways/calib.h"
#include "core/rng_gsl.h"
#include "calib_internal.h"

#define BOOT 200

void pw_sobol_result_free(pw_sobol_result *r)
{
    if (!r)
        return;
    free(r->first);
    free(r->total);
    free(r->first_ci);
    free(r->total_ci);
    free(r->mean);
    free(r->var);
    free(r);
}

void pw_morris_result_free(pw_morris_result *r)
{
    if (!r)
        return;
    free(r->mu);
    free(r->mu_star);
    free(r->sigma);
    free(r);
}

/* Evaluates f at n unit points (row-major, dim columns), spread over the
 * MPI ranks and OpenMP threads, writing n x n_out outputs; index of point e
 * is index0 + e. */
static int eval_all(const pw_space *sp, pw_eval_fn f, void *ctx, const double *U, size_t n,
                    size_t n_out, uint64_t index0, int threads, pw_progress *prog, double *Y,
                    pw_error *err)
{
    size_t dim = pw_space_dim(sp);
    /* Natural units for every point up front: cheap next to a model run,
     * and it lets pwi_par_eval take the points as they are. */
    double *X = malloc((n ? n : 1) * dim * sizeof(double));
    if (!X)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t e = 0; e < n; e++)
        pwi_space_map(sp, U + e * dim, X + e * dim);
    size_t failed;
    int st = pwi_par_eval(f, ctx, X, NULL, n, dim, n_out, index0, threads, prog, Y, &failed);
    free(X);
    if (st != PW_OK)
        return pw_error_set(err, st, NULL, 0, NULL, "model evaluation %zu failed: %s", failed,
                            pw_strstatus(st));
    return PW_OK;
}

int pw_eval_batch(pw_eval_fn f, void *ctx, const double *X, size_t n, size_t dim,
                  size_t n_out, uint64_t index0, int threads, double *Y, pw_error *err)
{
    size_t failed;
    int st = pwi_par_eval(f, ctx, X, NULL, n, dim, n_out, index0, pwi_threads(threads), NULL, Y,
                          &failed);
    if (st != PW_OK)
        return pw_error_set(err, st, NULL, 0, NULL, "model evaluation %zu failed: %s", failed,
                            pw_strstatus(st));
    return PW_OK;
}

/* First and total index of parameter i, output j, over the rows `rows`
 * (n of them; NULL = 0..n-1). */
static void sobol_est(const double *fA, const double *fB, const double *fAB, size_t dim,
                      size_t n_out, size_t i, size_t j, const size_t *rows, size_t n,
                      double *S, double *ST)
{
    double m = 0.0, m2 = 0.0, s1 = 0.0, st = 0.0;
    for (size_t k = 0; k < n; k++) {
        size_t r = rows ? rows[k] : k;
        m += fA[r * n_out + j] + fB[r * n_out + j];
    }
    double mean = m / (2.0 * n);
    for (size_t k = 0; k < n; k++) {
        size_t r = rows ? rows[k] : k;
        /* Centred outputs: the estimator is unchanged in expectation but
         * its variance no longer grows with the output's mean. */
        double a = fA[r * n_out + j] - mean, b = fB[r * n_out + j] - mean;
        double ab = fAB[(r * dim + i) * n_out + j] - mean;
        m2 += a * a + b * b;
        s1 += b * (ab - a);
        st += (a - ab) * (a - ab);
    }
    double V = m2 / (2.0 * n);
    if (!(V > 0.0)) {
        /* A constant output: no parameter explains any variance. */
        *S = *ST = 0.0;
        return;
    }
    *S = s1 / n / V;
    *ST = st / (2.0 * n) / V;
}

int pw_sobol(const pw_space *sp, pw_eval_fn f, void *ctx, size_t n_out, size_t base,
             uint64_t seed, int threads, int progress, pw_sobol_result **out, pw_error *err)
{
    size_t dim = pw_space_dim(sp);
    if (dim == 0 || n_out == 0 || base < 16)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "Sobol analysis needs a parameter, an output and >= 16 rows");
    if (2 * dim > 1229)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "too many parameters (%zu)", dim);
    threads = pwi_threads(threads);
    size_t per_row = dim + 2, n_eval = base * per_row;
    int rc = PW_OK;
    /* Sobol' sequences (best uniformity) up to GSL's 40 dimensions,
     * Halton beyond. */
    gsl_qrng *q = gsl_qrng_alloc(2 * dim <= 40 ? gsl_qrng_sobol : gsl_qrng_halton,
                                 (unsigned)(2 * dim));
    double *row = malloc(2 * dim * sizeof(double));
    double *U = malloc(n_eval * dim * sizeof(double));
    double *Y = malloc(n_eval * n_out * sizeof(double));
    double *fA = malloc(base * n_out * sizeof(double));
    double *fB = malloc(base * n_out * sizeof(double));
    double *fAB = malloc(base * dim * n_out * sizeof(double));
    size_t *rows = malloc(base * sizeof(size_t));
    double *bs = malloc(BOOT * sizeof(double)), *bt = malloc(BOOT * sizeof(double));
    gsl_rng *rng = pw_rng_alloc(seed);
    pw_sobol_result *res = calloc(1, sizeof *res);
    pw_progress *prog = NULL;
    if (!q || !row || !U || !Y || !fA || !fB || !fAB || !rows || !bs || !bt || !rng || !res) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    res->first = calloc(dim * n_out, sizeof(double));
    res->total = calloc(dim * n_out, sizeof(double));
    res->first_ci = calloc(dim * n_out, sizeof(double));
    res->total_ci = calloc(dim * n_out, sizeof(double));
    res->mean = calloc(n_out, sizeof(double));
    res->var = calloc(n_out, sizeof(double));
    if (!res->first || !res->total || !res->first_ci || !res->total_ci || !res->mean ||
        !res->var) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* The first point of the sequence is the corner 0; skip it. */
    gsl_qrng_get(q, row);
    for (size_t r = 0; r < base; r++) {
        gsl_qrng_get(q, row);
        double *a = U + (r * per_row) * dim;      /* A */
        double *b = U + (r * per_row + 1) * dim;  /* B */
        memcpy(a, row, dim * sizeof(double));
        memcpy(b, row + dim, dim * sizeof(double));
        for (size_t i = 0; i < dim; i++) {
            double *ab = U + (r * per_row + 2 + i) * dim;
            memcpy(ab, a, dim * sizeof(double));
            ab[i] = b[i];
        }
    }
    if (progress)
        prog = pw_progress_start("sobol", (double)n_eval);
    rc = eval_all(sp, f, ctx, U, n_eval, n_out, 0, threads, prog, Y, err);
    pw_progress_finish(prog);
    if (rc != PW_OK)
        goto done;
    for (size_t r = 0; r < base; r++) {
        memcpy(fA + r * n_out, Y + (r * per_row) * n_out, n_out * sizeof(double));
        memcpy(fB + r * n_out, Y + (r * per_row + 1) * n_out, n_out * sizeof(double));
        for (size_t i = 0; i < dim; i++)
            memcpy(fAB + (r * dim + i) * n_out, Y + (r * per_row + 2 + i) * n_out,
                   n_out * sizeof(double));
    }
    for (size_t j = 0; j < n_out; j++) {
        double m = 0.0, m2 = 0.0;
        for (size_t r = 0; r < base; r++) {
            m += fA[r * n_out + j] + fB[r * n_out + j];
            m2 += fA[r * n_out + j] * fA[r * n_out + j] + fB[r * n_out + j] * fB[r * n_out + j];
        }
        res->mean[j] = m / (2.0 * base);
        res->var[j] = m2 / (2.0 * base) - res->mean[j] * res->mean[j];
        for (size_t i = 0; i < dim; i++) {
            size_t at = i * n_out + j;
            sobol_est(fA, fB, fAB, dim, n_out, i, j, NULL, base, &res->first[at],
                      &res->total[at]);
            /* Bootstrap: resample rows with replacement (seeded). */
            for (int k = 0; k < BOOT; k++) {
                pw_rng_seek(rng, (uint32_t)k, PWI_RNG_SOBOL_BOOT, 0, 0);
                for (size_t r = 0; r < base; r++)
                    rows[r] = gsl_rng_uniform_int(rng, base);
                sobol_est(fA, fB, fAB, dim, n_out, i, j, rows, base, &bs[k], &bt[k]);
            }
            double ms = 0, mt = 0, vs = 0, vt = 0;
            for (int k = 0; k < BOOT; k++) {
                ms += bs[k];
                mt += bt[k];
            }
            ms /= BOOT;
            mt /= BOOT;
            for (int k = 0; k < BOOT; k++) {
                vs += (bs[k] - ms) * (bs[k] - ms);
                vt += (bt[k] - mt) * (bt[k] - mt);
            }
            res->first_ci[at] = 1.96 * sqrt(vs / (BOOT - 1));
            res->total_ci[at] = 1.96 * sqrt(vt / (BOOT - 1));
        }
    }
    res->dim = dim;
    res->n_out = n_out;
    res->base = base;
    res->evals = n_eval;
    *out = res;
    res = NULL;
done:
    pw_sobol_result_free(res);
    if (q)
        gsl_qrng_free(q);
    if (rng)
        gsl_rng_free(rng);
    free(row);
    free(U);
    free(Y);
    free(fA);
    free(fB);
    free(fAB);
    free(rows);
    free(bs);
    free(bt);
    return rc;
}

int pw_morris(const pw_space *sp, pw_eval_fn f, void *ctx, size_t n_out, size_t trajectories,
              int levels, uint64_t seed, int threads, pw_morris_result **out, pw_error *err)
{
    size_t dim = pw_space_dim(sp), r = trajectories;
    if (dim == 0 || n_out == 0 || r < 2 || levels < 2 || levels % 2)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "Morris needs a parameter, an output, >= 2 trajectories and an "
                            "even number of levels");
    threads = pwi_threads(threads);
    /* Morris' recommended step: p / (2 (p - 1)) of the unit range. */
    double D = (double)levels / (2.0 * (levels - 1));
    size_t per = dim + 1, n_eval = r * per;
    int rc = PW_OK;
    double *U = malloc(n_eval * dim * sizeof(double));
    double *Y = malloc(n_eval * n_out * sizeof(double));
    size_t *order = malloc(r * dim * sizeof(size_t)); /* factor moved at step s */
    double *sign = malloc(r * dim * sizeof(double));
    double *ee = malloc(r * sizeof(double));
    gsl_rng *rng = pw_rng_alloc(seed);
    pw_morris_result *res = calloc(1, sizeof *res);
    if (!U || !Y || !order || !sign || !ee || !rng || !res) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    res->mu = calloc(dim * n_out, sizeof(double));
    res->mu_star = calloc(dim * n_out, sizeof(double));
    res->sigma = calloc(dim * n_out, sizeof(double));
    if (!res->mu || !res->mu_star || !res->sigma) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* Build the trajectories serially (reproducible), then evaluate. */
    for (size_t t = 0; t < r; t++) {
        pw_rng_seek(rng, (uint32_t)t, PWI_RNG_MORRIS, 0, 0);
        double *x0 = U + (t * per) * dim;
        /* Start on grid levels from which either direction stays inside. */
        for (size_t i = 0; i < dim; i++)
            x0[i] = (double)gsl_rng_uniform_int(rng, (unsigned long)levels) / (levels - 1);
        size_t *ord = order + t * dim;
        for (size_t i = 0; i < dim; i++)
            ord[i] = i;
        gsl_ran_shuffle(rng, ord, dim, sizeof(size_t));
        for (size_t s = 0; s < dim; s++) {
            double *prev = U + (t * per + s) * dim, *next = prev + dim;
            memcpy(next, prev, dim * sizeof(double));
            size_t i = ord[s];
            /* Step up when there is room, else down: stays on the grid. */
            double step = prev[i] + D <= 1.0 + 1e-12 ? D : -D;
            next[i] = prev[i] + step;
            sign[t * dim + s] = step;
        }
    }
    rc = eval_all(sp, f, ctx, U, n_eval, n_out, 0, threads, NULL, Y, err);
    if (rc != PW_OK)
        goto done;
    for (size_t j = 0; j < n_out; j++) {
        for (size_t i = 0; i < dim; i++) {
            for (size_t t = 0; t < r; t++) {
                size_t s = 0;
                while (order[t * dim + s] != i)
                    s++;
                double y0 = Y[(t * per + s) * n_out + j], y1 = Y[(t * per + s + 1) * n_out + j];
                ee[t] = (y1 - y0) / sign[t * dim + s];
            }
            double m = 0, ma = 0, v = 0;
            for (size_t t = 0; t < r; t++) {
                m += ee[t];
                ma += fabs(ee[t]);
            }
            m /= r;
            ma /= r;
            for (size_t t = 0; t < r; t++)
                v += (ee[t] - m) * (ee[t] - m);
            res->mu[i * n_out + j] = m;
            res->mu_star[i * n_out + j] = ma;
            res->sigma[i * n_out + j] = sqrt(v / (r - 1));
        }
    }
    res->dim = dim;
    res->n_out = n_out;
    res->trajectories = r;
    res->evals = n_eval;
    *out = res;
    res = NULL;
done:
    pw_morris_result_free(res);
    if (rng)
        gsl_rng_free(rng);
    free(U);
    free(Y);
    free(order);
    free(sign);
    free(ee);
    return rc;
}
