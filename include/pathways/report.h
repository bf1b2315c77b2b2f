/*
 * The simulator's results as a page a policy analyst opens in a browser.
 *
 * DIR/report.html is one self-contained file: no scripts, no fonts or
 * styles fetched from anywhere, so it opens offline, prints, and can be
 * mailed. It opens with a plain-language headline per regime against the
 * baseline (paired differences with their 95% intervals), then a forest
 * plot of every paired difference, the table of every outcome (plain
 * names, units, definitions and the better direction, from
 * data/metrics/outputs.yaml and data/i18n/report.LANG.yaml), one chart per
 * yearly series, and the methods: scale, seed, runs, parameters and their
 * sources, and links to the data files beside it.
 */
#ifndef PATHWAYS_REPORT_H
#define PATHWAYS_REPORT_H

#include <stdio.h>

#include "pathways/core.h"
#include "pathways/sim.h"

PW_BEGIN_DECLS

typedef struct pw_report_opts {
    const char *title;           /* heads the page (e.g. the scenario name) */
    const char *baseline;        /* regime differences are taken from, or NULL */
    const char *lang;            /* "en" (NULL), "ru" or "kk" */
    const pw_scenario *scenario; /* for the methods section, or NULL */
    const char *targets;         /* observations to overlay (name or path), or NULL */
    int projection_year;         /* first projected year; earlier ones are history
                                    (0: the results' start year, no history) */
    const char *created;         /* when the run was made (shown), or NULL */
    const char *build;           /* program version and build (shown), or NULL */
    const char *const *files;    /* data files in the folder to link (NULL-ended), or NULL */
} pw_report_opts;

/* Writes DIR/report.html atomically. */
int pw_report_html_write_opts(const pw_results *res, const pw_report_opts *o, const char *dir,
                              pw_error *err);

/* The same with English words and no methods section: `title` heads the
 * page, `start_year` is unused (the results carry it), `baseline` (may be
 * NULL) names the regime that differences are taken from. */
int pw_report_html_write(const pw_results *res, const char *title, int start_year,
                         const char *baseline, const char *dir, pw_error *err);

/* The languages the report is written in ("en", "ru", "kk"; NULL-ended). */
extern const char *const pw_report_langs[];

/* Checks the words of every language: every metric and series the
 * simulator emits has a label, a definition, a unit and a better
 * direction, and every key of one language is in every other. Prints one
 * line per gap to `f` (may be NULL) and returns how many there are. */
int pw_report_check_words(FILE *f);

PW_END_DECLS

#endif /* PATHWAYS_REPORT_H */
