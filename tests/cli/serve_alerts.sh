#!/usr/bin/env bash
# Alerting in vigia serve, end to end (issue 7): the real daemon with a drift rule notifying a
# webhook receiver (a small python3 server of this suite), a real Alertmanager
# (/usr/bin/prometheus-alertmanager on loopback), an exec hook and the log notifier.
#
#   1. two clean windows, then drift injected: pending after one drifted window, firing after
#      the rule's for_windows (2); the webhook gets one firing notification, Alertmanager lists
#      the alert as active, the hook ran and its output is in the history;
#   2. restart while firing: still firing after the restart, no second notification;
#   3. the receiver goes down (503), the drift stops: the alert resolves, the notification is
#      retried (outbox pending, retries counted), the daemon is restarted meanwhile, and once
#      the receiver is back it gets exactly one resolved notification; Alertmanager sees the
#      alert resolved;
#   4. the API: rules, alerts, history, silences (create, list, expire), acknowledgements;
#      /metrics has the alert families;
#   5. bad rules: the daemon refuses to start; a reload with bad rules keeps the old ones.
#
#   VIGIA=build/vigia bash tests/cli/serve_alerts.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
    local secs=$1 i
    shift
    for i in $(seq 1 $((secs * 5))); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

# ---- the webhook receiver: appends each POST body as one line to hooks.ndjson; answers 503
# while the file "down" exists (the receiver is "down") ----
cat >receiver.py <<'EOF'
import http.server, json, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if os.path.exists("down"):
            with open("refused.log", "a") as f:
                f.write("x\n")
            self.send_response(503); self.end_headers(); return
        with open("hooks.ndjson", "a") as f:
            f.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
HOOK_PORT=$(free_port)
"$PY" receiver.py "$HOOK_PORT" 2>receiver.log &
EXTRA_PIDS+=($!)

# ---- Alertmanager ----
AM_PORT=$(free_port)
AM=/usr/bin/prometheus-alertmanager
cat >am.yml <<'EOF'
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
EOF
have_am=0
if [ -x "$AM" ]; then
    mkdir -p am-data
    "$AM" --config.file=am.yml --storage.path=am-data --web.listen-address=127.0.0.1:$AM_PORT \
        --cluster.listen-address= >am.log 2>&1 &
    EXTRA_PIDS+=($!)
    if wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$AM_PORT/-/ready"; then
        have_am=1
    else
        fail "alertmanager starts" "$(tail -5 am.log)"
    fi
else
    fail "alertmanager installed" "$AM missing (scripts/install-deps)"
fi

# ---- data: a reference, windows of 200 predictions without and with drift in age ----
"$PY" - <<'EOF'
import json, random
random.seed(11)
def row(drift):
    return round(random.gauss(62 if drift else 40, 6), 2), random.choice(["a", "b", "c"])
with open("ref.csv", "w") as f:
    f.write("age,region,prediction\n")
    for _ in range(2000):
        age, reg = row(False)
        f.write("%s,%s,%s\n" % (age, reg, round(random.random(), 3)))
for name, drift in [("clean", False), ("drift", True)]:
    for k in range(4):
        recs = []
        for i in range(200):
            age, reg = row(drift)
            recs.append({"id": "%s%d-%d" % (name, k, i), "features": {"age": age, "region": reg},
                         "prediction": round(random.random(), 3)})
        json.dump(recs, open("%s%d.json" % (name, k), "w"))
EOF

cat >hook.sh <<'EOF'
#!/bin/sh
# the exec notifier of this suite: says what it got (environment and stdin)
echo "hook rule=$VIGIA_ALERT_RULE state=$VIGIA_ALERT_STATE model=$VIGIA_ALERT_MODEL"
python3 -c 'import json,sys; a=json.load(sys.stdin); print("stdin fingerprint=" + a["fingerprint"])'
EOF
chmod +x hook.sh

write_config() { # $1: extra text for the rule (e.g. a broken field)
    cat >serve.yaml <<EOF
tick: 200ms
retention: 0
log_level: debug
models:
  - name: m
    task: regression
    reference: ref.csv
    features:
      - {name: age, type: numeric}
      - {name: region, type: categorical}
    window: {count: 200}
alerts:
  evaluation_interval: 1s
  notifiers:
    - {name: hook, type: webhook, url: "http://127.0.0.1:$HOOK_PORT/alert", timeout: 2s, retries: 50, backoff: 200ms, max_backoff: 1s}
    - {name: am, type: alertmanager, url: "http://127.0.0.1:$AM_PORT", timeout: 2s, retries: 50, backoff: 200ms, resend: 1s}
    - {name: script, type: exec, command: ["$T/hook.sh"], timeout: 5s}
    - {name: stderr, type: log}
  rules:
    - name: age_drift
      model: m
      feature: age
      metric: drift_score
      match: {baseline: reference}
      op: ">"
      threshold: 0.5
      clear_threshold: 0.3
      for_windows: 2
      severity: warning
      labels: {team: risk}
      annotations: {summary: "{{feature}} drifted on {{model}} (value {{value}}, threshold {{threshold}})"}
      notify: [hook, am, script, stderr]
    - name: rejects
      metric: records_rejected_share
      op: ">"
      threshold: 0.5
      severity: critical
      notify: [stderr]
$1
EOF
}
write_config ""

DATA=$T/data
start_daemon "$DATA" --config serve.yaml || exit 1

# post_window FILE: one window of 200 predictions, then a flush (the window closes now)
post_window() {
    post_json /v1/models/m/predictions "$1"
    [ "$HTTP" = 200 ] || fail "post $1" "HTTP $HTTP: $(head -c 300 "$T/resp")"
    api POST /v1/models/m/flush
}
alert_state() { # the state of the age_drift alert ("" when none)
    api GET "/v1/alerts?rule=age_drift"
    "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["state"] if a else "")' "$T/resp"
}
hooks_count() { # STATE: webhook notifications received with this state
    [ -f hooks.ndjson ] || { echo 0; return; }
    "$PY" -c 'import json,sys; print(sum(1 for l in open("hooks.ndjson") if json.loads(l)["state"] == sys.argv[1]))' "$1"
}

# ---- 1. drift fires after for_windows ----
post_window clean0.json
post_window clean1.json
st=$(alert_state)
[ -z "$st" ] && pass "no alert on clean windows" || fail "no alert on clean windows" "state '$st'"
post_window drift0.json
st=$(alert_state)
[ "$st" = pending ] && pass "one drifted window: pending" || fail "one drifted window: pending" "state '$st'"
post_window drift1.json
st=$(alert_state)
[ "$st" = firing ] && pass "two drifted windows (for_windows 2): firing" ||
    fail "two drifted windows (for_windows 2): firing" "state '$st': $(cat "$T/resp")"
api GET "/v1/alerts?rule=age_drift"
FP=$("$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["fingerprint"] if a else "")' "$T/resp")

has_hooks() { [ "$(hooks_count "$1")" -ge 1 ]; }
if wait_for 10 has_hooks firing; then
    pass "webhook: firing notification received"
else
    fail "webhook: firing notification received" "$(cat hooks.ndjson 2>/dev/null)"
fi
if [ -f hooks.ndjson ] && "$PY" - "$FP" <<'EOF'; then
import json, sys
a = json.loads(open("hooks.ndjson").readline())
assert a["fingerprint"] == sys.argv[1], a
assert a["rule"] == "age_drift" and a["model"] == "m" and a["state"] == "firing", a
assert a["labels"]["team"] == "risk" and a["labels"]["severity"] == "warning", a["labels"]
assert a["annotations"]["summary"].startswith("age drifted on m (value "), a["annotations"]
EOF
    pass "webhook body: the alert with rendered labels and annotations"
else
    fail "webhook body: the alert with rendered labels and annotations" "$(head -c 600 hooks.ndjson 2>/dev/null)"
fi

am_alerts() { # the age_drift alerts Alertmanager lists: "STATE ENDS_AT_PAST"
    curl -s -m 5 "http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22age_drift%22" |
        "$PY" -c '
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
for a in json.load(sys.stdin):
    ends = datetime.datetime.fromisoformat(a["endsAt"].replace("Z", "+00:00"))
    print(a["status"]["state"], "past" if ends <= now else "future")'
}
am_active() { [ "$(am_alerts)" = "active future" ]; }
# resolved: no longer listed, or listed with its endsAt in the past
am_resolved() { local a; a=$(am_alerts); [ -z "$a" ] || [ "${a#* }" = past ]; }
if [ $have_am = 1 ]; then
    if wait_for 20 am_active; then
        pass "alertmanager: the alert is active"
    else
        fail "alertmanager: the alert is active" "listed: '$(am_alerts)'; $(tail -3 am.log)"
    fi
fi

history_has_exec() {
    api GET "/v1/alerts/history?alert=$FP"
    "$PY" - "$T/resp" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
ok = [e for e in ev if e["kind"] == "exec" and e["detail"].get("exit_status") == 0
      and "hook rule=age_drift state=firing model=m" in e["detail"].get("output", "")
      and "stdin fingerprint=" in e["detail"]["output"]]
sys.exit(0 if ok else 1)
EOF
}
if wait_for 10 history_has_exec; then
    pass "exec hook ran: exit status and output in the history"
else
    fail "exec hook ran: exit status and output in the history" "$(head -c 800 "$T/resp")"
fi
api GET "/v1/alerts/history?alert=$FP"
if "$PY" -c '
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
tr = [e["state"] for e in ev if e["kind"] == "transition"]
assert tr == ["firing", "pending"], tr   # newest first
' "$T/resp" 2>history.err; then
    pass "history: pending then firing"
else
    fail "history: pending then firing" "$(tail -1 history.err)"
fi
grep -q 'vigia alert notifier=stderr .*"state":"firing"' "$SERVE_LOG" &&
    pass "log notifier: a structured line on stderr" ||
    fail "log notifier: a structured line on stderr" "$(grep -m2 'alert' "$SERVE_LOG")"

api GET /metrics
if grep -qE '^vigia_alert_state\{rule="age_drift",model="m",severity="warning",baseline="reference",feature="age",method="[a-z_]+"\} 2$' "$T/resp" &&
    grep -q '^vigia_alerts_firing{severity="warning"} 1$' "$T/resp" &&
    grep -q '^vigia_notifications_total{notifier="hook",result="delivered"} 1$' "$T/resp" &&
    grep -q '^vigia_notification_outbox_pending ' "$T/resp"; then
    pass "/metrics: alert state 2, firing count, notifications"
else
    fail "/metrics: alert state 2, firing count, notifications" "$(grep -E 'alert|notification' "$T/resp" | head -20)"
fi
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/resp" >promtool.out 2>&1
    # promtool lints (e.g. counters' names) are not errors; a parse error is
    ! grep -qi "error parsing" promtool.out && pass "/metrics parses with promtool" ||
        fail "/metrics parses with promtool" "$(head -5 promtool.out)"
fi

# the interval evaluation (daemon-level samples): a batch of bad records fires "rejects"
# (500 bad records: more than the last window's 200 good ones, should they share an interval)
"$PY" -c 'import json; json.dump([{"id": "bad%d" % i, "features": {"age": "old", "region": "a"}, "prediction": 0.5} for i in range(500)], open("bad.json", "w"))'
post_json /v1/models/m/predictions bad.json
check_http "a bad batch is rejected" 400
rejects_firing() {
    api GET "/v1/alerts?rule=rejects"
    grep -q '"state": *"firing"' "$T/resp"
}
if wait_for 10 rejects_firing; then
    pass "interval evaluation: records_rejected_share fires"
else
    fail "interval evaluation: records_rejected_share fires" "$(head -c 300 "$T/resp")"
fi

# ---- 2. restart while firing: no second notification ----
stop_daemon
[ "$STOP_RC" = 0 ] && pass "SIGTERM while firing: exit 0" || fail "SIGTERM while firing: exit 0" "rc $STOP_RC"
start_daemon "$DATA" --config serve.yaml || exit 1
st=$(alert_state)
[ "$st" = firing ] && pass "after a restart: still firing" || fail "after a restart: still firing" "state '$st'"
post_window drift2.json # still drifting: stays firing, nothing new to notify
sleep 1.5
n=$(hooks_count firing)
[ "$n" = 1 ] && pass "restart during firing: exactly one firing notification" ||
    fail "restart during firing: exactly one firing notification" "$n received"

# ---- 3. receiver down, drift stops, restart, receiver back ----
touch down
post_window clean2.json
st=$(alert_state)
api GET "/v1/alerts?rule=age_drift&resolved=1"
grep -q '"state": *"resolved"' "$T/resp" && pass "drift stopped: resolved" ||
    fail "drift stopped: resolved" "state '$st': $(head -c 400 "$T/resp")"
if wait_for 10 test -s refused.log; then
    pass "receiver down: the notification was attempted"
else
    fail "receiver down: the notification was attempted" "no attempt"
fi
sleep 1
api GET /metrics
if grep -qE '^vigia_notification_outbox_pending [1-9]' "$T/resp" &&
    grep -qE '^vigia_notifications_total\{notifier="hook",result="retried"\} [1-9]' "$T/resp"; then
    pass "receiver down: outbox pending, retries counted"
else
    fail "receiver down: outbox pending, retries counted" "$(grep -E 'notification' "$T/resp")"
fi
stop_daemon KILL # a crash while the resolution waits in the outbox
start_daemon "$DATA" --config serve.yaml || exit 1
sleep 1
[ "$(hooks_count resolved)" = 0 ] && pass "still down: nothing delivered" ||
    fail "still down: nothing delivered" "$(hooks_count resolved) resolved"
rm -f down
if wait_for 15 has_hooks resolved; then
    pass "receiver back: the resolution is delivered after the restart"
else
    fail "receiver back: the resolution is delivered after the restart" "$(cat hooks.ndjson)"
fi
sleep 1
f=$(hooks_count firing)
r=$(hooks_count resolved)
[ "$f" = 1 ] && [ "$r" = 1 ] && pass "webhook: exactly one firing and one resolved" ||
    fail "webhook: exactly one firing and one resolved" "$f firing, $r resolved"
if [ $have_am = 1 ]; then
    if wait_for 20 am_resolved; then
        pass "alertmanager: the alert is resolved (endsAt reached)"
    else
        fail "alertmanager: the alert is resolved (endsAt reached)" "listed: '$(am_alerts)'"
    fi
fi

# ---- 4. the API ----
api GET /v1/rules
"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert [r["name"] for r in j["rules"]] == ["age_drift", "rejects"], j' "$T/resp" &&
    pass "GET /v1/rules" || fail "GET /v1/rules" "$(head -c 300 "$T/resp")"
api POST /v1/silences -H 'Content-Type: application/json' \
    --data '{"matchers": {"alertname": "age_drift"}, "duration": "1h", "createdBy": "test", "comment": "maintenance"}'
check_http "POST /v1/silences: 201" 201
SID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/resp" 2>/dev/null)
api GET /v1/silences
grep -q "\"$SID\"" "$T/resp" && pass "GET /v1/silences lists it" || fail "GET /v1/silences lists it" "$(head -c 300 "$T/resp")"
api POST /v1/silences -H 'Content-Type: application/json' --data '{"matchers": {}}'
check_http "POST /v1/silences without matchers: 400" 400
# silenced: drift again fires (state recorded) but nothing is notified
post_window drift3.json
post_window drift0.json
st=$(alert_state)
[ "$st" = firing ] && pass "silenced alert still changes state" || fail "silenced alert still changes state" "state '$st'"
sleep 1
[ "$(hooks_count firing)" = 1 ] && pass "silenced: no notification" || fail "silenced: no notification" "$(hooks_count firing) firing"
api POST "/v1/alerts/$FP/ack" -H 'Content-Type: application/json' --data '{"by": "test"}'
check_http "POST /v1/alerts/{id}/ack: 200" 200
api GET "/v1/alerts?rule=age_drift"
grep -q '"acknowledged": *true' "$T/resp" && pass "acknowledged flag in /v1/alerts" ||
    fail "acknowledged flag in /v1/alerts" "$(head -c 400 "$T/resp")"
api POST /v1/alerts/0000000000000000/ack
check_http "ack of an unknown alert: 404" 404
api GET "/v1/alerts/history?alert=$FP&limit=50"
grep -q '"kind": *"ack"' "$T/resp" && pass "ack recorded in the history" || fail "ack recorded in the history" "$(head -c 400 "$T/resp")"
api GET "/v1/alerts/history?limit=abc"
check_http "history with a bad limit: 400" 400
api GET "/v1/alerts/history?before=-1"
check_http "history with a negative before: 400" 400
api GET "/v1/alerts/history?limit=2"
"$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["events"]) == 2 and j["next_before"] == j["events"][1]["id"], j
' "$T/resp" && pass "history pages with limit and next_before" || fail "history pages with limit and next_before" "$(head -c 300 "$T/resp")"
api DELETE "/v1/silences/$SID"
check_http "DELETE /v1/silences/{id}: 200" 200
api DELETE /v1/silences/nope
check_http "DELETE of an unknown silence: 404" 404

# the daemon's own config exports to Prometheus rules that promtool accepts
if command -v promtool >/dev/null; then
    if timeout 20 "$VIGIA" rules export --format prometheus --window 1h -o exported.yml serve.yaml 2>export.err &&
        promtool check rules exported.yml >promtool_rules.out 2>&1; then
        pass "rules export of the daemon config: promtool check rules accepts it"
    else
        fail "rules export of the daemon config: promtool check rules accepts it" "$(cat export.err; tail -5 promtool_rules.out 2>/dev/null)"
    fi
fi

# ---- 5. bad rules ----
cp serve.yaml good.yaml
write_config "
    - name: broken
      metric: drift_scroe
      threshold: 1"
kill -HUP "$SERVE_PID"
wait_for 5 grep -q "config not reloaded" "$SERVE_LOG"
if grep -q "config not reloaded.*broken.*metric" "$SERVE_LOG"; then
    pass "reload with an unknown metric: refused, naming rule and field"
else
    fail "reload with an unknown metric: refused, naming rule and field" "$(grep -m3 -i 'reload\|sighup' "$SERVE_LOG")"
fi
api GET /v1/rules
"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert [r["name"] for r in j["rules"]] == ["age_drift", "rejects"], j' "$T/resp" &&
    pass "failed reload keeps the previous rules" || fail "failed reload keeps the previous rules" "$(head -c 300 "$T/resp")"
stop_daemon
[ "$STOP_RC" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit 0" "rc $STOP_RC"

bad_start() { # NAME RULE_TEXT EXPECT_REGEX
    write_config "$2"
    timeout 20 "$VIGIA" serve --auth off --listen 127.0.0.1:0 --data-dir "$T/data2" --config serve.yaml \
        >/dev/null 2>bad.err
    local rc=$?
    if grep -qE 'Sanitizer|runtime error:' bad.err; then
        fail "$1" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' bad.err)"
    elif [ $rc = 2 ] && grep -qE "$3" bad.err; then
        pass "$1"
    else
        fail "$1" "exit $rc: $(head -3 bad.err)"
    fi
}
bad_start "start with an unknown metric: refused" "
    - name: broken
      metric: drift_scroe
      threshold: 1" "serve.yaml:[0-9]+:[0-9]+:.*broken.*metric"
bad_start "start with a bad template: refused" "
    - name: badtpl
      metric: drift_score
      threshold: 1
      annotations: {summary: \"{{nope}}\"}" "badtpl.*annotations"
bad_start "start with a bad duration: refused" "
    - name: baddur
      metric: drift_score
      threshold: 1
      for: 5 parsecs" "baddur.*for"

check_logs_clean "no sanitizer report in the daemon logs"
echo "serve_alerts: $NPASS passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
