/*
 * Kaplan-Meier and Aalen-Johansen estimates (see survival.h for the
 * formulas and their sources).
 */
#include "survival.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/core.h"

/* Normal quantile for a two-sided 95% interval. */
#define Z975 1.959963984540054

static int obs_cmp(const void *a, const void *b)
{
    const pwi_surv_obs *x = a, *y = b;
    if (x->t < y->t)
        return -1;
    if (x->t > y->t)
        return 1;
    /* At tied times events (any cause) come before censorings, so a subject
     * censored at t still counts as at risk for the events at t. The order
     * only matters for readability of the sorted input: the fit below counts
     * all records of one time together. */
    int ex = x->status != PWI_SURV_CENSORED, ey = y->status != PWI_SURV_CENSORED;
    return ey - ex;
}

void pwi_surv_free(pwi_surv *s)
{
    if (!s)
        return;
    free(s->pts);
    free(s);
}

int pwi_surv_fit(pwi_surv_obs *obs, size_t n, pwi_surv **out)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(obs[i].t) || obs[i].t < 0)
            return PW_EINVAL;
        if (obs[i].status < 0 || obs[i].status > PWI_SURV_MAX_CAUSE)
            return PW_EINVAL;
    }
    pwi_surv *s = calloc(1, sizeof *s);
    if (!s)
        return PW_ENOMEM;
    s->n = n;
    s->median = NAN;
    if (n == 0) {
        *out = s;
        return PW_OK;
    }
    qsort(obs, n, sizeof *obs, obs_cmp);

    /* At most one point per distinct time; allocate for the worst case and
     * shrink at the end. */
    s->pts = malloc(n * sizeof *s->pts);
    if (!s->pts) {
        free(s);
        return PW_ENOMEM;
    }

    double surv = 1.0;      /* cause-specific KM */
    double gw = 0.0;        /* Greenwood sum d / (n (n - d)) */
    int gw_inf = 0;         /* set once S reaches 0 (variance undefined) */
    double all = 1.0;       /* KM of "any event", S_all(t-) for Aalen-Johansen */
    double cif[PWI_SURV_MAX_CAUSE + 1] = {0};
    long at_risk = (long)n;
    size_t i = 0;
    while (i < n) {
        double t = obs[i].t;
        long d[PWI_SURV_MAX_CAUSE + 1] = {0};
        size_t j = i;
        while (j < n && obs[j].t == t) {
            d[obs[j].status]++;
            s->by_cause[obs[j].status]++;
            j++;
        }
        long d_any = 0;
        for (int k = 1; k <= PWI_SURV_MAX_CAUSE; k++)
            d_any += d[k];
        if (d_any > 0) {
            pwi_surv_point *p = &s->pts[s->npoints++];
            long d1 = d[PWI_SURV_EVENT];
            /* Aalen-Johansen: the jump of cause k uses the all-cause survival
             * just before t, so the cumulative incidences and S_all sum to 1. */
            for (int k = 1; k <= PWI_SURV_MAX_CAUSE; k++)
                cif[k] += all * (double)d[k] / (double)at_risk;
            all *= 1.0 - (double)d_any / (double)at_risk;
            if (d1 > 0) {
                surv *= 1.0 - (double)d1 / (double)at_risk;
                if (d1 < at_risk)
                    gw += (double)d1 / ((double)at_risk * (double)(at_risk - d1));
                else
                    gw_inf = 1;
            }
            p->t = t;
            p->n_risk = at_risk;
            p->events = d1;
            p->other = d_any - d1;
            p->censored = d[PWI_SURV_CENSORED];
            p->surv = surv;
            p->se = gw_inf ? NAN : surv * sqrt(gw);
            /* The log-log interval is undefined while S = 1 (no event yet)
             * and once S = 0; report the estimate itself there, as R's
             * survfit does for S = 1. */
            if (!gw_inf && surv > 0 && surv < 1 && gw > 0) {
                double sigma = sqrt(gw) / fabs(log(surv));
                p->lo = pow(surv, exp(Z975 * sigma));
                p->hi = pow(surv, exp(-Z975 * sigma));
            } else {
                p->lo = p->hi = surv;
            }
            memcpy(p->cif, cif, sizeof cif);
            if (isnan(s->median) && surv <= 0.5)
                s->median = t;
        }
        at_risk -= (long)(j - i);
        i = j;
    }
    assert(at_risk == 0);
    s->events = s->by_cause[PWI_SURV_EVENT];
    if (s->npoints == 0) {
        free(s->pts);
        s->pts = NULL;
    } else {
        pwi_surv_point *shrunk = realloc(s->pts, s->npoints * sizeof *s->pts);
        if (shrunk)
            s->pts = shrunk;
    }
    *out = s;
    return PW_OK;
}

long pwi_surv_index(const pwi_surv *s, double t)
{
    /* Binary search for the last point with time <= t. */
    long lo = 0, hi = (long)s->npoints - 1, best = -1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (s->pts[mid].t <= t) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}

long pwi_surv_at_risk(const pwi_surv_obs *sorted, size_t n, double t)
{
    /* First index with time >= t. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)(n - lo);
}
