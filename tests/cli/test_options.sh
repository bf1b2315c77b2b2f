#!/bin/sh
# One command-line layer: every command's --help exits 0 and lists every
# option of its table (read back from the generated completion, which is
# generated from the same tables); the man page and the bash completion are
# generated and name every command; an option has one range everywhere and
# a bad value is refused with the option's name and its range; --format
# csv|json where a command writes data to stdout.
set -u
fail=0
work=$(mktemp -d /tmp/pw_opts.XXXXXX)
trap 'rm -rf "$work"' EXIT
no() { echo "FAIL: $*"; fail=1; }
cd "$work" || exit 1

"$PW_BIN" --man > man.1 || no "--man exits 0"
"$PW_BIN" --completion bash > comp.bash || no "--completion bash exits 0"
"$PW_BIN" --completion zsh > /dev/null 2>&1 && no "--completion zsh accepted"
bash -n comp.bash || no "the completion is not valid bash"

# Every command: from `pathways --help`, plus the registry's own.
cmds=$("$PW_BIN" --help | sed -n 's/^  \([a-z]*\) .*/\1/p' | grep -v '^help$')
[ "$(echo "$cmds" | wc -l)" -ge 8 ] || no "pathways --help lists only: $cmds"
for c in $cmds "registry import" "registry report" "registry user add" "registry audit verify" \
    "registry backup" "registry restore"; do
    grep -q "^\.SS \"pathways $c\"" man.1 || no "man page lacks $c"
    grep -q "^    \"$c\")" comp.bash || no "completion lacks $c"
    # shellcheck disable=SC2086
    "$PW_BIN" $c --help > help.out 2> help.err || no "$c --help exits non-zero"
    head -1 help.out | grep -q "^usage: pathways $c " || no "$c --help is not its own: $(head -1 help.out)"
    # The options of the command's table, as the completion offers them.
    opts=$(sed -n "/^    \"$c\")/,/^        ;;\$/p" comp.bash | sed -n 's/^        COMPREPLY=(\$(compgen -W "\([^"]*\)".*/\1/p')
    [ -n "$opts" ] || no "no options found for $c"
    for o in $opts; do
        case $o in --*) ;; *) continue ;; esac
        grep -q -- "$o" help.out || no "$c --help does not list $o"
        # roff spells every hyphen \- (a minus, not a hyphenation point).
        grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" man.1 || no "the man page does not list $c $o"
    done
done
# The tables hold what the commands take (a check that the read-back above
# found something real).
sed -n '/^    "run")/,/^        ;;$/p' comp.bash | grep -q -- '--sweep' || no "run's table lacks --sweep"
"$PW_BIN" run --help | tr '\n' ' ' | tr -s ' ' | grep -q -- '--runs N runs per regime (or per setting); an integer in 1..100000; default 12' \
    || no "run --help states the range and the default of --runs"
# `registry import --help` is import's, not the whole registry's.
"$PW_BIN" registry import --help > ih.out
grep -q -- '--batch' ih.out || no "registry import --help lacks --batch"
grep -q 'audit checkpoint' ih.out && no "registry import --help prints the whole registry help"

# The completion at work.
cat > try.bash <<'SH'
. ./comp.bash
try() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _pathways; echo "${COMPREPLY[*]}"; }
try pathways ru
try pathways run --eng
try pathways run --engine ''
try pathways registry imp
try pathways registry user ro
try pathways registry report --kind tdi
try pathways params --format ''
SH
bash try.bash > try.out 2>&1 || no "completion script fails: $(cat try.out)"
sed -n 1p try.out | grep -qx 'run' || no "completes commands: $(sed -n 1p try.out)"
sed -n 2p try.out | grep -qx -- '--engine' || no "completes options: $(sed -n 2p try.out)"
sed -n 3p try.out | grep -qx 'abm meanfield' || no "completes choices: $(sed -n 3p try.out)"
sed -n 4p try.out | grep -qx 'import' || no "completes registry commands: $(sed -n 4p try.out)"
sed -n 5p try.out | grep -qx 'rotate' || no "completes three-word commands: $(sed -n 5p try.out)"
sed -n 6p try.out | grep -qx 'tdi-export' || no "completes report kinds: $(sed -n 6p try.out)"
sed -n 7p try.out | grep -qx 'csv json' || no "completes --format: $(sed -n 7p try.out)"
if command -v man > /dev/null 2>&1; then
    MANWIDTH=80 man -l man.1 > man.txt 2> man.err || no "man cannot render the page: $(cat man.err)"
    grep -q "pathways run" man.txt || no "rendered man page lacks pathways run"
fi

# One range per option, the same in every command, named in the error.
range() { # EXPECTED-MESSAGE COMMAND...
    msg=$1
    shift
    "$PW_BIN" "$@" > /dev/null 2> r.err
    st=$?
    [ "$st" -eq 2 ] || no "$*: exit $st, not 2"
    grep -q -- "$msg" r.err || no "$*: message lacks '$msg': $(cat r.err)"
}
for c in run sensitivity calibrate; do
    range "--threads must be an integer in 0..1024, not '2000'" $c --threads 2000
    range "--seed must be a non-negative integer, not '-1'" $c --seed -1
    range "--scale must be a number in (0, 1\], not '0'" $c --scale 0
done
range "--threads must be an integer in 0..1024, not '2000'" serve --threads 2000
for c in run sensitivity; do
    range "--years must be an integer in 1..500, not '0'" $c --years 0
done
range "--years must be an integer in 1..500, not '501'" run --engine meanfield --years 501
range "--runs must be an integer in 1..100000, not '0'" run --runs 0
range "--runs needs a value (an integer in 1..100000)" run --runs
range "--engine must be one of abm|meanfield, not 'ode'" run --engine ode
range "--format must be one of csv|json, not 'xml'" params --format xml
range "--quantile must be a number in (0, 1), not '1'" calibrate --quantile 1
range "--batch must be an integer in 1..1000000, not '0'" registry import --db x.db --batch 0
range "--port must be an integer in 0..65535, not '70000'" serve --port 70000
range "unknown option '--bogus'" assess --bogus
range "--quiet takes no value" run --quiet=1
# An empty regime name is refused (the record names regimes by position).
range "--regime 'kz-current,,hybrid' has an empty name" run --regime kz-current,,hybrid
range "--regime 'hybrid,' has an empty name" run --regime hybrid,
# A repeated option takes its last value, as with getopt (each value is
# still checked as it comes).
"$PW_BIN" run --runs 3 --runs 1 --years 1 --scale 0.001 --regime hybrid --quiet --out last \
    2> last.err || no "a repeated option: $(cat last.err)"
grep -q '"runs": 1,' last/summary.json || no "a repeated option takes the last value"

# --format where a command writes data.
"$PW_BIN" params --format json > p.json || no "params --format json"
python3 -c 'import json,sys; d=json.load(open("p.json")); assert len(d) >= 50 and "min" in d[0]' \
    || no "params --format json is not a list of parameters"
"$PW_BIN" params --format csv | head -1 | grep -q '^name,value,min,max' || no "params --format csv"
"$PW_BIN" params --csv --format json > /dev/null 2>&1; [ $? -eq 2 ] || no "--csv with --format json accepted"
"$PW_BIN" regimes --format csv > r.csv || no "regimes --format csv"
head -1 r.csv | grep -qx 'name,title,summary,rules' || no "regimes csv header: $(head -1 r.csv)"
[ "$(wc -l < r.csv)" -ge 6 ] || no "regimes csv has a row per regime"
"$PW_BIN" regimes --format json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) >= 5' \
    || no "regimes --format json"
"$PW_BIN" regimes --json | python3 -c 'import json,sys; json.load(sys.stdin)' || no "regimes --json still works"
# A registry report in the other format is refused before it runs, whether
# asked by --format or by the output's name.
range "the tdi-export report is CSV, not json" registry report --db x.db --as t --kind tdi-export --format json
range "the tdi-export report is CSV, not xlsx" registry report --db x.db --as t --kind tdi-export --output c.xlsx
[ ! -e c.xlsx ] || no "a refused report wrote c.xlsx"

# sensitivity --params: only the listed parameters form the design (the
# JSON names them), and a name that is not a parameter with a prior is
# refused with the name in the message.
"$PW_BIN" sensitivity --engine meanfield --method morris --samples 2 --years 1 \
    --outcome prison_population_end --params initial.dependent_share,initiation.exogenous_rate \
    --json sub.json > /dev/null 2> sub.err || no "sensitivity --params: $(cat sub.err)"
python3 -c 'import json,sys; d=json.load(open("sub.json"))
assert d["parameters"] == ["initial.dependent_share", "initiation.exogenous_rate"], d["parameters"]
assert d["evaluations"] == 2 * 3, d["evaluations"]' || no "sensitivity --params did not restrict the design"
"$PW_BIN" sensitivity --engine meanfield --samples 16 --outcome prison_population_end \
    --params initial.dependent_sharx > /dev/null 2> sub.err && no "a misspelt --params name accepted"
grep -q "'initial.dependent_sharx' is not a parameter with a prior" sub.err ||
    no "--params error lacks the name: $(cat sub.err)"

[ $fail -eq 0 ] && echo "options: all checks passed"
exit $fail
