/*
 * The registry schema and its migrations.
 *
 * Designed from docs/sources.md R8 (one person, many episodes, timed
 * assessments; panel decisions; drug tests; violations -> adjudication ->
 * response; clinical discharge reason separate from legal completion) and
 * docs/registry.md. Every date is an INTEGER day number (days since 1970-01-01) so
 * that the same arithmetic works on SQLite and PostgreSQL. The token @ID@
 * becomes the backend's auto-increment primary key; everything else is
 * plain SQL both accept.
 *
 * Migrations are append-only: never edit a shipped one, add the next.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "schema.h"

static const char *const migration_1 =
    /* Registry-wide settings: schema version, key check value, creation. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"

    "CREATE TABLE users (\n"
    "  id @ID@,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  role TEXT NOT NULL,\n"
    "  token_hash TEXT NOT NULL UNIQUE,\n"
    "  created TEXT NOT NULL,\n"
    "  active BIGINT NOT NULL DEFAULT 1);\n"

    /* A person: pseudonymous key (keyed hash of the national ID); name,
     * national ID and contact encrypted (crypto.h). Birth date and sex stay
     * in clear because every report needs age and sex (NDTMS keeps DOB and
     * sex too, docs/sources.md R1.3). */
    "CREATE TABLE person (\n"
    "  id @ID@,\n"
    "  ref TEXT NOT NULL UNIQUE,\n"
    "  pkey TEXT NOT NULL UNIQUE,\n"
    "  name_enc TEXT NOT NULL,\n"
    "  national_id_enc TEXT NOT NULL,\n"
    "  contact_enc TEXT,\n"
    "  birth_day BIGINT,\n"
    "  sex TEXT,\n"
    "  created_by BIGINT NOT NULL);\n"

    /* An episode (NDTMS "journey"): status is pending_panel until a panel
     * signs a compulsory placement, then active; rejected; discharged.
     * discharge_reason is clinical (TEDS REASON-like); legal_completion is
     * whether the court order was satisfied (docs/sources.md R3). */
    "CREATE TABLE episode (\n"
    "  id @ID@,\n"
    "  ref TEXT NOT NULL UNIQUE,\n"
    "  person_id BIGINT NOT NULL REFERENCES person(id),\n"
    "  programme TEXT NOT NULL,\n"
    "  regime TEXT NOT NULL,\n"
    "  referral_source TEXT,\n"
    "  legal_basis TEXT NOT NULL,\n"
    "  order_ref TEXT,\n"
    "  order_expiry_day BIGINT,\n"
    "  start_day BIGINT NOT NULL,\n"
    "  substance TEXT,\n"
    "  case_json TEXT,\n"
    "  recommendation_json TEXT,\n"
    "  recommended_disposition TEXT,\n"
    "  requires_panel BIGINT NOT NULL DEFAULT 0,\n"
    "  status TEXT NOT NULL,\n"
    "  active_day BIGINT,\n"
    "  discharge_day BIGINT,\n"
    "  discharge_reason TEXT,\n"
    "  legal_completion TEXT,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX episode_person ON episode(person_id);\n"

    /* The plan: phases in order with their due dates (detoxification,
     * inpatient_rehabilitation, post_rehabilitation_12_step, monitoring...). */
    "CREATE TABLE plan_phase (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  seq BIGINT NOT NULL,\n"
    "  phase TEXT NOT NULL,\n"
    "  start_day BIGINT NOT NULL,\n"
    "  due_day BIGINT,\n"
    "  end_day BIGINT);\n"
    "CREATE INDEX plan_phase_episode ON plan_phase(episode_id);\n"

    /* Scheduled outcome reviews (TOP stages start/review/exit/post_exit):
     * due day and a +-window; review_id is set when a review is held within
     * the window. */
    "CREATE TABLE review_due (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  stage TEXT NOT NULL,\n"
    "  due_day BIGINT NOT NULL,\n"
    "  window_days BIGINT NOT NULL,\n"
    "  review_id BIGINT);\n"
    "CREATE INDEX review_due_episode ON review_due(episode_id);\n"

    /* Panel decisions on a placement (accept/modify/reject), members and
     * dissent as JSON arrays. */
    "CREATE TABLE panel_decision (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  decision_day BIGINT NOT NULL,\n"
    "  decision TEXT NOT NULL,\n"
    "  members_json TEXT NOT NULL,\n"
    "  dissent_json TEXT,\n"
    "  programme TEXT,\n"
    "  reason TEXT,\n"
    "  signed_by BIGINT NOT NULL);\n"
    "CREATE INDEX panel_episode ON panel_decision(episode_id);\n"

    /* A Treatment Outcomes Profile review (docs/sources.md R1.2): days in the
     * last 28, ratings 0-20. Notes are encrypted (clinical free text). */
    "CREATE TABLE review (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  review_day BIGINT NOT NULL,\n"
    "  stage TEXT NOT NULL,\n"
    "  alcohol_days BIGINT, opioid_days BIGINT, crack_days BIGINT,\n"
    "  cocaine_days BIGINT, amphetamine_days BIGINT, cannabis_days BIGINT,\n"
    "  synthetic_days BIGINT, other_days BIGINT,\n"
    "  injecting_days BIGINT, sharing BIGINT,\n"
    "  shoplifting_days BIGINT, selling_days BIGINT, theft_days BIGINT,\n"
    "  assault_days BIGINT,\n"
    "  psych_health BIGINT, phys_health BIGINT, quality_of_life BIGINT,\n"
    "  work_days BIGINT, education_days BIGINT,\n"
    "  housing_acute BIGINT, housing_risk BIGINT,\n"
    "  notes_enc TEXT,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX review_episode ON review(episode_id);\n"

    /* Drug tests (result positive/negative/invalid/missed). */
    "CREATE TABLE drug_test (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  test_day BIGINT NOT NULL,\n"
    "  analyte TEXT NOT NULL,\n"
    "  result TEXT NOT NULL,\n"
    "  scheduled BIGINT NOT NULL DEFAULT 0,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX drug_test_episode ON drug_test(episode_id);\n"

    /* Random test days drawn in advance (same probability every day). */
    "CREATE TABLE test_schedule (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  test_day BIGINT NOT NULL);\n"
    "CREATE INDEX test_schedule_episode ON test_schedule(episode_id);\n"

    /* Violations: alleged -> adjudicated (excused/confirmed) -> response. */
    "CREATE TABLE violation (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  violation_day BIGINT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  adjudication TEXT NOT NULL,\n"
    "  response TEXT,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX violation_episode ON violation(episode_id);\n"

    "CREATE TABLE relapse (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  relapse_day BIGINT NOT NULL,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX relapse_episode ON relapse(episode_id);\n"

    "CREATE TABLE followup (\n"
    "  id @ID@,\n"
    "  episode_id BIGINT NOT NULL REFERENCES episode(id),\n"
    "  followup_day BIGINT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX followup_episode ON followup(episode_id);\n"

    "CREATE TABLE death (\n"
    "  id @ID@,\n"
    "  person_id BIGINT NOT NULL REFERENCES person(id),\n"
    "  death_day BIGINT NOT NULL,\n"
    "  cause TEXT,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX death_person ON death(person_id);\n"

    "CREATE TABLE imprisonment (\n"
    "  id @ID@,\n"
    "  person_id BIGINT NOT NULL REFERENCES person(id),\n"
    "  start_day BIGINT NOT NULL,\n"
    "  end_day BIGINT,\n"
    "  created_by BIGINT NOT NULL);\n"
    "CREATE INDEX imprisonment_person ON imprisonment(person_id);\n"

    /* The audit log (audit.h) and its head. */
    "CREATE TABLE audit (\n"
    "  seq BIGINT PRIMARY KEY,\n"
    "  time TEXT NOT NULL,\n"
    "  user_id BIGINT NOT NULL,\n"
    "  user_name TEXT NOT NULL,\n"
    "  role TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  object TEXT NOT NULL,\n"
    "  detail TEXT,\n"
    "  hash TEXT NOT NULL);\n"
    "CREATE TABLE audit_head (\n"
    "  id BIGINT PRIMARY KEY,\n"
    "  seq BIGINT NOT NULL,\n"
    "  hash TEXT NOT NULL);\n"
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, "
    "'0000000000000000000000000000000000000000000000000000000000000000');\n";

/* Migration 2: the TDI 3.0 items of a treatment entry that the first
 * schema could not hold, so the TDI export need not write "not known"
 * (docs/sources.md R2 and R-M, see docs/registry.md). One statement per column:
 * SQLite adds one column per ALTER TABLE. */
static const char *const migration_2 =
    "ALTER TABLE episode ADD COLUMN previously_treated BIGINT;\n"
    "ALTER TABLE episode ADD COLUMN route TEXT;\n"
    "ALTER TABLE episode ADD COLUMN frequency TEXT;\n"
    "ALTER TABLE episode ADD COLUMN age_first_use BIGINT;\n"
    "ALTER TABLE episode ADD COLUMN injecting_status TEXT;\n"
    "ALTER TABLE episode ADD COLUMN ost BIGINT;\n";

/* Migration 3: one row per event. Re-running an import after a crash (the
 * batch that was not reported is re-sent) must not store a review, test or
 * outcome twice; with these keys the repeat is rejected as a duplicate. */
static const char *const migration_3 =
    "CREATE UNIQUE INDEX review_once ON review(episode_id, review_day, stage);\n"
    "CREATE UNIQUE INDEX drug_test_once ON drug_test(episode_id, test_day, analyte);\n"
    "CREATE UNIQUE INDEX panel_once ON panel_decision(episode_id, decision_day, decision);\n"
    "CREATE UNIQUE INDEX violation_once ON violation(episode_id, violation_day, kind);\n"
    "CREATE UNIQUE INDEX relapse_once ON relapse(episode_id, relapse_day);\n"
    "CREATE UNIQUE INDEX followup_once ON followup(episode_id, followup_day);\n"
    "CREATE UNIQUE INDEX death_once ON death(person_id);\n"
    "CREATE UNIQUE INDEX imprisonment_once ON imprisonment(person_id, start_day);\n";

/* Migration 4: tamper evidence beyond the log (seal.h). A keyed MAC on
 * every row that matters, the per-table totals, and the head's digest of
 * them and its seal. On a registry with rows it runs only together with
 * the keyed part that fills them (pwi_seal_upgrade), in one transaction;
 * token hashes become keyed in the same step (auth.c). */
static const char *const migration_4 =
    "ALTER TABLE users ADD COLUMN mac TEXT;\n"
    "ALTER TABLE person ADD COLUMN mac TEXT;\n"
    "ALTER TABLE episode ADD COLUMN mac TEXT;\n"
    "ALTER TABLE plan_phase ADD COLUMN mac TEXT;\n"
    "ALTER TABLE review_due ADD COLUMN mac TEXT;\n"
    "ALTER TABLE panel_decision ADD COLUMN mac TEXT;\n"
    "ALTER TABLE review ADD COLUMN mac TEXT;\n"
    "ALTER TABLE drug_test ADD COLUMN mac TEXT;\n"
    "ALTER TABLE test_schedule ADD COLUMN mac TEXT;\n"
    "ALTER TABLE violation ADD COLUMN mac TEXT;\n"
    "ALTER TABLE relapse ADD COLUMN mac TEXT;\n"
    "ALTER TABLE followup ADD COLUMN mac TEXT;\n"
    "ALTER TABLE death ADD COLUMN mac TEXT;\n"
    "ALTER TABLE imprisonment ADD COLUMN mac TEXT;\n"
    "CREATE TABLE row_seal (\n"
    "  tbl TEXT PRIMARY KEY,\n"
    "  n BIGINT NOT NULL,\n"
    "  idsum BIGINT NOT NULL,\n"
    "  digest TEXT NOT NULL);\n"
    "INSERT INTO row_seal (tbl, n, idsum, digest) VALUES "
    "('users', 0, 0, '@Z@'), ('person', 0, 0, '@Z@'), ('episode', 0, 0, '@Z@'), "
    "('plan_phase', 0, 0, '@Z@'), ('review_due', 0, 0, '@Z@'), "
    "('panel_decision', 0, 0, '@Z@'), ('review', 0, 0, '@Z@'), "
    "('drug_test', 0, 0, '@Z@'), ('test_schedule', 0, 0, '@Z@'), "
    "('violation', 0, 0, '@Z@'), ('relapse', 0, 0, '@Z@'), ('followup', 0, 0, '@Z@'), "
    "('death', 0, 0, '@Z@'), ('imprisonment', 0, 0, '@Z@');\n"
    "ALTER TABLE audit_head ADD COLUMN tables_digest TEXT;\n"
    "ALTER TABLE audit_head ADD COLUMN seal TEXT;\n";

/* Migration 5: corrections without loss, and consent (docs/registry.md,
 * "Amendments" and "Consent"). An amendment keeps the value a field had
 * before it was corrected, with the reason, the day and who did it; the
 * corrected row holds the current value, so every report reads the
 * current version without knowing about amendments. A consent row is one
 * event (given or withdrawn) of one scope; the latest by day counts.
 * Both tables are sealed like the others (seal.h): their totals start at
 * zero, and a table added after migration 4 is left out of the head's
 * digest while its totals are zero, so registries sealed before keep
 * their seal. */
static const char *const migration_5 =
    "CREATE TABLE amendment (\n"
    "  id @ID@,\n"
    "  tbl TEXT NOT NULL,\n"
    "  row_id BIGINT NOT NULL,\n"
    "  record TEXT NOT NULL,\n"
    "  episode_id BIGINT REFERENCES episode(id),\n"
    "  person_id BIGINT REFERENCES person(id),\n"
    "  field TEXT NOT NULL,\n"
    "  before_json TEXT NOT NULL,\n"
    "  after_json TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  amend_day BIGINT NOT NULL,\n"
    "  created_by BIGINT NOT NULL,\n"
    "  mac TEXT);\n"
    "CREATE INDEX amendment_episode ON amendment(episode_id);\n"
    "CREATE INDEX amendment_row ON amendment(tbl, row_id);\n"
    "CREATE TABLE consent (\n"
    "  id @ID@,\n"
    "  person_id BIGINT NOT NULL REFERENCES person(id),\n"
    "  scope TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  consent_day BIGINT NOT NULL,\n"
    "  created_by BIGINT NOT NULL,\n"
    "  mac TEXT);\n"
    "CREATE INDEX consent_person ON consent(person_id, scope, consent_day);\n"
    "INSERT INTO row_seal (tbl, n, idsum, digest) VALUES "
    "('amendment', 0, 0, '@Z@'), ('consent', 0, 0, '@Z@');\n";

/* Insert-only audit: refuse UPDATE and DELETE. Anyone with write access to
 * an SQLite file can drop a trigger, which is why the chain is keyed. */
static const char *const audit_triggers_sqlite =
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN "
    "SELECT RAISE(ABORT, 'audit log is insert-only'); END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN "
    "SELECT RAISE(ABORT, 'audit log is insert-only'); END;\n";

static const char *const audit_triggers_pg =
    "CREATE FUNCTION pw_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    "$f$ BEGIN RAISE EXCEPTION 'audit log is insert-only'; END; $f$;\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION pw_audit_refuse();\n"
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION pw_audit_refuse();\n";

/* Migration 6: sites. An episode belongs to a treatment centre (`site`) in
 * an oblast (`oblast`); a user is scoped to one site or, with no site, to
 * every site (docs/registry.md, Sites). Columns added as NULL keep the row
 * MACs of older rows valid (seal.h: a NULL column is left out). */
static const char *const migration_6 =
    "ALTER TABLE episode ADD COLUMN site TEXT;\n"
    "ALTER TABLE episode ADD COLUMN oblast TEXT;\n"
    "ALTER TABLE users ADD COLUMN site TEXT;\n"
    "CREATE INDEX episode_site ON episode(site);\n";

/* Replaces every @ID@ with the backend's auto-increment key. */
static char *expand(const char *sql, pwi_db_kind kind)
{
    const char *id = kind == PWI_DB_PG
                         ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                         : "INTEGER PRIMARY KEY";
    size_t n = 0, idlen = strlen(id);
    for (const char *p = sql; (p = strstr(p, "@ID@")) != NULL; p += 4)
        n++;
    char *out = malloc(strlen(sql) + n * idlen + 1);
    if (!out)
        return NULL;
    char *o = out;
    const char *p = sql;
    for (const char *q; (q = strstr(p, "@ID@")) != NULL; p = q + 4) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, id, idlen);
        o += idlen;
    }
    strcpy(o, p);
    return out;
}

int pwi_schema_sql(int version, pwi_db_kind kind, char **out)
{
    *out = NULL;
    if (version == 2)
        return (*out = strdup(migration_2)) ? PW_OK : PW_ENOMEM;
    if (version == 3)
        return (*out = strdup(migration_3)) ? PW_OK : PW_ENOMEM;
    if (version == 6)
        return (*out = strdup(migration_6)) ? PW_OK : PW_ENOMEM;
    if (version == 4 || version == 5) {
        /* @Z@: 32 zero bytes in hex, the XOR of no MACs. */
        char *sql = version == 4 ? strdup(migration_4) : expand(migration_5, kind);
        if (!sql)
            return PW_ENOMEM;
        size_t zlen = 64, n = 0;
        for (const char *p = sql; (p = strstr(p, "@Z@")) != NULL; p += 3)
            n++;
        char *full = malloc(strlen(sql) + n * zlen + 1), *o = full;
        if (!full) {
            free(sql);
            return PW_ENOMEM;
        }
        const char *p = sql;
        for (const char *q; (q = strstr(p, "@Z@")) != NULL; p = q + 3) {
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            memset(o, '0', zlen);
            o += zlen;
        }
        strcpy(o, p);
        free(sql);
        *out = full;
        return PW_OK;
    }
    if (version != 1)
        return PW_ENOTFOUND;
    char *base = expand(migration_1, kind);
    if (!base)
        return PW_ENOMEM;
    const char *trig =
        kind == PWI_DB_PG ? audit_triggers_pg : audit_triggers_sqlite;
    char *all = malloc(strlen(base) + strlen(trig) + 1);
    if (!all) {
        free(base);
        return PW_ENOMEM;
    }
    strcpy(all, base);
    strcat(all, trig);
    free(base);
    *out = all;
    return PW_OK;
}

int pwi_schema_latest(void)
{
    return 6;
}

int pwi_schema_check_known(int version, const char *where, const char *what_to_do,
                           pw_error *err)
{
    if (version <= pwi_schema_latest())
        return PW_OK;
    return pw_error_set(err, PW_EINVAL, where, 0, NULL,
                        "schema version %d is newer than this build knows (%d): %s", version,
                        pwi_schema_latest(), what_to_do);
}
