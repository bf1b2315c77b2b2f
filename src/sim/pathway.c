/*
 * The justice pathway: a detected offence becomes a pw_case for the
 * regime's engine (pw_decide), and the decision is carried out: fines,
 * administrative arrest, outpatient treatment, drug court, compulsory
 * treatment and its waiting list, prison with work release and parole.
 */
#include <math.h>
#include <string.h>

#include "model.h"


static uint16_t weeks_from(int week, double years)
{
    double e = week + years * WPY;
    if (e < week + 1)
        e = week + 1;
    return e > 60000 ? 60000 : (uint16_t)e;
}

void pwi_leave_slot(world *w, act *r)
{
    if (r->place == PL_OUTPATIENT || r->place == PL_DRUG_COURT)
        w->slots_used--;
    if (r->place == PL_COMPULSORY)
        w->beds_used--;
}

void pwi_enter_prison(world *w, act *r, uint32_t idx, int week, double years,
                      const pw_sentence *sen)
{
    pwi_leave_slot(w, r);
    /* Cellmates are drawn at their own step: a term that starts in the
     * placement clock (after treatment or a drug court) is followed in the
     * same week by pwi_prison_step, whose mindset draw is at (RP_PRISON,
     * agent, week); sharing it would tie the mindset to the cellmate. */
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week | 0x10000u);
    r->place = PL_PRISON;
    r->end = weeks_from(week, years);
    r->until = r->end;
    r->wr = NONE16;
    r->parole2 = NONE16;
    r->flags &= (uint8_t)~RF_EMPLOYED;
    r->flags |= RF_TIES_LOST;
    /* A deferred term (after compulsory treatment or a failed drug court)
     * comes without `sen`: its educational regime was recorded in the
     * flags when the term was decided (carry_out), so keep it. */
    if (sen) {
        r->flags &= (uint8_t)~RF_EDUCATIONAL;
        if (sen->educational_regime)
            r->flags |= RF_EDUCATIONAL;
        if (sen->work_release_after_years > 0 && sen->work_release_after_years < years) {
            r->wr = weeks_from(week, sen->work_release_after_years);
            if (r->wr < r->until)
                r->until = r->wr;
        }
        if (sen->parole_from_years > 0 && sen->parole_from_years < years) {
            uint16_t p1 = weeks_from(week, sen->parole_from_years);
            if (p1 < r->until)
                r->until = p1;
            if (sen->parole_to_years > sen->parole_from_years && sen->parole_to_years < years)
                r->parole2 = weeks_from(week, sen->parole_to_years);
        }
    }
    if (is_using(r))
        r->stage = ST_REM_EARLY, r->since = (uint16_t)week;
    /* Ties formed in prison: two cellmates drawn from this week's prisoners. */
    for (int k = 0; k < 2 && w->prisoners.n; k++)
        r->contact[k] = w->prisoners.v[(uint32_t)(gsl_rng_uniform(g) * w->prisoners.n)];
    (void)idx;
    w->yc.prison_adm++;
    if (r->convictions < 255)
        r->convictions++;
}

static void enter_compulsory(world *w, act *r, uint32_t idx, int week, double months)
{
    if (r->place == PL_COMPULSORY)
        return;
    r->tx_months = (uint8_t)fmin(months, 60);
    if (w->beds_used >= w->beds) {
        if (vec_push(&w->waiting, idx))
            w->error = PW_ENOMEM;
        if (r->then_prison) {
            /* A person convicted with treatment first and prison after is
             * not sent home to wait for a bed: custody starts now and counts
             * against the term, and they queue for a bed from prison (the
             * rest of the term follows the treatment; if the term ends
             * first, the order lapses). Waiting at home deferred the term
             * for as long as the queue, years when the beds are full. */
            uint16_t t = r->then_prison;
            r->then_prison = 0;
            pwi_enter_prison(w, r, idx, week, t / (double)WPY, NULL);
            r->awaiting_bed = 1;
            return;
        }
        pwi_leave_slot(w, r);
        r->place = PL_WAITING;
        return;
    }
    pwi_leave_slot(w, r);
    w->beds_used++;
    r->place = PL_COMPULSORY;
    r->until = weeks_from(week, months / 12.0);
    if (is_using(r))
        r->stage = ST_REM_EARLY, r->since = (uint16_t)week;
    r->flags &= (uint8_t)~RF_EMPLOYED;
    w->yc.comp_adm++;
}

int pwi_enter_outpatient(world *w, act *r, int week, double months, int place)
{
    if (r->place != PL_COMMUNITY && r->place != PL_WAITING)
        return 0;
    if (w->slots_used >= w->slots)
        return 0;
    w->slots_used++;
    r->place = (uint8_t)place;
    r->until = weeks_from(week, months / 12.0);
    return 1;
}

/* Carries out a disposition of the regime's engine. */
static void carry_out(world *w, act *r, uint32_t idx, int week, const pw_decision *d)
{
    const double *v = w->v;
    gsl_rng *g = at(w, RP_DECISION, r->agent, (uint32_t)week);
    int court = d->route == PW_ROUTE_CRIMINAL || d->disposition == PW_DISP_DRUG_COURT ||
                d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    if (court)
        pwi_add_cost(w, v[PI_COST_COURT], &w->yc.cost_justice);
    if (d->monitoring_required && d->monitoring_months > 0)
        r->monitor_until = weeks_from(week, d->monitoring_months / 12.0);
    if (pw_decision_measure(d, PW_MEASURE_POST_REHABILITATION_12_STEP))
        r->flags |= RF_AFTERCARE;
    double years = 0;
    if (d->has_sentence && d->sentence.custodial) {
        /* Uniform within the regime's bounds; an open bound (max 0: no
         * upper limit, or a sentence that depends on the underlying crime)
         * adds an exponential term with the scenario's mean. */
        double lo = d->sentence.min_years, hi = d->sentence.max_years;
        if (hi > lo)
            years = lo + (hi - lo) * gsl_rng_uniform(g);
        else if (hi <= 0)
            years = lo - v[PI_PRISON_SENTENCE_CAP] * log1p(-gsl_rng_uniform(g));
        else
            years = lo;
        if (years < 1.0 / WPY)
            years = 1.0 / WPY;
    }
    switch (d->disposition) {
    case PW_DISP_NO_ACTION:
    case PW_DISP_BRIEF_INTERVENTION:
    case PW_DISP_ADMINISTRATIVE_FINE:
    case PW_DISP_ALTERNATIVE_SANCTION:
        break;
    case PW_DISP_OUTPATIENT_TREATMENT: {
        double m = pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT);
        pwi_enter_outpatient(w, r, week, m > 0 ? m : v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        break;
    }
    case PW_DISP_DISSUASION_COMMISSION:
        if (r->stage == ST_DEPENDENT && gsl_rng_uniform(g) < v[PI_TX_DISSUASION_REFERRAL])
            pwi_enter_outpatient(w, r, week, v[PI_TX_OUT_MONTHS], PL_OUTPATIENT);
        break;
    case PW_DISP_DRUG_COURT: {
        double m = pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT);
        if (m <= 0)
            m = 12;
        if (pwi_enter_outpatient(w, r, week, m, PL_DRUG_COURT)) {
            /* The sentence is held until the end of the drug court and
             * served only on failure (placement.c), whether or not the
             * regime marks it `deferred` (that flag is for readers). */
            r->then_prison = (uint16_t)fmin(years * WPY, 60000);
            /* (the sentence is only filled in when the decision has one) */
            int edu = d->has_sentence && d->sentence.educational_regime;
            r->flags = (uint8_t)(edu ? r->flags | RF_EDUCATIONAL : r->flags & ~RF_EDUCATIONAL);
        } else if (years > 0) {
            pwi_enter_prison(w, r, idx, week, years, &d->sentence);
        }
        break;
    }
    case PW_DISP_ADMINISTRATIVE_ARREST:
        if (d->has_sentence && d->sentence.arrest_days > 0 && !is_institution(r->place)) {
            pwi_leave_slot(w, r);
            r->place = PL_ARREST;
            r->flags &= (uint8_t)~RF_EDUCATIONAL; /* no educational regime in arrest */
            r->until = (uint16_t)(week + 1 + (int)(d->sentence.arrest_days / 7));
            r->end = r->until;
        }
        break;
    case PW_DISP_COMPULSORY_INPATIENT_TREATMENT:
    case PW_DISP_TREATMENT_THEN_PRISON: {
        double m = pw_decision_months(d, PW_MEASURE_INPATIENT_REHABILITATION);
        if (m <= 0)
            m = pw_decision_months(d, PW_MEASURE_DETOXIFICATION);
        if (m <= 0)
            m = v[PI_TX_COMP_MONTHS];
        r->then_prison = d->disposition == PW_DISP_TREATMENT_THEN_PRISON && years > 0
                             ? (uint16_t)fmin(years * WPY, 60000)
                             : 0;
        if (r->then_prison)
            r->flags = (uint8_t)(d->sentence.educational_regime ? r->flags | RF_EDUCATIONAL
                                                                : r->flags & ~RF_EDUCATIONAL);
        enter_compulsory(w, r, idx, week, m);
        break;
    }
    case PW_DISP_PRISON:
        if (years > 0)
            pwi_enter_prison(w, r, idx, week, years, &d->sentence);
        break;
    default:
        break;
    }
}

/* A detected offence becomes a case for the regime's engine. */
void pwi_handle_case(world *w, act *r, uint32_t idx, int week, pw_event ev, int violent)
{
    w->yc.detected++;
    w->yc.cases++;
    pwi_add_cost(w, w->v[PI_COST_POLICE], &w->yc.cost_justice);
    if (ev == PW_EVENT_POSSESSION || ev == PW_EVENT_DISTRIBUTION || ev == PW_EVENT_USE)
        w->yc.drug_crimes++;
    gsl_rng *g = at(w, RP_POLICE, r->agent, (uint32_t)week);
    pw_case c;
    memset(&c, 0, sizeof c);
    c.age = (week - r->birth) / WPY;
    c.event = ev;
    c.amount = PW_AMOUNT_PERSONAL;
    c.role = PW_ROLE_NONE;
    if (ev == PW_EVENT_DISTRIBUTION) {
        c.role = r->role == ROLE_DEALER ? PW_ROLE_DEALER : PW_ROLE_COURIER;
        double u = gsl_rng_uniform(g);
        c.amount = u < 0.3 ? PW_AMOUNT_ESPECIALLY_LARGE : u < 0.7 ? PW_AMOUNT_LARGE
                                                                  : PW_AMOUNT_PERSONAL;
    } else if (ev == PW_EVENT_POSSESSION && r->stage == ST_DEPENDENT &&
               gsl_rng_uniform(g) < 0.2) {
        c.amount = PW_AMOUNT_LARGE;
    }
    c.violent = violent != 0;
    c.prior_drug_offences = r->offences;
    c.prior_convictions = r->convictions;
    c.consents_to_treatment = gsl_rng_uniform(g) < w->v[PI_TX_CONSENT];
    c.substance = w->sub_id[r->substance];
    c.dsm5_criteria = is_using(r) || r->stage == ST_REM_EARLY ? r->dsm : 0;
    if (r->stage == ST_LIGHT)
        c.dsm5_criteria = (int)(gsl_rng_uniform(g) * 2); /* 0-1: no disorder */
    c.injecting = (r->flags & RF_INJECTS) != 0;
    c.assist_score = -1;
    if (r->offences < 255)
        r->offences++;
    if (!w->regime || c.substance < 0)
        return;
    pw_decision d;
    if (pw_decide(w->regime, &c, &d) != PW_OK)
        return;
    pwi_outputs_decision(w, &d);
    carry_out(w, r, idx, week, &d);
}

void pwi_admit_waiting(world *w, int week)
{
    while (w->wait_head < w->waiting.n && w->beds_used < w->beds) {
        uint32_t i = w->waiting.v[w->wait_head++];
        act *r = &w->a[i];
        if (r->agent == UINT32_MAX)
            continue;
        if (r->place == PL_PRISON && r->awaiting_bed) {
            /* From custody to the bed; the rest of the term follows. */
            r->awaiting_bed = 0;
            if (r->end <= week)
                continue;
            r->then_prison = (uint16_t)(r->end - week);
            /* The return to prison after treatment is the same sentence:
             * pwi_enter_prison will count its conviction once more. */
            if (r->convictions)
                r->convictions--;
        } else if (r->place != PL_WAITING) {
            continue;
        }
        r->place = PL_COMMUNITY;
        enter_compulsory(w, r, i, week, r->tx_months ? r->tx_months : w->v[PI_TX_COMP_MONTHS]);
    }
    /* Compact the queue now and then. */
    if (w->wait_head > 4096 && w->wait_head * 2 > w->waiting.n) {
        memmove(w->waiting.v, w->waiting.v + w->wait_head,
                (w->waiting.n - w->wait_head) * sizeof *w->waiting.v);
        w->waiting.n -= w->wait_head;
        w->wait_head = 0;
    }
}
