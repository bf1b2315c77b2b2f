/*
 * The simulator's parameter table, as an X-macro: X(ID, "name", lo, hi).
 *
 * Every scenario file must give every parameter a value (inside [lo, hi])
 * and a source; the model reads them as s->v[PI_ID]. Rates are per year
 * unless the name says otherwise; the model converts them to weekly
 * probabilities with 1 - exp(-rate / 52). docs/model.md explains each one.
 */
#ifndef PW_SIM_PARAMS_H
#define PW_SIM_PARAMS_H

#define PW_SIM_PARAMS(X)                                                      \
    /* demography */                                                          \
    X(DEMO_SHARE_0_14, "demography.share_0_14", 0, 0.6)                       \
    X(DEMO_SHARE_65_PLUS, "demography.share_65_plus", 0, 0.5)                 \
    X(DEMO_HOUSEHOLD_SIZE, "demography.household_size", 1, 10)                \
    X(DEMO_BIRTH_RATE, "demography.birth_rate", 0, 0.1)                       \
    X(DEMO_GOMPERTZ_A, "demography.gompertz_a", 1e-6, 0.01)                   \
    X(DEMO_GOMPERTZ_B, "demography.gompertz_b", 0.01, 0.2)                    \
    X(DEMO_EMIGRATION, "demography.emigration_rate", 0, 0.2)                  \
    X(DEMO_IMMIGRATION, "demography.immigration_rate", 0, 0.2)                \
    /* social ties */                                                         \
    X(TIES_MEAN_DEGREE, "ties.mean_peer_degree", 0, 30)                       \
    X(TIES_PARETO_ALPHA, "ties.degree_pareto_alpha", 1.1, 10)                 \
    X(TIES_BLOCK, "ties.neighbourhood_size", 8, 4096)                         \
    /* initial state (shares of people aged 15-64) */                         \
    X(INIT_LIGHT, "initial.light_user_share", 0, 0.5)                         \
    X(INIT_DEPENDENT, "initial.dependent_share", 0, 0.2)                      \
    X(INIT_REMISSION, "initial.remission_share", 0, 0.2)                      \
    X(INIT_INJECT, "initial.injecting_share_of_opioid_dependent", 0, 1)       \
    X(INIT_HIV_PWID, "initial.hiv_prevalence_pwid", 0, 1)                     \
    X(INIT_HCV_PWID, "initial.hcv_prevalence_pwid", 0, 1)                     \
    X(INIT_PRISON, "initial.prison_share", 0, 0.02)                           \
    X(INIT_SELLERS, "initial.sellers_per_user", 0, 1)                         \
    /* substance mix of new users (weights) */                                \
    X(MIX_OPIOIDS, "substances.mix_opioids", 0, 1)                            \
    X(MIX_CATHINONES, "substances.mix_synthetic_cathinones", 0, 1)            \
    X(MIX_CANNABINOIDS, "substances.mix_synthetic_cannabinoids", 0, 1)        \
    X(MIX_CANNABIS, "substances.mix_cannabis", 0, 1)                          \
    X(MIX_STIMULANTS, "substances.mix_stimulants", 0, 1)                      \
    /* use: light -> dependence -> remission -> relapse */                    \
    X(USE_DEP_OPIOIDS, "use.dependence_rate_opioids", 0, 5)                   \
    X(USE_DEP_CATHINONES, "use.dependence_rate_synthetic_cathinones", 0, 5)   \
    X(USE_DEP_CANNABINOIDS, "use.dependence_rate_synthetic_cannabinoids", 0, 5) \
    X(USE_DEP_CANNABIS, "use.dependence_rate_cannabis", 0, 5)                 \
    X(USE_DEP_STIMULANTS, "use.dependence_rate_stimulants", 0, 5)             \
    X(USE_LIGHT_QUIT, "use.light_quit_rate", 0, 5)                            \
    X(USE_REM_OPIOIDS, "use.remission_rate_opioids", 0, 2)                    \
    X(USE_REM_STIMULANTS, "use.remission_rate_stimulants", 0, 2)              \
    X(USE_REM_CANNABIS, "use.remission_rate_cannabis", 0, 2)                  \
    X(USE_RELAPSE_EARLY, "use.relapse_rate_early_remission", 0, 20)           \
    X(USE_RELAPSE_SUSTAINED, "use.relapse_rate_sustained_remission", 0, 5)    \
    X(USE_INJECT, "use.injecting_rate_opioid_dependent", 0, 5)                \
    /* initiation */                                                          \
    X(INIT_EXOGENOUS, "initiation.exogenous_rate", 0, 0.05)                   \
    X(INIT_PEER_MEAN, "initiation.peer_mean", 0, 10)                          \
    X(INIT_INITIATOR_SHARE, "initiation.initiator_share", 0.001, 1)           \
    X(INIT_DEALER_RR, "initiation.dealer_rate_ratio", 1, 50)                  \
    X(INIT_HOUSEHOLD_SHARE, "initiation.household_share", 0, 1)               \
    X(INIT_DETER_Q, "initiation.deterrence_q", 0, 20)                         \
    X(INIT_DETER_FLOOR, "initiation.deterrence_floor", 0, 1)                  \
    X(INIT_MEMORY_DECAY, "initiation.memory_decay", 0.01, 5)                  \
    X(INIT_CHILD_RR, "initiation.child_of_pwud_rate_ratio", 1, 10)            \
    /* crime and the drug market */                                           \
    X(CRIME_ACQ, "crime.acquisitive_rate_dependent", 0, 50)                   \
    X(CRIME_VIOLENT_SHARE, "crime.violent_share", 0, 1)                       \
    X(CRIME_UNEMPLOYED_RR, "crime.unemployed_rate_ratio", 1, 10)              \
    X(CRIME_MINDSET_RR, "crime.mindset_rate_ratio", 1, 10)                    \
    X(MARKET_SELLERS, "market.sellers_per_user", 0, 1)                        \
    X(MARKET_COURIER_SHARE, "market.courier_share", 0, 1)                     \
    X(MARKET_QUIT, "market.seller_quit_rate", 0, 10)                          \
    /* police */                                                              \
    X(POLICE_USE, "police.use_detection_rate", 0, 5)                          \
    X(POLICE_CRIME, "police.crime_detection", 0, 1)                           \
    X(POLICE_SALE, "police.sale_detection", 0, 1)                             \
    X(POLICE_CAPACITY, "police.capacity_per_100k", 0, 1e5)                    \
    /* treatment */                                                           \
    X(TX_BEDS, "treatment.compulsory_beds_per_100k", 0, 1000)                 \
    X(TX_BEDS_DRUG_SHARE, "treatment.compulsory_beds_drug_share", 0, 1)       \
    X(TX_SLOTS, "treatment.outpatient_slots_per_100k", 0, 5000)               \
    X(TX_VOLUNTARY, "treatment.voluntary_entry_rate", 0, 5)                   \
    X(TX_CONSENT, "treatment.consent_share", 0, 1)                            \
    X(TX_OUT_MONTHS, "treatment.outpatient_months", 0.5, 60)                  \
    X(TX_COMP_MONTHS, "treatment.compulsory_months_default", 0.5, 60)         \
    X(TX_REM_OUTPATIENT, "treatment.remission_rate_outpatient", 0, 10)        \
    X(TX_RELAPSE_COMP, "treatment.relapse_rate_after_compulsory", 0, 50)      \
    X(TX_RELAPSE_VOL, "treatment.relapse_rate_after_voluntary", 0, 50)        \
    X(TX_LENGTH_EFFECT, "treatment.length_effect", 0, 1)                      \
    X(TX_AFTERCARE_RR, "treatment.aftercare_relapse_ratio", 0.05, 1)          \
    X(TX_DC_GRADUATION, "treatment.drug_court_graduation", 0, 1)              \
    X(TX_DC_CRIME_RR, "treatment.drug_court_crime_ratio", 0.05, 1)            \
    X(TX_DISSUASION_REFERRAL, "treatment.dissuasion_referral_share", 0, 1)    \
    /* prison */                                                              \
    X(PRISON_MINDSET, "prison.mindset_rate", 0, 10)                           \
    X(PRISON_EDU_RR, "prison.educational_mindset_ratio", 0, 1)                \
    X(PRISON_RELAPSE, "prison.relapse_rate_after_release", 0, 50)             \
    X(PRISON_PAROLE_PASS, "prison.parole_exam_pass", 0, 1)                    \
    X(PRISON_SENTENCE_CAP, "prison.open_sentence_years", 0.1, 50)             \
    /* health */                                                              \
    X(HEALTH_OD_INJECT, "health.overdose_death_rate_injecting", 0, 1)         \
    X(HEALTH_OD_OTHER, "health.overdose_death_rate_other_dependent", 0, 1)    \
    X(HEALTH_OD_TX_RR, "health.overdose_out_of_treatment_ratio", 1, 10)       \
    X(HEALTH_OD_RELEASE_RR, "health.overdose_after_release_ratio", 1, 200)    \
    X(HEALTH_HIV_BETA, "health.hiv_transmission_rate", 0, 5)                  \
    X(HEALTH_HCV_BETA, "health.hcv_transmission_rate", 0, 5)                  \
    X(HEALTH_HIV_MORT, "health.hiv_excess_mortality", 0, 1)                   \
    /* families and society */                                                \
    X(SOC_EMPLOYED, "society.employment_share_users", 0, 1)                   \
    X(SOC_REEMPLOY, "society.reemployment_rate", 0, 20)                       \
    X(SOC_STIGMA, "society.stigma", 0, 1)                                     \
    X(SOC_AWARENESS, "society.awareness_effect", 0, 10)                       \
    X(SOC_JOBLOSS, "society.job_loss_rate_dependent", 0, 10)                  \
    /* costs in KZT */                                                        \
    X(COST_POLICE, "cost.police_per_case", 0, 1e8)                            \
    X(COST_COURT, "cost.court_per_case", 0, 1e8)                              \
    X(COST_PRISON_DAY, "cost.prison_per_day", 0, 1e6)                         \
    X(COST_COMP_MONTH, "cost.compulsory_per_month", 0, 1e7)                   \
    X(COST_OUT_MONTH, "cost.outpatient_per_month", 0, 1e7)                    \
    X(COST_CRIME, "cost.crime_to_victims", 0, 1e8)                            \
    X(COST_HIV_YEAR, "cost.hiv_care_per_year", 0, 1e8)                        \
    X(COST_OD_DEATH, "cost.overdose_death", 0, 1e10)                          \
    X(COST_LOST_WORK_MONTH, "cost.lost_work_per_month", 0, 1e7)               \
    X(COST_DISCOUNT, "cost.discount_rate", 0, 0.2)                            \
    /* appended: carrying out every measure of a decision */                  \
    X(JUSTICE_PRETRIAL_DAYS, "justice.pretrial_days", 0, 730)                 \
    X(JUSTICE_ARREST_SHARE, "justice.arrest_share", 0, 1)                     \
    X(JUSTICE_CS_SHARE, "justice.community_service_share", 0, 1)              \
    X(TX_ORDER_VALIDITY, "treatment.order_validity_months", 0.25, 120)        \
    X(TX_MONITORING_RR, "treatment.monitoring_relapse_ratio", 0.05, 1)        \
    X(TX_BEDS_PER_CENTRE, "treatment.beds_per_centre", 1, 1000)               \
    X(CRIME_MINDSET_OFFENDING, "crime.mindset_offending_rate", 0, 20)         \
    X(MARKET_MINDSET_RESALE, "market.mindset_resale_rate", 0, 10)             \
    X(COST_PANEL, "cost.panel_per_session", 0, 1e7)                           \
    X(COST_BRACELET_DAY, "cost.bracelet_per_day", 0, 1e6)                     \
    X(COST_EXAM, "cost.exam_per_sitting", 0, 1e7)                             \
    X(COST_AFTERCARE_MONTH, "cost.aftercare_per_month", 0, 1e7)               \
    X(COST_MONITORING_MONTH, "cost.monitoring_per_month", 0, 1e7)             \
    X(COST_CENTRE_YEAR, "cost.treatment_centre_per_year", 0, 1e11)            \
    X(COST_CS_HOUR, "cost.community_service_per_hour", 0, 1e6)                \
    X(COST_BRIEF, "cost.brief_intervention", 0, 1e7)                          \
    X(COST_MRP, "cost.mrp_kzt", 0, 1e5)                                       \
    X(COST_RUB, "cost.kzt_per_rub", 0, 1e3)                                  \
    /* appended: the chapter's social levers (levers.c) */                    \
    X(PREV_COVERAGE, "prevention.school_coverage", 0, 1)                      \
    X(PREV_AGE_FROM, "prevention.age_from", 5, 30)                            \
    X(PREV_AGE_TO, "prevention.age_to", 5, 30)                                \
    X(PREV_EFFECT, "prevention.initiation_effect", 0, 0.5)                    \
    X(PREV_HALF_LIFE, "prevention.effect_half_life_years", 0.1, 20)           \
    X(PREV_COST, "prevention.cost_per_pupil", 0, 1e6)                         \
    X(AWARE_BUDGET, "awareness.campaign_kzt_per_100k", 0, 1e9)                \
    X(AWARE_HALF, "awareness.half_reach_kzt_per_100k", 1, 1e9)                \
    X(AWARE_USE, "awareness.initiation_effect", -0.5, 0.5)                    \
    X(AWARE_STIGMA, "awareness.stigma_effect", 0, 5)                          \
    X(STIG_PUNISH, "society.stigma_punishment_effect", 0, 5)                  \
    X(STIG_REF, "society.punishment_reference_per_1000", 0.001, 100)          \
    X(STIG_MEMORY, "society.stigma_memory_decay", 0.05, 10)                   \
    X(STIG_HELP, "society.stigma_help_seeking_effect", 0, 3)                  \
    X(STIG_WORK, "society.stigma_reemployment_effect", 0, 1)                  \
    /* appended: the history phase (run.c) */                                 \
    X(DEMO_HIST_IMMIGRATION, "demography.history_immigration_rate", 0, 0.2) \
    /* appended: HIV among PWID as services and contacts (hiv.c) */           \
    X(HEALTH_SHARING_SHARE, "health.sharing_share", 0, 1)                     \
    X(HEALTH_NSP_SHARING_RR, "health.nsp_sharing_rr", 0, 1)                   \
    X(HEALTH_TEST_RATE, "health.hiv_testing_rate", 0, 52)                     \
    X(HEALTH_TEST_CONTACT, "health.hiv_test_at_contact", 0, 1)                \
    X(HEALTH_ART_START, "health.art_start_rate", 0, 52)                       \
    X(HEALTH_ART_STOP, "health.art_stop_rate", 0, 52)                         \
    X(HEALTH_ART_TX_RR, "health.art_transmission_rr", 0, 1)                   \
    X(HEALTH_ART_MORT_RR, "health.art_mortality_rr", 0, 1)                    \
    X(HR_NSP_PLACES, "harm_reduction.nsp_clients_per_100k", 0, 5000)          \
    X(HR_NSP_UPTAKE, "harm_reduction.nsp_uptake_rate", 0, 52)                 \
    X(HR_NSP_TESTING, "harm_reduction.nsp_testing_rate", 0, 52)               \
    X(INIT_HIV_DIAG, "initial.hiv_diagnosed_share", 0, 1)                     \
    X(INIT_HIV_ART, "initial.hiv_art_share", 0, 1)                            \
    X(COST_NSP_YEAR, "cost.nsp_per_client_year", 0, 1e8)

enum {
#define PWI_X(id, name, lo, hi) PI_##id,
    PW_SIM_PARAMS(PWI_X)
#undef PWI_X
    PI_COUNT
};

#endif /* PW_SIM_PARAMS_H */
