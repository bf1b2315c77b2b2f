/*
 * pathways assess: decide cases under a regime.
 *
 * Input is one case as JSON (an object, or an array of objects), or JSON
 * Lines (one case per line); the format is detected from the first lines
 * (docs/engine.md) or forced with --lines. JSON in gives pretty JSON out;
 * JSON Lines in gives one compact decision per line, written straight from
 * the decision struct (pw_decision_append_json) into one reused buffer, so
 * the per-line cost is parsing the case and one fwrite. --format csv writes
 * one row per decision instead, for a spreadsheet.
 *
 * A bad case is reported on stderr with its file, line and field; in JSON
 * Lines mode the other lines are still decided and the exit code is 1 at
 * the end. Nothing is skipped silently (blank lines are not cases).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "pathways/engine.h"
#include "engine/engine_json.h"

/* The columns of --format csv: the decision's fields a spreadsheet sorts
 * and counts by (the JSON holds every field, with the rules' reasons). */
#define CSV_HEADER                                                                          \
    "id,regime,substance,tdi,icd11,group,dsm5_criteria,severity,assist_score,route,"       \
    "disposition,measures,sentence,sentence_min_years,sentence_max_years,"                  \
    "sentence_deferred,monitoring_required,monitoring_months,requires_panel_signoff,rules"
#define CSV_HEADER_HELP                                                                     \
    "id, regime, substance,\ntdi, icd11, group, dsm5_criteria, severity, assist_score, "     \
    "route, disposition,\nmeasures, sentence (custodial, non-custodial or empty), "         \
    "sentence_min_years,\nsentence_max_years, sentence_deferred, monitoring_required, "     \
    "monitoring_months,\nrequires_panel_signoff, rules"

enum { A_REGIME, A_EXPLAIN, A_LINES, A_OUTPUT, A_FORMAT, A_HELP, A_N_OPTS };
static const pw_cli_opt assess_opts[A_N_OPTS] = {
    [A_REGIME] = {"regime", 'r', PW_OPT_STR, "NAME|PATH", 0, 0,
                  "kz-current drug-court hybrid portugal russia", NULL,
                  "a built-in regime (`pathways regimes` lists them) or a regime file, e.g. a "
                  "copy of data/regimes/hybrid.yaml (required)", PW_OPTF_FILE},
    [A_EXPLAIN] = {"explain", 'e', PW_OPT_FLAG, NULL, 0, 0, NULL, NULL,
                   "print each decision as readable text, with the rules that fired, why, "
                   "and their sources", 0},
    [A_LINES] = {"lines", 'l', PW_OPT_FLAG, NULL, 0, 0, NULL, NULL,
                 "read JSON Lines even if the first line looks otherwise", 0},
    [A_OUTPUT] = {"output", 'o', PW_OPT_STR, "FILE", 0, 0, NULL, "standard output",
                  "write the decisions to FILE, replaced only when the run completes",
                  PW_OPTF_FILE},
    [A_FORMAT] = PW_OPT_FORMAT("JSON, or JSON Lines for JSON Lines input"),
    [A_HELP] = PW_OPT_HELP_ROW,
};

const pw_cli_cmd pw_cli_spec_assess = {
    "assess", "decide cases (JSON or JSON Lines) under a regime, with the rules that fired",
    "[FILE|-]",
    "Decides each case in FILE (or standard input) under a regime and writes one decision "
    "per case: JSON for a JSON case (or an array of cases), JSON Lines for JSON Lines input "
    "(one case per line). See docs/engine.md for both formats.",
    assess_opts, A_N_OPTS,
    "A case: {\"id\": \"c-17\", \"age\": 24, \"event\": \"use\", \"amount\": \"personal\",\n"
    "  \"substances\": [{\"substance\": \"synthetic_cannabinoids\", \"dsm5_criteria\": 7}]}\n"
    "\n"
    "--format csv: one row per case with the columns " CSV_HEADER_HELP "\n"
    "(measures: TYPE:MIN-MAX months, ';'-separated, MAX empty when open;\n"
    "rules: the ids of the rules that fired, in order). --format json: as without it.\n"
    "\n"
    "exit status: 0 all cases decided; 1 some cases (or the regime) were bad, the\n"
    "others were decided; 2 usage error; 3 an input or output failed.\n"};

typedef struct {
    const pw_regime *regime;
    const char *file; /* name for messages */
    FILE *fp;         /* where decisions go */
    const char *doc;  /* the whole text in document mode, else NULL */
    size_t doc_len;
    int explain;
    int csv;          /* --format csv: a row per decision */
    long bad, done;
    char *out;        /* reused output buffer (JSON Lines) */
    size_t out_len, out_cap;
    int io_failed;
} ctx;

static void report(const pw_error *e) { pw_error_print(e, stderr, "pathways assess"); }

static void id_text(const json_t *id, char *buf, size_t n)
{
    if (json_is_string(id))
        snprintf(buf, n, "%s", json_string_value(id));
    else if (json_is_integer(id))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    else
        snprintf(buf, n, "(no id)");
}

/* One CSV field of `n` bytes: quoted (quotes doubled) when it holds a
 * comma, a quote or a line break, as pw_csv_field does for a C string. */
static void csv_field_n(FILE *f, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

/* A number of months or years as people write it: 6, 0.5 (float fields). */
static void csv_num(FILE *f, float v) { fprintf(f, "%g", (double)v); }

/* The decision as one CSV row (CSV_HEADER); `id` of `id_len` bytes, or
 * NULL for a case without one. */
static void emit_csv(ctx *x, const char *id, size_t id_len, const pw_case *c,
                     const pw_decision *d)
{
    FILE *f = x->fp;
    const pw_regime *r = x->regime;
    if (id)
        csv_field_n(f, id, id_len);
    fputc(',', f);
    pw_csv_field(f, pw_regime_name(r));
    fprintf(f, ",%s,%s,%s,%s,%d,%s,", pw_substance_name(c->substance),
            pw_substance_tdi(c->substance) ? pw_substance_tdi(c->substance) : "",
            pw_substance_icd11(c->substance),
            pw_substance_group_name(pw_substance_group_of(c->substance)), c->dsm5_criteria,
            pw_severity_name(d->severity));
    if (c->assist_score >= 0)
        fprintf(f, "%d", c->assist_score);
    fprintf(f, ",%s,%s,", pw_route_name(d->route), pw_disposition_name(d->disposition));
    for (int i = 0; i < d->n_measures; i++) {
        fprintf(f, "%s%s:", i ? ";" : "", pw_measure_name(d->measures[i].type));
        csv_num(f, d->measures[i].min_months);
        fputc('-', f);
        if (d->measures[i].max_months != 0)
            csv_num(f, d->measures[i].max_months);
    }
    fputc(',', f);
    if (d->has_sentence) {
        fputs(d->sentence.custodial ? "custodial," : "non-custodial,", f);
        csv_num(f, d->sentence.min_years);
        fputc(',', f);
        if (d->sentence.max_years != 0) /* 0: uncapped */
            csv_num(f, d->sentence.max_years);
        fputs(d->sentence.deferred ? ",true," : ",false,", f);
    } else {
        fputs(",,,,", f);
    }
    fputs(d->monitoring_required ? "true," : "false,", f);
    csv_num(f, d->monitoring_months);
    fputs(d->requires_panel_signoff ? ",true," : ",false,", f);
    /* Rule ids are the regime file's keys; quoted only if one needs it. */
    char rules[PW_MAX_TRACE * 64];
    size_t n = 0;
    for (int i = 0; i < d->n_trace && n < sizeof rules; i++)
        n += (size_t)snprintf(rules + n, sizeof rules - n, "%s%s", i ? ";" : "",
                              pw_rule_id(r, d->trace[i]));
    pw_csv_field(f, n < sizeof rules ? rules : "");
    if (fputc('\n', f) == EOF)
        x->io_failed = 1;
}

/* The id as the CSV row shows it: a string's text, an integer's digits. */
static void emit_csv_json_id(ctx *x, const json_t *id, const pw_case *c, const pw_decision *d)
{
    char buf[64];
    if (json_is_string(id)) {
        emit_csv(x, json_string_value(id), json_string_length(id), c, d);
    } else if (json_is_integer(id)) {
        int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        emit_csv(x, buf, (size_t)n, c, d);
    } else {
        emit_csv(x, NULL, 0, c, d);
    }
}

/*
 * Decides one parsed case. On success fills *c and *d; on failure reports
 * and counts it. `prefix` goes before the field name for cases inside an
 * array ("[3].").
 */
/*
 * jansson keeps no positions for values, so in a pretty-printed document the
 * error would name the line the document starts on. When the bad field's
 * key appears exactly once in the text, its own line is named instead.
 */
static long field_line(const ctx *x, const char *field, long fallback)
{
    if (!x->doc || !field[0])
        return fallback;
    const char *leaf = strrchr(field, '.');
    leaf = leaf ? leaf + 1 : field;
    char key[140];
    int n = snprintf(key, sizeof key, "\"%.*s\"", (int)strcspn(leaf, "["), leaf);
    if (n < 3 || (size_t)n >= sizeof key)
        return fallback;
    const char *hit = NULL, *end = x->doc + x->doc_len;
    for (const char *p = x->doc; p + n <= end; p++) {
        if (*p != '"' || memcmp(p, key, (size_t)n) != 0)
            continue;
        if (hit)
            return fallback; /* more than one: ambiguous */
        hit = p;
    }
    if (!hit)
        return fallback;
    long line = fallback;
    for (const char *p = x->doc; p < hit; p++)
        line += *p == '\n';
    return line;
}

static int decide(ctx *x, const json_t *obj, long line, const char *prefix, pw_case *c,
                  pw_decision *d)
{
    pw_error e;
    pw_error_clear(&e);
    int rc = pw_case_from_json(obj, c, x->file, line, &e);
    if (rc == PW_OK) {
        rc = pw_decide(x->regime, c, d);
        if (rc == PW_ENOTFOUND)
            pw_error_set(&e, rc, x->file, line, "", "regime '%s' has no rule that decides "
                         "this case (a gap in the regime file)", pw_regime_name(x->regime));
        else if (rc)
            pw_error_set(&e, rc, x->file, line, "", "the case cannot be decided");
    }
    if (rc) {
        e.line = field_line(x, e.field, e.line);
        if (prefix[0]) {
            char field[sizeof e.field];
            snprintf(field, sizeof field, "%s%s", prefix, e.field);
            snprintf(e.field, sizeof e.field, "%s", field);
        }
        report(&e);
        x->bad++;
        return rc;
    }
    x->done++;
    return PW_OK;
}

static void emit_line(ctx *x, const json_t *obj, const pw_case *c, const pw_decision *d)
{
    const json_t *id = json_object_get(obj, "id");
    if (x->csv) {
        emit_csv_json_id(x, id, c, d);
        return;
    }
    if (x->explain) {
        char idbuf[128];
        id_text(id, idbuf, sizeof idbuf);
        pw_decision_explain(x->regime, c, d, idbuf, x->fp);
        fputc('\n', x->fp);
        return;
    }
    x->out_len = 0;
    if (pw_decision_append_json(x->regime, c, d, id, &x->out, &x->out_len, &x->out_cap)) {
        x->io_failed = 1;
        return;
    }
    x->out[x->out_len++] = '\n'; /* the buffer always has room for the NUL */
    if (fwrite(x->out, 1, x->out_len, x->fp) != x->out_len)
        x->io_failed = 1;
}

/* By length, not up to a NUL: a line that starts with a NUL byte is not
 * blank (it was once skipped as if it were). */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* The fast path: a line in the common form, scanned without jansson. */
static int fast_line(ctx *x, const char *text, size_t len)
{
    pw_case c;
    pw_case_id id;
    pw_decision d;
    if (pw_case_scan(text, len, &c, &id) != PW_OK || pw_decide(x->regime, &c, &d) != PW_OK)
        return 0; /* the slow path decides, or reports the error */
    x->done++;
    if (x->csv) {
        emit_csv(x, id.text, id.len, &c, &d);
        return 1;
    }
    if (x->explain) {
        char idbuf[128];
        snprintf(idbuf, sizeof idbuf, "%.*s", id.text ? (int)id.len : 7,
                 id.text ? id.text : "(no id)");
        pw_decision_explain(x->regime, &c, &d, idbuf, x->fp);
        fputc('\n', x->fp);
        return 1;
    }
    x->out_len = 0;
    if (pw_decision_append_json_scanned(x->regime, &c, &d, &id, &x->out, &x->out_len,
                                        &x->out_cap)) {
        x->io_failed = 1;
        return 1;
    }
    x->out[x->out_len++] = '\n';
    if (fwrite(x->out, 1, x->out_len, x->fp) != x->out_len)
        x->io_failed = 1;
    return 1;
}

static void do_line(ctx *x, const char *text, size_t len, long line)
{
    /* JSON text never holds a raw NUL; jansson would stop reading at it. */
    if (memchr(text, '\0', len)) {
        pw_error e;
        pw_error_set(&e, PW_EPARSE, x->file, line, "", "a NUL byte in the line (not JSON text)");
        report(&e);
        x->bad++;
        return;
    }
    if (fast_line(x, text, len))
        return;
    json_error_t je;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!obj) {
        pw_error e;
        pw_error_set(&e, PW_EPARSE, x->file, line, "", "malformed JSON at column %d: %s",
                     je.column, je.text);
        report(&e);
        x->bad++;
        return;
    }
    pw_case c;
    pw_decision d;
    if (decide(x, obj, line, "", &c, &d) == PW_OK)
        emit_line(x, obj, &c, &d);
    json_decref(obj);
}

static int looks_like_a_value(const char *s, size_t n);

/* Decides every non-blank line of `text` (the first is `first_line`). */
static void do_text_lines(ctx *x, const char *text, size_t len, long first_line)
{
    const char *p = text, *end = text + len;
    for (long line = first_line; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (!blank(p, n))
            do_line(x, p, n, line);
        p += n;
    }
}

/*
 * A text that is not one JSON document but has a line that is a whole
 * JSON object starting in its first column: JSON Lines whose first lines
 * are bad (a pretty-printed document indents its inner objects, and its
 * opening "{" alone is not a value).
 */
static int has_object_line(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 1 && p[0] == '{' && looks_like_a_value(p, n))
            return 1;
        p += n + 1;
    }
    return 0;
}

/* A whole JSON document: one case or an array of cases; pretty output. */
static void do_document(ctx *x, const char *text, size_t len, long first_line)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc && has_object_line(text, len)) {
        /* Two bad first lines made this look like a document; the cases
         * after them must not be lost: decide line by line after all. */
        x->doc = NULL;
        do_text_lines(x, text, len, first_line);
        return;
    }
    if (!doc) {
        pw_error e;
        pw_error_set(&e, PW_EPARSE, x->file, first_line - 1 + je.line, "",
                     "malformed JSON at column %d: %s", je.column, je.text);
        report(&e);
        x->bad++;
        return;
    }
    int array = json_is_array(doc);
    size_t n = array ? json_array_size(doc) : 1;
    json_t *all = array ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *obj = array ? json_array_get(doc, i) : doc;
        char prefix[32] = "";
        if (array)
            snprintf(prefix, sizeof prefix, "[%zu].", i);
        pw_case c;
        pw_decision d;
        if (decide(x, obj, first_line, prefix, &c, &d))
            continue;
        if (x->csv) {
            emit_csv_json_id(x, json_object_get(obj, "id"), &c, &d);
            continue;
        }
        if (x->explain) {
            char idbuf[128];
            id_text(json_object_get(obj, "id"), idbuf, sizeof idbuf);
            pw_decision_explain(x->regime, &c, &d, idbuf, x->fp);
            if (i + 1 < n)
                fputc('\n', x->fp);
            continue;
        }
        json_t *out = pw_decision_to_json_id(x->regime, &c, &d, json_object_get(obj, "id"));
        if (!out) {
            x->io_failed = 1;
            continue;
        }
        if (array) {
            json_array_append_new(all, out);
        } else {
            if (json_dumpf(out, x->fp, JSON_INDENT(2)) || fputc('\n', x->fp) == EOF)
                x->io_failed = 1;
            json_decref(out);
        }
    }
    if (array && !x->explain && !x->csv) {
        if (json_dumpf(all, x->fp, JSON_INDENT(2)) || fputc('\n', x->fp) == EOF)
            x->io_failed = 1;
    }
    json_decref(all);
    json_decref(doc);
}

/* Reads the rest of `in` after `head` into one buffer. */
static char *slurp(FILE *in, const char *head, size_t head_len, size_t *len)
{
    size_t cap = head_len + 65536, n = head_len;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    memcpy(buf, head, head_len);
    for (;;) {
        if (cap - n < 65536) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(in)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int looks_like_a_value(const char *s, size_t n)
{
    json_error_t je;
    json_t *v = json_loadb(s, n, 0, &je);
    json_decref(v);
    return v != NULL;
}

static int run(ctx *x, FILE *in, int force_lines)
{
    char *line = NULL, *first = NULL;
    size_t cap = 0, first_len = 0;
    ssize_t n;
    long lineno = 0, first_no = 0;
    int rc = PW_EXIT_OK;

    /* Find the first non-blank line. */
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (!blank(line, (size_t)n))
            break;
    }
    if (n < 0)
        goto done; /* empty input (or a read error, reported at done) */
    first_no = lineno;
    first_len = (size_t)n;

    /* A first line that opens an array starts a JSON document. */
    char lead = line[strspn(line, " \t")];
    int lines_mode = force_lines || (lead != '[' && looks_like_a_value(line, first_len));
    if (!lines_mode) {
        /* The first line alone is not JSON: a pretty-printed document, or
         * JSON Lines whose first line is bad. The second non-blank line
         * decides, so one bad first line cannot hide the rest. */
        first = malloc(first_len + 1);
        if (!first) {
            rc = PW_EXIT_FAIL;
            goto done;
        }
        memcpy(first, line, first_len + 1);
        size_t acc_len = first_len;
        char *acc = NULL;
        while ((n = getline(&line, &cap, in)) >= 0) {
            lineno++;
            char *p = realloc(acc, acc_len + (size_t)n + 1);
            if (!p) {
                free(acc);
                rc = PW_EXIT_FAIL;
                goto done;
            }
            if (!acc)
                memcpy(p, first, first_len);
            acc = p;
            memcpy(acc + acc_len, line, (size_t)n + 1);
            acc_len += (size_t)n;
            if (!blank(line, (size_t)n))
                break;
        }
        if (n >= 0 && lead != '[' && line[strspn(line, " \t")] == '{' &&
            looks_like_a_value(line, (size_t)n)) {
            free(acc);
            do_line(x, first, first_len, first_no);
            do_line(x, line, (size_t)n, lineno);
            lines_mode = 1;
        } else {
            size_t total;
            char *doc = slurp(in, acc ? acc : first, acc ? acc_len : first_len, &total);
            free(acc);
            if (!doc) {
                fprintf(stderr, "pathways assess: %s: %s\n", x->file, strerror(errno));
                rc = PW_EXIT_FAIL;
                goto done;
            }
            x->doc = doc;
            x->doc_len = total;
            do_document(x, doc, total, first_no);
            x->doc = NULL;
            free(doc);
        }
    } else {
        do_line(x, line, first_len, first_no);
    }
    if (lines_mode) {
        while ((n = getline(&line, &cap, in)) >= 0) {
            lineno++;
            if (!blank(line, (size_t)n))
                do_line(x, line, (size_t)n, lineno);
        }
    }
done:
    /* Also after an input that ended at once: a directory reads as an
     * error (EISDIR) on the first getline, and once exited 0 unseen. */
    if (ferror(in)) {
        fprintf(stderr, "pathways assess: %s: read error: %s\n", x->file, strerror(errno));
        rc = PW_EXIT_FAIL;
    }
    free(line);
    free(first);
    return rc;
}

int pw_cmd_assess(int argc, char **argv)
{
    pw_cli_val v[A_N_OPTS];
    pw_cli_args a = {v, {0}, 0};
    int prc = pw_cli_parse(&pw_cli_spec_assess, argc, argv, &a);
    if (prc)
        return prc < 0 ? PW_EXIT_OK : prc;
    const char *regime_name = pw_cli_str(&a, A_REGIME, NULL);
    const char *output = pw_cli_str(&a, A_OUTPUT, NULL);
    int explain = v[A_EXPLAIN].given > 0, force_lines = v[A_LINES].given > 0;
    const char *format = pw_cli_str(&a, A_FORMAT, NULL);
    int csv = format && strcmp(format, "csv") == 0;
    if (explain && format)
        return pw_cli_usage_error("assess", "--explain prints text; --format is for the data");
    if (!regime_name)
        return pw_cli_usage_error("assess", "--regime NAME|PATH is required");
    if (a.n_operands > 1)
        return pw_cli_usage_error("assess", "one input file at most (got %d)", a.n_operands);
    const char *path = a.n_operands ? a.operand[0] : "-";

    pw_regime *regime = NULL;
    pw_error e;
    pw_error_clear(&e);
    int rc = pw_regime_load(regime_name, &regime, &e);
    if (rc) {
        report(&e);
        /* An unknown name is a usage mistake; a broken file is bad input. */
        return rc == PW_ENOTFOUND ? PW_EXIT_USAGE : rc == PW_EIO ? PW_EXIT_FAIL
                                                                 : PW_EXIT_BADINPUT;
    }

    FILE *in = stdin;
    if (strcmp(path, "-") != 0) {
        in = fopen(path, "r");
        struct stat st;
        const char *why = !in ? strerror(errno)
                          : fstat(fileno(in), &st) != 0 ? strerror(errno)
                          : S_ISDIR(st.st_mode) ? "is a directory, not a file of cases"
                                                : NULL;
        if (why) {
            fprintf(stderr, "pathways assess: %s: %s\n", path, why);
            if (in)
                fclose(in);
            pw_regime_free(regime);
            return PW_EXIT_FAIL;
        }
    }
    /* Output to a file goes through pw_afile: written beside it and renamed
     * into place only when the run completes, so a failed run leaves the
     * old file (or none), never half of the decisions. */
    pw_afile *af = NULL;
    FILE *fp = stdout;
    if (output) {
        if (pw_afile_open(output, &af, &e)) {
            report(&e);
            if (in != stdin)
                fclose(in);
            pw_regime_free(regime);
            return PW_EXIT_FAIL;
        }
        fp = pw_afile_fp(af);
    }
    /* Large stdio buffers: JSON Lines throughput is mostly I/O calls. */
    static char inbuf[1 << 16], outbuf[1 << 18];
    setvbuf(in, inbuf, _IOFBF, sizeof inbuf);
    setvbuf(fp, outbuf, _IOFBF, sizeof outbuf);

    ctx x = {.regime = regime, .file = strcmp(path, "-") ? path : "<stdin>", .explain = explain,
             .csv = csv, .fp = fp};
    /* The header even when no case is decided: an empty table, not none. */
    if (csv && fputs(CSV_HEADER "\n", fp) == EOF)
        x.io_failed = 1;
    rc = run(&x, in, force_lines);
    if (in != stdin)
        fclose(in);
    if (fflush(fp) != 0 || x.io_failed) {
        fprintf(stderr, "pathways assess: writing the decisions failed: %s\n", strerror(errno));
        rc = PW_EXIT_FAIL;
    }
    if (af) {
        if (rc == PW_EXIT_OK) {
            if (pw_afile_commit(af, &e)) {
                report(&e);
                rc = PW_EXIT_FAIL;
            }
        } else {
            pw_afile_abort(af);
        }
    }
    if (x.bad)
        fprintf(stderr, "pathways assess: %ld case%s decided, %ld rejected\n", x.done,
                x.done == 1 ? "" : "s", x.bad);
    free(x.out);
    pw_regime_free(regime);
    if (rc)
        return rc;
    return x.bad ? PW_EXIT_BADINPUT : PW_EXIT_OK;
}
