/*
 * The substance code list (data/codes/substances.yaml), loaded once from
 * the copy built into the binary the first time any substance function is
 * called. pthread_once makes the first call safe from several threads; the
 * table is read-only afterwards.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define MAX_ALIASES 4

typedef struct {
    const char *name, *tdi, *icd11, *label;
    const char *aliases[MAX_ALIASES];
    int n_aliases;
    pw_substance_group group;
    bool alcohol;
} substance;

static struct {
    pw_doc *doc; /* owns every string above */
    const char *version;
    int n;
    substance s[PWI_MAX_SUBSTANCES];
    int status;
    pw_error err;
} list;

static pthread_once_t list_once = PTHREAD_ONCE_INIT;

static int load_entry(const pw_doc *d, const pw_node *e, substance *out, pw_error *err)
{
    static const char *const keys[] = {"name", "tdi", "icd11", "group", "label",
                                       "aliases", "assist", NULL};
    static const char *const thresholds[] = {"other", "alcohol", NULL};
    int rc, group, assist;
    if ((rc = pw_node_check_keys(d, e, keys, "substance", err)) ||
        (rc = pw_node_text(d, e, "name", 1, NULL, &out->name, err)) ||
        (rc = pw_node_text(d, e, "tdi", 1, NULL, &out->tdi, err)) ||
        (rc = pw_node_text(d, e, "icd11", 1, NULL, &out->icd11, err)) ||
        (rc = pw_node_text(d, e, "label", 1, NULL, &out->label, err)) ||
        (rc = pw_node_enum(d, e, "group", 1, 0, pwi_group_names, &group, err)) ||
        (rc = pw_node_enum(d, e, "assist", 0, 0, thresholds, &assist, err)))
        return rc;
    out->group = (pw_substance_group)group;
    out->alcohol = assist == 1;
    const pw_node *al = pw_node_get(e, "aliases");
    if (al) {
        if (pw_node_kind_of(al) != PW_NODE_SEQ || pw_node_len(al) > MAX_ALIASES)
            return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(al), "aliases",
                                "expected a list of at most %d names", MAX_ALIASES);
        for (size_t i = 0; i < pw_node_len(al); i++) {
            const char *a = pw_node_str(pw_node_at(al, i));
            if (!a)
                return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(al),
                                    "aliases", "expected names");
            out->aliases[out->n_aliases++] = a;
        }
    }
    return PW_OK;
}

static int load_list(pw_error *err)
{
    static const char *const top[] = {"version", "substances", NULL};
    size_t len;
    const char *text = pw_data_get("codes/substances.yaml", &len);
    if (!text)
        return pw_error_set(err, PW_ENOTFOUND, "codes/substances.yaml", 0, NULL,
                            "the substance list is not built in");
    int rc = pw_doc_parse("<built-in>/codes/substances.yaml", text, len, &list.doc, err);
    if (rc)
        return rc;
    const pw_doc *d = list.doc;
    const pw_node *root = pw_doc_root(d);
    if ((rc = pw_node_check_keys(d, root, top, "substance list", err)) ||
        (rc = pw_node_text(d, root, "version", 1, NULL, &list.version, err)))
        return rc;
    const pw_node *seq = pw_node_get(root, "substances");
    if (!seq || pw_node_kind_of(seq) != PW_NODE_SEQ || pw_node_len(seq) == 0 ||
        pw_node_len(seq) > PWI_MAX_SUBSTANCES)
        return pw_error_set(err, PW_EINVAL, pw_doc_name(d), pw_node_line(root), "substances",
                            "expected a list of 1 to %d substances", PWI_MAX_SUBSTANCES);
    for (size_t i = 0; i < pw_node_len(seq); i++) {
        substance *s = &list.s[i];
        if ((rc = load_entry(d, pw_node_at(seq, i), s, err)))
            return rc;
        /* Names, aliases and codes must identify one substance each, or a
         * lookup would silently depend on the order of the file. */
        for (size_t j = 0; j < i; j++) {
            const substance *o = &list.s[j];
            if (strcmp(o->name, s->name) == 0 || (s->tdi[0] && strcmp(o->tdi, s->tdi) == 0))
                return pw_error_set(err, PW_ECONFLICT, pw_doc_name(d),
                                    pw_node_line(pw_node_at(seq, i)), "name",
                                    "'%s' (tdi '%s') repeats an earlier entry", s->name,
                                    s->tdi);
        }
        list.n++;
    }
    return PW_OK;
}

static void load_once(void)
{
    pw_error_clear(&list.err);
    list.status = load_list(&list.err);
    if (list.status) {
        /* The list is compiled into the program, so this is a broken build,
         * not bad user input: say so loudly and stop. */
        pw_error_print(&list.err, stderr, "pathways");
        abort();
    }
}

int pwi_substances_ready(pw_error *err)
{
    pthread_once(&list_once, load_once);
    if (list.status && err)
        *err = list.err;
    return list.status;
}

int pw_substance_count(void)
{
    pthread_once(&list_once, load_once);
    return list.n;
}

int pw_substance_lookup(const char *name_or_tdi)
{
    pthread_once(&list_once, load_once);
    if (!name_or_tdi || !name_or_tdi[0])
        return -1;
    for (int i = 0; i < list.n; i++) {
        const substance *s = &list.s[i];
        if (strcmp(s->name, name_or_tdi) == 0 || strcmp(s->tdi, name_or_tdi) == 0)
            return i;
        for (int k = 0; k < s->n_aliases; k++)
            if (strcmp(s->aliases[k], name_or_tdi) == 0)
                return i;
    }
    return -1;
}

#define VALID(id) ((id) >= 0 && (id) < pw_substance_count())

const char *pw_substance_name(int id) { return VALID(id) ? list.s[id].name : NULL; }
const char *pw_substance_tdi(int id) { return VALID(id) ? list.s[id].tdi : NULL; }
const char *pw_substance_icd11(int id) { return VALID(id) ? list.s[id].icd11 : NULL; }
bool pwi_substance_alcohol(int id) { return VALID(id) && list.s[id].alcohol; }

pw_substance_group pw_substance_group_of(int id)
{
    return VALID(id) ? list.s[id].group : PW_GROUP_OTHER;
}

const char *pw_substance_list_version(void)
{
    pthread_once(&list_once, load_once);
    return list.version;
}
