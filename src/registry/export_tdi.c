/*
 * export_tdi.c: treatment entries in the EMCDDA/EUDA Treatment Demand
 * Indicator (TDI) 3.0 layout, one CSV row per episode.
 *
 * Item list from docs/sources.md R2 (TDI 3.0 core items, checked against the source); primary
 * drug codes from data/codes/substances.yaml via the engine (TDI 3.0
 * classification, checked against the source).
 * The numeric codes of referral source, centre type, sex and "previously
 * treated" are from memory of the protocol (see docs/sources.md R-M: check them
 * against the EUDA protocol before an official submission); items the
 * registry does not record (living status, labour, education, route,
 * frequency, age at first use, injecting, OST) are 99 "not known", as the
 * protocol allows. The row identifies nobody: a pseudonym (first 16 hex
 * digits of the person's keyed hash) lets the receiver count persons once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathways/engine.h"
#include "consent.h"
#include "report_int.h"

/* "99" (not known) for a missing or unmapped substance, or one TDI has no
 * code for as a primary drug (alcohol). The engine's code list
 * (data/codes/substances.yaml) maps names and aliases to TDI codes. */
static const char *tdi_code(const char *substance)
{
    int id = substance ? pw_substance_lookup(substance) : -1;
    const char *code = id >= 0 ? pw_substance_tdi(id) : NULL;
    return code && *code ? code : "99";
}

/* Source of referral (docs/sources.md R-M): 1 self, 2 family/friends, 3 other drug treatment
 * centre, 4 GP, 5 hospital/other medical, 6 social/educational services,
 * 7 court/probation/police, 8 other, 99 not known. */
static int referral_code(const char *src)
{
    if (!src)
        return 99;
    if (strcmp(src, "self") == 0)
        return 1;
    if (strcmp(src, "family") == 0)
        return 2;
    if (strcmp(src, "health") == 0)
        return 5;
    if (strcmp(src, "police") == 0 || strcmp(src, "court") == 0)
        return 7;
    return 8;
}

/* Centre type [V list, M codes]: 1 outpatient, 2 inpatient, 3 low
 * threshold, 4 GP, 5 prison, 6 other, 99 not known. An episode whose plan
 * has a detoxification or inpatient phase counts as inpatient (its first
 * setting); one with a plan but neither, outpatient. */
static int centre_code(int has_plan, int inpatient)
{
    if (!has_plan)
        return 99;
    return inpatient ? 2 : 1;
}

/* Appends one formatted line to a growing buffer. */
typedef struct sbuf {
    char *b;
    size_t len, cap;
} sbuf;

static int sbuf_printf(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sbuf_printf(sbuf *s, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->b ? s->b + s->len : NULL, s->b ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return PW_EIO;
        if (s->b && s->len + (size_t)n < s->cap) {
            s->len += (size_t)n;
            return PW_OK;
        }
        size_t cap = s->cap ? s->cap : 65536;
        while (cap <= s->len + (size_t)n)
            cap *= 2;
        char *nb = realloc(s->b, cap);
        if (!nb)
            return PW_ENOMEM;
        s->b = nb;
        s->cap = cap;
    }
}

/* Years between two day numbers (calendar, as age is counted). */
static int age_years(int32_t birth, int32_t day)
{
    char b[16], d[16];
    pwi_date_format(birth, b);
    pwi_date_format(day, d);
    int by = atoi(b), bm = atoi(b + 5), bd = atoi(b + 8);
    int dy = atoi(d), dm = atoi(d + 5), dd = atoi(d + 8);
    int age = dy - by;
    if (dm < bm || (dm == bm && dd < bd))
        age--;
    return age;
}

int pwi_export_tdi(pwi_reg *reg, const pwi_report_opts *o, pwi_report_out *out,
                   pwi_strlist *audit_objects, pw_error *err)
{
    int rc;
    int see_person = pwi_allowed(reg->user.role, PWI_READ, PWI_OBJ_PERSON);
    /* Earlier episodes of the same person make "previously treated"; the
     * plan's phases give the centre type. Correlated subqueries use the
     * episode_person and plan_phase_episode indexes. */
    const char *sql =
        "SELECT e.id, p.pkey, p.birth_day, p.sex, e.start_day, e.referral_source, "
        "e.substance, "
        "EXISTS (SELECT 1 FROM episode x WHERE x.person_id = e.person_id AND "
        "(x.start_day < e.start_day OR (x.start_day = e.start_day AND x.id < e.id))), "
        "EXISTS (SELECT 1 FROM plan_phase f WHERE f.episode_id = e.id), "
        "EXISTS (SELECT 1 FROM plan_phase f WHERE f.episode_id = e.id AND "
        "f.phase IN ('detoxification', 'inpatient_rehabilitation')) "
        "FROM episode e JOIN person p ON p.id = e.person_id "
        "WHERE e.start_day <= ? AND e.status <> 'rejected' "
        /* A withdrawn research consent keeps the person out of the export
         * (consent.h). */
        "AND " PWI_CONSENT_OK("research", "e.person_id") " "
        "ORDER BY e.start_day, e.id";
    pwi_stmt *st = NULL;
    sbuf s = {0};
    long rows = 0;
    rc = pwi_db_prepare(reg->db, sql, &st, err);
    if (rc != PW_OK)
        goto done;
    pwi_bind_int64(st, 1, o->as_of);
    rc = sbuf_printf(&s, "record_id,pseudonym,treatment_year,centre_type,previously_treated,"
                         "referral_source,sex,age,living_with,living_where,children,"
                         "labour_status,education,primary_drug,route,frequency,"
                         "age_first_use,ever_injected,ost,age_first_ost\r\n");
    while (rc == PW_OK && (rc = pwi_step(st, err)) == 1) {
        int32_t start = (int32_t)pwi_col_int64(st, 4);
        char day[16];
        pwi_date_format(start, day);
        int sex = 99, age = 99;
        char ps[17] = "";
        if (see_person) {
            const char *sx = pwi_col_text(st, 3);
            /* Sex (docs/sources.md R-M): 1 male, 2 female, 99 not known. */
            if (sx && (strcmp(sx, "male") == 0 || strcmp(sx, "M") == 0 || strcmp(sx, "m") == 0))
                sex = 1;
            else if (sx && (strcmp(sx, "female") == 0 || strcmp(sx, "F") == 0 ||
                            strcmp(sx, "f") == 0))
                sex = 2;
            if (!pwi_col_is_null(st, 2))
                age = age_years((int32_t)pwi_col_int64(st, 2), start);
        }
        const char *pk = pwi_col_text(st, 1);
        snprintf(ps, sizeof ps, "%.16s", pk ? pk : "");
        /* previously treated (docs/sources.md R-M): 1 yes, 0 never (as far as this registry
         * knows). */
        rc = sbuf_printf(&s, "%lld,%s,%.4s,%d,%d,%d,%d,%d,99,99,99,99,99,%s,99,99,99,99,99,99\r\n",
                         (long long)pwi_col_int64(st, 0), ps, day,
                         centre_code(pwi_col_int64(st, 8) != 0, pwi_col_int64(st, 9) != 0),
                         pwi_col_int64(st, 7) ? 1 : 0, referral_code(pwi_col_text(st, 5)),
                         sex, age, tdi_code(pwi_col_text(st, 6)));
        rows++;
    }
    pwi_stmt_reset(st);
    if (rc < 0)
        goto done;
    if (rc != PW_OK) {
        pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
        goto done;
    }
    /* One audit entry names the export and its size (one per row would
     * flood the log on a national extract); the rows are pseudonymous. */
    char obj[64];
    snprintf(obj, sizeof obj, "tdi-export:%ld episodes", rows);
    if ((rc = pwi_strlist_add(audit_objects, obj)) != PW_OK) {
        pw_error_set(err, rc, NULL, 0, NULL, "out of memory");
        goto done;
    }
    out->text = s.b;
    out->len = s.len;
    s.b = NULL;
    rc = PW_OK;
done:
    free(s.b);
    return rc;
}
