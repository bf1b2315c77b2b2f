/*
 * Accounts: the weekly stocks of every active record and, at each year's
 * end, the yearly series and run metrics (scaled to the full population).
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

void pwi_count_record(const act *r, int week, stocks *st)
{
    assert(r->stage <= ST_REM_SUSTAINED && r->place <= PL_ARREST);
    int using = is_using(r);
    st->stage[r->stage]++;
    st->sellers += r->role != ROLE_NONE;
    if (using && (r->flags & RF_INJECTS) && !is_institution(r->place)) {
        st->pwid++;
        st->hiv_pwid += (r->flags & RF_HIV) != 0;
        st->hcv_pwid += (r->flags & RF_HCV) != 0;
        if (r->hiv & HV_SHARES) {
            st->sharers++;
            st->hiv_sh_off += (r->flags & RF_HIV) && !(r->hiv & HV_ART);
            st->hiv_sh_art += (r->flags & RF_HIV) && (r->hiv & HV_ART);
            st->hcv_sh += (r->flags & RF_HCV) != 0;
        }
        if (st->full) {
            st->nsp += (r->hiv & HV_NSP) != 0;
            st->hiv_diag += (r->flags & RF_HIV) && (r->hiv & HV_DIAG);
            st->hiv_art += (r->flags & RF_HIV) && (r->hiv & HV_ART);
        }
    }
    if (!st->full)
        return;
    st->place[r->place]++;
    st->severe += r->stage == ST_DEPENDENT && r->dsm >= 6;
    st->waiting += r->place == PL_WAITING || r->awaiting_bed; /* at home or in custody */
    st->monitored += r->monitor_until && week < r->monitor_until;
    st->employed += using && (r->flags & RF_EMPLOYED);
    st->work_release += r->place == PL_PRISON && r->work_release;
    st->pretrial += r->place == PL_PRISON && r->pretrial_until && week < r->pretrial_until;
    st->aftercare += (care_of(r, week) & 1) != 0;
}

void pwi_end_of_year(world *w, int year, int week, const stocks *st)
{
    assert(st->full);
    size_t K = pw_series_count();
    assert(pw_metric_count() <= sizeof w->out->metrics / sizeof w->out->metrics[0]);
    double *row = w->out->series + (size_t)year * K;
    double up = 1 / w->scale;
    /* Children (<18) living with a person who uses drugs; they keep a
     * higher risk of starting later in life (AF_PWUD_CHILD). */
    pwi_mark_households(w, week);
    /* Branch-free (a pass over everyone, once a year): whether an agent is
     * such a child is close to random from one agent to the next. */
    uint32_t n_children = 0;
    uint8_t *flags = w->flags;
    const uint8_t *mark = w->hh_mark;
    const uint32_t *hh = w->hh;
    const int16_t *birth = w->birth;
    for (uint32_t a = 0, n = w->n; a < n; a++) {
        uint32_t child = (flags[a] & AF_ALIVE) & (mark[hh[a]] != 0) & (week - birth[a] < 18 * WPY);
        flags[a] |= (uint8_t)(child ? AF_PWUD_CHILD : 0);
        n_children += child;
    }
    double children = n_children;
#define S(name, val) row[pw_series_find(name)] = (val) * up
    S("population", (double)w->alive);
    S("births", w->yc.births);
    S("deaths", w->yc.deaths);
    S("emigrated", w->yc.emigrated);
    S("immigrated", w->yc.immigrated);
    S("pwud", (double)stocks_pwud(st));
    S("light_users", (double)st->stage[ST_LIGHT]);
    S("dependent", (double)st->stage[ST_DEPENDENT]);
    S("dependent_severe", (double)st->severe);
    S("pwid", (double)st->pwid);
    S("in_remission", (double)stocks_rem(st));
    S("initiations", w->yc.initiations);
    S("peer_initiations", w->yc.peer_initiations);
    S("overdose_deaths", w->yc.od_deaths);
    S("hiv_pwid", (double)st->hiv_pwid);
    S("hiv_infections", w->yc.hiv_inf);
    S("hcv_infections", w->yc.hcv_inf);
    S("offences", w->yc.offences);
    S("acquisitive_crimes", w->yc.acq_crimes);
    S("drug_crimes", w->yc.drug_crimes);
    S("detected_offences", w->yc.detected);
    S("cases", w->yc.cases);
    S("prison_population", (double)st->place[PL_PRISON]);
    S("prison_admissions", w->yc.prison_adm);
    S("releases", w->yc.releases);
    S("compulsory_treatment", (double)st->place[PL_COMPULSORY]);
    S("compulsory_admissions", w->yc.comp_adm);
    S("waiting_list", (double)st->waiting);
    S("outpatient_treatment", (double)st->place[PL_OUTPATIENT]);
    S("drug_court", (double)st->place[PL_DRUG_COURT]);
    S("monitored", (double)st->monitored);
    S("sellers", (double)st->sellers);
    S("sustained_remissions", w->yc.sustained);
    S("mindset_acquired_in_prison", w->yc.mindset_prison);
    S("children_with_pwud_parent", children);
    S("employed_pwud", (double)st->employed);
    S("cost_kzt", w->yc.cost);
    S("work_release", (double)st->work_release);
    S("pretrial_detention", (double)st->pretrial);
    S("in_aftercare", (double)st->aftercare);
    S("arrest_admissions", w->yc.arrests);
    S("pretrial_detention_days", w->yc.pretrial_days);
    S("community_service_hours", w->yc.cs_hours);
    S("orders_not_carried_out", w->yc.lapsed);
    S("admitted_from_waiting_list", w->yc.from_queue);
    S("waiting_weeks", w->yc.wait_weeks);
    S("parole_exams", w->yc.exams);
    S("paroles", w->yc.paroles);
    S("prison_releases", w->yc.prison_releases);
    S("fines_levied_kzt", w->yc.fines);
    S("voluntary_entries", w->yc.vol_entries);
    S("pupils_reached", w->yc.pupils);
    S("initiations_averted", w->yc.averted);
    S("nsp_clients", (double)st->nsp);
    S("hiv_diagnosed", (double)st->hiv_diag);
    S("hiv_on_art", (double)st->hiv_art);
    /* levels times population (pwi_results_derive forms the levels) */
    S("stigma_x_population", w->stigma * (double)w->alive);
    S("awareness_x_population", w->awareness * (double)w->alive);
    /* reconvicted_within_3y is added to its release year's row as it
     * happens (pathway.c); mean_wait_weeks is derived after the regions
     * are summed (pwi_results_derive). */
    char name[64];
    for (int c = 0; c < CI_COUNT; c++) {
        snprintf(name, sizeof name, "cost_%s_kzt", pwi_cost_item_name(c));
        assert(pw_series_find(name) >= 0);
        S(name, w->yc.item[c]);
    }
#undef S
    double *m = w->out->metrics;
#define ADD(name, val) m[pw_metric_find(name)] += (val) * up
#define SET(name, val) m[pw_metric_find(name)] = (val) * up
    SET("pwud_end", (double)stocks_pwud(st));
    SET("dependent_end", (double)st->stage[ST_DEPENDENT]);
    SET("pwid_end", (double)st->pwid);
    ADD("initiations_total", w->yc.initiations);
    ADD("overdose_deaths_total", w->yc.od_deaths);
    ADD("hiv_infections_total", w->yc.hiv_inf);
    ADD("hcv_infections_total", w->yc.hcv_inf);
    ADD("drug_crimes_total", w->yc.drug_crimes);
    ADD("acquisitive_crimes_total", w->yc.acq_crimes);
    ADD("detected_offences_total", w->yc.detected);
    SET("prison_population_end", (double)st->place[PL_PRISON]);
    ADD("prison_admissions_total", w->yc.prison_adm);
    SET("in_compulsory_treatment_end", (double)st->place[PL_COMPULSORY]);
    ADD("compulsory_admissions_total", w->yc.comp_adm);
    SET("waiting_list_end", (double)st->waiting);
    ADD("sustained_remissions_total", w->yc.sustained);
    ADD("criminal_mindset_acquired_in_prison_total", w->yc.mindset_prison);
    SET("children_with_pwud_parent_end", children);
    SET("population_end", (double)w->alive);
    ADD("cost_total_kzt", w->yc.cost);
    ADD("cost_justice_kzt", w->yc.cost_justice);
    ADD("cost_treatment_kzt", w->yc.cost_treatment);
    ADD("cost_health_kzt", w->yc.cost_health);
    ADD("cost_crime_kzt", w->yc.cost_crime);
    ADD("cost_lost_work_kzt", w->yc.cost_work);
    ADD("prison_releases_total", w->yc.prison_releases);
    ADD("orders_not_carried_out_total", w->yc.lapsed);
    ADD("admitted_from_waiting_list_total", w->yc.from_queue);
    ADD("waiting_weeks_total", w->yc.wait_weeks);
    ADD("arrest_admissions_total", w->yc.arrests);
    ADD("pretrial_detention_days_total", w->yc.pretrial_days);
    ADD("parole_exams_total", w->yc.exams);
    ADD("paroles_total", w->yc.paroles);
    ADD("fines_levied_kzt", w->yc.fines);
    SET("work_release_end", (double)st->work_release);
    ADD("voluntary_entries_total", w->yc.vol_entries);
    ADD("pupils_reached_total", w->yc.pupils);
    ADD("initiations_averted_total", w->yc.averted);
    SET("stigma_x_population_end", w->stigma * (double)w->alive);
    for (int c = 0; c < CI_COUNT; c++) {
        snprintf(name, sizeof name, "cost_%s_kzt", pwi_cost_item_name(c));
        assert(pw_metric_find(name) >= 0);
        ADD(name, w->yc.item[c]);
    }
    /* Re-convictions within 3 years of release, over the release years
     * of the projection followed for 3 full years by the end of the run (the rows already
     * hold people at full scale). */
    if (year == w->weeks / WPY - 1) {
        double rel = 0, rec = 0;
        for (int y = w->hist_weeks / WPY; y + 3 <= year + 1; y++) {
            rel += w->out->series[(size_t)y * K + (size_t)pw_series_find("prison_releases")];
            rec += w->out->series[(size_t)y * K + (size_t)pw_series_find("reconvicted_within_3y")];
        }
        m[pw_metric_find("prison_releases_followed_3y_total")] = rel;
        m[pw_metric_find("reconvicted_within_3y_total")] = rec;
    }
#undef ADD
#undef SET
    memset(&w->yc, 0, sizeof w->yc);
}
