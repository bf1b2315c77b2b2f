/*
 * The command-line layer (opt.h): parsing argv against a subcommand's
 * option table, and the help text generated from the same table.
 *
 * Why not getopt_long: it knows nothing of argument types or ranges, so
 * every subcommand used to check them by hand and the same option ended
 * up with different ranges in different places. Here the table is the
 * single statement of what an option accepts, and the error for a bad
 * value quotes that statement.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

/* The range of an option as the help and the errors state it. */
static void range_text(const pw_cli_opt *o, char *buf, size_t n)
{
    switch (o->type) {
    case PW_OPT_INT:
        snprintf(buf, n, "an integer in %.0f..%.0f", o->lo, o->hi);
        break;
    case PW_OPT_U64:
        snprintf(buf, n, "a non-negative integer");
        break;
    case PW_OPT_REAL:
        snprintf(buf, n, "a number in %c%g, %g%c", o->flags & PW_OPTF_LO_OPEN ? '(' : '[', o->lo,
                 o->hi, o->flags & PW_OPTF_HI_OPEN ? ')' : ']');
        break;
    case PW_OPT_CHOICE:
        snprintf(buf, n, "one of %s", o->choices);
        break;
    default:
        snprintf(buf, n, "%s", o->meta ? o->meta : "a value");
        break;
    }
}

static int bad_value(const pw_cli_cmd *cmd, const pw_cli_opt *o, const char *text)
{
    char r[96];
    range_text(o, r, sizeof r);
    return pw_cli_usage_error(cmd->name, "--%s must be %s, not '%s'", o->name, r, text);
}

/* True if `word` is one of the '|'-separated words of `list`. */
static int in_choices(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

int pw_cli_check(const pw_cli_cmd *cmd, size_t i, const char *text, pw_cli_val *v)
{
    assert(i < cmd->n_opts);
    const pw_cli_opt *o = &cmd->opts[i];
    char *end;
    errno = 0;
    switch (o->type) {
    case PW_OPT_INT: {
        long long x = strtoll(text, &end, 10);
        if (end == text || *end || errno || x < (long long)o->lo || x > (long long)o->hi)
            return bad_value(cmd, o, text);
        v->i = x;
        break;
    }
    case PW_OPT_U64: {
        /* strtoull accepts "-1" and wraps it: refuse the sign first. */
        unsigned long long x = strtoull(text, &end, 10);
        if (text[0] == '-' || end == text || *end || errno)
            return bad_value(cmd, o, text);
        v->u = x;
        break;
    }
    case PW_OPT_REAL: {
        double x = strtod(text, &end);
        int lo_ok = o->flags & PW_OPTF_LO_OPEN ? x > o->lo : x >= o->lo;
        int hi_ok = o->flags & PW_OPTF_HI_OPEN ? x < o->hi : x <= o->hi;
        if (end == text || *end || errno || !isfinite(x) || !lo_ok || !hi_ok)
            return bad_value(cmd, o, text);
        v->d = x;
        break;
    }
    case PW_OPT_CHOICE:
        if (!in_choices(o->choices, text))
            return bad_value(cmd, o, text);
        break;
    default:
        break;
    }
    v->s = text;
    return 0;
}

static const pw_cli_opt *find_long(const pw_cli_cmd *cmd, const char *name, size_t len,
                                   size_t *idx)
{
    for (size_t i = 0; i < cmd->n_opts; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0) {
            *idx = i;
            return &cmd->opts[i];
        }
    return NULL;
}

static const pw_cli_opt *find_short(const pw_cli_cmd *cmd, char c, size_t *idx)
{
    for (size_t i = 0; i < cmd->n_opts; i++)
        if (cmd->opts[i].shrt == c) {
            *idx = i;
            return &cmd->opts[i];
        }
    return NULL;
}

int pw_cli_parse(const pw_cli_cmd *cmd, int argc, char **argv, pw_cli_args *a)
{
    memset(a->v, 0, cmd->n_opts * sizeof *a->v);
    a->n_operands = 0;
    /* --help wins wherever it stands (before "--"), even after a bad
     * option, as people add it to a command line that failed. */
    if (pw_cli_wants_help(argc, argv)) {
        pw_cli_help(cmd, stdout);
        return -1;
    }
    int only_operands = 0;
    for (int k = 1; k < argc; k++) {
        const char *arg = argv[k], *val = NULL;
        const pw_cli_opt *o = NULL;
        size_t i = 0;
        if (!only_operands && strcmp(arg, "--") == 0) {
            only_operands = 1;
            continue;
        }
        if (only_operands || arg[0] != '-' || arg[1] == 0) {
            if (!cmd->operands)
                return pw_cli_usage_error(cmd->name, "unexpected argument '%s'", arg);
            if (a->n_operands == PW_CLI_MAX_OPERANDS)
                return pw_cli_usage_error(cmd->name, "too many arguments");
            a->operand[a->n_operands++] = arg;
            continue;
        }
        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            o = find_long(cmd, arg + 2, len, &i);
            if (eq)
                val = eq + 1;
        } else {
            o = find_short(cmd, arg[1], &i);
            if (arg[2])
                val = arg + 2;
        }
        if (!o)
            return pw_cli_usage_error(cmd->name, "unknown option '%s'", arg);
        pw_cli_val *v = &a->v[i];
        if (o->type == PW_OPT_FLAG) {
            if (val)
                return pw_cli_usage_error(cmd->name, "--%s takes no value", o->name);
            v->given++;
            continue;
        }
        if (!val) {
            if (k + 1 >= argc) {
                char r[96];
                range_text(o, r, sizeof r);
                return pw_cli_usage_error(cmd->name, "--%s needs a value (%s)", o->name, r);
            }
            val = argv[++k];
        }
        /* Given again, a single-valued option takes the last value, as
         * with getopt (scripts append to a base command line). */
        if (v->given && !(o->flags & PW_OPTF_REPEAT))
            v->given = 0;
        if (v->given >= PW_CLI_MAX_REPEAT)
            return pw_cli_usage_error(cmd->name, "--%s given more than %d times", o->name,
                                      PW_CLI_MAX_REPEAT);
        int rc = pw_cli_check(cmd, i, val, v);
        if (rc)
            return rc;
        v->all[v->given++] = val;
    }
    return 0;
}

long long pw_cli_int(const pw_cli_args *a, size_t i, long long def)
{
    return a->v[i].given ? a->v[i].i : def;
}

double pw_cli_real(const pw_cli_args *a, size_t i, double def)
{
    return a->v[i].given ? a->v[i].d : def;
}

uint64_t pw_cli_u64(const pw_cli_args *a, size_t i, uint64_t def)
{
    return a->v[i].given ? a->v[i].u : def;
}

const char *pw_cli_str(const pw_cli_args *a, size_t i, const char *def)
{
    return a->v[i].given ? a->v[i].s : def;
}

/* Prints `text` wrapped at 80 columns, every line indented by `indent`
 * (the first line starts at column `col`). */
static void wrap(FILE *f, const char *text, int col, int indent)
{
    const char *p = text;
    while (*p) {
        const char *sp = p;
        while (*sp && *sp != ' ' && *sp != '\n')
            sp++;
        int w = (int)(sp - p);
        if (col > indent && col + 1 + w > 80) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", w, p);
        col += w;
        p = sp;
        if (*p == '\n') {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            p++;
        } else if (*p == ' ') {
            p++;
        }
    }
    fputc('\n', f);
}

/* "-q, --quiet" or "    --runs N" */
static int opt_head(const pw_cli_opt *o, char *buf, size_t n)
{
    if (o->shrt)
        return snprintf(buf, n, "-%c, --%s%s%s", o->shrt, o->name, o->meta ? " " : "",
                        o->meta ? o->meta : "");
    return snprintf(buf, n, "    --%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
}

/* The help line of an option: its text, then what it accepts, its
 * default, and whether it repeats. */
static void opt_text(const pw_cli_opt *o, char *buf, size_t n)
{
    char r[96] = "";
    if (o->type == PW_OPT_INT || o->type == PW_OPT_REAL)
        range_text(o, r, sizeof r);
    snprintf(buf, n, "%s%s%s%s%s%s", o->help, *r ? "; " : "", r, o->def ? "; default " : "",
             o->def ? o->def : "", o->flags & PW_OPTF_REPEAT ? "; repeatable" : "");
}

void pw_cli_help(const pw_cli_cmd *cmd, FILE *f)
{
    fprintf(f, "usage: pathways %s [options]%s%s\n\n", cmd->name, cmd->operands ? " " : "",
            cmd->operands ? cmd->operands : "");
    wrap(f, cmd->about, 0, 0);
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < cmd->n_opts; i++) {
        const pw_cli_opt *o = &cmd->opts[i];
        if (o->flags & PW_OPTF_HIDDEN)
            continue;
        char head[128], text[1024];
        int w = opt_head(o, head, sizeof head);
        opt_text(o, text, sizeof text);
        fprintf(f, "  %s", head);
        if (w + 2 >= 27) {
            fprintf(f, "\n%*s", 28, "");
            wrap(f, text, 28, 28);
        } else {
            fprintf(f, "%*s", 28 - w - 2, "");
            wrap(f, text, 28, 28);
        }
    }
    if (cmd->epilog)
        fprintf(f, "\n%s", cmd->epilog);
}

/* ---- The man page ---------------------------------------------------- */

/* roff text: a leading dot or quote would be a request, backslash and
 * hyphen-minus need escapes. */
static void roff(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

void pw_cli_man(FILE *f, const char *version)
{
    const pw_cli_cmd *const *cmds;
    size_t n = pw_cli_commands(&cmds);
    fprintf(f, ".\\\" Generated by `pathways --man` from the option tables; do not edit.\n");
    fprintf(f, ".TH PATHWAYS 1 \"\" \"pathways %s\" \"User Commands\"\n", version);
    fprintf(f, ".SH NAME\npathways \\- drug\\-policy pathways, simulated and monitored\n");
    fprintf(f, ".SH SYNOPSIS\n.B pathways\n.I command\n[\\fIoptions\\fR]\n");
    fprintf(f, ".SH DESCRIPTION\n");
    roff(f, "pathways applies drug-policy regimes (rules as YAML data) to cases, simulates "
            "a society under several regimes side by side, and runs a monitoring registry. "
            "Each command below lists its options; `pathways COMMAND --help` prints the "
            "same text.\n");
    fprintf(f, ".SH COMMANDS\n");
    for (size_t c = 0; c < n; c++) {
        const pw_cli_cmd *cmd = cmds[c];
        fprintf(f, ".SS \"pathways %s\"\n", cmd->name);
        roff(f, cmd->summary);
        fprintf(f, "\n.PP\n");
        roff(f, cmd->about);
        fputc('\n', f);
        if (cmd->operands) {
            fprintf(f, ".PP\nOperands: ");
            roff(f, cmd->operands);
            fputc('\n', f);
        }
        for (size_t i = 0; i < cmd->n_opts; i++) {
            const pw_cli_opt *o = &cmd->opts[i];
            if (o->flags & PW_OPTF_HIDDEN)
                continue;
            char text[1024];
            opt_text(o, text, sizeof text);
            fprintf(f, ".TP\n");
            if (o->shrt)
                fprintf(f, "\\fB\\-%c\\fR, ", o->shrt);
            fprintf(f, "\\fB\\-\\-");
            roff(f, o->name);
            fprintf(f, "\\fR");
            if (o->meta) {
                fprintf(f, " \\fI");
                roff(f, o->meta);
                fprintf(f, "\\fR");
            }
            fputc('\n', f);
            roff(f, text);
            fputc('\n', f);
        }
        /* Examples, lists of kinds, exit codes: laid out by hand in the
         * help, so kept as they are (no fill). */
        if (cmd->epilog) {
            fprintf(f, ".PP\n.nf\n");
            roff(f, cmd->epilog);
            fprintf(f, "\n.fi\n");
        }
    }
    fprintf(f, ".SH EXIT STATUS\n0 success; 1 some input was bad (the rest was processed); "
               "2 usage error; 3 failure (I/O, database, internal).\n");
    fprintf(f, ".SH SEE ALSO\nThe project's docs/ folder: architecture.md, model.md, "
               "engine.md, registry.md, cluster.md.\n");
}

/* ---- Bash completion -------------------------------------------------- */

/* Completion nodes: every command name and every proper word prefix of
 * one ("registry", "registry user"), each once. */
#define MAX_NODES 64
static size_t completion_nodes(const pw_cli_cmd *const *cmds, size_t n, char nodes[][64])
{
    size_t k = 0;
    for (size_t c = 0; c < n; c++) {
        const char *name = cmds[c]->name;
        for (const char *p = name;; p++) {
            if (*p != ' ' && *p)
                continue;
            size_t len = (size_t)(p - name), j;
            for (j = 0; j < k; j++)
                if (strlen(nodes[j]) == len && strncmp(nodes[j], name, len) == 0)
                    break;
            if (j == k && k < MAX_NODES && len < 64) {
                memcpy(nodes[k], name, len);
                nodes[k++][len] = 0;
            }
            if (!*p)
                break;
        }
    }
    return k;
}

/* The words that may follow `node` ("registry" -> "init user import ..."). */
static void next_words(FILE *f, const pw_cli_cmd *const *cmds, size_t n, const char *node)
{
    size_t len = strlen(node);
    char seen[MAX_NODES][64];
    size_t n_seen = 0;
    for (size_t c = 0; c < n; c++) {
        const char *name = cmds[c]->name;
        if (strncmp(name, node, len) != 0 || name[len] != ' ')
            continue;
        const char *w = name + len + 1, *end = strchr(w, ' ');
        size_t wl = end ? (size_t)(end - w) : strlen(w), j;
        for (j = 0; j < n_seen; j++)
            if (strlen(seen[j]) == wl && strncmp(seen[j], w, wl) == 0)
                break;
        if (j < n_seen || n_seen == MAX_NODES || wl >= 64)
            continue;
        memcpy(seen[n_seen], w, wl);
        seen[n_seen++][wl] = 0;
        fprintf(f, "%.*s ", (int)wl, w);
    }
}

static void option_cases(FILE *f, const pw_cli_cmd *cmd)
{
    fprintf(f, "        case \"$prev\" in\n");
    for (size_t i = 0; i < cmd->n_opts; i++) {
        const pw_cli_opt *o = &cmd->opts[i];
        if (o->type == PW_OPT_FLAG)
            continue;
        fprintf(f, "        --%s", o->name);
        if (o->shrt)
            fprintf(f, "|-%c", o->shrt);
        if (o->choices) {
            fprintf(f, ") COMPREPLY=($(compgen -W \"");
            for (const char *p = o->choices; *p; p++)
                fputc(*p == '|' ? ' ' : *p, f);
            fprintf(f, "\" -- \"$cur\"))%s; return ;;\n",
                    o->flags & PW_OPTF_FILE ? "; COMPREPLY+=($(compgen -f -- \"$cur\"))" : "");
        } else if (o->flags & PW_OPTF_DIR) {
            fprintf(f, ") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n");
        } else if (o->flags & PW_OPTF_FILE) {
            fprintf(f, ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
        } else {
            fprintf(f, ") return ;;\n");
        }
    }
    fprintf(f, "        esac\n");
}

void pw_cli_completion_bash(FILE *f)
{
    const pw_cli_cmd *const *cmds;
    size_t n = pw_cli_commands(&cmds);
    char nodes[MAX_NODES][64];
    size_t n_nodes = completion_nodes(cmds, n, nodes);
    fprintf(f, "# bash completion for pathways; generated by `pathways --completion bash`\n"
               "# from the option tables; do not edit.\n"
               "_pathways()\n{\n"
               "    local cur prev cmd w i\n"
               "    cur=${COMP_WORDS[COMP_CWORD]}\n"
               "    prev=${COMP_WORDS[COMP_CWORD-1]}\n"
               "    cmd= w=\n"
               "    # The command: the longest run of words after `pathways` that names\n"
               "    # one (run; registry import; registry user add) or leads to one.\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "        case ${COMP_WORDS[i]} in -*) break ;; esac\n"
               "        w=\"${w:+$w }${COMP_WORDS[i]}\"\n"
               "        case \"$w\" in\n");
    for (size_t k = 0; k < n_nodes; k++)
        fprintf(f, "            \"%s\") cmd=$w ;;\n", nodes[k]);
    fprintf(f, "        esac\n    done\n");
    fprintf(f, "    if [ -z \"$cmd\" ]; then\n        COMPREPLY=($(compgen -W \"");
    next_words(f, cmds, n, "");
    for (size_t c = 0; c < n; c++)
        if (!strchr(cmds[c]->name, ' '))
            fprintf(f, "%s ", cmds[c]->name);
    fprintf(f, "help --version --help --man --completion\" -- \"$cur\"))\n        return\n    fi\n");
    fprintf(f, "    case \"$cmd\" in\n");
    for (size_t k = 0; k < n_nodes; k++) {
        const pw_cli_cmd *cmd = NULL;
        for (size_t c = 0; c < n; c++)
            if (strcmp(cmds[c]->name, nodes[k]) == 0)
                cmd = cmds[c];
        fprintf(f, "    \"%s\")\n", nodes[k]);
        if (cmd)
            option_cases(f, cmd);
        fprintf(f, "        COMPREPLY=($(compgen -W \"");
        for (size_t i = 0; cmd && i < cmd->n_opts; i++)
            if (!(cmd->opts[i].flags & PW_OPTF_HIDDEN))
                fprintf(f, "--%s ", cmd->opts[i].name);
        next_words(f, cmds, n, nodes[k]);
        fprintf(f, "\" -- \"$cur\"))\n");
        if (cmd && cmd->operands)
            fprintf(f, "        [[ $cur == -* ]] || COMPREPLY+=($(compgen -f -- \"$cur\"))\n");
        fprintf(f, "        ;;\n");
    }
    fprintf(f, "    esac\n}\ncomplete -F _pathways pathways\n");
}
