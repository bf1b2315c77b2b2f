/*
 * A fast scanner for one case on one line of JSON Lines.
 *
 * Parsing a case with jansson costs about 4.5 microseconds (a tree of
 * allocations per line), which alone caps `pathways assess` near 200,000
 * cases a second. This scanner reads the common form of a case straight
 * into a pw_case: ASCII strings without escapes, integers without
 * fractions, the documented keys. It never reports an error itself:
 * anything it does not accept (an escape, a fraction, an unknown key, a bad
 * value, a duplicate key, malformed JSON) makes it return PW_EPARSE, and
 * the caller parses the line with jansson and pw_case_from_json(), which
 * gives the located error. So the scanner only has to agree with that path
 * on the lines it accepts; tests/engine/test_case_json.c checks that it
 * does, on random valid and broken lines.
 */
#include <string.h>

#include "engine_internal.h"

typedef struct {
    const char *p, *end;
} cur;

static void ws(cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(cur *c, char ch)
{
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A plain string: printable ASCII, no escapes; copied NUL-terminated. */
static bool str(cur *c, char *out, size_t cap, const char **raw, size_t *raw_len)
{
    ws(c);
    if (c->p >= c->end || *c->p != '"')
        return false;
    const char *s = ++c->p;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '\\' || ch < 0x20 || ch >= 0x80)
            return false;
        c->p++;
    }
    if (c->p >= c->end)
        return false;
    size_t n = (size_t)(c->p - s);
    c->p++;
    if (raw) {
        *raw = s;
        *raw_len = n;
    }
    if (out) {
        if (n >= cap)
            return false;
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return true;
}

/* A JSON integer (no fraction or exponent) within [lo, hi]. */
static bool integer(cur *c, long lo, long hi, long *out)
{
    ws(c);
    bool neg = c->p < c->end && *c->p == '-';
    if (neg)
        c->p++;
    const char *d = c->p;
    long v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (c->p - d >= 12)
            return false;
        v = v * 10 + (*c->p - '0');
        c->p++;
    }
    size_t n = (size_t)(c->p - d);
    if (n == 0 || (n > 1 && d[0] == '0'))
        return false; /* not JSON: no digits, or a leading zero */
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
        return false;
    if (neg && v == 0)
        return false; /* "-0": let jansson decide what it means */
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool boolean(cur *c, bool *out)
{
    ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
        c->p += 4;
        *out = true;
        return true;
    }
    if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
        c->p += 5;
        *out = false;
        return true;
    }
    return false;
}

static bool keyword(cur *c, const char *const *table, int *out)
{
    char buf[48];
    if (!str(c, buf, sizeof buf, NULL, NULL))
        return false;
    *out = pwi_keyword(table, buf);
    return *out >= 0;
}

/* The members of an object: calls member() for each key; duplicates fail. */
static bool members(cur *c, const char *const *keys, unsigned *seen,
                    bool (*member)(cur *, int, void *), void *arg)
{
    if (!eat(c, '{'))
        return false;
    if (eat(c, '}'))
        return true;
    do {
        char key[40];
        if (!str(c, key, sizeof key, NULL, NULL) || !eat(c, ':'))
            return false;
        int k = pwi_keyword(keys, key);
        if (k < 0 || (*seen >> k) & 1u)
            return false;
        *seen |= 1u << k;
        if (!member(c, k, arg))
            return false;
    } while (eat(c, ','));
    return eat(c, '}');
}

static const char *const assist_keys[] = {"q2", "q3", "q4", "q5", "q6", "q7", NULL};

static bool assist_member(cur *c, int k, void *arg)
{
    int *q = arg;
    long v;
    if (!integer(c, 0, 99, &v) || !pwi_assist_valid(k + 2, (int)v))
        return false;
    q[k] = (int)v;
    return true;
}

typedef struct {
    int id, count, score;
    bool injecting;
} sub;

enum { S_SUBSTANCE, S_DSM5, S_ASSIST, S_INJECTING };
static const char *const sub_keys[] = {"substance", "dsm5_criteria", "assist", "injecting", NULL};

static bool sub_member(cur *c, int k, void *arg)
{
    sub *s = arg;
    switch (k) {
    case S_SUBSTANCE: {
        char name[48];
        if (!str(c, name, sizeof name, NULL, NULL))
            return false;
        s->id = pw_substance_lookup(name);
        return s->id >= 0;
    }
    case S_DSM5: {
        long v;
        ws(c);
        if (c->p < c->end && *c->p != '[') {
            if (!integer(c, 0, 11, &v))
                return false;
            s->count = (int)v;
            return true;
        }
        int crit[11], n = 0;
        if (!eat(c, '['))
            return false;
        if (!eat(c, ']')) {
            do {
                if (n == 11 || !integer(c, 1, 11, &v))
                    return false;
                crit[n++] = (int)v;
            } while (eat(c, ','));
            if (!eat(c, ']'))
                return false;
        }
        s->count = pw_dsm5_count_list(crit, n);
        return s->count >= 0;
    }
    case S_ASSIST: {
        int q[6];
        unsigned seen = 0;
        if (!members(c, assist_keys, &seen, assist_member, q) || seen != 0x3Fu)
            return false;
        s->score = pw_assist_score(q);
        return s->score >= 0;
    }
    default:
        return boolean(c, &s->injecting);
    }
}

enum { K_ID, K_AGE, K_EVENT, K_AMOUNT, K_ROLE, K_VIOLENT, K_PDO, K_PC, K_CONSENTS, K_SUBSTANCES };
static const char *const case_keys[] = {"id", "age", "event", "amount", "role", "violent",
                                        "prior_drug_offences", "prior_convictions",
                                        "consents_to_treatment", "substances", NULL};

typedef struct {
    pw_case *c;
    pw_case_id *id;
    int n_subs;
} case_arg;

static bool case_member(cur *c, int k, void *arg)
{
    case_arg *a = arg;
    pw_case *pc = a->c;
    long v;
    int e;
    switch (k) {
    case K_ID: {
        ws(c);
        if (c->p < c->end && *c->p == '"') {
            a->id->is_string = true;
            return str(c, NULL, 0, &a->id->text, &a->id->len);
        }
        const char *start = c->p;
        if (!integer(c, -999999999999L, 999999999999L, &v))
            return false;
        a->id->is_string = false;
        a->id->text = start;
        a->id->len = (size_t)(c->p - start);
        return true;
    }
    case K_AGE:
        if (!integer(c, 0, 120, &v))
            return false;
        pc->age = (int)v;
        return true;
    case K_EVENT:
        if (!keyword(c, pwi_event_names, &e))
            return false;
        pc->event = (pw_event)e;
        return true;
    case K_AMOUNT:
        if (!keyword(c, pwi_amount_names, &e))
            return false;
        pc->amount = (pw_amount)e;
        return true;
    case K_ROLE:
        if (!keyword(c, pwi_role_names, &e))
            return false;
        pc->role = (pw_role)e;
        return true;
    case K_VIOLENT:
        return boolean(c, &pc->violent);
    case K_PDO:
    case K_PC:
        if (!integer(c, 0, 1000, &v))
            return false;
        *(k == K_PDO ? &pc->prior_drug_offences : &pc->prior_convictions) = (int)v;
        return true;
    case K_CONSENTS:
        return boolean(c, &pc->consents_to_treatment);
    default: /* K_SUBSTANCES */
        if (!eat(c, '['))
            return false;
        do {
            sub s = {-1, -1, -1, false};
            unsigned seen = 0;
            if (a->n_subs == 16 || !members(c, sub_keys, &seen, sub_member, &s) ||
                !((seen >> S_SUBSTANCE) & 1u) || !((seen >> S_DSM5) & 1u))
                return false;
            if (a->n_subs++ == 0) {
                pc->substance = s.id;
                pc->dsm5_criteria = s.count;
                pc->assist_score = s.score;
                pc->injecting = s.injecting;
            }
        } while (eat(c, ','));
        return eat(c, ']');
    }
}

int pw_case_scan(const char *text, size_t len, pw_case *c, pw_case_id *id)
{
    cur cu = {text, text + len};
    case_arg a = {c, id, 0};
    unsigned seen = 0;
    memset(c, 0, sizeof *c);
    c->assist_score = -1;
    id->text = NULL;
    id->len = 0;
    if (!members(&cu, case_keys, &seen, case_member, &a))
        return PW_EPARSE;
    ws(&cu);
    /* As in pw_case_from_json: an omitted prior_convictions counts the
     * prior drug offences, which are convictions too. */
    if (!((seen >> K_PC) & 1u))
        c->prior_convictions = c->prior_drug_offences;
    /* Required fields, the consistency check, and nothing after the object. */
    if (cu.p != cu.end || !((seen >> K_AGE) & 1u) || !((seen >> K_EVENT) & 1u) ||
        a.n_subs == 0 || c->prior_convictions < c->prior_drug_offences)
        return PW_EPARSE;
    if (!((seen >> K_ID) & 1u))
        id->text = NULL;
    return PW_OK;
}
