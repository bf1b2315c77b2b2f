/*
 * The report's words and numbers: labels, units and definitions of every
 * output (data/metrics/outputs.yaml and data/i18n/report.LANG.yaml, edited
 * without code), number formatting per unit, and "nice" axis ticks.
 */
#ifndef PW_REPORT_INTERNAL_H
#define PW_REPORT_INTERNAL_H

#include <stdio.h>

#include "pathways/core.h"

/* How an output's numbers are shown. Whole units are rounded to whole
 * numbers in every cell (no fractional people). */
typedef enum {
    PWI_U_PEOPLE, PWI_U_PERSON_YEARS, PWI_U_COUNT, PWI_U_DAYS, PWI_U_HOURS,
    PWI_U_WEEKS, PWI_U_KZT, PWI_U_SHARE, PWI_U_INDEX, PWI_N_UNITS
} pwi_unit;
extern const char *const PWI_UNIT_NAME[PWI_N_UNITS];

typedef struct pwi_words pwi_words;

/* Loads the language's words and the outputs' units (PW_ENOTFOUND for a
 * language without a file). */
int pwi_words_load(const char *lang, pwi_words **out, pw_error *err);
void pwi_words_free(pwi_words *w);
const char *pwi_words_lang(const pwi_words *w);
/* Prints (to f, may be NULL) and counts the keys of b that a lacks. */
int pwi_words_compare(const pwi_words *a, const pwi_words *b, FILE *f);
/* A user-interface string by key ("ui.KEY"); the key itself if missing
 * (the completeness test keeps that from shipping). */
const char *pwi_tr(const pwi_words *w, const char *key);
/* An output (metric or series name): its plain label, one-line definition,
 * unit and better direction (-1 lower, +1 higher, 0 neither). `suffix` is
 * 'e' for an end-of-horizon metric (_end), 't' for a total (_total), 0
 * otherwise. Returns 0 if the output has an entry, -1 if not. */
int pwi_output(const pwi_words *w, const char *name, const char **label, const char **def,
               pwi_unit *unit, int *better, char *suffix);
/* The unit's words (e.g. "people", "bn KZT"). */
const char *pwi_unit_label(const pwi_words *w, pwi_unit u);
/* A regime's plain name (its code if the language has none). */
const char *pwi_regime_label(const pwi_words *w, const char *code);

/* Numbers in `unit`, as text into buf: whole numbers with the language's
 * group separator for whole units, billions for KZT (`dec` decimals;
 * pwi_decimals picks them for a cell), percent for shares. */
int pwi_decimals(pwi_unit u, double largest_abs);
void pwi_fmt(const pwi_words *w, pwi_unit u, double x, int dec, int sign, char *buf, size_t len);
/* The value shown for a raw value: KZT in billions, shares in percent. */
double pwi_shown(pwi_unit u, double x);

/* Nice ticks over [lo, hi]: step 1, 2 or 5 x 10^k, ticks multiples of
 * the step covering the range; at most `max` ticks. Returns their count
 * and widens [lo, hi] to the first and last tick. */
int pwi_ticks(double *lo, double *hi, int target, double *ticks, int max, double *step);

void pwi_put_escaped(FILE *f, const char *s);
/* `tmpl` with {a}..{e} replaced by the given strings (NULL: empty), as
 * plain text into buf, or escaped for HTML onto f. */
void pwi_fill_template(char *buf, size_t len, const char *tmpl, const char *const args[5]);
void pwi_put_template(FILE *f, const char *tmpl, const char *const args[5]);

#endif
