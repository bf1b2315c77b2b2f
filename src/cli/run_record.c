/*
 * The record that makes an output folder replay itself (run_record.h):
 * provenance in summary.json, params.csv, inputs/ with a copy of every
 * file the run read, and reading that record back for `run --replay`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "pathways/report.h"
#include "run_record.h"

#ifndef PW_GIT_DESCRIBE
#define PW_GIT_DESCRIBE "unknown"
#endif
#ifndef PW_BUILD_TYPE
#define PW_BUILD_TYPE "unknown"
#endif
#ifndef PW_COMPILER
#define PW_COMPILER "unknown"
#endif

static void sha256_hex(const char *bytes, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    /* sodium_init only picks implementations; hashing needs nothing else. */
    if (sodium_init() < 0)
        abort();
    crypto_hash_sha256(h, (const unsigned char *)bytes, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* "drug-court" from "<built-in>/regimes/drug-court.yaml" or "x/drug-court.yaml",
 * kept to characters safe in a file name. */
static void base_name(const char *origin, char *out, size_t len)
{
    const char *b = strrchr(origin, '/');
    b = b ? b + 1 : origin;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < len; b++)
        out[n++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", *b)
                       ? *b
                       : '_';
    out[n] = 0;
    if (!n)
        snprintf(out, len, "input");
}

static int read_input(const char *kind, const char *name_or_path, char **buf, size_t *len,
                      char *origin, size_t olen, pw_error *err)
{
    if (strcmp(kind, "posterior") != 0)
        return pw_data_load(kind, name_or_path, buf, len, origin, olen, err);
    snprintf(origin, olen, "%s", name_or_path);
    const char *builtin = "<built-in>/";
    if (strncmp(name_or_path, builtin, strlen(builtin)) == 0) {
        const char *text = pw_data_get(name_or_path + strlen(builtin), len);
        if (!text || !(*buf = malloc(*len + 1)))
            return pw_error_set(err, PW_ENOTFOUND, name_or_path, 0, NULL,
                                "no such built-in file");
        memcpy(*buf, text, *len + 1);
        return PW_OK;
    }
    return pw_read_file(name_or_path, buf, len, err);
}

int pw_run_record_input(pw_run_record *rec, const char *role, const char *kind,
                        const char *name_or_path, const char *label, pw_error *err)
{
    if (rec->n_inputs == PW_RUN_MAX_INPUTS)
        return pw_error_set(err, PW_EINVAL, name_or_path, 0, NULL, "more than %d input files",
                            PW_RUN_MAX_INPUTS);
    pw_run_input *in = &rec->in[rec->n_inputs];
    memset(in, 0, sizeof *in);
    int rc = read_input(kind, name_or_path, &in->bytes, &in->len, in->origin, sizeof in->origin,
                        err);
    if (rc != PW_OK)
        return rc;
    if (label)
        snprintf(in->origin, sizeof in->origin, "%s", label);
    snprintf(in->role, sizeof in->role, "%s", role);
    sha256_hex(in->bytes, in->len, in->sha256);
    char b[100];
    base_name(in->origin, b, sizeof b);
    if (strcmp(role, "scenario") == 0)
        snprintf(in->copy, sizeof in->copy, "inputs/scenario.yaml");
    else if (strcmp(role, "posterior") == 0)
        snprintf(in->copy, sizeof in->copy, "inputs/posterior.csv");
    else if (strcmp(role, "targets") == 0)
        snprintf(in->copy, sizeof in->copy, "inputs/targets.yaml");
    else
        snprintf(in->copy, sizeof in->copy, "inputs/%s-%s.yaml",
                 strcmp(role, "regime") == 0 ? "regime" : "base", b);
    /* The same regime twice, or two files of one name: number the copies. */
    for (size_t i = 0, k = 2; i < rec->n_inputs; i++)
        if (strcmp(rec->in[i].copy, in->copy) == 0) {
            snprintf(in->copy, sizeof in->copy, "inputs/%s-%s-%zu.yaml", role, b, k++);
            i = (size_t)-1;
        }
    rec->n_inputs++;
    if (strcmp(kind, "scenarios") != 0)
        return PW_OK;
    /* A scenario extending another reads that one too (by name, as the
     * loader does): record it, so that a replay can check it is the same. */
    pw_doc *d = NULL;
    if ((rc = pw_doc_parse(in->origin, in->bytes, in->len, &d, err)) != PW_OK)
        return rc;
    const pw_node *ext = pw_node_get(pw_doc_root(d), "extends");
    char base[256] = "";
    if (ext && pw_node_str(ext))
        snprintf(base, sizeof base, "%s", pw_node_str(ext));
    pw_doc_free(d);
    size_t depth = 0;
    for (size_t i = 0; i < rec->n_inputs; i++)
        depth += strcmp(rec->in[i].role, "scenario-base") == 0;
    if (base[0] && depth < 5)
        rc = pw_run_record_input(rec, "scenario-base", "scenarios", base, NULL, err);
    return rc;
}

void pw_run_record_free(pw_run_record *rec)
{
    for (size_t i = 0; i < rec->n_inputs; i++)
        free(rec->in[i].bytes);
    rec->n_inputs = 0;
}

/* The time the run was made, in UTC; SOURCE_DATE_EPOCH (the reproducible
 * builds convention) fixes it, for tests and archives. */
static void created_now(char *buf, size_t len)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *provenance_json(const pw_run_record *rec, const char *created)
{
    const pw_results *res = rec->res;
    json_t *root = json_object(), *prog = json_object(), *cmd = json_array(),
           *inputs = json_array(), *sets = json_array();
    char buf[64];
    json_object_set_new(prog, "name", json_string("pathways"));
    json_object_set_new(prog, "version", json_string(PW_VERSION));
    json_object_set_new(prog, "git_describe", json_string(PW_GIT_DESCRIBE));
    json_object_set_new(prog, "compiler", json_string(PW_COMPILER));
    json_object_set_new(prog, "build_type", json_string(PW_BUILD_TYPE));
    json_object_set_new(root, "program", prog);
    for (int i = 0; i < rec->argc; i++)
        json_array_append_new(cmd, json_string(rec->argv[i]));
    json_object_set_new(root, "command_line", cmd);
    json_object_set_new(root, "created", json_string(created));
    if (rec->replay_of)
        json_object_set_new(root, "replay_of", json_string(rec->replay_of));
    json_object_set_new(root, "engine", json_string(rec->engine));
    json_object_set_new(root, "lang", json_string(rec->lang));
    /* Numbers that must come back exactly are strings: summary.json keeps
     * ten significant digits of a real, and a seed may pass 2^63. */
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)pw_results_seed(res));
    json_object_set_new(root, "seed", json_string(buf));
    json_object_set_new(root, "runs", json_integer(pw_results_runs(res)));
    /* The projection's years, as --years gives them (the results also hold
     * the history's rows before them). */
    json_object_set_new(root, "years",
                        json_integer(pw_results_years(res) -
                                     (pw_results_projection_year(res) - pw_results_start_year(res))));
    snprintf(buf, sizeof buf, "%.17g", pw_results_scale(res));
    json_object_set_new(root, "scale", json_string(buf));
    json_object_set_new(root, "threads", json_integer(rec->threads));
    /* `pathways run` spreads its runs over threads in one process. */
    json_object_set_new(root, "mpi_ranks", json_integer(1));
    json_object_set_new(root, "projection_year", json_integer(rec->projection_year));
    for (size_t i = 0; i < rec->n_sets; i++)
        json_array_append_new(sets, json_string(rec->sets[i]));
    json_object_set_new(root, "set", sets);
    json_object_set_new(root, "posterior_label", pw_results_posterior(res)
                                                     ? json_string(pw_results_posterior(res))
                                                     : json_null());
    for (size_t i = 0; i < rec->n_inputs; i++) {
        const pw_run_input *in = &rec->in[i];
        json_array_append_new(inputs, json_pack("{s:s,s:s,s:s,s:s,s:I}", "role", in->role,
                                                "origin", in->origin, "copy", in->copy,
                                                "sha256", in->sha256, "bytes",
                                                (json_int_t)in->len));
    }
    json_object_set_new(root, "inputs", inputs);
    char *text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(root);
    return text;
}

/* params.csv: one row per run, one column per parameter, the value the
 * run used (a posterior draw, a value set by hand, or the point value),
 * with 17 significant digits so that it reads back exactly. */
static int write_params(const pw_run_record *rec, const char *dir, pw_error *err)
{
    char path[4096];
    pw_afile *af;
    snprintf(path, sizeof path, "%s/params.csv", dir);
    int rc = pw_afile_open(path, &af, err);
    if (rc != PW_OK)
        return rc;
    FILE *f = pw_afile_fp(af);
    const pw_scenario *s = rec->scenario;
    size_t np = pw_param_count(s);
    fputs("run", f);
    for (size_t i = 0; i < np; i++)
        fprintf(f, ",%s", pw_param_name(s, i));
    fputc('\n', f);
    for (int r = 0; r < pw_results_runs(rec->res); r++) {
        fprintf(f, "%d", r);
        for (size_t i = 0; i < np; i++) {
            double v = pw_param_get(s, i);
            if (rec->n_draws) {
                size_t row = (size_t)r % rec->n_draws;
                for (size_t j = 0; j < rec->n_draw_params; j++)
                    if ((size_t)rec->draw_idx[j] == i)
                        v = rec->draws[row * rec->n_draw_params + j];
            }
            fprintf(f, ",%.17g", v);
        }
        fputc('\n', f);
    }
    if (ferror(f)) {
        pw_afile_abort(af);
        return pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
    }
    return pw_afile_commit(af, err);
}

static int write_inputs(const pw_run_record *rec, const char *dir, pw_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/inputs", dir);
    int rc = pw_mkdirs(path, err);
    for (size_t i = 0; rc == PW_OK && i < rec->n_inputs; i++) {
        pw_afile *af;
        snprintf(path, sizeof path, "%s/%s", dir, rec->in[i].copy);
        if ((rc = pw_afile_open(path, &af, err)) != PW_OK)
            break;
        if (fwrite(rec->in[i].bytes, 1, rec->in[i].len, pw_afile_fp(af)) != rec->in[i].len) {
            pw_afile_abort(af);
            rc = pw_error_set(err, PW_EIO, path, 0, NULL, "could not write");
            break;
        }
        rc = pw_afile_commit(af, err);
    }
    return rc;
}

int pw_run_write_set(const char *dir, void *arg, pw_error *err)
{
    pw_run_record *rec = arg;
    char created[40];
    created_now(created, sizeof created);
    char *prov = provenance_json(rec, created);
    if (!prov)
        return pw_error_set(err, PW_ENOMEM, dir, 0, NULL, "out of memory");
    int rc = pw_results_set_provenance((pw_results *)rec->res, prov);
    free(prov);
    if (rc != PW_OK)
        return pw_error_set(err, rc, dir, 0, NULL, "could not record the provenance");
    if ((rc = pw_results_write(rec->res, dir, err)) != PW_OK ||
        (rc = write_params(rec, dir, err)) != PW_OK || (rc = write_inputs(rec, dir, err)) != PW_OK)
        return rc;
    static const char *const files[] = {"summary.json",   "summary.csv", "timeseries.csv",
                                        "params.csv", "inputs/", NULL};
    char build[256];
    snprintf(build, sizeof build, "pathways %s (%s; %s, %s)", PW_VERSION, PW_GIT_DESCRIBE,
             PW_COMPILER, PW_BUILD_TYPE);
    pw_report_opts o = {0};
    o.title = pw_results_scenario(rec->res);
    o.baseline = "kz-current";
    o.lang = rec->lang;
    o.scenario = rec->scenario;
    o.targets = rec->targets;
    o.projection_year = rec->projection_year;
    o.created = created;
    o.build = build;
    o.files = files;
    return pw_report_html_write_opts(rec->res, &o, dir, err);
}

/* ---- reading a record back ------------------------------------------ */

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int pw_replay_load(const char *dir, pw_replay *rp, pw_error *err)
{
    char path[4096];
    memset(rp, 0, sizeof *rp);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return pw_error_set(err, PW_EINVAL, path, je.line, NULL, "cannot read: %s", je.text);
    int rc = PW_EINVAL;
    json_t *pv = json_object_get(root, "provenance");
    json_t *inputs = json_object_get(pv, "inputs");
    const char *engine = jstr(pv, "engine"), *lang = jstr(pv, "lang"), *seed = jstr(pv, "seed"),
               *scale = jstr(pv, "scale");
    if (!json_is_object(pv) || !json_is_array(inputs) || !engine || !lang || !seed || !scale) {
        rc = pw_error_set(err, PW_EINVAL, path, 0, "provenance",
                          "no record of how the run was made (written by an older pathways?)");
        goto done;
    }
    snprintf(rp->engine, sizeof rp->engine, "%s", engine);
    snprintf(rp->lang, sizeof rp->lang, "%s", lang);
    rp->seed = strtoull(seed, NULL, 10);
    rp->scale = strtod(scale, NULL);
    rp->runs = (int)json_integer_value(json_object_get(pv, "runs"));
    rp->years = (int)json_integer_value(json_object_get(pv, "years"));
    rp->threads = (int)json_integer_value(json_object_get(pv, "threads"));
    rp->projection_year = (int)json_integer_value(json_object_get(pv, "projection_year"));
    snprintf(rp->posterior, sizeof rp->posterior, "none");
    const char *pl = jstr(pv, "posterior_label");
    snprintf(rp->posterior_label, sizeof rp->posterior_label, "%s", pl ? pl : "");
    json_t *sets = json_object_get(pv, "set");
    for (size_t i = 0; i < json_array_size(sets) && i < PW_CLI_MAX_OVERRIDES; i++) {
        const char *s = json_string_value(json_array_get(sets, i));
        snprintf(rp->sets[rp->n_sets++], sizeof rp->sets[0], "%s", s ? s : "");
    }
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(inputs) && i < PW_RUN_MAX_INPUTS; i++) {
        json_t *in = json_array_get(inputs, i);
        const char *role = jstr(in, "role"), *origin = jstr(in, "origin"), *copy = jstr(in, "copy"),
                   *sha = jstr(in, "sha256");
        if (!role || !origin || !copy || !sha || strstr(copy, "..") || copy[0] == '/') {
            rc = pw_error_set(err, PW_EINVAL, path, 0, "provenance.inputs",
                              "entry %zu lacks role, origin, copy or sha256", i);
            goto done;
        }
        /* Every copy must be the file that was used, byte for byte. */
        char file[4200], *buf = NULL, hex[65];
        size_t len;
        snprintf(file, sizeof file, "%s/%s", dir, copy);
        if ((rc = pw_read_file(file, &buf, &len, err)) != PW_OK)
            goto done;
        sha256_hex(buf, len, hex);
        free(buf);
        if (strcmp(hex, sha) != 0) {
            rc = pw_error_set(err, PW_EINVAL, file, 0, "sha256",
                              "the file differs from the one the run used (%.12s... recorded, "
                              "%.12s... now)", sha, hex);
            goto done;
        }
        /* A scenario's base is read by name when the scenario loads, so
         * the one this program has must be the one recorded. */
        if (strcmp(role, "scenario-base") == 0) {
            char o2[600], name[128];
            base_name(origin, name, sizeof name);
            if ((rc = pw_data_load("scenarios", name, &buf, &len, o2, sizeof o2, err)) != PW_OK)
                goto done;
            sha256_hex(buf, len, hex);
            free(buf);
            if (strcmp(hex, sha) != 0) {
                rc = pw_error_set(err, PW_EINVAL, o2, 0, "sha256",
                                  "the scenario this one extends is not the one the run used "
                                  "(%.12s... recorded, %.12s... now): replay with the program "
                                  "that made the run", sha, hex);
                goto done;
            }
        }
        if (strcmp(role, "scenario") == 0)
            snprintf(rp->scenario, sizeof rp->scenario, "%s", file);
        else if (strcmp(role, "posterior") == 0)
            snprintf(rp->posterior, sizeof rp->posterior, "%s", file);
        else if (strcmp(role, "targets") == 0)
            snprintf(rp->targets, sizeof rp->targets, "%s", file);
        else if (strcmp(role, "regime") == 0) {
            if (strchr(file, ',')) {
                rc = pw_error_set(err, PW_EINVAL, file, 0, NULL,
                                  "a folder with a comma in its name cannot be replayed");
                goto done;
            }
            used += (size_t)snprintf(rp->regimes + used, sizeof rp->regimes - used, "%s%s",
                                     used ? "," : "", file);
        }
        snprintf(rp->roles[rp->n_labels], sizeof rp->roles[0], "%s", role);
        snprintf(rp->label_store[rp->n_labels], sizeof rp->label_store[0], "%s", origin);
        rp->labels[rp->n_labels] = rp->label_store[rp->n_labels];
        rp->n_labels++;
    }
    if (!rp->scenario[0] || !rp->regimes[0] || rp->runs < 1 || rp->years < 1) {
        rc = pw_error_set(err, PW_EINVAL, path, 0, "provenance",
                          "the record names no scenario, no regime, or no runs");
        goto done;
    }
    rc = PW_OK;
done:
    json_decref(root);
    return rc;
}

const char *pw_replay_label(const pw_replay *rp, const char *role, size_t i)
{
    for (size_t k = 0; k < rp->n_labels; k++)
        if (strcmp(rp->roles[k], role) == 0 && i-- == 0)
            return rp->labels[k];
    return NULL;
}
