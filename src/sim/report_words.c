/*
 * The report's words (data/i18n/report.LANG.yaml) and the outputs' units
 * and better directions (data/metrics/outputs.yaml): data files, so that a
 * translator or an analyst edits them without touching code. Number
 * formatting and axis ticks live here too, since both follow the unit.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

const char *const PWI_UNIT_NAME[PWI_N_UNITS] = {"people", "person_years", "count", "days",
                                                "hours",  "weeks",        "kzt",   "share",
                                                "index"};

struct pwi_words {
    char lang[8];
    pw_doc *text, *units;
    const pw_node *ui, *unit_words, *regimes, *labels, *outputs;
    const char *group, *point;
};

static const pw_node *section(const pw_doc *d, const char *key, pw_error *err, int *rc)
{
    const pw_node *n = pw_node_get(pw_doc_root(d), key);
    if ((!n || pw_node_kind_of(n) != PW_NODE_MAP) && *rc == PW_OK)
        *rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), 0, key, "missing or not a map");
    return n;
}

int pwi_words_load(const char *lang, pwi_words **out, pw_error *err)
{
    *out = NULL;
    char name[64];
    if (!lang || strlen(lang) > 5 || strspn(lang, "abcdefghijklmnopqrstuvwxyz-") != strlen(lang))
        return pw_error_set(err, PW_EINVAL, NULL, 0, "lang", "'%s' is not a language code",
                            lang ? lang : "");
    pwi_words *w = calloc(1, sizeof *w);
    if (!w)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    snprintf(w->lang, sizeof w->lang, "%s", lang);
    snprintf(name, sizeof name, "report.%s", lang);
    int rc = pw_doc_load("i18n", name, &w->text, err);
    if (rc == PW_OK)
        rc = pw_doc_load("metrics", "outputs", &w->units, err);
    if (rc != PW_OK)
        goto done;
    w->ui = section(w->text, "ui", err, &rc);
    w->unit_words = section(w->text, "units", err, &rc);
    w->regimes = section(w->text, "regimes", err, &rc);
    w->labels = section(w->text, "outputs", err, &rc);
    w->outputs = section(w->units, "outputs", err, &rc);
    const pw_node *root = pw_doc_root(w->text);
    const pw_node *g = pw_node_get(root, "group_separator"), *p = pw_node_get(root, "decimal_point");
    w->group = g && pw_node_str(g) ? pw_node_str(g) : ",";
    w->point = p && pw_node_str(p) ? pw_node_str(p) : ".";
done:
    if (rc != PW_OK) {
        pwi_words_free(w);
        return rc;
    }
    *out = w;
    return PW_OK;
}

void pwi_words_free(pwi_words *w)
{
    if (!w)
        return;
    pw_doc_free(w->text);
    pw_doc_free(w->units);
    free(w);
}

const char *pwi_words_lang(const pwi_words *w) { return w->lang; }

static const char *str_at(const pw_node *map, const char *key)
{
    const pw_node *n = map ? pw_node_get(map, key) : NULL;
    return n ? pw_node_str(n) : NULL;
}

const char *pwi_tr(const pwi_words *w, const char *key)
{
    const char *s = str_at(w->ui, key);
    return s ? s : key;
}

const char *pwi_unit_label(const pwi_words *w, pwi_unit u)
{
    assert(u < PWI_N_UNITS);
    const char *s = str_at(w->unit_words, PWI_UNIT_NAME[u]);
    return s ? s : PWI_UNIT_NAME[u];
}

const char *pwi_regime_label(const pwi_words *w, const char *code)
{
    const char *s = str_at(w->regimes, code);
    return s ? s : code;
}

/* The entry of an output: under its own name, or under its stem (the name
 * without _end or _total), which a yearly series of the same quantity
 * shares. */
static const char *stem_of(const pwi_words *w, const char *name, char *buf, size_t len,
                           char *suffix)
{
    *suffix = 0;
    if (pw_node_get(w->outputs, name))
        return name;
    static const struct { const char *tail; char code; } TAILS[] = {{"_end", 'e'}, {"_total", 't'}};
    size_t n = strlen(name);
    for (size_t i = 0; i < 2; i++) {
        size_t t = strlen(TAILS[i].tail);
        if (n > t && n - t < len && strcmp(name + n - t, TAILS[i].tail) == 0) {
            memcpy(buf, name, n - t);
            buf[n - t] = 0;
            if (pw_node_get(w->outputs, buf)) {
                *suffix = TAILS[i].code;
                return buf;
            }
        }
    }
    return NULL;
}

int pwi_output(const pwi_words *w, const char *name, const char **label, const char **def,
               pwi_unit *unit, int *better, char *suffix)
{
    char buf[128];
    char sfx;
    const char *stem = stem_of(w, name, buf, sizeof buf, &sfx);
    const pw_node *u = stem ? pw_node_get(w->outputs, stem) : NULL;
    const pw_node *l = stem ? pw_node_get(w->labels, stem) : NULL;
    const char *un = u ? str_at(u, "unit") : NULL, *bt = u ? str_at(u, "better") : NULL;
    const char *lb = l ? str_at(l, "label") : NULL, *df = l ? str_at(l, "def") : NULL;
    if (label)
        *label = lb ? lb : name;
    if (def)
        *def = df ? df : "";
    if (suffix)
        *suffix = sfx;
    pwi_unit uu = PWI_U_COUNT;
    for (int i = 0; un && i < PWI_N_UNITS; i++)
        if (strcmp(un, PWI_UNIT_NAME[i]) == 0)
            uu = (pwi_unit)i;
    if (unit)
        *unit = uu;
    if (better)
        *better = bt && strcmp(bt, "lower") == 0 ? -1 : bt && strcmp(bt, "higher") == 0 ? 1 : 0;
    int known = 0;
    for (int i = 0; un && i < PWI_N_UNITS; i++)
        known |= strcmp(un, PWI_UNIT_NAME[i]) == 0;
    int dir_ok = bt && (!strcmp(bt, "lower") || !strcmp(bt, "higher") || !strcmp(bt, "neither"));
    return lb && df && known && dir_ok ? 0 : -1;
}

double pwi_shown(pwi_unit u, double x)
{
    return u == PWI_U_KZT ? x / 1e9 : u == PWI_U_SHARE ? x * 100 : x;
}

int pwi_decimals(pwi_unit u, double a)
{
    switch (u) {
    case PWI_U_PEOPLE: case PWI_U_PERSON_YEARS: case PWI_U_COUNT: case PWI_U_DAYS:
    case PWI_U_HOURS:
        return 0;
    case PWI_U_KZT: /* billions: three significant figures of the largest */
        a /= 1e9;
        return a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    case PWI_U_SHARE: return 1;
    case PWI_U_WEEKS: return a >= 100 ? 0 : 1;
    default: return a >= 10 ? 1 : a >= 1 ? 2 : 3;
    }
}

void pwi_fmt(const pwi_words *w, pwi_unit u, double x, int dec, int sign, char *buf, size_t len)
{
    if (!isfinite(x)) {
        snprintf(buf, len, "\u2013");
        return;
    }
    double v = pwi_shown(u, x);
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", dec, fabs(v));
    /* A value that rounds to zero shows no sign ("0", not "-0"). */
    int zero = strspn(digits, "0.") == strlen(digits);
    char *pt = strchr(digits, '.');
    size_t whole = pt ? (size_t)(pt - digits) : strlen(digits);
    size_t o = 0;
#define PUT(str)                                                                                   \
    do {                                                                                           \
        for (const char *q_ = (str); *q_ && o + 1 < len; q_++)                                     \
            buf[o++] = *q_;                                                                        \
    } while (0)
    if (!zero && v < 0)
        PUT("\u2212"); /* a real minus sign, as wide as the plus */
    else if (!zero && sign)
        PUT("+");
    for (size_t i = 0; i < whole && o + 1 < len; i++) {
        buf[o++] = digits[i];
        if ((whole - i - 1) % 3 == 0 && i + 1 < whole)
            PUT(w->group);
    }
    if (pt) {
        PUT(w->point);
        PUT(pt + 1);
    }
#undef PUT
    buf[o] = 0;
}

int pwi_ticks(double *lo, double *hi, int target, double *ticks, int max, double *step_out)
{
    assert(target >= 2 && max >= 2);
    double a = *lo, b = *hi;
    if (!(b > a))
        b = a + 1;
    double raw = (b - a) / target, mag = pow(10, floor(log10(raw)));
    double step = mag;
    /* The smallest of 1, 2, 5, 10 x 10^k not below the raw step. */
    static const double M[] = {1, 2, 5, 10};
    for (size_t i = 0; i < 4; i++)
        if (M[i] * mag >= raw * (1 - 1e-9)) {
            step = M[i] * mag;
            break;
        }
    double first = floor(a / step + 1e-9) * step, last = ceil(b / step - 1e-9) * step;
    int n = (int)floor((last - first) / step + 0.5) + 1;
    while (n > max) { /* never with the targets used, kept as a guard */
        step *= 2;
        first = floor(a / step) * step;
        last = ceil(b / step) * step;
        n = (int)floor((last - first) / step + 0.5) + 1;
    }
    for (int i = 0; i < n; i++) {
        ticks[i] = first + i * step;
        if (fabs(ticks[i]) < step * 1e-9)
            ticks[i] = 0;
    }
    *lo = first;
    *hi = last;
    if (step_out)
        *step_out = step;
    return n;
}

void pwi_put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void pwi_fill_template(char *buf, size_t len, const char *t, const char *const args[5])
{
    size_t o = 0;
    assert(len > 0);
    for (; *t && o + 1 < len; t++) {
        if (t[0] == '{' && t[1] >= 'a' && t[1] <= 'e' && t[2] == '}') {
            for (const char *a = args[t[1] - 'a']; a && *a && o + 1 < len; a++)
                buf[o++] = *a;
            t += 2;
        } else {
            buf[o++] = *t;
        }
    }
    buf[o] = 0;
}

void pwi_put_template(FILE *f, const char *t, const char *const args[5])
{
    /* The translator's text and the values alike are text, not markup. */
    char buf[2048];
    pwi_fill_template(buf, sizeof buf, t, args);
    pwi_put_escaped(f, buf);
}

/* Keys of `b` that `a` lacks, section by section (an output needs both
 * its label and its definition). */
int pwi_words_compare(const pwi_words *a, const pwi_words *b, FILE *f)
{
    static const char *const SEC[] = {"ui", "units", "regimes", "outputs"};
    int gaps = 0;
    for (size_t s = 0; s < 4; s++) {
        const pw_node *ma = pw_node_get(pw_doc_root(a->text), SEC[s]);
        const pw_node *mb = pw_node_get(pw_doc_root(b->text), SEC[s]);
        for (size_t i = 0; mb && i < pw_node_len(mb); i++) {
            const char *key = pw_node_key(mb, i);
            const pw_node *n = ma ? pw_node_get(ma, key) : NULL;
            int ok = n != NULL;
            if (n && s == 3)
                ok = str_at(n, "label") && str_at(n, "def");
            else if (n)
                ok = pw_node_str(n) && *pw_node_str(n);
            if (!ok) {
                if (f)
                    fprintf(f, "%s: %s.%s is missing (report.%s.yaml has it)\n", a->lang, SEC[s],
                            key, b->lang);
                gaps++;
            }
        }
    }
    return gaps;
}
