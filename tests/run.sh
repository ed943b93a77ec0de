#!/usr/bin/env bash
# Runs every test suite against each build directory given (default: build), then prints
# one closing line "N passed, N failed". Suites:
#   unit    cmocka binaries in BUILD/tests/ (each prints its own pass/fail lines)
#   cli     tests/cli/*.sh: the vigia binary end to end, including every error path
#   oracle  tests/oracle/*.py: results checked against numpy/pandas/scipy (/usr/bin/python3)
#   browser tests/browser/*.py: the HTML report rendered in headless Chromium
#   fuzz    libFuzzer targets in build/fuzz/, a short run over the seed corpus (first build only)
# Each suite reports "PASS name" / "FAIL name" lines; this script counts them.
set -u
cd "$(dirname "$0")/.."
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(build)
PYTHON=${PYTHON:-/usr/bin/python3}
FUZZ_RUNS=${FUZZ_RUNS:-20000}
# and at most this many seconds each (fuzz_serve_api sends real requests: a few hundred a second)
FUZZ_MAX_SECONDS=${FUZZ_MAX_SECONDS:-25}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0
failed=0
failures=()

record() { # name status
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

# A suite prints PASS/FAIL lines; count them, and count a crash of the suite as a failure.
run_suite() { # label command...
    local label=$1; shift
    local out="$log/out"
    "$@" >"$out" 2>&1
    local rc=$?
    local p f
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    grep -E '^(FAIL|ERROR)' -A20 "$out" | head -80
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1)); failures+=("$label (exit $rc)")
        tail -30 "$out"
    fi
    grep '^FAIL ' "$out" | sed "s|^FAIL |$label: |" | while read -r l; do echo "  failed: $l"; done
    printf '%-40s %4d passed, %d failed\n' "$label" "$p" "$f"
    grep '^FAIL ' "$out" | while read -r l; do echo "$label: $l" >>"$log/failures"; done
}

for b in "${builds[@]}"; do
    echo "== $b"
    for t in "$b"/tests/test_*; do
        [ -x "$t" ] || continue
        # cmocka's own summary lines are converted to PASS/FAIL lines per test
        run_suite "$b unit $(basename "$t")" bash -c \
            "CMOCKA_MESSAGE_OUTPUT=stdout '$t' | sed -E 's/^\[       OK \] (.*)/PASS \1/; s/^\[  FAILED  \] ([^ ]+)$/FAIL \1/'; exit \${PIPESTATUS[0]}"
    done
    for t in tests/cli/*.sh; do
        run_suite "$b cli $(basename "$t" .sh)" env VIGIA="$b/vigia" bash "$t"
    done
    for t in tests/browser/test_*.py; do
        run_suite "$b browser $(basename "$t" .py)" env VIGIA="$b/vigia" "$PYTHON" "$t"
    done
    for t in tests/oracle/test_*.py; do
        [ -f "$t" ] || continue
        run_suite "$b oracle $(basename "$t" .py)" env VIGIA="$b/vigia" "$PYTHON" "$t"
    done
done

if [ -d build/fuzz ]; then
    echo "== fuzz (${FUZZ_RUNS} runs or ${FUZZ_MAX_SECONDS} s each, after the whole seed corpus)"
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f")
        corpus=tests/fuzz/corpus/$name
        # new inputs go to the first directory: a scratch one, so the repo's corpus stays as is
        mkdir -p "$log/corpus-$name"
        if "$f" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_MAX_SECONDS" -seed=1 "$log/corpus-$name" \
            "$corpus" >"$log/fuzz" 2>&1; then
            record "fuzz $name" 0
            printf '%-40s ok\n' "fuzz $name"
        else
            record "fuzz $name" 1
            tail -40 "$log/fuzz"
        fi
    done
fi

echo
if [ -f "$log/failures" ] || [ ${#failures[@]} -gt 0 ]; then
    echo "failures:"
    [ -f "$log/failures" ] && sed 's/^/  /' "$log/failures"
    for f in "${failures[@]}"; do echo "  $f"; done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
