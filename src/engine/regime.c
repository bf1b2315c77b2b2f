/*
 * Regimes: compile a regime file into flat rule tables, and decide cases.
 *
 * A regime is an ordered list of stages; each stage is an ordered list of
 * rules. pw_decide() walks the stages in order and, in each, fires the first
 * rule whose conditions hold (a stage where none holds does nothing). A
 * firing rule sets the parts of the decision it names (route, disposition,
 * sentence, monitoring, panel sign-off), appends its measures, and adds
 * itself to the trace. Later stages may test what earlier ones decided
 * (`disposition:` and `route:` conditions), which is how a regime says "any
 * compulsory placement needs the panel's signature" once for all rules.
 *
 * Conditions compile to bit masks and integer ranges, and effects to plain
 * structs, so deciding is a few comparisons per rule and a memcpy per fired
 * rule: no allocation, no strings, and safe from many threads at once.
 */
#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* Tri-state for boolean conditions. */
enum { ANY = -1 };

typedef struct {
    uint32_t event, group, severity, amount, role, risk, disposition, route;
    uint64_t substance;
    int8_t violent, consents, injecting, first_offence;
    int age_lo, age_hi;
    int pdo_lo, pdo_hi; /* prior drug offences */
    int pc_lo, pc_hi;   /* prior convictions */
} cond;

/* Which parts of the decision a rule sets. */
enum {
    SET_ROUTE = 1 << 0,
    SET_DISPOSITION = 1 << 1,
    SET_SENTENCE = 1 << 2,
    SET_MONITORING = 1 << 3,
    SET_SIGNOFF = 1 << 4,
};

typedef struct {
    unsigned set;
    pw_route route;
    pw_disposition disposition;
    int n_measures;
    pw_measure measures[PW_MAX_MEASURES];
    bool has_sentence; /* false with SET_SENTENCE: `sentence: null` clears it */
    pw_sentence sentence;
    bool monitoring_required;
    float monitoring_months;
    bool signoff;
} effect;

typedef struct {
    cond when;
    effect then;
    const char *id, *why, *source;
    int stage;
    char *trace_json; /* {"rule":...,"stage":...,"why":...,"source":...} */
    size_t trace_len;
} rule;

typedef struct {
    const char *name;
    int first, count;
} stage;

struct pw_regime {
    pw_doc *doc; /* owns the strings the rules point to */
    const char *name, *title, *summary;
    char origin[300];
    int n_rules, n_stages;
    rule *rules;
    stage *stages;
};

/* Value used for "no disposition/route yet" in the masks of later stages. */
#define DISP_NONE PW_DISP_COUNT
#define ROUTE_NONE 4

/* ---- Compiling conditions -------------------------------------------- */

/* A located error about node `n` (its line) and `key`. */
static int fail(pw_error *err, const pw_doc *d, const pw_node *n, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(pw_error *err, const pw_doc *d, const pw_node *n, const char *key,
                const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pw_error_set(err, PW_EINVAL, pw_doc_name(d), n ? pw_node_line(n) : 0, key, "%s",
                        msg);
}

/* A keyword or a list of keywords from `table` -> a bit mask. */
static int keyword_mask(const pw_doc *d, const pw_node *v, const char *key,
                        const char *const *table, uint32_t *out, pw_error *err)
{
    size_t n = pw_node_kind_of(v) == PW_NODE_SEQ ? pw_node_len(v) : 1;
    uint32_t m = 0;
    if (pw_node_kind_of(v) == PW_NODE_MAP || n == 0)
        return fail(err, d, v, key, "expected a name or a list of names");
    for (size_t i = 0; i < n; i++) {
        const pw_node *item = pw_node_kind_of(v) == PW_NODE_SEQ ? pw_node_at(v, i) : v;
        const char *s = pw_node_str(item);
        int k = pwi_keyword(table, s);
        if (k < 0) {
            char list[400] = "";
            size_t used = 0;
            for (int j = 0; table[j] && used < sizeof list; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         j ? ", " : "", table[j]);
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(item), key,
                                "'%s' is not one of: %s", s ? s : "(a list)", list);
        }
        m |= 1u << k;
    }
    *out = m;
    return PW_OK;
}

static int substance_mask(const pw_doc *d, const pw_node *v, uint64_t *out, pw_error *err)
{
    size_t n = pw_node_kind_of(v) == PW_NODE_SEQ ? pw_node_len(v) : 1;
    uint64_t m = 0;
    if (pw_node_kind_of(v) == PW_NODE_MAP || n == 0)
        return fail(err, d, v, "substance", "expected a substance or a list of them");
    for (size_t i = 0; i < n; i++) {
        const pw_node *item = pw_node_kind_of(v) == PW_NODE_SEQ ? pw_node_at(v, i) : v;
        int id = pw_substance_lookup(pw_node_str(item));
        if (id < 0)
            return fail(err, d, item, "substance",
                        "unknown substance '%s' (see data/codes/substances.yaml)",
                        pw_node_str(item) ? pw_node_str(item) : "(a list)");
        m |= (uint64_t)1 << id;
    }
    *out = m;
    return PW_OK;
}

/* An exact count (`0`) or a range (`{min: 1}`, `{min: 0, max: 2}`). */
static int range(const pw_doc *d, const pw_node *when, const char *key, long hi_limit,
                 int *lo, int *hi, pw_error *err)
{
    static const char *const keys[] = {"min", "max", NULL};
    const pw_node *v = pw_node_get(when, key);
    long a, b;
    int rc;
    if (!v)
        return PW_OK;
    if (pw_node_kind_of(v) == PW_NODE_SCALAR) {
        if ((rc = pw_node_int(d, when, key, 1, 0, 0, hi_limit, &a, err)))
            return rc;
        *lo = *hi = (int)a;
        return PW_OK;
    }
    if ((rc = pw_node_check_keys(d, v, keys, key, err)) ||
        (rc = pw_node_int(d, v, "min", 0, 0, 0, hi_limit, &a, err)) ||
        (rc = pw_node_int(d, v, "max", 0, hi_limit, 0, hi_limit, &b, err)))
        return rc;
    if (a > b)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(v), key,
                            "min %ld is above max %ld", a, b);
    *lo = (int)a;
    *hi = (int)b;
    return PW_OK;
}

static int tristate(const pw_doc *d, const pw_node *when, const char *key, int8_t *out,
                    pw_error *err)
{
    int b, rc;
    if (!pw_node_get(when, key))
        return PW_OK;
    if ((rc = pw_node_bool(d, when, key, 1, 0, &b, err)))
        return rc;
    *out = (int8_t)(b != 0);
    return PW_OK;
}

static int compile_when(const pw_doc *d, const pw_node *when, cond *c, pw_error *err)
{
    static const char *const keys[] = {
        "event", "substance", "substance_group", "severity", "severity_at_least",
        "severity_at_most", "amount", "role", "violent", "consents_to_treatment",
        "injecting", "first_offence", "age", "prior_drug_offences", "prior_convictions",
        "assist_risk", "disposition", "route", NULL};
    /* Everything matches unless a condition narrows it. */
    memset(c, 0, sizeof *c);
    c->event = c->group = c->severity = c->amount = c->role = UINT32_MAX;
    c->risk = c->disposition = c->route = UINT32_MAX;
    c->substance = UINT64_MAX;
    c->violent = c->consents = c->injecting = c->first_offence = ANY;
    c->age_lo = c->pdo_lo = c->pc_lo = 0;
    c->age_hi = c->pdo_hi = c->pc_hi = INT_MAX;
    if (!when)
        return PW_OK;

    static const char *const risk_names[] = {"low", "moderate", "high", "unknown", NULL};
    static const char *const disp_names[] = {
        "no_action", "brief_intervention", "outpatient_treatment",
        "compulsory_inpatient_treatment", "dissuasion_commission", "drug_court",
        "administrative_fine", "administrative_arrest", "treatment_then_prison", "prison",
        "alternative_sanction", "none", NULL};
    static const char *const route_names[] = {"health", "administrative", "criminal",
                                              "diversion", "none", NULL};
    _Static_assert(DISP_NONE == 11 && ROUTE_NONE == 4, "'none' follows the last value");
    struct {
        const char *key;
        const char *const *table;
        uint32_t *mask;
    } kw[] = {
        {"event", pwi_event_names, &c->event},
        {"substance_group", pwi_group_names, &c->group},
        {"severity", pwi_severity_names, &c->severity},
        {"amount", pwi_amount_names, &c->amount},
        {"role", pwi_role_names, &c->role},
        {"assist_risk", risk_names, &c->risk},
        {"disposition", disp_names, &c->disposition},
        {"route", route_names, &c->route},
    };
    int rc = pw_node_check_keys(d, when, keys, "when", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        const pw_node *v = pw_node_get(when, kw[i].key);
        if (v && (rc = keyword_mask(d, v, kw[i].key, kw[i].table, kw[i].mask, err)))
            return rc;
    }
    /* Severity bounds narrow whatever `severity:` allowed. */
    int sev;
    if (pw_node_get(when, "severity_at_least")) {
        if ((rc = pw_node_enum(d, when, "severity_at_least", 1, 0, pwi_severity_names, &sev,
                               err)))
            return rc;
        c->severity &= ~((1u << sev) - 1u);
    }
    if (pw_node_get(when, "severity_at_most")) {
        if ((rc = pw_node_enum(d, when, "severity_at_most", 1, 0, pwi_severity_names, &sev,
                               err)))
            return rc;
        c->severity &= (2u << sev) - 1u;
    }
    const pw_node *sub = pw_node_get(when, "substance");
    if (sub && (rc = substance_mask(d, sub, &c->substance, err)))
        return rc;
    if ((rc = tristate(d, when, "violent", &c->violent, err)) ||
        (rc = tristate(d, when, "consents_to_treatment", &c->consents, err)) ||
        (rc = tristate(d, when, "injecting", &c->injecting, err)) ||
        (rc = tristate(d, when, "first_offence", &c->first_offence, err)) ||
        (rc = range(d, when, "age", 150, &c->age_lo, &c->age_hi, err)) ||
        (rc = range(d, when, "prior_drug_offences", 1000, &c->pdo_lo, &c->pdo_hi, err)) ||
        (rc = range(d, when, "prior_convictions", 1000, &c->pc_lo, &c->pc_hi, err)))
        return rc;
    /* A condition that no case can meet is almost certainly a typo'd bound. */
    if (!(c->severity & 0xFu))
        return fail(err, d, when, "severity", "the severity conditions exclude every case");
    return PW_OK;
}

/* ---- Compiling effects ----------------------------------------------- */

static int compile_measures(const pw_doc *d, const pw_node *seq, effect *e, pw_error *err)
{
    static const char *const keys[] = {"type", "min_months", "max_months", NULL};
    if (pw_node_kind_of(seq) != PW_NODE_SEQ || pw_node_len(seq) > PW_MAX_MEASURES)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(seq), "measures",
                            "expected a list of at most %d measures", PW_MAX_MEASURES);
    for (size_t i = 0; i < pw_node_len(seq); i++) {
        const pw_node *m = pw_node_at(seq, i);
        int type, rc;
        double lo, hi;
        if ((rc = pw_node_check_keys(d, m, keys, "measure", err)) ||
            (rc = pw_node_enum(d, m, "type", 1, 0, pwi_measure_names, &type, err)) ||
            (rc = pw_node_num(d, m, "min_months", 0, 0, 0, 600, &lo, err)) ||
            (rc = pw_node_num(d, m, "max_months", 0, 0, 0, 600, &hi, err)))
            return rc;
        if (hi != 0 && hi < lo)
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(m), "max_months",
                                "max_months %g is below min_months %g", hi, lo);
        e->measures[e->n_measures++] = (pw_measure){(pw_measure_type)type, (float)lo, (float)hi};
    }
    return PW_OK;
}

static int compile_sentence(const pw_doc *d, const pw_node *s, pw_sentence *out,
                            pw_error *err)
{
    static const char *const keys[] = {
        "custodial", "min_years", "max_years", "pretrial_detention", "educational_regime",
        "work_release_after_years", "electronic_monitoring", "parole_eligible_years",
        "parole_conditions", "fine_mrp", "fine", "arrest_days", "community_service_hours",
        "basis", "deferred", NULL};
    static const char *const fine_keys[] = {"min", "max", "unit", NULL};
    int rc, custodial, pretrial, edu, em, deferred;
    double lo, hi, wr, fine_mrp, arrest, cs;
    memset(out, 0, sizeof *out);
    if ((rc = pw_node_check_keys(d, s, keys, "sentence", err)) ||
        (rc = pw_node_bool(d, s, "custodial", 1, 0, &custodial, err)) ||
        (rc = pw_node_num(d, s, "min_years", 0, 0, 0, 100, &lo, err)) ||
        (rc = pw_node_num(d, s, "max_years", 0, 0, 0, 100, &hi, err)) ||
        (rc = pw_node_bool(d, s, "pretrial_detention", 0, 0, &pretrial, err)) ||
        (rc = pw_node_bool(d, s, "educational_regime", 0, 0, &edu, err)) ||
        (rc = pw_node_num(d, s, "work_release_after_years", 0, 0, 0, 100, &wr, err)) ||
        (rc = pw_node_bool(d, s, "electronic_monitoring", 0, 0, &em, err)) ||
        (rc = pw_node_text(d, s, "parole_conditions", 0, NULL, &out->parole_conditions, err)) ||
        (rc = pw_node_num(d, s, "fine_mrp", 0, 0, 0, 1e6, &fine_mrp, err)) ||
        (rc = pw_node_num(d, s, "arrest_days", 0, 0, 0, 365, &arrest, err)) ||
        (rc = pw_node_num(d, s, "community_service_hours", 0, 0, 0, 10000, &cs, err)) ||
        (rc = pw_node_text(d, s, "basis", 0, NULL, &out->basis, err)) ||
        (rc = pw_node_bool(d, s, "deferred", 0, 0, &deferred, err)))
        return rc;
    if (hi != 0 && hi < lo)
        return fail(err, d, pw_node_get(s, "max_years"), "max_years",
                    "max_years is below min_years");
    out->custodial = custodial;
    out->min_years = (float)lo;
    out->max_years = (float)hi;
    out->pretrial_detention = pretrial;
    out->educational_regime = edu;
    out->work_release_after_years = (float)wr;
    out->electronic_monitoring = em;
    out->fine_mrp = (float)fine_mrp;
    out->arrest_days = (float)arrest;
    out->community_service_hours = (float)cs;
    out->deferred = deferred;

    const pw_node *p = pw_node_get(s, "parole_eligible_years");
    if (p) {
        double v[2];
        if (pw_node_kind_of(p) != PW_NODE_SEQ || pw_node_len(p) != 2)
            return fail(err, d, p, "parole_eligible_years",
                        "expected [from, to] in years");
        for (int i = 0; i < 2; i++) {
            const char *t = pw_node_str(pw_node_at(p, (size_t)i));
            char *end;
            v[i] = t ? strtod(t, &end) : -1;
            if (!t || end == t || *end || v[i] < 0 || v[i] > 100)
                return fail(err, d, p, "parole_eligible_years",
                            "expected two numbers of years, found '%s'", t ? t : "a list");
        }
        if (v[1] < v[0])
            return fail(err, d, p, "parole_eligible_years", "'to' is before 'from'");
        out->parole_from_years = (float)v[0];
        out->parole_to_years = (float)v[1];
    }
    const pw_node *f = pw_node_get(s, "fine");
    if (f) {
        if ((rc = pw_node_check_keys(d, f, fine_keys, "fine", err)) ||
            (rc = pw_node_num(d, f, "min", 0, 0, 0, 1e9, &lo, err)) ||
            (rc = pw_node_num(d, f, "max", 1, 0, 0, 1e9, &hi, err)) ||
            (rc = pw_node_text(d, f, "unit", 1, NULL, &out->fine_unit, err)))
            return rc;
        if (hi < lo)
            return fail(err, d, f, "fine", "max is below min");
        out->fine_min = (float)lo;
        out->fine_max = (float)hi;
        if (strcmp(out->fine_unit, "MRP") == 0)
            out->fine_mrp = (float)hi;
    } else if (out->fine_mrp > 0) {
        out->fine_max = out->fine_mrp;
        out->fine_unit = "MRP";
    }
    return PW_OK;
}

static int compile_then(const pw_doc *d, const pw_node *then, effect *e, pw_error *err)
{
    static const char *const keys[] = {"route", "disposition", "measures", "sentence",
                                       "monitoring", "requires_panel_signoff", NULL};
    static const char *const mon_keys[] = {"required", "months", NULL};
    int rc, v;
    memset(e, 0, sizeof *e);
    if (!then)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), 0, "then",
                            "a rule needs a 'then'");
    if ((rc = pw_node_check_keys(d, then, keys, "then", err)))
        return rc;
    if (pw_node_len(then) == 0)
        return fail(err, d, then, "then", "'then' sets nothing");
    if (pw_node_get(then, "route")) {
        if ((rc = pw_node_enum(d, then, "route", 1, 0, pwi_route_names, &v, err)))
            return rc;
        e->route = (pw_route)v;
        e->set |= SET_ROUTE;
    }
    if (pw_node_get(then, "disposition")) {
        if ((rc = pw_node_enum(d, then, "disposition", 1, 0, pwi_disposition_names, &v, err)))
            return rc;
        e->disposition = (pw_disposition)v;
        e->set |= SET_DISPOSITION;
    }
    const pw_node *m = pw_node_get(then, "measures");
    if (m && (rc = compile_measures(d, m, e, err)))
        return rc;
    const pw_node *s = pw_node_get(then, "sentence");
    if (s) {
        e->set |= SET_SENTENCE;
        /* `sentence: null` (or ~) clears a sentence set by an earlier stage. */
        const char *t = pw_node_str(s);
        if (t && (strcmp(t, "null") == 0 || strcmp(t, "~") == 0 || t[0] == '\0')) {
            e->has_sentence = false;
        } else {
            if ((rc = compile_sentence(d, s, &e->sentence, err)))
                return rc;
            e->has_sentence = true;
            /* Only a drug court holds a sentence over until it ends; a
             * deferred sentence on a rule that chooses another disposition
             * would read as a suspended term the simulator never imposes
             * (or imposes at once). A rule that sets no disposition may
             * refine the sentence of an earlier stage's drug court. */
            if (e->sentence.deferred && (e->set & SET_DISPOSITION) &&
                e->disposition != PW_DISP_DRUG_COURT)
                return fail(err, d, pw_node_get(s, "deferred"), "deferred",
                            "a deferred sentence needs disposition drug_court, not %s",
                            pw_disposition_name(e->disposition));
        }
    }
    const pw_node *mon = pw_node_get(then, "monitoring");
    if (mon) {
        double months;
        if ((rc = pw_node_check_keys(d, mon, mon_keys, "monitoring", err)) ||
            (rc = pw_node_bool(d, mon, "required", 1, 0, &v, err)) ||
            (rc = pw_node_num(d, mon, "months", 0, 0, 0, 600, &months, err)))
            return rc;
        e->monitoring_required = v;
        e->monitoring_months = (float)months;
        e->set |= SET_MONITORING;
    }
    if (pw_node_get(then, "requires_panel_signoff")) {
        if ((rc = pw_node_bool(d, then, "requires_panel_signoff", 1, 0, &v, err)))
            return rc;
        e->signoff = v;
        e->set |= SET_SIGNOFF;
    }
    return PW_OK;
}

/* ---- Trace JSON, computed once per rule ------------------------------ */

/* Jansson's escaping, so the fast writer matches json_dumps byte for byte:
 * built with jansson itself. */
static int make_trace_json(pw_regime *r, rule *ru)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "rule", ru->id, "stage",
                          r->stages[ru->stage].name, "why", ru->why, "source", ru->source);
    if (!o)
        return PW_EINVAL; /* a string that is not valid UTF-8 */
    ru->trace_json = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!ru->trace_json)
        return PW_ENOMEM;
    ru->trace_len = strlen(ru->trace_json);
    return PW_OK;
}

/* ---- Loading --------------------------------------------------------- */

static int text_required(const pw_doc *d, const pw_node *map, const char *key,
                         const char **out, pw_error *err)
{
    int rc = pw_node_text(d, map, key, 1, NULL, out, err);
    if (rc == PW_OK && (*out)[0] == '\0')
        return fail(err, d, pw_node_get(map, key), key, "must not be empty");
    return rc;
}

static int compile_rule(pw_regime *r, const pw_doc *d, const pw_node *n, int stage_ix,
                        rule *ru, pw_error *err)
{
    static const char *const keys[] = {"id", "when", "then", "why", "source", NULL};
    int rc;
    if ((rc = pw_node_check_keys(d, n, keys, "rule", err)) ||
        (rc = text_required(d, n, "id", &ru->id, err)) ||
        (rc = text_required(d, n, "why", &ru->why, err)) ||
        (rc = text_required(d, n, "source", &ru->source, err)))
        return rc;
    ru->stage = stage_ix;
    const pw_node *then = pw_node_get(n, "then");
    if (!then)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(n), "then",
                            "rule '%s' has no 'then'", ru->id);
    if ((rc = compile_when(d, pw_node_get(n, "when"), &ru->when, err)) ||
        (rc = compile_then(d, then, &ru->then, err)))
        return rc;
    /* Rule ids name the rule in traces and docs: two with one id would make
     * a trace ambiguous. */
    for (int i = 0; i < r->n_rules; i++)
        if (strcmp(r->rules[i].id, ru->id) == 0)
            return pw_error_set(err, PW_ECONFLICT, pw_doc_name(d), pw_node_line(n), "id",
                                "rule id '%s' is used twice", ru->id);
    if (make_trace_json(r, ru))
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(n), "why",
                            "rule '%s' has text that is not valid UTF-8", ru->id);
    return PW_OK;
}

static int compile(pw_regime *r, pw_error *err)
{
    static const char *const top[] = {"name", "title", "summary", "description",
                                      "jurisdiction", "version", "sources", "stages", NULL};
    static const char *const stage_keys[] = {"stage", "description", "rules", NULL};
    const pw_doc *d = r->doc;
    const pw_node *root = pw_doc_root(d);
    int rc;
    if ((rc = pw_node_check_keys(d, root, top, "regime", err)) ||
        (rc = text_required(d, root, "name", &r->name, err)) ||
        (rc = text_required(d, root, "title", &r->title, err)) ||
        (rc = text_required(d, root, "summary", &r->summary, err)))
        return rc;
    const pw_node *stages = pw_node_get(root, "stages");
    if (!stages || pw_node_kind_of(stages) != PW_NODE_SEQ || pw_node_len(stages) == 0)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), stages ? pw_node_line(stages) : 1,
                            "stages", "expected a non-empty list of stages");
    /* Each stage adds at most one trace entry and one rule's measures, so
     * these bounds keep every decision inside the fixed-size arrays of
     * pw_decision whatever the case. */
    size_t ns = pw_node_len(stages);
    if (ns > PW_MAX_TRACE)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(stages), "stages",
                            "%zu stages; at most %d are allowed", ns, PW_MAX_TRACE);
    size_t total = 0;
    for (size_t i = 0; i < ns; i++) {
        const pw_node *rl = pw_node_get(pw_node_at(stages, i), "rules");
        total += rl && pw_node_kind_of(rl) == PW_NODE_SEQ ? pw_node_len(rl) : 0;
    }
    if (total > UINT16_MAX)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), 0, "rules", "too many rules");
    r->stages = calloc(ns, sizeof *r->stages);
    r->rules = calloc(total ? total : 1, sizeof *r->rules);
    if (!r->stages || !r->rules)
        return pw_error_set(err, PW_ENOMEM, pw_doc_name(d), 0, NULL, "out of memory");

    int measures_bound = 0;
    for (size_t i = 0; i < ns; i++) {
        const pw_node *sn = pw_node_at(stages, i);
        stage *st = &r->stages[i];
        if ((rc = pw_node_check_keys(d, sn, stage_keys, "stage", err)) ||
            (rc = text_required(d, sn, "stage", &st->name, err)))
            return rc;
        const pw_node *rl = pw_node_get(sn, "rules");
        if (!rl || pw_node_kind_of(rl) != PW_NODE_SEQ || pw_node_len(rl) == 0)
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(sn), "rules",
                                "stage '%s' needs a non-empty list of rules", st->name);
        st->first = r->n_rules;
        r->n_stages++;
        int most = 0;
        for (size_t k = 0; k < pw_node_len(rl); k++) {
            rule *ru = &r->rules[r->n_rules];
            if ((rc = compile_rule(r, d, pw_node_at(rl, k), (int)i, ru, err)))
                return rc;
            r->n_rules++;
            st->count++;
            if (ru->then.n_measures > most)
                most = ru->then.n_measures;
        }
        measures_bound += most;
        if (measures_bound > PW_MAX_MEASURES)
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(sn), "measures",
                                "stages up to '%s' can add %d measures to one decision; "
                                "at most %d fit",
                                st->name, measures_bound, PW_MAX_MEASURES);
    }
    return PW_OK;
}

int pw_regime_load(const char *name_or_path, pw_regime **out, pw_error *err)
{
    pw_regime *r = NULL;
    int rc;
    *out = NULL;
    /* The rules name substances, so the code list must be there first. */
    if ((rc = pwi_substances_ready(err)))
        return rc;
    r = calloc(1, sizeof *r);
    if (!r)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    if ((rc = pw_doc_load("regimes", name_or_path, &r->doc, err)))
        goto fail;
    snprintf(r->origin, sizeof r->origin, "%s", pw_doc_name(r->doc));
    if ((rc = compile(r, err)))
        goto fail;
    *out = r;
    return PW_OK;
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name: it frees what was half built. */
    pw_regime_free(r);
    return rc;
}

void pw_regime_free(pw_regime *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n_rules; i++)
        free(r->rules[i].trace_json);
    free(r->rules);
    free(r->stages);
    pw_doc_free(r->doc);
    free(r);
}

const char *pw_regime_name(const pw_regime *r) { return r->name; }
const char *pw_regime_summary(const pw_regime *r) { return r->summary; }
const char *pw_regime_title(const pw_regime *r) { return r->title; }
const char *pw_regime_origin(const pw_regime *r) { return r->origin; }
int pw_regime_rule_count(const pw_regime *r) { return r->n_rules; }

#define RULE_OK(r, i) ((i) >= 0 && (i) < (r)->n_rules)
const char *pw_rule_id(const pw_regime *r, int i) { return RULE_OK(r, i) ? r->rules[i].id : NULL; }
const char *pw_rule_why(const pw_regime *r, int i) { return RULE_OK(r, i) ? r->rules[i].why : NULL; }
const char *pw_rule_source(const pw_regime *r, int i)
{
    return RULE_OK(r, i) ? r->rules[i].source : NULL;
}
const char *pw_rule_stage(const pw_regime *r, int i)
{
    return RULE_OK(r, i) ? r->stages[r->rules[i].stage].name : NULL;
}
const char *pwi_rule_stage(const pw_regime *r, int i) { return pw_rule_stage(r, i); }
const char *pwi_rule_trace_json(const pw_regime *r, int i, size_t *len)
{
    assert(RULE_OK(r, i));
    *len = r->rules[i].trace_len;
    return r->rules[i].trace_json;
}

/* ---- Deciding -------------------------------------------------------- */

#define BIT(mask, v) (((mask) >> (unsigned)(v)) & 1u)

static inline bool matches(const cond *w, const pw_case *c, pw_substance_group group,
                           pw_severity sev, unsigned risk, unsigned disp, unsigned route)
{
    if (!BIT(w->event, c->event) || !BIT(w->severity, sev) || !BIT(w->group, group) ||
        !BIT(w->amount, c->amount) || !BIT(w->role, c->role) || !BIT(w->risk, risk) ||
        !BIT(w->disposition, disp) || !BIT(w->route, route) ||
        !((w->substance >> (unsigned)c->substance) & 1u))
        return false;
    if ((w->violent != ANY && w->violent != c->violent) ||
        (w->consents != ANY && w->consents != c->consents_to_treatment) ||
        (w->injecting != ANY && w->injecting != c->injecting))
        return false;
    if (w->first_offence != ANY &&
        w->first_offence != (c->prior_drug_offences == 0 && c->prior_convictions == 0))
        return false;
    return c->age >= w->age_lo && c->age <= w->age_hi &&
           c->prior_drug_offences >= w->pdo_lo && c->prior_drug_offences <= w->pdo_hi &&
           c->prior_convictions >= w->pc_lo && c->prior_convictions <= w->pc_hi;
}

const pw_measure *pw_decision_measure(const pw_decision *d, pw_measure_type type)
{
    for (int k = 0; k < d->n_measures; k++)
        if (d->measures[k].type == type)
            return &d->measures[k];
    return NULL;
}

double pw_decision_months(const pw_decision *d, pw_measure_type type)
{
    const pw_measure *m = pw_decision_measure(d, type);
    return !m ? 0 : m->min_months > 0 ? m->min_months : m->max_months;
}

int pw_decide(const pw_regime *r, const pw_case *c, pw_decision *out)
{
    int sev = pw_dsm5_severity(c->dsm5_criteria);
    int nsub = pw_substance_count();
    if (sev < 0 || c->substance < 0 || c->substance >= nsub ||
        (unsigned)c->event >= PW_EVENT_COUNT || (unsigned)c->amount > PW_AMOUNT_ESPECIALLY_LARGE ||
        (unsigned)c->role > PW_ROLE_PRODUCER || c->age < 0 || c->prior_drug_offences < 0 ||
        c->prior_convictions < 0)
        return PW_EINVAL;
    pw_substance_group group = pw_substance_group_of(c->substance);
    unsigned risk = c->assist_score < 0
                        ? 3u /* unknown */
                        : (unsigned)pw_assist_risk_of(c->assist_score,
                                                      pwi_substance_alcohol(c->substance));
    unsigned disp = DISP_NONE, route = ROUTE_NONE;

    out->severity = (pw_severity)sev;
    out->route = PW_ROUTE_HEALTH;
    out->disposition = PW_DISP_NO_ACTION;
    out->n_measures = 0;
    out->has_sentence = false;
    out->monitoring_required = false;
    out->monitoring_months = 0;
    out->requires_panel_signoff = false;
    out->n_trace = 0;

    for (int s = 0; s < r->n_stages; s++) {
        const stage *st = &r->stages[s];
        for (int i = st->first; i < st->first + st->count; i++) {
            const rule *ru = &r->rules[i];
            if (!matches(&ru->when, c, group, (pw_severity)sev, risk, disp, route))
                continue;
            const effect *e = &ru->then;
            if (e->set & SET_ROUTE)
                out->route = e->route, route = e->route;
            if (e->set & SET_DISPOSITION)
                out->disposition = e->disposition, disp = e->disposition;
            if (e->set & SET_SENTENCE) {
                out->has_sentence = e->has_sentence;
                if (e->has_sentence)
                    out->sentence = e->sentence;
            }
            if (e->set & SET_MONITORING) {
                out->monitoring_required = e->monitoring_required;
                out->monitoring_months = e->monitoring_months;
            }
            if (e->set & SET_SIGNOFF)
                out->requires_panel_signoff = e->signoff;
            /* compile() bounded the sum of per-stage maxima by the array. */
            assert(out->n_measures + e->n_measures <= PW_MAX_MEASURES);
            memcpy(out->measures + out->n_measures, e->measures,
                   (size_t)e->n_measures * sizeof *e->measures);
            out->n_measures += e->n_measures;
            assert(out->n_trace < PW_MAX_TRACE);
            out->trace[out->n_trace++] = (uint16_t)i;
            break; /* first match wins within a stage */
        }
    }
    /* A regime that leaves a case without a disposition has a gap in its
     * rules; report it rather than invent "no action". */
    if (disp == DISP_NONE || route == ROUTE_NONE)
        return PW_ENOTFOUND;
    return PW_OK;
}
