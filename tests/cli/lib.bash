# Helpers shared by the tests/cli/*.sh suites (sourced; not a suite itself, hence .bash).
#
#   VIGIA=build/vigia bash tests/cli/X.sh
#
# Each check prints one line, "PASS <name>" or "FAIL <name>: <detail>"; tests/run.sh counts
# them. Every suite works in a private mktemp -d directory (its cwd, so that file names in
# vigia's messages are short and predictable), removed on exit.
set -u

VIGIA=${VIGIA:-build/vigia}
case $VIGIA in /*) ;; *) VIGIA=$PWD/$VIGIA ;; esac
PY=/usr/bin/python3
CLI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CLI_DIR/../.." && pwd)
# Sanitizer builds (VIGIA=build/asan/vigia): leaks and UB are errors; any report fails the
# check that ran the command (see sanitizer_clean).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# strerror() texts are checked; keep them in English.
export LC_ALL=C

if [ ! -x "$VIGIA" ]; then
    echo "FAIL setup: $VIGIA is not an executable (build it first)"
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vigia-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

NPASS=0
NFAIL=0
pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $1: $2"; NFAIL=$((NFAIL + 1)); }

# run [cmd-args...]: runs vigia with the given arguments; stdout -> $T/out, stderr -> $T/err,
# exit status -> RC. A hang is cut after 60 s (RC 124).
RC=0
run() {
    timeout 60 "$VIGIA" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# run_in FILE [cmd-args...]: same, with FILE as standard input.
run_in() {
    local in=$1
    shift
    timeout 60 "$VIGIA" "$@" <"$in" >"$T/out" 2>"$T/err"
    RC=$?
}

# One line of stderr, for failure details.
err_line() { tr '\n' ' ' <"$T/err" | cut -c1-300; }

# Problems every run must be free of, whatever it was testing.
sanitizer_clean() {
    ! grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$T/err"
}

# expect NAME RC [FIXED-STRING...]: the last run exited with RC, and its stderr contains each
# string (fixed strings, not patterns). With a non-zero RC, stdout must be empty (no partial
# report). Any sanitizer report fails the check.
expect() {
    local name=$1 want=$2
    shift 2
    if ! sanitizer_clean; then
        fail "$name" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
        return 1
    fi
    if [ "$RC" -ne "$want" ]; then
        fail "$name" "exit status $RC, expected $want; stderr: $(err_line)"
        return 1
    fi
    local s
    for s in "$@"; do
        if ! grep -qF -- "$s" "$T/err"; then
            fail "$name" "stderr lacks '$s'; stderr: $(err_line)"
            return 1
        fi
    done
    if [ "$want" -ne 0 ] && [ -s "$T/out" ]; then
        fail "$name" "error exit but stdout is not empty: $(head -c 200 "$T/out")"
        return 1
    fi
    pass "$name"
}

# expect_re NAME RC ERE: like expect, with one extended regular expression.
expect_re() {
    local name=$1 want=$2 re=$3
    if ! sanitizer_clean; then
        fail "$name" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
        return 1
    fi
    if [ "$RC" -ne "$want" ]; then
        fail "$name" "exit status $RC, expected $want; stderr: $(err_line)"
        return 1
    fi
    if ! grep -qE -- "$re" "$T/err"; then
        fail "$name" "stderr does not match /$re/; stderr: $(err_line)"
        return 1
    fi
    pass "$name"
}

# JSON queries go to one long-running python process (starting python for each query would
# dominate the runtime): a request is "FILE<US>EXPR" on one line, the answer one line.
mkfifo "$T/.jq.req" "$T/.jq.resp" || exit 1
"$PY" -u -c '
import json, sys
for req in sys.stdin:
    path, _, expr = req.rstrip("\n").partition("\x1f")
    try:
        d = json.load(open(path))
        v = eval(expr, {"d": d, "json": json})
        if isinstance(v, (dict, list, tuple)) or (isinstance(v, str) and ("\n" in v or v != v.strip())):
            out = json.dumps(v, sort_keys=True)
        else:
            out = str(v)
    except Exception as e:
        out = "ERROR: %s: %s" % (type(e).__name__, e)
    sys.stdout.write(out.replace("\n", "\\n") + "\n")
' <"$T/.jq.req" >"$T/.jq.resp" &
JQ_PID=$!
exec 7>"$T/.jq.req" 8<"$T/.jq.resp"
trap 'exec 7>&-; wait $JQ_PID 2>/dev/null; rm -rf "$T"' EXIT

# jget FILE EXPR: evaluates a Python expression over the JSON document d read from FILE (a
# path relative to $T) and prints the result on one line (json.dumps for containers and for
# strings with line breaks, str otherwise), or "ERROR: ..." when the file is not JSON or the
# expression fails.
jget() {
    local line
    printf '%s\x1f%s\n' "$1" "${2//$'\n'/ }" >&7
    IFS= read -r -t 60 line <&8 || line="ERROR: no answer from the JSON helper"
    printf '%s\n' "$line"
}

# jmany FILE EXPR...: jget for each expression, one line each; use as
#   mapfile -t R < <(jmany out 'd["rows"]' 'd["bad_rows"]')
jmany() {
    local f=$1 e
    shift
    for e in "$@"; do jget "$f" "$e"; done
}

# check_eq NAME GOT WANT [context]
check_eq() {
    if [ "$2" == "$3" ]; then
        pass "$1"
    else
        fail "$1" "got '$2', expected '$3'${4:+ ($4)}"
    fi
}

# check_absent NAME FILE...: none of the files exists (a failed command left nothing behind,
# not even save's temporary FILE.tmp*).
check_absent() {
    local name=$1 f
    shift
    for f in "$@"; do
        if compgen -G "$f*" >/dev/null; then
            fail "$name" "$(compgen -G "$f*" | tr '\n' ' ')exists"
            return 1
        fi
    done
    pass "$name"
}

# json_ok NAME: the last run exited 0, cleanly, and printed a JSON document.
json_ok() {
    if ! sanitizer_clean; then
        fail "$1" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
        return 1
    fi
    if [ "$RC" -ne 0 ]; then
        fail "$1" "exit status $RC; stderr: $(err_line)"
        return 1
    fi
    if [ "$(jget "$T/out" True)" != True ]; then
        fail "$1" "stdout is not JSON: $(head -c 200 "$T/out")"
        return 1
    fi
    return 0
}

# summary of a profile JSON as one comparable line: rows, then per column
# name:type:count:missing:min:max:distinct.
SUMMARY='(d["rows"], [(c, v["type"], v["count"], v["missing"], v["min"], v["max"], v["distinct"]) for c, v in d["columns"].items()])'

# Exit status 1 when a check failed (tests/run.sh counts the FAIL lines, not this status).
finish() {
    [ "$NFAIL" -eq 0 ]
    exit $?
}
