/*
 * The rate formulas of the society model that both engines compute: the
 * agent-based model (src/sim/) turns them into weekly chances and draws,
 * the mean-field ODE (src/calib/mf_*.c) uses them as flows per person and
 * year. One place forms each, so an edit to one engine's rule reaches the
 * other, and the ABM/mean-field agreement tests compare models of the same
 * thing rather than two hand copies of it.
 *
 * Every function takes parameter values (not the simulator's parameter
 * table: the mean field reads the same parameters by name) and returns a
 * rate per year unless it says otherwise. The ABM depends on the exact
 * double each returns (its weekly chances are tabulated once and compared
 * with uniforms), so an edit here that only reorders arithmetic still
 * changes its outputs: keep the order of the products as it is.
 *
 * Internal to the project (prefix pwi_); src/calib includes it by its
 * relative path. docs/model.md and docs/calibration.md give the sources.
 */
#ifndef PW_SIM_RATES_H
#define PW_SIM_RATES_H

#include <math.h>

/* Peer initiation passes on the initiator's own substance with this
 * chance, otherwise one drawn from the scenario's mix (assumption,
 * docs/model.md). */
#define PWI_PEER_OWN_SUBSTANCE 0.7

/* DSM-5 criteria met at the onset of dependence: PWI_DSM_MIN +
 * Binomial(PWI_DSM_N, PWI_DSM_P) (assumption: mean 5.6, roughly a third
 * each mild, moderate, severe). */
#define PWI_DSM_MIN 2
#define PWI_DSM_N 9
#define PWI_DSM_P 0.4

/* Relative propensity to start using by age (peak 15-24). Assumption: the
 * Kazakh records show offences concentrated among 18-34 and rising among
 * minors; no age-specific initiation data were found. The steps are where
 * the mean field's age bands begin. */
static inline double pwi_rate_age_factor(double age)
{
    if (age < 12)
        return 0;
    if (age < 15)
        return 0.3;
    if (age < 25)
        return 1.0;
    if (age < 35)
        return 0.6;
    if (age < 50)
        return 0.25;
    if (age < 65)
        return 0.08;
    return 0;
}

/* Deterrence by the memory of visible harm (LHY, Behrens et al. 2002):
 * the multiplier on peer initiation, max(floor, exp(-q Y / L)) with Y the
 * memory and L the light users (1 without light users). */
static inline double pwi_rate_deterrence(double floor_, double q, double memory, double light)
{
    double ratio = light > 0 ? memory / light : 0;
    return fmax(floor_, exp(-q * ratio));
}

/* Detection of use or possession: dependence doubles the chance of being
 * seen (assumption, docs/model.md). */
static inline double pwi_rate_use_detection(double rate, int dependent)
{
    return dependent ? 2 * rate : rate;
}

/* Acquisitive offences a year of a dependent user in the community, by the
 * flags that move it: unemployed, criminal mindset, in a drug court. */
static inline double pwi_rate_crime(double acq, double unemp_rr, double mindset_rr,
                                    double dc_rr, int unemp, int mind, int dc)
{
    double rate = acq;
    if (unemp)
        rate *= unemp_rr;
    if (mind)
        rate *= mindset_rr;
    if (dc)
        rate *= dc_rr;
    return rate;
}

/* Overdose deaths a year of a dependent user: by injecting, and higher out
 * of treatment (Degenhardt et al. 2011: 2.38x). */
static inline double pwi_rate_overdose(double od_inject, double od_other, double out_of_tx_rr,
                                       int injects, int in_tx)
{
    return (injects ? od_inject : od_other) * (in_tx ? 1 : out_of_tx_rr);
}

/* The same in the two weeks after release from custody (Merrall et al.
 * 2010: drug deaths 3-8x higher). */
static inline double pwi_rate_overdose_released(double od_inject, double od_other,
                                                double out_of_tx_rr, double release_rr,
                                                int injects, int in_tx)
{
    return pwi_rate_overdose(od_inject, od_other, out_of_tx_rr, injects, in_tx) * release_rr;
}

/* HIV and HCV pass through shared injecting equipment (docs/model.md,
 * "HIV among PWID"): the contact is sharing, and sharers share with
 * sharers (the core mixes within itself), so a core that saturates holds
 * prevalence among all PWID near the sharing share times the core's level.
 * People who inject without sharing carry no risk (ASSUMED: the residual
 * risk of a non-sharer is left out, docs/model.md). Both engines use the
 * formulas below: the agent-based model per agent (src/sim/hiv.c,
 * community.c), the mean field on the sharing, NSP and ART shares of its
 * HIV chains (src/calib/mf_hiv.c). */

/* The infectious weight of the HIV-positive sharers: those off ART count
 * one each, those on ART `art_rr` each (viral suppression; Cohen et al.
 * 2011, HPTN 052, for sexual transmission; ASSUMED smaller for shared
 * equipment, the prior of health.art_transmission_rr). For HCV pass
 * on_art 0. */
static inline double pwi_rate_infectious(double off_art, double on_art, double art_rr)
{
    return off_art + art_rr * on_art;
}

/* HIV (or HCV) infections a year of an uninfected sharer: beta times the
 * infectious weight per sharer, times `nsp_rr` for a needle-syringe
 * programme client (Aspinall et al. 2014). 0 without sharers. */
static inline double pwi_rate_sharing_infection(double beta, double infectious, double sharers,
                                                double nsp_rr, int nsp)
{
    if (!(sharers > 0))
        return 0;
    double rate = beta * (infectious / sharers);
    return nsp ? rate * nsp_rr : rate;
}

/* HIV excess deaths a year, times `art_rr` on ART. */
static inline double pwi_rate_hiv_mortality(double mort, double art_rr, int on_art)
{
    return on_art ? mort * art_rr : mort;
}

/* HIV tests a year of an undiagnosed person: the background rate plus,
 * for a needle-syringe programme client, the programme's own tests. */
static inline double pwi_rate_hiv_testing(double background, double nsp_rate, int nsp)
{
    return nsp ? background + nsp_rate : background;
}

/* Relapse a year in early remission after compulsory treatment of `months`
 * months: longer treatment, longer abstinence (Nosyk et al. 2013), the
 * effect saturating at a year. */
static inline double pwi_rate_relapse_after_compulsory(double base, double length_effect,
                                                       double months)
{
    return base * (1 - length_effect * fmin(1, months / 12.0));
}

/* A relapse rate while a kind of care (12-step aftercare, monitoring) runs
 * (`on`), with that care's relapse ratio. */
static inline double pwi_rate_with_care(double rate, double care_rr, int on)
{
    return on ? rate * care_rr : rate;
}

/* Stigma after public awareness: people in remission per 1000 people make
 * it visible that recovery happens (assumption, docs/model.md). */
static inline double pwi_rate_stigma(double stigma, double awareness, double in_remission,
                                     double population)
{
    double per1000 = population > 0 ? 1000.0 * in_remission / population : 0;
    return stigma / (1 + awareness * per1000);
}

/* Re-employment a year at the current stigma; active dependence cuts it
 * 4x (assumption). */
static inline double pwi_rate_reemployment(double reemploy, double stigma, int dependent)
{
    double r = reemploy * (1 - stigma);
    return dependent ? r / 4 : r;
}

/* Years of a custodial sentence with bounds [lo, hi] drawn at quantile u:
 * uniform within the bounds; an open bound (hi 0: no upper limit, or a
 * sentence that depends on the underlying crime) adds an exponential term
 * of mean open_mean; at least `shortest`. */
static inline double pwi_sentence_years(double lo, double hi, double open_mean, double u,
                                        double shortest)
{
    double years;
    if (hi > lo)
        years = lo + (hi - lo) * u;
    else if (hi <= 0)
        years = lo - open_mean * log1p(-u);
    else
        years = lo;
    if (years < shortest)
        years = shortest;
    return years;
}

/* ---- The chapter's social levers (src/sim/levers.c, src/calib/mf_levers.c;
 * docs/model.md "Prevention, awareness and stigma", docs/sources.md K4.6) */

/* The initiation ratio of a pupil reached by a school programme
 * `years_since` years ago: 1 - effect x 2^(-years / half-life) (the
 * trials' effect fades: Faggiano 2014, RR 0.90 at < 12 months, 0.86 at
 * 12+ months with intervals touching 1; the half-life is ASSUMED). */
static inline double pwi_rate_prevention_rr(double effect, double half_life, double years_since)
{
    return 1 - effect * exp2(-years_since / half_life);
}

/* The mean initiation ratio of people aged `age` at time t (years since
 * the programme began) when every school year since t = 0 reaches a share
 * `coverage` of those aged [from, to) at its start, independently year by
 * year (as the agents' draws are): the last year that reached the person
 * sets the ratio. The mean field averages it over ages; the ABM draws it
 * person by person (levers.c). */
static inline double pwi_rate_prevention_cohort_rr(double coverage, double from, double to,
                                                   double effect, double half_life,
                                                   double age, double t)
{
    if (coverage <= 0 || effect <= 0)
        return 1;
    double not_yet = 1, rr = 0;
    for (int y = (int)floor(t); y >= 0; y--) {
        double at = age - (t - y); /* age at the start of school year y */
        if (at >= to)
            continue;
        if (at < from)
            break;
        rr += not_yet * coverage * pwi_rate_prevention_rr(effect, half_life, t - y);
        not_yet *= 1 - coverage;
    }
    return rr + not_yet;
}

/* The public awareness a yearly campaign budget per 100,000 inhabitants
 * sustains: budget / (budget + the budget that reaches half the public)
 * (ASSUMED saturating reach). Awareness moves towards it at the public
 * memory's rate (society.stigma_memory_decay). */
static inline double pwi_rate_awareness_target(double budget, double half)
{
    return budget > 0 ? budget / (budget + half) : 0;
}

/* Initiation ratio of a campaign at awareness a: 1 - effect x a; the
 * effect's prior includes zero and harm (Allara 2015: SMD -0.02, -0.15 to
 * 0.12; 2 of 19 studies found harm). */
static inline double pwi_rate_campaign_rr(double effect, double awareness)
{
    return 1 - effect * awareness;
}

/* Stigma as a state of society: the stigma left after visible recoveries
 * (pwi_rate_stigma), with its log-odds raised by what the public sees of
 * punishment and compulsion (`pressure`: admissions to arrest, compulsory
 * treatment and prison per 1,000 inhabitants a year, smoothed by the
 * public's memory) relative to today's level `ref`, and lowered by
 * campaign awareness (effects ASSUMED, docs/sources.md K4.6). At today's
 * level and no campaign it is `base`. */
static inline double pwi_rate_stigma_social(double base, double punish_effect, double pressure,
                                            double ref, double aware_effect, double awareness)
{
    if (base <= 0)
        return 0;
    if (base >= 1)
        return 1;
    double z = log(base / (1 - base)) + punish_effect * (pressure / ref - 1) -
               aware_effect * awareness;
    return 1 / (1 + exp(-z));
}

/* Voluntary treatment entry a year at stigma s, relative to the stigma of
 * the starting year `ref` at which the entry rate was set: the rate times
 * (odds(s) / odds(ref))^-effect (Hammarlund 2018: the effect "varied
 * widely"; not significant in NESARC, so the prior includes zero). */
static inline double pwi_rate_help_seeking(double rate, double effect, double s, double ref)
{
    if (effect <= 0 || !(ref > 0 && ref < 1))
        return rate;
    s = fmin(fmax(s, 1e-9), 1 - 1e-9);
    double dz = log(s / (1 - s)) - log(ref / (1 - ref));
    return rate * exp(-effect * dz);
}

#endif /* PW_SIM_RATES_H */
