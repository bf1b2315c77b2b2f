/*
 * ODE models of drug epidemics: a generic GSL driver and the LH / LHY
 * light-heavy models of Behrens, Caulkins, Tragler and Feichtinger.
 * Equations and parameters: docs/sources.md M1.1.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "pathways/calib.h"
#include "calib_internal.h"

void pw_lhy_published(pw_lhy_params *p)
{
    /* davegutz/sciDAG LHY_MainConsole.sce, as quoted in docs/sources.md M1.1. */
    p->model = PW_MF_LHY;
    p->tau = 5e4;
    p->s = 0.61;
    p->q = 3.443;
    p->smax = 0.1;
    p->a = 0.163;
    p->b = 0.024;
    p->g = 0.062;
    p->delta = 0.291;
    p->floor_min = 0;
}

double pw_lhy_initiation(const pw_lhy_params *p, double L, double H, double Y)
{
    /* With no light users there is nobody to recruit: only innovators. */
    if (L <= 0.0)
        return p->tau;
    if (p->model == PW_MF_LH)
        return p->tau + p->s * L * exp(-p->q * H / L);
    double eff = p->s * exp(-p->q * Y / L);
    /* The published code floors the effective rate with max(); min() is
     * kept only as the ablation that shows the floor drives the epidemic. */
    eff = p->floor_min ? fmin(p->smax, eff) : fmax(p->smax, eff);
    return p->tau + L * eff;
}

int pw_lh_steady_state(const pw_lhy_params *p, double *L, double *H)
{
    /* At rest H/L = b/g, so I = tau + s L exp(-q b/g) and L' = 0 gives L*. */
    double den = (p->a + p->b) - p->s * exp(-p->q * p->b / p->g);
    if (!(den > 0.0) || !(p->g > 0.0))
        return PW_EINVAL;
    *L = p->tau / den;
    *H = p->b * *L / p->g;
    return PW_OK;
}

static int lhy_rhs(double t, const double *y, double *dy, void *ctx)
{
    (void)t;
    const pw_lhy_params *p = ctx;
    double L = y[0], H = y[1], Y = y[2];
    double I = pw_lhy_initiation(p, L, H, Y);
    dy[0] = I - (p->a + p->b) * L;
    dy[1] = p->b * L - p->g * H;
    dy[2] = H - p->delta * Y;
    return GSL_SUCCESS;
}

int pw_ode_solve(size_t dim, pw_ode_fn f, void *ctx, const double *y0,
                 double t0, double dt, size_t n_out, double *out, pw_error *err)
{
    return pwi_ode_solve_tol(dim, f, ctx, y0, t0, dt, n_out, out, 1e-10, 1e-8, err);
}

int pwi_ode_solve_tol(size_t dim, pw_ode_fn f, void *ctx, const double *y0, double t0,
                      double dt, size_t n_out, double *out, double eps_abs, double eps_rel,
                      pw_error *err)
{
    assert(dim > 0 && dt > 0.0 && out);
    gsl_odeiv2_system sys = {f, NULL, dim, ctx};
    /* rk8pd: high order and no Jacobian needed; the models are smooth
     * except at the max() kink, where the adaptive step shrinks. */
    gsl_odeiv2_driver *d =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, dt / 16.0, eps_abs, eps_rel);
    if (!d)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "cannot allocate the ODE solver");
    double *y = malloc(dim * sizeof *y);
    if (!y) {
        gsl_odeiv2_driver_free(d);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    int rc = PW_OK;
    for (size_t j = 0; j < dim; j++)
        y[j] = out[j] = y0[j];
    double t = t0;
    for (size_t k = 1; k <= n_out; k++) {
        double ti = t0 + (double)k * dt;
        int st = gsl_odeiv2_driver_apply(d, &t, ti, y);
        if (st != GSL_SUCCESS) {
            rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                              "ODE solver failed at t=%.4f: %s", t, gsl_strerror(st));
            goto done;
        }
        for (size_t j = 0; j < dim; j++) {
            if (!isfinite(y[j])) {
                rc = pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                                  "ODE state %zu is not finite at t=%.4f", j, t);
                goto done;
            }
            out[k * dim + j] = y[j];
        }
    }
done:
    free(y);
    gsl_odeiv2_driver_free(d);
    return rc;
}

int pw_lhy_solve(const pw_lhy_params *p, const double y0[3], double years,
                 int per_year, double *out, pw_error *err)
{
    if (per_year < 1 || !(years > 0.0))
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                            "years must be > 0 and steps per year >= 1");
    size_t n = (size_t)llround(years * per_year);
    /* Copy so that the callback sees a const-correct, caller-owned struct. */
    pw_lhy_params local = *p;
    return pw_ode_solve(3, lhy_rhs, &local, y0, 0.0, 1.0 / per_year, n, out, err);
}
