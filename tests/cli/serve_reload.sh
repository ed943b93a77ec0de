#!/usr/bin/env bash
# vigia serve: SIGHUP reloads the config (live settings change, the others are logged as
# needing a restart, a bad file keeps the running settings), batch_mode partial keeps the good
# records of a batch, and concurrent clients all get their records counted (group commit).
#
#   VIGIA=build/vigia bash tests/cli/serve_reload.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

# listen and data_dir of the file are overridden by the flags of start_daemon
cat >serve.yaml <<'EOF'
listen: 127.0.0.1:9
data_dir: /nonexistent/vigia
batch_mode: reject
tick: 1s
models:
  - name: m1
    task: binary
    features: [{name: a, type: numeric}, {name: b, type: categorical}]
    window: {duration: 1h}
EOF
cat >mixed.json <<'EOF'
[{"id": "1", "timestamp": "2026-02-01T00:00:01Z", "features": {"a": 1, "b": "x"}, "prediction": 0.2},
 {"id": "2", "timestamp": "2026-02-01T00:00:02Z", "features": {"a": "NaNa", "b": "x"}, "prediction": 0.2},
 {"id": "3", "timestamp": "2026-02-01T00:00:03Z", "features": {"a": 3, "b": "y"}, "prediction": 0.9},
 {"id": "4", "timestamp": "2026-02-01T00:00:04Z", "features": {"a": {"x": 4}, "b": "y"}, "prediction": 0.5}]
EOF

if ! start_daemon "$T/data" --config serve.yaml; then
    fail "start" "the daemon did not become ready"
    finish
fi
api GET /v1/models/m1
check_http "model of the config registered at start" 200
check_eq "flags override listen and data_dir of the file" \
    "$(grep -c "listening on 127.0.0.1:$SERVE_PORT, data in $T/data\$" "$SERVE_LOG")" 1
post_json /v1/models/m1/predictions mixed.json
check_http "reject mode: a batch with bad records is 400" 400
check_eq "reject mode: nothing accepted" "$(jget resp 'd["accepted"]')" 0

# wait_log PATTERN: the daemon log shows PATTERN within 10 s
wait_log() {
    local i
    for i in $(seq 1 100); do
        grep -qF -- "$1" "$SERVE_LOG" && return 0
        sleep 0.1
    done
    return 1
}

cat >serve.yaml <<'EOF'
listen: 127.0.0.1:10
data_dir: /nonexistent/elsewhere
batch_mode: partial
tick: 1s
threads: 2
models:
  - name: m1
    task: binary
    features: [{name: a, type: numeric}, {name: b, type: categorical}]
    window: {duration: 1h}
  - name: m2
    task: regression
    features: [{name: a, type: numeric}]
EOF
kill -HUP "$SERVE_PID"
if wait_log "configuration reloaded"; then pass "SIGHUP reloads"; else
    fail "SIGHUP reloads" "$(tail -5 "$SERVE_LOG")"; fi
check_eq "reload logs the change" "$(grep -c 'batch_mode reject -> partial' "$SERVE_LOG")" 1
check_eq "reload logs what needs a restart" "$(grep -c 'threads 4 -> 2 needs a restart' "$SERVE_LOG")" 1
check_eq "reload: flags still override the file" "$(grep -cE 'listen .* needs|data_dir .* needs' "$SERVE_LOG")" 0
api GET /v1/models/m2
check_http "model added to the config registered on reload" 200

post_json /v1/models/m1/predictions mixed.json
check_http "partial mode: 200" 200
check_eq "partial mode: the good records accepted, the bad listed" \
    "$(jget resp '(d["accepted"], [r["index"] for r in d["rejected"]])')" '[2, [1, 3]]'
api GET /v1/models/m1/rejected
check_eq "dead letters of both batches" "$(jget resp 'd["total"]')" 4

printf 'batch_mode: [oops\n' >serve.yaml
kill -HUP "$SERVE_PID"
if wait_log "config not reloaded"; then pass "bad config on SIGHUP is logged"; else
    fail "bad config on SIGHUP is logged" "$(tail -3 "$SERVE_LOG")"; fi
post_json /v1/models/m1/predictions mixed.json
check_eq "bad config keeps the running settings (partial)" "$HTTP:$(jget resp 'd["accepted"]')" "200:2"

# ---- concurrent clients: 6 x 10 batches of 50 records ----
"$PY" - <<'EOF'
import json
for c in range(6):
    for b in range(10):
        json.dump([{"id": "c%d-%d-%d" % (c, b, i), "timestamp": "2026-02-01T00:%02d:%02dZ" % (10 + b, i),
                    "features": {"a": i, "b": "z"}, "prediction": 0.5} for i in range(50)],
                  open("c%d_%d.json" % (c, b), "w"))
EOF
for c in 0 1 2 3 4 5; do
    (
        for b in 0 1 2 3 4 5 6 7 8 9; do
            curl -s -m 30 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
                --data-binary "@c${c}_$b.json" "http://127.0.0.1:$SERVE_PORT/v1/models/m1/predictions"
        done >"codes$c"
    ) &
    EXTRA_PIDS+=($!) # killed by the EXIT trap should the suite end early
done
wait_clients() {
    local i
    for i in $(seq 1 600); do
        [ "$(cat codes* 2>/dev/null | wc -l)" -ge 60 ] && return 0
        sleep 0.1
    done
}
wait_clients
check_eq "60 concurrent batches acknowledged" "$(cat codes* | grep -c '^200$')" 60
api GET /v1/models/m1
check_eq "every concurrent record counted" "$(jget resp 'd["stats"]["open_rows"]')" 3004
api GET /metrics
cp "$T/resp" metrics.txt
commits=$(awk '$1 == "vigia_journal_commits_total" {print $2}' metrics.txt)
entries=$(awk '$1 == "vigia_journal_entries_total" {print $2}' metrics.txt)
check_eq "journal entries counted" "$entries" 62
if [ -n "$commits" ] && [ "$commits" -le "$entries" ]; then pass "group commit: commits <= entries ($commits <= $entries)"; else
    fail "group commit" "commits $commits, entries $entries"; fi

# ---- spec replaced (PUT) while clients post: every acknowledged record lands in a window ----
"$PY" - <<'EOF'
import json
for v in range(6):
    json.dump({"name": "m3", "version": "v%d" % v, "task": "regression",
               "features": [{"name": "a", "type": "numeric"}], "window": {"duration": "1h"}},
              open("m3_v%d.json" % v, "w"))
for c in range(4):
    for b in range(10):
        json.dump([{"id": "m3-%d-%d-%d" % (c, b, i), "timestamp": "2026-03-01T00:%02d:%02dZ" % (b, i),
                    "features": {"a": i}, "prediction": i * 0.1} for i in range(50)],
                  open("m3_%d_%d.json" % (c, b), "w"))
EOF
post_json /v1/models m3_v0.json
rm -f m3codes*
for c in 0 1 2 3; do
    (
        for b in 0 1 2 3 4 5 6 7 8 9; do
            curl -s -m 30 -o "m3resp_${c}_$b" -w '%{http_code}\n' -H 'Content-Type: application/json' \
                --data-binary "@m3_${c}_$b.json" "http://127.0.0.1:$SERVE_PORT/v1/models/m3/predictions"
        done >"m3codes$c"
    ) &
    EXTRA_PIDS+=($!)
done
puts=0
for v in 1 2 3 4 5; do
    api PUT /v1/models/m3 -H 'Content-Type: application/json' --data-binary "@m3_v$v.json"
    [ "$HTTP" = 200 ] && puts=$((puts + 1))
done
for i in $(seq 1 600); do
    [ "$(cat m3codes* 2>/dev/null | wc -l)" -ge 40 ] && break
    sleep 0.1
done
check_eq "spec replaced 5 times while posting" "$puts" 5
# a replacement closes the open window: later records of its hour are late (400 in reject
# mode), the others acknowledged; none is lost and none counted twice
check_eq "40 batches answered 200 or 400 across the replacements" \
    "$(cat m3codes* | grep -cE '^(200|400)$')" 40
accepted=$("$PY" -c '
import glob, json
print(sum(json.load(open(f))["accepted"] for f in glob.glob("m3resp_*")))')
api POST /v1/models/m3/flush
api GET /v1/models/m3/windows
check_eq "every acknowledged record in a persisted window, once" \
    "$(jget resp 'sum(w["rows"] for w in d["windows"])')" "$accepted"
check_eq "some records acknowledged" "$([ "$accepted" -gt 0 ] && echo yes)" yes
api GET /v1/models/m3
check_eq "the last spec is in force" "$(jget resp 'd["spec"]["version"]')" v5

# one daemon per data directory
run serve --auth off --listen 127.0.0.1:0 --data-dir "$T/data"
expect "a second daemon on the same data directory: exit 2" 2 "in use by another process"

stop_daemon INT
check_eq "SIGINT exits 0" "$STOP_RC" 0

# ---- retention: windows whose end is older than 2 s are deleted within ticks ----
cat >ret.yaml <<'EOF'
retention: 2s
tick: 100ms
models:
  - {name: r, task: regression, features: [{name: x, type: numeric}], window: {count: 5}}
EOF
if start_daemon "$T/data_ret" --config ret.yaml; then
    "$PY" -c 'import json; json.dump([{"id": str(i), "timestamp": "2026-01-01T00:00:%02dZ" % i, "features": {"x": i}, "prediction": i} for i in range(10)], open("ret.json", "w"))'
    post_json /v1/models/r/predictions ret.json
    check_eq "retention: two count windows closed" "$HTTP $(jget resp 'len(d["windows_closed"])')" "200 2"
    left=
    for i in $(seq 1 50); do
        api GET /v1/models/r/windows
        left=$(jget resp 'len(d["windows"])')
        [ "$left" = 0 ] && break
        sleep 0.1
    done
    check_eq "retention: old windows deleted" "$left" 0
    # one tick may find both windows, or each in its own tick (the second can be stored after
    # the first tick ran): the deletions logged add up to 2
    check_eq "retention: logged" "$(sed -n 's/.*retention: \([0-9]*\) windows\{0,1\} older than 2 s deleted.*/\1/p' \
        "$SERVE_LOG" | awk '{ s += $1 } END { print s + 0 }')" 2
    stop_daemon TERM
    check_eq "SIGTERM exits 0" "$STOP_RC" 0
else
    fail "retention daemon" "not ready"
fi
check_logs_clean "no sanitizer report in the daemon logs"
finish
