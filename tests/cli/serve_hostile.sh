#!/usr/bin/env bash
# vigia serve against hostile clients: malformed JSON (truncated, garbage and NUL bytes, invalid
# UTF-8, nesting 1e5 deep, huge numbers, NaN literals, duplicate keys), wrong types, missing and
# unknown fields, unknown models, bodies over the cap (Content-Length and chunked), wrong media
# types, empty bodies, thousands of bad requests, 50 slowloris connections - while a client posts
# good batches throughout. The daemon must answer each with the right status and a JSON body
# naming the record and field, keep serving normal clients promptly, stay up with bounded memory,
# and count every acknowledged good record. The clients are tests/cli/hostile.py.
#
#   VIGIA=build/vigia bash tests/cli/serve_hostile.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

cat >hostile.yaml <<'EOT'
max_body_bytes: 1MiB
max_records_per_batch: 10000
batch_mode: reject
tick: 200ms
retention: 0
log_level: info
models:
  - name: h
    task: binary
    features:
      - {name: a, type: numeric, required: true}
      - {name: c, type: categorical}
    window: {duration: 1h}
EOT

# memory bound: the sanitizer build keeps freed blocks in quarantine (kept small here)
RSS_BOUND=48
if nm "$VIGIA" 2>/dev/null | grep -q __asan_init; then
    export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
    RSS_BOUND=160
fi

if ! start_daemon "$T/data" --config hostile.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi
pass "start"

timeout 120 "$PY" "$CLI_DIR/hostile.py" "$SERVE_PID" "$SERVE_PORT" "$RSS_BOUND" >hostile.out 2>&1
rc=$?
cat hostile.out
NPASS=$((NPASS + $(grep -c '^PASS ' hostile.out)))
NFAIL=$((NFAIL + $(grep -c '^FAIL ' hostile.out)))
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' hostile.out; then
    fail "hostile clients" "exit status $rc: $(tail -c 400 hostile.out)"
fi

check_eq "the daemon is still running" "$(kill -0 "$SERVE_PID" 2>/dev/null && echo up)" up
api GET /healthz
check_http "/healthz" 200
stop_daemon TERM
check_eq "SIGTERM exits 0" "$STOP_RC" 0
check_logs_clean "no sanitizer report in the daemon log"
finish
