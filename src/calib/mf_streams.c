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


/* Finds or adds a sustained-remission variant of relapse ratio rr. */
static int sust_variant(mf_model *m, double rr)
{
    for (int a = 0; a < m->nsust; a++)
        if (fabs(m->sust_rr[a] - rr) < 1e-12)
            return a;
    if (m->nsust == MF_MAXSUST)
        return -1;
    m->sust_rr[m->nsust] = rr;
    return m->nsust++;
}

int pwi_mf_variant(mf_model *m, double relapse, double sust_rr)
{
    int a = sust_variant(m, sust_rr);
    if (a < 0)
        return -1;
    for (int v = 0; v < m->nv; v++)
        if (fabs(m->var[v].relapse - relapse) < 1e-12 && m->var[v].sust == a)
            return v;
    if (m->nv == MF_MAXVAR)
        return -1;
    m->var[m->nv].relapse = relapse;
    m->var[m->nv].sust = a;
    return m->nv++;
}


static int load_justice_par(mf_model *m, const pw_scenario *s, pw_error *err)
{
    double cap, beds, slots, bed_share;
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
        {"treatment.compulsory_beds_drug_share", &bed_share},
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
        {"treatment.order_validity_months", &m->tx_order_validity},
        {"treatment.monitoring_relapse_ratio", &m->tx_monitoring_rr},
        {"justice.arrest_share", &m->arrest_share},
        {"justice.community_service_share", &m->cs_share},
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
    m->beds = beds * bed_share / 1e5; /* the drug cases' beds, as the ABM (world.c) */
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
 * runs it: parole exams at p1 and p2 (each passed with probability pass),
 * work release from wr in custody (it ends nothing: the person stays in
 * the prison count until the term ends or parole). Adds E[T], E[T^2] and
 * the expected time on work release to the accumulators, weighted by w. */
static void time_inside(double years, const pw_sentence *sen, double pass, double w,
                        double *m1, double *m2, double *twr)
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
    /* The exits: parole at p1 (pass), at p2 (fail then pass), the end. */
    double t[3], q[3];
    int n = 0;
    if (p1 > 0) {
        t[n] = p1, q[n++] = pass;
        if (p2 > 0)
            t[n] = p2, q[n++] = (1 - pass) * pass;
        t[n] = years, q[n++] = p2 > 0 ? (1 - pass) * (1 - pass) : 1 - pass;
    } else {
        t[n] = years, q[n++] = 1;
    }
    for (int i = 0; i < n; i++) {
        *m1 += w * q[i] * t[i], *m2 += w * q[i] * t[i] * t[i];
        if (wr > 0 && t[i] > wr)
            *twr += w * q[i] * (t[i] - wr);
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
            y->fallback == x->fallback && y->var == x->var && fabs(y->p_wr - x->p_wr) < 1e-12 &&
            y->light == x->light)
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
    double m1 = 0, m2 = 0, twr = 0;
    const int n = 256;
    for (int i = 0; i < n; i++) {
        double y = sentence_years(bounds, m->prison_open_years, (i + 0.5) / n);
        time_inside(y, sen, m->prison_parole, 1.0 / n, &m1, &m2, &twr);
    }
    mf_stream x;
    memset(&x, 0, sizeof x);
    x.place = MF_PRISON;
    erlang_fit(m1, fmax(m2 - m1 * m1, 0), &x.k, &x.rate);
    x.months = 12 * m1;
    x.then = x.fallback = -1;
    x.var = var;
    x.p_wr = m1 > 0 ? twr / m1 : 0;
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

/* The care a decision orders after its placement (pathway.c carry_out):
 * 12-step aftercare and monitoring, each for its months from the
 * discharge (placement.c pwi_start_care), never while waiting. */
typedef struct care {
    double ac, mon; /* months */
} care;

/* The relapse ratio of that care averaged over months [lo, hi] after the
 * discharge: aftercare and monitoring each multiply the rate while they
 * run (rates.h; use.c pwi_relapse_rate). Early remission is months 0-12,
 * sustained remission 12-60; the mean field's remission compartments have
 * no clock of their own, so the ratio is the time average over them
 * (approximation, docs/calibration.md 1.2). */
static double care_ratio(const mf_model *m, const care *c, double lo, double hi)
{
    double cut[4] = {lo, fmin(hi, fmax(lo, c->ac)), fmin(hi, fmax(lo, c->mon)), hi};
    if (cut[1] > cut[2]) {
        double t = cut[1];
        cut[1] = cut[2], cut[2] = t;
    }
    double total = 0;
    for (int i = 0; i < 3; i++) {
        double a = cut[i], b = cut[i + 1], mid = 0.5 * (a + b);
        if (b <= a)
            continue;
        double r = pwi_rate_with_care(1, m->tx_aftercare_rr, mid < c->ac);
        r = pwi_rate_with_care(r, m->tx_monitoring_rr, mid < c->mon);
        total += r * (b - a);
    }
    return total / (hi - lo);
}

/* The early-remission variant after a discharge with relapse rate `base`
 * and care c. */
static int care_variant(mf_model *m, double base, const care *c)
{
    return pwi_mf_variant(m, base * care_ratio(m, c, 0, 12), care_ratio(m, c, 12, 60));
}

/* An arrest stream of `days` (placement.c: held until week + 1 + days/7)
 * for light users (light) or dependent users, with the treatment order
 * that starts at its end (then: a stream, or -1). */
static int arrest_stream(mf_model *m, double days, int light, int then)
{
    mf_stream x;
    memset(&x, 0, sizeof x);
    x.place = MF_ARREST;
    x.months = (1 + floor(days / 7)) * 12.0 / 52;
    /* Arrests last weeks: as many Erlang stages as keep each stage's rate
     * at most 52 a year (12 stages of a 6-week arrest, 104 a year each,
     * made the ODE four times slower), at least one. */
    x.k = (int)fmin(MF_KMAX, fmax(1, floor(52 * x.months / 12.0)));
    x.rate = x.k / (x.months / 12.0);
    x.then = then;
    x.p_then = then >= 0;
    x.fallback = -1;
    x.light = light;
    return add_stream(m, &x);
}

/* The chance that the court chooses arrest among the sanctions a
 * non-custodial sentence offers (pathway.c choose_sanction): arrest at
 * justice.arrest_share, community service at
 * justice.community_service_share, a fine otherwise, renormalised over the
 * options the rule offers. */
static double arrest_chance(const mf_model *m, const pw_decision *d)
{
    const pw_sentence *s = &d->sentence;
    if (d->disposition == PW_DISP_ADMINISTRATIVE_ARREST)
        return d->has_sentence && s->arrest_days > 0;
    if (!d->has_sentence || s->custodial || s->arrest_days <= 0)
        return 0;
    int fine = s->fine_mrp > 0 || s->fine_max > 0 || s->fine_min > 0;
    double pa = m->arrest_share, pc = s->community_service_hours > 0 ? m->cs_share : 0;
    double pf = fine ? fmax(0, 1 - pa - pc) : 0;
    return pa + pc + pf > 0 ? pa / (pa + pc + pf) : 1;
}

/* Adds the routes of one decided class (weight w) to r, carrying out every
 * measure of the decision as pathway.c's carry_out does; `dep`: the case is
 * a dependent user's (treatment orders and referrals apply to them only:
 * no built-in regime orders treatment without a disorder). */
static int route_decision(mf_model *m, const pw_decision *d, int dep, double w, mf_route *r,
                          pw_error *err)
{
    int court = d->route == PW_ROUTE_CRIMINAL || d->disposition == PW_DISP_DRUG_COURT ||
                d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    r->court += court * w;
    int custodial = d->has_sentence && d->sentence.custodial;
    /* The measures, read as carry_out reads them. */
    double comp_m = 0, out_m = 0;
    care cr = {0, 0};
    for (int k = 0; k < d->n_measures; k++) {
        const pw_measure *ms = &d->measures[k];
        double mo = ms->min_months > 0 ? ms->min_months : ms->max_months;
        switch (ms->type) {
        case PW_MEASURE_DETOXIFICATION:
            if (comp_m <= 0)
                comp_m = mo;
            break;
        case PW_MEASURE_INPATIENT_REHABILITATION:
            comp_m = mo;
            break;
        case PW_MEASURE_OUTPATIENT_TREATMENT:
            out_m = mo;
            break;
        case PW_MEASURE_POST_REHABILITATION_12_STEP:
            cr.ac = mo;
            break;
        case PW_MEASURE_MONITORING:
        case PW_MEASURE_DRUG_TESTING:
            cr.mon = fmax(cr.mon, mo);
            break;
        default:
            break;
        }
    }
    if (d->monitoring_required)
        cr.mon = fmax(cr.mon, d->monitoring_months);
    if (d->disposition == PW_DISP_OUTPATIENT_TREATMENT && out_m <= 0)
        out_m = m->tx_out_months;
    int has_comp = comp_m > 0 || d->disposition == PW_DISP_COMPULSORY_INPATIENT_TREATMENT ||
                   d->disposition == PW_DISP_TREATMENT_THEN_PRISON;
    if (has_comp && comp_m <= 0)
        comp_m = m->tx_comp_months;
    comp_m = fmin(comp_m, 60);
    double p_arrest = custodial ? 0 : arrest_chance(m, d);
    double comp_base = pwi_rate_relapse_after_compulsory(m->tx_relapse_comp, m->tx_length, comp_m);
    int s = -2, s2 = -2;
    double p = 1, p2 = 0;
    switch (d->disposition) {
    case PW_DISP_DRUG_COURT: {
        if (!dep)
            return PW_OK;
        int v = care_variant(m, m->prison_relapse, &cr);
        int pr = custodial && v >= 0 ? prison_stream(m, &d->sentence, NULL, v) : -1;
        int vv = care_variant(m, m->tx_relapse_vol, &cr);
        s = vv >= 0 ? fixed_stream(m, MF_DC, out_m > 0 ? out_m : 12, pr, 1 - m->tx_dc_grad, pr,
                                   vv)
                    : -1;
        goto add;
    }
    case PW_DISP_COMPULSORY_INPATIENT_TREATMENT:
    case PW_DISP_TREATMENT_THEN_PRISON: {
        if (!dep)
            return PW_OK;
        int pr = -1;
        if (d->disposition == PW_DISP_TREATMENT_THEN_PRISON && custodial) {
            int v = care_variant(m, m->prison_relapse, &cr);
            pr = v >= 0 ? prison_stream(m, &d->sentence, NULL, v) : -1;
        }
        int v = care_variant(m, comp_base, &cr);
        s = v >= 0 ? fixed_stream(m, MF_COMP, comp_m, pr, pr >= 0, -1, v) : -1;
        goto add;
    }
    case PW_DISP_PRISON: {
        /* A treatment order next to the term is carried out in prison (no
         * bed); its care follows the release. */
        if (!custodial)
            return PW_OK;
        int v = care_variant(m, m->prison_relapse, &cr);
        s = v >= 0 ? prison_stream(m, &d->sentence, &d->sentence, v) : -1;
        goto add;
    }
    case PW_DISP_DISSUASION_COMMISSION:
        /* A commission refers a share of dependent people to treatment when
         * its rule lists none; a listed treatment is the referral. */
        if (out_m <= 0 && dep)
            out_m = m->tx_out_months, p = m->tx_dissuasion;
        break;
    default:
        break;
    }
    /* A treatment order whatever the disposition (next to a fine, community
     * service or an arrest): now, or at the end of the arrest. An
     * outpatient order finds a place or lapses, as the ABM's. */
    int order = -1;
    if (dep && has_comp) {
        int v = care_variant(m, comp_base, &cr);
        order = v >= 0 ? fixed_stream(m, MF_COMP, comp_m, -1, 0, -1, v) : -2;
    } else if (dep && out_m > 0) {
        int vv = care_variant(m, m->tx_relapse_vol, &cr);
        order = vv >= 0 ? fixed_stream(m, MF_OUT, out_m, -1, 0, -1, vv) : -2;
    }
    if (order == -2)
        s = -1;
    else if (p_arrest > 0) {
        s = arrest_stream(m, d->sentence.arrest_days, !dep, order);
        p2 = order >= 0 ? p * (1 - p_arrest) : 0;
        s2 = order >= 0 ? order : -2;
        p = p_arrest; /* the arrest stream carries its order (p_then 1) */
    } else if (order >= 0) {
        s = order;
    } else {
        return PW_OK; /* a fine, community service, a brief intervention: no placement */
    }
add:
    if (s < 0 || s2 == -1)
        return pw_error_set(err, PW_EINVAL, NULL, 0, "regime",
                            "the regime's decisions need more than %d mean-field pathways",
                            MF_MAXSTREAM);
    r->p[s] += w * p;
    if (s2 >= 0)
        r->p[s2] += w * p2;
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
    m->nsust = 0;
    if (pwi_mf_variant(m, m->relapse_early, 1) != 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "mean-field variants");
    m->var_vol = pwi_mf_variant(m, m->tx_relapse_vol, 1);
    if (fixed_stream(m, MF_OUT, m->tx_out_months, -1, 0, -1, m->var_vol) != 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, NULL, "mean-field streams");
    /* The initial prisoners (initial.c): remaining terms exponential with
     * a mean of 2.5 years (cut at 15 there, a tail of e^-6 here), so one
     * Erlang stage at 1 / 2.5 a year; released as after prison. (A uniform
     * 0-5 years, which the ABM gave up, released them almost twice as fast
     * in the first year: 1,000 against the ABM's 600 in Almaty.) */
    m->s_init = -1;
    if ((rc = pwi_mf_get(s, "initial.prison_share", &m->prison0, err)) != PW_OK)
        return rc;
    if (m->prison0 > 0) {
        int v = pwi_mf_variant(m, m->prison_relapse, 1);
        if (v >= 0) {
            mf_stream x;
            memset(&x, 0, sizeof x);
            x.place = MF_PRISON;
            x.k = 1;
            x.rate = 1 / 2.5;
            x.months = 30;
            x.then = x.fallback = -1;
            x.var = v;
            m->s_init = add_stream(m, &x);
        }
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
