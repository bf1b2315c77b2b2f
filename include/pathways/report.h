/*
 * The simulator's results as a page a policy analyst opens in a browser.
 *
 * DIR/report.html is one self-contained file: no scripts, no fonts or
 * styles fetched from anywhere, so it opens offline, prints, and can be
 * mailed. It holds the comparison table (mean and 95% interval per regime,
 * and the paired difference from the baseline regime) and one chart per
 * yearly series: a line per regime (the mean across runs) inside a band
 * (the central 95% of runs).
 */
#ifndef PATHWAYS_REPORT_H
#define PATHWAYS_REPORT_H

#include "pathways/core.h"
#include "pathways/sim.h"

PW_BEGIN_DECLS

/* Writes DIR/report.html atomically. `title` heads the page (e.g. the
 * scenario name); `start_year` labels the x axes; `baseline` (may be NULL)
 * names the regime that differences are taken from. */
int pw_report_html_write(const pw_results *res, const char *title, int start_year,
                         const char *baseline, const char *dir, pw_error *err);

PW_END_DECLS

#endif /* PATHWAYS_REPORT_H */
