/*
 * The mean-field justice pathway, set-up (src/sim/pathway.c, placement.c
 * decide and carry out what this tabulates): every representative case
 * class (source x substance or chain x DSM-5 criteria x consent x amount
 * or violence x first/repeat record, built as pwi_handle_case builds
 * cases) is decided once with pw_decide on the active regime, and the
 * disposition, its months and its sentence become a "stream": an Erlang
 * chain of custody or treatment stages, with the relapse variant that
 * follows release. The class weights become the routes that
 * mf_justice.c applies to the detection hazards. docs/calibration.md 1.2
 * gives the equations and what is assumed.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "mf_internal.h"

#define REPRESENTATIVE_AGE 30 /* assumption: the regimes' rules do not use age */


int pwi_mf_variant(mf_model *m, double relapse, int aftercare)
{
    for (int v = 0; v < m->nv; v++)
        if (fabs(m->var[v].relapse - relapse) < 1e-12 && m->var[v].aftercare == aftercare)
            return v;
    if (m->nv == MF_MAXVAR)
        return -1;
    m->var[m->nv].relapse = relapse;
    m->var[m->nv].aftercare = aftercare;
    return m->nv++;
}


static int load_justice_par(mf_model *m, const pw_scenario *s, pw_error *err)
{
    double cap, beds, slots;
    struct {
        const char *name;
        double *dst;
    } t[] = {
        {"police.use_detection_rate", &m->police_use},
        {"police.crime_detection", &m->police_crime},
        {"police.sale_detection", &m->police_sale},
        {"police.capacity_per_100k", &cap},
        {"crime.acquisitive_rate_dependent", &m->crime_acq},
        {"crime.violent_share", &m->crime_violent},
        {"crime.unemployed_rate_ratio", &m->crime_unemp_rr},
        {"crime.mindset_rate_ratio", &m->crime_mindset_rr},
        {"market.sellers_per_user", &m->market_sellers},
        {"market.courier_share", &m->market_courier},
        {"market.seller_quit_rate", &m->market_quit},
        {"treatment.compulsory_beds_per_100k", &beds},
        {"treatment.outpatient_slots_per_100k", &slots},
        {"treatment.voluntary_entry_rate", &m->tx_vol},
        {"treatment.consent_share", &m->tx_consent},
        {"treatment.outpatient_months", &m->tx_out_months},
        {"treatment.compulsory_months_default", &m->tx_comp_months},
        {"treatment.remission_rate_outpatient", &m->tx_rem_out},
        {"treatment.relapse_rate_after_compulsory", &m->tx_relapse_comp},
        {"treatment.relapse_rate_after_voluntary", &m->tx_relapse_vol},
        {"treatment.length_effect", &m->tx_length},
        {"treatment.aftercare_relapse_ratio", &m->tx_aftercare_rr},
        {"treatment.drug_court_graduation", &m->tx_dc_grad},
        {"treatment.drug_court_crime_ratio", &m->tx_dc_crime_rr},
        {"treatment.dissuasion_referral_share", &m->tx_dissuasion},
        {"prison.relapse_rate_after_release", &m->prison_relapse},
        {"prison.parole_exam_pass", &m->prison_parole},
        {"prison.open_sentence_years", &m->prison_open_years},
        {"health.overdose_after_release_ratio", &m->od_release_rr},
        {"society.reemployment_rate", &m->soc_reemploy},
        {"society.stigma", &m->soc_stigma},
        {"society.awareness_effect", &m->soc_awareness},
        {"society.job_loss_rate_dependent", &m->soc_jobloss},
        {"cost.police_per_case", &m->c_police},
        {"cost.court_per_case", &m->c_court},
        {"cost.prison_per_day", &m->c_prison_day},
        {"cost.compulsory_per_month", &m->c_comp_month},
        {"cost.outpatient_per_month", &m->c_out_month},
        {"cost.crime_to_victims", &m->c_crime},
        {"cost.hiv_care_per_year", &m->c_hiv},
        {"cost.overdose_death", &m->c_od},
        {"cost.lost_work_per_month", &m->c_work_month},
        {"cost.discount_rate", &m->discount},
    };
    int rc = PW_OK;
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == PW_OK; i++)
        rc = pwi_mf_get(s, t[i].name, t[i].dst, err);
    if (rc != PW_OK)
        return rc;
    m->police_cap = cap / 1e5;
    m->beds = beds / 1e5;
    m->slots = slots / 1e5;
    /* DSM-5 criteria at the onset of dependence (rates.h, as
     * src/sim/use.c pwi_draw_dsm draws them). */
    m->severe_share = 0;
    for (int j = 0; j <= PWI_DSM_N; j++) {
        double b = 1;
        for (int i = 0; i < j; i++)
            b = b * (PWI_DSM_N - i) / (i + 1);
        m->dsm_w[j] = b * pow(PWI_DSM_P, j) * pow(1 - PWI_DSM_P, PWI_DSM_N - j);
        if (PWI_DSM_MIN + j >= 6)
            m->severe_share += m->dsm_w[j];
    }
    return PW_OK;
}

/* ---- from a decision to a stream ---------------------------------------- */


/* Years of sentence drawn at quantile u, as pathway.c's carry_out draws
 * them (rates.h). */
static double sentence_years(const pw_sentence *sen, double open_mean, double u)
{
    return pwi_sentence_years(sen->min_years, sen->max_years, open_mean, u, 1.0 / 52);
}

/* Time actually spent inside for a sentence of `years`, as placement.c
 * runs it: work release from wr, parole exams at p1 and p2 (each passed
 * with probability pass). Returns E[T], E[T^2] and P(exit by work release)
 * through the accumulators, weighted by w. */
static void time_inside(double years, const pw_sentence *sen, double pass, double w,
                        double *m1, double *m2, double *pwr)
{
    double wr = 0, p1 = 0, p2 = 0;
    if (sen) {
        if (sen->work_release_after_years > 0 && sen->work_release_after_years < years)
            wr = sen->work_release_after_years;
        if (sen->parole_from_years > 0 && sen->parole_from_years < years) {
            p1 = sen->parole_from_years;
            if (sen->parole_to_years > sen->parole_from_years && sen->parole_to_years < years)
                p2 = sen->parole_to_years;
        }
    }
    /* The first check is at the earliest of work release and parole. */
    double first = years;
    if (wr > 0 && wr < first)
        first = wr;
    if (p1 > 0 && p1 < first)
        first = p1;
    if (first >= years) {
        *m1 += w * years, *m2 += w * years * years;
        return;
    }
    if (wr > 0 && first >= wr) {
        *m1 += w * wr, *m2 += w * wr * wr, *pwr += w;
        return;
    }
    /* A parole exam at p1: passed, out; failed, next check at p2 or end. */
    *m1 += w * pass * p1, *m2 += w * pass * p1 * p1;
    double next = p2 > 0 ? p2 : years, wf = w * (1 - pass);
    if (next >= years) {
        *m1 += wf * years, *m2 += wf * years * years;
    } else if (wr > 0 && next >= wr) {
        *m1 += wf * next, *m2 += wf * next * next, *pwr += wf;
    } else {
        *m1 += wf * pass * next, *m2 += wf * pass * next * next;
        *m1 += wf * (1 - pass) * years, *m2 += wf * (1 - pass) * years * years;
    }
}

/* Erlang stages matching mean and variance (a fixed length: MF_KMAX). */
static void erlang_fit(double mean, double var, int *k, double *rate)
{
    double kk = var > 1e-12 ? mean * mean / var : MF_KMAX;
    int n = (int)floor(kk + 0.5);
    *k = n < 1 ? 1 : n > MF_KMAX ? MF_KMAX : n;
    *rate = *k / mean;
}

static int add_stream(mf_model *m, const mf_stream *x)
{
    for (int i = 0; i < m->ns; i++) {
        const mf_stream *y = &m->st[i];
        if (y->place == x->place && y->k == x->k && fabs(y->rate - x->rate) < 1e-9 &&
            y->then == x->then && fabs(y->p_then - x->p_then) < 1e-12 &&
            y->fallback == x->fallback && y->var == x->var && fabs(y->p_wr - x->p_wr) < 1e-12)
            return i;
    }
    if (m->ns == MF_MAXSTREAM)
        return -1;
    m->st[m->ns] = *x;
    return m->ns++;
}

/* A prison stream for a sentence (sen: its work release and parole, or
 * NULL for the term that follows treatment or a failed drug court). */
static int prison_stream(mf_model *m, const pw_sentence *bounds, const pw_sentence *sen,
                         int var)
{
    double m1 = 0, m2 = 0, pwr = 0;
    const int n = 256;
    for (int i = 0; i < n; i++) {
        double y = sentence_years(bounds, m->prison_open_years, (i + 0.5) / n);
        time_inside(y, sen, m->prison_parole, 1.0 / n, &m1, &m2, &pwr);
    }
    mf_stream x;
    memset(&x, 0, sizeof x);
    x.place = MF_PRISON;
    erlang_fit(m1, fmax(m2 - m1 * m1, 0), &x.k, &x.rate);
    x.months = 12 * m1;
    x.then = x.fallback = -1;
    x.var = var;
    x.p_wr = pwr;
    return add_stream(m, &x);
}

static int fixed_stream(mf_model *m, int place, double months, int then, double p_then,
                        int fallback, int var)
{
    mf_stream x;
    memset(&x, 0, sizeof x);
    x.place = place;
    x.k = MF_KMAX;
    x.rate = MF_KMAX / (months / 12.0);
    x.months = months;
    x.then = then;
    x.p_then = p_then;
    x.fallback = fallback;
    x.var = var;
    return add_stream(m, &x);
}

/* Relapse rate after release, with the aftercare ratio for 12-step
 * aftercare and, blended, for monitoring that outlasts the stay. */
static double after_rate(const mf_model *m, double base, const pw_decision *d, double stay_m)
{
    if (pw_decision_measure(d, PW_MEASURE_POST_REHABILITATION_12_STEP))
        return pwi_rate_with_care(base, m->tx_aftercare_rr, 1);
    double mon = d->monitoring_required ? d->monitoring_months - stay_m : 0;
    double share = fmin(1, fmax(0, mon) / 12);
    return base * (1 - (1 - m->tx_aftercare_rr) * share);
}

/* Adds the routes of one decided class (weight w) to r; `dep`: the case
 * is a dependent user's (outpatient and referral apply to them only). */
static int route_decision(mf_model *m, const pw_decision *d, int dep, double w, mf_route *r,
                          pw_error *err)
{
    int court = d->route == PW_ROUTE_CRIMINAL || d->disposition == PW_DISP_DRUG_COURT ||
                d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    r->court += court * w;
    int custodial = d->has_sentence && d->sentence.custodial;
    int after = pw_decision_measure(d, PW_MEASURE_POST_REHABILITATION_12_STEP) != NULL;
    int s = -2;
    double p = 1;
    switch (d->disposition) {
    case PW_DISP_OUTPATIENT_TREATMENT:
    case PW_DISP_DISSUASION_COMMISSION: {
        if (!dep)
            return PW_OK;
        double mo = d->disposition == PW_DISP_OUTPATIENT_TREATMENT
                        ? pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT)
                        : 0;
        if (d->disposition == PW_DISP_DISSUASION_COMMISSION)
            p = m->tx_dissuasion;
        s = fixed_stream(m, MF_OUT, mo > 0 ? mo : m->tx_out_months, -1, 0, -1, 0);
        break;
    }
    case PW_DISP_DRUG_COURT: {
        if (!dep)
            return PW_OK;
        double mo = pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT);
        int v = pwi_mf_variant(m, after_rate(m, m->prison_relapse, d, 0), after);
        int pr = custodial && v >= 0 ? prison_stream(m, &d->sentence, NULL, v) : -1;
        s = fixed_stream(m, MF_DC, mo > 0 ? mo : 12, pr, 1 - m->tx_dc_grad, pr, 0);
        break;
    }
    case PW_DISP_COMPULSORY_INPATIENT_TREATMENT:
    case PW_DISP_TREATMENT_THEN_PRISON: {
        if (!dep)
            return PW_OK; /* no built-in regime orders it without a disorder */
        double mo = pw_decision_months(d, PW_MEASURE_INPATIENT_REHABILITATION);
        if (mo <= 0)
            mo = pw_decision_months(d, PW_MEASURE_DETOXIFICATION);
        if (mo <= 0)
            mo = m->tx_comp_months;
        mo = fmin(mo, 60);
        int pr = -1;
        if (d->disposition == PW_DISP_TREATMENT_THEN_PRISON && custodial) {
            int v = pwi_mf_variant(m, after_rate(m, m->prison_relapse, d, mo), after);
            pr = v >= 0 ? prison_stream(m, &d->sentence, NULL, v) : -1;
        }
        double base = pwi_rate_relapse_after_compulsory(m->tx_relapse_comp, m->tx_length, mo);
        int v = pwi_mf_variant(m, after_rate(m, base, d, mo), after);
        s = v >= 0 ? fixed_stream(m, MF_COMP, mo, pr, pr >= 0, -1, v) : -1;
        break;
    }
    case PW_DISP_PRISON: {
        if (!custodial)
            return PW_OK;
        int v = pwi_mf_variant(m, after_rate(m, m->prison_relapse, d, 0), after);
        s = v >= 0 ? prison_stream(m, &d->sentence, &d->sentence, v) : -1;
        break;
    }
    default:
        /* No action, brief intervention, fines, alternative sanctions; an
         * administrative arrest of days is not held (docs/calibration.md). */
        return PW_OK;
    }
    if (s < 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "regime",
                            "the regime's decisions need more than %d mean-field pathways",
                            MF_MAXSTREAM);
    r->p[s] += w * p;
    return PW_OK;
}

/* Decides one class (first and repeat record) and routes it. */
static int decide_class(mf_model *m, const pw_regime *reg, pw_case *c, int dep, double w,
                        mf_route r[2], pw_error *err)
{
    for (int rec = 0; rec < 2; rec++) {
        c->prior_drug_offences = rec;
        c->prior_convictions = 0;
        pw_decision d;
        if (pw_decide(reg, c, &d) != PW_OK)
            continue; /* as the ABM: an undecidable case gets no action */
        int rc = route_decision(m, &d, dep, w, &r[rec], err);
        if (rc != PW_OK)
            return rc;
    }
    return PW_OK;
}

static const char *const SUB_ENGINE_NAME[MF_NSUB] = {
    "heroin", "synthetic_cathinones", "synthetic_cannabinoids", "cannabis", "methamphetamine"};

int pwi_mf_justice_setup(mf_model *m, const pw_scenario *s, const pw_regime *reg,
                         pw_error *err)
{
    int rc = load_justice_par(m, s, err);
    if (rc != PW_OK)
        return rc;
    m->ns = 0;
    memset(m->route, 0, sizeof m->route);
    /* Variant 0: a remission of one's own (mf_society.c); then remission
     * during outpatient care; stream 0: voluntary outpatient care. */
    m->nv = 0;
    if (pwi_mf_variant(m, m->relapse_early, 0) != 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "mean-field variants");
    m->var_vol = pwi_mf_variant(m, m->tx_relapse_vol, 0);
    if (fixed_stream(m, MF_OUT, m->tx_out_months, -1, 0, -1, 0) != 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "mean-field streams");
    /* The initial prisoners (initial.c): remaining sentences uniform over
     * 0-5 years, released as after prison. */
    m->s_init = -1;
    if ((rc = pwi_mf_get(s, "initial.prison_share", &m->prison0, err)) != PW_OK)
        return rc;
    if (m->prison0 > 0) {
        pw_sentence five;
        memset(&five, 0, sizeof five);
        five.custodial = true;
        five.max_years = 5;
        int v = pwi_mf_variant(m, m->prison_relapse, 0);
        m->s_init = v >= 0 ? prison_stream(m, &five, NULL, v) : -1;
    }
    m->justice = reg != NULL;
    if (!reg)
        return PW_OK;
    double cons[2] = {1 - m->tx_consent, m->tx_consent};
    pw_case c;
    /* Light users' possession: DSM-5 0 or 1 (pwi_handle_case). */
    for (int k = 0; k < MF_NSUB; k++)
        for (int dsm = 0; dsm < 2; dsm++)
            for (int ct = 0; ct < 2; ct++) {
                memset(&c, 0, sizeof c);
                c.age = REPRESENTATIVE_AGE;
                c.event = PW_EVENT_POSSESSION;
                c.amount = PW_AMOUNT_PERSONAL;
                c.substance = pw_substance_lookup(SUB_ENGINE_NAME[k]);
                c.dsm5_criteria = dsm;
                c.consents_to_treatment = ct;
                c.assist_score = -1;
                if ((rc = decide_class(m, reg, &c, 0, 0.5 * cons[ct],
                                       m->route[MF_SRC_POSS_LIGHT][k], err)) != PW_OK)
                    return rc;
            }
    /* Dependent users: possession (a fifth of it a large amount) and
     * crimes under the influence (violent at the scenario's share). */
    for (int ch = 0; ch < MF_NCH; ch++)
        for (int j = 0; j < 10; j++)
            for (int ct = 0; ct < 2; ct++)
                for (int x = 0; x < 2; x++)
                    for (int src = MF_SRC_POSS_DEP; src <= MF_SRC_CRIME; src++) {
                        memset(&c, 0, sizeof c);
                        c.age = REPRESENTATIVE_AGE;
                        c.substance = pw_substance_lookup(SUB_ENGINE_NAME[ch < MF_NSUB ? ch : 0]);
                        c.dsm5_criteria = 2 + j;
                        c.injecting = ch >= MF_CH_INJ;
                        c.consents_to_treatment = ct;
                        c.assist_score = -1;
                        double w = m->dsm_w[j] * cons[ct];
                        if (src == MF_SRC_POSS_DEP) {
                            c.event = PW_EVENT_POSSESSION;
                            c.amount = x ? PW_AMOUNT_LARGE : PW_AMOUNT_PERSONAL;
                            w *= x ? 0.2 : 0.8;
                        } else {
                            c.event = PW_EVENT_CRIME_UNDER_INFLUENCE;
                            c.violent = x;
                            w *= x ? m->crime_violent : 1 - m->crime_violent;
                        }
                        if ((rc = decide_class(m, reg, &c, 1, w, m->route[src][ch], err)) != PW_OK)
                            return rc;
                    }
    /* Distribution: origin 0 couriers (no use), 1 dealers (dependent, on
     * opioids: assumption); amounts 30% especially large, 40% large. */
    static const double amt_w[3] = {0.3, 0.4, 0.3};
    static const pw_amount amt[3] = {PW_AMOUNT_PERSONAL, PW_AMOUNT_LARGE,
                                     PW_AMOUNT_ESPECIALLY_LARGE};
    for (int o = 0; o < 2; o++)
        for (int a = 0; a < 3; a++)
            for (int ct = 0; ct < 2; ct++)
                for (int j = 0; j < (o ? 10 : 1); j++) {
                    memset(&c, 0, sizeof c);
                    c.age = REPRESENTATIVE_AGE;
                    c.event = PW_EVENT_DISTRIBUTION;
                    c.role = o ? PW_ROLE_DEALER : PW_ROLE_COURIER;
                    c.amount = amt[a];
                    c.substance = pw_substance_lookup(SUB_ENGINE_NAME[0]);
                    c.dsm5_criteria = o ? 2 + j : 0;
                    c.consents_to_treatment = ct;
                    c.assist_score = -1;
                    double w = amt_w[a] * cons[ct] * (o ? m->dsm_w[j] : 1);
                    if ((rc = decide_class(m, reg, &c, 0, w, m->route[MF_SRC_DIST][o], err)) !=
                        PW_OK)
                        return rc;
                }
    return PW_OK;
}
