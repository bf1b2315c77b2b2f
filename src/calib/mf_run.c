/*
 * Running the mean-field society model (mf_society.c holds its use stages
 * and population): the starting state at the scenario's start (the ABM's
 * initial state, src/sim/initial.c), the history under the history regime
 * and what it hands each regime at the branch, and the yearly rows and
 * metrics of the output.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mf_internal.h"
#include "calib_internal.h"

#define IDX_L(c) mf_l(c)
#define IDX_D(c) mf_d(c)
#define IDX_BAND(b) (p->off_band + (b))
#define CUM(k) (p->i_cum + (k))

typedef mf_model mf_par;

static int mf_setup(const pw_scenario *s, const pw_regime *regime, double scale_population,
                    mf_par **out, double **y0_out, pw_error *err);
static void put_rows(const mf_par *p, const double *traj, int years, pw_results *res, size_t g,
                     int run, int row0, double up, int metrics);

const char *pw_mf_society_note(void)
{
    return "mean field, one deterministic trajectory per regime. Peers recruit along "
           "circles of ties that run out (a pair approximation of the agent-based ties), "
           "so on the default Almaty scenario, history included, it agrees with the "
           "agent-based engine within 25% for people who use drugs, dependent users, people "
           "who inject and prisoners in every year 2011-2043, HIV-positive people who "
           "inject within 30% from 2015 (sharing, needle programmes and ART as in the "
           "agent-based model), and the paired prison "
           "differences keep their sign and lie within a factor 2 "
           "(tests/calib/test_mf_levels.c). NaN: the criminal "
           "mindset and its effect on crime and dealing, employment histories, who is in "
           "aftercare or monitoring, pre-trial days (and so total custody person-years), "
           "parole exams, re-convictions, fines, "
           "HCV, children of users, and the cost items; the total cost leaves out panels, "
           "treatment centres, aftercare, monitoring, bracelets, exams, community service "
           "and brief interventions. See docs/calibration.md 1.2.";
}

int pw_mf_society_run(const pw_scenario *s, const pw_regime *regime, double scale_population,
                      int years, pw_results *res, size_t g, int run, pw_error *err)
{
    return pwi_mf_society_run_tol(s, regime, scale_population, years, res, g, run, 1e-8, err);
}

/* The model of `regime` (NULL: no pathway) and its starting state at the
 * scenario's start (the ABM's initial state, src/sim/initial.c). */
static int mf_setup(const pw_scenario *s, const pw_regime *regime, double scale_population,
                    mf_par **out, double **y0_out, pw_error *err)
{
    mf_par *p = calloc(1, sizeof *p);
    double s0, s65, init[5], sellers0 = 0, prison0 = 0;
    double *y0 = NULL;
    if (!p)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = pwi_mf_load_par(s, p, &s0, &s65, init, err);
    if (rc == PW_OK)
        rc = pwi_mf_get(s, "initial.sellers_per_user", &sellers0, err);
    if (rc == PW_OK)
        rc = pwi_mf_justice_setup(p, s, regime, err);
    if (rc == PW_OK)
        rc = pwi_mf_levers_load(p, s, err);
    if (rc == PW_OK)
        rc = pwi_mf_network_load(p, s, err);
    if (rc == PW_OK)
        rc = pwi_mf_hiv_load(p, s, err);
    if (rc != PW_OK)
        goto done;
    prison0 = p->prison0;
    pwi_mf_layout(p);
    size_t DIM = p->dim;
    double N0 = pw_scenario_population(s) * (scale_population > 0 ? scale_population : 1.0);
    double adults = 0;
    for (int b = 2; b <= 5; b++) /* ages 15-65 */
        adults += N0 * p->share0[b];
    y0 = calloc(DIM, sizeof(double));
    if (!y0) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* Initial stocks split by substance as use.c's pwi_pick_substance():
     * light users by mix/(quit + dependence), dependence and remission by
     * mix x dependence / remission. */
    double w1[MF_NSUB], w2[MF_NSUB], t1 = 0, t2 = 0;
    for (int k = 0; k < MF_NSUB; k++) {
        w1[k] = p->mix[k] / (p->quit + p->dep[k] + 1e-9);
        w2[k] = p->mix[k] * p->dep[k] / (p->rem[k] + 1e-9);
        t1 += w1[k];
        t2 += w2[k];
    }
    double users0 = 0;
    for (int k = 0; k < MF_NSUB; k++) {
        double light = fmin(1, init[0]) * adults * w1[k] / t1;
        double dep = fmin(1, init[1]) * adults * w2[k] / t2;
        double rem = fmin(1, init[2]) * adults * w2[k] / t2;
        y0[IDX_L(k)] = light;
        users0 += light + dep;
        if (k == 0) {
            double inj = dep * init[3];
            y0[IDX_D(0)] = dep - inj;
            y0[IDX_D(MF_CH_INJ)] = inj * (1 - init[4]);
            y0[IDX_D(MF_CH_HIV)] = inj * init[4];
        } else {
            y0[IDX_D(k)] = dep;
        }
        /* Seeded remission as the ABM seeds it (src/sim/initial.c,
         * spread_remission): split between early (spontaneous, variant 0)
         * and sustained remission in the proportions of a steady inflow,
         * each spread over its months by the density of staying,
         * exp(-relapse t), so no clock starts synchronised at 0. */
        double re = p->relapse_early, rs = p->relapse_sust;
        double pe = re > 0 ? -expm1(-re) / re : 1;
        double ps = exp(-re) * (rs > 0 ? -expm1(-4 * rs) / rs : 4);
        for (int j = 0; j < MF_NE; j++) {
            double wj = re > 0 ? (exp(-re * j / 12.0) - exp(-re * (j + 1) / 12.0)) / -expm1(-re)
                               : 1.0 / MF_NE;
            y0[mf_e(p, 0, k, j)] = rem * pe / (pe + ps) * wj;
        }
        for (int j = 0; j < MF_NR; j++) {
            double wj = rs > 0 ? (exp(-rs * j / 12.0) - exp(-rs * (j + 1) / 12.0)) / -expm1(-4 * rs)
                               : 1.0 / MF_NR;
            y0[mf_r(p, 0, k, j)] = rem * ps / (pe + ps) * wj;
        }
    }
    double D0 = 0;
    for (int c = 0; c < MF_NCH; c++)
        D0 += y0[IDX_D(c)];
    y0[p->i_y] = D0 / p->decay;
    y0[p->i_n] = N0;
    p->n0 = N0;
    for (int b = 0; b < MF_NBAND; b++)
        y0[IDX_BAND(b)] = N0 * p->share0[b];
    y0[p->i_sell] = sellers0 * users0;
    /* Prisoners at the start (initial.c), in their own stream (see
     * pwi_mf_justice_setup); not followed as users (an approximation: the
     * ABM also picks some users). */
    if (p->s_init >= 0) {
        const mf_stream *x = &p->st[p->s_init];
        for (int j = 0; j < x->k; j++)
            y0[x->off + MF_SELLER * x->k + j] = prison0 * N0 / x->k;
    }
    {
        double rem0 = 0;
        for (int i = p->off_e; i <= p->i_rfin; i++)
            rem0 += y0[i];
        pwi_mf_levers_init(p, y0, rem0, N0);
        /* The circles at the start are drawn like anyone's (ties.c): the
         * age-weighted share of the people not followed. */
        double followed = 0, wa = 0;
        for (int i = 0; i <= p->i_rfin; i++)
            followed += y0[i];
        for (int c = 0; c < MF_NORIG; c++)
            followed += pwi_mf_held(p, y0, c);
        for (int b = 0; b < MF_NBAND; b++)
            wa += pwi_rate_age_factor(pwi_mf_band_lo[b]) * y0[IDX_BAND(b)];
        pwi_mf_network_init(p, y0, N0 > 0 ? wa / N0 * fmax(N0 - followed, 0) / N0 : 0);
        pwi_mf_hiv_init(p, y0, init[4]);
    }
    *out = p;
    *y0_out = y0;
    return PW_OK;
done:
    free(y0);
    free(p);
    return rc;
}

/* Yearly rows row0 .. row0 + years - 1 of `res` from the trajectory
 * traj[0 .. years] of model p: stocks at the end of year y, flows over
 * year y, scaled back to the full population by `up`; with `metrics`, the
 * metrics too (totals over the trajectory, stocks at its end). */
static void put_rows(const mf_par *p, const double *traj, int years, pw_results *res, size_t g,
                     int run, int row0, double up, int metrics)
{
#define SER(name, v) do { int k_ = pw_series_find(name); \
        if (k_ >= 0) pw_results_set_series(res, g, run, row0 + yr, (size_t)k_, (v) * up); } while (0)
#define MET(name, v) do { int m_ = pw_metric_find(name); \
        if (m_ >= 0) pw_results_set_metric(res, g, run, (size_t)m_, (v) * up); } while (0)
#define FLOW(k) (e[CUM(k)] - b[CUM(k)])
#define TOTAL(k) (e[CUM(k)] - traj[CUM(k)])
    size_t DIM = p->dim;
    for (int yr = 0; yr < years; yr++) {
        const double *e = traj + (size_t)(yr + 1) * DIM, *b = traj + (size_t)yr * DIM;
        double L = 0, D = 0, rem = 0, pwid = 0, hivp = 0;
        mf_stocks js;
        pwi_mf_justice_stocks(p, e, &js);
        for (int c = 0; c < MF_NSUB; c++)
            L += e[IDX_L(c)];
        for (int c = 0; c < MF_NCH; c++) {
            double dt = pwi_mf_dep_in_tx(p, e, c);
            D += e[IDX_D(c)] + dt;
            if (c >= MF_CH_INJ)
                pwid += e[IDX_D(c)] + dt;
            if (c == MF_CH_HIV)
                hivp += e[IDX_D(c)] + dt;
        }
        for (int i = p->off_e; i <= p->i_rfin; i++)
            rem += e[i];
        /* The ABM counts people in remission wherever they are; those
         * held were users, and are in early remission inside, except under
         * arrest, which keeps the use stage (counted as users here). */
        for (int c = 0; c < MF_NCH; c++)
            rem += pwi_mf_held(p, e, c) - pwi_mf_dep_in_tx(p, e, c);
        for (int s = 0; s < p->ns; s++) {
            const mf_stream *x = &p->st[s];
            for (int c = 0; x->place == MF_ARREST && c < MF_NCH; c++)
                for (int j = 0; j < x->k; j++) {
                    double z = e[x->off + c * x->k + j];
                    rem -= z;
                    if (x->light)
                        L += z;
                    else
                        D += z, pwid += c >= MF_CH_INJ ? z : 0, hivp += c == MF_CH_HIV ? z : 0;
                }
        }
        SER("population", e[p->i_n]);
        SER("births", FLOW(MF_CUM_BIRTHS));
        SER("deaths", FLOW(MF_CUM_DEATHS));
        SER("emigrated", FLOW(MF_CUM_EMIG));
        SER("immigrated", FLOW(MF_CUM_IMMIG));
        SER("pwud", L + D);
        SER("light_users", L);
        SER("dependent", D);
        SER("dependent_severe", D * p->severe_share);
        SER("pwid", pwid);
        SER("hiv_pwid", hivp);
        SER("in_remission", rem);
        SER("initiations", FLOW(MF_CUM_INIT));
        SER("peer_initiations", FLOW(MF_CUM_PEER));
        SER("overdose_deaths", FLOW(MF_CUM_OD));
        SER("hiv_infections", FLOW(MF_CUM_HIVINF));
        {
            double nsp, diag, art;
            pwi_mf_hiv_stocks(p, e, &nsp, &diag, &art);
            SER("nsp_clients", nsp);
            SER("hiv_diagnosed", diag);
            SER("hiv_on_art", art);
            SER("cost_needle_syringe_programmes_kzt", FLOW(MF_CUM_COST_NSP));
        }
        SER("sustained_remissions", FLOW(MF_CUM_SUST));
        SER("offences", FLOW(MF_CUM_OFFENCES));
        SER("acquisitive_crimes", FLOW(MF_CUM_ACQ));
        SER("drug_crimes", FLOW(MF_CUM_DRUG));
        SER("detected_offences", FLOW(MF_CUM_CASES));
        SER("cases", FLOW(MF_CUM_CASES));
        SER("prison_population", js.prison);
        SER("prison_admissions", FLOW(MF_CUM_PRISON_ADM));
        SER("releases", FLOW(MF_CUM_RELEASES));
        SER("compulsory_treatment", js.comp);
        SER("compulsory_admissions", FLOW(MF_CUM_COMP_ADM));
        SER("waiting_list", js.waiting);
        SER("outpatient_treatment", js.outpatient);
        SER("drug_court", js.drug_court);
        SER("sellers", js.sellers);
        SER("cost_kzt", FLOW(MF_CUM_COST));
        SER("arrest_admissions", FLOW(MF_CUM_ARREST_ADM));
        SER("orders_not_carried_out", FLOW(MF_CUM_LAPSED));
        SER("work_release", js.work_release);
        SER("prison_person_years", FLOW(MF_CUM_PY_PRISON));
        SER("arrest_person_years", FLOW(MF_CUM_PY_ARREST));
        SER("compulsory_treatment_person_years", FLOW(MF_CUM_PY_COMP));
        {
            const mf_levers *l = &p->lv;
            double st = pwi_mf_stigma(p, e, rem, e[p->i_n]);
            SER("voluntary_entries", e[l->i_vol] - b[l->i_vol]);
            SER("pupils_reached", e[l->i_pupils] - b[l->i_pupils]);
            SER("initiations_averted", e[l->i_averted] - b[l->i_averted]);
            SER("cost_prevention_kzt", e[l->i_cost_prev] - b[l->i_cost_prev]);
            SER("cost_awareness_campaigns_kzt", e[l->i_cost_camp] - b[l->i_cost_camp]);
            SER("stigma_x_population", st * e[p->i_n]);
            SER("awareness_x_population", e[l->i_aware] * e[p->i_n]);
            SER("stigma", st / up); /* levels: not scaled up */
            SER("public_awareness", e[l->i_aware] / up);
            if (metrics && yr == years - 1) {
                MET("voluntary_entries_total", e[l->i_vol] - traj[l->i_vol]);
                MET("pupils_reached_total", e[l->i_pupils] - traj[l->i_pupils]);
                MET("initiations_averted_total", e[l->i_averted] - traj[l->i_averted]);
                MET("cost_prevention_kzt", e[l->i_cost_prev] - traj[l->i_cost_prev]);
                MET("cost_awareness_campaigns_kzt", e[l->i_cost_camp] - traj[l->i_cost_camp]);
                MET("stigma_x_population_end", st * e[p->i_n]);
                MET("stigma_end", st / up);
            }
        }
        if (metrics && yr == years - 1) {
            MET("pwud_end", L + D);
            MET("dependent_end", D);
            MET("pwid_end", pwid);
            MET("initiations_total", TOTAL(MF_CUM_INIT));
            MET("overdose_deaths_total", TOTAL(MF_CUM_OD));
            MET("hiv_infections_total", TOTAL(MF_CUM_HIVINF));
            MET("cost_needle_syringe_programmes_kzt", TOTAL(MF_CUM_COST_NSP));
            MET("sustained_remissions_total", TOTAL(MF_CUM_SUST));
            MET("population_end", e[p->i_n]);
            MET("drug_crimes_total", TOTAL(MF_CUM_DRUG));
            MET("acquisitive_crimes_total", TOTAL(MF_CUM_ACQ));
            MET("detected_offences_total", TOTAL(MF_CUM_CASES));
            MET("prison_population_end", js.prison);
            MET("prison_admissions_total", TOTAL(MF_CUM_PRISON_ADM));
            MET("in_compulsory_treatment_end", js.comp);
            MET("compulsory_admissions_total", TOTAL(MF_CUM_COMP_ADM));
            MET("waiting_list_end", js.waiting);
            MET("cost_total_kzt", TOTAL(MF_CUM_COST));
            MET("arrest_admissions_total", TOTAL(MF_CUM_ARREST_ADM));
            MET("orders_not_carried_out_total", TOTAL(MF_CUM_LAPSED));
            MET("work_release_end", js.work_release);
            MET("prison_person_years_total", TOTAL(MF_CUM_PY_PRISON));
            MET("arrest_person_years_total", TOTAL(MF_CUM_PY_ARREST));
            MET("compulsory_treatment_person_years_total", TOTAL(MF_CUM_PY_COMP));
            MET("cost_justice_kzt", TOTAL(MF_CUM_COST_JUSTICE));
            MET("cost_treatment_kzt", TOTAL(MF_CUM_COST_TREATMENT));
            MET("cost_health_kzt", TOTAL(MF_CUM_COST_HEALTH));
            MET("cost_crime_kzt", TOTAL(MF_CUM_COST_CRIME));
            MET("cost_lost_work_kzt", TOTAL(MF_CUM_COST_WORK));
        }
    }
#undef SER
#undef MET
#undef FLOW
#undef TOTAL
}

/* The history (scenario key history_start_year): the years from it to
 * the start year run under the scenario's history regime from the
 * starting state, and the state reached becomes the start of the
 * projection under `p`'s regime, as the agent-based model copies its
 * world at the branch (src/sim/run.c). Under the history regime itself
 * the two models are the same, so the whole state carries over. Under
 * another, the layouts differ (a regime's pathway sets its streams and
 * remission variants), so the state is carried over by what the regimes
 * share: the use stages by chain (remission summed over the variants
 * into the spontaneous one, month by month), memory, population, age
 * bands, sellers, records, stigma pressure and awareness, and the
 * circles of ties. Prisoners keep their sentences, as in the agent-based
 * copy: they go to the initial prisoners' stream with the use chain they
 * came from (they return to it on release, in early remission after
 * prison), and that stream releases at one over the mean term still to
 * serve at the branch. The others held (treatment, arrest) go back to
 * dependence in their chain: the one approximation left at the branch.
 * With res, the history's years are written to rows 0 .. H - 1. */
static int run_history(const pw_scenario *s, const pw_regime *regime, double scale_population,
                       double eps_rel, mf_par *p, double *y0, pw_results *res, size_t g, int run,
                       pw_error *err)
{
    int hy = pw_scenario_start_year(s) - pw_scenario_history_start_year(s);
    pw_regime *base = NULL;
    mf_par *h = NULL;
    double *hy0 = NULL, *traj = NULL;
    const char *hname = pw_scenario_history_regime(s);
    int rc = pw_regime_load(hname ? hname : "kz-current", &base, err);
    /* The history starts from the history year's population and grows at
     * its own immigration rate, as the agent-based history does
     * (history_population, demography.history_immigration_rate): starting
     * it from today's population had the mean field hold twice the
     * agent-based prisoners by 2024. */
    double frac = scale_population > 0 ? scale_population : 1.0;
    if (pw_scenario_population(s) > 0)
        frac *= pw_scenario_history_population(s) / pw_scenario_population(s);
    if (rc == PW_OK)
        rc = mf_setup(s, base, frac, &h, &hy0, err);
    if (rc != PW_OK)
        goto done;
    int ihi = pw_param_find(s, "demography.history_immigration_rate");
    if (ihi >= 0)
        h->immig = pw_param_get(s, (size_t)ihi);
    /* The agent-based history counts its costs at face value (world.c):
     * no discounting before the projection's start. */
    h->discount = 0;
    traj = malloc((size_t)(hy + 1) * h->dim * sizeof *traj);
    if (!traj) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    rc = pwi_ode_solve_tol(h->dim, pwi_mf_rhs, h, hy0, 0.0, 1.0, (size_t)hy, traj, 1e-10, eps_rel, err);
    if (rc != PW_OK)
        goto done;
    if (res)
        put_rows(h, traj, hy, res, g, run, 0,
                 1.0 / (scale_population > 0 ? scale_population : 1.0), 0);
    const double *e = traj + (size_t)hy * h->dim;
    if (regime && strcmp(pw_regime_name(regime), pw_regime_name(base)) == 0) {
        assert(p->dim == h->dim && p->ns == h->ns && p->nv == h->nv);
        memcpy(y0, e, p->dim * sizeof *y0);
        p->hv.places = h->hv.places; /* fixed at the world's start (world.c) */
        goto done;
    }
    memset(y0, 0, p->dim * sizeof *y0);
    for (int c = 0; c < MF_NSUB; c++)
        y0[IDX_L(c)] = e[IDX_L(c)];
    /* Prisoners by origin, and the term they still have to serve: stage j
     * of a k-stage term at rate r has (k - j) / r left on average. */
    double pris[MF_NORIG] = {0}, pris_all = 0, left = 0;
    for (int si = 0; si < h->ns; si++) {
        const mf_stream *x = &h->st[si];
        for (int o = 0; o < MF_NORIG; o++) {
            for (int j = 0; x->place == MF_PRISON && j < x->k; j++) {
                double z = e[x->off + o * x->k + j];
                pris[o] += z;
                left += z * (x->k - j) / x->rate;
            }
            /* Waiting for a bed in custody: prisoners, serving the term. */
            if (x->off_cw >= 0) {
                const mf_stream *t = &h->st[x->then];
                for (int j = 0; j < t->k; j++) {
                    double z = e[x->off_cw + o * t->k + j];
                    pris[o] += z;
                    left += z * (t->k - j) / t->rate;
                }
            }
        }
    }
    for (int o = 0; o < MF_NORIG; o++)
        pris_all += pris[o];
    for (int c = 0; c < MF_NCH; c++) {
        y0[IDX_D(c)] = e[IDX_D(c)] + fmax(pwi_mf_held(h, e, c) - pris[c], 0);
        for (int v = 0; v < h->nv; v++)
            for (int j = 0; j < MF_NE; j++)
                y0[mf_e(p, 0, c, j)] += e[mf_e(h, v, c, j)];
        for (int a = 0; a < h->nsust; a++)
            for (int j = 0; j < MF_NR; j++)
                y0[mf_r(p, 0, c, j)] += e[mf_r(h, a, c, j)];
    }
    y0[p->i_rfin] = e[h->i_rfin];
    y0[p->i_y] = e[h->i_y];
    y0[p->i_n] = e[h->i_n];
    for (int b = 0; b < MF_NBAND; b++)
        y0[p->off_band + b] = e[h->off_band + b];
    y0[p->i_sell] = e[h->i_sell];
    y0[p->i_rec] = e[h->i_rec];
    y0[p->lv.i_press] = e[h->lv.i_press];
    y0[p->lv.i_aware] = e[h->lv.i_aware];
    y0[p->net.i_fp] = e[h->net.i_fp];
    y0[p->net.i_fh] = e[h->net.i_fh];
    for (int b = 0; b < MF_NBAND; b++)
        y0[p->net.i_coh + b] = e[h->net.i_coh + b];
    y0[p->net.i_coh0] = e[h->net.i_coh0];
    y0[p->net.i_ph] = e[h->net.i_ph];
    /* The HIV chains' shares and the NSP clients carry over: the chains
     * themselves do (held people return to their chain above). */
    y0[p->hv.i_shn] = e[h->hv.i_shn];
    y0[p->hv.i_shp] = e[h->hv.i_shp];
    y0[p->hv.i_dg] = e[h->hv.i_dg];
    y0[p->hv.i_art] = e[h->hv.i_art];
    y0[p->hv.i_nsp] = e[h->hv.i_nsp];
    p->hv.places = h->hv.places; /* fixed at the world's start (world.c) */
    if (p->s_init >= 0) {
        mf_stream *x = &p->st[p->s_init];
        assert(x->k == 1);
        if (pris_all > 0 && left > 0)
            x->rate = pris_all / left;
        for (int o = 0; o < MF_NORIG; o++)
            y0[x->off + o] = pris[o];
    } else {
        /* No stream to hold them: they go back to their chain. */
        for (int c = 0; c < MF_NCH; c++)
            y0[IDX_D(c)] += pris[c];
    }
done:
    free(traj);
    free(hy0);
    free(h);
    pw_regime_free(base);
    return rc;
}

int pwi_mf_society_run_tol(const pw_scenario *s, const pw_regime *regime, double scale_population,
                           int years, pw_results *res, size_t g, int run, double eps_rel,
                           pw_error *err)
{
    mf_par *p = NULL, *pp = NULL;
    double *y0 = NULL, *traj = NULL;
    int rc = mf_setup(s, regime, scale_population, &p, &y0, err);
    if (rc != PW_OK)
        return rc;
    pp = p;
    size_t DIM = p->dim;
    /* The results hold the history's rows first when they start in the
     * history's first year (pathways run); otherwise only the projection. */
    int hist_rows = 0, hist = pw_scenario_history_start_year(s) > 0;
    if (hist && pw_results_start_year(res) == pw_scenario_history_start_year(s))
        hist_rows = pw_scenario_start_year(s) - pw_scenario_history_start_year(s);
    assert(pw_results_years(res) >= hist_rows + years);
    double up = 1.0 / (scale_population > 0 ? scale_population : 1.0);
    for (size_t k = 0; k < pw_series_count(); k++)
        for (int yr = 0; yr < hist_rows + years; yr++)
            pw_results_set_series(res, g, run, yr, k, NAN);
    for (size_t m = 0; m < pw_metric_count(); m++)
        pw_results_set_metric(res, g, run, m, NAN);
    if (hist && (rc = run_history(s, regime, scale_population, eps_rel, p, y0,
                                  hist_rows ? res : NULL, g, run, err)) != PW_OK)
        goto done;
    traj = malloc((size_t)(years + 1) * DIM * sizeof(double));
    if (!traj) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    rc = pwi_ode_solve_tol(DIM, pwi_mf_rhs, p, y0, 0.0, 1.0, (size_t)years, traj, 1e-10, eps_rel, err);
    if (rc != PW_OK)
        goto done;

    /* Yearly rows: the history's first (when the results start with it),
     * then the projection's. */
    put_rows(p, traj, years, res, g, run, hist_rows, up, 1);
done:
    free(y0);
    free(traj);
    free(pp);
    return rc;
}
