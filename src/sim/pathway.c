/*
 * The justice pathway: a detected offence becomes a pw_case for the
 * regime's engine (pw_decide), and the decision is carried out: fines,
 * administrative arrest, outpatient treatment, drug court, compulsory
 * treatment and its waiting list, prison with work release and parole.
 */
#include <assert.h>
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
    if (r->place == PL_WAITING)
        w->yc.lapsed++; /* a treatment order still waiting for a bed is not carried out */
    pwi_leave_slot(w, r);
    /* Cellmates are drawn at their own step: a term that starts in the
     * placement clock (after treatment or a drug court) is followed in the
     * same week by pwi_prison_step, whose mindset draw is at (RP_PRISON,
     * agent, week); sharing it would tie the mindset to the cellmate. */
    gsl_rng *g = at(w, RP_PRISON, r->agent, (uint32_t)week | 0x10000u);
    pwi_hiv_contact(w, r, week); /* tested for HIV at the gate */
    r->place = PL_PRISON;
    r->end = weeks_from(week, years);
    r->wr = NONE16;
    r->parole1 = NONE16;
    r->parole2 = NONE16;
    r->work_release = 0;
    r->pretrial_until = 0;
    /* Care from an earlier decision stops at the gate. */
    r->aftercare_until = 0;
    r->monitor_until = 0;
    r->flags &= (uint8_t)~RF_EMPLOYED;
    r->flags |= RF_TIES_LOST;
    /* A deferred term (after compulsory treatment or a failed drug court)
     * comes without `sen`: its educational regime was recorded in the
     * flags when the term was decided (carry_out), so keep it. */
    if (sen) {
        r->flags &= (uint8_t)~RF_EDUCATIONAL;
        if (sen->educational_regime)
            r->flags |= RF_EDUCATIONAL;
        /* Work release and the parole exams are separate clocks: work
         * release keeps the person in custody (placement.c), so the exams
         * between parole_from and parole_to are sat whatever it did. */
        if (sen->work_release_after_years > 0 && sen->work_release_after_years < years)
            r->wr = weeks_from(week, sen->work_release_after_years);
        if (sen->parole_from_years > 0 && sen->parole_from_years < years) {
            r->parole1 = weeks_from(week, sen->parole_from_years);
            if (sen->parole_to_years > sen->parole_from_years && sen->parole_to_years < years)
                r->parole2 = weeks_from(week, sen->parole_to_years);
        }
        /* Pre-trial detention: the term's first days are spent in a
         * detention centre before the trial, and are credited to it. */
        if (sen->pretrial_detention && w->v[PI_JUSTICE_PRETRIAL_DAYS] > 0) {
            double days = fmin(w->v[PI_JUSTICE_PRETRIAL_DAYS], years * WPY * 7);
            r->pretrial_until = weeks_from(week, days / 7.0 / WPY);
            w->yc.pretrial_days += days;
        }
    }
    r->until = prison_next_step(r);
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
    if (r->place == PL_WAITING && !r->then_prison)
        return; /* already queued: the new order joins the old one */
    if (w->beds_used >= w->beds) {
        if (vec_push(&w->waiting, idx))
            w->error = PW_ENOMEM;
        r->queued = (uint16_t)week;
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
    pwi_hiv_contact(w, r, week); /* tested for HIV at admission */
    r->place = PL_COMPULSORY;
    r->until = weeks_from(week, months / 12.0);
    r->aftercare_until = 0; /* care from an earlier decision stops at admission */
    r->monitor_until = 0;
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
    pwi_hiv_contact(w, r, week); /* tested for HIV at entry */
    r->place = (uint8_t)place;
    r->until = weeks_from(week, months / 12.0);
    return 1;
}

void pwi_start_care(act *r, int week)
{
    if (r->ac_months) {
        r->aftercare_until = weeks_from(week, r->ac_months / 12.0);
        r->ac_months = 0;
    }
    if (r->mon_months) {
        uint16_t m = weeks_from(week, r->mon_months / 12.0);
        if (!r->monitor_until || m > r->monitor_until)
            r->monitor_until = m;
        r->mon_months = 0;
    }
}

/* A treatment order of months m (PEND_*), now: compulsory orders join the
 * bed queue when no bed is free; an outpatient order with no free place
 * lapses (outpatient services keep no court waiting list: ASSUMED). */
static void start_order(world *w, act *r, uint32_t idx, int week, int kind, double m)
{
    if (kind == PEND_COMPULSORY) {
        enter_compulsory(w, r, idx, week, m);
    } else if (kind == PEND_OUTPATIENT && r->place == PL_COMMUNITY) {
        if (!pwi_enter_outpatient(w, r, week, m, PL_OUTPATIENT)) {
            w->yc.lapsed++;
            r->ac_months = r->mon_months = 0; /* no care after care never given */
        }
    }
}

void pwi_start_pending(world *w, act *r, uint32_t idx, int week)
{
    int kind = r->pend;
    double m = r->pend_months;
    r->pend = PEND_NONE;
    r->pend_months = 0;
    if (kind)
        start_order(w, r, idx, week, kind, m > 0 ? m : 1);
}

/* Which of fine, community service and arrest a court imposes when the
 * rule offers several ("a fine, or community service, or arrest": the
 * court chooses one): arrest with justice.arrest_share, community service
 * with justice.community_service_share, the fine otherwise; the shares of
 * the options a rule does not offer go to the others. */
enum { SANCTION_NONE, SANCTION_FINE, SANCTION_CS, SANCTION_ARREST };
static int choose_sanction(const world *w, const pw_decision *d, double u)
{
    const pw_sentence *s = &d->sentence;
    if (d->disposition == PW_DISP_ADMINISTRATIVE_ARREST)
        return d->has_sentence && s->arrest_days > 0 ? SANCTION_ARREST : SANCTION_NONE;
    if (!d->has_sentence || s->custodial)
        return SANCTION_NONE;
    int fine = s->fine_mrp > 0 || s->fine_max > 0 || s->fine_min > 0;
    int cs = s->community_service_hours > 0;
    int arrest = s->arrest_days > 0;
    double pa = arrest ? w->v[PI_JUSTICE_ARREST_SHARE] : 0;
    double pc = cs ? w->v[PI_JUSTICE_CS_SHARE] : 0;
    double pf = fine ? fmax(0, 1 - pa - pc) : 0;
    double tot = pa + pc + pf;
    if (tot <= 0)
        return fine ? SANCTION_FINE : cs ? SANCTION_CS : arrest ? SANCTION_ARREST : SANCTION_NONE;
    u *= tot;
    return u < pa ? SANCTION_ARREST : u < pa + pc ? SANCTION_CS : SANCTION_FINE;
}

/* A fine in KZT: the middle of the rule's range, or half its maximum when
 * only "up to" is given (ASSUMED); MRP and roubles are converted with the
 * scenario's rates. */
static double fine_kzt(const double *v, const pw_sentence *s)
{
    int mrp = s->fine_unit == NULL || strcmp(s->fine_unit, "MRP") == 0;
    double lo = s->fine_min, hi = s->fine_max;
    if (hi <= 0 && mrp) {
        lo = 0;
        hi = s->fine_mrp;
    }
    double amount = (lo + (hi > lo ? hi : lo)) / 2;
    if (mrp)
        return amount * v[PI_COST_MRP];
    if (strcmp(s->fine_unit, "RUB") == 0)
        return amount * v[PI_COST_RUB];
    return 0; /* a unit without an exchange rate in the scenario */
}

/* A re-conviction of a person released from prison less than three years
 * ago is counted once, in the year of that release (the series
 * reconvicted_within_3y is by release cohort). */
static void count_reconviction(world *w, act *r, int week)
{
    if (r->prison_release == NONE16 || r->reconvicted || week - r->prison_release >= 3 * WPY)
        return;
    r->reconvicted = 1;
    int k = pw_series_find("reconvicted_within_3y");
    assert(k >= 0);
    w->out->series[(size_t)(r->prison_release / WPY) * pw_series_count() + (size_t)k] +=
        1 / w->scale;
}

/* Carries out every measure of a decision (docs/model.md, "The pathway"):
 * the examination, the court's sanction (fine, community service or
 * arrest), the placement (prison, compulsory treatment, outpatient
 * treatment, drug court), a treatment order next to the disposition, and
 * the aftercare and monitoring that follow the placement. */
static void carry_out(world *w, act *r, uint32_t idx, int week, const pw_decision *d)
{
    const double *v = w->v;
    gsl_rng *g = at(w, RP_DECISION, r->agent, (uint32_t)week);
    double u_years = gsl_rng_uniform(g), u_refer = gsl_rng_uniform(g);
    double u_sanction = gsl_rng_uniform(g);
    int court = d->route == PW_ROUTE_CRIMINAL || d->disposition == PW_DISP_DRUG_COURT ||
                d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    if (court)
        pwi_cost(w, CI_COURT, v[PI_COST_COURT]);
    if (d->route == PW_ROUTE_CRIMINAL && d->disposition != PW_DISP_NO_ACTION)
        count_reconviction(w, r, week);

    /* The measures, in the engine's order: examinations and brief
     * interventions are paid now; the lengths of treatment and care are
     * read for the placement below. */
    double comp_m = 0, out_m = 0, ac_m = 0, mon_m = 0;
    for (int k = 0; k < d->n_measures; k++) {
        const pw_measure *ms = &d->measures[k];
        double m = ms->min_months > 0 ? ms->min_months : ms->max_months;
        switch (ms->type) {
        case PW_MEASURE_DIAGNOSTIC_EXAMINATION:
            pwi_cost(w, CI_PANEL, v[PI_COST_PANEL]);
            break;
        case PW_MEASURE_BRIEF_INTERVENTION:
            pwi_cost(w, CI_BRIEF, v[PI_COST_BRIEF]);
            break;
        case PW_MEASURE_DETOXIFICATION:
            if (comp_m <= 0)
                comp_m = m; /* the inpatient rehabilitation, when listed, sets the length */
            break;
        case PW_MEASURE_INPATIENT_REHABILITATION:
            comp_m = m;
            break;
        case PW_MEASURE_OUTPATIENT_TREATMENT:
            out_m = m;
            break;
        case PW_MEASURE_POST_REHABILITATION_12_STEP:
            ac_m = m;
            break;
        case PW_MEASURE_MONITORING:
        case PW_MEASURE_DRUG_TESTING:
            mon_m = fmax(mon_m, m);
            break;
        default:
            break; /* fine, arrest, community service: the sentence below;
                      prison programme and work release: the prison term */
        }
    }
    if (d->monitoring_required)
        mon_m = fmax(mon_m, d->monitoring_months);
    if (d->disposition == PW_DISP_OUTPATIENT_TREATMENT && out_m <= 0)
        out_m = v[PI_TX_OUT_MONTHS];
    int has_comp = comp_m > 0 || d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                   d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    if (has_comp && comp_m <= 0)
        comp_m = v[PI_TX_COMP_MONTHS];

    double years = 0;
    if (d->has_sentence && d->sentence.custodial) {
        /* Uniform within the regime's bounds; an open bound (max 0: no
         * upper limit, or a sentence that depends on the underlying crime)
         * adds an exponential term with the scenario's mean. */
        double lo = d->sentence.min_years, hi = d->sentence.max_years;
        years = pwi_sentence_years(lo, hi, v[PI_PRISON_SENTENCE_CAP], u_years, 1.0 / WPY);
    }

    /* The court's sanction next to (or instead of) a placement. */
    int sanction = choose_sanction(w, d, u_sanction);
    int arrested = 0;
    if (sanction == SANCTION_FINE) {
        double f = fine_kzt(v, &d->sentence) * w->discount;
        w->yc.fines += f;
    } else if (sanction == SANCTION_CS) {
        pwi_cost(w, CI_COMMUNITY_SERVICE,
                 v[PI_COST_CS_HOUR] * d->sentence.community_service_hours);
        w->yc.cs_hours += d->sentence.community_service_hours;
    } else if (sanction == SANCTION_ARREST && !is_institution(r->place)) {
        pwi_leave_slot(w, r);
        if (r->place == PL_WAITING)
            w->yc.lapsed++;
        r->place = PL_ARREST;
        r->flags &= (uint8_t)~RF_EDUCATIONAL; /* no educational regime in arrest */
        r->until = (uint16_t)(week + 1 + (int)(d->sentence.arrest_days / 7));
        r->end = r->until;
        w->yc.arrests++;
        arrested = 1;
    }

    /* Aftercare and monitoring are due at the discharge from the
     * treatment or custody this decision orders (placement.c), never
     * before: a person waiting for a bed gets neither. A decision with no
     * treatment and no custody starts its monitoring now (the monitoring
     * is then the measure itself). */
    int placement = has_comp || out_m > 0 || years > 0 ||
                    d->disposition == PW_DISP_DRUG_COURT ||
                    d->disposition == PW_DISP_DISSUASION_COMMISSION;
    r->ac_months = (uint8_t)fmin(ac_m, 240);
    r->mon_months = (uint8_t)fmin(mon_m, 240);
    if (!placement)
        pwi_start_care(r, week);

    switch (d->disposition) {
    case PW_DISP_DISSUASION_COMMISSION:
        /* A commission refers a share of dependent people to treatment
         * when its rule lists none; a listed treatment is the referral. */
        if (out_m <= 0 && r->stage == ST_DEPENDENT && u_refer < v[PI_TX_DISSUASION_REFERRAL])
            out_m = v[PI_TX_OUT_MONTHS];
        if (out_m <= 0)
            pwi_start_care(r, week);
        break;
    case PW_DISP_DRUG_COURT: {
        double m = out_m > 0 ? out_m : 12;
        out_m = 0;
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
        return;
    }
    case PW_DISP_COMPULSORY_INPATIENT_TREATMENT:
    case PW_DISP_TREATMENT_THEN_PRISON:
        r->then_prison = d->disposition == PW_DISP_TREATMENT_THEN_PRISON && years > 0
                             ? (uint16_t)fmin(years * WPY, 60000)
                             : 0;
        if (r->then_prison)
            r->flags = (uint8_t)(d->sentence.educational_regime ? r->flags | RF_EDUCATIONAL
                                                                : r->flags & ~RF_EDUCATIONAL);
        enter_compulsory(w, r, idx, week, comp_m);
        return;
    case PW_DISP_PRISON:
        /* A treatment order next to a prison term is carried out where the
         * term is served (prison health services, within the prison's
         * daily cost; ASSUMED): no bed, and its aftercare and monitoring
         * follow the release. */
        if (years > 0)
            pwi_enter_prison(w, r, idx, week, years, &d->sentence);
        return;
    default:
        break;
    }
    /* A treatment order whatever the disposition (a Kazakh or Russian
     * court orders treatment next to a fine or an arrest): now, or at the
     * end of the arrest. */
    int kind = has_comp ? PEND_COMPULSORY : out_m > 0 ? PEND_OUTPATIENT : PEND_NONE;
    double m = has_comp ? comp_m : out_m;
    if (kind && arrested) {
        r->pend = (uint8_t)kind;
        r->pend_months = (uint8_t)fmin(m, 240);
    } else if (kind) {
        start_order(w, r, idx, week, kind, m);
    }
}

/* A detected offence becomes a case for the regime's engine. */
void pwi_handle_case(world *w, act *r, uint32_t idx, int week, pw_event ev, int violent)
{
    w->yc.detected++;
    w->yc.cases++;
    pwi_cost(w, CI_POLICE, w->v[PI_COST_POLICE]);
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

/* Whether the order of queued record r has waited past its validity
 * (treatment.order_validity_months) at `week`. */
static int order_expired(const world *w, const act *r, int week)
{
    return week - r->queued >= w->v[PI_TX_ORDER_VALIDITY] * WPY / 12.0;
}

void pwi_admit_waiting(world *w, int week)
{
    /* Orders at the head of the queue that waited past their validity
     * lapse unexecuted (the queue is in order of arrival, so the oldest
     * are at its head); a person waiting in custody serves the rest of
     * the term. */
    while (w->wait_head < w->waiting.n) {
        act *r = &w->a[w->waiting.v[w->wait_head]];
        int queued = r->agent != UINT32_MAX &&
                     (r->place == PL_WAITING || (r->place == PL_PRISON && r->awaiting_bed));
        if (queued && !order_expired(w, r, week))
            break;
        w->wait_head++;
        if (!queued)
            continue;
        w->yc.lapsed++;
        r->ac_months = r->mon_months = 0;
        if (r->place == PL_WAITING)
            r->place = PL_COMMUNITY;
        else
            r->awaiting_bed = 0;
    }
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
        w->yc.from_queue++;
        w->yc.wait_weeks += week - r->queued;
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
