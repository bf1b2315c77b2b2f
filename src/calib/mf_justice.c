/*
 * The mean-field counterpart of the society model's justice and treatment
 * flows (src/sim/police.c, pathway.c, placement.c, market.c, costs.c):
 * detections by the police with capacity, routed by the streams and routes
 * that mf_streams.c built from the regime's decisions, into custody and
 * treatment chains with beds, slots and waiting lists, and out of them
 * into early remission; the market and the costs. docs/calibration.md 1.2
 * gives the equations and what is assumed.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "mf_internal.h"

/* Free beds and slots fill within about a day (the ABM: at once, and from
 * the waiting list each week); a faster rate makes the ODE stiff. */
#define ADMIT_RATE 52.0

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
            at += MF_NORIG * MF_KW;
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
        for (int c = 0; x->off_wait >= 0 && c < MF_NORIG * MF_KW; c++)
            o->waiting += y[x->off_wait + c];
        /* Custody waiters are prisoners on the waiting list (the ABM
         * counts them in both); those admitted from custody are in beds. */
        for (int c = 0; c < MF_NORIG; c++) {
            double b, w = custody_held(m, y, x, c, &b);
            o->waiting += w, o->prison += w, o->comp += b;
        }
        if (x->place == MF_PRISON)
            o->prison += held, o->work_release += x->p_wr * held;
        else if (x->place == MF_ARREST)
            o->arrest += held;
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
    double w = 2.0 / 52;
    double od = pwi_rate_overdose_released(m->od_inject, m->od_other, m->od_tx_rr,
                                           m->od_release_rr, c >= MF_CH_INJ, 0);
    double in = rho > 0 ? w - (-expm1(-rho * w)) / rho : 0;
    return F * od * in;
}

/* Acquisitive offences a year of a dependent user in the community or (dc)
 * a drug court, over the unemployed share `unemp` (rates.h; the mean field
 * follows no criminal mindset). */
static double crime_mix(const mf_model *m, double unemp, int dc)
{
    return unemp * pwi_rate_crime(m->crime_acq, m->crime_unemp_rr, m->crime_mindset_rr,
                                  m->tx_dc_crime_rr, 1, 0, dc) +
           (1 - unemp) * pwi_rate_crime(m->crime_acq, m->crime_unemp_rr, m->crime_mindset_rr,
                                        m->tx_dc_crime_rr, 0, 0, dc);
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
                           double *excess, double *held_prison, double *held_comp)
{
    const mf_stream *pt = &m->st[x->then];
    int kt = pt->k, k = x->k;
    double *cum = dy + m->i_cum;
    /* The order waits in custody for treatment.order_validity_months; then
     * it lapses and the term goes on in the prison stream, at the same
     * stage. The wait's own clock is not followed here: the lapse is
     * exponential (approximation, docs/calibration.md 1.2). */
    double lapse = 12.0 / m->tx_order_validity;
    for (int o = 0; o < MF_NORIG; o++) {
        for (int j = 0; j < kt; j++) {
            int i = x->off_cw + o * kt + j;
            double z = y[i], out = pt->rate * z;
            *held_prison += z;
            dy[i] -= out + (m->mu_users + lapse) * z;
            dy[pt->off + o * kt + j] += lapse * z;
            cum[MF_CUM_LAPSED] += lapse * z;
            if (j + 1 < kt) {
                dy[i + 1] += out;
            } else if (out > 0) {
                cum[MF_CUM_RELEASES] += out;
                cum[MF_CUM_LAPSED] += out; /* the term ended first */
                release_to(m, dy, pt->var, o, out, excess);
            }
        }
        for (int j = 0; j < k; j++) {
            int i = x->off_cb + o * k + j, im = x->off_cm + o * k + j;
            double z = y[i], out = x->rate * z, g = x->rate * y[im];
            *held_comp += z;
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
    double L = 0, Dc = 0, Dtx = 0, rem = 0;
    for (int k = 0; k < MF_NSUB; k++)
        L += y[mf_l(k)];
    for (int c = 0; c < MF_NCH; c++) {
        double t_c = pwi_mf_dep_in_tx(m, y, c);
        Dc += y[mf_d(c)];
        Dtx += t_c;
    }
    for (int i = m->off_e; i < m->i_rfin + 1; i++)
        rem += y[i];
    /* HIV through shared equipment and its deaths (mf_hiv.c). */
    double force = pwi_mf_hiv_force(m, y), hiv_mort = pwi_mf_hiv_mort(m, y);
    double S = y[m->i_sell];

    /* Crime of a dependent user: the unemployed share is the steady state
     * of job loss and re-employment at today's stigma (assumption: the
     * mean field follows no employment histories). */
    double stigma = pwi_mf_stigma(m, y, rem, N); /* mf_levers.c */
    double re = pwi_rate_reemployment(m->soc_reemploy, m->lv.work * stigma, 1);
    double unemp = m->soc_jobloss + re > 0 ? m->soc_jobloss / (m->soc_jobloss + re) : 0;
    double crime = crime_mix(m, unemp, 0), crime_dc = crime_mix(m, unemp, 1);
    double dc_dep = 0;
    for (int s = 0; s < m->ns; s++)
        if (m->st[s].place == MF_DC)
            for (int j = 0; j < MF_NCH * m->st[s].k; j++)
                dc_dep += y[m->st[s].off + j];

    /* Police capacity (Kleiman's swamping, police.c): detections scale by
     * min(1, capacity / expected), smoothed. */
    double use_l = pwi_rate_use_detection(m->police_use, 0);
    double use_d = pwi_rate_use_detection(m->police_use, 1);
    double acq = crime * (Dc + Dtx - dc_dep) + crime_dc * dc_dep;
    double expected = use_l * L + use_d * (Dc + Dtx) + m->police_crime * acq + m->police_sale * S;
    double cap = m->police_cap * m->n0;
    double f = expected > 0 ? smin(1, cap / expected, 1e-3) : 1;
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
        for (int c = 0; x->off_wait >= 0 && c < MF_NCH * MF_KW; c++)
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
    double to_slot[MF_NCH] = {0}; /* of take: to outpatient places (not custody) */
    /* A person already on the waiting list does not queue twice. */
    double not_waiting[MF_NCH];
    for (int c = 0; c < MF_NCH; c++) {
        double wc = 0, d = y[mf_d(c)];
        for (int s = 0; s < m->ns; s++)
            for (int j = 0; m->st[s].off_wait >= 0 && j < MF_KW; j++)
                wc += y[m->st[s].off_wait + c * MF_KW + j];
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
            if (x_->place == MF_PRISON || x_->place == MF_ARREST) {                         \
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
                    dy[x_->off_wait + (orig) * MF_KW] += q_ * not_waiting[orig];            \
            } else if (!(in_tx) && (orig) < MF_NCH) {                                       \
                dem_slot[s_][orig] += q_;                                                   \
            }                                                                               \
        }                                                                                   \
    } while (0)
    if (m->justice) {
        for (int k = 0; k < MF_NSUB; k++)
            ROUTE(m->route[MF_SRC_POSS_LIGHT][k], use_l * f * y[mf_l(k)], k, mf_l(k), 0, 1);
        for (int c = 0; c < MF_NCH; c++) {
            ROUTE(m->route[MF_SRC_POSS_DEP][c], use_d * f * y[mf_d(c)], c, mf_d(c), 0, 1);
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
            cases += use_l * f * y[mf_l(k)], drug += use_l * f * y[mf_l(k)];
        for (int c = 0; c < MF_NCH; c++) {
            cases += (use_d + m->police_crime * crime) * f * y[mf_d(c)];
            drug += use_d * f * y[mf_d(c)];
        }
        cases += m->police_sale * f * S, drug += m->police_sale * f * S;
        cases += (use_d + m->police_crime * crime) * f * Dtx;
        drug += use_d * f * Dtx;
        first = cases * (1 - h);
    }
    /* Dependent users in treatment are caught too; their custody outcomes
     * apply, a second treatment order does not. */
    for (int s = 0; m->justice && s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        if (x->place != MF_OUT && x->place != MF_DC)
            continue;
        double cr = x->place == MF_DC ? crime_dc : crime;
        for (int c = 0; c < MF_NCH; c++) {
            double n = 0;
            for (int j = 0; j < x->k; j++)
                n += y[x->off + c * x->k + j];
            if (n <= 0)
                continue;
            double rp = use_d * f * n, rc = m->police_crime * f * cr * n;
            ROUTE(m->route[MF_SRC_POSS_DEP][c], rp, c, -1, 1, 1);
            ROUTE(m->route[MF_SRC_CRIME][c], rc, c, -1, 1, 0);
            /* Those sent to prison leave the treatment chain, from its
             * stages in proportion. */
            double out = 0;
            for (int s2 = 0; s2 < m->ns; s2++)
                if (m->st[s2].place == MF_PRISON || m->st[s2].place == MF_ARREST ||
                    m->st[s2].off_cw >= 0)
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
        dem_slot[0][c] += pwi_mf_voluntary_rate(m, stigma) * y[mf_d(c)];
    /* An outpatient order held during an arrest starts at its end
     * (pathway.c pwi_start_pending); the person is back in D below. */
    for (int s = 0; m->justice && s < m->ns; s++) {
        const mf_stream *x = &m->st[s];
        if (x->place != MF_ARREST || x->light || x->then < 0 || m->st[x->then].place != MF_OUT)
            continue;
        for (int c = 0; c < MF_NCH; c++)
            dem_slot[x->then][c] += x->rate * y[x->off + c * x->k + x->k - 1];
    }

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
            to_slot[c] += in;
            dy[x->off + c * x->k] += in;
            dy[x->off_slot] += in;
            if (s == 0)
                dy[m->lv.i_vol] += in; /* voluntary entries (mf_levers.c) */
            /* A court's outpatient order with no free place lapses (the
             * ABM's start_order); voluntary entry (stream 0) just fails. */
            if (x->place == MF_OUT && s > 0)
                cum[MF_CUM_LAPSED] += q * (1 - phi);
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
                    if (c == MF_CH_HIV)
                        cum[MF_CUM_HIV_CONTACT] += a; /* tested at admission */
                }
            continue;
        }
        if (x->place != MF_COMP)
            continue;
        /* The order's validity runs through MF_KW stages; at the last it
         * lapses (pathway.c pwi_admit_waiting). Admission shares the beds
         * in proportion instead of first come first served, so some lapse
         * while the queue is short and some are admitted later than the
         * validity would allow (approximation, docs/calibration.md 1.2). */
        double age = MF_KW / (m->tx_order_validity / 12.0);
        for (int c = 0; c < MF_NCH; c++)
            for (int j = 0; j < MF_KW; j++) {
                int i = x->off_wait + c * MF_KW + j;
                double wv = y[i], d = y[mf_d(c)];
                double a = waiting > 0 ? admit * wv / waiting : 0;
                /* Nobody is admitted who is no longer dependent. */
                a *= d / (d + 1e-6);
                /* Waiting people leave the list when they die, or are sent
                 * to prison or to an outpatient place (pathway.c: the list
                 * holds people in the community), in proportion to the
                 * dependent. */
                double leave = wv * (m->mu_users + (d > 0 ? taken[c] / d : 0));
                dy[i] -= a + leave + age * wv;
                if (j + 1 < MF_KW)
                    dy[i + 1] += age * wv;
                else
                    cum[MF_CUM_LAPSED] += age * wv;
                cum[MF_CUM_LAPSED] += wv * (d > 0 ? taken[c] / d : 0);
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
                cum[m->st[s].place == MF_ARREST ? MF_CUM_ARREST_ADM : MF_CUM_PRISON_ADM] +=
                    dem_prison[s][o];
            }
    for (int i = 0; i < MF_NSUB + MF_NCH; i++)
        dy[i] -= take[i];
    /* For mf_hiv.c: the HIV-positive chain is tested at every admission
     * to treatment or custody (arrest included, an approximation: the ABM
     * tests at the prison gate, compulsory and outpatient entry); people
     * who inject and enter custody give back their NSP place. */
    cum[MF_CUM_HIV_CONTACT] += take[mf_d(MF_CH_HIV)];
    cum[MF_CUM_PWID_CUSTODY] += take[mf_d(MF_CH_INJ)] + take[mf_d(MF_CH_HIV)] -
                                to_slot[MF_CH_INJ] - to_slot[MF_CH_HIV];

    /* The chains: stages, ends, and what happens inside. */
    double held_prison = 0, held_comp = 0, slots_held = 0, dep_tx_unemp = 0;
    double held_arrest = 0, working = 0; /* on work release: in custody, earning */
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
                dy[i] -= out + m->mu_users * z;
                if (j + 1 < k)
                    dy[i + 1] += out;
                if (x->place == MF_PRISON)
                    held_prison += z, working += x->p_wr * z;
                else if (x->place == MF_ARREST)
                    held_arrest += z;
                else if (x->place == MF_COMP)
                    held_comp += z;
                if ((x->place == MF_OUT || x->place == MF_DC) && o < MF_NCH) {
                    /* Dependent in care: remission at the outpatient rate,
                     * overdose at the in-treatment rate, injecting, HIV. */
                    double remr = fmax(m->tx_rem_out, m->rem[o < MF_NSUB ? o : 0]);
                    double odr = pwi_rate_overdose(m->od_inject, m->od_other, m->od_tx_rr,
                                                   o >= MF_CH_INJ, 1);
                    double hm = o == MF_CH_HIV ? hiv_mort : 0;
                    dy[i] -= (remr + odr + hm) * z;
                    /* The ABM's drug court decides graduation at the end,
                     * whatever the stage (placement.c): a participant who
                     * remits still fails with probability p_then. The ODE
                     * has no "remitted, still in court" compartment, so
                     * that share starts the term now, on average half a
                     * programme early, instead of escaping it (it did,
                     * which halved the prison a failed drug court adds). */
                    double pt = x->place == MF_DC && x->then >= 0 ? x->p_then : 0;
                    dy[mf_e(m, x->var, o, 0)] += (1 - pt) * remr * z;
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
                        double inf = force * z;
                        dy[i] -= inf;
                        dy[x->off + MF_CH_HIV * k + j] += inf;
                        cum[MF_CUM_HIVINF] += inf;
                    }
                }
                if (j + 1 < k || out <= 0)
                    continue;
                /* The end of the leg. */
                if (x->place == MF_ARREST) {
                    /* Back to the use stage they were arrested in (arrest
                     * does not start a remission); an order held during the
                     * arrest starts now (outpatient: in the demand above). */
                    cum[MF_CUM_RELEASES] += out;
                    if (o == MF_SELLER)
                        continue; /* sellers' use is not followed */
                    dy[x->light && o < MF_NSUB ? mf_l(o) : mf_d(o)] += out;
                    if (!x->light && x->then >= 0 && m->st[x->then].place == MF_COMP)
                        dy[m->st[x->then].off_wait + o * MF_KW] += out * not_waiting[o];
                } else if (x->place == MF_PRISON) {
                    cum[MF_CUM_RELEASES] += out;
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
            custody_chains(m, x, y, dy, excess, &held_prison, &held_comp);
    }

    /* The market (market.c): sellers towards sellers_per_user x users,
     * closing the gap over ~8 weeks; quitting. */
    double users = L + Dc + Dtx;
    dy[m->i_sell] += (52.0 / 8) * spos(m->market_sellers * users - S, 0.01 * fmax(1, m->market_sellers * users)) - m->market_quit * S;

    /* Costs, discounted to the start (costs.c, world.c). */
    /* Arrest at the prison's daily cost, with its lost earnings; work
     * release earns (costs.c pwi_weekly_costs). */
    cum[MF_CUM_PY_PRISON] += held_prison;
    cum[MF_CUM_PY_ARREST] += held_arrest;
    cum[MF_CUM_PY_COMP] += held_comp;
    cum[MF_CUM_COST_JUSTICE] += disc * m->c_prison_day * 364 * (held_prison + held_arrest);
    cum[MF_CUM_COST_WORK] += disc * m->c_work_month * 12 *
                                 (held_prison - working + held_arrest + unemp * Dc) +
                             disc * m->c_work_month * 12 * dep_tx_unemp;
    cum[MF_CUM_COST_TREATMENT] += disc * 12 * (m->c_comp_month * held_comp +
                                               m->c_out_month * slots_held);
    /* HIV care (ART) and the programme's places: mf_hiv.c. */
}
