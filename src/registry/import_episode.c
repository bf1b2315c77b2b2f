/*
 * import_episode.c: the person and episode records of `registry import`,
 * with the episode's plan, review schedule and random test days
 * (import_int.h; fields in docs/registry.md).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/engine.h"
#include "engine/engine_json.h"
#include "pathways/registry.h"
#include "dict.h"
#include "import_int.h"
#include "seal.h"

/* Plan length assumed when the episode carries no case (no engine plan). */
#define DEFAULT_PLAN_DAYS 365
/* The one phase of such a plan. Not the programme's name: a programme is
 * free text ("B", "inpatient_9m") and is its own report grouping, while
 * caseload-by-phase and the episode list's phase filter need a phase from
 * one vocabulary. "treatment" is the kind-unknown phase beside the engine's
 * measures (measure_phase: detoxification, ..., monitoring). */
#define DEFAULT_PLAN_PHASE "treatment"
/* Days per month when turning the engine's measure months into due dates. */
#define DAYS_PER_MONTH 30.4375

/* ---- person -------------------------------------------------------------- */

int pwi_imp_rec_person(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {"ref", "national_id", "name",
                                       "birth_date", "sex", "contact", NULL};
    const char *const *sexes = pwi_v_sex; /* dict.c */
    const char *ref, *nid, *name, *contact;
    int32_t birth = 0;
    int has_birth, sex;
    int rc = pwi_imp_check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "ref", 1, &ref, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "national_id", 1, &nid, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "name", 1, &name, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "birth_date", 1, &birth, &has_birth, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "sex", 1, sexes, &sex, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "contact", 0, &contact, err);
    if (rc != PW_OK)
        return rc;
    char object[260];
    snprintf(object, sizeof object, "person:%s", ref);
    if ((rc = pwi_imp_require(im, PWI_WRITE, PWI_OBJ_IDENTITY, object, err)) != PW_OK)
        return rc;

    char pkey[65];
    pwi_pseudonym(&im->reg->keys, nid, pkey);
    char *name_enc = NULL, *nid_enc = NULL, *contact_enc = NULL;
    rc = pwi_encrypt(&im->reg->keys, name, &name_enc, err);
    if (rc == PW_OK) rc = pwi_encrypt(&im->reg->keys, nid, &nid_enc, err);
    if (rc == PW_OK && contact)
        rc = pwi_encrypt(&im->reg->keys, contact, &contact_enc, err);
    pwi_stmt *st = NULL;
    if (rc == PW_OK)
        rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO person (ref, pkey, name_enc, "
                            "national_id_enc, contact_enc, birth_day, sex, "
                            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
    if (rc == PW_OK) {
        pwi_bind_text(st, 1, ref);
        pwi_bind_text(st, 2, pkey);
        pwi_bind_text(st, 3, name_enc);
        pwi_bind_text(st, 4, nid_enc);
        pwi_bind_text(st, 5, contact_enc);
        pwi_bind_int64(st, 6, birth);
        pwi_bind_text(st, 7, sexes[sex]);
        pwi_bind_int64(st, 8, im->reg->user.id);
        int64_t id = 0;
        rc = pwi_imp_run(st, &id, err);
        if (rc == PW_ECONFLICT)
            rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, "ref",
                              "a person with this ref or national ID exists "
                              "already");
        if (rc == PW_OK)
            rc = pwi_seal_insert(im->reg->db, PWI_T_PERSON, id, err);
    }
    free(name_enc);
    free(nid_enc);
    free(contact_enc);
    if (rc == PW_OK)
        rc = pwi_imp_audit_rec(im, "person", ref, NULL, err);
    return rc;
}

/* ---- episode ------------------------------------------------------------- */

/*
 * An episode's regime is one of the regimes built into this binary, by
 * name, and nothing else: a record comes from an intake or clinician user,
 * not from whoever runs the server, so a path in it ("/dev/zero",
 * "/etc/shadow") must never reach the file system, and the answer must not
 * depend on what exists there. The list is the binary's own; no file is
 * looked at.
 */
static int check_regime_name(pwi_importer *im, const char *name, pw_error *err)
{
    const char **names;
    size_t n = pw_data_names("regimes", &names);
    int found = 0;
    char list[300] = "";
    for (size_t i = 0; i < n; i++) {
        found |= strcmp(names[i], name) == 0;
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    free(names);
    if (found)
        return PW_OK;
    char msg[512];
    snprintf(msg, sizeof msg,
             "'%.60s' is not a regime of this registry (the built-in ones: %s)", name,
             list);
    return pw_error_set(err, PW_EINVAL, im->name, im->line, "regime", "%s", msg);
}

static int get_regime(pwi_importer *im, const char *name, pw_regime **out,
                      pw_error *err)
{
    for (int i = 0; i < im->nregimes; i++)
        if (strcmp(im->regime_name[i], name) == 0) {
            *out = im->regime[i];
            return PW_OK;
        }
    pw_regime *r;
    int rc = pw_regime_load(name, &r, err);
    if (rc != PW_OK) {
        /* Keep the engine's reason but point at this line's field; the
         * name was checked (check_regime_name), so this is the record's
         * error, not an I/O failure that would undo the whole batch. */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return pw_error_set(err, PW_EINVAL, im->name, im->line, "regime",
                            "cannot load regime '%.60s': %s", name, msg);
    }
    if (im->nregimes < MAX_REGIMES) {
        im->regime_name[im->nregimes] = strdup(name);
        im->regime[im->nregimes++] = r;
    } else {
        /* More distinct regimes than the cache holds: very unusual; keep
         * the newest in the last slot. */
        free(im->regime_name[MAX_REGIMES - 1]);
        pw_regime_free(im->regime[MAX_REGIMES - 1]);
        im->regime_name[MAX_REGIMES - 1] = strdup(name);
        im->regime[MAX_REGIMES - 1] = r;
    }
    *out = r;
    return PW_OK;
}

/* Which plan phase a measure opens (NULL: not a phase of the plan). */
static const char *measure_phase(pw_measure_type m)
{
    switch (m) {
    case PW_MEASURE_DETOXIFICATION: return "detoxification";
    case PW_MEASURE_INPATIENT_REHABILITATION: return "inpatient_rehabilitation";
    case PW_MEASURE_OUTPATIENT_TREATMENT: return "outpatient_treatment";
    case PW_MEASURE_POST_REHABILITATION_12_STEP: return "post_rehabilitation_12_step";
    case PW_MEASURE_MONITORING: return "monitoring";
    case PW_MEASURE_PRISON_REHABILITATION_PROGRAMME: return "prison_rehabilitation";
    case PW_MEASURE_BRIEF_INTERVENTION: return "brief_intervention";
    default: return NULL;
    }
}

static int add_phase(pwi_importer *im, int64_t episode_id, int seq,
                     const char *phase, int32_t start, int32_t due, int has_due,
                     pw_error *err)
{
    pwi_stmt *st;
    int rc = pwi_db_prepare(im->reg->db,
                            "INSERT INTO plan_phase (episode_id, seq, phase, "
                            "start_day, due_day) VALUES (?, ?, ?, ?, ?)",
                            &st, err);
    if (rc != PW_OK)
        return rc;
    pwi_bind_int64(st, 1, episode_id);
    pwi_bind_int64(st, 2, seq);
    pwi_bind_text(st, 3, phase);
    pwi_bind_int64(st, 4, start);
    if (has_due)
        pwi_bind_int64(st, 5, due);
    else
        pwi_bind_null(st, 5);
    return pwi_imp_run(st, NULL, err);
}

/*
 * The plan: the decision's measures that are treatment phases, one after
 * the other, each due after its minimum length (the engine's min_months;
 * e.g. at least 12 months of inpatient rehabilitation under `hybrid`).
 * Returns the planned end day in *plan_end.
 */
static int add_plan(pwi_importer *im, int64_t episode_id, int32_t start,
                    const pw_decision *d, int32_t *plan_end, pw_error *err)
{
    int32_t cursor = start;
    int seq = 0, rc = PW_OK;
    for (int i = 0; d && rc == PW_OK && i < d->n_measures; i++) {
        const char *phase = measure_phase(d->measures[i].type);
        if (!phase)
            continue;
        float months = d->measures[i].min_months > 0 ? d->measures[i].min_months
                                                     : d->measures[i].max_months;
        if (d->measures[i].type == PW_MEASURE_MONITORING && months <= 0 &&
            d->monitoring_months > 0)
            months = d->monitoring_months;
        int32_t due = cursor + (int32_t)lround(months * DAYS_PER_MONTH);
        rc = add_phase(im, episode_id, ++seq, phase, cursor, due, months > 0,
                       err);
        cursor = due;
    }
    if (rc == PW_OK && seq == 0) {
        /* No engine plan (no case, or no treatment measure in its
         * decision): one phase of treatment of a kind not known here. */
        cursor = start + DEFAULT_PLAN_DAYS;
        rc = add_phase(im, episode_id, 1, DEFAULT_PLAN_PHASE, start, cursor, 1,
                       err);
    }
    if (cursor <= start)
        cursor = start + DEFAULT_PLAN_DAYS;
    *plan_end = cursor;
    return rc;
}

/*
 * Random drug-test days: each day of the plan is a test day with the same
 * probability p (NADCP/All Rise Standard VII, docs/sources.md R5.1), drawn
 * with libsodium's CSPRNG so that the schedule cannot be predicted from
 * the code or from earlier days.
 */
static int add_test_schedule(pwi_importer *im, int64_t episode_id, int32_t from,
                             int32_t to, double p, pw_error *err)
{
    const uint32_t scale = 1000000;
    uint32_t cut = (uint32_t)lround(p * scale);
    for (int32_t day = from; day < to; day++) {
        if (randombytes_uniform(scale) >= cut)
            continue;
        pwi_stmt *st;
        int rc = pwi_db_prepare(im->reg->db,
                                "INSERT INTO test_schedule (episode_id, "
                                "test_day) VALUES (?, ?)",
                                &st, err);
        if (rc != PW_OK)
            return rc;
        pwi_bind_int64(st, 1, episode_id);
        pwi_bind_int64(st, 2, day);
        if ((rc = pwi_imp_run(st, NULL, err)) != PW_OK)
            return rc;
    }
    return PW_OK;
}

int pwi_imp_rec_episode(pwi_importer *im, json_t *rec, pw_error *err)
{
    static const char *const keys[] = {
        "ref", "person", "programme", "regime", "legal_basis", "start",
        "referral_source", "order_ref", "order_expiry", "substance", "case",
        "tests_per_week", "previously_treated", "route", "frequency",
        "age_first_use", "injecting", "ost", "review_every_days",
        "review_window_days", "site", "oblast", NULL};
    /* TDI 3.0 treatment-entry items (docs/sources.md R2 and R-M). */
    /* The value lists are the data dictionary's (dict.c). */
    const char *const *routes = pwi_v_route, *const *freqs = pwi_v_frequency;
    const char *const *injecting = pwi_v_injecting, *const *bases = pwi_v_legal_basis;
    const char *const *sources = pwi_v_referral_source;
    const char *ref, *person, *programme, *regime_name, *order_ref, *subst;
    int32_t start = 0, expiry = 0;
    int basis, source, has_start, has_expiry;
    int rc = pwi_imp_check_keys(im, rec, keys, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "ref", 1, &ref, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "person", 1, &person, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "programme", 1, &programme, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "regime", 1, &regime_name, err);
    if (rc == PW_OK) rc = check_regime_name(im, regime_name, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "legal_basis", 1, bases, &basis, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "start", 1, &start, &has_start, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "referral_source", 0, sources, &source, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "order_ref", 0, &order_ref, err);
    if (rc == PW_OK) rc = pwi_imp_get_date(im, rec, "order_expiry", 0, &expiry, &has_expiry, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "substance", 0, &subst, err);
    /* The treatment centre and its oblast (migration 6). A user scoped to a
     * site registers episodes of that site only; without a site given, the
     * episode is theirs. */
    const char *site = NULL, *oblast = NULL;
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "site", 0, &site, err);
    if (rc == PW_OK) rc = pwi_imp_get_str(im, rec, "oblast", 0, &oblast, err);
    pw_error site_err;
    if (rc == PW_OK && site && pwi_site_check(site, &site_err) != PW_OK)
        return pwi_imp_bad(im, err, PW_EINVAL, "site",
                           "must be 1 to 60 letters, digits, '-', '_' or '.'", NULL);
    if (rc == PW_OK && im->reg->user.site[0]) {
        if (site && strcmp(site, im->reg->user.site) != 0)
            return pwi_imp_bad(im, err, PW_EPERM, "site",
                               "you may register episodes of site '%.60s' only",
                               im->reg->user.site);
        site = im->reg->user.site;
    }
    int route, freq, inj, has_prev, has_afu, has_ost;
    int64_t prev = 0, afu = 0, ost = 0;
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "route", 0, routes, &route, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "frequency", 0, freqs, &freq, err);
    if (rc == PW_OK) rc = pwi_imp_get_enum(im, rec, "injecting", 0, injecting, &inj, err);
    if (rc == PW_OK) rc = pwi_imp_get_int(im, rec, "previously_treated", 0, 1, &prev, &has_prev, err);
    if (rc == PW_OK) rc = pwi_imp_get_int(im, rec, "age_first_use", 1, 99, &afu, &has_afu, err);
    if (rc == PW_OK) rc = pwi_imp_get_int(im, rec, "ost", 0, 1, &ost, &has_ost, err);
    /* The review schedule is configurable per episode (docs/sources.md R1.1: NDTMS
     * areas differ); defaults are 91 and 14 days. */
    int has_every, has_window;
    int64_t every = 0, window = 0;
    if (rc == PW_OK) rc = pwi_imp_get_int(im, rec, "review_every_days", 14, 365, &every, &has_every, err);
    if (rc == PW_OK) rc = pwi_imp_get_int(im, rec, "review_window_days", 0, 60, &window, &has_window, err);
    if (rc != PW_OK)
        return rc;
    double tests_per_week = 0;
    json_t *tpw = json_object_get(rec, "tests_per_week");
    if (tpw) {
        if (!json_is_number(tpw) || json_number_value(tpw) < 0 ||
            json_number_value(tpw) > 7)
            return pwi_imp_bad(im, err, PW_EINVAL, "tests_per_week",
                               "must be a number from 0 to 7", NULL);
        tests_per_week = json_number_value(tpw);
    }
    if (basis != 0 && !order_ref && basis == 2)
        return pwi_imp_bad(im, err, PW_EINVAL, "order_ref",
                           "is required for a court_ordered episode", NULL);
    if (has_expiry && expiry < start)
        return pwi_imp_bad(im, err, PW_EINVAL, "order_expiry",
                           "is before the episode's start", NULL);
    if (subst && pw_substance_lookup(subst) < 0)
        return pwi_imp_bad(im, err, PW_EINVAL, "substance",
                           "unknown substance '%.60s' (see data/codes/substances.yaml)",
                           subst);
    /* Stored under its code-list name: "spice", "7.2" and
     * "synthetic_cannabinoids" are one substance, not three report groups. */
    if (subst) {
        subst = pw_substance_name(pw_substance_lookup(subst));
        json_object_set_new(rec, "substance", json_string(subst));
    }

    char object[260];
    snprintf(object, sizeof object, "episode:%s", ref);
    json_t *case_obj = json_object_get(rec, "case");
    if ((rc = pwi_imp_require(im, PWI_WRITE, PWI_OBJ_EPISODE, object, err)) != PW_OK)
        return rc;
    if (case_obj &&
        (rc = pwi_imp_require(im, PWI_WRITE, PWI_OBJ_CASE, object, err)) != PW_OK)
        return rc;

    int64_t person_id;
    if ((rc = pwi_imp_lookup_id(im, "SELECT id FROM person WHERE ref = ?", person,
                                "person", &person_id, err)) != PW_OK)
        return rc;
    if ((rc = pwi_imp_not_before_birth(im, person_id, "start", start, err)) != PW_OK)
        return rc;

    /* The engine's recommendation: decision support the panel signs, never
     * a decision by itself (GDPR Art. 22, docs/sources.md R0.3). */
    pw_regime *regime = NULL;
    if ((rc = get_regime(im, regime_name, &regime, err)) != PW_OK)
        return rc;
    pw_decision dec, *d = NULL;
    char *case_text = NULL, *rec_text = NULL;
    const char *disposition = NULL;
    if (case_obj) {
        pw_case c;
        if (!json_is_object(case_obj))
            return pwi_imp_bad(im, err, PW_EINVAL, "case", "must be an object", NULL);
        if ((rc = pw_case_from_json(case_obj, &c, im->name, im->line, err)) !=
            PW_OK)
            return rc;
        if (pw_decide(regime, &c, &dec) != PW_OK)
            return pwi_imp_bad(im, err, PW_EINVAL, "case",
                               "the regime cannot decide this case", NULL);
        d = &dec;
        disposition = pw_disposition_name(dec.disposition);
        if (!subst)
            subst = pw_substance_name(c.substance);
        json_t *dj = pw_decision_to_json(regime, &c, &dec, ref);
        case_text = json_dumps(case_obj, JSON_COMPACT | JSON_SORT_KEYS);
        rec_text = dj ? json_dumps(dj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(dj);
        if (!case_text || !rec_text) {
            free(case_text);
            free(rec_text);
            return pwi_imp_bad(im, err, PW_ENOMEM, "case", "out of memory", NULL);
        }
    }
    /* A compulsory placement waits for the panel; so does any placement the
     * regime says needs a panel's signature. */
    int needs_panel = basis == 1 || (d && d->requires_panel_signoff);
    pwi_stmt *st;
    int64_t episode_id = 0;
    rc = pwi_db_prepare(im->reg->db,
                        "INSERT INTO episode (ref, person_id, programme, "
                        "regime, referral_source, legal_basis, order_ref, "
                        "order_expiry_day, start_day, substance, case_json, "
                        "recommendation_json, recommended_disposition, "
                        "requires_panel, status, active_day, created_by, "
                        "previously_treated, route, frequency, age_first_use, "
                        "injecting_status, ost, site, oblast) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        &st, err);
    if (rc == PW_OK) {
        pwi_bind_text(st, 1, ref);
        pwi_bind_int64(st, 2, person_id);
        pwi_bind_text(st, 3, programme);
        pwi_bind_text(st, 4, regime_name);
        pwi_bind_text(st, 5, source >= 0 ? sources[source] : NULL);
        pwi_bind_text(st, 6, bases[basis]);
        pwi_bind_text(st, 7, order_ref);
        if (has_expiry)
            pwi_bind_int64(st, 8, expiry);
        else
            pwi_bind_null(st, 8);
        pwi_bind_int64(st, 9, start);
        pwi_bind_text(st, 10, subst);
        pwi_bind_text(st, 11, case_text);
        pwi_bind_text(st, 12, rec_text);
        pwi_bind_text(st, 13, disposition);
        pwi_bind_int64(st, 14, needs_panel);
        pwi_bind_text(st, 15, needs_panel ? "pending_panel" : "active");
        if (needs_panel)
            pwi_bind_null(st, 16);
        else
            pwi_bind_int64(st, 16, start);
        pwi_bind_int64(st, 17, im->reg->user.id);
        if (has_prev)
            pwi_bind_int64(st, 18, prev);
        else
            pwi_bind_null(st, 18);
        pwi_bind_text(st, 19, route >= 0 ? routes[route] : NULL);
        pwi_bind_text(st, 20, freq >= 0 ? freqs[freq] : NULL);
        if (has_afu)
            pwi_bind_int64(st, 21, afu);
        else
            pwi_bind_null(st, 21);
        pwi_bind_text(st, 22, inj >= 0 ? injecting[inj] : NULL);
        if (has_ost)
            pwi_bind_int64(st, 23, ost);
        else
            pwi_bind_null(st, 23);
        pwi_bind_text(st, 24, site);
        pwi_bind_text(st, 25, oblast);
        rc = pwi_imp_run(st, &episode_id, err);
        if (rc == PW_ECONFLICT)
            rc = pw_error_set(err, PW_ECONFLICT, im->name, im->line, "ref",
                              "episode '%.100s' exists already", ref);
    }
    free(case_text);
    free(rec_text);
    int32_t plan_end = start;
    if (rc == PW_OK)
        rc = add_plan(im, episode_id, start, d, &plan_end, err);
    /* Reviews: at start, then every 3 months until the planned end. */
    if (rc == PW_OK)
        rc = pwi_imp_add_review_schedule(im, episode_id, start, plan_end,
                                         has_every ? (int)every : REVIEW_INTERVAL_DAYS,
                                         has_window ? (int)window : REVIEW_WINDOW_DAYS,
                                         err);
    if (rc == PW_OK && tests_per_week > 0)
        rc = add_test_schedule(im, episode_id, start, plan_end,
                               tests_per_week / 7.0, err);
    /* The episode, its plan, its review and test schedules are sealed in
     * one go, once all of them exist. */
    if (rc == PW_OK)
        rc = pwi_seal_episode(im->reg->db, episode_id, 1, PWI_SEAL_EP_ALL, err);
    if (rc == PW_OK)
        rc = pwi_imp_audit_rec(im, "episode", ref,
                               needs_panel ? "pending panel" : NULL, err);
    return rc;
}
