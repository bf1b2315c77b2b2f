/*
 * YAML documents as trees with line numbers, built on libyaml's event API.
 *
 * Data files (regimes, scenarios, targets) are read once at start-up, so
 * the tree favours simple, obvious code over speed: each node owns a
 * growable array of children, and the document keeps every allocation on
 * one list so pw_doc_free() is a single walk.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pathways/core.h"

struct pw_node {
    pw_node_kind kind;
    long line;
    char *text;        /* scalar text */
    size_t n, cap;     /* children */
    char **keys;       /* map keys (NULL for sequences) */
    long *klines;      /* the line each map key stands on */
    pw_node **kids;
    pw_node *next_alloc;
};

struct pw_doc {
    char *name;
    pw_node *root;
    pw_node *allocs;
};

static pw_node *node_new(pw_doc *d, pw_node_kind kind, long line)
{
    pw_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = line;
    n->next_alloc = d->allocs;
    d->allocs = n;
    return n;
}

static int node_push(pw_node *parent, char *key, long kline, pw_node *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        pw_node **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return PW_ENOMEM;
        parent->kids = k;
        if (parent->kind == PW_NODE_MAP) {
            char **ks = realloc(parent->keys, cap * sizeof *ks);
            if (!ks)
                return PW_ENOMEM;
            parent->keys = ks;
            long *kl = realloc(parent->klines, cap * sizeof *kl);
            if (!kl)
                return PW_ENOMEM;
            parent->klines = kl;
        }
        parent->cap = cap;
    }
    if (parent->kind == PW_NODE_MAP) {
        parent->keys[parent->n] = key;
        parent->klines[parent->n] = kline;
    }
    parent->kids[parent->n++] = kid;
    return PW_OK;
}

void pw_doc_free(pw_doc *d)
{
    if (!d)
        return;
    pw_node *n = d->allocs;
    while (n) {
        pw_node *next = n->next_alloc;
        if (n->keys)
            for (size_t i = 0; i < n->n; i++)
                free(n->keys[i]);
        free(n->keys);
        free(n->klines);
        free(n->kids);
        free(n->text);
        free(n);
        n = next;
    }
    free(d->name);
    free(d);
}

#define MAX_DEPTH 64

int pw_doc_parse(const char *name, const char *text, size_t len, pw_doc **out,
                 pw_error *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int rc = PW_OK, done = 0, have_ev = 0;
    pw_node *stack[MAX_DEPTH];
    char *pending_key[MAX_DEPTH]; /* map key waiting for its value */
    long pending_line[MAX_DEPTH];
    int depth = 0;
    pw_doc *d = calloc(1, sizeof *d);

    *out = NULL;
    if (!d || !(d->name = strdup(name ? name : "<input>"))) {
        free(d);
        return pw_error_set(err, PW_ENOMEM, name, 0, NULL, "out of memory");
    }
    if (!yaml_parser_initialize(&p)) {
        pw_doc_free(d);
        return pw_error_set(err, PW_ENOMEM, name, 0, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);

    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            rc = pw_error_set(err, PW_EPARSE, d->name, (long)p.problem_mark.line + 1, NULL,
                              "YAML: %s%s%s", p.problem ? p.problem : "syntax error",
                              p.context ? " " : "", p.context ? p.context : "");
            goto fail;
        }
        have_ev = 1;
        long line = (long)ev.start_mark.line + 1;
        pw_node *made = NULL;

        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_ALIAS_EVENT:
            rc = pw_error_set(err, PW_EPARSE, d->name, line, NULL,
                              "YAML aliases are not supported in data files; write the value out");
            goto fail;
        case YAML_SCALAR_EVENT:
            /* A scalar is a key when the enclosing map waits for one. */
            if (depth > 0 && stack[depth - 1]->kind == PW_NODE_MAP && !pending_key[depth - 1]) {
                char *k = strdup((const char *)ev.data.scalar.value);
                if (!k)
                    goto nomem;
                for (size_t i = 0; i < stack[depth - 1]->n; i++)
                    if (strcmp(stack[depth - 1]->keys[i], k) == 0) {
                        rc = pw_error_set(err, PW_EPARSE, d->name, line, k,
                                          "key appears twice in the same map");
                        free(k);
                        goto fail;
                    }
                pending_key[depth - 1] = k;
                pending_line[depth - 1] = line;
                break;
            }
            if (!(made = node_new(d, PW_NODE_SCALAR, line)) ||
                !(made->text = strdup((const char *)ev.data.scalar.value)))
                goto nomem;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth >= MAX_DEPTH) {
                rc = pw_error_set(err, PW_EPARSE, d->name, line, NULL, "nesting too deep");
                goto fail;
            }
            made = node_new(d, ev.type == YAML_SEQUENCE_START_EVENT ? PW_NODE_SEQ : PW_NODE_MAP,
                            line);
            if (!made)
                goto nomem;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }

        if (made) {
            if (depth == 0) {
                if (d->root) {
                    rc = pw_error_set(err, PW_EPARSE, d->name, line, NULL,
                                      "only one YAML document per file");
                    goto fail;
                }
                d->root = made;
            } else {
                pw_node *parent = stack[depth - 1];
                char *key = NULL;
                long kline = 0;
                if (parent->kind == PW_NODE_MAP) {
                    if (!pending_key[depth - 1]) {
                        rc = pw_error_set(err, PW_EPARSE, d->name, line, NULL,
                                          "a map key must be a plain value");
                        goto fail;
                    }
                    key = pending_key[depth - 1];
                    kline = pending_line[depth - 1];
                    pending_key[depth - 1] = NULL;
                }
                if (node_push(parent, key, kline, made) != PW_OK) {
                    free(key);
                    goto nomem;
                }
            }
            if (made->kind != PW_NODE_SCALAR) {
                pending_key[depth] = NULL;
                stack[depth++] = made;
            }
        }
        yaml_event_delete(&ev);
        have_ev = 0;
    }
    yaml_parser_delete(&p);
    if (!d->root) {
        pw_doc_free(d);
        return pw_error_set(err, PW_EPARSE, name, 1, NULL, "empty document");
    }
    *out = d;
    return PW_OK;

nomem:
    rc = pw_error_set(err, PW_ENOMEM, d->name, 0, NULL, "out of memory");
fail:
    /* Error-only exit (success returned above), so not `done`, the common
     * exit's name. Keys waiting for a value were never attached to a node. */
    for (int i = 0; i < depth; i++)
        if (stack[i]->kind == PW_NODE_MAP)
            free(pending_key[i]);
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&p);
    pw_doc_free(d);
    return rc;
}

int pw_doc_load(const char *kind, const char *name_or_path, pw_doc **out, pw_error *err)
{
    char *buf;
    size_t len;
    char origin[512];
    int rc = pw_data_load(kind, name_or_path, &buf, &len, origin, sizeof origin, err);
    if (rc != PW_OK)
        return rc;
    rc = pw_doc_parse(origin, buf, len, out, err);
    free(buf);
    return rc;
}

const char *pw_doc_name(const pw_doc *d) { return d->name; }
const pw_node *pw_doc_root(const pw_doc *d) { return d->root; }
pw_node_kind pw_node_kind_of(const pw_node *n) { return n->kind; }
long pw_node_line(const pw_node *n) { return n->line; }
size_t pw_node_len(const pw_node *n) { return n->kind == PW_NODE_SCALAR ? 0 : n->n; }

const pw_node *pw_node_at(const pw_node *n, size_t i)
{
    return (n->kind != PW_NODE_SCALAR && i < n->n) ? n->kids[i] : NULL;
}

const char *pw_node_key(const pw_node *n, size_t i)
{
    return (n->kind == PW_NODE_MAP && i < n->n) ? n->keys[i] : NULL;
}

const pw_node *pw_node_get(const pw_node *map, const char *key)
{
    if (!map || map->kind != PW_NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->kids[i];
    return NULL;
}

const char *pw_node_str(const pw_node *n)
{
    return n && n->kind == PW_NODE_SCALAR ? n->text : NULL;
}

/* Shared start of every typed getter: finds the value or reports why not.
 * Returns 1 with *v set when present, 0 when absent and optional. */
static int lookup(const pw_doc *d, const pw_node *map, const char *key, int required,
                  const pw_node **v, int *rc, pw_error *err)
{
    *rc = PW_OK;
    if (!map || map->kind != PW_NODE_MAP) {
        *rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), map ? map->line : 0, key,
                           "expected a map containing '%s'", key);
        return 0;
    }
    *v = pw_node_get(map, key);
    if (!*v) {
        if (required)
            *rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), map->line, key,
                               "required key is missing");
        return 0;
    }
    if ((*v)->kind != PW_NODE_SCALAR) {
        *rc = pw_error_set(err, PW_EINVAL, pw_doc_name(d), (*v)->line, key,
                           "expected a single value, found a %s",
                           (*v)->kind == PW_NODE_MAP ? "map" : "list");
        return 0;
    }
    return 1;
}

int pw_node_num(const pw_doc *d, const pw_node *map, const char *key, int required,
                double def, double lo, double hi, double *out, pw_error *err)
{
    const pw_node *v;
    int rc;
    if (!lookup(d, map, key, required, &v, &rc, err)) {
        if (rc == PW_OK)
            *out = def;
        return rc;
    }
    char *end;
    errno = 0;
    double x = strtod(v->text, &end);
    if (end == v->text || *end != '\0' || errno == ERANGE || !isfinite(x))
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), v->line, key,
                            "expected a number, found '%s'", v->text);
    if (x < lo || x > hi)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), v->line, key,
                            "%g is outside the allowed range [%g, %g]", x, lo, hi);
    *out = x;
    return PW_OK;
}

int pw_node_int(const pw_doc *d, const pw_node *map, const char *key, int required,
                long def, long lo, long hi, long *out, pw_error *err)
{
    const pw_node *v;
    int rc;
    if (!lookup(d, map, key, required, &v, &rc, err)) {
        if (rc == PW_OK)
            *out = def;
        return rc;
    }
    char *end;
    errno = 0;
    long x = strtol(v->text, &end, 10);
    if (end == v->text || *end != '\0' || errno == ERANGE)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), v->line, key,
                            "expected a whole number, found '%s'", v->text);
    if (x < lo || x > hi)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), v->line, key,
                            "%ld is outside the allowed range [%ld, %ld]", x, lo, hi);
    *out = x;
    return PW_OK;
}

int pw_node_bool(const pw_doc *d, const pw_node *map, const char *key, int required,
                 int def, int *out, pw_error *err)
{
    const pw_node *v;
    int rc;
    if (!lookup(d, map, key, required, &v, &rc, err)) {
        if (rc == PW_OK)
            *out = def;
        return rc;
    }
    if (strcmp(v->text, "true") == 0 || strcmp(v->text, "yes") == 0)
        *out = 1;
    else if (strcmp(v->text, "false") == 0 || strcmp(v->text, "no") == 0)
        *out = 0;
    else
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), v->line, key,
                            "expected true or false, found '%s'", v->text);
    return PW_OK;
}

int pw_node_text(const pw_doc *d, const pw_node *map, const char *key, int required,
                 const char *def, const char **out, pw_error *err)
{
    const pw_node *v;
    int rc;
    if (!lookup(d, map, key, required, &v, &rc, err)) {
        if (rc == PW_OK)
            *out = def;
        return rc;
    }
    *out = v->text;
    return PW_OK;
}

/* The NULL-terminated `names` as "a, b, c" in buf, cut short where it is
 * full: the allowed values an error message lists. */
static void join_names(const char *const *names, char *buf, size_t size)
{
    assert(size > 0);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

int pw_node_enum(const pw_doc *d, const pw_node *map, const char *key, int required,
                 int def, const char *const *choices, int *out, pw_error *err)
{
    const char *s;
    int rc = pw_node_text(d, map, key, required, NULL, &s, err);
    if (rc != PW_OK)
        return rc;
    if (!s) {
        *out = def;
        return PW_OK;
    }
    for (int i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return PW_OK;
        }
    char list[512];
    join_names(choices, list, sizeof list);
    return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_get(map, key)->line, key,
                        "'%s' is not one of: %s", s, list);
}

int pw_node_check_keys(const pw_doc *d, const pw_node *map, const char *const *allowed,
                       const char *what, pw_error *err)
{
    if (!map || map->kind != PW_NODE_MAP)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), map ? map->line : 0, what,
                            "expected a map");
    for (size_t i = 0; i < map->n; i++) {
        int ok = 0;
        for (int k = 0; allowed[k]; k++)
            if (strcmp(map->keys[i], allowed[k]) == 0) {
                ok = 1;
                break;
            }
        if (!ok) {
            char list[512];
            join_names(allowed, list, sizeof list);
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), map->klines[i], map->keys[i],
                                "unknown key in %s (allowed: %s)", what ? what : "map", list);
        }
    }
    return PW_OK;
}
