/*
 * Keyword tables for the engine's enums. The same words are used in regime
 * files, in case JSON and in decision JSON, so each table is the single
 * place a name is spelled. Order must follow the enums in engine.h.
 */
#include <string.h>

#include "engine_internal.h"

const char *const pwi_event_names[] = {"use", "possession", "crime_under_influence",
                                       "distribution", NULL};
const char *const pwi_amount_names[] = {"personal", "large", "especially_large", NULL};
const char *const pwi_role_names[] = {"none", "courier", "dealer", "producer", NULL};
const char *const pwi_route_names[] = {"health", "administrative", "criminal", "diversion",
                                       NULL};
const char *const pwi_disposition_names[] = {
    "no_action",          "brief_intervention",    "outpatient_treatment",
    "compulsory_inpatient_treatment", "dissuasion_commission", "drug_court",
    "administrative_fine", "administrative_arrest", "treatment_then_prison",
    "prison",             "alternative_sanction",  NULL};
const char *const pwi_measure_names[] = {
    "diagnostic_examination", "detoxification", "inpatient_rehabilitation",
    "outpatient_treatment", "post_rehabilitation_12_step", "monitoring",
    "drug_testing", "prison_rehabilitation_programme", "work_release", "fine",
    "arrest", "community_service", "brief_intervention", NULL};
const char *const pwi_severity_names[] = {"none", "mild", "moderate", "severe", NULL};
const char *const pwi_risk_names[] = {"low", "moderate", "high", NULL};
const char *const pwi_group_names[] = {"opioids", "stimulants", "synthetic_nps", "cannabis",
                                       "sedatives", "hallucinogens", "other", NULL};

/* The tables must cover every enum value; a new enum value without a name
 * would print as NULL, so catch it at compile time. */
_Static_assert(sizeof pwi_event_names / sizeof *pwi_event_names == PW_EVENT_COUNT + 1,
               "event names");
_Static_assert(sizeof pwi_disposition_names / sizeof *pwi_disposition_names ==
                   PW_DISP_COUNT + 1,
               "disposition names");
_Static_assert(sizeof pwi_measure_names / sizeof *pwi_measure_names == PW_MEASURE_COUNT + 1,
               "measure names");
_Static_assert(sizeof pwi_group_names / sizeof *pwi_group_names == PW_GROUP_COUNT + 1,
               "group names");

int pwi_keyword(const char *const *table, const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; table[i]; i++)
        if (strcmp(table[i], s) == 0)
            return i;
    return -1;
}

/* Out-of-range values get "?" rather than a crash: these feed messages. */
#define NAME_OF(table, count, v) ((unsigned)(v) < (unsigned)(count) ? (table)[v] : "?")

const char *pw_route_name(pw_route r) { return NAME_OF(pwi_route_names, 4, r); }
const char *pw_disposition_name(pw_disposition d)
{
    return NAME_OF(pwi_disposition_names, PW_DISP_COUNT, d);
}
const char *pw_measure_name(pw_measure_type m)
{
    return NAME_OF(pwi_measure_names, PW_MEASURE_COUNT, m);
}
const char *pw_severity_name(pw_severity s) { return NAME_OF(pwi_severity_names, 4, s); }
const char *pw_assist_risk_name(pw_assist_risk r) { return NAME_OF(pwi_risk_names, 3, r); }
const char *pw_substance_group_name(pw_substance_group g)
{
    return NAME_OF(pwi_group_names, PW_GROUP_COUNT, g);
}
