/*
 * The pathway engine: substances, severity instruments and regimes.
 *
 * A regime (data/regimes/NAME.yaml) is a legal and treatment system written
 * as data: rules that map a case (event, substance class, severity, record,
 * consent) to a disposition with its measures, sentence and monitoring, each
 * rule citing its source. pw_regime_load() compiles a regime once into a
 * flat structure; pw_decide() then decides a case with no allocation and no
 * parsing, fast enough for the simulator to call millions of times.
 *
 * Contract for other parts: names and meanings below are stable; the engine
 * may add fields and enum values at the end, never rename or reorder.
 */
#ifndef PATHWAYS_ENGINE_H
#define PATHWAYS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pathways/core.h"

PW_BEGIN_DECLS

/* ---- Substances (data/codes/substances.yaml) ------------------------- */
/*
 * Substance ids index the built-in code list (EMCDDA TDI 3.0 classes with
 * ICD-11 mappings). Cannabis and synthetic cannabinoids are distinct ids.
 */
int pw_substance_count(void);
/* By snake_case name ("synthetic_cannabinoids") or TDI code ("7.2"); -1 if unknown. */
int pw_substance_lookup(const char *name_or_tdi);
const char *pw_substance_name(int id);
const char *pw_substance_tdi(int id);
const char *pw_substance_icd11(int id);
/* The group a regime's rules match on. */
typedef enum {
    PW_GROUP_OPIOIDS,
    PW_GROUP_STIMULANTS,      /* cocaine, amphetamines, methamphetamine, MDMA */
    PW_GROUP_SYNTHETIC_NPS,   /* synthetic cannabinoids and synthetic cathinones */
    PW_GROUP_CANNABIS,
    PW_GROUP_SEDATIVES,
    PW_GROUP_HALLUCINOGENS,
    PW_GROUP_OTHER,
    PW_GROUP_COUNT
} pw_substance_group;
pw_substance_group pw_substance_group_of(int id);
const char *pw_substance_group_name(pw_substance_group g);
/* Version string of the code list ("tdi-3.0/2026-11"). */
const char *pw_substance_list_version(void);

/* ---- Instruments ----------------------------------------------------- */
typedef enum {
    PW_SEV_NONE,
    PW_SEV_MILD,
    PW_SEV_MODERATE,
    PW_SEV_SEVERE
} pw_severity;
const char *pw_severity_name(pw_severity s);
/* DSM-5 SUD severity from the number of criteria met (0..11): <2 none,
 * 2-3 mild, 4-5 moderate, 6+ severe. Returns -1 for a count outside 0..11. */
int pw_dsm5_severity(int criteria_met);

typedef enum { PW_RISK_LOW, PW_RISK_MODERATE, PW_RISK_HIGH } pw_assist_risk;
const char *pw_assist_risk_name(pw_assist_risk r);
/* WHO ASSIST v3.0 specific substance involvement score from the six item
 * scores Q2..Q7 (already weighted). Returns the score or -1 if any answer is
 * not a valid weight for its question. */
int pw_assist_score(const int q[6]);
/* Risk level: alcohol low 0-10, moderate 11-26, high 27+; others low 0-3,
 * moderate 4-26, high 27+. */
pw_assist_risk pw_assist_risk_of(int score, bool alcohol);

/* ---- Cases ----------------------------------------------------------- */
typedef enum {
    PW_EVENT_USE,
    PW_EVENT_POSSESSION,
    PW_EVENT_CRIME_UNDER_INFLUENCE,
    PW_EVENT_DISTRIBUTION,
    PW_EVENT_COUNT
} pw_event;
typedef enum { PW_AMOUNT_PERSONAL, PW_AMOUNT_LARGE, PW_AMOUNT_ESPECIALLY_LARGE } pw_amount;
typedef enum { PW_ROLE_NONE, PW_ROLE_COURIER, PW_ROLE_DEALER, PW_ROLE_PRODUCER } pw_role;

/* A case as the engine sees it: plain values, filled by the caller. */
typedef struct pw_case {
    int age;
    pw_event event;
    pw_amount amount;
    pw_role role;
    bool violent;
    int prior_drug_offences;
    int prior_convictions;
    bool consents_to_treatment;
    int substance;         /* primary substance id (pw_substance_lookup) */
    int dsm5_criteria;     /* 0..11 */
    bool injecting;
    int assist_score;      /* -1 when no ASSIST was given */
} pw_case;

/* ---- Decisions ------------------------------------------------------- */
typedef enum { PW_ROUTE_HEALTH, PW_ROUTE_ADMINISTRATIVE, PW_ROUTE_CRIMINAL, PW_ROUTE_DIVERSION } pw_route;
typedef enum {
    PW_DISP_NO_ACTION,
    PW_DISP_BRIEF_INTERVENTION,
    PW_DISP_OUTPATIENT_TREATMENT,
    PW_DISP_COMPULSORY_INPATIENT_TREATMENT,
    PW_DISP_DISSUASION_COMMISSION,
    PW_DISP_DRUG_COURT,
    PW_DISP_ADMINISTRATIVE_FINE,
    PW_DISP_ADMINISTRATIVE_ARREST,
    PW_DISP_TREATMENT_THEN_PRISON,
    PW_DISP_PRISON,
    PW_DISP_ALTERNATIVE_SANCTION,
    PW_DISP_COUNT
} pw_disposition;
typedef enum {
    PW_MEASURE_DIAGNOSTIC_EXAMINATION,
    PW_MEASURE_DETOXIFICATION,
    PW_MEASURE_INPATIENT_REHABILITATION,
    PW_MEASURE_OUTPATIENT_TREATMENT,
    PW_MEASURE_POST_REHABILITATION_12_STEP,
    PW_MEASURE_MONITORING,
    PW_MEASURE_DRUG_TESTING,
    PW_MEASURE_PRISON_REHABILITATION_PROGRAMME,
    PW_MEASURE_WORK_RELEASE,
    PW_MEASURE_FINE,
    PW_MEASURE_ARREST,
    PW_MEASURE_COMMUNITY_SERVICE,
    PW_MEASURE_BRIEF_INTERVENTION,
    PW_MEASURE_COUNT
} pw_measure_type;
const char *pw_route_name(pw_route r);
const char *pw_disposition_name(pw_disposition d);
const char *pw_measure_name(pw_measure_type m);

typedef struct pw_measure {
    pw_measure_type type;
    float min_months;
    float max_months;    /* 0 = open-ended / not applicable */
} pw_measure;

typedef struct pw_sentence {
    bool custodial;
    float min_years;
    float max_years;             /* 0 = uncapped (e.g. life) */
    bool pretrial_detention;
    bool educational_regime;     /* hybrid: sports, reading, study, film discussion */
    float work_release_after_years; /* 0 = none */
    bool electronic_monitoring;
    float parole_from_years;     /* 0 = no parole window */
    float parole_to_years;
    const char *parole_conditions; /* static text in the regime, or NULL */
    float fine_mrp;              /* fines in monthly calculation indices */
    float arrest_days;
    float community_service_hours;
    /* Appended: fines in another unit (RUB, EUR, ...); fine_mrp is also set
     * when the unit is MRP. */
    float fine_min;
    float fine_max;
    const char *fine_unit;       /* static text in the regime, or NULL */
    const char *basis;           /* the article the terms come from, or NULL */
    /* Appended: the sentence is held over and imposed only if the
     * diversion it goes with fails (a drug court the participant does not
     * graduate from); `deferred: true` in the regime. */
    bool deferred;
} pw_sentence;

#define PW_MAX_MEASURES 8
#define PW_MAX_TRACE 16

typedef struct pw_decision {
    pw_severity severity;
    pw_route route;
    pw_disposition disposition;
    int n_measures;
    pw_measure measures[PW_MAX_MEASURES];
    bool has_sentence;
    pw_sentence sentence;
    bool monitoring_required;
    float monitoring_months;
    bool requires_panel_signoff;
    int n_trace;
    uint16_t trace[PW_MAX_TRACE]; /* rule indices, in firing order */
} pw_decision;

/* The first measure of `type` in a decision, or NULL; and its length in
 * months as the simulator and the registry's plans read it: the minimum,
 * or the maximum where no minimum is set (0 if there is no such measure). */
const pw_measure *pw_decision_measure(const pw_decision *d, pw_measure_type type);
double pw_decision_months(const pw_decision *d, pw_measure_type type);

/* ---- Regimes --------------------------------------------------------- */
typedef struct pw_regime pw_regime;

/* Loads and compiles a regime by built-in name ("hybrid") or file path.
 * Errors name the file, line and key. */
int pw_regime_load(const char *name_or_path, pw_regime **out, pw_error *err);
void pw_regime_free(pw_regime *r);
const char *pw_regime_name(const pw_regime *r);
const char *pw_regime_summary(const pw_regime *r);

/* Decides a case. Never allocates; thread-safe on a shared regime.
 * Returns PW_OK, or PW_EINVAL for a case the regime cannot decide
 * (substance id or criteria out of range). */
int pw_decide(const pw_regime *r, const pw_case *c, pw_decision *out);

/* Rule metadata for traces. */
int pw_regime_rule_count(const pw_regime *r);
const char *pw_rule_id(const pw_regime *r, int rule);
const char *pw_rule_why(const pw_regime *r, int rule);
const char *pw_rule_source(const pw_regime *r, int rule);

/* The JSON form of cases and decisions with jansson types (for pathways'
 * own command line and registry) is in src/engine/engine_json.h; programs
 * built against the library use pw_assess_json below. */

/* ---- Additions (appended; see the contract above) -------------------- */
/* pw_decide() also returns PW_ENOTFOUND when no rule of the regime gives
 * the case a route and a disposition: a gap in the regime's rules (the
 * tests check that the built-in regimes have none). */
/*
 * The JSON Lines fast path without jansson on the way in: pw_case_scan()
 * reads a case in its common form (ASCII strings without escapes, integers,
 * the documented keys) straight into *c. It reports no errors: for any line
 * it does not accept, valid or not, it returns PW_EPARSE and the caller
 * parses the line with jansson and pw_case_from_json(), which decides the
 * same way and names the bad field. `id` points into `text`.
 */
typedef struct pw_case_id {
    const char *text; /* NULL when the case has no id */
    size_t len;
    bool is_string;   /* a string (text without quotes) or an integer */
} pw_case_id;
int pw_case_scan(const char *text, size_t len, pw_case *c, pw_case_id *id);
/* pw_decision_append_json with the id as scanned. */
int pw_decision_append_json_scanned(const pw_regime *r, const pw_case *c,
                                    const pw_decision *d, const pw_case_id *id,
                                    char **buf, size_t *len, size_t *cap);
/* Writes the decision as readable text (`pathways assess --explain`). */
void pw_decision_explain(const pw_regime *r, const pw_case *c,
                         const pw_decision *d, const char *id, FILE *f);
/* Rule metadata: the stage a rule belongs to ("panel", "offence", ...). */
const char *pw_rule_stage(const pw_regime *r, int rule);
/* The regime's longer description and where it was loaded from. */
const char *pw_regime_title(const pw_regime *r);
const char *pw_regime_origin(const pw_regime *r);
/* DSM-5 criteria given as a list of criterion numbers (1..11, no repeats):
 * returns the count, or -1 if a number is out of range or repeated. */
int pw_dsm5_count_list(const int *criteria, int n);
/*
 * Decides one case given as JSON text (len bytes, NUL not needed): an
 * object in the form `pathways assess` reads (docs/engine.md), with an
 * optional "id". On PW_OK *out is the decision as compact JSON, the same
 * bytes `pathways assess` writes for that case, malloc'd and NUL-terminated,
 * for the caller to release with pw_free (*out_len, if not NULL, is its
 * length). On failure *out is NULL and `err` names `name` (e.g. "<case>"),
 * the line and the field at fault: PW_EPARSE (not JSON, or not an object),
 * PW_EINVAL (a field's value), PW_ENOTFOUND (a gap in the regime's rules),
 * PW_ENOMEM. Thread-safe on a shared regime.
 */
int pw_assess_json(const pw_regime *r, const char *json, size_t len, const char *name,
                   char **out, size_t *out_len, pw_error *err);

PW_END_DECLS

#endif /* PATHWAYS_ENGINE_H */
