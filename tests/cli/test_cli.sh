#!/bin/sh
# The command line's front door: help, version, unknown commands, exit codes.
set -u
fail=0
check() { # check DESCRIPTION EXPECTED_EXIT COMMAND...
    desc=$1; want=$2; shift 2
    "$@" >/tmp/pw_cli_out.$$ 2>&1; got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $desc: exit $got, wanted $want"; cat /tmp/pw_cli_out.$$; fail=1
    else
        echo "ok: $desc"
    fi
}
check "--version" 0 "$PW_BIN" --version
"$PW_BIN" --version | grep -q '^pathways [0-9]' || { echo "FAIL: version text"; fail=1; }
check "help" 0 "$PW_BIN" help
for c in run assess regimes params calibrate sensitivity registry serve; do
    "$PW_BIN" help | grep -q "^  $c " || { echo "FAIL: help lists $c"; fail=1; }
done
check "no arguments is a usage error" 2 "$PW_BIN"
check "unknown command" 2 "$PW_BIN" frobnicate
grep -q "unknown command 'frobnicate'" /tmp/pw_cli_out.$$ || { echo "FAIL: names the command"; fail=1; }
check "help of an unknown command" 2 "$PW_BIN" help frobnicate
rm -f /tmp/pw_cli_out.$$
exit $fail
