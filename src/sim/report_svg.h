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

/* Observed values from a targets file (series, year, value, sd). */
typedef struct pwi_obs pwi_obs;
int pwi_obs_load(const char *name_or_path, pwi_obs **out, pw_error *err);
void pwi_obs_free(pwi_obs *o);

/* The colour of regime g (Okabe-Ito, colour-blind safe). */
const char *pwi_colour(size_t g);

/* Chart of series k; years before `projection_year` are shaded as history. */
int put_chart(FILE *f, const pwi_words *w, const pw_results *res, size_t k, int projection_year,
              const pwi_obs *obs);
/* Per metric, each regime's paired difference from `base` with its 95%
 * interval, against a line at no change. */
void put_forest(FILE *f, const pwi_words *w, const pw_results *res, long base);

#endif
