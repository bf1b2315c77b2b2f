/*
 * Severity instruments used by the expert panel: DSM-5 substance use
 * disorder severity and the WHO ASSIST v3.0 specific substance involvement
 * score. Thresholds and item weights: docs/sources.md
 * R4.1 and R4.2 (docs/engine.md repeats them with their sources).
 */
#include <assert.h>

#include "engine_internal.h"

int pw_dsm5_severity(int criteria_met)
{
    /* DSM-5: 2-3 criteria mild, 4-5 moderate, 6 or more severe. */
    static const signed char table[12] = {PW_SEV_NONE,     PW_SEV_NONE,     PW_SEV_MILD,
                                          PW_SEV_MILD,     PW_SEV_MODERATE, PW_SEV_MODERATE,
                                          PW_SEV_SEVERE,   PW_SEV_SEVERE,   PW_SEV_SEVERE,
                                          PW_SEV_SEVERE,   PW_SEV_SEVERE,   PW_SEV_SEVERE};
    if (criteria_met < 0 || criteria_met > 11)
        return -1;
    return table[criteria_met];
}

int pw_dsm5_count_list(const int *criteria, int n)
{
    unsigned seen = 0;
    if (n < 0 || n > 11)
        return -1;
    for (int i = 0; i < n; i++) {
        if (criteria[i] < 1 || criteria[i] > 11 || (seen >> criteria[i]) & 1u)
            return -1;
        seen |= 1u << criteria[i];
    }
    return n;
}

/*
 * The answer weights of ASSIST v3.0, questions 2 to 7. An answer is the
 * weight itself (the form prints it next to each choice), so a value that
 * is not one of the question's weights is a data-entry error.
 */
static const int assist_weights[6][5] = {
    {0, 2, 3, 4, 6},  /* Q2 frequency, past 3 months */
    {0, 3, 4, 5, 6},  /* Q3 strong desire or urge */
    {0, 4, 5, 6, 7},  /* Q4 health, social, legal or financial problems */
    {0, 5, 6, 7, 8},  /* Q5 failed to do what was normally expected */
    {0, 3, 6, -1, -1}, /* Q6 friend or relative expressed concern */
    {0, 3, 6, -1, -1}, /* Q7 tried and failed to cut down */
};

int pw_assist_score(const int q[6])
{
    int sum = 0;
    for (int i = 0; i < 6; i++) {
        int ok = 0;
        for (int k = 0; k < 5; k++)
            if (assist_weights[i][k] >= 0 && q[i] == assist_weights[i][k])
                ok = 1;
        if (!ok)
            return -1;
        sum += q[i];
    }
    return sum;
}

pw_assist_risk pw_assist_risk_of(int score, bool alcohol)
{
    /* Alcohol: low 0-10, moderate 11-26; others: low 0-3, moderate 4-26;
     * high 27+ for both. */
    int low_max = alcohol ? 10 : 3;
    if (score <= low_max)
        return PW_RISK_LOW;
    if (score <= 26)
        return PW_RISK_MODERATE;
    return PW_RISK_HIGH;
}

bool pwi_assist_valid(int question, int v)
{
    assert(question >= 2 && question <= 7);
    for (int k = 0; k < 5; k++)
        if (assist_weights[question - 2][k] >= 0 && v == assist_weights[question - 2][k])
            return true;
    return false;
}

const char *pwi_assist_choices(int question)
{
    static const char *const text[6] = {"0, 2, 3, 4, 6", "0, 3, 4, 5, 6", "0, 4, 5, 6, 7",
                                        "0, 5, 6, 7, 8", "0, 3, 6",       "0, 3, 6"};
    assert(question >= 2 && question <= 7);
    return text[question - 2];
}
