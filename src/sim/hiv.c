/*
 * HIV among people who inject drugs as delivered services and contacts
 * (docs/model.md, "HIV among PWID"): who shares injecting equipment (the
 * contact HIV and HCV pass through, community.c draws the infections),
 * needle-syringe programme (NSP) places, HIV tests at the contacts the
 * model already has and in the background, and antiretroviral treatment
 * (ART). Every draw here is on its own purpose, RP_HIV, keyed by the agent
 * and the week: block 0 for the weekly step, block 1 for the sharing drawn
 * at injecting onset, block 2 for a test at a contact, block 3 for the
 * HIV and HCV infections (community.c), so none of them moves a draw of
 * another process.
 */
#include <assert.h>
#include <string.h>

#include "model.h"

void pwi_hiv_init(world *w)
{
    const double *v = w->v;
    w->p_hiv_mort_art = wprob(pwi_rate_hiv_mortality(v[PI_HEALTH_HIV_MORT],
                                                     v[PI_HEALTH_ART_MORT_RR], 1));
    for (int c = 0; c < 2; c++)
        w->p_hiv_test[c] =
            wprob(pwi_rate_hiv_testing(v[PI_HEALTH_TEST_RATE], v[PI_HR_NSP_TESTING], c));
    w->p_art_start = wprob(v[PI_HEALTH_ART_START]);
    w->p_art_stop = wprob(v[PI_HEALTH_ART_STOP]);
    w->p_nsp_join = wprob(v[PI_HR_NSP_UPTAKE]);
}

void pwi_hiv_onset(world *w, act *r, int week)
{
    double u[4];
    lanes4(w, RP_HIV, r->agent, (uint32_t)week, 1, u);
    if (u[0] < w->v[PI_HEALTH_SHARING_SHARE])
        r->hiv |= HV_SHARES;
}

void pwi_hiv_leave_nsp(world *w, act *r)
{
    if (!(r->hiv & HV_NSP))
        return;
    assert(w->nsp_used > 0);
    w->nsp_used--;
    r->hiv &= (uint8_t)~HV_NSP;
}

void pwi_hiv_contact(world *w, act *r, int week)
{
    if (!(r->flags & RF_HIV) || (r->hiv & HV_DIAG))
        return;
    double u[4];
    lanes4(w, RP_HIV, r->agent, (uint32_t)week, 2, u);
    if (u[0] < w->v[PI_HEALTH_TEST_CONTACT])
        r->hiv |= HV_DIAG;
}

void pwi_hiv_step(world *w, act *r, int week, const double *pre)
{
    /* Only people who inject or have HIV have anything to do here. */
    if (!(r->flags & (RF_INJECTS | RF_HIV)))
        return;
    double u[4];
    if (pre)
        memcpy(u, pre, sizeof u);
    else
        lanes4(w, RP_HIV, r->agent, (uint32_t)week, 0, u);
    /* A programme place is held while the person injects outside an
     * institution and is given back otherwise; a free place is taken at
     * harm_reduction.nsp_uptake_rate (no place, no client). */
    int eligible = is_using(r) && (r->flags & RF_INJECTS) && !is_institution(r->place);
    if (!eligible)
        pwi_hiv_leave_nsp(w, r);
    else if (!(r->hiv & HV_NSP) && w->nsp_used < w->nsp_places && u[0] < w->p_nsp_join) {
        w->nsp_used++;
        r->hiv |= HV_NSP;
    }
    if (!(r->flags & RF_HIV))
        return;
    /* Diagnosis: the background rate everywhere (ASSUMED: institutions
     * test at entry, pwi_hiv_contact, and otherwise as outside), plus the
     * programme's tests for its clients. */
    if (!(r->hiv & HV_DIAG)) {
        if (u[1] < w->p_hiv_test[(r->hiv & HV_NSP) != 0])
            r->hiv |= HV_DIAG;
        return;
    }
    /* ART starts and stops at their rates wherever the person is (ASSUMED:
     * the penitentiary and treatment services continue and start ART). */
    if (!(r->hiv & HV_ART)) {
        if (u[2] < w->p_art_start)
            r->hiv |= HV_ART;
    } else if (u[2] < w->p_art_stop) {
        r->hiv &= (uint8_t)~HV_ART;
    }
}

void pwi_hiv_week(world *w, const stocks *st)
{
    const double *v = w->v;
    double hiv = pwi_rate_infectious(st->hiv_sh_off, st->hiv_sh_art, v[PI_HEALTH_ART_TX_RR]);
    double hcv = pwi_rate_infectious(st->hcv_sh, 0, 0);
    for (int c = 0; c < 2; c++) {
        w->p_hiv_inf[c] = wprob(pwi_rate_sharing_infection(
            v[PI_HEALTH_HIV_BETA], hiv, st->sharers, v[PI_HEALTH_NSP_SHARING_RR], c));
        w->p_hcv_inf[c] = wprob(pwi_rate_sharing_infection(
            v[PI_HEALTH_HCV_BETA], hcv, st->sharers, v[PI_HEALTH_NSP_SHARING_RR], c));
    }
}
