/*
 * dict.c: the data dictionary (dict.h): every record type and field the
 * import accepts, and the value lists the importer checks against.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pathways/core.h"
#include "pathways/engine.h"
#include "pathways/registry.h"
#include "dict.h"

/* ---- Value lists (docs/registry.md, "Import") --------------------------- */

const char *const pwi_v_sex[] = {"male", "female", "other", "unknown", NULL};
const char *const pwi_v_legal_basis[] = {"voluntary", "compulsory", "court_ordered", NULL};
const char *const pwi_v_referral_source[] = {"police", "court", "self", "family", "health",
                                             NULL};
/* TDI 3.0 treatment-entry items (docs/sources.md R2 and R-M). */
const char *const pwi_v_route[] = {"inject", "smoke", "eat_drink", "sniff", "other", NULL};
const char *const pwi_v_frequency[] = {"daily", "4_6_days_week", "2_3_days_week",
                                       "weekly_or_less", "not_past_30_days", NULL};
const char *const pwi_v_injecting[] = {"never", "past", "current", NULL};
const char *const pwi_v_decision[] = {"accept", "modify", "reject", NULL};
const char *const pwi_v_stage[] = {"start", "review", "exit", "post_exit", NULL};
const char *const pwi_v_result[] = {"positive", "negative", "invalid", "missed", NULL};
const char *const pwi_v_adjudication[] = {"alleged", "excused", "confirmed", NULL};
/* TEDS-D REASON codes with NDTMS's split of "completed" (docs/sources.md
 * R1.4 and R3). */
const char *const pwi_v_discharge_reason[] = {"completed_drug_free", "completed",
                                              "transferred", "dropped_out", "terminated",
                                              "incarcerated", "died", "other", NULL};
const char *const pwi_v_legal_completion[] = {"satisfied", "not_satisfied",
                                              "not_applicable", NULL};
const char *const pwi_v_followup_status[] = {"abstinent", "using", NULL};
/* Consent scopes (docs/registry.md, "Consent"): what each one allows is
 * enforced in consent.c. */
const char *const pwi_v_consent_scope[] = {"court", "research", NULL};
const char *const pwi_v_consent_status[] = {"given", "withdrawn", NULL};
/* The record types an amendment may correct (those with amendable fields). */
const char *const pwi_v_amend_record[] = {"person", "episode", "review", "test",
                                          "violation", "discharge", "relapse",
                                          "followup", "death", "imprisonment", NULL};

#define R(n) .required = (n)
#define RANGE(a, b) .lo = (a), .hi = (b)
/* The field that ties a record to the person or episode it belongs to,
 * written by whoever may write the record. */
#define PERSON_REF(w) {"person", PWI_F_REF, R(1), .writer = (w), .help = "ref of the person"}
#define EPISODE_REF(w) {"episode", PWI_F_REF, R(1), .writer = (w), .help = "ref of the episode"}

static const pwi_field f_person[] = {
    {"ref", PWI_F_TEXT, R(1), .writer = PWI_OBJ_IDENTITY, .help = "the person's key in this import and later records"},
    {"national_id", PWI_F_TEXT, R(1), .writer = PWI_OBJ_IDENTITY, .help = "national ID (IIN); stored encrypted, keyed pseudonym"},
    {"name", PWI_F_TEXT, R(1), .writer = PWI_OBJ_IDENTITY, .help = "full name; stored encrypted"},
    {"birth_date", PWI_F_DATE, R(1), .writer = PWI_OBJ_IDENTITY, .column = "birth_day", .help = "date of birth"},
    {"sex", PWI_F_ENUM, R(1), .values = pwi_v_sex, .writer = PWI_OBJ_IDENTITY, .column = "sex", .help = "sex"},
    {"contact", PWI_F_TEXT, R(0), .writer = PWI_OBJ_IDENTITY, .help = "contact details; stored encrypted"},
};

static const pwi_field f_episode[] = {
    {"ref", PWI_F_TEXT, R(1), .writer = PWI_OBJ_EPISODE, .help = "the episode's key"},
    PERSON_REF(PWI_OBJ_EPISODE),
    {"programme", PWI_F_TEXT, R(1), .writer = PWI_OBJ_EPISODE, .column = "programme", .help = "treatment programme (a report group)"},
    {"regime", PWI_F_REGIME, R(1), .writer = PWI_OBJ_EPISODE, .help = "a built-in regime (`pathways regimes`)"},
    {"legal_basis", PWI_F_ENUM, R(1), .values = pwi_v_legal_basis, .writer = PWI_OBJ_EPISODE, .help = "legal basis of the placement"},
    {"start", PWI_F_DATE, R(1), .writer = PWI_OBJ_EPISODE, .help = "referral / start date; not before birth"},
    {"referral_source", PWI_F_ENUM, R(0), .values = pwi_v_referral_source, .writer = PWI_OBJ_EPISODE, .column = "referral_source", .help = "who referred"},
    {"order_ref", PWI_F_TEXT, R(0), .writer = PWI_OBJ_EPISODE, .column = "order_ref", .help = "court order reference (required for court_ordered)"},
    {"order_expiry", PWI_F_DATE, R(0), .writer = PWI_OBJ_EPISODE, .column = "order_expiry_day", .help = "court order expiry; not before the start (may lie ahead)"},
    {"substance", PWI_F_SUBSTANCE, R(0), .writer = PWI_OBJ_EPISODE, .column = "substance", .help = "primary substance; stored under its code-list name"},
    {"case", PWI_F_OBJECT, R(0), .writer = PWI_OBJ_CASE, .help = "the case for the pathway engine (as for `pathways assess`)"},
    {"tests_per_week", PWI_F_NUMBER, R(0), RANGE(0, 7), .writer = PWI_OBJ_EPISODE, .help = "random drug tests per week"},
    {"previously_treated", PWI_F_BOOL, R(0), RANGE(0, 1), .writer = PWI_OBJ_EPISODE, .column = "previously_treated", .help = "TDI: treated before"},
    {"route", PWI_F_ENUM, R(0), .values = pwi_v_route, .writer = PWI_OBJ_EPISODE, .column = "route", .help = "TDI: usual route"},
    {"frequency", PWI_F_ENUM, R(0), .values = pwi_v_frequency, .writer = PWI_OBJ_EPISODE, .column = "frequency", .help = "TDI: frequency of use"},
    {"age_first_use", PWI_F_INT, R(0), RANGE(1, 99), .writer = PWI_OBJ_EPISODE, .column = "age_first_use", .help = "TDI: age at first use"},
    {"injecting", PWI_F_ENUM, R(0), .values = pwi_v_injecting, .writer = PWI_OBJ_EPISODE, .column = "injecting_status", .help = "TDI: injecting status"},
    {"ost", PWI_F_BOOL, R(0), RANGE(0, 1), .writer = PWI_OBJ_EPISODE, .column = "ost", .help = "opioid substitution treatment"},
    {"review_every_days", PWI_F_INT, R(0), RANGE(14, 365), .writer = PWI_OBJ_EPISODE, .help = "review interval (default 91)"},
    {"review_window_days", PWI_F_INT, R(0), RANGE(0, 60), .writer = PWI_OBJ_EPISODE, .help = "review window (default 14)"},
    /* Not amendable: the site decides who sees the episode (scope.h), so a
     * correction must not move an episode out of a site user's reach. */
    {"site", PWI_F_TEXT, R(0), .writer = PWI_OBJ_EPISODE, .help = "treatment centre (1-60 letters, digits, '-', '_', '.'); a site user's own by default"},
    {"oblast", PWI_F_TEXT, R(0), .writer = PWI_OBJ_EPISODE, .help = "oblast of the treatment centre"},
};

static const pwi_field f_panel[] = {
    EPISODE_REF(PWI_OBJ_PANEL),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_PANEL, .help = "date of the decision"},
    {"decision", PWI_F_ENUM, R(1), .values = pwi_v_decision, .writer = PWI_OBJ_PANEL, .help = "the panel's decision"},
    {"members", PWI_F_LIST, R(1), .writer = PWI_OBJ_PANEL, .help = "members who signed (CSV: separated by ';')"},
    {"dissent", PWI_F_LIST, R(0), .writer = PWI_OBJ_PANEL, .help = "dissenting members (CSV: separated by ';')"},
    {"programme", PWI_F_TEXT, R(0), .writer = PWI_OBJ_PANEL, .help = "the modified programme (required for modify)"},
    {"reason", PWI_F_TEXT, R(0), .writer = PWI_OBJ_PANEL, .help = "the panel's reason"},
};

#define TOP(n, hi, col, h) {n, (hi) == 1 ? PWI_F_BOOL : PWI_F_INT, R(0), RANGE(0, hi), .writer = PWI_OBJ_REVIEW, .column = col, .help = h}
static const pwi_field f_review[] = {
    EPISODE_REF(PWI_OBJ_REVIEW),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_REVIEW, .column = "review_day", .help = "date of the review; not before the episode's start"},
    {"stage", PWI_F_ENUM, R(1), .values = pwi_v_stage, .writer = PWI_OBJ_REVIEW, .column = "stage", .help = "TOP stage"},
    {"notes", PWI_F_NOTES, R(0), .writer = PWI_OBJ_NOTES, .help = "clinical notes; stored encrypted"},
    TOP("alcohol_days", 28, "alcohol_days", "TOP: days of alcohol use in the last 28"),
    TOP("opioid_days", 28, "opioid_days", "TOP: days of opioid use in the last 28"),
    TOP("crack_days", 28, "crack_days", "TOP: days of crack use in the last 28"),
    TOP("cocaine_days", 28, "cocaine_days", "TOP: days of cocaine use in the last 28"),
    TOP("amphetamine_days", 28, "amphetamine_days", "TOP: days of amphetamine use in the last 28"),
    TOP("cannabis_days", 28, "cannabis_days", "TOP: days of cannabis use in the last 28"),
    TOP("synthetic_days", 28, "synthetic_days", "TOP: days of synthetic drug use in the last 28"),
    TOP("other_days", 28, "other_days", "TOP: days of other drug use in the last 28"),
    TOP("injecting_days", 28, "injecting_days", "TOP: days injected in the last 28"),
    TOP("sharing", 1, "sharing", "TOP: shared injecting equipment"),
    TOP("shoplifting_days", 28, "shoplifting_days", "TOP: days of shoplifting in the last 28"),
    TOP("selling_days", 28, "selling_days", "TOP: days of selling drugs in the last 28"),
    TOP("theft_days", 28, "theft_days", "TOP: days of other theft in the last 28"),
    TOP("assault_days", 28, "assault_days", "TOP: days of assault in the last 28"),
    TOP("psych_health", 20, "psych_health", "TOP: psychological health, 0-20"),
    TOP("phys_health", 20, "phys_health", "TOP: physical health, 0-20"),
    TOP("quality_of_life", 20, "quality_of_life", "TOP: quality of life, 0-20"),
    TOP("work_days", 28, "work_days", "TOP: days worked in the last 28"),
    TOP("education_days", 28, "education_days", "TOP: days in education in the last 28"),
    TOP("housing_acute", 1, "housing_acute", "TOP: acute housing problem"),
    TOP("housing_risk", 1, "housing_risk", "TOP: at risk of eviction"),
};

static const pwi_field f_test[] = {
    EPISODE_REF(PWI_OBJ_TEST),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_TEST, .column = "test_day", .help = "date of the test; not before the episode's start"},
    {"analyte", PWI_F_ANALYTE, R(1), .writer = PWI_OBJ_TEST, .column = "analyte", .help = "what was tested for (data/codes/analytes.yaml)"},
    {"result", PWI_F_ENUM, R(1), .values = pwi_v_result, .writer = PWI_OBJ_TEST, .column = "result", .help = "result"},
};

static const pwi_field f_violation[] = {
    EPISODE_REF(PWI_OBJ_COMPLIANCE),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_COMPLIANCE, .column = "violation_day", .help = "date"},
    {"kind", PWI_F_TEXT, R(1), .writer = PWI_OBJ_COMPLIANCE, .column = "kind", .help = "what was alleged"},
    {"adjudication", PWI_F_ENUM, R(0), .values = pwi_v_adjudication, .writer = PWI_OBJ_COMPLIANCE, .column = "adjudication", .help = "alleged (default), excused or confirmed"},
    {"response", PWI_F_TEXT, R(0), .writer = PWI_OBJ_COMPLIANCE, .column = "response", .help = "the response (only once confirmed)"},
};

static const pwi_field f_discharge[] = {
    EPISODE_REF(PWI_OBJ_DISCHARGE),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_DISCHARGE, .help = "date of discharge"},
    {"reason", PWI_F_ENUM, R(1), .values = pwi_v_discharge_reason, .writer = PWI_OBJ_DISCHARGE, .column = "discharge_reason", .help = "clinical reason"},
    {"legal_completion", PWI_F_ENUM, R(0), .values = pwi_v_legal_completion, .writer = PWI_OBJ_COMPLIANCE, .column = "legal_completion", .help = "whether the court order was satisfied"},
};

static const pwi_field f_relapse[] = {
    EPISODE_REF(PWI_OBJ_OUTCOME),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_OUTCOME, .column = "relapse_day", .help = "date of the relapse"},
};

static const pwi_field f_followup[] = {
    EPISODE_REF(PWI_OBJ_OUTCOME),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_OUTCOME, .column = "followup_day", .help = "date of the follow-up"},
    {"status", PWI_F_ENUM, R(1), .values = pwi_v_followup_status, .writer = PWI_OBJ_OUTCOME, .column = "status", .help = "abstinent or using"},
};

static const pwi_field f_death[] = {
    PERSON_REF(PWI_OBJ_OUTCOME),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_OUTCOME, .column = "death_day", .help = "date of death; not before birth"},
    {"cause", PWI_F_TEXT, R(0), .writer = PWI_OBJ_OUTCOME, .column = "cause", .help = "cause"},
};

static const pwi_field f_imprisonment[] = {
    PERSON_REF(PWI_OBJ_OUTCOME),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_OUTCOME, .column = "start_day", .help = "first day in prison; not before birth"},
    {"end", PWI_F_DATE, R(0), .writer = PWI_OBJ_OUTCOME, .column = "end_day", .help = "release"},
};

static const pwi_field f_consent[] = {
    PERSON_REF(PWI_OBJ_IDENTITY),
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_IDENTITY, .help = "date given or withdrawn; not before birth"},
    {"scope", PWI_F_ENUM, R(1), .values = pwi_v_consent_scope, .writer = PWI_OBJ_IDENTITY, .help = "court: disclosure to the court liaison; research: person-level rows for the analyst and the TDI export"},
    {"status", PWI_F_ENUM, R(1), .values = pwi_v_consent_status, .writer = PWI_OBJ_IDENTITY, .help = "given or withdrawn (the latest by date counts)"},
};

static const pwi_field f_amendment[] = {
    {"record", PWI_F_ENUM, R(1), .values = pwi_v_amend_record, .writer = PWI_OBJ_EPISODE, .help = "the type of the record corrected"},
    {"id", PWI_F_ROWREF, R(1), .writer = PWI_OBJ_EPISODE, .help = "its id (person and episode: id or ref; discharge: the episode's)"},
    {"field", PWI_F_TEXT, R(1), .writer = PWI_OBJ_EPISODE, .help = "the field corrected (one with a column in this dictionary)"},
    {"value", PWI_F_TEXT, R(0), .writer = PWI_OBJ_EPISODE, .help = "the new value, checked as that field (empty clears an optional one)"},
    {"reason", PWI_F_TEXT, R(1), .writer = PWI_OBJ_EPISODE, .help = "why; kept with the earlier value"},
    {"date", PWI_F_DATE, R(1), .writer = PWI_OBJ_EPISODE, .help = "date of the correction"},
};

#define N(a) (int)(sizeof a / sizeof *a)
static const pwi_rectype types[] = {
    {"person", "person", PWI_OBJ_IDENTITY, f_person, N(f_person)},
    {"episode", "episode", PWI_OBJ_EPISODE, f_episode, N(f_episode)},
    {"panel", "panel_decision", PWI_OBJ_PANEL, f_panel, N(f_panel)},
    {"review", "review", PWI_OBJ_REVIEW, f_review, N(f_review)},
    {"test", "drug_test", PWI_OBJ_TEST, f_test, N(f_test)},
    {"violation", "violation", PWI_OBJ_COMPLIANCE, f_violation, N(f_violation)},
    {"discharge", "episode", PWI_OBJ_DISCHARGE, f_discharge, N(f_discharge)},
    {"relapse", "relapse", PWI_OBJ_OUTCOME, f_relapse, N(f_relapse)},
    {"followup", "followup", PWI_OBJ_OUTCOME, f_followup, N(f_followup)},
    {"death", "death", PWI_OBJ_OUTCOME, f_death, N(f_death)},
    {"imprisonment", "imprisonment", PWI_OBJ_OUTCOME, f_imprisonment, N(f_imprisonment)},
    {"consent", "consent", PWI_OBJ_IDENTITY, f_consent, N(f_consent)},
    {"amendment", "amendment", PWI_OBJ_EPISODE, f_amendment, N(f_amendment)},
};

int pwi_dict_count(void)
{
    return N(types);
}

const pwi_rectype *pwi_dict_at(int i)
{
    return i >= 0 && i < N(types) ? &types[i] : NULL;
}

const pwi_rectype *pwi_dict_find(const char *type)
{
    for (int i = 0; type && i < N(types); i++)
        if (strcmp(types[i].name, type) == 0)
            return &types[i];
    return NULL;
}

const pwi_field *pwi_dict_field(const pwi_rectype *rt, const char *name)
{
    /* Called for every key of every imported record: the first byte is
     * compared inline before strcmp (most fields differ there). */
    for (int i = 0; rt && name && i < rt->nfields; i++)
        if (rt->fields[i].name[0] == name[0] && strcmp(rt->fields[i].name, name) == 0)
            return &rt->fields[i];
    return NULL;
}

const char *pwi_dict_kind_name(pwi_field_kind k)
{
    static const char *const names[] = {"text", "notes", "date", "integer", "number",
                                        "boolean", "choice", "substance", "analyte",
                                        "regime", "ref", "list", "object", "id"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* ---- Analytes (data/codes/analytes.yaml, loaded once) -------------------- */

#define MAX_ANALYTES 64
#define MAX_ALIASES 256

static struct {
    pw_doc *doc;
    const char *name[MAX_ANALYTES + 1];
    int n;
    const char *alias[MAX_ALIASES];
    int alias_of[MAX_ALIASES];
    int nalias;
} an;
static pthread_once_t an_once = PTHREAD_ONCE_INIT;

static int load_analytes(pw_error *err)
{
    static const char *const top[] = {"version", "analytes", NULL};
    static const char *const keys[] = {"name", "label", "aliases", NULL};
    size_t len;
    const char *text = pw_data_get("codes/analytes.yaml", &len);
    if (!text)
        return pw_error_set(err, PW_ENOTFOUND, "codes/analytes.yaml", 0, NULL,
                            "the analyte list is not built in");
    int rc = pw_doc_parse("<built-in>/codes/analytes.yaml", text, len, &an.doc, err);
    if (rc)
        return rc;
    const pw_node *root = pw_doc_root(an.doc);
    if ((rc = pw_node_check_keys(an.doc, root, top, "analyte list", err)))
        return rc;
    const pw_node *seq = pw_node_get(root, "analytes");
    if (!seq || pw_node_kind_of(seq) != PW_NODE_SEQ || pw_node_len(seq) == 0 ||
        pw_node_len(seq) > MAX_ANALYTES)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(an.doc), pw_node_line(root),
                            "analytes", "expected a list of 1 to %d analytes", MAX_ANALYTES);
    for (size_t i = 0; i < pw_node_len(seq); i++) {
        const pw_node *e = pw_node_at(seq, i);
        const char *name;
        if ((rc = pw_node_check_keys(an.doc, e, keys, "analyte", err)) ||
            (rc = pw_node_text(an.doc, e, "name", 1, NULL, &name, err)))
            return rc;
        an.name[an.n++] = name;
        const pw_node *al = pw_node_get(e, "aliases");
        for (size_t j = 0; al && j < pw_node_len(al) && an.nalias < MAX_ALIASES; j++) {
            const char *a = pw_node_str(pw_node_at(al, j));
            if (!a)
                return pw_error_set(err, PW_EINVAL, pw_doc_name(an.doc),
                                    pw_node_line(al), "aliases", "expected names");
            an.alias[an.nalias] = a;
            an.alias_of[an.nalias++] = an.n - 1;
        }
    }
    an.name[an.n] = NULL;
    return PW_OK;
}

static void analytes_once(void)
{
    pw_error e;
    pw_error_clear(&e);
    if (load_analytes(&e) != PW_OK) {
        /* Built into the program: a broken build, not bad input. */
        pw_error_print(&e, stderr, "pathways");
        abort();
    }
}

const char *pwi_analyte_canonical(const char *name)
{
    pthread_once(&an_once, analytes_once);
    for (int i = 0; name && i < an.n; i++)
        if (strcasecmp(an.name[i], name) == 0)
            return an.name[i];
    for (int i = 0; name && i < an.nalias; i++)
        if (strcasecmp(an.alias[i], name) == 0)
            return an.name[an.alias_of[i]];
    return NULL;
}

const char *const *pwi_analyte_names(void)
{
    pthread_once(&an_once, analytes_once);
    return an.name;
}

/* ---- Printing ------------------------------------------------------------ */

/* The allowed values of a field as a JSON array (NULL when free). */
static json_t *allowed(const pwi_field *f)
{
    json_t *a = NULL;
    if (f->kind == PWI_F_ENUM) {
        a = json_array();
        for (int i = 0; f->values[i]; i++)
            json_array_append_new(a, json_string(f->values[i]));
    } else if (f->kind == PWI_F_ANALYTE) {
        a = json_array();
        for (const char *const *p = pwi_analyte_names(); *p; p++)
            json_array_append_new(a, json_string(*p));
    } else if (f->kind == PWI_F_SUBSTANCE) {
        a = json_array();
        for (int i = 0; i < pw_substance_count(); i++)
            json_array_append_new(a, json_string(pw_substance_name(i)));
    } else if (f->kind == PWI_F_REGIME) {
        a = json_array();
        const char **names;
        size_t n = pw_data_names("regimes", &names);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_string(names[i]));
        free(names);
    }
    return a;
}

/* The roles that may write a field: the matrix's, not a copy of it. */
static json_t *writers(pwi_object o)
{
    json_t *a = json_array();
    for (int r = 0; r < PWI_ROLE_COUNT; r++)
        if (pwi_allowed((pwi_role)r, PWI_WRITE, o))
            json_array_append_new(a, json_string(pwi_role_name((pwi_role)r)));
    return a;
}

static json_t *dict_json(void)
{
    json_t *doc = json_object(), *recs = json_array();
    json_object_set_new(doc, "version", json_integer(1));
    for (int i = 0; i < N(types); i++) {
        const pwi_rectype *rt = &types[i];
        json_t *r = json_object(), *fs = json_array();
        json_object_set_new(r, "type", json_string(rt->name));
        json_object_set_new(r, "writer", json_string(pwi_object_name(rt->writer)));
        for (int j = 0; j < rt->nfields; j++) {
            const pwi_field *f = &rt->fields[j];
            json_t *o = json_object();
            json_object_set_new(o, "field", json_string(f->name));
            json_object_set_new(o, "type", json_string(pwi_dict_kind_name(f->kind)));
            json_object_set_new(o, "required", json_boolean(f->required));
            if (f->kind == PWI_F_INT || f->kind == PWI_F_NUMBER) {
                json_object_set_new(o, "min", json_real(f->lo));
                json_object_set_new(o, "max", json_real(f->hi));
            }
            json_t *a = allowed(f);
            if (a)
                json_object_set_new(o, "allowed", a);
            json_object_set_new(o, "writer", json_string(pwi_object_name(f->writer)));
            json_object_set_new(o, "roles", writers(f->writer));
            json_object_set_new(o, "amendable", json_boolean(f->column != NULL));
            json_object_set_new(o, "help", json_string(f->help));
            json_array_append_new(fs, o);
        }
        json_object_set_new(r, "fields", fs);
        json_array_append_new(recs, r);
    }
    json_object_set_new(doc, "records", recs);
    return doc;
}

/* One CSV cell, quoted as RFC 4180 asks when it must be. */
static void csv_cell(FILE *out, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputs(last ? "\r\n" : ",", out);
}

static void join(json_t *a, const char *sep, char *buf, size_t len)
{
    size_t i;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(a, i, v) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", i ? sep : "", json_string_value(v));
    }
}

int pwi_dict_print(FILE *out, const char *format)
{
    json_t *doc = dict_json();
    if (!doc)
        return PW_ENOMEM;
    int rc = PW_OK;
    if (!format || strcmp(format, "json") == 0) {
        if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
            rc = PW_EIO;
        fputc('\n', out);
    } else {
        assert(strcmp(format, "csv") == 0);
        static const char *const head[] = {"record", "field", "type", "required", "min",
                                           "max", "allowed", "writer", "roles",
                                           "amendable", "help"};
        for (int i = 0; i < 11; i++)
            csv_cell(out, head[i], i == 10);
        size_t i, j;
        json_t *r, *f;
        json_array_foreach(json_object_get(doc, "records"), i, r) {
            json_array_foreach(json_object_get(r, "fields"), j, f) {
                char allowed_s[4096], roles[512], lo[32] = "", hi[32] = "";
                json_t *a = json_object_get(f, "allowed");
                if (a)
                    join(a, ";", allowed_s, sizeof allowed_s);
                else
                    allowed_s[0] = '\0';
                join(json_object_get(f, "roles"), ";", roles, sizeof roles);
                if (json_object_get(f, "min")) {
                    snprintf(lo, sizeof lo, "%g", json_real_value(json_object_get(f, "min")));
                    snprintf(hi, sizeof hi, "%g", json_real_value(json_object_get(f, "max")));
                }
                csv_cell(out, json_string_value(json_object_get(r, "type")), 0);
                csv_cell(out, json_string_value(json_object_get(f, "field")), 0);
                csv_cell(out, json_string_value(json_object_get(f, "type")), 0);
                csv_cell(out, json_is_true(json_object_get(f, "required")) ? "yes" : "no", 0);
                csv_cell(out, lo, 0);
                csv_cell(out, hi, 0);
                csv_cell(out, allowed_s, 0);
                csv_cell(out, json_string_value(json_object_get(f, "writer")), 0);
                csv_cell(out, roles, 0);
                csv_cell(out, json_is_true(json_object_get(f, "amendable")) ? "yes" : "no", 0);
                csv_cell(out, json_string_value(json_object_get(f, "help")), 1);
            }
        }
    }
    json_decref(doc);
    if (rc == PW_OK && ferror(out))
        rc = PW_EIO;
    return rc;
}

/* ---- Error codes ----------------------------------------------------------- */

/*
 * A stable machine code for an error, so that a front-end can say it in
 * the user's language (with the field's own label) instead of showing the
 * English message. The importer's messages come from a few getters
 * (import_fields.c) and checks, so their wording is stable; this maps each
 * to its code. The test `test_registry_entry_*` checks every code.
 */
const char *pwi_error_code(const pw_error *e)
{
    static const struct {
        const char *phrase, *code;
    } map[] = {
        {"is required", "required"},
        {"is not one of", "not_in_list"},
        {"is not a valid ISO 8601 date", "bad_date"},
        {"is in the future", "future_date"},
        {"is before the person's birth", "before_birth"},
        {"is before the episode's start", "before_start"},
        {"before the episode's start or the person's birth", "before_start"},
        {"is before the start", "before_start"},
        {"must be between", "out_of_range"},
        {"must be a number from", "out_of_range"},
        {"must be an integer", "not_integer"},
        {"must be true or false", "not_boolean"},
        {"must be 1 to", "bad_length"},
        {"unknown field", "unknown_field"},
        {"unknown substance", "unknown_substance"},
        {"unknown analyte", "unknown_analyte"},
        {"is not a regime", "unknown_regime"},
        {"unknown ref", "unknown_ref"},
        {"unknown episode ref", "unknown_ref"},
        {"unknown person", "unknown_ref"},
        {"no stored", "unknown_ref"},
        {"cannot be amended", "not_amendable"},
        {"is the stored value already", "unchanged"},
        {"duplicate", "duplicate"},
        {"exists already", "duplicate"},
        {"has this value already", "duplicate"},
        {"withdrawn consent", "consent_withdrawn"},
    };
    switch (e->status) {
    case PW_EPERM:
        return strstr(e->msg, "withdrawn consent") ? "consent_withdrawn" : "forbidden";
    case PW_EAUTH:
        return "unauthorized";
    case PW_ENOTFOUND:
    case PW_EINVAL:
    case PW_ECONFLICT:
    case PW_EPARSE:
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (strstr(e->msg, map[i].phrase))
                return map[i].code;
        return e->status == PW_EPARSE ? "parse" : e->status == PW_ECONFLICT ? "conflict"
               : e->status == PW_ENOTFOUND                                 ? "not_found"
                                                                           : "invalid";
    default:
        return "server";
    }
}

int pwi_dict_template(FILE *out, const char *type)
{
    const pwi_rectype *rt = pwi_dict_find(type);
    if (!rt)
        return PW_ENOTFOUND;
    /* A byte-order mark, so that Excel reads the file as UTF-8 (Cyrillic
     * names), and the header row: one column per field. */
    fputs("\xEF\xBB\xBF", out);
    for (int i = 0; i < rt->nfields; i++)
        csv_cell(out, rt->fields[i].name, i == rt->nfields - 1);
    return ferror(out) ? PW_EIO : PW_OK;
}

int pw_registry_dictionary(FILE *out, const char *format, const char *template_type,
                           pw_error *err)
{
    if (template_type) {
        int rc = pwi_dict_template(out, template_type);
        if (rc == PW_ENOTFOUND) {
            char list[400] = "";
            for (int i = 0; i < N(types); i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, types[i].name, sizeof list - strlen(list) - 1);
            }
            return pw_error_set(err, PW_EINVAL, NULL, 0, "template",
                                "unknown record type '%.40s' (%s)", template_type, list);
        }
        return rc == PW_OK ? PW_OK : pw_error_set(err, rc, NULL, 0, NULL, "cannot write");
    }
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "format", "must be json or csv");
    int rc = pwi_dict_print(out, format ? format : "json");
    return rc == PW_OK ? PW_OK : pw_error_set(err, rc, NULL, 0, NULL, "cannot write");
}
