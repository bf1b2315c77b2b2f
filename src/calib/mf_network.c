/*
 * Peer initiation through circles that run out: the network correction of
 * the mean field.
 *
 * Why: the agent-based model initiates only along ties (src/sim/
 * initiation.c). A share `initiation.initiator_share` (7%) of users
 * recruits, each at peer_mean / share attempts a year (21 with the
 * defaults), every attempt aimed at one of their own ~8 peer ties or
 * their household, and an attempt on a friend who already uses (or is in
 * remission, prison, ...) is lost. Recruiters therefore convert their
 * willing friends within a year or two and then recruit little. The mean
 * field used to aim every attempt at a random person of the city (well
 * mixed), so each user kept recruiting at the first-year rate for ever:
 * on the Almaty scenario people who use drugs grew from 107,000 to 1.47
 * million in 20 years while the agent-based model stays near its start.
 *
 * The correction, a pair approximation with one number per circle: f is
 * the mean, over the users who recruit, of the age-weighted share of a
 * circle still open, sum over ties t of a(t) [t susceptible] / k (a the
 * age factor of initiation, k the circle's size). An attempt succeeds
 * with probability f (times the programmes' and campaign's ratios, as
 * before). Then, for the mean over users,
 *
 *   df/dt = -kappa f + (in / U + lambda + omega) (s - f)
 *
 * where s is the same share in the whole population (the well-mixed
 * value: what a new circle holds), kappa = attempts a year x E[a^2]/E[a]
 * / k (a success removes its friend's a from the sum; friends are hit in
 * proportion to a), in / U the rate at which new users (initiations,
 * relapses) join the U recruiting users with fresh circles, lambda the
 * initiation hazard of a susceptible person (others convert one's
 * friends too) and omega the rate at which a friend who uses leaves use
 * (quits, heals, dies and is replaced by a newcomer on the open tie,
 * src/sim/ties.c). With kappa = 0, f stays at s: the old well-mixed
 * model, so the well-mixed test scenarios (tests/calib/well_mixed*.yaml,
 * many ties) keep their agreement.
 *
 * Two circles: peer ties (k = ties.mean_peer_degree, attempts a share
 * 1 - household_share) and the initial household (k = household size;
 * the draw includes oneself, so a share 1 - E[1/n] of the household is
 * others). initiation.c draws a household target only among the first
 * members of an initial household: newcomers (immigrants, their
 * children) found households with no targets, and those members are a
 * closed cohort that ages and leaves. So the household circle renews
 * towards that cohort's age-weighted survivors (followed by age band
 * here), not the city's age mix, and only the share of people who belong
 * to an initial household can recruit in one. (Renewed with the city's
 * mix, which the history's young arrivals keep young, the mean field's
 * PWUD drifted to +32% of the ABM's by 2043.) Sellers recruit too (initiation.dealer_rate_ratio, initiation.c
 * pwi_peer_step) and are given the users' f (an approximation: their
 * circles are drawn down more slowly).
 *
 * Left out (docs/calibration.md 1.2): the spread of degrees (every circle
 * has the mean size), clustering (a recruit's friends are drawn like
 * anyone's: the ABM's neighbourhoods of 128 people make them a little
 * more depleted), the halved circle after prison, and the age of the
 * peer circles (the ABM's neighbourhood blocks age as cohorts and
 * immigrants settle in blocks of their own, ties.c; a peer circle's
 * newcomers are drawn here from the city's age mix): peer initiations
 * stay ~50% above the ABM's after 2026 on the default scenario.
 */
#include <math.h>

#include "mf_internal.h"

int pwi_mf_network_load(mf_model *m, const pw_scenario *s, pw_error *err)
{
    mf_network *n = &m->net;
    double hh = 0;
    struct {
        const char *name;
        double *dst;
    } t[] = {
        {"initiation.initiator_share", &n->share},
        {"initiation.dealer_rate_ratio", &n->dealer_rr},
        {"initiation.household_share", &n->hh_share},
        {"ties.mean_peer_degree", &n->degree},
        {"demography.household_size", &hh},
    };
    int rc = PW_OK;
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == PW_OK; i++)
        rc = pwi_mf_get(s, t[i].name, t[i].dst, err);
    if (rc != PW_OK)
        return rc;
    /* Households of 1 + Poisson(mu) people (population.c): the chance an
     * attempt aimed at the household draws someone else is
     * E[X / (1 + X)] = 1 - (1 - e^-mu) / mu. */
    double mu = fmax(hh - 1, 0);
    n->hh_others = mu > 0 ? 1 - -expm1(-mu) / mu : 0;
    n->hh_size = fmax(hh, 1);
    return PW_OK;
}

void pwi_mf_network_layout(mf_model *m)
{
    m->net.i_fp = (int)m->dim;
    m->net.i_fh = (int)m->dim + 1;
    m->net.i_coh = (int)m->dim + 2;
    m->net.i_coh0 = m->net.i_coh + MF_NBAND;
    m->net.i_ph = m->net.i_coh0 + 1;
    m->dim += 2 + MF_NBAND + 2;
}

void pwi_mf_network_init(const mf_model *m, double *y0, double s)
{
    const mf_network *n = &m->net;
    y0[n->i_fp] = s;
    y0[n->i_fh] = s * n->hh_others;
    double all = 0;
    for (int b = 0; b < MF_NBAND; b++)
        all += y0[n->i_coh + b] = y0[m->off_band + b];
    y0[n->i_coh0] = all;
    y0[n->i_ph] = all;
}

double pwi_mf_network_open(const mf_model *m, const double *y)
{
    const mf_network *n = &m->net;
    /* Without peer ties, only the household's attempts can succeed; and
     * only people of an initial household have one to aim at
     * (initiation.c: a newcomer's household is not in the table of
     * initial households, so the attempt is lost). Users are spread over
     * households like everyone (the mean field's usual approximation). */
    double peer = n->degree > 0 ? fmax(y[n->i_fp], 0) : 0;
    double N = y[m->i_n], in_hh = N > 0 ? fmin(fmax(y[n->i_ph], 0) / N, 1) : 0;
    return (1 - n->hh_share) * peer + n->hh_share * in_hh * fmax(y[n->i_fh], 0);
}

void pwi_mf_network_households(const mf_model *m, const double *y, double *dy,
                               const double *leave, double births)
{
    const mf_network *n = &m->net;
    double N = y[m->i_n], ph = y[n->i_ph], out = 0;
    for (int b = 0; b < MF_NBAND; b++) {
        double c = y[n->i_coh + b], w = pwi_mf_band_lo[b + 1] - pwi_mf_band_lo[b];
        double age = b + 1 < MF_NBAND ? c / w : 0;
        dy[n->i_coh + b] += -age - leave[b] * c;
        if (b + 1 < MF_NBAND)
            dy[n->i_coh + b + 1] += age;
        /* members of the households (children included) leave like
         * anyone of their band: the band's share of the population */
        out += leave[b] * y[m->off_band + b];
    }
    /* Children are born to a mother drawn among all women (population.c):
     * an initial household's share of the births is its share of people. */
    if (N > 0)
        dy[n->i_ph] += (births - out) * ph / N;
}

double pwi_mf_network_attempts(const mf_model *m, double users, double sellers)
{
    const mf_network *n = &m->net;
    /* Users: a share `share` recruits at peer_mean / share, so users
     * attempt peer_mean a year on average. Sellers (initiation.c): those
     * who are also initiators at their rate, the others at peer_mean,
     * both times the dealers' ratio. */
    double seller_rate = n->share > 0 ? (n->share * m->peer_mean / n->share +
                                         (1 - n->share) * m->peer_mean) * n->dealer_rr
                                      : 0;
    return m->peer_mean * users + seller_rate * sellers;
}

void pwi_mf_network_rhs(const mf_model *m, const double *y, double *dy, double s, double a2,
                        double det, double renew)
{
    const mf_network *n = &m->net;
    double rate = n->share > 0 ? m->peer_mean / n->share * det : 0; /* a recruiter's */
    double kp = n->degree > 0 ? rate * (1 - n->hh_share) * a2 / n->degree : 0;
    double kh = rate * n->hh_share * a2 / n->hh_size;
    double fp = y[n->i_fp], fh = y[n->i_fh];
    dy[n->i_fp] = -kp * fp + renew * (s - fp);
    /* A household circle renews only from the initial households' first
     * members still here, who age: its well-mixed value is their
     * age-weighted share of the households' first size (the dead and the
     * departed stay in the household's table and take the draw,
     * initiation.c), times the share of people not followed (s / mean
     * age factor). */
    double ca = 0, c0 = y[n->i_coh0], all_a = 0, N = 0;
    for (int b = 0; b < MF_NBAND; b++) {
        double a = pwi_rate_age_factor(pwi_mf_band_lo[b]);
        ca += a * y[n->i_coh + b];
        all_a += a * y[m->off_band + b];
        N += y[m->off_band + b];
    }
    double free_share = all_a > 0 ? s * N / all_a : 0;
    double sh = c0 > 0 ? n->hh_others * ca / c0 * free_share : 0;
    dy[n->i_fh] = -kh * fh + renew * (sh - fh);
}
