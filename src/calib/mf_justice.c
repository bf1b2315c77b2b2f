/*
 * The mean-field counterpart of the society model's justice and treatment
 * pathway (src/sim/police.c, pathway.c, placement.c, market.c, costs.c).
 *
 * The same pathway engine decides: at set-up every representative case
 * class (source x substance or chain x DSM-5 criteria x consent x amount
 * or violence x first/repeat record, built as pwi_handle_case builds
 * cases) is decided once with pw_decide on the active regime, and the
 * disposition, its months and its sentence become a "stream": an Erlang
 * chain of custody or treatment stages. The class weights then turn the
 * detection hazards into flows into the streams. docs/calibration.md 1.2
 * gives the equations and what is assumed.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "mf_internal.h"

/* Free beds and slots fill within about a day (the ABM: at once, and from
 * the waiting list each week); a faster rate makes the ODE stiff. */
#define ADMIT_RATE 52.0
#define REPRESENTATIVE_AGE 30 /* assumption: the regimes' rules do not use age */

/* Smooth min(a, b): rk8pd needs a right-hand side without kinks. */
static double smin(double a, double b, double eps)
{
    return 0.5 * (a + b - sqrt((a - b) * (a - b) + eps * eps));
}

/* Smooth max(x, 0). */
static double spos(double x, double eps) { return 0.5 * (x + sqrt(x * x + eps * eps)); }

/* Harmonic min: the admissions when `want` people wait for `cap` places a
 * year (exactly min() when one term is much smaller than the other). */
static double hmin(double want, double cap)
{
    return want > 0 && cap > 0 ? want * cap / (want + cap) : 0;
}

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
    /* DSM-5 criteria at the onset of dependence: 2 + Binomial(9, 0.4)
     * (src/sim/use.c pwi_draw_dsm). */
    m->severe_share = 0;
    for (int j = 0; j < 10; j++) {
        double b = 1;
        for (int i = 0; i < j; i++)
            b = b * (9 - i) / (i + 1);
        m->dsm_w[j] = b * pow(0.4, j) * pow(0.6, 9 - j);
        if (2 + j >= 6)
            m->severe_share += m->dsm_w[j];
    }
    return PW_OK;
}

/* ---- from a decision to a stream ---------------------------------------- */


/* Years of sentence drawn at quantile u, as pathway.c's carry_out draws
 * them (uniform within the bounds; an open bound adds an exponential). */
static double sentence_years(const pw_sentence *sen, double open_mean, double u)
{
    double lo = sen->min_years, hi = sen->max_years, y;
    if (hi > lo)
        y = lo + (hi - lo) * u;
    else if (hi <= 0)
        y = lo - open_mean * log1p(-u);
    else
        y = lo;
    return y < 1.0 / 52 ? 1.0 / 52 : y;
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
        return base * m->tx_aftercare_rr;
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
    /* A treatment order next to a sanction (a fine, an arrest: the
     * Kazakh and Russian courts' orders) is carried out as the ABM does
     * (src/sim/pathway.c, carry_out): as the placement it orders. */
    pw_disposition disp = d->disposition;
    if (disp == PW_DISP_NO_ACTION || disp == PW_DISP_BRIEF_INTERVENTION ||
        disp == PW_DISP_ADMINISTRATIVE_FINE || disp == PW_DISP_ADMINISTRATIVE_ARREST ||
        disp == PW_DISP_ALTERNATIVE_SANCTION) {
        if (pw_decision_months(d, PW_MEASURE_INPATIENT_REHABILITATION) > 0 ||
            pw_decision_months(d, PW_MEASURE_DETOXIFICATION) > 0)
            disp = PW_DISP_COMPULSORY_INPATIENT_TREATMENT;
        else if (pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT) > 0)
            disp = PW_DISP_OUTPATIENT_TREATMENT;
    }
    switch (disp) {
    case PW_DISP_OUTPATIENT_TREATMENT:
    case PW_DISP_DISSUASION_COMMISSION: {
        if (!dep)
            return PW_OK;
        double mo = disp == PW_DISP_OUTPATIENT_TREATMENT
                        ? pw_decision_months(d, PW_MEASURE_OUTPATIENT_TREATMENT)
                        : 0;
        if (disp == PW_DISP_DISSUASION_COMMISSION)
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
        double base = m->tx_relapse_comp * (1 - m->tx_length * fmin(1, mo / 12.0));
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

void pwi_mf_justice_layout(mf_model *m)
{
    int at = (int)m->dim;
    for (int s = 0; s < m->ns; s++) {
        mf_stream *x = &m->st[s];
        assert(x->k >= 1 && x->k <= MF_KMAX && x->rate > 0);
        assert(x->then < m->ns && x->fallback < m->ns && x->var >= 0 && x->var < m->nv);
        x->off = at;
        at += MF_NORIG * x->k;
        x->off_slot = x->off_wait = x->off_cw = x->off_cb = x->off_cm = -1;
        if (x->place == MF_OUT || x->place == MF_DC) {
            x->off_slot = at;
            at += x->k;
        }
        if (x->place == MF_COMP && x->then < 0) {
            x->off_wait = at;
            at += MF_NORIG;
        } else if (x->place == MF_COMP) {
            /* Treatment then prison: every order ends in the term (p_then
             * is 1), so the custody wait and the rest of the term apply. */
            assert(x->p_then == 1 && m->st[x->then].place == MF_PRISON);
            x->off_cw = at;
            at += MF_NORIG * m->st[x->then].k;
            x->off_cb = at;
            at += MF_NORIG * x->k;
            x->off_cm = at;
            at += MF_NORIG * x->k;
        }
    }
    m->dim = (size_t)at;
}

double pwi_mf_dep_in_tx(const mf_model *m, const double *y, int c)
{
    double d = 0;
    for (int s = 0; s < m->ns; s++)
        if (m->st[s].place == MF_OUT || m->st[s].place == MF_DC)
            for (int j = 0; j < m->st[s].k; j++)
                d += y[m->st[s].off + c * m->st[s].k + j];
    return d;
}

/* People of origin c waiting for a bed in custody, and admitted from it. */
static double custody_held(const mf_model *m, const double *y, const mf_stream *x, int c,
                           double *beds)
{
    double w = 0, b = 0;
    if (x->off_cw < 0)
        return *beds = 0, 0;
    int kt = m->st[x->then].k;
    for (int j = 0; j < kt; j++)
        w += y[x->off_cw + c * kt + j];
    for (int j = 0; j < x->k; j++)
        b += y[x->off_cb + c * x->k + j];
    *beds = b;
    return w;
}

double pwi_mf_held(const mf_model *m, const double *y, int c)
{
    double d = 0, b;
    for (int s = 0; s < m->ns; s++) {
        for (int j = 0; j < m->st[s].k; j++)
            d += y[m->st[s].off + c * m->st[s].k + j];
        d += custody_held(m, y, &m->st[s], c, &b);
        d += b;
    }
    return d;
}

void pwi_mf_justice_stocks(const mf_model *m, const double *y, mf_stocks *o)
{
    memset(o, 0, sizeof *o);
    o->sellers = y[m->i_sell];
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        double held = 0, slot = 0;
        for (int j = 0; j < MF_NORIG * x->k; j++)
            held += y[x->off + j];
        for (int j = 0; x->off_slot >= 0 && j < x->k; j++)
            slot += y[x->off_slot + j];
        for (int c = 0; x->off_wait >= 0 && c < MF_NORIG; c++)
            o->waiting += y[x->off_wait + c];
        /* Custody waiters are prisoners on the waiting list (the ABM
         * counts them in both); those admitted from custody are in beds. */
        for (int c = 0; c < MF_NORIG; c++) {
            double b, w = custody_held(m, y, x, c, &b);
            o->waiting += w, o->prison += w, o->comp += b;
        }
        if (x->place == MF_PRISON)
            o->prison += held;
        else if (x->place == MF_COMP)
            o->comp += held;
        else if (x->place == MF_OUT)
            o->outpatient += slot, o->dep_in_tx += held;
        else
            o->drug_court += slot, o->dep_in_tx += held;
    }
}

/* Deaths within the two weeks after release among F people released into
 * early remission with relapse rate rho (Merrall 2010: the overdose rate of
 * a dependent user times the release ratio, for those who relapse in the
 * window): F od RR (w - (1 - e^{-rho w}) / rho), w = 2 weeks. */
static double release_deaths(const mf_model *m, double F, double rho, int c)
{
    double w = 2.0 / 52, od = (c >= MF_CH_INJ ? m->od_inject : m->od_other) * m->od_tx_rr;
    double in = rho > 0 ? w - (-expm1(-rho * w)) / rho : 0;
    return F * od * m->od_release_rr * in;
}

/* People released (from custody) of origin c into variant v. */
static void release_to(const mf_model *m, double *dy, int v, int c, double F, double *excess)
{
    if (c == MF_SELLER)
        return; /* sellers' use is not followed: they leave the model */
    double dead = release_deaths(m, F, m->var[v].relapse, c);
    dy[mf_e(m, v, c, 0)] += F - dead;
    dy[m->i_cum + MF_CUM_OD] += dead;
    *excess += dead;
}

/* The custody wait of a treatment-then-prison stream x and the beds of
 * those admitted from it. Waiting, the term runs through its stages (in
 * prison: held, no offending, prison costs); at its end the order lapses
 * and they are released as from the term. Admitted, the term stops for the
 * treatment; at its end they re-enter the term's chain with the stages
 * still to serve: the people of off_cb carry off_cm stages in total, so
 * the leavers' mean r = G / F is put at stage kt - r, split between the
 * two stages around it (this keeps the mean of the rest of the term, not
 * its spread: a stated approximation, docs/calibration.md 1.2). Every
 * rate is per person and bounded, so the ODE stays non-stiff. */
static void custody_chains(const mf_model *m, const mf_stream *x, const double *y, double *dy,
                           double *excess, double *held_prison, double *held_comp,
                           double *hiv_held)
{
    const mf_stream *pt = &m->st[x->then];
    int kt = pt->k, k = x->k;
    double *cum = dy + m->i_cum;
    for (int o = 0; o < MF_NORIG; o++) {
        for (int j = 0; j < kt; j++) {
            int i = x->off_cw + o * kt + j;
            double z = y[i], out = pt->rate * z;
            *held_prison += z;
            if (o == MF_CH_HIV)
                *hiv_held += z;
            dy[i] -= out + m->mu_users * z;
            if (j + 1 < kt) {
                dy[i + 1] += out;
            } else if (out > 0) {
                cum[MF_CUM_RELEASES] += out;
                release_to(m, dy, pt->var, o, out, excess);
            }
        }
        for (int j = 0; j < k; j++) {
            int i = x->off_cb + o * k + j, im = x->off_cm + o * k + j;
            double z = y[i], out = x->rate * z, g = x->rate * y[im];
            *held_comp += z;
            if (o == MF_CH_HIV)
                *hiv_held += z;
            dy[i] -= out + m->mu_users * z;
            dy[im] -= g + m->mu_users * y[im];
            if (j + 1 < k) {
                dy[i + 1] += out;
                dy[im + 1] += g;
                continue;
            }
            if (out <= 0)
                continue;
            cum[MF_CUM_RELEASES] += out;
            cum[MF_CUM_PRISON_ADM] += out;
            /* Each admitted person has 1..kt stages to serve. */
            double r = fmin(kt, fmax(1, g / out)), q = kt - r;
            int j0 = (int)floor(q);
            double fr = q - j0;
            assert(j0 >= 0 && j0 < kt);
            dy[pt->off + o * kt + j0] += out * (1 - fr);
            if (j0 + 1 < kt)
                dy[pt->off + o * kt + j0 + 1] += out * fr;
            else
                dy[pt->off + o * kt + j0] += out * fr;
        }
    }
}

void pwi_mf_justice_rhs(const mf_model *m, double t, const double *y, double *dy,
                        double *excess)
{
    double disc = exp(-log1p(m->discount) * t);
    double N = y[m->i_n];
    double *cum = dy + m->i_cum;

    /* Who can be caught: light and dependent users in the community, and
     * dependent users in outpatient care or drug court. */
    double L = 0, Dc = 0, Dtx = 0, rem = 0, pwid = 0, hivp = 0;
    for (int k = 0; k < MF_NSUB; k++)
        L += y[mf_l(k)];
    for (int c = 0; c < MF_NCH; c++) {
        double t_c = pwi_mf_dep_in_tx(m, y, c);
        Dc += y[mf_d(c)];
        Dtx += t_c;
        if (c >= MF_CH_INJ)
            pwid += y[mf_d(c)] + t_c;
        if (c == MF_CH_HIV)
            hivp += y[mf_d(c)] + t_c;
    }
    for (int i = m->off_e; i < m->i_rfin + 1; i++)
        rem += y[i];
    double prev = pwid > 0 ? hivp / pwid : 0;
    double S = y[m->i_sell];

    /* Crime of a dependent user: the unemployed share is the steady state
     * of job loss and re-employment at today's stigma (assumption: the
     * mean field follows no employment histories). */
    double per1000 = N > 0 ? 1000 * rem / N : 0;
    double stigma = m->soc_stigma / (1 + m->soc_awareness * per1000);
    double re = m->soc_reemploy * (1 - stigma) / 4;
    double unemp = m->soc_jobloss + re > 0 ? m->soc_jobloss / (m->soc_jobloss + re) : 0;
    double crime = m->crime_acq * (unemp * m->crime_unemp_rr + (1 - unemp));
    double dc_dep = 0;
    for (int s = 0; s < m->ns; s++)
        if (m->st[s].place == MF_DC)
            for (int j = 0; j < MF_NCH * m->st[s].k; j++)
                dc_dep += y[m->st[s].off + j];

    /* Police capacity (Kleiman's swamping, police.c): detections scale by
     * min(1, capacity / expected), smoothed. */
    double expected = m->police_use * L + 2 * m->police_use * (Dc + Dtx) +
                      m->police_crime * crime * (Dc + Dtx - dc_dep * (1 - m->tx_dc_crime_rr)) +
                      m->police_sale * S;
    double cap = m->police_cap * m->n0;
    double f = expected > 0 ? smin(1, cap / expected, 1e-3) : 1;
    double acq = crime * (Dc + Dtx - dc_dep * (1 - m->tx_dc_crime_rr));
    cum[MF_CUM_ACQ] += acq;
    cum[MF_CUM_OFFENCES] += acq + 52 * S; /* a seller's week counts as one */
    cum[MF_CUM_COST_CRIME] += disc * m->c_crime * acq;

    /* The share of cases with a record, from the people with one. */
    double followed = 0;
    for (int i = 0; i < m->i_rfin + 1; i++)
        followed += y[i];
    for (int c = 0; c < MF_NORIG; c++)
        followed += pwi_mf_held(m, y, c);
    double h = followed > 0 ? fmin(1, y[m->i_rec] / followed) : 0;

    /* Beds and the waiting list (a label on dependent users in the
     * community; custody for treatment-then-prison orders), counted before
     * the cases: an order goes to custody only when it finds no free bed. */
    double beds_used = 0, waiting = 0;
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        if (x->place != MF_COMP)
            continue;
        for (int j = 0; j < MF_NORIG * x->k; j++)
            beds_used += y[x->off + j];
        for (int c = 0; x->off_wait >= 0 && c < MF_NCH; c++)
            waiting += y[x->off_wait + c];
        for (int c = 0; c < MF_NORIG; c++) {
            double b;
            waiting += custody_held(m, y, x, c, &b);
            beds_used += b;
        }
    }
    double eps_b = 0.01 * fmax(1, m->beds * m->n0);
    double free_beds = spos(m->beds * m->n0 - beds_used, eps_b);
    /* Every order passes through the list (with a free bed for about a
     * week, 1 / ADMIT_RATE); the share that finds no free bed, and so
     * starts with a prison admission in the ABM, is smoothly the list's
     * share of list and free beds: 1 with a queue, 0 with beds empty. */
    double busy = waiting / (waiting + free_beds);

    /* Demand for slots and beds, gathered first because admission shares
     * the free places among all of it. */
    double dem_slot[MF_MAXSTREAM][MF_NCH], dem_prison[MF_MAXSTREAM][MF_NORIG];
    memset(dem_slot, 0, sizeof dem_slot);
    memset(dem_prison, 0, sizeof dem_prison);
    double cases = 0, drug = 0, court = 0, first = 0;
    double take[MF_NSUB + MF_NCH];
    memset(take, 0, sizeof take);
    /* A person already on the waiting list does not queue twice. */
    double not_waiting[MF_NCH];
    for (int c = 0; c < MF_NCH; c++) {
        double wc = 0, d = y[mf_d(c)];
        for (int s = 0; s < m->ns; s++)
            if (m->st[s].off_wait >= 0)
                wc += y[m->st[s].off_wait + c];
        not_waiting[c] = d > 0 ? fmax(0, 1 - wc / d) : 1;
    }
    /* One source: rate x people, routed by the record mix. */
#define ROUTE(r2, x, orig, isrc, in_tx, drugcase)                                           \
    do {                                                                                    \
        double n_ = (x);                                                                    \
        if (n_ <= 0)                                                                        \
            break;                                                                          \
        cases += n_;                                                                        \
        first += n_ * (1 - h);                                                              \
        drug += (drugcase) ? n_ : 0;                                                        \
        court += n_ * ((1 - h) * (r2)[0].court + h * (r2)[1].court);                        \
        for (int s_ = 0; s_ < m->ns; s_++) {                                                \
            double q_ = n_ * ((1 - h) * (r2)[0].p[s_] + h * (r2)[1].p[s_]);                 \
            if (q_ <= 0)                                                                    \
                continue;                                                                   \
            const mf_stream *x_ = &m->st[s_];                                               \
            if (x_->place == MF_PRISON) {                                                   \
                dem_prison[s_][orig] += q_;                                                 \
                if ((isrc) >= 0)                                                            \
                    take[isrc] += q_;                                                       \
            } else if (x_->place == MF_COMP && x_->off_cw >= 0) {                           \
                /* Treatment then prison: the wait is custody, from the \
                 * term's first stage (leaves the community as prison). */ \
                if ((orig) < MF_NCH) {                                                      \
                    dy[x_->off_cw + (orig) * m->st[x_->then].k] += q_;                      \
                    cum[MF_CUM_PRISON_ADM] += q_ * busy;                                    \
                    if ((isrc) >= 0)                                                        \
                        take[isrc] += q_;                                                   \
                }                                                                           \
            } else if (x_->place == MF_COMP) {                                              \
                if ((orig) < MF_NCH)                                                        \
                    dy[x_->off_wait + (orig)] += q_ * not_waiting[orig];                    \
            } else if (!(in_tx) && (orig) < MF_NCH) {                                       \
                dem_slot[s_][orig] += q_;                                                   \
            }                                                                               \
        }                                                                                   \
    } while (0)
    if (m->justice) {
        for (int k = 0; k < MF_NSUB; k++)
            ROUTE(m->route[MF_SRC_POSS_LIGHT][k], m->police_use * f * y[mf_l(k)], k, mf_l(k), 0, 1);
        for (int c = 0; c < MF_NCH; c++) {
            ROUTE(m->route[MF_SRC_POSS_DEP][c], 2 * m->police_use * f * y[mf_d(c)], c, mf_d(c), 0, 1);
            ROUTE(m->route[MF_SRC_CRIME][c], m->police_crime * f * crime * y[mf_d(c)], c, mf_d(c), 0, 0);
        }
        /* Sellers: couriers and dealers; their use is not followed. */
        double det = m->police_sale * f * S, leave = 0;
        for (int o = 0; o < 2; o++) {
            double share = o ? 1 - m->market_courier : m->market_courier;
            ROUTE(m->route[MF_SRC_DIST][o], det * share, MF_SELLER, -1, 0, 1);
            double held = 0;
            for (int s = 0; s < m->ns; s++)
                held += (1 - h) * m->route[MF_SRC_DIST][o][0].p[s] +
                        h * m->route[MF_SRC_DIST][o][1].p[s];
            /* A caught courier's place is taken by another; a dealer stops
             * only when held (community.c). */
            leave += det * share * (o ? fmin(1, held) : 1);
        }
        dy[m->i_sell] -= leave;
    } else {
        /* No regime: every detected case gets no action (the ABM's NULL
         * regime), but cases are still counted. */
        for (int k = 0; k < MF_NSUB; k++)
            cases += m->police_use * f * y[mf_l(k)], drug += m->police_use * f * y[mf_l(k)];
        for (int c = 0; c < MF_NCH; c++) {
            cases += (2 * m->police_use + m->police_crime * crime) * f * y[mf_d(c)];
            drug += 2 * m->police_use * f * y[mf_d(c)];
        }
        cases += m->police_sale * f * S, drug += m->police_sale * f * S;
        cases += (2 * m->police_use + m->police_crime * crime * 1) * f * Dtx;
        drug += 2 * m->police_use * f * Dtx;
        first = cases * (1 - h);
    }
    /* Dependent users in treatment are caught too; their custody outcomes
     * apply, a second treatment order does not. */
    for (int s = 0; m->justice && s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        if (x->place != MF_OUT && x->place != MF_DC)
            continue;
        double rr = x->place == MF_DC ? m->tx_dc_crime_rr : 1;
        for (int c = 0; c < MF_NCH; c++) {
            double n = 0;
            for (int j = 0; j < x->k; j++)
                n += y[x->off + c * x->k + j];
            if (n <= 0)
                continue;
            double rp = 2 * m->police_use * f * n, rc = m->police_crime * f * crime * rr * n;
            ROUTE(m->route[MF_SRC_POSS_DEP][c], rp, c, -1, 1, 1);
            ROUTE(m->route[MF_SRC_CRIME][c], rc, c, -1, 1, 0);
            /* Those sent to prison leave the treatment chain, from its
             * stages in proportion. */
            double out = 0;
            for (int s2 = 0; s2 < m->ns; s2++)
                if (m->st[s2].place == MF_PRISON || m->st[s2].off_cw >= 0)
                    out += rp * ((1 - h) * m->route[MF_SRC_POSS_DEP][c][0].p[s2] +
                                 h * m->route[MF_SRC_POSS_DEP][c][1].p[s2]) +
                           rc * ((1 - h) * m->route[MF_SRC_CRIME][c][0].p[s2] +
                                 h * m->route[MF_SRC_CRIME][c][1].p[s2]);
            for (int j = 0; j < x->k; j++)
                dy[x->off + c * x->k + j] -= out * y[x->off + c * x->k + j] / n;
        }
    }
#undef ROUTE
    cum[MF_CUM_CASES] += cases;
    cum[MF_CUM_DRUG] += drug;
    dy[m->i_rec] += first;
    cum[MF_CUM_COST_JUSTICE] += disc * (m->c_police * cases + m->c_court * court);

    /* Voluntary outpatient entry of dependent users in the community
     * (stream 0, set up first in pwi_mf_justice_setup). */
    assert(m->ns > 0 && m->st[0].place == MF_OUT);
    for (int c = 0; c < MF_NCH; c++)
        dem_slot[0][c] += m->tx_vol * y[mf_d(c)];

    /* Slots: shared by outpatient care and drug courts. */
    double occ = 0, want = 0;
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        for (int j = 0; x->off_slot >= 0 && j < x->k; j++)
            occ += y[x->off_slot + j];
        for (int c = 0; c < MF_NCH; c++)
            want += dem_slot[s][c];
    }
    double free_slots = spos(m->slots * m->n0 - occ, 0.01 * fmax(1, m->slots * m->n0));
    double phi = want > 0 ? hmin(want, ADMIT_RATE * free_slots) / want : 0;
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        for (int c = 0; c < MF_NCH; c++) {
            double q = dem_slot[s][c];
            if (q <= 0)
                continue;
            double in = q * phi;
            take[mf_d(c)] += in;
            dy[x->off + c * x->k] += in;
            dy[x->off_slot] += in;
            /* Drug court without a slot: the deferred prison term now. */
            if (x->place == MF_DC && x->fallback >= 0) {
                dem_prison[x->fallback][c] += q * (1 - phi);
                take[mf_d(c)] += q * (1 - phi);
            }
        }
    }

    /* Beds: the waiting list (labels on dependent users, and custody) is
     * admitted as beds free up (occupancy and list counted above). */
    /* The ABM fills every free bed while anyone waits. The harmonic min of
     * the list and the free beds (smoothed to 1% of the beds, at least a
     * person) is that, and it vanishes with the list: each waiting person
     * is admitted at most at ADMIT_RATE. A smooth min(waiting, free) under a
     * smooth max(., 0) instead admits eps/2 from an empty list, so the
     * per-person rate admit/waiting grew without bound as the list emptied
     * and, with beds to spare, the ODE turned stiff (minutes per run). */
    double admit = ADMIT_RATE * hmin(waiting, free_beds);
    double taken[MF_NCH]; /* to prison and outpatient places, before admissions */
    for (int c = 0; c < MF_NCH; c++)
        taken[c] = take[mf_d(c)];
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        if (x->off_cw >= 0) {
            /* Custody waiters share the admissions with the community's in
             * proportion (the ABM's one FIFO queue), each at most at
             * ADMIT_RATE, from whatever stage of the term they are in; the
             * stages still to serve go with them (off_cm). They stay
             * eligible: prison is early remission, not the end of the
             * disorder's order (pathway.c admits them regardless). */
            int kt = m->st[x->then].k;
            for (int c = 0; c < MF_NCH && waiting > 0; c++)
                for (int j = 0; j < kt; j++) {
                    double a = admit * y[x->off_cw + c * kt + j] / waiting;
                    dy[x->off_cw + c * kt + j] -= a;
                    dy[x->off_cb + c * x->k] += a;
                    dy[x->off_cm + c * x->k] += a * (kt - j);
                    cum[MF_CUM_COMP_ADM] += a;
                }
            continue;
        }
        if (x->place != MF_COMP)
            continue;
        for (int c = 0; c < MF_NCH; c++) {
            double wv = y[x->off_wait + c], d = y[mf_d(c)];
            double a = waiting > 0 ? admit * wv / waiting : 0;
            /* Nobody is admitted who is no longer dependent. */
            a *= d / (d + 1e-6);
            /* Waiting people leave the list when they die, or are sent to
             * prison or to an outpatient place (pathway.c: the list holds
             * people in the community), in proportion to the dependent. */
            double leave = wv * (m->mu_users + (d > 0 ? taken[c] / d : 0));
            dy[x->off_wait + c] -= a + leave;
            take[mf_d(c)] += a;
            dy[x->off + c * x->k] += a;
            cum[MF_CUM_COMP_ADM] += a;
        }
    }

    /* Entries into prison. */
    for (int s = 0; s < m->ns; s++)
        for (int o = 0; o < MF_NORIG; o++)
            if (dem_prison[s][o] > 0) {
                dy[m->st[s].off + o * m->st[s].k] += dem_prison[s][o];
                cum[MF_CUM_PRISON_ADM] += dem_prison[s][o];
            }
    for (int i = 0; i < MF_NSUB + MF_NCH; i++)
        dy[i] -= take[i];

    /* The chains: stages, ends, and what happens inside. */
    double held_prison = 0, held_comp = 0, slots_held = 0, hiv_held = 0, dep_tx_unemp = 0;
    for (int s = 0; s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        int k = x->k;
        for (int j = 0; x->off_slot >= 0 && j < k; j++) {
            double z = y[x->off_slot + j], out = x->rate * z;
            slots_held += z;
            dy[x->off_slot + j] -= out;
            if (j + 1 < k)
                dy[x->off_slot + j + 1] += out;
        }
        for (int o = 0; o < MF_NORIG; o++) {
            for (int j = 0; j < k; j++) {
                int i = x->off + o * k + j;
                double z = y[i], out = x->rate * z;
                if (o == MF_CH_HIV)
                    hiv_held += z;
                dy[i] -= out + m->mu_users * z;
                if (j + 1 < k)
                    dy[i + 1] += out;
                if (x->place == MF_PRISON)
                    held_prison += z;
                else if (x->place == MF_COMP)
                    held_comp += z;
                if ((x->place == MF_OUT || x->place == MF_DC) && o < MF_NCH) {
                    /* Dependent in care: remission at the outpatient rate,
                     * overdose at the in-treatment rate, injecting, HIV. */
                    double remr = fmax(m->tx_rem_out, m->rem[o < MF_NSUB ? o : 0]);
                    double odr = o >= MF_CH_INJ ? m->od_inject : m->od_other;
                    double hm = o == MF_CH_HIV ? m->hiv_mort : 0;
                    dy[i] -= (remr + odr + hm) * z;
                    /* The ABM's drug court decides graduation at the end,
                     * whatever the stage (placement.c): a participant who
                     * remits still fails with probability p_then. The ODE
                     * has no "remitted, still in court" compartment, so
                     * that share starts the term now, on average half a
                     * programme early, instead of escaping it (it did,
                     * which halved the prison a failed drug court adds). */
                    double pt = x->place == MF_DC && x->then >= 0 ? x->p_then : 0;
                    dy[mf_e(m, m->var_vol, o, 0)] += (1 - pt) * remr * z;
                    if (pt > 0) {
                        dy[m->st[x->then].off + o * m->st[x->then].k] += pt * remr * z;
                        cum[MF_CUM_PRISON_ADM] += pt * remr * z;
                    }
                    cum[MF_CUM_OD] += odr * z;
                    *excess += (odr + hm) * z;
                    dep_tx_unemp += unemp * z;
                    if (o == 0) {
                        dy[i] -= m->inject * z;
                        dy[x->off + MF_CH_INJ * k + j] += m->inject * z;
                    }
                    if (o == MF_CH_INJ) {
                        double inf = m->hiv_beta * prev * z;
                        dy[i] -= inf;
                        dy[x->off + MF_CH_HIV * k + j] += inf;
                        cum[MF_CUM_HIVINF] += inf;
                    }
                }
                if (j + 1 < k || out <= 0)
                    continue;
                /* The end of the leg. */
                if (x->place == MF_PRISON) {
                    cum[MF_CUM_RELEASES] += out * (1 - x->p_wr);
                    release_to(m, dy, x->var, o, out, excess);
                } else if (x->place == MF_COMP) {
                    cum[MF_CUM_RELEASES] += out;
                    if (x->then >= 0) {
                        dy[m->st[x->then].off + o * m->st[x->then].k] += out * x->p_then;
                        cum[MF_CUM_PRISON_ADM] += out * x->p_then;
                    }
                    release_to(m, dy, x->var, o, out * (1 - (x->then >= 0 ? x->p_then : 0)),
                               excess);
                } else if (o < MF_NCH) {
                    /* Outpatient care or drug court ends, still dependent:
                     * a failed drug court sends them to its prison term. */
                    double p = x->place == MF_DC && x->then >= 0 ? x->p_then : 0;
                    dy[mf_d(o)] += out * (1 - p);
                    if (p > 0) {
                        dy[m->st[x->then].off + o * m->st[x->then].k] += out * p;
                        cum[MF_CUM_PRISON_ADM] += out * p;
                    }
                }
            }
        }
        if (x->off_cw >= 0)
            custody_chains(m, x, y, dy, excess, &held_prison, &held_comp, &hiv_held);
    }

    /* The market (market.c): sellers towards sellers_per_user x users,
     * closing the gap over ~8 weeks; quitting. */
    double users = L + Dc + Dtx;
    dy[m->i_sell] += (52.0 / 8) * spos(m->market_sellers * users - S, 0.01 * fmax(1, m->market_sellers * users)) - m->market_quit * S;

    /* Costs, discounted to the start (costs.c, world.c). */
    cum[MF_CUM_COST_JUSTICE] += disc * m->c_prison_day * 364 * held_prison;
    cum[MF_CUM_COST_WORK] += disc * m->c_work_month * 12 * (held_prison + unemp * Dc) +
                             disc * m->c_work_month * 12 * dep_tx_unemp;
    cum[MF_CUM_COST_TREATMENT] += disc * 12 * (m->c_comp_month * held_comp +
                                               m->c_out_month * slots_held);
    /* HIV care for everyone followed with HIV: the held part here. */
    cum[MF_CUM_COST_HEALTH] += disc * m->c_hiv * hiv_held;
}
