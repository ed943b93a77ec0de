#!/usr/bin/env bash
# The audit log of vigia serve and `vigia audit` (issue 8), against the real daemon:
#
#   1. administrative actions through the API (register, replace, delete, reference, flush,
#      silence create and delete, ack), an alert transition (a drift rule firing), a SIGHUP
#      reload, and the daemon's start and stop all land in the log, in order, with the actor;
#   2. GET /v1/audit pages and exports; /metrics counts; `vigia audit verify` works while the
#      daemon runs (it holds the data directory's lock);
#   3. after the stop: verify exits 0; the NDJSON export is re-verified by an independent Python
#      implementation of the encoding of docs/security.md; no raw feature value is in the log;
#   4. tampering with the database (python3 sqlite3) or with the export: exit 1 naming the entry.
#
#   VIGIA=build/vigia bash tests/cli/audit.sh
source "$(dirname "$0")/lib.bash"
source "$CLI_DIR/serve_lib.bash"

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; 1 on timeout.
wait_for() {
    local secs=$1 i
    shift
    for i in $(seq 1 $((secs * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# ---- data: a reference, a clean and a drifted window; one record carries a marker value ----
"$PY" - <<'EOF'
import json, random
random.seed(5)
def row(drift):
    return round(random.gauss(70 if drift else 40, 5), 2), random.choice(["a", "b", "c"])
with open("ref.csv", "w") as f:
    f.write("age,region,prediction\n")
    for _ in range(1000):
        age, reg = row(False)
        f.write("%s,%s,%s\n" % (age, reg, round(random.random(), 3)))
for name, drift in [("clean", False), ("drift", True)]:
    recs = []
    for i in range(200):
        age, reg = row(drift)
        recs.append({"id": "%s-%d" % (name, i), "features": {"age": age, "region": reg},
                     "prediction": round(random.random(), 3)})
    if not drift:  # values that must never reach the audit log
        recs[0]["features"] = {"age": 31.4159265, "region": "zq-secret-region"}
    json.dump(recs, open(name + ".json", "w"))
spec = {"name": "m", "task": "regression",
        "features": [{"name": "age", "type": "numeric"}, {"name": "region", "type": "categorical"}],
        "window": {"count": 200}}
json.dump(spec, open("spec.json", "w"))
spec["window"] = {"count": 300}
json.dump(spec, open("spec2.json", "w"))
json.dump(dict(spec, name="gone"), open("gone.json", "w"))
EOF

write_config() { # $1: retention
    cat >serve.yaml <<EOF
tick: 200ms
retention: $1
models:
  - name: cfgm
    task: regression
    reference: ref.csv
    features:
      - {name: age, type: numeric}
    window: {count: 100}
alerts:
  evaluation_interval: 1s
  notifiers:
    - {name: stderr, type: log}
  rules:
    - name: age_drift
      model: m
      feature: age
      metric: drift_score
      match: {baseline: reference}
      op: ">"
      threshold: 0.5
      for_windows: 1
      severity: warning
      notify: [stderr]
EOF
}
write_config 0

# ---- --help and usage errors ----
run audit --help
expect_ok() { [ "$RC" = 0 ] && grep -q -- "$2" "$T/out" && pass "$1" || fail "$1" "rc $RC: $(head -c 200 "$T/out") $(err_line)"; }
expect_ok "audit --help" "vigia audit verify"
run audit verify --help
expect_ok "audit verify --help" "export"
run audit export --help
expect_ok "audit export --help" "--after SEQ"
run audit
[ "$RC" = 2 ] && pass "audit without a subcommand: exit 2" || fail "audit without a subcommand: exit 2" "rc $RC"
run audit verify --data-dir "$T/nothing"
[ "$RC" = 2 ] && grep -q "no database" "$T/err" && pass "verify of a missing directory: exit 2, says so" ||
    fail "verify of a missing directory: exit 2, says so" "rc $RC $(err_line)"
run audit export --after -1 --data-dir "$T/nothing"
[ "$RC" = 2 ] && grep -q -- "--after" "$T/err" && pass "export --after -1: exit 2 naming the flag" ||
    fail "export --after -1: exit 2 naming the flag" "rc $RC $(err_line)"

# ---- 1. actions ----
DATA=$T/data
start_daemon "$DATA" --config serve.yaml || exit 1
post_json /v1/models spec.json
check_http "register m" 201
api PUT /v1/models/m/reference -H 'Content-Type: text/csv' --data-binary @ref.csv
check_http "reference of m" 200
api PUT /v1/models/m -H 'Content-Type: application/json' --data-binary @spec2.json
check_http "replace m" 200
api PUT /v1/models/m -H 'Content-Type: application/json' --data-binary @spec.json
check_http "replace m back" 200
post_json /v1/models gone.json
check_http "register gone" 201
api DELETE /v1/models/gone
check_http "delete gone" 200
post_json /v1/models/m/predictions clean.json
check_http "clean window" 200
api POST /v1/models/m/flush
check_http "flush" 200
post_json /v1/models/m/predictions drift.json
api POST /v1/models/m/flush
alert_fp() {
    api GET "/v1/alerts?rule=age_drift"
    "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["fingerprint"] if a and a[0]["state"] == "firing" else "")' "$T/resp"
}
FP=$(alert_fp)
[ -n "$FP" ] && pass "drifted window: the alert fires" || fail "drifted window: the alert fires" "$(head -c 300 "$T/resp")"
api POST /v1/silences -H 'Content-Type: application/json' \
    --data '{"matchers": {"alertname": "age_drift"}, "duration": "1h", "createdBy": "test", "comment": "maintenance"}'
check_http "create a silence" 201
SID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/resp" 2>/dev/null)
api DELETE "/v1/silences/$SID"
check_http "delete the silence" 200
api POST "/v1/alerts/$FP/ack" -H 'Content-Type: application/json' --data '{"by": "oncall", "comment": "looking"}'
check_http "ack the alert" 200
write_config 7d
kill -HUP "$SERVE_PID"
has_reload() { api GET /v1/audit; grep -q '"config.reload"' "$T/resp"; }
wait_for 20 has_reload && pass "SIGHUP: config.reload audited" || fail "SIGHUP: config.reload audited" "$(tail -3 "$SERVE_LOG")"

# ---- 2. while running ----
api GET "/v1/audit?limit=3"
check_http "GET /v1/audit" 200
"$PY" - "$T/resp" <<'EOF' && pass "GET /v1/audit: a page of 3, oldest first, with head and next_after" || fail "GET /v1/audit: a page of 3, oldest first, with head and next_after" "$(head -c 400 "$T/resp")"
import json, sys
j = json.load(open(sys.argv[1]))
e = j["entries"]
assert [x["seq"] for x in e] == [1, 2, 3] and e[1]["target"] == "cfgm", e
assert e[0]["action"] == "daemon.start" and e[0]["actor"] == "daemon", e[0]
assert e[0]["prev_hash"] == "0" * 64 and e[1]["prev_hash"] == e[0]["hash"], e
assert j["next_after"] == 3 and j["head"]["seq"] >= 12 and j["head"]["entries"] == j["head"]["seq"], j
EOF
api GET "/v1/audit?after=3&limit=2"
"$PY" -c 'import json,sys; assert [x["seq"] for x in json.load(open(sys.argv[1]))["entries"]] == [4, 5]' "$T/resp" &&
    pass "GET /v1/audit?after=3 pages on" || fail "GET /v1/audit?after=3 pages on" "$(head -c 300 "$T/resp")"
for bad in "limit=0" "limit=1001" "after=-1" "after=x" "format=xml"; do
    api GET "/v1/audit?$bad"
    check_http "GET /v1/audit?$bad: 400" 400
done
api GET "/v1/audit?format=ndjson"
check_http "GET /v1/audit?format=ndjson" 200
cp "$T/resp" live.ndjson
api POST /v1/audit
check_http "POST /v1/audit: 405" 405
api GET /metrics
grep -q '^vigia_audit_entries_total [1-9]' "$T/resp" && grep -q '^vigia_audit_append_failures_total 0$' "$T/resp" &&
    grep -q '^vigia_audit_head_seq [1-9]' "$T/resp" && pass "/metrics: audit counters and head seq" ||
    fail "/metrics: audit counters and head seq" "$(grep vigia_audit "$T/resp")"
run audit verify --data-dir "$DATA"
[ "$RC" = 0 ] && grep -q "^chain intact: [0-9]* entries, head [0-9a-f]\{64\}$" "$T/out" &&
    pass "verify while the daemon runs: exit 0" || fail "verify while the daemon runs: exit 0" "rc $RC $(cat "$T/out") $(err_line)"
run audit verify live.ndjson
[ "$RC" = 0 ] && pass "verify of the live NDJSON export: exit 0" || fail "verify of the live NDJSON export: exit 0" "rc $RC $(err_line)"

stop_daemon
check_eq "daemon stops cleanly" "$STOP_RC" 0

# ---- 3. after the stop ----
run audit verify --data-dir "$DATA"
[ "$RC" = 0 ] && pass "verify after the stop: exit 0" || fail "verify after the stop: exit 0" "rc $RC $(err_line)"
HEAD=$(sed -n 's/.*head \([0-9a-f]*\)$/\1/p' "$T/out")
run audit export --data-dir "$DATA" -o export.ndjson
[ "$RC" = 0 ] && [ -s export.ndjson ] && pass "export -o" || fail "export -o" "rc $RC $(err_line)"
"$PY" - export.ndjson "$HEAD" <<'EOF' && pass "export: actions in order, actors, independent hash check, head" || fail "export: actions in order, actors, independent hash check, head" "see above"
import hashlib, json, struct, sys
prev, seq = "0" * 64, 0
actions = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    seq += 1
    # the encoding of docs/security.md, written from the documentation
    b = struct.pack(">Qq", e["seq"], e["ts_ms"])
    for k in ("actor", "remote", "action", "target", "detail", "prev_hash"):
        v = e[k].encode("utf-8")
        b += struct.pack(">I", len(v)) + v
    h = hashlib.sha256(b).hexdigest()
    assert e["seq"] == seq and e["prev_hash"] == prev and e["hash"] == h, (e, h)
    prev = h
    actions.append((e["action"], e["actor"], e["target"], json.loads(e["detail"]) if e["detail"] else None))
assert prev == sys.argv[2], (prev, sys.argv[2])
names = [a[0] for a in actions]
want = ["daemon.start", "model.register", "reference.put", "model.register", "reference.put", "model.replace", "model.replace",
        "model.register", "model.delete", "model.flush", "alert.transition", "model.flush",
        "silence.create", "silence.delete", "alert.ack", "config.reload", "daemon.stop"]
# transitions may come in more than one step (inactive -> pending -> firing)
got = [n for i, n in enumerate(names) if not (n == "alert.transition" and i and names[i - 1] == n)]
assert got == want, names
by = {}
for a in actions:  # the first of each action
    by.setdefault(a[0], a)
assert actions[1] == ("model.register", "daemon", "cfgm", {"source": "config"}), actions[1]
assert actions[2][:3] == ("reference.put", "daemon", "cfgm") and actions[2][3]["source"] == "config", actions[2]
assert actions[3] == ("model.register", "anonymous", "m", None), actions[3]
assert by["daemon.start"][1] == "daemon" and by["daemon.stop"][1] == "daemon"
ref = actions[4][3]
assert ref["format"] == "csv" and ref["rows"] == 1000 and ref["columns"] == 3, ref
t = [a[3] for a in actions if a[0] == "alert.transition" and a[3]["to"] == "firing"][0]
assert t["rule"] == "age_drift" and t["model"] == "m" and t["feature"] == "age" and t["to"] == "firing", t
assert t["value"] > 0.5, t
assert by["alert.ack"][3] == {"by": "oncall", "comment": "looking"}, by["alert.ack"]
assert by["config.reload"][3]["changed"] == ["retention"], by["config.reload"]
assert all(isinstance(a[3]["closed"], int) for a in actions if a[0] == "model.flush")
EOF
if grep -q -e "31.4159265" -e "zq-secret-region" export.ndjson live.ndjson; then
    fail "no raw feature value in the audit log" "$(grep -m1 -e 31.4159265 -e zq-secret-region export.ndjson live.ndjson)"
else
    pass "no raw feature value in the audit log"
fi
N=$(wc -l <export.ndjson)
run audit export --data-dir "$DATA" --after 5
check_eq "export --after 5" "$(wc -l <"$T/out") $(head -1 "$T/out" | cut -c1-9)" "$((N - 5)) {\"seq\":6,"

# ---- 4. tampering ----
# tamper SQL: runs SQL on the database (the daemon is stopped; python3's sqlite3, not vigia)
tamper() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$DATA/vigia.db" "$1"; }
tamper "CREATE TABLE saved AS SELECT * FROM audit;"
tamper "UPDATE audit SET detail = replace(detail, '1000', '999') WHERE seq = 5;"
run audit verify --data-dir "$DATA"
[ "$RC" = 1 ] && grep -q "audit entry 5 (seq 5, 20[0-9-]*T[0-9:.]*Z): hash mismatch: the entry was modified" "$T/err" &&
    pass "edited reference rows: exit 1 naming entry 5" || fail "edited reference rows: exit 1 naming entry 5" "rc $RC $(err_line)"
restore="DELETE FROM audit; INSERT INTO audit SELECT * FROM saved;"
tamper "$restore DELETE FROM audit WHERE seq = 5;"
run audit verify --data-dir "$DATA"
[ "$RC" = 1 ] && grep -q "audit entry 5 (seq 6, .*): seq gap" "$T/err" &&
    pass "deleted entry: exit 1 naming the next one" || fail "deleted entry: exit 1 naming the next one" "rc $RC $(err_line)"
tamper "$restore UPDATE audit SET actor = 'someone else' WHERE seq = 2;"
run audit verify --data-dir "$DATA"
[ "$RC" = 1 ] && grep -q "audit entry 2 (seq 2" "$T/err" && pass "edited actor: exit 1 naming entry 2" ||
    fail "edited actor: exit 1 naming entry 2" "rc $RC $(err_line)"
tamper "$restore"
run audit verify --data-dir "$DATA"
[ "$RC" = 0 ] && pass "restored: intact again" || fail "restored: intact again" "rc $RC $(err_line)"
# the export: one line edited, one removed, one malformed
sed '4s/"action":"[a-z.]*"/"action":"model.delete"/' export.ndjson >edited.ndjson
run audit verify edited.ndjson
[ "$RC" = 1 ] && grep -q "edited.ndjson:4: audit entry 4 (seq 4, .*): hash mismatch" "$T/err" &&
    pass "edited export line: exit 1 naming line and entry" || fail "edited export line: exit 1 naming line and entry" "rc $RC $(err_line)"
sed '2d' export.ndjson >cut.ndjson
run audit verify cut.ndjson
[ "$RC" = 1 ] && grep -q "audit entry 2 (seq 3, .*): seq gap" "$T/err" &&
    pass "export with a line removed: exit 1" || fail "export with a line removed: exit 1" "rc $RC $(err_line)"
sed '3s/.*/{"seq": 3/' export.ndjson >bad.ndjson
run audit verify bad.ndjson
[ "$RC" = 1 ] && grep -q "bad.ndjson:3: audit entry 3: not a valid entry" "$T/err" &&
    pass "malformed export line: exit 1 naming the line" || fail "malformed export line: exit 1 naming the line" "rc $RC $(err_line)"

check_logs_clean "daemon logs free of sanitizer reports"
echo "audit: $NPASS passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
