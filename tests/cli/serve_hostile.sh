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

# feature names and values with quotes, backslashes, new lines and braces: /metrics stays valid
"$PY" - <<'EOT'
import json
f1, f2 = 'q"uo\\te\nnl}', 'é{x="1"}'
json.dump({"name": "evil", "task": "binary", "features": [{"name": f1, "type": "numeric"},
           {"name": f2, "type": "categorical"}], "sensitive": [f2], "window": {"count": 10}},
          open("evil.json", "w"), ensure_ascii=False)
json.dump([{"id": i, "features": {f1: i, f2: 'a"b\n\\' if i % 2 else "z"}, "prediction": 0.5,
            "label": i % 2} for i in range(10)], open("evil_recs.json", "w"), ensure_ascii=False)
EOT
post_json /v1/models evil.json
check_http "a model with hostile feature names registered" 201
post_json /v1/models/evil/predictions evil_recs.json
check_eq "its records accepted, a window closed" "$HTTP $(jget resp 'd["accepted"], d["windows_closed"]')" "200 [10, [0]]"
api GET /metrics
if promtool check metrics <"$T/resp" >promtool.out 2>&1; then
    pass "/metrics with hostile label values: promtool check metrics"
else
    fail "/metrics with hostile label values: promtool check metrics" "$(head -c 300 promtool.out)"
fi
api GET /v1/models/evil/windows/0
check_eq "its window report is JSON" "$HTTP $(jget resp 'd["window"]["rows"]')" "200 10"

check_eq "the daemon is still running" "$(kill -0 "$SERVE_PID" 2>/dev/null && echo up)" up
api GET /healthz
check_http "/healthz" 200
stop_daemon TERM
check_eq "SIGTERM exits 0" "$STOP_RC" 0
check_logs_clean "no sanitizer report in the daemon log"
finish
