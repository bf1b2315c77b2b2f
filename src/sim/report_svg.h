/*
 * The report's pictures as inline SVG: one chart per yearly series (mean
 * line and 95% band per regime, history shaded, observations as points
 * with error bars) and the forest plot of paired differences.
 */
#ifndef PW_REPORT_SVG_H
#define PW_REPORT_SVG_H

#include <stdio.h>

#include "pathways/sim.h"
#include "report_internal.h"

/* Observed values from a targets file (series, per, year, value, sd). */
typedef struct pwi_obs pwi_obs;
int pwi_obs_load(const char *name_or_path, pwi_obs **out, pw_error *err);
void pwi_obs_free(pwi_obs *o);
size_t pwi_obs_count(const pwi_obs *o); /* 0 for NULL */
const char *pwi_obs_series(const pwi_obs *o, size_t i);
const char *pwi_obs_per(const pwi_obs *o, size_t i); /* "" for a count */

/* The colour of regime g (Okabe-Ito, colour-blind safe). */
const char *pwi_colour(size_t g);

/* Chart of series k, or of k over series `den` run by run (a ratio such as
 * HIV prevalence among PWID; PWI_NO_DEN for a plain chart); years before
 * `projection_year` are shaded as history. */
#define PWI_NO_DEN ((size_t)-1)
int put_chart(FILE *f, const pwi_words *w, const pw_results *res, size_t k, size_t den,
              int projection_year, const pwi_obs *obs);
/* Per metric, each regime's paired difference from `base` with its 95%
 * interval, against a line at no change. */
void put_forest(FILE *f, const pwi_words *w, const pw_results *res, long base);

#endif
