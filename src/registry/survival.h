/*
 * Survival estimates for the registry's reports: Kaplan-Meier with Greenwood
 * variance and 95% log-log intervals, numbers at risk and the median, plus
 * the Aalen-Johansen cumulative incidence when death and imprisonment compete
 * with the event of interest (relapse).
 *
 * Input is one observation per subject: a follow-up time (days) and a status
 * code. Status 0 = censored, 1 = the event of interest, 2.. = competing events
 * (the report uses 2 = death, 3 = imprisonment).
 *
 * The Kaplan-Meier curve is the "cause-specific" one: competing events are
 * treated as censoring, which is what the report's `survival` column asks
 * for. 1 - KM over-states the probability of relapse when subjects can die
 * or be imprisoned first, which is why the cumulative incidence (which does
 * not) is reported next to it (see docs/registry.md, "Reports and HTTP API").
 *
 * Formulas (docs/sources.md R6.2; Collett, Modelling Survival
 * Data in Medical Research, 3rd ed., ch. 2; Kalbfleisch & Prentice 2002):
 *   S(t)      = prod_{t_i <= t} (1 - d_i / n_i)
 *   Var S(t)  = S(t)^2 sum d_i / (n_i (n_i - d_i))            (Greenwood)
 *   log-log   = S(t)^exp(+-1.96 sigma), sigma = sqrt(sum ...) / |ln S(t)|
 *   median    = smallest t with S(t) <= 0.5
 *   CIF_k(t)  = sum_{t_i <= t} S_all(t_i-) d_ki / n_i          (Aalen-Johansen)
 * where S_all is the Kaplan-Meier estimate for "any event".
 */
#ifndef PWI_SURVIVAL_H
#define PWI_SURVIVAL_H

#include <stddef.h>

/* Status codes of an observation. */
enum {
    PWI_SURV_CENSORED = 0,
    PWI_SURV_EVENT = 1,
    /* 2 .. PWI_SURV_MAX_CAUSE are competing events. */
    PWI_SURV_MAX_CAUSE = 7
};

typedef struct pwi_surv_obs {
    double t;   /* follow-up time, >= 0 */
    int status; /* PWI_SURV_CENSORED, PWI_SURV_EVENT or a competing cause */
} pwi_surv_obs;

/* One distinct time at which at least one event (of any cause) happened. */
typedef struct pwi_surv_point {
    double t;
    long n_risk;   /* subjects at risk just before t */
    long events;   /* events of interest at t */
    long other;    /* competing events at t (all causes) */
    long censored; /* censored at t (counted as at risk at t) */
    double surv;   /* cause-specific Kaplan-Meier S(t) */
    double se;     /* Greenwood standard error of S(t) */
    double lo, hi; /* 95% log-log interval (lo = hi = surv when undefined) */
    /* Aalen-Johansen cumulative incidence by cause, index = status code
     * (cif[1] = event of interest, cif[2..] competing causes). */
    double cif[PWI_SURV_MAX_CAUSE + 1];
} pwi_surv_point;

typedef struct pwi_surv {
    size_t n;          /* subjects */
    long events;       /* events of interest */
    long by_cause[PWI_SURV_MAX_CAUSE + 1]; /* counts by status code */
    double median;     /* NAN when S never falls to 0.5 */
    size_t npoints;
    pwi_surv_point *pts; /* increasing t */
} pwi_surv;

/*
 * Fits the curves. `obs` is sorted in place (by time, events before
 * censorings at ties, the usual convention). Returns PW_OK, PW_EINVAL for a
 * negative or non-finite time or an unknown status, PW_ENOMEM. On success
 * *out is allocated; free it with pwi_surv_free.
 */
int pwi_surv_fit(pwi_surv_obs *obs, size_t n, pwi_surv **out);
void pwi_surv_free(pwi_surv *s);

/*
 * The estimates at time t (the step function is right-continuous): the
 * point index with the largest time <= t, or -1 before the first event
 * (where S = 1, CIF = 0). Numbers at risk at t (subjects with time >= t)
 * need the raw data: see pwi_surv_at_risk.
 */
long pwi_surv_index(const pwi_surv *s, double t);

/* Number of subjects whose time is >= t, on `obs` as sorted by fit. */
long pwi_surv_at_risk(const pwi_surv_obs *sorted, size_t n, double t);

#endif /* PWI_SURVIVAL_H */
